"""Schedules for a parameter: a linear ramp and a one-time switch."""
from __future__ import annotations

import math
import numbers
from typing import Any

from spikesim.families import Modifier
from spikesim.params import REQUIRED, Param

T_STOP = Param("t_stop", "int", REQUIRED, "count (ticks or episodes) at which the schedule reaches its last value", "[0, inf)")
VALUE_START = Param("value_start", "any", REQUIRED, "value at the start (n = 0)")


class LinearDecay(Modifier):
    """A linear ramp from ``value_start`` to ``value_stop`` (Spikey's LinearDecay).

    With ``n`` the ticks (or episodes, ``unit="episode"``) so far,

    ``value(n) = value_start + (value_stop - value_start) * min(n, t_stop) / t_stop``

    (``value_stop`` from the start when ``t_stop = 0``). The network sets
    parameter ``param`` to ``value(n)`` at the start of every tick.

    Examples
    --------
    >>> m = LinearDecay(param="learning_rate", t_stop=4, value_start=0.1, value_stop=0.02)
    >>> [round(m.value(n), 3) for n in (0, 1, 4, 10)]
    [0.1, 0.08, 0.02, 0.02]
    """

    PARAMS = (
        T_STOP,
        VALUE_START,
        Param("value_stop", "float", REQUIRED, "value from n = t_stop on"),
    )

    def check(self) -> None:
        start = self.value_start
        if isinstance(start, bool) or not isinstance(start, numbers.Real) or not math.isfinite(start):
            raise self.error("value_start", "a finite number", repr(start))

    def value(self, n: int) -> float:
        if n >= self.t_stop:
            return self.value_stop
        start = float(self.value_start)
        return start + (self.value_stop - start) * max(n, 0) / self.t_stop


class DropOff(Modifier):
    """A switch: ``value_start`` while ``n < t_stop``, ``value_end`` after
    (Spikey's DropOff). Values may be of any type the parameter accepts.

    Examples
    --------
    >>> m = DropOff(param="action_threshold", t_stop=2, value_start=0.5, value_end="mean")
    >>> [m.value(n) for n in range(4)]
    [0.5, 0.5, 'mean', 'mean']
    """

    PARAMS = (
        T_STOP,
        VALUE_START,
        Param("value_end", "any", REQUIRED, "value from n = t_stop on"),
    )

    def value(self, n: int) -> Any:
        return self.value_start if n < self.t_stop else self.value_end
