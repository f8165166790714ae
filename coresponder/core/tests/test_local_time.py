# ruff: noqa: DTZ001 - local (naive) times, as a person types them, are what is tested
"""Local times as people type them, across both changes of the clocks (issue 17).

Denver, 2025: on 9 March the clocks go from 02:00 straight to 03:00 (MST to MDT); on
2 November the hour from 01:00 to 02:00 happens twice (MDT, then MST).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from coresponder.core.local_time import (
    LocalDateTimeField,
    NonexistentTime,
    aware_in,
    check_time_zone,
    is_ambiguous,
    local_input,
    moment_words,
    zone_named,
)

DENVER = ZoneInfo("America/Denver")


def test_a_plain_local_time_is_that_instant_on_the_zones_clock():
    assert aware_in(datetime(2025, 6, 10, 9, 30), DENVER) == datetime(
        2025, 6, 10, 15, 30, tzinfo=UTC
    )
    assert aware_in(datetime(2025, 1, 10, 9, 30), DENVER) == datetime(
        2025, 1, 10, 16, 30, tzinfo=UTC
    )


def test_a_time_the_clocks_skip_in_spring_is_refused_saying_which_hour():
    with pytest.raises(NonexistentTime) as refused:
        aware_in(datetime(2025, 3, 9, 2, 30), DENVER)
    assert str(refused.value) == (
        "02:30 on 2025-03-09 does not exist in America/Denver: the clocks go forward from "
        "02:00 to 03:00 that night. Give a time before 02:00 or from 03:00."
    )
    # the minutes either side of the gap are times
    assert aware_in(datetime(2025, 3, 9, 1, 59), DENVER) == datetime(2025, 3, 9, 8, 59, tzinfo=UTC)
    assert aware_in(datetime(2025, 3, 9, 3, 0), DENVER) == datetime(2025, 3, 9, 9, 0, tzinfo=UTC)


def test_a_time_that_happens_twice_in_autumn_is_read_as_the_first():
    local = datetime(2025, 11, 2, 1, 30)
    assert is_ambiguous(local, DENVER)
    assert not is_ambiguous(datetime(2025, 11, 2, 2, 30), DENVER)
    # 01:30 MDT (UTC-6), not 01:30 MST an hour later
    assert aware_in(local, DENVER) == datetime(2025, 11, 2, 7, 30, tzinfo=UTC)
    assert aware_in(datetime(2025, 11, 2, 2, 30), DENVER) == datetime(
        2025, 11, 2, 9, 30, tzinfo=UTC
    )


def test_the_two_readings_of_the_autumn_hour_are_told_apart_in_words():
    first, second = (
        datetime(2025, 11, 2, 7, 30, tzinfo=UTC),
        datetime(2025, 11, 2, 8, 30, tzinfo=UTC),
    )
    assert moment_words(first, DENVER) == "2025-11-02 01:30 MDT"
    assert moment_words(second, DENVER) == "2025-11-02 01:30 MST"


class AtForm(forms.Form):
    at = LocalDateTimeField(label="When")


def test_the_form_field_reads_on_the_current_clock_and_names_it():
    with timezone.override(DENVER):
        form = AtForm({"at": "2025-06-10T09:30"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["at"] == datetime(2025, 6, 10, 15, 30, tzinfo=UTC)
        assert form["at"].label == "When (America/Denver)"
    with timezone.override(ZoneInfo("Europe/London")):
        form = AtForm({"at": "2025-06-10T09:30"})
        assert form.is_valid()
        assert form.cleaned_data["at"] == datetime(2025, 6, 10, 8, 30, tzinfo=UTC)
        assert form["at"].label == "When (Europe/London)"


def test_the_form_field_refuses_a_skipped_time_with_the_words():
    with timezone.override(DENVER):
        form = AtForm({"at": "2025-03-09T02:15"})
        assert not form.is_valid()
        assert form.errors["at"] == [
            "02:15 on 2025-03-09 does not exist in America/Denver: the clocks go forward "
            "from 02:00 to 03:00 that night. Give a time before 02:00 or from 03:00."
        ]
        assert AtForm({"at": "yesterday"}).errors["at"] == ["Give a date and time."]


def test_an_instant_is_shown_in_an_input_on_the_current_clock():
    with timezone.override(DENVER):
        assert local_input(datetime(2025, 11, 2, 8, 30, tzinfo=UTC)) == "2025-11-02T01:30"
        assert local_input(None) == ""


def test_time_zone_names_are_checked():
    assert zone_named("America/Los_Angeles") == ZoneInfo("America/Los_Angeles")
    for bad in ("Mars/Olympus", "", "../etc/passwd", "america/denver"):
        with pytest.raises(ValueError, match="is not a time zone"):
            zone_named(bad)
        with pytest.raises(ValidationError):
            check_time_zone(bad)


@pytest.mark.parametrize(
    "local", [datetime(1, 1, 1, 0, 0), datetime(9999, 12, 31, 23, 59)], ids=["year 1", "year 9999"]
)
@pytest.mark.parametrize("zone", ["America/Denver", "Pacific/Kiritimati"])
def test_a_day_at_the_edge_of_the_calendar_is_kept_for_the_bounds_to_refuse(local, zone):
    # Some clocks cannot place it, but it must reach the bounds' check, not end in an
    # OverflowError; read on the zone's clock where it can be, as UTC where it cannot.
    instant = aware_in(local, zone_named(zone))
    assert instant.utcoffset() is not None
    assert instant.year == local.year
    assert abs(instant - local.replace(tzinfo=UTC)).total_seconds() <= 15 * 3600
