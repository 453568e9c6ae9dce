"""The teacher of the spiking Q-learner and the maze-teacher experiment."""
from __future__ import annotations

import numpy as np
import pytest

from spikesim import ConfigError
from spikesim.experiments import get
from spikesim.experiments.maze import MazeQ, greedy_path, maze_teacher
from spikesim.games import GridWorld


def maze_network(**keys):
    return MazeQ(game=GridWorld(preset="maze-10"), seed=1, **keys)


def test_the_teachers_share_falls_linearly_with_the_resets():
    net = maze_network(teacher_episodes=4)  # built: one reset
    shares = [net.teacher_share()]
    for _ in range(5):
        net.reset()
        shares.append(net.teacher_share())
    assert shares == [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    assert maze_network(teacher_episodes=0).teacher_share() == 0.0
    assert maze_network(teacher=None).teacher_share() == 0.0


def test_with_a_full_share_the_teacher_acts_and_its_group_learns():
    net = maze_network(teacher_episodes=1000)
    game = GridWorld(preset="maze-10")
    observation, _ = game.reset(seed=0)
    w0, taken = net.w.copy(), set()
    for _ in range(6):
        action = net.tick(observation)
        assert action == maze_teacher(observation) == game.shortest_action(observation)
        taken.add(action)
        observation_next, _, terminated, truncated, _ = game.step(action)
        net.reward(observation, action, observation_next, 1.0, terminated=terminated, truncated=truncated)
        observation = observation_next
    changed = np.flatnonzero(net.w != w0)
    assert changed.size and set(net.synapse_group[changed].tolist()) <= taken  # only the teacher's groups learned


def test_a_teacher_that_answers_outside_the_actions_is_named():
    net = maze_network(teacher=lambda observation: 7, teacher_episodes=10)
    with pytest.raises(ConfigError, match=r"the teacher's action expects an integer in \[0, 4\); got 7"):
        net.tick(0)


def test_the_greedy_path_is_read_from_the_weights_without_a_tick():
    net = maze_network()
    game = GridWorld(preset="maze-10")
    assert greedy_path(net, game) is None  # all values equal: always up, never arrives
    ticks = net.n_ticks
    rates = net.inputs.state.rates.copy()
    # values that point along the shortest path: a drive on the teacher's group of every cell
    for cell in range(100):
        net.w[(net.graph.sources == cell) & (net.synapse_group == maze_teacher(cell))] = 0.5
    assert greedy_path(net, game) == 28
    assert net.n_ticks == ticks and np.array_equal(net.inputs.state.rates, rates)


def test_maze_teacher_solves_the_maze_in_few_episodes_on_three_seeds():
    """Reduced: 3 seeds, at most 80 training episodes each; the greedy path
    must be within 110 % of the shortest (28 steps). Measured on seeds 0-4:
    solved after 28-29 episodes; without the teacher the same network had not
    solved it after 600 (see docs/discrete.md)."""
    experiment = get("maze-teacher")
    for seed in range(3):
        outcome = experiment.run(seed=seed, episodes=80, progress=False)
        measures = experiment.measures(outcome)
        assert measures["episodes_to_solve"] is not None and outcome.success, (seed, measures)


def test_the_maze_teacher_refuses_another_maze_and_the_metric_uses_the_runs_maze():
    experiment = get("maze-teacher")
    with pytest.raises(ConfigError, match="knows the maze 'maze-10' only"):
        experiment.build({"preset": "maze"})
    outcome = experiment.run({"preset": "maze", "teacher": None}, seed=0, episodes=1, progress=False)
    record = outcome.results.phase("eval")[0]
    assert record["shortest_steps"] == int(GridWorld(preset="maze").distances()[0, 0])
