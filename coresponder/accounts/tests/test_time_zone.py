"""Each page is on the reader's clock: the program's time zone, or the user's own (issue 17)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from coresponder.accounts import actions
from coresponder.accounts.models import Program, Role
from coresponder.core.exceptions import DomainError, PermissionDenied
from coresponder.core.models import AuditEntry

pytestmark = pytest.mark.django_db

# 17:51 UTC on 10 January is 10:51 in Denver (MST) and 18:51 in Berlin (CET).
RECEIVED = datetime(2025, 1, 10, 17, 51, tzinfo=UTC)


@pytest.fixture
def call(take_call):
    return take_call(received_at=RECEIVED)


def test_a_page_shows_times_on_the_programs_clock_and_names_it(client, sign_in, desk, call):
    # given a call received at 10:51 in Denver, the program's zone
    sign_in(desk)
    # when the dispatcher opens it
    page = client.get(f"/calls/{call.pk}/").content.decode()
    # then it says 10:51, not 17:51, and the page names the clock
    assert "Fri 10 Jan 2025, 10:51:00 MST" in page
    assert "17:51" not in page
    assert 'data-testid="time-zone"' in page
    assert "Times: America/Denver" in page
    assert 'data-time-zone="America/Denver"' in page


def test_a_user_may_read_times_on_their_own_clock(client, sign_in, desk, call):
    # given a dispatcher who works from Berlin
    sign_in(desk)
    response = client.post("/settings/time-zone/", {"time_zone": "Europe/Berlin"})
    assert response.status_code == 302
    desk.refresh_from_db()
    assert desk.time_zone == "Europe/Berlin"
    entry = AuditEntry.objects.filter(action="accounts.time_zone_set").get()
    assert entry.detail == {"time_zone": "Europe/Berlin"}
    # then the call reads 18:51, and the page says whose clock that is
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "Fri 10 Jan 2025, 18:51:00 CET" in page
    assert "Times: Europe/Berlin" in page
    assert client.get("/api/v1/me").json()["time_zone"] == "Europe/Berlin"
    assert "Times in your own zone; the program's is America/Denver" in page
    # and choosing the program's again clears it
    client.post("/settings/time-zone/", {"time_zone": ""})
    desk.refresh_from_db()
    assert desk.time_zone == ""
    assert "10:51:00 MST" in client.get(f"/calls/{call.pk}/").content.decode()


def test_an_unknown_zone_is_refused_and_nothing_changes(client, sign_in, desk):
    sign_in(desk)
    response = client.post("/settings/time-zone/", {"time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    desk.refresh_from_db()
    assert desk.time_zone == ""
    with pytest.raises(DomainError) as refused:
        actions.set_time_zone(desk, time_zone="Mars/Olympus", acting_user=desk)
    assert refused.value.fields == {
        "time_zone": [
            "'Mars/Olympus' is not a time zone. Give an IANA name such as America/Denver."
        ]
    }
    assert not AuditEntry.objects.filter(action="accounts.time_zone_set").exists()


def test_only_the_user_chooses_their_zone(make_user, desk):
    other = make_user(Role.ADMINISTRATOR)
    with pytest.raises(PermissionDenied):
        actions.set_time_zone(desk, time_zone="Europe/Berlin", acting_user=other)
    desk.refresh_from_db()
    assert desk.time_zone == ""


def test_a_programs_zone_is_checked(program):
    program.time_zone = "Mars/Olympus"
    with pytest.raises(ValidationError) as refused:
        program.full_clean()
    assert "time_zone" in refused.value.message_dict
    program.time_zone = "America/Los_Angeles"
    program.full_clean()


def test_a_program_saved_with_an_unknown_zone_shows_utc_and_says_so(client, sign_in, desk, call):
    # a zone saved before zones were checked does not break every page
    Program.objects.filter(pk=desk.program.pk).update(time_zone="Nowhere/Atall")
    sign_in(desk)
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "Fri 10 Jan 2025, 17:51:00 UTC" in page
    assert "Times: UTC" in page
