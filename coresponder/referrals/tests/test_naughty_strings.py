"""Every naughty string as a service's name: kept exactly through import and export, or refused."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from coresponder.referrals.actions import (
    PackageRefused,
    export_hsds_package,
    import_hsds_package,
)
from coresponder.referrals.hsds import SHORT_MAX
from coresponder.referrals.models import Service
from coresponder.testing.naughty import naughty_strings, plain_text_rejection

pytestmark = pytest.mark.django_db

name_rejection = plain_text_rejection(SHORT_MAX)
REASONS = {
    "null character": "name contains a NUL character",
    "required": "name is required",
    "too long": f"name is longer than {SHORT_MAX} characters",
}


def write_services(package: Path, names: list[str]) -> None:
    """services.csv of the package: the example's service, then a copy of it per name."""
    path = package / "services.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        header, example = list(csv.reader(handle))[:2]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerows([header, example])
        for number, name in enumerate(names):
            row = list(example)
            row[header.index("id")] = f"naughty-{number}"
            row[header.index("name")] = name
            writer.writerow(row)


def test_every_naughty_service_name_survives_import_and_export_exactly(
    csv_copy, program, other_program, tmp_path
):
    # given a package with a service for each string the name's rules accept
    values = [value for value in naughty_strings() if name_rejection(value) is None]
    write_services(csv_copy, values)

    # when it is imported, exported and imported into another program
    import_hsds_package(csv_copy, program=program)
    export_hsds_package(tmp_path / "exported", program=program)
    import_hsds_package(tmp_path / "exported", program=other_program)

    # then each name is stored as it was (trimmed), in both
    for directory in (program, other_program):
        stored = dict(Service.objects.filter(program=directory).values_list("hsds_id", "name"))
        assert len(stored) == len(values) + 1
        for number, value in enumerate(values):
            assert stored[f"naughty-{number}"] == value.strip(), repr(value)


def test_a_naughty_service_name_the_rules_refuse_is_reported_and_nothing_written(csv_copy, program):
    # given the strings the name's rules refuse, each alone in a package
    refused = [value for value in naughty_strings() if name_rejection(value) is not None]
    assert refused  # the list has NUL characters and blank strings
    for value in refused:
        write_services(csv_copy, [value])

        # when
        with pytest.raises(PackageRefused) as raised:
            import_hsds_package(csv_copy, program=program)

        # then
        assert [problem.reason for problem in raised.value.errors] == [
            REASONS[name_rejection(value)]
        ], repr(value)
        assert not Service.objects.exists()
