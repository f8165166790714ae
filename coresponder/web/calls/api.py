"""Calls through the API: intake with triage and the recommended teams, reads, notes.

An agency's token (a call-taking system) may record calls and gets back the triage and the
recommendation; reading a call back, or linking it to a person, takes a signed-in user.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from coresponder.calls import actions
from coresponder.calls.access import access_call_by_id, view_call, view_calls
from coresponder.calls.models import CORRECTABLE, CallerRelation, Origin
from coresponder.calls.triage import Concern, Response, Screening, Source
from coresponder.core.access import signed_in_user
from coresponder.core.audit import Actor
from coresponder.core.exceptions import PermissionDenied
from coresponder.core.schemas import ZonedInstant, one_of
from coresponder.dispatch.teams import recommend

router = Router(tags=["calls"])


class CallIn(Schema):
    source: one_of(Source) = Field(description="How the call came in.")
    received_at: ZonedInstant | None = Field(None, description="Defaults to now; with an offset.")
    address: str = Field("", max_length=300)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    caller_name: str = Field("", max_length=200)
    caller_phone: str = Field("", max_length=32)
    caller_relation: one_of(CallerRelation) = "unknown"
    person_id: UUID | None = None
    concerns: list[one_of(Concern)] = Field(default_factory=list, max_length=20)
    screening: list[one_of(Screening)] = Field(default_factory=list, max_length=10)
    language: str = Field("", max_length=40)
    summary: str = Field("", max_length=4000)
    external_id: str = Field("", max_length=64)
    response: one_of(["", *(member.value for member in Response)]) = Field(
        "", description="Override the triage's response (with a reason)."
    )
    priority: int | None = Field(None, description="Override the triage's priority.")
    override_reason: str = Field("", max_length=500)


class TriageOut(Schema):
    response: str
    priority: int
    rule: str
    says: str


class RecommendationOut(Schema):
    team_id: int
    team: str
    arrival_minutes: float | None = Field(description="None when the call has no location.")
    fit: int
    reasons: list[str]


class CallCreatedOut(Schema):
    id: UUID
    reference: str
    response: str
    priority: int
    triage: TriageOut
    recommendations: list[RecommendationOut]


def recommendations_out(call, limit: int = 3) -> list[dict]:
    return [
        {
            "team_id": r.team.team_id,
            "team": r.team.name,
            "arrival_minutes": r.arrival_minutes,
            "fit": r.fit,
            "reasons": r.reasons,
        }
        for r in recommend(call, limit=limit)
    ]


def _decided(call) -> dict:
    """A call's number and what was decided for it: the response, and triage's own."""
    return {
        "id": call.pk,
        "reference": call.reference,
        "response": call.response,
        "priority": call.priority,
        "triage": {
            "response": call.triage_response,
            "priority": call.triage_priority,
            "rule": call.triage_rule,
            "says": call.triage_says,
        },
    }


def _taker(request: HttpRequest) -> dict:
    token = getattr(request, "api_token", None)
    if token is not None:
        return {"actor": Actor.of_token(token), "agency": token.agency}
    return {"acting_user": request.user}


@router.post(
    "/calls",
    response={201: CallCreatedOut},
    summary="Record a call: triage it and recommend teams",
)
def create_call(request: HttpRequest, payload: CallIn):
    data = payload.dict()
    if data["person_id"] and getattr(request, "api_token", None) is not None:
        raise PermissionDenied("Linking a call to a person takes a signed-in user.")
    call = actions.take_call(
        actions.CallIn(**data), origin=Origin.API, request=request, **_taker(request)
    )
    return Status(
        201,
        {
            **_decided(call),
            "recommendations": recommendations_out(call),
        },
    )


class CallOut(Schema):
    """Only what the caller may read: `screening` is absent for those who may not."""

    id: UUID
    reference: str
    state: str
    priority: int
    response: str
    received_at: datetime
    source: str
    address: str
    latitude: float | None = None
    longitude: float | None = None
    concerns: list[str]
    language: str
    summary: str
    caller_name: str
    caller_phone: str
    triage: dict[str, Any]
    override_reason: str
    person_id: UUID | None = Field(None, description="Absent: no person linked yet.")
    external_id: str
    screening: list[str] | None = None


@router.get("/calls/{call_id}", response=CallOut, exclude_none=True, summary="A call")
def get_call(request: HttpRequest, call_id: UUID):
    user = signed_in_user(request)
    return view_call(user, call_id, channel="api:call", request=request).as_dict()


@router.get(
    "/calls/{call_id}/recommendations",
    response=list[RecommendationOut],
    summary="The teams that could go, best first, with reasons",
)
def get_recommendations(request: HttpRequest, call_id: UUID):
    user = signed_in_user(request)
    call = access_call_by_id(user, call_id)
    return recommendations_out(call, limit=10)


class NoteIn(Schema):
    text: str = Field(max_length=2000)


class NoteOut(Schema):
    id: int
    text: str
    created_at: datetime


@router.post("/calls/{call_id}/notes", response={201: NoteOut}, summary="Add a note to a call")
def create_note(request: HttpRequest, call_id: UUID, payload: NoteIn):
    user = signed_in_user(request)
    call = access_call_by_id(user, call_id)
    note = actions.add_note(call, text=payload.text, acting_user=user, request=request)
    return Status(201, {"id": note.pk, "text": note.text, "created_at": note.created_at})


class CallCorrectionIn(Schema):
    """The intake facts to correct; a field left out stays as it is."""

    source: one_of(Source) | None = None
    concerns: list[one_of(Concern)] | None = Field(None, max_length=20)
    screening: list[one_of(Screening)] | None = Field(None, max_length=10)
    address: str | None = Field(None, max_length=300)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    caller_name: str | None = Field(None, max_length=200)
    caller_phone: str | None = Field(None, max_length=32)
    caller_relation: one_of(CallerRelation) | None = None
    language: str | None = Field(None, max_length=40)
    summary: str | None = Field(None, max_length=4000)
    reason: str = Field("", max_length=500, description="Why; needed once the call is closed.")
    keep_override: bool = Field(
        True, description="Keep a triage override; false: take the new triage's response."
    )


class FieldChangeOut(Schema):
    """Before and after are null where the reader may not read the field's class."""

    field: one_of(list(CORRECTABLE))
    before: Any = None
    after: Any = None


class CallCorrectedOut(Schema):
    id: UUID
    reference: str
    response: str
    priority: int
    triage: TriageOut
    changed: list[FieldChangeOut] = Field(
        description="Each field corrected, before and after; the screening only for those "
        "who may read it. Empty: the call already said that, and nothing was written."
    )


@router.patch(
    "/calls/{call_id}",
    response=CallCorrectedOut,
    summary="Correct a call's intake facts: triage runs again, the change is audited",
)
def correct_call(request: HttpRequest, call_id: UUID, payload: CallCorrectionIn):
    user = signed_in_user(request)
    call = access_call_by_id(user, call_id)
    # A field sent as null on a nullable fact (coordinates) clears it; otherwise left out.
    changes = payload.dict(exclude_unset=True)
    reason = changes.pop("reason", "")
    keep_override = changes.pop("keep_override", True)
    changes = {
        name: value
        for name, value in changes.items()
        if value is not None or name in ("latitude", "longitude")
    }
    correction = actions.correct_call(
        call,
        changes=changes,
        reason=reason,
        keep_override=keep_override,
        acting_user=user,
        request=request,
    )
    call.refresh_from_db()
    changed = []
    if correction is not None:
        # Before and after as the reader may read them now: the call's corrections,
        # through the gate (an audited read); a field not shown is named, without values.
        views = view_calls(user, [call], channel="api:call", request=request, with_corrections=True)
        shown = next(
            (c.values for c in (views[0].corrections if views else []) if c.id == correction.pk),
            {},
        )
        names = set(correction.changes) | (
            {"screening"} if correction.screening_after is not None else set()
        )
        for name in CORRECTABLE:
            if name in names:
                before, after = shown.get(name, (None, None))
                changed.append({"field": name, "before": before, "after": after})
    return {
        **_decided(call),
        "changed": changed,
    }
