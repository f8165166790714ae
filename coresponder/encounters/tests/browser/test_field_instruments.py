"""In Chromium at phone width: the clinician writes the Stanley–Brown safety plan on the
field view, below the C-SSRS: lines become the list, a line with a dash a contact, and
the page says the plan is complete once the server has it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coresponder.encounters.models import Assessment

from .field_helpers import PHONE, fits, open_field, shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAN = "stanley-brown-safety-plan"


def test_the_clinician_writes_the_safety_plan_and_sees_it_complete(live_server, page_at, on_scene):
    # given the clinician on scene, the safety plan closed below the C-SSRS
    scene = on_scene(emt=False)
    phone = page_at(*PHONE)
    sign_in(phone, live_server.url, scene.clinician)
    open_field(phone, live_server.url, scene.encounter)
    card = phone.get_by_test_id(f"instrument-{PLAN}")
    status = card.get_by_test_id(f"status-{PLAN}")
    result = card.get_by_test_id(f"result-{PLAN}")
    expect(status).to_have_text("Not started")
    warning_signs = card.get_by_label("Warning signs")
    expect(warning_signs).to_be_hidden()

    # when it is opened and the warning signs written, one a line
    summary = card.locator("summary")
    summary.click()
    assert summary.bounding_box()["height"] >= 48
    warning_signs.fill("Stops eating\n\nGives away his tools\n")

    # then it is saved as begun, saying what is still needed
    expect(status).to_have_text("Not complete")
    expect(result).to_contain_text("Still needed: 2, 5, 6")

    # when the rest of what is needed is written, a contact as "name — phone"
    card.get_by_label("Internal coping strategies").fill("Walk the dog")
    card.get_by_label("Professionals or agencies").fill("988 Suicide & Crisis Lifeline — 988")
    card.get_by_label("Making the environment safe").fill("His brother keeps the rifle")
    card.get_by_role("button", name="Save the answers").click()

    # then the page shows it complete, with no risk level, once the server has it
    expect(result.locator("[data-result-label]")).to_have_text("Complete")
    expect(status).to_have_text("Complete")
    expect(card.get_by_test_id(f"instrument-status-{PLAN}")).to_contain_text("Saved")
    (assessment,) = Assessment.objects.filter(encounter=scene.encounter)
    assert (assessment.complete, assessment.level) == (True, "")
    assert assessment.answers == {
        "warning_signs": ["Stops eating", "Gives away his tools"],
        "internal_coping": ["Walk the dog"],
        "professionals": [{"name": "988 Suicide & Crisis Lifeline", "phone": "988"}],
        "safe_environment": ["His brother keeps the rifle"],
    }
    shoot(phone, "safety-plan")
    assert fits(phone)
