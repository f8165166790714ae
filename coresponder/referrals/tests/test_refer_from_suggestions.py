"""Referring from an encounter's suggestions page: the Refer and Information given forms,
the consent the page checks as the action does, and refusals shown with their reason."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from coresponder.accounts.models import Agency, Role
from coresponder.core.models import AuditEntry
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.privacy.models import AccessRelation
from coresponder.referrals import actions, events
from coresponder.referrals.models import Referral, ReferralEvent

from . import test_directory_pages as pages

listing = pages.listing

pytestmark = pytest.mark.django_db

NO_CONSENT = (
    "No consent to share with Harbor House (agency): record information given, or record "
    "the person's consent first."
)
REFUSED = (
    "No consent in force shares care-coordination information with Harbor House Org. Record "
    "the person&#x27;s consent first, or record that information was given."
)


@dataclass
class Linked:
    agency: object
    service: object
    partner: object


@pytest.fixture
def linked(program, listing, make_user, admin_user) -> Linked:
    """A crisis-stabilisation service in the directory, its organisation linked to a
    partner agency with one partner user."""
    service = listing("Harbor House", kind="crisis_stabilization")
    agency = Agency.objects.create(
        program=program, name="Harbor House (agency)", kind=Agency.Kind.COMMUNITY_ORGANIZATION
    )
    actions.link_partner(service.organization, agency=agency, acting_user=admin_user)
    return Linked(agency, service, make_user(Role.PARTNER, agency=agency))


def suggestions_url(scene) -> str:
    return f"/directory/encounters/{scene.encounter.pk}/suggestions/"


def refer_url(scene) -> str:
    return f"/directory/encounters/{scene.encounter.pk}/refer/"


def test_without_consent_refer_is_refused_with_the_reason_and_nothing_written(
    client, sign_in, on_scene, linked
):
    # given a clinician on scene, and no consent sharing care coordination with Harbor
    scene = on_scene()
    sign_in(scene.clinician)
    relations = AccessRelation.objects.count()
    # when the suggestions page is opened
    page = client.get(suggestions_url(scene)).content.decode()
    # then it says so beside the service, and offers no Refer button
    assert NO_CONSENT in page
    assert 'value="refer"' not in page
    assert 'value="information_given"' in page
    # when Refer is posted all the same
    response = client.post(
        refer_url(scene),
        {"service": str(linked.service.pk), "what": "refer", "need": "A bed", "voluntary": "on"},
        follow=True,
    )
    # then it is refused with the action's reason, and nothing was written
    assert response.redirect_chain == [(suggestions_url(scene), 302)]
    assert REFUSED in response.content.decode()
    assert Referral.objects.count() == 0
    assert ReferralEvent.objects.count() == 0
    assert AccessRelation.objects.count() == relations
    assert AuditEntry.objects.filter(action=events.REFERRAL_SENT).count() == 0


def test_information_given_is_recorded_from_the_page(client, sign_in, on_scene, linked):
    # given a clinician on scene, and no consent
    scene = on_scene()
    sign_in(scene.clinician)
    # when they record that information about the service was given
    response = client.post(
        refer_url(scene),
        {"service": str(linked.service.pk), "what": "information_given", "voluntary": "on"},
        follow=True,
    )
    # then it is recorded, without details and naming no agency
    assert "Recorded that information about Harbor House was given." in (response.content.decode())
    referral = Referral.objects.get()
    assert (referral.kind, referral.state, referral.agency_id) == (
        "information_given",
        "information_given",
        None,
    )
    assert (referral.need, referral.contact, referral.voluntary) == ("", "", True)
    assert referral.encounter_id == scene.encounter.pk


def test_with_consent_refer_sends_the_referral(client, sign_in, on_scene, linked):
    # given the person's consent to share care coordination with Harbor's agency
    scene = on_scene()
    share_care_coordination(scene.person, with_agency=linked.agency, recorded_by=scene.clinician)
    sign_in(scene.clinician)
    page = client.get(suggestions_url(scene)).content.decode()
    assert 'value="refer"' in page
    assert "No consent to share" not in page
    # when they refer, the voluntary box left unchecked
    response = client.post(
        refer_url(scene),
        {"service": str(linked.service.pk), "what": "refer", "need": "A crisis bed tonight"},
        follow=True,
    )
    # then the referral is sent to the agency, not voluntary, with the need
    assert "Referred to Harbor House." in response.content.decode()
    referral = Referral.objects.get()
    assert (referral.kind, referral.state, referral.agency_id) == (
        "referral",
        "sent",
        linked.agency.pk,
    )
    assert (referral.need, referral.voluntary) == ("A crisis bed tonight", False)


def test_an_officer_records_information_given_but_is_not_offered_refer(
    client, sign_in, on_scene, linked
):
    # given the officer on scene, and the person's consent
    scene = on_scene()
    share_care_coordination(scene.person, with_agency=linked.agency, recorded_by=scene.clinician)
    sign_in(scene.officer)
    # when the officer opens the suggestions page
    page = client.get(suggestions_url(scene)).content.decode()
    # then only Information given is offered, and a posted Refer is refused
    assert 'value="refer"' not in page
    assert 'value="information_given"' in page
    response = client.post(
        refer_url(scene),
        {"service": str(linked.service.pk), "what": "refer", "need": "A bed", "voluntary": "on"},
        follow=True,
    )
    assert (
        "Only clinicians and case managers on the call or the care team send referrals."
        in response.content.decode()
    )
    assert Referral.objects.count() == 0


def test_someone_not_on_the_call_gets_404(client, sign_in, on_scene, linked, make_user):
    # given a clinician not on the call
    scene = on_scene()
    stranger = make_user(Role.CLINICIAN)
    sign_in(stranger)
    # when they post a referral
    response = client.post(
        refer_url(scene), {"service": str(linked.service.pk), "what": "information_given"}
    )
    # then it is 404, and nothing is written
    assert response.status_code == 404
    assert Referral.objects.count() == 0


def test_a_need_past_its_limit_is_refused_saying_how_long_it_is(client, sign_in, on_scene, linked):
    # given the person's consent to share care coordination with Harbor's agency
    scene = on_scene()
    share_care_coordination(scene.person, with_agency=linked.agency, recorded_by=scene.clinician)
    sign_in(scene.clinician)

    # when a need of 2,001 characters is posted (a browser without the page's script)
    response = client.post(
        refer_url(scene),
        {"service": str(linked.service.pk), "what": "refer", "need": "x" * 2001},
        follow=True,
    )

    # then the refusal names the need and its length, and nothing was sent
    page = response.content.decode()
    assert "The need: Ensure this value has at most 2000 characters (it has 2001)." in page
    assert Referral.objects.count() == 0
