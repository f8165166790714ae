"""A repeat crisis: the third call about a person within 90 days flags them on the worklist,
at intake, on the call and on the board, and opens (or re-opens) a case for proactive
outreach with a response-plan review. Calls are placed in time by their `received_at`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coresponder.accounts.models import Role
from coresponder.cases import access, actions
from coresponder.cases.models import Case, CaseStatus, OpenedBecause, TaskKind, TaskState
from coresponder.people.actions import NameIn, PersonIn, register_person
from coresponder.privacy.models import ReadWindow

pytestmark = pytest.mark.django_db

BADGE = 'data-testid="repeat-crisis"'


def flag(calls: int, days: int = 90) -> str:
    return f"Repeat crisis: {calls} calls in {days} days"


@pytest.fixture
def person(desk):
    return register_person(PersonIn(names=[NameIn(given="Demo", family="Scene")]), acting_user=desk)


@pytest.fixture
def manager(make_user):
    """A case manager of the behavioural-health agency, where repeat-crisis cases wait."""
    return make_user(Role.CASE_MANAGER)


@pytest.fixture
def call_about(take_call, person):
    """A call about the person `days_ago` days ago."""

    def take(days_ago: float = 0, who=None):
        received_at = timezone.now() - timedelta(days=days_ago, seconds=1)
        return take_call(person_id=(who or person).pk, received_at=received_at)

    return take


def open_tasks(case: Case, kind: str) -> int:
    return case.tasks.filter(kind=kind, state=TaskState.OPEN).count()


def intake_candidates(client, sign_in, desk, family: str = "Scene") -> str:
    sign_in(desk)
    response = client.get("/calls/new/persons/", {"family": family})
    assert response.status_code == 200
    return response.content.decode()


def board(client, sign_in, desk) -> str:
    sign_in(desk)
    response = client.get("/dispatch/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_third_call_in_90_days_flags_the_person_everywhere_and_opens_a_case(
    client, sign_in, desk, person, manager, call_about
):
    # given two calls about the person in the last 90 days
    call_about(days_ago=60)
    call_about(days_ago=30)
    assert not Case.objects.filter(person=person).exists()
    assert BADGE not in intake_candidates(client, sign_in, desk)
    assert access.worklist(manager).counts["flagged"] == 0

    # when a third call comes in
    third = call_about()

    # then a case is opened for proactive outreach, with a response-plan review suggested
    case = Case.objects.get(person=person)
    assert case.opened_because == OpenedBecause.REPEAT_CRISIS
    assert case.status == CaseStatus.OPEN
    assert case.repeat_crisis_at is not None
    assert open_tasks(case, TaskKind.OUTREACH) == 1
    assert open_tasks(case, TaskKind.PLAN_REVIEW) == 1
    outreach = case.tasks.get(kind=TaskKind.OUTREACH)
    assert outreach.title == "Proactive outreach: 3 calls in 90 days"
    assert case.tasks.get(kind=TaskKind.PLAN_REVIEW).title == (
        "Consider a response plan for repeated crises"
    )

    # and it is flagged on the case manager's worklist
    worklist = access.worklist(manager)
    assert worklist.counts["flagged"] == 1
    [row] = worklist.rows
    assert (row.person_id, row.repeat_crisis) == (person.pk, True)

    # and beside the person's candidate at intake
    candidates = intake_candidates(client, sign_in, desk)
    assert "Scene" in candidates
    assert candidates.count(BADGE) == 1
    assert flag(3) in candidates

    # and on the call page
    call_page = client.get(f"/calls/{third.pk}/").content.decode()
    assert flag(3) in call_page

    # and on the board's row of each of the person's open calls, and its poll
    content = board(client, sign_in, desk)
    assert content.count(BADGE) == 3
    assert flag(3) in content
    live = client.get("/dispatch/live/", {"stamp": "stale"}).content.decode()
    assert live.count(BADGE) == 3

    # when a fourth call comes in
    call_about(days_ago=1)

    # then the same case stays, with one outreach task and one plan review
    assert Case.objects.filter(person=person).count() == 1
    case.refresh_from_db()
    assert open_tasks(case, TaskKind.OUTREACH) == 1
    assert open_tasks(case, TaskKind.PLAN_REVIEW) == 1
    assert access.worklist(manager).counts["flagged"] == 1
    assert flag(4) in intake_candidates(client, sign_in, desk)


def test_a_call_older_than_90_days_does_not_count(
    client, sign_in, desk, person, manager, call_about
):
    # given one call 100 days ago and one 50 days ago
    call_about(days_ago=100)
    call_about(days_ago=50)

    # when a third comes in today
    latest = call_about()

    # then only two are within the window: no case, no flag anywhere
    assert not Case.objects.filter(person=person).exists()
    assert access.repeat_crisis_persons(person.program_id, [person.pk]) == {}
    assert access.worklist(manager).counts["flagged"] == 0
    assert BADGE not in intake_candidates(client, sign_in, desk)
    assert BADGE not in client.get(f"/calls/{latest.pk}/").content.decode()
    assert BADGE not in board(client, sign_in, desk)

    # and one more within the window makes three
    call_about(days_ago=89)
    assert Case.objects.get(person=person).opened_because == OpenedBecause.REPEAT_CRISIS
    assert access.repeat_crisis_persons(person.program_id, [person.pk]) == {person.pk: 3}


def test_a_closed_case_is_re_opened_by_a_repeat_crisis(person, manager, call_about):
    # given a repeat crisis whose case was closed
    for days_ago in (20, 10, 5):
        call_about(days_ago=days_ago)
    case = Case.objects.get(person=person)
    actions.set_status(case, status="closed", reason="connected", acting_user=manager)
    case.refresh_from_db()
    assert case.is_closed
    assert open_tasks(case, TaskKind.OUTREACH) == 0

    # when another call about the person comes in
    call_about()

    # then the same case is open again, with a new outreach task and plan review
    assert Case.objects.filter(person=person).count() == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert (case.closed_at, case.close_reason) == (None, "")
    assert open_tasks(case, TaskKind.OUTREACH) == 1
    assert open_tasks(case, TaskKind.PLAN_REVIEW) == 1
    [row] = access.worklist(manager).rows
    assert row.repeat_crisis


def test_the_flags_cost_the_same_queries_for_one_person_as_for_three(
    client, sign_in, desk, take_call
):
    # given three people named Scene-something, each with calls in the window
    people = [
        register_person(PersonIn(names=[NameIn(given="Demo", family=family)]), acting_user=desk)
        for family in ("Scene", "Scener", "Scenery")
    ]

    def calls_about(someone, count: int) -> None:
        for days_ago in range(count):
            take_call(
                person_id=someone.pk,
                received_at=timezone.now() - timedelta(days=days_ago, seconds=1),
            )

    def queries(url: str, **params) -> tuple[int, str]:
        ReadWindow.objects.all().delete()  # read windows start afresh: each read writes
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, params)
        return len(captured), response.content.decode()

    calls_about(people[0], 3)
    for someone in people[1:]:
        calls_about(someone, 2)
    sign_in(desk)
    one_at_intake, content = queries("/calls/new/persons/", family="Scene")
    assert content.count(BADGE) == 1
    one_on_board, content = queries("/dispatch/")
    assert content.count(BADGE) == 3

    # when the other two have a third call each
    for someone in people[1:]:
        calls_about(someone, 1)

    # then the pages show three flagged persons for the same number of queries
    three_at_intake, content = queries("/calls/new/persons/", family="Scene")
    assert content.count(BADGE) == 3
    three_on_board, content = queries("/dispatch/")
    assert content.count(BADGE) == 9
    assert (three_at_intake, three_on_board) == (one_at_intake, one_on_board)
