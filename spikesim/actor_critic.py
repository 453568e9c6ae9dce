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

from typing import Any, Iterable, Mapping, NamedTuple, Sequence

import numpy as np

from spikesim.inputs import RateInputs
from spikesim.network import Network, RLNetwork, SimulationError
from spikesim.params import REQUIRED, ConfigError, Param


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


def episodes_to_solve(returns: Sequence[float], threshold: float, window: int = 100) -> int | None:
    """The classic gym count: the number of episodes before the first
    ``window`` consecutive episodes whose mean return is at least
    ``threshold``, i.e. the smallest ``e >= 0`` with
    ``mean(returns[e : e + window]) >= threshold`` (so the task is solved
    after ``e + window`` episodes); None when no window reaches it.

    Examples
    --------
    >>> episodes_to_solve([0, 0, 10, 10, 10], threshold=10, window=3)
    2
    >>> episodes_to_solve([0, 20, 10, 0], threshold=10, window=2)
    0
    >>> episodes_to_solve([9, 9, 9], threshold=10, window=2) is None
    True
    """
    values = np.asarray(returns, dtype=np.float64)
    if values.size < window:
        return None
    means = np.convolve(values, np.ones(window), mode="valid") / window
    reached = np.flatnonzero(means >= threshold - 1e-9 * max(1.0, abs(threshold)))  # float sums of equal returns
    return int(reached[0]) if reached.size else None


class Step(NamedTuple):
    """One environment step waiting for its TD error."""

    value: float  # V(s_t), from the critic's spikes of tick t
    eligibility: NamedTuple  # a copy of the synapses' state at the end of tick t
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
    critic firing one spike per neuron per step).

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
    others learn the opposite). The critic's synapses get ``delta``. The
    gains scale the weight change the rule makes (clipped again to the
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

    The reward baseline of the rule must be off (``baseline_rate = 0``): the
    critic is the baseline.
    """

    PARAMS = (
        Param("n_critic", "int", REQUIRED, "critic neurons: the first n_critic body neurons, whose firing is V(s)", "[1, inf)"),
        Param("gamma", "float", 0.99, "discount factor of the TD error", "[0, 1]"),
        Param("v_scale", "float", 1.0, "V of a critic firing one spike per neuron per step, over v_bias", "(0, inf)"),
        Param("v_bias", "float", 0.0, "V of a silent critic"),
        Param(
            "actor_gain", "float", 0.3,
            "modulator of the synapses onto the actor group of the action taken, in units of delta", "[0, inf)",
        ),
        Param(
            "other_actions_gain", "float", -1.0,
            "modulator of the synapses onto the actor groups of the actions not taken, in units of delta", "[-1, 1]",
        ),
    )  # fmt: skip

    def __init__(
        self, parts: Mapping[str, Any] | None = None, game: Any = None, modifiers: Iterable = (), **keys: Any
    ) -> None:
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
        self.last_td_error = 0.0

    def reset(self) -> None:
        """Start an episode; a step still waiting for its TD error is dropped."""
        super().reset()
        self._tick: Step | None = None  # the last tick's value and eligibility
        self._pending: Step | None = None  # the previous step, waiting for V of the last tick

    @property
    def critic_value(self) -> float:
        """``V`` of the last tick's state, from the critic's spikes."""
        n_critic = self.config["n_critic"]
        spikes = self._log[:, self.n_inputs : self.n_inputs + n_critic]
        return self.config["v_bias"] + self.config["v_scale"] * spikes.sum() / (n_critic * self.processing_time)

    def greedy_action(self) -> int:
        """The group with the largest expected input drive at the inputs' current rates (first on a tie)."""
        n_actor = self.n_outputs
        w_in = self.matrix[: self.n_inputs, self.n_neurons - n_actor :]
        drive = self.inputs.magnitude * (self.inputs.state.rates @ w_in)
        return int(np.argmax(drive.reshape(self.readout.n_groups, -1).sum(axis=1)))

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
        self.last_td_error = delta
        apply = self._compiled().apply_reward if self.engine == "numba" else self.synapses.reward_reference
        taken, others = self.config["actor_gain"], self.config["other_actions_gain"]
        actor = self._actor
        before = self.w[actor] if (taken, others) != (1.0, 1.0) else None  # a copy
        apply(self.synapses.kernel_params(), step.eligibility, self.graph, self.w, delta)
        if before is not None:
            gain = np.where(self.synapse_group[actor] == step.action, taken, others)
            self.w[actor] = np.clip(before + gain * (self.w[actor] - before), *self._actor_bounds)
        self._check_finite()
