"""The encounter through the API: the disposition's rules refused with their reasons and
nothing saved, signing and addenda, autosave conflicts and resends, and assessments."""

from __future__ import annotations

import pytest

from coresponder.core.models import AuditEntry
from coresponder.dispatch import actions as dispatch
from coresponder.encounters import actions, events
from coresponder.encounters.models import Encounter, HoldCriterion, Section

pytestmark = pytest.mark.django_db


def send(client, method: str, url: str, body=None):
    return getattr(client, method)(url, body or {}, content_type="application/json")


def url(scene, tail: str = "") -> str:
    return f"/api/v1/encounters/{scene.encounter.pk}{tail}"


def disposition_audits(scene) -> int:
    return (
        AuditEntry.objects.filter(action=events.DISPOSITION_SET)
        .filter(detail__encounter=str(scene.encounter.pk))
        .count()
    )


HOLD = {
    "disposition": "emergency_hold",
    "destination": "County crisis stabilisation unit",
    "legal_basis": "State mental health code, emergency evaluation",
    "hold_criteria": ["danger_to_self"],
}


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({**HOLD, "legal_basis": ""}, "legal_basis", "needs its legal basis"),
        ({**HOLD, "hold_criteria": []}, "hold_criteria", "Tick the hold criteria"),
        (
            {**HOLD, "hold_criteria": ["talks_loudly"]},
            "hold_criteria",
            "Not criteria of this jurisdiction: talks_loudly",
        ),
        ({**HOLD, "destination": ""}, "destination", "An emergency hold needs its destination"),
        (
            {"disposition": "transported_voluntary"},
            "destination",
            "A transported (voluntary) needs its destination",
        ),
        ({"disposition": "arrest", "destination": "County jail"}, "charges", "needs the charge"),
        ({"disposition": "citation"}, "charges", "A citation needs the charge"),
        (
            {"disposition": "resolved_on_scene", "interventions": ["transport"]},
            "disposition",
            "cannot be resolved on scene",
        ),
        ({"disposition": "referred_voluntary"}, "destination", "needs the service referred to"),
    ],
)
def test_each_disposition_rule_is_refused_with_its_reason_and_nothing_is_saved(
    client, sign_in, on_scene, body, field, words
):
    scene = on_scene()
    sign_in(scene.clinician)
    response = send(client, "put", url(scene, "/disposition"), body)
    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["code"] == "refused"
    assert any(words in message for message in answer["fields"][field]), answer
    stored = Encounter.objects.get(pk=scene.encounter.pk)
    assert (stored.disposition, stored.destination, stored.interventions) == ("", "", [])
    assert disposition_audits(scene) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"disposition": "sent_home"}, "disposition"),
        ({"disposition": "resolved_on_scene", "interventions": ["hugging"]}, "interventions.0"),
    ],
)
def test_a_disposition_or_intervention_off_the_list_is_invalid_and_nothing_is_saved(
    client, sign_in, on_scene, body, field
):
    scene = on_scene()
    sign_in(scene.clinician)

    response = send(client, "put", url(scene, "/disposition"), body)

    assert response.status_code == 422, response.content
    answer = response.json()
    assert (answer["code"], list(answer["fields"])) == ("invalid", [field])
    stored = Encounter.objects.get(pk=scene.encounter.pk)
    assert (stored.disposition, stored.destination, stored.interventions) == ("", "", [])
    assert disposition_audits(scene) == 0


def test_a_disposition_the_team_s_transport_contradicts_is_refused(client, sign_in, on_scene):
    scene = on_scene(status="transporting")
    sign_in(scene.officer)
    response = send(client, "put", url(scene, "/disposition"), {"disposition": "refused_services"})
    assert response.status_code == 400
    assert "The team transported someone" in response.json()["fields"]["disposition"][0]
    assert Encounter.objects.get(pk=scene.encounter.pk).disposition == ""


def test_unable_to_locate_is_refused_once_someone_wrote_about_the_person(client, sign_in, on_scene):
    scene = on_scene()
    actions.save_section(
        scene.encounter,
        "clinical",
        content={"behaviour": "Talked at the door"},
        acting_user=scene.clinician,
    )
    sign_in(scene.officer)
    response = send(client, "put", url(scene, "/disposition"), {"disposition": "unable_to_locate"})
    assert response.status_code == 400
    assert "the person was seen" in response.json()["fields"]["disposition"][0]


def test_an_arrest_stands_once_the_officer_wrote_the_charge(client, sign_in, on_scene):
    scene = on_scene()
    sign_in(scene.officer)
    saved = send(
        client,
        "put",
        url(scene, "/sections/safety"),
        {"content": {"charges": "Assault in the third degree"}, "base": {"charges": ""}},
    )
    assert saved.status_code == 200, saved.content
    response = send(
        client,
        "put",
        url(scene, "/disposition"),
        {"disposition": "arrest", "destination": "County jail"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["disposition"] == "arrest"
    assert disposition_audits(scene) == 1


def test_a_jurisdiction_s_own_hold_criteria_replace_the_defaults(client, sign_in, on_scene):
    scene = on_scene()
    HoldCriterion.objects.create(
        program=scene.call.program, code="grave_disability", text="Gravely disabled"
    )
    sign_in(scene.clinician)
    listed = client.get("/api/v1/hold-criteria").json()
    assert listed == [{"code": "grave_disability", "text": "Gravely disabled"}]
    refused = send(client, "put", url(scene, "/disposition"), HOLD)
    assert (
        "Not criteria of this jurisdiction: danger_to_self"
        in refused.json()["fields"]["hold_criteria"][0]
    )
    accepted = send(
        client, "put", url(scene, "/disposition"), {**HOLD, "hold_criteria": ["grave_disability"]}
    )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["hold_criteria"] == ["grave_disability"]


def test_completing_needs_a_disposition_and_every_written_section_signed(client, sign_in, on_scene):
    scene = on_scene()
    sign_in(scene.clinician)
    no_disposition = send(client, "post", url(scene, "/complete"))
    assert no_disposition.status_code == 400
    assert "Choose the disposition" in no_disposition.json()["fields"]["disposition"][0]

    send(client, "put", url(scene, "/sections/clinical"), {"content": {"plan": "Follow up"}})
    send(client, "put", url(scene, "/disposition"), {"disposition": "resolved_on_scene"})
    unsigned = send(client, "post", url(scene, "/complete"))
    assert unsigned.status_code == 400
    assert unsigned.json()["fields"]["sections"] == ["The clinical note section is not signed."]
    assert Encounter.objects.get(pk=scene.encounter.pk).state == "draft"

    assert send(client, "post", url(scene, "/sections/clinical/sign")).status_code == 200
    done = send(client, "post", url(scene, "/complete"))
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "complete"
    # A complete encounter's disposition is not changed afterwards.
    late = send(client, "put", url(scene, "/disposition"), {"disposition": "refused_services"})
    assert late.status_code == 409
    assert Encounter.objects.get(pk=scene.encounter.pk).disposition == "resolved_on_scene"


def test_an_addendum_after_signing_keeps_the_original_and_the_audit_log_shows_both(
    client, sign_in, on_scene
):
    scene = on_scene()
    sign_in(scene.clinician)
    original = {"behaviour": "Tearful, spoke of losing her job", "plan": "Walk-in clinic tomorrow"}
    send(client, "put", url(scene, "/sections/clinical"), {"content": original})
    assert send(client, "post", url(scene, "/sections/clinical/sign")).status_code == 200

    edit = send(client, "put", url(scene, "/sections/clinical"), {"content": {"plan": "Changed"}})
    assert edit.status_code == 409
    assert "add an addendum" in edit.json()["message"]

    added = send(
        client,
        "post",
        url(scene, "/sections/clinical/addenda"),
        {"text": "Called back at 18:00: appointment confirmed."},
    )
    assert added.status_code == 201, added.content

    section = Section.objects.get(encounter=scene.encounter, kind="clinical")
    assert section.content == original
    read = client.get(url(scene)).json()
    clinical = next(s for s in read["sections"] if s["kind"] == "clinical")
    assert clinical["content"] == original
    assert clinical["state"] == "signed"
    assert [a["text"] for a in clinical["addenda"]] == [
        "Called back at 18:00: appointment confirmed."
    ]
    assert clinical["addenda"][0]["author"] == str(scene.clinician)

    trail = AuditEntry.objects.filter(detail__encounter=str(scene.encounter.pk))
    signed = trail.get(action=events.SECTION_SIGNED)
    addendum = trail.get(action=events.ADDENDUM_ADDED)
    assert signed.actor_username == addendum.actor_username == scene.clinician.username
    # The addendum's entry names the signed words it stands beside, unchanged.
    assert addendum.detail["signed_content_sha256"] == signed.detail["content_sha256"]
    assert signed.seq < addendum.seq


def test_a_colleague_s_newer_words_are_a_conflict_not_overwritten(client, sign_in, on_scene):
    scene = on_scene()
    actions.save_section(
        scene.encounter,
        "clinical",
        content={"plan": "Mobile team visit"},
        acting_user=scene.clinician,
    )
    sign_in(scene.clinician)  # the same clinician on a second phone, opened before that save
    response = send(
        client,
        "put",
        url(scene, "/sections/clinical"),
        {"content": {"plan": "Clinic on Monday"}, "base": {"plan": ""}},
    )
    assert response.status_code == 409
    answer = response.json()
    assert answer["current"]["content"]["plan"] == "Mobile team visit"
    assert "plan" in answer["fields"]
    assert Section.objects.get(encounter=scene.encounter, kind="clinical").content == {
        "plan": "Mobile team visit"
    }
    # Choosing to keep theirs: resent against what is stored now.
    kept = send(
        client,
        "put",
        url(scene, "/sections/clinical"),
        {"content": {"plan": "Clinic on Monday"}, "base": {"plan": "Mobile team visit"}},
    )
    assert kept.status_code == 200
    assert kept.json()["content"]["plan"] == "Clinic on Monday"


def test_a_save_resent_after_a_dropped_connection_is_taken_once(client, sign_in, on_scene):
    scene = on_scene()
    sign_in(scene.officer)
    body = {"content": {"narrative": "Calm on arrival"}, "base": {}, "save_id": "phone-1-0001"}
    first = send(client, "put", url(scene, "/sections/safety"), body)
    again = send(client, "put", url(scene, "/sections/safety"), body)
    assert first.status_code == again.status_code == 200
    assert first.json()["revision"] == again.json()["revision"] == 1
    saves = AuditEntry.objects.filter(
        action=events.SECTION_SAVED, detail__encounter=str(scene.encounter.pk)
    )
    assert saves.count() == 1


def test_a_section_is_written_by_its_own_responder_only(client, sign_in, on_scene):
    scene = on_scene()
    sign_in(scene.officer)
    refused = send(client, "put", url(scene, "/sections/clinical"), {"content": {"plan": "x"}})
    assert refused.status_code == 403
    assert "written by the team's clinician" in refused.json()["message"]
    bad = send(client, "put", url(scene, "/sections/safety"), {"content": {"mood": "fine"}})
    assert bad.status_code == 400
    assert "No such field" in bad.json()["fields"]["mood"][0]
    assert not Section.objects.filter(encounter=scene.encounter).exists()


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({"wish_dead": False, "suicidal_thoughts": False, "behavior": False}, "none"),
        ({"wish_dead": True, "suicidal_thoughts": False, "behavior": False}, "low"),
        (
            {
                "wish_dead": True,
                "suicidal_thoughts": True,
                "method": True,
                "intent": False,
                "plan": False,
                "behavior": False,
            },
            "moderate",
        ),
        (
            {
                "wish_dead": True,
                "suicidal_thoughts": False,
                "behavior": True,
                "behavior_recent": True,
            },
            "high",
        ),
    ],
)
def test_the_cssrs_screener_comes_to_its_published_risk_level(
    client, sign_in, on_scene, answers, level
):
    scene = on_scene()
    sign_in(scene.clinician)
    response = send(
        client,
        "post",
        url(scene, "/assessments"),
        {"instrument": "cssrs-screener", "answers": answers},
    )
    assert response.status_code == 201, response.content
    assert response.json()["level"] == level
    assert response.json()["complete"] is True


def test_an_answer_the_skip_logic_does_not_ask_is_refused(client, sign_in, on_scene):
    scene = on_scene()
    sign_in(scene.clinician)
    response = send(
        client,
        "post",
        url(scene, "/assessments"),
        {"instrument": "cssrs-screener", "answers": {"suicidal_thoughts": False, "plan": True}},
    )
    assert response.status_code == 400
    assert response.json()["fields"]["plan"] == ["Not asked, given the answers before it."]
    assert not scene.encounter.assessments.exists()


def test_a_partly_answered_screener_is_kept_as_incomplete_and_finished_later(
    client, sign_in, on_scene
):
    scene = on_scene()
    sign_in(scene.clinician)
    started = send(
        client,
        "post",
        url(scene, "/assessments"),
        {"instrument": "cssrs-screener", "answers": {"wish_dead": True}},
    ).json()
    assert started["complete"] is False
    finished = send(
        client,
        "put",
        url(scene, f"/assessments/{started['id']}"),
        {"answers": {"wish_dead": True, "suicidal_thoughts": False, "behavior": False}},
    ).json()
    assert (finished["complete"], finished["level"]) == (True, "low")


def test_an_officer_cannot_record_an_assessment(client, sign_in, on_scene):
    scene = on_scene()
    sign_in(scene.officer)
    response = send(
        client, "post", url(scene, "/assessments"), {"instrument": "cssrs-screener", "answers": {}}
    )
    assert response.status_code == 403


def test_the_timeline_gives_the_intervals_a_program_reports(client, sign_in, on_scene):
    scene = on_scene(status="transporting")
    sign_in(scene.officer)
    assert send(client, "post", url(scene, "/arrived")).status_code == 200
    dispatch.move_status(scene.team, "available", acting_user=scene.officer)
    answer = client.get(url(scene)).json()
    events_seen = [line["event"] for line in answer["timeline"]]
    assert events_seen == [
        "received",
        "dispatched",
        "on scene",
        "transporting",
        "arrived at the destination",
        "complete: team available",
    ]
    minutes = answer["intervals_minutes"]
    assert set(minutes) == {"response", "on_scene", "officer_on_scene", "transport", "total"}
    assert all(value is not None and value >= 0 for value in minutes.values())


def test_an_encounter_is_made_only_for_a_call_a_team_was_sent_to(
    client, sign_in, take_call, make_team
):
    team = make_team()
    call = take_call()
    sign_in(team.clinician)
    # The clinician does not work a call their team was not sent to.
    assert send(client, "post", f"/api/v1/calls/{call.pk}/encounter").status_code == 403


def test_an_agency_token_cannot_read_an_encounter(client, agencies, admin_user, on_scene):
    from coresponder.accounts import actions as accounts

    scene = on_scene()
    secret = accounts.create_api_token(
        agency=agencies["law_enforcement"], name="CAD", acting_user=admin_user
    ).secret
    response = client.get(url(scene), headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 403


def test_an_empty_base_for_a_field_never_written_is_no_conflict(client, sign_in, on_scene):
    scene = on_scene()
    actions.save_section(
        scene.encounter, "safety", content={"narrative": "Arrived"}, acting_user=scene.officer
    )
    sign_in(scene.officer)
    response = send(
        client,
        "put",
        url(scene, "/sections/safety"),
        {"content": {"behaviours": ["calm"]}, "base": {"behaviours": []}},
    )
    assert response.status_code == 200, response.content
    assert response.json()["content"] == {"narrative": "Arrived", "behaviours": ["calm"]}
