"""Modifiers: LinearDecay and DropOff, alone and changing a network's parameters."""
from __future__ import annotations

import numpy as np
import pytest
from xor_network import STATES, XORNetwork

from spikesim import ConfigError
from spikesim.games import Logic
from spikesim.modifiers import DropOff, LinearDecay


def test_linear_decay_values():
    m = LinearDecay(param="learning_rate", t_stop=100, value_start=0.1, value_stop=0.01)
    assert m.value(0) == 0.1
    assert m.value(50) == pytest.approx(0.055)
    assert m.value(25) == pytest.approx(0.1 - 0.09 / 4)
    assert m.value(100) == 0.01 and m.value(1000) == 0.01
    rising = LinearDecay(param="x", t_stop=4, value_start=0, value_stop=3)
    assert [rising.value(n) for n in range(6)] == [0.0, 0.75, 1.5, 2.25, 3.0, 3.0]
    assert LinearDecay(param="x", t_stop=0, value_start=1.0, value_stop=2.0).value(0) == 2.0
    assert m.unit == "tick"


def test_drop_off_values():
    m = DropOff(param="learning_rate", t_stop=3, value_start=0.5, value_end=0.0)
    assert [m.value(n) for n in range(6)] == [0.5, 0.5, 0.5, 0.0, 0.0, 0.0]
    assert DropOff(param="action_threshold", t_stop=0, value_start=1, value_end="mean").value(0) == "mean"


def test_modifier_errors():
    with pytest.raises(ConfigError, match="missing required keys: 'param'.*'t_stop'.*'value_start'.*'value_stop'"):
        LinearDecay()
    with pytest.raises(ConfigError, match="t_stop"):
        LinearDecay(param="x", t_stop=-1, value_start=0.0, value_stop=1.0)
    with pytest.raises(ConfigError, match=r"LinearDecay: key 'value_start' expects a finite number; got 'a'"):
        LinearDecay(param="x", t_stop=2, value_start="a", value_stop=1.0)
    with pytest.raises(ConfigError, match="value_stop"):
        LinearDecay(param="x", t_stop=2, value_start=0.0, value_stop="b")
    with pytest.raises(ConfigError, match="unit"):
        DropOff(param="x", t_stop=2, value_start=0, value_end=1, unit="step")
    with pytest.raises(ConfigError, match="value_end"):
        DropOff(param="x", t_stop=2, value_start=0)


def xor(*modifiers, **keys):
    return XORNetwork(game=Logic(preset="XOR"), seed=5, modifiers=list(modifiers), **keys)


def test_modifiers_change_readout_and_rewarder_over_ticks():
    threshold = DropOff(param="action_threshold", t_stop=2, value_start=0.0, value_end=1.01)
    reward = LinearDecay(param="reward_mult", t_stop=4, value_start=1.0, value_stop=0.2)
    net = xor(threshold, reward)
    expected_mult = [1.0, 0.8, 0.6, 0.4, 0.2, 0.2]
    for t in range(6):
        state = STATES[1]  # XOR(0, 1) = 1
        action = net.tick(state)
        # rate >= 0 always gives 1; a rate (at most 1) never reaches 1.01
        assert action == (1 if t < 2 else 0)
        assert net.config["action_threshold"] == net.readout.action_threshold == (0.0 if t < 2 else 1.01)
        assert net.config["reward_mult"] == pytest.approx(expected_mult[t])
        assert net.rewarder.reward_mult == pytest.approx(expected_mult[t])
        r = net.reward(state, action)
        assert r == (pytest.approx(expected_mult[t]) if action == 1 else -1.0)


def test_episode_modifier_counts_resets_and_reaches_the_kernel():
    net = xor(LinearDecay(param="learning_rate", unit="episode", t_stop=2, value_start=0.1, value_stop=0.0))
    seen = []
    for episode in range(4):
        for state in STATES[:2]:
            net.tick(state)
            seen.append((net.config["learning_rate"], net.synapses.kernel_params().learning_rate))
        net.reset()
    expected = [0.1, 0.1, 0.05, 0.05, 0.0, 0.0, 0.0, 0.0]
    assert [a for a, _ in seen] == pytest.approx(expected)
    assert [b for _, b in seen] == pytest.approx(expected)


def test_a_zero_learning_rate_from_a_modifier_freezes_the_weights():
    # RLSTDP learns during the tick after a reward: tick 1 learns (rate 0.5), ticks 2.. do not (rate 0)
    net = xor(DropOff(param="learning_rate", t_stop=2, value_start=0.5, value_end=0.0))
    weights = [net.w.copy()]
    for state in STATES:
        net.reward(state, net.tick(state), reward=1.0)
        weights.append(net.w.copy())
    assert not np.array_equal(weights[1], weights[2])  # learned in tick 1
    for w in weights[3:]:
        np.testing.assert_array_equal(w, weights[2])  # then frozen


def test_modifier_of_an_unknown_parameter_fails_at_construction_and_of_an_invalid_value_at_the_tick():
    with pytest.raises(ConfigError, match="modifier LinearDecay changes unknown key 'learning_rat'; did you mean 'learning_rate'"):
        xor(LinearDecay(param="learning_rat", t_stop=2, value_start=0.1, value_stop=0.0))
    net = xor(DropOff(param="learning_rate", t_stop=0, value_start=0.1, value_end=-1.0))
    with pytest.raises(ConfigError, match="learning_rate"):
        net.tick(STATES[0])


def test_modifiers_survive_save_and_load(tmp_path):
    from spikesim import Network

    net = xor(DropOff(param="action_threshold", t_stop=3, value_start=0.0, value_end=0.12),
              LinearDecay(param="reward_mult", unit="episode", t_stop=5, value_start=2.0, value_stop=1.0))  # fmt: skip
    net.tick(STATES[0])
    net.save(tmp_path / "net")
    loaded = Network.load(tmp_path / "net", allow=("xor_network",))
    assert [type(m) for m in loaded.modifiers] == [DropOff, LinearDecay]
    assert [dict(m.params) for m in loaded.modifiers] == [dict(m.params) for m in net.modifiers]
    for _ in range(3):
        assert loaded.tick(STATES[1]) == net.tick(STATES[1])
    assert loaded.config["action_threshold"] == net.config["action_threshold"] == 0.12
    assert loaded.config["reward_mult"] == net.config["reward_mult"] == 2.0
