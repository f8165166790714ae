"""Replications of a scenario, in parallel processes, and their confidence intervals.

Each replication draws from its own stream, `random.Random` seeded from the scenario's seed
and the replication's number (a string seed is hashed with SHA-512, the same in every
process), so a result is reproducible from the seed whatever the number of workers and
whichever finishes first. A figure is the mean over replications with a 95% confidence
interval from Student's t: the replications are independent and identically distributed,
which is what the interval assumes.
"""

from __future__ import annotations

import math
import os
import random
import statistics
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

from .model import HOURS_OF_WEEK, Inputs, Replication, simulate

# Student's t, 0.975 quantile, for 1 to 30 degrees of freedom (any statistics table).
T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
Z975 = 1.959963984540054


def t975(df: int) -> float:
    """Student's t 0.975 quantile; past the table, the Cornish–Fisher expansion, which is
    within 1e-4 of it there."""
    if df < 1:
        raise ValueError("An interval needs at least two replications.")
    if df <= len(T975):
        return T975[df - 1]
    z = Z975
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class Estimate:
    """A figure's mean over replications and its 95% confidence interval."""

    mean: float
    half_width: float
    n: int

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width

    @classmethod
    def of(cls, values: list[float]) -> Estimate:
        values = [v for v in values if not math.isnan(v)]
        if not values:
            return cls(math.nan, math.nan, 0)
        if len(values) == 1:
            return cls(values[0], math.inf, 1)
        mean = math.fsum(values) / len(values)
        spread = statistics.stdev(values)
        return cls(mean, t975(len(values) - 1) * spread / math.sqrt(len(values)), len(values))

    def as_dict(self) -> dict:
        # JSON has no NaN or infinity: an undefined figure or interval is null.
        return {"mean": _finite(self.mean), "half_width": _finite(self.half_width), "n": self.n}


# The figures of one replication, by name, with their words for pages and the command.
FIGURES = {
    "calls": "eligible calls",
    "answered_share": "share answered by a team",
    "answered_within_share": "share with a team on scene within the target",
    "wait_probability": "share that waited for a team",
    "mean_wait": "mean wait for a team (min)",
    "median_wait": "median wait (min)",
    "p90_wait": "90th percentile wait (min)",
    "mean_response": "mean time to a team on scene (min)",
    "fallback_police_only": "fell back to police only",
    "fallback_ems": "fell back to EMS",
    "utilisation": "team utilisation",
    "officer_hours_saved": "officer hours saved",
    "cost_per_call": "cost per call answered",
}


@dataclass
class Measures:
    """What a replication hands back to the parent process: figures, not every wait."""

    figures: dict[str, float]
    unmet_by_hour: list[int]
    team_utilisation: list[float]
    busy: list[list[float]]
    duty: list[list[float]]
    events: int


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else math.nan


def measure(result: Replication, inputs: Inputs) -> Measures:
    rules = inputs.rules
    busy = [math.fsum(team) for team in result.busy]
    duty = [math.fsum(team) for team in result.duty]
    figures = {
        "calls": float(result.calls),
        "answered_share": _ratio(result.answered, result.calls),
        "answered_within_share": _ratio(result.answered_within, result.calls),
        "wait_probability": _ratio(result.waited, result.calls),
        "mean_wait": _ratio(result.wait_sum, result.answered),
        "median_wait": result.wait_quantile(0.5),
        "p90_wait": result.wait_quantile(0.9),
        "mean_response": _ratio(result.response_sum, result.answered),
        "fallback_police_only": float(result.fallbacks.get("police_only", 0)),
        "fallback_ems": float(result.fallbacks.get("ems", 0)),
        "utilisation": _ratio(math.fsum(busy), math.fsum(duty)),
        "officer_hours_saved": result.answered * rules.patrol_minutes / 60,
        "cost_per_call": _ratio(rules.team_hour_cost * math.fsum(duty) / 60, result.answered),
    }
    return Measures(
        figures=figures,
        unmet_by_hour=result.unmet_by_hour,
        team_utilisation=[_ratio(b, d) for b, d in zip(busy, duty, strict=True)],
        busy=result.busy,
        duty=result.duty,
        events=result.events,
    )


def stream(seed: int, replication: int) -> random.Random:
    """The replication's own random stream."""
    return random.Random(f"coresponder.planning:{seed}:{replication}")


def one_replication(inputs: Inputs, seed: int, replication: int) -> Measures:
    return measure(simulate(inputs, stream(seed, replication)), inputs)


@dataclass
class Outcome:
    """The figures over every replication of a scenario."""

    replications: int
    seed: int
    figures: dict[str, Estimate]
    unmet_by_hour: list[Estimate]
    team_utilisation: list[Estimate]
    utilisation_by_team_hour: list[list[float]]  # mean busy ÷ mean duty per hour of week
    events: int
    measures: list[Measures] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict:
        return {
            "replications": self.replications,
            "seed": self.seed,
            "figures": {name: e.as_dict() for name, e in self.figures.items()},
            "unmet_by_hour": [e.as_dict() for e in self.unmet_by_hour],
            "team_utilisation": [e.as_dict() for e in self.team_utilisation],
            "utilisation_by_team_hour": [
                [None if math.isnan(u) else round(u, 4) for u in row]
                for row in self.utilisation_by_team_hour
            ],
            "events": self.events,
        }


def summarise(measures: list[Measures], *, seed: int) -> Outcome:
    teams = len(measures[0].team_utilisation)
    by_team_hour = []
    for team in range(teams):
        row = []
        for hour in range(HOURS_OF_WEEK):
            busy = math.fsum(m.busy[team][hour] for m in measures)
            duty = math.fsum(m.duty[team][hour] for m in measures)
            row.append(_ratio(busy, duty))
        by_team_hour.append(row)
    return Outcome(
        replications=len(measures),
        seed=seed,
        figures={
            name: Estimate.of([m.figures[name] for m in measures]) for name in measures[0].figures
        },
        unmet_by_hour=[
            Estimate.of([float(m.unmet_by_hour[h]) for m in measures]) for h in range(HOURS_OF_WEEK)
        ],
        team_utilisation=[
            Estimate.of([m.team_utilisation[t] for m in measures]) for t in range(teams)
        ],
        utilisation_by_team_hour=by_team_hour,
        events=sum(m.events for m in measures),
        measures=measures,
    )


def replicate(
    inputs: Inputs,
    *,
    replications: int,
    seed: int,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """`replications` independent runs of `inputs`, on `workers` processes (all cores by
    default; 1 runs them here). `progress(done, total)` is told after each one."""
    if replications < 2:
        raise ValueError("Confidence intervals need at least two replications.")
    workers = workers or os.cpu_count() or 1
    done: dict[int, Measures] = {}
    if workers == 1:
        for index in range(replications):
            done[index] = one_replication(inputs, seed, index)
            if progress:
                progress(len(done), replications)
    else:
        with ProcessPoolExecutor(max_workers=min(workers, replications)) as pool:
            futures = {
                pool.submit(one_replication, inputs, seed, index): index
                for index in range(replications)
            }
            for future in as_completed(futures):
                done[futures[future]] = future.result()
                if progress:
                    progress(len(done), replications)
    return summarise([done[index] for index in range(replications)], seed=seed)
