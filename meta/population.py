"""A genetic algorithm with an ask/tell interface.

One generation::

    genotypes = population.ask()          # n_agents dicts of gene -> value
    fitnesses = [evaluate(g) for g in genotypes]
    population.tell(fitnesses)            # ranks them and breeds the next

The next generation is made of shares of the previous one (Spikey's rates):
``survivor_rate`` of the best genotypes carried over unchanged (if younger
than ``max_age``), ``mutation_rate`` of mutated copies and
``crossover_rate`` of uniform crossovers of parents drawn from the best
``mutate_eligible_pct`` of the generation, and ``random_rate`` of new random
genotypes. All randomness comes from the population's own
``numpy.random.Generator``; its state, the genotypes and the fitness cache
are saved as JSON by :meth:`Population.state_dict`.
"""
from __future__ import annotations

import json
import math
import numbers
from collections import OrderedDict
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from spikesim.meta.constraints import MUTATION_SCALE, Constraint, plain, resolve
from spikesim.meta.constraints import to_json as constraints_to_json
from spikesim.params import ConfigError

#: The fitness of a genotype whose evaluation failed.
WORST = -math.inf

#: Rerun aggregators by name.
AGGREGATORS: dict[str, Callable[[Sequence[float]], float]] = {
    "mean": lambda v: float(np.mean(v)),
    "median": lambda v: float(np.median(v)),
    "min": lambda v: float(np.min(v)),
    "max": lambda v: float(np.max(v)),
}

_SPIKEY_PROCESS_ARGS = ("n_process", "max_process", "backend")


def genotype_key(genotype: Mapping[str, Any]) -> str:
    """The cache key of a genotype: its JSON text with sorted keys."""
    return json.dumps({k: plain(v) for k, v in genotype.items()}, sort_keys=True)


def json_fitness(fitness: float | None) -> float | None:
    """A fitness in the search's files: a failed evaluation's (``-inf``: it has
    none) is None, read back as the worst; a typed round-trip of the log and
    checkpoint, unlike the records of :func:`spikesim.files.to_json`."""
    return None if fitness is None or not math.isfinite(fitness) else float(fitness)


def _from_json_fitness(value: float | None) -> float:
    return WORST if value is None else float(value)


class Population:
    """A population of genotypes evolved by a genetic algorithm (ask/tell).

    Parameters
    ----------
    game
        A metagame (optional): its ``GENOTYPE_CONSTRAINTS`` are used when
        ``constraints`` is not given, its ``win_fitness`` when ``target`` is
        not, and :meth:`run` evaluates genotypes with its
        ``get_fitness(genotype) -> (fitness, done)``.
    n_agents
        Genotypes per generation.
    n_epoch
        Generations to run (the search is :attr:`terminated` after them).
    n_storing
        Size of the fitness cache (genotype -> fitness), least recently
        used first out; 0 disables it.
    mutate_eligible_pct
        Share of the generation (the best ones) eligible as parents of
        mutations and crossovers, in (0, 1]. Spikey's spelling
        ``mutate_eligable_pct`` is accepted too.
    max_age
        Generations a genotype may live: older ones neither survive nor breed.
    random_rate, survivor_rate, mutation_rate, crossover_rate
        Shares of the next generation made of random, surviving, mutated and
        crossed-over genotypes; they sum to 1.
    seed
        Seed of the population's generator.
    constraints
        ``gene -> constraint`` (see :mod:`spikesim.meta.constraints`).
    n_reruns
        Evaluations of each genotype (with different seeds); :meth:`tell`
        takes a list of rerun fitnesses per genotype and aggregates them.
    aggregator
        ``"mean"`` (default), ``"median"``, ``"min"``, ``"max"`` or a function
        of the list of rerun fitnesses.
    target
        Stop once the best fitness reaches it (higher is better).
    mutation_scale
        Standard deviation of a mutation step, as a fraction of a range.

    Examples
    --------
    >>> from spikesim.meta import NQueens
    >>> population = Population(game=NQueens(), n_agents=50, n_epoch=100, seed=1)
    >>> best = population.run()
    >>> best["fitness"]
    28.0
    """

    def __init__(
        self,
        game: Any = None,
        n_agents: int = 16,
        n_epoch: int = 10,
        n_storing: int = 100_000,
        mutate_eligible_pct: float = 0.5,
        max_age: int = 5,
        random_rate: float = 0.1,
        survivor_rate: float = 0.1,
        mutation_rate: float = 0.3,
        crossover_rate: float = 0.5,
        seed: int | None = None,
        constraints: Mapping[str, Any] | None = None,
        n_reruns: int = 1,
        aggregator: str | Callable[[Sequence[float]], float] = "mean",
        target: float | None = None,
        mutation_scale: float = MUTATION_SCALE,
        **spikey: Any,
    ) -> None:
        if "mutate_eligable_pct" in spikey:
            mutate_eligible_pct = spikey.pop("mutate_eligable_pct")
        if spikey:
            hints = {
                k: " (processes are chosen by spikesim.meta.evolve(backend=..., workers=...))"
                for k in _SPIKEY_PROCESS_ARGS
            }
            raise TypeError(
                "Population: unexpected argument(s) " + ", ".join(f"{k!r}{hints.get(k, '')}" for k in spikey)
            )
        self.game = game
        if constraints is None:
            constraints = getattr(game, "GENOTYPE_CONSTRAINTS", None)
        self.constraints: dict[str, Constraint] = resolve(constraints, owner="Population")
        self.genes = list(self.constraints)
        self.n_agents = _check_int("n_agents", n_agents, 1)
        self.n_epoch = _check_int("n_epoch", n_epoch, 0)
        self.n_storing = _check_int("n_storing", n_storing, 0)
        self.max_age = _check_int("max_age", max_age, 1)
        self.n_reruns = _check_int("n_reruns", n_reruns, 1)
        self.mutate_eligible_pct = _check_rate("mutate_eligible_pct", mutate_eligible_pct)
        if self.mutate_eligible_pct == 0:
            raise ConfigError("Population: key 'mutate_eligible_pct' expects a number in (0, 1]; got 0")
        self.rates = {
            "random_rate": _check_rate("random_rate", random_rate),
            "survivor_rate": _check_rate("survivor_rate", survivor_rate),
            "mutation_rate": _check_rate("mutation_rate", mutation_rate),
            "crossover_rate": _check_rate("crossover_rate", crossover_rate),
        }
        if abs(sum(self.rates.values()) - 1.0) > 1e-6:
            raise ConfigError(
                "Population: random_rate + survivor_rate + mutation_rate + crossover_rate expects 1; got "
                + " + ".join(f"{v:g}" for v in self.rates.values())
                + f" = {sum(self.rates.values()):g}"
            )
        if isinstance(aggregator, str):
            if aggregator not in AGGREGATORS:
                raise ConfigError(f"Population: key 'aggregator' expects one of {sorted(AGGREGATORS)}; got {aggregator!r}")
            self.aggregator_name = aggregator
            self.aggregator = AGGREGATORS[aggregator]
        else:
            self.aggregator_name = getattr(aggregator, "__name__", "custom")
            self.aggregator = aggregator
        self.target = getattr(game, "win_fitness", None) if target is None else float(target)
        self.mutation_scale = float(mutation_scale)
        self.seed = seed
        self.rng = np.random.default_rng(seed)

        self.generation = 0  # finished generations
        self.cache: OrderedDict[str, tuple[float, str | None]] = OrderedDict()
        self.best: dict | None = None
        self.done = False
        self.cache_hits = 0
        self.evaluations = 0
        self._agents = [{"genotype": self._random(), "age": 1} for _ in range(self.n_agents)]

    # ---------------------------------------------------------------- ask/tell
    def ask(self) -> list[dict]:
        """The genotypes of the current generation (copies), in order."""
        return [dict(agent["genotype"]) for agent in self._agents]

    @property
    def terminated(self) -> bool:
        """True after ``n_epoch`` generations, once the target is reached or
        once a metagame said it is done."""
        reached = self.target is not None and self.best is not None and self.best["fitness"] >= self.target
        return self.generation >= self.n_epoch or reached or self.done

    def lookup(self, genotype: Mapping[str, Any]) -> tuple[float, str | None] | None:
        """The cached ``(fitness, error)`` of a genotype, or None."""
        key = genotype_key(genotype)
        if key not in self.cache:
            return None
        self.cache.move_to_end(key)
        return self.cache[key]

    def pending(self) -> list[dict]:
        """The distinct genotypes of the current generation that are not in
        the cache: those to evaluate (each ``n_reruns`` times)."""
        seen: set[str] = set()
        todo = []
        for agent in self._agents:
            key = genotype_key(agent["genotype"])
            if key not in seen and key not in self.cache:
                seen.add(key)
                todo.append(dict(agent["genotype"]))
        return todo

    def tell(
        self,
        fitnesses: Sequence[float | Sequence[float] | None],
        errors: Sequence[str | None] | None = None,
        done: bool | Sequence[bool] = False,
    ) -> dict:
        """Give the fitnesses of the current generation (aligned with
        :meth:`ask`), rank it and breed the next one.

        Each fitness is a number, a list of ``n_reruns`` numbers (aggregated),
        or None: the cached value (a genotype given twice in one generation
        needs its fitness only once). ``errors[i]`` marks a failed
        evaluation: it gets the worst fitness. ``done`` (one flag or one per
        genotype): a metagame's signal to stop.

        Returns the generation's record: ``generation``, ``genotypes``,
        ``fitnesses`` (None for failed ones), ``best`` (so far), ``errors``
        (``{"index", "error"}`` of the failed ones), ``evaluations`` and
        ``cache_hits``.
        """
        genotypes = self.ask()
        if len(fitnesses) != len(genotypes):
            raise ValueError(f"tell: expects {len(genotypes)} fitnesses (one per genotype); got {len(fitnesses)}")
        errors = list(errors) if errors is not None else [None] * len(genotypes)
        values: list[float] = []
        failures: list[str | None] = []
        given: dict[str, tuple[float, str | None]] = {}
        hits = new = 0
        for genotype, fitness, error in zip(genotypes, fitnesses, errors):
            key = genotype_key(genotype)
            if error is not None:
                entry = (WORST, str(error))
            elif fitness is None:
                entry = given.get(key) or self.lookup(genotype)
                if entry is None:
                    raise ValueError(f"tell: no fitness given for {key} and none cached")
                hits += key not in given
            else:
                entry = self._fitness_entry(fitness)
            if key not in given and (fitness is not None or error is not None):
                new += 1
            given[key] = entry
            values.append(entry[0])
            failures.append(entry[1])
        for key, entry in given.items():
            self._store(key, entry)
        self.cache_hits += hits
        self.evaluations += new
        flags = [done] * len(genotypes) if isinstance(done, (bool, np.bool_)) else list(done)
        self.done = self.done or any(bool(f) for f in flags)

        ranked = sorted(range(len(values)), key=lambda i: -values[i])
        top = ranked[0]
        if values[top] > WORST and (self.best is None or values[top] > self.best["fitness"]):
            self.best = {"genotype": genotypes[top], "fitness": values[top], "generation": self.generation}
        record = {
            "generation": self.generation,
            "genotypes": genotypes,
            "fitnesses": [json_fitness(v) for v in values],
            "best": self._best_json(),
            "errors": [{"index": i, "error": e} for i, e in enumerate(failures) if e is not None],
            "evaluations": new,
            "cache_hits": hits,
        }
        self._agents = self._breed(values, ranked)
        self.generation += 1
        return record

    def run(self, progress: Callable[[dict], None] | None = None) -> dict | None:
        """Evaluate generations with the game's ``get_fitness`` in this
        process until :attr:`terminated`; returns :attr:`best` (as JSON).
        See :func:`spikesim.meta.evolve` for Ray, logs and checkpoints."""
        from spikesim.meta.backends import SerialBackend, tell_evaluations

        backend = SerialBackend()
        while not self.terminated:
            jobs = [(g, r) for g in self.pending() for r in range(self.n_reruns)]
            record = tell_evaluations(self, jobs, backend.map(self.game, jobs))
            if progress is not None:
                progress(record)
        return self._best_json()

    # ---------------------------------------------------------------- breeding
    def _random(self) -> dict:
        return {name: c.sample(self.rng) for name, c in self.constraints.items()}

    def _mutate(self, parent: Mapping[str, Any]) -> dict:
        child = dict(parent)
        n = len(self.genes)
        forced = int(self.rng.integers(n))
        chance = self.rng.random(n)
        for i, name in enumerate(self.genes):
            if i == forced or chance[i] < 1.0 / n:
                child[name] = self.constraints[name].mutate(child[name], self.rng, self.mutation_scale)
        return child

    def _crossover(self, a: Mapping[str, Any], b: Mapping[str, Any]) -> dict:
        pick = self.rng.random(len(self.genes)) < 0.5
        return {name: (a if pick[i] else b)[name] for i, name in enumerate(self.genes)}

    def counts(self) -> dict[str, int]:
        """Genotypes of each kind in a generation: the rates times
        ``n_agents``, rounded to sum to ``n_agents`` (largest remainders)."""
        exact = {k: r * self.n_agents for k, r in self.rates.items()}
        counts = {k: int(math.floor(v + 1e-9)) for k, v in exact.items()}
        left = self.n_agents - sum(counts.values())
        for k in sorted(exact, key=lambda k: -(exact[k] - counts[k]))[: max(left, 0)]:
            counts[k] += 1
        return counts

    def _breed(self, values: list[float], ranked: list[int]) -> list[dict]:
        counts = self.counts()
        pool: list[dict] = []  # distinct, evaluated, young enough; best first
        seen: set[str] = set()
        for i in ranked:
            agent = self._agents[i]
            key = genotype_key(agent["genotype"])
            if key in seen or values[i] == WORST or agent["age"] >= self.max_age:
                continue
            seen.add(key)
            pool.append(agent)
        n_parents = min(len(pool), max(1, math.ceil(self.mutate_eligible_pct * self.n_agents)))
        parents = [a["genotype"] for a in pool[:n_parents]]

        survivors = [{"genotype": dict(a["genotype"]), "age": a["age"] + 1} for a in pool[: counts["survivor_rate"]]]
        n_random = self.n_agents - len(survivors) - counts["mutation_rate"] - counts["crossover_rate"]
        children: list[dict] = []
        for _ in range(counts["mutation_rate"]):
            if parents:
                children.append(self._mutate(parents[int(self.rng.integers(len(parents)))]))
            else:
                children.append(self._random())
        for _ in range(counts["crossover_rate"]):
            if len(parents) >= 2:
                a, b = self.rng.choice(len(parents), size=2, replace=False)
                children.append(self._crossover(parents[int(a)], parents[int(b)]))
            elif parents:
                children.append(self._mutate(parents[0]))
            else:
                children.append(self._random())
        children.extend(self._random() for _ in range(n_random))
        return survivors + [{"genotype": g, "age": 1} for g in children]

    # ---------------------------------------------------------------- cache
    def _fitness_entry(self, fitness: float | Sequence[float]) -> tuple[float, str | None]:
        if isinstance(fitness, numbers.Real) or np.ndim(fitness) == 0:
            runs = [float(fitness)]
        else:
            runs = [float(f) for f in fitness]
            if len(runs) != self.n_reruns:
                raise ValueError(f"tell: expects {self.n_reruns} rerun fitnesses per genotype; got {len(runs)}")
        value = float(self.aggregator(runs))
        if math.isnan(value):
            return WORST, "fitness is NaN"
        return value, None

    def _store(self, key: str, entry: tuple[float, str | None]) -> None:
        if self.n_storing == 0:
            return
        self.cache[key] = entry
        self.cache.move_to_end(key)
        while len(self.cache) > self.n_storing:
            self.cache.popitem(last=False)

    def _best_json(self) -> dict | None:
        if self.best is None:
            return None
        return {"genotype": self.best["genotype"], "fitness": json_fitness(self.best["fitness"]),
                "generation": self.best["generation"]}  # fmt: skip

    # ---------------------------------------------------------------- JSON
    def settings(self) -> dict:
        """The constructor's arguments as JSON (without game and seed state)."""
        return {
            "n_agents": self.n_agents, "n_epoch": self.n_epoch, "n_storing": self.n_storing,
            "mutate_eligible_pct": self.mutate_eligible_pct, "max_age": self.max_age, **self.rates,
            "seed": self.seed, "constraints": constraints_to_json(self.constraints), "n_reruns": self.n_reruns,
            "aggregator": self.aggregator_name, "target": self.target, "mutation_scale": self.mutation_scale,
        }  # fmt: skip

    def state_dict(self) -> dict:
        """Everything needed to continue the search, as JSON: the current
        genotypes and their ages, the fitness cache, the best so far, the
        counters and the generator's state (``rng.bit_generator.state``)."""
        return {
            "generation": self.generation,
            "agents": [{"genotype": a["genotype"], "age": a["age"]} for a in self._agents],
            "cache": [[json.loads(k), json_fitness(f), e] for k, (f, e) in self.cache.items()],
            "best": self._best_json(),
            "done": self.done,
            "cache_hits": self.cache_hits,
            "evaluations": self.evaluations,
            "rng": self.rng.bit_generator.state,
        }

    def load_state(self, state: Mapping[str, Any]) -> None:
        """Continue from a :meth:`state_dict`."""
        self.generation = int(state["generation"])
        self._agents = [{"genotype": dict(a["genotype"]), "age": int(a["age"])} for a in state["agents"]]
        self.cache = OrderedDict(
            (genotype_key(g), (_from_json_fitness(f), e)) for g, f, e in state["cache"]
        )
        best = state.get("best")
        self.best = None if best is None else {
            "genotype": dict(best["genotype"]), "fitness": _from_json_fitness(best["fitness"]),
            "generation": best.get("generation"),
        }  # fmt: skip
        self.done = bool(state.get("done", False))
        self.cache_hits = int(state.get("cache_hits", 0))
        self.evaluations = int(state.get("evaluations", 0))
        self.rng.bit_generator.state = state["rng"]

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], game: Any = None) -> "Population":
        """A population from :meth:`settings` (the constraints included)."""
        return cls(game=game, **dict(settings))


def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ConfigError(f"Population: key {name!r} expects an integer in [{low}, inf); got {value!r}")
    return int(value)


def _check_rate(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise ConfigError(f"Population: key {name!r} expects a number in [0, 1]; got {value!r}")
    return float(value)
