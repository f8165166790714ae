"""Notes on a call: from those working it and supervisors, while it is open, up to a cap."""

from __future__ import annotations

import pytest

from coresponder.accounts.models import Role
from coresponder.calls import actions, events
from coresponder.calls.models import CallNote, CallState
from coresponder.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def post_note(client, call, text="Dog in the yard"):
    return client.post(
        f"/api/v1/calls/{call.pk}/notes", {"text": text}, content_type="application/json"
    )


def notes_added() -> int:
    return AuditEntry.objects.filter(action=events.NOTE_ADDED).count()


@pytest.mark.parametrize("who", ["desk", "supervisor", "team officer", "team clinician"])
def test_those_working_the_call_and_supervisors_add_notes(
    who, client, sign_in, desk, make_user, make_team, take_call
):
    # given an open call with a team sent to it
    from coresponder.dispatch import actions as dispatch

    call, team = take_call(), make_team()
    dispatch.dispatch_team(call, team, acting_user=desk)
    writer = {
        "desk": desk,
        "supervisor": make_user(Role.SUPERVISOR),
        "team officer": team.officer,
        "team clinician": team.clinician,
    }[who]
    sign_in(writer)

    # when
    response = post_note(client, call)

    # then
    assert response.status_code == 201, response.content
    assert list(CallNote.objects.filter(call=call).values_list("text", "author")) == [
        ("Dog in the yard", writer.pk)
    ]
    assert notes_added() == 1


@pytest.mark.parametrize(
    "role", [Role.OFFICER, Role.CLINICIAN, Role.EMT, Role.CASE_MANAGER, Role.ADMINISTRATOR]
)
def test_staff_not_working_the_call_cannot_add_notes(
    role, client, sign_in, desk, make_user, make_team, take_call
):
    # given an open call, a team sent to it, and someone of the program not on that team
    from coresponder.dispatch import actions as dispatch

    call = take_call()
    dispatch.dispatch_team(call, make_team(), acting_user=desk)
    sign_in(make_user(role))
    revision = type(call).objects.get(pk=call.pk).revision

    # when
    response = post_note(client, call)

    # then it is refused and nothing changed
    assert response.status_code == 403
    assert not CallNote.objects.filter(call=call).exists()
    assert type(call).objects.get(pk=call.pk).revision == revision
    assert notes_added() == 0


def test_a_responder_whose_team_went_elsewhere_is_refused_on_this_call(
    client, sign_in, desk, make_team, take_call
):
    # given a team sent to one call and not to another
    from coresponder.dispatch import actions as dispatch

    theirs, other, team = take_call(), take_call(), make_team()
    dispatch.dispatch_team(theirs, team, acting_user=desk)
    sign_in(team.officer)

    # when
    refused = post_note(client, other)

    # then
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert not CallNote.objects.exists()
    assert notes_added() == 0


def test_a_closed_call_takes_no_more_notes(client, sign_in, desk, make_user, take_call):
    # given a closed call
    call = take_call()
    actions.close_call(call, state=CallState.CLOSED, acting_user=desk)
    supervisor = make_user(Role.SUPERVISOR)
    sign_in(supervisor)

    # when a supervisor tries to add to it
    response = post_note(client, call)

    # then
    assert response.status_code == 409
    assert response.json()["message"] == "The call is closed; it takes no more notes."
    assert not CallNote.objects.filter(call=call).exists()
    assert notes_added() == 0


def test_a_call_takes_at_most_two_hundred_notes(client, sign_in, desk, take_call):
    # given a call with the most notes a call takes
    call = take_call()
    for number in range(actions.MAX_NOTES_PER_CALL):
        actions.add_note(call, text=f"Note {number}", acting_user=desk)
    assert actions.MAX_NOTES_PER_CALL == 200
    sign_in(desk)

    # when one more is posted
    response = post_note(client, call, text="One too many")

    # then it is refused with words saying why, and nothing is added
    assert response.status_code == 409
    assert response.json()["message"] == (
        "This call has 200 notes, the most a call takes. Put what matters in the call's "
        "summary or the encounter record."
    )
    assert CallNote.objects.filter(call=call).count() == 200
    assert not CallNote.objects.filter(text="One too many").exists()
    assert notes_added() == 200


def test_the_call_page_refuses_a_note_from_someone_not_on_the_call(
    client, sign_in, desk, make_user, make_team, take_call
):
    # given an open call and an officer of another team
    from coresponder.dispatch import actions as dispatch

    call = take_call()
    dispatch.dispatch_team(call, make_team(), acting_user=desk)
    outsider = make_team().officer
    sign_in(outsider)

    # when they post the page's note form
    response = client.post(
        f"/calls/{call.pk}/notes/", {"text": "Written from outside"}, follow=True
    )

    # then they see why, and nothing was added
    assert response.status_code == 200
    assert "Only those working the call and supervisors add notes to it." in (
        response.content.decode()
    )
    assert not CallNote.objects.exists()
    assert notes_added() == 0


def test_the_call_page_adds_a_note_from_the_desk(client, sign_in, desk, take_call):
    call = take_call()
    sign_in(desk)

    response = client.post(f"/calls/{call.pk}/notes/", {"text": "Caller called back"})

    assert response.status_code == 302
    assert list(CallNote.objects.values_list("text", flat=True)) == ["Caller called back"]
    assert notes_added() == 1


def test_a_note_past_its_limit_is_refused_saying_how_long_it_is(client, sign_in, desk, take_call):
    # given an open call
    call = take_call()
    sign_in(desk)

    # when the desk posts a note of 2,001 characters (a browser without the page's script)
    response = client.post(f"/calls/{call.pk}/notes/", {"text": "x" * 2001}, follow=True)

    # then the refusal says why, and nothing was added or cut
    assert "at most 2000 characters (it has 2001)" in response.content.decode()
    assert "Write the note first." not in response.content.decode()
    assert not CallNote.objects.exists()
    assert notes_added() == 0
