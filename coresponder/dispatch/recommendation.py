"""Ranking the teams that could go to a call: by estimated arrival, then by fit.

Pure functions over plain data. `estimate_minutes` stands behind one signature so a
routing engine can replace the great-circle estimate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from coresponder.core.geography import Place, great_circle_km
from coresponder.core.languages import language_name

ROAD_FACTOR = 1.3  # roads are longer than the straight line
SPEED_KMH = 45.0  # average urban response speed with lights


def estimate_minutes(origin: Place, destination: Place) -> float:
    return great_circle_km(origin, destination) * ROAD_FACTOR / SPEED_KMH * 60


@dataclass(frozen=True)
class TeamFacts:
    team_id: object
    name: str
    position: Place
    available_in_minutes: float = 0.0  # 0 when available now
    officer_cit_expires: date | None = None
    clinician_licensed: bool = True
    languages: frozenset[str] = frozenset()
    specialities: frozenset[str] = frozenset()  # youth, veterans, substance_use
    has_emt: bool = False


@dataclass(frozen=True)
class CallNeeds:
    place: Place
    language: str = ""
    specialities: frozenset[str] = frozenset()
    needs_officer: bool = True
    needs_clinician: bool = True
    needs_emt: bool = False


@dataclass
class Ranked:
    team: TeamFacts
    arrival_minutes: float | None  # None: the call has no location
    fit: int
    reasons: list[str] = field(default_factory=list)


def rank(
    teams: Iterable[TeamFacts],
    call: CallNeeds,
    *,
    today: date,
    estimate: Callable[[Place, Place], float] = estimate_minutes,
) -> list[Ranked]:
    """Soonest arrival first; among arrivals within two minutes of each other, best fit."""
    ranked = []
    for team in teams:
        minutes = team.available_in_minutes + estimate(team.position, call.place)
        entry = Ranked(team, round(minutes, 1), 0)
        entry.reasons.append(f"arrives in about {round(minutes)} min")
        if team.available_in_minutes:
            entry.reasons.append(f"free in {round(team.available_in_minutes)} min")
        if call.needs_officer:
            if team.officer_cit_expires and team.officer_cit_expires >= today:
                entry.fit += 2
                entry.reasons.append("officer's CIT certificate is current")
            else:
                entry.fit -= 2
                entry.reasons.append("officer's CIT certificate is missing or expired")
        if call.needs_clinician:
            if team.clinician_licensed:
                entry.fit += 1
                entry.reasons.append("clinician licensed")
            else:
                entry.fit -= 1
                entry.reasons.append("clinician not licensed")
        if call.needs_emt:
            if team.has_emt:
                entry.fit += 2
                entry.reasons.append("an EMT is on the team")
            else:
                entry.reasons.append("no EMT on the team")
        if call.language and call.language in team.languages:
            entry.fit += 2
            entry.reasons.append(f"speaks {language_name(call.language)}")
        for speciality in sorted(call.specialities & team.specialities):
            entry.fit += 2
            entry.reasons.append(f"{speciality.replace('_', ' ')} speciality")
        ranked.append(entry)
    # Two minutes either way is noise in an estimate; fit decides inside that band.
    ranked.sort(
        key=lambda r: (round(r.arrival_minutes / 2), -r.fit, r.arrival_minutes, str(r.team.team_id))
    )
    return ranked
