"""The base class of each family of parts, and the keys they share.

A network is made of one part per family: ``inputs``, ``neurons``,
``weights``, ``synapses``, ``readout`` and (for reinforcement learning)
``rewarder``, plus any number of ``modifiers``. Each base class below states
what the network asks of its family; see :mod:`spikesim.engine` for the step
signatures.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from spikesim.graph import BYTES_PER_SYNAPSE, SPARSE_HINT, Graph, check_memory
from spikesim.params import N_INPUTS, N_NEURONS, N_OUTPUTS, REQUIRED, Param
from spikesim.parts import Part

MAGNITUDE = Param("magnitude", "float", 1.0, "value of a spike: a spike moves its targets by magnitude * weight", "(0, inf)")


def polarities(part: Part, key: str, n: int, pct_inhibitory: float) -> np.ndarray:
    """The signs (+1 or -1) of ``n`` neurons: parameter ``key`` when given,
    else ``round(pct_inhibitory * n)`` inhibitory ones chosen at random with
    the part's generator."""
    if part.params[key] is not None:
        return np.array(part.params[key], dtype=np.float64)
    signs = np.ones(n)
    signs[part.rng.choice(n, int(round(pct_inhibitory * n)), replace=False)] = -1.0
    return signs


def check_polarities(part: Part, key: str, n: int) -> None:
    """Parameter ``key`` must be None or ``n`` signs, each +1 or -1."""
    value = part.params[key]
    if value is None:
        return
    expected = f"an array of shape ({n},) of +1 and -1"
    if value.shape != (n,):
        raise part.error(key, expected, f"shape {value.shape}")
    wrong = np.flatnonzero(~np.isin(value, (-1.0, 1.0)))
    if wrong.size:
        raise part.error(key, expected, f"{value[wrong[0]]:g} at index {wrong[0]}")


class Inputs(Part):
    """Input neurons: encode a game state into spikes.

    Once per tick :meth:`encode` turns the state into the tick's input (for
    example one spike probability per input); the step kernel then emits the
    input spikes of each network step. ``input_pct_inhibitory`` of the inputs
    (chosen at random) are inhibitory: their spikes subtract.
    """

    PARAMS = (
        N_INPUTS,
        MAGNITUDE,
        Param("input_pct_inhibitory", "float", 0.0, "fraction of inputs that are inhibitory", "[0, 1]"),
        Param("input_polarities", "array", None, "explicit sign of each input, +1 or -1 (overrides input_pct_inhibitory)"),
        Param("input_firing_steps", "int", -1, "inputs fall silent after this many steps of a tick (-1: never)", "[-1, inf)"),
    )
    kernel: Callable
    reference: Callable

    def __init__(self, rng: np.random.Generator | None = None, **params: Any) -> None:
        super().__init__(rng, **params)
        self.signs = polarities(self, "input_polarities", self.n_inputs, self.input_pct_inhibitory)

    def check(self) -> None:
        check_polarities(self, "input_polarities", self.n_inputs)

    def encode(self, state: Any) -> None:
        """Set the tick's input from the game state (in ``self.state``)."""
        raise NotImplementedError

    def check_states(self, states: list) -> None:
        """Raise :class:`~spikesim.ConfigError` if a state of the game, when
        the game can list them, cannot be encoded."""


class Neurons(Part):
    """Body neurons, vectorised. The last ``n_outputs`` are the outputs.

    ``neuron_pct_inhibitory`` of them (chosen at random) are inhibitory, or
    ``polarities`` gives each neuron's sign (+1 or -1) explicitly.

    ``input_channels`` is 1 for neurons that take one summed input per step;
    neurons with 2 (conductance-based ones, with conductances ``state.g_e``
    and ``state.g_i``) get excitatory and inhibitory input apart, by the sign
    of what each synapse delivers, added into those conductances (see
    :mod:`spikesim.engine`).
    """

    input_channels: int = 1

    PARAMS = (
        N_NEURONS,
        MAGNITUDE,
        Param("neuron_pct_inhibitory", "float", 0.0, "fraction of body neurons that are inhibitory", "[0, 1]"),
        Param("polarities", "array", None, "explicit sign of each body neuron, +1 or -1 (overrides neuron_pct_inhibitory)"),
    )
    kernel: Callable
    reference: Callable

    def __init__(self, rng: np.random.Generator | None = None, **params: Any) -> None:
        super().__init__(rng, **params)
        self.signs = polarities(self, "polarities", self.n_neurons, self.neuron_pct_inhibitory)

    def check(self) -> None:
        check_polarities(self, "polarities", self.n_neurons)


#: Delays of the synapses, in network steps (see spikesim.engine's module doc).
DELAY_STEPS = Param(
    "delay_steps", "float|array", 1,
    "synaptic delay in steps, >= 1 (1: a spike reaches its targets at the next step): a whole number, a "
    "(n_inputs + n_neurons, n_neurons) matrix, or one per synapse in the order sources then targets",
    "[1, 65535]",
)  # fmt: skip


class Weights(Part):
    """Initial weights and bounds of all synapses.

    Presynaptic neurons are the inputs then the body neurons (``n_inputs +
    n_neurons`` rows); postsynaptic ones the body neurons (``n_neurons``
    columns). Each synapse has its own bounds ``min_weight <= w <=
    max_weight`` (a number, or a matrix for per-synapse bounds, which allows
    signed synapses); plasticity clips to them after every update, and a
    synapse whose bounds are equal never changes.

    A spike of an inhibitory neuron (sign -1) acts with ``-w``: the network
    stores the weights of its synapses signed (``-w`` within ``[-max_weight,
    -min_weight]``), so every plasticity rule acts on the weight a spike
    actually delivers, as Florian's signed synapses do.
    """

    PARAMS = (
        N_INPUTS,
        N_NEURONS,
        Param("max_weight", "float|array", 1.0, "upper bound of each weight (number or (n_inputs + n_neurons, n_neurons) matrix)"),
        Param("min_weight", "float|array", 0.0, "lower bound of each weight (number or matrix)"),
        Param("storage", "str", "auto", "synapse storage: dense matrix, sparse (CSR), or chosen by density", choices=("auto", "dense", "sparse")),
        DELAY_STEPS,
    )

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n_inputs + self.n_neurons, self.n_neurons)

    def build(self, signs: np.ndarray) -> tuple[np.ndarray, ...]:
        """The synapses, sorted by source then target: ``(sources, targets,
        w, lo, hi)``, weights and bounds as magnitudes. ``signs`` is the sign
        (+1 or -1) of every presynaptic neuron."""
        raise NotImplementedError

    def bounds(self, sources: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each synapse's bounds from ``min_weight`` and ``max_weight``."""
        out = []
        for key in ("min_weight", "max_weight"):
            value = np.asarray(self.params[key], dtype=np.float64)
            if value.ndim == 0:
                out.append(np.full(len(sources), float(value)))
            else:
                out.append(value[sources, targets])
        lo, hi = out
        if (lo > hi).any():
            k = int(np.argmax(lo > hi))
            raise self.error("min_weight", "bounds no larger than max_weight", f"min {lo[k]} > max {hi[k]} at synapse ({sources[k]}, {targets[k]})")
        return lo, hi

    def delays(self, sources: np.ndarray, targets: np.ndarray) -> np.ndarray | None:
        """Each synapse's delay in steps from ``delay_steps`` (int64), or None
        when every delay is one step (the default, no delay machinery)."""
        value = np.asarray(self.params["delay_steps"], dtype=np.float64)
        if value.ndim == 0:  # one delay for all: checked once, no per-synapse array unless it is not 1
            if value != np.round(value):
                raise self.error("delay_steps", "whole numbers of steps", float(value))
            return None if value == 1 or len(sources) == 0 else np.full(len(sources), int(value), dtype=np.int64)
        if value.shape == self.shape:
            steps = value[sources, targets]
        elif value.shape == (len(sources),):
            steps = value
        else:
            raise self.error(
                "delay_steps", f"a whole number, a matrix of shape {self.shape} or one delay per synapse "
                f"({len(sources)},)", f"shape {value.shape}",
            )  # fmt: skip
        if steps.size and not np.all(steps == np.round(steps)):
            k = int(np.argmax(steps != np.round(steps)))
            raise self.error("delay_steps", "whole numbers of steps", f"{steps[k]!r} at synapse ({sources[k]}, {targets[k]})")
        if steps.size == 0 or np.all(steps == 1):
            return None
        return steps.astype(np.int64)

    def check_bound_shapes(self) -> None:
        for key in ("min_weight", "max_weight"):
            value = np.asarray(self.params[key])
            if value.ndim and value.shape != self.shape:
                raise self.error(key, f"a number or a matrix of shape {self.shape}", f"shape {value.shape}")

    def check(self) -> None:
        self.check_bound_shapes()
        if self.storage == "dense":
            pairs = self.shape[0] * self.shape[1]
            check_memory(type(self).__name__, f"{pairs:,} stored pairs (storage 'dense')", pairs * BYTES_PER_SYNAPSE,
                         SPARSE_HINT)


class Synapses(Part):
    """Plasticity of the synapses (the weights themselves are the network's).

    The network calls :meth:`attach` with the synapse layout before
    :meth:`reset`. ``kernel``/``reference`` run every network step while the
    network trains; ``reward_kernel``/``reward_reference`` apply a reward
    given once per tick (``RLNetwork.reward``).
    """

    kernel: Callable
    reference: Callable
    reward_kernel: Callable | None = None
    reward_reference: Callable | None = None
    #: The step with synaptic delays (presynaptic arrivals apart from the emitted spikes, see
    #: spikesim.engine); None: the rule does not support delays longer than one step.
    arrival_kernel: Callable | None = None
    arrival_reference: Callable | None = None
    #: Whether the rule can move weights (False: the delays of a neuron's synapses may differ freely).
    plastic: bool = True

    def attach(self, graph: Graph, n_inputs: int) -> None:
        """Remember the sizes of the layout the state must match."""
        self.n_pre = len(graph.indptr) - 1
        self.n_post = len(graph.col_ptr) - 1
        self.n_syn = len(graph.targets)
        self.n_inputs = n_inputs

    def sync(self, graph: Graph, w: np.ndarray) -> None:
        """Bring up to date the weights ``w`` and the state of a rule that
        updates them lazily (see :class:`~spikesim.synapses.DASTDP`). The
        network calls it after every tick, so what is read or written between
        ticks is current. Rules that update eagerly have nothing to do."""


class Readout(Part):
    """Turns the output neurons' spike train of a tick into an action."""

    PARAMS = (N_OUTPUTS,)

    def __call__(self, spikes: np.ndarray) -> Any:
        """``spikes``: bool array (processing_time, n_outputs) -> action."""
        raise NotImplementedError


class Rewarder(Part):
    """Judges an action: ``rewarder(state, action, state_next) -> float``."""

    def __call__(self, state: Any, action: Any, state_next: Any) -> float:
        raise NotImplementedError


class Modifier(Part):
    """Changes one parameter of a network over time, by name.

    Unlike other parts a modifier is built by the user (several modifiers
    with different settings can sit in one network). The network calls
    :meth:`value` at the start of every tick, with the number of ticks (or of
    resets, ``unit="episode"``) so far, and sets the parameter to it.
    """

    PARAMS = (
        Param("param", "str", REQUIRED, "name of the parameter to change"),
        Param("unit", "str", "tick", "what the modifier counts", choices=("tick", "episode")),
    )

    def value(self, n: int) -> Any:
        raise NotImplementedError


FAMILIES: dict[str, type] = {
    "inputs": Inputs,
    "neurons": Neurons,
    "weights": Weights,
    "synapses": Synapses,
    "readout": Readout,
    "rewarder": Rewarder,
}

