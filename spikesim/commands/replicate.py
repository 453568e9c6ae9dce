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
        "plasticity off). Prints the success rates with Wilson 95 % intervals beside the paper's; --out DIR "
        "gets the run directories, results.jsonl and summary.json.",
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
            what = evaluation.error or f"seed {info.get('seed')}{' frozen' if info.get('frozen') else ''}: " \
                f"{'success' if info.get('success') else 'failure'} ({evaluation.seconds:.1f} s)"
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
    return 0


def report(summary: Mapping[str, Any]) -> str:
    """The summary as a few lines of text."""

    def rate(prefix: str) -> str:
        if summary.get(f"{prefix}success_rate") is None:
            return "-"
        lo, hi = summary[f"{prefix}ci95"]
        return (f"{summary[f'{prefix}successes']}/{summary[f'{prefix}completed']} = "
                f"{100 * summary[f'{prefix}success_rate']:.1f} % [95 % CI {100 * lo:.1f}, {100 * hi:.1f}]")  # fmt: skip

    sets = ", ".join(f"{k}={v}" for k, v in summary["overrides"].items())
    first, last = summary["seed"], summary["seed"] + summary["runs"] - 1
    lines = [f"{summary['experiment']}{f' ({sets})' if sets else ''}: seeds {first}..{last}",
             f"  trained:     {rate('')}"]  # fmt: skip
    if summary.get("twin"):
        lines.append(f"  frozen twin: {rate('frozen_')}")
    paper = summary.get("paper_success_rate")
    lines.append(f"  paper:       {'-' if paper is None else f'{100 * paper:.1f} %'}")
    per_run = summary.get("wall_s_per_run")
    lines.append(f"  wall: {summary['wall_s']:.1f} s on {summary['workers']} worker(s)"
                 + (f", {per_run:.2f} s per trained run" if per_run is not None else ""))  # fmt: skip
    failed = summary.get("failed", 0) + (summary.get("frozen_failed") or 0)
    if failed:
        lines.append(f"  failed runs: {failed} ({'; '.join(summary['errors'])})")
    return "\n".join(lines)
