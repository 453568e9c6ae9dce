"""STDP's compiled step (with its software prefetches and its rows with shared
bounds) gives the weights and traces of the plain loop bit for bit, serial and
parallel, on random graphs and spike trains: sparse and dense storage, inputs,
frozen synapses, shared and mixed bounds, spikes in any order."""
from __future__ import annotations

import numba as nb
import numpy as np
import pytest

from spikesim.graph import build_graph
from spikesim.synapses import STDP
from spikesim.synapses.base import bounded
from spikesim.synapses.stdp import STDPState, _stdp_parallel, _stdp_serial


@nb.njit
def plain_step(p, s, graph, w, pre_fired, n_pre_fired, fired, n_fired, n_inputs):
    """STDP's step as plain loops: every synapse reads its own bounds."""
    s.x_pre[:] *= p.decay_plus
    s.x_post[:] *= p.decay_minus
    for a in range(n_pre_fired):
        j = pre_fired[a]
        s.x_pre[j] += p.a_plus
        for k in range(graph.indptr[j], graph.indptr[j + 1]):
            b = graph.bound_id[k]
            w[k] = bounded(w[k] + p.learning_rate * s.x_post[graph.targets[k]], graph.bound_lo[b], graph.bound_hi[b])
    for a in range(n_fired):
        if fired[a] >= n_inputs:
            i = fired[a] - n_inputs
            s.x_post[i] += p.a_minus
            for c in range(graph.col_ptr[i], graph.col_ptr[i + 1]):
                k = graph.col_syn[c]
                b = graph.bound_id[k]
                w[k] = bounded(w[k] + p.learning_rate * s.x_pre[graph.col_src[c]], graph.bound_lo[b], graph.bound_hi[b])


def random_network(rng, n_inputs, n_neurons, density, bounds):
    n_pre = n_inputs + n_neurons
    present = rng.random((n_pre, n_neurons)) < density
    sources, targets = np.nonzero(present)
    m = sources.size
    if bounds == "shared":  # all plastic in [0, 1], the last sources' synapses frozen at their weight
        lo, hi = np.zeros(m), np.ones(m)
    else:  # several classes, rows that mix them
        choice = rng.integers(0, 3, m)
        lo, hi = np.array([0.0, -1.0, 0.2])[choice], np.array([1.0, 0.5, 2.0])[choice]
    w0 = lo + (hi - lo) * rng.random(m)
    frozen = sources >= n_pre - 2
    lo, hi = np.where(frozen, w0, lo), np.where(frozen, w0, hi)
    return sources, targets, w0, lo, hi, n_pre


@pytest.mark.parametrize("bounds", ["shared", "mixed"])
@pytest.mark.parametrize("storage", ["sparse", "dense"])
@pytest.mark.parametrize("seed", [0, 1])
def test_stdp_step_matches_the_plain_loop_bit_for_bit(seed, storage, bounds):
    rng = np.random.default_rng(seed)
    n_inputs, n_neurons = 4, 40
    sources, targets, w0, lo, hi, n_pre = random_network(rng, n_inputs, n_neurons, 0.3, bounds)
    graph, w, _ = build_graph(sources, targets, w0, lo, hi, n_pre, n_neurons, storage=storage)
    rule = STDP(learning_rate=0.5, a_plus=0.03, a_minus=-0.035, tau_plus=15.0, tau_minus=25.0)
    rule.attach(graph, n_inputs)
    p = rule.kernel_params()
    weights = {name: w.copy() for name in ("plain", "serial", "parallel")}
    states = {name: STDPState(np.zeros(n_pre), np.zeros(n_neurons)) for name in weights}
    for step in range(80):
        fired = np.flatnonzero(rng.random(n_pre) < 0.25)
        if step % 3 == 0:
            rng.shuffle(fired)  # any order: the result must not depend on it
        pre = np.flatnonzero(rng.random(n_pre) < 0.2)  # arrivals (delays) need not be the spikes
        for name, kernel in (("plain", plain_step), ("serial", _stdp_serial), ("parallel", _stdp_parallel)):
            kernel(p, states[name], graph, weights[name], pre, pre.size, fired, fired.size, n_inputs)
    assert not np.array_equal(weights["plain"], w)  # the weights moved
    for name in ("serial", "parallel"):
        assert weights[name].tobytes() == weights["plain"].tobytes(), name
        assert states[name].x_pre.tobytes() == states["plain"].x_pre.tobytes(), name
        assert states[name].x_post.tobytes() == states["plain"].x_post.tobytes(), name
