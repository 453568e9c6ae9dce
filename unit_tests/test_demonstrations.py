"""Demonstrations: recording a policy, the file format's round trip and its
checks, and the ``spikesim record`` command."""
from __future__ import annotations

import json

import gymnasium
import numpy as np
import pytest

from spikesim import ConfigError, Network
from spikesim.cli import main
from spikesim.games.demonstrations import ARRAYS, DemonstrationError, Demonstrations, record


def test_a_recording_replays_step_by_step_in_a_freshly_seeded_environment():
    demos = record("CartPole-v1", "random", episodes=3, seed=5)
    env = gymnasium.make("CartPole-v1")
    observation, _ = env.reset(seed=5)
    a = demos.arrays
    for i in range(len(demos)):
        if i and a["episode"][i] != a["episode"][i - 1]:
            observation, _ = env.reset()
        np.testing.assert_array_equal(a["observations"][i], observation)
        observation, reward, terminated, truncated, _ = env.step(int(a["actions"][i]))
        np.testing.assert_array_equal(a["next_observations"][i], observation)
        assert (a["rewards"][i], a["terminated"][i], a["truncated"][i]) == (reward, terminated, truncated)
    assert demos.returns().sum() == len(demos)  # CartPole pays 1 per step
    again = record("CartPole-v1", "random", episodes=3, seed=5)
    for name in ARRAYS:
        np.testing.assert_array_equal(again.arrays[name], a[name])


def test_the_cartpole_expert_balances_to_the_limit():
    demos = record("CartPole-v1", "cartpole-balance", episodes=5, seed=0)
    assert demos.returns().tolist() == [500.0] * 5
    assert demos.arrays["truncated"].sum() == 5 and not demos.arrays["terminated"].any()


def test_the_maze_teacher_takes_the_shortest_path_and_the_file_keeps_the_environments_keywords():
    env = gymnasium.make("spikesim/GridWorld-v0", preset="maze-10")
    demos = record(env, "shortest-path", episodes=3, seed=0)  # the game's own limit: 200 steps
    assert demos.returns().tolist() == [1.0] * 3 and len(demos) == 3 * 28 and demos.arrays["terminated"].sum() == 3
    assert demos.meta["env_kwargs"] == {"preset": "maze-10"}
    with pytest.raises(ConfigError, match="'shortest-path' expects a GridWorld"):
        record("CartPole-v1", "shortest-path", episodes=1)


def test_an_episode_cut_by_len_episode_is_recorded_as_truncated():
    demos = record("CartPole-v1", "cartpole-balance", episodes=2, seed=0, len_episode=7)
    assert len(demos) == 14 and np.flatnonzero(demos.arrays["truncated"]).tolist() == [6, 13]
    assert demos.arrays["episode"].tolist() == [0] * 7 + [1] * 7


def test_the_file_round_trips_and_is_never_silently_replaced(tmp_path):
    demos = record("FrozenLake-v1", "random", episodes=4, seed=2)
    path = tmp_path / "lake.npz"
    demos.save(path)
    loaded = Demonstrations.load(path)
    assert loaded.meta == {"env_id": "FrozenLake-v1", "env_kwargs": {"map_name": "4x4"}, "policy": "random", "seed": 2}
    for name in ARRAYS:
        np.testing.assert_array_equal(loaded.arrays[name], demos.arrays[name])
        assert loaded.arrays[name].dtype == demos.arrays[name].dtype
    with pytest.raises(FileExistsError, match="overwrite"):
        demos.save(path)
    record("FrozenLake-v1", "random", episodes=1, seed=3).save(path, overwrite=True)
    assert Demonstrations.load(path).episode_count == 1


def broken(arrays, **changes):
    return {**{k: np.copy(v) for k, v in arrays.items()}, **changes}


@pytest.mark.parametrize("change, message", [
    (lambda a: {k: v for k, v in a.items() if k != "rewards"}, "missing array rewards"),
    (lambda a: broken(a, rewards=a["rewards"][:-1]), "one row per step"),
    (lambda a: broken(a, episode=a["episode"] + 1), "count 0, 1"),
    (lambda a: broken(a, truncated=np.zeros_like(a["truncated"])), "last step, and only it"),
])  # fmt: skip
def test_files_that_break_the_format_are_refused_naming_the_file(tmp_path, change, message):
    demos = record("CartPole-v1", "cartpole-balance", episodes=2, seed=0, len_episode=5)
    path = tmp_path / "bad.npz"
    np.savez(path, **change(dict(demos.arrays)), meta=np.array(json.dumps({"format": 1})))
    with pytest.raises(DemonstrationError, match=f"bad.npz: .*{message}"):
        Demonstrations.load(path)


def test_other_files_are_refused(tmp_path):
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(DemonstrationError, match="other.npz: no readable 'meta'"):
        Demonstrations.load(tmp_path / "other.npz")
    np.savez(tmp_path / "future.npz", meta=np.array(json.dumps({"format": 2})))
    with pytest.raises(DemonstrationError, match="format 2; expected 1"):
        Demonstrations.load(tmp_path / "future.npz")
    np.savez(tmp_path / "pickled.npz", meta=np.array([{"format": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickled.npz"):  # object arrays are never unpickled
        Demonstrations.load(tmp_path / "pickled.npz")


def test_bad_requests_name_what_was_wrong():
    with pytest.raises(ConfigError, match="unknown policy 'expert'"):
        record("CartPole-v1", "expert", episodes=1)
    with pytest.raises(ConfigError, match="episodes expects an integer >= 1; got 0"):
        record("CartPole-v1", "random", episodes=0)
    with pytest.raises(ConfigError, match="'cartpole-balance' expects CartPole's 4 observations"):
        record("FrozenLake-v1", "cartpole-balance", episodes=1)


def test_the_record_command_writes_the_file_and_prints_the_mean_return(tmp_path, capsys):
    out = tmp_path / "cartpole.npz"
    assert main(["record", "gym:CartPole-v1", "--policy", "cartpole-balance", "--episodes", "2", "--out", str(out)]) == 0
    assert "2 episodes of policy 'cartpole-balance', 1000 steps, mean return 500" in capsys.readouterr().out
    assert Demonstrations.load(out).returns().tolist() == [500.0, 500.0]
    assert main(["record", "CartPole-v1", "--policy", "random", "--episodes", "1", "--out", str(out)]) == 2
    assert "exists; pass --overwrite" in capsys.readouterr().err
    assert main(["record", "CartPole-v1", "--policy", "expert", "--episodes", "1", "--out", str(out)]) == 2
    assert "invalid choice: 'expert'" in capsys.readouterr().err
    maze = tmp_path / "maze.npz"
    assert main(["record", "spikesim/GridWorld-v0", "--set", "preset=maze-10", "--policy", "shortest-path",
                 "--episodes", "1", "--out", str(maze)]) == 0  # fmt: skip
    assert len(Demonstrations.load(maze)) == 28


# ---------------------------------------------------------------- learning from demonstrations
@pytest.mark.parametrize("keys", [{}, {"critic_readout": "drive", "eligibility": "presynaptic"}])
def test_imitation_moves_the_demonstrated_group_up_and_the_others_down_by_the_rules_change(keys):
    from test_actor_critic import small

    # fast neurons: every group fires; imitation reads the rule's eligibility whatever the TD error multiplies
    net, twin = small(tau_m=2.0, bias=20.0, **keys), small(tau_m=2.0, bias=20.0)
    state = np.array([0.2, -0.3])
    w0 = net.w.copy()
    net.imitate(state, 1)
    Network.tick(twin, state)  # the same spikes and eligibility, no reward
    np.testing.assert_array_equal(twin.spike_log, net.spike_log)
    z = twin.synapses.state.z
    group = net.synapse_group
    for members, sign in ((group == 1, 1.0), (group == 0, -1.0)):  # learning_rate 0.5, dt 1, reward 1
        np.testing.assert_allclose(net.w[members], np.clip(w0[members] + sign * 0.5 * z[members], -3.0, 3.0))
    np.testing.assert_array_equal(net.w[group < 0], w0[group < 0])  # the critic does not change
    assert np.abs(net.w[group == 1] - w0[group == 1]).sum() > 0 and np.abs(net.w[group == 0] - w0[group == 0]).sum() > 0
    net.eval()
    before = net.w.copy()
    net.imitate(state, 0)
    np.testing.assert_array_equal(net.w, before)  # frozen networks do not learn


def test_learning_from_demonstrations_resets_at_each_episode_and_refuses_bad_rows():
    from spikesim.actor_critic import learn_from_demonstrations
    from test_actor_critic import small

    net = small()
    resets = net.n_resets
    states = [np.array([0.1, 0.1])] * 5
    learn_from_demonstrations(net, states, [0, 1, 1, 0, 1], [0, 0, 1, 1, 2], epochs=2)
    assert net.n_resets - resets == 2 * 3 + 1 and net.n_ticks == 10
    with pytest.raises(ConfigError, match="one row per step; got 5, 4 and 5"):
        learn_from_demonstrations(net, states, [0] * 4, [0] * 5)
    with pytest.raises(ConfigError, match=r"actions expect integers in \[0, 2\); got 2"):
        learn_from_demonstrations(net, states, [0, 2, 0, 0, 0], [0] * 5)
    with pytest.raises(ConfigError, match="epochs expects an integer >= 0; got -1"):
        learn_from_demonstrations(net, states, [0] * 5, [0] * 5, epochs=-1)
    net.tick(states[0])
    with pytest.raises(ConfigError, match=r"imitate\(\) between an episode's ticks; reset\(\) first"):
        net.imitate(states[0], 0)


def test_observed_ranges_widen_the_demonstrations_by_the_margin():
    from spikesim.experiments.demonstrations import RANGE_MARGIN, observed_ranges

    demos = record("CartPole-v1", "cartpole-balance", episodes=2, seed=0, len_episode=50)
    low, high = observed_ranges(demos)
    observed = demos.arrays["observations"]
    width = observed.max(0) - observed.min(0)
    np.testing.assert_allclose(low, observed.min(0) - RANGE_MARGIN * width)
    np.testing.assert_allclose(high, observed.max(0) + RANGE_MARGIN * width)


def test_cartpole_demo_learns_offline_from_ten_expert_episodes_far_above_random():
    """3 seeds, each learning from 10 expert episodes (5000 steps) with the
    game off, then 10 greedy episodes online: each beyond 300 steps
    (random: about 22; measured 399, 494 and 500)."""
    import dataclasses

    from spikesim.experiments.demonstrations import CARTPOLE_DEMO

    reduced = dataclasses.replace(CARTPOLE_DEMO, demo_episodes=10)
    for seed in range(3):
        outcome = reduced.run(seed=seed, eval_episodes=10, progress=False)
        assert outcome.metric > 300, (seed, outcome.metric)
        prepared = reduced.measures(outcome)
        assert prepared["expert_return"] == 500.0 and prepared["demo_steps"] == 5000
        assert not outcome.results.phase("train")  # it never played to learn
