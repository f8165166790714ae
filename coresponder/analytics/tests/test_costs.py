"""Cost avoided on hand-worked numbers, and the cost settings page's permissions."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from coresponder.accounts.models import Role
from coresponder.analytics import events
from coresponder.analytics.costs import cost_avoided, is_configured
from coresponder.analytics.kpis import Counts
from coresponder.analytics.models import CostSettings
from coresponder.core.models import AuditEntry

SETTINGS = SimpleNamespace(
    currency="USD",
    ed_visit=2000,
    jail_day=150,
    inpatient_day=1100,
    officer_hour=75,
    baseline_ed_per_100=10,
    baseline_arrests_per_100=5,
    baseline_holds_per_100=4,
    jail_days_per_arrest=3,
    inpatient_days_per_hold=6,
    baseline_officer_minutes=60,
)
# 200 encounters; 150 calls timed for the officer at 40 minutes each.
COUNTS = Counts(
    calls=220,
    encounters=200,
    arrests=4,
    holds=3,
    medical_transports=2,
    officer_timed_calls=150,
    officer_seconds=150 * 40 * 60,
)


def test_each_line_on_hand_worked_numbers():
    # when
    estimate = cost_avoided(COUNTS, SETTINGS)
    lines = {line.key: line for line in estimate.lines}

    # then: ED: 10 × 200 / 100 = 20 expected, 3 holds + 2 transports = 5, 15 × 2,000
    assert (lines["ed_visits"].avoided, lines["ed_visits"].amount) == (15, 30_000)
    # arrests: 5 × 2 = 10 expected, 4 made, 6 × 3 = 18 jail days × 150
    assert (lines["jail_days"].avoided, lines["jail_days"].quantity) == (6, 18)
    assert lines["jail_days"].amount == 2_700
    # holds: 4 × 2 = 8 expected, 3 made, 5 × 6 = 30 inpatient days × 1,100
    assert (lines["inpatient_days"].quantity, lines["inpatient_days"].amount) == (30, 33_000)
    # officer: 60 × 150 = 9,000 minutes expected, 6,000 taken, 3,000 min = 50 h × 75
    assert (lines["officer_hours"].quantity, lines["officer_hours"].amount) == (50, 3_750)
    assert estimate.total == Decimal(69_450)
    assert estimate.configured
    assert all(line.method for line in estimate.lines)


def test_more_than_the_baseline_avoids_nothing_and_subtracts_nothing():
    # given: more arrests and holds than the baseline predicts, slower officers
    counts = Counts(encounters=100, arrests=9, holds=7, medical_transports=20)
    counts = Counts(
        **{**counts.__dict__, "officer_timed_calls": 10, "officer_seconds": 10 * 90 * 60}
    )

    # when
    estimate = cost_avoided(counts, SETTINGS)

    # then
    assert [line.amount for line in estimate.lines] == [0, 0, 0, 0]
    assert estimate.total == 0


def test_fractions_are_kept_until_the_amount_is_rounded():
    counts = Counts(encounters=33)  # 10 × 33 / 100 = 3.3 ED visits
    line = cost_avoided(counts, SETTINGS).lines[0]
    assert (line.avoided, line.amount) == (Decimal("3.3"), Decimal(6_600))


def test_unset_costs_say_so_instead_of_zero():
    assert not is_configured(None)
    unset = SimpleNamespace(
        **{**SETTINGS.__dict__, "ed_visit": 0, "jail_day": 0, "inpatient_day": 0, "officer_hour": 0}
    )
    estimate = cost_avoided(COUNTS, unset)
    assert (estimate.configured, estimate.lines) == (False, ())


FORM = {
    "currency": "usd",
    "ed_visit": "2000",
    "jail_day": "150",
    "inpatient_day": "1100",
    "officer_hour": "75",
    "baseline_ed_per_100": "10",
    "baseline_arrests_per_100": "5",
    "baseline_holds_per_100": "4",
    "jail_days_per_arrest": "3",
    "inpatient_days_per_hold": "6",
    "baseline_officer_minutes": "60",
}


def _cost_events():
    return AuditEntry.objects.filter(action=events.COSTS_CHANGED)


def test_a_supervisor_sets_costs_with_one_audit_event(make_user, sign_in, program):
    # given
    client = sign_in(make_user(Role.SUPERVISOR))

    # when
    response = client.post("/outcomes/costs/", FORM)

    # then
    assert response.status_code == 302
    costs = CostSettings.objects.get(program=program)
    assert (costs.currency, costs.ed_visit, costs.baseline_officer_minutes) == ("USD", 2000, 60)
    assert _cost_events().count() == 1
    # an unchanged save writes nothing more; one changed field writes one event naming it
    client.post("/outcomes/costs/", FORM)
    client.post("/outcomes/costs/", {**FORM, "jail_day": "175"})
    assert _cost_events().count() == 2
    assert _cost_events().order_by("-pk").first().detail == {"jail_day": "150 → 175"}


def test_an_evaluator_reads_costs_but_cannot_change_them(make_user, sign_in, program):
    # given
    client = sign_in(make_user(Role.EVALUATOR))

    # when
    page = client.get("/outcomes/costs/")
    refused = client.post("/outcomes/costs/", FORM)

    # then
    assert page.status_code == 200
    assert b"Save the cost settings" not in page.content
    assert b"you can read them" in page.content
    assert refused.status_code == 403
    assert not CostSettings.objects.filter(program=program).exists()
    assert _cost_events().count() == 0


@pytest.mark.parametrize("role", [Role.OFFICER, Role.CLINICIAN, Role.CASE_MANAGER, Role.PARTNER])
def test_field_roles_are_refused_the_cost_page(make_user, sign_in, program, role):
    client = sign_in(make_user(role))
    assert client.get("/outcomes/costs/").status_code == 403
    assert client.post("/outcomes/costs/", FORM).status_code == 403
    assert not CostSettings.objects.filter(program=program).exists()
