"""``GeneticSearch``: the genetic algorithm of :class:`~spikesim.meta.Population`
as a Ray Tune searcher, so it runs inside a user's ``tune.Tuner`` with
Tune's schedulers, loggers and trial resources.

Every trial evaluates one genotype (one rerun of it): the searcher suggests
the distinct, uncached genotypes of a generation, waits until their trials
complete, tells the population their metric and moves on to the next
generation. It returns ``Searcher.FINISHED`` after the population's last
generation (or at its target), so give Tune ``num_samples=-1``::

    from ray import tune
    from spikesim.meta.tune import GeneticSearch, experiment_trainable

    searcher = GeneticSearch({"learning_rate": (0.05, 2.0)}, population=16, generations=5, seed=0)
    tuner = tune.Tuner(
        experiment_trainable("xor"),
        tune_config=tune.TuneConfig(search_alg=searcher, metric="metric", mode="max", num_samples=-1),
    )
    results = tuner.fit()

The search space may also come from Tune's ``param_space`` (``tune.uniform``,
``tune.loguniform``, ``tune.randint``, ``tune.choice``). State is saved as
JSON (:meth:`GeneticSearch.save`). Ray Tune is an optional extra of
spikesim (``pip install -e ".[tune]"``; the test extra has it too).
"""
from __future__ import annotations

import math
from collections import deque
from typing import Any, Callable, Mapping

try:
    from ray.tune.search import Searcher
    from ray.tune.search.sample import Categorical, Domain, Float, Integer, LogUniform
except ImportError as error:  # Ray without its tune extra
    raise ImportError(f'spikesim.meta.tune needs Ray Tune, which is not installed ({error}): pip install -e ".[tune]" '
                      '(or pip install "ray[tune]")') from error

from spikesim import files
from spikesim.meta import constraints as C
from spikesim.meta.backends import Evaluation, tell_evaluations
from spikesim.meta.population import Population


def domain_constraint(name: str, domain: Domain) -> C.Constraint:
    """The constraint of a Tune search-space domain."""
    if isinstance(domain, Categorical):
        return C.Choice(domain.categories)
    if isinstance(domain, Integer):
        return C.Integer(domain.lower, domain.upper - 1)  # Tune's randint excludes upper
    if isinstance(domain, Float):
        return C.Continuous(domain.lower, domain.upper, log=isinstance(domain.get_sampler(), LogUniform))
    raise ValueError(f"GeneticSearch: the search space of {name!r} ({domain}) is not a float, integer or choice domain")


class GeneticSearch(Searcher):
    """The genetic algorithm of :class:`~spikesim.meta.Population` as a
    Tune ``Searcher``.

    Parameters
    ----------
    constraints
        Genes and their allowed values (see :mod:`spikesim.meta.constraints`);
        None: taken from Tune's ``param_space`` domains.
    metric, mode
        The reported metric and ``"max"`` or ``"min"`` (as Tune's; may also
        come from ``TuneConfig``).
    population
        Genotypes per generation (``n_agents``).
    generations
        Generations (``n_epoch``).
    seed
        Seed of the population's generator.
    rerun_key
        With ``n_reruns > 1``, each trial's config holds its rerun number
        under this key (the trainable seeds its run with it).
    **population_options
        More :class:`~spikesim.meta.Population` arguments (Spikey's names,
        ``n_reruns``, ``target`` ...). Fitnesses are the metric, negated for
        ``mode="min"``.
    """

    def __init__(
        self,
        constraints: Mapping[str, Any] | None = None,
        metric: str | None = None,
        mode: str | None = "max",
        population: int = 16,
        generations: int = 10,
        seed: int | None = 0,
        rerun_key: str = "rerun",
        **population_options: Any,
    ) -> None:
        super().__init__(metric=metric, mode=mode)
        self._options = {"n_agents": population, "n_epoch": generations, "seed": seed, **population_options}
        self.rerun_key = rerun_key
        self.population: Population | None = None
        if constraints is not None:
            self.population = Population(constraints=constraints, **self._options)
        self.records: list[dict] = []
        self._reset_generation()

    def _reset_generation(self) -> None:
        self._jobs: list[tuple[dict, int]] = []
        self._queue: deque = deque()
        self._running: dict[str, int] = {}  # trial id -> job index
        self._results: dict[int, Evaluation] = {}

    # ------------------------------------------------------------ Tune's API
    def set_search_properties(self, metric: str | None, mode: str | None, config: dict, **spec: Any) -> bool:
        domains = {k: v for k, v in (config or {}).items() if isinstance(v, Domain)}
        if self.population is not None and domains:
            return False
        if self._metric is None and metric:
            self._metric = metric
        if mode:
            self._mode = mode
        if self.population is None and domains:
            self.population = Population(
                constraints={k: domain_constraint(k, d) for k, d in domains.items()}, **self._options
            )
        return True

    def suggest(self, trial_id: str) -> dict | str | None:
        if self.population is None:
            raise RuntimeError("GeneticSearch: give constraints, or a param_space of tune.uniform/randint/choice domains")
        if self._metric is None:
            raise RuntimeError("GeneticSearch: give metric= to GeneticSearch (Tune passes TuneConfig's metric to a "
                               "searcher only with a param_space)")
        while True:
            if self._queue:
                index = self._queue.popleft()
                self._running[trial_id] = index
                genotype, rerun = self._jobs[index]
                config = dict(genotype)
                if self.population.n_reruns > 1:
                    config[self.rerun_key] = rerun
                return config
            if self._running:
                return None  # the generation's trials are still running
            if self._jobs:
                self._finish_generation()
                continue
            if self.population.terminated:
                return Searcher.FINISHED
            self._jobs = [(g, r) for g in self.population.pending() for r in range(self.population.n_reruns)]
            self._queue = deque(range(len(self._jobs)))
            if not self._jobs:
                self._finish_generation()

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        index = self._running.pop(trial_id, None)
        if index is None:
            return
        value = None if (error or not result) else result.get(self._metric)
        if value is None or not isinstance(value, (int, float)) or math.isnan(value):
            reason = "the trial failed" if error else f"the trial reported no number for metric {self._metric!r}"
            self._results[index] = Evaluation(None, False, reason)
        else:
            self._results[index] = Evaluation(-float(value) if self._mode == "min" else float(value))
        if not self._queue and not self._running:
            self._finish_generation()

    def _finish_generation(self) -> None:
        evaluations = [self._results.get(i, Evaluation(None, False, "no result")) for i in range(len(self._jobs))]
        self.records.append(tell_evaluations(self.population, self._jobs, evaluations))
        self._reset_generation()

    @property
    def best(self) -> dict | None:
        """The best genotype so far and its fitness (None before the first
        generation ends)."""
        return None if self.population is None else self.population._best_json()

    # ------------------------------------------------------------ state (JSON)
    def get_state(self) -> dict:
        return {
            "metric": self._metric, "mode": self._mode, "rerun_key": self.rerun_key, "options": self._options,
            "settings": None if self.population is None else self.population.settings(),
            "population": None if self.population is None else self.population.state_dict(),
            "jobs": self._jobs, "queue": list(self._queue), "running": self._running,
            "results": {str(i): [e.fitness, e.error] for i, e in self._results.items()},
            "records": self.records,
        }  # fmt: skip

    def set_state(self, state: dict) -> None:
        self._metric, self._mode, self.rerun_key = state["metric"], state["mode"], state["rerun_key"]
        self._options = dict(state["options"])
        self.population = None
        if state["settings"] is not None:
            self.population = Population.from_settings(state["settings"])
            self.population.load_state(state["population"])
        self._jobs = [(dict(g), int(r)) for g, r in state["jobs"]]
        # trials that were running are run again by Tune under their ids, or re-queued here
        self._queue = deque(state["queue"])
        self._running = {k: int(v) for k, v in state["running"].items()}
        self._results = {int(i): Evaluation(f, False, e) for i, (f, e) in state["results"].items()}
        self.records = list(state["records"])

    def save(self, checkpoint_path: str) -> None:
        files.write_json(checkpoint_path, self.get_state(), indent=None)

    def restore(self, checkpoint_path: str) -> None:
        self.set_state(files.read_json(checkpoint_path))


def experiment_trainable(
    experiment: Any,
    overrides: Mapping[str, Any] | None = None,
    seed: int = 0,
    rerun_key: str = "rerun",
    **schedule: Any,
) -> Callable[[dict], None]:
    """A Tune function trainable that runs an experiment with the trial's
    config as overrides and reports ``{"metric": ..., "success": ...}``
    (``seed + config[rerun_key]`` when the config holds a rerun number)."""

    def trainable(config: dict) -> None:
        from ray import tune

        from spikesim import experiments

        exp = experiments.get(experiment) if isinstance(experiment, str) else experiment
        config = dict(config)
        rerun = int(config.pop(rerun_key, 0))
        outcome = exp.run({**(overrides or {}), **config}, seed=seed + rerun, progress=False, **schedule)
        tune.report({"metric": outcome.metric, "success": bool(outcome.success)})

    return trainable


def metagame_trainable(game: Any, metric: str = "fitness") -> Callable[[dict], None]:
    """A Tune function trainable reporting a metagame's fitness of the
    trial's config, as ``{metric: fitness}``."""

    def trainable(config: dict) -> None:
        from ray import tune

        fitness, _ = game.get_fitness({k: v for k, v in config.items() if k in game.GENOTYPE_CONSTRAINTS})
        tune.report({metric: float(fitness)})

    return trainable


__all__ = ["GeneticSearch", "domain_constraint", "experiment_trainable", "metagame_trainable"]
