"""The case manager's worklist page over a program of 100,000 cases.

Run: .venv/bin/python bench/worklist.py [--cases 100000] [--mine 300] [--runs 50]

Builds a synthetic follow-up program (seeded) in bulk: persons with a name each, cases in
every status (about six in ten closed) spread over 40 case managers and four
behavioural-health agencies' queues, two or three tasks a case (some overdue, some due
today), contact attempts for about half the cases, and a care-team relation for each case's
person and manager. One case manager ("cm-0") has exactly `--mine` cases not closed; their
agency's queue holds no unassigned case, so their worklist lists exactly those.

Then times, each `--runs` times after a few warm-up runs:

- **page**: GET /cases/ through Django's test client, signed in as cm-0 -- the view,
  `access.worklist` (all 300 cases, the privacy policy over their persons, their names,
  open tasks and contacts, counted, sorted, then one page of 50 rows audited as read,
  one insert) and the template of that page. The number of SQL queries of one page is
  printed.
- **worklist()**: `access.worklist(user)` alone, without the view and the template.
- **baseline**: the single query the page is built on, evaluated: the same 300 rows,
  read as the worklist reads them (`access.worklist_rows`: the cases with their persons'
  keys and managers' names as plain values).

Median and p95 of each, and page / baseline as ratios (target: under 3).

Databases: without DATABASE_URL a SQLite file in a new temporary directory, removed at the
end. With DATABASE_URL it migrates that database, loads a program of its own and deletes
the program and everything in it at the end (the audit entries the runs wrote stay: the
audit log is append-only); do not point it at a production database.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import time
import uuid
from datetime import timedelta

from django_setup import set_up_django
from measure import bulk, p95, progress

MANAGERS = 40
AGENCIES = 4
WARM_UP = 3


def build_program(total: int, mine: int, rng: random.Random):  # noqa: PLR0915 - one table after another
    from django.db import transaction
    from django.utils import timezone

    from coresponder.accounts import actions as accounts
    from coresponder.accounts.models import Agency, Program, Role
    from coresponder.cases.models import (
        Case,
        CaseStatus,
        CloseReason,
        ContactAttempt,
        ContactMethod,
        ContactOutcome,
        OpenedBecause,
        Task,
        TaskKind,
        TaskState,
    )
    from coresponder.core.local_time import end_of_local_day
    from coresponder.people.models import Person, PersonName
    from coresponder.privacy.models import AccessRelation

    now = timezone.now()
    today_ends = end_of_local_day(now)
    suffix = uuid.uuid4().hex[:8]
    with transaction.atomic():
        program = Program.objects.create(
            name=f"Worklist benchmark {suffix}", slug=f"bench-worklist-{suffix}"
        )
        agencies = [
            Agency.objects.create(
                program=program, name=f"Behavioral health {n}", kind=Agency.Kind.BEHAVIORAL_HEALTH
            )
            for n in range(AGENCIES)
        ]
        managers = [
            accounts.create_user(
                username=f"cm-{n}-{suffix}",
                full_name=f"Case manager {n}",
                agency=agencies[n % AGENCIES],
                roles=[Role.CASE_MANAGER],
                password=uuid.uuid4().hex,
                acting_user=None,
            )
            for n in range(MANAGERS)
        ]
        me = managers[0]
        persons = bulk(
            Person,
            [
                Person(program=program, registered_by_agency=agencies[n % AGENCIES])
                for n in range(total)
            ],
            "persons",
        )
        bulk(
            PersonName,
            [
                PersonName(person=person, given="Bench", family=f"Person {n}")
                for n, person in enumerate(persons)
            ],
            "names",
        )
        statuses = [CaseStatus.OPEN, CaseStatus.ACTIVE, CaseStatus.ON_HOLD]
        reasons = list(CloseReason.values)
        case_rows = []
        for n, person in enumerate(persons):
            opened_at = now - timedelta(days=rng.uniform(0, 365))
            if n < mine:  # cm-0's cases, none closed
                status, manager, queue = statuses[n % 3], me, me.agency
            else:
                status = rng.choice(statuses) if rng.random() < 0.4 else CaseStatus.CLOSED
                manager = managers[1 + n % (MANAGERS - 1)] if rng.random() < 0.85 else None
                # Unassigned cases wait in the other agencies' queues, never cm-0's.
                queue = manager.agency if manager else agencies[1 + n % (AGENCIES - 1)]
            closed = status == CaseStatus.CLOSED
            case_rows.append(
                Case(
                    program=program,
                    person=person,
                    number=f"C-{n:07d}",
                    status=status,
                    opened_because=rng.choice(OpenedBecause.values),
                    case_manager=manager,
                    queue=queue,
                    opened_at=opened_at,
                    closed_at=opened_at + timedelta(days=rng.uniform(1, 60)) if closed else None,
                    close_reason=rng.choice(reasons) if closed else "",
                    repeat_crisis_at=now if rng.random() < 0.05 else None,
                    unreached_at=now if rng.random() < 0.05 else None,
                )
            )
        cases = bulk(Case, case_rows, "cases")
        relations = [
            AccessRelation(
                person_id=case.person_id,
                kind=AccessRelation.Kind.CARE_TEAM,
                user=case.case_manager,
                agency=None if case.case_manager else case.queue,
                source="worklist benchmark",
                starts_at=case.opened_at,
            )
            for case in cases
        ]
        bulk(AccessRelation, relations, "care-team relations")
        tasks = []
        contacts = []
        outcomes = list(ContactOutcome.values)
        methods = list(ContactMethod.values)
        for case in cases:
            closed = case.status == CaseStatus.CLOSED
            for k in range(2 + (case.pk.int % 2)):
                roll = rng.random()
                if roll < 0.2:
                    due = now - timedelta(hours=rng.uniform(1, 240))  # overdue
                elif roll < 0.3:
                    due = now + (today_ends - now) * rng.random()  # due today
                else:
                    due = now + timedelta(days=rng.uniform(1, 30))
                done = closed or rng.random() < 0.3
                tasks.append(
                    Task(
                        case=case,
                        kind=TaskKind.FIRST_CONTACT if k == 0 else TaskKind.OTHER,
                        title=f"Task {k}",
                        due_at=due,
                        assignee=case.case_manager,
                        queue=case.queue,
                        state=(TaskState.CANCELLED if closed else TaskState.DONE)
                        if done
                        else TaskState.OPEN,
                        done_at=case.opened_at + timedelta(days=1) if done else None,
                    )
                )
            if rng.random() < 0.5 or case.case_manager_id == me.pk:
                for k in range(rng.randint(1, 4)):
                    contacts.append(
                        ContactAttempt(
                            case=case,
                            method=rng.choice(methods),
                            outcome=rng.choice(outcomes),
                            at=case.opened_at + timedelta(hours=6 * (k + 1)),
                            by=case.case_manager or me,
                        )
                    )
        bulk(Task, tasks, "tasks")
        bulk(ContactAttempt, contacts, "contacts")
    return program, me


def time_all(me, runs: int) -> dict[str, list]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from coresponder.accounts.models import User
    from coresponder.cases import access

    client = Client()
    client.force_login(me)
    times: dict[str, list] = {"page": [], "worklist": [], "baseline": [], "rows": []}

    def baseline() -> list:
        # Exactly the first query of the worklist: the 300 rows, as it reads them.
        return access.worklist_rows(access.worklist_cases(me))

    for _ in range(WARM_UP):
        response = client.get("/cases/")
        assert response.status_code == 200, response.status_code
        baseline()
    with CaptureQueriesContext(connection) as captured:
        client.get("/cases/")
    times["queries"] = [len(captured)]
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get("/cases/")
        times["page"].append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
        user = User.objects.get(pk=me.pk)  # fresh, as a request loads it
        start = time.perf_counter()
        found = access.worklist(user, channel="bench")
        times["worklist"].append((time.perf_counter() - start) * 1000)
        times["rows"].append(found.total)
        start = time.perf_counter()
        rows = baseline()
        times["baseline"].append((time.perf_counter() - start) * 1000)
        times["rows"].append(len(rows))
    return times


def report(times: dict[str, list], *, cases: int, mine: int, vendor: str, built: float) -> None:
    page, worklist, plain = times["page"], times["worklist"], times["baseline"]
    print(
        f"Worklist of one case manager with {mine} open cases among {cases:,} ({vendor}), "
        f"{len(page)} runs"
    )
    listed = sorted(set(times["rows"]))
    print(f"program built (bulk_create) in {built:.1f} s; rows listed: {listed}")
    print(f"{'':48}median ms   p95 ms")
    for label, values in [
        ("page: GET /cases/ (view, worklist, template)", page),
        ("worklist(): access.worklist(user) alone", worklist),
        ("baseline: the worklist's one query, evaluated", plain),
    ]:
        print(f"{label:48}{statistics.median(values):9.2f}{p95(values):9.2f}")
    median_ratio = statistics.median(page) / statistics.median(plain)
    print(
        f"ratio page / baseline: median {median_ratio:.2f}x, p95 {p95(page) / p95(plain):.2f}x; "
        f"worklist() / baseline: median "
        f"{statistics.median(worklist) / statistics.median(plain):.2f}x"
    )
    print(f"SQL queries of one page: {times['queries'][0]}")
    print(f"target: page / baseline under 3x: {'met' if median_ratio < 3 else 'not met'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--mine", type=int, default=300)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    scratch = set_up_django()
    from django.db import connection

    rng = random.Random(args.seed)
    started = time.perf_counter()
    progress(f"building {args.cases:,} cases ...")
    program, me = build_program(args.cases, args.mine, rng)
    built = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    progress(f"timing {args.runs} runs ...")
    try:
        times = time_all(me, args.runs)
        report(times, cases=args.cases, mine=args.mine, vendor=connection.vendor, built=built)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"load average (1 min) of the machine: {load:.2f}; {os.cpu_count()} cores")
    finally:
        if scratch is None:
            progress("deleting the benchmark's program ...")
            _delete(program)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


def _delete(program) -> None:
    from django.db import transaction

    from coresponder.accounts.models import Agency, RoleGrant, User
    from coresponder.cases.models import Case
    from coresponder.people.models import Person
    from coresponder.privacy.models import AccessRelation

    with transaction.atomic():
        Case.objects.filter(program=program).delete()
        AccessRelation.objects.filter(person__program=program).delete()
        Person.objects.filter(program=program).delete()
        users = User.objects.filter(agency__program=program)
        RoleGrant.objects.filter(user__in=users).delete()
        users.delete()
        Agency.objects.filter(program=program).delete()
        program.delete()


if __name__ == "__main__":
    sys.exit(main())
