"""Demonstrations: episodes of a policy in a game, recorded to a file that
a network can learn from offline (the game switched off).

The file is an ``.npz`` archive (written atomically, read without
unpickling), one row per environment step, the episodes one after another:

============================  ===========================================================
array                         content
============================  ===========================================================
``observations``              the observation before the step, ``(n_steps, *obs_shape)``
``actions``                   the action taken, ``(n_steps, *action_shape)``
``rewards``                   the step's reward, float64 ``(n_steps,)``
``next_observations``         the observation after the step
``terminated``, ``truncated`` how the step ended its episode (bool; both False mid-episode)
``episode``                   the episode of the step, 0, 1, ... in order (int64)
``meta``                      JSON text: ``format`` (1), ``env_id``, ``env_kwargs``, ``policy``, ``seed``
============================  ===========================================================

The last step of every episode is terminated or truncated. A policy is a
registered name (:data:`POLICIES`): a file or a command line never makes
spikesim import or call anything else.

Examples
--------
>>> import tempfile, pathlib
>>> demos = record("CartPole-v1", "cartpole-balance", episodes=2, seed=0)
>>> demos.returns().tolist()
[500.0, 500.0]
>>> path = pathlib.Path(tempfile.mkdtemp()) / "cartpole.npz"
>>> demos.save(path)
>>> Demonstrations.load(path).episode_count, len(Demonstrations.load(path))
(2, 1000)
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import gymnasium
import numpy as np

from spikesim import files
from spikesim.params import ConfigError, closest

FORMAT = 1
ARRAYS = ("observations", "actions", "rewards", "next_observations", "terminated", "truncated", "episode")


class DemonstrationError(ValueError):
    """A demonstrations file that does not hold what the format says."""


def cartpole_balance(env: gymnasium.Env, seed: int | None) -> Callable[[Any], int]:
    """CartPole's hand-made expert: push the cart towards the side the pole
    falls to, ``action = 1 (right) if 3 theta + theta_dot > 0 else 0``
    (measured: 500 steps, the limit, in 100 of 100 seeded CartPole-v1 episodes)."""
    if env.observation_space.shape != (4,) or getattr(env.action_space, "n", None) != 2:
        raise ConfigError(f"policy 'cartpole-balance' expects CartPole's 4 observations and 2 actions; "
                          f"got {env.observation_space} and {env.action_space}")  # fmt: skip
    return lambda observation: int(3.0 * observation[2] + observation[3] > 0.0)


def shortest_path(env: gymnasium.Env, seed: int | None) -> Callable[[Any], int]:
    """A grid world's teacher: a move along a shortest path to the goal
    (:meth:`~spikesim.games.GridWorld.shortest_action`)."""
    teacher = getattr(env.unwrapped, "shortest_action", None)
    if teacher is None:
        raise ConfigError(f"policy 'shortest-path' expects a GridWorld (spikesim/GridWorld-v0); got {env.unwrapped}")
    return teacher


def random_policy(env: gymnasium.Env, seed: int | None) -> Callable[[Any], Any]:
    """Uniform actions from the action space, seeded with ``seed``."""
    env.action_space.seed(seed)
    return lambda observation: env.action_space.sample()


#: Policies by name: ``make(env, seed)`` returns ``observation -> action``.
POLICIES: dict[str, Callable[[gymnasium.Env, int | None], Callable[[Any], Any]]] = {
    "random": random_policy,
    "cartpole-balance": cartpole_balance,
    "shortest-path": shortest_path,
}


@dataclass(frozen=True)
class Demonstrations:
    """Recorded steps (see the module doc for the arrays) and their ``meta``."""

    arrays: Mapping[str, np.ndarray]
    meta: Mapping[str, Any]

    def __post_init__(self) -> None:
        missing = [name for name in ARRAYS if name not in self.arrays]
        if missing:
            raise DemonstrationError(f"demonstrations: missing array{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
        n = len(self.arrays["rewards"])
        wrong = [f"{name} has {len(self.arrays[name])} rows" for name in ARRAYS if len(self.arrays[name]) != n]
        if wrong:
            raise DemonstrationError(f"demonstrations: every array must have one row per step ({n}); " + ", ".join(wrong))
        episode = self.arrays["episode"]
        ends = self.arrays["terminated"] | self.arrays["truncated"]
        if n and (episode[0] != 0 or np.any(np.diff(episode) < 0) or np.any(np.diff(episode) > 1)):
            raise DemonstrationError("demonstrations: 'episode' must count 0, 1, ... in order")
        if n and not np.array_equal(np.flatnonzero(ends), np.flatnonzero(np.append(np.diff(episode), 1))):
            raise DemonstrationError("demonstrations: each episode's last step, and only it, must be terminated or truncated")

    def __len__(self) -> int:
        return len(self.arrays["rewards"])

    @property
    def episode_count(self) -> int:
        return int(self.arrays["episode"][-1]) + 1 if len(self) else 0

    def returns(self) -> np.ndarray:
        """The total reward of each episode."""
        return np.bincount(self.arrays["episode"], weights=self.arrays["rewards"], minlength=self.episode_count)

    def save(self, path: str | os.PathLike, overwrite: bool = False) -> None:
        """Write the file atomically; an existing file is kept unless ``overwrite``."""
        path = Path(path)
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} exists; pass overwrite=True (--overwrite) to replace it")
        meta = np.array(json.dumps({"format": FORMAT, **self.meta}))
        files.write_npz(path, {**{name: self.arrays[name] for name in ARRAYS}, "meta": meta})

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Demonstrations":
        """Read a file written by :meth:`save` (never unpickling); a file of
        another format raises :class:`DemonstrationError` naming it."""
        arrays = files.read_npz(path)
        try:
            meta = json.loads(str(arrays.pop("meta")))
        except (KeyError, ValueError):
            raise DemonstrationError(f"{path}: no readable 'meta' (not a spikesim demonstrations file)") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise DemonstrationError(f"{path}: format {meta.get('format') if isinstance(meta, dict) else meta!r}; "
                                     f"expected {FORMAT}")  # fmt: skip
        try:
            return cls(arrays, {k: v for k, v in meta.items() if k != "format"})
        except DemonstrationError as error:
            raise DemonstrationError(f"{path}: {error}") from None


def record(env: str | gymnasium.Env, policy: str, episodes: int, seed: int | None = 0,
           len_episode: int | None = None) -> Demonstrations:  # fmt: skip
    """``episodes`` episodes of the registered ``policy`` in ``env`` (a
    gymnasium id or environment), each of at most ``len_episode`` steps
    (None: the environment's own limit, its spec's or a spikesim game's
    ``max_episode_steps``; a step cut by ``len_episode`` is recorded as
    truncated); the first reset is seeded with ``seed``, as is
    the policy."""
    if policy not in POLICIES:
        raise ConfigError(f"unknown policy {policy!r}{closest(policy, POLICIES)} Policies: {', '.join(POLICIES)}")
    if not isinstance(episodes, int) or isinstance(episodes, bool) or episodes < 1:
        raise ConfigError(f"record: episodes expects an integer >= 1; got {episodes!r}")
    env_id = env if isinstance(env, str) else getattr(env.spec, "id", type(env).__name__)
    env = gymnasium.make(env) if isinstance(env, str) else env
    limit = len_episode if len_episode is not None else getattr(env.spec, "max_episode_steps", None)
    if limit is None:  # spikesim's games cut their episodes themselves
        limit = dict(getattr(env.unwrapped, "params", {})).get("max_episode_steps")
    if limit is None or not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise ConfigError(f"record: len_episode expects an integer >= 1 (the environment {env_id} has no episode "
                          f"limit of its own); got {len_episode!r}")  # fmt: skip
    act = POLICIES[policy](env, seed)
    rows: dict[str, list] = {name: [] for name in ARRAYS}
    for episode in range(episodes):
        observation, _ = env.reset(seed=seed if episode == 0 else None)
        for step in range(limit):
            action = act(observation)
            observation_next, reward, terminated, truncated, _ = env.step(action)
            truncated = truncated or (step == limit - 1 and not terminated)
            for name, value in zip(ARRAYS, (observation, action, float(reward), observation_next, bool(terminated),
                                            bool(truncated), episode)):  # fmt: skip
                rows[name].append(value)
            observation = observation_next
            if terminated or truncated:
                break
    arrays = {name: np.asarray(values) for name, values in rows.items()}
    arrays["rewards"] = arrays["rewards"].astype(np.float64)
    arrays["episode"] = arrays["episode"].astype(np.int64)
    env_kwargs = files.to_json(dict(getattr(env.spec, "kwargs", None) or {}))
    return Demonstrations(arrays, {"env_id": env_id, "env_kwargs": env_kwargs, "policy": policy, "seed": seed})
