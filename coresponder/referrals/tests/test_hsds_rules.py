"""The rules a row must keep, from the HSDS 3 schema and RFC 5545: pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from coresponder.referrals.hsds import TABLE, check_row, format_value

SCHEDULE = {"id": "h-1", "freq": "WEEKLY", "byday": "MO,TU", "opens_at": "09:00"}


def problems(table: str, row: dict) -> list[str]:
    _, found = check_row(TABLE[table], row, file=f"{table}.csv", line=2)
    return [f"{problem.severity}: {problem.reason}" for problem in found]


def values(table: str, row: dict) -> dict:
    parsed, found = check_row(TABLE[table], row, file=f"{table}.csv", line=2)
    assert found == []
    return parsed


def test_a_plain_weekly_schedule_keeps_every_rule():
    assert problems("schedule", SCHEDULE) == []
    parsed = values("schedule", {**SCHEDULE, "wkst": "mon", "byday": " mo, fr "})
    assert (parsed["wkst"], parsed["byday"], parsed["opens_at"]) == ("MO", "MO,FR", time(9))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"freq": "DAILY"}, "error: freq is 'DAILY', not one of WEEKLY, MONTHLY"),
        (
            {"freq": "", "interval": "2"},
            "error: freq is required with interval, byday (RFC 5545)",
        ),
        ({"interval": "0"}, "error: interval must be at least 1"),
        ({"count": "-3"}, "error: count must be at least 1"),
        ({"byday": "1MO"}, "error: byday may not have ordinals such as 1MO when freq is WEEKLY"),
        (
            {"byday": "MO,FUN"},
            "error: byday has 'FUN', not a weekday of RFC 5545 (MO, TU, WE, TH, FR, SA, SU, "
            "optionally after an ordinal such as 1MO or -1FR)",
        ),
        (
            {"bymonthday": "0"},
            "error: bymonthday has '0', not a day of the month (±1..31, comma-separated)",
        ),
        (
            {"byweekno": "54"},
            "error: byweekno has '54', not a week number (±1..53, comma-separated)",
        ),
        (
            {"byyearday": "1,367"},
            "error: byyearday has '367', not a day of the year (±1..366, comma-separated)",
        ),
        ({"wkst": "XX"}, "error: wkst is 'XX', not a weekday (MO, TU, WE, TH, FR, SA, SU)"),
        ({"opens_at": "25:00"}, "error: opens_at is '25:00', not a time (HH:MM or HH:MM:SS)"),
        ({"until": "2026-13-01"}, "error: until is '2026-13-01', not a date (YYYY-MM-DD)"),
        (
            {"valid_from": "2026-02-01", "valid_to": "2026-01-01"},
            "error: valid_from (2026-02-01) is after valid_to (2026-01-01)",
        ),
        (
            {"count": "3", "until": "2026-01-01"},
            "warning: has both count and until; RFC 5545 allows one",
        ),
    ],
)
def test_a_schedule_breaking_a_recurrence_rule_is_reported(change, reason):
    assert problems("schedule", {**SCHEDULE, **change}) == [reason]


def test_a_monthly_schedule_may_name_the_nth_weekday():
    assert values("schedule", {**SCHEDULE, "freq": "MONTHLY", "byday": "1MO,-1FR"})["byday"] == (
        "1MO,-1FR"
    )


@pytest.mark.parametrize(
    ("table", "row", "reason"),
    [
        ("organization", {"id": "o", "name": "Org"}, "error: description is required"),
        (
            "location",
            {"id": "l", "location_type": "mobile"},
            "error: location_type is 'mobile', not one of physical, postal, virtual",
        ),
        (
            "location",
            {"id": "l", "location_type": "physical", "latitude": "north"},
            "error: latitude is not a number",
        ),
        (
            "address",
            {
                "id": "a",
                "address_1": "1 Main St",
                "city": "Denver",
                "state_province": "CO",
                "postal_code": "80202",
                "country": "USA",
                "address_type": "physical",
            },
            "error: country is 'USA', not an ISO 3166-1 two-letter country code",
        ),
        (
            "service",
            {
                "id": "s",
                "organization_id": "o",
                "name": "Detox",
                "status": "active",
                "minimum_age": "65",
                "maximum_age": "18",
            },
            "error: minimum_age (65) is after maximum_age (18)",
        ),
        (
            "service",
            {
                "id": "s",
                "organization_id": "o",
                "name": "Beds",
                "status": "active",
                "x_kind": "spa",
            },
            "error: x_kind is 'spa', not one of crisis_stabilization, detox, "
            "substance_use_treatment, inpatient_psychiatric, outpatient_therapy, support_group, "
            "shelter_housing, veterans_services, youth_counseling, food_benefits, other",
        ),
        (
            "service_capacity",
            {
                "id": "c",
                "service_id": "s",
                "unit_id": "u",
                "available": "13",
                "maximum": "12",
                "updated": "2026-11-26T22:00:00Z",
            },
            "error: available (13) is more than maximum (12)",
        ),
        (
            "service_capacity",
            {
                "id": "c",
                "service_id": "s",
                "unit_id": "u",
                "available": "3",
                "updated": "2026-11-26T22:00:00",
            },
            "error: updated is '2026-11-26T22:00:00', a date and time without a time zone offset",
        ),
        (
            "phone",
            {"id": "p", "number": "555", "extension": "x12"},
            "error: extension is 'x12', not a number",
        ),
        (
            "language",
            {"id": "g", "code": "english"},
            "error: code is 'english', not a language code (ISO 639, e.g. en or es-MX)",
        ),
        ("accessibility", {"id": "x", "url": "not a uri"}, "error: url is 'not a uri', not a URI"),
    ],
)
def test_a_row_breaking_the_spec_is_reported_with_its_reason(table, row, reason):
    assert problems(table, row) == [reason]


def test_values_are_written_back_as_the_tabular_form_reads_them():
    parsed = values(
        "service_capacity",
        {
            "id": "c",
            "service_id": "s",
            "unit_id": "u",
            "available": "3",
            "updated": "2026-11-26T22:00:00+00:00",
        },
    )
    assert parsed["updated"] == datetime(2026, 11, 26, 22, tzinfo=UTC)
    assert format_value(parsed["updated"]) == "2026-11-26T22:00:00Z"
    location = values("location", {"id": "l", "location_type": "physical", "latitude": "39.7392"})
    assert format_value(location["latitude"]) == "39.7392"
    assert (
        format_value(
            values("location", {"id": "l", "location_type": "physical", "longitude": "100"})[
                "longitude"
            ]
        )
        == "100"
    )
