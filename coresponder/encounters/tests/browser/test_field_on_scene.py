"""In Chromium at phone width: the clinician screens with the C-SSRS (skip logic live, the
server's risk level shown), writes the clinical note and the disposition; the officer on
the same call, on their own phone, sees the safety part and the plan's safety summary and
nothing clinical."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coresponder.accounts.models import Role
from coresponder.encounters import actions
from coresponder.encounters.models import Assessment, Encounter

from .field_helpers import PHONE, fits, open_field, shoot, sign_in, stored

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAN_SAFETY = "Keeps a kitchen knife in his jacket when he is scared"
PLAN_CALMING = "Sit down first and talk about his dog, Biscuit"
PLAN_BASELINE = "Quiet, paces the porch and hums"  # clinical: never on the officer's page
NOTE = "Says the voices told him to walk into the river tonight"
NOTE_PLAN = "Walk-in appointment at Riverside clinic tomorrow 9:00"
WEAPONS = "Knife found in jacket, secured by officer"
REFERRAL = "Riverside Community Mental Health walk-in clinic"


def approved_plan(person, clinician, supervisor):
    plan = actions.save_plan(
        person,
        actions.PlanIn(
            review_by=timezone.localdate() + timedelta(days=90),
            safety_concerns=PLAN_SAFETY,
            calming=PLAN_CALMING,
            baseline=PLAN_BASELINE,
            strategies=["Call his sister first"],
        ),
        acting_user=clinician,
    )
    return actions.approve_plan(plan, acting_user=supervisor)


def answer(page, question: str, words: str) -> None:
    page.locator(f"[data-question={question}]").get_by_text(words, exact=True).click()


def test_the_clinician_screens_and_writes_and_the_officer_sees_no_clinical_word(
    live_server, page_at, on_scene, make_user, take_call
):
    # given a team on scene at a call about a person with an approved response plan
    scene = on_scene(emt=False)
    approved_plan(scene.person, scene.clinician, make_user(Role.SUPERVISOR))
    clinician = page_at(*PHONE)
    sign_in(clinician, live_server.url, scene.clinician)
    open_field(clinician, live_server.url, scene.encounter)
    expect(clinician.get_by_test_id("field-call")).to_contain_text("1400 Test Street")
    expect(clinician.get_by_test_id("field-plan")).to_contain_text(PLAN_BASELINE)

    # when the clinician answers the screener: 3 to 5 appear only after a yes to 2
    screener = clinician.get_by_test_id("screener")
    result = clinician.get_by_test_id("cssrs-result")
    expect(screener.locator("[data-question=method]")).to_be_hidden()
    answer(clinician, "wish_dead", "Yes")
    answer(clinician, "suicidal_thoughts", "Yes")
    expect(screener.locator("[data-question=method]")).to_be_visible()
    answer(clinician, "method", "Yes")
    answer(clinician, "intent", "No")
    answer(clinician, "plan", "No")
    answer(clinician, "behavior", "No")
    expect(screener.locator("[data-question=behavior_recent]")).to_be_hidden()

    # then the level the server computed is shown
    expect(result.locator("[data-result-complete]")).to_have_text("Complete.")
    expect(result.locator("[data-result-label]")).to_have_text("Moderate risk")

    # and a yes to intent makes it high
    answer(clinician, "intent", "Yes")
    expect(result.locator("[data-result-label]")).to_have_text("High risk")
    expect(result).to_contain_text("do not leave the person alone")
    expect(clinician.get_by_test_id("screener-status")).to_contain_text("Saved")
    (assessment,) = Assessment.objects.filter(encounter=scene.encounter)
    assert (assessment.level, assessment.label, assessment.complete) == ("high", "High risk", True)
    assert assessment.answers == {
        "wish_dead": True,
        "suicidal_thoughts": True,
        "method": True,
        "intent": True,
        "plan": False,
        "behavior": False,
    }

    # when the clinician writes the note, autosaved
    clinician.get_by_label("Behaviour", exact=True).fill(NOTE)
    clinician.get_by_label("Plan", exact=True).fill(NOTE_PLAN)
    expect(clinician.get_by_test_id("section-status-clinical")).to_contain_text("Saved")
    expect(clinician.get_by_test_id("sync-status")).to_contain_text("All saved")
    assert stored(scene.encounter, "clinical").content == {"behaviour": NOTE, "plan": NOTE_PLAN}

    # and the disposition: the destination field appears for a referral
    disposition = clinician.get_by_test_id("disposition")
    destination = disposition.get_by_label("Destination, or the service referred to")
    expect(destination).to_be_hidden()
    expect(disposition.get_by_label("Legal basis of the hold")).to_be_hidden()
    disposition.get_by_text("De-escalation").click()
    disposition.get_by_text("Safety planning").click()
    disposition.get_by_text("Referred (voluntary)").click()
    expect(destination).to_be_visible()
    destination.fill(REFERRAL)
    shoot(clinician, "clinician")
    assert fits(clinician)
    clinician.get_by_test_id("save-disposition").click()
    expect(clinician.get_by_text("Disposition saved.")).to_be_visible()
    encounter = Encounter.objects.get(pk=scene.encounter.pk)
    assert (encounter.disposition, encounter.destination) == ("referred_voluntary", REFERRAL)
    assert encounter.interventions == ["de_escalation", "safety_planning"]

    # when the officer opens the same call on their own phone and writes the safety part
    officer = page_at(*PHONE)
    sign_in(officer, live_server.url, scene.officer)
    open_field(officer, live_server.url, scene.encounter)
    officer.get_by_label("Weapons seen or secured").fill(WEAPONS)
    expect(officer.get_by_test_id("section-status-safety")).to_contain_text("Saved")

    # then the officer sees the call, the safety section and the plan's safety summary
    expect(officer.get_by_test_id("field-plan")).to_contain_text(PLAN_SAFETY)
    expect(officer.get_by_test_id("field-plan")).to_contain_text(PLAN_CALMING)
    expect(officer.get_by_test_id("field-plan")).to_contain_text("safety summary")
    expect(officer.get_by_test_id("disposition")).to_contain_text("Referred (voluntary)")
    shoot(officer, "officer")
    assert fits(officer)
    # and nothing clinical: not the note, the screener, its result or the whole plan
    html = officer.content()
    for clinical in (
        NOTE,
        NOTE_PLAN,
        PLAN_BASELINE,
        "Call his sister first",
        "High risk",
        "Moderate risk",
        "C-SSRS",
        "wished you were dead",
        "cssrs",
        "Clinical note",
    ):
        assert clinical not in html, clinical
    assert stored(scene.encounter, "safety").content == {"weapons": WEAPONS}

    # and the clinician, reloading, reads the officer's safety section
    clinician.reload()
    expect(clinician.get_by_test_id("section-safety")).to_contain_text(WEAPONS)
