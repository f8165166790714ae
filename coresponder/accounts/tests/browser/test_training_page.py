"""In Chromium: a supervisor opens Training and sees who is out of date first."""

from __future__ import annotations

from datetime import timedelta

import pytest

from coresponder.accounts import actions
from coresponder.accounts.models import Course, Role
from coresponder.accounts.training import today_in
from coresponder.testing.browser import screenshot_dir
from coresponder.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def train(user, course, completed: int, expires: int, *, by, today):
    actions.record_training(
        user,
        course=course,
        completed_on=today + timedelta(days=completed),
        expires_on=today + timedelta(days=expires),
        provider="County CIT Academy",
        certificate_number="",
        acting_user=by,
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_a_supervisor_sees_the_expired_officer_first(live_server, page_at, make_user, width):
    # given an expired officer, an officer in date and a clinician whose licence lapses soon
    supervisor = make_user(Role.SUPERVISOR)
    today = today_in(supervisor.program)
    expired, current = make_user(Role.OFFICER), make_user(Role.OFFICER)
    clinician = make_user(Role.CLINICIAN)
    make_user(Role.DISPATCHER)
    train(expired, Course.CIT_40, -900, -45, by=supervisor, today=today)
    train(expired, Course.MHFA_8, -30, 1000, by=supervisor, today=today)
    train(current, Course.CIT_40, -30, 700, by=supervisor, today=today)
    train(current, Course.MHFA_8, -30, 1000, by=supervisor, today=today)
    train(clinician, Course.CLINICAL_LICENCE, -300, 10, by=supervisor, today=today)
    train(clinician, Course.MHFA_8, -30, 1000, by=supervisor, today=today)
    page = page_at(width)

    # when the supervisor signs in and follows the Training link
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(supervisor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="Training").click()
    page.wait_for_url(f"{live_server.url}/training/")

    # then the expired officer leads, with the gap in words
    rows = page.locator("tbody tr")
    assert rows.first.get_attribute("data-username") == expired.username
    lapsed = (today - timedelta(days=45)).isoformat()
    assert f"CIT certification expired on {lapsed}." in rows.first.inner_text()
    page.screenshot(path=screenshot_dir() / f"training-compliance-{width}.png", full_page=True)
    # and nothing runs off the side of a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_mistake_in_the_form_comes_back_with_the_reason(live_server, page_at, make_user):
    # given
    supervisor, officer = make_user(Role.SUPERVISOR), make_user(Role.OFFICER)
    today = today_in(supervisor.program)
    page = page_at(1280)
    page.goto(f"{live_server.url}/login/?next=/training/")
    page.get_by_label("Username").fill(supervisor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/training/")

    # when an expiry before the completion date is entered
    page.get_by_label("Person").select_option(str(officer.pk))
    page.get_by_label("Course").select_option("cit_40")
    page.get_by_label("Completed or issued on").fill((today - timedelta(days=3)).isoformat())
    page.get_by_label("Expires on").fill((today - timedelta(days=5)).isoformat())
    page.get_by_label("Provider or issuer").fill("County CIT Academy")
    page.get_by_role("button", name="Record").click()

    # then the form says why, next to the field, and nothing is recorded
    field = page.locator(".field--invalid", has=page.get_by_label("Expires on"))
    assert field.inner_text().endswith("The expiry date must come after the completion date.")
    assert page.get_by_label("Provider or issuer").input_value() == "County CIT Academy"
    assert not officer.training_records.exists()
    page.locator("#record-heading").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir() / "training-record-refused.png", full_page=True)
