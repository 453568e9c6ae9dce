"""Modifiers: change a parameter of a network over time."""
from spikesim.families import Modifier

__all__ = ["Modifier"]
