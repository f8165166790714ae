"""The clinician searches the whole directory from the referral step and refers, in
Chromium at phone and desktop width (issue #18)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.referrals.models import Referral
from coresponder.referrals.tests import test_directory_pages as pages
from coresponder.referrals.tests import test_refer_from_search as search
from coresponder.testing.browser import screenshot_dir
from coresponder.testing.fixtures import PASSWORD

listing = pages.listing
crowded = search.crowded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": 360, "desktop": 1280}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_clinician_finds_a_service_by_name_and_refers(
    live_server, page_at, on_scene, crowded, width
):
    _partner, agency = crowded
    scene = on_scene()
    share_care_coordination(scene.person, with_agency=agency, recorded_by=scene.clinician)
    page = page_at(WIDTHS[width])
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(scene.clinician.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/directory/encounters/{scene.encounter.pk}/suggestions/")
    # The ten suggestions take no referrals here: none has a Refer button.
    suggestions = page.locator("section", has=page.get_by_role("heading", name="Suggestions"))
    expect(suggestions.get_by_test_id("service")).to_have_count(10)
    expect(suggestions.get_by_role("button", name="Refer", exact=True)).to_have_count(0)

    search_box = page.get_by_test_id("referral-search")
    search_box.get_by_label("Name or words").fill("lighthouse")
    search_box.get_by_label("Has room now").check()
    search_box.get_by_role("button", name="Search").click()
    results = page.get_by_test_id("search-results")
    expect(results.get_by_test_id("service")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    results.scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir() / f"referral-search-{width}.png", full_page=True)

    results.get_by_label("Need").fill("Counselling this week")
    results.get_by_role("button", name="Refer", exact=True).click()
    expect(page.get_by_text("Referred to Lighthouse Counselling.")).to_be_visible()
    # Back on the search, not the top of the suggestions.
    assert "text=lighthouse" in page.url
    referral = Referral.objects.get()
    assert (referral.state, referral.agency_id, referral.need) == (
        "sent",
        agency.pk,
        "Counselling this week",
    )
    page.screenshot(path=screenshot_dir() / f"referral-search-referred-{width}.png")
