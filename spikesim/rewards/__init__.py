"""Rewarders: judge the network's actions."""
from spikesim.families import Rewarder
from spikesim.rewards.function import Function
from spikesim.rewards.match_expected import MatchExpected

__all__ = ["Function", "MatchExpected", "Rewarder"]
