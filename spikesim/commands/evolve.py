"""``spikesim evolve``: a genetic search from the command line.

::

    spikesim evolve xor --population 16 --generations 5
    spikesim evolve xor --param learning_rate=0.05:2 --param tau_z=log:5:100 --out runs/evolve-xor
    spikesim evolve --resume runs/evolve-xor                 # after an interruption
    spikesim evolve xor --address ray://head:10001 ...       # on a cluster (or RAY_ADDRESS=...)

:func:`add_parser` adds the subcommand to the ``spikesim`` parser
(``spikesim.cli`` calls it); the search itself is :func:`spikesim.meta.evolve`.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import Any

from spikesim import files
from spikesim.commands.common import CLIError, common_options, default_out, experiment_by_name as _experiment
from spikesim.commands.common import file_error_message, integer_at_least, parse_overrides

#: Options that set what is searched: a resumed search keeps its own.
_SEARCH_OPTIONS = ("param", "set", "population", "seed", "reruns", "target", "episodes", "len_episode",
                   "eval_episodes", "max_age", "random_rate", "survivor_rate", "mutation_rate", "crossover_rate",
                   "mutate_eligible_pct")  # fmt: skip


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``evolve`` subcommand to ``subparsers``."""
    p = subparsers.add_parser(
        "evolve", help="a genetic search over an experiment's parameters, on Ray or serial",
        description="Search an experiment's parameters with a genetic algorithm (fitness: the experiment's "
        "metric). Runs on a local Ray cluster by default (--address or RAY_ADDRESS joins one). Writes "
        "OUT/search.json, OUT/generations.jsonl (one line per generation), OUT/checkpoint.json and "
        "OUT/plots/fitness.png; --resume OUT continues an interrupted search.",
        epilog="Constraints (--param NAME=SPEC): LOW:HIGH (integers if both are, else real numbers), "
        "log:LOW:HIGH (log scale), A,B,C (choices); NAME alone uses the declared range of the parameter "
        "(it must be finite).",
        parents=[common_options(
            seed="seed of the search and of the runs (default 0)",
            set="a fixed parameter of every run (repeatable; VALUE read as JSON when it parses)",
            out="the search directory, new or empty (default: runs/evolve-EXPERIMENT-YYYYmmdd-HHMMSS)",
        )],
    )  # fmt: skip
    p.add_argument("experiment", nargs="?", help="an experiment's name (see 'spikesim list'); optional with --resume")
    p.add_argument("--param", action="append", default=None, metavar="NAME[=SPEC]",
                   help="a parameter to search and its constraint (repeatable); default: the experiment's "
                   "search space")  # fmt: skip
    p.add_argument("--population", type=integer_at_least(1), help="genotypes per generation (default 16)")
    p.add_argument("--generations", type=integer_at_least(1), help="generations to run (default 10); with --resume the "
                   "new total")  # fmt: skip
    p.add_argument("--reruns", type=integer_at_least(1), help="runs per genotype, seeds SEED..SEED+RERUNS-1, averaged")
    p.add_argument("--target", type=float, help="stop when the best fitness reaches it")
    p.add_argument("--episodes", type=integer_at_least(0), help="training episodes per run (default: the experiment's)")
    p.add_argument("--len-episode", type=integer_at_least(1), help="game steps per episode (default: the experiment's)")
    p.add_argument("--eval-episodes", type=integer_at_least(0), help="evaluation episodes (default: the experiment's)")
    p.add_argument("--backend", choices=("ray", "serial"), default="ray", help="where evaluations run (default ray)")
    p.add_argument("--address", help="a Ray cluster to join, e.g. auto or ray://HEAD:10001 (default: RAY_ADDRESS, "
                   "else a new local cluster)")  # fmt: skip
    p.add_argument("--workers", type=integer_at_least(1), help="Ray workers (default: the cluster's CPUs)")
    p.add_argument("--resume", metavar="DIR", help="continue the search in DIR from its last finished generation")
    g = p.add_argument_group("population (Spikey's names)", "rates not given share what the given ones leave, "
                             "in the proportions of their defaults")
    g.add_argument("--max-age", type=integer_at_least(1), help="generations a genotype may live (default 5)")
    g.add_argument("--mutate-eligible-pct", type=float, help="share of the best eligible as parents (default 0.5)")
    g.add_argument("--random-rate", type=float, help="share of random genotypes (default 0.1)")
    g.add_argument("--survivor-rate", type=float, help="share of survivors (default 0.1)")
    g.add_argument("--mutation-rate", type=float, help="share of mutants (default 0.3)")
    g.add_argument("--crossover-rate", type=float, help="share of crossovers (default 0.5)")
    p.add_argument("--no-plot", action="store_true", help="do not write the fitness plot")
    p.add_argument("--no-progress", action="store_true", help="no progress within a generation")
    p.set_defaults(func=run)
    return p


def _constraints(items: list[str]) -> dict[str, Any]:
    from spikesim.meta.constraints import parse_text
    from spikesim.params import ConfigError

    constraints: dict[str, Any] = {}
    for item in items:
        name, _, spec = item.partition("=")
        name = name.strip()
        if not name:
            raise CLIError(f"--param expects NAME or NAME=SPEC; got {item!r}")
        try:
            constraints[name] = parse_text(spec)
        except (ConfigError, ValueError) as error:
            raise CLIError(f"--param {name}: {error}") from None
    return constraints


def _population_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {"n_agents": args.population or 16}
    names = ("max_age", "mutate_eligible_pct", "random_rate", "survivor_rate", "mutation_rate", "crossover_rate")
    for name in names:
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    if any(getattr(args, n) is not None for n in names[2:]):
        # the rates not given share what is left in the proportions of their defaults
        defaults = {"random_rate": 0.1, "survivor_rate": 0.1, "mutation_rate": 0.3, "crossover_rate": 0.5}
        given = {n: options[n] for n in defaults if n in options}
        free = [n for n in defaults if n not in given]
        left = 1.0 - sum(given.values())
        weight = sum(defaults[n] for n in free)
        for n in free:
            options[n] = left * defaults[n] / weight if weight else 0.0
    return options


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else str(value)
    return str(value)


def _of(total: int | None) -> str:
    """The generations' numbers, as the log and the plot number them (from 0).

    >>> _of(10), _of(None)
    (' of 0..9', '')
    """
    return f" of 0..{total - 1}" if total else ""


def run(args: argparse.Namespace) -> int:
    """The ``evolve`` command: returns its exit code."""
    import numpy as np

    from spikesim.meta.search import SEARCH_FILE, check_new_directory, evolve

    if args.resume is not None:
        given = [f"--{n.replace('_', '-')}" for n in _SEARCH_OPTIONS if getattr(args, n) is not None]
        if given:
            raise CLIError(f"--resume continues the search as {Path(args.resume) / SEARCH_FILE} defines it; "
                           f"drop {', '.join(given)}")  # fmt: skip
        if args.out is not None:
            raise CLIError("--resume writes into the directory it continues; drop --out")
        if not (Path(args.resume) / SEARCH_FILE).is_file():
            raise CLIError(f"--resume {args.resume}: not a search directory (no {SEARCH_FILE})")
        out = Path(args.resume)
        search_json = files.read_json(out / SEARCH_FILE, keys=("population",))
        experiment = None
        if args.experiment is not None:  # evolve refuses another experiment than the file's
            experiment = _experiment(args.experiment, typed=False)
        elif search_json.get("experiment") is not None:
            try:
                experiment = _experiment(search_json["experiment"], typed=False)
            except CLIError as error:
                raise CLIError(f"{out / SEARCH_FILE}: 'experiment': {error}") from None
        options: dict[str, Any] = {"resume": out, "experiment": experiment, "generations": args.generations}
        print(f"resuming {out}")
    else:
        if args.experiment is None:
            raise CLIError("evolve: give an EXPERIMENT (see 'spikesim list') or --resume DIR")
        experiment = _experiment(args.experiment)
        namespace = experiment.namespace()
        out = Path(args.out) if args.out else default_out(args.experiment, prefix="evolve-")
        try:
            check_new_directory(out, command_line=True)
        except OSError as error:
            raise CLIError(f"evolve: {file_error_message(error)}") from None
        options = {
            "experiment": experiment,
            "constraints": _constraints(args.param) if args.param else None,
            "overrides": parse_overrides(args.set or [], namespace),
            "population": _population_options(args),
            "generations": args.generations or 10,
            "seed": args.seed or 0, "reruns": args.reruns or 1, "target": args.target,
            "episodes": args.episodes, "len_episode": args.len_episode, "eval_episodes": args.eval_episodes,
            "out": out,
        }  # fmt: skip
    progress = sys.stdout.isatty() and not args.no_progress
    address = args.address or os.environ.get("RAY_ADDRESS")
    where = "this process" if args.backend == "serial" else (
        f"the Ray cluster at {address}" if address else "a new local Ray cluster")

    def on_evaluation(done: int, total: int, evaluation: Any) -> None:
        if progress:
            print(f"\r  {done}/{total} evaluations", end="" if done < total else "\r", flush=True)

    total = [None]

    def on_generation(record: dict) -> None:
        values = np.array([f for f in record["fitnesses"] if f is not None], dtype=float)
        median = float(np.median(values)) if values.size else None
        best = record["best"]["fitness"] if record["best"] else None
        print(f"generation {record['generation']}{_of(total[0])}: best {_fmt(best)}  median {_fmt(median)}  "
              f"({record['evaluations']} evaluated, {record['cache_hits']} cached, {len(record['errors'])} failed, "
              f"{record['wall_s']:.1f} s)", flush=True)  # fmt: skip

    if args.resume is None:
        total[0] = options["generations"]
        print(f"evolve {experiment.name}: {options['population']['n_agents']} genotypes x {total[0]} generations "
              f"(numbered from 0) on {where}; search directory {out}", flush=True)  # fmt: skip
    elif args.generations is not None:
        total[0] = args.generations
    if total[0] is None and args.resume is not None:
        total[0] = search_json["population"].get("n_epoch") if isinstance(search_json["population"], dict) else None
    from spikesim.params import ConfigError

    try:
        search = evolve(
            backend=args.backend, address=args.address, workers=args.workers,
            on_generation=on_generation, on_evaluation=on_evaluation, **options,
        )  # fmt: skip
    except KeyboardInterrupt:
        print(f"\ninterrupted; continue with: spikesim evolve --resume {out}", file=sys.stderr)
        return 130
    except (ConfigError, FileExistsError, FileNotFoundError, ValueError) as error:
        raise CLIError(f"evolve: {error}") from None
    except ConnectionError as error:  # no Ray cluster at the address
        raise CLIError(f"evolve: Ray: {error}; once it is up: spikesim evolve --resume {out} --address ADDRESS"
                       ) from None  # fmt: skip
    if search.info.get("startup_s"):
        print(f"{search.backend}: {search.info['workers']} workers, started in {search.info['startup_s']:.1f} s"
              + (f", {search.info['lost']} evaluation(s) retried" if search.info.get("lost") else ""))  # fmt: skip
    if search.best is not None:
        print(f"best fitness {_fmt(search.best_fitness)} (generation {search.best['generation']}): "
              + ", ".join(f"{k}={_fmt(v)}" for k, v in search.best_genotype.items()))  # fmt: skip
    else:
        print("no genotype was evaluated successfully")
    print(f"log: {out / 'generations.jsonl'}\ncheckpoint: {out / 'checkpoint.json'}")
    if not args.no_plot:
        from spikesim import viz

        for path in viz.plot_run(out):
            print(f"plot: {path}")
    return 0
