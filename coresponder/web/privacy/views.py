"""Consent, the accounting of disclosures, and the break-the-glass review queue."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coresponder.accounts.models import Role
from coresponder.core.access import require_role
from coresponder.core.exceptions import DomainError, NotFound
from coresponder.core.spreadsheet import safe_csv_writer
from coresponder.people.access import open_person, view_persons
from coresponder.privacy import actions
from coresponder.privacy.classification import DataClass
from coresponder.privacy.disclosures import basis_in_words, disclosures_of
from coresponder.privacy.forms import ConsentForm, ReviewForm, RevokeForm
from coresponder.privacy.models import BreakGlassGrant, Consent

DISCLOSURE_READERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)


IDENTITY = {DataClass.OPERATIONAL.value}


def _opened(request, person_id, channel):
    """The person, showing (and auditing) who they are only: these pages show nothing else."""
    try:
        return open_person(
            request.user, person_id, channel=channel, request=request, classes=IDENTITY
        )
    except NotFound:
        raise Http404 from None


def _consents_seen(opened) -> QuerySet:
    return Consent.objects.visible_in(opened.view.id, readable=opened.readable)


def _day_start(day, zone) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _day_end(day, zone) -> datetime:
    """Midnight after the day; the calendar's last day has none, and ends at its last
    instant (which the consent's bounds then refuse, beside the field)."""
    try:
        return _day_start(day + timedelta(days=1), zone)
    except OverflowError:
        return datetime.combine(day, time.max, tzinfo=zone)


# The action names the times it was given; the page typed them as days.
CONSENT_FIELDS = {"starts_at": "starts_on", "ends_at": "ends_on"}


@login_required
def consents(request: HttpRequest, person_id) -> TemplateResponse:
    opened = _opened(request, person_id, "page:consents")
    view, user = opened.view, request.user
    can_record = user.has_role(*actions.CONSENT_RECORDERS)
    form = ConsentForm(request.POST or None, request.FILES or None, program=user.program)
    if request.method == "POST":
        if not can_record:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            zone = timezone.get_current_timezone()  # the clock the page reads days on
            try:
                actions.record_consent(
                    opened.row,
                    kind=data["kind"],
                    data_classes=data["data_classes"],
                    recipient_agencies=data["recipient_agencies"],
                    recipient_agency_kinds=data["recipient_agency_kinds"],
                    purpose=data["purpose"],
                    purpose_detail=data["purpose_detail"],
                    starts_at=_day_start(data["starts_on"], zone),
                    ends_at=_day_end(data["ends_on"], zone) if data["ends_on"] else None,
                    form_kind=data["form_kind"],
                    form_document=data["form_document"],
                    given_by=data["given_by"],
                    representative_name=data["representative_name"],
                    representative_authority=data["representative_authority"],
                    acting_user=user,
                    request=request,
                )
            except DomainError as error:
                for name, problems in error.fields.items():
                    field = CONSENT_FIELDS.get(name, name)
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
            else:
                messages.success(request, _("Consent recorded. It takes effect now."))
                return redirect("privacy:consents", person_id=view.id)
    records = (
        _consents_seen(opened).prefetch_related("recipient_agencies").select_related("recorded_by")
    )
    return TemplateResponse(
        request,
        "privacy/consents.html",
        {
            "person": view,
            "consents": records,
            "form": form if can_record else None,
            "revoke_form": RevokeForm(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def revoke_consent(request: HttpRequest, person_id, consent_id) -> HttpResponse:
    opened = _opened(request, person_id, "page:consents")
    view = opened.view
    consent = _consents_seen(opened).filter(pk=consent_id).first()
    if consent is None:
        raise Http404
    form = RevokeForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        actions.revoke_consent(consent, acting_user=request.user, note=note, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Consent revoked. Sharing under it stopped now."))
    return redirect("privacy:consents", person_id=view.id)


@login_required
def consent_form(request: HttpRequest, person_id, consent_id) -> TemplateResponse:
    """The consent as a printable form for signature: generated from the record itself."""
    opened = _opened(request, person_id, "page:consent_form")
    view = opened.view
    consent = (
        _consents_seen(opened).filter(pk=consent_id).prefetch_related("recipient_agencies").first()
    )
    if consent is None:
        raise Http404
    return TemplateResponse(
        request, "privacy/consent_form.html", {"person": view, "consent": consent}
    )


@login_required
def consent_document(request: HttpRequest, person_id, consent_id) -> FileResponse:
    """The signed consent, to whoever may see the person; the read is audited."""
    opened = _opened(request, person_id, "document:consent")
    consent = _consents_seen(opened).filter(pk=consent_id).first()
    if consent is None or not consent.form_document:
        raise Http404
    return FileResponse(
        consent.form_document.open("rb"),
        as_attachment=True,
        filename=f"consent-{consent.pk}{Path(consent.form_document.name).suffix}",
    )


@require_role(*DISCLOSURE_READERS)
def disclosures(request: HttpRequest, person_id) -> HttpResponse:
    opened = _opened(request, person_id, "page:disclosures")
    view = opened.view
    rows, withheld = disclosures_of(view.id, readable=opened.readable)
    consents = {str(c.pk): c for c in _consents_seen(opened)}
    lines = [
        {
            "row": row,
            "basis": {name: basis_in_words(basis, consents) for name, basis in row.basis.items()},
        }
        for row in rows
    ]
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="disclosures-{view.id}.csv"'
        writer = safe_csv_writer(response)
        zone = timezone.get_current_timezone()
        writer.writerow(
            [f"when ({zone})", "recipient", "agency", "information", "basis", "channel"]
        )
        for line in lines:
            row = line["row"]
            writer.writerow(
                [
                    timezone.localtime(row.at, zone).isoformat(timespec="seconds"),
                    row.recipient,
                    row.agency,
                    ", ".join(row.classes),
                    "; ".join(f"{k}: {v}" for k, v in line["basis"].items()),
                    row.channel,
                ]
            )
        return response
    return TemplateResponse(
        request, "privacy/disclosures.html", {"person": view, "lines": lines, "withheld": withheld}
    )


@require_role(Role.SUPERVISOR)
def review_queue(request: HttpRequest) -> TemplateResponse:
    actions.close_expired_grants()
    grants = list(
        BreakGlassGrant.objects.filter(person__program=request.user.program)
        .select_related("user__agency", "reviewed_by")
        .order_by("-granted_at")[:100]
    )
    persons = {
        view.id: view
        for view in view_persons(
            request.user,
            {grant.person for grant in grants},
            channel="page:break_glass_queue",
            request=request,
            classes={"operational"},
        )
    }
    waiting = [g for g in grants if g.reviewed_at is None]
    reviewed = [g for g in grants if g.reviewed_at is not None][:30]
    return TemplateResponse(
        request,
        "privacy/review_queue.html",
        {
            "waiting": waiting,
            "reviewed": reviewed,
            "persons": persons,
            "form": ReviewForm(),
        },
    )


@require_role(Role.SUPERVISOR)
@require_POST
def review(request: HttpRequest, grant_id) -> HttpResponse:
    grant = BreakGlassGrant.objects.filter(
        pk=grant_id, person__program=request.user.program
    ).first()
    if grant is None:
        raise Http404
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Mark the access appropriate or not."))
        return redirect("privacy:review_queue")
    try:
        actions.review_break_glass(
            grant,
            acting_user=request.user,
            review=form.cleaned_data["review"],
            note=form.cleaned_data["note"],
            request=request,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Review recorded."))
    return redirect("privacy:review_queue")
