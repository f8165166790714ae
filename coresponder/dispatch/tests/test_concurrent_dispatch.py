"""Two dispatchers send one team to two calls at the same moment: exactly one succeeds.

Real concurrent connections: each dispatcher is a thread with its own database
connection, released together by a barrier, on whichever database the suite runs on
(SQLite file or PostgreSQL).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from coresponder.accounts.models import Role
from coresponder.calls.models import Call, CallState
from coresponder.core.exceptions import Conflict
from coresponder.dispatch import actions
from coresponder.dispatch.models import Shift, StatusEvent, Team
from coresponder.testing.row_locks import wait_until_queued

pytestmark = pytest.mark.django_db(transaction=True)

DISPATCHERS = 4
ROUNDS = 5


def _race(team: Team, calls: list[Call], desks: list) -> tuple[list, list]:
    barrier = threading.Barrier(len(calls))
    won, lost = [], []

    def send(call, desk):
        try:
            barrier.wait(timeout=10)
            actions.dispatch_team(call, team, acting_user=desk)
            won.append(call.pk)
        except Conflict as refusal:
            lost.append(refusal.message)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(call, desk))
        for call, desk in zip(calls, desks, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return won, lost


def test_one_team_sent_to_several_calls_at_once_goes_to_exactly_one(
    make_team, take_call, make_user
):
    team = make_team("Bravo 2")
    desks = [make_user(Role.DISPATCHER) for _ in range(DISPATCHERS)]
    for _round in range(ROUNDS):
        calls = [take_call() for _ in range(DISPATCHERS)]
        won, lost = _race(team, calls, desks)

        assert len(won) == 1, (won, lost)
        assert len(lost) == DISPATCHERS - 1
        winner = Call.objects.get(pk=won[0])
        # The others are told why: the team is already on the winner's call.
        assert all(f"Bravo 2 is already dispatched on call {winner.reference}" in m for m in lost)
        team.refresh_from_db()
        assert team.call_id == winner.pk
        assert StatusEvent.objects.filter(team=team, to_status="dispatched").count() == _round + 1
        losers = Call.objects.filter(pk__in=[c.pk for c in calls if c.pk != winner.pk])
        assert set(losers.values_list("state", flat=True)) == {CallState.OPEN}
        # Free the team for the next round.
        actions.move_status(team, "available", acting_user=desks[0])


def test_two_planners_adding_overlapping_shifts_at_once_add_one(make_team, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("row locks that make a writer wait are PostgreSQL's; SQLite locks the file")
    team = make_team("Charlie 3")
    planner, other_planner = make_user(Role.SUPERVISOR), make_user(Role.SUPERVISOR)
    # Years before the team's shift of today, whatever today is.
    starts = datetime(2001, 3, 2, 8, tzinfo=UTC)
    refused = []

    def other():
        try:
            actions.add_shift(
                team,
                starts_at=starts + timedelta(hours=2),
                ends_at=starts + timedelta(hours=10),
                acting_user=other_planner,
            )
        except Conflict as refusal:
            refused.append(refusal.message)
        finally:
            connection.close()

    writer = threading.Thread(target=other)
    with transaction.atomic():
        actions.add_shift(
            team, starts_at=starts, ends_at=starts + timedelta(hours=8), acting_user=planner
        )
        writer.start()
        wait_until_queued(writer, "the second planner")
    writer.join(timeout=30)

    assert refused == ["Charlie 3 already has a shift then."]
    assert Shift.objects.filter(team=team, starts_at__year=2001).count() == 1
