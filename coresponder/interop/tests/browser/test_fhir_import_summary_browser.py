"""In Chromium, on a phone and on a desk: the clinician sees Demo Alpha's imported EHR
summary on the person page, and the officer on the same person does not."""

from __future__ import annotations

import pytest
from django.utils import timezone

from coresponder.accounts.models import User
from coresponder.demo.generator import build_demo_program
from coresponder.people.models import Person
from coresponder.people.tests.browser.test_person_privacy import sign_in
from coresponder.testing.browser import screenshot_dir

from ..test_fhir_import import ALLERGY, MEDICATION, bundle, condition, encounter, patient, run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [360, 1280])
def test_the_clinician_reads_the_ehr_summary_and_the_officer_does_not(live_server, page_at, width):
    # given the demo program, and Demo Alpha's EHR bundle imported by the clinician
    build_demo_program(now=timezone.now(), history=False)
    alpha = Person.objects.get(names__family="Alpha")
    clinician = User.objects.get(username="clinician")
    raw = bundle(
        patient(given="Demo", family="Alpha"),
        encounter(),
        condition("c-1", display="Generalized anxiety disorder"),
        condition(
            "c-2",
            display="Chronic post-traumatic stress disorder following a motor vehicle accident",
            clinicalStatus={"coding": [{"code": "resolved"}]},
        ),
        MEDICATION,
        ALLERGY,
    )
    run(raw, clinician, links={"pt-1": alpha.pk})
    shots = screenshot_dir()

    # when the clinician opens the person page
    page = page_at(width)
    sign_in(page, live_server.url, "clinician")
    page.goto(f"{live_server.url}/people/{alpha.pk}/")

    # then the summary shows each line with its date and source, and fits the screen
    summary = page.get_by_test_id("health-summary")
    summary.wait_for()
    text = summary.inner_text()
    assert "Generalized anxiety disorder" in text
    assert "Sertraline 50 MG Oral Tablet" in text
    assert "Penicillin" in text
    assert "Last EHR visit: Psychiatric follow-up 2021-01-05 · County EHR" in text
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    summary.screenshot(path=shots / f"ehr-summary-{width}.png")
    page.screenshot(path=shots / f"ehr-summary-person-{width}.png", full_page=True)

    # when the officer opens the same person
    officer = page_at(width)
    sign_in(officer, live_server.url, "officer")
    officer.goto(f"{live_server.url}/people/{alpha.pk}/")
    officer.get_by_role("heading", level=1).wait_for()

    # then there is no summary, nor any line of it
    assert officer.get_by_test_id("health-summary").count() == 0
    assert "Generalized anxiety disorder" not in officer.content()
