"""Inputs: encode game states into input spikes."""
from spikesim.families import Inputs
from spikesim.inputs.codes import OneHot, PopulationCode
from spikesim.inputs.features import FourierFeatures
from spikesim.inputs.rates import RateInputs, RateMap
from spikesim.inputs.static import StaticMap

__all__ = ["FourierFeatures", "Inputs", "OneHot", "PopulationCode", "RateInputs", "RateMap", "StaticMap"]
