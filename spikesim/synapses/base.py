"""What the plasticity rules share: static synapses, bounds, reward baseline."""
from __future__ import annotations

import numba as nb

from spikesim.engine import NoParams
from spikesim.families import Synapses
from spikesim.params import Param

LEARNING_RATE = Param("learning_rate", "float", 0.01, "learning rate (gamma): scale of every weight change", "[0, inf)")
BASELINE_TAU = Param(
    "baseline_tau", "float", 0.0,
    "rewards averaged by the running mean subtracted from each reward, r - mean(r) (0: no baseline)", "[0, inf)",
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
    if value < low:
        return low
    if value > high:
        return high
    return value


@nb.njit
def reward_error(r, rbar, baseline_tau):
    """The reward a rule uses: ``r`` without a baseline; with one, the reward
    prediction error ``r - rbar`` and the running mean moves on,
    ``rbar <- rbar + (r - rbar) / baseline_tau`` (``rbar`` an array of one).
    The same code serves both engines (``reward_error.py_func``)."""
    if baseline_tau <= 0.0:
        return r
    delta = r - rbar[0]
    rbar[0] += delta / baseline_tau
    return delta
