"""Features of continuous observations for control: the Fourier basis as firing rates."""
from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from spikesim.inputs.rates import RateInputs
from spikesim.params import REQUIRED, ConfigError, Param


class FourierFeatures(RateInputs):
    """The order-``n`` Fourier basis of an observation (Konidaris, Osentoski
    and Thomas 2011), one Poisson input per basis function.

    The observation ``s`` of ``m`` values is scaled to the unit cube, per
    dimension, and clipped there:

    ``x_d = clip((s_d - obs_low_d) / (obs_high_d - obs_low_d), 0, 1)``.

    ``obs_low`` and ``obs_high`` come from the observation space where it is
    finite; where it is not (CartPole's velocities), the experiment gives the
    range the task visits. Every coefficient vector ``c`` in ``{0, ..., n}^m``
    (all ``(n + 1)^m`` of them, in lexicographic order: ``c = 0`` first, the
    last dimension varying fastest) gives one feature and one input:

    ``phi_c = cos(pi c . x)`` in ``[-1, 1]``, fired at the rate
    ``rate_c = max_rate * (1 + phi_c) / 2`` (spikes per step),

    so ``n_inputs`` must be ``(n + 1)^m``. Input ``c = 0`` fires at
    ``max_rate`` whatever the observation: a bias input.

    Examples
    --------
    >>> inputs = FourierFeatures(n_inputs=4, obs_low=[0, 0], obs_high=[1, 2], fourier_order=1, max_rate=0.5)
    >>> inputs.rates([0.0, 2.0]).tolist()  # x = (0, 1): phi = cos(0), cos(pi), cos(0), cos(pi)
    [0.5, 0.0, 0.5, 0.0]
    """

    PARAMS = (
        Param("obs_low", "float|array", REQUIRED, "lower end of each observation dimension's range (number or one per dimension)"),
        Param("obs_high", "float|array", REQUIRED, "upper end of each observation dimension's range (number or one per dimension)"),
        Param("fourier_order", "int", 2, "highest coefficient n of the basis: (n + 1)^m features", "[0, 20]"),
        Param("max_rate", "float", 0.2, "spike probability per step of an input whose feature is 1", "[0, 1]"),
    )

    def check(self) -> None:
        low = np.atleast_1d(np.asarray(self.obs_low, np.float64))
        high = np.atleast_1d(np.asarray(self.obs_high, np.float64))
        if low.ndim != 1 or high.ndim != 1 or low.size != high.size:
            raise self.error("obs_high", f"as many values as obs_low ({low.size})", repr(self.obs_high))
        for key, value in (("obs_low", low), ("obs_high", high)):
            if not np.isfinite(value).all():
                expected = "finite numbers (give the range of unbounded dimensions)"
                raise self.error(key, expected, repr(getattr(self, key)))
        if (low >= high).any():
            d = int(np.argmax(low >= high))
            got = f"obs_low {low[d]:g} >= obs_high {high[d]:g} in dimension {d}"
            raise self.error("obs_low", "values below obs_high", got)
        m = low.size
        n_features = (self.fourier_order + 1) ** m
        if self.n_inputs != n_features:
            raise self.error("n_inputs", f"(fourier_order + 1)^m = {n_features} for {m} dimensions", self.n_inputs)
        self.low, self.span = low, high - low
        self.coefficients = np.array(list(itertools.product(range(self.fourier_order + 1), repeat=m)), np.float64)

    def features(self, state: Any) -> np.ndarray:
        """``phi_c = cos(pi c . x)`` for every coefficient vector ``c``."""
        s = np.ravel(np.asarray(state, dtype=np.float64))
        if s.size != self.low.size or not np.isfinite(s).all():
            raise ConfigError(
                f"FourierFeatures: expects an observation of {self.low.size} finite values; got {state!r}"
            )
        x = np.clip((s - self.low) / self.span, 0.0, 1.0)
        return np.cos(np.pi * (self.coefficients @ x))

    def rates(self, state: Any) -> np.ndarray:
        return self.max_rate * 0.5 * (1.0 + self.features(state))
