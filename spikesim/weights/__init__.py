"""Weights: the initial weights and bounds of the synapses."""
from spikesim.families import Weights
from spikesim.weights.manual import Manual
from spikesim.weights.random import FixedInDegree, Random

__all__ = ["FixedInDegree", "Manual", "Random", "Weights"]
