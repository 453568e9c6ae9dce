"""Rewarders: MatchExpected and Function."""
from __future__ import annotations

import numpy as np
import pytest
from xor_network import STATES, XOR_KEYS, XOR_PARTS

from spikesim import ConfigError, RLNetwork, SimulationError
from spikesim.games import Logic
from spikesim.games.logic import logic_xor
from spikesim.rewards import Function, MatchExpected


# ---------------------------------------------------------------- MatchExpected
def test_match_expected_rewards_the_expected_action():
    rewarder = MatchExpected(expected_value=logic_xor, reward_mult=2.0, punish_mult=0.5)
    assert rewarder(np.array([0, 1]), 1, None) == 2.0
    assert rewarder(np.array([1, 1]), 1, None) == -0.5
    assert rewarder(np.array([0, 0]), 0, None) == 2.0
    defaults = MatchExpected(expected_value=lambda s: [s, -s])
    assert defaults(2, np.array([2, -2]), None) == 1.0  # array actions compare element-wise
    assert defaults(2, [2, 2], None) == -1.0


def test_match_expected_errors():
    with pytest.raises(ConfigError, match="missing required key: 'expected_value'"):
        MatchExpected()
    with pytest.raises(ConfigError, match="punish_mult"):
        MatchExpected(expected_value=logic_xor, punish_mult=-1.0)
    with pytest.raises(ConfigError, match="expected_value"):
        MatchExpected(expected_value=1)


# ---------------------------------------------------------------- Function
def test_function_returns_the_functions_reward():
    seen = []

    def reward(state, action, state_next):
        seen.append((state, action, state_next))
        return np.float32(state_next - state) * action

    rewarder = Function(reward_function=reward)
    assert rewarder(1, 2, 4) == 6.0 and isinstance(rewarder(1, 2, 4), float)
    assert seen[0] == (1, 2, 4)
    assert Function(reward_function=lambda s, a, s2: np.array([0.25]))(0, 0, 0) == 0.25
    assert Function(reward_function=lambda s, a, s2: True)(0, 0, 0) == 1.0


def test_function_refuses_a_non_finite_or_non_numeric_reward():
    for bad in (float("nan"), float("inf"), -np.inf):
        with pytest.raises(SimulationError, match=r"Function: reward_function returned .* for state 0, action 1; rewards must be finite"):
            Function(reward_function=lambda s, a, s2, bad=bad: bad)(0, 1, None)
    with pytest.raises(ConfigError, match="Function: key 'reward_function' must return a number; got 'good'"):
        Function(reward_function=lambda s, a, s2: "good")(0, 1, None)
    with pytest.raises(ConfigError, match="must return a number"):
        Function(reward_function=lambda s, a, s2: [1.0, 2.0])(0, 1, None)


def test_function_errors():
    with pytest.raises(ConfigError, match="missing required key: 'reward_function'"):
        Function()
    with pytest.raises(ConfigError, match=r"Function: key 'reward_function' expects a callable; got 3"):
        Function(reward_function=3)


def test_function_rewards_a_network():
    keys = {k: v for k, v in XOR_KEYS.items()}
    parts = {**XOR_PARTS, "rewarder": Function}

    def make():
        return RLNetwork(parts=parts, game=Logic(preset="XOR"), seed=3, reward_function=lambda s, a, s2: 2.0 * a - 1.0, **keys)

    net, twin = make(), make()
    state = STATES[1]
    action = net.tick(state)
    assert net.reward(state, action) == 2.0 * action - 1.0
    twin.tick(state)
    twin.reward(state, action, reward=2.0 * action - 1.0)  # the same reward given explicitly
    np.testing.assert_array_equal(net.w, twin.w)
