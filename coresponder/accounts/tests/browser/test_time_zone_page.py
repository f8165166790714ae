"""In Chromium: a dispatcher who works from Berlin reads the program's calls on their own
clock, and every page says whose clock that is; at 390 px the label still shows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from coresponder.encounters.tests.browser.field_helpers import fits, sign_in
from coresponder.testing.browser import screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_a_user_chooses_their_own_clock_and_the_pages_say_so(
    live_server, page_at, desk, take_call, width
):
    call = take_call(received_at=datetime(2026, 1, 10, 17, 51, tzinfo=UTC))  # 10:51 MST
    page = page_at(width, 900)
    sign_in(page, live_server.url, desk)
    page.goto(f"{live_server.url}/calls/{call.pk}/")
    expect(page.get_by_test_id("received-at")).to_have_text("Sat 10 Jan 2026, 10:51:00 MST")

    # when the dispatcher picks Berlin on the time-zone page
    page.goto(f"{live_server.url}/settings/time-zone/")
    page.get_by_label("Show and take times in").select_option("Europe/Berlin")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Times are now shown in Europe/Berlin.")
    page.screenshot(path=screenshot_dir() / f"time-zone-page-{width}.png", full_page=True)

    # then the call reads on Berlin's clock and the top bar names it, also on a phone
    page.goto(f"{live_server.url}/calls/{call.pk}/")
    expect(page.get_by_test_id("received-at")).to_have_text("Sat 10 Jan 2026, 18:51:00 CET")
    label = page.get_by_test_id("time-zone")
    expect(label).to_be_visible()
    expect(label).to_have_text("Times: Europe/Berlin")
    own = "Times in your own zone; the program's is America/Denver"
    expect(label).to_have_attribute("title", own)
    assert fits(page)
    page.screenshot(path=screenshot_dir() / f"time-zone-own-call-{width}.png")
