"""Matching services to an encounter's needs over a large directory.

Run: .venv/bin/python bench/matching.py [--services 50000] [--locations 200000] [--needs 300]

Builds a synthetic directory (seeded) in bulk: organisations, services of every kind with
their eligibility (ages, veterans-only, sex, insurance), each at several locations spread
over a box of about 280 by 255 km, with an address each, weekly (and some monthly)
schedules, languages, capacity and phones. Then, for a few hundred synthetic encounters'
needs (concerns, age, veteran status, language, place), times
`referrals.directory.match(program, needs)` -- the candidates read in SQL (kinds,
eligibility, a bounding box widened until enough are found), their schedules, languages,
capacity, addresses and phones, and the ranking with reasons -- beside a plain query
returning the same candidate rows (the same box) without their facts or any ranking.
Median and p95 of each, and their ratio. Target (issue 6): p95 under 50 ms.

Databases: without DATABASE_URL a SQLite file in a new temporary directory, removed at the
end. With DATABASE_URL it migrates that database, loads a program of its own and deletes
its directory and the program at the end; do not point it at a production database.
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
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

from django_setup import set_up_django
from measure import bulk, p95, progress

REPO = Path(__file__).resolve().parent.parent
# About 280 km north to south and 255 km east to west.
SOUTH, NORTH, WEST, EAST = 38.5, 41.0, -106.5, -103.5
CONCERNS = [
    "suicidal",
    "self_harm",
    "anxiety_panic",
    "depression_isolation",
    "psychosis_disorientation",
    "substance_use",
    "trauma_ptsd",
    "grief_loss",
    "youth_in_crisis",
    "veteran_support",
    "resources_request",
    "welfare_check",
]


def build_directory(services: int, locations: int, rng: random.Random):  # noqa: PLR0915 - one table after another, read top to bottom
    from django.db import transaction
    from django.utils import timezone

    from coresponder.accounts.models import Program
    from coresponder.referrals.models import (
        Address,
        Language,
        Location,
        Organization,
        Phone,
        Schedule,
        Service,
        ServiceAtLocation,
        ServiceCapacity,
        ServiceKind,
        Unit,
    )

    suffix = uuid.uuid4().hex[:8]
    kinds = [kind.value for kind in ServiceKind]
    per_service = max(1, locations // services)
    with transaction.atomic():
        program = Program.objects.create(
            name=f"Matching benchmark {suffix}", slug=f"bench-match-{suffix}"
        )
        organizations = bulk(
            Organization,
            [
                Organization(program=program, hsds_id=f"o{n}", name=f"Org {n}", description="x")
                for n in range(max(1, services // 10))
            ],
            "organizations",
        )
        service_rows = []
        for n in range(services):
            low = high = None
            roll = rng.random()
            if roll < 0.10:
                low = 18
            elif roll < 0.15:
                low, high = 12, 17
            elif roll < 0.18:
                low = 60
            service_rows.append(
                Service(
                    program=program,
                    hsds_id=f"s{n}",
                    organization=organizations[n // 10 % len(organizations)],
                    name=f"Service {n}",
                    description="A synthetic service for the matching benchmark",
                    status="active" if rng.random() < 0.95 else "inactive",
                    kind=kinds[n % len(kinds)],
                    minimum_age=low,
                    maximum_age=high,
                    veterans=True if rng.random() < 0.08 else None,
                    sex=rng.choice(["", "", "", "", "any", "female", "male"]),
                    insurance_accepted=rng.choice(["", "Medicaid, Medicare", "Medicaid, VA", ""]),
                )
            )
        service_rows = bulk(Service, service_rows, "services")
        location_rows = bulk(
            Location,
            [
                Location(
                    program=program,
                    hsds_id=f"l{n}",
                    location_type="physical",
                    name=f"Site {n}",
                    latitude=round(rng.uniform(SOUTH, NORTH), 6),
                    longitude=round(rng.uniform(WEST, EAST), 6),
                )
                for n in range(locations)
            ],
            "locations",
        )
        bulk(
            Address,
            [
                Address(
                    program=program,
                    hsds_id=f"a{n}",
                    location=location,
                    address_1=f"{n} Bench Street",
                    city="Benchville",
                    postal_code=f"8{n % 10000:04d}",
                    country="US",
                    address_type="physical",
                )
                for n, location in enumerate(location_rows)
            ],
            "addresses",
        )
        bulk(
            ServiceAtLocation,
            [
                ServiceAtLocation(
                    program=program,
                    hsds_id=f"sal{n}",
                    service=service_rows[n // per_service % services],
                    location=location,
                )
                for n, location in enumerate(location_rows)
            ],
            "services at locations",
        )
        schedules = []
        for n, service in enumerate(service_rows):
            roll = rng.random()
            fields = {"freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR"}
            if roll < 0.60:
                fields |= {"opens_at": clock(9), "closes_at": clock(17)}
            elif roll < 0.75:
                fields |= {
                    "byday": "MO,TU,WE,TH,FR,SA,SU",
                    "opens_at": clock(0),
                    "closes_at": clock(0),
                }
            elif roll < 0.85:
                fields |= {"opens_at": clock(22), "closes_at": clock(6)}
            elif roll < 0.95:
                fields |= {"byday": "SA,SU", "opens_at": clock(10), "closes_at": clock(14)}
            else:
                fields = {
                    "freq": "MONTHLY",
                    "byday": "1MO",
                    "opens_at": clock(9),
                    "closes_at": clock(12),
                }
            schedules.append(Schedule(program=program, hsds_id=f"h{n}", service=service, **fields))
        bulk(Schedule, schedules, "schedules")
        languages = []
        for n, service in enumerate(service_rows):
            if rng.random() < 0.3:
                languages.append(
                    Language(
                        program=program, hsds_id=f"g{n}", service=service, name="Spanish", code="es"
                    )
                )
            if rng.random() < 0.1:
                languages.append(
                    Language(
                        program=program,
                        hsds_id=f"v{n}",
                        service=service,
                        name="Vietnamese",
                        code="vi",
                    )
                )
        bulk(Language, languages, "languages")
        beds = Unit.objects.create(program=program, hsds_id="beds", name="beds")
        now = timezone.now()
        capacities = []
        for n, service in enumerate(service_rows):
            if rng.random() < 0.3:
                maximum = rng.randint(4, 30)
                capacities.append(
                    ServiceCapacity(
                        program=program,
                        hsds_id=f"c{n}",
                        service=service,
                        unit=beds,
                        available=rng.choice([0, rng.randint(0, maximum)]),
                        maximum=maximum,
                        updated=now - timedelta(minutes=rng.randint(0, 600)),
                    )
                )
        bulk(ServiceCapacity, capacities, "capacities")
        bulk(
            Phone,
            [
                Phone(
                    program=program,
                    hsds_id=f"p{n}",
                    service=service,
                    number=f"303-555-{n % 10000:04d}",
                )
                for n, service in enumerate(service_rows)
            ],
            "phones",
        )
    return program


def synthetic_needs(count: int, rng: random.Random) -> list:
    from coresponder.referrals.matching import Needs, Place, kinds_for

    needs = []
    for _ in range(count):
        concerns = sorted(set(rng.sample(CONCERNS, rng.randint(1, 2))))
        age = rng.randint(10, 85) if rng.random() < 0.8 else None
        veteran = rng.choice([True, False, False, None])
        needs.append(
            Needs(
                kinds=kinds_for(
                    concerns,
                    levels=["high"] if rng.random() < 0.2 else [],
                    age=age,
                    veteran=veteran,
                ),
                age=age,
                veteran=veteran,
                sex=rng.choice(["female", "male", ""]),
                insurance=rng.choice(["", "", "Medicaid", "Private"]),
                language=rng.choice(["", "", "", "Spanish"]),
                # Encounters happen where people live: away from the box's very edges.
                place=Place(
                    rng.uniform(SOUTH + 0.3, NORTH - 0.3), rng.uniform(WEST + 0.3, EAST - 0.3)
                ),
            )
        )
    return needs


def filters_for(needs, radius):
    from coresponder.referrals import directory

    return directory.Filters(
        kinds=needs.kinds,
        age=needs.age,
        veteran=needs.veteran,
        sex=needs.sex,
        place=needs.place,
        radius_km=radius,
    )


def time_all(program, needs_list: list, now) -> dict[str, list]:
    """Each encounter's match, then the same candidate rows by a plain query, then the
    facts and the ranking alone, each timed apart."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coresponder.referrals import directory
    from coresponder.referrals.matching import rank

    for needs in needs_list[:10]:  # warm up the connection and caches
        directory.match(program, needs, now=now)
    times: dict[str, list] = {
        key: []
        for key in ("full", "plain", "facts", "rank", "sizes", "radii", "queries", "mismatches")
    }
    for needs in needs_list:
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            directory.match(program, needs, now=now)
            times["full"].append((time.perf_counter() - start) * 1000)
        times["queries"].append(len(captured))
        rows, radius = directory.candidate_rows(program, filters_for(needs, None))
        times["sizes"].append(len(rows))
        times["radii"].append(radius)
        # The plain query: the same candidate rows (the same box), no facts, no ranking.
        query = directory.rows_query(program, filters_for(needs, radius))
        start = time.perf_counter()
        same = list(query[: directory.SEARCH_ROWS * 4])
        times["plain"].append((time.perf_counter() - start) * 1000)
        times["mismatches"].append(len(same) != len(rows))
        start = time.perf_counter()
        found = directory.facts(rows)
        times["facts"].append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        rank(needs, found, now, zone=directory.zone_of(program), limit=10)
        times["rank"].append((time.perf_counter() - start) * 1000)
    return times


def report(times: dict[str, list]) -> None:
    full, plain = times["full"], times["plain"]
    print(f"{'':46}median ms   p95 ms")
    for label, key in [
        ("match(): rows, facts, ranking, top 10", "full"),
        ("  of which: facts of the candidates (5 q)", "facts"),
        ("  of which: ranking with reasons", "rank"),
        ("baseline: plain query, same candidate rows", "plain"),
    ]:
        print(f"{label:46}{statistics.median(times[key]):9.2f}{p95(times[key]):9.2f}")
    median_ratio = statistics.median(full) / statistics.median(plain)
    print(
        f"ratio match / plain query: median {median_ratio:.2f}x, p95 {p95(full) / p95(plain):.2f}x"
    )
    radii = times["radii"]
    print(
        f"candidates per encounter: median {statistics.median(times['sizes']):.0f}, "
        f"max {max(times['sizes'])}; box radius km: "
        + ", ".join(f"{r:g} x{radii.count(r)}" for r in sorted(set(radii), key=str))
    )
    print(f"queries per match: {min(times['queries'])} to {max(times['queries'])}")
    if any(times["mismatches"]):
        print(f"plain query row counts differing: {sum(times['mismatches'])}")
    met = p95(full) < 50
    print(f"target: p95 under 50 ms: {'met' if met else 'not met'} ({p95(full):.2f} ms)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=50_000)
    parser.add_argument("--locations", type=int, default=200_000)
    parser.add_argument("--needs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the directory at the end and reuse one kept before (with DATABASE_URL)",
    )
    args = parser.parse_args()

    scratch = set_up_django()
    from django.db import connection
    from django.utils import timezone

    rng = random.Random(args.seed)
    started = time.perf_counter()
    program = kept(args) if args.keep else None
    if program is None:
        progress(f"building {args.services:,} services at {args.locations:,} locations ...")
        program = build_directory(args.services, args.locations, rng)
        progress(f"built in {time.perf_counter() - started:.1f} s")
    else:
        progress(f"reusing {program.name}")
    built = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    # Not on SQLite: Django never runs ANALYZE there, and with its statistics SQLite's
    # planner takes a mostly empty link column (schedules per service at a location) for
    # an unselective index and reads the whole table.
    progress(f"timing {args.needs} encounters' needs ...")
    needs_list = synthetic_needs(args.needs, rng)
    now = timezone.now()
    try:
        times = time_all(program, needs_list, now)
        print(
            f"Matching over {args.services:,} services at {args.locations:,} locations, "
            f"{args.needs} encounters' needs ({connection.vendor})"
        )
        print(f"directory built (bulk_create) or found in {built:.1f} s")
        report(times)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"load average (1 min) of the machine: {load:.2f}; {os.cpu_count()} cores")
    finally:
        if args.keep:
            pass
        elif scratch is None:
            progress("deleting the benchmark's directory ...")
            _delete(program)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


def kept(args):
    from coresponder.accounts.models import Program
    from coresponder.referrals.models import Location, Service

    for program in Program.objects.filter(slug__startswith="bench-match-"):
        if (
            Service.objects.filter(program=program).count() == args.services
            and Location.objects.filter(program=program).count() == args.locations
        ):
            return program
    return None


def _delete(program) -> None:
    from django.db import transaction

    from coresponder.referrals.models import MODELS

    with transaction.atomic():
        for model in reversed(list(MODELS.values())):
            model.objects.filter(program=program).delete()
        program.delete()


if __name__ == "__main__":
    sys.exit(main())
