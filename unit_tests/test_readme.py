"""The README's quick start runs as printed and its network learns XOR."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_quick_start_learns_xor():
    # The block as printed (seed 1), then on seeds 2-5 (its two seed=1 replaced): a rate, not one lucky seed.
    # Measured: Florian's success test holds on all 5 (11 fires at 0.01-0.034 per step, 01 and 10 at
    # 0.088-0.142); at least 4 of 5 asked. About 1 s per seed.
    block = python_blocks()[0]
    assert block.count("seed=1") == 2  # XOR(..., seed=1) and game.reset(seed=1)
    learned = {}
    for seed in range(1, 6):
        namespace: dict = {}
        exec(block.replace("seed=1", f"seed={seed}"), namespace)
        net = namespace["net"]
        net.eval()
        rates = {}
        for state in ((0, 0), (0, 1), (1, 0), (1, 1)):
            net.tick(np.array(state))
            rates[state] = net.spike_log[:, -1].mean()
        assert rates[(0, 0)] == 0.0  # no input, no output, learned or not
        # Florian's success test: the output fires less for 11 than for 01 and 10 (00 has no input)
        learned[seed] = bool(rates[(1, 1)] < rates[(0, 1)] and rates[(1, 1)] < rates[(1, 0)])
    assert sum(learned.values()) >= 4, learned


def test_quick_start_prints_what_the_readme_shows(capsys):
    exec(python_blocks()[0], {})
    shown = re.search(r"```python\n.*?```\n\n```text\n(.*?)```", README.read_text(), flags=re.S).group(1)
    assert capsys.readouterr().out == shown


def test_adding_a_part_example_runs_on_both_engines():
    namespace: dict = {}
    exec(python_blocks()[1], namespace)
    leaky = namespace["Leaky"](n_neurons=3, leak=0.5, threshold=1.0)
    out = {}
    for engine, step in (("numba", leaky.kernel), ("numpy", leaky.reference)):
        leaky.reset()
        spikes = np.zeros(3, bool)
        history = []
        for current in ([0.6, 0.2, 1.5], [0.6, 0.2, 0.0], [0.6, 0.2, 0.0]):
            step(leaky.kernel_params(), leaky.state, np.array(current), leaky.rng, spikes)
            history.append(spikes.copy())
        out[engine] = np.array(history)
    # v: 0.6 -> 0.9 -> 1.05 (spike at the third step); 0.2 -> 0.3 -> 0.35; 1.5 spikes at once
    expected = [[False, False, True], [False, False, False], [True, False, False]]
    np.testing.assert_array_equal(out["numba"], expected)
    np.testing.assert_array_equal(out["numpy"], expected)
