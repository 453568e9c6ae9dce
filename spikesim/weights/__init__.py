"""Weights: the initial weights and bounds of the synapses."""
from spikesim.families import Weights
from spikesim.weights.manual import Manual

__all__ = ["Manual", "Weights"]
