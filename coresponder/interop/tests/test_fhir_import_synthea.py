"""Every Synthea bundle of ../shared/data/fhir-synthea, imported twice: the counts per
resource type as INDEX.csv lists them, the same persons and rows the second time."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date

import pytest

from coresponder.accounts.models import Role
from coresponder.interop.actions import import_fhir_bundle
from coresponder.interop.fhir import importer
from coresponder.interop.fhir.importer import KEPT, RECENT_VISITS
from coresponder.interop.models import EhrPatient, HealthRecord
from coresponder.people.models import Person
from coresponder.testing.shared_data import shared_data

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

TODAY = date(2026, 3, 1)

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


def test_every_shared_bundle_imports_with_its_counts_and_again_unchanged(make_user):
    folder = shared_data("fhir-synthea/bundles")
    index = _index()
    clinician = make_user(Role.CLINICIAN)
    # Each bundle read once (validation is nearly all the time): the same bytes give the
    # same reading, and the second import is of what was read.
    reads = {
        path.name: importer.read_bundle(path.read_bytes(), today=TODAY)
        for path in sorted(folder.glob("*.json"))
    }
    assert set(reads) == set(index)

    # when every bundle is imported
    first = {
        name: import_fhir_bundle(read, source="Synthea EHR", acting_user=clinician)
        for name, read in reads.items()
    }

    # then each file's counts are INDEX.csv's: everything read, the summary's kinds kept,
    # the latest visits of each patient, the rest skipped
    for name, row in index.items():
        listed = json.loads(row["resource_counts"])
        report = first[name]
        assert dict(report.read) == listed, name
        for kind, count in listed.items():
            kept = min(count, RECENT_VISITS) if kind == "Encounter" else count
            kept = kept if kind in KEPT else 0
            skipped = 0 if kind == "Patient" else count - kept
            counts = (report.kept[kind], report.created[kind], report.skipped[kind])
            assert counts == (kept, kept, skipped), (name, kind)
        assert report.updated == Counter()
        assert report.unchanged == Counter()
        assert len(report.persons_created) == 1

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
    second = {
        name: import_fhir_bundle(read, source="Synthea EHR", acting_user=clinician)
        for name, read in reads.items()
    }

    # then the same persons and rows, and the same counts, every kept one unchanged
    assert Person.objects.count() == len(index)
    assert (
        sorted(HealthRecord.objects.values_list("pk", "person_id", "data_class", "updated_at"))
        == rows
    )
    for name, report in second.items():
        assert report.read == first[name].read
        assert report.kept == first[name].kept
        assert report.unchanged == first[name].created
        assert report.created == Counter()
        assert report.updated == Counter()
        assert report.persons_created == []
        ((_patient, person_id, how),) = report.persons_matched
        assert (person_id, how) == (first[name].persons_created[0][1], "source")
