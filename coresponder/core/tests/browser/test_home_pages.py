"""Signing in through Chromium as people of different roles, at phone and desktop width."""

from __future__ import annotations

import pytest
from django.utils import timezone

from coresponder.accounts.models import Agency, ApiToken
from coresponder.demo.generator import DEMO_PASSWORD, build_demo_program
from coresponder.testing.browser import screenshot_dir
from coresponder.testing.naughty import check_naughty_strings, plain_text_rejection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": 360, "desktop": 1280}


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


@pytest.mark.parametrize("width", WIDTHS)
def test_two_roles_each_see_their_own_home(live_server, page_at, width):
    # given
    build_demo_program(
        now=timezone.now(), history=False
    )  # the year behind it is not what this shows
    shots = screenshot_dir()

    for username, heading, absent in [
        ("dispatcher", "Dispatch desk", "Program administration"),
        ("clinician", "Field — clinician", "Dispatch desk"),
    ]:
        page = page_at(WIDTHS[width])

        # when
        sign_in(page, live_server.url, username)

        # then
        assert page.get_by_role("heading", name=heading, level=2).is_visible()
        assert page.get_by_role("heading", name=absent).count() == 0
        assert page.get_by_role("button", name="Sign out").is_visible()
        page.screenshot(path=shots / f"home-{username}-{width}.png", full_page=True)


def test_every_role_home_renders_without_horizontal_scroll_on_a_phone(live_server, page_at):
    build_demo_program(
        now=timezone.now(), history=False
    )  # the year behind it is not what this shows
    shots = screenshot_dir()
    page = page_at(WIDTHS["phone"])
    page.goto(f"{live_server.url}/login/")
    page.screenshot(path=shots / "login-phone.png", full_page=True)

    for username in [
        "officer",
        "emt",
        "casemanager",
        "partner",
        "supervisor",
        "evaluator",
        "admin",
    ]:
        sign_in(page, live_server.url, username)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        page.screenshot(path=shots / f"home-{username}-phone.png", full_page=True)
        assert overflow <= 0, f"{username}'s home scrolls sideways by {overflow}px"
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{live_server.url}/login/")


def test_naughty_token_names_execute_nothing_in_a_real_browser(live_server, page_at, client):
    # given every naughty string sent as a token name through the real form
    build_demo_program(
        now=timezone.now(), history=False
    )  # the year behind it is not what this shows
    agency = Agency.objects.get(name="Demo County Sheriff's Office")
    client.post("/login/", {"username": "admin", "password": DEMO_PASSWORD})

    def submit(value):
        before = ApiToken.objects.count()
        response = client.post("/settings/api-tokens/", {"name": value, "agency": agency.pk})
        if ApiToken.objects.count() == before:
            return response, None
        return response, ApiToken.objects.order_by("-id").values_list("name", flat=True)[0]

    report = check_naughty_strings(
        submit=submit, expected_rejection=plain_text_rejection(max_length=120)
    )
    page = page_at(1280)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # when an administrator opens the list
    sign_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/settings/api-tokens/")
    page.wait_for_load_state("networkidle")

    # then every name is there as text, and nothing ran
    assert dialogs == []
    assert page.locator("td.token-name").count() == len(report.stored)
    page.screenshot(path=screenshot_dir() / "naughty-token-names.png")


@pytest.mark.parametrize("width", WIDTHS)
def test_each_home_leads_with_its_own_queue(live_server, page_at, width):
    # given the demo program, as it stands now
    build_demo_program(now=timezone.now(), history=False)
    shots = screenshot_dir()

    for username, queue, first_words in [
        ("casemanager", "home-follow-up", "Your follow-up queue"),
        ("partner", "home-partner-referrals", "waiting for you"),
        ("dispatcher", "home-desk", "The desk now"),
    ]:
        page = page_at(WIDTHS[width])

        # when each signs in
        sign_in(page, live_server.url, username)

        # then the first card of the home is the role's own queue, with its counts
        first = page.locator("main .card").first
        assert first.get_attribute("data-testid") == queue
        assert first_words in first.inner_text()
        assert first.locator(".stat").count() >= 4
        assert page.get_by_text("Agencies of the program").count() == 0
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        page.screenshot(path=shots / f"home-queue-{username}-{width}.png", full_page=True)
        assert overflow <= 0, f"{username}'s home scrolls sideways by {overflow}px"
