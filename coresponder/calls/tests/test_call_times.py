"""A call received at 10:51 in Denver reads 10:51 on every page that shows it (issue 17):
the call list, the call page and its live part, the team's field view and the encounter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coresponder.calls import actions as calls
from coresponder.dispatch import actions as dispatch
from coresponder.encounters import actions as encounters

pytestmark = pytest.mark.django_db

RECEIVED = datetime(2026, 1, 10, 17, 51, 7, tzinfo=UTC)  # 10:51:07 MST


@pytest.fixture
def sent(take_call, make_team, desk):
    call = take_call(received_at=RECEIVED)
    team = make_team()
    dispatch.dispatch_team(call, team, acting_user=desk)
    calls.add_note(call, text="Gate code 4471", acting_user=desk)
    return call, team


def test_the_desk_reads_the_call_at_10_51(client, sign_in, desk, sent):
    call, _team = sent
    sign_in(desk)
    listed = client.get("/calls/").content.decode()
    assert "10 Jan 2026 10:51" in listed
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "Sat 10 Jan 2026, 10:51:07 MST" in page
    assert 'datetime="2026-01-10T10:51:07-07:00"' in page
    live = client.get(f"/calls/{call.pk}/live/", HTTP_HX_REQUEST="true").content.decode()
    assert "10:51:07" in live
    assert "17:51" not in listed + page + live


def test_the_team_reads_the_call_at_10_51_in_the_field(client, sign_in, sent):
    call, team = sent
    dispatch.move_status(team, "on_scene", acting_user=team.officer)
    encounter = encounters.start_encounter(call, acting_user=team.clinician)
    sign_in(team.clinician)
    field = client.get(f"/encounters/{encounter.pk}/field/").content.decode()
    assert "10:51 ·" in field
    assert "17:51" not in field
