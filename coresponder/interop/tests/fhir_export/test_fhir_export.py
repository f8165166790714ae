"""A person's record as a FHIR R4 bundle (issue 21, item 1): built only from what the reader
may read, every resource valid FHIR, every reference inside the bundle, Part 2 only for a
recipient a Part 2 consent names, and each export an accounted disclosure."""

from __future__ import annotations

import pytest

from coresponder.core.models import AuditEntry
from coresponder.interop import events as interop_events
from coresponder.privacy.disclosures import disclosures_of

from .conftest import check_bundle, codes, fhir_json, part2_for, signed_in

pytestmark = pytest.mark.django_db


def _everything(client, person):
    response = client.get(f"/fhir/R4/Patient/{person.pk}/$everything")
    assert response.status_code == 200, response.content[:500]
    return fhir_json(response)


def test_a_part2_reader_gets_the_whole_record_valid_and_labelled(fhir_record):
    # given the clinician on the person's care team, named by a Part 2 consent
    part2 = part2_for(fhir_record, fhir_record.scene.clinician.agency)
    before = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    # when the clinician asks for everything
    bundle = _everything(signed_in(fhir_record.scene.clinician), fhir_record.person)
    # then every resource validates and every reference resolves inside the bundle
    by_type = check_bundle(bundle)
    assert sorted(by_type) == [
        "CarePlan",
        "Consent",
        "Encounter",
        "Location",
        "Observation",
        "Organization",
        "Patient",
        "Practitioner",
        "Questionnaire",
        "QuestionnaireResponse",
        "ServiceRequest",
        "Task",
    ]
    (patient,) = by_type["Patient"]
    assert patient["birthDate"] == "1988-02-29"
    assert patient["gender"] == "female"
    assert patient["name"] == [{"use": "official", "family": "Scene", "given": ["Demo"]}]
    assert patient["telecom"] == [{"system": "phone", "value": "+15555550100"}]
    # each identifier in its class: the EHR number (clinical, the care team) and the police
    # records number (public safety: the clinician was on the call)
    assert [i["value"] for i in patient["identifier"]] == ["MRN-4471", "PR-99812"]
    assert codes(patient) == {"R", "PSY"}
    (encounter,) = by_type["Encounter"]
    assert encounter["id"] == str(fhir_record.encounter.pk)
    assert encounter["status"] == "finished"
    assert encounter["hospitalization"]["dischargeDisposition"]["coding"][0]["code"] == (
        "referred_voluntary"
    )
    assert sorted(p["type"][0]["text"] for p in encounter["participant"]) == [
        "clinician",
        "emt",
        "officer",
    ]
    (observation,) = by_type["Observation"]
    # thoughts of suicide without method, intent or plan: the screener's low band
    assert observation["valueCodeableConcept"]["coding"][0]["code"] == "low"
    assert observation["derivedFrom"] == [
        {"reference": f"QuestionnaireResponse/{fhir_record.screening.pk}"}
    ]
    screening = next(
        r for r in by_type["QuestionnaireResponse"] if r["id"] == str(fhir_record.screening.pk)
    )
    assert [(i["linkId"], i["answer"]) for i in screening["item"]][:2] == [
        ("wish_dead", [{"valueBoolean": True}]),
        ("suicidal_thoughts", [{"valueBoolean": True}]),
    ]
    assert sorted(q["id"] for q in by_type["Questionnaire"]) == [
        "cssrs-screener-v1",
        "stanley-brown-safety-plan-v1",
    ]
    assert sorted(p["category"][0]["coding"][0]["code"] for p in by_type["CarePlan"]) == [
        "response-plan",
        "safety-plan",
    ]
    # both referrals, the detox one labelled Part 2, each with its loop as a Task
    requests = {r["id"]: r for r in by_type["ServiceRequest"]}
    assert set(requests) == {str(fhir_record.care_referral.pk), str(fhir_record.sud_referral.pk)}
    assert codes(requests[str(fhir_record.sud_referral.pk)]) == {
        "R",
        "42CFRPart2",
        "ETH",
        "NORDSCLCD",
    }
    assert codes(requests[str(fhir_record.care_referral.pk)]) == set()
    assert sorted(t["status"] for t in by_type["Task"]) == ["requested", "requested"]
    # the Part 2 consent carries the re-disclosure notice, and the bundle the labels
    consents = {c["id"]: c for c in by_type["Consent"]}
    assert set(consents) == {str(fhir_record.general_consent.pk), str(part2.pk)}
    notice = consents[str(part2.pk)]["provision"]["extension"][0]["valueString"]
    assert notice.startswith("This record which has been disclosed to you is protected")
    assert {"R", "42CFRPart2", "ETH", "PSY", "NORDSCLCD"} == codes(bundle)
    # and the export is accounted: one bundle entry, and the person's disclosures list it
    exported = AuditEntry.objects.filter(
        seq__gt=before, action=interop_events.FHIR_BUNDLE_EXPORTED
    ).get()
    assert exported.object_id == str(fhir_record.person.pk)
    assert exported.detail["channel"] == "fhir:api"
    assert exported.detail["resources"]["ServiceRequest"] == 2
    rows, _withheld = disclosures_of(
        fhir_record.person.pk,
        readable={"operational", "clinical", "care_coordination", "sud_part2", "public_safety"},
    )
    api_rows = [row for row in rows if row.channel == "fhir:api"]
    assert [row.recipient for row in api_rows] == [fhir_record.scene.clinician.username]
    assert api_rows[0].classes == [
        "care_coordination",
        "clinical",
        "operational",
        "public_safety",
    ]


def test_part2_stays_out_for_a_reader_no_part2_consent_names(fhir_record):
    # given a Part 2 consent naming another agency (the detox program) only
    part2 = part2_for(fhir_record, fhir_record.sud_agency)
    # when the clinician on the care team asks for everything
    by_type = check_bundle(_everything(signed_in(fhir_record.scene.clinician), fhir_record.person))
    # then the detox referral, its Task and the Part 2 consent are not there, nor its labels
    assert [r["id"] for r in by_type["ServiceRequest"]] == [str(fhir_record.care_referral.pk)]
    assert [r["id"] for r in by_type["Task"]] == [str(fhir_record.care_referral.pk)]
    assert [c["id"] for c in by_type["Consent"]] == [str(fhir_record.general_consent.pk)]
    assert str(part2.pk) not in str(by_type)
    assert "Withdrawal management" not in str(by_type)
    assert all("42CFRPart2" not in codes(r) for rows in by_type.values() for r in rows)


def test_an_officer_gets_the_safety_summary_and_no_clinical_record(fhir_record):
    # given the officer of the team that answered the call
    client = signed_in(fhir_record.scene.officer)
    # when the officer asks for everything
    by_type = check_bundle(_everything(client, fhir_record.person))
    # then no assessment, screening or safety plan; the response plan's safety summary only
    assert "QuestionnaireResponse" not in by_type
    assert "Observation" not in by_type
    (plan,) = by_type["CarePlan"]
    assert [note["text"] for note in plan["note"]] == [
        "safety concerns: Keeps a kitchen knife by the door",
        "triggers to avoid: Sirens",
        "what calms (de-escalation): Quiet voice, one officer",
    ]
    assert codes(plan) == set()
    (patient,) = by_type["Patient"]
    assert [i["value"] for i in patient["identifier"]] == ["PR-99812"]
    assert "telecom" not in patient


def test_everything_costs_the_same_queries_for_one_encounter_or_two(
    fhir_record, make_team, take_call, desk
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coresponder.dispatch import actions as dispatch
    from coresponder.encounters import actions as encounters

    client = signed_in(fhir_record.scene.clinician)
    url = f"/fhir/R4/Patient/{fhir_record.person.pk}/$everything"
    client.get(url)  # the session and the read windows settle
    with CaptureQueriesContext(connection) as one:
        first = _everything(client, fhir_record.person)
    # given a second call about the person, answered by another team with the clinician's
    # record of it
    team = make_team(emt=False)
    call = take_call(person_id=fhir_record.person.pk)
    dispatch.dispatch_team(call, team, acting_user=desk)
    dispatch.move_status(team, "on_scene", acting_user=team.officer)
    second = encounters.start_encounter(call, acting_user=team.clinician)
    encounters.record_assessment(
        second,
        instrument_key="cssrs-screener",
        answers={"wish_dead": False, "suicidal_thoughts": False, "behavior": False},
        acting_user=team.clinician,
    )
    client.get(url)
    # when everything is asked again
    with CaptureQueriesContext(connection) as two:
        again = _everything(client, fhir_record.person)
    # then the bundle holds the new encounter, for the same number of queries
    assert len([e for e in again["entry"] if e["resource"]["resourceType"] == "Encounter"]) == 2
    assert len(first["entry"]) < len(again["entry"])
    assert len(two.captured_queries) == len(one.captured_queries)
