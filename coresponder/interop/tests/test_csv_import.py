"""`coresponder import calls`: the real Seattle exports, bad rows, unreadable files, mappings."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from coresponder.accounts.models import Role
from coresponder.calls import actions as calls
from coresponder.calls.models import Call, CallState, Origin
from coresponder.core.models import AuditEntry
from coresponder.core.spreadsheet import neutralised
from coresponder.interop import csv_import, events
from coresponder.testing.shared_data import shared_data

pytestmark = pytest.mark.django_db

RAW = "seattle-call-data"
PROCESSED = "seattle-call-data-processed"
RAW_HEADER = (
    "CAD Event Number,Event Clearance Description,Call Type,Priority,Initial Call Type,"
    "Final Call Type,Original Time Queued,Arrived Time,Precinct,Sector,Beat,Blurred_Longitude,"
    "Blurred_Latitude"
)
# How SOURCE.txt counts the mental-health rows of the extracts.
MENTAL_HEALTH = re.compile(r"CRISIS|SUICID|BEHAVIORAL|MENTAL|OVERDOSE|ITA")


def run(path, mapping, agency, rejects, *extra) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(
        "import",
        "calls",
        str(path),
        "--mapping",
        str(mapping),
        "--agency",
        str(agency.pk),
        "--rejects",
        str(rejects),
        *extra,
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


def rejected_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def imports() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=events.CALLS_IMPORTED))


@pytest.fixture
def police(agencies):
    return agencies["law_enforcement"]


# (file, mapping, rows, mental-health rows as SOURCE.txt counts them, calls with concerns,
#  calls with screening)
SHIPPED = [
    ("db_call_data_2018-2023.csv", RAW, 222, 11, 17, 37),
    ("potential_db_calls_2010-2023.csv", PROCESSED, 1031, 19, 20, 169),
    ("potential_db_calls_2018-2023.csv", PROCESSED, 87, 5, 6, 13),
    ("potential_mad_beach_calls_2010-2023.csv", PROCESSED, 2706, 128, 133, 322),
    ("potential_madrona_calls_2010-2023.csv", PROCESSED, 446, 19, 23, 68),
]


@pytest.mark.parametrize(
    ("name", "mapping", "rows", "mental_health", "with_concerns", "with_screening"),
    SHIPPED,
    ids=[item[0] for item in SHIPPED],
)
def test_each_shipped_export_imports_with_its_mapping_and_again_rejects_every_row(
    police, tmp_path, name, mapping, rows, mental_health, with_concerns, with_screening
):
    path = shared_data(f"cad-calls-seattle/{name}")
    rejects = tmp_path / "rejected.csv"

    # when
    out, err = run(path, mapping, police, rejects)

    # then every row is a closed call of the program, triaged
    imported = Call.objects.filter(program=police.program)
    assert imported.count() == rows
    assert f"  read      {rows:>9,}" in out.splitlines()
    assert f"  imported  {rows:>9,}" in out.splitlines()
    assert f"  rejected  {0:>9,}" in out.splitlines()
    assert f"{name}: 100% " in err
    assert rejected_rows(rejects) == [["line", "reason", *next(csv.reader(path.open()))]]
    assert set(imported.values_list("origin", "state", "taken_by_agency")) == {
        (Origin.IMPORT, CallState.CLOSED, police.pk)
    }
    assert imported.exclude(concerns=[]).count() == with_concerns
    assert imported.exclude(screening=[]).count() == with_screening
    assert not imported.filter(triage_rule="").exists()
    # and every mental-health row got a concern, so triage decided on more than "otherwise"
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        number, initial, final = reader.fieldnames[0], reader.fieldnames[4], reader.fieldnames[5]
        crisis_ids = {
            row[number]
            for row in reader
            if MENTAL_HEALTH.search(row[initial]) or MENTAL_HEALTH.search(row[final])
        }
    assert len(crisis_ids) == mental_health
    crisis_calls = imported.filter(external_id__in=crisis_ids)
    assert crisis_calls.count() == mental_health
    assert [call.external_id for call in crisis_calls if not call.concerns] == []
    assert not crisis_calls.filter(triage_rule="otherwise").exists()
    # and one audit entry tells of the whole file
    (entry,) = imports()
    assert {key: entry.detail[key] for key in ("file", "mapping", "read", "imported")} == {
        "file": name,
        "mapping": mapping,
        "read": rows,
        "imported": rows,
    }

    # when the same file is imported again
    out, _err = run(path, mapping, police, rejects)

    # then every row is rejected as a duplicate, and nothing is written
    duplicate = f"{number} is already in the program."
    assert Call.objects.count() == rows
    assert f"  imported  {0:>9,}" in out.splitlines()
    assert f"    {rows:>9,}  {duplicate}" in out.splitlines()
    again = rejected_rows(rejects)
    assert len(again) == rows + 1
    assert {row[1] for row in again[1:]} == {duplicate}
    assert [int(row[0]) for row in again[1:]] == list(range(2, rows + 2))
    assert len(imports()) == 1


def test_a_raw_row_keeps_its_time_place_channel_and_call_types(police, tmp_path):
    path = shared_data("cad-calls-seattle/db_call_data_2018-2023.csv")

    run(path, RAW, police, tmp_path / "rejected.csv")

    call = Call.objects.get(external_id="2023000319821")
    # 11/04/2023 6:08:26 PM in Seattle, still on daylight time (UTC-7)
    assert call.received_at == datetime(2023, 11, 5, 1, 8, 26, tzinfo=UTC)
    assert call.reference.startswith("2023-")
    assert (call.source, call.latitude, call.longitude) == ("911", 47.6176603, -122.28112)
    assert call.address == "SPD beat C3 (EAST precinct, sector CHARLIE)"
    assert call.summary == (
        "Initial call type: BURN - RECKLESS BURNING. Final call type: --SUSPICIOUS CIRCUM. - "
        "SUSPICIOUS PERSON. Cleared: UNABLE TO LOCATE INCIDENT OR COMPLAINANT. SPD priority 2."
    )
    assert (call.concerns, call.screening, call.triage_rule) == ([], [], "otherwise")
    assert (call.taken_by, call.person, call.closed_at, call.override_reason) == (
        None,
        None,
        None,
        "",
    )

    suicide_and_overdose = Call.objects.get(external_id="2020000218163")
    assert (suicide_and_overdose.concerns, suicide_and_overdose.screening) == (
        ["suicidal", "substance_use"],
        ["medical_emergency", "attempt_in_progress"],
    )
    assert (
        suicide_and_overdose.response,
        suicide_and_overdose.priority,
        suicide_and_overdose.triage_rule,
    ) == ("ems", 1, "medical-emergency")

    by_phone_line = Call.objects.get(external_id="2021000291990")
    assert by_phone_line.source == "non_emergency"
    assert by_phone_line.received_at == datetime(2021, 11, 3, 18, 56, 59, tzinfo=UTC)
    assert (by_phone_line.concerns, by_phone_line.triage_rule) == (
        ["suicidal", "welfare_check"],
        "suicidal-or-self-harm",
    )


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


GOOD_ROW = (
    "{id},ASSISTANCE RENDERED,911,2,PERSON IN BEHAVIORAL/EMOTIONAL CRISIS,--CRISIS COMPLAINT - "
    "GENERAL,{queued},,EAST,CHARLIE,C3,-122.28112,47.6176603"
)


def row(number: str = "2023000000001", queued: str = "11/04/2023 6:08:26 PM", **changes) -> str:
    text = GOOD_ROW.format(id=number, queued=queued)
    for old, new in changes.items():
        text = text.replace(old.replace("_", " "), new)
    return text


def test_bad_rows_go_to_the_rejects_file_with_line_and_reason_and_good_rows_are_imported(
    police, tmp_path
):
    # given
    lines = [
        RAW_HEADER,
        row("2023000000001"),  # 2: good
        row("2023000000002", queued="13/45/2023 6:08:26 PM"),  # 3: no such date
        row("2023000000003").replace("-122.28112,47.6176603", "east,north"),  # 4
        row("2023000000004").replace("47.6176603", "147.5"),  # 5: off the globe
        row(""),  # 6: no event number
        row("2023000000001", queued="11/05/2023 9:00:00 AM"),  # 7: repeats line 2
        row("2023000000007", queued="01/01/2999 1:00:00 AM"),  # 8: in the future
        "2023000000008,ASSISTANCE RENDERED,911",  # 9: cut short
        row("2023000000009").replace(
            "--CRISIS COMPLAINT - GENERAL", '"--CRISIS COMPLAINT,\nSECOND LINE"'
        ),  # 10-11: one good row on two lines
        row("2023000000010", queued="02/01/2022 3:04:05 AM"),  # 12: good
        row("2023000000011").replace("-122.28112,47.6176603", "nan,inf"),  # 13
    ]
    path = write(tmp_path / "calls.csv", "\r\n".join(lines) + "\r\n")
    rejects = tmp_path / "rejected.csv"

    # when
    out, _err = run(path, RAW, police, rejects)

    # then
    assert sorted(Call.objects.values_list("external_id", flat=True)) == [
        "2023000000001",
        "2023000000009",
        "2023000000010",
    ]
    rejected = rejected_rows(rejects)
    assert rejected[0] == ["line", "reason", *RAW_HEADER.split(",")]
    assert [(int(line), reason) for line, reason, *_cells in rejected[1:]] == [
        (
            3,
            "Original Time Queued is not a date and time in the format %m/%d/%Y %I:%M:%S %p.",
        ),
        (4, "Blurred_Latitude is not a number. Blurred_Longitude is not a number."),
        (5, "Blurred_Latitude: Latitude is between -90 and 90."),
        (6, "CAD Event Number is empty."),
        (7, "CAD Event Number repeats an earlier row of this file."),
        (8, "Original Time Queued: In the future: what has happened cannot be later than now."),
        (9, "The row has 3 fields; the header has 13."),
        (13, "Blurred_Latitude is not a number. Blurred_Longitude is not a number."),
    ]
    # the original row, as it was, but cells a spreadsheet would run behind a quote
    assert rejected[2][2:] == [neutralised(cell) for cell in next(csv.reader([lines[3]]))]
    assert rejected[2][7] == "'--CRISIS COMPLAINT - GENERAL"
    assert rejected[7][2:] == ["2023000000008", "ASSISTANCE RENDERED", "911"]
    summary = out.splitlines()
    assert "  read             11" in summary
    assert "  imported          3" in summary
    assert "  rejected          8" in summary
    assert (
        "            2  Blurred_Latitude is not a number. Blurred_Longitude is not a number."
        in (summary)
    )
    (entry,) = imports()
    assert (entry.detail["read"], entry.detail["imported"], entry.detail["rejected"]) == (11, 3, 8)
    assert entry.agency_name == police.name
    two_lines = Call.objects.get(external_id="2023000000009")
    assert "Final call type: --CRISIS COMPLAINT,\nSECOND LINE." in two_lines.summary


def test_a_field_over_the_csv_limit_rejects_its_row_only(police, tmp_path):
    # given a 1 MB narrative on one line, and a 200 KiB one in quotes over several lines
    narrative = "word " * 200_000
    long_quoted = '"' + ('He said ""go"",\nthen left. ' * 8_000) + '"'
    lines = [
        RAW_HEADER,
        row("2023000000001"),  # 2
        row("2023000000002").replace("ASSISTANCE RENDERED", narrative),  # 3
        row("2023000000003"),  # 4
        row("2023000000004").replace("ASSISTANCE RENDERED", long_quoted),  # 5 to 8,004
        row("2023000000005"),  # 8,005
    ]
    path = write(tmp_path / "calls.csv", "\r\n".join(lines) + "\r\n")
    rejects = tmp_path / "rejected.csv"

    # when
    out, _err = run(path, RAW, police, rejects)

    # then the other rows are imported, and each long row is rejected with its line
    assert sorted(Call.objects.values_list("external_id", flat=True)) == [
        "2023000000001",
        "2023000000003",
        "2023000000005",
    ]
    reason = (
        "A field is longer than 131,072 characters, the most a CSV field may hold here "
        "(or a quote is left open)."
    )
    assert [(int(line), why, cells) for line, why, *cells in rejected_rows(rejects)[1:]] == [
        (3, reason, []),
        (5, reason, []),
    ]
    assert "  read              5" in out.splitlines()
    assert "  rejected          2" in out.splitlines()


def test_a_latin1_file_rejects_the_rows_it_cannot_read_and_imports_with_its_encoding(
    police, tmp_path
):
    # given a Latin-1 file: two rows have a letter UTF-8 cannot read, two are plain ASCII
    lines = [
        RAW_HEADER,
        row("2023000000001"),  # 2
        row("2023000000002").replace("CHARLIE", "CHARLIÉ"),  # 3
        row("2023000000003"),  # 4
        row("2023000000004").replace("EAST", "NORD-EST Ç"),  # 5
    ]
    path = write(tmp_path / "calls.csv", "\r\n".join(lines) + "\r\n", encoding="latin-1")
    rejects = tmp_path / "rejected.csv"

    # when it is imported with a UTF-8 mapping
    run(path, RAW, police, rejects)

    # then each row that is not UTF-8 is rejected, with the column and the byte, and the
    # rest is imported
    assert sorted(Call.objects.values_list("external_id", flat=True)) == [
        "2023000000001",
        "2023000000003",
    ]
    rejected = rejected_rows(rejects)
    assert [(int(line), why) for line, why, *_cells in rejected[1:]] == [
        (
            3,
            "Sector is not utf-8-sig text (byte 0xC9): set encoding in the mapping to the "
            "file's, such as cp1252 or latin-1.",
        ),
        (
            5,
            "Precinct is not utf-8-sig text (byte 0xC7): set encoding in the mapping to the "
            "file's, such as cp1252 or latin-1.",
        ),
    ]
    # the row as it was, the bytes it could not read shown as replacement characters
    assert rejected[1][11] == "CHARLI\ufffd"

    # when the mapping says the file's encoding
    mapping = write(
        tmp_path / "latin1.toml",
        csv_import.mapping_path(RAW).read_text().replace('"utf-8-sig"', '"latin-1"'),
    )
    Call.objects.all().delete()
    run(path, mapping, police, rejects)

    # then every row is imported, its letters read
    assert Call.objects.count() == 4
    assert Call.objects.get(external_id="2023000000002").address == (
        "SPD beat C3 (EAST precinct, sector CHARLIÉ)"
    )
    assert rejected_rows(rejects)[1:] == []


def test_a_file_whose_header_is_not_in_the_mapping_encoding_imports_nothing(police, tmp_path):
    path = write(
        tmp_path / "calls.csv",
        RAW_HEADER.replace("Beat", "Beat\xff").encode("latin-1") + b"\r\n" + row().encode(),
    )
    rejects = tmp_path / "rejected.csv"

    with pytest.raises(CommandError) as refused:
        run(path, RAW, police, rejects)

    assert str(refused.value) == (
        "The header row is not utf-8-sig text (byte 0xFF). Nothing was imported; set "
        "encoding in the mapping to the file's, such as cp1252 or latin-1."
    )
    assert not Call.objects.exists()
    assert imports() == []
    assert list(tmp_path.iterdir()) == [path]


def test_a_file_without_a_column_the_mapping_reads_imports_nothing(police, tmp_path):
    header = RAW_HEADER.replace("Original Time Queued", "Time Queued")
    path = write(tmp_path / "calls.csv", header + "\n" + row() + "\n")

    with pytest.raises(CommandError) as refused:
        run(path, RAW, police, tmp_path / "rejected.csv")

    assert str(refused.value).startswith(
        "The file has no column 'Original Time Queued', which the mapping seattle-call-data "
        "reads. Its columns are: 'CAD Event Number', "
    )
    assert not Call.objects.exists()
    assert imports() == []
    assert not (tmp_path / "rejected.csv").exists()


def test_an_empty_file_imports_nothing(police, tmp_path):
    path = write(tmp_path / "calls.csv", "")

    with pytest.raises(CommandError, match="The file is empty"):
        run(path, RAW, police, tmp_path / "rejected.csv")

    assert not Call.objects.exists()


def test_an_import_interrupted_midway_leaves_nothing_behind(police, tmp_path, monkeypatch):
    # given an import that has written two batches when the operator presses Ctrl-C
    path = shared_data("cad-calls-seattle/potential_mad_beach_calls_2010-2023.csv")
    monkeypatch.setattr(csv_import, "BATCH", 500)
    flushes, flush = [], csv_import._Importer.flush

    def flush_then_interrupt(importer):
        flush(importer)
        flushes.append(Call.objects.count())
        if len(flushes) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(csv_import._Importer, "flush", flush_then_interrupt)

    # when
    with pytest.raises(CommandError, match=r"Interrupted\. Nothing was imported\.") as stopped:
        run(path, PROCESSED, police, tmp_path / "rejected.csv")

    # then what the batches wrote was rolled back with the rest
    assert flushes == [500, 1000]
    assert stopped.value.returncode == 130
    assert not Call.objects.exists()
    assert imports() == []
    assert list(tmp_path.iterdir()) == []


def test_a_dry_run_checks_every_row_and_writes_nothing(police, tmp_path):
    path = write(tmp_path / "calls.csv", "\n".join([RAW_HEADER, row("1"), row("")]) + "\n")

    out, _err = run(path, RAW, police, tmp_path / "rejected.csv", "--dry-run")

    assert out.splitlines()[0].startswith("Dry run, nothing imported: calls.csv")
    assert "  imported          1 (would be)" in out.splitlines()
    assert [line for line, *_rest in rejected_rows(tmp_path / "rejected.csv")] == ["line", "3"]
    assert not Call.objects.exists()
    assert imports() == []


def test_calls_triage_would_resolve_by_phone_are_stored_as_resolved_by_phone(
    police, tmp_path, make_user
):
    # given a program whose rules resolve crisis calls on the non-emergency line by phone
    calls.change_rules(
        police.program,
        rules=[
            {
                "key": "line-crisis-by-phone",
                "response": "phone_resolution",
                "priority": 4,
                "when": {"any_concern": ["welfare_check"], "source_in": ["non_emergency"]},
                "says": "A crisis on the non-emergency line is talked through on the phone.",
            },
            {"key": "otherwise", "response": "co_responder", "priority": 3, "says": "Send."},
        ],
        note="Phone first",
        acting_user=make_user(Role.ADMINISTRATOR),
    )
    path = write(
        tmp_path / "calls.csv",
        "\n".join([RAW_HEADER, row("1"), row("2").replace(",911,", ',"TELEPHONE OTHER, NOT 911",')])
        + "\n",
    )

    run(path, RAW, police, tmp_path / "rejected.csv")

    assert sorted(
        Call.objects.values_list("external_id", "source", "state", "response", "rule_set__version")
    ) == [
        ("1", "911", CallState.CLOSED, "co_responder", 2),
        ("2", "non_emergency", CallState.RESOLVED_BY_PHONE, "phone_resolution", 2),
    ]


def test_another_vendors_export_needs_only_its_own_mapping(police, tmp_path):
    # given a semicolon export with ISO times, street addresses and no coordinates
    mapping = write(
        tmp_path / "county.toml",
        """
description = "County CAD, nightly export"
delimiter = ";"

[external_id]
column = "incident"

[received_at]
column = "created"
format = "iso"
time_zone = "America/Chicago"

[source]
value = "911"

[address]
column = "location"

[summary]
template = "Nature: {nature}"

[classify]
columns = ["nature"]

[[classify.rules]]
match = 'EDP|MENTAL'
concerns = ["psychosis_disorientation"]
""",
    )
    path = write(
        tmp_path / "county.csv",
        "incident;created;nature;location\n"
        "C-1;2024-02-03T04:05:06;EDP;100 Main St\n"
        "C-2;2024-02-03T10:00:00+00:00;NOISE;\n",
    )
    rejects = tmp_path / "rejected.csv"

    run(path, mapping, police, rejects)

    call = Call.objects.get()
    assert (call.external_id, call.received_at, call.address, call.summary) == (
        "C-1",
        datetime(2024, 2, 3, 10, 5, 6, tzinfo=UTC),
        "100 Main St",
        "Nature: EDP",
    )
    assert (call.concerns, call.triage_rule) == (
        ["psychosis_disorientation"],
        "psychosis-or-substance",
    )
    assert [(line, reason) for line, reason, *_cells in rejected_rows(rejects)[1:]] == [
        ("3", "location: Say where: an address, a place or coordinates.")
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("external_id = [", "is not valid TOML"),
        ("[external_id]\ncolumn = 'n'\n", "[received_at] is missing"),
        ("[external_id]\ncolum = 'x'\n", "[external_id]: unknown key colum; use column."),
        (
            "[external_id]\ncolumn = 'n'\n"
            "[received_at]\ncolumn = 't'\nformat = '%Y'\ntime_zone = 'Mars/Olympus'\n",
            "unknown time zone 'Mars/Olympus'",
        ),
        (
            "[external_id]\ncolumn = 'n'\n[received_at]\ncolumn = 't'\nformat = 'yyyy-mm-dd'\n",
            "has no % directive",
        ),
        (
            "[external_id]\ncolumn = 'n'\n[received_at]\ncolumn = 't'\nformat = '%m/%d %H:%M'\n",
            "has no year (%Y or %y): a call needs at least its year.",
        ),
        (
            "[external_id]\ncolumn = 'n'\n[received_at.parts]\nmonth = 'm'\nhour = 'h'\n",
            "[received_at].parts needs the year",
        ),
        (
            "[external_id]\ncolumn = 'n'\n[received_at.parts]\nyear = 'y'\nminute = 'm'\n",
            "a minute needs its hour",
        ),
        (
            "[external_id]\ncolumn = 'n'\n[received_at.parts]\nyear = 'y'\nseason = 's'\n",
            "unknown part season; use year, month, day, hour, minute, weekday.",
        ),
        (
            "[external_id]\ncolumn = 'n'\n[received_at]\ncolumn = 't'\nformat = '%Y'\n"
            "[received_at.parts]\nyear = 'y'\n",
            "give one of column (with format), columns",
        ),
        (
            "[external_id]\ncolumn = 'n'\n"
            "[received_at]\ncolumn = 't'\nformat = '%Y'\n[source]\ncolumn = 'c'\n"
            "[source.values]\nPAGER = 'pager'\n",
            "unknown source 'pager'",
        ),
        (
            "[received_at]\ncolumn = 't'\nformat = '%Y'\n[source]\nvalue = '911'\n"
            "[external_id]\ncolumn = 'n'\n[address]\ncolumn = 'a'\n"
            "[classify]\ncolumns = ['t']\n[[classify.rules]]\nmatch = 'X'\n"
            "concerns = ['feelings']\n",
            "unknown concerns feelings",
        ),
        (
            "[received_at]\ncolumn = 't'\nformat = '%Y'\n[source]\nvalue = '911'\n"
            "[external_id]\ncolumn = 'n'\n[address]\ncolumn = 'a'\n"
            "[classify]\ncolumns = ['t']\n[[classify.rules]]\nmatch = 'SUICID('\n"
            "concerns = ['suicidal']\n",
            "not a valid regular expression",
        ),
        (
            "[received_at]\ncolumn = 't'\nformat = '%Y'\n[source]\nvalue = '911'\n"
            "[external_id]\ncolumn = 'n'\n",
            "say where calls were",
        ),
        (
            "[received_at]\ncolumn = 't'\nformat = '%Y'\n[source]\nvalue = '911'\n"
            "[external_id]\ncolumn = 'n'\n[address]\ncolumn = 'a'\n"
            "[classify]\ncolumns = ['t']\nrules_file = 'ours.toml'\n",
            "ours.toml does not exist",
        ),
    ],
)
def test_a_broken_mapping_is_refused_with_the_reason_before_any_row_is_read(
    police, tmp_path, text, reason
):
    mapping = write(tmp_path / "broken.toml", text)
    never_read = tmp_path / "absent.csv"  # the file is not even looked at

    with pytest.raises(CommandError) as refused:
        run(never_read, mapping, police, tmp_path / "rejected.csv")

    message = str(refused.value)
    assert message.startswith("The mapping cannot be used: ")
    assert reason in message
    assert message.endswith("Nothing was imported.")
    assert not Call.objects.exists()


def test_an_unknown_mapping_name_lists_the_shipped_ones(police, tmp_path):
    with pytest.raises(CommandError) as refused:
        run(tmp_path / "x.csv", "seattle", police, tmp_path / "r.csv")

    assert "No mapping is named 'seattle'; shipped: police-crisis-data, seattle-call-data, " in (
        str(refused.value)
    )
    assert "seattle-call-data-processed" in str(refused.value)


def test_the_shipped_mappings_and_rules_load():
    assert csv_import.shipped_mappings() == ["police-crisis-data", RAW, PROCESSED]
    for name in csv_import.shipped_mappings():
        mapping = csv_import.load_mapping(name)
        assert mapping.rules
        assert mapping.outcomes
    assert csv_import.load_mapping(RAW).time_zone == "America/Los_Angeles"
    assert csv_import.load_mapping("police-crisis-data").time_zone is None  # the program's


def test_an_agency_is_named_by_id_or_by_a_name_that_is_unique(police, tmp_path):
    path = write(tmp_path / "calls.csv", RAW_HEADER + "\n" + row("1") + "\n")

    with pytest.raises(CommandError, match="No agency is named 'Nobody'"):
        call_command(
            "import", "calls", str(path), "--mapping", RAW, "--agency", "Nobody", stdout=StringIO()
        )
    out = StringIO()
    call_command(
        "import",
        "calls",
        str(path),
        "--mapping",
        RAW,
        "--agency",
        police.name,
        "--rejects",
        str(tmp_path / "r.csv"),
        stdout=out,
        stderr=StringIO(),
    )
    assert Call.objects.get().taken_by_agency == police


def test_the_rejects_file_makes_cells_a_spreadsheet_would_run_text(police, tmp_path):
    # given a rejected row whose cells start like formulas
    bad = row("2023000000002", queued="13/45/2023 6:08:26 PM").replace(
        ",EAST,", ",=cmd|' /C calc'!A0,"
    )
    path = write(tmp_path / "calls.csv", f"{RAW_HEADER}\r\n{bad}\r\n")
    rejects = tmp_path / "rejected.csv"

    # when it is imported
    run(path, RAW, police, rejects)

    # then the rejects file holds those cells as text, each behind a quote
    (rejected,) = rejected_rows(rejects)[1:]
    cells = dict(zip(RAW_HEADER.split(","), rejected[2:], strict=True))
    assert cells["Precinct"] == "'=cmd|' /C calc'!A0"
    assert cells["Final Call Type"] == "'--CRISIS COMPLAINT - GENERAL"
    assert cells["Blurred_Longitude"] == "'-122.28112"
    assert cells["Call Type"] == "911"
    assert not Call.objects.exists()


CRISIS_HEADER = "Event ID,Year,Month,Weekday,Hour,Event Type,Neighborhood,Apprehension"
CRISIS_MAPPING = """
description = "A published police crisis dataset: year, month, weekday and hour only"

[external_id]
column = "Event ID"

[received_at]
time_zone = "America/New_York"
[received_at.parts]
year = "Year"
month = "Month"
weekday = "Weekday"
hour = "Hour"

[source]
value = "911"

[address]
column = "Neighborhood"

[summary]
template = "Event type: {Event Type}."
"""


def test_a_time_made_of_year_month_weekday_and_hour_keeps_its_precision(police, tmp_path):
    # given an export that says only the year, the month, the weekday and the hour
    mapping = write(tmp_path / "crisis.toml", CRISIS_MAPPING)
    path = write(
        tmp_path / "crisis.csv",
        "\n".join(
            [
                CRISIS_HEADER,
                "E1,2021,3,Tuesday,14,Crisis,Downtown,No",  # 2
                "E2,2021,March,Sat,0,Crisis,Downtown,Yes",  # 3
                "E3,2021,13,Tuesday,14,Crisis,Downtown,No",  # 4: no such month
                "E4,2021,3,Funday,24,Crisis,Downtown,No",  # 5
                "E5,,3,Tuesday,14,Crisis,Downtown,No",  # 6
                "E6,2021.0,12.0,Wed,9,Crisis,Uptown,No",  # 7: a spreadsheet's numbers
            ]
        )
        + "\n",
    )
    rejects = tmp_path / "rejected.csv"

    # when
    run(path, mapping, police, rejects)

    # then each call stands at the start of its month on the program's calendar (the
    # mapping's New York clock is for times with an hour), known to the month,
    # with the weekday and hour beside it
    calls = {call.external_id: call for call in Call.objects.all()}
    assert sorted(calls) == ["E1", "E2", "E6"]
    first = calls["E1"]
    # March is a span of the program's calendar: from midnight in Denver.
    assert first.received_at == datetime(2021, 3, 1, 7, 0, tzinfo=UTC)
    assert (first.received_precision, first.received_weekday, first.received_hour) == (
        "month",
        1,
        14,
    )
    assert (calls["E2"].received_weekday, calls["E2"].received_hour) == (5, 0)
    assert calls["E6"].received_at == datetime(2021, 12, 1, 7, 0, tzinfo=UTC)
    assert (calls["E6"].received_weekday, calls["E6"].received_hour) == (2, 9)
    assert [(int(line), why) for line, why, *_cells in rejected_rows(rejects)[1:]] == [
        (4, "Month is not a month (1 to 12, or its name)."),
        (
            5,
            "Weekday is not a weekday (Monday to Sunday, or Mon to Sun). Hour is not an hour "
            "(0 to 23).",
        ),
        (6, "Year is empty."),
    ]


@pytest.mark.parametrize(
    ("received_at", "header", "cells", "at", "precision"),
    [
        (
            'columns = ["Date", "Time"]\nformat = "%Y-%m-%d %H:%M"',
            "Date,Time",
            "2022-07-04,21:30",
            datetime(2022, 7, 5, 4, 30, tzinfo=UTC),
            "minute",
        ),
        (
            'columns = ["Date", "Time"]\nformat = "%m/%d/%Y %H"',
            "Date,Time",
            "07/04/2022,21",
            datetime(2022, 7, 5, 4, 0, tzinfo=UTC),
            "hour",
        ),
        (
            'column = "Year"\nformat = "%Y"',
            "Year",
            "2019",
            # A year, a month or a day is a span of the program's calendar (Denver), not
            # of the export's clock: only times with an hour are read in Los Angeles.
            datetime(2019, 1, 1, 7, tzinfo=UTC),
            "year",
        ),
        (
            'column = "When"\nformat = "iso"',
            "When",
            "2022-07-04",
            datetime(2022, 7, 4, 6, tzinfo=UTC),
            "day",
        ),
        (
            'column = "When"\nformat = "iso"',
            "When",
            "2022-07-04T21:30:15",
            datetime(2022, 7, 5, 4, 30, 15, tzinfo=UTC),
            "minute",
        ),
        (
            '[received_at.parts]\nyear = "Y"\nmonth = "M"\nday = "D"\nhour = "H"\n'
            'minute = "Min"\nweekday = "W"',
            "Y,M,D,H,Min,W",
            "2022,7,4,21,30,Monday",
            datetime(2022, 7, 5, 4, 30, tzinfo=UTC),
            "minute",
        ),
        (
            '[received_at.parts]\nyear = "Y"\nmonth = "M"\nday = "D"',
            "Y,M,D",
            "2022,Jul,4",
            datetime(2022, 7, 4, 6, tzinfo=UTC),
            "day",
        ),
    ],
)
def test_a_mapping_composes_the_time_from_its_columns_and_says_how_precise_it_is(
    police, tmp_path, received_at, header, cells, at, precision
):
    mapping = write(
        tmp_path / "m.toml",
        f"""
[external_id]
column = "Id"
[received_at]
time_zone = "America/Los_Angeles"
{received_at}
[source]
value = "911"
[address]
column = "Where"
""",
    )
    path = write(tmp_path / "calls.csv", f"Id,Where,{header}\nA1,Main St,{cells}\n")

    run(path, mapping, police, tmp_path / "rejected.csv")

    call = Call.objects.get()
    assert (call.received_at, call.received_precision) == (at, precision)
    assert (call.received_weekday, call.received_hour) == (None, None)


def test_a_weekday_that_contradicts_the_date_rejects_the_row(police, tmp_path):
    mapping = write(
        tmp_path / "m.toml",
        """
[external_id]
column = "Id"
[received_at]
time_zone = "America/Los_Angeles"
[received_at.parts]
year = "Y"
month = "M"
day = "D"
weekday = "W"
[source]
value = "911"
[address]
column = "Where"
""",
    )
    path = write(
        tmp_path / "calls.csv",
        "Id,Where,Y,M,D,W\nA1,Main,2022,7,4,Tuesday\nA2,Main,2022,2,30,Mon\n",
    )
    rejects = tmp_path / "rejected.csv"

    run(path, mapping, police, rejects)

    assert not Call.objects.exists()
    assert [(int(line), why) for line, why, *_cells in rejected_rows(rejects)[1:]] == [
        (2, "W says Tuesday, but that date is a Monday."),
        (3, "Y, M, D, W do not make a date."),
    ]


def test_the_processed_seattle_extract_is_known_to_the_day(police, tmp_path):
    path = shared_data("cad-calls-seattle/potential_db_calls_2018-2023.csv")

    run(path, PROCESSED, police, tmp_path / "rejected.csv")

    assert set(Call.objects.values_list("received_precision", flat=True)) == {"day"}


def test_a_call_known_only_to_its_month_reads_so_on_its_page(
    police, tmp_path, client, make_user, sign_in
):
    mapping = write(tmp_path / "crisis.toml", CRISIS_MAPPING)
    path = write(
        tmp_path / "crisis.csv", CRISIS_HEADER + "\nE1,2021,3,Tuesday,14,Crisis,Downtown,No\n"
    )
    run(path, mapping, police, tmp_path / "rejected.csv")
    sign_in(make_user(Role.DISPATCHER))

    response = client.get(f"/calls/{Call.objects.get().pk}/")

    assert response.status_code == 200
    received = re.search(r'data-testid="received">(.*?)</dd>', response.content.decode())[1]
    assert re.sub(r"<[^>]+>", "", received) == "March 2021 (only the month is known)"


def test_the_seattle_clearance_travels_with_each_call_as_its_outcome(police, tmp_path):
    path = shared_data("cad-calls-seattle/db_call_data_2018-2023.csv")

    run(path, RAW, police, tmp_path / "rejected.csv")

    call = Call.objects.get(external_id="2023000319821")
    assert (call.reported_disposition, call.reported_outcome) == (
        "unable_to_locate",
        "Event Clearance Description: UNABLE TO LOCATE INCIDENT OR COMPLAINANT",
    )
    # every clearance of the sample is mapped: to a disposition, other, or no outcome
    with path.open(newline="", encoding="utf-8-sig") as handle:
        clearances = Counter(row["Event Clearance Description"] for row in csv.DictReader(handle))
    outcomes = Counter(Call.objects.values_list("reported_disposition", flat=True))
    assert outcomes["arrest"] == clearances["PHYSICAL ARREST MADE"]
    assert outcomes["citation"] == clearances["CITATION ISSUED (CRIMINAL OR NON-CRIMINAL)"]
    assert sum(outcomes.values()) == 222
    assert outcomes[""] == sum(
        clearances[words]
        for words in (
            "RESPONDING UNIT(S) CANCELLED BY RADIO",
            "DUPLICATED OR CANCELLED BY RADIO",
            "FALSE COMPLAINT/UNFOUNDED",
            "RADIO BROADCAST AND CLEAR",
            "PRIORITY CALL HANDLING",
        )
    )
    assert not Call.objects.filter(reported_disposition="", reported_outcome__gt="").exists()


def test_outcome_columns_map_to_dispositions_keeping_the_export_s_words(police, tmp_path):
    # given a crisis dataset's yes/no apprehension flag, and a second outcome column
    mapping = write(
        tmp_path / "crisis.toml",
        CRISIS_MAPPING.replace(",Apprehension", "")
        + """
[[outcome]]
column = "Apprehension"
[outcome.values]
"Yes" = "emergency_hold"
"No" = ""

[[outcome]]
column = "Arrest"
default = "other"
[outcome.values]
"Y" = "arrest"
""",
    )
    path = write(
        tmp_path / "crisis.csv",
        "\n".join(
            [
                CRISIS_HEADER + ",Arrest",
                "E1,2021,3,Tuesday,14,Crisis,Downtown,Yes,N",  # 2: held
                "E2,2021,3,Tuesday,15,Crisis,Downtown,No,Y",  # 3: arrested
                "E3,2021,3,Tuesday,16,Crisis,Downtown,No,N",  # 4: neither: other
                "E4,2021,3,Tuesday,17,Crisis,Downtown,,",  # 5: nothing said
                "E5,2021,3,Tuesday,18,Crisis,Downtown,Maybe,N",  # 6
            ]
        )
        + "\n",
    )
    rejects = tmp_path / "rejected.csv"

    run(path, mapping, police, rejects)

    assert dict(Call.objects.values_list("external_id", "reported_disposition")) == {
        "E1": "emergency_hold",
        "E2": "arrest",
        "E3": "other",
        "E4": "",
    }
    assert Call.objects.get(external_id="E1").reported_outcome == "Apprehension: Yes; Arrest: N"
    assert Call.objects.get(external_id="E4").reported_outcome == ""

    assert [(int(line), why) for line, why, *_cells in rejected_rows(rejects)[1:]] == [
        (6, "Apprehension has a value the mapping does not list."),
    ]


def test_an_imported_outcome_reads_as_reported_on_the_call_page(
    police, tmp_path, client, make_user, sign_in
):
    run(
        shared_data("cad-calls-seattle/db_call_data_2018-2023.csv"), RAW, police, tmp_path / "r.csv"
    )
    sign_in(make_user(Role.DISPATCHER))

    response = client.get(f"/calls/{Call.objects.get(external_id='2023000319821').pk}/")

    shown = re.search(r'data-testid="reported-outcome">(.*?)</dd>', response.content.decode())[1]
    assert re.sub(r"<[^>]+>", "", shown) == (
        "unable to locate · Event Clearance Description: UNABLE TO LOCATE INCIDENT OR "
        "COMPLAINANT (by a CAD or an export, not an encounter documented here)"
    )


def test_an_outcome_mapped_to_no_disposition_of_the_program_is_refused(police, tmp_path):
    mapping = write(
        tmp_path / "m.toml",
        CRISIS_MAPPING + '[outcome]\ncolumn = "Apprehension"\n[outcome.values]\nYes = "jail"\n',
    )

    with pytest.raises(CommandError) as refused:
        run(tmp_path / "absent.csv", mapping, police, tmp_path / "rejected.csv")

    assert "[outcome] values.'Yes': unknown disposition 'jail'; use resolved_on_scene, " in str(
        refused.value
    )
    assert 'unable_to_locate, other, or "" for no outcome.' in str(refused.value)


def test_the_readme_shows_the_shipped_crisis_mapping(tmp_path):
    # The README's example is the shipped mapping, less its comments and its one extra rule.
    readme = (Path(csv_import.__file__).parents[2] / "README.md").read_text()
    block = re.search(r"```toml\n(description = \"Police crisis calls.*?)```", readme, re.S)[1]
    shown = csv_import.load_mapping(str(write(tmp_path / "readme.toml", block)))
    shipped = csv_import.load_mapping("police-crisis-data")
    for part in ("description", "external_id", "received", "source_value", "texts"):
        assert getattr(shown, part) == getattr(shipped, part), part
    assert shown.outcomes == shipped.outcomes
    assert shown.classify_columns == shipped.classify_columns
