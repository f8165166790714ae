"""Demo teams, shifts, a service area, training records and a day of crisis calls.

Calls arrive as a real day's do: few before dawn, most in the afternoon and evening, and
their concerns and screening in the proportions co-responder programs report (suicidal
thoughts and depression lead; weapons are rare). Calls from earlier in the day are
history: their teams' status events are written as data with past times. The last hour's
calls are live, taken and dispatched through the real actions, so the board, the field
view and the audit log show a working desk.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coresponder.accounts.models import Agency, Role, TrainingRecord, User
from coresponder.calls import actions as calls
from coresponder.calls.models import Call, CallState
from coresponder.dispatch import actions as dispatch
from coresponder.dispatch.models import MemberRole, ServiceArea, StatusEvent, Team
from coresponder.dispatch.status import Status
from coresponder.dispatch.teams import recommend
from coresponder.encounters.dispositions import TRANSPORTS, Disposition
from coresponder.people.models import Person

from .encounters import plan_dispositions

# A county-sized area (about 30 × 25 km) drawn clockwise from the north-west.
BOUNDARY = [
    [39.914, -105.110],
    [39.914, -104.990],
    [39.870, -104.900],
    [39.760, -104.866],
    [39.690, -104.880],
    [39.640, -104.960],
    [39.655, -105.080],
    [39.740, -105.140],
    [39.840, -105.140],
]
BASES = [
    ("North station", 39.880, -105.030),
    ("Central station", 39.780, -105.000),
    ("East station", 39.740, -104.910),
    ("South station", 39.680, -104.990),
    ("West station", 39.760, -105.100),
    ("Crisis centre", 39.800, -104.950),
]
STREETS = [
    "Aspen Street",
    "Birch Avenue",
    "Cedar Way",
    "Dogwood Lane",
    "Elm Court",
    "Fir Boulevard",
    "Juniper Road",
    "Larch Drive",
    "Maple Parkway",
    "Pine Street",
    "Spruce Avenue",
    "Willow Place",
]
PLACES = ["Transit centre", "Public library", "County park", "Shelter", "Grocery store"]

# Local shifts: (name, start hour, length in hours). Teams rotate through them.
SHIFTS = [("day", 7, 10), ("swing", 14, 10), ("night", 22, 10)]
# Share of a day's calls arriving in each local hour, 0–23: low before dawn, high evenings.
HOURLY = [2, 1.5, 1, 1, 1, 1.5, 2, 3, 4, 4.5, 5, 5, 5, 5.5, 6, 6.5, 7, 7.5, 7.5, 7, 6, 5, 4, 3]
CONCERNS = [
    ("suicidal", 24),
    ("depression_isolation", 14),
    ("psychosis_disorientation", 12),
    ("substance_use", 11),
    ("anxiety_panic", 9),
    ("welfare_check", 9),
    ("self_harm", 5),
    ("youth_in_crisis", 5),
    ("resources_request", 4),
    ("grief_loss", 3),
    ("trauma_ptsd", 2),
    ("veteran_support", 2),
]
SCREENING = [
    ("intoxication", 0.12),
    ("violence_or_threats", 0.07),
    ("weapon", 0.05),
    ("medical_emergency", 0.05),
    ("minor_involved", 0.05),
    ("attempt_in_progress", 0.03),
]
SOURCES = [
    ("911", 58),
    ("988", 22),
    ("non_emergency", 12),
    ("officer_initiated", 6),
    ("walk_in", 2),
]
RELATIONS = ["family", "family", "self", "friend", "bystander", "professional", "unknown"]
# A few people account for many of a program's calls: these demo persons are called about
# more often than the rest (weight 1), so the repeat-crisis work has someone to plan for.
REPEAT_CALLERS = {"Alpha": 5, "Bravo": 3, "Charlie": 4, "Delta": 3}
SUMMARIES = {
    "suicidal": "Caller says the person talked about ending their life tonight.",
    "depression_isolation": "Has not left the apartment in days; family worried.",
    "psychosis_disorientation": "Person is confused, talking to people who are not there.",
    "substance_use": "Person appears intoxicated and agitated outside a store.",
    "anxiety_panic": "Caller is having a panic attack and cannot calm down.",
    "welfare_check": "Neighbour has not seen the resident for three days.",
    "self_harm": "Caller found fresh cuts and the person refuses help.",
    "youth_in_crisis": "Teenager locked in the bathroom, parent frightened.",
    "resources_request": "Asks where to find a bed for tonight.",
    "grief_loss": "Lost a partner last week, crying and not sleeping.",
    "trauma_ptsd": "Flashbacks after an assault; wants to talk to someone.",
    "veteran_support": "Veteran in distress asking for someone who understands.",
}


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def _local(program) -> ZoneInfo:
    return program.zone


def build_service_area(program) -> ServiceArea:
    return ServiceArea.objects.create(program=program, name="Demo County", boundary=BOUNDARY)


def build_training(program, *, rng: random.Random, today: date) -> None:
    """Most staff are current; a few have lapsed or lapse soon, for the compliance page."""
    recorder = User.objects.get(agency__program=program, username="supervisor")
    records = []
    for user in User.objects.filter(agency__program=program).order_by("username"):
        roles = user.roles
        courses = []
        if roles & {Role.OFFICER, Role.DISPATCHER}:
            courses.append(("cit_40", 730))
        if roles & {Role.OFFICER, Role.CLINICIAN, Role.EMT}:
            courses.append(("mhfa_8", 1095))
        if Role.CLINICIAN in roles:
            courses.append(("clinical_licence", 730))
        if Role.EMT in roles:
            courses.append(("emt_certification", 730))
        for course, valid_days in courses:
            if user.username not in ("officer", "clinician", "emt") and rng.random() < 0.08:
                continue  # never recorded: shows as missing
            # Spread expiry from 2 months ago to 2 years ahead; the demo log-ins stay current.
            ahead = rng.randint(-60, valid_days)
            if user.username in ("officer", "clinician", "emt", "dispatcher"):
                ahead = max(ahead, 120)
            expires = today + timedelta(days=ahead)
            records.append(
                TrainingRecord(
                    user=user,
                    course=course,
                    completed_on=expires - timedelta(days=valid_days),
                    expires_on=expires,
                    provider="Demo County Training Academy",
                    recorded_by=recorder,
                )
            )
    TrainingRecord.objects.bulk_create(records)


def build_teams(program, *, rng: random.Random, now: datetime) -> list[Team]:
    """Six teams on a rotation of day, swing and night shifts from yesterday to tomorrow.

    The demo officer and clinician log-ins share the team on duty now, with the EMT.
    """
    zone = _local(program)
    staff = User.objects.filter(agency__program=program).order_by("username")
    officers = [u for u in staff if Role.OFFICER in u.roles and u.username != "officer"]
    clinicians = [
        u
        for u in staff
        if Role.CLINICIAN in u.roles and u.username not in ("clinician", "supervisor")
    ]
    police = Agency.objects.get(program=program, name="Demo City Police Department")
    area = ServiceArea.objects.get(program=program)
    today = now.astimezone(zone).date()
    local_hour = now.astimezone(zone).hour
    on_now = {
        name
        for name, start, length in SHIFTS
        for day_offset in (-1, 0)
        if start + 24 * day_offset <= local_hour < start + 24 * day_offset + length
    }
    teams = []
    demo_placed = False
    for number in range(1, 7):
        shift_name, start, length = SHIFTS[(number - 1) // 2]
        base_name, lat, lon = BASES[number - 1]
        if shift_name in on_now and not demo_placed:
            officer = User.objects.get(agency__program=program, username="officer")
            clinician = User.objects.get(agency__program=program, username="clinician")
            emt = User.objects.get(agency__program=program, username="emt")
            demo_placed = True
        else:
            # A small roster covers several shifts: the same person on two teams' rotas.
            officer = officers[(number - 1) % len(officers)]
            clinician = clinicians[(number - 1) % len(clinicians)]
            emt = None
        members = [(officer, MemberRole.OFFICER), (clinician, MemberRole.CLINICIAN)]
        if emt is not None:
            members.append((emt, MemberRole.EMT))
        team = dispatch.create_team(
            program,
            name=f"CRT {number}",
            agency=police,
            home_base=base_name,
            base_latitude=lat,
            base_longitude=lon,
            service_area=area,
            languages=["en", "es"] if number % 3 == 1 else ["en"],
            specialities=[["youth"], ["veterans"], ["substance_use"], [], ["youth"], []][
                number - 1
            ],
            members=members,
            acting_user=None,
        )
        for day_offset in (-1, 0, 1):
            day = today + timedelta(days=day_offset)
            starts = datetime.combine(day, time(start), tzinfo=zone)
            dispatch.add_shift(
                team, starts_at=starts, ends_at=starts + timedelta(hours=length), acting_user=None
            )
        teams.append(team)
    return teams


def share_out(weighted: list[tuple[str, float]], count: int, rng: random.Random) -> list[str]:
    """`count` values in the weights' proportions, each within one of its exact share
    (largest remainder), in a random order: a day's mix by construction, not by draw."""
    total = sum(weight for _value, weight in weighted)
    exact = [(value, count * weight / total) for value, weight in weighted]
    counts = {value: int(share) for value, share in exact}
    by_remainder = sorted(exact, key=lambda pair: pair[1] - int(pair[1]), reverse=True)
    for value, _share in by_remainder[: count - sum(counts.values())]:
        counts[value] += 1
    values = [value for value, _weight in weighted for _ in range(counts[value])]
    rng.shuffle(values)
    return values


def arrival_times(
    rng: random.Random, *, start: datetime, end: datetime, zone: ZoneInfo, per_day: int
) -> list[datetime]:
    """Calls between `start` and `end` at the local hours' rates (HOURLY), placed so that
    every stretch of time holds its expected number of calls to within one.

    The expected count grows minute by minute at the rate of the local hour; call k comes
    where it passes k + 1 - u, with u drawn at random, so the draw moves calls within their
    place in the day without changing how many fall in any hour."""
    per_minute = [per_day * weight / sum(HOURLY) / 60 for weight in HOURLY]
    times = []
    expected = 0.0
    threshold = 1 - rng.random()
    minute = start
    while minute < end:
        rate = per_minute[minute.astimezone(zone).hour]
        while expected + rate >= threshold:
            seconds = (threshold - expected) / rate * 60
            times.append(minute + timedelta(seconds=seconds))
            threshold = len(times) + 1 - rng.random()
        expected += rate
        minute += timedelta(minutes=1)
    return [at for at in times if at < end]


def _call_in(
    rng: random.Random,
    program,
    persons: list[Person],
    *,
    concerns: list[str],
    person: Person | None,
    screening: list[str] | None = None,
) -> calls.CallIn:
    if screening is None:
        screening = [name for name, share in SCREENING if rng.random() < share]
    south, north = 39.66, 39.89
    west, east = -105.10, -104.91
    if rng.random() < 0.2:
        address = f"{rng.choice(PLACES)}, {rng.choice(STREETS)}"
    else:
        address = f"{rng.randint(100, 9900)} {rng.choice(STREETS)}"
    return calls.CallIn(
        source=_pick(rng, SOURCES),
        concerns=sorted(set(concerns)),
        screening=screening,
        address=address,
        latitude=round(rng.uniform(south, north), 5),
        longitude=round(rng.uniform(west, east), 5),
        caller_relation=rng.choice(RELATIONS),
        caller_phone=f"555-01{rng.randint(0, 99):02d}",
        language="es" if rng.random() < 0.08 else "",
        summary=SUMMARIES[concerns[0]],
        person_id=person.pk if person else None,
    )


def _person_for(rng: random.Random, persons: list[Person]) -> Person | None:
    """A person called about, the repeat callers more often than the rest."""
    if not persons:
        return None
    weights = [REPEAT_CALLERS.get(_word_of(p), 1) for p in persons]
    return rng.choices(persons, weights=weights)[0]


def _history(
    rng, call: Call, team: Team, dispatcher, *, disposition: Disposition, now: datetime
) -> None:
    """What the team did on an earlier call, as status events at past times.

    The statuses agree with the disposition the encounter will record: a team went through
    "transporting" exactly when the person was taken somewhere.
    """
    at = call.received_at + timedelta(minutes=rng.uniform(1, 6))
    steps = [Status.DISPATCHED, Status.EN_ROUTE, Status.ON_SCENE]
    gaps = [0, rng.uniform(0.5, 2), rng.uniform(6, 22)]
    # The officer stays for an arrest or a hold; otherwise clears once the scene is safe.
    officer_stays = disposition in (Disposition.ARREST, Disposition.EMERGENCY_HOLD)
    if call.response in ("co_responder", "police_only") and not officer_stays:
        steps.append(Status.OFFICER_CLEARED)
        gaps.append(rng.uniform(15, 45))
    if disposition in TRANSPORTS:
        steps.append(Status.TRANSPORTING)
        gaps.append(rng.uniform(5, 30))
    steps.append(Status.AVAILABLE)
    gaps.append(rng.uniform(10, 40))
    # A late call's work is squeezed to end before now: history never runs into the future.
    room = (now - timedelta(minutes=3) - at).total_seconds() / 60
    if sum(gaps) > room:
        gaps = [gap * max(room, 1) / sum(gaps) for gap in gaps]
    previous = Status.AVAILABLE
    events = []
    for status, gap in zip(steps, gaps, strict=True):
        at += timedelta(minutes=gap)
        events.append(
            StatusEvent(
                team=team,
                call=call,
                from_status=previous,
                to_status=status,
                occurred_at=at,
                by=dispatcher if status == Status.DISPATCHED else None,
            )
        )
        previous = status
    StatusEvent.objects.bulk_create(events)
    Call.objects.filter(pk=call.pk).update(state=CallState.CLOSED, closed_at=at)


def _word_of(person: Person) -> str:
    """The demo person's phonetic-alphabet word (their family name); names are prefetched."""
    names = person.names.all()
    return names[0].family if names else ""


def build_calls(
    program, *, rng: random.Random, now: datetime, teams: list[Team]
) -> dict[object, Disposition]:
    """A day of calls up to `now`; returns the disposition each earlier call ended in.

    Whatever the hour `now` is, the day holds by construction what the demo shows: the
    hours' and concerns' proportions (each within one call), three calls in ten about a
    known person, at least two of the demo log-ins' earlier calls ending in a referral (the
    referrals the demo clinician sends), and live calls in hand for two teams."""
    zone = _local(program)
    dispatcher = User.objects.get(agency__program=program, username="dispatcher")
    # In the order of their words (alphabetical), not of their random ids: one seed, one day.
    persons = sorted(
        Person.objects.filter(program=program).prefetch_related("names"),
        key=lambda p: (_word_of(p), str(p.pk)),
    )
    arrivals = arrival_times(
        rng, start=now - timedelta(hours=24), end=now - timedelta(minutes=2), zone=zone, per_day=70
    )
    leading = share_out(CONCERNS, len(arrivals), rng)
    # A quarter of the calls report a second concern, in the same proportions.
    second = share_out(CONCERNS, len(arrivals) // 4, rng)
    second += [""] * (len(arrivals) - len(second))
    rng.shuffle(second)
    taken = []
    for number, (received, lead, also) in enumerate(zip(arrivals, leading, second, strict=True)):
        person = _person_for(rng, persons) if number % 10 < 3 else None
        concerns = [lead, also] if also else [lead]
        call_in = _call_in(rng, program, persons, concerns=concerns, person=person)
        call_in.received_at = received
        taken.append(calls.take_call(call_in, acting_user=dispatcher))
    live_since = now - timedelta(minutes=50)

    def live_for_teams() -> list[Call]:
        live = [c for c in taken if c.received_at >= live_since]
        return [c for c in live if c.response != "phone_resolution"]

    # However quiet the hour, the demo desk has a few calls in hand, two of them for a team.
    for _ in range(100):
        live = [c for c in taken if c.received_at >= live_since]
        if len(live) >= 4 and len(live_for_teams()) >= 2:
            break
        call_in = _call_in(rng, program, persons, concerns=["suicidal"], person=None, screening=[])
        call_in.received_at = now - timedelta(minutes=rng.uniform(3, 45))
        taken.append(calls.take_call(call_in, acting_user=dispatcher))
    else:
        raise RuntimeError("The demo's triage sends no live call to a team.")
    earlier = [call for call in taken if call.received_at < live_since]
    teamed = [call for call in earlier if call.response != "phone_resolution"]
    # Each outcome is chosen first, so the team's statuses can agree with it.
    dispositions = plan_dispositions(rng, teamed)
    team_of_call = {call.pk: rng.choice(teams) for call in teamed}
    _demo_team_refers(teamed, dispositions, team_of_call, teams)
    for call in earlier:
        if call.response == "phone_resolution":
            Call.objects.filter(pk=call.pk).update(
                state=CallState.RESOLVED_BY_PHONE,
                closed_at=call.received_at + timedelta(minutes=rng.uniform(10, 40)),
            )
        else:
            _history(
                rng,
                call,
                team_of_call[call.pk],
                dispatcher,
                disposition=dispositions[call.pk],
                now=now,
            )
    _live(rng, [c for c in taken if c.received_at >= live_since], dispatcher, now=now)
    return dispositions


def _demo_team_refers(teamed: list[Call], dispositions: dict, team_of_call: dict, teams) -> None:
    """The demo log-ins' team went to at least two calls about a known person that ended in
    a referral: the demo clinician sends the day's referrals through the real actions."""
    demo_team = next(t for t in teams if t.members.filter(user__username="clinician").exists())
    named = [call for call in teamed if call.person_id is not None]
    referred = [c for c in named if dispositions[c.pk] == Disposition.REFERRED_VOLUNTARY]
    resolved = [c for c in named if dispositions[c.pk] == Disposition.RESOLVED_ON_SCENE]
    while len(referred) < 2 and resolved:
        call = resolved.pop()
        dispositions[call.pk] = Disposition.REFERRED_VOLUNTARY
        referred.append(call)
    if len(referred) < 2:
        raise RuntimeError("The demo's day has too few calls about a known person.")
    for call in referred[-2:]:
        team_of_call[call.pk] = demo_team


def _live(rng, live_calls: list[Call], dispatcher, *, now: datetime) -> None:
    """The last hour: the demo log-ins' team on scene at one call, another team en route."""
    moves = [[Status.EN_ROUTE, Status.ON_SCENE], [Status.EN_ROUTE], []]
    for call in sorted(live_calls, key=lambda c: (c.priority, c.received_at)):
        if call.response == "phone_resolution" or not moves:
            continue
        ranked = recommend(call, at=now, limit=None)
        demo_team = next((r for r in ranked if _has_demo_officer(r.team.team_id)), None)
        choice = demo_team if demo_team and len(moves) == 3 else (ranked[0] if ranked else None)
        if choice is None:
            continue
        team = Team.objects.get(pk=choice.team.team_id)
        dispatch.dispatch_team(call, team, acting_user=dispatcher)
        for status in moves.pop(0):
            dispatch.move_status(team, status, acting_user=dispatcher)
        calls.add_note(
            call,
            text=rng.choice(
                [
                    "Caller staying on the line until the team arrives.",
                    "Family will meet the team at the front door.",
                    "No answer at the door on the first call back.",
                ]
            ),
            acting_user=dispatcher,
        )


def _has_demo_officer(team_id) -> bool:
    return Team.objects.filter(pk=team_id, members__user__username="officer").exists()


def build_demo_dispatch(program, *, rng: random.Random, now: datetime) -> dict[object, Disposition]:
    """Teams and a day of calls up to `now`; returns the disposition chosen for each earlier
    call."""
    build_service_area(program)
    build_training(program, rng=rng, today=now.astimezone(_local(program)).date())
    teams = build_teams(program, rng=rng, now=now)
    return build_calls(program, rng=rng, now=now, teams=teams)
