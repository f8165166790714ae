"""In Chromium: a clinician drafts a response plan, a supervisor approves it, an officer on
a phone sees the safety summary only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from coresponder.testing.browser import screenshot_dir
from coresponder.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAFETY = "Swung a broom at a deputy in March"
CALMING = "Talk about the Broncos; sit down first"
BASELINE = "Quiet, paces the porch and hums"
STRATEGY = "Call his sister first"


def sign_in(page, base_url: str, user) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_plan_is_drafted_approved_and_shown_to_the_officer(live_server, page_at, crew, person):
    shots = screenshot_dir()
    plan_url = f"{live_server.url}/encounters/plans/{person.pk}/"

    # given a clinician on the person's care team drafting a plan
    clinician = page_at(1280)
    sign_in(clinician, live_server.url, crew["clinician"])
    clinician.goto(plan_url)
    clinician.get_by_role("link", name="Draft a plan").click()
    clinician.get_by_label("Safety concerns").fill(SAFETY)
    clinician.get_by_label("Triggers to avoid").fill("Sirens and flashing lights")
    clinician.get_by_label("What calms (de-escalation)").fill(CALMING)
    clinician.get_by_label("Baseline behaviour").fill(BASELINE)
    clinician.get_by_label("Escalated behaviour").fill("Barricades himself in the bathroom")
    clinician.get_by_label("Response strategies").fill(
        f"{STRATEGY}\nOffer the walk-in crisis centre"
    )
    clinician.locator("[name=contacts-0-name]").fill("Sister (emergency contact)")
    clinician.locator("[name=contacts-0-role]").fill("family")
    clinician.locator("[name=contacts-0-phone]").fill("555-0142")
    clinician.get_by_label("Review by").fill(
        (timezone.localdate() + timedelta(days=120)).isoformat()
    )
    clinician.screenshot(path=shots / "plan-form-desktop.png", full_page=True)
    clinician.get_by_role("button", name="Save the draft").click()
    clinician.wait_for_url(f"{plan_url}#plan-*")
    assert clinician.get_by_text("Draft awaiting approval").is_visible()

    # when a supervisor approves it
    supervisor = page_at(1280)
    sign_in(supervisor, live_server.url, crew["supervisor"])
    supervisor.goto(plan_url)
    supervisor.get_by_role("button", name="Approve").click()
    supervisor.wait_for_url(plan_url)

    # then it is the plan in force, whole for the supervisor
    approved = supervisor.get_by_test_id("plan-approved")
    assert STRATEGY in approved.inner_text()
    supervisor.screenshot(path=shots / "plan-approved-desktop.png", full_page=True)

    # and an officer on a phone sees the safety summary on the person page, nothing clinical
    officer = page_at(360)
    sign_in(officer, live_server.url, crew["officer"])
    officer.goto(f"{live_server.url}/people/{person.pk}/")
    panel = officer.get_by_test_id("plan-panel")
    assert SAFETY in panel.inner_text()
    assert CALMING in panel.inner_text()
    main = officer.locator("main").inner_text()
    assert BASELINE not in main
    assert STRATEGY not in main
    assert fits(officer)
    officer.screenshot(path=shots / "person-plan-panel-officer-360.png", full_page=True)
    officer.get_by_role("link", name="Open the response plan").click()
    officer.wait_for_url(plan_url)
    assert fits(officer)
    officer.screenshot(path=shots / "plan-officer-360.png", full_page=True)

    # and the clinician's person page shows the whole plan in its panel
    clinician.goto(f"{live_server.url}/people/{person.pk}/")
    assert STRATEGY in clinician.get_by_test_id("plan-panel").inner_text()
    clinician.screenshot(path=shots / "person-plan-panel-clinician-desktop.png", full_page=True)
    phone = page_at(360)
    sign_in(phone, live_server.url, crew["clinician"])
    phone.goto(plan_url)
    assert fits(phone)
    phone.screenshot(path=shots / "plan-clinician-360.png", full_page=True)
    phone.get_by_role("link", name="Revise the plan (new draft)").click()
    phone.wait_for_url(f"{plan_url}draft/")
    assert fits(phone)
    phone.screenshot(path=shots / "plan-form-360.png", full_page=True)
