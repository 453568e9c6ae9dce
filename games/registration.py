"""spikesim's games registered with gymnasium, so ``gymnasium.make`` makes
them by id.

Importing :mod:`spikesim.games` registers the ids of :data:`GAMES` in
gymnasium's ``spikesim`` namespace (importing it again changes nothing).
Keyword arguments of ``gymnasium.make`` go to the game: a ``preset`` and its
parameters. The games end their episodes themselves (their
``max_episode_steps`` parameter), so the ids add no time limit; a
``max_episode_steps`` given to ``make`` is gymnasium's, on top of the game's.

Examples
--------
>>> import gymnasium
>>> import spikesim.games
>>> env = gymnasium.make("spikesim/Logic-v0", preset="XOR")
>>> type(env.unwrapped).__name__, env.unwrapped.preset
('Logic', 'XOR')
>>> gymnasium.make("spikesim/CartPole-v1", preset="v0").unwrapped.params["max_episode_steps"]
200
"""
from __future__ import annotations

from typing import Any

import gymnasium

#: id -> (entry point, keyword arguments, reward threshold). CartPole-v1 is
#: gymnasium's CartPole-v1 (``preset="v0"`` gives its v0: a v0 id would warn
#: on every ``make`` that v1 exists, as gymnasium's own CartPole-v0 does).
GAMES: dict[str, tuple[str, dict[str, Any], float | None]] = {
    "spikesim/CartPole-v1": ("spikesim.games.cartpole:CartPole", {"preset": "v1"}, 475.0),
    "spikesim/Logic-v0": ("spikesim.games.logic:Logic", {}, None),
    "spikesim/MultiArmBandit-v0": ("spikesim.games.bandit:MultiArmBandit", {}, None),
    "spikesim/GridWorld-v0": ("spikesim.games.gridworld:GridWorld", {}, None),
}


def register_games() -> list[str]:
    """Register the ids of :data:`GAMES` that gymnasium does not know yet
    and return all of them."""
    for env_id, (entry_point, kwargs, threshold) in GAMES.items():
        if env_id not in gymnasium.registry:
            gymnasium.register(env_id, entry_point=entry_point, kwargs=kwargs, reward_threshold=threshold)
    return list(GAMES)
