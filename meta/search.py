"""``evolve``: a genetic search over an experiment's parameters, serial or
on Ray, logged and checkpointed as JSON after every generation.

A search directory::

    out/
        search.json        what is searched: the metagame, the population's settings
        generations.jsonl  one line per finished generation
        checkpoint.json    the population, its fitness cache and its generator's state

Each line of ``generations.jsonl`` is ``{"generation": g, "genotypes": [...],
"fitnesses": [...], "best": {"genotype": {...}, "fitness": f, "generation":
g}, "errors": [{"index": i, "error": "..."}], "evaluations": n, "cache_hits":
n, "wall_s": s}``, generations numbered from 0 (as ``spikesim evolve``
prints them and the fitness plot draws them); a failed genotype's fitness
is ``null`` (the worst).
``evolve(resume=out)`` continues from the last finished generation and ends
where an uninterrupted search with the same seed would. Every file is written
atomically and the log is appended one whole line at a time
(:mod:`spikesim.files`): after a kill, resume repairs a cut last line from
the checkpoint.
"""
from __future__ import annotations

import json
import logging
import os
import platform
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from spikesim import files, names
from spikesim.meta.backends import Evaluation, make_backend, tell_evaluations
from spikesim.meta.metagames import EvolveNetwork, MetaGame, from_description
from spikesim.meta.population import Population
from spikesim.params import ConfigError

log = logging.getLogger("spikesim")

SEARCH_FILE = "search.json"
LOG_FILE = "generations.jsonl"
CHECKPOINT_FILE = "checkpoint.json"


@dataclass
class Search:
    """What :func:`evolve` returns."""

    best: dict | None
    records: list[dict]
    population: Population
    out: Path | None = None
    backend: str = "serial"
    info: dict = field(default_factory=dict)

    @property
    def best_genotype(self) -> dict | None:
        return None if self.best is None else self.best["genotype"]

    @property
    def best_fitness(self) -> float | None:
        return None if self.best is None else self.best["fitness"]


def evolve(
    experiment: Any = None,
    constraints: Mapping[str, Any] | list | None = None,
    population: int | Mapping[str, Any] | Population | None = None,
    generations: int | None = None,
    backend: Any = "ray",
    address: str | None = None,
    out: str | os.PathLike | None = None,
    seed: int | None = None,
    workers: int | None = None,
    reruns: int | None = None,
    target: float | None = None,
    overrides: Mapping[str, Any] | None = None,
    episodes: int | None = None,
    len_episode: int | None = None,
    eval_episodes: int | None = None,
    resume: str | os.PathLike | None = None,
    retries: int = 3,
    on_generation: Callable[[dict], None] | None = None,
    on_evaluation: Callable[[int, int, Evaluation], None] | None = None,
) -> Search:
    """Search an experiment's parameters with a genetic algorithm.

    Parameters
    ----------
    experiment
        An experiment's name or ``Experiment`` (fitness: its metric, see
        :class:`EvolveNetwork`), or a metagame with ``get_fitness``.
    constraints
        Genes and their allowed values (see
        :func:`spikesim.meta.constraints.resolve`); default: the metagame's
        ``GENOTYPE_CONSTRAINTS`` or the experiment's default search space.
    population
        Genotypes per generation (default 16), or the :class:`Population`'s
        keyword arguments (Spikey's names), or a :class:`Population`.
    generations
        Generations to run (default 10; with ``resume``: extends the search).
    backend
        ``"ray"`` (default), ``"serial"`` or a backend object.
    address
        A Ray cluster to join (default: ``RAY_ADDRESS``, else a new local one).
    out
        The search directory (logs and checkpoints), new or empty (else
        FileExistsError); None keeps nothing.
    seed
        Seeds the population's generator and the experiment's runs (default 0).
    workers
        Ray actors (default: the cluster's CPUs).
    reruns
        Runs per genotype (seeds ``seed`` .. ``seed + reruns - 1``), averaged
        (default 1).
    target
        Stop when the best fitness reaches it.
    overrides, episodes, len_episode, eval_episodes
        Fixed parameters and the schedule of every run (see :class:`EvolveNetwork`).
    resume
        A search directory to continue from its last finished generation;
        what is searched comes from its ``search.json`` (``experiment`` is
        only needed for an experiment that is not registered). Arguments
        that differ from the directory's (another experiment or metagame,
        population, seed...) are refused with a ConfigError, as is a
        directory with logged generations but no ``checkpoint.json``.
    retries
        Retries of an evaluation whose Ray worker died.
    on_generation
        Called with each generation's record as it ends.
    on_evaluation
        Called with ``(done, total, evaluation)`` as each evaluation ends.

    Examples
    --------
    >>> from spikesim.meta import NQueens, evolve
    >>> search = evolve(NQueens(), population=50, generations=100, backend="serial", seed=1)
    >>> search.best_fitness
    28.0
    """
    if resume is not None:
        given = {"constraints": constraints, "population": population, "seed": seed, "reruns": reruns,
                 "target": target, "overrides": overrides, "episodes": episodes, "len_episode": len_episode,
                 "eval_episodes": eval_episodes}  # fmt: skip
        game, pop, out = _resume(resume, experiment, generations, {k: v for k, v in given.items() if v is not None})
    else:
        seed = 0 if seed is None else seed
        game = _metagame(experiment, constraints, overrides, seed, episodes, len_episode, eval_episodes)
        pop = _population(16 if population is None else population, game, constraints, generations, seed,
                          1 if reruns is None else reruns, target)  # fmt: skip
        out = _new_directory(out, game, pop) if out is not None else None
    records: list[dict] = _read_log(out) if out is not None else []
    runner = make_backend(backend, workers=workers, address=address, retries=retries)
    owned = runner is not backend
    try:
        while not pop.terminated:
            record = _generation(pop, game, runner, on_evaluation)
            records.append(record)
            if out is not None:
                _save(out, pop, record)
            log.info("generation %d: best %s, %d evaluated, %d cached, %.1f s", record["generation"],
                     record["best"] and record["best"]["fitness"], record["evaluations"], record["cache_hits"],
                     record["wall_s"])  # fmt: skip
            if on_generation is not None:
                on_generation(record)
    finally:
        info = {"startup_s": getattr(runner, "startup_s", 0.0), "workers": getattr(runner, "workers", 1),
                "lost": getattr(runner, "lost", 0)}  # fmt: skip
        if owned:
            runner.close()
    return Search(pop._best_json(), records, pop, Path(out) if out is not None else None,
                  getattr(runner, "name", "custom"), info)  # fmt: skip


def _generation(pop: Population, game: Any, runner: Any, on_evaluation: Callable | None) -> dict:
    start = time.perf_counter()
    jobs = [(g, r) for g in pop.pending() for r in range(pop.n_reruns)]
    finished = [0]

    def on_result(index: int, evaluation: Evaluation) -> None:
        finished[0] += 1
        if on_evaluation is not None:
            on_evaluation(finished[0], len(jobs), evaluation)

    evaluations = runner.map(game, jobs, on_result) if jobs else []
    record = tell_evaluations(pop, jobs, evaluations)
    record["wall_s"] = round(time.perf_counter() - start, 3)
    return record


def _metagame(experiment, constraints, overrides, seed, episodes, len_episode, eval_episodes) -> Any:
    if experiment is None:
        raise ValueError("evolve: give an experiment (a name, an Experiment or a metagame) or resume=DIR")
    if hasattr(experiment, "get_fitness"):
        if any(v is not None for v in (overrides, episodes, len_episode, eval_episodes)):
            raise ValueError("evolve: overrides and the schedule apply to experiments, not to a metagame")
        return experiment
    return EvolveNetwork(experiment, constraints, overrides, seed, episodes, len_episode, eval_episodes)


def _population(population, game, constraints, generations, seed, reruns, target) -> Population:
    if isinstance(population, Population):
        if population.game is None:
            population.game = game
        if generations is not None:
            population.n_epoch = generations
        return population
    options = {"n_agents": population} if not isinstance(population, Mapping) else dict(population)
    options.setdefault("n_epoch", 10 if generations is None else generations)
    if generations is not None:
        options["n_epoch"] = generations
    options.setdefault("seed", seed)
    options.setdefault("n_reruns", reruns)
    if target is not None:
        options.setdefault("target", target)
    if constraints is not None and not isinstance(game, EvolveNetwork):
        options.setdefault("constraints", constraints)
    return Population(game=game, **options)


def _describe(game: Any) -> dict:
    if isinstance(game, MetaGame):
        return game.describe()
    return {"class": names.reference(type(game)), "config": None}


def check_new_directory(out: str | os.PathLike, command_line: bool = False) -> Path:
    """``out`` if a new search may be written there (missing or empty);
    else FileExistsError (it holds a search, naming how to continue it in
    Python or on the ``command_line``, or other files), NotADirectoryError
    or PermissionError (see :func:`spikesim.files.prepare_directory`)."""
    out = Path(out)
    resume, new = (f"--resume {shlex.quote(str(out))}", "--out") if command_line else (f"resume={str(out)!r}", "out")
    if any((out / name).exists() for name in (SEARCH_FILE, LOG_FILE, CHECKPOINT_FILE)):
        raise FileExistsError(f"{out} already holds a search; continue it with {resume} or choose a new {new}")
    entries = sorted(e.name for e in out.iterdir()) if out.is_dir() else []
    if entries:
        shown = ", ".join(entries[:4]) + (", ..." if len(entries) > 4 else "")
        raise FileExistsError(f"{out} is not empty (it holds {shown}) and is not a search; choose a new {new}")
    return files.prepare_directory(out, own=(), check=True)


def _new_directory(out, game, pop) -> Path:
    out = check_new_directory(out)
    out.mkdir(parents=True, exist_ok=True)
    from spikesim import __version__

    search = {
        "metagame": _describe(game),
        "experiment": getattr(game, "name", None),
        "population": pop.settings(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "versions": {"spikesim": __version__, "python": platform.python_version(),
                     "numpy": __import__("numpy").__version__},  # fmt: skip
        "command": sys.argv,
    }
    files.write_json(out / SEARCH_FILE, search)
    files.write_text(out / LOG_FILE, "")
    return out


def _resume(directory, experiment, generations, given: Mapping[str, Any]) -> tuple[Any, Population, Path]:
    out = Path(directory)
    if not (out / SEARCH_FILE).is_file():
        raise FileNotFoundError(f"{out} is not a search directory: it has no {SEARCH_FILE}")
    search = files.read_json(out / SEARCH_FILE, keys=("metagame", "population"))
    description = search["metagame"]
    if not isinstance(description, Mapping) or not isinstance(search["population"], Mapping):
        raise files.CorruptFileError(f"{out / SEARCH_FILE}: expected 'metagame' and 'population' objects")
    _check_same_search(out, search, experiment, given)
    evolve_network = description.get("class") == names.reference(EvolveNetwork)
    if experiment is not None and hasattr(experiment, "get_fitness"):
        game = experiment
    elif evolve_network:
        game = _from_file(out / SEARCH_FILE, EvolveNetwork.from_config, description.get("config"),
                          None if isinstance(experiment, str) else experiment)  # fmt: skip
    elif description.get("config") is None:
        raise ConfigError(f"{out}: the metagame {description.get('class')} cannot be rebuilt from JSON; pass it to "
                          "resume")  # fmt: skip
    else:
        game = _from_file(out / SEARCH_FILE, from_description, description)
    pop = _from_file(out / SEARCH_FILE, Population.from_settings, search["population"], game)
    checkpoint_path = out / CHECKPOINT_FILE
    if checkpoint_path.exists():
        checkpoint = files.read_json(checkpoint_path, keys=("generation", "agents", "cache", "rng"))
        _from_file(checkpoint_path, pop.load_state, checkpoint)
        _repair_log(out, pop.generation, checkpoint.get("last_record"))
    elif _read_log(out):
        raise FileNotFoundError(f"{out} has logged generations but no {CHECKPOINT_FILE} to continue from; "
                                f"resuming would start again and erase {LOG_FILE}: start a new search with a new out")
    else:  # killed during the first generation: nothing finished, start it again
        files.write_text(out / LOG_FILE, "")
    if generations is not None:
        pop.n_epoch = int(generations)
    log.info("resuming %s at generation %d", out, pop.generation)
    return game, pop, out


def _check_same_search(out: Path, search: Mapping[str, Any], experiment: Any, given: Mapping[str, Any]) -> None:
    """Refuse to resume with an experiment, metagame or setting other than
    the directory's (``given``: the arguments of :func:`evolve` passed)."""
    description, settings = search["metagame"], search["population"]
    config = description.get("config") if isinstance(description.get("config"), Mapping) else {}
    differences = []
    if experiment is not None:
        searched = config.get("experiment") or description.get("class")  # an experiment's name or a metagame class
        if hasattr(experiment, "get_fitness"):
            same = names.reference(type(experiment)) == description.get("class")
            name = names.reference(type(experiment))
        else:
            name = getattr(experiment, "name", experiment)
            same = name == config.get("experiment")
        if not same:
            differences.append(f"a search of {searched!r}, not of {name!r}")
    population = given.get("population")
    if isinstance(population, Population):
        population = population.settings()
    elif population is not None and not isinstance(population, Mapping):
        population = {"n_agents": population}
    expected = {**(population or {}), **{key: given[name] for name, key in (("seed", "seed"), ("reruns", "n_reruns"),
                                                                             ("target", "target")) if name in given}}
    for key, value in expected.items():
        if key not in ("n_epoch", "constraints") and key in settings and settings[key] != value:
            differences.append(f"{key} {settings[key]!r}, not {value!r}")
    for key in ("overrides", "episodes", "len_episode", "eval_episodes"):
        if key in given and config.get(key) != given[key]:
            differences.append(f"{key} {config.get(key)!r}, not {given[key]!r}")
    if "constraints" in given:
        differences.append("its own constraints (drop constraints=)")
    if differences:
        raise ConfigError(f"{out / SEARCH_FILE} defines the search to resume: {'; '.join(differences)}; drop those "
                          "arguments, or start a new search with a new out")  # fmt: skip


def _from_file(path: Path, build: Callable, *args: Any) -> Any:
    """``build(*args)`` from the content of ``path``; what it raises for a
    value that does not fit names the file in one line (a ConfigError stays
    one; another ValueError or a malformed content is a
    :class:`~spikesim.files.CorruptFileError`)."""
    try:
        return build(*args)
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from None
    except ValueError as error:
        raise files.CorruptFileError(f"{path}: {error}") from None
    except (KeyError, TypeError, AttributeError, IndexError) as error:
        raise files.CorruptFileError(f"{path}: malformed content ({type(error).__name__}: {error})") from None


def _repair_log(out: Path, generations: int, last: dict | None) -> None:
    """Keep the log's records of the checkpoint's generations (a line
    written after the checkpoint's generation or cut by a kill is dropped; a
    missing last one is restored from the checkpoint), atomically."""
    path = out / LOG_FILE
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    kept = [r for r in _read_log(out) if r.get("generation", generations) < generations]
    if last is not None and (not kept or kept[-1]["generation"] < last["generation"]):
        kept.append(last)
    if "".join(json.dumps(record) + "\n" for record in kept) != text:
        log.warning("%s: repaired from %s (%d generation(s))", path, CHECKPOINT_FILE, len(kept))
        files.write_json_lines(path, kept)


def _read_log(out: Path) -> list[dict]:
    path = out / LOG_FILE
    if not path.exists():
        return []
    records = files.read_json_lines(path)
    if not all(isinstance(r, dict) for r in records):
        raise files.CorruptFileError(f"{path}: expected one JSON object per line")
    return records


def _save(out: Path, pop: Population, record: dict) -> None:
    """Checkpoint first (with the record), then the log line: a kill between
    the two is repaired on resume."""
    files.write_json(out / CHECKPOINT_FILE, {**pop.state_dict(), "last_record": record})
    files.append_json_line(out / LOG_FILE, record)


def read_search(directory: str | os.PathLike) -> dict:
    """A search directory as plain data: ``search`` (search.json),
    ``generations`` (the log's records) and ``checkpoint``."""
    out = Path(directory)
    checkpoint = out / CHECKPOINT_FILE
    return {
        "search": files.read_json(out / SEARCH_FILE),
        "generations": _read_log(out),
        "checkpoint": files.read_json(checkpoint) if checkpoint.exists() else None,
    }
