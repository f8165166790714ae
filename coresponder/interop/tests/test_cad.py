"""CAD intake: signed, idempotent deliveries through the real API."""

from __future__ import annotations

import json
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client

from coresponder.accounts import actions as accounts
from coresponder.accounts.models import ApiToken
from coresponder.calls import events as call_events
from coresponder.calls.models import Call, Origin
from coresponder.core.models import AuditEntry
from coresponder.interop import actions, cad, events
from coresponder.interop.models import CadDelivery, CadFeed

pytestmark = pytest.mark.django_db

CALL = {
    "incident_number": "CAD-2025-000123",
    "received_at": "2025-03-01T14:05:00-08:00",
    "call_type": "PERSON IN BEHAVIORAL/EMOTIONAL CRISIS",
    "source": "911",
    "address": "1400 Test Street",
    "latitude": 47.6176,
    "longitude": -122.2811,
    "caller_relation": "family",
    "language": "Spanish",
    "narrative": "Caller reports her adult son pacing and shouting; no weapon seen.",
}
WELFARE_SAYS = "A welfare check on someone in distress: a co-responder team goes."


def nothing_written() -> bool:
    return (
        not Call.objects.exists()
        and not CadDelivery.objects.exists()
        and not AuditEntry.objects.filter(action=call_events.CALL_TAKEN).exists()
    )


def test_a_signed_delivery_records_the_call_triaged_from_its_nature_code(cad_post, issued_feed):
    # when
    response = cad_post(CALL, key="evt-123-r1")

    # then
    assert response.status_code == 201, response.content
    call = Call.objects.get()
    assert response.json() == {
        "id": str(call.pk),
        "reference": "2025-000001",
        "incident_number": "CAD-2025-000123",
        "received_at": "2025-03-01T22:05:00Z",
        "concerns": ["welfare_check"],
        "response": "co_responder",
        "priority": 3,
        "triage_response": "co_responder",
        "triage_priority": 3,
        "triage_rule": "welfare-check",
        "triage_says": WELFARE_SAYS,
        "state": "open",
    }
    assert (call.origin, call.source, call.external_id) == (Origin.CAD, "911", "CAD-2025-000123")
    assert call.taken_by_agency == issued_feed.feed.agency
    assert call.taken_by is None
    assert (call.address, call.latitude, call.longitude) == ("1400 Test Street", 47.6176, -122.2811)
    assert (call.caller_relation, call.language, call.screening) == ("family", "Spanish", [])
    assert call.summary == (
        "CAD call type: PERSON IN BEHAVIORAL/EMOTIONAL CRISIS\n"
        "Caller reports her adult son pacing and shouting; no weapon seen."
    )
    delivery = CadDelivery.objects.get()
    assert (delivery.feed, delivery.idempotency_key, delivery.call) == (
        issued_feed.feed,
        "evt-123-r1",
        call,
    )
    taken = AuditEntry.objects.get(action=call_events.CALL_TAKEN)
    assert (taken.actor_token, taken.agency_name, taken.detail["origin"]) == (
        issued_feed.feed.token.prefix,
        "Test Law enforcement",
        "cad",
    )


OUTCOMES = "/api/v1/cad/outcomes"
CLEARED = {
    "incident_number": "CAD-2025-000123",
    "disposition": "emergency_hold",
    "outcome": "ITA - DETAINED FOR EVALUATION",
    "cleared_at": "2025-03-01T15:40:00-08:00",
}


def outcomes_reported() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=call_events.OUTCOME_REPORTED).order_by("seq"))


def test_a_cad_sends_how_a_call_ended_by_its_incident_number(cad_post, issued_feed):
    # given a call the CAD sent
    cad_post(CALL, key="evt-123-r1")

    # when it later sends how the call was cleared
    response = cad_post(CLEARED, key="evt-123-cleared", path=OUTCOMES)

    # then the call keeps it, as the CAD reported it, with one audit entry
    assert response.status_code == 200, response.content
    call = Call.objects.get()
    assert response.json() == {
        "id": str(call.pk),
        "reference": call.reference,
        "incident_number": "CAD-2025-000123",
        "disposition": "emergency_hold",
        "outcome": "ITA - DETAINED FOR EVALUATION",
        "cleared_at": "2025-03-01T23:40:00Z",
        "state": "open",
    }
    assert (call.reported_disposition, call.reported_outcome) == (
        "emergency_hold",
        "ITA - DETAINED FOR EVALUATION",
    )
    assert call.reported_cleared_at.isoformat() == "2025-03-01T23:40:00+00:00"
    (entry,) = outcomes_reported()
    assert (entry.actor_token, entry.object_id, entry.detail["disposition"]) == (
        issued_feed.feed.token.prefix,
        str(call.pk),
        "emergency_hold",
    )


def test_an_outcome_sent_again_changes_nothing_and_a_new_one_replaces_it(cad_post):
    cad_post(CALL, key="evt-123-r1")
    first = cad_post(CLEARED, key="evt-123-cleared", path=OUTCOMES)

    # a retry, and the same outcome under a new key: the same answer, nothing written
    retry = cad_post(CLEARED, key="evt-123-cleared", path=OUTCOMES)
    again = cad_post(CLEARED, key="evt-123-cleared-again", path=OUTCOMES)
    assert retry.status_code == again.status_code == 200
    assert retry.json() == again.json() == first.json()
    assert len(outcomes_reported()) == 1

    # the key of one outcome with another body is a conflict, and changes nothing
    other = {**CLEARED, "disposition": "arrest"}
    conflict = cad_post(other, key="evt-123-cleared", path=OUTCOMES)
    assert conflict.status_code == 409
    assert Call.objects.get().reported_disposition == "emergency_hold"

    # a correction under its own key replaces the outcome
    corrected = cad_post(other, key="evt-123-corrected", path=OUTCOMES)
    assert corrected.status_code == 200
    assert corrected.json()["disposition"] == "arrest"
    assert Call.objects.get().reported_disposition == "arrest"
    assert len(outcomes_reported()) == 2


def test_an_outcome_for_no_call_of_the_program_is_a_404(cad_post):
    response = cad_post(CLEARED, key="evt-9", path=OUTCOMES)

    assert response.status_code == 404
    assert response.json() == {
        "message": "No call of this program has incident number CAD-2025-000123; send the "
        "call first.",
        "code": "not_found",
        "fields": {"incident_number": ["No such call."]},
    }
    assert not CadDelivery.objects.exists()
    assert outcomes_reported() == []


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        (
            {"disposition": "jailed"},
            {
                "disposition": [
                    "Input should be 'resolved_on_scene', 'referred_voluntary', "
                    "'transported_voluntary', 'emergency_hold', 'medical_transport', "
                    "'citation', 'arrest', 'refused_services', 'unable_to_locate' or 'other'"
                ]
            },
        ),
        (
            {"cleared_at": "2025-03-01T13:00:00-08:00"},
            {"cleared_at": ["A call cannot be cleared before it was received."]},
        ),
        (
            {"cleared_at": "2025-03-01T15:40:00"},
            {"cleared_at": ["Input should have timezone info"]},
        ),
        ({"outcome": "DETAINED\x00"}, {"outcome": ["Text may not contain NUL characters."]}),
    ],
)
def test_a_bad_outcome_is_refused_each_field_with_its_reason(cad_post, change, fields):
    cad_post(CALL, key="evt-123-r1")

    response = cad_post({**CLEARED, **change}, key="evt-123-cleared", path=OUTCOMES)

    assert response.status_code == 422
    assert response.json()["fields"] == fields
    assert Call.objects.get().reported_disposition == ""
    assert CadDelivery.objects.count() == 1
    assert outcomes_reported() == []


def test_an_unsigned_outcome_is_refused(cad_post):
    cad_post(CALL, key="evt-123-r1")

    response = cad_post(CLEARED, key="evt-123-cleared", path=OUTCOMES, signature=None)

    assert response.status_code == 401
    assert Call.objects.get().reported_disposition == ""


def test_a_retry_returns_the_first_call_and_records_nothing_more(cad_post):
    # given
    first = cad_post(CALL, key="evt-123-r1")
    assert first.status_code == 201

    # when
    retry = cad_post(CALL, key="evt-123-r1")

    # then
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert Call.objects.count() == 1
    assert CadDelivery.objects.count() == 1
    assert AuditEntry.objects.filter(action=call_events.CALL_TAKEN).count() == 1


def test_a_new_key_makes_a_new_call(cad_post):
    cad_post(CALL, key="evt-123-r1")

    response = cad_post({**CALL, "incident_number": "CAD-2025-000124"}, key="evt-124-r1")

    assert response.status_code == 201
    assert response.json()["reference"] == "2025-000002"
    assert Call.objects.count() == 2


def test_the_same_key_with_another_body_is_a_conflict(cad_post):
    # given
    first = cad_post(CALL, key="evt-123-r1")

    # when
    response = cad_post({**CALL, "address": "1500 Test Street"}, key="evt-123-r1")

    # then
    assert response.status_code == 409
    assert response.json() == {
        "message": "This Idempotency-Key was used for a different body. A retry sends the same "
        "bytes; a new or changed call needs a new key.",
        "code": "conflict",
        "fields": {"Idempotency-Key": ["Already used for another body."]},
    }
    assert [(str(pk), address) for pk, address in Call.objects.values_list("pk", "address")] == [
        (first.json()["id"], "1400 Test Street")
    ]
    assert AuditEntry.objects.filter(action=call_events.CALL_TAKEN).count() == 1


def test_two_deliveries_racing_with_one_key_make_one_call(cad_post, monkeypatch):
    # given the first delivery is recorded...
    first = cad_post(CALL, key="evt-123-r1")
    # ...and the second looked for it before the first was committed, so found nothing
    real = cad._earlier_delivery
    looks = []

    def not_yet_committed(feed, key):
        looks.append(key)
        return None if len(looks) == 1 else real(feed, key)

    monkeypatch.setattr(cad, "_earlier_delivery", not_yet_committed)

    # when
    second = cad_post(CALL, key="evt-123-r1")

    # then the unique key refused the second call, which was rolled back with its audit entry
    assert looks == ["evt-123-r1", "evt-123-r1"]
    assert second.status_code == 200
    assert second.json() == first.json()
    assert Call.objects.count() == 1
    assert AuditEntry.objects.filter(action=call_events.CALL_TAKEN).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_the_same_moment_make_one_call(issued_feed):
    body = json.dumps(CALL).encode()
    headers = {
        "HTTP_AUTHORIZATION": f"Bearer {issued_feed.token}",
        "HTTP_X_CORESPONDER_SIGNATURE": cad.sign(issued_feed.signing_secret, body),
        "HTTP_IDEMPOTENCY_KEY": "evt-123-r1",
    }
    start, results = threading.Barrier(2), []

    def deliver():
        try:
            start.wait()
            response = Client().post(
                "/api/v1/cad/calls", body, content_type="application/json", **headers
            )
            results.append((response.status_code, response.json()["id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(status for status, _id in results) == [200, 201]
    assert len({call_id for _status, call_id in results}) == 1
    assert Call.objects.count() == 1
    assert AuditEntry.objects.filter(action=call_events.CALL_TAKEN).count() == 1


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        (
            None,
            "Sign the body: send X-Coresponder-Signature: sha256=<hex HMAC-SHA256 of the raw "
            "body, keyed with the feed's signing secret>.",
        ),
        ("sha256=" + "0" * 64, "The signature does not match the body."),
        ("0" * 64, "The signature does not match the body."),
        ("sha1=abc", "The signature does not match the body."),
    ],
)
def test_an_unsigned_or_badly_signed_body_is_refused(cad_post, signature, message):
    response = cad_post(CALL, signature=signature)

    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature"
    assert response.json()["message"].startswith(message)
    assert nothing_written()


def test_a_body_signed_with_another_secret_or_changed_after_signing_is_refused(
    cad_post, issued_feed
):
    other_secret = cad_post(CALL, secret="not-the-feed-secret")
    body = json.dumps(CALL).encode()
    tampered = cad_post(
        body.replace(b"1400 Test", b"1500 Test"),
        signature=cad.sign(issued_feed.signing_secret, body),
    )

    assert (other_secret.status_code, tampered.status_code) == (401, 401)
    assert nothing_written()


def test_an_upper_case_hex_signature_is_accepted(cad_post, issued_feed):
    body = json.dumps(CALL).encode()
    signature = cad.sign(issued_feed.signing_secret, body)

    response = cad_post(body, signature="sha256=" + signature.removeprefix("sha256=").upper())

    assert response.status_code == 201


def test_without_a_token_the_delivery_is_refused(cad_post):
    response = cad_post(CALL, token=None)
    forged = cad_post(CALL, token="cor_deadbeef_not-a-token")

    assert response.status_code == 401
    assert response.json() == {
        "message": "Sign in, or send a valid API token.",
        "code": "not_authenticated",
        "fields": {},
    }
    assert forged.status_code == 401
    assert nothing_written()


def test_the_token_may_also_come_as_x_api_key(client, issued_feed):
    body = json.dumps(CALL).encode()

    response = client.post(
        "/api/v1/cad/calls",
        body,
        content_type="application/json",
        HTTP_X_API_KEY=issued_feed.token,
        HTTP_X_CORESPONDER_SIGNATURE=cad.sign(issued_feed.signing_secret, body),
        HTTP_IDEMPOTENCY_KEY="evt-1",
    )

    assert response.status_code == 201


def test_a_token_that_is_no_feeds_is_forbidden(cad_post, agencies):
    # given an ordinary API token of the same agency
    plain = accounts.create_api_token(
        agency=agencies["law_enforcement"], name="Reporting", acting_user=None
    )

    # when
    response = cad_post(CALL, token=plain.secret)

    # then
    assert response.status_code == 403
    assert response.json() == {
        "message": "This token does not belong to an active CAD feed; CAD calls need a feed's "
        "token.",
        "code": "forbidden",
        "fields": {},
    }
    assert nothing_written()


def test_a_disabled_feed_is_forbidden(cad_post, issued_feed):
    actions.disable_cad_feed(issued_feed.feed, acting_user=None)

    response = cad_post(CALL)

    assert response.status_code == 403
    assert nothing_written()
    assert AuditEntry.objects.filter(action=events.CAD_FEED_DISABLED).count() == 1


def test_a_session_user_cannot_post_cad_calls(client, make_user, sign_in):
    sign_in(make_user("dispatcher"))

    response = client.post("/api/v1/cad/calls", CALL, content_type="application/json")

    assert response.status_code == 401
    assert nothing_written()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "Not valid JSON: Expecting property name enclosed in double quotes: "),
        (b"", "Not valid JSON: Expecting value: line 1 column 1 (char 0)."),
        (b'{"latitude": NaN}', "Not valid JSON: NaN is not a JSON number."),
        (b"\xff\xfe\x00", "Not valid JSON: "),
        (b'["a list"]', "Send one JSON object."),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused_with_the_reason(cad_post, body, reason):
    response = cad_post(body)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == ["body"]
    assert response.json()["fields"]["body"][0].startswith(reason)
    assert nothing_written()


def test_bad_fields_are_refused_each_with_its_reason(cad_post):
    # when
    response = cad_post(
        {
            "received_at": "2025-03-01T14:05:00",
            "latitude": 147.5,
            "longitude": "east",
            "source": "pager",
            "concerns": ["suicidal", "bored"],
            "caller_phone": "5" * 40,
        },
        key=None,
    )

    # then
    assert response.status_code == 422
    assert response.json() == {
        "message": "The call could not be recorded.",
        "code": "invalid",
        "fields": {
            "incident_number": ["Field required"],
            "received_at": ["Input should have timezone info"],
            "source": [
                "Input should be '911', '988', 'non_emergency', 'officer_initiated', "
                "'walk_in' or 'cad'"
            ],
            "latitude": ["Input should be less than or equal to 90"],
            "longitude": ["Input should be a valid number, unable to parse string as a number"],
            "caller_phone": ["String should have at most 32 characters"],
            "concerns.1": [
                "Input should be 'suicidal', 'self_harm', 'anxiety_panic', "
                "'depression_isolation', 'psychosis_disorientation', 'substance_use', "
                "'trauma_ptsd', 'grief_loss', 'youth_in_crisis', 'veteran_support', "
                "'resources_request' or 'welfare_check'"
            ],
            "Idempotency-Key": [
                "Required: a key that names this delivery, the same on every retry (for "
                "example the CAD's event number and revision)."
            ],
        },
    }
    assert nothing_written()


@pytest.mark.parametrize(
    "key",
    ["", "   ", "k" * 201, "caf\u00e9", "tab\there"],
    ids=["empty", "blank", "long", "é", "tab"],
)
def test_an_idempotency_key_is_printable_ascii_up_to_200_characters(cad_post, key):
    response = cad_post(CALL, key=key)

    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["Idempotency-Key"]
    assert nothing_written()


def test_what_intake_refuses_is_a_422_with_its_fields(cad_post):
    # Valid JSON, valid types, but not a call intake accepts: half a position, nowhere to go.
    response = cad_post({**CALL, "address": "", "longitude": None})

    assert response.status_code == 422
    assert response.json() == {
        "message": "The call could not be recorded.",
        "code": "invalid",
        "fields": {
            "latitude": ["Give both latitude and longitude, or neither."],
        },
    }
    assert nothing_written()


def test_a_body_over_the_upload_limit_is_a_413_in_the_api_error_shape(cad_post, settings):
    # given a signed 5 MB delivery (a narrative pasted many times over)
    body = json.dumps({**CALL, "narrative": "x" * (5 * 1024 * 1024)}).encode()

    # when
    response = cad_post(body)

    # then
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json; charset=utf-8"
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert response.json() == {
        "message": f"The request body is larger than {limit:,} bytes, the most this API takes.",
        "code": "too_large",
        "fields": {"body": [f"At most {limit:,} bytes."]},
    }
    assert nothing_written()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("address", "1400 Test\x00 Street"),
        ("caller_name", "A\x00"),
        ("narrative", "pacing\x00 and shouting"),
        ("call_type", "CRISIS\x00"),
        ("language", "\x00"),
    ],
)
def test_a_nul_in_one_field_is_reported_against_that_field(cad_post, field, value):
    response = cad_post({**CALL, field: value})

    assert response.status_code == 422
    assert response.json()["fields"] == {field: ["Text may not contain NUL characters."]}
    assert nothing_written()


def test_a_call_from_the_future_is_refused_but_a_fast_cad_clock_is_not(cad_post):
    from datetime import timedelta

    from django.utils import timezone

    soon = (timezone.now() + timedelta(minutes=2)).isoformat()
    later = (timezone.now() + timedelta(hours=2)).isoformat()

    skewed = cad_post({**CALL, "received_at": soon}, key="evt-soon")
    future = cad_post({**CALL, "received_at": later}, key="evt-later")

    assert skewed.status_code == 201
    assert Call.objects.get().received_at <= timezone.now()
    assert future.status_code == 422
    assert future.json()["fields"] == {
        "received_at": ["In the future: what has happened cannot be later than now."]
    }


@pytest.mark.parametrize(
    ("call_type", "concerns", "screening"),
    [
        ("SUICIDE - SUICIDAL PERSON AND ATTEMPTS", ["suicidal"], []),
        ("SUICIDE - CRITICAL", ["suicidal"], ["attempt_in_progress"]),
        ("OVERDOSE", ["substance_use"], ["medical_emergency"]),
        ("SERVICE - WELFARE CHECK", ["welfare_check"], []),
        ("ASLT - WITH OR W/O WPNS (NO SHOOTINGS)", [], ["weapon", "violence_or_threats"]),
        ("FIGHT - PHYSICAL (NO WEAPONS)", [], ["violence_or_threats"]),
        ("WEAPN - GUN,DEADLY WPN (NO THRTS/ASLT/DIST)", [], ["weapon"]),
        ("HARAS - NO BIAS OR THREATS", [], []),
        ("ANIMAL - INJURED, DEAD HAZARD, OTHER", [], []),
        ("TRAFFIC - PARKING VIOL (EXCEPT ABANDONED CAR)", [], []),
        ("", [], []),
    ],
)
def test_concerns_and_screening_are_read_from_the_nature_code(
    cad_post, call_type, concerns, screening
):
    response = cad_post({**CALL, "call_type": call_type})

    assert response.status_code == 201
    call = Call.objects.get()
    assert (call.concerns, call.screening) == (concerns, screening)


def test_concerns_and_screening_the_cad_sends_win_over_the_nature_code(cad_post):
    response = cad_post(
        {**CALL, "call_type": "SUICIDE - CRITICAL", "concerns": ["anxiety_panic"], "screening": []}
    )

    assert response.status_code == 201
    call = Call.objects.get()
    assert (call.concerns, call.screening) == (["anxiety_panic"], [])


def test_null_text_fields_and_unknown_fields_are_taken_as_absent(cad_post):
    response = cad_post({**CALL, "caller_name": None, "narrative": None, "cad_unit": "E12"})

    assert response.status_code == 201
    call = Call.objects.get()
    assert (call.caller_name, call.summary) == (
        "",
        "CAD call type: PERSON IN BEHAVIORAL/EMOTIONAL CRISIS",
    )


# --- the cad_feed command --------------------------------------------------------------


def test_cad_feed_create_prints_the_token_and_secret_once_and_they_work(client, agencies):
    # when
    out = StringIO()
    call_command(
        "cad_feed", "create", "--agency", "Test Law enforcement", "--name", "Metro CAD", stdout=out
    )

    # then
    feed = CadFeed.objects.get()
    printed = out.getvalue()
    token = next(line.split()[-1] for line in printed.splitlines() if "API token" in line)
    secret = next(line.split()[-1] for line in printed.splitlines() if "Signing secret" in line)
    assert secret == feed.signing_secret
    assert len(secret) == 64
    assert token.startswith(f"cor_{feed.token.prefix}_")
    assert (feed.name, feed.agency, feed.active) == ("Metro CAD", agencies["law_enforcement"], True)
    assert feed.token.name == "CAD feed: Metro CAD"
    assert AuditEntry.objects.filter(action=events.CAD_FEED_CREATED).count() == 1
    assert secret not in json.dumps(list(AuditEntry.objects.values("detail")))
    body = json.dumps(CALL).encode()
    response = client.post(
        "/api/v1/cad/calls",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_X_CORESPONDER_SIGNATURE=cad.sign(secret, body),
        HTTP_IDEMPOTENCY_KEY="1",
    )
    assert response.status_code == 201


def test_cad_feed_list_and_disable(issued_feed):
    # when
    listing = StringIO()
    call_command("cad_feed", "list", stdout=listing)
    disabled = StringIO()
    call_command("cad_feed", "disable", str(issued_feed.feed.pk), stdout=disabled)

    # then
    assert "County CAD" in listing.getvalue()
    assert issued_feed.feed.token.prefix in listing.getvalue()
    assert issued_feed.signing_secret not in listing.getvalue()
    assert issued_feed.token not in listing.getvalue()
    assert disabled.getvalue().strip() == f"Disabled CAD feed {issued_feed.feed.pk} (County CAD)."
    issued_feed.feed.refresh_from_db()
    assert issued_feed.feed.active is False


def test_cad_feed_create_refuses_an_unknown_agency_and_a_duplicate_name(issued_feed):
    with pytest.raises(CommandError, match="No agency is named 'Nowhere'"):
        call_command("cad_feed", "create", "--agency", "Nowhere", "--name", "X")
    with pytest.raises(CommandError, match="already has a CAD feed with that name"):
        call_command(
            "cad_feed",
            "create",
            "--agency",
            str(issued_feed.feed.agency_id),
            "--name",
            "County CAD",
        )
    assert CadFeed.objects.count() == 1
    assert ApiToken.objects.count() == 1


def test_the_admin_shows_feeds_and_deliveries_read_only_and_never_the_secret(
    client, admin_user, sign_in, cad_post, issued_feed
):
    cad_post(CALL, key="evt-admin")
    sign_in(admin_user)
    feed = issued_feed.feed
    delivery = CadDelivery.objects.get()

    pages = [
        client.get("/admin/interop/cadfeed/"),
        client.get(f"/admin/interop/cadfeed/{feed.pk}/change/"),
        client.get("/admin/interop/caddelivery/"),
        client.get(f"/admin/interop/caddelivery/{delivery.pk}/change/"),
    ]

    assert [page.status_code for page in pages] == [200, 200, 200, 200]
    for page in pages:
        assert issued_feed.signing_secret not in page.content.decode()
    assert "evt-admin" in pages[2].content.decode()
    assert client.get("/admin/interop/cadfeed/add/").status_code == 403
    assert client.post(f"/admin/interop/cadfeed/{feed.pk}/delete/").status_code == 403
