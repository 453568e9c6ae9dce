"""Izhikevich's (2007) dopamine-modulated STDP."""
from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from spikesim.families import Synapses
from spikesim.graph import Graph, column_synapses, row_synapses
from spikesim.params import DT, Param
from spikesim.synapses.base import BASELINE_RATE, LEARNING_RATE, bounded, reward_error, update_weights

#: Most updates a lazy epoch holds (see :class:`DASTDP`).
MAX_EPOCH = 1024
#: A lazy epoch ends before the eligibility decay over it, ``decay_c ** n``, falls below this: the
#: eligibilities are kept divided by it, so rounding errors grow as it falls (by at most its inverse).
EPOCH_DECAY = 1.0 / 16.0


def epoch_length(decay_c: float) -> int:
    """The updates of a lazy epoch for a per-update eligibility decay ``decay_c``:
    the most ``n <= MAX_EPOCH`` with ``decay_c ** n >= EPOCH_DECAY``, at least 1."""
    if decay_c >= 1.0:
        return MAX_EPOCH
    if decay_c <= 0.0:
        return 1
    return max(1, min(MAX_EPOCH, int(math.log(EPOCH_DECAY) / math.log(decay_c))))


class DASTDPParams(NamedTuple):
    learning_rate: float
    a_plus: float
    a_minus: float
    amplitude: float  # trace_amplitude
    decay: float  # exp(-dt / tau_plus)
    decay_d: float  # exp(-dt / tau_d)
    decay_c: float  # exp(-update_interval * dt / tau_c)
    tonic_da: float
    pulse: float  # dopamine_pulse
    interval: int  # update_interval
    baseline_rate: float
    lazy: bool  # lazy_updates
    epoch: int  # updates per lazy epoch (epoch_length(decay_c))


class DASTDPState(NamedTuple):
    trace: np.ndarray  # (n_pre,) STDP trace of every neuron, inputs then body neurons
    c: np.ndarray  # (n_syn,) eligibility of every synapse
    d: np.ndarray  # (1,) dopamine level (above the tonic level)
    prev_fired: np.ndarray  # (n_pre,) int64: the neurons that spiked in the previous step ...
    prev_n: np.ndarray  # (1,) int64: ... and how many
    clock: np.ndarray  # (1,) int64: steps since reset
    rbar: np.ndarray  # (1,) running mean of the reward
    arrival_trace: np.ndarray  # (n_pre,) with synaptic delays: the presynaptic traces, set on arrival
    since: np.ndarray  # (n_syn,) lazy updates: the running sum S at each synapse's last catch-up
    n_updates: np.ndarray  # (1,) int64: updates n of the current lazy epoch (0: everything is up to date)
    total: np.ndarray  # (1,) the running sum S_n = sum_{k <= n} m_k * decay_c ** (k - 1)
    power: np.ndarray  # (1,) decay_c ** n
    sign: np.ndarray  # (1,) the sign of the epoch's modulations (0 before the first nonzero one)


class DASTDP(Synapses):
    """Izhikevich's (2007) dopamine-modulated STDP (the scheme of daspnet.m).

    Every neuron (inputs, then body neurons) has one STDP trace ``x``, set to
    ``trace_amplitude`` when it spikes and otherwise decaying by
    ``exp(-dt / tau_plus)`` per step; it serves as the presynaptic trace of
    the neuron's outgoing synapses and, for a body neuron, as the
    postsynaptic trace of its incoming ones. Every synapse has an eligibility
    ``c``; a dopamine level ``d`` is shared. A spike emitted at step ``t``
    arrives at its targets at step ``t + 1`` (it moves them in that step's
    integration, before they fire). At each network step ``t``, in this order:

    1. LTP, for each body neuron ``i`` spiking at ``t``: every synapse
       ``j -> i`` gets ``c <- c + a_plus * x_j(t - 1)`` (the presynaptic spikes
       that arrived by step ``t``);
    2. LTD, for each neuron ``j`` that spiked at ``t - 1`` (its spike arrives
       now): every synapse ``j -> i`` gets ``c <- c + a_minus * x_i(t - 1)``
       (the postsynaptic spikes before the arrival; ``a_minus < 0``);
    3. the traces move to step ``t``: ``x <- x * exp(-dt / tau_plus)``, then
       ``x <- trace_amplitude`` for the neurons spiking at ``t``;
    4. dopamine: ``d <- d * exp(-dt / tau_d)``, then a reward ``r(t) != 0``
       adds ``d <- d + dopamine_pulse * r(t)``;
    5. every ``update_interval`` steps (at the end of steps
       ``update_interval - 1``, ``2 * update_interval - 1``, ... since
       :meth:`reset`), for every synapse:
       ``w <- clip(w + learning_rate * (tonic_da + d) * c, lo, hi)``, then
       ``c <- c * exp(-update_interval * dt / tau_c)``.

    So a presynaptic spike one step before the postsynaptic one gives
    ``c += a_plus * trace_amplitude``, ``k`` steps before it
    ``a_plus * trace_amplitude * exp(-(k - 1) * dt / tau_plus)``; spikes in
    the same step give ``c += a_minus * trace_amplitude`` (the postsynaptic
    spike came before the presynaptic one arrived), and a postsynaptic spike
    ``k`` steps before the presynaptic one
    ``a_minus * trace_amplitude * exp(-k * dt / tau_plus)``. This is
    daspnet.m with its 1 ms delays (there the LTD of a spike is booked in the
    step of its emission with the trace of that step; here in the step of its
    arrival with the same trace).

    The dopamine of a step decays first and then takes the step's reward, and
    an update in that step already uses it (the engine's rule: a step's
    reward meets the state of that step). In daspnet.m the pulse comes after
    the step's update, so a reward in an update step reaches the weights one
    update (10 ms) later there; nothing else differs. A reward given once per
    tick (``RLNetwork.reward``) adds ``dopamine_pulse * r`` to ``d`` (zero
    rewards included); weights change only at the updates. Every
    delivered reward is replaced by ``r - rbar``, then ``rbar <- rbar +
    baseline_rate * (r - rbar)`` (``baseline_rate`` 0: no baseline). Weight and
    eligibility updates pass over all synapses (every ``update_interval``
    steps); LTP and LTD touch only synapses of neurons that spiked.

    Synaptic delays (``delay_steps`` of the weights; a neuron's plastic
    synapses share one delay ``d``, see :mod:`spikesim.engine`): the rule
    sees a spike emitted at step ``n`` arrive at step ``n + d - 1`` (the
    step before it reaches its targets, so ``n`` for ``d = 1``). Each neuron
    then has two traces: ``x`` (state ``trace``), set at its emitted spikes,
    is its postsynaptic trace (LTD reads it), and ``arrival_trace``, set at
    its arrivals, its presynaptic trace (LTP reads it); LTD comes at the
    step after the arrival, when the spike reaches its targets. So a
    presynaptic spike emitted ``k`` steps before the postsynaptic one gives
    ``c += a_plus * trace_amplitude * exp(-(k - d) * dt / tau_plus)`` when
    ``k >= d``, and the pairing rules above hold with ``k`` counted from
    the arrival. With ``d = 1`` everywhere the two traces are equal and this
    is the step above (without delays ``arrival_trace`` is not used).

    Lazy updates (``lazy_updates=True``; the compiled kernel). Between two
    syncs of a synapse its eligibility only decays, and the modulation of
    update ``k``, ``m_k = learning_rate * (tonic_da + d_k)``, is shared by
    all synapses, so the updates ``u + 1 .. n`` that a synapse synced at
    update ``u`` (eligibility ``c_u``) has missed add up in closed form:
    ``w <- clip(w + c_u * sum_{k=u+1..n} m_k * decay_c^(k-1-u), lo, hi)``,
    ``c <- c_u * decay_c^(n-u)``, with
    ``decay_c = exp(-update_interval * dt / tau_c)``. With the running sum
    ``S_n = sum_{k<=n} m_k * decay_c^(k-1)`` over the updates of an epoch
    (below) and the scaled eligibility ``e = c / decay_c^n``, which LTP and
    LTD change by their ``Δc / decay_c^n`` and which does not change at an
    update, the catch-up is ``w <- clip(w + e * (S_n - S_u), lo, hi)``:
    state ``c`` holds ``e`` and ``since`` holds ``S_u`` of every synapse.
    While the ``m_k`` keep one sign, so do the increments ``m_k * c``: the
    weight moves monotonically, and clipping once equals clipping at every
    update, so this is the pass to rounding. A synapse catches up before LTP
    changes its ``c`` and at the end of a step in which its presynaptic
    neuron fired, since the engine reads its weight to deliver that spike at
    the next step; its LTD comes at that next step, with no update in
    between, so it is up to date then. The updates form epochs: before an
    update whose modulation has the opposite sign to the epoch's (a negative
    reward), after ``epoch_length(decay_c)`` updates (``decay_c^n >= 1/16``,
    so ``e`` amplifies rounding by at most 16; at most ``MAX_EPOCH``), and
    in :meth:`sync`, every synapse catches up, ``c <- e * decay_c^n``, and a
    new epoch starts (one pass). The network calls :meth:`sync` after every
    tick, so weights and state read or written between ticks are current.
    The reference engine always runs the pass (the definition); called
    directly, the kernel needs :meth:`sync` before ``w`` or ``c`` are read.

    Izhikevich's values: ``trace_amplitude = 0.1``, ``a_plus = 1``,
    ``a_minus = -1.5``, ``tonic_da = 0.002``, ``dopamine_pulse = 0.5``,
    ``update_interval = 10``, ``dt = 1`` ms, ``learning_rate = 1``, weights
    in ``[0, 4]`` mV (inhibitory synapses frozen: ``lo == hi``), and the
    time constants of the paper, ``tau_plus = 20`` ms (its STDP window),
    ``tau_d = 200`` ms and ``tau_c = 1000`` ms (its continuous equations
    ``c' = -c / tau_c + STDP``, ``d' = -d / tau_d + DA``,
    ``s' = (0.002 + d) c``). daspnet.m's per-step factors are reproduced
    exactly by ``tau_plus = -1 / ln 0.95 = 19.496`` ms (x0.95 per ms),
    ``tau_d = -1 / ln 0.995 = 199.5`` ms (x0.995 per ms) and
    ``tau_c = -10 / ln 0.99 = 995.0`` ms (x0.99 per 10 ms). Note the shared
    default ``learning_rate = 0.01``: set 1 for the paper's scheme.

    References
    ----------
    E. M. Izhikevich (2007), Solving the distal reward problem through
    linkage of STDP and dopamine signaling. Cerebral Cortex 17(10),
    2443-2452.

    Examples
    --------
    An input spikes at step 0 and the body neuron at step 1 (LTP 0.1); a
    reward of 1 at step 2 sets ``d = 0.5``; the update after step 9 moves the
    weight by ``(0.002 + d) * c``:

    >>> import numpy as np
    >>> from spikesim.graph import build_graph
    >>> graph, w, _ = build_graph(np.array([0]), np.array([0]), np.array([1.0]),
    ...                           np.array([0.0]), np.array([4.0]), n_pre=2, n_post=1)
    >>> rule = DASTDP(learning_rate=1.0)
    >>> rule.attach(graph, n_inputs=1)
    >>> rule.reset()
    >>> for t in range(10):
    ...     spikes = np.array([t == 0, t == 1])
    ...     fired = np.flatnonzero(spikes)
    ...     r = 1.0 if t == 2 else 0.0
    ...     DASTDP.reference(rule.kernel_params(), rule.state, graph, w, spikes, fired, fired.size, 1, r)
    >>> d = 0.5 * np.exp(-7 / 200)
    >>> bool(np.isclose(w[0], 1.0 + (0.002 + d) * 0.1))
    True
    """

    PARAMS = (
        LEARNING_RATE,
        Param("a_plus", "float", 1.0, "LTP scale: c += a_plus * presynaptic trace when the postsynaptic neuron fires"),
        Param("a_minus", "float", -1.5, "LTD scale: c += a_minus * postsynaptic trace when a presynaptic spike arrives (negative: depression)"),
        Param("trace_amplitude", "float", 0.1, "value of a neuron's STDP trace right after it fires", "(0, inf)"),
        Param("tau_plus", "float", 20.0, "time constant of the neurons' STDP traces (ms); -1/ln 0.95 = 19.496 is daspnet.m's x0.95 per ms", "(0, inf)"),
        Param("tau_c", "float", 1000.0, "time constant of the eligibility c (ms)", "(0, inf)"),
        Param("tau_d", "float", 200.0, "time constant of the dopamine level d (ms)", "(0, inf)"),
        Param("tonic_da", "float", 0.002, "tonic dopamine level added to d at every weight update"),
        Param("dopamine_pulse", "float", 0.5, "dopamine a reward of 1 adds to d"),
        Param("update_interval", "int", 10, "steps between weight updates", "[1, inf)"),
        DT,
        BASELINE_RATE,
        Param("lazy_updates", "bool", False, "compiled kernel: bring each weight up to date in closed form when it is touched or read, instead of passing over all synapses at every update (the same weights to rounding)"),
    )  # fmt: skip

    def make_kernel_params(self) -> DASTDPParams:
        return DASTDPParams(
            self.learning_rate, self.a_plus, self.a_minus, self.trace_amplitude,
            math.exp(-self.dt / self.tau_plus), math.exp(-self.dt / self.tau_d),
            math.exp(-self.update_interval * self.dt / self.tau_c),
            self.tonic_da, self.dopamine_pulse, self.update_interval, self.baseline_rate, self.lazy_updates,
            epoch_length(math.exp(-self.update_interval * self.dt / self.tau_c)),
        )  # fmt: skip

    def reset(self) -> None:
        self.state = DASTDPState(
            np.zeros(self.n_pre), np.zeros(self.n_syn), np.zeros(1), np.zeros(self.n_pre, np.int64),
            np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros(1), np.zeros(self.n_pre),
            np.zeros(self.n_syn), np.zeros(1, np.int64), np.zeros(1), np.ones(1), np.zeros(1),
        )  # fmt: skip

    def state_error(self) -> str | None:
        n = self.state.prev_n[0]
        if not 0 <= n <= self.n_pre or not np.all((0 <= self.state.prev_fired[:n]) & (self.state.prev_fired[:n] < self.n_pre)):
            return f"prev_n and prev_fired must count and name presynaptic neurons (0 to {self.n_pre - 1})"
        if not 0 <= self.state.n_updates[0] <= MAX_EPOCH or not 0.0 < self.state.power[0] <= 1.0:
            return f"n_updates must count the updates of a lazy epoch (0 to {MAX_EPOCH}) and power lie in (0, 1]"
        return None

    def sync(self, graph: Graph, w: np.ndarray) -> None:
        """Bring every weight and eligibility up to date (lazy updates) and
        start a new epoch; nothing to do when none is behind."""
        if self.state.n_updates[0] > 0:
            sync_all(self.state, graph, w)

    @staticmethod
    @nb.njit
    def kernel(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        _step(p, s, graph, w, fired, n_fired, n_inputs, r, s.trace, fired, n_fired, False)

    @staticmethod
    @nb.njit
    def arrival_kernel(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, arrived, pre_fired, n_pre_fired):
        """The step with synaptic delays: the arrivals ``pre_fired`` set the
        presynaptic traces ``arrival_trace`` (LTP reads them) and are
        depressed at the next step, when they reach their targets (see
        :mod:`spikesim.engine` and the class doc)."""
        _step(p, s, graph, w, fired, n_fired, n_inputs, r, s.arrival_trace, pre_fired, n_pre_fired, True)

    @staticmethod
    def reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        _reference_step(p, s, graph, w, fired[:n_fired], n_inputs, r, s.trace, fired[:n_fired], False)

    @staticmethod
    def arrival_reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, arrived, pre_fired, n_pre_fired):
        _reference_step(p, s, graph, w, fired[:n_fired], n_inputs, r, s.arrival_trace, pre_fired[:n_pre_fired], True)

    @staticmethod
    @nb.njit
    def reward_kernel(p, s, graph, w, r):
        s.d[0] += p.pulse * reward_error(r, s.rbar, p.baseline_rate)

    @staticmethod
    def reward_reference(p, s, graph, w, r):
        s.d[0] += p.pulse * reward_error.py_func(r, s.rbar, p.baseline_rate)


@nb.njit(inline="always")  # (a call counts references to the ~30 arrays of its arguments: 0.5 us a step in W3)
def _step(p, s, graph, w, fired, n_fired, n_inputs, r, pre_trace, pre_fired, n_pre_fired, delayed):
    """One step of :class:`DASTDP`: the postsynaptic side for the body spikes
    in ``fired``, the presynaptic side for ``pre_fired`` (the spikes, or with
    delays their arrivals, which set ``pre_trace``; without delays
    ``pre_trace`` is ``s.trace`` and ``pre_fired`` is ``fired``)."""
    indptr, targets = graph.indptr, graph.targets
    col_ptr, col_syn, col_src = graph.col_ptr, graph.col_syn, graph.col_src
    trace, c, prev_fired = s.trace, s.c, s.prev_fired
    lazy = p.lazy
    scale = 1.0 / s.power[0] if lazy else 1.0  # lazy: c holds c / decay_c^n
    a_plus, a_minus = p.a_plus * scale, p.a_minus * scale
    since, total = s.since, s.total[0]
    low, high = graph.plastic_bounds[0], graph.plastic_bounds[1]
    shared = not math.isnan(low)
    for a in range(n_fired):  # LTP: traces of the previous step
        if fired[a] >= n_inputs:
            i = fired[a] - n_inputs
            column_syn, column_src = col_syn[col_ptr[i] : col_ptr[i + 1]], col_src[col_ptr[i] : col_ptr[i + 1]]
            n_plastic = graph.col_plastic[i] if lazy else 0  # (frozen synapses need no catch-up)
            for q in range(column_syn.size):  # (slices: indices known >= 0)
                k = column_syn[q]
                if q < n_plastic:  # catch up first
                    if not shared:
                        b = graph.bound_id[k]
                        low, high = graph.bound_lo[b], graph.bound_hi[b]
                    w[k] = min(max(w[k] + c[k] * (total - since[k]), low), high)
                    since[k] = total
                c[k] += a_plus * pre_trace[column_src[q]]
    for a in range(s.prev_n[0]):  # LTD: the previous step's spikes (arrivals) reach their targets
        j = prev_fired[a]
        if lazy and delayed:  # (without delays the row caught up at the spike, with no update since)
            catch_up_rows(s, graph, w, j, j + 1, False)
        row_targets, row_c = targets[indptr[j] : indptr[j + 1]], c[indptr[j] : indptr[j + 1]]
        for q in range(row_c.size):
            row_c[q] += a_minus * trace[n_inputs + row_targets[q]]
    decay = p.decay
    for j in range(trace.size):
        trace[j] *= decay
    for a in range(n_fired):
        trace[fired[a]] = p.amplitude
    if delayed:
        for j in range(pre_trace.size):
            pre_trace[j] *= decay
    for a in range(n_pre_fired):
        pre_trace[pre_fired[a]] = p.amplitude
        prev_fired[a] = pre_fired[a]
    s.prev_n[0] = n_pre_fired
    s.d[0] *= p.decay_d
    if r != 0.0:
        s.d[0] += p.pulse * reward_error(r, s.rbar, p.baseline_rate)
    s.clock[0] += 1
    if s.clock[0] % p.interval == 0:
        m = p.learning_rate * (p.tonic_da + s.d[0])
        if not lazy:
            update_weights(graph, w, c, m, 1.0, p.decay_c)
        else:
            if s.n_updates[0] == p.epoch or m * s.sign[0] < 0.0:  # a full epoch, or the modulation changes sign
                sync_all(s, graph, w)
            s.total[0] += m * s.power[0]
            s.power[0] *= p.decay_c
            s.n_updates[0] += 1
            if m != 0.0:
                s.sign[0] = 1.0 if m > 0.0 else -1.0
    if lazy:  # the step's spikes leave at the next step with these weights: caught up
        for a in range(n_fired):
            if graph.row_plastic[fired[a]] != 0:
                catch_up_rows(s, graph, w, fired[a], fired[a] + 1, False)


def _reference_step(p, s, graph, w, fired, n_inputs, r, pre_trace, pre_fired, delayed):
    """:func:`_step` in NumPy, always with the pass over all synapses."""
    ks = column_synapses(graph, fired[fired >= n_inputs] - n_inputs)
    s.c[ks] += p.a_plus * pre_trace[graph.sources[ks]]
    ks = row_synapses(graph.indptr, s.prev_fired[: s.prev_n[0]])
    s.c[ks] += p.a_minus * s.trace[n_inputs + graph.targets[ks]]
    s.trace[:] *= p.decay
    s.trace[fired] = p.amplitude
    if delayed:
        pre_trace[:] *= p.decay
    pre_trace[pre_fired] = p.amplitude
    s.prev_fired[: pre_fired.size] = pre_fired
    s.prev_n[0] = pre_fired.size
    s.d[0] *= p.decay_d
    if r != 0.0:
        s.d[0] += p.pulse * reward_error.py_func(r, s.rbar, p.baseline_rate)
    s.clock[0] += 1
    if s.clock[0] % p.interval == 0:
        w[:] = np.clip(w + p.learning_rate * (p.tonic_da + s.d[0]) * s.c, graph.lo, graph.hi)
        s.c[:] *= p.decay_c


@nb.njit
def catch_up_rows(s, graph, w, first, stop, end_epoch):
    """Catch up the synapses of presynaptic neurons ``first .. stop - 1``
    (lazy updates, see :class:`DASTDP`): ``w <- clip(w + e * (S_n - S_u),
    lo, hi)``, ``S_u <- S_n``; with ``end_epoch``, also ``c <- e *
    decay_c^n`` and ``S_u <- 0``, for a new epoch. Row by row, with the
    row's bounds when its synapses share them (a loop the compiler
    vectorises)."""
    indptr, row_bound = graph.indptr, graph.row_bound
    bound_id, bound_lo, bound_hi = graph.bound_id, graph.bound_lo, graph.bound_hi
    total, power = s.total[0], s.power[0]
    for j in range(first, stop):
        start, end = indptr[j], indptr[j + 1]
        ws, cs, since = w[start:end], s.c[start:end], s.since[start:end]
        b = row_bound[j]
        if b >= 0:
            low, high = bound_lo[b], bound_hi[b]
            for q in range(ws.size):
                ws[q] = min(max(ws[q] + cs[q] * (total - since[q]), low), high)
        else:
            ids = bound_id[start:end]
            for q in range(ws.size):
                ws[q] = bounded(ws[q] + cs[q] * (total - since[q]), bound_lo[ids[q]], bound_hi[ids[q]])
        if end_epoch:
            for q in range(ws.size):
                cs[q] *= power
                since[q] = 0.0
        else:
            for q in range(ws.size):
                since[q] = total


@nb.njit
def sync_all(s, graph, w):
    """Catch up every synapse and start a new lazy epoch: ``c <- e *
    decay_c^n``, ``S <- 0``, no update yet, sign 0 (see :class:`DASTDP`)."""
    catch_up_rows(s, graph, w, 0, graph.indptr.size - 1, True)
    s.total[0] = 0.0
    s.power[0] = 1.0
    s.n_updates[0] = 0
    s.sign[0] = 0.0
