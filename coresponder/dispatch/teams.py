"""Which teams could go to a call, and their ranking for it, read from the database.

The ranking itself is the pure `recommendation.rank`; this module gathers its facts: the
teams on duty now (or about to be), where they are, their members' qualifications as of
the program's today, their languages and specialities. It reads in a fixed number of
queries however many teams are on duty.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from coresponder.accounts.models import Program, TrainingRecord
from coresponder.accounts.training import Qualification, expiry_expression, today_in
from coresponder.calls.models import Call
from coresponder.calls.triage import Concern, Response

from .models import MemberRole, Shift, StatusEvent, Team, TeamMember
from .recommendation import CallNeeds, Place, Ranked, TeamFacts, rank
from .status import IllegalMove, Status, check_undo

SOON = timedelta(minutes=30)  # a shift starting within this counts as about to be on duty
# A team transporting or with its officer cleared is free again in about this long.
FREE_AGAIN_IN = {Status.OFFICER_CLEARED: 15.0, Status.TRANSPORTING: 20.0}

SPECIALITY_FOR_CONCERN = {
    Concern.YOUTH_IN_CRISIS: "youth",
    Concern.VETERAN_SUPPORT: "veterans",
    Concern.SUBSTANCE_USE: "substance_use",
}


def on_duty(program, at: datetime):
    """Active teams with a shift now or starting within `SOON`."""
    shifts = Shift.objects.filter(team=OuterRef("pk"), starts_at__lte=at + SOON, ends_at__gt=at)
    return Team.objects.filter(program=program, is_active=True).filter(Exists(shifts))


def needs_of(call: Call) -> CallNeeds:
    response = Response(call.response)
    return CallNeeds(
        place=Place(call.latitude, call.longitude),
        language=call.language.strip().lower(),
        specialities=frozenset(
            SPECIALITY_FOR_CONCERN[c] for c in call.concerns if c in SPECIALITY_FOR_CONCERN
        ),
        needs_officer=response in (Response.CO_RESPONDER, Response.POLICE_ONLY),
        needs_clinician=response in (Response.CO_RESPONDER, Response.MOBILE_CRISIS),
        needs_emt=response == Response.EMS,
    )


def _member(role: str):
    return Subquery(TeamMember.objects.filter(team=OuterRef("pk"), role=role).values("user_id")[:1])


# The last team facts read per program, with what they were read for. A process reads
# them again when the minute, the day or anything about teams has changed.
_read: dict[int, tuple[tuple, list[TeamFacts]]] = {}


def forget() -> None:
    """Drops the rows kept; tests call it, as databases are rolled back between them."""
    _read.clear()


def _stamp(program) -> tuple:
    """The newest change to any team, member, shift or training record: indexed lookups.

    A deletion is not a change here; it shows within the minute, when the rows are read
    again anyway.
    """

    def newest(model):
        return Subquery(model.objects.order_by("-updated_at").values("updated_at")[:1])

    return tuple(
        Program.objects.filter(pk=program.pk)
        .annotate(
            teams_at=newest(Team),
            members_at=newest(TeamMember),
            shifts_at=newest(Shift),
            records_at=newest(TrainingRecord),
        )
        .values_list("teams_at", "members_at", "shifts_at", "records_at")
        .get()
    )


def _read_rows(program, at: datetime, today) -> list[tuple]:
    shifts = Shift.objects.filter(team=OuterRef("pk"), starts_at__lte=at + SOON, ends_at__gt=at)
    return list(
        Team.objects.filter(
            program=program,
            is_active=True,
            status__in=[Status.AVAILABLE, *FREE_AGAIN_IN],
        )
        .annotate(
            starts=Subquery(shifts.order_by("starts_at").values("starts_at")[:1]),
            officer_id=_member(MemberRole.OFFICER),
            clinician_id=_member(MemberRole.CLINICIAN),
            has_emt=Exists(TeamMember.objects.filter(team=OuterRef("pk"), role=MemberRole.EMT)),
        )
        .filter(starts__isnull=False)
        .annotate(
            cit_expires=expiry_expression(Qualification.CIT, OuterRef("officer_id"), today),
            licence_expires=expiry_expression(
                Qualification.CLINICAL_LICENCE, OuterRef("clinician_id"), today
            ),
        )
        .values_list(
            "pk",
            "name",
            "status",
            "latitude",
            "longitude",
            "base_latitude",
            "base_longitude",
            "languages",
            "specialities",
            "starts",
            "cit_expires",
            "licence_expires",
            "has_emt",
        )
    )


def candidates(program, at: datetime, today) -> list[TeamFacts]:
    """The facts of every team that could take a call now or soon.

    Read as plain values, not model instances, with the members' qualifications worked
    out by the database (with hundreds of teams on duty, building instances costs many
    times what the query does), and kept for the minute unless a team, member, shift or
    training record changes meanwhile: one small query then. Within the minute, "free in
    N minutes" counts from the minute's start.
    """
    minute = at.replace(second=0, microsecond=0)
    key = (minute, today, _stamp(program))
    kept = _read.get(program.pk)
    if kept is not None and kept[0] == key:
        return kept[1]
    facts = _facts(_read_rows(program, minute, today), minute, today)
    _read[program.pk] = (key, facts)
    return facts


def _facts(rows: list[tuple], at: datetime, today) -> list[TeamFacts]:
    facts = []
    for row in rows:
        (pk, name, status, lat, lon, base_lat, base_lon, languages, specialities) = row[:9]
        starts, cit_expires, licence_expires, has_emt = row[9:]
        free_in = FREE_AGAIN_IN.get(status, 0.0)
        if starts > at:
            free_in = max(free_in, (starts - at).total_seconds() / 60)
        here = (lat, lon) if lat is not None and lon is not None else (base_lat, base_lon)
        facts.append(
            TeamFacts(
                team_id=pk,
                name=name,
                position=Place(*here),
                available_in_minutes=round(free_in, 1),
                officer_cit_expires=cit_expires,
                clinician_licensed=licence_expires is not None and licence_expires >= today,
                languages=frozenset(languages),
                specialities=frozenset(specialities),
                has_emt=has_emt,
            )
        )
    return facts


def recommend(call: Call, *, at: datetime | None = None, limit: int | None = 5) -> list[Ranked]:
    """The teams that could go to `call`, best first, each with its reasons."""
    at = at or timezone.now()
    today = today_in(call.program)
    teams = candidates(call.program, at, today)
    if call.has_place:
        ranked = rank(teams, needs_of(call), today=today)
    else:
        # Without a location, fit alone ranks them; the dispatcher knows the area.
        ranked = rank(teams, needs_of(call), today=today, estimate=lambda _team, _call: 0.0)
        for entry in ranked:
            entry.arrival_minutes = None
            entry.reasons[0] = "no location on the call: arrival not estimated"
    return ranked[:limit] if limit else ranked


def board_teams(program, at: datetime):
    """Every active team, with whether it is on shift at `at` and when its next shift
    starts, for the board: a team off shift is not available, whatever its status says."""
    on_shift = Shift.objects.filter(team=OuterRef("pk"), starts_at__lte=at, ends_at__gt=at)
    later = Shift.objects.filter(team=OuterRef("pk"), starts_at__gt=at).order_by("starts_at")
    return (
        Team.objects.filter(program=program, is_active=True)
        .annotate(
            on_shift=Exists(on_shift),
            next_shift_at=Subquery(later.values("starts_at")[:1]),
        )
        .select_related("call")
        .prefetch_related(Prefetch("members", queryset=TeamMember.objects.select_related("user")))
        .order_by("-on_shift", "name")
    )


def team_of(user):
    """The team the user is a member of that is on a call or on shift now, if any."""
    now = timezone.now()
    memberships = Team.objects.filter(members__user=user, is_active=True)
    return (
        memberships.filter(
            Q(call__isnull=False) | Q(shifts__starts_at__lte=now + SOON, shifts__ends_at__gt=now)
        )
        .select_related("call")
        .distinct()
        .first()
        or memberships.first()
    )


def undoable_move(team, *, user, now: datetime) -> StatusEvent | None:
    """The team's latest move, if `user` made it and may still take it back at `now`."""
    if team is None:
        return None
    latest = StatusEvent.every_move.filter(team=team).order_by("-occurred_at", "-id").first()
    if latest is None or latest.by_id != user.pk:
        return None
    try:
        check_undo(
            Status(latest.from_status),
            Status(latest.to_status),
            current=Status(team.status),
            made_at=latest.occurred_at,
            now=now,
            latest=True,
            is_undo=latest.undoes_id is not None,
        )
    except IllegalMove:
        return None
    return latest


class Crews:
    """Dispatch's answers to what calls asks about teams (`calls/crews.py`)."""

    def calls_sent_to(self, user, call_ids) -> set:
        return set(
            StatusEvent.objects.filter(call_id__in=list(call_ids), team__members__user=user)
            .values_list("call_id", flat=True)
            .distinct()
        )

    def teams_on(self, call: Call) -> list[str]:
        return list(Team.objects.filter(call=call).values_list("name", flat=True))


crews = Crews()
