"""Tests that build a demo of their own: the same seed twice, another seed, the demo
command with its year, and the demo at hours and days that would break a demo that sampled
its way to what it shows. Each build takes seconds, so all are slow."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from freezegun import freeze_time

from coresponder.accounts.models import Agency, Program, User
from coresponder.core.audit import verify_chain
from coresponder.demo.generator import DEMO_PASSWORD, ROLE_LOGINS, build_demo_program
from coresponder.people.models import Person
from coresponder.referrals.access import Principal, referrals_for_partner
from coresponder.referrals.loop import State
from coresponder.referrals.models import MODELS as DIRECTORY_MODELS
from coresponder.referrals.models import Referral

from .readings import DEMO_NOW, assert_a_realistic_day, directory_picture

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def demo_clock():
    with freeze_time(DEMO_NOW, tick=True) as clock:
        yield clock


def snapshot() -> list[tuple]:
    return sorted(
        (user.username, user.full_name, user.agency.name, tuple(sorted(user.roles)))
        for user in User.objects.all()
    )


def remove_demo_program() -> None:
    from coresponder.accounts.models import TrainingRecord
    from coresponder.calls.models import Call, CallSequence, TriageRuleSet
    from coresponder.cases.models import Case, SafetyPlanRevision
    from coresponder.dispatch.models import Notification, ServiceArea, StatusEvent, Team
    from coresponder.encounters.models import Encounter, ResponsePlan
    from coresponder.referrals.models import PartnerLink, Referral

    for model in (Case, SafetyPlanRevision, Referral, PartnerLink):
        model.objects.all().delete()
    for model in (Encounter, ResponsePlan):
        model.objects.all().delete()
    for model in (StatusEvent, Notification, Team, ServiceArea, TrainingRecord):
        model.objects.all().delete()
    for model in (Call, CallSequence, TriageRuleSet):
        model.objects.all().delete()
    Person.objects.all().delete()
    for model in reversed(DIRECTORY_MODELS.values()):
        model.objects.all().delete()
    User.objects.all().delete()
    Agency.objects.all().delete()
    Program.objects.all().delete()


def test_the_same_seed_builds_the_same_program():
    # given
    build_demo_program(now=DEMO_NOW, seed=7, history=False)
    first = snapshot()

    # when the program is removed and built again
    remove_demo_program()
    build_demo_program(now=DEMO_NOW, seed=7, history=False)

    # then
    assert snapshot() == first


def test_another_seed_builds_another_roster():
    build_demo_program(now=DEMO_NOW, seed=7, history=False)
    first = snapshot()
    remove_demo_program()

    build_demo_program(now=DEMO_NOW, seed=8, history=False)

    assert snapshot() != first


def test_the_same_seed_builds_the_same_directory():
    from coresponder.referrals.models import ServiceCapacity

    build_demo_program(now=DEMO_NOW, seed=7, history=False)
    first = directory_picture(Program.objects.get())
    remove_demo_program()

    build_demo_program(now=DEMO_NOW, seed=7, history=False)

    again = directory_picture(Program.objects.get())
    for picture in (first, again):  # the times free places were counted follow the clock
        for row in picture["service_capacity"].values():
            row.pop("updated")
    assert again == first
    assert ServiceCapacity.objects.filter(available=0).count() >= 3


def built_days_ago(days: int, demo_clock) -> Program:
    """A demo built `days` ago, by the clock of then; the clock is back at DEMO_NOW after."""
    then = DEMO_NOW - timedelta(days=days)
    demo_clock.move_to(then)
    program = build_demo_program(now=then, history=False).program
    demo_clock.move_to(DEMO_NOW)
    return program


def test_the_demo_command_keeps_a_built_demo_and_says_how_to_build_it_afresh(capsys, demo_clock):
    # given a demo built three days ago
    stale = built_days_ago(3, demo_clock)

    # when the command runs again (as `make demo` does)
    call_command("demo", "--no-serve")

    # then it is kept, and the command says since when and how to build today's
    out = capsys.readouterr().out
    assert (
        "Demo County Co-Responder Program: already there, built on 7 June 2026, kept as it is; "
        "`coresponder demo --reset` (or `make demo-reset`) builds it afresh for today." in out
    ), out
    assert list(Program.objects.values_list("pk", flat=True)) == [stale.pk]


def test_the_demo_reset_refuses_a_database_holding_another_program(capsys):
    # given a database holding a program that is not the demo
    other = Program.objects.create(name="Real County", slug="real-county")

    # when the demo is asked to reset it
    with pytest.raises(CommandError) as refused:
        call_command("demo", "--no-serve", "--reset")

    # then it refuses, naming it, and empties nothing
    assert "Real County" in str(refused.value)
    assert "--reset empties the whole database" in str(refused.value)
    assert list(Program.objects.all()) == [other]


# --reset empties the database with TRUNCATE, which PostgreSQL refuses inside a
# transaction holding rows just written: run it as the command runs, outside one.
@pytest.mark.django_db(transaction=True)
def test_the_demo_command_prints_log_ins_and_what_it_built_in_figures(capsys, demo_clock):
    # One run of the whole command (a year of history included) for every line it prints,
    # over a demo built three days before: --reset builds it afresh for today.
    from coresponder.analytics.models import CallFact
    from coresponder.calls.models import Call
    from coresponder.referrals.models import Location, Service, ServiceCapacity

    stale = built_days_ago(3, demo_clock)

    call_command("demo", "--no-serve", "--reset")

    out = capsys.readouterr().out
    assert "Emptied the database, to build the demo afresh for today." in out
    assert "Demo County Co-Responder Program: created." in out
    (program,) = Program.objects.all()  # the clock ticks from DEMO_NOW while it builds
    assert DEMO_NOW <= program.created_at < DEMO_NOW + timedelta(hours=1)
    assert stale.created_at < DEMO_NOW - timedelta(days=2)
    newest = Call.objects.order_by("-received_at").values_list("received_at", flat=True)[0]
    assert DEMO_NOW - timedelta(hours=12) < newest <= DEMO_NOW
    for username, _role, _agency, _title in ROLE_LOGINS:
        assert f"  {username} " in out
    assert DEMO_PASSWORD in out
    # What was built, in figures: calls, encounters, plans.
    assert re.search(r"\d+ calls, \d+ encounters \(\d+ complete, \d+ in progress\)", out)
    assert "response plans: 2 approved, 1 past review, 1 draft." in out
    assert re.search(r"referrals: \d+ \(\d+ sent, .*, \d+ information given\)", out)
    services = Service.objects.count()
    locations = Location.objects.count()
    full = ServiceCapacity.objects.filter(available=0).count()
    assert f"directory: {services} services at {locations} locations, {full} full" in out
    assert services >= 40
    assert re.search(
        r"cases: \d+ \(\d+ open, \d+ active, \d+ on hold, \d+ closed\), \d+ waiting in the "
        r"queue, \d+ repeat crises, \d+ unreached; tasks: \d+ overdue, \d+ due today; "
        r"\d+ contacts\.",
        out,
    ), out
    assert re.search(r"history: \d+ calls from ", out)
    facts = CallFact.objects.count()
    assert facts > 2000
    assert f"outcomes: {facts:,} calls in the KPI facts" in out


# Hours and days that a demo sampling its way to what it shows would trip on: the quietest
# hour, shift changes, local midnight, the last minute of a year, and both daylight-saving
# changes in the program's zone (America/Denver), each with another seed.
ANY_HOUR = [
    ("2026-06-10T09:00:00+00:00", 2026),  # 03:00, the quietest hour
    ("2026-06-10T13:00:00+00:00", 7),  # 07:00, night shift hands over to day
    ("2026-06-10T20:00:00+00:00", 8),  # 14:00, swing shift comes on
    ("2026-06-11T04:00:00+00:00", 2026),  # 22:00, night shift comes on
    ("2026-06-11T06:00:00+00:00", 9),  # local midnight
    ("2027-01-01T06:59:00+00:00", 2026),  # 23:59 on 31 December
    ("2026-03-08T09:30:00+00:00", 11),  # 03:30, the morning clocks went forward
    ("2026-11-01T08:30:00+00:00", 12),  # the second 01:30, the night clocks went back
    # Two of the seven in forty times of a day at which the demo, when it drew its way to
    # its referrals, had none left waiting in "sent" (04:36 and 15:42).
    ("2026-06-10T10:36:00+00:00", 2026),
    ("2026-06-10T21:42:00+00:00", 2026),
]


@pytest.mark.parametrize(("at", "seed"), ANY_HOUR)
def test_the_demo_keeps_its_promises_at_any_hour(at, seed, demo_clock):
    from coresponder.calls.models import Call
    from coresponder.dispatch.teams import on_duty, team_of
    from coresponder.encounters.models import Encounter, ResponsePlan
    from coresponder.privacy.models import BreakGlassGrant, Consent

    # given the clock at that hour
    now = datetime.fromisoformat(at)
    demo_clock.move_to(now)

    # when
    program = build_demo_program(now=now, seed=seed, history=False).program

    # then the desk works: teams on duty, the demo log-ins' team on scene, calls in hand
    assert on_duty(program, now).count() >= 2
    team = team_of(User.objects.get(username="officer"))
    assert team.call_id is not None
    encounter = Encounter.objects.get(call=team.call)
    assert (encounter.state, encounter.disposition) == ("draft", "")
    assert Call.objects.of_program(program).open().count() >= 2
    assert_a_realistic_day(program, now)
    # every state of the referral loop, the waiting ones sent by the demo clinician
    states = Counter(Referral.objects.filter(program=program).values_list("state", flat=True))
    assert set(states) == {state.value for state in State}
    assert Referral.objects.filter(sent_by__username="clinician", state=State.SENT).exists()
    scheduled = Referral.objects.get(state=State.SCHEDULED)
    assert now < scheduled.appointment_at < now + timedelta(days=6)
    partner = User.objects.get(username="partner")
    shown = referrals_for_partner(Principal(user=partner), channel="test")
    assert {view.state for view in shown} == {s.value for s in State} - {State.INFORMATION_GIVEN}
    # consents in every state, a break-the-glass access to review, plans in every state
    assert {consent.state() for consent in Consent.objects.all()} == {
        "in_force",
        "revoked",
        "expired",
    }
    assert BreakGlassGrant.objects.filter(reviewed_at__isnull=True).count() == 1
    plans = Counter(ResponsePlan.objects.values_list("state", flat=True))
    assert (plans["approved"], plans["draft"], plans["superseded"]) == (3, 1, 1)
    assert verify_chain().ok
