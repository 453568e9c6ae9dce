"""Readouts on crafted spike trains: Threshold, PopulationVector, TopAction,
NeuronRates, Softmax."""
from __future__ import annotations

import math

import numpy as np
import pytest

from spikesim import ConfigError
from spikesim.readouts import NeuronRates, PopulationVector, Softmax, Threshold, TopAction


def train(counts, steps=10):
    """A spike train (steps, len(counts)) where output o spikes in its first counts[o] steps."""
    spikes = np.zeros((steps, len(counts)), dtype=bool)
    for o, c in enumerate(counts):
        spikes[:c, o] = True
    return spikes


# ---------------------------------------------------------------- Threshold
def test_threshold_with_a_number():
    readout = Threshold(n_outputs=2, action_threshold=0.25, output_range=("low", "high"))
    readout.reset()
    assert readout(train([3, 2])) == "high"  # rate 5 / 20 = 0.25, at the threshold
    assert readout(train([2, 2])) == "low"  # 0.2
    assert readout(train([10, 10])) == "high"


def test_threshold_mean_compares_with_the_mean_of_earlier_ticks():
    readout = Threshold(n_outputs=1, action_threshold="mean")
    readout.reset()
    # rates 0.5, 0.2, 0.4, 0.3; thresholds 0, 0.5, 0.35, 0.3667
    assert [readout(train([c])) for c in (5, 2, 4, 3)] == [1, 0, 1, 0]
    readout.reset()  # forgets the earlier ticks: threshold 0 again
    assert readout(train([0])) == 1


def test_threshold_errors():
    with pytest.raises(ConfigError, match=r"Threshold: key 'action_threshold' expects a number or 'mean'; got 'median'"):
        Threshold(n_outputs=1, action_threshold="median")
    with pytest.raises(ConfigError, match="action_threshold"):
        Threshold(n_outputs=1, action_threshold=float("inf"))
    with pytest.raises(ConfigError, match="output_range"):
        Threshold(n_outputs=1, output_range=(0, 1, 2))
    with pytest.raises(ConfigError, match="n_outputs"):
        Threshold(n_outputs=0)


def test_threshold_works_before_reset_as_its_example_shows():
    # the running mean exists from construction: no reset() is needed first
    readout = Threshold(n_outputs=1, action_threshold=0.5)
    assert readout(np.array([[True], [True], [False]])) == 1


def test_threshold_mean_survives_save_and_load(tmp_path):
    # the running mean of "mean" is part of the readout's state: a loaded
    # network compares with the mean so far, as the saved one does
    from xor_network import STATES, XORNetwork

    from spikesim import Network
    from spikesim.games import Logic

    net = XORNetwork(game=Logic(preset="XOR"), seed=5, action_threshold="mean", prob_rand_fire=0.0,
                     input_pct_inhibitory=0.0, state_rate_map=[0.0, 1.0], firing_threshold=1.0)  # fmt: skip
    for _ in range(3):
        net.tick(STATES[3])  # both inputs on: a high output rate
    net.save(tmp_path / "net")
    loaded = Network.load(tmp_path / "net", allow=("xor_network",))
    for state in (STATES[0], STATES[3], STATES[0]):  # inputs off: a rate below the mean so far
        assert loaded.tick(state) == net.tick(state)
        np.testing.assert_array_equal(loaded.spike_log, net.spike_log)


# ---------------------------------------------------------------- PopulationVector
def test_population_vector_is_the_normalised_group_counts():
    readout = PopulationVector(n_outputs=6, n_actions=3)
    np.testing.assert_allclose(readout(train([1, 2, 0, 0, 4, 3])), [0.3, 0.0, 0.7])
    np.testing.assert_allclose(readout(train([0] * 6)), [1 / 3] * 3)  # silent: uniform
    per_neuron = PopulationVector(n_outputs=3)  # n_actions = 0: one group per output
    np.testing.assert_allclose(per_neuron(train([1, 0, 3])), [0.25, 0.0, 0.75])


# ---------------------------------------------------------------- TopAction
def test_top_action_is_the_group_with_most_spikes():
    readout = TopAction(n_outputs=6, n_actions=3, rng=np.random.default_rng(0))
    assert readout(train([1, 2, 0, 0, 4, 3])) == 2
    assert readout(train([5, 5, 4, 5, 0, 0])) == 0  # 10 against 9
    assert isinstance(readout(train([0, 0, 1, 0, 0, 0])), int)


def test_top_action_breaks_ties_with_its_generator():
    spikes = train([1, 1, 0, 0, 2, 0])  # groups 0 and 2 tie with 2 spikes, group 1 has none
    readout = TopAction(n_outputs=6, n_actions=3, rng=np.random.default_rng(42))
    actions = [readout(spikes) for _ in range(400)]
    twin = np.random.default_rng(42)  # the same draws, written out: one integer among the tied groups
    assert actions == [[0, 2][twin.integers(2)] for _ in range(400)]
    assert set(actions) == {0, 2}
    assert abs(actions.count(0) - 200) <= 3 * math.sqrt(400 * 0.25)
    silent = TopAction(n_outputs=3, rng=np.random.default_rng(1))
    assert {silent(train([0, 0, 0])) for _ in range(100)} == {0, 1, 2}  # all silent: any output
    again = TopAction(n_outputs=6, n_actions=3, rng=np.random.default_rng(42))
    assert [again(spikes) for _ in range(400)] == actions


# ---------------------------------------------------------------- NeuronRates
def test_neuron_rates_per_neuron_and_per_group():
    spikes = train([2, 4, 0, 5], steps=8)
    np.testing.assert_allclose(NeuronRates(n_outputs=4)(spikes), [0.25, 0.5, 0.0, 0.625])
    np.testing.assert_allclose(NeuronRates(n_outputs=4, n_actions=2)(spikes), [6 / 16, 5 / 16])
    np.testing.assert_allclose(NeuronRates(n_outputs=4, n_actions=1)(spikes), [11 / 32])
    assert NeuronRates(n_outputs=2)(np.zeros((0, 2), bool)).tolist() == [0.0, 0.0]


# ---------------------------------------------------------------- Softmax
def test_softmax_probabilities_are_the_analytic_ones():
    readout = Softmax(n_outputs=6, n_actions=3, temperature=0.2)
    rates = np.array([3 / 20, 0.0, 7 / 20])  # group spikes per neuron per step
    expected = np.exp(rates / 0.2) / np.exp(rates / 0.2).sum()
    np.testing.assert_allclose(readout.probabilities(train([1, 2, 0, 0, 4, 3])), expected, rtol=1e-12)
    np.testing.assert_allclose(readout.probabilities(train([0] * 6)), [1 / 3] * 3)
    huge = Softmax(n_outputs=2, temperature=1e-6).probabilities(train([10, 9]))  # no overflow
    np.testing.assert_allclose(huge, [1.0, 0.0], atol=1e-12)


def test_softmax_frequencies_within_3_sigma_and_draws_with_its_generator():
    spikes = train([1, 2, 0, 0, 4, 3])
    readout = Softmax(n_outputs=6, n_actions=3, temperature=0.2, rng=np.random.default_rng(9))
    n = 6000
    actions = np.array([readout(spikes) for _ in range(n)])
    p = readout.probabilities(spikes)
    counts = np.bincount(actions, minlength=3)
    for a in range(3):
        assert abs(counts[a] - n * p[a]) <= 3 * math.sqrt(n * p[a] * (1 - p[a])), (counts, n * p)
    twin = np.random.default_rng(9)  # one uniform per call; the first action whose cumulative P exceeds it
    cumulative = np.cumsum(p)
    assert actions[:50].tolist() == [int(np.argmax(twin.random() < cumulative)) for _ in range(50)]


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("cls", [PopulationVector, TopAction, NeuronRates, Softmax])
def test_group_readout_errors(cls):
    with pytest.raises(ConfigError, match=rf"{cls.__name__}: key 'n_actions' expects 0 or a divisor of n_outputs \(6\); got 4"):
        cls(n_outputs=6, n_actions=4)
    with pytest.raises(ConfigError, match="n_actions"):
        cls(n_outputs=2, n_actions=4)
    with pytest.raises(ConfigError, match="n_actions"):
        cls(n_outputs=2, n_actions=-1)
    with pytest.raises(ValueError, match=r"spikes of shape \(steps, 6\); got shape \(10, 5\)"):
        cls(n_outputs=6, n_actions=3)(train([1] * 5))


def test_softmax_temperature_must_be_positive():
    with pytest.raises(ConfigError, match="temperature"):
        Softmax(n_outputs=2, temperature=0.0)


# ---------------------------------------------------------------- inside networks
@pytest.mark.parametrize("readout", [Softmax, TopAction, PopulationVector, NeuronRates])
def test_readouts_in_a_network_draw_from_the_networks_generator_on_both_engines(readout):
    from engines import compare_networks

    from spikesim import RLNetwork
    from spikesim.inputs import RateMap
    from spikesim.neurons import Neuron
    from spikesim.rewards import Function
    from spikesim.synapses import RLSTDP
    from spikesim.weights import Random

    def make(engine):
        return RLNetwork(
            parts={"inputs": RateMap, "neurons": Neuron, "weights": Random, "synapses": RLSTDP, "readout": readout,
                   "rewarder": Function},
            seed=8, engine=engine, n_inputs=8, n_neurons=14, n_outputs=6, n_actions=3, processing_time=20,
            state_rate_map=[0.0, 0.5], firing_threshold=0.8, potential_decay=0.1, refractory_period=0,
            prob_rand_fire=0.05, connection_probability=0.5, learning_rate=0.1,
            reward_function=lambda s, a, s2: float(np.sum(a)),
        )  # fmt: skip

    states = [np.array(s) for s in ((0, 1), (1, 0), (1, 1), (0, 0))] * 2
    net, _ = compare_networks(make, states)
    assert net.readout.rng is net.rng
    action = net.tick(states[1])
    counts = net.spike_log[:, -6:].sum(axis=0).reshape(3, 2).sum(axis=1)  # the output groups' spikes
    if readout is PopulationVector:
        np.testing.assert_allclose(action, counts / counts.sum() if counts.sum() else np.full(3, 1 / 3))
    elif readout is NeuronRates:
        np.testing.assert_allclose(action, counts / 40)
    else:
        assert action in (0, 1, 2)
