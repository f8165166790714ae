"""The board by the shifts: a team off shift is not shown as available, whatever its
status; its next shift is said instead. The time is fixed, the shifts placed around it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from coresponder.dispatch import actions as dispatch

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)  # 15:00 in Denver


def _shift(team, starts, ends):
    dispatch.add_shift(team, starts_at=starts, ends_at=ends, acting_user=None)


def _team_rows(page: str) -> dict[str, str]:
    """Each team's row, as words."""
    rows = re.findall(r'data-testid="board-team" data-team="([^"]+)"[^>]*>(.*?)</tr>', page, re.S)
    return {name: " ".join(re.sub(r"<[^>]+>", " ", body).split()) for name, body in rows}


@freeze_time(NOW)
def test_an_off_shift_team_is_not_shown_as_available(client, sign_in, desk, make_team, take_call):
    # given: all four teams "available" by status; only the day team is on shift now
    day = make_team("Day team", on_shift=False)
    _shift(day, NOW - timedelta(hours=2), NOW + timedelta(hours=6))
    night = make_team("Night team", on_shift=False)
    _shift(night, NOW - timedelta(hours=20), NOW - timedelta(hours=10))  # ended this morning
    _shift(night, NOW + timedelta(hours=3), NOW + timedelta(hours=13))  # 18:00 tonight
    make_team("Spare team", on_shift=False)  # no shift at all
    late = make_team("Late team", on_shift=False)
    _shift(late, NOW - timedelta(hours=9), NOW - timedelta(minutes=30))  # ended, on a call
    dispatch.dispatch_team(take_call(), late, acting_user=desk)
    sign_in(desk)
    # when
    page = client.get("/dispatch/").content.decode()
    # then
    rows = _team_rows(page)
    assert rows["Day team"].startswith("Day team available")
    assert rows["Night team"].startswith("Night team off shift on from Mon 2 Mar 18:00")
    assert rows["Spare team"].startswith("Spare team off shift no shift planned")
    assert rows["Late team"].startswith("Late team shift over dispatched")
    # The counts and the map leave the teams off shift out.
    counts = re.findall(
        r'stat__value">(\d+)</span><span class="stat__label status status--(\w+)', page
    )
    assert counts == [("1", "available"), ("1", "dispatched")]
    assert re.findall(r'data-testid="map-team"><title>([^<]+)</title>', page) == [
        "Day team: available",
        "Late team: dispatched",
    ]
