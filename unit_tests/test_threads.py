"""The network key ``threads``: the same spikes and weights for any number of threads.

Numba fixes its pool of threads (``NUMBA_NUM_THREADS``) when it is first
imported, so the runs on 1, 2 and 3 threads happen in a subprocess started
with ``NUMBA_NUM_THREADS=3`` (more threads than CI's two cores: the results
must not depend on how the work is split, nor on the machine)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numba as nb
import numpy as np
import pytest

from spikesim import ConfigError, RLNetwork
from spikesim.inputs import RateMap
from spikesim.network import _kernel
from spikesim.neurons import LIF, CurrentLIF
from spikesim.readouts import Threshold
from spikesim.synapses import STDP, Static
from spikesim.weights import FixedInDegree

N = 400
STEPS = 150

# A small W2 (bench/workloads.py): LIF neurons with a Poisson background, 40 synapses onto each, 80 %
# excitatory and plastic, STDP with a learning rate large enough that the weights move a lot in 150 steps.
W2_LIKE = textwrap.dedent(
    f"""
    import sys
    import numpy as np
    from spikesim import RLNetwork
    from spikesim.inputs import RateMap
    from spikesim.neurons import LIF
    from spikesim.readouts import Threshold
    from spikesim.synapses import STDP
    from spikesim.weights import FixedInDegree

    class Small(RLNetwork):
        parts = {{"inputs": RateMap, "neurons": LIF, "weights": FixedInDegree, "synapses": STDP, "readout": Threshold}}
        keys = {{
            "n_inputs": 0, "n_neurons": {N}, "n_outputs": 1, "processing_time": {STEPS}, "state_rate_map": [0.0],
            "tau_m": 20.0, "resting_mv": 0.0, "reset_mv": 0.0, "firing_threshold": 20.0, "initial_mv": "uniform",
            "background_sources": 100, "background_rate": 0.021, "background_mv": 0.5,
            "in_degree": 40, "source": "body", "initial_weight": 0.5, "max_weight": 1.0,
            "static_inhibitory": True, "inhibitory_weight": 1.0,
            "learning_rate": 10.0, "a_plus": 0.001, "a_minus": -0.00105, "tau_plus": 20.0, "tau_minus": 20.0,
            "action_threshold": 0.0,
        }}

    def run(threads, engine="numba", **keys):
        polarities = np.ones({N})
        polarities[int(0.8 * {N}) :] = -1.0
        net = Small(seed=3, engine=engine, threads=threads, polarities=polarities, **keys)
        logs = []
        for _ in range(2):  # two ticks: the state carried over between calls too
            net.tick(np.zeros(1, np.int8))
            logs.append(net.spike_log.copy())
        return np.concatenate(logs), net.w.copy(), net.neurons.state.v.copy(), net.synapses.state.x_pre.copy()

    out = {{}}
    for name, keys in (("plain", {{}}), ("delays", {{"delay_steps": 3}})):
        for threads in (1, 2, 3):
            for field, value in zip(("spikes", "w", "v", "x_pre"), run(threads, **keys)):
                out[f"{{name}}_{{threads}}_{{field}}"] = value
    out["reference_spikes"], out["reference_w"], _, _ = run(1, engine="numpy")
    np.savez(sys.argv[1], **out)
    """
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, np.ndarray]:
    """The small W2 with and without delays on 1, 2 and 3 threads, and on the NumPy engine."""
    directory = tmp_path_factory.mktemp("threads")
    script, result = directory / "runs.py", directory / "runs.npz"
    script.write_text(W2_LIKE)
    env = {**os.environ, "NUMBA_NUM_THREADS": "3", "OMP_WAIT_POLICY": "passive"}
    done = subprocess.run([sys.executable, str(script), str(result)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    with np.load(result) as arrays:
        return dict(arrays)


@pytest.mark.parametrize("name", ["plain", "delays"])
@pytest.mark.parametrize("threads", [2, 3])
def test_same_results_for_any_number_of_threads(runs, name, threads) -> None:
    for field in ("spikes", "w", "v", "x_pre"):
        serial, parallel = runs[f"{name}_1_{field}"], runs[f"{name}_{threads}_{field}"]
        assert serial.dtype == parallel.dtype and serial.shape == parallel.shape
        assert serial.tobytes() == parallel.tobytes(), f"{name}: {field} differ on {threads} threads"


@pytest.mark.parametrize("name", ["plain", "delays"])
def test_the_runs_have_work_to_agree_on(runs, name) -> None:
    spikes, w = runs[f"{name}_1_spikes"], runs[f"{name}_1_w"]
    assert spikes.shape == (2 * STEPS, N)
    rate = spikes.sum() / N / (2 * STEPS / 1000.0)  # Hz at dt = 1 ms
    assert 5.0 < rate < 100.0
    excitatory = w > 0
    initial = 0.5
    moved = np.abs(w[excitatory] - initial) > 1e-3
    assert moved.mean() > 0.5  # STDP moved most plastic weights
    np.testing.assert_array_equal(w[w < 0], -1.0)  # the inhibitory ones are static


def test_numpy_engine_agrees_with_the_threaded_one(runs) -> None:
    np.testing.assert_array_equal(runs["reference_spikes"], runs["plain_2_spikes"])
    np.testing.assert_allclose(runs["reference_w"], runs["plain_2_w"], rtol=0, atol=1e-12)


class Tiny(RLNetwork):
    parts = {"inputs": RateMap, "neurons": LIF, "weights": FixedInDegree, "synapses": STDP, "readout": Threshold}
    keys = {"n_inputs": 0, "n_neurons": 10, "n_outputs": 1, "processing_time": 5, "state_rate_map": [0.0],
            "in_degree": 2, "initial_weight": 0.5, "max_weight": 1.0}  # fmt: skip


@pytest.mark.parametrize("threads", [0, -1])
def test_threads_below_one_are_refused(threads) -> None:
    with pytest.raises(ConfigError, match="threads"):
        Tiny(seed=0, threads=threads)


def test_more_threads_than_numba_has_are_refused() -> None:
    too_many = nb.config.NUMBA_NUM_THREADS + 1
    expected = rf"'threads' expects at most {too_many - 1}.*NUMBA_NUM_THREADS.*got {too_many}"
    with pytest.raises(ConfigError, match=expected):
        Tiny(seed=0, threads=too_many)


def test_parallel_kernels_are_chosen_only_where_the_class_defines_them() -> None:
    lif, current = Tiny(seed=0).neurons, Tiny(seed=0, neurons=CurrentLIF).neurons
    assert _kernel(lif, "kernel", parallel=True) is LIF.parallel_kernel
    assert _kernel(lif, "kernel", parallel=False) is LIF.kernel
    # CurrentLIF overrides LIF's kernel but has no parallel one: it must not inherit LIF's
    assert _kernel(current, "kernel", parallel=True) is CurrentLIF.kernel
    stdp = Tiny(seed=0).synapses
    assert _kernel(stdp, "arrival_kernel", parallel=True) is STDP.parallel_arrival_kernel
    static = Tiny(seed=0, synapses=Static).synapses
    assert _kernel(static, "kernel", parallel=True) is Static.kernel
