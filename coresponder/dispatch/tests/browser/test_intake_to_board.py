"""In Chromium: a call taken by keyboard, its triage read, the recommended team sent, and a
second dispatcher's board showing it within two seconds without a reload."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from coresponder.accounts.models import Role
from coresponder.calls.models import Call
from coresponder.dispatch.tests.fixtures import NEAR_NORTH, SOUTH_BASE
from coresponder.testing.browser import screenshot_dir
from coresponder.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def test_a_call_goes_from_intake_to_a_second_dispatchers_board(
    live_server, page_at, make_team, make_user
):
    near = make_team("CRT Near")
    make_team("CRT Far", base=SOUTH_BASE)
    taker, watcher = make_user(Role.DISPATCHER), make_user(Role.DISPATCHER)
    shots = screenshot_dir()
    desk = page_at(1280, 1000)
    board = page_at(1280, 900)
    sign_in(desk, live_server.url, taker.username)
    sign_in(board, live_server.url, watcher.username)
    board.goto(f"{live_server.url}/dispatch/")
    expect(board.get_by_test_id("open-count")).to_have_text("0")

    # The call-taker takes the call by keyboard alone: the address box has the focus.
    desk.goto(f"{live_server.url}/calls/new/")
    started = time.monotonic()
    keys = desk.keyboard
    keys.type("1400 Test Street, back door")
    keys.press("Tab")
    keys.type(str(NEAR_NORTH[0]))
    keys.press("Tab")
    keys.type(str(NEAR_NORTH[1]))
    keys.press("Tab")  # the line: 911 is chosen
    keys.press("Tab")  # the first concern
    keys.press("Space")
    expect(desk.get_by_label("Suicidal thoughts or behaviour")).to_be_checked()
    # The triage, with its reason in words, as soon as the box is ticked.
    expect(desk.get_by_test_id("triage-reason")).to_contain_text(
        "Suicidal thoughts or self-harm without danger to others"
    )
    expect(desk.get_by_test_id("triage-response")).to_have_text(
        "co-responder team (officer and clinician)"
    )
    desk.screenshot(path=shots / "intake.png", full_page=True)
    keys.press("Control+Enter")  # "Record the call"
    desk.wait_for_url(re.compile(r"/calls/[0-9a-f-]{36}/$"))
    taking = time.monotonic() - started
    assert taking < 60
    call = Call.objects.get()
    assert call.concerns == ["suicidal"]
    assert call.address == "1400 Test Street, back door"

    # The call page says why, and recommends the nearest fit team first.
    expect(desk.get_by_test_id("triage-reason")).to_contain_text("without danger to others")
    first = desk.get_by_test_id("recommendation").first
    expect(first).to_contain_text("CRT Near")
    expect(first).to_contain_text("officer's CIT certificate is current")
    desk.screenshot(path=shots / "call-with-recommendation.png", full_page=True)

    # One click dispatches it; the other dispatcher's board shows it within 2 s.
    desk.get_by_test_id("dispatch-first").click()
    sent = time.monotonic()
    row = board.locator(f"[data-testid=board-call][data-reference='{call.reference}']")
    expect(row.get_by_test_id("board-call-team")).to_have_text("CRT Near", timeout=2000)
    shown = time.monotonic() - sent
    assert shown < 2.0
    team_row = board.locator("[data-testid=board-team][data-team='CRT Near']")
    expect(team_row.get_by_test_id("team-status")).to_have_text("dispatched")
    board.screenshot(path=shots / "board-after-dispatch.png", full_page=True)
    expect(desk.get_by_test_id("team-on-call")).to_contain_text("CRT Near")
    near.refresh_from_db()
    assert near.call_id == call.pk


def test_the_officer_sees_the_dispatch_on_the_field_view_at_once(
    live_server, page_at, make_team, take_call, desk
):
    from coresponder.dispatch import actions

    team = make_team("CRT Field")
    phone = page_at(390, 844)
    sign_in(phone, live_server.url, team.officer.username)
    phone.goto(f"{live_server.url}/dispatch/field/")
    expect(phone.get_by_test_id("field-status")).to_have_text("available")

    call = take_call(screening=["weapon"], address="22 Larch Drive")
    actions.dispatch_team(call, team, acting_user=desk)

    card = phone.get_by_test_id("field-call")
    expect(card).to_contain_text(call.reference, timeout=3000)
    expect(card).to_contain_text("Weapon involved")
    expect(card).to_contain_text("22 Larch Drive")
    phone.screenshot(path=screenshot_dir() / "field-view-dispatched.png", full_page=True)
    phone.get_by_role("button", name="En route").click()
    expect(phone.get_by_test_id("field-status")).to_have_text("en route")
