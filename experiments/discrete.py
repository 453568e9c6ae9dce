"""Discrete worlds learned by a spiking Q-learner (:class:`~spikesim.value_learning.QNetwork`).

``taxi-td``: Taxi-v4 (500 states, 6 actions, -1 per step, -10 for an
illegal pick-up or drop-off, +20 for a delivery, 200 steps), one-hot Poisson
inputs (one per state) onto 6 groups of 10 escape-noise neurons, MSTDPET
modulated by the Q-learning TD error on the group of the action taken.
The metric is the mean greedy return (no random number in the choice,
plasticity frozen) over 100 evaluation episodes; the issue's target is
8.0 (gym's threshold), above what Taxi-v4's optimal policy earns in
expectation over its 300 equally likely start states, 7.93
(:func:`optimal_return`). ``frozenlake-td``: FrozenLake-v1 4x4 slippery (16 states, 4
actions, 1 at the goal), the greedy success rate over 1000 evaluation
episodes; 0.70 is solved (the optimum: 0.744). ``frozenlake8-td``:
FrozenLake8x8-v1 slippery (200 steps), reported (no target). ``blackjack-td``:
Blackjack-v1 (as ``gymnasium.make`` makes it: the rules of Sutton and Barto,
``sab=True``), its (player sum, dealer card, usable ace) coded jointly (one
input per combination, :class:`~spikesim.inputs.OneHot` with ``obs_nvec``),
the greedy mean return per hand over 10,000 hands, reported against the
optimal policy's exact -0.0431 (:func:`blackjack_return`). Each one is a :class:`DiscreteExperiment`: a
replication runs a uniformly random policy and tabular Q-learning
(:class:`~spikesim.value_learning.TabularQ`) on the same seeds and budget
beside it, and every run's first evaluation record holds the greedy
policy's exact expected return (:func:`exact_return`, from the world's model)
beside the optimum. The figures are on the documentation page "Discrete
worlds".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

import numpy as np
from gymnasium import spaces
from gymnasium.envs.toy_text.blackjack import BlackjackEnv
from gymnasium.wrappers import TransformObservation

from spikesim.actor_critic import play
from spikesim.experiments.control import ControlExperiment
from spikesim.experiments.registry import Experiment, Outcome, mean_total_reward, register
from spikesim.games import GymWrapper
from spikesim.inputs import OneHot
from spikesim.neurons import EscapeNoise
from spikesim.params import ConfigError
from spikesim.readouts import TopAction
from spikesim.synapses import MSTDPET
from spikesim.training import Callback, Results, episode_limit
from spikesim.value_learning import QNetwork, TabularQ
from spikesim.weights import Random

#: Output neurons per action group.
PER_ACTION = 10


def zero_weights(rng: np.random.Generator, n: int) -> np.ndarray:
    """Initial weights 0: every Q starts at ``v_bias``."""
    return np.zeros(n)


#: The keys the discrete worlds' Q-networks share: 20 ms of network time per environment step, one-hot Poisson
#: inputs at 0.5 spikes per step, escape-noise neurons driven to their threshold by the bias (0.095 spikes per
#: step there, fewer after a reset), weights within [-1, 1] starting at 0, MSTDPET with a causal window and
#: traces cleared at every tick.
DISCRETE_KEYS = {
    "processing_time": 20, "on_rate": 0.5, "min_weight": -1.0, "max_weight": 1.0, "storage": "sparse",
    "weight_generator": zero_weights,
    "tau_m": 10.0, "bias": 16.0, "reset_mv": -60.0, "escape_rate": 0.1, "delta_u": 4.0,
    "learning_rate": 0.1, "tau_z": 25.0, "a_minus": 0.0,
    "gamma": 0.99, "v_scale": 100.0, "v_bias": 0.0, "exploration": "epsilon", "epsilon": 0.1,
}  # fmt: skip
DISCRETE_PARTS = {"inputs": OneHot, "neurons": EscapeNoise, "weights": Random, "synapses": MSTDPET,
                  "readout": TopAction}  # fmt: skip


def q_sizes(n_actions: int) -> dict:
    """The size keys of a Q-network of ``n_actions`` groups of :data:`PER_ACTION`
    neurons, every input onto every neuron and no synapse between them.

    >>> keys = q_sizes(4)
    >>> keys["n_neurons"], keys["n_outputs"], keys["matrix_mask"].shape
    (40, 40, (40, 40))
    """
    n = PER_ACTION * n_actions
    return {"n_neurons": n, "n_outputs": n, "n_actions": n_actions, "matrix_mask": np.zeros((n, n), dtype=bool)}


class TaxiQ(QNetwork):
    """Taxi's 500 states (one-hot, one Poisson input each) -> 6 x 10
    escape-noise neurons; Q = v_bias + v_scale * group drive."""

    parts = DISCRETE_PARTS
    keys = {**DISCRETE_KEYS, **q_sizes(6), "learning_rate": 0.1}


class FrozenLakeQ(QNetwork):
    """FrozenLake's 16 (or 64) states (one-hot) -> 4 x 10 escape-noise
    neurons; Q starts optimistic at ``v_bias = 1`` (the goal pays 1), one
    mV of drive per step is worth 10."""

    parts = DISCRETE_PARTS
    keys = {**DISCRETE_KEYS, **q_sizes(4), "v_scale": 10.0, "v_bias": 1.0, "learning_rate": 0.19}


#: Blackjack-v1's observation (player sum 0-31, dealer card 0-10, usable ace 0-1) as one joint value.
BLACKJACK_NVEC = (32, 11, 2)


class BlackjackQ(QNetwork):
    """Blackjack's 704 (player sum, dealer card, usable ace) combinations
    (a joint one-hot code: :class:`~spikesim.inputs.OneHot` with
    ``obs_nvec``) -> 2 x 10 escape-noise neurons (stick, hit); returns are
    -1, 0 or 1, so one mV of drive per step is worth 10 (``v_scale``), Q
    starts at 0, and a small step size (about 0.02 at zero weights) averages
    over the cards' noise."""

    parts = DISCRETE_PARTS
    keys = {**DISCRETE_KEYS, **q_sizes(2), "n_inputs": 704, "n_states": 704, "obs_nvec": BLACKJACK_NVEC,
            "v_scale": 10.0, "learning_rate": 0.04}  # fmt: skip


def discrete_game(env_id: str, **make_kwargs: Any):
    """A game factory: ``GymWrapper(env_id, outputs_per_group=PER_ACTION, make_kwargs=make_kwargs)``."""

    def make(**params: Any) -> GymWrapper:
        return GymWrapper(env_id, make_kwargs=make_kwargs or None, **{"outputs_per_group": PER_ACTION, **params})

    make.__name__ = make.__qualname__ = f"discrete_game({env_id!r})"
    return make


def transition_tables(game: Any, horizon: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The finite world's model from its ``P`` table (gymnasium's toy text
    worlds: ``P[s][a] = [(p, s', r, terminated), ...]``): the probability of
    going on to ``s'`` (not terminated), ``T[s, a, s']``, the expected reward
    ``R[s, a]`` and the start distribution ``p0``."""
    env = getattr(game, "unwrapped", game)
    table = getattr(env, "P", None)
    if table is None:
        raise ConfigError(f"exact evaluation needs a world with a P table (toy text); {game!r} has none")
    n_states, n_actions = len(table), len(table[0])
    T, R = np.zeros((n_states, n_actions, n_states)), np.zeros((n_states, n_actions))
    for s in range(n_states):
        for a in range(n_actions):
            for p, s_next, r, done in table[s][a]:
                R[s, a] += p * r
                if not done:
                    T[s, a, s_next] += p
    return T, R, np.asarray(env.initial_state_distrib, dtype=np.float64)


def exact_return(game: Any, policy: np.ndarray, horizon: int) -> float:
    """The expected return of the deterministic ``policy`` (an action per
    state) from the start distribution, within ``horizon`` steps:
    ``p0 . V_H``, ``V_0 = 0``, ``V_{k+1}(s) = R[s, pi(s)] + sum_s' T[s, pi(s), s'] V_k(s')``
    (no sampling: a greedy policy's exact mean return, or success rate).
    Blackjack: :func:`blackjack_return` (``policy`` by joint index).

    >>> game = GymWrapper("FrozenLake-v1", make_kwargs={"is_slippery": False})
    >>> round(exact_return(game, np.array([1, 2, 1, 0, 1, 0, 1, 0, 2, 1, 1, 0, 0, 2, 2, 0]), 100), 6)  # down, right...
    1.0
    """
    env = getattr(game, "unwrapped", game)
    if isinstance(env, BlackjackEnv):
        return blackjack_return(policy, horizon, natural=env.natural, sab=env.sab)
    T, R, p0 = transition_tables(game, horizon)
    states = np.arange(len(policy))
    T_pi, R_pi = T[states, policy], R[states, policy]
    v = np.zeros(len(policy))
    for _ in range(horizon):
        v = R_pi + T_pi @ v
    return float(p0 @ v)


def optimal_return(game: Any, horizon: int) -> float:
    """The best expected return any policy reaches within ``horizon`` steps
    (finite-horizon value iteration, undiscounted): the ceiling of
    :func:`exact_return`. Taxi-v4 (200 steps): 7.93; FrozenLake-v1 4x4
    slippery (100 steps): 0.74; Blackjack-v1: -0.0431 (:func:`blackjack_return`).

    >>> round(optimal_return(GymWrapper("Taxi-v4"), 200), 4)
    7.93
    """
    env = getattr(game, "unwrapped", game)
    if isinstance(env, BlackjackEnv):
        return blackjack_return(None, horizon, natural=env.natural, sab=env.sab)
    T, R, p0 = transition_tables(game, horizon)
    v = np.zeros(T.shape[0])
    for _ in range(horizon):
        v = (R + T @ v).max(axis=1)
    return float(p0 @ v)


#: Blackjack's infinite deck: the probability of each card value (index 1: an ace; 10: a ten or a face card).
CARD_P = np.array([0.0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4]) / 13.0


@lru_cache(maxsize=None)
def dealer_finals(total: int, ace: bool) -> np.ndarray:
    """The distribution of the dealer's final score from a hand of raw total
    ``total`` (aces counted 1) that holds an ace or not, under gymnasium's
    Blackjack: the dealer draws from the infinite deck (:data:`CARD_P`) while
    the hand's sum (``total + 10`` when it holds an ace and that is at most
    21) is below 17, so it stands on a soft 17. Index ``f`` of the 22 values
    is the probability of ending at ``f`` (17 to 21); index 0, of going bust.

    >>> (dealer_finals(16, False)[[0, 17, 18, 19, 20, 21]] * 13).round(12).tolist()  # hard 16: one card
    [8.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """
    score = total + 10 if ace and total + 10 <= 21 else total
    finals = np.zeros(22)
    if score > 21:
        finals[0] = 1.0
    elif score >= 17:
        finals[score] = 1.0
    else:
        for card in range(1, 11):
            finals += CARD_P[card] * dealer_finals(total + card, ace or card == 1)
    finals.flags.writeable = False
    return finals


def blackjack_return(policy: np.ndarray | None, horizon: int = 20, natural: bool = False, sab: bool = False) -> float:
    """The exact expected return per hand of gymnasium's Blackjack (infinite
    deck) under ``policy``, an action (0 stick, 1 hit) per observation's
    joint index ``(player_sum * 11 + dealer_card) * 2 + usable_ace``
    (:data:`BLACKJACK_NVEC`); None: the optimal policy's. ``natural`` and
    ``sab`` are the environment's rules.

    The player's hand is its raw total ``t`` (aces counted 1) and whether it
    holds an ace; the observation tells the hands apart as far as the future
    is concerned (a hand whose ace no longer counts 11 plays as one without).
    For each dealer card ``d``, with ``F_d`` the dealer's final scores
    (:func:`dealer_finals` of ``d`` and a hidden card, drawn independently),

    ``V(t, ace) = sum_f F_d(f) cmp(s, f)`` (stick; ``s`` the hand's sum, a
    dealer's bust ``f = 0`` loses to any ``s``), or
    ``sum_c p_c [-1 if t + c > 21 else V(t + c, ace or c = 1)]`` (hit),

    the policy's action (or the better one), from 21 down; the return is
    the mean of ``V`` over the dealt hands (two cards each, and ``d``). A
    player's natural (an ace and a ten) that sticks earns ``1 - P(the
    dealer's natural)`` with ``sab`` and ``1.5 (1 - F_d(21))`` with
    ``natural`` (else the usual ``1 - F_d(21)``). A hand lasts at most 20
    steps (21 aces); a shorter ``horizon`` is refused.

    >>> round(blackjack_return(None), 4), round(blackjack_return(None, sab=True), 4)  # the optimal policies
    (-0.0466, -0.0431)
    >>> round(blackjack_return(np.zeros(704, dtype=int)), 4)  # always stick
    -0.1864
    """
    if horizon < 20:
        raise ConfigError(f"blackjack_return: horizon expects at least 20 steps (the longest hand); got {horizon}")
    if policy is not None:
        policy = np.asarray(policy)
        if policy.shape != (int(np.prod(BLACKJACK_NVEC)),) or not np.isin(policy, (0, 1)).all():
            raise ConfigError(f"blackjack_return: policy expects an action 0 or 1 per joint index, shape (704,); "
                              f"got shape {policy.shape}")  # fmt: skip
    scores = np.arange(22)
    total = 0.0
    for d in range(1, 11):
        finals = sum(CARD_P[h] * dealer_finals(d + h, d == 1 or h == 1) for h in range(1, 11))
        dealer_natural = CARD_P[10] if d == 1 else CARD_P[1] if d == 10 else 0.0

        def choose(s: int, usable: bool, stick: float, hit: float) -> float:
            if policy is None:
                return max(stick, hit)
            return hit if policy[(s * 11 + d) * 2 + int(usable)] else stick

        values: dict[tuple[int, bool], float] = {}
        for t in range(21, 1, -1):
            for ace in (True, False):
                usable = ace and t + 10 <= 21
                s = t + 10 if usable else t
                stick = float(finals @ np.where(scores == 0, 1.0, np.sign(s - scores)))
                hit = sum(CARD_P[c] * (-1.0 if t + c > 21 else values[t + c, ace or c == 1]) for c in range(1, 11))
                values[t, ace] = choose(s, usable, stick, hit)
        stick_natural = 1.0 - dealer_natural if sab else (1.5 if natural else 1.0) * (1.0 - finals[21])
        hit_natural = sum(CARD_P[c] * values[11 + c, True] for c in range(1, 11))
        for c1 in range(1, 11):
            for c2 in range(1, 11):
                if {c1, c2} == {1, 10}:
                    v = choose(21, True, stick_natural, hit_natural)
                else:
                    v = values[c1 + c2, c1 == 1 or c2 == 1]
                total += CARD_P[d] * CARD_P[c1] * CARD_P[c2] * v
    return float(total)


def observations(inputs: Any) -> list:
    """The observations a :class:`~spikesim.inputs.OneHot` code tells apart,
    in the order of their value: ``range(n_states)``, or with ``obs_nvec``
    the tuples of :func:`numpy.ndindex` (row-major, as its joint index).

    >>> from spikesim.inputs import OneHot
    >>> observations(OneHot(n_inputs=6, n_states=6, obs_nvec=[3, 2]))[:3]
    [(0, 0), (0, 1), (1, 0)]
    """
    if not isinstance(inputs, OneHot):
        raise ConfigError(f"observations: expects a OneHot code; got {type(inputs).__name__}")
    if inputs.nvec is None:
        return list(range(inputs.n_states))
    return [tuple(int(x) for x in index) for index in np.ndindex(*inputs.nvec)]


def greedy_policy(agent: Any) -> np.ndarray | None:
    """The greedy action of every state, by value: a :class:`QNetwork`'s
    (``argmax_a Q(s, a)`` of each of its code's :func:`observations`, no
    tick) or a :class:`TabularQ`'s; None for another agent."""
    if isinstance(agent, QNetwork):
        return np.array([int(np.argmax(agent.q_values(state))) for state in observations(agent.inputs)])
    if isinstance(agent, TabularQ):
        return np.argmax(agent.q, axis=1)
    return None


class ExactReturn(Callback):
    """Adds to the first evaluation episode's record the greedy policy's
    ``exact_return`` (:func:`exact_return`, within the game's episode
    limit) and the world's ``optimal_return``."""

    def __init__(self, horizon: int) -> None:
        self.horizon, self.done = horizon, False

    def on_episode_end(self, network: Any, game: Any, record: dict) -> None:
        if record["phase"] != "eval" or self.done:
            return
        self.done = True
        policy = greedy_policy(network)
        if policy is not None:
            record["exact_return"] = exact_return(game, policy, self.horizon)
            record["optimal_return"] = optimal_return(game, self.horizon)


@dataclass(frozen=True)
class DiscreteExperiment(ControlExperiment):
    """A discrete world learned by a :class:`~spikesim.value_learning.QNetwork`,
    with two twins on the same seed (:meth:`run_twin`): ``"random"``, a
    uniformly random policy over the evaluation episodes, and ``"tabular"``,
    :class:`~spikesim.value_learning.TabularQ` on the same schedule, with
    the network's ``gamma`` and ``epsilon`` and ``tabular`` as its other
    keyword arguments (its start value ``q_init`` is the network's
    ``v_bias``; its rows are the network code's values, ``inputs.value``:
    Blackjack's joint index). Every run's first evaluation record gets the greedy
    policy's ``exact_return`` and the world's ``optimal_return``
    (:class:`ExactReturn`)."""

    tabular: Mapping[str, Any] = field(default_factory=dict)
    twins: tuple[str, ...] = ("random", "tabular")

    def run(self, overrides: Mapping[str, Any] | None = None, seed: int | None = None, **kwargs: Any) -> Outcome:
        """:meth:`Experiment.run`, with the greedy policy's exact return
        added to the first evaluation record (:class:`ExactReturn`)."""
        game = self.game(**{**self.game_params, **self.split(overrides or {})[1]})
        horizon = episode_limit(game, kwargs.get("len_episode") or self.len_episode)
        callbacks = (ExactReturn(horizon), *kwargs.pop("callbacks", ()))
        return super().run(overrides, seed, callbacks=callbacks, **kwargs)

    def run_twin(self, twin: str, overrides: Mapping[str, Any] | None = None, seed: int | None = None,
                 episodes: int | None = None, len_episode: int | None = None, eval_episodes: int | None = None,
                 stop_when_solved: bool = True) -> Outcome:  # fmt: skip
        """The ``"random"`` or the ``"tabular"`` twin on ``seed`` (the
        experiment's schedule unless given)."""
        if twin == "random":
            return super().run_twin(twin, overrides, seed, episodes, len_episode, eval_episodes, stop_when_solved)
        if twin not in self.twins:
            return Experiment.run_twin(self, twin, overrides, seed)
        network, game = self.build(overrides, seed)
        if not isinstance(network.inputs, OneHot):
            raise ConfigError(f"experiment {self.name!r}: the tabular twin needs a OneHot code; "
                              f"got {type(network.inputs).__name__}")  # fmt: skip
        n_states = network.inputs.n_states
        game = TransformObservation(game, network.inputs.value, spaces.Discrete(n_states))  # the table's rows
        params = {"gamma": network.config["gamma"], "epsilon": network.config["epsilon"],
                  "q_init": network.config["v_bias"], **self.tabular}
        agent = TabularQ(n_states, network.readout.n_groups, seed=network.seed, **params)
        len_episode = self.len_episode if len_episode is None else len_episode
        records = play(agent, game, self.episodes if episodes is None else episodes, len_episode,
                       self.eval_episodes if eval_episodes is None else eval_episodes, seed=network.seed,
                       callbacks=[ExactReturn(episode_limit(game, len_episode))])  # fmt: skip
        config = {"network": "TabularQ", "params": params, "seed": network.seed, "game_seed": network.seed,
                  "meta": {"experiment": self.name, "twin": twin, "overrides": dict(overrides or {})}}  # fmt: skip
        results = Results(records, config)
        value = float(self.metric(results))
        return Outcome(results, value, None if self.target is None else value >= self.target)

    def measures(self, outcome: Outcome) -> dict:
        """``train_episodes``, ``train_wall_s`` (the training's wall time)
        and, from the first evaluation record, the greedy policy's
        ``exact_return`` and the world's ``optimal_return`` (None for the
        random twin)."""
        train, evaluation = outcome.results.phase("train"), outcome.results.phase("eval")
        first = evaluation[0] if evaluation else {}
        return {"train_episodes": len(train), "train_wall_s": float(sum(r["wall_s"] for r in train)),
                "exact_return": first.get("exact_return"), "optimal_return": first.get("optimal_return")}


TAXI_TD = register(
    DiscreteExperiment(
        name="taxi-td", network=TaxiQ, game=discrete_game("Taxi-v4"), keys={"seed": 0},
        description="a spiking Q-learner (Q-learning TD error as MSTDPET's modulator) on Taxi-v4",
        episodes=2000, len_episode=None, eval_episodes=100, metric=mean_total_reward, target=8.0,
        metric_name="mean greedy return over 100 evaluation episodes "
                    "(random policy: about -770; solved: 8.0; the optimum's expectation: 7.93)",
        tabular={"alpha": 0.5},
    )  # fmt: skip
)

FROZENLAKE_TD = register(
    DiscreteExperiment(
        name="frozenlake-td", network=FrozenLakeQ, game=discrete_game("FrozenLake-v1", is_slippery=True),
        keys={"seed": 0}, episodes=2000, len_episode=None, eval_episodes=1000, metric=mean_total_reward, target=0.70,
        description="a spiking Q-learner (Q-learning TD error as MSTDPET's modulator) on FrozenLake-v1 4x4 slippery",
        metric_name="greedy success rate over 1000 evaluation episodes (random policy: about 0.015; solved: 0.70)",
        tabular={"alpha": 0.1},
    )  # fmt: skip
)

FROZENLAKE8_TD = register(
    DiscreteExperiment(
        name="frozenlake8-td", network=FrozenLakeQ, game=discrete_game("FrozenLake8x8-v1", is_slippery=True),
        keys={"seed": 0}, episodes=5000, len_episode=None, eval_episodes=1000, metric=mean_total_reward,
        description="a spiking Q-learner (Q-learning TD error as MSTDPET's modulator) on FrozenLake 8x8 slippery",
        metric_name="greedy success rate over 1000 evaluation episodes (200 steps; the optimum's: 0.913)",
        tabular={"alpha": 0.1},
    )  # fmt: skip
)

BLACKJACK_TD = register(
    DiscreteExperiment(
        name="blackjack-td", network=BlackjackQ, game=discrete_game("Blackjack-v1"), keys={"seed": 0},
        description="a spiking Q-learner (Q-learning TD error as MSTDPET's modulator) on Blackjack-v1, "
                    "its observation coded jointly",
        episodes=50000, len_episode=None, eval_episodes=10000, metric=mean_total_reward,
        metric_name="greedy mean return per hand over 10,000 hands (random policy: about -0.40; "
                    "the optimal policy's: -0.0431)",
        tabular={"alpha": 0.02},
    )  # fmt: skip
)

#: The registered experiment of each world, by gymnasium id: ``gym:ID``'s default network
#: (:func:`spikesim.experiments.gym.q_class`) takes its network keys, and its training and evaluation episodes.
BY_ENV = {"Taxi-v4": TAXI_TD, "FrozenLake-v1": FROZENLAKE_TD, "FrozenLake8x8-v1": FROZENLAKE8_TD,
          "Blackjack-v1": BLACKJACK_TD}  # fmt: skip
