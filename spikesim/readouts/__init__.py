"""Readouts: turn the output neurons' spikes into an action."""
from spikesim.families import Readout
from spikesim.readouts.threshold import Threshold

__all__ = ["Readout", "Threshold"]
