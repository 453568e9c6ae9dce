"""The default network of gym:ENV for a finite observation space and Discrete actions: the spiking Q-learner."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
from gymnasium import spaces

from spikesim import ConfigError
from spikesim.experiments.discrete import BlackjackQ, FrozenLakeQ, TaxiQ, exact_return, greedy_policy
from spikesim.experiments.gym import (
    MAX_JOINT_STATES, GymActorCritic, GymQNetwork, experiment_for, joint_sizes, q_class,
)  # fmt: skip
from spikesim.games import GymWrapper
from spikesim.inputs import OneHot

VALUE_KEYS = ("learning_rate", "v_scale", "v_bias", "epsilon", "gamma", "delta_u", "on_rate", "processing_time")


@pytest.mark.parametrize("env_id, tuned, n_inputs, n_actions, schedule, threshold", [
    ("Taxi-v4", TaxiQ, 500, 6, (2000, 100), 8.0),
    ("FrozenLake-v1", FrozenLakeQ, 16, 4, (2000, 1000), 0.7),
    ("Blackjack-v1", BlackjackQ, 704, 2, (50000, 10000), None),
])  # fmt: skip
def test_the_default_for_a_discrete_world_is_the_q_learner_with_its_experiments_keys(
    env_id, tuned, n_inputs, n_actions, schedule, threshold
):
    experiment = experiment_for(env_id)
    assert issubclass(experiment.network, GymQNetwork) and experiment.network.__name__ == f"GymQNetwork[{env_id}]"
    assert experiment.network.parts["inputs"] is OneHot and experiment.game_params["outputs_per_group"] == 10
    assert (experiment.episodes, experiment.eval_episodes) == schedule
    assert experiment.solve_threshold == threshold and experiment.target == threshold
    network, game = experiment.build(seed=0)
    assert {k: network.config[k] for k in VALUE_KEYS} == {k: tuned.keys[k] for k in VALUE_KEYS}
    assert (network.n_inputs, network.n_neurons, network.readout.n_groups) == (n_inputs, 10 * n_actions, n_actions)
    assert network.q_values(game.reset(seed=0)[0]).tolist() == [tuned.keys["v_bias"]] * n_actions


def test_blackjack_is_coded_jointly_and_plays():
    experiment = experiment_for("Blackjack-v1")
    network, game = experiment.build(seed=0)
    assert network.inputs.nvec.tolist() == [32, 11, 2] and network.inputs.value((14, 10, 1)) == 329
    outcome = experiment.run(seed=0, episodes=20, eval_episodes=20, progress=False)
    assert len(outcome.results.phase("train")) == 20 and -1.0 <= outcome.metric <= 1.0
    assert -1.0 <= exact_return(game, greedy_policy(network), 100) <= -0.0431


@pytest.mark.parametrize("env_id, n_states", [("Blackjack-v1", 704), ("Taxi-v4", 500)])
def test_inputs_per_value_reaches_the_code(env_id, n_states):
    network, _ = experiment_for(env_id).build({"inputs_per_value": 2}, seed=0)
    assert (network.n_inputs, network.inputs.n_states) == (2 * n_states, n_states)


def test_joint_sizes():
    discrete = spaces.Discrete
    assert joint_sizes(discrete(500)) == [500] and joint_sizes(discrete(100_000)) == [100_000]
    assert joint_sizes(discrete(3, start=1)) is None
    assert joint_sizes(spaces.MultiDiscrete([3, 4])) == [3, 4]
    assert joint_sizes(spaces.MultiDiscrete([3, 4], start=[1, 0])) is None
    assert joint_sizes(spaces.MultiBinary(12)) == [2] * 12 and MAX_JOINT_STATES == 2**12
    assert joint_sizes(spaces.MultiBinary(13)) is None
    assert joint_sizes(spaces.Tuple((discrete(64), discrete(64)))) == [64, 64]
    assert joint_sizes(spaces.Tuple((discrete(65), discrete(64)))) is None  # 4160 combinations
    assert joint_sizes(spaces.Tuple((discrete(2), spaces.Box(0, 1, (1,))))) is None
    assert joint_sizes(spaces.Tuple((discrete(2), spaces.Tuple((discrete(2),))))) is None
    assert joint_sizes(spaces.Dict({"a": discrete(2)})) is None


def test_other_spaces_keep_the_actor_critic_and_q_class_refuses_them():
    assert issubclass(experiment_for("CartPole-v1").network, GymActorCritic)
    with pytest.raises(ConfigError, match=r"^q_class: expects a finite observation space .* CartPole-v1 has Box"):
        q_class(GymWrapper("CartPole-v1", outputs_per_group=10))
    with pytest.raises(ConfigError, match=r"^q_class: expects a game made with outputs_per_group=10; got 4$"):
        q_class(GymWrapper("Taxi-v4"))
    with pytest.raises(ConfigError, match="^q_class: expects a GymWrapper"):
        q_class(object())


def test_the_made_q_network_pickles_with_its_class():
    game = GymWrapper("Blackjack-v1", outputs_per_group=10)
    net = q_class(game, learning_rate=0.2)(game=game, seed=1)
    net.w[:] = np.linspace(-0.5, 0.5, net.w.size)
    twin = pickle.loads(pickle.dumps(net))
    assert type(twin).__name__ == "GymQNetwork[Blackjack-v1]" and twin.config["learning_rate"] == 0.2
    np.testing.assert_array_equal(twin.q_values((14, 10, 1)), net.q_values((14, 10, 1)))
