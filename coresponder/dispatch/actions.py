"""Writes of dispatch: sending a team, moving its status, setting up teams and shifts.

Sending a team is safe under concurrency: the team's row is locked (PostgreSQL) or the
transaction holds the database's write lock from its start (SQLite, IMMEDIATE mode), and
the team's status is checked again under that lock; two dispatchers sending one team to
two calls at once cannot both succeed, and the one who loses is told why.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coresponder.accounts.models import Role
from coresponder.calls import actions as call_actions
from coresponder.calls.access import DESK
from coresponder.calls.models import OPEN_STATES, Call
from coresponder.core.audit import Actor
from coresponder.core.exceptions import (
    Conflict,
    DomainError,
    Invalid,
    NotFound,
    PermissionDenied,
)
from coresponder.privacy import actions as privacy_actions
from coresponder.privacy.models import AccessRelation

from . import events
from .models import MemberRole, Shift, StatusEvent, Team, TeamMember
from .notify import notify_soon
from .status import ON_A_CALL, WORDS, IllegalMove, Status, check_move, check_undo

TEAM_ADMINS = (Role.SUPERVISOR, Role.ADMINISTRATOR)


def _same_program(user, *objects) -> None:
    for obj in objects:
        if obj.program_id != user.agency.program_id:
            raise PermissionDenied(_("That is not in your program."))


def _is_member(user, team: Team) -> bool:
    return TeamMember.objects.filter(team=team, user=user).exists()


def _busy_reason(team: Team) -> str:
    if team.status in ON_A_CALL and team.call_id:
        reference = Call.objects.filter(pk=team.call_id).values_list("reference", flat=True)[0]
        return _("%(team)s is already %(status)s on call %(call)s.") % {
            "team": team.name,
            "status": WORDS[Status(team.status)],
            "call": reference,
        }
    return _("%(team)s is %(status)s.") % {
        "team": team.name,
        "status": WORDS[Status(team.status)],
    }


def dispatch_team(call: Call, team: Team, *, acting_user, request=None) -> StatusEvent:
    """Sends `team` to `call`. Refused with the reason if the team is no longer free."""
    if not acting_user.has_role(*DESK):
        raise PermissionDenied(_("Only dispatchers and supervisors send teams."))
    _same_program(acting_user, call, team)
    now = timezone.now()
    with transaction.atomic():
        # Lock the team row alone: a joined row read under the lock can be stale.
        locked = Team.objects.select_for_update().get(pk=team.pk)
        if not locked.is_active:
            raise Conflict(_("%(team)s is not in use.") % {"team": locked.name})
        if locked.status != Status.AVAILABLE:
            raise Conflict(_busy_reason(locked))
        # Calls own the call's state: it locks the row, checks and moves it.
        live_call = call_actions.send_team_to(call)
        event = _move(locked, Status.DISPATCHED, call=live_call, by=acting_user, at=now)
        members = list(locked.members.select_related("user"))
        if live_call.person_id:
            for member in members:
                _relate_on_call(live_call, member.user, acting_user)
        events.team_dispatched(
            team=locked, call=live_call, actor=Actor.of_user(acting_user), request=request
        )
        transaction.on_commit(lambda: notify_soon(locked, live_call, members))
    return event


def _relate_on_call(call: Call, user, acting_user) -> None:
    """The responders sent to a person may read what the policy gives those on a call."""
    already = (
        AccessRelation.objects.in_force()
        .filter(person_id=call.person_id, user=user, kind=AccessRelation.Kind.ON_CALL)
        .exists()
    )
    if not already:
        privacy_actions.grant_relation(
            call.person,
            kind=AccessRelation.Kind.ON_CALL,
            user=user,
            source=f"call {call.reference}",
            acting_user=acting_user,
        )


def _move(team: Team, wanted: Status, *, call: Call | None, by, at: datetime, note: str = ""):
    """Moves a locked team's status and leaves the event; the caller holds the lock."""
    current = Status(team.status)
    try:
        check_move(current, wanted, has_call=call is not None)
    except IllegalMove as error:
        raise Conflict(str(error)) from None
    event = StatusEvent.objects.create(
        team=team,
        call=call,
        from_status=current,
        to_status=wanted,
        occurred_at=at,
        by=by,
        note=note,
    )
    team.status, team.status_since = wanted, at
    team.call = call if wanted in ON_A_CALL else None
    if wanted == Status.ON_SCENE and call is not None and call.has_place:
        team.latitude, team.longitude = call.latitude, call.longitude
    team.revision += 1
    team.save(
        update_fields=[
            "status",
            "status_since",
            "call",
            "latitude",
            "longitude",
            "revision",
            "updated_at",
        ]
    )
    return event


def move_status(team: Team, wanted: str, *, acting_user, note: str = "", request=None):
    """A status change by a dispatcher or by the team itself; illegal moves say why."""
    try:
        wanted = Status(wanted)
    except ValueError:
        raise DomainError(_("Unknown status %(value)r.") % {"value": wanted}) from None
    _same_program(acting_user, team)
    if not (acting_user.has_role(*DESK) or _is_member(acting_user, team)):
        raise PermissionDenied(_("Only dispatchers and the team's members change its status."))
    if wanted == Status.DISPATCHED:
        raise DomainError(_("Send a team from a call's recommendation."))
    if wanted == Status.OFFICER_CLEARED and not (
        acting_user.has_role(*DESK)
        or TeamMember.objects.filter(team=team, user=acting_user, role=MemberRole.OFFICER).exists()
    ):
        raise PermissionDenied(_("The officer, or a dispatcher, clears the officer."))
    now = timezone.now()
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=team.pk)
        call = Call.objects.select_for_update().get(pk=locked.call_id) if locked.call_id else None
        event = _move(locked, wanted, call=call, by=acting_user, at=now, note=note.strip()[:300])
        if call is not None:
            last = wanted == Status.AVAILABLE and not Team.objects.filter(call=call).exists()
            call = call_actions.note_team_moved(call, last_cleared_at=now if last else None)
        events.status_moved(
            team=locked, event=event, actor=Actor.of_user(acting_user), request=request
        )
    return event


def undo_status_move(
    team: Team, event_id, *, acting_user, now: datetime, request=None
) -> StatusEvent:
    """Takes back a move pressed by mistake, within 30 seconds of it (`status.check_undo`,
    judged at `now`): the team returns to the status it left, on the same call, and a call
    its clearing closed opens again. Only who made the move, or the desk, takes it back;
    the move back is an event of its own, naming the one it undoes."""
    _same_program(acting_user, team)
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=team.pk)
        event = StatusEvent.every_move.filter(team=locked, pk=event_id).first()
        if event is None:
            raise NotFound(_("No such move of this team."))
        if not (acting_user.has_role(*DESK) or event.by_id == acting_user.pk):
            raise PermissionDenied(_("Only who made a move, or the desk, takes it back."))
        latest = StatusEvent.every_move.filter(team=locked).order_by("-occurred_at", "-id")[0]
        try:
            check_undo(
                Status(event.from_status),
                Status(event.to_status),
                current=Status(locked.status),
                made_at=event.occurred_at,
                now=now,
                latest=latest.pk == event.pk,
                is_undo=event.undoes_id is not None,
            )
        except IllegalMove as error:
            raise Conflict(str(error)) from None
        back = Status(event.from_status)
        call = Call.objects.select_for_update().get(pk=event.call_id) if event.call_id else None
        if back in ON_A_CALL and call is not None and call.state not in OPEN_STATES:
            # Refused unless this move's clearing closed the call.
            call = call_actions.reopen_cleared(call, cleared_at=event.occurred_at)
        elif call is not None:
            call = call_actions.note_team_moved(call)
        before = (
            StatusEvent.objects.filter(team=locked)
            .exclude(pk=event.pk)
            .order_by("-occurred_at", "-id")
            .values_list("occurred_at", flat=True)
            .first()
        )
        undo = StatusEvent.every_move.create(
            team=locked,
            call=call,
            from_status=locked.status,
            to_status=back,
            occurred_at=now,
            by=acting_user,
            undoes=event,
        )
        locked.status, locked.status_since = back, before or now
        locked.call = call if back in ON_A_CALL else None
        locked.revision += 1
        locked.save(update_fields=["status", "status_since", "call", "revision", "updated_at"])
        events.status_undone(
            team=locked, undone=event, undo=undo, actor=Actor.of_user(acting_user), request=request
        )
    return undo


def create_team(
    program,
    *,
    name: str,
    agency,
    base_latitude: float,
    base_longitude: float,
    home_base: str = "",
    service_area=None,
    languages=(),
    specialities=(),
    members: list[tuple] = (),
    acting_user,
) -> Team:
    """A team with its members: [(user, role, phone)], one officer and one clinician at most."""
    if acting_user is not None and not acting_user.has_role(*TEAM_ADMINS):
        raise PermissionDenied(_("Only supervisors and administrators set up teams."))
    if agency.program_id != program.pk:
        raise DomainError(_("The team's agency must be in the program."))
    with transaction.atomic():
        team = Team.objects.create(
            program=program,
            name=name.strip(),
            agency=agency,
            home_base=home_base,
            base_latitude=base_latitude,
            base_longitude=base_longitude,
            service_area=service_area,
            languages=sorted({lang.strip().lower() for lang in languages if lang.strip()}),
            specialities=sorted(set(specialities)),
        )
        for user, role, *rest in members:
            if user.agency.program_id != program.pk:
                raise DomainError(_("Team members must be in the program."))
            TeamMember.objects.create(
                team=team, user=user, role=role, phone=rest[0] if rest else ""
            )
        events.team_created(
            team=team,
            actor=Actor.of_user(acting_user) if acting_user else Actor.system(),
        )
    return team


def add_shift(team: Team, *, starts_at: datetime, ends_at: datetime, acting_user) -> Shift:
    if acting_user is not None and not acting_user.has_role(*TEAM_ADMINS):
        raise PermissionDenied(_("Only supervisors and administrators plan shifts."))
    if problems := Shift(team=team, starts_at=starts_at, ends_at=ends_at).time_problems(
        timezone.now()
    ):
        raise Invalid(_("The shift cannot be planned then."), fields=problems)
    if ends_at <= starts_at:
        raise DomainError(_("A shift ends after it starts."), fields={"ends_at": [_("Too early.")]})
    with transaction.atomic():
        # The team's row is the lock two planners adding shifts at once queue on, so the
        # overlap seen is the one committed.
        Team.objects.select_for_update().filter(pk=team.pk).first()
        overlapping = Shift.objects.filter(team=team, starts_at__lt=ends_at, ends_at__gt=starts_at)
        if overlapping.exists():
            raise Conflict(_("%(team)s already has a shift then.") % {"team": team.name})
        shift = Shift.objects.create(team=team, starts_at=starts_at, ends_at=ends_at)
        events.shift_added(
            shift=shift,
            actor=Actor.of_user(acting_user) if acting_user else Actor.system(),
        )
    return shift
