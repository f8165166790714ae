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
from datetime import datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from coresponder.accounts.models import Program, Role, User
from coresponder.calls.models import Call
from coresponder.core.exceptions import NotFound, PermissionDenied
from coresponder.encounters.models import Assessment, Encounter, PlanState, ResponsePlan
from coresponder.people.access import display_names, list_reads
from coresponder.privacy import gate
from coresponder.privacy.access import allowed_for, circumstances_for, readable_for_many
from coresponder.privacy.classification import DataClass
from coresponder.privacy.models import AccessRelation
from coresponder.privacy.policy import Action, Circumstances, Decision
from coresponder.referrals.loop import WORDS as REFERRAL_WORDS
from coresponder.referrals.loop import State as ReferralState
from coresponder.referrals.models import Referral, ReferralEvent

from . import events, rules
from .models import (
    FAILED_OUTCOMES,
    NOT_CLOSED,
    Case,
    CaseStatus,
    ContactAttempt,
    FollowUpRule,
    FollowUpSettings,
    Goal,
    SafetyPlanRevision,
    Task,
    TaskState,
)

CASE_CLASS = DataClass.CARE_COORDINATION
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


def end_of_day(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return timezone.make_aware(datetime.combine(local.date(), time.max), local.tzinfo)


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


def _shown_person(user, opened: Opened, *, channel: str, request=None) -> PersonShown:
    """The person's name, audited as a read of who they are (operational)."""
    person = opened.case.person
    list_reads(
        user,
        {person.pk: {DataClass.OPERATIONAL: opened.readable[DataClass.OPERATIONAL]}},
        {person.pk: person.registered_by_agency_id},
        channel=channel,
        request=request,
    )
    return PersonShown(person.pk, display_names([person.pk]).get(person.pk) or _("(no name)"))


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


def _task_view(task: Task, *, now, end_of_today, care: bool) -> TaskView:
    return TaskView(
        id=task.pk,
        kind=task.kind,
        kind_label=str(task.get_kind_display()),
        title=task.title,
        due_at=task.due_at,
        standing=rules.standing(task.due_at, now=now, end_of_today=end_of_today)
        if task.state == TaskState.OPEN
        else task.state,
        state=task.state,
        assignee=_name_of(task.assignee),
        queue=task.queue.name,
        done_at=task.done_at,
        done_note=task.done_note if care else None,
        referral_id=task.referral_id,
    )


def _contact_view(contact: ContactAttempt, *, care: bool) -> ContactView:
    return ContactView(
        id=contact.pk,
        method=contact.method,
        method_label=str(contact.get_method_display()),
        outcome=contact.outcome,
        outcome_label=str(contact.get_outcome_display()),
        at=contact.at,
        by=_name_of(contact.by),
        note=contact.note if care else None,
    )


def safety_plan_of(person) -> list[PlanRevisionView]:
    """The person's safety-plan revisions, newest first."""
    return [
        PlanRevisionView(r.number, r.answers, r.note, _name_of(r.written_by), r.written_at)
        for r in SafetyPlanRevision.objects.filter(person=person)
        .select_related("written_by")
        .order_by("-number")
    ]


def _timeline(case: Case, readable: set[str], *, care: bool, reader) -> list[TimelineEntry]:
    """Everything about the person the reader may see, newest first: calls, encounters,
    assessments, referrals and their moves, contacts and tasks, plans."""
    person_id = case.person_id
    entries: list[TimelineEntry] = []
    clinical = DataClass.CLINICAL in readable
    if DataClass.OPERATIONAL in readable:
        for call in Call.objects.filter(person_id=person_id).order_by("-received_at")[:200]:
            entries.append(
                TimelineEntry(
                    call.received_at,
                    "call",
                    _("Call %(number)s (%(source)s)")
                    % {"number": call.reference, "source": call.get_source_display()},
                    str(call.get_triage_response_display()),
                    link=f"/calls/{call.pk}/",
                )
            )
        for encounter in Encounter.objects.filter(call__person_id=person_id).select_related("call"):
            if encounter.disposition:
                entries.append(
                    TimelineEntry(
                        encounter.completed_at or encounter.updated_at,
                        "encounter",
                        _("Encounter on call %(number)s") % {"number": encounter.call.reference},
                        str(encounter.get_disposition_display()),
                    )
                )
    if clinical:
        for assessment in Assessment.objects.filter(
            encounter__call__person_id=person_id
        ).select_related("instrument"):
            entries.append(
                TimelineEntry(
                    assessment.created_at,
                    "assessment",
                    assessment.instrument.title,
                    assessment.label,
                    DataClass.CLINICAL,
                )
            )
        for plan in ResponsePlan.objects.filter(person_id=person_id, state=PlanState.APPROVED):
            entries.append(
                TimelineEntry(
                    plan.approved_at or plan.updated_at,
                    "plan",
                    _("Response plan approved"),
                    _("review by %(date)s") % {"date": plan.review_by.isoformat()},
                    DataClass.CLINICAL,
                )
            )
        for revision in SafetyPlanRevision.objects.filter(person_id=person_id):
            entries.append(
                TimelineEntry(
                    revision.written_at,
                    "safety_plan",
                    _("Safety plan, revision %(number)s") % {"number": revision.number},
                    revision.note,
                    DataClass.CLINICAL,
                )
            )
    if DataClass.OPERATIONAL in readable:
        moves = ReferralEvent.objects.filter(
            referral__person_id=person_id, referral__kind=Referral.Kind.REFERRAL
        ).select_related("referral__service", "referral__organization")
        moves = list(moves)
        # A referral says what service the person needed: to a substance-use service it is
        # Part 2, to another health service care coordination (its derived class).
        referrals = {move.referral_id: move.referral for move in moves}
        visible = {r.pk for r in gate.showing(reader, referrals.values(), "service", readable)}
        booked = {
            r.pk: r.appointment_at
            for r in gate.showing(reader, referrals.values(), "appointment_at", readable)
        }
        for move in moves:
            if move.referral_id not in visible:
                continue
            entries.append(
                TimelineEntry(
                    move.at,
                    "referral",
                    _("Referral to %(service)s, %(organization)s")
                    % {
                        "service": move.referral.service.name,
                        "organization": move.referral.organization.name,
                    },
                    str(REFERRAL_WORDS.get(move.to_state, move.to_state)),
                    appointment_at=booked.get(move.referral_id)
                    if move.to_state == ReferralState.SCHEDULED
                    else None,
                )
            )
    for contact in case.contacts.select_related("by"):
        entries.append(
            TimelineEntry(
                contact.at,
                "contact",
                _("%(method)s: %(outcome)s")
                % {
                    "method": contact.get_method_display(),
                    "outcome": contact.get_outcome_display(),
                },
                contact.note if care else "",
                DataClass.CARE_COORDINATION if care and contact.note else DataClass.OPERATIONAL,
            )
        )
    for task in case.tasks.filter(state=TaskState.DONE):
        entries.append(TimelineEntry(task.done_at, "task", _("Done: %(task)s") % {"task": task}))
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries


def view_case(
    user, case_id, *, channel: str, request=None, now: datetime | None = None
) -> CaseView:
    """One case as `user` may see it, with its timeline; one audit entry naming the
    classes shown (the person's identity is audited as a person read)."""
    now = now or timezone.now()
    opened = _open(user, case_id)
    case, readable = opened.case, opened.readable
    care = CASE_CLASS in readable
    clinical = DataClass.CLINICAL in readable
    person = _shown_person(user, opened, channel=channel, request=request)
    today_ends = end_of_day(now)
    tasks = [
        _task_view(task, now=now, end_of_today=today_ends, care=care)
        # Open tasks first, each group by deadline.
        for task in sorted(
            case.tasks.select_related("assignee", "queue"),
            key=lambda task: (task.state != TaskState.OPEN, task.due_at),
        )
    ]
    contacts = [
        _contact_view(contact, care=care)
        for contact in case.contacts.select_related("by").order_by("-at", "-id")
    ]
    goals = None
    plan = None
    if clinical:
        goals = [
            GoalView(
                g.pk, g.text, g.status, str(g.get_status_display()), g.progress_note, g.target_date
            )
            for g in case.goals.all()
        ]
        plan = safety_plan_of(case.person)
    team = [
        f"{_name_of(rel.user)} ({rel.user.agency.name})" if rel.user else rel.agency.name
        for rel in AccessRelation.objects.in_force(now)
        .filter(person_id=case.person_id, kind=AccessRelation.Kind.CARE_TEAM)
        .select_related("user__agency", "agency")
    ]
    view = CaseView(
        id=case.pk,
        number=case.number,
        person=person,
        rights=case_rights(user, case, situation=opened.situation),
        status=case.status,
        status_label=str(case.get_status_display()),
        opened_because=case.opened_because,
        opened_because_label=str(case.get_opened_because_display()),
        opened_at=case.opened_at,
        case_manager=_name_of(case.case_manager),
        case_manager_id=case.case_manager_id,
        queue=case.queue.name,
        closed_at=case.closed_at,
        close_reason=str(case.get_close_reason_display()) if care and case.close_reason else None,
        close_note=case.close_note if care else None,
        repeat_crisis_at=case.repeat_crisis_at,
        unreached_at=case.unreached_at,
        revision=case.revision,
        readable={name: decision.basis for name, decision in readable.items()},
        tasks=tasks,
        contacts=contacts,
        goals=goals,
        safety_plan=plan,
        care_team=team,
        timeline=_timeline(case, set(readable), care=care, reader=user),
    )
    shown = sorted(
        {DataClass.OPERATIONAL, CASE_CLASS} | ({DataClass.CLINICAL} if clinical else set())
    )
    gate.record_reads(
        user,
        [
            gate.Read.of(
                events.CASE_VIEWED,
                label="case",
                row_id=case.pk,
                person_id=case.person_id,
                fields=[f"case:{name}" for name in shown],
                detail={
                    "case": str(case.pk),
                    "channel": channel,
                    "basis": ";".join(f"{n}={readable[n].basis}" for n in shown if n in readable),
                },
            )
        ],
        request=request,
    )
    return view


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
    circumstances (four), the persons' names, the open tasks and the contacts (one each),
    and the audit: one person read per row shown, one insert under one lock (on SQLite
    Django splits an insert every 62 entries, its 999-parameter limit)."""
    if not user.has_role(*CASE_WORKERS):
        raise PermissionDenied(_("The worklist is for case managers, clinicians and supervisors."))
    now = now or timezone.now()
    today_ends = end_of_day(now)
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
        classes=(DataClass.OPERATIONAL, CASE_CLASS),
        among=person_ids if connection.vendor == "postgresql" else None,
    )
    visible = [case for case in cases if CASE_CLASS in readable[case.person_id]]
    names = display_names(person_ids)
    tasks = _open_tasks(case_ids)
    contacts = _contact_figures(case_ids)
    status_labels = {value: str(label) for value, label in CaseStatus.choices}
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
    holders = {case.person_id: case.person__registered_by_agency_id for case in visible}
    list_reads(
        user,
        {
            row.person_id: {
                name: readable[row.person_id][name]
                for name in (DataClass.OPERATIONAL, CASE_CLASS)
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
    today_ends = end_of_day(now)
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


def _read_part(user, case_id, *, part: str, channel: str, request, clinical: bool = False):
    """The case and what `user` may read of it, with one audit entry for the part read."""
    opened = _open(user, case_id)
    case, readable = opened.case, opened.readable
    if clinical and DataClass.CLINICAL not in readable:
        raise PermissionDenied(
            _("Only behavioural-health staff of the person's care team read this.")
        )
    shown = [DataClass.CLINICAL] if clinical else [DataClass.OPERATIONAL, CASE_CLASS]
    gate.record_reads(
        user,
        [
            gate.Read.of(
                events.SAFETY_PLAN_VIEWED if part == "safety_plan" else events.CASE_VIEWED,
                label=f"case_{part}",
                row_id=case.pk,
                person_id=case.person_id,
                fields=[f"{part}:{name}" for name in shown],
                detail={
                    "case": str(case.pk),
                    "channel": channel,
                    "part": part,
                    "basis": ";".join(f"{n}={readable[n].basis}" for n in shown if n in readable),
                },
            )
        ],
        request=request,
    )
    return case, CASE_CLASS in readable


def case_tasks(user, case_id, *, channel: str, request=None, now=None) -> list[TaskView]:
    """The case's tasks, open first by deadline; one audit entry."""
    case, care = _read_part(user, case_id, part="tasks", channel=channel, request=request)
    now = now or timezone.now()
    today_ends = end_of_day(now)
    tasks = sorted(
        case.tasks.select_related("assignee", "queue"),
        key=lambda task: (task.state != TaskState.OPEN, task.due_at),
    )
    return [_task_view(task, now=now, end_of_today=today_ends, care=care) for task in tasks]


def case_contacts(user, case_id, *, channel: str, request=None) -> list[ContactView]:
    """The case's contact attempts, newest first; one audit entry."""
    case, care = _read_part(user, case_id, part="contacts", channel=channel, request=request)
    return [
        _contact_view(contact, care=care)
        for contact in case.contacts.select_related("by").order_by("-at", "-id")
    ]


def case_safety_plan(user, case_id, *, channel: str, request=None) -> list[PlanRevisionView]:
    """The person's safety plan revisions, newest first, for readers of clinical
    information (PermissionDenied for others); one audit entry."""
    case, _care = _read_part(
        user, case_id, part="safety_plan", channel=channel, request=request, clinical=True
    )
    return safety_plan_of(case.person)


# --- for the case pages (appended) ---------------------------------------------------------


@dataclass
class CaseRights:
    """What the case page offers its reader; each action asks the policy again."""

    care: bool  # writes the case: contacts, tasks, status, flags
    clinical: bool  # writes goals and the safety plan


def case_rights(user, case: Case, *, situation: Circumstances | None = None) -> CaseRights:
    """Which of the case's forms to show `user` (a case read through `access_case_by_id`);
    `situation` when the user's circumstances towards the person are already known."""
    if not user.has_role(*CASE_WORKERS) or case.is_closed:
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
    readable = readable_for_many(user, [case.person for case in cases])
    visible = [case for case in cases if CASE_CLASS in readable[case.person_id]]
    gate.record_reads(
        user,
        [
            gate.Read.of(
                events.CASES_LISTED,
                label="case",
                row_id=case.pk,
                person_id=case.person_id,
                fields=[DataClass.OPERATIONAL],
                detail={
                    "case": str(case.pk),
                    "channel": "page:caseload",
                    "basis": "=".join(
                        (DataClass.OPERATIONAL, readable[case.person_id][CASE_CLASS].basis)
                    ),
                },
            )
            for case in visible
        ],
        request=request,
    )
    return [
        QueueRow(
            id=case.pk,
            number=case.number,
            queue=case.queue.name,
            opened_at=case.opened_at,
            opened_because_label=str(case.get_opened_because_display()),
            next_due_at=case.next_due_at,
            overdue=case.overdue,
        )
        for case in visible
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
    (NotFound for anyone else); one SAFETY_PLAN_VIEWED entry on the person."""
    opened = _open(user, case_id)
    case, readable = opened.case, opened.readable
    if DataClass.CLINICAL not in readable:
        raise NotFound(_("No such case."))
    person = _shown_person(user, opened, channel=channel, request=request)
    revisions = safety_plan_of(case.person)
    gate.record_reads(
        user,
        [
            gate.Read.of(
                events.SAFETY_PLAN_VIEWED,
                label="safety_plan",
                row_id=case.pk,
                person_id=case.person_id,
                fields=["safety_plan:clinical"],
                detail={
                    "case": str(case.pk),
                    "channel": channel,
                    "revision": revisions[0].number if revisions else 0,
                    "basis": readable[DataClass.CLINICAL].basis,
                },
            )
        ],
        request=request,
    )
    return SafetyPlanView(case.pk, case.number, person, revisions)
