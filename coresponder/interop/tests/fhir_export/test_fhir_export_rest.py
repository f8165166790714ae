"""The read-only FHIR API under /fhir/R4/ (issue 21, item 3): a client's basic flow over
HTTP, reads and searches, scopes, errors as OperationOutcome, and what a token or a role
must not get."""

from __future__ import annotations

import json
import urllib.request
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from coresponder.accounts.actions import create_api_token
from coresponder.accounts.models import Agency, ApiToken, Role
from coresponder.core.exceptions import DomainError
from coresponder.core.models import AuditEntry
from coresponder.interop.fhir import rest
from coresponder.privacy import actions as privacy
from coresponder.privacy.models import Consent

from .conftest import check_bundle, codes, fhir_json, part2_for, signed_in, token_client, validated

pytestmark = pytest.mark.django_db


def _outcome(response, status: int, code: str) -> str:
    assert response.status_code == status, response.content[:300]
    body = fhir_json(response)
    validated(body)
    (issue,) = body["issue"]
    assert issue["code"] == code
    return issue["diagnostics"]


def _get(url: str, token: str) -> dict:
    request = urllib.request.Request(  # noqa: S310 - the test's own live server on loopback
        url, headers={"Authorization": f"Bearer {token}", "Accept": "application/fhir+json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.headers["Content-Type"] == rest.CONTENT_TYPE
        return json.loads(response.read())


@pytest.mark.django_db(transaction=True)
def test_a_fhir_client_flow_over_http(fhir_record, live_server, agencies):
    # given the county EHR (a hospital agency) the person consented to share their health
    # record with, and its token with every type in scope
    ehr = agencies["hospital"]
    privacy.record_consent(
        fhir_record.person,
        kind=Consent.Kind.GENERAL,
        data_classes=["operational", "clinical", "care_coordination"],
        recipient_agencies=[ehr],
        purpose=Consent.Purpose.TREATMENT,
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=None,
        form_kind=Consent.FormKind.VERBAL,
        acting_user=fhir_record.scene.clinician,
    )
    token = create_api_token(
        agency=ehr, name="County EHR", acting_user=None, scopes=["system/*.read"]
    ).secret
    base = f"{live_server.url}/fhir/R4"
    # when the client reads the capability statement, searches and asks for everything
    capability = _get(f"{base}/metadata", token)
    found = _get(f"{base}/Patient?name=Sce", token)
    (match,) = [entry["resource"] for entry in found["entry"]]
    everything = _get(f"{base}/Patient/{match['id']}/$everything", token)
    # then each answer is valid FHIR, the search found the person, and the record is what
    # the consent shares: the clinical record, not the police's number nor Part 2
    validated(capability)
    assert capability["fhirVersion"] == "4.0.1"
    check_bundle(found)
    assert match["id"] == str(fhir_record.person.pk)
    by_type = check_bundle(everything)
    assert everything["type"] == "searchset"
    assert [i["value"] for i in match["identifier"]] == ["MRN-4471"]
    assert len(by_type["QuestionnaireResponse"]) == 2
    assert [r["id"] for r in by_type["ServiceRequest"]] == [str(fhir_record.care_referral.pk)]


def test_the_capability_statement_says_what_the_urlconf_serves(client):
    # given the URLconf's FHIR routes
    routes = {
        str(pattern.pattern).split("/")[0]
        for resolver in get_resolver().url_patterns
        if str(getattr(resolver, "pattern", "")) == "fhir/"
        for pattern in resolver.url_patterns
    }
    served = {
        str(p.pattern).removeprefix("R4/").split("/")[0]
        for resolver in get_resolver().url_patterns
        if str(getattr(resolver, "pattern", "")) == "fhir/"
        for p in resolver.url_patterns
        if str(p.pattern).startswith("R4/")
    } - {"metadata"}
    # when the statement is read, with no credentials (metadata is public)
    statement = fhir_json(client.get("/fhir/R4/metadata"))
    validated(statement)
    # then it lists exactly the types served, each read and searched
    (server,) = statement["rest"]
    listed = {entry["type"] for entry in server["resource"]}
    assert listed == served
    assert routes == {"R4", "send"}
    for entry in server["resource"]:
        assert [i["code"] for i in entry["interaction"]] == ["read", "search-type"]


def test_reads_and_searches_of_each_type_answer_the_same_resources(fhir_record):
    # given the clinician on the care team
    client = signed_in(fhir_record.scene.clinician)
    everything = check_bundle(
        fhir_json(client.get(f"/fhir/R4/Patient/{fhir_record.person.pk}/$everything"))
    )
    for resource_type in rest.BY_PATIENT:
        # when each type is searched by the patient and each result read by its id
        found = fhir_json(client.get(f"/fhir/R4/{resource_type}?patient={fhir_record.person.pk}"))
        listed = [entry["resource"] for entry in found["entry"]]
        # then the search gives what $everything gave of that type, and a read the same
        assert sorted(r["id"] for r in listed) == sorted(
            r["id"] for r in everything.get(resource_type, [])
        ), resource_type
        assert found["total"] == len(listed)
        for resource in listed:
            read = client.get(f"/fhir/R4/{resource_type}/{resource['id']}")
            assert read.status_code == 200, (resource_type, read.content[:200])
            assert fhir_json(read) == resource


def test_patient_search_by_identifier_name_and_birthdate(fhir_record):
    client = signed_in(fhir_record.scene.clinician)
    person = str(fhir_record.person.pk)
    for query in (
        {"identifier": "https://coresponder.org/fhir/identifier/ehr_mrn|MRN-4471"},
        {"identifier": "mrn4471"},
        {"name": "demo"},
        {"birthdate": "1988-02-29", "name": "Scene"},
    ):
        found = fhir_json(client.get("/fhir/R4/Patient", query))
        assert [e["resource"]["id"] for e in found["entry"]] == [person], query
    for query in ({"name": "Nobody"}, {"birthdate": "1988-03-01"}):
        assert fhir_json(client.get("/fhir/R4/Patient", query))["entry"] == [], query


def test_an_identifier_the_reader_may_not_read_is_not_confirmed(fhir_record, make_user):
    # given a clinician of the program with no relation to the person: who the person is
    # (operational), not their police records number (public safety)
    stranger = make_user(Role.CLINICIAN)
    client = signed_in(stranger)
    # when they search by that number, and by the person's name
    by_number = fhir_json(client.get("/fhir/R4/Patient", {"identifier": "PR-99812"}))
    by_name = fhir_json(client.get("/fhir/R4/Patient", {"name": "Scene"}))
    # then the number finds nobody, though the name finds the person without it
    assert by_number["entry"] == []
    (patient,) = [e["resource"] for e in by_name["entry"]]
    assert "identifier" not in patient
    # and the clinical record is not theirs: the encounter's operational facts only, no
    # screening, no plan, none found by its id
    (encounter,) = [
        e["resource"]
        for e in fhir_json(client.get(f"/fhir/R4/Encounter?patient={patient['id']}"))["entry"]
    ]
    assert codes(encounter) == set()
    for resource_type in ("QuestionnaireResponse", "Observation", "CarePlan"):
        searched = client.get(f"/fhir/R4/{resource_type}?patient={patient['id']}")
        assert fhir_json(searched)["entry"] == [], resource_type
    _outcome(
        client.get(f"/fhir/R4/QuestionnaireResponse/{fhir_record.screening.pk}"), 404, "not-found"
    )


def test_tokens_need_scopes_and_read_only_what_the_policy_gives_their_agency(fhir_record):
    person = fhir_record.person.pk
    partner = fhir_record.partner_agency  # a referral's recipient, by the consent
    # a token without scopes, or without the type in its scopes, is refused
    bare = token_client(partner, [])
    _outcome(bare.get(f"/fhir/R4/Patient/{person}"), 403, "forbidden")
    patients_only = token_client(partner, ["system/Patient.read"])
    _outcome(patients_only.get(f"/fhir/R4/Encounter?patient={person}"), 403, "forbidden")
    _outcome(patients_only.get(f"/fhir/R4/Patient/{person}/$everything"), 403, "forbidden")
    # a scope lets the partner ask: the policy gives it who the person is and its referral
    everything = token_client(partner, ["patient/*.read"])
    by_type = check_bundle(fhir_json(everything.get(f"/fhir/R4/Patient/{person}/$everything")))
    assert [r["id"] for r in by_type["ServiceRequest"]] == [str(fhir_record.care_referral.pk)]
    # who the person is and the encounter's operational facts, by the consent; nothing
    # clinical, no public safety
    assert sorted(by_type) == [
        "Consent",
        "Encounter",
        "Location",
        "Organization",
        "Patient",
        "Practitioner",
        "ServiceRequest",
        "Task",
    ]
    assert all(codes(r) == set() for rows in by_type.values() for r in rows)
    (patient,) = by_type["Patient"]
    assert "identifier" not in patient
    # an agency the person never consented to share with finds nothing at all
    stranger_agency = Agency.objects.create(
        program=fhir_record.person.program, name="Other org", kind="community_organization"
    )
    outsider = token_client(stranger_agency, ["patient/*.read"])
    _outcome(outsider.get(f"/fhir/R4/Patient/{person}"), 404, "not-found")
    assert fhir_json(outsider.get("/fhir/R4/Patient", {"name": "Scene"}))["entry"] == []


def test_a_part2_consent_naming_the_token_agency_opens_part2_to_it(fhir_record):
    # given the crisis-bed partner's system, and the referral to the detox program
    client = token_client(fhir_record.partner_agency, ["patient/*.read"])
    url = f"/fhir/R4/ServiceRequest/{fhir_record.sud_referral.pk}"
    # then without a Part 2 consent naming the partner, that referral is not found
    _outcome(client.get(url), 404, "not-found")
    # when the person signs one naming it
    part2_for(fhir_record, fhir_record.partner_agency)
    # then the partner's system reads it, labelled Part 2
    request = fhir_json(client.get(url))
    assert request["code"]["text"] == "Withdrawal management"
    assert codes(request) == {"R", "42CFRPart2", "ETH", "NORDSCLCD"}


def test_errors_are_operation_outcomes(fhir_record, client):
    person = fhir_record.person.pk
    # no credentials; a token that is not one
    _outcome(client.get(f"/fhir/R4/Patient/{person}"), 401, "login")
    _outcome(
        Client(HTTP_AUTHORIZATION="Bearer cor_nope_nope").get(f"/fhir/R4/Patient/{person}"),
        401,
        "login",
    )
    signed = signed_in(fhir_record.scene.clinician)
    _outcome(signed.get("/fhir/R4/Patient", {"gender": "female"}), 400, "not-supported")
    _outcome(signed.get("/fhir/R4/Patient"), 400, "required")
    _outcome(signed.get("/fhir/R4/Patient", {"birthdate": "29/02/1988"}), 400, "invalid")
    _outcome(signed.get("/fhir/R4/Encounter"), 400, "required")
    _outcome(signed.get("/fhir/R4/Encounter", {"status": "finished"}), 400, "not-supported")
    _outcome(signed.get("/fhir/R4/CarePlan/safety-plan-x"), 404, "not-found")
    _outcome(signed.get("/fhir/R4/Patient/00000000-0000-0000-0000-000000000000"), 404, "not-found")
    _outcome(signed.get("/fhir/R4/Questionnaire/no-such-v1"), 404, "not-found")
    assert signed.post(f"/fhir/R4/Patient/{person}").status_code == 405


def test_questionnaires_are_served_for_the_instruments(fhir_record):
    client = token_client(fhir_record.partner_agency, ["system/Questionnaire.read"])
    found = check_bundle(fhir_json(client.get("/fhir/R4/Questionnaire")))
    ids = sorted(q["id"] for q in found["Questionnaire"])
    assert "cssrs-screener-v1" in ids
    read = fhir_json(client.get("/fhir/R4/Questionnaire/cssrs-screener-v1"))
    assert read["url"] == "https://coresponder.org/fhir/Questionnaire/cssrs-screener"


def test_send_to_ehr_is_a_clinicians_accounted_download(fhir_record):
    encounter = fhir_record.encounter
    url = f"/fhir/send/encounters/{encounter.pk}/"
    officer = signed_in(fhir_record.scene.officer)
    clinician = signed_in(fhir_record.scene.clinician)
    before = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    # an officer may not send it; nothing is written
    assert officer.post(url).status_code == 403
    assert not AuditEntry.objects.filter(seq__gt=before).exists()
    # the clinician downloads the encounter's bundle
    response = clinician.post(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="encounter-{encounter.pk}.fhir.json"'
    )
    by_type = check_bundle(fhir_json(response))
    assert [r["id"] for r in by_type["Encounter"]] == [str(encounter.pk)]
    assert "CarePlan" not in by_type  # the encounter's record, not the person's plans
    exported = AuditEntry.objects.get(seq__gt=before, action="interop.fhir_bundle_exported")
    assert exported.detail["channel"] == "fhir:export"
    assert exported.detail["encounters"] == [str(encounter.pk)]
    reads = AuditEntry.objects.filter(seq__gt=before, action="privacy.person_read")
    assert {entry.detail["channel"] for entry in reads} == {"fhir:export"}


def test_a_token_scope_must_be_one_the_api_knows(agencies):
    # when a token is made with a scope that is not SMART-style
    with pytest.raises(DomainError) as refused:
        create_api_token(
            agency=agencies["hospital"], name="EHR", acting_user=None, scopes=["patient/*.write"]
        )
    # then it is refused with the reason, and no token exists
    assert refused.value.fields == {"scopes": ["Not a scope: patient/*.write"]}
    assert not ApiToken.objects.exists()


def test_the_encounter_page_offers_send_to_ehr_to_the_clinician_only(fhir_record):
    url = f"/encounters/{fhir_record.encounter.pk}/field/"
    action = f'action="/fhir/send/encounters/{fhir_record.encounter.pk}/"'
    clinician_page = signed_in(fhir_record.scene.clinician).get(url)
    officer_page = signed_in(fhir_record.scene.officer).get(url)
    assert clinician_page.status_code == officer_page.status_code == 200
    assert clinician_page.content.decode().count(action) == 1
    assert officer_page.content.decode().count(action) == 0


def test_an_administrator_gives_a_token_its_fhir_scopes(admin_user, agencies):
    client = signed_in(admin_user)
    agency = agencies["hospital"]
    # a scope that is not one is refused beside its field, and no token is made
    refused = client.post(
        "/settings/api-tokens/",
        {"name": "County EHR", "agency": agency.pk, "scopes": "patient/*.read everything"},
    )
    assert refused.status_code == 400
    assert "Not a scope: everything" in refused.content.decode()
    assert not ApiToken.objects.exists()
    # scopes separated by spaces are kept on the token
    made = client.post(
        "/settings/api-tokens/",
        {"name": "County EHR", "agency": agency.pk, "scopes": "patient/*.read system/Patient.rs"},
    )
    assert made.status_code == 200
    assert ApiToken.objects.get().scopes == ["patient/*.read", "system/Patient.rs"]
