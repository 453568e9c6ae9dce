"""Rewarders that compare the action with the expected one."""
from __future__ import annotations

from typing import Any

import numpy as np

from spikesim.families import Rewarder
from spikesim.params import EXPECTED_VALUE, Param, call_user

REWARD_MULT = Param("reward_mult", "float", 1.0, "reward for a correct action")
PUNISH_MULT = Param("punish_mult", "float", 1.0, "punishment for a wrong action (the reward is -punish_mult)", "[0, inf)")


class MatchExpected(Rewarder):
    """``reward_mult`` when the action equals ``expected_value(state)``,
    ``-punish_mult`` otherwise (Spikey's MatchExpected).

    Examples
    --------
    >>> rewarder = MatchExpected(expected_value=lambda s: s[0] ^ s[1], punish_mult=0.5)
    >>> rewarder((1, 0), 1, None), rewarder((1, 1), 1, None)
    (1.0, -0.5)
    """

    PARAMS = (EXPECTED_VALUE, REWARD_MULT, PUNISH_MULT)

    def __call__(self, state: Any, action: Any, state_next: Any) -> float:
        expected = call_user(type(self).__name__, EXPECTED_VALUE, self.expected_value, state)
        match = np.array_equal(np.asarray(action), np.asarray(expected))
        return self.reward_mult if match else -self.punish_mult
