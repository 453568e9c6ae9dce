"""The table and figures of examples/README.md, from replication directories.

Reads directories written by ``spikesim replicate EXPERIMENT --out DIR``
and prints a Markdown table (spikesim beside the paper, with the frozen
twins and wall times), and writes the figures (PNG, headless):

- XOR tasks: the output rate per pattern over the epochs, trained beside
  frozen, over all the seeds of the directory;
- izhikevich-distal-reward: the rewarded weight over the hour (every seed),
  and the histogram of the excitatory weights at the end (first seed);
- izhikevich-conditioning: the responses to S1 and to the other sets, and
  the sets' outgoing weights (first seed).

    python examples/replication_report.py runs/rate-mstdp runs/rate-mstdpet ... [--figures examples/figures]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from spikesim import viz
from spikesim.experiments.izhikevich import hold_measures


def load(path: Path, name: str) -> dict:
    with np.load(path / "runs" / name / "arrays.npz") as npz:
        return {k: npz[k] for k in npz.files}


def verdict(record: dict) -> str:
    return "yes" if record["success"] else "no"


def percent(rate: float | None, ci: list | None) -> str:
    if rate is None:
        return "-"
    return f"{100 * rate:.1f} % [{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]"


def xor_row(path: Path, summary: dict, figures: Path) -> str:
    rule = summary["overrides"].get("rule", "mstdpet")
    seeds = [summary["seed"] + k for k in range(summary["runs"])]
    trained = np.array([load(path, f"seed-{s:04d}")["pattern_rates"] for s in seeds])
    frozen = np.array([load(path, f"seed-{s:04d}-frozen")["pattern_rates"] for s in seeds])
    name = f"{summary['experiment']}-{rule}"
    viz.pattern_rates(trained, frozen, title=f"{summary['experiment']}, {rule.upper()}",
                                  path=figures / f"{name}-rates.png")  # fmt: skip
    records = [json.loads(line) for line in (path / "results.jsonl").read_text().splitlines()]
    strict = np.mean([r["success_strict"] for r in records if not r["frozen"] and "error" not in r])
    strict_frozen = np.mean([r["success_strict"] for r in records if r["frozen"] and "error" not in r])
    cells = [
        summary["experiment"], rule.upper(), f"{100 * summary['paper_success_rate']:.1f} %",
        percent(summary["success_rate"], summary["ci95"]),
        percent(summary["frozen_success_rate"], summary["frozen_ci95"]),
        f"{100 * strict:.1f} % / {100 * strict_frozen:.1f} %", f"{summary['runs']} (seeds {seeds[0]}-{seeds[-1]})",
        f"{summary['wall_s_per_run']:.2f} s / {summary['wall_s'] / 60:.1f} min on {summary['workers']}",
    ]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def results(paths: list[Path]) -> list[tuple[Path, dict]]:
    """Every run of the directories, by seed."""
    found = [(p, json.loads(line)) for p in paths for line in (p / "results.jsonl").read_text().splitlines()]
    return sorted(found, key=lambda item: item[1]["seed"])


def distal_rows(paths: list[Path], figures: Path) -> list[str]:
    found = results(paths)
    records = [r for _, r in found]
    arrays = [load(p, f"seed-{r['seed']:04d}") for p, r in found if "error" not in r]
    viz.rewarded_weight(
        [a["rewarded_weight"] for a in arrays], [a["mean_excitatory_weight"] for a in arrays],
        labels=[f"seed {r['seed']}" for r in records if "error" not in r],
        title=f"Rewarded synapse, {len(arrays)} seeds", path=figures / "izhikevich-distal-reward-weight.png",
    )  # fmt: skip
    viz.weight_histogram_end(
        arrays[0]["excitatory_weights"], marked=float(arrays[0]["rewarded_weight"][-1]),
        title=f"Excitatory weights after 1 h (seed {records[0]['seed']})",
        path=figures / "izhikevich-distal-reward-histogram.png",
    )  # fmt: skip
    rows = []
    traces = iter(arrays)
    for r in records:
        if "error" in r:
            rows.append(f"| {r['seed']} | failed: {r['error']} |")
            continue
        trace = next(traces)
        rows.append(distal_row({**r, **hold_measures(trace["rewarded_weight"], trace["rewards_per_s"])}))
    return rows


DISTAL_HEADER = (
    "| seed | rewarded weight after 1 h (mV) | first at >= 3.8 mV | time at >= 3.8 mV after that "
    "| its mean over the last 10 min (mV) | drops > 0.2 mV in 1 s (at a pulse) | rewards in 1 h "
    "| mean excitatory weight (mV) | other synapses >= 3.8 mV | firing rate (Hz) | wall | success |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def distal_row(r: dict) -> str:
    """One run of izhikevich-distal-reward (or of examples/daspnet_check.py)
    as a row under :data:`DISTAL_HEADER`."""
    reached, held = "never", "-"
    if r["first_reached_3_8_s"] is not None:
        reached = f"{r['first_reached_3_8_s']:.0f} s ({r['rewards_to_3_8']} rewards)"
        held = f"{100 * r['time_at_3_8_after']:.0f} %"
    return (f"| {r['seed']} | {r['rewarded_weight']:.2f} | {reached} | {held} | {r['last_10_min_mean']:.2f} | "
            f"{r['drops']} ({r['drops_at_pulses']}) | {r['rewards']} | {r['mean_excitatory_weight']:.3f} | "
            f"{100 * r['saturated_others']:.2f} % | {r['firing_rate_hz']:.2f} | {r['wall_s']:.0f} s | "
            f"{verdict(r)} |")  # fmt: skip


def conditioning_rows(paths: list[Path], figures: Path) -> list[str]:
    found = results(paths)
    records = [r for _, r in found]
    first = load(found[0][0], f"seed-{records[0]['seed']:04d}")
    viz.conditioning(first["events"], first["set_weights_over_time"],
                                 title=f"Classical conditioning (seed {records[0]['seed']})",
                                 path=figures / "izhikevich-conditioning.png")  # fmt: skip
    rows = []
    for r in records:
        if "error" in r:
            rows.append(f"| {r['seed']} | failed: {r['error']} |")
            continue
        rows.append(f"| {r['seed']} | {r['s1_presentations']} | "
                    f"{r['s1_response_early']:.1f} -> {r['s1_response_late']:.1f} | "
                    f"{r['others_response_early']:.1f} -> {r['others_response_late']:.1f} | {r['s1_response_rank']} | "
                    f"{r['s1_weight']:.3f} | {r['others_weight']:.3f} (max {r['others_weight_max']:.3f}) | "
                    f"{r['s1_weight_rank']} | {r['rewards']} | {r['wall_s']:.0f} s | {verdict(r)} |")  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", help="directories written by spikesim replicate --out")
    parser.add_argument("--figures", default=str(Path(__file__).parent / "figures"), help="where to write the PNGs")
    args = parser.parse_args()
    figures = Path(args.figures)
    xor, by_experiment = [], {}
    for directory in map(Path, args.dirs):
        summary = json.loads((directory / "summary.json").read_text())
        if "frozen" in summary["twins"]:
            xor.append(xor_row(directory, summary, figures))
        else:
            by_experiment.setdefault(summary["experiment"], []).append(directory)
    distal = conditioning = []
    if "izhikevich-distal-reward" in by_experiment:
        distal = distal_rows(by_experiment["izhikevich-distal-reward"], figures)
    if "izhikevich-conditioning" in by_experiment:
        conditioning = conditioning_rows(by_experiment["izhikevich-conditioning"], figures)
    if xor:
        print("| task | rule | paper (1000 runs) | spikesim trained [95 % CI] | frozen twins [95 % CI] "
              "| strict test trained / frozen | seeds | wall per trained run / total |")
        print("|---|---|---|---|---|---|---|---|")
        print("\n".join(xor), end="\n\n")
    if distal:
        print(DISTAL_HEADER)
        print("\n".join(distal), end="\n\n")
    if conditioning:
        print("| seed | S1 presentations | S1 response, first -> last tenth of the run | other sets' response "
              "| S1 response rank | S1 outgoing weight (mV) | other sets' (mV) | S1 weight rank | rewards | wall "
              "| success |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        print("\n".join(conditioning))


if __name__ == "__main__":
    main()
