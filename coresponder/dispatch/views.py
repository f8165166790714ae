"""Dispatch pages: the live board, sending a team, status buttons, the field view."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coresponder.calls.access import DESK, RESPONDERS, access_call_by_id, view_calls
from coresponder.calls.models import Call, CallNote
from coresponder.cases.flags import repeat_crises
from coresponder.core.access import require_role
from coresponder.core.exceptions import DomainError, NotFound
from coresponder.encounters.access import records_to_finish

from . import actions, board_map
from .models import ServiceArea, Team
from .status import MOVES, WORDS, Status
from .teams import board_teams, team_of


def _stamp(program) -> str:
    """Changes whenever anything the board shows changes; two small queries."""
    calls = Call.objects.of_program(program).open().aggregate(n=Count("pk"), at=Max("updated_at"))
    teams = Team.objects.filter(program=program).aggregate(at=Max("updated_at"))
    parts = (calls["n"], calls["at"], teams["at"])
    return "-".join(str(part.timestamp() if hasattr(part, "timestamp") else part) for part in parts)


def _board_context(request) -> dict:
    program = request.user.agency.program
    now = timezone.now()
    teams = list(board_teams(program, now))
    calls = view_calls(
        request.user, list(Call.objects.of_program(program).for_board()[:200]), channel="page:board"
    )
    teams_by_call: dict = {}
    for team in teams:
        if team.call_id:
            teams_by_call.setdefault(team.call_id, []).append(team.name)
    # Persons with a repeat crisis: one lookup for every call on the board.
    flags = repeat_crises(program.pk, [call.person_id for call in calls], at=now)
    rows = [
        {
            "call": call,
            "age_minutes": int((now - call.received_at).total_seconds() // 60),
            "teams": teams_by_call.get(call.id, []),
            "repeat_crisis": flags.get(call.person_id),
        }
        for call in calls
    ]
    drawing = board_map.draw(
        ServiceArea.objects.filter(program=program).values_list("boundary", flat=True),
        [
            (
                *team.position,
                team.name,
                team.status,
                f"{team.name}: {team.status_words}",
                team.call_id,
            )
            for team in teams
            if team.on_shift or team.call_id
        ],
        [
            (
                call.latitude,
                call.longitude,
                call.reference,
                f"p{call.priority}",
                f"{call.reference}: P{call.priority} {call.response_words}",
                call.id,
            )
            for call in calls
            if call.latitude is not None
        ],
    )
    counts = dict.fromkeys(Status, 0)
    for team in teams:
        if team.on_shift or team.call_id:
            counts[Status(team.status)] += 1
    return {
        "rows": rows,
        "teams": teams,
        "map": drawing,
        "counts": [(WORDS[s], s.value, n) for s, n in counts.items()],
        "stamp": _stamp(program),
        "now": now,
    }


@require_role(*DESK)
def board(request: HttpRequest) -> TemplateResponse:
    return TemplateResponse(request, "dispatch/board.html", _board_context(request))


@require_role(*DESK)
def board_live(request: HttpRequest) -> HttpResponse:
    """Polled every second; 204 (nothing to swap) while nothing on the board has changed."""
    if request.GET.get("stamp") == _stamp(request.user.agency.program):
        return HttpResponse(status=204)
    return TemplateResponse(request, "dispatch/_board.html", _board_context(request))


@require_role(*DESK)
@require_POST
def send(request: HttpRequest, call_id, team_id) -> HttpResponse:
    """One click from a recommendation."""
    try:
        call = access_call_by_id(request.user, call_id)
    except NotFound:
        raise Http404 from None
    team = Team.objects.filter(pk=team_id, program=request.user.agency.program).first()
    if team is None:
        raise Http404
    try:
        actions.dispatch_team(call, team, acting_user=request.user, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(team)s dispatched to call %(call)s.")
            % {"team": team.name, "call": call.reference},
        )
    return redirect("calls:detail", call_id=call.pk)


@require_role(*DESK, *RESPONDERS)
@require_POST
def move(request: HttpRequest, team_id) -> HttpResponse:
    team = Team.objects.filter(pk=team_id, program=request.user.agency.program).first()
    if team is None:
        raise Http404
    try:
        actions.move_status(
            team,
            request.POST.get("status", ""),
            acting_user=request.user,
            note=request.POST.get("note", ""),
            request=request,
        )
    except DomainError as error:
        messages.error(request, error.message)
    back = request.POST.get("next", "")
    return redirect(back if back in ("/dispatch/", "/dispatch/field/") else "dispatch:board")


def _field_stamp(team) -> str:
    if team is None:
        return "none"
    revision = Call.objects.filter(pk=team.call_id).values_list("revision", flat=True).first()
    return f"{team.pk}-{team.revision}-{revision or 0}"


def _field_context(request, team) -> dict:
    call_view = None
    if team is not None and team.call_id:
        call = Call.objects.get(pk=team.call_id)
        views = view_calls(request.user, [call], channel="page:field")
        call_view = views[0] if views else None
    moves = []
    if team is not None:
        # The next step first; clearing last, so a thumb does not clear by mistake.
        order = [
            Status.EN_ROUTE,
            Status.ON_SCENE,
            Status.OFFICER_CLEARED,
            Status.TRANSPORTING,
            Status.AVAILABLE,
            Status.OUT_OF_SERVICE,
        ]
        on_call = team.call_id is not None
        for status in order:
            if status in MOVES[Status(team.status)]:
                words = WORDS[status]
                if status == Status.AVAILABLE and on_call:
                    words = _("clear the call: available")
                moves.append((status.value, words))
    return {
        "team": team,
        "call": call_view,
        "moves": moves,
        "stamp": _field_stamp(team),
        "notes": call_view
        and CallNote.objects.filter(call_id=call_view.id).select_related("author"),
    }


@require_role(*RESPONDERS, *DESK)
def field(request: HttpRequest) -> TemplateResponse:
    """What a responder's phone shows: the team's call, its safety facts, status buttons,
    and the on-scene records of earlier calls still to finish."""
    team = team_of(request.user)
    context = _field_context(request, team)
    current = team.call_id if team is not None else None
    drafts = [e for e in records_to_finish(request.user) if e.call_id != current]
    shown = {
        view.id: view
        for view in view_calls(
            request.user, [e.call for e in drafts], channel="page:field", request=request
        )
    }
    context["to_finish"] = [(e, shown[e.call_id]) for e in drafts if e.call_id in shown]
    return TemplateResponse(request, "dispatch/field.html", context)


@require_role(*RESPONDERS, *DESK)
def field_live(request: HttpRequest) -> HttpResponse:
    team = team_of(request.user)
    if request.GET.get("stamp") == _field_stamp(team):
        return HttpResponse(status=204)
    return TemplateResponse(request, "dispatch/_field.html", _field_context(request, team))
