"""Weight-dependent (multiplicative) STDP: Brunel's network with STDP, the W5 benchmark."""
from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from spikesim.families import Synapses
from spikesim.graph import bounds_of, column_synapses, row_synapses
from spikesim.params import DT, Param
from spikesim.synapses.base import LEARNING_RATE, bounded
from spikesim.synapses.stdp import TAU_MINUS, TAU_PLUS

ALPHA = Param("alpha", "float", 2.02, "depression relative to potentiation (alpha)", "[0, inf)")


class MultiplicativeParams(NamedTuple):
    learning_rate: float
    depression: float  # learning_rate * alpha
    decay_plus: float  # exp(-dt / tau_plus)
    decay_minus: float  # exp(-dt / tau_minus)


class MultiplicativeState(NamedTuple):
    x_pre: np.ndarray  # (n_pre,) presynaptic traces, inputs then body neurons
    x_post: np.ndarray  # (n_post,) postsynaptic traces of the body neurons


@nb.njit
def _step(p, s, graph, w, pre_fired, n_pre_fired, fired, n_fired, n_inputs):
    """Both kernels: presynaptic spikes ``pre_fired``, postsynaptic ones the body entries of ``fired``."""
    indptr, targets = graph.indptr, graph.targets
    col_ptr, col_syn, col_src = graph.col_ptr, graph.col_syn, graph.col_src
    bound_id, bound_lo, bound_hi = graph.bound_id, graph.bound_lo, graph.bound_hi
    row_plastic, col_plastic = graph.row_plastic, graph.col_plastic
    x_pre, x_post = s.x_pre, s.x_post
    rate, depression = p.learning_rate, p.depression
    decay_plus, decay_minus = p.decay_plus, p.decay_minus
    for j in range(x_pre.size):
        x_pre[j] *= decay_plus
    for i in range(x_post.size):
        x_post[i] *= decay_minus
    for a in range(n_pre_fired):
        j = pre_fired[a]
        x_pre[j] += 1.0
        if not row_plastic[j]:
            continue
        start, stop = indptr[j], indptr[j + 1]  # slices: their indices are known >= 0
        row_targets, row_bounds, row_w = targets[start:stop], bound_id[start:stop], w[start:stop]
        for q in range(row_w.size):
            b = row_bounds[q]
            low, x = bound_lo[b], row_w[q]
            row_w[q] = bounded(x - depression * (x - low) * x_post[row_targets[q]], low, bound_hi[b])
    low, high = graph.plastic_bounds[0], graph.plastic_bounds[1]
    shared = low == low  # all plastic synapses share their bounds (not NaN)
    for a in range(n_fired):
        if fired[a] >= n_inputs:
            i = fired[a] - n_inputs
            x_post[i] += 1.0
            start, stop = col_ptr[i], col_ptr[i] + col_plastic[i]
            column_syn, column_src = col_syn[start:stop], col_src[start:stop]
            if shared:
                for q in range(column_syn.size):
                    k = column_syn[q]
                    x = w[k]
                    w[k] = bounded(x + rate * (high - x) * x_pre[column_src[q]], low, high)
            else:
                for q in range(column_syn.size):
                    k = column_syn[q]
                    b = bound_id[k]
                    x = w[k]
                    w[k] = bounded(x + rate * (bound_hi[b] - x) * x_pre[column_src[q]], bound_lo[b], bound_hi[b])


def _step_reference(p, s, graph, w, pre, post):
    s.x_pre[:] *= p.decay_plus
    s.x_post[:] *= p.decay_minus
    s.x_pre[pre] += 1.0
    ks = row_synapses(graph.indptr, pre)
    lo, hi = bounds_of(graph, ks)
    w[ks] = np.clip(w[ks] - p.depression * (w[ks] - lo) * s.x_post[graph.targets[ks]], lo, hi)
    s.x_post[post] += 1.0
    ks = column_synapses(graph, post)
    lo, hi = bounds_of(graph, ks)
    w[ks] = np.clip(w[ks] + p.learning_rate * (hi - w[ks]) * s.x_pre[graph.sources[ks]], lo, hi)


class MultiplicativeSTDP(Synapses):
    """Weight-dependent STDP (multiplicative depression, soft upper bound), without reward.

    Every presynaptic neuron ``j`` has a trace ``x_pre[j]`` and every body
    neuron ``i`` a trace ``x_post[i]``; both decay, ``x <- x exp(-dt /
    tau)`` (``tau_plus``, ``tau_minus``), and add 1 per spike (all-to-all
    pairing). With ``lambda = learning_rate`` and a synapse's bounds ``lo <=
    w <= hi``, at each network step, after its traces decay:

    1. each presynaptic spike ``j`` (in index order; with synaptic delays its
       arrival, see :mod:`spikesim.engine`): ``x_pre[j] <- x_pre[j] + 1``, and
       every synapse ``j -> i`` gets ``w <- w - lambda alpha (w - lo) x_post[i]``;
    2. each body spike ``i``: ``x_post[i] <- x_post[i] + 1``, and every
       plastic synapse ``j -> i`` gets ``w <- w + lambda (hi - w) x_pre[j]``.

    Each result is clipped to ``[lo, hi]`` (a change of ``lambda x`` below 1
    never leaves it). With ``lo = 0`` and ``hi = w_max`` this is the rule of
    the Brunel-with-STDP benchmark (W5; Auryn's ``STDPwdConnection``, mu = 1):
    for independent pre and post firing at equal rates the weights drift to
    ``w* = w_max / (1 + alpha)``, 0.0993 mV for ``w_max = 0.3`` mV and ``alpha
    = 2.02``. A frozen synapse (``lo == hi``) never moves.

    Examples
    --------
    One input (presynaptic 0) onto one body neuron (presynaptic 1), bounds
    ``[0, 0.3]``: the input spikes at step 0, the body neuron at step 1,
    then the input again at step 2:

    >>> from spikesim.graph import build_graph
    >>> graph, w, _ = build_graph(np.array([0]), np.array([0]), np.array([0.1]),
    ...                           np.array([0.0]), np.array([0.3]), n_pre=2, n_post=1)
    >>> rule = MultiplicativeSTDP(learning_rate=0.01, alpha=2.02, tau_plus=20.0, tau_minus=20.0, dt=0.1)
    >>> rule.attach(graph, n_inputs=1)
    >>> rule.reset()
    >>> for step in ([True, False], [False, True], [True, False]):
    ...     spikes = np.array(step)
    ...     fired = np.flatnonzero(spikes)
    ...     MultiplicativeSTDP.reference(rule.kernel_params(), rule.state, graph, w, spikes, fired, fired.size, 1, 0.0)
    >>> k = math.exp(-0.1 / 20)
    >>> up = 0.1 + 0.01 * (0.3 - 0.1) * k  # the post spike reads x_pre = exp(-dt/tau)
    >>> bool(np.isclose(w[0], up - 0.01 * 2.02 * up * k))  # the next pre spike reads x_post = exp(-dt/tau)
    True
    """

    PARAMS = (LEARNING_RATE, ALPHA, TAU_PLUS, TAU_MINUS, DT)

    def make_kernel_params(self) -> MultiplicativeParams:
        return MultiplicativeParams(
            self.learning_rate, self.learning_rate * self.alpha,
            math.exp(-self.dt / self.tau_plus), math.exp(-self.dt / self.tau_minus),
        )  # fmt: skip

    def reset(self) -> None:
        self.state = MultiplicativeState(np.zeros(self.n_pre), np.zeros(self.n_post))

    @staticmethod
    @nb.njit
    def kernel(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        _step(p, s, graph, w, fired, n_fired, fired, n_fired, n_inputs)

    @staticmethod
    def reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        pre = fired[:n_fired]
        _step_reference(p, s, graph, w, pre, pre[pre >= n_inputs] - n_inputs)

    @staticmethod
    @nb.njit
    def arrival_kernel(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, arrived, pre_fired, n_pre_fired):
        _step(p, s, graph, w, pre_fired, n_pre_fired, fired, n_fired, n_inputs)

    @staticmethod
    def arrival_reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, arrived, pre_fired, n_pre_fired):
        post = fired[:n_fired]
        _step_reference(p, s, graph, w, pre_fired[:n_pre_fired], post[post >= n_inputs] - n_inputs)
