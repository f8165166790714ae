"""Encounters, assessments, dispositions and response plans through the API.

Everything here is a person's information, so it takes a signed-in user (never an
agency's token), and every answer is what the privacy policy lets that user see.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from coresponder.calls.access import access_call_by_id
from coresponder.core.access import signed_in_user
from coresponder.core.exceptions import NotFound
from coresponder.core.schemas import one_of
from coresponder.people.access import access_person_by_id

from . import actions
from .access import (
    access_encounter_by_id,
    assessment_in,
    plan_for_action,
    plans_for,
    view_encounter,
)
from .dispositions import Disposition
from .models import Instrument
from .sections import INTERVENTION_CODES
from .sections import Kind as SectionKind

router = Router(tags=["encounters"])

SectionKindValue = one_of(SectionKind)


class AddendumOut(Schema):
    text: str
    author: str
    written_at: datetime


class EncounterSectionOut(Schema):
    kind: str
    title: str
    data_class: str
    state: str
    content: dict[str, Any] | None = Field(description="None: not yours to read.")
    revision: int
    signed_by: str
    signed_at: datetime | None
    addenda: list[AddendumOut]
    may_write: bool


class AssessmentOut(Schema):
    id: UUID
    instrument: str
    version: int
    title: str
    answers: dict[str, Any]
    complete: bool
    level: str
    label: str
    by: str
    at: datetime


class EncounterTimelineOut(Schema):
    event: str
    at: datetime


class ReferralOutcomeOut(Schema):
    id: UUID
    kind: str
    service: str
    organization: str
    state: str
    state_words: str
    appointment_at: datetime | None
    last_move: str
    last_move_at: datetime
    last_move_by: str


class EncounterOut(Schema):
    """Sections the reader may not read are absent; `assessments` is None for them too."""

    id: UUID
    call_id: UUID
    call_reference: str
    person_id: UUID | None
    state: str
    team: str
    disposition: str
    destination: str
    legal_basis: str
    hold_criteria: list[str]
    interventions: list[str]
    interventions_note: str
    revision: int
    timeline: list[EncounterTimelineOut]
    intervals_minutes: dict[str, float | None]
    sections: list[EncounterSectionOut]
    assessments: list[AssessmentOut] | None
    part2_notice: str
    completed_at: datetime | None
    referrals: list[ReferralOutcomeOut] = Field(
        default_factory=list, description="What became of the referrals made on it."
    )


def _encounter_out(user, encounter, request, channel: str) -> dict:
    return view_encounter(user, encounter, channel=channel, request=request).as_dict()


@router.post(
    "/calls/{call_id}/encounter",
    response={200: EncounterOut, 201: EncounterOut},
    summary="Start the call's encounter (or get the one started)",
)
def start_encounter(request: HttpRequest, call_id: UUID):
    user = signed_in_user(request)
    call = access_call_by_id(user, call_id)
    existed = hasattr(call, "encounter")
    encounter = actions.start_encounter(call, acting_user=user, request=request)
    return Status(
        200 if existed else 201, _encounter_out(user, encounter, request, "api:encounter")
    )


@router.get("/calls/{call_id}/encounter", response=EncounterOut, summary="The call's encounter")
def get_call_encounter(request: HttpRequest, call_id: UUID):
    user = signed_in_user(request)
    call = access_call_by_id(user, call_id)
    if not hasattr(call, "encounter"):
        raise NotFound("This call has no encounter yet.")
    encounter = access_encounter_by_id(user, call.encounter.pk)
    return _encounter_out(user, encounter, request, "api:encounter")


@router.get("/encounters/{encounter_id}", response=EncounterOut, summary="An encounter")
def get_encounter(request: HttpRequest, encounter_id: UUID):
    user = signed_in_user(request)
    encounter = access_encounter_by_id(user, encounter_id)
    return _encounter_out(user, encounter, request, "api:encounter")


class SectionIn(Schema):
    content: dict[str, Any] = Field(description="The fields to save; others stay as stored.")
    base: dict[str, Any] | None = Field(
        None,
        description="What each field said when you started editing. A field a colleague has "
        "changed since is a conflict (409) instead of being overwritten.",
    )
    save_id: str = Field(
        "", max_length=64, description="Your id for this save; a save resent is taken once."
    )


class SavedSectionOut(Schema):
    kind: str
    state: str
    revision: int
    content: dict[str, Any]


class SectionConflictOut(Schema):
    """The error shape; `current` when a colleague changed a field since you started."""

    message: str
    code: str
    fields: dict[str, list[str]]
    current: SavedSectionOut | None = Field(
        None, description="The section as stored now; absent when the section is signed."
    )


def _saved(section) -> dict:
    return {
        "kind": section.kind,
        "state": section.state,
        "revision": section.revision,
        "content": section.content,
    }


@router.put(
    "/encounters/{encounter_id}/sections/{kind}",
    response={200: SavedSectionOut, 409: SectionConflictOut},
    summary="Save a draft section (autosave)",
)
def save_section(
    request: HttpRequest, encounter_id: UUID, kind: SectionKindValue, payload: SectionIn
):
    user = signed_in_user(request)
    encounter = access_encounter_by_id(user, encounter_id)
    try:
        section = actions.save_section(
            encounter,
            kind,
            content=payload.content,
            base=payload.base,
            save_id=payload.save_id,
            acting_user=user,
            request=request,
        )
    except actions.EditConflict as conflict:
        return Status(
            409,
            {
                "message": conflict.message,
                "code": conflict.code,
                "fields": conflict.fields,
                "current": _saved(conflict.section),
            },
        )
    return _saved(section)


@router.post(
    "/encounters/{encounter_id}/sections/{kind}/sign",
    response=SavedSectionOut,
    summary="Sign your section; later changes are addenda",
)
def sign_section(request: HttpRequest, encounter_id: UUID, kind: SectionKindValue):
    user = signed_in_user(request)
    encounter = access_encounter_by_id(user, encounter_id)
    return _saved(actions.sign_section(encounter, kind, acting_user=user, request=request))


class AddendumIn(Schema):
    text: str = Field(max_length=4000)


@router.post(
    "/encounters/{encounter_id}/sections/{kind}/addenda",
    response={201: AddendumOut},
    summary="Add an addendum to a signed section",
)
def add_addendum(
    request: HttpRequest, encounter_id: UUID, kind: SectionKindValue, payload: AddendumIn
):
    user = signed_in_user(request)
    encounter = access_encounter_by_id(user, encounter_id)
    addendum = actions.add_addendum(
        encounter, kind, text=payload.text, acting_user=user, request=request
    )
    return Status(
        201, {"text": addendum.text, "author": str(user), "written_at": addendum.written_at}
    )


class AssessmentIn(Schema):
    instrument: str = Field(description="The instrument's key, e.g. cssrs-screener.")
    answers: dict[str, Any] = Field(default_factory=dict)


class AnswersIn(Schema):
    answers: dict[str, Any]


def _assessment_out(assessment) -> dict:
    return {
        "id": assessment.pk,
        "instrument": assessment.instrument.key,
        "version": assessment.instrument.version,
        "title": assessment.instrument.title,
        "answers": assessment.answers,
        "complete": assessment.complete,
        "level": assessment.level,
        "label": assessment.label,
        "by": str(assessment.by),
        "at": assessment.updated_at,
    }


@router.post(
    "/encounters/{encounter_id}/assessments",
    response={201: AssessmentOut},
    summary="Answer an instrument (partial answers are kept as a draft)",
)
def create_assessment(request: HttpRequest, encounter_id: UUID, payload: AssessmentIn):
    user = signed_in_user(request)
    encounter = access_encounter_by_id(user, encounter_id)
    assessment = actions.record_assessment(
        encounter,
        instrument_key=payload.instrument,
        answers=payload.answers,
        acting_user=user,
        request=request,
    )
    return Status(201, _assessment_out(assessment))


@router.put(
    "/encounters/{encounter_id}/assessments/{assessment_id}",
    response=AssessmentOut,
    summary="Change the answers of an assessment",
)
def update_assessment(
    request: HttpRequest, encounter_id: UUID, assessment_id: UUID, payload: AnswersIn
):
    user = signed_in_user(request)
    encounter = access_encounter_by_id(user, encounter_id)
    assessment = assessment_in(encounter, assessment_id)
    assessment = actions.record_assessment(
        encounter,
        instrument_key=assessment.instrument.key,
        answers=payload.answers,
        assessment=assessment,
        acting_user=user,
        request=request,
    )
    return _assessment_out(assessment)


class DispositionIn(Schema):
    disposition: one_of(Disposition) = Field(description="One of the dispositions of DESIGN.md.")
    destination: str = Field("", description="Where the person was taken, or the service.")
    legal_basis: str = Field("", description="An emergency hold's statute or order.")
    hold_criteria: list[str] = Field(default_factory=list, max_length=20)
    interventions: list[one_of(sorted(INTERVENTION_CODES))] = Field(
        default_factory=list, max_length=20
    )
    interventions_note: str = ""


@router.put(
    "/encounters/{encounter_id}/disposition",
    response=EncounterOut,
    summary="Record the primary disposition (refused with reasons if the record disagrees)",
)
def set_disposition(request: HttpRequest, encounter_id: UUID, payload: DispositionIn):
    user = signed_in_user(request)
    encounter = access_encounter_by_id(user, encounter_id)
    encounter = actions.set_disposition(
        encounter, actions.DispositionIn(**payload.dict()), acting_user=user, request=request
    )
    return _encounter_out(user, encounter, request, "api:disposition")


@router.post(
    "/encounters/{encounter_id}/complete",
    response=EncounterOut,
    summary="Complete the encounter: needs a valid disposition and every section signed",
)
def complete_encounter(request: HttpRequest, encounter_id: UUID):
    user = signed_in_user(request)
    encounter = access_encounter_by_id(user, encounter_id)
    encounter = actions.complete_encounter(encounter, acting_user=user, request=request)
    return _encounter_out(user, encounter, request, "api:complete")


@router.post(
    "/encounters/{encounter_id}/arrived",
    response=EncounterOut,
    summary="The transporting team reached the destination",
)
def arrived(request: HttpRequest, encounter_id: UUID):
    user = signed_in_user(request)
    encounter = access_encounter_by_id(user, encounter_id)
    encounter = actions.mark_arrived(encounter, acting_user=user, request=request)
    return _encounter_out(user, encounter, request, "api:arrived")


class InstrumentOut(Schema):
    key: str
    version: int
    title: str
    shipped: bool
    definition: dict[str, Any]


@router.get("/instruments", response=list[InstrumentOut], summary="Instruments offered")
def list_instruments(request: HttpRequest):
    signed_in_user(request)
    return list(Instrument.objects.filter(is_active=True))


class HoldCriterionOut(Schema):
    code: str
    text: str


@router.get(
    "/hold-criteria",
    response=list[HoldCriterionOut],
    summary="The jurisdiction's criteria for an emergency hold",
)
def hold_criteria(request: HttpRequest):
    user = signed_in_user(request)
    criteria = actions.hold_criteria_of(user.agency.program)
    return [{"code": code, "text": text} for code, text in criteria.items()]


class PlanOut(Schema):
    """`whole` is False for readers of the safety summary only (officers)."""

    id: UUID
    person_id: UUID
    state: str
    review_by: date
    expired: bool
    approved_by: str
    approved_at: datetime | None
    drafted_by: str
    whole: bool
    content: dict[str, Any]


class PlanContactIn(Schema):
    name: str = Field(max_length=120)
    role: str = Field("", max_length=120)
    phone: str = Field("", max_length=40)


class PlanIn(Schema):
    review_by: date
    safety_concerns: str = ""
    triggers: str = ""
    calming: str = ""
    baseline: str = ""
    escalated: str = ""
    strategies: list[str] = Field(default_factory=list, max_length=20)
    contacts: list[PlanContactIn] = Field(default_factory=list, max_length=20)


@router.get(
    "/persons/{person_id}/response-plans",
    response=list[PlanOut],
    summary="The person's response plan (and drafts, for clinicians)",
)
def list_plans(request: HttpRequest, person_id: UUID):
    user = signed_in_user(request)
    person = access_person_by_id(user, person_id)
    return [
        view.as_dict()
        for view in plans_for(user, person, channel="api:plans", request=request, drafts=True)
    ]


def _plan_in(payload: PlanIn) -> actions.PlanIn:
    data = payload.dict()
    return actions.PlanIn(**data)


def _plan_out(user, plan, request) -> dict:
    views = plans_for(user, plan.person, channel="api:plans", request=request, drafts=True)
    return next(view.as_dict() for view in views if view.id == plan.pk)


@router.post(
    "/persons/{person_id}/response-plans",
    response={201: PlanOut},
    summary="Draft a response plan",
)
def create_plan(request: HttpRequest, person_id: UUID, payload: PlanIn):
    user = signed_in_user(request)
    person = access_person_by_id(user, person_id)
    plan = actions.save_plan(person, _plan_in(payload), acting_user=user, request=request)
    return Status(201, _plan_out(user, plan, request))


@router.put("/response-plans/{plan_id}", response=PlanOut, summary="Change a draft plan")
def update_plan(request: HttpRequest, plan_id: UUID, payload: PlanIn):
    user = signed_in_user(request)
    plan = plan_for_action(user, plan_id)
    plan = actions.save_plan(
        plan.person, _plan_in(payload), plan=plan, acting_user=user, request=request
    )
    return _plan_out(user, plan, request)


@router.post(
    "/response-plans/{plan_id}/approve",
    response=PlanOut,
    summary="Approve a draft plan (a supervisor, not its author)",
)
def approve_plan(request: HttpRequest, plan_id: UUID):
    user = signed_in_user(request)
    plan = actions.approve_plan(plan_for_action(user, plan_id), acting_user=user, request=request)
    return _plan_out(user, plan, request)
