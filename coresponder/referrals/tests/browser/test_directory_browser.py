"""The directory pages in Chromium, at phone and desktop width: no sideways scrolling,
the public page printable, the suggestions readable."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coresponder.referrals.tests import test_directory_pages as pages
from coresponder.testing.browser import screenshot_dir
from coresponder.testing.fixtures import PASSWORD

# The page tests' fixtures, shared.
listing = pages.listing
directory_of_five = pages.directory_of_five
scene = pages.scene

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": 360, "desktop": 1280}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_public_directory_page(live_server, page_at, program, directory_of_five, width):
    page = page_at(WIDTHS[width])
    page.goto(f"{live_server.url}/directory/public/{program.slug}/")
    assert page.get_by_role("heading", name="Services near you").is_visible()
    assert page.get_by_test_id("service").count() == 6
    assert no_sideways_scroll(page)
    page.screenshot(path=screenshot_dir() / f"directory-public-{width}.png", full_page=True)
    # A search narrows the list without a full page load.
    page.get_by_label("Kind of service").select_option("outpatient_therapy")
    expect(page.get_by_test_id("service")).to_have_count(1)
    # Printed, only the list is left.
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Search").is_visible()
    page.screenshot(path=screenshot_dir() / f"directory-public-print-{width}.png", full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_suggestions_page(live_server, page_at, directory_of_five, scene, width):
    team, _person, _call, encounter = scene()
    page = page_at(WIDTHS[width])
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(team.clinician.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/directory/encounters/{encounter.pk}/suggestions/")
    assert page.get_by_role("heading", name="Suggested services").is_visible()
    assert page.get_by_test_id("service").count() == 3
    assert page.get_by_text("speaks Spanish").is_visible()
    assert no_sideways_scroll(page)
    page.screenshot(path=screenshot_dir() / f"directory-suggestions-{width}.png", full_page=True)
    page.goto(f"{live_server.url}/directory/?kind=detox")
    assert no_sideways_scroll(page)
    page.screenshot(path=screenshot_dir() / f"directory-staff-{width}.png", full_page=True)
