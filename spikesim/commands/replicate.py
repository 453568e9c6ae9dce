"""``spikesim replicate``: an experiment over many seeds from the command
line (the library function is :func:`spikesim.meta.replicate.replicate`).

::

    spikesim replicate florian-rate-xor --runs 200 --set rule=mstdp --out runs/rate-mstdp
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from spikesim.commands.common import CLIError, check_out, common_options, experiment_by_name, integer_at_least
from spikesim.commands.common import parse_overrides

if TYPE_CHECKING:
    from spikesim.meta.backends import Evaluation


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``replicate`` subcommand to ``subparsers``."""
    p = subparsers.add_parser(
        "replicate", help="an experiment over many seeds, success rates with 95 %% intervals beside the paper's",
        description="Run an experiment for seeds SEED..SEED+RUNS-1 in parallel (Ray, a local cluster by default; "
        "--address or RAY_ADDRESS joins one). Experiments with frozen twins (florian-rate-xor, "
        "florian-temporal-xor) run every seed twice: trained and frozen (same initial weights and inputs, "
        "plasticity off); the control tasks (cartpole-ac...) a random policy and a non-spiking linear actor-critic, "
        "and train their whole schedule. Prints the success rates with Wilson 95 % intervals beside the paper's and "
        "the measures' medians; --out DIR gets the run directories, results.jsonl, summary.json and, for the "
        "control tasks, learning_curves.png.",
        parents=[common_options(
            seed="the first seed (default 0)",
            set="a parameter of every run (repeatable), e.g. rule=mstdp",
            out="directory for the runs and summary.json (default: none written); it must be new or empty",
        )],
    )  # fmt: skip
    p.add_argument("experiment", help="an experiment's name (see 'spikesim list')")
    p.add_argument("--runs", type=integer_at_least(1), required=True, help="seeds to run")
    p.add_argument("--overwrite", action="store_true", help="replace the replication in a non-empty --out (its "
                   "runs/, results.jsonl, summary.json...; a directory holding other files is refused)")  # fmt: skip
    p.add_argument("--backend", choices=("ray", "serial"), default="ray", help="where runs execute (default ray)")
    p.add_argument("--address", help="a Ray cluster to join (default: RAY_ADDRESS, else a new local cluster)")
    p.add_argument("--workers", type=integer_at_least(1), help="Ray workers (default: the cluster's CPUs)")
    p.add_argument("--arrays", action="store_true", help="also save every run's weights and spike logs")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=run_command)
    return p


def run_command(args: argparse.Namespace) -> int:
    """``spikesim replicate``."""
    from spikesim.meta.replicate import REPLICATION_FILES, Interrupted, replicate

    experiment = experiment_by_name(args.experiment)
    overrides = parse_overrides(args.set or [], experiment.namespace())
    seed = args.seed or 0
    if args.backend == "serial" and args.address:
        raise CLIError("replicate: --address needs --backend ray")

    def progress(done: int, total: int, evaluation: Evaluation) -> None:
        if not args.quiet:
            info = evaluation.info or {}
            twin = f" {info['twin']} twin" if info.get("twin") else ""
            verdict = {None: f"metric {info.get('metric', float('nan')):.4g}", True: "success", False: "failure"}
            what = evaluation.error or f"seed {info.get('seed')}{twin}: " \
                f"{verdict[info.get('success')]} ({evaluation.seconds:.1f} s)"
            print(f"[{done}/{total}] {what}", file=sys.stderr, flush=True)

    if args.out:
        check_out(args.out, REPLICATION_FILES, args.overwrite)
    try:
        summary = replicate(args.experiment, args.runs, seed, overrides, args.out, args.backend, args.address,
                            args.workers, args.arrays, progress, overwrite=args.overwrite)  # fmt: skip
    except Interrupted as stop:
        print(report(stop.summary))
        kept = f"; their summary: {Path(args.out) / 'summary.json'}" if args.out else ""
        print(f"spikesim replicate: interrupted; {stop.summary['finished']} of {stop.summary['jobs']} runs "
              f"finished{kept}", file=sys.stderr)  # fmt: skip
        return 130
    except ConnectionError as error:  # no Ray cluster at the address
        raise CLIError(f"replicate: Ray: {error}") from None
    print(report(summary))
    if args.out:
        print(f"runs and summary: {args.out}")
        if experiment.solve_threshold is not None:
            print(f"learning curves: {plot_curves(Path(args.out), experiment)}")
    return 0


def report(summary: Mapping[str, Any]) -> str:
    """The summary as a few lines of text: the success rates of the trained
    runs and of each twin, the paper's, the medians and ranges of the
    measures, and the wall time."""

    def rate(prefix: str) -> str:
        if summary.get(f"{prefix}success_rate") is None:
            return "- (no target)" if summary.get(f"{prefix}completed") else "-"
        lo, hi = summary[f"{prefix}ci95"]
        return (f"{summary[f'{prefix}successes']}/{summary[f'{prefix}completed']} = "
                f"{100 * summary[f'{prefix}success_rate']:.1f} % [95 % CI {100 * lo:.1f}, {100 * hi:.1f}]")  # fmt: skip

    sets = ", ".join(f"{k}={v}" for k, v in summary["overrides"].items())
    first, last = summary["seed"], summary["seed"] + summary["runs"] - 1
    twins = list(summary.get("twins", ()))
    lines = [f"{summary['experiment']}{f' ({sets})' if sets else ''}: seeds {first}..{last}",
             f"  trained:{'':8}{rate('')}"]  # fmt: skip
    lines += [f"  {twin} twin:{' ' * max(1, 10 - len(twin))}{rate(f'{twin}_')}" for twin in twins]
    paper = summary.get("paper_success_rate")
    lines.append(f"  paper:{'':10}{'-' if paper is None else f'{100 * paper:.1f} %'}")
    lines += [f"  published {key}: {value}" for key, value in (summary.get("published") or {}).items()]
    measures = sorted({k[: -len("_median")] for k in summary if k.endswith("_median")
                       and not any(k.startswith(f"{t}_") for t in twins)}
                      | {k[len(t) + 1 : -len("_median")] for t in twins for k in summary
                         if k.startswith(f"{t}_") and k.endswith("_median")})  # fmt: skip
    if measures:
        columns = ["trained", *twins]
        lines.append(f"  median [min, max] of{'':20}" + " | ".join(f"{c:<26}" for c in columns))
        for measure in measures:
            cells = [_cell(summary, f"{t}_{measure}" if t != "trained" else measure) for t in columns]
            lines.append(f"    {measure:<36}" + " | ".join(f"{c:<26}" for c in cells))
    per_run = summary.get("wall_s_per_run")
    lines.append(f"  wall: {summary['wall_s']:.1f} s on {summary['workers']} worker(s)"
                 + (f", {per_run:.2f} s per trained run" if per_run is not None else ""))  # fmt: skip
    failed = summary.get("failed", 0) + sum(summary.get(f"{t}_failed") or 0 for t in twins)
    if failed:
        lines.append(f"  failed runs: {failed} ({'; '.join(summary['errors'])})")
    return "\n".join(lines)


def _cell(summary: Mapping[str, Any], key: str) -> str:
    """``median [min, max]`` of a measure (with how many runs lacked it), or -."""
    if f"{key}_median" not in summary:
        return "-"
    missing = f" ({summary[f'{key}_missing']} none)" if summary.get(f"{key}_missing") else ""
    if summary[f"{key}_median"] is None:
        return f"-{missing}"
    lo, hi = summary[f"{key}_range"]
    return f"{summary[f'{key}_median']:.4g} [{lo:.4g}, {hi:.4g}]{missing}"


def plot_curves(out: Path, experiment: Any) -> Path | None:
    """``out/learning_curves.png``: the training returns of the trained runs
    and of each twin that trained (see :func:`spikesim.viz.learning_curves`);
    None when no run trained."""
    from spikesim import viz
    from spikesim.training import read_run

    curves: dict[str, list[list[float]]] = {}
    for run_dir in sorted((out / "runs").glob("seed-*")):
        run = read_run(run_dir)
        returns = [r["total_reward"] for r in run.episodes if r["phase"] == "train"]
        if returns:
            twin = (run.config.get("meta") or {}).get("twin")
            curves.setdefault(f"{twin} twin" if twin else "spiking actor-critic", []).append(returns)
    if not curves:
        return None
    path = out / "learning_curves.png"
    viz.learning_curves(curves, threshold=experiment.solve_threshold, title=f"Learning curves: {experiment.name}",
                        path=path)  # fmt: skip
    return path
