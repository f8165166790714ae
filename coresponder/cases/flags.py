"""The repeat-crisis flag as other apps' pages show it: beside intake's person candidates,
on the call page and on the board's open calls.

A flag is a count of calls, operational information shown to whoever sees the call; it
says nothing of the person's case. Pages call `repeat_crises` once with every person id
they show, so a page costs the same queries however many persons it lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .access import numbers_of, repeat_crisis_persons


@dataclass(frozen=True)
class RepeatCrisis:
    calls: int
    days: int


def repeat_crises(program_id, person_ids, *, at: datetime | None = None) -> dict[Any, RepeatCrisis]:
    """person id → their repeat crisis, for those of `person_ids` who have one at `at`.
    Two small queries whatever the number of persons; none without a person."""
    person_ids = {pk for pk in person_ids if pk is not None}
    if not person_ids:
        return {}
    numbers = numbers_of(program_id)
    found = repeat_crisis_persons(program_id, person_ids, at=at, numbers=numbers)
    return {
        person_id: RepeatCrisis(calls=calls, days=numbers.repeat_days)
        for person_id, calls in found.items()
    }


__all__ = ["RepeatCrisis", "repeat_crises"]
