"""Synapse storage: one layout for dense and sparse networks.

Synapses are kept in pre-major (CSR) order: the synapses of presynaptic
neuron ``j`` are ``k in range(indptr[j], indptr[j + 1])``, each with a
postsynaptic ``targets[k]``, a weight ``w[k]`` and bounds ``lo[k] <= w[k] <=
hi[k]``. A column view (``col_ptr``, ``col_syn``) lists the synapse indices
onto each postsynaptic neuron, so post-side plasticity reaches its synapses
without copying weights.

Dense storage is the same layout with every (pre, post) pair present, so
``w.reshape(n_pre, n_post)`` is the weight matrix itself (a view); pairs that
are not synapses have bounds ``[0, 0]`` and stay zero. Sparse storage keeps
only the synapses. :func:`build_graph` chooses.

Presynaptic indices run over inputs then body neurons
(``n_pre = n_inputs + n_neurons``); postsynaptic ones over body neurons.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: Above this fraction of present pairs (and below ``DENSE_MAX_PAIRS`` pairs)
#: storage is dense.
DENSE_MIN_DENSITY = 0.25
DENSE_MAX_PAIRS = 4_000_000


class Graph(NamedTuple):
    """The connectivity and bounds of all synapses (the weights are apart)."""

    indptr: np.ndarray  # (n_pre + 1,) int64: row starts
    targets: np.ndarray  # (n_syn,) int32: postsynaptic neuron of each synapse
    sources: np.ndarray  # (n_syn,) int32: presynaptic neuron of each synapse
    col_ptr: np.ndarray  # (n_post + 1,) int64: column starts in col_syn
    col_syn: np.ndarray  # (n_syn,) int32: synapse indices, column by column
    lo: np.ndarray  # (n_syn,) float64: lower bound of each weight
    hi: np.ndarray  # (n_syn,) float64: upper bound of each weight


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
        sources = np.repeat(np.arange(n_pre, dtype=np.int32), n_post)
        targets = np.tile(np.arange(n_post, dtype=np.int32), n_pre)
    graph = graph_from_pairs(sources, targets, lo, hi, n_pre, n_post)
    return graph, np.array(w, dtype=np.float64), dense


def graph_from_pairs(
    sources: np.ndarray, targets: np.ndarray, lo: np.ndarray, hi: np.ndarray, n_pre: int, n_post: int
) -> Graph:
    """A :class:`Graph` from synapse lists already sorted by source (then target)."""
    indptr = np.zeros(n_pre + 1, dtype=np.int64)
    np.cumsum(np.bincount(sources, minlength=n_pre), out=indptr[1:])
    col_syn = np.argsort(targets, kind="stable").astype(np.int32)
    col_ptr = np.zeros(n_post + 1, dtype=np.int64)
    np.cumsum(np.bincount(targets, minlength=n_post), out=col_ptr[1:])
    return Graph(
        indptr,
        np.ascontiguousarray(targets, dtype=np.int32),
        np.ascontiguousarray(sources, dtype=np.int32),
        col_ptr,
        col_syn,
        np.ascontiguousarray(lo, dtype=np.float64),
        np.ascontiguousarray(hi, dtype=np.float64),
    )


def row_synapses(indptr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The synapse indices of the given rows, row after row (NumPy engine)."""
    starts = indptr[rows]
    counts = indptr[rows + 1] - starts
    offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
    return offsets + np.arange(counts.sum())


def column_synapses(graph: Graph, columns: np.ndarray) -> np.ndarray:
    """The synapse indices onto the given postsynaptic neurons (NumPy engine)."""
    return graph.col_syn[row_synapses(graph.col_ptr, columns)]
