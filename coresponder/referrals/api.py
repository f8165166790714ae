"""Referrals through the API: sending from an encounter, and the partner's side of the loop.

Sending takes a signed-in clinician or case manager. The partner endpoints (the list, one
referral, its moves, a service's capacity) take a partner's user or the partner agency's
API token: either sees only the referrals sent to its agency, and the need, contact
details and notes only while a consent shares care coordination with the agency.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from coresponder.core.access import signed_in_user
from coresponder.core.exceptions import DomainError, NotFound
from coresponder.core.schemas import ZonedInstant
from coresponder.encounters.access import access_encounter_by_id

from . import actions
from .access import (
    Principal,
    access_referral_by_id,
    referrals_for_partner,
    referrals_of_encounter,
    view_referral,
)
from .loop import State
from .models import Service

router = Router(tags=["referrals"])


class ReferralMoveOut(Schema):
    from_state: str
    to_state: str
    at: datetime
    by: str
    note: str | None = Field(description="None: not yours to read (care coordination).")


class ReferralOut(Schema):
    """`need`, `contact` and the moves' notes are care coordination: None when the reader
    may not read that class of the person (for a partner: no consent shares it).

    `access_ended`: the partner's access to the person has ended (the consent revoked or
    expired, the referral declined, withdrawn, or attended past the program's grace
    period). It then sees only that the referral was sent, when, to which service, and
    its state if final (else ""): the person, the encounter, the appointment and the
    moves are None or empty."""

    id: UUID
    encounter_id: UUID | None
    person_id: UUID | None
    kind: str
    voluntary: bool | None
    state: str
    state_words: str
    service_id: UUID
    service: str
    organization_id: UUID
    organization: str
    appointment_at: datetime | None
    decline_reason: str
    sent_by: str
    sent_at: datetime
    moved_at: datetime
    need: str | None
    contact: str | None
    moves: list[ReferralMoveOut]
    classes: list[str]
    access_ended: bool


class ReferralIn(Schema):
    service_id: UUID
    kind: Literal["referral", "information_given"] = Field(
        "referral",
        description="`information_given`: the person was told of the service and nothing "
        "is sent; no need or contact is kept.",
    )
    voluntary: bool = True
    need: str = Field("", max_length=4000, description="What the person needs (referral only).")
    contact: str = Field(
        "", max_length=1000, description="How to reach the person for follow-up (referral only)."
    )


class ReferralMoveIn(Schema):
    to: Literal["received", "accepted", "declined", "scheduled", "attended", "no_show", "withdrawn"]
    reason: str = Field("", max_length=300, description="Required to decline.")
    appointment_at: ZonedInstant | None = Field(
        None, description="Required to schedule: the appointment, with its time zone."
    )
    note: str = Field("", max_length=2000)


class CapacityIn(Schema):
    available: int = Field(ge=0)
    maximum: int | None = Field(None, ge=0)


class CapacityOut(Schema):
    service_id: UUID
    available: int
    maximum: int | None
    updated: datetime


def _service(principal: Principal, service_id) -> Service:
    service = (
        Service.objects.filter(pk=service_id, program_id=principal.agency.program_id)
        .select_related("organization")
        .first()
    )
    if service is None:
        raise NotFound("No such service.")
    return service


@router.post(
    "/encounters/{encounter_id}/referrals",
    response={201: ReferralOut},
    summary="Refer the encounter's person to a service, or record information given",
)
def create_referral(request: HttpRequest, encounter_id: UUID, payload: ReferralIn):
    user = signed_in_user(request)
    encounter = access_encounter_by_id(user, encounter_id)
    principal = Principal(user=user)
    service = _service(principal, payload.service_id)
    if payload.kind == "information_given":
        referral = actions.record_information_given(
            encounter,
            service=service,
            voluntary=payload.voluntary,
            acting_user=user,
            request=request,
        )
    else:
        referral = actions.send_referral(
            encounter,
            service=service,
            need=payload.need,
            contact=payload.contact,
            voluntary=payload.voluntary,
            acting_user=user,
            request=request,
        )
    referral = access_referral_by_id(principal, referral.pk)
    return Status(
        201, view_referral(principal, referral, channel="api:referral", request=request).as_dict()
    )


@router.get(
    "/referrals",
    response=list[ReferralOut],
    summary="Referrals: a partner's own, or (staff) those of an encounter",
)
def list_referrals(
    request: HttpRequest, encounter_id: UUID | None = None, state: State | None = None
):
    principal = Principal.of_request(request)
    if principal.is_partner:
        views = referrals_for_partner(
            principal, channel="api:referrals", request=request, state=state
        )
        return [view.as_dict() for view in views]
    if encounter_id is None:
        raise DomainError(
            "Name the encounter whose referrals you want.",
            fields={"encounter_id": ["This field is required."]},
        )
    encounter = access_encounter_by_id(principal.user, encounter_id)
    views = referrals_of_encounter(
        principal.user, encounter, channel="api:referrals", request=request
    )
    if state:
        views = [view for view in views if view.state == state]
    return [view.as_dict() for view in views]


@router.get("/referrals/{referral_id}", response=ReferralOut, summary="A referral")
def get_referral(request: HttpRequest, referral_id: UUID):
    principal = Principal.of_request(request)
    referral = access_referral_by_id(principal, referral_id)
    return view_referral(principal, referral, channel="api:referral", request=request).as_dict()


@router.post(
    "/referrals/{referral_id}/moves",
    response=ReferralOut,
    summary="Move a referral: received, accepted, declined, scheduled, attended, no-show, "
    "withdrawn",
)
def move_referral(request: HttpRequest, referral_id: UUID, payload: ReferralMoveIn):
    principal = Principal.of_request(request)
    referral = access_referral_by_id(principal, referral_id)
    actions.move_referral(
        referral,
        to=payload.to,
        principal=principal,
        reason=payload.reason,
        appointment_at=payload.appointment_at,
        note=payload.note,
        request=request,
    )
    referral = access_referral_by_id(principal, referral_id)
    return view_referral(principal, referral, channel="api:referral", request=request).as_dict()


@router.patch(
    "/services/{service_id}/capacity",
    response=CapacityOut,
    summary="A partner's service: the places available now",
)
def patch_capacity(request: HttpRequest, service_id: UUID, payload: CapacityIn):
    principal = Principal.of_request(request)
    service = _service(principal, service_id)
    capacity = actions.update_capacity(
        service,
        available=payload.available,
        maximum=payload.maximum,
        principal=principal,
        request=request,
    )
    return {
        "service_id": capacity.service_id,
        "available": capacity.available,
        "maximum": capacity.maximum,
        "updated": capacity.updated,
    }
