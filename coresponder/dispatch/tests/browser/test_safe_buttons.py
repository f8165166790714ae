"""In Chromium, at phone and desktop width: the buttons that cannot be taken back easily ask
once, by touch and by keyboard alone, and a move pressed by mistake is undone. Clearing the
call stands apart from En route and On scene; signing a section asks first; a P1 call is not
cancelled without a reason, and its timeline says who cancelled it and why."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coresponder.calls.models import Call, CallState
from coresponder.dispatch import actions
from coresponder.dispatch.models import Team
from coresponder.encounters.models import Section
from coresponder.encounters.tests.browser.field_helpers import fits, open_field, sign_in
from coresponder.testing.browser import screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [360, 1280]


def shoot(page, name: str, width: int) -> None:
    page.screenshot(path=screenshot_dir() / f"safe-{name}-{width}.png", full_page=True)
    assert fits(page), f"{name} scrolls sideways at {width} px"


@pytest.mark.parametrize("width", WIDTHS)
def test_a_mistaken_move_is_undone_and_clearing_asks_once(
    live_server, page_at, make_team, take_call, desk, width
):
    # given the officer's field view, the team sent to an attempt in progress
    team = make_team("CRT Safe")
    call = take_call(screening=["attempt_in_progress"])
    actions.dispatch_team(call, team, acting_user=desk)
    page = page_at(width, 844)
    sign_in(page, live_server.url, team.officer)
    page.goto(f"{live_server.url}/dispatch/field/")
    status = page.get_by_test_id("field-status")
    expect(status).to_have_text("dispatched")

    # then clearing is no button beside En route and On scene, but a question of its own
    steps = page.locator(".status-buttons")
    expect(steps.get_by_role("button")).to_have_text(["En route", "On scene"])
    expect(page.get_by_role("button", name="Yes, clear the call")).to_be_hidden()
    shoot(page, "field-dispatched", width)

    # when On scene is pressed where En route was meant, and taken back
    page.get_by_role("button", name="On scene").click()
    expect(status).to_have_text("on scene")
    undo = page.get_by_test_id("undo")
    expect(undo).to_have_text("Undo “on scene”")
    shoot(page, "field-undo", width)
    undo.click()

    # then the team is dispatched again, with En route offered, and the undo is gone
    expect(status).to_have_text("dispatched")
    expect(page.get_by_text("Taken back: CRT Safe is dispatched again.")).to_be_visible()
    expect(undo).to_have_count(0)
    page.get_by_role("button", name="En route").click()
    expect(status).to_have_text("en route")

    # when the team arrives and clears the call: by touch on a phone, by keyboard on a desk
    page.get_by_role("button", name="On scene").click()
    expect(status).to_have_text("on scene")
    clear = page.get_by_text("Clear the call…")
    yes = page.get_by_role("button", name="Yes, clear the call")
    if width == 360:
        clear.click()
        expect(yes).to_be_visible()
        shoot(page, "field-clear-asks", width)
        yes.click()
    else:
        clear.focus()
        page.keyboard.press("Enter")
        expect(yes).to_be_visible()
        shoot(page, "field-clear-asks", width)
        page.keyboard.press("Tab")
        expect(yes).to_be_focused()
        page.keyboard.press("Enter")

    # then the team is available, and the call (its only team gone) is closed
    expect(status).to_have_text("available")
    assert Team.objects.get(pk=team.pk).call_id is None
    assert Call.objects.get(pk=call.pk).state == CallState.CLOSED


@pytest.mark.parametrize("width", WIDTHS)
def test_signing_a_section_asks_once_by_touch_or_keyboard(live_server, page_at, on_scene, width):
    # given the clinician's note written on the field view
    scene = on_scene(emt=False)
    page = page_at(width, 844)
    sign_in(page, live_server.url, scene.clinician)
    open_field(page, live_server.url, scene.encounter)
    page.get_by_label("Behaviour", exact=True).fill("Calmer; agreed to see the clinic tomorrow")
    expect(page.get_by_test_id("section-status-clinical")).to_contain_text("Saved")
    page.reload()  # a section is offered for signing once it holds words
    ask = page.get_by_text("Sign the clinical note…")
    yes = page.get_by_test_id("sign-clinical")
    expect(yes).to_be_hidden()

    # when signing is chosen: the question comes first, then its own button
    if width == 360:
        ask.click()
        expect(yes).to_be_visible()
        expect(page.get_by_text("Your words cannot change once signed")).to_be_visible()
        page.get_by_test_id("section-clinical").screenshot(
            path=screenshot_dir() / f"safe-sign-asks-{width}.png"
        )
        yes.click()
    else:
        ask.focus()
        page.keyboard.press("Enter")
        expect(yes).to_be_visible()
        page.get_by_test_id("section-clinical").screenshot(
            path=screenshot_dir() / f"safe-sign-asks-{width}.png"
        )
        page.keyboard.press("Tab")
        expect(yes).to_be_focused()
        page.keyboard.press("Enter")

    # then the note is signed
    expect(page.get_by_test_id("signed-clinical")).to_be_visible()
    assert Section.objects.get(encounter=scene.encounter, kind="clinical").is_signed
    shoot(page, "field-signed", width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_p1_call_is_cancelled_only_with_a_reason_shown_in_its_timeline(
    live_server, page_at, take_call, desk, width
):
    # given an attempt in progress, waiting for a team
    call = take_call(screening=["attempt_in_progress"])
    page = page_at(width, 900)
    sign_in(page, live_server.url, desk)
    page.goto(f"{live_server.url}/calls/{call.pk}/")
    close = page.get_by_test_id("close-call")

    # when the desk cancels it without a reason
    close.get_by_label("Close as").select_option("cancelled")
    close.get_by_role("button", name="Close the call").click()

    # then it is refused, saying why, and the call is still waiting
    expect(page.get_by_text("Say why the call is cancelled.")).to_be_visible()
    expect(page.get_by_test_id("call-state")).to_have_text("Waiting for a team")
    shoot(page, "cancel-refused", width)

    # when the reason is given
    close.get_by_label("Close as").select_option("cancelled")
    close.get_by_label("Why (needed to cancel)").fill("Caller rang back: it was a smoke alarm")
    close.get_by_role("button", name="Close the call").click()

    # then the call is cancelled and its timeline ends with who and why
    expect(page.get_by_test_id("call-state")).to_have_text("Cancelled")
    expect(page.get_by_test_id("call-closed")).to_contain_text(
        f"Cancelled by {desk.full_name}: Caller rang back: it was a smoke alarm"
    )
    shoot(page, "cancelled", width)
