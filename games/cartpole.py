"""The cart-pole balancing task, with its physics as declared parameters."""
from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
from gymnasium import spaces

from spikesim.games.game import Game
from spikesim.params import Param

log = logging.getLogger("spikesim")

#: Twelve degrees in radians, written as gymnasium computes it (same float).
TWELVE_DEGREES = 12 * 2 * math.pi / 360


class CartPole(Game):
    """Balance a pole hinged on a cart that moves along a frictionless track
    (Barto, Sutton and Anderson 1983), step for step the same as gymnasium's
    ``CartPole-v1`` with the default parameters.

    The state is ``(x, x', theta, theta')``: the cart's position (m) and
    velocity, the pole's angle from upright (rad) and angular velocity. The
    action pushes the cart with a force ``F = +force_mag`` (action 1, to the
    right) or ``-force_mag`` (action 0). With ``M = masscart + masspole`` and
    ``l = length`` (half the pole's length),

    ``h = (F + masspole l theta'^2 sin(theta)) / M``

    ``theta'' = (g sin(theta) - cos(theta) h) / (l (4/3 - masspole cos^2(theta) / M))``

    ``x'' = h - masspole l theta'' cos(theta) / M``

    and one step of ``tau`` seconds integrates them with explicit Euler
    (``integrator="euler"``: positions from the old velocities) or
    semi-implicit Euler (``"semi-implicit"``: velocities first, positions from
    the new velocities). The state is kept in float64; observations are its
    float32 copy.

    An episode starts from a state drawn uniformly in ``[-0.05, 0.05)^4``
    (``reset(options={"low": a, "high": b})`` changes the bounds). It
    terminates when ``|x| > x_threshold`` or ``|theta| >
    theta_threshold_radians``, and is truncated after ``max_episode_steps``
    steps. Every step, the terminating one included, gives reward 1
    (``sutton_barto_reward``: 0, and -1 for the terminating step); steps
    taken after termination give 0 (-1) and log a warning once.

    Examples
    --------
    >>> game = CartPole()
    >>> obs, info = game.reset(seed=0)
    >>> obs.dtype, obs.shape
    (dtype('float32'), (4,))
    >>> obs, reward, terminated, truncated, info = game.step(1)
    >>> reward, terminated, truncated
    (1.0, False, False)
    >>> CartPole(preset="long-pole").params["length"]
    1.0
    """

    PARAMS = (
        Param("gravity", "float", 9.8, "gravitational acceleration g (m/s^2)", "[0, inf)"),
        Param("masscart", "float", 1.0, "mass of the cart (kg)", "(0, inf)"),
        Param("masspole", "float", 0.1, "mass of the pole (kg)", "(0, inf)"),
        Param("length", "float", 0.5, "half the pole's length (m): the distance from the hinge to its centre of mass", "(0, inf)"),
        Param("force_mag", "float", 10.0, "magnitude of the force an action applies to the cart (N)", "[0, inf)"),
        Param("tau", "float", 0.02, "duration of one game step (s)", "(0, inf)"),
        Param("theta_threshold_radians", "float", TWELVE_DEGREES, "pole angle (rad) beyond which the episode terminates", "(0, inf)"),
        Param("x_threshold", "float", 2.4, "cart position (m) beyond which the episode terminates", "(0, inf)"),
        Param("max_episode_steps", "int", 500, "steps after which an episode is truncated", "[1, inf)"),
        Param("integrator", "str", "euler", "integration of the equations of motion", choices=("euler", "semi-implicit")),
        Param("sutton_barto_reward", "bool", False, "reward 0 per step and -1 at termination, instead of 1 per step"),
    )
    PRESETS = {
        "v1": {},
        "v0": {"max_episode_steps": 200},
        "long-pole": {"length": 1.0},
        "short-pole": {"length": 0.25},
        "heavy-pole": {"masspole": 0.5},
        "semi-implicit": {"integrator": "semi-implicit"},
    }
    metadata = {"render_modes": []}

    def __init__(self, preset: str | None = "v1", **params: Any) -> None:
        super().__init__(preset, **params)
        p = self._params
        bound = np.array(
            [2 * p["x_threshold"], np.inf, 2 * p["theta_threshold_radians"], np.inf], dtype=np.float32
        )
        self.observation_space = spaces.Box(-bound, bound, dtype=np.float32)
        self.action_space = spaces.Discrete(2)
        self._state: np.ndarray | None = None
        self._steps = 0
        self._ended = False
        self._warned = False

    @property
    def state(self) -> np.ndarray | None:
        """The float64 state ``(x, x', theta, theta')`` (a copy), None before reset."""
        return None if self._state is None else self._state.copy()

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        low, high = -0.05, 0.05
        if options:
            low, high = float(options.get("low", low)), float(options.get("high", high))
            if not low <= high:
                raise ValueError(f"CartPole: reset option low ({low}) must not exceed high ({high})")
        self._state = self.np_random.uniform(low, high, size=(4,))
        self._steps = 0
        self._ended = False
        return self._state.astype(np.float32), {}

    def derivatives(self, state: np.ndarray, force: float) -> tuple[np.float64, np.float64]:
        """The accelerations ``(x'', theta'')`` at ``state`` under ``force``."""
        p = self._params
        theta, omega = state[2], state[3]
        sin, cos = np.sin(theta), np.cos(theta)
        total = p["masscart"] + p["masspole"]
        arm = p["masspole"] * p["length"]
        h = (force + arm * (omega * omega) * sin) / total
        angular = (p["gravity"] * sin - cos * h) / (
            p["length"] * (4.0 / 3.0 - p["masspole"] * (cos * cos) / total)
        )
        linear = h - arm * angular * cos / total
        return linear, angular

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        if self._state is None:
            raise RuntimeError("CartPole: call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"CartPole: action must be 0 or 1; got {action!r}")
        p = self._params
        force = p["force_mag"] if action == 1 else -p["force_mag"]
        x, v, theta, omega = self._state
        accel, alpha = self.derivatives(self._state, force)
        dt = p["tau"]
        if p["integrator"] == "euler":
            x, v = x + dt * v, v + dt * accel
            theta, omega = theta + dt * omega, omega + dt * alpha
        else:
            v = v + dt * accel
            x = x + dt * v
            omega = omega + dt * alpha
            theta = theta + dt * omega
        self._state = np.array([x, v, theta, omega], dtype=np.float64)
        self._steps += 1
        fallen = bool(abs(x) > p["x_threshold"] or abs(theta) > p["theta_threshold_radians"])
        if self._ended:
            if not self._warned:
                log.warning("CartPole: step() after the episode terminated; call reset()")
                self._warned = True
            reward = -1.0 if p["sutton_barto_reward"] else 0.0
        elif fallen:
            self._ended = True
            reward = -1.0 if p["sutton_barto_reward"] else 1.0
        else:
            reward = 0.0 if p["sutton_barto_reward"] else 1.0
        limit = p["max_episode_steps"]
        truncated = limit is not None and self._steps >= limit
        return self._state.astype(np.float32), reward, fallen, bool(truncated), {}
