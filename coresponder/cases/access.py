"""Reading cases through the privacy policy.

A case is follow-up care, so seeing that a person has one is reading their
`care_coordination` class: the case manager and the care team by right, a partner on the
care team only with the person's consent. Goals, the safety plan and assessments are
`clinical`, and show only to whoever may read that class. Every read is audited on the
person; a list writes one entry per case shown, under one lock.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from coresponder.accounts.models import Program, Role, User
from coresponder.calls.access import CALL_READERS
from coresponder.calls.models import SOURCE_WORDS, Call
from coresponder.calls.triage import RESPONSE_WORDS
from coresponder.core.exceptions import NotFound, PermissionDenied
from coresponder.core.local_time import end_of_local_day
from coresponder.encounters import instruments
from coresponder.encounters.dispositions import WORDS as DISPOSITION_WORDS
from coresponder.encounters.models import Assessment, Encounter, PlanState, ResponsePlan
from coresponder.people.access import display_names, list_reads
from coresponder.people.models import NameKind, PersonName
from coresponder.privacy import gate
from coresponder.privacy.access import allowed_for, circumstances_for, readable_for_many
from coresponder.privacy.classification import DataClass
from coresponder.privacy.models import AccessRelation
from coresponder.privacy.policy import Action, Circumstances, Decision
from coresponder.referrals.loop import WORDS as REFERRAL_WORDS
from coresponder.referrals.loop import State as ReferralState
from coresponder.referrals.models import Referral

from . import events, rules
from .models import (
    FAILED_OUTCOMES,
    NOT_CLOSED,
    Case,
    CaseStatus,
    CloseReason,
    ContactAttempt,
    ContactMethod,
    ContactOutcome,
    FollowUpRule,
    FollowUpSettings,
    Goal,
    GoalStatus,
    OpenedBecause,
    SafetyPlanRevision,
    Task,
    TaskKind,
    TaskState,
)

CASE_CLASS = DataClass.CARE_COORDINATION
# The risk level the follow-up queue triages by: its class, declared beside the model.
RISK_CLASS = Assessment.triage_class
SUPERVISORS = (Role.SUPERVISOR,)
CASE_WORKERS = (Role.CASE_MANAGER, Role.CLINICIAN, Role.SUPERVISOR)


def numbers_of(program: Program | Any) -> rules.Numbers:
    """The program's follow-up numbers (`program` a Program or its id)."""
    program_id = program.pk if isinstance(program, Program) else program
    row = FollowUpSettings.objects.filter(program_id=program_id).first()
    if row is None:
        return rules.Numbers()
    return rules.Numbers(
        first_contact_hours=row.first_contact_hours,
        failed_attempts_flag=row.failed_attempts_flag,
        repeat_calls=row.repeat_calls,
        repeat_days=row.repeat_days,
        referral_answer_hours=row.referral_answer_hours,
    )


def rules_of(program) -> dict[str, int]:
    """The program's follow-up rules in use, or the defaults while it has none at all."""
    rows = FollowUpRule.objects.filter(program=program)
    if not rows.exists():
        return dict(rules.DEFAULT_RULES)
    return dict(rows.filter(is_active=True).values_list("disposition", "contact_within_hours"))


# --- repeat crises -------------------------------------------------------------------------


def repeat_crisis_persons(
    program_id, person_ids, *, at: datetime | None = None, numbers: rules.Numbers | None = None
) -> dict:
    """Of `person_ids`, those with a repeat crisis at `at`: person id → calls in the window.
    One query whatever the number of persons (intake candidates, the board's calls), and
    one more for the program's numbers unless they are given."""
    person_ids = [pk for pk in person_ids if pk is not None]
    if not person_ids:
        return {}
    at = at or timezone.now()
    numbers = numbers or numbers_of(program_id)
    since = at - timedelta(days=numbers.repeat_days)
    rows = (
        Call.objects.filter(
            program_id=program_id,
            person_id__in=person_ids,
            received_at__gte=since,
            received_at__lte=at,
        )
        .values("person_id")
        .annotate(calls=Count("pk"))
        .filter(calls__gte=numbers.repeat_calls)
    )
    return {row["person_id"]: row["calls"] for row in rows}


# --- one case ------------------------------------------------------------------------------


@dataclass
class Opened:
    """A case as one reader opened it: the row (for actions, never for a template), the
    reader's circumstances towards the person, and the classes they may read."""

    case: Case
    situation: Circumstances
    readable: dict[str, Decision]


def _open(user, case_id) -> Opened:
    """The case, when `user` may read its person's care coordination; NotFound otherwise,
    so a forbidden case's existence is never revealed. The policy is asked once."""
    case = (
        Case.objects.select_related("person", "case_manager__agency", "queue")
        .filter(pk=case_id, program_id=user.agency.program_id)
        .first()
    )
    if case is None:
        raise NotFound(_("No such case."))
    situation = circumstances_for(user, case.person)
    readable = allowed_for(user, case.person, Action.READ, situation=situation)
    if CASE_CLASS not in readable:
        raise NotFound(_("No such case."))
    return Opened(case, situation, readable)


def access_case_by_id(user, case_id) -> Case:
    """The case's row, for an action to write to, when `user` may read the case."""
    return _open(user, case_id).case


@dataclass(frozen=True)
class PersonShown:
    """Who the case is about, as a case page names them."""

    id: Any
    display_name: str


def _person_shown(projection: gate.Projection) -> PersonShown:
    """Who the case is about, by the names the gate let through with it: the legal name,
    else the first."""
    names = [
        (
            name["kind"],
            " ".join(part for part in (name["given"], name["middle"], name["family"]) if part),
        )
        for name in projection.extra.get("names", [])
        if name.has("kind")
    ]
    legal = [full for kind, full in names if kind == NameKind.LEGAL]
    first = legal or [full for _kind, full in names]
    return PersonShown(projection.person_id, first[0] if first else _("(no name)"))


def open_case_of(person) -> Case | None:
    return Case.objects.filter(person=person, status__in=NOT_CLOSED).first()


@dataclass
class TaskView:
    id: Any
    kind: str
    kind_label: str
    title: str
    due_at: datetime
    standing: str
    state: str
    assignee: str
    queue: str
    done_at: datetime | None = None
    done_note: str | None = None  # care coordination, None when not readable
    referral_id: Any = None


@dataclass
class ContactView:
    id: Any
    method: str
    method_label: str
    outcome: str
    outcome_label: str
    at: datetime
    by: str
    note: str | None = None


@dataclass
class GoalView:
    id: Any
    text: str
    status: str
    status_label: str
    progress_note: str
    target_date: Any


@dataclass
class PlanRevisionView:
    number: int
    answers: dict
    note: str
    written_by: str
    written_at: datetime


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    title: str
    detail: str = ""
    data_class: str = DataClass.OPERATIONAL
    link: str = ""
    appointment_at: datetime | None = None  # a referral booked: when the person is expected


@dataclass
class CaseView:
    id: Any
    number: str
    person: PersonShown
    rights: CaseRights
    status: str
    status_label: str
    opened_because: str
    opened_because_label: str
    opened_at: datetime
    case_manager: str
    case_manager_id: Any
    queue: str
    closed_at: datetime | None
    close_reason: str | None
    close_note: str | None
    repeat_crisis_at: datetime | None
    unreached_at: datetime | None
    revision: int
    readable: dict[str, str]
    tasks: list[TaskView] = field(default_factory=list)
    contacts: list[ContactView] = field(default_factory=list)
    goals: list[GoalView] | None = None  # None: not readable
    safety_plan: list[PlanRevisionView] | None = None
    care_team: list[str] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    part2_notice: str = ""

    @property
    def flagged(self) -> bool:
        return bool(self.repeat_crisis_at or self.unreached_at)

    @property
    def open_tasks(self) -> list[TaskView]:
        return [task for task in self.tasks if task.state == TaskState.OPEN]

    @property
    def current_safety_plan(self) -> PlanRevisionView | None:
        return self.safety_plan[0] if self.safety_plan else None


def _name_of(user) -> str:
    if user is None:
        return ""
    return user.full_name or user.username


def _task_view(task: gate.Projection, *, now, end_of_today) -> TaskView:
    """A task's view, from what the gate let through: its note only to readers of care
    coordination (None for others)."""
    assignee, queue = task["assignee"], task["queue"]
    return TaskView(
        id=task.id,
        kind=task["kind"],
        kind_label=str(TaskKind(task["kind"]).label),
        title=task["title"],
        due_at=task["due_at"],
        standing=rules.standing(task["due_at"], now=now, end_of_today=end_of_today)
        if task["state"] == TaskState.OPEN
        else task["state"],
        state=task["state"],
        assignee=_name_of(assignee),
        queue=queue.name,
        done_at=task["done_at"],
        done_note=task.get("done_note"),
        referral_id=task["referral"],
    )


def _contact_view(contact: gate.Projection) -> ContactView:
    return ContactView(
        id=contact.id,
        method=contact["method"],
        method_label=str(ContactMethod(contact["method"]).label),
        outcome=contact["outcome"],
        outcome_label=str(ContactOutcome(contact["outcome"]).label),
        at=contact["at"],
        by=_name_of(contact["by"]),
        note=contact.get("note"),
    )


def _revision_view(revision: gate.Projection) -> PlanRevisionView:
    return PlanRevisionView(
        revision["number"],
        revision["answers"],
        revision["note"],
        _name_of(revision["written_by"]),
        revision["written_at"],
    )


def _goal_view(goal: gate.Projection) -> GoalView:
    return GoalView(
        goal.id,
        goal["text"],
        goal["status"],
        str(GoalStatus(goal["status"]).label),
        goal["progress_note"],
        goal["target_date"],
    )


def _open_first(tasks: list[gate.Projection]) -> list[gate.Projection]:
    """Open tasks first, each group by deadline."""
    return sorted(tasks, key=lambda task: (task["state"] != TaskState.OPEN, task["due_at"]))


# A case's own rows and what its page shows of the person, read with it by the gate, each
# projected by its own classes (`privacy_classes` beside each model): the person's names,
# the case's tasks, contacts and goals, the safety plan, and for the timeline the person's
# calls, encounters, assessments, approved response plans and referrals with their moves.
CASE_ROWS: dict[str, gate.Rows] = {
    "names": gate.Rows(
        lambda case: PersonName.objects.filter(person_id=case.person_id).order_by("kind", "id"),
        only=frozenset({"kind", "given", "middle", "family"}),
    ),
    "tasks": gate.Rows(lambda case: case.tasks.select_related("assignee", "queue")),
    "contacts": gate.Rows(lambda case: case.contacts.select_related("by").order_by("-at", "-id")),
    "goals": gate.Rows(lambda case: case.goals.all()),
    "safety_plan": gate.Rows(
        lambda case: (
            SafetyPlanRevision.objects.filter(person_id=case.person_id)
            .select_related("written_by")
            .order_by("-number")
        )
    ),
    "calls": gate.Rows(
        lambda case: Call.objects.filter(person_id=case.person_id).order_by("-received_at")[:200],
        only=frozenset({"reference", "received_at", "source", "triage_response"}),
    ),
    "encounters": gate.Rows(
        lambda case: Encounter.objects.filter(call__person_id=case.person_id).select_related(
            "call"
        ),
        {"call": gate.Rows(lambda encounter: [encounter.call], only=frozenset({"reference"}))},
        only=frozenset({"disposition", "completed_at", "updated_at"}),
    ),
    "assessments": gate.Rows(
        lambda case: Assessment.objects.filter(
            encounter__call__person_id=case.person_id
        ).select_related("instrument"),
        only=frozenset({"instrument", "label", "created_at"}),
    ),
    "plans": gate.Rows(
        lambda case: ResponsePlan.objects.filter(
            person_id=case.person_id, state=PlanState.APPROVED
        ),
        # That a plan was approved is clinical: its clinical fields mark it shown.
        only=frozenset({"approved_at", "updated_at", "review_by", "baseline"}),
    ),
    "referrals": gate.Rows(
        lambda case: (
            Referral.objects.filter(person_id=case.person_id, kind=Referral.Kind.REFERRAL)
            .select_related("service", "organization")
            .prefetch_related("events")
        ),
        {"moves": lambda referral: referral.events.all()},
        only=frozenset({"service", "organization", "appointment_at"}),
    ),
}
# What a page of one part of a case reads: the case's number, and that part.
PART_FIELDS = frozenset({"number"})


def _timeline(projection: gate.Projection) -> list[TimelineEntry]:
    """Everything about the person the gate let through, newest first: calls, encounters,
    assessments, referrals and their moves, contacts and tasks, plans."""
    extra = projection.extra
    entries: list[TimelineEntry] = []
    for call in extra["calls"]:
        if call.has("reference"):
            entries.append(
                TimelineEntry(
                    call["received_at"],
                    "call",
                    _("Call %(number)s (%(source)s)")
                    % {
                        "number": call["reference"],
                        "source": SOURCE_WORDS.get(call["source"], call["source"]),
                    },
                    str(RESPONSE_WORDS.get(call["triage_response"], call["triage_response"])),
                    link=f"/calls/{call.id}/",
                )
            )
    for encounter in extra["encounters"]:
        if encounter.get("disposition"):
            entries.append(
                TimelineEntry(
                    encounter["completed_at"] or encounter["updated_at"],
                    "encounter",
                    _("Encounter on call %(number)s")
                    % {"number": encounter.extra["call"][0]["reference"]},
                    str(DISPOSITION_WORDS.get(encounter["disposition"], encounter["disposition"])),
                )
            )
    for assessment in extra["assessments"]:
        if assessment.has("label"):
            entries.append(
                TimelineEntry(
                    assessment["created_at"],
                    "assessment",
                    assessment["instrument"].title,
                    assessment["label"],
                    DataClass.CLINICAL,
                )
            )
    for plan in extra["plans"]:
        if plan.shows(DataClass.CLINICAL):
            entries.append(
                TimelineEntry(
                    plan["approved_at"] or plan["updated_at"],
                    "plan",
                    _("Response plan approved"),
                    _("review by %(date)s") % {"date": plan["review_by"].isoformat()},
                    DataClass.CLINICAL,
                )
            )
    for revision in extra["safety_plan"]:
        if revision.has("note"):
            entries.append(
                TimelineEntry(
                    revision["written_at"],
                    "safety_plan",
                    _("Safety plan, revision %(number)s") % {"number": revision["number"]},
                    revision["note"],
                    DataClass.CLINICAL,
                )
            )
    # A referral says what service the person needed: to a substance-use service it is
    # Part 2, to another health service care coordination (its derived class).
    for referral in extra["referrals"]:
        if not referral.has("service"):
            continue
        for move in referral.extra["moves"]:
            if move.has("to_state"):
                entries.append(
                    TimelineEntry(
                        move["at"],
                        "referral",
                        _("Referral to %(service)s, %(organization)s")
                        % {
                            "service": referral["service"].name,
                            "organization": referral["organization"].name,
                        },
                        str(REFERRAL_WORDS.get(move["to_state"], move["to_state"])),
                        # When the person is expected, if the reader may see it.
                        appointment_at=referral.get("appointment_at")
                        if move["to_state"] == ReferralState.SCHEDULED
                        else None,
                    )
                )
    for contact in extra["contacts"]:
        note = contact.get("note") or ""
        entries.append(
            TimelineEntry(
                contact["at"],
                "contact",
                _("%(method)s: %(outcome)s")
                % {
                    "method": ContactMethod(contact["method"]).label,
                    "outcome": ContactOutcome(contact["outcome"]).label,
                },
                note,
                DataClass.CARE_COORDINATION if note else DataClass.OPERATIONAL,
            )
        )
    for task in extra["tasks"]:
        if task["state"] == TaskState.DONE:
            entries.append(
                TimelineEntry(
                    task["done_at"], "task", _("Done: %(task)s") % {"task": task["title"]}
                )
            )
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries


def _fetch(user, case_id) -> Case:
    """The case's row in the user's program, for the gate to decide on; NotFound for a bad
    id or another program's."""
    try:
        case = (
            Case.objects.select_related("person", "case_manager", "queue")
            .filter(pk=case_id, program_id=user.agency.program_id)
            .first()
        )
    except (ValueError, ValidationError):
        case = None
    if case is None:
        raise NotFound(_("No such case."))
    return case


def _the_case(shown: list[gate.Projection]) -> gate.Projection:
    """The case the gate showed; NotFound when it showed nothing (the reader may not read
    the person's care coordination, or the class the page needs), so a forbidden case's
    existence is never revealed."""
    if not shown:
        raise NotFound(_("No such case."))
    return shown[0]


def _case_detail(case: Case) -> dict:
    return {"case": str(case.pk)}


def view_case(
    user, case_id, *, channel: str, request=None, now: datetime | None = None
) -> CaseView:
    """One case as `user` may see it, with its timeline, through the read gate: one audit
    entry naming the classes shown (the person's name among them)."""
    now = now or timezone.now()
    case = _fetch(user, case_id)
    projection = _the_case(
        gate.read(
            user,
            [case],
            channel=channel,
            request=request,
            now=now,
            event=events.CASE_VIEWED,
            label="case",
            require=CASE_CLASS,
            children=CASE_ROWS,
            detail=_case_detail,
        )
    )
    shown, extra = projection.fields, projection.extra
    today_ends = end_of_local_day(now)
    clinical = projection.reads(DataClass.CLINICAL)
    team = [
        f"{_name_of(rel.user)} ({rel.user.agency.name})" if rel.user else rel.agency.name
        for rel in AccessRelation.objects.in_force(now)
        .filter(person_id=case.person_id, kind=AccessRelation.Kind.CARE_TEAM)
        .select_related("user__agency", "agency")
    ]
    close_reason = shown.get("close_reason")
    return CaseView(
        id=projection.id,
        number=shown["number"],
        person=_person_shown(projection),
        rights=case_rights(user, case, closed=shown["status"] == CaseStatus.CLOSED),
        status=shown["status"],
        status_label=str(CaseStatus(shown["status"]).label),
        opened_because=shown["opened_because"],
        opened_because_label=str(OpenedBecause(shown["opened_because"]).label),
        opened_at=shown["opened_at"],
        case_manager=_name_of(shown["case_manager"]),
        case_manager_id=case.case_manager_id,
        queue=shown["queue"].name,
        closed_at=shown["closed_at"],
        close_reason=str(CloseReason(close_reason).label) if close_reason else None,
        close_note=shown.get("close_note"),
        repeat_crisis_at=shown["repeat_crisis_at"],
        unreached_at=shown["unreached_at"],
        revision=shown["revision"],
        readable={name: decision.basis for name, decision in projection.readable.items()},
        tasks=[
            _task_view(task, now=now, end_of_today=today_ends)
            for task in _open_first(extra["tasks"])
        ],
        contacts=[_contact_view(contact) for contact in extra["contacts"]],
        goals=[_goal_view(goal) for goal in extra["goals"] if goal.has("text")]
        if clinical
        else None,
        safety_plan=[_revision_view(r) for r in extra["safety_plan"] if r.has("answers")]
        if clinical
        else None,
        care_team=team,
        timeline=_timeline(projection),
    )


# --- the worklist --------------------------------------------------------------------------


@dataclass
class WorklistRow:
    id: Any
    number: str
    person_id: Any
    person_name: str
    status: str
    status_label: str
    case_manager: str
    opened_at: datetime
    next_due_at: datetime | None
    next_task: str
    overdue: int
    due_today: int
    last_contact_at: datetime | None
    failed_attempts: int
    repeat_crisis: bool
    unreached: bool
    is_new: bool
    opened_because: str = ""
    opened_because_label: str = ""
    # The risk level of the latest C-SSRS screening (`rules.risk_level`), for those the
    # policy gives its class (`Assessment.triage_class`); None when none is complete.
    risk: rules.Risk | None = None
    risk_readable: bool = False

    @property
    def risk_label(self) -> str:
        return str(rules.RISK_WORDS[self.risk]) if self.risk else ""

    @property
    def flagged(self) -> bool:
        return self.repeat_crisis or self.unreached

    @property
    def groups(self) -> list[str]:
        found = []
        if self.overdue:
            found.append("overdue")
        if self.due_today:
            found.append("due_today")
        if self.is_new:
            found.append("new")
        if self.flagged:
            found.append("flagged")
        return found


GROUPS = ("overdue", "due_today", "new", "flagged")
SORTS = {
    "due": lambda row: (
        row.next_due_at is None,
        row.next_due_at or datetime.max.replace(tzinfo=timezone.get_current_timezone()),
    ),
    "opened": lambda row: row.opened_at,
    "name": lambda row: row.person_name.casefold(),
    "contact": lambda row: (row.last_contact_at is None, row.last_contact_at or row.opened_at),
}
NEW_FOR = timedelta(hours=72)


@dataclass
class Worklist:
    rows: list[WorklistRow]  # this page's
    counts: dict[str, int]
    total: int  # on the worklist, before the group is applied
    group: str
    sort: str
    matching: int = 0  # in the group, on every page
    page: int = 1
    pages: int = 1
    per_page: int = 50

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


# A page a case manager reads top-down; the counts are over every case.
PER_PAGE = 50
# What a row needs of the case, its person (for the policy and the audit) and its manager,
# read as plain values: a list of hundreds needs no model objects.
WORKLIST_COLUMNS = (
    "pk",
    "number",
    "status",
    "opened_because",
    "opened_at",
    "case_manager_id",
    "person_id",
    "repeat_crisis_at",
    "unreached_at",
    "person__program_id",
    "person__registered_by_agency_id",
    "case_manager__username",
    "case_manager__full_name",
)


@dataclass(frozen=True)
class PersonKey:
    """What the policy needs to know of a person on a list: who, and in which program."""

    pk: Any
    program_id: Any


def worklist_cases(user) -> QuerySet:
    """The cases on `user`'s worklist: their own, and unassigned ones in their agency's
    queue. The rows of one query; `worklist` cuts them by the policy."""
    return Case.objects.filter(program_id=user.agency.program_id, status__in=NOT_CLOSED).filter(
        Q(case_manager=user) | Q(case_manager__isnull=True, queue_id=user.agency_id)
    )


def worklist_rows(cases: QuerySet) -> list:
    """The one query a worklist is built on: each case's row with its person's keys and
    its manager's name, oldest first."""
    return list(cases.order_by("opened_at").values_list(*WORKLIST_COLUMNS, named=True))


def worklist(
    user,
    *,
    group: str = "",
    sort: str = "due",
    status: str = "",
    now: datetime | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    request=None,
    channel: str = "page",
) -> Worklist:
    """What is due today, overdue, new and flagged on `user`'s cases, with counts, one
    page of `per_page` rows at a time; only the rows shown are audited as read.

    A constant number of queries however many cases (listed in
    tests/test_worklist_queries.py): the user's roles, the cases (one query), the policy's
    circumstances (four), the persons' names, the open tasks, the contacts and the page's
    screenings (one each), and the audit: one person read per row shown, one insert under
    one lock (on SQLite
    Django splits an insert every 62 entries, its 999-parameter limit)."""
    if not user.has_role(*CASE_WORKERS):
        raise PermissionDenied(_("The worklist is for case managers, clinicians and supervisors."))
    now = now or timezone.now()
    today_ends = end_of_local_day(now)
    cases = worklist_cases(user)
    if status in CaseStatus.values:
        cases = cases.filter(status=status)
    selected = cases
    cases = worklist_rows(cases)
    # On PostgreSQL the later queries select their rows by this one as a subquery: the
    # driver parses a statement of hundreds of ids anew each time, which costs more than
    # finding them again by the same index. SQLite plans the subqueries worse than lists.
    if connection.vendor == "postgresql":
        person_ids, case_ids = selected.values("person_id"), selected.values("pk")
    else:
        person_ids = [case.person_id for case in cases]
        case_ids = [case.pk for case in cases]
    readable = readable_for_many(
        user,
        [PersonKey(case.person_id, case.person__program_id) for case in cases],
        classes=(DataClass.OPERATIONAL, CASE_CLASS, RISK_CLASS),
        among=person_ids if connection.vendor == "postgresql" else None,
    )
    visible = [case for case in cases if CASE_CLASS in readable[case.person_id]]
    names = display_names(person_ids)
    tasks = _open_tasks(case_ids)
    contacts = _contact_figures(case_ids)
    status_labels = {value: str(label) for value, label in CaseStatus.choices}
    because_labels = {value: str(label) for value, label in OpenedBecause.choices}
    rows = []
    for case in visible:
        open_tasks = tasks.get(case.pk, [])
        figures = contacts.get(case.pk, ContactFigures())
        rows.append(
            WorklistRow(
                id=case.pk,
                number=case.number,
                person_id=case.person_id,
                person_name=names.get(case.person_id) or _("(no name)"),
                status=case.status,
                status_label=status_labels[case.status],
                case_manager=case.case_manager__full_name or case.case_manager__username or "",
                opened_at=case.opened_at,
                next_due_at=open_tasks[0][0] if open_tasks else None,
                next_task=open_tasks[0][1] if open_tasks else "",
                overdue=sum(1 for due, _title in open_tasks if due < now),
                due_today=sum(1 for due, _title in open_tasks if now <= due <= today_ends),
                last_contact_at=figures.last_at,
                failed_attempts=figures.failed_in_a_row,
                repeat_crisis=case.repeat_crisis_at is not None,
                unreached=case.unreached_at is not None,
                is_new=case.case_manager_id is None
                or (not figures.ever_reached and now - case.opened_at <= NEW_FOR),
                opened_because=case.opened_because,
                opened_because_label=because_labels[case.opened_because],
                risk_readable=RISK_CLASS in readable[case.person_id],
            )
        )
    counts = Counter(name for row in rows for name in row.groups)
    counts = {name: counts.get(name, 0) for name in GROUPS}
    shown = [row for row in rows if not group or group in row.groups]
    sort = sort if sort in SORTS else "due"
    shown.sort(key=SORTS[sort])
    matching = len(shown)
    pages = max(1, -(-matching // per_page))
    page = min(max(1, page), pages)
    shown = shown[(page - 1) * per_page : page * per_page]
    screenings = _screenings([row.person_id for row in shown if row.risk_readable])
    for row in shown:
        if row.risk_readable:
            row.risk = rules.risk_level(screenings.get(row.person_id, []))
    holders = {case.person_id: case.person__registered_by_agency_id for case in visible}
    list_reads(
        user,
        {
            row.person_id: {
                name: readable[row.person_id][name]
                for name in (DataClass.OPERATIONAL, CASE_CLASS, RISK_CLASS)
                if name in readable[row.person_id]
            }
            for row in shown
        },
        holders,
        channel=f"worklist:{channel}",
        request=request,
    )
    return Worklist(
        rows=shown,
        counts=counts,
        total=len(rows),
        group=group,
        sort=sort,
        matching=matching,
        page=page,
        pages=pages,
        per_page=per_page,
    )


def _screenings(person_ids: list) -> dict[Any, list[rules.Screening]]:
    """Each person's C-SSRS screenings, with the version each answered, for their risk
    level (one query; each version's definition parsed once)."""
    found: dict[Any, list[rules.Screening]] = defaultdict(list)
    if not person_ids:
        return found
    parsed: dict[Any, instruments.Instrument] = {}
    rows = Assessment.objects.filter(
        encounter__call__person_id__in=person_ids,
        instrument__key=instruments.SCREENER,
        complete=True,
    ).values_list(
        "encounter__call__person_id",
        "created_at",
        "answers",
        "instrument_id",
        "instrument__definition",
    )
    for person_id, at, answers, instrument_id, definition in rows:
        if instrument_id not in parsed:
            parsed[instrument_id] = instruments.parse_instrument(definition)
        found[person_id].append(rules.Screening(at, answers, parsed[instrument_id]))
    return found


def _open_tasks(case_ids) -> dict[Any, list[tuple[datetime, str]]]:
    """Each case's open tasks as (due, title), soonest first (one query); `case_ids` a list
    or a query selecting them."""
    found: dict[Any, list[tuple[datetime, str]]] = defaultdict(list)
    rows = (
        Task.objects.filter(case_id__in=case_ids, state=TaskState.OPEN)
        .order_by("due_at", "id")
        .values_list("case_id", "due_at", "title")
    )
    for case_id, due_at, title in rows:
        found[case_id].append((due_at, title))
    return found


@dataclass
class ContactFigures:
    last_at: datetime | None = None
    ever_reached: bool = False
    failed_in_a_row: int = 0  # since the person was last reached


def _contact_figures(case_ids) -> dict[Any, ContactFigures]:
    """Each case's last contact, whether it ever reached the person, and the failed
    attempts since it last did (one query, oldest first)."""
    found: dict[Any, ContactFigures] = defaultdict(ContactFigures)
    rows = (
        ContactAttempt.objects.filter(case_id__in=case_ids)
        .order_by("at", "id")
        .values_list("case_id", "at", "outcome")
    )
    for case_id, at, outcome in rows:
        figures = found[case_id]
        figures.last_at = at
        if outcome in FAILED_OUTCOMES:
            figures.failed_in_a_row += 1
        else:
            figures.ever_reached = True
            figures.failed_in_a_row = 0
    return found


@dataclass
class Load:
    user_id: Any
    name: str
    agency: str
    open_cases: int
    overdue_tasks: int
    due_today: int
    flagged: int


def caseload(user, *, now: datetime | None = None) -> tuple[list[Load], dict[str, int]]:
    """A supervisor's view across case managers: each one's load, and the unassigned queue.
    Counts only: no person's information, so nothing to audit."""
    if not user.has_role(*SUPERVISORS):
        raise PermissionDenied(_("The caseload view is for supervisors."))
    now = now or timezone.now()
    today_ends = end_of_local_day(now)
    program_id = user.agency.program_id
    open_cases = Case.objects.filter(program_id=program_id, status__in=NOT_CLOSED)
    managers = (
        User.objects.filter(
            agency__program_id=program_id, is_active=True, role_grants__role=Role.CASE_MANAGER
        )
        .select_related("agency")
        .order_by("full_name", "username")
        .distinct()
    )
    by_manager = {
        row["case_manager"]: row
        for row in open_cases.filter(case_manager__isnull=False)
        .values("case_manager")
        .annotate(
            open_cases=Count("pk", distinct=True),
            flagged=Count(
                "pk",
                filter=Q(repeat_crisis_at__isnull=False) | Q(unreached_at__isnull=False),
                distinct=True,
            ),
        )
    }
    tasks = (
        Task.objects.filter(case__program_id=program_id, state=TaskState.OPEN)
        .values("assignee")
        .annotate(
            overdue=Count("pk", filter=Q(due_at__lt=now)),
            due_today=Count("pk", filter=Q(due_at__gte=now, due_at__lte=today_ends)),
        )
    )
    by_assignee = {row["assignee"]: row for row in tasks}
    loads = [
        Load(
            user_id=manager.pk,
            name=_name_of(manager),
            agency=manager.agency.name,
            open_cases=by_manager.get(manager.pk, {}).get("open_cases", 0),
            overdue_tasks=by_assignee.get(manager.pk, {}).get("overdue", 0),
            due_today=by_assignee.get(manager.pk, {}).get("due_today", 0),
            flagged=by_manager.get(manager.pk, {}).get("flagged", 0),
        )
        for manager in managers
    ]
    unassigned = open_cases.filter(case_manager__isnull=True).count()
    queue = {
        "unassigned_cases": unassigned,
        "queue_tasks": by_assignee.get(None, {}).get("overdue", 0),
    }
    return loads, queue


def case_managers_of(program_id) -> QuerySet:
    return (
        User.objects.filter(
            agency__program_id=program_id, is_active=True, role_grants__role=Role.CASE_MANAGER
        )
        .select_related("agency")
        .order_by("username")
        .distinct()
    )


def open_case_ids(person_ids) -> dict[Any, Any]:
    """person id → their case not closed (for a person page's link), one query."""
    return dict(
        Case.objects.filter(person_id__in=list(person_ids), status__in=NOT_CLOSED).values_list(
            "person_id", "pk"
        )
    )


# --- parts of one case (the API) -----------------------------------------------------------


def access_task_by_id(user, task_id) -> Task:
    """The task, through its case's access: NotFound when the case may not be read."""
    case_id = Task.objects.filter(pk=task_id).values_list("case_id", flat=True).first()
    try:
        case = access_case_by_id(user, case_id) if case_id is not None else None
    except NotFound:
        case = None
    if case is None:
        raise NotFound(_("No such task."))
    task = Task.objects.select_related("assignee", "queue").get(pk=task_id)
    task.case = case
    return task


def _read_part(user, case_id, *, part: str, channel: str, request, require=CASE_CLASS):
    """One part of the case (its tasks, contacts or safety plan) and the case's number,
    through the gate: one audit entry for the part read."""
    return _the_case(
        gate.read(
            user,
            [_fetch(user, case_id)],
            channel=channel,
            request=request,
            event=events.SAFETY_PLAN_VIEWED if part == "safety_plan" else events.CASE_VIEWED,
            label=f"case_{part}",
            require=require,
            only=PART_FIELDS,
            children={part: CASE_ROWS[part]},
            detail=_case_detail,
        )
    )


def case_tasks(user, case_id, *, channel: str, request=None, now=None) -> list[TaskView]:
    """The case's tasks, open first by deadline; one audit entry."""
    projection = _read_part(user, case_id, part="tasks", channel=channel, request=request)
    now = now or timezone.now()
    today_ends = end_of_local_day(now)
    return [
        _task_view(task, now=now, end_of_today=today_ends)
        for task in _open_first(projection.extra["tasks"])
    ]


def case_contacts(user, case_id, *, channel: str, request=None) -> list[ContactView]:
    """The case's contact attempts, newest first; one audit entry."""
    projection = _read_part(user, case_id, part="contacts", channel=channel, request=request)
    return [_contact_view(contact) for contact in projection.extra["contacts"]]


def case_safety_plan(user, case_id, *, channel: str, request=None) -> list[PlanRevisionView]:
    """The person's safety plan revisions, newest first, for readers of clinical
    information (PermissionDenied for others who may read the case); one audit entry."""
    case = _open(user, case_id).case  # NotFound for whoever may not read the case
    try:
        projection = _read_part(
            user,
            case.pk,
            part="safety_plan",
            channel=channel,
            request=request,
            require=DataClass.CLINICAL,
        )
    except NotFound:
        raise PermissionDenied(
            _("Only behavioural-health staff of the person's care team read this.")
        ) from None
    return [_revision_view(r) for r in projection.extra["safety_plan"] if r.has("answers")]


# --- for the case pages (appended) ---------------------------------------------------------


@dataclass
class CaseRights:
    """What the case page offers its reader; each action asks the policy again."""

    care: bool  # writes the case: contacts, tasks, status, flags
    clinical: bool  # writes goals and the safety plan


def case_rights(
    user, case: Case, *, situation: Circumstances | None = None, closed: bool | None = None
) -> CaseRights:
    """Which of the case's forms to show `user` (a case read through `access_case_by_id`);
    `situation` when the user's circumstances towards the person are already known,
    `closed` when the caller has the case's status from the gate."""
    closed = case.is_closed if closed is None else closed
    if not user.has_role(*CASE_WORKERS) or closed:
        return CaseRights(care=False, clinical=False)
    writable = set(allowed_for(user, case.person, Action.WRITE, situation=situation))
    return CaseRights(care=CASE_CLASS in writable, clinical=DataClass.CLINICAL in writable)


def task_of_case(case: Case, task_id) -> Task:
    """One of the case's tasks; NotFound for another case's."""
    task = Task.objects.filter(pk=task_id, case=case).select_related("case__person").first()
    if task is None:
        raise NotFound(_("No such task."))
    return task


def goal_of_case(case: Case, goal_id) -> Goal:
    goal = Goal.objects.filter(pk=goal_id, case=case).first()
    if goal is None:
        raise NotFound(_("No such goal."))
    return goal


@dataclass
class QueueRow:
    """An unassigned case as the caseload page lists it: no person's name."""

    id: Any
    number: str
    queue: str
    opened_at: datetime
    opened_because_label: str
    next_due_at: datetime | None
    overdue: int


# What the caseload shows of an unassigned case: the case, not the person.
QUEUE_FIELDS = frozenset({"number", "queue", "opened_at", "opened_because"})


def unassigned_queue(user, *, now: datetime | None = None, request=None) -> list[QueueRow]:
    """The program's unassigned open cases that the supervisor may read, oldest first, to
    assign. Shows the case, not the person; still one audit entry per case listed."""
    if not user.has_role(*SUPERVISORS):
        raise PermissionDenied(_("The caseload view is for supervisors."))
    now = now or timezone.now()
    cases = list(
        Case.objects.filter(
            program_id=user.agency.program_id, status__in=NOT_CLOSED, case_manager__isnull=True
        )
        .annotate(
            next_due_at=Min("tasks__due_at", filter=Q(tasks__state=TaskState.OPEN)),
            overdue=Count(
                "tasks", filter=Q(tasks__state=TaskState.OPEN, tasks__due_at__lt=now), distinct=True
            ),
        )
        .select_related("person", "queue")
        .order_by("opened_at")
    )
    rows = {case.pk: case for case in cases}
    shown = gate.read(
        user,
        cases,
        channel="page:caseload",
        request=request,
        now=now,
        event=events.CASES_LISTED,
        label="case",
        require=CASE_CLASS,
        only=QUEUE_FIELDS,
        detail=lambda case: {"case": str(case.pk)},
    )
    return [
        QueueRow(
            id=case.id,
            number=case["number"],
            queue=case["queue"].name,
            opened_at=case["opened_at"],
            opened_because_label=str(OpenedBecause(case["opened_because"]).label),
            next_due_at=rows[case.id].next_due_at,
            overdue=rows[case.id].overdue,
        )
        for case in shown
    ]


@dataclass
class SafetyPlanView:
    case_id: Any
    case_number: str
    person: PersonShown
    revisions: list[PlanRevisionView]  # newest first

    @property
    def current(self) -> PlanRevisionView | None:
        return self.revisions[0] if self.revisions else None


def view_safety_plan(user, case_id, *, channel: str, request=None) -> SafetyPlanView:
    """The person's safety plan, from their case, for whoever may read its clinical class
    (NotFound for anyone else); one SAFETY_PLAN_VIEWED entry on the person, through the
    gate."""
    projection = _the_case(
        gate.read(
            user,
            [_fetch(user, case_id)],
            channel=channel,
            request=request,
            event=events.SAFETY_PLAN_VIEWED,
            label="safety_plan",
            require=DataClass.CLINICAL,
            only=PART_FIELDS,
            children={part: CASE_ROWS[part] for part in ("names", "safety_plan")},
            detail=_case_detail,
        )
    )
    revisions = [_revision_view(r) for r in projection.extra["safety_plan"] if r.has("answers")]
    return SafetyPlanView(projection.id, projection["number"], _person_shown(projection), revisions)


# --- a person's records, for the person page ------------------------------------------------

# What the person page lists of a person's records, read with the person by the gate, each
# row projected by its own classes: a referral to a substance-use service only to whoever
# may read Part 2, as everywhere.
PERSON_RECORD_ROWS: dict[str, gate.Rows] = {
    "calls": gate.Rows(
        lambda person: Call.objects.filter(person_id=person.pk).order_by("-received_at")[:100],
        only=frozenset({"reference", "received_at", "source", "triage_response"}),
    ),
    "encounters": gate.Rows(
        lambda person: (
            Encounter.objects.filter(call__person_id=person.pk)
            .select_related("call")
            .order_by("-created_at")[:100]
        ),
        {"call": gate.Rows(lambda encounter: [encounter.call], only=frozenset({"reference"}))},
        only=frozenset({"disposition", "completed_at", "created_at"}),
    ),
    "cases": gate.Rows(
        lambda person: Case.objects.filter(person_id=person.pk).order_by("-opened_at"),
        only=frozenset({"number", "status", "opened_because", "opened_at", "closed_at"}),
    ),
    "referrals": gate.Rows(
        lambda person: (
            Referral.objects.filter(person_id=person.pk, kind=Referral.Kind.REFERRAL)
            .select_related("service", "organization")
            .order_by("-sent_at")[:100]
        ),
        only=frozenset({"service", "organization", "state", "sent_at"}),
    ),
}


@dataclass
class PersonRecords:
    calls: list[dict] = field(default_factory=list)
    encounters: list[dict] = field(default_factory=list)
    cases: list[dict] = field(default_factory=list)
    referrals: list[dict] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.calls or self.encounters or self.cases or self.referrals)


def person_records(user, person, *, channel: str, request=None) -> PersonRecords | None:
    """The person's calls, encounters, cases and referrals as `user` may see them, through
    the read gate (one audited read); None for a reader whose work is not the calls."""
    if not user.has_role(*CALL_READERS):
        return None
    shown = gate.read(
        user,
        [person],
        channel=channel,
        request=request,
        event=events.PERSON_RECORDS_READ,
        label="person_records",
        only=frozenset({"id"}),
        children=PERSON_RECORD_ROWS,
    )
    if not shown:
        return PersonRecords()
    extra = shown[0].extra
    records = PersonRecords()
    for call in extra["calls"]:
        if call.has("reference"):
            records.calls.append(
                {
                    "id": call.id,
                    "reference": call["reference"],
                    "received_at": call["received_at"],
                    "source": SOURCE_WORDS.get(call["source"], call["source"]),
                    "response": RESPONSE_WORDS.get(
                        call["triage_response"], call["triage_response"]
                    ),
                }
            )
    for encounter in extra["encounters"]:
        if encounter.has("disposition"):
            records.encounters.append(
                {
                    "id": encounter.id,
                    "call_id": encounter.extra["call"][0].id,
                    "reference": encounter.extra["call"][0]["reference"],
                    "at": encounter["completed_at"] or encounter["created_at"],
                    "disposition": DISPOSITION_WORDS.get(encounter["disposition"], "")
                    if encounter["disposition"]
                    else _("not yet complete"),
                }
            )
    # That a person has a case is care coordination (see `_open`), whatever its fields say.
    if CASE_CLASS in shown[0].readable:
        for case in extra["cases"]:
            if case.has("number"):
                records.cases.append(
                    {
                        "id": case.id,
                        "number": case["number"],
                        "status": CaseStatus(case["status"]).label,
                        "opened_at": case["opened_at"],
                        "closed_at": case["closed_at"],
                    }
                )
    for referral in extra["referrals"]:
        if referral.has("service"):
            records.referrals.append(
                {
                    "id": referral.id,
                    "service": referral["service"].name,
                    "organization": referral["organization"].name,
                    "state": REFERRAL_WORDS.get(referral["state"], referral["state"]),
                    "sent_at": referral["sent_at"],
                }
            )
    return records
