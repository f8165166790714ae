"""Queueing theory's answers for the configurations it solves, to check the simulation by.

Textbook formulas (e.g. Gross & Harris, Fundamentals of Queueing Theory, ch. 2):
`a = λ/μ` is the offered load in erlangs, `c` the servers (teams), `ρ = a/c`.
"""

from __future__ import annotations

import math


def erlang_b(c: int, a: float) -> float:
    """M/M/c/c: the probability that an arriving call finds every team busy and is lost.

    By the stable recursion B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1))."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """M/M/c: the probability that an arriving call waits (all teams busy)."""
    if a >= c:
        raise ValueError("Erlang C needs a load below the number of teams (ρ < 1).")
    b = erlang_b(c, a)
    return b / (1 - (a / c) * (1 - b))


def mean_wait(c: int, arrival_rate: float, service_rate: float) -> float:
    """M/M/c: the mean wait in queue, C(c, a) / (cμ − λ)."""
    a = arrival_rate / service_rate
    return erlang_c(c, a) / (c * service_rate - arrival_rate)


def loss_mmck(c: int, k: int, a: float) -> float:
    """M/M/c/K (K ≥ c in the system at most): the probability that an arrival is lost,
    p_K, from the birth–death stationary distribution (by PASTA, what an arrival sees)."""
    if k < c:
        raise ValueError("K counts the teams too: it is at least c.")
    terms = []
    term = 1.0
    for n in range(k + 1):
        if n:
            term *= a / min(n, c)
        terms.append(term)
    return terms[-1] / math.fsum(terms)
