"""Every naughty string through an encounter's free text: no crash, the exact words kept
or refused with the reason, and shown on the field view only as text."""

from __future__ import annotations

import pytest

from coresponder.encounters import actions
from coresponder.encounters.models import Section
from coresponder.testing.naughty import (
    assert_shown_inert,
    check_naughty_strings,
    naughty_strings,
)

pytestmark = pytest.mark.django_db


def refused_in_text(limit: int):
    def reason(value: str) -> str | None:
        if "\x00" in value:
            return "null character"
        if len(value) > limit:
            return "too long"
        return None

    return reason


@pytest.mark.slow
def test_a_clinical_note_keeps_every_naughty_string_exactly_or_refuses_it(
    client, sign_in, on_scene
):
    scene = on_scene(emt=False)
    sign_in(scene.clinician)
    url = f"/api/v1/encounters/{scene.encounter.pk}/sections/clinical"

    def submit(value: str):
        response = client.put(
            url, {"content": {"behaviour": value}}, content_type="application/json"
        )
        if response.status_code != 200:
            return response, None
        return response, Section.objects.get(encounter=scene.encounter, kind="clinical").content[
            "behaviour"
        ]

    report = check_naughty_strings(
        submit=submit, expected_rejection=refused_in_text(4000), normalise=lambda v: v
    )
    assert len(report.stored) + len(report.refused) == len(naughty_strings())
    # PostgreSQL cannot store a null character: refused with the reason, not a crash.
    response, stored = submit("before\x00after")
    assert response.status_code == 400
    assert response.json()["fields"]["behaviour"] == ["Remove the null character."]
    assert stored is None


def test_naughty_words_show_on_the_field_view_as_text(client, sign_in, on_scene):
    scene = on_scene(emt=False)
    shown = [v for v in naughty_strings() if "\x00" not in v and v.strip() and len(v) < 300][:120]
    for start in range(0, len(shown), 40):
        batch = shown[start : start + 40]
        actions.save_section(
            scene.encounter,
            "clinical",
            content={"behaviour": "\n".join(batch)},
            acting_user=scene.clinician,
        )
        sign_in(scene.clinician)
        page = client.get(f"/encounters/{scene.encounter.pk}/field/").content.decode()
        assert_shown_inert(page, [v for v in batch if "\n" not in v and "\r" not in v])


def test_an_addendum_or_a_plan_with_a_null_character_is_refused_and_nothing_saved(
    on_scene, crew, person
):
    from datetime import timedelta

    from django.utils import timezone

    from coresponder.core.exceptions import DomainError
    from coresponder.encounters.models import Addendum, ResponsePlan

    scene = on_scene(emt=False)
    actions.save_section(
        scene.encounter, "clinical", content={"plan": "Call tomorrow"}, acting_user=scene.clinician
    )
    actions.sign_section(scene.encounter, "clinical", acting_user=scene.clinician)
    with pytest.raises(DomainError, match="not saved"):
        actions.add_addendum(
            scene.encounter, "clinical", text="late\x00words", acting_user=scene.clinician
        )
    assert not Addendum.objects.exists()
    plan = actions.PlanIn(
        review_by=timezone.localdate() + timedelta(days=30), safety_concerns="knife\x00"
    )
    with pytest.raises(DomainError) as refused:
        actions.save_plan(person, plan, acting_user=crew["clinician"])
    assert refused.value.fields["safety_concerns"] == ["Remove the null character."]
    assert not ResponsePlan.objects.exists()
