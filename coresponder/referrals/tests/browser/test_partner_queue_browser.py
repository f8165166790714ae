"""A partner works its queue in Chromium, on a phone (360 px) and a desktop (1280 px):
from the home page's count to the referrals waiting, accepted and declined by keyboard
from the list, booked, the filters and page kept in the address throughout."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coresponder.encounters.tests.browser.field_helpers import fits, sign_in
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.referrals import actions
from coresponder.referrals.models import Referral
from coresponder.referrals.tests.bulk_referrals import build_referrals
from coresponder.referrals.tests.referral_fixtures import CONTACT, NEED
from coresponder.testing.browser import screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [360, 1280])
def test_a_partner_works_its_queue(live_server, page_at, scene, harbor, width):
    # given 40 referrals to Harbor in every state, and a new one with the person's consent
    now = timezone.now()
    build_referrals(
        service=harbor.service, agency=harbor.agency, sender=scene.clinician, count=40, now=now
    )
    share_care_coordination(scene.person, with_agency=harbor.agency, recorded_by=scene.clinician)
    newest = actions.send_referral(
        scene.encounter,
        service=harbor.service,
        need=NEED,
        contact=CONTACT,
        acting_user=scene.clinician,
    )
    page = page_at(width, 900)
    sign_in(page, live_server.url, harbor.user)

    # when the partner follows its home page's count of new referrals
    expect(page.get_by_test_id("home-referrals-new")).to_contain_text("5")
    assert fits(page)
    page.screenshot(path=screenshot_dir() / f"partner-home-{width}.png", full_page=True)
    page.get_by_test_id("home-referrals-new").click()

    # then the queue lists the new ones, capacity first, the person named
    expect(page).to_have_url(re.compile(r"/referrals/partner/\?state=sent$"))
    expect(page.get_by_test_id("tab-sent")).to_have_attribute("aria-current", "page")
    rows = page.get_by_test_id("partner-referral")
    expect(rows).to_have_count(5)
    capacity = page.get_by_test_id("partner-capacity").bounding_box()
    assert capacity["y"] < page.get_by_test_id("partner-referrals").bounding_box()["y"]
    card = rows.and_(page.locator(f'[data-referral="{newest.pk}"]'))
    expect(card.get_by_test_id("person")).to_have_text("Demo Scene")
    expect(card.get_by_test_id("need")).to_have_text(NEED)
    assert fits(page)
    page.screenshot(path=screenshot_dir() / f"partner-queue-{width}.png", full_page=True)

    # when it accepts the newest by keyboard
    card.get_by_role("button", name="Accept").focus()
    page.keyboard.press("Enter")

    # then the queue comes back with the same filter, the referral gone from it
    expect(page.get_by_role("status")).to_contain_text("Referral updated: accepted.")
    expect(page).to_have_url(re.compile(r"/referrals/partner/\?state=sent$"))
    expect(rows).to_have_count(4)
    newest.refresh_from_db()
    assert newest.state == "accepted"

    # when it declines another, opening the form by keyboard and giving the reason
    other = rows.first
    other_id = other.get_attribute("data-referral")
    other.get_by_text("Decline…").focus()
    page.keyboard.press("Enter")
    other.get_by_label("Reason").fill("No beds left this week")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Referral updated: declined.")
    expect(rows).to_have_count(3)
    assert Referral.objects.get(pk=other_id).decline_reason == "No beds left this week"

    # when it books the one it accepted, from the accepted filter
    page.get_by_label("State", exact=True).select_option("accepted")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"\?state=accepted&due=$"))
    card = page.locator(f'[data-referral="{newest.pk}"]')
    card.get_by_text("Book…").click()
    zone = ZoneInfo(harbor.agency.program.time_zone)  # the page's clock: the program's
    at = (now + timedelta(days=2)).astimezone(zone).replace(hour=10, minute=30, second=0)
    card.get_by_label(re.compile("Appointment")).fill(at.strftime("%Y-%m-%dT%H:%M"))
    card.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Referral updated: scheduled.")
    newest.refresh_from_db()
    assert (newest.state, newest.appointment_at) == ("scheduled", at.replace(microsecond=0))

    # and the whole queue pages by 25, waiting first, the page in the address
    page.get_by_test_id("tab-all").click()
    expect(rows).to_have_count(25)
    expect(rows.first).to_have_attribute("data-state", re.compile("sent|received|accepted"))
    page.get_by_role("link", name="More →").click()
    expect(page).to_have_url(re.compile(r"\?page=2$"))
    expect(rows).to_have_count(16)
    assert fits(page)
    page.screenshot(path=screenshot_dir() / f"partner-queue-page-2-{width}.png", full_page=True)
