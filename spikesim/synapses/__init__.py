"""Synapses: plasticity rules (the weights are the network's)."""
from spikesim.families import Synapses
from spikesim.synapses.base import Static
from spikesim.synapses.dastdp import DASTDP
from spikesim.synapses.florian import MSTDP, MSTDPET
from spikesim.synapses.multiplicative import MultiplicativeSTDP
from spikesim.synapses.rlstdp import RLSTDP
from spikesim.synapses.stdp import STDP

__all__ = ["DASTDP", "MSTDP", "MSTDPET", "MultiplicativeSTDP", "RLSTDP", "STDP", "Static", "Synapses"]
