"""CartPole: step for step gymnasium's CartPole-v1; the cartpole experiment."""
from __future__ import annotations

import doctest
import math
import pickle
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from spikesim import ConfigError, experiments
from spikesim.games import CartPole
from spikesim.games import cartpole as cartpole_module


def reference(**attributes) -> gym.Env:
    """gymnasium's CartPole-v1, its physics constants set by attribute."""
    env = gym.make("CartPole-v1")
    inner = env.unwrapped
    for name, value in attributes.items():
        setattr(inner, name, value)
    inner.total_mass = inner.masspole + inner.masscart
    inner.polemass_length = inner.masspole * inner.length
    return env


def balancing(obs: np.ndarray) -> int:
    """Push towards where the pole is heading: balances for the full 500 steps."""
    return int(obs[2] + 0.5 * obs[3] > 0)


def play_both(ours: CartPole, theirs: gym.Env, seed: int, policy: str, extra_steps: int = 0) -> int:
    """Play one episode of both games with the same seed and actions (random,
    or the balancing policy with random pushes mixed in); assert identical
    observations (bit for bit), rewards, terminations and truncations.
    Returns the episode's length."""
    rng = np.random.default_rng(seed + 1000)
    a, _ = ours.reset(seed=seed)
    b, _ = theirs.reset(seed=seed)
    assert a.dtype == b.dtype == np.float32 and a.tobytes() == b.tobytes()
    steps, after = 0, 0
    while True:
        if policy == "random" or rng.random() < 0.2:
            action = int(rng.integers(2))
        else:
            action = balancing(b)
        a, ra, ta, ua, _ = ours.step(action)
        b, rb, tb, ub, _ = theirs.step(action)
        steps += 1
        assert a.tobytes() == b.tobytes(), (seed, steps, a, b)
        assert (ra, ta, ua) == (rb, tb, ub), (seed, steps)
        assert type(ra) is float and type(ta) is bool and type(ua) is bool
        if ta or ua:
            if after == extra_steps or ua:
                return steps
            after += 1


def test_matches_gymnasium_bit_for_bit_over_many_seeds():
    ours, theirs = CartPole(), gym.make("CartPole-v1")
    lengths = [play_both(ours, theirs, seed, "random") for seed in range(40)]
    lengths += [play_both(ours, theirs, seed, "balancing") for seed in range(40, 46)]
    # random play ends in about 22 steps; the balancing policy reaches the truncation at 500
    assert 15 < np.mean(lengths[:40]) < 30 and max(lengths[40:]) == 500


def test_steps_after_termination_match_gymnasium():
    ours, theirs = CartPole(), gym.make("CartPole-v1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both warn about stepping a terminated episode
        for seed in range(5):
            play_both(ours, theirs, seed, "random", extra_steps=3)


@pytest.mark.parametrize(
    "preset, attributes",
    [
        ("long-pole", {"length": 1.0}),
        ("short-pole", {"length": 0.25}),
        ("heavy-pole", {"masspole": 0.5}),
        ("semi-implicit", {"kinematics_integrator": "semi-implicit"}),
    ],
)
def test_presets_match_gymnasium_with_the_same_constants(preset, attributes):
    ours, theirs = CartPole(preset=preset), reference(**attributes)
    for seed in range(8):
        play_both(ours, theirs, seed, "random")
        play_both(ours, theirs, seed, "balancing")


def test_every_constant_is_a_parameter():
    constants = {"gravity": 12.0, "masscart": 2.0, "masspole": 0.3, "length": 0.7, "force_mag": 15.0, "tau": 0.01,
                 "theta_threshold_radians": 0.3, "x_threshold": 3.0}  # fmt: skip
    ours, theirs = CartPole(**constants), reference(**constants)
    # gymnasium sets its bounds at construction: 2 x_threshold and 2 theta_threshold, velocities unbounded
    assert ours.observation_space.high.tolist() == [6.0, math.inf, np.float32(0.6), math.inf]
    for seed in range(6):
        play_both(ours, theirs, seed, "random")


def test_sutton_barto_reward_matches_gymnasium():
    ours, theirs = CartPole(sutton_barto_reward=True), gym.make("CartPole-v1", sutton_barto_reward=True)
    for seed in range(6):
        play_both(ours, theirs, seed, "random")


def test_first_step_from_rest_follows_the_equations():
    # At theta = theta' = 0: h = F / M, theta'' = -h / (l (4/3 - m_p / M)), x'' = h - m_p l theta'' / M
    for integrator in ("euler", "semi-implicit"):
        game = CartPole(integrator=integrator)
        obs, _ = game.reset(seed=0, options={"low": 0.0, "high": 0.0})
        assert obs.tolist() == [0.0, 0.0, 0.0, 0.0]
        force, total, l, mp, tau = 10.0, 1.1, 0.5, 0.1, 0.02
        h = force / total
        theta_acc = -h / (l * (4 / 3 - mp / total))
        x_acc = h - mp * l * theta_acc / total
        assert theta_acc == pytest.approx(-14.634146, rel=1e-6) and x_acc == pytest.approx(9.756098, rel=1e-6)
        game.step(1)
        v, omega = tau * x_acc, tau * theta_acc
        # Euler moves the positions with the old velocities (0); semi-implicit with the new ones
        x, theta = (0.0, 0.0) if integrator == "euler" else (tau * v, tau * omega)
        np.testing.assert_allclose(game.state, [x, v, theta, omega], rtol=1e-12, atol=1e-15)


def test_truncation_v0_and_reset_bounds():
    game = CartPole(preset="v0")
    obs, _ = game.reset(seed=3)
    for step in range(1, 201):
        obs, reward, terminated, truncated, _ = game.step(balancing(obs))
        assert not terminated and truncated == (step == 200)
    obs, _ = game.reset(seed=1, options={"low": -0.2, "high": -0.1})
    assert ((obs >= -0.2) & (obs < -0.1)).all()
    with pytest.raises(ValueError, match="low"):
        game.reset(options={"low": 1.0, "high": 0.0})


def test_same_seed_same_episode_and_seeded_starts_are_uniform():
    starts = np.array([CartPole().reset(seed=s)[0] for s in range(2000)])
    assert ((starts >= -0.05) & (starts < 0.05)).all()
    # the mean of U(-0.05, 0.05) is 0 with standard deviation 0.1 / sqrt(12 * 2000) per dimension
    assert np.all(np.abs(starts.mean(axis=0)) < 3 * 0.1 / math.sqrt(12 * 2000))


@pytest.mark.parametrize("preset", sorted(CartPole.PRESETS))
def test_check_env(preset):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # infinite observation bounds, as gymnasium's own CartPole
        check_env(CartPole(preset=preset), skip_render_check=True)


def test_errors():
    with pytest.raises(ConfigError, match="key 'masscart' expects a number in \\(0, inf\\); got 0"):
        CartPole(masscart=0)
    with pytest.raises(ConfigError, match="key 'integrator' expects a string among 'euler', 'semi-implicit'; got 'rk4'"):
        CartPole(integrator="rk4")
    with pytest.raises(ConfigError, match="unknown preset 'v2'"):
        CartPole(preset="v2")
    with pytest.raises(ConfigError, match="unknown key 'gravty'; did you mean 'gravity'"):
        CartPole(gravty=1.0)
    game = CartPole()
    with pytest.raises(RuntimeError, match="reset"):
        game.step(0)
    game.reset(seed=0)
    with pytest.raises(ValueError, match="action must be 0 or 1; got 2"):
        game.step(2)


def test_docstrings_run():
    assert doctest.testmod(cartpole_module).failed == 0


def test_cartpole_experiment_is_registered_and_learns_a_little():
    experiment = experiments.get("cartpole")
    assert experiment.game is CartPole and experiment.metric is experiments.mean_total_reward
    network, game = experiment.build(seed=0)
    assert (network.n_inputs, network.n_neurons, network.n_outputs) == (32, 48, 8)
    mask = network.config["matrix_mask"]
    assert mask[:32, 40:].all() and mask[32:72, 40:].all() and not mask[72:].any()  # skip and hidden -> outputs
    assert 0.1 < mask[:32, :40].mean() < 0.3  # sparse inputs -> hidden
    twin = pickle.loads(pickle.dumps(network))
    assert type(twin) is type(network) is experiment.network
    # a short schedule: 30 training episodes lift the steps balanced above a frozen twin's, on 10 seeds.
    # Measured (seeds 0-9): trained above frozen on 10 of 10 (seed 7 only just: 10.6 against 10.4); mean
    # 30.3 steps against 18.5 (1.64x). Asked: at least 8 of 10 and a mean 1.3x the frozen one. About 3 s.
    trained, frozen = [], []
    for seed in range(10):
        outcome = experiment.run(seed=seed, episodes=30, eval_episodes=5, progress=False)
        assert outcome.metric == np.mean([r["total_reward"] for r in outcome.results.phase("eval")])
        trained.append(outcome.metric)
        frozen.append(experiment.run(seed=seed, episodes=0, eval_episodes=5, progress=False).metric)
    wins = sum(t > f for t, f in zip(trained, frozen))
    assert wins >= 8 and np.mean(trained) >= 1.3 * np.mean(frozen), (trained, frozen)
