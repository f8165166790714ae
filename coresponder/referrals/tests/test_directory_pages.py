"""The directory pages: the public search, the staff search, an encounter's suggestions."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coresponder.accounts.models import Role
from coresponder.core.models import AuditEntry
from coresponder.dispatch import actions as dispatch
from coresponder.encounters import actions as encounters
from coresponder.people.actions import NameIn, PersonIn, register_person
from coresponder.referrals import directory
from coresponder.referrals.matching import Needs, Place
from coresponder.referrals.models import (
    Address,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    Unit,
)

pytestmark = pytest.mark.django_db

ALL_DAY = {"opens_at": time(0), "closes_at": time(0), "byday": "MO,TU,WE,TH,FR,SA,SU"}
WEEKDAYS = {"opens_at": time(9), "closes_at": time(17), "byday": "MO,TU,WE,TH,FR"}


@pytest.fixture
def listing(program):
    """Adds one service at one location of the program's directory; returns the service."""
    numbers = iter(range(1, 1000))

    def add(
        name,
        *,
        kind="detox",
        at=(39.7610, -104.9890),
        postal_code="80205",
        hours=ALL_DAY,
        capacity=None,
        languages=(),
        **service_fields,
    ):
        n = next(numbers)
        org = Organization.objects.create(
            program=program, hsds_id=f"org-{n}", name=f"{name} Org", description="x"
        )
        service = Service.objects.create(
            program=program,
            hsds_id=f"svc-{n}",
            organization=org,
            name=name,
            status="active",
            kind=kind,
            description=f"{name} description",
            **service_fields,
        )
        location = Location.objects.create(
            program=program,
            hsds_id=f"loc-{n}",
            location_type="physical",
            name=f"{name} site",
            latitude=at[0],
            longitude=at[1],
        )
        sal = ServiceAtLocation.objects.create(
            program=program, hsds_id=f"sal-{n}", service=service, location=location
        )
        Address.objects.create(
            program=program,
            hsds_id=f"addr-{n}",
            location=location,
            address_1=f"{n} Main Street",
            city="Denver",
            state_province="CO",
            postal_code=postal_code,
            country="US",
            address_type="physical",
        )
        Phone.objects.create(
            program=program, hsds_id=f"ph-{n}", service_at_location=sal, number=f"303-555-0{n:03}"
        )
        if hours is not None:
            Schedule.objects.create(
                program=program, hsds_id=f"sch-{n}", service=service, freq="WEEKLY", **hours
            )
        for language in languages:
            Language.objects.create(
                program=program, hsds_id=f"lang-{n}-{language}", service=service, name=language
            )
        if capacity is not None:
            unit, _ = Unit.objects.get_or_create(program=program, hsds_id="beds", name="beds")
            ServiceCapacity.objects.create(
                program=program,
                hsds_id=f"cap-{n}",
                service=service,
                unit=unit,
                available=capacity[0],
                maximum=capacity[1],
                updated=timezone.now(),
            )
        return service

    return add


@pytest.fixture
def directory_of_five(listing):
    listing("Sunrise Detox", languages=["Spanish"], capacity=(2, 10))
    listing("Full Detox", capacity=(0, 10), at=(39.7605, -104.9895))
    listing(
        "Expired Hours Detox",
        hours={**ALL_DAY, "valid_to": date(2020, 1, 1)},
        at=(39.7600, -104.9900),
    )
    listing("Veterans Recovery", veterans=True)
    listing("Teen Detox", maximum_age=17, postal_code="80014", at=(39.65, -104.85))
    listing(
        "Weekday Therapy",
        kind="outpatient_therapy",
        hours=WEEKDAYS,
        postal_code="80014",
        at=(39.66, -104.86),
    )


def _forty_years_ago() -> date:
    today = timezone.localdate() - timedelta(days=3)  # three days past a birthday
    return (
        today.replace(year=today.year - 40)
        if (today.month, today.day) != (2, 29)
        else date(today.year - 40, 2, 28)
    )


@pytest.fixture
def scene(desk, make_team, take_call):
    """A call about a 40-year-old non-veteran with a substance-use crisis, team on scene."""

    def make():
        team = make_team()
        person = register_person(
            PersonIn(
                names=[NameIn(family="Quixote", given="Alonso")],
                date_of_birth=_forty_years_ago(),
                veteran_status="not_veteran",
            ),
            acting_user=desk,
        )
        call = take_call(person_id=person.pk, concerns=["substance_use"], language="Spanish")
        dispatch.dispatch_team(call, team, acting_user=desk)
        dispatch.move_status(team, "on_scene", acting_user=team.officer)
        call.refresh_from_db()
        encounter = encounters.start_encounter(call, acting_user=team.clinician)
        return team, person, call, encounter

    return make


def names_in(response) -> list[str]:
    return [s.candidate.service_name for s in response.context["results"]]


# The public page --------------------------------------------------------------------------


def test_public_page_needs_no_sign_in_and_shows_no_person(
    client, program, directory_of_five, scene
):
    # given: a call about a person is being worked
    _team, _person, call, _encounter = scene()
    reads_before = AuditEntry.objects.count()

    # when
    response = client.get(f"/directory/public/{program.slug}/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sunrise Detox" in html
    assert "303-555-0001" in html
    assert "Quixote" not in html
    assert "Alonso" not in html
    assert call.reference not in html
    assert "Sign out" not in html
    assert AuditEntry.objects.count() == reads_before  # no person was read
    assert set(names_in(response)) == {
        "Sunrise Detox",
        "Full Detox",
        "Expired Hours Detox",
        "Veterans Recovery",
        "Teen Detox",
        "Weekday Therapy",
    }


def test_public_page_of_an_unknown_program_is_404(client, program):
    assert client.get("/directory/public/nowhere/").status_code == 404


def test_search_by_words_kind_language_and_place(client, program, directory_of_five):
    url = f"/directory/public/{program.slug}/"

    assert names_in(client.get(url, {"text": "sunrise"})) == ["Sunrise Detox"]
    assert names_in(client.get(url, {"kind": "outpatient_therapy"})) == ["Weekday Therapy"]
    assert names_in(client.get(url, {"language": "spanish"})) == ["Sunrise Detox"]
    # Near a postal code: only within 5 km of its locations, nearest first.
    near = client.get(url, {"near": "80014", "radius": "5"})
    assert names_in(near) == ["Teen Detox", "Weekday Therapy"] or names_in(near) == [
        "Weekday Therapy",
        "Teen Detox",
    ]
    assert all("km" in " ".join(s.reasons) for s in near.context["results"])
    # Coordinates (as "near the call" passes them), within 5 km.
    close = names_in(
        client.get(url, {"latitude": "39.761", "longitude": "-104.989", "radius": "5"})
    )
    assert set(close) == {"Sunrise Detox", "Full Detox", "Expired Hours Detox", "Veterans Recovery"}
    assert close[-1] == "Expired Hours Detox"  # closed goes last


def test_search_open_at_a_time(client, program, directory_of_five):
    url = f"/directory/public/{program.slug}/"
    monday = client.get(url, {"kind": "outpatient_therapy", "open": "at", "at": "2025-12-01T10:00"})
    saturday = client.get(
        url, {"kind": "outpatient_therapy", "open": "at", "at": "2025-12-06T10:00"}
    )
    assert names_in(monday) == ["Weekday Therapy"]
    assert names_in(saturday) == []
    # Open now: every all-day service with current hours, not the expired one.
    now = names_in(client.get(url, {"kind": "detox", "open": "now"}))
    assert "Expired Hours Detox" not in now
    assert {"Sunrise Detox", "Full Detox", "Veterans Recovery", "Teen Detox"} == set(now)


def test_full_and_closed_are_said_on_the_page(client, program, directory_of_five):
    response = client.get(f"/directory/public/{program.slug}/", {"kind": "detox"})
    html = response.content.decode()
    assert "full (0 of 10 beds)" in html
    assert "2 of 10 beds free" in html
    assert "closed; no opening in the next week" in html
    # no person to check: eligibility is said plainly, not as a check to make
    assert "ages up to 17" in html
    assert "for veterans" in html
    assert "not known" not in html


# The staff page ---------------------------------------------------------------------------


def test_staff_directory_needs_sign_in(client, program, directory_of_five, make_user, sign_in):
    assert client.get("/directory/").status_code == 302
    sign_in(make_user(Role.CASE_MANAGER))
    response = client.get("/directory/", {"text": "detox", "kind": "detox"})
    assert response.status_code == 200
    # open with room first, then full, then closed; "Veterans Recovery" has no "detox"
    assert names_in(response) == [
        "Sunrise Detox",
        "Teen Detox",
        "Full Detox",
        "Expired Hours Detox",
    ]
    assert f"/directory/public/{program.slug}/" in response.content.decode()


# An encounter's suggestions ---------------------------------------------------------------


def test_suggestions_for_the_clinician_on_the_call(client, directory_of_five, scene, sign_in):
    # given
    team, person, _call, encounter = scene()
    sign_in(team.clinician)
    reads_before = AuditEntry.objects.filter(object_id=str(person.pk)).count()

    # when
    response = client.get(f"/directory/encounters/{encounter.pk}/suggestions/")

    # then: detox for a substance-use crisis; not the veterans' or the youth service
    assert response.status_code == 200
    assert names_in(response) == ["Sunrise Detox", "Full Detox", "Expired Hours Detox"]
    first, full, closed = response.context["results"]
    assert first.reasons[:2] == [
        "meets the need: detox (withdrawal management)",
        "open now, around the clock",
    ]
    assert "speaks Spanish" in first.reasons
    assert "2 of 10 beds free" in first.reasons
    assert "full (0 of 10 beds)" in full.reasons
    assert closed.reasons[1] == "closed; no opening in the next week"
    assert response.context["needs"].age == 40
    assert response.context["needs"].veteran is False
    # the person's read went through the privacy policy and was audited
    assert AuditEntry.objects.filter(object_id=str(person.pk)).count() == reads_before + 1
    html = response.content.decode()
    assert "Detox (withdrawal management)" in html


def test_someone_not_on_the_call_gets_404(client, directory_of_five, scene, make_user, sign_in):
    _team, _person, _call, encounter = scene()
    sign_in(make_user(Role.CLINICIAN))
    assert client.get(f"/directory/encounters/{encounter.pk}/suggestions/").status_code == 404
    assert (
        client.get(
            "/directory/encounters/00000000-0000-0000-0000-000000000000/suggestions/"
        ).status_code
        == 404
    )


def test_without_the_person_readable_it_matches_without_age_and_says_so(
    client, directory_of_five, scene, sign_in, make_user, program
):
    # given: the officer on the call, who may not read assessments
    team, _person, _call, encounter = scene()
    sign_in(team.officer)

    # when
    response = client.get(f"/directory/encounters/{encounter.pk}/suggestions/")

    # then
    assert response.status_code == 200
    notes = response.context["needs"].notes
    assert "assessments not readable by you: matched without the risk level" in notes


def test_reading_candidates_takes_the_same_queries_for_one_or_many(program, listing):
    listing("One", capacity=(1, 2), languages=["Spanish"])
    needs = Needs(kinds=("detox",), place=Place(39.761, -104.989))
    with CaptureQueriesContext(connection) as one:
        directory.match(program, needs)
    for number in range(12):
        listing(f"More {number}", capacity=(1, 2), languages=["Somali"])
    with CaptureQueriesContext(connection) as many:
        found = directory.match(program, needs)
    assert len(found) == 10
    # the rows in each box tried (5 to 100 km: too few to stop early), five for their facts
    assert len(one) == len(many) == 10


def test_the_public_page_takes_the_same_queries_for_six_services_or_twelve(
    client, program, directory_of_five, listing
):
    url = f"/directory/public/{program.slug}/"
    with CaptureQueriesContext(connection) as six:
        client.get(url, {"kind": "detox"})
    for number in range(6):
        listing(f"Another {number}", capacity=(1, 3), languages=["Somali"])
    with CaptureQueriesContext(connection) as twelve:
        response = client.get(url, {"kind": "detox"})
    assert len(names_in(response)) == 11
    assert len(six) == len(twelve)


def test_a_search_with_a_mistake_says_so(client, program, directory_of_five):
    response = client.get(f"/directory/public/{program.slug}/", {"open": "at"})
    assert response.status_code == 200
    assert response.context["results"] == []
    assert "Say when the service should be open." in response.content.decode()


def test_the_field_view_leads_to_the_suggestions_for_its_encounter(client, sign_in, on_scene):
    scene = on_scene(emt=False)
    sign_in(scene.clinician)
    page = client.get(f"/encounters/{scene.encounter.pk}/field/").content.decode()
    assert f'href="/directory/encounters/{scene.encounter.pk}/suggestions/"' in page
