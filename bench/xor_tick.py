"""Milliseconds per tick (500 network steps) of the README's XOR network on each engine.

    python bench/xor_tick.py [--ticks 100] [--repeats 5]

Prints one JSON line per engine: the median over repeats of the mean time of
a tick (after a warm-up tick that compiles), while training (rewarded at
every output spike): wall time (``ms_per_tick``) and the process's CPU time
(``ms_per_tick_cpu``, less disturbed by other jobs on the machine).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
from xor import PATTERNS, FlorianXOR  # noqa: E402

import spikesim  # noqa: E402
from spikesim.games import Logic  # noqa: E402


def measure(engine: str, ticks: int, repeats: int) -> dict:
    net = FlorianXOR(game=Logic(preset="XOR"), seed=0, engine=engine)
    start = time.perf_counter()
    net.tick(PATTERNS[1])
    first = time.perf_counter() - start
    order = np.random.default_rng(0).integers(0, 4, ticks)
    per_tick, cpu_per_tick = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        for i in order:
            net.tick(PATTERNS[i])
        per_tick.append((time.perf_counter() - start) / ticks * 1000)
        cpu_per_tick.append((time.process_time() - start_cpu) / ticks * 1000)
    return {
        "sim": "spikesim", "mode": engine, "workload": "xor-readme", "ticks": ticks, "repeats": repeats,
        "ms_per_tick": round(statistics.median(per_tick), 3),
        "ms_per_tick_cpu": round(statistics.median(cpu_per_tick), 3), "first_tick_s": round(first, 3),
        "version": spikesim.__version__,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    for engine, ticks in (("numba", args.ticks), ("numpy", max(1, args.ticks // 10))):
        print(json.dumps(measure(engine, ticks, args.repeats)))


if __name__ == "__main__":
    main()
