"""Synaptic delays: when a spike arrives (by hand), what plasticity sees, the engines agree with delays, and
the default one-step delay is the engine of before."""
from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
from engines import compare_networks, compare_steps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spikesim import ActiveRLNetwork, ConfigError, Network, RLNetwork, every_step_reward
from spikesim import engine as engine_module
from spikesim.games import Logic
from spikesim.graph import build_graph
from spikesim.inputs import RateMap, StaticMap
from spikesim.neurons import LIF, ConductanceLIF, DeltaLIF, Neuron
from spikesim.readouts import Threshold, TopAction
from spikesim.rewards import Function, MatchExpected
from spikesim.synapses import MSTDP, MSTDPET, RLSTDP, STDP, MultiplicativeSTDP, Static
from spikesim.weights import Bernoulli, Manual, Random

STATES = [np.array(s, dtype=np.int8) for s in ((0, 0), (0, 1), (1, 0), (1, 1))]
KICK, QUIET = 0, 1  # StaticMap states: every input spikes once / no input spike


def chain(delays, engine="numba", synapses=Static, matrix=None, n=None, **keys) -> Network:
    """Inputs ``j`` -> body neuron ``j`` (weight 1 unless ``matrix``), DeltaLIF at rest 0 that never fires,
    one step per tick: the potential after each tick shows what arrived at that step."""
    n = n or (len(delays) if np.ndim(delays) == 1 else 3)
    spikes = {KICK: np.ones(n), QUIET: np.zeros(n)}
    return Network(
        parts={"inputs": StaticMap, "neurons": DeltaLIF, "weights": Manual, "synapses": synapses, "readout": Threshold},
        engine=engine, n_inputs=n, n_neurons=n, n_outputs=1, processing_time=1, state_spike_map=spikes,
        matrix=np.vstack([np.eye(n), np.zeros((n, n))]) if matrix is None else matrix, max_weight=2.0,
        delay_steps=np.asarray(delays, float) if np.ndim(delays) == 1 else delays, resting_mv=0.0, reset_mv=0.0,
        firing_threshold=100.0, dt=0.1, refractory_ms=0.1, seed=0, **keys,
    )  # fmt: skip


def potentials(net: Network, steps: int) -> np.ndarray:
    trace = []
    for t in range(steps):
        net.tick(KICK if t == 0 else QUIET)
        trace.append(net.neurons.state.v.copy())
    return np.array(trace)


# ---------------------------------------------------------------------------------------------- arrival by hand
@pytest.mark.parametrize("engine", ["numba", "numpy"])
@pytest.mark.parametrize("delays", [[1, 2, 3], [5, 1, 15], [4, 4, 4]], ids=str)
def test_a_spike_arrives_after_its_delay(engine, delays):
    # input j spikes at step 0; with delay d the DeltaLIF adds it after the threshold test of step d, so
    # v_j is 0 through step d - 1, 1 at step d, then decays by 1 - dt/tau_m = 0.995 per step
    v = potentials(chain(delays, engine), 20)
    for j, d in enumerate(delays):
        expected = np.array([0.0 if t < d else 0.995 ** (t - d) for t in range(20)])
        np.testing.assert_allclose(v[:, j], expected, rtol=1e-12, err_msg=f"delay {d}")


def test_per_synapse_delays_from_a_matrix_and_per_synapse_array():
    # input 0 -> body 0 (delay 2) and body 1 (delay 6): one row, two delays
    matrix = np.zeros((4, 2))
    matrix[0] = 1.0
    delays = np.ones((4, 2))
    delays[0] = [2, 6]
    for given_delays in (delays, np.array([2.0, 6.0])):  # the matrix, or one per synapse (sources then targets)
        net = chain(given_delays, matrix=matrix, n=2)
        assert net.delays.row_delay[0] == -1  # the row holds two delays
        v = potentials(net, 10)
        assert np.flatnonzero(v[:, 0])[0] == 2 and np.flatnonzero(v[:, 1])[0] == 6


def test_a_delay_of_one_step_is_the_default_and_builds_no_machinery():
    assert chain([1, 1, 1]).delays is None and chain(1).delays is None
    assert "pending" not in engine_module.tick_source(1) and "pending" not in engine_module.tick_source(2)
    assert "pending" in engine_module.tick_source(1, delays=True)


def test_reset_drops_the_deliveries_in_flight():
    net = chain([6, 6, 6])
    potentials(net, 3)
    net.reset()
    for _ in range(10):
        net.tick(QUIET)
        assert not net.neurons.state.v.any()


def test_deliveries_cross_ticks():
    # a spike of the last step of a tick arrives in the next tick, as with the one-step delay
    v = potentials(chain([3, 7, 12]), 15)
    assert [int(np.flatnonzero(v[:, j])[0]) for j in range(3)] == [3, 7, 12]


# ---------------------------------------------------------------------------------------------- what the rules see
def learning_chain(synapses, matrix, frozen, delays, engine, network=Network, **keys) -> Network:
    """Inputs and body neurons wired by ``matrix`` (presynaptic rows: inputs, then body neurons), with ``delays``
    (a matrix alike); the synapses of ``frozen`` (bool, alike) cannot move, the others stay in [0, 2]. DeltaLIF
    neurons at rest 0 with threshold 1 that fire at most once (refractory 10 ms, dt 0.1 ms); one step per tick,
    every input spiking at step 0 (``KICK``, then ``QUIET``)."""
    n_post = matrix.shape[1]
    n_inputs = matrix.shape[0] - n_post
    lo, hi = np.zeros(matrix.shape), np.full(matrix.shape, 2.0)
    lo[frozen] = hi[frozen] = matrix[frozen]
    parts = {"inputs": StaticMap, "neurons": DeltaLIF, "weights": Manual, "synapses": synapses, "readout": Threshold}
    if network is ActiveRLNetwork:  # a reward of 1 at every step
        parts["rewarder"] = Function
        keys.update(reward_function=lambda state, action, state_next: 1.0, continuous_rwd_action=every_step_reward)
    return network(
        parts=parts, engine=engine, n_inputs=n_inputs, n_neurons=n_post, n_outputs=1, processing_time=1,
        state_spike_map={KICK: np.ones(n_inputs), QUIET: np.zeros(n_inputs)}, matrix=matrix, min_weight=lo,
        max_weight=hi, delay_steps=delays, storage="sparse", resting_mv=0.0, reset_mv=0.0, firing_threshold=1.0,
        dt=0.1, refractory_ms=10.0, seed=0, **keys,
    )  # fmt: skip


def pair(synapses, delay, engine, network=Network, **keys) -> Network:
    """Input 0 -> body neuron 0 plastic (weight 0.1: never makes it fire, delay ``delay``); input 1 -> body 0
    frozen (weight 2, delay 1): both inputs spike at step 0, input 1 arrives at step 1 and the DeltaLIF fires at
    step 2 (the input is added after the threshold test). The rule sees input 0's spike at step ``delay - 1``
    (the step before it arrives) and the body spike at step 2."""
    matrix = np.array([[0.1], [2.0], [0.0]])
    frozen = np.array([[False], [True], [False]])
    return learning_chain(synapses, matrix, frozen, np.array([[delay], [1.0], [1.0]]), engine, network, **keys)


def run_pair(net, ticks=20, reward=None):
    """Tick ``net`` (KICK, then QUIET), rewarding ``reward`` after each tick if given: the steps body neuron 0
    fired at and the weights after each tick."""
    fired, weights = [], []
    for t in range(ticks):
        state = KICK if t == 0 else QUIET
        action = net.tick(state)
        if reward is not None:
            net.reward(state, action, None, reward)
        if net.spike_log[0, net.n_inputs]:
            fired.append(t)
        weights.append(net.w.copy())
    return fired, np.array(weights)


@pytest.mark.parametrize("engine", ["numba", "numpy"])
@pytest.mark.parametrize("delay", [1, 3, 8, 12])
def test_stdp_pairs_the_presynaptic_arrival_with_the_postsynaptic_spike(engine, delay):
    rate, a_plus, a_minus, tau = 0.5, 0.01, -0.012, 2.0
    net = pair(STDP, delay, engine, learning_rate=rate, a_plus=a_plus, a_minus=a_minus, tau_plus=tau, tau_minus=tau)
    fired, _ = run_pair(net)
    assert fired == [2]
    seen, post, dt = delay - 1, 2, 0.1
    if seen < post:  # pre before post: potentiation read from the decayed presynaptic trace
        change = rate * a_plus * math.exp(-(post - seen) * dt / tau)
    else:  # post before (or with) pre... the same step counts as pre first; after: depression
        change = rate * a_minus * math.exp(-(seen - post) * dt / tau) if seen > post else rate * a_plus
    assert net.w[0] == pytest.approx(0.1 + change, rel=1e-12)


@pytest.mark.parametrize("engine", ["numba", "numpy"])
@pytest.mark.parametrize("network", [RLNetwork, ActiveRLNetwork], ids=["tick-reward", "step-reward"])
@pytest.mark.parametrize("delay", [1, 2, 3, 4, 8])
def test_mstdp_pairs_the_presynaptic_arrival_with_the_postsynaptic_spike(engine, network, delay):
    # a reward of 1 at every step: given once per tick (a tick is one step: the tick's last step), or at every
    # step by an ActiveRLNetwork. MSTDP's zeta_ij = P+_j f_i + P-_i f_j is 0 but at a step with an event: at
    # the arrival (step s = delay - 1) it is P-_0 (nonzero if the body spiked at 2 <= s), at the body spike
    # (step 2) P+_0 (nonzero if input 0 arrived at s <= 2); both at once when s = 2.
    rate, a_plus, a_minus, tau_plus, tau_minus, dt = 0.05, 1.0, -0.6, 2.0, 3.0, 0.1
    net = pair(MSTDP, delay, engine, network, learning_rate=rate, a_plus=a_plus, a_minus=a_minus,
               tau_plus=tau_plus, tau_minus=tau_minus)  # fmt: skip
    fired, weights = run_pair(net, reward=1.0 if network is RLNetwork else None)
    assert fired == [2]
    seen, post = delay - 1, 2
    if seen < post:
        change = rate * a_plus * math.exp(-(post - seen) * dt / tau_plus)
    elif seen > post:
        change = rate * a_minus * math.exp(-(seen - post) * dt / tau_minus)
    else:
        change = rate * (a_plus + a_minus)
    moved = max(seen, post)  # the weight moves once, at the later of the two events
    np.testing.assert_array_equal(weights[:moved, 0], 0.1)
    np.testing.assert_allclose(weights[moved:, 0], 0.1 + change, rtol=1e-12)
    assert (weights[:, 1] == 2.0).all()  # frozen


@pytest.mark.parametrize("engine", ["numba", "numpy"])
@pytest.mark.parametrize("delay", [1, 2, 3, 6, 7])
def test_rlstdp_windows_count_arrivals_before_post_spikes_and_post_spikes_before_arrivals(engine, delay):
    # inputs 0, 1, 2 and body neurons 0, 1: input 0 -> body 0 (0.1) and body 0 -> body 1 (0.5) plastic, both of
    # delay ``delay``; inputs 1 -> body 0 and 2 -> body 1 frozen (2.0, delay 1): both body neurons fire at step 2.
    # Body 1 -> body 0 (0.1, delay 9) is plastic too: body 1's spike arrives at step 10, long after it was emitted.
    # trace_decay 0 and one reward of 1 after tick 0: trace = 1 from step 1 on. W = 5.
    # - input 0 -> body 0 is potentiated when body 0 fires (step 2) by input 0's arrival (step delay - 1) in the
    #   window: a = 3 - delay steps before, weight (W + 1 - a) / W if 1 <= a <= W;
    # - body 0 -> body 1 is depressed when body 0's spike arrives (step delay + 1) by body 1's spike (step 2)
    #   in the window: a = delay - 1 steps before, (W + 1 - a) / W if 1 <= a <= W; its potentiation when body 1
    #   fires finds no arrival of body 0 before step 2 (the same step is not in the window);
    # - body 1 -> body 0 never moves: no arrival of body 1 before step 2, no spike of body 0 in the W steps
    #   before step 10.
    rate, window = 0.05, 5
    matrix = np.zeros((5, 2))
    matrix[0, 0], matrix[1, 0], matrix[2, 1], matrix[3, 1], matrix[4, 0] = 0.1, 2.0, 2.0, 0.5, 0.1
    frozen = np.zeros((5, 2), bool)
    frozen[1, 0] = frozen[2, 1] = True
    delays = np.ones((5, 2))
    delays[0], delays[3], delays[4] = delay, delay, 9
    net = learning_chain(RLSTDP, matrix, frozen, delays, engine, RLNetwork, learning_rate=rate,
                         stdp_window=window, trace_decay=0.0)  # fmt: skip
    weights = []
    for t in range(15):
        state = KICK if t == 0 else QUIET
        action = net.tick(state)
        net.reward(state, action, None, 1.0 if t == 0 else 0.0)
        assert net.spike_log[0, 3:].tolist() == ([True, True] if t == 2 else [False, False])
        weights.append(net.w.copy())
    weights = np.array(weights)
    k_in, k_body, k_back = (np.flatnonzero((net.graph.sources == j) & (net.graph.targets == i))[0]
                            for j, i in ((0, 0), (3, 1), (4, 0)))  # fmt: skip

    def change(a):
        return rate * (window + 1 - a) / window if 1 <= a <= window else 0.0

    potentiation, depression = change(3 - delay), -change(delay - 1)
    assert (potentiation != 0.0) == (delay <= 2) and (depression != 0.0) == (2 <= delay <= 6)
    np.testing.assert_array_equal(weights[:2, k_in], 0.1)
    np.testing.assert_allclose(weights[2:, k_in], 0.1 + potentiation, rtol=1e-12)
    np.testing.assert_array_equal(weights[: delay + 1, k_body], 0.5)
    np.testing.assert_allclose(weights[delay + 1 :, k_body], 0.5 + depression, rtol=1e-12)
    np.testing.assert_array_equal(weights[:, k_back], 0.1)


def test_plastic_synapses_of_a_neuron_must_share_their_delay():
    matrix = np.vstack([np.ones((1, 2)), np.zeros((3, 2))])
    delays = np.ones((4, 2))
    delays[0] = [2, 3]
    with pytest.raises(ConfigError, match=r"'delay_steps'.*presynaptic neuron 0.*2 and 3"):
        chain(delays, synapses=STDP, matrix=matrix, n=2)
    chain(delays, synapses=Static, matrix=matrix, n=2)  # static synapses: any delays


# ---------------------------------------------------------------------------------------------- bad keys
@pytest.mark.parametrize(
    "delays, message",
    [
        (0, r"'delay_steps' expects"),
        (70000, r"'delay_steps' expects"),
        (2.5, r"'delay_steps' expects whole numbers"),
        (np.ones((2, 2)), r"'delay_steps' expects a whole number, a matrix of shape \(6, 3\)"),
        (np.array([1.0, 0.0, 2.0]), r"'delay_steps' expects"),
    ],
)
def test_bad_delays_are_refused_by_name(delays, message):
    with pytest.raises(ConfigError, match=message):
        chain(delays)


class Undelayed(MSTDP):
    """A rule without a step for delays (no ``arrival_kernel``)."""

    arrival_kernel = None
    arrival_reference = None


def test_rules_without_delays_say_so():
    with pytest.raises(ConfigError, match=r"'delay_steps'.*Undelayed do not support"):
        RLNetwork(parts={"inputs": RateMap, "neurons": LIF, "weights": Random, "synapses": Undelayed,
                         "readout": TopAction}, n_inputs=2, n_neurons=3, n_outputs=1, processing_time=2,
                  state_rate_map=[0.0, 1.0], delay_steps=3, seed=0)  # fmt: skip


# ---------------------------------------------------------------------------------------------- engines agree
NEURONS = {
    LIF: {"firing_threshold": -66.0, "refractory_period": 1},
    Neuron: {"firing_threshold": 1.0, "potential_decay": 0.2, "refractory_period": 1, "prob_rand_fire": 0.05},
    DeltaLIF: {"dt": 0.1, "refractory_ms": 0.5, "resting_mv": 0.0, "reset_mv": 0.0, "firing_threshold": 5.0,
               "background_sources": 100, "background_rate": 0.02, "background_mv": 0.5},
    ConductanceLIF: {"dt": 0.1, "refractory_ms": 1.0, "resting_mv": -60.0, "reset_mv": -60.0,
                     "firing_threshold": -50.0, "bias": 8.0},
}  # fmt: skip


def delay_keys(draw, n_pre, n_post, per_neuron):
    kind = draw(st.sampled_from(["int", "matrix"]))
    if kind == "int":
        return draw(st.integers(1, 20))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    if per_neuron:  # plastic rules: one delay per presynaptic neuron
        return np.repeat(rng.integers(1, 12, size=(n_pre, 1)), n_post, axis=1).astype(float)
    return rng.integers(1, 12, size=(n_pre, n_post)).astype(float)


@pytest.mark.parametrize("neurons", list(NEURONS), ids=lambda c: c.__name__)
@pytest.mark.parametrize("synapses", [Static, STDP], ids=lambda c: c.__name__)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(data=st.data())
def test_both_engines_agree_with_random_delays(neurons, synapses, data):
    draw = data.draw
    n_inputs, n_neurons = 2 * draw(st.integers(1, 3)), draw(st.integers(2, 12))
    delays = delay_keys(draw, n_inputs + n_neurons, n_neurons, synapses is not Static)
    keys = {
        "n_inputs": n_inputs, "n_neurons": n_neurons, "n_outputs": 1, "processing_time": draw(st.integers(1, 60)),
        "state_rate_map": [draw(st.floats(0.0, 0.2)), draw(st.floats(0.3, 1.0))],
        "input_pct_inhibitory": draw(st.sampled_from([0.0, 0.5])),
        "neuron_pct_inhibitory": draw(st.sampled_from([0.0, 0.25])),
        "connection_probability": draw(st.floats(0.3, 1.0)), "max_weight": 3.0 if neurons is Neuron else 15.0,
        "storage": draw(st.sampled_from(["dense", "sparse"])), "seed": draw(st.integers(0, 2**32 - 1)),
        "delay_steps": delays, **NEURONS[neurons], **({"learning_rate": 0.5} if synapses is STDP else {}),
    }  # fmt: skip
    ticks = draw(st.lists(st.integers(0, 3), min_size=2, max_size=5))

    def make(engine):
        return Network(parts={"inputs": RateMap, "neurons": neurons, "weights": Random, "synapses": synapses,
                              "readout": TopAction}, game=Logic(preset="XOR"), engine=engine, **keys)  # fmt: skip

    a, b = compare_networks(make, [STATES[i] for i in ticks], fires=False, learns=False)
    for x, y in zip(a.neurons.state, b.neurons.state):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("neurons", list(NEURONS), ids=lambda c: c.__name__)
@pytest.mark.parametrize("synapses", [Static, STDP, MultiplicativeSTDP], ids=lambda c: c.__name__)
def test_both_engines_agree_while_firing_and_learning_with_delays(neurons, synapses):
    def make(engine):
        return Network(
            parts={"inputs": RateMap, "neurons": neurons, "weights": Bernoulli, "synapses": synapses,
                   "readout": TopAction},
            game=Logic(preset="XOR"), engine=engine, n_inputs=4, n_neurons=30, n_outputs=2, processing_time=150,
            state_rate_map=[0.05, 0.5], input_pct_inhibitory=0.5, neuron_pct_inhibitory=0.25,
            connection_probability=0.3, max_weight=3.0 if neurons is Neuron else 15.0, seed=5, delay_steps=7,
            **NEURONS[neurons], **({"learning_rate": 0.5} if synapses is not Static else {}),
        )  # fmt: skip

    a, b = compare_networks(make, [STATES[i] for i in (3, 1, 2, 0, 3)])
    assert a.delays is not None and a.delays.pending.shape[0] == 7


#: The reward-modulated rules that take delays, with keys that make them learn fast.
REWARDED = {
    MSTDPET: {"learning_rate": 1.0, "tau_z": 10.0},
    MSTDP: {"learning_rate": 0.5},
    RLSTDP: {"learning_rate": 0.2, "stdp_window": 7, "trace_decay": 0.1},
}


def rewarded_network(synapses, every_step, engine, **keys):
    """An XOR network of ``synapses`` rewarded once per tick (RLNetwork) or at every step (ActiveRLNetwork)."""
    network = ActiveRLNetwork if every_step else RLNetwork
    extra = {"continuous_rwd_action": every_step_reward} if every_step else {}
    return network(
        parts={"inputs": RateMap, "neurons": LIF, "weights": Random, "synapses": synapses, "readout": TopAction,
               "rewarder": MatchExpected},
        game=Logic(preset="XOR"), engine=engine, n_outputs=2, neuron_pct_inhibitory=0.2, max_weight=15.0,
        **NEURONS[LIF], **REWARDED[synapses], **extra, **keys,
    )  # fmt: skip


@pytest.mark.parametrize("synapses", list(REWARDED), ids=lambda c: c.__name__)
@pytest.mark.parametrize("every_step", [False, True])
def test_both_engines_agree_on_reward_modulated_rules_with_delays(synapses, every_step):
    delays = np.repeat(np.arange(1, 14)[:, None] % 5 + 2, 5, axis=1).astype(float)  # per presynaptic neuron

    def make(engine):
        return rewarded_network(synapses, every_step, engine, n_inputs=8, n_neurons=5, processing_time=40,
                                state_rate_map=[0.1, 0.8], connection_probability=0.8, storage="sparse", seed=3,
                                delay_steps=delays)  # fmt: skip

    compare_networks(make, [STATES[i] for i in (3, 1, 2, 3, 0, 3)], [1.0, -0.5, 1.0, 0.5, 1.0, -1.0])


@pytest.mark.parametrize("synapses", list(REWARDED), ids=lambda c: c.__name__)
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(data=st.data())
def test_both_engines_agree_on_reward_modulated_rules_with_random_delays(synapses, data):
    draw = data.draw
    n_inputs, n_neurons = 2 * draw(st.integers(1, 4)), draw(st.integers(2, 10))
    keys = {
        "n_inputs": n_inputs, "n_neurons": n_neurons, "processing_time": draw(st.integers(1, 50)),
        "state_rate_map": [draw(st.floats(0.0, 0.2)), draw(st.floats(0.3, 1.0))],
        "connection_probability": draw(st.floats(0.3, 1.0)), "storage": draw(st.sampled_from(["dense", "sparse"])),
        "seed": draw(st.integers(0, 2**32 - 1)), "delay_steps": delay_keys(draw, n_inputs + n_neurons, n_neurons, True),
    }  # fmt: skip
    every_step = draw(st.booleans())
    ticks = draw(st.lists(st.integers(0, 3), min_size=2, max_size=6))
    rewards = draw(st.lists(st.floats(-1.0, 1.0), min_size=len(ticks), max_size=len(ticks)))
    # a random network may stay silent or unrewarded: nothing to assert beyond agreement
    compare_networks(partial(rewarded_network, synapses, every_step, **keys), [STATES[i] for i in ticks], rewards,
                     fires=False, learns=False)  # fmt: skip


@pytest.mark.parametrize("storage", ["dense", "sparse"])
@pytest.mark.parametrize("synapses", [STDP, *REWARDED], ids=lambda c: c.__name__)
def test_arrival_kernel_and_reference_agree_on_random_trains(synapses, storage):
    # the step with delays on its own: spikes and arrivals drawn independently (in a network they are the same
    # train shifted), step rewards and tick rewards at random
    n_inputs, n_neurons, steps = 4, 6, 80
    for seed in (1, 2):
        rng = np.random.default_rng(seed)
        n_pre = n_inputs + n_neurons
        present = rng.random((n_pre, n_neurons)) < 0.5
        sources, targets = np.nonzero(present)
        lo = np.where(rng.random(sources.size) < 0.2, -1.0, 0.0)  # some signed, some frozen at 0.4
        hi = np.where(lo < 0.0, 0.0, 1.0)
        frozen = rng.random(sources.size) < 0.1
        lo[frozen] = hi[frozen] = 0.4
        w0 = rng.uniform(lo, hi)
        spikes, arrivals = rng.random((2, steps, n_pre)) < 0.25
        step_rewards = np.where(rng.random(steps) < 0.3, rng.normal(size=steps), 0.0)
        tick_rewards = np.where(rng.random(steps) < 0.1, rng.normal(size=steps), np.nan)
        give = getattr(synapses, "reward_kernel", None), getattr(synapses, "reward_reference", None)

        def make_args():
            graph, w, _ = build_graph(sources, targets, w0, lo, hi, n_pre, n_neurons, storage=storage)
            rule = synapses(**({"learning_rate": 0.5} if synapses is STDP else REWARDED[synapses]))
            rule.attach(graph, n_inputs)
            rule.reset()
            return rule.kernel_params(), rule.state, graph, w, np.zeros(1, np.int64)

        def stepper(step, reward):
            def go(p, s, graph, w, clock):
                t = clock[0]
                fired, pre_fired = np.flatnonzero(spikes[t]), np.flatnonzero(arrivals[t])
                step(p, s, graph, w, spikes[t], fired, fired.size, n_inputs, float(step_rewards[t]),
                     arrivals[t], pre_fired, pre_fired.size)  # fmt: skip
                if reward is not None and not np.isnan(tick_rewards[t]):
                    reward(p, s, graph, w, float(tick_rewards[t]))
                clock[0] += 1

            return go

        compare_steps(stepper(synapses.arrival_kernel, give[0]), stepper(synapses.arrival_reference, give[1]),
                      make_args, steps)  # fmt: skip


# ---------------------------------------------------------------------------------------------- the default
@pytest.mark.parametrize("engine", ["numba", "numpy"])
@pytest.mark.parametrize("neurons", [LIF, ConductanceLIF], ids=lambda c: c.__name__)
def test_the_delay_machinery_with_one_step_delays_is_the_default_engine(engine, neurons):
    # the machinery forced on with every delay 1 gives the spikes and weights of the default engine, bit for
    # bit; the conductances to rounding (the ring sums a step's input before it joins them, the default adds
    # each synapse's straight into them)
    def make():
        return Network(
            parts={"inputs": RateMap, "neurons": neurons, "weights": Random, "synapses": STDP, "readout": TopAction},
            game=Logic(preset="XOR"), engine=engine, n_inputs=4, n_neurons=12, n_outputs=2, processing_time=80,
            state_rate_map=[0.05, 0.6], neuron_pct_inhibitory=0.25, connection_probability=0.6, max_weight=15.0,
            storage="sparse", seed=9, learning_rate=0.5, **NEURONS[neurons],
        )  # fmt: skip

    plain, forced = make(), make()
    forced_one_step_delays(forced)
    for t in (3, 1, 2, 0, 3, 3):
        plain.tick(STATES[t]), forced.tick(STATES[t])
        np.testing.assert_array_equal(plain.spike_log, forced.spike_log)
        np.testing.assert_array_equal(plain.w, forced.w)
        for x, y in zip(plain.neurons.state, forced.neurons.state):
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)
    assert plain.spike_log.any() and not np.array_equal(plain.w, make().w)


def forced_one_step_delays(net) -> None:
    """Switch the delay machinery on with every delay one step (the default builds none)."""
    assert net.delays is None
    size = net.graph.targets.size
    net.delays = engine_module.make_delays(np.ones(size, np.int64), net.graph.indptr, np.ones(size, bool),
                                           net.n_neurons * net.neurons.input_channels, "test")  # fmt: skip


@pytest.mark.parametrize("engine", ["numba", "numpy"])
@pytest.mark.parametrize("every_step", [False, True])
@pytest.mark.parametrize("synapses", list(REWARDED), ids=lambda c: c.__name__)
def test_one_step_delays_give_the_reward_modulated_rules_of_the_default_engine(engine, every_step, synapses):
    # arrival_kernel (arrival_reference) with every arrival the step's spike: the rule's kernel (reference),
    # bit for bit, with rewards given at every step or once per tick
    def make():
        return rewarded_network(synapses, every_step, engine, n_inputs=4, n_neurons=12, processing_time=60,
                                state_rate_map=[0.05, 0.6], connection_probability=0.6, storage="sparse", seed=9)

    plain, forced = make(), make()
    forced_one_step_delays(forced)
    for t, r in zip((3, 1, 2, 0, 3, 3), (1.0, -0.5, 1.0, 0.25, 1.0, -1.0)):
        for net in (plain, forced):
            net.reward(STATES[t], net.tick(STATES[t]), None, r)
        np.testing.assert_array_equal(plain.spike_log, forced.spike_log)
        np.testing.assert_array_equal(plain.w, forced.w)
        for a, b in zip(plain.synapses.state, forced.synapses.state):
            np.testing.assert_array_equal(a, b)
    assert plain.spike_log.any() and not np.array_equal(plain.w, make().w)


def test_an_explicit_delay_of_one_changes_nothing():
    def make(**keys):
        return Network(
            parts={"inputs": RateMap, "neurons": LIF, "weights": Random, "synapses": STDP, "readout": TopAction},
            game=Logic(preset="XOR"), n_inputs=4, n_neurons=8, n_outputs=2, processing_time=50,
            state_rate_map=[0.05, 0.6], max_weight=15.0, seed=2, firing_threshold=-66.0, **keys,
        )  # fmt: skip

    a, b = make(), make(delay_steps=1)
    for t in (3, 1, 2):
        a.tick(STATES[t]), b.tick(STATES[t])
        np.testing.assert_array_equal(a.spike_log, b.spike_log)
    np.testing.assert_array_equal(a.w, b.w)


def test_delays_cannot_change_after_the_build():
    net = chain([3, 3, 3])
    with pytest.raises(ConfigError, match="'delay_steps' is fixed when the network is built"):
        net.set_param("delay_steps", 5)


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_a_saved_network_keeps_its_deliveries_in_flight(engine, tmp_path):
    net = chain([3, 5, 7], engine, synapses=STDP)
    potentials(net, 2)
    net.save(tmp_path / "net")
    loaded = Network.load(tmp_path / "net")
    assert loaded.delays is not None and loaded.delays.clock[0] == 2
    for t in range(2, 10):
        net.tick(QUIET), loaded.tick(QUIET)
        np.testing.assert_array_equal(net.neurons.state.v, loaded.neurons.state.v)
    np.testing.assert_array_equal(net.w, loaded.w)
    assert net.neurons.state.v.all()  # all three spikes arrived after the load
