"""Audit events of dispatch. Each function writes exactly one entry."""

from __future__ import annotations

from coresponder.core.audit import Actor, record

TEAM_DISPATCHED = "dispatch.team_dispatched"
STATUS_MOVED = "dispatch.status_moved"
STATUS_UNDONE = "dispatch.status_undone"
TEAM_CREATED = "dispatch.team_created"
SHIFT_ADDED = "dispatch.shift_added"


def team_dispatched(*, team, call, actor: Actor, request=None) -> None:
    record(
        TEAM_DISPATCHED,
        actor=actor,
        object_type="call",
        object_id=call.pk,
        detail={"team": team.name, "reference": call.reference},
        request=request,
    )


def status_moved(*, team, event, actor: Actor, request=None) -> None:
    record(
        STATUS_MOVED,
        actor=actor,
        object_type="team",
        object_id=team.pk,
        detail={
            "from": event.from_status,
            "to": event.to_status,
            "call": str(event.call_id or ""),
        },
        request=request,
    )


def status_undone(*, team, undone, undo, actor: Actor, request=None) -> None:
    record(
        STATUS_UNDONE,
        actor=actor,
        object_type="team",
        object_id=team.pk,
        detail={
            "undone": {"from": undone.from_status, "to": undone.to_status},
            "made_at": undone.occurred_at.isoformat(),
            "back_to": undo.to_status,
            "call": str(undo.call_id or ""),
        },
        request=request,
    )


def team_created(*, team, actor: Actor) -> None:
    record(
        TEAM_CREATED,
        actor=actor,
        object_type="team",
        object_id=team.pk,
        detail={"name": team.name, "members": team.members.count()},
    )


def shift_added(*, shift, actor: Actor) -> None:
    record(
        SHIFT_ADDED,
        actor=actor,
        object_type="team",
        object_id=shift.team_id,
        detail={"starts_at": shift.starts_at.isoformat(), "ends_at": shift.ends_at.isoformat()},
    )
