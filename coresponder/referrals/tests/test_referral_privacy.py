"""Who sees which referral, and what of it: a partner only its own, the care-coordination
details only with the person's consent (gone when it is revoked), by the API with a user's
session or the agency's token. The partner pages are tested with them (next issue)."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from coresponder.accounts.models import Agency, Role
from coresponder.core.models import AuditEntry
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.privacy import actions as privacy
from coresponder.privacy import events as privacy_events
from coresponder.privacy.models import Consent
from coresponder.referrals import actions
from coresponder.referrals.models import Referral, Service, ServiceCapacity

from .referral_fixtures import CONTACT, NEED, send_json

pytestmark = pytest.mark.django_db

NOTE = "Spoke with her sister; prefers afternoon visits"


def send(scene, partner, *, consent: bool = True) -> tuple[Referral, Consent | None]:
    given = (
        share_care_coordination(
            scene.person, with_agency=partner.agency, recorded_by=scene.clinician
        )
        if consent
        else None
    )
    referral = actions.send_referral(
        scene.encounter,
        service=partner.service,
        need=NEED,
        contact=CONTACT,
        acting_user=scene.clinician,
    )
    return referral, given


def partner_clients(partner, client, sign_in):
    """The partner's two ways in: its user's session, and its agency's token."""
    sign_in(partner.user)
    return {"session": client, "token": partner.client()}


@pytest.mark.parametrize("way", ["session", "token"])
def test_a_partner_sees_only_the_referrals_sent_to_it(
    client, sign_in, scene, harbor, elsewhere, way
):
    # given a referral to Harbor and one to Elm Street
    to_harbor, _consent = send(scene, harbor)
    to_elm, _consent = send(scene, elsewhere)
    # when each partner lists its referrals
    harbor_sees = partner_clients(harbor, client, sign_in)[way].get("/api/v1/referrals")
    elm_sees = elsewhere.client().get("/api/v1/referrals")
    # then each sees its own and nothing of the other's
    assert [r["id"] for r in harbor_sees.json()] == [str(to_harbor.pk)]
    assert [r["id"] for r in elm_sees.json()] == [str(to_elm.pk)]
    # and another's referral by id is not found, as if it did not exist
    response = harbor.client().get(f"/api/v1/referrals/{to_elm.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    response = send_json(
        harbor.client(), "post", f"/api/v1/referrals/{to_elm.pk}/moves", {"to": "accepted"}
    )
    assert response.status_code == 404
    to_elm.refresh_from_db()
    assert to_elm.state == "sent"


def test_another_partner_agency_with_no_referrals_sees_none(scene, harbor, make_partner):
    send(scene, harbor)
    stranger = make_partner("far", "Far Away Aid")
    response = stranger.client().get("/api/v1/referrals")
    assert (response.status_code, response.json()) == (200, [])


def test_information_given_never_reaches_the_partner(client, sign_in, scene, harbor):
    given = actions.record_information_given(
        scene.encounter, service=harbor.service, acting_user=scene.clinician
    )
    for way, partner in partner_clients(harbor, client, sign_in).items():
        assert partner.get("/api/v1/referrals").json() == [], way
        assert partner.get(f"/api/v1/referrals/{given.pk}").status_code == 404, way


@pytest.mark.parametrize("way", ["session", "token"])
def test_no_referral_with_care_coordination_details_reaches_a_partner_without_consent(
    client, sign_in, scene, harbor, way
):
    # given a referral sent to Harbor with the person's consent, and a note Harbor added
    referral, consent = send(scene, harbor)
    actions.move_referral(
        referral,
        to="received",
        note=NOTE,
        principal=_principal(harbor, way),
    )
    partner = partner_clients(harbor, client, sign_in)[way]
    # while the consent is in force, Harbor reads the details
    body = partner.get(f"/api/v1/referrals/{referral.pk}").json()
    assert (body["need"], body["contact"], body["moves"][1]["note"]) == (NEED, CONTACT, NOTE)
    assert body["classes"] == ["care_coordination", "operational"]
    # when the person revokes the consent
    privacy.revoke_consent(consent, acting_user=scene.clinician)
    # then no answer to Harbor carries any of it, by id or in the list
    one = partner.get(f"/api/v1/referrals/{referral.pk}")
    many = partner.get("/api/v1/referrals")
    assert (one.status_code, many.status_code) == (200, 200)
    for body in (one.json(), many.json()[0]):
        # its access to the person has ended with the consent (test_partner_access_ends)
        assert (body["need"], body["contact"], body["person_id"]) == (None, None, None)
        assert (body["moves"], body["classes"]) == ([], [])
        assert (body["state"], body["access_ended"]) == ("", True)
    for response in (one, many):
        text = response.content.decode()
        for secret in (NEED, CONTACT, NOTE, "555-0142"):
            assert secret not in text
    # and Harbor may not move it, nor add a note it could not read
    response = send_json(
        partner,
        "post",
        f"/api/v1/referrals/{referral.pk}/moves",
        {"to": "accepted", "note": "Another detail"},
    )
    assert response.status_code == 403
    assert response.json()["message"] == "Your access to this referral has ended."
    referral.refresh_from_db()
    assert referral.state == "received"


def test_a_consent_for_another_agency_does_not_let_a_referral_be_sent(
    client, sign_in, scene, harbor, elsewhere
):
    # given a consent naming Elm Street, not Harbor
    share_care_coordination(scene.person, with_agency=elsewhere.agency, recorded_by=scene.clinician)
    sign_in(scene.clinician)
    response = send_json(
        client,
        "post",
        f"/api/v1/encounters/{scene.encounter.pk}/referrals",
        {"service_id": str(harbor.service.pk), "need": NEED, "contact": CONTACT},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "consent_needed"
    assert not Referral.objects.exists()


def test_a_consent_naming_a_kind_of_agency_lets_a_referral_be_sent(scene, harbor):
    from datetime import timedelta

    from django.utils import timezone

    privacy.record_consent(
        scene.person,
        kind=Consent.Kind.GENERAL,
        data_classes=["care_coordination"],
        recipient_agencies=[],
        recipient_agency_kinds=[Agency.Kind.COMMUNITY_ORGANIZATION],
        purpose=Consent.Purpose.REFERRAL,
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=None,
        form_kind=Consent.FormKind.VERBAL,
        acting_user=scene.clinician,
    )
    referral = actions.send_referral(
        scene.encounter, service=harbor.service, need=NEED, acting_user=scene.clinician
    )
    body = harbor.client().get(f"/api/v1/referrals/{referral.pk}").json()
    assert body["need"] == NEED


def test_an_officer_on_the_call_sees_the_outcome_not_the_details(client, sign_in, scene, harbor):
    # A shelter reveals nothing of the person's health: its referral is operational (a
    # referral to a health service is care coordination: test_referral_derived_class).
    Service.objects.filter(pk=harbor.service.pk).update(kind=Service.Kind.SHELTER_HOUSING)
    harbor.service.refresh_from_db()
    send(scene, harbor)
    sign_in(scene.officer)
    [body] = client.get(f"/api/v1/referrals?encounter_id={scene.encounter.pk}").json()
    assert (body["state"], body["need"], body["contact"]) == ("sent", None, None)
    [outcome] = client.get(f"/api/v1/encounters/{scene.encounter.pk}").json()["referrals"]
    assert outcome["state"] == "sent"
    assert NEED not in json.dumps(outcome)


def test_tokens_cannot_send_referrals(scene, harbor):
    share_care_coordination(scene.person, with_agency=harbor.agency, recorded_by=scene.clinician)
    response = send_json(
        harbor.client(),
        "post",
        f"/api/v1/encounters/{scene.encounter.pk}/referrals",
        {"service_id": str(harbor.service.pk), "need": NEED},
    )
    assert response.status_code == 403
    assert not Referral.objects.exists()


def test_a_partner_user_cannot_read_staff_views(client, sign_in, scene, harbor):
    send(scene, harbor)
    sign_in(harbor.user)
    # the encounter itself is not the partner's to read
    assert client.get(f"/api/v1/encounters/{scene.encounter.pk}").status_code == 404


def test_a_partner_s_read_is_audited_as_a_disclosure(scene, harbor):
    referral, _consent = send(scene, harbor)
    harbor.client().get(f"/api/v1/referrals/{referral.pk}")
    entry = AuditEntry.objects.filter(action=privacy_events.PERSON_READ).latest("seq")
    assert entry.object_id == str(scene.person.pk)
    assert entry.actor_token == harbor.token.split("_")[1]
    assert entry.detail["disclosed"] == "referral:care_coordination,referral:operational"
    assert entry.detail["referral"] == str(referral.pk)
    assert entry.detail["channel"] == "api:referral"


def _principal(partner, way):
    from coresponder.accounts.models import ApiToken
    from coresponder.referrals.access import Principal

    if way == "token":
        return Principal(token=ApiToken.objects.select_related("agency").get(agency=partner.agency))
    return Principal(user=partner.user)


def test_a_partner_role_user_of_another_agency_sees_nothing(
    scene, harbor, make_user, client, sign_in
):
    send(scene, harbor)
    other = Agency.objects.create(
        program=harbor.agency.program, name="Unlinked partner", kind="community_organization"
    )
    sign_in(make_user(Role.PARTNER, agency=other))
    assert client.get("/api/v1/referrals").json() == []


# The partner page ----------------------------------------------------------------------

PAGE = "/referrals/partner/"


def test_no_care_coordination_details_reach_a_partner_without_consent_by_page(
    client, sign_in, scene, harbor, elsewhere
):
    # given a referral to Harbor with consent, and one to Elm Street
    referral, consent = send(scene, harbor)
    to_elm, _consent = send(scene, elsewhere)
    sign_in(harbor.user)
    # while the consent is in force, Harbor's page shows the details of its referral only
    text = client.get(PAGE).content.decode()
    assert f'data-referral="{referral.pk}"' in text
    assert f'data-referral="{to_elm.pk}"' not in text
    assert NEED in text
    assert "555-0142" in text
    # when the consent is revoked, the page carries none of them
    privacy.revoke_consent(consent, acting_user=scene.clinician)
    response = client.get(PAGE)
    assert response.status_code == 200
    text = response.content.decode()
    assert f'data-referral="{referral.pk}"' in text
    assert 'data-testid="access-ended"' in text
    for secret in (NEED, CONTACT, "555-0142"):
        assert secret not in text


def test_the_partner_answers_on_its_page(client, sign_in, scene, harbor, elsewhere):
    referral, _consent = send(scene, harbor)
    to_elm, _consent = send(scene, elsewhere)
    sign_in(harbor.user)
    # accept, then book in the program's time zone
    client.post(f"{PAGE}{referral.pk}/move/", {"to": "accepted"})
    response = client.post(
        f"{PAGE}{referral.pk}/move/", {"to": "scheduled", "appointment_at": "2026-12-03T09:00"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    zone = ZoneInfo(scene.encounter.program.time_zone)
    assert referral.state == "scheduled"
    assert referral.appointment_at == datetime(2026, 12, 3, 9, 0, tzinfo=zone)
    # an illegal move is refused with its reason, nothing changes
    response = client.post(f"{PAGE}{referral.pk}/move/", {"to": "received"}, follow=True)
    assert "The referral is scheduled: it cannot be marked received." in (response.content.decode())
    # another partner's referral cannot be moved from here
    client.post(f"{PAGE}{to_elm.pk}/move/", {"to": "accepted"})
    to_elm.refresh_from_db()
    assert to_elm.state == "sent"
    # capacity of its own service
    client.post(f"{PAGE}services/{harbor.service.pk}/capacity/", {"available": 4, "maximum": 6})
    client.post(f"{PAGE}services/{elsewhere.service.pk}/capacity/", {"available": 4})
    assert ServiceCapacity.objects.get().service == harbor.service


def test_the_partner_page_is_for_partners(client, sign_in, scene):
    sign_in(scene.clinician)
    assert client.get(PAGE).status_code == 403


def test_the_partner_list_takes_the_same_queries_for_one_referral_or_many(scene, harbor, on_scene):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given a referral the partner has read (its read window is open) and a new one
    send(scene, harbor)
    partner = harbor.client()
    partner.get("/api/v1/referrals")  # the token's first use is recorded once
    send(on_scene(), harbor)
    # when the partner lists them, and again after three more came
    with CaptureQueriesContext(connection) as two:
        assert len(partner.get("/api/v1/referrals").json()) == 2
    for _ in range(3):
        send(on_scene(), harbor)
    with CaptureQueriesContext(connection) as five:
        assert len(partner.get("/api/v1/referrals").json()) == 5
    # then the queries are the same: reads counted and new entries written in bulk
    assert len(five.captured_queries) == len(two.captured_queries)
