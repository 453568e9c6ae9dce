"""Games: gymnasium environments that networks play (``spikesim.games``),
registered with gymnasium on import (see :mod:`spikesim.games.registration`)."""
from spikesim.games.bandit import MultiArmBandit
from spikesim.games.cartpole import CartPole
from spikesim.games.game import Game
from spikesim.games.gridworld import GridWorld
from spikesim.games.gym_wrapper import CompositeCode, GymWrapper, MultiOneHot
from spikesim.games.logic import Logic
from spikesim.games.registration import register_games

register_games()

__all__ = ["CartPole", "CompositeCode", "Game", "GridWorld", "GymWrapper", "Logic", "MultiArmBandit", "MultiOneHot",
           "register_games"]
