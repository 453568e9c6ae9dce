"""Evaluations per second of a genetic search's generation on Ray with 1 and
2 local workers, the speed-up, and Ray's start-up overhead.

    python bench/meta.py [--eval-seconds 1.0] [--population 8] [--workers 1 2]

An evaluation is the ``xor`` experiment with its schedule shortened so that
one run takes about ``--eval-seconds`` in this process (calibrated first).
For each number of workers a fresh local Ray cluster is started
(``ray.init(num_cpus=workers)``, timed), its actors warm up on one
evaluation each (importing spikesim and loading the compiled kernels,
timed), then one generation of ``--population`` new genotypes is timed.
Prints one JSON line per measurement, then the speed-up. ``busy_fraction``
is the share of the workers' time spent evaluating (1: no scheduling
overhead). The machine's load average is printed too: other processes on
the cores slow the workers (``mean_eval_s`` grows).
"""
from __future__ import annotations

import argparse
import json
import os
import time

from spikesim import experiments
from spikesim.meta import EvolveNetwork, Population, RayBackend, SerialBackend

CONSTRAINTS = {"learning_rate": (0.05, 2.0), "tau_z": (5.0, 100.0)}


def calibrate(seconds: float) -> tuple[int, float]:
    """The episode length whose xor run (one train, one eval episode) takes
    about ``seconds`` here, and the measured seconds of one run."""
    xor = experiments.get("xor")
    xor.run(seed=0, episodes=1, len_episode=2, eval_episodes=1, progress=False)  # compile or load the kernels
    start = time.perf_counter()
    xor.run(seed=0, episodes=1, len_episode=40, eval_episodes=1, progress=False)
    per_step = (time.perf_counter() - start) / 40
    length = max(1, round(seconds / per_step))
    start = time.perf_counter()
    xor.run(seed=0, episodes=1, len_episode=length, eval_episodes=1, progress=False)
    return length, time.perf_counter() - start


def generation(population: int, seed: int) -> list:
    """A generation of distinct genotypes (no cache hits)."""
    return [(g, 0) for g in Population(constraints=CONSTRAINTS, n_agents=population, seed=seed).ask()]


def measure_ray(game: EvolveNetwork, workers: int, population: int) -> dict:
    import ray

    start = time.perf_counter()
    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
    init_s = time.perf_counter() - start
    backend = RayBackend(workers=workers)
    try:
        start = time.perf_counter()
        backend.start()
        backend.map(game, generation(workers, seed=100))  # one evaluation per actor: warm
        warm_s = time.perf_counter() - start
        jobs = generation(population, seed=1)
        start = time.perf_counter()
        results = backend.map(game, jobs)
        wall = time.perf_counter() - start
    finally:
        backend.close()
        ray.shutdown()
    assert all(r.error is None for r in results), [r.error for r in results if r.error]
    return {
        "bench": "meta", "backend": "ray", "workers": workers, "evaluations": len(jobs),
        "generation_s": round(wall, 3), "evals_per_s": round(len(jobs) / wall, 4),
        "mean_eval_s": round(sum(r.seconds for r in results) / len(results), 3),
        "busy_fraction": round(sum(r.seconds for r in results) / (workers * wall), 3),
        "ray_init_s": round(init_s, 2), "actors_warm_s": round(warm_s, 2),
        "startup_overhead_s": round(init_s + warm_s, 2),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-seconds", type=float, default=1.0, help="target seconds of one evaluation")
    parser.add_argument("--population", type=int, default=8, help="genotypes of the timed generation")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    length, seconds = calibrate(args.eval_seconds)
    game = EvolveNetwork("xor", CONSTRAINTS, episodes=1, len_episode=length, eval_episodes=1)
    jobs = generation(args.population, seed=1)
    start = time.perf_counter()
    SerialBackend().map(game, jobs)
    wall = time.perf_counter() - start
    print(json.dumps({"bench": "meta", "backend": "serial", "workers": 1, "evaluations": len(jobs),
                      "generation_s": round(wall, 3), "evals_per_s": round(len(jobs) / wall, 4),
                      "len_episode": length, "calibrated_eval_s": round(seconds, 3),
                      "cpus": os.cpu_count(), "load_average": os.getloadavg()}), flush=True)  # fmt: skip
    rates = {}
    for workers in args.workers:
        row = measure_ray(game, workers, args.population)
        row["load_average"] = os.getloadavg()
        rates[workers] = row["evals_per_s"]
        print(json.dumps(row), flush=True)
    if 1 in rates and len(rates) > 1:
        most = max(rates)
        print(json.dumps({"bench": "meta", "speedup": f"1->{most} workers",
                          "value": round(rates[most] / rates[1], 3)}))  # fmt: skip


if __name__ == "__main__":
    main()
