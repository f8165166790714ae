"""In Chromium: a whole call taken by keyboard fits well inside a minute.

The time is worked out from the keys the test really sends, at a call-taker's pace (0.17 s
a character typed, 0.4 s a key such as Tab or Space), never from a clock: the machine's
load must not decide whether the form is fast enough. The call it records is checked field
by field, so a plan that skips a box cannot pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect

from coresponder.accounts.models import Role
from coresponder.calls.models import Call
from coresponder.people.models import Person
from coresponder.testing.browser import screenshot_dir
from coresponder.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECONDS_A_CHARACTER = 0.17
SECONDS_A_KEY = 0.4
BUDGET_SECONDS = 35.0


@dataclass
class Keyboard:
    """Sends keys to a page and counts them: characters typed, keys pressed, Tabs."""

    page: object
    characters: int = 0
    keys: int = 0
    tabs: int = 0
    log: list[str] = field(default_factory=list)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.characters += len(text)
        self.log.append(repr(text))

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.keys += 1
        self.tabs += key == "Tab"
        self.log.append(key)

    @property
    def seconds(self) -> float:
        return self.characters * SECONDS_A_CHARACTER + self.keys * SECONDS_A_KEY


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.tagName")


def test_a_whole_call_by_keyboard_takes_under_35_seconds_of_input(live_server, page_at, make_user):
    desk = page_at(1280, 1000)
    sign_in(desk, live_server.url, make_user(Role.DISPATCHER).username)
    desk.goto(f"{live_server.url}/calls/new/")
    expect(desk.locator("#id_address")).to_be_focused()
    keys = Keyboard(desk)

    # Where, and the 911 line (chosen already).
    keys.type("1400 Test Street, back door")
    keys.press("Tab")
    keys.type("39.76")
    keys.press("Tab")
    keys.type("-104.99")
    keys.press("Tab")
    expect(desk.locator("#id_source_0")).to_be_focused()
    keys.press("Tab")
    # What the caller reports: one Tab stop; letters jump, Space ticks.
    expect(desk.locator("#id_concerns_0")).to_be_focused()
    keys.type("su")
    keys.press("Space")
    keys.type("ps")
    keys.press("Space")
    expect(desk.get_by_label("Psychosis or disorientation")).to_be_checked()
    keys.press("Tab")  # past the other ten concerns at once
    expect(desk.locator("#id_screening_0")).to_be_focused()
    keys.type("in")
    keys.press("Space")
    expect(desk.get_by_label("Intoxication")).to_be_checked()
    keys.press("Tab")
    expect(desk.locator("#id_summary")).to_be_focused()
    keys.type("Brother says he has not slept for days and talks of ending his life.")
    # Who the call is about: a new person (the project's "Demo" names, no one real).
    keys.press("Tab")
    keys.type("Demo")
    keys.press("Tab")
    keys.type("Quebec")
    keys.press("Tab")
    keys.type("1988-04-12")  # one box, no Tab between its parts
    keys.press("Tab")
    expect(desk.locator("#id_register_new")).to_be_focused()
    keys.press("Space")
    # The caller.
    keys.press("Tab")
    keys.type("Demo Romeo")
    keys.press("Tab")
    keys.type("303-555-0142")
    keys.press("Tab")
    keys.type("f")  # the select jumps to "Family member"
    expect(desk.get_by_label("Caller is")).to_have_value("family")
    desk.screenshot(path=screenshot_dir() / "intake-by-keyboard-1280.png", full_page=True)
    keys.press("Control+Enter")
    desk.wait_for_url(re.compile(r"/calls/[0-9a-f-]{36}/$"))

    # then: the call holds every box typed
    call = Call.objects.get()
    assert call.address == "1400 Test Street, back door"
    assert (call.latitude, call.longitude) == (39.76, -104.99)
    assert call.source == "911"
    assert call.concerns == ["suicidal", "psychosis_disorientation"]
    assert call.screening == ["intoxication"]
    assert call.summary == "Brother says he has not slept for days and talks of ending his life."
    assert (call.caller_name, call.caller_phone, call.caller_relation) == (
        "Demo Romeo",
        "+13035550142",
        "family",
    )
    person = Person.objects.get(pk=call.person_id)
    assert str(person.date_of_birth) == "1988-04-12"
    assert [(n.given, n.family) for n in person.names.all()] == [("Demo", "Quebec")]
    # and the keys sent fit the budget at a call-taker's pace
    print(
        f"\nintake plan: {keys.characters} characters x {SECONDS_A_CHARACTER} s"
        f" + {keys.keys} keys x {SECONDS_A_KEY} s ({keys.tabs} Tabs)"
        f" = {keys.seconds:.2f} s"
    )
    assert (keys.characters, keys.keys, keys.tabs) == (156, 18, 13)
    assert keys.seconds < BUDGET_SECONDS


def test_every_tab_stop_of_the_form_and_a_group_is_one(live_server, page_at, make_user):
    desk = page_at(1280, 1000)
    sign_in(desk, live_server.url, make_user(Role.DISPATCHER).username)
    desk.goto(f"{live_server.url}/calls/new/")
    expect(desk.locator("#id_address")).to_be_focused()
    stops = [focused(desk)]
    while stops[-1] != "BUTTON":
        desk.keyboard.press("Tab")
        stops.append(focused(desk))
        assert len(stops) < 40, stops
    print(f"\nintake Tab stops ({len(stops)}): {' '.join(stops)}")
    assert stops == [
        "id_address",
        "id_latitude",
        "id_longitude",
        "id_source_0",
        "id_concerns_0",
        "id_screening_0",
        "id_summary",
        "id_given",
        "id_family",
        "id_date_of_birth",
        "id_register_new",
        "id_caller_name",
        "id_caller_phone",
        "id_caller_relation",
        "id_language",
        "SUMMARY",  # "Override the triage"
        "BUTTON",
    ]


def test_arrows_letters_and_space_work_a_group_of_boxes(live_server, page_at, make_user):
    desk = page_at(1280, 1000)
    sign_in(desk, live_server.url, make_user(Role.DISPATCHER).username)
    desk.goto(f"{live_server.url}/calls/new/")
    group = desk.get_by_role("group", name="What the caller reports")
    expect(group).to_have_attribute("aria-describedby", "intake-keys")
    desk.locator("#id_concerns_0").focus()
    keys = desk.keyboard

    keys.press("ArrowDown")
    expect(desk.locator("#id_concerns_1")).to_be_focused()
    keys.press("ArrowUp")
    keys.press("ArrowUp")  # from the first round to the last
    expect(desk.locator("#id_concerns_11")).to_be_focused()
    keys.press("Home")
    expect(desk.locator("#id_concerns_0")).to_be_focused()
    keys.press("End")
    expect(desk.get_by_label("Welfare check")).to_be_focused()
    # A word inside the words: "vet" finds "A veteran needing support".
    keys.type("vet")
    expect(desk.get_by_label("A veteran needing support")).to_be_focused()
    keys.press("Space")
    expect(desk.get_by_label("A veteran needing support")).to_be_checked()
    # A letter finds the box it starts from the one the focus is on; the same letter
    # again and again steps through the boxes it starts.
    keys.press("Home")
    keys.type("s")
    expect(desk.get_by_label("Suicidal thoughts or behaviour")).to_be_focused()
    keys.type("s")
    expect(desk.get_by_label("Self-harm")).to_be_focused()
    keys.type("s")
    expect(desk.get_by_label("Severe anxiety or panic")).to_be_focused()
    # The box last on is the group's one stop: Shift+Tab out and Tab back lands on it.
    keys.press("Shift+Tab")
    expect(desk.locator("#id_source_0")).to_be_focused()
    keys.press("Tab")
    expect(desk.get_by_label("Severe anxiety or panic")).to_be_focused()
    tab_indexes = desk.locator("#id_concerns input").evaluate_all(
        "boxes => boxes.map(box => box.tabIndex)"
    )
    assert tab_indexes == [-1, -1, 0, *[-1] * 9]


def test_without_scripts_each_box_is_a_stop_and_the_call_is_recorded(
    live_server, browser, make_user
):
    context = browser.new_context(
        viewport={"width": 1280, "height": 1000}, java_script_enabled=False
    )
    try:
        page = context.new_page()
        sign_in(page, live_server.url, make_user(Role.DISPATCHER).username)
        page.goto(f"{live_server.url}/calls/new/")
        page.locator("#id_concerns_0").focus()
        page.keyboard.press("Tab")
        expect(page.locator("#id_concerns_1")).to_be_focused()
        page.keyboard.press("Space")
        page.locator("#id_address").fill("9 Test Lane")
        page.get_by_role("button", name="Record the call").click()
        page.wait_for_url(re.compile(r"/calls/[0-9a-f-]{36}/$"))
    finally:
        context.close()
    assert Call.objects.get().concerns == ["self_harm"]


def test_after_an_error_the_focus_is_on_the_box_in_error(live_server, page_at, make_user):
    shots = screenshot_dir()
    for width in (1280, 360):
        desk = page_at(width, 900)
        sign_in(desk, live_server.url, make_user(Role.DISPATCHER).username)
        desk.goto(f"{live_server.url}/calls/new/")
        desk.keyboard.type("1400 Test Street")
        desk.get_by_label("Date of birth").fill("12/04/1988")
        desk.locator("#id_register_new").check()  # with no name to register
        desk.keyboard.press("Control+Enter")
        # The first box in error on the page (the name, found wanting after the date),
        # not "Where".
        given, born = desk.get_by_label("Person's given name"), desk.get_by_label("Date of birth")
        expect(given).to_be_focused()
        expect(given).to_have_attribute("aria-invalid", "true")
        expect(born).to_have_attribute("aria-invalid", "true")
        expect(born).to_have_attribute("aria-describedby", "id_date_of_birth_error")
        expect(desk.locator("#id_date_of_birth_error")).to_contain_text("year-month-day")
        expect(desk.locator("#id_given_error")).to_contain_text("Give the name")
        expect(desk.locator("#id_address")).to_have_value("1400 Test Street")
        desk.screenshot(path=shots / f"intake-error-{width}.png", full_page=True)
    assert not Call.objects.exists()
