"""Directory pages: the staff search, the public read-only search, an encounter's suggestions."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone

from coresponder.accounts.models import Program, Role
from coresponder.core.access import require_role
from coresponder.core.exceptions import NotFound
from coresponder.encounters.access import access_encounter_by_id, rights_for
from coresponder.privacy.policy import PROGRAM_STAFF

from . import directory
from .forms import DirectorySearchForm
from .matching import Place

DIRECTORY_READERS = (*PROGRAM_STAFF, Role.ADMINISTRATOR)


def _search(request: HttpRequest, program: Program) -> dict:
    form = DirectorySearchForm(request.GET or None)
    results, searched, place = [], False, None
    if form.is_valid():
        data = form.cleaned_data
        if data["latitude"] is not None:
            place = Place(data["latitude"], data["longitude"])
        elif data["near"]:
            place = directory.place_near(program, data["near"])
        open_at = None
        if data["open"] == "now":
            open_at = timezone.now()
        elif data["open"] == "at":
            open_at = data["at"].replace(tzinfo=directory.zone_of(program))
        query = directory.Search(
            text=data["text"],
            kind=data["kind"],
            place=place,
            radius_km=float(data["radius"]) if data["radius"] and place else None,
            language=data["language"],
            open_at=open_at,
        )
        results = directory.search(program, query)
        searched = True
    elif request.GET:
        searched = True  # the form shows what to correct
    else:
        results = directory.search(program, directory.Search(limit=20))
    return {
        "form": form,
        "results": results,
        "searched": searched,
        "place_unknown": searched and form.cleaned_data.get("near") and place is None,
        "program": program,
    }


@require_role(*DIRECTORY_READERS)
def directory_search(request: HttpRequest) -> TemplateResponse:
    context = _search(request, request.user.agency.program)
    template = "referrals/_results.html" if request.htmx else "referrals/directory.html"
    return TemplateResponse(request, template, {**context, "public": False})


def public_directory(request: HttpRequest, program_slug: str) -> TemplateResponse:
    """No sign-in: the program's directory, and nothing about any person."""
    program = get_object_or_404(Program, slug=program_slug)
    context = _search(request, program)
    template = "referrals/_results.html" if request.htmx else "referrals/public.html"
    return TemplateResponse(request, template, {**context, "public": True})


@require_role(*DIRECTORY_READERS)
def suggestions(request: HttpRequest, encounter_id) -> TemplateResponse:
    """Services suggested for an encounter, for those working its call."""
    try:
        encounter = access_encounter_by_id(request.user, encounter_id)
    except NotFound:
        raise Http404 from None
    if not rights_for(request.user, encounter.call).works:
        raise Http404
    needs, found = directory.suggest_for(encounter, request.user, request=request)
    call = encounter.call
    return TemplateResponse(
        request,
        "referrals/suggestions.html",
        {
            "encounter": encounter,
            "call": call,
            "needs": needs,
            "kinds": [directory.kind_words(kind) for kind in needs.kinds],
            "results": found,
            "zone": ZoneInfo(call.program.time_zone),
        },
    )
