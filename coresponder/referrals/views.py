"""Directory pages: the staff search, the public read-only search, an encounter's suggestions."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coresponder.accounts.models import Program, Role
from coresponder.core.access import require_role
from coresponder.core.exceptions import DomainError, NotFound
from coresponder.core.languages import language_name
from coresponder.encounters.access import access_encounter_by_id, rights_for
from coresponder.privacy.classification import DataClass
from coresponder.privacy.policy import PROGRAM_STAFF

from . import actions, directory
from .access import consent_to_send, may_send_referrals, partner_agencies
from .forms import DirectorySearchForm
from .matching import Place, Suggestion
from .models import Service

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
            open_at = data["at"]
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
    # No reader's clock here: times typed and shown are the program's.
    with timezone.override(program.zone):
        context = _search(request, program)
        template = "referrals/_results.html" if request.htmx else "referrals/public.html"
        return TemplateResponse(request, template, {**context, "public": True}).render()


@dataclass
class Offer:
    """A suggestion, and what the user may do with it on the suggestions page."""

    suggestion: Suggestion
    may_refer: bool  # the user sends referrals, and the call names a person
    agency: object = None  # the partner agency answering for the service, if linked
    consented: bool = False  # a consent in force shares care coordination with it


def _offers(encounter, user, rights, found: list[Suggestion]) -> list[Offer]:
    person_id = encounter.call.person_id
    if person_id is None or not may_send_referrals(user, rights):
        return [Offer(suggestion, may_refer=False) for suggestion in found]
    agencies = partner_agencies(s.candidate.service_id for s in found)
    consented = {
        agency.pk: bool(consent_to_send(agency, person_id))
        for agency in {agency.pk: agency for agency in agencies.values()}.values()
    }
    offers = []
    for suggestion in found:
        agency = agencies.get(suggestion.candidate.service_id)
        offers.append(
            Offer(
                suggestion,
                may_refer=True,
                agency=agency,
                consented=agency is not None and consented[agency.pk],
            )
        )
    return offers


def _working_encounter(user, encounter_id):
    """The encounter, for those working its call; 404 for anyone else."""
    try:
        encounter = access_encounter_by_id(user, encounter_id)
    except NotFound:
        raise Http404 from None
    rights = rights_for(user, encounter.call)
    if not rights.works:
        raise Http404
    return encounter, rights


@require_role(*DIRECTORY_READERS)
def suggestions(request: HttpRequest, encounter_id) -> TemplateResponse:
    """Services suggested for an encounter, for those working its call, each with a form
    to refer the person to it or to record that information was given."""
    encounter, rights = _working_encounter(request.user, encounter_id)
    needs, found = directory.suggest_for(encounter, request.user, request=request)
    call = encounter.call
    # The services wanted (a psychiatric bed, detox) are a clinical judgement about the
    # person: shown to those who may read the clinical class only (docs/privacy.md).
    kinds = (
        [directory.kind_words(kind) for kind in needs.kinds]
        if rights.reads(DataClass.CLINICAL)
        else []
    )
    return TemplateResponse(
        request,
        "referrals/suggestions.html",
        {
            "encounter": encounter,
            "call": call,
            "call_language": language_name(call.language),
            "needs": needs,
            "kinds": kinds,
            "shows_wanted": rights.reads(DataClass.CLINICAL),
            "results": found,
            "offers": _offers(encounter, request.user, rights, found),
            "need": kinds[0] if kinds else "",
        },
    )


class ReferForm(forms.Form):
    service = forms.UUIDField()
    what = forms.ChoiceField(choices=[("refer", "refer"), ("information_given", "information")])
    need = forms.CharField(required=False, max_length=2000)
    voluntary = forms.BooleanField(required=False)


@require_role(*DIRECTORY_READERS)
@require_POST
def refer(request: HttpRequest, encounter_id) -> HttpResponse:
    """Refer the encounter's person to a suggested service, or record that information
    about it was given; a refusal comes back as a message with its reason."""
    encounter, _rights = _working_encounter(request.user, encounter_id)
    back = redirect("referrals:suggestions", encounter_id=encounter.pk)
    form = ReferForm(request.POST)
    if not form.is_valid():
        if "need" in form.errors:
            # Past its limit: said with its length, never cut to fit.
            problem = form.errors["need"][0]
            messages.error(request, _("The need: %(problem)s") % {"problem": problem})
        else:
            messages.error(request, _("Choose a service, and refer or record information given."))
        return back
    data = form.cleaned_data
    service = Service.objects.filter(pk=data["service"], program_id=encounter.program_id).first()
    if service is None:
        raise Http404
    try:
        if data["what"] == "refer":
            actions.send_referral(
                encounter,
                service=service,
                need=data["need"],
                voluntary=data["voluntary"],
                acting_user=request.user,
                request=request,
            )
            done = _("Referred to %(service)s.")
        else:
            actions.record_information_given(
                encounter,
                service=service,
                voluntary=data["voluntary"],
                acting_user=request.user,
                request=request,
            )
            done = _("Recorded that information about %(service)s was given.")
    except DomainError as error:
        messages.error(request, error.message)
        return back
    messages.success(request, done % {"service": service.name})
    return back
