"""Reading encounters and response plans: fetched here, handed to the read gate.

Who works a call (its dispatch desk while open, the call-taker, the teams sent) is on the
call: the gate adds that relation to the person's own. The gate shows each section only
when the policy lets the reader read its class, or when the reader wrote it (an EMT reads
the medical section they wrote, not the clinician's note: `Section.privacy_authors`), and
writes one audit entry per reader, encounter or plan, and window. `Rights` is what the
reader may write, for the forms and the actions.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from coresponder.calls.access import CALL_READERS, working_calls
from coresponder.calls.models import Call
from coresponder.core.exceptions import NotFound
from coresponder.dispatch.models import StatusEvent, TeamMember
from coresponder.dispatch.status import WORDS as STATUS_WORDS
from coresponder.dispatch.status import Status
from coresponder.privacy import gate
from coresponder.privacy.access import circumstances_for, readable_for_many, requester_of
from coresponder.privacy.classification import PART2_NOTICE, DataClass
from coresponder.privacy.policy import Action, Circumstances, Decision, Relation, allowed_classes

from . import events, referrals_made, timeline
from .dispositions import WORDS as DISPOSITION_WORDS
from .models import Assessment, Encounter, EncounterState, PlanState, ResponsePlan
from .sections import INTERVENTIONS, SECTIONS


@dataclass(frozen=True)
class Rights:
    """What one user may read and write of one encounter's person, and why."""

    readable: dict[str, Decision]
    writable: dict[str, Decision]
    works: bool  # works the call: on a team sent to it, the call-taker, or the open desk
    team_role: str | None  # officer, clinician or emt on a team sent to the call

    def reads(self, data_class: str) -> bool:
        return data_class in self.readable

    def writes(self, data_class: str) -> bool:
        return data_class in self.writable


def team_role_on(user, call: Call) -> str | None:
    return (
        TeamMember.objects.filter(user=user, team__status_events__call=call)
        .values_list("role", flat=True)
        .first()
    )


def circumstances_on(user, call: Call, *, works: bool) -> Circumstances:
    base = circumstances_for(user, call.person) if call.person_id else Circumstances()
    if works:
        return replace(base, relations=base.relations | {Relation.ON_CALL})
    return base


def rights_for(user, call: Call) -> Rights:
    requester = requester_of(user)
    if requester is None or call.program_id != user.agency.program_id:
        return Rights({}, {}, False, None)
    works = call.pk in working_calls(user, [call])
    circumstances = circumstances_on(user, call, works=works)
    return Rights(
        readable=allowed_classes(requester, Action.READ, circumstances),
        writable=allowed_classes(requester, Action.WRITE, circumstances),
        works=works,
        team_role=team_role_on(user, call),
    )


def access_encounter_by_id(user, encounter_id) -> Encounter:
    """The encounter, for an action or a view; NotFound for another program's or a bad id."""
    try:
        encounter_id = uuid.UUID(str(encounter_id))
    except ValueError:
        raise NotFound(_("No such encounter.")) from None
    encounter = (
        Encounter.objects.filter(pk=encounter_id, program_id=user.agency.program_id)
        .select_related("call", "call__person", "team")
        .first()
        if user.has_role(*CALL_READERS)
        else None
    )
    if encounter is None:
        raise NotFound(_("No such encounter."))
    return encounter


@dataclass
class AddendumView:
    text: str
    author: str
    written_at: datetime


@dataclass
class SectionView:
    kind: str
    title: str
    data_class: str
    state: str
    content: dict | None  # None: not the reader's to see
    revision: int
    signed_by: str
    signed_at: datetime | None
    addenda: list[AddendumView]
    may_write: bool
    fields: list = field(default_factory=list)  # the spec's fields, for forms

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "title": self.title,
            "data_class": self.data_class,
            "state": self.state,
            "content": self.content,
            "revision": self.revision,
            "signed_by": self.signed_by,
            "signed_at": self.signed_at,
            "addenda": [vars(addendum) for addendum in self.addenda],
            "may_write": self.may_write,
        }


@dataclass
class AssessmentView:
    id: Any
    instrument: str
    version: int
    title: str
    answers: dict
    complete: bool
    level: str
    label: str
    by: str
    at: datetime

    def as_dict(self) -> dict:
        return dict(vars(self))


@dataclass
class EncounterView:
    id: Any
    call_id: Any
    call_reference: str
    person_id: Any
    state: str
    team: str
    disposition: str
    disposition_words: str
    destination: str
    legal_basis: str
    hold_criteria: list[str]
    interventions: list[str]
    intervention_words: list[str]
    interventions_note: str
    revision: int
    timeline: list[tuple[str, datetime]]
    intervals: dict[str, float | None]
    sections: list[SectionView]
    assessments: list[AssessmentView] | None  # None: not the reader's to see
    classes: list[str]
    part2_notice: str = ""
    completed_at: datetime | None = None
    # What became of its referrals (referrals_made.outcomes), as far as the
    # reader may read each: the class of a referral is derived from its service.
    referrals: list = field(default_factory=list)

    def section(self, kind: str) -> SectionView | None:
        return next((s for s in self.sections if s.kind == kind), None)

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "call_id": self.call_id,
            "call_reference": self.call_reference,
            "person_id": self.person_id,
            "state": self.state,
            "team": self.team,
            "disposition": self.disposition,
            "destination": self.destination,
            "legal_basis": self.legal_basis,
            "hold_criteria": self.hold_criteria,
            "interventions": self.interventions,
            "interventions_note": self.interventions_note,
            "revision": self.revision,
            "timeline": [{"event": name, "at": at} for name, at in self.timeline],
            "intervals_minutes": self.intervals,
            "sections": [section.as_dict() for section in self.sections],
            "assessments": None
            if self.assessments is None
            else [assessment.as_dict() for assessment in self.assessments],
            "part2_notice": self.part2_notice,
            "completed_at": self.completed_at,
            "referrals": [referral.as_dict() for referral in self.referrals],
        }


def status_events(encounter: Encounter) -> list[tuple[str, datetime]]:
    """The team's status moves on this call, oldest first, as (status, time)."""
    rows = StatusEvent.objects.filter(call_id=encounter.call_id)
    if encounter.team_id:
        rows = rows.filter(team_id=encounter.team_id)
    return list(rows.order_by("occurred_at", "id").values_list("to_status", "occurred_at"))


def timeline_of(
    encounter: Encounter, received: datetime
) -> tuple[list[tuple[str, datetime]], timeline.Intervals]:
    """The team's moves on the call, from `received` (the call's time, as projected)."""
    moves = status_events(encounter)
    if encounter.arrived_at:
        moves.append(("arrived", encounter.arrived_at))
    lines = [(_("received"), received)]
    seen = set()
    for status, at in sorted(moves, key=lambda move: move[1]):
        if status in seen:
            continue
        seen.add(status)
        if status == "arrived":
            words = _("arrived at the destination")
        elif status == Status.AVAILABLE:
            words = _("complete: team available")
        else:
            words = STATUS_WORDS[Status(status)]
        lines.append((words, at))
    return lines, timeline.intervals(received, moves)


# What an encounter shows besides its own fields, read with it by the gate: its call's
# reference and time, its sections (each in its kind's class; its writer reads it) with
# their addenda, and its assessments (clinical).
ENCOUNTER_ROWS = {
    "call": gate.Rows(
        lambda encounter: [encounter.call], only=frozenset({"reference", "received_at"})
    ),
    "sections": gate.Rows(
        lambda encounter: encounter.sections.select_related("signed_by").prefetch_related(
            "addenda__author"
        ),
        {"addenda": lambda section: section.addenda.all()},
    ),
    "assessments": lambda encounter: encounter.assessments.select_related("instrument", "by"),
}


def _section_views(projection: gate.Projection, rights: Rights) -> list[SectionView]:
    """The sections the gate let through, and the empty ones the reader may write or
    read, in the order of `SECTIONS`."""
    written = {section["kind"]: section for section in projection.extra["sections"]}
    views = []
    for kind, spec in SECTIONS.items():
        section = written.get(kind.value)
        may_write = rights.team_role == spec.writer and rights.writes(spec.data_class)
        readable = section.has("content") if section else projection.reads(spec.data_class)
        if not readable and not may_write:
            continue
        signed_by = section["signed_by"] if section else None
        views.append(
            SectionView(
                kind=kind.value,
                title=spec.title,
                data_class=spec.data_class.value,
                state=section["state"] if section else "new",
                content=dict(section["content"])
                if section and readable
                else ({} if readable else None),
                revision=section["revision"] if section else 0,
                signed_by=str(signed_by) if signed_by is not None else "",
                signed_at=section["signed_at"] if section else None,
                addenda=[
                    AddendumView(a["text"], str(a["author"]), a["written_at"])
                    for a in section.extra["addenda"]
                    if a.has("text")
                ]
                if section
                else [],
                may_write=may_write,
                fields=list(spec.fields),
            )
        )
    return views


def _assessment_views(projection: gate.Projection) -> list[AssessmentView] | None:
    """The assessments, for a reader of the clinical class (None for anyone else)."""
    if not projection.reads(DataClass.CLINICAL):
        return None
    return [
        AssessmentView(
            id=a.id,
            instrument=a["instrument"].key,
            version=a["instrument"].version,
            title=a["instrument"].title,
            answers=dict(a["answers"]),
            complete=a["complete"],
            level=a["level"],
            label=a["label"],
            by=str(a["by"]),
            at=a["updated_at"],
        )
        for a in projection.extra["assessments"]
        if a.has("answers")
    ]


def _view(
    encounter: Encounter, projection: gate.Projection, rights: Rights, referrals: list
) -> EncounterView:
    """An encounter's view, built from what the gate let through (never from the row)."""
    shown = projection.fields
    (call,) = projection.extra["call"]
    sections = _section_views(projection, rights)
    lines, figures = timeline_of(encounter, call["received_at"])
    intervention_words = dict(INTERVENTIONS)
    shows_part2 = any(
        view.data_class == DataClass.SUD_PART2 and view.content for view in sections
    ) or any(outcome.part2 for outcome in referrals)
    disposition = shown.get("disposition", "")
    interventions = list(shown.get("interventions", []))
    return EncounterView(
        id=projection.id,
        call_id=encounter.call_id,
        call_reference=call["reference"],
        person_id=projection.person_id,
        state=shown["state"],
        team=shown["team"].name if shown["team"] is not None else "",
        disposition=disposition,
        disposition_words=DISPOSITION_WORDS.get(disposition, "") if disposition else "",
        destination=shown.get("destination", ""),
        legal_basis=shown.get("legal_basis", ""),
        hold_criteria=list(shown.get("hold_criteria", [])),
        interventions=interventions,
        intervention_words=[intervention_words.get(i, i) for i in interventions],
        interventions_note=shown.get("interventions_note", ""),
        revision=shown["revision"],
        timeline=lines,
        intervals=figures.as_minutes(),
        sections=sections,
        assessments=_assessment_views(projection),
        classes=sorted(projection.readable),
        part2_notice=str(PART2_NOTICE) if shows_part2 else "",
        completed_at=shown["completed_at"],
        referrals=referrals,
    )


def view_encounter(
    user, encounter: Encounter, *, channel: str, request=None, rights: Rights | None = None
) -> EncounterView:
    """The encounter as `user` may see it, through the read gate: decided (those who work
    the call are on it; a section's writer reads it), projected (its sections, addenda
    and assessments each by their class) and audited in one entry naming the classes
    shown. NotFound when the reader may see nothing of it.

    `rights`: the user's rights on the call when the caller has them already (a page that
    asks several reads of one call)."""
    rights = rights or rights_for(user, encounter.call)
    prefetch_related_objects([encounter], "call", "team")  # those not fetched with it
    shown = gate.read(
        user,
        [encounter],
        channel=channel,
        request=request,
        event=events.ENCOUNTER_VIEWED,
        label="encounter",
        relations={encounter.pk: {Relation.ON_CALL}} if rights.works else None,
        children=ENCOUNTER_ROWS,
        detail=lambda row: {"encounter": str(row.pk)},
    )
    if not shown:
        raise NotFound(_("No such encounter."))
    referrals = referrals_made.outcomes(user, encounter, channel=channel, request=request)
    return _view(encounter, shown[0], rights, referrals)


def encounter_of_call(call: Call) -> Encounter | None:
    return (
        Encounter.objects.filter(call=call).select_related("call", "call__person", "team").first()
    )


def records_to_finish(user, *, limit: int = 20) -> list[Encounter]:
    """Draft encounters of the calls the user's teams were sent to, oldest first.

    Only the encounters: the caller shows their calls through `calls.access.view_calls`,
    which audits the read.
    """
    return list(
        Encounter.objects.filter(
            program_id=user.agency.program_id,
            state=EncounterState.DRAFT,
            call__status_events__team__members__user=user,
        )
        .distinct()
        .select_related("call")
        .order_by("created_at")[:limit]
    )


# Response plans -------------------------------------------------------------------------

# A plan's safety summary is its public-safety fields, the whole plan adds the clinical
# ones (`ResponsePlan.privacy_classes`); the gate projects them.
PLAN_CLASSES = {DataClass.PUBLIC_SAFETY.value, DataClass.CLINICAL.value}


@dataclass
class PlanView:
    id: Any
    person_id: Any
    state: str
    review_by: Any
    expired: bool
    approved_by: str
    approved_at: datetime | None
    drafted_by: str
    whole: bool  # False: the safety summary only
    content: dict

    def as_dict(self) -> dict:
        return dict(vars(self))


def _plan_view(projection: gate.Projection, *, today) -> PlanView:
    """A plan's view, built from what the gate let through (never from the row)."""
    shown = projection.fields
    names = projection.of_class(DataClass.PUBLIC_SAFETY) + projection.of_class(DataClass.CLINICAL)
    approved_by, drafted_by = shown["approved_by"], shown["drafted_by"]
    return PlanView(
        id=projection.id,
        person_id=projection.person_id,
        state=shown["state"],
        review_by=shown["review_by"],
        expired=shown["review_by"] < today,
        approved_by=str(approved_by) if approved_by is not None else "",
        approved_at=shown["approved_at"],
        drafted_by=str(drafted_by),
        whole=DataClass.CLINICAL in projection.shown,
        content={name: shown[name] for name in names},
    )


def _read_plans(
    user, plans, *, channel: str, whole: bool, request=None, relations=None, classes=None
):
    return gate.read(
        user,
        plans,
        channel=channel,
        request=request,
        event=events.PLAN_VIEWED,
        label="response_plan",
        relations=relations,
        classes=classes or PLAN_CLASSES,
        require=None,
        name_fields=True,
        detail=lambda plan: {"plan": str(plan.pk), "state": plan.state, "whole": whole},
    )


def plans_for(
    user,
    person,
    *,
    channel: str,
    request=None,
    drafts: bool = False,
    call: Call | None = None,
    rights: Rights | None = None,
) -> list[PlanView]:
    """The person's plans `user` may see: the approved one, and drafts for clinicians.

    Readers of the clinical class see the whole plan; readers of public safety only (an
    officer) the safety summary; anyone else nothing. The gate projects and audits each
    plan shown (one entry per reader, plan and window).
    """
    relations = None
    if call is not None:
        rights = rights or rights_for(user, call)
        readable = rights.readable
    else:
        readable = readable_for_many(user, [person])[person.pk]
    whole = DataClass.CLINICAL in readable
    if not whole and DataClass.PUBLIC_SAFETY not in readable:
        return []
    states = [PlanState.APPROVED] + ([PlanState.DRAFT] if drafts and whole else [])
    plans = list(
        ResponsePlan.objects.filter(person=person, state__in=states).select_related(
            "approved_by", "drafted_by"
        )
    )
    if rights is not None and rights.works:
        relations = {plan.pk: {Relation.ON_CALL} for plan in plans}
    today = timezone.localdate()
    return [
        _plan_view(projection, today=today)
        for projection in _read_plans(
            user, plans, channel=channel, whole=whole, request=request, relations=relations
        )
    ]


def plan_summaries_for(user, person_ids, *, channel: str, request=None) -> dict[object, PlanView]:
    """The safety summary of each person's approved plan, for a list (the intake's
    candidates): only for persons whose public-safety or clinical class `user` may read,
    in a fixed number of queries, one audit entry per plan shown."""
    plans = list(
        ResponsePlan.objects.filter(
            person_id__in=list(person_ids),
            program_id=user.agency.program_id,
            state=PlanState.APPROVED,
        ).select_related("approved_by", "drafted_by")
    )
    today = timezone.localdate()
    return {
        projection.person_id: _plan_view(projection, today=today)
        for projection in _read_plans(
            user,
            plans,
            channel=channel,
            whole=False,
            request=request,
            classes={DataClass.PUBLIC_SAFETY.value},
        )
    }


def plan_for_action(user, plan_id, *, person=None) -> ResponsePlan:
    """A plan of the user's program (of `person`, when given), for an action (save,
    approve) to work on; NotFound for a bad id. The actions ask the policy; this shows
    nothing."""
    try:
        plan_id = uuid.UUID(str(plan_id))
    except ValueError:
        raise NotFound(_("No such plan.")) from None
    plans = ResponsePlan.objects.filter(pk=plan_id, program_id=user.agency.program_id)
    if person is not None:
        plans = plans.filter(person_id=person.pk)
    plan = plans.select_related("person").first()
    if plan is None:
        raise NotFound(_("No such plan."))
    return plan


def assessment_in(encounter: Encounter, assessment_id) -> Assessment:
    try:
        return encounter.assessments.select_related("instrument").get(pk=assessment_id)
    except (Assessment.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("No such assessment on this encounter.")) from None
