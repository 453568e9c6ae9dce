"""A rewarder that calls a user's function."""
from __future__ import annotations

import math
import numbers
import reprlib
from typing import Any

import numpy as np

from spikesim.families import Rewarder
from spikesim.network import SimulationError
from spikesim.params import REQUIRED, ConfigError, Param, call_user

REWARD_FUNCTION = Param(
    "reward_function", "callable", REQUIRED, "f(state, action, state_next) -> reward (a finite number)"
)


class Function(Rewarder):
    """``reward = reward_function(state, action, state_next)``, any function.

    The result must be a finite real number (a NumPy scalar or an array of
    one element is accepted); anything else raises: a non-number (or a
    function that cannot be called so) :class:`~spikesim.ConfigError`, NaN
    or infinity :class:`~spikesim.SimulationError`.

    Examples
    --------
    >>> rewarder = Function(reward_function=lambda s, a, s2: 1.0 if a == s else -1.0)
    >>> rewarder(1, 1, None), rewarder(1, 0, None)
    (1.0, -1.0)
    """

    PARAMS = (REWARD_FUNCTION,)

    def __call__(self, state: Any, action: Any, state_next: Any) -> float:
        value = call_user(type(self).__name__, REWARD_FUNCTION, self.reward_function, state, action, state_next)
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.reshape(()).item()
        if not isinstance(value, numbers.Real):
            raise ConfigError(
                f"{type(self).__name__}: key 'reward_function' must return a number; got {reprlib.repr(value)} "
                f"for state {state!r}, action {action!r}"
            )
        value = float(value)
        if not math.isfinite(value):
            raise SimulationError(
                f"Function: reward_function returned {value} for state {state!r}, action {action!r}; "
                "rewards must be finite"
            )
        return value
