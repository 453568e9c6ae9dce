"""Replications: one experiment over many seeds, in parallel, with success
rates and their 95 % confidence intervals beside the paper's.

``replicate("florian-rate-xor", runs=200, overrides={"rule": "mstdp"})``
runs seeds ``seed .. seed + runs - 1`` on Ray (a local cluster by default)
or serially. An experiment with twins (``experiment.twins``) runs each of
them on every seed too: the Florian XOR tasks a frozen twin (same seed, so
the same initial weights and inputs, plasticity off), the control tasks a
random policy and a non-spiking linear actor-critic. With ``out`` the
directory gets, as runs finish::

    out/
        replication.json     the settings
        runs/seed-0007/      one run directory per run (config.json,
        runs/seed-0007-frozen/   episodes.jsonl, arrays.npz), a twin's named after it
        results.jsonl        one line per run: seed, twin (null for the trained run),
                             success, metric, measures, wall_s
        summary.json         runs, success_rate, ci95, for every twin TWIN_success_rate
                             and TWIN_ci95, medians of the measures, paper_success_rate,
                             wall times

Every file is written atomically (:mod:`spikesim.files`). An ``out`` that is
not empty is refused unless ``overwrite=True`` (``--overwrite``), which first
removes the files of :data:`REPLICATION_FILES`. Interrupted (Ctrl-C), the
replication writes the summary of the runs that finished and raises
:class:`Interrupted`, which carries it.

The command is ``spikesim replicate`` (:mod:`spikesim.commands.replicate`).
"""
from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from spikesim import files
from spikesim.meta.backends import Evaluation, make_backend
from spikesim.params import ConfigError

#: z of a two-sided 95 % interval.
Z95 = 1.959963984540054
#: What a replication directory may hold (glob patterns): what ``overwrite`` clears.
REPLICATION_FILES = ("replication.json", "results.jsonl", "summary.json", "runs/seed-*")


class Interrupted(KeyboardInterrupt):
    """A replication stopped by Ctrl-C; ``summary`` is that of the runs
    that finished (also written to ``out/summary.json``)."""

    def __init__(self, summary: dict) -> None:
        super().__init__(f"interrupted after {summary['finished']} of {summary['jobs']} runs")
        self.summary = summary


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval of a binomial proportion:
    ``(p + z^2/2n -+ z sqrt(p (1 - p) / n + z^2 / 4n^2)) / (1 + z^2 / n)``
    with ``p = successes / n``; ``(nan, nan)`` when ``n`` is 0.

    >>> [round(x, 4) for x in wilson(0, 10)]
    [0.0, 0.2775]
    """
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    denominator = 1.0 + z * z / n
    center = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, center - half), min(1.0, center + half)


class _Replica:
    """The metagame of a replication: one job is one run,
    ``genotype = {"twin": None or a twin's name}``, ``rerun`` the offset of
    its seed. Returns ``(metric, success, info)``."""

    def __init__(self, name: str, overrides: Mapping[str, Any], seed: int, keep_arrays: bool,
                 schedule: Mapping[str, int]) -> None:  # fmt: skip
        self.name, self.overrides, self.seed, self.keep_arrays = name, dict(overrides), int(seed), keep_arrays
        self.schedule = dict(schedule)

    def get_fitness(self, genotype: Mapping[str, Any], rerun: int = 0) -> tuple[float, bool, dict]:
        from spikesim import experiments

        experiment = experiments.get(self.name)
        twin = genotype.get("twin")
        seed = self.seed + rerun
        start = time.perf_counter()
        # the whole schedule, for learning curves and the return at its end
        schedule = {**self.schedule, **({"stop_when_solved": False} if experiment.solve_threshold is not None else {})}
        if twin is None:
            outcome = experiment.run(self.overrides, seed=seed, progress=False, save_arrays=self.keep_arrays,
                                     **schedule)  # fmt: skip
        else:
            outcome = experiment.run_twin(twin, self.overrides, seed=seed, **schedule)
        wall = time.perf_counter() - start
        measures = experiment.measures(outcome)
        results = outcome.results
        info = {
            "seed": seed, "twin": twin, "metric": outcome.metric, "success": outcome.success, "wall_s": wall,
            "measures": measures, "config": results.config, "episodes": results.episodes,
            "arrays": dict(results.arrays),
        }  # fmt: skip
        return outcome.metric, bool(outcome.success), info


def write_run(path: Path, info: Mapping[str, Any]) -> None:
    """A run directory (config.json, episodes.jsonl, arrays.npz) from a run's
    info, every file written atomically (episodes.jsonl last: a run directory
    with it is whole)."""
    path.mkdir(parents=True, exist_ok=True)
    files.write_json(path / "config.json", files.to_json(info["config"]))
    if info["arrays"]:
        files.write_npz(path / "arrays.npz", info["arrays"])
    files.write_json_lines(path / "episodes.jsonl", [files.to_json(r) for r in info["episodes"]])


def replicate(
    experiment: str,
    runs: int,
    seed: int = 0,
    overrides: Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    backend: Any = "ray",
    address: str | None = None,
    workers: int | None = None,
    keep_arrays: bool = False,
    on_run: Callable[[int, int, Evaluation], None] | None = None,
    schedule: Mapping[str, int] | None = None,
    overwrite: bool = False,
) -> dict:
    """Run ``experiment`` for seeds ``seed .. seed + runs - 1`` (trained and,
    when the experiment has twins, each twin) and return the summary (also
    ``out/summary.json``). ``keep_arrays`` asks every run to save its arrays
    (weights, spike logs) too. ``on_run(finished, total, evaluation)`` is
    called as each run ends. ``schedule`` (``episodes``, ``len_episode``,
    ``eval_episodes``) shortens the experiment's schedule, for reduced
    replications (the summary records it). An ``out`` that is not empty is
    refused (FileExistsError) unless ``overwrite``. Ctrl-C writes the summary
    of the finished runs and raises :class:`Interrupted` with it.

    Examples
    --------
    >>> summary = replicate("florian-temporal-xor", runs=2, backend="serial", overrides={"rule": "mstdpet"},
    ...                     schedule={"len_episode": 8})
    >>> summary["completed"], summary["frozen_completed"], summary["paper_success_rate"]
    (2, 2, 0.995)
    """
    from spikesim import experiments

    exp = experiments.get(experiment)
    overrides = dict(overrides or {})
    network, game = exp.build(overrides, seed)  # a bad key or value fails before anything runs
    del network, game
    if int(runs) != runs or runs < 1:
        raise ConfigError(f"replicate: runs expects an integer >= 1; got {runs!r}")
    twins = list(exp.twins)
    jobs = [({"twin": twin}, r) for r in range(runs) for twin in (None, *twins)]
    paper = exp.paper_value(overrides) if hasattr(exp, "paper_value") else None
    out = Path(out) if out is not None else None
    settings = {"experiment": experiment, "overrides": overrides, "runs": runs, "seed": seed, "twins": twins,
                "published": dict(getattr(exp, "published", {})),
                "schedule": dict(schedule or {}), "backend": getattr(backend, "name", backend),
                "address": address}  # fmt: skip
    if out is not None:
        files.prepare_directory(out, REPLICATION_FILES, overwrite)
        files.write_json(out / "replication.json", files.to_json(settings))
        files.write_text(out / "results.jsonl", "")
    records: list[dict] = []
    finished = [0]

    def on_result(index: int, evaluation: Evaluation) -> None:
        finished[0] += 1
        genotype, rerun = jobs[index]
        twin = genotype["twin"]
        record = {"seed": seed + rerun, "twin": twin}
        if evaluation.error is not None:
            record["error"] = evaluation.error
        else:
            info = evaluation.info
            success = None if info["success"] is None else bool(info["success"])  # None: the experiment has no target
            record.update(success=success, metric=info["metric"], wall_s=info["wall_s"],
                          **{k: v for k, v in info["measures"].items() if k != "success"})  # fmt: skip
            if out is not None:
                write_run(out / "runs" / f"seed-{seed + rerun:04d}{f'-{twin}' if twin else ''}", info)
        records.append(record)
        if out is not None:
            files.append_json_line(out / "results.jsonl", files.to_json(record))
        if on_run is not None:
            on_run(finished[0], len(jobs), evaluation)

    runner = make_backend(backend, workers=workers, address=address)
    start = time.perf_counter()
    interrupted = False
    try:
        runner.map(_Replica(experiment, overrides, seed, keep_arrays, schedule or {}), jobs, on_result)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        used_workers = getattr(runner, "workers", 1)
        if runner is not backend:
            runner.close()
    summary = summarize(records, paper, twins)
    summary.update(settings)
    summary.update(wall_s=time.perf_counter() - start, workers=used_workers, jobs=len(jobs), finished=len(records),
                   interrupted=interrupted)  # fmt: skip
    if out is not None:
        files.write_json(out / "summary.json", files.to_json(summary))
    if interrupted:
        raise Interrupted(summary)
    return summary


def summarize(records: list[dict], paper: float | None = None, twins: Sequence[str] = ()) -> dict:
    """Success counts, rates and Wilson 95 % intervals of the trained runs of
    ``records`` and of each twin's (keys prefixed ``TWIN_``; failed runs
    counted apart; None for runs whose experiment has no target), with the median and the range of each numeric measure
    (``MEASURE_median``, ``MEASURE_range``; a measure that is None in a run,
    such as ``episodes_to_solve`` of a run that did not solve, counts as
    missing and ``MEASURE_missing`` says in how many runs; None in every run,
    its median and range are None).

    >>> records = [{"twin": None, "success": True, "wall_s": 2.0, "metric": 500.0},
    ...            {"twin": None, "success": False, "wall_s": 4.0, "metric": 300.0},
    ...            {"twin": "random", "success": False, "wall_s": 0.1, "metric": 22.0}]
    >>> summary = summarize(records, twins=["random"])
    >>> summary["success_rate"], summary["metric_median"], summary["random_metric_median"]
    (0.5, 400.0, 22.0)
    """
    summary: dict[str, Any] = {}
    for twin in (None, *twins):
        prefix = f"{twin}_" if twin else ""
        done = [r for r in records if r["twin"] == twin and "error" not in r]
        failed = [r for r in records if r["twin"] == twin and "error" in r]
        judged = [r for r in done if r["success"] is not None]  # runs of an experiment with no target are not
        k = sum(r["success"] for r in judged)
        summary[f"{prefix}completed"] = len(done)
        summary[f"{prefix}successes"] = k if judged else None
        summary[f"{prefix}success_rate"] = k / len(judged) if judged else None
        summary[f"{prefix}ci95"] = list(wilson(k, len(judged))) if judged else None
        summary[f"{prefix}failed"] = len(failed)
        walls = [r["wall_s"] for r in done]
        summary[f"{prefix}wall_s_per_run"] = float(np.mean(walls)) if walls else None
        keys = sorted({k for r in done for k, v in r.items() if k not in _NOT_MEASURES and (_numeric(v) or v is None)})
        for key in keys:
            values = [float(r[key]) for r in done if _numeric(r.get(key))]
            summary[f"{prefix}{key}_median"] = float(np.median(values)) if values else None
            summary[f"{prefix}{key}_range"] = [float(min(values)), float(max(values))] if values else None
            missing = len(done) - len(values)
            if missing:
                summary[f"{prefix}{key}_missing"] = missing
    summary["paper_success_rate"] = paper
    summary["errors"] = sorted({r["error"] for r in records if "error" in r})
    return summary


#: Entries of a run's record that are not measures to summarize.
_NOT_MEASURES = ("seed", "twin", "success", "wall_s")


def _numeric(value: Any) -> bool:
    """A number to take a median of (not a bool, not None)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)
