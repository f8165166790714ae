from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coresponder.calls.triage import (
    DEFAULT_RULES,
    CallFacts,
    Concern,
    Response,
    RuleError,
    Screening,
    Source,
    parse_rules,
    triage,
)

RULES = parse_rules(DEFAULT_RULES)


def facts(source="911", concerns=(), screening=()) -> CallFacts:
    return CallFacts(
        source=Source(source),
        concerns=frozenset(map(Concern, concerns)),
        screening=frozenset(map(Screening, screening)),
    )


@pytest.mark.parametrize(
    ("call", "response", "priority", "rule"),
    [
        (
            facts(concerns=["suicidal"], screening=["medical_emergency", "weapon"]),
            Response.EMS,
            1,
            "medical-emergency",
        ),
        (
            facts(concerns=["suicidal"], screening=["attempt_in_progress"]),
            Response.CO_RESPONDER,
            1,
            "attempt-in-progress",
        ),
        (
            facts(
                concerns=["psychosis_disorientation"], screening=["weapon", "violence_or_threats"]
            ),
            Response.POLICE_ONLY,
            1,
            "weapon-and-violence",
        ),
        (
            facts(concerns=["psychosis_disorientation"], screening=["weapon"]),
            Response.CO_RESPONDER,
            2,
            "weapon-or-violence",
        ),
        (facts(concerns=["self_harm"]), Response.CO_RESPONDER, 2, "suicidal-or-self-harm"),
        (
            facts(concerns=["youth_in_crisis"], screening=["minor_involved"]),
            Response.MOBILE_CRISIS,
            2,
            "youth",
        ),
        (
            facts(concerns=["substance_use"], screening=["intoxication"]),
            Response.MOBILE_CRISIS,
            2,
            "psychosis-or-substance",
        ),
        (facts(concerns=["welfare_check"]), Response.CO_RESPONDER, 3, "welfare-check"),
        (facts("988", concerns=["grief_loss"]), Response.PHONE_RESOLUTION, 4, "phone-first"),
        (facts("911", concerns=["grief_loss"]), Response.MOBILE_CRISIS, 3, "behavioural-default"),
        (facts("walk_in"), Response.CO_RESPONDER, 3, "otherwise"),
    ],
)
def test_the_default_rules_decide_as_written(call, response, priority, rule):
    decision = triage(call, RULES)

    assert (decision.response, decision.priority, decision.rule.key) == (response, priority, rule)


def test_the_decision_reads_as_words():
    decision = triage(facts("988", concerns=["anxiety_panic"]), RULES)

    assert decision.in_words == (
        "phone resolution (988), priority 4: Distress without danger on the 988 or "
        "non-emergency line: resolve by phone, send a team if the caller wants one."
    )


@given(
    st.sampled_from(list(Source)),
    st.frozensets(st.sampled_from(list(Concern))),
    st.frozensets(st.sampled_from(list(Screening))),
)
def test_every_call_gets_a_response_and_danger_never_stays_on_the_phone(
    source, concerns, screening
):
    decision = triage(CallFacts(source, concerns, screening), RULES)

    danger = {
        Screening.WEAPON,
        Screening.VIOLENCE_OR_THREATS,
        Screening.MEDICAL_EMERGENCY,
        Screening.ATTEMPT_IN_PROGRESS,
    }
    if screening & danger:
        assert decision.response not in (Response.PHONE_RESOLUTION, Response.MOBILE_CRISIS)
        assert decision.priority <= 2


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        ([{"says": "x", "response": "ems", "priority": 1}], "rule 1: every rule needs a key."),
        (
            [{"key": "a", "says": "x", "response": "fire", "priority": 1}],
            "rule 1 (a): unknown response 'fire'",
        ),
        (
            [{"key": "a", "says": "x", "response": "ems", "priority": 9}],
            "rule 1 (a): priority must be 1 (most urgent) to 4.",
        ),
        (
            [{"key": "a", "says": "", "response": "ems", "priority": 1}],
            "rule 1 (a): say in words what the rule decides.",
        ),
        (
            [
                {
                    "key": "a",
                    "says": "x",
                    "response": "ems",
                    "priority": 1,
                    "when": {"moon_phase": ["full"]},
                }
            ],
            "rule 1 (a): unknown condition 'moon_phase'",
        ),
        (
            [
                {
                    "key": "a",
                    "says": "x",
                    "response": "ems",
                    "priority": 1,
                    "when": {"any_concern": ["boredom"]},
                }
            ],
            "rule 1 (a): any_concern has unknown values ['boredom'].",
        ),
        (
            [
                {
                    "key": "a",
                    "says": "x",
                    "response": "ems",
                    "priority": 1,
                    "when": {"any_concern": "suicidal"},
                }
            ],
            "rule 1 (a): any_concern needs a list of one or more values.",
        ),
        (
            [
                {"key": "a", "says": "x", "response": "ems", "priority": 1},
                {"key": "a", "says": "y", "response": "ems", "priority": 1},
            ],
            "rule 2 (a): the key is used twice.",
        ),
        (
            [
                {
                    "key": "a",
                    "says": "x",
                    "response": "ems",
                    "priority": 1,
                    "when": {"any_concern": ["suicidal"]},
                }
            ],
            "The last rule must have no conditions",
        ),
        ([], "The last rule must have no conditions"),
    ],
)
def test_a_broken_rule_set_is_refused_with_the_reason(broken, reason):
    with pytest.raises(RuleError) as refused:
        parse_rules(broken)

    assert str(refused.value).startswith(reason)
