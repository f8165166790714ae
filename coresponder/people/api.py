"""Persons through the API: the same access functions as the pages, the same audit."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from coresponder.core.access import signed_in_user as _user
from coresponder.core.exceptions import DomainError
from coresponder.core.schemas import one_of

from . import actions
from .access import search_for, view_person
from .matching import PersonQuery
from .models import AddressKind, IdentifierSystem, NameKind, PersonFlag, Sex, VeteranStatus

router = Router(tags=["persons"])


class NameOut(Schema):
    kind: str
    given: str
    middle: str
    family: str


class CandidateOut(Schema):
    id: UUID
    names: list[NameOut]
    date_of_birth: date | None = None
    score: float
    reasons: list[str]


class SearchIn(Schema):
    name: str = Field("", max_length=200)
    date_of_birth: date | None = None
    identifier: str = Field("", max_length=64)
    limit: int = Field(10, ge=1, le=50)


@router.get("/persons", response=list[CandidateOut], summary="Search the person index")
def search_persons(request: HttpRequest, filters: Query[SearchIn]):
    user = _user(request)
    query = PersonQuery(
        name=filters.name, date_of_birth=filters.date_of_birth, identifier=filters.identifier
    )
    if query.is_empty:
        raise DomainError(
            "Give a name, a date of birth or an identifier.",
            fields={"name": ["Give at least one of name, date_of_birth, identifier."]},
        )
    matches = search_for(user, query, channel="api:search", limit=filters.limit, request=request)
    return [
        CandidateOut(
            id=match.view.id,
            names=match.view.names,
            score=match.score,
            reasons=match.reasons,
            date_of_birth=match.view.sections["operational"]
            .as_dict()["fields"]
            .get("date_of_birth"),
        )
        for match in matches
    ]


class PersonSectionOut(Schema):
    basis: str
    fields: dict[str, Any]
    identifiers: list[dict[str, str]]
    addresses: list[dict[str, str]]
    notes: list[dict[str, Any]]
    notice: str | None = None


class PersonOut(Schema):
    """Only the classes the caller may read are present; a refused class is absent."""

    id: UUID
    names: list[NameOut]
    operational: PersonSectionOut | None = None
    public_safety: PersonSectionOut | None = None
    clinical: PersonSectionOut | None = None
    sud_part2: PersonSectionOut | None = None
    care_coordination: PersonSectionOut | None = None


def _person_out(view) -> dict:
    body: dict[str, Any] = {"id": view.id, "names": view.names}
    for name, section in view.sections.items():
        data = section.as_dict()
        for note in data["notes"]:
            note.pop("agency_id", None)
        data["identifiers"] = [
            {key: value for key, value in identifier.items() if key != "id"}
            for identifier in data["identifiers"]
        ]
        body[name] = data
    return body


@router.get(
    "/persons/{person_id}",
    response=PersonOut,
    exclude_none=True,
    summary="A person, as far as you may see them",
)
def get_person(request: HttpRequest, person_id: UUID):
    view = view_person(_user(request), person_id, channel="api:person", request=request)
    return _person_out(view)


class NameIn(Schema):
    given: str = Field("", max_length=100)
    middle: str = Field("", max_length=100)
    family: str = Field("", max_length=100)
    kind: one_of(NameKind) = "legal"


class IdentifierIn(Schema):
    system: one_of(IdentifierSystem)
    issuer: str = Field(max_length=120)
    value: str = Field(max_length=64)


class AddressIn(Schema):
    line1: str = Field(max_length=200)
    line2: str = Field("", max_length=200)
    city: str = Field("", max_length=100)
    region: str = Field("", max_length=100)
    postal_code: str = Field("", max_length=20)
    kind: one_of(AddressKind) = "home"


class PersonIn(Schema):
    names: list[NameIn] = Field(min_length=1)
    date_of_birth: date | None = None
    birth_date_estimated: bool = False
    sex: one_of(Sex) = "unknown"
    gender_identity: str = Field("", max_length=80)
    pronouns: str = Field("", max_length=40)
    languages: list[str] = []
    veteran_status: one_of(VeteranStatus) = "unknown"
    flags: list[one_of(PersonFlag)] = []
    safety_concerns: str = ""
    clinical_summary: str = ""
    substance_use_treatment: str = ""
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    follow_up_needs: str = ""
    identifiers: list[IdentifierIn] = []
    addresses: list[AddressIn] = []


class CreatedOut(Schema):
    id: UUID


@router.post("/persons", response={201: CreatedOut}, summary="Register a person")
def create_person(request: HttpRequest, payload: PersonIn):
    data = payload.dict()
    person = actions.register_person(
        actions.PersonIn(
            **{
                key: value
                for key, value in data.items()
                if key not in ("names", "identifiers", "addresses")
            },
            names=[actions.NameIn(**name) for name in data["names"]],
            identifiers=[actions.IdentifierIn(**item) for item in data["identifiers"]],
            addresses=[actions.AddressIn(**item) for item in data["addresses"]],
        ),
        acting_user=_user(request),
        request=request,
    )
    return Status(201, CreatedOut(id=person.pk))
