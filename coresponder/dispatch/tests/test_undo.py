"""Taking back a status move pressed by mistake, within 30 seconds, through the real
actions; the time is passed in, never slept."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coresponder.calls.models import CallState
from coresponder.core.exceptions import Conflict, PermissionDenied
from coresponder.core.models import AuditEntry
from coresponder.dispatch import actions, events
from coresponder.dispatch.models import StatusEvent, Team

pytestmark = pytest.mark.django_db


def undos() -> int:
    return AuditEntry.objects.filter(action=events.STATUS_UNDONE).count()


@pytest.fixture
def en_route(make_team, take_call, desk):
    """A team on its way to a call; the officer pressed En route."""
    team, call = make_team(), take_call()
    actions.dispatch_team(call, team, acting_user=desk)
    actions.move_status(team, "en_route", acting_user=team.officer)
    team.refresh_from_db()
    return team


def test_a_move_taken_back_within_thirty_seconds_leaves_both_moves_and_one_audit_entry(en_route):
    # given the officer pressed On scene by mistake
    team = en_route
    mistake = actions.move_status(team, "on_scene", acting_user=team.officer)

    # when the officer takes it back 30 seconds later
    undo = actions.undo_status_move(
        team, mistake.pk, acting_user=team.officer, now=mistake.occurred_at + timedelta(seconds=30)
    )

    # then the team is en route again on the same call, the move back names the mistake,
    team.refresh_from_db()
    assert (team.status, team.call_id) == ("en_route", mistake.call_id)
    assert (undo.from_status, undo.to_status, undo.undoes_id, undo.by) == (
        "on_scene",
        "en_route",
        mistake.pk,
        team.officer,
    )
    # the history keeps both while what stands leaves them out, and one audit entry says so
    assert [e.to_status for e in StatusEvent.every_move.filter(team=team)] == [
        "dispatched",
        "en_route",
        "on_scene",
        "en_route",
    ]
    assert [e.to_status for e in StatusEvent.objects.filter(team=team)] == [
        "dispatched",
        "en_route",
    ]
    (entry,) = AuditEntry.objects.filter(action=events.STATUS_UNDONE)
    assert entry.detail["undone"] == {"from": "en_route", "to": "on_scene"}
    assert entry.detail["back_to"] == "en_route"


def test_past_thirty_seconds_the_move_stands_and_nothing_changes(en_route):
    team = en_route
    move = actions.move_status(team, "on_scene", acting_user=team.officer)

    with pytest.raises(Conflict, match="More than 30 seconds have passed"):
        actions.undo_status_move(
            team,
            move.pk,
            acting_user=team.officer,
            now=move.occurred_at + timedelta(seconds=31),
        )

    team.refresh_from_db()
    assert team.status == "on_scene"
    assert StatusEvent.every_move.filter(team=team).count() == 3
    assert undos() == 0


def test_clearing_the_call_by_mistake_is_taken_back_and_the_call_opens_again(en_route):
    # given the only team on the call clears it by mistake, which closes the call
    team = en_route
    actions.move_status(team, "on_scene", acting_user=team.officer)
    clear = actions.move_status(team, "available", acting_user=team.officer)
    call = clear.call
    call.refresh_from_db()
    assert call.state == CallState.CLOSED

    # when the officer takes it back
    actions.undo_status_move(
        team, clear.pk, acting_user=team.officer, now=clear.occurred_at + timedelta(seconds=5)
    )

    # then the team is on scene at the call again, and the call is open with it
    team.refresh_from_db()
    call.refresh_from_db()
    assert (team.status, team.call_id) == ("on_scene", call.pk)
    assert (call.state, call.closed_at) == (CallState.DISPATCHED, None)


def test_a_call_closed_since_by_another_team_is_not_reopened(make_team, take_call, desk):
    # given two teams on a call; one clears by mistake, then the other clears and closes it
    call, first, second = take_call(), make_team(), make_team()
    for team in (first, second):
        actions.dispatch_team(call, team, acting_user=desk)
        actions.move_status(team, "on_scene", acting_user=team.officer)
    mistake = actions.move_status(first, "available", acting_user=first.officer)
    actions.move_status(second, "available", acting_user=second.officer)
    call.refresh_from_db()
    assert call.state == CallState.CLOSED

    # when the first team's clearing is taken back within the window
    with pytest.raises(Conflict, match="has been closed since"):
        actions.undo_status_move(
            first,
            mistake.pk,
            acting_user=first.officer,
            now=mistake.occurred_at + timedelta(seconds=5),
        )

    # then nothing changes
    assert Team.objects.get(pk=first.pk).status == "available"
    assert undos() == 0


def test_only_who_made_the_move_or_the_desk_takes_it_back(en_route, desk):
    team = en_route
    move = actions.move_status(team, "on_scene", acting_user=team.officer)
    soon = move.occurred_at + timedelta(seconds=5)

    with pytest.raises(PermissionDenied):
        actions.undo_status_move(team, move.pk, acting_user=team.clinician, now=soon)
    assert Team.objects.get(pk=team.pk).status == "on_scene"

    actions.undo_status_move(team, move.pk, acting_user=desk, now=soon)
    assert Team.objects.get(pk=team.pk).status == "en_route"


def test_an_older_move_an_undo_and_a_dispatch_are_not_taken_back(en_route, desk):
    team = en_route
    first = actions.move_status(team, "on_scene", acting_user=team.officer)
    second = actions.move_status(team, "officer_cleared", acting_user=team.officer)
    soon = second.occurred_at + timedelta(seconds=5)

    with pytest.raises(Conflict, match="The team has moved since"):
        actions.undo_status_move(team, first.pk, acting_user=team.officer, now=soon)
    undo = actions.undo_status_move(team, second.pk, acting_user=team.officer, now=soon)
    with pytest.raises(Conflict, match="An undo is not undone"):
        actions.undo_status_move(team, undo.pk, acting_user=team.officer, now=soon)
    dispatch = StatusEvent.objects.get(team=team, to_status="dispatched")
    with pytest.raises(Conflict):
        actions.undo_status_move(team, dispatch.pk, acting_user=desk, now=soon)

    assert Team.objects.get(pk=team.pk).status == "on_scene"
    assert undos() == 1


def test_the_encounter_timeline_counts_only_the_moves_that_stand(on_scene):
    from coresponder.encounters.access import status_events

    # given a team on scene whose officer cleared by mistake and took it back
    scene = on_scene(emt=False)
    clear = actions.move_status(scene.team, "available", acting_user=scene.officer)
    actions.undo_status_move(scene.team, clear.pk, acting_user=scene.officer, now=clear.occurred_at)

    # then the record's timeline has no clearing
    assert [status for status, _at in status_events(scene.encounter)] == [
        "dispatched",
        "on_scene",
    ]
