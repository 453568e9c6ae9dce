"""Games: the Logic gates."""
from __future__ import annotations

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from spikesim import ConfigError
from spikesim.games import Logic
from spikesim.games.logic import logic_and, logic_nand, logic_nor, logic_or, logic_xor

TRUTH = {
    "AND": (0, 0, 0, 1),
    "OR": (0, 1, 1, 1),
    "XOR": (0, 1, 1, 0),
    "NAND": (1, 1, 1, 0),
    "NOR": (1, 0, 0, 0),
}


@pytest.mark.parametrize("preset", sorted(TRUTH))
def test_presets_compute_their_truth_table(preset):
    game = Logic(preset=preset)
    expected = game.params["expected_value"]
    assert tuple(expected(s) for s in game.states()) == TRUTH[preset]


@pytest.mark.parametrize("preset", sorted(TRUTH))
def test_check_env(preset):
    check_env(Logic(preset=preset), skip_render_check=True)


def test_step_rewards_the_correct_action_and_draws_states_uniformly():
    game = Logic(preset="XOR")
    state, _ = game.reset(seed=3)
    counts = {}
    correct = 0
    for _ in range(4000):
        action = logic_xor(state)
        state_next, reward, terminated, truncated, info = game.step(action)
        assert reward == 1.0 and info["expected"] == action and not terminated and not truncated
        counts[tuple(state_next)] = counts.get(tuple(state_next), 0) + 1
        state = state_next
        correct += 1
    # each state with probability 1/4: within 3 binomial sigma
    sigma = np.sqrt(4000 * 0.25 * 0.75)
    assert set(counts) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert all(abs(c - 1000) < 3 * sigma for c in counts.values())
    _, reward, *_ = game.step(1 - logic_xor(state))
    assert reward == 0.0


def test_same_seed_same_states():
    a, b = Logic(preset="XOR"), Logic(preset="XOR")
    sa = [a.reset(seed=5)[0]] + [a.step(0)[0] for _ in range(20)]
    sb = [b.reset(seed=5)[0]] + [b.step(0)[0] for _ in range(20)]
    np.testing.assert_array_equal(sa, sb)


def test_unknown_preset_and_bad_action():
    with pytest.raises(ConfigError, match=r"unknown preset 'XNOR'; did you mean 'XOR'\? Presets: AND, OR, XOR, NAND, NOR"):
        Logic(preset="XNOR")
    game = Logic()
    game.reset(seed=0)
    with pytest.raises(ValueError, match="action must be 0 or 1; got 2"):
        game.step(2)


def test_custom_expected_value_and_validation():
    game = Logic(preset=None, expected_value=logic_nor)
    assert game.params["expected_value"] is logic_nor
    with pytest.raises(ConfigError, match="Logic: missing required key"):
        Logic(preset=None)
    with pytest.raises(ConfigError, match="expects a callable"):
        Logic(expected_value=3)


def test_gate_functions():
    for s in ((0, 0), (0, 1), (1, 0), (1, 1)):
        assert logic_and(s) == (s[0] & s[1]) and logic_or(s) == (s[0] | s[1])
        assert logic_xor(s) == (s[0] ^ s[1]) and logic_nand(s) == 1 - (s[0] & s[1])
