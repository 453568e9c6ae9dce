"""Weights given by the user."""
from __future__ import annotations

import reprlib
from typing import Any

import numpy as np

from spikesim.families import Weights
from spikesim.params import REQUIRED, Param, call_user

MATRIX = Param(
    "matrix", "any", REQUIRED,
    "weights: (n_inputs + n_neurons, n_neurons) array, list of feed-forward blocks, or f(rng, shape) -> either",
)  # fmt: skip


class Manual(Weights):
    """Weights from a matrix, a list of feed-forward blocks, or a callable.

    ``matrix`` is one of:

    - an array of shape ``(n_inputs + n_neurons, n_neurons)`` (rows: inputs
      then body neurons; columns: body neurons). Nonzero entries are synapses
      (Spikey's convention); in a ``numpy.ma.MaskedArray`` the unmasked
      entries are, zeros included;
    - a list of blocks ``[B_0, B_1, ...]`` for a feed-forward network of
      layers ``L_0`` (the inputs), ``L_1``, ``L_2``, ...: block ``B_b`` of
      shape ``(|L_b|, |L_{b+1}|)`` holds the weights from layer ``b`` to
      layer ``b + 1``; the body neurons are ``L_1, L_2, ...`` in order. Every
      entry of a block is a synapse;
    - a callable ``f(rng, shape)`` returning either of the above.

    Examples
    --------
    >>> w = Manual(n_inputs=2, n_neurons=3, matrix=[np.ones((2, 2)), np.ones((2, 1))])
    >>> w.dense_matrix()[0].tolist()
    [[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    """

    PARAMS = (MATRIX,)

    def check(self) -> None:
        self._matrix = self.dense_matrix()

    def dense_matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """The full matrix and which entries are synapses."""
        value = self.matrix
        if callable(value):
            value = call_user(type(self).__name__, MATRIX, value, self.rng, self.shape)
        blocks = None
        try:
            if isinstance(value, (list, tuple)) and value and all(np.ndim(b) == 2 for b in value):
                blocks = [np.asarray(b, dtype=np.float64) for b in value]
            elif isinstance(value, np.ma.MaskedArray):
                weights, present = np.ma.getdata(value).astype(np.float64), ~np.ma.getmaskarray(value)
            else:
                weights = np.asarray(value, dtype=np.float64)
                present = weights != 0
        except (TypeError, ValueError):
            got = reprlib.repr(value) + (" from f(rng, shape)" if callable(self.matrix) else "")
            raise self.error("matrix", "an array, a list of 2-D blocks or a callable", got) from None
        if blocks is not None:
            return self._assemble(blocks)
        if weights.shape != self.shape:
            raise self.error("matrix", f"shape {self.shape} (n_inputs + n_neurons, n_neurons)", f"shape {weights.shape}")
        if not np.isfinite(weights).all():
            raise self.error("matrix", "finite weights", "NaN or infinity")
        return np.where(present, weights, 0.0), present

    def _assemble(self, blocks: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        sizes = [self.n_inputs] + [b.shape[1] for b in blocks]
        if sum(sizes[1:]) != self.n_neurons:
            raise self.error("matrix", f"blocks whose columns add up to n_neurons ({self.n_neurons})", f"columns {sizes[1:]}")
        weights = np.zeros(self.shape)
        present = np.zeros(self.shape, dtype=bool)
        row = 0
        col = 0
        for b, block in enumerate(blocks):
            if block.shape[0] != sizes[b]:
                raise self.error(
                    "matrix", f"block {b} with {sizes[b]} rows (the size of layer {b})", f"shape {block.shape}"
                )
            if not np.isfinite(block).all():
                raise self.error("matrix", "finite weights", f"NaN or infinity in block {b}")
            weights[row : row + block.shape[0], col : col + block.shape[1]] = block
            present[row : row + block.shape[0], col : col + block.shape[1]] = True
            row = self.n_inputs + col if b == 0 else row + block.shape[0]
            col += block.shape[1]
        return weights, present

    def build(self, signs: np.ndarray) -> tuple[np.ndarray, ...]:
        weights, present = self._matrix
        sources, targets = np.nonzero(present)
        lo, hi = self.bounds(sources, targets)
        return sources, targets, weights[sources, targets], lo, hi
