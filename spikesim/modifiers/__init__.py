"""Modifiers: change a parameter of a network over time."""
from spikesim.families import Modifier
from spikesim.modifiers.schedules import DropOff, LinearDecay

__all__ = ["DropOff", "LinearDecay", "Modifier"]
