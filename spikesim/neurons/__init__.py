"""Neurons: the body neurons' dynamics."""
from spikesim.families import Neurons
from spikesim.neurons.conductance import ConductanceLIF
from spikesim.neurons.delta import DeltaLIF
from spikesim.neurons.escape import EscapeNoise
from spikesim.neurons.izhikevich import Izhikevich
from spikesim.neurons.lif import LIF, AlphaLIF, CurrentLIF
from spikesim.neurons.spikey import Neuron

__all__ = ["AlphaLIF", "ConductanceLIF", "CurrentLIF", "DeltaLIF", "EscapeNoise", "Izhikevich", "LIF", "Neuron", "Neurons"]
