"""What the benchmarks share: progress on stderr, bulk loading in batches, the p95."""

from __future__ import annotations

import math
import sys

BATCH = 5000


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bulk(model, rows: list, label: str) -> list:
    """`bulk_create` in batches, counting on one line of stderr."""
    done = []
    for start in range(0, len(rows), BATCH):
        done += model.objects.bulk_create(rows[start : start + BATCH], batch_size=BATCH)
        print(f"\r  {label}: {len(done):,} / {len(rows):,}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr, flush=True)
    return done


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]  # nearest rank
