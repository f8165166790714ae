from __future__ import annotations

from datetime import date

import pytest

from coresponder.accounts.models import Role
from coresponder.core.models import AuditEntry
from coresponder.people import actions as people
from coresponder.people.matching import PersonQuery, name_key, search
from coresponder.privacy import events

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar(make_user):
    return make_user(Role.DISPATCHER)


@pytest.fixture
def index(registrar):
    """A few persons whose names differ the way intake typos and spellings do."""
    rows = [
        ("Whiskey", "Sierra", date(1984, 3, 7), "S1234567"),
        ("Whisky", "Siera", date(1984, 7, 3), ""),
        ("Whis", "Sierrawood", date(1990, 1, 1), ""),
        ("Tango", "Brightwater", date(1971, 11, 30), "S7654321"),
        ("Demo", "Charlie", None, ""),
    ]
    made = {}
    for given, family, born, state_id in rows:
        made[family] = people.register_person(
            people.PersonIn(
                names=[people.NameIn(given=given, family=family)],
                date_of_birth=born,
                identifiers=[
                    people.IdentifierIn(system="state_id", issuer="State DMV", value=state_id)
                ]
                if state_id
                else [],
            ),
            acting_user=registrar,
        )
    return made


def families(candidates) -> list[str]:
    return [c.person.names.all()[0].family for c in candidates]


def test_a_partial_name_finds_by_prefix(index, registrar):
    found = search(registrar.program, PersonQuery(name="bright"))

    assert families(found) == ["Brightwater"]
    assert "family name starts like “Brightwater”" in found[0].reasons


def test_a_spelling_that_sounds_alike_ranks_with_its_reason(index, registrar):
    found = search(registrar.program, PersonQuery(name="Whisky Sierra"))

    assert families(found)[:2] == ["Sierra", "Siera"]
    assert any("sounds like" in reason or "spelled like" in reason for reason in found[1].reasons)


def test_the_date_of_birth_breaks_ties_and_catches_swapped_day_and_month(index, registrar):
    exact = search(registrar.program, PersonQuery(name="Sierra", date_of_birth=date(1984, 7, 3)))
    swapped_only = search(registrar.program, PersonQuery(date_of_birth=date(1984, 3, 7)))

    assert families(exact)[0] == "Siera"
    assert "date of birth matches" in exact[0].reasons
    assert families(swapped_only) == ["Sierra", "Siera"]
    assert swapped_only[1].reasons == ["date of birth matches with day and month swapped"]


def test_an_identifier_finds_the_person_whatever_its_punctuation(index, registrar):
    found = search(registrar.program, PersonQuery(identifier="s-765 4321"))

    assert families(found) == ["Brightwater"]
    assert found[0].reasons == ["an identifier matches"]


def test_nothing_typed_finds_nothing(index, registrar):
    assert search(registrar.program, PersonQuery(name="  ,, ")) == []


def test_persons_of_another_program_are_never_found(index, registrar, db):
    from coresponder.accounts.models import Agency, Program

    other = Program.objects.create(name="Elsewhere", slug="elsewhere")
    Agency.objects.create(program=other, name="Elsewhere PD", kind="law_enforcement")

    assert search(other, PersonQuery(name="Sierra")) == []


def test_name_keys_fold_case_accents_and_punctuation():
    assert name_key("Zoë O'Demo-Ávila") == "zoeodemoavila"


def test_each_result_shown_is_one_audited_read(client, index, registrar, sign_in):
    sign_in(registrar)
    before = AuditEntry.objects.filter(action=events.PERSON_READ).count()

    page = client.get("/people/", {"name": "sierra"}, HTTP_HX_REQUEST="true").content.decode()

    reads = AuditEntry.objects.filter(action=events.PERSON_READ).order_by("seq")[before:]
    shown = {entry.object_id for entry in reads}
    assert page.count('class="result"') == len(shown) == 3
    assert all(entry.detail["channel"] == "page:search" for entry in reads)
    assert all(entry.fields == ["operational"] for entry in reads)


def test_the_search_api_returns_ranked_candidates_with_reasons(client, index, registrar, sign_in):
    sign_in(registrar)

    body = client.get(
        "/api/v1/persons", {"name": "brightwater", "date_of_birth": "1971-11-30"}
    ).json()

    assert [c["names"][0]["family"] for c in body] == ["Brightwater"]
    assert body[0]["reasons"] == ["family name is “Brightwater”", "date of birth matches"]
    assert body[0]["date_of_birth"] == "1971-11-30"


def test_the_search_api_refuses_an_empty_query(client, registrar, sign_in):
    sign_in(registrar)

    response = client.get("/api/v1/persons")

    assert response.status_code == 400
    assert "name" in response.json()["fields"]


def test_match_strength_in_words_by_score():
    from coresponder.people.matching import strength

    assert [strength(score) for score in (145, 85, 80, 79.9, 50, 49.9, 10)] == [
        "Strong match",
        "Strong match",
        "Strong match",
        "Likely match",
        "Likely match",
        "Possible match",
        "Possible match",
    ]
