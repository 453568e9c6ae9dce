"""What the plasticity rules share: static synapses, bounds, reward baseline."""
from __future__ import annotations

import numba as nb

from spikesim.engine import NoParams
from spikesim.families import Synapses
from spikesim.params import Param

LEARNING_RATE = Param("learning_rate", "float", 0.01, "learning rate (gamma): scale of every weight change", "[0, inf)")
BASELINE_RATE = Param(
    "baseline_rate", "float", 0.0,
    "rate of the running mean of reward subtracted from each reward, r - mean(r) (0: no baseline)", "[0, 1]",
)  # fmt: skip


class Static(Synapses):
    """Synapses that never change."""

    def make_kernel_params(self) -> NoParams:
        return NoParams()

    def reset(self) -> None:
        self.state = NoParams()

    @staticmethod
    @nb.njit
    def kernel(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        pass

    @staticmethod
    def reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        pass


@nb.njit
def bounded(value, low, high):
    """``value`` clipped to ``[low, high]`` (scalars only: a helper that took
    arrays would cost reference counting at every synapse)."""
    return min(max(value, low), high)


@nb.njit
def reward_error(r, rbar, baseline_rate):
    """The reward a rule uses, the reward prediction error ``r - rbar``; then
    the running mean moves on, ``rbar <- rbar + baseline_rate * (r - rbar)``
    (``rbar`` an array of one). With ``baseline_rate`` 0, ``rbar`` stays 0
    and the rule uses ``r`` itself. Rules call it once per delivered reward
    (a step's reward of 0 is no delivery). The same code serves both engines
    (``reward_error.py_func``)."""
    delta = r - rbar[0]
    rbar[0] += baseline_rate * delta
    return delta
