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
from coresponder.dispatch import actions, board_map
from coresponder.dispatch.models import ServiceArea, Team
from coresponder.dispatch.status import MOVES, WORDS, Status
from coresponder.dispatch.teams import board_teams, team_of, undoable_move
from coresponder.encounters.access import records_to_finish


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
    wanted = request.POST.get("status", "")
    if _clears_the_call(team, wanted) and request.POST.get("confirm") != "yes":
        # One tap beside "en route" once cleared a call: the page's own button says yes.
        messages.error(
            request,
            _("Clearing the call asks to be confirmed: open “Clear the call” and press “Yes”."),
        )
        return _back_to(request)
    try:
        actions.move_status(
            team,
            wanted,
            acting_user=request.user,
            note=request.POST.get("note", ""),
            request=request,
        )
    except DomainError as error:
        messages.error(request, error.message)
    return _back_to(request)


@require_role(*DESK, *RESPONDERS)
@require_POST
def undo(request: HttpRequest, team_id) -> HttpResponse:
    """Takes back the team's latest move, within 30 seconds of it."""
    team = Team.objects.filter(pk=team_id, program=request.user.agency.program).first()
    if team is None:
        raise Http404
    try:
        event = actions.undo_status_move(
            team,
            request.POST.get("event", ""),
            acting_user=request.user,
            now=timezone.now(),
            request=request,
        )
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Taken back: %(team)s is %(status)s again.")
            % {"team": team.name, "status": WORDS[Status(event.to_status)]},
        )
    return _back_to(request)


def _clears_the_call(team: Team, wanted: str) -> bool:
    return wanted == Status.AVAILABLE and team.call_id is not None


def _back_to(request) -> HttpResponse:
    back = request.POST.get("next", "")
    return redirect(back if back in ("/dispatch/", "/dispatch/field/") else "dispatch:board")


def _field_stamp(team, undo) -> str:
    """Changes with the team, its call, and when its undo comes or goes (the poll then
    shows the page again, so an undo out of time is no longer offered)."""
    if team is None:
        return "none"
    revision = Call.objects.filter(pk=team.call_id).values_list("revision", flat=True).first()
    return f"{team.pk}-{team.revision}-{revision or 0}-{undo.pk if undo else 0}"


def _field_context(request, team) -> dict:
    call_view = None
    if team is not None and team.call_id:
        call = Call.objects.get(pk=team.call_id)
        views = view_calls(request.user, [call], channel="page:field")
        call_view = views[0] if views else None
    moves, clears = [], False
    if team is not None:
        # The next step first. Clearing the call is no button among them: it stands apart
        # and asks once (`move`), so a thumb reaching for "on scene" cannot clear.
        order = [
            Status.EN_ROUTE,
            Status.ON_SCENE,
            Status.OFFICER_CLEARED,
            Status.TRANSPORTING,
            Status.AVAILABLE,
            Status.OUT_OF_SERVICE,
        ]
        for status in order:
            if status in MOVES[Status(team.status)]:
                if _clears_the_call(team, status):
                    clears = True
                else:
                    moves.append((status.value, WORDS[status]))
    undo = undoable_move(team, user=request.user, now=timezone.now())
    return {
        "team": team,
        "call": call_view,
        "moves": moves,
        "clears": clears,
        "undo": undo,
        "stamp": _field_stamp(team, undo),
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
    undo = undoable_move(team, user=request.user, now=timezone.now())
    if request.GET.get("stamp") == _field_stamp(team, undo):
        return HttpResponse(status=204)
    return TemplateResponse(request, "dispatch/_field.html", _field_context(request, team))
