"""Stochastic leaky neurons with escape noise (spike-response model)."""
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
    REFRACTORY_PERIOD,
    RESET_MV,
    RESTING_MV,
    TAU_M,
    check_initial_mv,
    initial_potential,
    settle,
    settle_reference,
)
from spikesim.params import DT, Param


class EscapeNoiseParams(NamedTuple):
    resting_mv: float
    keep: float  # exp(-dt / tau_m)
    drive: float  # (1 - keep) * bias
    firing_threshold: float
    reset_mv: float
    refractory_period: int
    rate_dt: float  # escape_rate * dt
    delta_u: float


class EscapeNoiseState(NamedTuple):
    v: np.ndarray  # (n,) potential (mV)
    timer: np.ndarray  # (n,) int64 refractory steps left


class EscapeNoise(Neurons):
    r"""Leaky neurons that fire at random, more often the higher their
    potential: the stochastic spike-response neurons with escape noise for
    which Florian (2007) derives his learning rules.

    The potential moves as in :class:`~spikesim.neurons.LIF`, with :math:`I`
    the input of the step, :math:`E_L` = ``resting_mv``, :math:`b` = ``bias``:

    .. math::

        v \leftarrow E_L + e^{-\Delta t/\tau_m} (v - E_L) + (1 - e^{-\Delta t/\tau_m})\, b + I

    and there is no hard threshold: the firing intensity (per ms) is

    .. math::

        \rho(v) = \rho_0 \exp\left(\frac{v - \vartheta}{\Delta_u}\right)

    (:math:`\rho_0` = ``escape_rate``, :math:`\vartheta` = ``firing_threshold``,
    :math:`\Delta_u` = ``delta_u``), so a neuron fires in a step with probability

    .. math::

        P(\text{spike}) = 1 - e^{-\Delta t\, \rho(v)}

    decided by one uniform draw per neuron per step (every neuron draws,
    refractory or not). A spike resets the potential to ``reset_mv``; for the
    next ``refractory_period`` steps it stays there, input is ignored and the
    neuron cannot fire. As ``delta_u -> 0`` the neuron becomes the
    deterministic :class:`~spikesim.neurons.LIF` (firing when ``v >
    firing_threshold``).

    The defaults of ``escape_rate`` and ``delta_u`` are this library's
    choice, not values from the paper.

    Examples
    --------
    >>> n = EscapeNoise(n_neurons=10000, initial_mv=-54.0, bias=16.0, reset_mv=-54.0,
    ...                 escape_rate=0.1, delta_u=2.0, rng=np.random.default_rng(0))
    >>> n.reset(); spikes = np.zeros(10000, bool)
    >>> EscapeNoise.reference(n.kernel_params(), n.state, np.zeros(10000), n.rng, spikes)
    >>> bool(abs(spikes.mean() - (1 - np.exp(-0.1))) < 0.01)  # at threshold: 1 - exp(-dt * escape_rate)
    True
    """

    PARAMS = (
        DT,
        TAU_M,
        RESTING_MV,
        FIRING_THRESHOLD,
        RESET_MV,
        REFRACTORY_PERIOD,
        BIAS,
        INITIAL_MV,
        Param("escape_rate", "float", 0.1, "firing intensity at firing_threshold (spikes per ms)", "(0, inf)"),
        Param("delta_u", "float", 2.0, "potential change (mV) that multiplies the firing intensity by e", "(0, inf)"),
    )

    def check(self) -> None:
        check_initial_mv(self)

    def make_kernel_params(self) -> EscapeNoiseParams:
        keep = math.exp(-self.dt / self.tau_m)
        return EscapeNoiseParams(
            float(self.resting_mv), keep, (1.0 - keep) * self.bias, float(self.firing_threshold),
            float(self.reset_mv), int(self.refractory_period), self.escape_rate * self.dt, float(self.delta_u),
        )  # fmt: skip

    def reset(self) -> None:
        self.state = EscapeNoiseState(initial_potential(self), np.zeros(self.n_neurons, np.int64))

    def probability(self, v: np.ndarray | float) -> np.ndarray:
        """The probability of a spike in one step at potential ``v``."""
        p = self.kernel_params()
        return -np.expm1(-p.rate_dt * np.exp((np.asarray(v, dtype=np.float64) - p.firing_threshold) / p.delta_u))

    @staticmethod
    @nb.njit
    def kernel(p, s, current, rng, out):
        rest = p.resting_mv
        keep = p.keep
        drive = p.drive
        threshold = p.firing_threshold
        reset = p.reset_mv
        period = p.refractory_period
        rate_dt = p.rate_dt
        delta_u = p.delta_u
        v = s.v
        timer = s.timer
        draws = rng.random(v.size)  # one block: faster than a draw per neuron, the same numbers
        for i in range(v.size):
            draw = draws[i]
            x = rest + keep * (v[i] - rest) + drive + current[i]
            fire = draw < -math.expm1(-rate_dt * math.exp((x - threshold) / delta_u))
            v[i], timer[i], out[i] = settle(x, fire, timer[i], reset, period)

    @staticmethod
    def reference(p, s, current, rng, out):
        draw = rng.random(s.v.size)
        v = p.resting_mv + p.keep * (s.v - p.resting_mv) + p.drive + current
        with np.errstate(over="ignore"):
            fire = draw < -np.expm1(-p.rate_dt * np.exp((v - p.firing_threshold) / p.delta_u))
        settle_reference(p, s, v, fire, out)
