"""The multi-armed bandit: one state, several arms of unknown reward."""
from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from spikesim.games.game import Game
from spikesim.params import ConfigError, Param


class MultiArmBandit(Game):
    """Pull one of ``n_arms`` arms per step; each pays a random reward.

    Arm ``a`` pays, independently at every pull,

    - ``reward_distribution="bernoulli"``: 1 with probability ``m_a`` and 0
      otherwise (``0 <= m_a <= 1``);
    - ``"gaussian"``: a normal draw of mean ``m_a`` and standard deviation
      ``reward_std``.

    The means ``m = arm_means`` are fixed, or, when ``arm_means`` is None,
    drawn at every reset: uniform in [0, 1) (Bernoulli) or standard normal
    (Gaussian, Sutton and Barto's 10-armed testbed). There is a single
    state, observed as 0; episodes never terminate and are truncated after
    ``max_episode_steps`` pulls. ``info`` gives the pull's ``regret``,
    ``max(m) - m_a``, and whether the arm was a ``best`` one.

    Examples
    --------
    >>> game = MultiArmBandit(preset="two-armed")
    >>> obs, info = game.reset(seed=0)
    >>> game.means.tolist(), game.best_arm()
    ([0.2, 0.8], 1)
    >>> obs, reward, terminated, truncated, info = game.step(1)
    >>> reward in (0.0, 1.0), info["regret"]
    (True, 0.0)
    """

    PARAMS = (
        Param("n_arms", "int", 2, "number of arms (actions)", "[1, inf)"),
        Param("arm_means", "array", None, "each arm's reward probability (bernoulli) or mean (gaussian); None: drawn at every reset"),
        Param("reward_distribution", "str", "bernoulli", "distribution of an arm's reward", choices=("bernoulli", "gaussian")),
        Param("reward_std", "float", 1.0, "standard deviation of gaussian rewards", "[0, inf)"),
        Param("max_episode_steps", "int", 100, "steps after which an episode is truncated", "[1, inf)"),
    )
    PRESETS = {
        "two-armed": {"n_arms": 2, "arm_means": [0.2, 0.8]},
        "ten-armed": {"n_arms": 10, "arm_means": None},
        "testbed": {"n_arms": 10, "arm_means": None, "reward_distribution": "gaussian", "reward_std": 1.0, "max_episode_steps": 1000},
    }
    metadata = {"render_modes": []}

    def __init__(self, preset: str | None = "two-armed", **params: Any) -> None:
        super().__init__(preset, **params)
        p = self._params
        means = p["arm_means"]
        if means is not None:
            if means.shape != (p["n_arms"],):
                raise ConfigError(
                    f"MultiArmBandit: key 'arm_means' expects {p['n_arms']} values (n_arms); got shape {means.shape}"
                )
            if p["reward_distribution"] == "bernoulli" and not ((means >= 0) & (means <= 1)).all():
                raise ConfigError(
                    f"MultiArmBandit: key 'arm_means' expects probabilities in [0, 1] for bernoulli rewards; got {means.tolist()}"
                )
        self.observation_space = spaces.Discrete(1)
        self.action_space = spaces.Discrete(p["n_arms"])
        self._means = None if means is None else means.copy()
        self._steps = 0
        self._started = False

    @property
    def means(self) -> np.ndarray:
        """The arms' reward probabilities or means (a copy); drawn ones exist after reset."""
        if self._means is None:
            raise RuntimeError("MultiArmBandit: the arm means are drawn at reset(); call reset() first")
        return self._means.copy()

    def best_arm(self) -> int:
        """The arm of highest mean (the first of them)."""
        return int(np.argmax(self.means))

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[int, dict]:
        super().reset(seed=seed)
        p = self._params
        if p["arm_means"] is None:
            n = p["n_arms"]
            if p["reward_distribution"] == "bernoulli":
                self._means = self.np_random.random(n)
            else:
                self._means = self.np_random.normal(0.0, 1.0, n)
        self._steps = 0
        self._started = True
        return 0, {}

    def step(self, action: Any) -> tuple[int, float, bool, bool, dict]:
        if not self._started:
            raise RuntimeError("MultiArmBandit: call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"MultiArmBandit: action must be an arm in 0..{self._params['n_arms'] - 1}; got {action!r}")
        p = self._params
        arm = int(action)
        mean = self._means[arm]
        if p["reward_distribution"] == "bernoulli":
            reward = 1.0 if self.np_random.random() < mean else 0.0
        else:
            reward = float(self.np_random.normal(mean, p["reward_std"]))
        self._steps += 1
        best = self._means.max()
        info = {"regret": float(best - mean), "best": bool(mean == best)}
        return 0, reward, False, self._steps >= p["max_episode_steps"], info
