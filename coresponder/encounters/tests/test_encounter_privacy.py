"""What each role reads of an encounter, and above all what it must not.

The encounter is written through the real actions by the team on scene; each role then
reads it through the API, the path every page and client takes.
"""

from __future__ import annotations

import pytest

from coresponder.accounts.models import Role
from coresponder.core.models import AuditEntry
from coresponder.encounters import actions, events
from coresponder.encounters.tests.fixtures import part2_consent

pytestmark = pytest.mark.django_db

SAFETY = "Kitchen knife secured by the officer"
CLINICAL = "Hears voices telling him he is worthless"
MEDICAL = "Pulse 118, abrasions to both forearms"
SUBSTANCE = "Daily opioid use for two years"


@pytest.fixture
def written(on_scene):
    scene = on_scene()
    encounter = scene.encounter
    actions.save_section(
        encounter, "safety", content={"weapons": SAFETY}, acting_user=scene.officer
    )
    actions.save_section(
        encounter, "clinical", content={"behaviour": CLINICAL}, acting_user=scene.clinician
    )
    actions.save_section(encounter, "medical", content={"vitals": MEDICAL}, acting_user=scene.emt)
    actions.record_assessment(
        encounter,
        instrument_key="cssrs-screener",
        answers={"wish_dead": True, "suicidal_thoughts": False, "behavior": False},
        acting_user=scene.clinician,
    )
    part2_consent(scene)
    actions.save_section(
        encounter, "substance_use", content={"last_use": SUBSTANCE}, acting_user=scene.clinician
    )
    return scene


def read(client, sign_in, user, scene):
    client.logout()
    sign_in(user)
    return client.get(f"/api/v1/encounters/{scene.encounter.pk}")


def shown(answer) -> dict[str, dict | None]:
    return {section["kind"]: section["content"] for section in answer["sections"]}


def test_the_officer_reads_the_safety_section_and_nothing_clinical(client, sign_in, written):
    response = read(client, sign_in, written.officer, written)
    answer = response.json()
    assert shown(answer) == {"safety": {"weapons": SAFETY}}
    assert answer["assessments"] is None
    for secret in (CLINICAL, MEDICAL, SUBSTANCE, "wish_dead"):
        assert secret not in response.content.decode()


def test_the_emt_reads_the_safety_section_and_its_own_medical_section_only(
    client, sign_in, written
):
    response = read(client, sign_in, written.emt, written)
    assert shown(response.json()) == {"safety": {"weapons": SAFETY}, "medical": {"vitals": MEDICAL}}
    assert CLINICAL not in response.content.decode()
    assert SUBSTANCE not in response.content.decode()


def test_the_clinician_reads_it_all_with_the_part2_notice(client, sign_in, written):
    answer = read(client, sign_in, written.clinician, written).json()
    assert shown(answer) == {
        "safety": {"weapons": SAFETY},
        "clinical": {"behaviour": CLINICAL},
        "substance_use": {"last_use": SUBSTANCE},
        "medical": {"vitals": MEDICAL},
    }
    assert [a["level"] for a in answer["assessments"]] == ["low"]
    assert "42 CFR part 2" in answer["part2_notice"]


def test_without_a_part2_consent_the_substance_section_is_neither_read_nor_written(
    client, sign_in, on_scene
):
    scene = on_scene()
    sign_in(scene.clinician)
    refused = client.put(
        f"/api/v1/encounters/{scene.encounter.pk}/sections/substance_use",
        {"content": {"last_use": SUBSTANCE}},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert "Part 2 consent" in refused.json()["message"]
    answer = client.get(f"/api/v1/encounters/{scene.encounter.pk}").json()
    assert "substance_use" not in shown(answer)
    assert answer["part2_notice"] == ""


def test_the_desk_reads_safety_but_not_the_clinical_record(client, sign_in, desk, written):
    response = read(client, sign_in, desk, written)
    assert shown(response.json()) == {"safety": {"weapons": SAFETY}}
    assert response.json()["assessments"] is None


def test_a_clinician_not_on_the_call_reads_only_what_a_consent_gives_the_agency(
    client, sign_in, make_user, written
):
    outsider = make_user(Role.CLINICIAN)
    response = read(client, sign_in, outsider, written)
    assert response.status_code == 200  # who went and what was decided is operational
    # The Part 2 consent names the clinician's agency, so it follows the consent.
    assert shown(response.json()) == {"substance_use": {"last_use": SUBSTANCE}}
    for secret in (SAFETY, CLINICAL, MEDICAL):
        assert secret not in response.content.decode()
    assert response.json()["assessments"] is None


def test_an_administrator_sees_the_disposition_and_no_section(client, sign_in, admin_user, written):
    actions.set_disposition(
        written.encounter,
        actions.DispositionIn("resolved_on_scene"),
        acting_user=written.clinician,
    )
    response = read(client, sign_in, admin_user, written)
    assert response.json()["disposition"] == "resolved_on_scene"
    assert shown(response.json()) == {}


@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.PARTNER])
def test_evaluators_and_partners_find_no_encounter(client, sign_in, make_user, written, role):
    response = read(client, sign_in, make_user(role), written)
    assert response.status_code == 404


def test_another_program_finds_no_encounter(client, sign_in, stranger, written):
    assert read(client, sign_in, stranger, written).status_code == 404


def test_every_read_is_audited_with_the_classes_shown(client, sign_in, written):
    read(client, sign_in, written.officer, written)
    entry = AuditEntry.objects.filter(action=events.ENCOUNTER_VIEWED).latest("seq")
    assert entry.actor_username == written.officer.username
    assert entry.object_type == "person"
    assert entry.object_id == str(written.person.pk)
    assert entry.fields == ["encounter:operational", "encounter:public_safety"]
