"""Current-based LIF with delta synapses and a refractory clamp (potentials in mV, time in ms).

:class:`DeltaLIF` is the neuron of Brunel's (2000) sparse network as the
simulator benchmarks run it: a spike moves the potential at once by its
weight, and a neuron in its refractory period keeps its reset potential and
loses whatever input arrives.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np

from spikesim.families import Neurons
from spikesim.neurons.background import BACKGROUND, add_background, add_background_reference, background_table
from spikesim.neurons.conductance import INTEGRATION, REFRACTORY_MS, refractory_steps
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
from spikesim.params import DT


class DeltaLIFParams(NamedTuple):
    resting_mv: float
    keep: float  # 1 - dt/tau_m (Euler) or exp(-dt/tau_m)
    drive: float  # (1 - keep) * bias
    firing_threshold: float
    reset_mv: float
    hold: int  # steps held at reset after the spike step: refractory steps - 1 (at least 0)
    bg_prob: np.ndarray  # background input: alias table (spikesim.neurons.background)
    bg_alias: np.ndarray
    bg_mv: float


class DeltaLIFState(NamedTuple):
    v: np.ndarray  # (n,) potential (mV)
    timer: np.ndarray  # (n,) int32 steps still held at reset


class DeltaLIF(Neurons):
    """Leaky integrate-and-fire neuron with delta synapses and a refractory clamp.

    Between inputs ``tau_m dv/dt = -(v - resting_mv) + bias``; an input of
    weight ``w`` adds ``w`` (mV) to ``v``. One step of ``dt``, in this order
    (the canonical one of the Brunel benchmark: integrate, threshold, input,
    reset, clamp)::

        v <- resting_mv + k (v - resting_mv) + (1 - k) bias      (k = 1 - dt/tau_m, "euler",
                                                                   or exp(-dt/tau_m), "exponential")
        fire when v > firing_threshold (strictly)
        v <- v + I                    (I: the step's input: spikes of the previous step, background)
        v <- reset_mv                 (neurons that fired, and neurons still refractory)

    So an input first meets the threshold at the next step, decayed once.
    Refractory period: ``R = refractory_ms / dt`` steps (a whole number); a
    neuron that fires at step ``n`` keeps ``v = reset_mv`` through step
    ``n + R - 1``, losing any input that arrives meanwhile, and integrates
    again from step ``n + R``. The background input (``background_sources``,
    ``background_rate``, ``background_mv``: see
    :mod:`spikesim.neurons.background`) joins ``I``.

    Compare :class:`~spikesim.neurons.LIF`, where the input joins ``v``
    before the threshold test of its own step.

    Examples
    --------
    An input of 5 mV at rest (0 mV): added after the threshold test, then
    decayed by ``1 - dt/tau_m = 0.95`` at the next step:

    >>> n = DeltaLIF(n_neurons=1, resting_mv=0.0, reset_mv=0.0, firing_threshold=4.0, refractory_ms=2.0)
    >>> n.reset(); out = np.zeros(1, bool)
    >>> DeltaLIF.reference(n.kernel_params(), n.state, np.array([5.0]), n.rng, out)
    >>> bool(out[0]), float(n.state.v[0])
    (False, 5.0)
    >>> DeltaLIF.reference(n.kernel_params(), n.state, np.array([0.0]), n.rng, out)
    >>> bool(out[0]), float(n.state.v[0])
    (True, 0.0)
    """

    PARAMS = (DT, TAU_M, RESTING_MV, FIRING_THRESHOLD, RESET_MV, BIAS, INITIAL_MV, REFRACTORY_MS, INTEGRATION,
              *BACKGROUND)  # fmt: skip

    def check(self) -> None:
        if not self.reset_mv < self.firing_threshold:
            raise self.error(
                "reset_mv", f"a potential below firing_threshold ({self.firing_threshold!r})", repr(self.reset_mv)
            )
        check_initial_mv(self)
        refractory_steps(self)

    def make_kernel_params(self) -> DeltaLIFParams:
        keep = math.exp(-self.dt / self.tau_m) if self.integration == "exponential" else 1.0 - self.dt / self.tau_m
        return DeltaLIFParams(
            float(self.resting_mv), keep, (1.0 - keep) * self.bias, float(self.firing_threshold),
            float(self.reset_mv), max(refractory_steps(self) - 1, 0), *background_table(self),
        )  # fmt: skip

    def reset(self) -> None:
        self.state = DeltaLIFState(initial_potential(self), np.zeros(self.n_neurons, np.int32))

    @staticmethod
    @nb.njit
    def kernel(p, s, current, rng, out):
        add_background(rng, p.bg_prob, p.bg_alias, p.bg_mv, current)
        rest, keep, drive = p.resting_mv, p.keep, p.drive
        threshold, reset, hold = p.firing_threshold, p.reset_mv, p.hold
        v, timer = s.v, s.timer
        for i in range(v.size):
            x = rest + keep * (v[i] - rest) + drive
            left = timer[i]
            held = left > 0
            fire = (x > threshold) & (not held)
            v[i] = reset if held | fire else x + current[i]
            timer[i] = hold if fire else (left - 1 if held else 0)
            out[i] = fire

    @staticmethod
    def reference(p, s, current, rng, out):
        add_background_reference(rng, p.bg_prob, p.bg_alias, p.bg_mv, current)
        x = p.resting_mv + p.keep * (s.v - p.resting_mv) + p.drive
        held = s.timer > 0
        fire = (x > p.firing_threshold) & ~held
        s.v[:] = np.where(held | fire, p.reset_mv, x + current)
        s.timer[:] = np.where(fire, p.hold, np.where(held, s.timer - 1, 0))
        out[:] = fire
