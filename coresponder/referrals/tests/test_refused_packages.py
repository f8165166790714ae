"""Malformed HSDS packages are refused with every reason, and nothing is written."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from coresponder.core.models import AuditEntry
from coresponder.referrals import events
from coresponder.referrals.actions import PackageRefused, import_hsds_package

from .conftest import row_counts, snapshot

pytestmark = pytest.mark.django_db

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def rewrite(path: Path, change) -> None:
    """Reads a CSV file, lets `change(header, rows)` alter it in place, writes it back."""
    with path.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    change(header, rows)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])


def set_cell(path: Path, column: str, value: str) -> None:
    def change(header, rows):
        rows[0][header.index(column)] = value

    rewrite(path, change)


def drop_column(path: Path, column: str) -> None:
    def change(header, rows):
        index = header.index(column)
        for row in [header, *rows]:
            del row[index]

    rewrite(path, change)


def to_latin_1(path: Path) -> None:
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))


BREAKAGES = {
    "missing required column": (
        lambda package: drop_column(package / "services.csv", "status"),
        "services.csv: lacks the required column status",
    ),
    "bad recurrence rule": (
        lambda package: set_cell(package / "schedules.csv", "byday", "TH,XX"),
        "schedules.csv, line 2: byday has 'XX', not a weekday of RFC 5545 (MO, TU, WE, TH, "
        "FR, SA, SU, optionally after an ordinal such as 1MO or -1FR)",
    ),
    "unknown recurrence frequency": (
        lambda package: set_cell(package / "schedules.csv", "freq", "FORTNIGHTLY"),
        "schedules.csv, line 2: freq is 'FORTNIGHTLY', not one of WEEKLY, MONTHLY",
    ),
    "unknown foreign key": (
        lambda package: set_cell(package / "service_at_location.csv", "service_id", UNKNOWN),
        f"service_at_location.csv, line 2: service_id {UNKNOWN} names no service in the package",
    ),
    "wrong encoding": (
        # services.csv says "£50"; in Latin-1 the pound sign is the byte 0xa3
        lambda package: to_latin_1(package / "services.csv"),
        "services.csv: is not UTF-8 text (byte 0xa3 on line 2); HSDS files are UTF-8",
    ),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_malformed_package_is_refused_with_its_reason_and_nothing_written(
    breakage, csv_copy, program
):
    # given the shared example, broken in one way
    breaking, reason = BREAKAGES[breakage]
    breaking(csv_copy)

    # when
    with pytest.raises(PackageRefused) as refused:
        import_hsds_package(csv_copy, program=program)

    # then the one error is the reason, and nothing was written
    assert [str(problem) for problem in refused.value.errors] == [reason]
    assert refused.value.message == "The package was refused with 1 problem. Nothing was imported."
    assert sum(row_counts(program).values()) == 0
    assert not AuditEntry.objects.filter(action=events.DIRECTORY_IMPORTED).exists()


def test_every_reason_of_a_package_broken_in_every_way_is_reported(csv_copy, program):
    # given a directory already imported, and the package broken in four ways at once
    import_hsds_package(csv_copy, program=program)
    before = snapshot(program)
    drop_column(csv_copy / "addresses.csv", "city")
    set_cell(csv_copy / "schedules.csv", "byday", "TH,XX")
    set_cell(csv_copy / "service_at_location.csv", "service_id", UNKNOWN)
    set_cell(csv_copy / "required_documents.csv", "document", "Pièce d'identité")
    to_latin_1(csv_copy / "required_documents.csv")

    # when
    with pytest.raises(PackageRefused) as refused:
        import_hsds_package(csv_copy, program=program)

    # then
    assert [str(problem) for problem in refused.value.errors] == [
        BREAKAGES["bad recurrence rule"][1],
        "addresses.csv: lacks the required column city",
        "required_documents.csv: is not UTF-8 text (byte 0xe8 on line 2); HSDS files are UTF-8",
        f"service_at_location.csv, line 2: service_id {UNKNOWN} names no service in the package",
    ]
    assert refused.value.message == "The package was refused with 4 problems. Nothing was imported."
    assert snapshot(program) == before
    assert AuditEntry.objects.filter(action=events.DIRECTORY_IMPORTED).count() == 1


def test_a_row_breaking_several_rules_is_reported_once_per_rule(csv_copy, program):
    # given
    def change(header, rows):
        row = rows[0]
        row[header.index("name")] = ""
        row[header.index("status")] = "open"
        row[header.index("minimum_age")] = "twelve"
        row[header.index("email")] = "not an address"

    rewrite(csv_copy / "services.csv", change)

    # when
    with pytest.raises(PackageRefused) as refused:
        import_hsds_package(csv_copy, program=program)

    # then
    errors = [str(problem) for problem in refused.value.errors]
    assert errors == [
        "services.csv, line 2: name is required",
        "services.csv, line 2: email is 'not an address', not an email address",
        "services.csv, line 2: status is 'open', not one of active, inactive, defunct, "
        "temporarily closed",
        "services.csv, line 2: minimum_age is not a whole number",
    ]
    assert sum(row_counts(program).values()) == 0


def test_the_command_prints_each_problem_and_fails(csv_copy, program):
    # given
    set_cell(csv_copy / "schedules.csv", "freq", "FORTNIGHTLY")
    err = StringIO()

    # when
    with pytest.raises(CommandError, match=r"refused with 1 problem\. Nothing was imported\."):
        call_command(
            "import",
            "hsds",
            str(csv_copy),
            "--program",
            program.slug,
            stdout=StringIO(),
            stderr=err,
        )

    # then
    assert (
        "  error: schedules.csv, line 2: freq is 'FORTNIGHTLY', not one of WEEKLY, MONTHLY"
        in err.getvalue()
    )
    assert sum(row_counts(program).values()) == 0


def test_a_csv_file_that_is_not_csv_is_refused(csv_copy, program):
    # given a stray quote that never closes
    path = csv_copy / "phones.csv"
    path.write_text(path.read_text(encoding="utf-8") + '"unclosed,1\r\n', encoding="utf-8")

    # when
    with pytest.raises(PackageRefused) as refused:
        import_hsds_package(csv_copy, program=program)

    # then
    assert [str(problem) for problem in refused.value.errors] == [
        "phones.csv: is not CSV after line 2: unexpected end of data"
    ]
    assert sum(row_counts(program).values()) == 0


def test_a_package_mixing_hsds_3_and_1_1_files_is_refused_with_a_clear_reason(csv_copy, program):
    # given the HSDS 3 example with an HSDS 1.1 schedules file beside its own
    (csv_copy / "regular_schedules.csv").write_text(
        "id,service_id,location_id,service_at_location_id,weekday,opens_at,closes_at\r\n",
        encoding="utf-8",
    )

    # when
    with pytest.raises(PackageRefused) as refused:
        import_hsds_package(csv_copy, program=program)

    # then
    assert [str(problem) for problem in refused.value.problems] == [
        "package: mixes HSDS versions: accessibility.csv, addresses.csv, attributes.csv and "
        "4 more (HSDS 3) beside regular_schedules.csv (HSDS 1.1 or 2.0); a package is one "
        "version"
    ]
    assert sum(row_counts(program).values()) == 0


def test_a_json_file_that_is_not_json_is_refused(tmp_path, program):
    # given
    path = tmp_path / "service_full.json"
    path.write_text('{"id": "s-1", "name": ', encoding="utf-8")

    # when
    with pytest.raises(PackageRefused) as refused:
        import_hsds_package(path, program=program)

    # then
    assert [str(problem) for problem in refused.value.problems] == [
        "service_full.json: is not JSON: Expecting value: line 1 column 23 (char 22)"
    ]


def test_a_json_service_without_its_organisation_is_refused_at_its_path(tmp_path, program):
    # given
    path = tmp_path / "service_list.json"
    path.write_text(
        json.dumps({"contents": [{"id": "s-1", "name": "Crisis line", "status": "active"}]}),
        encoding="utf-8",
    )

    # when
    with pytest.raises(PackageRefused) as refused:
        import_hsds_package(path, program=program)

    # then
    assert [str(problem) for problem in refused.value.problems] == [
        "service_list.json, at $.contents[0]: organization_id is required"
    ]


def test_an_id_used_twice_in_a_table_is_refused(csv_copy, program):
    # given
    path = csv_copy / "phones.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\r\n".join([*lines, lines[1]]) + "\r\n", encoding="utf-8")

    # when
    with pytest.raises(PackageRefused) as refused:
        import_hsds_package(csv_copy, program=program)

    # then
    assert [str(problem) for problem in refused.value.errors] == [
        "phones.csv, line 3: id 1554f2e2-a373-45db-a3fa-9fc48a61c15e is used twice (first at "
        "line 2)"
    ]
    assert sum(row_counts(program).values()) == 0
