"""Correcting a call after intake: who may correct what, triage run again with the rules
in force, one audit event, and the history on the call page (issue #18)."""

from __future__ import annotations

import html
import json
import re

import pytest

from coresponder.accounts.models import Role
from coresponder.calls import actions, events
from coresponder.calls.models import Call, CallCorrection
from coresponder.core.models import AuditEntry
from coresponder.dispatch import actions as dispatch

pytestmark = pytest.mark.django_db

WELFARE = {"concerns": ["welfare_check"], "caller_name": "A neighbour"}


def corrections_section(page: str) -> str:
    section = page.split('data-testid="corrections"', 1)[1].split("</section>", 1)[0]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section)))


def corrected_events() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=events.CALL_CORRECTED))


def snapshot(call) -> tuple:
    call = Call.objects.get(pk=call.pk)
    return (
        call.concerns,
        call.screening,
        call.caller_name,
        call.triage_rule,
        call.response,
        call.priority,
        call.revision,
    )


def test_the_desk_corrects_concerns_and_screening_and_triage_runs_again(
    client, sign_in, desk, take_call
):
    # given a welfare check: co-responder team, priority 3
    call = take_call(**WELFARE)
    assert (call.triage_rule, call.response, call.priority) == ("welfare-check", "co_responder", 3)
    sign_in(desk)

    # when the desk corrects it: suicidal, with a weapon, and the caller's name
    response = client.post(
        f"/calls/{call.pk}/correct/",
        {
            "source": "911",
            "concerns": ["suicidal", "welfare_check"],
            "screening": ["weapon"],
            "address": "1400 Test Street",
            "latitude": call.latitude,
            "longitude": call.longitude,
            "caller_name": "Her brother",
            "caller_phone": "",
            "caller_relation": "family",
            "language": "",
            "summary": "",
            "reason": "The caller rang back",
        },
        follow=True,
    )

    # then the call holds the facts and the new triage, priority 2
    page = response.content.decode()
    call.refresh_from_db()
    assert call.concerns == ["suicidal", "welfare_check"]
    assert call.screening == ["weapon"]
    assert (call.caller_name, call.caller_relation) == ("Her brother", "family")
    assert (call.triage_rule, call.response, call.priority) == (
        "weapon-or-violence",
        "co_responder",
        2,
    )
    assert call.revision == 2
    # one correction, each field before and after
    correction = CallCorrection.objects.get(call=call)
    assert correction.changes == {
        "concerns": [["welfare_check"], ["suicidal", "welfare_check"]],
        "caller_name": ["A neighbour", "Her brother"],
        "caller_relation": ["unknown", "family"],
    }
    assert (correction.screening_before, correction.screening_after) == ([], ["weapon"])
    assert correction.triage_before == {
        "response": "co_responder",
        "priority": 3,
        "rule": "welfare-check",
    }
    assert correction.triage_after == {
        "response": "co_responder",
        "priority": 2,
        "rule": "weapon-or-violence",
    }
    assert (correction.corrected_by, correction.reason) == (desk, "The caller rang back")
    # one audit event, with the coded fields before and after
    [entry] = corrected_events()
    assert entry.actor_id == desk.pk
    assert sorted(entry.fields) == [
        "call:caller_name",
        "call:caller_relation",
        "call:concerns",
        "call:screening",
    ]
    assert entry.detail["concerns"] == "welfare_check → suicidal,welfare_check"
    assert entry.detail["caller_relation"] == "unknown → family"
    assert entry.detail["triage"] == "co_responder/3 → co_responder/2"
    assert "caller_name" not in entry.detail  # free text stays in the correction record
    # and the page says what changed, and shows the history
    assert (
        "Corrected: reported concerns, safety screening, caller&#x27;s name, caller is. "
        "Triage now: co-responder team (officer and clinician), priority 2." in page
    )
    history = corrections_section(page)
    assert "The caller rang back" in history
    assert desk.full_name in history
    assert "Welfare check → Suicidal thoughts or behaviour, Welfare check" in history
    assert "— → Weapon involved" in history
    assert "A neighbour → Her brother" in history
    assert (
        "co-responder team (officer and clinician), priority 3 → "
        "co-responder team (officer and clinician), priority 2" in history
    )


def test_an_officer_on_the_call_may_not_correct_it_and_nothing_changes(client, sign_in, on_scene):
    # given an officer working the call (on the team sent to it), who did not take it
    scene = on_scene()
    before = snapshot(scene.call)
    sign_in(scene.officer)
    page = client.get(f"/calls/{scene.call.pk}/").content.decode()
    assert "Correct the call" not in page

    # when they post a correction all the same
    response = client.post(
        f"/calls/{scene.call.pk}/correct/", {"concerns": ["self_harm"], "reason": "x"}
    )

    # then it is 403, and nothing changed or was written
    assert response.status_code == 403
    assert snapshot(scene.call) == before
    assert CallCorrection.objects.count() == 0
    assert corrected_events() == []


def test_the_clinician_on_the_call_corrects_the_concerns_only(client, sign_in, on_scene):
    # given the clinician of the encounter
    scene = on_scene()
    sign_in(scene.clinician)
    page = client.get(f"/calls/{scene.call.pk}/").content.decode()
    form = page.split('data-testid="correct-call"', 1)[1].split("</form>", 1)[0]
    assert 'name="concerns"' in form
    assert 'name="screening"' not in form
    assert 'name="caller_name"' not in form

    # when they correct the concerns from the page
    client.post(
        f"/calls/{scene.call.pk}/correct/", {"concerns": ["suicidal", "self_harm"], "reason": ""}
    )

    # then the concerns are corrected
    scene.call.refresh_from_db()
    assert scene.call.concerns == ["suicidal", "self_harm"]
    assert CallCorrection.objects.get().corrected_by == scene.clinician

    # and when they try the screening through the API
    before = snapshot(scene.call)
    response = client.patch(
        f"/api/v1/calls/{scene.call.pk}",
        data=json.dumps({"screening": ["weapon"]}),
        content_type="application/json",
    )

    # then it is 403, naming the field, and nothing changed
    assert response.status_code == 403
    assert response.json()["fields"] == {"screening": ["Not yours to correct."]}
    assert snapshot(scene.call) == before
    assert CallCorrection.objects.count() == 1
    assert len(corrected_events()) == 1


def test_the_api_corrects_a_call_and_says_what_changed(client, sign_in, desk, take_call):
    # given a welfare check
    call = take_call(**WELFARE)
    sign_in(desk)

    # when the desk patches the source and concerns
    response = client.patch(
        f"/api/v1/calls/{call.pk}",
        data=json.dumps({"source": "988", "concerns": ["depression_isolation"]}),
        content_type="application/json",
    )

    # then triage runs again (phone first on the 988 line) and each change is listed
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["response"], body["priority"]) == ("phone_resolution", 4)
    assert body["triage"]["rule"] == "phone-first"
    assert body["changed"] == [
        {"field": "source", "before": "911", "after": "988"},
        {"field": "concerns", "before": ["welfare_check"], "after": ["depression_isolation"]},
    ]
    assert len(corrected_events()) == 1

    # and the same again changes nothing and writes nothing
    again = client.patch(
        f"/api/v1/calls/{call.pk}",
        data=json.dumps({"source": "988"}),
        content_type="application/json",
    )
    assert again.status_code == 200
    assert again.json()["changed"] == []
    assert len(corrected_events()) == 1


def test_bad_values_are_refused_by_field_and_nothing_is_written(client, sign_in, desk, take_call):
    call = take_call(**WELFARE)
    before = snapshot(call)
    sign_in(desk)

    response = client.patch(
        f"/api/v1/calls/{call.pk}",
        data=json.dumps({"address": "", "latitude": None, "longitude": None}),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "address": ["Say where: an address, a place or coordinates."]
    }
    assert snapshot(call) == before
    assert corrected_events() == []


def test_an_override_is_kept_unless_the_corrector_chooses_the_new_triage(desk, take_call):
    # given a welfare check the desk sent EMS to, overriding triage
    call = take_call(**WELFARE)
    actions.override_triage(
        call, response="ems", priority=2, reason="Caller mentioned a fall", acting_user=desk
    )

    # when the concerns are corrected, the override kept
    actions.correct_call(call, changes={"concerns": ["suicidal"]}, acting_user=desk)

    # then triage is the new rule's, the response still the override
    call.refresh_from_db()
    assert (call.triage_rule, call.triage_response, call.triage_priority) == (
        "suicidal-or-self-harm",
        "co_responder",
        2,
    )
    assert (call.response, call.priority, call.override_reason) == (
        "ems",
        2,
        "Caller mentioned a fall",
    )

    # when corrected again, choosing the new triage
    correction = actions.correct_call(
        call, changes={"concerns": ["self_harm"]}, acting_user=desk, keep_override=False
    )

    # then the call takes the triage's response, and the override is gone
    call.refresh_from_db()
    assert (call.response, call.priority, call.override_reason, call.overridden_by) == (
        "co_responder",
        2,
        "",
        None,
    )
    assert correction.response_before == {"response": "ems", "priority": 2}
    assert correction.response_after == {"response": "co_responder", "priority": 2}


def test_a_closed_call_is_corrected_only_with_a_reason(client, sign_in, desk, take_call):
    # given a call the desk closed
    call = take_call(**WELFARE)
    actions.close_call(call, state="resolved_by_phone", acting_user=desk)
    sign_in(desk)

    # when it is corrected without a reason
    refused = client.patch(
        f"/api/v1/calls/{call.pk}",
        data=json.dumps({"concerns": ["grief_loss"]}),
        content_type="application/json",
    )

    # then it is refused, saying why, and nothing is written
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"reason": ["The call is closed: say why it is corrected."]}
    assert corrected_events() == []

    # when with a reason
    done = client.patch(
        f"/api/v1/calls/{call.pk}",
        data=json.dumps({"concerns": ["grief_loss"], "reason": "Reviewed the recording"}),
        content_type="application/json",
    )

    # then it is corrected
    assert done.status_code == 200, done.content
    call.refresh_from_db()
    assert call.concerns == ["grief_loss"]
    assert CallCorrection.objects.get().reason == "Reviewed the recording"


def test_a_case_manager_may_not_correct_a_call(client, sign_in, make_user, take_call):
    call = take_call(**WELFARE)
    before = snapshot(call)
    sign_in(make_user(Role.CASE_MANAGER))

    response = client.patch(
        f"/api/v1/calls/{call.pk}",
        data=json.dumps({"concerns": ["suicidal"]}),
        content_type="application/json",
    )

    assert response.status_code == 403
    assert snapshot(call) == before
    assert corrected_events() == []


def test_dispatching_after_a_correction_keeps_working(desk, take_call, make_team):
    # the board's revision moved; dispatch still sends a team to the corrected call
    call = take_call(**WELFARE)
    actions.correct_call(call, changes={"concerns": ["suicidal"]}, acting_user=desk)
    team = make_team()
    dispatch.dispatch_team(call, team, acting_user=desk)
    call.refresh_from_db()
    assert call.state == "dispatched"
