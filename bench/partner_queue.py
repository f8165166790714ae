"""The partner's referral queue (GET /referrals/partner/) over 1,000 referrals.

Run: .venv/bin/python bench/partner_queue.py [--referrals 1000] [--runs 50]

Builds a program with a behavioural-health agency that sends and a partner agency linked
to a directory service, then `--referrals` referrals to it in bulk
(`referrals/tests/bulk_referrals.py`: each person named, consenting to share care
coordination with the partner, the partner their recipient; the states spread over the
loop, about three in ten waiting), and times, each `--runs` times after a few warm-up
runs, signed in as the partner through Django's test client:

- **queue page**: GET /referrals/partner/ -- the view, `access.partner_queue` (the counts,
  the matching count, the first 25 in the queue's order, the read gate over their persons
  with their names and contact, one insert of the audit entries) and the template;
- **filtered page**: GET /referrals/partner/?state=waiting&due=week&page=2;
- **old page's read**: what the page read before the queue, every referral on one page
  (`access.referrals_for_partner`, all of them through the gate, as the API's list still
  reads them), without its template: a floor of the old page (one run in five);
- **baseline**: the queue's one query of its 25 rows, evaluated (service, organisation,
  sender and person joined): the floor any page of 25 referrals pays.

Median and p95 of each, the page / baseline ratio, the queries of one page, and the
target: the queue page under 300 ms of server time with 1,000 referrals.

Databases: without DATABASE_URL a SQLite file in a new temporary directory, removed at the
end. With DATABASE_URL it migrates that database and loads a program of its own, left
there (its audit entries could not be removed anyway: the log is append-only); use a
database of your own.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
import uuid

from django_setup import set_up_django
from measure import p95, progress

WARM_UP = 3
TARGET_MS = 300


def build_program(count: int):
    from django.db import transaction
    from django.utils import timezone

    from coresponder.accounts import actions as accounts
    from coresponder.accounts.models import Agency, Program, Role
    from coresponder.referrals import actions
    from coresponder.referrals.models import Organization, Service
    from coresponder.referrals.tests.bulk_referrals import build_referrals

    suffix = uuid.uuid4().hex[:8]
    with transaction.atomic():
        program = Program.objects.create(
            name=f"Partner queue benchmark {suffix}", slug=f"bench-queue-{suffix}"
        )
        sending = Agency.objects.create(
            program=program, name="Behavioral health", kind=Agency.Kind.BEHAVIORAL_HEALTH
        )
        receiving = Agency.objects.create(
            program=program, name="Partner", kind=Agency.Kind.COMMUNITY_ORGANIZATION
        )
        admin = accounts.create_user(
            username=f"admin-{suffix}",
            full_name="Administrator",
            agency=sending,
            roles=[Role.ADMINISTRATOR],
            password=uuid.uuid4().hex,
            acting_user=None,
        )
        clinician = accounts.create_user(
            username=f"clinician-{suffix}",
            full_name="Clinician",
            agency=sending,
            roles=[Role.CLINICIAN],
            password=uuid.uuid4().hex,
            acting_user=None,
        )
        partner = accounts.create_user(
            username=f"partner-{suffix}",
            full_name="Partner",
            agency=receiving,
            roles=[Role.PARTNER],
            password=uuid.uuid4().hex,
            acting_user=None,
        )
        organization = Organization.objects.create(
            program=program, hsds_id=f"org-{suffix}", name="Bench House"
        )
        service = Service.objects.create(
            program=program,
            hsds_id=f"svc-{suffix}",
            organization=organization,
            name="Bench House beds",
            status=Service.Status.ACTIVE,
            kind=Service.Kind.SHELTER_HOUSING,
        )
        actions.link_partner(organization, agency=receiving, acting_user=admin)
        build_referrals(
            service=service,
            agency=receiving,
            sender=clinician,
            count=count,
            now=timezone.now(),
        )
    return partner


def time_all(partner, runs: int) -> dict[str, list]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from coresponder.referrals.access import (
        Principal,
        _partner_referrals,
        queue_order,
        referrals_for_partner,
        with_due,
    )

    client = Client()
    client.force_login(partner)
    times: dict[str, list] = {"page": [], "filtered": [], "old": [], "baseline": []}
    principal = Principal(user=partner)

    def baseline() -> list:
        return list(
            queue_order(with_due(_partner_referrals(principal))).select_related(
                "service", "organization", "sent_by", "person"
            )[:25]
        )

    def old_page() -> list:
        return referrals_for_partner(principal, channel="bench")

    def get(url: str) -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    for _ in range(WARM_UP):
        get("/referrals/partner/")
        baseline()
    with CaptureQueriesContext(connection) as captured:
        get("/referrals/partner/")
    times["queries"] = [len(captured)]
    for run in range(runs):
        for label, url in (
            ("page", "/referrals/partner/"),
            ("filtered", "/referrals/partner/?state=waiting&due=week&page=2"),
        ):
            start = time.perf_counter()
            get(url)
            times[label].append((time.perf_counter() - start) * 1000)
        if run % 5 == 0:
            start = time.perf_counter()
            old_page()
            times["old"].append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        baseline()
        times["baseline"].append((time.perf_counter() - start) * 1000)
    return times


def report(times: dict[str, list], *, count: int, vendor: str, built: float) -> None:
    page, plain = times["page"], times["baseline"]
    print(f"Partner queue with {count:,} referrals ({vendor}), {len(page)} runs")
    print(f"program built (bulk_create) in {built:.1f} s")
    print(f"{'':58}median ms   p95 ms")
    for label, values in [
        ("queue page: GET /referrals/partner/", page),
        ("filtered: ?state=waiting&due=week&page=2", times["filtered"]),
        ("old page's read: every referral through the gate", times["old"]),
        ("baseline: the queue's 25 rows, one query", plain),
    ]:
        print(f"{label:58}{statistics.median(values):9.2f}{p95(values):9.2f}")
    ratio = statistics.median(page) / statistics.median(plain)
    old = statistics.median(times["old"]) / statistics.median(page)
    print(f"ratio queue page / baseline: median {ratio:.1f}x; old read / queue page: {old:.1f}x")
    print(f"SQL queries of one page: {times['queries'][0]}")
    median = statistics.median(page)
    verdict = "met" if median < TARGET_MS else "not met"
    print(f"target: queue page under {TARGET_MS} ms: {verdict} ({median:.1f} ms median)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    scratch = set_up_django()
    from django.db import connection

    started = time.perf_counter()
    progress(f"building {args.referrals:,} referrals ...")
    partner = build_program(args.referrals)
    built = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    progress(f"timing {args.runs} runs ...")
    try:
        times = time_all(partner, args.runs)
        report(times, count=args.referrals, vendor=connection.vendor, built=built)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"load average (1 min) of the machine: {load:.2f}; {os.cpu_count()} cores")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
