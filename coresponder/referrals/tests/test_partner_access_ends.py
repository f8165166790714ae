"""A partner's access to a person ends with the consent and with the referral (issue 16,
item 2): when the consent is revoked or expires, and when the referral is declined,
withdrawn, or attended and the program's grace period has passed. After that the
partner sees that a referral existed, and nothing about the person."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from coresponder.core.models import AuditEntry
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.privacy import actions as privacy
from coresponder.privacy import events as privacy_events
from coresponder.privacy.models import AccessRelation, Consent
from coresponder.referrals import actions
from coresponder.referrals.access import Principal

from .referral_fixtures import CONTACT, NEED, send_json

pytestmark = pytest.mark.django_db

APPOINTMENT = "2031-03-04T10:30:00+00:00"
# What the partner may still see of a referral once its access has ended.
KEPT = ("id", "kind", "service", "organization", "sent_by", "sent_at")


def send(scene, partner, *, consent=None):
    consent = consent or share_care_coordination(
        scene.person, with_agency=partner.agency, recorded_by=scene.clinician
    )
    referral = actions.send_referral(
        scene.encounter,
        service=partner.service,
        need=NEED,
        contact=CONTACT,
        acting_user=scene.clinician,
    )
    return referral, consent


def schedule(referral, partner):
    for state in ("accepted", "scheduled"):
        response = send_json(
            partner.client(),
            "post",
            f"/api/v1/referrals/{referral.pk}/moves",
            {"to": state, "appointment_at": APPOINTMENT if state == "scheduled" else None},
        )
        assert response.status_code == 200, response.content


def ended(body: dict, *, state: str = "") -> None:
    """The referral as a partner sees it once access has ended: that it was sent, when,
    to which service, and at most its final state; nothing about the person."""
    assert body["access_ended"] is True
    assert body["state"] == state
    assert (body["person_id"], body["encounter_id"]) == (None, None)
    assert (body["need"], body["contact"], body["appointment_at"]) == (None, None, None)
    assert (body["decline_reason"], body["voluntary"]) == ("", None)
    assert (body["moves"], body["classes"]) == ([], [])


def relation_of(scene, partner) -> AccessRelation:
    return AccessRelation.objects.get(
        person=scene.person, agency=partner.agency, kind=AccessRelation.Kind.REFERRAL_RECIPIENT
    )


def ended_entries(scene) -> list[dict]:
    return list(
        AuditEntry.objects.for_object("person", scene.person.pk)
        .filter(action=privacy_events.RELATION_ENDED)
        .values_list("detail", flat=True)
    )


def test_revoking_the_consent_ends_the_partners_access_audited(client, sign_in, scene, harbor):
    # given a referral Harbor has scheduled, with the person's consent in force
    referral, consent = send(scene, harbor)
    schedule(referral, harbor)
    sign_in(harbor.user)
    before = client.get(f"/api/v1/referrals/{referral.pk}").json()
    assert before["person_id"] == str(scene.person.pk)
    assert before["appointment_at"] is not None
    assert client.get(f"/people/{scene.person.pk}/").status_code == 200

    # when the person revokes the consent
    privacy.revoke_consent(consent, acting_user=scene.clinician)

    # then Harbor sees the referral was sent, and nothing about the person
    one = client.get(f"/api/v1/referrals/{referral.pk}")
    many = client.get("/api/v1/referrals")
    by_token = harbor.client().get(f"/api/v1/referrals/{referral.pk}")
    assert (one.status_code, many.status_code, by_token.status_code) == (200, 200, 200)
    for body in (one.json(), many.json()[0], by_token.json()):
        ended(body)
        assert {key: body[key] for key in KEPT} == {key: before[key] for key in KEPT}
    page = client.get("/referrals/partner/").content.decode()
    assert 'data-testid="access-ended"' in page
    assert "Scene" not in page
    assert 'name="to"' not in page  # no moves left to make
    for url in (f"/people/{scene.person.pk}/", f"/people/{scene.person.pk}/consents/"):
        assert client.get(url).status_code == 404, url
    # and the relation ended with the revocation, with an audit entry saying why
    relation = relation_of(scene, harbor)
    assert (relation.ends_at, relation.end_reason) == (
        Consent.objects.get(pk=consent.pk).revoked_at,
        "consent_revoked",
    )
    assert [(d["relation"], d["reason"]) for d in ended_entries(scene)] == [
        (str(relation.pk), "consent_revoked")
    ]


def test_an_expired_consent_ends_the_access_when_read_and_the_sweep_records_it(
    client, sign_in, scene, harbor
):
    # given a referral sent under a consent that ends in two days
    now = timezone.now()
    consent = privacy.record_consent(
        scene.person,
        kind=Consent.Kind.GENERAL,
        data_classes=["care_coordination"],
        recipient_agencies=[harbor.agency],
        purpose=Consent.Purpose.REFERRAL,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=2),
        form_kind=Consent.FormKind.VERBAL,
        acting_user=scene.clinician,
    )
    referral, _consent = send(scene, harbor, consent=consent)
    schedule(referral, harbor)

    # when the consent has expired, and nothing has swept the relations yet
    with freeze_time(now + timedelta(days=3)):
        sign_in(harbor.user)
        body = client.get(f"/api/v1/referrals/{referral.pk}").json()
        person_page = client.get(f"/people/{scene.person.pk}/")

        # then the partner's access has ended all the same
        ended(body)
        assert person_page.status_code == 404
        assert relation_of(scene, harbor).ends_at is None
        assert ended_entries(scene) == []

        # when the sweep runs, it ends the relation in the table, once, audited
        assert privacy.end_lapsed_relations(at=timezone.now()) == 1
        assert privacy.end_lapsed_relations(at=timezone.now()) == 0

    relation = relation_of(scene, harbor)
    assert (relation.ends_at, relation.end_reason) == (now + timedelta(days=3), "consent_expired")
    assert [d["reason"] for d in ended_entries(scene)] == ["consent_expired"]


@pytest.mark.parametrize("how", ["declined", "withdrawn"])
def test_a_declined_or_withdrawn_referral_ends_the_access_at_once(
    client, sign_in, scene, harbor, how
):
    # given a referral Harbor has received
    referral, _consent = send(scene, harbor)
    assert send_json(
        harbor.client(), "post", f"/api/v1/referrals/{referral.pk}/moves", {"to": "received"}
    ).json()["person_id"] == str(scene.person.pk)

    # when Harbor declines it, or the clinician withdraws it
    if how == "declined":
        moved = send_json(
            harbor.client(),
            "post",
            f"/api/v1/referrals/{referral.pk}/moves",
            {"to": "declined", "reason": "No beds for a month"},
        )
    else:
        sign_in(scene.clinician)
        moved = send_json(
            client, "post", f"/api/v1/referrals/{referral.pk}/moves", {"to": "withdrawn"}
        )
    assert moved.status_code == 200, moved.content

    # then Harbor sees only that it was sent and how it ended
    ended(harbor.client().get(f"/api/v1/referrals/{referral.pk}").json(), state=how)
    ended(harbor.client().get("/api/v1/referrals").json()[0], state=how)
    relation = relation_of(scene, harbor)
    assert relation.end_reason == "referral_closed"
    assert relation.ends_at <= timezone.now()
    assert [(d["reason"], d["referral_state"]) for d in ended_entries(scene)] == [
        ("referral_closed", how)
    ]


def test_an_attended_referral_ends_the_access_after_the_programs_grace_period(
    client, sign_in, scene, harbor, program
):
    from coresponder.referrals.models import ReferralSettings

    # given the program keeps a partner's access 5 days after an attended appointment
    ReferralSettings.objects.create(program=program, days_after_attended=5)
    referral, _consent = send(scene, harbor)
    schedule(referral, harbor)
    now = timezone.now()

    # when Harbor marks the appointment attended
    with freeze_time(now):
        attended = send_json(
            harbor.client(), "post", f"/api/v1/referrals/{referral.pk}/moves", {"to": "attended"}
        )
    assert attended.json()["person_id"] == str(scene.person.pk)

    # then Harbor keeps reading it during the grace period, and not after
    with freeze_time(now + timedelta(days=4, hours=23)):
        during = harbor.client().get(f"/api/v1/referrals/{referral.pk}").json()
    with freeze_time(now + timedelta(days=5, minutes=1)):
        after = harbor.client().get(f"/api/v1/referrals/{referral.pk}").json()
        sign_in(harbor.user)
        person_page = client.get(f"/people/{scene.person.pk}/")
    assert (during["person_id"], during["access_ended"]) == (str(scene.person.pk), False)
    ended(after, state="attended")
    # (the consent is still in force: the person page is the policy's, by consent)
    assert person_page.status_code == 200
    relation = relation_of(scene, harbor)
    assert (relation.ends_at, relation.end_reason) == (now + timedelta(days=5), "referral_closed")
    assert [d["reason"] for d in ended_entries(scene)] == ["referral_closed"]


def test_a_partner_whose_access_ended_cannot_move_the_referral(scene, harbor):
    referral, consent = send(scene, harbor)
    privacy.revoke_consent(consent, acting_user=scene.clinician)

    response = send_json(
        harbor.client(), "post", f"/api/v1/referrals/{referral.pk}/moves", {"to": "accepted"}
    )

    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.state == "sent"
    assert not AuditEntry.objects.filter(action="referrals.referral_moved").exists()


def test_one_closed_referral_leaves_the_access_of_another_open_one(scene, harbor):
    # given two referrals of the person to Harbor
    first, _consent = send(scene, harbor)
    second = actions.send_referral(
        scene.encounter, service=harbor.service, need=NEED, acting_user=scene.clinician
    )
    # when Harbor declines the first
    actions.move_referral(
        first, to="declined", reason="Full", principal=Principal(token=_token(harbor))
    )
    # then the second still shows the person, the first does not
    ended(harbor.client().get(f"/api/v1/referrals/{first.pk}").json(), state="declined")
    body = harbor.client().get(f"/api/v1/referrals/{second.pk}").json()
    assert (body["person_id"], body["access_ended"]) == (str(scene.person.pk), False)
    assert relation_of(scene, harbor).ends_at is None
    assert ended_entries(scene) == []


def _token(partner):
    from coresponder.accounts.models import ApiToken

    return ApiToken.objects.get(agency=partner.agency)


def test_a_new_referral_during_the_grace_period_keeps_the_access_open(scene, harbor):
    # given an attended referral whose relation ends after the grace period
    first, _consent = send(scene, harbor)
    schedule(first, harbor)
    send_json(harbor.client(), "post", f"/api/v1/referrals/{first.pk}/moves", {"to": "attended"})
    ending = relation_of(scene, harbor)
    assert ending.ends_at is not None

    # when the person is referred to Harbor again
    second = actions.send_referral(
        scene.encounter, service=harbor.service, need=NEED, acting_user=scene.clinician
    )

    # then a relation without an end serves the new referral
    held = AccessRelation.objects.in_force().filter(
        person=scene.person, agency=harbor.agency, ends_at__isnull=True
    )
    assert held.count() == 1
    body = harbor.client().get(f"/api/v1/referrals/{second.pk}").json()
    assert (body["person_id"], body["access_ended"]) == (str(scene.person.pk), False)
