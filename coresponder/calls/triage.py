"""Triage: which response a crisis call needs, decided by rules held as data.

Rules are plain dictionaries (the program's rule set lives in the database once calls
land; `DEFAULT_RULES` is what a new program starts with). `parse_rules` checks a rule set
and refuses a broken one with the reason; `triage` is a pure function that returns the
response, its priority and the rule that decided, in words a call-taker can read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Source(StrEnum):
    EMERGENCY_911 = "911"
    LIFELINE_988 = "988"
    NON_EMERGENCY = "non_emergency"
    OFFICER_INITIATED = "officer_initiated"
    WALK_IN = "walk_in"
    CAD = "cad"


class Concern(StrEnum):
    SUICIDAL = "suicidal"
    SELF_HARM = "self_harm"
    ANXIETY_PANIC = "anxiety_panic"
    DEPRESSION_ISOLATION = "depression_isolation"
    PSYCHOSIS_DISORIENTATION = "psychosis_disorientation"
    SUBSTANCE_USE = "substance_use"
    TRAUMA_PTSD = "trauma_ptsd"
    GRIEF_LOSS = "grief_loss"
    YOUTH_IN_CRISIS = "youth_in_crisis"
    VETERAN_SUPPORT = "veteran_support"
    RESOURCES_REQUEST = "resources_request"
    WELFARE_CHECK = "welfare_check"


class Screening(StrEnum):
    WEAPON = "weapon"
    VIOLENCE_OR_THREATS = "violence_or_threats"
    MEDICAL_EMERGENCY = "medical_emergency"
    ATTEMPT_IN_PROGRESS = "attempt_in_progress"
    INTOXICATION = "intoxication"
    MINOR_INVOLVED = "minor_involved"


# The vocabularies' own order, in which a call keeps its concerns and screening.
CONCERN_ORDER = {concern.value: position for position, concern in enumerate(Concern)}
SCREENING_ORDER = {item.value: position for position, item in enumerate(Screening)}


class Response(StrEnum):
    CO_RESPONDER = "co_responder"
    MOBILE_CRISIS = "mobile_crisis"  # clinician only
    POLICE_ONLY = "police_only"
    EMS = "ems"
    PHONE_RESOLUTION = "phone_resolution"  # 988 / phone counselling


RESPONSE_WORDS = {
    Response.CO_RESPONDER: "co-responder team (officer and clinician)",
    Response.MOBILE_CRISIS: "clinician-only mobile crisis team",
    Response.POLICE_ONLY: "police only",
    Response.EMS: "EMS",
    Response.PHONE_RESOLUTION: "phone resolution (988)",
}
PRIORITIES = (1, 2, 3, 4)  # 1 is the most urgent
CONDITION_KEYS = {
    "any_screening": Screening,
    "all_screening": Screening,
    "no_screening": Screening,
    "any_concern": Concern,
    "source_in": Source,
}


@dataclass(frozen=True)
class CallFacts:
    """What intake knows when triage runs."""

    source: Source
    concerns: frozenset[Concern] = frozenset()
    screening: frozenset[Screening] = frozenset()


@dataclass(frozen=True)
class Rule:
    key: str
    says: str  # the rule in words, shown to the call-taker
    response: Response
    priority: int
    conditions: Mapping[str, frozenset] = field(default_factory=dict)

    def matches(self, facts: CallFacts) -> bool:
        c = self.conditions
        if "any_screening" in c and not facts.screening & c["any_screening"]:
            return False
        if "all_screening" in c and not c["all_screening"] <= facts.screening:
            return False
        if "no_screening" in c and facts.screening & c["no_screening"]:
            return False
        if "any_concern" in c and not facts.concerns & c["any_concern"]:
            return False
        return not ("source_in" in c and facts.source not in c["source_in"])


class RuleError(ValueError):
    """A rule set that cannot be used, with the reason."""


def parse_rules(raw: Iterable[Mapping]) -> list[Rule]:
    """Checks a rule set as a program stores it; refuses the first broken rule by name."""
    if isinstance(raw, str | bytes | Mapping) or not isinstance(raw, Iterable):
        raise RuleError("The rules must be a list of rules, tried in order.")
    rules, keys = [], set()
    for position, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            raise RuleError(
                f"rule {position}: a rule is an object with key, response, priority, when and says."
            )
        key = str(item.get("key", "")).strip()
        where = f"rule {position}" + (f" ({key})" if key else "")
        if not key:
            raise RuleError(f"{where}: every rule needs a key.")
        if key in keys:
            raise RuleError(f"{where}: the key is used twice.")
        keys.add(key)
        says = str(item.get("says", "")).strip()
        if not says:
            raise RuleError(f"{where}: say in words what the rule decides.")
        try:
            response = Response(item.get("response"))
        except ValueError:
            raise RuleError(
                f"{where}: unknown response {item.get('response')!r}; use one of "
                f"{', '.join(r.value for r in Response)}."
            ) from None
        priority = item.get("priority")
        if priority not in PRIORITIES:
            raise RuleError(f"{where}: priority must be 1 (most urgent) to 4.")
        conditions = {}
        when = item.get("when", {})
        if not isinstance(when, Mapping):
            raise RuleError(f"{where}: when is an object of conditions.")
        for name, values in when.items():
            if name not in CONDITION_KEYS:
                raise RuleError(
                    f"{where}: unknown condition {name!r}; use one of "
                    f"{', '.join(sorted(CONDITION_KEYS))}."
                )
            if isinstance(values, str) or not values:
                raise RuleError(f"{where}: {name} needs a list of one or more values.")
            kind = CONDITION_KEYS[name]
            unknown = [value for value in values if value not in kind._value2member_map_]
            if unknown:
                raise RuleError(f"{where}: {name} has unknown values {unknown}.")
            conditions[name] = frozenset(kind(value) for value in values)
        rules.append(
            Rule(key=key, says=says, response=response, priority=priority, conditions=conditions)
        )
    if not rules or rules[-1].conditions:
        raise RuleError(
            "The last rule must have no conditions, so that every call gets a response."
        )
    return rules


@dataclass(frozen=True)
class Decision:
    response: Response
    priority: int
    rule: Rule

    @property
    def response_words(self) -> str:
        return RESPONSE_WORDS[self.response]

    @property
    def in_words(self) -> str:
        return f"{RESPONSE_WORDS[self.response]}, priority {self.priority}: {self.rule.says}"


def triage(facts: CallFacts, rules: list[Rule]) -> Decision:
    """The first rule, in order, whose conditions the call meets."""
    for rule in rules:
        if rule.matches(facts):
            return Decision(rule.response, rule.priority, rule)
    raise RuleError("No rule matched; a rule set must end with a rule without conditions.")


# Concerns of distress that put no one in danger by themselves.
DISTRESS = [
    "anxiety_panic",
    "depression_isolation",
    "grief_loss",
    "trauma_ptsd",
    "veteran_support",
    "resources_request",
]

# A program's starting rules, in the order they are tried. Safety first: anything that
# puts lives at risk gets EMS or an officer; behavioural crises without danger go to a
# clinician; what can be resolved by phone stays on the phone.
DEFAULT_RULES: list[dict] = [
    {
        "key": "medical-emergency",
        "response": "ems",
        "priority": 1,
        "when": {"any_screening": ["medical_emergency"]},
        "says": "A medical emergency comes first: EMS goes.",
    },
    {
        "key": "attempt-in-progress",
        "response": "co_responder",
        "priority": 1,
        "when": {"any_screening": ["attempt_in_progress"]},
        "says": "A suicide attempt in progress needs an officer and a clinician at once.",
    },
    {
        "key": "weapon-and-violence",
        "response": "police_only",
        "priority": 1,
        "when": {"all_screening": ["weapon", "violence_or_threats"]},
        "says": "A weapon with violence or threats: police secure the scene first.",
    },
    {
        "key": "weapon-or-violence",
        "response": "co_responder",
        "priority": 2,
        "when": {"any_screening": ["weapon", "violence_or_threats"]},
        "says": "A weapon or threats with a behavioural crisis: a co-responder team goes.",
    },
    {
        "key": "suicidal-or-self-harm",
        "response": "co_responder",
        "priority": 2,
        "when": {
            "any_concern": ["suicidal", "self_harm"],
            "no_screening": ["weapon", "violence_or_threats"],
        },
        "says": "Suicidal thoughts or self-harm without danger to others: a co-responder "
        "team goes.",
    },
    {
        "key": "youth",
        "response": "mobile_crisis",
        "priority": 2,
        "when": {"any_concern": ["youth_in_crisis"]},
        "says": "A youth in crisis, no danger reported: a clinician goes.",
    },
    {
        "key": "psychosis-or-substance",
        "response": "mobile_crisis",
        "priority": 2,
        "when": {"any_concern": ["psychosis_disorientation", "substance_use"]},
        "says": "Psychosis, disorientation or a substance-use crisis without danger: a "
        "clinician goes.",
    },
    {
        "key": "welfare-check",
        "response": "co_responder",
        "priority": 3,
        "when": {"any_concern": ["welfare_check"]},
        "says": "A welfare check on someone in distress: a co-responder team goes.",
    },
    {
        "key": "phone-first",
        "response": "phone_resolution",
        "priority": 4,
        "when": {
            "any_concern": DISTRESS,
            "source_in": ["988", "non_emergency"],
        },
        "says": "Distress without danger on the 988 or non-emergency line: resolve by phone, "
        "send a team if the caller wants one.",
    },
    {
        "key": "behavioural-default",
        "response": "mobile_crisis",
        "priority": 3,
        "when": {"any_concern": DISTRESS},
        "says": "A behavioural-health concern without danger: a clinician goes.",
    },
    {
        "key": "otherwise",
        "response": "co_responder",
        "priority": 3,
        "when": {},
        "says": "Nothing else decided: a co-responder team goes.",
    },
]
