"""`coresponder import calls` holds each row's time to the program's bounds: a time before
the earliest date, in the future, or one that cannot be placed in the mapping's zone is a
rejected row with its reason, never a traceback; the other rows are imported."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time

from coresponder.calls.models import Call

from .test_csv_import import rejected_rows, run, write

pytestmark = pytest.mark.django_db

MAPPING = """
[external_id]
column = "incident"

[received_at]
column = "created"
format = "iso"
time_zone = "Asia/Tokyo"

[source]
value = "911"

[address]
column = "location"
"""


@freeze_time("2026-03-02T17:00:00+00:00")
def test_a_time_outside_the_bounds_or_the_calendar_is_a_rejected_row(agencies, tmp_path):
    # given
    mapping = write(tmp_path / "tokyo.toml", MAPPING)
    lines = [
        "incident,created,location",
        "C-1,2024-02-03T04:05:06,100 Main St",  # 2: good
        "C-2,0001-01-01T00:00:00,100 Main St",  # 3: before year 1 in UTC
        "C-3,0001-01-01T00:00:00+14:00,100 Main St",  # 4: the same, by its offset
        "C-4,9999-12-31T23:30:00-08:00,100 Main St",  # 5: after year 9999 in UTC
        "C-5,1989-12-31T23:59:59,100 Main St",  # 6: before the program's earliest date
        "C-6,2999-01-01T00:00:00,100 Main St",  # 7: in the future
        "C-7,9999-12-31T23:59:59,100 Main St",  # 8: in the future, at the calendar's end
        "C-8,1990-01-01T00:00:00-07:00,100 Main St",  # 9: the earliest instant in Denver
    ]
    path = write(tmp_path / "calls.csv", "\n".join(lines) + "\n")
    rejects = tmp_path / "rejected.csv"

    # when
    out, _err = run(path, mapping, agencies["law_enforcement"], rejects)

    # then
    assert sorted(Call.objects.values_list("external_id", "received_at")) == [
        ("C-1", datetime(2024, 2, 2, 19, 5, 6, tzinfo=UTC)),
        ("C-8", datetime(1990, 1, 1, 7, tzinfo=UTC)),
    ]
    earliest = "created: Before 1990-01-01, the earliest date this program takes: check the year."
    future = "created: In the future: what has happened cannot be later than now."
    assert [(int(line), reason) for line, reason, *_cells in rejected_rows(rejects)[1:]] == [
        (3, "created cannot be placed in time from the zone Asia/Tokyo."),
        (4, "created cannot be placed in time from the zone UTC+14:00."),
        (5, "created cannot be placed in time from the zone UTC-08:00."),
        (6, earliest),
        (7, future),
        (8, future),
    ]
    assert "  imported          2" in out.splitlines()


@freeze_time("2026-03-02T17:00:00+00:00")
def test_a_program_that_takes_older_history_imports_it(program, agencies, tmp_path):
    # given: the program takes calls from 1980
    program.earliest_date = date(1980, 1, 1)
    program.save(update_fields=["earliest_date"])
    mapping = write(tmp_path / "tokyo.toml", MAPPING)
    path = write(
        tmp_path / "calls.csv",
        "incident,created,location\nC-1,1985-06-01T12:00:00,1 Main St\n"
        "C-2,1979-12-31T12:00:00,1 Main St\n",
    )

    # when
    run(path, mapping, agencies["law_enforcement"], tmp_path / "rejected.csv")

    # then
    assert list(Call.objects.values_list("external_id", "reference")) == [("C-1", "1985-000001")]
