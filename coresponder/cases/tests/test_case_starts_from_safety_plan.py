"""A case opened by hand or by a repeat crisis starts from the person's latest safety plan
(issue 18, item 3): the plan written on scene, when it is newer than their last revision."""

from __future__ import annotations

import pytest

from coresponder.accounts.models import Role
from coresponder.cases import actions
from coresponder.cases.models import Case, OpenedBecause, SafetyPlanRevision
from coresponder.encounters import actions as encounters

pytestmark = pytest.mark.django_db

PLAN = {
    "warning_signs": ["Not sleeping"],
    "internal_coping": ["Walk the dog"],
    "professionals": [{"name": "988 Lifeline", "phone": "988"}],
    "safe_environment": ["Medicines kept by a neighbour"],
}


@pytest.fixture
def planned(on_scene):
    """A call whose encounter wrote a safety plan and ended resolved on scene: no case."""
    scene = on_scene()
    assessment = encounters.record_assessment(
        scene.encounter,
        instrument_key="stanley-brown-safety-plan",
        answers=PLAN,
        acting_user=scene.clinician,
    )
    encounters.set_disposition(
        scene.encounter,
        encounters.DispositionIn("resolved_on_scene"),
        acting_user=scene.clinician,
    )
    encounters.complete_encounter(scene.encounter, acting_user=scene.clinician)
    assert not Case.objects.filter(person=scene.person).exists()
    assert not SafetyPlanRevision.objects.filter(person=scene.person).exists()
    scene.assessment = assessment
    return scene


def test_a_case_opened_by_hand_starts_from_the_plan_written_on_scene(
    client, sign_in, make_user, planned
):
    # given a case manager of the behavioural-health agency
    sign_in(make_user(Role.CASE_MANAGER, agency=planned.clinician.agency))

    # when the case manager opens a case for the person by hand
    response = client.post(
        "/api/v1/cases", {"person_id": str(planned.person.pk)}, content_type="application/json"
    )

    # then the person's safety plan starts from the one written on scene
    assert response.status_code == 201, response.content
    [revision] = SafetyPlanRevision.objects.filter(person=planned.person)
    assert (revision.number, revision.answers, revision.assessment_id) == (
        1,
        PLAN,
        planned.assessment.pk,
    )
    assert revision.note == f"Written on scene, call {planned.call.reference}"
    assert revision.written_by_id == planned.clinician.pk


def test_a_later_revision_is_not_replaced_by_the_older_plan_from_the_scene(
    client, sign_in, make_user, planned
):
    # given the plan revised since the scene, and the case that held it closed
    case = actions.open_case(planned.person, because=OpenedBecause.BY_HAND, acting_user=None)
    revised = {**PLAN, "internal_coping": ["Walk the dog", "Music"]}
    actions.revise_safety_plan(
        planned.person, answers=revised, note="Added music", acting_user=planned.clinician
    )
    actions.set_status(case, status="closed", reason="connected", acting_user=planned.clinician)

    # when a new case is opened by hand
    sign_in(make_user(Role.CASE_MANAGER, agency=planned.clinician.agency))
    response = client.post(
        "/api/v1/cases", {"person_id": str(planned.person.pk)}, content_type="application/json"
    )

    # then it starts from the latest revision, and nothing older is added
    assert response.status_code == 201, response.content
    latest = SafetyPlanRevision.objects.filter(person=planned.person).order_by("-number")
    assert [(r.number, r.answers) for r in latest] == [(2, revised), (1, PLAN)]


def test_a_repeat_crisis_case_starts_from_the_plan_written_on_scene(planned, take_call):
    # given two more calls about the person within the repeat-crisis window
    take_call(person_id=planned.person.pk)
    third = take_call(person_id=planned.person.pk)

    # when the third call is noted (the intake does so)
    case = actions.note_call(third)

    # then a case opens for the repeat crisis, starting from the plan written on scene
    assert case is not None
    assert case.opened_because == OpenedBecause.REPEAT_CRISIS
    [revision] = SafetyPlanRevision.objects.filter(person=planned.person)
    assert (revision.answers, revision.assessment_id) == (PLAN, planned.assessment.pk)
