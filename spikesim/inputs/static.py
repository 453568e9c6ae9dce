"""Inputs that replay fixed spike patterns, one per game state."""
from __future__ import annotations

from typing import Any, NamedTuple

import numba as nb
import numpy as np

from spikesim.families import Inputs
from spikesim.params import PROCESSING_TIME, REQUIRED, ConfigError, Param, call_user


class StaticParams(NamedTuple):
    firing_steps: int  # -1: all steps


class StaticState(NamedTuple):
    pattern: np.ndarray  # (processing_time, n_inputs) bool: the spikes of each step of this tick


def state_key(state: Any) -> Any:
    """The dict key of a game state: a scalar as itself (NumPy scalars as
    Python ones), an array or sequence as a tuple of its elements (integral
    values as ``int``)."""
    if np.ndim(state) == 0:
        return state.item() if isinstance(state, np.generic) else state
    return tuple(int(x) if float(x).is_integer() else float(x) for x in np.ravel(state))

STATE_SPIKE_MAP = Param(
    "state_spike_map", "any", REQUIRED,
    "state -> spike pattern (processing_time, n_inputs) or (n_inputs,), nonzero = spike (dict, or f(state) -> it)",
)  # fmt: skip


class StaticMap(Inputs):
    """Fixed spike patterns, one per game state (Spikey's StaticMap).

    ``state_spike_map`` is a dict from a state (a tuple, or a number or
    string) to its pattern, or a callable ``f(state)`` returning the pattern.
    A pattern is either

    - a 2-D array of shape ``(processing_time, n_inputs)``: row ``t`` holds
      the spikes of step ``t`` of the tick, or
    - a 1-D array of shape ``(n_inputs,)``: the same spikes at every step;

    any nonzero entry is a spike. With ``P`` the pattern as a 2-D array, input
    ``i`` spikes at step ``t`` of a tick when ``P[t, i] != 0`` and
    (``input_firing_steps < 0`` or ``t < input_firing_steps``). Nothing is
    random: the same state always gives the same input spikes.

    Examples
    --------
    >>> inputs = StaticMap(n_inputs=3, processing_time=2, state_spike_map={0: [1, 0, 1], 1: [[1, 1, 0], [0, 0, 1]]})
    >>> inputs.reset(); inputs.encode(1)
    >>> out = np.zeros(3, bool)
    >>> StaticMap.reference(inputs.kernel_params(), inputs.state, 1, inputs.rng, out)
    >>> out.tolist()
    [False, False, True]
    """

    PARAMS = (
        PROCESSING_TIME,
        STATE_SPIKE_MAP,
    )

    def check(self) -> None:
        m = self.state_spike_map
        if callable(m):
            return
        if not isinstance(m, dict):
            raise self.error("state_spike_map", "a dict of state -> pattern or a callable f(state) -> pattern", repr(m))
        for state, pattern in m.items():
            self._pattern(pattern, state)

    def _expected(self) -> str:
        return f"a pattern of shape ({self.processing_time}, {self.n_inputs}) or ({self.n_inputs},)"

    def _pattern(self, pattern: Any, state: Any) -> np.ndarray:
        """``pattern`` as a bool array (processing_time, n_inputs), or a ConfigError."""
        try:
            values = np.asarray(pattern, dtype=np.float64)
        except (TypeError, ValueError):
            raise self.error("state_spike_map", f"{self._expected()} of numbers", f"{pattern!r} for state {state!r}") from None
        if values.shape not in ((self.processing_time, self.n_inputs), (self.n_inputs,)):
            raise self.error("state_spike_map", self._expected(), f"shape {values.shape} for state {state!r}")
        if np.isnan(values).any():
            raise self.error("state_spike_map", f"{self._expected()} of numbers", f"NaN for state {state!r}")
        return np.broadcast_to(values != 0, (self.processing_time, self.n_inputs))

    def pattern(self, state: Any) -> np.ndarray:
        """The spikes of ``state``: bool (processing_time, n_inputs)."""
        m = self.state_spike_map
        if callable(m):
            return self._pattern(call_user(type(self).__name__, STATE_SPIKE_MAP, m, state), state)
        key = state_key(state)
        if key not in m:
            raise ConfigError(
                f"StaticMap: key 'state_spike_map' does not know state {key!r}; known states: {list(m)!r}"
            )
        return self._pattern(m[key], key)

    def encode(self, state: Any) -> None:
        self.state.pattern[:] = self.pattern(state)

    def check_states(self, states: list) -> None:
        for state in states:
            self.pattern(state)

    def make_kernel_params(self) -> StaticParams:
        return StaticParams(self.input_firing_steps)

    def reset(self) -> None:
        self.state = StaticState(np.zeros((self.processing_time, self.n_inputs), dtype=np.bool_))

    @staticmethod
    @nb.njit
    def kernel(p, s, t, rng, out):
        pattern = s.pattern
        if p.firing_steps >= 0 and t >= p.firing_steps:
            for i in range(out.size):
                out[i] = False
            return
        row = t % pattern.shape[0]
        for i in range(out.size):
            out[i] = pattern[row, i]

    @staticmethod
    def reference(p, s, t, rng, out):
        silent = p.firing_steps >= 0 and t >= p.firing_steps
        out[:] = s.pattern[t % s.pattern.shape[0]] & (not silent)
