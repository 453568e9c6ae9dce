"""Any registered gymnasium environment, played through a spiking network.

:class:`GymWrapper` chooses an input part that encodes the environment's
observations and a readout whose output it decodes into the environment's
actions, from the two spaces:

====================  ===========================================================
observation space     input part (keys it gets from the wrapper)
====================  ===========================================================
Box                   PopulationCode (n_inputs, obs_low, obs_high)
Discrete              OneHot (n_inputs, n_states)
MultiDiscrete         MultiOneHot (n_inputs, obs_nvec)
MultiBinary           RateMap (n_inputs, state_rate_map)
Tuple, Dict           CompositeCode (n_inputs, obs_leaves): each leaf space (any
                      nesting of Tuple and Dict) encoded as above, concatenated
====================  ===========================================================

====================  ===========================================================
action space          readout -> action
====================  ===========================================================
Discrete(n)           TopAction over n groups -> the group's index
Box                   NeuronRates, one group per dimension -> low + (high - low) * rate / full_rate
Box, one dimension    with action_bins = n: TopAction over n groups -> the top group's preferred value
MultiDiscrete(nvec)   NeuronRates, one group per value of each dimension -> each dimension's top group
MultiBinary(n)        as MultiDiscrete([2] * n)
====================  ===========================================================
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any, Callable, Mapping

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.utils import RecordConstructorArgs, seeding

from spikesim.families import Inputs, Readout
from spikesim.games.game import Game
from spikesim.inputs import OneHot, PopulationCode, RateMap
from spikesim.inputs.rates import RateInputs
from spikesim.params import REQUIRED, ConfigError, Param, call_user
from spikesim.readouts import NeuronRates, TopAction

_ONE_HOT = {p.name: p for p in OneHot.PARAMS}
_POPULATION_CODE = {p.name: p for p in PopulationCode.PARAMS}

# The wrapper's encoder keys that CompositeCode shares (one Param each: a network's namespace takes both).
INPUTS_PER_DIM = Param("inputs_per_dim", "int", 8, "inputs of a PopulationCode per Box observation dimension", "[1, inf)")
INPUTS_PER_VALUE = Param("inputs_per_value", "int", 1, "inputs per discrete observation value (OneHot, MultiOneHot) or per MultiBinary bit", "[1, inf)")
BINARY_RATES = Param("binary_rates", "array", (0.0, 0.5), "spike probabilities per step of a MultiBinary input for a bit 0 and a bit 1", "[0, 1]")


class MultiOneHot(RateInputs):
    """One group of inputs per value of each dimension of a discrete vector.

    The observation is a vector of ``m`` integers, ``x_d`` in
    ``range(obs_nvec[d])``. The inputs form ``N = sum(obs_nvec)`` contiguous
    groups of ``g = n_inputs / N``, dimension by dimension (the groups of
    dimension ``d`` start at group ``o_d = obs_nvec[0] + ... +
    obs_nvec[d-1]``). The inputs of the groups ``o_d + x_d`` spike with
    probability ``on_rate`` per step, all others with ``off_rate``.

    Examples
    --------
    >>> inputs = MultiOneHot(n_inputs=5, obs_nvec=[2, 3], on_rate=0.5)
    >>> inputs.rates([1, 0]).tolist()
    [0.0, 0.5, 0.5, 0.0, 0.0]
    """

    PARAMS = (
        Param("obs_nvec", "array", REQUIRED, "number of values of each dimension of a discrete observation vector", "[1, inf)"),
        _ONE_HOT["on_rate"],
        _ONE_HOT["off_rate"],
    )

    def check(self) -> None:
        nvec = np.ravel(self.obs_nvec)
        if nvec.size == 0 or not all(float(n).is_integer() for n in nvec):
            raise self.error("obs_nvec", "positive integers", repr(self.obs_nvec))
        self.nvec = nvec.astype(np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.nvec)[:-1]])
        total = int(self.nvec.sum())
        if self.n_inputs % total:
            raise self.error("n_inputs", f"a multiple of sum(obs_nvec) = {total}", self.n_inputs)

    def rates(self, state: Any) -> np.ndarray:
        x = np.ravel(np.asarray(state))
        if (
            x.shape != self.nvec.shape
            or not np.issubdtype(x.dtype, np.number)
            or not all(float(v).is_integer() for v in x)
            or (x < 0).any()
            or (x >= self.nvec).any()
        ):
            raise ConfigError(
                f"MultiOneHot: expects an observation of {self.nvec.size} integers below {self.nvec.tolist()}; got {state!r}"
            )
        g = self.n_inputs // int(self.nvec.sum())
        rates = np.full(self.n_inputs, self.off_rate)
        for start in (self.offsets + x.astype(np.int64)) * g:
            rates[start : start + g] = self.on_rate
        return rates


#: The leaf spaces :class:`CompositeCode` encodes (the spaces of gymnasium's flattening that are not Tuple or Dict).
LEAF_KINDS = ("Box", "Discrete", "MultiDiscrete", "MultiBinary")


class CompositeCode(RateInputs):
    """A Tuple or Dict observation (nested to any depth) encoded leaf by leaf.

    ``obs_leaves`` lists the leaf spaces in the order of gymnasium's
    :func:`~gymnasium.spaces.flatten` (a Tuple's elements in order, a Dict's
    values in the order of its keys, which :class:`~gymnasium.spaces.Dict`
    sorts), each as ``(path, kind, *bounds)``:

    - ``(path, "Discrete", n, start)``: an integer ``x`` in ``[start, start + n)``;
    - ``(path, "MultiDiscrete", nvec, start)``: ``m`` integers, ``x_d`` in
      ``[start_d, start_d + nvec_d)`` (``nvec`` and ``start`` flattened);
    - ``(path, "MultiBinary", n)``: ``n`` bits (flattened);
    - ``(path, "Box", low, high)``: ``m`` numbers, with finite bounds
      ``low_d < high_d`` (flattened).

    ``path`` holds the Tuple indices and Dict keys that lead from the
    observation to the leaf's value, ``obs[path[0]][path[1]]...``
    (:class:`GymWrapper` derives ``obs_leaves`` from the space). The inputs
    are the leaves' blocks one after the other, each laid out as the
    wrapper's default encoder of that space lays it out, with
    ``k = inputs_per_value`` and ``g = inputs_per_dim``:

    - Discrete, ``n k`` inputs (OneHot): input ``j`` at ``on_rate`` if
      ``j // k == x - start``, else at ``off_rate``;
    - MultiDiscrete, ``k sum(nvec)`` inputs (MultiOneHot): groups of ``k``,
      dimension after dimension; the group ``x_d - start_d`` of each
      dimension ``d`` at ``on_rate``, the others at ``off_rate``;
    - MultiBinary, ``n k`` inputs (RateMap): input ``j`` at
      ``binary_rates[b]``, ``b`` the bit ``j mod n``;
    - Box, ``m g`` inputs (PopulationCode): input ``j`` at
      ``max_rate exp(-(x_d - mu_j)^2 / (2 sigma_d^2))`` with ``d = j // g``,
      the ``mu`` of dimension ``d`` evenly spaced over ``[low_d, high_d]``
      and ``sigma_d = width (high_d - low_d) / max(g - 1, 1)``;

    so ``n_inputs`` is the sum of the blocks' sizes. With ``k = 1``,
    ``on_rate = 1``, ``off_rate = 0`` and ``binary_rates = (0, 1)`` the rates
    of a space without Box leaves are exactly
    ``gymnasium.spaces.flatten(space, obs)``. ``slices`` holds each leaf's
    slice of the inputs.

    Examples
    --------
    Blackjack's (player sum, dealer card, usable ace), encoded as
    ``GymWrapper("Blackjack-v1")`` encodes it (here with ``on_rate=0.5``):

    >>> leaves = (((0,), "Discrete", 32, 0), ((1,), "Discrete", 11, 0), ((2,), "Discrete", 2, 0))
    >>> inputs = CompositeCode(n_inputs=45, obs_leaves=leaves, on_rate=0.5)
    >>> np.flatnonzero(inputs.rates((14, 10, 1))).tolist()  # 14, 32 + 10, 32 + 11 + 1
    [14, 42, 44]

    A Dict of a Box (2 inputs per dimension) and 2 bits:

    >>> leaves = ((("bits",), "MultiBinary", 2), (("pos",), "Box", [0.0], [1.0]))
    >>> inputs = CompositeCode(n_inputs=4, obs_leaves=leaves, inputs_per_dim=2, binary_rates=[0.0, 0.5], max_rate=0.5)
    >>> inputs.rates({"pos": [1.0], "bits": [0, 1]}).round(3).tolist()
    [0.0, 0.5, 0.303, 0.5]
    """

    PARAMS = (
        Param("obs_leaves", "any", REQUIRED, "the leaf spaces of a Tuple/Dict observation, in flattening order: (path, kind, *bounds) each"),
        INPUTS_PER_DIM,
        INPUTS_PER_VALUE,
        BINARY_RATES,
        _ONE_HOT["on_rate"],
        _ONE_HOT["off_rate"],
        _POPULATION_CODE["max_rate"],
        _POPULATION_CODE["width"],
    )

    def check(self) -> None:
        leaves = self.obs_leaves
        if not isinstance(leaves, (list, tuple)) or not leaves:
            raise self.error("obs_leaves", "a non-empty sequence of leaves (path, kind, *bounds)", repr(leaves))
        binary = np.ravel(self.binary_rates)
        if binary.size != 2:
            raise self.error("binary_rates", "2 probabilities (for a bit 0 and a bit 1)", repr(self.binary_rates))
        self.leaves = [self._leaf(i, leaf) for i, leaf in enumerate(leaves)]
        g, k = self.inputs_per_dim, self.inputs_per_value
        dims, inputs = [], []  # per observation dimension: (low, high, is Box); per input: (dimension, value, on, off)
        centers, sigmas, self.slices, self.dim_slices = [], [], [], []
        n_dims = n_inputs = 0
        for path, kind, a, b in self.leaves:
            m = a.size
            if kind == "Box":
                fraction = np.linspace(0.0, 1.0, g) if g > 1 else np.zeros(1)
                centers.append((a[:, None] + fraction[None, :] * (b - a)[:, None]).ravel())
                sigmas.append(np.repeat(self.width * (b - a) / max(g - 1, 1), g))
                dims.append((a, b, np.ones(m, bool)))
                dim, value = np.repeat(np.arange(m), g), np.full(m * g, np.nan)
                on = off = np.zeros(m * g)
            elif kind == "MultiBinary":
                dims.append((np.zeros(m), np.full(m, 2.0), np.zeros(m, bool)))
                dim, value = np.tile(np.arange(m), k), np.ones(m * k)
                on, off = np.full(m * k, binary[1]), np.full(m * k, binary[0])
            else:  # Discrete (one dimension), MultiDiscrete: a = nvec, b = start
                dims.append((b, b + a, np.zeros(m, bool)))
                dim = np.repeat(np.arange(m), a.astype(np.int64) * k)
                value = np.concatenate([s + np.repeat(np.arange(int(n)), k) for n, s in zip(a, b)])
                on, off = np.full(dim.size, self.on_rate), np.full(dim.size, self.off_rate)
            inputs.append((dim + n_dims, value, on, off))
            self.slices.append(slice(n_inputs, n_inputs + dim.size))
            self.dim_slices.append(slice(n_dims, n_dims + m))
            n_dims, n_inputs = n_dims + m, n_inputs + dim.size
        if self.n_inputs != n_inputs:
            raise self.error("n_inputs", f"{n_inputs}, the inputs of obs_leaves (inputs_per_dim {g}, inputs_per_value {k})", self.n_inputs)
        self.dim_low, self.dim_high, self.dim_box = (np.concatenate(c) for c in zip(*dims))
        self.dim, self.value, self.on, self.off = (np.concatenate(c) for c in zip(*inputs))
        self.box = np.isnan(self.value)
        self.centers = np.concatenate(centers) if centers else np.zeros(0)
        self.sigmas = np.concatenate(sigmas) if sigmas else np.zeros(0)

    def _leaf(self, i: int, leaf: Any) -> tuple[tuple, str, np.ndarray, np.ndarray]:
        """``(path, kind, a, b)``: a Box's low and high, or a (Multi)Discrete's nvec and start, or a
        MultiBinary's zeros and zeros (float64 arrays of one value per observation dimension)."""
        def bad(expected: str) -> ConfigError:
            return self.error("obs_leaves", expected, f"{leaf!r} (leaf {i})")

        shapes = {"Discrete": "(path, 'Discrete', n, start)", "MultiDiscrete": "(path, 'MultiDiscrete', nvec, start)",
                  "MultiBinary": "(path, 'MultiBinary', n)", "Box": "(path, 'Box', low, high)"}  # fmt: skip
        if not isinstance(leaf, (list, tuple)) or len(leaf) < 2 or leaf[1] not in shapes:
            raise bad("leaves (path, kind, *bounds) with kind among " + ", ".join(map(repr, LEAF_KINDS)))
        path, kind, *bounds = leaf
        if not isinstance(path, (list, tuple)) or len(bounds) != (1 if kind == "MultiBinary" else 2):
            raise bad(f"a {kind} leaf {shapes[kind]}, path a tuple of Tuple indices and Dict keys")
        try:
            arrays = [np.ravel(np.asarray(v, dtype=np.float64)) for v in bounds]
        except (TypeError, ValueError):
            raise bad(f"a {kind} leaf {shapes[kind]} of numbers") from None
        if kind == "Box":
            low, high = arrays
            if low.size == 0 or low.size != high.size or not (np.isfinite(low).all() and np.isfinite(high).all()) or (low >= high).any():
                raise bad("a Box leaf (path, 'Box', low, high) with as many finite low as high values, each low below its high")
            return tuple(path), kind, low, high
        if not all(np.isfinite(a).all() and (a == np.floor(a)).all() for a in arrays):
            raise bad(f"a {kind} leaf {shapes[kind]} of integers")
        if kind == "MultiBinary":
            if arrays[0].size != 1 or arrays[0][0] < 1:
                raise bad("a MultiBinary leaf (path, 'MultiBinary', n) with n >= 1 bits")
            n = int(arrays[0][0])
            return tuple(path), kind, np.zeros(n), np.zeros(n)
        nvec, start = arrays
        one = kind == "Discrete"
        if nvec.size == 0 or nvec.size != start.size or (nvec < 1).any() or (one and nvec.size != 1):
            raise bad(f"a {kind} leaf {shapes[kind]} with {'n' if one else 'each of nvec'} >= 1"
                      f"{'' if one else ' and a start per value of nvec'}")  # fmt: skip
        return tuple(path), kind, nvec, start

    def _describe(self, j: int) -> str:
        path, kind, a, b = self.leaves[j]
        where = "obs" + "".join(f"[{key!r}]" for key in path)
        if kind == "Box":
            what = f"{a.size} finite numbers"
        elif kind == "MultiBinary":
            what = f"{a.size} bits (0 or 1)"
        elif kind == "Discrete":
            what = f"an integer in [{b[0]:g}, {b[0] + a[0]:g})"
        else:
            what = f"{a.size} integers in [start, start + nvec), start {b.astype(int).tolist()}, nvec {a.astype(int).tolist()}"
        return f"{where}: {what}"

    def rates(self, state: Any) -> np.ndarray:
        x = np.empty(self.dim_low.size)
        for j, ((path, _, _, _), dims) in enumerate(zip(self.leaves, self.dim_slices)):
            value = state
            try:
                for key in path:
                    value = value[key]
                value = np.ravel(np.asarray(value, dtype=np.float64))
            except (KeyError, IndexError, TypeError, ValueError):
                value = None
            if value is None or value.size != dims.stop - dims.start:
                raise ConfigError(f"CompositeCode: expects at {self._describe(j)}; got the observation {state!r}")
            x[dims] = value
        discrete = ~self.dim_box
        wrong = ~np.isfinite(x) | (discrete & ((x != np.floor(x)) | (x < self.dim_low) | (x >= self.dim_high)))
        if wrong.any():
            j = next(j for j, dims in enumerate(self.dim_slices) if wrong[dims].any())
            raise ConfigError(f"CompositeCode: expects at {self._describe(j)}; got the observation {state!r}")
        xi = x[self.dim]
        rates = np.where(xi == self.value, self.on, self.off)
        rates[self.box] = self.max_rate * np.exp(-((xi[self.box] - self.centers) ** 2) / (2.0 * self.sigmas**2))
        return rates

    def check_states(self, states: list) -> None:
        for state in states:
            self.rates(state)


class Decoder:
    """How the readout's output becomes an environment action.

    ``readout`` is the readout part class, ``space`` its output space (the
    wrapper's ``action_space``), ``keys`` the network keys it needs, and
    ``decoder(output, rng)`` the environment's action for an output (``rng``
    breaks ties).
    """

    def __init__(self, readout: type, space: spaces.Space, keys: Mapping[str, Any] | None = None) -> None:
        self.readout = readout
        self.space = space
        self.keys = dict(keys or {})

    def __call__(self, output: Any, rng: np.random.Generator) -> Any:
        return output

#: The wrapper's ``decode`` argument, declared for the messages of :func:`~spikesim.params.call_user`.
DECODE = Param("decode", "callable", None, "decode(output, rng) -> the environment's action (with readout=)")


class CustomDecoder(Decoder):
    """A readout given by the user, with ``decode(output, rng) -> action``."""

    def __init__(self, readout: type, space: spaces.Space, decode: Callable[[Any, np.random.Generator], Any] | None) -> None:
        super().__init__(readout, space)
        self.decode = decode

    def __call__(self, output: Any, rng: np.random.Generator) -> Any:
        return output if self.decode is None else call_user("GymWrapper", DECODE, self.decode, output, rng)


class DiscreteDecoder(Decoder):
    """Discrete(n, start): TopAction over ``n`` groups; the action is the
    top group's index plus ``start``."""

    def __init__(self, space: spaces.Discrete, outputs_per_group: int) -> None:
        n = int(space.n)
        super().__init__(TopAction, spaces.Discrete(n), {"n_actions": n, "n_outputs": n * outputs_per_group})
        self.start = int(space.start)

    def __call__(self, output: Any, rng: np.random.Generator) -> np.int64:
        return np.int64(int(output) + self.start)


class BoxDecoder(Decoder):
    """Box: NeuronRates with one group per dimension; the rate ``r_d`` of
    group ``d`` gives ``a_d = low_d + min(r_d / full_rate, 1) (high_d - low_d)``
    (rounded for an integer Box)."""

    def __init__(self, space: spaces.Box, outputs_per_group: int, full_rate: float, clip: float) -> None:
        self.low, self.high = _finite(space.low, clip), _finite(space.high, clip)
        n = self.low.size
        super().__init__(NeuronRates, spaces.Box(0.0, 1.0, (n,), np.float64), {"n_actions": n, "n_outputs": n * outputs_per_group})
        self.full_rate = full_rate
        self.shape, self.dtype = space.shape, space.dtype

    def __call__(self, output: Any, rng: np.random.Generator) -> np.ndarray:
        fraction = np.minimum(np.asarray(output, dtype=np.float64) / self.full_rate, 1.0)
        action = self.low + fraction * (self.high - self.low)
        if np.issubdtype(self.dtype, np.integer):
            action = np.rint(action)
        return action.reshape(self.shape).astype(self.dtype)


class BinnedBoxDecoder(Decoder):
    """A one-dimensional Box read from a population of preferred values:
    TopAction over ``bins`` groups, group ``i`` preferring
    ``a_i = low + i (high - low) / (bins - 1)``; the action is the top
    group's preferred value (so an actor-critic treats it as a discrete
    choice among ``bins`` values of the continuous action).

    >>> from gymnasium import spaces
    >>> decoder = BinnedBoxDecoder(spaces.Box(-2.0, 2.0, (1,), np.float32), outputs_per_group=4, bins=5, clip=1.0)
    >>> decoder.keys, decoder(np.int64(3), None).tolist()
    ({'n_actions': 5, 'n_outputs': 20}, [1.0])
    """

    def __init__(self, space: spaces.Box, outputs_per_group: int, bins: int, clip: float) -> None:
        low, high = _finite(space.low, clip), _finite(space.high, clip)
        super().__init__(TopAction, spaces.Discrete(bins), {"n_actions": bins, "n_outputs": bins * outputs_per_group})
        self.values = np.linspace(low[0], high[0], bins)
        self.shape, self.dtype = space.shape, space.dtype

    def __call__(self, output: Any, rng: np.random.Generator) -> np.ndarray:
        return np.full(self.shape, self.values[int(output)], dtype=self.dtype)


class MultiDecoder(Decoder):
    """MultiDiscrete(nvec) (and MultiBinary(n) as MultiDiscrete([2] * n)):
    NeuronRates with one group per value of each dimension, dimension after
    dimension; each dimension takes the value of its highest group rate
    (plus its ``start``), a tie broken at random (one draw, only on a tie)."""

    def __init__(self, space: spaces.MultiDiscrete | spaces.MultiBinary, outputs_per_group: int) -> None:
        if isinstance(space, spaces.MultiBinary):
            self.nvec, self.start = np.full(int(np.prod(space.shape)), 2), np.zeros(1, dtype=np.int64)
        else:
            self.nvec, self.start = np.ravel(space.nvec).astype(np.int64), np.ravel(space.start)
        self.offsets = np.concatenate([[0], np.cumsum(self.nvec)[:-1]])
        total = int(self.nvec.sum())
        super().__init__(NeuronRates, spaces.Box(0.0, 1.0, (total,), np.float64), {"n_actions": total, "n_outputs": total * outputs_per_group})
        self.shape, self.dtype = space.shape, space.dtype

    def __call__(self, output: Any, rng: np.random.Generator) -> np.ndarray:
        rates = np.asarray(output, dtype=np.float64)
        values = np.array([_top(rates[o : o + n], rng) for o, n in zip(self.offsets, self.nvec)])
        return (values + self.start).reshape(self.shape).astype(self.dtype)


def _finite(bound: np.ndarray, clip: float) -> np.ndarray:
    """``bound`` (flattened, float64) with infinite values, and float32-max
    stand-ins for them (beyond 1e30), replaced by ``-clip``/``+clip``."""
    bound = np.asarray(bound, dtype=np.float64).ravel()
    unbounded = ~np.isfinite(bound) | (np.abs(bound) > 1e30)
    return np.where(unbounded, np.sign(bound) * clip, bound)


def _top(rates: np.ndarray, rng: np.random.Generator) -> int:
    """The index of the highest rate; a tie is broken at random (one draw, only on a tie)."""
    best = np.flatnonzero(rates == rates.max())
    return int(best[0]) if best.size == 1 else int(best[rng.integers(best.size)])


class GymWrapper(gym.Wrapper, Game, RecordConstructorArgs):
    """A gymnasium environment played through a spiking network.

    ``GymWrapper("Taxi-v4")`` makes the environment by id (``make_kwargs``
    go to :func:`gymnasium.make`); an environment instance is used as given.
    Observations pass through unchanged: the input part encodes them.
    ``step(action)`` takes the readout's output (an element of the
    wrapper's ``action_space``), decodes it into the environment's action
    and steps the environment; ``reset(seed=)`` seeds the wrapper and the
    environment alike.

    It is a :class:`gymnasium.Wrapper` and a spikesim :class:`Game`:
    ``unwrapped`` is the environment's base environment, ``spec`` the
    environment's spec with the wrapper added (``spec.max_episode_steps`` is
    the environment's limit; ``gymnasium.make(wrapper.spec)`` makes the same
    wrapper again), while ``np_random`` is the wrapper's own generator (it
    breaks the ties of decoded actions), apart from the environment's.

    The input part and the readout are chosen from the spaces (see the
    module's tables); :meth:`network_parts` returns them and :attr:`params`
    holds the keys they need (``n_inputs``, ``n_outputs``, ``n_actions``,
    ``obs_low``, ``obs_high``, ``n_states``, ...), so a network built with
    ``game=wrapper`` takes its sizes from the game. Box observation bounds
    that are infinite (or beyond 1e30, float32's maximum standing for
    infinity) become ``-obs_clip``/``+obs_clip``; infinite Box action bounds
    become ``-action_clip``/``+action_clip``.

    Action persistence: with ``action_repeat = k``, one ``step`` holds the
    decoded action for ``k`` steps of the environment (fewer when the
    episode terminates or is truncated on the way), and returns the last
    observation, the sum of the ``k`` rewards and the last flags. A return
    is the environment's return; an episode of ``T`` environment steps is
    ``ceil(T / k)`` steps of the wrapper (the environment's own time limit
    still counts its steps). Holding actions explores further than choosing
    anew at every step: a random policy reaches Acrobot-v1's goal in 1.5-3 %
    of its episodes, and in 32-42 % when it holds each action for 3 steps.

    Parameters
    ----------
    env
        A registered environment id, or an environment.
    inputs
        An input part class to use instead of the default one; give the keys
        it needs in ``keys``. Needed for observation spaces the wrapper
        cannot encode (Text, Graph, Sequence, ..., or a Tuple or Dict
        holding one).
    readout, decode, action_space
        A readout part class to use instead of the default one, with
        ``decode(output, rng) -> action`` (default: the output is the
        action) and the readout's output space (default: the environment's
        action space).
    keys
        Network keys over the ones the wrapper derives.
    make_kwargs
        Keyword arguments of :func:`gymnasium.make` (with an id).
    **params
        The wrapper's declared parameters (``obs_clip``, ...).

    Examples
    --------
    >>> game = GymWrapper("FrozenLake-v1")
    >>> {family: cls.__name__ for family, cls in game.network_parts().items()}
    {'inputs': 'OneHot', 'readout': 'TopAction'}
    >>> game.params["n_states"], game.params["n_inputs"], game.params["n_actions"], game.params["n_outputs"]
    (16, 16, 4, 16)
    >>> obs, info = game.reset(seed=0)
    >>> obs, game.step(2)[0] in range(16)
    (0, True)
    >>> game.spec.id, game.spec.max_episode_steps, type(game.unwrapped).__name__
    ('FrozenLake-v1', 100, 'FrozenLakeEnv')

    Each action held for 3 steps: Acrobot-v1's reward is -1 per step.

    >>> game = GymWrapper("Acrobot-v1", action_repeat=3)
    >>> obs, info = game.reset(seed=0)
    >>> game.step(0)[1]
    -3.0
    """

    PARAMS = (
        Param("obs_clip", "float", 5.0, "bound used for an infinite bound of a Box observation space: -obs_clip or +obs_clip", "(0, inf)"),
        Param("action_clip", "float", 1.0, "bound used for an infinite bound of a Box action space: -action_clip or +action_clip", "(0, inf)"),
        INPUTS_PER_DIM,
        INPUTS_PER_VALUE,
        Param("outputs_per_group", "int", 4, "output neurons per readout group (an action, a Box dimension, a discrete value)", "[1, inf)"),
        Param("full_rate", "float", 0.5, "group rate (spikes per neuron per step) that gives a Box action its high bound", "(0, 1]"),
        Param("action_bins", "int", 0, "a one-dimensional Box action read as the preferred value of the top one of this many groups (0: from the group's rate)", "[0, inf)"),
        BINARY_RATES,
        Param("action_repeat", "int", 1, "environment steps each decoded action is held for (rewards summed; stops at the episode's end)", "[1, inf)"),
    )
    PRESETS: dict[str, dict[str, Any]] = {}

    def __init__(
        self,
        env: str | gym.Env,
        *,
        inputs: type | None = None,
        readout: type | None = None,
        decode: Callable[[Any, np.random.Generator], Any] | None = None,
        action_space: spaces.Space | None = None,
        keys: Mapping[str, Any] | None = None,
        make_kwargs: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> None:
        Game.__init__(self, None, **params)
        if isinstance(env, str):
            self.env_id = env
            try:
                self.env = gym.make(env, **dict(make_kwargs or {}))
            except gym.error.Error as exc:
                raise ConfigError(f"GymWrapper: cannot make the environment {env!r}: {exc}") from None
        elif isinstance(env, gym.Env):
            if make_kwargs:
                raise ConfigError("GymWrapper: make_kwargs is for an environment id; the environment was given made")
            self.env = env
            self.env_id = env.spec.id if env.spec is not None else type(env.unwrapped).__name__
        else:
            raise ConfigError(f"GymWrapper: env expects a registered environment id or a gymnasium.Env; got {env!r}")
        gym.Wrapper.__init__(self, self.env)
        given = {"inputs": inputs, "readout": readout, "decode": decode, "action_space": action_space, "keys": keys}
        RecordConstructorArgs.__init__(self, **{k: v for k, v in given.items() if v is not None}, **params)
        self._rng: np.random.Generator | None = None

        derived: dict[str, Any] = {}
        if inputs is None:
            self.inputs_class, input_keys = self._encoder(self.observation_space)
            derived.update(input_keys)
        elif isinstance(inputs, type) and issubclass(inputs, Inputs):
            self.inputs_class = inputs
        else:
            raise ConfigError(f"GymWrapper: inputs expects an Inputs part class; got {inputs!r}")
        if readout is None:
            if decode is not None or action_space is not None:
                raise ConfigError("GymWrapper: decode and action_space go with a readout; pass readout= too")
            self.decoder = self._decoder(self.env.action_space)
        elif isinstance(readout, type) and issubclass(readout, Readout):
            self.decoder = CustomDecoder(readout, action_space or self.env.action_space, decode)
        else:
            raise ConfigError(f"GymWrapper: readout expects a Readout part class; got {readout!r}")
        derived.update(self.decoder.keys)
        derived.update(keys or {})
        self.action_space = self.decoder.space
        self._derived = derived

    # ------------------------------------------------------------------ choices
    def _encoder(self, space: spaces.Space) -> tuple[type, dict[str, Any]]:
        p = self._params
        if isinstance(space, spaces.Box):
            low, high = _finite(space.low, p["obs_clip"]), _finite(space.high, p["obs_clip"])
            return PopulationCode, {"n_inputs": low.size * p["inputs_per_dim"], "obs_low": low, "obs_high": high}
        if isinstance(space, spaces.Discrete):
            self._no_start(space, "observation")
            return OneHot, {"n_inputs": int(space.n) * p["inputs_per_value"], "n_states": int(space.n)}
        if isinstance(space, spaces.MultiDiscrete):
            self._no_start(space, "observation")
            nvec = np.ravel(space.nvec).astype(np.float64)
            return MultiOneHot, {"n_inputs": int(nvec.sum()) * p["inputs_per_value"], "obs_nvec": nvec}
        if isinstance(space, spaces.MultiBinary):
            n = int(np.prod(space.shape))
            return RateMap, {"n_inputs": n * p["inputs_per_value"], "state_rate_map": [float(r) for r in p["binary_rates"]]}
        if isinstance(space, (spaces.Tuple, spaces.Dict)):
            found = list(self._leaves(space, space, ()))
            if not found:
                raise self._cannot_encode(space, ": it holds no values")
            leaves, sizes = zip(*found)
            return CompositeCode, {"n_inputs": sum(sizes), "obs_leaves": leaves}
        raise self._cannot_encode(space)

    def _leaves(self, space: spaces.Space, top: spaces.Space, path: tuple) -> Any:
        """``(leaf, n_inputs)`` of each leaf space of the composite ``top``, in flattening order
        (see :class:`CompositeCode`); ``space`` is at ``path`` in ``top``."""
        p = self._params
        k = p["inputs_per_value"]
        if isinstance(space, spaces.Tuple):
            for i, element in enumerate(space.spaces):
                yield from self._leaves(element, top, (*path, i))
        elif isinstance(space, spaces.Dict):
            for key, element in space.spaces.items():
                yield from self._leaves(element, top, (*path, key))
        elif isinstance(space, spaces.Box):
            low, high = _finite(space.low, p["obs_clip"]), _finite(space.high, p["obs_clip"])
            yield (path, "Box", low.tolist(), high.tolist()), low.size * p["inputs_per_dim"]
        elif isinstance(space, spaces.Discrete):
            yield (path, "Discrete", int(space.n), int(space.start)), int(space.n) * k
        elif isinstance(space, spaces.MultiDiscrete):
            nvec = np.ravel(space.nvec).astype(np.int64)
            yield (path, "MultiDiscrete", nvec.tolist(), np.ravel(space.start).astype(np.int64).tolist()), int(nvec.sum()) * k
        elif isinstance(space, spaces.MultiBinary):
            n = int(np.prod(space.shape))
            yield (path, "MultiBinary", n), n * k
        else:
            where = "obs" + "".join(f"[{key!r}]" for key in path)
            raise self._cannot_encode(top, f": its element {where} is {space}, which has none")

    def _cannot_encode(self, space: spaces.Space, why: str = "") -> ConfigError:
        return ConfigError(
            f"GymWrapper: cannot encode the observation space {space} of {self.env_id}{why} "
            "(Box, Discrete, MultiDiscrete and MultiBinary, and Tuple and Dict of them, have default encoders); "
            "pass inputs= (an Inputs part class that encodes its observations) and keys= (the values of its keys), "
            "e.g. inputs=RateMap, keys={'n_inputs': N, 'state_rate_map': f} "
            "with f(observation) -> N spike probabilities"
        )

    def _decoder(self, space: spaces.Space) -> Decoder:
        p = self._params
        if isinstance(space, spaces.Discrete):
            return DiscreteDecoder(space, p["outputs_per_group"])
        if isinstance(space, spaces.Box) and p["action_bins"]:
            if p["action_bins"] == 1:
                raise ConfigError("GymWrapper: key 'action_bins' expects 0 or an integer >= 2; got 1")
            if int(np.prod(space.shape)) != 1:
                raise ConfigError(f"GymWrapper: key 'action_bins' expects a one-dimensional Box action space; "
                                  f"{self.env_id} has {space}")  # fmt: skip
            return BinnedBoxDecoder(space, p["outputs_per_group"], p["action_bins"], p["action_clip"])
        if isinstance(space, spaces.Box):
            return BoxDecoder(space, p["outputs_per_group"], p["full_rate"], p["action_clip"])
        if isinstance(space, (spaces.MultiDiscrete, spaces.MultiBinary)):
            return MultiDecoder(space, p["outputs_per_group"])
        raise ConfigError(
            f"GymWrapper: cannot decode actions of the space {space} of {self.env_id} "
            "(Discrete, Box, MultiDiscrete and MultiBinary have default decoders); "
            "pass readout= (a Readout part class), decode= (output, rng -> action) and action_space= (the readout's output space)"
        )

    def _no_start(self, space: spaces.Space, what: str) -> None:
        if np.any(np.asarray(space.start) != 0):
            raise ConfigError(
                f"GymWrapper: the {what} space {space} of {self.env_id} does not start at 0, which the default "
                "encoder needs; pass inputs= and keys="
            )

    # ------------------------------------------------------------------ game
    @property
    def params(self) -> Mapping[str, Any]:
        """The wrapper's parameters and the network keys its parts need."""
        return MappingProxyType({**self._params, **self._derived})

    def network_parts(self) -> dict[str, type]:
        """The input part and the readout the wrapper chose: ``{"inputs": ..., "readout": ...}``."""
        return {"inputs": self.inputs_class, "readout": self.decoder.readout}

    @property
    def np_random(self) -> np.random.Generator:
        """The wrapper's own generator (ties of decoded actions), seeded by ``reset(seed=)``."""
        if self._rng is None:
            self._rng, _ = seeding.np_random()
        return self._rng

    @np_random.setter
    def np_random(self, value: np.random.Generator) -> None:
        self._rng = value

    def decode(self, output: Any) -> Any:
        """The environment's action for a readout output."""
        return self.decoder(output, self.np_random)

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[Any, dict]:
        if seed is not None:
            self._rng, _ = seeding.np_random(seed)
        return self.env.reset(seed=seed, options=options)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        if not self.action_space.contains(action):
            raise ValueError(f"GymWrapper({self.env_id}): action {action!r} is not in the readout's space {self.action_space}")
        decoded, total = self.decode(action), 0.0
        for _ in range(self._params["action_repeat"]):
            obs, reward, terminated, truncated, info = self.env.step(decoded)
            total += float(reward)
            if terminated or truncated:
                break
        return obs, total, bool(terminated), bool(truncated), info

    def __repr__(self) -> str:
        return f"GymWrapper({self.env_id!r})"
