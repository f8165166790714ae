"""The demo program's outcomes: its unit costs and baseline, and its call facts built, so
the dashboard, the report and the public page open full."""

from __future__ import annotations

from decimal import Decimal

from coresponder.analytics import facts
from coresponder.analytics.models import CallFact, CostSettings

# Illustrative figures for the demo, not sourced: a real program sets its own.
DEMO_COSTS = {
    "ed_visit": 2_200,
    "jail_day": 150,
    "inpatient_day": 1_100,
    "officer_hour": 75,
    "baseline_ed_per_100": Decimal("18.0"),
    "baseline_arrests_per_100": Decimal("8.0"),
    "baseline_holds_per_100": Decimal("12.0"),
    "jail_days_per_arrest": 3,
    "inpatient_days_per_hold": 4,
    "baseline_officer_minutes": 95,
}


def build_demo_outcomes(program) -> int:
    CostSettings.objects.update_or_create(program=program, defaults=DEMO_COSTS)
    return facts.bring_up_to_date(program, full=True)


def describe_outcomes(program) -> str:
    calls = CallFact.objects.filter(program_id=program.pk).count()
    return (
        f"outcomes: {calls:,} calls in the KPI facts; dashboard at /outcomes/ (supervisor, "
        f"evaluator, admin); public page at /outcomes/public/{program.slug}/"
    )
