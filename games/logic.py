"""Two-input logic gates."""
from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from spikesim.games.game import Game
from spikesim.params import EXPECTED_VALUE, call_user


def logic_and(state: Any) -> int:
    """1 when both inputs are 1."""
    return int(state[0] and state[1])


def logic_or(state: Any) -> int:
    """1 when either input is 1."""
    return int(state[0] or state[1])


def logic_xor(state: Any) -> int:
    """1 when exactly one input is 1."""
    return int(bool(state[0]) != bool(state[1]))


def logic_nand(state: Any) -> int:
    """0 when both inputs are 1."""
    return 1 - logic_and(state)


def logic_nor(state: Any) -> int:
    """1 when both inputs are 0."""
    return 1 - logic_or(state)


class Logic(Game):
    """A logic gate to learn: the state is two random bits, the correct
    action is the gate's output, ``expected_value(state)``.

    Each step draws a new state at random (uniform over the four), rewards
    the action with 1 if it was correct and 0 otherwise, and never ends.

    Examples
    --------
    >>> game = Logic(preset="XOR")
    >>> state, info = game.reset(seed=0)
    >>> next_state, reward, terminated, truncated, info = game.step(game.params["expected_value"](state))
    >>> reward
    1.0
    """

    PARAMS = (EXPECTED_VALUE,)
    PRESETS = {
        "AND": {"expected_value": logic_and},
        "OR": {"expected_value": logic_or},
        "XOR": {"expected_value": logic_xor},
        "NAND": {"expected_value": logic_nand},
        "NOR": {"expected_value": logic_nor},
    }
    metadata = {"render_modes": []}

    def __init__(self, preset: str | None = "OR", **params: Any) -> None:
        super().__init__(preset, **params)
        self.observation_space = spaces.MultiBinary(2)
        self.action_space = spaces.Discrete(2)
        self._state = np.zeros(2, dtype=np.int8)

    def states(self) -> list[np.ndarray]:
        """The four states."""
        return [np.array(s, dtype=np.int8) for s in ((0, 0), (0, 1), (1, 0), (1, 1))]

    def _draw(self) -> np.ndarray:
        self._state = self.np_random.integers(0, 2, size=2).astype(np.int8)
        return self._state.copy()

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        return self._draw(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        if not self.action_space.contains(np.int64(action)):
            raise ValueError(f"Logic: action must be 0 or 1; got {action!r}")
        expected = call_user(type(self).__name__, EXPECTED_VALUE, self._params["expected_value"], self._state)
        reward = 1.0 if int(action) == expected else 0.0
        return self._draw(), reward, False, False, {"expected": expected}
