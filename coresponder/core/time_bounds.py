"""The times a program takes in: one check for every way a time comes in.

A time a person types or another system sends is refused before the program's earliest
date (a program setting, 1 January 1990 unless changed) and after now, give or take a
clock a little ahead; a time that is planned (an appointment, a deadline, the end of a
consent) may lie ahead, but not further than the horizon. Within these bounds every page
and figure can place a time in any time zone; year 1 or 9999, a typing slip, cannot reach
them. `coresponder check data` lists rows stored before the check existed that lie outside.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import Enum

from django.utils import timezone
from django.utils.translation import gettext as _

# A clock (a CAD server's, a phone's) a little ahead of ours is not a time in the future.
CLOCK_SKEW = timedelta(minutes=5)
# Ten years ahead: further than anyone plans an appointment, a task or a consent's end.
HORIZON = timedelta(days=3653)
# The earliest date a program may set: older calls are not a program's operational record.
OLDEST_EARLIEST_DATE = date(1900, 1, 1)
DEFAULT_EARLIEST_DATE = date(1990, 1, 1)


class Facing(Enum):
    PAST = "past"  # what happened: no later than now
    PLANNED = "planned"  # what is planned: no later than the horizon


@dataclass(frozen=True)
class TimeBounds:
    earliest: datetime  # midnight at the start of the program's earliest date, in its zone
    latest: datetime
    facing: Facing

    @classmethod
    def of(
        cls, earliest_date: date, zone: tzinfo, *, now: datetime, facing: Facing = Facing.PAST
    ) -> TimeBounds:
        ahead = CLOCK_SKEW if facing is Facing.PAST else HORIZON
        return cls(datetime.combine(earliest_date, time(), tzinfo=zone), now + ahead, facing)

    @property
    def earliest_date(self) -> date:
        return self.earliest.date()


def time_problem(at: datetime, bounds: TimeBounds) -> str | None:
    """What is wrong with a time given from outside, in words; None when it stands.

    Pure: aware datetimes compare as instants whatever their offsets, without converting
    either, so even the first and last instants Python can hold are answered, not raised."""
    if at.tzinfo is None or at.utcoffset() is None:
        return _("Give the time with its time zone.")
    if at < bounds.earliest:
        return _("Before %(earliest)s, the earliest date this program takes: check the year.") % {
            "earliest": bounds.earliest_date.isoformat()
        }
    if at > bounds.latest:
        if bounds.facing is Facing.PAST:
            return _("In the future: what has happened cannot be later than now.")
        return _("More than ten years ahead: check the year.")
    return None


def day_problem(day: date, bounds: TimeBounds) -> str | None:
    """The same check for a day typed as a date (a report's period): its first instant, in
    the program's zone, must stand."""
    return time_problem(datetime.combine(day, time(), tzinfo=bounds.earliest.tzinfo), bounds)


def template_localtime(value, use_tz=None):
    """Django's `template_localtime`, which every page uses to show a time in the active
    zone, except that an instant that zone's calendar cannot hold (the first hours of
    year 1 west of UTC, the last of 9999 east of it) is shown as stored, in UTC, instead of
    failing the page. Installed in place of Django's by `CoreConfig.ready`."""
    try:
        return timezone.template_localtime(value, use_tz)
    except OverflowError:
        return value


@dataclass(frozen=True)
class GivenTimes:
    """The times a model keeps from outside, declared on the model as `given_times`:
    `coresponder check data` reads the declarations to list stored rows outside the bounds.

    `program` is the lookup from the model to its program (`"program"`, `"case__program"`).
    """

    program: str
    past: tuple[str, ...] = ()
    planned: tuple[str, ...] = ()

    def fields(self) -> list[tuple[str, Facing]]:
        return [(name, Facing.PAST) for name in self.past] + [
            (name, Facing.PLANNED) for name in self.planned
        ]
