"""A partner books an appointment on the program's clock and everyone reads the same time
(issue 17): the partner's page, the encounter's referrals, the case timeline and the API.
Denver, on the programs's clock: 09:30 in January is 16:30 UTC. On 14 March 2027 the
clocks go from 02:00 to 03:00; on 7 November 2027 01:00 to 02:00 happens twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from coresponder.accounts.models import Role
from coresponder.cases import actions as cases
from coresponder.cases.models import OpenedBecause
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.referrals import actions
from coresponder.referrals.models import Referral

from .referral_fixtures import CONTACT, NEED

pytestmark = pytest.mark.django_db

PAGE = "/referrals/partner/"


@pytest.fixture
def accepted(scene, harbor) -> Referral:
    share_care_coordination(scene.person, with_agency=harbor.agency, recorded_by=scene.clinician)
    referral = actions.send_referral(
        scene.encounter,
        service=harbor.service,
        need=NEED,
        contact=CONTACT,
        acting_user=scene.clinician,
    )
    from coresponder.referrals.access import Principal

    return actions.move_referral(referral, to="accepted", principal=Principal(user=harbor.user))


def book(client, referral, at: str):
    return client.post(
        f"{PAGE}{referral.pk}/move/", {"to": "scheduled", "appointment_at": at}, follow=True
    )


def test_a_booking_at_09_30_reads_09_30_everywhere(
    client, sign_in, scene, harbor, accepted, make_user, agencies
):
    # given a case for the person, so the booking has a timeline to appear on
    manager = make_user(Role.CASE_MANAGER, agency=agencies["behavioral_health"])
    case = cases.open_case(
        scene.person, because=OpenedBecause.BY_HAND, acting_user=manager, case_manager=manager
    )
    # when the partner books 09:30 on its page, whose field names the program's zone
    sign_in(harbor.user)
    form = client.get(PAGE).content.decode()
    assert "Appointment (America/Denver)" in form
    page = book(client, accepted, "2027-01-15T09:30").content.decode()
    # then the instant kept is 16:30 UTC, and the partner reads 09:30
    accepted.refresh_from_db()
    assert accepted.appointment_at == datetime(2027, 1, 15, 16, 30, tzinfo=UTC)
    assert "appointment 15 Jan 2027 09:30" in page
    assert "16:30" not in page
    # the API says the instant with its offset
    shown = harbor.client().get(f"/api/v1/referrals/{accepted.pk}").json()
    assert shown["appointment_at"] == "2027-01-15T16:30:00Z"
    # the clinician reads 09:30 on the encounter
    client.logout()
    sign_in(scene.clinician)
    field = client.get(f"/encounters/{scene.encounter.pk}/field/").content.decode()
    assert "appointment 15 Jan 2027 09:30" in field
    # and the case manager on the case's timeline, and in its API
    client.logout()
    sign_in(manager)
    timeline = client.get(f"/cases/{case.pk}/").content.decode()
    assert "appointment 15 Jan 2027 09:30" in timeline
    entries = client.get(f"/api/v1/cases/{case.pk}").json()["timeline"]
    booked = [e for e in entries if e["appointment_at"]]
    assert [e["appointment_at"] for e in booked] == ["2027-01-15T16:30:00Z"]


def test_a_time_the_clocks_skip_is_refused_and_nothing_is_booked(client, sign_in, harbor, accepted):
    sign_in(harbor.user)
    page = book(client, accepted, "2027-03-14T02:30").content.decode()
    assert (
        "02:30 on 2027-03-14 does not exist in America/Denver: the clocks go forward from "
        "02:00 to 03:00 that night. Give a time before 02:00 or from 03:00."
    ) in page
    accepted.refresh_from_db()
    assert (accepted.state, accepted.appointment_at) == ("accepted", None)
    assert list(accepted.events.values_list("to_state", flat=True).order_by("at")) == [
        "sent",
        "accepted",
    ]


def test_a_time_in_the_repeated_hour_is_the_first_and_says_which(client, sign_in, harbor, accepted):
    sign_in(harbor.user)
    page = book(client, accepted, "2027-11-07T01:30").content.decode()
    accepted.refresh_from_db()
    # 01:30 MDT (UTC-6), the first of the two
    assert accepted.appointment_at == datetime(2027, 11, 7, 7, 30, tzinfo=UTC)
    assert "appointment 7 Nov 2027 01:30 MDT" in page


def test_the_api_refuses_an_appointment_without_an_offset(harbor, accepted):
    from .referral_fixtures import send_json

    response = send_json(
        harbor.client(),
        "post",
        f"/api/v1/referrals/{accepted.pk}/moves",
        {"to": "scheduled", "appointment_at": "2027-01-15T09:30:00"},
    )
    assert response.status_code == 422
    accepted.refresh_from_db()
    assert (accepted.state, accepted.appointment_at) == ("accepted", None)
    response = send_json(
        harbor.client(),
        "post",
        f"/api/v1/referrals/{accepted.pk}/moves",
        {"to": "scheduled", "appointment_at": "2027-01-15T09:30:00-07:00"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["appointment_at"] == "2027-01-15T16:30:00Z"
