"""Recommending teams for calls from the database: 500 teams on duty, read and ranked.

Run: .venv/bin/python bench/recommendation_db.py [--teams 500] [--calls 300]

Times `dispatch.teams.recommend(call)`, the whole of what intake does to recommend: the
teams on duty, their members and shifts, the members' qualifications, then the ranking.
Beside it, in the same process and on the same calls: the pure ranking of the same teams
(facts read once beforehand), and a plain `Team.objects.filter(...).count()` query, one
round trip to the database. It also counts the queries of a recommendation with 500 teams
and with 5, which must be the same. Target (issue 4): median under 5 ms with 500 teams.

Databases: without DATABASE_URL a SQLite file in a new temporary directory, removed at the
end. With DATABASE_URL it migrates that database, loads two programs of its own and deletes
them at the end (audit entries stay: the log is append-only); do not point it at a
production database.
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
from pathlib import Path

from django_setup import set_up_django
from measure import p95

REPO = Path(__file__).resolve().parent.parent
# A box of about 33 by 26 km; teams and calls are placed in it at random (seeded).
SOUTH, NORTH, WEST, EAST = 39.60, 39.90, -105.10, -104.80
CONCERNS = ["suicidal", "anxiety_panic", "psychosis_disorientation", "substance_use"]
CONCERNS += ["youth_in_crisis", "veteran_support", "welfare_check", "self_harm"]


def build_program(teams: int, rng: random.Random):
    """A program with `teams` teams on shift now, in bulk: a read benchmark needs no actions.

    Each team has an officer and a clinician (every fifth an EMT too) with their training
    records; one in ten officers' CIT has lapsed. Returns the program and a dispatcher.
    """
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from coresponder.accounts import actions as accounts
    from coresponder.accounts.models import Agency, Program, Role, RoleGrant, TrainingRecord, User
    from coresponder.accounts.training import today_in
    from coresponder.dispatch.models import MemberRole, Shift, Team, TeamMember

    suffix = uuid.uuid4().hex[:8]
    kind = Agency.Kind
    unusable = make_password(None)
    with transaction.atomic():
        program = Program.objects.create(
            name=f"Recommendation benchmark {suffix}", slug=f"bench-rec-{suffix}"
        )
        police, health, fire = (
            Agency.objects.create(program=program, name=name, kind=agency_kind)
            for name, agency_kind in (
                ("Bench Police", kind.LAW_ENFORCEMENT),
                ("Bench Behavioral Health", kind.BEHAVIORAL_HEALTH),
                ("Bench Fire and EMS", kind.FIRE_EMS),
            )
        )
        today, now = today_in(program), timezone.now()
        users, grants, records, crews = [], [], [], []
        for number in range(teams):
            crew = [("officer", police, MemberRole.OFFICER, "cit_40")]
            crew.append(("clinician", health, MemberRole.CLINICIAN, "clinical_licence"))
            if number % 5 == 0:
                crew.append(("emt", fire, MemberRole.EMT, "emt_certification"))
            members = []
            for role, agency, member_role, course in crew:
                user = User(
                    username=f"{role}-{suffix}-{number}",
                    full_name=f"{role.title()} {number}",
                    agency=agency,
                    password=unusable,  # nobody signs in
                )
                lapsed = role == "officer" and rng.random() < 0.1
                users.append(user)
                grants.append((user, role))
                records.append((user, course, -20 if lapsed else rng.randint(60, 700)))
                members.append((user, member_role))
            crews.append(members)
        User.objects.bulk_create(users)
        RoleGrant.objects.bulk_create([RoleGrant(user=user, role=role) for user, role in grants])
        TrainingRecord.objects.bulk_create(
            [
                TrainingRecord(
                    user=user,
                    course=course,
                    completed_on=today - timedelta(days=700),
                    expires_on=today + timedelta(days=days),
                    provider="Bench academy",
                    recorded_by=user,
                )
                for user, course, days in records
            ]
        )
        team_rows = Team.objects.bulk_create(
            [
                Team(
                    program=program,
                    name=f"Team {number}",
                    agency=police,
                    base_latitude=rng.uniform(SOUTH, NORTH),
                    base_longitude=rng.uniform(WEST, EAST),
                    languages=["en", *rng.sample(["es", "vi", "so"], rng.choice((0, 0, 1)))],
                    specialities=rng.sample(
                        ["youth", "veterans", "substance_use"], rng.choice((0, 0, 1))
                    ),
                )
                for number in range(teams)
            ]
        )
        TeamMember.objects.bulk_create(
            [
                TeamMember(team=team, user=user, role=role)
                for team, members in zip(team_rows, crews, strict=True)
                for user, role in members
            ]
        )
        # Most are on shift now; some start within the next half hour (about to be on duty).
        Shift.objects.bulk_create(
            [
                Shift(
                    team=team,
                    starts_at=now + timedelta(minutes=20 if number % 10 == 0 else -120),
                    ends_at=now + timedelta(hours=8),
                )
                for number, team in enumerate(team_rows)
            ]
        )
    dispatcher = accounts.create_user(
        username=f"dispatcher-{suffix}",
        full_name="Bench dispatcher",
        agency=police,
        roles=[Role.DISPATCHER],
        password=uuid.uuid4().hex,
        acting_user=None,
    )
    return program, dispatcher


def take_calls(dispatcher, count: int, rng: random.Random) -> list:
    """Calls taken through the real action, spread over the area, with varied needs."""
    from coresponder.calls import actions

    calls = []
    for _ in range(count):
        concerns = sorted(set(rng.sample(CONCERNS, rng.randint(1, 2))))
        screening = ["weapon"] if rng.random() < 0.1 else []
        calls.append(
            actions.take_call(
                actions.CallIn(
                    source=rng.choice(["911", "988", "non_emergency"]),
                    concerns=concerns,
                    screening=screening,
                    address="1 Bench Street",
                    latitude=rng.uniform(SOUTH, NORTH),
                    longitude=rng.uniform(WEST, EAST),
                    language=rng.choice(["", "", "", "es"]),
                ),
                acting_user=dispatcher,
            )
        )
    return calls


def timed(work, items: list) -> list[float]:
    times = []
    for item in items:
        start = time.perf_counter()
        work(item)
        times.append((time.perf_counter() - start) * 1000)
    return times


def queries_of(call, *, cold: bool = False) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coresponder.dispatch.teams import forget, recommend

    if cold:
        forget()
    with CaptureQueriesContext(connection) as captured:
        recommend(call, limit=3)
    return len(captured.captured_queries)


def cold(call):
    """A recommendation that reads the teams afresh, as after any change to them."""
    from coresponder.dispatch.teams import forget, recommend

    forget()
    return recommend(call, limit=3)


def run(args) -> None:
    from django.db import connection
    from django.utils import timezone

    from coresponder.accounts.training import today_in
    from coresponder.dispatch.models import Team
    from coresponder.dispatch.recommendation import rank
    from coresponder.dispatch.teams import candidates, needs_of, recommend

    rng = random.Random(args.seed)
    print(f"building {args.teams} teams and {args.calls} calls", file=sys.stderr)
    program, dispatcher = build_program(args.teams, rng)
    small, small_dispatcher = build_program(5, rng)
    calls = take_calls(dispatcher, args.calls, rng)
    small_call = take_calls(small_dispatcher, 1, rng)[0]
    args.programs = [program, small]

    now = timezone.now()
    today = today_in(program)
    facts = teams = candidates(program, now, today)
    for call in calls[:20]:  # warm up: imports, query compilation, the database's caches
        recommend(call, limit=3)

    print("timing", file=sys.stderr)
    full = timed(lambda call: recommend(call, limit=3), calls)
    afresh = timed(cold, calls)
    pure = timed(lambda call: rank(facts, needs_of(call), today=today)[:3], calls)
    count = timed(
        lambda call: Team.objects.filter(program=call.program, is_active=True).count(), calls
    )
    ranked = [len(recommend(call, limit=3)) for call in calls[:20]]
    large_queries = {queries_of(call) for call in calls[:20]}
    recommend(small_call, limit=3)  # its program's teams read once, as the large one's
    small_queries = queries_of(small_call)
    large_cold = {queries_of(call, cold=True) for call in calls[:20]}
    small_cold = queries_of(small_call, cold=True)

    median, bare, trivial = (statistics.median(times) for times in (full, pure, count))
    print()
    print(
        f"Recommendation from the database: {len(teams)} teams on duty, "
        f"{len(calls)} calls ({connection.vendor})"
    )
    print(f"{'':<42}{'median ms':>10}{'p95 ms':>9}")
    print(f"{'recommend(call): read + rank, top 3':<42}{median:>10.3f}{p95(full):>9.3f}")
    print(
        f"{'  the same, teams read afresh (a change)':<42}"
        f"{statistics.median(afresh):>10.3f}{p95(afresh):>9.3f}"
    )
    print(f"{'baseline: pure ranking, facts read once':<42}{bare:>10.3f}{p95(pure):>9.3f}")
    print(f"{'baseline: Team.objects.filter().count()':<42}{trivial:>10.3f}{p95(count):>9.3f}")
    print(
        f"ratio recommend / pure ranking: {median / bare:.2f}x; "
        f"recommend / count query: {median / trivial:.1f}x"
    )
    constant = large_queries == {small_queries} and large_cold == {small_cold}
    print(
        f"queries per recommendation: {', '.join(map(str, sorted(large_queries)))} with "
        f"{len(teams)} teams, {small_queries} with 5 teams; reading afresh "
        f"{', '.join(map(str, sorted(large_cold)))} and {small_cold} "
        f"({'constant' if constant else 'NOT constant'})"
    )
    print(f"teams recommended per call: {min(ranked)} to {max(ranked)}")
    print(f"load average (1 min) of the machine: {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores")
    print(
        f"target: median under 5 ms with {len(teams)} teams: "
        f"{'met' if median < 5 else 'not met'} ({median:.3f} ms)"
    )


def remove(programs) -> None:
    """Take out of a database the caller named what the run put in (not the audit entries)."""
    from django.db import transaction

    from coresponder.accounts.models import Agency, TrainingRecord, User
    from coresponder.calls.models import Call, CallSequence, TriageRuleSet
    from coresponder.dispatch.models import Team

    with transaction.atomic():
        for program in programs:
            Call.objects.filter(program=program).delete()
            Team.objects.filter(program=program).delete()  # members and shifts cascade
            TrainingRecord.objects.filter(user__agency__program=program).delete()
            User.objects.filter(agency__program=program).delete()
            CallSequence.objects.filter(program=program).delete()
            TriageRuleSet.objects.filter(program=program).delete()
            Agency.objects.filter(program=program).delete()
            program.delete()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.teams < 1 or args.calls < 20:
        parser.error("--teams must be at least 1 and --calls at least 20")
    args.programs = []
    scratch = set_up_django()
    try:
        run(args)
    finally:
        if scratch is None and args.programs:
            remove(args.programs)
        if scratch is not None:
            from django.db import connections

            connections.close_all()
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
