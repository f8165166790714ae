"""The outcomes dashboard: headline KPIs against the previous period and the published
figures, and the charts behind them, each with its numbers as a table and as CSV.

What the page shows is built here once (`dashboard_for`; each chart is defined in
`outcome_charts`, which the program report draws too) and served three ways: the page
(its filters swap the dashboard in place with htmx and keep the query string shareable),
the JSON API (`analytics.api`) and a CSV per chart. Only those who may
see the outcomes see any of it; a filter the program does not know is refused with a 400
saying which, and nothing is computed or logged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coresponder.accounts.models import Program
from coresponder.core.audit import Actor
from coresponder.core.spreadsheet import safe_csv_writer
from coresponder.core.time_bounds import Facing, TimeBounds, day_problem

from . import events
from .access import BadFilter, engine_for, filters_from, may_see_outcomes
from .choices import filter_choices
from .kpis import Figures, Filters, Kpi, figures, headline, unplaced
from .outcome_charts import (
    CHART_NAMES,
    DAYS,
    Chart,
    chart_for,
    shown_minutes,
    shown_percent,
    unplaced_note,
)

PERIODS = {
    "month": gettext_lazy("This month"),
    "30d": gettext_lazy("Last 30 days"),
    "quarter": gettext_lazy("This quarter"),
    "year": gettext_lazy("This year"),
    "custom": gettext_lazy("Custom"),
}
DEFAULT_PERIOD = "30d"
TREND_BY = {"week": gettext_lazy("By week"), "month": gettext_lazy("By month")}
# The filters a dashboard URL carries, in the order it writes them.
FILTER_NAMES = ("agency_id", "team_id", "source", "concern", "response", "age_band", "sex")
FILTER_NAMES += ("veteran", "outcome_source")
FILTER_LABELS = {
    "agency_id": gettext_lazy("Agency"),
    "team_id": gettext_lazy("Team"),
    "source": gettext_lazy("Call source"),
    "concern": gettext_lazy("Concern"),
    "response": gettext_lazy("Response type"),
    "age_band": gettext_lazy("Age band"),
    "sex": gettext_lazy("Sex"),
    "veteran": gettext_lazy("Veteran"),
    "outcome_source": gettext_lazy("Outcome recorded"),
}
LONGEST_DAYS = 366 * 10  # a custom period of more than ten years is a typo


# -- The period ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str
    start: date
    end: date  # exclusive
    previous_start: date
    previous_end: date  # exclusive
    by: str  # the trend's step: week or month

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def previous_last(self) -> date:
        return self.previous_end - timedelta(days=1)

    @property
    def label(self) -> str:
        return _span(self.start, self.last)

    @property
    def previous_label(self) -> str:
        return _span(self.previous_start, self.previous_last)


def _span(first: date, last: date) -> str:
    if first == last:
        return date_format(first, "j M Y")
    return f"{date_format(first, 'j M Y')} – {date_format(last, 'j M Y')}"


def _month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def _parse_day(name: str, raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadFilter(
            _("%(name)s: %(value)r is not a date (YYYY-MM-DD).") % {"name": name, "value": raw}
        ) from None


def period_from(query, *, today: date, bounds: TimeBounds | None = None) -> Period:
    """The period a query string asks for; calendar periods compare with the calendar
    period before them, the others with as many days just before. A custom period's days
    are held to the program's bounds, when given (`Program.time_bounds`)."""
    key = (query.get("period") or DEFAULT_PERIOD).strip()
    if key not in PERIODS:
        raise BadFilter(_("period: %(value)r is not one of this dashboard's.") % {"value": key})
    if key == "month":
        start, end = _month_start(today), _month_start(today, -1)
        previous_start = _month_start(today, 1)
    elif key == "quarter":
        first = _month_start(today, (today.month - 1) % 3)
        start, end, previous_start = first, _month_start(first, -3), _month_start(first, 3)
    elif key == "year":
        start, end = date(today.year, 1, 1), date(today.year + 1, 1, 1)
        previous_start = date(today.year - 1, 1, 1)
    elif key == "30d":
        start, end = today - timedelta(days=29), today + timedelta(days=1)
        previous_start = start - timedelta(days=30)
    else:
        first = _parse_day(_("from"), (query.get("from") or "").strip())
        last = _parse_day(_("to"), (query.get("to") or "").strip())
        for name, day in ((_("from"), first), (_("to"), last)):
            if bounds and (problem := day_problem(day, bounds)):
                raise BadFilter(_("%(name)s: %(problem)s") % {"name": name, "problem": problem})
        try:
            start, end = first, last + timedelta(days=1)
            previous_start = start - (end - start)
        except OverflowError:  # no bounds given, and a day at the calendar's very end
            raise BadFilter(_("The period, or the one before it, leaves the calendar.")) from None
        if end <= start:
            raise BadFilter(_("The period must end after it starts."))
        if (end - start).days > LONGEST_DAYS:
            raise BadFilter(_("A custom period is at most ten years long."))
    by = (query.get("by") or "").strip()
    if by and by not in TREND_BY:
        raise BadFilter(_("by: %(value)r is neither week nor month.") % {"value": by})
    by = by or default_by(start, end)
    return Period(key, start, end, previous_start, start, by)


def default_by(start: date, end: date) -> str:
    return "week" if (end - start).days <= 120 else "month"


def shared_query(query, period: Period) -> dict[str, str]:
    """The query string that shows this same view again: only what differs from defaults."""
    values: dict[str, str] = {}
    if period.key != DEFAULT_PERIOD:
        values["period"] = period.key
    if period.key == "custom":
        values["from"], values["to"] = period.start.isoformat(), period.last.isoformat()
    if period.by != default_by(period.start, period.end):
        values["by"] = period.by
    for name in FILTER_NAMES:
        raw = (query.get(name) or "").strip()
        if raw:
            values[name] = raw
    return values


# -- Figures as tiles ---------------------------------------------------------------------


def format_value(kpi: Kpi, value: float | None) -> str:
    if value is None:
        return "—"
    if kpi.unit == "percent":
        return shown_percent(value)
    return shown_minutes(value)


def _lower_first(words: str) -> str:
    return words[:1].lower() + words[1:]


@dataclass(frozen=True)
class Tile:
    kpi: Kpi
    value: float | None
    numerator: int | None
    denominator: int | None
    previous: float | None
    shown: str
    previous_shown: str
    reason: str  # why there is no figure, when there is none
    direction: str  # up, down, same or none
    tone: str  # better, worse or neutral
    says: str  # the comparison in words
    imported: int = 0  # of the denominator, outcomes imported from a CAD or an export
    imported_left_out: int = 0  # imported outcomes whose source cannot tell this figure

    @property
    def arrow(self) -> str:
        return {"up": "▲", "down": "▼", "same": "="}.get(self.direction, "")


def _compare(kpi: Kpi, value: float | None, previous: float | None) -> tuple[str, str, str]:
    if value is None or previous is None:
        return "none", "neutral", _("No figure to compare with in the previous period.")
    if math.isclose(value, previous, abs_tol=1e-9):
        return "same", "neutral", _("The same as the previous period.")
    direction = "up" if value > previous else "down"
    if kpi.unit == "percent":
        change = _("%(sign)s%(n)s points") % {
            "sign": "+" if value > previous else "−",
            "n": f"{abs(value - previous) * 100:.1f}",
        }
    else:
        change = ("+" if value > previous else "−") + shown_minutes(abs(value - previous))
    if kpi.higher_is_better is None:
        return direction, "neutral", _("%(change)s on the previous period.") % {"change": change}
    better = (value > previous) == kpi.higher_is_better
    if better:
        return (
            direction,
            "better",
            _("%(change)s: better than the previous period.") % {"change": change},
        )
    return direction, "worse", _("%(change)s: worse than the previous period.") % {"change": change}


def tiles_for(now: Figures, before: Figures) -> list[Tile]:
    tiles = []
    for value in headline(now):
        kpi = value.kpi
        previous = before.values[kpi.key].value
        direction, tone, says = _compare(kpi, value.value, previous)
        reason = ""
        if value.value is None and kpi.imported:
            reason = _(
                "Nothing to count: no complete encounter, and no imported outcome that says "
                "this, in this period."
            )
        elif value.value is None:
            reason = _("Nothing to count: no %(what)s in this period.") % {
                "what": _lower_first(kpi.denominator)
            }
        tiles.append(
            Tile(
                kpi=kpi,
                value=value.value,
                numerator=value.numerator,
                denominator=value.denominator,
                previous=previous,
                shown=format_value(kpi, value.value),
                previous_shown=format_value(kpi, previous),
                reason=reason,
                direction=direction,
                tone=tone,
                says=says,
                imported=value.imported,
                imported_left_out=value.imported_left_out,
            )
        )
    return tiles


# -- The whole dashboard ------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    program: Program
    period: Period
    filters: Filters
    now: Figures
    before: Figures
    tiles: list[Tile]
    charts: dict[str, Chart]
    query: dict[str, str]  # the shareable query string's values
    unplaced: int = 0  # calls that may lie in the period but cannot be placed in it

    @property
    def unplaced_note(self) -> str:
        return unplaced_note(self.unplaced)


def today_of(program: Program) -> date:
    return timezone.localdate(timezone=program.zone)


def scope_of(program: Program, query, *, today: date | None = None) -> tuple[Period, Filters]:
    """The period and filters a query string asks for, or BadFilter saying what is wrong."""
    bounds = program.time_bounds(timezone.now(), facing=Facing.PLANNED)
    period = period_from(query, today=today or today_of(program), bounds=bounds)
    filters = filters_from(program, query, start=period.start, end=period.end)
    return period, filters


def previous_of(filters: Filters, period: Period) -> Filters:
    return replace(filters, start=period.previous_start, end=period.previous_end)


def dashboard_for(program: Program, query, *, today: date | None = None) -> Dashboard:
    period, filters = scope_of(program, query, today=today)
    engine = engine_for(program)
    now = figures(engine, filters)
    before = figures(engine, previous_of(filters, period))
    charts = {name: chart_for(name, engine, filters, by=period.by, now=now) for name in CHART_NAMES}
    return Dashboard(
        program=program,
        period=period,
        filters=filters,
        now=now,
        before=before,
        tiles=tiles_for(now, before),
        charts=charts,
        query=shared_query(query, period),
        unplaced=unplaced(engine, filters),
    )


def audit_detail(period: Period, filters: Filters, **more: str) -> dict:
    detail: dict = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    detail.update(filters.narrowing())
    detail.update(more)
    return detail


# -- Pages --------------------------------------------------------------------------------


def _refused(request: HttpRequest) -> TemplateResponse | None:
    from django.contrib.auth.views import redirect_to_login

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not may_see_outcomes(request.user):
        return TemplateResponse(request, "core/forbidden.html", status=403)
    return None


def _selects(program: Program, query) -> list[dict]:
    choices = filter_choices(program)
    selects = []
    for name in FILTER_NAMES:
        chosen = (query.get(name) or "").strip()
        selects.append(
            {
                "name": name,
                "label": FILTER_LABELS[name],
                "chosen": chosen,
                "options": [(str(value), words) for value, words in choices[name]],
            }
        )
    return selects


def dashboard(request: HttpRequest) -> HttpResponse:
    refused = _refused(request)
    if refused is not None:
        return refused
    program = request.user.agency.program
    partial = bool(getattr(request, "htmx", False))
    try:
        board = dashboard_for(program, request.GET)
    except BadFilter as bad:
        if partial:  # dashboard.js shows it above the figures it leaves in place
            return HttpResponse(str(bad), status=400, content_type="text/plain; charset=utf-8")
        return TemplateResponse(
            request, "analytics/dashboard/bad_filter.html", {"message": str(bad)}, status=400
        )
    events.on_program(
        events.OUTCOMES_VIEWED,
        program,
        actor=Actor.of_user(request.user),
        detail=audit_detail(board.period, board.filters, view="dashboard"),
        request=request,
    )
    query_string = urlencode(board.query)
    context = {
        "board": board,
        "periods": list(PERIODS.items()),
        "trend_by": list(TREND_BY.items()),
        "selects": _selects(program, request.GET),
        "query_string": query_string,
        "charts": board.charts,
        "drawings": {name: chart.drawing for name, chart in board.charts.items()},
        "heat": _heat(board.charts["hours"]),
        "counts": board.now.counts,
        "previous_counts": board.before.counts,
        "published": program.slug in settings.COR_PUBLIC_OUTCOMES,
    }
    template = "analytics/dashboard/_board.html" if partial else "analytics/dashboard.html"
    response = TemplateResponse(request, template, context)
    if partial:
        here = reverse("analytics:dashboard") + (f"?{query_string}" if query_string else "")
        response["HX-Push-Url"] = here
    return response


def _heat(chart: Chart) -> list[dict]:
    highest = chart.drawing["highest"]
    rows = []
    for day, counts in zip(DAYS, chart.drawing["grid"], strict=True):
        cells = [
            {
                "hour": hour,
                "count": count,
                "level": 0 if not count else max(1, math.ceil(5 * count / highest)),
            }
            for hour, count in enumerate(counts)
        ]
        rows.append({"day": day, "cells": cells})
    return rows


def chart_csv(request: HttpRequest, name: str) -> HttpResponse:
    refused = _refused(request)
    if refused is not None:
        return refused
    if name not in CHART_NAMES:
        return TemplateResponse(request, "core/not_found.html", status=404)
    program = request.user.agency.program
    try:
        period, filters = scope_of(program, request.GET)
    except BadFilter as bad:
        return HttpResponse(str(bad), status=400, content_type="text/plain; charset=utf-8")
    chart = chart_for(name, engine_for(program), filters, by=period.by)
    events.on_program(
        events.OUTCOMES_VIEWED,
        program,
        actor=Actor.of_user(request.user),
        detail=audit_detail(period, filters, view="csv", chart=name),
        request=request,
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"outcomes-{name}-{period.start.isoformat()}-{period.last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    safe_csv_writer(response).writerows(chart.csv_rows())
    return response


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("chart/<str:name>.csv", chart_csv, name="chart_csv"),
]
