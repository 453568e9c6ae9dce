"""Synapses: plasticity rules (the weights are the network's)."""
from spikesim.families import Synapses
from spikesim.synapses.base import Static
from spikesim.synapses.rlstdp import RLSTDP

__all__ = ["RLSTDP", "Static", "Synapses"]
