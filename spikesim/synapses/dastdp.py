"""Izhikevich's (2007) dopamine-modulated STDP."""
from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from spikesim.families import Synapses
from spikesim.graph import column_synapses, row_synapses
from spikesim.params import DT, Param
from spikesim.synapses.base import BASELINE_RATE, LEARNING_RATE, reward_error, update_weights


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


class DASTDPState(NamedTuple):
    trace: np.ndarray  # (n_pre,) STDP trace of every neuron, inputs then body neurons
    c: np.ndarray  # (n_syn,) eligibility of every synapse
    d: np.ndarray  # (1,) dopamine level (above the tonic level)
    prev_fired: np.ndarray  # (n_pre,) int64: the neurons that spiked in the previous step ...
    prev_n: np.ndarray  # (1,) int64: ... and how many
    clock: np.ndarray  # (1,) int64: steps since reset
    rbar: np.ndarray  # (1,) running mean of the reward


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
    )  # fmt: skip

    def make_kernel_params(self) -> DASTDPParams:
        return DASTDPParams(
            self.learning_rate, self.a_plus, self.a_minus, self.trace_amplitude,
            math.exp(-self.dt / self.tau_plus), math.exp(-self.dt / self.tau_d),
            math.exp(-self.update_interval * self.dt / self.tau_c),
            self.tonic_da, self.dopamine_pulse, self.update_interval, self.baseline_rate,
        )  # fmt: skip

    def reset(self) -> None:
        self.state = DASTDPState(
            np.zeros(self.n_pre), np.zeros(self.n_syn), np.zeros(1), np.zeros(self.n_pre, np.int64),
            np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros(1),
        )  # fmt: skip

    def state_error(self) -> str | None:
        n = self.state.prev_n[0]
        if not 0 <= n <= self.n_pre or not np.all((0 <= self.state.prev_fired[:n]) & (self.state.prev_fired[:n] < self.n_pre)):
            return f"prev_n and prev_fired must count and name presynaptic neurons (0 to {self.n_pre - 1})"
        return None

    @staticmethod
    @nb.njit
    def kernel(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        indptr, targets = graph.indptr, graph.targets
        col_ptr, col_syn, col_src = graph.col_ptr, graph.col_syn, graph.col_src
        trace, c, prev_fired = s.trace, s.c, s.prev_fired
        a_plus, a_minus = p.a_plus, p.a_minus
        for a in range(n_fired):  # LTP: traces of the previous step
            if fired[a] >= n_inputs:
                i = fired[a] - n_inputs
                column_syn, column_src = col_syn[col_ptr[i] : col_ptr[i + 1]], col_src[col_ptr[i] : col_ptr[i + 1]]
                for q in range(column_syn.size):  # (slices: indices known >= 0)
                    c[column_syn[q]] += a_plus * trace[column_src[q]]
        for a in range(s.prev_n[0]):  # LTD: the previous step's spikes arrive
            j = prev_fired[a]
            row_targets, row_c = targets[indptr[j] : indptr[j + 1]], c[indptr[j] : indptr[j + 1]]
            for q in range(row_c.size):
                row_c[q] += a_minus * trace[n_inputs + row_targets[q]]
        decay = p.decay
        for j in range(trace.size):
            trace[j] *= decay
        for a in range(n_fired):
            trace[fired[a]] = p.amplitude
            prev_fired[a] = fired[a]
        s.prev_n[0] = n_fired
        s.d[0] *= p.decay_d
        if r != 0.0:
            s.d[0] += p.pulse * reward_error(r, s.rbar, p.baseline_rate)
        s.clock[0] += 1
        if s.clock[0] % p.interval == 0:
            update_weights(graph, w, c, p.learning_rate * (p.tonic_da + s.d[0]), 1.0, p.decay_c)

    @staticmethod
    def reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        fired = fired[:n_fired]
        ks = column_synapses(graph, fired[fired >= n_inputs] - n_inputs)
        s.c[ks] += p.a_plus * s.trace[graph.sources[ks]]
        ks = row_synapses(graph.indptr, s.prev_fired[: s.prev_n[0]])
        s.c[ks] += p.a_minus * s.trace[n_inputs + graph.targets[ks]]
        s.trace[:] *= p.decay
        s.trace[fired] = p.amplitude
        s.prev_fired[:n_fired] = fired
        s.prev_n[0] = n_fired
        s.d[0] *= p.decay_d
        if r != 0.0:
            s.d[0] += p.pulse * reward_error.py_func(r, s.rbar, p.baseline_rate)
        s.clock[0] += 1
        if s.clock[0] % p.interval == 0:
            w[:] = np.clip(w + p.learning_rate * (p.tonic_da + s.d[0]) * s.c, graph.lo, graph.hi)
            s.c[:] *= p.decay_c

    @staticmethod
    @nb.njit
    def reward_kernel(p, s, graph, w, r):
        s.d[0] += p.pulse * reward_error(r, s.rbar, p.baseline_rate)

    @staticmethod
    def reward_reference(p, s, graph, w, r):
        s.d[0] += p.pulse * reward_error.py_func(r, s.rbar, p.baseline_rate)
