"""The simulation against queueing theory, for the configurations theory solves.

M/M/c: Poisson arrivals, exponential service, c identical teams on duty round the clock,
no travel, no wait limit: the probability of waiting and the mean wait are Erlang C's.
M/M/c/c (no waiting) loses Erlang B's share; M/M/c/K the birth–death chain's p_K.

Each point runs ten independent replications (seed 22 for every point, not chosen) and
takes the confidence interval of the mean over them (Student's t). A point passes when

- the 95% interval is narrow: its half-width at most `precision` of the theoretical value
  (2% for P(wait) and the losses), so that the check below can fail, and
- the simulation does not differ from theory by more than 2%, at 95% confidence for the
  whole family of checks: |mean − theory| ≤ half-width + 2% of theory, with the interval
  widened by Bonferroni's correction for the number of checks (each at 1 − 0.05/checks),
  so that a correct simulation fails the suite with at most a 5% chance, whatever the seed.

The mean wait's variance grows like (1 − ρ)⁻⁴, so at heavy load the suite's 60 seconds
buy a wider interval (`precision` below); `bench/planning.py --theory` runs the same
points until every interval is within 2%, which takes far longer.
"""

from __future__ import annotations

import math

import pytest

from coresponder.planning import theory
from coresponder.planning.model import (
    CallKind,
    Demand,
    Inputs,
    Rules,
    Service,
    TeamPlan,
)
from coresponder.planning.replications import Estimate, replicate

REPLICATIONS = 10
AGREE = 0.02  # relative


def mmc(arrival_rate, service_rate, teams, *, customers, wait_limit=math.inf, room=math.inf):
    """`customers` arrivals per replication after a warm-up of several relaxation times
    (time in minutes; rates per minute)."""
    rho = arrival_rate / (service_rate * teams)
    if wait_limit == math.inf and room == math.inf:
        # A queue forgets its empty start over a few relaxation times, 1 / (cμ(1 − √ρ)²).
        warmup = 5 / (service_rate * teams * (1 - math.sqrt(rho)) ** 2)
    else:
        warmup = 20 / service_rate  # a loss system forgets it within a few services
    kind = CallKind("any", 2, frozenset({"clinician"}))
    return Inputs(
        demand=Demand(kinds=(kind,), rates=tuple((arrival_rate * 60,) for _ in range(168))),
        service=Service(exponential_mean=1 / service_rate),
        teams=tuple(TeamPlan(f"team {n}", frozenset({"clinician"})) for n in range(teams)),
        rules=Rules(wait_limit=wait_limit, queue_room=room),
        horizon=warmup + customers / arrival_rate,
        warmup=warmup,
    )


def family_widening(checks: int) -> float:
    """How much wider than the 95% interval the interval of each of `checks` checks is,
    for 95% confidence over them all (Bonferroni)."""
    from scipy.stats import t

    df = REPLICATIONS - 1
    return float(t.ppf(1 - 0.05 / (2 * checks), df) / t.ppf(0.975, df))


def assert_agrees(estimate: Estimate, expected: float, *, precision: float, what: str):
    assert estimate.n == REPLICATIONS
    assert estimate.half_width <= precision * expected, (
        f"{what}: interval ±{estimate.half_width / expected:.2%} is wider than {precision:.0%}"
    )
    reach = WIDENING * estimate.half_width + AGREE * expected
    assert abs(estimate.mean - expected) <= reach, (
        f"{what}: simulated {estimate.mean:.5f} ± {estimate.half_width:.5f}, theory {expected:.5f}"
    )


# (λ, μ, c, customers per replication, precision of the mean wait). ρ = λ / (cμ). A point
# with many teams and moderate load waits rarely, so its P(wait) needs many more calls to
# be known to 2%: the points keep to one to four teams, the loss points go to ten.
ERLANG_C_POINTS = [
    (0.3, 1.0, 1, 15_000, 0.04),  # ρ 0.30
    (1.2, 1.5, 2, 30_000, 0.05),  # ρ 0.40
    (1.5, 1.0, 3, 15_000, 0.06),  # ρ 0.50
    (2.4, 2.0, 2, 20_000, 0.08),  # ρ 0.60
    (1.4, 1.0, 2, 15_000, 0.08),  # ρ 0.70
    (2.25, 1.0, 3, 20_000, 0.10),  # ρ 0.75
    (3.2, 1.0, 4, 25_000, 0.10),  # ρ 0.80
    (1.7, 1.0, 2, 15_000, 0.15),  # ρ 0.85
    (0.9, 1.0, 1, 15_000, 0.12),  # ρ 0.90
    (2.7, 1.0, 3, 20_000, 0.25),  # ρ 0.90
    (1.9, 1.0, 2, 15_000, 0.25),  # ρ 0.95
    (0.95, 1.0, 1, 15_000, 0.30),  # ρ 0.95
]


@pytest.mark.slow
@pytest.mark.parametrize(("lam", "mu", "c", "customers", "precision"), ERLANG_C_POINTS)
def test_waiting_agrees_with_erlang_c(lam, mu, c, customers, precision):
    # given an M/M/c program
    inputs = mmc(lam, mu, c, customers=customers)

    # when it is simulated
    outcome = replicate(inputs, replications=REPLICATIONS, seed=22, workers=1)

    # then the probability of waiting and the mean wait are Erlang C's
    what = f"λ={lam} μ={mu} c={c}"
    a = lam / mu
    assert_agrees(
        outcome.figures["wait_probability"],
        theory.erlang_c(c, a),
        precision=AGREE,
        what=what + " P(wait)",
    )
    assert_agrees(
        outcome.figures["mean_wait"],
        theory.mean_wait(c, lam, mu),
        precision=precision,
        what=what + " mean wait",
    )
    # and every call was answered: nothing fell back, nothing is left waiting
    assert outcome.figures["answered_share"].mean == 1.0


def test_the_points_span_light_to_heavy_load():
    loads = sorted(lam / (mu * c) for lam, mu, c, _, _ in ERLANG_C_POINTS)
    assert len(loads) >= 12
    assert loads[0] == pytest.approx(0.3)
    assert loads[-1] == pytest.approx(0.95)


# (c, a = λ/μ, K, customers per replication)
LOSS_POINTS = [
    (3, 1.5, 3, 15_000),
    (5, 4.0, 5, 15_000),
    (10, 9.0, 10, 30_000),
    (4, 6.0, 4, 10_000),  # overloaded: about half the calls lost
    (4, 3.0, 6, 30_000),  # M/M/c/K with room for two to wait
]
CHECKS = 2 * len(ERLANG_C_POINTS) + len(LOSS_POINTS)
WIDENING = family_widening(CHECKS)


@pytest.mark.slow
@pytest.mark.parametrize(("c", "a", "k", "customers"), LOSS_POINTS)
def test_loss_agrees_with_erlang_b(c, a, k, customers):
    # given a program where calls that find no free team fall back (K = c), or may wait
    # only while fewer than K − c wait
    wait_limit = 0.0 if k == c else math.inf
    inputs = mmc(a, 1.0, c, customers=customers, wait_limit=wait_limit, room=k - c)

    # when it is simulated
    outcome = replicate(inputs, replications=REPLICATIONS, seed=22, workers=1)

    # then the share that fell back is Erlang B's (the M/M/c/K loss)
    lost = Estimate.of(
        [m.figures["fallback_police_only"] / m.figures["calls"] for m in outcome.measures]
    )
    expected = theory.erlang_b(c, a) if k == c else theory.loss_mmck(c, k, a)
    assert_agrees(lost, expected, precision=AGREE, what=f"c={c} a={a} K={k} loss")


def test_erlang_formulas_match_scipy_and_known_values():
    scipy_stats = pytest.importorskip("scipy.stats")
    # Erlang B for one server is a / (1 + a); for c = 2, a = 1: 1/5.
    assert theory.erlang_b(1, 0.5) == pytest.approx(1 / 3)
    assert theory.erlang_b(2, 1.0) == pytest.approx(0.2)
    # M/M/1: P(wait) = ρ, Wq = ρ / (μ − λ).
    assert theory.erlang_c(1, 0.7) == pytest.approx(0.7)
    assert theory.mean_wait(1, 0.7, 1.0) == pytest.approx(0.7 / 0.3)
    # Erlang B from the Poisson distribution: P(N = c) / P(N ≤ c) for N ~ Poisson(a).
    for c, a in [(3, 1.5), (10, 8.0), (20, 19.0)]:
        poisson = scipy_stats.poisson(a)
        assert theory.erlang_b(c, a) == pytest.approx(poisson.pmf(c) / poisson.cdf(c))
    # M/M/c/c is M/M/c/K with K = c.
    assert theory.loss_mmck(5, 5, 4.0) == pytest.approx(theory.erlang_b(5, 4.0))
    with pytest.raises(ValueError, match="load below"):
        theory.erlang_c(2, 2.0)
