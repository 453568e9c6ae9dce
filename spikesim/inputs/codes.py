"""Rate codes for observations: Gaussian receptive fields and one-hot groups."""
from __future__ import annotations

from typing import Any

import numpy as np

from spikesim.inputs.rates import RateInputs
from spikesim.params import REQUIRED, ConfigError, Param


class PopulationCode(RateInputs):
    """Gaussian receptive fields over a continuous observation.

    The observation is a vector of ``m`` values. Each dimension ``d`` has
    ``g = n_inputs / m`` inputs, a contiguous block (inputs ``d g`` to
    ``(d + 1) g - 1``), whose preferred values ``mu_{d,k}`` are evenly spaced
    over ``[obs_low_d, obs_high_d]`` (both ends included). Input ``(d, k)``
    spikes at each step with probability

    ``rate_{d,k} = max_rate * exp(-(x_d - mu_{d,k})^2 / (2 sigma_d^2))``,
    ``sigma_d = width * (obs_high_d - obs_low_d) / (g - 1)``

    (the spacing of the preferred values; ``obs_high_d - obs_low_d`` when
    ``g = 1``). Values outside the range are not clipped: they drive the
    edge inputs less.

    Examples
    --------
    >>> inputs = PopulationCode(n_inputs=6, obs_low=[0, -1], obs_high=[1, 1], max_rate=0.5)
    >>> inputs.rates([0.0, 1.0]).round(3).tolist()
    [0.5, 0.303, 0.068, 0.068, 0.303, 0.5]
    """

    PARAMS = (
        Param("obs_low", "float|array", REQUIRED, "lowest preferred value of each observation dimension (number or one per dimension)"),
        Param("obs_high", "float|array", REQUIRED, "highest preferred value of each observation dimension (number or one per dimension)"),
        Param("obs_dims", "int", None, "number m of observation dimensions (None: the size of obs_low/obs_high, 1 if both are numbers)", "[1, inf)"),
        Param("max_rate", "float", 0.1, "spike probability per step of an input at its preferred value", "[0, 1]"),
        Param("width", "float", 1.0, "receptive field width sigma in units of the spacing of the preferred values", "(0, inf)"),
    )

    def check(self) -> None:
        low, high = np.ravel(self.obs_low), np.ravel(self.obs_high)
        sizes = {a.size for a, value in ((low, self.obs_low), (high, self.obs_high)) if np.ndim(value) > 0}
        if len(sizes) > 1:
            raise self.error("obs_high", f"as many values as obs_low ({low.size})", f"{high.size} values")
        m = next(iter(sizes)) if sizes else 1
        if self.obs_dims is not None:
            if sizes and self.obs_dims != m:
                raise self.error("obs_dims", f"the size of obs_low and obs_high ({m})", self.obs_dims)
            m = self.obs_dims
        for key, value in (("obs_low", low), ("obs_high", high)):
            if value.size == 0 or not np.isfinite(value).all():
                raise self.error(key, "finite numbers", repr(getattr(self, key)))
        low, high = np.broadcast_to(low, m), np.broadcast_to(high, m)
        if (low >= high).any():
            d = int(np.argmax(low >= high))
            raise self.error("obs_low", "values below obs_high", f"obs_low {low[d]:g} >= obs_high {high[d]:g} in dimension {d}")
        if self.n_inputs % m:
            raise self.error("n_inputs", f"a multiple of the {m} observation dimensions", self.n_inputs)
        g = self.n_inputs // m
        fraction = np.linspace(0.0, 1.0, g) if g > 1 else np.zeros(1)
        spacing = (high - low) / max(g - 1, 1)
        self.m = m
        self.centers = (low[:, None] + fraction[None, :] * (high - low)[:, None]).ravel()
        self.sigmas = np.repeat(self.width * spacing, g)

    def rates(self, state: Any) -> np.ndarray:
        x = np.ravel(np.asarray(state, dtype=np.float64))
        if x.size != self.m or not np.isfinite(x).all():
            raise ConfigError(
                f"PopulationCode: expects an observation of {self.m} finite values; got {state!r}"
            )
        x = np.repeat(x, self.n_inputs // self.m)
        return self.max_rate * np.exp(-((x - self.centers) ** 2) / (2.0 * self.sigmas**2))


class OneHot(RateInputs):
    """One group of inputs per discrete observation value.

    The observation is an integer ``v`` in ``range(n_states)``. The inputs are
    ``n_states`` contiguous groups of ``g = n_inputs / n_states``; the inputs
    of group ``v`` (inputs ``v g`` to ``(v + 1) g - 1``) spike with
    probability ``on_rate`` per step, all others with ``off_rate``.

    A joint code (``obs_nvec = (n_0, ..., n_{m-1})``): the observation is
    ``m`` integers ``x_d`` in ``range(n_d)`` (a Tuple of Discrete spaces, a
    MultiDiscrete vector), and its value is the combination's index in
    row-major order (:func:`numpy.ravel_multi_index`),

    ``v = sum_d x_d prod_{e > d} n_e``,  ``n_states = prod_d n_d``:

    one group per combination, a table over the joint space, where a code of
    each part (:class:`~spikesim.games.CompositeCode`, ``sum_d n_d`` groups)
    lets a downstream value only add up the parts' contributions.

    Examples
    --------
    >>> inputs = OneHot(n_inputs=6, n_states=3, on_rate=0.5)
    >>> inputs.rates(1).tolist()
    [0.0, 0.0, 0.5, 0.5, 0.0, 0.0]

    Blackjack's (player sum, dealer card, usable ace), jointly:

    >>> inputs = OneHot(n_inputs=704, n_states=704, obs_nvec=[32, 11, 2])
    >>> inputs.value((14, 10, 1)), np.flatnonzero(inputs.rates((14, 10, 1))).tolist()  # (14 * 11 + 10) * 2 + 1
    (329, [329])
    """

    PARAMS = (
        Param("n_states", "int", REQUIRED, "number of discrete observation values (0 .. n_states - 1)", "[1, inf)"),
        Param("on_rate", "float", 0.5, "spike probability per step of the inputs of the observed value", "[0, 1]"),
        Param("off_rate", "float", 0.0, "spike probability per step of the other inputs", "[0, 1]"),
        Param("obs_nvec", "array", None,
              "joint code: the number of values of each part of a tuple observation, whose row-major index is the "
              "value (n_states = their product; None: the observation is the value)", "[1, inf)"),
    )  # fmt: skip

    def check(self) -> None:
        if self.n_inputs % self.n_states:
            raise self.error("n_states", f"a divisor of n_inputs ({self.n_inputs})", self.n_states)
        self.nvec = None
        if self.obs_nvec is not None:
            nvec = np.ravel(self.obs_nvec)
            if nvec.size == 0 or not all(float(n).is_integer() for n in nvec):
                raise self.error("obs_nvec", "positive integers (or None)", repr(self.obs_nvec))
            self.nvec = nvec.astype(np.int64)
            product = int(np.prod(self.nvec))
            if product != self.n_states:
                raise self.error("n_states", f"the product of obs_nvec {self.nvec.tolist()} ({product})", self.n_states)

    def value(self, state: Any) -> int:
        """The observed value (with ``obs_nvec``, the joint index), or a
        ConfigError when the observation is not one the code expects."""
        try:
            x = np.ravel(np.asarray(state))
        except (TypeError, ValueError):  # ragged
            x = np.zeros(0)
        whole = np.issubdtype(x.dtype, np.number) and bool(np.isfinite(x).all() and (x == np.floor(x)).all())
        if self.nvec is None:
            if x.size == 1 and whole and 0 <= x[0] < self.n_states:
                return int(x[0])
            raise ConfigError(f"OneHot: expects an observation in range({self.n_states}); got {state!r}")
        if not whole or x.size != self.nvec.size or (x < 0).any() or (x >= self.nvec).any():
            raise ConfigError(f"OneHot: expects an observation of {self.nvec.size} integers, each x_d in "
                              f"range(obs_nvec[d]), obs_nvec {self.nvec.tolist()}; got {state!r}")  # fmt: skip
        return int(np.ravel_multi_index(tuple(x.astype(np.int64)), tuple(self.nvec)))

    def rates(self, state: Any) -> np.ndarray:
        g = self.n_inputs // self.n_states
        rates = np.full(self.n_inputs, self.off_rate)
        v = self.value(state)
        rates[v * g : (v + 1) * g] = self.on_rate
        return rates

    def check_states(self, states: list) -> None:
        for state in states:
            self.value(state)
