"""09:30 reads 09:30 everywhere (issue 17), in Chromium on machines set to another zone.

A partner books an appointment at 09:30 on its page; the program is in Denver and every
browser here is set to Tokyo, so nothing may come from the browser's clock. The partner,
the clinician on the encounter and the case manager on the case's timeline all read
09:30, and the field view's "Saved" time is on Denver's clock too. Screenshots go to
COR_TEST_OUTPUT/screenshots."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from coresponder.accounts.models import Role
from coresponder.cases import actions as cases
from coresponder.cases.models import OpenedBecause
from coresponder.encounters.tests.browser.field_helpers import PHONE, fits, open_field, sign_in
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.referrals import actions
from coresponder.referrals.models import Referral
from coresponder.referrals.tests.referral_fixtures import CONTACT, NEED
from coresponder.testing.browser import screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ELSEWHERE = "Asia/Tokyo"  # UTC+9 all year: any time taken from the browser would show
BOOKED = "appointment 15 Jan 2027 09:30"


@pytest.fixture
def tokyo(browser):
    """Browser pages on machines whose clock is set to Tokyo."""
    contexts = []

    def open_page(width: int, height: int):
        context = browser.new_context(
            viewport={"width": width, "height": height}, timezone_id=ELSEWHERE
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def shoot(page, name: str) -> None:
    page.screenshot(path=screenshot_dir() / f"clock-{name}.png", full_page=True)


def test_an_appointment_booked_at_09_30_reads_09_30_everywhere(
    live_server, tokyo, on_scene, harbor, make_user, agencies
):
    # given a referral to Harbor with the person's consent, and a case for the person
    scene = on_scene(emt=False)
    share_care_coordination(scene.person, with_agency=harbor.agency, recorded_by=scene.clinician)
    referral = actions.send_referral(
        scene.encounter,
        service=harbor.service,
        need=NEED,
        contact=CONTACT,
        acting_user=scene.clinician,
    )
    manager = make_user(Role.CASE_MANAGER, agency=agencies["behavioral_health"])
    case = cases.open_case(
        scene.person, because=OpenedBecause.BY_HAND, acting_user=manager, case_manager=manager
    )

    # when the partner accepts it and books 09:30 in the field the page labels with Denver
    partner = tokyo(1280, 900)
    sign_in(partner, live_server.url, harbor.user)
    partner.goto(f"{live_server.url}/referrals/partner/")
    expect(partner.get_by_test_id("time-zone")).to_have_text("Times: America/Denver")
    card = partner.get_by_test_id("partner-referral")
    card.get_by_role("button", name="Accept").click()
    expect(card).to_have_attribute("data-state", "accepted")
    card.get_by_text("Book…").click()  # the queue's booking form opens from its row
    card.get_by_label("Appointment (America/Denver)").fill("2027-01-15T09:30")
    card.get_by_role("button", name="Book", exact=True).click()
    expect(card).to_have_attribute("data-state", "scheduled")

    # then the partner reads 09:30
    expect(card.get_by_test_id("appointment")).to_have_text(BOOKED)
    shoot(partner, "partner-booked")
    referral.refresh_from_db()
    assert referral.appointment_at == datetime(2027, 1, 15, 16, 30, tzinfo=UTC)

    # and the clinician, on the encounter's field view at phone width
    clinician = tokyo(*PHONE)
    sign_in(clinician, live_server.url, scene.clinician)
    # the phone's clock says 02:51 on the 16th in Tokyo; it is 10:51 on the 15th in Denver
    clinician.clock.set_system_time(datetime(2027, 1, 15, 17, 51, 30, tzinfo=UTC))
    open_field(clinician, live_server.url, scene.encounter)
    outcome = clinician.get_by_test_id("encounter-referrals").get_by_test_id("encounter-referral")
    expect(outcome.get_by_test_id("appointment")).to_have_text(BOOKED)
    assert fits(clinician)
    # and the time the phone says a note was saved is Denver's too
    clinician.get_by_label("Behaviour", exact=True).fill("Calmer after the call with the clinic")
    expect(clinician.get_by_test_id("section-status-clinical")).to_have_text("Saved 10:51")
    shoot(clinician, "field-booked")

    # and the case manager, on the case's timeline
    desk = tokyo(1280, 900)
    sign_in(desk, live_server.url, manager)
    desk.goto(f"{live_server.url}/cases/{case.pk}/")
    timeline = desk.get_by_test_id("timeline")
    expect(timeline.get_by_test_id("appointment")).to_have_text(BOOKED)
    timeline.scroll_into_view_if_needed()
    shoot(desk, "case-timeline-booked")
    assert Referral.objects.get().state == "scheduled"
