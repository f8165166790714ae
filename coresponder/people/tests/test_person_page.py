"""The person page through HTTP: what it says about why the reader sees each part."""

from __future__ import annotations

import re

import pytest

from coresponder.people import actions as people

pytestmark = pytest.mark.django_db


def test_each_part_says_in_a_sentence_why_the_reader_sees_it(client, crew, person, sign_in):
    # given the clinician on the call, on the care team and named in a Part 2 consent
    sign_in(crew["clinician"])

    # when the clinician opens the person
    page = re.sub(r"\s+", " ", client.get(f"/people/{person.pk}/").content.decode())

    # then each part's reason reads as a sentence ("because of you are on a call" once)
    reasons = re.findall(
        r'data-class="([a-z_0-9]+)"> <h2[^>]*>[^<]*</h2> <p class="card__meta">([^<]*)</p>', page
    )
    on_call = "You see this because you are on a call about this person."
    care_team = "You see this because you are on this person&#x27;s care team."
    said = dict(reasons)
    assert list(said) == [
        "operational",
        "public_safety",
        "clinical",
        "sud_part2",
        "care_coordination",
    ]
    assert said["operational"] == "You see this because of your role."
    assert said["public_safety"] == on_call
    assert said["sud_part2"] == "You see this because of the person&#x27;s consent."
    # Both relations give the clinical parts; the policy names either.
    assert {said["clinical"], said["care_coordination"]} <= {on_call, care_team}


def test_languages_are_named_not_coded(client, crew, person, sign_in):
    # given a person who speaks Spanish and American Sign Language, stored as codes
    people.update_person(person, changes={"languages": ["es", "asl"]}, acting_user=crew["officer"])
    sign_in(crew["officer"])

    # when the officer opens the person
    page = re.sub(r"\s+", " ", client.get(f"/people/{person.pk}/").content.decode())

    # then the languages are named
    assert "<dt>Languages</dt><dd>Spanish, American Sign Language</dd>" in page


@pytest.mark.parametrize(
    ("typed", "strength"),
    [({"name": "tango"}, "Likely match"), ({"name": "tanga"}, "Possible match")],
)
def test_a_search_result_says_how_well_it_matches_in_words(
    client, crew, person, sign_in, typed, strength
):
    # given
    sign_in(crew["dispatcher"])

    # when a name is searched, as the page fetches its results
    results = client.get("/people/", typed, HTTP_HX_REQUEST="true").content.decode()

    # then the match says how strong it is in words, never as a number
    assert re.findall(r'<span class="badge[^"]*"[^>]*>([^<]*)</span>', results) == [strength]
    assert not re.search(r">\s*\d+\.\d\s*<", results)
