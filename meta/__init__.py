"""Hyperparameter search and sweeps (``spikesim.meta``).

- :class:`Population`: a genetic algorithm with ask/tell, Spikey's names;
- metagames: :class:`EvolveNetwork` (an experiment's metric as fitness),
  :class:`NQueens` (a known answer);
- :func:`evolve`: a search on Ray (local by default) or serial, logged and
  checkpointed as JSON, resumable;
- :class:`Series`: one experiment over a grid of parameter values;
- :class:`GeneticSearch` (in :mod:`spikesim.meta.tune`): the same algorithm
  as a Ray Tune searcher.

Ray is imported only when a Ray backend or the Tune searcher is used.

Examples
--------
>>> from spikesim.meta import Population, NQueens
>>> population = Population(game=NQueens(), n_agents=50, n_epoch=100, seed=1)
>>> population.run()["fitness"]
28.0
"""
from spikesim.meta.backends import Evaluation, RayBackend, SerialBackend
from spikesim.meta.constraints import Choice, Constraint, Continuous, Integer
from spikesim.meta.metagames import SEARCH_SPACES, EvolveNetwork, MetaGame, NQueens
from spikesim.meta.population import Population
from spikesim.meta.search import Search, evolve, read_search
from spikesim.meta.series import Series

__all__ = [
    "Choice", "Constraint", "Continuous", "Evaluation", "EvolveNetwork", "GeneticSearch", "Integer", "MetaGame",
    "NQueens", "Population", "RayBackend", "SEARCH_SPACES", "Search", "SerialBackend", "Series", "evolve",
    "read_search",
]  # fmt: skip


def __getattr__(name: str):
    if name == "GeneticSearch":  # imports ray.tune: only when asked for
        from spikesim.meta.tune import GeneticSearch

        return GeneticSearch
    raise AttributeError(f"module 'spikesim.meta' has no attribute {name!r}")
