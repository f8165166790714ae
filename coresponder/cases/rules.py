"""Pure decisions of follow-up: which encounters open a case, when a case is unreached,
and where a task stands against its deadline. No database. (A repeat crisis is counted
in SQL, `access.repeat_crisis_persons`, for one person or a page of them.)"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

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


__all__ = [
    "DEFAULT_RULES",
    "Numbers",
    "Standing",
    "contact_within",
    "failed_in_a_row",
    "standing",
]
