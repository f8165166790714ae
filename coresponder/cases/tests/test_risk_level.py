"""A person's risk level for follow-up triage, from their latest C-SSRS screening, as the
screener's own triage bands it: a pure function, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coresponder.cases.rules import Risk, Screening, risk_level
from coresponder.encounters import instruments

SCREENER = instruments.shipped()[instruments.SCREENER]
AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

NO_IDEATION = {"wish_dead": False, "suicidal_thoughts": False, "behavior": False}
THOUGHTS = {"wish_dead": True, "suicidal_thoughts": True, "method": False, "intent": False}


def screening(answers: dict, *, days_ago: int = 0) -> Screening:
    return Screening(at=AT - timedelta(days=days_ago), answers=answers, instrument=SCREENER)


@pytest.mark.parametrize(
    ("answers", "risk"),
    [
        (NO_IDEATION, Risk.NONE),
        # Q1 or Q2 alone: low
        ({**NO_IDEATION, "wish_dead": True}, Risk.LOW),
        ({**THOUGHTS, "plan": False, "behavior": False}, Risk.LOW),
        # Q3, a method: moderate; behaviour longer ago than three months too
        ({**THOUGHTS, "method": True, "plan": False, "behavior": False}, Risk.MODERATE),
        ({**NO_IDEATION, "behavior": True, "behavior_recent": False}, Risk.MODERATE),
        # Q4 intent, Q5 a plan, or behaviour within three months: high
        ({**THOUGHTS, "intent": True, "plan": False, "behavior": False}, Risk.HIGH),
        ({**THOUGHTS, "plan": True, "behavior": False}, Risk.HIGH),
        ({**NO_IDEATION, "behavior": True, "behavior_recent": True}, Risk.HIGH),
    ],
)
def test_a_screening_is_triaged_as_the_screener_says(answers, risk):
    assert risk_level([screening(answers)]) == risk


def test_the_latest_complete_screening_decides():
    # given a high screening a month ago, a low one last week, and one begun today
    high = screening({**NO_IDEATION, "behavior": True, "behavior_recent": True}, days_ago=30)
    low = screening({**NO_IDEATION, "wish_dead": True}, days_ago=7)
    begun = screening({"wish_dead": False})  # question 2 and 6 not answered yet
    # then the latest complete one decides, whatever the order given
    assert risk_level([low, begun, high]) == Risk.LOW
    assert risk_level([high, begun]) == Risk.HIGH


def test_no_complete_screening_is_no_risk_level():
    assert risk_level([]) is None
    assert risk_level([screening({"wish_dead": True})]) is None
