"""A call's time is refused before the program's earliest date and after now, by the API
with a 422 naming `received_at`, and nothing is written."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from coresponder.calls import events
from coresponder.calls.models import Call
from coresponder.core.models import AuditEntry

pytestmark = pytest.mark.django_db

NOW = "2026-03-02T17:00:00+00:00"  # 10:00 in Denver, the test program's zone


def post(client, received_at):
    body = {"source": "911", "address": "1400 Test Street", "received_at": received_at}
    return client.post("/api/v1/calls", body, content_type="application/json")


def nothing_written() -> bool:
    return (
        not Call.objects.exists()
        and not AuditEntry.objects.filter(action=events.CALL_TAKEN).exists()
    )


@freeze_time(NOW)
@pytest.mark.parametrize(
    ("received_at", "reason"),
    [
        (
            "0001-01-01T00:00:00Z",
            "Before 1990-01-01, the earliest date this program takes: check the year.",
        ),
        (
            "1989-12-31T23:59:59-07:00",  # a second before midnight in Denver
            "Before 1990-01-01, the earliest date this program takes: check the year.",
        ),
        ("2026-03-02T17:05:01Z", "In the future: what has happened cannot be later than now."),
        ("9999-12-31T23:59:59Z", "In the future: what has happened cannot be later than now."),
    ],
)
def test_a_time_outside_the_bounds_is_a_422_naming_the_field(
    client, sign_in, desk, received_at, reason
):
    sign_in(desk)

    response = post(client, received_at)

    assert response.status_code == 422, response.content
    assert response.json() == {
        "message": "The call could not be recorded.",
        "code": "invalid",
        "fields": {"received_at": [reason]},
    }
    assert nothing_written()


@freeze_time(NOW)
@pytest.mark.parametrize(
    "received_at",
    [
        "0001-01-01T00:00:00+14:00",  # before the first instant in UTC
        "0001-01-01T13:59:59+14:00",
        "9999-12-31T23:59:59-14:00",  # after the last
    ],
)
def test_a_time_no_database_can_hold_is_a_422_not_a_server_error(
    client, sign_in, desk, received_at
):
    sign_in(desk)

    response = post(client, received_at)

    assert response.status_code == 422, response.content
    body = response.json()
    assert (body["code"], list(body["fields"])) == ("invalid", ["received_at"])
    assert body["fields"]["received_at"] == [
        "Value error, This time cannot be held: it lies outside the years 1 to 9999 in UTC."
    ]
    assert nothing_written()


@freeze_time(NOW)
@pytest.mark.parametrize(
    ("received_at", "stored"),
    [
        ("1990-01-01T00:00:00-07:00", "1990-01-01T07:00:00+00:00"),  # the floor itself
        ("2026-03-02T17:04:00Z", NOW),  # a clock a little ahead: taken as now
    ],
)
def test_a_time_at_the_bounds_is_taken(client, sign_in, desk, received_at, stored):
    sign_in(desk)

    response = post(client, received_at)

    assert response.status_code == 201, response.content
    assert Call.objects.get().received_at.isoformat() == stored


@freeze_time(NOW)
def test_the_earliest_date_is_the_programs_own(client, sign_in, desk, program):
    # given: a program that takes nothing before 2020
    program.earliest_date = date(2020, 1, 1)
    program.save(update_fields=["earliest_date"])
    sign_in(desk)

    # when
    refused = post(client, "2019-12-31T12:00:00-07:00")
    taken = post(client, "2020-01-01T00:00:00-07:00")

    # then
    assert refused.status_code == 422
    assert refused.json()["fields"] == {
        "received_at": ["Before 2020-01-01, the earliest date this program takes: check the year."]
    }
    assert taken.status_code == 201
    assert Call.objects.count() == 1
