"""The partner's page: its services' capacity, then the queue of referrals sent to its
agency, what waits on it first, 25 a page, filtered by state and due date in the address.

A partner organisation's users (role partner) see here what the API gives its agency:
only their agency's referrals; who the person is, their need and how to reach them only
while the person's consent shares them with the agency (the read gate decides). Each
button is one move of the loop, a plain form that works without scripts; after it the
page comes back with the same filters and page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from coresponder.accounts.models import Role
from coresponder.core.access import require_role
from coresponder.core.exceptions import DomainError
from coresponder.core.local_time import LocalDateTimeField

from . import actions
from .access import (
    DUE_FILTERS,
    STATE_FILTERS,
    Principal,
    access_referral_by_id,
    partner_counts,
    partner_queue,
)
from .loop import PARTNER_MOVES, WORDS, State
from .models import Service

STATE_LABELS = {
    "": gettext_lazy("all"),
    "waiting": gettext_lazy("waiting on you"),
    **{key: WORDS[State(key)] for key in STATE_FILTERS if key in {s.value for s in State}},
    "closed": gettext_lazy("closed"),
}
DUE_LABELS = {
    "": gettext_lazy("any time"),
    "overdue": gettext_lazy("overdue"),
    "today": gettext_lazy("due by the end of today"),
    "week": gettext_lazy("due within 7 days"),
}


class QueueForm(forms.Form):
    """The queue's filters and page, from the address."""

    state = forms.ChoiceField(
        required=False, label=gettext_lazy("State"), choices=list(STATE_LABELS.items())
    )
    due = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Due"),
        choices=[(key, DUE_LABELS[key]) for key in ("", *DUE_FILTERS)],
    )
    page = forms.IntegerField(required=False, min_value=1)

    def query(self) -> dict[str, str]:
        """The filters and page, as the address keeps them (defaults left out)."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            name: str(data[name])
            for name in ("state", "due", "page")
            if data.get(name) not in (None, "", 1)
        }


def _queue_url(query: dict[str, str]) -> str:
    url = reverse("partner_referrals:page")
    return f"{url}?{urlencode(query)}" if query else url


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the queue as the partner left it: only the filters the form knows."""
    form = QueueForm(
        {
            name: request.POST.get(f"back_{name}", "")
            for name in ("state", "due", "page")
            if request.POST.get(f"back_{name}")
        }
    )
    return redirect(_queue_url(form.query()))


class MoveForm(forms.Form):
    to = forms.ChoiceField(choices=[(state.value, state.value) for state in PARTNER_MOVES])
    reason = forms.CharField(required=False, max_length=300)
    # Typed on the page's clock, the program's time zone (the label names it).
    appointment_at = LocalDateTimeField(required=False, label=gettext_lazy("Appointment"))
    note = forms.CharField(required=False, max_length=2000)


class CapacityForm(forms.Form):
    available = forms.IntegerField(min_value=0)
    maximum = forms.IntegerField(min_value=0, required=False)


def _state_links(queue, query: dict[str, str]) -> list[dict]:
    """Each state filter with its count, linked with the due filter kept."""
    counts = queue.counts
    figures = {
        "": counts.total,
        "waiting": counts.waiting,
        State.SENT: counts.new,
        State.RECEIVED: counts.received,
        State.ACCEPTED: counts.to_book,
        State.SCHEDULED: counts.booked,
        State.NO_SHOW: counts.no_show,
        "closed": counts.closed,
    }
    others = {name: value for name, value in query.items() if name != "state"}
    return [
        {
            "key": key,
            "label": label,
            "count": figures[key],
            "url": _queue_url({"state": key, **others} if key else others),
            "current": key == queue.state,
        }
        for key, label in STATE_LABELS.items()
    ]


@require_role(Role.PARTNER)
def partner_page(request: HttpRequest) -> TemplateResponse:
    principal = Principal(user=request.user)
    form = QueueForm(request.GET)
    if form.is_valid():
        chosen = form.cleaned_data
    else:
        chosen = {}
        messages.error(request, _("That filter is not one the queue offers: showing all."))
    queue = partner_queue(
        principal,
        channel="page:partner_referrals",
        state=chosen.get("state") or "",
        due=chosen.get("due") or "",
        page=chosen.get("page") or 1,
        request=request,
    )
    query = {"state": queue.state, "due": queue.due}
    query = {name: value for name, value in query.items() if value}
    services = (
        Service.objects.filter(organization__partner_link__agency=request.user.agency)
        .select_related("organization")
        .prefetch_related("capacities")
        .order_by("organization__name", "name")
    )
    return TemplateResponse(
        request,
        "referrals/partner.html",
        {
            "queue": queue,
            "services": services,
            "form": form,
            "state_links": _state_links(queue, query),
            # Where a form on the page brings the partner back to: these filters, this page.
            "back": [*query.items(), *([("page", str(queue.page))] if queue.page > 1 else [])],
            "previous_url": _queue_url({**query, "page": str(queue.page - 1)})
            if queue.page > 2
            else _queue_url(query),
            "next_url": _queue_url({**query, "page": str(queue.page + 1)}),
        },
    )


@require_role(Role.PARTNER)
def partner_news(request: HttpRequest) -> JsonResponse:
    """What the partner's open page polls to tell of a new referral (partner_alerts.js):
    the agency's counts, `total` growing when one arrives. Figures of its own work,
    nothing of any person."""
    counts = partner_counts(Principal(user=request.user))
    return JsonResponse(
        {
            "total": counts.total,
            "new": counts.new,
            "waiting": counts.waiting,
            "overdue": counts.overdue,
        }
    )


def _fail(request, error: DomainError) -> None:
    details = [f"{message}" for messages_ in error.fields.values() for message in messages_]
    messages.error(request, " ".join([error.message, *details]))


@require_role(Role.PARTNER)
@require_POST
def partner_move(request: HttpRequest, referral_id) -> HttpResponse:
    principal = Principal(user=request.user)
    form = MoveForm(request.POST)
    if not form.is_valid():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, " ".join(errors))
        return _back(request)
    data = form.cleaned_data
    try:
        referral = access_referral_by_id(principal, referral_id)
        referral = actions.move_referral(
            referral,
            to=data["to"],
            principal=principal,
            reason=data["reason"],
            appointment_at=data["appointment_at"],
            note=data["note"],
            request=request,
        )
    except DomainError as error:
        _fail(request, error)
    else:
        messages.success(
            request, _("Referral updated: %(state)s.") % {"state": WORDS[State(referral.state)]}
        )
    return _back(request)


@require_role(Role.PARTNER)
@require_POST
def partner_capacity(request: HttpRequest, service_id) -> HttpResponse:
    principal = Principal(user=request.user)
    form = CapacityForm(request.POST)
    service = (
        Service.objects.filter(pk=service_id, program_id=request.user.agency.program_id)
        .select_related("organization")
        .first()
    )
    if service is None or not form.is_valid():
        messages.error(request, _("Give the places available (and the most there can be)."))
        return _back(request)
    try:
        actions.update_capacity(
            service,
            available=form.cleaned_data["available"],
            maximum=form.cleaned_data["maximum"],
            principal=principal,
            request=request,
        )
    except DomainError as error:
        _fail(request, error)
    else:
        messages.success(request, _("Capacity updated."))
    return _back(request)
