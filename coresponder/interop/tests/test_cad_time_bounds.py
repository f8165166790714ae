"""A CAD delivery whose time lies outside the program's bounds, or outside any calendar a
database holds, is a 422 naming `received_at`, and nothing is committed: no call, no
delivery, no audit entry; the same delivery with a good time goes through."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from coresponder.calls.models import Call

from .test_cad import CALL, nothing_written

pytestmark = pytest.mark.django_db

EARLIEST = "Before 1990-01-01, the earliest date this program takes: check the year."
# The CAD webhook gives our validators' words without pydantic's "Value error, ".
CANNOT_BE_HELD = "This time cannot be held: it lies outside the years 1 to 9999 in UTC."


@freeze_time("2026-03-02T17:00:00+00:00")
@pytest.mark.parametrize(
    ("received_at", "reason"),
    [
        ("0001-01-01T00:00:00Z", EARLIEST),
        ("1989-12-31T23:59:59-07:00", EARLIEST),
        ("0001-01-01T00:00:00+14:00", CANNOT_BE_HELD),
        ("0001-01-01T13:59:59+14:00", CANNOT_BE_HELD),
        ("9999-12-31T23:59:59-14:00", CANNOT_BE_HELD),
        ("9999-12-31T23:59:59+14:00", "In the future: what has happened cannot be later than now."),
    ],
)
def test_a_delivery_outside_the_bounds_is_refused_and_nothing_is_committed(
    cad_post, received_at, reason
):
    # when
    refused = cad_post({**CALL, "received_at": received_at}, key="evt-1")

    # then
    assert refused.status_code == 422, refused.content
    assert refused.json() == {
        "message": "The call could not be recorded.",
        "code": "invalid",
        "fields": {"received_at": [reason]},
    }
    assert nothing_written()

    # and the CAD's corrected delivery, under a new key, is taken
    taken = cad_post({**CALL, "received_at": "2026-03-02T09:59:00-07:00"}, key="evt-1-r2")
    assert taken.status_code == 201, taken.content
    assert Call.objects.count() == 1
