"""Spikey's reward-modulated STDP (not Florian's rule)."""
from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from spikesim.families import Synapses
from spikesim.graph import bounds_of, column_synapses, row_synapses
from spikesim.params import Param
from spikesim.synapses.base import BASELINE_RATE, LEARNING_RATE, bounded, reward_error


class RLSTDPParams(NamedTuple):
    learning_rate: float
    window: int
    keep: float  # 1 - trace_decay
    baseline_rate: float


class RLSTDPState(NamedTuple):
    trace: np.ndarray  # (1,) the decaying reward memory
    x: np.ndarray  # (n_pre,) int64: sum_a (W + 1 - a) s(t - a), a = 1..W
    count: np.ndarray  # (n_pre,) int64: spikes in the window
    history: np.ndarray  # (W, n_pre) bool: the last W steps' spikes
    clock: np.ndarray  # (1,) int64
    rbar: np.ndarray  # (1,) running mean of reward


class RLSTDP(Synapses):
    """Spikey's rule: reward times a decaying trace times windowed STDP.

    This is Spikey's heuristic, kept for users coming from Spikey; it is not
    Florian's MSTDP (use :class:`~spikesim.synapses.MSTDP` for that). A single
    scalar ``trace`` remembers rewards. At each network step ``t``, with
    ``W = stdp_window``:

    - ``trace <- trace * (1 - trace_decay) + r(t)`` (a reward given once per
      tick adds to the trace: ``trace <- trace + r``);
    - each presynaptic neuron ``j`` has the window sum
      ``x_j = sum_{a=1..W} (W + 1 - a) / W * s_j(t - a)`` (recent spikes
      weigh more);
    - for each body neuron ``i`` that spikes at ``t``, first every synapse
      ``j -> i`` is potentiated, ``w <- w + learning_rate * trace * x_j``,
      then every synapse ``i -> j`` onto a body neuron ``j`` is depressed,
      ``w <- w - learning_rate * trace * x_j``; each change is clipped to the
      synapse's bounds.
    """

    PARAMS = (
        LEARNING_RATE,
        Param("stdp_window", "int", 20, "steps of presynaptic history that count for a pairing", "[1, inf)"),
        Param("trace_decay", "float", 0.04, "fraction of the reward trace lost per step", "[0, 1]"),
        BASELINE_RATE,
    )

    def make_kernel_params(self) -> RLSTDPParams:
        return RLSTDPParams(self.learning_rate, self.stdp_window, 1.0 - self.trace_decay, self.baseline_rate)

    def reset(self) -> None:
        self.state = RLSTDPState(
            np.zeros(1), np.zeros(self.n_pre, np.int64), np.zeros(self.n_pre, np.int64),
            np.zeros((self.stdp_window, self.n_pre), np.bool_), np.zeros(1, np.int64), np.zeros(1),
        )  # fmt: skip

    @staticmethod
    @nb.njit
    def kernel(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        bound_id, bound_lo, bound_hi, x = graph.bound_id, graph.bound_lo, graph.bound_hi, s.x
        s.trace[0] *= p.keep
        if r != 0.0:
            s.trace[0] += reward_error(r, s.rbar, p.baseline_rate)
        scale = p.learning_rate * s.trace[0] / p.window
        if scale != 0.0:
            for a in range(n_fired):
                if fired[a] >= n_inputs:
                    i = fired[a] - n_inputs
                    start, stop = graph.col_ptr[i], graph.col_ptr[i] + graph.col_plastic[i]  # frozen cannot move
                    column_syn, column_src = graph.col_syn[start:stop], graph.col_src[start:stop]
                    for q in range(column_syn.size):  # (slices: indices known >= 0)
                        k = column_syn[q]
                        b = bound_id[k]
                        w[k] = bounded(w[k] + scale * x[column_src[q]], bound_lo[b], bound_hi[b])
            for a in range(n_fired):
                j = fired[a]
                if j >= n_inputs and graph.row_plastic[j]:
                    start, stop = graph.indptr[j], graph.indptr[j + 1]
                    row_targets, row_bounds, row_w = graph.targets[start:stop], bound_id[start:stop], w[start:stop]
                    for q in range(row_w.size):
                        b = row_bounds[q]
                        row_w[q] = bounded(row_w[q] - scale * x[n_inputs + row_targets[q]], bound_lo[b], bound_hi[b])
        slot = s.clock[0] % p.window
        for j in range(spikes.size):
            spike = np.int64(spikes[j])
            s.x[j] += p.window * spike - s.count[j]
            s.count[j] += spike - np.int64(s.history[slot, j])
            s.history[slot, j] = spikes[j]
        s.clock[0] += 1

    @staticmethod
    def reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        s.trace[0] *= p.keep
        if r != 0.0:
            s.trace[0] += reward_error.py_func(r, s.rbar, p.baseline_rate)
        scale = p.learning_rate * s.trace[0] / p.window
        if scale != 0.0:
            post = fired[:n_fired][fired[:n_fired] >= n_inputs]
            ks = column_synapses(graph, post - n_inputs)
            w[ks] = np.clip(w[ks] + scale * s.x[graph.sources[ks]], *bounds_of(graph, ks))
            ks = row_synapses(graph.indptr, post)
            w[ks] = np.clip(w[ks] - scale * s.x[n_inputs + graph.targets[ks]], *bounds_of(graph, ks))
        slot = s.clock[0] % p.window
        s.x[:] += p.window * spikes - s.count
        s.count[:] += spikes.astype(np.int64) - s.history[slot]
        s.history[slot] = spikes
        s.clock[0] += 1

    @staticmethod
    @nb.njit
    def reward_kernel(p, s, graph, w, r):
        s.trace[0] += reward_error(r, s.rbar, p.baseline_rate)

    @staticmethod
    def reward_reference(p, s, graph, w, r):
        s.trace[0] += reward_error.py_func(r, s.rbar, p.baseline_rate)
