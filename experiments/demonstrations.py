"""Learning from demonstrations, offline: ``cartpole-demo``.

A policy's episodes are recorded (:mod:`spikesim.games.demonstrations`),
the spiking actor-critic of ``cartpole-ac`` learns from them with the game
switched off (:func:`spikesim.actor_critic.learn_from_demonstrations`:
behaviour cloning by the policy gradient of the actor's spikes), and only
then plays, greedily, online. Its own exploration plays no part: it never
acts during learning.

The inputs' ranges are the demonstrations' observed ranges, widened by
:data:`RANGE_MARGIN` of their width on each side: the expert keeps the pole
within a few hundredths of a radian, a fiftieth of the range a learner
from scratch must cover, and the Fourier features of the wider range cannot
draw the expert's boundary ``3 theta + theta_dot = 0`` there (measured with
cartpole-ac's ranges: 100-145 steps after one pass).

Measured (``spikesim replicate cartpole-demo --runs 10 --workers 1``, seeds
0-9): 100 expert episodes (50,000 steps, return 500 each), one pass, then
100 greedy episodes online: median 492.3 (479.4-497.3), 10 of 10 seeds at
the target 450 (90 % of the expert); the offline pass took a median 35 s
(17.7 s on an idle core).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

import numpy as np

from spikesim.actor_critic import learn_from_demonstrations
from spikesim.experiments.control import CARTPOLE_AC
from spikesim.experiments.registry import Experiment, mean_total_reward, register
from spikesim.games.demonstrations import Demonstrations, record

#: Widening of the demonstrations' observation ranges, in units of their width, on each side.
RANGE_MARGIN = 0.1
#: The demonstrations of seed ``s`` are recorded from seed ``DEMO_SEED + s``, apart from the evaluation's.
DEMO_SEED = 1_000_000


def observed_ranges(demos: Demonstrations, margin: float = RANGE_MARGIN) -> tuple[list[float], list[float]]:
    """Per dimension, the demonstrations' lowest and highest observation,
    each moved out by ``margin`` times their distance.

    >>> arrays = {"observations": np.array([[0.0, 1.0], [1.0, 3.0]])}
    >>> observed_ranges(type("D", (), {"arrays": arrays})(), margin=0.5)
    ([-0.5, 0.0], [1.5, 4.0])
    """
    observations = np.asarray(demos.arrays["observations"], dtype=np.float64)
    low, high = observations.min(axis=0), observations.max(axis=0)
    width = np.where(high > low, high - low, 1.0)
    return (low - margin * width).tolist(), (high + margin * width).tolist()


@lru_cache(maxsize=4)
def recorded(env_id: str, policy: str, episodes: int, seed: int) -> Demonstrations:
    """:func:`~spikesim.games.demonstrations.record`, kept for the next call
    with the same arguments (a run records once for its ranges and its
    learning)."""
    return record(env_id, policy, episodes, seed=seed)


@dataclass(frozen=True)
class DemonstrationExperiment(Experiment):
    """Learn offline from ``demo_episodes`` recorded episodes of ``policy``
    in ``env_id`` (``epochs`` passes, in :meth:`prepare`), then run the
    experiment's schedule (no online training in ``cartpole-demo``:
    evaluation only). The demonstrations of seed ``s`` are recorded with
    seed ``DEMO_SEED + s``; the run's config keeps the demonstrator's mean
    return (``expert_return``), the steps learned from and the offline
    learning's wall time, under ``meta["prepared"]``."""

    env_id: str = "CartPole-v1"
    policy: str = "cartpole-balance"
    demo_episodes: int = 100
    epochs: int = 1

    def demonstrations(self, seed: int) -> Demonstrations:
        """The recorded episodes the run of ``seed`` learns from."""
        return recorded(self.env_id, self.policy, self.demo_episodes, DEMO_SEED + int(seed))

    def build(self, overrides: Mapping[str, Any] | None = None, seed: int | None = None) -> tuple[Any, Any]:
        """The network, its inputs' ranges those of the demonstrations
        (:func:`observed_ranges`), and the game."""
        seed = self.keys["seed"] if seed is None else seed
        low, high = observed_ranges(self.demonstrations(seed))
        return super().build({"obs_low": low, "obs_high": high, **(overrides or {})}, seed)

    def prepare(self, network: Any, game: Any) -> dict:
        """Learn from the demonstrations of the network's seed."""
        demos = self.demonstrations(network.seed)
        start = time.perf_counter()
        learn_from_demonstrations(network, demos.arrays["observations"], demos.arrays["actions"],
                                  demos.arrays["episode"], epochs=self.epochs)  # fmt: skip
        return {"expert_return": float(demos.returns().mean()), "demo_episodes": demos.episode_count,
                "demo_steps": len(demos), "offline_wall_s": time.perf_counter() - start}  # fmt: skip

    def measures(self, outcome: Any) -> dict:
        """What :meth:`prepare` kept: the demonstrator's mean return, the
        episodes and steps learned from, the offline learning's wall time."""
        return dict(outcome.results.config["meta"]["prepared"])


CARTPOLE_DEMO = register(
    DemonstrationExperiment(
        name="cartpole-demo",
        description="cartpole-ac's spiking actor-critic learning CartPole-v1 offline from 100 expert episodes",
        network=CARTPOLE_AC.network, game=CARTPOLE_AC.game, game_params=CARTPOLE_AC.game_params, keys={"seed": 0},
        episodes=0, len_episode=500, eval_episodes=100, metric=mean_total_reward,
        metric_name="mean greedy return online after offline learning (the expert: 500; random: about 22)",
        target=450.0,
    )  # fmt: skip
)
