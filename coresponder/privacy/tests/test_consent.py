from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from coresponder.accounts.models import Agency, Program
from coresponder.core.models import AuditEntry
from coresponder.privacy import events
from coresponder.privacy.models import Consent

pytestmark = pytest.mark.django_db


def consent_body(agency_ids, **changes) -> dict:
    now = timezone.now()
    body = {
        "kind": "general",
        "data_classes": ["care_coordination"],
        "recipient_agency_ids": agency_ids,
        "purpose": "care_coordination",
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(days=30)).isoformat(),
        "form_kind": "verbal",
    }
    body.update(changes)
    return body


def post(client, person, body):
    return client.post(
        f"/api/v1/persons/{person.pk}/consents", body, content_type="application/json"
    )


def test_a_consent_is_recorded_listed_and_revoked_through_the_api(
    client, crew, person, sign_in, agencies
):
    sign_in(crew["clinician"])

    created = post(client, person, consent_body([agencies["community_organization"].pk]))
    consent_id = created.json()["id"]
    revoked = client.post(
        f"/api/v1/persons/{person.pk}/consents/{consent_id}/revoke",
        {"note": "by phone"},
        content_type="application/json",
    )
    listed = client.get(f"/api/v1/persons/{person.pk}/consents").json()

    assert created.status_code == 201
    assert created.json()["state"] == "in_force"
    assert revoked.json()["state"] == "revoked"
    assert {c["id"]: c["state"] for c in listed}[consent_id] == "revoked"
    assert [
        e.detail["consent"]
        for e in AuditEntry.objects.filter(
            action__in=[events.CONSENT_RECORDED, events.CONSENT_REVOKED]
        ).order_by("seq")
        if e.detail.get("consent") == consent_id
    ] == [consent_id, consent_id]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_at": "2020-01-01T00:00:00Z"}, "ends_at", "must end after it starts"),
        (
            {"kind": "part2", "data_classes": ["sud_part2"], "ends_at": None},
            "ends_at",
            "must say when it ends",
        ),
        (
            {
                "kind": "part2",
                "data_classes": ["sud_part2"],
                "recipient_agency_kinds": ["hospital"],
            },
            "recipient_agency_kinds",
            "names each recipient",
        ),
        ({"data_classes": ["sud_part2"]}, "data_classes", "needs a Part 2 consent"),
        ({"recipient_agency_ids": []}, "recipient_agencies", "Name who may receive"),
        ({"form_kind": "uploaded"}, "form_document", "Attach the signed document"),
        ({"given_by": "representative"}, "representative_name", "Name the representative"),
    ],
)
def test_bad_consents_are_refused_with_the_reason_and_nothing_saved(
    client, crew, person, sign_in, agencies, changes, field, message
):
    sign_in(crew["clinician"])
    before = (
        Consent.objects.count(),
        AuditEntry.objects.filter(action=events.CONSENT_RECORDED).count(),
    )

    response = post(client, person, consent_body([agencies["hospital"].pk], **changes))

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "refused"
    assert any(message in text for text in body["fields"][field]), body
    assert (
        Consent.objects.count(),
        AuditEntry.objects.filter(action=events.CONSENT_RECORDED).count(),
    ) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"data_classes": ["gossip"]}, "data_classes.0"),
        ({"purpose": "marketing"}, "purpose"),
        ({"recipient_agency_kinds": ["bakery"]}, "recipient_agency_kinds.0"),
        ({"kind": "blanket"}, "kind"),
    ],
)
def test_a_consent_with_a_value_off_its_list_is_invalid_and_nothing_saved(
    client, crew, person, sign_in, agencies, changes, field
):
    sign_in(crew["clinician"])
    before = (
        Consent.objects.count(),
        AuditEntry.objects.filter(action=events.CONSENT_RECORDED).count(),
    )

    response = post(client, person, consent_body([agencies["hospital"].pk], **changes))

    assert response.status_code == 422
    body = response.json()
    assert (body["code"], list(body["fields"])) == ("invalid", [field])
    assert (
        Consent.objects.count(),
        AuditEntry.objects.filter(action=events.CONSENT_RECORDED).count(),
    ) == before


def test_a_consent_for_an_agency_outside_the_program_is_refused(client, crew, person, sign_in):
    elsewhere = Program.objects.create(name="Elsewhere", slug="elsewhere")
    outsider = Agency.objects.create(
        program=elsewhere, name="Elsewhere Clinic", kind="behavioral_health"
    )
    sign_in(crew["clinician"])
    before = Consent.objects.count()

    response = post(client, person, consent_body([outsider.pk]))

    assert response.status_code == 400
    assert response.json()["fields"]["recipient_agencies"] == [
        "These agencies are not in the person's program: Elsewhere Clinic."
    ]
    assert Consent.objects.count() == before


def test_an_officer_cannot_record_consent(client, crew, person, sign_in, agencies):
    sign_in(crew["officer"])
    before = Consent.objects.count()

    response = post(client, person, consent_body([agencies["hospital"].pk]))

    assert response.status_code == 403
    assert Consent.objects.count() == before


def test_the_consent_page_records_and_revokes(client, crew, person, sign_in, agencies):
    sign_in(crew["clinician"])
    today = timezone.localdate()

    response = client.post(
        f"/people/{person.pk}/consents/",
        {
            "kind": "general",
            "data_classes": ["care_coordination"],
            "recipient_agencies": [agencies["community_organization"].pk],
            "purpose": "referral",
            "starts_on": today.isoformat(),
            "given_by": "person",
            "form_kind": "generated",
        },
    )
    consent = Consent.objects.get(kind="general")
    form = client.get(f"/people/{person.pk}/consents/{consent.pk}/form/").content.decode()
    client.post(f"/people/{person.pk}/consents/{consent.pk}/revoke/", {"note": "in person"})

    assert response.status_code == 302
    assert "Authorisation to share information" in form
    assert "Test Community organisation" in form
    consent.refresh_from_db()
    assert consent.state() == "revoked"
    assert consent.revocation_note == "in person"


def test_an_uploaded_signed_form_is_kept_and_served_only_through_the_policy(
    client, crew, person, sign_in, agencies, make_user
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from coresponder.accounts.models import Role

    sign_in(crew["clinician"])
    document = SimpleUploadedFile(
        "signed.pdf", b"%PDF-1.4 signed consent", content_type="application/pdf"
    )
    client.post(
        f"/people/{person.pk}/consents/",
        {
            "kind": "general",
            "data_classes": ["clinical"],
            "recipient_agencies": [agencies["hospital"].pk],
            "purpose": "treatment",
            "starts_on": timezone.localdate().isoformat(),
            "given_by": "person",
            "form_kind": "uploaded",
            "form_document": document,
        },
    )
    consent = Consent.objects.get(form_kind="uploaded")

    served = client.get(f"/people/{person.pk}/consents/{consent.pk}/document/")
    sign_in(make_user(Role.EVALUATOR))
    refused = client.get(f"/people/{person.pk}/consents/{consent.pk}/document/")

    assert b"".join(served.streaming_content) == b"%PDF-1.4 signed consent"
    assert refused.status_code == 404
