"""Weights: Manual, Random and FixedInDegree (layouts, counts, bounds, errors)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from engines import compare_networks

from spikesim import ConfigError, RLNetwork
from spikesim.inputs import RateMap
from spikesim.neurons import Neuron
from spikesim.readouts import NeuronRates
from spikesim.rewards import Function
from spikesim.synapses import RLSTDP
from spikesim.weights import FixedInDegree, Manual, Random


def within_3_sigma(count, n, p):
    return abs(count - n * p) <= 3 * math.sqrt(n * p * (1 - p))


def assert_sorted(sources, targets):
    keys = np.asarray(sources, np.int64) * (int(np.max(targets)) + 1) + targets
    assert (np.diff(keys) > 0).all(), "synapses must be sorted by source then target, without duplicates"


# ---------------------------------------------------------------- Manual
def test_manual_matrix_nonzero_entries_are_synapses():
    matrix = np.array([[0.5, 0.0], [0.0, 0.0], [0.2, 0.3], [-0.1, 0.0]])  # 2 inputs, 2 body neurons
    sources, targets, w, lo, hi = Manual(n_inputs=2, n_neurons=2, matrix=matrix, min_weight=-1.0).build(np.ones(4))
    assert list(zip(sources.tolist(), targets.tolist())) == [(0, 0), (2, 0), (2, 1), (3, 0)]
    assert w.tolist() == [0.5, 0.2, 0.3, -0.1]
    assert lo.tolist() == [-1.0] * 4 and hi.tolist() == [1.0] * 4


def test_manual_masked_array_keeps_unmasked_zeros():
    data = np.array([[0.0, 0.4], [0.7, 0.0], [0.0, 0.0]])
    mask = np.array([[False, True], [True, False], [True, False]])
    sources, targets, w, _, _ = Manual(n_inputs=1, n_neurons=2, matrix=np.ma.array(data, mask=mask)).build(np.ones(3))
    assert list(zip(sources.tolist(), targets.tolist(), w.tolist())) == [(0, 0, 0.0), (1, 1, 0.0), (2, 1, 0.0)]


def test_manual_feed_forward_blocks_xor_shape():
    rng = np.random.default_rng(0)
    b0, b1 = rng.uniform(0, 0.2, (60, 60)), rng.uniform(0, 0.2, (60, 1))
    weights = Manual(n_inputs=60, n_neurons=61, matrix=[b0, b1], max_weight=5.0)
    dense, present = weights.dense_matrix()
    assert dense.shape == (121, 61)
    np.testing.assert_array_equal(dense[:60, :60], b0)  # inputs -> hidden (body 0..59)
    np.testing.assert_array_equal(dense[60:120, 60:], b1)  # hidden -> output (body 60)
    assert present.sum() == 3660 and present[:60, :60].all() and present[60:120, 60].all()
    assert not present[:60, 60].any() and not present[120].any() and not present[60:, :60].any()
    sources, targets, w, lo, hi = weights.build(np.ones(121))
    assert len(sources) == 3660 and (hi == 5.0).all() and (lo == 0.0).all()
    assert_sorted(sources, targets)


def test_manual_three_layers_of_blocks():
    # inputs (2) -> L1 (3) -> L2 (2) -> L3 (1): body neurons 0-2, 3-4, 5; presynaptic rows inputs then body
    b0, b1, b2 = np.full((2, 3), 0.1), np.full((3, 2), 0.2), np.full((2, 1), 0.3)
    dense, present = Manual(n_inputs=2, n_neurons=6, matrix=[b0, b1, b2]).dense_matrix()
    expected = np.zeros((8, 6))
    expected[0:2, 0:3] = 0.1
    expected[2:5, 3:5] = 0.2
    expected[5:7, 5:6] = 0.3
    np.testing.assert_array_equal(dense, expected)
    np.testing.assert_array_equal(present, expected != 0)


def test_manual_callable_draws_with_the_parts_generator():
    def blocks(rng, shape):
        assert shape == (5, 3)
        return [rng.uniform(0, 1, (2, 2)), rng.uniform(0, 1, (2, 1))]

    a = Manual(n_inputs=2, n_neurons=3, matrix=blocks, rng=np.random.default_rng(7)).build(np.ones(5))
    twin = np.random.default_rng(7)
    expected = np.concatenate([twin.uniform(0, 1, (2, 2)).ravel(), twin.uniform(0, 1, (2, 1)).ravel()])
    np.testing.assert_array_equal(a[2], expected)
    full = Manual(n_inputs=1, n_neurons=2, matrix=lambda rng, shape: np.full(shape, 0.5)).build(np.ones(3))
    assert len(full[0]) == 6


def test_manual_errors():
    with pytest.raises(ConfigError, match=r"Manual: key 'matrix' expects shape \(5, 3\) \(n_inputs \+ n_neurons, n_neurons\); got shape \(3, 3\)"):
        Manual(n_inputs=2, n_neurons=3, matrix=np.ones((3, 3)))
    with pytest.raises(ConfigError, match=r"blocks whose columns add up to n_neurons \(3\); got columns \[2, 2\]"):
        Manual(n_inputs=2, n_neurons=3, matrix=[np.ones((2, 2)), np.ones((2, 2))])
    with pytest.raises(ConfigError, match="block 1 with 2 rows"):
        Manual(n_inputs=2, n_neurons=3, matrix=[np.ones((2, 2)), np.ones((3, 1))])
    with pytest.raises(ConfigError, match="block 0 with 2 rows"):
        Manual(n_inputs=2, n_neurons=3, matrix=[np.ones((1, 2)), np.ones((2, 1))])
    with pytest.raises(ConfigError, match="finite"):
        Manual(n_inputs=1, n_neurons=1, matrix=[[np.nan], [1.0]])
    with pytest.raises(ConfigError, match="an array, a list of 2-D blocks or a callable"):
        Manual(n_inputs=1, n_neurons=1, matrix="weights")
    with pytest.raises(ConfigError, match=r"max_weight.*shape \(2, 1\); got shape \(3, 3\)"):
        Manual(n_inputs=1, n_neurons=1, matrix=[[1.0], [1.0]], max_weight=np.ones((3, 3)))
    with pytest.raises(ConfigError, match="bounds no larger than max_weight"):
        Manual(n_inputs=1, n_neurons=1, matrix=[[1.0], [1.0]], min_weight=2.0).build(np.ones(2))


# ---------------------------------------------------------------- Random
def random_build(seed=0, polarity=None, **keys):
    keys = {"n_inputs": 20, "n_neurons": 50, **keys}
    part = Random(rng=np.random.default_rng(seed), **keys)
    n_pre = keys["n_inputs"] + keys["n_neurons"]
    return part.build(np.ones(n_pre) if polarity is None else polarity)


def test_random_connection_probability_within_3_sigma():
    sources, targets, w, lo, hi = random_build(connection_probability=0.3)
    pairs = 70 * 50 - 50  # every (pre, post) pair but the 50 self-pairs
    assert within_3_sigma(len(sources), pairs, 0.3), len(sources)
    inputs = sources < 20
    assert within_3_sigma(inputs.sum(), 20 * 50, 0.3)
    assert_sorted(sources, targets)


def test_random_has_no_self_connections():
    sources, targets, *_ = random_build(connection_probability=1.0)
    assert len(sources) == 70 * 50 - 50
    assert not ((sources >= 20) & (sources - 20 == targets)).any()


def test_random_force_unidirectional_keeps_one_of_each_pair():
    sources, targets, *_ = random_build(connection_probability=1.0, force_unidirectional=True)
    body = np.zeros((50, 50), dtype=bool)
    b = sources >= 20
    body[sources[b] - 20, targets[b]] = True
    upper = np.triu_indices(50, k=1)
    assert (body ^ body.T)[upper].all()  # exactly one direction of every pair
    forward = body[upper].sum()
    assert within_3_sigma(forward, 50 * 49 // 2, 0.5)  # dropped at random
    assert (~b).sum() == 20 * 50  # inputs untouched
    sparse = random_build(connection_probability=0.5, force_unidirectional=True, seed=3)
    body[:] = False
    b = sparse[0] >= 20
    body[sparse[0][b] - 20, sparse[1][b]] = True
    assert not (body & body.T).any()


def test_random_matrix_mask_full_and_body_only():
    mask = np.random.default_rng(1).random((70, 50)) < 0.2
    sources, targets, *_ = random_build(matrix_mask=mask)
    expected = mask.copy()
    expected[20 + np.arange(50), np.arange(50)] = False
    present = np.zeros((70, 50), dtype=bool)
    present[sources, targets] = True
    np.testing.assert_array_equal(present, expected)
    body_mask = np.eye(50, k=1)  # numbers: nonzero = allowed
    sources, targets, *_ = random_build(matrix_mask=body_mask, connection_probability=1.0)
    present[:] = False
    present[sources, targets] = True
    assert present[:20].all()  # inputs reach every body neuron
    np.testing.assert_array_equal(present[20:], body_mask != 0)
    thinned = random_build(matrix_mask=mask, connection_probability=0.5)[0]
    assert within_3_sigma(len(thinned), expected.sum(), 0.5)


def test_random_weights_uniform_within_each_bound_and_generator():
    lo_m = np.full((70, 50), -1.0)
    lo_m[:20] = 0.0
    _, _, w, lo, hi = random_build(min_weight=lo_m, max_weight=2.0)
    assert ((lo <= w) & (w <= hi)).all()
    for low in (0.0, -1.0):
        part = w[lo == low]
        mean, sd = (low + 2.0) / 2, (2.0 - low) / math.sqrt(12)
        assert abs(part.mean() - mean) <= 3 * sd / math.sqrt(part.size)
    _, _, w, *_ = random_build(weight_generator=lambda rng, n: np.linspace(0, 1, n))
    np.testing.assert_array_equal(w, np.linspace(0, 1, 70 * 50 - 50))
    drawn = random_build(seed=4, weight_generator=lambda rng, n: rng.normal(0.5, 0.01, n), connection_probability=1.0)[2]
    np.testing.assert_array_equal(drawn, np.random.default_rng(4).normal(0.5, 0.01, 70 * 50 - 50))


def test_random_draws_only_with_its_generator():
    np.random.seed(1)
    a = random_build(seed=5, connection_probability=0.4, force_unidirectional=True)
    np.random.seed(2)
    b = random_build(seed=5, connection_probability=0.4, force_unidirectional=True)
    c = random_build(seed=6, connection_probability=0.4, force_unidirectional=True)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert len(a[0]) != len(c[0]) or not np.array_equal(a[0], c[0])


def test_random_errors():
    with pytest.raises(ConfigError, match=r"Random: key 'matrix_mask' expects a bool matrix of shape \(70, 50\) or \(50, 50\); got shape \(70, 49\)"):
        Random(n_inputs=20, n_neurons=50, matrix_mask=np.ones((70, 49), bool))
    with pytest.raises(ConfigError, match="matrix_mask"):
        Random(n_inputs=20, n_neurons=50, matrix_mask="all")
    with pytest.raises(ConfigError, match="connection_probability"):
        Random(n_inputs=20, n_neurons=50, connection_probability=1.5)
    with pytest.raises(ConfigError, match="force_unidirectional"):
        Random(n_inputs=20, n_neurons=50, force_unidirectional="yes")
    with pytest.raises(ConfigError, match=r"weight_generator' expects a function f\(rng, n\) returning 3450 weights; got shape \(3\,\)"):
        random_build(weight_generator=lambda rng, n: np.zeros(3))
    with pytest.raises(ConfigError, match="weight_generator' expects finite weights"):
        random_build(weight_generator=lambda rng, n: np.full(n, np.nan))
    with pytest.raises(ConfigError, match="weight_generator"):
        random_build(weight_generator=lambda rng, n: ["x"] * n)
    with pytest.raises(ConfigError, match="bounds no larger than max_weight"):
        random_build(min_weight=1.0, max_weight=0.5)
    with pytest.raises(ConfigError, match="min_weight"):
        Random(n_inputs=20, n_neurons=50, min_weight=np.zeros((2, 2)))
    with pytest.raises(ConfigError, match="storage"):
        Random(n_inputs=20, n_neurons=50, storage="csr")


# ---------------------------------------------------------------- FixedInDegree
def fixed_build(seed=0, polarity=None, **keys):
    keys = {"n_inputs": 10, "n_neurons": 60, "in_degree": 8, **keys}
    part = FixedInDegree(rng=np.random.default_rng(seed), **keys)
    n_pre = keys["n_inputs"] + keys["n_neurons"]
    return part.build(np.ones(n_pre) if polarity is None else polarity)


@pytest.mark.parametrize("source, in_degree", [
    ("all", 8), ("body", 8), ("inputs", 8), ("all", 69), ("body", 59), ("body", 40), ("inputs", 10), ("all", 0),
])  # fmt: skip
def test_fixed_in_degree_exact_distinct_and_never_self(source, in_degree):
    sources, targets, w, lo, hi = fixed_build(source=source, in_degree=in_degree)
    assert len(sources) == 60 * in_degree
    assert (np.bincount(targets, minlength=60) == in_degree).all()
    assert_sorted(sources, targets) if in_degree else None  # sorted and no duplicate pair
    assert not ((sources >= 10) & (sources - 10 == targets)).any()
    if source == "body":
        assert (sources >= 10).all()
    if source == "inputs":
        assert (sources < 10).all()
    assert ((lo <= w) & (w <= hi)).all()


@pytest.mark.parametrize("in_degree", [20, 120])  # sparse draws (k^2 <= 2n) and dense ones
def test_fixed_in_degree_sources_are_uniform(in_degree):
    # out-degree of each neuron ~ Binomial(N - 1, k / (N - 1)); their squared
    # deviations sum like a chi-square of about N - 1 degrees of freedom
    n = 400
    sources, targets, *_ = fixed_build(seed=2, n_inputs=0, n_neurons=n, in_degree=in_degree, source="body")
    out = np.bincount(sources, minlength=n)
    p = in_degree / (n - 1)
    chi2 = ((out - in_degree) ** 2).sum() / ((n - 1) * p * (1 - p))
    assert abs(chi2 - (n - 1)) <= 4 * math.sqrt(2 * (n - 1)), chi2
    below = (sources < targets).sum()  # target i draws below itself with probability i / (n - 1)
    assert within_3_sigma(below, len(sources), 0.5)


def test_fixed_in_degree_weights():
    _, _, w, lo, hi = fixed_build(initial_weight=0.3)
    assert (w == 0.3).all() and (lo == 0.0).all() and (hi == 1.0).all()
    _, _, w, lo, hi = fixed_build(seed=1)  # default: uniform between the bounds
    assert abs(w.mean() - 0.5) <= 3 * math.sqrt(1 / 12 / w.size)
    _, _, w, *_ = fixed_build(weight_generator=lambda rng, n: np.arange(n) / n)
    np.testing.assert_array_equal(w, np.arange(480) / 480)


def test_fixed_in_degree_static_inhibitory_bounds():
    # W2: excitatory J = 0.1 mV plastic in [0, 0.2]; inhibitory 0.5 mV (polarity -1) static
    n = 1000
    polarity = np.ones(n)
    polarity[800:] = -1.0
    sources, targets, w, lo, hi = fixed_build(
        n_inputs=0, n_neurons=n, in_degree=100, source="body", polarity=polarity,
        initial_weight=0.1, min_weight=0.0, max_weight=0.2, static_inhibitory=True, inhibitory_weight=0.5,
    )  # fmt: skip
    inhibitory = sources >= 800
    assert (w[inhibitory] == 0.5).all() and (lo[inhibitory] == 0.5).all() and (hi[inhibitory] == 0.5).all()
    assert (w[~inhibitory] == 0.1).all() and (lo[~inhibitory] == 0.0).all() and (hi[~inhibitory] == 0.2).all()
    assert within_3_sigma(inhibitory.sum(), len(sources), 200 / 999)
    # static without inhibitory_weight keeps the drawn weight; without static the bounds stay
    mixed = np.where(np.arange(50) < 25, 1.0, -1.0)
    sources, _, w, lo, hi = fixed_build(n_inputs=0, n_neurons=50, source="body", polarity=mixed, static_inhibitory=True)
    inh = sources >= 25
    assert ((lo == hi) == inh).all() and (w[inh] == lo[inh]).all() and ((w > 0) & (w < 1)).all()
    sources, _, w, lo, hi = fixed_build(n_inputs=0, n_neurons=50, source="body", polarity=mixed, inhibitory_weight=0.7)
    inh = sources >= 25
    assert (lo == 0).all() and (hi == 1).all() and (w[inh] == 0.7).all() and (w[~inh] != 0.7).all()


def test_fixed_in_degree_builds_100000_neurons_sparsely():
    n, k = 100_000, 100
    polarity = np.ones(n)
    polarity[80_000:] = -1.0
    part = FixedInDegree(n_inputs=0, n_neurons=n, in_degree=k, source="body", initial_weight=0.1, max_weight=0.2,
                         static_inhibitory=True, inhibitory_weight=0.5, rng=np.random.default_rng(0))  # fmt: skip
    sources, targets, w, lo, hi = part.build(polarity)
    assert len(sources) == n * k == 10_000_000
    assert (np.bincount(targets, minlength=n) == k).all()
    keys = sources * n + targets
    assert (np.diff(keys) > 0).all()  # sorted, every pair distinct
    assert not (sources == targets).any()
    assert ((sources >= 80_000) == (lo == hi)).all()


def test_fixed_in_degree_errors():
    with pytest.raises(ConfigError, match=r"FixedInDegree: key 'in_degree' expects at most 59 \(the distinct 'body' neurons other than the target\); got 60"):
        FixedInDegree(n_inputs=10, n_neurons=60, in_degree=60, source="body")
    with pytest.raises(ConfigError, match="at most 10"):
        FixedInDegree(n_inputs=10, n_neurons=60, in_degree=11, source="inputs")
    with pytest.raises(ConfigError, match="at most 69"):
        FixedInDegree(n_inputs=10, n_neurons=60, in_degree=70)
    with pytest.raises(ConfigError, match="in_degree"):
        FixedInDegree(n_inputs=10, n_neurons=60, in_degree=-1)
    with pytest.raises(ConfigError, match="missing required key: 'in_degree'"):
        FixedInDegree(n_inputs=10, n_neurons=60)
    with pytest.raises(ConfigError, match="source"):
        FixedInDegree(n_inputs=10, n_neurons=60, in_degree=5, source="outputs")
    with pytest.raises(ConfigError, match="None when weight_generator is given"):
        FixedInDegree(n_inputs=10, n_neurons=60, in_degree=5, initial_weight=0.1, weight_generator=lambda rng, n: np.zeros(n))
    with pytest.raises(ConfigError, match=r"initial_weight' expects a weight within \[min_weight, max_weight\] = \[0, 1\]; got 2"):
        FixedInDegree(n_inputs=10, n_neurons=60, in_degree=5, initial_weight=2.0)
    with pytest.raises(ConfigError, match="static_inhibitory"):
        FixedInDegree(n_inputs=10, n_neurons=60, in_degree=5, static_inhibitory=1)


# ---------------------------------------------------------------- inside networks
PARTS = {"inputs": RateMap, "neurons": Neuron, "synapses": RLSTDP, "readout": NeuronRates, "rewarder": Function}
KEYS = {
    "n_inputs": 8, "n_neurons": 30, "n_outputs": 2, "processing_time": 25, "state_rate_map": [0.0, 0.5],
    "firing_threshold": 0.6, "potential_decay": 0.1, "refractory_period": 0, "prob_rand_fire": 0.05,
    "max_weight": 1.0, "learning_rate": 0.2, "reward_function": lambda s, a, s2: 1.0,
}  # fmt: skip
STATES = [np.array(s) for s in ((0, 1), (1, 0), (1, 1), (0, 1))]


def test_fixed_in_degree_network_keeps_inhibitory_synapses_static_on_both_engines():
    polarities = np.where(np.arange(30) < 24, 1.0, -1.0)

    def make(engine, storage="auto"):
        return RLNetwork(parts={**PARTS, "weights": FixedInDegree}, seed=4, engine=engine, storage=storage,
                         in_degree=6, initial_weight=0.3, static_inhibitory=True, inhibitory_weight=0.8,
                         polarities=polarities, **KEYS)  # fmt: skip

    a, b = compare_networks(make, STATES)
    inhibitory = a.graph.sources >= 8 + 24
    assert (a.w[inhibitory] == -0.8).all()  # stored signed
    assert (a.w[~inhibitory] != 0.3).any()  # the others learned
    assert not a.dense and make("numba", storage="dense").dense


def test_random_network_runs_the_same_on_both_engines_and_storages():
    def make(engine, storage="auto"):
        return RLNetwork(parts={**PARTS, "weights": Random}, seed=2, engine=engine, storage=storage,
                         connection_probability=0.3, force_unidirectional=True, **KEYS)  # fmt: skip

    a, _ = compare_networks(make, STATES)
    dense = make("numba", storage="dense")
    assert dense.dense and not a.dense  # 30 % of the pairs: sparse by default
    compare_networks(lambda engine: make(engine, storage="dense"), STATES)
    np.testing.assert_array_equal(dense.matrix, make("numba").matrix)
