"""Replications: one experiment over many seeds, in parallel, with success
rates and their 95 % confidence intervals beside the paper's.

``replicate("florian-rate-xor", runs=200, overrides={"rule": "mstdp"})``
runs seeds ``seed .. seed + runs - 1`` on Ray (a local cluster by default)
or serially. An experiment with frozen twins (``experiment.twin``, the
Florian XOR tasks) runs every seed twice: trained, and frozen (same seed,
so the same initial weights and inputs, plasticity off). With ``out`` the
directory gets, as runs finish::

    out/
        replication.json     the settings
        runs/seed-0007/      one run directory per run (config.json,
        runs/seed-0007-frozen/   episodes.jsonl, arrays.npz)
        results.jsonl        one line per run: seed, frozen, success, metric, measures, wall_s
        summary.json         runs, success_rate, ci95, frozen_success_rate,
                             frozen_ci95, paper_success_rate, wall times

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
from typing import Any, Callable, Mapping

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
    ``genotype = {"frozen": bool}``, ``rerun`` the offset of its seed.
    Returns ``(metric, success, info)``."""

    def __init__(self, name: str, overrides: Mapping[str, Any], seed: int, keep_arrays: bool,
                 schedule: Mapping[str, int]) -> None:  # fmt: skip
        self.name, self.overrides, self.seed, self.keep_arrays = name, dict(overrides), int(seed), keep_arrays
        self.schedule = dict(schedule)

    def get_fitness(self, genotype: Mapping[str, Any], rerun: int = 0) -> tuple[float, bool, dict]:
        from spikesim import experiments

        experiment = experiments.get(self.name)
        frozen = bool(genotype.get("frozen", False))
        seed = self.seed + rerun
        start = time.perf_counter()
        extra = {"frozen": True, **self.schedule} if frozen else dict(self.schedule)
        outcome = experiment.run(self.overrides, seed=seed, progress=False, save_arrays=self.keep_arrays, **extra)
        wall = time.perf_counter() - start
        measures = experiment.measures(outcome) if hasattr(experiment, "measures") else {}
        results = outcome.results
        info = {
            "seed": seed, "frozen": frozen, "metric": outcome.metric, "success": outcome.success, "wall_s": wall,
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
    when the experiment has twins, frozen) and return the summary (also
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
    twin = bool(getattr(exp, "twin", False))
    jobs = [({"frozen": frozen}, r) for r in range(runs) for frozen in ((False, True) if twin else (False,))]
    paper = exp.paper_value(overrides) if hasattr(exp, "paper_value") else None
    out = Path(out) if out is not None else None
    settings = {"experiment": experiment, "overrides": overrides, "runs": runs, "seed": seed, "twin": twin,
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
        record = {"seed": seed + rerun, "frozen": genotype["frozen"]}
        if evaluation.error is not None:
            record["error"] = evaluation.error
        else:
            info = evaluation.info
            record.update(success=bool(info["success"]), metric=info["metric"], wall_s=info["wall_s"],
                          **{k: v for k, v in info["measures"].items() if k != "success"})  # fmt: skip
            if out is not None:
                write_run(out / "runs" / f"seed-{seed + rerun:04d}{'-frozen' if genotype['frozen'] else ''}", info)
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
    summary = summarize(records, paper)
    summary.update(settings)
    summary.update(wall_s=time.perf_counter() - start, workers=used_workers, jobs=len(jobs), finished=len(records),
                   interrupted=interrupted)  # fmt: skip
    if out is not None:
        files.write_json(out / "summary.json", files.to_json(summary))
    if interrupted:
        raise Interrupted(summary)
    return summary


def summarize(records: list[dict], paper: float | None = None) -> dict:
    """Success counts, rates and Wilson 95 % intervals of the trained and
    the frozen runs of ``records`` (failed runs counted apart)."""
    summary: dict[str, Any] = {}
    for prefix, frozen in (("", False), ("frozen_", True)):
        done = [r for r in records if r["frozen"] == frozen and "error" not in r]
        failed = [r for r in records if r["frozen"] == frozen and "error" in r]
        if frozen and not done and not failed:
            summary.update(frozen_success_rate=None, frozen_ci95=None, frozen_successes=None)
            continue
        k = sum(r["success"] for r in done)
        summary[f"{prefix}completed"] = len(done)
        summary[f"{prefix}successes"] = k
        summary[f"{prefix}success_rate"] = k / len(done) if done else None
        summary[f"{prefix}ci95"] = list(wilson(k, len(done))) if done else None
        summary[f"{prefix}failed"] = len(failed)
        walls = [r["wall_s"] for r in done]
        summary[f"{prefix}wall_s_per_run"] = float(np.mean(walls)) if walls else None
    summary["paper_success_rate"] = paper
    summary["errors"] = sorted({r["error"] for r in records if "error" in r})
    return summary
