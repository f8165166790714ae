"""Person search on the FEBRL record-linkage data: does it find the right person, how fast.

Loads the 4000 originals of FEBRL dataset2 as persons of a fresh program, then searches for
each of the 1000 corrupted duplicates by name and date of birth and checks whether the
original comes back. An exact-match lookup on the same data is the baseline.

    .venv/bin/python bench/person_search.py [--limit N]

The data is read in place from <repo>/../shared/data/febrl/dataset2.csv, or from
$COR_SHARED_DATA/febrl/dataset2.csv. Without DATABASE_URL the run uses a SQLite file in a new
temporary directory, removed at the end; with DATABASE_URL it migrates that database, loads
the data into a program of its own and deletes that program's rows at the end.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import shutil
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django_setup import set_up_django

REPO = Path(__file__).resolve().parent.parent
BATCH = 500
LIMIT = 5


@dataclass(frozen=True)
class Record:
    number: str  # N of rec-N-org / rec-N-dup-k: what ties a duplicate to its original
    given: str
    family: str
    date_of_birth: date | None
    identifier: str


@dataclass
class Result:
    label: str
    hits_at_1: int
    hits_at_k: int
    times_ms: list[float]

    def recall(self, hits: int) -> float:
        return hits / len(self.times_ms) if self.times_ms else 0.0

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms) if self.times_ms else 0.0

    @property
    def p95_ms(self) -> float:
        if not self.times_ms:
            return 0.0
        ordered = sorted(self.times_ms)
        return ordered[math.ceil(0.95 * len(ordered)) - 1]  # nearest rank


def data_file() -> Path:
    shared = os.environ.get("COR_SHARED_DATA") or REPO.parent / "shared" / "data"
    return Path(shared) / "febrl" / "dataset2.csv"


def parse_date(text: str) -> date | None:
    """YYYYMMDD, or None: corrupted duplicates carry empty and impossible dates."""
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def read_records(path: Path) -> tuple[list[Record], list[Record]]:
    originals, duplicates = [], []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, skipinitialspace=True):
            _, number, kind = row["rec_id"].strip().split("-", 2)
            record = Record(
                number=number,
                given=row["given_name"].strip(),
                family=row["surname"].strip(),
                date_of_birth=parse_date(row["date_of_birth"].strip()),
                identifier=row["soc_sec_id"].strip(),
            )
            (originals if kind == "org" else duplicates).append(record)
    return originals, duplicates


def create_program():
    from coresponder.accounts.models import Agency, Program

    # A slug of its own, so a shared database's other programs are never touched.
    suffix = uuid.uuid4().hex[:8]
    program = Program.objects.create(name=f"FEBRL benchmark {suffix}", slug=f"bench-{suffix}")
    Agency.objects.create(program=program, name="Benchmark", kind="behavioral_health")
    return program


def load(program, originals: list[Record]) -> dict:
    """One person per original in `program`; returns {N: person id}."""
    from django.db import transaction

    from coresponder.people.matching import keys_for
    from coresponder.people.models import (
        Person,
        PersonIdentifier,
        PersonName,
        normalise_identifier,
    )

    agency = program.agencies.get()
    person_ids = {}
    for start in range(0, len(originals), BATCH):
        persons, names, identifiers = [], [], []
        for record in originals[start : start + BATCH]:
            person = Person(
                program=program, registered_by_agency=agency, date_of_birth=record.date_of_birth
            )
            persons.append(person)
            person_ids[record.number] = person.pk
            # The data has an original with neither name; a name row needs one of them.
            if record.given or record.family:
                name = PersonName(
                    person=person, kind="legal", given=record.given, family=record.family
                )
                keys_for(name)
                names.append(name)
            identifiers.append(
                PersonIdentifier(
                    person=person,
                    system="state_id",
                    issuer="FEBRL",
                    value=record.identifier,
                    normalised=normalise_identifier(record.identifier),
                )
            )
        with transaction.atomic():
            Person.objects.bulk_create(persons)
            PersonName.objects.bulk_create(names)
            PersonIdentifier.objects.bulk_create(identifiers)
        print(f"  loaded {start + len(persons)}/{len(originals)}", file=sys.stderr)
    return person_ids


def run(label, lookup, duplicates: list[Record], person_ids: dict) -> Result:
    """Time `lookup(record)` (ids of persons, best first) for each duplicate."""
    result = Result(label=label, hits_at_1=0, hits_at_k=0, times_ms=[])
    for done, record in enumerate(duplicates, start=1):
        started = time.perf_counter()
        found = lookup(record)
        result.times_ms.append((time.perf_counter() - started) * 1000)
        wanted = person_ids[record.number]
        result.hits_at_1 += bool(found) and found[0] == wanted
        result.hits_at_k += wanted in found[:LIMIT]
        if done % BATCH == 0:
            print(f"  {label}: {done}/{len(duplicates)}", file=sys.stderr)
    return result


def train(program, originals: list[Record]) -> None:
    """A match model for the program, learned by Splink from FEBRL dataset3 (the same
    generator, other persons, duplicates among them) and stored as the program's model:
    `search` uses it from here on. Trained on the loaded originals alone it learns nothing
    (an index without duplicates gives expectation-maximisation no pair of one person:
    recall@5 fell to 10% when tried), so it is trained where duplicates are, as a program
    with a clean index would take a model trained on a hub's or a similar program's data."""
    from django.utils import timezone

    from coresponder.people.actions import store_linkage_model
    from coresponder.people.linkage import make_record
    from coresponder.people.training import train as learn

    started = time.perf_counter()
    others = [*read_records(data_file().with_name("dataset3.csv"))]
    records = [
        make_record(
            given=record.given,
            family=record.family,
            date_of_birth=record.date_of_birth,
            identifiers=[("state_id", record.identifier)],
        )
        for record in others[0] + others[1]
    ]
    trained = learn(
        records,
        [str(number) for number in range(len(records))],
        progress=lambda message: print(f"  {message}", file=sys.stderr),
    )
    model = store_linkage_model(
        program,
        trained,
        persons=len(records),
        names_held={
            "given_name": sum(1 for record in originals if record.given),
            "family_name": sum(1 for record in originals if record.family),
        },
        now=timezone.now(),
    )
    print(
        f"  trained version {model.version} on dataset3 in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )


def searcher(program, *, with_identifier: bool):
    from coresponder.people.matching import PersonQuery, search

    def lookup(record: Record) -> list:
        query = PersonQuery(
            name=f"{record.given} {record.family}",
            date_of_birth=record.date_of_birth,
            identifier=record.identifier if with_identifier else "",
        )
        return [candidate.person.pk for candidate in search(program, query, limit=LIMIT)]

    return lookup


def exact_lookup(program):
    from coresponder.people.matching import name_key
    from coresponder.people.models import Person

    def lookup(record: Record) -> list:
        # A missing date matches a missing date (Django's `=None` is IS NULL), as an exact
        # lookup written in Django would do.
        return list(
            Person.objects.filter(
                program=program,
                date_of_birth=record.date_of_birth,
                names__kind="legal",
                names__given_key=name_key(record.given),
                names__family_key=name_key(record.family),
            )
            .distinct()
            .values_list("pk", flat=True)[:LIMIT]
        )

    return lookup


def ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}x" if denominator else "n/a"


def report(results: list[Result], *, persons: int, queries: list[Record], vendor: str) -> None:
    undated = sum(1 for record in queries if record.date_of_birth is None)
    print()
    print(f"Person search, FEBRL dataset2: {persons} persons, {len(queries)} queries ({vendor})")
    print(f"queries with an empty or invalid date of birth: {undated}")
    print()
    print(f"{'method':<22}{'recall@1':>10}{'recall@5':>10}{'median ms':>11}{'p95 ms':>9}")
    for result in results:
        print(
            f"{result.label:<22}"
            f"{result.recall(result.hits_at_1):>10.1%}"
            f"{result.recall(result.hits_at_k):>10.1%}"
            f"{result.median_ms:>11.2f}"
            f"{result.p95_ms:>9.2f}"
        )
    search, model, baseline = results[0], results[2], results[-1]
    print()
    print(
        f"search / exact baseline: recall@5 "
        f"{ratio(search.recall(search.hits_at_k), baseline.recall(baseline.hits_at_k))}, "
        f"median time {ratio(search.median_ms, baseline.median_ms)}"
    )
    print(
        f"model / search: recall@1 "
        f"{ratio(model.recall(model.hits_at_1), search.recall(search.hits_at_1))}, "
        f"recall@5 {ratio(model.recall(model.hits_at_k), search.recall(search.hits_at_k))}, "
        f"p95 time {ratio(model.p95_ms, search.p95_ms)}"
    )
    print(
        f"model targets: recall@1 {model.recall(model.hits_at_1):.1%} (target 98.5%), "
        f"recall@5 {model.recall(model.hits_at_k):.1%} (target 99.8%)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        metavar="N",
        help="search for only the first N duplicates (default: all)",
    )
    args = parser.parse_args()
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")

    path = data_file()
    if not path.is_file():
        print(
            f"FEBRL data not found at {path}; set COR_SHARED_DATA to the folder holding "
            "febrl/dataset2.csv. Nothing to benchmark.",
            file=sys.stderr,
        )
        return 0

    started = time.perf_counter()
    originals, duplicates = read_records(path)
    queries = duplicates[: args.limit] if args.limit else duplicates
    scratch = set_up_django()
    program = None
    try:
        from django.db import connection

        print(f"loading {len(originals)} originals into {connection.vendor}", file=sys.stderr)
        program = create_program()
        person_ids = load(program, originals)
        results = [
            run("search", searcher(program, with_identifier=False), queries, person_ids),
            run(
                "search + identifier", searcher(program, with_identifier=True), queries, person_ids
            ),
        ]
        train(program, originals)
        results += [
            run("model", searcher(program, with_identifier=False), queries, person_ids),
            run("model + identifier", searcher(program, with_identifier=True), queries, person_ids),
            run("exact baseline", exact_lookup(program), queries, person_ids),
        ]
        report(results, persons=len(originals), queries=queries, vendor=connection.vendor)
    finally:
        if scratch is None and program is not None:
            remove(program)
        if scratch is not None:
            from django.db import connections

            connections.close_all()
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"total run time: {time.perf_counter() - started:.1f} s")
    return 0


def remove(program) -> None:
    """Take out of a database the caller named what the run put in: the program and its rows."""
    from django.db import transaction

    from coresponder.accounts.models import Agency
    from coresponder.people.models import LinkageModel, Person

    with transaction.atomic():
        LinkageModel.objects.filter(program=program).delete()
        Person.objects.filter(program=program).delete()
        Agency.objects.filter(program=program).delete()
        program.delete()


if __name__ == "__main__":
    sys.exit(main())
