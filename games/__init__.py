"""Games: gymnasium environments that networks play (``spikesim.games``)."""
from spikesim.games.game import Game
from spikesim.games.logic import Logic

__all__ = ["Game", "Logic"]
