"""In Chromium: an officer and a clinician open the same person and see different records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from coresponder.demo.generator import DEMO_PASSWORD, build_demo_program
from coresponder.people.models import Person
from coresponder.privacy import actions as privacy
from coresponder.privacy.models import Consent
from coresponder.testing.browser import screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLINICAL = "Recurrent major depressive episodes"
PART2 = "outpatient alcohol-use program"
SAFETY = "kitchen knife"
PHONE = "555-0100"


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def open_by_search(page, base_url: str, name: str) -> None:
    page.goto(f"{base_url}/people/")
    page.get_by_label("Name").fill(name)
    page.locator(".result__name", has_text="Demo Alpha").first.click()
    page.wait_for_url(f"{base_url}/people/*/")


def test_officer_and_clinician_see_different_parts_of_one_person(live_server, page_at):
    # given the demo program, where both went on a call about Demo Alpha
    # The live server's pages read the clock: the demo stands at it, without its year.
    build_demo_program(now=timezone.now(), history=False)
    shots = screenshot_dir()
    officer = page_at(1280)
    clinician = page_at(1280)

    # when each finds the person by typing part of the name
    sign_in(officer, live_server.url, "officer")
    open_by_search(officer, live_server.url, "alph")
    sign_in(clinician, live_server.url, "clinician")
    open_by_search(clinician, live_server.url, "alfa")

    # then the officer sees safety information and nothing clinical
    officer_text = officer.locator("main").inner_text()
    assert SAFETY in officer_text
    for withheld in (CLINICAL, PART2, PHONE):
        assert withheld not in officer_text
    assert officer.locator("[data-class=clinical]").count() == 0
    assert officer.locator("[data-class=sud_part2]").count() == 0
    officer.screenshot(path=shots / "person-as-officer.png", full_page=True)

    # and the clinician sees it all, with the Part 2 notice beside the Part 2 section
    clinician_text = clinician.locator("main").inner_text()
    for shown in (SAFETY, CLINICAL, PART2, PHONE):
        assert shown in clinician_text
    assert clinician.locator("[data-class=sud_part2] .part2-notice").is_visible()
    clinician.screenshot(path=shots / "person-as-clinician.png", full_page=True)


def test_a_consent_shows_the_officer_contact_details_until_it_is_revoked(live_server, page_at):
    # given
    # The live server's pages read the clock: the demo stands at it, without its year.
    build_demo_program(now=timezone.now(), history=False)
    alpha = Person.objects.get(names__family="Alpha")
    page = page_at(360)
    sign_in(page, live_server.url, "officer")
    page.goto(f"{live_server.url}/people/{alpha.pk}/")
    assert PHONE not in page.locator("main").inner_text()

    # when the person consents to the officer's agency receiving care-coordination details
    from coresponder.accounts.models import User

    officer = User.objects.get(username="officer")
    clinician = User.objects.get(username="clinician")
    consent = privacy.record_consent(
        alpha,
        kind=Consent.Kind.GENERAL,
        data_classes=["care_coordination"],
        recipient_agencies=[officer.agency],
        purpose=Consent.Purpose.CARE_COORDINATION,
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=None,
        form_kind=Consent.FormKind.VERBAL,
        acting_user=clinician,
    )
    page.reload()

    # then that section appears, and nothing more
    text = page.locator("main").inner_text()
    assert PHONE in text
    assert page.locator("[data-class=care_coordination]").is_visible()
    assert CLINICAL not in text
    assert PART2 not in text
    page.screenshot(
        path=screenshot_dir() / "person-as-officer-with-consent-phone.png", full_page=True
    )

    # when the consent is revoked, the section is gone on the next look
    privacy.revoke_consent(consent, acting_user=clinician)
    page.reload()
    assert PHONE not in page.locator("main").inner_text()
    assert page.locator("[data-class=care_coordination]").count() == 0


def test_a_supervisor_reviews_emergency_access_in_the_queue(live_server, page_at):
    # The live server's pages read the clock: the demo stands at it, without its year.
    build_demo_program(now=timezone.now(), history=False)
    page = page_at(1280)
    sign_in(page, live_server.url, "supervisor")

    page.get_by_role("link", name="Emergency access review").click()
    item = page.locator(".review-item").first
    assert "Unresponsive on arrival" in item.inner_text()
    page.screenshot(path=screenshot_dir() / "break-glass-queue.png", full_page=True)
    item.get_by_label("Appropriate", exact=True).check()
    item.get_by_role("button", name="Record review").click()

    assert page.get_by_text("Review recorded.").is_visible()
    assert page.locator(".review-item").count() == 0
