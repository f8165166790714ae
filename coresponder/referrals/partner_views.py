"""The partner's page: the referrals sent to its agency, their answers, and capacity.

A partner organisation's users (role partner) see here what the API gives its agency:
only their agency's referrals, the need and contact details only while the person's
consent shares care coordination with the agency. Each button is one move of the loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from coresponder.accounts.models import Role
from coresponder.core.access import require_role
from coresponder.core.exceptions import DomainError
from coresponder.core.local_time import LocalDateTimeField

from . import actions
from .access import Principal, ReferralView, access_referral_by_id, referrals_for_partner
from .loop import MOVES, PARTNER_MOVES, State
from .models import Service


class MoveForm(forms.Form):
    to = forms.ChoiceField(choices=[(state.value, state.value) for state in PARTNER_MOVES])
    reason = forms.CharField(required=False, max_length=300)
    # Typed on the page's clock, the program's time zone (the label names it).
    appointment_at = LocalDateTimeField(required=False, label=gettext_lazy("Appointment"))
    note = forms.CharField(required=False, max_length=2000)


class CapacityForm(forms.Form):
    available = forms.IntegerField(min_value=0)
    maximum = forms.IntegerField(min_value=0, required=False)


@dataclass
class Row:
    view: ReferralView
    moves: list[str]  # the partner's moves open from the referral's state


@require_role(Role.PARTNER)
def partner_page(request: HttpRequest) -> TemplateResponse:
    principal = Principal(user=request.user)
    views = referrals_for_partner(principal, channel="page:partner_referrals", request=request)
    rows = [
        Row(
            view,
            []
            if view.access_ended
            else sorted(MOVES[State(view.state)] & PARTNER_MOVES, key=list(State).index),
        )
        for view in views
    ]
    services = (
        Service.objects.filter(organization__partner_link__agency=request.user.agency)
        .select_related("organization")
        .prefetch_related("capacities")
        .order_by("organization__name", "name")
    )
    return TemplateResponse(
        request,
        "referrals/partner.html",
        {"rows": rows, "services": services},
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
        return redirect("partner_referrals:page")
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
        messages.success(request, _("Referral updated: %(state)s.") % {"state": referral.state})
    return redirect("partner_referrals:page")


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
        return redirect("partner_referrals:page")
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
    return redirect("partner_referrals:page")
