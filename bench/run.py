"""The benchmark suite: spikesim on W1 to W5, side by side with Brian2.

    python bench/run.py W1|W2|W3|W4|W5|W5s|compile|all [--n N ...] [--threads T ...] [--vs brian2] [--repeats R]
                        [--table FILE]

Every measurement runs in a process of its own (so peak memory and compile
time are that workload's alone) and prints one JSON line. For each
spikesim workload a first process with an empty kernel cache measures the
cold compile of the first tick (``compile_s``), a second one the start of a
process with a warm cache (``start_s``: imports, build, first tick), then the
measurement itself. With ``--vs brian2`` the same workload runs in Brian2,
C++ standalone and cython runtime (in its own environment, made by
bench/peers/brian2_env.py), and a line per Brian2 mode gives the ratio
``brian2 run_s / spikesim run_s`` (and the same of CPU seconds, which other
processes on the machine disturb less). ``--table FILE`` writes the results as a
Markdown table. Definitions: docs/benchmarks.md (W1, W2, W3, the
Izhikevich network, and W4, COBA-4000); W3 runs ``--duration``
simulated seconds (60 by default) and reports the projected hour; W4 runs
``--w4-duration`` simulated seconds (5 by default) from its deterministic
start, Brian2 on the very graph spikesim drew (passed in a file), and a
``check`` line says whether the activity is in range and the spike counts
of the simulators agree. W5 and W5s (Brunel-10k with and without STDP) run
``--w5-duration`` simulated seconds (1 by default) from rest, Brian2 on
spikesim's graph too; their ``check`` line compares the mean rates (the
Poisson drives differ, so spike counts only agree statistically) and, for
W5, the E->E weights.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
BRIAN2_MODES = ("cpp_standalone", "cython")
#: W4: largest relative difference of total spike counts between spikesim and each Brian2 mode, run on
#: the same graph. C++ standalone simulates the same window from the same start (measured: equal counts,
#: see docs/benchmarks.md); cython runs its repeats one after the other after a 10 ms warm-up, so its
#: windows are later ones and only their rate is comparable.
W4_SPIKE_TOLERANCE = {"brian2 cpp_standalone": 0.02, "brian2 cython": 0.10}
#: W5, W5s: largest relative difference of the mean rates (independent Poisson drives: measured 1 %).
W5_RATE_TOLERANCE = 0.05


def run_json(command: list[str], env: dict | None = None) -> dict:
    """Run one measurement process and return its JSON line."""
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(env or {})})
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(lines[-1])


def emit(record: dict, results: list[dict]) -> None:
    results.append(record)
    print(json.dumps(record), flush=True)


def spikesim_args(workload: str, n: int, args: argparse.Namespace, threads: int = 1) -> list[str]:
    if workload == "W1":
        return ["--ticks", str(args.ticks), "--repeats", str(args.repeats)]
    if workload == "W2":
        return ["--n", str(n), "--repeats", str(args.repeats), "--threads", str(threads)]
    if workload == "W4":
        return ["--w4-duration", str(args.w4_duration), "--repeats", str(args.repeats), "--save-graph", str(args.w4_graph)]
    if workload in ("W5", "W5s"):
        return ["--w5-duration", str(args.w5_duration), "--repeats", "1", "--save-graph", str(args.w5_graph)]
    return ["--duration", str(args.duration)]


def brian2_args(workload: str, n: int, args: argparse.Namespace) -> list[str]:
    if workload == "W1":
        return ["--ticks", str(args.ticks), "--repeats", str(args.repeats)]
    if workload == "W2":
        return ["--n", str(n), "--repeats", str(args.repeats)]
    if workload == "W4":
        return ["--duration", str(args.w4_duration), "--repeats", str(args.repeats), "--graph", str(args.w4_graph)]
    if workload in ("W5", "W5s"):
        return ["--duration", str(args.w5_duration), "--repeats", "1", "--graph", str(args.w5_graph)]
    return ["--duration", str(args.duration), "--repeats", "1"]


def w4_check(ours: dict, peers: list[dict]) -> dict:
    """W4's activity check: every simulator's population rate in [16, 20] Hz with skewed per-neuron
    rates (``activity_ok``), and each Brian2 mode's spike count within its ``W4_SPIKE_TOLERANCE`` of
    spikesim's, relative."""
    differences = {f"{p['sim']} {p['mode']}": p["spikes"] / ours["spikes"] - 1.0 for p in peers}
    ok = ours["activity_ok"] and all(p["activity_ok"] for p in peers)
    ok = ok and all(abs(d) <= W4_SPIKE_TOLERANCE[mode] for mode, d in differences.items())
    return {"sim": "check", "workload": "W4", "n": ours["n"], "rate_hz": ours["rate_hz"],
            "activity_ok": ours["activity_ok"], "spike_count_difference": differences,
            "tolerance": W4_SPIKE_TOLERANCE, "ok": bool(ok)}  # fmt: skip


def w5_check(ours: dict, peers: list[dict]) -> dict:
    """W5's and W5s's check: every simulator's ``activity_ok`` (mean rate in [32, 39] Hz; W5: E->E
    weights around 0.099 mV) and each Brian2 mode's mean rate within ``W5_RATE_TOLERANCE`` of spikesim's."""
    differences = {f"{p['sim']} {p['mode']}": p["rate_hz"] / ours["rate_hz"] - 1.0 for p in peers}
    ok = ours["activity_ok"] and all(p["activity_ok"] for p in peers)
    ok = ok and all(abs(d) <= W5_RATE_TOLERANCE for d in differences.values())
    return {"sim": "check", "workload": ours["workload"], "n": ours["n"], "rate_hz": ours["rate_hz"],
            "activity_ok": ours["activity_ok"], "rate_difference": differences,
            **({"w_ee_mean_mv": ours["w_ee_mean_mv"]} if "w_ee_mean_mv" in ours else {}),
            "tolerance": W5_RATE_TOLERANCE, "ok": bool(ok)}  # fmt: skip


def measure_spikesim(workload: str, n: int, args: argparse.Namespace, results: list[dict], threads: int = 1) -> dict:
    script = [sys.executable, str(BENCH / "workloads.py")]
    with tempfile.TemporaryDirectory() as cache:
        env = {"SPIKESIM_CACHE_DIR": cache}
        first = script + [workload, "--first-tick"] + (["--threads", str(threads)] if threads > 1 else [])
        cold = run_json(first, env)
        warm = run_json(first, env)
        record = run_json(script + [workload] + spikesim_args(workload, n, args, threads), env)
    record.update(compile_s=cold["compile_s"], start_s=warm["start_s"], cache="fresh, then warm")
    emit(record, results)
    return record


def measure_brian2(workload: str, n: int, args: argparse.Namespace, results: list[dict], ours: dict,
                   threaded: list[dict] = ()) -> None:  # fmt: skip
    """Brian2's modes on the workload, with their ratios to spikesim's ``ours`` (and to the ``threaded``
    runs of W2, given in those runs' rows of the table)."""
    from peers.brian2_env import brian2_python

    python = str(brian2_python())
    peers = []
    for mode in BRIAN2_MODES:
        command = [python, str(BENCH / "peers" / "brian2_workloads.py"), workload, "--mode", mode]
        record = run_json(command + brian2_args(workload, n, args))
        peers.append(record)
        emit(record, results)
        emit({"sim": "ratio", "workload": workload, "n": record["n"], "vs": f"brian2 {mode}",
              "run_s_ratio": record["run_s"] / ours["run_s"],
              "run_cpu_s_ratio": record["run_cpu_s"] / ours["run_cpu_s"]}, results)  # fmt: skip
        for other in threaded:
            emit({"sim": "ratio", "workload": workload, "n": record["n"], "vs": f"brian2 {mode}",
                  "of": f"{other['sim']} {other['mode']}", "run_s_ratio": record["run_s"] / other["run_s"],
                  "run_cpu_s_ratio": record["run_cpu_s"] / other["run_cpu_s"]}, results)  # fmt: skip
    if workload == "W4":
        emit(w4_check(ours, peers), results)
    if workload in ("W5", "W5s"):
        emit(w5_check(ours, peers), results)


def table(results: list[dict]) -> str:
    """The results as Markdown: one row per simulator, mode and workload size."""
    rows = ["| workload | n | simulator | run s | ms/tick | events/s | compile s | start s | peak MB | spikes "
            "| Brian2 / spikesim: wall (cpu) |", "| --- " * 11 + "|"]  # fmt: skip
    ratios = {(r["workload"], r["n"], r["vs"]): r for r in results if r["sim"] == "ratio" and "of" not in r}
    # a threaded spikesim run's row carries Brian2 C++ standalone's ratio to it
    threaded = {(r["workload"], r["n"], r["of"]): r for r in results
                if r["sim"] == "ratio" and r.get("of") and r["vs"] == "brian2 cpp_standalone"}  # fmt: skip

    def cell(value: float | None, digits: int = 3) -> str:
        return "-" if value is None else f"{value:.{digits}g}"

    for r in results:
        if r["sim"] in ("ratio", "check") or r["workload"] == "compile":
            continue
        sim = f"{r['sim']} {r['mode']}"
        ratio = ratios.get((r["workload"], r["n"], sim)) or threaded.get((r["workload"], r["n"], sim))
        per_second = r["workload"] in ("W4", "W5", "W5s")
        run = r.get("s_per_simulated_s") if per_second else r.get("hour_s", r.get("projected_hour_s")) if r["workload"] == "W3" else r["run_s"]
        label = " (per simulated s)" if per_second else " (hour)" if r["workload"] == "W3" else ""
        rows.append(
            f"| {r['workload']}{label} | {r['n']} | {sim} | {cell(run)} "
            f"| {cell(r.get('ms_per_tick'))} | {cell(r.get('events_per_s'))} | {cell(r.get('compile_s'))} "
            f"| {cell(r.get('start_s', r.get('setup_s')))} | {cell(r.get('peak_rss_mb'), 4)} | {r.get('spikes', '-')} "
            f"| {cell(ratio and ratio['run_s_ratio'])} ({cell(ratio and ratio['run_cpu_s_ratio'])}) |"
        )  # fmt: skip
    for r in results:
        if r["sim"] == "check" and "rate_difference" in r:
            differences = ", ".join(f"{k} {v:+.2%}" for k, v in r["rate_difference"].items())
            weights = f", E->E weights {r['w_ee_mean_mv']:.4f} mV" if "w_ee_mean_mv" in r else ""
            rows.append(f"\n{r['workload']} check: spikesim {r['rate_hz']:.2f} Hz{weights}, activity "
                        f"{'in range' if r['activity_ok'] else 'OUT OF RANGE'}; mean rates against spikesim: "
                        f"{differences} (tolerance {r['tolerance']:.0%}): {'ok' if r['ok'] else 'FAILED'}.")  # fmt: skip
        elif r["sim"] == "check":
            differences = ", ".join(f"{k} {v:+.2%} (tolerance {r['tolerance'][k]:.0%})"
                                    for k, v in r["spike_count_difference"].items())
            rows.append(f"\nW4 check: spikesim {r['rate_hz']:.2f} Hz, activity {'in range' if r['activity_ok'] else 'OUT OF RANGE'}; "
                        f"spike counts against spikesim: {differences}: {'ok' if r['ok'] else 'FAILED'}.")  # fmt: skip
        if r["workload"] == "compile":
            rows.append(f"\n{r['networks']} W1 networks in one process: {r['ms_per_network']:.2f} ms each, "
                        f"{r['combinations_compiled']} compiled tick ({r['signatures']} signature).")  # fmt: skip
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="+", choices=("W1", "W2", "W3", "W4", "W5", "W5s", "compile", "all"))
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 10_000, 100_000], help="W2: network sizes")
    parser.add_argument("--threads", type=int, nargs="+", default=[1],
                        help="W2: spikesim's thread counts (the network's threads key), each measured in turn; "
                        "Brian2's rows give their ratios to the first, the row of each further count Brian2 C++ "
                        "standalone's ratio to it")
    parser.add_argument("--vs", choices=("brian2",), help="also run Brian2 on each workload")
    parser.add_argument("--repeats", type=int, default=3, help="W1, W2: repeats (the median is reported)")
    parser.add_argument("--ticks", type=int, default=100, help="W1: ticks timed per repeat")
    parser.add_argument("--duration", type=int, default=60, help="W3: simulated seconds")
    parser.add_argument("--w4-duration", type=float, default=5.0, help="W4: simulated seconds")
    parser.add_argument("--w5-duration", type=float, default=1.0, help="W5, W5s: simulated seconds (a multiple of 0.1)")
    parser.add_argument("--table", type=Path, help="also write the results as a Markdown table to this file")
    args = parser.parse_args()
    if min(args.threads) < 1:
        parser.error(f"--threads expects counts >= 1; got {args.threads}")
    sys.path.insert(0, str(BENCH))
    workloads = ["W1", "W2", "W3", "W4", "W5s", "W5", "compile"] if "all" in args.workloads else args.workloads
    graph_dir = tempfile.TemporaryDirectory()  # W4, W5: the graph spikesim drew, for the peers
    args.w4_graph = Path(graph_dir.name) / "w4_graph.npz"
    args.w5_graph = Path(graph_dir.name) / "w5_graph.npz"
    results: list[dict] = []
    started = time.perf_counter()
    for workload in workloads:
        if workload == "compile":
            emit(run_json([sys.executable, str(BENCH / "workloads.py"), "compile"]), results)
            continue
        for n in args.n if workload == "W2" else [None]:
            counts = args.threads if workload == "W2" else [1]
            ours = measure_spikesim(workload, n, args, results, counts[0])
            threaded = [measure_spikesim(workload, n, args, results, t) for t in counts[1:]]
            if args.vs == "brian2":
                measure_brian2(workload, ours["n"], args, results, ours, threaded)
    if args.table:
        command = "python bench/run.py " + " ".join(sys.argv[1:])
        from spikesim import files

        files.write_text(args.table, f"`{command}` ({time.perf_counter() - started:.0f} s in all)\n\n{table(results)}")


if __name__ == "__main__":
    main()
