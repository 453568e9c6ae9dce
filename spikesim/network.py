"""Networks: parts composed into a spiking network that plays games.

A network is defined either as a subclass with ``parts`` and ``keys``::

    class XOR(RLNetwork):
        parts = {"inputs": RateMap, "neurons": Neuron, ...}
        keys = {"n_inputs": 60, ...}

    net = XOR(game=Logic(preset="XOR"), seed=0)

or by passing the parts and parameters to the constructor::

    net = RLNetwork(parts={"inputs": RateMap, ...}, n_inputs=60, ...)

The parameters of all parts (and of the game) form one flat namespace. A
value is taken from the constructor's keyword arguments, else from the class's
``keys``, else from the game's parameters, else from the declared default.
"""
from __future__ import annotations

import copy
import inspect
import json
import logging
import os
import reprlib
import secrets
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, NamedTuple

import numba as nb
import numpy as np

from spikesim import engine, files, names
from spikesim.families import FAMILIES, Modifier
from spikesim.graph import Graph, build_graph, check_memory
from spikesim.names import reference as _reference
from spikesim.params import (
    N_INPUTS,
    N_NEURONS,
    N_OUTPUTS,
    PROCESSING_TIME,
    ConfigError,
    Param,
    call_user,
    closest,
    declarations,
    describe,
    fresh_seed,
    params_of,
    resolve,
)

log = logging.getLogger("spikesim")


class SimulationError(RuntimeError):
    """A simulation that cannot go on, e.g. a weight or state became NaN or infinite."""


def _signature(cls: type) -> inspect.Signature:
    """``cls(parts=None, game=None, modifiers=(), *, FAMILY=class..., KEY=value..., **keys)``:
    the class's parts, then every key of the class and of those parts with
    the value the class gives it (its ``keys`` over the declared default;
    required keys have none), for ``help()``, IDEs and ``inspect``.
    ``**keys`` takes the keys of parts given in place of the class's."""
    P = inspect.Parameter
    classes = {family: part for family, part in cls.parts.items() if family != "modifiers" and part is not None}
    try:
        namespace = declarations({cls.__name__: cls, **{part.__name__: part for part in classes.values()}})
    except ConfigError:  # parts that disagree on a key: building the network says so
        namespace = declarations({cls.__name__: cls})
    fixed = [P("parts", P.POSITIONAL_OR_KEYWORD, default=None), P("game", P.POSITIONAL_OR_KEYWORD, default=None),
             P("modifiers", P.POSITIONAL_OR_KEYWORD, default=())]  # fmt: skip
    families = [P(family, P.KEYWORD_ONLY, default=part) for family, part in classes.items()]
    keys = [P(name, P.KEYWORD_ONLY, default=cls.keys.get(name, P.empty if param.required else param.default))
            for name, (param, _) in namespace.items()]  # fmt: skip
    return inspect.Signature([*fixed, *families, *keys, P("keys", P.VAR_KEYWORD)])


class Network:
    """A spiking network: inputs, body neurons, synapses and a readout.

    ``tick(state)`` runs one game step: the inputs encode ``state``, the
    network runs ``processing_time`` network steps (one compiled call with the
    numba engine) and the readout turns the output neurons' spikes into an
    action. See :mod:`spikesim.engine` for the order within a step.

    Parameters
    ----------
    parts
        Family name -> part class, over the class's ``parts``. A family's
        class may also be given as a keyword argument named after the family
        (``neurons=LIF``).
    game
        A game whose parameters fill keys not given otherwise.
    modifiers
        :class:`~spikesim.families.Modifier` instances (also taken from
        ``parts["modifiers"]``).
    **keys
        Parameter values, over the class's ``keys``.

    Threads. With ``threads=n`` (n >= 2) the numba engine runs the parts
    that have a parallel kernel (``LIF``'s update and background input,
    ``STDP``'s updates at pre- and postsynaptic spikes) on ``n`` of Numba's
    threads; the rest of the step stays serial. The random numbers are drawn
    serially from the network's one generator and no two threads write the
    same value, so the spikes and weights are the same, bit for bit, for
    any ``n`` (1 included). ``n`` is at most Numba's pool,
    ``NUMBA_NUM_THREADS`` (the number of cores unless set before Numba is
    imported). The default, 1, runs the serial kernels. The first tick of
    a threaded network compiles the parallel kernels (about twice the
    serial compile time, once per process with a warm cache). Threads gain
    only in large networks (each step starts its parallel loops anew: W2 of
    1,000 neurons takes 3-20 times longer on 2 threads than on 1) and with
    cores to spare: OpenMP's threads spin while they wait for each
    other, so on cores busy with other jobs a tick can take many times
    longer than on 1 thread; ``OMP_WAIT_POLICY=passive`` (set before the
    first threaded tick) makes them sleep instead (``bench/README.md``, W2).
    The numpy engine ignores ``threads``.
    """

    parts: dict[str, Any] = {}
    keys: dict[str, Any] = {}
    PARAMS = (
        N_INPUTS,
        N_NEURONS,
        N_OUTPUTS,
        PROCESSING_TIME,
        Param("seed", "int", None, "seed of the network's random generator (None: a fresh one, < 2**32)", "[0, inf)"),
        Param("engine", "str", "numba", "numba (compiled) or numpy (reference)", choices=("numba", "numpy")),
        Param(
            "threads", "int", 1,
            "threads of the numba engine (at most NUMBA_NUM_THREADS): 1 serial; more split the parts that have a "
            "parallel kernel over Numba's threads, with the same results for any number",
            "[1, inf)",
        ),
    )
    #: Families a network of this class must have.
    REQUIRED_PARTS = ("inputs", "neurons", "weights", "synapses", "readout")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.__signature__ = _signature(cls)

    def __init__(
        self,
        parts: Mapping[str, Any] | None = None,
        game: Any = None,
        modifiers: Iterable[Modifier] = (),
        **keys: Any,
    ) -> None:
        name = type(self).__name__
        classes = {**type(self).parts, **(parts or {})}
        for family in (*FAMILIES, "modifiers"):
            if family in keys:
                classes[family] = keys.pop(family)
        self.modifiers = list(classes.pop("modifiers", None) or ()) + list(modifiers)
        self._check_parts(classes)

        owners = {name: type(self), **{cls.__name__: cls for cls in classes.values()}}
        namespace = declarations(owners)
        game_params = _game_params(game)
        values = {k: v for k, v in game_params.items() if k in namespace}
        values.update(type(self).keys)
        values.update(keys)
        unknown = [k for k in values if k not in namespace]
        if unknown:
            messages = []
            for k in unknown:
                if k in game_params:
                    messages.append(f"{k!r} is a parameter of the game {type(game).__name__}; set it on the game")
                else:
                    messages.append(f"unknown key {k!r}{closest(k, namespace)}")
            raise ConfigError(f"{name}: " + "; ".join(messages))
        for modifier in self.modifiers:
            if modifier.param not in namespace:
                raise ConfigError(
                    f"{name}: modifier {type(modifier).__name__} changes unknown key {modifier.param!r}"
                    f"{closest(modifier.param, namespace)}"
                )
        missing = [(p, owner) for p, owner in namespace.values() if p.required and p.name not in values]
        if missing:
            raise ConfigError(
                f"{name}: missing required key{'s' if len(missing) > 1 else ''}: "
                + "; ".join(f"{p.name!r} ({owner}: {p.doc})" for p, owner in missing)
            )
        self.config = resolve(name, params_of(type(self)), {p.name: values[p.name] for p in params_of(type(self)) if p.name in values})
        if self.config["n_outputs"] > self.config["n_neurons"]:
            raise ConfigError(
                f"{name}: key 'n_outputs' expects at most n_neurons ({self.config['n_neurons']}); got {self.config['n_outputs']}"
            )
        n_total, steps = self.config["n_inputs"] + self.config["n_neurons"], self.config["processing_time"]
        need = n_total * (steps + BYTES_PER_NEURON) + 8 * steps
        check_memory(name, f"{n_total:,} neurons logged over {steps:,} steps (n_inputs, n_neurons, processing_time)",
                     need)  # fmt: skip
        if self.config["threads"] > nb.config.NUMBA_NUM_THREADS:
            raise ConfigError(
                f"{name}: key 'threads' expects at most {nb.config.NUMBA_NUM_THREADS}, Numba's threads in this process "
                f"(NUMBA_NUM_THREADS, set before Numba is imported); got {self.config['threads']}"
            )
        if self.config["seed"] is None:
            self.config["seed"] = fresh_seed()
        self.rng = np.random.default_rng(self.config["seed"])

        def build(family: str) -> Any:
            cls = classes[family]
            mine = {p.name: values[p.name] for p in params_of(cls) if p.name in values}
            part = cls(rng=self.rng, **mine)
            self.config.update(part.params)
            return part

        self.inputs = build("inputs")
        self.neurons = build("neurons")
        self.signs = np.concatenate([self.inputs.signs, self.neurons.signs])
        self.spike_value = np.concatenate(
            [np.full(self.n_inputs, self.inputs.magnitude), np.full(self.n_neurons, self.neurons.magnitude)]
        )
        self.weights = build("weights")
        sources, targets, w, lo, hi = self.weights.build(self.signs)
        if not np.all((lo <= w) & (w <= hi)):
            k = int(np.argmax(~((lo <= w) & (w <= hi))))
            raise ConfigError(
                f"{type(self.weights).__name__}: initial weights must lie within their bounds; "
                f"synapse ({sources[k]}, {targets[k]}) has {w[k]!r} outside [{lo[k]!r}, {hi[k]!r}]"
            )
        # Synapses from inhibitory neurons act with the opposite sign: stored
        # signed, so that plasticity acts on the weight a spike delivers.
        inhibitory = self.signs[sources] < 0
        w = _negated_where(inhibitory, w, w)
        lo, hi = _negated_where(inhibitory, hi, lo), _negated_where(inhibitory, lo, hi)
        self.graph, self.w, self.dense = build_graph(
            sources, targets, w, lo, hi, *self.weights.shape, storage=self.weights.storage
        )
        del w, lo, hi, inhibitory  # the per-synapse lists go as soon as they are laid out (peak memory)
        self.out_degree = np.bincount(sources, minlength=self.weights.shape[0])
        self.synapses = build("synapses")
        self.synapses.attach(self.graph, self.n_inputs)
        self.delays = self._make_delays(self.weights.delays(sources, targets), sources, targets)
        del sources, targets
        self.readout = build("readout")
        self.rewarder = build("rewarder") if "rewarder" in classes else None
        if game is not None and hasattr(game, "states"):
            self.inputs.check_states(list(game.states()))
        self.training = True
        self.n_ticks = 0
        self.n_resets = 0
        self.reset()
        self._check_input_channels()

    def _check_input_channels(self) -> None:
        """Neurons take one input channel, or two added into their conductances ``state.g_e`` and
        ``state.g_i`` (see :mod:`spikesim.engine`)."""
        neurons, channels = type(self.neurons).__name__, self.neurons.input_channels
        if channels not in (1, 2):
            raise ConfigError(f"{type(self).__name__}: neurons {neurons} declare input_channels = {channels!r}; expected 1 or 2")
        fields = getattr(self.neurons.state, "_fields", ())
        if channels == 2 and not {"g_e", "g_i"} <= set(fields):
            raise ConfigError(
                f"{type(self).__name__}: neurons {neurons} declare input_channels = 2, so the engine adds their input "
                f"into state.g_e and state.g_i; their state has {', '.join(fields) or 'no named fields'}"
            )

    def _make_delays(self, steps: np.ndarray | None, sources: np.ndarray, targets: np.ndarray) -> Any:
        """The :class:`~spikesim.engine.Delays` of per-synapse delays ``steps``
        (None: every delay one step, no delay machinery)."""
        if steps is None:
            return None
        synapses = type(self.synapses).__name__
        if self.synapses.arrival_kernel is None or self.synapses.arrival_reference is None:
            raise ConfigError(
                f"{type(self).__name__}: key 'delay_steps' asks for delays longer than one step, which the synapses "
                f"{synapses} do not support (they have no arrival_kernel); use delay_steps=1"
            )
        if self.dense:  # every pair stored: a pair that is not a synapse (weight 0) takes its row's smallest delay
            n_pre, n_post = self.weights.shape
            smallest = np.full(n_pre, np.iinfo(np.int64).max)
            np.minimum.at(smallest, sources, steps)
            full = np.repeat(np.where(smallest == np.iinfo(np.int64).max, 1, smallest), n_post)
            full[np.asarray(sources, np.int64) * n_post + targets] = steps
            steps = full
        plastic = (self.graph.bound_lo != self.graph.bound_hi)[self.graph.bound_id] & self.synapses.plastic
        return engine.make_delays(steps, self.graph.indptr, plastic, self.n_neurons * self.neurons.input_channels,
                                  type(self.weights).__name__)  # fmt: skip

    # ------------------------------------------------------------------ parts
    def _check_parts(self, classes: dict[str, Any]) -> None:
        name = type(self).__name__
        for family in classes:
            if family not in FAMILIES:
                raise ConfigError(f"{name}: unknown part family {family!r}{closest(family, FAMILIES)} Families: {', '.join(FAMILIES)}, modifiers")
        missing = [f for f in self.REQUIRED_PARTS if classes.get(f) is None]
        if missing:
            raise ConfigError(f"{name}: missing part{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
        for family, cls in list(classes.items()):
            if cls is None:
                del classes[family]
            elif not (isinstance(cls, type) and issubclass(cls, FAMILIES[family])):
                raise ConfigError(
                    f"{name}: part {family!r} expects a subclass of {FAMILIES[family].__name__}; got {cls!r}"
                )
        for modifier in self.modifiers:
            if not isinstance(modifier, Modifier):
                raise ConfigError(f"{name}: modifiers expects Modifier instances; got {modifier!r}")

    @classmethod
    def list_keys(cls, game: Any = None, **parts: Any) -> None:
        """Print every parameter of this network class with ``parts`` (over
        the class's ``parts``) and ``game``: name, type, the value it takes
        (the class's own ``keys`` over the declared defaults, marked ``*``),
        range or choices, the part that declares it, and its doc."""
        classes = {**cls.parts, **parts}
        classes.pop("modifiers", None)
        owners = {cls.__name__: cls, **{c.__name__: c for c in classes.values() if c is not None}}
        if game is not None:
            owners[type(game).__name__ if not isinstance(game, type) else game.__name__] = (
                game if isinstance(game, type) else type(game)
            )
        print(describe(declarations(owners).values(), values=cls.keys))

    @property
    def n_inputs(self) -> int:
        return self.config["n_inputs"]

    @property
    def n_neurons(self) -> int:
        return self.config["n_neurons"]

    @property
    def n_outputs(self) -> int:
        return self.config["n_outputs"]

    @property
    def processing_time(self) -> int:
        return self.config["processing_time"]

    @property
    def seed(self) -> int:
        return self.config["seed"]

    @property
    def engine(self) -> str:
        return self.config["engine"]

    @property
    def threads(self) -> int:
        return self.config["threads"]

    @property
    def matrix(self) -> np.ndarray:
        """The signed weight matrix (n_inputs + n_neurons, n_neurons): a view
        of the weights with dense storage, a copy (absent synapses 0) with
        sparse. Rows of inhibitory neurons hold ``-w``."""
        n_pre, n_post = self.weights.shape
        if self.dense:
            return self.w.reshape(n_pre, n_post)
        matrix = np.zeros((n_pre, n_post))
        matrix[self.graph.sources, self.graph.targets] = self.w
        return matrix

    def set_param(self, name: str, value: Any) -> None:
        """Change parameter ``name`` in every part that declares it (validated)."""
        holders = [p for p in self._parts() if name in p.params]
        if name == "delay_steps":
            raise ConfigError(f"{type(self).__name__}: key 'delay_steps' is fixed when the network is built; "
                              "build a new network to change the delays")  # fmt: skip
        if not holders:
            raise ConfigError(f"{type(self).__name__}: no part has a parameter {name!r}{closest(name, self.config)}")
        for part in holders:
            part.set_param(name, value)
        self.config[name] = holders[0].params[name]

    def _parts(self) -> list:
        return [p for p in (self.inputs, self.neurons, self.weights, self.synapses, self.readout, self.rewarder) if p is not None]

    # ------------------------------------------------------------------ running
    def reset(self) -> None:
        """Start an episode: fresh part state (potentials, traces, ...); the
        weights are kept."""
        for part in self._parts():
            part.reset()
        n_total = self.n_inputs + self.n_neurons
        self._spikes = np.zeros(n_total, dtype=np.bool_)
        self._fired = np.zeros(n_total, dtype=np.int64)
        self._n_fired = np.zeros(1, dtype=np.int64)
        self._current = np.zeros(self.n_neurons if self.neurons.input_channels == 1 else 0)  # two: into g_e, g_i
        self._log = np.zeros((self.processing_time, n_total), dtype=np.bool_)
        self._rewards = np.zeros(self.processing_time)
        if getattr(self, "delays", None) is not None:
            engine.clear_delays(self.delays)
        self.n_resets += 1

    def train(self) -> None:
        """Plasticity on (the default)."""
        self.training = True

    def eval(self) -> None:
        """Plasticity frozen: the weights do not change."""
        self.training = False

    def learner_arrays(self) -> dict[str, np.ndarray]:
        """Arrays of a subclass's own learning state, by name, that :meth:`save`
        keeps (as ``learner.<name>``) and :meth:`load` restores in place: none here."""
        return {}

    @property
    def synapses_learn(self) -> bool:
        """Whether a tick runs the synapses' rule (its traces and weight
        changes): in training. A network that keeps its eligibility elsewhere
        turns it off."""
        return self.training

    @property
    def spike_log(self) -> np.ndarray:
        """The last tick's spikes: bool (processing_time, n_inputs + n_neurons),
        inputs first, the outputs last."""
        return self._log

    def synaptic_events(self) -> int:
        """Synaptic events of the last tick: every spike counts once per
        synapse of its neuron, ``sum_t sum_j s_j(t) * out_degree_j``."""
        return int(self._log.sum(axis=0) @ self.out_degree)

    def step_reward(self) -> tuple:
        """The per-step reward: ``(kernel, reference, params, state)``; none
        for a network rewarded once per tick."""
        return engine.no_step_reward, engine.no_step_reward_reference, engine.NoParams(), engine.NoParams()

    def prepare_step_reward(self, state: Any) -> None:
        """Set the per-step reward of the coming tick from the game state."""

    def tick(self, state: Any) -> Any:
        """Run one game step on ``state`` and return the readout's action."""
        for modifier in self.modifiers:
            n = self.n_ticks if modifier.unit == "tick" else self.n_resets - 1
            self.set_param(modifier.param, modifier.value(n))
        self.inputs.encode(state)
        self.prepare_step_reward(state)
        reward_kernel, reward_reference, rw_p, rw_s = self.step_reward()
        parts = (self.inputs, self.neurons, self.synapses)
        delayed = () if self.delays is None else (self.delays,)
        if self.engine == "numba":
            run = self._compiled(reward_kernel).run_tick
            if self.threads > 1:
                run = partial(_on_threads, run, self.threads)
            args = [x for part in parts for x in (part.kernel_params(), part.state)]
        else:
            references = [self.inputs.reference, self.neurons.reference,
                          self.synapses.reference if self.delays is None else self.synapses.arrival_reference]
            run = partial(engine.run_tick_reference, kernels=references + [reward_reference], delays=self.delays)
            delayed = ()
            args = [x for part in parts for x in (part.kernel_params(), part.state)]
        finite = run(
            self.processing_time, self.synapses_learn, self.rng, self.n_inputs, *args, rw_p, rw_s,
            self.graph, self.w, self.spike_value, self._spikes, self._fired, self._n_fired,
            self._current, self._log, self._rewards, *delayed,
        )  # fmt: skip
        self.synapses.sync(self.graph, self.w)  # (finite weights and state catch up to finite weights)
        self._check_finite(ticked=finite is True)
        self.n_ticks += 1
        return self.readout(self._log[:, -self.n_outputs :])

    def _compiled(self, reward_kernel: Any = None) -> Any:
        """The compiled tick and reward for this network's kernels."""
        if reward_kernel is None:
            reward_kernel = self.step_reward()[0]
        parallel = self.threads > 1
        synapse_step = "kernel" if self.delays is None else "arrival_kernel"
        return engine.compiled(
            {
                "input_step": _kernel(self.inputs, "kernel", parallel),
                "neuron_step": _kernel(self.neurons, "kernel", parallel),
                "synapse_step": _kernel(self.synapses, synapse_step, parallel),
                "reward_step": reward_kernel,
                "synapse_reward": self.synapses.reward_kernel,
            },
            channels=self.neurons.input_channels,
            delays=self.delays is not None,
        )

    def _check_finite(self, ticked: bool = False) -> None:
        """Raise :class:`SimulationError` naming the first weight or state
        array that holds a NaN or an infinity. ``ticked``: the compiled tick
        found the weights and the states of the inputs, neurons and synapses
        finite (:func:`spikesim.engine.all_finite`), so only the other parts
        are looked at."""
        arrays = [] if ticked else [("weights", self.w)]
        for part in (self.weights, self.readout, self.rewarder) if ticked else self._parts():
            if part is not None and part.state is not None:
                for field, value in zip(part.state._fields, part.state):
                    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                        arrays.append((f"{type(part).__name__} state {field!r}", value))
        for what, array in arrays:
            if not np.isfinite(array).all():
                index = int(np.argmin(np.isfinite(array).ravel()))
                raise SimulationError(
                    f"{type(self).__name__}: {what} became {array.ravel()[index]} (element {index}) "
                    f"during tick {self.n_ticks}; the parameters drive the model out of range"
                )

    # ------------------------------------------------------------------ copies and files
    def copy(self) -> "Network":
        """An independent copy: parameters, weights, state and generator."""
        return copy.deepcopy(self)

    def save(self, path: str | os.PathLike) -> None:
        """Save to directory ``path``: ``network.json`` (classes, parameters,
        counters, generator state) and ``arrays.npz`` (weights, layout,
        polarities, part state). Callable parameters are saved by reference
        and must be module-level functions. Never pickle. Each file is
        replaced atomically (:mod:`spikesim.files`), and both carry the same
        random save token: a kill while saving leaves the old save readable,
        and a pair of files from two saves is refused by :meth:`load`."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        arrays = _arrays_of(self)
        config = {}
        for key, value in self.config.items():
            if isinstance(value, np.ndarray):
                arrays[f"config.{key}"] = value
                config[key] = {"array": f"config.{key}"}
            else:
                config[key] = _to_json(value, key)
        states = {family: list(part.state._fields) for family, part in self._named_parts().items() if part.state is not None}
        meta = {
            "format": "spikesim-network-1",
            "class": _reference(type(self)),
            "parts": {family: _reference(type(part)) for family, part in self._named_parts().items()},
            "modifiers": [{"class": _reference(type(m)), "params": {k: _to_json(v, k) for k, v in m.params.items()}} for m in self.modifiers],
            "config": config,
            "states": states,
            "training": self.training,
            "n_ticks": self.n_ticks,
            "n_resets": self.n_resets,
            "rng": self.rng.bit_generator.state,
            "save": secrets.token_hex(8),  # also in arrays.npz: load refuses a pair from two saves
        }
        arrays["save"] = np.array(meta["save"])
        text = json.dumps(meta, indent=1)
        previous = path / PREVIOUS_ARRAYS
        with files.atomic_open(path / "network.json") as f:  # renamed last: the commit point of the save
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
            if (path / "arrays.npz").exists():  # the old save stays whole until network.json is replaced
                files.second_name(path / "arrays.npz", previous)
            files.write_npz(path / "arrays.npz", arrays, compressed=False)
        previous.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: str | os.PathLike, *, trusted: bool = False, allow: Iterable[str] = ()) -> "Network":
        """Load a network saved with :meth:`save`.

        A saved network is data, safe to open: the network class, parts, modifiers and callable parameters
        it names load only when spikesim defines them, each checked to be of its kind (a ``Network``
        subclass, its family's base class, a ``Modifier`` subclass, a function) before anything is imported
        further, built or called (see :func:`spikesim.names.resolve`). A network of your own classes or
        functions loads with ``allow=("mymodule",)`` (the definitions of those modules) or
        ``trusted=True`` (anything the file names: only for files you trust, as you would a script).
        A malformed file raises :class:`~spikesim.ConfigError` naming it.
        """
        path = Path(path)
        file, npz = path / "network.json", path / "arrays.npz"
        meta = _read_meta(file)

        def named(ref: Any, kind: Any, what: str) -> Any:
            return names.resolve(ref, kind, what=f"{file}: {what}", trusted=trusted, allow=allow)

        def value(saved: Any, what: str) -> Any:
            try:
                return _from_json(saved, lambda ref: named(ref, "callable", what))
            except ConfigError:
                raise
            except (TypeError, ValueError) as error:
                raise ConfigError(f"{file}: {what} is not a saved value ({type(error).__name__}: {error})") from None

        network_class = named(meta["class"], Network, "class")
        parts = {family: named(ref, FAMILIES[family], f"part {family!r}") for family, ref in meta["parts"].items()}
        modifier_classes = [named(m["class"], Modifier, f"modifiers[{i}]") for i, m in enumerate(meta["modifiers"])]
        arrays = files.read_npz(npz)
        if "save" in meta and str(arrays.get("save", "")) != meta["save"]:
            # a save cut between its two renames leaves the previous save's arrays beside its network.json
            previous = path / PREVIOUS_ARRAYS
            arrays = files.read_npz(previous) if previous.is_file() else {}
            if str(arrays.get("save", "")) != meta["save"]:
                raise ConfigError(f"{path}: network.json and arrays.npz are of different saves; save the network again")
        config = {}
        for key, saved in meta["config"].items():
            if isinstance(saved, dict) and "array" in saved:
                if saved["array"] not in arrays:
                    raise ConfigError(f"{npz}: missing array {saved['array']!r} (config key {key!r})")
                config[key] = arrays[saved["array"]]
            else:
                config[key] = value(saved, f"config key {key!r}")
        modifier_params = [
            {k: value(v, f"modifiers[{i}] key {k!r}") for k, v in m["params"].items()}
            for i, m in enumerate(meta["modifiers"])
        ]
        # every reference is resolved and checked: only now is anything built
        modifiers = [modifier(**params) for modifier, params in zip(modifier_classes, modifier_params)]
        declared = {p.name for c in (network_class, *parts.values()) for p in params_of(c)}
        keys = {k: v for k, v in config.items() if k in declared}
        net = network_class(parts=parts, modifiers=modifiers, **keys)
        states = {f: list(part.state._fields) for f, part in net._named_parts().items() if part.state is not None}
        if meta["states"] != states:
            raise ConfigError(f"{file}: 'states' expected {states} for this network; got {meta['states']}")
        loaded = {name: _like(arrays, name, built, npz) for name, built in _arrays_of(net).items()}
        net.graph = _checked_graph(Graph(*(loaded[f"graph.{f}"] for f in Graph._fields)), net.weights.shape, npz)
        net.w, net.signs = loaded["w"], loaded["signs"]
        net.spike_value, net.out_degree = loaded["spike_value"], loaded["out_degree"]
        net.synapses.attach(net.graph, net.n_inputs)
        for family, fields in states.items():
            part = net._named_parts()[family]
            part.state = type(part.state)(*(loaded[f"state.{family}.{f}"] for f in fields))
            problem = part.state_error()
            if problem is not None:
                raise ConfigError(f"{npz}: state of part {family!r} ({type(part).__name__}): {problem}")
        for k in _NETWORK_STATE:
            setattr(net, f"_{k}", loaded[f"network.{k}"])
        if net.delays is not None:
            if loaded["delays.clock"][0] < 0:
                raise ConfigError(f"{npz}: 'delays.clock' must count steps (>= 0)")
            for k in _DELAY_STATE:
                getattr(net.delays, k)[...] = loaded[f"delays.{k}"]
        for k, array in net.learner_arrays().items():
            array[...] = loaded[f"learner.{k}"]
        n_total, n_fired = net._spikes.size, net._n_fired[0]
        if not 0 <= n_fired <= n_total or not np.all((0 <= net._fired[:n_fired]) & (net._fired[:n_fired] < n_total)):
            raise ConfigError(f"{npz}: 'network.n_fired' and 'network.fired' must count and name neurons "
                              f"(0 to {n_total - 1})")  # fmt: skip
        net.training = meta["training"]
        net.n_ticks = meta["n_ticks"]
        net.n_resets = meta["n_resets"]
        try:
            net.rng.bit_generator.state = meta["rng"]
        except (KeyError, TypeError, ValueError) as error:
            raise ConfigError(
                f"{file}: 'rng' is not a state of the network's generator ({type(error).__name__}: {error})"
            ) from None
        return net

    def _named_parts(self) -> dict[str, Any]:
        named = {f: getattr(self, f) for f in FAMILIES}
        return {f: p for f, p in named.items() if p is not None}

    def __repr__(self) -> str:
        parts = ", ".join(f"{f}={type(p).__name__}" for f, p in self._named_parts().items())
        return f"{type(self).__name__}({parts}, n_inputs={self.n_inputs}, n_neurons={self.n_neurons}, seed={self.seed})"


Network.__signature__ = _signature(Network)


def _negated_where(mask: np.ndarray, negate: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``np.where(mask, -negate, keep)`` in float64, with no temporary ``-negate``."""
    out = np.array(keep, dtype=np.float64)
    np.negative(negate, out=out, where=mask)
    return out


def _kernel(part: Any, name: str, parallel: bool) -> Any:
    """The part's kernel ``name`` (``kernel`` or ``arrival_kernel``), or with
    ``parallel`` its ``parallel_<name>`` (the same step on Numba's threads)
    when the class that defines the kernel defines one too (a subclass that
    overrides the kernel alone runs serially)."""
    owner = next((cls for cls in type(part).__mro__ if name in vars(cls)), None)
    if parallel and owner is not None and f"parallel_{name}" in vars(owner):
        return getattr(part, f"parallel_{name}")
    return getattr(part, name)


def _on_threads(run: Callable, threads: int, *args: Any) -> Any:
    """``run(*args)`` with Numba's parallel loops on ``threads`` threads."""
    before = nb.get_num_threads()
    nb.set_num_threads(threads)
    try:
        return run(*args)
    finally:
        nb.set_num_threads(before)


class RLNetwork(Network):
    """A network that learns from rewards: ``reward()`` after each tick gives
    the synapses one reward, from the ``rewarder`` or given explicitly (a
    network without rewarder learns from the rewards it is given, the game's
    for instance)."""

    def reward(
        self, state: Any, action: Any, state_next: Any = None, reward: float | None = None,
        terminated: bool = False, truncated: bool = False,
    ) -> float:  # fmt: skip
        """Reward the synapses once for the last tick and return the reward:
        ``reward`` if given, else ``rewarder(state, action, state_next)``.
        Frozen (``eval()``) networks compute the reward but do not learn.
        ``terminated``/``truncated`` (the game step ended the episode) are
        ignored here; networks that bootstrap, such as an actor-critic, use them."""
        if reward is None and self.rewarder is None:
            raise ConfigError(f"{type(self).__name__}: reward() needs a reward: the network has no rewarder")
        r = float(self.rewarder(state, action, state_next) if reward is None else reward)
        if not np.isfinite(r):
            raise SimulationError(f"{type(self).__name__}: reward must be finite; got {r}")
        if self.training:
            if self.synapses.reward_reference is None:
                raise ConfigError(
                    f"{type(self).__name__}: synapses {type(self.synapses).__name__} take no reward; "
                    "use a reward-modulated rule"
                )
            apply = self._compiled().apply_reward if self.engine == "numba" else self.synapses.reward_reference
            apply(self.synapses.kernel_params(), self.synapses.state, self.graph, self.w, r)
            self._check_finite()
        return r


def spike_reward(network: "ActiveRLNetwork", state: Any) -> tuple[float, Any]:
    """Florian's protocol: each output spike is the action 1, rewarded by
    ``rewarder(state, 1, None)``; silent steps get 0."""
    return 0.0, network.rewarder(state, 1, None)


def every_step_reward(network: "ActiveRLNetwork", state: Any) -> tuple[float, Any]:
    """Every step is rewarded with ``rewarder(state, 1, None)``, whatever the
    outputs do (Spikey's florian_rate protocol)."""
    return network.rewarder(state, 1, None), 0.0


class OutputReward(NamedTuple):
    """Per-step reward state: ``r(t) = every_step + sum_o per_spike[o] * s_o(t)``."""

    every_step: np.ndarray  # (1,)
    per_spike: np.ndarray  # (n_outputs,)


class OutputRewardParams(NamedTuple):
    first_output: int


CONTINUOUS_RWD_ACTION = Param(
    "continuous_rwd_action", "callable", spike_reward,
    "f(network, state) -> (reward every step, reward per output spike), or a bool (Spikey's: whether the network "
    "acted, rewarded every step with rewarder(state, acted, None)), called once per tick",
)  # fmt: skip


class ActiveRLNetwork(RLNetwork):
    """A network rewarded at every network step inside a tick, as Florian's
    experiments need.

    Once per tick ``continuous_rwd_action(network, state)`` returns
    ``(every_step, per_spike)``; during the tick the reward of step ``t`` is
    ``r(t) = every_step + sum_o per_spike_o * s_o(t)`` over the output neurons
    ``o`` (``per_spike`` a number or one per output), and reaches the synapses
    in the same step, after this step's pairings. :func:`spike_reward` (the
    default) and :func:`every_step_reward` are the two usual choices.

    A bool, what Spikey's ``continuous_rwd_action`` returns (whether the
    network acted), holds for the whole tick: every step is rewarded with
    ``rewarder(state, acted, None)`` (so ``True`` is :func:`every_step_reward`).
    Spikey's "the output spiked in this step" (``network.spike_log[-1, -1]``)
    would see the previous tick here: it is :func:`spike_reward` (silent
    steps get 0).
    """

    REQUIRED_PARTS = Network.REQUIRED_PARTS + ("rewarder",)
    PARAMS = (CONTINUOUS_RWD_ACTION,)

    def reset(self) -> None:
        super().reset()
        self._step_reward = OutputReward(np.zeros(1), np.zeros(self.n_outputs))

    def prepare_step_reward(self, state: Any) -> None:
        name = type(self).__name__
        function = self.config["continuous_rwd_action"]
        rewards = call_user(name, CONTINUOUS_RWD_ACTION, function, self, state)
        if isinstance(rewards, (bool, np.bool_)):  # Spikey's contract: whether the network acted
            rewards = (self.rewarder(state, bool(rewards), None), 0.0)
        try:
            every_step, per_spike = rewards
            every_step = float(every_step)
            per_spike = np.broadcast_to(np.asarray(per_spike, dtype=np.float64), (self.n_outputs,))
        except (TypeError, ValueError):
            raise ConfigError(
                f"{name}: key 'continuous_rwd_action' expects f(network, state) -> (a number, a number or "
                f"{self.n_outputs} numbers); got {reprlib.repr(rewards)} for state {state!r} "
                "(or a bool, as Spikey's: whether the network acted)"
            ) from None
        if not (np.isfinite(every_step) and np.isfinite(per_spike).all()):
            raise SimulationError(f"{type(self).__name__}: continuous_rwd_action gave a non-finite reward")
        self._step_reward.every_step[0] = every_step
        self._step_reward.per_spike[:] = per_spike

    def synaptic_events(self) -> int:
        """Synaptic events of the last tick: every spike counts once per
        synapse of its neuron, ``sum_t sum_j s_j(t) * out_degree_j``."""
        return int(self._log.sum(axis=0) @ self.out_degree)

    def step_reward(self) -> tuple:
        params = OutputRewardParams(self.n_inputs + self.n_neurons - self.n_outputs)
        return engine.output_reward_step, engine.output_reward_step_reference, params, self._step_reward

    def reward(
        self, state: Any = None, action: Any = None, state_next: Any = None, reward: float | None = None,
        terminated: bool = False, truncated: bool = False,
    ) -> float:  # fmt: skip
        """The summed reward the synapses received during the last tick
        (rewards were given step by step; nothing more is applied; the
        episode-end flags are ignored)."""
        return float(self._rewards.sum())


def _game_params(game: Any) -> dict[str, Any]:
    if game is None:
        return {}
    params = getattr(game, "params", None)
    if params is None:
        raise ConfigError(f"Network: game {game!r} declares no parameters (expected a spikesim game)")
    return dict(params)


#: Bytes per neuron of a network's own arrays and its parts' state (polarities, potentials, traces...), for
#: the estimate of :func:`~spikesim.graph.check_memory` made before anything is allocated; the spike log adds
#: one byte per neuron and step.
BYTES_PER_NEURON = 200

#: Where :meth:`Network.save` keeps the previous save's arrays until its new network.json is in place.
PREVIOUS_ARRAYS = ".arrays.previous.npz"

#: The network's own per-tick arrays, saved as ``network.<name>`` (attributes ``_<name>``).
_NETWORK_STATE = ("spikes", "fired", "n_fired", "current", "log", "rewards")
#: The running state of the synaptic delays a save keeps (spikesim.engine.Delays): the rest is rebuilt.
_DELAY_STATE = ("pending", "sent", "clock")

#: The keys of a saved network.json and their types.
_META_TYPES = {
    "format": str, "class": str, "parts": dict, "modifiers": list, "config": dict, "states": dict,
    "training": bool, "n_ticks": int, "n_resets": int, "rng": dict,
}  # fmt: skip


def _read_meta(file: Path) -> dict:
    """``network.json``, its keys and types checked (ConfigError naming the file; CorruptFileError when it
    is not JSON)."""
    meta = files.read_json(file)
    if not isinstance(meta, dict) or meta.get("format") != "spikesim-network-1":
        raise ConfigError(f"{file}: not a saved spikesim network (expected 'format': 'spikesim-network-1')")
    for key, kind in _META_TYPES.items():
        if key not in meta:
            raise ConfigError(f"{file}: missing key {key!r}")
        if not isinstance(meta[key], kind) or (kind is int and isinstance(meta[key], bool)):
            raise ConfigError(f"{file}: key {key!r} expected a JSON {_JSON_NAMES[kind]}; got {meta[key]!r}")
    unknown = [family for family in meta["parts"] if family not in FAMILIES]
    if unknown:
        raise ConfigError(f"{file}: unknown part family {unknown[0]!r}{closest(unknown[0], FAMILIES)}")
    for i, modifier in enumerate(meta["modifiers"]):
        if not (isinstance(modifier, dict) and isinstance(modifier.get("params"), dict)):
            expected = "{'class': 'module:name', 'params': {...}}"
            raise ConfigError(f"{file}: modifiers[{i}] expected {expected}; got {modifier!r}")
    return meta


_JSON_NAMES = {str: "string", dict: "object", list: "array", bool: "boolean", int: "integer"}


def _arrays_of(net: Network) -> dict[str, Any]:
    """The arrays :meth:`Network.save` writes, by name, as the network holds them."""
    arrays = {"w": net.w, "signs": net.signs, "spike_value": net.spike_value, "out_degree": net.out_degree}
    arrays.update({f"graph.{f}": v for f, v in zip(Graph._fields, net.graph)})
    for family, part in net._named_parts().items():
        if part.state is not None:
            arrays.update({f"state.{family}.{f}": v for f, v in zip(part.state._fields, part.state)})
    arrays.update({f"network.{k}": getattr(net, f"_{k}") for k in _NETWORK_STATE})
    if net.delays is not None:  # the deliveries in flight
        arrays.update({f"delays.{k}": getattr(net.delays, k) for k in _DELAY_STATE})
    arrays.update({f"learner.{k}": v for k, v in net.learner_arrays().items()})
    return arrays


def _like(arrays: Mapping[str, np.ndarray], name: str, built: Any, npz: Path) -> np.ndarray:
    """A copy of ``arrays[name]``, which must have the dtype and shape of the rebuilt network's ``built``."""
    if name not in arrays:
        raise ConfigError(f"{npz}: missing array {name!r}")
    array, built = arrays[name], np.asarray(built)
    if (array.dtype, array.shape) != (built.dtype, built.shape):
        raise ConfigError(
            f"{npz}: array {name!r} expected {built.dtype} of shape {built.shape} for this network; "
            f"got {array.dtype} of shape {array.shape}"
        )
    return array.copy()


def _checked_graph(graph: Graph, shape: tuple[int, int], npz: Path) -> Graph:
    """``graph`` if every index it holds is in range (compiled kernels do not check them), else ConfigError."""
    n_pre, n_post = shape
    n_syn, n_classes = graph.targets.size, graph.bound_lo.size

    def pointers(ptr: np.ndarray) -> bool:
        return ptr[0] == 0 and ptr[-1] == n_syn and bool(np.all(np.diff(ptr) >= 0))

    checks = {
        "indptr": pointers(graph.indptr),
        "col_ptr": pointers(graph.col_ptr),
        "targets": np.all(graph.targets < n_post),
        "sources": np.all(graph.sources < n_pre),
        "col_syn": np.all(graph.col_syn < n_syn),
        "col_src": np.all(graph.col_src < n_pre),
        "col_plastic": np.all((0 <= graph.col_plastic) & (graph.col_plastic <= np.diff(graph.col_ptr))),
        "row_plastic": np.all(np.isin(graph.row_plastic, (0, 1, 2))),
        "row_bound": np.all((-1 <= graph.row_bound) & (graph.row_bound < n_classes)),
        "bound_id": np.all(graph.bound_id < n_classes),
    }
    bad = [field for field, ok in checks.items() if not ok]
    if bad:
        raise ConfigError(f"{npz}: array 'graph.{bad[0]}' holds indices out of range for this network")
    return graph


def _to_json(value: Any, key: str) -> Any:
    """A parameter value in :meth:`Network.save`'s typed round-trip format
    (tuples, dicts, arrays and callables tagged, read back by
    :func:`_from_json`); records use the lossy :func:`spikesim.files.to_json`."""
    if callable(value):
        reference = _reference(value)
        if "<" in reference or value.__module__ == "__main__":
            raise ValueError(
                f"cannot save parameter {key!r}: {value!r} is not a module-level function "
                "(define it in an importable module to save the network)"
            )
        return {"callable": reference}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {"dict": [[_to_json(k, key), _to_json(v, key)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"tuple": [_to_json(v, key) for v in value]}
    if isinstance(value, list):
        return [_to_json(v, key) for v in value]
    if isinstance(value, np.ndarray):
        return {"ndarray": value.tolist(), "dtype": str(value.dtype)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"cannot save parameter {key!r}: {type(value).__name__} values have no JSON form")


def _from_json(value: Any, callable_named: Callable[[str], Any]) -> Any:
    """A value :func:`_to_json` wrote; ``{"callable": ref}`` becomes ``callable_named(ref)``."""
    if isinstance(value, dict):
        if "callable" in value:
            return callable_named(value["callable"])
        if "dict" in value:
            return {_from_json(k, callable_named): _from_json(v, callable_named) for k, v in value["dict"]}
        if "tuple" in value:
            return tuple(_from_json(v, callable_named) for v in value["tuple"])
        if "ndarray" in value:
            return np.array(value["ndarray"], dtype=value["dtype"])
    if isinstance(value, list):
        return [_from_json(v, callable_named) for v in value]
    return value
