"""Correcting a call from its page, in Chromium at phone and desktop width (issue #18)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coresponder.calls.models import Call
from coresponder.testing.browser import screenshot_dir
from coresponder.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": 360, "desktop": 1280}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_desk_corrects_a_call_and_sees_the_history(
    live_server, page_at, desk, take_call, width
):
    call = take_call(concerns=["welfare_check"], caller_name="A neighbour")
    page = page_at(WIDTHS[width])
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(desk.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/calls/{call.pk}/")

    form = page.get_by_test_id("correct-call")
    form.get_by_text("Correct the call").click()
    form.get_by_label("Suicidal thoughts or behaviour").check()
    form.get_by_label("Weapon involved").check()
    form.get_by_label("Caller's name").fill("Her brother")
    form.get_by_label("Why (needed once the call is closed)").fill("The caller rang back")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=screenshot_dir() / f"call-correct-form-{width}.png", full_page=True)
    form.get_by_role("button", name="Save the correction").click()

    expect(page.get_by_text("Corrected: reported concerns, safety screening")).to_be_visible()
    history = page.get_by_test_id("correction")
    expect(history).to_have_count(1)
    expect(history).to_contain_text("A neighbour → Her brother")
    expect(history).to_contain_text(
        "priority 3 → co-responder team (officer and clinician), priority 2"
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_test_id("corrections").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir() / f"call-corrected-{width}.png", full_page=True)
    assert Call.objects.get(pk=call.pk).priority == 2
