"""Record linkage quality on FEBRL datasets 1-3: the program's match model beside an ECM baseline.

For each dataset it de-duplicates the records within it two ways, with the same blocking:

- **model**: the people app's match model (`people.linkage`), trained by Splink on DuckDB
  on the dataset itself (unsupervised, as a program trains on its own persons), pairs
  scored by Splink's `predict` and kept at match probability >= 0.5;
- **ECM baseline**: the `recordlinkage` package's ECM classifier (unsupervised
  Fellegi-Sunter) over binary comparisons of the same fields.

Each runs with and without the social-security field. A pair is a true match when both
records come from the same original (rec-N-org / rec-N-dup-k). It prints precision, recall,
F1 and the time of each, and the model's F1 as a ratio of the baseline's.

    .venv/bin/python bench/linkage.py

Only datasets 1-3 are read, in place from <repo>/../shared/data/febrl/ (or
$COR_SHARED_DATA/febrl/); without them it says so and exits 0. It needs `recordlinkage`
(the test extra).
"""

from __future__ import annotations

import csv
import os
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATASETS = ("dataset1", "dataset2", "dataset3")
THRESHOLD = 0.5


@dataclass
class Outcome:
    method: str
    found: set
    seconds: float


def data_folder() -> Path:
    shared = os.environ.get("COR_SHARED_DATA") or REPO.parent / "shared" / "data"
    return Path(shared) / "febrl"


def parse_date(text: str) -> date | None:
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def read(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            {key.strip(): (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(handle, skipinitialspace=True)
        ]


def records_of(rows: list[dict], *, with_identifier: bool):
    from coresponder.people.linkage import make_record

    records = []
    for row in rows:
        records.append(
            make_record(
                given=row["given_name"],
                family=row["surname"],
                date_of_birth=parse_date(row["date_of_birth"]),
                identifiers=[("state_id", row["soc_sec_id"])] if with_identifier else [],
                street=" ".join(p for p in (row["street_number"], row["address_1"]) if p),
                city=row["suburb"],
                postal_code=row["postcode"],
            )
        )
    return records


def truth(rows: list[dict]) -> set:
    by_original: dict[str, list[str]] = {}
    for row in rows:
        by_original.setdefault(row["rec_id"].split("-")[1], []).append(row["rec_id"])
    pairs = set()
    for ids in by_original.values():
        for i, left in enumerate(ids):
            for right in ids[i + 1 :]:
                pairs.add(frozenset((left, right)))
    return pairs


def blocking_columns(with_identifier: bool) -> list[str]:
    columns = ["given_sound", "family_sound", "birth_date", "postal_code"]
    return columns + (["identifier_state_id"] if with_identifier else [])


def blocked_pairs(ids, records, columns) -> set[tuple[str, str]]:
    """The pairs the blocking makes: equal and known in any one of `columns`, as Splink's
    `l.c = r.c` rules make them (recordlinkage's own `block` would pair missing values)."""
    pairs = set()
    for column in columns:
        groups: dict[str, list[str]] = {}
        for unique_id, record in zip(ids, records, strict=True):
            if record.get(column):
                groups.setdefault(record[column], []).append(unique_id)
        for members in groups.values():
            for i, left in enumerate(members):
                for right in members[i + 1 :]:
                    pairs.add((left, right) if left < right else (right, left))
    return pairs


def run_model(rows, *, with_identifier: bool) -> Outcome:
    from coresponder.people.training import predict_pairs, train

    started = time.perf_counter()
    records = records_of(rows, with_identifier=with_identifier)
    ids = [row["rec_id"] for row in rows]
    trained = train(records, ids)
    rules = [f"l.{c} = r.{c}" for c in blocking_columns(with_identifier)]
    found = predict_pairs(records, ids, trained.splink_model, rules, threshold=THRESHOLD)
    return Outcome("model (Splink)", found, time.perf_counter() - started)


def run_baseline(rows, *, with_identifier: bool) -> Outcome:
    import pandas as pd
    import recordlinkage

    started = time.perf_counter()
    records = records_of(rows, with_identifier=with_identifier)
    frame = pd.DataFrame(records, index=[row["rec_id"] for row in rows])
    pairs = pd.MultiIndex.from_tuples(
        sorted(blocked_pairs(frame.index, records, blocking_columns(with_identifier)))
    )
    compare = recordlinkage.Compare()
    for column in ("given_name", "family_name", "street", "city"):
        compare.string(column, column, method="jarowinkler", threshold=0.85, label=column)
    for column in ("birth_date", "postal_code"):
        compare.exact(column, column, label=column)
    if with_identifier:
        compare.exact("identifier_state_id", "identifier_state_id", label="identifier")
    features = compare.compute(pairs, frame)
    classifier = recordlinkage.ECMClassifier(binarize=None)
    matches = classifier.fit_predict(features)
    found = {frozenset(pair) for pair in matches}
    return Outcome("ECM baseline", found, time.perf_counter() - started)


def scores(found: set, true: set) -> tuple[float, float, float]:
    hits = len(found & true)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(true) if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main() -> int:
    folder = data_folder()
    paths = [folder / f"{name}.csv" for name in DATASETS]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        print(
            "FEBRL data not found (" + ", ".join(missing) + "); set COR_SHARED_DATA to the "
            "folder holding febrl/dataset1-3.csv. Nothing to benchmark.",
            file=sys.stderr,
        )
        return 0
    # The models' choices are read, no database: Django is set up without one.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coresponder.settings.test")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    started = time.perf_counter()
    print(
        f"{'dataset':<10}{'identifier':<12}{'method':<16}"
        f"{'precision':>10}{'recall':>8}{'F1':>8}{'time s':>8}{'F1 / baseline':>15}"
    )
    for name, path in zip(DATASETS, paths, strict=True):
        rows = read(path)
        true = truth(rows)
        for with_identifier in (True, False):
            print(f"  {name}, identifier {with_identifier}: training", file=sys.stderr)
            model = run_model(rows, with_identifier=with_identifier)
            baseline = run_baseline(rows, with_identifier=with_identifier)
            base_f1 = scores(baseline.found, true)[2]
            for outcome in (model, baseline):
                precision, recall, f1 = scores(outcome.found, true)
                versus = f"{f1 / base_f1:.3f}x" if base_f1 else "n/a"
                print(
                    f"{name:<10}{'with' if with_identifier else 'without':<12}"
                    f"{outcome.method:<16}{precision:>10.3f}{recall:>8.3f}{f1:>8.3f}"
                    f"{outcome.seconds:>8.1f}{versus:>15}",
                    flush=True,
                )
    print(f"total run time: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
