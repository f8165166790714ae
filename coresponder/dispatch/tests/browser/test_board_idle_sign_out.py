"""In Chromium: a board left open goes on polling, and still signs out when its idle limit
passes; the page then shows the sign-in and no call data (CJIS session lock)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coresponder.encounters.tests.browser.field_helpers import fits
from coresponder.testing.browser import screenshot_dir
from coresponder.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (360, 780)])
def test_a_board_left_open_signs_out_after_the_idle_limit(
    live_server, page_at, settings, desk, take_call, width, height
):
    # given a program whose idle limit is 3 seconds, and a call on the board
    settings.COR_SESSION_IDLE_SECONDS = 3
    first = take_call(address="1400 Test Street")
    board = page_at(width, height)
    board.goto(f"{live_server.url}/login/?next=/dispatch/")
    board.get_by_label("Username").fill(desk.username)
    board.get_by_label("Password").fill(PASSWORD)
    board.get_by_role("button", name="Sign in").click()
    expect(board.get_by_test_id("open-count")).to_have_text("1")

    # when nobody touches it, while its polls go on and bring a new call in
    second = take_call(address="1500 Test Street")
    expect(board.get_by_test_id("open-count")).to_have_text("2")

    # then once the idle limit has passed with nothing but polls, it shows the sign-in
    expect(board).to_have_url(re.compile(r"/login/\?next=%2Fdispatch%2F$"), timeout=15_000)
    expect(board.get_by_role("button", name="Sign in")).to_be_visible()
    said = "You were signed out after 3 seconds without activity."
    expect(board.get_by_text(said)).to_be_visible()
    assert fits(board)
    board.screenshot(path=screenshot_dir() / f"board-idle-signed-out-{width}.png", full_page=True)
    # ...and nothing of the board
    expect(board.get_by_test_id("board-call")).to_have_count(0)
    body = board.content()
    assert first.reference not in body
    assert second.reference not in body
    assert "1500 Test Street" not in body
