"""Taking a call: triage by the program's stored rules, overrides, refusals, the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from coresponder.accounts import actions as accounts
from coresponder.accounts.models import Role
from coresponder.calls import actions, events
from coresponder.calls.models import Call, CallState, TriageRuleSet
from coresponder.calls.triage import DEFAULT_RULES
from coresponder.core.exceptions import DomainError, PermissionDenied
from coresponder.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_a_call_is_triaged_by_the_rules_in_force_and_keeps_the_reason(take_call):
    call = take_call(concerns=["suicidal"], screening=["attempt_in_progress"])
    assert (call.response, call.priority) == ("co_responder", 1)
    assert call.triage_rule == "attempt-in-progress"
    assert "suicide attempt in progress" in call.triage_says
    assert call.rule_set.version == 1
    assert call.state == CallState.OPEN
    assert call.reference == f"{timezone.now().year}-000001"
    assert AuditEntry.objects.filter(action=events.CALL_TAKEN).count() == 1


def test_call_numbers_follow_on_per_program(take_call):
    first, second = take_call(), take_call()
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1


def test_an_administrator_changes_the_rules_and_new_calls_follow_them(take_call, admin_user):
    rules = [
        {
            "key": "everything-to-clinician",
            "response": "mobile_crisis",
            "priority": 3,
            "when": {},
            "says": "Every call goes to a clinician.",
        }
    ]
    before = take_call()
    actions.change_rules(admin_user.program, rules=rules, note="test", acting_user=admin_user)
    after = take_call()
    assert (before.response, after.response) == ("co_responder", "mobile_crisis")
    assert after.rule_set.version == 2
    # The call triaged before keeps the version that decided it.
    before.refresh_from_db()
    assert before.rule_set.version == 1


@pytest.mark.parametrize(
    ("rules", "reason"),
    [
        ([], "last rule must have no conditions"),
        ([{"key": "x", "response": "taxi", "priority": 1, "says": "s"}], "unknown response"),
        ("not a list", "must be a list of rules"),
        (["a string"], "a rule is an object"),
        ([{"key": "x", "response": "ems", "priority": 1, "says": "s", "when": []}], "when is"),
        ([{"key": "x", "response": "ems", "priority": 9, "says": "s"}], "priority must be"),
    ],
)
def test_a_broken_rule_set_is_refused_with_the_reason_and_changes_nothing(
    admin_user, rules, reason
):
    actions.rules_in_force(admin_user.program)
    with pytest.raises(DomainError, match=reason):
        actions.change_rules(admin_user.program, rules=rules, note="", acting_user=admin_user)
    assert TriageRuleSet.objects.filter(program=admin_user.program).count() == 1


def test_only_administrators_change_the_rules(desk):
    with pytest.raises(PermissionDenied):
        actions.change_rules(desk.program, rules=DEFAULT_RULES, note="", acting_user=desk)


def test_an_override_needs_a_reason_and_is_reported(take_call, client, sign_in, desk):
    with pytest.raises(DomainError) as refused:
        take_call(response="police_only")
    assert "override_reason" in refused.value.fields
    assert not Call.objects.exists()

    call = take_call(response="police_only", override_reason="Known to carry a firearm")
    assert (call.triage_response, call.response) == ("co_responder", "police_only")
    assert AuditEntry.objects.filter(action=events.TRIAGE_OVERRIDDEN).count() == 1
    sign_in(desk)
    page = client.get("/calls/overrides/").content.decode()
    assert "Known to carry a firearm" in page
    assert "suicidal-or-self-harm" in page


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"source": "pager"}, "source"),
        ({"concerns": ["sad"]}, "concerns"),
        ({"screening": ["knife"]}, "screening"),
        ({"latitude": 91.0}, "latitude"),
        ({"latitude": 39.7, "longitude": None}, "latitude"),
        ({"address": "", "latitude": None, "longitude": None}, "address"),
        ({"caller_relation": "cousin"}, "caller_relation"),
        ({"received_at": timezone.now() + timedelta(hours=1)}, "received_at"),
        ({"caller_name": "x" * 201}, "caller_name"),
        ({"address": "12 Main\x00 St"}, "address"),
        ({"caller_phone": "555\x00"}, "caller_phone"),
        ({"summary": "pacing\x00"}, "summary"),
    ],
)
def test_bad_intake_names_the_field_and_writes_nothing(take_call, fields, bad):
    with pytest.raises(DomainError) as refused:
        take_call(**fields)
    assert list(refused.value.fields) == [bad]
    assert not Call.objects.exists()
    assert not AuditEntry.objects.filter(action=events.CALL_TAKEN).exists()


def test_a_clinician_does_not_take_calls(take_call, make_user):
    with pytest.raises(PermissionDenied):
        take_call(by=make_user(Role.CLINICIAN))


def test_a_person_of_another_program_cannot_be_linked(take_call, person, stranger):
    with pytest.raises(DomainError) as refused:
        take_call(person_id=person.pk, by=stranger)
    assert "person_id" in refused.value.fields


def test_notes_are_added_and_closing_waits_for_the_teams(take_call, make_team, desk):
    from coresponder.core.exceptions import Conflict
    from coresponder.dispatch import actions as dispatch

    call = take_call()
    note = actions.add_note(call, text="  Caller called back: door is open  ", acting_user=desk)
    assert note.text == "Caller called back: door is open"
    with pytest.raises(DomainError):
        actions.add_note(call, text="   ", acting_user=desk)
    team = make_team()
    dispatch.dispatch_team(call, team, acting_user=desk)
    with pytest.raises(Conflict, match="still on the call"):
        actions.close_call(call, state=CallState.CLOSED, acting_user=desk)


# The API: the same action, the same refusals.


def post(client, body, **headers):
    return client.post("/api/v1/calls", body, content_type="application/json", **headers)


def test_the_api_records_a_call_and_answers_with_triage_and_teams(client, sign_in, desk, make_team):
    team = make_team("Nearest")
    sign_in(desk)
    response = post(
        client,
        {
            "source": "988",
            "address": "1400 Test Street",
            "latitude": 39.76,
            "longitude": -104.99,
            "concerns": ["youth_in_crisis"],
            "screening": ["minor_involved"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["triage"]["rule"] == "youth"
    assert body["response"] == "mobile_crisis"
    assert body["recommendations"][0]["team_id"] == team.pk
    assert "clinician licensed" in body["recommendations"][0]["reasons"]


def test_an_agency_token_records_calls_but_cannot_read_them_back(client, agencies, admin_user):
    issued = accounts.create_api_token(
        agency=agencies["law_enforcement"], name="CAD", acting_user=admin_user
    )
    token = issued.token
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    response = post(client, {"source": "911", "address": "Main St"}, **headers)
    assert response.status_code == 201, response.content
    call = Call.objects.get()
    assert call.taken_by is None
    assert call.origin == "api"
    entry = AuditEntry.objects.get(action=events.CALL_TAKEN)
    assert entry.actor_token == token.prefix
    assert client.get(f"/api/v1/calls/{call.pk}", **headers).status_code == 403


def test_the_api_gives_a_reason_for_each_bad_field(client, sign_in, desk):
    sign_in(desk)
    response = post(client, {"source": "pager", "concerns": ["sad"], "latitude": 200})
    assert response.status_code == 422
    assert {"latitude"} <= set(response.json()["fields"])
    response = post(client, {"source": "pager", "concerns": ["sad"], "address": "Main St"})
    assert response.status_code == 422
    assert {"source", "concerns.0"} <= set(response.json()["fields"])
    assert not Call.objects.exists()


def test_a_token_posts_calls_with_csrf_enforced_and_a_session_still_needs_its_token(
    agencies, admin_user, desk
):
    from django.test import Client

    from coresponder.testing.fixtures import PASSWORD

    issued = accounts.create_api_token(
        agency=agencies["law_enforcement"], name="CAD", acting_user=admin_user
    )
    machine = Client(enforce_csrf_checks=True)
    body = {"source": "911", "address": "Main St"}
    for header in ("HTTP_AUTHORIZATION", "HTTP_X_API_KEY"):
        value = f"Bearer {issued.secret}" if header == "HTTP_AUTHORIZATION" else issued.secret
        response = post(machine, body, **{header: value})
        assert response.status_code == 201, response.content
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/login/")
    signed_in = browser.post(
        "/login/",
        {
            "username": desk.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": page.context["csrf_token"],
        },
    )
    assert signed_in.status_code == 302
    assert post(browser, body).status_code == 403
    assert Call.objects.count() == 2


def test_the_rule_set_admin_starts_from_the_rules_in_force_and_refuses_a_broken_set(
    client, sign_in, admin_user
):
    import json

    program = admin_user.program
    actions.rules_in_force(program)
    sign_in(admin_user)
    page = client.get("/admin/calls/triageruleset/add/")
    # The rules in force, as JSON an administrator can edit (not a quoted string of it).
    shown = page.context["adminform"].form["rules"].value()
    assert json.loads(shown) == DEFAULT_RULES
    assert '\\"key\\"' not in page.content.decode()
    refused = client.post(
        "/admin/calls/triageruleset/add/",
        {"program": program.pk, "rules": json.dumps([{"key": "x"}]), "note": ""},
    )
    assert refused.status_code == 200
    assert "say in words what the rule decides" in refused.content.decode()
    kept = client.post(
        "/admin/calls/triageruleset/add/",
        {"program": program.pk, "rules": json.dumps(DEFAULT_RULES[-1:]), "note": "one rule"},
    )
    assert kept.status_code == 302
    assert actions.rules_in_force(program).version == 2
    assert AuditEntry.objects.filter(action=events.RULES_CHANGED).count() == 1
