"""The referral loop: its state machine, sending (with consent) and information given, the
partner's moves and capacity through the API with its token, the outcome on the encounter,
and the reminders of unanswered referrals."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from coresponder.core.models import AuditEntry
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.privacy.models import AccessRelation
from coresponder.referrals import actions, events
from coresponder.referrals.access import Principal
from coresponder.referrals.loop import MOVES, IllegalMove, State, check_move
from coresponder.referrals.models import Referral, ReferralEvent, ServiceCapacity

from .referral_fixtures import CONTACT, NEED, send_json

# The state machine, without a database ------------------------------------------------

LEGAL = [(current, wanted) for current, moves in MOVES.items() for wanted in sorted(moves)]
ILLEGAL = [
    (current, wanted) for current in State for wanted in State if wanted not in MOVES[current]
]


@pytest.mark.parametrize(("current", "wanted"), LEGAL)
def test_each_legal_move_is_allowed(current, wanted):
    check_move(current, wanted)  # no exception


def test_the_loop_is_the_issue_s():
    # given the closed loop: sent → received → accepted → scheduled → attended
    path = [State.SENT, State.RECEIVED, State.ACCEPTED, State.SCHEDULED, State.ATTENDED]
    # then each step is legal, and declined, no-show and withdrawn are reachable
    for current, wanted in itertools.pairwise(path):
        assert wanted in MOVES[current]
    assert State.DECLINED in MOVES[State.SENT] | MOVES[State.RECEIVED]
    assert State.NO_SHOW in MOVES[State.SCHEDULED]
    assert all(State.WITHDRAWN in MOVES[s] for s in path[:-1])
    assert MOVES[State.ATTENDED] == MOVES[State.DECLINED] == MOVES[State.WITHDRAWN] == set()


@pytest.mark.parametrize(("current", "wanted"), ILLEGAL)
def test_each_illegal_move_is_refused_with_a_reason(current, wanted):
    with pytest.raises(IllegalMove) as refused:
        check_move(current, wanted)
    assert str(refused.value)


@pytest.mark.parametrize(
    ("current", "wanted", "reason"),
    [
        (State.SENT, State.ATTENDED, "The referral is sent: accept it before marking it attended."),
        (
            State.RECEIVED,
            State.SCHEDULED,
            "The referral is received: accept it before booking an appointment.",
        ),
        (State.ATTENDED, State.WITHDRAWN, "The referral is closed (attended); it moves no more."),
        (State.DECLINED, State.ACCEPTED, "The referral is closed (declined); it moves no more."),
        (State.ACCEPTED, State.SENT, "A referral cannot go back to sent."),
        (State.ACCEPTED, State.DECLINED, "The referral is accepted: it cannot be marked declined."),
        (
            State.INFORMATION_GIVEN,
            State.ACCEPTED,
            "Only information was given about this service; there is no referral to move.",
        ),
    ],
)
def test_illegal_moves_say_why(current, wanted, reason):
    with pytest.raises(IllegalMove) as refused:
        check_move(current, wanted)
    assert str(refused.value) == reason


# Sending ------------------------------------------------------------------------------


def referrals_url(scene) -> str:
    return f"/api/v1/encounters/{scene.encounter.pk}/referrals"


def audits(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


@pytest.mark.django_db
def test_sending_without_consent_is_refused_with_the_reason_and_nothing_is_written(
    client, sign_in, scene, harbor
):
    # given a clinician on the call, and no consent sharing care coordination with Harbor
    sign_in(scene.clinician)
    relations = AccessRelation.objects.count()
    # when they send a referral
    response = send_json(
        client,
        "post",
        referrals_url(scene),
        {"service_id": str(harbor.service.pk), "need": NEED, "contact": CONTACT},
    )
    # then it is refused, saying why and what to do instead
    assert response.status_code == 403
    assert response.json() == {
        "message": "No consent in force shares care-coordination information with Harbor "
        "House. Record the person's consent first, or record that information was given.",
        "code": "consent_needed",
        "fields": {},
    }
    # and nothing was written: no referral, no move, no relation, no event
    assert Referral.objects.count() == 0
    assert ReferralEvent.objects.count() == 0
    assert AccessRelation.objects.count() == relations
    assert audits(events.REFERRAL_SENT) == 0


@pytest.mark.django_db
def test_information_given_is_stored_without_any_details(client, sign_in, scene, harbor):
    # given no consent, the clinician records that Harbor's information was given
    sign_in(scene.clinician)
    response = send_json(
        client,
        "post",
        referrals_url(scene),
        {
            "service_id": str(harbor.service.pk),
            "kind": "information_given",
            "need": NEED,
            "contact": CONTACT,
        },
    )
    # then only that is stored: no need, no contact, no partner, no relation
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["state"], body["need"], body["contact"]) == (
        "information_given",
        "information_given",
        "",
        "",
    )
    referral = Referral.objects.get()
    assert (referral.need, referral.contact, referral.agency_id) == ("", "", None)
    assert not AccessRelation.objects.filter(agency=harbor.agency).exists()
    assert audits(events.INFORMATION_GIVEN) == 1
    # and it cannot be moved
    response = send_json(
        client, "post", f"/api/v1/referrals/{referral.pk}/moves", {"to": "withdrawn"}
    )
    assert response.status_code == 409
    assert response.json()["message"] == (
        "Only information was given about this service; there is no referral to move."
    )


@pytest.mark.django_db
def test_sending_with_consent_makes_the_partner_a_recipient(client, sign_in, scene, harbor):
    # given the person's consent to share care coordination with Harbor
    share_care_coordination(scene.person, with_agency=harbor.agency, recorded_by=scene.clinician)
    sign_in(scene.clinician)
    # when the clinician sends the referral
    response = send_json(
        client,
        "post",
        referrals_url(scene),
        {
            "service_id": str(harbor.service.pk),
            "need": NEED,
            "contact": CONTACT,
            "voluntary": False,
        },
    )
    # then it is sent, with its details, and its first move
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["need"], body["contact"], body["voluntary"]) == (
        "sent",
        NEED,
        CONTACT,
        False,
    )
    assert [(m["from_state"], m["to_state"], m["by"]) for m in body["moves"]] == [
        ("", "sent", str(scene.clinician))
    ]
    # and Harbor's agency now holds a referral-recipient relation to the person
    relation = AccessRelation.objects.get(agency=harbor.agency)
    assert (relation.kind, relation.person_id) == ("referral_recipient", scene.person.pk)
    entry = AuditEntry.objects.get(action=events.REFERRAL_SENT)
    assert entry.object_id == str(scene.person.pk)
    assert entry.detail["basis"].startswith("consent:")
    assert NEED not in str(entry.detail)


@pytest.mark.django_db
def test_only_clinicians_and_case_managers_on_the_call_send(client, sign_in, scene, harbor):
    share_care_coordination(scene.person, with_agency=harbor.agency, recorded_by=scene.clinician)
    sign_in(scene.officer)
    response = send_json(
        client,
        "post",
        referrals_url(scene),
        {"service_id": str(harbor.service.pk), "need": NEED},
    )
    assert response.status_code == 403
    assert response.json()["message"] == (
        "Only clinicians and case managers on the call or the care team send referrals."
    )
    assert Referral.objects.count() == 0


@pytest.mark.django_db
def test_an_organisation_without_a_partner_agency_takes_information_only(
    client, sign_in, scene, program
):
    from .referral_fixtures import _directory_entry

    _organization, service = _directory_entry(program, "lib", "Public Library")
    sign_in(scene.clinician)
    response = send_json(
        client, "post", referrals_url(scene), {"service_id": str(service.pk), "need": NEED}
    )
    assert response.status_code == 400
    assert response.json()["message"] == (
        "Public Library does not take referrals through Coresponder. Record that "
        "information was given instead."
    )
    assert Referral.objects.count() == 0


# The partner's moves, with its agency's token ------------------------------------------


def sent_referral(scene, partner) -> Referral:
    share_care_coordination(scene.person, with_agency=partner.agency, recorded_by=scene.clinician)
    return actions.send_referral(
        scene.encounter,
        service=partner.service,
        need=NEED,
        contact=CONTACT,
        acting_user=scene.clinician,
    )


def move(client, referral, **body):
    return send_json(client, "post", f"/api/v1/referrals/{referral.pk}/moves", body)


@pytest.mark.django_db
def test_the_partner_s_token_moves_the_referral_round_the_loop(scene, harbor):
    # given a referral sent to Harbor
    referral = sent_referral(scene, harbor)
    partner = harbor.client()
    # when Harbor's system answers it step by step
    assert move(partner, referral, to="received").status_code == 200
    assert move(partner, referral, to="accepted", note="Bed held").status_code == 200
    response = move(partner, referral, to="scheduled", appointment_at="2026-12-01T09:30:00-07:00")
    assert response.status_code == 200, response.content
    assert response.json()["appointment_at"] == "2026-12-01T16:30:00Z"
    response = move(partner, referral, to="attended")
    # then each move is recorded: from, to, when, by the token
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "attended"
    by_token = f"Harbor House (agency) (API token {harbor.token.split('_')[1]})"
    assert [(m["from_state"], m["to_state"], m["by"], m["note"]) for m in body["moves"]] == [
        ("", "sent", str(scene.clinician), ""),
        ("sent", "received", by_token, ""),
        ("received", "accepted", by_token, "Bed held"),
        ("accepted", "scheduled", by_token, ""),
        ("scheduled", "attended", by_token, ""),
    ]
    assert ReferralEvent.objects.filter(referral=referral, by_token__isnull=False).count() == 4
    assert audits(events.REFERRAL_MOVED) == 4


@pytest.mark.django_db
def test_an_illegal_move_is_refused_with_its_reason_and_nothing_changes(scene, harbor):
    referral = sent_referral(scene, harbor)
    response = move(harbor.client(), referral, to="attended")
    assert response.status_code == 409
    assert response.json() == {
        "message": "The referral is sent: accept it before marking it attended.",
        "code": "conflict",
        "fields": {},
    }
    referral.refresh_from_db()
    assert referral.state == "sent"
    assert ReferralEvent.objects.filter(referral=referral).count() == 1
    assert audits(events.REFERRAL_MOVED) == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [({"to": "declined"}, "reason"), ({"to": "scheduled"}, "appointment_at")],
)
def test_declining_needs_a_reason_and_booking_a_time(scene, harbor, body, field):
    referral = sent_referral(scene, harbor)
    partner = harbor.client()
    if body["to"] == "scheduled":
        move(partner, referral, to="accepted")
    response = move(partner, referral, **body)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    referral.refresh_from_db()
    assert referral.state in ("sent", "accepted")


@pytest.mark.django_db
def test_a_decline_keeps_its_reason(scene, harbor):
    referral = sent_referral(scene, harbor)
    response = move(harbor.client(), referral, to="declined", reason="No beds this week")
    assert response.status_code == 200
    # declining ends the partner's access to the person (test_partner_access_ends.py)
    assert (response.json()["state"], response.json()["access_ended"]) == ("declined", True)
    referral.refresh_from_db()
    assert referral.decline_reason == "No beds this week"


@pytest.mark.django_db
def test_only_the_staff_withdraw_and_the_partner_answers(client, sign_in, scene, harbor):
    referral = sent_referral(scene, harbor)
    # the partner may not withdraw, the clinician may not accept for the partner
    response = move(harbor.client(), referral, to="withdrawn")
    assert response.status_code == 403
    assert response.json()["message"] == "Only the program's staff withdraw a referral."
    sign_in(scene.clinician)
    response = move(client, referral, to="accepted")
    assert response.status_code == 403
    assert response.json()["message"] == (
        "Only the partner the referral was sent to marks it accepted."
    )
    # the sender withdraws
    response = move(client, referral, to="withdrawn")
    assert response.status_code == 200
    assert response.json()["state"] == "withdrawn"


# Capacity ------------------------------------------------------------------------------


def capacity(client, service, **body):
    return send_json(client, "patch", f"/api/v1/services/{service.pk}/capacity", body)


@pytest.mark.django_db
def test_the_partner_updates_its_own_service_s_capacity(harbor, elsewhere):
    # when Harbor's token says 3 of 12 beds are free, then 2
    response = capacity(harbor.client(), harbor.service, available=3, maximum=12)
    assert response.status_code == 200, response.content
    assert (response.json()["available"], response.json()["maximum"]) == (3, 12)
    capacity(harbor.client(), harbor.service, available=2, maximum=12)
    # then one capacity row holds the latest figures
    row = ServiceCapacity.objects.get(service=harbor.service)
    assert (row.available, row.maximum, row.unit.name) == (2, 12, "places")
    assert audits(events.CAPACITY_UPDATED) == 2


@pytest.mark.django_db
def test_another_agency_s_service_is_not_found_and_unchanged(harbor, elsewhere):
    response = capacity(harbor.client(), elsewhere.service, available=5, maximum=5)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not ServiceCapacity.objects.exists()
    assert audits(events.CAPACITY_UPDATED) == 0


@pytest.mark.django_db
def test_a_capacity_above_its_maximum_is_refused(harbor):
    response = capacity(harbor.client(), harbor.service, available=9, maximum=4)
    assert response.status_code == 400
    assert response.json()["fields"] == {"maximum": ["Cannot be below the places available."]}
    assert not ServiceCapacity.objects.exists()


@pytest.mark.django_db
def test_a_partner_user_updates_capacity_through_the_session(client, sign_in, harbor):
    sign_in(harbor.user)
    response = capacity(client, harbor.service, available=1, maximum=None)
    assert response.status_code == 200, response.content
    assert ServiceCapacity.objects.get(service=harbor.service).available == 1


# The outcome on the encounter -----------------------------------------------------------


@pytest.mark.django_db
def test_the_outcome_flows_back_to_the_encounter(client, sign_in, scene, harbor):
    # given a referral Harbor has booked
    referral = sent_referral(scene, harbor)
    partner = harbor.client()
    move(partner, referral, to="accepted")
    move(partner, referral, to="scheduled", appointment_at="2026-12-02T10:00:00Z")
    # when the clinician reads the encounter
    sign_in(scene.clinician)
    response = client.get(f"/api/v1/encounters/{scene.encounter.pk}")
    # then it shows the referral's outcome
    assert response.status_code == 200
    [outcome] = response.json()["referrals"]
    assert {k: outcome[k] for k in ("service", "organization", "state", "appointment_at")} == {
        "service": "Harbor House crisis beds",
        "organization": "Harbor House",
        "state": "scheduled",
        "appointment_at": "2026-12-02T10:00:00Z",
    }
    assert outcome["last_move"] == "scheduled"
    assert outcome["last_move_by"].startswith("Harbor House (agency) (API token")
    # and on the field view, as a card of its own
    page = client.get(f"/encounters/{scene.encounter.pk}/field/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="encounter-referrals"' in text
    assert "Harbor House crisis beds" in text
    assert "scheduled" in text


@pytest.mark.django_db
def test_staff_list_the_encounter_s_referrals(client, sign_in, scene, harbor):
    sent_referral(scene, harbor)
    sign_in(scene.clinician)
    response = client.get(f"/api/v1/referrals?encounter_id={scene.encounter.pk}")
    assert response.status_code == 200
    [body] = response.json()
    assert (body["need"], body["contact"]) == (NEED, CONTACT)
    response = client.get("/api/v1/referrals")
    assert response.status_code == 400
    assert response.json()["fields"] == {"encounter_id": ["This field is required."]}


# Reminders -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reminder_goes_once_past_the_deadline_and_not_before(
    scene, harbor, elsewhere, mailoutbox, django_capture_on_commit_callbacks, settings
):
    # given a referral to Harbor unanswered, and one Elm already received
    settings.COR_REFERRAL_REMINDER_HOURS = 24
    settings.COR_SITE_URL = "https://cor.example"
    harbor.user.email = "intake@harbor.example"
    harbor.user.save(update_fields=["email"])
    waiting = sent_referral(scene, harbor)
    answered = sent_referral(scene, elsewhere)
    actions.move_referral(answered, to="received", principal=Principal(token=_token_of(elsewhere)))
    sent_at = waiting.sent_at
    # when the reminders run before the deadline
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.remind_unanswered(sent_at + timedelta(hours=23)) == 0
    assert mailoutbox == []
    # then past it, Harbor's partner is told once
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.remind_unanswered(sent_at + timedelta(hours=25)) == 1
    [mail] = mailoutbox
    assert mail.to == ["intake@harbor.example"]
    assert mail.subject == "A referral waits at Harbor House"
    assert mail.body == (
        "A referral to Harbor House crisis beds at Harbor House has had no answer for more "
        "than 24 hours. Open Coresponder to answer it: https://cor.example/referrals/partner/"
    )
    # and the message carries nothing of the person
    for secret in (NEED, CONTACT, "Scene", "Demo", str(scene.person.pk)):
        assert secret not in mail.body
        assert secret not in mail.subject
    waiting.refresh_from_db()
    assert waiting.reminded_at == sent_at + timedelta(hours=25)
    # and a second run sends nothing again
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.remind_unanswered(sent_at + timedelta(hours=50)) == 0
    assert len(mailoutbox) == 1
    assert audits(events.REMINDER_SENT) == 1


@pytest.mark.django_db
def test_the_remind_command_runs_the_reminders(scene, harbor, capsys):
    referral = sent_referral(scene, harbor)
    Referral.objects.filter(pk=referral.pk).update(sent_at=datetime(2026, 1, 1, tzinfo=UTC))
    call_command("referrals", "remind")
    assert capsys.readouterr().out == (
        "Reminded: 1 referral(s) unanswered for more than 24 hours\n"
    )
    referral.refresh_from_db()
    assert referral.reminded_at is not None


def _token_of(partner):
    from coresponder.accounts.models import ApiToken

    return ApiToken.objects.select_related("agency").get(agency=partner.agency)


@pytest.mark.django_db
def test_the_link_command_names_the_partner_agency(program, capsys):
    from coresponder.accounts.models import Agency
    from coresponder.referrals.models import PartnerLink

    from .referral_fixtures import _directory_entry

    organization, _service = _directory_entry(program, "oak", "Oak Shelter")
    agency = Agency.objects.create(
        program=program, name="Oak Shelter Inc", kind="community_organization"
    )
    call_command("referrals", "link", "org-oak", "Oak Shelter Inc")
    assert capsys.readouterr().out == "Linked: Oak Shelter is answered by Oak Shelter Inc\n"
    assert PartnerLink.objects.get(organization=organization).agency == agency
    assert audits(events.PARTNER_LINKED) == 1
