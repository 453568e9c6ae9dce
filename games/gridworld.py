"""A grid world: walk from a start cell to a goal cell around walls."""
from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from spikesim.games.game import Game
from spikesim.params import ConfigError, Param

#: Moves of the actions up, right, down, left as (row, column) offsets.
MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))
ACTION_NAMES = ("up", "right", "down", "left")


def _show(value: Any) -> str:
    """A cell as given, integral numbers as ints: ``(2, 0)``."""
    try:
        return repr(tuple(int(x) if float(x).is_integer() else float(x) for x in np.ravel(value)))
    except (TypeError, ValueError):
        return repr(value)


def parse_layout(text: str) -> dict[str, Any]:
    """GridWorld parameters from a text map: one line per row, ``#`` a wall,
    ``S`` the start, ``G`` the goal, ``.`` a free cell (leading and trailing
    blank lines and indentation are ignored; all rows must be equally long).

    Examples
    --------
    >>> parse_layout('''
    ...     S.#
    ...     ..G
    ... ''')
    {'n_rows': 2, 'n_cols': 3, 'walls': [(0, 2)], 'start': (0, 0), 'goal': (1, 2)}
    """
    rows = [line.strip() for line in text.strip().splitlines()]
    if not rows or len({len(r) for r in rows}) != 1:
        raise ConfigError(f"GridWorld: a layout needs rows of equal length; got {rows!r}")
    found: dict[str, list[tuple[int, int]]] = {"#": [], "S": [], "G": []}
    for r, row in enumerate(rows):
        for c, char in enumerate(row):
            if char not in "#SG.":
                raise ConfigError(f"GridWorld: layout character {char!r} at row {r}, column {c} is not one of # S G .")
            if char != ".":
                found[char].append((r, c))
    if len(found["S"]) != 1 or len(found["G"]) != 1:
        raise ConfigError(f"GridWorld: a layout needs one S and one G; got {len(found['S'])} and {len(found['G'])}")
    return {"n_rows": len(rows), "n_cols": len(rows[0]), "walls": found["#"], "start": found["S"][0], "goal": found["G"][0]}


MAZE = """
    S..#.....
    ##.#.###.
    ...#...#.
    .#####.#.
    ...#...#.
    ##.#.###.
    .......#G
"""


#: A 10 x 10 maze: 60 free cells, all reachable; the shortest path from S to G takes 28 steps.
MAZE_10 = """
    S...#.....
    ###.#.###.
    ....#...#.
    .####.#.#.
    ......#.#.
    .#####..#.
    ......#.#.
    .####.#.#.
    .#....#...
    .#.####.#G
"""


class GridWorld(Game):
    """Walk a grid of ``n_rows`` x ``n_cols`` cells from ``start`` to ``goal``.

    The observation is the index of the current cell, ``row * n_cols +
    col``. The actions 0, 1, 2, 3 move up, right, down and left. With
    probability ``slip_probability`` the walker slips: it moves in one of
    the two directions perpendicular to the chosen one instead, each with
    probability ``slip_probability / 2`` (one uniform draw ``u`` per step:
    ``u < p/2`` turns counter-clockwise, ``p/2 <= u < p`` clockwise; no draw
    when ``p = 0``). A move into a wall or off the grid leaves it in place.

    Reaching the goal terminates the episode with reward ``goal_reward``;
    every other step gives ``-step_cost``. Episodes are truncated after
    ``max_episode_steps`` steps. ``reset(options={"start": (row, col)})``
    starts elsewhere. The ``"maze"`` preset is :data:`MAZE` (see
    :func:`parse_layout`), ``"maze-10"`` is :data:`MAZE_10`.
    :meth:`distances` gives every cell's fewest steps to the goal, and
    :meth:`shortest_action` the teacher's move along a shortest path.

    Examples
    --------
    >>> game = GridWorld(n_rows=2, n_cols=2)
    >>> game.reset(seed=0)
    (0, {})
    >>> game.step(1)[:3]
    (1, 0.0, False)
    >>> game.step(2)[:3]
    (3, 1.0, True)
    """

    PARAMS = (
        Param("n_rows", "int", 5, "number of rows of the grid", "[1, inf)"),
        Param("n_cols", "int", 5, "number of columns of the grid", "[1, inf)"),
        Param("walls", "array", None, "(row, col) of every wall cell, one pair per wall (None: no walls)"),
        Param("start", "array", (0, 0), "(row, col) of the start cell"),
        Param("goal", "array", None, "(row, col) of the goal cell (None: the bottom-right cell)"),
        Param("slip_probability", "float", 0.0, "probability that a move goes to a perpendicular direction instead", "[0, 1]"),
        Param("step_cost", "float", 0.0, "cost of every step that does not reach the goal (its reward is -step_cost)"),
        Param("goal_reward", "float", 1.0, "reward of reaching the goal"),
        Param("max_episode_steps", "int", 100, "steps after which an episode is truncated", "[1, inf)"),
    )
    PRESETS = {
        "open": {},
        "maze": {**parse_layout(MAZE), "max_episode_steps": 200},
        "slippery-maze": {**parse_layout(MAZE), "max_episode_steps": 200, "slip_probability": 0.1},
        "maze-10": {**parse_layout(MAZE_10), "max_episode_steps": 200},
    }
    metadata = {"render_modes": []}

    def __init__(self, preset: str | None = "open", **params: Any) -> None:
        super().__init__(preset, **params)
        p = self._params
        self.shape = (p["n_rows"], p["n_cols"])
        self.wall = np.zeros(self.shape, dtype=bool)
        walls = p["walls"]
        if walls is not None and walls.size:
            if walls.ndim != 2 or walls.shape[1] != 2:
                raise ConfigError(f"GridWorld: key 'walls' expects (row, col) pairs; got an array of shape {walls.shape}")
            for pair in walls:
                r, c = self._cell("walls", pair)
                self.wall[r, c] = True
        self.start = self._cell("start", p["start"])
        self.goal = self._cell("goal", p["goal"] if p["goal"] is not None else (self.shape[0] - 1, self.shape[1] - 1))
        for key, (r, c) in (("start", self.start), ("goal", self.goal)):
            if self.wall[r, c]:
                raise ConfigError(f"GridWorld: key {key!r} expects a cell that is not a wall; got {(r, c)}")
        self.observation_space = spaces.Discrete(self.shape[0] * self.shape[1])
        self.action_space = spaces.Discrete(4)
        self._position: tuple[int, int] | None = None
        self._steps = 0
        self._distances: np.ndarray | None = None  # distances(), for shortest_action

    def _cell(self, key: str, value: Any) -> tuple[int, int]:
        cell = np.ravel(value)
        if (
            cell.size != 2
            or not all(float(x).is_integer() for x in cell)
            or not (0 <= cell[0] < self.shape[0] and 0 <= cell[1] < self.shape[1])
        ):
            raise ConfigError(
                f"GridWorld: key {key!r} expects (row, col) cells of the {self.shape[0]} x {self.shape[1]} grid; "
                f"got {_show(value)}"
            )
        return int(cell[0]), int(cell[1])

    def index(self, cell: tuple[int, int]) -> int:
        """The observation of ``cell``: ``row * n_cols + col``."""
        return cell[0] * self.shape[1] + cell[1]

    def cell(self, index: int) -> tuple[int, int]:
        """The (row, col) of observation ``index``."""
        return divmod(int(index), self.shape[1])

    def distances(self) -> np.ndarray:
        """The fewest steps from each cell to the goal without slipping
        (breadth-first search from the goal), ``(n_rows, n_cols)``; walls
        and cells cut off from the goal are ``inf``.

        >>> float(GridWorld(preset="maze-10").distances()[0, 0])  # from the start
        28.0
        """
        distance = np.full(self.shape, np.inf)
        distance[self.goal] = 0.0
        frontier = [self.goal]
        while frontier:
            reached = []
            for r, c in frontier:
                for dr, dc in MOVES:
                    rr, cc = r + dr, c + dc
                    if 0 <= rr < self.shape[0] and 0 <= cc < self.shape[1] and not self.wall[rr, cc] \
                            and distance[rr, cc] == np.inf:
                        distance[rr, cc] = distance[r, c] + 1.0
                        reached.append((rr, cc))
            frontier = reached
        return distance

    def shortest_action(self, observation: int) -> int:
        """A move from cell ``observation`` one step closer to the goal
        (the first of up, right, down, left that is), the teacher of the maze
        experiments; 0 from the goal or a cell cut off from it.

        >>> game = GridWorld(n_rows=2, n_cols=2)
        >>> [game.shortest_action(i) for i in range(4)]  # right, down, right, (goal)
        [1, 2, 1, 0]
        """
        if self._distances is None:
            self._distances = self.distances()
        r, c = self.cell(observation)
        here = self._distances[r, c]
        for action, (dr, dc) in enumerate(MOVES):
            rr, cc = r + dr, c + dc
            if 0 <= rr < self.shape[0] and 0 <= cc < self.shape[1] and self._distances[rr, cc] < here:
                return action
        return 0

    def states(self) -> list[int]:
        """Every cell a walker can be in (the walls excluded)."""
        return [self.index((r, c)) for r, c in zip(*np.nonzero(~self.wall))]

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[int, dict]:
        super().reset(seed=seed)
        start = self.start
        if options and "start" in options:
            start = self._cell("start", options["start"])
            if self.wall[start]:
                raise ValueError(f"GridWorld: cannot start in wall cell {start}")
        self._position = start
        self._steps = 0
        return self.index(start), {}

    def step(self, action: Any) -> tuple[int, float, bool, bool, dict]:
        if self._position is None:
            raise RuntimeError("GridWorld: call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"GridWorld: action must be 0 (up), 1 (right), 2 (down) or 3 (left); got {action!r}")
        p = self._params
        direction = int(action)
        slipped = False
        if p["slip_probability"] > 0.0:
            u = self.np_random.random()
            if u < p["slip_probability"]:
                slipped = True
                direction = (direction + (3 if u < p["slip_probability"] / 2 else 1)) % 4
        dr, dc = MOVES[direction]
        r, c = self._position[0] + dr, self._position[1] + dc
        if 0 <= r < self.shape[0] and 0 <= c < self.shape[1] and not self.wall[r, c]:
            self._position = (r, c)
        self._steps += 1
        arrived = self._position == self.goal
        reward = p["goal_reward"] if arrived else 0.0 - p["step_cost"]
        truncated = self._steps >= p["max_episode_steps"]
        return self.index(self._position), float(reward), arrived, truncated, {"direction": direction, "slipped": slipped}
