"""The outcome charts, each defined once: what it counts, its rows and columns, its labels
(translated), its units and its notes on calls it leaves out.

The dashboard draws a `Chart` with Chart.js (`drawing`) above its table, its CSV and the
chart API serve the same rows, and the program report draws the same rows as SVG
(`charts.py`) above the same table. A label or a note changed here changes everywhere, so
the two can no longer drift apart (they had: one time bin was "10–20 min" in the report
and "10–19 min" on the dashboard).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from coresponder.calls.models import OTHER_OUTCOME
from coresponder.encounters.dispositions import WORDS as DISPOSITION_WORDS

from .engines import Engine
from .kpis import (
    LIBRARY,
    TIME_BINS,
    Figures,
    Filters,
    disposition_mix_by_source,
    figures,
    from_day_number,
    hour_of_week,
    left_out,
    time_distribution,
    trend,
)

# Monday first, as `kpis.hour_of_week` counts.
DAYS = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)

# In the order the dashboard shows them.
CHART_NAMES = (
    "trend",
    "dispositions",
    "response_times",
    "on_scene_times",
    "hours",
    "follow_up",
    "referrals",
)


# -- Values in words ----------------------------------------------------------------------


def shown_percent(fraction: float) -> str:
    shown = round(fraction * 100, 1)
    return f"{shown:.0f}%" if shown == int(shown) else f"{shown:.1f}%"


def shown_minutes(minutes: float) -> str:
    shown = round(minutes, 1)
    number = f"{shown:.0f}" if shown == int(shown) else f"{shown:.1f}"
    return _("%(n)s min") % {"n": number}


def _cell(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "percent":
        return shown_percent(value)
    if unit == "minutes":
        return shown_minutes(value)
    if unit == "count":
        return f"{value:,}"
    return str(value)


def _csv_cell(value: Any, unit: str) -> Any:
    if value is None:
        return ""
    if unit == "percent":
        return round(value * 100, 1)
    return value


# -- A chart ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    unit: str = "count"  # text, count, percent or minutes


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    empty: str  # what to say when there is nothing to draw
    drawing: dict[str, Any] = field(default_factory=dict)  # what is plotted, and its labels
    left_out: int = 0  # calls of the period whose time is not known finely enough for it
    note: str = ""  # says so, when some are
    about: str = ""  # what a reader needs to read the numbers right

    @property
    def is_empty(self) -> bool:
        return not any(
            row.get(column.key)
            for row in self.rows
            for column in self.columns
            if column.unit != "text"
        )

    @property
    def headers(self) -> list[str]:
        return [str(column.label) for column in self.columns]

    def cells(self) -> list[list[str]]:
        """The rows as a table shows them, on the dashboard and in the report."""
        units = [(column.key, column.unit) for column in self.columns]
        return [[_cell(row.get(key), unit) for key, unit in units] for row in self.rows]

    def csv_rows(self) -> list[list[Any]]:
        header = [
            f"{column.label} (%)" if column.unit == "percent" else str(column.label)
            for column in self.columns
        ]
        rows = [header]
        for row in self.rows:
            rows.append([_csv_cell(row.get(column.key), column.unit) for column in self.columns])
        return rows


def _series(label: str, key: str, rows: list[dict], *, unit: str = "count", kind: str = "bar"):
    data = [row.get(key) for row in rows]
    if unit == "percent":
        data = [None if value is None else round(value * 100, 1) for value in data]
    return {"label": str(label), "data": data, "unit": unit, "kind": kind}


# -- Notes on calls a chart cannot place --------------------------------------------------


def left_out_note(column: str, count: int) -> str:
    """Why a chart by week, month or hour of the week leaves calls out, in words."""
    if not count:
        return ""
    if column == "week":
        return ngettext(
            "%(n)s call of this period is not in this chart: only its month or year is known.",
            "%(n)s calls of this period are not in this chart: only their month or year is known.",
            count,
        ) % {"n": f"{count:,}"}
    if column == "month":
        return ngettext(
            "%(n)s call of this period is not in this chart: only its year is known.",
            "%(n)s calls of this period are not in this chart: only their year is known.",
            count,
        ) % {"n": f"{count:,}"}
    return ngettext(
        "%(n)s call of this period is not in this chart: its hour or weekday is not known.",
        "%(n)s calls of this period are not in this chart: their hour or weekday is not known.",
        count,
    ) % {"n": f"{count:,}"}


def unplaced_note(count: int) -> str:
    if not count:
        return ""
    return ngettext(
        "%(n)s call known only to a month or a year that reaches beyond this period is not "
        "counted in it.",
        "%(n)s calls known only to a month or a year that reaches beyond this period are not "
        "counted in it.",
        count,
    ) % {"n": f"{count:,}"}


# -- Labels -------------------------------------------------------------------------------


def period_label(by: str, number: int) -> str:
    if by == "week":
        return _("Week of %(day)s") % {"day": date_format(from_day_number(number), "j M Y")}
    return date_format(date(number // 100, number % 100, 1), "M Y")


def short_period_label(by: str, number: int) -> str:
    if by == "week":
        return date_format(from_day_number(number), "j M")
    return date_format(date(number // 100, number % 100, 1), "M Y")


def bin_label(lower: int, upper: int | None) -> str:
    """A time bin holds whole minutes from `lower` up to, not including, `upper`."""
    if upper is None:
        return _("%(lower)s min or more") % {"lower": lower}
    return _("%(lower)s–%(upper)s min") % {"lower": lower, "upper": upper - 1}


def short_bin_label(lower: int, upper: int | None) -> str:
    """The same bin under a chart's axis, which says "minutes" once."""
    return f"{lower}+" if upper is None else f"{lower}–{upper - 1}"


# -- The charts ---------------------------------------------------------------------------

TREND_RATES = ("arrest_free", "voluntary_engagement", "use_of_force")


def trend_chart(engine: Engine, filters: Filters, by: str) -> Chart:
    rows = [
        {**row, "label": period_label(by, int(row["period"]))}
        for row in trend(engine, filters, by=by)
    ]
    short = [short_period_label(by, int(row["period"])) for row in rows]
    columns = [
        Column("label", str(_("Week") if by == "week" else _("Month")), "text"),
        Column("calls", _("Calls")),
        Column("encounters", _("Complete encounters")),
        *(Column(key, str(LIBRARY[key].name), "percent") for key in TREND_RATES),
    ]
    drawing = {
        "type": "trend",
        "labels": short,
        "series": [
            _series(_("Calls"), "calls", rows),
            *(
                _series(LIBRARY[key].name, key, rows, unit="percent", kind="line")
                for key in TREND_RATES[:2]
            ),
        ],
    }
    title = _("Calls and rates by week") if by == "week" else _("Calls and rates by month")
    missing = left_out(engine, filters, by)
    return Chart(
        "trend",
        title,
        columns,
        rows,
        _("No calls in this period."),
        drawing,
        left_out=missing,
        note=left_out_note(by, missing),
    )


def dispositions_chart(engine: Engine, filters: Filters) -> Chart:
    mix = disposition_mix_by_source(engine, filters)
    documented, imported = mix["encounter"], mix["imported"]
    total = sum(documented.values()) + sum(imported.values())
    codes = [str(code) for code in DISPOSITION_WORDS]
    codes += sorted((set(documented) | set(imported)) - set(codes) - {OTHER_OUTCOME})
    if OTHER_OUTCOME in imported:
        codes.append(OTHER_OUTCOME)
    words = {str(code): words for code, words in DISPOSITION_WORDS.items()}
    words[OTHER_OUTCOME] = _("other (imported: none of these)")
    rows = []
    for code in codes:
        both = documented.get(code, 0) + imported.get(code, 0)
        rows.append(
            {
                "disposition": str(words.get(code, code or _("none recorded"))),
                "encounters": documented.get(code, 0),
                "imported": imported.get(code, 0),
                "share": both / total if total else None,
            }
        )
    columns = [
        Column("disposition", _("Disposition"), "text"),
        Column("encounters", _("Complete encounters")),
        Column("imported", _("Imported outcomes")),
        Column("share", _("Share"), "percent"),
    ]
    series = [_series(_("Complete encounters"), "encounters", rows)]
    if imported:
        series.append(_series(_("Imported outcomes"), "imported", rows))
    drawing = {
        "type": "hbar",
        "labels": [row["disposition"] for row in rows],
        "series": series,
        "stacked": True,
    }
    return Chart(
        "dispositions",
        _("How calls ended"),
        columns,
        rows,
        _("No complete encounter or imported outcome in this period."),
        drawing,
        about=_(
            "Outcomes are complete encounters and outcomes imported from a CAD or an export "
            "(other: an imported outcome none of the dispositions describes); the share is of "
            "both together."
        ),
    )


def hours_chart(engine: Engine, filters: Filters) -> Chart:
    grid = hour_of_week(engine, filters)
    rows = []
    for day, counts in zip(DAYS, grid, strict=True):
        row: dict[str, Any] = {"day": str(day)}
        row.update({f"h{hour:02d}": count for hour, count in enumerate(counts)})
        rows.append(row)
    columns = [Column("day", _("Day"), "text")]
    columns += [Column(f"h{hour:02d}", f"{hour:02d}") for hour in range(24)]
    highest = max((max(counts) for counts in grid), default=0)
    drawing = {"type": "heat", "highest": highest, "grid": grid}
    missing = left_out(engine, filters, "hour_of_week")
    return Chart(
        "hours",
        _("Calls by hour of the week"),
        columns,
        rows,
        _("No calls in this period."),
        drawing,
        left_out=missing,
        note=left_out_note("hour_of_week", missing),
        about=_("Hours in the program's time zone."),
    )


def times_chart(engine: Engine, filters: Filters, metric: str) -> Chart:
    bins = time_distribution(engine, filters, only=metric)[metric]
    uppers = [*TIME_BINS[1:], None]
    edges = list(zip(TIME_BINS, uppers, strict=True))
    rows = [{"bin": bin_label(lower, upper), "calls": bins.get(lower, 0)} for lower, upper in edges]
    if metric == "response":
        name, title = "response_times", _("Time to arrive")
        empty = _("No call with a team on scene in this period.")
    else:
        name, title = "on_scene_times", _("Officer time on scene")
        empty = _("No call with both an on-scene and an officer-cleared time in this period.")
    columns = [Column("bin", _("Minutes"), "text"), Column("calls", _("Calls"))]
    drawing = {
        "type": "bar",
        "labels": [short_bin_label(lower, upper) for lower, upper in edges],
        "axis": str(_("minutes")),
        "series": [_series(_("Calls"), "calls", rows)],
    }
    return Chart(
        name,
        title,
        columns,
        rows,
        empty,
        drawing,
        about=_("Whole minutes: a call that took 19 minutes 59 seconds is in 10–19 min."),
    )


FOLLOW_UP_KPIS = (
    "follow_up_72h",
    "referral_completion",
    "connected_after_repeat",
    "repeat_crisis_30",
    "repeat_crisis_90",
)


def follow_up_chart(now: Figures) -> Chart:
    rows = []
    for key in FOLLOW_UP_KPIS:
        value = now.values[key]
        rows.append(
            {
                "measure": str(value.kpi.name),
                "numerator": value.numerator,
                "denominator": value.denominator,
                "rate": value.value,
            }
        )
    columns = [
        Column("measure", _("Measure"), "text"),
        Column("numerator", _("Counted")),
        Column("denominator", _("Out of")),
        Column("rate", _("Rate"), "percent"),
    ]
    drawing = {
        "type": "hbar",
        "labels": [row["measure"] for row in rows],
        "series": [_series(_("Rate"), "rate", rows, unit="percent")],
    }
    return Chart(
        "follow_up",
        _("Follow-up and repeat crises"),
        columns,
        rows,
        _("No follow-up, referral or identified person in this period."),
        drawing,
    )


def referrals_chart(now: Figures) -> Chart:
    counts = now.counts
    sent = counts.referrals_sent
    rows = [
        {"step": str(words), "referrals": number, "share": number / sent if sent else None}
        for words, number in (
            (_("Sent"), sent),
            (_("Accepted"), counts.referrals_accepted),
            (_("Attended"), counts.referrals_attended),
        )
    ]
    columns = [
        Column("step", _("Step"), "text"),
        Column("referrals", _("Referrals")),
        Column("share", _("Share of those sent"), "percent"),
    ]
    drawing = {
        "type": "bar",
        "labels": [row["step"] for row in rows],
        "series": [_series(_("Referrals"), "referrals", rows)],
    }
    return Chart(
        "referrals",
        _("Referrals: sent, accepted, attended"),
        columns,
        rows,
        _("No referral sent in this period."),
        drawing,
        about=_("Withdrawn and information-only referrals are not counted."),
    )


def chart_for(
    name: str, engine: Engine, filters: Filters, *, by: str, now: Figures | None = None
) -> Chart:
    """One chart by its name; `by` is the trend's step (week or month), `now` the period's
    figures when they are already counted."""
    if name == "trend":
        return trend_chart(engine, filters, by)
    if name == "dispositions":
        return dispositions_chart(engine, filters)
    if name == "hours":
        return hours_chart(engine, filters)
    if name == "response_times":
        return times_chart(engine, filters, "response")
    if name == "on_scene_times":
        return times_chart(engine, filters, "on_scene")
    now = now or figures(engine, filters)
    if name == "follow_up":
        return follow_up_chart(now)
    if name == "referrals":
        return referrals_chart(now)
    raise KeyError(name)
