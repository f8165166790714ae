"""Pure decisions of follow-up: which encounters open a case, when a case is unreached,
where a task stands against its deadline, and a person's risk level for triage. No
database. (A repeat crisis is counted in SQL, `access.repeat_crisis_persons`, for one
person or a page of them.)"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from coresponder.encounters import instruments
from coresponder.encounters.dispositions import Disposition

# Until a program sets its own rules: everyone who was referred, taken somewhere, held or
# who refused help hears from the program within 72 hours.
DEFAULT_RULES: Mapping[str, int] = {
    Disposition.REFERRED_VOLUNTARY: 72,
    Disposition.TRANSPORTED_VOLUNTARY: 72,
    Disposition.EMERGENCY_HOLD: 72,
    Disposition.MEDICAL_TRANSPORT: 72,
    Disposition.REFUSED_SERVICES: 72,
}


@dataclass(frozen=True)
class Numbers:
    """A program's follow-up settings (`FollowUpSettings`), with the defaults."""

    first_contact_hours: int = 72
    failed_attempts_flag: int = 3
    repeat_calls: int = 3
    repeat_days: int = 90
    referral_answer_hours: int = 24


def contact_within(disposition: str, rules: Mapping[str, int]) -> int | None:
    """Hours within which the first contact is due, or None when no case is opened."""
    return rules.get(disposition)


def failed_in_a_row(outcomes_newest_first: Sequence[str], failed: Iterable[str]) -> int:
    """How many of the latest attempts failed, counted back to the last one that did not."""
    failed = set(failed)
    count = 0
    for outcome in outcomes_newest_first:
        if outcome not in failed:
            break
        count += 1
    return count


class Standing(StrEnum):
    OVERDUE = "overdue"
    DUE_TODAY = "due_today"
    LATER = "later"


def standing(due_at: datetime, *, now: datetime, end_of_today: datetime) -> Standing:
    if due_at < now:
        return Standing.OVERDUE
    if due_at <= end_of_today:
        return Standing.DUE_TODAY
    return Standing.LATER


class Risk(StrEnum):
    """A person's suicide risk for follow-up triage: the band of their latest C-SSRS
    screening."""

    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


RISK_WORDS = {
    Risk.NONE: _("No risk identified"),
    Risk.LOW: _("Low risk"),
    Risk.MODERATE: _("Moderate risk"),
    Risk.HIGH: _("High risk"),
}


@dataclass(frozen=True)
class Screening:
    """A C-SSRS screening: when it was recorded, its answers, and the version answered."""

    at: datetime
    answers: Mapping[str, object]
    instrument: instruments.Instrument


def risk_level(screenings: Iterable[Screening]) -> Risk | None:
    """The risk level of the person's latest complete screening, by the screener's own
    triage (its bands, as the C-SSRS screen version publishes them: intent, a plan or
    behaviour within three months high; a method or older behaviour moderate; a wish to be
    dead or thoughts alone low); None when no screening is complete."""
    for screening in sorted(screenings, key=lambda s: s.at, reverse=True):
        result = instruments.score(screening.instrument, screening.answers)
        if result.complete and result.level in set(Risk):
            return Risk(result.level)
    return None


__all__ = [
    "DEFAULT_RULES",
    "RISK_WORDS",
    "Numbers",
    "Risk",
    "Screening",
    "Standing",
    "contact_within",
    "failed_in_a_row",
    "risk_level",
    "standing",
]
