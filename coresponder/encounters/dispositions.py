"""The one primary disposition of an encounter, and what each one requires.

Pure: `problems_with` takes what the record says and returns, per field, why the
disposition cannot stand — a missing legal basis, a transport without a destination, or a
disposition the rest of the record contradicts. The encounter's actions refuse on it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum


class Disposition(StrEnum):
    RESOLVED_ON_SCENE = "resolved_on_scene"
    REFERRED_VOLUNTARY = "referred_voluntary"
    TRANSPORTED_VOLUNTARY = "transported_voluntary"
    EMERGENCY_HOLD = "emergency_hold"
    MEDICAL_TRANSPORT = "medical_transport"
    CITATION = "citation"
    ARREST = "arrest"
    REFUSED_SERVICES = "refused_services"
    UNABLE_TO_LOCATE = "unable_to_locate"


WORDS = {
    Disposition.RESOLVED_ON_SCENE: "resolved on scene",
    Disposition.REFERRED_VOLUNTARY: "referred (voluntary)",
    Disposition.TRANSPORTED_VOLUNTARY: "transported (voluntary)",
    Disposition.EMERGENCY_HOLD: "emergency hold",
    Disposition.MEDICAL_TRANSPORT: "medical transport",
    Disposition.CITATION: "citation",
    Disposition.ARREST: "arrest",
    Disposition.REFUSED_SERVICES: "refused services",
    Disposition.UNABLE_TO_LOCATE: "unable to locate",
}

TRANSPORTS = frozenset(
    {
        Disposition.TRANSPORTED_VOLUNTARY,
        Disposition.EMERGENCY_HOLD,
        Disposition.MEDICAL_TRANSPORT,
        Disposition.ARREST,
    }
)
# Dispositions in which no one was taken anywhere.
STAYED = frozenset(
    {Disposition.RESOLVED_ON_SCENE, Disposition.REFUSED_SERVICES, Disposition.UNABLE_TO_LOCATE}
)
ENFORCEMENT = frozenset({Disposition.CITATION, Disposition.ARREST})

# A jurisdiction's criteria for an involuntary evaluation hold; programs set their own.
DEFAULT_HOLD_CRITERIA = {
    "danger_to_self": "Imminent danger to self",
    "danger_to_others": "Imminent danger to others",
    "gravely_disabled": "Gravely disabled: unable to care for basic needs",
}


@dataclass(frozen=True)
class Record:
    """What the encounter says, as far as the disposition's rules need it."""

    disposition: str
    destination: str = ""
    legal_basis: str = ""
    hold_criteria: Collection[str] = field(default_factory=tuple)
    charges: str = ""
    transported: bool = False  # the team's status went through "transporting"
    person_contacted: bool = True  # an assessment or a section says the person was seen
    referral_made: bool = False  # a referral sent on this encounter stands


def problems_with(
    record: Record, *, hold_criteria: dict[str, str] = DEFAULT_HOLD_CRITERIA
) -> dict[str, list[str]]:
    """Each field in the way of the disposition, with the reason in words."""
    problems: dict[str, list[str]] = {}

    def bad(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    try:
        disposition = Disposition(record.disposition)
    except ValueError:
        known = ", ".join(d.value for d in Disposition)
        bad("disposition", f"Choose one disposition: {known}.")
        return problems
    words = WORDS[disposition]
    a_words = f"{'an' if words[0] in 'aeiou' else 'a'} {words}"
    if disposition in TRANSPORTS and not record.destination.strip():
        bad("destination", f"{a_words.capitalize()} needs its destination.")
    if disposition == Disposition.EMERGENCY_HOLD:
        if not record.legal_basis.strip():
            bad("legal_basis", "An emergency hold needs its legal basis (the statute or order).")
        criteria = set(record.hold_criteria)
        if not criteria:
            bad("hold_criteria", "Tick the hold criteria the person meets.")
        unknown = sorted(criteria - set(hold_criteria))
        if unknown:
            bad("hold_criteria", f"Not criteria of this jurisdiction: {', '.join(unknown)}.")
    if disposition in ENFORCEMENT and not record.charges.strip():
        bad("charges", f"{a_words.capitalize()} needs the charge.")
    if disposition in STAYED and record.transported:
        bad(
            "disposition",
            f"The team transported someone: the disposition cannot be {words}. "
            "Choose the transport it was.",
        )
    if disposition == Disposition.UNABLE_TO_LOCATE and record.person_contacted:
        bad(
            "disposition",
            "The record says the person was seen (an assessment or a section about them): "
            "not unable to locate.",
        )
    if (
        disposition == Disposition.REFERRED_VOLUNTARY
        and not record.destination.strip()
        and not record.referral_made
    ):
        # A referral sent on the encounter is the service; without one it is named in words.
        bad(
            "destination",
            "A voluntary referral needs the service referred to: send the referral from "
            "this encounter, or name the service.",
        )
    return problems
