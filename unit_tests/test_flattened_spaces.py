"""Every gymnasium space that flattens into Box, Discrete, MultiDiscrete and
MultiBinary leaves (Tuple and Dict of them, nested) gets a default encoder,
:class:`~spikesim.games.gym_wrapper.CompositeCode`, property-based over
generated spaces: its size is the sum of its leaves' default encoders', its
rates are probabilities, each leaf's slice is what that leaf's own default
encoder gives for the leaf's value, and the leaves are in gymnasium's
flattening order."""
from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spikesim import ConfigError
from spikesim.games.gym_wrapper import CompositeCode, GymWrapper
from spikesim.params import params_of

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

#: The rate keys given to every encoder (non-default, so that a key CompositeCode dropped shows).
RATES = {"on_rate": 0.4, "off_rate": 0.05, "max_rate": 0.3, "width": 0.7}


class Toy(gym.Env):
    """An environment with a chosen observation space and two actions."""

    metadata = {"render_modes": []}

    def __init__(self, observation_space: spaces.Space) -> None:
        self.observation_space = observation_space
        self.action_space = spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self.observation_space.sample(), {}

    def step(self, action):
        return self.observation_space.sample(), 0.0, True, False, {}


# ------------------------------------------------------------------ generated spaces
def boxes() -> st.SearchStrategy:
    shape = st.sampled_from([(1,), (2,), (3,), (2, 2)])
    low = st.integers(-5, 5).map(float)
    span = st.sampled_from([0.5, 1.0, 4.0])
    bounded = st.builds(lambda s, lo, w, dt: spaces.Box(lo, lo + w, s, dt), shape, low, span, st.sampled_from([np.float32, np.float64]))
    unbounded = st.builds(lambda s: spaces.Box(-np.inf, np.inf, s, np.float32), shape)  # the wrapper's obs_clip bounds
    return st.one_of(bounded, unbounded)


def discretes() -> st.SearchStrategy:
    return st.builds(lambda n, start: spaces.Discrete(n, start=start), st.integers(1, 5), st.integers(-3, 3))


def multi_discretes() -> st.SearchStrategy:
    flat = st.lists(st.tuples(st.integers(1, 4), st.integers(-2, 2)), min_size=1, max_size=3).map(
        lambda pairs: spaces.MultiDiscrete([n for n, _ in pairs], start=[s for _, s in pairs])
    )
    square = st.just(spaces.MultiDiscrete([[2, 3], [1, 2]], start=[[0, 1], [-1, 0]]))
    return st.one_of(flat, square)


def multi_binaries() -> st.SearchStrategy:
    return st.sampled_from([1, 2, 4, (2, 2)]).map(spaces.MultiBinary)


def composite(children: st.SearchStrategy) -> st.SearchStrategy:
    tuples = st.lists(children, min_size=1, max_size=3).map(lambda elements: spaces.Tuple(tuple(elements)))
    dicts = st.dictionaries(st.sampled_from(["z", "a", "m", "b1", "b0"]), children, min_size=1, max_size=3).map(spaces.Dict)
    return st.one_of(tuples, dicts)


def nested(leaves: st.SearchStrategy) -> st.SearchStrategy:
    """A Tuple or Dict of ``leaves`` and of Tuples and Dicts of them, a few levels deep."""
    return composite(st.recursive(leaves, composite, max_leaves=6))


LEAVES = st.one_of(boxes(), discretes(), multi_discretes(), multi_binaries())
NO_BOX_LEAVES = st.one_of(discretes(), multi_discretes(), multi_binaries())


def leaves_of(space: spaces.Space, value, path=()) -> list:
    """``(path, leaf space, leaf value)`` of each leaf, walked through the observation."""
    if isinstance(space, spaces.Tuple):
        return [leaf for i, s in enumerate(space.spaces) for leaf in leaves_of(s, value[i], (*path, i))]
    if isinstance(space, spaces.Dict):
        return [leaf for key, s in space.spaces.items() for leaf in leaves_of(s, value[key], (*path, key))]
    return [(path, space, value)]


def leaf_encoder(space: spaces.Space, **params):
    """A leaf's own default encoder (the wrapper's, for the space shifted to start at 0) and that shift."""
    start = np.asarray(getattr(space, "start", 0))
    if isinstance(space, spaces.Discrete):
        space = spaces.Discrete(space.n)
    elif isinstance(space, spaces.MultiDiscrete):
        space = spaces.MultiDiscrete(space.nvec)
    game = GymWrapper(Toy(space), **params)
    cls = game.network_parts()["inputs"]
    declared = {p.name for p in params_of(cls)}
    keys = {k: v for k, v in {**game.params, **RATES}.items() if k in declared}
    return cls(**keys), start


def composite_for(game: GymWrapper, **rates) -> CompositeCode:
    declared = {p.name for p in params_of(CompositeCode)}
    return CompositeCode(**{k: v for k, v in {**game.params, **rates}.items() if k in declared})


# ------------------------------------------------------------------ properties
@SETTINGS
@given(space=nested(LEAVES), per_dim=st.integers(1, 3), per_value=st.integers(1, 2), seed=st.integers(0, 2**16))
def test_every_flattenable_space_gets_an_encoder_made_of_its_leaves_encoders(space, per_dim, per_value, seed):
    params = {"inputs_per_dim": per_dim, "inputs_per_value": per_value, "binary_rates": (0.1, 0.7), "obs_clip": 3.0}
    game = GymWrapper(Toy(space), **params)
    assert game.network_parts()["inputs"] is CompositeCode
    inputs = composite_for(game, **RATES)
    inputs.reset()
    space.seed(seed)
    first = leaves_of(space, space.sample())
    encoders = [leaf_encoder(leaf, **params) for _, leaf, _ in first]
    assert game.params["n_inputs"] == sum(e.n_inputs for e, _ in encoders) == inputs.n_inputs
    assert [leaf[0] for leaf in game.params["obs_leaves"]] == [path for path, _, _ in first]
    assert [(s.start, s.stop) for s in inputs.slices] == list(zip(np.cumsum([0] + [e.n_inputs for e, _ in encoders])[:-1],
                                                                   np.cumsum([e.n_inputs for e, _ in encoders])))  # fmt: skip
    for _ in range(4):
        obs = space.sample()
        rates = inputs.rates(obs)
        assert rates.shape == (inputs.n_inputs,) and ((rates >= 0) & (rates <= 1)).all()
        inputs.encode(obs)  # RateInputs' own check of the rates
        for (path, _, value), (encoder, start), part in zip(leaves_of(space, obs), encoders, inputs.slices):
            np.testing.assert_allclose(rates[part], encoder.rates(np.asarray(value) - start), rtol=1e-12, atol=0, err_msg=str(path))


@SETTINGS
@given(space=nested(NO_BOX_LEAVES), seed=st.integers(0, 2**16))
def test_with_unit_rates_the_code_is_gymnasiums_flattening(space, seed):
    """One input per value, on 1 and off 0: the rates are ``spaces.flatten`` (same leaves, same order)."""
    game = GymWrapper(Toy(space), binary_rates=(0.0, 1.0))
    inputs = composite_for(game, on_rate=1.0, off_rate=0.0)
    assert inputs.n_inputs == spaces.flatdim(space)
    space.seed(seed)
    for _ in range(4):
        obs = space.sample()
        np.testing.assert_array_equal(inputs.rates(obs), spaces.flatten(space, obs))


def test_dict_keys_in_gymnasiums_sorted_order_and_given_order():
    space = spaces.Dict({"b": spaces.Discrete(2), "a": spaces.Tuple((spaces.MultiBinary(1), spaces.Discrete(3, start=1)))})
    game = GymWrapper(Toy(space))
    assert game.params["obs_leaves"] == ((("a", 0), "MultiBinary", 1), (("a", 1), "Discrete", 3, 1), (("b",), "Discrete", 2, 0))
    inputs = composite_for(game, on_rate=0.5)
    obs = {"b": 1, "a": (np.array([1], np.int8), 3)}
    assert inputs.rates(obs).tolist() == [0.5, 0.0, 0.0, 0.5, 0.0, 0.5]
    ordered = GymWrapper(Toy(spaces.Dict({"b": spaces.Discrete(2), "a": spaces.Discrete(2)}, sort_keys=False)))
    assert [leaf[0] for leaf in ordered.params["obs_leaves"]] == [("b",), ("a",)]


@pytest.mark.parametrize("odd", [spaces.Text(4), spaces.Sequence(spaces.Discrete(2)),
                                 spaces.Graph(node_space=spaces.Discrete(2), edge_space=None),
                                 spaces.OneOf((spaces.Discrete(2), spaces.Discrete(3)))])  # fmt: skip
def test_a_composite_holding_a_space_without_leaves_names_it(odd):
    space = spaces.Tuple((spaces.Discrete(2), spaces.Dict({"x": odd})))
    with pytest.raises(ConfigError) as error:
        GymWrapper(Toy(space))
    message = str(error.value)
    assert message.startswith(f"GymWrapper: cannot encode the observation space {space} of Toy: its element obs[1]['x'] is {odd}")
    assert "pass inputs=" in message
    with pytest.raises(ConfigError, match="cannot encode the observation space Tuple\\(\\) of Toy: it holds no values"):
        GymWrapper(Toy(spaces.Tuple(())))


def test_leaves_and_keys_checked_with_clear_errors():
    leaf = ((0,), "Discrete", 3, 0)
    cases = [
        ({"obs_leaves": ()}, "key 'obs_leaves' expects a non-empty sequence of leaves"),
        ({"obs_leaves": (((0,), "Text", 3),)}, "key 'obs_leaves' expects leaves \\(path, kind, \\*bounds\\) with kind among 'Box'"),
        ({"obs_leaves": (((0,), "Discrete", 3),)}, "key 'obs_leaves' expects a Discrete leaf \\(path, 'Discrete', n, start\\).*\\(leaf 0\\)"),
        ({"obs_leaves": (leaf, ((1,), "Discrete", 0, 0))}, "key 'obs_leaves' expects a Discrete leaf .* with n >= 1; got .*\\(leaf 1\\)"),
        ({"obs_leaves": (((0,), "MultiDiscrete", [2, 2.5], [0, 0]),)}, "key 'obs_leaves' expects a MultiDiscrete leaf .* of integers"),
        ({"obs_leaves": (((0,), "MultiDiscrete", [2, 2], [0]),)}, "key 'obs_leaves' expects .*and a start per value of nvec"),
        ({"obs_leaves": (((0,), "Box", [0.0, 1.0], [1.0, 1.0]),)}, "key 'obs_leaves' expects .*each low below its high"),
        ({"obs_leaves": (((0,), "Box", [0.0], [np.inf]),)}, "key 'obs_leaves' expects .*finite"),
        ({"obs_leaves": (("a", "MultiBinary", 2),)}, "key 'obs_leaves' expects .*path a tuple of Tuple indices and Dict keys"),
        ({"obs_leaves": (leaf,), "binary_rates": [0.1, 0.2, 0.3]}, "key 'binary_rates' expects 2 probabilities"),
        ({"obs_leaves": (leaf,), "n_inputs": 4}, "key 'n_inputs' expects 3, the inputs of obs_leaves \\(inputs_per_dim 8, inputs_per_value 1\\); got 4"),
    ]
    for keys, message in cases:
        with pytest.raises(ConfigError, match="^CompositeCode: " + message):
            CompositeCode(**{"n_inputs": 3, **keys})
    inputs = CompositeCode(n_inputs=6, obs_leaves=(((0,), "Discrete", 3, 1), ((1, "x"), "Box", [0.0], [1.0])), inputs_per_dim=3)
    assert inputs.rates((3, {"x": [0.5]})).shape == (6,)
    for bad, where in [((0, {"x": [0.5]}), "obs\\[0\\]: an integer in \\[1, 4\\)"), ((1.5, {"x": [0.5]}), "obs\\[0\\]"),
                       ((1, {"y": [0.5]}), "obs\\[1\\]\\['x'\\]: 1 finite numbers"), ((1, {"x": [0.5, 1]}), "obs\\[1\\]\\['x'\\]"),
                       ((1, {"x": [np.nan]}), "obs\\[1\\]\\['x'\\]"), ((1,), "obs\\[1\\]\\['x'\\]"), ("ab", "obs\\[0\\]")]:  # fmt: skip
        with pytest.raises(ConfigError, match=f"^CompositeCode: expects at {where}.*; got the observation"):
            inputs.rates(bad)
