"""Follow-up cases through the API: the worklist, one case, its tasks, contacts, goals and
safety plan.

Everything here is a person's information, so it takes a signed-in user (never an
agency's token). A case shows only to whoever may read its person's care coordination
(404 for others, so a forbidden case's existence is never revealed); goals and the safety
plan are clinical and are `null` (or 403 on their own endpoints) for other readers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from coresponder.accounts.models import Role, User
from coresponder.core.access import signed_in_user
from coresponder.core.exceptions import DomainError, NotFound, PermissionDenied
from coresponder.core.schemas import ZonedInstant
from coresponder.people.access import access_person_by_id
from coresponder.privacy.access import decide_for
from coresponder.privacy.classification import DataClass
from coresponder.privacy.policy import Action

from . import actions
from .access import (
    access_case_by_id,
    access_task_by_id,
    case_contacts,
    case_safety_plan,
    case_tasks,
    view_case,
    worklist,
)
from .models import Goal, OpenedBecause

router = Router(tags=["cases"])

CaseStatusIn = Literal["open", "active", "on_hold", "closed"]
CloseReasonIn = Literal[
    "",
    "goals_met",
    "connected",
    "declined",
    "unable_to_reach",
    "moved_away",
    "in_custody",
    "deceased",
    "other",
]
GoalStatusIn = Literal["not_started", "in_progress", "achieved", "dropped"]
MethodIn = Literal["phone", "text", "visit", "letter"]
OutcomeIn = Literal["reached", "no_answer", "left_message", "wrong_number", "declined"]
FlagIn = Literal["repeat_crisis", "unreached"]


# --- output ---------------------------------------------------------------------------------


class PersonRefOut(Schema):
    id: UUID
    name: str


class TaskOut(Schema):
    id: UUID
    kind: str
    kind_label: str
    title: str
    due_at: datetime
    standing: str = Field(description="overdue, due_today or later; done or cancelled once closed")
    state: str
    assignee: str = Field(description="Empty: the queue's.")
    queue: str
    done_at: datetime | None
    done_note: str | None = Field(description="None: not yours to read (care coordination).")
    referral_id: UUID | None


class ContactOut(Schema):
    id: int
    method: str
    method_label: str
    outcome: str
    outcome_label: str
    at: datetime
    by: str
    note: str | None = Field(description="None: not yours to read (care coordination).")


class GoalOut(Schema):
    id: int
    text: str
    status: str
    status_label: str
    progress_note: str
    target_date: date | None


class PlanRevisionOut(Schema):
    number: int
    answers: dict[str, Any]
    note: str
    written_by: str
    written_at: datetime


class CaseTimelineOut(Schema):
    at: datetime
    kind: str
    title: str
    detail: str
    data_class: str
    link: str
    appointment_at: datetime | None = Field(None, description="A referral booked: when.")


class CaseOut(Schema):
    """`goals` and `safety_plan` are None for whoever may not read clinical information;
    `close_reason`, `close_note` and the notes of contacts and tasks for whoever may not
    read care coordination."""

    id: UUID
    number: str
    person: PersonRefOut
    status: str
    status_label: str
    opened_because: str
    opened_because_label: str
    opened_at: datetime
    case_manager: str
    case_manager_id: int | None
    queue: str
    closed_at: datetime | None
    close_reason: str | None
    close_note: str | None
    repeat_crisis_at: datetime | None
    unreached_at: datetime | None
    flags: list[str]
    revision: int
    readable: dict[str, str] = Field(description="Each class you may read, with its basis.")
    tasks: list[TaskOut]
    contacts: list[ContactOut]
    goals: list[GoalOut] | None
    safety_plan: list[PlanRevisionOut] | None = Field(description="Revisions, newest first.")
    care_team: list[str]
    timeline: list[CaseTimelineOut]


class WorklistItemOut(Schema):
    id: UUID
    number: str
    status: str
    person: PersonRefOut
    case_manager: str
    next_due_at: datetime | None
    next_task: str
    overdue: int
    due_today: int
    last_contact_at: datetime | None
    flags: list[str]
    opened_because: str = Field(description="Why the case opened.")
    risk_level: Literal["none", "low", "moderate", "high"] | None = Field(
        description="The risk level of the person's latest complete C-SSRS screening, by the "
        "screener's triage; null when none is complete, or not yours to read."
    )


class WorklistOut(Schema):
    items: list[WorklistItemOut]
    counts: dict[str, int] = Field(description="overdue, due_today, new and flagged cases.")
    total: int = Field(description="Cases on the worklist before the group is applied.")
    group: str
    sort: str
    matching: int = Field(description="Cases in the group, on every page.")
    page: int
    pages: int


def _flags(repeat_crisis: bool, unreached: bool) -> list[str]:
    return [name for name, on in (("repeat_crisis", repeat_crisis), ("unreached", unreached)) if on]


def _case_out(user, case_id, request, channel: str = "api:case") -> dict:
    view = view_case(user, case_id, channel=channel, request=request)
    return {
        **{
            name: getattr(view, name)
            for name in (
                "id",
                "number",
                "status",
                "status_label",
                "opened_because",
                "opened_because_label",
                "opened_at",
                "case_manager",
                "case_manager_id",
                "queue",
                "closed_at",
                "close_reason",
                "close_note",
                "repeat_crisis_at",
                "unreached_at",
                "revision",
                "readable",
                "tasks",
                "contacts",
                "goals",
                "safety_plan",
                "care_team",
                "timeline",
            )
        },
        "person": {"id": view.person.id, "name": view.person.display_name},
        "flags": _flags(view.repeat_crisis_at is not None, view.unreached_at is not None),
    }


# --- the worklist and one case ----------------------------------------------------------


class WorklistQuery(Schema):
    group: Literal["", "overdue", "due_today", "new", "flagged"] = ""
    sort: Literal["due", "opened", "name", "contact"] = "due"
    status: Literal["", "open", "active", "on_hold"] = ""
    page: int = Field(1, ge=1, le=100_000, description="50 cases a page.")


@router.get("/cases", response=WorklistOut, summary="Your worklist: your cases and your queue's")
def list_cases(request: HttpRequest, filters: Query[WorklistQuery]):
    user = signed_in_user(request)
    found = worklist(
        user,
        group=filters.group,
        sort=filters.sort,
        status=filters.status,
        page=filters.page,
        request=request,
        channel="api:cases",
    )
    return {
        "items": [
            {
                "id": row.id,
                "number": row.number,
                "status": row.status,
                "person": {"id": row.person_id, "name": row.person_name},
                "case_manager": row.case_manager,
                "next_due_at": row.next_due_at,
                "next_task": row.next_task,
                "overdue": row.overdue,
                "due_today": row.due_today,
                "last_contact_at": row.last_contact_at,
                "flags": _flags(row.repeat_crisis, row.unreached),
                "opened_because": row.opened_because,
                "risk_level": row.risk.value if row.risk else None,
            }
            for row in found.rows
        ],
        "counts": found.counts,
        "total": found.total,
        "group": found.group,
        "sort": found.sort,
        "matching": found.matching,
        "page": found.page,
        "pages": found.pages,
    }


class OpenCaseIn(Schema):
    person_id: UUID
    case_manager_id: int | None = Field(None, description="None: the case waits in a queue.")


def _case_manager(user, user_id: int | None, field: str) -> User | None:
    if user_id is None:
        return None
    found = User.objects.filter(
        pk=user_id, agency__program_id=user.agency.program_id, is_active=True
    ).first()
    if found is None or not found.has_role(Role.CASE_MANAGER):
        raise DomainError(
            _("No such case manager in the program."),
            fields={field: [_("No such case manager in the program.")]},
        )
    return found


@router.post(
    "/cases",
    response={201: CaseOut},
    summary="Open a case by hand (409 when the person has one open)",
)
def create_case(request: HttpRequest, payload: OpenCaseIn):
    user = signed_in_user(request)
    person = access_person_by_id(user, payload.person_id)
    case_manager = _case_manager(user, payload.case_manager_id, "case_manager_id")
    case = actions.open_case(
        person,
        because=OpenedBecause.BY_HAND,
        acting_user=user,
        case_manager=case_manager,
        request=request,
    )
    return Status(201, _case_out(user, case.pk, request))


@router.get("/cases/{case_id}", response=CaseOut, summary="A case")
def get_case(request: HttpRequest, case_id: UUID):
    user = signed_in_user(request)
    return _case_out(user, case_id, request)


class StatusIn(Schema):
    status: CaseStatusIn
    reason: CloseReasonIn = Field("", description="Required to close; only a closed case has one.")
    note: str = Field("", max_length=4000, description="A closing note.")


class StatusOut(Schema):
    """What was written. Not the whole case: closing takes the queue off the care team, so
    a colleague of the queue who closed an unassigned case may no longer read it."""

    id: UUID
    number: str
    status: str
    status_label: str
    closed_at: datetime | None
    close_reason: str
    close_note: str
    revision: int


@router.patch(
    "/cases/{case_id}",
    response=StatusOut,
    summary="Change a case's status: open, active, on hold, or closed with a reason",
)
def patch_case(request: HttpRequest, case_id: UUID, payload: StatusIn):
    user = signed_in_user(request)
    case = access_case_by_id(user, case_id)
    case = actions.set_status(
        case,
        status=payload.status,
        reason=payload.reason,
        note=payload.note,
        acting_user=user,
        request=request,
    )
    return {
        "id": case.pk,
        "number": case.number,
        "status": case.status,
        "status_label": str(case.get_status_display()),
        "closed_at": case.closed_at,
        "close_reason": case.close_reason,
        "close_note": case.close_note,
        "revision": case.revision,
    }


class AssignIn(Schema):
    case_manager_id: int


@router.post(
    "/cases/{case_id}/assign",
    response=CaseOut,
    summary="Assign a case (a supervisor), or take it from the queue (a case manager)",
)
def assign_case(request: HttpRequest, case_id: UUID, payload: AssignIn):
    user = signed_in_user(request)
    case = access_case_by_id(user, case_id)
    case_manager = _case_manager(user, payload.case_manager_id, "case_manager_id")
    actions.assign_case(case, case_manager=case_manager, acting_user=user, request=request)
    return _case_out(user, case_id, request)


@router.post(
    "/cases/{case_id}/flags/{flag}/clear",
    response=CaseOut,
    summary="Clear a flag the care team has dealt with",
)
def clear_flag(request: HttpRequest, case_id: UUID, flag: FlagIn):
    user = signed_in_user(request)
    case = access_case_by_id(user, case_id)
    actions.clear_flag(case, flag=flag, acting_user=user, request=request)
    return _case_out(user, case_id, request)


# --- tasks ------------------------------------------------------------------------------


@router.get("/cases/{case_id}/tasks", response=list[TaskOut], summary="A case's tasks")
def list_tasks(request: HttpRequest, case_id: UUID):
    user = signed_in_user(request)
    return case_tasks(user, case_id, channel="api:case_tasks", request=request)


class TaskIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    due_at: ZonedInstant = Field(description="The deadline, with its time zone.")
    assignee_id: int | None = Field(None, description="None: the case's queue.")


def _task_out(user, case_id, task_id, request) -> dict:
    views = case_tasks(user, case_id, channel="api:case_tasks", request=request)
    return next(view for view in views if view.id == task_id)


@router.post("/cases/{case_id}/tasks", response={201: TaskOut}, summary="Add a task")
def create_task(request: HttpRequest, case_id: UUID, payload: TaskIn):
    user = signed_in_user(request)
    case = access_case_by_id(user, case_id)
    task = actions.add_task(
        case,
        actions.TaskIn(title=payload.title, due_at=payload.due_at, assignee_id=payload.assignee_id),
        acting_user=user,
        request=request,
    )
    return Status(201, _task_out(user, case_id, task.pk, request))


class TaskDoneIn(Schema):
    note: str = Field("", max_length=300, description="How it was done.")


@router.post("/tasks/{task_id}/done", response=TaskOut, summary="Mark a task done")
def complete_task(request: HttpRequest, task_id: UUID, payload: TaskDoneIn | None = None):
    user = signed_in_user(request)
    task = access_task_by_id(user, task_id)
    note = payload.note if payload is not None else ""
    actions.complete_task(task, note=note, acting_user=user, request=request)
    return _task_out(user, task.case_id, task.pk, request)


# --- contacts ---------------------------------------------------------------------------


@router.get(
    "/cases/{case_id}/contacts",
    response=list[ContactOut],
    summary="A case's contact attempts, newest first",
)
def list_contacts(request: HttpRequest, case_id: UUID):
    user = signed_in_user(request)
    return case_contacts(user, case_id, channel="api:case_contacts", request=request)


class CaseContactIn(Schema):
    method: MethodIn
    outcome: OutcomeIn
    note: str = Field("", max_length=4000)
    at: ZonedInstant | None = Field(None, description="When, with its time zone; None: now.")


@router.post(
    "/cases/{case_id}/contacts",
    response={201: ContactOut},
    summary="Log an attempt to reach the person",
)
def create_contact(request: HttpRequest, case_id: UUID, payload: CaseContactIn):
    user = signed_in_user(request)
    case = access_case_by_id(user, case_id)
    contact = actions.log_contact(
        case,
        actions.ContactIn(
            method=payload.method, outcome=payload.outcome, note=payload.note, at=payload.at
        ),
        acting_user=user,
        request=request,
    )
    views = case_contacts(user, case_id, channel="api:case_contacts", request=request)
    return Status(201, next(view for view in views if view.id == contact.pk))


# --- goals and the safety plan (clinical) -------------------------------------------------


def _goal_out(goal: Goal) -> dict:
    return {
        "id": goal.pk,
        "text": goal.text,
        "status": goal.status,
        "status_label": str(goal.get_status_display()),
        "progress_note": goal.progress_note,
        "target_date": goal.target_date,
    }


class GoalIn(Schema):
    text: str = Field(min_length=1, max_length=300)
    status: GoalStatusIn = "not_started"
    progress_note: str = Field("", max_length=4000)
    target_date: date | None = None


@router.post("/cases/{case_id}/goals", response={201: GoalOut}, summary="Set a goal")
def create_goal(request: HttpRequest, case_id: UUID, payload: GoalIn):
    user = signed_in_user(request)
    case = access_case_by_id(user, case_id)
    goal = actions.set_goal(
        case,
        text=payload.text,
        status=payload.status,
        progress_note=payload.progress_note,
        target_date=payload.target_date,
        acting_user=user,
        request=request,
    )
    return Status(201, _goal_out(goal))


class GoalPatchIn(Schema):
    text: str | None = Field(None, min_length=1, max_length=300)
    status: GoalStatusIn | None = None
    progress_note: str | None = Field(None, max_length=4000)
    target_date: date | None = None


@router.patch(
    "/cases/{case_id}/goals/{goal_id}",
    response=GoalOut,
    summary="Change a goal or record its progress (fields left out stay as they are)",
)
def patch_goal(request: HttpRequest, case_id: UUID, goal_id: int, payload: GoalPatchIn):
    user = signed_in_user(request)
    case = access_case_by_id(user, case_id)
    # Goals are clinical: whoever may not read them learns nothing of their ids either.
    if not decide_for(user, case.person, DataClass.CLINICAL, Action.READ):
        raise PermissionDenied(
            _("Only behavioural-health staff of the person's care team write this.")
        )
    goal = Goal.objects.filter(pk=goal_id, case=case).first()
    if goal is None:
        raise NotFound(_("No such goal."))
    given = payload.dict(exclude_unset=True)
    goal = actions.set_goal(
        case,
        text=given.get("text") or goal.text,
        status=given.get("status") or goal.status,
        progress_note=given["progress_note"]
        if given.get("progress_note") is not None
        else goal.progress_note,
        target_date=given.get("target_date", goal.target_date),
        goal=goal,
        acting_user=user,
        request=request,
    )
    return _goal_out(goal)


@router.get(
    "/cases/{case_id}/safety-plan",
    response=list[PlanRevisionOut],
    summary="The person's safety plan: its revisions, newest first",
)
def get_safety_plan(request: HttpRequest, case_id: UUID):
    user = signed_in_user(request)
    return case_safety_plan(user, case_id, channel="api:safety_plan", request=request)


class SafetyPlanIn(Schema):
    answers: dict[str, Any] = Field(
        description="The Stanley–Brown safety plan's answers by question key."
    )
    note: str = Field("", max_length=300, description="What changed.")


@router.post(
    "/cases/{case_id}/safety-plan",
    response={201: PlanRevisionOut},
    summary="Revise the safety plan (a new revision; earlier ones stay)",
)
def revise_safety_plan(request: HttpRequest, case_id: UUID, payload: SafetyPlanIn):
    user = signed_in_user(request)
    case = access_case_by_id(user, case_id)
    revision = actions.revise_safety_plan(
        case.person, answers=payload.answers, note=payload.note, acting_user=user, request=request
    )
    return Status(
        201,
        {
            "number": revision.number,
            "answers": revision.answers,
            "note": revision.note,
            "written_by": user.full_name or user.username,
            "written_at": revision.written_at,
        },
    )
