"""Teams and dispatch through the API: the same actions as the board, the same refusals."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from coresponder.calls.access import DESK, RESPONDERS, access_call_by_id
from coresponder.core.access import signed_in_user
from coresponder.core.exceptions import NotFound, PermissionDenied
from coresponder.core.schemas import one_of

from . import actions
from .models import Team
from .status import Status as TeamStatus
from .teams import board_teams

router = Router(tags=["dispatch"])


class TeamOut(Schema):
    id: int
    name: str
    status: str
    status_since: datetime | None
    on_shift: bool
    call_id: UUID | None
    latitude: float
    longitude: float
    languages: list[str]
    specialities: list[str]


@router.get("/teams", response=list[TeamOut], summary="Every team of the program and its status")
def list_teams(request: HttpRequest):
    user = signed_in_user(request)
    if not user.has_role(*DESK, *RESPONDERS):
        raise PermissionDenied("Only the program's dispatchers and responders see the teams.")
    return [
        {
            "id": team.pk,
            "name": team.name,
            "status": team.status,
            "status_since": team.status_since,
            "on_shift": team.on_shift,
            "call_id": team.call_id,
            "latitude": team.position[0],
            "longitude": team.position[1],
            "languages": team.languages,
            "specialities": team.specialities,
        }
        for team in board_teams(user.agency.program, timezone.now())
    ]


def _team(user, team_id: int) -> Team:
    team = Team.objects.filter(pk=team_id, program_id=user.agency.program_id).first()
    if team is None:
        raise NotFound("No such team.")
    return team


class DispatchIn(Schema):
    team_id: int


class StatusEventOut(Schema):
    team_id: int
    call_id: UUID | None
    from_status: str
    to_status: str
    occurred_at: datetime


def _event_out(event) -> dict:
    return {
        "team_id": event.team_id,
        "call_id": event.call_id,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "occurred_at": event.occurred_at,
    }


@router.post(
    "/calls/{call_id}/dispatch",
    response={201: StatusEventOut},
    summary="Send a team to a call; 409 with the reason if it is no longer free",
)
def dispatch(request: HttpRequest, call_id: UUID, payload: DispatchIn):
    user = signed_in_user(request)
    call = access_call_by_id(user, call_id)
    event = actions.dispatch_team(
        call, _team(user, payload.team_id), acting_user=user, request=request
    )
    return Status(201, _event_out(event))


class TeamStatusMoveIn(Schema):
    status: one_of(TeamStatus)
    note: str = Field("", max_length=300)


@router.post(
    "/teams/{team_id}/status",
    response={201: StatusEventOut},
    summary="Move a team's status; 409 with the reason for an illegal move",
)
def move(request: HttpRequest, team_id: int, payload: TeamStatusMoveIn):
    user = signed_in_user(request)
    event = actions.move_status(
        _team(user, team_id), payload.status, acting_user=user, note=payload.note, request=request
    )
    return Status(201, _event_out(event))
