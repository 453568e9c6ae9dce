"""spikesim's games made by id with gymnasium.make."""
from __future__ import annotations

import warnings

import gymnasium
import numpy as np
import pytest

from spikesim.games import CartPole, GridWorld, Logic, MultiArmBandit, register_games

CASES = [
    ("spikesim/CartPole-v1", CartPole, {}),
    ("spikesim/CartPole-v1", CartPole, {"preset": "long-pole"}),
    ("spikesim/Logic-v0", Logic, {"preset": "XOR"}),
    ("spikesim/MultiArmBandit-v0", MultiArmBandit, {"preset": "ten-armed"}),
    ("spikesim/GridWorld-v0", GridWorld, {"preset": "slippery-maze"}),
]


def play(env, seed: int, steps: int) -> list:
    """Reset with ``seed``, then take ``steps`` actions drawn from a fixed
    generator (resetting when an episode ends); every returned value."""
    actions = np.random.default_rng(99)
    out = [env.reset(seed=seed)]
    for _ in range(steps):
        step = env.step(int(actions.integers(env.action_space.n)))
        out.append(step)
        if step[2] or step[3]:
            out.append(env.reset())
    return out


def same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and np.array_equal(a, b)


@pytest.mark.parametrize("env_id, cls, kwargs", CASES)
def test_make_by_id_steps_exactly_as_the_class(env_id, cls, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither make nor its env checker warns
        made = gymnasium.make(env_id, **kwargs)
        made_steps = play(made, seed=7, steps=300)
    direct_steps = play(cls(**kwargs), seed=7, steps=300)
    assert type(made.unwrapped) is cls and made.spec.id == env_id
    assert same(dict(made.unwrapped.params), dict(cls(**kwargs).params))
    assert len(made_steps) == len(direct_steps) and all(same(a, b) for a, b in zip(made_steps, direct_steps))
    other_seed = play(cls(**kwargs), seed=8, steps=300)  # the seed matters: equal runs are not a matter of course
    assert not (len(other_seed) == len(direct_steps) and all(same(a, b) for a, b in zip(other_seed, direct_steps)))


def test_cartpole_v1_is_gymnasiums():
    ours, theirs = gymnasium.make("spikesim/CartPole-v1"), gymnasium.make("CartPole-v1")
    assert ours.spec.reward_threshold == theirs.spec.reward_threshold == 475.0
    assert ours.unwrapped.params["max_episode_steps"] == theirs.spec.max_episode_steps == 500
    np.testing.assert_array_equal(ours.reset(seed=3)[0], theirs.reset(seed=3)[0])
    for action in (1, 1, 0, 1, 0, 0):
        np.testing.assert_array_equal(ours.step(action)[0], theirs.step(action)[0])


def test_registering_again_changes_nothing():
    before = {env_id: gymnasium.spec(env_id) for env_id in register_games()}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # gymnasium warns when an id is registered over
        assert register_games() == list(before)
    assert all(gymnasium.registry[env_id] is spec for env_id, spec in before.items())
    assert sorted(before) == ["spikesim/CartPole-v1", "spikesim/GridWorld-v0", "spikesim/Logic-v0",
                              "spikesim/MultiArmBandit-v0"]  # fmt: skip
