"""The simulation's inputs, fitted from the program's own history: read-only.

Reads calls, the teams' status moves, encounters' dispositions, teams and their shifts
through their apps' models, in a fixed number of queries, and writes nothing. What it
keeps is aggregate: rates by hour of week and kind of call, encounter times by concern,
call places rounded to 0.01° (about a kilometre), never a person or a call's text.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta

from django.db.models import Max, Min, Q

from coresponder.calls.models import Call, TimePrecision
from coresponder.calls.triage import Response, Screening
from coresponder.core.geography import Place
from coresponder.dispatch.models import MemberRole, Shift, StatusEvent, Team, TeamMember
from coresponder.encounters.models import Encounter

from .model import (
    CLINICIAN,
    EMS,
    HOURS_OF_WEEK,
    OFFICER,
    POLICE_ONLY,
    WEEK,
    Arrival,
    CallKind,
    Demand,
    Inputs,
    Service,
    TeamPlan,
    Visit,
)
from .scenario import Scenario

# The calls a team answers; police-only, EMS and phone calls are not the program's to staff.
NEEDS = {
    Response.CO_RESPONDER: frozenset({OFFICER, CLINICIAN}),
    Response.MOBILE_CRISIS: frozenset({CLINICIAN}),
}
KNOWN_TO_THE_HOUR = (TimePrecision.MINUTE, TimePrecision.HOUR)


class NoHistory(ValueError):
    """The period holds nothing to fit from, with the reason."""


def _local_midnight(day: date, zone) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _hours_of_week_in(start: datetime, end: datetime, zone) -> list[int]:
    """How many times each hour of the week occurs between two local instants."""
    counts = [0] * HOURS_OF_WEEK
    moment = start
    while moment < end:
        local = moment.astimezone(zone)
        counts[local.weekday() * 24 + local.hour] += 1
        moment += timedelta(hours=1)
    return counts


def kind_of(concerns: list, priority: int, response: str, screening: list) -> CallKind:
    fallback = EMS if Screening.MEDICAL_EMERGENCY in (screening or ()) else POLICE_ONLY
    return CallKind(
        concern=concerns[0] if concerns else "",
        priority=priority,
        needs=NEEDS[Response(response)],
        fallback=fallback,
    )


def fit_demand(program, start: date, end: date, *, replay: bool, growth: float) -> Demand:
    """The eligible calls of [start, end) as rates by hour of week and kind, or a replay."""
    zone = program.zone
    since, until = _local_midnight(start, zone), _local_midnight(end, zone)
    rows = list(
        Call.objects.filter(
            program=program,
            received_at__gte=since,
            received_at__lt=until,
            received_precision__in=KNOWN_TO_THE_HOUR,
            response__in=list(NEEDS),
        )
        .order_by("received_at")
        .values_list("received_at", "concerns", "priority", "response", "screening",
                     "latitude", "longitude")
    )  # fmt: skip
    if not rows:
        raise NoHistory(
            f"No calls a team answers between {start} and {end} (known to the hour) to fit from."
        )
    kinds: dict[CallKind, int] = {}
    counts: list[Counter] = [Counter() for _ in range(HOURS_OF_WEEK)]
    places: Counter = Counter()
    arrivals = []
    origin = _local_midnight(_week_start(start), zone)
    for received, concerns, priority, response, screening, lat, lon in rows:
        kind = kinds.setdefault(kind_of(concerns, priority, response, screening), len(kinds))
        local = received.astimezone(zone)
        counts[local.weekday() * 24 + local.hour][kind] += 1
        place = None
        if lat is not None and lon is not None:
            place = Place(round(lat, 2), round(lon, 2))
            places[place] += 1
        if replay:
            arrivals.append(Arrival((received - origin).total_seconds() / 60, kind, place))
    occurrences = _hours_of_week_in(since, until, zone)
    ordered = tuple(sorted(kinds, key=kinds.get))
    rates = tuple(
        tuple(
            counts[hour][index] / occurrences[hour] if occurrences[hour] else 0.0
            for index in range(len(ordered))
        )
        for hour in range(HOURS_OF_WEEK)
    )
    return Demand(
        kinds=ordered,
        rates=() if replay else rates,
        replay=tuple(arrivals),
        places=tuple(sorted(places.items(), key=lambda item: (item[0].lat, item[0].lon))),
        growth=growth,
    )


def fit_service(program, start: date, end: date) -> Service:
    """Each team's time on a call of the period, from its standing status moves: on scene
    until it transported or came free, then transport until free; by the call's concern."""
    zone = program.zone
    since, until = _local_midnight(start, zone), _local_midnight(end, zone)
    moves = (
        StatusEvent.objects.filter(
            call__program=program, call__received_at__gte=since, call__received_at__lt=until
        )
        .values("call_id", "team_id")
        .annotate(
            on_scene=Min("occurred_at", filter=Q(to_status="on_scene")),
            transporting=Min("occurred_at", filter=Q(to_status="transporting")),
            free=Max("occurred_at", filter=Q(to_status="available")),
        )
        .filter(on_scene__isnull=False, free__isnull=False)
        .values_list("call_id", "on_scene", "transporting", "free", "call__concerns")
    )
    dispositions = dict(
        Encounter.objects.filter(
            program=program, call__received_at__gte=since, call__received_at__lt=until
        ).values_list("call_id", "disposition")
    )
    visits: dict[str, list[Visit]] = defaultdict(list)
    for call_id, on_scene, transporting, free, concerns in moves:
        if free <= on_scene:
            continue
        left = transporting if transporting and on_scene <= transporting <= free else free
        visits[concerns[0] if concerns else ""].append(
            Visit(
                on_scene=(left - on_scene).total_seconds() / 60,
                after=(free - left).total_seconds() / 60,
                disposition=dispositions.get(call_id, ""),
            )
        )
    if not visits:
        raise NoHistory(f"No team went on scene and came free between {start} and {end}.")
    return Service(visits={concern: tuple(found) for concern, found in sorted(visits.items())})


def program_teams(program, week: date) -> tuple[TeamPlan, ...]:
    """The program's active teams, crews from their members' roles, on the shifts they had
    in the week starting on the Monday of `week` (the rota repeats weekly)."""
    zone = program.zone
    monday = _local_midnight(_week_start(week), zone)
    sunday_night = monday + timedelta(days=7)
    teams = list(
        Team.objects.filter(program=program, is_active=True).values_list(
            "pk", "name", "base_latitude", "base_longitude", "agency__name"
        )
    )
    crews: dict[int, set] = defaultdict(set)
    for team_id, role in TeamMember.objects.filter(team__program=program).values_list(
        "team_id", "role"
    ):
        crews[team_id].add({MemberRole.OFFICER: OFFICER, MemberRole.CLINICIAN: CLINICIAN}.get(
            role, "emt"))  # fmt: skip
    windows: dict[int, list] = defaultdict(list)
    for team_id, starts, ends in Shift.objects.filter(
        team__program=program, starts_at__lt=sunday_night, ends_at__gt=monday
    ).values_list("team_id", "starts_at", "ends_at"):
        begin = max(starts, monday)
        minutes = (begin - monday).total_seconds() // 60
        length = (min(ends, sunday_night) - begin).total_seconds() // 60
        if length > 0:
            windows[team_id].append((int(minutes) % WEEK, int(minutes) % WEEK + int(length)))
    plans = []
    for team_id, name, lat, lon, agency in teams:
        if not windows[team_id] or not crews[team_id]:
            continue  # off the rota that week, or nobody on it
        plans.append(
            TeamPlan(
                name=name,
                crew=frozenset(crews[team_id]),
                shifts=tuple(sorted(windows[team_id])),
                base=Place(lat, lon),
                region=agency,
            )
        )
    return tuple(plans)


def inputs_for(program, scenario: Scenario) -> Inputs:
    """The scenario's inputs on the program's history."""
    demand = fit_demand(
        program,
        scenario.history_start,
        scenario.history_end,
        replay=scenario.replay,
        growth=scenario.growth,
    )
    service = fit_service(program, scenario.history_start, scenario.history_end)
    teams: tuple[TeamPlan, ...] = ()
    if scenario.program_rota:
        week = scenario.rota_week or scenario.history_end - timedelta(days=7)
        teams = program_teams(program, week)
    teams += scenario.teams
    if not teams:
        raise NoHistory("The program's rota has no team on shift that week, and none is added.")
    days = (scenario.history_end - scenario.history_start).days
    if scenario.replay:
        start = _week_start(scenario.history_start)
        horizon = (scenario.history_end - start).days * 1440
        warmup = (scenario.history_start - start).days * 1440
    else:
        # Rates repeat weekly: whole weeks, as many as the period has (at least one).
        horizon, warmup = max(1, days // 7) * WEEK, 0
    return Inputs(
        demand=demand,
        service=service,
        teams=teams,
        rules=scenario.rules,
        horizon=float(horizon),
        warmup=float(warmup),
    )
