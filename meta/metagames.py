"""Metagames: what a genetic search optimises.

A metagame (Spikey's name) has ``GENOTYPE_CONSTRAINTS`` (gene -> allowed
values), an optional ``win_fitness`` and ``get_fitness(genotype) -> (fitness,
done)``; higher fitness is better. :class:`EvolveNetwork` runs an experiment
with the genotype's parameters; :class:`NQueens` is a puzzle with a known
answer, a test of the algorithm itself.
"""
from __future__ import annotations

import inspect
from typing import Any, Iterable, Mapping

from spikesim import names
from spikesim.meta.constraints import Constraint, resolve
from spikesim.meta.constraints import to_json as constraints_to_json
from spikesim.params import ConfigError


class MetaGame:
    """Base of metagames.

    Subclasses set :attr:`GENOTYPE_CONSTRAINTS` and implement
    :meth:`get_fitness`; :meth:`config` returns the constructor's arguments
    as JSON so a search can be resumed from its directory.
    """

    GENOTYPE_CONSTRAINTS: Mapping[str, Any] = {}
    win_fitness: float | None = None

    def get_fitness(self, genotype: Mapping[str, Any], rerun: int = 0) -> tuple[float, bool]:
        """``(fitness, done)`` of a genotype; ``rerun`` numbers the repeats
        of one genotype (a stochastic metagame seeds them differently)."""
        raise NotImplementedError

    def config(self) -> dict:
        """The constructor's keyword arguments, as JSON."""
        return {}

    def describe(self) -> dict:
        """The class (as ``module:name``) and :meth:`config`, as JSON."""
        return {"class": names.reference(type(self)), "config": self.config()}


def from_description(
    description: Mapping[str, Any], *, what: str = "metagame", trusted: bool = False, allow: Iterable[str] = ()
) -> MetaGame:
    """The metagame a :meth:`MetaGame.describe` dict names (``what`` names its file in errors).

    The class must be a :class:`MetaGame` subclass that spikesim defines; a metagame of your own loads with
    ``allow=("mymodule",)`` or ``trusted=True`` (see :func:`spikesim.names.resolve`). The class is checked
    before it is called, so a file naming ``subprocess:Popen`` is refused with a ConfigError.
    """
    if not isinstance(description, Mapping):
        raise ConfigError(f"{what}: expected {{'class': 'module:name', 'config': {{...}}}}; got {description!r}")
    config = description.get("config", {})
    if not isinstance(config, Mapping):
        raise ConfigError(f"{what}: 'config' expected a JSON object of the metagame's arguments; got {config!r}")
    cls = names.resolve(description.get("class"), MetaGame, what=f"{what}: class", trusted=trusted, allow=allow)
    if hasattr(cls, "from_config"):
        return cls.from_config(config)
    _check_arguments(cls, config, what)
    return cls(**config)


def _check_arguments(cls: type, config: Mapping[str, Any], what: str, *given: Any) -> None:
    """A ConfigError unless ``cls(*given, **config)`` fits its signature."""
    try:
        inspect.signature(cls).bind(*given, **config)
    except TypeError as error:
        raise ConfigError(f"{what}: 'config' does not fit the arguments of {names.reference(cls)}: {error}") from None


class NQueens(MetaGame):
    """Place ``n_queens`` queens on an n x n board, one per column, so that
    no two attack each other.

    Gene ``queen_c`` is the row of the queen in column ``c`` (0..n-1). Two
    queens in columns ``c1 != c2`` attack each other when their rows are equal
    or ``|r1 - r2| = |c1 - c2|`` (a diagonal). The fitness is the number of
    pairs that do not attack each other,

        fitness = n (n - 1) / 2 - attacking pairs,

    so 28 is a solution of the 8-queens puzzle (``win_fitness``, ``done``).

    Examples
    --------
    >>> game = NQueens()
    >>> game.get_fitness({f"queen_{c}": r for c, r in enumerate([0, 4, 7, 5, 2, 6, 1, 3])})
    (28, True)
    >>> game.get_fitness({f"queen_{c}": 0 for c in range(8)})
    (0, False)
    """

    def __init__(self, n_queens: int = 8) -> None:
        try:
            valid = int(n_queens) == n_queens and n_queens >= 1
        except (TypeError, ValueError, OverflowError):  # not a number, nan or inf
            valid = False
        if not valid:
            raise ConfigError(f"NQueens: key 'n_queens' expects an integer in [1, inf); got {n_queens!r}")
        self.n_queens = int(n_queens)
        self.GENOTYPE_CONSTRAINTS = {f"queen_{c}": list(range(self.n_queens)) for c in range(self.n_queens)}
        self.win_fitness = self.n_queens * (self.n_queens - 1) // 2

    def get_fitness(self, genotype: Mapping[str, Any], rerun: int = 0) -> tuple[int, bool]:
        rows = [int(genotype[f"queen_{c}"]) for c in range(self.n_queens)]
        attacking = sum(
            rows[a] == rows[b] or abs(rows[a] - rows[b]) == b - a
            for a in range(self.n_queens)
            for b in range(a + 1, self.n_queens)
        )
        fitness = self.win_fitness - attacking
        return fitness, fitness == self.win_fitness

    def config(self) -> dict:
        return {"n_queens": self.n_queens}


class EvolveNetwork(MetaGame):
    """The fitness of a genotype is the metric of an experiment run with the
    genotype's parameters (higher is better).

    Parameters
    ----------
    experiment
        A registered experiment's name, or an ``Experiment``.
    constraints
        ``name -> constraint`` or a list of names (declared ranges); checked
        against the experiment's parameters (see
        :func:`spikesim.meta.constraints.resolve`). Default: the experiment's
        ``search_space`` when it has one, else :data:`SEARCH_SPACES`.
    overrides
        Fixed parameters for every run (under the genotype).
    seed
        Seed of the runs: rerun ``r`` uses ``seed + r``, so every genotype
        sees the same networks' random draws.
    episodes, len_episode, eval_episodes
        The training schedule (default: the experiment's).
    win_fitness
        A metric at which the search is done (default: none).

    Examples
    --------
    >>> game = EvolveNetwork("xor", {"learning_rate": (0.1, 1.0)}, len_episode=4, episodes=0)
    >>> fitness, done = game.get_fitness({"learning_rate": 0.5})
    >>> 0 <= fitness <= 1, done
    (True, False)
    """

    def __init__(
        self,
        experiment: Any,
        constraints: Mapping[str, Any] | list | None = None,
        overrides: Mapping[str, Any] | None = None,
        seed: int = 0,
        episodes: int | None = None,
        len_episode: int | None = None,
        eval_episodes: int | None = None,
        win_fitness: float | None = None,
    ) -> None:
        from spikesim import experiments

        self.experiment = experiments.get(experiment) if isinstance(experiment, str) else experiment
        self.name = self.experiment.name
        namespace = self.experiment.namespace()
        if constraints is None:
            constraints = default_search_space(self.experiment)
        self.constraints: dict[str, Constraint] = resolve(constraints, namespace, owner=f"experiment {self.name!r}")
        self.GENOTYPE_CONSTRAINTS = self.constraints
        self.overrides = dict(overrides or {})
        self.experiment.split(self.overrides)  # unknown keys fail now, not in a worker
        self.seed = int(seed)
        self.episodes, self.len_episode, self.eval_episodes = episodes, len_episode, eval_episodes
        self.win_fitness = None if win_fitness is None else float(win_fitness)

    def get_fitness(self, genotype: Mapping[str, Any], rerun: int = 0) -> tuple[float, bool]:
        outcome = self.run(genotype, rerun)
        return outcome.metric, self.win_fitness is not None and outcome.metric >= self.win_fitness

    def run(self, genotype: Mapping[str, Any], rerun: int = 0) -> Any:
        """The experiment's :class:`~spikesim.experiments.Outcome` for a
        genotype (``seed + rerun``)."""
        return self.experiment.run(
            {**self.overrides, **genotype}, seed=self.seed + rerun, episodes=self.episodes,
            len_episode=self.len_episode, eval_episodes=self.eval_episodes, progress=False,
        )  # fmt: skip

    def config(self) -> dict:
        return {
            "experiment": self.name, "constraints": constraints_to_json(self.constraints),
            "overrides": self.overrides, "seed": self.seed, "episodes": self.episodes,
            "len_episode": self.len_episode, "eval_episodes": self.eval_episodes, "win_fitness": self.win_fitness,
        }  # fmt: skip

    @classmethod
    def from_config(cls, config: Mapping[str, Any], experiment: Any = None) -> "EvolveNetwork":
        """From :meth:`config`; ``experiment`` replaces the registered one of
        that name (for experiments not in the registry). A config that does
        not fit (not an object, no or an unknown experiment, unknown
        arguments) is a ConfigError."""
        from spikesim import experiments

        what = "metagame EvolveNetwork"
        if not isinstance(config, Mapping):
            raise ConfigError(f"{what}: 'config' expected a JSON object of its arguments; got {config!r}")
        if "experiment" not in config:
            raise ConfigError(f"{what}: 'config' has no 'experiment' (the name of the experiment searched)")
        config = dict(config)
        name = config.pop("experiment")
        _check_arguments(cls, config, what, name)
        if experiment is None:
            try:
                experiment = experiments.get(name)
            except KeyError as error:
                raise ConfigError(f"{what}: 'experiment': {error.args[0]}") from None
        return cls(experiment, **config)


#: Parameters searched when none are given, by experiment name (an
#: experiment may also carry its own ``search_space`` attribute).
SEARCH_SPACES: dict[str, dict[str, Any]] = {
    "xor": {"learning_rate": (0.05, 2.0), "tau_z": (5.0, 100.0), "tau_m": (5.0, 40.0)},
}


def default_search_space(experiment: Any) -> Mapping[str, Any]:
    """The parameters to search in an experiment when none are given."""
    space = getattr(experiment, "search_space", None) or SEARCH_SPACES.get(experiment.name)
    if not space:
        raise ConfigError(
            f"experiment {experiment.name!r} has no default search space; give the parameters to search "
            "(e.g. --param learning_rate=0.01:1, or constraints={'learning_rate': (0.01, 1.0)})"
        )
    return space
