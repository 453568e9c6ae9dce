"""Default networks and experiments for any gymnasium environment.

``experiment_for("Acrobot-v1")`` is the experiment ``gym:Acrobot-v1``: a
network built from the spaces of the environment (through
:class:`~spikesim.games.GymWrapper`), trained with the environment's reward,
measured by the mean return of greedy evaluation episodes. For a Discrete
action space (or a one-dimensional Box, as :data:`ACTION_BINS` preferred
values) it is the spiking actor-critic :class:`GymActorCritic` (see
:func:`actor_critic_class`: a critic whose firing is V(s) and the TD error
as the modulator of MSTDPET), trained until the environment's own solve
threshold is reached by the classic count (or for ``episodes``); for other
action spaces, the feed-forward MSTDPET network :class:`GymNetwork` (see
:func:`network_class`). A finite observation space (Discrete; a Tuple of
Discretes, MultiDiscrete or MultiBinary of at most :data:`MAX_JOINT_STATES`
values, coded jointly) with a Discrete action space gets the spiking
Q-learner instead (:class:`GymQNetwork`, :func:`q_class`: the machinery,
keys and schedule of :mod:`spikesim.experiments.discrete`): Taxi-v4,
FrozenLake-v1 and Blackjack-v1 learn with it (their figures are on the
page "Discrete worlds"). These experiments are made on demand and not
registered.

>>> from spikesim.experiments.gym import experiment_for
>>> experiment = experiment_for("FrozenLake-v1")
>>> experiment.name, experiment.network.parts["inputs"].__name__, experiment.network.__name__
('gym:FrozenLake-v1', 'OneHot', 'GymQNetwork[FrozenLake-v1]')
>>> outcome = experiment.run(seed=0, episodes=1, eval_episodes=1, len_episode=5, progress=False)
>>> 1 <= outcome.results.episodes[-1]["steps"] <= 5
True
"""
from __future__ import annotations

import sys
from typing import Any, Iterable, Mapping

import numpy as np

from gymnasium import spaces

from spikesim import names
from spikesim.actor_critic import ActorCriticNetwork
from spikesim.experiments.control import (
    ACROBOT_HOLD, ACROBOT_KEYS, ACTOR_PER_ACTION, CONTROL_KEYS, LUNARLANDER_KEYS, N_CRITIC, PENDULUM_KEYS,
    input_mask,
)
from spikesim.experiments.discrete import BY_ENV, DISCRETE_KEYS, DISCRETE_PARTS, PER_ACTION, q_sizes
from spikesim.experiments.registry import Experiment, mean_total_reward
from spikesim.games import GymWrapper
from spikesim.inputs import FourierFeatures
from spikesim.network import RLNetwork
from spikesim.neurons import LIF, EscapeNoise
from spikesim.params import ConfigError, Param, fresh_seed, params_of
from spikesim.synapses import MSTDPET
from spikesim.value_learning import QNetwork
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


class _MadeClass:
    """Classes made by :func:`network_class` and :func:`actor_critic_class`
    cannot be found by name: pickle their instances as the class's name,
    base, parts and keys, and rebuild the class."""

    def __reduce_ex__(self, protocol: Any) -> Any:
        cls = type(self)
        if _importable(cls):
            return super().__reduce_ex__(protocol)
        base = next(b for b in cls.__mro__ if b.__name__ in _BASES)
        return (_new_network, (cls.__name__, base.__name__, dict(cls.parts), dict(cls.keys)), self.__dict__)


class GymNetwork(_MadeClass, RLNetwork):
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
                        keys["seed"] = fresh_seed()
                    seed = own["seed"].check(keys.get("seed", known.get("seed")), name)
                    rng = np.random.default_rng([seed, 1])
                keys["matrix_mask"] = feed_forward_mask(n_in, n_hidden, n_out, probability, skip, rng)
        super().__init__(parts, game, modifiers, **keys)



def _importable(cls: type) -> bool:
    """Whether pickle finds ``cls`` by its module and qualified name."""
    found: Any = sys.modules.get(cls.__module__)
    for attr in cls.__qualname__.split("."):
        found = getattr(found, attr, None)
    return found is cls


_CLASSES: dict[Any, type] = {}


def _new_network(name: str, base: str, parts: dict, keys: dict) -> Any:
    return object.__new__(_subclass(name, parts, keys, _BASES[base]))


def _subclass(name: str, parts: Mapping[str, type], keys: Mapping[str, Any], base: type) -> type:
    """A subclass of ``base`` (:class:`GymNetwork` or :class:`GymActorCritic`)
    with these parts and keys (one per distinct name, base, parts and keys
    in a process)."""
    if name == base.__name__ and not parts and not keys:
        return base
    try:
        cache_key: Any = (name, base, tuple(sorted(parts.items())), tuple(sorted(keys.items())))
        hash(cache_key)
    except TypeError:
        cache_key = None
    if cache_key is not None and cache_key in _CLASSES:
        return _CLASSES[cache_key]
    # __qualname__ names the base, so that Network.save/load finds a class
    # to rebuild it with (load gives the parts and keys explicitly)
    cls = type(name, (base,), {"parts": dict(parts), "keys": dict(keys), "__module__": __name__, "__qualname__": base.__qualname__})
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
    return _subclass(f"GymNetwork[{game.env_id}]", parts, _defaults(parts, {**DEFAULT_KEYS, **keys}), GymNetwork)


def _defaults(parts: Mapping[str, type], keys: Mapping[str, Any]) -> dict:
    """``keys`` without the default keys that no part takes (max_rate for a OneHot network...)."""
    declared = {p.name for cls in (GymNetwork, *parts.values()) for p in params_of(cls)}
    return {k: v for k, v in keys.items() if k in declared or k not in DEFAULT_KEYS}


class GymActorCritic(_MadeClass, ActorCriticNetwork):
    """The spiking actor-critic (:class:`~spikesim.ActorCriticNetwork`)
    sized from its game: ``n_critic`` critic neurons then the actor (the
    wrapper's ``n_outputs``, ``outputs_per_group`` per action), so unless
    given ``n_neurons`` is ``n_critic + n_outputs`` and ``matrix_mask``
    connects every input to every body neuron and nothing else
    (:func:`~spikesim.experiments.control.input_mask`)."""

    def __init__(self, parts: Mapping[str, Any] | None = None, game: Any = None, modifiers: Iterable = (), **keys: Any) -> None:
        known = {**dict(getattr(game, "params", None) or {}), **type(self).keys, **keys}
        own = {p.name: p for p in params_of(GymActorCritic)}
        name = type(self).__name__
        if all(k in known for k in ("n_inputs", "n_outputs", "n_critic")):
            if "n_neurons" not in known:
                keys["n_neurons"] = own["n_critic"].check(known["n_critic"], name) + own["n_outputs"].check(known["n_outputs"], name)
            if "matrix_mask" not in known:
                n_neurons = own["n_neurons"].check(keys.get("n_neurons", known.get("n_neurons")), name)
                keys["matrix_mask"] = input_mask(own["n_inputs"].check(known["n_inputs"], name), n_neurons)
        super().__init__(parts, game, modifiers, **keys)


class GymQNetwork(_MadeClass, QNetwork):
    """The spiking Q-learner (:class:`~spikesim.value_learning.QNetwork`)
    made by :func:`q_class` for a wrapped environment. With a joint code
    (``obs_nvec``) and unless given, ``n_inputs`` is ``prod(obs_nvec)``
    times the game's ``inputs_per_value`` (the wrapper's own ``n_inputs``
    is its code per part's)."""

    def __init__(self, parts: Mapping[str, Any] | None = None, game: Any = None, modifiers: Iterable = (), **keys: Any) -> None:
        known = {**dict(getattr(game, "params", None) or {}), **type(self).keys, **keys}
        if known.get("obs_nvec") is not None and "n_inputs" not in type(self).keys and "n_inputs" not in keys:
            keys["n_inputs"] = int(np.prod(known["obs_nvec"])) * int(known.get("inputs_per_value", 1))
        super().__init__(parts, game, modifiers, **keys)


#: Base classes of the made classes, by name (for pickling).
_BASES = {cls.__name__: cls for cls in (GymNetwork, GymActorCritic, GymQNetwork)}

#: Inputs of the Fourier basis of a Box observation at most (a larger space gets the wrapper's PopulationCode).
MAX_FOURIER_INPUTS = 256
#: Preferred values of a one-dimensional Box action for the default actor-critic (the wrapper's ``action_bins``).
ACTION_BINS = 5
#: The keys of a default actor-critic over :data:`~spikesim.experiments.control.CONTROL_KEYS`.
ACTOR_CRITIC_KEYS: dict[str, Any] = {"n_critic": N_CRITIC, "on_rate": 0.2}


#: Environments whose default actor-critic is not derived from the spaces alone, by id: its network keys
#: (over the defaults) and the wrapper's parameters. Acrobot-v1's observation holds both angles as (cos, sin)
#: pairs and velocity bounds far wider than episodes visit, and a new action at every step rarely reaches
#: the goal: it gets acrobot-ac's network (:data:`~spikesim.experiments.control.ACROBOT_KEYS`) and holds
#: each action for :data:`~spikesim.experiments.control.ACROBOT_HOLD` steps. Pendulum-v1 gets pendulum-ac's
#: critic read from its drive (:data:`~spikesim.experiments.control.PENDULUM_KEYS`): greedy -525.6 and -601.0
#: on seeds 0 and 1 (read from the last weights, before the averaged greedy weights), against -1438 and -1430
#: with the spike-count critic. LunarLander-v3's velocity and
#: angle bounds leave the features nearly constant: it gets lunarlander-ac's ranges and learner
#: (:data:`~spikesim.experiments.control.LUNARLANDER_KEYS`; its training stayed at a random policy's level
#: with the space's bounds).
TUNED: dict[str, dict[str, dict[str, Any]]] = {
    "Acrobot-v1": {"keys": ACROBOT_KEYS, "game": {"action_repeat": ACROBOT_HOLD}},
    "Pendulum-v1": {"keys": PENDULUM_KEYS},
    "LunarLander-v3": {"keys": LUNARLANDER_KEYS},
}


def fourier_order(n_dims: int, max_inputs: int = MAX_FOURIER_INPUTS) -> int | None:
    """The highest order ``n`` (at most 2) whose Fourier basis of ``n_dims``
    dimensions has at most ``max_inputs`` features, ``(n + 1)^n_dims``;
    None when even order 1 has more.

    >>> fourier_order(4), fourier_order(6), fourier_order(8), fourier_order(9)
    (2, 1, 1, None)
    """
    for order in (2, 1):
        if (order + 1) ** n_dims <= max_inputs:
            return order
    return None


def actor_critic_class(game: GymWrapper, **keys: Any) -> type:
    """The default network class for a wrapped environment with a Discrete
    action space: :class:`GymActorCritic` with escape-noise neurons, Random
    signed weights from the inputs only, MSTDPET (causal window) modulated by
    the TD error of the game's reward, and the wrapper's TopAction readout,
    with :data:`~spikesim.experiments.control.CONTROL_KEYS`,
    :data:`ACTOR_CRITIC_KEYS` and ``keys`` over them (parts by family name).

    A Box observation of ``m`` values is encoded by its Fourier basis
    (:class:`~spikesim.inputs.FourierFeatures`, order
    :func:`fourier_order`) over the wrapper's ranges: the space's bounds,
    with ``-obs_clip``/``+obs_clip`` (5 by default) for infinite ones; a
    larger Box, or any other observation space, by the wrapper's input part.
    The game must be made with ``outputs_per_group`` =
    :data:`~spikesim.experiments.control.ACTOR_PER_ACTION` (as
    :func:`experiment_for` makes it). An environment of :data:`TUNED` gets
    its keys there over these (``keys`` over all)."""
    if not isinstance(game, GymWrapper):
        raise ConfigError(f"actor_critic_class: expects a GymWrapper; got {game!r}")
    if not isinstance(game.action_space, spaces.Discrete):
        raise ConfigError(f"actor_critic_class: expects a Discrete action space (or a one-dimensional Box read "
                          f"with the wrapper's action_bins); {game.env_id} has {game.env.action_space} "
                          "(use network_class)")  # fmt: skip
    parts = {**game.network_parts(), "neurons": EscapeNoise, "weights": Random, "synapses": MSTDPET}
    defaults = {**CONTROL_KEYS, **ACTOR_CRITIC_KEYS}
    space = game.observation_space
    order = fourier_order(int(np.prod(space.shape))) if isinstance(space, spaces.Box) else None
    if order is not None and "inputs" not in keys:  # the ranges come from the game: obs_low, obs_high
        parts["inputs"] = FourierFeatures
        defaults.update(n_inputs=(order + 1) ** int(np.prod(space.shape)), fourier_order=order)
    for family in ("inputs", "neurons", "weights", "synapses", "readout", "rewarder"):
        if family in keys:
            parts[family] = keys.pop(family)
    keys = {**TUNED.get(game.env_id, {}).get("keys", {}), **keys}
    declared = {p.name for cls in (GymActorCritic, *parts.values()) for p in params_of(cls)}
    values = {k: v for k, v in {**defaults, **keys}.items() if k in declared or k in keys}
    return _subclass(f"GymActorCritic[{game.env_id}]", parts, values, GymActorCritic)


#: Combinations of values a Tuple, MultiDiscrete or MultiBinary observation may have at most for the
#: Q-learner's joint code (one input per combination); a larger one gets the actor-critic.
MAX_JOINT_STATES = 4096


def joint_sizes(space: spaces.Space) -> list[int] | None:
    """The number of values of each part of a finite observation space whose
    values start at 0, as the joint code (:class:`~spikesim.inputs.OneHot`
    with ``obs_nvec``) takes them: ``[n]`` for Discrete(n), ``nvec`` for a
    MultiDiscrete, ``[2] * n`` for MultiBinary(n), one ``n`` per element for a
    Tuple of Discretes; None for another space, or one with more than
    :data:`MAX_JOINT_STATES` combinations (but a Discrete: one input per value
    either way).

    >>> joint_sizes(spaces.Tuple((spaces.Discrete(32), spaces.Discrete(11), spaces.Discrete(2))))
    [32, 11, 2]
    >>> joint_sizes(spaces.Discrete(500)), joint_sizes(spaces.MultiBinary(13)), joint_sizes(spaces.Box(0, 1, (2,)))
    ([500], None, None)
    """
    if isinstance(space, spaces.Discrete):
        sizes, starts = [int(space.n)], [int(space.start)]
        return sizes if starts == [0] else None
    if isinstance(space, spaces.MultiDiscrete):
        sizes, starts = np.ravel(space.nvec).astype(int).tolist(), np.ravel(space.start).tolist()
    elif isinstance(space, spaces.MultiBinary):
        sizes = [2] * int(np.prod(space.shape))
        starts = [0] * len(sizes)
    elif isinstance(space, spaces.Tuple) and space.spaces and all(isinstance(e, spaces.Discrete) for e in space.spaces):
        sizes, starts = [int(e.n) for e in space.spaces], [int(e.start) for e in space.spaces]
    else:
        return None
    return sizes if not any(starts) and int(np.prod(sizes)) <= MAX_JOINT_STATES else None


def q_class(game: GymWrapper, **keys: Any) -> type:
    """The default network class for a wrapped environment with a finite
    observation space (:func:`joint_sizes`) and a Discrete action space:
    :class:`GymQNetwork`, the spiking Q-learner of
    :mod:`spikesim.experiments.discrete` (its parts,
    :data:`~spikesim.experiments.discrete.DISCRETE_KEYS`, then the network
    keys of the world's registered experiment in
    :data:`~spikesim.experiments.discrete.BY_ENV`, then ``keys``), with
    ``n_actions`` groups of ``outputs_per_group`` neurons (the game must be
    made with :data:`~spikesim.experiments.discrete.PER_ACTION`, as
    :func:`experiment_for` makes it). A Discrete observation is the wrapper's
    OneHot code; another is coded jointly, ``inputs_per_value`` inputs per
    combination of its parts' values (OneHot with ``obs_nvec``).

    >>> game = GymWrapper("Blackjack-v1", outputs_per_group=10)
    >>> net = q_class(game)(game=game, seed=0)
    >>> net.n_inputs, net.n_outputs, net.inputs.nvec.tolist(), net.inputs.value((14, 10, 1))
    (704, 20, [32, 11, 2], 329)
    """
    if not isinstance(game, GymWrapper):
        raise ConfigError(f"q_class: expects a GymWrapper; got {game!r}")
    sizes = joint_sizes(game.observation_space)
    if sizes is None or not isinstance(game.action_space, spaces.Discrete):
        raise ConfigError(f"q_class: expects a finite observation space (see joint_sizes) and a Discrete action "
                          f"space; {game.env_id} has {game.observation_space} and {game.env.action_space} "
                          "(use actor_critic_class)")  # fmt: skip
    n_actions, per_group = int(game.params["n_actions"]), int(game.params["outputs_per_group"])
    if per_group != PER_ACTION:
        raise ConfigError(f"q_class: expects a game made with outputs_per_group={PER_ACTION}; got {per_group}")
    derived = q_sizes(n_actions)
    if not isinstance(game.observation_space, spaces.Discrete):
        derived.update(n_states=int(np.prod(sizes)), obs_nvec=sizes)
    tuned = {k: v for k, v in (BY_ENV[game.env_id].network.keys if game.env_id in BY_ENV else {}).items()
             if k != "n_inputs"}  # the inputs come from the game (inputs_per_value)
    parts = dict(DISCRETE_PARTS)
    for family in ("inputs", "neurons", "weights", "synapses", "readout", "rewarder"):
        if family in keys:
            parts[family] = keys.pop(family)
    values = {**DISCRETE_KEYS, **tuned, **derived, **keys}
    return _subclass(f"GymQNetwork[{game.env_id}]", parts, values, GymQNetwork)


def network_for(game: GymWrapper, **keys: Any) -> RLNetwork:
    """A default network playing ``game`` (see :func:`network_class`);
    ``keys`` over the defaults (``seed``, ``engine``, ``n_hidden``, parts
    by family name, ...)."""
    instance_keys = {k: v for k, v in keys.items() if k in ("seed", "engine")}
    class_keys = {k: v for k, v in keys.items() if k not in instance_keys}
    return network_class(game, **class_keys)(game=game, **instance_keys)


def experiment_for(
    env_id: str, episodes: int | None = None, eval_episodes: int | None = None, len_episode: int | None = None, *,
    trusted: bool = False, allow: Iterable[str] = (),
) -> Experiment:
    """The experiment ``gym:ENV_ID``: for a finite observation space
    (:func:`joint_sizes`) and a Discrete action space, the spiking Q-learner
    (:func:`q_class`) trained for at most ``episodes`` (default: the
    episodes of the world's experiment in
    :data:`~spikesim.experiments.discrete.BY_ENV`, else 2000) and stopped
    once solved by the classic count when the environment declares a
    ``reward_threshold``, then ``eval_episodes`` greedy evaluation episodes
    (default: the experiment's, else 100); for another Discrete action
    space, or a one-dimensional Box read as :data:`ACTION_BINS` preferred
    values (the wrapper's ``action_bins``), the default actor-critic
    (:func:`actor_critic_class`), the same way for at most 500 episodes,
    then 20 greedy ones; for other
    action spaces, the feed-forward network (:func:`network_class`) for
    ``episodes`` (default 5) and ``eval_episodes`` (default 2). Episodes last
    at most ``len_episode`` steps (default: the environment's limit, at most
    500). The metric is the mean return of the evaluation episodes, and the
    target the environment's ``reward_threshold``. An environment of
    :data:`TUNED` gets its network keys and wrapper parameters from there.
    Not registered.

    An id ``module:Env-v0`` makes gymnasium import ``module`` (to register the
    environment): that needs ``trusted=True`` or ``allow=("module",)``, since
    ids also come from files (see :func:`spikesim.names.check_module`)."""
    if isinstance(env_id, str) and ":" in env_id:
        module = env_id.partition(":")[0]
        names.check_module(module, what=f"gym:{env_id}: refused to import {module!r}", trusted=trusted, allow=allow)
    probe = GymWrapper(env_id)
    try:
        spec = probe.env.spec
        limit = spec.max_episode_steps if spec is not None else None
        threshold = spec.reward_threshold if spec is not None else None
        space = probe.env.action_space
        binned = isinstance(space, spaces.Box) and int(np.prod(space.shape)) == 1
        discrete = isinstance(space, spaces.Discrete) or binned
        tabular = isinstance(space, spaces.Discrete) and joint_sizes(probe.observation_space) is not None
        per_group = {"outputs_per_group": PER_ACTION if tabular else ACTOR_PER_ACTION} if discrete else {}
        game_params = {"env": env_id, **per_group, **({"action_bins": ACTION_BINS} if binned else {}),
                       **(TUNED.get(env_id, {}).get("game", {}) if discrete else {})}  # fmt: skip
        game = GymWrapper(env_id, **{k: v for k, v in game_params.items() if k != "env"}) if discrete else probe
        network = q_class(game) if tabular else actor_critic_class(game) if discrete else network_class(game)
    finally:
        probe.close()
        if discrete:
            game.close()
    if len_episode is None:
        len_episode = min(limit or 500, 500)
    if tabular:
        what = "a spiking Q-learner (escape-noise neurons, MSTDPET modulated by the Q-learning TD error)"
        known = BY_ENV.get(env_id)
        default_episodes, default_eval = (known.episodes, known.eval_episodes) if known else (2000, 100)
        schedule = {"episodes": default_episodes if episodes is None else episodes,
                    "eval_episodes": default_eval if eval_episodes is None else eval_episodes}
    elif discrete:
        what = "a spiking actor-critic (escape-noise neurons, MSTDPET modulated by the TD error)"
        schedule = {"episodes": 500 if episodes is None else episodes, "eval_episodes": 20 if eval_episodes is None else eval_episodes}
    else:
        what = "a feed-forward LIF network with MSTDPET"
        schedule = {"episodes": 5 if episodes is None else episodes, "eval_episodes": 2 if eval_episodes is None else eval_episodes}
    return Experiment(
        name=f"gym:{env_id}",
        description=f"{what} playing the gymnasium environment {env_id}",
        network=network,
        game=GymWrapper,
        game_params=game_params,
        len_episode=len_episode,
        metric=mean_total_reward,
        metric_name=f"mean return of the {'greedy ' if discrete else ''}evaluation episodes of {env_id}",
        target=None if threshold is None else float(threshold),
        solve_threshold=None if threshold is None or not discrete else float(threshold),
        **schedule,
    )


__all__ = [
    "ACTION_BINS", "ACTOR_CRITIC_KEYS", "DEFAULT_KEYS", "MAX_JOINT_STATES", "TUNED", "GymActorCritic", "GymNetwork",
    "GymQNetwork", "actor_critic_class", "experiment_for", "feed_forward_mask", "fourier_order", "joint_sizes",
    "network_class", "network_for", "q_class",
]  # fmt: skip
