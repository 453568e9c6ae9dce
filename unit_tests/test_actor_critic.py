"""The spiking actor-critic: TD error known answers, the features encoder, the timing of delta, greedy
evaluation, the classic solve count, and a reduced multi-seed CartPole learning test."""
from __future__ import annotations

import re

import numpy as np
import pytest

from spikesim import ActorCriticNetwork, ConfigError, SolveWindow, episodes_to_solve, td_error, train
from spikesim.actor_critic import LinearActorCritic
from spikesim.experiments import get
from spikesim.experiments.control import input_mask
from spikesim.inputs import FourierFeatures
from spikesim.neurons import EscapeNoise
from spikesim.readouts import TopAction
from spikesim.synapses import MSTDP, MSTDPET
from spikesim.weights import Random


# ---------------------------------------------------------------- TD error
def test_td_error_is_zero_at_the_closed_form_values_of_a_two_state_chain():
    # A -> B -> end, rewards 1 then 2: V(B) = 2, V(A) = 1 + gamma * 2
    gamma = 0.9
    v_a, v_b = 1.0 + gamma * 2.0, 2.0
    assert td_error(1.0, v_a, v_b, gamma, terminated=False) == pytest.approx(0.0)
    assert td_error(2.0, v_b, 123.0, gamma, terminated=True) == pytest.approx(0.0)  # no future after termination
    assert td_error(2.0, v_b, 10.0, gamma, terminated=False) == pytest.approx(2.0 + 9.0 - 2.0)  # truncation bootstraps


def tabular_td(gamma, horizon, truncation_as_termination, episodes=3000, alpha=0.05):
    """TD(0) on the endless chain A -> B -> A -> ... (rewards 1 in A, 0 in B), episodes cut after ``horizon``
    steps by a time limit."""
    v = np.zeros(2)
    for _ in range(episodes):
        s = 0
        for t in range(horizon):
            s_next, r = 1 - s, 1.0 if s == 0 else 0.0
            ended = t == horizon - 1
            v[s] += alpha * td_error(r, v[s], v[s_next], gamma, terminated=ended and truncation_as_termination)
            s = s_next
    return v


def test_tabular_td_with_bootstrapping_at_truncation_finds_the_closed_form_values():
    gamma = 0.8
    # V(A) = 1 + gamma V(B), V(B) = gamma V(A)  =>  V(A) = 1 / (1 - gamma^2), V(B) = gamma V(A)
    closed = np.array([1.0, gamma]) / (1.0 - gamma**2)
    np.testing.assert_allclose(tabular_td(gamma, horizon=5, truncation_as_termination=False), closed, rtol=0.02)
    biased = tabular_td(gamma, horizon=5, truncation_as_termination=True)
    assert (biased < 0.9 * closed).all()  # a time limit treated as the end of the world underestimates


def test_episodes_to_solve_counts_the_episodes_before_the_first_window():
    # the window may start in lower returns as long as its mean reaches the threshold:
    # episodes 25-124 hold 5 x 0 and 95 x 500, a mean of 475
    assert episodes_to_solve([0.0] * 30 + [500.0] * 100, 475.0) == 25
    assert episodes_to_solve([0.0] * 30 + [500.0] * 100, 480.0) == 26
    assert episodes_to_solve([500.0] * 100, 475.0) == 0
    assert episodes_to_solve([474.0] * 200, 475.0) is None
    assert episodes_to_solve([500.0] * 99, 475.0) is None


# ---------------------------------------------------------------- features
def test_fourier_features_rates_by_hand():
    inputs = FourierFeatures(n_inputs=3, obs_low=-1.0, obs_high=3.0, fourier_order=2, max_rate=0.4)
    # s = 0 -> x = 0.25: phi = cos(0), cos(pi / 4), cos(pi / 2)
    phi = np.array([1.0, np.sqrt(0.5), 0.0])
    np.testing.assert_allclose(inputs.rates([0.0]), 0.4 * (1 + phi) / 2)
    # outside the range the scaled value is clipped: s = 7 is x = 1, phi = 1, -1, 1
    np.testing.assert_allclose(inputs.rates([7.0]), [0.4, 0.0, 0.4])


def test_fourier_features_coefficients_couple_the_dimensions():
    inputs = FourierFeatures(n_inputs=9, obs_low=[0, 0], obs_high=[1, 1], fourier_order=2)
    assert inputs.coefficients.tolist()[:4] == [[0, 0], [0, 1], [0, 2], [1, 0]]
    x = np.array([0.3, 0.6])
    np.testing.assert_allclose(inputs.features(x), np.cos(np.pi * inputs.coefficients @ x))


@pytest.mark.parametrize(
    "keys, message",
    [
        ({"n_inputs": 8, "obs_low": [0, 0], "obs_high": [1, 1]}, "(fourier_order + 1)^m = 9"),
        ({"n_inputs": 9, "obs_low": [0, -np.inf], "obs_high": [1, 1]}, "finite numbers"),
        ({"n_inputs": 9, "obs_low": [0, 2], "obs_high": [1, 1]}, "values below obs_high"),
        ({"n_inputs": 9, "obs_low": [0, 0], "obs_high": [1, 1, 1]}, "as many values as obs_low"),
        ({"n_inputs": 9, "obs_low": [0, 0], "obs_high": [1, 1], "fourier_order": -1}, "fourier_order"),
    ],
)
def test_fourier_features_refuse_bad_values(keys, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        FourierFeatures(**{"fourier_order": 2, **keys})


# ---------------------------------------------------------------- the network
def small(network=ActorCriticNetwork, **keys):
    """4 Fourier inputs of a 2-D observation -> 3 critic + 2 x 2 actor escape-noise neurons."""
    n_neurons = 7
    values = {
        "n_inputs": 4, "fourier_order": 1, "obs_low": [-1, -1], "obs_high": [1, 1], "max_rate": 0.5,
        "n_neurons": n_neurons, "n_critic": 3, "n_outputs": 4, "n_actions": 2, "processing_time": 10,
        "matrix_mask": input_mask(4, n_neurons), "min_weight": -3.0, "max_weight": 3.0, "bias": 16.0,
        "learning_rate": 0.5, "a_minus": 0.0, "gamma": 0.9, "v_scale": 10.0, "seed": 3,
    }  # fmt: skip
    values.update(keys)
    parts = {"inputs": FourierFeatures, "neurons": EscapeNoise, "weights": Random, "synapses": MSTDPET,
             "readout": TopAction}  # fmt: skip
    parts.update({k: values.pop(k) for k in ("synapses",) if k in values})
    return network(parts=parts, **values)


def test_delta_of_a_step_is_applied_after_the_next_tick_with_the_eligibility_of_its_own_tick():
    net, twin = small(), small()
    s0, s1 = np.array([0.2, -0.3]), np.array([0.5, 0.1])
    net.tick(s0)
    v0 = net.critic_value
    kept = net.synapses.state.z.copy()
    net.reward(s0, 1, s1, 1.0)
    assert net.last_td_error == 0.0  # V(s1) not known yet
    w0 = net.w.copy()
    net.tick(s1)
    v1 = net.critic_value
    delta = td_error(1.0, v0, v1, 0.9, terminated=False)
    assert net.last_td_error == pytest.approx(delta)
    # the critic's synapses moved by learning_rate * dt * delta * z of tick 0, from where the tick left them
    twin.tick(s0), twin.reward(s0, 1, s1, 1.0), twin.eval(), twin.tick(s1)  # the same spikes, no TD error applied
    np.testing.assert_array_equal(twin.spike_log, net.spike_log)
    critic = net.synapse_group < 0
    expected = np.clip(w0[critic] + 0.5 * delta * kept[critic], -3.0, 3.0)
    np.testing.assert_allclose(net.w[critic], expected)


def test_termination_applies_delta_at_once_without_future_and_truncation_bootstraps_on_one_more_tick():
    net = small()
    s0, s1 = np.array([0.2, -0.3]), np.array([0.5, 0.1])
    net.tick(s0)
    v0 = net.critic_value
    net.reward(s0, 0, s1, 2.0, terminated=True)
    assert net.last_td_error == pytest.approx(2.0 - v0)
    net.reset()
    ticks = net.n_ticks
    net.tick(s0)
    v0 = net.critic_value
    net.reward(s0, 0, s1, 2.0, truncated=True)
    assert net.n_ticks == ticks + 2  # one more tick on s1, for V(s1)
    assert net.last_td_error == pytest.approx(2.0 + 0.9 * net.critic_value - v0)


def test_other_actions_gain_signs_the_change_of_the_actions_not_taken():
    opposed, alone = small(other_actions_gain=-1.0), small(other_actions_gain=0.0)
    for net in (opposed, alone):
        w0 = net.w.copy()
        for t in range(5):  # the reward of action 1 at every step
            net.tick(np.array([0.2, -0.3]))
            net.reward(None, 1, None, 5.0, terminated=t == 4)
        net.change = net.w - w0
    other = opposed.synapse_group == 0  # action 1 was taken
    np.testing.assert_array_equal(alone.change[other], 0.0)
    assert np.abs(opposed.change[other]).sum() > 0
    taken = opposed.synapse_group == 1
    np.testing.assert_allclose(opposed.change[taken], alone.change[taken])


def test_greedy_evaluation_is_the_argmax_of_expected_drive_and_draws_no_noise():
    net = small()
    net.eval()
    state = np.array([0.3, 0.7])
    actions = set()
    for seed in range(5):
        net.rng = np.random.default_rng(seed)
        actions.add(net.tick(state))
    assert len(actions) == 1
    drive = net.inputs.rates(state) @ net.matrix[:4, 3:]
    assert actions.pop() == int(np.argmax([drive[:2].sum(), drive[2:].sum()]))
    # other weights and states, against the dense matrix's drives: group 0 follows input 1, group 1 input 0
    # (constant), so that each wins in some states; on top, small random weights
    rng = np.random.default_rng(7)
    sources, targets = net.graph.sources, net.graph.targets
    onto_actor = (targets >= 3) & (sources < 4)
    net.w[onto_actor] = rng.uniform(-0.1, 0.1, onto_actor.sum())
    net.w[onto_actor & (targets < 5) & (sources == 1)] += 1.0
    net.w[onto_actor & (targets >= 5) & (sources == 0)] += 0.5
    chosen = []
    for state in rng.uniform(-1.0, 1.0, (40, 2)):
        drive = net.inputs.rates(state) @ net.matrix[:4, 3:]
        chosen.append(net.tick(state))
        assert chosen[-1] == int(np.argmax([drive[:2].sum(), drive[2:].sum()]))
    assert set(chosen) == {0, 1}


@pytest.mark.parametrize(
    "keys, message",
    [({"n_critic": 4}, "n_critic"), ({"baseline_rate": 0.1}, "baseline_rate"), ({"gamma": 1.5}, "gamma"),
     ({"greedy_average": 1.5}, "greedy_average"), ({"greedy_average": -0.1}, "greedy_average")],
)
def test_bad_actor_critic_values_are_refused(keys, message):
    with pytest.raises(ConfigError, match=message):
        small(**keys)


def test_mstdp_composes_too():
    net = small(synapses=MSTDP)
    for s in (np.array([0.1, 0.2]), np.array([0.3, -0.2])):
        net.reward(s, net.tick(s), None, 1.0)
    assert np.isfinite(net.last_td_error)


# ---------------------------------------------------------------- learning
#: Seeds and budget of the reduced learning test. Checked on seeds 0-9: all ten reach a mean greedy return of 500
#: after 100 episodes (with 80 episodes, seed 6 was at 69).
LEARNING_SEEDS = (0, 1, 2)
LEARNING_EPISODES = 100


@pytest.mark.parametrize("seed", LEARNING_SEEDS)
def test_cartpole_ac_learns_far_above_random_in_a_short_budget(seed):
    experiment = get("cartpole-ac")
    net, game = experiment.build(seed=seed)
    results = train(net, game, episodes=LEARNING_EPISODES, len_episode=500, eval_episodes=5)
    greedy = results.mean("total_reward")
    assert greedy >= 150, f"seed {seed}: mean greedy return {greedy} after {LEARNING_EPISODES} episodes (random: 22)"


#: The reduced Acrobot test: on seeds 0-2, the training returns of episodes 50-149 averaged -111.4, -128.6 and
#: -110.1 (the first 150 episodes of the replication in docs/control.md; a random policy holding its actions:
#: about -458). The greedy return is not asserted.
ACROBOT_EPISODES = 150


@pytest.mark.parametrize("seed", LEARNING_SEEDS)
def test_acrobot_ac_training_policy_learns_far_above_random_in_a_short_budget(seed):
    net, game = get("acrobot-ac").build(seed=seed)
    results = train(net, game, episodes=ACROBOT_EPISODES, len_episode=500, eval_episodes=0)
    late = np.mean([r["total_reward"] for r in results.phase("train")[-50:]])
    assert late >= -200, f"seed {seed}: mean return of the last 50 of {ACROBOT_EPISODES} episodes {late} (random: -458)"


# ---------------------------------------------------------------- stopping once solved
def test_training_stops_at_the_first_solving_window_and_still_evaluates():
    net, game = get("cartpole-ac").build(seed=0)
    watch = SolveWindow(threshold=1.0, window=3)  # every episode returns >= 1: solved after 3 episodes
    results = train(net, game, episodes=50, len_episode=20, eval_episodes=2, callbacks=[watch])
    assert [r["phase"] for r in results.episodes] == ["train"] * 3 + ["eval"] * 2
    assert [r["episode"] for r in results.episodes] == [0, 1, 2, 3, 4]
    assert watch.episodes_to_solve == 0
    never = SolveWindow(threshold=1e9, window=3)
    assert len(train(net, game, episodes=4, len_episode=5, callbacks=[never]).phase("train")) == 4


def test_solve_window_refuses_bad_values():
    with pytest.raises(ValueError, match="window must be an integer >= 1; got 0"):
        SolveWindow(1.0, window=0)
    with pytest.raises(ValueError, match="threshold must be a finite number; got nan"):
        SolveWindow(float("nan"))


# ---------------------------------------------------------------- the non-spiking twin
def test_linear_actor_critic_update_by_hand():
    phi = np.array([1.0, 0.5])
    agent = LinearActorCritic(lambda s: phi * s, n_features=2, n_actions=2, critic_rate=0.1, actor_rate=0.2,
                              gamma=0.9, trace_decay=0.5, temperature=2.0, seed=0)  # fmt: skip
    # first step: V = 0 everywhere, delta = r = 1; pi = (1/2, 1/2)
    assert agent.learn(1.0, 1, 1.0, reward=1.0) == 1.0
    np.testing.assert_allclose(agent.v, 0.1 * phi)
    grad = np.array([-0.5 * phi, 0.5 * phi]) / 2.0  # (onehot(1) - pi) phi / temperature
    np.testing.assert_allclose(agent.theta, 0.2 * grad)
    # second step, terminal: delta = 0 - V(s) = -0.1 |phi|^2; the traces decayed by gamma * lambda = 0.45
    v_before, theta_before = agent.v.copy(), agent.theta.copy()
    pi = agent.policy(1.0)
    delta = agent.learn(1.0, 0, 1.0, reward=0.0, terminated=True)
    assert delta == pytest.approx(-0.1 * phi @ phi)
    np.testing.assert_allclose(agent.v, v_before + 0.1 * delta * (0.45 * phi + phi))
    grad2 = (np.array([[1.0], [0.0]]) - pi[:, None]) * phi / 2.0
    np.testing.assert_allclose(agent.theta, theta_before + 0.2 * delta * (0.45 * grad + grad2))


def test_linear_actor_critic_greedy_average_by_hand():
    agent = LinearActorCritic(lambda s: np.array([1.0, s]), n_features=2, n_actions=2, greedy_average=0.5, seed=0)
    agent.reset()  # nothing learned: the average stays at 0
    assert not agent.theta_average.any()
    agent.learn(1.0, 1, 1.0, reward=1.0, terminated=True)  # action 1 reinforced
    assert agent.greedy_action(1.0) == 0  # the average (still 0: a tie) is what the greedy action reads
    agent.reset()  # after an episode that learned: theta_bar = 0.5 theta
    np.testing.assert_allclose(agent.theta_average, 0.5 * agent.theta)
    assert agent.greedy_action(1.0) == 1
    theta = agent.theta.copy()
    agent.learn(1.0, 0, 1.0, reward=5.0, terminated=True)  # action 0 reinforced more
    agent.reset()
    np.testing.assert_allclose(agent.theta_average, 0.5 * (0.5 * theta) + 0.5 * agent.theta)
    agent.reset()  # an episode without learning (evaluation): the average stays
    np.testing.assert_allclose(agent.theta_average, 0.25 * theta + 0.5 * agent.theta)


@pytest.mark.parametrize("keys, message", [({"n_actions": 0}, "n_actions expects an integer >= 1"),
                                           ({"n_features": 2.5}, "n_features expects an integer >= 1; got 2.5"),
                                           ({"critic_rate": "fast"}, "critic_rate expects a number in [0, inf]"),
                                           ({"gamma": 1.5}, "gamma expects a number in [0, 1.0]"),
                                           ({"temperature": 0.0}, "temperature expects"),
                                           ({"greedy_average": 2.0}, "greedy_average expects a number in [0, 1.0]")])  # fmt: skip
def test_linear_actor_critic_refuses_bad_values(keys, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        LinearActorCritic(lambda s: s, **{"n_features": 2, "n_actions": 2, **keys})


def test_the_twins_of_cartpole_ac():
    """The linear twin learns CartPole on the same features (measured: seeds 0-9 solve within 10 episodes of
    the classic count); the random twin is the seeded random policy (about 22)."""
    experiment = get("cartpole-ac")
    for seed in (0, 1):
        linear = experiment.run_twin("linear", seed=seed, episodes=60, eval_episodes=3)
        assert linear.metric >= 475, f"seed {seed}: the linear twin's greedy return {linear.metric}"
    random = experiment.run_twin("random", seed=0, eval_episodes=100)
    assert 15 < random.metric < 30 and not random.results.phase("train")
    assert experiment.run_twin("random", seed=0, eval_episodes=100).metric == random.metric  # seeded
    with pytest.raises(ConfigError, match="no twin 'frozen'; its twins: \\['random', 'linear'\\]"):
        experiment.run_twin("frozen", seed=0)


def test_a_reduced_replication_of_cartpole_ac_reports_the_twins_and_draws_the_curves(tmp_path):
    from spikesim.commands.replicate import plot_curves, report
    from spikesim.meta.replicate import replicate

    schedule = {"episodes": 3, "len_episode": 30, "eval_episodes": 2}
    summary = replicate("cartpole-ac", runs=2, backend="serial", out=tmp_path, schedule=schedule)
    assert summary["twins"] == ["random", "linear"]
    assert (summary["completed"], summary["random_completed"], summary["linear_completed"]) == (2, 2, 2)
    assert summary["train_episodes_median"] == summary["linear_train_episodes_median"] == 3  # the whole schedule
    assert summary["episodes_to_solve_missing"] == 2  # 3 episodes of 30 steps cannot reach 475
    assert summary["random_metric_range"][1] <= 30
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert runs == ["seed-0000", "seed-0000-linear", "seed-0000-random", "seed-0001", "seed-0001-linear",
                    "seed-0001-random"]  # fmt: skip
    text = report(summary)
    assert "random twin:" in text and "linear twin:" in text and "episodes_to_solve" in text
    assert plot_curves(tmp_path, get("cartpole-ac")) == tmp_path / "learning_curves.png"
    assert (tmp_path / "learning_curves.png").read_bytes()[:4] == b"\x89PNG"


# ---------------------------------------------------------------- the other control tasks
@pytest.mark.parametrize("name, sizes, env_id", [("acrobot-ac", (162, 100, 60), "Acrobot-v1"),
                                                 ("mountaincar-ac", (32, 100, 60), "MountainCar-v0")])  # fmt: skip
def test_control_experiments_build_from_their_gym_environment(name, sizes, env_id):
    experiment = get(name)
    net, game = experiment.build(seed=0)
    assert (net.n_inputs, net.n_neurons, net.n_outputs) == sizes and game.env_id == env_id
    assert experiment.solve_threshold == experiment.target == game.env.spec.reward_threshold
    state, _ = game.reset(seed=0)
    assert game.env.action_space.contains(game.decode(net.tick(state)))


def test_lunarlander_ac_reads_the_observation_within_its_ranges():
    from spikesim.experiments.control import LUNARLANDER_HIGH, LUNARLANDER_LOW, LunarLanderActorCritic

    net = LunarLanderActorCritic(seed=0)  # the network alone, without the environment
    assert (net.n_inputs, net.n_neurons, net.n_outputs) == (512, 120, 80)
    low, high = np.array(LUNARLANDER_LOW), np.array(LUNARLANDER_HIGH)
    beyond = [1.0, 1.0, 5.0, 5.0, 1.0, 5.0, 0.0, 0.0]
    np.testing.assert_array_equal(net.inputs.rates(high + beyond), net.inputs.rates(high))  # clipped
    np.testing.assert_array_equal(net.inputs.rates(low - beyond), net.inputs.rates(low))
    # order 1: at the middle of the ranges (x = 1/2 in every dimension) feature c is cos(pi |c| / 2), |c| the
    # number of its ones: 1, 0, -1, 0, 1...; it fires its "on" input at max_rate max(phi, 0), its "off" input
    # (256 further on) at max_rate max(-phi, 0)
    phi = np.round(np.cos(np.pi * net.inputs.coefficients.sum(axis=1) / 2))
    expected = 0.2 * np.concatenate([np.maximum(phi, 0.0), np.maximum(-phi, 0.0)])
    np.testing.assert_allclose(net.inputs.rates((low + high) / 2), expected, atol=1e-12)
    assert (expected > 0).sum() == 1 + 28 + 70 + 28 + 1  # |c| = 0, 2, 4, 6, 8 (binomial coefficients of 8)


def test_an_environment_whose_extra_is_missing_names_the_extra(monkeypatch):
    from spikesim.experiments import control

    monkeypatch.setitem(control.EXTRAS, "box2d", "no_such_module_for_the_test")
    with pytest.raises(ConfigError, match=re.escape('LunarLander-v3 needs gymnasium\'s box2d extra, which is not '
                                                    'installed: pip install -e ".[box2d]"')):  # fmt: skip
        get("lunarlander-ac").build(seed=0)


def test_measures_of_a_run_by_hand():
    from spikesim.experiments.registry import Outcome
    from spikesim.training import Results

    experiment = get("cartpole-ac")  # solve threshold 475 over 100 episodes
    train_records = [{"phase": "train", "total_reward": 20.0, "wall_s": 0.1}] * 10 + \
        [{"phase": "train", "total_reward": 500.0, "wall_s": 1.0}] * 100
    eval_records = [{"phase": "eval", "total_reward": 500.0, "wall_s": 1.0, "events_per_tick": e,
                     "energy_per_decision_j": e * 0.9e-12, "ann_energy_per_decision_j": 3e-8} for e in (100.0, 300.0)]
    found = experiment.measures(Outcome(Results(train_records + eval_records, {}), 500.0, True))
    # the first 100-episode window averaging >= 475 starts at episode 5: 5 x 20 + 95 x 500 = 47,600
    assert found["episodes_to_solve"] == 5 and found["train_episodes"] == 110
    assert found["train_wall_s"] == pytest.approx(10 * 0.1 + 100 * 1.0)
    assert found["solve_wall_s"] == pytest.approx(10 * 0.1 + 95 * 1.0)  # to the end of that window, episode 104
    assert found["events_per_tick"] == 200.0 and found["energy_per_decision_j"] == pytest.approx(1.8e-10)
    unsolved = experiment.measures(Outcome(Results(train_records[:50], {}), 20.0, False))
    assert (unsolved["episodes_to_solve"], unsolved["solve_wall_s"], unsolved["events_per_tick"]) == (None, None, None)


# ---------------------------------------------------------------- the critic's readout and gain
def test_critic_value_from_the_drive_by_hand_and_independent_of_the_spikes():
    net = small(critic_readout="drive", v_bias=-5.0, v_scale=2.0)
    onto_critic = (net.graph.targets < 3) & (net.graph.sources < 4)
    net.w[onto_critic] = 0.5  # every input -> critic synapse at 0.5 mV
    state = np.array([0.0, 1.0])  # x = (0.5, 1): phi = 1, -1, cos(pi / 2), cos(3 pi / 2); rates = 0.5 (1 + phi) / 2
    rates = np.array([0.5, 0.0, 0.25, 0.25])
    np.testing.assert_allclose(net.inputs.rates(state), rates, atol=1e-12)
    values = set()
    for seed in range(4):  # other spikes, the same value
        net.rng = np.random.default_rng(seed)
        net.reset()
        net.tick(state)
        values.add(round(net.critic_value, 12))
    # V = v_bias + v_scale * (1 / 3) * 3 * sum_j rate_j * 0.5 = -5 + 2 * 0.5 = -4
    assert values == {-4.0}


def test_critic_gain_scales_the_change_of_the_critic_synapses_only():
    nets = {gain: small(critic_gain=gain) for gain in (1.0, 0.5, 0.0)}
    for net in nets.values():
        net.w0 = net.w.copy()
        for t in range(4):
            s = np.array([0.2 * t - 0.3, 0.1])
            net.reward(s, net.tick(s), None, 1.0, terminated=t == 3)
    critic = nets[1.0].synapse_group < 0
    change = {gain: net.w - net.w0 for gain, net in nets.items()}
    # the same seed gives the same spikes as long as the actor's weights agree; only the critic's change is scaled
    np.testing.assert_array_equal(change[0.0][critic], 0.0)
    assert np.abs(change[1.0][critic]).sum() > 0
    first = small(critic_gain=0.5)  # one step: exactly half the critic's change of critic_gain 1
    full = small()
    for net in (first, full):
        net.w0 = net.w.copy()
        s = np.array([0.2, -0.3])
        net.reward(s, net.tick(s), None, 1.0, terminated=True)
    np.testing.assert_allclose((first.w - first.w0)[critic], 0.5 * (full.w - full.w0)[critic], atol=1e-12)
    np.testing.assert_allclose((first.w - first.w0)[~critic], (full.w - full.w0)[~critic], atol=1e-12)


@pytest.mark.parametrize("keys, message", [({"critic_readout": "rates"}, "critic_readout"),
                                           ({"critic_gain": -1.0}, "critic_gain")])  # fmt: skip
def test_bad_critic_values_are_refused(keys, message):
    with pytest.raises(ConfigError, match=message):
        small(**keys)


def test_both_engines_agree_with_the_drive_critic_and_a_critic_gain():
    from engines import compare_networks

    states = [np.array([0.1 * t - 0.5, 0.9 - 0.3 * t]) for t in range(6)]
    a, b = compare_networks(lambda engine: small(engine=engine, critic_readout="drive", critic_gain=0.3, v_bias=-2.0),
                            states, [1.0, -0.5, 2.0, 0.0, 1.0, 3.0])  # fmt: skip
    assert a.last_td_error == pytest.approx(b.last_td_error)


# ---------------------------------------------------------------- presynaptic eligibility
def test_presynaptic_eligibility_by_hand_over_two_steps():
    keys = {"critic_readout": "drive", "eligibility": "presynaptic", "trace_decay": 0.5, "critic_gain": 0.2,
            "actor_gain": 0.6, "other_actions_gain": -0.4, "learning_rate": 0.1}  # fmt: skip
    net = small(**keys)
    s0, s1 = np.array([0.2, -0.3]), np.array([0.5, 0.1])
    x0, x1 = net.inputs.rates(s0), net.inputs.rates(s1)
    w0 = net.w.copy()
    net.tick(s0)
    v0 = net.critic_value
    net.reward(s0, 1, s1, 1.0)
    net.tick(s1)
    twin = small(**keys)  # V(s1) is read before step 0's change: the initial weights'
    twin.tick(s1)
    v1 = twin.critic_value
    d0 = td_error(1.0, v0, v1, 0.9, terminated=False)
    assert net.last_td_error == pytest.approx(d0)
    w1 = net.w.copy()
    net.reward(s1, 0, None, -2.0, terminated=True)
    d1 = -2.0 - v1
    src, tgt = net.graph.sources, net.graph.targets
    from_input = src < 4
    critic, group = from_input & (tgt < 3), net.synapse_group
    # step 0: e = x0, E_1 = 0.6 x0 (action 1), E_0 = -0.4 x0
    np.testing.assert_allclose(w1[critic], w0[critic] + 0.1 * 0.2 * d0 * x0[src[critic]])
    for b, g in ((0, -0.4), (1, 0.6)):
        onto = group == b
        np.testing.assert_allclose(w1[onto], w0[onto] + 0.1 * d0 * g * x0[src[onto]])
    # step 1: the traces decay by gamma * lambda = 0.45, then take x1 with action 0's gains
    e = 0.45 * x0 + x1
    np.testing.assert_allclose(net.w[critic], w1[critic] + 0.1 * 0.2 * d1 * e[src[critic]])
    for b, g0, g1 in ((0, -0.4, 0.6), (1, 0.6, -0.4)):
        onto = group == b
        trace = 0.45 * g0 * x0 + g1 * x1
        np.testing.assert_allclose(net.w[onto], w1[onto] + 0.1 * d1 * trace[src[onto]])
    net.reset()  # the traces start again
    assert not net._critic_trace.any() and not net._actor_trace.any()


def test_presynaptic_eligibility_with_dense_storage_leaves_the_absent_pairs_at_zero():
    net = small(critic_readout="drive", eligibility="presynaptic", storage="dense")
    absent = net.graph.sources >= 4  # body -> body pairs held by the dense matrix, frozen at [0, 0]
    assert absent.any()
    for t in range(4):
        s = np.array([0.2 * t - 0.3, 0.1])
        net.reward(s, net.tick(s), None, 1.0, terminated=t == 3)
    np.testing.assert_array_equal(net.w[absent], 0.0)


def test_presynaptic_eligibility_needs_the_drive_critic():
    with pytest.raises(ConfigError, match="critic_readout.*'drive'.*presynaptic"):
        small(eligibility="presynaptic")


def test_both_engines_agree_with_the_presynaptic_eligibility():
    from engines import compare_networks

    states = [np.array([0.1 * t - 0.5, 0.9 - 0.3 * t]) for t in range(6)]
    a, b = compare_networks(lambda engine: small(engine=engine, critic_readout="drive", eligibility="presynaptic"),
                            states, [1.0, -0.5, 2.0, 0.0, 1.0, 3.0])  # fmt: skip
    assert a.last_td_error == pytest.approx(b.last_td_error)
    # changes large enough to reach the bounds (+-3): the compiled update clips as NumPy does
    a, b = compare_networks(lambda engine: small(engine=engine, critic_readout="drive", eligibility="presynaptic",
                                                 learning_rate=200.0), states, [1.0, -0.5, 2.0, 0.0, 1.0, 3.0])  # fmt: skip
    from_input = a.graph.sources < 4
    assert (a.w[from_input] == 3.0).any() and (a.w[from_input] == -3.0).any()


class RuleAlwaysOn(ActorCriticNetwork):
    """Runs the rule's STDP traces in every training tick, as before the presynaptic eligibility skipped them."""

    @property
    def synapses_learn(self) -> bool:
        return self.training


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_presynaptic_eligibility_skips_the_rule_and_changes_nothing(engine):
    keys = {"critic_readout": "drive", "eligibility": "presynaptic", "engine": engine}
    net, ruled = small(**keys), small(RuleAlwaysOn, **keys)
    assert not net.synapses_learn and ruled.synapses_learn
    for t in range(8):
        s = np.array([0.2 * t - 0.7, 0.5 - 0.1 * t])
        for n in (net, ruled):
            n.reward(s, n.tick(s), None, 1.0 - 0.3 * t, terminated=t == 7)
        np.testing.assert_array_equal(net.spike_log, ruled.spike_log)
    np.testing.assert_array_equal(net.w, ruled.w)
    assert ruled.synapses.state.z.any() and not net.synapses.state.z.any()  # the skipped traces
    assert small(critic_readout="drive").synapses_learn  # the STDP eligibility needs them


# ---------------------------------------------------------------- the greedy action's running average
def test_greedy_average_by_hand_and_the_greedy_action_reads_it(tmp_path):
    keys = {"critic_readout": "drive", "eligibility": "presynaptic", "greedy_average": 0.25, "learning_rate": 5.0}
    net = small(**keys)
    actor = net._actor_inputs[0]
    expected = net.w[actor].copy()  # the average starts at the initial weights
    np.testing.assert_array_equal(net.greedy_weights, expected)
    net.reset()  # no episode learned yet: the average stays
    np.testing.assert_array_equal(net.greedy_weights, expected)
    for episode in range(3):
        for t in range(4):
            s = np.array([0.3 * t - 0.5, 0.4 - 0.2 * episode])
            net.reward(s, net.tick(s), None, (-1.0) ** t, terminated=t == 3)
        assert not np.allclose(net.greedy_weights, net.w[actor])
        expected += 0.25 * (net.w[actor] - expected)
        if episode == 2:
            net.eval()
        net.reset()  # after an episode that learned (the last one too), the average takes the weights
        np.testing.assert_allclose(net.greedy_weights, expected)
    net.tick(np.array([0.1, 0.2]))
    net.reset()  # frozen: the average stays
    np.testing.assert_allclose(net.greedy_weights, expected)
    # the greedy action reads the average: make it and the weights disagree on every state
    group = net.synapse_group[actor]
    net.greedy_weights[:] = np.where(group == 0, 1.0, -1.0)
    net.w[actor] = np.where(group == 0, -1.0, 1.0)
    states = [np.array([0.9, 0.9]), np.array([0.2, 0.7])]
    assert [net.tick(s) for s in states] == [0, 0]
    net.save(tmp_path / "net")  # kept by save and load
    loaded = type(net).load(tmp_path / "net")
    np.testing.assert_array_equal(loaded.greedy_weights, net.greedy_weights)
    assert [loaded.tick(s) for s in states] == [0, 0]
    plain = small(critic_readout="drive", eligibility="presynaptic")  # 0: the weights themselves, nothing saved
    plain.w[actor] = net.w[actor]
    plain.eval()
    assert [plain.tick(s) for s in states] == [1, 1]
    assert plain.learner_arrays() == {}


@pytest.mark.parametrize("eligibility", ["stdp", "presynaptic"])
def test_a_td_error_out_of_range_is_named(eligibility):
    from spikesim.network import SimulationError

    net = small(critic_readout="drive", eligibility=eligibility, v_scale=1e308, v_bias=1e308)
    net.w[net._critic] = 3.0  # a positive drive: V = 1e308 + 1e308 * drive overflows to inf
    s = np.array([0.9, 0.9])
    w = net.w.copy()
    net.tick(s)
    with pytest.raises(SimulationError, match=r"the TD error became nan .*v_scale or v_bias"):
        net.reward(s, 0, s, 1.0, truncated=True)  # V(s) = V(s') = inf: delta = 1 + 0.9 inf - inf
    np.testing.assert_array_equal(net.w, w)  # nothing learned from it
