"""``cartpole``: a spiking network learning to balance the cart-pole.

The four observations are population-coded (8 Gaussian receptive fields
each), a sparse layer of 40 LIF hidden neurons and direct (skip) synapses
feed 2 groups of 4 output neurons, and TopAction pushes the cart towards
the group that fired most. MSTDPET learns from :func:`balance_reward`, a
dense reward for each step (the game's own reward, 1 for every step, says
nothing about which push was right until the pole falls).

Measured (seeds 0-9, the schedule below, about 5 s each): a mean of about
100 balanced steps in evaluation, against about 22 for a random policy and
500 for a solved task. Learning it well is a later target.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from spikesim.experiments.gym import GymNetwork
from spikesim.experiments.registry import Experiment, mean_total_reward, register
from spikesim.games import CartPole
from spikesim.games.cartpole import TWELVE_DEGREES
from spikesim.inputs import PopulationCode
from spikesim.neurons import LIF
from spikesim.readouts import TopAction
from spikesim.rewards import Function
from spikesim.synapses import MSTDPET
from spikesim.weights import Random

#: Weight of the angular velocity in the tilt the reward looks at (s).
LOOKAHEAD = 0.5
#: Change of the tilt that earns a full reward of +1 or -1 (rad).
TILT_SCALE = 0.05


def tilt(state: Any) -> float:
    """Where the pole is heading: ``|theta + LOOKAHEAD * theta'|`` (rad)."""
    return abs(float(state[2]) + LOOKAHEAD * float(state[3]))


def balance_reward(state: Any, action: Any, state_next: Any) -> float:
    """-1 when the step lost the pole or the cart (the default thresholds,
    2.4 m and 12 degrees), else how much the step reduced the tilt:
    ``clip((tilt(s) - tilt(s')) / TILT_SCALE, -1, 1)``.

    A shaping reward ``Phi(s') - Phi(s)`` with the potential ``Phi = -tilt``
    (scaled), which does not change which policies are optimal.

    Examples
    --------
    >>> balance_reward([0, 0, 0.1, 0.0], 1, [0, 0, 0.09, -0.1])  # tilt 0.1 -> 0.04
    1.0
    >>> balance_reward([0, 0, 0.2, 0.5], 1, [0, 0, 0.21, 0.5])
    -1.0
    """
    if abs(float(state_next[0])) > 2.4 or abs(float(state_next[2])) > TWELVE_DEGREES:
        return -1.0
    return float(np.clip((tilt(state) - tilt(state_next)) / TILT_SCALE, -1.0, 1.0))


class CartPoleNetwork(GymNetwork):
    """32 population-coded inputs -> 40 LIF hidden neurons (each input
    reaches a hidden neuron with probability 0.2) -> 8 outputs (2 groups of
    4), inputs also straight onto the outputs; Random weights in [0, 4] mV,
    MSTDPET rewarded by :func:`balance_reward`."""

    parts = {"inputs": PopulationCode, "neurons": LIF, "weights": Random, "synapses": MSTDPET,
             "readout": TopAction, "rewarder": Function}  # fmt: skip
    keys = {
        "n_inputs": 32, "n_hidden": 40, "n_outputs": 8, "n_actions": 2, "processing_time": 20,
        "hidden_connection_probability": 0.2, "skip_connections": True,
        # x, x', theta, theta': the ranges an episode visits before it ends
        "obs_low": [-2.4, -2.0, -0.21, -2.0], "obs_high": [2.4, 2.0, 0.21, 2.0], "max_rate": 0.2,
        "max_weight": 4.0, "learning_rate": 0.05, "reward_function": balance_reward,
    }  # fmt: skip


CARTPOLE = register(
    Experiment(
        name="cartpole",
        description="a spiking network with MSTDPET learning to balance the cart-pole (CartPole-v1 physics)",
        network=CartPoleNetwork,
        game=CartPole,
        game_params={"preset": "v1"},
        episodes=100,
        len_episode=500,
        eval_episodes=10,
        metric=mean_total_reward,
        metric_name="mean steps balanced in evaluation (random policy: about 22; solved: 500)",
    )
)
