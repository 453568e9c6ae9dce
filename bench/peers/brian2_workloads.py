"""Brian2 peer of the benchmark suite: workloads W1 to W5 in C++ standalone or cython runtime.

    PY=$(python bench/peers/brian2_env.py)
    $PY bench/peers/brian2_workloads.py W1 --mode cpp_standalone [--ticks 100] [--repeats 3]
    $PY bench/peers/brian2_workloads.py W2 --mode cython --n 10000 [--repeats 3]
    $PY bench/peers/brian2_workloads.py W3 --mode cpp_standalone [--duration 60]
    $PY bench/peers/brian2_workloads.py W4 --mode cpp_standalone [--duration 5] [--graph FILE.npz]
    $PY bench/peers/brian2_workloads.py W5|W5s --mode cpp_standalone [--duration 1] --graph FILE.npz

Prints one JSON line per measurement (one per invocation). Definitions:
W1, W2, W3 (the Izhikevich (2007) network), W4 (COBA-4000) and W5 / W5s (Brunel-10k with and
without STDP) as docs/benchmarks.md
specifies them; bench/peers/README.md says how each is expressed in
Brian2 and where a choice was made.

What is timed
-------------
``run_s`` is the wall time of the simulation loop alone. In cython mode that is
the loop of ``Network.run`` (Brian2's own ``device._last_run_time``; code
generation, compilation and ``before_run`` are outside it) of a run that
follows a warm-up run which compiled everything. In C++ standalone it is a
``std::chrono::steady_clock`` interval inserted around the measured
``run()`` in ``main.cpp`` (network construction, synapse creation and result
writing of the binary are outside it; they are in ``binary_s``).

``compile_s``: cython, the warm-up ``run()`` minus its loop (code generation,
Cython compilation, or loading from the cache: ``cache`` says which cache was
used; ``--fresh-cache`` starts from an empty one); standalone,
``device.build`` (code generation plus ``make -j2`` from an empty build
directory).

``peak_rss_mb``: the largest resident set of the process that simulates:
cython, this Python process; standalone, the maximum of this Python process
(which generated the connectivity) and the compiled binary (measured through a
wrapper of the run command, so the compiler's memory is not mixed in; it is
not reported: ``make`` is forked from this process, so its peak counts this
process's pages too).

``run_cpu_s``: the CPU time of the same loop (standalone ``std::clock``;
cython ``time.process_time`` of the ``run()`` call minus that of a
``run(0 ms)``), less sensitive to other processes than wall time.

Repeats: cython, consecutive runs of the same network (the state carries on);
standalone, the compiled binary is run again (identical simulation). The
median is reported, the list and the minimum beside it.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import brian2 as b2
from brian2 import (
    Hz,
    Network,
    NeuronGroup,
    PoissonInput,
    SpikeMonitor,
    Synapses,
    TimedArray,
    defaultclock,
    device,
    ms,
    prefs,
    second,
    set_device,
)

MODES = ("cpp_standalone", "cython")
DEFAULT_SEED = 1234
SEED = DEFAULT_SEED  # set from --seed

# Run command wrapper for standalone: runs ./main and records the binary's peak RSS.
_RSS_WRAPPER = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.call(sys.argv[1:])\n"
    "open('bench_binary_rss_kb.txt', 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(rc)\n"
)


# ----------------------------------------------------------------------------------------------
# connectivity (NumPy, seeded; the same arrays in both modes)
# ----------------------------------------------------------------------------------------------
_CONNECTIVITY_S = [0.0]  # wall time spent drawing connectivity with NumPy (part of build_s)


def distinct_choices(rows: int, k: int, n: int, rng: np.random.Generator, exclude_row: bool) -> np.ndarray:
    """``rows`` x ``k`` array: per row, k distinct integers in [0, n), without the row's own index if asked."""
    t0 = time.perf_counter()
    try:
        return _distinct_choices(rows, k, n, rng, exclude_row)
    finally:
        _CONNECTIVITY_S[0] += time.perf_counter() - t0


def _distinct_choices(rows: int, k: int, n: int, rng: np.random.Generator, exclude_row: bool) -> np.ndarray:
    hi = n - 1 if exclude_row else n
    if k > hi:
        raise ValueError(f"cannot draw {k} distinct values out of {hi}")
    row_ids = np.arange(rows)[:, None]

    def draw(shape, rows_of):
        values = rng.integers(0, hi, size=shape)
        if exclude_row:
            values += values >= rows_of  # skip the row's own index
        return values

    out = draw((rows, k), row_ids)
    while True:
        out.sort(axis=1)
        dup = np.zeros(out.shape, dtype=bool)
        dup[:, 1:] = out[:, 1:] == out[:, :-1]
        if not dup.any():
            return out
        r = np.nonzero(dup)[0]
        out[dup] = draw(r.size, r)


# ----------------------------------------------------------------------------------------------
# W1: florian-xor
# ----------------------------------------------------------------------------------------------
def build_w1(ticks_total: int) -> dict:
    """Return the objects of W1. Patterns cycle 00, 01, 10, 11, one per tick of 500 steps."""
    n_in, n_hid, steps_per_tick = 60, 60, 500
    tick_dt = steps_per_tick * defaultclock.dt
    k = np.arange(ticks_total) % 4
    bits = np.stack([(k >> 1) & 1, k & 1], axis=1).astype(float)  # bit of group 0, bit of group 1
    group_on = TimedArray(bits, dt=tick_dt)  # group_on(t, g): 1 while group g is on
    reward = TimedArray(np.where(bits[:, 0] != bits[:, 1], 1.0, -1.0), dt=tick_dt)  # +1 iff XOR target is 1
    ns = {
        "group_on": group_on,
        "reward": reward,
        "p_in": 0.08,
        "leak": 0.05,
        "theta": 16.0,
        "p_rand": 0.15,
        "tau_tr": 20 * ms,
        "gamma": 0.025,
        "z_keep": 1 - 0.04,
        "wmax": 5.0,
    }

    inputs = NeuronGroup(
        n_in, "grp : integer (constant)\nsgn : 1 (constant)",
        threshold="rand() < p_in * group_on(t, grp)", namespace=ns, name="inputs",
    )  # fmt: skip
    inputs.grp = np.arange(n_in) % 2
    inputs.sgn = np.where(np.arange(n_in) >= n_in // 2, -1.0, 1.0)  # inputs 30..59 inhibitory, 15 per group

    # hidden (0..59) and output (60) share one group: one update, threshold and reset per step
    neurons = NeuronGroup(
        n_hid + 1, "v : 1\nI : 1", threshold="v >= theta or rand() < p_rand", reset="v = 0",
        namespace=ns, name="neurons",
    )  # fmt: skip
    # v <- v * (1 - 0.05) + input: the input of a spike at step t enters v at step t + 1, undecayed
    neurons.run_regularly("v = v * (1 - leak) + I\nI = 0", when="groups", name="neurons_update")
    hidden, output = neurons[:n_hid], neurons[n_hid:]

    model = """w : 1
               z : 1
               dapre/dt = -apre / tau_tr : 1 (event-driven)
               dapost/dt = -apost / tau_tr : 1 (event-driven)"""
    on_post = "apost -= 1\nz += apre"
    trace_update = "w = clip(w + gamma * reward(t) * z, 0, wmax)\nz = z * z_keep"
    s_in = Synapses(
        inputs, hidden, model, on_pre="I_post += sgn_pre * w\napre += 1\nz += apost", on_post=on_post,
        namespace=ns, name="s_in",
    )  # fmt: skip
    s_in.connect()  # all to all, 60 x 60
    s_out = Synapses(
        hidden, output, model, on_pre="I_post += w\napre += 1\nz += apost", on_post=on_post,
        namespace=ns, name="s_out",
    )  # fmt: skip
    s_out.connect()
    for s in (s_in, s_out):
        s.w = "rand() * 0.2"
        # every step, after the spikes of the step were paired: reward-modulated update, then decay
        s.run_regularly(trace_update, when="end", name=s.name + "_reward")
    mon = SpikeMonitor(neurons, record=False, name="spikes")
    return {
        "objects": [inputs, neurons, s_in, s_out, mon],
        "monitor": mon,
        "step_per_tick": steps_per_tick,
        "extra": lambda: {"mean_w_in": float(np.mean(s_in.w[:])), "mean_w_out": float(np.mean(s_out.w[:]))},
    }


# ----------------------------------------------------------------------------------------------
# W2: scaling
# ----------------------------------------------------------------------------------------------
def build_w2(n: int) -> dict:
    k_in = 100
    n_exc = int(round(0.8 * n))
    ns = {
        "decay": math.exp(-1.0 / 20.0),  # tau_m = 20 ms, dt = 1 ms
        "theta": 20.0,
        "taupre": 20 * ms,
        "taupost": 20 * ms,
        "dApre": 0.001,
        "dApost": -0.00105,
        "wmax": 0.2,
        "J_inh": -0.5,
    }
    neurons = NeuronGroup(n, "v : 1\nI : 1", threshold="v >= theta", reset="v = 0", namespace=ns, name="neurons")
    neurons.v = "rand() * 20"
    # a spike (recurrent or external) at step t moves the target's v at step t + 1, no synaptic filter
    neurons.run_regularly("v = v * decay + I\nI = 0", when="groups", name="neurons_update")

    rng = np.random.default_rng(SEED)
    pre = distinct_choices(n, k_in, n, rng, exclude_row=True)  # row j: the 100 sources of neuron j
    post = np.repeat(np.arange(n), k_in)
    pre = pre.ravel()
    exc = pre < n_exc
    exc_syn = Synapses(
        neurons, neurons,
        """w : 1
           dapre/dt = -apre / taupre : 1 (event-driven)
           dapost/dt = -apost / taupost : 1 (event-driven)""",
        on_pre="I_post += w\napre += dApre\nw = clip(w + apost, 0, wmax)",
        on_post="apost += dApost\nw = clip(w + apre, 0, wmax)",
        namespace=ns, name="exc_syn",
    )  # fmt: skip
    exc_syn.connect(i=pre[exc].astype(np.int32), j=post[exc].astype(np.int32))
    exc_syn.w = 0.1
    inh_syn = Synapses(neurons, neurons, on_pre="I_post += J_inh", namespace=ns, name="inh_syn")
    inh_syn.connect(i=pre[~exc].astype(np.int32), j=post[~exc].astype(np.int32))
    del pre, post, exc
    drive = PoissonInput(neurons, "I", N=100, rate=21 * Hz, weight=0.5)  # Binomial(100, 0.021)
    mon = SpikeMonitor(neurons, record=False, name="spikes")
    return {
        "objects": [neurons, exc_syn, inh_syn, drive, mon],
        "monitor": mon,
        "extra": lambda: {"mean_w_exc": float(np.mean(exc_syn.w[:]))},
    }


# ----------------------------------------------------------------------------------------------
# W3: Izhikevich (2007) distal reward network, dopamine-modulated STDP (no rewards)
# ----------------------------------------------------------------------------------------------
def build_w3() -> dict:
    n_exc, n_inh, m = 800, 200, 100
    n = n_exc + n_inh
    ns = {"da_tonic": 0.002, "smax": 4.0, "c_keep": 0.99, "da_keep": 0.995, "tr_keep": 0.95, "ltd": 1.5}
    neurons = NeuronGroup(
        n,
        """v : 1
           u : 1
           I : 1
           tr : 1
           tr_prev : 1
           a : 1 (constant)
           b : 1 (constant)
           c : 1 (constant)
           d : 1 (constant)""",
        threshold="v >= 30", reset="v = c\nu += d\ntr = 0.1", namespace=ns, name="neurons",
    )  # fmt: skip
    is_exc = np.arange(n) < n_exc
    neurons.a = np.where(is_exc, 0.02, 0.1)
    neurons.b = 0.2
    neurons.c = -65.0
    neurons.d = np.where(is_exc, 8.0, 2.0)
    neurons.v = -65.0
    neurons.u = 0.2 * -65.0
    # One 1 ms step: the trace decays (tr_prev keeps last step's value for LTP), then v by two 0.5 ms
    # Euler half-steps with the noise and the synaptic input of the previous step's spikes, then u.
    neurons.run_regularly(
        """tr_prev = tr
           tr = tr_keep * tr
           I_tot = I + 13 * (rand() - 0.5)
           v += 0.5 * ((0.04 * v + 5) * v + 140 - u + I_tot)
           v += 0.5 * ((0.04 * v + 5) * v + 140 - u + I_tot)
           u += a * (b * v - u)
           I = 0""",
        when="groups", name="neurons_update",
    )  # fmt: skip

    rng = np.random.default_rng(SEED)
    post_exc = distinct_choices(n_exc, m, n, rng, exclude_row=True)  # targets among all neurons, no self
    post_inh = distinct_choices(n_inh, m, n_exc, rng, exclude_row=False)  # targets among the excitatory
    exc_syn = Synapses(
        neurons, neurons,
        """s : 1
           c_el : 1
           DA : 1 (shared)""",
        # pre spike: deliver s (next step) and LTD by the post trace including this step's spike
        on_pre="I_post += s\nc_el -= ltd * tr_post",
        # post spike: LTP by the pre trace of the previous step
        on_post="c_el += tr_prev_pre",
        namespace=ns, name="exc_syn",
    )  # fmt: skip
    exc_syn.connect(i=np.repeat(np.arange(n_exc), m).astype(np.int32), j=post_exc.ravel().astype(np.int32))
    exc_syn.s = 1.0
    # the pre pathway runs after the resets so that tr_post includes this step's post spike (= 0.1)
    exc_syn.pre.when = "after_resets"
    exc_syn.run_regularly("DA = da_keep * DA", when="end", name="dopamine_decay")
    exc_syn.run_regularly(
        "s = clip(s + (da_tonic + DA) * c_el, 0, smax)\nc_el = c_keep * c_el",
        dt=10 * ms, when="end", order=1, name="weight_update",
    )  # fmt: skip
    inh_syn = Synapses(neurons, neurons, on_pre="I_post += -1.0", name="inh_syn")  # fixed -1 mV
    inh_syn.connect(i=np.repeat(np.arange(n_exc, n), m).astype(np.int32), j=post_inh.ravel().astype(np.int32))
    mon = SpikeMonitor(neurons, record=False, name="spikes")
    return {
        "objects": [neurons, exc_syn, inh_syn, mon],
        "monitor": mon,
        "extra": lambda: {
            "mean_w_exc": float(np.mean(exc_syn.s[:])),
            "frac_w_exc_at_max": float(np.mean(exc_syn.s[:] >= 4.0 - 1e-9)),
        },
    }


# ----------------------------------------------------------------------------------------------
# W4: COBA-4000 (Vogels-Abbott network with a background current, deterministic start)
# ----------------------------------------------------------------------------------------------
W4_N, W4_EXC = 4000, 3200


def bernoulli_pairs(n_pre: int, n_post: int, p: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each (pre, post) pair independently with probability p, by geometric skipping over the
    row-major index (the gaps between successes are Geometric(p)); sorted by pre, then post."""
    t0 = time.perf_counter()
    total, parts, last = n_pre * n_post, [], -1
    while True:
        chunk = int((total - last) * p * 1.2 + 64)
        positions = np.cumsum(rng.geometric(p, chunk)) + last
        inside = int(np.searchsorted(positions, total))
        parts.append(positions[:inside])
        if inside < chunk:
            break
        last = int(positions[-1])
    keys = np.concatenate(parts)
    _CONNECTIVITY_S[0] += time.perf_counter() - t0
    return keys // n_post, keys % n_post


def w4_graph(graph: Path | None) -> tuple[np.ndarray, np.ndarray, str]:
    """W4's synapses (global pre, post indices): from ``graph`` (an .npz with ``sources`` and
    ``targets``, e.g. the graph spikesim drew, so both simulators run the same network), else the
    seeded form: projections ee, ei, ie, ii, each Bernoulli p = 0.02 with autapses, projection k
    drawn from ``numpy.random.default_rng((20050101, k))``."""
    if graph is not None:
        data = np.load(graph)
        return data["sources"].astype(np.int64), data["targets"].astype(np.int64), str(graph)
    blocks = [(0, W4_EXC, 0, W4_EXC), (0, W4_EXC, W4_EXC, W4_N), (W4_EXC, W4_N, 0, W4_EXC), (W4_EXC, W4_N, W4_EXC, W4_N)]
    sources, targets = [], []
    for k, (a, b, c, d) in enumerate(blocks):
        pre, post = bernoulli_pairs(b - a, d - c, 0.02, np.random.default_rng((20050101, k)))
        sources.append(pre + a)
        targets.append(post + c)
    return np.concatenate(sources), np.concatenate(targets), "seeded (20050101, k)"


def build_w4(graph: Path | None) -> dict:
    ns = {"tau_m": 20 * ms, "tau_e": 5 * ms, "tau_i": 10 * ms, "E_L": -60.0, "E_e": 0.0, "E_i": -80.0,
          "I_bg": 20.0, "V_th": -50.0, "V_r": -60.0, "w_e": 0.4, "w_i": 5.1}  # fmt: skip
    # potentials in mV and conductances in units of the leak conductance, as plain numbers
    eqs = """dv/dt = ((E_L - v) + ge * (E_e - v) + gi * (E_i - v) + I_bg) / tau_m : 1 (unless refractory)
             dge/dt = -ge / tau_e : 1
             dgi/dt = -gi / tau_i : 1"""
    neurons = NeuronGroup(W4_N, eqs, threshold="v > V_th", reset="v = V_r", refractory=5 * ms, method="euler",
                          namespace=ns, name="neurons")  # fmt: skip
    neurons.v = -60.0  # deterministic start; ge = gi = 0
    sources, targets, origin = w4_graph(graph)
    exc = sources < W4_EXC
    delay = defaultclock.dt  # 0.1 ms: a spike of step n raises the conductance at step n + 1
    exc_syn = Synapses(neurons[:W4_EXC], neurons, on_pre="ge_post += w_e", delay=delay, namespace=ns, name="exc_syn")
    exc_syn.connect(i=sources[exc].astype(np.int32), j=targets[exc].astype(np.int32))
    inh_syn = Synapses(neurons[W4_EXC:], neurons, on_pre="gi_post += w_i", delay=delay, namespace=ns, name="inh_syn")
    inh_syn.connect(i=(sources[~exc] - W4_EXC).astype(np.int32), j=targets[~exc].astype(np.int32))
    out_degree = np.bincount(sources, minlength=W4_N)
    mon = SpikeMonitor(neurons, record=False, name="spikes")  # per-neuron counts are kept all the same

    def extra() -> dict:
        counts = np.asarray(mon.count[:], dtype=np.int64)
        return {"graph": origin, "synapses": int(sources.size), "counts": counts, "out_degree": out_degree}

    return {"objects": [neurons, exc_syn, inh_syn, mon], "monitor": mon, "extra": extra}


def w4_activity(counts: np.ndarray, seconds: float) -> dict:
    """The same rates and activity check as bench/workloads.py's ``w4_activity``."""
    rates = counts / seconds
    exc = rates[:W4_EXC]
    hist = np.histogram(exc, bins=np.arange(0.0, 55.0, 5.0))[0]
    rate = float(rates.mean())
    skewed = bool(np.median(exc) < 0.8 * exc.mean() and hist.argmax() == 0)
    return {"rate_hz": rate, "rate_e_hz": float(exc.mean()), "rate_i_hz": float(rates[W4_EXC:].mean()),
            "median_rate_e_hz": float(np.median(exc)), "frac_e_above_50hz": float((exc > 50.0).mean()),
            "hist_e_5hz": [round(float(h) / max(1, hist[0]), 3) for h in hist],
            "activity_ok": bool(16.0 <= rate <= 20.0 and skewed)}  # fmt: skip


# ----------------------------------------------------------------------------------------------
# W5 / W5s: Brunel-10k with STDP on E->E / static
# ----------------------------------------------------------------------------------------------
W5_N, W5_EXC = 10000, 8000


def build_w5(graph: Path, stdp: bool) -> dict:
    """Brunel's network as W5 specifies it, on the synapses of ``graph`` (spikesim's, so both
    simulators run the same network): delta synapses, 1.5 ms delays, Poisson drive per neuron, the
    canonical refractory clamp (inputs during the refractory period are lost), and with ``stdp`` the
    multiplicative rule on E->E (on_pre at the spike's arrival, on_post at emission)."""
    ns = {"tau_m": 20 * ms, "V_th": 20.0, "V_r": 0.0, "J_E": 0.1, "J_I": -0.5, "lam": 0.01, "alpha": 2.02,
          "w_max": 0.3, "tau_plus": 20 * ms, "tau_minus": 20 * ms}  # fmt: skip
    neurons = NeuronGroup(W5_N, "dv/dt = -v / tau_m : 1 (unless refractory)", threshold="v > V_th",
                          reset="v = V_r", refractory=2 * ms, method="euler", namespace=ns, name="neurons")  # fmt: skip
    neurons.v = 0.0
    # the clamp after the step's inputs (recurrent and external) arrived: still refractory -> V_r
    neurons.run_regularly("v = V_r * (1 - int(not_refractory)) + v * int(not_refractory)", when="end",
                          name="refractory_clamp")  # fmt: skip
    drive = PoissonInput(neurons, "v", N=1000, rate=20 * Hz, weight=0.1)  # Binomial(1000, 0.002) per step
    data = np.load(graph)
    sources, targets = data["sources"].astype(np.int64), data["targets"].astype(np.int64)
    exc_pre, exc_post = sources < W5_EXC, targets < W5_EXC
    delay = 1.5 * ms
    objects = [neurons, drive]
    ee = exc_pre & exc_post
    if stdp:
        model = """w : 1
                   dapre/dt = -apre / tau_plus : 1 (event-driven)
                   dapost/dt = -apost / tau_minus : 1 (event-driven)"""
        on_pre = "v_post += w\napre += 1\nw = clip(w - lam * alpha * w * apost, 0, w_max)"
        on_post = "apost += 1\nw = clip(w + lam * (w_max - w) * apre, 0, w_max)"
        ee_syn = Synapses(neurons, neurons, model=model, on_pre=on_pre, on_post=on_post, delay=delay,
                          namespace=ns, name="ee_syn")  # fmt: skip
        ee_syn.connect(i=sources[ee].astype(np.int32), j=targets[ee].astype(np.int32))
        ee_syn.w = 0.1
        exc_static = exc_pre & ~exc_post
        objects.append(ee_syn)
    else:
        ee_syn = None
        exc_static = exc_pre
    exc_syn = Synapses(neurons, neurons, on_pre="v_post += J_E", delay=delay, namespace=ns, name="exc_syn")
    exc_syn.connect(i=sources[exc_static].astype(np.int32), j=targets[exc_static].astype(np.int32))
    inh_syn = Synapses(neurons, neurons, on_pre="v_post += J_I", delay=delay, namespace=ns, name="inh_syn")
    inh_syn.connect(i=sources[~exc_pre].astype(np.int32), j=targets[~exc_pre].astype(np.int32))
    objects += [exc_syn, inh_syn]
    out_degree = np.bincount(sources, minlength=W5_N)
    mon = SpikeMonitor(neurons, record=False, name="spikes")
    objects.append(mon)

    def extra() -> dict:
        counts = np.asarray(mon.count[:], dtype=np.int64)
        w_ee = np.asarray(ee_syn.w[:]) if ee_syn is not None else None
        return {"graph": str(graph), "synapses": int(sources.size), "counts": counts, "out_degree": out_degree,
                "w_ee": w_ee}  # fmt: skip

    return {"objects": objects, "monitor": mon, "extra": extra}


def w5_activity(counts: np.ndarray, seconds: float, w_ee: np.ndarray | None) -> dict:
    """The same rates and activity check as bench/workloads.py's ``w5_activity``."""
    rates = counts / seconds
    rate = float(rates.mean())
    out = {"rate_hz": rate, "rate_e_hz": float(rates[:W5_EXC].mean()), "rate_i_hz": float(rates[W5_EXC:].mean())}
    ok = 32.0 <= rate <= 39.0
    if w_ee is not None:
        inside = float(((w_ee >= 0.085) & (w_ee <= 0.115)).mean())
        out.update({"w_ee_mean_mv": float(w_ee.mean()), "w_ee_std_mv": float(w_ee.std()),
                    "w_ee_within_085_115": inside})  # fmt: skip
        ok = ok and 0.095 <= w_ee.mean() <= 0.105 and inside >= 0.99
    out["activity_ok"] = bool(ok)
    return out


# ----------------------------------------------------------------------------------------------
# running
# ----------------------------------------------------------------------------------------------
def rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # ru_maxrss is in KiB on Linux


def cpu_key() -> str:
    """A short hash of this CPU's model and flags: Cython compiles for the CPU
    it runs on (``-march=native``), so a cache made on another CPU could hold
    instructions this one lacks (the process dies of SIGILL)."""
    import hashlib

    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        import platform

        text = platform.processor() + platform.machine()
    lines = [line for line in text.splitlines() if line.startswith(("model name", "flags"))][:2]
    return hashlib.sha1("\n".join(lines).encode()).hexdigest()[:10]


def configure(mode: str, build_dir: Path | None, cython_cache: Path) -> None:
    if mode == "cpp_standalone":
        set_device("cpp_standalone", directory=str(build_dir), build_on_run=False)
        prefs.devices.cpp_standalone.openmp_threads = 0  # single thread
        prefs.devices.cpp_standalone.extra_make_args_unix = ["-j2"]
        prefs.devices.cpp_standalone.run_cmd_unix = [sys.executable, "-c", _RSS_WRAPPER, "./main"]
        prefs.codegen.cpp.headers = list(prefs.codegen.cpp.headers) + ["<chrono>", "<fstream>"]
    else:
        prefs.codegen.target = "cython"
        prefs.codegen.runtime.cython.cache_dir = str(cython_cache)
        prefs.codegen.runtime.cython.multiprocess_safe = False


def timed_run_standalone(net: Network, duration, tag: str) -> None:
    """net.run(duration), with its wall time (steady_clock) and CPU time (std::clock) written to
    results/bench_wall_<tag>.txt and results/bench_cpu_<tag>.txt."""
    device.insert_code(
        "main",
        f"auto _bench_t0_{tag} = std::chrono::steady_clock::now(); std::clock_t _bench_c0_{tag} = std::clock();",
    )
    net.run(duration)
    device.insert_code(
        "main",
        f"{{ double _s = std::chrono::duration<double>(std::chrono::steady_clock::now() - _bench_t0_{tag}).count();"
        f" double _c = (double)(std::clock() - _bench_c0_{tag}) / CLOCKS_PER_SEC;"
        f' std::ofstream _f(brian::results_dir + "bench_wall_{tag}.txt"); _f.precision(17); _f << _s << std::endl;'
        f' std::ofstream _g(brian::results_dir + "bench_cpu_{tag}.txt"); _g.precision(17); _g << _c << std::endl; }}',
    )


def measure(args: argparse.Namespace) -> dict:
    workload, mode = args.workload, args.mode
    b2.seed(SEED)
    np.random.seed(SEED)
    defaultclock.dt = 1 * ms
    t_build = time.perf_counter()
    if workload == "W1":
        warm = args.warmup_ticks
        # the pattern cycle must cover every tick that runs (cython repeats run on), else it would
        # stop at the last pattern
        runs_total = args.repeats if mode == "cython" else 1
        spec = build_w1(warm + args.ticks * runs_total + 1)
        warm_duration = warm * 500 * ms
        duration = args.ticks * 500 * ms
        n = 121
    elif workload == "W2":
        spec = build_w2(args.n)
        warm_duration = args.warmup_ms * ms
        duration = args.duration * second
        n = args.n
    elif workload == "W3":
        spec = build_w3()
        warm_duration = args.warmup_ms * ms
        duration = args.duration * second
        n = 1000
    elif workload == "W4":
        defaultclock.dt = 0.1 * ms
        spec = build_w4(args.graph)
        warm_duration = args.warmup_ms * ms
        duration = args.duration * second
        n = W4_N
    else:
        if args.graph is None:
            raise SystemExit("W5/W5s: --graph FILE.npz (spikesim's synapses: bench/workloads.py W5 --save-graph)")
        defaultclock.dt = 0.1 * ms
        spec = build_w5(args.graph, stdp=workload == "W5")
        warm_duration = 0 * ms  # from rest, as spikesim: the rates and weights are those of the first seconds
        duration = args.duration * second
        n = W5_N
    net = Network(*spec["objects"])
    build_s = time.perf_counter() - t_build
    mon = spec["monitor"]
    out = {"sim": "brian2", "mode": mode, "workload": workload, "n": n, "version": b2.__version__,
           "numpy": np.__version__, "threads": 1, "seed": SEED}  # fmt: skip
    runs, cpus, spikes = [], [], []
    if mode == "cython":
        t0 = time.perf_counter()
        net.run(warm_duration)  # code generation + compilation (or cache load) + warm-up steps
        first_call = time.perf_counter() - t0
        out["compile_s"] = round(first_call - device._last_run_time, 3)
        # construction: connectivity, synapse creation and the initialisers (compiled code objects too)
        out["build_s"] = round(build_s, 3)
        out["connectivity_s"] = round(_CONNECTIVITY_S[0], 3)
        out["setup_s"] = round(build_s + first_call - device._last_run_time, 3)
        out["cache"] = "fresh" if args.fresh_cache else "persistent"
        # CPU cost of a run() call outside its loop (before_run/after_run), to subtract from CPU times
        c0 = time.process_time()
        net.run(0 * ms)
        overhead_cpu = time.process_time() - c0
        out["run_overhead_cpu_s"] = round(overhead_cpu, 4)
        for _ in range(args.repeats):
            before = int(mon.num_spikes)
            if workload in ("W4", "W5", "W5s"):
                out["counts_before_last"] = np.asarray(mon.count[:], dtype=np.int64)
            t0, c0 = time.perf_counter(), time.process_time()
            net.run(duration)
            out.setdefault("run_call_s", []).append(round(time.perf_counter() - t0, 4))
            cpus.append(max(0.0, time.process_time() - c0 - overhead_cpu))
            runs.append(device._last_run_time)
            spikes.append(int(mon.num_spikes) - before)
        out["peak_rss_mb"] = round(rss_mb(), 1)
    else:
        if warm_duration > 0 * ms:
            net.run(warm_duration)
        timed_run_standalone(net, duration, "measured")
        t0 = time.perf_counter()
        device.build(directory=str(args.build_dir), compile=True, run=False, with_output=False)
        out["compile_s"] = round(time.perf_counter() - t0, 3)
        out["build_s"] = round(build_s, 3)  # Python side: connectivity arrays, recording the project
        out["connectivity_s"] = round(_CONNECTIVITY_S[0], 3)
        out["make_s"] = round(device.timers["compile"]["make"], 3)
        results = Path(device.results_dir)
        binary_s, binary_rss = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            device.run(directory=str(args.build_dir), with_output=False)
            binary_s.append(round(time.perf_counter() - t0, 3))
            runs.append(float((results / "bench_wall_measured.txt").read_text()))
            cpus.append(float((results / "bench_cpu_measured.txt").read_text()))
            binary_rss.append(int((Path(args.build_dir) / "bench_binary_rss_kb.txt").read_text()) / 1024.0)
            spikes.append(int(mon.num_spikes))  # each binary run is the whole simulation again
        if warm_duration > 0 * ms:
            out["spikes_include_warmup"] = True  # the monitor counted the warm-up too
        out["binary_s"] = binary_s
        out["rss_binary_mb"] = round(max(binary_rss), 1)
        out["rss_python_mb"] = round(rss_mb(), 1)
        out["peak_rss_mb"] = round(max(max(binary_rss), rss_mb()), 1)
        # everything before the first simulated step: Python side, code generation + make, and the
        # binary's own set-up (loading arrays, creating synapses) and result writing
        out["setup_s"] = round(build_s + out["compile_s"] + statistics.median(binary_s) - statistics.median(runs), 3)
    run_s = statistics.median(runs)
    out["run_s"] = round(run_s, 5)
    out["run_s_list"] = [round(x, 5) for x in runs]
    out["run_s_min"] = round(min(runs), 5)
    # CPU time of the loop: robust to other processes on the machine (wall time is not)
    out["run_cpu_s"] = round(statistics.median(cpus), 5)
    out["run_cpu_s_list"] = [round(x, 5) for x in cpus]
    out["repeats"] = args.repeats
    out["spikes"] = int(statistics.median(spikes))
    out["spikes_list"] = spikes
    if workload == "W1":
        out["ticks"] = args.ticks
        out["warmup_ticks"] = args.warmup_ticks
        out["ms_per_tick"] = round(run_s / args.ticks * 1000, 4)
        out["ms_per_tick_list"] = [round(x / args.ticks * 1000, 4) for x in runs]
        out["ms_per_tick_cpu"] = round(out["run_cpu_s"] / args.ticks * 1000, 4)
        out["ms_per_tick_min"] = round(min(runs) / args.ticks * 1000, 4)
    elif workload == "W4":
        sim_s = float(duration / second)
        out["simulated_s"] = sim_s
        out["s_per_simulated_s"] = round(run_s / sim_s, 5)
        out["cpu_s_per_simulated_s"] = round(out["run_cpu_s"] / sim_s, 5)
        extra = spec["extra"]()
        counts = extra.pop("counts")
        if mode == "cython":  # the counts of the last repeat (the monitor counted the warm-up and every repeat)
            counts = counts - out.pop("counts_before_last")
        out["events_per_s"] = round(int(counts @ extra.pop("out_degree")) / run_s, 1)  # synaptic events
        out.update(extra)
        out.update(w4_activity(counts, sim_s))
    elif workload in ("W5", "W5s"):
        sim_s = float(duration / second)
        out["simulated_s"] = sim_s
        out["s_per_simulated_s"] = round(run_s / sim_s, 5)
        out["cpu_s_per_simulated_s"] = round(out["run_cpu_s"] / sim_s, 5)
        extra = spec["extra"]()
        counts = extra.pop("counts")
        if mode == "cython":  # the counts of the last repeat
            counts = counts - out.pop("counts_before_last")
        out["events_per_s"] = round(int(counts @ extra.pop("out_degree")) / run_s, 1)
        w_ee = extra.pop("w_ee")
        out.update(extra)
        out.update(w5_activity(counts, sim_s, w_ee))
    else:
        sim_s = float(duration / second)
        out["simulated_s"] = sim_s
        # events = spikes x 100 (every neuron has 100 synapses: in-degree in W2, out-degree in W3)
        eps = [s * 100 / r for s, r in zip(spikes, runs)]
        out["events_per_s"] = round(statistics.median(eps), 1)
        out["rate_hz"] = round(out["spikes"] / n / sim_s, 3)
        if workload == "W3":
            out["projected_hour_s"] = round(run_s * 3600.0 / sim_s, 2)
            out["projected_hour_note"] = "projection: run_s x 3600 / simulated_s"
    if workload not in ("W4", "W5", "W5s"):  # their extras are above
        out.update(spec["extra"]())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=("W1", "W2", "W3", "W4", "W5", "W5s"))
    parser.add_argument("--mode", choices=MODES, required=True)
    parser.add_argument("--n", type=int, default=1000, help="W2: number of neurons")
    parser.add_argument("--ticks", type=int, default=100, help="W1: timed ticks of 500 steps")
    parser.add_argument("--warmup-ticks", type=int, default=None,
                        help="W1: ticks run before the timed ones (cython default 1; standalone 0)")
    parser.add_argument("--duration", type=float, default=None, help="W2/W3/W4: simulated seconds (1 / 60 / 5)")
    parser.add_argument("--graph", type=Path, default=None,
                        help="W4/W5: the synapses (an .npz of sources and targets, e.g. spikesim's); W4 default: seeded")
    parser.add_argument("--warmup-ms", type=float, default=None,
                        help="W2/W3: warm-up before the timed run (cython default 10 ms; standalone 0)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Brian2's and the connectivity's seed")
    parser.add_argument("--fresh-cache", action="store_true", help="cython: compile into an empty cache")
    parser.add_argument("--build-dir", type=Path, default=None, help="standalone project directory (kept)")
    args = parser.parse_args()
    global SEED
    SEED = args.seed
    if args.duration is None:
        args.duration = {"W3": 60.0, "W4": 5.0}.get(args.workload, 1.0)  # W5/W5s: 1 s
    if args.warmup_ticks is None:
        args.warmup_ticks = 1 if args.mode == "cython" else 0
    if args.warmup_ms is None:
        args.warmup_ms = 10.0 if args.mode == "cython" else 0.0
    if args.mode == "cython" and args.warmup_ms <= 0 and args.workload != "W1":
        parser.error("cython mode needs a warm-up run (--warmup-ms > 0) to compile outside the timing")
    if args.mode == "cython" and args.workload == "W1" and args.warmup_ticks < 1:
        parser.error("cython mode needs --warmup-ticks >= 1")
    tmp = []
    if args.mode == "cpp_standalone" and args.build_dir is None:
        args.build_dir = Path(tempfile.mkdtemp(prefix=f"brian2_{args.workload}_"))
        tmp.append(args.build_dir)
    if args.fresh_cache:
        cache = Path(tempfile.mkdtemp(prefix="brian2_cython_cache_"))
        tmp.append(cache)
    else:
        cache = Path(sys.prefix) / f"brian2-cython-cache-{cpu_key()}"
    configure(args.mode, args.build_dir, cache)
    try:
        result = measure(args)
    finally:
        for d in tmp:
            shutil.rmtree(d, ignore_errors=True)
    result["uptime_load"] = os.getloadavg()[0]
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
