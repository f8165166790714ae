"""Sending a team and moving its status, through the real actions and database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from coresponder.calls.models import CallState
from coresponder.core.exceptions import Conflict, PermissionDenied
from coresponder.core.models import AuditEntry
from coresponder.dispatch import actions
from coresponder.dispatch.models import StatusEvent, Team
from coresponder.dispatch.teams import recommend
from coresponder.privacy.models import AccessRelation

pytestmark = pytest.mark.django_db


def test_the_nearest_fit_team_is_recommended_first_with_reasons(make_team, take_call):
    from coresponder.dispatch.tests.fixtures import SOUTH_BASE

    near, far = make_team("Near"), make_team("Far", base=SOUTH_BASE)
    call = take_call()
    ranked = recommend(call)
    assert [r.team.team_id for r in ranked] == [near.pk, far.pk]
    assert "officer's CIT certificate is current" in ranked[0].reasons
    assert "clinician licensed" in ranked[0].reasons


def test_a_team_off_shift_or_busy_is_not_recommended(make_team, take_call, desk):
    make_team("Off", on_shift=False)
    busy = make_team("Busy")
    actions.dispatch_team(take_call(), busy, acting_user=desk)
    assert recommend(take_call()) == []


def test_dispatch_moves_team_and_call_and_leaves_an_event(
    make_team, take_call, desk, django_capture_on_commit_callbacks
):
    team, call = make_team(), take_call()
    with django_capture_on_commit_callbacks(execute=True):
        event = actions.dispatch_team(call, team, acting_user=desk)
    team.refresh_from_db()
    call.refresh_from_db()
    assert (team.status, team.call_id) == ("dispatched", call.pk)
    assert call.state == CallState.DISPATCHED
    assert (event.from_status, event.to_status, event.call_id) == (
        "available",
        "dispatched",
        call.pk,
    )
    assert AuditEntry.objects.filter(action="dispatch.team_dispatched").count() == 1
    # The members hear of it at once by e-mail, which carries no address or name.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [team.officer.email, team.clinician.email]
    )
    assert call.reference in mail.outbox[0].subject
    assert call.address not in mail.outbox[0].body


def test_a_busy_team_cannot_be_sent_again_and_the_dispatcher_is_told_why(
    make_team, take_call, desk
):
    team = make_team("Alpha 1")
    first, second = take_call(), take_call()
    actions.dispatch_team(first, team, acting_user=desk)
    with pytest.raises(Conflict, match=f"Alpha 1 is already dispatched on call {first.reference}"):
        actions.dispatch_team(second, team, acting_user=desk)
    second.refresh_from_db()
    assert second.state == CallState.OPEN
    assert StatusEvent.objects.filter(call=second).count() == 0


def test_the_officer_clears_while_the_clinician_stays_then_the_call_closes(
    make_team, take_call, desk
):
    team, call = make_team(), take_call()
    actions.dispatch_team(call, team, acting_user=desk)
    actions.move_status(team, "en_route", acting_user=team.officer)
    actions.move_status(team, "on_scene", acting_user=team.clinician)
    with pytest.raises(PermissionDenied):
        actions.move_status(team, "officer_cleared", acting_user=team.clinician)
    actions.move_status(team, "officer_cleared", acting_user=team.officer)
    call.refresh_from_db()
    assert call.state == CallState.DISPATCHED
    actions.move_status(team, "available", acting_user=team.clinician)
    call.refresh_from_db()
    team.refresh_from_db()
    assert call.state == CallState.CLOSED
    assert team.call_id is None
    moves = list(StatusEvent.objects.filter(call=call).values_list("to_status", flat=True))
    assert moves == ["dispatched", "en_route", "on_scene", "officer_cleared", "available"]


def test_an_illegal_move_is_refused_with_the_reason_and_changes_nothing(make_team, desk):
    team = make_team()
    with pytest.raises(Conflict, match="cannot become on scene"):
        actions.move_status(team, "on_scene", acting_user=desk)
    assert Team.objects.get(pk=team.pk).status == "available"
    assert not StatusEvent.objects.filter(team=team).exists()


def test_responders_sent_to_a_person_may_read_as_those_on_the_call(
    make_team, take_call, desk, person
):
    team = make_team()
    call = take_call(person_id=person.pk)
    actions.dispatch_team(call, team, acting_user=desk)
    related = set(
        AccessRelation.objects.filter(person=person, kind="on_call").values_list(
            "user_id", flat=True
        )
    )
    assert {team.officer.pk, team.clinician.pk} <= related


def test_the_recommendation_sees_every_change_to_teams_at_once(make_team, take_call, desk):
    from coresponder.accounts.models import TrainingRecord
    from coresponder.dispatch.tests.fixtures import SOUTH_BASE

    first = make_team("First", cit=False)
    call = take_call()
    assert [r.team.name for r in recommend(call)] == ["First"]
    assert "officer's CIT certificate is missing or expired" in recommend(call)[0].reasons

    # A new team on shift, a certificate recorded, a team out of service: each shows now.
    make_team("Second", base=SOUTH_BASE)
    assert [r.team.name for r in recommend(call)] == ["First", "Second"]
    TrainingRecord.objects.create(
        user=first.officer,
        course="cit_40",
        completed_on=timezone.localdate() - timedelta(days=10),
        expires_on=timezone.localdate() + timedelta(days=700),
        provider="Test academy",
        recorded_by=desk,
    )
    assert "officer's CIT certificate is current" in recommend(call)[0].reasons
    actions.move_status(first, "out_of_service", acting_user=desk)
    assert [r.team.name for r in recommend(call)] == ["Second"]


def test_a_call_without_a_location_still_gets_teams_ranked_by_fit(make_team, take_call):
    make_team("Plain")
    youth = make_team("Youth team", specialities=["youth"])
    call = take_call(
        latitude=None, longitude=None, address="The school", concerns=["youth_in_crisis"]
    )
    ranked = recommend(call)
    assert ranked[0].team.team_id == youth.pk
    assert ranked[0].arrival_minutes is None
    assert ranked[0].reasons[0] == "no location on the call: arrival not estimated"
