"""In Chromium: a long text is never cut at its limit without a word. The field counts
near the limit, says how many characters are too many past it, keeps every one of them,
and does not send until it is shortened: a note on the call page (2,000 characters) and a
section of the field view, whose autosave waits (4,000)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coresponder.calls.models import CallNote
from coresponder.encounters.tests.browser.field_helpers import (
    PHONE,
    fits,
    open_field,
    saves_of,
    sign_in,
    stored,
)
from coresponder.testing.browser import screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def posts_to(page, pattern: str) -> list[str]:
    """The requests the page sends whose URL matches, as they are sent."""
    sent: list[str] = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.url)
            if request.method in ("POST", "PUT") and re.search(pattern, request.url)
            else None
        ),
    )
    return sent


@pytest.mark.parametrize("width", [360, 1280])
def test_a_call_note_past_its_limit_is_counted_kept_and_not_sent(
    live_server, page_at, desk, take_call, width
):
    # given the desk on an open call's page
    call = take_call()
    page = page_at(width, 900)
    sign_in(page, live_server.url, desk)
    page.goto(f"{live_server.url}/calls/{call.pk}/")
    sent = posts_to(page, r"/notes/$")
    note = page.get_by_role("textbox", name="Add a note")
    # The note's own counter: the page's correction form counts its summary too.
    counter = page.locator(".note-form").get_by_test_id("text-limit")
    expect(counter).to_be_hidden()

    # when 2,010 characters are pasted in and Add is pressed
    note.fill("y" * 2010)
    page.get_by_role("button", name="Add", exact=True).click()

    # then all are kept, the field says how many are too many, and nothing was sent
    expect(counter).to_have_text("2,010 of 2,000 characters: 10 too many. Shorten it to send.")
    expect(note).to_be_focused()
    assert len(note.input_value()) == 2010
    expect(note).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=screenshot_dir() / f"text-limit-call-note-{width}.png", full_page=True)
    assert fits(page)

    # when it is shortened to the limit and added
    note.press("End")
    for _ in range(10):
        note.press("Backspace")
    expect(counter).to_have_text("2,000 of 2,000 characters")
    page.get_by_role("button", name="Add", exact=True).click()

    # then it is added whole, on the one request sent
    page.wait_for_load_state()
    expect(page.locator("#call-live")).to_contain_text("y" * 50)
    assert [len(text) for text in CallNote.objects.values_list("text", flat=True)] == [2000]
    assert len(sent) == 1


def test_a_field_section_past_its_limit_waits_kept_until_shortened(live_server, page_at, on_scene):
    # given the clinician on scene, on a phone
    scene = on_scene(emt=False)
    page = page_at(*PHONE)
    sign_in(page, live_server.url, scene.clinician)
    open_field(page, live_server.url, scene.encounter)
    sent = posts_to(page, r"/sections/clinical$")
    behaviour = page.get_by_label("Behaviour", exact=True)
    status = page.get_by_test_id("section-status-clinical")
    counter = page.get_by_test_id("section-clinical").get_by_test_id("text-limit").first

    # when 4,010 characters are pasted into the clinical note
    behaviour.fill("z" * 4010)

    # then it is kept whole, counted, and its autosave waits, saying why
    expect(status).to_have_text("Not sent: a text is too long — shorten it and it saves")
    expect(counter).to_have_text("4,010 of 4,000 characters: 10 too many. Shorten it to send.")
    assert len(behaviour.input_value()) == 4010
    assert sent == []
    page.screenshot(path=screenshot_dir() / "text-limit-field-section-360.png", full_page=True)
    assert fits(page)

    # when it is shortened to the limit
    behaviour.press("End")
    for _ in range(10):
        behaviour.press("Backspace")

    # then it saves, whole
    expect(status).to_contain_text("Saved")
    assert stored(scene.encounter, "clinical").content == {"behaviour": "z" * 4000}
    assert len(saves_of(scene.encounter, "clinical")) == 1
