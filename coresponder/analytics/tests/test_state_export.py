"""The state's monthly report (Colorado), on the hand-built facts of `dataset.py`."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from coresponder.analytics import state_export
from coresponder.analytics.models import CallFact
from coresponder.analytics.state_export import HEADER, StateExportRefused, write_state_export
from coresponder.core.models import AuditEntry

from . import dataset

pytestmark = pytest.mark.django_db


@pytest.fixture
def facts(program):
    rows = dataset.facts()
    for row in rows:
        row["program_id"] = program.pk if row["program_id"] == dataset.PROGRAM else program.pk + 1
    CallFact.objects.bulk_create([CallFact(**row) for row in rows])
    return rows


def _read(path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_one_csv_per_month_with_the_state_s_measures(program, facts, tmp_path):
    # when December 2025 to February 2026 is exported
    exported = write_state_export(
        tmp_path / "co",
        program=program,
        start=date(2025, 12, 1),
        end=date(2026, 2, 28),
        bring_up_to_date=False,
    )
    # then one file a month and a manifest
    names = sorted(p.name for p in (tmp_path / "co").iterdir())
    assert names == [
        "colorado-2025-12.csv",
        "colorado-2026-01.csv",
        "colorado-2026-02.csv",
        "manifest.json",
    ]
    [january] = _read(tmp_path / "co" / "colorado-2026-01.csv")
    assert list(january) == HEADER
    # January by hand: calls c1–c9 (c11 is another program's); complete encounters c1–c7;
    # one arrest (c3); services on c1–c6 (c7 refused); one hold (c6); ED diversion: all
    # but the hold; enrolled: c2 (an accepted referral); officer time 1800+3000+4000 s.
    assert january == {
        "reporting_month": "2026-01",
        "period_start": "2026-01-01",
        "period_end": "2026-01-31",
        "program": program.name,
        "contacts": "9",
        "encounters": "7",
        "arrests": "1",
        "no_arrest": "6",
        "services_provided": "6",
        "emergency_holds": "1",
        "ed_diversions": "6",
        "new_enrollments": "1",
        "officer_hours": "2.4",
    }
    [december] = _read(tmp_path / "co" / "colorado-2025-12.csv")
    assert (december["contacts"], december["arrests"], december["no_arrest"]) == ("1", "1", "0")
    [february] = _read(tmp_path / "co" / "colorado-2026-02.csv")
    assert (february["contacts"], february["encounters"], february["arrests"]) == ("1", "1", "0")
    manifest = json.loads((tmp_path / "co" / "manifest.json").read_text())
    assert manifest["sha256"] == exported.files
    assert sorted(manifest["columns"]) == sorted(HEADER)


def test_a_month_with_no_calls_is_reported_as_zeros_and_partial_months_say_so(
    program, facts, tmp_path
):
    write_state_export(
        tmp_path / "co",
        program=program,
        start=date(2026, 2, 10),
        end=date(2026, 3, 15),
        bring_up_to_date=False,
    )
    [february] = _read(tmp_path / "co" / "colorado-2026-02.csv")
    assert (february["period_start"], february["period_end"]) == ("2026-02-10", "2026-02-28")
    assert february["contacts"] == "1"  # c10 on 14 February
    [march] = _read(tmp_path / "co" / "colorado-2026-03.csv")
    assert (march["period_start"], march["period_end"]) == ("2026-03-01", "2026-03-15")
    assert [march[name] for name in HEADER[4:]] == ["0"] * 8 + ["0.0"]


def test_months_between_covers_each_month_touched():
    assert state_export.months_between(date(2025, 12, 30), date(2026, 2, 1)) == [
        (date(2025, 12, 30), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 1)),
    ]


def test_the_command_writes_it_and_logs_it(program, facts, tmp_path):
    out = io.StringIO()
    call_command(
        "export",
        "state",
        str(tmp_path / "co"),
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
        "--program",
        program.slug,
        stdout=out,
    )
    assert "2026-01  contacts      9  arrests    1  holds    1" in out.getvalue()
    assert sorted(p.name for p in (tmp_path / "co").iterdir()) == [
        "colorado-2026-01.csv",
        "manifest.json",
    ]
    [entry] = AuditEntry.objects.filter(action="analytics.state_export_made")
    assert entry.detail == {"from": "2026-01-01", "to": "2026-01-31", "months": 1, "via": "command"}


def test_refused_periods_and_folders_write_nothing(program, tmp_path):
    with pytest.raises(CommandError, match=r"--to \(2026-01-01\) is before --from"):
        call_command(
            "export", "state", str(tmp_path / "a"), "--from", "2026-02-01", "--to", "2026-01-01"
        )
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    with pytest.raises(StateExportRefused, match="not an empty folder"):
        write_state_export(busy, program=program, start=date(2026, 1, 1), end=date(2026, 1, 2))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy"]
    assert not AuditEntry.objects.filter(action="analytics.state_export_made").exists()
