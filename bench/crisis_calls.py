"""A published-style police crisis dataset, imported with no code: rate and outcome rate.

Writes N rows (seeded; default 40,000) in the shape police crisis datasets are published
in — event id, year, month, weekday name, hour, event type, neighbourhood, apprehension
yes/no — with `coresponder.demo.crisis_export`, imports them with `coresponder import
calls FILE --mapping police-crisis-data` into a fresh program, brings its call facts up
to date, and prints the import's rate and, year by year, the involuntary-hold rate the
outcomes dashboard shows beside the file's own share of "Yes": they must be equal.

    .venv/bin/python bench/crisis_calls.py [--rows N]
    .venv/bin/python bench/crisis_calls.py --rows 40000 --out crisis-calls.csv  # write only

Databases as for call_import.py: a temporary SQLite file without DATABASE_URL; with it,
a program of its own, removed at the end (its audit entries stay).
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from call_import import REPO, create_program, remove, run_import
from django_setup import set_up_django

sys.path.insert(0, str(REPO))

from coresponder.demo.crisis_export import write_crisis_export


def file_rates(path: Path) -> dict[int, tuple[int, int]]:
    """Per year: (apprehensions, calls) as the file says them."""
    held, calls = Counter(), Counter()
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            year = int(row["EVENT_YEAR"])
            calls[year] += 1
            held[year] += row["APPREHENSION_MADE"] == "Yes"
    return {year: (held[year], calls[year]) for year in sorted(calls)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=40_000, metavar="N", help="default 40000")
    parser.add_argument("--out", type=Path, help="write the file there, and import nothing")
    args = parser.parse_args()
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    if args.out:
        write_crisis_export(args.out, args.rows)
        print(f"wrote {args.rows:,} rows to {args.out}")
        return 0

    work = Path(tempfile.mkdtemp(prefix="cor-bench-crisis-"))
    scratch, programs = None, []
    try:
        path = write_crisis_export(work / "crisis-calls.csv", args.rows)
        expected = file_rates(path)
        scratch = set_up_django()
        from django.db import connection

        from coresponder.analytics import facts, kpis
        from coresponder.analytics.engines import OperationalEngine
        from coresponder.calls.models import Call

        program = create_program("crisis")
        programs.append(program)
        seconds = run_import(path, program, work / "rejected.csv", "police-crisis-data")
        imported = Call.objects.filter(program=program).count()
        started = time.perf_counter()
        facts.bring_up_to_date(program)
        facts_seconds = time.perf_counter() - started

        print()
        print(f"Crisis dataset, {args.rows:,} rows ({connection.vendor})")
        print(f"imported {imported:,} in {seconds:.2f} s: {imported / seconds:,.0f} rows/s")
        print(f"call facts of them in {facts_seconds:.2f} s")
        print()
        print(f"{'year':<6}{'calls':>8}{'file: Yes':>11}{'dashboard: holds':>18}{'same':>6}")
        engine, same = OperationalEngine(), True
        for year, (held, calls) in expected.items():
            filters = kpis.Filters(program.pk, date(year, 1, 1), date(year + 1, 1, 1))
            value = kpis.figures(engine, filters)["involuntary_holds"]
            agrees = (value.numerator, value.denominator) == (held, calls)
            same &= agrees
            print(
                f"{year:<6}{calls:>8,}{held / calls:>11.1%}{value.value:>18.1%}"
                f"{'yes' if agrees else 'NO':>6}"
            )
        return 0 if same and imported == args.rows else 1
    finally:
        if scratch is None and programs:
            remove(programs)
        if scratch is not None:
            from django.db import connections

            connections.close_all()
            shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
