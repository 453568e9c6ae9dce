"""Spikey's XOR network, shared by several test modules."""
from __future__ import annotations

import numpy as np

from spikesim import ActiveRLNetwork, RLNetwork
from spikesim.inputs import RateMap
from spikesim.neurons import Neuron
from spikesim.readouts import Threshold
from spikesim.rewards import MatchExpected
from spikesim.synapses import RLSTDP
from spikesim.weights import Manual


def xor_blocks(rng: np.random.Generator, shape: tuple) -> list:
    """Feed-forward blocks: 60 inputs -> 60 hidden -> 1 output, U(0, 0.2)."""
    return [rng.uniform(0, 0.2, (60, 60)), rng.uniform(0, 0.2, (60, 1))]


XOR_PARTS = {
    "inputs": RateMap,
    "neurons": Neuron,
    "weights": Manual,
    "synapses": RLSTDP,
    "readout": Threshold,
    "rewarder": MatchExpected,
}

XOR_KEYS = {
    "n_inputs": 60,
    "n_neurons": 61,
    "n_outputs": 1,
    "processing_time": 100,
    "matrix": xor_blocks,
    "max_weight": 5.0,
    "input_pct_inhibitory": 0.5,
    "firing_threshold": 16.0,
    "potential_decay": 0.05,
    "refractory_period": 0,
    "prob_rand_fire": 0.15,
    "state_rate_map": [0.0, 0.08],
    "learning_rate": 0.001,
    "stdp_window": 20,
    "trace_decay": 0.04,
    "action_threshold": 0.1,
}


class XORNetwork(RLNetwork):
    parts = XOR_PARTS
    keys = XOR_KEYS


class ActiveXORNetwork(ActiveRLNetwork):
    parts = XOR_PARTS
    keys = XOR_KEYS


STATES = [np.array(s, dtype=np.int8) for s in ((0, 0), (0, 1), (1, 0), (1, 1))]
