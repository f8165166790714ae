"""The demo's year of history: its shape, its outcomes and its records' validity.

The demo program is built once for the module (about ten seconds with its history), at a
fixed reference time with the clock frozen there, and rolled back at the end; the tests
only read it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from freezegun import freeze_time

from coresponder.calls.models import Call
from coresponder.cases.models import Case, CaseStatus, ContactAttempt
from coresponder.core.audit import verify_chain
from coresponder.core.models import AuditEntry
from coresponder.demo.cases import MORE_WORDS
from coresponder.demo.directory import POSTAL_CODES
from coresponder.demo.generator import build_demo_program
from coresponder.demo.history import OPEN_CASES, WORDS_OF_HISTORY
from coresponder.demo.people import WORDS
from coresponder.dispatch import status as team_status
from coresponder.dispatch.models import StatusEvent
from coresponder.encounters.models import Assessment, Encounter, Section
from coresponder.people.events import PERSON_REGISTERED
from coresponder.people.models import Person, PersonAddress, PersonName
from coresponder.referrals.loop import State, check_move
from coresponder.referrals.models import Referral, ReferralEvent

# Building the year takes over ten seconds: the whole module is slow.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ZONE = ZoneInfo("America/Denver")


DEMO_NOW = datetime(2026, 9, 14, 21, 30, tzinfo=UTC)  # a Monday, 15:30 in Denver


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with (
        freeze_time(DEMO_NOW, tick=True),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        built = build_demo_program(now=DEMO_NOW)
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def history(demo):
    return demo.history


# The calls `demo/cases.py` takes, resolved by phone, for its repeat crises: older than the
# demo's day, but not the history's.
REPEAT_CRISIS_SUMMARY = "Family member worried; talked through it on the phone."


def history_calls(history):
    return Call.objects.filter(received_at__lt=history.end).exclude(summary=REPEAT_CRISIS_SUMMARY)


def test_a_year_of_calls_before_the_demo_day_never_overlapping_it(demo, history):
    calls = list(history_calls(history))
    later = Call.objects.filter(received_at__gte=history.end)

    assert 2500 <= len(calls) <= 3500
    assert len(calls) == history.calls
    assert {c.source for c in calls} >= {"911", "988", "non_emergency", "officer_initiated"}
    assert min(c.received_at for c in calls) > history.start
    assert history.end - history.start == timedelta(days=365)
    # The history ends before the demo's day of calls begins, and all its teams are back.
    day_starts = DEMO_NOW - timedelta(hours=24, minutes=5)
    assert later.exists()
    assert all(c.received_at > day_starts for c in later)
    assert max(c.closed_at for c in calls) < min(c.received_at for c in later)


def test_calls_follow_the_day_the_week_and_the_year(history):
    calls = list(history_calls(history))
    local = [c.received_at.astimezone(ZONE) for c in calls]
    by_hour = Counter(at.hour for at in local)
    sources = Counter(c.source for c in calls)
    responses = Counter(c.response for c in calls)
    days = Counter(at.date() for at in local)
    weekday = [n for day, n in days.items() if day.weekday() < 5]
    weekend = [n for day, n in days.items() if day.weekday() >= 5]
    middle = history.start + (history.end - history.start) / 2

    assert sum(by_hour[h] for h in range(16, 22)) > 2.5 * sum(by_hour[h] for h in range(1, 7))
    assert sources.most_common(1)[0][0] == "911"
    assert 0.5 <= sources["911"] / len(calls) <= 0.7
    assert responses.most_common(1)[0][0] == "co_responder"
    assert sum(weekday) / len(weekday) > 1.05 * sum(weekend) / len(weekend)
    later = sum(c.received_at >= middle for c in calls)
    assert later > 1.1 * (len(calls) - later)  # the program grew over the year


def test_every_dispatched_call_has_one_encounter_most_complete(history):
    calls = history_calls(history).exclude(state="resolved_by_phone")
    encounters = Encounter.objects.filter(call__in=calls)
    states = Counter(encounters.values_list("state", flat=True))

    assert encounters.count() == calls.count() == history.encounters
    assert 0.005 <= states["draft"] / sum(states.values()) <= 0.02
    assert not encounters.filter(state="complete", disposition="").exists()
    assert not encounters.filter(state="draft").exclude(disposition="").exists()
    assert not Encounter.objects.filter(call__state="resolved_by_phone").exists()


def test_the_dispositions_are_near_the_published_figures(history):
    complete = Encounter.objects.filter(call__in=history_calls(history), state="complete")
    mix = Counter(complete.values_list("disposition", flat=True))
    n = sum(mix.values())
    share = {d: count / n for d, count in mix.items()}

    assert 0.97 <= 1 - share["arrest"] <= 0.99  # Colorado: 98 % without arrest
    assert 0.38 <= share["resolved_on_scene"] + share["refused_services"] <= 0.46  # COAST 40 %
    assert 0.31 <= share["referred_voluntary"] + share["transported_voluntary"] <= 0.38  # 33 %
    assert 0.025 <= share["citation"] + share["arrest"] <= 0.045  # COAST 3 %
    assert 0.01 <= share["citation"] <= 0.02
    assert 0.05 <= share["emergency_hold"] <= 0.08
    assert 0.03 <= share["medical_transport"] <= 0.06
    assert 0.04 <= share["unable_to_locate"] <= 0.07


def test_force_is_rare_and_half_the_encounters_are_screened(history):
    complete = Encounter.objects.filter(call__in=history_calls(history), state="complete")
    safety = Section.objects.filter(encounter__in=complete, kind="safety")
    with_force = {
        encounter
        for encounter, content in safety.values_list("encounter", "content")
        if content.get("force", "none") != "none"
    }
    screened = (
        Assessment.objects.filter(
            encounter__in=complete, instrument__key="cssrs-screener", complete=True
        )
        .values("encounter")
        .distinct()
        .count()
    )

    assert 0.005 <= len(with_force) / complete.count() <= 0.02  # use-of-force rate
    assert 0.45 <= screened / complete.count() <= 0.55
    met = complete.exclude(disposition="unable_to_locate").values_list("interventions", flat=True)
    assert sum(bool(done) for done in met) >= 0.9 * len(met)


def test_status_events_follow_the_team_state_machine_at_plausible_times(history):
    events = defaultdict(list)
    for event in StatusEvent.objects.filter(call__in=history_calls(history)).select_related("call"):
        events[event.call_id].append(event)

    assert len(events) == history.encounters
    for moves in events.values():
        moves.sort(key=lambda e: e.occurred_at)
        call = moves[0].call
        at = {e.to_status: e.occurred_at for e in moves}
        for move in moves:
            team_status.check_move(
                team_status.Status(move.from_status),
                team_status.Status(move.to_status),
                has_call=True,
            )
        assert [m.from_status for m in moves[1:]] == [m.to_status for m in moves[:-1]]
        assert moves[-1].to_status == "available"
        assert call.received_at < at["dispatched"] < at["en_route"] < at["on_scene"]
        assert timedelta(minutes=8) <= at["on_scene"] - at["dispatched"] <= timedelta(minutes=25)
        if "officer_cleared" in at:
            on_scene = at["officer_cleared"] - at["on_scene"]
            assert timedelta(minutes=10) <= on_scene <= timedelta(minutes=90)
        assert call.closed_at == moves[-1].occurred_at


def test_a_fifth_of_the_persons_are_called_about_again(history):
    per_person = Counter(
        history_calls(history).filter(person__isnull=False).values_list("person_id", flat=True)
    )
    repeat = sum(n >= 2 for n in per_person.values())

    assert 0.2 <= repeat / len(per_person) <= 0.27
    assert history.persons_reused > 0


def test_persons_are_labelled_never_named_and_have_what_the_report_counts(history):
    demo_words = "|".join(re.escape(word) for word in [*WORDS, *MORE_WORDS])
    history_words = "|".join(re.escape(word) for word in WORDS_OF_HISTORY)
    for given, middle, family in PersonName.objects.values_list("given", "middle", "family"):
        assert (given, middle) == ("Demo", ""), (given, middle, family)
        assert re.fullmatch(rf"({demo_words})|({history_words}) \d{{4}}", family), family

    new = Person.objects.filter(names__family__regex=r" \d{4}$")
    ages = [
        (history.end.date() - born).days / 365.25
        for born in new.values_list("date_of_birth", flat=True)
    ]
    assert new.count() == history.persons_new
    assert len(ages) == history.persons_new
    assert min(ages) >= 12
    assert sum(age >= 90 for age in ages) >= 2
    assert sum(18 <= age < 65 for age in ages) > 0.7 * len(ages)
    assert set(new.values_list("sex", flat=True)) >= {"female", "male", "unknown"}
    assert set(new.values_list("veteran_status", flat=True)) == {
        "veteran",
        "not_veteran",
        "unknown",
    }
    codes = PersonAddress.objects.filter(person__in=new).values_list("postal_code", flat=True)
    assert set(codes) <= set(POSTAL_CODES.values())
    assert PersonAddress.objects.filter(person__in=new, kind="home").count() > 0.85 * len(ages)


def test_referrals_walk_the_closed_loop(history):
    complete = Encounter.objects.filter(call__in=history_calls(history), state="complete")
    referrals = Referral.objects.filter(encounter__in=complete)
    referred = referrals.values("encounter").distinct().count()
    states = Counter(referrals.values_list("state", flat=True))
    accepted = (
        ReferralEvent.objects.filter(referral__in=referrals, to_state="accepted")
        .values("referral")
        .distinct()
        .count()
    )

    assert 0.35 <= referred / complete.count() <= 0.46
    assert 0.6 <= states["attended"] / accepted <= 0.72
    assert min(states["declined"], states["no_show"], states["information_given"]) > 10
    walks = defaultdict(list)
    for event in ReferralEvent.objects.filter(referral__in=referrals).order_by("at", "id"):
        walks[event.referral_id].append(event)
    for referral in referrals:
        walk = walks[referral.pk]
        first = "sent" if referral.kind == "referral" else "information_given"
        assert (walk[0].to_state, walk[0].at) == (first, referral.sent_at)
        for event in walk[1:]:
            check_move(State(event.from_state), State(event.to_state))
        assert walk[-1].to_state == referral.state
        assert referral.sent_at >= referral.encounter.completed_at


def test_follow_up_cases_are_mostly_closed_and_reached_within_72_hours(history):
    cases = Case.objects.filter(encounter__call__in=history_calls(history))
    first = {}
    for case_id, at in ContactAttempt.objects.filter(case__in=cases).values_list("case", "at"):
        first[case_id] = min(at, first.get(case_id, at))
    opened = dict(cases.values_list("pk", "encounter__completed_at"))
    within = sum(first[pk] - opened[pk] <= timedelta(hours=72) for pk in first)
    still_open = cases.exclude(status=CaseStatus.CLOSED)

    assert cases.count() == history.cases
    assert set(first) == set(opened)  # every case has a contact attempt
    assert 0.8 <= within / len(first) <= 0.95
    assert still_open.count() <= OPEN_CASES
    assert not still_open.filter(case_manager__username="casemanager").exists()
    assert all(
        case.closed_at and case.close_reason for case in cases.filter(status=CaseStatus.CLOSED)
    )


def test_every_history_person_is_registered_in_the_audit_log_and_the_chain_holds(history):
    registered = set(
        AuditEntry.objects.filter(action=PERSON_REGISTERED).values_list("object_id", flat=True)
    )
    new = Person.objects.filter(names__family__regex=r" \d{4}$").values_list("pk", flat=True)

    assert {str(pk) for pk in new} <= registered
    assert verify_chain().ok
