"""GymWrapper: encoders and decoders chosen from the spaces, networks playing
gymnasium environments, and the gym:ENV_ID experiments."""
from __future__ import annotations

import doctest
import pickle
import re
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.utils.env_checker import check_env

from engines import compare_networks
from spikesim import ConfigError, Network, experiments
from spikesim.experiments import gym as gym_experiments
from spikesim.experiments.control import input_mask
from spikesim.experiments.gym import GymActorCritic, GymNetwork, GymQNetwork, actor_critic_class, experiment_for, feed_forward_mask, network_for
from spikesim.games import GymWrapper, MultiOneHot
from spikesim.games import gym_wrapper as wrapper_module
from spikesim.inputs import FourierFeatures, OneHot, PopulationCode, RateMap
from spikesim.readouts import NeuronRates, TopAction

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")

ENVS = ["Taxi-v4", "FrozenLake-v1", "MountainCar-v0", "CartPole-v1", "Pendulum-v1"]


class Toy(gym.Env):
    """A tiny environment with chosen spaces: the observation is drawn from
    its space, every step pays 1 and the episode ends after 5 steps."""

    metadata = {"render_modes": []}

    def __init__(self, observation_space: spaces.Space, action_space: spaces.Space) -> None:
        self.observation_space = observation_space
        self.action_space = action_space
        self.actions: list = []

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.observation_space.seed(int(self.np_random.integers(2**31)))
        self.t = 0
        return self.observation_space.sample(), {}

    def step(self, action):
        assert self.action_space.contains(action), action
        self.actions.append(action)
        self.t += 1
        return self.observation_space.sample(), 1.0, self.t >= 5, False, {}


def test_default_parts_and_keys_from_the_spaces():
    expected = {
        "Taxi-v4": (OneHot, TopAction, {"n_inputs": 500, "n_states": 500, "n_actions": 6, "n_outputs": 24}),
        "FrozenLake-v1": (OneHot, TopAction, {"n_inputs": 16, "n_states": 16, "n_actions": 4, "n_outputs": 16}),
        "MountainCar-v0": (PopulationCode, TopAction, {"n_inputs": 16, "n_actions": 3, "n_outputs": 12}),
        "CartPole-v1": (PopulationCode, TopAction, {"n_inputs": 32, "n_actions": 2, "n_outputs": 8}),
        "Pendulum-v1": (PopulationCode, NeuronRates, {"n_inputs": 24, "n_actions": 1, "n_outputs": 4}),
    }
    for env_id, (inputs, readout, keys) in expected.items():
        game = GymWrapper(env_id)
        assert game.network_parts() == {"inputs": inputs, "readout": readout}
        assert {k: game.params[k] for k in keys} == keys
        assert game.observation_space == game.env.observation_space
    cartpole = GymWrapper("CartPole-v1", obs_clip=3.0)
    # the infinite velocity bounds become -+obs_clip; the finite ones are the space's (float32)
    np.testing.assert_array_equal(cartpole.params["obs_low"], [np.float32(-4.8), -3.0, np.float32(-0.41887903), -3.0])
    np.testing.assert_array_equal(cartpole.params["obs_high"], -cartpole.params["obs_low"])
    mountain = GymWrapper("MountainCar-v0", inputs_per_dim=5, outputs_per_group=2)
    assert mountain.params["n_inputs"] == 10 and mountain.params["n_outputs"] == 6
    np.testing.assert_array_equal(mountain.params["obs_low"], np.float32([-1.2, -0.07]))
    assert GymWrapper("FrozenLake-v1", inputs_per_value=3).params["n_inputs"] == 48
    assert GymWrapper("Pendulum-v1").action_space == spaces.Box(0.0, 1.0, (1,), np.float64)


@pytest.mark.parametrize("env_id", ENVS)
def test_check_env(env_id):
    check_env(GymWrapper(env_id), skip_render_check=True)


def test_box_actions_map_rates_linearly_onto_the_bounds():
    game = GymWrapper("Pendulum-v1", full_rate=0.5)  # torque in [-2, 2]
    for rate, torque in ((0.0, -2.0), (0.125, -1.0), (0.25, 0.0), (0.5, 2.0), (0.9, 2.0)):
        action = game.decode(np.array([rate]))
        assert action.dtype == np.float32 and action.shape == (1,) and action[0] == torque
    # an unbounded action dimension spans -action_clip .. +action_clip
    toy = GymWrapper(Toy(spaces.Discrete(2), spaces.Box(np.array([-np.inf, 0.0]), np.array([np.inf, 10.0]))), action_clip=3.0)
    np.testing.assert_allclose(toy.decode(np.array([0.25, 0.25])), [0.0, 5.0])
    check_env(toy, skip_render_check=True)


def test_discrete_actions_shift_by_the_space_start():
    toy = GymWrapper(Toy(spaces.Discrete(3), spaces.Discrete(4, start=-1)))
    assert toy.action_space == spaces.Discrete(4) and toy.params["n_actions"] == 4
    toy.reset(seed=0)
    toy.step(0)
    toy.step(3)
    assert toy.env.actions == [-1, 2]


def test_multi_discrete_and_multi_binary_spaces():
    toy = GymWrapper(Toy(spaces.MultiDiscrete([2, 3]), spaces.MultiDiscrete([3, 2])), inputs_per_value=2)
    assert toy.network_parts() == {"inputs": MultiOneHot, "readout": NeuronRates}
    assert toy.params["n_inputs"] == 10 and toy.params["obs_nvec"].tolist() == [2, 3]
    assert toy.params["n_actions"] == 5 and toy.params["n_outputs"] == 20
    assert toy.action_space == spaces.Box(0.0, 1.0, (5,), np.float64)
    # groups: dimension 0 values 0, 1, 2; dimension 1 values 0, 1
    assert toy.decode(np.array([0.1, 0.3, 0.2, 0.5, 0.0])).tolist() == [1, 0]
    ties = {tuple(toy.decode(np.zeros(5)).tolist()) for _ in range(200)}
    assert ties == {(a, b) for a in range(3) for b in range(2)}  # silent: every value by a fair draw
    check_env(toy, skip_render_check=True)
    inputs = MultiOneHot(n_inputs=10, obs_nvec=[2, 3], on_rate=0.5, off_rate=0.1)
    assert inputs.rates([1, 2]).tolist() == [0.1, 0.1, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.5, 0.5]
    binary = GymWrapper(Toy(spaces.MultiBinary(3), spaces.MultiBinary(2)))
    assert binary.network_parts() == {"inputs": RateMap, "readout": NeuronRates}
    assert binary.params["n_inputs"] == 3 and binary.params["state_rate_map"] == [0.0, 0.5]
    assert binary.decode(np.array([0.2, 0.1, 0.0, 0.3])).tolist() == [0, 1]
    check_env(binary, skip_render_check=True)


def test_multi_one_hot_errors():
    with pytest.raises(ConfigError, match="MultiOneHot: key 'n_inputs' expects a multiple of sum\\(obs_nvec\\) = 5; got 6"):
        MultiOneHot(n_inputs=6, obs_nvec=[2, 3])
    with pytest.raises(ConfigError, match="MultiOneHot: key 'obs_nvec' expects positive integers"):
        MultiOneHot(n_inputs=5, obs_nvec=[2.5, 2.5])
    inputs = MultiOneHot(n_inputs=5, obs_nvec=[2, 3])
    for bad in ([2, 0], [0, -1], [0], [0.5, 1]):
        with pytest.raises(ConfigError, match="expects an observation of 2 integers below \\[2, 3\\]"):
            inputs.rates(bad)


def test_unsupported_spaces_say_what_to_pass():
    with pytest.raises(ConfigError, match="cannot encode the observation space Tuple.* of Toy: its element obs\\[1\\] is Text.*pass inputs=.*"
                       "e.g. inputs=RateMap, keys={'n_inputs': N, 'state_rate_map': f}"):  # fmt: skip
        GymWrapper(Toy(spaces.Tuple((spaces.Discrete(2), spaces.Text(5))), spaces.Discrete(2)))
    with pytest.raises(ConfigError, match="cannot decode actions of the space Tuple.*pass readout="):
        GymWrapper(Toy(spaces.Discrete(2), spaces.Tuple((spaces.Discrete(2), spaces.Discrete(2)))))
    with pytest.raises(ConfigError, match="does not start at 0"):
        GymWrapper(Toy(spaces.Discrete(3, start=1), spaces.Discrete(2)))
    with pytest.raises(ConfigError, match="cannot make the environment 'NoSuchGame-v0'"):
        GymWrapper("NoSuchGame-v0")
    with pytest.raises(ConfigError, match="env expects a registered environment id or a gymnasium.Env"):
        GymWrapper(3)
    with pytest.raises(ConfigError, match="inputs expects an Inputs part class"):
        GymWrapper("CartPole-v1", inputs=TopAction)
    with pytest.raises(ConfigError, match="readout expects a Readout part class"):
        GymWrapper("CartPole-v1", readout=OneHot)
    with pytest.raises(ConfigError, match="pass readout= too"):
        GymWrapper("CartPole-v1", decode=lambda output, rng: output)
    with pytest.raises(ConfigError, match="make_kwargs is for an environment id"):
        GymWrapper(gym.make("CartPole-v1"), make_kwargs={"render_mode": None})
    with pytest.raises(ConfigError, match="key 'obs_clip' expects a number in \\(0, inf\\); got -1"):
        GymWrapper("CartPole-v1", obs_clip=-1.0)


def blackjack_rates(state) -> np.ndarray:
    """Blackjack's (player sum, dealer card, usable ace) as 45 input rates."""
    rates = np.zeros(45)
    player, dealer, ace = state
    rates[[player, 32 + dealer, 43 + ace]] = 0.5
    return rates


def test_a_given_encoder_plays_an_unsupported_space():
    game = GymWrapper("Blackjack-v1", inputs=RateMap, keys={"n_inputs": 45, "state_rate_map": blackjack_rates})
    assert game.network_parts()["inputs"] is RateMap and game.params["n_inputs"] == 45
    net = network_for(game, seed=0)
    state, _ = game.reset(seed=0)
    for _ in range(20):
        action = net.tick(state)
        state, reward, terminated, truncated, _ = game.step(action)
        net.reward(state, action, None, reward)
        if terminated or truncated:
            state, _ = game.reset()


def test_a_given_readout_and_decoder():
    game = GymWrapper("CartPole-v1", readout=NeuronRates, decode=lambda rates, rng: int(rates[1] > rates[0]),
                      action_space=spaces.Box(0.0, 1.0, (2,), np.float64), keys={"n_outputs": 2})  # fmt: skip
    assert game.network_parts()["readout"] is NeuronRates and game.params["n_outputs"] == 2
    game.reset(seed=0)
    assert game.decode(np.array([0.2, 0.4])) == 1
    game.step(np.array([0.4, 0.2]))
    with pytest.raises(ValueError, match="is not in the readout's space"):
        game.step(1)


def test_reset_seeds_the_environment_and_the_wrapper():
    a, b = GymWrapper("FrozenLake-v1"), gym.make("FrozenLake-v1")
    for seed in range(3):
        assert a.reset(seed=seed)[0] == b.reset(seed=seed)[0]
        for action in (1, 2, 2, 1, 0, 3):
            ours, theirs = a.step(np.int64(action)), b.step(action)
            assert ours[:4] == theirs[:4]
            if theirs[2] or theirs[3]:
                break
    toy = GymWrapper(Toy(spaces.Discrete(2), spaces.MultiDiscrete([2, 2])))
    toy.reset(seed=7)
    first = [toy.decode(np.zeros(4)).tolist() for _ in range(10)]
    toy.reset(seed=7)
    assert [toy.decode(np.zeros(4)).tolist() for _ in range(10)] == first


@pytest.mark.parametrize("env_id", ENVS)
def test_default_network_plays_valid_actions(env_id):
    game = GymWrapper(env_id)
    net = network_for(game, seed=1)
    assert (net.n_inputs, net.n_outputs) == (game.params["n_inputs"], game.params["n_outputs"])
    assert net.n_neurons == net.config["n_hidden"] + net.n_outputs == 20 + net.n_outputs
    assert isinstance(net.inputs, game.network_parts()["inputs"]) and isinstance(net.readout, game.network_parts()["readout"])
    steps, body_spikes = 0, 0
    for episode in range(3):
        net.reset()
        state, _ = game.reset(seed=episode)
        for _ in range(25):
            action = net.tick(state)
            body_spikes += int(net.spike_log[:, net.n_inputs :].sum())
            assert game.action_space.contains(action) and game.env.action_space.contains(game.decode(action))
            state_next, reward, terminated, truncated, _ = game.step(action)
            net.reward(state, action, state_next, reward)
            state, steps = state_next, steps + 1
            if terminated or truncated:
                break
    assert steps >= 3 and body_spikes > 0


def rollout(env_id: str, n: int, seed: int) -> tuple[list, list]:
    """States and rewards of ``n`` steps of random play, reset when an episode ends."""
    env = gym.make(env_id)
    env.action_space.seed(seed)
    state, _ = env.reset(seed=seed)
    states, rewards = [], []
    for _ in range(n):
        states.append(state)
        state, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        rewards.append(float(reward))
        if terminated or truncated:
            state, _ = env.reset()
    return states, rewards


@pytest.mark.parametrize("env_id", ["CartPole-v1", "FrozenLake-v1"])
def test_both_engines_agree(env_id):
    game = GymWrapper(env_id)
    states, rewards = rollout(env_id, 25, seed=3)
    numba, numpy = compare_networks(lambda engine: network_for(game, seed=4, engine=engine), states, rewards)
    assert numba.w.shape == numpy.w.shape


def test_network_keys_masks_and_sizes():
    game = GymWrapper("MountainCar-v0")
    net = network_for(game, seed=0, n_hidden=6)
    assert net.n_neurons == 18 and net.config["n_hidden"] == 6
    np.testing.assert_array_equal(net.config["matrix_mask"], feed_forward_mask(16, 6, 12))
    # only feed-forward synapses: inputs -> hidden, hidden -> outputs
    matrix = net.matrix != 0
    assert not matrix[:16, 6:].any() and not matrix[16:22, :6].any() and not matrix[22:].any()
    sparse = network_for(game, seed=0, hidden_connection_probability=0.5, skip_connections=True)
    mask = sparse.config["matrix_mask"]
    assert mask[:16, 20:].all() and 0.35 < mask[:16, :20].mean() < 0.65
    np.testing.assert_array_equal(network_for(game, seed=0, hidden_connection_probability=0.5).config["matrix_mask"][:16, :20], mask[:16, :20])
    with pytest.raises(ConfigError, match="key 'n_hidden' expects n_neurons - n_outputs \\(8\\) when n_neurons is given; got 3"):
        network_for(game, n_neurons=20, n_hidden=3)
    with pytest.raises(ConfigError, match="key 'n_hidden' expects an integer in \\[0, inf\\); got -2"):
        network_for(game, n_hidden=-2)
    with pytest.raises(ConfigError, match="network_class: expects a GymWrapper"):
        network_for(object())
    with pytest.raises(ConfigError, match="missing required key"):
        GymNetwork(parts=network_for(game, seed=0).__class__.parts)  # no game: no sizes


def test_pickle_save_and_load_continue_identically(tmp_path):
    game = GymWrapper("CartPole-v1")
    states, rewards = rollout("CartPole-v1", 6, seed=0)
    net = network_for(game, seed=2)
    for state, reward in zip(states[:3], rewards[:3]):
        net.reward(state, net.tick(state), None, reward)
    twin = pickle.loads(pickle.dumps(net))
    assert type(twin).__name__ == "GymNetwork[CartPole-v1]" and type(twin) is type(net)
    net.save(tmp_path / "net")
    loaded = Network.load(tmp_path / "net")
    assert isinstance(loaded, GymNetwork)
    for state, reward in zip(states[3:], rewards[3:]):
        actions = [n.tick(state) for n in (net, twin, loaded)]
        assert actions[0] == actions[1] == actions[2]
        np.testing.assert_array_equal(net.spike_log, twin.spike_log)
        np.testing.assert_array_equal(net.spike_log, loaded.spike_log)
        for n in (net, twin, loaded):
            n.reward(state, actions[0], None, reward)
    np.testing.assert_array_equal(net.w, loaded.w)


def test_experiment_for_an_environment_with_discrete_actions_is_the_actor_critic():
    experiment = experiment_for("CartPole-v1")
    assert experiment.name == "gym:CartPole-v1" and "gym:CartPole-v1" not in experiments.names()
    assert experiment.metric is experiments.mean_total_reward and experiment.len_episode == 500
    assert (experiment.target, experiment.solve_threshold, experiment.episodes) == (475.0, 475.0, 500)
    assert issubclass(experiment.network, GymActorCritic)
    assert experiment.network.parts["inputs"] is FourierFeatures and experiment.network.parts["readout"] is TopAction
    assert {"obs_clip", "n_critic", "gamma", "delta_u", "learning_rate"} <= set(experiment.namespace())
    network, game = experiment.build({"n_critic": 10, "obs_clip": 3.0, "learning_rate": 0.1}, seed=1)
    # 3^4 Fourier features; 10 critic + 2 x 20 actor neurons, every input onto each, nothing else
    assert (network.n_inputs, network.n_neurons, network.n_outputs) == (81, 50, 40)
    np.testing.assert_array_equal(network.config["matrix_mask"], input_mask(81, 50))
    assert network.config["learning_rate"] == 0.1 and network.config["fourier_order"] == 2
    assert game.params["obs_clip"] == 3.0 and network.config["obs_low"][1] == -3.0  # velocity: unbounded
    assert network.config["obs_high"][0] == np.float32(4.8)  # position: the space's bound
    outcome = experiment.run(seed=1, episodes=1, eval_episodes=2, len_episode=30, progress=False)
    steps = [r["steps"] for r in outcome.results.phase("eval")]
    assert outcome.metric == np.mean([r["total_reward"] for r in outcome.results.phase("eval")]) == np.mean(steps)
    taxi = experiment_for("Taxi-v4")
    assert taxi.len_episode == 200 and taxi.network.parts["inputs"] is OneHot
    acrobot = experiment_for("Acrobot-v1")  # TUNED: both angles and velocities, order 2 (3^4 = 81, on and off), held actions
    assert acrobot.network.keys["fourier_order"] == 2 and acrobot.network.keys["obs_angles"] == [(0, 1), (2, 3)]
    assert acrobot.game_params["action_repeat"] == 3 and acrobot.build(seed=0)[0].n_inputs == 162
    lander = experiment_for("LunarLander-v3").build(seed=0)[0]  # TUNED: lunarlander-ac's ranges and learner
    same = experiments.get("lunarlander-ac").build(seed=0)[0]
    assert (lander.n_inputs, lander.config["eligibility"]) == (512, "presynaptic")
    np.testing.assert_array_equal(lander.config["obs_high"], same.config["obs_high"])
    observation = np.array([0.3, 1.2, -0.5, -1.0, 0.2, 0.4, 0.0, 1.0])
    np.testing.assert_array_equal(lander.inputs.rates(observation), same.inputs.rates(observation))
    assert experiments.experiment_for is experiment_for and experiments.network_for is network_for


def test_experiment_for_a_one_dimensional_box_action_is_the_actor_critic_on_preferred_values():
    experiment = experiment_for("Pendulum-v1")
    assert issubclass(experiment.network, GymActorCritic) and experiment.game_params["action_bins"] == 5
    network, game = experiment.build(seed=1)
    assert (network.n_inputs, network.n_outputs) == (54, 5 * 20)  # 3^3 Fourier features, on and off; 5 groups of 20
    assert [game.decode(i).tolist() for i in range(5)] == [[-2.0], [-1.0], [0.0], [1.0], [2.0]]


def test_experiment_for_other_action_spaces_is_the_feed_forward_network():
    gym.register("spikesim-test/Toy2D-v0", lambda: Toy(spaces.Box(-1.0, 1.0, (2,)), spaces.Box(-1.0, 1.0, (2,))))
    experiment = experiment_for("spikesim-test/Toy2D-v0")
    assert issubclass(experiment.network, GymNetwork) and experiment.solve_threshold is None
    assert experiment.network.parts["inputs"] is PopulationCode and (experiment.episodes, experiment.eval_episodes) == (5, 2)
    network, _ = experiment.build({"n_hidden": 5}, seed=1)
    assert network.n_neurons == 5 + 2 * 4  # 4 outputs per action dimension


def test_actor_critic_class_refuses_what_it_cannot_play():
    with pytest.raises(ConfigError, match="expects a Discrete action space .* Pendulum-v1 has Box"):
        actor_critic_class(GymWrapper("Pendulum-v1"))
    with pytest.raises(ConfigError, match="key 'action_bins' expects a one-dimensional Box action space"):
        GymWrapper(Toy(spaces.Discrete(2), spaces.Box(-1.0, 1.0, (2,))), action_bins=3)
    with pytest.raises(ConfigError, match="key 'action_bins' expects 0 or an integer >= 2; got 1"):
        GymWrapper("Pendulum-v1", action_bins=1)
    with pytest.raises(ConfigError, match="actor_critic_class: expects a GymWrapper"):
        actor_critic_class(object())


def test_the_actor_critic_pickles_saves_and_loads_and_its_engines_agree(tmp_path):
    game = GymWrapper("CartPole-v1", outputs_per_group=3)
    states, rewards = rollout("CartPole-v1", 8, seed=0)
    make = actor_critic_class(game, n_critic=4)
    compare_networks(lambda engine: make(game=game, seed=4, engine=engine), states, rewards)
    net = make(game=game, seed=2)
    for state, reward in zip(states[:3], rewards[:3]):
        net.reward(state, net.tick(state), None, reward)
    twin = pickle.loads(pickle.dumps(net))  # mid-episode: the step waiting for its TD error comes along
    assert type(twin).__name__ == "GymActorCritic[CartPole-v1]" and type(twin) is type(net)
    for state, reward in zip(states[3:5], rewards[3:5]):
        actions = [n.tick(state) for n in (net, twin)]
        assert actions[0] == actions[1]
        for n in (net, twin):
            n.reward(state, actions[0], None, reward)
    np.testing.assert_array_equal(net.w, twin.w)
    net.save(tmp_path / "net")  # saved files hold no waiting step: they continue from an episode's start
    loaded = Network.load(tmp_path / "net")
    assert isinstance(loaded, GymActorCritic)
    for n in (net, twin, loaded):
        n.reset()
    for state, reward in zip(states[5:], rewards[5:]):
        actions = [n.tick(state) for n in (net, twin, loaded)]
        assert actions[0] == actions[1] == actions[2]
        for n in (net, twin, loaded):
            n.reward(state, actions[0], None, reward)
    np.testing.assert_array_equal(net.w, loaded.w)
    np.testing.assert_array_equal(net.w, twin.w)


def test_docstrings_run():
    assert doctest.testmod(wrapper_module).failed == 0
    assert doctest.testmod(gym_experiments).failed == 0


# ---------------------------------------------------------------- a gymnasium.Wrapper
def test_the_wrapper_is_a_gymnasium_wrapper_with_the_environments_unwrapped_and_spec():
    game = GymWrapper("FrozenLake-v1", outputs_per_group=3)
    assert isinstance(game, gym.Wrapper) and isinstance(game, wrapper_module.Game)
    assert game.unwrapped is game.env.unwrapped and type(game.unwrapped).__name__ == "FrozenLakeEnv"
    assert (game.spec.id, game.spec.max_episode_steps) == ("FrozenLake-v1", 100)
    assert game.spec.additional_wrappers[-1].kwargs == {"outputs_per_group": 3}
    again = gym.make(game.spec)  # the spec makes the same wrapper
    assert type(again) is GymWrapper and again.params["n_outputs"] == 12 and again.spec == game.spec
    toy = Toy(spaces.Discrete(3), spaces.Discrete(2))
    assert GymWrapper(toy).spec is None and GymWrapper(toy).unwrapped is toy  # an environment made without a spec


def test_the_wrappers_generator_is_its_own():
    game = GymWrapper("Taxi-v4", readout=NeuronRates, action_space=spaces.Box(0.0, 1.0, (2,)),
                      decode=lambda output, rng: int(rng.integers(6)))  # fmt: skip
    game.reset(seed=5)
    assert game.np_random is not game.env.np_random
    env_state = game.env.np_random.bit_generator.state
    assert [game.decode(None) for _ in range(3)] == np.random.default_rng(5).integers(6, size=3).tolist()
    assert game.env.np_random.bit_generator.state == env_state  # decoding draws nothing from the environment's


# check_env's warnings that gymnasium's own environments (gymnasium.make's) give too
GYMNASIUMS_OWN_WARNINGS = (
    ".*is different from the unwrapped version",  # any wrapped environment, gymnasium.make's TimeLimit as well
    ".*A Box observation space (minimum|maximum) value is -?infinity",  # CartPole-v1's velocity bounds
)


@pytest.mark.parametrize("env_id", ["CartPole-v1", "FrozenLake-v1"])
def test_check_env_with_its_warnings_as_errors_and_its_render_check(env_id, monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")  # the "human" render mode without a display
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for message in GYMNASIUMS_OWN_WARNINGS:
            warnings.filterwarnings("ignore", message=message)
        check_env(GymWrapper(env_id))


def test_the_allowed_warnings_are_gymnasiums_own():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(gym.make("CartPole-v1"), skip_render_check=True)
    assert all(any(re.match(message, str(w.message)) for w in caught) for message in GYMNASIUMS_OWN_WARNINGS)


# ---------------------------------------------------------------- Tuple and Dict observations: CompositeCode
def test_blackjack_gets_the_composite_code_of_its_three_discrete_values():
    game = GymWrapper("Blackjack-v1")
    # gymnasium's Blackjack-v1: player sum 0..31, dealer's showing card 1..10 (in a Discrete(11)), usable ace
    assert game.observation_space == spaces.Tuple((spaces.Discrete(32), spaces.Discrete(11), spaces.Discrete(2)))
    assert game.network_parts() == {"inputs": wrapper_module.CompositeCode, "readout": TopAction}
    assert game.params["n_inputs"] == 32 + 11 + 2
    assert game.params["obs_leaves"] == (((0,), "Discrete", 32, 0), ((1,), "Discrete", 11, 0), ((2,), "Discrete", 2, 0))
    inputs = wrapper_module.CompositeCode(**{k: game.params[k] for k in ("n_inputs", "obs_leaves")}, on_rate=0.5)
    expected = np.zeros(45)
    expected[[14, 32 + 10, 43 + 1]] = 0.5  # by hand: 14, then the dealer's 10, then the usable ace
    assert inputs.rates((14, 10, 1)).tolist() == expected.tolist()
    for seed in range(5):  # the observations of the game: the hand-written encoder above gives the same rates
        obs, _ = game.reset(seed=seed)
        assert inputs.rates(obs).tolist() == blackjack_rates(obs).tolist()
    wide = GymWrapper("Blackjack-v1", inputs_per_value=2)
    inputs = wrapper_module.CompositeCode(**{k: wide.params[k] for k in ("n_inputs", "obs_leaves", "inputs_per_value")})
    assert inputs.n_inputs == 90 and np.flatnonzero(inputs.rates((14, 10, 1))).tolist() == [28, 29, 84, 85, 88, 89]


def test_the_default_network_plays_blackjack_with_valid_actions_and_saves(tmp_path):
    game = GymWrapper("Blackjack-v1")
    net = network_for(game, seed=0)
    assert isinstance(net.inputs, wrapper_module.CompositeCode) and net.n_inputs == 45
    rewards = []
    for episode in range(5):
        net.reset()
        state, _ = game.reset(seed=episode)
        for _ in range(20):
            action = net.tick(state)
            assert game.action_space.contains(action) and game.env.action_space.contains(game.decode(action))
            state_next, reward, terminated, truncated, _ = game.step(action)
            net.reward(state, action, state_next, reward)
            state = state_next
            if terminated or truncated:
                rewards.append(reward)
                break
    assert len(rewards) == 5 and set(rewards) <= {-1.0, 0.0, 1.0}
    net.save(tmp_path / "net")
    loaded = Network.load(tmp_path / "net")
    assert loaded.config["obs_leaves"] == game.params["obs_leaves"]
    np.testing.assert_array_equal(loaded.inputs.rates((20, 3, 0)), net.inputs.rates((20, 3, 0)))


def test_the_blackjack_experiment_is_the_q_learner_on_joint_states_and_runs():
    experiment = experiment_for("Blackjack-v1")
    assert issubclass(experiment.network, GymQNetwork) and experiment.network.parts["inputs"] is OneHot
    network, game = experiment.build(seed=0)
    assert network.n_inputs == 32 * 11 * 2 and network.config["on_rate"] == 0.5  # one input per (sum, card, ace)
    outcome = experiment.run(seed=0, episodes=2, eval_episodes=2, progress=False)
    assert len(outcome.results.phase("train")) == 2 and len(outcome.results.phase("eval")) == 2
    assert -1.0 <= outcome.metric <= 1.0


def test_nested_tuple_and_dict_observations_play_through_the_wrapper():
    space = spaces.Dict({"pos": spaces.Box(-1.0, 1.0, (2,)), "more": spaces.Tuple((spaces.Discrete(3, start=-1), spaces.MultiBinary(2)))})
    toy = GymWrapper(Toy(space, spaces.Discrete(2)), inputs_per_dim=3)
    assert toy.params["n_inputs"] == 3 + 2 + 2 * 3  # more: Discrete, MultiBinary; then pos
    check_env(toy, skip_render_check=True)
    net = network_for(toy, seed=1)
    state, _ = toy.reset(seed=0)
    for _ in range(5):
        action = net.tick(state)
        state, reward, terminated, truncated, _ = toy.step(action)
        net.reward(state, action, None, reward)


# ---------------------------------------------------------------- action persistence
def test_action_repeat_holds_the_action_sums_the_rewards_and_stops_at_the_end():
    import gymnasium

    held, plain = GymWrapper("Acrobot-v1", action_repeat=3), gymnasium.make("Acrobot-v1")
    held.reset(seed=5), plain.reset(seed=5)
    obs, reward, terminated, truncated, _ = held.step(2)
    for _ in range(3):
        expected = plain.step(2)
    np.testing.assert_array_equal(obs, expected[0])  # three steps of torque +1, the same dynamics
    assert (reward, terminated, truncated) == (-3.0, False, False)
    # the time limit (500 steps) cuts the last hold: 166 holds of 3 steps, then one of 2 (no torque: no goal)
    held.reset(seed=5)
    total, steps, terminated, truncated = 0.0, 0, False, False
    while not (terminated or truncated):
        _, reward, terminated, truncated, _ = held.step(1)
        total, steps = total + reward, steps + 1
    assert (steps, total, terminated, truncated) == (167, -500.0, False, True)
    with pytest.raises(ConfigError, match="action_repeat"):
        GymWrapper("Acrobot-v1", action_repeat=0)
