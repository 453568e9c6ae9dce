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
    last dimension varying fastest) gives one feature,

    ``phi_c = cos(pi c . x)`` in ``[-1, 1]``,

    fired (``feature_code``, rates in spikes per step)

    - ``"offset"``: by one input at ``max_rate * (1 + phi_c) / 2``, so
      ``n_inputs`` must be ``(n + 1)^m``;
    - ``"on_off"``: by two, an "on" input at ``max_rate * max(phi_c, 0)``
      and an "off" input at ``max_rate * max(-phi_c, 0)`` (all the on
      inputs first), so ``n_inputs`` must be ``2 (n + 1)^m``.

    Input ``c = 0`` fires at ``max_rate`` whatever the observation: a bias
    input (with ``"on_off"`` its off input never fires). With ``"offset"`` every input fires at half ``max_rate`` on
    average, so a weight change in proportion to the inputs' rates (the
    presynaptic eligibility of :class:`~spikesim.ActorCriticNetwork`) moves
    the drive of every state by about the same amount; with ``"on_off"`` an
    input is silent where its feature has the other sign.

    Angles given as a cosine and a sine (Acrobot's, Pendulum's) can be read
    as angles first: each pair ``(i, j)`` of ``obs_angles`` replaces the
    observation's values ``i`` (a cosine) and ``j`` (its sine) by the one
    angle ``atan2(s_j, s_i)`` in ``[-pi, pi]``, at the place of value ``i``
    (value ``j`` is dropped). ``obs_low`` and ``obs_high`` are then the
    ranges of the observation so transformed, of ``m`` values: an
    observation has ``m`` plus the number of pairs.

    Examples
    --------
    >>> inputs = FourierFeatures(n_inputs=4, obs_low=[0, 0], obs_high=[1, 2], fourier_order=1, max_rate=0.5)
    >>> inputs.rates([0.0, 2.0]).tolist()  # x = (0, 1): phi = cos(0), cos(pi), cos(0), cos(pi)
    [0.5, 0.0, 0.5, 0.0]
    >>> inputs = FourierFeatures(n_inputs=8, obs_low=[0, 0], obs_high=[1, 2], fourier_order=1, max_rate=0.5,
    ...                          feature_code="on_off")
    >>> inputs.rates([0.0, 2.0]).tolist()  # on: max(phi, 0), then off: max(-phi, 0)
    [0.5, 0.0, 0.5, 0.0, 0.0, 0.5, 0.0, 0.5]

    An angle given as (cos, sin), then a velocity:

    >>> inputs = FourierFeatures(n_inputs=4, obs_low=[-np.pi, -1], obs_high=[np.pi, 1], fourier_order=1,
    ...                          obs_angles=[(0, 1)])
    >>> inputs.observation([0.0, 1.0, -0.5]).round(4).tolist()  # atan2(1, 0) = pi / 2
    [1.5708, -0.5]
    >>> inputs.features([0.0, 1.0, -0.5]).round(4).tolist()  # x = (0.75, 0.25): cos(0), cos(pi/4), cos(3pi/4), cos(pi)
    [1.0, 0.7071, -0.7071, -1.0]
    """

    PARAMS = (
        Param("obs_low", "float|array", REQUIRED, "lower end of each observation dimension's range (number or one per dimension)"),
        Param("obs_high", "float|array", REQUIRED, "upper end of each observation dimension's range (number or one per dimension)"),
        Param("fourier_order", "int", 2, "highest coefficient n of the basis: (n + 1)^m features", "[0, 20]"),
        Param("max_rate", "float", 0.2, "spike probability per step of an input whose feature is 1", "[0, 1]"),
        Param(
            "feature_code", "str", "offset",
            "one input per feature at max_rate (1 + phi) / 2, or two at max_rate max(phi, 0) and max_rate max(-phi, 0)",
            choices=("offset", "on_off"),
        ),
        Param("obs_angles", "any", (), "pairs (i, j) of observation indices holding cos and sin of an angle, read as the angle atan2(s_j, s_i)"),
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
        self.angles = self._angles(m)
        keep = np.setdiff1d(np.arange(m + len(self.angles)), [j for _, j in self.angles])
        self.keep = keep  # the observation's values that stay, in order (a cosine of a pair becomes its angle)
        self.angle_at = [int(np.flatnonzero(keep == i)[0]) for i, _ in self.angles]
        n_features = (self.fourier_order + 1) ** m
        if self.feature_code == "on_off" and self.n_inputs != 2 * n_features:
            expected = f"2 (fourier_order + 1)^m = {2 * n_features} for {m} dimensions with feature_code 'on_off'"
            raise self.error("n_inputs", expected, self.n_inputs)
        if self.feature_code == "offset" and self.n_inputs != n_features:
            raise self.error("n_inputs", f"(fourier_order + 1)^m = {n_features} for {m} dimensions", self.n_inputs)
        self.low, self.span = low, high - low
        self.coefficients = np.array(list(itertools.product(range(self.fourier_order + 1), repeat=m)), np.float64)

    def _angles(self, m: int) -> list[tuple[int, int]]:
        """``obs_angles`` as a list of ``(i, j)``, checked against an observation of ``m`` + pairs values."""
        pairs = self.obs_angles
        expected = "pairs (i, j) of distinct observation indices (cos, sin)"
        try:
            angles = None if pairs is None or isinstance(pairs, (str, bytes)) else [(int(i), int(j)) for i, j in pairs]
        except (TypeError, ValueError):
            angles = None
        if angles is None or any((float(i), float(j)) != (float(a), float(b)) for (i, j), (a, b) in zip(pairs, angles)):
            raise self.error("obs_angles", expected, repr(pairs))
        size = m + len(angles)
        flat = [k for pair in angles for k in pair]
        if len(set(flat)) != len(flat) or any(not 0 <= k < size for k in flat):
            raise self.error("obs_angles", f"{expected} below {size} (len(obs_low) + pairs)", repr(pairs))
        return angles

    def observation(self, state: Any) -> np.ndarray:
        """The observation with each ``obs_angles`` pair read as its angle (``m`` values)."""
        s = np.ravel(np.asarray(state, dtype=np.float64))
        if s.size != self.low.size + len(self.angles) or not np.isfinite(s).all():
            raise ConfigError(f"FourierFeatures: expects an observation of {self.low.size + len(self.angles)} "
                              f"finite values; got {state!r}")  # fmt: skip
        if not self.angles:
            return s
        out = s[self.keep]
        for (i, j), at in zip(self.angles, self.angle_at):
            out[at] = np.arctan2(s[j], s[i])
        return out

    def features(self, state: Any) -> np.ndarray:
        """``phi_c = cos(pi c . x)`` for every coefficient vector ``c``."""
        x = np.clip((self.observation(state) - self.low) / self.span, 0.0, 1.0)
        return np.cos(np.pi * (self.coefficients @ x))

    def rates(self, state: Any) -> np.ndarray:
        phi = self.features(state)
        if self.feature_code == "on_off":
            return self.max_rate * np.concatenate([np.maximum(phi, 0.0), np.maximum(-phi, 0.0)])
        return self.max_rate * 0.5 * (1.0 + phi)
