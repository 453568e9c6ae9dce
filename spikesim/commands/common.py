"""What the subcommands share: the one-line error, the parser that raises
it, argument types, experiments by name, ``--set`` values, ``--out``
checks, and the options declared once (:func:`common_options`)."""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import re
import time
from pathlib import Path
from typing import Any, Mapping, NoReturn, Sequence

PROG = "spikesim"


class CLIError(Exception):
    """A failure the command reports in one line (no traceback)."""

    def __init__(self, message: str, code: int = 2, prog: str = PROG) -> None:
        super().__init__(message)
        self.code = code
        self.prog = prog


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (raised as
    :class:`CLIError`, printed by :func:`spikesim.cli.main`)."""

    def error(self, message: str) -> NoReturn:
        raise CLIError(f"{message} (see '{self.prog} --help')", prog=self.prog)


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




#: Run directories :func:`default_out` created in this process, for :func:`release_unused_outs`.
_claimed: list[Path] = []


def default_out(name: str, prefix: str = "") -> Path:
    """``runs/PREFIXNAME-YYYYmmdd-HHMMSS`` (NAME reduced to file-name
    characters), with ``-2``, ``-3``, ... appended if it exists already.
    The directory is created here, empty, so that two commands started in
    the same second get one each (a command that stops before writing into
    it leaves nothing: see :func:`release_unused_outs`). Where it cannot be
    created the name is returned as it is, for the command's own check to
    report."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "run"
    base = Path("runs") / f"{prefix}{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    out, number = base, 1
    while True:
        try:
            out.mkdir(parents=True)
            _claimed.append(out.absolute())
            return out
        except FileExistsError:
            number += 1
            out = base.with_name(f"{base.name}-{number}")
        except OSError:
            return out


def release_unused_outs() -> None:
    """Remove the directories :func:`default_out` created that are still
    empty (the command stopped before writing), and ``runs`` with them when
    it is left empty."""
    while _claimed:
        out = _claimed.pop()
        for directory in (out, out.parent):
            try:
                directory.rmdir()  # only an empty directory goes
            except OSError:
                break




def common_options(seed: str, set: str, out: str, engine: str | None = None) -> argparse.ArgumentParser:
    """A parent parser (``parents=[...]``) of the options the commands share:
    ``--seed``, ``--set``, ``--out`` and, with its help, ``--engine``,
    declared here once with each command's help texts (defaults None)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--seed", type=integer_at_least(0), help=seed)
    parser.add_argument("--set", action="append", metavar="KEY=VALUE", help=set)
    if engine is not None:
        parser.add_argument("--engine", choices=("numba", "numpy"), help=engine)
    parser.add_argument("--out", help=out)
    return parser
