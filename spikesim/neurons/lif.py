"""Leaky integrate-and-fire neurons (potentials in mV, time in ms).

:class:`LIF` is the deterministic neuron of Florian (2007): a presynaptic
spike moves the potential at once. :class:`CurrentLIF` and :class:`AlphaLIF`
filter the spikes through an exponential or an alpha-shaped synaptic current.
All three integrate their equations exactly over a step of ``dt`` (the
sub-threshold dynamics are linear), so the step size only decides when
spikes are seen, not how the potential moves between them.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from spikesim.families import Neurons
from spikesim.neurons.background import (
    BACKGROUND, add_background, add_background_parallel, add_background_reference, background_table,
)
from spikesim.params import DT, Param

# Keys shared by the leaky neurons (also by spikesim.neurons.escape).
TAU_M = Param("tau_m", "float", 20.0, "membrane time constant (ms)", "(0, inf)")
RESTING_MV = Param("resting_mv", "float", -70.0, "resting potential (mV), where the potential relaxes without input")
FIRING_THRESHOLD = Param("firing_threshold", "float", -54.0, "potential (mV) above which a neuron fires")
RESET_MV = Param("reset_mv", "float", -70.0, "potential (mV) a neuron takes after a spike")
REFRACTORY_PERIOD = Param(
    "refractory_period", "int", 0,
    "steps after a spike during which the potential stays at reset_mv and input is ignored", "[0, inf)",
)  # fmt: skip
BIAS = Param("bias", "float", 0.0, "steady depolarisation (mV) a constant input current gives, R * I")
INITIAL_MV = Param(
    "initial_mv", "any", None,
    "potential (mV) at reset: None (resting_mv), a number, or 'uniform' (drawn in [reset_mv, firing_threshold))",
)  # fmt: skip
TAU_SYN = Param("tau_syn", "float", 5.0, "synaptic current time constant (ms)", "(0, inf)")


def check_initial_mv(part: Neurons) -> None:
    """Validate ``initial_mv`` (None, a finite number or ``"uniform"``)."""
    value = part.initial_mv
    if value is None:
        return
    if isinstance(value, str):
        if value != "uniform":
            raise part.error("initial_mv", "None, a number or 'uniform'", repr(value))
        if not part.reset_mv < part.firing_threshold:
            raise part.error(
                "initial_mv", "'uniform' only with reset_mv below firing_threshold",
                f"reset_mv {part.reset_mv!r}, firing_threshold {part.firing_threshold!r}",
            )  # fmt: skip
        return
    number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not number or not math.isfinite(value):
        raise part.error("initial_mv", "None, a number or 'uniform'", repr(value))


def initial_potential(part: Neurons) -> np.ndarray:
    """The potentials at reset, from ``initial_mv`` (``"uniform"`` draws
    ``n_neurons`` values from the part's generator)."""
    n = part.n_neurons
    value = part.initial_mv
    if value is None:
        return np.full(n, float(part.resting_mv))
    if isinstance(value, str):
        return part.rng.uniform(part.reset_mv, part.firing_threshold, n)
    return np.full(n, float(value))


@nb.njit
def settle(x, fire, timer, reset, period):
    """``(v, timer, spike)`` of one neuron after a step that brought its
    potential to ``x``: a refractory neuron (``timer > 0``) counts down and
    stays at ``reset``; one that fires resets and turns refractory for
    ``period`` steps; any other keeps ``x``."""
    if timer > 0:
        return reset, timer - 1, False
    if fire:
        return reset, period, True
    return x, timer, False


def settle_reference(p, s, v: np.ndarray, fire: np.ndarray, out: np.ndarray) -> None:
    """:func:`settle` for all neurons at once (NumPy engine)."""
    refractory = s.timer > 0
    s.timer[refractory] -= 1
    fire &= ~refractory
    v[refractory | fire] = p.reset_mv
    s.v[:] = v
    s.timer[fire] = p.refractory_period
    out[:] = fire


def _lif_update(p, s, current, out):
    """:class:`LIF`'s step after the background: each neuron on its own, so
    compiled serial (:func:`_lif_serial`, ``prange`` is ``range``) and
    parallel (:func:`_lif_parallel`) with the same results."""
    rest = p.resting_mv
    keep = p.keep
    drive = p.drive
    threshold = p.firing_threshold
    reset = p.reset_mv
    period = p.refractory_period
    v = s.v
    timer = s.timer
    for i in nb.prange(v.size):
        x = rest + keep * (v[i] - rest) + drive + current[i]
        v[i], timer[i], out[i] = settle(x, x > threshold, timer[i], reset, period)


_lif_serial = nb.njit(_lif_update)
_lif_parallel = nb.njit(parallel=True)(_lif_update)


def _psp_coefficients(dt: float, tau_m: float, tau_syn: float) -> tuple[float, float]:
    """Over one step, the potential gained from a synaptic current that
    starts at 1 and decays with ``tau_syn`` (``c1``), and from one that is
    ``e * s / tau_syn * exp(-s / tau_syn)`` at time ``s`` into the step
    (``c2``), for a membrane with ``tau_m``::

        c1 = (1 / tau_m) int_0^dt exp(-(dt - s) / tau_m) exp(-s / tau_syn) ds
        c2 = (e / (tau_m tau_syn)) int_0^dt exp(-(dt - s) / tau_m) s exp(-s / tau_syn) ds

    Evaluated without cancellation when ``tau_syn`` is close to ``tau_m``
    and without overflow when they differ by orders of magnitude."""
    k_m = math.exp(-dt / tau_m)
    k_syn = math.exp(-dt / tau_syn)
    alpha = 1.0 / tau_syn - 1.0 / tau_m
    y = alpha * dt
    if abs(y) < 0.25:
        # c1 = k_m / tau_m * dt * (1 - exp(-y)) / y
        # c2 = e k_m / (tau_m tau_syn) * dt^2 * (1 - exp(-y) (1 + y)) / y^2, the fraction as its series
        # sum_{k>=2} (-1)^k (k - 1) y^(k-2) / k!, to k = 16
        first = dt if y == 0.0 else dt * (-math.expm1(-y)) / y
        second = 0.0
        term = 1.0  # (-y)^(k-2)
        factorial = 1.0
        for k in range(2, 17):
            factorial *= k
            second += (k - 1) * term / factorial
            term *= -y
        c1 = k_m * first / tau_m
        c2 = math.e * k_m * dt * dt * second / (tau_m * tau_syn)
    else:
        # the same with k_m exp(-y) = k_syn
        c1 = tau_syn / (tau_syn - tau_m) * (k_syn - k_m)
        c2 = math.e * (k_m - k_syn * (1.0 + y)) / (tau_m * tau_syn * alpha * alpha)
    return c1, c2


class LIFParams(NamedTuple):
    resting_mv: float
    keep: float  # exp(-dt / tau_m)
    drive: float  # (1 - keep) * bias
    firing_threshold: float
    reset_mv: float
    refractory_period: int
    bg_prob: np.ndarray  # background input: alias table (spikesim.neurons.background)
    bg_alias: np.ndarray
    bg_mv: float


class LIFState(NamedTuple):
    v: np.ndarray  # (n,) potential (mV)
    timer: np.ndarray  # (n,) int64 refractory steps left


class LIF(Neurons):
    r"""Deterministic leaky integrate-and-fire neuron (Florian 2007).

    The potential ``v`` (Florian's ``u``, in mV) follows, in continuous
    time between spikes, with :math:`J(t)` the instantaneous jumps of the
    incoming spikes, :math:`E_L` = ``resting_mv`` and :math:`b` = ``bias``:

    .. math::

        \tau_m \frac{dv}{dt} = -(v - E_L) + b + \tau_m J(t)

    integrated exactly over a step of :math:`\Delta t` = ``dt``; each step,
    with :math:`I` the input of the step (the weighted spikes of the
    previous step, in mV):

    .. math::

        v \leftarrow E_L + e^{-\Delta t/\tau_m} (v - E_L) + (1 - e^{-\Delta t/\tau_m})\, b + I

    A neuron fires when ``v > firing_threshold`` (strictly), then
    ``v <- reset_mv`` and, for the next ``refractory_period`` steps, its
    potential stays at ``reset_mv`` and its input is ignored. ``bias`` is
    the steady depolarisation of a constant input current (``R * I``):
    without spikes ``v`` relaxes to ``resting_mv + bias``.

    With the defaults (``dt`` 1 ms, ``tau_m`` 20 ms, rest and reset at
    -70 mV, threshold -54 mV, no refractory period, no bias) this is the
    neuron of Florian's simulations. Under a constant ``bias`` above
    ``firing_threshold - resting_mv`` a neuron fires every
    ``refractory_period + floor(T / dt) + 1`` steps (after the first spike),
    ``T = tau_m ln((bias - reset_mv + resting_mv) / (bias - firing_threshold + resting_mv))``
    being the continuous-time interval from reset to threshold.

    The potentials start at ``initial_mv``: ``resting_mv`` (None), a
    number, or ``"uniform"``, drawn uniformly in ``[reset_mv,
    firing_threshold)`` from the network's generator at every reset.

    An external Poisson background (``background_sources``,
    ``background_rate``, ``background_mv``; see
    :mod:`spikesim.neurons.background`) adds ``background_mv * k``,
    ``k ~ Binomial(background_sources, background_rate)``, to every
    neuron's input ``I`` at every step.

    Examples
    --------
    >>> n = LIF(n_neurons=2)
    >>> n.reset(); spikes = np.zeros(2, bool)
    >>> LIF.reference(n.kernel_params(), n.state, np.array([15.0, 17.0]), n.rng, spikes)
    >>> spikes.tolist(), n.state.v.tolist()
    ([False, True], [-55.0, -70.0])
    """

    PARAMS = (DT, TAU_M, RESTING_MV, FIRING_THRESHOLD, RESET_MV, REFRACTORY_PERIOD, BIAS, INITIAL_MV, *BACKGROUND)

    def check(self) -> None:
        if not self.reset_mv < self.firing_threshold:
            raise self.error(
                "reset_mv", f"a potential below firing_threshold ({self.firing_threshold!r})", repr(self.reset_mv)
            )
        check_initial_mv(self)

    def make_kernel_params(self) -> LIFParams:
        keep = math.exp(-self.dt / self.tau_m)
        return LIFParams(
            float(self.resting_mv), keep, (1.0 - keep) * self.bias, float(self.firing_threshold),
            float(self.reset_mv), int(self.refractory_period), *background_table(self),
        )  # fmt: skip

    def reset(self) -> None:
        self.state = LIFState(initial_potential(self), np.zeros(self.n_neurons, np.int64))

    @staticmethod
    @nb.njit
    def kernel(p, s, current, rng, out):
        add_background(rng, p.bg_prob, p.bg_alias, p.bg_mv, current)
        _lif_serial(p, s, current, out)

    @staticmethod
    @nb.njit
    def parallel_kernel(p, s, current, rng, out):
        """:meth:`kernel` on Numba's threads (the network's ``threads``): the
        background drawn serially from ``rng``, then the neurons updated in
        parallel; the same spikes and potentials bit for bit."""
        add_background_parallel(rng, p.bg_prob, p.bg_alias, p.bg_mv, current)
        _lif_parallel(p, s, current, out)

    @staticmethod
    def reference(p, s, current, rng, out):
        add_background_reference(rng, p.bg_prob, p.bg_alias, p.bg_mv, current)
        v = p.resting_mv + p.keep * (s.v - p.resting_mv) + p.drive + current
        settle_reference(p, s, v, v > p.firing_threshold, out)


class CurrentLIFParams(NamedTuple):
    resting_mv: float
    keep: float  # exp(-dt / tau_m)
    drive: float  # (1 - keep) * bias
    firing_threshold: float
    reset_mv: float
    refractory_period: int
    bg_prob: np.ndarray  # background input, as in LIFParams
    bg_alias: np.ndarray
    bg_mv: float
    syn_keep: float  # exp(-dt / tau_syn)
    couple: float  # c1: potential gained over a step from a unit synaptic current


class CurrentLIFState(NamedTuple):
    v: np.ndarray  # (n,) potential (mV)
    i_syn: np.ndarray  # (n,) synaptic current (mV: the depolarisation it would hold)
    timer: np.ndarray  # (n,) int64 refractory steps left


class CurrentLIF(LIF):
    r"""Leaky integrate-and-fire neuron with an exponential synaptic current.

    A spike of weight ``w`` makes the synaptic current jump by ``w`` (mV:
    the depolarisation the current would hold if it stayed); the current
    decays with ``tau_syn`` and the potential relaxes toward ``resting_mv +
    bias + i_syn``. In continuous time, with :math:`t_k` the arrival times,
    :math:`E_L` = ``resting_mv``, :math:`b` = ``bias``, :math:`i` = ``i_syn``:

    .. math::

        \tau_{syn} \frac{di}{dt} &= -i + \tau_{syn} \textstyle\sum_k w_k\, \delta(t - t_k)
        \tau_m \frac{dv}{dt} &= -(v - E_L) + b + i

    The state after step ``n`` holds the values at ``t_n = n dt``, just after
    the step's input arrived: the step first advances the state from
    ``t_{n-1}`` to ``t_n``, integrating both equations exactly, then adds the
    step's input ``I`` (the weighted spikes of the previous step) to the
    current:

    .. math::

        v &\leftarrow E_L + k_m (v - E_L) + (1 - k_m)\, b + c_1 i
        i &\leftarrow k_{syn}\, i + I

    with :math:`k_m = e^{-\Delta t/\tau_m}`, :math:`k_{syn} = e^{-\Delta t/\tau_{syn}}` and
    :math:`c_1 = \frac{\tau_{syn}}{\tau_{syn} - \tau_m} (k_{syn} - k_m)` (:math:`\frac{\Delta t}{\tau_m} k_m`
    when the two constants are equal). An input ``w`` alone at step 0 thus
    gives, at every later step ``n``, :math:`i = w\, k_{syn}^n` and the
    difference-of-exponentials potential:

    .. math::

        v - E_L = \frac{w\, \tau_{syn}}{\tau_{syn} - \tau_m} \left(e^{-n \Delta t/\tau_{syn}} - e^{-n \Delta t/\tau_m}\right)

    exactly (the potential first moves at step 1: in a network, two steps
    after the presynaptic spike, where :class:`LIF` moves at once). Firing,
    reset and refractory period are those of :class:`LIF`
    (``v > firing_threshold``); during the refractory period the potential
    stays at ``reset_mv`` while the synaptic current keeps integrating its
    input (synapses are not refractory). The background input, as in
    :class:`LIF`, adds to the step's input ``I``.

    Examples
    --------
    >>> n = CurrentLIF(n_neurons=1, tau_m=10.0, tau_syn=10.0)
    >>> n.reset(); spikes = np.zeros(1, bool)
    >>> for I in (1.0, 0.0):
    ...     CurrentLIF.reference(n.kernel_params(), n.state, np.array([I]), n.rng, spikes)
    >>> round(float(n.state.v[0]) + 70.0, 6)  # w (dt/tau) exp(-dt/tau)
    0.090484
    """

    PARAMS = (TAU_SYN,)

    def make_kernel_params(self) -> CurrentLIFParams:
        lif = LIF.make_kernel_params(self)
        couple, _ = _psp_coefficients(self.dt, self.tau_m, self.tau_syn)
        return CurrentLIFParams(*lif, math.exp(-self.dt / self.tau_syn), couple)

    def reset(self) -> None:
        n = self.n_neurons
        self.state = CurrentLIFState(initial_potential(self), np.zeros(n), np.zeros(n, np.int64))

    @staticmethod
    @nb.njit
    def kernel(p, s, current, rng, out):
        add_background(rng, p.bg_prob, p.bg_alias, p.bg_mv, current)
        rest = p.resting_mv
        keep = p.keep
        drive = p.drive
        threshold = p.firing_threshold
        reset = p.reset_mv
        period = p.refractory_period
        syn_keep = p.syn_keep
        couple = p.couple
        v = s.v
        i_syn = s.i_syn
        timer = s.timer
        for i in range(v.size):
            x = rest + keep * (v[i] - rest) + drive + couple * i_syn[i]
            i_syn[i] = syn_keep * i_syn[i] + current[i]
            v[i], timer[i], out[i] = settle(x, x > threshold, timer[i], reset, period)

    @staticmethod
    def reference(p, s, current, rng, out):
        add_background_reference(rng, p.bg_prob, p.bg_alias, p.bg_mv, current)
        v = p.resting_mv + p.keep * (s.v - p.resting_mv) + p.drive + p.couple * s.i_syn
        s.i_syn[:] = p.syn_keep * s.i_syn + current
        settle_reference(p, s, v, v > p.firing_threshold, out)


class AlphaLIFParams(NamedTuple):
    resting_mv: float
    keep: float  # exp(-dt / tau_m)
    drive: float  # (1 - keep) * bias
    firing_threshold: float
    reset_mv: float
    refractory_period: int
    bg_prob: np.ndarray  # background input, as in LIFParams
    bg_alias: np.ndarray
    bg_mv: float
    syn_keep: float  # exp(-dt / tau_syn)
    couple: float  # c1: potential gained over a step from i_syn
    couple_rise: float  # c2: potential gained over a step from x
    rise: float  # e * dt / tau_syn * exp(-dt / tau_syn): i_syn gained over a step from x


class AlphaLIFState(NamedTuple):
    v: np.ndarray  # (n,) potential (mV)
    i_syn: np.ndarray  # (n,) alpha-shaped synaptic current (mV)
    x: np.ndarray  # (n,) the exponential that drives it (mV)
    timer: np.ndarray  # (n,) int64 refractory steps left


class AlphaLIF(CurrentLIF):
    r"""Leaky integrate-and-fire neuron with an alpha-shaped synaptic current.

    A spike of weight ``w`` arriving at time 0 gives the synaptic current
    ``i_syn(t) = w (t/tau_syn) exp(1 - t/tau_syn)``: it rises from 0, peaks
    at ``w`` when ``t = tau_syn`` and decays. It is made of two exponential
    state variables; in continuous time, with :math:`t_k` the arrival times
    (symbols as in :class:`CurrentLIF`):

    .. math::

        \tau_{syn} \frac{dx}{dt} &= -x + \tau_{syn} \textstyle\sum_k w_k\, \delta(t - t_k)
        \tau_{syn} \frac{di}{dt} &= -i + e\, x
        \tau_m \frac{dv}{dt} &= -(v - E_L) + b + i

    As in :class:`CurrentLIF`, each step advances the state by ``dt``
    exactly, then adds the step's input :math:`I` to :math:`x`:

    .. math::

        v &\leftarrow E_L + k_m (v - E_L) + (1 - k_m)\, b + c_1 i + c_2 x
        i &\leftarrow k_{syn}\, i + e \tfrac{\Delta t}{\tau_{syn}} k_{syn}\, x
        x &\leftarrow k_{syn}\, x + I

    with :math:`k_m`, :math:`k_{syn}` and :math:`c_1` as in :class:`CurrentLIF` and
    :math:`c_2 = \frac{e}{\tau_m \tau_{syn}} k_m J(\Delta t)`,
    :math:`J(t) = \int_0^t s\, e^{-(1/\tau_{syn} - 1/\tau_m) s} ds`. An input ``w``
    alone at step 0 gives at every later step ``n``, exactly:

    .. math::

        i &= w \tfrac{n \Delta t}{\tau_{syn}} e^{1 - n \Delta t/\tau_{syn}}
        v - E_L &= \frac{w\, e}{\tau_m \tau_{syn}} e^{-n \Delta t/\tau_m} J(n \Delta t)

    Firing, reset, refractory period and background input are those of
    :class:`CurrentLIF`.

    Examples
    --------
    >>> n = AlphaLIF(n_neurons=1, tau_syn=2.0)
    >>> n.reset(); spikes = np.zeros(1, bool)
    >>> peak = []
    >>> for I in (1.0, 0.0, 0.0):
    ...     AlphaLIF.reference(n.kernel_params(), n.state, np.array([I]), n.rng, spikes)
    ...     peak.append(round(float(n.state.i_syn[0]), 6))
    >>> peak  # the current peaks at w when t = tau_syn
    [0.0, 0.824361, 1.0]
    """

    def make_kernel_params(self) -> AlphaLIFParams:
        lif = LIF.make_kernel_params(self)
        couple, couple_rise = _psp_coefficients(self.dt, self.tau_m, self.tau_syn)
        syn_keep = math.exp(-self.dt / self.tau_syn)
        rise = math.e * self.dt / self.tau_syn * syn_keep
        return AlphaLIFParams(*lif, syn_keep, couple, couple_rise, rise)

    def reset(self) -> None:
        n = self.n_neurons
        self.state = AlphaLIFState(initial_potential(self), np.zeros(n), np.zeros(n), np.zeros(n, np.int64))

    @staticmethod
    @nb.njit
    def kernel(p, s, current, rng, out):
        add_background(rng, p.bg_prob, p.bg_alias, p.bg_mv, current)
        rest = p.resting_mv
        keep = p.keep
        drive = p.drive
        threshold = p.firing_threshold
        reset = p.reset_mv
        period = p.refractory_period
        syn_keep = p.syn_keep
        couple = p.couple
        couple_rise = p.couple_rise
        rise = p.rise
        v = s.v
        i_syn = s.i_syn
        xs = s.x
        timer = s.timer
        for i in range(v.size):
            x = xs[i]
            u = rest + keep * (v[i] - rest) + drive + couple * i_syn[i] + couple_rise * x
            i_syn[i] = syn_keep * i_syn[i] + rise * x
            xs[i] = syn_keep * x + current[i]
            v[i], timer[i], out[i] = settle(u, u > threshold, timer[i], reset, period)

    @staticmethod
    def reference(p, s, current, rng, out):
        add_background_reference(rng, p.bg_prob, p.bg_alias, p.bg_mv, current)
        v = p.resting_mv + p.keep * (s.v - p.resting_mv) + p.drive + p.couple * s.i_syn + p.couple_rise * s.x
        s.i_syn[:] = p.syn_keep * s.i_syn + p.rise * s.x
        s.x[:] = p.syn_keep * s.x + current
        settle_reference(p, s, v, v > p.firing_threshold, out)
