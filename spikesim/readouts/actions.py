"""Readouts over groups of output neurons: population vector, top action,
rates and softmax."""
from __future__ import annotations

import numpy as np

from spikesim.families import Readout
from spikesim.params import Param

N_ACTIONS = Param(
    "n_actions", "int", 0,
    "number of action groups the output neurons form, in order, of n_outputs / n_actions neurons each (0: one per output neuron)",
    "[0, inf)",
)  # fmt: skip


class GroupReadout(Readout):
    """Base of the readouts below: the ``n_outputs`` output neurons form
    ``n_actions`` contiguous groups of equal size (group ``a`` holds outputs
    ``a g`` to ``(a + 1) g - 1``, ``g = n_outputs / n_actions``); with
    ``n_actions = 0`` every output neuron is its own group."""

    PARAMS = (N_ACTIONS,)

    def check(self) -> None:
        if self.n_actions > self.n_outputs or (self.n_actions and self.n_outputs % self.n_actions):
            raise self.error("n_actions", f"0 or a divisor of n_outputs ({self.n_outputs})", self.n_actions)

    @property
    def n_groups(self) -> int:
        """The number of groups (actions)."""
        return self.n_actions or self.n_outputs

    def _spikes(self, spikes: np.ndarray) -> np.ndarray:
        spikes = np.asarray(spikes)
        if spikes.ndim != 2 or spikes.shape[1] != self.n_outputs:
            raise ValueError(
                f"{type(self).__name__}: expects spikes of shape (steps, {self.n_outputs}); got shape {spikes.shape}"
            )
        return spikes

    def group_counts(self, spikes: np.ndarray) -> np.ndarray:
        """The number of spikes of each group over the tick (int, (n_groups,))."""
        per_neuron = np.count_nonzero(self._spikes(spikes), axis=0)
        return per_neuron.reshape(self.n_groups, -1).sum(axis=1)

    def group_rates(self, spikes: np.ndarray) -> np.ndarray:
        """The mean spikes per neuron per step of each group (float, (n_groups,))."""
        spikes = self._spikes(spikes)
        steps = spikes.shape[0]
        if steps == 0:
            return np.zeros(self.n_groups)
        return self.group_counts(spikes) / (steps * (self.n_outputs // self.n_groups))


class PopulationVector(GroupReadout):
    """The share of the tick's output spikes in each group (Spikey's PopulationVector).

    With ``c_a`` the spike count of group ``a``, the action is the vector
    ``p_a = c_a / sum_b c_b`` (summing to 1), or ``p_a = 1 / n_actions`` when
    every output is silent.

    Examples
    --------
    >>> readout = PopulationVector(n_outputs=4, n_actions=2)
    >>> readout(np.array([[1, 1, 1, 0], [1, 0, 0, 0]], bool)).tolist()
    [0.75, 0.25]
    """

    def __call__(self, spikes: np.ndarray) -> np.ndarray:
        counts = self.group_counts(spikes).astype(np.float64)
        total = counts.sum()
        if total == 0:
            return np.full(self.n_groups, 1.0 / self.n_groups)
        return counts / total


class TopAction(GroupReadout):
    """The index of the group with the most spikes (Spikey's TopAction).

    ``a* = argmax_a c_a``; when several groups tie for the most spikes (all
    silent included), one of them is chosen uniformly at random with the
    network's generator (one draw, only when there is a tie).

    Examples
    --------
    >>> readout = TopAction(n_outputs=4, n_actions=2)
    >>> readout(np.array([[1, 0, 1, 1], [0, 0, 1, 0]], bool))
    1
    """

    def __call__(self, spikes: np.ndarray) -> int:
        counts = self.group_counts(spikes)
        best = np.flatnonzero(counts == counts.max())
        if best.size == 1:
            return int(best[0])
        return int(best[self.rng.integers(best.size)])


class NeuronRates(GroupReadout):
    """The firing rate of each output neuron, or of each group (Spikey's NeuronRates).

    ``rate_a = c_a / (steps * g)``: spikes per neuron per step over the tick,
    for each output neuron (``n_actions = 0``, the default) or each group of
    ``g`` neurons.

    Examples
    --------
    >>> readout = NeuronRates(n_outputs=2)
    >>> readout(np.array([[1, 0], [1, 1], [0, 0], [1, 0]], bool)).tolist()
    [0.75, 0.25]
    """

    def __call__(self, spikes: np.ndarray) -> np.ndarray:
        return self.group_rates(spikes)


class Softmax(GroupReadout):
    """A random action, more likely the more its group fires.

    With ``rate_a`` the group's spikes per neuron per step over the tick,

    ``P(a) = exp(rate_a / temperature) / sum_b exp(rate_b / temperature)``;

    the action (a group index) is drawn with the network's generator: one
    uniform ``u`` per call, the action the first ``a`` with
    ``u < P(0) + ... + P(a)``.

    Examples
    --------
    >>> readout = Softmax(n_outputs=2, temperature=0.01, rng=np.random.default_rng(0))
    >>> readout(np.array([[1, 0], [1, 0]], bool))
    0
    """

    PARAMS = (
        Param("temperature", "float", 1.0, "softmax temperature, in spikes per neuron per step (low: nearly the top action)", "(0, inf)"),
    )

    def probabilities(self, spikes: np.ndarray) -> np.ndarray:
        """``P(a)`` for the spikes of a tick."""
        z = self.group_rates(spikes) / self.temperature
        e = np.exp(z - z.max())
        return e / e.sum()

    def __call__(self, spikes: np.ndarray) -> int:
        cumulative = np.cumsum(self.probabilities(spikes))
        u = self.rng.random() * cumulative[-1]
        return int(min(np.searchsorted(cumulative, u, side="right"), self.n_groups - 1))
