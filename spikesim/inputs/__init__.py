"""Inputs: encode game states into input spikes."""
from spikesim.families import Inputs
from spikesim.inputs.rates import RateInputs, RateMap

__all__ = ["Inputs", "RateInputs", "RateMap"]
