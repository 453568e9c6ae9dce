"""Bad input gets one clear error at construction (issue 11, share C): non-finite numbers, polarities, the
check() chain, presets, user callables with a wrong signature, sparse connectivity without a dense mask."""
from __future__ import annotations

import importlib
import math
import os
import pkgutil
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xor_network import STATES, ActiveXORNetwork, XORNetwork

import spikesim
import spikesim.experiments
import spikesim.games
from spikesim import ConfigError, cli, experiments
from spikesim.families import Inputs
from spikesim.games import Logic
from spikesim.games.game import Game
from spikesim.inputs import RateMap, StaticMap
from spikesim.neurons import LIF, Izhikevich
from spikesim.params import Interval, Param, closest, params_of
from spikesim.parts import Part
from spikesim.rewards import Function, MatchExpected
from spikesim.synapses import STDP
from spikesim.weights import Manual, Random


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def _registered(base: type) -> list[type]:
    """Every subclass of ``base`` defined in the spikesim packages (the meta package defines none and imports ray)."""
    for package in (spikesim, spikesim.games, spikesim.experiments):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not module.name.endswith("__main__"):
                importlib.import_module(module.name)
    return sorted({c for c in _subclasses(base) if c.__module__.startswith("spikesim.")}, key=lambda c: c.__qualname__)


NUMERIC = ("float", "array", "float|array")
FLOAT_KEYS = sorted(
    {(cls.__name__, p) for cls in _registered(Part) + _registered(Game) for p in params_of(cls) if p.type in NUMERIC},
    key=lambda pair: (pair[0], pair[1].name),
)


def test_the_walk_finds_the_parts_and_their_float_keys():
    owners = {owner for owner, _ in FLOAT_KEYS}
    assert {"LIF", "Izhikevich", "STDP", "MSTDPET", "DASTDP", "Random", "PopulationCode", "CartPole"} <= owners
    assert {"SymbolTrains", "Stimuli", "MultiOneHot"} <= {c.__name__ for c in _registered(Inputs)}
    assert len(FLOAT_KEYS) > 100


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    case=st.sampled_from(FLOAT_KEYS),
    bad=st.sampled_from([math.nan, math.inf, -math.inf]),
    as_array=st.booleans(),
    position=st.integers(0, 2),
)
def test_every_declared_float_key_refuses_nan_and_inf(case, bad, as_array, position):
    owner, param = case
    value = bad
    if param.type != "float" and (as_array or param.type == "array"):
        value = np.zeros(3) + (1.0 if param.range is None else _inside(param.interval))
        value[position] = bad
    allowed = param.range is not None and not math.isnan(bad) and bad in param.interval
    if allowed:  # a key may declare an infinite end as allowed, e.g. "(0, inf]"
        assert np.array_equal(np.ravel(param.check(value, owner)), np.ravel(value))
        return
    with pytest.raises(ConfigError, match=rf"^{owner}: key '{param.name}' expects .*; got "):
        param.check(value, owner)


def _inside(interval: Interval) -> float:
    """A finite number within ``interval``."""
    low = interval.low if math.isfinite(interval.low) else min(interval.high, 0.0) - 1.0
    high = interval.high if math.isfinite(interval.high) else low + 2.0
    return (low + high) / 2


def test_a_range_that_includes_inf_allows_it_and_finite_keys_say_so():
    assert Param("t", "float", 1.0, "a timeout", "(0, inf]").check(math.inf, "P") == math.inf
    with pytest.raises(ConfigError, match=r"^P: key 't' expects a number in \(0, inf\); got inf$"):
        Param("t", "float", 1.0, "a timeout", "(0, inf)").check(math.inf, "P")
    expected = r"^P: key 'x' expects an array of finite numbers or None; got .* \(element -inf at index 1\)$"
    with pytest.raises(ConfigError, match=expected):
        Param("x", "array", None, "values").check([0.0, -math.inf], "P")


@pytest.mark.parametrize("make", [
    lambda: LIF(n_neurons=2, firing_threshold=math.inf),
    lambda: LIF(n_neurons=2, resting_mv=-math.inf),
    lambda: STDP(a_plus=math.inf),
    lambda: XORNetwork(game=Logic(preset="XOR"), seed=0, firing_threshold=math.inf),
], ids=["LIF firing_threshold", "LIF resting_mv", "STDP a_plus", "network firing_threshold"])
def test_the_probed_non_finite_keys_fail_at_construction(make):
    keys = "(firing_threshold|resting_mv|a_plus)"
    with pytest.raises(ConfigError, match=rf"key '{keys}' expects a finite number; got -?inf"):
        make()


def test_izhikevich_refuses_a_step_its_euler_scheme_cannot_integrate():
    with pytest.raises(ConfigError, match=r"^Izhikevich: key 'dt' expects at most 1 ms .*; got 1000000000.0$"):
        Izhikevich(n_neurons=2, dt=1e9)
    with pytest.raises(ConfigError, match="key 'dt' expects at most 1 ms"):
        Izhikevich(n_neurons=2, dt=2.0)
    neuron = Izhikevich(n_neurons=2, dt=1.0)
    with pytest.raises(ConfigError, match="key 'dt'"):
        neuron.set_param("dt", 5.0)
    assert neuron.dt == 1.0  # the old value kept


# ---------------------------------------------------------------- polarities and the check() chain
#: The keys each registered input part needs besides n_inputs = 2 (a new input part must be added here).
INPUT_KEYS = {
    "CompositeCode": {"obs_leaves": (((0,), "Discrete", 2, 0),)},
    "FourierFeatures": {"obs_low": [0.0], "obs_high": [1.0], "fourier_order": 1},
    "MultiOneHot": {"obs_nvec": [2]},
    "OneHot": {"n_states": 2},
    "PopulationCode": {"obs_low": 0.0, "obs_high": 1.0},
    "RateInputs": {},
    "RateMap": {"state_rate_map": [0.0, 0.5]},
    "SpikeTimes": {"processing_time": 1, "spike_times": ((1,), (2,))},
    "StaticMap": {"processing_time": 1, "state_spike_map": {0: [1, 0]}},
    "Stimuli": {"processing_time": 5},
    "SymbolTrains": {"processing_time": 5, "train_spikes": 2},
}
INPUT_PARTS = _registered(Inputs)


def test_every_input_part_is_covered():
    assert sorted(c.__name__ for c in INPUT_PARTS) == sorted(INPUT_KEYS)


@pytest.mark.parametrize("cls", INPUT_PARTS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("polarities, got", [
    ([1.0], r"shape \(1,\)"),
    ([1.0, 1.0, -1.0], r"shape \(3,\)"),
    ([1.0, 0.0], "0 at index 1"),
    ([2.0, 1.0], "2 at index 0"),
    ([-1.0, 0.5], "0.5 at index 1"),
])
def test_input_polarities_are_validated_for_every_input_part(cls, polarities, got):
    expected = rf"^{cls.__name__}: key 'input_polarities' expects an array of shape \(2,\) of \+1 and -1; got {got}$"
    with pytest.raises(ConfigError, match=expected):
        cls(n_inputs=2, input_polarities=polarities, **INPUT_KEYS[cls.__name__])


@pytest.mark.parametrize("cls", INPUT_PARTS, ids=lambda c: c.__name__)
def test_input_polarities_refuse_inf_and_keep_good_signs(cls):
    with pytest.raises(ConfigError, match=rf"^{cls.__name__}: key 'input_polarities' expects an array of finite"):
        cls(n_inputs=2, input_polarities=[1.0, math.inf], **INPUT_KEYS[cls.__name__])
    part = cls(n_inputs=2, input_polarities=[-1, 1], **INPUT_KEYS[cls.__name__])
    assert part.signs.tolist() == [-1.0, 1.0]
    with pytest.raises(ConfigError, match="key 'input_polarities'"):
        part.set_param("input_polarities", [1.0, 2.0])  # set_param runs the same chain
    assert part.input_polarities.tolist() == [-1.0, 1.0]


def test_a_check_without_super_still_gets_the_shared_checks():
    calls = []

    class Quiet(RateMap):
        def check(self):  # no super().check()
            calls.append(type(self).__name__)

    with pytest.raises(ConfigError, match="^Quiet: key 'input_polarities' expects"):
        Quiet(n_inputs=2, state_rate_map=[0.0, 0.5], input_polarities=[1.0, 3.0])
    with pytest.raises(ConfigError, match="^Quiet: key 'state_rate_map' expects a sequence of probabilities"):
        Quiet(n_inputs=2, state_rate_map=[2.0])  # RateMap's own check runs too
    assert calls == []  # the base checks run first, and failed
    Quiet(n_inputs=2, state_rate_map=[0.0, 0.5])
    assert calls == ["Quiet"]

    class QuietWeights(Manual):
        def check(self):
            pass

    with pytest.raises(ConfigError, match=r"^QuietWeights: key 'matrix' expects shape \(3, 2\)"):
        QuietWeights(n_inputs=1, n_neurons=2, matrix=np.ones((2, 2)))


def test_a_check_with_super_still_works_and_run_checks_cannot_be_overridden():
    class Polite(RateMap):
        def check(self):
            super().check()

    assert Polite(n_inputs=2, state_rate_map=[0.0, 0.5]).signs.tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="override check"):
        type("Sneaky", (RateMap,), {"run_checks": lambda self: None})


# ---------------------------------------------------------------- presets and names
@pytest.mark.parametrize("preset", [3, ["XOR"], 1.5])
def test_a_non_string_preset_is_a_config_error(preset):
    with pytest.raises(ConfigError, match=r"^Logic: preset expects a preset name \(a string\) among AND, OR, XOR, "):
        Logic(preset=preset)


def test_closest_ignores_names_that_are_not_strings():
    assert closest(3, ["a", "b"]) == "" and closest(("x",), ["x"]) == ""
    assert closest("xr", ["xor"]) == "; did you mean 'xor'?"
    with pytest.raises(KeyError, match="an experiment name is a string; got 3"):
        spikesim.experiments.get(3)


# ---------------------------------------------------------------- user callables
def test_a_matrix_callable_with_a_wrong_signature_names_the_key():
    expected = r"^Manual: key 'matrix' expects f\(rng, shape\) -> either; got posix\.getcwd, which cannot be called so"
    with pytest.raises(ConfigError, match=expected + r".*takes no arguments \(2 given\)$") as caught:
        Manual(n_inputs=1, n_neurons=1, matrix=os.getcwd)
    assert isinstance(caught.value.__cause__, TypeError)
    with pytest.raises(ConfigError, match=expected):
        XORNetwork(game=Logic(preset="XOR"), seed=0, matrix=os.getcwd)


def test_a_type_error_inside_a_correct_callable_keeps_its_traceback():
    def blocks(rng, shape):
        return len(shape[0])  # the user's own bug

    with pytest.raises(TypeError, match="has no len") as caught:
        Manual(n_inputs=1, n_neurons=1, matrix=blocks)
    assert "blocks" in [entry.name for entry in caught.traceback]


def test_a_callable_result_of_the_wrong_type_names_the_key():
    with pytest.raises(ConfigError, match=r"^Manual: key 'matrix' expects an array, .*; got 'weights' from f\(rng, "):
        Manual(n_inputs=1, n_neurons=1, matrix=lambda rng, shape: "weights")
    with pytest.raises(ConfigError, match=r"^Random: key 'weight_generator' expects a function f\(rng, n\) returning"):
        Random(n_inputs=0, n_neurons=2, weight_generator=lambda rng, n: ["a", "b"]).build(np.ones(2))
    with pytest.raises(ConfigError, match=r"^RateMap: key 'state_rate_map' expects group rates .*; got 'fast' for"):
        RateMap(n_inputs=2, state_rate_map=lambda state: "fast").rates((0, 1))
    with pytest.raises(ConfigError, match=r"^Function: key 'reward_function' must return a number; got 'good'"):
        Function(reward_function=lambda s, a, s2: "good")(0, 1, None)


@pytest.mark.parametrize("call, key, signature", [
    (lambda: Random(n_inputs=0, n_neurons=2, weight_generator=os.getcwd).build(np.ones(2)),
     "weight_generator", r"f\(rng, n\)"),
    (lambda: RateMap(n_inputs=2, state_rate_map=os.getcwd).rates((0, 1)), "state_rate_map", r"f\(state\)"),
    (lambda: StaticMap(n_inputs=2, processing_time=1, state_spike_map=os.getcwd).pattern(0),
     "state_spike_map", r"f\(state\)"),
    (lambda: Function(reward_function=os.getcwd)(0, 1, None), "reward_function", r"f\(state, action, state_next\)"),
    (lambda: MatchExpected(expected_value=os.getcwd)(0, 1, None), "expected_value", r"f\(state\)"),
    (lambda: Logic(expected_value=os.getcwd).step(0), "expected_value", r"f\(state\)"),
    (lambda: ActiveXORNetwork(game=Logic(preset="XOR"), seed=0, continuous_rwd_action=os.getcwd).tick(STATES[1]),
     "continuous_rwd_action", r"f\(network, state\)"),
], ids=["weight_generator", "state_rate_map", "state_spike_map", "reward_function", "MatchExpected", "Logic",
        "continuous_rwd_action"])
def test_every_user_callable_with_a_wrong_signature_names_its_key(call, key, signature):
    with pytest.raises(ConfigError, match=rf"key '{key}' expects {signature}.*; got posix\.getcwd, which cannot be"):
        call()


def test_a_continuous_reward_of_the_wrong_shape_names_the_key():
    net = ActiveXORNetwork(game=Logic(preset="XOR"), seed=0, continuous_rwd_action=lambda network, state: "x")
    expected = r"^ActiveXORNetwork: key 'continuous_rwd_action' expects f\(network, state\) -> \(a number, "
    with pytest.raises(ConfigError, match=expected + r"a number or 1 numbers\); got 'x'"):
        net.tick(STATES[1])


def test_the_command_line_reports_a_wrong_signature_in_one_line(tmp_path, capsys):
    code = cli.main(["run", "xor", "--episodes", "1", "--set", "matrix=spikesim.games.logic:logic_xor",
                     "--out", str(tmp_path / "run"), "--no-progress", "--no-plots"])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "key 'matrix' expects f(rng, shape)" in err and "logic_xor" in err


# ---------------------------------------------------------------- sparse connectivity
def test_sparse_random_weights_for_200000_neurons_need_no_dense_mask():
    n, p = 200_000, 0.0005
    tracemalloc.start()
    try:
        part = Random(n_inputs=0, n_neurons=n, connection_probability=p, storage="sparse", rng=np.random.default_rng(0))
        sources, targets, w, lo, hi = part.build(np.ones(n))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    dense_mask = n * n  # bytes of the bool mask alone (37 GiB)
    assert peak < 2**30 < dense_mask / 30, f"peak {peak / 2**20:.0f} MiB"
    pairs = n * (n - 1)
    assert abs(len(sources) - pairs * p) <= 5 * math.sqrt(pairs * p)
    keys = sources * n + targets
    assert (np.diff(keys) > 0).all() and not (sources == targets).any()  # sorted, distinct, no self-synapse
    assert ((lo <= w) & (w <= hi)).all()


def test_sparse_random_weights_keep_the_distribution_and_the_options():
    mask = np.random.default_rng(1).random((40, 40)) < 0.5
    for keys in ({}, {"force_unidirectional": True}, {"matrix_mask": mask, "force_unidirectional": True}):
        rng = np.random.default_rng(2)
        part = Random(n_inputs=10, n_neurons=40, connection_probability=0.4, storage="sparse", rng=rng, **keys)
        sources, targets, *_ = part.build(np.ones(50))
        body = np.zeros((40, 40), dtype=bool)
        b = sources >= 10
        body[sources[b] - 10, targets[b]] = True
        assert not body.diagonal().any() and (np.diff(sources * 40 + targets) > 0).all()
        if keys:
            assert not (body & body.T).any()
        if "matrix_mask" in keys:
            assert mask[body].all() and body.sum() > 0
    counts = [len(Random(n_inputs=0, n_neurons=60, connection_probability=0.1, storage="sparse",
                         rng=np.random.default_rng(s)).build(np.ones(60))[0]) for s in range(40)]  # fmt: skip
    assert abs(np.mean(counts) - 0.1 * 60 * 59) < 3 * math.sqrt(0.1 * 0.9 * 60 * 59 / 40)


def test_dense_and_auto_random_weights_are_the_same_draws_as_before():
    rng = np.random.default_rng(9)
    part = Random(n_inputs=3, n_neurons=30, connection_probability=0.3, force_unidirectional=True, rng=rng)
    sources, targets, w, lo, hi = part.build(np.ones(33))
    rng = np.random.default_rng(9)  # the former algorithm, by hand, from the same seed
    present = rng.random((33, 30)) < 0.3
    present[3 + np.arange(30), np.arange(30)] = False
    body = present[3:]
    i, j = np.nonzero(np.triu(body & body.T, k=1))
    drop = rng.random(i.size) < 0.5
    body[i[drop], j[drop]] = False
    body[j[~drop], i[~drop]] = False
    want_sources, want_targets = np.nonzero(present)
    np.testing.assert_array_equal(sources, want_sources)
    np.testing.assert_array_equal(targets, want_targets)
    np.testing.assert_array_equal(w, 0.0 + (1.0 - 0.0) * rng.random(len(want_sources)))


@pytest.mark.parametrize("keys, what", [
    ({"n_neurons": 1_000_000, "connection_probability": 0.0005},
     r"1,000,000,000,000 pairs drawn as a dense matrix \(storage 'auto'\)"),
    ({"n_neurons": 10_000_000, "connection_probability": 0.5, "storage": "sparse"},
     r"about 50,000,000,000,000 synapses \(storage 'sparse'\)"),
    ({"n_neurons": 1_000_000, "storage": "dense"}, r"1,000,000,000,000 stored pairs \(storage 'dense'\)"),
])
def test_a_network_that_cannot_fit_is_refused_before_anything_is_allocated(keys, what):
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError, match=rf"^Random: {what} need about [\d.]+ [KMGTPEZY]iB, more than the "):
            Random(n_inputs=0, **keys)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20  # refused from the estimate, before any array of that size



@pytest.mark.parametrize("keys, what", [
    ({"processing_time": 10**11}, r"121 neurons logged over 100,000,000,000 steps"),
    ({"n_neurons": 10**11, "n_outputs": 1}, r"100,000,000,060 neurons logged over 500 steps"),
])  # fmt: skip
def test_a_network_too_large_for_memory_is_refused_before_its_parts_are_built(keys, what):
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError, match=rf"^RateXOR: {what} \(n_inputs, n_neurons, processing_time\) need"):
            experiments.get("xor").build(keys, seed=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20
