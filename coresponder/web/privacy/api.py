"""Consents through the API, under the same rules as the pages."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from coresponder.accounts.models import Agency, AgencyKind
from coresponder.core.access import signed_in_user as _user
from coresponder.core.exceptions import DomainError
from coresponder.core.schemas import ZonedInstant, one_of
from coresponder.people.access import access_person_by_id, open_person
from coresponder.privacy import actions
from coresponder.privacy.classification import DataClass
from coresponder.privacy.models import Consent

router = Router(tags=["consents"])


class ConsentOut(Schema):
    id: UUID
    kind: str
    data_classes: list[str]
    recipient_agency_ids: list[int]
    recipient_agency_kinds: list[str]
    purpose: str
    starts_at: datetime
    ends_at: datetime | None
    state: str
    given_by: str
    form_kind: str


def _out(consent: Consent) -> ConsentOut:
    return ConsentOut(
        id=consent.pk,
        kind=consent.kind,
        data_classes=consent.data_classes,
        recipient_agency_ids=sorted(a.pk for a in consent.recipient_agencies.all()),
        recipient_agency_kinds=consent.recipient_agency_kinds,
        purpose=consent.purpose,
        starts_at=consent.starts_at,
        ends_at=consent.ends_at,
        state=consent.state(),
        given_by=consent.given_by,
        form_kind=consent.form_kind,
    )


@router.get(
    "/persons/{person_id}/consents", response=list[ConsentOut], summary="A person's consents"
)
def list_consents(request: HttpRequest, person_id: UUID):
    opened = open_person(
        _user(request),
        person_id,
        channel="api:consents",
        request=request,
        classes={DataClass.OPERATIONAL.value},
    )
    consents = Consent.objects.visible_in(opened.view.id, readable=opened.readable)
    consents = consents.prefetch_related("recipient_agencies")
    return [_out(consent) for consent in consents]


class ConsentIn(Schema):
    kind: one_of(Consent.Kind)
    data_classes: list[one_of(DataClass)] = Field(min_length=1)
    recipient_agency_ids: list[int] = []
    recipient_agency_kinds: list[one_of(AgencyKind)] = []
    purpose: one_of(Consent.Purpose)
    purpose_detail: str = Field("", max_length=300)
    starts_at: ZonedInstant
    ends_at: ZonedInstant | None = None
    form_kind: one_of(Consent.FormKind)
    given_by: one_of(Consent.GivenBy) = "person"
    representative_name: str = Field("", max_length=200)
    representative_authority: str = Field("", max_length=200)


@router.post(
    "/persons/{person_id}/consents", response={201: ConsentOut}, summary="Record a consent"
)
def create_consent(request: HttpRequest, person_id: UUID, payload: ConsentIn):
    user = _user(request)
    person = access_person_by_id(user, person_id)
    agencies = list(Agency.objects.filter(pk__in=payload.recipient_agency_ids))
    missing = sorted(set(payload.recipient_agency_ids) - {a.pk for a in agencies})
    if missing:
        raise DomainError(
            "Unknown agency.", fields={"recipient_agency_ids": [str(m) for m in missing]}
        )
    consent = actions.record_consent(
        person,
        kind=payload.kind,
        data_classes=payload.data_classes,
        recipient_agencies=agencies,
        recipient_agency_kinds=payload.recipient_agency_kinds,
        purpose=payload.purpose,
        purpose_detail=payload.purpose_detail,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        form_kind=payload.form_kind,
        given_by=payload.given_by,
        representative_name=payload.representative_name,
        representative_authority=payload.representative_authority,
        acting_user=user,
        request=request,
    )
    return Status(201, _out(consent))


class RevokeIn(Schema):
    note: str = Field("", max_length=300)


@router.post(
    "/persons/{person_id}/consents/{consent_id}/revoke",
    response=ConsentOut,
    summary="Revoke a consent, at once",
)
def revoke(request: HttpRequest, person_id: UUID, consent_id: UUID, payload: RevokeIn):
    user = _user(request)
    person = access_person_by_id(user, person_id)
    consent = Consent.objects.filter(pk=consent_id, person=person).first()
    if consent is None:
        raise Http404
    consent = actions.revoke_consent(consent, acting_user=user, note=payload.note, request=request)
    return _out(consent)
