"""What the partner's open page polls to tell of a new referral (issue 18, item 9): the
agency's counts, nothing of any person, for partners only."""

from __future__ import annotations

import pytest

from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.referrals import actions

from .referral_fixtures import CONTACT, NEED

pytestmark = pytest.mark.django_db

NEWS = "/referrals/partner/news/"


def refer(scene, partner):
    share_care_coordination(scene.person, with_agency=partner.agency, recorded_by=scene.clinician)
    return actions.send_referral(
        scene.encounter,
        service=partner.service,
        need=NEED,
        contact=CONTACT,
        acting_user=scene.clinician,
    )


def test_the_news_count_the_agency_s_referrals_and_name_no_one(
    client, sign_in, scene, harbor, elsewhere
):
    # given Harbor with no referral yet
    sign_in(harbor.user)
    assert client.get(NEWS).json() == {"total": 0, "new": 0, "waiting": 0, "overdue": 0}

    # when one is sent to Harbor and one to Elm Street
    refer(scene, harbor)
    refer(scene, elsewhere)
    response = client.get(NEWS, HTTP_X_CORESPONDER_POLL="1")

    # then Harbor's total grows by its own, and the answer holds figures only
    assert response.json() == {"total": 1, "new": 1, "waiting": 1, "overdue": 0}
    text = response.content.decode()
    for secret in ("Demo", "Scene", NEED, "555-0142", str(scene.person.pk)):
        assert secret not in text


def test_the_news_are_for_partners(client, sign_in, scene):
    sign_in(scene.clinician)
    assert client.get(NEWS).status_code == 403


def test_the_queue_and_the_home_page_carry_the_alerts(client, sign_in, scene, harbor):
    refer(scene, harbor)
    sign_in(harbor.user)
    for url in ("/referrals/partner/", "/"):
        text = client.get(url).content.decode()
        assert 'data-url="/referrals/partner/news/"' in text
        assert 'data-total="1"' in text
        assert "referrals/partner_alerts.js" in text
