"""Bernoulli connectivity from the network's seed, drawn without an n x n array."""
from __future__ import annotations

import math

import numpy as np

from spikesim.families import Weights
from spikesim.graph import BYTES_PER_SYNAPSE, check_memory
from spikesim.params import Param
from spikesim.weights.random import FixedInDegree, initial_weights

_SHARED = {p.name: p for p in FixedInDegree.PARAMS}


def bernoulli_positions(rng: np.random.Generator, total: int, p: float) -> np.ndarray:
    """The positions in ``range(total)`` where independent Bernoulli(p) draws
    succeed, ascending (int64), drawn by geometric skipping: the gaps between
    successive successes are Geometric(p), so the cost is one draw per
    success, not one per position.

    >>> bernoulli_positions(np.random.default_rng(0), 10, 1.0).tolist()
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    >>> bernoulli_positions(np.random.default_rng(0), 10**6, 0.02).size  # about 20,000
    20139
    """
    if total <= 0 or p <= 0.0:
        return np.zeros(0, dtype=np.int64)
    if p >= 1.0:
        return np.arange(total, dtype=np.int64)
    mean = total * p
    chunk = int(mean + 6.0 * math.sqrt(mean) + 64)
    parts = []
    last = -1
    while True:
        positions = np.cumsum(rng.geometric(p, chunk))
        positions += last
        inside = int(np.searchsorted(positions, total))
        parts.append(positions[:inside])
        if inside < chunk:
            break
        last = int(positions[-1])
        chunk = int(max(64, (total - last) * p * 1.2 + 64))
    return np.concatenate(parts)


class Bernoulli(Weights):
    """Every ordered pair ``(pre, post)`` is a synapse with probability
    ``connection_probability``, independently (Erdos-Renyi), drawn from the
    network's generator.

    Presynaptic neurons are the inputs then the body neurons, postsynaptic
    ones the body neurons. A body neuron's synapse onto itself (an autapse)
    is drawn like any other pair with ``autapses=True`` and never exists
    otherwise. The pairs are drawn by geometric skipping over the row-major
    ``(pre, post)`` index (:func:`bernoulli_positions`): one draw per
    synapse, no ``n x n`` array, so 10^7 synapses take a second. Without
    autapses the diagonal pairs drawn are dropped, which leaves every other
    pair's draw as it was.

    Weights (magnitudes; an inhibitory presynaptic neuron's act with the
    opposite sign): ``initial_weight`` when given, ``inhibitory_weight``
    (when given) for the synapses of inhibitory presynaptic neurons, else
    ``weight_generator(rng, n)`` (default ``w ~ U(min_weight,
    max_weight)``). With a conductance-based neuron the sign decides the
    conductance a synapse raises: excitatory presynaptic neurons ``g_e``,
    inhibitory ones ``g_i``. With ``plastic_synapses="excitatory"`` only
    the synapses from an excitatory neuron onto an excitatory one keep the
    bounds ``[min_weight, max_weight]``; every other synapse gets the bounds
    ``[w, w]`` (frozen), as in Brunel's network with STDP on E->E only.

    Examples
    --------
    >>> w = Bernoulli(n_inputs=0, n_neurons=1000, connection_probability=0.02, initial_weight=0.4,
    ...               rng=np.random.default_rng(0))
    >>> sources, targets, weights, lo, hi = w.build(np.ones(1000))
    >>> bool(19000 < sources.size < 21000), bool((sources != targets).all()), set(weights.tolist())
    (True, True, {0.4})
    """

    PARAMS = (
        Param("connection_probability", "float", 0.1, "probability that a pair (pre, post) is a synapse, each pair independently", "[0, 1]"),
        Param("autapses", "bool", False, "whether a body neuron's synapse onto itself can be drawn"),
        _SHARED["initial_weight"],
        _SHARED["inhibitory_weight"],
        _SHARED["weight_generator"],
        Param(
            "plastic_synapses", "str", "all",
            "which synapses plasticity may move: all, or only those from an excitatory neuron onto an excitatory "
            "one (the others frozen at their initial weight)", choices=("all", "excitatory"),
        ),
    )  # fmt: skip

    def check(self) -> None:
        if self.initial_weight is not None and self.weight_generator is not None:
            raise self.error("initial_weight", "None when weight_generator is given (one of the two)", self.initial_weight)
        synapses = self.connection_probability * self.shape[0] * self.shape[1]
        check_memory(type(self).__name__, f"about {synapses:,.0f} synapses (storage {self.storage!r})",
                     synapses * BYTES_PER_SYNAPSE)  # fmt: skip

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """The synapses ``(sources, targets)``, sorted by source then target."""
        n_pre, n_post = self.shape
        keys = bernoulli_positions(self.rng, n_pre * n_post, self.connection_probability)
        sources, targets = np.divmod(keys, n_post)
        if not self.autapses:
            keep = sources - self.n_inputs != targets
            sources, targets = sources[keep], targets[keep]
        return sources, targets

    def build(self, signs: np.ndarray) -> tuple[np.ndarray, ...]:
        sources, targets = self.pairs()
        lo, hi = self.bounds(sources, targets)
        if self.initial_weight is not None:
            w = np.full(len(sources), float(self.initial_weight))
        else:
            w = initial_weights(self, lo, hi)
        signs = np.asarray(signs)
        if self.inhibitory_weight is not None:
            w[signs[sources] < 0] = self.inhibitory_weight
        if self.plastic_synapses == "excitatory":  # lo == hi == w: frozen
            frozen = (signs[sources] < 0) | (signs[self.n_inputs + targets] < 0)
            lo, hi = np.where(frozen, w, lo), np.where(frozen, w, hi)
        return sources, targets, w, lo, hi
