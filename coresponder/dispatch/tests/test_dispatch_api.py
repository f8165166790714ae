"""Dispatch through the API: the same actions as the board, the same refusals."""

from __future__ import annotations

import pytest

from coresponder.dispatch.models import Team

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_a_team_is_sent_once_and_a_second_send_is_refused_with_the_reason(
    client, sign_in, desk, make_team, take_call
):
    team = make_team("CRT 9")
    first, second = take_call(), take_call()
    sign_in(desk)
    sent = post(client, f"/api/v1/calls/{first.pk}/dispatch", {"team_id": team.pk})
    assert sent.status_code == 201
    assert sent.json()["to_status"] == "dispatched"
    refused = post(client, f"/api/v1/calls/{second.pk}/dispatch", {"team_id": team.pk})
    assert refused.status_code == 409
    assert f"CRT 9 is already dispatched on call {first.reference}" in refused.json()["message"]
    listed = {t["name"]: t for t in client.get("/api/v1/teams").json()}
    assert listed["CRT 9"]["status"] == "dispatched"
    assert listed["CRT 9"]["call_id"] == str(first.pk)


def test_an_illegal_move_is_a_409_with_the_reason_and_changes_nothing(client, sign_in, make_team):
    team = make_team()
    sign_in(team.officer)
    response = post(client, f"/api/v1/teams/{team.pk}/status", {"status": "transporting"})
    assert response.status_code == 409
    assert "cannot become transporting" in response.json()["message"]
    assert Team.objects.get(pk=team.pk).status == "available"


def test_a_team_of_another_program_is_not_found(client, sign_in, stranger, make_team, take_call):
    team, call = make_team(), take_call()
    sign_in(stranger)
    assert (
        post(client, f"/api/v1/calls/{call.pk}/dispatch", {"team_id": team.pk}).status_code == 404
    )
    assert (
        post(client, f"/api/v1/teams/{team.pk}/status", {"status": "on_scene"}).status_code == 404
    )


def test_a_note_posted_through_the_api_reaches_the_others_working_the_call(
    client, sign_in, desk, make_team, take_call
):
    from coresponder.dispatch import actions

    team, call = make_team(), take_call()
    actions.dispatch_team(call, team, acting_user=desk)
    sign_in(team.clinician)
    before = client.get(f"/calls/{call.pk}/live/", {"revision": "0"}).context["stamp"]
    assert client.get(f"/calls/{call.pk}/live/", {"revision": before}).status_code == 204
    created = post(client, f"/api/v1/calls/{call.pk}/notes", {"text": "Dog in the yard"})
    assert created.status_code == 201
    client.logout()
    sign_in(desk)
    fragment = client.get(f"/calls/{call.pk}/live/", {"revision": before})
    assert fragment.status_code == 200
    assert "Dog in the yard" in fragment.content.decode()


def test_the_desks_call_page_changes_when_a_team_is_sent_elsewhere(
    client, sign_in, desk, make_team, take_call
):
    from coresponder.dispatch import actions

    team = make_team("CRT 7")
    waiting, other = take_call(), take_call()
    sign_in(desk)
    first = client.get(f"/calls/{waiting.pk}/live/", {"revision": "0"})
    assert "CRT 7" in first.content.decode()
    stamp = first.context["stamp"]
    assert client.get(f"/calls/{waiting.pk}/live/", {"revision": stamp}).status_code == 204
    actions.dispatch_team(other, team, acting_user=desk)
    again = client.get(f"/calls/{waiting.pk}/live/", {"revision": stamp})
    assert again.status_code == 200
    assert "CRT 7" not in again.content.decode()
