"""DASTDP with synaptic delays: the rule sees a presynaptic spike on its
arrival (see spikesim.engine), with a presynaptic trace set there.

Known answers: the eligibility of a pairing with a delayed presynaptic spike,
by hand; the arrival step with every arrival at the emission is the step of
the rule without delays, bit for bit; both engines, and the lazy updates
against the pass, agree inside networks with per-neuron delays.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from engines import compare_networks

from spikesim import RLNetwork
from spikesim.graph import build_graph
from spikesim.inputs import RateMap
from spikesim.neurons import Neuron
from spikesim.readouts import Threshold
from spikesim.rewards import MatchExpected
from spikesim.synapses import DASTDP
from spikesim.weights import Manual

DA = dict(learning_rate=1.0, a_plus=1.0, a_minus=-1.5, trace_amplitude=0.1, tau_plus=20.0, tau_c=1000.0,
          tau_d=200.0, tonic_da=0.0, update_interval=1000)  # fmt: skip


def one_synapse():
    """Input 0 (presynaptic 0) -> body neuron 0 (presynaptic 1)."""
    graph, w, _ = build_graph(np.array([0]), np.array([0]), np.array([1.0]), np.array([0.0]), np.array([4.0]), 2, 1)
    return graph, w


def arrival_run(emitted, arrivals, steps, **params):
    """Step the arrival kernel: ``emitted`` and ``arrivals`` map a step to the neurons that spike / whose
    spikes the rule sees arrive then. Returns the rule."""
    graph, w = one_synapse()
    rule = DASTDP(**{**DA, **params})
    rule.attach(graph, 1)
    rule.reset()
    p = rule.kernel_params()
    for t in range(steps):
        fired = np.array(emitted.get(t, []), np.int64)
        pre = np.array(arrivals.get(t, []), np.int64)
        spikes, arrived = np.zeros(2, np.bool_), np.zeros(2, np.bool_)
        spikes[fired], arrived[pre] = True, True
        DASTDP.arrival_kernel(p, rule.state, graph, w, spikes, np.resize(fired, 2), fired.size, 1, 0.0, arrived,
                              np.resize(pre, 2), pre.size)  # fmt: skip
    return rule


@pytest.mark.parametrize("delay", [1, 3, 6])
def test_a_delayed_presynaptic_spike_pairs_from_its_arrival(delay):
    """The input spikes at step 0 with delay d (the rule sees it at step d - 1, it reaches the neuron at
    step d); the neuron fires at step 7: LTP a_plus * A * exp(-(7 - d) dt / tau_plus)."""
    rule = arrival_run({0: [0], 7: [1]}, {delay - 1: [0], 7: [1]}, 9)
    assert rule.state.c[0] == pytest.approx(0.1 * math.exp(-(7 - delay) / 20.0), rel=1e-12)


@pytest.mark.parametrize("delay", [2, 5])
def test_a_postsynaptic_spike_before_the_arrival_depresses_at_the_arrival(delay):
    """The neuron fires at step 0 and the input at step 0 with delay d: the spike reaches the neuron at
    step d, where LTD reads the neuron's trace of step d - 1: a_minus * A * exp(-(d - 1) dt / tau_plus)."""
    rule = arrival_run({0: [0, 1]}, {0: [1], delay - 1: [0]}, delay)
    assert rule.state.c[0] == 0.0  # the arrival is seen at step d - 1; the depression comes one step later
    rule = arrival_run({0: [0, 1]}, {0: [1], delay - 1: [0]}, delay + 1)
    assert rule.state.c[0] == pytest.approx(-1.5 * 0.1 * math.exp(-(delay - 1) / 20.0), rel=1e-12)


@pytest.mark.parametrize("lazy", [False, True])
def test_arrivals_at_emission_give_the_step_without_delays(lazy):
    """Every spike seen arriving in its own step (all delays 1): the arrival kernel and reference are the
    kernel and reference, bit for bit, and the presynaptic traces equal the traces."""
    rng = np.random.default_rng(4)
    n_in, n_body = 3, 5
    present = rng.random((n_in + n_body, n_body)) < 0.6
    sources, targets = np.nonzero(present)
    lo, hi, w0 = np.zeros(sources.size), np.full(sources.size, 2.0), rng.uniform(0.0, 2.0, sources.size)
    train = rng.random((300, n_in + n_body)) < 0.1
    rewards = np.where(rng.random(300) < 0.05, rng.choice([-1.0, 2.0], 300), 0.0)
    params = dict(learning_rate=3.0, tonic_da=0.05, update_interval=4, tau_c=30.0, baseline_rate=0.1, lazy_updates=lazy)
    runs = []
    for step, delayed in ((DASTDP.kernel, False), (DASTDP.arrival_kernel, True), (DASTDP.reference, False),
                          (DASTDP.arrival_reference, True)):  # fmt: skip
        graph, w, _ = build_graph(sources, targets, w0, lo, hi, n_in + n_body, n_body)
        rule = DASTDP(**params)
        rule.attach(graph, n_in)
        rule.reset()
        p = rule.kernel_params()
        for t, spikes in enumerate(train):
            fired = np.flatnonzero(spikes)
            extra = (spikes, fired, fired.size) if delayed else ()
            step(p, rule.state, graph, w, spikes, fired, fired.size, n_in, rewards[t], *extra)
        rule.sync(graph, w)
        runs.append((rule.state, w))
    for state, w in runs[1::2]:  # the arrival steps: their presynaptic traces are the traces
        np.testing.assert_array_equal(state.arrival_trace, state.trace)
    for (a, w_a), (b, w_b) in (runs[:2], runs[2:]):
        np.testing.assert_array_equal(w_a, w_b)
        for field in a._fields:
            if field != "arrival_trace":
                np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    assert not np.allclose(runs[0][1], w0)


@pytest.mark.parametrize("seed", [0, 1])
def test_lazy_arrival_kernel_equals_the_pass_on_random_trains(seed):
    """Random spike trains, per-neuron delays of 1-9 steps (the rule sees a spike of neuron j emitted at
    step n at n + d_j - 1), rewards of both signs: the lazy arrival kernel, synced, is the pass."""
    rng = np.random.default_rng(seed)
    n_in, n_body, steps = 3, 6, 500
    n_pre = n_in + n_body
    present = rng.random((n_pre, n_body)) < 0.6
    sources, targets = np.nonzero(present)
    lo, hi = np.zeros(sources.size), np.full(sources.size, 2.0)
    graph, w, _ = build_graph(sources, targets, rng.uniform(0.0, 2.0, sources.size), lo, hi, n_pre, n_body)
    delay = rng.integers(1, 10, n_pre)
    train = rng.random((steps, n_pre)) < 0.1
    seen = np.zeros_like(train)
    for j in range(n_pre):
        seen[delay[j] - 1 :, j] = train[: steps - delay[j] + 1, j]
    rewards = np.where(rng.random(steps) < 0.03, rng.choice([-2.0, 1.0, 3.0], steps), 0.0)
    params = dict(learning_rate=2.0, tonic_da=0.2, update_interval=2, tau_c=30.0, tau_d=15.0)
    rules, weights = [], []
    for lazy in (True, False):
        rule = DASTDP(**params, lazy_updates=lazy)
        rule.attach(graph, n_in)
        rule.reset()
        rules.append(rule)
        weights.append(w.copy())
    for t in range(steps):
        fired, pre = np.flatnonzero(train[t]), np.flatnonzero(seen[t])
        for rule, w_ in zip(rules, weights):
            DASTDP.arrival_kernel(rule.kernel_params(), rule.state, graph, w_, train[t], fired, fired.size, n_in,
                                  rewards[t], seen[t], pre, pre.size)  # fmt: skip
        for j in fired:  # delivered at the next step: up to date now
            row = slice(graph.indptr[j], graph.indptr[j + 1])
            np.testing.assert_allclose(weights[0][row], weights[1][row], rtol=1e-12, atol=1e-14)
    rules[0].sync(graph, weights[0])
    np.testing.assert_allclose(weights[0], weights[1], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(rules[0].state.c, rules[1].state.c, rtol=1e-12, atol=1e-14)
    assert not np.allclose(weights[1], w)


# ---------------------------------------------------------------- inside networks
SHAPE = (4 + 5, 5)


def blocks(rng, shape):
    """4 inputs -> 4 hidden -> 1 output, and the hidden neurons onto each other; input 3 -> hidden 0 frozen."""
    matrix = np.zeros(shape)
    matrix[:4, :4] = rng.uniform(0.5, 2.5, (4, 4))
    matrix[4:8, :4] = rng.uniform(0.0, 0.8, (4, 4)) * (1 - np.eye(4))
    matrix[4:8, 4] = rng.uniform(0.5, 2.5, 4)
    matrix[3, 0] = 1.5
    return np.ma.MaskedArray(matrix, mask=matrix == 0.0)


def xor_target(state):
    return int(state[0]) ^ int(state[1])


#: one delay per presynaptic neuron (its plastic synapses share it): inputs 1-4 steps, hidden 1-6
DELAYS = np.repeat(np.array([1.0, 3.0, 4.0, 2.0, 6.0, 1.0, 5.0, 2.0, 3.0])[:, None], 5, axis=1)


def network(lazy, delays=DELAYS, seed=3):
    lo, hi = np.zeros(SHAPE), np.full(SHAPE, 3.0)
    lo[3, 0] = hi[3, 0] = 1.5
    parts = dict(inputs=RateMap, neurons=Neuron, weights=Manual, synapses=DASTDP, readout=Threshold,
                 rewarder=MatchExpected)  # fmt: skip
    return lambda engine: RLNetwork(
        parts=parts, seed=seed, engine=engine, n_inputs=4, n_neurons=5, n_outputs=1, processing_time=60,
        matrix=blocks, min_weight=lo, max_weight=hi, firing_threshold=1.0, potential_decay=0.2, refractory_period=0,
        prob_rand_fire=0.05, state_rate_map=[0.1, 0.6], action_threshold=0.1, expected_value=xor_target,
        learning_rate=5.0, update_interval=4, tonic_da=0.3, baseline_rate=0.3, lazy_updates=lazy, delay_steps=delays,
    )  # fmt: skip


STATES = [np.array(s) for s in ((0, 1), (1, 1), (1, 0), (0, 0), (1, 1), (0, 1), (1, 0), (0, 0))]
REWARDS = [1.0, -1.0, -2.0, 1.0, 0.0, -1.0, 3.0, -1.0]


@pytest.mark.parametrize("lazy", [False, True])
def test_both_engines_agree_with_delays(lazy):
    numba_net, _ = compare_networks(network(lazy), STATES, REWARDS)
    assert numba_net.delays is not None and numba_net.synapses.state.arrival_trace.any()


def test_lazy_updates_equal_the_pass_with_delays():
    lazy, eager = network(True)("numba"), network(False)("numba")
    for state, r in zip(STATES, REWARDS):
        for net in (lazy, eager):
            net.reward(state, net.tick(state), None, r)
        np.testing.assert_array_equal(lazy.spike_log, eager.spike_log)
        np.testing.assert_allclose(lazy.w, eager.w, rtol=1e-12, atol=1e-14)
    assert not np.allclose(eager.w, network(False)("numba").w)
