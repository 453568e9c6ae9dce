"""The training loop, its callbacks and metrics, and run directories.

``train(network, game, ...)`` plays episodes of a game: a train phase (the
network learns) then an eval phase (plasticity frozen). Every episode gives
one record (a flat dict of numbers), passed to the callbacks and, with
``out=``, appended to ``episodes.jsonl`` of a run directory as it ends, so an
interrupted run keeps what finished (every file is written atomically, see
:mod:`spikesim.files`: a kill leaves the old content or the new, never half)::

    run_dir/
        config.json      every parameter, the versions, the seeds
        episodes.jsonl   one record per episode
        arrays.npz       spike logs, weights and the last episode's trajectory
                         (with save_arrays=True)
        summary.json     an experiment's metric and verdict (Experiment.run)
        plots/           the plots (spikesim.viz.plot_run)

``read_run(run_dir)`` loads one back as plain records.
"""
from __future__ import annotations

import logging
import math
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from spikesim import files

log = logging.getLogger("spikesim")

#: What a run directory may hold (glob patterns): what ``overwrite`` clears.
RUN_FILES = ("config.json", "episodes.jsonl", "arrays.npz", "summary.json", "plots")

#: Energy of one synaptic event: one 32-bit floating-point addition, 0.9 pJ
#: (M. Horowitz, "Computing's energy problem", ISSCC 2014, 45 nm).
ENERGY_PER_EVENT_J = 0.9e-12
#: Energy of one multiply-accumulate of a dense artificial network: a 32-bit
#: floating-point multiplication and addition, 3.7 + 0.9 pJ (same source).
ENERGY_PER_MAC_J = 4.6e-12


class Callback:
    """Hooks into :func:`train`; subclass and override what you need.

    Every hook gets the network and the game; ``phase`` is ``"train"`` or
    ``"eval"``. Records are plain dicts; a callback may add keys to the
    episode record in :meth:`on_episode_end` (before it is written).
    """

    def on_episode_start(self, network: Any, game: Any, phase: str, episode: int) -> None:
        """A new episode: the network and the game were just reset."""

    def on_tick(self, network: Any, game: Any, state: Any, action: Any) -> None:
        """The network ticked on ``state`` and chose ``action``."""

    def on_reward(self, network: Any, game: Any, reward: float, game_reward: float) -> None:
        """The game stepped; ``reward`` is what the network received."""

    def on_episode_end(self, network: Any, game: Any, record: dict) -> None:
        """The episode ended; ``record`` is its record."""

    def stop_training(self, network: Any, game: Any) -> bool:
        """Asked after every training episode: True ends the training phase
        (the evaluation episodes still run)."""
        return False


class Trajectory(Callback):
    """The observations, actions and game rewards of the latest episode, as
    arrays (:meth:`arrays`): ``observations`` (steps, observation size),
    ``actions`` (steps, action size), ``rewards`` (steps,). Observations
    or actions that are not numbers (a Dict space...) are not kept."""

    def __init__(self) -> None:
        self.on_episode_start(None, None, "", 0)

    def on_episode_start(self, network, game, phase, episode):
        self.observations: list[np.ndarray] | None = []
        self.actions: list[np.ndarray] = []
        self.rewards: list[float] = []

    def on_tick(self, network, game, state, action):
        if self.observations is None:
            return
        try:
            self.observations.append(np.array(state, dtype=np.float64).ravel())
            self.actions.append(np.array(action, dtype=np.float64).ravel())
        except (TypeError, ValueError):
            self.observations = None

    def on_reward(self, network, game, reward, game_reward):
        self.rewards.append(float(game_reward))

    def arrays(self) -> dict[str, np.ndarray]:
        """The latest episode's ``observations``, ``actions`` and ``rewards``
        (empty when they were not numbers)."""
        if not self.observations:
            return {}
        return {"observations": np.array(self.observations), "actions": np.array(self.actions),
                "rewards": np.array(self.rewards)}  # fmt: skip


class EpisodeMetrics(Callback):
    """The built-in metrics of an episode, added to its record.

    - ``total_reward`` (the game's), ``network_reward`` (the network's
      rewarder's, when it has one), ``steps``;
    - ``spikes_per_tick``: body spikes per tick, ``firing_rate_hz``: mean
      firing rate of the body neurons, ``dt`` ms per network step;
    - ``events_per_tick``: synaptic events per tick (a spike counts once per
      synapse of its neuron), ``energy_per_decision_j``: events per tick x
      ``energy_per_event``, beside ``ann_energy_per_decision_j``: the
      multiply-accumulates of a dense artificial network of the same shape
      (one per synapse) x ``energy_per_mac``.
    """

    def __init__(self, energy_per_event: float = ENERGY_PER_EVENT_J, energy_per_mac: float = ENERGY_PER_MAC_J) -> None:
        self.energy_per_event = energy_per_event
        self.energy_per_mac = energy_per_mac

    def on_episode_start(self, network, game, phase, episode):
        self.total_reward = 0.0
        self.network_reward = 0.0
        self.ticks = 0
        self.spikes = 0
        self.events = 0

    def on_tick(self, network, game, state, action):
        self.ticks += 1
        self.spikes += int(network.spike_log[:, network.n_inputs :].sum())
        self.events += network.synaptic_events()

    def on_reward(self, network, game, reward, game_reward):
        self.total_reward += float(game_reward)
        self.network_reward += float(reward)

    def on_episode_end(self, network, game, record):
        ticks = max(self.ticks, 1)
        seconds = ticks * network.processing_time * network.config.get("dt", 1.0) / 1000.0
        events = self.events / ticks
        record.update(
            total_reward=self.total_reward,
            network_reward=self.network_reward,
            steps=self.ticks,
            spikes_per_tick=self.spikes / ticks,
            firing_rate_hz=self.spikes / (network.n_neurons * seconds) if self.ticks else 0.0,
            events_per_tick=events,
            energy_per_decision_j=events * self.energy_per_event,
            ann_energy_per_decision_j=int(network.out_degree.sum()) * self.energy_per_mac,
        )


def episodes_to_solve(returns: Sequence[float], threshold: float, window: int = 100) -> int | None:
    """The classic gym count: the number of episodes before the first
    ``window`` consecutive episodes whose mean return is at least
    ``threshold``, i.e. the smallest ``e >= 0`` with
    ``mean(returns[e : e + window]) >= threshold`` (so the task is solved
    after ``e + window`` episodes); None when no window reaches it.

    Examples
    --------
    >>> episodes_to_solve([0, 0, 10, 10, 10], threshold=10, window=3)
    2
    >>> episodes_to_solve([0, 20, 10, 0], threshold=10, window=2)
    0
    >>> episodes_to_solve([9, 9, 9], threshold=10, window=2) is None
    True
    """
    values = np.asarray(returns, dtype=np.float64)
    if values.size < window:
        return None
    means = np.convolve(values, np.ones(window), mode="valid") / window
    reached = np.flatnonzero(means >= threshold - 1e-9 * max(1.0, abs(threshold)))  # float sums of equal returns
    return int(reached[0]) if reached.size else None


class SolveWindow(Callback):
    """Watches the training returns for the classic solve count
    (:func:`episodes_to_solve`) and, with ``stop``, ends the training phase
    as soon as the last ``window`` training episodes reach a mean return of
    ``threshold`` (the evaluation episodes still run).

    Examples
    --------
    >>> watch = SolveWindow(threshold=10.0, window=2)
    >>> for episode, total in enumerate([0.0, 10.0, 10.0]):
    ...     watch.on_episode_end(None, None, {"phase": "train", "total_reward": total})
    >>> watch.episodes_to_solve, watch.stop_training(None, None)
    (1, True)
    """

    def __init__(self, threshold: float, window: int = 100, stop: bool = True) -> None:
        if not math.isfinite(threshold):
            raise ValueError(f"SolveWindow: threshold must be a finite number; got {threshold!r}")
        if int(window) != window or window < 1:
            raise ValueError(f"SolveWindow: window must be an integer >= 1; got {window!r}")
        self.threshold, self.window, self.stop = float(threshold), int(window), bool(stop)
        self.returns: list[float] = []

    def on_episode_end(self, network, game, record):
        if record["phase"] == "train":
            self.returns.append(float(record["total_reward"]))

    @property
    def episodes_to_solve(self) -> int | None:
        """The episodes before the first solving window (None: not solved)."""
        return episodes_to_solve(self.returns, self.threshold, self.window)

    def stop_training(self, network, game):
        return self.stop and self.episodes_to_solve is not None


@dataclass
class Results:
    """What :func:`train` returns: the episode records and the run's config."""

    episodes: list[dict]
    config: dict
    out: Path | None = None
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def phase(self, name: str) -> list[dict]:
        """The records of one phase, ``"train"`` or ``"eval"``."""
        return [r for r in self.episodes if r["phase"] == name]

    def mean(self, key: str, phase: str = "eval") -> float:
        """Mean of ``key`` over the episodes of ``phase`` (NaN if none)."""
        values = [r[key] for r in self.phase(phase)]
        return float(np.mean(values)) if values else math.nan


def train(
    network: Any,
    game: Any,
    episodes: int = 1,
    len_episode: int | None = None,
    eval_episodes: int = 0,
    callbacks: Sequence[Callback] = (),
    out: str | os.PathLike | None = None,
    progress: bool | None = None,
    seed: int | None = None,
    save_arrays: bool = False,
    meta: Mapping[str, Any] | None = None,
    overwrite: bool = False,
) -> Results:
    """Play ``episodes`` training episodes of ``game``, then ``eval_episodes``
    with plasticity frozen, and return the records.

    Each episode resets the network (state, not weights) and the game, then
    repeats at most ``len_episode`` times: ``action = network.tick(state)``,
    the game steps, and the network is rewarded with
    ``network.reward(state, action, state_next)`` (its rewarder's reward, or
    the game's reward when it has no rewarder; at the step that ends the
    episode also ``terminated=`` and ``truncated=``, the game's flags); the
    episode ends early when the game terminates or truncates.

    Parameters
    ----------
    network
        A :class:`~spikesim.Network` (rewarded when it has ``reward``).
    game
        A gymnasium environment: a spikesim game, a :class:`~spikesim.games.GymWrapper`
        (which decodes the readout's output into the environment's action), or a
        plain one (``gymnasium.make("CartPole-v1")``), which gets the readout's
        output as its action unchanged.
    len_episode
        The most steps of an episode; None (the default): the environment's own
        limit, ``game.spec.max_episode_steps`` (500 for CartPole-v1), else 100.
    callbacks
        Extra :class:`Callback` objects; :class:`EpisodeMetrics` always runs
        first.
    out
        A run directory to write (created). One that is not empty is refused
        (FileExistsError), so two runs never mix.
    progress
        Show a progress bar (tqdm): None shows it when standard error is a
        terminal.
    seed
        Seed of the game's first reset (default: the network's seed).
    save_arrays
        Keep ``arrays`` (with ``out``, also write them to ``arrays.npz``):
        ``weights`` at the end, ``spike_logs`` (the spike log of the last
        tick of every episode), and the last episode's ``observations``,
        ``actions`` and ``rewards`` (see :class:`Trajectory`).
    meta
        Extra JSON-able entries for ``config.json`` (an experiment's name...).
    overwrite
        Replace the run in a non-empty ``out``: its run files
        (:data:`RUN_FILES`) are removed first; a directory holding other
        files is still refused.
    """
    len_episode = episode_limit(game, len_episode)
    if episodes < 0 or eval_episodes < 0 or len_episode < 1:
        raise ValueError(
            f"train: episodes and eval_episodes must be >= 0 and len_episode >= 1; "
            f"got {episodes}, {eval_episodes}, {len_episode}"
        )
    trajectory = Trajectory() if save_arrays else None
    hooks = [EpisodeMetrics(), *([trajectory] if trajectory else []), *callbacks]
    seed = network.seed if seed is None else seed
    config = run_config(network, game, seed, meta)
    run_dir = None
    if out is not None:
        run_dir = files.prepare_directory(out, RUN_FILES, overwrite)
        files.write_json(run_dir / "config.json", config)
        files.write_text(run_dir / "episodes.jsonl", "")
    results = Results([], config, run_dir)
    logs: list[np.ndarray] = []
    bar = _progress_bar(episodes + eval_episodes, progress)
    rewarded = hasattr(network, "reward")
    first = True
    stop = lambda: any(hook.stop_training(network, game) for hook in hooks)  # noqa: E731
    try:
        for episode, phase in episode_schedule(episodes, eval_episodes, stop):
            network.train() if phase == "train" else network.eval()
            network.reset()
            state, _ = game.reset(seed=seed) if first else game.reset()
            first = False
            start = time.perf_counter()
            for hook in hooks:
                hook.on_episode_start(network, game, phase, episode)
            for _ in range(len_episode):
                action = network.tick(state)
                for hook in hooks:
                    hook.on_tick(network, game, state, action)
                state_next, game_reward, terminated, truncated, _ = game.step(action)
                if rewarded:
                    given = None if network.rewarder is not None else game_reward
                    # the episode-end flags are passed only when set: older reward() overrides take none
                    ended = {"terminated": bool(terminated), "truncated": bool(truncated)}
                    ended = ended if terminated or truncated else {}
                    reward = network.reward(state, action, state_next, given, **ended)
                else:
                    reward = game_reward
                for hook in hooks:
                    hook.on_reward(network, game, reward, game_reward)
                state = state_next
                if terminated or truncated:
                    break
            record = {"episode": episode, "phase": phase}
            for hook in hooks:
                hook.on_episode_end(network, game, record)
            record["wall_s"] = time.perf_counter() - start
            results.episodes.append(record)
            if save_arrays:
                logs.append(network.spike_log.copy())
            if run_dir is not None:
                files.append_json_line(run_dir / "episodes.jsonl", files.to_json(record))
            if bar is not None:
                bar.set_postfix(phase=phase, reward=f"{record['total_reward']:.3g}")
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    if save_arrays:
        results.arrays = {"weights": network.matrix.copy(), "spike_logs": np.array(logs), **trajectory.arrays()}
        if run_dir is not None:
            files.write_npz(run_dir / "arrays.npz", results.arrays)
    return results


def episode_limit(game: Any, len_episode: int | None) -> int:
    """``len_episode``, or when it is None the game's own limit
    (``game.spec.max_episode_steps``), else 100.

    >>> import gymnasium
    >>> episode_limit(gymnasium.make("CartPole-v1"), None), episode_limit(object(), None), episode_limit(object(), 7)
    (500, 100, 7)
    """
    if len_episode is not None:
        return len_episode
    limit = getattr(getattr(game, "spec", None), "max_episode_steps", None)
    return 100 if limit is None else limit


def episode_schedule(episodes: int, eval_episodes: int, stop: Any) -> Iterable[tuple[int, str]]:
    """``(episode, phase)`` of ``episodes`` training then ``eval_episodes``
    evaluation episodes; ``stop()``, asked after each training episode,
    ends the training phase early.

    >>> list(episode_schedule(3, 1, stop=lambda: False))
    [(0, 'train'), (1, 'train'), (2, 'train'), (3, 'eval')]
    >>> list(episode_schedule(3, 1, stop=lambda: True))
    [(0, 'train'), (1, 'eval')]
    """
    episode = 0
    for _ in range(episodes):
        yield episode, "train"
        episode += 1
        if stop():
            break
    for _ in range(eval_episodes):
        yield episode, "eval"
        episode += 1


def run_config(network: Any, game: Any, seed: int, meta: Mapping[str, Any] | None = None) -> dict:
    """What ``config.json`` holds: every parameter (callables by name), the
    parts, the game, the seeds and the versions."""
    import numba

    import spikesim

    game_params = dict(getattr(game, "params", {}) or {})
    env_id = getattr(game, "env_id", None)  # a wrapped gymnasium environment's id (GymWrapper)
    return {
        "network": type(network).__name__,
        "parts": {family: type(part).__name__ for family, part in network._named_parts().items()},
        "params": {k: files.to_json(v) for k, v in network.config.items()},
        "game": {"name": getattr(getattr(game, "spec", None), "id", None) or type(game).__name__,
                 **({"env_id": env_id} if env_id is not None else {}),
                 "params": {k: files.to_json(v) for k, v in game_params.items()}},  # fmt: skip
        "seed": network.seed,
        "game_seed": seed,
        "versions": {
            "spikesim": spikesim.__version__, "numpy": np.__version__, "numba": numba.__version__,
            "python": platform.python_version(),
        },  # fmt: skip
        **({"meta": {k: files.to_json(v) for k, v in meta.items()}} if meta else {}),
    }


@dataclass
class Run:
    """A run directory read back: ``config`` (dict), ``episodes`` (list of
    records, pandas-friendly: ``pandas.DataFrame(run.episodes)``), and
    ``arrays`` (dict, empty when none were saved)."""

    path: Path
    config: dict
    episodes: list[dict]
    arrays: dict[str, np.ndarray]


def read_run(path: str | os.PathLike) -> Run:
    """Load a run directory written by :func:`train`. ``episodes.jsonl`` is
    read up to its last whole line (a run killed while appending); a damaged
    ``config.json``, line of ``episodes.jsonl`` or ``arrays.npz``, or one of
    the wrong shape (an entry of :func:`run_config` of another JSON type, a
    record that is not an object with an integer ``episode``, a string
    ``phase`` and numbers for the metrics of :class:`EpisodeMetrics`) raises
    :class:`spikesim.files.CorruptFileError` naming the file, the entry and
    what was expected."""
    path = Path(path)
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"{path}: not a run directory (no config.json)")
    config = files.read_json(path / "config.json")
    _check_shape(path / "config.json", "", config, _CONFIG_ENTRIES)
    if "game" in config:
        _check_shape(path / "config.json", "'game': ", config["game"], _GAME_ENTRIES)
    episodes = files.read_json_lines(path / "episodes.jsonl") if (path / "episodes.jsonl").exists() else []
    for number, record in enumerate(episodes, 1):
        _check_shape(path / "episodes.jsonl", f"record {number}: ", record, _RECORD_ENTRIES, required=True)
        wrong = next((k for k in _METRICS if k in record and not _is_number(record[k])), None)
        if wrong is not None:
            raise files.CorruptFileError(f"{path / 'episodes.jsonl'}: record {number}: {wrong!r} expected a number; "
                                         f"got {_shown(record[wrong])}")  # fmt: skip
    arrays = files.read_npz(path / "arrays.npz") if (path / "arrays.npz").exists() else {}
    return Run(path, config, episodes, arrays)


#: The JSON types of the entries of ``config.json`` (see :func:`run_config`), of its ``game``, and of an episode
#: record, as :func:`_json_type` names them.
_CONFIG_ENTRIES = {"network": ("a string",), "parts": ("an object",), "params": ("an object",), "game": ("an object",),
                   "seed": ("an integer", "null"), "game_seed": ("an integer", "null"), "versions": ("an object",),
                   "meta": ("an object",)}  # fmt: skip
_GAME_ENTRIES = {"name": ("a string",), "env_id": ("a string",), "params": ("an object",)}
_RECORD_ENTRIES = {"episode": ("an integer",), "phase": ("a string",)}
#: The entries :class:`EpisodeMetrics` adds to a record: numbers (callbacks may add entries of any JSON type).
_METRICS = ("total_reward", "network_reward", "steps", "spikes_per_tick", "firing_rate_hz", "events_per_tick",
            "energy_per_decision_j", "ann_energy_per_decision_j", "wall_s")  # fmt: skip
_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "an integer",
               float: "a number", type(None): "null"}  # fmt: skip


def _json_type(value: Any) -> str:
    """The JSON type of a value ``json.loads`` returned, as a phrase."""
    return _JSON_TYPES[type(value)]


def _is_number(value: Any) -> bool:
    """A number as a record holds it: a JSON number, or the text of a non-finite one (see :func:`spikesim.files.to_json`)."""
    return _json_type(value) in ("an integer", "a number") or value in ("inf", "-inf", "nan")


def _shown(value: Any) -> str:
    """A value as an error shows it: its JSON type and a short repr."""
    text = repr(value)
    return f"{_json_type(value)} {text if len(text) <= 40 else text[:37] + '...'}"


def _check_shape(path: Path, where: str, data: Any, entries: Mapping[str, tuple[str, ...]],
                 required: bool = False) -> None:  # fmt: skip
    """A CorruptFileError naming ``path`` and ``where`` in it (a prefix) unless ``data`` is a JSON object whose
    ``entries`` have their JSON types (where present, or always when ``required``)."""
    if not isinstance(data, dict):
        raise files.CorruptFileError(f"{path}: {where}expected a JSON object; got {_shown(data)}")
    for key, expected in entries.items():
        if key not in data and required:
            raise files.CorruptFileError(f"{path}: {where}{key!r} missing; expected {' or '.join(expected)}")
        if key in data and _json_type(data[key]) not in expected:
            raise files.CorruptFileError(f"{path}: {where}{key!r} expected {' or '.join(expected)}; "
                                         f"got {_shown(data[key])}")  # fmt: skip


def _progress_bar(total: int, progress: bool | None):
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="episode", desc="spikesim", file=sys.stderr)
