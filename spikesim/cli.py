"""The ``spikesim`` command.

::

    spikesim list                           the registered experiments
    spikesim keys xor                       every parameter of an experiment, with its value
    spikesim run xor --set learning_rate=0.1 --seed 3
                                            train, write a run directory and its plots
    spikesim run gym:CartPole-v1            play any registered gymnasium environment
    spikesim plot runs/xor-20250101-120000  the plots of a run directory
    spikesim evolve ...                     a genetic search (spikesim.meta), when installed
    spikesim replicate florian-rate-xor --runs 200 --set rule=mstdp --out runs/rate-mstdp
                                            many seeds in parallel, success rates beside the paper's

``python -m spikesim`` is the same command. :func:`main` takes the
arguments and returns the exit code, so scripts and tests call it directly.
A bad experiment name, key or value ends the command with one line on
standard error naming the closest valid names. Exit codes: 0 done, 2 a bad
command line, configuration or file (a missing or damaged run directory, an
``--out`` that is not empty, unreachable ``--address``), 130 interrupted
(Ctrl-C; what finished is kept), 1 standard output closed by its reader.

This is the top layer: it may use everything, and it is the only code of
the package that prints.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import io
import json
import math
import numbers
import os
import re
import sys
import time
from pathlib import Path
from typing import Any, Mapping, NoReturn, Sequence

from spikesim.files import CorruptFileError

__all__ = [
    "CLIError", "build_parser", "experiment_by_name", "experiment_values", "keys_table", "main", "parse_overrides",
]  # fmt: skip

PROG = "spikesim"


class CLIError(Exception):
    """A failure the command reports in one line (no traceback)."""

    def __init__(self, message: str, code: int = 2, prog: str = PROG) -> None:
        super().__init__(message)
        self.code = code
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (raised as
    :class:`CLIError`, printed by :func:`main`)."""

    def error(self, message: str) -> NoReturn:
        raise CLIError(f"{message} (see '{self.prog} --help')", prog=self.prog)


# --------------------------------------------------------------------------- entry point
def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``spikesim`` command with ``argv`` (default: ``sys.argv[1:]``)
    and return its exit code."""
    from spikesim.params import ConfigError

    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser(argv)
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


def file_error_message(error: BaseException) -> str:
    """One line for a file error: ``FILE: what`` (an OSError's file name and
    reason rather than its ``[Errno N]`` form)."""
    if isinstance(error, OSError) and error.filename is not None and error.strerror:
        return f"{error.filename}: {error.strerror}"
    return str(error) or type(error).__name__


def check_out(out: str | os.PathLike, own: Sequence[str], overwrite: bool) -> Path:
    """``--out`` checked before the command writes it
    (:func:`spikesim.files.prepare_directory` with ``check``): a directory
    that is not empty is refused naming ``--overwrite``, a file or an
    unwritable place too, as a one-line :class:`CLIError` (exit 2). Nothing
    is removed: with ``--overwrite`` the command clears spikesim's files in
    it once its values are valid."""
    from spikesim.files import prepare_directory

    try:
        return prepare_directory(out, own, overwrite, option="--overwrite", check=True)
    except OSError as error:
        raise CLIError(f"--out {out}: {file_error_message(error)}") from None


def _fail(prog: str, message: str) -> None:
    one_line = re.sub(r"\s*\n\s*", " ", message.strip())
    print(f"{prog}: error: {one_line}", file=sys.stderr)


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The command's parser. ``evolve`` comes from ``spikesim.meta.cli``
    (its ``add_parser(subparsers)`` adds the subcommand and sets ``func``),
    imported only when ``argv`` asks for it."""
    import spikesim

    parser = _Parser(
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
    )  # fmt: skip
    p.add_argument("experiment", help="an experiment's name (see 'spikesim list') or gym:ENV_ID")
    p.add_argument("--episodes", type=integer_at_least(0), help="training episodes (default: the experiment's)")
    p.add_argument("--eval-episodes", type=integer_at_least(0), help="evaluation episodes (default: the experiment's)")
    p.add_argument("--len-episode", type=integer_at_least(1), help="game steps per episode at most (default: the experiment's)")
    p.add_argument("--seed", type=integer_at_least(0), help="seed of the network and the game")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter (repeatable); VALUE is read as JSON when it parses, "
                   "else as a string; a callable as module:name")  # fmt: skip
    p.add_argument("--engine", choices=("numba", "numpy"), help="the engine (the 'engine' key)")
    p.add_argument("--out", help="the run directory, new or empty (default: runs/EXPERIMENT-YYYYmmdd-HHMMSS)")
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

    command = next((a for a in argv if not a.startswith("-")), None)
    meta_cli = _meta_cli() if command == "evolve" else None
    if meta_cli is not None:
        meta_cli.add_parser(sub)
    else:
        p = sub.add_parser(
            "evolve", help="a genetic search over an experiment's parameters (spikesim.meta)", add_help=False
        )  # fmt: skip
        p.add_argument("rest", nargs=argparse.REMAINDER)
        p.set_defaults(func=_cmd_evolve_missing)
    if command == "replicate":
        importlib.import_module("spikesim.meta.replicate").add_parser(sub)
    else:
        sub.add_parser("replicate", help="an experiment over many seeds: success rates with 95 %% intervals "
                       "beside the paper's (spikesim.meta.replicate)", add_help=False)  # fmt: skip
    return parser


def _meta_cli() -> Any:
    """``spikesim.meta.cli`` when it exists and has ``add_parser``, else None."""
    if importlib.util.find_spec("spikesim.meta.cli") is None:
        return None
    module = importlib.import_module("spikesim.meta.cli")
    return module if callable(getattr(module, "add_parser", None)) else None


def integer_at_least(low: int):
    """An argparse type: an integer, at least ``low``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}; got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}; got {value}")
        return value

    parse.__name__ = "integer"
    return parse


# --------------------------------------------------------------------------- experiments
def experiment_by_name(name: str, typed: bool = True) -> Any:
    """The experiment called ``name``; ``gym:ENV_ID`` builds one for a
    gymnasium environment (``spikesim.experiments.gym.experiment_for``).
    An unknown name raises :class:`CLIError` naming the closest ones.
    A name the user ``typed`` may be ``gym:mymodule:Env-v0`` (gymnasium
    imports ``mymodule``); one read from a file (``typed=False``) may not."""
    from spikesim import experiments

    if not isinstance(name, str):
        raise CLIError(f"an experiment name is a string (see 'spikesim list'); got {name!r}")
    if name.startswith("gym:"):
        env_id = name[len("gym:"):]
        if not env_id:
            raise CLIError("gym: expects an environment id, e.g. gym:CartPole-v1")
        if importlib.util.find_spec("spikesim.experiments.gym") is None:
            raise CLIError(f"{name}: gymnasium experiments are not available (no module spikesim.experiments.gym)")
        import gymnasium

        module = importlib.import_module("spikesim.experiments.gym")
        try:
            return module.experiment_for(env_id, trusted=typed)
        except (KeyError, gymnasium.error.Error) as error:
            raise CLIError(f"{name}: {_message(error)}") from None
    try:
        return experiments.get(name)
    except KeyError as error:
        raise CLIError(f"{_message(error)} (or gym:ENV_ID for a gymnasium environment)") from None


def _message(error: BaseException) -> str:
    """An exception's message (a KeyError's without the quotes str() adds)."""
    if isinstance(error, KeyError) and len(error.args) == 1:
        return str(error.args[0])
    return str(error) or type(error).__name__


def parse_overrides(items: Sequence[str], namespace: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``--set`` items ``KEY=VALUE`` as a dict. A value is read as JSON when
    it parses (``0.1``, ``true``, ``[0, 0.04]``, ``null``), ``inf`` and
    ``-inf`` as floats, otherwise as a string (``AND``). With ``namespace``
    (name -> (Param, owner)), a string ``module:name`` (as ``config.json``
    writes callables) given to a parameter of type ``callable`` is imported,
    and to one of type ``any`` when it names a function. The command line is
    the user's own: any importable function is trusted (see
    :func:`spikesim.names.resolve`); one that does not exist is a ConfigError.

    >>> parse_overrides(["learning_rate=0.1", "preset=AND", "state_rate_map=[0, 0.04]"])
    {'learning_rate': 0.1, 'preset': 'AND', 'state_rate_map': [0, 0.04]}
    """
    from spikesim import names
    from spikesim.params import ConfigError

    overrides: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise CLIError(f"--set expects KEY=VALUE; got {item!r}")
        value = _value(text)
        kind = namespace[key][0].type if namespace is not None and key in namespace else None
        if kind in ("callable", "any") and isinstance(value, str) and names.PATTERN.match(value):
            try:
                value = names.resolve(value, "callable", what=f"--set {key}", trusted=True)
            except ConfigError:
                if kind == "callable":
                    raise
        overrides[key] = value
    return overrides


def _value(text: str) -> Any:
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    if text.lower() in ("inf", "+inf", "infinity", "-inf", "-infinity"):
        return float(text)
    return text


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


def default_out(name: str, prefix: str = "") -> Path:
    """``runs/PREFIXNAME-YYYYmmdd-HHMMSS`` (NAME reduced to file-name
    characters), with ``-2``, ``-3``, ... appended if it exists already."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "run"
    base = Path("runs") / f"{prefix}{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    out, number = base, 1
    while out.exists():
        number += 1
        out = base.with_name(f"{base.name}-{number}")
    return out


def _cmd_run(args: argparse.Namespace) -> int:
    experiment = experiment_by_name(args.experiment)
    overrides = parse_overrides(args.set, experiment.namespace())
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
    print(f"run directory: {out} (seed {outcome.results.config['seed']})")
    if not args.no_plots:
        from spikesim import viz

        paths = viz.plot_run(out)
        print(f"plots: {out / 'plots'} ({len(paths)} files)")
    return 0


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


def _cmd_evolve_missing(args: argparse.Namespace) -> int:
    raise CLIError("evolve: the search is not available (no module spikesim.meta.cli with add_parser)")
