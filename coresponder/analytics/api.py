"""The outcomes through the API: the headline figures and each chart's data for a period
and filters, exactly as the dashboard shows them.

The same rule as the dashboard: a signed-in supervisor, evaluator or administrator (never
an agency's token). A filter the program does not know is a 400 naming it.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from coresponder.core.access import signed_in_user
from coresponder.core.audit import Actor
from coresponder.core.exceptions import DomainError, PermissionDenied

from . import events
from .access import BadFilter, engine_for, may_see_outcomes
from .dashboard_views import audit_detail, dashboard_for, scope_of
from .outcome_charts import chart_for

router = Router(tags=["outcomes"])

ChartName = Literal[
    "trend", "dispositions", "hours", "response_times", "on_scene_times", "follow_up", "referrals"
]


class BadFilterError(DomainError):
    code = "bad_filter"
    status = 400


class OutcomeQuery(Schema):
    """The dashboard's query string: a period and, optionally, which calls."""

    # Plain strings: the dashboard's own parser answers a wrong one with a 400 naming it.
    period: str | None = Field(
        None,
        description="month, 30d, quarter, year or custom; default 30d (today included).",
    )
    from_: str | None = Field(None, alias="from", description="custom: first day, YYYY-MM-DD.")
    to: str | None = Field(None, description="custom: last day (included), YYYY-MM-DD.")
    by: str | None = Field(None, description="The trend's step: week or month.")
    agency_id: str | None = None
    team_id: str | None = None
    source: str | None = None
    concern: str | None = None
    response: str | None = None
    age_band: str | None = None
    sex: str | None = None
    veteran: str | None = None
    outcome_source: str | None = Field(
        None,
        description="encounter: calls whose outcome is an encounter documented here; "
        "imported: calls whose outcome a CAD or an export reported.",
    )


class ReferenceOut(Schema):
    figure: float = Field(description="A fraction for rates.")
    says: str
    source: str


class KpiFigureOut(Schema):
    key: str
    name: str
    definition: str
    numerator_words: str
    denominator_words: str
    exclusions: str
    unit: Literal["percent", "minutes"]
    higher_is_better: bool | None
    value: float | None = Field(description="A fraction for rates, minutes for times; null: none.")
    numerator: int | None
    denominator: int | None
    previous_value: float | None
    shown: str
    previous_shown: str
    direction: Literal["up", "down", "same", "none"]
    tone: Literal["better", "worse", "neutral"]
    says: str
    reason: str = Field(description="Why there is no figure, when there is none.")
    imported: int = Field(
        description="Of the denominator, outcomes imported from a CAD or an export rather "
        "than encounters documented here (0 for KPIs that count encounters only)."
    )
    imported_left_out: int = Field(
        description="Imported outcomes not counted because their source cannot say what "
        "this figure turns on (a yes/no apprehension flag says nothing of arrests)."
    )
    reference: ReferenceOut | None


class PeriodOut(Schema):
    key: str
    start: date
    last: date = Field(description="The period's last day, included.")
    previous_start: date
    previous_last: date
    by: str


class CountsOut(Schema):
    calls: int
    encounters: int
    outcomes: int = Field(description="Complete encounters and imported outcomes.")
    imported_outcomes: int
    referrals_sent: int
    referrals_accepted: int
    referrals_attended: int


class FiguresOut(Schema):
    period: PeriodOut
    filters: dict[str, str | int]
    counts: CountsOut
    previous_counts: CountsOut
    kpis: list[KpiFigureOut]


class ColumnOut(Schema):
    key: str
    label: str
    unit: Literal["text", "count", "percent", "minutes"]


class ChartOut(Schema):
    name: str
    title: str
    columns: list[ColumnOut]
    rows: list[dict[str, Any]] = Field(description="Rates are fractions; null: nothing to count.")
    left_out: int = Field(
        description="Calls of the period this chart leaves out because their time is not "
        "known finely enough for it (known only to the month or year, or without weekday "
        "and hour)."
    )
    note: str = Field(description="Says so in words; empty when none is left out.")
    about: str = Field(
        description="What a reader needs to read the numbers right (how the bins run, what "
        "is not counted); empty when nothing needs saying."
    )


def _outcomes_user(request: HttpRequest):
    user = signed_in_user(request)
    if not may_see_outcomes(user):
        raise PermissionDenied(_("Outcomes are for supervisors, evaluators and administrators."))
    return user


def _period_out(period) -> dict:
    return {
        "key": period.key,
        "start": period.start,
        "last": period.last,
        "previous_start": period.previous_start,
        "previous_last": period.previous_last,
        "by": period.by,
    }


def _counts(counts) -> dict:
    return {
        name: getattr(counts, name)
        for name in (
            "calls",
            "encounters",
            "outcomes",
            "imported_outcomes",
            "referrals_sent",
            "referrals_accepted",
            "referrals_attended",
        )
    }


@router.get(
    "/outcomes/figures",
    response=FiguresOut,
    summary="The headline figures for a period, with the previous period's",
)
def outcome_figures(request: HttpRequest, query: Query[OutcomeQuery]):
    user = _outcomes_user(request)
    program = user.agency.program
    try:
        board = dashboard_for(program, request.GET)
    except BadFilter as bad:
        raise BadFilterError(str(bad)) from None
    events.on_program(
        events.OUTCOMES_VIEWED,
        program,
        actor=Actor.of_user(user),
        detail=audit_detail(board.period, board.filters, view="api"),
        request=request,
    )
    kpis = []
    for tile in board.tiles:
        kpi = tile.kpi
        reference = kpi.reference
        kpis.append(
            {
                "key": kpi.key,
                "name": str(kpi.name),
                "definition": kpi.definition,
                "numerator_words": kpi.numerator,
                "denominator_words": kpi.denominator,
                "exclusions": kpi.exclusions,
                "unit": kpi.unit,
                "higher_is_better": kpi.higher_is_better,
                "value": tile.value,
                "numerator": tile.numerator,
                "denominator": tile.denominator,
                "previous_value": tile.previous,
                "shown": tile.shown,
                "previous_shown": tile.previous_shown,
                "direction": tile.direction,
                "tone": tile.tone,
                "says": tile.says,
                "reason": tile.reason,
                "imported": tile.imported,
                "imported_left_out": tile.imported_left_out,
                "reference": None if reference is None else vars(reference),
            }
        )
    return {
        "period": _period_out(board.period),
        "filters": board.filters.narrowing(),
        "counts": _counts(board.now.counts),
        "previous_counts": _counts(board.before.counts),
        "kpis": kpis,
    }


@router.get(
    "/outcomes/charts/{name}",
    response=ChartOut,
    summary="One chart's numbers for a period: the rows its table and CSV show",
)
def outcome_chart(request: HttpRequest, name: ChartName, query: Query[OutcomeQuery]):
    user = _outcomes_user(request)
    program = user.agency.program
    try:
        period, filters = scope_of(program, request.GET)
    except BadFilter as bad:
        raise BadFilterError(str(bad)) from None
    chart = chart_for(name, engine_for(program), filters, by=period.by)
    events.on_program(
        events.OUTCOMES_VIEWED,
        program,
        actor=Actor.of_user(user),
        detail=audit_detail(period, filters, view="api", chart=name),
        request=request,
    )
    return {
        "name": chart.name,
        "title": str(chart.title),
        "columns": [
            {"key": column.key, "label": str(column.label), "unit": column.unit}
            for column in chart.columns
        ],
        "rows": chart.rows,
        "left_out": chart.left_out,
        "note": chart.note,
        "about": chart.about,
    }
