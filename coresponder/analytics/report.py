"""The printable program report: its figures assembled, then one template for the screen,
the printer and the PDF.

`build()` asks the engine for the figures and returns a `Report` holding only what the
template shows (no database objects), so the same report renders to HTML and, through
WeasyPrint, to PDF. `on_step(progress, words)` is told how far it has gone; the
background task writes that where the waiting page can read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from coresponder.core.local_time import zone_named

from . import charts, kpis, outcome_charts
from .costs import CostEstimate, cost_avoided
from .engines import Engine
from .kpis import LIBRARY, Figures, Filters, Kpi, Value


@dataclass(frozen=True)
class Headline:
    kpi: Kpi
    now: Value
    before: Value
    shown: str
    shown_before: str
    change: str
    judgement: str  # "better", "worse", "" (no direction or no change)
    reference: str


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: Any
    headers: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass(frozen=True)
class QualityNote:
    label: str
    count: int
    of: int
    of_words: str
    share: str


@dataclass(frozen=True)
class Report:
    program_name: str
    filters: Filters
    generated_at: datetime
    narrowed_by: list[str]
    counts: kpis.Counts
    headlines: list[Headline]
    library: list[Kpi]
    charts: list[Chart]
    quality: list[QualityNote]
    costs: CostEstimate
    extra: dict = field(default_factory=dict)
    time_zone: str = "UTC"  # the program's: the report is read on its clock

    @property
    def start(self) -> date:
        return self.filters.start

    @property
    def last_day(self) -> date:
        return self.filters.end - timedelta(days=1)


# -- Formatting: the report's words for a value. ------------------------------------------


def shown(value: Value | None) -> str:
    if value is None or value.value is None:
        return "—"
    if value.kpi.unit == "percent":
        return f"{value.value * 100:.1f}%"
    return f"{value.value:.0f} min"


def _change(now: Value, before: Value) -> tuple[str, str]:
    if now.value is None or before.value is None:
        return "—", ""
    delta = now.value - before.value
    if now.kpi.unit == "percent":
        words = f"{delta * 100:+.1f} pts"
        still = abs(delta) < 0.0005
    else:
        words = f"{delta:+.0f} min"
        still = abs(delta) < 0.5
    if still:
        return ("0.0 pts" if now.kpi.unit == "percent" else "0 min"), ""
    if now.kpi.higher_is_better is None:
        return words, ""
    return words, "better" if (delta > 0) == now.kpi.higher_is_better else "worse"


def _share(count: int, of: int) -> str:
    return f"{count / of * 100:.1f}%" if of else "—"


def _narrowed_by(filters: Filters, names: dict[str, dict[str, str]]) -> list[str]:
    words = []
    for name, value in filters.narrowing().items():
        label = names.get(name, {}).get(str(value), str(value))
        words.append(f"{name.replace('_id', '').replace('_', ' ')}: {label}")
    return words


# -- A query the KPI library does not hold: calls with no person identified. --------------


def calls_without_person(engine: Engine, filters: Filters) -> tuple[int, int]:
    sql = (
        "SELECT COUNT(*), SUM(CASE WHEN person_key IS NULL THEN 1 ELSE 0 END)"
        f" FROM {{facts}} WHERE {filters.where()}"
    )
    ((calls, unknown),) = engine.rows(sql, filters.params())
    return int(unknown or 0), int(calls or 0)


# -- The charts: each defined once in `outcome_charts`, drawn here as SVG. ----------------


def _notes(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _trend_chart(engine: Engine, filters: Filters) -> Chart:
    # A report for a board reads by month, whatever its length.
    chart = outcome_charts.trend_chart(engine, filters, "month")
    svg = charts.line_chart(
        chart.drawing["labels"],
        [
            (_("Calls"), [row["calls"] for row in chart.rows]),
            (_("Complete encounters"), [row["encounters"] for row in chart.rows]),
        ],
        title=_("Calls and encounters by month"),
        description=_("A line for calls and one for complete encounters, month by month."),
    )
    return Chart("trend", chart.title, svg, chart.headers, chart.cells(), _notes(chart.note))


def _disposition_chart(engine: Engine, filters: Filters) -> Chart:
    chart = outcome_charts.dispositions_chart(engine, filters)
    svg = charts.horizontal_bar_chart(
        [row["disposition"] for row in chart.rows],
        [row["encounters"] + row["imported"] for row in chart.rows],
        title=_("Disposition of complete encounters and imported outcomes"),
        description=_(
            "One bar per disposition, the number of encounters and imported outcomes that ended so."
        ),
    )
    return Chart(
        "dispositions",
        chart.title,
        svg,
        chart.headers,
        chart.cells(),
        _notes(chart.about, chart.note),
    )


def _hour_chart(engine: Engine, filters: Filters) -> Chart:
    chart = outcome_charts.hours_chart(engine, filters)
    grid = chart.drawing["grid"]
    days = [row["day"] for row in chart.rows]
    svg = charts.heat_map(
        grid,
        row_labels=days,
        column_labels=[column.label for column in chart.columns[1:]],
        title=_("Calls by day of week and hour"),
        description=_("Seven rows, Monday first, of 24 hourly cells shaded by calls received."),
        label_width=72,
    )
    # The table sums four-hour blocks of the chart's hours, so that it fits a printed page.
    blocks = [(start, start + 4) for start in range(0, 24, 4)]
    return Chart(
        "hour_of_week",
        chart.title,
        svg,
        [chart.headers[0], *(f"{a:02d}–{b - 1:02d}" for a, b in blocks), _("All day")],
        [
            [day, *(f"{sum(row[a:b]):,}" for a, b in blocks), f"{sum(row):,}"]
            for day, row in zip(days, grid, strict=True)
        ],
        _notes(chart.about, _("The table adds up four-hour blocks."), chart.note),
    )


def _time_chart(engine: Engine, filters: Filters) -> Chart:
    response = outcome_charts.times_chart(engine, filters, "response")
    on_scene = outcome_charts.times_chart(engine, filters, "on_scene")
    labels = [row["bin"] for row in response.rows]
    svg = charts.bar_chart(
        response.drawing["labels"],
        [
            (response.title, [row["calls"] for row in response.rows]),
            (on_scene.title, [row["calls"] for row in on_scene.rows]),
        ],
        axis=response.drawing["axis"],
        title=_("How long calls took"),
        description=_(
            "Calls counted by minutes from call to arrival, and from arrival to the "
            "officer clearing, in bins."
        ),
    )
    return Chart(
        "times",
        _("Time distributions"),
        svg,
        [response.headers[0], _("Calls by time to arrive"), _("Calls by officer time on scene")],
        [
            [label, a[1], b[1]]
            for label, a, b in zip(labels, response.cells(), on_scene.cells(), strict=True)
        ],
        _notes(response.about),
    )


def _funnel_chart(now: Figures) -> Chart:
    chart = outcome_charts.referrals_chart(now)
    svg = charts.horizontal_bar_chart(
        [row["step"] for row in chart.rows],
        [row["referrals"] for row in chart.rows],
        title=chart.title,
        description=_("Referrals sent, then accepted by the service, then attended."),
    )
    return Chart("referrals", chart.title, svg, chart.headers, chart.cells(), _notes(chart.about))


# -- The whole report. ----------------------------------------------------------------------


def _no_step(progress: int, words: str) -> None:
    return None


def filter_names(program) -> dict[str, dict[str, str]]:
    from .choices import filter_choices

    return {
        name: {str(value): str(words) for value, words in choices}
        for name, choices in filter_choices(program).items()
    }


def build(
    engine: Engine,
    *,
    program_name: str,
    filters: Filters,
    cost_settings: Any | None,
    names: dict[str, dict[str, str]] | None = None,
    on_step: Callable[[int, str], None] = _no_step,
    now: datetime | None = None,
    time_zone: str = "UTC",
) -> Report:
    on_step(20, _("Counting this period's figures"))
    figures_now: Figures = kpis.figures(engine, filters)
    on_step(35, _("Counting the previous period's figures"))
    figures_before = kpis.figures(engine, filters.previous())

    headlines = []
    for value in kpis.headline(figures_now):
        before = figures_before[value.kpi.key]
        change, judgement = _change(value, before)
        reference = value.kpi.reference
        headlines.append(
            Headline(
                kpi=value.kpi,
                now=value,
                before=before,
                shown=shown(value),
                shown_before=shown(before),
                change=change,
                judgement=judgement,
                reference=f"{reference.figure * 100:.1f}%" if reference else "",
            )
        )

    on_step(50, _("Drawing the charts"))
    counts = figures_now.counts
    chart_list = [
        _trend_chart(engine, filters),
        _disposition_chart(engine, filters),
        _hour_chart(engine, filters),
        _time_chart(engine, filters),
        _funnel_chart(figures_now),
    ]

    on_step(65, _("Checking the data's quality"))
    unknown, calls = calls_without_person(engine, filters)
    with_encounter = counts.calls - counts.no_encounter
    quality = [
        QualityNote(
            _("Encounters not yet complete (no disposition)"),
            counts.incomplete,
            with_encounter,
            _("calls with an encounter"),
            _share(counts.incomplete, with_encounter),
        ),
        QualityNote(
            _("Calls with no encounter"),
            counts.no_encounter,
            counts.calls,
            _("calls"),
            _share(counts.no_encounter, counts.calls),
        ),
        QualityNote(
            _("Complete encounters with no on-scene time"),
            counts.without_on_scene_time,
            counts.encounters,
            _("complete encounters"),
            _share(counts.without_on_scene_time, counts.encounters),
        ),
        QualityNote(
            _("Calls with no person identified"),
            unknown,
            calls,
            _("calls"),
            _share(unknown, calls),
        ),
    ]

    return Report(
        program_name=program_name,
        filters=filters,
        generated_at=now or timezone.now(),
        narrowed_by=_narrowed_by(filters, names or {}),
        counts=counts,
        headlines=headlines,
        library=list(LIBRARY.values()),
        charts=chart_list,
        quality=quality,
        costs=cost_avoided(counts, cost_settings),
        time_zone=time_zone,
    )


def render_html(report: Report, *, links: dict[str, str] | None = None) -> str:
    """The report as one HTML page; `links` (back, pdf, costs) appear on screen only.
    Made in the background, where no page sets a clock: its times are the program's."""
    with timezone.override(zone_named(report.time_zone)):
        return render_to_string(
            "analytics/report_document.html", {"report": report, "links": links or {}}
        )


# -- The PDF: WeasyPrint over the very same HTML. -----------------------------------------

BASE_URL = "https://report.coresponder.invalid/"


def _fetcher():
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static = BASE_URL.rstrip("/") + settings.STATIC_URL

    class StaticOnly(URLFetcher):
        """The report's own stylesheet from the app's static files; nothing from outside."""

        def fetch(self, url, headers=None):
            if url.startswith(static):
                name = url[len(static) :].split("?")[0]
                path = finders.find(name) or _collected(name)
                if path:
                    with open(path, "rb") as file:
                        body = file.read()
                    kind = "text/css" if url.endswith(".css") else "application/octet-stream"
                    return URLFetcherResponse(url, body=body, headers={"Content-Type": kind})
            raise ValueError(f"The report fetches nothing but its stylesheet: {url}")

    return StaticOnly()


def _collected(name: str) -> str | None:
    """A collected (and, in production, hashed) static file's path, when there is one."""
    import os

    from django.contrib.staticfiles.storage import staticfiles_storage

    try:
        path = staticfiles_storage.path(name)
    except NotImplementedError:
        return None
    return path if os.path.exists(path) else None


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher()).write_pdf()
