"""In Chromium, on a phone and a desk: once the person revokes their consent, the partner's
page says its access ended, on a card that fits the screen and shows nothing about the
person (issue 16, item 2)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coresponder.encounters.tests.browser.field_helpers import fits, sign_in
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.privacy import actions as privacy
from coresponder.referrals import actions
from coresponder.referrals.tests import test_refer_from_suggestions as refer
from coresponder.testing.browser import screenshot_dir

listing = refer.listing
linked = refer.linked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height"), [(360, 780), (1280, 900)])
def test_the_access_ended_card_fits_and_shows_nothing_of_the_person(
    live_server, page_at, on_scene, linked, width, height
):
    # given a referral sent with the person's consent, which they then revoke
    scene = on_scene(emt=False)
    consent = share_care_coordination(
        scene.person, with_agency=linked.agency, recorded_by=scene.clinician
    )
    actions.send_referral(
        scene.encounter,
        service=linked.service,
        need="A crisis bed tonight",
        contact="Call after noon",
        acting_user=scene.clinician,
    )
    privacy.revoke_consent(consent, acting_user=scene.clinician)

    # when the partner opens its referrals
    page = page_at(width, height)
    sign_in(page, live_server.url, linked.partner)
    page.goto(f"{live_server.url}/referrals/partner/")

    # then the card says the access ended, fits the screen, and holds nothing of the person
    card = page.get_by_test_id("partner-referral")
    expect(card.get_by_test_id("access-ended")).to_have_text(
        "Your access to this person has ended: the consent or the referral has ended."
    )
    expect(card.get_by_role("heading")).to_have_text("Person not shown")
    expect(card).to_contain_text("Harbor House")
    expect(card.get_by_role("button")).to_have_count(0)
    assert fits(page)
    page.screenshot(path=screenshot_dir() / f"partner-access-ended-{width}.png", full_page=True)
    body = page.content()
    for about_the_person in ("A crisis bed tonight", "Call after noon", "Demo Scene"):
        assert about_the_person not in body
