"""Importing an EHR's FHIR bundle: matching patients, the health summary, all or nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from coresponder.accounts.models import Role
from coresponder.core.exceptions import PermissionDenied
from coresponder.core.models import AuditEntry
from coresponder.interop.actions import import_fhir_bundle
from coresponder.interop.fhir import importer
from coresponder.interop.models import EhrPatient, HealthRecord
from coresponder.people import actions as people
from coresponder.people.matching import Candidate
from coresponder.people.models import Person

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 1)
PATIENT = "urn:uuid:0f1e2d3c-0000-4000-8000-000000000001"
ENCOUNTER = "urn:uuid:0f1e2d3c-0000-4000-8000-0000000000e1"


def patient(patient_id="pt-1", *, given="Demo", family="Fhirson", birth="1984-07-02", **more):
    return {
        "resourceType": "Patient",
        "id": patient_id,
        "name": [{"use": "official", "given": [given], "family": family}],
        "gender": "female",
        "birthDate": birth,
        "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es"}]}}],
        **more,
    }


def condition(condition_id, *, code="370143000", display="Major depression disorder", **more):
    return {
        "resourceType": "Condition",
        "id": condition_id,
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "code": {
            "coding": [{"system": "http://snomed.info/sct", "code": code, "display": display}]
        },
        "subject": {"reference": PATIENT},
        "onsetDateTime": "2020-05-01T10:00:00+00:00",
        **more,
    }


def encounter(encounter_id="enc-1", *, start="2021-01-05T09:00:00+00:00"):
    return {
        "resourceType": "Encounter",
        "id": encounter_id,
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "type": [{"text": "Psychiatric follow-up"}],
        "subject": {"reference": PATIENT},
        "period": {"start": start, "end": start},
    }


def bundle(*resources, kind="transaction", urls=None, meta=None) -> bytes:
    """A bundle of `resources`; the first patient's fullUrl is PATIENT, the first
    encounter's ENCOUNTER, others by type and id."""
    entries = []
    for resource in resources:
        url = f"http://ehr.example/{resource['resourceType']}/{resource['id']}"
        if resource["resourceType"] == "Patient" and not any(
            e["resource"]["resourceType"] == "Patient" for e in entries
        ):
            url = PATIENT
        if resource["resourceType"] == "Encounter" and resource["id"] == "enc-1":
            url = ENCOUNTER
        entries.append(
            {
                "fullUrl": (urls or {}).get(resource["id"], url),
                "resource": resource,
                **(
                    {"request": {"method": "POST", "url": resource["resourceType"]}}
                    if kind == "transaction"
                    else {}
                ),
            }
        )
    body = {"resourceType": "Bundle", "type": kind, "entry": entries}
    if meta:
        body["meta"] = meta
    return json.dumps(body).encode()


ALLERGY = {
    "resourceType": "AllergyIntolerance",
    "id": "al-1",
    "clinicalStatus": {"coding": [{"code": "active"}]},
    "code": {"text": "Penicillin"},
    "patient": {"reference": PATIENT},
    "recordedDate": "2019-02-03",
}
MEDICATION = {
    "resourceType": "MedicationRequest",
    "id": "med-1",
    "status": "active",
    "intent": "order",
    "medicationCodeableConcept": {"text": "Sertraline 50 MG Oral Tablet"},
    "subject": {"reference": PATIENT},
    "encounter": {"reference": ENCOUNTER},
    "authoredOn": "2021-01-05T09:00:00+00:00",
}
OPIOID_PLAN = {
    "resourceType": "CarePlan",
    "id": "cp-1",
    "status": "active",
    "intent": "plan",
    "category": [{"text": "Outpatient treatment"}],
    "subject": {"reference": PATIENT},
    "addresses": [{"reference": "http://ehr.example/Condition/c-sud"}],
}


@pytest.fixture
def clinician(make_user):
    return make_user(Role.CLINICIAN)


def run(raw: bytes, user, *, source="County EHR", part2_source=False, links=None):
    read = importer.read_bundle(raw, part2_source=part2_source, today=TODAY)
    return import_fhir_bundle(read, source=source, acting_user=user, links=links)


def test_a_bundle_makes_a_person_and_their_health_summary(clinician):
    # given a bundle of a patient no one in the index resembles
    raw = bundle(
        patient(),
        encounter(),
        condition("c-1"),
        condition("c-sud", code="F11.20", display="Opioid dependence"),
        MEDICATION,
        ALLERGY,
        OPIOID_PLAN,
    )
    raw = raw.replace(
        b'"code": "F11.20"', b'"code": "F11.20", "system": "http://hl7.org/fhir/sid/icd-10-cm"'
    )

    # when
    report = run(raw, clinician)

    # then one person, held by the importer's agency, with the patient's identity
    (person,) = Person.objects.all()
    assert person.registered_by_agency == clinician.agency
    assert person.date_of_birth == date(1984, 7, 2)
    assert person.sex == "female"
    assert person.languages == ["es"]
    assert [(n.kind, n.given, n.family) for n in person.names.all()] == [
        ("legal", "Demo", "Fhirson")
    ]
    assert report.persons_created == [("Patient/pt-1", person.pk)]
    # and each kept resource is a line of the summary, the opioid ones Part 2
    rows = {
        f"{r.resource_type}/{r.resource_id}": (r.kind, r.data_class, r.text, r.status)
        for r in HealthRecord.objects.filter(person=person)
    }
    assert rows == {
        "Condition/c-1": ("condition", "clinical", "Major depression disorder", "active"),
        "Condition/c-sud": ("condition", "sud_part2", "Opioid dependence", "active"),
        "MedicationRequest/med-1": (
            "medication",
            "clinical",
            "Sertraline 50 MG Oral Tablet",
            "active",
        ),
        "AllergyIntolerance/al-1": ("allergy", "clinical", "Penicillin", "active"),
        "CarePlan/cp-1": ("care_plan", "sud_part2", "Outpatient treatment", "active"),
        "Encounter/enc-1": ("visit", "clinical", "Psychiatric follow-up", "finished"),
    }
    assert dict(report.created) == {
        "Condition": 2,
        "MedicationRequest": 1,
        "AllergyIntolerance": 1,
        "CarePlan": 1,
        "Encounter": 1,
    }
    # and one audit entry for the bundle, besides the person's registration
    entry = AuditEntry.objects.get(action="interop.fhir_bundle_imported")
    assert entry.detail["persons"] == [str(person.pk)]
    assert entry.detail["source"] == "County EHR"


def test_a_second_import_changes_nothing_and_counts_the_same(clinician):
    raw = bundle(patient(), encounter(), condition("c-1"), MEDICATION)
    first = run(raw, clinician)
    rows = list(HealthRecord.objects.values_list("pk", "updated_at").order_by("pk"))
    entries = AuditEntry.objects.count()

    second = run(raw, clinician)

    assert Person.objects.count() == 1
    assert list(HealthRecord.objects.values_list("pk", "updated_at").order_by("pk")) == rows
    assert second.persons_matched == [("Patient/pt-1", first.persons_created[0][1], "source")]
    assert second.kept == first.kept == {"Encounter": 1, "Condition": 1, "MedicationRequest": 1}
    assert dict(second.created) == {}
    assert dict(second.updated) == {}
    assert second.read == first.read
    assert AuditEntry.objects.count() == entries + 1  # the import's own entry, nothing else


def test_a_changed_resource_is_updated_in_place(clinician):
    run(bundle(patient(), condition("c-1")), clinician)
    resolved = condition("c-1", clinicalStatus={"coding": [{"code": "resolved"}]})

    report = run(bundle(patient(), resolved), clinician)

    assert dict(report.updated) == {"Condition": 1}
    assert HealthRecord.objects.get().status == "resolved"


def test_the_same_resource_id_from_another_source_is_another_record(clinician):
    run(bundle(patient(), condition("c-1")), clinician, source="County EHR")
    run(bundle(patient(), condition("c-1")), clinician, source="Hospital EHR")

    assert HealthRecord.objects.count() == 2
    # the second source's patient matched the person the first made, by name and birth date
    assert Person.objects.count() == 1
    assert EhrPatient.objects.filter(person=Person.objects.get()).count() == 2


def test_a_patient_matching_one_person_strongly_is_that_person(clinician, make_user):
    # given a person registered at intake with the same name and date of birth
    known = people.register_person(
        people.PersonIn(
            names=[people.NameIn(given="Demo", family="Fhirson")], date_of_birth=date(1984, 7, 2)
        ),
        acting_user=make_user(Role.DISPATCHER),
    )

    report = run(bundle(patient(), condition("c-1")), clinician)

    assert Person.objects.count() == 1
    assert report.persons_matched == [("Patient/pt-1", known.pk, "search")]
    assert HealthRecord.objects.get().person == known


def test_an_unsure_match_is_refused_for_review_and_a_reviewers_link_imports_it(
    clinician, make_user
):
    # given a person with the same name and no date of birth: likely, not strong
    dispatcher = make_user(Role.DISPATCHER)
    maybe = people.register_person(
        people.PersonIn(names=[people.NameIn(given="Demo", family="Fhirson")]),
        acting_user=dispatcher,
    )
    raw = bundle(patient(), condition("c-1"))

    # when
    with pytest.raises(importer.PatientsNeedReview) as refused:
        run(raw, clinician)

    # then nothing is stored and the refusal names the patient and the candidate
    assert refused.value.status == 409
    (refusal,) = refused.value.refusals
    assert refusal.resource == "Patient/pt-1"
    assert str(maybe.pk) in refusal.reason
    assert "likely match" in refusal.reason
    assert Person.objects.count() == 1
    assert not HealthRecord.objects.exists()
    assert not EhrPatient.objects.exists()

    # when a reviewer links the patient to the person
    report = run(raw, clinician, links={"pt-1": maybe.pk})

    # then it is imported onto that person, and matched by source from then on
    assert report.persons_matched == [("Patient/pt-1", maybe.pk, "reviewer")]
    assert HealthRecord.objects.get().person == maybe
    assert run(raw, clinician).persons_matched == [("Patient/pt-1", maybe.pk, "source")]


def test_a_reviewer_may_say_the_unsure_patient_is_a_new_person(clinician, make_user):
    maybe = people.register_person(
        people.PersonIn(names=[people.NameIn(given="Demo", family="Fhirson")]),
        acting_user=make_user(Role.DISPATCHER),
    )

    report = run(bundle(patient(), condition("c-1")), clinician, links={"pt-1": "new"})

    (created,) = report.persons_created
    assert created[1] != maybe.pk
    assert Person.objects.count() == 2
    assert HealthRecord.objects.get().person_id == created[1]


def test_decide_match_makes_a_person_only_when_no_one_is_likely():
    def candidate(score):
        return Candidate(person=Person(), score=score, reasons=["why"])

    assert importer.decide_match([]).create
    assert importer.decide_match([candidate(49.9)]).create
    one = candidate(85)
    assert importer.decide_match([one, candidate(30)]).person is one.person
    assert importer.decide_match([candidate(60)]).review
    assert importer.decide_match([candidate(85), candidate(85)]).review
    assert importer.decide_match([candidate(95), candidate(55)]).review


def test_a_part2_source_or_label_makes_every_line_part2(clinician):
    run(bundle(patient(), condition("c-1")), clinician, part2_source=True)
    labelled = bundle(
        patient("pt-2", given="Other", family="Labelled", birth="1999-12-31"),
        {**condition("c-2"), "subject": {"reference": "Patient/pt-2"}},
        urls={"pt-2": "urn:uuid:0f1e2d3c-0000-4000-8000-000000000002"},
        meta={
            "security": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "42CFRPart2"}
            ]
        },
    )
    run(labelled, clinician)

    assert set(HealthRecord.objects.values_list("data_class", flat=True)) == {"sud_part2"}


def test_only_clinical_staff_of_a_health_agency_import(make_user, agencies):
    raw = bundle(patient(), condition("c-1"))
    for user in (
        make_user(Role.OFFICER),
        make_user(Role.DISPATCHER),
        make_user(Role.PARTNER),
        make_user(Role.CLINICIAN, agency=agencies["community_organization"]),
    ):
        with pytest.raises(PermissionDenied):
            run(raw, user)
    assert not Person.objects.exists()
    assert not HealthRecord.objects.exists()


def test_the_command_imports_a_folder_and_reports_counts(clinician, tmp_path, capsys):
    (tmp_path / "a.json").write_bytes(bundle(patient(), encounter(), condition("c-1")))
    (tmp_path / "b.json").write_bytes(
        bundle(
            patient("pt-9", given="Nine", family="Second", birth="1970-01-01"),
            {**condition("c-9"), "subject": {"reference": "Patient/pt-9"}},
            urls={"pt-9": "urn:uuid:0f1e2d3c-0000-4000-8000-000000000009"},
        )
    )

    call_command("import", "fhir", str(tmp_path), "--user", clinician.username)

    out = capsys.readouterr().out
    assert "a.json: transaction bundle from Test Behavioural health" in out
    assert "  Patient/pt-1: new person" in out
    assert "  Condition                   1      1        1        0          0        0" in out
    assert "2 of 2 bundles imported; 5 resources read, 2 persons." in out
    assert HealthRecord.objects.count() == 3


def test_the_command_refuses_a_bad_bundle_and_imports_the_good_one(clinician, tmp_path, capsys):
    (tmp_path / "a.json").write_bytes(bundle(patient(), condition("c-1")))
    (tmp_path / "b.json").write_bytes(b"not json at all")

    with pytest.raises(CommandError, match=r"1 bundle\(s\) refused"):
        call_command("import", "fhir", str(tmp_path), "--user", clinician.username)

    err = capsys.readouterr().err
    assert "b.json: refused: The file is not a FHIR R4 bundle. Nothing was imported." in err
    assert "  bundle: not JSON: Expecting value: line 1 column 1 (char 0)" in err
    assert HealthRecord.objects.count() == 1
