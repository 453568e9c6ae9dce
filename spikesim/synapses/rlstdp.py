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
    x: np.ndarray  # (n_pre,) int64: sum_a (W + 1 - a) f_j(t - a), a = 1..W, over the presynaptic arrivals f_j
    count: np.ndarray  # (n_pre,) int64: arrivals in the window
    history: np.ndarray  # (W, n_pre) bool: the last W steps' arrivals (the spikes without delays)
    y: np.ndarray  # (n_post,) int64: sum_a (W + 1 - a) s_m(t - a), a = 1..W, over the body neurons' spikes
    y_count: np.ndarray  # (n_post,) int64: spikes in the window
    y_history: np.ndarray  # (W, n_post) bool: the last W steps' body spikes
    clock: np.ndarray  # (1,) int64
    rbar: np.ndarray  # (1,) running mean of reward


@nb.njit
def _slide(x, count, history, slot, window, events):
    """Move a window sum ``x = sum_{a=1..W} (W + 1 - a) e(t - a)`` on by one
    step, ``e(t)`` = ``events`` entering (``count`` the events in the window,
    ``history[slot]`` the oldest of them, replaced)."""
    for j in range(events.size):
        event = np.int64(events[j])
        x[j] += window * event - count[j]
        count[j] += event - np.int64(history[slot, j])
        history[slot, j] = events[j]


def _slide_reference(x, count, history, slot, window, events):
    x[:] += window * events - count
    count[:] += events.astype(np.int64) - history[slot]
    history[slot] = events


@nb.njit
def _rlstdp_step(p, s, graph, w, arrived, pre_fired, n_pre_fired, spikes, fired, n_fired, n_inputs, r):
    """One step of :class:`RLSTDP`: the presynaptic events from ``arrived`` (their indices ``pre_fired``: the
    spikes, or their arrivals with delays), the postsynaptic ones from the body spikes of ``spikes``
    (``fired``)."""
    bound_id, bound_lo, bound_hi, x, y = graph.bound_id, graph.bound_lo, graph.bound_hi, s.x, s.y
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
        for a in range(n_pre_fired):
            j = pre_fired[a]
            if j >= n_inputs and graph.row_plastic[j]:
                start, stop = graph.indptr[j], graph.indptr[j + 1]
                row_targets, row_bounds, row_w = graph.targets[start:stop], bound_id[start:stop], w[start:stop]
                for q in range(row_w.size):
                    b = row_bounds[q]
                    row_w[q] = bounded(row_w[q] - scale * y[row_targets[q]], bound_lo[b], bound_hi[b])
    slot = s.clock[0] % p.window
    _slide(x, s.count, s.history, slot, p.window, arrived)
    _slide(y, s.y_count, s.y_history, slot, p.window, spikes[n_inputs:])
    s.clock[0] += 1


class RLSTDP(Synapses):
    """Spikey's rule: reward times a decaying trace times windowed STDP.

    This is Spikey's heuristic, kept for users coming from Spikey; it is not
    Florian's MSTDP (use :class:`~spikesim.synapses.MSTDP` for that). A single
    scalar ``trace`` remembers rewards. At each network step ``t``, with
    ``W = stdp_window``:

    - ``trace <- trace * (1 - trace_decay) + r(t)`` (a reward given once per
      tick adds to the trace: ``trace <- trace + r``);
    - each presynaptic neuron ``j`` has the window sum
      ``x_j = sum_{a=1..W} (W + 1 - a) / W * f_j(t - a)`` of its spikes
      ``f_j`` (recent spikes weigh more), and each body neuron ``m`` the same
      window sum of its spikes, ``y_m = sum_{a=1..W} (W + 1 - a) / W *
      s_m(t - a)``;
    - first, for each body neuron ``i`` that spikes at ``t``, every synapse
      ``j -> i`` is potentiated, ``w <- w + learning_rate * trace * x_j``;
    - then, for each body neuron ``i`` with ``f_i(t) = 1``, every synapse
      ``i -> m`` onto a body neuron ``m`` is depressed,
      ``w <- w - learning_rate * trace * y_m``;

    each change is clipped to the synapse's bounds. Without delays ``f_j``
    is the spike of ``j`` at ``t``, and ``y_m`` equals ``x`` of body neuron
    ``m`` (presynaptic index ``n_inputs + m``).

    With synaptic delays (``delay_steps``, see :mod:`spikesim.engine`),
    ``f_j`` is the *arrival* of ``j``'s spike: a spike emitted at step ``n``
    through plastic synapses of delay ``d_j`` steps counts at step ``n + d_j
    - 1`` (the step of its emission for the default ``d_j = 1``), while the
    postsynaptic side (``s_m``, the spikes that trigger potentiation) stays
    the emission. So ``j -> i`` is potentiated by the arrivals of ``j`` in
    the ``W`` steps before ``i`` spikes, and ``i -> m`` depressed by the
    spikes of ``m`` in the ``W`` steps before ``i``'s spike arrives.
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
        window, n_pre, n_post = self.stdp_window, self.n_pre, self.n_post
        self.state = RLSTDPState(
            np.zeros(1), np.zeros(n_pre, np.int64), np.zeros(n_pre, np.int64), np.zeros((window, n_pre), np.bool_),
            np.zeros(n_post, np.int64), np.zeros(n_post, np.int64), np.zeros((window, n_post), np.bool_),
            np.zeros(1, np.int64), np.zeros(1),
        )  # fmt: skip

    @staticmethod
    @nb.njit
    def kernel(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        _rlstdp_step(p, s, graph, w, spikes, fired, n_fired, spikes, fired, n_fired, n_inputs, r)

    @staticmethod
    @nb.njit
    def arrival_kernel(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, arrived, pre_fired, n_pre_fired):
        """The step with synaptic delays: ``f_j`` is the arrival of ``j``'s spike (see :mod:`spikesim.engine`)."""
        _rlstdp_step(p, s, graph, w, arrived, pre_fired, n_pre_fired, spikes, fired, n_fired, n_inputs, r)

    @staticmethod
    def arrival_reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, arrived, pre_fired, n_pre_fired):
        s.trace[0] *= p.keep
        if r != 0.0:
            s.trace[0] += reward_error.py_func(r, s.rbar, p.baseline_rate)
        scale = p.learning_rate * s.trace[0] / p.window
        if scale != 0.0:
            post = fired[:n_fired][fired[:n_fired] >= n_inputs]
            ks = column_synapses(graph, post - n_inputs)
            w[ks] = np.clip(w[ks] + scale * s.x[graph.sources[ks]], *bounds_of(graph, ks))
            pre = pre_fired[:n_pre_fired]
            ks = row_synapses(graph.indptr, pre[pre >= n_inputs])
            w[ks] = np.clip(w[ks] - scale * s.y[graph.targets[ks]], *bounds_of(graph, ks))
        slot = s.clock[0] % p.window
        _slide_reference(s.x, s.count, s.history, slot, p.window, arrived)
        _slide_reference(s.y, s.y_count, s.y_history, slot, p.window, spikes[n_inputs:])
        s.clock[0] += 1

    @staticmethod
    def reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        RLSTDP.arrival_reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, spikes, fired, n_fired)

    @staticmethod
    @nb.njit
    def reward_kernel(p, s, graph, w, r):
        s.trace[0] += reward_error(r, s.rbar, p.baseline_rate)

    @staticmethod
    def reward_reference(p, s, graph, w, r):
        s.trace[0] += reward_error.py_func(r, s.rbar, p.baseline_rate)
