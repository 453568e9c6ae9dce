"""Neurons: the body neurons' dynamics."""
from spikesim.families import Neurons
from spikesim.neurons.spikey import Neuron

__all__ = ["Neuron", "Neurons"]
