"""The field view (`/dispatch/field/`) and the desk's call page through HTTP: what a
responder's phone shows of the team's call and which status buttons it offers."""

from __future__ import annotations

import re

import pytest

from coresponder.dispatch import actions

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_field_view_names_the_language_needed(client, sign_in, desk, make_team, take_call):
    # given a team sent to a call whose language came in as a code
    team, call = make_team(), take_call(language="es")
    actions.dispatch_team(call, team, acting_user=desk)
    sign_in(team.officer)

    # when the officer opens the field view
    page = text_of(client.get("/dispatch/field/"))

    # then the language is named
    assert "<dt>Language</dt><dd>Spanish</dd>" in page


def test_the_desk_reads_which_team_speaks_the_callers_language(
    client, sign_in, desk, make_team, take_call
):
    # given a team that speaks Spanish, and a call needing it
    make_team("CRT 4", languages=["es"])
    call = take_call(language="es")
    sign_in(desk)

    # when the desk opens the call
    page = text_of(client.get(f"/calls/{call.pk}/"))

    # then the recommendation says so in words
    assert "speaks Spanish" in page
    assert "speaks es" not in page


# Buttons that cannot be undone by a slip: clearing asks once; moves have an undo ---------


def on_scene_team(make_team, take_call, desk):
    team, call = make_team(), take_call()
    actions.dispatch_team(call, team, acting_user=desk)
    actions.move_status(team, "on_scene", acting_user=team.officer)
    team.refresh_from_db()
    return team, call


def test_clearing_stands_apart_from_the_next_steps_and_asks_once(
    client, sign_in, desk, make_team, take_call
):
    # given a team on scene
    team, _call = on_scene_team(make_team, take_call, desk)
    sign_in(team.officer)

    # when the officer opens the field view
    page = text_of(client.get("/dispatch/field/"))

    # then the next steps are buttons, and clearing is a step of its own behind a question
    steps = page.split('class="status-buttons"', 1)[1].split("</div>", 1)[0]
    assert re.findall(r'name="status" value="([a-z_]+)"', steps) == [
        "officer_cleared",
        "transporting",
    ]
    clear = page.split('data-testid="clear-call"', 1)[1].split("</details>", 1)[0]
    assert "<summary" in clear
    assert "Clear the call" in clear
    assert 'name="status" value="available"' in clear
    assert 'name="confirm" value="yes"' in clear
    assert "Yes, clear the call" in clear


def test_a_clearing_posted_without_its_confirmation_is_refused(
    client, sign_in, desk, make_team, take_call
):
    from coresponder.dispatch.models import StatusEvent

    team, call = on_scene_team(make_team, take_call, desk)
    sign_in(team.officer)
    url = f"/dispatch/teams/{team.pk}/status/"

    refused = client.post(url, {"status": "available", "next": "/dispatch/field/"}, follow=True)

    assert "Clearing the call asks to be confirmed" in text_of(refused)
    team.refresh_from_db()
    assert (team.status, team.call_id) == ("on_scene", call.pk)
    assert StatusEvent.every_move.filter(team=team).count() == 2

    cleared = client.post(
        url, {"status": "available", "confirm": "yes", "next": "/dispatch/field/"}
    )

    assert cleared.status_code == 302
    team.refresh_from_db()
    assert (team.status, team.call_id) == ("available", None)


def test_the_one_who_moved_is_offered_the_undo_and_it_takes_the_move_back(
    client, sign_in, desk, make_team, take_call
):
    from coresponder.core.models import AuditEntry
    from coresponder.dispatch import events

    # given the officer has just pressed Officer cleared
    team, _call = on_scene_team(make_team, take_call, desk)
    sign_in(team.officer)
    client.post(f"/dispatch/teams/{team.pk}/status/", {"status": "officer_cleared"})

    # when the officer looks at the field view, and the clinician does
    page = text_of(client.get("/dispatch/field/"))
    undo = re.search(r'<form method="post" action="(/dispatch/teams/\d+/undo/)".*?</form>', page)
    assert undo is not None
    assert "Undo “officer cleared, clinician on scene”" in undo.group(0)
    event = re.search(r'name="event" value="(\d+)"', undo.group(0)).group(1)
    client.logout()
    sign_in(team.clinician)
    assert 'data-testid="undo"' not in text_of(client.get("/dispatch/field/"))
    client.logout()

    # then the officer's undo takes it back, once, audited
    sign_in(team.officer)
    response = client.post(undo.group(1), {"event": event, "next": "/dispatch/field/"})
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.status == "on_scene"
    assert AuditEntry.objects.filter(action=events.STATUS_UNDONE).count() == 1
    assert 'data-testid="undo"' not in text_of(client.get("/dispatch/field/"))
