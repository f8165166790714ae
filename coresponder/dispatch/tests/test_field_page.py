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
