"""Suggesting services for a person's needs: who is eligible, and in which order.

Pure functions over plain data, tested without a database; `directory.py` reads the facts.
A service is suggested only when the person is eligible for it as far as is known (age,
veterans-only, sex, insurance); the eligible ones are ranked by whether they can take the
person now (open now, opening soon, hours unknown, full, closed), then by fit to the
needs (the kind of service wanted, a shared language), then by distance. Every
suggestion carries its reasons in words.

Opening hours are HSDS 3 schedules, RFC 5545 recurrences: a WEEKLY rule with `byday`
and `opens_at` / `closes_at` is evaluated here, in the schedule's time zone (a UTC offset
in hours) or else the program's, within `valid_from` / `valid_to` and `until`. Any other
rule (MONTHLY, an interval, a count, no `byday`) is "hours unknown", never "open".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from enum import IntEnum

from django.utils.translation import gettext as _

from coresponder.core.geography import Place, great_circle_km
from coresponder.core.languages import language_name

from .models import ServiceKind

SOON = timedelta(hours=2)  # opening within this is "opens soon"
LOOK_AHEAD_DAYS = 7  # a closed service's next opening is looked for this far ahead
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

K = ServiceKind

# What each reported concern asks for, most wanted first.
KINDS_FOR_CONCERN: dict[str, tuple[str, ...]] = {
    "suicidal": (K.CRISIS_STABILIZATION, K.OUTPATIENT_THERAPY),
    "self_harm": (K.CRISIS_STABILIZATION, K.OUTPATIENT_THERAPY),
    "anxiety_panic": (K.OUTPATIENT_THERAPY, K.SUPPORT_GROUP),
    "depression_isolation": (K.OUTPATIENT_THERAPY, K.SUPPORT_GROUP),
    "psychosis_disorientation": (K.CRISIS_STABILIZATION, K.INPATIENT_PSYCHIATRIC),
    "substance_use": (K.DETOX, K.SUBSTANCE_USE_TREATMENT),
    "trauma_ptsd": (K.OUTPATIENT_THERAPY, K.SUPPORT_GROUP),
    "grief_loss": (K.SUPPORT_GROUP, K.OUTPATIENT_THERAPY),
    "youth_in_crisis": (K.YOUTH_COUNSELING,),
    "veteran_support": (K.VETERANS_SERVICES,),
    "resources_request": (K.FOOD_BENEFITS, K.SHELTER_HOUSING),
    "welfare_check": (K.OUTPATIENT_THERAPY,),
}
# A high risk found by an assessment (C-SSRS "high") puts these first.
KINDS_FOR_HIGH_RISK = (K.CRISIS_STABILIZATION, K.INPATIENT_PSYCHIATRIC)
KINDS_FOR_DISPOSITION: dict[str, tuple[str, ...]] = {
    "emergency_hold": (K.INPATIENT_PSYCHIATRIC, K.CRISIS_STABILIZATION),
    "transported_voluntary": (K.CRISIS_STABILIZATION, K.DETOX),
}
KINDS_FOR_FLAG = {"unhoused": (K.SHELTER_HOUSING,)}
HIGH_LEVELS = frozenset({"high"})
YOUTH_BELOW = 18


def kinds_for(
    concerns: Iterable[str],
    *,
    levels: Iterable[str] = (),
    disposition: str = "",
    flags: Iterable[str] = (),
    age: int | None = None,
    veteran: bool | None = None,
) -> tuple[str, ...]:
    """The kinds of service wanted, most wanted first, without repeats."""
    wanted: list[str] = []
    if HIGH_LEVELS & set(levels):
        wanted += KINDS_FOR_HIGH_RISK
    wanted += KINDS_FOR_DISPOSITION.get(disposition, ())
    for concern in concerns:
        wanted += KINDS_FOR_CONCERN.get(concern, ())
    for flag in flags:
        wanted += KINDS_FOR_FLAG.get(flag, ())
    if age is not None and age < YOUTH_BELOW:
        wanted.append(K.YOUTH_COUNSELING)
    if veteran:
        wanted.append(K.VETERANS_SERVICES)
    return tuple(str(kind) for kind in dict.fromkeys(wanted))


# Opening hours -------------------------------------------------------------------------


@dataclass(frozen=True)
class Hours:
    """One HSDS schedule row, as far as opening hours go."""

    freq: str = ""
    byday: tuple[str, ...] = ()
    opens_at: time | None = None
    closes_at: time | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    until: date | None = None
    interval: int | None = None
    count: int | None = None
    utc_offset_hours: float | None = None  # HSDS `timezone`; None: the program's zone

    @property
    def evaluable(self) -> bool:
        return (
            self.freq == "WEEKLY"
            and bool(self.byday)
            and all(day in WEEKDAYS for day in self.byday)
            and self.opens_at is not None
            and self.closes_at is not None
            and (self.interval or 1) == 1
            and self.count is None
        )

    def zone(self, default: tzinfo) -> tzinfo:
        if self.utc_offset_hours is None:
            return default
        return timezone(timedelta(minutes=round(self.utc_offset_hours * 60)))

    def applies_on(self, day: date) -> bool:
        if self.valid_from and day < self.valid_from:
            return False
        if self.valid_to and day > self.valid_to:
            return False
        if self.until and day > self.until:
            return False
        return WEEKDAYS[day.weekday()] in self.byday

    def intervals(self, now: datetime, default: tzinfo) -> list[tuple[datetime, datetime]]:
        """Opening intervals from the day before `now` (overnight hours) to a week on."""
        zone = self.zone(default)
        today = now.astimezone(zone).date()
        found = []
        for offset in range(-1, LOOK_AHEAD_DAYS + 1):
            day = today + timedelta(days=offset)
            if not self.applies_on(day):
                continue
            opens = datetime.combine(day, self.opens_at, zone)
            closes = datetime.combine(day, self.closes_at, zone)
            if closes <= opens:  # 22:00-06:00 closes the next morning; 00:00-00:00 is all day
                closes += timedelta(days=1)
            found.append((opens, closes))
        return found


class Opening(IntEnum):
    OPEN = 0
    SOON = 1
    UNKNOWN = 2
    CLOSED = 3


@dataclass(frozen=True)
class OpenState:
    state: Opening
    at: datetime | None = None  # OPEN: closes at; SOON or CLOSED: opens at (None: not this week)
    unevaluated: bool = False  # some rule was not evaluated

    def words(self, zone: tzinfo, now: datetime) -> str:
        if self.state == Opening.OPEN:
            if self.at is None or self.at - now >= timedelta(days=LOOK_AHEAD_DAYS):
                return _("open now, around the clock")
            return _("open now until %(time)s") % {"time": _clock(self.at, zone, now)}
        if self.state == Opening.SOON:
            minutes = max(1, round((self.at - now).total_seconds() / 60))
            return _("opens at %(time)s (in %(minutes)s min)") % {
                "time": _clock(self.at, zone, now),
                "minutes": minutes,
            }
        if self.state == Opening.CLOSED:
            if self.at is None:
                return _("closed; no opening in the next week")
            return _("closed; opens %(time)s") % {"time": _clock(self.at, zone, now)}
        if self.unevaluated:
            return _("hours unknown: the schedule is not a weekly one we can read")
        return _("hours not listed")


def _clock(moment: datetime, zone: tzinfo, now: datetime) -> str:
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    if local.date() == today:
        return local.strftime("%H:%M")
    return local.strftime("%a %H:%M")


def open_state(hours: Sequence[Hours], now: datetime, default_zone: tzinfo) -> OpenState:
    """Open now (until when), opening soon, closed (next opening) or unknown."""
    intervals: list[tuple[datetime, datetime]] = []
    unevaluated = False
    for rule in hours:
        if rule.evaluable:
            intervals += rule.intervals(now, default_zone)
        else:
            unevaluated = True
    any_evaluable = any(rule.evaluable for rule in hours)
    current = [(o, c) for o, c in intervals if o <= now < c]
    if current:
        # Follow touching or overlapping intervals to the real closing time.
        closes = max(c for _o, c in current)
        changed = True
        while changed:
            changed = False
            for o, c in intervals:
                if o <= closes < c:
                    closes, changed = c, True
        return OpenState(Opening.OPEN, closes, unevaluated)
    upcoming = min((o for o, _c in intervals if o > now), default=None)
    if upcoming is not None and upcoming - now <= SOON:
        return OpenState(Opening.SOON, upcoming, unevaluated)
    if unevaluated or not any_evaluable:
        return OpenState(Opening.UNKNOWN, upcoming, unevaluated)
    return OpenState(Opening.CLOSED, upcoming, unevaluated)


# Candidates, needs and suggestions -----------------------------------------------------


@dataclass(frozen=True)
class Capacity:
    available: int
    maximum: int | None
    unit: str

    @property
    def full(self) -> bool:
        return self.available == 0


@dataclass(frozen=True)
class Candidate:
    """A service at one of its locations, with what matching needs to know of both."""

    service_id: object
    service_name: str
    organization: str
    kind: str
    location_id: object = None
    location_name: str = ""
    address: str = ""
    phone: str = ""
    place: Place | None = None
    status: str = "active"
    minimum_age: int | None = None
    maximum_age: int | None = None
    veterans: bool | None = None
    sex: str = ""
    insurance_accepted: str = ""
    languages: frozenset[str] = frozenset()  # lower-case names and codes
    language_names: tuple[str, ...] = ()
    hours: tuple[Hours, ...] = ()
    capacity: Capacity | None = None
    description: str = ""
    url: str = ""  # how to reach a service that takes no referrals here
    email: str = ""


@dataclass(frozen=True)
class Needs:
    """What the person needs and what is known of them; None or "" is not known."""

    kinds: tuple[str, ...] = ()
    age: int | None = None
    veteran: bool | None = None
    sex: str = ""  # female / male; anything else is not known for eligibility
    insurance: str = ""
    language: str = ""
    place: Place | None = None
    notes: tuple[str, ...] = ()  # what was not known, and why, in words
    about_person: bool = True  # False: a directory search, with no person to check


@dataclass
class Suggestion:
    candidate: Candidate
    opening: OpenState
    distance_km: float | None
    fit: int
    reasons: list[str] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return self.candidate.capacity is not None and self.candidate.capacity.full

    @property
    def tier(self) -> int:
        """0 open with room, 1 opens soon with room, 2 hours unknown with room, 3 full,
        4 closed: a closed service is below every open one, a full one below every one
        with room that is not closed."""
        if self.opening.state == Opening.CLOSED:
            return 4
        if self.full:
            return 3
        return int(self.opening.state)


def _insurers(text: str) -> set[str]:
    return {part.strip().lower() for part in text.replace(";", ",").split(",") if part.strip()}


def eligible(needs: Needs, candidate: Candidate) -> tuple[bool, str]:
    """Whether the person may use the service as far as is known, and why not."""
    if candidate.status != "active":
        return False, _("not active (%(status)s)") % {"status": candidate.status}
    if needs.age is not None:
        if candidate.minimum_age is not None and needs.age < candidate.minimum_age:
            return False, _("for ages %(age)s and over") % {"age": candidate.minimum_age}
        if candidate.maximum_age is not None and needs.age > candidate.maximum_age:
            return False, _("for ages up to %(age)s") % {"age": candidate.maximum_age}
    if candidate.veterans and needs.veteran is False:
        return False, _("for veterans only")
    if (
        candidate.sex in ("female", "male")
        and needs.sex in ("female", "male")
        and candidate.sex != needs.sex
    ):
        return False, _("for %(sex)s clients only") % {"sex": candidate.sex}
    accepted = _insurers(candidate.insurance_accepted)
    if needs.insurance and accepted and needs.insurance.strip().lower() not in accepted:
        return False, _("does not accept %(insurance)s") % {"insurance": needs.insurance}
    return True, ""


def _age_words(candidate: Candidate) -> str:
    low, high = candidate.minimum_age, candidate.maximum_age
    if low is not None and high is not None:
        return _("ages %(low)s to %(high)s") % {"low": low, "high": high}
    if low is not None:
        return _("ages %(low)s and over") % {"low": low}
    if high is not None:
        return _("ages up to %(high)s") % {"high": high}
    return ""


def _capacity_words(capacity: Capacity) -> str:
    unit = capacity.unit or _("places")
    if capacity.full:
        if capacity.maximum is not None:
            return _("full (0 of %(maximum)s %(unit)s)") % {
                "maximum": capacity.maximum,
                "unit": unit,
            }
        return _("full (0 %(unit)s free)") % {"unit": unit}
    if capacity.maximum is not None:
        return _("%(available)s of %(maximum)s %(unit)s free") % {
            "available": capacity.available,
            "maximum": capacity.maximum,
            "unit": unit,
        }
    return _("%(available)s %(unit)s free") % {"available": capacity.available, "unit": unit}


def assess(needs: Needs, candidate: Candidate, now: datetime, zone: tzinfo) -> Suggestion | None:
    """The suggestion for one eligible candidate, with its reasons; None if ineligible."""
    ok, _why = eligible(needs, candidate)
    if not ok:
        return None
    opening = open_state(candidate.hours, now, zone)
    distance = (
        great_circle_km(needs.place, candidate.place)
        if needs.place is not None and candidate.place is not None
        else None
    )
    fit, reasons = 0, []
    if candidate.kind in needs.kinds:
        fit += 4 if needs.kinds.index(candidate.kind) == 0 else 3
        reasons.append(
            _("meets the need: %(kind)s") % {"kind": _kind_words(candidate.kind)}
            if needs.about_person
            else _kind_words(candidate.kind)
        )
    reasons.append(opening.words(zone, now))
    if distance is not None:
        reasons.append(_("%(km)s km") % {"km": f"{distance:.1f}"})
    if candidate.capacity is not None:
        reasons.append(_capacity_words(candidate.capacity))
    wanted = needs.language.strip().lower()
    if wanted and wanted in candidate.languages:
        fit += 2
        listed = next((n for n in candidate.language_names if n.lower() == wanted), None)
        name = listed.title() if listed else language_name(needs.language)
        reasons.append(_("speaks %(language)s") % {"language": name})
    elif wanted:
        reasons.append(_("%(language)s not listed") % {"language": language_name(needs.language)})
    if candidate.veterans:
        if needs.veteran:
            fit += 1
        reasons.append(
            _("for veterans")
            if needs.veteran or not needs.about_person
            else _("for veterans: veteran status not known, check it")
        )
    ages = _age_words(candidate)
    if ages:
        known = needs.age is not None or not needs.about_person
        reasons.append(ages if known else _("%(ages)s: age not known, check it") % {"ages": ages})
    if needs.insurance and _insurers(candidate.insurance_accepted):
        reasons.append(_("accepts %(insurance)s") % {"insurance": needs.insurance})
    return Suggestion(candidate, opening, distance, fit, reasons)


def _kind_words(kind: str) -> str:
    try:
        return str(ServiceKind(kind).label).lower()
    except ValueError:
        return kind


def rank(
    needs: Needs,
    candidates: Iterable[Candidate],
    now: datetime,
    *,
    zone: tzinfo = UTC,
    limit: int | None = None,
) -> list[Suggestion]:
    """Eligible candidates, best first: who can take the person now, then fit, then distance."""
    suggestions = [s for c in candidates if (s := assess(needs, c, now, zone)) is not None]
    suggestions.sort(
        key=lambda s: (
            s.tier,
            -s.fit,
            s.distance_km if s.distance_km is not None else math.inf,
            s.candidate.service_name,
            str(s.candidate.service_id),
            str(s.candidate.location_id),
        )
    )
    return suggestions[:limit] if limit else suggestions
