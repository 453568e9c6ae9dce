"""Control tasks learned by the spiking actor-critic (:mod:`spikesim.actor_critic`).

``cartpole-ac``: CartPole-v1 (500 steps) from order-2 Fourier features of
the observation (81 Poisson inputs), a critic of 40 escape-noise neurons and
an actor of 2 groups of 20, all fed by the inputs only, MSTDPET modulated by
the TD error of the game's own reward (1 per step). The metric is the mean
return of the greedy policy (no random number in the choice, plasticity
frozen) over the evaluation episodes; 475 is solved, a random policy gets
about 22. ``acrobot-ac``, ``mountaincar-ac``, ``pendulum-ac`` (five preferred
torques) and ``lunarlander-ac`` (gymnasium's box2d extra) are the same
learner with the same keys (:data:`CONTROL_KEYS`), sized for their
environments (Acrobot, MountainCar and Pendulum with keys of their own). Every one of them is a :class:`ControlExperiment`: a
replication runs a random policy and a non-spiking linear actor-critic
beside it on the same seeds.

MSTDPET runs with a causal window only (``a_minus = 0``). With Florian's
symmetric window the mean pairing of independent spikes cancels and only
the input-output correlation is left, which is tiny for 81 weak inputs
(the eligibility is mostly noise: measured, the actor collapsed onto one
action). With ``a_minus = 0`` the mean eligibility of a tick is
proportional to ``rate_j * rho_i``, which for exponential escape noise is
``delta_u`` times the gradient ``d rho_i / d w_ij``: the TD error then moves
the critic along the gradient of V and the actor along that of its drive.

Measured (``spikesim replicate cartpole-ac --runs 10``: seeds 0-9, 400
training episodes, then 100 greedy episodes): 9 of 10 seeds solve by the
classic count (episodes before the first 100-episode window with mean >=
475: 42, 83, 50, 36, -, 53, 89, 40, 34, 33; median 42), a median 25.6 s of
training to the end of that window on one core; the greedy return is 500
for all ten, seed 4 included (its exploring training policy peaked at a
100-episode mean of 242).

``acrobot-ac`` reads Acrobot's observation as both angles and both
velocities (FourierFeatures' ``obs_angles``; order 2, 81 features, each
fired by an "on" and an "off" input with evenly spaced spikes: 162 inputs),
holds each action for 3 environment steps (GymWrapper's ``action_repeat``),
reads its critic from the expected drive (``critic_readout="drive"``: no
noise shared with the eligibility) and meets the TD error with the
presynaptic eligibility (traces of the inputs' rates: :data:`ACROBOT_KEYS`);
its greedy action reads a running average of the actor's weights
(``greedy_average``). Measured (``spikesim replicate acrobot-ac --runs 10
--workers 1``, with ``--seed`` 10, 20, 30 and 40: seeds 0-49, 500 training
episodes, then 100 greedy episodes): the greedy return reaches the target's
-100 in 9, 9, 9, 6 and 9 of each 10 seeds, 42 of 50 (84 %, Wilson 95 %
71-92 %; the target asks for 8 of 10; 15 of 20 on seeds 30-49, run after the
average's rate was chosen); 47 seeds solve by the classic count (median 191
episodes); the linear twin with the same average 43 of 50, a random policy
holding its actions -455.

The other tasks' figures are on the documentation page "Agents that learn
control tasks". The experiments' seed is 0 (``--seed`` changes it).
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from spikesim.actor_critic import ActorCriticNetwork, LinearActorCritic, play
from spikesim.experiments.registry import Experiment, Outcome, mean_total_reward, register
from spikesim.games import CartPole, GymWrapper
from spikesim.params import ConfigError
from spikesim.training import Results, SolveWindow
from spikesim.inputs import FourierFeatures
from spikesim.neurons import EscapeNoise
from spikesim.readouts import TopAction
from spikesim.synapses import MSTDPET
from spikesim.weights import Random

#: CartPole's observation ranges: x and theta to their termination thresholds
#: (the space's own bounds are twice those), the unbounded velocities to the
#: ranges an episode visits before it ends.
CARTPOLE_LOW = [-2.4, -3.0, -0.21, -3.5]
CARTPOLE_HIGH = [2.4, 3.0, 0.21, 3.5]


def input_mask(n_inputs: int, n_neurons: int) -> np.ndarray:
    """Every input onto every body neuron, no synapse between body neurons:
    bool ``(n_inputs + n_neurons, n_neurons)``.

    Examples
    --------
    >>> input_mask(1, 2).astype(int).tolist()
    [[1, 1], [0, 0], [0, 0]]
    """
    mask = np.zeros((n_inputs + n_neurons, n_neurons), dtype=bool)
    mask[:n_inputs] = True
    return mask


def small_weights(rng: np.random.Generator, n: int) -> np.ndarray:
    """Initial weights ``U(-0.1, 0.1)`` mV."""
    return rng.uniform(-0.1, 0.1, n)


#: Critic neurons, and actor neurons per action, of the control tasks' networks.
N_CRITIC = 40
ACTOR_PER_ACTION = 20

#: The keys the control tasks' actor-critics share (measured on CartPole-v1): 20 ms of network time per
#: environment step, Poisson inputs up to 0.2 spikes per step, signed weights within [-2, 2] mV starting in
#: [-0.1, 0.1], escape-noise neurons driven to 16 mV by their bias, MSTDPET with a causal window only, and the
#: TD error's gains.
CONTROL_KEYS = {
    "max_rate": 0.2, "processing_time": 20, "min_weight": -2.0, "max_weight": 2.0, "storage": "sparse",
    "weight_generator": small_weights,
    "tau_m": 10.0, "bias": 16.0, "reset_mv": -60.0, "escape_rate": 0.1, "delta_u": 2.0,
    "learning_rate": 0.02, "tau_z": 25.0, "a_minus": 0.0,
    "gamma": 0.95, "v_scale": 50.0, "v_bias": 0.0, "actor_gain": 0.3, "other_actions_gain": -1.0,
}  # fmt: skip
#: The parts of the control tasks' actor-critics.
CONTROL_PARTS = {"inputs": FourierFeatures, "neurons": EscapeNoise, "weights": Random, "synapses": MSTDPET,
                 "readout": TopAction}  # fmt: skip


def sizes(
    obs_low: list[float], obs_high: list[float], order: int, n_actions: int, inputs_per_feature: int = 1
) -> dict:
    """The size keys of a control task's actor-critic: the order-``order``
    Fourier basis of an observation within ``[obs_low, obs_high]`` with
    ``inputs_per_feature`` inputs per feature (2: FourierFeatures'
    ``feature_code="on_off"``), :data:`N_CRITIC` critic and
    :data:`ACTOR_PER_ACTION` actor neurons per action, every input onto
    every body neuron (:func:`input_mask`).

    >>> keys = sizes([0, 0], [1, 1], order=1, n_actions=3)
    >>> keys["n_inputs"], keys["n_neurons"], keys["n_outputs"], keys["matrix_mask"].shape
    (4, 100, 60, (104, 100))
    """
    n_inputs = inputs_per_feature * (order + 1) ** len(obs_low)
    n_neurons = N_CRITIC + ACTOR_PER_ACTION * n_actions
    return {"n_inputs": n_inputs, "fourier_order": order, "obs_low": list(obs_low), "obs_high": list(obs_high),
            "n_neurons": n_neurons, "n_critic": N_CRITIC, "n_outputs": n_neurons - N_CRITIC, "n_actions": n_actions,
            "matrix_mask": input_mask(n_inputs, n_neurons)}  # fmt: skip


class CartPoleActorCritic(ActorCriticNetwork):
    """81 Fourier-feature inputs -> 40 critic + 2 x 20 actor escape-noise
    neurons (80 spiking neurons), signed weights in [-2, 2] mV, MSTDPET
    modulated by the TD error."""

    parts = CONTROL_PARTS
    keys = {**CONTROL_KEYS, **sizes(CARTPOLE_LOW, CARTPOLE_HIGH, order=2, n_actions=2)}


class RandomPolicy:
    """Uniformly random actions from the game's action space, seeded: the
    floor a learner must beat (it never learns)."""

    learn = None

    def __init__(self, action_space: Any, seed: int | None) -> None:
        self.space = action_space
        self.space.seed(seed)

    def act(self, state: Any) -> Any:
        return self.space.sample()

    greedy_action = act

    def reset(self) -> None:
        pass


@dataclass(frozen=True)
class ControlExperiment(Experiment):
    """A control task learned by a spiking actor-critic, with two twins on
    the same seed for replications (:meth:`run_twin`): ``"random"``, a
    uniformly random policy over the evaluation episodes, and ``"linear"``,
    the same TD actor-critic without spikes
    (:class:`~spikesim.actor_critic.LinearActorCritic`) on the same features
    (the network's inputs' ``features``) and the same schedule, with
    ``linear`` as its keyword arguments. ``published`` holds the figures a
    report puts beside the measured ones (episodes to solve...)."""

    linear: Mapping[str, Any] = field(default_factory=dict)
    published: Mapping[str, Any] = field(default_factory=dict)
    twins: tuple[str, ...] = ("random", "linear")

    def run_twin(self, twin: str, overrides: Mapping[str, Any] | None = None, seed: int | None = None,
                 episodes: int | None = None, len_episode: int | None = None, eval_episodes: int | None = None,
                 stop_when_solved: bool = True) -> Outcome:  # fmt: skip
        """The ``"random"`` or the ``"linear"`` twin on ``seed`` (the
        experiment's schedule unless given); the run's config names the
        twin, its parameters and the seed."""
        if twin not in self.twins:
            return super().run_twin(twin, overrides, seed)
        network, game = self.build(overrides, seed)
        episodes = self.episodes if episodes is None else episodes
        len_episode = self.len_episode if len_episode is None else len_episode
        eval_episodes = self.eval_episodes if eval_episodes is None else eval_episodes
        if twin == "random":
            agent, params, episodes = RandomPolicy(game.action_space, network.seed), {}, 0
        else:
            features = getattr(network.inputs, "features", None)
            if features is None:
                raise ConfigError(f"experiment {self.name!r}: the linear twin needs inputs with features(); "
                                  f"got {type(network.inputs).__name__}")  # fmt: skip
            params = {"gamma": network.config["gamma"], **self.linear}
            n_features = len(features(game.observation_space.sample()))
            agent = LinearActorCritic(features, n_features, network.readout.n_groups, seed=network.seed, **params)
        solve = [SolveWindow(self.solve_threshold, stop=stop_when_solved)] if self.solve_threshold is not None else []
        records = play(agent, game, episodes, len_episode, eval_episodes, seed=network.seed, callbacks=solve)
        config = {"network": type(agent).__name__, "params": params, "seed": network.seed, "game_seed": network.seed,
                  "meta": {"experiment": self.name, "twin": twin, "overrides": dict(overrides or {})}}  # fmt: skip
        results = Results(records, config)
        value = float(self.metric(results))
        return Outcome(results, value, None if self.target is None else value >= self.target)


CARTPOLE_AC = register(
    ControlExperiment(
        name="cartpole-ac",
        description="a spiking actor-critic (TD error as MSTDPET's modulator) learning CartPole-v1",
        network=CartPoleActorCritic,
        keys={"seed": 0},
        game=CartPole,
        game_params={"preset": "v1"},
        episodes=400,
        len_episode=500,
        eval_episodes=100,
        metric=mean_total_reward,
        metric_name="mean greedy return over the evaluation episodes (random policy: about 22; solved: 475)",
        target=475.0,
        solve_threshold=475.0,
        linear={"critic_rate": 0.01, "actor_rate": 0.01, "trace_decay": 0.8},
        published={"episodes_to_solve": "169.5 +- 23.5 (Chung and Kozma 2020, TD-STDP, 10 runs)"},
    )
)


def gym_control(env_id: str, extra: str | None = None, **wrapper: Any):
    """A game factory: ``GymWrapper(env_id, outputs_per_group=ACTOR_PER_ACTION,
    **wrapper)``; with ``extra``, a :class:`~spikesim.ConfigError` naming
    spikesim's install extra when the environment's module cannot be
    imported."""

    def make(**params: Any) -> GymWrapper:
        if extra is not None and importlib.util.find_spec(EXTRAS[extra]) is None:
            raise ConfigError(f"{env_id} needs gymnasium's {extra} extra, which is not installed: "
                              f'pip install -e ".[{extra}]" (or pip install "gymnasium[{extra}]")')  # fmt: skip
        return GymWrapper(env_id, **{"outputs_per_group": ACTOR_PER_ACTION, **wrapper, **params})

    make.__name__ = make.__qualname__ = f"gym_control({env_id!r})"
    return make


#: The module each optional extra of gymnasium brings, by extra.
EXTRAS = {"box2d": "Box2D"}

#: The schedule and metric of the control experiments but cartpole-ac's.
GYM_CONTROL = {"keys": {"seed": 0}, "eval_episodes": 100, "metric": mean_total_reward,
               "linear": {"critic_rate": 0.01, "actor_rate": 0.01, "trace_decay": 0.8}}  # fmt: skip


#: Acrobot-v1's observation read as (theta1, theta2, theta1', theta2'): both angles from their (cos, sin)
#: pairs, the velocities within about the ranges most steps visit (30 episodes of random actions held for 3
#: steps: 1st-99th percentiles +-3.7 and +-6.5, extremes 6.1 and 11.2; faster ones are clipped) rather than
#: the space's +-4 pi, +-9 pi. Finer near rest than +-6, +-12, with which the greedy policy of seed 4 never
#: reached the goal (docs/control.md).
ACROBOT_LOW = [-np.pi, -np.pi, -4.0, -8.0]
ACROBOT_HIGH = [np.pi, np.pi, 4.0, 8.0]
#: Environment steps each action of acrobot-ac is held for (the wrapper's ``action_repeat``).
ACROBOT_HOLD = 3


#: The keys of acrobot-ac's network over :data:`CONTROL_KEYS` (and of ``gym:Acrobot-v1``'s): the order-2
#: Fourier basis of (theta1, theta2, theta1', theta2'), each feature fired by an "on" and an "off" input
#: (FourierFeatures' ``feature_code="on_off"``) with evenly spaced spikes (``spike_train="regular"``), a
#: noise-free critic (its expected drive) whose value spans Acrobot's returns, and the presynaptic eligibility
#: (TD(0.8) on the gradient of the drives) with the gains of a softmax policy's gradient at the uniform policy
#: over 3 actions (2/3, -1/3), the critic's change 0.03 times the actor's. The greedy action reads a running
#: average of the actor's weights over about the last 50 training episodes (``greedy_average``).
ACROBOT_KEYS = {
    "n_inputs": 162, "feature_code": "on_off", "spike_train": "regular", "fourier_order": 2,
    "obs_low": ACROBOT_LOW, "obs_high": ACROBOT_HIGH, "obs_angles": [(0, 1), (2, 3)],
    "critic_readout": "drive", "gamma": 0.99, "v_bias": -100.0, "v_scale": 200.0,
    "eligibility": "presynaptic", "trace_decay": 0.8, "learning_rate": 0.01, "critic_gain": 0.03,
    "actor_gain": 0.67, "other_actions_gain": -0.33, "greedy_average": 0.02,
}  # fmt: skip


class AcrobotActorCritic(ActorCriticNetwork):
    """Acrobot-v1's observation read as both angles and both angular
    velocities (:data:`ACROBOT_LOW`, :data:`ACROBOT_HIGH`; FourierFeatures'
    ``obs_angles``) -> the order-2 Fourier basis (81 inputs) -> 40 critic +
    3 x 20 actor escape-noise neurons, each action held for
    :data:`ACROBOT_HOLD` environment steps (the game's ``action_repeat``),
    with :data:`ACROBOT_KEYS`. Rewards are -1 per environment step: V is
    negative, from ``v_bias``."""

    parts = CONTROL_PARTS
    keys = {**CONTROL_KEYS, **sizes(ACROBOT_LOW, ACROBOT_HIGH, order=2, n_actions=3, inputs_per_feature=2),
            **ACROBOT_KEYS}


#: The keys of mountaincar-ac's network over :data:`CONTROL_KEYS`: a noise-free critic (its expected drive)
#: starting at V = 0, above every true value (-1 per step), so that the states already visited look worse
#: than the others (exploration by optimism: the drive can fall below ``v_bias``, a spike count cannot),
#: Acrobot's slower actor at half its learning rate, and Acrobot's inputs: an "on" and an "off" input per
#: feature (32 inputs) with evenly spaced spikes.
MOUNTAINCAR_KEYS = {
    "n_inputs": 32, "feature_code": "on_off", "spike_train": "regular",
    "critic_readout": "drive", "gamma": 0.99, "v_bias": 0.0, "v_scale": 200.0, "learning_rate": 0.001,
    "actor_gain": 0.2, "other_actions_gain": -0.66,
}  # fmt: skip


class MountainCarActorCritic(ActorCriticNetwork):
    """MountainCar-v0's position and velocity (within the space's bounds) ->
    the order-3 Fourier basis (16 features, 32 on and off inputs) -> 40 critic + 3 x 20 actor
    escape-noise neurons, with :data:`MOUNTAINCAR_KEYS`. Rewards are -1 per
    step until the goal."""

    parts = CONTROL_PARTS
    keys = {**CONTROL_KEYS, **sizes([-1.2, -0.07], [0.6, 0.07], order=3, n_actions=3, inputs_per_feature=2),
            **MOUNTAINCAR_KEYS}


#: LunarLander-v3's observation (x, y, x', y', angle, angle', left leg, right leg) within about the ranges
#: its steps visit (30 episodes of random actions: 1st-99th percentiles x +-0.9, y -0.02 to 1.58, x' +-1.6,
#: y' -1.56 to 0.38, angle -1.8 to 1.4, angle' -0.7 to 3.0; larger values are clipped) rather than the
#: space's +-2.5, +-10 and +-2 pi, within which the order-1 features hardly change: the linear twin on those
#: learned to crash at once (-129.5 greedy on seed 0, docs/control.md).
LUNARLANDER_LOW = [-1.5, -0.5, -2.0, -2.0, -1.5, -3.0, 0.0, 0.0]
LUNARLANDER_HIGH = [1.5, 1.5, 2.0, 2.0, 1.5, 3.0, 1.0, 1.0]

#: The keys of lunarlander-ac's network over :data:`CONTROL_KEYS` (and of ``gym:LunarLander-v3``'s): the
#: order-1 Fourier basis within :data:`LUNARLANDER_LOW`, :data:`LUNARLANDER_HIGH` with Acrobot's inputs (an
#: "on" and an "off" input per feature, evenly spaced spikes: 512 inputs), critic (its expected drive, here from V = 0) and presynaptic
#: eligibility, with the gains of a softmax policy's gradient at the uniform policy over 4 actions (3/4,
#: -1/4), a learning rate of 0.003 (0.01 stayed below a random policy on seed 0), and Acrobot's averaged
#: greedy weights.
LUNARLANDER_KEYS = {
    "n_inputs": 512, "feature_code": "on_off", "spike_train": "regular", "fourier_order": 1,
    "obs_low": LUNARLANDER_LOW, "obs_high": LUNARLANDER_HIGH,
    "critic_readout": "drive", "v_bias": 0.0, "v_scale": 200.0, "eligibility": "presynaptic", "trace_decay": 0.8,
    "learning_rate": 0.003, "critic_gain": 0.03, "actor_gain": 0.75, "other_actions_gain": -0.25,
    "greedy_average": 0.02,
}  # fmt: skip


class LunarLanderActorCritic(ActorCriticNetwork):
    """LunarLander-v3's 8 observations (:data:`LUNARLANDER_LOW`,
    :data:`LUNARLANDER_HIGH`) -> the order-1 Fourier basis (256 features,
    512 on and off inputs) -> 40 critic + 4 x 20 actor escape-noise neurons,
    with :data:`LUNARLANDER_KEYS`."""

    parts = CONTROL_PARTS
    keys = {**CONTROL_KEYS, **sizes(LUNARLANDER_LOW, LUNARLANDER_HIGH, order=1, n_actions=4, inputs_per_feature=2),
            **LUNARLANDER_KEYS}


#: The keys of pendulum-ac's network over :data:`CONTROL_KEYS`: a noise-free critic (its expected drive)
#: centred on -160, within the values of Pendulum's returns (-16.3 to 0 per step, discounted by 0.95),
#: Acrobot's slower actor and learning rate, Acrobot's inputs (an "on" and an "off" input per feature with
#: evenly spaced spikes) and Acrobot's averaged greedy weights.
PENDULUM_KEYS = {
    "n_inputs": 54, "feature_code": "on_off", "spike_train": "regular",
    "critic_readout": "drive", "v_bias": -160.0, "v_scale": 200.0, "learning_rate": 0.002,
    "actor_gain": 0.2, "other_actions_gain": -0.66, "greedy_average": 0.02,
}  # fmt: skip


class PendulumActorCritic(ActorCriticNetwork):
    """Pendulum-v1's 3 observations (cos and sin of the angle, the angular
    velocity, within the space's bounds) -> the order-2 Fourier basis (27
    features, 54 on and off inputs) -> 40 critic + 5 x 20 actor escape-noise neurons, the groups
    preferring torques -2, -1, 0, 1 and 2 (the wrapper's ``action_bins``),
    with :data:`PENDULUM_KEYS`. Rewards are between -16.3 and 0 per step: V
    is negative, from ``v_bias``."""

    parts = CONTROL_PARTS
    keys = {**CONTROL_KEYS, **sizes([-1, -1, -8], [1, 1, 8], order=2, n_actions=5, inputs_per_feature=2),
            **PENDULUM_KEYS}


ACROBOT_AC = register(
    ControlExperiment(
        name="acrobot-ac", network=AcrobotActorCritic, game=gym_control("Acrobot-v1", action_repeat=ACROBOT_HOLD),
        description="a spiking actor-critic (TD error on traces of the inputs' rates) learning Acrobot-v1",
        episodes=500, len_episode=500, target=-100.0, solve_threshold=-100.0,
        metric_name="mean greedy return over the evaluation episodes (random policy: about -490; solved: -100)",
        published={"greedy_return": "-169.9 (a spiking actor with a TD-LTP critic)"},
        **{**GYM_CONTROL, "linear": {"critic_rate": 0.003, "actor_rate": 0.003, "trace_decay": 0.8, "greedy_average": 0.02}},
    )  # fmt: skip
)

MOUNTAINCAR_AC = register(
    ControlExperiment(
        name="mountaincar-ac", network=MountainCarActorCritic, game=gym_control("MountainCar-v0"),
        description="a spiking actor-critic (TD error as MSTDPET's modulator) on MountainCar-v0",
        episodes=500, len_episode=200, target=-110.0, solve_threshold=-110.0,
        metric_name="mean greedy return over the evaluation episodes (random policy: -200; solved: -110)",
        **GYM_CONTROL,
    )  # fmt: skip
)

PENDULUM_AC = register(
    ControlExperiment(
        name="pendulum-ac", network=PendulumActorCritic, game=gym_control("Pendulum-v1", action_bins=5),
        description="a spiking actor-critic (TD error as MSTDPET's modulator) on Pendulum-v1, 5 preferred torques",
        episodes=500, len_episode=200, target=-200.0, solve_threshold=-200.0,
        metric_name="mean greedy return over the evaluation episodes (solved, by the issue's count: -200)",
        **{**GYM_CONTROL, "linear": {**GYM_CONTROL["linear"], "greedy_average": 0.02}},
    )  # fmt: skip
)

LUNARLANDER_AC = register(
    ControlExperiment(
        name="lunarlander-ac", network=LunarLanderActorCritic, game=gym_control("LunarLander-v3", extra="box2d"),
        description="a spiking actor-critic (TD error on traces of the inputs' rates) on LunarLander-v3 (needs the box2d extra)",
        episodes=3000, len_episode=1000, target=200.0, solve_threshold=200.0,
        metric_name="mean greedy return over the evaluation episodes (solved: 200)",
        published={"episodes_to_solve": "2575 +- 667 (Chung and Kozma 2020, TD-STDP, LunarLander-v2)"},
        **{**GYM_CONTROL, "linear": {"critic_rate": 0.001, "actor_rate": 0.001, "trace_decay": 0.8, "greedy_average": 0.02}},
    )  # fmt: skip
)
