"""Readouts: turn the output neurons' spikes into an action."""
from spikesim.families import Readout
from spikesim.readouts.actions import GroupReadout, NeuronRates, PopulationVector, Softmax, TopAction
from spikesim.readouts.threshold import Threshold

__all__ = ["GroupReadout", "NeuronRates", "PopulationVector", "Readout", "Softmax", "Threshold", "TopAction"]
