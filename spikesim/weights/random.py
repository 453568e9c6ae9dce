"""Random connectivity: independent pairs, or a fixed number of synapses per neuron."""
from __future__ import annotations

import reprlib

import numpy as np

from spikesim.families import Weights
from spikesim.graph import BYTES_PER_DRAWN_PAIR, BYTES_PER_SYNAPSE, SPARSE_HINT, check_memory
from spikesim.params import REQUIRED, Param, call_user

WEIGHT_GENERATOR = Param(
    "weight_generator", "callable", None,
    "f(rng, n) -> the n initial weights, in synapse order (None: uniform between each synapse's bounds)",
)  # fmt: skip

#: Most random keys drawn at once when sampling dense rows (memory bound).
_KEYS_PER_CHUNK = 4_000_000


def initial_weights(part: Weights, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The initial weights of ``len(lo)`` synapses: ``weight_generator(rng,
    n)`` when given, else ``w ~ U(lo, hi)`` synapse by synapse."""
    n = len(lo)
    generator = part.params["weight_generator"]
    if generator is None:
        w = part.rng.random(n)
        w *= hi - lo
        w += lo  # lo + (hi - lo) * U, in place
        return w
    drawn = call_user(type(part).__name__, WEIGHT_GENERATOR, generator, part.rng, n)
    try:
        w = np.asarray(drawn, dtype=np.float64)
    except (TypeError, ValueError):
        expected = f"a function f(rng, n) returning {n} numbers"
        raise part.error("weight_generator", expected, reprlib.repr(drawn)) from None
    if w.shape != (n,):
        raise part.error("weight_generator", f"a function f(rng, n) returning {n} weights", f"shape {w.shape}")
    if not np.isfinite(w).all():
        raise part.error("weight_generator", "finite weights", "NaN or infinity")
    return w


def distinct_draws(rng: np.random.Generator, rows: int, k: int, n: int) -> np.ndarray:
    """``rows`` independent uniform draws of ``k`` distinct integers in
    ``range(n)``: an int64 array (rows, k), each row sorted when ``k`` is small
    against ``n``.

    Sparse rows (``k^2 <= 2n``) are drawn with replacement and redrawn whole
    while they hold a duplicate (exactly uniform; few redraws); dense ones
    take the ``k`` smallest of ``n`` uniform keys."""
    if k == 0 or rows == 0:
        return np.zeros((rows, k), dtype=np.int64)
    if k * k <= 2 * n:
        out = rng.integers(0, n, (rows, k))
        out.sort(axis=1)
        redo = np.flatnonzero((np.diff(out, axis=1) == 0).any(axis=1))
        while redo.size:
            fresh = rng.integers(0, n, (redo.size, k))
            fresh.sort(axis=1)
            out[redo] = fresh
            redo = redo[(np.diff(fresh, axis=1) == 0).any(axis=1)]
        return out
    out = np.empty((rows, k), dtype=np.int64)
    chunk = max(1, _KEYS_PER_CHUNK // n)
    for start in range(0, rows, chunk):
        keys = rng.random((min(chunk, rows - start), n))
        out[start : start + chunk] = np.argpartition(keys, k - 1, axis=1)[:, :k]
    return out


class Random(Weights):
    """Random connectivity, each pair independently (Spikey's Random).

    Presynaptic neurons are the inputs then the body neurons, postsynaptic
    ones the body neurons. A pair ``(pre, post)`` is a synapse when

    - it is allowed by ``matrix_mask`` (a bool matrix of shape
      ``(n_inputs + n_neurons, n_neurons)``, nonzero = allowed; or of shape
      ``(n_neurons, n_neurons)`` for the body-to-body pairs only, every
      input -> body pair being allowed; None: every pair), and
    - a uniform draw is below ``connection_probability`` (one draw per pair,
      in row-major order, only when the probability is below 1), and
    - it is not a body neuron onto itself.

    With ``force_unidirectional``, of each pair of body neurons connected both
    ways ``i -> j`` and ``j -> i`` (``i < j``, in row-major order) one is
    dropped, each with probability 1/2. The initial weights come from
    ``weight_generator(rng, n)``, by default ``w ~ U(min_weight,
    max_weight)`` within each synapse's bounds. All draws use the network's
    generator. With storage ``"dense"`` or ``"auto"`` the pairs are drawn as
    a dense matrix (one draw per pair, which suits networks of up to some
    thousands of neurons); with ``"sparse"`` row by row, without an n x n
    array (:meth:`sparse_pairs`: the same distribution, other draws, so a
    seed gives another network than with ``"dense"``). A network that would
    not fit in memory is refused before anything is drawn.

    Examples
    --------
    >>> w = Random(n_inputs=1, n_neurons=2, connection_probability=1.0, rng=np.random.default_rng(0))
    >>> sources, targets, weights, lo, hi = w.build(np.ones(3))
    >>> list(zip(sources.tolist(), targets.tolist()))
    [(0, 0), (0, 1), (1, 1), (2, 0)]
    """

    PARAMS = (
        Param("connection_probability", "float", 1.0, "probability that an allowed pair (pre, post) is a synapse", "[0, 1]"),
        Param("matrix_mask", "any", None, "allowed synapses: bool (n_inputs + n_neurons, n_neurons), or (n_neurons, n_neurons) for body -> body only"),
        Param("force_unidirectional", "bool", False, "keep at most one of i -> j and j -> i between body neurons (the other dropped at random)"),
        WEIGHT_GENERATOR,
    )

    def check(self) -> None:
        self._allowed = self.allowed()
        pairs = self.shape[0] * self.shape[1] if self._allowed is None else int(np.count_nonzero(self._allowed))
        synapses = self.connection_probability * pairs
        name, setting = type(self).__name__, f"(storage {self.storage!r})"
        if self.storage == "sparse":
            check_memory(name, f"about {synapses:,.0f} synapses {setting}", synapses * BYTES_PER_SYNAPSE)
        else:
            need = pairs * BYTES_PER_DRAWN_PAIR + synapses * BYTES_PER_SYNAPSE
            check_memory(name, f"{pairs:,} pairs drawn as a dense matrix {setting}", need, SPARSE_HINT)

    def allowed(self) -> np.ndarray | None:
        """The pairs ``matrix_mask`` allows: bool (n_inputs + n_neurons,
        n_neurons), or None (every pair) without a mask."""
        mask = self.matrix_mask
        if mask is None:
            return None
        body = (self.n_neurons, self.n_neurons)
        expected = f"a bool matrix of shape {self.shape} or {body}"
        try:
            mask = np.asarray(mask)
            numeric = mask.dtype.kind in "biuf"
        except (TypeError, ValueError):
            numeric = False
        if not numeric:
            raise self.error("matrix_mask", expected, repr(mask))
        if mask.shape == self.shape:
            return mask != 0
        if mask.shape == body:
            full = np.ones(self.shape, dtype=bool)
            full[self.n_inputs :] = mask != 0
            return full
        raise self.error("matrix_mask", expected, f"shape {mask.shape}")

    def build(self, signs: np.ndarray) -> tuple[np.ndarray, ...]:
        sources, targets = self.sparse_pairs() if self.storage == "sparse" else self.dense_pairs()
        lo, hi = self.bounds(sources, targets)
        return sources, targets, initial_weights(self, lo, hi), lo, hi

    def dense_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """The synapses ``(sources, targets)`` from one draw per pair, in row-major order."""
        n_in, n = self.n_inputs, self.n_neurons
        present = np.ones(self.shape, dtype=bool) if self._allowed is None else self._allowed.copy()
        if self.connection_probability < 1.0:
            present &= self.rng.random(self.shape) < self.connection_probability
        present[n_in + np.arange(n), np.arange(n)] = False
        if self.force_unidirectional:
            body = present[n_in:]
            i, j = np.nonzero(np.triu(body & body.T, k=1))
            drop_forward = self.rng.random(i.size) < 0.5
            body[i[drop_forward], j[drop_forward]] = False
            body[j[~drop_forward], i[~drop_forward]] = False
        return np.nonzero(present)

    def sparse_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """The synapses ``(sources, targets)``, sorted, without an n x n array.

        Without ``matrix_mask`` each presynaptic neuron ``j`` gets ``k_j ~
        Binomial(m_j, p)`` synapses onto ``k_j`` distinct targets drawn
        uniformly among its ``m_j`` candidates (every body neuron, ``j``
        itself excepted): the same distribution as one draw per pair. With a
        mask, one draw per allowed pair (the mask is already dense)."""
        n_in, n, p = self.n_inputs, self.n_neurons, self.connection_probability
        if self._allowed is not None:
            allowed = self._allowed.copy()
            allowed[n_in + np.arange(n), np.arange(n)] = False
            sources, targets = np.nonzero(allowed)
            keep = self.rng.random(sources.size) < p
            keys = sources[keep] * n + targets[keep]
        else:
            candidates = np.full(n_in + n, n, dtype=np.int64)
            candidates[n_in:] -= 1
            counts = self.rng.binomial(candidates, p)
            keys = np.empty(int(counts.sum()), dtype=np.int64)
            start = 0
            for body in (False, True):
                rows = np.arange(n_in, n_in + n) if body else np.arange(n_in)
                for k in np.unique(counts[rows]):
                    group = rows[counts[rows] == k]
                    drawn = distinct_draws(self.rng, group.size, int(k), n - 1 if body else n)
                    if body:
                        drawn += drawn >= (group - n_in)[:, None]  # skip the neuron itself
                    keys[start : start + drawn.size] = (group[:, None] * n + drawn).ravel()
                    start += drawn.size
            keys.sort()
        if self.force_unidirectional:
            keys = self._drop_reciprocal(keys)
        targets = keys % n
        keys //= n
        return keys, targets

    def _drop_reciprocal(self, keys: np.ndarray) -> np.ndarray:
        """``keys`` (sorted ``source * n_neurons + target``) without one of
        each pair of body synapses ``i -> j``, ``j -> i`` (``i < j``, in
        row-major order), each dropped with probability 1/2."""
        n_in, n = self.n_inputs, self.n_neurons
        i, j = np.divmod(keys[keys >= n_in * n], n)
        i -= n_in
        upper = i < j
        i, j = i[upper], j[upper]
        reverse = (j + n_in) * n + i
        both = keys[np.minimum(np.searchsorted(keys, reverse), keys.size - 1)] == reverse
        i, j = i[both], j[both]
        drop_forward = self.rng.random(i.size) < 0.5
        dropped = np.where(drop_forward, (i + n_in) * n + j, (j + n_in) * n + i)
        kept = np.ones(keys.size, dtype=bool)
        kept[np.searchsorted(keys, dropped)] = False
        return keys[kept]


class FixedInDegree(Weights):
    """Every body neuron receives exactly ``in_degree`` synapses.

    The presynaptic neurons of body neuron ``i`` are ``in_degree`` distinct
    neurons drawn uniformly among ``source`` (``"all"``: inputs and body
    neurons, ``"body"`` or ``"inputs"``), never ``i`` itself. The initial
    weight of every synapse is ``initial_weight`` when given, else drawn by
    ``weight_generator(rng, n)`` (default ``w ~ U(min_weight, max_weight)``).

    With ``static_inhibitory``, the synapses of inhibitory presynaptic neurons
    (polarity < 0) start at ``inhibitory_weight`` (when given) and get bounds
    ``lo = hi = w``: no rule changes them. The weight is a magnitude; the sign
    is the presynaptic neuron's polarity.

    Built without a dense matrix, so 100,000 neurons with 100 synapses each
    take a few seconds. Draws use the network's generator only.

    Examples
    --------
    >>> w = FixedInDegree(n_inputs=0, n_neurons=4, in_degree=2, initial_weight=0.5, rng=np.random.default_rng(0))
    >>> sources, targets, weights, lo, hi = w.build(np.ones(4))
    >>> np.bincount(targets).tolist(), bool((sources != targets).all())
    ([2, 2, 2, 2], True)
    """

    PARAMS = (
        Param("in_degree", "int", REQUIRED, "synapses onto each body neuron, from distinct presynaptic neurons", "[0, inf)"),
        Param("source", "str", "all", "the neurons presynaptic ones are drawn among", choices=("all", "body", "inputs")),
        Param("initial_weight", "float", None, "initial weight of every synapse (None: from weight_generator)"),
        WEIGHT_GENERATOR,
        Param("static_inhibitory", "bool", False, "synapses from inhibitory neurons (polarity < 0) never change: bounds lo = hi = their weight"),
        Param("inhibitory_weight", "float", None, "initial weight (magnitude) of synapses from inhibitory neurons (None: as the others)"),
    )

    def candidates(self) -> int:
        """How many presynaptic neurons each body neuron can draw from (itself excluded)."""
        return {"all": self.n_inputs + self.n_neurons - 1, "body": self.n_neurons - 1, "inputs": self.n_inputs}[self.source]

    def check(self) -> None:
        if self.in_degree > self.candidates():
            raise self.error(
                "in_degree", f"at most {self.candidates()} (the distinct {self.source!r} neurons other than the target)",
                self.in_degree,
            )  # fmt: skip
        if self.initial_weight is not None and self.weight_generator is not None:
            raise self.error("initial_weight", "None when weight_generator is given (one of the two)", self.initial_weight)
        synapses = self.n_neurons * self.in_degree
        need = synapses * BYTES_PER_SYNAPSE
        check_memory(type(self).__name__, f"{synapses:,} synapses (storage {self.storage!r})", need)
        low, high = (self.params[k] for k in ("min_weight", "max_weight"))
        if self.initial_weight is not None and np.ndim(low) == 0 and np.ndim(high) == 0 and not low <= self.initial_weight <= high:
            raise self.error("initial_weight", f"a weight within [min_weight, max_weight] = [{low:g}, {high:g}]", self.initial_weight)

    def build(self, signs: np.ndarray) -> tuple[np.ndarray, ...]:
        n_in, n, k = self.n_inputs, self.n_neurons, self.in_degree
        pre = distinct_draws(self.rng, n, k, self.candidates())
        if self.source != "inputs":
            own = np.arange(n) + (n_in if self.source == "all" else 0)
            pre += pre >= own[:, None]
        if self.source == "body":
            pre += n_in
        # sort by source then target: targets come in order, so sort the pair keys
        keys = (pre * n + np.arange(n)[:, None]).ravel()
        del pre  # 8 bytes per synapse fewer at the peak
        keys.sort()
        sources, targets = np.divmod(keys, n)
        del keys
        lo, hi = self.bounds(sources, targets)
        if self.initial_weight is not None:
            w = np.full(len(sources), self.initial_weight)
        else:
            w = initial_weights(self, lo, hi)
        inhibitory = np.asarray(signs)[sources] < 0
        if self.inhibitory_weight is not None:
            w[inhibitory] = self.inhibitory_weight
        if self.static_inhibitory:
            lo[inhibitory] = w[inhibitory]
            hi[inhibitory] = w[inhibitory]
        return sources, targets, w, lo, hi
