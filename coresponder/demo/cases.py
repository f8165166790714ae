"""Demo follow-up cases: every status, every contact outcome and both flags, on the demo
case manager's worklist.

Everything goes through the real actions (`coresponder.cases.actions`) and the real call
intake. The day's earlier encounters are written as rows (demo/encounters.py), so the
receiver that opens a case when an encounter completes never heard of them: here each
one that a follow-up rule names is handed to the action that receiver calls, at the time
the encounter completed. The two persons called about most get their third call in 90
days through intake, so `note_call` flags them as repeat crises. A handful of cases are
opened by hand at earlier dates, for the stories a day of calls cannot tell yet: overdue
first contacts, a person not reached, goals and a safety plan, cases on hold and closed.

Actions that take a time (`now=`, a contact's `at`) are given past times. Two times the
actions always set to the present (a case's closing, a phone-resolved call's closing) are
placed in the past in one place, `_place_in_the_past`.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from coresponder.accounts.models import User
from coresponder.calls import actions as calls
from coresponder.calls.models import Call, CallState
from coresponder.cases import actions as cases
from coresponder.cases.models import (
    NOT_CLOSED,
    Case,
    CaseStatus,
    CloseReason,
    ContactAttempt,
    ContactMethod,
    ContactOutcome,
    GoalStatus,
    OpenedBecause,
    Task,
    TaskState,
)
from coresponder.core.local_time import end_of_local_day
from coresponder.encounters.models import Encounter, EncounterState, ResponsePlan
from coresponder.people import actions as people
from coresponder.people.models import Person
from coresponder.privacy import actions as privacy
from coresponder.privacy.models import AccessRelation

from .encounters import safety_plan_answers
from .people import WORDS

# Further phonetic-alphabet words, for persons who came to follow-up by other routes.
MORE_WORDS = ["Quebec", "Romeo", "Sierra", "Tango", "Uniform", "Victor", "Whiskey", "Yankee"]
REPEAT_CRISIS_PERSONS = 2

C = ContactOutcome
M = ContactMethod


@dataclass(frozen=True)
class Story:
    """A case opened by hand `days` ago, with its contacts as (days ago, method, outcome)."""

    key: str
    days: float
    contacts: list[tuple[float, str, str]] = field(default_factory=list)
    manager: str = "casemanager"  # "other": another case manager of the program


STORIES = [
    # First contact due two days ago; one message left.
    Story("overdue", 5, [(4, M.PHONE, C.LEFT_MESSAGE)]),
    # Three failed attempts in a row: the case is flagged unreached.
    Story(
        "unreached",
        8,
        [(7, M.PHONE, C.NO_ANSWER), (5, M.TEXT, C.LEFT_MESSAGE), (3, M.PHONE, C.WRONG_NUMBER)],
    ),
    # Reached: active, with goals, a revised safety plan and a task due today.
    Story("active", 12, [(11, M.PHONE, C.NO_ANSWER), (10, M.VISIT, C.REACHED)]),
    Story("on_hold", 20, [(18, M.VISIT, C.REACHED)]),
    Story("declined", 15, [(14, M.PHONE, C.DECLINED)], manager="other"),
    Story("goals_met", 40, [(38, M.PHONE, C.REACHED), (20, M.VISIT, C.REACHED)]),
    Story("connected", 30, [(29, M.TEXT, C.REACHED)], manager="other"),
    Story(
        "unable_to_reach",
        25,
        [(24, M.PHONE, C.NO_ANSWER), (21, M.LETTER, C.NO_ANSWER), (17, M.VISIT, C.NO_ANSWER)],
    ),
]
CLOSED = {
    "declined": (CloseReason.DECLINED, "Declined further contact; knows how to reach us."),
    "goals_met": (CloseReason.GOALS_MET, "Stable housing and weekly therapy in place."),
    "connected": (CloseReason.CONNECTED, "Connected to the outpatient clinic's own case manager."),
    "unable_to_reach": (CloseReason.UNABLE_TO_REACH, "Phone, letter and a home visit: no reply."),
}
NOTES = {
    C.REACHED: "Spoke with them; agreed the next step together.",
    C.NO_ANSWER: "",
    C.LEFT_MESSAGE: "Left the program's call-back number.",
    C.WRONG_NUMBER: "The number on file belongs to someone else.",
    C.DECLINED: "Thanked us; does not want follow-up at the moment.",
}
GOALS = [
    ("Attend a first outpatient therapy appointment", GoalStatus.ACHIEVED),
    ("Keep a safety plan at home and share it with a sister", GoalStatus.IN_PROGRESS),
    ("Apply for the county housing voucher", GoalStatus.NOT_STARTED),
    ("Join the Tuesday evening peer group", GoalStatus.DROPPED),
]


@dataclass
class DemoCases:
    from_encounters: int = 0
    repeat_crisis: int = 0
    by_hand: int = 0
    statuses: Counter = field(default_factory=Counter)


def build_demo_cases(program, *, rng: random.Random, now: datetime) -> DemoCases:
    staff = {user.username: user for user in User.objects.filter(agency__program=program)}
    supervisor, clinician = staff["supervisor"], staff["clinician"]
    casemanager = staff["casemanager"]
    other = next(
        user
        for name, user in sorted(staff.items())
        if name.startswith("casemanager") and user != casemanager and user.is_active
    )
    managers = {"casemanager": casemanager, "other": other}
    report = DemoCases()

    # 1. What the encounter receiver does, for the encounters written as history.
    report.from_encounters = _cases_from_encounters(program)
    # 2. Repeat crises, through the real call intake.
    phone_resolved = _repeat_crises(program, dispatcher=staff["dispatcher"], now=now)
    report.repeat_crisis = Case.objects.filter(
        program=program, repeat_crisis_at__isnull=False
    ).count()
    # 3. Assign some of those; leave the rest in the queue.
    _assign_some(program, supervisor=supervisor, casemanager=casemanager, other=other, now=now)
    # 4. The stories opened by hand at earlier dates.
    persons = _free_persons(program, len(STORIES), rng=rng, acting_user=supervisor)
    closed = []
    for story, person in zip(STORIES, persons, strict=True):
        case = _tell(
            story,
            person,
            opened_by=supervisor,
            manager=managers[story.manager],
            clinician=clinician,
            rng=rng,
            now=now,
        )
        if story.key in CLOSED:
            closed.append((case, now - timedelta(days=min(at for at, *_ in story.contacts) - 1)))
        report.by_hand += 1
    _place_in_the_past(closed, phone_resolved)
    report.statuses = Counter(Case.objects.filter(program=program).values_list("status", flat=True))
    return report


def _cases_from_encounters(program) -> int:
    """`open_case_for_encounter`, the follow-up `complete_encounter` runs, for each
    encounter completed before the demo's cases existed, oldest first, at the time it
    completed."""
    opened = 0
    completed = (
        Encounter.objects.filter(
            program=program, state=EncounterState.COMPLETE, call__person__isnull=False
        )
        .select_related("call__person__program", "program")
        .order_by("completed_at", "pk")
    )
    for encounter in completed:
        before = Case.objects.filter(person_id=encounter.call.person_id).exists()
        case = cases.open_case_for_encounter(encounter, now=encounter.completed_at)
        opened += case is not None and not before
    return opened


def _repeat_crises(program, *, dispatcher, now: datetime) -> list[Call]:
    """The persons with response plans called about most get their third call in 90 days
    (earlier calls, resolved by phone) through intake; `note_call` flags their cases.
    Returns the calls taken."""
    window = now - timedelta(days=90)
    counts = dict(
        Person.objects.filter(program=program, pk__in=ResponsePlan.objects.values("person_id"))
        .annotate(recent=Count("calls", filter=Q(calls__received_at__gte=window)))
        .values_list("pk", "recent")
    )
    chosen = sorted(counts, key=lambda pk: (-counts[pk], str(pk)))[:REPEAT_CRISIS_PERSONS]
    zone = timezone.get_default_timezone()
    taken = []
    for place, person_id in enumerate(chosen):
        for back in range(3 - counts[person_id]):
            day = timezone.localdate(now) - timedelta(days=9 + 17 * back + 5 * place)
            received = datetime.combine(day, time(18, 10 * place + back), tzinfo=zone)
            call = calls.take_call(
                calls.CallIn(
                    source="phone_911" if back % 2 == 0 else "crisis_line",
                    concerns=["depression_isolation"],
                    address="1200 Colfax Avenue",
                    caller_relation="family",
                    caller_phone="555-0150",
                    summary="Family member worried; talked through it on the phone.",
                    person_id=person_id,
                    received_at=received,
                ),
                acting_user=dispatcher,
            )
            taken.append(
                calls.close_call(call, state=CallState.RESOLVED_BY_PHONE, acting_user=dispatcher)
            )
    return taken


def _assign_some(program, *, supervisor, casemanager, other, now: datetime) -> None:
    """The case manager takes the oldest case from the queue and leaves a message; the
    supervisor gives one flagged case to them and one case to a colleague, who reaches the
    person. The others wait in the queue."""
    waiting = list(
        Case.objects.filter(program=program, status__in=NOT_CLOSED, case_manager__isnull=True)
        .select_related("person", "program")
        .order_by("opened_at", "number")
    )
    flagged = [case for case in waiting if case.repeat_crisis_at is not None]
    plain = [case for case in waiting if case.repeat_crisis_at is None]
    if plain:
        taken = cases.assign_case(plain[0], case_manager=casemanager, acting_user=casemanager)
        _contact(taken, 0.1, M.PHONE, C.LEFT_MESSAGE, by=casemanager, now=now)
    if len(plain) > 3:
        given = cases.assign_case(plain[1], case_manager=other, acting_user=supervisor)
        _contact(given, 0.05, M.PHONE, C.REACHED, by=other, now=now)
    if flagged:
        cases.assign_case(flagged[0], case_manager=casemanager, acting_user=supervisor)


def _free_persons(program, count: int, *, rng: random.Random, acting_user) -> list[Person]:
    """Demo persons who have no case, in the order of their words, and new ones when there
    are too few."""
    free = sorted(
        Person.objects.filter(program=program)
        .exclude(pk__in=Case.objects.values("person_id"))
        .prefetch_related("names"),
        key=lambda person: WORDS.index(person.names.all()[0].family),
    )[:count]
    for number, word in enumerate(MORE_WORDS[: count - len(free)], start=len(WORDS) + 1):
        born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
        free.append(
            people.register_person(
                people.PersonIn(
                    names=[people.NameIn(given="Demo", family=word)],
                    date_of_birth=born,
                    sex=rng.choice(["female", "male", "unknown"]),
                    languages=rng.choice([["en"], ["en"], ["es"]]),
                    identifiers=[
                        people.IdentifierIn(
                            system="state_id", issuer="Demo State DMV", value=f"DEMO-{number:04d}"
                        )
                    ],
                ),
                acting_user=acting_user,
            )
        )
    return free


def _contact(case: Case, days: float, method: str, outcome: str, *, by: User, now: datetime):
    at = now - timedelta(days=days)
    return cases.log_contact(
        case, cases.ContactIn(method, outcome, NOTES[outcome], at=at), acting_user=by, now=at
    )


def _tell(
    story: Story, person, *, opened_by, manager, clinician, rng: random.Random, now: datetime
) -> Case:
    opened_at = now - timedelta(days=story.days)
    case = cases.open_case(
        person,
        because=OpenedBecause.BY_HAND,
        acting_user=opened_by,
        case_manager=manager,
        now=opened_at,
    )
    for days, method, outcome in story.contacts:
        _contact(case, days, method, outcome, by=manager, now=now)
    if story.key == "active":
        # The clinician who writes the plan is named on the case's care team: the queue
        # alone does not open the clinical record.
        if (
            not AccessRelation.objects.in_force()
            .filter(person=person, user=clinician, kind=AccessRelation.Kind.CARE_TEAM)
            .exists()
        ):
            privacy.add_to_care_team(person, member=clinician, acting_user=opened_by)
        first = cases.revise_safety_plan(
            person, answers=safety_plan_answers(rng), note="", acting_user=clinician
        )
        answers = dict(first.answers)
        answers["help_people"] = [
            *answers.get("help_people", []),
            {"name": "Neighbour downstairs (number on file)", "phone": "555-0188"},
        ]
        cases.revise_safety_plan(
            person,
            answers=answers,
            note="Added the neighbour who checks in most evenings.",
            acting_user=manager,
        )
        for text, status in GOALS:
            goal = cases.set_goal(case, text=text, acting_user=manager)
            if status != GoalStatus.NOT_STARTED:
                cases.set_goal(
                    case,
                    text=text,
                    status=status,
                    progress_note="Talked it through at the last visit.",
                    goal=goal,
                    acting_user=manager,
                )
        cases.add_task(
            case,
            cases.TaskIn("Call to confirm tomorrow's intake appointment", due_today(now)),
            acting_user=manager,
        )
        done = cases.add_task(
            case,
            cases.TaskIn("Drop off the bus pass", now + timedelta(days=3)),
            acting_user=manager,
        )
        cases.complete_task(done, acting_user=manager, note="Handed over at the visit.")
        cases.add_task(
            case,
            cases.TaskIn("Review goals together", now + timedelta(days=6)),
            acting_user=manager,
        )
    elif story.key == "on_hold":
        cases.set_status(case, status=CaseStatus.ON_HOLD, acting_user=manager)
    elif story.key == "goals_met":
        goal = cases.set_goal(
            case, text="Keep weekly therapy appointments for a month", acting_user=manager
        )
        cases.set_goal(
            case,
            text=goal.text,
            status=GoalStatus.ACHIEVED,
            progress_note="Four appointments in a row.",
            goal=goal,
            acting_user=manager,
        )
    if story.key in CLOSED:
        reason, note = CLOSED[story.key]
        case = cases.set_status(
            case, status=CaseStatus.CLOSED, reason=reason, note=note, acting_user=manager
        )
    return case


def due_today(now: datetime) -> datetime:
    """A time later today (the worklist's day), at least a minute ahead."""
    ends = end_of_local_day(now)
    return max(min(now + timedelta(hours=3), ends - timedelta(minutes=1)), now)


def _place_in_the_past(closed: list[tuple[Case, datetime]], phone_resolved: list[Call]) -> None:
    """The one place demo case data is backdated. `set_status` and `close_call` stamp the
    present; a case closed weeks ago and a call resolved by phone weeks ago get their
    closing times (and the tasks cancelled at closing, theirs) moved back."""
    for case, closed_at in closed:
        Case.objects.filter(pk=case.pk).update(closed_at=closed_at, updated_at=closed_at)
        Task.objects.filter(case=case, state=TaskState.CANCELLED).update(done_at=closed_at)
    for call in phone_resolved:
        Call.objects.filter(pk=call.pk).update(closed_at=call.received_at + timedelta(minutes=20))


def describe_cases(program) -> str:
    """One line for the demo command: the cases by status, their flags and deadlines."""
    now = timezone.now()
    rows = Case.objects.filter(program=program)
    statuses = Counter(rows.values_list("status", flat=True))
    open_tasks = Task.objects.filter(case__program=program, state=TaskState.OPEN)
    unassigned = rows.filter(status__in=NOT_CLOSED, case_manager__isnull=True).count()
    return (
        f"cases: {sum(statuses.values())} ("
        + ", ".join(f"{statuses[s]} {CaseStatus(s).label.lower()}" for s in CaseStatus.values)
        + f"), {unassigned} waiting in the queue, "
        f"{rows.filter(repeat_crisis_at__isnull=False).count()} repeat crises, "
        f"{rows.filter(unreached_at__isnull=False).count()} unreached; tasks: "
        f"{open_tasks.filter(due_at__lt=now).count()} overdue, "
        f"{open_tasks.filter(due_at__gte=now, due_at__lte=end_of_local_day(now)).count()} "
        f"due today; {ContactAttempt.objects.filter(case__program=program).count()} contacts."
    )


__all__ = ["DemoCases", "build_demo_cases", "describe_cases"]
