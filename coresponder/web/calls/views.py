"""Call pages: intake, the call as its reader may see it, notes, overrides, closing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coresponder.accounts.models import Role
from coresponder.calls import actions, triage
from coresponder.calls.access import (
    CALL_READERS,
    DESK,
    RESPONDERS,
    access_call_by_id,
    triage_words,
    view_calls,
)
from coresponder.calls.forms import (
    CallSearchForm,
    CorrectionForm,
    IntakeForm,
    NoteForm,
    OverrideForm,
)
from coresponder.calls.models import CORRECTABLE, Call, CallNote, CallState
from coresponder.calls.search import search_calls
from coresponder.cases.flags import repeat_crises
from coresponder.core.access import require_role
from coresponder.core.exceptions import DomainError, NotFound, PermissionDenied
from coresponder.dispatch.models import StatusEvent, Team
from coresponder.dispatch.teams import recommend
from coresponder.encounters.access import plan_summaries_for, plans_for
from coresponder.encounters.models import Encounter
from coresponder.people import actions as people_actions
from coresponder.people.access import search_for, view_persons
from coresponder.people.matching import PersonQuery
from coresponder.people.models import Person


def _call_in(data: dict, person_id) -> actions.CallIn:
    return actions.CallIn(
        source=data["source"],
        concerns=data["concerns"],
        screening=data["screening"],
        address=data["address"],
        latitude=data["latitude"],
        longitude=data["longitude"],
        caller_name=data["caller_name"],
        caller_phone=data["caller_phone"],
        caller_relation=data["caller_relation"],
        person_id=person_id,
        language=data["language"],
        summary=data["summary"],
        response=data["override_response"],
        priority=data["override_priority"],
        override_reason=data["override_reason"],
    )


def _form_errors(form, error: DomainError) -> None:
    for name, problems in error.fields.items():
        target = {
            "response": "override_response",
            "priority": "override_priority",
            "person_id": "person",
        }.get(name, name)
        for problem in problems:
            form.add_error(target if target in form.fields else None, problem)
    if not error.fields:
        form.add_error(None, error.message)


@require_role(*actions.CALL_TAKERS)
def intake(request: HttpRequest) -> HttpResponse:
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # a person registered only with the call
                call = _take(request, data)
        except DomainError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Call %(call)s recorded.") % {"call": call.reference})
            return redirect("calls:detail", call_id=call.pk)
    if form.errors:
        form.focus_first_error()
    return TemplateResponse(
        request,
        "calls/intake.html",
        {"form": form, "decision": _preview(request)},
        status=400 if form.errors else 200,
    )


def _take(request, data) -> Call:
    person_id = data["person"] or None
    if data["register_new"]:
        person = people_actions.register_person(
            people_actions.PersonIn(
                names=[people_actions.NameIn(given=data["given"], family=data["family"])],
                date_of_birth=data["date_of_birth"],
            ),
            acting_user=request.user,
            request=request,
        )
        person_id = person.pk
    return actions.take_call(_call_in(data, person_id), acting_user=request.user, request=request)


def _preview(request) -> triage.Decision | None:
    source = request.POST.get("source") or triage.Source.EMERGENCY_911
    concerns, screening = request.POST.getlist("concerns"), request.POST.getlist("screening")
    try:
        return actions.preview(
            request.user.agency.program, source=source, concerns=concerns, screening=screening
        )
    except (ValueError, triage.RuleError):
        return None


@require_role(*actions.CALL_TAKERS)
@require_POST
def triage_preview(request: HttpRequest) -> TemplateResponse:
    """The triage decision as the call-taker ticks boxes; nothing is written."""
    return TemplateResponse(request, "calls/_triage.html", {"decision": _preview(request)})


@require_role(*actions.CALL_TAKERS)
def person_candidates(request: HttpRequest) -> TemplateResponse:
    name = " ".join(
        part for part in (request.GET.get("given", ""), request.GET.get("family", "")) if part
    ).strip()
    form = IntakeForm(request.GET)
    form.is_valid()
    date_of_birth = getattr(form, "cleaned_data", {}).get("date_of_birth")
    query = PersonQuery(name=name[:200], date_of_birth=date_of_birth)
    matches = []
    if not query.is_empty and (len(name) >= 2 or date_of_birth):
        matches = search_for(request.user, query, channel="page:intake", limit=5, request=request)
    # A response plan's safety summary beside each person the reader may know it of.
    plans = (
        plan_summaries_for(
            request.user, [m.view.id for m in matches], channel="page:intake", request=request
        )
        if matches
        else {}
    )
    # And a repeat-crisis flag (a count of calls): one lookup for all the candidates.
    flags = repeat_crises(request.user.agency.program_id, [m.view.id for m in matches])
    return TemplateResponse(
        request,
        "calls/_candidates.html",
        {
            "matches": matches,
            "candidates": [
                (match, plans.get(match.view.id), flags.get(match.view.id)) for match in matches
            ],
            "searched": not query.is_empty,
            "chosen": request.GET.get("person"),
        },
    )


def _call_and_view(request, call_id, *, with_corrections=False) -> tuple[Call, object]:
    """The call, and the call as the user may see it (an audited read)."""
    try:
        call = access_call_by_id(request.user, call_id)
    except NotFound:
        raise Http404 from None
    views = view_calls(
        request.user,
        [call],
        channel="page:call",
        request=request,
        with_corrections=with_corrections,
    )
    if not views:
        raise Http404
    return call, views[0]


def _live_stamp(request, call: Call) -> str:
    """The call's revision; for the desk also the newest team change, which moves the
    recommendation (a team sent elsewhere is no longer offered)."""
    if not request.user.has_role(*DESK):
        return str(call.revision)
    changed = Team.objects.filter(program_id=call.program_id).aggregate(at=Max("updated_at"))
    return f"{call.revision}-{changed['at'].timestamp() if changed['at'] else 0}"


def _person_name(request, call_view) -> str:
    if not call_view.person_id:
        return ""
    persons = list(Person.objects.filter(pk=call_view.person_id))
    views = view_persons(request.user, persons, channel="page:call", request=request)
    return views[0].display_name if views else ""


def _live_context(request, call: Call, view) -> dict:
    is_desk = request.user.has_role(*DESK)
    teams = list(Team.objects.filter(call_id=call.pk).order_by("name"))
    return {
        "call": view,
        "notes": CallNote.objects.filter(call_id=call.pk).select_related("author"),
        "events": StatusEvent.objects.filter(call_id=call.pk).select_related("team", "by"),
        "teams_on_call": teams,
        "recommendations": recommend(call) if is_desk and view.is_open else [],
        "is_desk": is_desk,
        "stamp": _live_stamp(request, call),
    }


@require_role(*CALL_READERS)
def detail(request: HttpRequest, call_id) -> TemplateResponse:
    call, view = _call_and_view(request, call_id, with_corrections=True)
    context = _live_context(request, call, view)
    # The response plan of the call's person, as this reader may see it on this call.
    plans = (
        plans_for(request.user, call.person, call=call, channel="page:call", request=request)
        if call.person_id
        else []
    )
    context.update(
        {
            "plan": plans[0] if plans else None,
            # The on-scene record, for those whose pages it is (responders and the desk).
            "encounter_id": Encounter.objects.filter(call=call).values_list("pk", flat=True).first()
            if request.user.has_role(*RESPONDERS, *DESK)
            else None,
            "person_name": _person_name(request, view),
            "repeat_crisis": repeat_crises(call.program_id, [call.person_id]).get(call.person_id),
            "override_form": OverrideForm(
                initial={"response": view.response, "priority": view.priority}
            ),
            "correction_form": _correction_form(request.user, call, view),
            "closing_states": [
                (CallState.RESOLVED_BY_PHONE, _("Resolved by phone")),
                (CallState.CANCELLED, _("Cancel the call")),
                (CallState.CLOSED, _("Close")),
            ],
        }
    )
    return TemplateResponse(request, "calls/detail.html", context)


def _correction_form(user, call: Call, view, data=None) -> CorrectionForm | None:
    """The form to correct the call, with the fields `user` may correct, or None."""
    allowed = actions.fields_correctable_by(user, call)
    if not allowed:
        return None
    initial = {name: getattr(call, name) for name in allowed}
    return CorrectionForm(
        data,
        auto_id="correct_%s",
        allowed=allowed,
        overridden=view.is_overridden,
        initial={**initial, "keep_override": True},
    )


@require_role(*CALL_READERS)
@require_POST
def correct(request: HttpRequest, call_id) -> HttpResponse:
    """Corrects the call's intake facts; says what changed, and the triage it led to."""
    call, view = _call_and_view(request, call_id)
    form = _correction_form(request.user, call, view, request.POST)
    if form is None:
        raise Forbidden(_("You may not correct this call."))
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect("calls:detail", call_id=call.pk)
    try:
        correction = actions.correct_call(
            call,
            changes=form.changes(),
            reason=form.cleaned_data["reason"],
            keep_override=form.cleaned_data.get("keep_override", True),
            acting_user=request.user,
            request=request,
        )
    except PermissionDenied as error:
        raise Forbidden(error.message) from None
    except DomainError as error:
        problems = [p for found in error.fields.values() for p in found]
        messages.error(request, " ".join([error.message, *problems]))
        return redirect("calls:detail", call_id=call.pk)
    if correction is None:
        messages.info(request, _("Nothing changed: the call already says that."))
    else:
        changed = ", ".join(
            str(Call._meta.get_field(name).verbose_name)
            for name in CORRECTABLE
            if name in correction.changes
            or (name == "screening" and correction.screening_after is not None)
        )
        messages.success(
            request,
            _("Corrected: %(fields)s. Triage now: %(triage)s.")
            % {"fields": changed, "triage": triage_words(correction.triage_after)},
        )
    return redirect("calls:detail", call_id=call.pk)


@require_role(*CALL_READERS)
def live(request: HttpRequest, call_id) -> HttpResponse:
    """What changes on a call while people work it: notes, teams, status, recommendations.

    Polled every second; answers 204 (no swap) while the stamp it was sent is still true.
    """
    try:
        call = access_call_by_id(request.user, call_id)
    except NotFound:
        raise Http404 from None
    if request.GET.get("revision") == _live_stamp(request, call):
        return HttpResponse(status=204)
    views = view_calls(request.user, [call], channel="page:call", request=request)
    if not views:
        raise Http404
    return TemplateResponse(request, "calls/_live.html", _live_context(request, call, views[0]))


@require_role(*CALL_READERS)
@require_POST
def add_note(request: HttpRequest, call_id) -> HttpResponse:
    try:
        call = access_call_by_id(request.user, call_id)
    except NotFound:
        raise Http404 from None
    form = NoteForm(request.POST)
    try:
        if not form.is_valid():
            # Empty, or past the limit: said with its length, never cut to fit.
            typed = request.POST.get("text", "").strip()
            problem = " ".join(form.errors["text"]) if typed else _("Write the note first.")
            raise DomainError(problem)
        actions.add_note(
            call, text=form.cleaned_data["text"], acting_user=request.user, request=request
        )
    except DomainError as error:
        messages.error(request, error.message)
    next_url = request.POST.get("next", "")
    if next_url not in ("/dispatch/field/",):  # only our own pages, never an open redirect
        next_url = f"/calls/{call.pk}/"
    return redirect(next_url)


@require_role(*DESK)
@require_POST
def override(request: HttpRequest, call_id) -> HttpResponse:
    call = access_call_by_id(request.user, call_id)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("calls:detail", call_id=call.pk)
    try:
        actions.override_triage(
            call,
            response=form.cleaned_data["response"],
            priority=form.cleaned_data["priority"],
            reason=form.cleaned_data["reason"],
            acting_user=request.user,
            request=request,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Triage overridden; the reason is on the record."))
    return redirect("calls:detail", call_id=call.pk)


@require_role(*DESK)
@require_POST
def close(request: HttpRequest, call_id) -> HttpResponse:
    call = access_call_by_id(request.user, call_id)
    try:
        actions.close_call(
            call,
            state=request.POST.get("state", ""),
            reason=request.POST.get("reason", ""),
            acting_user=request.user,
            request=request,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Call %(call)s closed.") % {"call": call.reference})
    return redirect("calls:detail", call_id=call.pk)


CALLS_A_PAGE = 50


@require_role(*CALL_READERS)
def index(request: HttpRequest) -> TemplateResponse:
    """The program's calls, newest first, a page at a time; searched by number, address,
    person, concern, state and the days received. The search is in the address, so a
    page of results can be kept and sent."""
    search = CallSearchForm(request.GET)
    if not search.is_valid():
        return TemplateResponse(
            request, "calls/index.html", {"search": search, "calls": []}, status=400
        )
    wanted = dict(search.cleaned_data)
    if request.GET.get("open"):  # the address the list had before it was searched
        wanted["state"] = "active"
    calls, persons = search_calls(request.user, wanted, request=request)
    page = Paginator(calls, CALLS_A_PAGE).get_page(request.GET.get("page"))
    views = view_calls(request.user, list(page.object_list), channel="page:calls")
    return TemplateResponse(
        request,
        "calls/index.html",
        {
            "search": search,
            "calls": views,
            "page": page,
            "persons": persons,
            "searching": search.searching,
        },
    )


@require_role(*DESK, Role.ADMINISTRATOR)
def overrides(request: HttpRequest) -> TemplateResponse:
    """Every triage override with its reason, and which rules are overridden most."""
    program_calls = Call.objects.of_program(request.user.agency.program)
    overridden_calls = program_calls.exclude(override_reason="")
    latest = overridden_calls.select_related("overridden_by").order_by("-received_at")[:500]
    calls = view_calls(request.user, list(latest), channel="page:overrides")
    by_rule = list(
        overridden_calls.values_list("triage_rule")
        .annotate(n=Count("pk"))
        .order_by("-n", "triage_rule")
    )
    overridden = sum(n for _rule, n in by_rule)
    total = program_calls.count()
    return TemplateResponse(
        request,
        "calls/overrides.html",
        {
            "calls": calls,
            "by_rule": by_rule,
            "total": total,
            "overridden": overridden,
            "share": (overridden / total * 100) if total else 0,
        },
    )
