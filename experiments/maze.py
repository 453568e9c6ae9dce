"""A maze learned with a teacher: ``maze-teacher``.

GridWorld's 10 x 10 maze (``maze-10``: 60 free cells, the shortest path
from start to goal 28 steps, 1 at the goal, nothing else, 200 steps at
most), one-hot Poisson inputs onto 4 groups of 10 escape-noise neurons, the
spiking Q-learner of ``taxi-td`` (:class:`~spikesim.value_learning.QNetwork`).
For the first ``teacher_episodes`` episodes a teacher, the maze's shortest
path (:func:`maze_teacher`), chooses the action in training with a share
that falls linearly from 1 to 0; the synapses onto the group of the action
taken learn from the TD error, whoever chose it. From then on the network
is alone.

The maze is solved when the greedy policy (no random number, the values
read from the weights) walks from start to goal within 110 % of the
shortest path (30 steps); :class:`GreedyPath` checks this after every
training episode, and training stops there. ``episodes_to_solve`` counts the
training episodes it took. Twins on the same seed: ``"no-teacher"``, the
same network without the teacher, and ``"optimistic"``, the same without
the teacher but with optimistic initial values (``v_bias = 0.2``), which
make it explore, the best learner without a teacher we found.

Measured (``spikesim replicate maze-teacher --runs 10``, seeds 0-9):
solved after 28-29 episodes with the teacher (greedy path 28 steps, about
1 s of training); not within 600 without it; 131-172 (median 167) with
optimistic values and no teacher.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

import numpy as np

from spikesim.experiments.discrete import DISCRETE_KEYS, DISCRETE_PARTS, q_sizes
from spikesim.experiments.registry import Experiment, Outcome, register
from spikesim.games import GridWorld
from spikesim.params import ConfigError
from spikesim.training import Callback, Results
from spikesim.value_learning import QNetwork

#: Solved: the greedy path within this factor of the shortest.
PATH_TOLERANCE = 1.1


@lru_cache(maxsize=1)
def _maze() -> GridWorld:
    return GridWorld(preset="maze-10")


def maze_teacher(observation: int) -> int:
    """The teacher of ``maze-10``: a move along a shortest path to the goal
    (:meth:`~spikesim.games.GridWorld.shortest_action`).

    >>> maze_teacher(0)  # from the start, (0, 0): right
    1
    """
    return _maze().shortest_action(observation)


def greedy_path(network: QNetwork, game: GridWorld) -> int | None:
    """The steps the greedy policy takes from ``game``'s start to its goal
    (None: it does not arrive within the game's episode limit), read from the
    network's values without a tick, a random number or plasticity."""
    position = game.start
    for step in range(1, game.params["max_episode_steps"] + 1):
        action = int(np.argmax(network.q_values(game.index(position))))
        dr, dc = ((-1, 0), (0, 1), (1, 0), (0, -1))[action]
        r, c = position[0] + dr, position[1] + dc
        if 0 <= r < game.shape[0] and 0 <= c < game.shape[1] and not game.wall[r, c]:
            position = (r, c)
        if position == game.goal:
            return step
    return None


class GreedyPath(Callback):
    """After every training episode, the greedy path's length
    (:func:`greedy_path`, kept in the episode's record as ``greedy_steps``,
    None when it does not arrive); training stops once it is within
    :data:`PATH_TOLERANCE` of the shortest path, which every record keeps as
    ``shortest_steps``."""

    def __init__(self) -> None:
        self.solved = False

    def on_episode_end(self, network, game, record):
        maze = game.unwrapped
        shortest = int(maze.distances()[maze.start])
        record["shortest_steps"] = shortest
        if record["phase"] != "train":
            return
        steps = greedy_path(network, maze)
        record["greedy_steps"] = steps
        self.solved = steps is not None and steps <= PATH_TOLERANCE * shortest

    def stop_training(self, network, game):
        return self.solved


def path_ratio(results: Results) -> float:
    """The shortest path over the steps of the (first) greedy evaluation
    episode when it reached the goal, else 0: 1 is a shortest path."""
    record = results.phase("eval")[0]
    return float(record["shortest_steps"] / record["steps"]) if record["total_reward"] > 0 else 0.0


class MazeQ(QNetwork):
    """The maze's 100 cells (one-hot) -> 4 x 10 escape-noise neurons; values
    from 0 (``v_bias``), 1 mV of drive per step worth 10; the teacher
    :func:`maze_teacher` for the first 50 episodes."""

    parts = DISCRETE_PARTS
    keys = {**DISCRETE_KEYS, **q_sizes(4), "n_inputs": 100, "n_states": 100, "v_scale": 10.0, "v_bias": 0.0,
            "learning_rate": 0.19, "gamma": 0.95, "teacher": maze_teacher, "teacher_episodes": 50}  # fmt: skip


#: The twins' overrides: the same network without the teacher, and with optimistic values.
TWINS = {"no-teacher": {"teacher_episodes": 0}, "optimistic": {"teacher_episodes": 0, "v_bias": 0.2}}


@dataclass(frozen=True)
class MazeExperiment(Experiment):
    """A maze trained until its greedy path is short enough (:class:`GreedyPath`),
    with the twins :data:`TWINS`."""

    twins: tuple[str, ...] = tuple(TWINS)

    def build(self, overrides: Mapping[str, Any] | None = None, seed: int | None = None) -> tuple[Any, Any]:
        """The network and the maze; :func:`maze_teacher` teaches ``maze-10`` only, so another maze with
        it is refused."""
        network, game = super().build(overrides, seed)
        taught = network.config["teacher"] is maze_teacher and network.config["teacher_episodes"] > 0
        if taught and not (np.array_equal(game.wall, _maze().wall) and game.goal == _maze().goal):
            raise ConfigError(f"experiment {self.name!r}: the teacher maze_teacher knows the maze 'maze-10' only; "
                              "give another maze teacher=null or a teacher of its own")  # fmt: skip
        return network, game

    def run(self, overrides: Mapping[str, Any] | None = None, seed: int | None = None, callbacks: tuple = (),
            **options: Any) -> Outcome:  # fmt: skip
        return super().run(overrides, seed, callbacks=(GreedyPath(), *callbacks), **options)

    def run_twin(self, twin: str, overrides: Mapping[str, Any] | None = None, seed: int | None = None,
                 **schedule: Any) -> Outcome:  # fmt: skip
        if twin not in TWINS:
            return super().run_twin(twin, overrides, seed)
        return self.run({**dict(overrides or {}), **TWINS[twin]}, seed, progress=False, **schedule)

    def measures(self, outcome: Outcome) -> dict:
        """``episodes_to_solve`` (None: not within the budget), the training's
        episodes and wall time, the last greedy path's steps."""
        train = outcome.results.phase("train")
        solved = bool(train) and train[-1]["greedy_steps"] is not None and (
            train[-1]["greedy_steps"] <= PATH_TOLERANCE * train[-1]["shortest_steps"])
        return {"episodes_to_solve": len(train) if solved else None, "train_episodes": len(train),
                "train_wall_s": float(sum(r["wall_s"] for r in train)),
                "greedy_steps": train[-1].get("greedy_steps") if train else None}  # fmt: skip


MAZE_TEACHER = register(
    MazeExperiment(
        name="maze-teacher",
        description="a spiking Q-learner in a 10 x 10 maze, taught the shortest path for its first 50 episodes",
        network=MazeQ, game=GridWorld, game_params={"preset": "maze-10"}, keys={"seed": 0},
        episodes=600, len_episode=200, eval_episodes=1, metric=path_ratio,
        metric_name="shortest path / greedy path in evaluation (1: a shortest path; 0: never arrives)",
        target=1 / PATH_TOLERANCE,
    )  # fmt: skip
)
