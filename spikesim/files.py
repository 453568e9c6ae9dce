"""Files that survive a kill: atomic writes, append-only logs, and reads
that fail in one line naming the file.

Every file spikesim writes goes through here:

- :func:`atomic_open` (and :func:`write_text`, :func:`write_json`,
  :func:`write_json_lines`, :func:`write_npz`, :func:`save_figure`) writes to a temporary file in the
  same directory, flushes it, ``os.fsync``-s it, ``os.replace``-s the target
  with it and fsyncs the directory: a reader, or a run after a SIGKILL or a
  power cut, sees the old content or the new one, never half a file.
- :func:`append_json_line` appends one whole line per record (flush, fsync);
  :func:`read_json_lines` keeps every whole line and skips a cut last line
  (a kill while appending); :func:`repair_json_lines` truncates that tail so
  appending can go on.
- :func:`to_json` makes a value JSON-able for a record (run directories,
  replications, series), with one policy for non-finite floats.
- :func:`read_json` and :func:`read_npz` raise :class:`CorruptFileError`
  (a ValueError) naming the file, instead of JSONDecodeError or BadZipFile.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "config.json"
>>> write_json(path, {"seed": 3})
>>> read_json(path)
{'seed': 3}
"""
from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import secrets
import shutil
import zipfile
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

log = logging.getLogger("spikesim")

#: What names the temporary files: ``.NAME.<random>.tmp`` beside NAME.
TEMPORARY_SUFFIX = ".tmp"


class CorruptFileError(ValueError):
    """A file that cannot be read back: truncated, not JSON, not an npz
    archive, or without a key it must have. The message names the file."""


# --------------------------------------------------------------------------- atomic writes
@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, binary: bool = False) -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing; when the block
    ends it replaces ``path`` (flush, fsync, rename, fsync of the
    directory). When the block raises, the temporary file is removed and
    ``path`` keeps its old content. The parent directory must exist.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> with atomic_open(path) as f:
    ...     _ = f.write("whole")
    >>> path.read_text()
    'whole'
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}{TEMPORARY_SUFFIX}")
    # O_EXCL: never follow a planted link; mode 0o666 leaves the permissions to the umask as open() does
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    fsync_directory(path.parent)


def second_name(path: str | os.PathLike, name: str | os.PathLike) -> None:
    """Give the content of ``path`` the second name ``name`` (a hard link, else
    a copy), replacing ``name`` atomically; ``path`` is left as it is."""
    path, name = Path(path), Path(name)
    temporary = name.with_name(f".{name.name}.{secrets.token_hex(6)}{TEMPORARY_SUFFIX}")
    try:
        os.link(path, temporary)
    except OSError:  # a file system without hard links
        shutil.copyfile(path, temporary)
    os.replace(temporary, name)


def fsync_directory(directory: str | os.PathLike) -> None:
    """Make a rename or a new file in ``directory`` durable (POSIX; a no-op
    where directories cannot be opened, as on Windows)."""
    if os.name == "nt":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on a directory
        pass
    finally:
        os.close(fd)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Replace ``path`` with ``text`` atomically (UTF-8)."""
    with atomic_open(path) as f:
        f.write(text)


def to_json(value: Any) -> Any:
    """A JSON-able form of a parameter value or a record entry, for a file
    (lossy: :meth:`spikesim.network.Network.save` keeps types its own way).
    Non-finite floats become the strings ``"inf"``, ``"-inf"``, ``"nan"``
    (strict JSON has no such numbers; ``read_run`` accepts them), NumPy
    scalars Python ones, arrays lists (a summary text beyond 10 000 items),
    mappings objects with string keys, tuples lists, callables
    ``"module:qualname"``, anything else its repr.

    >>> to_json({"tau": np.float32(2.5), "limit": float("inf"), 3: (1, np.int64(2))})
    {'tau': 2.5, 'limit': 'inf', '3': [1, 2]}
    """
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else str(value)
    if isinstance(value, np.ndarray):
        return to_json(value.tolist()) if value.size <= 10_000 else f"<array {value.shape} {value.dtype}>"
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if callable(value):
        return f"{getattr(value, '__module__', '?')}:{getattr(value, '__qualname__', repr(value))}"
    return repr(value)


def write_json(path: str | os.PathLike, data: Any, indent: int | None = 1) -> None:
    """Replace ``path`` with ``data`` as JSON, atomically."""
    write_text(path, json.dumps(data, indent=indent) + "\n")


def write_json_lines(path: str | os.PathLike, records: Iterable[Any]) -> None:
    """Replace ``path`` with ``records``, one JSON line each, atomically."""
    write_text(path, "".join(json.dumps(record) + "\n" for record in records))


def write_npz(path: str | os.PathLike, arrays: Mapping[str, np.ndarray], compressed: bool = True) -> None:
    """Replace ``path`` with an ``.npz`` archive of ``arrays``, atomically."""
    with atomic_open(path, binary=True) as f:
        (np.savez_compressed if compressed else np.savez)(f, **arrays)


def save_figure(fig: Any, path: str | os.PathLike, format: str = "png", **options: Any) -> Path:
    """``fig.savefig`` into ``path`` atomically (its directory created);
    returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, binary=True) as f:
        fig.savefig(f, format=format, **options)
    return path


# --------------------------------------------------------------------------- append-only logs
def append_json_line(path: str | os.PathLike, record: Any) -> None:
    """Append ``record`` to ``path`` as one JSON line, flushed and fsynced
    (a kill can cut only this line, which :func:`read_json_lines` skips)."""
    line = json.dumps(record) + "\n"
    with open(path, "a", encoding="utf-8") as f:
        f.write(line)
        f.flush()
        os.fsync(f.fileno())


def read_json_lines(path: str | os.PathLike) -> list[Any]:
    """The records of a JSON-lines file: every whole line (blank lines
    skipped); a cut last line (a kill while appending) is skipped with a
    warning. Any other line that is not JSON raises :class:`CorruptFileError`
    naming the file and the line."""
    path = Path(path)
    lines = _read(path, lambda p: p.read_text(encoding="utf-8")).split("\n")
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            if number == len(lines):  # no newline after it: the cut tail of an append
                log.warning("%s: skipped the cut last line %d", path, number)
                continue
            raise CorruptFileError(
                f"{path}: line {number} is not JSON ({error.msg}); expected one record per line"
            ) from None
    return records


def repair_json_lines(path: str | os.PathLike) -> bool:
    """Truncate a cut last line of a JSON-lines file (or end a whole one
    that lost its newline) so records can be appended again; True when the
    file was changed."""
    path = Path(path)
    data = _read(path, lambda p: p.read_bytes())
    if not data or data.endswith(b"\n"):
        return False
    start = data.rfind(b"\n") + 1
    try:
        json.loads(data[start:])
        whole = data + b"\n"
    except ValueError:
        whole = data[:start]
        log.warning("%s: dropped the cut last line", path)
    with atomic_open(path, binary=True) as f:
        f.write(whole)
    return True


# --------------------------------------------------------------------------- reading
def read_json(path: str | os.PathLike, keys: Sequence[str] = ()) -> Any:
    """The JSON of ``path``; a file that is not JSON (or, with ``keys``, not
    an object holding them) raises :class:`CorruptFileError` naming it. A
    missing file raises FileNotFoundError."""
    path = Path(path)
    text = _read(path, lambda p: p.read_text(encoding="utf-8"))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        what = "is empty" if not text.strip() else f"is not JSON ({error.msg} at line {error.lineno})"
        raise CorruptFileError(f"{path} {what}; the file is truncated or damaged") from None
    missing = [k for k in keys if not isinstance(data, dict) or k not in data]
    if missing:
        raise CorruptFileError(f"{path}: expected a JSON object with {', '.join(map(repr, keys))}; "
                               f"{', '.join(map(repr, missing))} missing")  # fmt: skip
    return data


def read_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` archive (never unpickling); a truncated or
    damaged archive raises :class:`CorruptFileError` naming it."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as error:
        raise CorruptFileError(f"{path} is not a readable .npz archive ({type(error).__name__}: {error}); "
                               "the file is truncated or damaged") from None  # fmt: skip


def _read(path: Path, read: Any) -> Any:
    try:
        return read(path)
    except UnicodeDecodeError:
        raise CorruptFileError(f"{path} is not UTF-8 text; the file is damaged") from None


# --------------------------------------------------------------------------- output directories
def prepare_directory(path: str | os.PathLike, own: Sequence[str], overwrite: bool = False,
                      option: str = "overwrite=True", check: bool = False) -> Path:  # fmt: skip
    """Make ``path`` an empty directory to write a run into (created when
    missing). A directory that is not empty is refused unless ``overwrite``;
    then the entries named in ``own`` (glob patterns of spikesim's files and
    directories) and temporary files are removed first, and a directory
    holding anything else is refused (nothing of the user's is deleted).
    ``option`` is how the refusal names the way to overwrite; ``check``
    only refuses, removing and creating nothing (for a caller that must
    validate its values before the old run is removed). Raises
    FileExistsError (not empty, or a file), NotADirectoryError or
    PermissionError (it cannot be created there)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"{path} is a file, not a directory; choose a directory")
    parent = next(p for p in (path, *path.absolute().parents) if p.exists())
    if not parent.is_dir():
        raise NotADirectoryError(f"{path}: {parent} is a file, not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(f"{path}: {parent} is not writable")
    if path.is_dir():
        entries = sorted(path.iterdir())
        if entries and not overwrite:
            shown = ", ".join(e.name for e in entries[:4]) + (", ..." if len(entries) > 4 else "")
            raise FileExistsError(f"{path} is not empty (it holds {shown}); choose a new directory or pass {option} "
                                  "to replace the run in it")  # fmt: skip
        ours = {p for pattern in own for p in path.glob(pattern)} | set(path.glob(f".*{TEMPORARY_SUFFIX}"))
        foreign = [e for e in entries if e not in ours and not _holds_only(e, ours)]
        if foreign:
            raise FileExistsError(f"{path} holds {', '.join(e.name for e in foreign[:4])}, which spikesim did not "
                                  f"write; {option} replaces only a spikesim run directory")  # fmt: skip
        if check:
            return path
        for entry in sorted(ours, key=lambda p: len(p.parts), reverse=True):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            elif entry.exists() or entry.is_symlink():
                entry.unlink()
        for entry in sorted(path.iterdir()):  # directories such as runs/ emptied above
            entry.rmdir()
    if not check:
        path.mkdir(parents=True, exist_ok=True)
    return path


def _holds_only(directory: Path, ours: set[Path]) -> bool:
    """A directory (not a link) whose every entry is in ``ours``."""
    return directory.is_dir() and not directory.is_symlink() and all(e in ours for e in directory.iterdir())
