"""The disposition's rules, each refused with its reason, and the timeline's intervals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coresponder.encounters.dispositions import Disposition, Record, problems_with
from coresponder.encounters.timeline import intervals


@pytest.mark.parametrize(
    ("record", "field", "reason"),
    [
        (Record("walked_away"), "disposition", "Choose one disposition"),
        (Record("emergency_hold", destination="Crisis centre"), "legal_basis", "legal basis"),
        (
            Record("emergency_hold", destination="Crisis centre", legal_basis="State code"),
            "hold_criteria",
            "Tick the hold criteria",
        ),
        (
            Record(
                "emergency_hold",
                destination="Crisis centre",
                legal_basis="State code",
                hold_criteria=["felt_sad"],
            ),
            "hold_criteria",
            "Not criteria of this jurisdiction: felt_sad",
        ),
        (Record("transported_voluntary"), "destination", "needs its destination"),
        (Record("medical_transport"), "destination", "needs its destination"),
        (Record("arrest", destination="County jail"), "charges", "needs the charge"),
        (Record("citation"), "charges", "needs the charge"),
        (Record("resolved_on_scene", transported=True), "disposition", "transported someone"),
        (Record("refused_services", transported=True), "disposition", "transported someone"),
        (Record("unable_to_locate"), "disposition", "the person was seen"),
        (Record("referred_voluntary"), "destination", "needs the service referred to"),
    ],
)
def test_each_rule_refuses_with_its_reason(record, field, reason):
    problems = problems_with(record)
    assert field in problems
    assert any(reason in message for message in problems[field])


@pytest.mark.parametrize(
    "record",
    [
        Record("resolved_on_scene"),
        Record("refused_services"),
        Record("unable_to_locate", person_contacted=False),
        Record("referred_voluntary", destination="Walk-in clinic"),
        Record("transported_voluntary", destination="Crisis centre", transported=True),
        Record(
            "emergency_hold",
            destination="County hospital",
            legal_basis="State code 27-65-106",
            hold_criteria=["danger_to_self"],
            transported=True,
        ),
        Record("citation", charges="Trespass"),
        Record("arrest", destination="County jail", charges="Assault", transported=True),
    ],
)
def test_a_complete_record_stands(record):
    assert problems_with(record) == {}


def test_a_jurisdictions_own_criteria_are_used():
    record = Record(
        "emergency_hold",
        destination="County hospital",
        legal_basis="Local code",
        hold_criteria=["persistent_danger"],
    )
    assert problems_with(record, hold_criteria={"persistent_danger": "Persistent danger"}) == {}
    assert "hold_criteria" in problems_with(record)


def test_every_disposition_of_the_design_is_known():
    assert {d.value for d in Disposition} == {
        "resolved_on_scene",
        "referred_voluntary",
        "transported_voluntary",
        "emergency_hold",
        "medical_transport",
        "citation",
        "arrest",
        "refused_services",
        "unable_to_locate",
    }


T0 = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_the_intervals_a_program_reports():
    events = [
        ("available", at(95)),
        ("dispatched", at(2)),
        ("en_route", at(3)),
        ("on_scene", at(14)),
        ("officer_cleared", at(40)),
        ("transporting", at(55)),
    ]
    figures = intervals(T0, events).as_minutes()
    assert figures == {
        "response": 14.0,
        "on_scene": 41.0,
        "officer_on_scene": 26.0,
        "transport": 40.0,
        "total": 95.0,
    }


def test_a_timeline_without_the_steps_leaves_those_figures_out():
    figures = intervals(T0, [("dispatched", at(1)), ("available", at(5))]).as_minutes()
    assert figures == {
        "response": None,
        "on_scene": None,
        "officer_on_scene": None,
        "transport": None,
        "total": 5.0,
    }


def test_without_an_officer_clearing_the_officer_stays_until_the_team_leaves():
    events = [("on_scene", at(10)), ("available", at(70))]
    assert intervals(T0, events).officer_on_scene == timedelta(minutes=60)
