"""Which teams could go to a call, and their ranking for it, read from the database.

The ranking itself is the pure `recommendation.rank`; this module gathers its facts: the
teams on duty now (or about to be), where they are, their members' qualifications as of
the program's today, their languages and specialities. It reads in a fixed number of
queries however many teams are on duty.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from coresponder.accounts.training import qualifications_for, today_in
from coresponder.calls.models import Call
from coresponder.calls.triage import Concern, Response

from .models import MemberRole, Shift, Team, TeamMember
from .recommendation import CallNeeds, Place, Ranked, TeamFacts, rank
from .status import Status

SOON = timedelta(minutes=30)  # a shift starting within this counts as about to be on duty
# A team transporting or with its officer cleared is free again in about this long.
FREE_AGAIN_IN = {Status.OFFICER_CLEARED: 15.0, Status.TRANSPORTING: 20.0}

SPECIALITY_FOR_CONCERN = {
    Concern.YOUTH_IN_CRISIS: "youth",
    Concern.VETERAN_SUPPORT: "veterans",
    Concern.SUBSTANCE_USE: "substance_use",
}


def on_duty(program, at: datetime):
    """Active teams with a shift now or starting within `SOON`, members prefetched."""
    shifts = Shift.objects.filter(team=OuterRef("pk"), starts_at__lte=at + SOON, ends_at__gt=at)
    return (
        Team.objects.filter(program=program, is_active=True)
        .filter(Exists(shifts))
        .prefetch_related(
            Prefetch("members", queryset=TeamMember.objects.select_related("user")),
            Prefetch(
                "shifts",
                queryset=Shift.objects.filter(ends_at__gt=at, starts_at__lte=at + SOON),
                to_attr="current_shifts",
            ),
        )
    )


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


def facts_of(teams: list[Team], at: datetime, today) -> list[TeamFacts]:
    user_ids = {member.user_id for team in teams for member in team.members.all()}
    held = qualifications_for(user_ids, today=today)
    facts = []
    for team in teams:
        status = Status(team.status)
        if status == Status.AVAILABLE:
            free_in = 0.0
        elif status in FREE_AGAIN_IN:
            free_in = FREE_AGAIN_IN[status]
        else:
            continue
        starts = min((shift.starts_at for shift in team.current_shifts), default=at)
        if starts > at:
            free_in = max(free_in, (starts - at).total_seconds() / 60)
        by_role = {member.role: member for member in team.members.all()}
        officer, clinician = by_role.get(MemberRole.OFFICER), by_role.get(MemberRole.CLINICIAN)
        latitude, longitude = team.position
        facts.append(
            TeamFacts(
                team_id=team.pk,
                name=team.name,
                position=Place(latitude, longitude),
                available_in_minutes=round(free_in, 1),
                officer_cit_expires=held[officer.user_id].cit_expires if officer else None,
                clinician_licensed=bool(clinician and held[clinician.user_id].licensed(today)),
                languages=frozenset(team.languages),
                specialities=frozenset(team.specialities),
                has_emt=MemberRole.EMT in by_role,
            )
        )
    return facts


def recommend(call: Call, *, at: datetime | None = None, limit: int | None = 5) -> list[Ranked]:
    """The teams that could go to `call`, best first, each with its reasons."""
    at = at or timezone.now()
    if not call.has_place:
        return []
    teams = list(on_duty(call.program, at))
    ranked = rank(
        facts_of(teams, at, today_in(call.program)), needs_of(call), today=today_in(call.program)
    )
    return ranked[:limit] if limit else ranked


def board_teams(program, at: datetime):
    """Every active team, with whether it is on shift now, for the board."""
    on_shift = Shift.objects.filter(team=OuterRef("pk"), starts_at__lte=at, ends_at__gt=at)
    return (
        Team.objects.filter(program=program, is_active=True)
        .annotate(on_shift=Exists(on_shift))
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
