"""Create (once) the virtual environment that runs the Brian2 peer, and print its python.

    python bench/peers/brian2_env.py            # prints the venv's python path
    python bench/peers/brian2_env.py --check    # also imports brian2 there and prints its version

Brian2 2.9 does not import with numpy 2.4 (it calls ``ndarray.ptp``), so the
peer runs in its own environment, ``bench/.venv-brian2`` (not in git), with a
pinned Brian2 and ``numpy < 2.4``. The environment is made from the base
interpreter of whatever Python runs this script (Python 3.11 here), or from
``$BRIAN2_BASE_PYTHON`` if set. ``$BRIAN2_VENV`` moves the environment.

Idempotent: a stamp file records what was installed; when it matches and the
interpreter exists, nothing is done. Anything else rebuilds the environment.

From Python::

    from brian2_env import brian2_python   # with bench/peers on sys.path
    exe = brian2_python()                  # pathlib.Path of the venv's python
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
DEFAULT_VENV = BENCH / ".venv-brian2"
# Brian2 2.9.0 is the release the reference figures of W1 and W2 were measured with (and the
# newest on the registry here). Cython and setuptools are what the cython runtime
# and the C++ standalone build need at run time.
REQUIREMENTS = ("brian2==2.9.0", "numpy>=1.26,<2.4", "cython>=3.0", "setuptools", "sympy", "jinja2", "pyparsing")
STAMP = "brian2-peer-stamp.json"


def venv_dir() -> Path:
    return Path(os.environ.get("BRIAN2_VENV", DEFAULT_VENV)).resolve()


def _python_in(venv: Path) -> Path:
    return venv / "bin" / "python"


def _base_python() -> str:
    if os.environ.get("BRIAN2_BASE_PYTHON"):
        return os.environ["BRIAN2_BASE_PYTHON"]
    # A venv made from inside another venv is based on that venv's base interpreter.
    return getattr(sys, "_base_executable", None) or sys.executable


def _stamp_ok(venv: Path) -> bool:
    stamp = venv / STAMP
    if not (stamp.is_file() and _python_in(venv).exists()):
        return False
    try:
        return json.loads(stamp.read_text()).get("requirements") == list(REQUIREMENTS)
    except (OSError, ValueError):
        return False


def _call(cmd: list[str], quiet: bool) -> None:
    """Run cmd; when quiet, show its output only if it fails."""
    if not quiet:
        subprocess.run(cmd, check=True)
        return
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise subprocess.CalledProcessError(done.returncode, cmd)


def brian2_python(quiet: bool = True) -> Path:
    """Return the path of the Brian2 environment's python, creating the environment if needed."""
    venv = venv_dir()
    if _stamp_ok(venv):
        return _python_in(venv)
    if venv.exists() and not _python_in(venv).exists():
        raise RuntimeError(f"{venv} exists but holds no bin/python; remove it and retry")
    if not venv.exists():
        _call([_base_python(), "-m", "venv", str(venv)], quiet)
    py = str(_python_in(venv))
    _call([py, "-m", "pip", "install", "-q", "--upgrade", "pip"], quiet)
    _call([py, "-m", "pip", "install", "-q", *REQUIREMENTS], quiet)
    version = subprocess.run(
        [py, "-c", "import brian2, numpy; print(brian2.__version__, numpy.__version__)"],
        check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    from spikesim import files

    files.write_json(venv / STAMP, {"requirements": list(REQUIREMENTS), "brian2": version[0], "numpy": version[1]},
                     indent=None)
    return _python_in(venv)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="import brian2 in the environment, print versions")
    parser.add_argument("--verbose", action="store_true", help="show pip's output while creating")
    args = parser.parse_args()
    py = brian2_python(quiet=not args.verbose)
    print(py)
    if args.check:
        subprocess.run(
            [str(py), "-c", "import brian2, numpy, Cython; print('brian2', brian2.__version__, "
             "'numpy', numpy.__version__, 'cython', Cython.__version__)"],
            check=True,
        )  # fmt: skip


if __name__ == "__main__":
    main()
