"""The synapse layout: rows, columns, bound classes and what is frozen."""
import numpy as np

from spikesim.graph import bound_classes, build_graph, column_synapses, row_synapses

# 3 presynaptic neurons, 2 postsynaptic ones; pre 2's synapses are frozen (lo == hi)
SOURCES = np.array([0, 0, 1, 2, 2])
TARGETS = np.array([0, 1, 1, 0, 1])
W = np.array([0.1, 0.2, 0.3, -1.0, -1.0])
LO = np.array([0.0, 0.0, -5.0, -1.0, -1.0])
HI = np.array([5.0, 5.0, 0.0, -1.0, -1.0])


def test_sparse_layout_rows_columns_and_bounds():
    graph, w, dense = build_graph(SOURCES, TARGETS, W, LO, HI, n_pre=3, n_post=2, storage="sparse")
    assert not dense and w.tolist() == W.tolist()
    assert graph.indptr.tolist() == [0, 2, 3, 5]
    assert graph.col_ptr.tolist() == [0, 2, 5]
    # column 0 holds synapses 0 and 3, column 1 synapses 1, 2, 4: plastic ones first
    assert graph.col_syn.tolist() == [0, 3, 1, 2, 4]
    assert graph.col_src.tolist() == [0, 2, 0, 1, 2]
    assert graph.col_plastic.tolist() == [1, 2]
    assert graph.row_plastic.tolist() == [1, 1, 0]
    assert graph.bound_lo.tolist() == [0.0, -5.0, -1.0] and graph.bound_hi.tolist() == [5.0, 0.0, -1.0]
    assert graph.bound_id.tolist() == [0, 0, 1, 2, 2] and graph.bound_id.dtype == np.uint8
    assert graph.row_bound.tolist() == [0, 1, 2]
    assert graph.lo.tolist() == LO.tolist() and graph.hi.tolist() == HI.tolist()
    assert np.isnan(graph.plastic_bounds).all()  # two plastic classes
    assert row_synapses(graph.indptr, np.array([2, 0])).tolist() == [3, 4, 0, 1]
    assert column_synapses(graph, np.array([1])).tolist() == [1, 2, 4]


def test_rows_of_mixed_bounds_and_shared_plastic_bounds():
    lo, hi = LO.copy(), HI.copy()
    lo[2], hi[2] = 0.0, 5.0  # all plastic synapses now share [0, 5]
    lo[4], hi[4] = -2.0, -2.0  # row 2 mixes two frozen classes
    graph, _, _ = build_graph(SOURCES, TARGETS, W, lo, hi, n_pre=3, n_post=2, storage="sparse")
    assert graph.plastic_bounds.tolist() == [0.0, 5.0]
    assert graph.row_bound.tolist() == [0, 0, -1]
    assert graph.row_plastic.tolist() == [1, 1, 0]


def test_dense_layout_is_the_weight_matrix_with_frozen_zero_pairs():
    graph, w, dense = build_graph(SOURCES[:3], TARGETS[:3], W[:3], LO[:3], HI[:3], 3, 2, storage="dense")
    assert dense
    assert w.reshape(3, 2).tolist() == [[0.1, 0.2], [0.0, 0.3], [0.0, 0.0]]
    assert graph.lo.reshape(3, 2).tolist() == [[0.0, 0.0], [0.0, -5.0], [0.0, 0.0]]
    # pairs that are not synapses are frozen at [0, 0]: row 2 has no plastic synapse, row 1 some
    assert graph.row_plastic.tolist() == [1, 2, 0]
    assert graph.row_bound.tolist() == [0, -1, 1]  # classes in order of appearance: [0, 5], [0, 0], [-5, 0]


def test_bound_classes_past_32_are_found_by_sorting():
    lo = np.repeat(np.arange(40.0), 2)[::-1]
    ids, bound_lo, bound_hi = bound_classes(lo, lo + 1)
    assert bound_lo.size == 40 and np.array_equal(bound_lo[ids], lo) and np.array_equal(bound_hi[ids], lo + 1)
    ids, bound_lo, _ = bound_classes(np.arange(300.0), np.arange(300.0))
    assert ids.dtype == np.uint16 and np.array_equal(bound_lo[ids], np.arange(300.0))
