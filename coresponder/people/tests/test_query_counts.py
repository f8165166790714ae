"""Pages and endpoints that list persons must not query once per person (N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coresponder.accounts.models import Role
from coresponder.people import actions as people

pytestmark = pytest.mark.django_db


def register(registrar, count: int, family: str) -> None:
    for number in range(count):
        people.register_person(
            people.PersonIn(
                names=[people.NameIn(given=f"Given{chr(97 + number)}", family=family)],
                identifiers=[
                    people.IdentifierIn(system="state_id", issuer="DMV", value=f"{family}{number}")
                ],
            ),
            acting_user=registrar,
        )


def queries(client, path, params=None, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params or {}, **headers)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/people/", {"HTTP_HX_REQUEST": "true"}), ("/api/v1/persons", {})],
)
def test_search_costs_the_same_for_two_results_as_for_twelve(
    client, make_user, sign_in, path, headers
):
    registrar = make_user(Role.DISPATCHER)
    register(registrar, 2, "Fewmatch")
    register(registrar, 12, "Manymatch")
    sign_in(registrar)

    few = queries(client, path, {"name": "fewmatch"}, **headers)
    many = queries(client, path, {"name": "manymatch"}, **headers)

    assert many == few


def test_a_person_page_costs_the_same_with_many_notes_and_identifiers(
    client, crew, person, sign_in
):
    sign_in(crew["clinician"])
    queries(client, f"/people/{person.pk}/")  # opens the read's audit window: later reads count
    before = queries(client, f"/people/{person.pk}/")
    for number in range(8):
        people.add_note(
            person, data_class="clinical", body=f"note {number}", acting_user=crew["clinician"]
        )
        people.add_identifier(
            person,
            people.IdentifierIn(system="state_id", issuer="DMV", value=f"X{number}"),
            acting_user=crew["clinician"],
        )

    after = queries(client, f"/people/{person.pk}/")

    assert after == before


def test_a_person_page_costs_the_same_with_many_changes_and_calls(
    client, crew, person, sign_in, take_call
):
    # given the person page read once, with one change and three calls (a repeat crisis
    # opens a case at the third: the case is there before and after)
    people.edit_person(
        person,
        people.PersonEdit(revision=1, fields={"pronouns": "p0"}),
        acting_user=crew["officer"],
    )
    for _number in range(3):
        take_call(person_id=person.pk)
    sign_in(crew["clinician"])
    queries(client, f"/people/{person.pk}/")  # opens the read's audit window: later reads count
    before = queries(client, f"/people/{person.pk}/")

    # when eight more changes and calls are made
    for number in range(1, 9):
        person.refresh_from_db()
        people.edit_person(
            person,
            people.PersonEdit(revision=person.revision, fields={"pronouns": f"p{number}"}),
            acting_user=crew["officer"],
        )
        take_call(person_id=person.pk)
    after = queries(client, f"/people/{person.pk}/")

    # then the page costs the same number of queries
    assert after == before
