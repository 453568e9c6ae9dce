"""Actor-critic with spiking neurons: a critic population whose firing is
V(s), and the TD error as the modulator of the existing reward-modulated rules.

:class:`ActorCriticNetwork` needs no new plasticity rule: MSTDPET (or MSTDP)
keeps its eligibility, and the TD error ``delta`` takes the place of the
reward given once per tick. With stochastic (escape-noise) neurons, Florian's
rule is a policy gradient of the spike train, so a reward minus a baseline
makes it REINFORCE, and the TD error of a learned critic makes it an
actor-critic.
"""
from __future__ import annotations

import numbers
import time
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

import numba as nb
import numpy as np

from spikesim.inputs import RateInputs
from spikesim.network import Network, RLNetwork, SimulationError
from spikesim.params import REQUIRED, ConfigError, Param
from spikesim.training import ENERGY_PER_MAC_J, episode_limit, episode_schedule


def td_error(r: float, v: float, v_next: float, gamma: float, terminated: bool) -> float:
    """The TD error of one environment step:

    ``delta = r + gamma * V(s') * (1 - terminated) - V(s)``.

    A terminal state has no future (``V(s') = 0``); a truncated episode
    (a time limit) does, so the caller passes ``terminated=False`` and the
    value of the last observation.

    Examples
    --------
    >>> td_error(1.0, 5.0, 5.0, 0.8, terminated=False)  # 1 + 0.8 * 5 - 5
    0.0
    >>> td_error(1.0, 5.0, 5.0, 0.8, terminated=True)  # 1 - 5
    -4.0
    """
    return float(r + (0.0 if terminated else gamma * v_next) - v)


class Step(NamedTuple):
    """One environment step waiting for its TD error."""

    value: float  # V(s_t), from the critic's spikes of tick t
    eligibility: Any  # a copy of the synapses' state at the end of tick t, or the inputs' rates ("presynaptic")
    reward: float = 0.0
    action: int = 0


class ActorCriticNetwork(RLNetwork):
    """A spiking actor-critic, trained once per environment step by the TD error.

    Body neurons: the first ``n_critic`` are the critic, the last
    ``n_outputs`` the actor (``n_actions`` groups, read by a group readout
    such as :class:`~spikesim.readouts.TopAction`); the actor neurons take
    synapses from the inputs only. The critic's value of the tick's state is

    ``V(s) = v_bias + v_scale * c / (n_critic * processing_time)``,

    ``c`` the critic's spikes in the tick (so ``v_scale`` is the value of a
    critic firing one spike per neuron per step). With
    ``critic_readout = "drive"`` the value is read without noise, from the
    critic's expected input drive at the inputs' current rates (as the
    greedy action reads the actor's):

    ``V(s) = v_bias + v_scale * (1 / n_critic) sum_{i in critic} sum_j magnitude * rate_j * w_ji``

    (``v_scale`` is then the value of a mean drive of 1 mV per step; only
    the synapses from the inputs count). The spike count's noise is the
    noise of the eligibility the TD error multiplies: a tick with more
    critic spikes than expected has a higher ``V(s_t)``, a lower
    ``delta_t`` and a larger eligibility, so with ``"spikes"`` the critic
    learns to fire less than the values call for and the mean TD error is
    positive (+0.02 to +0.9 measured on Acrobot-v1). The drive's value does
    not depend on the tick's spikes.

    Timing of the TD error: ``V(s_{t+1})`` is known only after tick ``t + 1``,
    so at the end of tick ``t`` the network keeps a copy of the synapses'
    state (MSTDPET's eligibility trace ``z``), and once tick ``t + 1`` has
    run it applies ``delta_t = td_error(r_t, V(s_t), V(s_{t+1}), gamma)``
    to that copy with the rule's own once-per-tick reward
    (``w <- clip(w + learning_rate * dt * delta_t * z_t)`` for MSTDPET).
    A terminating step is applied at once with ``V(s') = 0``; a truncated
    one runs one more tick on the last observation, plasticity off, for
    ``V(s_T)`` (``train`` passes ``terminated``/``truncated``; an episode cut
    by ``len_episode`` alone drops its last step). The live trace keeps
    tick ``t``'s pairings too, decayed by ``exp(-processing_time * dt /
    tau_z)``, so ``delta_{t+1}`` reaches them a little: a short TD(lambda).

    Feedback to the actor: the synapses onto the actor group of the action
    taken get ``actor_gain * delta``; those onto the other groups
    ``other_actions_gain * delta`` (both 1: one modulator everywhere, plain
    REINFORCE of the spike train; 0: only the action taken learns; -1: the
    others learn the opposite). The critic's synapses get ``critic_gain *
    delta`` (1: ``delta``). The gains scale the weight change the rule makes (clipped again to the
    bounds), so they compose with any rule.

    The default gains (0.3 and -1) are those measured on CartPole-v1
    (``cartpole-ac``): a critic that learns faster than the actor, and
    opposed feedback, as a softmax policy's gradient has.

    Exploration and evaluation: in training the action is the readout's of
    the stochastic spikes (Poisson inputs, and with
    :class:`~spikesim.neurons.EscapeNoise` neurons ``delta_u`` is the
    temperature: the larger, the more random). In ``eval()`` the action is
    greedy and its choice uses no random number: the group with the largest
    expected input drive ``sum_{i in group} sum_j magnitude * rate_j * w_ji``
    (``rate_j`` the inputs' spike probabilities for the state), the first
    such group on a tie. (The spiking tick still runs, for the metrics.)
    With ``greedy_average`` above 0 the greedy action reads a running
    average of the actor's weights instead (Polyak averaging of the
    iterates), taken at the start of each episode that follows one in which
    the weights changed, ``w_bar <- w_bar + greedy_average * (w - w_bar)``:
    the weights of the last ``1 / greedy_average`` training episodes or so,
    rather than those the last updates left. Training does not read it.

    Presynaptic eligibility (``eligibility = "presynaptic"``, with
    ``critic_readout = "drive"``): the TD error multiplies traces of the
    inputs' rates ``x_j(s_t)`` (spikes per step) instead of the rule's STDP
    eligibility, one per input for the critic and one per actor group and
    input for the actor, decaying by ``gamma * trace_decay`` per tick
    (cleared at each episode's start)::

        e_j  <- gamma lambda e_j  + x_j(s_t)
        E_bj <- gamma lambda E_bj + g_b(a_t) x_j(s_t)   (g_b: actor_gain for the action taken, other_actions_gain else)
        w_ij <- clip(w_ij + learning_rate * critic_gain * delta_t * e_j)   (critic neuron i)
        w_ij <- clip(w_ij + learning_rate * delta_t * E_bj)                (actor neuron i of group b)

    ``x_j`` is proportional to the gradient of the drive with respect to
    ``w_ij``, so this is TD(lambda) on the gradient of the critic's value
    and of the actor groups' drives (with gains ``1 - 1/K`` and ``-1/K``,
    ``K`` actions: the gradient of a softmax policy over the drives at the
    uniform policy). The STDP eligibility's mean is that gradient times the
    postsynaptic firing rate, which weighs every change by how much the
    neuron fires; the presynaptic one does not (Acrobot-v1 learns with it,
    see ``acrobot-ac``). Only the synapses from the inputs learn; the spikes
    still choose the action in training, and the ticks skip the rule's own
    traces, which nothing reads (:attr:`synapses_learn`).

    The reward baseline of the rule must be off (``baseline_rate = 0``): the
    critic is the baseline. :meth:`~spikesim.Network.save` keeps no step
    waiting for its TD error (a pickle does): a loaded network continues
    from an episode's start.
    """

    PARAMS = (
        Param("n_critic", "int", REQUIRED, "critic neurons: the first n_critic body neurons, whose firing is V(s)", "[1, inf)"),
        Param("gamma", "float", 0.99, "discount factor of the TD error", "[0, 1]"),
        Param("v_scale", "float", 1.0, "V of a critic firing one spike per neuron per step, over v_bias", "(0, inf)"),
        Param("v_bias", "float", 0.0, "V of a silent critic (of a zero drive with critic_readout 'drive')"),
        Param(
            "critic_readout", "str", "spikes",
            "V(s) from the critic's spikes in the tick, or from its expected input drive (no noise)",
            choices=("spikes", "drive"),
        ),
        Param(
            "actor_gain", "float", 0.3,
            "modulator of the synapses onto the actor group of the action taken, in units of delta", "[0, inf)",
        ),
        Param(
            "other_actions_gain", "float", -1.0,
            "modulator of the synapses onto the actor groups of the actions not taken, in units of delta", "[-1, 1]",
        ),
        Param("critic_gain", "float", 1.0, "modulator of the synapses onto the critic, in units of delta", "[0, inf)"),
        Param(
            "eligibility", "str", "stdp",
            "what delta multiplies: the rule's STDP eligibility, or traces of the inputs' rates (needs critic_readout 'drive')",
            choices=("stdp", "presynaptic"),
        ),
        Param("trace_decay", "float", 0.8, "lambda of the presynaptic traces: they decay by gamma * lambda per tick", "[0, 1]"),
        Param(
            "greedy_average", "float", 0.0,
            "rate of the running average of the actor's weights that the greedy action reads, taken after each "
            "episode that learned (0: the greedy action reads the weights themselves)", "[0, 1]",
        ),
    )  # fmt: skip

    def __init__(
        self, parts: Mapping[str, Any] | None = None, game: Any = None, modifiers: Iterable = (), **keys: Any
    ) -> None:
        self._learned = False  # a weight changed since the episode's start (reset() reads it)
        self._imitating = False  # imitate() is running its tick (synapses_learn reads it)
        super().__init__(parts, game, modifiers, **keys)
        name = type(self).__name__
        n_critic, n_actor = self.config["n_critic"], self.n_outputs
        if n_critic + n_actor > self.n_neurons:
            raise ConfigError(
                f"{name}: key 'n_critic' expects at most n_neurons - n_outputs ({self.n_neurons - n_actor}); "
                f"got {n_critic}"
            )
        if not isinstance(self.inputs, RateInputs):
            got = type(self.inputs).__name__
            raise ConfigError(f"{name}: part 'inputs' expects rate inputs (the greedy action reads them); got {got}")
        if not hasattr(self.readout, "n_groups"):
            got = type(self.readout).__name__
            raise ConfigError(f"{name}: part 'readout' expects a group readout (TopAction...); got {got}")
        if self.synapses.reward_reference is None:
            raise ConfigError(f"{name}: synapses {type(self.synapses).__name__} take no reward; use MSTDPET or MSTDP")
        if self.synapses.params.get("baseline_rate", 0.0) != 0.0:
            got = self.synapses.baseline_rate
            raise ConfigError(f"{name}: key 'baseline_rate' expects 0 (the critic is the baseline); got {got}")
        if self.config["eligibility"] == "presynaptic" and self.config["critic_readout"] != "drive":
            got = self.config["critic_readout"]
            raise ConfigError(f"{name}: key 'critic_readout' expects 'drive' with eligibility 'presynaptic'; got {got!r}")
        first_actor = self.n_neurons - n_actor
        targets, sources = self.graph.targets.astype(np.int64), self.graph.sources.astype(np.int64)
        onto_actor = targets >= first_actor
        # dense storage holds absent pairs, frozen at [0, 0]
        from_body = self.graph.bound_id[onto_actor & (sources >= self.n_inputs)]
        if (self.graph.bound_lo[from_body] != 0.0).any() or (self.graph.bound_hi[from_body] != 0.0).any():
            raise ConfigError(f"{name}: the actor neurons (the last n_outputs) may take synapses from the inputs only")
        group_size = n_actor // self.readout.n_groups
        #: The actor group of each synapse's target, -1 for synapses onto other neurons.
        self.synapse_group = np.where(onto_actor, (targets - first_actor) // group_size, -1)
        self._actor = np.flatnonzero(onto_actor)  # the synapses whose change the actor gains scale
        ids = self.graph.bound_id[self._actor]
        self._actor_bounds = (self.graph.bound_lo[ids], self.graph.bound_hi[ids])
        self._critic = np.flatnonzero(targets < n_critic)  # the synapses whose change critic_gain scales
        ids = self.graph.bound_id[self._critic]
        self._critic_bounds = (self.graph.bound_lo[ids], self.graph.bound_hi[ids])
        onto_critic = np.flatnonzero((targets < n_critic) & (sources < self.n_inputs))
        #: The synapses from the inputs onto the critic, and their sources (``critic_readout = "drive"``).
        self._critic_inputs = (sources[onto_critic], onto_critic)
        self._critic_rows = np.zeros(onto_critic.size, np.int64)  # the critic's one trace row, per synapse
        ids = self.graph.bound_id[onto_critic]
        self._critic_input_bounds = (self.graph.bound_lo[ids], self.graph.bound_hi[ids])
        actor_inputs = self._actor[sources[self._actor] < self.n_inputs]
        ids = self.graph.bound_id[actor_inputs]
        #: The synapses from the inputs onto the actor, their sources and bounds (eligibility "presynaptic").
        self._actor_inputs = (actor_inputs, sources[actor_inputs], self.graph.bound_lo[ids], self.graph.bound_hi[ids])
        #: With ``greedy_average`` above 0, the running average (:meth:`reset`) of the weights of the synapses from
        #: the inputs onto the actor that the greedy action reads; it starts at their initial values.
        self.greedy_weights = self.w[actor_inputs]
        self.last_td_error = 0.0

    def reset(self) -> None:
        """Start an episode; a step still waiting for its TD error is dropped.
        After an episode that changed the weights, the greedy action's average
        takes the actor's: ``greedy_weights <- greedy_weights + greedy_average * (w - greedy_weights)``."""
        super().reset()
        rate = self.config["greedy_average"]
        if self._learned and rate > 0.0:
            self.greedy_weights += rate * (self.w[self._actor_inputs[0]] - self.greedy_weights)
        self._learned = False
        self._tick: Step | None = None  # the last tick's value and eligibility
        self._pending: Step | None = None  # the previous step, waiting for V of the last tick
        self._critic_trace = np.zeros(self.n_inputs)  # e_j of eligibility "presynaptic"
        self._actor_trace = np.zeros((self.readout.n_groups, self.n_inputs))  # E_bj

    @property
    def critic_value(self) -> float:
        """``V`` of the last tick's state, from the critic's spikes (or its drive: ``critic_readout``)."""
        n_critic = self.config["n_critic"]
        if self.config["critic_readout"] == "drive":
            sources, synapses = self._critic_inputs
            # a NumPy sum, not a BLAS dot: from about 10,000 terms the BLAS splits a dot across threads, which
            # on a busy machine took milliseconds instead of microseconds, and whose sums depend on the threads
            drive = self.inputs.magnitude * float(np.sum(self.inputs.state.rates[sources] * self.w[synapses])) / n_critic
            return self.config["v_bias"] + self.config["v_scale"] * drive
        spikes = self._log[:, self.n_inputs : self.n_inputs + n_critic]
        return self.config["v_bias"] + self.config["v_scale"] * spikes.sum() / (n_critic * self.processing_time)

    def learner_arrays(self) -> dict[str, np.ndarray]:
        """The greedy action's running average, when there is one."""
        return {"greedy_weights": self.greedy_weights} if self.config["greedy_average"] > 0.0 else {}

    @property
    def synapses_learn(self) -> bool:
        """With the presynaptic eligibility the TD error never reads the rule's
        STDP eligibility, so the tick skips the rule (the same spikes and
        weights); :meth:`imitate` reads it."""
        return self.training and (self.config["eligibility"] == "stdp" or self._imitating)

    def greedy_action(self) -> int:
        """The group with the largest expected input drive at the inputs' current rates (first on a tie),
        from the weights or, with ``greedy_average`` above 0, their running average (:attr:`greedy_weights`)."""
        actor, sources = self._actor_inputs[:2]
        weights = self.greedy_weights if self.config["greedy_average"] > 0.0 else self.w[actor]
        terms = self.inputs.magnitude * self.inputs.state.rates[sources] * weights
        return int(np.argmax(np.bincount(self.synapse_group[actor], terms, self.readout.n_groups)))

    def tick(self, state: Any) -> Any:
        """One environment step: the spiking action in training (and the TD
        error of the previous step applied), the greedy action in eval."""
        action = super().tick(state)
        if not self.training:
            return self.greedy_action()
        value = self.critic_value
        if self._pending is not None:
            self._learn(self._pending, value, terminated=False)
            self._pending = None
        if self.config["eligibility"] == "presynaptic":
            self._tick = Step(value, self.inputs.state.rates.copy())
        else:
            state = self.synapses.state
            self._tick = Step(value, type(state)(*(np.copy(x) for x in state)))
        return action

    def reward(
        self, state: Any, action: Any, state_next: Any = None, reward: float | None = None,
        terminated: bool = False, truncated: bool = False,
    ) -> float:  # fmt: skip
        """Take the step's reward (``reward``, else the rewarder's) and return
        it; its TD error is applied after the next tick, at once when the step
        ``terminated``, or after one more tick on ``state_next`` when it was
        ``truncated``. Frozen networks do not learn."""
        if reward is None and self.rewarder is None:
            raise ConfigError(f"{type(self).__name__}: reward() needs a reward: the network has no rewarder")
        r = float(self.rewarder(state, action, state_next) if reward is None else reward)
        if not np.isfinite(r):
            raise SimulationError(f"{type(self).__name__}: reward must be finite; got {r}")
        if not self.training:
            return r
        if self._tick is None:
            raise ConfigError(f"{type(self).__name__}: reward() expects a tick() before it")
        step = self._tick._replace(reward=r, action=int(action))
        self._tick = None
        if terminated:
            self._learn(step, 0.0, terminated=True)
        elif truncated:
            self.training = False  # V(s_T) from one more tick, plasticity off
            Network.tick(self, state_next)
            self.training = True
            self._learn(step, self.critic_value, terminated=False)
        else:
            self._pending = step
        return r

    def _learn(self, step: Step, value_next: float, terminated: bool) -> None:
        """Apply ``delta`` to the eligibility kept with ``step`` (see the class doc)."""
        delta = td_error(step.reward, step.value, value_next, self.config["gamma"], terminated)
        if not np.isfinite(delta):
            raise SimulationError(
                f"{type(self).__name__}: the TD error became {delta} (V(s) = {step.value}, V(s') = {value_next}) "
                f"during tick {self.n_ticks}; v_scale or v_bias drive the critic's value out of range"
            )
        self.last_td_error = delta
        self._learned = True
        if self.config["eligibility"] == "presynaptic":
            self._learn_presynaptic(step, delta)
            return
        apply = self._compiled().apply_reward if self.engine == "numba" else self.synapses.reward_reference
        taken, others = self.config["actor_gain"], self.config["other_actions_gain"]
        actor, critic, critic_gain = self._actor, self._critic, self.config["critic_gain"]
        before = self.w[actor] if (taken, others) != (1.0, 1.0) else None  # a copy
        critic_before = self.w[critic] if critic_gain != 1.0 else None
        apply(self.synapses.kernel_params(), step.eligibility, self.graph, self.w, delta)
        if before is not None:
            gain = np.where(self.synapse_group[actor] == step.action, taken, others)
            self.w[actor] = np.clip(before + gain * (self.w[actor] - before), *self._actor_bounds)
        if critic_before is not None:
            change = critic_gain * (self.w[critic] - critic_before)
            self.w[critic] = np.clip(critic_before + change, *self._critic_bounds)
        self._check_finite()

    def _learn_presynaptic(self, step: Step, delta: float) -> None:
        """The traces take ``step``'s rates, and ``delta`` meets them (see the class doc)."""
        decay = self.config["gamma"] * self.config["trace_decay"]
        gains = np.full(self.readout.n_groups, self.config["other_actions_gain"])
        gains[step.action] = self.config["actor_gain"]
        self._critic_trace = decay * self._critic_trace + step.eligibility
        self._actor_trace = decay * self._actor_trace + np.outer(gains, step.eligibility)
        rate = self.synapses.learning_rate * delta
        add = _add_traces if self.engine == "numba" else _add_traces_reference
        sources, critic = self._critic_inputs
        add(self.w, critic, self._critic_rows, sources, self._critic_trace.reshape(1, -1),
            rate * self.config["critic_gain"], *self._critic_input_bounds)  # fmt: skip
        actor, sources, low, high = self._actor_inputs
        add(self.w, actor, self.synapse_group[actor], sources, self._actor_trace, rate, low, high)
        # no check of the weights: a finite delta times finite traces, clipped to the bounds, stays finite

    def imitate(self, state: Any, action: int) -> None:
        """Learn to act as a demonstrator did in ``state``: one spiking tick
        on ``state``, then the actor's synapses change as the rule's
        once-per-tick reward of 1 changes them, with gain +1 onto the group
        of ``action`` and -1 onto the others (for MSTDPET,
        ``w_ji <- clip(w_ji +- learning_rate * dt * z_ji)``); the critic does
        not change and no TD error is involved. With a causal window the mean
        eligibility is the gradient of the groups' drive, so this is
        behaviour cloning by the policy gradient of the spikes: the
        demonstrated group's drive rises in ``state``, the others' falls.
        A network in ``eval()`` does not learn."""
        if self._pending is not None or self._tick is not None:
            raise ConfigError(f"{type(self).__name__}: imitate() between an episode's ticks; reset() first")
        self._imitating = True
        try:
            Network.tick(self, state)
        finally:
            self._imitating = False
        if not self.training:
            return
        actor = self._actor
        before = self.w.copy()
        apply = self._compiled().apply_reward if self.engine == "numba" else self.synapses.reward_reference
        apply(self.synapses.kernel_params(), self.synapses.state, self.graph, self.w, 1.0)
        gain = np.where(self.synapse_group[actor] == int(action), 1.0, -1.0)
        changed = np.clip(before[actor] + gain * (self.w[actor] - before[actor]), *self._actor_bounds)
        self.w[:] = before
        self.w[actor] = changed
        self._learned = True
        self._check_finite()


@nb.njit(cache=True)
def _add_traces(w, synapses, rows, sources, trace, scale, low, high):
    """``w[k] <- clip(w[k] + scale * trace[row, source], low, high)`` for each
    synapse ``k`` of ``synapses``, with its trace's row and source (and its
    bounds) at the same position: the presynaptic eligibility's change."""
    for q in range(synapses.size):
        k = synapses[q]
        w[k] = min(max(w[k] + scale * trace[rows[q], sources[q]], low[q]), high[q])


def _add_traces_reference(w, synapses, rows, sources, trace, scale, low, high):
    """:func:`_add_traces` in NumPy (the same numbers)."""
    w[synapses] = np.clip(w[synapses] + scale * trace[rows, sources], low, high)


def learn_from_demonstrations(network: ActorCriticNetwork, observations: Any, actions: Any, episode: Any,
                              epochs: int = 1) -> None:  # fmt: skip
    """Offline learning: ``epochs`` passes of :meth:`ActorCriticNetwork.imitate`
    over recorded steps in order (``observations[k]``, ``actions[k]``), the
    network reset where ``episode[k]`` changes, the game switched off.

    Examples
    --------
    >>> from spikesim.experiments.control import CartPoleActorCritic
    >>> net = CartPoleActorCritic(seed=0)
    >>> state = np.array([0.0, 0.0, 0.1, 0.0])  # the pole falls right: push right (1)
    >>> learn_from_demonstrations(net, [state] * 50, [1] * 50, [0] * 50)
    >>> net.eval(); int(net.tick(state))
    1
    """
    n = len(observations)
    if not (len(actions) == len(episode) == n):
        raise ConfigError(f"learn_from_demonstrations: observations, actions and episode expect one row per step; "
                          f"got {n}, {len(actions)} and {len(episode)}")  # fmt: skip
    if not isinstance(epochs, numbers.Integral) or isinstance(epochs, bool) or epochs < 0:
        raise ConfigError(f"learn_from_demonstrations: epochs expects an integer >= 0; got {epochs!r}")
    n_groups = network.readout.n_groups
    bad = [a for a in actions if not (isinstance(a, numbers.Integral) and 0 <= a < n_groups)]
    if bad:
        raise ConfigError(f"learn_from_demonstrations: actions expect integers in [0, {n_groups}); got {bad[0]!r}")
    for _ in range(epochs):
        for k in range(n):
            if k == 0 or episode[k] != episode[k - 1]:
                network.reset()
            network.imitate(observations[k], int(actions[k]))
    network.reset()


class LinearActorCritic:
    """The non-spiking twin of :class:`ActorCriticNetwork`: the same TD
    error on the same features, with a linear critic and a linear softmax
    actor (an actor-critic with eligibility traces, Sutton and Barto 2018,
    Sec. 13.5-13.6), to tell what the spikes add or cost.

    With the features ``phi(s)`` (``n`` values: for :class:`~spikesim.inputs.FourierFeatures`
    its ``features``),

    ``V(s) = v . phi(s)``, ``pi(a | s) = softmax_a(theta_a . phi(s) / temperature)``,

    and after each step, ``delta = td_error(r, V(s), V(s'), gamma, terminated)``:

    ``e_v <- gamma lambda e_v + phi(s)``, ``v <- v + critic_rate delta e_v``;

    ``e_theta <- gamma lambda e_theta + grad_theta log pi(a | s)``,
    ``theta <- theta + actor_rate delta e_theta``

    (traces cleared at each episode's start; a truncated episode bootstraps
    on its last observation). The greedy action is ``argmax_a theta_a . phi(s)``
    (the first on a tie); with ``greedy_average`` above 0 it reads a running
    average of ``theta`` instead, as :class:`ActorCriticNetwork`'s does
    (``theta_bar <- theta_bar + greedy_average * (theta - theta_bar)`` at the
    start of each episode after one that learned). A decision costs ``n * n_actions``
    multiply-accumulates (the actor's; ``macs_per_decision``).

    Examples
    --------
    >>> agent = LinearActorCritic(lambda s: np.array([1.0, s]), n_features=2, n_actions=2, seed=0)
    >>> agent.greedy_action(0.5)  # theta starts at 0: a tie, the first action
    0
    >>> agent.learn(1.0, 1, 0.0, reward=1.0, terminated=True)  # delta = 1 - V(s) = 1
    1.0
    >>> agent.greedy_action(1.0)  # action 1 was reinforced
    1
    """

    def __init__(self, features: Any, n_features: int, n_actions: int, critic_rate: float = 0.01,
                 actor_rate: float = 0.01, gamma: float = 0.99, trace_decay: float = 0.8,
                 temperature: float = 1.0, greedy_average: float = 0.0, seed: int | None = None) -> None:  # fmt: skip
        for name, value, low in (("n_features", n_features, 1), ("n_actions", n_actions, 1)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
                raise ConfigError(f"LinearActorCritic: {name} expects an integer >= {low}; got {value!r}")
        for name, value, high in (("critic_rate", critic_rate, np.inf), ("actor_rate", actor_rate, np.inf),
                                  ("gamma", gamma, 1.0), ("trace_decay", trace_decay, 1.0),
                                  ("temperature", temperature, np.inf), ("greedy_average", greedy_average, 1.0)):  # fmt: skip
            number = isinstance(value, numbers.Real) and not isinstance(value, bool)
            if not number or not 0.0 <= value <= high or (name == "temperature" and value == 0.0):
                raise ConfigError(f"LinearActorCritic: {name} expects a number in [0, {high}]"
                                  f"{' above 0' if name == 'temperature' else ''}; got {value!r}")  # fmt: skip
        self.features, self.n_actions = features, int(n_actions)
        self.critic_rate, self.actor_rate, self.gamma = critic_rate, actor_rate, gamma
        self.trace_decay, self.temperature, self.greedy_average = trace_decay, temperature, greedy_average
        self.v = np.zeros(int(n_features))
        self.theta = np.zeros((self.n_actions, int(n_features)))
        self.theta_average = self.theta.copy()  # what the greedy action reads with greedy_average above 0
        self._learned = False
        self.rng = np.random.default_rng(seed)
        self.macs_per_decision = int(n_features) * self.n_actions
        self.reset()

    def reset(self) -> None:
        """Clear the eligibility traces (an episode's start); after an episode
        that learned, the greedy action's average takes ``theta``."""
        if self._learned and self.greedy_average > 0.0:
            self.theta_average += self.greedy_average * (self.theta - self.theta_average)
        self._learned = False
        self.e_v = np.zeros_like(self.v)
        self.e_theta = np.zeros_like(self.theta)

    def policy(self, state: Any) -> np.ndarray:
        """``pi(. | s)``."""
        h = self.theta @ self._features(state) / self.temperature
        p = np.exp(h - h.max())
        return p / p.sum()

    def act(self, state: Any) -> int:
        """An action drawn from ``pi(. | s)`` (one random number)."""
        return int(min(np.searchsorted(np.cumsum(self.policy(state)), self.rng.random(), side="right"),
                       self.n_actions - 1))  # fmt: skip

    def greedy_action(self, state: Any) -> int:
        """``argmax_a theta_a . phi(s)`` (of the running average with ``greedy_average`` above 0), no random number drawn."""
        theta = self.theta_average if self.greedy_average > 0.0 else self.theta
        return int(np.argmax(theta @ self._features(state)))

    def learn(self, state: Any, action: int, state_next: Any, reward: float = 0.0, terminated: bool = False) -> float:
        """One step's update (see the class doc); returns ``delta``."""
        phi = self._features(state)
        value_next = 0.0 if terminated else float(self.v @ self._features(state_next))
        delta = td_error(reward, float(self.v @ phi), value_next, self.gamma, terminated)
        grad = -np.outer(self.policy(state), phi)
        grad[action] += phi
        self.e_v = self.gamma * self.trace_decay * self.e_v + phi
        self.e_theta = self.gamma * self.trace_decay * self.e_theta + grad / self.temperature
        self.v += self.critic_rate * delta * self.e_v
        self.theta += self.actor_rate * delta * self.e_theta
        self._learned = True
        return delta

    def _features(self, state: Any) -> np.ndarray:
        return np.asarray(self.features(state), dtype=np.float64)


def play(agent: Any, game: Any, episodes: int, len_episode: int | None, eval_episodes: int, seed: int | None = None,
         callbacks: Sequence[Any] = ()) -> list[dict]:  # fmt: skip
    """Train a non-spiking ``agent`` (:class:`LinearActorCritic`, or one
    with ``act``, ``greedy_action``, ``learn`` and ``reset``; ``learn=None``
    for one that never learns) as :func:`~spikesim.train` trains a network:
    ``episodes`` training episodes (``act``, then ``learn``), then
    ``eval_episodes`` greedy ones, each of at most ``len_episode`` steps
    (None: the game's own limit, as in ``train``); the first reset is seeded
    with ``seed``.
    Returns the episode records (``episode``, ``phase``, ``total_reward``,
    ``steps``, ``wall_s``, and ``ann_energy_per_decision_j`` when the agent
    has ``macs_per_decision``); ``callbacks`` get ``on_episode_end`` and
    ``stop_training`` as in :func:`~spikesim.train`.

    Examples
    --------
    >>> from spikesim.games import CartPole
    >>> class Left:
    ...     learn = None
    ...     def act(self, state): return 0
    ...     greedy_action = act
    ...     def reset(self): pass
    >>> records = play(Left(), CartPole(), episodes=1, len_episode=500, eval_episodes=1, seed=0)
    >>> [(r["phase"], r["total_reward"] < 20) for r in records]
    [('train', True), ('eval', True)]
    """
    len_episode = episode_limit(game, len_episode)
    records: list[dict] = []
    first = True
    stop = lambda: any(c.stop_training(agent, game) for c in callbacks)  # noqa: E731
    for episode, phase in episode_schedule(episodes, eval_episodes, stop):
        start = time.perf_counter()
        agent.reset()
        state, _ = game.reset(seed=seed) if first else game.reset()
        first = False
        total, steps = 0.0, 0
        for _ in range(len_episode):
            action = agent.act(state) if phase == "train" else agent.greedy_action(state)
            state_next, reward, terminated, truncated, _ = game.step(action)
            if phase == "train" and agent.learn is not None:
                agent.learn(state, action, state_next, float(reward), bool(terminated))
            total, steps, state = total + float(reward), steps + 1, state_next
            if terminated or truncated:
                break
        record = {"episode": episode, "phase": phase, "total_reward": total, "steps": steps}
        if hasattr(agent, "macs_per_decision"):
            record["ann_energy_per_decision_j"] = agent.macs_per_decision * ENERGY_PER_MAC_J
        record["wall_s"] = time.perf_counter() - start
        for callback in callbacks:
            callback.on_episode_end(agent, game, record)
        records.append(record)
    return records
