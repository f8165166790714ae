"""Person pages: search, register, the record as the viewer may see it, its CSV."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from coresponder.accounts.models import Role, User
from coresponder.cases import access as cases
from coresponder.core.access import require_role
from coresponder.core.exceptions import Conflict, DomainError, NotFound
from coresponder.core.phone_numbers import phone_for_display
from coresponder.core.spreadsheet import safe_csv_writer
from coresponder.encounters.access import plans_for
from coresponder.encounters.actions import may_draft_plan
from coresponder.encounters.models import PlanState
from coresponder.people import actions
from coresponder.people.access import access_person_by_id, open_person, search_for, view_person
from coresponder.people.forms import (
    BreakGlassForm,
    NoteForm,
    PersonEditForm,
    PersonForm,
    SearchForm,
)
from coresponder.people.linkage import Parameters
from coresponder.people.matching import PersonQuery
from coresponder.people.model_chart import match_weight_chart, rows_of
from coresponder.people.models import LinkageModel, Person
from coresponder.privacy import actions as privacy_actions
from coresponder.privacy.access import relations_of, writable_classes
from coresponder.privacy.actions import CARE_TEAM_MANAGERS, CARE_TEAM_ROLES
from coresponder.privacy.classification import PART2_NOTICE, DataClass
from coresponder.privacy.policy import BREAK_GLASS_ROLES, PROGRAM_STAFF

PERSON_READERS = (*PROGRAM_STAFF, Role.PARTNER, Role.ADMINISTRATOR)


@require_role(*PERSON_READERS)
def index(request: HttpRequest) -> TemplateResponse:
    form = SearchForm(request.GET or None)
    matches, searched = [], False
    if form.is_valid():
        query = PersonQuery(
            name=form.cleaned_data["name"],
            date_of_birth=form.cleaned_data["date_of_birth"],
            identifier=form.cleaned_data["identifier"],
        )
        if not query.is_empty:
            searched = True
            matches = search_for(
                request.user, query, channel="page:search", limit=20, request=request
            )
    template = "people/_results.html" if request.htmx else "people/index.html"
    return TemplateResponse(
        request,
        template,
        {
            "form": form,
            "matches": matches,
            "searched": searched,
            "can_register": request.user.has_role(*PROGRAM_STAFF),
        },
    )


@require_role(*PROGRAM_STAFF)
def register(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        names = [actions.NameIn(given=data["given"], family=data["family"])]
        if data["alias"]:
            names.append(actions.NameIn(given=data["alias"], kind="alias"))
        identifiers = []
        if data["identifier_value"]:
            identifiers.append(
                actions.IdentifierIn(
                    system=data["identifier_system"],
                    issuer=data["identifier_issuer"],
                    value=data["identifier_value"],
                )
            )
        try:
            person = actions.register_person(
                actions.PersonIn(
                    names=names,
                    date_of_birth=data["date_of_birth"],
                    birth_date_estimated=data["birth_date_estimated"],
                    sex=data["sex"],
                    gender_identity=data["gender_identity"],
                    pronouns=data["pronouns"],
                    languages=data["languages"],
                    veteran_status=data["veteran_status"],
                    flags=data["flags"],
                    identifiers=identifiers,
                    safety_concerns=data["safety_concerns"],
                    phone=data["phone"],
                ),
                acting_user=request.user,
                request=request,
            )
        except DomainError as error:
            form.add_error(None, error.message)
            for problems in error.fields.values():
                for problem in problems:
                    form.add_error(None, problem)
        else:
            messages.success(request, _("Person registered."))
            return redirect("people:detail", person_id=person.pk)
    return TemplateResponse(
        request, "people/register.html", {"form": form}, status=400 if form.errors else 200
    )


def _person_for_write(request, person_id) -> Person:
    try:
        return access_person_by_id(request.user, person_id)
    except NotFound:
        raise Http404 from None


def _person_or_404(request, person_id, channel):
    try:
        return view_person(request.user, person_id, channel=channel, request=request)
    except NotFound:
        raise Http404 from None


@login_required
def detail(request: HttpRequest, person_id) -> TemplateResponse:
    try:
        opened = open_person(request.user, person_id, channel="page:person", request=request)
    except NotFound:
        raise Http404 from None
    view, writable, user = opened.view, opened.writable, request.user
    hidden = [c for c in DataClass if c.value not in view.sections]
    team_candidates = []
    if user.has_role(*CARE_TEAM_MANAGERS):
        team_candidates = (
            User.objects.filter(
                agency__program=user.program, is_active=True, role_grants__role__in=CARE_TEAM_ROLES
            )
            .distinct()
            .order_by("full_name")
        )
    # The response plan as the policy lets this reader see it (an audited read).
    plans = plans_for(user, opened.row, channel="page:person", request=request, drafts=True)
    return TemplateResponse(
        request,
        "people/detail.html",
        {
            "person": view,
            "plan": next((p for p in plans if p.state == PlanState.APPROVED), None),
            "plan_drafts": sum(p.state == PlanState.DRAFT for p in plans),
            "plan_panel": bool({DataClass.PUBLIC_SAFETY, DataClass.CLINICAL} & opened.readable),
            "may_draft_plan": may_draft_plan(user, opened),
            "note_form": NoteForm(writable=writable) if writable else None,
            "relations": relations_of(opened.row, user=user, readable=opened.readable),
            "can_break_glass": bool(hidden) and user.has_role(*BREAK_GLASS_ROLES),
            "break_glass_form": BreakGlassForm(),
            "team_candidates": team_candidates,
            "can_see_disclosures": user.has_role(Role.SUPERVISOR, Role.ADMINISTRATOR),
            "open_case_id": _open_case_id(user, opened.row),
            "can_edit": user.has_role(*PROGRAM_STAFF),
            "records": _records(user, opened.row, request),
        },
    )


def _initial(view) -> dict:
    """The form filled from what the editor may see (the projection), never the row."""
    initial: dict = {"revision": view.revision}
    by_kind: dict[str, list[dict]] = {}
    for name in view.names:
        by_kind.setdefault(name["kind"], []).append(name)
    if by_kind.get("legal"):
        legal = by_kind["legal"][0]
        initial.update(given=legal["given"], middle=legal["middle"], family=legal["family"])
    if by_kind.get("preferred"):
        preferred = by_kind["preferred"][0]
        initial.update(preferred_given=preferred["given"], preferred_family=preferred["family"])
    initial["aliases"] = "\n".join(name["full"] for name in by_kind.get("alias", []))
    for section in view.ordered_sections:
        for name, _label, value in section.fields:
            initial[name] = phone_for_display(value) if name == "phone" else value
    return initial


def _edit_from(form: PersonEditForm) -> actions.PersonEdit:
    data = form.cleaned_data
    names = None
    if "given" in form.fields:
        names = [actions.NameIn(given=data["given"], middle=data["middle"], family=data["family"])]
        if data["preferred_given"] or data["preferred_family"]:
            names.append(
                actions.NameIn(
                    given=data["preferred_given"], family=data["preferred_family"], kind="preferred"
                )
            )
        names += [
            actions.NameIn(given=line.strip(), kind="alias")
            for line in data["aliases"].splitlines()
            if line.strip()
        ]
    added = []
    if data.get("identifier_value"):
        added.append(
            actions.IdentifierIn(
                system=data["identifier_system"],
                issuer=data["identifier_issuer"],
                value=data["identifier_value"],
            )
        )
    return actions.PersonEdit(
        revision=data["revision"],
        fields={name: data[name] for name in actions.EDITABLE_FIELDS if name in form.fields},
        names=names,
        identifiers_added=added,
        identifiers_removed=[int(pk) for pk in data.get("remove_identifiers", [])],
        # The form has asked about digits in a changed name already.
        digits_confirmed=True,
    )


@require_role(*PROGRAM_STAFF)
def edit(request: HttpRequest, person_id) -> HttpResponse:
    """Correcting a person's record: the parts the editor may both read and write."""
    try:
        opened = open_person(request.user, person_id, channel="page:person_edit", request=request)
    except NotFound:
        raise Http404 from None
    view = opened.view
    classes = set(opened.writable) & set(view.sections)
    identifiers = [i for section in view.ordered_sections for i in section.identifiers]
    form = PersonEditForm(
        request.POST or None, initial=_initial(view), classes=classes, identifiers=identifiers
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            changes = actions.edit_person(
                opened.row, _edit_from(form), acting_user=request.user, request=request
            )
        except Conflict as error:
            form.add_error(None, error.message)
            status = 409
        except DomainError as error:
            form.add_error(None, error.message)
            for name, problems in error.fields.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        else:
            if changes:
                messages.success(
                    request,
                    ngettext(
                        "Saved: %(count)s change, in the record's history below.",
                        "Saved: %(count)s changes, in the record's history below.",
                        len(changes),
                    )
                    % {"count": len(changes)},
                )
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("people:detail", person_id=view.id)
    if form.errors and status == 200:
        status = 400
    return TemplateResponse(
        request, "people/edit.html", {"person": view, "form": form}, status=status
    )


def _records(user, person, request):
    """The person's calls, encounters, cases and referrals as the reader may see them."""
    return cases.person_records(user, person, channel="page:person", request=request)


def _open_case_id(user, person):
    """The person's open follow-up case, when the viewer may see it; None otherwise."""
    case_id = cases.open_case_ids([person.pk]).get(person.pk)
    if case_id is None:
        return None
    try:
        return cases.access_case_by_id(user, case_id).pk
    except NotFound:
        return None


@login_required
@require_POST
def add_note(request: HttpRequest, person_id) -> HttpResponse:
    person = _person_for_write(request, person_id)
    form = NoteForm(request.POST, writable=writable_classes(request.user, person))
    if form.is_valid():
        try:
            actions.add_note(
                person,
                data_class=form.cleaned_data["data_class"],
                body=form.cleaned_data["body"],
                acting_user=request.user,
                request=request,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Note added."))
    else:
        messages.error(request, _("The note was not saved: choose its kind and write it."))
    return redirect("people:detail", person_id=person.pk)


@login_required
@require_POST
def add_care_team_member(request: HttpRequest, person_id) -> HttpResponse:
    person = _person_for_write(request, person_id)
    member = User.objects.filter(
        pk=request.POST.get("member") or 0, agency__program=request.user.program
    ).first()
    if member is None:
        messages.error(request, _("Choose who joins the care team."))
    else:
        try:
            privacy_actions.add_to_care_team(person, member=member, acting_user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("%(name)s joined the care team.") % {"name": member.full_name}
            )
    return redirect("people:detail", person_id=person.pk)


@login_required
@require_POST
def break_glass(request: HttpRequest, person_id) -> HttpResponse:
    person = _person_for_write(request, person_id)
    form = BreakGlassForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for emergency access in a sentence."))
        return redirect("people:detail", person_id=person.pk)
    try:
        grant = privacy_actions.break_the_glass(
            person, acting_user=request.user, reason=form.cleaned_data["reason"], request=request
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.warning(
            request,
            _("Emergency access open until %(time)s. It is logged and a supervisor will review it.")
            % {"time": timezone.localtime(grant.expires_at).strftime("%H:%M %Z")},
        )
    return redirect("people:detail", person_id=person.pk)


@login_required
def record_csv(request: HttpRequest, person_id) -> HttpResponse:
    """The record as the viewer may see it: one row per value, nothing withheld shown."""
    view = _person_or_404(request, person_id, "csv:person_record")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="person-{view.id}.csv"'
    writer = safe_csv_writer(response)
    writer.writerow(["class", "field", "value"])
    for name in view.names:
        writer.writerow([DataClass.OPERATIONAL.value, f"name ({name['kind']})", name["full"]])
    for section in view.ordered_sections:
        for _name, label, value in section.fields:
            writer.writerow([section.data_class, label, _csv_value(value)])
        for identifier in section.identifiers:
            writer.writerow([section.data_class, identifier["system_label"], identifier["value"]])
        for address in section.addresses:
            writer.writerow(
                [
                    section.data_class,
                    f"address ({address['kind']})",
                    ", ".join(v for k, v in address.items() if k != "kind" and v),
                ]
            )
        for note in section.notes:
            writer.writerow([section.data_class, "note", note["body"]])
    if view.has(DataClass.SUD_PART2):
        writer.writerow([DataClass.SUD_PART2.value, "re-disclosure notice", str(PART2_NOTICE)])
    return response


def _csv_value(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)


@require_role(Role.ADMINISTRATOR)
def matching_model(request: HttpRequest) -> TemplateResponse:
    """The program's match model as administrators check it: the weight of each field's
    levels, which version searches use, and from how many persons it was learned."""
    program = request.user.agency.program
    versions = list(LinkageModel.objects.filter(program=program).order_by("-version")[:10])
    latest = versions[0] if versions else None
    chart, rows = None, []
    if latest is not None:
        parameters = Parameters.from_stored(latest.parameters)
        chart = match_weight_chart(parameters)
        rows = rows_of(parameters)
    return TemplateResponse(
        request,
        "people/matching_model.html",
        {"latest": latest, "versions": versions, "chart": chart, "rows": rows},
    )
