"""Cost avoided: what the program's outcomes would have cost at the program's own baseline.

A plain function of the period's counts (`kpis.Counts`) and the unit costs and baseline
the program set (`models.CostSettings`). Each line says what was avoided, how many, at
what unit cost, and the method in words, so that a board can check the arithmetic.

The baseline is the program's counterfactual: what it saw per 100 crisis encounters
(calls a team attended) before the program began. Fewer than the baseline is "avoided";
more than the baseline is not a negative saving, it is none (the report shows the actual
counts beside it).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .kpis import Counts

HUNDRED = Decimal(100)
SIXTY = Decimal(60)
UNIT_COSTS = ("ed_visit", "jail_day", "inpatient_day", "officer_hour")


# Each line of the estimate: its name and its method in words, for the page and the report.
METHODS = {
    "ed_visits": (
        gettext_lazy("Emergency-department visits avoided"),
        gettext_lazy(
            "Baseline ED visits per 100 encounters × encounters ÷ 100, less the encounters "
            "that ended in an involuntary hold or a medical transport; never below zero; × "
            "the cost of an ED visit."
        ),
    ),
    "jail_days": (
        gettext_lazy("Jail days avoided"),
        gettext_lazy(
            "Baseline arrests per 100 encounters × encounters ÷ 100, less the arrests made; "
            "never below zero; × average jail days per arrest × the cost of a jail day."
        ),
    ),
    "inpatient_days": (
        gettext_lazy("Psychiatric inpatient days avoided"),
        gettext_lazy(
            "Baseline involuntary holds per 100 encounters × encounters ÷ 100, less the "
            "holds made; never below zero; × average inpatient days per hold × the cost of "
            "an inpatient day."
        ),
    ),
    "officer_hours": (
        gettext_lazy("Officer hours saved"),
        gettext_lazy(
            "Baseline officer minutes per call × calls with an officer time, less the "
            "officer minutes those calls took (dispatch to officer cleared); never below "
            "zero; ÷ 60 × the cost of an officer hour."
        ),
    ),
}


@dataclass(frozen=True)
class CostLine:
    key: str
    label: str
    expected: Decimal  # events the baseline predicts for this period's encounters
    actual: Decimal  # events that happened
    avoided: Decimal  # expected − actual, never below 0 (visits, arrests, holds, minutes)
    quantity: Decimal  # what is priced: visits, jail days, inpatient days, officer hours
    quantity_unit: str
    unit_cost: int
    amount: Decimal  # quantity × unit cost, to the whole currency unit
    method: str

    @property
    def priced(self) -> bool:
        return self.unit_cost > 0


@dataclass(frozen=True)
class CostEstimate:
    configured: bool
    currency: str
    lines: tuple[CostLine, ...] = ()

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


def is_configured(cost_settings: Any | None) -> bool:
    """Set means at least one unit cost and its baseline: otherwise there is nothing to say."""
    if cost_settings is None:
        return False
    return any(getattr(cost_settings, name) for name in UNIT_COSTS)


def _round(value: Decimal, places: str = "1") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _positive(value: Decimal) -> Decimal:
    return max(Decimal(0), value)


def cost_avoided(counts: Counts, cost_settings: Any | None) -> CostEstimate:
    """Every line of the estimate, or an estimate marked not configured."""
    if not is_configured(cost_settings):
        currency = getattr(cost_settings, "currency", "USD") or "USD"
        return CostEstimate(configured=False, currency=currency)
    s = cost_settings
    encounters = Decimal(counts.encounters)

    ed_expected = Decimal(s.baseline_ed_per_100) * encounters / HUNDRED
    ed_actual = Decimal(counts.holds + counts.medical_transports)
    ed_avoided = _positive(ed_expected - ed_actual)

    arrests_expected = Decimal(s.baseline_arrests_per_100) * encounters / HUNDRED
    arrests_actual = Decimal(counts.arrests)
    arrests_avoided = _positive(arrests_expected - arrests_actual)
    jail_days = arrests_avoided * Decimal(s.jail_days_per_arrest)

    holds_expected = Decimal(s.baseline_holds_per_100) * encounters / HUNDRED
    holds_actual = Decimal(counts.holds)
    holds_avoided = _positive(holds_expected - holds_actual)
    inpatient_days = holds_avoided * Decimal(s.inpatient_days_per_hold)

    minutes_expected = Decimal(s.baseline_officer_minutes) * Decimal(counts.officer_timed_calls)
    minutes_actual = Decimal(counts.officer_seconds) / SIXTY
    minutes_saved = _positive(minutes_expected - minutes_actual)
    officer_hours = minutes_saved / SIXTY

    def line(*args):
        key, label, expected, actual, avoided, quantity, unit, unit_cost, method = args
        return CostLine(
            key=key,
            label=label,
            expected=_round(expected, "0.1"),
            actual=_round(actual, "0.1"),
            avoided=_round(avoided, "0.1"),
            quantity=_round(quantity, "0.1"),
            quantity_unit=unit,
            unit_cost=unit_cost,
            amount=_round(quantity * Decimal(unit_cost)),
            method=method,
        )

    lines = (
        line(
            "ed_visits",
            METHODS["ed_visits"][0],
            ed_expected,
            ed_actual,
            ed_avoided,
            ed_avoided,
            _("ED visits"),
            s.ed_visit,
            METHODS["ed_visits"][1],
        ),
        line(
            "jail_days",
            METHODS["jail_days"][0],
            arrests_expected,
            arrests_actual,
            arrests_avoided,
            jail_days,
            _("jail days"),
            s.jail_day,
            METHODS["jail_days"][1],
        ),
        line(
            "inpatient_days",
            METHODS["inpatient_days"][0],
            holds_expected,
            holds_actual,
            holds_avoided,
            inpatient_days,
            _("inpatient days"),
            s.inpatient_day,
            METHODS["inpatient_days"][1],
        ),
        line(
            "officer_hours",
            METHODS["officer_hours"][0],
            minutes_expected,
            minutes_actual,
            minutes_saved,
            officer_hours,
            _("officer hours"),
            s.officer_hour,
            METHODS["officer_hours"][1],
        ),
    )
    return CostEstimate(configured=True, currency=s.currency or "USD", lines=lines)
