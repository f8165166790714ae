"""A voluntary-referral disposition takes the referral already sent from the encounter
(issue 18, item 3) instead of asking for the service again."""

from __future__ import annotations

import pytest

from coresponder.encounters.models import Encounter
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.referrals import actions as referrals
from coresponder.referrals.access import Principal
from coresponder.referrals.tests.referral_fixtures import NEED

pytestmark = pytest.mark.django_db


def disposition_url(scene) -> str:
    return f"/encounters/{scene.encounter.pk}/field/disposition/"


def test_without_a_referral_the_service_is_asked_for(client, sign_in, scene):
    # given the clinician on scene, with no referral sent
    sign_in(scene.clinician)

    # when the disposition is a voluntary referral naming no service
    response = client.post(disposition_url(scene), {"disposition": "referred_voluntary"})

    # then the page asks for the service, and nothing is saved
    assert response.status_code == 400
    assert (
        "A voluntary referral needs the service referred to: send the referral from this "
        "encounter, or name the service." in response.content.decode()
    )
    assert Encounter.objects.get(pk=scene.encounter.pk).disposition == ""


def test_a_referral_sent_from_the_encounter_is_taken(client, sign_in, scene, harbor):
    # given a referral already sent from this encounter
    share_care_coordination(scene.person, with_agency=harbor.agency, recorded_by=scene.clinician)
    referrals.send_referral(
        scene.encounter, service=harbor.service, need=NEED, acting_user=scene.clinician
    )
    sign_in(scene.clinician)

    # when the clinician opens the field page
    page = client.get(f"/encounters/{scene.encounter.pk}/field/").content.decode()

    # then the disposition says it takes that referral
    assert 'data-testid="referral-taken"' in page
    assert "Harbor House crisis beds, Harbor House (sent)" in page

    # when the disposition is a voluntary referral naming no service
    response = client.post(disposition_url(scene), {"disposition": "referred_voluntary"})

    # then it is saved, the referral being the service
    assert response.status_code == 302
    encounter = Encounter.objects.get(pk=scene.encounter.pk)
    assert (encounter.disposition, encounter.destination) == ("referred_voluntary", "")


def test_a_withdrawn_referral_is_not_taken(client, sign_in, scene, harbor):
    # given a referral sent from this encounter and then withdrawn
    share_care_coordination(scene.person, with_agency=harbor.agency, recorded_by=scene.clinician)
    referral = referrals.send_referral(
        scene.encounter, service=harbor.service, need=NEED, acting_user=scene.clinician
    )
    referrals.move_referral(referral, to="withdrawn", principal=Principal(user=scene.clinician))
    sign_in(scene.clinician)

    # when the disposition is a voluntary referral naming no service
    response = client.post(disposition_url(scene), {"disposition": "referred_voluntary"})

    # then the service is asked for again
    assert response.status_code == 400
    assert Encounter.objects.get(pk=scene.encounter.pk).disposition == ""
