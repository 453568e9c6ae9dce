"""The installed package: what importing it pulls in."""
from __future__ import annotations

import subprocess
import sys


def test_import_does_not_import_ray_or_matplotlib():
    code = (
        "import sys; import spikesim, spikesim.games, spikesim.neurons, spikesim.synapses, spikesim.inputs, "
        "spikesim.readouts, spikesim.rewards, spikesim.weights, spikesim.modifiers; "
        "print('ray' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"], out
