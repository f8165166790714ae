"""The relations a case makes (issue 16, items 3 and 7).

Closing a case ends the follow-up queue's relation through `privacy.actions`, with one
audit entry per relation ended. The queue gives the agency's case managers what they
need to triage (who, why the case opened); the clinical record (notes, C-SSRS answers,
the safety plan) goes to the assigned case manager and the care team named on the case.
"""

from __future__ import annotations

import pytest

from coresponder.accounts.models import Role
from coresponder.cases import actions
from coresponder.cases.models import Case, OpenedBecause
from coresponder.core.models import AuditEntry
from coresponder.encounters import actions as encounters
from coresponder.people import actions as people
from coresponder.people.actions import NameIn, PersonIn, register_person
from coresponder.privacy import events as privacy_events
from coresponder.privacy.models import AccessRelation

pytestmark = pytest.mark.django_db

NOTE_PLAN = "Sister to stay overnight; GP appointment Thursday"
SUMMARY = "Longstanding bipolar disorder; lithium since 2019"
PLAN = {
    "warning_signs": ["Not sleeping"],
    "internal_coping": ["Walk the dog along the canal"],
    "professionals": [{"name": "988 Lifeline", "phone": "988"}],
    "safe_environment": ["Medicines kept by a neighbour"],
}
CSSRS = {"wish_dead": True, "suicidal_thoughts": False, "behavior": False}


def test_closing_a_case_ends_the_queues_relation_with_one_audit_entry(
    client, sign_in, desk, make_user, agencies
):
    # given a case of a case manager's, waiting in their agency's queue too
    manager = make_user(Role.CASE_MANAGER, agency=agencies["behavioral_health"])
    person = register_person(PersonIn(names=[NameIn(family="Scene")]), acting_user=desk)
    case = actions.open_case(
        person, because=OpenedBecause.BY_HAND, acting_user=manager, case_manager=manager
    )
    queue = AccessRelation.objects.get(person=person, agency=case.queue)

    # when the case manager closes the case on its page
    sign_in(manager)
    response = client.post(
        f"/cases/{case.pk}/status/", {"status": "closed", "reason": "goals_met", "note": ""}
    )

    # then the queue's relation has ended, with an audit entry naming it and why
    assert response.status_code == 302
    queue.refresh_from_db()
    case.refresh_from_db()
    assert (queue.ends_at, queue.end_reason) == (case.closed_at, "case_closed")
    entries = AuditEntry.objects.filter(action=privacy_events.RELATION_ENDED)
    assert [(e.object_id, e.detail["relation"], e.detail["reason"]) for e in entries] == [
        (str(person.pk), str(queue.pk), "case_closed")
    ]
    assert entries.get().actor_username == manager.username
    # and the case manager stays on the care team
    assert AccessRelation.objects.in_force().filter(person=person, user=manager).count() == 1


@pytest.fixture
def queued(on_scene, make_user):
    """A case opened from an encounter with a clinical note, a C-SSRS screen and a safety
    plan, assigned to one case manager of the clinician's agency; two more of its staff
    (a case manager and a clinician) are not on it."""
    scene = on_scene()
    people.update_person(
        scene.person, changes={"clinical_summary": SUMMARY}, acting_user=scene.clinician
    )
    encounters.save_section(
        scene.encounter, "clinical", content={"plan": NOTE_PLAN}, acting_user=scene.clinician
    )
    encounters.sign_section(scene.encounter, "clinical", acting_user=scene.clinician)
    encounters.record_assessment(
        scene.encounter, instrument_key="cssrs-screener", answers=CSSRS, acting_user=scene.clinician
    )
    encounters.record_assessment(
        scene.encounter,
        instrument_key="stanley-brown-safety-plan",
        answers=PLAN,
        acting_user=scene.clinician,
    )
    encounters.set_disposition(
        scene.encounter,
        encounters.DispositionIn("referred_voluntary", destination="Crisis walk-in clinic"),
        acting_user=scene.clinician,
    )
    encounters.complete_encounter(scene.encounter, acting_user=scene.clinician)
    case = Case.objects.get(person=scene.person)
    agency = scene.clinician.agency
    assert case.queue == agency
    assigned = make_user(Role.CASE_MANAGER, agency=agency)
    actions.assign_case(case, case_manager=assigned, acting_user=assigned)
    colleagues = [
        make_user(Role.CASE_MANAGER, agency=agency),
        make_user(Role.CLINICIAN, agency=agency),
    ]
    return scene, case, assigned, colleagues


def pages_of(client, scene, case) -> dict[str, tuple[int, str]]:
    urls = {
        "person": f"/people/{scene.person.pk}/",
        "case": f"/cases/{case.pk}/",
        "case_api": f"/api/v1/cases/{case.pk}",
        "safety_plan_api": f"/api/v1/cases/{case.pk}/safety-plan",
        "safety_plan_print": f"/cases/{case.pk}/safety-plan/print/",
        "encounter_api": f"/api/v1/encounters/{scene.encounter.pk}",
    }
    found = {}
    for name, url in urls.items():
        response = client.get(url)
        found[name] = (response.status_code, response.content.decode())
    return found


CLINICAL = (SUMMARY, NOTE_PLAN, "Walk the dog along the canal", '"wish_dead"')


def test_the_queues_other_staff_triage_but_do_not_read_the_clinical_record(client, sign_in, queued):
    scene, case, _assigned, colleagues = queued
    for colleague in colleagues:
        # when a case manager or clinician of the queue's agency, not on the case, looks
        sign_in(colleague)
        found = pages_of(client, scene, case)

        # then they see who the person is and why the case opened
        assert found["case"][0] == 200, colleague.roles
        assert "Scene" in found["case"][1]
        assert "(encounter needing follow-up)" in found["case"][1]
        assert found["case_api"][0] == 200
        assert found["case_api"][1].count('"opened_because": "encounter"') == 1
        assert found["person"][0] == 200
        assert "Scene" in found["person"][1]
        # and none of the clinical record, anywhere
        assert found["safety_plan_api"][0] in (403, 404)
        assert found["safety_plan_print"][0] == 404
        for name, (_status, body) in found.items():
            for text in CLINICAL:
                assert text not in body, (colleague.roles, name, text)
        client.logout()


def test_the_assigned_case_manager_reads_the_clinical_record(client, sign_in, queued):
    scene, case, assigned, _colleagues = queued
    sign_in(assigned)

    found = pages_of(client, scene, case)

    assert {name: status for name, (status, _body) in found.items()} == {
        "person": 200,
        "case": 200,
        "case_api": 200,
        "safety_plan_api": 200,
        "safety_plan_print": 200,
        "encounter_api": 200,
    }
    assert SUMMARY in found["person"][1]
    assert "Walk the dog along the canal" in found["case"][1]
    assert "Walk the dog along the canal" in found["safety_plan_api"][1]
    assert NOTE_PLAN in found["encounter_api"][1]
    assert '"wish_dead"' in found["encounter_api"][1]
