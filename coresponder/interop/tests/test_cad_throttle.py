"""A CAD feed's rate: its own, apart from the API's writes, and high enough for a city's peak."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from freezegun import freeze_time

from coresponder.calls.models import Call
from coresponder.core.throttles import parse_rate
from coresponder.interop.models import CadDelivery

pytestmark = pytest.mark.django_db

CALL = {
    "incident_number": "CAD-2025-000123",
    "received_at": "2025-03-01T14:05:00-08:00",
    "call_type": "PERSON IN BEHAVIORAL/EMOTIONAL CRISIS",
    "source": "911",
    "address": "1400 Test Street",
}


@pytest.fixture(autouse=True)
def counters_from_zero():
    caches["default"].clear()
    yield
    caches["default"].clear()


def delivery(number: int) -> tuple[dict, str]:
    return {**CALL, "incident_number": f"CAD-2025-{number:06d}"}, f"evt-{number}"


@freeze_time("2026-03-02 10:00:15+00:00")
def test_a_feed_posts_at_its_own_rate_above_the_writes_rate_and_no_further(settings, cad_post):
    # given: the feed's rate is 3 a minute, other writes 1
    settings.COR_API_RATES = {"read": "100/min", "write": "1/min", "cad": "3/min"}
    answered = []
    for number in range(1, 4):
        payload, key = delivery(number)
        answered.append(cad_post(payload, key=key).status_code)

    # when
    payload, key = delivery(4)
    response = cad_post(payload, key=key)

    # then
    assert answered == [201, 201, 201]
    assert response.status_code == 429
    assert response["Retry-After"] == "45"
    assert response.json() == {
        "message": "Too many requests: try again in 45 seconds.",
        "code": "throttled",
        "fields": {},
    }
    assert Call.objects.count() == 3
    assert not CadDelivery.objects.filter(idempotency_key="evt-4").exists()


def test_the_default_feed_rate_is_ten_times_a_large_citys_peak():
    # A large city takes about 25,000 911 calls a day: 0.3 a second on average and a few a
    # second at its peak. The default lets a feed post 50 a second, so that a CAD catching up
    # after an outage is not refused either (docs/settings.md).
    from coresponder.settings import base

    calls, seconds = parse_rate(base.COR_API_RATES["cad"])

    assert (calls, seconds) == (3000, 60)
    assert calls / seconds >= 10 * 5
