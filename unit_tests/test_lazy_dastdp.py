"""DASTDP's lazy weight updates (``lazy_updates=True``) against the pass.

The pass (every ``update_interval`` steps, over all synapses) defines the
rule; the lazy kernel brings a weight up to date in closed form when it is
touched or read. Known answers: a hand loop of one synapse whose modulation
changes sign while it sits at a bound, and the pass itself step by step
over random graphs, spike trains and rewards (negative ones with a baseline,
so ``tonic_da + d`` changes sign). Tolerance: 1e-12 relative (the closed
form sums in another order than the pass; see the DASTDP docstring).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from engines import compare_networks

from spikesim import ConfigError, RLNetwork
from spikesim.experiments.izhikevich import DistalReward
from spikesim.graph import build_graph
from spikesim.inputs import RateMap
from spikesim.neurons import Neuron
from spikesim.readouts import Threshold
from spikesim.rewards import MatchExpected
from spikesim.synapses import DASTDP
from spikesim.synapses.dastdp import MAX_EPOCH, epoch_length
from spikesim.weights import Manual

TOL = dict(rtol=1e-12, atol=1e-14)


def random_case(seed, n_inputs=4, n_neurons=6, steps=400, rate=0.08):
    """A random recurrent graph with bounds [0, 1], a signed row [-1, 0], a
    row of mixed bounds and a frozen synapse; a spike train; step rewards,
    mostly 0, of both signs."""
    rng = np.random.default_rng(seed)
    n_pre = n_inputs + n_neurons
    present = rng.random((n_pre, n_neurons)) < 0.6
    present[0, 0] = present[1, :] = True
    lo, hi = np.zeros((n_pre, n_neurons)), np.ones((n_pre, n_neurons))
    lo[1], hi[1] = -1.0, 0.0
    hi[2, : n_neurons // 2] = 2.0  # row 2: two bound classes
    w0 = rng.uniform(lo, hi)
    lo[0, 0] = hi[0, 0] = w0[0, 0] = 0.7  # frozen
    sources, targets = np.nonzero(present)
    graph, w, _ = build_graph(sources, targets, w0[sources, targets], lo[sources, targets], hi[sources, targets],
                              n_pre, n_neurons)  # fmt: skip
    train = rng.random((steps, n_pre)) < rate
    train[steps // 3 : steps // 3 + 150] = False  # a silent stretch: epochs fill up without a touch
    rewards = np.where(rng.random(steps) < 0.03, rng.choice([-2.0, -1.0, 1.0, 3.0], size=steps), 0.0)
    return graph, w, train, rewards, n_inputs


def rule_of(graph, n_inputs, **params):
    rule = DASTDP(**params)
    rule.attach(graph, n_inputs)
    rule.reset()
    return rule


PARAMS = [
    dict(learning_rate=2.0, tonic_da=0.1, update_interval=3, tau_c=40.0, tau_d=20.0, baseline_rate=0.2),
    dict(learning_rate=5.0, tonic_da=0.4, update_interval=1, tau_c=8.0, tau_d=30.0),  # epochs of 5 updates
    dict(learning_rate=1.0, tonic_da=0.002, update_interval=10, tau_c=995.0, tau_d=199.5, a_minus=-1.5),
]


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lazy_kernel_equals_the_pass_on_random_trains(seed, params):
    """Step by step: the rows of the neurons that fired are up to date (the
    engine delivers their spikes at the next step with these weights), and
    at random steps and at the end, after ``sync``, every weight and
    eligibility is the pass's."""
    graph, w, train, rewards, n_in = random_case(seed)
    lazy_w, pass_w = w.copy(), w.copy()
    lazy, eager = rule_of(graph, n_in, lazy_updates=True, **params), rule_of(graph, n_in, **params)
    p_lazy, p_eager = lazy.kernel_params(), eager.kernel_params()
    reads = set(np.random.default_rng(seed).choice(len(train), 15, replace=False).tolist())
    tick_rewards = {50: -3.0, 200: 1.0}
    signs, epochs_ended = set(), 0
    for t, spikes in enumerate(train):
        fired = np.flatnonzero(spikes)
        before = lazy.state.n_updates[0]
        DASTDP.kernel(p_lazy, lazy.state, graph, lazy_w, spikes, fired, fired.size, n_in, rewards[t])
        DASTDP.kernel(p_eager, eager.state, graph, pass_w, spikes, fired, fired.size, n_in, rewards[t])
        signs.add(np.sign(params["tonic_da"] + eager.state.d[0]))
        if lazy.state.clock[0] % params["update_interval"] == 0 and 0 < lazy.state.n_updates[0] <= before:
            epochs_ended += 1  # a full epoch or a sign change: all caught up, then this update
        for j in fired:  # delivered at the next step: up to date now
            row = slice(graph.indptr[j], graph.indptr[j + 1])
            np.testing.assert_allclose(lazy_w[row], pass_w[row], **TOL, err_msg=f"row {j} at step {t}")
        if t in tick_rewards:
            DASTDP.reward_kernel(p_lazy, lazy.state, graph, lazy_w, tick_rewards[t])
            DASTDP.reward_kernel(p_eager, eager.state, graph, pass_w, tick_rewards[t])
        if t in reads or t == len(train) - 1:
            lazy.sync(graph, lazy_w)
            assert lazy.state.n_updates[0] == 0
            np.testing.assert_allclose(lazy_w, pass_w, **TOL, err_msg=f"weights at step {t}")
            np.testing.assert_allclose(lazy.state.c, eager.state.c, **TOL, err_msg=f"eligibilities at step {t}")
            np.testing.assert_array_equal(lazy.state.d, eager.state.d)
    assert signs == {-1.0, 1.0}  # the modulation changed sign
    if len(train) // params["update_interval"] > 2 * p_lazy.epoch:
        assert epochs_ended > 0  # epochs filled up
    assert (pass_w == graph.hi).any() and (pass_w == graph.lo).any()  # weights were clipped at both bounds
    assert not np.allclose(pass_w, w)


def test_a_sign_change_at_a_bound_is_exact():
    """One synapse (input -> neuron) at 3.9 in [0, 4], eligibility 0.1 from
    one pairing, an update at every step. Positive modulation drives it to
    4 (clipped), a reward of -10 at step 5 makes ``tonic_da + d`` negative
    (the weight falls), and as ``d`` decays it turns positive again. The
    plain loop of the pass gives the answer; one closed form over the whole
    run (clipping once) would be wrong by more than 0.1."""
    graph, w, _ = build_graph(np.array([0]), np.array([0]), np.array([3.9]), np.array([0.0]), np.array([4.0]), 2, 1)
    params = dict(learning_rate=1.0, tonic_da=1.0, update_interval=1, tau_c=20.0, tau_d=10.0, dopamine_pulse=0.5)
    rule = rule_of(graph, 1, lazy_updates=True, **params)
    p = rule.kernel_params()
    decay_c, decay_d = math.exp(-1 / 20), math.exp(-1 / 10)
    expected, c, d, moves = 3.9, 0.0, 0.0, []
    for t in range(40):
        spikes = np.array([t == 0, t == 1])
        fired = np.flatnonzero(spikes)
        r = -10.0 if t == 5 else 0.0
        DASTDP.kernel(p, rule.state, graph, w, spikes, fired, fired.size, 1, r)
        c += 0.1 if t == 1 else 0.0  # LTP at step 1: a_plus * trace_amplitude
        d = d * decay_d + 0.5 * r
        moves.append((1.0 + d) * c)
        expected = min(max(expected + (1.0 + d) * c, 0.0), 4.0)
        c *= decay_c
    rule.sync(graph, w)
    assert w[0] == pytest.approx(expected, rel=1e-12)
    assert rule.state.c[0] == pytest.approx(c, rel=1e-12)
    assert min(moves) < 0.0 < max(moves) and 0.0 < expected < 3.5
    assert abs(min(max(3.9 + sum(moves), 0.0), 4.0) - expected) > 0.1


def test_epoch_length():
    assert epoch_length(0.99) == 275  # 0.99 ** 275 >= 1/16 > 0.99 ** 276
    assert 0.99**275 >= 1 / 16 > 0.99**276
    assert epoch_length(0.5) == 4
    assert epoch_length(1e-30) == 1
    assert epoch_length(1.0) == epoch_length(1.0 - 1e-12) == MAX_EPOCH


# ---------------------------------------------------------------- inside networks
SHAPE = (4 + 5, 5)


def blocks(rng, shape):
    """4 inputs -> 4 hidden -> 1 output; input 3 -> hidden 0 frozen at 1.5."""
    first = rng.uniform(0.5, 2.5, (4, 4))
    first[3, 0] = 1.5
    return [first, rng.uniform(0.5, 2.5, (4, 1))]


def xor_target(state):
    return int(state[0]) ^ int(state[1])


def network(lazy, seed=3, **keys):
    lo, hi = np.zeros(SHAPE), np.full(SHAPE, 3.0)
    lo[3, 0] = hi[3, 0] = 1.5  # frozen
    parts = dict(inputs=RateMap, neurons=Neuron, weights=Manual, synapses=DASTDP, readout=Threshold,
                 rewarder=MatchExpected)  # fmt: skip
    return lambda engine: RLNetwork(
        parts=parts, seed=seed, engine=engine, n_inputs=4, n_neurons=5, n_outputs=1, processing_time=60,
        matrix=blocks, min_weight=lo, max_weight=hi, firing_threshold=1.0, potential_decay=0.2,
        refractory_period=0, prob_rand_fire=0.05, state_rate_map=[0.1, 0.6], action_threshold=0.1,
        expected_value=xor_target, learning_rate=5.0, update_interval=4, tonic_da=0.3, baseline_rate=0.3,
        lazy_updates=lazy, **keys,
    )  # fmt: skip


STATES = [np.array(s) for s in ((0, 1), (1, 1), (1, 0), (0, 0), (1, 1), (0, 1), (1, 0), (0, 0))]
REWARDS = [1.0, -1.0, -2.0, 1.0, 0.0, -1.0, 3.0, -1.0]


def test_both_engines_agree_with_lazy_updates():
    """The compiled kernel runs lazily, the NumPy reference the pass: the same spikes, weights and state
    after every tick (the network syncs after each)."""
    numba_net, numpy_net = compare_networks(network(True), STATES, REWARDS)
    assert numba_net.synapses.state.n_updates[0] == 0


def test_lazy_network_equals_the_pass_and_saves_mid_run(tmp_path):
    """Ticks, rewards (of both signs), a weight matrix read, a save and load between ticks: the lazy network
    is the pass network, and the loaded one goes on identically."""
    lazy, eager = network(True)("numba"), network(False)("numba")
    for t, state in enumerate(STATES):
        for net in (lazy, eager):
            net.tick(state)
            net.reward(state, None, None, REWARDS[t])
        np.testing.assert_array_equal(lazy.spike_log, eager.spike_log)
        np.testing.assert_allclose(lazy.matrix, eager.matrix, **TOL)
        if t == 3:
            lazy.save(tmp_path / "lazy")
            lazy = RLNetwork.load(tmp_path / "lazy", allow=("test_lazy_dastdp",))
    np.testing.assert_allclose(lazy.synapses.state.c, eager.synapses.state.c, **TOL)
    assert not np.allclose(lazy.w, network(True)("numba").w)


def test_distal_reward_network_lazy_equals_the_pass():
    """Izhikevich's network (1000 neurons, 100,000 synapses) with the rewarded pairing, 4 simulated
    seconds with a reward 1-300 ms after each spike of n2 within a second after one of n1: the same spikes and weights to 1e-12."""
    keys = dict(reward_lag=(1, 1000), reward_delay=(1, 300))
    lazy, eager = DistalReward(seed=1, lazy_updates=True, **keys), DistalReward(seed=1, **keys)
    state = np.zeros(1, dtype=np.int8)
    for _ in range(4):
        for net in (lazy, eager):
            net.tick(state)
        np.testing.assert_array_equal(lazy.spike_log, eager.spike_log)
    assert lazy.rewards_delivered > 0
    np.testing.assert_allclose(lazy.w, eager.w, **TOL)
    assert not np.array_equal(eager.w, DistalReward(seed=1, **keys).w)


def test_bad_lazy_state_is_named():
    graph, w, _ = build_graph(np.array([0]), np.array([0]), np.array([1.0]), np.array([0.0]), np.array([4.0]), 2, 1)
    rule = rule_of(graph, 1, lazy_updates=True)
    assert rule.state_error() is None
    rule.state.n_updates[0] = MAX_EPOCH + 1
    assert "n_updates" in rule.state_error()
    with pytest.raises(ConfigError, match="lazy_updates"):
        DASTDP(lazy_updates="yes")
