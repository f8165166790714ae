"""The API's rate limits: per agency token or user, reads and writes apart, 429 with
Retry-After in the API's error shape. The clock is frozen; windows are whole minutes."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from freezegun import freeze_time

from coresponder.accounts import actions as accounts
from coresponder.accounts.models import Role
from coresponder.calls import events as call_events
from coresponder.calls.models import Call
from coresponder.core.models import AuditEntry
from coresponder.core.throttles import RateInvalid, parse_rate

pytestmark = pytest.mark.django_db

# 15 seconds into a minute: a window of a minute has 45 seconds left.
NOW = "2026-03-02 10:00:15+00:00"
CALL = {"source": "911", "address": "1400 Test Street"}


@pytest.fixture(autouse=True)
def counters_from_zero():
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def rates(settings):
    def set_rates(*, read: str = "100/min", write: str = "100/min", cad: str = "100/min"):
        settings.COR_API_RATES = {"read": read, "write": write, "cad": cad}

    return set_rates


@pytest.fixture
def token(agencies, admin_user):
    def issue(name: str) -> dict:
        issued = accounts.create_api_token(
            agency=agencies["law_enforcement"], name=name, acting_user=admin_user
        )
        return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}

    return issue


def post_call(client, headers: dict):
    return client.post("/api/v1/calls", CALL, content_type="application/json", **headers)


THROTTLED_45 = {
    "message": "Too many requests: try again in 45 seconds.",
    "code": "throttled",
    "fields": {},
}


@freeze_time(NOW)
def test_reads_over_a_users_rate_are_refused_with_429_and_retry_after(
    client, rates, make_user, sign_in
):
    # given
    rates(read="3/min")
    sign_in(make_user(Role.DISPATCHER))
    answered = [client.get("/api/v1/me").status_code for _ in range(3)]

    # when
    response = client.get("/api/v1/me")

    # then
    assert answered == [200, 200, 200]
    assert response.status_code == 429
    assert response.json() == THROTTLED_45
    assert response["Retry-After"] == "45"


@freeze_time(NOW)
def test_writes_over_a_tokens_rate_are_refused_and_record_nothing(client, rates, token):
    # given
    rates(write="2/min")
    headers = token("County CAD")
    created = [post_call(client, headers).status_code for _ in range(2)]

    # when
    response = post_call(client, headers)

    # then
    assert created == [201, 201]
    assert response.status_code == 429
    assert response.json() == THROTTLED_45
    assert response["Retry-After"] == "45"
    assert Call.objects.count() == 2
    assert AuditEntry.objects.filter(action=call_events.CALL_TAKEN).count() == 2


@freeze_time(NOW)
def test_a_token_out_of_writes_still_reads(client, rates, token):
    # given
    rates(read="5/min", write="1/min")
    headers = token("County CAD")
    post_call(client, headers)
    assert post_call(client, headers).status_code == 429

    # when
    response = client.get("/api/v1/me", **headers)

    # then
    assert response.status_code == 200


@freeze_time(NOW)
def test_one_exhausted_token_does_not_hold_back_another(client, rates, token):
    # given
    rates(write="1/min")
    first, second = token("County CAD"), token("Records system")
    assert post_call(client, first).status_code == 201
    assert post_call(client, first).status_code == 429

    # when
    response = post_call(client, second)

    # then
    assert response.status_code == 201
    assert Call.objects.count() == 2


@freeze_time(NOW)
def test_one_exhausted_user_does_not_hold_back_another(rates, make_user):
    from django.test import Client

    # given
    rates(read="2/min")
    first, second = Client(), Client()
    first.force_login(make_user(Role.DISPATCHER))
    second.force_login(make_user(Role.DISPATCHER))
    assert [first.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 429]

    # when
    response = second.get("/api/v1/me")

    # then
    assert response.status_code == 200


def test_the_limit_resets_when_its_window_ends(client, rates, token):
    with freeze_time(NOW) as clock:
        # given
        rates(write="1/min")
        headers = token("County CAD")
        assert post_call(client, headers).status_code == 201
        refused = post_call(client, headers)
        assert refused.status_code == 429

        # when: as long as Retry-After said
        clock.tick(int(refused["Retry-After"]))
        response = post_call(client, headers)

    # then
    assert response.status_code == 201
    assert Call.objects.count() == 2


@freeze_time(NOW)
def test_with_the_database_cache_every_process_counts_in_one_table(client, rates, token, settings):
    # given: COR_CACHE=database, after `coresponder createcachetable`
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "coresponder_cache",
        }
    }
    call_command("createcachetable", verbosity=0)
    rates(write="1/min")
    headers = token("County CAD")

    # when
    answers = [post_call(client, headers).status_code for _ in range(2)]

    # then: the count is a row of the shared table
    assert answers == [201, 429]
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM coresponder_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert len(keys) == 1
    assert keys[0].startswith(":1:cor-throttle:write:accounts.apitoken:")


@freeze_time("2026-03-02 10:00:59.5+00:00")
def test_retry_after_is_whole_seconds_rounded_up(client, rates, make_user, sign_in):
    # given: half a second left in the minute
    rates(read="1/min")
    sign_in(make_user(Role.DISPATCHER))
    client.get("/api/v1/me")

    # when
    response = client.get("/api/v1/me")

    # then
    assert response["Retry-After"] == "1"
    assert response.json()["message"] == "Too many requests: try again in 1 second."


def test_requests_without_credentials_are_refused_before_they_are_counted(client, rates):
    rates(read="1/min")

    answers = [client.get("/api/v1/me").status_code for _ in range(3)]

    assert answers == [401, 401, 401]


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("600/min", (600, 60)), ("5/s", (5, 1)), ("1000/hour", (1000, 3600)), ("9/day", (9, 86400))],
)
def test_rates_are_requests_per_period(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["", "600", "0/min", "-1/min", "ten/min", "5/fortnight"])
def test_a_rate_that_is_not_requests_per_period_is_refused(rate):
    with pytest.raises(RateInvalid):
        parse_rate(rate)
