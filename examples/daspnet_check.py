"""An independent check of ``izhikevich-distal-reward``: the scheme of
Izhikevich's own program (daspnet.m) written out as one compiled loop,
outside spikesim, with daspnet.m's choices where spikesim's preset differs:

- targets are drawn with replacement (a neuron may target itself, or
  another neuron twice); ``--targets preset`` draws them as the preset does
  (100 distinct targets, never the neuron itself);
- the rewarded synapse is n1's first synapse (in drawing order) onto an
  excitatory neuron (daspnet.m takes the first synapse, whatever its target);
- a dopamine pulse comes after the step's weight update, so a pulse in an
  update step reaches the weights at the next update;
- rewards due in the same millisecond give one pulse.

Everything else is the preset's (docs/replications.md): 800 + 200
neurons, 100 synapses each, 1 ms delay, noise ``13 (U - 0.5)``, STDP trace
0.1 decaying x0.95 per ms, LTP ``c += x_pre(t - 1)`` when the target fires,
LTD ``c -= 1.5 x_post`` when the spike arrives, every 10 ms
``s <- clip(s + (0.002 + DA) c, 0, 4)`` and ``c <- 0.99 c``, DA x0.995 per
ms and +0.5 per reward, a reward 1001-3000 ms after n2 fires 1-19 ms after
n1. It prints, per seed, the numbers of the table in examples/README.md
(computed as examples/replication_report.py computes them).

    python examples/daspnet_check.py --runs 20 [--seed 0] [--seconds 3600] [--targets daspnet|preset] [--json FILE]
"""
from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

import numba as nb
import numpy as np

from spikesim import files
from spikesim.commands.common import integer_at_least
from spikesim.experiments.izhikevich import distal_success, hold_measures

from replication_report import DISTAL_HEADER, distal_row  # examples/, beside this script

N_EXC, N_INH, M = 800, 200, 100


@nb.njit(cache=True)
def simulate(seed, seconds, distinct, rewarded=True):
    """One run; returns per second the rewarded weight (at the end of the
    second), the rewards and the spikes; the final excitatory weights, n2,
    and the rewarded synapse's index among those weights.
    ``distinct``: 100 distinct targets other than the neuron itself;
    ``rewarded``: pairings are rewarded (else no dopamine pulse ever)."""
    np.random.seed(seed)
    n = N_EXC + N_INH
    post = np.empty((n, M), np.int64)
    for i in range(n):
        size = n if i < N_EXC else N_EXC
        if not distinct:
            for k in range(M):
                post[i, k] = np.random.randint(0, size)
            continue
        pool = np.arange(size)
        if i < size:  # not itself: swap it to the end, draw from the rest
            pool[i], pool[size - 1] = pool[size - 1], pool[i]
            size -= 1
        for k in range(M):  # partial Fisher-Yates shuffle
            q = np.random.randint(k, size)
            pool[k], pool[q] = pool[q], pool[k]
            post[i, k] = pool[k]
    s = np.ones((n, M))
    s[N_EXC:] = -1.0
    sd = np.zeros((n, M))
    # incoming excitatory synapses of every neuron, for LTP
    first = np.zeros(n + 1, np.int64)
    for i in range(N_EXC):
        for k in range(M):
            first[post[i, k] + 1] += 1
    first = np.cumsum(first)
    fill = first[:-1].copy()
    in_row = np.empty(N_EXC * M, np.int64)
    in_col = np.empty(N_EXC * M, np.int64)
    for i in range(N_EXC):
        for k in range(M):
            q = fill[post[i, k]]
            in_row[q], in_col[q] = i, k
            fill[post[i, k]] += 1
    n1, syn = 0, 0
    while post[n1, syn] >= N_EXC:
        syn += 1
    n2 = post[n1, syn]
    s[n1, syn] = 0.0
    a = np.full(n, 0.02)
    a[N_EXC:] = 0.1
    d = np.full(n, 8.0)
    d[N_EXC:] = 2.0
    v = np.full(n, -65.0)
    u = 0.2 * v
    x = np.zeros(n)  # STDP traces of the previous step
    x_now = np.zeros(n)
    current = np.zeros(n)
    fired = np.empty(n, np.int64)
    steps = seconds * 1000
    pulse_due = np.zeros(steps + 3001, np.bool_)
    weight = np.zeros(seconds)
    rewards = np.zeros(seconds, np.int64)
    spikes = np.zeros(seconds, np.int64)
    dopamine = 0.0
    last_n1 = -100
    for now in range(1, steps + 1):
        for i in range(n):
            current[i] = 13.0 * (np.random.random() - 0.5)
        n_fired = 0
        for i in range(n):
            x_now[i] = 0.95 * x[i]
            if v[i] >= 30.0:
                v[i] = -65.0
                u[i] += d[i]
                x_now[i] = 0.1
                fired[n_fired] = i
                n_fired += 1
        for f in range(n_fired):
            i = fired[f]
            for q in range(first[i], first[i + 1]):  # LTP: the presynaptic traces of the previous step
                sd[in_row[q], in_col[q]] += x[in_row[q]]
        for f in range(n_fired):
            j = fired[f]
            for k in range(M):  # the spike arrives; LTD with the postsynaptic traces of this step
                current[post[j, k]] += s[j, k]
                sd[j, k] -= 1.5 * x_now[post[j, k]]
        for i in range(n):
            vi = v[i]
            vi += 0.5 * ((0.04 * vi + 5.0) * vi + 140.0 - u[i] + current[i])
            vi += 0.5 * ((0.04 * vi + 5.0) * vi + 140.0 - u[i] + current[i])
            v[i] = vi
            u[i] += a[i] * (0.2 * vi - u[i])
            x[i] = x_now[i]
        dopamine *= 0.995
        if now % 10 == 0:
            level = 0.002 + dopamine
            for j in range(N_EXC):
                for k in range(M):
                    s[j, k] = min(4.0, max(0.0, s[j, k] + level * sd[j, k]))
                    sd[j, k] *= 0.99
        for f in range(n_fired):
            if fired[f] == n1:
                last_n1 = now
        for f in range(n_fired):
            if rewarded and fired[f] == n2 and now - last_n1 < 20 and now > last_n1:
                pulse_due[now + 1000 + 1 + int(2000 * np.random.random())] = True
        second = (now - 1) // 1000
        if pulse_due[now]:
            dopamine += 0.5
            rewards[second] += 1
        spikes[second] += n_fired
        weight[second] = s[n1, syn]
    return weight, rewards, spikes, s[:N_EXC].ravel().copy(), n2, n1 * M + syn


def summarise(seed: int, seconds: int, targets: str) -> dict:
    """The numbers of the README's table for one run."""
    start = time.perf_counter()
    weight, rewards, spikes, excitatory, n2, rewarded = simulate(seed, seconds, targets == "preset")
    wall = time.perf_counter() - start
    record = {
        "seed": seed, "targets": targets, "n2": int(n2), "rewarded_weight": float(weight[-1]),
        "rewards": int(rewards.sum()), "mean_excitatory_weight": float(excitatory.mean()),
        "saturated_others": float(np.mean(np.delete(excitatory, rewarded) >= 3.8)),
        "firing_rate_hz": float(spikes.sum() / ((N_EXC + N_INH) * seconds)),
        "wall_s": wall, **hold_measures(weight, rewards),
    }  # fmt: skip
    return {**record, "success": distal_success(record)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=integer_at_least(1), default=5, help="number of seeds")
    parser.add_argument("--seed", type=integer_at_least(0), default=0, help="first seed")
    parser.add_argument("--seconds", type=integer_at_least(1), default=3600, help="simulated seconds per run")
    parser.add_argument("--targets", choices=("daspnet", "preset"), default="daspnet",
                        help="targets drawn with replacement (daspnet.m) or distinct and never the neuron itself")
    parser.add_argument("--workers", type=integer_at_least(1), default=2, help="processes")
    parser.add_argument("--json", help="also write the records to this file (JSON lines)")
    args = parser.parse_args()
    simulate(0, 1, False)  # compile once, before the workers start
    seeds = range(args.seed, args.seed + args.runs)
    with ProcessPoolExecutor(args.workers) as pool:
        records = list(pool.map(summarise, seeds, [args.seconds] * args.runs, [args.targets] * args.runs))
    print(DISTAL_HEADER)
    print("\n".join(map(distal_row, records)))
    print(f"\nended at 3.8 mV or more (and mean excitatory weight below 1 mV) in {sum(r['success'] for r in records)} "
          f"of {len(records)} runs; reached 3.8 mV in {sum(r['first_reached_3_8_s'] is not None for r in records)}")
    if args.json:
        files.write_json_lines(args.json, records)


if __name__ == "__main__":
    main()
