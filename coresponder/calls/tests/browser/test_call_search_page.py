"""In Chromium: the calls list searched from its form, the search kept in the address and
in the pages' links, at a desk's width and a phone's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from coresponder.accounts.models import Role
from coresponder.calls.tests.browser.test_intake_keys import sign_in
from coresponder.testing.browser import screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_calls_list_is_searched_and_paged(live_server, page_at, make_user, take_call):
    start = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    for n in range(52):
        take_call(address="12 Willow Place", received_at=start + timedelta(minutes=n))
    take_call(address="9 Birch Way", concerns=["welfare_check"], received_at=start)
    desk = make_user(Role.DISPATCHER)
    for width in (1280, 360):
        page = page_at(width, 900)
        sign_in(page, live_server.url, desk.username)
        page.goto(f"{live_server.url}/calls/")
        search = page.get_by_test_id("call-search")
        search.get_by_label("Where").fill("willow")
        search.get_by_label("Received from").fill("2026-03-02")
        search.get_by_role("button", name="Search").click()
        page.wait_for_url(re.compile(r"address=willow"))
        expect(page.get_by_test_id("calls-count")).to_have_text("Calls 1–50 of 52")
        expect(search.get_by_label("Where")).to_have_value("willow")
        page.screenshot(path=screenshot_dir() / f"calls-search-{width}.png", full_page=True)
        page.get_by_role("link", name="Older →").click()
        expect(page.get_by_test_id("call-row")).to_have_count(2)
        assert "address=willow" in page.url
        assert "page=2" in page.url
