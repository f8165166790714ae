"""What each role may not see of a call, on the page, the board and the API."""

from __future__ import annotations

import pytest

from coresponder.accounts.models import Agency, Role
from coresponder.calls import actions, events
from coresponder.calls.access import view_call
from coresponder.calls.models import CallState
from coresponder.core.exceptions import NotFound
from coresponder.core.models import AuditEntry
from coresponder.dispatch import actions as dispatch

pytestmark = pytest.mark.django_db

ARMED = {"screening": ["weapon"], "summary": "Says there is a knife in the kitchen"}


def test_an_emt_not_on_the_call_sees_the_call_but_not_its_weapons(take_call, make_user):
    call = take_call(**ARMED)
    view = view_call(make_user(Role.EMT), call.pk, channel="test")
    assert view.address == call.address
    assert view.screening is None
    assert "screening" not in view.as_dict()


def test_the_team_sent_to_the_call_sees_its_weapons(take_call, make_team, desk):
    call = take_call(**ARMED)
    team = make_team()
    dispatch.dispatch_team(call, team, acting_user=desk)
    assert view_call(team.clinician, call.pk, channel="test").screening == ["weapon"]
    # And still after the call is over.
    for status in ("on_scene", "available"):
        dispatch.move_status(team, status, acting_user=team.clinician)
    assert view_call(team.clinician, call.pk, channel="test").screening == ["weapon"]


def test_a_988_call_taker_of_a_health_agency_sees_weapons_while_working_the_call(
    take_call, make_user, agencies, desk
):
    call_taker = make_user(Role.DISPATCHER, agency=agencies[Agency.Kind.BEHAVIORAL_HEALTH])
    colleague = make_user(Role.DISPATCHER, agency=agencies[Agency.Kind.BEHAVIORAL_HEALTH])
    call = take_call(**ARMED, by=call_taker)
    assert view_call(colleague, call.pk, channel="test").screening == ["weapon"]
    actions.close_call(call, state=CallState.CANCELLED, reason="Caller hung up", acting_user=desk)
    # Once closed, the desk no longer works it: only the one who took it still does.
    assert view_call(colleague, call.pk, channel="test").screening is None
    assert view_call(call_taker, call.pk, channel="test").screening == ["weapon"]


@pytest.mark.parametrize("role", [Role.PARTNER, Role.EVALUATOR])
def test_partners_and_evaluators_do_not_see_calls(take_call, make_user, role, client, sign_in):
    call = take_call(**ARMED)
    outsider = make_user(role)
    with pytest.raises(NotFound):
        view_call(outsider, call.pk, channel="test")
    sign_in(outsider)
    assert client.get(f"/calls/{call.pk}/").status_code == 403
    assert client.get("/dispatch/").status_code == 403
    assert client.get(f"/api/v1/calls/{call.pk}").status_code == 404


def test_another_programs_dispatcher_finds_no_such_call(take_call, stranger):
    call = take_call()
    with pytest.raises(NotFound):
        view_call(stranger, call.pk, channel="test")
    with pytest.raises(NotFound):
        view_call(stranger, "not-a-uuid", channel="test")


def test_the_api_leaves_out_what_the_reader_may_not_see(take_call, make_user, client, sign_in):
    call = take_call(**ARMED)
    sign_in(make_user(Role.EMT))
    body = client.get(f"/api/v1/calls/{call.pk}").json()
    assert body["reference"] == call.reference
    assert "screening" not in body


def test_reading_a_persons_call_is_audited_once_per_read(take_call, person, desk):
    call = take_call(person_id=person.pk)
    before = AuditEntry.objects.filter(action=events.CALL_VIEWED).count()
    view_call(desk, call.pk, channel="test")
    entry = AuditEntry.objects.filter(action=events.CALL_VIEWED).latest("seq")
    assert AuditEntry.objects.filter(action=events.CALL_VIEWED).count() == before + 1
    assert (entry.object_type, entry.object_id) == ("person", str(person.pk))
    assert entry.fields == ["call:operational", "call:public_safety"]


def test_the_board_answers_no_change_without_reading_or_logging_anything(
    take_call, person, desk, client, sign_in
):
    take_call(person_id=person.pk)
    sign_in(desk)
    page = client.get("/dispatch/")
    assert page.status_code == 200
    stamp = page.context["stamp"]
    logged = AuditEntry.objects.filter(action=events.CALL_VIEWED).count()
    assert logged == 1
    unchanged = client.get("/dispatch/live/", {"stamp": stamp})
    assert unchanged.status_code == 204
    assert AuditEntry.objects.filter(action=events.CALL_VIEWED).count() == logged
    take_call()
    changed = client.get("/dispatch/live/", {"stamp": stamp})
    assert changed.status_code == 200
    assert changed.context["stamp"] != stamp
    assert len(changed.context["rows"]) == 2


def test_officers_and_clinicians_have_no_board_but_a_field_view(make_user, client, sign_in):
    for role in (Role.OFFICER, Role.CLINICIAN):
        client.logout()
        sign_in(make_user(role))
        assert client.get("/dispatch/").status_code == 403
        assert client.get("/dispatch/field/").status_code == 200
