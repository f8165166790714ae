"""In Chromium, on a phone and on a desk: the clinician corrects a person's record, is
asked about digits in a name and a phone without its area code, and sees the history."""

from __future__ import annotations

import pytest
from django.utils import timezone

from coresponder.demo.generator import build_demo_program
from coresponder.people.models import Person, PersonName
from coresponder.testing.browser import screenshot_dir

from .test_person_privacy import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [360, 1280])
def test_the_clinician_corrects_a_record_and_sees_its_history(live_server, page_at, width):
    # given the demo program, where the clinician works with Demo Alpha
    # The live server's pages read the clock: the demo stands at it, without its year.
    build_demo_program(now=timezone.now(), history=False)
    alpha = Person.objects.get(names__family="Alpha")
    shots = screenshot_dir()
    page = page_at(width)
    sign_in(page, live_server.url, "clinician")
    page.goto(f"{live_server.url}/people/{alpha.pk}/")

    # when the clinician opens the edit page and types digits into the name and a short phone
    page.get_by_test_id("edit-person").click()
    page.wait_for_url(f"{live_server.url}/people/{alpha.pk}/edit/")
    page.get_by_label("Family name", exact=True).fill("Alpha 03151994")
    page.get_by_label("Phone").fill("555-0111")
    page.get_by_role("button", name="Save changes").click()

    # then both are refused, each saying what to fix, with a box to confirm the name
    page.get_by_text("This name has digits in it.").wait_for()
    assert page.get_by_text("Give the area code too").is_visible()
    assert page.get_by_label("The digits are truly part of the name").is_visible()
    page.screenshot(path=shots / f"person-edit-warnings-{width}.png", full_page=True)
    assert PersonName.objects.get(person=alpha, kind="legal").family == "Alpha"

    # when the clinician corrects both and saves
    page.get_by_label("Family name", exact=True).fill("Alpha")
    page.get_by_label("Pronouns").fill("they/them")
    page.get_by_label("Phone").fill("303-555-0100 x12")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"{live_server.url}/people/{alpha.pk}/")

    # then the person page shows the new values and the history of the change
    history = page.get_by_test_id("person-history")
    history.wait_for()
    text = history.inner_text()
    assert "Pronouns" in text
    assert "they/them" in text
    assert "(303) 555-0100 x12" in text
    assert "(303) 555-0100 x12" in page.locator("[data-class=care_coordination]").inner_text()
    page.screenshot(path=shots / f"person-edited-{width}.png", full_page=True)
    alpha.refresh_from_db()
    assert (alpha.pronouns, alpha.phone) == ("they/them", "+13035550100 x12")
