"""Value learning with spiking neurons on discrete worlds: output groups whose
drive is Q(s, a), and the Q-learning TD error as the modulator of the
existing reward-modulated STDP (the machinery of :mod:`spikesim.actor_critic`).

:class:`QNetwork` is an :class:`~spikesim.ActorCriticNetwork` without critic:
the same kept eligibility per environment step, the same TD error applied
after the next tick (at once on termination, after a bootstrap tick on
truncation), with the feedback on the group of the action taken only.
:class:`TabularQ` is its non-spiking twin: a Q-table on the same schedule.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from spikesim.actor_critic import ActorCriticNetwork, Step, td_error
from spikesim.graph import row_synapses
from spikesim.network import Network
from spikesim.params import ConfigError, Param


class QNetwork(ActorCriticNetwork):
    """A spiking Q-learner: one group of output neurons per action, trained
    once per environment step by the Q-learning TD error.

    Every body neuron is an output (``n_outputs = n_neurons``, ``n_actions``
    groups of ``g`` neurons, read by a group readout such as
    :class:`~spikesim.readouts.TopAction`); the inputs (a rate code of the
    observation, e.g. :class:`~spikesim.inputs.OneHot`) project onto every
    output neuron. The value of action ``a`` in the tick's state ``s`` is the
    group's mean input drive (mV per step) in expectation,

    ``D_a(s) = (1 / g) sum_{i in a} sum_j magnitude * rate_j(s) * w_ji``,

    ``Q(s, a) = v_bias + v_scale * D_a(s)``.

    It is a readout of the group's firing: a leaky escape-noise neuron's
    mean potential rises by ``D_a / (1 - exp(-dt / tau_m))`` and its firing
    intensity is ``escape_rate * exp((v - threshold) / delta_u)``, so the
    group's log firing intensity grows linearly with ``Q`` (resets aside);
    computed from the rates and the weights it has no sampling noise, so a
    greedy choice needs no random number. ``v_bias`` is the value of a
    silent input (all weights 0): below the rewards (Taxi pays -1 per step)
    it starts pessimistic, at 0 optimistic.

    Learning: the tick of step ``t`` runs the spiking network on ``s_t``
    (Poisson inputs, stochastic neurons, MSTDPET's traces; with
    ``fresh_traces`` the traces and the eligibility ``z`` start from 0 at
    every tick, so ``z`` holds only that tick's pairings of ``s_t``'s inputs);
    the action ``a_t`` is chosen, and a copy of ``z`` is kept. After the next
    tick, with

    ``delta_t = r_t + gamma * max_a' Q(s_{t+1}, a') - Q(s_t, a_t)``

    (:func:`~spikesim.actor_critic.td_error`: 0 bootstrap when the step
    terminated, the bootstrap of the last observation when it was
    truncated), the synapses onto the group of ``a_t`` change as MSTDPET's
    once-per-tick reward changes them,

    ``w_ji <- clip(w_ji + learning_rate * dt * delta_t * z_ji)``, ``i in a_t``,

    and the synapses onto the other groups do not change
    (``actor_gain = 1``, ``other_actions_gain = 0``). With a causal window
    (``a_minus = 0``) ``E[z_ji]`` is ``rate_j`` times the firing of ``i``:
    only the observed state's inputs learn, so ``D_{a_t}(s_t)`` moves by a
    positive (noisy) multiple of ``delta_t``, a Q-learning step.

    Exploration (``exploration``): ``"epsilon"``, a uniformly random action
    with probability ``epsilon``, else the greedy one; ``"softmax"``, action
    ``a`` with probability ``exp(Q(s, a) / temperature) / sum_b exp(Q(s, b) /
    temperature)``; ``"spikes"``, the readout's action from the tick's
    spikes. Draws come from the network's generator. In ``eval()`` the action
    is ``argmax_a Q(s, a)``, the first on a tie, without a random number (the
    spiking tick still runs, for the metrics).

    A teacher (``teacher``, a function observation -> action) chooses the
    training action instead, in a share of the steps that falls linearly to 0
    over ``teacher_episodes`` episodes: ``max(0, 1 - e / teacher_episodes)``,
    ``e`` the resets since the network was built (``train`` resets before
    every episode: its episode ``k`` has ``e = k + 1``); one draw from the
    network's generator per step while the share is above 0. The teacher forces the action, not spikes:
    its action's group is the one whose synapses the TD error changes, so
    the network learns the values of the teacher's path, and keeps them once
    the teacher is gone.

    Examples
    --------
    >>> from spikesim.experiments.discrete import FrozenLakeQ
    >>> from spikesim.games import GymWrapper
    >>> net = FrozenLakeQ(game=GymWrapper("FrozenLake-v1", outputs_per_group=10), seed=0)
    >>> net.eval(); net.reset()
    >>> net.tick(0), net.q_values().tolist()  # weights 0: every Q is v_bias (1), the first action on a tie
    (0, [1.0, 1.0, 1.0, 1.0])
    """

    PARAMS = (
        Param("n_critic", "int", 0, "no critic: the values are the action groups' (0)", "[0, 0]"),
        Param("v_scale", "float", 50.0, "Q per mV of a group's mean input drive per step, over v_bias", "(0, inf)"),
        Param("v_bias", "float", 0.0, "Q of a group without input drive (all weights 0)"),
        Param("actor_gain", "float", 1.0,
              "modulator of the synapses onto the group of the action taken, in units of delta (1)", "[1, 1]"),
        Param("other_actions_gain", "float", 0.0,
              "modulator of the synapses onto the other groups (0: only the action taken learns)", "[0, 0]"),
        Param("exploration", "str", "epsilon",
              "the training choice: epsilon-greedy, softmax over Q, or the spikes' readout",
              choices=("epsilon", "softmax", "spikes")),
        Param("epsilon", "float", 0.1,
              "probability of a uniformly random action in training (exploration 'epsilon')", "[0, 1]"),
        Param("temperature", "float", 1.0, "softmax temperature, in units of Q (exploration 'softmax')", "(0, inf)"),
        Param("teacher", "callable", None,
              "observation -> action: the teacher, whose action is taken in a share of the training steps (None: none)"),
        Param("teacher_episodes", "int", 0,
              "episodes over which the teacher's share of the training actions falls linearly from 1 to 0", "[0, inf)"),
        Param("fresh_traces", "bool", True,
              "clear the STDP traces and eligibility at every tick: delta_t reaches s_t's pairings only"),
    )  # fmt: skip

    def __init__(self, parts: Any = None, game: Any = None, modifiers: Any = (), **keys: Any) -> None:
        super().__init__(parts, game, modifiers, **keys)
        if self.n_outputs != self.n_neurons:
            raise ConfigError(f"{type(self).__name__}: key 'n_outputs' expects n_neurons ({self.n_neurons}): every "
                              f"body neuron is in an action group; got {self.n_outputs}")  # fmt: skip
        self._group_size = self.n_outputs // self.readout.n_groups
        #: The Q values of the last tick's state.
        self.last_q = np.zeros(self.readout.n_groups)

    def q_values(self, state: Any = None) -> np.ndarray:
        """``Q(s, .)`` of the state the inputs encode, or of ``state`` (its
        rates from the inputs, no tick and no random number; see the class doc)."""
        rates = self.inputs.state.rates if state is None else np.asarray(self.inputs.rates(state), dtype=np.float64)
        active = np.flatnonzero(rates)
        ks = row_synapses(self.graph.indptr, active)
        sources, targets = self.graph.sources[ks], self.graph.targets[ks]
        contribution = self.inputs.magnitude * rates[sources] * self.w[ks]
        drive = np.bincount(targets, weights=contribution, minlength=self.n_neurons)
        drive = drive[self.n_neurons - self.n_outputs :]
        group = drive.reshape(self.readout.n_groups, self._group_size).mean(axis=1)
        return self.config["v_bias"] + self.config["v_scale"] * group

    @property
    def critic_value(self) -> float:
        """``max_a Q(s, a)`` of the last tick's state: the bootstrap of the TD error."""
        return float(self.q_values().max())

    def greedy_action(self) -> int:
        """``argmax_a Q(s, a)`` of the last tick's state, the first on a tie (no random number)."""
        return int(np.argmax(self.q_values()))

    def choose(self, q: np.ndarray, spiking_action: int) -> int:
        """The training action for the values ``q`` (see ``exploration``)."""
        how = self.config["exploration"]
        if how == "spikes":
            return int(spiking_action)
        if how == "epsilon":
            if self.rng.random() < self.config["epsilon"]:
                return int(self.rng.integers(q.size))
            return int(np.argmax(q))
        h = (q - q.max()) / self.config["temperature"]
        p = np.exp(h)
        return int(min(np.searchsorted(np.cumsum(p / p.sum()), self.rng.random(), side="right"), q.size - 1))

    def teacher_share(self) -> float:
        """The share of training actions the teacher chooses in this episode (see the class doc)."""
        episodes = self.config["teacher_episodes"]
        if self.config["teacher"] is None or episodes == 0:
            return 0.0
        return max(0.0, 1.0 - (self.n_resets - 1) / episodes)

    def tick(self, state: Any) -> int:
        """One environment step: the spiking tick on ``state``; in training
        the TD error of the previous step applied and an exploring action,
        in eval the greedy action."""
        if self.training and self.config["fresh_traces"]:
            s = self.synapses.state
            for name in ("p_plus", "p_minus", "z"):
                if hasattr(s, name):
                    getattr(s, name)[:] = 0.0
        spiking_action = Network.tick(self, state)
        if not self.training:
            self.last_q = self.q_values()
            return int(np.argmax(self.last_q))
        if self._pending is not None:
            self._learn(self._pending, self.critic_value, terminated=False)
            self._pending = None
        q = self.last_q = self.q_values()
        share = self.teacher_share()
        if share > 0.0 and self.rng.random() < share:
            action = int(self.config["teacher"](state))
            if not 0 <= action < q.size:
                raise ConfigError(f"{type(self).__name__}: the teacher's action expects an integer in [0, {q.size}); "
                                  f"got {action} for observation {state!r}")  # fmt: skip
        else:
            action = self.choose(q, spiking_action)
        synapses = self.synapses.state
        self._tick = Step(float(q[action]), type(synapses)(*(np.copy(x) for x in synapses)), action=action)
        return action


class TabularQ:
    """Tabular Q-learning (Watkins 1989), the non-spiking twin of
    :class:`QNetwork` on a discrete world: after each step,

    ``Q[s, a] <- Q[s, a] + alpha * delta``,
    ``delta = td_error(r, Q[s, a], max_a' Q[s', a'], gamma, terminated)``

    (a truncated step bootstraps), with epsilon-greedy actions in training
    and ``argmax_a Q[s, a]`` (the first on a tie, no random number) in
    evaluation. ``q_init`` is every entry's start. It plays with
    :func:`~spikesim.actor_critic.play`.

    Examples
    --------
    >>> agent = TabularQ(n_states=2, n_actions=2, alpha=0.5, gamma=0.9, epsilon=0.0, seed=0)
    >>> agent.learn(0, 1, 1, reward=1.0)  # 1 + 0.9 * 0 - 0
    1.0
    >>> agent.q.tolist(), agent.greedy_action(0)
    ([[0.0, 0.5], [0.0, 0.0]], 1)
    """

    def __init__(self, n_states: int, n_actions: int, alpha: float = 0.1, gamma: float = 0.99, epsilon: float = 0.1,
                 q_init: float = 0.0, seed: int | None = None) -> None:  # fmt: skip
        for name, value in (("n_states", n_states), ("n_actions", n_actions)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"TabularQ: {name} expects an integer >= 1; got {value!r}")
        checks = (("alpha", alpha, 0.0, 1.0), ("gamma", gamma, 0.0, 1.0), ("epsilon", epsilon, 0.0, 1.0),
                  ("q_init", q_init, -np.inf, np.inf))
        for name, value, low, high in checks:
            if not isinstance(value, numbers.Real) or isinstance(value, bool) or not low <= value <= high:
                raise ConfigError(f"TabularQ: {name} expects a number in [{low}, {high}]; got {value!r}")
        self.alpha, self.gamma, self.epsilon = float(alpha), float(gamma), float(epsilon)
        self.q = np.full((int(n_states), int(n_actions)), float(q_init))
        self.rng = np.random.default_rng(seed)

    def reset(self) -> None:
        """An episode's start (nothing to clear)."""

    def act(self, state: Any) -> int:
        """Epsilon-greedy: a uniformly random action with probability ``epsilon``, else the greedy one."""
        if self.rng.random() < self.epsilon:
            return int(self.rng.integers(self.q.shape[1]))
        return self.greedy_action(state)

    def greedy_action(self, state: Any) -> int:
        """``argmax_a Q[s, a]``, the first on a tie."""
        return int(np.argmax(self.q[int(state)]))

    def learn(self, state: Any, action: int, state_next: Any, reward: float = 0.0, terminated: bool = False) -> float:
        """One Q-learning step (see the class doc); returns ``delta``."""
        s, a = int(state), int(action)
        value_next = 0.0 if terminated else float(self.q[int(state_next)].max())
        delta = td_error(reward, float(self.q[s, a]), value_next, self.gamma, terminated)
        self.q[s, a] += self.alpha * delta
        return delta
