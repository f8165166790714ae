"""The staffing simulation's speed, as ratios of a bare SimPy M/M/c loop run alongside.

Run: .venv/bin/python bench/planning.py [--replications 100] [--workers N] [--theory]

1. events/s: the bare SimPy M/M/c loop (a process per customer, a Resource for the
   servers: the textbook SimPy model) and the planning model on the same M/M/c, then on a
   city-year (100,000 calls, 12 teams on shifts, calls placed, travel by the dispatch
   estimate, empirical service times, a wait limit). Ratio = model ÷ bare (issue: ≥ 0.25).
2. The city-year × N replications (default 100) on every core, timed, beside the time the
   bare loop would take for as many customers on as many cores.
3. With --theory: the Erlang C points of the test suite, each run until the 95% interval
   of both P(wait) and the mean wait is within 2% (doubling the calls), with the
   agreement. This takes long at heavy load; the suite checks the same points coarser.

Pure code, no database. Events are SimPy's own count of scheduled events in both.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import simpy

from coresponder.core.geography import Place
from coresponder.planning import theory
from coresponder.planning.model import (
    WEEK,
    CallKind,
    Demand,
    Inputs,
    Rules,
    Service,
    TeamPlan,
    Visit,
    simulate,
)
from coresponder.planning.replications import replicate, stream


def bare_mmc(arrival_rate: float, service_rate: float, servers: int, customers: int) -> int:
    """The textbook SimPy M/M/c; returns the events it scheduled."""
    env = simpy.Environment()
    teams = simpy.Resource(env, servers)
    rng = random.Random(1)

    def customer():
        with teams.request() as request:
            yield request
            yield env.timeout(rng.expovariate(service_rate))

    def source():
        for _ in range(customers):
            yield env.timeout(rng.expovariate(arrival_rate))
            env.process(customer())

    env.process(source())
    env.run()
    return next(env._eid)  # SimPy numbers each event it schedules


def mmc_inputs(arrival_rate, service_rate, servers, customers) -> Inputs:
    kind = CallKind("any", 2, frozenset({"clinician"}))
    return Inputs(
        demand=Demand(kinds=(kind,), rates=tuple((arrival_rate * 60,) for _ in range(168))),
        service=Service(exponential_mean=1 / service_rate),
        teams=tuple(TeamPlan(f"team {n}", frozenset({"clinician"})) for n in range(servers)),
        horizon=customers / arrival_rate,
    )


def city_year(calls: int = 100_000, teams: int = 12) -> Inputs:
    """A synthetic city: demand peaking in the evening, two concerns and priorities,
    calls spread over a 20 km square, teams on 12-hour shifts with a break."""
    rng = random.Random(7)
    shape = [1.0 + 0.8 * math.sin((h % 24 - 9) / 24 * 2 * math.pi) for h in range(168)]
    per_hour = calls / (52 * sum(shape))
    kinds = (
        CallKind("suicidal", 1, frozenset({"officer", "clinician"})),
        CallKind("welfare_check", 3, frozenset({"officer", "clinician"})),
        CallKind("anxiety_panic", 2, frozenset({"clinician"})),
    )
    rates = tuple(tuple(per_hour * s * w for w in (0.3, 0.4, 0.3)) for s in shape)
    places = tuple(
        (Place(39.65 + rng.random() * 0.18, -105.05 + rng.random() * 0.23), 1.0) for _ in range(400)
    )
    visits = tuple(
        Visit(on_scene=rng.lognormvariate(3.3, 0.5), after=rng.choice([0, 0, 0, 30]))
        for _ in range(2000)
    )
    day = tuple((d * 1440 + 7 * 60, d * 1440 + 13 * 60) for d in range(7))
    day += tuple((d * 1440 + 13 * 60 + 30, d * 1440 + 19 * 60) for d in range(7))
    night = tuple(
        ((d * 1440 + 19 * 60) % WEEK, (d * 1440 + 19 * 60) % WEEK + 720) for d in range(7)
    )
    plans = tuple(
        TeamPlan(
            f"team {n}",
            frozenset({"officer", "clinician"} if n % 3 else {"clinician"}),
            shifts=day if n % 2 else night,
            base=places[n][0],
        )
        for n in range(teams * 2)  # a day and a night team for each of the `teams` posts
    )
    return Inputs(
        demand=Demand(kinds=kinds, rates=rates, places=places),
        service=Service(visits={"": visits}),
        teams=plans,
        rules=Rules(wait_limit=30, answered_within=20, patrol_minutes=90, team_hour_cost=120),
        horizon=52 * WEEK,
    )


def timed(run):
    start = time.perf_counter()
    value = run()
    return value, time.perf_counter() - start


def theory_points() -> None:
    from coresponder.planning.tests.test_against_theory import ERLANG_C_POINTS, mmc

    print("\nErlang C points at 2% (95% interval over 10 replications)")
    print(f"{'λ':>6} {'μ':>5} {'c':>3} {'ρ':>5} {'calls':>10} {'P(wait)':>22} {'mean wait':>22}")
    for lam, mu, c, first, _ in ERLANG_C_POINTS:
        customers = first
        expected_p, expected_w = theory.erlang_c(c, lam / mu), theory.mean_wait(c, lam, mu)
        while True:
            outcome = replicate(mmc(lam, mu, c, customers=customers), replications=10, seed=22)
            p, w = outcome.figures["wait_probability"], outcome.figures["mean_wait"]
            if p.half_width <= 0.02 * expected_p and w.half_width <= 0.02 * expected_w:
                break
            customers *= 2
        cells = [
            f"{e.mean / x - 1:+.2%} ±{e.half_width / x:.2%}"
            for e, x in ((p, expected_p), (w, expected_w))
        ]
        print(
            f"{lam:>6} {mu:>5} {c:>3} {lam / mu / c:>5.2f} {customers * 10:>10,} "
            f"{cells[0]:>22} {cells[1]:>22}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--theory", action="store_true")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    lam, mu, c = 9.0, 1.0, 10
    city = city_year()
    # The machine is shared: the bare loop and the model take turns, three rounds, and
    # each keeps its fastest round, so that a burst of load elsewhere hits both alike.
    bare_s = model_s = year_s = math.inf
    for _ in range(3):
        bare_events, seconds = timed(lambda: bare_mmc(lam, mu, c, args.customers))
        bare_s = min(bare_s, seconds)
        model, seconds = timed(
            lambda: simulate(mmc_inputs(lam, mu, c, args.customers), stream(1, 0))
        )
        model_s = min(model_s, seconds)
        year, seconds = timed(lambda: simulate(city, stream(1, 0)))
        year_s = min(year_s, seconds)
    bare_rate = bare_events / bare_s
    print(
        f"\nbare SimPy M/M/c (c={c}, ρ=0.9, {args.customers:,} customers): "
        f"{bare_rate:,.0f} events/s"
    )
    print(
        f"planning model, same M/M/c: {model.events / model_s:,.0f} events/s "
        f"= {model.events / model_s / bare_rate:.2f}× bare "
        f"({args.customers / model_s / (args.customers / bare_s):.2f}× in customers/s)"
    )
    print(
        f"planning model, city-year ({year.calls:,} calls, 12 posts): "
        f"{year.events / year_s:,.0f} events/s = {year.events / year_s / bare_rate:.2f}× bare "
        f"({year.calls / year_s / (args.customers / bare_s):.2f}× in calls/s); "
        f"one replication {year_s:.1f} s"
    )

    done = []

    def progress(finished, total):
        done.append(finished)
        print(f"\r  replications: {finished} / {total}", end="", file=sys.stderr, flush=True)

    outcome, all_s = timed(
        lambda: replicate(
            city, replications=args.replications, seed=1, workers=args.workers, progress=progress
        )
    )
    print(file=sys.stderr)
    calls = outcome.figures["calls"].mean * args.replications
    bare_equivalent = calls / (args.customers / bare_s) / args.workers
    print(
        f"city-year × {args.replications} replications on {args.workers} workers: {all_s:.1f} s "
        f"({calls:,.0f} calls); the bare loop for as many customers: {bare_equivalent:.1f} s "
        f"= {all_s / bare_equivalent:.2f}× its time"
    )
    share = outcome.figures["answered_share"]
    print(f"  answered by a team: {share.mean:.1%} ± {share.half_width:.1%}")
    if args.theory:
        theory_points()


if __name__ == "__main__":
    main()
