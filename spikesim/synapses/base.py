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

    plastic = False

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

    @staticmethod
    @nb.njit
    def arrival_kernel(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, arrived, pre_fired, n_pre_fired):
        pass

    @staticmethod
    def arrival_reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, arrived, pre_fired, n_pre_fired):
        pass


@nb.njit
def bounded(value, low, high):
    """``value`` clipped to ``[low, high]`` (scalars only: a helper that took
    arrays would cost reference counting at every synapse)."""
    return min(max(value, low), high)


@nb.njit
def update_weights(graph, w, x, scale, decay_before, decay_after):
    """One pass over all synapses: ``x <- decay_before * x``, then ``w <-
    clip(w + scale * x, lo, hi)``, then ``x <- decay_after * x`` (``x`` a
    per-synapse trace; a decay of 1 changes nothing). Run by run of
    consecutive rows whose synapses share their bounds (an empty row joins
    any run), so that one loop the compiler vectorises spans as many
    synapses as it can; a row whose synapses differ in bounds reads each
    synapse's. The loops index ``x`` and ``w`` with an unsigned synapse
    index: Numba then drops the wrap-around test of negative indices, as it
    does for slices, without building two array views per run (W1's 32 runs:
    a quarter of the pass)."""
    indptr, row_bound = graph.indptr, graph.row_bound
    bound_id, bound_lo, bound_hi = graph.bound_id, graph.bound_lo, graph.bound_hi
    n_pre = indptr.size - 1
    j = 0
    while j < n_pre:
        start, b = indptr[j], row_bound[j]
        j += 1
        if b >= 0:
            while j < n_pre and (row_bound[j] == b or indptr[j] == indptr[j + 1]):
                j += 1
        synapses = range(nb.uint64(start), nb.uint64(indptr[j]))
        if b >= 0:
            low, high = bound_lo[b], bound_hi[b]
            for k in synapses:
                value = x[k] * decay_before
                w[k] = min(max(w[k] + scale * value, low), high)
                x[k] = value * decay_after
        else:
            for k in synapses:
                value = x[k] * decay_before
                w[k] = bounded(w[k] + scale * value, bound_lo[bound_id[k]], bound_hi[bound_id[k]])
                x[k] = value * decay_after


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
