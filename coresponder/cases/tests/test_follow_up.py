"""From an encounter's disposition to a case, its 72-hour task, contacts and flags.

Time is controlled by the `now` the actions take, never slept.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from coresponder.accounts.models import Role
from coresponder.cases import access, actions
from coresponder.cases.models import (
    Case,
    CaseStatus,
    FollowUpRule,
    FollowUpSettings,
    OpenedBecause,
    SafetyPlanRevision,
    TaskKind,
    TaskState,
)
from coresponder.core.exceptions import Conflict, DomainError, NotFound, PermissionDenied
from coresponder.core.models import AuditEntry
from coresponder.encounters import actions as encounters

pytestmark = pytest.mark.django_db


def finish(scene, disposition: str, **fields) -> None:
    encounters.set_disposition(
        scene.encounter,
        encounters.DispositionIn(disposition, **fields),
        acting_user=scene.clinician,
    )
    encounters.complete_encounter(scene.encounter, acting_user=scene.clinician)


def the_case(person) -> Case:
    return Case.objects.get(person=person)


def test_a_follow_up_disposition_opens_a_case_with_a_72_hour_task(on_scene):
    scene = on_scene()
    before = timezone.now()
    finish(scene, "referred_voluntary", destination="Crisis walk-in clinic")

    case = the_case(scene.person)
    assert case.status == CaseStatus.OPEN
    assert case.opened_because == OpenedBecause.ENCOUNTER
    assert case.encounter_id == scene.encounter.pk
    assert case.queue == scene.clinician.agency
    [task] = case.tasks.all()
    assert task.kind == TaskKind.FIRST_CONTACT
    assert task.state == TaskState.OPEN
    assert timedelta(hours=71, minutes=59) < task.due_at - before < timedelta(hours=72, minutes=1)
    assert AuditEntry.objects.filter(action="cases.case_opened", object_id=str(scene.person.pk))


def test_resolved_on_scene_opens_no_case(on_scene):
    scene = on_scene()
    finish(scene, "resolved_on_scene")
    assert not Case.objects.filter(person=scene.person).exists()


def test_rules_are_data_a_program_sets(on_scene, program):
    FollowUpRule.objects.create(
        program=program, disposition="resolved_on_scene", contact_within_hours=24
    )
    scene = on_scene()
    finish(scene, "resolved_on_scene")
    task = the_case(scene.person).tasks.get()
    assert task.due_at - the_case(scene.person).opened_at == timedelta(hours=24)

    # Once a program has rules, the defaults no longer apply.
    other = on_scene()
    finish(other, "referred_voluntary", destination="Crisis walk-in clinic")
    assert not Case.objects.filter(person=other.person).exists()


def test_reaching_the_person_closes_the_task_and_a_missed_deadline_is_overdue(on_scene, make_user):
    scene = on_scene()
    finish(scene, "referred_voluntary", destination="Crisis walk-in clinic")
    case = the_case(scene.person)
    manager = make_user(Role.CASE_MANAGER, agency=scene.clinician.agency)
    actions.assign_case(case, case_manager=manager, acting_user=manager)
    task = case.tasks.get()
    assert task.assignee == manager

    # Just before the deadline it is due, not overdue; just after, overdue.
    early = access.worklist(manager, now=task.due_at - timedelta(hours=1))
    assert early.counts["overdue"] == 0
    assert early.rows[0].overdue == 0
    late = access.worklist(manager, now=task.due_at + timedelta(minutes=1))
    assert late.counts["overdue"] == 1
    assert late.rows[0].overdue == 1

    # Attempts that fail leave it open; reaching the person closes it.
    actions.log_contact(case, actions.ContactIn("phone", "no_answer"), acting_user=manager)
    task.refresh_from_db()
    assert task.state == TaskState.OPEN
    actions.log_contact(
        case, actions.ContactIn("phone", "reached", note="Agreed to a visit"), acting_user=manager
    )
    task.refresh_from_db()
    case.refresh_from_db()
    assert task.state == TaskState.DONE
    assert task.done_by == manager
    assert case.status == CaseStatus.ACTIVE
    after = access.worklist(manager, now=task.due_at + timedelta(minutes=1))
    assert after.counts["overdue"] == 0


def test_failed_attempts_in_a_row_flag_the_case(on_scene, make_user, program):
    FollowUpSettings.objects.create(program=program, failed_attempts_flag=2)
    scene = on_scene()
    finish(scene, "referred_voluntary", destination="Crisis walk-in clinic")
    case = the_case(scene.person)
    manager = make_user(Role.CASE_MANAGER, agency=scene.clinician.agency)
    actions.assign_case(case, case_manager=manager, acting_user=manager)
    actions.log_contact(case, actions.ContactIn("phone", "no_answer"), acting_user=manager)
    case.refresh_from_db()
    assert case.unreached_at is None
    actions.log_contact(case, actions.ContactIn("text", "left_message"), acting_user=manager)
    case.refresh_from_db()
    assert case.unreached_at is not None
    assert access.worklist(manager).counts["flagged"] == 1
    actions.log_contact(case, actions.ContactIn("visit", "reached"), acting_user=manager)
    case.refresh_from_db()
    assert case.unreached_at is None


def test_a_bad_contact_is_refused_and_nothing_written(on_scene, make_user):
    scene = on_scene()
    finish(scene, "referred_voluntary", destination="Crisis walk-in clinic")
    case = the_case(scene.person)
    with pytest.raises(DomainError) as refused:
        actions.log_contact(
            case, actions.ContactIn("pigeon", "maybe", note="x\x00"), acting_user=scene.clinician
        )
    assert set(refused.value.fields) == {"method", "outcome", "note"}
    future = timezone.now() + timedelta(days=1)
    with pytest.raises(DomainError) as refused:
        actions.log_contact(
            case, actions.ContactIn("phone", "reached", at=future), acting_user=scene.clinician
        )
    assert "at" in refused.value.fields
    assert not case.contacts.exists()


def test_an_officer_cannot_write_to_a_case(on_scene):
    scene = on_scene()
    finish(scene, "referred_voluntary", destination="Crisis walk-in clinic")
    case = the_case(scene.person)
    with pytest.raises(PermissionDenied):
        actions.log_contact(case, actions.ContactIn("phone", "reached"), acting_user=scene.officer)
    with pytest.raises(NotFound):
        access.access_case_by_id(scene.officer, case.pk)


def test_the_safety_plan_from_the_scene_is_revised_with_history(on_scene):
    scene = on_scene()
    plan = {
        "warning_signs": ["Not sleeping"],
        "internal_coping": ["Walk the dog"],
        "professionals": [{"name": "988 Lifeline", "phone": "988"}],
        "safe_environment": ["Medicines kept by a neighbour"],
    }
    encounters.record_assessment(
        scene.encounter,
        instrument_key="stanley-brown-safety-plan",
        answers=plan,
        acting_user=scene.clinician,
    )
    finish(scene, "referred_voluntary", destination="Crisis walk-in clinic")
    [first] = SafetyPlanRevision.objects.filter(person=scene.person)
    assert first.number == 1
    assert first.answers == plan

    revised = {**plan, "internal_coping": ["Walk the dog", "Music"]}
    second = actions.revise_safety_plan(
        scene.person, answers=revised, note="Added music", acting_user=scene.clinician
    )
    assert second.number == 2
    first.refresh_from_db()
    assert first.answers == plan  # history kept as it was
    with pytest.raises(Conflict):
        actions.revise_safety_plan(
            scene.person, answers=revised, note="", acting_user=scene.clinician
        )
    with pytest.raises(DomainError) as refused:
        actions.revise_safety_plan(
            scene.person,
            answers={**revised, "warning_signs": "not a list", "unknown": 1},
            note="",
            acting_user=scene.clinician,
        )
    assert "warning_signs" in refused.value.fields
    assert SafetyPlanRevision.objects.filter(person=scene.person).count() == 2


def test_closing_needs_a_reason_and_cancels_open_tasks(on_scene):
    scene = on_scene()
    finish(scene, "referred_voluntary", destination="Crisis walk-in clinic")
    case = the_case(scene.person)
    with pytest.raises(DomainError) as refused:
        actions.set_status(case, status="closed", acting_user=scene.clinician)
    assert "reason" in refused.value.fields
    actions.set_status(case, status="closed", reason="connected", acting_user=scene.clinician)
    case.refresh_from_db()
    assert case.is_closed
    assert case.close_reason == "connected"
    assert not case.tasks.filter(state=TaskState.OPEN).exists()


def test_a_note_goes_with_closing_only(on_scene):
    scene = on_scene()
    finish(scene, "referred_voluntary", destination="Crisis walk-in clinic")
    case = the_case(scene.person)
    with pytest.raises(DomainError) as refused:
        actions.set_status(
            case, status="on_hold", note="Away for a month", acting_user=scene.clinician
        )
    assert "note" in refused.value.fields
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
