"""Parameter declarations and validation."""
from __future__ import annotations

import math

import numpy as np
import pytest

from spikesim.params import (REQUIRED, SEED_BOUND, ConfigError, Interval, Param, closest, declarations, describe,
                             fresh_seed, resolve)  # fmt: skip


def test_interval_parsing_and_membership():
    closed = Interval.parse("[0, 1]")
    assert 0 in closed and 1 in closed and 1.0001 not in closed
    half = Interval.parse("(0, inf)")
    assert 0 not in half and 1e300 in half and math.inf not in half
    assert str(Interval.parse("[-1, 1)")) == "[-1, 1)"
    with pytest.raises(ValueError):
        Interval.parse("0..1")


def test_int_accepts_integers_and_integral_floats_only():
    p = Param("n", "int", REQUIRED, "count", "[1, inf)")
    assert p.check(np.int32(3), "Part") == 3 and type(p.check(np.int32(3), "Part")) is int
    assert p.check(4.0, "Part") == 4
    for bad in (True, 2.5, "3", None):
        with pytest.raises(ConfigError, match=r"Part: key 'n' expects an integer in \[1, inf\); got"):
            p.check(bad, "Part")
    with pytest.raises(ConfigError, match="got 0"):
        p.check(0, "Part")


def test_float_refuses_nan_bool_and_text():
    p = Param("x", "float", 1.0, "a number")
    assert p.check(2, "P") == 2.0 and isinstance(p.check(2, "P"), float)
    for bad in (float("nan"), False, "1.0", [1.0]):
        with pytest.raises(ConfigError, match="key 'x' expects a finite number"):
            p.check(bad, "P")


def test_open_range_excludes_its_end():
    p = Param("tau", "float", 20.0, "time constant", "(0, inf)")
    with pytest.raises(ConfigError, match=r"expects a number in \(0, inf\); got 0"):
        p.check(0, "LIF")


def test_arrays_are_checked_element_by_element():
    p = Param("a", "float|array", 0.02, "per-neuron a", "[0, 1]")
    assert p.check(0.5, "P") == 0.5
    np.testing.assert_array_equal(p.check([0.1, 0.2], "P"), [0.1, 0.2])
    with pytest.raises(ConfigError, match=r"element 2 at index 1"):
        p.check([0.1, 2.0], "P")
    with pytest.raises(ConfigError, match="expects a number or an array"):
        p.check([0.1, float("nan")], "P")


def test_choices_and_none_default():
    p = Param("engine", "str", "numba", "engine", choices=("numba", "numpy"))
    assert p.check("numpy", "N") == "numpy"
    with pytest.raises(ConfigError, match="among 'numba', 'numpy'; got 'jax'"):
        p.check("jax", "N")
    q = Param("seed", "int", None, "seed")
    assert q.check(None, "N") is None
    with pytest.raises(ConfigError, match="an integer or None"):
        q.check("x", "N")


def test_callable_and_bool():
    assert Param("f", "callable", REQUIRED, "f").check(len, "P") is len
    with pytest.raises(ConfigError, match="a callable"):
        Param("f", "callable", REQUIRED, "f").check(3, "P")
    assert Param("b", "bool", False, "b").check(np.True_, "P") is True
    with pytest.raises(ConfigError, match="a bool"):
        Param("b", "bool", False, "b").check(1, "P")


def test_resolve_lists_unknown_and_missing_keys():
    params = [Param("alpha", "float", REQUIRED, "a"), Param("beta", "float", REQUIRED, "b"), Param("gamma", "int", 3, "c")]
    assert resolve("P", params, {"alpha": 1, "beta": 2}) == {"alpha": 1.0, "beta": 2.0, "gamma": 3}
    with pytest.raises(ConfigError, match=r"P: missing required keys: 'alpha' \(a\); 'beta' \(b\)"):
        resolve("P", params, {})
    with pytest.raises(ConfigError, match="unknown key 'gama'; did you mean 'gamma'"):
        resolve("P", params, {"alpha": 1, "beta": 2, "gama": 1})


def test_closest_suggests_only_near_names():
    assert closest("learnig_rate", ["learning_rate", "tau"]) == "; did you mean 'learning_rate'?"
    assert closest("zzz", ["learning_rate"]) == ""


def test_shared_keys_must_be_declared_identically():
    class A:
        PARAMS = (Param("n", "int", 1, "n"),)

    class B:
        PARAMS = (Param("n", "int", 2, "n"),)

    class C:
        PARAMS = (Param("n", "int", 1, "n"),)

    assert set(declarations({"A": A, "C": C})) == {"n"}
    with pytest.raises(ConfigError, match="declared differently by A"):
        declarations({"A": A, "B": B})


def test_describe_shows_type_default_range_owner_and_doc():
    table = describe([(Param("tau", "float", 20.0, "membrane time constant (ms)", "(0, inf)"), "LIF")])
    assert "tau" in table and "float" in table and "20.0" in table and "(0, inf)" in table and "LIF" in table
    assert "membrane time constant (ms)" in table


def test_bad_declarations_fail_early():
    with pytest.raises(ValueError, match="type must be one of"):
        Param("x", "double", 1.0, "x")


def test_parts_show_their_declared_parameters_as_their_signature():
    import inspect

    from spikesim.neurons import LIF
    from spikesim.params import REQUIRED, params_of

    signature = inspect.signature(LIF)
    declared = {p.name: p for p in params_of(LIF)}
    assert signature.parameters["tau_m"].default == declared["tau_m"].default
    assert all(signature.parameters[name].kind is inspect.Parameter.KEYWORD_ONLY for name in declared)
    assert all((signature.parameters[n].default is inspect.Parameter.empty) == (p.default is REQUIRED)
               for n, p in declared.items())  # fmt: skip


def test_fresh_seeds_are_ints_below_2_to_the_32_spread_over_the_range():
    seeds = [fresh_seed() for _ in range(1000)]
    assert SEED_BOUND == 2**32 and all(type(s) is int and 0 <= s < 2**32 for s in seeds)
    assert len(set(seeds)) > 990  # 2**32 values: a repeat among 1000 has probability about 1e-4
    assert max(seeds) >= 2**31 and min(seeds) < 2**31  # the whole range, not a small part (each fails with 2**-1000)
    assert max(len(str(s)) for s in seeds) == 10
