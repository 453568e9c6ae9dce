"""MultiArmBandit and GridWorld: known answers, presets, check_env."""
from __future__ import annotations

import doctest
import math
from collections import deque

import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from spikesim import ConfigError
from spikesim.games import GridWorld, MultiArmBandit
from spikesim.games import bandit as bandit_module
from spikesim.games import gridworld as gridworld_module
from spikesim.games.gridworld import MAZE, parse_layout


# ---------------------------------------------------------------- bandit
def test_bernoulli_arms_pay_at_their_probability():
    game = MultiArmBandit(preset=None, n_arms=3, arm_means=[0.1, 0.5, 0.85], max_episode_steps=10**6)
    game.reset(seed=0)
    n = 4000
    for arm, p in enumerate((0.1, 0.5, 0.85)):
        rewards = [game.step(arm)[1] for _ in range(n)]
        assert set(rewards) <= {0.0, 1.0}
        assert abs(np.mean(rewards) - p) < 3 * math.sqrt(p * (1 - p) / n)


def test_gaussian_arms_have_their_mean_and_spread():
    game = MultiArmBandit(preset=None, n_arms=2, arm_means=[-1.0, 2.0], reward_distribution="gaussian", reward_std=0.5,
                          max_episode_steps=10**6)  # fmt: skip
    game.reset(seed=1)
    n = 4000
    for arm, mean in enumerate((-1.0, 2.0)):
        rewards = np.array([game.step(arm)[1] for _ in range(n)])
        assert abs(rewards.mean() - mean) < 3 * 0.5 / math.sqrt(n)
        assert abs(rewards.std(ddof=1) - 0.5) < 3 * 0.5 / math.sqrt(2 * (n - 1))


def test_drawn_means_follow_the_seed():
    game = MultiArmBandit(preset="ten-armed")
    with pytest.raises(RuntimeError, match="call reset"):
        game.means
    game.reset(seed=4)
    first = game.means
    assert first.shape == (10,) and ((first >= 0) & (first < 1)).all()
    game.reset(seed=4)
    np.testing.assert_array_equal(game.means, first)
    game.reset(seed=5)
    assert not np.array_equal(game.means, first)
    testbed = MultiArmBandit(preset="testbed")
    draws = np.concatenate([testbed.reset(seed=s) and testbed.means for s in range(200)])
    # 2000 standard normal draws: mean within 3 sigma of 0, standard deviation near 1
    assert abs(draws.mean()) < 3 / math.sqrt(2000) and abs(draws.std() - 1) < 3 / math.sqrt(4000)


def test_regret_best_arm_and_truncation():
    game = MultiArmBandit(preset="two-armed", max_episode_steps=3)
    obs, info = game.reset(seed=0)
    assert obs == 0 and game.best_arm() == 1
    _, _, terminated, truncated, info = game.step(0)
    assert info == {"regret": pytest.approx(0.6), "best": False} and not terminated and not truncated
    assert game.step(1)[4] == {"regret": 0.0, "best": True}
    assert game.step(1)[3] is True  # third pull: truncated


@pytest.mark.parametrize("preset", sorted(MultiArmBandit.PRESETS))
def test_bandit_check_env(preset):
    check_env(MultiArmBandit(preset=preset), skip_render_check=True)


def test_bandit_errors():
    with pytest.raises(ConfigError, match="key 'arm_means' expects 3 values \\(n_arms\\); got shape \\(2,\\)"):
        MultiArmBandit(n_arms=3, arm_means=[0.1, 0.2])
    with pytest.raises(ConfigError, match="key 'arm_means' expects probabilities in \\[0, 1\\] for bernoulli rewards"):
        MultiArmBandit(arm_means=[0.5, 1.5])
    with pytest.raises(ConfigError, match="key 'reward_distribution' expects a string among 'bernoulli', 'gaussian'"):
        MultiArmBandit(reward_distribution="poisson")
    game = MultiArmBandit()
    with pytest.raises(RuntimeError, match="call reset"):
        game.step(0)
    game.reset(seed=0)
    with pytest.raises(ValueError, match="action must be an arm in 0..1; got 2"):
        game.step(2)


# ---------------------------------------------------------------- grid world
def test_moves_walls_and_edges():
    game = GridWorld(n_rows=3, n_cols=3, walls=[(1, 1)], start=(1, 0), goal=(2, 2))
    assert game.reset(seed=0)[0] == 3
    assert game.step(1)[0] == 3  # right: the wall at (1, 1) blocks
    assert game.step(3)[0] == 3  # left: off the grid, stays
    assert game.step(0)[0] == 0  # up to (0, 0)
    assert game.step(0)[0] == 0  # up again: off the grid
    assert game.step(1)[0] == 1  # right to (0, 1)
    assert game.step(2)[0] == 1  # down: wall
    assert sorted(game.states()) == [0, 1, 2, 3, 5, 6, 7, 8]


def test_goal_terminates_with_its_reward_and_steps_cost():
    game = GridWorld(n_rows=1, n_cols=4, step_cost=0.1, goal_reward=5.0)
    game.reset(seed=0)
    assert game.step(1)[:4] == (1, -0.1, False, False)
    assert game.step(3)[:4] == (0, -0.1, False, False)
    game.step(1)
    game.step(1)
    assert game.step(1)[:4] == (3, 5.0, True, False)
    short = GridWorld(n_rows=2, n_cols=2, max_episode_steps=2)
    short.reset(seed=0)
    assert short.step(3)[2:4] == (False, False)
    assert short.step(3)[2:4] == (False, True)


def test_slip_probability_within_three_sigma():
    p, n = 0.3, 6000
    game = GridWorld(n_rows=3, n_cols=3, slip_probability=p, goal=(0, 0), max_episode_steps=10**6)
    game.reset(seed=2)
    counts = {"intended": 0, "counter-clockwise": 0, "clockwise": 0}
    for _ in range(n):
        game.reset(options={"start": (1, 1)})
        obs, _, _, _, info = game.step(2)  # down, from the centre to (2, 1)
        row, col = game.cell(obs)
        moved = {(2, 1): "intended", (1, 2): "counter-clockwise", (1, 0): "clockwise"}[(row, col)]
        counts[moved] += 1
        assert info["slipped"] == (moved != "intended")
    for moved, q in (("intended", 1 - p), ("counter-clockwise", p / 2), ("clockwise", p / 2)):
        assert abs(counts[moved] - n * q) < 3 * math.sqrt(n * q * (1 - q)), (moved, counts)


def layout_bfs(text: str) -> int:
    """Shortest path length from S to G in a text map (4-neighbour moves)."""
    rows = [line.strip() for line in text.strip().splitlines()]
    start = next((r, c) for r, row in enumerate(rows) for c, ch in enumerate(row) if ch == "S")
    dist = {start: 0}
    queue = deque([start])
    while queue:
        r, c = queue.popleft()
        if rows[r][c] == "G":
            return dist[(r, c)]
        for nr, nc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if 0 <= nr < len(rows) and 0 <= nc < len(rows[0]) and rows[nr][nc] != "#" and (nr, nc) not in dist:
                dist[(nr, nc)] = dist[(r, c)] + 1
                queue.append((nr, nc))
    raise AssertionError("no path")


def test_maze_shortest_path_equals_the_fewest_steps_the_game_allows():
    assert layout_bfs(MAZE) == 34  # counted by hand on the map, too
    game = GridWorld(preset="maze")
    # breadth-first search over the game's own transitions
    start = game.reset(seed=0)[0]
    parent = {start: None}
    queue = deque([start])
    goal = game.index(game.goal)
    while goal not in parent:
        cell = queue.popleft()
        for action in range(4):
            game.reset(options={"start": game.cell(cell)})
            nxt = game.step(action)[0]
            if nxt not in parent:
                parent[nxt] = (cell, action)
                queue.append(nxt)
    path = []
    cell = goal
    while parent[cell] is not None:
        cell, action = parent[cell]
        path.append(action)
    path.reverse()
    assert len(path) == 34
    # the path plays out: the goal ends the episode on step 34, with the goal's reward
    obs, _ = game.reset(seed=0)
    for k, action in enumerate(path, 1):
        obs, reward, terminated, truncated, _ = game.step(action)
        assert terminated == (k == 34) and reward == (1.0 if k == 34 else 0.0) and not truncated
    assert obs == goal


@pytest.mark.parametrize("preset", sorted(GridWorld.PRESETS))
def test_gridworld_check_env(preset):
    check_env(GridWorld(preset=preset), skip_render_check=True)


def test_parse_layout_and_gridworld_errors():
    assert parse_layout("S#\n.G") == {"n_rows": 2, "n_cols": 2, "walls": [(0, 1)], "start": (0, 0), "goal": (1, 1)}
    with pytest.raises(ConfigError, match="rows of equal length"):
        parse_layout("S..\n.G")
    with pytest.raises(ConfigError, match="one S and one G"):
        parse_layout("S..\n...")
    with pytest.raises(ConfigError, match="character 'x' at row 1, column 0"):
        parse_layout("S.\nxG")
    with pytest.raises(ConfigError, match="key 'start' expects a cell that is not a wall; got \\(0, 1\\)"):
        GridWorld(n_rows=2, n_cols=2, walls=[(0, 1)], start=(0, 1))
    with pytest.raises(ConfigError, match="key 'goal' expects \\(row, col\\) cells of the 2 x 2 grid; got \\(2, 0\\)"):
        GridWorld(n_rows=2, n_cols=2, goal=(2, 0))
    with pytest.raises(ConfigError, match="key 'walls' expects \\(row, col\\) pairs"):
        GridWorld(walls=[1, 2, 3])
    with pytest.raises(ConfigError, match="key 'slip_probability' expects a number in \\[0, 1\\]; got 1.5"):
        GridWorld(slip_probability=1.5)
    game = GridWorld()
    with pytest.raises(RuntimeError, match="call reset"):
        game.step(0)
    game.reset(seed=0)
    with pytest.raises(ValueError, match="action must be 0 \\(up\\)"):
        game.step(4)
    with pytest.raises(ValueError, match="cannot start in wall"):
        GridWorld(preset="maze").reset(options={"start": (0, 3)})


def test_docstrings_run():
    assert doctest.testmod(bandit_module).failed == 0
    assert doctest.testmod(gridworld_module).failed == 0


def test_the_shortest_path_teacher_walks_each_maze_in_its_fewest_steps():
    for preset, fewest in (("maze", None), ("maze-10", 28)):
        game = GridWorld(preset=preset)
        distance = game.distances()
        assert np.isinf(distance[game.wall]).all() and np.isfinite(distance[~game.wall]).all()  # all reachable
        observation, _ = game.reset(seed=0)
        for step in range(1, 200):
            observation, reward, terminated, truncated, _ = game.step(game.shortest_action(observation))
            if terminated:
                break
        assert step == distance[game.start] and reward == 1.0
        if fewest is not None:
            assert step == fewest


def test_distances_by_hand_with_a_cell_cut_off():
    game = GridWorld(n_rows=2, n_cols=3, walls=[(0, 1), (1, 1)], goal=(0, 0), start=(1, 0))
    np.testing.assert_array_equal(game.distances(), [[0, np.inf, np.inf], [1, np.inf, np.inf]])
    assert game.shortest_action(game.index((1, 0))) == 0  # up
    assert game.shortest_action(game.index((0, 2))) == 0  # cut off: no move gets closer
