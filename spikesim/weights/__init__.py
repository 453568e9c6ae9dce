"""Weights: the initial weights and bounds of the synapses."""
from spikesim.families import Weights
from spikesim.weights.bernoulli import Bernoulli
from spikesim.weights.manual import Manual
from spikesim.weights.random import FixedInDegree, Random

__all__ = ["Bernoulli", "FixedInDegree", "Manual", "Random", "Weights"]
