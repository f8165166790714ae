"""The closed loop in Chromium at phone width (issue 6): a clinician refers from the
encounter's suggestions, the partner accepts and marks it attended on its own page, and
the clinician sees the outcome on the encounter's field view."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coresponder.encounters.tests.browser.field_helpers import PHONE, fits, open_field, sign_in
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.referrals.models import Referral
from coresponder.referrals.tests import test_refer_from_suggestions as refer
from coresponder.testing.browser import screenshot_dir

listing = refer.listing
linked = refer.linked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_referral_goes_round_the_loop(live_server, page_at, on_scene, linked):
    # given an encounter on scene, a service whose organisation is a partner agency, and
    # the person's consent to share care coordination with that agency
    scene = on_scene(emt=False)
    share_care_coordination(scene.person, with_agency=linked.agency, recorded_by=scene.clinician)
    clinician = page_at(*PHONE)
    sign_in(clinician, live_server.url, scene.clinician)

    # when the clinician refers the person from the suggestions page
    clinician.goto(f"{live_server.url}/directory/encounters/{scene.encounter.pk}/suggestions/")
    service = clinician.get_by_test_id("service").filter(has_text="Harbor House")
    service.get_by_label("Need").fill("A crisis bed tonight")
    assert fits(clinician)
    clinician.screenshot(path=screenshot_dir() / "refer-suggestions-phone.png", full_page=True)
    service.get_by_role("button", name="Refer").click()
    expect(clinician.get_by_role("status")).to_contain_text("Referred to Harbor House.")
    referral = Referral.objects.get()
    assert (referral.state, referral.need) == ("sent", "A crisis bed tonight")

    # and the partner, signed in elsewhere, accepts it and marks it attended
    partner = page_at(*PHONE)
    sign_in(partner, live_server.url, linked.partner)
    partner.goto(f"{live_server.url}/referrals/partner/")
    card = partner.get_by_test_id("partner-referral")
    expect(card).to_have_count(1)
    expect(card.get_by_test_id("need")).to_have_text("A crisis bed tonight")
    card.get_by_role("button", name="Accept").click()
    expect(card).to_have_attribute("data-state", "accepted")
    card.get_by_role("button", name="Attended").click()
    expect(card).to_have_attribute("data-state", "attended")

    # then the clinician sees it attended in the encounter's Referrals card
    open_field(clinician, live_server.url, scene.encounter)
    outcome = clinician.get_by_test_id("encounter-referrals").get_by_test_id("encounter-referral")
    expect(outcome).to_contain_text("Harbor House")
    expect(outcome.locator("[data-state]")).to_have_attribute("data-state", "attended")
    expect(outcome).to_contain_text("attended")
    referral.refresh_from_db()
    assert referral.state == "attended"
    assert list(referral.events.order_by("at").values_list("to_state", flat=True)) == [
        "sent",
        "accepted",
        "attended",
    ]
