"""spikesim on the benchmark workloads W1 to W5 (docs/benchmarks.md).

    python bench/workloads.py W1 [--ticks 100] [--repeats 3]
    python bench/workloads.py W2 --n 100000 [--repeats 3] [--threads 2]
    python bench/workloads.py W3 [--duration 3600] [--pass] [--noise-bits 32] [--noise-stream generator]
    python bench/workloads.py W4 [--w4-duration 5] [--repeats 3] [--save-graph FILE]
    python bench/workloads.py W5|W5s [--w5-duration 1] [--repeats 1] [--save-graph FILE]
    python bench/workloads.py W1 --first-tick       # build and tick once: compile and start-up times
    python bench/workloads.py compile [--networks 1000]

Prints one JSON line. Run it through bench/run.py, which starts one process
per measurement (so peak memory and compilation are those of the workload
alone) and compares with Brian2.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import sys
import time

T0 = time.perf_counter()

import numpy as np  # noqa: E402

import spikesim  # noqa: E402
from spikesim import ActiveRLNetwork, Network, RLNetwork, every_step_reward  # noqa: E402
from spikesim.experiments.izhikevich import IZHIKEVICH_KEYS, izhikevich_bounds, izhikevich_matrix  # noqa: E402
from spikesim.games.logic import logic_xor  # noqa: E402
from spikesim.inputs import RateMap, StaticMap  # noqa: E402
from spikesim.neurons import LIF, ConductanceLIF, DeltaLIF, Izhikevich, Neuron  # noqa: E402
from spikesim.readouts import Threshold  # noqa: E402
from spikesim.rewards import MatchExpected  # noqa: E402
from spikesim.synapses import DASTDP, MSTDPET, STDP, MultiplicativeSTDP, Static  # noqa: E402
from spikesim.weights import Bernoulli, FixedInDegree, Manual  # noqa: E402

PATTERNS = [np.array(p, dtype=np.int8) for p in ((0, 0), (0, 1), (1, 0), (1, 1))]
NO_INPUT = np.zeros(1, dtype=np.int8)  # the state of the networks without inputs (W2, W3)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# ---------------------------------------------------------------------------- W1
def w1_blocks(rng: np.random.Generator, shape: tuple) -> list:
    """60 inputs -> 60 hidden -> 1 output, initial weights U(0, 0.2)."""
    return [rng.uniform(0.0, 0.2, (60, 60)), rng.uniform(0.0, 0.2, (60, 1))]


TAU_Z_W1 = -1.0 / math.log(1.0 - 0.04)  # z <- z * (1 - 0.04) per step


class W1(ActiveRLNetwork):
    """W1 "florian-xor": Spikey's neuron (v <- 0.95 v + input, threshold 16,
    random firing 0.15), 30 of 60 inputs inhibitory, every synapse plastic with
    reward-modulated STDP and an eligibility trace (MSTDPET with z decaying by
    0.96 per step; W1 adds the pairing to z unscaled and learns at 0.025, so
    learning_rate = 0.025 * tau_z), reward every step +1 when the pattern's
    XOR is 1 and -1 otherwise."""

    parts = {"inputs": RateMap, "neurons": Neuron, "weights": Manual, "synapses": MSTDPET,
             "readout": Threshold, "rewarder": MatchExpected}  # fmt: skip
    keys = {
        "n_inputs": 60, "n_neurons": 61, "n_outputs": 1, "processing_time": 500,
        "state_rate_map": [0.0, 0.08], "input_pct_inhibitory": 0.5,
        "firing_threshold": 16.0, "potential_decay": 0.05, "refractory_period": 0, "prob_rand_fire": 0.15,
        "matrix": w1_blocks, "max_weight": 5.0,
        "learning_rate": 0.025 * TAU_Z_W1, "tau_z": TAU_Z_W1, "tau_plus": 20.0, "tau_minus": 20.0,
        "expected_value": logic_xor, "continuous_rwd_action": every_step_reward, "action_threshold": 0.1,
    }  # fmt: skip


def run_w1(ticks: int, repeats: int, engine: str) -> dict:
    net = W1(seed=0, engine=engine)
    start = time.perf_counter()
    net.tick(PATTERNS[0])
    first = time.perf_counter() - start
    for t in range(1, 20):  # warm-up
        net.tick(PATTERNS[t % 4])
    times, cpu, spikes = [], [], 0
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        for t in range(ticks):
            net.tick(PATTERNS[t % 4])
            spikes += int(net.spike_log[:, net.n_inputs :].sum())
        cpu.append(time.process_time() - start_cpu)
        times.append((time.perf_counter() - start) / ticks * 1000.0)
    return {"workload": "W1", "n": 121, "ms_per_tick": statistics.median(times), "ms_per_tick_runs": times,
            "run_s": statistics.median(times) * ticks / 1000.0, "run_cpu_s": statistics.median(cpu),
            "compile_s": first, "spikes": spikes // repeats}  # fmt: skip


# ---------------------------------------------------------------------------- W2
class W2(RLNetwork):
    """W2 "scaling": N LIF neurons (tau 20 ms, threshold 20 mV, reset 0, v0 ~
    U(0, 20)), 100 recurrent synapses onto each (fixed in-degree), 80 %
    excitatory (0.1 mV, plastic in [0, 0.2]) and 20 % inhibitory (-0.5 mV,
    static), a background of Binomial(100, 0.021) events of 0.5 mV per neuron
    per step, pair-based STDP (a_plus 0.001, a_minus -0.00105, tau 20 ms)."""

    parts = {"inputs": RateMap, "neurons": LIF, "weights": FixedInDegree, "synapses": STDP, "readout": Threshold}
    keys = {
        "n_inputs": 0, "n_outputs": 1, "processing_time": 1000, "state_rate_map": [0.0],
        "tau_m": 20.0, "resting_mv": 0.0, "reset_mv": 0.0, "firing_threshold": 20.0, "initial_mv": "uniform",
        "background_sources": 100, "background_rate": 0.021, "background_mv": 0.5,
        "in_degree": 100, "source": "body", "initial_weight": 0.1, "max_weight": 0.2,
        "static_inhibitory": True, "inhibitory_weight": 0.5,
        "learning_rate": 1.0, "a_plus": 0.001, "a_minus": -0.00105, "tau_plus": 20.0, "tau_minus": 20.0,
        "action_threshold": 0.0,
    }  # fmt: skip


def w2_network(n: int, engine: str, seed: int = 0, threads: int = 1) -> W2:
    polarities = np.ones(n)
    polarities[int(0.8 * n) :] = -1.0
    return W2(seed=seed, engine=engine, n_neurons=n, polarities=polarities, threads=threads)


def run_w2(n: int, repeats: int, engine: str, threads: int = 1) -> dict:
    """W2 at ``n`` neurons, ``repeats`` networks (seeds 0, 1, ...) of one
    simulated second each, on ``threads`` of Numba's threads (the network's
    ``threads`` key: the same spikes for any number)."""
    start = time.perf_counter()
    small = w2_network(200, engine, threads=threads)
    small.tick(NO_INPUT)  # compile on a small network of the same parts
    compile_s = time.perf_counter() - start
    times, cpu, spikes = [], [], []
    build = []
    for r in range(repeats):
        start = time.perf_counter()
        net = w2_network(n, engine, seed=r, threads=threads)
        build.append(time.perf_counter() - start)
        start, start_cpu = time.perf_counter(), time.process_time()
        net.tick(NO_INPUT)
        cpu.append(time.process_time() - start_cpu)
        times.append(time.perf_counter() - start)
        spikes.append(int(net.spike_log[:, net.n_inputs :].sum()))
        del net
    run_s = statistics.median(times)
    median_spikes = int(statistics.median(spikes))
    mode = {"mode": f"{engine} {threads} threads"} if threads > 1 else {}
    return {"workload": "W2", "n": n, **mode, "threads": threads, "run_s": run_s, "run_s_runs": times,
            "run_cpu_s": statistics.median(cpu),
            "build_s": statistics.median(build),
            "events_per_s": median_spikes * 100 / run_s, "rate_hz": median_spikes / n, "compile_s": compile_s,
            "spikes": median_spikes}  # fmt: skip


# ---------------------------------------------------------------------------- W3
class W3(RLNetwork):
    """W3: Izhikevich's (2007) distal-reward network: 800 regular-spiking and
    200 fast-spiking neurons, 100 synapses out of each, noise 13 (U - 0.5),
    dopamine-modulated STDP with daspnet.m's per-step factors, its weights
    brought up to date lazily (``lazy_updates``: the pass's weights to
    rounding; ``--pass`` runs the pass). Each step's ``U`` come from one
    draw of the network's generator expanded by SplitMix64
    (``noise_stream = "splitmix"``, faster; 53 random bits each; other random
    numbers than experiments/izhikevich.py's, same statistics);
    ``--noise-stream generator`` draws every ``U`` from the generator, as the
    experiments do, and ``--noise-bits 32`` with 32 bits each."""

    parts = {"inputs": RateMap, "neurons": Izhikevich, "weights": Manual, "synapses": DASTDP, "readout": Threshold}
    keys = {
        **IZHIKEVICH_KEYS, "n_inputs": 0, "state_rate_map": [0.0], "matrix": izhikevich_matrix,
        "min_weight": izhikevich_bounds()[0], "max_weight": izhikevich_bounds()[1], "lazy_updates": True,
        "noise_stream": "splitmix",
    }  # fmt: skip


def run_w3(duration: int, engine: str, lazy: bool = True, noise_bits: int = 64, noise_stream: str = "splitmix") -> dict:
    start = time.perf_counter()
    net = W3(seed=0, engine=engine, lazy_updates=lazy, noise_bits=noise_bits, noise_stream=noise_stream)
    build = time.perf_counter() - start
    start = time.perf_counter()
    net.tick(NO_INPUT)
    first = time.perf_counter() - start
    spikes = np.count_nonzero(net.spike_log)
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(duration - 1):
        net.tick(NO_INPUT)
        spikes += np.count_nonzero(net.spike_log)  # (a tenth of the time of spike_log.sum(): 0.04 ms a tick)
    run_s = (time.perf_counter() - start) * duration / max(1, duration - 1)
    run_cpu_s = (time.process_time() - start_cpu) * duration / max(1, duration - 1)
    excitatory = net.graph.lo < net.graph.hi
    return {"workload": "W3", "n": 1000, "simulated_s": duration, "run_s": run_s, "hour_s": run_s * 3600 / duration,
            "run_cpu_s": run_cpu_s,
            "build_s": build, "compile_s": first, "spikes": int(spikes), "rate_hz": spikes / 1000 / duration,
            "lazy_updates": lazy, "noise_bits": noise_bits, "noise_stream": noise_stream,
            "events_per_s": spikes * 100 / run_s, "mean_excitatory_weight": float(net.w[excitatory].mean())}  # fmt: skip


# ---------------------------------------------------------------------------- W4
W4_EXCITATORY = 3200
W4_STEPS_PER_TICK = 2500  # 0.25 s of 0.1 ms steps per tick (spike log 10 MB): less per-tick Python than 1000 (measured)
W4_SEED = 2  # the graph of seed 2 fires at 17.7 Hz, near the median of seeds 0-11 (16.0-20.0 Hz, see docs/benchmarks.md)


def no_input_spikes(state: np.ndarray) -> np.ndarray:
    """W4 has no input neurons: the (empty) spike pattern of every state."""
    return np.zeros(0)


class W4(Network):
    """W4 "COBA-4000" (the Vogels-Abbott network with a background current):
    3200 excitatory and 800 inhibitory conductance-based LIF neurons, every
    ordered pair connected with p = 0.02 (autapses too), conductance jumps
    of 0.4 (excitatory) and 5.1 (inhibitory) leak conductances, static,
    one-step (0.1 ms) delay, forward Euler at dt = 0.1 ms, all potentials at
    -60 mV at the start."""

    parts = {"inputs": StaticMap, "neurons": ConductanceLIF, "weights": Bernoulli, "synapses": Static,
             "readout": Threshold}  # fmt: skip
    keys = {
        "n_inputs": 0, "n_neurons": 4000, "n_outputs": 1, "processing_time": W4_STEPS_PER_TICK,
        "state_spike_map": no_input_spikes, "action_threshold": 0.0,
        "dt": 0.1, "tau_m": 20.0, "resting_mv": -60.0, "reset_mv": -60.0, "firing_threshold": -50.0,
        "bias": 20.0, "tau_e": 5.0, "tau_i": 10.0, "exc_reversal_mv": 0.0, "inh_reversal_mv": -80.0,
        "refractory_ms": 5.0, "integration": "euler",
        "connection_probability": 0.02, "autapses": True, "initial_weight": 0.4, "inhibitory_weight": 5.1,
        "max_weight": 5.1,
    }  # fmt: skip


def w4_network(engine: str, seed: int = W4_SEED, n: int = 4000) -> W4:
    polarities = np.ones(n)
    polarities[int(n * W4_EXCITATORY / 4000) :] = -1.0
    net = W4(seed=seed, engine=engine, n_neurons=n, polarities=polarities)
    net.eval()  # static synapses: nothing to learn
    return net


def w4_activity(counts: np.ndarray, seconds: float) -> dict:
    """Rates of W4 from each neuron's spike count, and the activity check:
    population rate in [16, 20] Hz and per-neuron excitatory rates skewed
    (median below 0.8 of the mean, the 0-5 Hz bin the most populated)."""
    rates = counts / seconds
    exc = rates[:W4_EXCITATORY]
    hist = np.histogram(exc, bins=np.arange(0.0, 55.0, 5.0))[0]
    rate = float(rates.mean())
    skewed = bool(np.median(exc) < 0.8 * exc.mean() and hist.argmax() == 0)
    return {"rate_hz": rate, "rate_e_hz": float(exc.mean()), "rate_i_hz": float(rates[W4_EXCITATORY:].mean()),
            "median_rate_e_hz": float(np.median(exc)), "frac_e_above_50hz": float((exc > 50.0).mean()),
            "hist_e_5hz": [round(float(h) / max(1, hist[0]), 3) for h in hist],
            "activity_ok": bool(16.0 <= rate <= 20.0 and skewed)}  # fmt: skip


def run_w4(duration: float, repeats: int, engine: str, save_graph: str | None = None) -> dict:
    """W4 from its deterministic start for ``duration`` simulated seconds,
    ``repeats`` times (a reset between: the same run again). Only the ticks
    are timed; counting spikes in the log happens between them."""
    start = time.perf_counter()
    w4_network(engine, n=200).tick(NO_INPUT)  # compile on a small network of the same parts
    compile_s = time.perf_counter() - start
    start = time.perf_counter()
    net = w4_network(engine)
    build_s = time.perf_counter() - start
    if save_graph:
        np.savez(save_graph, sources=net.graph.sources, targets=net.graph.targets, n=4000, n_exc=W4_EXCITATORY)
    ticks = int(round(duration * 1e4 / W4_STEPS_PER_TICK))
    times, cpu, spike_runs = [], [], []
    for r in range(repeats):
        if r:
            net.reset()
        counts = np.zeros(4000, dtype=np.int64)
        wall = used = 0.0
        first_volley = None
        for t in range(ticks):
            t0, c0 = time.perf_counter(), time.process_time()
            net.tick(NO_INPUT)
            used += time.process_time() - c0
            wall += time.perf_counter() - t0
            per_step = net.spike_log.sum(axis=1)
            if first_volley is None and per_step.any():
                first_volley = (t * W4_STEPS_PER_TICK + int(np.argmax(per_step > 0))) * 0.1
            counts += net.spike_log.sum(axis=0)
        times.append(wall)
        cpu.append(used)
        spike_runs.append(counts)
    counts = spike_runs[0]
    simulated = ticks * W4_STEPS_PER_TICK * 1e-4
    run_s, run_cpu_s = statistics.median(times), statistics.median(cpu)
    events = int(counts @ net.out_degree[net.n_inputs :])
    return {"workload": "W4", "n": 4000, "simulated_s": simulated, "run_s": run_s, "run_s_runs": times,
            "run_cpu_s": run_cpu_s, "s_per_simulated_s": run_s / simulated,
            "cpu_s_per_simulated_s": run_cpu_s / simulated, "build_s": build_s, "compile_s": compile_s,
            "synapses": int(net.graph.targets.size), "spikes": int(counts.sum()),
            "same_spikes_every_repeat": all(np.array_equal(c, counts) for c in spike_runs),
            "first_volley_ms": first_volley, "events_per_s": events / run_s,
            **w4_activity(counts, simulated)}  # fmt: skip


# ---------------------------------------------------------------------------- W5
W5_EXCITATORY = 8000
W5_STEPS_PER_TICK = 1000  # 0.1 s of 0.1 ms steps per tick (spike log 10 MB)
W5_SEED = 0


class W5(Network):
    """W5 "Brunel-10k with STDP": 8000 excitatory and 2000 inhibitory
    delta-synapse LIF neurons (tau_m 20 ms, threshold 20 mV, reset 0 mV, 2 ms
    refractory clamp, forward Euler at dt = 0.1 ms), every ordered pair but
    the autapses connected with p = 0.1, weights 0.1 mV (excitatory) and
    -0.5 mV (inhibitory), every delay 1.5 ms (15 steps), an independent
    Poisson drive of 20 kHz x 0.1 mV per neuron (Binomial(1000, 0.002) events
    per step), and the multiplicative STDP (lambda 0.01, alpha 2.02, w_max
    0.3 mV, tau 20 ms) on the E->E synapses only."""

    parts = {"inputs": StaticMap, "neurons": DeltaLIF, "weights": Bernoulli, "synapses": MultiplicativeSTDP,
             "readout": Threshold}  # fmt: skip
    keys = {
        "n_inputs": 0, "n_neurons": 10000, "n_outputs": 1, "processing_time": W5_STEPS_PER_TICK,
        "state_spike_map": no_input_spikes, "action_threshold": 0.0,
        "dt": 0.1, "tau_m": 20.0, "resting_mv": 0.0, "reset_mv": 0.0, "firing_threshold": 20.0,
        "refractory_ms": 2.0, "integration": "euler", "initial_mv": 0.0,
        "background_sources": 1000, "background_rate": 0.002, "background_mv": 0.1,
        "connection_probability": 0.1, "autapses": False, "initial_weight": 0.1, "inhibitory_weight": 0.5,
        "min_weight": 0.0, "max_weight": 0.3, "plastic_synapses": "excitatory", "storage": "sparse",
        "delay_steps": 15, "learning_rate": 0.01, "alpha": 2.02, "tau_plus": 20.0, "tau_minus": 20.0,
    }  # fmt: skip


class W5s(W5):
    """W5s: W5 with static synapses."""

    parts = {**W5.parts, "synapses": Static}
    keys = {k: v for k, v in W5.keys.items() if k not in ("learning_rate", "alpha", "tau_plus", "tau_minus")}


def w5_network(workload: str, engine: str, seed: int = W5_SEED, n: int = 10000) -> W5:
    polarities = np.ones(n)
    polarities[int(n * W5_EXCITATORY / 10000) :] = -1.0
    cls = W5 if workload == "W5" else W5s
    return cls(seed=seed, engine=engine, n_neurons=n, polarities=polarities)


def w5_activity(counts: np.ndarray, seconds: float, w_ee: np.ndarray | None) -> dict:
    """Rates of W5 / W5s and the activity check: mean rate in [32, 39] Hz;
    with STDP, the E->E weights unimodal around 0.099-0.100 mV (mean in
    [0.095, 0.105] mV, 99 % of them in [0.085, 0.115] mV)."""
    rates = counts / seconds
    rate = float(rates.mean())
    out = {"rate_hz": rate, "rate_e_hz": float(rates[:W5_EXCITATORY].mean()),
           "rate_i_hz": float(rates[W5_EXCITATORY:].mean())}  # fmt: skip
    ok = 32.0 <= rate <= 39.0
    if w_ee is not None:
        inside = float(((w_ee >= 0.085) & (w_ee <= 0.115)).mean())
        out.update({"w_ee_mean_mv": float(w_ee.mean()), "w_ee_std_mv": float(w_ee.std()),
                    "w_ee_within_085_115": inside})  # fmt: skip
        ok = ok and 0.095 <= w_ee.mean() <= 0.105 and inside >= 0.99
    out["activity_ok"] = bool(ok)
    return out


def run_w5(workload: str, duration: float, repeats: int, engine: str, save_graph: str | None = None) -> dict:
    """W5 (or W5s) from rest for ``duration`` simulated seconds, ``repeats``
    times (the weights are put back and the state reset between). Only the
    ticks are timed."""
    start = time.perf_counter()
    w5_network(workload, engine, n=200).tick(NO_INPUT)  # compile on a small network of the same parts
    compile_s = time.perf_counter() - start
    start = time.perf_counter()
    net = w5_network(workload, engine)
    build_s = time.perf_counter() - start
    if save_graph:
        np.savez(save_graph, sources=net.graph.sources, targets=net.graph.targets, n=10000, n_exc=W5_EXCITATORY)
    w0 = net.w.copy()
    ticks = int(round(duration * 1e4 / W5_STEPS_PER_TICK))
    times, cpu, spike_runs = [], [], []
    for r in range(repeats):
        if r:
            net.w[:] = w0
            net.reset()
        counts = np.zeros(10000, dtype=np.int64)
        wall = used = 0.0
        for _ in range(ticks):
            t0, c0 = time.perf_counter(), time.process_time()
            net.tick(NO_INPUT)
            used += time.process_time() - c0
            wall += time.perf_counter() - t0
            counts += net.spike_log.sum(axis=0)
        times.append(wall)
        cpu.append(used)
        spike_runs.append(counts)
    counts = spike_runs[0]
    simulated = ticks * W5_STEPS_PER_TICK * 1e-4
    run_s, run_cpu_s = statistics.median(times), statistics.median(cpu)
    events = int(counts @ net.out_degree[net.n_inputs :])
    sources, targets = net.graph.sources.astype(np.int64), net.graph.targets.astype(np.int64)
    ee = (sources < W5_EXCITATORY) & (targets < W5_EXCITATORY)
    return {"workload": workload, "n": 10000, "simulated_s": simulated, "run_s": run_s, "run_s_runs": times,
            "run_cpu_s": run_cpu_s, "s_per_simulated_s": run_s / simulated,
            "cpu_s_per_simulated_s": run_cpu_s / simulated, "build_s": build_s, "compile_s": compile_s,
            "synapses": int(net.graph.targets.size), "spikes": int(counts.sum()), "events_per_s": events / run_s,
            **w5_activity(counts, simulated, net.w[ee] if workload == "W5" else None)}  # fmt: skip


def run_first_tick(workload: str, engine: str, threads: int = 1) -> dict:
    """Import, build the workload's network and run its first tick: what a
    new process pays before simulating (``start_s`` from process start);
    W2 on ``threads`` threads."""
    net = {"W1": lambda: W1(seed=0, engine=engine), "W2": lambda: w2_network(1000, engine, threads=threads),
           "W3": lambda: W3(seed=0, engine=engine), "W4": lambda: w4_network(engine),
           "W5": lambda: w5_network("W5", engine), "W5s": lambda: w5_network("W5s", engine)}[workload]()  # fmt: skip
    state = PATTERNS[0] if workload == "W1" else NO_INPUT
    start = time.perf_counter()
    net.tick(state)
    return {"workload": workload, "first_tick": True, "compile_s": time.perf_counter() - start,
            "start_s": time.perf_counter() - T0}  # fmt: skip


def run_compile(networks: int, engine: str) -> dict:
    """Build ``networks`` W1 networks of the same parts in one process and run
    a tick of each: the tick is compiled (and loaded) once."""
    from spikesim import engine as engine_module

    start = time.perf_counter()
    for seed in range(networks):
        W1(seed=seed, engine=engine, processing_time=10).tick(PATTERNS[seed % 4])
    per_network = (time.perf_counter() - start) / networks
    compiled = list(engine_module._compiled.values())
    return {"workload": "compile", "networks": networks, "ms_per_network": per_network * 1000,
            "combinations_compiled": len(compiled),
            "signatures": sum(len(c.run_tick.signatures) for c in compiled)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=("W1", "W2", "W3", "W4", "W5", "W5s", "compile"))
    parser.add_argument("--n", type=int, default=1000, help="W2: number of neurons")
    parser.add_argument("--ticks", type=int, default=100, help="W1: ticks timed per repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--duration", type=int, default=3600, help="W3: simulated seconds")
    parser.add_argument("--w4-duration", type=float, default=5.0, help="W4: simulated seconds (a multiple of 0.25)")
    parser.add_argument("--w5-duration", type=float, default=1.0, help="W5/W5s: simulated seconds (a multiple of 0.1)")
    parser.add_argument("--save-graph", help="W4/W5: write the synapses (sources, targets) to this .npz for the peers")
    parser.add_argument("--pass", dest="lazy", action="store_false",
                        help="W3: DASTDP's pass over all synapses at every update instead of its lazy updates")
    parser.add_argument("--noise-bits", type=int, choices=(32, 64), default=64,
                        help="W3: random bits of each neuron's noise draw (64: as experiments/izhikevich.py)")
    parser.add_argument("--noise-stream", choices=("splitmix", "generator"), default="splitmix",
                        help="W3: the noise's words from one draw a step expanded by SplitMix64, or each from the "
                             "generator (as experiments/izhikevich.py)")
    parser.add_argument("--threads", type=int, default=1,
                        help="W2: the network's threads (at most NUMBA_NUM_THREADS; 1: serial)")
    parser.add_argument("--engine", choices=("numba", "numpy"), default="numba")
    parser.add_argument("--first-tick", action="store_true", help="only build the network and run one tick")
    parser.add_argument("--networks", type=int, default=1000, help="compile: networks built in one process")
    args = parser.parse_args()
    if args.threads != 1 and args.workload != "W2":
        parser.error(f"--threads is for W2 only; got --threads {args.threads} with {args.workload}")
    if args.workload == "compile":
        result = run_compile(args.networks, args.engine)
    elif args.first_tick:
        result = run_first_tick(args.workload, args.engine, args.threads)
    elif args.workload == "W1":
        result = run_w1(args.ticks, args.repeats, args.engine)
    elif args.workload == "W2":
        result = run_w2(args.n, args.repeats, args.engine, args.threads)
    elif args.workload == "W4":
        result = run_w4(args.w4_duration, args.repeats, args.engine, args.save_graph)
    elif args.workload in ("W5", "W5s"):
        result = run_w5(args.workload, args.w5_duration, args.repeats, args.engine, args.save_graph)
    else:
        result = run_w3(args.duration, args.engine, args.lazy, args.noise_bits, args.noise_stream)
    result = {"sim": "spikesim", "mode": args.engine, **result, "peak_rss_mb": peak_rss_mb(),
              "process_s": time.perf_counter() - T0, "version": spikesim.__version__,
              "cache": os.environ.get("SPIKESIM_CACHE_DIR", "default")}  # fmt: skip
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
