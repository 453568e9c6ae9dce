"""Pair-based STDP with traces (additive, bounded, no reward)."""
from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from spikesim.families import Synapses
from spikesim.graph import bounds_of, column_synapses, row_synapses
from spikesim.params import DT, Param
from spikesim.synapses.base import LEARNING_RATE, bounded

# Shared by STDP and Florian's MSTDP and MSTDPET (spikesim.synapses.florian).
A_PLUS = Param("a_plus", "float", 1.0, "amplitude a presynaptic spike adds to its presynaptic trace (pre-before-post pairing)")
A_MINUS = Param(
    "a_minus", "float", -1.0,
    "amplitude a postsynaptic spike adds to its postsynaptic trace (post-before-pre pairing; negative: depression)",
)  # fmt: skip
TAU_PLUS = Param("tau_plus", "float", 20.0, "time constant of the presynaptic traces (ms)", "(0, inf)")
TAU_MINUS = Param("tau_minus", "float", 20.0, "time constant of the postsynaptic traces (ms)", "(0, inf)")


class STDPParams(NamedTuple):
    learning_rate: float
    a_plus: float
    a_minus: float
    decay_plus: float  # exp(-dt / tau_plus)
    decay_minus: float  # exp(-dt / tau_minus)


class STDPState(NamedTuple):
    x_pre: np.ndarray  # (n_pre,) presynaptic traces, inputs then body neurons
    x_post: np.ndarray  # (n_post,) postsynaptic traces of the body neurons


def _prefetch_intrinsic(write):
    @intrinsic
    def prefetch(typingctx, array, index):
        """A hint to bring the cache line of ``array[index]`` in (no bounds
        check: any address is safe) and nothing else: results do not change."""

        def codegen(context, builder, signature, args):
            array_type = signature.args[0]
            view = context.make_array(array_type)(context, builder, args[0])
            pointer = cgutils.get_item_pointer(context, builder, array_type, view, [args[1]], wraparound=False)
            i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
            function = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), "llvm.prefetch.p0i8"
            )
            # (address, read 0 / write 1, locality 3: keep in all levels, data cache 1)
            builder.call(function, [builder.bitcast(pointer, i8p), i32(write), i32(3), i32(1)])
            return context.get_dummy_value()

        return types.void(array, index), codegen

    return prefetch


prefetch_read = _prefetch_intrinsic(0)
prefetch_write = _prefetch_intrinsic(1)


def _stdp_step(p, s, graph, w, pre_fired, n_pre_fired, fired, n_fired, n_inputs):
    """One step of :class:`STDP`: the presynaptic side for ``pre_fired`` (the
    spikes, or their arrivals with delays), the postsynaptic side for the body
    spikes in ``fired``.

    Compiled twice: serial (:func:`_stdp_serial`, ``prange`` is ``range``)
    and parallel (:func:`_stdp_parallel`). The ``prange`` loops write
    disjoint data (a neuron's trace, its row or its column: each synapse is
    in one row and one column), and each synapse sees the same operations in
    the same order in both, so they give the same weights bit for bit.

    Large networks keep their weights in main memory (W2 at N = 100,000: 80
    MB), so each row, and each column's index lines, start with cache misses
    that the processor only sees when it gets there. The loops prefetch the
    next spike's row (weights, targets) and the column index lines
    (``col_syn``, ``col_src``) of the spike three ahead: software hints only,
    the arithmetic and its order are unchanged. A column's scattered weights
    need no prefetch once its indices are in cache (the out-of-order core
    overlaps those misses itself; measured). Rows that share their bounds
    skip ``bound_id``. W2 at 100,000: STDP about 1 s less per simulated
    second (see bench/README.md)."""
    indptr, targets = graph.indptr, graph.targets
    col_ptr, col_syn, col_src = graph.col_ptr, graph.col_syn, graph.col_src
    bound_id, bound_lo, bound_hi = graph.bound_id, graph.bound_lo, graph.bound_hi
    x_pre, x_post = s.x_pre, s.x_post
    rate, a_plus, a_minus = p.learning_rate, p.a_plus, p.a_minus
    decay_plus, decay_minus = p.decay_plus, p.decay_minus
    for j in range(x_pre.size):  # serial: a parallel loop costs more compile time than these save
        x_pre[j] *= decay_plus
    for i in range(x_post.size):
        x_post[i] *= decay_minus
    row_plastic, row_bound, col_plastic = graph.row_plastic, graph.row_bound, graph.col_plastic
    for a in nb.prange(n_pre_fired):
        j = pre_fired[a]
        x_pre[j] += a_plus
        if a + 1 < n_pre_fired and row_plastic[pre_fired[a + 1]]:  # the next row's lines (8 weights, 16 targets)
            after = pre_fired[a + 1]
            for k in range(indptr[after], indptr[after + 1], 8):
                prefetch_write(w, k)
            for k in range(indptr[after], indptr[after + 1], 16):
                prefetch_read(targets, k)
        if row_plastic[j]:
            start, stop = indptr[j], indptr[j + 1]  # slices: their indices are known >= 0
            row_targets, row_w = targets[start:stop], w[start:stop]
            b = row_bound[j]
            if b >= 0:  # the row shares its bounds: bound_id need not be read
                row_lo, row_hi = bound_lo[b], bound_hi[b]
                for q in range(row_w.size):
                    row_w[q] = bounded(row_w[q] + rate * x_post[row_targets[q]], row_lo, row_hi)
            else:
                row_bounds = bound_id[start:stop]
                for q in range(row_w.size):
                    c = row_bounds[q]
                    row_w[q] = bounded(row_w[q] + rate * x_post[row_targets[q]], bound_lo[c], bound_hi[c])
    low, high = graph.plastic_bounds[0], graph.plastic_bounds[1]
    shared = low == low  # all plastic synapses share their bounds (not NaN)
    for a in nb.prange(n_fired):
        if a + 3 < n_fired and fired[a + 3] >= n_inputs:  # the index lines of the column 3 spikes later
            later = fired[a + 3] - n_inputs
            for c in range(col_ptr[later], col_ptr[later] + col_plastic[later], 16):
                prefetch_read(col_syn, c)
                prefetch_read(col_src, c)
        if fired[a] >= n_inputs:
            i = fired[a] - n_inputs
            x_post[i] += a_minus
            # frozen synapses (listed after the plastic ones) cannot move; in a column the
            # synapses are scattered over memory, so read as little per synapse as possible
            start, stop = col_ptr[i], col_ptr[i] + col_plastic[i]
            column_syn, column_src = col_syn[start:stop], col_src[start:stop]
            if shared:
                for q in range(column_syn.size):
                    k = column_syn[q]
                    w[k] = bounded(w[k] + rate * x_pre[column_src[q]], low, high)
            else:
                for q in range(column_syn.size):
                    k = column_syn[q]
                    b = bound_id[k]
                    w[k] = bounded(w[k] + rate * x_pre[column_src[q]], bound_lo[b], bound_hi[b])


_stdp_serial = nb.njit(_stdp_step)
_stdp_parallel = nb.njit(parallel=True)(_stdp_step)


class STDP(Synapses):
    """Pair-based additive STDP in trace form, bounded, without reward.

    Every presynaptic neuron ``j`` (inputs, then body neurons) has a trace
    ``x_pre[j]`` and every body neuron ``i`` a trace ``x_post[i]``. At each
    network step, after the step's spikes are known:

    1. the traces decay: ``x_pre <- x_pre * exp(-dt / tau_plus)``,
       ``x_post <- x_post * exp(-dt / tau_minus)``;
    2. for each presynaptic spike ``j`` (in index order; with synaptic
       delays, the spike's arrival: see :mod:`spikesim.engine`):
       ``x_pre[j] <- x_pre[j] + a_plus``, and every synapse ``j -> i`` gets
       ``w <- clip(w + learning_rate * x_post[i], lo, hi)``;
    3. then for each body spike ``i``: ``x_post[i] <- x_post[i] + a_minus``,
       and every synapse ``j -> i`` gets
       ``w <- clip(w + learning_rate * x_pre[j], lo, hi)``.

    ``lo`` and ``hi`` are the synapse's own bounds (a synapse with
    ``lo == hi`` never changes). A pair of spikes ``d`` steps apart changes the
    weight by ``learning_rate * a_plus * exp(-d * dt / tau_plus)`` when the
    presynaptic spike comes first, by ``learning_rate * a_minus *
    exp(-d * dt / tau_minus)`` when the postsynaptic spike comes first, and by
    ``learning_rate * a_plus`` when both spike in the same step (the
    presynaptic side is processed first). Only the synapses of neurons that
    spiked are touched; the traces are per neuron.

    With ``learning_rate = 1``, ``a_plus = 0.001``, ``a_minus = -0.00105`` and
    bounds ``[0, 0.2]`` this is the rule of the W2 benchmark (Brian's
    classic STDP example).

    The rule ignores rewards (``r`` is not read); use
    :class:`~spikesim.synapses.MSTDP` or :class:`~spikesim.synapses.MSTDPET`
    for reward-modulated STDP.

    Examples
    --------
    One input (presynaptic index 0) onto one body neuron (presynaptic index
    1); the input spikes at step 0, the body neuron at step 1:

    >>> import numpy as np
    >>> from spikesim.graph import build_graph
    >>> graph, w, _ = build_graph(np.array([0]), np.array([0]), np.array([0.5]),
    ...                           np.array([0.0]), np.array([1.0]), n_pre=2, n_post=1)
    >>> rule = STDP(learning_rate=1.0, a_plus=0.01, a_minus=-0.012)
    >>> rule.attach(graph, n_inputs=1)
    >>> rule.reset()
    >>> for step in ([True, False], [False, True]):
    ...     spikes = np.array(step)
    ...     fired = np.flatnonzero(spikes)
    ...     STDP.reference(rule.kernel_params(), rule.state, graph, w, spikes, fired, fired.size, 1, 0.0)
    >>> round(float(w[0]), 6)  # 0.5 + 0.01 * exp(-1 / 20)
    0.509512
    """

    PARAMS = (LEARNING_RATE, A_PLUS, A_MINUS, TAU_PLUS, TAU_MINUS, DT)

    def make_kernel_params(self) -> STDPParams:
        return STDPParams(
            self.learning_rate, self.a_plus, self.a_minus,
            math.exp(-self.dt / self.tau_plus), math.exp(-self.dt / self.tau_minus),
        )  # fmt: skip

    def reset(self) -> None:
        self.state = STDPState(np.zeros(self.n_pre), np.zeros(self.n_post))

    @staticmethod
    @nb.njit
    def kernel(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        _stdp_serial(p, s, graph, w, fired, n_fired, fired, n_fired, n_inputs)

    @staticmethod
    @nb.njit
    def parallel_kernel(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        """:meth:`kernel` on Numba's threads (the network's ``threads``):
        the same weights bit for bit."""
        _stdp_parallel(p, s, graph, w, fired, n_fired, fired, n_fired, n_inputs)

    @staticmethod
    @nb.njit
    def arrival_kernel(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, arrived, pre_fired, n_pre_fired):
        """The step with synaptic delays: 2. runs over the presynaptic
        arrivals ``pre_fired`` (see :mod:`spikesim.engine`), 3. over the
        body spikes of ``fired``."""
        _stdp_serial(p, s, graph, w, pre_fired, n_pre_fired, fired, n_fired, n_inputs)

    @staticmethod
    @nb.njit
    def parallel_arrival_kernel(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, arrived, pre_fired, n_pre_fired):
        """:meth:`arrival_kernel` on Numba's threads: the same weights bit for bit."""
        _stdp_parallel(p, s, graph, w, pre_fired, n_pre_fired, fired, n_fired, n_inputs)

    @staticmethod
    def arrival_reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, arrived, pre_fired, n_pre_fired):
        pre = pre_fired[:n_pre_fired]
        emitted = fired[:n_fired]
        post = emitted[emitted >= n_inputs] - n_inputs
        s.x_pre[:] *= p.decay_plus
        s.x_post[:] *= p.decay_minus
        s.x_pre[pre] += p.a_plus
        ks = row_synapses(graph.indptr, pre)
        w[ks] = np.clip(w[ks] + p.learning_rate * s.x_post[graph.targets[ks]], *bounds_of(graph, ks))
        s.x_post[post] += p.a_minus
        ks = column_synapses(graph, post)
        w[ks] = np.clip(w[ks] + p.learning_rate * s.x_pre[graph.sources[ks]], *bounds_of(graph, ks))

    @staticmethod
    def reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        STDP.arrival_reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, spikes, fired, n_fired)
