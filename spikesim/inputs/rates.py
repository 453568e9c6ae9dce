"""Inputs that fire at a rate: a spike probability per input per step."""
from __future__ import annotations

import reprlib
from typing import Any, NamedTuple

import numba as nb
import numpy as np

from spikesim.families import Inputs
from spikesim.params import REQUIRED, ConfigError, Param, call_user


class RateParams(NamedTuple):
    firing_steps: int  # -1: all steps
    regular: bool  # spike_train "regular"


class RateState(NamedTuple):
    rates: np.ndarray  # (n_inputs,) spike probability per step this tick
    phase: np.ndarray  # (n_inputs,) each input's progress to its next spike ("regular"; empty for "poisson")


SPIKE_TRAIN = Param(
    "spike_train", "str", "poisson",
    "how an input turns its rate into spikes: 'poisson' (a random draw per step) or 'regular' (evenly spaced)",
    choices=("poisson", "regular"),
)  # fmt: skip


class RateInputs(Inputs):
    """Base of rate encoders: once per tick :meth:`rates` maps the state to
    one spike probability per input ``r_i``; at every step (while the inputs
    fire) each input spikes

    - ``spike_train = "poisson"``: when a uniform draw ``U[0, 1) < r_i`` (one
      draw per input per step);
    - ``spike_train = "regular"``: when its phase reaches 1,
      ``phase_i <- phase_i + r_i``, and if ``phase_i >= 1``: spike and
      ``phase_i <- phase_i - 1``. The phases start uniform in ``[0, 1)`` at
      each :meth:`reset` (one draw per input) and run on across ticks, so an
      input at rate ``r`` fires ``floor(phase_0 + r T)`` times in ``T``
      steps: the rate without the Poisson train's count noise (variance
      ``T r (1 - r)``), which every neuron fed by that input shares.

    Examples
    --------
    >>> inputs = RateMap(n_inputs=1, state_rate_map=[0.25], spike_train="regular", rng=np.random.default_rng(0))
    >>> inputs.reset(); inputs.encode((0,)); out = np.zeros(1, bool); fired = []
    >>> for t in range(8):
    ...     RateInputs.reference(inputs.kernel_params(), inputs.state, t, inputs.rng, out)
    ...     fired.append(int(out[0]))
    >>> sum(fired), fired[:4].count(1)  # rate 0.25: one spike every 4 steps
    (2, 1)
    """

    PARAMS = (SPIKE_TRAIN,)

    def rates(self, state: Any) -> np.ndarray:
        raise NotImplementedError

    def encode(self, state: Any) -> None:
        rates = np.asarray(self.rates(state), dtype=np.float64)
        if rates.shape != (self.n_inputs,) or not ((rates >= 0) & (rates <= 1)).all():
            raise ConfigError(
                f"{type(self).__name__}: rates for state {state!r} must be {self.n_inputs} probabilities in [0, 1]; "
                f"got {rates!r}"
            )
        self.state.rates[:] = rates

    def make_kernel_params(self) -> RateParams:
        return RateParams(self.input_firing_steps, self.spike_train == "regular")

    def reset(self) -> None:
        phase = self.rng.random(self.n_inputs) if self.spike_train == "regular" else np.zeros(0)
        self.state = RateState(np.zeros(self.n_inputs), phase)

    @staticmethod
    @nb.njit
    def kernel(p, s, t, rng, out):
        if p.firing_steps >= 0 and t >= p.firing_steps:
            out[:] = False
            return
        rates = s.rates  # out of the tuple: no reference count per read
        if p.regular:
            phase = s.phase
            for i in range(out.size):
                x = phase[i] + rates[i]
                out[i] = x >= 1.0
                phase[i] = x - 1.0 if x >= 1.0 else x
            return
        draws = rng.random(out.size)  # one block: faster than a draw per input, the same numbers
        for i in range(out.size):
            out[i] = draws[i] < rates[i]

    @staticmethod
    def reference(p, s, t, rng, out):
        if p.firing_steps >= 0 and t >= p.firing_steps:
            out[:] = False
            return
        if p.regular:
            s.phase[:] += s.rates
            out[:] = s.phase >= 1.0
            s.phase[out] -= 1.0
            return
        out[:] = rng.random(out.size) < s.rates


STATE_RATE_MAP = Param(
    "state_rate_map", "any", REQUIRED,
    "state -> group spike probabilities per step (sequence by element value, dict, or f(state) -> the group rates)",
)  # fmt: skip


class RateMap(RateInputs):
    """Rates from a map of game states (Spikey's RateMap).

    ``state_rate_map`` is one of:

    - a sequence of rates indexed by the value of each state element: the
      state ``(s_0, ..., s_{m-1})`` gives the group rates
      ``[map[int(s_0)], ..., map[int(s_{m-1})]]``;
    - a dict from a state (a tuple, or a number) to its group rates;
    - a callable ``f(state)`` returning the group rates.

    The ``g`` group rates are spread over the inputs interleaved: input ``i``
    fires at group rate ``i % g``, so ``g`` must divide ``n_inputs``.

    Examples
    --------
    >>> inputs = RateMap(n_inputs=4, state_rate_map=[0.0, 0.5])
    >>> inputs.rates((0, 1)).tolist()
    [0.0, 0.5, 0.0, 0.5]
    """

    PARAMS = (STATE_RATE_MAP,)

    def check(self) -> None:
        m = self.state_rate_map
        if callable(m):
            return
        if isinstance(m, dict):
            for state, rates in m.items():
                self._group_rates(rates, state)
            return
        try:
            values = np.asarray(m, dtype=np.float64)
        except (TypeError, ValueError):
            values = None
        if values is None or values.ndim != 1 or not ((values >= 0) & (values <= 1)).all():
            raise self.error(
                "state_rate_map", "a sequence of probabilities in [0, 1], a dict of state -> rates, or a callable", repr(m)
            )

    def _group_rates(self, rates: Any, state: Any) -> np.ndarray:
        try:
            values = np.atleast_1d(np.asarray(rates, dtype=np.float64))
        except (TypeError, ValueError):
            values = None
        if values is None or values.ndim != 1 or not ((values >= 0) & (values <= 1)).all():
            got = f"{reprlib.repr(rates)} for state {state!r}"
            raise self.error("state_rate_map", "group rates that are probabilities in [0, 1]", got)
        rates = values
        if self.n_inputs % rates.size:
            raise self.error(
                "state_rate_map", f"a number of group rates that divides n_inputs ({self.n_inputs})",
                f"{rates.size} rates for state {state!r}",
            )  # fmt: skip
        return rates

    def _key(self, state: Any) -> Any:
        if np.ndim(state) == 0:
            return state.item() if isinstance(state, np.generic) else state
        return tuple(int(x) if float(x).is_integer() else float(x) for x in np.ravel(state))

    def group_rates(self, state: Any) -> np.ndarray:
        m = self.state_rate_map
        if callable(m):
            return self._group_rates(call_user(type(self).__name__, STATE_RATE_MAP, m, state), state)
        if isinstance(m, dict):
            key = self._key(state)
            if key not in m:
                raise ConfigError(
                    f"RateMap: key 'state_rate_map' does not know state {key!r}; known states: {list(m)!r}"
                )
            return self._group_rates(m[key], state)
        table = np.asarray(m, dtype=np.float64)
        elements = np.ravel(state)
        index = [int(x) for x in elements] if all(float(x).is_integer() for x in elements) else None
        if index is None or min(index) < 0 or max(index) >= table.size:
            raise ConfigError(
                f"RateMap: key 'state_rate_map' has {table.size} rates, indexed by each state element's value; "
                f"state {state!r} has an element outside 0..{table.size - 1}"
            )
        return self._group_rates(table[index], state)

    def rates(self, state: Any) -> np.ndarray:
        groups = self.group_rates(state)
        return np.tile(groups, self.n_inputs // groups.size)

    def check_states(self, states: list) -> None:
        for state in states:
            self.group_rates(state)
