from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema

from .models import Agency

router = Router(tags=["accounts"])


class AgencyOut(Schema):
    id: int
    name: str
    kind: str


class WhoAmIOut(Schema):
    kind: str  # "user" or "api_token"
    username: str | None
    roles: list[str]
    token_name: str | None
    agency: AgencyOut
    program: str
    time_zone: str = Field(
        description="The clock to show times on: the program's time zone, or the user's own. "
        "Times in the API are ISO 8601 with their offset."
    )


@router.get("/me", response=WhoAmIOut, summary="Who the API sees you as")
def who_am_i(request: HttpRequest):
    token = getattr(request, "api_token", None)
    if token is not None:
        agency = token.agency
        return WhoAmIOut(
            kind="api_token",
            username=None,
            roles=[],
            token_name=token.name,
            agency=AgencyOut(id=agency.pk, name=agency.name, kind=agency.kind),
            program=agency.program.name,
            time_zone=str(agency.program.zone),
        )
    user = request.user
    agency = user.agency
    return WhoAmIOut(
        kind="user",
        username=user.username,
        roles=sorted(user.roles),
        token_name=None,
        agency=AgencyOut(id=agency.pk, name=agency.name, kind=agency.kind),
        program=agency.program.name,
        time_zone=str(user.zone),
    )


class AgencyListOut(Schema):
    id: int
    name: str
    kind: str


@router.get("/agencies", response=list[AgencyListOut], summary="The agencies of your program")
def list_agencies(request: HttpRequest):
    token = getattr(request, "api_token", None)
    program = token.agency.program if token is not None else request.user.program
    return list(Agency.objects.filter(program=program).order_by("name"))
