"""The safety summary officers see is for behaviour and safety, never clinical history: the
approval screen says so, and the demo's plans keep to it."""

from __future__ import annotations

import re

import pytest

from coresponder.demo.encounters import PLANS
from coresponder.encounters import actions

from .test_plans import page, plan_in

pytestmark = pytest.mark.django_db

NOTICE = (
    "Officers and dispatchers see only the safety summary: safety concerns, triggers and "
    "what calms. It is for behaviour and safety. Before approving, check it names no "
    "diagnosis, medication, "
    "substance-use treatment or hospital stay; those belong in the clinical part."
)
OFFICER_VISIBLE = ("safety_concerns", "triggers", "calming")
# Words that tell a clinical or substance-use history, not how to approach safely.
CLINICAL_HISTORY = re.compile(
    r"diagnos|medicat|prescri|overdose|attempt|hospitali|psychiatr|inpatient|detox|"
    r"withdrawal|intoxicat|sober|alcohol|drug|schizo|bipolar|depress|ptsd|psychos|"
    r"treatment|rehab|therap",
    re.IGNORECASE,
)


def test_the_approval_screen_says_what_officers_see_and_what_it_is_for(
    client, crew, person, sign_in
):
    # given a draft waiting for the supervisor
    actions.save_plan(person, plan_in(), acting_user=crew["clinician"])
    sign_in(crew["supervisor"])

    # when the supervisor opens it to approve
    shown = page(client, f"/encounters/plans/{person.pk}/")

    # then the screen says the summary is for behaviour and safety
    assert ">Approve</button>" in shown
    assert NOTICE in shown.replace("\n", " ")


def test_the_drafting_form_says_the_same_beside_the_summary(client, crew, person, sign_in):
    sign_in(crew["clinician"])

    shown = page(client, f"/encounters/plans/{person.pk}/draft/")

    assert NOTICE in shown.replace("\n", " ")


@pytest.mark.parametrize("focus", sorted(PLANS))
def test_the_demo_plans_summaries_hold_no_clinical_history(focus):
    # given the part of a demo plan an officer sees
    summary = " ".join(PLANS[focus][field] for field in OFFICER_VISIBLE)

    # then it tells behaviour and safety, nothing of diagnosis, medication or treatment
    assert CLINICAL_HISTORY.findall(summary) == []
    assert all(PLANS[focus][field] for field in OFFICER_VISIBLE)


def test_the_clinical_history_check_finds_what_it_looks_for():
    found = CLINICAL_HISTORY.findall("Past attempt by overdose of prescribed medication; detox.")

    assert found == ["attempt", "overdose", "prescri", "medicat", "detox"]
