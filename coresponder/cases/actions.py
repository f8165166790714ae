"""Writes to follow-up cases.

Each action runs in one transaction, names who acted (a user, or the system for what a
rule opens), asks the privacy policy whether they may write the class, and writes one
audit event. Bad input is refused with a `DomainError` naming each bad field, and nothing
is written. Time comes in as `now` where a deadline depends on it, so tests control it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from coresponder.accounts.models import Agency, AgencyKind, Role, User
from coresponder.core.audit import Actor
from coresponder.core.exceptions import Conflict, DomainError, Invalid, PermissionDenied
from coresponder.core.local_time import moment_words
from coresponder.core.time_bounds import Facing, time_problem
from coresponder.encounters import instruments
from coresponder.encounters.models import Assessment, Encounter, PlanState, ResponsePlan
from coresponder.privacy.access import decide_for
from coresponder.privacy.actions import end_relations, grant_relation
from coresponder.privacy.classification import DataClass
from coresponder.privacy.models import AccessRelation
from coresponder.privacy.policy import Action
from coresponder.referrals.loop import State as ReferralState
from coresponder.referrals.models import Referral

from . import events, rules
from .access import (
    access_case_by_id,
    numbers_of,
    open_case_of,
    repeat_crisis_persons,
    rules_of,
)
from .models import (
    FAILED_OUTCOMES,
    NOT_CLOSED,
    Case,
    CaseStatus,
    CloseReason,
    ContactAttempt,
    ContactMethod,
    ContactOutcome,
    Goal,
    GoalStatus,
    OpenedBecause,
    SafetyPlanRevision,
    Task,
    TaskKind,
    TaskState,
)

log = logging.getLogger(__name__)

SAFETY_PLAN = "stanley-brown-safety-plan"
CASE_MANAGERS = (Role.CASE_MANAGER, Role.CLINICIAN, Role.SUPERVISOR)
ASSIGNERS = (Role.SUPERVISOR, Role.CASE_MANAGER)
UNANSWERED = (ReferralState.SENT, ReferralState.RECEIVED)
# A declined or missed referral needs another service found within a day.
REFERRAL_FALLOUT = {
    ReferralState.DECLINED: _("Referral declined: find another service"),
    ReferralState.NO_SHOW: _("Missed appointment: reach the person and rebook"),
}
MAX_NOTE = 4000


def _actor(user) -> Actor:
    return Actor.of_user(user) if user is not None else Actor.system("follow-up rules")


def _check_write(user, person, data_class: str = DataClass.CARE_COORDINATION) -> None:
    if not user.has_role(*CASE_MANAGERS) or not decide_for(user, person, data_class, Action.WRITE):
        raise PermissionDenied(
            _("Only the person's care team writes to the case.")
            if data_class == DataClass.CARE_COORDINATION
            else _("Only behavioural-health staff of the person's care team write this.")
        )


def _next_number(program, at: datetime) -> str:
    prefix = f"C{at.year}-"
    last = (
        Case.objects.filter(program=program, number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    following = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{following:06d}"


def queue_for(program, encounter: Encounter | None = None) -> Agency:
    """Where a new case waits: the agency of the clinician on the encounter's team, else
    the program's first behavioural-health agency."""
    if encounter is not None and encounter.team_id is not None:
        clinician_agency = (
            Agency.objects.filter(
                users__team_memberships__team_id=encounter.team_id,
                users__team_memberships__role="clinician",
                kind=AgencyKind.BEHAVIORAL_HEALTH,
            )
            .order_by("pk")
            .first()
        )
        if clinician_agency is not None:
            return clinician_agency
    agency = (
        Agency.objects.filter(program=program, kind=AgencyKind.BEHAVIORAL_HEALTH)
        .order_by("pk")
        .first()
    )
    if agency is None:
        raise DomainError(_("The program has no behavioural-health agency to follow up."))
    return agency


def _join_care_team(person, *, user=None, agency=None, source: str, acting_user) -> None:
    """A user joins the care team; an agency holds the case in its follow-up queue, which
    lets its staff triage the case but not read the clinical record (privacy policy)."""
    kind = (
        AccessRelation.Kind.CARE_TEAM if user is not None else AccessRelation.Kind.FOLLOW_UP_QUEUE
    )
    rows = AccessRelation.objects.in_force().filter(person=person, kind=kind)
    rows = rows.filter(user=user) if user is not None else rows.filter(agency=agency)
    if not rows.exists():
        grant_relation(
            person,
            kind=kind,
            user=user,
            agency=agency,
            source=source[:120],
            acting_user=acting_user,
        )


def _seed_safety_plan(person, encounter: Encounter | None, *, at: datetime) -> None:
    """A case starts from the person's latest safety plan. The plan written on scene (on
    `encounter`, or for a case opened by hand or by a repeat crisis on any of the person's
    encounters) becomes their next revision when it is newer than their latest revision;
    an older one, or the same answers again, adds nothing."""
    written = Assessment.objects.filter(instrument__key=SAFETY_PLAN).select_related(
        "encounter__call"
    )
    if encounter is not None:
        written = written.filter(encounter=encounter)
    else:
        written = written.filter(encounter__call__person=person)
    assessment = written.order_by("-updated_at", "-pk").first()
    if assessment is None or not assessment.answers:
        return
    last = (
        SafetyPlanRevision.objects.select_for_update()
        .filter(person=person)
        .order_by("-number")
        .first()
    )
    if last is not None and (
        last.assessment_id == assessment.pk
        or last.answers == assessment.answers
        or last.written_at >= assessment.updated_at
    ):
        return
    SafetyPlanRevision.objects.create(
        person=person,
        number=last.number + 1 if last else 1,
        answers=assessment.answers,
        assessment=assessment,
        note=_("Written on scene, call %(number)s")
        % {"number": assessment.encounter.call.reference},
        written_by=assessment.by,
        written_at=at,
    )


def _task(case: Case, *, kind: str, title: str, due_at: datetime, created_by=None, **extra):
    return Task.objects.create(
        case=case,
        kind=kind,
        title=title[:200],
        due_at=due_at,
        assignee=case.case_manager,
        queue=case.queue,
        created_by=created_by,
        **extra,
    )


def open_case(
    person,
    *,
    because: str,
    acting_user=None,
    encounter: Encounter | None = None,
    case_manager=None,
    contact_within_hours: int | None = None,
    now: datetime | None = None,
    request=None,
) -> Case:
    """Opens the person's follow-up case with its first-contact task, or returns the case
    they already have (a person has one case that is not closed)."""
    now = now or timezone.now()
    if acting_user is not None:
        if not acting_user.has_role(*CASE_MANAGERS):
            raise PermissionDenied(_("Only case managers, clinicians and supervisors open cases."))
        if person.program_id != acting_user.agency.program_id:
            raise PermissionDenied(_("That person is not in your program."))
    if case_manager is not None and not case_manager.has_role(Role.CASE_MANAGER):
        raise DomainError(
            _("Cases are assigned to case managers."), fields={"case_manager": [str(case_manager)]}
        )
    numbers = numbers_of(person.program)
    hours = contact_within_hours or numbers.first_contact_hours
    with transaction.atomic():
        existing = (
            Case.objects.select_for_update().filter(person=person, status__in=NOT_CLOSED).first()
        )
        if existing is not None:
            if acting_user is not None:
                # By hand: say so rather than hand over a case the opener may not read.
                raise Conflict(
                    _("The person already has an open case (%(number)s).")
                    % {"number": existing.number}
                )
            return existing
        if case_manager is not None:
            queue = case_manager.agency
        elif acting_user is not None and acting_user.agency.kind == AgencyKind.BEHAVIORAL_HEALTH:
            queue = acting_user.agency
        else:
            queue = queue_for(person.program, encounter)
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    case = Case.objects.create(
                        program=person.program,
                        person=person,
                        number=_next_number(person.program, now),
                        opened_because=because,
                        encounter=encounter,
                        case_manager=case_manager,
                        queue=queue,
                        opened_at=now,
                        opened_by=acting_user,
                    )
                break
            except IntegrityError:
                if open_case_of(person) is not None:
                    return open_case_of(person)
        else:  # pragma: no cover - five collisions in a row
            raise Conflict(_("Could not number the case; try again."))
        _join_care_team(
            person,
            agency=queue,
            source=f"follow-up queue, case {case.number}",
            acting_user=acting_user,
        )
        if case_manager is not None:
            _join_care_team(
                person,
                user=case_manager,
                source=f"case manager, case {case.number}",
                acting_user=acting_user,
            )
        if acting_user is not None and acting_user.agency_id != queue.pk:
            _join_care_team(
                person,
                user=acting_user,
                source=f"opened case {case.number}",
                acting_user=acting_user,
            )
        _task(
            case,
            kind=TaskKind.FIRST_CONTACT,
            title=_("First follow-up contact"),
            due_at=now + timedelta(hours=hours),
            created_by=acting_user,
        )
        _seed_safety_plan(person, encounter, at=now)
        events.on_case(
            events.CASE_OPENED,
            case,
            actor=_actor(acting_user),
            fields=["case:operational"],
            detail={"because": because, "contact_within_hours": hours},
            request=request,
        )
    return case


def open_case_for_encounter(encounter: Encounter, *, now: datetime | None = None) -> Case | None:
    """A completed encounter whose disposition a rule names opens a case, or gives the open
    case a new follow-up contact to make. Returns the case, or None when no rule applies."""
    person = encounter.call.person
    hours = rules.contact_within(encounter.disposition, rules_of(encounter.program))
    if person is None or hours is None:
        return None
    now = now or timezone.now()
    case = open_case_of(person)
    if case is None:
        return open_case(
            person,
            because=OpenedBecause.ENCOUNTER,
            encounter=encounter,
            contact_within_hours=hours,
            now=now,
        )
    with transaction.atomic():
        _task(
            case,
            kind=TaskKind.FIRST_CONTACT,
            title=_("Follow-up contact after call %(number)s")
            % {"number": encounter.call.reference},
            due_at=now + timedelta(hours=hours),
        )
        _seed_safety_plan(person, encounter, at=now)
        events.on_case(
            events.TASK_ADDED,
            case,
            actor=_actor(None),
            fields=["case:operational"],
            detail={"kind": TaskKind.FIRST_CONTACT, "encounter": str(encounter.pk)},
        )
    return case


def note_call(call, *, now: datetime | None = None) -> Case | None:
    """A call about a person: at the program's repeat-crisis count within its window, their
    case is flagged for proactive outreach (opened, or re-opened, when they have none) with
    an outreach task and a response-plan review. A further call does not open another."""
    person = call.person
    if person is None:
        return None
    now = now or timezone.now()
    numbers = numbers_of(call.program)
    at = max(now, call.received_at)
    if person.pk not in repeat_crisis_persons(call.program_id, [person.pk], at=at, numbers=numbers):
        return None
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(person=person, status__in=NOT_CLOSED).first()
        reopened = False
        if case is None:
            latest = (
                Case.objects.select_for_update()
                .filter(person=person, status=CaseStatus.CLOSED)
                .order_by("-closed_at")
                .first()
            )
            if latest is not None:
                Case.objects.filter(pk=latest.pk).update(
                    status=CaseStatus.OPEN,
                    closed_at=None,
                    close_reason="",
                    close_note="",
                    revision=F("revision") + 1,
                )
                latest.refresh_from_db()
                case, reopened = latest, True
                _join_care_team(
                    person,
                    agency=case.queue,
                    source=f"follow-up queue, case {case.number}",
                    acting_user=None,
                )
            else:
                case = open_case(person, because=OpenedBecause.REPEAT_CRISIS, now=now)
        # Opened, re-opened or flagged, the case works from the person's latest plan.
        _seed_safety_plan(person, None, at=now)
        if case.repeat_crisis_at is None:
            Case.objects.filter(pk=case.pk).update(repeat_crisis_at=now)
            case.repeat_crisis_at = now
        if not case.tasks.filter(kind=TaskKind.OUTREACH, state=TaskState.OPEN).exists():
            _task(
                case,
                kind=TaskKind.OUTREACH,
                title=_("Proactive outreach: %(calls)s calls in %(days)s days")
                % {"calls": numbers.repeat_calls, "days": numbers.repeat_days},
                due_at=now + timedelta(hours=numbers.first_contact_hours),
            )
        if not case.tasks.filter(kind=TaskKind.PLAN_REVIEW, state=TaskState.OPEN).exists():
            has_plan = ResponsePlan.objects.filter(person=person, state=PlanState.APPROVED).exists()
            _task(
                case,
                kind=TaskKind.PLAN_REVIEW,
                title=_("Review the response plan")
                if has_plan
                else _("Consider a response plan for repeated crises"),
                due_at=now + timedelta(days=7),
            )
        events.on_case(
            events.CASE_REOPENED if reopened else events.CASE_FLAGGED,
            case,
            actor=_actor(None),
            fields=["case:operational"],
            detail={"flag": "repeat_crisis", "call": str(call.pk)},
        )
    return case


def assign_case(case: Case, *, case_manager, acting_user, request=None) -> Case:
    """A supervisor assigns the case, or a case manager takes it from the queue. The case
    manager joins the care team and the case's unassigned open tasks become theirs."""
    if not acting_user.has_role(*ASSIGNERS):
        raise PermissionDenied(_("Supervisors assign cases; case managers take them."))
    if (
        acting_user.has_role(Role.CASE_MANAGER)
        and not acting_user.has_role(Role.SUPERVISOR)
        and case_manager != acting_user
    ):
        raise PermissionDenied(_("A case manager takes cases for themself."))
    if (
        not case_manager.has_role(Role.CASE_MANAGER)
        or not case_manager.is_active
        or case_manager.agency.program_id != case.program_id
    ):
        raise DomainError(
            _("Cases are assigned to the program's case managers."),
            fields={"case_manager": [case_manager.username]},
        )
    access_case_by_id(acting_user, case.pk)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.is_closed:
            raise Conflict(_("The case is closed."))
        Case.objects.filter(pk=locked.pk).update(
            case_manager=case_manager, revision=F("revision") + 1, updated_at=timezone.now()
        )
        locked.tasks.filter(state=TaskState.OPEN).filter(
            Q(assignee__isnull=True) | Q(assignee=locked.case_manager_id)
        ).update(assignee=case_manager)
        _join_care_team(
            locked.person,
            user=case_manager,
            source=f"case manager, case {locked.number}",
            acting_user=acting_user,
        )
        events.on_case(
            events.CASE_CHANGED,
            locked,
            actor=Actor.of_user(acting_user),
            fields=["case:operational"],
            detail={"case_manager": case_manager.pk},
            request=request,
        )
    locked.refresh_from_db()
    return locked


def set_status(
    case: Case,
    *,
    status: str,
    acting_user,
    reason: str = "",
    note: str = "",
    request=None,
) -> Case:
    """Open, active, on hold, or closed with a reason. Closing cancels the open tasks and
    takes the queue off the care team; the case manager stays on it."""
    _check_write(acting_user, case.person)
    problems: dict[str, list[str]] = {}
    if status not in CaseStatus.values:
        problems["status"] = [_("Not a case status.")]
    if status == CaseStatus.CLOSED and reason not in CloseReason.values:
        problems["reason"] = [_("Say why the case is closed.")]
    if status != CaseStatus.CLOSED and reason:
        problems["reason"] = [_("Only a closed case has a reason.")]
    if status != CaseStatus.CLOSED and note.strip():
        problems["note"] = [
            _("The note goes with closing; log a contact or add a task to say more.")
        ]
    if len(note) > MAX_NOTE:
        problems["note"] = [_("At most %(n)s characters.") % {"n": MAX_NOTE}]
    if problems:
        raise DomainError(_("The case was not changed."), fields=problems)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status == status:
            raise Conflict(
                _("The case is already %(status)s.")
                % {"status": locked.get_status_display().lower()}
            )
        if locked.is_closed and open_case_of(locked.person) is not None:
            raise Conflict(_("The person has another open case."))
        now = timezone.now()
        closing = status == CaseStatus.CLOSED
        Case.objects.filter(pk=locked.pk).update(
            status=status,
            closed_at=now if closing else None,
            close_reason=reason if closing else "",
            close_note=note.strip() if closing else "",
            revision=F("revision") + 1,
            updated_at=now,
        )
        if closing:
            locked.tasks.filter(state=TaskState.OPEN).update(
                state=TaskState.CANCELLED, done_at=now, done_by=acting_user
            )
            end_relations(
                AccessRelation.objects.in_force(now).filter(
                    person_id=locked.person_id,
                    kind=AccessRelation.Kind.FOLLOW_UP_QUEUE,
                    agency=locked.queue,
                ),
                reason=AccessRelation.EndReason.CASE_CLOSED,
                acting_user=acting_user,
                at=now,
                detail={"case": str(locked.pk)},
            )
        else:
            _join_care_team(
                locked.person,
                agency=locked.queue,
                source=f"follow-up queue, case {locked.number}",
                acting_user=acting_user,
            )
        events.on_case(
            events.CASE_CLOSED if closing else events.CASE_CHANGED,
            locked,
            actor=Actor.of_user(acting_user),
            fields=["case:operational"] + (["case:care_coordination"] if closing else []),
            detail={"status": status, **({"reason": reason} if closing else {})},
            request=request,
        )
    locked.refresh_from_db()
    return locked


def clear_flag(case: Case, *, flag: str, acting_user, request=None) -> Case:
    """The care team has dealt with a flag (outreach made, the person found)."""
    _check_write(acting_user, case.person)
    column = {"repeat_crisis": "repeat_crisis_at", "unreached": "unreached_at"}.get(flag)
    if column is None:
        raise DomainError(_("Not a flag."), fields={"flag": [flag]})
    with transaction.atomic():
        changed = Case.objects.filter(pk=case.pk, **{f"{column}__isnull": False}).update(
            **{column: None}, revision=F("revision") + 1, updated_at=timezone.now()
        )
        if not changed:
            raise Conflict(_("The case does not carry that flag."))
        events.on_case(
            events.CASE_CHANGED,
            case,
            actor=Actor.of_user(acting_user),
            fields=["case:operational"],
            detail={"flag_cleared": flag},
            request=request,
        )
    case.refresh_from_db()
    return case


@dataclass
class TaskIn:
    title: str
    due_at: datetime | None
    assignee_id: int | None = None  # None: the case's queue


def add_task(case: Case, task_in: TaskIn, *, acting_user, request=None) -> Task:
    _check_write(acting_user, case.person)
    problems: dict[str, list[str]] = {}
    title = task_in.title.strip()
    if not title:
        problems["title"] = [_("Say what is to be done.")]
    elif len(title) > 200:
        problems["title"] = [_("At most 200 characters.")]
    out_of_bounds = False
    if task_in.due_at is None:
        problems["due_at"] = [_("Give the deadline.")]
    elif timezone.is_naive(task_in.due_at):
        problems["due_at"] = [_("Give the deadline with its time zone.")]
    elif problem := time_problem(
        task_in.due_at, case.program.time_bounds(timezone.now(), facing=Facing.PLANNED)
    ):
        problems["due_at"], out_of_bounds = [problem], True
    assignee = None
    if task_in.assignee_id is not None:
        assignee = User.objects.filter(
            pk=task_in.assignee_id, agency__program_id=case.program_id, is_active=True
        ).first()
        if assignee is None or not assignee.has_role(*CASE_MANAGERS):
            problems["assignee_id"] = [
                _("Tasks go to the program's case managers, clinicians and supervisors.")
            ]
    if problems:
        # A deadline outside the bounds is refused as a value off its range is: 422.
        refusal = Invalid if out_of_bounds else DomainError
        raise refusal(_("The task was not added."), fields=problems)
    if case.is_closed:
        raise Conflict(_("The case is closed."))
    with transaction.atomic():
        task = Task.objects.create(
            case=case,
            kind=TaskKind.OTHER,
            title=title,
            due_at=task_in.due_at,
            assignee=assignee,
            queue=case.queue,
            created_by=acting_user,
        )
        events.on_case(
            events.TASK_ADDED,
            case,
            actor=Actor.of_user(acting_user),
            fields=["case:operational"],
            detail={"task": str(task.pk), "kind": task.kind},
            request=request,
        )
    return task


def complete_task(task: Task, *, acting_user, note: str = "", request=None) -> Task:
    _check_write(acting_user, task.case.person)
    if len(note) > 300:
        raise DomainError(_("The task was not closed."), fields={"note": [_("At most 300.")]})
    with transaction.atomic():
        now = timezone.now()
        changed = Task.objects.filter(pk=task.pk, state=TaskState.OPEN).update(
            state=TaskState.DONE, done_at=now, done_by=acting_user, done_note=note.strip()
        )
        if not changed:
            raise Conflict(_("The task is already closed."))
        events.on_case(
            events.TASK_DONE,
            task.case,
            actor=Actor.of_user(acting_user),
            fields=["case:operational"] + (["case:care_coordination"] if note else []),
            detail={"task": str(task.pk), "kind": task.kind},
            request=request,
        )
    task.refresh_from_db()
    return task


@dataclass
class ContactIn:
    method: str
    outcome: str
    note: str = ""
    at: datetime | None = None


# Reaching the person is the contact these tasks wait for.
CLOSED_BY_REACHING = (TaskKind.FIRST_CONTACT, TaskKind.OUTREACH)


def log_contact(
    case: Case, contact_in: ContactIn, *, acting_user, now: datetime | None = None, request=None
) -> ContactAttempt:
    """An attempt to reach the person. Reaching them closes the first-contact and outreach
    tasks and makes the case active; the program's number of failed attempts in a row flags
    the case as unreached."""
    _check_write(acting_user, case.person)
    now = now or timezone.now()
    at = contact_in.at or now
    problems: dict[str, list[str]] = {}
    if contact_in.method not in ContactMethod.values:
        problems["method"] = [_("Phone, text, visit or letter.")]
    if contact_in.outcome not in ContactOutcome.values:
        problems["outcome"] = [_("Reached, no answer, left a message, wrong number or declined.")]
    out_of_bounds = False
    if timezone.is_naive(at):
        problems["at"] = [_("Give the time with its time zone.")]
    elif problem := time_problem(at, case.program.time_bounds(now)):
        problems["at"], out_of_bounds = [problem], True
    if len(contact_in.note) > MAX_NOTE or "\x00" in contact_in.note:
        problems["note"] = [_("At most %(n)s characters of text.") % {"n": MAX_NOTE}]
    if problems:
        refusal = Invalid if out_of_bounds else DomainError
        raise refusal(_("The contact was not logged."), fields=problems)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.is_closed:
            raise Conflict(_("The case is closed."))
        contact = ContactAttempt.objects.create(
            case=locked,
            method=contact_in.method,
            outcome=contact_in.outcome,
            note=contact_in.note.strip(),
            at=at,
            by=acting_user,
        )
        changes: dict = {}
        closed_tasks = 0
        if contact.outcome == ContactOutcome.REACHED:
            closed_tasks = locked.tasks.filter(
                state=TaskState.OPEN, kind__in=CLOSED_BY_REACHING
            ).update(
                state=TaskState.DONE,
                done_at=at,
                done_by=acting_user,
                done_note=str(
                    _("Reached by %(method)s") % {"method": contact.get_method_display().lower()}
                ),
            )
            if locked.status == CaseStatus.OPEN:
                changes["status"] = CaseStatus.ACTIVE
            if locked.unreached_at is not None:
                changes["unreached_at"] = None
        elif contact.outcome in FAILED_OUTCOMES and locked.unreached_at is None:
            outcomes = list(
                locked.contacts.order_by("-at", "-id").values_list("outcome", flat=True)[:50]
            )
            limit = numbers_of(locked.program).failed_attempts_flag
            if rules.failed_in_a_row(outcomes, FAILED_OUTCOMES) >= limit:
                changes["unreached_at"] = now
        if changes:
            changes["revision"] = F("revision") + 1
        # Touched even when nothing else changed: the outcome figures follow the case's
        # contacts by the case's update time.
        Case.objects.filter(pk=locked.pk).update(**changes, updated_at=now)
        events.on_case(
            events.CONTACT_LOGGED,
            locked,
            actor=Actor.of_user(acting_user),
            fields=["case:operational"] + (["case:care_coordination"] if contact.note else []),
            detail={
                "contact": contact.pk,
                "method": contact.method,
                "outcome": contact.outcome,
                "tasks_closed": closed_tasks,
                **({"flagged": "unreached"} if changes.get("unreached_at") else {}),
            },
            request=request,
        )
    return contact


def set_goal(
    case: Case,
    *,
    text: str,
    acting_user,
    status: str = GoalStatus.NOT_STARTED,
    progress_note: str = "",
    target_date: date | None = None,
    goal: Goal | None = None,
    request=None,
) -> Goal:
    """A new goal, or a goal's progress. Goals are clinical."""
    _check_write(acting_user, case.person, DataClass.CLINICAL)
    problems: dict[str, list[str]] = {}
    text = text.strip()
    if not text:
        problems["text"] = [_("Say what the goal is.")]
    elif len(text) > 300:
        problems["text"] = [_("At most 300 characters.")]
    if status not in GoalStatus.values:
        problems["status"] = [_("Not a goal's progress.")]
    if len(progress_note) > MAX_NOTE:
        problems["progress_note"] = [_("At most %(n)s characters.") % {"n": MAX_NOTE}]
    if problems:
        raise DomainError(_("The goal was not saved."), fields=problems)
    with transaction.atomic():
        if goal is None:
            goal = Goal(case=case, set_by=acting_user)
        elif goal.case_id != case.pk:
            raise DomainError(_("That goal is not this case's."))
        goal.text, goal.status = text, status
        goal.progress_note, goal.target_date = progress_note.strip(), target_date
        goal.save()
        events.on_case(
            events.GOAL_SET,
            case,
            actor=Actor.of_user(acting_user),
            fields=["case:clinical"],
            detail={"goal": goal.pk, "status": status},
            request=request,
        )
    return goal


def safety_plan_instrument() -> instruments.Instrument:
    return instruments.shipped()[SAFETY_PLAN]


def revise_safety_plan(
    person, *, answers: dict, note: str, acting_user, request=None
) -> SafetyPlanRevision:
    """A new revision of the person's Stanley–Brown safety plan, checked against the
    instrument's questions; earlier revisions stay as they were."""
    _check_write(acting_user, person, DataClass.CLINICAL)
    if not isinstance(answers, dict):
        raise DomainError(_("Answers are an object of question keys to answers."))
    answers = {key: value for key, value in answers.items() if value not in (None, "", [])}
    problems = instruments.problems_with(safety_plan_instrument(), answers)
    note = note.strip()
    if len(note) > 300:
        problems["note"] = [_("At most 300 characters.")]
    if problems:
        raise DomainError(_("The safety plan was not saved."), fields=problems)
    with transaction.atomic():
        last = (
            SafetyPlanRevision.objects.select_for_update()
            .filter(person=person)
            .order_by("-number")
            .first()
        )
        if last is not None and last.answers == answers:
            raise Conflict(_("Nothing changed since revision %(n)s.") % {"n": last.number})
        revision = SafetyPlanRevision.objects.create(
            person=person,
            number=(last.number + 1) if last else 1,
            answers=answers,
            note=note or (_("Revised") if last else _("First written")),
            written_by=acting_user,
            written_at=timezone.now(),
        )
        events.on_person(
            events.SAFETY_PLAN_REVISED,
            person.pk,
            actor=Actor.of_user(acting_user),
            fields=["safety_plan:clinical"],
            detail={"revision": revision.number},
            request=request,
        )
    return revision


# --- referrals and the clock ------------------------------------------------------------


def note_referral_move(referral: Referral, *, to_state: str, now: datetime | None = None) -> None:
    """A referral's move as the case sees it: accepted closes the task waiting for an
    answer; declined or no-show makes one to find another service."""
    if referral.person_id is None or referral.kind != Referral.Kind.REFERRAL:
        return
    case = Case.objects.filter(person_id=referral.person_id, status__in=NOT_CLOSED).first()
    if case is None:
        return
    now = now or timezone.now()
    if to_state not in UNANSWERED:
        case.tasks.filter(state=TaskState.OPEN, kind=TaskKind.REFERRAL, referral=referral).exclude(
            title__in=[str(t) for t in REFERRAL_FALLOUT.values()]
        ).update(state=TaskState.DONE, done_at=now, done_note=str(_("The partner answered")))
    if to_state in REFERRAL_FALLOUT:
        _task(
            case,
            kind=TaskKind.REFERRAL,
            title=str(REFERRAL_FALLOUT[ReferralState(to_state)]),
            due_at=now + timedelta(hours=24),
            referral=referral,
        )
        events.on_case(
            events.TASK_ADDED,
            case,
            actor=_actor(None),
            fields=["case:operational"],
            detail={"kind": TaskKind.REFERRAL, "referral": str(referral.pk), "state": to_state},
        )


@dataclass
class SweepReport:
    referral_tasks: int = 0
    reminders: int = 0


def sweep(now: datetime | None = None) -> SweepReport:
    """The follow-up clock, run every few minutes by the system's scheduler
    (`coresponder cases sweep`): a task for each referral of an open case not accepted in
    the program's hours, and one reminder for each task come due, to its assignee or else
    to the queue's case managers. Messages carry no person's information."""
    now = now or timezone.now()
    report = SweepReport()
    with transaction.atomic():
        waiting = (
            Referral.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(kind=Referral.Kind.REFERRAL, state__in=[s.value for s in UNANSWERED])
            .filter(person_id__in=Case.objects.filter(status__in=NOT_CLOSED).values("person_id"))
            .exclude(pk__in=Task.objects.filter(kind=TaskKind.REFERRAL).values("referral_id"))
            .select_related("service", "program")
        )
        waiting = list(waiting)
        case_of = {
            case.person_id: case
            for case in Case.objects.filter(
                person_id__in={r.person_id for r in waiting}, status__in=NOT_CLOSED
            )
        }
        hours_of: dict = {}
        for referral in waiting:
            if referral.program_id not in hours_of:
                hours_of[referral.program_id] = numbers_of(referral.program).referral_answer_hours
            hours = hours_of[referral.program_id]
            if referral.sent_at > now - timedelta(hours=hours):
                continue
            case = case_of[referral.person_id]
            _task(
                case,
                kind=TaskKind.REFERRAL,
                title=_("Referral to %(service)s not accepted in %(hours)s h")
                % {"service": referral.service.name, "hours": hours},
                due_at=now,
                referral=referral,
            )
            events.on_case(
                events.TASK_ADDED,
                case,
                actor=_actor(None),
                fields=["case:operational"],
                detail={"kind": TaskKind.REFERRAL, "referral": str(referral.pk)},
            )
            report.referral_tasks += 1

        due = list(
            Task.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=TaskState.OPEN, reminded_at__isnull=True, due_at__lte=now)
            .select_related("assignee", "queue", "case__program")
        )
        if not due:
            return report
        Task.objects.filter(pk__in=[task.pk for task in due]).update(reminded_at=now)
        queue_addresses: dict = defaultdict(list)
        for agency_id, email in (
            User.objects.filter(
                agency_id__in={t.queue_id for t in due if t.assignee_id is None},
                is_active=True,
                role_grants__role=Role.CASE_MANAGER,
            )
            .exclude(email="")
            .values_list("agency_id", "email")
            .distinct()
        ):
            queue_addresses[agency_id].append(email)
        messages = []
        system = Actor.system("follow-up reminders")
        link = settings.COR_SITE_URL.rstrip("/") + "/cases/"
        for task in due:
            to = (
                [task.assignee.email]
                if task.assignee_id and task.assignee.email
                else queue_addresses[task.queue_id]
            )
            events.on_case(
                events.TASK_REMINDED,
                task.case,
                actor=system,
                detail={"task": str(task.pk), "recipients": len(to)},
            )
            if to:
                subject = _("A follow-up task is due: case %(number)s") % {
                    "number": task.case.number
                }
                body = _(
                    "%(task)s, case %(number)s, was due %(due)s. Open your worklist: %(link)s"
                ) % {
                    "task": task.get_kind_display(),
                    "number": task.case.number,
                    # Read in a mailbox, away from any page: on the program's clock, named.
                    "due": moment_words(task.due_at, task.case.program.zone),
                    "link": link,
                }
                messages.append((subject, body, to))
            report.reminders += 1

        def send() -> None:
            for subject, body, to in messages:
                try:
                    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
                except OSError:
                    log.warning("follow-up reminder not sent", exc_info=True)

        transaction.on_commit(send)
    return report


__all__ = [
    "ContactIn",
    "TaskIn",
    "access_case_by_id",
    "add_task",
    "assign_case",
    "clear_flag",
    "complete_task",
    "log_contact",
    "note_call",
    "note_referral_move",
    "open_case",
    "open_case_for_encounter",
    "revise_safety_plan",
    "set_goal",
    "set_status",
    "sweep",
]
