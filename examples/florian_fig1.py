"""Florian (2007) Fig. 1: one synapse under MSTDP and MSTDPET.

The toy protocol of docs/replications.md (Florian's own spike times are
not known): presynaptic spikes at 5, 80, 115 and 135 ms, postsynaptic ones
at 10, 70, 110 and 140 ms, initial weight 0.2 mV, gamma 0.2 mV, reward +1
until 100 ms and -1 after, 200 ms. Writes the traces, eligibility, reward
and weight of each rule as a PNG (headless) and prints the final weights.

    python examples/florian_fig1.py [--out examples/figures]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from spikesim import experiments, viz


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).parent / "figures"), help="directory of the PNG files")
    args = parser.parse_args()
    experiment = experiments.get("florian-fig1")
    for rule in ("mstdp", "mstdpet"):
        outcome = experiment.run({"rule": rule}, seed=0, progress=False)
        path = Path(args.out) / f"florian-fig1-{rule}.png"
        viz.synapse_traces(outcome.results.arrays, title=f"One synapse under {rule.upper()}", path=path)
        print(f"{rule}: weight 0.2 -> {outcome.metric:.4f} mV; figure {path}")


if __name__ == "__main__":
    main()
