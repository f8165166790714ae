"""Importing past calls from a CAD export: the real command beside a bare bulk_create.

Writes N synthetic rows (seeded) in the raw Seattle Police "Call Data" format to a
temporary CSV file, imports them with `coresponder import calls FILE --mapping
seattle-call-data` into a fresh program (its outcome column included), then inserts the
same number of Call rows, built beforehand, with a bare `bulk_create` of the same batch size
into another fresh program. Prints rows per second for both and their ratio (target: at
least 0.25), the import's rate against the last measured 3,800 rows/s, and the rate on the
real Seattle sample in ../shared/data/cad-calls-seattle/ (its five files, read in place).

    .venv/bin/python bench/call_import.py [--rows N]

Without DATABASE_URL the run uses a SQLite file in a new temporary directory, removed at
the end; with DATABASE_URL it migrates that database, uses two programs of its own and
deletes their rows at the end (the import's one audit entry stays: the log is append-only).
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

from django_setup import set_up_django

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data" / "cad-calls-seattle"
SAMPLE = [
    ("db_call_data_2018-2023.csv", "seattle-call-data"),
    ("potential_db_calls_2010-2023.csv", "seattle-call-data-processed"),
    ("potential_db_calls_2018-2023.csv", "seattle-call-data-processed"),
    ("potential_mad_beach_calls_2010-2023.csv", "seattle-call-data-processed"),
    ("potential_madrona_calls_2010-2023.csv", "seattle-call-data-processed"),
]
RATE_FLOOR = 3_800  # rows/s, the last measured import rate (bench/README.md)
SEED = 20240523
SEATTLE = ZoneInfo("America/Los_Angeles")
HEADER = [
    "CAD Event Number",
    "Event Clearance Description",
    "Call Type",
    "Priority",
    "Initial Call Type",
    "Final Call Type",
    "Original Time Queued",
    "Arrived Time",
    "Precinct",
    "Sector",
    "Beat",
    "Blurred_Longitude",
    "Blurred_Latitude",
]
# (initial call type, final call type, weight): mostly ordinary police work, about one call
# in twelve a behavioural-health one, as in the real extracts.
CALL_TYPES = [
    ("SUSPICIOUS CIRCUM. - SUSPICIOUS PERSON", "--SUSPICIOUS CIRCUM. - SUSPICIOUS PERSON", 18),
    (
        "TRAFFIC - PARKING VIOL (EXCEPT ABANDONED CAR)",
        "--TRAFFIC - PARKING VIOL (EXCEPT ABANDONED CAR)",
        14,
    ),
    ("DISTURBANCE - OTHER", "--DISTURBANCE - OTHER", 12),
    ("THEFT - CAR PROWL", "--THEFT - CAR PROWL", 9),
    ("AUTO THEFT - VEH THEFT OR THEFT AND RECOVERY", "--AUTOMOBILES - AUTO THEFT", 8),
    ("NOISE - GENERAL", "--DISTURBANCE - NOISE", 7),
    ("ASSAULTS - HARASSMENT, THREATS", "--ASSAULTS - HARASSMENT, THREATS", 5),
    ("ASLT - WITH OR W/O WPNS (NO SHOOTINGS)", "--ASSAULTS, OTHER", 3),
    ("SHOTS HEARD - IN PROGRESS", "--DISTURBANCE - OTHER", 2),
    ("PERSON IN BEHAVIORAL/EMOTIONAL CRISIS", "--CRISIS COMPLAINT - GENERAL", 5),
    ("CRISIS COMPLAINT - GENERAL", "--CRISIS COMPLAINT - GENERAL", 2),
    ("SUICIDE - SUICIDAL PERSON AND ATTEMPTS", "--CRISIS COMPLAINT - GENERAL", 1),
    ("OVERDOSE", "--CASUALTY NON-TRAF NON-CRIM - DRUG RELATED (OD)", 1),
    ("SERVICE - WELFARE CHECK", "--ASSIST PUBLIC - OTHER (NON-SPECIFIED)", 2),
]
CHANNELS = [("911", 50), ("TELEPHONE OTHER, NOT 911", 38), ("ONVIEW", 10), ("TEXT MESSAGE", 2)]
CLEARANCES = [
    "ASSISTANCE RENDERED",
    "REPORT WRITTEN (NO ARREST)",
    "UNABLE TO LOCATE INCIDENT OR COMPLAINANT",
    "CITATION ISSUED (CRIMINAL OR NON-CRIMINAL)",
    "ORAL WARNING GIVEN",
]
BEATS = [("EAST", "CHARLIE", "C3"), ("EAST", "EDWARD", "E2"), ("NORTH", "LINCOLN", "L1")]


def write_rows(path: Path, rows: int) -> None:
    """`rows` calls between 2018 and 2023, in the export's column order and time format."""
    draw = random.Random(SEED)
    types = [(initial, final) for initial, final, _w in CALL_TYPES]
    type_weights = [weight for *_types, weight in CALL_TYPES]
    channels = [name for name, _w in CHANNELS]
    channel_weights = [weight for _name, weight in CHANNELS]
    start = datetime(2018, 1, 1, tzinfo=SEATTLE)
    span = int((datetime(2024, 1, 1, tzinfo=SEATTLE) - start).total_seconds())
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number in range(rows):
            queued = start + timedelta(seconds=draw.randrange(span))
            arrived = queued + timedelta(seconds=draw.randrange(60, 3600))
            initial, final = draw.choices(types, type_weights)[0]
            precinct, sector, beat = draw.choice(BEATS)
            writer.writerow(
                [
                    f"{queued.year}{number:09d}",
                    draw.choice(CLEARANCES),
                    draw.choices(channels, channel_weights)[0],
                    draw.randint(1, 7),
                    initial,
                    final,
                    f"{queued:%m/%d/%Y} {queued.hour % 12 or 12}:{queued:%M:%S %p}",
                    "" if draw.random() < 0.15 else f"{arrived:%m/%d/%Y %I:%M:%S %p}",
                    precinct,
                    sector,
                    beat,
                    f"{-122.35 + draw.random() * 0.1:.8f}",
                    f"{47.55 + draw.random() * 0.1:.8f}",
                ]
            )


def create_program(label: str):
    from coresponder.accounts.models import Agency, Program

    suffix = uuid.uuid4().hex[:8]
    program = Program.objects.create(
        name=f"Call import benchmark {label} {suffix}",
        slug=f"bench-import-{label}-{suffix}",
        time_zone="America/Los_Angeles",
    )
    Agency.objects.create(program=program, name="Benchmark police", kind="law_enforcement")
    return program


def run_import(path: Path, program, rejects: Path, mapping: str = "seattle-call-data") -> float:
    from django.core.management import call_command

    agency = program.agencies.get()
    out = StringIO()
    started = time.perf_counter()
    call_command(
        "import",
        "calls",
        str(path),
        "--mapping",
        mapping,
        "--agency",
        str(agency.pk),
        "--rejects",
        str(rejects),
        stdout=out,
        stderr=sys.stderr,
    )
    seconds = time.perf_counter() - started
    print(out.getvalue(), file=sys.stderr)
    return seconds


def prebuilt_calls(path: Path, program) -> list:
    """The same calls as Call objects, with what the import would give them (not timed)."""
    from coresponder.calls.actions import rules_in_force
    from coresponder.calls.models import Call, CallState, Origin
    from coresponder.interop.csv_import import load_mapping

    agency, rule_set = program.agencies.get(), rules_in_force(program)
    (outcome,) = load_mapping("seattle-call-data").outcomes
    calls, numbers = [], {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            received = (
                datetime.strptime(row["Original Time Queued"], "%m/%d/%Y %I:%M:%S %p")
                .replace(tzinfo=SEATTLE)
                .astimezone(UTC)
            )
            numbers[received.year] = numbers.get(received.year, 0) + 1
            calls.append(
                Call(
                    program=program,
                    reference=f"{received.year}-{numbers[received.year]:06d}",
                    received_at=received,
                    source="911",
                    origin=Origin.IMPORT,
                    taken_by_agency=agency,
                    external_id=row["CAD Event Number"],
                    address=f"SPD beat {row['Beat']} ({row['Precinct']} precinct, sector "
                    f"{row['Sector']})",
                    latitude=float(row["Blurred_Latitude"]),
                    longitude=float(row["Blurred_Longitude"]),
                    concerns=["welfare_check"],
                    summary=f"Initial call type: {row['Initial Call Type']}. Final call type: "
                    f"{row['Final Call Type']}.",
                    screening=[],
                    rule_set=rule_set,
                    triage_response="co_responder",
                    triage_priority=3,
                    triage_rule="welfare-check",
                    triage_says="A welfare check on someone in distress: a co-responder team goes.",
                    response="co_responder",
                    priority=3,
                    state=CallState.CLOSED,
                    reported_disposition=outcome.outcome(row["Event Clearance Description"]),
                    reported_outcome=f"Event Clearance Description: "
                    f"{row['Event Clearance Description']}",
                    reported_covers=["arrest", "citation", "resolved_on_scene"],
                )
            )
    return calls


def run_bulk_create(calls: list) -> float:
    from django.db import transaction

    from coresponder.calls.models import Call
    from coresponder.interop.csv_import import BATCH

    started = time.perf_counter()
    with transaction.atomic():
        for start in range(0, len(calls), BATCH):
            Call.objects.bulk_create(calls[start : start + BATCH], batch_size=BATCH)
    return time.perf_counter() - started


def import_sample(work: Path, programs: list) -> tuple[int, float] | None:
    """The real Seattle files, each into its own fresh program; None where they are absent."""
    from coresponder.calls.models import Call

    if not all((SHARED / name).exists() for name, _mapping in SAMPLE):
        return None
    rows, seconds = 0, 0.0
    for number, (name, mapping) in enumerate(SAMPLE):
        program = create_program(f"sample{number}")
        programs.append(program)
        seconds += run_import(SHARED / name, program, work / f"sample{number}.csv", mapping)
        rows += Call.objects.filter(program=program).count()
    return rows, seconds


def remove(programs) -> None:
    """Take out of a database the caller named what the run put in."""
    from django.db import transaction

    from coresponder.accounts.models import Agency, Program
    from coresponder.calls.models import Call, CallSequence, TriageRuleSet

    with transaction.atomic():
        for program in programs:
            Call.objects.filter(program=program).delete()
            TriageRuleSet.objects.filter(program=program).delete()
            CallSequence.objects.filter(program=program).delete()
            Agency.objects.filter(program=program).delete()
            Program.objects.filter(pk=program.pk).delete()


def measure(path: Path, work: Path, programs: list) -> tuple[tuple, tuple]:
    """(rows, seconds) of the import, then of the bare bulk_create of the same calls."""
    from coresponder.calls.models import Call

    imported_into = create_program("import")
    programs.append(imported_into)
    import_seconds = run_import(path, imported_into, work / "rejected.csv")
    imported = Call.objects.filter(program=imported_into).count()
    baseline_into = create_program("baseline")
    programs.append(baseline_into)
    calls = prebuilt_calls(path, baseline_into)
    return (imported, import_seconds), (len(calls), run_bulk_create(calls))


def report(*, rows: int, vendor: str, imported, baseline, sample) -> None:
    from coresponder.interop.csv_import import BATCH

    import_rate, baseline_rate = imported[0] / imported[1], baseline[0] / baseline[1]
    print()
    print(f"Call import, {rows:,} synthetic Seattle rows ({vendor})")
    print(f"batch size: {BATCH}")
    print()
    print(f"{'method':<34}{'rows':>10}{'seconds':>10}{'rows/s':>11}")
    lines = [("coresponder import calls", imported), ("bare bulk_create (pre-built)", baseline)]
    if sample is not None:
        lines.append(("the real Seattle sample (5 files)", sample))
    for label, (count, seconds) in lines:
        print(f"{label:<34}{count:>10,}{seconds:>10.2f}{count / seconds:>11,.0f}")
    print()
    print(f"import / bulk_create: {import_rate / baseline_rate:.2f}x (target: at least 0.25)")
    print(
        f"import rate: {import_rate:,.0f} rows/s, {import_rate / RATE_FLOOR:.2f}x the last "
        f"measured {RATE_FLOOR:,} rows/s (the floor, bulk_create, ran at "
        f"{baseline_rate:,.0f} rows/s on this machine now)"
    )
    if sample is None:
        print(f"the real Seattle sample: not found at {SHARED}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, metavar="N", help="default 100000")
    args = parser.parse_args()
    if args.rows < 1:
        parser.error("--rows must be at least 1")

    work = Path(tempfile.mkdtemp(prefix="cor-bench-import-"))
    scratch, programs = None, []
    try:
        path = work / "calls.csv"
        started = time.perf_counter()
        write_rows(path, args.rows)
        print(
            f"wrote {args.rows:,} rows ({path.stat().st_size / 1e6:.1f} MB) in "
            f"{time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        scratch = set_up_django()
        from django.db import connection

        imported, baseline = measure(path, work, programs)
        sample = import_sample(work, programs)
        report(
            rows=args.rows,
            vendor=connection.vendor,
            imported=imported,
            baseline=baseline,
            sample=sample,
        )
    finally:
        if scratch is None and programs:
            remove(programs)
        if scratch is not None:
            from django.db import connections

            connections.close_all()
            shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
