"""Default networks and experiments for any gymnasium environment.

``experiment_for("Taxi-v4")`` is the experiment ``gym:Taxi-v4``: a
feed-forward network of LIF neurons with Random weights and Florian's
MSTDPET, built from the spaces of the environment (through
:class:`~spikesim.games.GymWrapper`), rewarded with the environment's reward,
a short schedule, and the mean total reward of the evaluation episodes as
metric. These experiments are made on demand and not registered.

>>> from spikesim.experiments.gym import experiment_for
>>> experiment = experiment_for("FrozenLake-v1")
>>> experiment.name, experiment.network.parts["inputs"].__name__
('gym:FrozenLake-v1', 'OneHot')
>>> outcome = experiment.run(seed=0, episodes=1, eval_episodes=1, len_episode=5, progress=False)
>>> 1 <= outcome.results.episodes[-1]["steps"] <= 5
True
"""
from __future__ import annotations

import sys
from typing import Any, Iterable, Mapping

import numpy as np

from spikesim import names
from spikesim.experiments.registry import Experiment, mean_total_reward
from spikesim.games import GymWrapper
from spikesim.network import RLNetwork
from spikesim.neurons import LIF
from spikesim.params import ConfigError, Param, params_of
from spikesim.synapses import MSTDPET
from spikesim.weights import Random

N_HIDDEN = Param("n_hidden", "int", 20, "hidden neurons between the inputs and the output neurons (0: inputs straight to outputs)", "[0, inf)")

#: The keys of a default network for a wrapped environment.
DEFAULT_KEYS: dict[str, Any] = {
    "processing_time": 20,  # network steps (ms) per game step
    "max_weight": 4.0,  # weights start uniform in [0, 4] mV, with LIF's 16 mV from rest to threshold
    "learning_rate": 0.05,
    "baseline_rate": 0.05,  # rewards enter as r - running mean(r): environments that only punish still teach
    "max_rate": 0.2,  # PopulationCode: spike probability per step at the preferred value
    "on_rate": 0.5,  # OneHot, MultiOneHot: spike probability per step of the observed value's inputs
}


def feed_forward_mask(
    n_inputs: int,
    n_hidden: int,
    n_outputs: int,
    hidden_probability: float = 1.0,
    skip: bool = False,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """The synapses allowed in a feed-forward network: inputs onto hidden
    neurons, every hidden neuron onto every output, and with ``skip`` (or
    when ``n_hidden`` is 0) every input onto every output. Each input ->
    hidden pair is allowed with probability ``hidden_probability`` (one draw
    of ``rng`` per pair, in row-major order, only when it is below 1). Bool
    ``(n_inputs + n, n)``, ``n = n_hidden + n_outputs``, rows inputs then
    body neurons.

    Examples
    --------
    >>> feed_forward_mask(2, 1, 1).astype(int).tolist()
    [[1, 0], [1, 0], [0, 1], [0, 0]]
    >>> feed_forward_mask(2, 1, 1, skip=True).astype(int).tolist()
    [[1, 1], [1, 1], [0, 1], [0, 0]]
    """
    n = n_hidden + n_outputs
    mask = np.zeros((n_inputs + n, n), dtype=bool)
    if hidden_probability < 1.0:
        rng = rng if rng is not None else np.random.default_rng()
        mask[:n_inputs, :n_hidden] = rng.random((n_inputs, n_hidden)) < hidden_probability
    else:
        mask[:n_inputs, :n_hidden] = True
    mask[n_inputs : n_inputs + n_hidden, n_hidden:] = True
    if skip or n_hidden == 0:
        mask[:n_inputs, n_hidden:] = True
    return mask


class GymNetwork(RLNetwork):
    """A feed-forward reward-learning network: the inputs, ``n_hidden``
    hidden neurons, then the output neurons (the last ``n_outputs``).

    Unless given, ``n_neurons`` is ``n_hidden + n_outputs`` and, when the
    weights part takes one, ``matrix_mask`` is :func:`feed_forward_mask`
    (``hidden_connection_probability``, ``skip_connections``; a sparse mask
    is drawn from a generator seeded with ``[seed, 1]``, apart from the
    network's own), from the sizes given or the game's (a
    :class:`~spikesim.games.GymWrapper` gives ``n_inputs`` and
    ``n_outputs``). Without a rewarder, it learns from the game's reward.
    """

    PARAMS = (
        N_HIDDEN,
        Param("hidden_connection_probability", "float", 1.0, "probability that an input connects to a hidden neuron", "[0, 1]"),
        Param("skip_connections", "bool", False, "inputs also connect straight to the output neurons"),
    )

    def __init__(self, parts: Mapping[str, Any] | None = None, game: Any = None, modifiers: Iterable = (), **keys: Any) -> None:
        name = type(self).__name__
        known = dict(getattr(game, "params", None) or {})
        known.update(type(self).keys)
        known.update(keys)
        sizes = ("n_inputs", "n_outputs")
        if ("n_neurons" not in known or "matrix_mask" not in known) and all(k in known for k in sizes):
            own = {p.name: p for p in params_of(GymNetwork)}
            n_in, n_out = (own[k].check(known[k], name) for k in sizes)
            if "n_neurons" in known:
                n_hidden = own["n_neurons"].check(known["n_neurons"], name) - n_out
                if "n_hidden" in known and known["n_hidden"] != n_hidden:
                    raise ConfigError(
                        f"{name}: key 'n_hidden' expects n_neurons - n_outputs ({n_hidden}) when n_neurons is given; "
                        f"got {known['n_hidden']!r}"
                    )
            else:
                n_hidden = own["n_hidden"].check(known.get("n_hidden", N_HIDDEN.default), name)
                keys["n_neurons"] = n_hidden + n_out
            weights = {**type(self).parts, **(parts or {})}.get("weights", keys.get("weights"))
            takes_mask = any(p.name == "matrix_mask" for p in params_of(weights or object))
            if n_hidden >= 0 and takes_mask and "matrix_mask" not in known:
                keys["n_hidden"] = n_hidden
                probability = own["hidden_connection_probability"].check(known.get("hidden_connection_probability", 1.0), name)
                skip = own["skip_connections"].check(known.get("skip_connections", False), name)
                rng = None
                if probability < 1.0:
                    if known.get("seed") is None:
                        keys["seed"] = int(np.random.SeedSequence().entropy)
                    seed = own["seed"].check(keys.get("seed", known.get("seed")), name)
                    rng = np.random.default_rng([seed, 1])
                keys["matrix_mask"] = feed_forward_mask(n_in, n_hidden, n_out, probability, skip, rng)
        super().__init__(parts, game, modifiers, **keys)

    def __reduce_ex__(self, protocol: Any) -> Any:
        # Classes made by network_class() cannot be found by name: pickle
        # them as their name, parts and keys, and rebuild them.
        cls = type(self)
        if _importable(cls):
            return super().__reduce_ex__(protocol)
        return (_new_network, (cls.__name__, dict(cls.parts), dict(cls.keys)), self.__dict__)


def _importable(cls: type) -> bool:
    """Whether pickle finds ``cls`` by its module and qualified name."""
    found: Any = sys.modules.get(cls.__module__)
    for attr in cls.__qualname__.split("."):
        found = getattr(found, attr, None)
    return found is cls


_CLASSES: dict[Any, type] = {}


def _new_network(name: str, parts: dict, keys: dict) -> "GymNetwork":
    return object.__new__(_subclass(name, parts, keys))


def _subclass(name: str, parts: Mapping[str, type], keys: Mapping[str, Any]) -> type:
    """A subclass of :class:`GymNetwork` with these parts and keys (one per
    distinct name, parts and keys in a process)."""
    if name == GymNetwork.__name__ and not parts and not keys:
        return GymNetwork
    try:
        cache_key: Any = (name, tuple(sorted(parts.items())), tuple(sorted(keys.items())))
        hash(cache_key)
    except TypeError:
        cache_key = None
    if cache_key is not None and cache_key in _CLASSES:
        return _CLASSES[cache_key]
    # __qualname__ names the base, so that Network.save/load finds a class
    # to rebuild it with (load gives the parts and keys explicitly)
    cls = type(name, (GymNetwork,), {"parts": dict(parts), "keys": dict(keys), "__module__": __name__, "__qualname__": GymNetwork.__qualname__})
    if cache_key is not None:
        _CLASSES[cache_key] = cls
    return cls


def network_class(game: GymWrapper, **keys: Any) -> type:
    """The default network class for a wrapped environment: the wrapper's
    input part and readout, LIF neurons, Random weights (feed-forward), MSTDPET,
    no rewarder (the game's reward teaches it), with :data:`DEFAULT_KEYS` and
    ``keys`` over them. Its sizes come from the game it is built with."""
    if not isinstance(game, GymWrapper):
        raise ConfigError(f"network_class: expects a GymWrapper; got {game!r}")
    parts = {**game.network_parts(), "neurons": LIF, "weights": Random, "synapses": MSTDPET}
    for family in ("inputs", "neurons", "weights", "synapses", "readout", "rewarder"):
        if family in keys:
            parts[family] = keys.pop(family)
    return _subclass(f"GymNetwork[{game.env_id}]", parts, _defaults(parts, {**DEFAULT_KEYS, **keys}))


def _defaults(parts: Mapping[str, type], keys: Mapping[str, Any]) -> dict:
    """``keys`` without the default keys that no part takes (max_rate for a OneHot network...)."""
    declared = {p.name for cls in (GymNetwork, *parts.values()) for p in params_of(cls)}
    return {k: v for k, v in keys.items() if k in declared or k not in DEFAULT_KEYS}


def network_for(game: GymWrapper, **keys: Any) -> RLNetwork:
    """A default network playing ``game`` (see :func:`network_class`);
    ``keys`` over the defaults (``seed``, ``engine``, ``n_hidden``, parts
    by family name, ...)."""
    instance_keys = {k: v for k, v in keys.items() if k in ("seed", "engine")}
    class_keys = {k: v for k, v in keys.items() if k not in instance_keys}
    return network_class(game, **class_keys)(game=game, **instance_keys)


def experiment_for(
    env_id: str, episodes: int = 5, eval_episodes: int = 2, len_episode: int | None = None, *,
    trusted: bool = False, allow: Iterable[str] = (),
) -> Experiment:
    """The experiment ``gym:ENV_ID``: the default network (:func:`network_class`)
    playing ``GymWrapper(env_id)`` for ``episodes`` training and
    ``eval_episodes`` evaluation episodes of at most ``len_episode`` steps
    (default: the environment's limit, at most 500), measured by the mean
    total reward of the evaluation episodes. Not registered.

    An id ``module:Env-v0`` makes gymnasium import ``module`` (to register the
    environment): that needs ``trusted=True`` or ``allow=("module",)``, since
    ids also come from files (see :func:`spikesim.names.check_module`)."""
    if isinstance(env_id, str) and ":" in env_id:
        module = env_id.partition(":")[0]
        names.check_module(module, what=f"gym:{env_id}: refused to import {module!r}", trusted=trusted, allow=allow)
    game = GymWrapper(env_id)
    try:
        limit = game.env.spec.max_episode_steps if game.env.spec is not None else None
    finally:
        game.close()
    if len_episode is None:
        len_episode = min(limit or 500, 500)
    return Experiment(
        name=f"gym:{env_id}",
        description=f"a feed-forward LIF network with MSTDPET playing the gymnasium environment {env_id}",
        network=network_class(game),
        game=GymWrapper,
        game_params={"env": env_id},
        episodes=episodes,
        len_episode=len_episode,
        eval_episodes=eval_episodes,
        metric=mean_total_reward,
        metric_name=f"mean total reward of the evaluation episodes of {env_id}",
    )


__all__ = ["DEFAULT_KEYS", "GymNetwork", "experiment_for", "feed_forward_mask", "network_class", "network_for"]
