"""Administrators edit the follow-up rules and numbers as data, in the admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from coresponder.cases.models import Case, FollowUpRule, FollowUpSettings, OpenedBecause
from coresponder.encounters import actions as encounters
from coresponder.people.actions import NameIn, PersonIn, register_person

pytestmark = pytest.mark.django_db


def test_a_rule_added_in_the_admin_opens_cases(client, sign_in, admin_user, program, on_scene):
    # given an administrator who adds a rule: resolved on scene, contact within 24 hours
    sign_in(admin_user)
    assert client.get("/admin/cases/followuprule/add/").status_code == 200
    response = client.post(
        "/admin/cases/followuprule/add/",
        {
            "program": program.pk,
            "disposition": "resolved_on_scene",
            "contact_within_hours": 24,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = FollowUpRule.objects.get(program=program)
    assert client.get("/admin/cases/followuprule/").status_code == 200
    assert client.get(f"/admin/cases/followuprule/{rule.pk}/change/").status_code == 200

    # when an encounter ends resolved on scene
    scene = on_scene()
    encounters.set_disposition(
        scene.encounter,
        encounters.DispositionIn("resolved_on_scene"),
        acting_user=scene.clinician,
    )
    encounters.complete_encounter(scene.encounter, acting_user=scene.clinician)

    # then it opens a case whose first contact is due within the rule's 24 hours
    case = Case.objects.get(person=scene.person)
    assert case.opened_because == OpenedBecause.ENCOUNTER
    task = case.tasks.get()
    assert (task.due_at - case.opened_at).total_seconds() == 24 * 3600


def test_the_settings_saved_in_the_admin_set_the_repeat_crisis_count(
    client, sign_in, admin_user, program, desk, take_call
):
    sign_in(admin_user)
    fields = {
        "program": program.pk,
        "first_contact_hours": 72,
        "failed_attempts_flag": 3,
        "repeat_calls": 1,
        "repeat_days": 30,
        "referral_answer_hours": 24,
    }
    # A count of one call is refused with the form shown again.
    refused = client.post("/admin/cases/followupsettings/add/", fields)
    assert refused.status_code == 200
    assert not FollowUpSettings.objects.exists()

    response = client.post("/admin/cases/followupsettings/add/", {**fields, "repeat_calls": 2})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert client.get("/admin/cases/followupsettings/").status_code == 200

    # Two calls in 30 days are now a repeat crisis.
    person = register_person(
        PersonIn(names=[NameIn(given="Demo", family="Scene")]), acting_user=desk
    )
    take_call(person_id=person.pk, received_at=timezone.now() - timedelta(days=20))
    assert not Case.objects.filter(person=person).exists()
    take_call(person_id=person.pk)
    assert Case.objects.get(person=person).opened_because == OpenedBecause.REPEAT_CRISIS
