"""Conductance-based leaky integrate-and-fire neuron (potentials in mV, time in ms).

:class:`ConductanceLIF` is the neuron of the Vogels-Abbott (2005) "COBA"
network: excitatory and inhibitory synaptic conductances that jump at a
spike and decay exponentially, each pulling the potential toward its
reversal potential. Conductances are in units of the leak conductance, so
they and the weights that raise them are numbers without unit (a weight of
0.4 with a leak of 10 nS is 4 nS).
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from spikesim.families import Neurons
from spikesim.neurons.lif import (
    BIAS,
    FIRING_THRESHOLD,
    INITIAL_MV,
    RESET_MV,
    RESTING_MV,
    TAU_M,
    check_initial_mv,
    initial_potential,
)
from spikesim.params import DT, Param

TAU_E = Param("tau_e", "float", 5.0, "decay time constant of the excitatory conductance (ms)", "(0, inf)")
TAU_I = Param("tau_i", "float", 10.0, "decay time constant of the inhibitory conductance (ms)", "(0, inf)")
EXC_REVERSAL_MV = Param("exc_reversal_mv", "float", 0.0, "reversal potential of the excitatory conductance (mV)")
INH_REVERSAL_MV = Param("inh_reversal_mv", "float", -80.0, "reversal potential of the inhibitory conductance (mV)")
REFRACTORY_MS = Param(
    "refractory_ms", "float", 0.0,
    "refractory period (ms, a whole number of steps dt): the potential stays at reset_mv from the spike until then",
    "[0, inf)",
)  # fmt: skip
INTEGRATION = Param(
    "integration", "str", "euler",
    "potential update: forward Euler, or exact for the conductances held over the step",
    choices=("euler", "exponential"),
)  # fmt: skip


#: The refractory counter is 32-bit (less memory to stream through the neuron update).
MAX_REFRACTORY_STEPS = 2**31 - 1


def refractory_steps(part: Neurons) -> int:
    """``refractory_ms / dt`` as a whole number of steps; a ConfigError naming
    ``refractory_ms`` when it is not one (to 1e-9 of a step)."""
    steps = part.refractory_ms / part.dt
    whole = round(steps)
    if abs(steps - whole) > 1e-9 * max(1.0, steps):
        raise part.error("refractory_ms", f"a whole number of steps of dt = {part.dt!r} ms", repr(part.refractory_ms))
    if whole > MAX_REFRACTORY_STEPS:
        raise part.error("refractory_ms", f"at most {MAX_REFRACTORY_STEPS:,} steps of dt", f"{whole:,} steps")
    return int(whole)


class ConductanceLIFParams(NamedTuple):
    rate: float  # dt / tau_m
    drive: float  # resting_mv + bias
    exc_reversal: float
    inh_reversal: float
    firing_threshold: float
    reset_mv: float
    hold: int  # steps held at reset after the spike step: refractory steps - 1 (at least 0)
    exc_keep: float  # conductance kept over a step: 1 - dt/tau_e (Euler) or exp(-dt/tau_e)
    inh_keep: float
    exponential: bool


class ConductanceLIFState(NamedTuple):
    v: np.ndarray  # (n,) potential (mV)
    g_e: np.ndarray  # (n,) excitatory conductance (units of the leak conductance)
    g_i: np.ndarray  # (n,) inhibitory conductance
    timer: np.ndarray  # (n,) int32 steps still held at reset


class ConductanceLIF(Neurons):
    """Conductance-based leaky integrate-and-fire neuron (Vogels-Abbott COBA).

    In continuous time, with ``E_L = resting_mv``, ``E_e``, ``E_i`` the
    reversal potentials and ``I = bias`` a constant background (mV: the
    depolarisation it would hold without conductances)::

        tau_m dv/dt = (E_L - v) + g_e (E_e - v) + g_i (E_i - v) + I
        dg_e/dt = -g_e / tau_e,   dg_i/dt = -g_i / tau_i

    Two input channels (``input_channels = 2``): a synapse whose delivered
    weight ``value * w`` is positive adds it to ``g_e`` of its target, a
    negative one adds ``|value * w|`` to ``g_i``. Weights are stored signed by
    the presynaptic neuron's polarity, so an inhibitory neuron's spikes raise
    ``g_i`` and an excitatory one's ``g_e``. The engine adds them straight
    into ``state.g_e`` and ``state.g_i``, after the step (see
    :mod:`spikesim.engine`); the step itself takes no input (its ``current``
    is empty).

    Integration over one step of ``dt``, from the values at its start.
    ``integration="euler"`` (the default; what Brian2's ``method='euler'``
    and the COBA benchmark do)::

        v   <- v + dt/tau_m ((E_L - v) + g_e (E_e - v) + g_i (E_i - v) + I)
        g_e <- g_e (1 - dt/tau_e),   g_i <- g_i (1 - dt/tau_i)

    ``integration="exponential"``: exact for conductances held constant
    over the step, with ``G = 1 + g_e + g_i``::

        v_inf = (E_L + I + g_e E_e + g_i E_i) / G
        v   <- v_inf + (v - v_inf) exp(-G dt/tau_m)
        g_e <- g_e exp(-dt/tau_e),   g_i <- g_i exp(-dt/tau_i)

    Order within a step (Brian2's): integrate; the neuron fires when ``v >
    firing_threshold`` (strictly); a neuron that fired takes ``v =
    reset_mv``; then the step's input joins the conductances, one synapse at
    a time (so a spike acts on ``v`` from the next step on).

    Refractory period: ``R = refractory_ms / dt`` steps (a whole number). A
    neuron that fires at step ``n`` keeps ``v = reset_mv``, not integrated,
    through step ``n + R - 1`` and integrates again from step ``n + R``
    (``R`` of 0 or 1: at once); its conductances keep decaying and
    receiving input meanwhile.

    Reversal potentials bound the potential: ``v_inf`` is an average of
    ``E_L + I``, ``E_e`` and ``E_i`` (weights 1, ``g_e``, ``g_i``), and the
    exponential update moves ``v`` toward it without passing it, so ``v``
    never leaves the range of its start, ``E_i``, ``E_e`` and ``E_L + I``,
    whatever the conductances. Euler does the same while ``dt/tau_m (1 +
    g_e + g_i) <= 1`` (its stability condition), which the Vogels-Abbott
    network (dt 0.1 ms, tau_m 20 ms) keeps with room.

    The potentials start at ``initial_mv`` (as in
    :class:`~spikesim.neurons.LIF`), the conductances at 0.

    Examples
    --------
    One step at rest under ``g_e = 1``, exact: ``v_inf = (-70 + 0) / 2 = -35``,
    ``v = -35 + (-70 + 35) exp(-2 * 1 / 20)``:

    >>> n = ConductanceLIF(n_neurons=1, integration="exponential")
    >>> n.reset(); n.state.g_e[0] = 1.0; spikes = np.zeros(1, bool)
    >>> ConductanceLIF.reference(n.kernel_params(), n.state, np.zeros(0), n.rng, spikes)
    >>> round(float(n.state.v[0]), 6), round(-35.0 - 35.0 * math.exp(-0.1), 6)
    (-66.66931, -66.66931)

    The step decayed ``g_e`` (``dt/tau_e = 1/5``); a spike of weight 0.4
    (positive: excitatory) that the engine delivers then raises it:

    >>> n.state.g_e[0] += 0.4
    >>> round(float(n.state.g_e[0]), 6) == round(math.exp(-0.2) + 0.4, 6)
    True
    """

    PARAMS = (
        DT, TAU_M, RESTING_MV, FIRING_THRESHOLD, RESET_MV, BIAS, INITIAL_MV,
        TAU_E, TAU_I, EXC_REVERSAL_MV, INH_REVERSAL_MV, REFRACTORY_MS, INTEGRATION,
    )  # fmt: skip
    input_channels = 2

    def check(self) -> None:
        if not self.reset_mv < self.firing_threshold:
            raise self.error(
                "reset_mv", f"a potential below firing_threshold ({self.firing_threshold!r})", repr(self.reset_mv)
            )
        check_initial_mv(self)
        refractory_steps(self)

    def make_kernel_params(self) -> ConductanceLIFParams:
        exponential = self.integration == "exponential"
        if exponential:
            exc_keep, inh_keep = math.exp(-self.dt / self.tau_e), math.exp(-self.dt / self.tau_i)
        else:
            exc_keep, inh_keep = 1.0 - self.dt / self.tau_e, 1.0 - self.dt / self.tau_i
        return ConductanceLIFParams(
            self.dt / self.tau_m, float(self.resting_mv + self.bias), float(self.exc_reversal_mv),
            float(self.inh_reversal_mv), float(self.firing_threshold), float(self.reset_mv),
            max(refractory_steps(self) - 1, 0), exc_keep, inh_keep, exponential,
        )  # fmt: skip

    def reset(self) -> None:
        n = self.n_neurons
        self.state = ConductanceLIFState(initial_potential(self), np.zeros(n), np.zeros(n), np.zeros(n, np.int32))

    @staticmethod
    @nb.njit
    def kernel(p, s, current, rng, out):
        if p.exponential:
            _exponential_step(p, s, out)
        else:
            _euler_step(p, s, out)

    @staticmethod
    def reference(p, s, current, rng, out):
        v, g_e, g_i = s.v, s.g_e, s.g_i
        if p.exponential:
            total = 1.0 + g_e + g_i
            v_inf = (p.drive + g_e * p.exc_reversal + g_i * p.inh_reversal) / total
            x = v_inf + (v - v_inf) * np.exp(-p.rate * total)
        else:
            x = v + p.rate * (p.drive - v + g_e * (p.exc_reversal - v) + g_i * (p.inh_reversal - v))
        held = s.timer > 0
        fire = (x > p.firing_threshold) & ~held
        s.v[:] = np.where(held | fire, p.reset_mv, x)
        s.timer[:] = np.where(fire, p.hold, np.where(held, s.timer - 1, 0))
        s.g_e[:] = g_e * p.exc_keep
        s.g_i[:] = g_i * p.inh_keep
        out[:] = fire


@nb.njit
def _euler_step(p, s, out):
    """Forward Euler step of all neurons (branch-free, so that it vectorises)."""
    rate, drive, e_exc, e_inh = p.rate, p.drive, p.exc_reversal, p.inh_reversal
    threshold, reset, hold, exc_keep, inh_keep = p.firing_threshold, p.reset_mv, p.hold, p.exc_keep, p.inh_keep
    v, g_e, g_i, timer = s.v, s.g_e, s.g_i, s.timer
    for i in range(v.size):
        u = v[i]
        ge = g_e[i]
        gi = g_i[i]
        x = u + rate * (drive - u + ge * (e_exc - u) + gi * (e_inh - u))
        left = timer[i]
        held = left > 0
        fire = (x > threshold) & (not held)
        v[i] = reset if held | fire else x
        timer[i] = hold if fire else (left - 1 if held else 0)
        g_e[i] = ge * exc_keep
        g_i[i] = gi * inh_keep
        out[i] = fire


@nb.njit
def _exponential_step(p, s, out):
    """Step exact for the conductances held over it (one exponential per neuron)."""
    rate, drive, e_exc, e_inh = p.rate, p.drive, p.exc_reversal, p.inh_reversal
    threshold, reset, hold, exc_keep, inh_keep = p.firing_threshold, p.reset_mv, p.hold, p.exc_keep, p.inh_keep
    v, g_e, g_i, timer = s.v, s.g_e, s.g_i, s.timer
    for i in range(v.size):
        u = v[i]
        ge = g_e[i]
        gi = g_i[i]
        total = 1.0 + ge + gi
        v_inf = (drive + ge * e_exc + gi * e_inh) / total
        x = v_inf + (u - v_inf) * math.exp(-rate * total)
        left = timer[i]
        held = left > 0
        fire = (x > threshold) & (not held)
        v[i] = reset if held | fire else x
        timer[i] = hold if fire else (left - 1 if held else 0)
        g_e[i] = ge * exc_keep
        g_i[i] = gi * inh_keep
        out[i] = fire
