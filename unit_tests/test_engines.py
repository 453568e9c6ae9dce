"""Both engines give the same spikes and weights over random small configurations."""
from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np
import pytest
from engines import compare_networks
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spikesim import ActiveRLNetwork, Network, RLNetwork, engine
from spikesim.games import Logic
from spikesim.inputs import RateMap
from spikesim.neurons import LIF, EscapeNoise, Izhikevich, Neuron
from spikesim.readouts import Threshold, TopAction
from spikesim.rewards import MatchExpected
from spikesim.synapses import DASTDP, MSTDP, MSTDPET, RLSTDP, STDP
from spikesim.weights import Random

STATES = [np.array(s, dtype=np.int8) for s in ((0, 0), (0, 1), (1, 0), (1, 1))]

# Each neuron model with parameters under which it fires from inputs of a few units of weight.
NEURONS = {
    Neuron: lambda d: {"firing_threshold": d(st.floats(0.5, 4.0)), "potential_decay": d(st.floats(0.0, 0.5)),
                       "refractory_period": d(st.integers(0, 3)), "prob_rand_fire": d(st.sampled_from([0.0, 0.05]))},
    LIF: lambda d: {"firing_threshold": -70.0 + d(st.floats(1.0, 5.0)), "refractory_period": d(st.integers(0, 2))},
    Izhikevich: lambda d: {"neuron_type": d(st.sampled_from(["RS", "FS", "mix"])), "noise": d(st.sampled_from([0.0, 5.0]))},
    EscapeNoise: lambda d: {"firing_threshold": -70.0 + d(st.floats(1.0, 5.0)), "delta_u": d(st.floats(0.5, 3.0))},
}  # fmt: skip
SYNAPSES = {
    STDP: lambda d: {"learning_rate": d(st.floats(0.01, 1.0)), "a_minus": d(st.floats(-1.5, -0.5))},
    MSTDP: lambda d: {"learning_rate": d(st.floats(0.01, 1.0)), "baseline_rate": d(st.sampled_from([0.0, 0.2]))},
    MSTDPET: lambda d: {"learning_rate": d(st.floats(0.1, 5.0)), "tau_z": d(st.floats(2.0, 30.0))},
    RLSTDP: lambda d: {"learning_rate": d(st.floats(0.001, 0.1)), "stdp_window": d(st.integers(1, 6))},
    DASTDP: lambda d: {"learning_rate": d(st.floats(0.5, 5.0)), "update_interval": d(st.integers(1, 5))},
}  # fmt: skip


def configuration(draw, neurons, synapses):
    """A random small network of these neuron and synapse classes, the
    states of its ticks and the rewards after them."""
    if synapses is STDP:
        network = Network  # no reward
    elif synapses in (MSTDP, MSTDPET) and draw(st.booleans()):
        network = ActiveRLNetwork  # rewarded every step
    else:
        network = RLNetwork  # rewarded once per tick
    n_inputs = 2 * draw(st.integers(1, 4))
    n_neurons = draw(st.integers(1, 8))
    weight_scale = 3.0 if neurons is Neuron else 15.0
    keys = {
        "n_inputs": n_inputs,
        "n_neurons": n_neurons,
        "n_outputs": draw(st.integers(1, n_neurons)),
        "processing_time": draw(st.integers(1, 40)),
        "state_rate_map": [draw(st.floats(0.0, 0.2)), draw(st.floats(0.3, 1.0))],
        "input_pct_inhibitory": draw(st.sampled_from([0.0, 0.5])),
        "neuron_pct_inhibitory": draw(st.sampled_from([0.0, 0.25])),
        "connection_probability": draw(st.floats(0.3, 1.0)),
        "max_weight": weight_scale,
        "min_weight": draw(st.sampled_from([0.0, -weight_scale / 2])),
        "storage": draw(st.sampled_from(["dense", "sparse"])),
        "seed": draw(st.integers(0, 2**32 - 1)),
        **NEURONS[neurons](draw),
        **SYNAPSES[synapses](draw),
    }
    readout = draw(st.sampled_from([Threshold, TopAction]))
    if readout is Threshold:
        keys["action_threshold"] = draw(st.floats(0.0, 0.5))
    parts = {"inputs": RateMap, "neurons": neurons, "weights": Random, "synapses": synapses,
             "readout": readout, "rewarder": MatchExpected}  # fmt: skip
    ticks = draw(st.lists(st.integers(0, 3), min_size=2, max_size=6))
    rewards = draw(st.lists(st.sampled_from([-1.0, 0.0, 0.5, 1.0]), min_size=len(ticks), max_size=len(ticks)))
    return network, parts, keys, ticks, rewards


@pytest.mark.parametrize("neurons", list(NEURONS), ids=lambda c: c.__name__)
@pytest.mark.parametrize("synapses", list(SYNAPSES), ids=lambda c: c.__name__)
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(data=st.data())
def test_both_engines_agree_on_random_small_networks(neurons, synapses, data):
    network, parts, keys, ticks, rewards = configuration(data.draw, neurons, synapses)

    def make(engine):
        return network(parts=parts, game=Logic(preset="XOR"), engine=engine, **keys)

    # A random configuration may be silent (one step per tick, inputs at rate 0, all-zero rewards...): agreement
    # only here; that the engines agree while firing and learning is test_both_engines_agree_while_firing_and_learning.
    a, b = compare_networks(make, [STATES[i] for i in ticks], rewards if network is RLNetwork else None,
                            fires=False, learns=False)  # fmt: skip
    for x, y in zip(a.neurons.state, b.neurons.state):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12)


# One configuration per neuron model and per rule under which the body fires and the weights move.
ACTIVE_NEURONS = {
    Neuron: {"firing_threshold": 1.0, "potential_decay": 0.2, "refractory_period": 1, "prob_rand_fire": 0.05},
    LIF: {"firing_threshold": -66.0, "refractory_period": 1},
    Izhikevich: {"neuron_type": "mix", "noise": 5.0},
    EscapeNoise: {"firing_threshold": -66.0, "delta_u": 2.0},
}
ACTIVE_SYNAPSES = {
    STDP: {"learning_rate": 0.5, "a_minus": -1.0},
    MSTDP: {"learning_rate": 0.5},
    MSTDPET: {"learning_rate": 1.0, "tau_z": 10.0},
    RLSTDP: {"learning_rate": 0.05, "stdp_window": 3},
    DASTDP: {"learning_rate": 2.0, "update_interval": 2},
}


@pytest.mark.parametrize("neurons", list(ACTIVE_NEURONS), ids=lambda c: c.__name__)
@pytest.mark.parametrize("synapses", list(ACTIVE_SYNAPSES), ids=lambda c: c.__name__)
def test_both_engines_agree_while_firing_and_learning(neurons, synapses):
    network = Network if synapses is STDP else RLNetwork
    weight_scale = 3.0 if neurons is Neuron else 15.0

    def make(engine):
        return network(
            parts={"inputs": RateMap, "neurons": neurons, "weights": Random, "synapses": synapses,
                   "readout": TopAction, "rewarder": MatchExpected},
            game=Logic(preset="XOR"), engine=engine, n_inputs=4, n_neurons=5, n_outputs=2, processing_time=30,
            state_rate_map=[0.1, 0.8], neuron_pct_inhibitory=0.2, connection_probability=0.8,
            max_weight=weight_scale, storage="sparse", seed=3, **ACTIVE_NEURONS[neurons], **ACTIVE_SYNAPSES[synapses],
        )  # fmt: skip

    rewards = [1.0, -0.5, 1.0, 0.5, 1.0, -1.0]
    a, b = compare_networks(make, [STATES[i] for i in (3, 1, 2, 3, 0, 3)], rewards if network is RLNetwork else None)
    for x, y in zip(a.neurons.state, b.neurons.state):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("synapses", [MSTDPET, MSTDP], ids=lambda c: c.__name__)
@pytest.mark.parametrize("gains", [(1.0, 1.0), (0.3, -1.0)])
def test_both_engines_agree_on_the_actor_critic_with_fourier_features(synapses, gains):
    from spikesim import ActorCriticNetwork
    from spikesim.experiments.control import input_mask
    from spikesim.inputs import FourierFeatures

    def make(engine):
        parts = {"inputs": FourierFeatures, "neurons": EscapeNoise, "weights": Random, "synapses": synapses,
                 "readout": TopAction}  # fmt: skip
        return ActorCriticNetwork(
            parts=parts, engine=engine, seed=11, n_inputs=9, fourier_order=2, obs_low=[-1, -2], obs_high=[1, 2],
            max_rate=0.5, n_neurons=6, n_critic=2, n_outputs=4, n_actions=2, processing_time=15,
            matrix_mask=input_mask(9, 6), min_weight=-4.0, max_weight=4.0, bias=15.0, learning_rate=0.5,
            actor_gain=gains[0], other_actions_gain=gains[1],
        )  # fmt: skip

    states = [np.array([0.1 * t - 0.5, 1.5 - 0.4 * t]) for t in range(6)]
    a, b = compare_networks(make, states, [1.0, -0.5, 2.0, 0.0, 1.0, 3.0])
    assert not np.array_equal(a.w, make("numba").w)  # the TD errors moved the weights
    a.eval(), b.eval()
    assert [a.tick(s) for s in states] == [b.tick(s) for s in states]


class _State(NamedTuple):
    v: np.ndarray
    count: np.ndarray
    table: np.ndarray
    spikes: np.ndarray


@nb.njit
def _compiled_all_finite(w, a, b, c):
    return engine.all_finite(w, a, b, c)


@pytest.mark.parametrize("where, value", [(None, 0.0), ("w", np.nan), ("v", np.inf), ("table", -np.inf), ("table", np.nan)])
def test_the_compiled_finiteness_check_finds_what_numpy_finds(where, value):
    """The tick's closing check (engine.all_finite) looks at the weights and
    every float array of the states (integer and bool arrays cannot hold a
    NaN), compiled as in Python."""
    w = np.array([1.7e308, -1.7e308, 0.0, 5e-324] * 9 + [1.0])  # finite, at the edges of the range
    state = _State(np.zeros(5), np.full(3, 2**62, np.int64), np.ones((4, 6)), np.zeros(9, bool))
    if where == "w":
        w[-1] = value
    elif where is not None:
        getattr(state, where).ravel()[7 % getattr(state, where).size] = value
    expected = where is None
    assert engine.all_finite(w, state, engine.NoParams(), state) is expected
    assert _compiled_all_finite(w, state, engine.NoParams(), state) is expected
