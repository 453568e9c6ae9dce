"""Games: gymnasium environments that networks play (``spikesim.games``)."""
from spikesim.games.bandit import MultiArmBandit
from spikesim.games.cartpole import CartPole
from spikesim.games.game import Game
from spikesim.games.gridworld import GridWorld
from spikesim.games.gym_wrapper import GymWrapper, MultiOneHot
from spikesim.games.logic import Logic

__all__ = ["CartPole", "Game", "GridWorld", "GymWrapper", "Logic", "MultiArmBandit", "MultiOneHot"]
