"""``Series``: one experiment over a grid of parameter values.

Every point of the grid (the product of the values given per parameter) is
run ``reruns`` times (seeds ``seed`` .. ``seed + reruns - 1``), serially or
on Ray, and its metric recorded; with ``out=`` each point is one line of
``series.jsonl`` as the series ends.
"""
from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from spikesim import files
from spikesim.meta.backends import Evaluation, make_backend
from spikesim.meta.constraints import plain
from spikesim.params import ConfigError, closest


class _PointRunner:
    """The metagame of a series: fitness = the metric, done = success."""

    def __init__(self, experiment: Any, overrides: Mapping[str, Any], seed: int, schedule: Mapping[str, Any]) -> None:
        self.experiment, self.overrides, self.seed, self.schedule = experiment, dict(overrides), seed, dict(schedule)

    def get_fitness(self, genotype: Mapping[str, Any], rerun: int = 0) -> tuple[float, bool]:
        outcome = self.experiment.run({**self.overrides, **genotype}, seed=self.seed + rerun, progress=False,
                                      **self.schedule)  # fmt: skip
        return outcome.metric, bool(outcome.success)


class Series:
    """One experiment over a grid of parameter values, results per point.

    Parameters
    ----------
    experiment
        A registered experiment's name or an ``Experiment``.
    grid
        ``name -> list of values``; every combination is a point.
    reruns
        Runs per point (seeds ``seed + r``).
    seed
        Seed of the first run of every point.
    overrides
        Fixed parameters of every run.
    episodes, len_episode, eval_episodes
        The training schedule (default: the experiment's).

    Examples
    --------
    >>> series = Series("xor", {"learning_rate": [0.1, 1.0]}, episodes=0, len_episode=4)
    >>> [point["point"] for point in series.run(backend="serial")]
    [{'learning_rate': 0.1}, {'learning_rate': 1.0}]
    """

    def __init__(
        self,
        experiment: Any,
        grid: Mapping[str, Sequence[Any]],
        reruns: int = 1,
        seed: int = 0,
        overrides: Mapping[str, Any] | None = None,
        episodes: int | None = None,
        len_episode: int | None = None,
        eval_episodes: int | None = None,
    ) -> None:
        from spikesim import experiments

        self.experiment = experiments.get(experiment) if isinstance(experiment, str) else experiment
        namespace = self.experiment.namespace()
        if not grid:
            raise ConfigError(f"Series of {self.experiment.name!r}: the grid is empty; give name -> list of values")
        self.grid: dict[str, list] = {}
        for name, values in grid.items():
            if name not in namespace:
                raise ConfigError(f"Series of {self.experiment.name!r}: unknown key {name!r}{closest(name, namespace)}")
            param, owner = namespace[name]
            values = [plain(v) for v in (list(values) if not np.isscalar(values) else [values])]
            if not values:
                raise ConfigError(f"Series of {self.experiment.name!r}: key {name!r} has no values")
            for v in values:
                param.check(v, owner)
            self.grid[name] = values
        if int(reruns) != reruns or reruns < 1:
            raise ConfigError(f"Series: key 'reruns' expects an integer in [1, inf); got {reruns!r}")
        self.reruns, self.seed = int(reruns), int(seed)
        self.overrides = dict(overrides or {})
        self.experiment.split(self.overrides)
        self.schedule = {k: v for k, v in (("episodes", episodes), ("len_episode", len_episode),
                                           ("eval_episodes", eval_episodes)) if v is not None}  # fmt: skip

    def points(self) -> list[dict]:
        """The grid's points, the last parameter varying fastest."""
        names = list(self.grid)
        return [dict(zip(names, values)) for values in itertools.product(*self.grid.values())]

    def run(
        self,
        backend: Any = "serial",
        address: str | None = None,
        workers: int | None = None,
        out: str | os.PathLike | None = None,
        on_evaluation: Callable[[int, int, Evaluation], None] | None = None,
    ) -> list[dict]:
        """Run every point; returns one record per point: ``point``,
        ``metrics`` (one per rerun, None when it failed), ``metric`` (their
        mean), ``success`` (one per rerun), ``errors``."""
        points = self.points()
        jobs = [(p, r) for p in points for r in range(self.reruns)]
        runner = make_backend(backend, workers=workers, address=address)
        finished = [0]

        def on_result(index: int, evaluation: Evaluation) -> None:
            finished[0] += 1
            if on_evaluation is not None:
                on_evaluation(finished[0], len(jobs), evaluation)

        try:
            game = _PointRunner(self.experiment, self.overrides, self.seed, self.schedule)
            evaluations = runner.map(game, jobs, on_result)
        finally:
            if runner is not backend:
                runner.close()
        records = []
        for k, point in enumerate(points):
            runs = evaluations[k * self.reruns : (k + 1) * self.reruns]
            metrics = [e.fitness for e in runs]
            good = [m for m in metrics if m is not None]
            records.append({
                "point": point,
                "metrics": metrics,
                "metric": float(np.mean(good)) if good else None,
                "success": [None if e.error else e.done for e in runs],
                "errors": [e.error for e in runs if e.error is not None],
            })  # fmt: skip
        if out is not None:
            out = Path(out)
            out.mkdir(parents=True, exist_ok=True)
            settings = {"experiment": self.experiment.name, "grid": self.grid, "reruns": self.reruns,
                        "seed": self.seed, "overrides": self.overrides, "schedule": self.schedule}  # fmt: skip
            files.write_json(out / "series.json", files.to_json(settings))
            files.write_json_lines(out / "series.jsonl", [files.to_json(record) for record in records])
        return records

