"""Directory pages: the staff search, the public read-only search, an encounter's suggestions."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coresponder.accounts.models import Program, Role
from coresponder.calls.actions import fields_correctable_by
from coresponder.core.access import require_role
from coresponder.core.exceptions import DomainError, NotFound
from coresponder.core.languages import language_name
from coresponder.encounters.access import access_encounter_by_id, rights_for
from coresponder.privacy.classification import DataClass
from coresponder.privacy.policy import PROGRAM_STAFF

from . import actions, directory
from .access import consent_to_send, may_send_referrals, partner_agencies
from .forms import DirectorySearchForm, ReferralSearchForm
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
    suggested: bool = False  # a search result that is also among the suggestions

    @property
    def reach(self) -> list[tuple[str, str, str]]:
        """How to reach a service that takes no referrals here, besides the phone and
        address its card shows: (kind, link, words)."""
        candidate = self.suggestion.candidate
        ways = []
        if candidate.url.startswith(("https://", "http://")):
            ways.append(("website", candidate.url, candidate.url))
        if "@" in candidate.email:
            ways.append(("email", f"mailto:{candidate.email}", candidate.email))
        return ways


def _offers(encounter, user, rights, found: list[Suggestion]) -> list[Offer]:
    person_id = encounter.call.person_id
    agencies = partner_agencies(s.candidate.service_id for s in found)
    if person_id is None or not may_send_referrals(user, rights):
        return [
            Offer(s, may_refer=False, agency=agencies.get(s.candidate.service_id)) for s in found
        ]
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
    search = _search_from_encounter(request, encounter, found)
    offers = _offers(encounter, request.user, rights, found)
    search_offers = _offers(encounter, request.user, rights, search["search_results"])
    for offer in search_offers:
        offer.suggested = _key(offer.suggestion) in search["suggested_keys"]
    return TemplateResponse(
        request,
        "referrals/suggestions.html",
        {
            **search,
            "search_offers": search_offers,
            # Concerns reported wrong at intake are corrected on the call, and the
            # suggestions follow them.
            "may_correct_concerns": "concerns"
            in fields_correctable_by(request.user, encounter.call),
            "encounter": encounter,
            "call": call,
            "call_language": language_name(call.language),
            "needs": needs,
            "kinds": kinds,
            "shows_wanted": rights.reads(DataClass.CLINICAL),
            "results": found,
            "offers": offers,
            "need": kinds[0] if kinds else "",
        },
    )


def _key(suggestion: Suggestion) -> tuple:
    return (suggestion.candidate.service_id, suggestion.candidate.location_id)


def _search_from_encounter(request, encounter, suggested: list[Suggestion]) -> dict:
    """The whole directory searched from the referral step, suggestions first: distances
    from the call's place (or another place typed), open now on the program's clock."""
    call = encounter.call
    program = call.program
    form = ReferralSearchForm(request.GET if request.GET.get("search") else None)
    results: list[Suggestion] = []
    place_unknown = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        place = Place(call.latitude, call.longitude) if call.has_place else None
        if data["near"]:
            place = directory.place_near(program, data["near"])
            place_unknown = place is None
        now = timezone.now()
        results = directory.search(
            program,
            directory.Search(
                text=data["text"],
                kind=data["kind"],
                taxonomy=data["taxonomy"],
                place=place,
                radius_km=float(data["radius"]) if data["radius"] and place else None,
                open_at=now if data["open_now"] else None,
                has_room=data["has_room"],
            ),
            now=now,
        )
        order = {_key(s): n for n, s in enumerate(suggested)}
        results.sort(key=lambda s: order.get(_key(s), len(order)))
    return {
        "search_form": form,
        "searched": form.is_bound,
        "search_results": results,
        "suggested_keys": {_key(s) for s in suggested},
        "place_unknown": place_unknown,
        "program_now": timezone.localtime(timezone.now(), program.zone),
        "search_query": request.GET.urlencode() if form.is_bound else "",
    }


class ReferForm(forms.Form):
    service = forms.UUIDField()
    what = forms.ChoiceField(choices=[("refer", "refer"), ("information_given", "information")])
    need = forms.CharField(required=False, max_length=2000)
    voluntary = forms.BooleanField(required=False)


def _back_to(encounter, query: str) -> str:
    """The referral step again, with the search the form was sent from (re-encoded: only
    a query string of our own page, never another address)."""
    url = reverse("referrals:suggestions", kwargs={"encounter_id": encounter.pk})
    query = QueryDict(query[:2000]).urlencode()
    return f"{url}?{query}#search-results" if query else url


@require_role(*DIRECTORY_READERS)
@require_POST
def refer(request: HttpRequest, encounter_id) -> HttpResponse:
    """Refer the encounter's person to a suggested service, or record that information
    about it was given; a refusal comes back as a message with its reason."""
    encounter, _rights = _working_encounter(request.user, encounter_id)
    back = redirect(_back_to(encounter, request.POST.get("back", "")))
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
