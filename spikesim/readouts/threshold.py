"""Readouts that compare the output rate with a threshold."""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from spikesim.families import Readout
from spikesim.params import Param


class ThresholdState(NamedTuple):
    rate_sum: np.ndarray  # (1,) sum of the rates of the ticks since reset
    ticks: np.ndarray  # (1,) int64 ticks since reset


class Threshold(Readout):
    """Action from the output rate (Spikey's Threshold).

    ``rate = (spikes of all outputs) / (processing_time * n_outputs)``, the
    mean spikes per output per step; the action is ``output_range[1]`` when
    ``rate >= action_threshold`` and ``output_range[0]`` otherwise. With
    ``action_threshold="mean"`` the threshold is the mean rate of the earlier
    ticks since :meth:`reset` (0 before the first).

    Examples
    --------
    >>> readout = Threshold(n_outputs=1, action_threshold=0.5)
    >>> readout(np.array([[True], [True], [False]]))
    1
    """

    PARAMS = (
        Param("action_threshold", "any", "mean", "output rate (spikes per output per step) at which the action switches, or 'mean'"),
        Param("output_range", "any", (0, 1), "the two actions: below and at or above the threshold"),
    )

    def check(self) -> None:
        threshold = self.action_threshold
        if not (threshold == "mean" or (isinstance(threshold, (int, float, np.number)) and not isinstance(threshold, bool) and np.isfinite(threshold))):
            raise self.error("action_threshold", "a number or 'mean'", repr(threshold))
        if isinstance(self.output_range, (str, bytes)) or np.ndim(self.output_range) != 1 or len(self.output_range) != 2:
            raise self.error("output_range", "a sequence of two actions", repr(self.output_range))

    def __init__(self, rng: np.random.Generator | None = None, **params: Any) -> None:
        super().__init__(rng, **params)
        self.reset()

    def reset(self) -> None:
        self.state = ThresholdState(np.zeros(1), np.zeros(1, np.int64))

    def __call__(self, spikes: np.ndarray) -> Any:
        rate = float(spikes.mean()) if spikes.size else 0.0
        if self.action_threshold == "mean":
            ticks = self.state.ticks[0]
            threshold = self.state.rate_sum[0] / ticks if ticks else 0.0
        else:
            threshold = float(self.action_threshold)
        self.state.rate_sum[0] += rate
        self.state.ticks[0] += 1
        return self.output_range[1] if rate >= threshold else self.output_range[0]
