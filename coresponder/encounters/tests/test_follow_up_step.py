"""`complete_encounter` hands the encounter to follow-up by name (`encounters.follow_up`),
inside its transaction; cases registers the step when the app is ready."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from coresponder.cases import actions as cases
from coresponder.cases.models import Case
from coresponder.core.models import AuditEntry
from coresponder.encounters import actions, follow_up
from coresponder.encounters.events import ENCOUNTER_COMPLETED
from coresponder.encounters.models import Encounter, EncounterState

pytestmark = pytest.mark.django_db


@pytest.fixture
def step(monkeypatch):
    """Lets a test give the follow-up step; the one cases registered comes back after."""
    monkeypatch.setattr(follow_up._step, "follow_up", None)
    return follow_up._step


def ready_to_complete(on_scene):
    scene = on_scene()
    actions.set_disposition(
        scene.encounter,
        actions.DispositionIn("referred_voluntary", destination="Crisis walk-in clinic"),
        acting_user=scene.clinician,
    )
    return scene


def test_cases_registers_opening_a_case_as_the_follow_up():
    assert follow_up.registered() is cases.open_case_for_encounter


def test_completing_hands_the_encounter_to_the_follow_up(on_scene, step):
    # given
    scene = ready_to_complete(on_scene)
    handed = []
    step.register(lambda encounter: handed.append((encounter.pk, encounter.state)))

    # when
    actions.complete_encounter(scene.encounter, acting_user=scene.clinician)

    # then the step saw the encounter complete, and no case was opened without it
    assert handed == [(scene.encounter.pk, EncounterState.COMPLETE)]
    assert not Case.objects.filter(person=scene.person).exists()


def test_a_failing_follow_up_leaves_the_encounter_a_draft(on_scene, step):
    # given a follow-up that cannot finish
    scene = ready_to_complete(on_scene)

    def fails(encounter):
        raise RuntimeError("follow-up failed")

    step.register(fails)

    # when
    with pytest.raises(RuntimeError, match="follow-up failed"):
        actions.complete_encounter(scene.encounter, acting_user=scene.clinician)

    # then the completion is rolled back with it: one transaction
    assert Encounter.objects.get(pk=scene.encounter.pk).state == EncounterState.DRAFT
    assert not AuditEntry.objects.filter(action=ENCOUNTER_COMPLETED).exists()


def test_without_a_follow_up_nothing_is_completed(on_scene, step):
    scene = ready_to_complete(on_scene)

    with pytest.raises(ImproperlyConfigured, match=r"coresponder\.cases"):
        actions.complete_encounter(scene.encounter, acting_user=scene.clinician)

    assert Encounter.objects.get(pk=scene.encounter.pk).state == EncounterState.DRAFT
    assert not AuditEntry.objects.filter(action=ENCOUNTER_COMPLETED).exists()


def test_a_second_follow_up_is_refused(step):
    step.register(cases.open_case_for_encounter)
    step.register(cases.open_case_for_encounter)  # the same again is no change

    with pytest.raises(ImproperlyConfigured, match="one follow-up"):
        step.register(lambda encounter: None)
    assert follow_up.registered() is cases.open_case_for_encounter
