"""The one check every entry point asks of a time: pure, and it never raises."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coresponder.core.time_bounds import Facing, TimeBounds, time_problem

NOW = datetime(2026, 3, 2, 17, tzinfo=UTC)
DENVER = ZoneInfo("America/Denver")
PAST = TimeBounds.of(date(1990, 1, 1), DENVER, now=NOW)
PLANNED = TimeBounds.of(date(1990, 1, 1), DENVER, now=NOW, facing=Facing.PLANNED)
EARLIEST = "Before 1990-01-01, the earliest date this program takes: check the year."
FUTURE = "In the future: what has happened cannot be later than now."
AHEAD = "More than ten years ahead: check the year."
PLUS_14, MINUS_14 = timezone(timedelta(hours=14)), timezone(timedelta(hours=-14))


@pytest.mark.parametrize(
    ("at", "bounds", "problem"),
    [
        (datetime(1990, 1, 1, tzinfo=DENVER), PAST, None),
        (datetime(1990, 1, 1, 6, 59, 59, tzinfo=UTC), PAST, EARLIEST),  # 23:59:59 in Denver
        (datetime(1990, 1, 1, 21, tzinfo=PLUS_14), PAST, None),  # 00:00 in Denver
        (datetime.min.replace(tzinfo=PLUS_14), PAST, EARLIEST),
        (datetime.min.replace(tzinfo=MINUS_14), PLANNED, EARLIEST),
        (NOW + timedelta(minutes=5), PAST, None),  # a clock a little ahead
        (NOW + timedelta(minutes=5, seconds=1), PAST, FUTURE),
        (datetime.max.replace(tzinfo=MINUS_14), PAST, FUTURE),
        (datetime(2036, 2, 28, tzinfo=UTC), PLANNED, None),
        (datetime(2036, 3, 3, tzinfo=UTC), PLANNED, AHEAD),
        (datetime.max.replace(tzinfo=PLUS_14), PLANNED, AHEAD),
        (datetime(2000, 1, 1), PAST, "Give the time with its time zone."),  # noqa: DTZ001
    ],
)
def test_a_time_is_held_to_the_earliest_date_and_now_or_the_horizon(at, bounds, problem):
    assert time_problem(at, bounds) == problem


@given(
    st.datetimes(timezones=st.sampled_from([PLUS_14, UTC, MINUS_14, DENVER])),
    st.sampled_from([PAST, PLANNED]),
)
def test_any_time_python_holds_is_answered_not_raised(at, bounds):
    inside = bounds.earliest <= at <= bounds.latest
    assert (time_problem(at, bounds) is None) == inside
