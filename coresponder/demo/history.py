"""A year of program history before the demo's day: calls, persons, encounters, referrals
and follow-up cases, so the outcomes dashboard and the program report have a year to show.

The history ends where the demo's day of calls begins and never overlaps it. About three
thousand calls arrive as a county program's do: more in the afternoon and evening, a
little fewer at weekends, a gentle seasonal swing (busier in early summer) and growth
over the year. Each dispatched call has a team on shift, status events at plausible
times and an encounter with one disposition, in the proportions co-responder programs
publish; referrals walk the closed loop; encounters a follow-up rule names open cases
with contact attempts, and every case but a handful of the newest is closed, so the case
managers' worklists stay those of the demo's day.

Everything is written in bulk, as rows at past times, after the checks the actions make
(`encounters._check` for the encounters, `referrals.loop.check_move` for the referral
walks, the follow-up rules for the cases). Persons are labelled "Demo <phonetic word>
<number>", never given invented names. The audit log gets what the actions would have
written for the person records: one entry per person registered, per call taken, per
consent recorded and per access relation granted (one `record_many`, one chain append).
"""

from __future__ import annotations

import math
import random
import time as clock
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Min
from django.utils import timezone

from coresponder.accounts.models import Agency, Role, User
from coresponder.calls import actions as call_actions
from coresponder.calls import triage
from coresponder.calls.events import CALL_TAKEN
from coresponder.calls.models import Call, CallState, Origin
from coresponder.cases import rules as case_rules
from coresponder.cases.access import rules_of
from coresponder.cases.actions import queue_for
from coresponder.cases.models import (
    Case,
    CaseStatus,
    CloseReason,
    ContactAttempt,
    ContactMethod,
    ContactOutcome,
    OpenedBecause,
    SafetyPlanRevision,
    Task,
    TaskKind,
    TaskState,
)
from coresponder.core.audit import Actor, Pending, record_many
from coresponder.core.models import BaseModel
from coresponder.dispatch.models import StatusEvent, Team, TeamMember
from coresponder.dispatch.status import Status
from coresponder.encounters import actions as encounter_actions
from coresponder.encounters.dispositions import TRANSPORTS, Disposition
from coresponder.encounters.models import (
    Assessment,
    Encounter,
    EncounterState,
    Section,
    SectionState,
)
from coresponder.encounters.sections import SECTIONS, Kind
from coresponder.people.events import PERSON_REGISTERED
from coresponder.people.matching import keys_for
from coresponder.people.models import (
    AddressKind,
    NameKind,
    Person,
    PersonAddress,
    PersonIdentifier,
    PersonName,
)
from coresponder.privacy import events as privacy_events
from coresponder.privacy.events import CONSENT_RECORDED, RELATION_GRANTED
from coresponder.privacy.models import AccessRelation, Consent
from coresponder.referrals.loop import State, access_ends_at, check_move
from coresponder.referrals.models import (
    DEFAULT_DAYS_AFTER_ATTENDED,
    Referral,
    ReferralEvent,
    Service,
)

from .calls import CONCERNS, HOURLY, PLACES, RELATIONS, SCREENING, SHIFTS, STREETS, SUMMARIES
from .directory import POSTAL_CODES
from .encounters import (
    BEHAVIOUR,
    INTERVENTION_WORDS,
    RULES,
    ScreenLevels,
    Written,
    _check,
    _history_encounter,
    _leading,
    _officer_there,
    _part2_persons,
    cssrs_answers,
    safety_content,
)
from .referrals import (
    CONTACTS,
    DECLINE_REASONS,
    FALLBACK,
    FITTING,
    LINKED_ORGANIZATIONS,
    NEEDS,
    PARTNER_AGENCY,
    WITHDRAW_NOTES,
)

D = Disposition
S = State
C = ContactOutcome
M = ContactMethod

DAYS = 365
# Calls over the year (drawn between these), and how they lean.
CALLS_PER_YEAR = (2850, 3150)
GROWTH = (0.85, 1.15)  # the first day's rate, the last day's, relative to the mean
SEASON = 0.10  # ± around the mean; busiest in early summer
WEEKDAY, WEEKEND = 1.04, 0.90
SOURCES = [
    ("911", 60),
    ("988", 18),
    ("non_emergency", 13),
    ("officer_initiated", 7),
    ("walk_in", 2),
]
# Shares of the dispositions in percent: COAST's 40 % no formal action and 33 % voluntary
# engagement, once unable-to-locate, holds and medical transports (about 17 %) take theirs.
SHARES = [
    (D.RESOLVED_ON_SCENE, 38),
    (D.REFUSED_SERVICES, 6),
    (D.REFERRED_VOLUNTARY, 21),
    (D.TRANSPORTED_VOLUNTARY, 14.5),
    (D.EMERGENCY_HOLD, 6.5),
    (D.MEDICAL_TRANSPORT, 4.5),
    (D.UNABLE_TO_LOCATE, 6),
    (D.CITATION, 1.5),
    (D.ARREST, 2),
]
DRAFT_SHARE = 0.01  # encounters never completed: the report's data-quality notes
ASSESSED_SHARE = 0.5  # complete encounters with a completed C-SSRS screen
HANDS_ON_ARRESTS = 0.6  # the rest of the arrests needed no force
# How many calls a person has over the year: most one, a few many.
CALLS_PER_PERSON = [(1, 77), (2, 13), (3, 5.5), (4, 3), (5, 1.5), (6, 1), (8, 0.6), (11, 0.4)]
PERSON_SHARE = {True: 0.82, False: 0.4}  # calls naming a person: dispatched, by phone
REUSED_PERSONS = 10  # demo persons with earlier calls in the year
REUSED_BEFORE = timedelta(days=100)  # …all before this, so the day's repeat crises stay
REUSED_CLOSED_BY = timedelta(days=45)  # …and their cases closed before the day's stories
CLUSTER = 320  # a repeat caller's calls fall within about this many calls of each other
AGES = [
    ((12, 17), 6),
    ((18, 24), 14),
    ((25, 34), 22),
    ((35, 44), 19),
    ((45, 54), 15),
    ((55, 64), 12),
    ((65, 74), 6.5),
    ((75, 89), 4),
    ((90, 99), 0.5),
]
FIRST_NUMBER = 1001  # person numbers (name and identifier) of the history
# The phonetic-alphabet words the demo's own persons do not use (demo/people.py and
# demo/cases.py take Alpha to Yankee), each with a number: "Demo Zulu 1001". A search for a
# demo person's word ("alfa") finds that person, not a crowd from the history.
WORDS_OF_HISTORY = ["X-ray", "Zulu"]
CITY, STATE = "Demo City", "Demo State"
SHELTER = "Demo Night Shelter"
# Referrals: the share of each disposition's encounters that leads to one.
REFERRED = {
    D.REFERRED_VOLUNTARY: 1.0,
    D.TRANSPORTED_VOLUNTARY: 0.75,
    D.RESOLVED_ON_SCENE: 0.15,
    D.EMERGENCY_HOLD: 0.25,
    D.MEDICAL_TRANSPORT: 0.15,
    D.CITATION: 0.3,
    D.ARREST: 0.3,
}
SENT_SHARE = 0.85  # of referrals for a named person: sent to the partner (else information)
A, R, SC, AT, NS, WD, DE = (
    S.ACCEPTED,
    S.RECEIVED,
    S.SCHEDULED,
    S.ATTENDED,
    S.NO_SHOW,
    S.WITHDRAWN,
    S.DECLINED,
)
WALKS = [
    ([S.SENT, R, A, SC, AT], 38),
    ([S.SENT, A, SC, AT], 7),
    ([S.SENT, R, A, SC, NS, SC, AT], 5),
    ([S.SENT, A, AT], 4),
    ([S.SENT, R, A, SC, NS], 22),
    ([S.SENT, R, A, SC, WD], 5),
    ([S.SENT, R, A, WD], 4),
    ([S.SENT, R, DE], 6),
    ([S.SENT, DE], 4),
    ([S.SENT, WD], 1),
]
# Hours after the previous move that each move comes (low, high).
MOVE_HOURS = {
    R: (0.5, 20),
    A: (2, 72),
    DE: (2, 72),
    SC: (1, 24),
    WD: (24, 240),
    AT: (24, 240),  # straight from accepted: a walk-in visit
}
OPEN_CASES = 6  # the newest history cases stay open (active), on other case managers
CONTACT_NOTES = {
    C.REACHED: "Spoke with them; agreed the next step together.",
    C.NO_ANSWER: "",
    C.LEFT_MESSAGE: "Left the program's call-back number.",
    C.WRONG_NUMBER: "The number on file belongs to someone else.",
    C.DECLINED: "Thanked us; does not want follow-up at the moment.",
}
CLOSE_NOTES = {
    CloseReason.CONNECTED: "Connected to ongoing outpatient services.",
    CloseReason.GOALS_MET: "Stable for several weeks; knows how to reach us.",
    CloseReason.DECLINED: "Declined further contact; knows how to reach us.",
    CloseReason.UNABLE_TO_REACH: "Phone, text and a letter: no reply.",
    CloseReason.MOVED_AWAY: "Moved out of the county; given the local crisis line there.",
}


@dataclass
class HistorySummary:
    start: datetime
    end: datetime
    calls: int = 0
    phone_resolved: int = 0
    encounters: int = 0
    drafts: int = 0
    dispositions: Counter = field(default_factory=Counter)
    assessed: int = 0
    persons_new: int = 0
    persons_reused: int = 0
    persons_repeat: int = 0  # persons with two or more calls in the history
    persons_called: int = 0
    referrals: int = 0
    referral_states: Counter = field(default_factory=Counter)
    cases: int = 0
    cases_open: int = 0
    contacts: int = 0
    audit_entries: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        mix = self.dispositions
        done = sum(mix.values()) or 1
        return (
            f"history: {self.calls} calls from {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d} "
            f"({self.phone_resolved} resolved by phone), {self.encounters} encounters "
            f"({self.drafts} never completed; "
            f"{(mix[D.RESOLVED_ON_SCENE] + mix[D.REFUSED_SERVICES]) / done:.0%} no formal "
            f"action, {(mix[D.REFERRED_VOLUNTARY] + mix[D.TRANSPORTED_VOLUNTARY]) / done:.0%} "
            f"voluntary, {mix[D.ARREST] / done:.1%} arrest), {self.persons_called} persons "
            f"({self.persons_repeat} called about twice or more), {self.referrals} referrals "
            f"({self.referral_states[S.ATTENDED]} attended), {self.cases} follow-up cases "
            f"({self.cases_open} still open), built in {self.seconds:.1f} s."
        )


@contextmanager
def _keeping_times(*models) -> Iterator[None]:
    """Rows written now keep the past `created_at` / `updated_at` they were given.

    `auto_now_add` and `auto_now` stamp the present on insert; history rows are dated when
    they happened, so both are switched off for the bulk inserts and switched back after."""
    fields = [
        model._meta.get_field(name)
        for model in models
        for name in ("created_at", "updated_at")
        if any(f.name == name for f in model._meta.concrete_fields)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    try:
        for f in fields:
            f.auto_now = f.auto_now_add = False
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _pick(rng: random.Random, weighted) -> object:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def _stamp(row, at: datetime, updated: datetime | None = None):
    if isinstance(row, BaseModel):
        row.created_at, row.updated_at = at, updated or at
    return row


class _Writer:
    """The year, built in memory and stored in bulk."""

    def __init__(self, program, *, rng: random.Random, now: datetime) -> None:
        self.program, self.rng, self.now = program, rng, now
        self.zone = program.zone
        staff = {u.username: u for u in User.objects.filter(agency__program=program)}
        self.staff = staff
        self.dispatcher = staff["dispatcher"]
        self.dispatchers = sorted(
            (u for u in staff.values() if Role.DISPATCHER in u.roles), key=lambda u: u.username
        )
        self.managers = sorted(
            (u for u in staff.values() if Role.CASE_MANAGER in u.roles and u.is_active),
            key=lambda u: u.username,
        )
        self.teams = list(Team.objects.filter(program=program).order_by("name"))
        self.members: dict[int, dict[str, User]] = defaultdict(dict)
        for member in TeamMember.objects.filter(team__program=program).select_related("user"):
            self.members[member.team_id][member.role] = member.user
        first_recent = Call.objects.filter(
            program=program, received_at__gte=now - timedelta(days=2)
        ).aggregate(first=Min("received_at"))["first"]
        self.end = min(first_recent or now, now - timedelta(days=1)) - timedelta(minutes=10)
        self.start = self.end - timedelta(days=DAYS)
        self.summary = HistorySummary(start=self.start, end=self.end)
        self.reached: set = set()
        self.planned: dict[object, Disposition] = {}
        self.events_of: dict[object, list[StatusEvent]] = {}
        self.audit: list[Pending] = []

    # Calls ---------------------------------------------------------------------------------

    def arrival_times(self) -> list[datetime]:
        rng = self.rng
        first_day = self.start.astimezone(self.zone).date() + timedelta(days=1)
        days = [first_day + timedelta(days=n) for n in range(DAYS)]
        weights = []
        for n, day in enumerate(days):
            growth = GROWTH[0] + (GROWTH[1] - GROWTH[0]) * n / (DAYS - 1)
            season = 1 + SEASON * math.sin(2 * math.pi * (day.timetuple().tm_yday - 80) / 365)
            weekly = WEEKEND if day.weekday() >= 5 else WEEKDAY
            weights.append(growth * season * weekly)
        wanted = rng.randint(*CALLS_PER_YEAR)
        scale = wanted / sum(weights)
        hours = list(range(24))
        times = []
        for day, weight in zip(days, weights, strict=True):
            mean = weight * scale
            count = max(0, round(rng.gauss(mean, math.sqrt(mean))))
            for hour in rng.choices(hours, weights=HOURLY, k=count):
                local = datetime.combine(day, time(hour), tzinfo=self.zone)
                at = local.astimezone(ZoneInfo("UTC")) + timedelta(seconds=rng.uniform(0, 3599))
                if self.start < at < self.end - timedelta(hours=5):
                    times.append(at)
        return sorted(times)

    def calls(self) -> list[Call]:
        rng = self.rng
        rule_set = call_actions.rules_in_force(self.program)
        rules = rule_set.parsed()
        decisions: dict[tuple, triage.Decision] = {}
        calls = []
        for received in self.arrival_times():
            concern = _pick(rng, CONCERNS)
            concerns = {concern}
            if rng.random() < 0.25:
                concerns.add(_pick(rng, CONCERNS))
            concerns_sorted = sorted(concerns, key=list(triage.Concern).index)
            screening = [name for name, share in SCREENING if rng.random() < share]
            source = _pick(rng, SOURCES)
            key = (source, tuple(concerns_sorted), tuple(screening))
            decision = decisions.get(key)
            if decision is None:
                decision = decisions[key] = triage.triage(
                    triage.CallFacts(
                        source=triage.Source(source),
                        concerns=frozenset(triage.Concern(c) for c in concerns_sorted),
                        screening=frozenset(triage.Screening(s) for s in screening),
                    ),
                    rules,
                )
            if rng.random() < 0.2:
                address = f"{rng.choice(PLACES)}, {rng.choice(STREETS)}"
            else:
                address = f"{rng.randint(100, 9900)} {rng.choice(STREETS)}"
            taker = rng.choice(self.dispatchers)
            call = Call(
                program=self.program,
                received_at=received,
                source=source,
                origin=Origin.INTAKE,
                taken_by_agency_id=taker.agency_id,
                taken_by=taker,
                person=None,
                overridden_by=None,
                address=address,
                latitude=round(rng.uniform(39.66, 39.89), 5),
                longitude=round(rng.uniform(-105.10, -104.91), 5),
                caller_phone=f"555-01{rng.randint(0, 99):02d}",
                caller_relation="officer"
                if source == "officer_initiated"
                else rng.choice(RELATIONS),
                concerns=concerns_sorted,
                screening=screening,
                language="es" if rng.random() < 0.08 else "",
                summary=SUMMARIES[concern],
                rule_set=rule_set,
                triage_response=decision.response,
                triage_priority=decision.priority,
                triage_rule=decision.rule.key,
                triage_says=decision.rule.says,
                response=decision.response,
                priority=decision.priority,
            )
            _stamp(call, received)
            calls.append(call)
        by_year: dict[int, list[Call]] = defaultdict(list)
        for call in calls:
            by_year[call_actions.reference_year(self.program, call.received_at)].append(call)
        for year_calls in by_year.values():
            references = call_actions.reserve_references(
                self.program, year_calls[0].received_at, len(year_calls)
            )
            for call, reference in zip(year_calls, references, strict=True):
                call.reference = reference
        return calls

    # Persons -------------------------------------------------------------------------------

    def persons(self, calls: list[Call]) -> tuple[list[Person], list, list, list]:
        """Who each call is about, and the new persons' rows, dated when first called about."""
        rng = self.rng
        slots = [
            call
            for call in calls
            if rng.random() < PERSON_SHARE[call.response != triage.Response.PHONE_RESOLUTION]
        ]
        new_persons, names, addresses, identifiers, reused = self.assign(slots)
        # A person is registered when first called about.
        first: dict[object, datetime] = {}
        for call in slots:
            first.setdefault(call.person.pk, call.received_at)
        used = [p for p in new_persons if p.pk in first]
        for row in [*used, *names, *addresses, *identifiers]:
            person_id = row.pk if isinstance(row, Person) else row.person.pk
            if person_id in first:
                _stamp(row, first[person_id] + timedelta(minutes=1))
        keep = {p.pk for p in used}
        called = Counter(call.person.pk for call in slots)
        self.summary.persons_new = len(used)
        self.summary.persons_reused = len({p.pk for p in reused} & set(called))
        self.summary.persons_called = len(called)
        self.summary.persons_repeat = sum(n >= 2 for n in called.values())
        return (
            used,
            [n for n in names if n.person.pk in keep],
            [a for a in addresses if a.person.pk in keep],
            [i for i in identifiers if i.person.pk in keep],
        )

    def assign(self, slots: list[Call]):
        """Demo persons again (only in the older part of the year), and new persons, some
        of them called about several times within a few weeks."""
        rng = self.rng
        owner: list[Person | None] = [None] * len(slots)
        existing = sorted(
            Person.objects.filter(program=self.program).prefetch_related("names"),
            key=lambda p: (p.names.all()[0].family if p.names.all() else "", str(p.pk)),
        )
        reused = rng.sample(existing, min(REUSED_PERSONS, len(existing)))
        old = bisect_left([c.received_at for c in slots], self.now - REUSED_BEFORE)

        def place(person: Person, count: int, limit: int) -> int:
            if limit <= 0:
                return 0
            anchor = rng.randrange(limit)
            placed = 0
            for _try in range(40 * count):
                if placed == count:
                    break
                at = anchor if placed == 0 else anchor + rng.randint(-CLUSTER, CLUSTER)
                if 0 <= at < limit and owner[at] is None:
                    owner[at] = person
                    placed += 1
                elif placed == 0:
                    anchor = rng.randrange(limit)
            return placed

        for person in reused:
            place(person, rng.randint(2, 5), old)
        counts = []
        remaining = len(slots) - sum(o is not None for o in owner)
        while remaining > 0:
            count = min(_pick(rng, CALLS_PER_PERSON), remaining)
            counts.append(count)
            remaining -= count
        counts.sort(reverse=True)
        new_persons, names, addresses, identifiers = [], [], [], []
        as_of = self.end.astimezone(self.zone).date()
        for offset, count in enumerate(counts):
            number = FIRST_NUMBER + offset
            person, rows = self.person(number, as_of, frequent=count >= 5)
            new_persons.append(person)
            names.append(rows[0])
            addresses.append(rows[1])
            if rows[2] is not None:
                identifiers.append(rows[2])
            if count > 1:
                place(person, count, len(slots))
        singles = iter(p for p, count in zip(new_persons, counts, strict=True) if count == 1)
        spare = [p for p, count in zip(new_persons, counts, strict=True) if count > 1]
        for at in range(len(slots)):
            if owner[at] is None:
                owner[at] = next(singles, None) or rng.choice(spare)
        for call, person in zip(slots, owner, strict=True):
            call.person = person
        return new_persons, names, addresses, identifiers, reused

    def person(self, number: int, as_of: date, *, frequent: bool):
        rng = self.rng
        low, high = _pick(rng, AGES)
        born = as_of - timedelta(days=rng.randint(low * 365 + 1, high * 365 + 364))
        adult = high >= 18 and low >= 18
        flags = []
        unhoused = adult and rng.random() < 0.08
        if unhoused:
            flags.append("unhoused")
        if frequent:
            flags.append("frequent_contact")
        person = Person(
            program=self.program,
            registered_by_agency_id=self.dispatcher.agency_id,
            date_of_birth=born,
            birth_date_estimated=rng.random() < 0.1,
            sex=_pick(rng, [("female", 47), ("male", 50), ("unknown", 2.5), ("intersex", 0.5)]),
            languages=_pick(rng, [(["en"], 88), (["es"], 7), (["en", "es"], 4), (["vi"], 1)]),
            veteran_status=_pick(rng, [("veteran", 9), ("not_veteran", 68), ("unknown", 23)])
            if adult
            else "not_veteran",
            flags=flags,
        )
        name = PersonName(
            person=person,
            kind=NameKind.LEGAL,
            given="Demo",
            family=f"{WORDS_OF_HISTORY[number % len(WORDS_OF_HISTORY)]} {number}",
        )
        keys_for(name)
        postal = rng.choice(sorted(POSTAL_CODES.values()))
        address = PersonAddress(
            person=person,
            kind=AddressKind.SHELTER if unhoused else AddressKind.HOME,
            line1=f"{SHELTER}, {rng.choice(STREETS)}"
            if unhoused
            else f"{rng.randint(100, 9900)} {rng.choice(STREETS)}",
            city=CITY,
            region=STATE,
            postal_code=postal,
        )
        identifier = None
        if rng.random() < 0.7:
            identifier = PersonIdentifier(
                person=person,
                system="state_id",
                issuer="Demo State DMV",
                value=f"DEMO-{number:04d}",
                normalised=f"DEMO{number:04d}",
            )
        return person, (name, address, identifier)

    # Teams and statuses --------------------------------------------------------------------

    def team_for(self, call: Call) -> Team:
        hour = call.received_at.astimezone(self.zone).hour
        on = []
        for number, team in enumerate(self.teams, start=1):
            _name, start, length = SHIFTS[((number - 1) // 2) % len(SHIFTS)]
            if (hour - start) % 24 < length:
                on.append(team)
        return self.rng.choice(on or self.teams)

    def statuses(self, call: Call, team: Team, disposition: str) -> list[StatusEvent]:
        rng = self.rng
        wait = {1: (1, 4), 2: (2, 8)}.get(call.priority, (4, 20))
        dispatched = call.received_at + timedelta(minutes=rng.uniform(*wait))
        en_route = dispatched + timedelta(minutes=rng.uniform(0.5, 2))
        on_scene = dispatched + timedelta(minutes=rng.uniform(8, 25))
        moves = [(Status.DISPATCHED, dispatched), (Status.EN_ROUTE, en_route)]
        moves.append((Status.ON_SCENE, on_scene))
        at = on_scene
        officer_stays = disposition in (D.ARREST, D.EMERGENCY_HOLD)
        officer_on = call.response in ("co_responder", "police_only")
        if officer_on and not officer_stays:
            low, high = (10, 25) if disposition == D.UNABLE_TO_LOCATE else (20, 90)
            at += timedelta(minutes=rng.uniform(low, high))
            moves.append((Status.OFFICER_CLEARED, at))
        elif disposition not in TRANSPORTS:
            at += timedelta(minutes=rng.uniform(30, 100))
        if disposition in TRANSPORTS:
            at += timedelta(minutes=rng.uniform(5, 30) if officer_on else rng.uniform(30, 90))
            moves.append((Status.TRANSPORTING, at))
        at += timedelta(minutes=rng.uniform(10, 40))
        moves.append((Status.AVAILABLE, at))
        events, previous = [], Status.AVAILABLE
        for status, when in moves:
            events.append(
                StatusEvent(
                    team=team,
                    call=call,
                    from_status=previous,
                    to_status=status,
                    occurred_at=when,
                    by=call.taken_by if status == Status.DISPATCHED else None,
                )
            )
            previous = status
        return events

    # Encounters ----------------------------------------------------------------------------

    def plan(self, calls: list[Call]) -> dict[object, Disposition]:
        """The program's mix, fitted to what was reported (as `plan_dispositions` does)."""
        rng = self.rng
        total = sum(share for _d, share in SHARES)
        exact = {d: len(calls) * share / total for d, share in SHARES}
        wanted = {d: int(x) for d, x in exact.items()}
        by_remainder = sorted(SHARES, key=lambda item: -(exact[item[0]] - wanted[item[0]]))
        for d, _share in by_remainder[: len(calls) - sum(wanted.values())]:
            wanted[d] += 1
        chosen: dict[object, Disposition] = {}
        for disposition, eligible, likely in RULES:
            open_calls = [c for c in calls if c.pk not in chosen and eligible(c)]
            keyed = sorted(
                open_calls,
                key=lambda c: rng.random() ** (1 / (4 if likely(c) else 1)),
                reverse=True,
            )
            for call in keyed[: wanted[disposition]]:
                chosen[call.pk] = disposition
        return {call.pk: chosen.get(call.pk, D.RESOLVED_ON_SCENE) for call in calls}

    def encounters(self, dispatched: list[Call], planned, events_of) -> list[Written]:
        rng = self.rng
        encounter_actions.load_shipped_instruments()
        instruments_in_use = {
            key: (row, row.parsed())
            for key in ("cssrs-screener", "stanley-brown-safety-plan")
            for row in [encounter_actions.instrument_in_use(key)]
        }
        hold_criteria = encounter_actions.hold_criteria_of(self.program)
        behavioural = Agency.objects.get(program=self.program, name="Demo County Behavioral Health")
        part2 = _part2_persons(self.program, behavioural, self.now)
        levels = ScreenLevels(rng)
        draftable = [
            c
            for c in dispatched
            if planned[c.pk] in (D.RESOLVED_ON_SCENE, D.REFERRED_VOLUNTARY, D.REFUSED_SERVICES)
        ]
        drafts = {c.pk for c in rng.sample(draftable, round(DRAFT_SHARE * len(dispatched)))}
        written = []
        for call in dispatched:
            events = events_of[call.pk]
            times = {event.to_status: event.occurred_at for event in events}
            team_id = events[0].team.pk
            members = self.members[team_id]
            if call.pk in drafts:
                written.append(self.draft(call, planned[call.pk], team_id, members, times))
                continue
            one = _history_encounter(
                rng,
                call,
                planned[call.pk],
                team_id=team_id,
                times=times,
                members=members,
                instruments_in_use=instruments_in_use,
                levels=levels,
                part2=call.person is not None and call.person.pk in part2,
                now=self.end,
            )
            written.append(one)
        complete = [w for w in written if w.encounter.state == EncounterState.COMPLETE]
        self.more_screens(complete, instruments_in_use["cssrs-screener"], levels)
        self.less_force(complete)
        for one in complete:
            statuses = {e.to_status for e in events_of[one.encounter.call.pk]}
            _check(one, statuses=statuses, hold_criteria=hold_criteria)
        return written

    def draft(self, call, disposition, team_id, members, times) -> Written:
        """An encounter the team never finished writing up: no disposition, drafts only."""
        rng = self.rng
        on_scene = times[Status.ON_SCENE]
        encounter = Encounter(
            program_id=call.program_id,
            call=call,
            team_id=team_id,
            state=EncounterState.DRAFT,
            disposition="",
            revision=3,
        )
        one = Written(encounter)
        one.times[id(encounter)] = on_scene
        writers = []
        if "officer" in members and _officer_there(call):
            content = safety_content(rng, call, disposition)
            content["charges"] = ""
            writers.append((Kind.SAFETY, content, members["officer"]))
        concern = _leading(call)
        writers.append(
            (
                Kind.CLINICAL,
                {
                    "behaviour": BEHAVIOUR[concern],
                    "intervention": INTERVENTION_WORDS["counselling"],
                },
                members["clinician"],
            )
        )
        for kind, content, writer in writers:
            row = Section(
                encounter=encounter,
                kind=kind.value,
                data_class=SECTIONS[kind].data_class,
                content=content,
                state=SectionState.DRAFT,
                revision=1,
                written_by=writer,
            )
            one.sections.append(row)
            one.times[id(row)] = on_scene + timedelta(minutes=rng.uniform(5, 30))
        return one

    def more_screens(self, complete: list[Written], cssrs, levels: ScreenLevels) -> None:
        """Screens on half the complete encounters: those the team found and did not
        screen yet get one, noted in the clinical section as `clinical_content` notes it."""
        rng = self.rng
        have = sum(bool(w.assessments) for w in complete)
        candidates = [
            w
            for w in complete
            if not w.assessments
            and w.encounter.disposition != D.UNABLE_TO_LOCATE
            and any(s.kind == Kind.CLINICAL for s in w.sections)
        ]
        extra = max(0, round(ASSESSED_SHARE * len(complete)) - have)
        for one in rng.sample(candidates, min(extra, len(candidates))):
            encounter = one.encounter
            clinical = next(s for s in one.sections if s.kind == Kind.CLINICAL)
            level = levels.next(Disposition(encounter.disposition))
            at = one.times[id(encounter)] + timedelta(minutes=rng.uniform(4, 15))
            result = one.assessment(cssrs, cssrs_answers(rng, level), by=clinical.written_by, at=at)
            content = dict(clinical.content)
            content["intervention"] = "Completed the C-SSRS screener. " + content["intervention"]
            content["impressions"] += f"; C-SSRS: {result.label.lower()}"
            clinical.content = content
            encounter.revision += 1

    def less_force(self, complete: list[Written]) -> None:
        """Most arrests here needed no hands-on control: the published force rates are low."""
        rng = self.rng
        for one in complete:
            if one.encounter.disposition != D.ARREST or rng.random() < HANDS_ON_ARRESTS:
                continue
            for section in one.sections:
                if section.kind == Kind.SAFETY and section.content.get("force") == "hands":
                    content = dict(section.content)
                    content["force"] = "none"
                    content["narrative"] = content["narrative"].replace(
                        " Brief hands-on control; no injuries from it.", ""
                    )
                    section.content = content

    # Referrals -----------------------------------------------------------------------------

    def referrals(self, complete: list[Encounter]):
        rng = self.rng
        agency = Agency.objects.get(program=self.program, name=PARTNER_AGENCY)
        services = {
            s.name: s
            for s in Service.objects.filter(program=self.program).select_related("organization")
        }
        linked = sorted(
            name
            for name, s in services.items()
            if s.organization.name in LINKED_ORGANIZATIONS and s.status == Service.Status.ACTIVE
        )
        if not linked:
            return [], [], [], []
        rows, events, consents, first_sent = [], [], [], {}
        for encounter in complete:
            share = REFERRED.get(Disposition(encounter.disposition), 0)
            if rng.random() >= share:
                continue
            destination = services.get(encounter.destination)
            sent_at = encounter.completed_at + timedelta(minutes=rng.uniform(5, 90))
            person = encounter.call.person
            sender = encounter.completed_by
            if person is None or rng.random() >= SENT_SHARE:
                service = destination or services.get(FALLBACK) or services[linked[0]]
                row = Referral(
                    program=self.program,
                    encounter=encounter,
                    person=person,
                    service=service,
                    organization_id=service.organization_id,
                    agency=None,
                    kind=Referral.Kind.INFORMATION_GIVEN,
                    state=S.INFORMATION_GIVEN,
                    sent_by=sender,
                    sent_at=sent_at,
                    moved_at=sent_at,
                )
                rows.append(_stamp(row, sent_at))
                events.append(_event(row, "", S.INFORMATION_GIVEN, sent_at, sender))
                continue
            if destination is not None and destination.name in linked:
                service = destination
            else:
                kind = destination.kind if destination else ""
                service = services.get(FITTING.get(kind, FALLBACK)) or services[rng.choice(linked)]
            row, moves = self.walk(encounter, service, agency, sent_at)
            rows.append(row)
            events.extend(moves)
            first_sent.setdefault(person.pk, (person, sent_at, sender))
        for person, sent_at, sender in first_sent.values():
            consent = Consent(
                person=person,
                kind=Consent.Kind.GENERAL,
                data_classes=["care_coordination"],
                purpose=Consent.Purpose.CARE_COORDINATION,
                starts_at=sent_at - timedelta(minutes=10),
                ends_at=None,
                form_kind=Consent.FormKind.VERBAL,
                recorded_by=sender,
            )
            consents.append(consent)
        return rows, events, consents, agency

    def walk(self, encounter, service, agency, sent_at):
        rng = self.rng
        walk = _pick(rng, WALKS)
        sender = encounter.completed_by
        referral = Referral(
            program=self.program,
            encounter=encounter,
            person=encounter.call.person,
            service=service,
            organization_id=service.organization_id,
            agency=agency,
            kind=Referral.Kind.REFERRAL,
            state=S.SENT,
            need=rng.choice(NEEDS.get(service.kind, NEEDS["support_group"])),
            contact=rng.choice(CONTACTS),
            sent_by=sender,
            sent_at=sent_at,
            moved_at=sent_at,
        )
        events = [_event(referral, "", S.SENT, sent_at, sender)]
        current, at = S.SENT, sent_at
        latest = self.now - timedelta(hours=2)
        for wanted in walk[1:]:
            check_move(current, wanted)
            if wanted == S.ATTENDED and current == S.SCHEDULED:
                step = referral.appointment_at + timedelta(minutes=rng.uniform(30, 120)) - at
            elif wanted == S.NO_SHOW:
                step = referral.appointment_at + timedelta(hours=rng.uniform(1, 6)) - at
            elif wanted == S.WITHDRAWN and current == S.SCHEDULED:
                step = (referral.appointment_at - at) * rng.uniform(0.2, 0.8)
            else:
                step = timedelta(hours=rng.uniform(*MOVE_HOURS[wanted]))
            if at + step > latest:
                break  # the rest of the walk is still to come
            at += step
            note, by = "", None
            if wanted == S.SCHEDULED:
                referral.appointment_at = at + timedelta(days=rng.uniform(2, 14))
            if wanted == S.DECLINED:
                referral.decline_reason = rng.choice(DECLINE_REASONS)
            if wanted == S.WITHDRAWN:
                note, by = rng.choice(WITHDRAW_NOTES), sender
            event = _event(referral, current, wanted, at, by, note=note)
            if by is None:
                event.by_name = agency.name
            events.append(event)
            current = wanted
        referral.state, referral.moved_at = current, at
        _stamp(referral, sent_at, at)
        return referral, events

    # Cases ---------------------------------------------------------------------------------

    def cases(self, complete: list[Encounter], reused: set, safety_plans: dict):
        """Follow-up as `open_case_for_encounter` does it, oldest encounter first: a case
        for a person with none open, else a further first-contact task on their case."""
        rng = self.rng
        hours_of = rules_of(self.program)
        queue = queue_for(self.program)
        others = [m for m in self.managers if m.username != "casemanager"] or self.managers
        numbers = self.case_numbers()
        cases, tasks, contacts, revisions = [], [], [], []
        open_case: dict[object, tuple[Case, datetime]] = {}
        planted = set(
            SafetyPlanRevision.objects.filter(person__program=self.program).values_list(
                "person_id", flat=True
            )
        )
        ordered = sorted(
            (e for e in complete if e.call.person is not None),
            key=lambda e: e.completed_at,
        )
        for encounter in ordered:
            hours = case_rules.contact_within(encounter.disposition, hours_of)
            if hours is None:
                continue
            person = encounter.call.person
            opened = encounter.completed_at
            held = open_case.get(person.pk)
            if held is not None and held[1] > opened:
                case, closes = held
                tasks.append(self.extra_task(case, encounter, hours, closes, contacts))
                continue
            cap = self.now - REUSED_CLOSED_BY if person.pk in reused else self.end
            case = Case(
                program=self.program,
                person=person,
                number=numbers(opened),
                opened_because=OpenedBecause.ENCOUNTER,
                encounter=encounter,
                case_manager=rng.choice(self.managers),
                queue=queue,
                opened_at=opened,
            )
            closes = self.follow_up(case, hours, cap, tasks, contacts)
            cases.append(case)
            open_case[person.pk] = (case, closes)
            if person.pk not in planted and encounter.pk in safety_plans:
                assessment = safety_plans[encounter.pk]
                planted.add(person.pk)
                revisions.append(
                    SafetyPlanRevision(
                        person=person,
                        number=1,
                        answers=assessment.answers,
                        assessment=assessment,
                        note="Written on scene",
                        written_by=assessment.by,
                        written_at=opened,
                    )
                )
        # The newest cases whose person was reached stay open (active), on other case
        # managers; every other case is closed.
        newest = sorted(
            (c for c in cases if c.person.pk not in reused and c.pk in self.reached),
            key=lambda c: c.opened_at,
        )[-OPEN_CASES:]
        still_open = {c.pk for c in newest}
        for case in newest:
            case.status, case.closed_at, case.close_reason, case.close_note = (
                CaseStatus.ACTIVE,
                None,
                "",
                "",
            )
            case.case_manager = rng.choice(others)
        for contact in contacts:
            if contact.case.pk in still_open:
                contact.by = contact.case.case_manager
        for task in tasks:
            if task.case.pk in still_open:
                task.assignee = task.case.case_manager
                if task.done_by is not None:
                    task.done_by = task.case.case_manager
            elif task.state == TaskState.OPEN:
                task.state, task.done_at = TaskState.CANCELLED, task.case.closed_at
        return cases, tasks, contacts, revisions

    def case_numbers(self):
        taken: dict[int, int] = {}
        for number in Case.objects.filter(program=self.program).values_list("number", flat=True):
            year, _dash, sequence = number.removeprefix("C").partition("-")
            taken[int(year)] = max(taken.get(int(year), 0), int(sequence))

        def following(at: datetime) -> str:
            year = at.year
            taken[year] = taken.get(year, 0) + 1
            return f"C{year}-{taken[year]:06d}"

        return following

    def follow_up(self, case: Case, hours: int, cap: datetime, tasks, contacts) -> datetime:
        """Contacts after the case opened; returns when it closes (or would)."""
        rng = self.rng
        opened = case.opened_at
        first_task = Task(
            case=case,
            kind=TaskKind.FIRST_CONTACT,
            title="First follow-up contact",
            due_at=opened + timedelta(hours=hours),
            assignee=case.case_manager,
            queue=case.queue,
        )
        _stamp(first_task, opened)
        tasks.append(first_task)
        late = rng.random() < 0.12
        at = opened + timedelta(
            hours=rng.uniform(hours + 2, hours * 2.5) if late else rng.uniform(2, hours - 4)
        )
        plan: list[tuple[datetime, str, str]] = []
        failed, reached, declined = 0, False, False
        while not reached and not declined and failed < 3:
            outcome = _pick(
                rng,
                [
                    (C.REACHED, 58),
                    (C.NO_ANSWER, 17),
                    (C.LEFT_MESSAGE, 15),
                    (C.WRONG_NUMBER, 4),
                    (C.DECLINED, 6),
                ],
            )
            method = _pick(rng, [(M.PHONE, 70), (M.TEXT, 15), (M.VISIT, 15)])
            plan.append((at, method, outcome))
            reached, declined = outcome == C.REACHED, outcome == C.DECLINED
            failed += outcome in (C.NO_ANSWER, C.LEFT_MESSAGE, C.WRONG_NUMBER)
            at += timedelta(hours=rng.uniform(12, 60))
        if reached:
            for _more in range(rng.randint(0, 3)):
                at += timedelta(days=rng.uniform(4, 14))
                plan.append((at, _pick(rng, [(M.PHONE, 60), (M.VISIT, 40)]), C.REACHED))
            reason = _pick(
                rng,
                [
                    (CloseReason.CONNECTED, 50),
                    (CloseReason.GOALS_MET, 40),
                    (CloseReason.MOVED_AWAY, 3),
                    (CloseReason.DECLINED, 7),
                ],
            )
        elif declined:
            reason = CloseReason.DECLINED
        else:
            at += timedelta(days=rng.uniform(2, 6))
            plan.append((at, M.LETTER, C.NO_ANSWER))
            reason = CloseReason.UNABLE_TO_REACH
        closes = plan[-1][0] + timedelta(days=rng.uniform(1, 10))
        if closes > cap:
            # Squeezed to end before the cap, as the demo's day squeezes its late calls.
            room = max((cap - opened).total_seconds(), 3600) * 0.95
            factor = room / (closes - opened).total_seconds()
            plan = [(opened + (t - opened) * factor, m, o) for t, m, o in plan]
            closes = opened + (closes - opened) * factor
        manager = case.case_manager
        for when, method, outcome in plan:
            contact = ContactAttempt(
                case=case,
                method=method,
                outcome=outcome,
                note=CONTACT_NOTES[outcome],
                at=when,
                by=manager,
            )
            contacts.append(contact)
            if outcome == C.REACHED and first_task.state == TaskState.OPEN:
                first_task.state, first_task.done_at, first_task.done_by = (
                    TaskState.DONE,
                    when,
                    manager,
                )
        fails = [
            when
            for when, _m, outcome in plan
            if outcome in (C.NO_ANSWER, C.LEFT_MESSAGE, C.WRONG_NUMBER)
        ]
        if not reached and not declined and len(fails) >= 3:
            case.unreached_at = fails[2]
        case.revision = 1 + len(plan)
        _stamp(case, opened, closes)
        if reached:
            self.reached.add(case.pk)
        self.close(case, closes, reason)
        return closes

    def close(self, case: Case, at: datetime, reason: str) -> None:
        case.status, case.closed_at, case.close_reason = CaseStatus.CLOSED, at, reason
        case.close_note = CLOSE_NOTES.get(reason, "")
        case.updated_at = at

    def extra_task(self, case, encounter, hours, closes, contacts) -> Task:
        """A further crisis while the case is open: a first-contact task, done by a call."""
        rng = self.rng
        due = encounter.completed_at + timedelta(hours=hours)
        task = Task(
            case=case,
            kind=TaskKind.FIRST_CONTACT,
            title=f"Follow-up contact after call {encounter.call.reference}"[:200],
            due_at=due,
            assignee=case.case_manager,
            queue=case.queue,
        )
        _stamp(task, encounter.completed_at)
        when = encounter.completed_at + timedelta(hours=rng.uniform(2, hours - 4))
        if when < closes:
            contacts.append(
                ContactAttempt(
                    case=case,
                    method=M.PHONE,
                    outcome=C.REACHED,
                    note=CONTACT_NOTES[C.REACHED],
                    at=when,
                    by=case.case_manager,
                )
            )
            task.state, task.done_at, task.done_by = TaskState.DONE, when, case.case_manager
        return task


def _event(referral, from_state, to_state, at, user, *, note: str = "") -> ReferralEvent:
    return ReferralEvent(
        referral=referral,
        from_state=from_state,
        to_state=to_state,
        at=at,
        by_user=user,
        by_name=str(user) if user else "",
        note=note,
    )


def build_demo_history(program, *, rng: random.Random, now: datetime) -> HistorySummary:
    """The 365 days before the demo's day of calls, written in bulk."""
    started = clock.perf_counter()
    writer = _Writer(program, rng=rng, now=now)
    calls, persons = _store_calls(writer)
    encounters, assessments = _store_encounters(writer, calls)
    complete = [e for e in encounters if e.state == EncounterState.COMPLETE]
    relations = _store_referrals(writer, complete)
    reused = {c.person.pk for c in calls if c.person is not None} - {p.pk for p in persons}
    relations += _store_cases(writer, complete, assessments, reused)
    AccessRelation.objects.bulk_create(relations, batch_size=500)
    system = Actor.system("demo history")
    writer.audit += [
        Pending(
            RELATION_GRANTED,
            system,
            "person",
            r.person.pk,
            (),
            {
                "relation": str(r.pk),
                "kind": r.kind,
                "user": r.user.pk if r.user else None,
                "agency": r.agency.pk if r.agency else None,
                "source": r.source,
            },
        )
        for r in relations
    ]
    # Relations that ended (a case closed, the partner's referrals closed), as
    # privacy.actions.end_relations writes them.
    writer.audit += [
        privacy_events.relation_ended(relation=r, actor=system, reason=r.end_reason)
        for r in relations
        if r.ends_at is not None
    ]
    record_many(writer.audit)
    summary = writer.summary
    summary.audit_entries = len(writer.audit)
    summary.seconds = clock.perf_counter() - started
    return summary


def _store_calls(writer: _Writer) -> tuple[list[Call], list[Person]]:
    """The calls, the persons they are about and the teams' status events."""
    rng, summary = writer.rng, writer.summary
    calls = writer.calls()
    persons, names, addresses, identifiers = writer.persons(calls)
    with _keeping_times(Person, PersonName, PersonAddress, PersonIdentifier):
        Person.objects.bulk_create(persons, batch_size=500)
        PersonName.objects.bulk_create(names, batch_size=500)
        PersonAddress.objects.bulk_create(addresses, batch_size=500)
        PersonIdentifier.objects.bulk_create(identifiers, batch_size=500)
    dispatcher = Actor.of_user(writer.dispatcher)
    writer.audit += [
        Pending(PERSON_REGISTERED, dispatcher, "person", p.pk, ["care_coordination", "operational"])
        for p in persons
    ]
    dispatched = [c for c in calls if c.response != triage.Response.PHONE_RESOLUTION]
    writer.planned = writer.plan(dispatched)
    for call in calls:
        if call.response == triage.Response.PHONE_RESOLUTION:
            call.state = CallState.RESOLVED_BY_PHONE
            call.closed_at = call.received_at + timedelta(minutes=rng.uniform(10, 40))
        else:
            team = writer.team_for(call)
            events = writer.statuses(call, team, writer.planned[call.pk])
            writer.events_of[call.pk] = events
            call.state, call.closed_at = CallState.CLOSED, events[-1].occurred_at
        call.updated_at = call.closed_at
    with _keeping_times(Call):
        Call.objects.bulk_create(calls, batch_size=500)
    StatusEvent.objects.bulk_create(
        [e for events in writer.events_of.values() for e in events], batch_size=1000
    )
    writer.audit += [
        Pending(
            CALL_TAKEN,
            Actor.of_user(call.taken_by),
            "person" if call.person else "call",
            call.person.pk if call.person else call.pk,
            ["call:operational", "call:public_safety"],
            {"call": str(call.pk), "reference": call.reference, "origin": call.origin},
        )
        for call in calls
    ]
    summary.calls = len(calls)
    summary.phone_resolved = len(calls) - len(dispatched)
    return calls, persons


def _store_encounters(writer: _Writer, calls: list[Call]):
    """Encounters, complete and signed at past times; a few left as drafts."""
    summary = writer.summary
    dispatched = [c for c in calls if c.pk in writer.planned]
    written = writer.encounters(dispatched, writer.planned, writer.events_of)
    encounters = [w.encounter for w in written]
    sections = [s for w in written for s in w.sections]
    assessments = [a for w in written for a in w.assessments]
    times = {key: at for w in written for key, at in w.times.items()}
    for row in [*encounters, *sections, *assessments]:
        at = times[id(row)]
        later = getattr(row, "signed_at", None) or getattr(row, "completed_at", None) or at
        _stamp(row, at, later)
    with _keeping_times(Encounter, Section, Assessment):
        Encounter.objects.bulk_create(encounters, batch_size=500)
        Section.objects.bulk_create(sections, batch_size=500)
        Assessment.objects.bulk_create(assessments, batch_size=500)
    complete = [e for e in encounters if e.state == EncounterState.COMPLETE]
    summary.encounters = len(encounters)
    summary.drafts = len(encounters) - len(complete)
    summary.dispositions = Counter(Disposition(e.disposition) for e in complete)
    summary.assessed = len({a.encounter.pk for a in assessments if a.complete})
    return encounters, assessments


def _store_referrals(writer: _Writer, complete: list[Encounter]) -> list[AccessRelation]:
    """Referrals and their events, with the consents that let them go to the partner;
    returns the partner's access relations, to be stored with the others."""
    summary = writer.summary
    referrals, referral_events, consents, partner = writer.referrals(complete)
    with _keeping_times(Referral):
        Referral.objects.bulk_create(referrals, batch_size=500)
    ReferralEvent.objects.bulk_create(referral_events, batch_size=1000)
    Consent.objects.bulk_create(consents, batch_size=500)
    if consents:
        through = Consent.recipient_agencies.through
        through.objects.bulk_create(
            [through(consent_id=c.pk, agency_id=partner.pk) for c in consents], batch_size=1000
        )
    writer.audit += [
        Pending(
            CONSENT_RECORDED,
            Actor.of_user(c.recorded_by),
            "person",
            c.person_id,
            list(c.data_classes),
            {"consent": str(c.pk), "kind": c.kind},
        )
        for c in consents
    ]
    summary.referrals = len(referrals)
    summary.referral_states = Counter(S(r.state) for r in referrals)
    # The partner's access rests on the consent, and ends when its last referral for the
    # person closes (referrals.actions).
    ends_of = defaultdict(list)
    for r in referrals:
        if r.kind == Referral.Kind.REFERRAL:
            ends_of[r.person.pk].append(
                access_ends_at(S(r.state), r.moved_at, DEFAULT_DAYS_AFTER_ATTENDED)
            )
    relations = []
    for c in consents:
        ends = ends_of[c.person.pk]
        ended = bool(ends) and all(end is not None for end in ends)
        relations.append(
            AccessRelation(
                person=c.person,
                kind=AccessRelation.Kind.REFERRAL_RECIPIENT,
                agency=partner,
                source="demo referral history",
                starts_at=c.starts_at,
                consent=c,
                ends_at=max(ends) if ended else None,
                end_reason=AccessRelation.EndReason.REFERRAL_CLOSED if ended else "",
            )
        )
    return relations


def _store_cases(writer: _Writer, complete, assessments, reused: set) -> list[AccessRelation]:
    """Follow-up cases, their tasks, contacts and first safety plans; returns the care-team
    relations `open_case` grants, to be stored with the others."""
    summary = writer.summary
    plans = {
        a.encounter.pk: a
        for a in assessments
        if a.instrument.key == "stanley-brown-safety-plan" and a.answers
    }
    cases, tasks, contacts, revisions = writer.cases(complete, reused, plans)
    with _keeping_times(Case, Task):
        Case.objects.bulk_create(cases, batch_size=500)
        Task.objects.bulk_create(tasks, batch_size=500)
    ContactAttempt.objects.bulk_create(contacts, batch_size=1000)
    SafetyPlanRevision.objects.bulk_create(revisions, batch_size=500)
    on_team = set(
        AccessRelation.objects.filter(
            person_id__in=list(reused),
            kind__in=[AccessRelation.Kind.CARE_TEAM, AccessRelation.Kind.FOLLOW_UP_QUEUE],
        ).values_list("person_id", "agency_id", "user_id")
    )
    relations = []
    for case in cases:
        closed = case.status == CaseStatus.CLOSED
        # The queue holds each case until it closes (follow-up queue: triage, not the
        # clinical record); the case manager joins the care team for good.
        for agency, user in ((case.queue, None), (None, case.case_manager)):
            key = (case.person.pk, agency.pk if agency else None, user.pk if user else None)
            if key in on_team and (user is not None or not closed):
                continue
            if user is not None or not closed:
                on_team.add(key)
            relations.append(
                AccessRelation(
                    person=case.person,
                    kind=AccessRelation.Kind.CARE_TEAM
                    if user is not None
                    else AccessRelation.Kind.FOLLOW_UP_QUEUE,
                    agency=agency,
                    user=user,
                    source=f"follow-up, case {case.number}",
                    starts_at=case.opened_at,
                    ends_at=case.closed_at if agency is not None and closed else None,
                    end_reason=AccessRelation.EndReason.CASE_CLOSED
                    if agency is not None and closed
                    else "",
                )
            )
    summary.cases = len(cases)
    summary.cases_open = sum(c.status != CaseStatus.CLOSED for c in cases)
    summary.contacts = len(contacts)
    return relations


def describe_history(program) -> str:
    """One line for the demo command: the year before the demo's day, in figures."""
    now = timezone.now()
    older = Call.objects.filter(program=program, received_at__lt=now - timedelta(days=1))
    first = older.aggregate(first=Min("received_at"))["first"]
    if first is None:
        return "history: none."
    encounters = Encounter.objects.filter(call__in=older)
    complete = encounters.filter(state=EncounterState.COMPLETE)
    mix = Counter(complete.values_list("disposition", flat=True))
    done = sum(mix.values()) or 1
    per_person = Counter(older.filter(person__isnull=False).values_list("person_id", flat=True))
    referrals = Referral.objects.filter(encounter__in=complete)
    return (
        f"history: {older.count()} calls since {timezone.localtime(first):%Y-%m-%d}, "
        f"{complete.count()} complete encounters "
        f"({(mix['resolved_on_scene'] + mix['refused_services']) / done:.0%} no formal action, "
        f"{(mix['referred_voluntary'] + mix['transported_voluntary']) / done:.0%} voluntary, "
        f"{(mix['citation'] + mix['arrest']) / done:.1%} enforcement), "
        f"{len(per_person)} persons ({sum(n >= 2 for n in per_person.values())} called about "
        f"twice or more), {referrals.count()} referrals "
        f"({referrals.filter(state=S.ATTENDED).count()} attended)."
    )


__all__ = ["HistorySummary", "build_demo_history", "describe_history"]
