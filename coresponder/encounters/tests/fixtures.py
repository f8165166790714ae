"""A call about a registered person with a team on scene, made through the real actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from coresponder.accounts.models import User
from coresponder.dispatch import actions as dispatch
from coresponder.encounters import actions
from coresponder.people.actions import NameIn, PersonIn, register_person
from coresponder.privacy import actions as privacy
from coresponder.privacy.models import Consent


@dataclass
class Scene:
    call: object
    team: object
    officer: object
    clinician: object
    emt: object
    person: object
    encounter: object


def part2_consent(scene):
    """The person's Part 2 consent naming the clinician's agency, in force for a month."""
    now = timezone.now()
    return privacy.record_consent(
        scene.person,
        kind=Consent.Kind.PART2,
        data_classes=["sud_part2"],
        recipient_agencies=[scene.clinician.agency],
        purpose=Consent.Purpose.TREATMENT,
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(days=30),
        form_kind=Consent.FormKind.VERBAL,
        acting_user=scene.clinician,
    )


@pytest.fixture
def on_scene(desk, make_team, take_call):
    """A team with an EMT sent to a call about a person, now on scene, and its encounter."""

    def make(*, emt: bool = True, person: bool = True, status: str = "on_scene") -> Scene:
        team = make_team(emt=emt)
        someone = (
            register_person(
                PersonIn(names=[NameIn(family="Scene", given="Demo")]), acting_user=desk
            )
            if person
            else None
        )
        call = take_call(person_id=someone.pk if someone else None)
        dispatch.dispatch_team(call, team, acting_user=desk)
        if status in ("on_scene", "officer_cleared", "transporting"):
            dispatch.move_status(team, "on_scene", acting_user=team.officer)
            team.refresh_from_db()
        if status in ("officer_cleared", "transporting"):
            dispatch.move_status(team, status, acting_user=team.officer)
            team.refresh_from_db()
        emt_user = team.members.filter(role="emt").values_list("user", flat=True).first()
        call.refresh_from_db()
        encounter = actions.start_encounter(call, acting_user=team.clinician)
        return Scene(
            call=call,
            team=team,
            officer=team.officer,
            clinician=team.clinician,
            emt=User.objects.get(pk=emt_user) if emt_user else None,
            person=someone,
            encounter=encounter,
        )

    return make
