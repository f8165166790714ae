"""The sections of an encounter: whose each is, its privacy class and its fields.

Pure: one table (`SECTIONS`) drives the field view's forms, the API's checks and the
privacy of each section. A section's content is a mapping of its field names to values;
`problems_with` says, per field, what is wrong with a content before it is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from coresponder.privacy.classification import DataClass

MAX_TEXT = 4000


class Kind(StrEnum):
    SAFETY = "safety"
    CLINICAL = "clinical"
    SUBSTANCE_USE = "substance_use"
    MEDICAL = "medical"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: str  # "text", "line", "choices" (several), "choice" (one), "yes_no"
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""


@dataclass(frozen=True)
class Spec:
    kind: Kind
    title: str
    data_class: DataClass
    writer: str  # the team role that writes and signs it
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


BEHAVIOURS = (
    ("calm", "Calm, cooperative"),
    ("agitated", "Agitated"),
    ("withdrawn", "Withdrawn, tearful"),
    ("confused", "Confused, disoriented"),
    ("hallucinating", "Responding to voices or things not there"),
    ("intoxicated", "Appears intoxicated"),
    ("threatening", "Threatening"),
    ("self_harm", "Self-harm seen"),
)
FORCE = (
    ("none", "No force"),
    ("hands", "Hands-on control"),
    ("restraints", "Restraints"),
    ("oc_spray", "OC spray"),
    ("cew", "Conducted energy weapon"),
    ("firearm_pointed", "Firearm pointed"),
    ("other", "Other"),
)
SUBSTANCES = (
    ("alcohol", "Alcohol"),
    ("opioids", "Opioids"),
    ("stimulants", "Stimulants"),
    ("cannabis", "Cannabis"),
    ("sedatives", "Sedatives"),
    ("other", "Other"),
)

SECTIONS: dict[Kind, Spec] = {
    Kind.SAFETY: Spec(
        Kind.SAFETY,
        "Safety and law enforcement",
        DataClass.PUBLIC_SAFETY,
        "officer",
        (
            Field("behaviours", "Behaviour observed", "choices", BEHAVIOURS),
            Field("weapons", "Weapons seen or secured", "line"),
            Field("threats", "Threats made", "line"),
            Field("force", "Force used", "choice", FORCE),
            Field("injuries", "Injuries (anyone)", "line"),
            Field("charges", "Arrest or citation: the charge", "line"),
            Field("narrative", "What happened", "text"),
        ),
    ),
    Kind.CLINICAL: Spec(
        Kind.CLINICAL,
        "Clinical note",
        DataClass.CLINICAL,
        "clinician",
        (
            Field("behaviour", "Behaviour", "text", hint="What the person said and did."),
            Field("intervention", "Intervention", "text", hint="What you did."),
            Field("response", "Response", "text", hint="How the person responded."),
            Field("plan", "Plan", "text", hint="What happens next."),
            Field("impressions", "Impressions or diagnoses", "line"),
        ),
    ),
    Kind.SUBSTANCE_USE: Spec(
        Kind.SUBSTANCE_USE,
        "Substance use (42 CFR Part 2)",
        DataClass.SUD_PART2,
        "clinician",
        (
            Field("substances", "Substances", "choices", SUBSTANCES),
            Field("last_use", "Last use", "line"),
            Field("treatment", "Treatment history", "text"),
        ),
    ),
    Kind.MEDICAL: Spec(
        Kind.MEDICAL,
        "Medical",
        DataClass.CLINICAL,
        "emt",
        (
            Field("vitals", "Vital signs", "line", hint="Pulse, BP, respirations, SpO2, glucose"),
            Field("observations", "Medical observations", "text"),
            Field("treatment", "Treatment given", "text"),
        ),
    ),
}

INTERVENTIONS = (
    ("de_escalation", "De-escalation"),
    ("time_and_space", "Time and space"),
    ("safety_planning", "Safety planning"),
    ("counselling", "Counselling"),
    ("resource_information", "Resource information"),
    ("naloxone", "Naloxone"),
    ("transport", "Transport"),
)
INTERVENTION_CODES = frozenset(code for code, _ in INTERVENTIONS)


NUL = "\x00"


def _bad(spec_field: Field, value: Any) -> str:
    kind = spec_field.type
    codes = {code for code, _ in spec_field.choices}
    if kind in ("text", "line"):
        limit = MAX_TEXT if kind == "text" else 300
        if not isinstance(value, str) or len(value) > limit:
            return f"Give a text of at most {limit} characters."
        if NUL in value:
            # PostgreSQL cannot store it, and no keyboard types it.
            return "Remove the null character."
    elif kind == "choices":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "Give a list of choices."
        if unknown := sorted(set(value) - codes):
            return f"Not a choice here: {', '.join(unknown)}."
    elif kind == "choice":
        if value not in codes and value != "":
            return f"Choose one of: {', '.join(sorted(codes))}."
    elif kind == "yes_no" and not isinstance(value, bool):
        return "Answer yes or no."
    return ""


def problems_with(kind: Kind, content: Any) -> dict[str, list[str]]:
    """Each field of `content` that this kind of section cannot hold, with why."""
    spec = SECTIONS[kind]
    if not isinstance(content, Mapping):
        return {"content": ["A section's content is an object of its fields."]}
    problems: dict[str, list[str]] = {}
    for name, value in content.items():
        spec_field = spec.field(name)
        if spec_field is None:
            known = ", ".join(f.name for f in spec.fields)
            problems[name] = [f"No such field in the {spec.title.lower()} section ({known})."]
        elif message := _bad(spec_field, value):
            problems[name] = [message]
    return problems


def is_empty(content: Mapping) -> bool:
    return all(value in ("", [], None, False) for value in content.values())


def section_for_role(team_role: str) -> list[Kind]:
    """The sections a responder in `team_role` writes."""
    return [kind for kind, spec in SECTIONS.items() if spec.writer == team_role]
