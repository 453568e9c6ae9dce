"""Synapse storage: one layout for dense and sparse networks.

Synapses are kept in pre-major (CSR) order: the synapses of presynaptic
neuron ``j`` are ``k in range(indptr[j], indptr[j + 1])``, each with a
postsynaptic ``targets[k]``, a presynaptic ``sources[k]`` and a weight
``w[k]`` (kept apart, in the network). A column view lists, for each
postsynaptic neuron ``i``, its synapses ``col_syn[c]`` and their
presynaptic neurons ``col_src[c]`` for ``c in range(col_ptr[i], col_ptr[i +
1])``, so post-side plasticity reaches its synapses without copying weights
and without a scattered read of ``sources``.

A synapse whose bounds are equal is frozen (plasticity cannot move it):
each column lists its plastic synapses first (``col_plastic[i]`` of them)
and ``row_plastic[j]`` says whether row ``j`` has none (0), only (1) or
some (2), so rules can skip frozen synapses (inhibitory ones, often).

Bounds ``lo <= w <= hi`` come in classes: synapse ``k`` has the bounds
``bound_lo[bound_id[k]]``, ``bound_hi[bound_id[k]]``. Networks have few
distinct bounds, so ``bound_id`` is one byte per synapse in most of them (a
scattered read of it stays in cache where ``lo``/``hi`` arrays would not).
``graph.lo`` and ``graph.hi`` give the per-synapse arrays (computed).
``row_bound[j]`` is the class shared by all synapses of row ``j`` (-1 when
they differ), so passes over all synapses go row by row with scalar bounds.
When all plastic synapses share their bounds, ``plastic_bounds`` holds
them, and the column passes need not read ``bound_id`` at all.

Dense storage is the same layout with every (pre, post) pair present, so
``w.reshape(n_pre, n_post)`` is the weight matrix itself (a view); pairs that
are not synapses have bounds ``[0, 0]`` and stay zero. Sparse storage keeps
only the synapses. :func:`build_graph` chooses.

Indices stored per synapse are unsigned (``uint32``): an index Numba knows
to be non-negative needs no wrap-around test, which doubles the speed of
the scattered loops.

Presynaptic indices run over inputs then body neurons
(``n_pre = n_inputs + n_neurons``); postsynaptic ones over body neurons.
"""
from __future__ import annotations

import math
import os
from typing import NamedTuple

import numpy as np

from spikesim.params import ConfigError

#: Peak bytes per stored synapse of building a network (weights, bounds and layout), for the estimates of
#: :func:`check_memory`; tracemalloc measured 75 for 2 * 10^7 sparse synapses, 83 per pair of a dense network.
BYTES_PER_SYNAPSE = 80
#: Bytes per (pre, post) pair of drawing the pairs as a dense matrix (a float64 draw and two bool masks).
BYTES_PER_DRAWN_PAIR = 10
#: What :func:`check_memory` suggests when a network does not fit with dense storage.
SPARSE_HINT = "storage='sparse' stores only the synapses"

#: Storage is dense when at least this fraction of the pairs are synapses
#: (and there are at most ``DENSE_MAX_PAIRS`` pairs): then the pairs that are
#: not synapses cost little.
DENSE_MIN_DENSITY = 0.75
DENSE_MAX_PAIRS = 4_000_000


class Graph(NamedTuple):
    """The connectivity and bounds of all synapses (the weights are apart)."""

    indptr: np.ndarray  # (n_pre + 1,) int64: row starts
    targets: np.ndarray  # (n_syn,) uint32: postsynaptic neuron of each synapse
    sources: np.ndarray  # (n_syn,) uint32: presynaptic neuron of each synapse
    col_ptr: np.ndarray  # (n_post + 1,) int64: column starts in col_syn and col_src
    col_syn: np.ndarray  # (n_syn,) uint32: synapse indices, column by column (plastic ones first)
    col_src: np.ndarray  # (n_syn,) uint32: their presynaptic neurons
    col_plastic: np.ndarray  # (n_post,) int64: plastic synapses at the start of each column
    row_plastic: np.ndarray  # (n_pre,) int8: 0 no plastic synapse in the row, 1 all plastic, 2 some
    row_bound: np.ndarray  # (n_pre,) int64: bound class of all synapses of the row, -1 if they differ
    bound_id: np.ndarray  # (n_syn,) uint8, uint16 or uint32: bound class of each synapse
    bound_lo: np.ndarray  # (n_classes,) float64: lower bound of each class
    bound_hi: np.ndarray  # (n_classes,) float64: upper bound of each class
    plastic_bounds: np.ndarray  # (2,) float64: (lo, hi) shared by all plastic synapses, or NaN

    @property
    def lo(self) -> np.ndarray:
        """The lower bound of every synapse (a new array)."""
        return self.bound_lo[self.bound_id]

    @property
    def hi(self) -> np.ndarray:
        """The upper bound of every synapse (a new array)."""
        return self.bound_hi[self.bound_id]


def build_graph(
    sources: np.ndarray,
    targets: np.ndarray,
    w: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    n_pre: int,
    n_post: int,
    storage: str = "auto",
) -> tuple[Graph, np.ndarray, bool]:
    """Lay out synapses, given as lists sorted by source then target.

    Parameters
    ----------
    sources, targets, w, lo, hi
        One entry per synapse: pre and post neuron, initial weight, bounds.
    n_pre, n_post
        Numbers of presynaptic and postsynaptic neurons.
    storage
        ``"dense"``, ``"sparse"`` or ``"auto"`` (dense when at least
        ``DENSE_MIN_DENSITY`` of the pairs are synapses and there are at most
        ``DENSE_MAX_PAIRS`` pairs).

    Returns
    -------
    graph, w, dense
        The layout, the weights (float64, one per stored synapse) and whether
        the storage is dense.
    """
    pairs = n_pre * n_post
    if storage == "auto":
        dense = pairs <= DENSE_MAX_PAIRS and len(sources) >= DENSE_MIN_DENSITY * pairs
    else:
        dense = storage == "dense"
    if dense:
        flat = np.asarray(sources, np.int64) * n_post + targets
        full = []
        for values in (w, lo, hi):
            array = np.zeros(pairs)
            array[flat] = values
            full.append(array)
        w, lo, hi = full
        sources = np.repeat(np.arange(n_pre, dtype=np.uint32), n_post)
        targets = np.tile(np.arange(n_post, dtype=np.uint32), n_pre)
    graph = graph_from_pairs(sources, targets, lo, hi, n_pre, n_post)
    return graph, np.array(w, dtype=np.float64), dense


def bound_classes(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(bound_id, bound_lo, bound_hi)``: the distinct (lo, hi) pairs and the
    class of each synapse, in the smallest unsigned integer type that holds it.

    Networks have few classes: they are found one at a time (a pass each);
    past 32 classes the rest are found by sorting."""
    lo = np.asarray(lo, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    ids = np.zeros(lo.size, np.uint32)
    table: list[tuple[float, float]] = []
    unassigned = np.ones(lo.size, dtype=bool)  # masks, not index lists: a few bytes per synapse at most
    while unassigned.any() and len(table) < 32:
        first = int(np.argmax(unassigned))
        same = lo == lo[first]
        same &= hi == hi[first]
        same &= unassigned
        ids[same] = len(table)
        table.append((lo[first], hi[first]))
        unassigned &= ~same
    left = np.flatnonzero(unassigned)
    if left.size:
        rest, inverse = np.unique(np.stack([lo[left], hi[left]], axis=1), axis=0, return_inverse=True)
        ids[left] = len(table) + inverse.reshape(-1)
        table.extend(map(tuple, rest))
    if not table:
        table.append((0.0, 0.0))
    bounds = np.array(table, dtype=np.float64)
    dtype = np.uint8 if len(table) <= 1 << 8 else np.uint16 if len(table) <= 1 << 16 else np.uint32
    return ids.astype(dtype), bounds[:, 0].copy(), bounds[:, 1].copy()


def graph_from_pairs(
    sources: np.ndarray, targets: np.ndarray, lo: np.ndarray, hi: np.ndarray, n_pre: int, n_post: int
) -> Graph:
    """A :class:`Graph` from synapse lists already sorted by source (then target)."""
    sources = np.ascontiguousarray(sources, dtype=np.uint32)
    targets = np.ascontiguousarray(targets, dtype=np.uint32)
    indptr = np.zeros(n_pre + 1, dtype=np.int64)
    np.cumsum(np.bincount(sources, minlength=n_pre), out=indptr[1:])
    bound_id, bound_lo, bound_hi = bound_classes(lo, hi)
    frozen = (bound_lo == bound_hi)[bound_id]
    order_key = targets.astype(np.uint32 if n_post < 1 << 31 else np.uint64)  # plastic synapses first in each column
    order_key *= 2
    order_key += frozen
    col_syn = np.argsort(order_key, kind="stable").astype(np.uint32)
    del order_key
    col_ptr = np.zeros(n_post + 1, dtype=np.int64)
    np.cumsum(np.bincount(targets, minlength=n_post), out=col_ptr[1:])
    col_plastic = np.bincount(targets[~frozen], minlength=n_post).astype(np.int64)
    plastic_in_row = np.bincount(sources[~frozen], minlength=n_pre)
    row_plastic = np.where(plastic_in_row == 0, 0, np.where(plastic_in_row == np.diff(indptr), 1, 2)).astype(np.int8)
    row_bound = np.full(n_pre, -1, dtype=np.int64)
    filled = np.flatnonzero(np.diff(indptr) > 0)
    if filled.size:
        ids = bound_id.astype(np.int64)
        first, last = np.minimum.reduceat(ids, indptr[filled]), np.maximum.reduceat(ids, indptr[filled])
        row_bound[filled] = np.where(first == last, first, -1)
    plastic_classes = np.flatnonzero(bound_lo != bound_hi)
    plastic_bounds = np.full(2, np.nan)
    if len(plastic_classes) == 1:
        plastic_bounds[:] = bound_lo[plastic_classes[0]], bound_hi[plastic_classes[0]]
    return Graph(
        indptr, targets, sources, col_ptr, col_syn, sources[col_syn], col_plastic, row_plastic,
        row_bound, bound_id, bound_lo, bound_hi, plastic_bounds,
    )  # fmt: skip


def row_synapses(indptr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The synapse indices of the given rows, row after row (NumPy engine)."""
    starts = indptr[rows]
    counts = indptr[rows + 1] - starts
    offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
    return offsets + np.arange(counts.sum())


def column_synapses(graph: Graph, columns: np.ndarray) -> np.ndarray:
    """The synapse indices onto the given postsynaptic neurons (NumPy engine)."""
    return graph.col_syn[row_synapses(graph.col_ptr, columns)]


def bounds_of(graph: Graph, ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bounds ``(lo, hi)`` of synapses ``ks`` (NumPy engine)."""
    ids = graph.bound_id[ks]
    return graph.bound_lo[ids], graph.bound_hi[ids]


def available_memory() -> float:
    """Bytes the system can still give: ``MemAvailable`` of ``/proc/meminfo``,
    else the physical memory, else infinity (unknown)."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return math.inf


def check_memory(owner: str, what: str, nbytes: float, hint: str = "") -> None:
    """Raise :class:`~spikesim.ConfigError`, before anything is allocated,
    when building ``what`` (``nbytes``, estimated) needs more memory than
    :func:`available_memory`, e.g. ``Random: 40,000,000,000 pairs drawn as
    a dense matrix (storage 'auto') need about 373 GiB, more than the 7.5 GiB
    of memory available; storage='sparse' stores only the synapses`` (the
    ``hint`` after the semicolon)."""
    available = available_memory()
    if nbytes > available:
        raise ConfigError(
            f"{owner}: {what} need about {_size(nbytes)}, more than the {_size(available)} of memory available"
            + (f"; {hint}" if hint else "")
        )


def _size(nbytes: float) -> str:
    """``nbytes`` in binary units: ``"37.3 GiB"``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB"):
        if nbytes < 1024:
            return f"{nbytes:.3g} {unit}"
        nbytes /= 1024
    return f"{nbytes:.3g} YiB"
