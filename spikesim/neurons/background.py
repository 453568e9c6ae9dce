"""External Poisson background input of leaky neurons.

Each neuron has ``background_sources`` independent external sources, each
firing in a step with probability ``background_rate``; every event adds
``background_mv`` to the neuron's input. So the background input of a
neuron in a step is ``background_mv * k``, ``k ~ Binomial(background_sources,
background_rate)``, drawn anew for every neuron and step (for example 100
Poisson sources of 21 Hz at dt = 1 ms: 100 sources, rate 0.021).

``k`` is drawn with Walker's alias method from one uniform number per
neuron and step: with a table of ``K`` entries, ``x = U[0, 1) * K``,
``j = floor(x)``, ``k = j`` if ``x - j < prob[j]`` else ``alias[j]``. The
table holds the binomial distribution up to the count above which the
remaining probability is below 1e-17 (below what a double resolves).
"""
from __future__ import annotations

from math import comb

import numba as nb
import numpy as np

from spikesim.params import Param

BACKGROUND_SOURCES = Param("background_sources", "int", 0, "external Poisson sources per neuron (0: no background input)", "[0, inf)")
BACKGROUND_RATE = Param("background_rate", "float", 0.0, "probability that an external source fires in a step", "[0, 1]")
BACKGROUND_MV = Param("background_mv", "float", 0.0, "potential (mV) one external event adds")
BACKGROUND = (BACKGROUND_SOURCES, BACKGROUND_RATE, BACKGROUND_MV)


def binomial_pmf(n: int, p: float, tail: float = 1e-17) -> np.ndarray:
    """``P(k)`` of Binomial(n, p) for ``k = 0..K-1``, cut where the rest of
    the mass is below ``tail``, renormalised. Past the mode the terms fall
    faster than a geometric series of ratio ``r_k = (n - k) p / ((k + 1)(1 - p))``,
    so the rest after ``P(k)`` is below ``P(k) r_k / (1 - r_k)``."""
    pmf = []
    for k in range(n + 1):
        pk = comb(n, k) * p**k * (1.0 - p) ** (n - k)
        pmf.append(pk)
        ratio = (n - k) * p / ((k + 1) * (1.0 - p)) if p < 1.0 else 1.0
        if k >= n * p and ratio < 1.0 and pk * ratio / (1.0 - ratio) < tail:
            break
    pmf = np.array(pmf)
    return pmf / pmf.sum()


def alias_table(pmf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker's alias table ``(prob, alias)`` of a distribution over ``0..K-1``."""
    k = len(pmf)
    scaled = np.asarray(pmf, dtype=np.float64) * k
    prob = np.ones(k)
    alias = np.arange(k, dtype=np.int64)
    small = [i for i in range(k) if scaled[i] < 1.0]
    large = [i for i in range(k) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s], alias[s] = scaled[s], g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    return prob, alias


def background_table(part) -> tuple[np.ndarray, np.ndarray, float]:
    """``(prob, alias, mv)`` for a part's background parameters, the alias
    counts as floats (whole numbers); a table of one entry (always 0
    events) when there is no background."""
    if part.background_sources == 0 or part.background_rate == 0.0 or part.background_mv == 0.0:
        return np.ones(1), np.zeros(1), 0.0
    prob, alias = alias_table(binomial_pmf(part.background_sources, part.background_rate))
    return prob, alias.astype(np.float64), float(part.background_mv)


@nb.njit
def add_background(rng, prob, alias, mv, current):
    """``current[i] += mv * k_i`` with ``k_i`` drawn from the alias table, one
    uniform draw per neuron in index order (nothing when ``mv == 0``)."""
    if mv == 0.0:
        return
    draws = rng.random(current.size)  # one block: faster than a draw per neuron, the same numbers
    _add_counts_serial(draws, prob, alias, mv, current)


@nb.njit
def add_background_parallel(rng, prob, alias, mv, current):
    """:func:`add_background` on Numba's threads: the block of draws comes
    from ``rng`` serially (the same stream for any number of threads), the
    events are added in parallel; the same ``current`` bit for bit."""
    if mv == 0.0:
        return
    draws = rng.random(current.size)
    _add_counts_parallel(draws, prob, alias, mv, current)


def _add_counts(draws, prob, alias, mv, current):
    """``current[i] += mv * k_i``, ``k_i`` the alias-table count of uniform ``draws[i]``."""
    size = prob.size
    for i in nb.prange(current.size):
        x = draws[i] * size
        j = min(int(x), size - 1)
        column, other = float(j), alias[j]  # both read, then one chosen: the loop vectorises (half the time)
        k = other if x - column >= prob[j] else column
        current[i] += mv * k


_add_counts_serial = nb.njit(_add_counts)  # prange is range
_add_counts_parallel = nb.njit(parallel=True)(_add_counts)


def add_background_reference(rng, prob, alias, mv, current):
    """:func:`add_background` in NumPy."""
    if mv == 0.0:
        return
    x = rng.random(current.size) * prob.size
    j = np.minimum(x.astype(np.int64), prob.size - 1)
    k = np.where(x - j < prob[j], j, alias[j])
    current += mv * k
