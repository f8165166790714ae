"""Any time the database can hold, however it got there, breaks no outcome and no page.

Entry points refuse times outside the program's bounds, but rows written before they did,
by hand or by a restore, can hold anything from 0001-01-01 to 9999-12-31 in UTC. Each
example stores such times straight into a call seen through (its call, team moves,
encounter, referral, case), in a program whose time zone is as far from UTC as they come,
then reads every outcome page, the call's page and API, and refreshes the facts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from coresponder.accounts.models import Program, Role
from coresponder.calls.models import Call
from coresponder.cases.models import Case, ContactAttempt, Task
from coresponder.dispatch.models import StatusEvent
from coresponder.encounters.models import Encounter
from coresponder.referrals.models import Referral

from .test_facts import finished  # noqa: F401 - a call seen through, as the fixture

pytestmark = pytest.mark.django_db

OFFSETS = [timezone(timedelta(hours=14)), UTC, timezone(timedelta(hours=-14))]
ZONES = ["Pacific/Kiritimati", "Etc/GMT+12", "America/Denver", "UTC"]
FIRST, LAST = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
EXTREMES = [
    FIRST,
    FIRST + timedelta(hours=13, minutes=59),
    datetime(1, 1, 1, 14, tzinfo=OFFSETS[0]),
    datetime(1, 1, 2, tzinfo=OFFSETS[0]),
    LAST,
    LAST - timedelta(hours=13, minutes=59),
    datetime(9999, 12, 31, 9, 59, tzinfo=OFFSETS[2]),
    datetime(9999, 12, 30, tzinfo=OFFSETS[2]),
]


def _holdable(moment: datetime) -> bool:
    """The database keeps the instant in UTC; one beyond year 1 … 9999 there is no value."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


instants = st.one_of(
    st.sampled_from(EXTREMES),
    st.datetimes(
        min_value=datetime(1, 1, 1),  # noqa: DTZ001 - hypothesis adds the zone
        max_value=datetime(9999, 12, 31, 23, 59, 59),  # noqa: DTZ001
        timezones=st.sampled_from(OFFSETS),
    ).filter(_holdable),
)
TIMED = ["received", "dispatched", "on_scene", "cleared", "completed", "contact", "due"]
TIMED += ["appointment"]


def _store(scene, program: Program, zone: str, times: dict[str, datetime]) -> None:
    """Writes the times straight into the rows, as a restore or a hand edit would."""
    Program.objects.filter(pk=program.pk).update(time_zone=zone)
    call = scene.call
    Call.objects.filter(pk=call.pk).update(received_at=times["received"])
    for status, key in (("dispatched", "dispatched"), ("on_scene", "on_scene")):
        StatusEvent.objects.filter(call=call, to_status=status).update(occurred_at=times[key])
    StatusEvent.objects.filter(call=call, to_status="officer_cleared").update(
        occurred_at=times["cleared"]
    )
    Encounter.objects.filter(pk=scene.encounter.pk).update(completed_at=times["completed"])
    case = Case.objects.get(encounter=scene.encounter)
    ContactAttempt.objects.filter(case=case).update(at=times["contact"])
    Task.objects.filter(case=case).update(due_at=times["due"])
    Referral.objects.filter(encounter=scene.encounter).update(appointment_at=times["appointment"])


@pytest.fixture
def reader(make_user, program, finished, settings):  # noqa: F811 - the fixture imported
    settings.COR_PUBLIC_OUTCOMES = [program.slug]
    finished.supervisor = make_user(Role.SUPERVISOR)
    return finished


def _pages(program, scene) -> dict[str, list[str]]:
    """Each reader's pages that show the times stored: the outcomes, the call, the person,
    the encounter, the case, the partner's referrals."""
    case = Case.objects.get(encounter=scene.encounter)
    call, person, encounter = scene.call.pk, scene.person.pk, scene.encounter.pk
    shared = [f"/calls/{call}/", "/calls/", f"/api/v1/calls/{call}", f"/people/{person}/"]
    return {
        "supervisor": [
            "/outcomes/",
            "/outcomes/?period=custom&from=2020-01-01&to=2026-12-31&by=month",
            "/outcomes/?period=year&by=week",
            f"/outcomes/public/{program.slug}/",
            f"/outcomes/public/{program.slug}/outcomes.csv",
            "/dispatch/",
            *shared,
        ],
        "clinician": [
            *shared,
            f"/people/{person}/record.csv",
            f"/encounters/{encounter}/field/",
            f"/api/v1/encounters/{encounter}",
            f"/cases/{case.pk}/",
            f"/api/v1/cases/{case.pk}",
            "/cases/",
        ],
        "partner": ["/referrals/partner/", "/api/v1/referrals"],
    }


def _answers(client, program, scene, harbor) -> dict[str, int]:
    readers = {
        "supervisor": scene.supervisor,
        "clinician": scene.clinician,
        "partner": harbor.user,
    }
    answers = {}
    for who, paths in _pages(program, scene).items():
        client.force_login(readers[who])
        for path in paths:
            answers[f"{who} {path}"] = client.get(path).status_code
    return answers


@pytest.fixture
def usual(reader, client, program, harbor):
    """What each page answers with the times the actions stamped."""
    call_command("analytics", "refresh", "--full", stdout=StringIO(), stderr=StringIO())
    answers = _answers(client, program, reader, harbor)
    assert set(answers.values()) == {200}, answers
    return answers


@pytest.mark.slow
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(zone=st.sampled_from(ZONES), times=st.fixed_dictionaries(dict.fromkeys(TIMED, instants)))
@example(zone="Pacific/Kiritimati", times=dict.fromkeys(TIMED, FIRST))
@example(zone="Etc/GMT+12", times=dict.fromkeys(TIMED, LAST))
@example(zone="Pacific/Kiritimati", times=dict.fromkeys(TIMED, LAST))
@example(zone="Etc/GMT+12", times=dict.fromkeys(TIMED, FIRST))
def test_no_time_the_database_holds_breaks_an_outcome_or_a_page(
    reader, usual, client, program, harbor, zone, times
):
    with transaction.atomic():
        # given
        _store(reader, program, zone, times)
        cache.clear()

        # when
        out = StringIO()
        call_command("analytics", "refresh", "--full", stdout=out, stderr=StringIO())
        answers = _answers(client, program, reader, harbor)

        # then: every page answers as it did with ordinary times
        assert out.getvalue().startswith(f"Facts of {program.name}: ")
        assert answers == usual
        transaction.set_rollback(True)
