"""The training loop, its metrics and callbacks, and run directories."""
from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
from xor_network import XOR_KEYS, XOR_PARTS, XORNetwork

from spikesim import Callback, EpisodeMetrics, RLNetwork, Trajectory, read_run, train
from spikesim.experiments import Experiment, mean_total_reward
from spikesim.experiments.gym import network_class, network_for
from spikesim.games import GymWrapper, Logic
from spikesim.games.logic import logic_xor
from spikesim.training import ENERGY_PER_EVENT_J, ENERGY_PER_MAC_J


def network(**keys):
    return XORNetwork(game=Logic(preset="XOR"), seed=3, **{**XOR_KEYS, "processing_time": 20, **keys})


class Recorder(Callback):
    """Keeps what the hooks saw."""

    def __init__(self):
        self.calls = []
        self.ticks = []

    def on_episode_start(self, network, game, phase, episode):
        self.calls.append(("start", phase, episode))

    def on_tick(self, network, game, state, action):
        self.ticks.append((state.copy(), action, network.spike_log.copy(), network.synaptic_events()))

    def on_reward(self, network, game, reward, game_reward):
        self.calls.append(("reward", reward, game_reward))

    def on_episode_end(self, network, game, record):
        self.calls.append(("end", record["phase"], record["episode"]))
        record["custom"] = len(self.ticks)


def test_records_hold_the_metrics_of_each_episode():
    recorder = Recorder()
    net = network()
    results = train(net, Logic(preset="XOR"), episodes=2, len_episode=5, eval_episodes=1, callbacks=[recorder], progress=False)
    assert [r["phase"] for r in results.episodes] == ["train", "train", "eval"]
    assert [c for c in recorder.calls if c[0] != "reward"] == [
        ("start", "train", 0), ("end", "train", 0), ("start", "train", 1), ("end", "train", 1),
        ("start", "eval", 2), ("end", "eval", 2),
    ]  # fmt: skip
    for e, record in enumerate(results.episodes):
        ticks = recorder.ticks[5 * e : 5 * e + 5]
        assert record["steps"] == 5 and record["custom"] == 5 * (e + 1)
        correct = sum(int(action) == logic_xor(state) for state, action, _, _ in ticks)
        assert record["total_reward"] == correct  # Logic rewards a correct action with 1
        body = [log[:, 60:].sum() for _, _, log, _ in ticks]
        assert record["spikes_per_tick"] == pytest.approx(np.mean(body))
        seconds = 5 * 20 / 1000
        assert record["firing_rate_hz"] == pytest.approx(sum(body) / (61 * seconds))
        events = np.mean([ev for *_, ev in ticks])
        assert record["events_per_tick"] == pytest.approx(events)
        assert record["energy_per_decision_j"] == pytest.approx(events * ENERGY_PER_EVENT_J)
        assert record["ann_energy_per_decision_j"] == pytest.approx(3660 * ENERGY_PER_MAC_J)
    rewards = [c for c in recorder.calls if c[0] == "reward"]
    assert results.episodes[0]["network_reward"] == pytest.approx(sum(r[1] for r in rewards[:5]))


def test_energy_constants_are_settable():
    metrics = EpisodeMetrics(energy_per_event=2.0, energy_per_mac=3.0)
    record = {}
    metrics.on_episode_start(None, None, "train", 0)
    metrics.events, metrics.ticks, metrics.spikes = 10, 2, 0
    net = network()
    metrics.on_episode_end(net, None, record)
    assert record["energy_per_decision_j"] == 10.0 and record["ann_energy_per_decision_j"] == 3660 * 3.0


def test_eval_phase_freezes_the_weights_and_the_same_seed_repeats_the_run():
    net = network(learning_rate=0.05)
    train(net, Logic(preset="XOR"), episodes=1, len_episode=4, progress=False)
    w = net.w.copy()
    train(net, Logic(preset="XOR"), episodes=0, eval_episodes=2, len_episode=4, progress=False)
    np.testing.assert_array_equal(net.w, w)
    a = train(network(), Logic(preset="XOR"), episodes=2, len_episode=4, progress=False).episodes
    b = train(network(), Logic(preset="XOR"), episodes=2, len_episode=4, progress=False).episodes
    assert [{k: v for k, v in r.items() if k != "wall_s"} for r in a] == [{k: v for k, v in r.items() if k != "wall_s"} for r in b]


class Countdown(gym.Env):
    """Ends after `n` steps; reward 1 per step."""

    observation_space = gym.spaces.MultiBinary(2)
    action_space = gym.spaces.Discrete(2)

    def __init__(self, n):
        self.n = n

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.left = self.n
        return np.array([0, 1], dtype=np.int8), {}

    def step(self, action):
        self.left -= 1
        return np.array([1, 0], dtype=np.int8), 1.0, self.left == 0, False, {}


def test_episodes_end_when_the_game_terminates_and_the_game_reward_teaches_a_network_without_rewarder():
    from spikesim import RLNetwork
    from xor_network import XOR_PARTS

    net = RLNetwork(parts={k: v for k, v in XOR_PARTS.items() if k != "rewarder"}, seed=0, **{**XOR_KEYS, "processing_time": 10})
    results = train(net, Countdown(3), episodes=2, len_episode=10, progress=False)
    assert [r["steps"] for r in results.episodes] == [3, 3]
    assert all(r["network_reward"] == 3.0 and r["total_reward"] == 3.0 for r in results.episodes)


def test_run_directory_is_written_and_read_back(tmp_path):
    results = train(network(), Logic(preset="XOR"), episodes=2, len_episode=3, eval_episodes=1,
                    out=tmp_path / "run", save_arrays=True, progress=False, meta={"experiment": "unit"})  # fmt: skip
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["params"]["processing_time"] == 20 and config["params"]["firing_threshold"] == 16.0
    assert config["params"]["expected_value"] == "spikesim.games.logic:logic_xor"
    assert config["seed"] == 3 and config["versions"]["spikesim"] and config["meta"]["experiment"] == "unit"
    assert config["parts"]["synapses"] == "RLSTDP" and config["game"]["name"] == "Logic"
    run = read_run(tmp_path / "run")
    assert run.episodes == json.loads(json.dumps(results.episodes))
    assert run.arrays["weights"].shape == (121, 61) and run.arrays["spike_logs"].shape == (3, 20, 121)
    assert sorted(run.arrays) == ["actions", "observations", "rewards", "spike_logs", "weights"]
    for key, array in results.arrays.items():
        np.testing.assert_array_equal(run.arrays[key], array)


def test_trajectory_keeps_the_observations_actions_and_rewards_of_the_last_episode():
    recorder = Recorder()
    results = train(network(), Logic(preset="XOR"), episodes=1, len_episode=4, eval_episodes=1, callbacks=[recorder],
                    save_arrays=True, progress=False)  # fmt: skip
    last = recorder.ticks[4:]  # the eval episode's 4 ticks
    np.testing.assert_array_equal(results.arrays["observations"], [state for state, *_ in last])
    np.testing.assert_array_equal(results.arrays["actions"], [[action] for _, action, *_ in last])
    np.testing.assert_array_equal(results.arrays["rewards"], [int(action) == logic_xor(state) for state, action, *_ in last])
    assert train(network(), Logic(preset="XOR"), len_episode=2, progress=False).arrays == {}  # not asked
    nothing = train(network(), Logic(preset="XOR"), episodes=0, save_arrays=True, progress=False).arrays
    assert sorted(nothing) == ["spike_logs", "weights"] and nothing["spike_logs"].size == 0  # no episode, no trajectory
    trajectory = Trajectory()
    trajectory.on_episode_start(None, None, "train", 0)
    trajectory.on_tick(None, None, {"position": 1}, 0)  # a Dict observation: not numbers, not kept
    trajectory.on_reward(None, None, 1.0, 1.0)
    assert trajectory.arrays() == {}


def test_an_interrupted_run_keeps_what_finished(tmp_path):
    class Stop(Callback):
        def on_episode_start(self, network, game, phase, episode):
            if episode == 2:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(network(), Logic(preset="XOR"), episodes=4, len_episode=2, out=tmp_path, callbacks=[Stop()], progress=False)
    assert [r["episode"] for r in read_run(tmp_path).episodes] == [0, 1]
    with open(tmp_path / "episodes.jsonl", "a") as f:
        f.write('{"episode": 2, "pha')  # killed while writing
    assert len(read_run(tmp_path).episodes) == 2


def test_read_run_of_a_directory_that_is_not_a_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a run directory"):
        read_run(tmp_path)


def test_progress_bar_on_request_and_off_when_not_a_terminal(capsys):
    train(network(), Logic(preset="XOR"), episodes=2, len_episode=2, progress=True)
    assert "2/2" in capsys.readouterr().err
    train(network(), Logic(preset="XOR"), episodes=2, len_episode=2)  # stderr is captured: not a terminal
    assert capsys.readouterr().err == ""


def test_bad_schedule():
    with pytest.raises(ValueError, match="len_episode >= 1"):
        train(network(), Logic(preset="XOR"), len_episode=0)


# ---------------------------------------------------------------- plain gymnasium environments and episode limits
def rewardless_network():
    return RLNetwork(parts={k: v for k, v in XOR_PARTS.items() if k != "rewarder"}, seed=0, **{**XOR_KEYS, "processing_time": 2})


if "SpikesimTest/Countdown-v0" not in gym.registry:
    gym.register("SpikesimTest/Countdown-v0", entry_point=lambda: Countdown(1000), max_episode_steps=150)


def test_len_episode_defaults_to_the_environments_limit_else_100():
    made = gym.make("SpikesimTest/Countdown-v0")  # ends after 1000 steps; its limit: 150
    assert [r["steps"] for r in train(rewardless_network(), made, progress=False).episodes] == [150]
    assert [r["steps"] for r in train(rewardless_network(), Countdown(1000), progress=False).episodes] == [100]  # no spec
    assert [r["steps"] for r in train(rewardless_network(), made, len_episode=7, progress=False).episodes] == [7]
    assert [r["steps"] for r in train(rewardless_network(), Countdown(3), len_episode=10, progress=False).episodes] == [3]


def test_an_experiment_without_len_episode_plays_to_the_environments_limit():
    env = {"env": "SpikesimTest/Countdown-v0"}
    experiment = Experiment(name="countdown", description="", network=network_class(GymWrapper(**env), processing_time=2),
                            game=GymWrapper, game_params=env, metric=mean_total_reward, metric_name="", episodes=0)  # fmt: skip
    assert [r["steps"] for r in experiment.run(seed=0, progress=False).results.episodes] == [150]


def test_a_plain_gymnasium_environment_plays_like_the_wrapped_one():
    # the default network for CartPole-v1 reads out TopAction over 2 actions: its output is CartPole's action
    def run(game):
        results = train(network_for(GymWrapper("CartPole-v1"), seed=1), game, episodes=2, eval_episodes=1, progress=False)
        return results, [(r["steps"], r["total_reward"]) for r in results.episodes]

    plain, played = run(gym.make("CartPole-v1"))
    _, wrapped = run(GymWrapper("CartPole-v1"))
    assert played == wrapped and all(steps == reward and steps > 0 for steps, reward in played)
    assert plain.config["game"] == {"name": "CartPole-v1", "params": {}}
