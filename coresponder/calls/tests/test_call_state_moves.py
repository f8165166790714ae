"""The moves of a call's state that dispatch asks calls for (issue 19): each checks the
state under the row lock, and a move it refuses changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coresponder.calls import actions
from coresponder.calls.models import Call, CallState
from coresponder.core.exceptions import Conflict

pytestmark = pytest.mark.django_db


def stored(call) -> tuple:
    row = Call.objects.get(pk=call.pk)
    return row.state, row.closed_at, row.revision


def test_a_team_sent_dispatches_the_call_and_bumps_its_revision(take_call):
    call = take_call()

    moved = actions.send_team_to(call)

    assert stored(call) == (CallState.DISPATCHED, None, call.revision + 1)
    assert (moved.state, moved.revision) == (CallState.DISPATCHED, call.revision + 1)


@pytest.mark.parametrize("state", [CallState.CLOSED, CallState.CANCELLED])
def test_a_team_is_not_sent_to_a_closed_call(take_call, desk, state):
    # given a call the desk closed
    call = actions.close_call(take_call(), state=state, acting_user=desk, reason="Rang back")
    before = stored(call)

    # when a team is sent to it, then it is refused and the call is as it was
    with pytest.raises(Conflict, match="it needs no team"):
        actions.send_team_to(call)
    assert stored(call) == before


def test_the_last_team_clearing_closes_the_call_and_taking_it_back_reopens_it(take_call):
    # given a dispatched call
    call = actions.send_team_to(take_call())
    cleared_at = call.received_at + timedelta(minutes=40)

    # when its last team clears, then it is closed, by no one, at that time
    actions.note_team_moved(call, last_cleared_at=cleared_at)
    assert stored(call) == (CallState.CLOSED, cleared_at, call.revision + 1)
    assert Call.objects.get(pk=call.pk).closed_by_id is None

    # and when that clearing is taken back, then the call is dispatched again
    actions.reopen_cleared(call, cleared_at=cleared_at)
    assert stored(call) == (CallState.DISPATCHED, None, call.revision + 2)


def test_a_call_closed_by_the_desk_is_not_reopened_by_an_undo(take_call, desk):
    # given a call the desk closed
    call = actions.close_call(take_call(), state=CallState.CLOSED, acting_user=desk)
    before = stored(call)

    # when a clearing at its closing time is taken back, then it is refused, nothing changed
    with pytest.raises(Conflict, match="closed since"):
        actions.reopen_cleared(call, cleared_at=before[1])
    assert stored(call) == before


def test_a_clearing_at_another_time_does_not_reopen_the_call(take_call):
    call = actions.send_team_to(take_call())
    cleared_at = call.received_at + timedelta(minutes=40)
    actions.note_team_moved(call, last_cleared_at=cleared_at)
    before = stored(call)

    with pytest.raises(Conflict, match="closed since"):
        actions.reopen_cleared(call, cleared_at=cleared_at - timedelta(seconds=1))
    assert stored(call) == before


def test_a_move_that_is_not_the_last_clearing_bumps_the_revision_only(take_call, desk):
    # given a dispatched call, and a closed one
    dispatched = actions.send_team_to(take_call())
    closed = actions.close_call(take_call(), state=CallState.CLOSED, acting_user=desk)
    closed_before = stored(closed)

    # when a team on each moves (a clearing too, for the call already closed)
    actions.note_team_moved(dispatched)
    actions.note_team_moved(closed, last_cleared_at=closed.received_at + timedelta(hours=1))

    # then each shows the move; neither state changes
    assert stored(dispatched) == (CallState.DISPATCHED, None, dispatched.revision + 1)
    assert stored(closed) == (CallState.CLOSED, closed_before[1], closed_before[2] + 1)
