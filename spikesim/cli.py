"""The ``spikesim`` command.

::

    spikesim list                           the registered experiments
    spikesim keys xor                       every parameter of an experiment, with its value
    spikesim run xor --set learning_rate=0.1 --seed 3
                                            train, write a run directory and its plots
    spikesim run gym:CartPole-v1            play any registered gymnasium environment
    spikesim plot runs/xor-20250101-120000  the plots of a run directory
    spikesim evolve ...                     a genetic search (spikesim.meta)
    spikesim replicate florian-rate-xor --runs 200 --set rule=mstdp --out runs/rate-mstdp
                                            many seeds in parallel, success rates beside the paper's

``python -m spikesim`` is the same command. :func:`main` takes the
arguments and returns the exit code, so scripts and tests call it directly.
A bad experiment name, key or value ends the command with one line on
standard error naming the closest valid names. Exit codes: 0 done, 2 a bad
command line, configuration or file (a missing or damaged run directory, an
``--out`` that is not empty, unreachable ``--address``), 130 interrupted
(Ctrl-C; what finished is kept), 1 standard output closed by its reader.

This is the top layer, with :mod:`spikesim.commands` (the helpers the
subcommands share, ``evolve`` and ``replicate``): it may use everything,
and it is the only code of the package that prints.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import io
import math
import numbers
import os
import re
import sys
from pathlib import Path
from typing import Any, Sequence

from spikesim.commands import evolve, replicate
from spikesim.commands.common import (
    PROG, CLIError, Parser, check_out, common_options, default_out, release_unused_outs,
)
from spikesim.commands.common import experiment_by_name, file_error_message, integer_at_least, parse_overrides
from spikesim.files import CorruptFileError

__all__ = ["build_parser", "experiment_values", "keys_table", "main"]


# --------------------------------------------------------------------------- entry point
def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``spikesim`` command with ``argv`` (default: ``sys.argv[1:]``)
    and return its exit code."""
    from spikesim.params import ConfigError

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exit:  # --help, --version
            return exit.code if isinstance(exit.code, int) else 0
        if getattr(args, "func", None) is None:
            parser.print_help(sys.stderr)
            return 2
        code = args.func(args)
        return int(code or 0)
    except CLIError as error:
        _fail(error.prog, str(error))
        return error.code
    except ConfigError as error:
        _fail(PROG, str(error))
        return 2
    except BrokenPipeError:  # the reader went away (`spikesim keys xor | head`): stop quietly
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):
            pass
        return 1
    except (CorruptFileError, OSError) as error:  # a damaged, missing or unwritable file
        _fail(PROG, file_error_message(error))
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    finally:
        release_unused_outs()


def _fail(prog: str, message: str) -> None:
    one_line = re.sub(r"\s*\n\s*", " ", message.strip())
    print(f"{prog}: error: {one_line}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    """The command's parser; ``evolve`` and ``replicate`` come from
    :mod:`spikesim.commands` (their ``add_parser(subparsers)`` adds the
    subcommand and sets ``func``)."""
    import spikesim

    parser = Parser(
        prog=PROG,
        description="spikesim: spiking neural networks for reinforcement learning. "
        "Run ready-made experiments, list their parameters, plot their runs.",
    )
    parser.add_argument("--version", action="version", version=f"spikesim {spikesim.__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = sub.add_parser("list", help="the registered experiments", description="The registered experiments.")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser(
        "keys", help="every parameter of an experiment",
        description="Every parameter of an experiment: name, type, the value a run uses (* where it differs "
        "from the declared default), range or choices, the part that declares it, and its doc.",
    )  # fmt: skip
    p.add_argument("experiment", help="an experiment's name (see 'spikesim list') or gym:ENV_ID")
    p.set_defaults(func=_cmd_keys)

    p = sub.add_parser(
        "run", help="train an experiment and write a run directory with plots",
        description="Train an experiment, print its metric and whether it reached its target, and write "
        "a run directory (config.json, episodes.jsonl, arrays.npz, summary.json, plots/).",
        parents=[common_options(
            seed="seed of the network and the game",
            set="override a parameter (repeatable); VALUE is read as JSON when it parses, else as a string; "
            "a callable as module:name",
            out="the run directory, new or empty (default: runs/EXPERIMENT-YYYYmmdd-HHMMSS)",
            engine="the engine (the 'engine' key)",
        )],
    )  # fmt: skip
    p.add_argument("experiment", help="an experiment's name (see 'spikesim list') or gym:ENV_ID")
    p.add_argument("--episodes", type=integer_at_least(0), help="training episodes (default: the experiment's)")
    p.add_argument("--eval-episodes", type=integer_at_least(0), help="evaluation episodes (default: the experiment's)")
    p.add_argument("--len-episode", type=integer_at_least(1), help="game steps per episode at most (default: the experiment's)")
    p.add_argument("--overwrite", action="store_true", help="replace the run in a non-empty --out (its config.json, "
                   "episodes.jsonl, arrays.npz, summary.json, plots/; a directory holding other files is refused)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-arrays", action="store_true", help="do not save spike logs and weights (arrays.npz)")
    p.add_argument("--no-plots", action="store_true", help="do not write the plots")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "plot", help="write the plots of a run directory",
        description="Write the plots of a run directory into RUN_DIR/plots: the learning curve, and with "
        "arrays.npz the spike raster, firing rates, 3-D activity and weights; with generations.jsonl the "
        "fitness per generation.",
    )  # fmt: skip
    p.add_argument("run_dir", help="a run directory (written by 'spikesim run')")
    p.add_argument("--out", help="where to write the plots (default: RUN_DIR/plots)")
    p.set_defaults(func=_cmd_plot)

    p = sub.add_parser(
        "record", help="record a policy's episodes in a gymnasium environment (demonstrations)",
        description="Play EPISODES episodes of a registered policy in a gymnasium environment and write them to "
        "an .npz file of demonstrations (observations, actions, rewards, next observations, ends, episode "
        "numbers; see spikesim.games.demonstrations), which a network can learn from offline. Prints the "
        "episodes' mean return.",
    )  # fmt: skip
    p.add_argument("env", help="a gymnasium id (gym:ENV_ID also works), e.g. CartPole-v1")
    p.add_argument("--policy", required=True, choices=_policies(), help="a registered policy")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="a keyword of the environment (repeatable), "
                   "e.g. preset=maze-10 for spikesim/GridWorld-v0, is_slippery=false for FrozenLake-v1")
    p.add_argument("--episodes", type=integer_at_least(1), required=True, help="episodes to record")
    p.add_argument("--seed", type=integer_at_least(0), default=0, help="seed of the first reset and the policy (default 0)")
    p.add_argument("--len-episode", type=integer_at_least(1), help="steps per episode at most (default: the environment's limit)")
    p.add_argument("--out", required=True, help="the .npz file to write; an existing one is kept unless --overwrite")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    p.set_defaults(func=_cmd_record)

    evolve.add_parser(sub)
    replicate.add_parser(sub)
    return parser


def _policies() -> list[str]:
    from spikesim.games.demonstrations import POLICIES

    return list(POLICIES)


# --------------------------------------------------------------------------- commands
def _cmd_list(args: argparse.Namespace) -> int:
    from spikesim import experiments

    rows = [("experiment", "target", "metric", "description")]
    for name in experiments.names():
        e = experiments.get(name)
        rows.append((name, "-" if e.target is None else f"{e.target:g}", e.metric_name, e.description))
    if importlib.util.find_spec("spikesim.experiments.gym") is not None:
        rows.append(("gym:ENV_ID", "-", "mean total reward", "any registered gymnasium environment, e.g. gym:CartPole-v1"))
    print(_table(rows))
    return 0


def keys_table(experiment: Any) -> str:
    """Every parameter of an experiment as a table: key, type, the value a
    run uses (``*`` where it differs from the declared default), range or
    choices, the part that declares it, and its doc."""
    from spikesim.params import REQUIRED

    values = experiment_values(experiment)
    rows = [("key", "type", "value", "range / choices", "part", "doc")]
    for name, (param, owner) in experiment.namespace().items():
        default = "required" if param.default is REQUIRED else _show(param.default)
        value = _show(values[name]) if name in values else default
        if value != default:
            value += " *"
        limits = param.range or (", ".join(map(repr, param.choices)) if param.choices else "")
        rows.append((name, param.type, value, limits, owner, param.doc))
    note = f"* differs from the declared default: set by the experiment {experiment.name!r}, its game or its network"
    return _table(rows) + "\n" + note


def experiment_values(experiment: Any) -> dict[str, Any]:
    """The values a run of ``experiment`` uses, by key: those of the
    network and the game it builds (without a seed, the network's is left
    out); when they cannot be built, the values the experiment gives (its
    game's preset, game parameters, network class keys, own keys)."""
    from spikesim.params import ConfigError

    given: dict[str, Any] = {}
    preset = experiment.game_params.get("preset")
    presets = getattr(experiment.game, "PRESETS", None) or {}
    if preset in presets:
        given.update(presets[preset])
    given.update(experiment.game_params)
    given.update(getattr(experiment.network, "keys", None) or {})
    given.update(experiment.keys)
    try:
        network, game = experiment.build()
    except ConfigError:
        return given
    try:
        values = {**dict(getattr(game, "params", None) or {}), **experiment.game_params, **network.config}
    finally:
        if callable(getattr(game, "close", None)):
            game.close()
    if "seed" in given:
        values["seed"] = given["seed"]
    else:
        values.pop("seed", None)
    return values


def _show(value: Any, width: int = 44) -> str:
    """A short text of a parameter value for a table."""
    import numpy as np

    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, (bool, np.bool_)):
        text = str(bool(value))
    elif isinstance(value, numbers.Integral):
        text = str(int(value))
    elif callable(value):
        text = getattr(value, "__name__", None) or type(value).__name__
    elif isinstance(value, (np.ndarray, list, tuple)):
        array = np.asarray(value, dtype=object if not isinstance(value, np.ndarray) else None)
        flat = [_show(v, width) for v in array.ravel()[:4]]
        more = ", ..." if array.size > 4 else ""
        text = f"[{', '.join(flat)}{more}]" + (f" ({'x'.join(map(str, array.shape))})" if array.size > 4 else "")
    elif isinstance(value, (float, np.floating)):
        text = f"{float(value):g}"
    else:
        text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _table(rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widths, the last one free; a rule under the header."""
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r[:-1], widths)) + "  " + str(r[-1]) for r in rows]
    lines.insert(1, "-" * max(len(line) for line in lines[:1]))
    return "\n".join(line.rstrip() for line in lines)


def _cmd_keys(args: argparse.Namespace) -> int:
    print(keys_table(experiment_by_name(args.experiment)))
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    experiment = experiment_by_name(args.experiment)
    overrides = parse_overrides(args.set or [], experiment.namespace())
    if args.engine is not None:
        overrides["engine"] = args.engine
    experiment.split(overrides)  # unknown keys fail before anything is written
    from spikesim.training import RUN_FILES

    out = check_out(args.out if args.out else default_out(args.experiment), RUN_FILES, args.overwrite)
    try:
        outcome = experiment.run(
            overrides, seed=args.seed, episodes=args.episodes, len_episode=args.len_episode,
            eval_episodes=args.eval_episodes, out=out, progress=False if args.no_progress else None,
            save_arrays=not args.no_arrays, overwrite=args.overwrite,
        )  # fmt: skip
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; {out} keeps the finished episodes", file=sys.stderr)
        return 130
    if experiment.target is None:
        verdict = "no target"
    else:
        verdict = f"target {experiment.target:g}: {'reached' if outcome.success else 'not reached'}"
    metric = f"{outcome.metric:.4g}" if math.isfinite(outcome.metric) else str(outcome.metric)
    print(f"{experiment.name}: {experiment.metric_name} = {metric} ({verdict})")
    if experiment.solve_threshold is not None:
        print(solve_line(experiment.measures(outcome), experiment.solve_threshold))
    print(f"run directory: {out} (seed {outcome.results.config['seed']})")
    if not args.no_plots:
        from spikesim import viz

        paths = viz.plot_run(out)
        print(f"plots: {out / 'plots'} ({len(paths)} files)")
    return 0


def _cmd_record(args: argparse.Namespace) -> int:
    import gymnasium

    from spikesim.games.demonstrations import record

    env_id = args.env[len("gym:"):] if args.env.startswith("gym:") else args.env
    out = Path(args.out)
    if out.exists() and not args.overwrite:
        raise CLIError(f"--out {out}: the file exists; pass --overwrite to replace it")
    if not out.parent.is_dir():
        raise CLIError(f"--out {out}: no directory {out.parent}")
    try:
        env = gymnasium.make(env_id, **parse_overrides(args.set or []))
    except (gymnasium.error.Error, TypeError) as error:
        raise CLIError(f"{env_id}: {error}") from None
    demos = record(env, args.policy, args.episodes, seed=args.seed, len_episode=args.len_episode)
    demos.save(out, overwrite=args.overwrite)
    returns = demos.returns()
    print(f"{env_id}: {demos.episode_count} episodes of policy {args.policy!r}, {len(demos)} steps, "
          f"mean return {returns.mean():.4g} (min {returns.min():.4g}, max {returns.max():.4g})")
    print(f"demonstrations: {out}")
    return 0


def solve_line(measures: dict, threshold: float) -> str:
    """The classic solve count of a run, in words.

    >>> solve_line({"episodes_to_solve": 46, "train_episodes": 146, "train_wall_s": 20.5, "solve_wall_s": 20.5}, 475)
    'training: solved after 46 episodes (episodes 46-145 averaged >= 475); 146 episodes in 20.5 s'
    """
    from spikesim.experiments.registry import SOLVE_WINDOW

    solved, episodes = measures["episodes_to_solve"], measures["train_episodes"]
    done = f"{episodes} episodes in {measures['train_wall_s']:.1f} s"
    if solved is None:
        return f"training: not solved (no {SOLVE_WINDOW} consecutive episodes averaged >= {threshold:g}); {done}"
    last = solved + SOLVE_WINDOW - 1
    return f"training: solved after {solved} episodes (episodes {solved}-{last} averaged >= {threshold:g}); {done}"


def _cmd_plot(args: argparse.Namespace) -> int:
    from spikesim import viz

    run_dir = Path(args.run_dir)
    if run_dir.is_file():
        raise CLIError(f"{run_dir} is a file, not a run directory")
    if not run_dir.is_dir():
        raise CLIError(f"{run_dir}: no such run directory")
    try:
        paths = viz.plot_run(run_dir, out=args.out)
    except FileNotFoundError as error:
        raise CLIError(str(error)) from None
    except viz.PlotError as error:  # values in the files that cannot be drawn
        raise CLIError(str(error)) from error
    for path in paths:
        print(path)
    return 0

