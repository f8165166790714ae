from __future__ import annotations

from datetime import date

import pytest

from coresponder.dispatch.recommendation import (
    CallNeeds,
    Place,
    TeamFacts,
    estimate_minutes,
    great_circle_km,
    rank,
)

TODAY = date(2026, 11, 23)
CALL = Place(39.7392, -104.9903)


def team(name, lat, lon, **facts) -> TeamFacts:
    facts.setdefault("officer_cit_expires", date(2027, 6, 1))
    return TeamFacts(team_id=name, name=name, position=Place(lat, lon), **facts)


def test_great_circle_distance_of_a_known_pair():
    # One degree of latitude is about 111.2 km everywhere.
    assert great_circle_km(Place(39.0, -105.0), Place(40.0, -105.0)) == pytest.approx(
        111.19, abs=0.01
    )


def test_the_estimate_applies_the_road_factor_and_speed():
    # 111.19 km × 1.3 at 45 km/h = 192.7 minutes.
    assert estimate_minutes(Place(39.0, -105.0), Place(40.0, -105.0)) == pytest.approx(
        192.73, abs=0.05
    )


def test_the_nearest_available_team_comes_first_with_its_reasons():
    near = team("near", 39.75, -104.99)
    far = team("far", 39.90, -104.99)

    ranked = rank([far, near], CallNeeds(place=CALL), today=TODAY)

    assert [r.team.name for r in ranked] == ["near", "far"]
    assert ranked[0].reasons[0].startswith("arrives in about")
    assert "officer's CIT certificate is current" in ranked[0].reasons


def test_within_two_minutes_fit_decides():
    # given two teams about as near, one speaking the caller's language
    plain = team("plain", 39.745, -104.99)
    spanish = team("spanish", 39.748, -104.99, languages=frozenset({"es"}))

    ranked = rank([plain, spanish], CallNeeds(place=CALL, language="es"), today=TODAY)

    assert [r.team.name for r in ranked] == ["spanish", "plain"]
    assert "speaks Spanish" in ranked[0].reasons


def test_an_expired_cit_certificate_and_a_busy_team_count_against():
    expired = team("expired", 39.7393, -104.9903, officer_cit_expires=date(2026, 1, 1))
    busy = team("busy", 39.7393, -104.9903, available_in_minutes=20)
    good = team("good", 39.7395, -104.9903, specialities=frozenset({"youth"}))

    ranked = rank(
        [expired, busy, good], CallNeeds(place=CALL, specialities=frozenset({"youth"})), today=TODAY
    )

    assert [r.team.name for r in ranked] == ["good", "expired", "busy"]
    assert "officer's CIT certificate is missing or expired" in ranked[1].reasons
    assert "free in 20 min" in ranked[2].reasons
    assert "youth speciality" in ranked[0].reasons


def test_a_routing_engine_can_replace_the_estimate():
    a, b = team("a", 39.75, -104.99), team("b", 39.90, -104.99)

    ranked = rank(
        [a, b],
        CallNeeds(place=CALL),
        today=TODAY,
        estimate=lambda origin, _dest: 1.0 if origin.lat > 39.8 else 30.0,
    )

    assert [r.team.name for r in ranked] == ["b", "a"]
