"""An appointment is held to the program's bounds: not before its earliest date, not more
than ten years ahead. The partner's token gets a 422 naming `appointment_at`, the
partner's page the reason; the referral does not move either way."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from coresponder.referrals import events
from coresponder.referrals.models import Referral, ReferralEvent

from .test_referrals import audits, move, sent_referral

pytestmark = pytest.mark.django_db

NOW = "2026-03-02T17:00:00+00:00"
EARLIEST = "Before 1990-01-01, the earliest date this program takes: check the year."
AHEAD = "More than ten years ahead: check the year."


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(NOW):
        yield


@pytest.fixture
def accepted(scene, harbor):
    referral = sent_referral(scene, harbor)
    assert move(harbor.client(), referral, to="accepted").status_code == 200
    return referral


def unmoved(referral) -> bool:
    referral.refresh_from_db()
    return (
        referral.state == "accepted"
        and referral.appointment_at is None
        and ReferralEvent.objects.filter(referral=referral).count() == 2
        and audits(events.REFERRAL_MOVED) == 1
    )


@pytest.mark.parametrize(
    ("appointment_at", "reason"),
    [
        ("0001-01-01T00:00:00Z", EARLIEST),
        ("1989-12-31T23:59:59-07:00", EARLIEST),
        ("2036-03-03T09:00:00-07:00", AHEAD),
        ("9999-12-31T23:59:59Z", AHEAD),
    ],
)
def test_an_appointment_outside_the_bounds_is_a_422(harbor, accepted, appointment_at, reason):
    response = move(harbor.client(), accepted, to="scheduled", appointment_at=appointment_at)

    assert response.status_code == 422, response.content
    assert response.json() == {
        "message": "The appointment cannot be booked then.",
        "code": "invalid",
        "fields": {"appointment_at": [reason]},
    }
    assert unmoved(accepted)


def test_the_partners_page_refuses_a_year_typed_wrong_with_the_reason(
    client, sign_in, harbor, accepted
):
    sign_in(harbor.user)

    response = client.post(
        f"/referrals/partner/{accepted.pk}/move/",
        {"to": "scheduled", "appointment_at": "9999-12-31T23:59"},
        follow=True,
    )

    assert response.status_code == 200
    assert AHEAD in response.content.decode()
    assert unmoved(accepted)


def test_an_appointment_booked_after_the_fact_is_taken(harbor, accepted):
    response = move(
        harbor.client(), accepted, to="scheduled", appointment_at="2026-02-27T09:00:00-07:00"
    )

    assert response.status_code == 200, response.content
    assert Referral.objects.get(pk=accepted.pk).state == "scheduled"
