"""A small, hand-built set of call facts whose every KPI is worked out by hand.

January 2026 for program 1. Complete encounters: c1–c7. People: A (c1, c2), B (c3, and
c8 still a draft), C, D, E, F (c9, no encounter; c10 forty days later, in February).
c7 has no person; c11 belongs to another program; c12 is December's (the previous period).
Gaps to the person's next call: c12 → c1 13 days, c1 → c2 10 days, c3 → c8 20 days,
c9 → c10 40 days.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from coresponder.analytics.facts import Moment
from coresponder.analytics.store import COLUMNS

PROGRAM = 1
JANUARY = (date(2026, 1, 1), date(2026, 2, 1))
ZONE = UTC
DAY = 86_400


def _at(month: int, day: int, hour: int = 14) -> Moment:
    return Moment.of(datetime(2026 if month else 2025, month or 12, day, hour, tzinfo=UTC), ZONE)


BASE = {
    "program_id": PROGRAM,
    "agency_id": 10,
    "team_id": 100,
    "source": "911",
    "concern": "suicidal",
    "response": "co_responder",
    "person_key": None,
    "age_band": "25-34",
    "sex": "female",
    "veteran": "no",
    "zip3": "802",
    "has_encounter": 1,
    "complete": 1,
    "disposition": "resolved_on_scene",
    "outcome_source": "encounter",
    "outcome_covers": "*",
    "assessed": 0,
    "services": 1,
    "any_force": 0,
    "referrals_sent": 0,
    "referrals_accepted": 0,
    "referrals_attended": 0,
    "response_seconds": None,
    "on_scene_seconds": None,
    "officer_seconds": None,
    "next_call_seconds": None,
    "needs_follow_up": 0,
    "follow_up_seconds": None,
    "refreshed_at": datetime(2026, 3, 1, tzinfo=UTC),
}


def _fact(name: str, moment: Moment, **values) -> dict:
    row = dict(BASE)
    row.update(
        call_id=uuid.uuid5(uuid.NAMESPACE_URL, f"coresponder:test:{name}"),
        received_epoch=moment.epoch,
        day=moment.day,
        day_end=moment.day_end,
        week=moment.week,
        month=moment.month,
        year=moment.year,
        hour_of_week=moment.hour_of_week,
    )
    row.update(values)
    if "outcome_source" not in values:  # a complete encounter's, or none
        row["outcome_source"] = "encounter" if row["complete"] else ""
        row["outcome_covers"] = "*" if row["complete"] else ""
    return row


def facts() -> list[dict]:
    c3 = _at(1, 6)
    return [
        _fact(
            "c1",
            _at(1, 2),
            person_key="A",
            assessed=1,
            response_seconds=600,
            on_scene_seconds=1200,
            officer_seconds=1800,
            next_call_seconds=10 * DAY,
        ),
        _fact(
            "c2",
            _at(1, 12),
            person_key="A",
            disposition="referred_voluntary",
            referrals_sent=2,
            referrals_accepted=1,
            referrals_attended=1,
            response_seconds=900,
            on_scene_seconds=2400,
            officer_seconds=3000,
            needs_follow_up=1,
            follow_up_seconds=3600,
        ),
        _fact(
            "c3",
            c3,
            person_key="B",
            disposition="arrest",
            any_force=1,
            response_seconds=300,
            on_scene_seconds=3600,
            officer_seconds=4000,
            needs_follow_up=1,
            follow_up_seconds=80 * 3600,
            next_call_seconds=20 * DAY,
            age_band="90+",
            sex="male",
        ),
        _fact("c4", _at(1, 8), person_key="C", disposition="citation", on_scene_seconds=600),
        _fact(
            "c5",
            _at(1, 9, 3),
            person_key="D",
            disposition="transported_voluntary",
            assessed=1,
            on_scene_seconds=1800,
            source="988",
            team_id=101,
            agency_id=11,
        ),
        _fact(
            "c6",
            _at(1, 10, 23),
            person_key="E",
            disposition="emergency_hold",
            on_scene_seconds=3000,
            source="988",
            team_id=101,
            agency_id=11,
        ),
        _fact("c7", _at(1, 20), disposition="refused_services", services=0),
        _fact(
            "c8",
            Moment.of(datetime.fromtimestamp(c3.epoch + 20 * DAY, UTC), ZONE),
            person_key="B",
            complete=0,
            disposition="",
            services=0,
        ),
        _fact(
            "c9",
            _at(1, 5),
            person_key="F",
            has_encounter=0,
            complete=0,
            disposition="",
            services=0,
            team_id=None,
            response="phone_resolution",
            next_call_seconds=40 * DAY,
        ),
        _fact("c10", _at(2, 14), person_key="F", disposition="resolved_on_scene"),
        _fact("c11", _at(1, 15), program_id=2, person_key="Z", disposition="arrest"),
        _fact("c12", _at(0, 20), person_key="A", disposition="arrest", next_call_seconds=13 * DAY),
    ]


def as_rows(rows: list[dict]) -> list[tuple]:
    return [tuple(row[column] for column in COLUMNS) for row in rows]
