"""Every Synthea bundle of ../shared/data/fhir-synthea, imported twice through the command:
the counts per resource type as INDEX.csv lists them, the same persons and rows the second
time."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from coresponder.accounts.models import Role
from coresponder.interop.fhir.importer import KEPT, RECENT_VISITS
from coresponder.interop.models import EhrPatient, HealthRecord
from coresponder.people.models import Person
from coresponder.testing.shared_data import shared_data

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# The conditions of the shared bundles that are substance-use disorders (INDEX.csv's
# mh_conditions), and the encounters for them, are Part 2.
PART2_CONDITIONS = {
    "Gilberto_Orosco": {"Opioid abuse (disorder)"},
    "Trenton_Turner": {"Drug overdose"},
    "Trey_Leffler": {"Alcoholism"},
    "Virginia_Mercado": {"Opioid abuse (disorder)"},
}


def _index():
    with shared_data("fhir-synthea/INDEX.csv").open(encoding="utf-8") as handle:
        return {row["file"]: row for row in csv.DictReader(handle)}


def _table(out: str) -> dict[str, dict[str, tuple[int, ...]]]:
    """The command's table for each file: resource type -> (read, kept, created, updated,
    unchanged, skipped)."""
    tables, current = {}, None
    for line in out.splitlines():
        if match := re.match(r"^(\S+\.json): ", line):
            current = tables.setdefault(match.group(1), {})
        elif current is not None and (
            match := re.match(
                r"^  ([A-Za-z]+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", line
            )
        ):
            current[match.group(1)] = tuple(int(n) for n in match.groups()[1:])
    return tables


def test_every_shared_bundle_imports_with_its_counts_and_again_unchanged(make_user):
    folder = shared_data("fhir-synthea/bundles")
    index = _index()
    clinician = make_user(Role.CLINICIAN)

    # when every bundle is imported
    first = StringIO()
    call_command("import", "fhir", str(folder), "--user", clinician.username, stdout=first)

    # then each file's counts are INDEX.csv's: everything read, the summary's kinds kept,
    # the latest visits of each patient, the rest skipped
    tables = _table(first.getvalue())
    assert set(tables) == set(index)
    for name, row in index.items():
        listed = json.loads(row["resource_counts"])
        for kind, count in listed.items():
            kept = min(count, RECENT_VISITS) if kind == "Encounter" else count
            kept = kept if kind in KEPT else 0
            skipped = 0 if kind == "Patient" else count - kept
            assert tables[name][kind] == (count, kept, kept, 0, 0, skipped), (name, kind)
        assert set(tables[name]) == set(listed)
    assert f"9 of 9 bundles imported; {sum(int(r['n_entries']) for r in index.values()):,}" in (
        first.getvalue()
    )

    # and each patient is one new person, with the name and birth date the EHR gave
    persons = {
        (p.names.get(kind="legal").given, p.names.get(kind="legal").family): p
        for p in Person.objects.prefetch_related("names")
    }
    assert set(persons) == {(row["given"], row["family"]) for row in index.values()}
    for row in index.values():
        person = persons[(row["given"], row["family"])]
        assert person.date_of_birth == date.fromisoformat(row["birthDate"])
        assert EhrPatient.objects.get(patient_id=row["patient_id"]).person == person

    # and the substance-use conditions are Part 2, every other condition clinical
    for (given, family), person in persons.items():
        conditions = HealthRecord.objects.filter(person=person, resource_type="Condition")
        part2 = {r.text for r in conditions if r.data_class == "sud_part2"}
        assert part2 == PART2_CONDITIONS.get(f"{given}_{family}", set()), (given, family)
    rows = sorted(HealthRecord.objects.values_list("pk", "person_id", "data_class", "updated_at"))

    # when it is all imported again
    second = StringIO()
    call_command("import", "fhir", str(folder), "--user", clinician.username, stdout=second)

    # then the same persons and rows, and the same counts, every kept one unchanged
    assert Person.objects.count() == len(index)
    assert (
        sorted(HealthRecord.objects.values_list("pk", "person_id", "data_class", "updated_at"))
        == rows
    )
    again = _table(second.getvalue())
    for name, table in tables.items():
        assert again[name] == {
            kind: (read, kept, 0, 0, kept, skipped)
            for kind, (read, kept, _created, _updated, _unchanged, skipped) in table.items()
        }
    assert second.getvalue().count("(by source)") == len(index)
    assert Counter(r[2] for r in rows)["sud_part2"] >= len(PART2_CONDITIONS)
