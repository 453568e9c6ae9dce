"""Experiments by name: a network, a game, a training schedule and the metric
that says whether it worked."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from spikesim.params import ConfigError, Param, closest, declarations, params_of
from spikesim.training import Results, SolveWindow, episodes_to_solve, train


#: Training episodes in the window of the classic solve count (gym's rule: 100).
SOLVE_WINDOW = 100


@dataclass
class Outcome:
    """What :meth:`Experiment.run` returns: the training records, the value
    of the experiment's metric and whether it reached the target."""

    results: Results
    metric: float
    success: bool | None


@dataclass(frozen=True)
class Experiment:
    """A ready-made experiment.

    Parameters
    ----------
    name
        Its name in the registry (``spikesim run NAME``).
    description
        One line.
    network
        A network class with ``parts`` and ``keys``.
    game
        A game class (or factory) called with the game parameters.
    keys
        Parameter values over the network class's ``keys``.
    game_params
        Keyword arguments of the game.
    episodes, len_episode, eval_episodes
        The training schedule (see :func:`spikesim.train`).
    metric
        ``f(results) -> float``, higher is better.
    metric_name
        What the metric measures, for people.
    target
        The metric value at or above which the experiment worked (None: no
        target).
    solve_threshold
        The classic gym solve count's threshold (see
        :class:`~spikesim.training.SolveWindow`): training stops once the
        mean return of the last 100 training episodes reaches it, and
        :meth:`measures` reports the episodes it took (None: train the whole
        schedule).
    twins
        The names of the twins a replication runs beside every trained run
        on the same seed (see :meth:`run_twin`).
    """

    name: str
    description: str
    network: type
    game: Callable[..., Any]
    metric: Callable[[Results], float]
    metric_name: str
    keys: Mapping[str, Any] = field(default_factory=dict)
    game_params: Mapping[str, Any] = field(default_factory=dict)
    episodes: int = 1
    len_episode: int | None = None  # None: the game's own episode limit, else 100 (see train)
    eval_episodes: int = 1
    target: float | None = None
    solve_threshold: float | None = None
    twins: tuple[str, ...] = ()

    def namespace(self) -> dict[str, tuple[Param, str]]:
        """Every parameter of the experiment's network and game: name ->
        (declaration, owner)."""
        owners = {self.network.__name__: self.network}
        owners.update({cls.__name__: cls for cls in self.network.parts.values() if isinstance(cls, type)})
        found = declarations(owners)
        for p in self._game_params():
            found.setdefault(p.name, (p, getattr(self.game, "__name__", "game")))
        return found

    def _game_params(self) -> list[Param]:
        """The game's declared parameters, and its ``preset`` when it has presets."""
        if not isinstance(self.game, type):
            return []
        params = list(params_of(self.game))
        presets = getattr(self.game, "PRESETS", None)
        if presets:
            params.append(Param("preset", "str", self.game_params.get("preset"), "the game's preset", choices=tuple(presets)))
        return params

    def split(self, overrides: Mapping[str, Any]) -> tuple[dict, dict]:
        """Overrides as (network keys, game parameters); unknown keys raise
        :class:`~spikesim.ConfigError` with the closest known name."""
        namespace = self.namespace()
        game_keys = {p.name for p in self._game_params()}
        unknown = [k for k in overrides if k not in namespace]
        if unknown:
            raise ConfigError(
                f"experiment {self.name!r}: "
                + "; ".join(f"unknown key {k!r}{closest(k, namespace)}" for k in unknown)
            )
        network_keys = {k: v for k, v in overrides.items() if k not in game_keys or k in self._network_keys()}
        game = {k: v for k, v in overrides.items() if k in game_keys and k not in self._network_keys()}
        return network_keys, game

    def _network_keys(self) -> set[str]:
        owners = {self.network.__name__: self.network}
        owners.update({cls.__name__: cls for cls in self.network.parts.values() if isinstance(cls, type)})
        return set(declarations(owners))

    def build(self, overrides: Mapping[str, Any] | None = None, seed: int | None = None) -> tuple[Any, Any]:
        """The network and the game, with ``overrides`` over the experiment's values."""
        network_keys, game_params = self.split(overrides or {})
        game = self.game(**{**self.game_params, **game_params})
        keys = {**self.keys, **network_keys}
        if seed is not None:
            keys["seed"] = seed
        return self.network(game=game, **keys), game

    def prepare(self, network: Any, game: Any) -> dict:
        """Work done on the built network before :meth:`run` trains it (here
        none); what it returns is kept in the run's config, under
        ``meta["prepared"]``."""
        return {}

    def run(
        self,
        overrides: Mapping[str, Any] | None = None,
        seed: int | None = None,
        episodes: int | None = None,
        len_episode: int | None = None,
        eval_episodes: int | None = None,
        out: Any = None,
        progress: bool | None = None,
        callbacks: tuple = (),
        save_arrays: bool = False,
        overwrite: bool = False,
        stop_when_solved: bool = True,
    ) -> Outcome:
        """Build, :meth:`prepare`, train and measure. The schedule arguments default to the
        experiment's own; ``overwrite`` replaces the run in a non-empty
        ``out`` once the network and the game are built (see
        :func:`spikesim.train`). With a ``solve_threshold``, training ends
        once solved unless ``stop_when_solved`` is False."""
        network, game = self.build(overrides, seed)
        prepared = self.prepare(network, game)
        if self.solve_threshold is not None:
            callbacks = (SolveWindow(self.solve_threshold, SOLVE_WINDOW, stop_when_solved), *callbacks)
        results = train(
            network, game,
            episodes=self.episodes if episodes is None else episodes,
            len_episode=self.len_episode if len_episode is None else len_episode,
            eval_episodes=self.eval_episodes if eval_episodes is None else eval_episodes,
            callbacks=callbacks, out=out, progress=progress, save_arrays=save_arrays, overwrite=overwrite,
            meta={"experiment": self.name, "overrides": dict(overrides or {}), "metric_name": self.metric_name,
                  **({"prepared": prepared} if prepared else {})},
        )  # fmt: skip
        value = float(self.metric(results))
        success = None if self.target is None else value >= self.target
        if out is not None:
            from spikesim import files

            summary = {"experiment": self.name, "metric": value, "metric_name": self.metric_name,
                       "target": self.target, "success": success}  # fmt: skip
            files.write_json(results.out / "summary.json", summary)
        return Outcome(results, value, success)

    def run_twin(self, twin: str, overrides: Mapping[str, Any] | None = None, seed: int | None = None,
                 **schedule: Any) -> Outcome:  # fmt: skip
        """One of :attr:`twins` on ``seed``: what the trained run is compared
        with in a replication. This experiment has none."""
        raise ConfigError(f"experiment {self.name!r}: no twin {twin!r}; its twins: {list(self.twins) or 'none'}")

    def measures(self, outcome: Outcome) -> dict:
        """The numbers of one run a replication reports beside the metric:
        with a ``solve_threshold``, ``episodes_to_solve`` (None: not solved),
        ``train_episodes``, ``train_wall_s`` (the training's wall time),
        ``solve_wall_s`` (the wall time of the episodes up to the end of the
        first solving window) and
        the evaluation episodes' mean ``events_per_tick`` and
        ``energy_per_decision_j`` beside ``ann_energy_per_decision_j``."""
        if self.solve_threshold is None:
            return {}
        train_records, eval_records = outcome.results.phase("train"), outcome.results.phase("eval")
        returns = [r["total_reward"] for r in train_records]
        walls = np.cumsum([0.0] + [r["wall_s"] for r in train_records])
        solved = episodes_to_solve(returns, self.solve_threshold, SOLVE_WINDOW)
        found = {"episodes_to_solve": solved, "train_episodes": len(returns), "train_wall_s": float(walls[-1]),
                 "solve_wall_s": None if solved is None else float(walls[solved + SOLVE_WINDOW])}
        for key in ("events_per_tick", "energy_per_decision_j", "ann_energy_per_decision_j"):
            values = [r[key] for r in eval_records if key in r]
            found[key] = float(sum(values) / len(values)) if values else None
        return found


_REGISTRY: dict[str, Experiment] = {}


def register(experiment: Experiment, replace: bool = False) -> Experiment:
    """Add an experiment to the registry (``replace=True`` to overwrite one)."""
    if experiment.name in _REGISTRY and not replace:
        raise ValueError(f"an experiment named {experiment.name!r} is already registered")
    _REGISTRY[experiment.name] = experiment
    return experiment


def get(name: str) -> Experiment:
    """The experiment registered under ``name``; a :class:`KeyError` names
    the closest ones."""
    if not isinstance(name, str):
        raise KeyError(f"an experiment name is a string; got {name!r} Experiments: {', '.join(sorted(_REGISTRY))}")
    if name not in _REGISTRY:
        lower = {n.lower(): n for n in _REGISTRY}
        near = difflib.get_close_matches(name.lower(), list(lower), n=3, cutoff=0.5)
        near = [lower[n] for n in near]  # "XOR" -> "xor": matched without case
        hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
        raise KeyError(f"no experiment named {name!r}{hint} Experiments: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def names() -> list[str]:
    """The registered experiments' names, sorted."""
    return sorted(_REGISTRY)


def mean_reward_per_step(results: Results) -> float:
    """Mean over the eval episodes of the game's reward per step."""
    episodes = results.phase("eval") or results.phase("train")
    return float(sum(r["total_reward"] for r in episodes) / max(1, sum(r["steps"] for r in episodes)))


def mean_total_reward(results: Results) -> float:
    """Mean total game reward of the eval episodes (of the train episodes
    when there are none)."""
    episodes = results.phase("eval") or results.phase("train")
    return float(sum(r["total_reward"] for r in episodes) / max(1, len(episodes)))
