"""Florian's (2007) reward-modulated STDP: MSTDP and MSTDPET."""
from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from spikesim.families import Synapses
from spikesim.graph import bounds_of, column_synapses, row_synapses
from spikesim.params import DT, Param
from spikesim.synapses.base import BASELINE_RATE, LEARNING_RATE, bounded, reward_error, update_weights
from spikesim.synapses.stdp import A_MINUS, A_PLUS, TAU_MINUS, TAU_PLUS

TAU_Z = Param("tau_z", "float", 25.0, "time constant of the eligibility trace z (ms)", "(0, inf)")


class MSTDPParams(NamedTuple):
    learning_rate: float
    a_plus: float
    a_minus: float
    decay_plus: float  # exp(-dt / tau_plus)
    decay_minus: float  # exp(-dt / tau_minus)
    baseline_rate: float


class MSTDPState(NamedTuple):
    p_plus: np.ndarray  # (n_pre,) P+ of every presynaptic neuron
    p_minus: np.ndarray  # (n_post,) P- of every body neuron
    last: np.ndarray  # (n_pre,) bool: the spikes of the last step (for a reward given once per tick)
    last_arrived: np.ndarray  # (n_pre,) bool: the presynaptic arrivals of the last step (the spikes without delays)
    rbar: np.ndarray  # (1,) running mean of the reward


class MSTDPETParams(NamedTuple):
    learning_rate: float
    a_plus: float
    a_minus: float
    decay_plus: float  # exp(-dt / tau_plus)
    decay_minus: float  # exp(-dt / tau_minus)
    decay_z: float  # exp(-dt / tau_z)
    zeta_gain: float  # 1 / (tau_z * decay_z): zeta enters z before the step's decay
    dt: float
    baseline_rate: float


class MSTDPETState(NamedTuple):
    p_plus: np.ndarray  # (n_pre,) P+ of every presynaptic neuron
    p_minus: np.ndarray  # (n_post,) P- of every body neuron
    z: np.ndarray  # (n_syn,) eligibility trace of every synapse
    rbar: np.ndarray  # (1,) running mean of the reward


class Florian(Synapses):
    """What MSTDP and MSTDPET share: the parameters of the STDP traces."""

    PARAMS = (LEARNING_RATE, A_PLUS, A_MINUS, TAU_PLUS, TAU_MINUS, DT, BASELINE_RATE)


@nb.njit
def _arrival_traces(p, p_plus, p_minus, pre_fired, n_pre_fired, fired, n_fired, n_inputs):
    """The traces' step, ``P+ <- P+ exp(-dt/tau+) + A+ f_j``, ``P- <- P- exp(-dt/tau-) + A- f_i``: ``f_j`` from
    the presynaptic spikes (their arrivals with synaptic delays) ``pre_fired``, ``f_i`` from the body spikes in
    ``fired``."""
    decay_plus, decay_minus, a_plus, a_minus = p.decay_plus, p.decay_minus, p.a_plus, p.a_minus
    for j in range(p_plus.size):
        p_plus[j] *= decay_plus
    for i in range(p_minus.size):
        p_minus[i] *= decay_minus
    for a in range(n_pre_fired):
        p_plus[pre_fired[a]] += a_plus
    for a in range(n_fired):
        if fired[a] >= n_inputs:
            p_minus[fired[a] - n_inputs] += a_minus


def _arrival_traces_reference(p, p_plus, p_minus, pre_fired, fired, n_inputs):
    p_plus *= p.decay_plus
    p_minus *= p.decay_minus
    p_plus[pre_fired] += p.a_plus
    p_minus[fired[fired >= n_inputs] - n_inputs] += p.a_minus


@nb.njit
def _modulate(scale, arrived, pre_fired, n_pre_fired, spikes, fired, n_fired, n_inputs, p_plus, p_minus, graph, w):
    """``w <- clip(w + scale * zeta)`` with ``zeta_ij = P+_j f_i + P-_i f_j``,
    ``f_j`` the presynaptic arrivals (``arrived``, their indices
    ``pre_fired``; the spikes without delays), ``f_i`` the body spikes of
    ``spikes`` (their indices in ``fired``), for the synapses whose pre or
    post side has an event (the others have ``zeta = 0``); one update (and
    one clip) per synapse."""
    indptr, targets = graph.indptr, graph.targets
    col_ptr, col_syn, col_src = graph.col_ptr, graph.col_syn, graph.col_src
    bound_id, bound_lo, bound_hi = graph.bound_id, graph.bound_lo, graph.bound_hi
    row_plastic, col_plastic = graph.row_plastic, graph.col_plastic
    for a in range(n_pre_fired):
        j = pre_fired[a]
        pj = p_plus[j]
        if not row_plastic[j]:  # frozen synapses cannot move
            continue
        start, stop = indptr[j], indptr[j + 1]  # slices: their indices are known >= 0
        row_targets, row_bounds, row_w = targets[start:stop], bound_id[start:stop], w[start:stop]
        for q in range(row_w.size):
            i = row_targets[q]
            zeta = p_minus[i]
            if spikes[n_inputs + i]:
                zeta += pj
            b = row_bounds[q]
            row_w[q] = bounded(row_w[q] + scale * zeta, bound_lo[b], bound_hi[b])
    for a in range(n_fired):
        if fired[a] >= n_inputs:
            i = fired[a] - n_inputs
            start, stop = col_ptr[i], col_ptr[i] + col_plastic[i]
            column_syn, column_src = col_syn[start:stop], col_src[start:stop]
            for q in range(column_syn.size):
                j = column_src[q]
                if not arrived[j]:  # synapses with both sides' events were done above
                    k = column_syn[q]
                    b = bound_id[k]
                    w[k] = bounded(w[k] + scale * p_plus[j], bound_lo[b], bound_hi[b])


def _modulate_reference(scale, arrived, pre_fired, spikes, fired, n_inputs, p_plus, p_minus, graph, w):
    post = fired[fired >= n_inputs] - n_inputs
    ks = np.union1d(row_synapses(graph.indptr, pre_fired), column_synapses(graph, post))
    pre, post = graph.sources[ks], graph.targets[ks]
    zeta = p_plus[pre] * spikes[n_inputs + post] + p_minus[post] * arrived[pre]
    w[ks] = np.clip(w[ks] + scale * zeta, *bounds_of(graph, ks))


@nb.njit
def _mstdp_step(p, s, graph, w, arrived, pre_fired, n_pre_fired, spikes, fired, n_fired, n_inputs, r):
    """One step of :class:`MSTDP`: ``f_j`` from ``arrived`` and ``pre_fired`` (the spikes, or their arrivals
    with delays), ``f_i`` from the body spikes of ``spikes`` and ``fired``."""
    _arrival_traces(p, s.p_plus, s.p_minus, pre_fired, n_pre_fired, fired, n_fired, n_inputs)
    last, last_arrived = s.last, s.last_arrived
    for j in range(last.size):
        last[j] = spikes[j]
        last_arrived[j] = arrived[j]
    if r != 0.0:
        scale = p.learning_rate * reward_error(r, s.rbar, p.baseline_rate)
        if scale != 0.0:
            _modulate(scale, arrived, pre_fired, n_pre_fired, spikes, fired, n_fired, n_inputs,
                      s.p_plus, s.p_minus, graph, w)  # fmt: skip


class MSTDP(Florian):
    r"""Florian's (2007) reward-modulated STDP without eligibility trace.

    Every presynaptic neuron ``j`` (inputs, then body neurons) has a trace
    ``P+_j``, every body neuron ``i`` a trace ``P-_i``. At each network step
    ``t``, with :math:`f_j, f_i \in \{0, 1\}` the step's spikes, first the
    traces, then the step's eligibility (the traces already holding step
    ``t``), then the weight:

    .. math::

        P^+_j &\leftarrow P^+_j\, e^{-\Delta t/\tau_+} + A_+ f_j, \qquad P^-_i \leftarrow P^-_i\, e^{-\Delta t/\tau_-} + A_- f_i
        \zeta_{ij} &= P^+_j f_i + P^-_i f_j
        w_{ij} &\leftarrow \mathrm{clip}\left(w_{ij} + \gamma\, r(t)\, \zeta_{ij},\ lo_{ij},\ hi_{ij}\right)

    (:math:`A_\pm` = ``a_plus``, ``a_minus``; :math:`\tau_\pm` = ``tau_plus``,
    ``tau_minus``; :math:`\gamma` = ``learning_rate``).

    So the reward of a step multiplies the pairings of that same step. Only
    synapses whose pre or post neuron spiked have ``zeta != 0``; they are the
    only ones touched. A step with ``r(t) == 0`` (every step of a network
    rewarded once per tick) delivers no reward: neither the weights nor the
    reward baseline move.

    A reward ``r`` given once per tick (``RLNetwork.reward``) is applied to
    the eligibility of the tick's last step, ``w <- clip(w + learning_rate *
    r * zeta)`` (the state keeps that step's spikes in ``last`` and its
    presynaptic arrivals in ``last_arrived``).

    With synaptic delays (``delay_steps``, see :mod:`spikesim.engine`),
    :math:`f_j` is the *arrival* of ``j``'s spike: a spike emitted at step
    ``n`` through plastic synapses of delay ``d_j`` steps counts at step ``n
    + d_j - 1``, the step before it reaches the postsynaptic neuron (the
    step of its emission for the default ``d_j = 1``); :math:`f_i` stays the
    emission of ``i``. A pre spike emitted at ``n`` and a post spike at
    ``m`` pair as if ``m - n - d_j + 1`` steps apart.

    Every delivered reward is replaced by its prediction error ``r - rbar``,
    and then ``rbar <- rbar + baseline_rate * (r - rbar)`` (with the default
    ``baseline_rate`` 0, ``rbar`` stays 0: no baseline).

    Florian's values: ``a_plus = 1``, ``a_minus = -1``, ``tau_plus =
    tau_minus = 20`` ms, ``dt = 1`` ms; ``learning_rate`` (gamma, mV) 0.1
    for rate-coded XOR, 0.01 for temporal XOR.

    References
    ----------
    R. V. Florian (2007), Reinforcement learning through modulation of
    spike-timing-dependent synaptic plasticity. Neural Computation 19(6),
    1468-1502.

    Examples
    --------
    An input (presynaptic 0) spikes at step 0, the body neuron (presynaptic
    1) at step 2, and the reward of step 2 is +1:

    >>> import numpy as np
    >>> from spikesim.graph import build_graph
    >>> graph, w, _ = build_graph(np.array([0]), np.array([0]), np.array([0.5]),
    ...                           np.array([0.0]), np.array([1.0]), n_pre=2, n_post=1)
    >>> rule = MSTDP(learning_rate=0.1)
    >>> rule.attach(graph, n_inputs=1)
    >>> rule.reset()
    >>> for step, r in (([True, False], 0.0), ([False, False], 0.0), ([False, True], 1.0)):
    ...     spikes = np.array(step)
    ...     fired = np.flatnonzero(spikes)
    ...     MSTDP.reference(rule.kernel_params(), rule.state, graph, w, spikes, fired, fired.size, 1, r)
    >>> round(float(w[0]), 6)  # 0.5 + 0.1 * 1 * exp(-2 / 20)
    0.590484
    """

    def make_kernel_params(self) -> MSTDPParams:
        return MSTDPParams(
            self.learning_rate, self.a_plus, self.a_minus,
            math.exp(-self.dt / self.tau_plus), math.exp(-self.dt / self.tau_minus), self.baseline_rate,
        )  # fmt: skip

    def reset(self) -> None:
        self.state = MSTDPState(
            np.zeros(self.n_pre), np.zeros(self.n_post), np.zeros(self.n_pre, np.bool_),
            np.zeros(self.n_pre, np.bool_), np.zeros(1),
        )  # fmt: skip

    @staticmethod
    @nb.njit
    def kernel(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        _mstdp_step(p, s, graph, w, spikes, fired, n_fired, spikes, fired, n_fired, n_inputs, r)

    @staticmethod
    @nb.njit
    def arrival_kernel(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, arrived, pre_fired, n_pre_fired):
        """The step with synaptic delays: ``f_j`` is the arrival of ``j``'s spike (see :mod:`spikesim.engine`)."""
        _mstdp_step(p, s, graph, w, arrived, pre_fired, n_pre_fired, spikes, fired, n_fired, n_inputs, r)

    @staticmethod
    def arrival_reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, arrived, pre_fired, n_pre_fired):
        pre, emitted = pre_fired[:n_pre_fired], fired[:n_fired]
        _arrival_traces_reference(p, s.p_plus, s.p_minus, pre, emitted, n_inputs)
        s.last[:] = spikes
        s.last_arrived[:] = arrived
        if r != 0.0:
            scale = p.learning_rate * reward_error.py_func(r, s.rbar, p.baseline_rate)
            if scale != 0.0:
                _modulate_reference(scale, arrived, pre, spikes, emitted, n_inputs, s.p_plus, s.p_minus, graph, w)

    @staticmethod
    def reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        MSTDP.arrival_reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, spikes, fired, n_fired)

    @staticmethod
    @nb.njit
    def reward_kernel(p, s, graph, w, r):
        scale = p.learning_rate * reward_error(r, s.rbar, p.baseline_rate)
        if scale != 0.0:
            fired, pre_fired = np.flatnonzero(s.last), np.flatnonzero(s.last_arrived)
            n_inputs = s.last.size - s.p_minus.size
            _modulate(scale, s.last_arrived, pre_fired, pre_fired.size, s.last, fired, fired.size, n_inputs,
                      s.p_plus, s.p_minus, graph, w)  # fmt: skip

    @staticmethod
    def reward_reference(p, s, graph, w, r):
        scale = p.learning_rate * reward_error.py_func(r, s.rbar, p.baseline_rate)
        if scale != 0.0:
            n_inputs = s.last.size - s.p_minus.size
            _modulate_reference(scale, s.last_arrived, np.flatnonzero(s.last_arrived), s.last,
                                np.flatnonzero(s.last), n_inputs, s.p_plus, s.p_minus, graph, w)  # fmt: skip


@nb.njit
def _mstdpet_step(p, s, graph, w, pre_fired, n_pre_fired, fired, n_fired, n_inputs, r):
    """One step of :class:`MSTDPET`: ``f_j`` from ``pre_fired`` (the spikes, or their arrivals with delays),
    ``f_i`` from the body spikes in ``fired``."""
    p_plus, p_minus, z = s.p_plus, s.p_minus, s.z
    indptr, targets = graph.indptr, graph.targets
    col_ptr, col_syn, col_src = graph.col_ptr, graph.col_syn, graph.col_src
    _arrival_traces(p, p_plus, p_minus, pre_fired, n_pre_fired, fired, n_fired, n_inputs)
    gain = p.zeta_gain
    for a in range(n_pre_fired):
        j = pre_fired[a]
        row_targets, row_z = targets[indptr[j] : indptr[j + 1]], z[indptr[j] : indptr[j + 1]]
        for q in range(row_z.size):
            row_z[q] += p_minus[row_targets[q]] * gain
    for a in range(n_fired):
        if fired[a] >= n_inputs:
            i = fired[a] - n_inputs
            column_syn, column_src = col_syn[col_ptr[i] : col_ptr[i + 1]], col_src[col_ptr[i] : col_ptr[i + 1]]
            for q in range(column_syn.size):
                z[column_syn[q]] += p_plus[column_src[q]] * gain
    scale = 0.0
    if r != 0.0:
        scale = p.learning_rate * p.dt * reward_error(r, s.rbar, p.baseline_rate)
    if scale == 0.0:
        decay = p.decay_z
        for k in range(z.size):
            z[k] *= decay
    else:
        update_weights(graph, w, z, scale, p.decay_z, 1.0)


class MSTDPET(Florian):
    r"""Florian's (2007) reward-modulated STDP with an eligibility trace.

    The traces and the step's eligibility are those of
    :class:`MSTDP`; at each network step ``t`` every synapse's eligibility
    trace :math:`z_{ij}` (time constant :math:`\tau_z` = ``tau_z``) takes them
    in, and the reward meets it:

    .. math::

        P^+_j &\leftarrow P^+_j\, e^{-\Delta t/\tau_+} + A_+ f_j, \qquad P^-_i \leftarrow P^-_i\, e^{-\Delta t/\tau_-} + A_- f_i
        \zeta_{ij} &= P^+_j f_i + P^-_i f_j
        z_{ij} &\leftarrow e^{-\Delta t/\tau_z} z_{ij} + \zeta_{ij} / \tau_z
        w_{ij} &\leftarrow \mathrm{clip}\left(w_{ij} + \gamma\, \Delta t\, r(t)\, z_{ij},\ lo_{ij},\ hi_{ij}\right)

    (Computed as ``z <- (z + zeta / (tau_z exp(-dt / tau_z))) exp(-dt /
    tau_z)``: the same value, in one pass over the synapses with the weight
    update.) The reward of a step meets a ``z`` that already holds that step's
    pairing, and a later reward still finds it in ``z`` (decayed by
    ``exp(-dt / tau_z)`` per step). ``z`` decays at every synapse every step,
    so each step passes once over all synapses. A step with ``r(t) == 0``
    (every step of a network rewarded once per tick) delivers no reward:
    neither the weights nor the reward baseline move.

    A reward ``r`` given once per tick (``RLNetwork.reward``) applies
    ``w <- clip(w + learning_rate * dt * r * z)`` with the current ``z``.

    Every delivered reward is replaced by its prediction error ``r - rbar``,
    and then ``rbar <- rbar + baseline_rate * (r - rbar)`` (with the default
    ``baseline_rate`` 0, ``rbar`` stays 0: no baseline).

    Florian's values: ``a_plus = 1``, ``a_minus = -1``, ``tau_plus =
    tau_minus = 20`` ms, ``tau_z = 25`` ms, ``dt = 1`` ms; ``learning_rate``
    (gamma, mV) 0.625 for rate-coded XOR, 0.25 for temporal XOR.

    References
    ----------
    R. V. Florian (2007), Reinforcement learning through modulation of
    spike-timing-dependent synaptic plasticity. Neural Computation 19(6),
    1468-1502.

    Examples
    --------
    An input spikes at step 0, the body neuron at step 2, and the reward
    comes at step 4:

    >>> import numpy as np
    >>> from spikesim.graph import build_graph
    >>> graph, w, _ = build_graph(np.array([0]), np.array([0]), np.array([0.5]),
    ...                           np.array([0.0]), np.array([1.0]), n_pre=2, n_post=1)
    >>> rule = MSTDPET(learning_rate=0.625)
    >>> rule.attach(graph, n_inputs=1)
    >>> rule.reset()
    >>> steps = [[True, False], [False, False], [False, True], [False, False], [False, False]]
    >>> for t, step in enumerate(steps):
    ...     spikes = np.array(step)
    ...     fired = np.flatnonzero(spikes)
    ...     r = 1.0 if t == 4 else 0.0
    ...     MSTDPET.reference(rule.kernel_params(), rule.state, graph, w, spikes, fired, fired.size, 1, r)
    >>> z = np.exp(-2 / 20) / 25 * np.exp(-2 / 25)  # the pairing of step 2, two steps later
    >>> bool(np.isclose(w[0], 0.5 + 0.625 * z))
    True
    """

    PARAMS = (TAU_Z,)

    def make_kernel_params(self) -> MSTDPETParams:
        decay_z = math.exp(-self.dt / self.tau_z)
        if decay_z == 0.0:
            raise self.error("tau_z", f"a time constant above dt / 700 ({self.dt / 700:g} ms)", repr(self.tau_z))
        return MSTDPETParams(
            self.learning_rate, self.a_plus, self.a_minus,
            math.exp(-self.dt / self.tau_plus), math.exp(-self.dt / self.tau_minus),
            decay_z, 1.0 / (self.tau_z * decay_z), self.dt, self.baseline_rate,
        )  # fmt: skip

    def reset(self) -> None:
        self.state = MSTDPETState(np.zeros(self.n_pre), np.zeros(self.n_post), np.zeros(self.n_syn), np.zeros(1))

    @staticmethod
    @nb.njit
    def kernel(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        _mstdpet_step(p, s, graph, w, fired, n_fired, fired, n_fired, n_inputs, r)

    @staticmethod
    @nb.njit
    def arrival_kernel(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, arrived, pre_fired, n_pre_fired):
        """The step with synaptic delays: ``f_j`` is the arrival of ``j``'s spike (see :mod:`spikesim.engine`)."""
        _mstdpet_step(p, s, graph, w, pre_fired, n_pre_fired, fired, n_fired, n_inputs, r)

    @staticmethod
    def arrival_reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, arrived, pre_fired, n_pre_fired):
        _arrival_traces_reference(p, s.p_plus, s.p_minus, pre_fired[:n_pre_fired], fired[:n_fired], n_inputs)
        pre, post = graph.sources, graph.targets
        z = s.z
        z += s.p_minus[post] * p.zeta_gain * arrived[pre]  # the kernel's order of additions
        z += s.p_plus[pre] * p.zeta_gain * spikes[n_inputs + post]
        z *= p.decay_z
        if r != 0.0:
            scale = p.learning_rate * p.dt * reward_error.py_func(r, s.rbar, p.baseline_rate)
            if scale != 0.0:
                w[:] = np.clip(w + scale * s.z, graph.lo, graph.hi)

    @staticmethod
    def reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r):
        MSTDPET.arrival_reference(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, spikes, fired, n_fired)

    @staticmethod
    @nb.njit
    def reward_kernel(p, s, graph, w, r):
        scale = p.learning_rate * p.dt * reward_error(r, s.rbar, p.baseline_rate)
        if scale != 0.0:
            update_weights(graph, w, s.z, scale, 1.0, 1.0)

    @staticmethod
    def reward_reference(p, s, graph, w, r):
        scale = p.learning_rate * p.dt * reward_error.py_func(r, s.rbar, p.baseline_rate)
        if scale != 0.0:
            w[:] = np.clip(w + scale * s.z, graph.lo, graph.hi)
