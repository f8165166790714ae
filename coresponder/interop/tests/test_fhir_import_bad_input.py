"""Bad bundles through `POST /api/v1/fhir/import` and the command: each a clear 4xx error
naming the resource and the reason, and nothing stored."""

from __future__ import annotations

import json
import unicodedata

import pytest
from django.core.management import CommandError, call_command

from coresponder.accounts.actions import create_api_token
from coresponder.accounts.models import Role
from coresponder.core.models import AuditEntry
from coresponder.interop.fhir import importer
from coresponder.interop.models import EhrPatient, HealthRecord
from coresponder.people.models import Person, PersonName
from coresponder.testing.naughty import naughty_strings

from .test_fhir_import import ENCOUNTER, PATIENT, TODAY, bundle, condition, encounter, patient

pytestmark = pytest.mark.django_db

URL = "/api/v1/fhir/import"


@pytest.fixture
def clinician(make_user):
    return make_user(Role.CLINICIAN)


@pytest.fixture
def post(client, clinician, sign_in):
    sign_in(clinician)

    def send(body: bytes, query: str = ""):
        return client.post(URL + query, body, content_type="application/fhir+json")

    return send


def assert_nothing_stored():
    assert not Person.objects.exists()
    assert not HealthRecord.objects.exists()
    assert not EhrPatient.objects.exists()
    assert not AuditEntry.objects.filter(action="interop.fhir_bundle_imported").exists()


def test_a_bundle_is_imported_over_http_and_again_is_200_with_nothing_new(post):
    raw = bundle(patient(), encounter(), condition("c-1"))

    first = post(raw, "?source=County%20EHR")
    again = post(raw, "?source=County%20EHR")

    assert first.status_code == 201, first.content
    body = first.json()
    assert body["read"] == {"Condition": 1, "Encounter": 1, "Patient": 1}
    assert body["created"] == {"Condition": 1, "Encounter": 1}
    person = Person.objects.get()
    assert body["persons_created"] == [
        {"patient": "Patient/pt-1", "person": str(person.pk), "by": ""}
    ]
    assert again.status_code == 200
    assert again.json()["unchanged"] == {"Condition": 1, "Encounter": 1}
    assert again.json()["persons_matched"] == [
        {"patient": "Patient/pt-1", "person": str(person.pk), "by": "source"}
    ]


@pytest.mark.parametrize(
    ("body", "where", "reason"),
    [
        (b"<Bundle xmlns='http://hl7.org/fhir'/>", "bundle", "not JSON: Expecting value"),
        (b'{"hello": "world"}', "bundle", "not a FHIR Bundle"),
        (b"[1, 2]", "bundle", "not a FHIR Bundle"),
        (
            b'{"resourceType": "Bundle", "type": "searchset", "entry": []}',
            "bundle",
            "a bundle of type \u201csearchset\u201d; a transaction or a collection is taken",
        ),
        (b'{"resourceType": "Bundle", "type": "collection", "entry": []}', "bundle", "no Patient"),
    ],
)
def test_what_is_not_a_fhir_bundle_is_refused(post, body, where, reason):
    response = post(body)

    assert response.status_code == 422
    answer = response.json()
    assert answer["code"] == "fhir_refused"
    assert "Nothing was imported." in answer["message"]
    assert reason in " ".join(answer["fields"][where])
    assert_nothing_stored()


def test_r5_only_content_is_refused_with_the_resource_named(post):
    # a resource type R5 brought, and R5's Encounter.class (a list of concepts)
    r5_resource = {"resourceType": "ActorDefinition", "id": "a-1", "status": "draft"}
    r5_encounter = {**encounter(), "class": [{"coding": [{"code": "AMB"}]}]}

    unknown = post(bundle(patient(), r5_resource))
    element = post(bundle(patient(), r5_encounter))

    assert unknown.status_code == 422
    assert unknown.json()["fields"] == {
        "ActorDefinition/a-1": [
            "\u201cActorDefinition\u201d is not an R4 resource type (R5 or later, or none)"
        ]
    }
    assert element.status_code == 422
    assert list(element.json()["fields"]) == ["Encounter/enc-1"]
    assert element.json()["fields"]["Encounter/enc-1"][0].startswith("class")
    assert_nothing_stored()


def test_an_element_r4_does_not_have_is_refused(post):
    response = post(bundle({**patient(), "pronouns": "they"}))

    assert response.status_code == 422
    assert response.json()["fields"] == {
        "Patient/pt-1": ["pronouns: an element R4 does not have (R5 or later?)"]
    }
    assert_nothing_stored()


def test_references_that_leave_the_bundle_refuse_it_all(post):
    # given a good condition, one naming a patient not in the bundle, one a missing encounter
    stray = condition("c-2", subject={"reference": "urn:uuid:not-here"})
    lost = condition("c-3", encounter={"reference": "Encounter/gone"})

    response = post(bundle(patient(), encounter(), condition("c-1"), stray, lost))

    assert response.status_code == 422
    assert response.json()["fields"] == {
        "Condition/c-2": [
            "refers to \u201curn:uuid:not-here\u201d, which is not a Patient in the bundle"
        ],
        "Condition/c-3": ["refers to \u201cEncounter/gone\u201d, which is not in the bundle"],
    }
    assert_nothing_stored()


def test_a_50_mb_bundle_is_refused_by_its_size_before_parsing(post):
    body = b" " * (50 * 1024 * 1024)  # not even JSON: the size alone refuses it

    response = post(body)

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert response.json()["message"] == (
        "The bundle is larger than 20,971,520 bytes, the most taken. Nothing was imported."
    )
    assert_nothing_stored()


def test_the_command_refuses_a_50_mb_file_by_its_size(make_user, tmp_path, capsys):
    clinician = make_user(Role.CLINICIAN)
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: nothing to read, only a size

    with pytest.raises(CommandError, match=r"1 bundle\(s\) refused"):
        call_command("import", "fhir", str(big), "--user", clinician.username)

    assert "big.json: refused: 52,428,800 bytes, over the 20,971,520 taken." in (
        capsys.readouterr().err
    )
    assert_nothing_stored()


def test_who_may_not_import_is_refused_and_nothing_is_stored(client, make_user, sign_in, agencies):
    raw = bundle(patient(), condition("c-1"))
    token = create_api_token(agency=agencies["hospital"], name="EHR", acting_user=None)

    anonymous = client.post(URL, raw, content_type="application/fhir+json")
    by_token = client.post(
        URL, raw, content_type="application/fhir+json", HTTP_AUTHORIZATION=f"Bearer {token.secret}"
    )
    sign_in(make_user(Role.OFFICER))
    officer = client.post(URL, raw, content_type="application/fhir+json")

    assert anonymous.status_code == 401
    assert by_token.status_code == 403
    assert officer.status_code == 403
    assert officer.json()["message"] == (
        "Only clinical staff of a health agency may import EHR records."
    )
    assert_nothing_stored()


# Naughty names --------------------------------------------------------------------------


def name_rejection(value: str) -> str | None:
    """What must refuse a name part: FHIR's own rule (a string is never empty), then ours."""
    stripped = value.strip()
    if value == "":
        return "FHIR: empty"
    if not stripped:
        return "blank"
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in stripped):
        return "control characters"
    if len(stripped) > 100:
        return "too long"
    return None


def naughty_patient(values: list[str]) -> dict:
    return patient(
        name=[
            {"use": "official", "given": ["Demo"], "family": "Naughty"},
            *({"use": "old", "given": ["Alias"], "family": value} for value in values),
        ]
    )


def test_every_naughty_name_is_refused_alone_or_read_exactly():
    # Each string as the one alias of a patient: the reading refuses it (nothing written) or
    # keeps it exactly, stripped as every name is.
    for value in naughty_strings():
        raw = bundle(naughty_patient([value]))
        if name_rejection(value) is not None:
            with pytest.raises(importer.BundleRefused) as refused:
                importer.read_bundle(raw, today=TODAY)
            assert list(refused.value.fields) == ["Patient/pt-1"], value
        else:
            read = importer.read_bundle(raw, today=TODAY)
            assert read.patients[0].names[1].family == value.strip()


def test_naughty_names_over_http_are_stored_exactly_or_refused_with_each_reason(post):
    values = naughty_strings()
    refused = [v for v in values if name_rejection(v) not in (None, "FHIR: empty")]
    kept = [v for v in values if name_rejection(v) is None]

    # when a patient carries every name our rules refuse
    refusal = post(bundle(naughty_patient(refused)))

    # then 422, one reason for each, and nothing stored
    assert refusal.status_code == 422
    reasons = refusal.json()["fields"]["Patient/pt-1"]
    assert len(reasons) == len(refused)
    assert_nothing_stored()

    # when a patient carries every other name
    response = post(bundle(naughty_patient(kept)))

    # then each is kept exactly (stripped), as the person's alias
    assert response.status_code == 201, response.content
    stored = list(
        PersonName.objects.filter(kind="alias")
        .order_by("created_at", "id")
        .values_list("family", flat=True)
    )
    assert sorted(stored) == sorted(value.strip() for value in kept)


def test_a_resource_text_with_a_nul_is_refused(post):
    response = post(bundle(patient(), {**condition("c-1"), "code": {"text": "Depression\u0000"}}))

    assert response.status_code == 422
    assert response.json()["fields"] == {
        "Condition/c-1": ["its text holds control characters or broken Unicode"]
    }
    assert_nothing_stored()


def test_a_reviewers_link_that_is_not_a_person_id_is_refused(post):
    response = post(bundle(patient(), condition("c-1")), "?link=pt-1%3Dnot-a-uuid")

    assert response.status_code == 422
    assert response.json()["fields"] == {"link": ["pt-1=not-a-uuid"]}
    assert_nothing_stored()


def test_json_in_the_bundle_is_not_trusted_for_nan(post):
    body = json.dumps({"resourceType": "Bundle", "type": "collection"}).replace(
        "}", ', "total": NaN}'
    )

    response = post(body.encode())

    assert response.status_code == 422
    assert "NaN is not a JSON number" in response.json()["fields"]["bundle"][0]
    assert_nothing_stored()


def test_the_patient_and_encounter_urls_of_the_fixture_are_what_references_use():
    # The fixture's references are the fullUrls it gives: a guard on the tests above.
    raw = json.loads(bundle(patient(), encounter()))
    assert [entry["fullUrl"] for entry in raw["entry"]] == [PATIENT, ENCOUNTER]
