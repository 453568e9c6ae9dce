"""Inputs: RateMap, StaticMap, PopulationCode and OneHot (known rates and patterns,
both engines agree)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from engines import compare_networks, compare_steps

from spikesim import ConfigError, RLNetwork
from spikesim.inputs import OneHot, PopulationCode, RateInputs, RateMap, StaticMap
from spikesim.neurons import Neuron
from spikesim.readouts import TopAction
from spikesim.rewards import Function
from spikesim.synapses import RLSTDP
from spikesim.weights import Random


def run_inputs(inputs, steps, kernel=True, start=0):
    """The spikes of ``steps`` input steps (t = start, start + 1, ...): bool (steps, n_inputs)."""
    step = type(inputs).kernel if kernel else type(inputs).reference
    out = np.zeros(inputs.n_inputs, dtype=bool)
    spikes = np.zeros((steps, inputs.n_inputs), dtype=bool)
    for t in range(steps):
        step(inputs.kernel_params(), inputs.state, start + t, inputs.rng, out)
        spikes[t] = out
    return spikes


def within_3_sigma(count, n, p):
    return abs(count - n * p) <= 3 * math.sqrt(n * p * (1 - p))


# ---------------------------------------------------------------- RateMap
@pytest.mark.parametrize("kernel", [True, False])
def test_rate_map_fires_at_its_rate_within_3_sigma(kernel):
    inputs = RateMap(n_inputs=4, state_rate_map=[0.0, 0.3], rng=np.random.default_rng(1))
    inputs.reset()
    inputs.encode((0, 1))
    steps = 4000
    counts = run_inputs(inputs, steps, kernel).sum(axis=0)
    assert counts[0] == 0 and counts[2] == 0
    assert within_3_sigma(counts[1], steps, 0.3) and within_3_sigma(counts[3], steps, 0.3), counts


def test_rate_map_groups_are_interleaved():
    inputs = RateMap(n_inputs=6, state_rate_map=[0.0, 0.5, 1.0])
    # three groups (one per state element); input i has the rate of group i % 3
    assert inputs.rates((2, 0, 1)).tolist() == [1.0, 0.0, 0.5, 1.0, 0.0, 0.5]
    assert inputs.rates(np.array([1, 1, 1], dtype=np.int8)).tolist() == [0.5] * 6


def test_rate_map_from_a_dict_and_from_a_callable():
    by_dict = RateMap(n_inputs=4, state_rate_map={(0, 1): [0.2, 0.4], 3: 0.1})
    assert by_dict.rates(np.array([0, 1])).tolist() == [0.2, 0.4, 0.2, 0.4]
    assert by_dict.rates(np.int64(3)).tolist() == [0.1] * 4
    by_callable = RateMap(n_inputs=4, state_rate_map=lambda s: [0.1 * s, 0.0])
    assert by_callable.rates(2).tolist() == [0.2, 0.0, 0.2, 0.0]


def test_rate_map_errors():
    with pytest.raises(ConfigError, match="does not know state"):
        RateMap(n_inputs=4, state_rate_map={(0, 1): [0.2, 0.4]}).rates((1, 1))
    with pytest.raises(ConfigError, match="outside 0..1"):
        RateMap(n_inputs=4, state_rate_map=[0.0, 0.5]).rates((0, 2))
    with pytest.raises(ConfigError, match="divides n_inputs"):
        RateMap(n_inputs=4, state_rate_map={0: [0.1, 0.2, 0.3]})
    with pytest.raises(ConfigError, match="divides n_inputs"):
        RateMap(n_inputs=4, state_rate_map=lambda s: [0.1, 0.2, 0.3]).check_states([0])
    with pytest.raises(ConfigError, match="state_rate_map"):
        RateMap(n_inputs=4, state_rate_map=[0.0, 1.5])
    with pytest.raises(ConfigError, match="rates for state"):
        # a three-element state spread over 4 inputs is caught when encoded
        inputs = RateMap(n_inputs=4, state_rate_map=[0.0, 0.5])
        inputs.reset()
        inputs.encode((0, 1, 1))


# ---------------------------------------------------------------- StaticMap
T, N = 7, 5


def static_map(**keys):
    rng = np.random.default_rng(3)
    patterns = {
        (0, 1): rng.random((T, N)) < 0.4,
        (1, 1): np.array([1, 0, 0, 2.5, -1]),
        "float": rng.random((T, N)) * (rng.random((T, N)) < 0.5),
    }
    inputs = StaticMap(n_inputs=N, processing_time=T, state_spike_map=patterns, **keys)
    inputs.reset()
    return inputs, patterns


@pytest.mark.parametrize("kernel", [True, False])
def test_static_map_reproduces_its_patterns_exactly(kernel):
    inputs, patterns = static_map()
    inputs.encode(np.array([0, 1]))
    np.testing.assert_array_equal(run_inputs(inputs, T, kernel), patterns[(0, 1)])
    inputs.encode((1, 1))  # a 1-D pattern fires at every step; nonzero (even negative) is a spike
    np.testing.assert_array_equal(run_inputs(inputs, T, kernel), np.tile([True, False, False, True, True], (T, 1)))
    inputs.encode("float")
    np.testing.assert_array_equal(run_inputs(inputs, T, kernel), patterns["float"] != 0)


@pytest.mark.parametrize("kernel", [True, False])
def test_static_map_falls_silent_after_input_firing_steps(kernel):
    inputs, patterns = static_map(input_firing_steps=3)
    inputs.encode((0, 1))
    expected = patterns[(0, 1)].copy()
    expected[3:] = False
    np.testing.assert_array_equal(run_inputs(inputs, T, kernel), expected)


def test_static_map_from_a_callable():
    inputs = StaticMap(n_inputs=3, processing_time=2, state_spike_map=lambda s: np.eye(3)[s])
    inputs.reset()
    inputs.encode(2)
    np.testing.assert_array_equal(run_inputs(inputs, 2), [[False, False, True]] * 2)


def test_static_map_errors():
    with pytest.raises(ConfigError, match=r"StaticMap: key 'state_spike_map' expects a pattern of shape \(7, 5\) or \(5,\); got shape \(6, 5\) for state \(0, 1\)"):
        StaticMap(n_inputs=N, processing_time=T, state_spike_map={(0, 1): np.zeros((6, 5))})
    with pytest.raises(ConfigError, match=r"shape \(4,\) for state 'a'"):
        StaticMap(n_inputs=N, processing_time=T, state_spike_map={"a": np.zeros(4)})
    with pytest.raises(ConfigError, match="of numbers"):
        StaticMap(n_inputs=N, processing_time=T, state_spike_map={"a": ["x"] * 5})
    with pytest.raises(ConfigError, match="a dict of state -> pattern or a callable"):
        StaticMap(n_inputs=N, processing_time=T, state_spike_map=np.zeros((T, N)))
    inputs, _ = static_map()
    with pytest.raises(ConfigError, match=r"does not know state \(1, 0\)"):
        inputs.encode((1, 0))
    with pytest.raises(ConfigError, match=r"does not know state \(0, 0\)"):
        inputs.check_states([(0, 1), (0, 0)])
    wrong = StaticMap(n_inputs=N, processing_time=T, state_spike_map=lambda s: np.zeros((T, N + 1)))
    with pytest.raises(ConfigError, match=r"got shape \(7, 6\) for state 3"):
        wrong.check_states([3])
    with pytest.raises(ConfigError, match="missing required key"):
        StaticMap(n_inputs=N, state_spike_map={})


def test_static_map_kernel_and_reference_agree():
    inputs, _ = static_map(input_firing_steps=4)
    inputs.encode((0, 1))
    for t in range(T):
        compare_steps(StaticMap.kernel, StaticMap.reference,
                      lambda: (inputs.kernel_params(), inputs.state, t, np.random.default_rng(0), np.zeros(N, bool)), 2)  # fmt: skip


# ---------------------------------------------------------------- PopulationCode
def gaussian_rates(x, low, high, n_inputs, max_rate, width):
    """The receptive-field rates written out, dimension by dimension."""
    m = len(x)
    g = n_inputs // m
    rates = []
    for d in range(m):
        spacing = (high[d] - low[d]) / (g - 1) if g > 1 else high[d] - low[d]
        sigma = width * spacing
        for k in range(g):
            mu = low[d] + k * spacing if g > 1 else low[d]
            rates.append(max_rate * math.exp(-((x[d] - mu) ** 2) / (2 * sigma**2)))
    return rates


def test_population_code_rates_follow_the_gaussian_formula():
    low, high = [-1.0, 0.0, 2.0], [1.0, 10.0, 3.0]
    inputs = PopulationCode(n_inputs=15, obs_low=low, obs_high=high, max_rate=0.6, width=0.7)
    rng = np.random.default_rng(4)
    for _ in range(5):
        x = rng.uniform(np.array(low) - 1, np.array(high) + 1)
        np.testing.assert_allclose(inputs.rates(x), gaussian_rates(x, low, high, 15, 0.6, 0.7), rtol=1e-12)
    # at a preferred value the input fires at max_rate; one spacing away at max_rate * exp(-1 / (2 width^2))
    r = inputs.rates([-0.5, 5.0, 2.0])
    assert r[1] == pytest.approx(0.6) and r[0] == pytest.approx(0.6 * math.exp(-1 / (2 * 0.49)))


def test_population_code_with_numbers_as_bounds():
    one = PopulationCode(n_inputs=5, obs_low=0, obs_high=4, max_rate=1.0, width=1.0)
    assert one.rates(2.0).tolist() == pytest.approx([math.exp(-2), math.exp(-0.5), 1.0, math.exp(-0.5), math.exp(-2)])
    two = PopulationCode(n_inputs=6, obs_low=-1, obs_high=1, obs_dims=2, max_rate=0.5)
    np.testing.assert_allclose(two.rates([0.3, -2.0]), gaussian_rates([0.3, -2.0], [-1, -1], [1, 1], 6, 0.5, 1.0))
    single = PopulationCode(n_inputs=1, obs_low=0, obs_high=2, max_rate=0.5, width=0.5)  # sigma = 0.5 * range
    assert single.rates(1.0)[0] == pytest.approx(0.5 * math.exp(-1 / 2))


def test_population_code_errors():
    with pytest.raises(ConfigError, match=r"PopulationCode: key 'n_inputs' expects a multiple of the 3 observation dimensions; got 10"):
        PopulationCode(n_inputs=10, obs_low=[0, 0, 0], obs_high=[1, 1, 1])
    with pytest.raises(ConfigError, match="obs_low.*values below obs_high.*dimension 1"):
        PopulationCode(n_inputs=4, obs_low=[0, 2], obs_high=[1, 2])
    with pytest.raises(ConfigError, match="obs_low.*values below obs_high"):
        PopulationCode(n_inputs=4, obs_low=3, obs_high=1)
    with pytest.raises(ConfigError, match="as many values as obs_low"):
        PopulationCode(n_inputs=6, obs_low=[0, 0], obs_high=[1, 1, 1])
    with pytest.raises(ConfigError, match="obs_dims"):
        PopulationCode(n_inputs=6, obs_low=[0, 0], obs_high=1, obs_dims=3)
    with pytest.raises(ConfigError, match="finite"):
        PopulationCode(n_inputs=4, obs_low=[0, -np.inf], obs_high=[1, 1])
    with pytest.raises(ConfigError, match="max_rate"):
        PopulationCode(n_inputs=4, obs_low=0, obs_high=1, max_rate=2.0)
    with pytest.raises(ConfigError, match="width"):
        PopulationCode(n_inputs=4, obs_low=0, obs_high=1, width=0.0)
    inputs = PopulationCode(n_inputs=4, obs_low=[0, 0], obs_high=[1, 1])
    with pytest.raises(ConfigError, match="observation of 2 finite values"):
        inputs.rates([0.5, 0.5, 0.5])
    with pytest.raises(ConfigError, match="observation of 2 finite values"):
        inputs.rates([0.5, np.nan])


# ---------------------------------------------------------------- OneHot
def test_one_hot_lights_the_group_of_the_value():
    inputs = OneHot(n_inputs=6, n_states=3, on_rate=0.7, off_rate=0.1)
    assert inputs.rates(0).tolist() == [0.7, 0.7, 0.1, 0.1, 0.1, 0.1]
    assert inputs.rates(np.int64(2)).tolist() == [0.1, 0.1, 0.1, 0.1, 0.7, 0.7]
    assert inputs.rates(np.array([1])).tolist() == [0.1, 0.1, 0.7, 0.7, 0.1, 0.1]
    inputs.check_states([0, 1, 2])


@pytest.mark.parametrize("kernel", [True, False])
def test_one_hot_fires_at_its_rates_within_3_sigma(kernel):
    inputs = OneHot(n_inputs=4, n_states=2, on_rate=0.25, off_rate=0.05, rng=np.random.default_rng(2))
    inputs.reset()
    inputs.encode(1)
    steps = 4000
    counts = run_inputs(inputs, steps, kernel).sum(axis=0)
    assert all(within_3_sigma(c, steps, p) for c, p in zip(counts, [0.05, 0.05, 0.25, 0.25])), counts


def test_one_hot_errors():
    with pytest.raises(ConfigError, match=r"OneHot: key 'n_states' expects a divisor of n_inputs \(6\); got 4"):
        OneHot(n_inputs=6, n_states=4)
    with pytest.raises(ConfigError, match="on_rate"):
        OneHot(n_inputs=6, n_states=3, on_rate=-0.1)
    inputs = OneHot(n_inputs=6, n_states=3)
    for bad in (3, -1, 1.5, (0, 1), "a"):
        with pytest.raises(ConfigError, match=r"observation in range\(3\)"):
            inputs.rates(bad)
    with pytest.raises(ConfigError, match=r"range\(3\)"):
        inputs.check_states([0, 5])


# ---------------------------------------------------------------- kernels and networks
@pytest.mark.parametrize("make", [
    lambda: PopulationCode(n_inputs=8, obs_low=[-1, 0], obs_high=[1, 2], max_rate=0.8),
    lambda: OneHot(n_inputs=8, n_states=4, on_rate=0.6, off_rate=0.2),
])  # fmt: skip
def test_rate_kernel_and_reference_agree(make):
    inputs = make()
    inputs.reset()
    inputs.encode([0.2, 1.5] if isinstance(inputs, PopulationCode) else 2)
    for t, firing_steps in ((0, -1), (5, -1), (5, 6), (6, 6)):
        p = inputs.kernel_params()._replace(firing_steps=firing_steps)
        compare_steps(RateInputs.kernel, RateInputs.reference,
                      lambda: (p, inputs.state, t, np.random.default_rng(t), np.zeros(8, bool)), 20)  # fmt: skip


NET_PARTS = {"neurons": Neuron, "weights": Random, "synapses": RLSTDP, "readout": TopAction, "rewarder": Function}
NET_KEYS = {
    "n_inputs": 8, "n_neurons": 10, "n_outputs": 4, "n_actions": 2, "processing_time": 25,
    "firing_threshold": 1.0, "potential_decay": 0.1, "refractory_period": 1, "prob_rand_fire": 0.02,
    "connection_probability": 0.6, "max_weight": 1.0, "input_pct_inhibitory": 0.25, "learning_rate": 0.05,
    "reward_function": lambda s, a, s2: 1.0 if a == 1 else -0.5,
}  # fmt: skip


def network(inputs, engine, **keys):
    return RLNetwork(parts={**NET_PARTS, "inputs": inputs}, seed=11, engine=engine, **{**NET_KEYS, **keys})


def test_population_code_and_one_hot_networks_agree_on_both_engines():
    states = [np.array([0.1, -0.4]), np.array([0.9, 0.3]), np.array([-0.7, 0.0])] * 2
    compare_networks(lambda engine: network(PopulationCode, engine, obs_low=-1.0, obs_high=1.0, obs_dims=2, max_rate=0.5), states)
    a, _ = compare_networks(lambda engine: network(OneHot, engine, n_states=4, on_rate=0.5, off_rate=0.05), [0, 3, 1, 2, 2, 0])
    assert a.spike_log[:, :8].any()


def test_static_map_network_replays_the_pattern_on_both_engines():
    rng = np.random.default_rng(5)
    patterns = {s: rng.random((25, 8)) < 0.3 for s in range(3)}
    a, b = compare_networks(lambda engine: network(StaticMap, engine, state_spike_map=patterns), [0, 1, 2, 1, 0])
    np.testing.assert_array_equal(a.spike_log[:, :8], patterns[0])  # the last tick's inputs are state 0's pattern
    a.tick(2)
    np.testing.assert_array_equal(a.spike_log[:, :8], patterns[2])


# ---------------------------------------------------------------- FourierFeatures: angles given as (cos, sin)
def test_fourier_features_read_cos_sin_pairs_as_angles_by_hand():
    from spikesim.inputs import FourierFeatures

    # Acrobot's layout: cos a, sin a, cos b, sin b, a', b' -> (a, b, a', b')
    inputs = FourierFeatures(n_inputs=16, fourier_order=1, obs_angles=[(0, 1), (2, 3)], max_rate=1.0,
                             obs_low=[-math.pi, -math.pi, -4, -8], obs_high=[math.pi, math.pi, 4, 8])  # fmt: skip
    a, b = math.pi / 2, -math.pi / 2
    obs = [math.cos(a), math.sin(a), math.cos(b), math.sin(b), 2.0, -8.0]
    np.testing.assert_allclose(inputs.observation(obs), [a, b, 2.0, -8.0])
    # x = (0.75, 0.25, 0.75, 0): phi_c = cos(pi c . x) for c in {0, 1}^4, the last dimension fastest
    x = np.array([0.75, 0.25, 0.75, 0.0])
    expected = [math.cos(math.pi * np.dot(c, x)) for c in np.ndindex(2, 2, 2, 2)]
    np.testing.assert_allclose(inputs.features(obs), expected, atol=1e-12)
    assert inputs.features(obs)[0] == 1.0 and inputs.features(obs)[8] == pytest.approx(math.cos(0.75 * math.pi))
    # the pair's place: a pair (1, 2) keeps value 0 first, the angle atan2(s_2, s_1) second
    later = FourierFeatures(n_inputs=4, fourier_order=1, obs_angles=[(1, 2)], obs_low=[0, -math.pi],
                            obs_high=[1, math.pi])  # fmt: skip
    np.testing.assert_allclose(later.observation([0.25, -1.0, 0.0]), [0.25, math.pi])


@pytest.mark.parametrize("angles, message", [
    ([(0, 0)], "distinct observation indices"), ([(0, 3)], "below 3"), ([(0.5, 1)], "pairs"), ("01", "pairs"),
])  # fmt: skip
def test_fourier_features_refuse_bad_angle_pairs(angles, message):
    from spikesim.inputs import FourierFeatures

    with pytest.raises(ConfigError, match=f"'obs_angles' expects .*{message}"):
        FourierFeatures(n_inputs=4, fourier_order=1, obs_angles=angles, obs_low=[-3, -1], obs_high=[3, 1])


def test_fourier_features_with_angles_refuse_an_observation_of_the_wrong_size():
    from spikesim.inputs import FourierFeatures

    inputs = FourierFeatures(n_inputs=4, fourier_order=1, obs_angles=[(0, 1)], obs_low=[-3, -1], obs_high=[3, 1])
    with pytest.raises(ConfigError, match="expects an observation of 3 finite values"):
        inputs.features([1.0, 0.0])


# ---------------------------------------------------------------- regular spike trains; FourierFeatures' on/off code
@pytest.mark.parametrize("kernel", [True, False])
def test_regular_spike_trains_fire_floor_of_phase_plus_rate_times_steps(kernel):
    rates = [0.0, 0.05, 0.2, 1 / 3, 0.5, 0.99, 1.0]
    inputs = RateMap(n_inputs=7, state_rate_map=lambda s: rates, spike_train="regular", rng=np.random.default_rng(3))
    inputs.reset()
    phase0 = inputs.state.phase.copy()
    assert ((phase0 >= 0) & (phase0 < 1)).all() and np.unique(phase0).size == 7  # one uniform draw per input
    inputs.encode(0)
    spikes = run_inputs(inputs, 300, kernel)
    for steps in (1, 7, 100, 300):
        # an input at rate r fires floor(phase_0 + r T) times in T steps (to rounding of the running sum)
        expected = np.floor(phase0 + np.array(rates) * steps + 1e-9)
        np.testing.assert_array_equal(spikes[:steps].sum(axis=0), expected)
    gaps = np.diff(np.flatnonzero(spikes[:, 4]))
    assert set(gaps.tolist()) == {2}  # rate 1/2: every other step, evenly spaced
    assert spikes[:, 6].all() and not spikes[:, 0].any()


def test_regular_spike_trains_carry_their_phase_across_ticks_and_redraw_it_at_reset():
    inputs = RateMap(n_inputs=3, state_rate_map=lambda s: [0.3, 0.3, 0.3], spike_train="regular",
                     rng=np.random.default_rng(0))  # fmt: skip
    inputs.reset()
    phase0 = inputs.state.phase.copy()
    inputs.encode(0)
    first = run_inputs(inputs, 7).sum(axis=0)
    second = run_inputs(inputs, 13, start=0).sum(axis=0)  # a new tick: t starts again, the phase goes on
    np.testing.assert_array_equal(first + second, np.floor(phase0 + 0.3 * 20 + 1e-9))
    inputs.reset()
    assert not np.array_equal(inputs.state.phase, phase0)


def test_regular_kernel_and_reference_agree_and_poisson_draws_no_phase():
    inputs = PopulationCode(n_inputs=8, obs_low=[-1, 0], obs_high=[1, 2], max_rate=0.8, spike_train="regular",
                            rng=np.random.default_rng(2))  # fmt: skip
    inputs.reset()
    inputs.encode([0.2, 1.5])
    for t, firing_steps in ((0, -1), (5, -1), (5, 6), (6, 6)):
        p = inputs.kernel_params()._replace(firing_steps=firing_steps)
        compare_steps(RateInputs.kernel, RateInputs.reference,
                      lambda: (p, inputs.state, t, np.random.default_rng(t), np.zeros(8, bool)), 20)  # fmt: skip
    poisson = PopulationCode(n_inputs=8, obs_low=[-1, 0], obs_high=[1, 2], rng=np.random.default_rng(2))
    poisson.reset()
    assert poisson.state.phase.size == 0 and poisson.rng.random() == np.random.default_rng(2).random()


def test_regular_inputs_networks_agree_on_both_engines():
    states = [np.array([0.1, -0.4]), np.array([0.9, 0.3]), np.array([-0.7, 0.0])] * 2
    a, _ = compare_networks(lambda engine: network(PopulationCode, engine, obs_low=-1.0, obs_high=1.0, obs_dims=2,
                                                   max_rate=0.5, spike_train="regular"), states)  # fmt: skip
    assert a.spike_log[:, :8].any()


def test_fourier_features_on_off_code_by_hand():
    from spikesim.inputs import FourierFeatures

    inputs = FourierFeatures(n_inputs=8, fourier_order=1, obs_low=[0, 0], obs_high=[1, 1], max_rate=0.4,
                             feature_code="on_off")  # fmt: skip
    phi = inputs.features([0.25, 0.5])  # cos(pi c . x), c in {0, 1}^2: 1, cos(pi/2), cos(pi/4), cos(3pi/4)
    np.testing.assert_allclose(phi, [1, 0, math.sqrt(0.5), -math.sqrt(0.5)], atol=1e-12)
    h = 0.4 * math.sqrt(0.5)
    np.testing.assert_allclose(inputs.rates([0.25, 0.5]), [0.4, 0, h, 0, 0, 0, 0, h], atol=1e-12)
    with pytest.raises(ConfigError, match=r"'n_inputs' expects 2 \(fourier_order \+ 1\)\^m = 8 .*'on_off'.*got 4"):
        FourierFeatures(n_inputs=4, fourier_order=1, obs_low=[0, 0], obs_high=[1, 1], feature_code="on_off")
    with pytest.raises(ConfigError, match="'feature_code'"):
        FourierFeatures(n_inputs=4, fourier_order=1, obs_low=[0, 0], obs_high=[1, 1], feature_code="onoff")
