"""Train Spikey's XOR network with Florian's reward-modulated STDP and print its learning.

60 rate-coded inputs (two groups of 30, one per input bit: 40 Hz when the bit
is 1, silent when 0), 60 hidden LIF neurons and one output neuron, fully
connected feed-forward. Each game step presents one of the four patterns for
500 ms; the network is rewarded +1 for every output spike when XOR is 1 and
-1 when it is 0 (Florian 2007, rate-coded XOR, MSTDPET). The simulation is
continuous: nothing is reset between patterns. A frozen twin (same seed,
same inputs, plasticity off) shows what learning added.

    python examples/xor.py [--epochs 200] [--seed 0] [--engine numba|numpy]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from spikesim import ActiveRLNetwork
from spikesim.games import Logic
from spikesim.inputs import RateMap
from spikesim.neurons import LIF
from spikesim.readouts import Threshold
from spikesim.rewards import MatchExpected
from spikesim.synapses import MSTDPET
from spikesim.weights import Manual

PATTERNS = [np.array(p, dtype=np.int8) for p in ((0, 0), (0, 1), (1, 0), (1, 1))]


def feed_forward(rng: np.random.Generator, shape: tuple) -> list:
    """Weight blocks inputs -> hidden -> output, uniform in [0, 5] mV."""
    return [rng.uniform(0.0, 5.0, (60, 60)), rng.uniform(0.0, 5.0, (60, 1))]


class FlorianXOR(ActiveRLNetwork):
    """Florian's rate-coded XOR network (2007, Sec. 4.2)."""

    parts = {"inputs": RateMap, "neurons": LIF, "weights": Manual, "synapses": MSTDPET,
             "readout": Threshold, "rewarder": MatchExpected}  # fmt: skip
    keys = {
        "n_inputs": 60, "n_neurons": 61, "n_outputs": 1, "processing_time": 500,
        "state_rate_map": [0.0, 0.04],  # input i follows bit i % 2: 40 Hz (1 ms steps) or silent
        "input_polarities": np.tile([1, 1, -1, -1], 15),  # half of each group inhibitory: weights in [-5, 0]
        "matrix": feed_forward, "max_weight": 5.0,
        "learning_rate": 0.625, "tau_z": 25.0,  # Florian's MSTDPET values for this task
        "action_threshold": 0.02,  # the action is 1 when the output fires at 20 Hz or more
    }  # fmt: skip


def output_rates(net: ActiveRLNetwork, order: np.ndarray) -> dict:
    rates = {}
    for i in order:
        net.tick(PATTERNS[i])
        rates[i] = net.spike_log[:, -1].mean() * 1000.0  # Hz
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--engine", choices=("numba", "numpy"), default="numba")
    args = parser.parse_args()

    game = Logic(preset="XOR")
    trained = FlorianXOR(game=game, seed=args.seed, engine=args.engine)
    frozen = trained.copy()
    frozen.eval()
    order_rng = np.random.default_rng(args.seed)
    print("epoch   output rate (Hz) for 00   01   10   11      frozen twin: 00   01   10   11")
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        order = order_rng.permutation(4)
        rates = output_rates(trained, order)
        frozen_rates = output_rates(frozen, order)
        if epoch == 1 or epoch % max(1, args.epochs // 10) == 0:
            row = "  ".join(f"{rates[i]:5.1f}" for i in range(4))
            twin = "  ".join(f"{frozen_rates[i]:5.1f}" for i in range(4))
            print(f"{epoch:5d}   {row:>38}      {twin}")
    seconds = time.perf_counter() - start
    solved = rates[3] < rates[1] and rates[3] < rates[2]
    frozen_solved = frozen_rates[3] < frozen_rates[1] and frozen_rates[3] < frozen_rates[2]
    ticks = 2 * 4 * args.epochs
    print(f"\nlast epoch: XOR {'learned' if solved else 'not learned'} (rate of 11 below 01 and 10); "
          f"frozen twin: {'passes' if frozen_solved else 'fails'}")  # fmt: skip
    print(f"{ticks} ticks of 500 steps in {seconds:.1f} s ({1000 * seconds / ticks:.2f} ms per tick, {args.engine} engine)")


if __name__ == "__main__":
    main()
