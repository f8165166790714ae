"""Ranking 500 teams on duty for one call: median time against a bare sort by distance.

Run: .venv/bin/python bench/recommendation.py [--teams 500] [--repeat 2000]
Target (issue 4): median under 5 ms with 500 teams. Pure code, no database.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coresponder.dispatch.recommendation import (
    CallNeeds,
    Place,
    TeamFacts,
    great_circle_km,
    rank,
)

TODAY = date(2026, 11, 23)


def teams(count: int, rng: random.Random) -> list[TeamFacts]:
    return [
        TeamFacts(
            team_id=number,
            name=f"team {number}",
            position=Place(39.6 + rng.random() * 0.3, -105.1 + rng.random() * 0.3),
            available_in_minutes=rng.choice([0, 0, 0, 5, 15]),
            officer_cit_expires=date(2026 + rng.randint(0, 2), rng.randint(1, 12), 1),
            clinician_licensed=rng.random() > 0.1,
            languages=frozenset(rng.sample(["en", "es", "vi", "so"], rng.randint(1, 2))),
            specialities=frozenset(
                rng.sample(["youth", "veterans", "substance_use"], rng.randint(0, 2))
            ),
        )
        for number in range(count)
    ]


def timed(work, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(7)
    on_duty = teams(args.teams, rng)
    call = CallNeeds(place=Place(39.74, -104.99), language="es", specialities=frozenset({"youth"}))

    ranking = timed(lambda: rank(on_duty, call, today=TODAY), args.repeat)
    baseline = timed(
        lambda: sorted(on_duty, key=lambda t: great_circle_km(t.position, call.place)), args.repeat
    )

    median, bare = statistics.median(ranking), statistics.median(baseline)
    p95 = statistics.quantiles(ranking, n=20)[18]
    print(f"Recommendation, {args.teams} teams on duty, {args.repeat} runs")
    print(f"  rank (arrival + fit, with reasons): median {median:.3f} ms, p95 {p95:.3f} ms")
    print(f"  baseline (sort by distance only):   median {bare:.3f} ms")
    print(f"  ratio rank / baseline: {median / bare:.2f}x   target: median under 5 ms")


if __name__ == "__main__":
    main()
