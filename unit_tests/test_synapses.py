"""Plasticity rules: STDP, MSTDP, MSTDPET, DASTDP, RLSTDP and Static.

Each rule is checked against a plain loop of its equations written here
(dense matrices, a few synapses), step by step, on crafted and random spike
trains; the compiled kernels and the NumPy references are both checked, and
checked against each other, alone and inside small networks.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from engines import compare_networks, compare_steps

from spikesim import ActiveRLNetwork, ConfigError, Network, RLNetwork, every_step_reward
from spikesim.graph import build_graph
from spikesim.inputs import RateMap
from spikesim.neurons import Neuron
from spikesim.readouts import Threshold
from spikesim.rewards import MatchExpected
from spikesim.synapses import DASTDP, MSTDP, MSTDPET, RLSTDP, STDP, Static
from spikesim.weights import Manual

TOL = dict(rtol=1e-9, atol=1e-12)
ENGINES = ("kernel", "reference")


# ---------------------------------------------------------------- helpers
def layout(present, w0, lo, hi, storage="sparse"):
    """Graph and weights of the synapses ``present[j, i]`` (dense matrices in)."""
    sources, targets = np.nonzero(present)
    graph, w, _ = build_graph(
        sources, targets, w0[sources, targets], lo[sources, targets], hi[sources, targets], *present.shape, storage=storage
    )
    return graph, w


def one_synapse(w0=0.5, lo=-10.0, hi=10.0, storage="sparse"):
    """Input 0 (presynaptic 0) -> body neuron 0 (presynaptic 1)."""
    present = np.array([[True], [False]])
    full = lambda v: np.full((2, 1), float(v))  # noqa: E731
    return layout(present, full(w0), full(lo), full(hi), storage)


def matrix(graph, w, shape):
    out = np.zeros(shape)
    out[graph.sources, graph.targets] = w
    return out


def state_of(cls, graph, n_inputs, **params):
    rule = cls(**params)
    rule.attach(graph, n_inputs)
    rule.reset()
    return rule


def run(cls, graph, w, n_inputs, train, rewards=None, tick_rewards=None, engine="kernel", **params):
    """Step a rule through a spike train (bool (T, n_pre)); ``rewards[t]``
    is the step reward, ``tick_rewards`` {step: reward} rewards given once
    per tick after that step. Returns the rule and, per step, a copy of
    (state, weights)."""
    rule = state_of(cls, graph, n_inputs, **params)
    p = rule.kernel_params()
    step = cls.kernel if engine == "kernel" else cls.reference
    give = cls.reward_kernel if engine == "kernel" else cls.reward_reference
    history = []
    for t, spikes in enumerate(np.asarray(train, dtype=np.bool_)):
        spikes = np.ascontiguousarray(spikes)
        fired = np.flatnonzero(spikes)
        r = 0.0 if rewards is None else float(rewards[t])
        step(p, rule.state, graph, w, spikes, fired, fired.size, n_inputs, r)
        if tick_rewards and t in tick_rewards:
            give(p, rule.state, graph, w, float(tick_rewards[t]))
        history.append((type(rule.state)(*(np.copy(a) for a in rule.state)), w.copy()))
    return rule, history


def train_of(n_steps, n_pre, spikes):
    """A spike train with ``spikes = {neuron: [steps]}``."""
    train = np.zeros((n_steps, n_pre), dtype=np.bool_)
    for j, steps in spikes.items():
        train[steps, j] = True
    return train


def random_case(seed, n_inputs=3, n_neurons=3, steps=60, rate=0.3, density=0.6, signed=True, storage="sparse"):
    """A random recurrent graph (self-synapses included) with mixed bounds:
    [0, 1], signed [-1, 0] and a frozen synapse; a random spike train; step
    rewards that are mostly 0."""
    rng = np.random.default_rng(seed)
    n_pre = n_inputs + n_neurons
    present = rng.random((n_pre, n_neurons)) < density
    present[0, 0] = present[1, 0] = present[n_inputs, 0] = True
    lo = np.zeros((n_pre, n_neurons))
    hi = np.ones((n_pre, n_neurons))
    if signed:
        lo[1], hi[1] = -1.0, 0.0
    w0 = rng.uniform(lo, hi)
    lo[0, 0] = hi[0, 0] = w0[0, 0] = 0.7  # frozen
    graph, w = layout(present, w0, lo, hi, storage)
    train = rng.random((steps, n_pre)) < rate
    rewards = rng.choice([0.0, 0.0, 0.0, 1.0, -1.0, 0.5], size=steps)
    return dict(present=present, w0=w0, lo=lo, hi=hi, graph=graph, w=w, train=train, rewards=rewards, n_inputs=n_inputs)


def clip(value, low, high):
    return min(max(value, low), high)


# ---------------------------------------------------------------- plain loops of the equations
def stdp_loop(case, learning_rate, a_plus, a_minus, tau_plus, tau_minus, dt):
    present, lo, hi, n_in, train = case["present"], case["lo"], case["hi"], case["n_inputs"], case["train"]
    n_pre, n_post = present.shape
    x_pre, x_post, W = [0.0] * n_pre, [0.0] * n_post, case["w0"].copy()
    out = []
    for spikes in train:
        x_pre = [x * math.exp(-dt / tau_plus) for x in x_pre]
        x_post = [x * math.exp(-dt / tau_minus) for x in x_post]
        for j in range(n_pre):
            if spikes[j]:
                x_pre[j] += a_plus
                for i in range(n_post):
                    if present[j, i]:
                        W[j, i] = clip(W[j, i] + learning_rate * x_post[i], lo[j, i], hi[j, i])
        for i in range(n_post):
            if spikes[n_in + i]:
                x_post[i] += a_minus
                for j in range(n_pre):
                    if present[j, i]:
                        W[j, i] = clip(W[j, i] + learning_rate * x_pre[j], lo[j, i], hi[j, i])
        out.append(dict(x_pre=np.array(x_pre), x_post=np.array(x_post), w=W.copy()))
    return out


def florian_loop(case, trace, learning_rate, a_plus, a_minus, tau_plus, tau_minus, dt, tau_z=25.0, baseline_rate=0.0, tick_rewards=None):
    """MSTDP (trace=False) or MSTDPET (trace=True), Florian's equations."""
    present, lo, hi, n_in, train = case["present"], case["lo"], case["hi"], case["n_inputs"], case["train"]
    rewards = case["rewards"]
    n_pre, n_post = present.shape
    P_plus, P_minus = np.zeros(n_pre), np.zeros(n_post)
    Z = np.zeros((n_pre, n_post))
    W = case["w0"].copy()
    rbar = 0.0
    out = []

    def baseline(r):
        nonlocal rbar
        delta = r - rbar
        rbar += baseline_rate * delta
        return delta

    def apply(change):
        for j in range(n_pre):
            for i in range(n_post):
                if present[j, i]:
                    W[j, i] = clip(W[j, i] + change[j, i], lo[j, i], hi[j, i])

    for t, spikes in enumerate(train):
        f = spikes.astype(float)
        for j in range(n_pre):
            P_plus[j] = P_plus[j] * math.exp(-dt / tau_plus) + a_plus * f[j]
        for i in range(n_post):
            P_minus[i] = P_minus[i] * math.exp(-dt / tau_minus) + a_minus * f[n_in + i]
        zeta = np.zeros((n_pre, n_post))
        for j in range(n_pre):
            for i in range(n_post):
                zeta[j, i] = P_plus[j] * f[n_in + i] + P_minus[i] * f[j]
        if trace:
            Z = math.exp(-dt / tau_z) * Z + zeta / tau_z
        if rewards[t] != 0:
            r = baseline(rewards[t])
            apply(learning_rate * dt * r * Z if trace else learning_rate * r * zeta)
        if tick_rewards and t in tick_rewards:
            r = baseline(tick_rewards[t])
            apply(learning_rate * dt * r * Z if trace else learning_rate * r * zeta)
        out.append(dict(p_plus=P_plus.copy(), p_minus=P_minus.copy(), z=Z.copy(), w=W.copy(), rbar=rbar))
    return out


def dastdp_loop(case, learning_rate, a_plus, a_minus, trace_amplitude, tau_plus, tau_c, tau_d, tonic_da,
                dopamine_pulse, update_interval, dt, tick_rewards=None):  # fmt: skip
    """Izhikevich's scheme, in the order the rule documents."""
    present, lo, hi, n_in, train, rewards = (case[k] for k in ("present", "lo", "hi", "n_inputs", "train", "rewards"))
    n_pre, n_post = present.shape
    x = np.zeros(n_pre)
    C = np.zeros((n_pre, n_post))
    W = case["w0"].copy()
    d = 0.0
    previous = np.zeros(n_pre, dtype=bool)
    out = []
    for t, spikes in enumerate(train):
        for i in range(n_post):
            if spikes[n_in + i]:
                for j in range(n_pre):
                    if present[j, i]:
                        C[j, i] += a_plus * x[j]
        for j in range(n_pre):
            if previous[j]:
                for i in range(n_post):
                    if present[j, i]:
                        C[j, i] += a_minus * x[n_in + i]
        for j in range(n_pre):
            x[j] = trace_amplitude if spikes[j] else x[j] * math.exp(-dt / tau_plus)
        previous = spikes.copy()
        d = d * math.exp(-dt / tau_d) + dopamine_pulse * rewards[t]
        if (t + 1) % update_interval == 0:
            for j in range(n_pre):
                for i in range(n_post):
                    if present[j, i]:
                        W[j, i] = clip(W[j, i] + learning_rate * (tonic_da + d) * C[j, i], lo[j, i], hi[j, i])
            C *= math.exp(-update_interval * dt / tau_c)
        if tick_rewards and t in tick_rewards:
            d += dopamine_pulse * tick_rewards[t]
        out.append(dict(trace=x.copy(), c=C.copy(), d=d, w=W.copy()))
    return out


def rlstdp_loop(case, learning_rate, stdp_window, trace_decay, tick_rewards=None):
    """Spikey's rule as RLSTDP's docstring states it."""
    present, lo, hi, n_in, train, rewards = (case[k] for k in ("present", "lo", "hi", "n_inputs", "train", "rewards"))
    n_pre, n_post = present.shape
    W = case["w0"].copy()
    trace = 0.0
    out = []
    for t, spikes in enumerate(train):
        trace = trace * (1 - trace_decay) + rewards[t]
        x = np.zeros(n_pre)
        for a in range(1, stdp_window + 1):
            if t - a >= 0:
                x += (stdp_window + 1 - a) / stdp_window * train[t - a]
        body = [i for i in range(n_post) if spikes[n_in + i]]
        for i in body:
            for j in range(n_pre):
                if present[j, i]:
                    W[j, i] = clip(W[j, i] + learning_rate * trace * x[j], lo[j, i], hi[j, i])
        for i in body:
            for m in range(n_post):
                if present[n_in + i, m]:
                    W[n_in + i, m] = clip(W[n_in + i, m] - learning_rate * trace * x[n_in + m], lo[n_in + i, m], hi[n_in + i, m])
        if tick_rewards and t in tick_rewards:
            trace += tick_rewards[t]
        out.append(dict(trace=trace, w=W.copy()))
    return out


def check_history(history, expected, graph, fields, present):
    """Compare a rule's per-step (state, weights) with a loop's records."""
    for t, ((state, w), want) in enumerate(zip(history, expected)):
        got_w = matrix(graph, w, present.shape)
        np.testing.assert_allclose(got_w[present], want["w"][present], **TOL, err_msg=f"w at step {t}")
        for field, key in fields.items():
            got = getattr(state, field)
            if key in ("z", "c"):  # per synapse
                got = matrix(graph, got, present.shape)[present]
                np.testing.assert_allclose(got, want[key][present], **TOL, err_msg=f"{field} at step {t}")
            else:
                np.testing.assert_allclose(np.ravel(got)[: np.size(want[key])], np.ravel(want[key]), **TOL, err_msg=f"{field} at step {t}")


# ---------------------------------------------------------------- STDP
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "params",
    [
        dict(learning_rate=0.5, a_plus=1.0, a_minus=-1.0, tau_plus=20.0, tau_minus=20.0, dt=1.0),
        dict(learning_rate=1.0, a_plus=0.001, a_minus=-0.00105, tau_plus=20.0, tau_minus=20.0, dt=1.0),  # W2
        dict(learning_rate=0.1, a_plus=0.7, a_minus=-1.3, tau_plus=15.0, tau_minus=30.0, dt=0.5),
    ],
)
def test_stdp_pairs_change_the_weight_by_the_stdp_window(engine, params):
    lr, dt = params["learning_rate"], params["dt"]
    for d in (1, 4, 9):
        graph, w = one_synapse(0.5)
        run(STDP, graph, w, 1, train_of(d + 3, 2, {0: [1], 1: [1 + d]}), engine=engine, **params)
        assert w[0] == pytest.approx(0.5 + lr * params["a_plus"] * math.exp(-d * dt / params["tau_plus"]), rel=1e-12)
        graph, w = one_synapse(0.5)
        run(STDP, graph, w, 1, train_of(d + 3, 2, {1: [1], 0: [1 + d]}), engine=engine, **params)
        assert w[0] == pytest.approx(0.5 + lr * params["a_minus"] * math.exp(-d * dt / params["tau_minus"]), rel=1e-12)
    graph, w = one_synapse(0.5)  # simultaneous: the presynaptic side first, so the pair potentiates
    run(STDP, graph, w, 1, train_of(3, 2, {0: [1], 1: [1]}), engine=engine, **params)
    assert w[0] == pytest.approx(0.5 + lr * params["a_plus"], rel=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("storage", ["sparse", "dense"])
def test_stdp_matches_a_plain_loop_step_by_step(engine, storage):
    params = dict(learning_rate=0.05, a_plus=0.8, a_minus=-1.1, tau_plus=12.0, tau_minus=25.0, dt=0.5)
    case = random_case(1, storage=storage)
    _, history = run(STDP, case["graph"], case["w"], 3, case["train"], engine=engine, **params)
    check_history(history, stdp_loop(case, **params), case["graph"], {"x_pre": "x_pre", "x_post": "x_post"}, case["present"])


def test_stdp_ignores_rewards():
    case = random_case(2)
    a, b = case["w"].copy(), case["w"].copy()
    run(STDP, case["graph"], a, 3, case["train"], rewards=case["rewards"])
    run(STDP, case["graph"], b, 3, case["train"])
    np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------- MSTDP and MSTDPET
FLORIAN = dict(learning_rate=0.2, a_plus=1.0, a_minus=-1.0, tau_plus=20.0, tau_minus=20.0, dt=1.0)


def pairing(pre, post, n=12):
    return train_of(n, 2, {0: pre, 1: post})


def rewards_at(n, **at):
    r = np.zeros(n)
    for t, value in at.items():
        r[int(t[1:])] = value
    return r


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_mstdp_reward_meets_the_pairing_of_its_own_step(engine, sign):
    g, a_plus, a_minus, tau = 0.2, 1.0, -1.0, 20.0
    # pre at 2, post at 5, reward at 5: w += g r A+ exp(-3/tau)
    graph, w = one_synapse(0.5)
    run(MSTDP, graph, w, 1, pairing([2], [5]), rewards_at(12, t5=sign), engine=engine, **FLORIAN)
    assert w[0] == pytest.approx(0.5 + g * sign * a_plus * math.exp(-3 / tau), rel=1e-12)
    # a reward one step late finds zeta = 0: MSTDP keeps no memory (the late order would give the value above)
    graph, w = one_synapse(0.5)
    run(MSTDP, graph, w, 1, pairing([2], [5]), rewards_at(12, t6=sign), engine=engine, **FLORIAN)
    assert w[0] == 0.5
    # post at 2, pre at 5: w += g r A- exp(-3/tau); a reward at 2 finds zeta = P+_j f_i = 0 (no presynaptic trace)
    graph, w = one_synapse(0.5)
    run(MSTDP, graph, w, 1, pairing([5], [2]), rewards_at(12, t5=sign, t2=7.0), engine=engine, **FLORIAN)
    assert w[0] == pytest.approx(0.5 + g * sign * a_minus * math.exp(-3 / tau), rel=1e-12)
    # simultaneous: zeta = P+ + P- = A+ + A- = 0
    graph, w = one_synapse(0.5)
    run(MSTDP, graph, w, 1, pairing([3], [3]), rewards_at(12, t3=sign), engine=engine, **FLORIAN)
    assert w[0] == pytest.approx(0.5, abs=1e-15)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_mstdpet_keeps_a_pairing_for_a_delayed_reward(engine, sign):
    g, tau, tau_z, dt = 0.2, 20.0, 25.0, 1.0
    zeta = math.exp(-3 / tau)  # pre at 2, post at 5
    for delay in (0, 1, 4):
        graph, w = one_synapse(0.5)
        rule, history = run(MSTDPET, graph, w, 1, pairing([2], [5]), rewards_at(12, **{f"t{5 + delay}": sign}), engine=engine, **FLORIAN)
        z = zeta / tau_z * math.exp(-delay * dt / tau_z)
        assert history[5 + delay][0].z[0] == pytest.approx(z, rel=1e-12)
        assert w[0] == pytest.approx(0.5 + g * dt * sign * z, rel=1e-12)
    # post before pre: z = A- exp(-3/tau) / tau_z
    graph, w = one_synapse(0.5)
    run(MSTDPET, graph, w, 1, pairing([5], [2]), rewards_at(12, t5=sign), engine=engine, **FLORIAN)
    assert w[0] == pytest.approx(0.5 - g * dt * sign * math.exp(-3 / tau) / tau_z, rel=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cls", [MSTDP, MSTDPET])
def test_a_reward_meeting_the_eligibility_one_step_late_fails(engine, cls):
    """Rewards at the pairing step (5) and one step later (6). The correct
    order (traces and eligibility first, then the reward) and the late order
    (the reward meets the eligibility of the step before) differ."""
    g, tau, tau_z, dt = 0.2, 20.0, 25.0, 1.0
    r5, r6 = 1.0, -0.5
    graph, w = one_synapse(0.5)
    run(cls, graph, w, 1, pairing([2], [5]), rewards_at(12, t5=r5, t6=r6), engine=engine, **FLORIAN)
    zeta = math.exp(-3 / tau)
    if cls is MSTDP:
        correct = 0.5 + g * r5 * zeta  # step 6 has no pairing
        late = 0.5 + g * r6 * zeta
    else:
        z5 = zeta / tau_z
        correct = 0.5 + g * dt * (r5 * z5 + r6 * z5 * math.exp(-dt / tau_z))
        late = 0.5 + g * dt * r6 * z5
    assert abs(correct - late) > 1e-3
    assert w[0] == pytest.approx(correct, rel=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("storage", ["sparse", "dense"])
@pytest.mark.parametrize("cls", [MSTDP, MSTDPET])
def test_florian_rules_match_a_plain_loop_step_by_step(engine, storage, cls):
    params = dict(learning_rate=0.3, a_plus=0.9, a_minus=-1.2, tau_plus=15.0, tau_minus=25.0, dt=0.5)
    extra = dict(tau_z=10.0) if cls is MSTDPET else {}
    case = random_case(3, storage=storage)
    ticks = {9: 1.0, 19: -2.0, 30: 0.5, 45: 0.0}
    _, history = run(cls, case["graph"], case["w"], 3, case["train"], case["rewards"], ticks, engine, **params, **extra)
    expected = florian_loop(case, cls is MSTDPET, **params, **extra, tick_rewards=ticks)
    fields = {"p_plus": "p_plus", "p_minus": "p_minus"}
    if cls is MSTDPET:
        fields["z"] = "z"
    check_history(history, expected, case["graph"], fields, case["present"])
    assert not np.allclose(expected[-1]["w"], case["w0"])  # the rule did learn


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cls", [MSTDP, MSTDPET])
def test_reward_baseline_subtracts_the_running_mean(engine, cls):
    params = dict(FLORIAN, baseline_rate=0.25)
    case = random_case(4)
    ticks = {10: 1.0, 20: 0.0, 35: -1.0}
    _, history = run(cls, case["graph"], case["w"], 3, case["train"], case["rewards"], ticks, engine, **params)
    expected = florian_loop(case, cls is MSTDPET, **params, tick_rewards=ticks)
    check_history(history, expected, case["graph"], {"rbar": "rbar"}, case["present"])
    # the running mean by hand: step rewards of 0 deliver nothing, a tick reward of 0 does
    rbar = 0.0
    for t in range(len(case["train"])):
        for r in ([case["rewards"][t]] if case["rewards"][t] != 0 else []) + ([ticks[t]] if t in ticks else []):
            rbar += 0.25 * (r - rbar)
    assert history[-1][0].rbar[0] == pytest.approx(rbar, rel=1e-12)
    assert rbar != 0.0


@pytest.mark.parametrize("engine", ENGINES)
def test_constant_reward_with_a_baseline_stops_learning(engine):
    """A reward that never changes is fully predicted: the error r - rbar
    goes to 0 geometrically, so the weights settle."""
    case = random_case(5)
    case["rewards"] = np.ones(len(case["train"]))
    rule, history = run(MSTDPET, case["graph"], case["w"], 3, case["train"], case["rewards"], engine=engine, **FLORIAN, baseline_rate=0.5)
    assert rule.state.rbar[0] == pytest.approx(1 - 0.5 ** len(case["train"]))
    np.testing.assert_allclose(history[-1][1], history[-2][1], atol=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_zero_reward_touches_no_weight(engine):
    for cls in (MSTDP, MSTDPET, DASTDP):
        case = random_case(6)
        w0 = case["w"].copy()
        run(cls, case["graph"], case["w"], 3, case["train"], np.zeros(len(case["train"])), engine=engine, **({"tonic_da": 0.0} if cls is DASTDP else {}))
        np.testing.assert_array_equal(case["w"], w0)


@pytest.mark.parametrize("engine", ENGINES)
def test_tick_rewards_use_the_last_step(engine):
    """Once per tick: MSTDP applies the last step's zeta, MSTDPET its z."""
    g, tau, tau_z = 0.2, 20.0, 25.0
    graph, w = one_synapse(0.5)  # pairing in the last step (5): the tick reward sees it
    run(MSTDP, graph, w, 1, pairing([2], [5], n=6), tick_rewards={5: -1.0}, engine=engine, **FLORIAN)
    assert w[0] == pytest.approx(0.5 - g * math.exp(-3 / tau), rel=1e-12)
    graph, w = one_synapse(0.5)  # pairing before the last step: MSTDP has forgotten it, MSTDPET has not
    run(MSTDP, graph, w, 1, pairing([2], [5], n=8), tick_rewards={7: -1.0}, engine=engine, **FLORIAN)
    assert w[0] == 0.5
    graph, w = one_synapse(0.5)
    run(MSTDPET, graph, w, 1, pairing([2], [5], n=8), tick_rewards={7: -1.0}, engine=engine, **FLORIAN)
    assert w[0] == pytest.approx(0.5 - g * math.exp(-3 / tau) / tau_z * math.exp(-2 / tau_z), rel=1e-12)


# ---------------------------------------------------------------- bounds
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("cls", [STDP, MSTDP, MSTDPET, DASTDP, RLSTDP])
def test_bounds_signed_and_frozen_synapses(engine, cls):
    """Large learning rates drive the weights into their bounds: [0, 1],
    signed [-5, 0], and a frozen synapse (lo == hi) that never moves."""
    rng = np.random.default_rng(7)
    n_in, n_body = 3, 3
    present = np.ones((n_in + n_body, n_body), dtype=bool)
    lo, hi = np.zeros(present.shape), np.ones(present.shape)
    lo[1], hi[1] = -5.0, 0.0
    w0 = rng.uniform(lo, hi)
    lo[0, 0] = hi[0, 0] = w0[0, 0] = 0.3
    graph, w = layout(present, w0, lo, hi)
    train = rng.random((200, n_in + n_body)) < 0.3
    rewards = rng.choice([1.0, -1.0], size=200)
    params = {"learning_rate": 50.0}
    if cls is DASTDP:
        params.update(update_interval=2, tonic_da=0.5)
    _, history = run(cls, graph, w, n_in, train, rewards, engine=engine, **params)
    seen = np.array([h[1] for h in history])
    assert (seen >= graph.lo - 1e-15).all() and (seen <= graph.hi + 1e-15).all()
    assert (seen[:, 0] == 0.3).all()
    signed = graph.sources == 1
    assert (seen[:, signed] == -5.0).any() and (seen[:, signed] == 0.0).any()
    assert (seen[:, ~signed & (graph.lo == 0)] == 1.0).any()


# ---------------------------------------------------------------- DASTDP
DA = dict(learning_rate=1.0, a_plus=1.0, a_minus=-1.5, trace_amplitude=0.1, tau_plus=20.0, tau_c=1000.0,
          tau_d=200.0, tonic_da=0.002, dopamine_pulse=0.5, update_interval=10, dt=1.0)  # fmt: skip


@pytest.mark.parametrize("engine", ENGINES)
def test_dastdp_eligibility_of_pairs(engine):
    """Pre k steps before post: c = 0.1 exp(-(k - 1)/tau); same step: -0.15;
    post k steps before pre: -0.15 exp(-k/tau) (daspnet.m with 1 ms delays)."""
    tau = DA["tau_plus"]
    cases = [([2], [3], 0.1), ([2], [6], 0.1 * math.exp(-3 / tau)), ([4], [4], -0.15),
             ([5], [4], -0.15 * math.exp(-1 / tau)), ([7], [3], -0.15 * math.exp(-4 / tau))]  # fmt: skip
    for pre, post, c in cases:
        graph, w = one_synapse(1.0, 0.0, 4.0)
        rule, history = run(DASTDP, graph, w, 1, pairing(pre, post, n=9), engine=engine, **DA)
        assert rule.state.c[0] == pytest.approx(c, rel=1e-12), (pre, post)
        assert w[0] == 1.0  # no update yet (the first one is after step 9)
    # the trace is set (not added) by a spike and decays by exp(-dt/tau); x0.95 per ms with tau = -1/ln 0.95
    graph, w = one_synapse(1.0, 0.0, 4.0)
    _, history = run(DASTDP, graph, w, 1, pairing([1, 2], [], n=6), engine=engine, **dict(DA, tau_plus=-1 / math.log(0.95)))
    assert [h[0].trace[0] for h in history] == pytest.approx([0.0, 0.1, 0.1, 0.095, 0.09025, 0.0857375], rel=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_dastdp_dopamine_order_decay_then_reward_then_update(engine):
    """A reward in an update step (9) reaches that update; d decays before
    the reward is added; c decays after the update."""
    lr, tonic, pulse, tau_d, tau_c = 1.0, 0.002, 0.5, 200.0, 1000.0
    graph, w = one_synapse(1.0, 0.0, 4.0)
    rewards = rewards_at(20, t4=1.0, t9=2.0)
    rule, history = run(DASTDP, graph, w, 1, pairing([0], [1], n=20), rewards, engine=engine, **DA)
    c = 0.1
    d9 = pulse * math.exp(-5 / tau_d) + pulse * 2.0  # decay, then the reward of step 9
    w9 = 1.0 + lr * (tonic + d9) * c
    assert history[9][0].d[0] == pytest.approx(d9, rel=1e-12)
    assert history[9][1][0] == pytest.approx(w9, rel=1e-12)
    assert history[8][1][0] == 1.0
    # the wrong orders give other weights
    assert abs(w9 - (1.0 + lr * (tonic + pulse * math.exp(-5 / tau_d)) * c)) > 1e-3  # reward after the update
    assert abs(d9 - (pulse * math.exp(-4 / tau_d) + 2 * pulse) * math.exp(-1 / tau_d)) > 1e-6  # reward before the decay
    c19 = c * math.exp(-10 / tau_c)
    d19 = d9 * math.exp(-10 / tau_d)
    assert history[19][0].c[0] == pytest.approx(c19 * math.exp(-10 / tau_c), rel=1e-12)
    assert history[19][1][0] == pytest.approx(w9 + lr * (tonic + d19) * c19, rel=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("storage", ["sparse", "dense"])
def test_dastdp_matches_a_plain_loop_step_by_step(engine, storage):
    params = dict(learning_rate=2.0, a_plus=0.8, a_minus=-1.3, trace_amplitude=0.2, tau_plus=8.0, tau_c=50.0,
                  tau_d=30.0, tonic_da=0.01, dopamine_pulse=0.7, update_interval=4, dt=0.5)  # fmt: skip
    case = random_case(8, storage=storage)
    ticks = {9: 1.0, 22: -1.0, 41: 0.0}
    _, history = run(DASTDP, case["graph"], case["w"], 3, case["train"], case["rewards"], ticks, engine, **params)
    expected = dastdp_loop(case, **params, tick_rewards=ticks)
    check_history(history, expected, case["graph"], {"trace": "trace", "c": "c", "d": "d"}, case["present"])
    assert not np.allclose(expected[-1]["w"], case["w0"])


@pytest.mark.parametrize("engine", ENGINES)
def test_dastdp_baseline(engine):
    case = random_case(9)
    rule, _ = run(DASTDP, case["graph"], case["w"], 3, case["train"], rewards_at(60, t3=1.0, t5=1.0), {7: 0.0}, engine, baseline_rate=0.5)
    # deliveries 1, 1, 0: errors 1, 0.5, -0.75; rbar 0.5, 0.75, 0.375
    assert rule.state.rbar[0] == pytest.approx(0.375)
    d7 = 0.5 * (1.0 * math.exp(-4 / 200) + 0.5 * math.exp(-2 / 200) - 0.75)
    assert rule.state.d[0] == pytest.approx(d7 * math.exp(-52 / 200), rel=1e-12)


# ---------------------------------------------------------------- RLSTDP and Static
@pytest.mark.parametrize("engine", ENGINES)
def test_rlstdp_matches_its_docstring(engine):
    params = dict(learning_rate=0.05, stdp_window=5, trace_decay=0.1)
    case = random_case(10)
    ticks = {12: 1.0, 30: -2.0}
    w0 = case["w"].copy()
    _, history = run(RLSTDP, case["graph"], case["w"], 3, case["train"], case["rewards"], ticks, engine, **params)
    check_history(history, rlstdp_loop(case, **params, tick_rewards=ticks), case["graph"], {"trace": "trace"}, case["present"])
    assert not np.allclose(case["w"], w0)


def test_rlstdp_baseline_counts_only_delivered_rewards():
    graph, w = one_synapse(0.5)
    rule = state_of(RLSTDP, graph, 1, baseline_rate=0.5)
    p, s = rule.kernel_params(), rule.state
    RLSTDP.reward_kernel(p, s, graph, w, 1.0)  # a tick's reward: rbar 0.5, trace 1
    silent = np.zeros(2, dtype=np.bool_)
    for _ in range(10):  # the next tick: no spikes, no reward
        RLSTDP.kernel(p, s, graph, w, silent, np.zeros(0, np.int64), 0, 1, 0.0)
    assert s.rbar[0] == pytest.approx(0.5)
    assert s.trace[0] == pytest.approx(0.96**10)


@pytest.mark.parametrize("engine", ENGINES)
def test_static_never_changes_anything(engine):
    case = random_case(11)
    rule = state_of(Static, case["graph"], 3)
    w0 = case["w"].copy()
    step = Static.kernel if engine == "kernel" else Static.reference
    for t, spikes in enumerate(case["train"]):
        fired = np.flatnonzero(spikes)
        step(rule.kernel_params(), rule.state, case["graph"], case["w"], np.ascontiguousarray(spikes), fired, fired.size, 3, 1.0)
    np.testing.assert_array_equal(case["w"], w0)
    assert Static.reward_kernel is None and Static.reward_reference is None


# ---------------------------------------------------------------- kernel against reference
def stepper(step, give):
    def go(p, s, graph, w, train, rewards, tick_rewards, clock, n_inputs):
        t = clock[0]
        spikes = train[t]
        fired = np.flatnonzero(spikes)
        step(p, s, graph, w, spikes, fired, fired.size, n_inputs, float(rewards[t]))
        if give is not None and not np.isnan(tick_rewards[t]):
            give(p, s, graph, w, float(tick_rewards[t]))
        clock[0] += 1

    return go


RULES = [
    (STDP, dict(learning_rate=0.1, a_plus=0.8, a_minus=-1.1, tau_plus=10.0, tau_minus=30.0, dt=0.5)),
    (MSTDP, dict(learning_rate=0.4, a_plus=1.2, a_minus=-0.9, tau_plus=10.0, tau_minus=30.0, baseline_rate=1 / 3)),
    (MSTDPET, dict(learning_rate=2.0, a_plus=1.2, a_minus=-0.9, tau_z=8.0, dt=0.7, baseline_rate=1 / 3)),
    (DASTDP, dict(learning_rate=3.0, update_interval=3, tau_c=40.0, tau_d=20.0, baseline_rate=1 / 3)),
    (RLSTDP, dict(learning_rate=0.2, stdp_window=4, baseline_rate=1 / 3)),
    (Static, {}),
]


@pytest.mark.parametrize("storage", ["sparse", "dense"])
@pytest.mark.parametrize("cls, params", RULES, ids=[c.__name__ for c, _ in RULES])
def test_kernel_and_reference_agree_on_random_trains(cls, params, storage):
    steps = 80
    for seed in (12, 13):
        case = random_case(seed, n_inputs=5, n_neurons=6, steps=steps, density=0.3, storage=storage)
        rng = np.random.default_rng(seed)
        tick_rewards = np.where(rng.random(steps) < 0.1, rng.normal(size=steps), np.nan)

        def make_args():
            rule = state_of(cls, case["graph"], 5, **params)
            return (rule.kernel_params(), rule.state, case["graph"], case["w"].copy(), case["train"],
                    case["rewards"], tick_rewards, np.zeros(1, np.int64), 5)  # fmt: skip

        compare_steps(stepper(cls.kernel, cls.reward_kernel), stepper(cls.reference, cls.reward_reference), make_args, steps)


# ---------------------------------------------------------------- inside networks, both engines
def xor_target(state):
    return int(state[0]) ^ int(state[1])


N_IN, N_HIDDEN = 4, 4
SHAPE = (N_IN + N_HIDDEN + 1, N_HIDDEN + 1)
LO = np.zeros(SHAPE)
HI = np.full(SHAPE, 3.0)
LO[:2, :N_HIDDEN], HI[:2, :N_HIDDEN] = -3.0, 0.0  # inputs 0 and 1: signed synapses
LO[3, 0] = HI[3, 0] = 1.5  # frozen


def blocks(rng, shape):
    first = rng.uniform(0.5, 2.5, (N_IN, N_HIDDEN))
    first[:2] *= -1
    first[3, 0] = 1.5
    return [first, rng.uniform(0.5, 2.5, (N_HIDDEN, 1))]


NET_KEYS = dict(
    n_inputs=N_IN, n_neurons=N_HIDDEN + 1, n_outputs=1, processing_time=25, matrix=blocks, min_weight=LO,
    max_weight=HI, firing_threshold=1.0, potential_decay=0.2, refractory_period=0, prob_rand_fire=0.05,
    state_rate_map=[0.1, 0.6], action_threshold=0.1,
)  # fmt: skip
PARTS = dict(inputs=RateMap, neurons=Neuron, weights=Manual, readout=Threshold)
STATES = [np.array(s) for s in ((0, 1), (1, 1), (1, 0), (0, 0), (1, 1), (0, 1))]


def network(cls, synapses, seed=5, **keys):
    parts = dict(PARTS, synapses=synapses)
    if cls is not Network:
        parts["rewarder"] = MatchExpected
        keys.setdefault("expected_value", xor_target)
    return lambda engine: cls(parts=parts, seed=seed, engine=engine, **NET_KEYS, **keys)


NETWORKS = [
    (Network, STDP, dict(learning_rate=0.5, storage="sparse")),
    (RLNetwork, MSTDP, dict(learning_rate=0.5, storage="dense")),
    (ActiveRLNetwork, MSTDPET, dict(learning_rate=2.0, continuous_rwd_action=every_step_reward, storage="sparse", baseline_rate=0.2)),
    (RLNetwork, DASTDP, dict(learning_rate=5.0, update_interval=5, storage="sparse")),
]


@pytest.mark.parametrize("cls, synapses, keys", NETWORKS, ids=[s.__name__ for _, s, _ in NETWORKS])
def test_both_engines_agree_inside_a_network(cls, synapses, keys):
    make = network(cls, synapses, **keys)
    w0 = make("numpy").w.copy()
    numba_net, _ = compare_networks(make, STATES)
    assert numba_net.spike_log[:, N_IN:].any()
    assert not np.allclose(numba_net.w, w0)  # the rule learned
    frozen = (numba_net.graph.sources == 3) & (numba_net.graph.targets == 0)
    assert (numba_net.w[frozen] == 1.5).all()
    assert (numba_net.w >= numba_net.graph.lo).all() and (numba_net.w <= numba_net.graph.hi).all()


@pytest.mark.parametrize("cls, synapses, keys", NETWORKS[1:3], ids=["MSTDP", "MSTDPET"])
def test_eval_mode_freezes_the_weights(cls, synapses, keys):
    net = network(cls, synapses, **keys)("numba")
    net.eval()
    w0 = net.w.copy()
    for state in STATES:
        action = net.tick(state)
        net.reward(state, action)
    np.testing.assert_array_equal(net.w, w0)
    net.train()
    for state in STATES:
        net.reward(state, net.tick(state))
    assert not np.array_equal(net.w, w0)


# ---------------------------------------------------------------- configuration
@pytest.mark.parametrize(
    "cls, key, value",
    [
        (STDP, "tau_plus", 0.0),
        (STDP, "tau_minus", -1.0),
        (STDP, "learning_rate", -0.1),
        (STDP, "dt", 0.0),
        (MSTDP, "baseline_rate", 1.5),
        (MSTDPET, "tau_z", 0.0),
        (MSTDPET, "a_plus", "big"),
        (DASTDP, "update_interval", 0),
        (DASTDP, "update_interval", 2.5),
        (DASTDP, "trace_amplitude", 0.0),
        (DASTDP, "tau_c", -5.0),
        (DASTDP, "tau_d", 0.0),
    ],
)
def test_bad_parameters_name_the_rule_and_the_key(cls, key, value):
    with pytest.raises(ConfigError, match=f"{cls.__name__}: key '{key}' expects"):
        cls(**{key: value})


def test_unknown_parameter_suggests_the_closest():
    with pytest.raises(ConfigError, match="MSTDPET: unknown key 'tau_zz'; did you mean 'tau_z'"):
        MSTDPET(tau_zz=3.0)
    with pytest.raises(ConfigError, match="STDP: unknown key 'tau_z'"):
        STDP(tau_z=3.0)


def test_defaults_are_the_papers():
    assert STDP().params == {"learning_rate": 0.01, "a_plus": 1.0, "a_minus": -1.0, "tau_plus": 20.0, "tau_minus": 20.0, "dt": 1.0}
    assert MSTDPET().tau_z == 25.0 and MSTDP().baseline_rate == 0.0
    da = DASTDP()
    assert (da.a_minus, da.trace_amplitude, da.tonic_da, da.dopamine_pulse, da.update_interval) == (-1.5, 0.1, 0.002, 0.5, 10)
    p = DASTDP(tau_plus=-1 / math.log(0.95), tau_d=-1 / math.log(0.995), tau_c=-10 / math.log(0.99)).kernel_params()
    assert (p.decay, p.decay_d, p.decay_c) == pytest.approx((0.95, 0.995, 0.99), rel=1e-14)


# ---------------------------------------------------------------------------------------------- MultiplicativeSTDP
def _one_synapse_rule(w0=0.1, lo=0.0, hi=0.3, **keys):
    from spikesim.synapses import MultiplicativeSTDP

    graph, w, _ = build_graph(np.array([0]), np.array([0]), np.array([w0]), np.array([lo]), np.array([hi]), 2, 1)
    rule = MultiplicativeSTDP(**{"learning_rate": 0.01, "alpha": 2.02, "tau_plus": 20.0, "tau_minus": 10.0,
                                 "dt": 0.1, **keys})  # fmt: skip
    rule.attach(graph, n_inputs=1)
    rule.reset()
    return rule, graph, w


@pytest.mark.parametrize("compiled", [True, False])
def test_multiplicative_stdp_by_hand(compiled):
    from spikesim.synapses import MultiplicativeSTDP

    rule, graph, w = _one_synapse_rule()
    step = MultiplicativeSTDP.kernel if compiled else MultiplicativeSTDP.reference
    # pre at step 0, post at step 3, pre at step 5, pre and post together at step 6
    trains = {0: [True, False], 3: [False, True], 5: [True, False], 6: [True, True]}
    expected = 0.1
    x_pre = x_post = 0.0
    kp, km = math.exp(-0.1 / 20.0), math.exp(-0.1 / 10.0)
    for t in range(8):
        spikes = np.array(trains.get(t, [False, False]))
        fired = np.flatnonzero(spikes)
        step(rule.kernel_params(), rule.state, graph, w, spikes, fired, fired.size, 1, 0.0)
        x_pre, x_post = x_pre * kp, x_post * km
        if spikes[0]:  # presynaptic first: depression read from the post trace
            x_pre += 1.0
            expected -= 0.01 * 2.02 * expected * x_post
        if spikes[1]:
            x_post += 1.0
            expected += 0.01 * (0.3 - expected) * x_pre
        assert w[0] == pytest.approx(expected, rel=1e-12), f"step {t}"
    assert rule.state.x_pre[0] == pytest.approx(x_pre) and rule.state.x_post[0] == pytest.approx(x_post)


def test_multiplicative_stdp_leaves_frozen_synapses_and_stays_in_bounds():
    from spikesim.synapses import MultiplicativeSTDP

    rule, graph, w = _one_synapse_rule(w0=0.2, lo=0.2, hi=0.2, learning_rate=0.9)
    rule2, graph2, w2 = _one_synapse_rule(w0=0.29, learning_rate=5.0)  # lambda x > 1: the clip holds the bounds
    for t in range(50):
        spikes = np.array([t % 2 == 0, t % 3 == 0])
        fired = np.flatnonzero(spikes)
        MultiplicativeSTDP.kernel(rule.kernel_params(), rule.state, graph, w, spikes, fired, fired.size, 1, 0.0)
        MultiplicativeSTDP.kernel(rule2.kernel_params(), rule2.state, graph2, w2, spikes, fired, fired.size, 1, 0.0)
        assert w[0] == 0.2 and 0.0 <= w2[0] <= 0.3


def test_multiplicative_stdp_drifts_to_its_fixed_point():
    # independent Poisson pre and post spikes at equal rates: w* = w_max / (1 + alpha) = 0.3 / 3.02
    import numba as nb

    from spikesim.synapses import MultiplicativeSTDP

    n = 40
    graph, w, _ = build_graph(np.arange(n), np.zeros(n, np.int64), np.full(n, 0.2), np.zeros(n), np.full(n, 0.3),
                              n + 1, 1)  # fmt: skip
    rule = MultiplicativeSTDP(learning_rate=0.01, alpha=2.02, dt=0.1)
    rule.attach(graph, n_inputs=n)
    rule.reset()
    kernel = MultiplicativeSTDP.kernel

    @nb.njit
    def drive(p, s, graph, w, steps, prob, seed):
        np.random.seed(seed)
        spikes = np.zeros(n + 1, np.bool_)
        fired = np.zeros(n + 1, np.int64)
        for _ in range(steps):
            count = 0
            for j in range(n + 1):
                spikes[j] = np.random.random() < prob
                if spikes[j]:
                    fired[count] = j
                    count += 1
            kernel(p, s, graph, w, spikes, fired, count, n, 0.0)

    drive(rule.kernel_params(), rule.state, graph, w, 300_000, 35.0 * 1e-4, 7)  # 30 s at 35 Hz
    assert abs(w.mean() - 0.3 / 3.02) < 0.004 and w.std() < 0.02


def test_multiplicative_stdp_engines_agree_with_and_without_delays():
    from spikesim.neurons import DeltaLIF
    from spikesim.synapses import MultiplicativeSTDP
    from spikesim.weights import Bernoulli

    for delay in (1, 9):
        def make(engine):
            return Network(
                parts={"inputs": RateMap, "neurons": DeltaLIF, "weights": Bernoulli, "synapses": MultiplicativeSTDP,
                       "readout": Threshold},
                engine=engine, n_inputs=4, n_neurons=40, n_outputs=1, processing_time=300,
                state_rate_map=[0.05, 0.3], neuron_pct_inhibitory=0.2, connection_probability=0.3,
                initial_weight=1.0, inhibitory_weight=2.0, max_weight=3.0, plastic_synapses="excitatory",
                dt=0.1, refractory_ms=0.5, resting_mv=0.0, reset_mv=0.0, firing_threshold=5.0,
                background_sources=100, background_rate=0.02, background_mv=0.5, learning_rate=0.05,
                delay_steps=delay, seed=3,
            )  # fmt: skip

        a, b = compare_networks(make, [np.array([1, 0, 1, 1])] * 4)
        frozen = a.graph.lo == a.graph.hi
        assert frozen.any() and np.array_equal(a.w[frozen], make("numba").w[frozen])


@pytest.mark.parametrize("storage", ["sparse", "dense"])
def test_the_weight_pass_equals_its_definition_over_runs_of_rows(storage):
    """update_weights walks runs of rows that share their bounds (empty rows
    join any run); it must equal x <- d1 x, w <- clip(w + s x), x <- d2 x with
    every synapse's own bounds, bit for bit, whatever the layout."""
    from spikesim.synapses.base import update_weights

    rng = np.random.default_rng(7)
    for _ in range(100):
        n_pre, n_post = rng.integers(1, 20, size=2)
        present = rng.random((n_pre, n_post)) < rng.uniform(0.1, 1.0)
        present[rng.random(n_pre) < 0.25] = False  # empty rows
        sources, targets = np.nonzero(present)
        kind = rng.integers(0, 3, size=n_pre)[sources]  # a bound class per row ...
        lo, hi = np.choose(kind, [0.0, -1.0, 0.3]), np.choose(kind, [1.0, 0.0, 0.3])
        mixed = rng.random(sources.size) < 0.1  # ... and some rows with synapses of their own bounds
        lo[mixed], hi[mixed] = -2.0, 2.0
        graph, w, _ = build_graph(sources, targets, rng.uniform(lo, hi), lo, hi, n_pre, n_post, storage=storage)
        x = rng.normal(size=w.size)
        low, high = graph.bound_lo[graph.bound_id], graph.bound_hi[graph.bound_id]
        for _ in range(3):
            scale, d1, d2 = rng.normal(), rng.uniform(0.5, 1.0), rng.choice([1.0, 0.9])
            expected_x = x * d1
            expected_w = np.minimum(np.maximum(w + scale * expected_x, low), high)
            update_weights(graph, w, x, scale, d1, d2)
            assert np.array_equal(w, expected_w) and np.array_equal(x, expected_x * d2)


def test_mstdpet_kernel_equals_its_reference_bit_for_bit_on_w1s_layout():
    """W1's layout: input rows of two bound classes in random order (runs of
    rows for update_weights), one-synapse hidden rows, an empty output row;
    a reward of +-1 at every step, so every step passes over all synapses.
    The compiled step and the NumPy reference must give the same weights
    and eligibility traces bit for bit at every step."""
    rng = np.random.default_rng(11)
    n_in, n_hidden = 12, 10
    sources = np.concatenate([np.repeat(np.arange(n_in), n_hidden), np.arange(n_in, n_in + n_hidden)])
    targets = np.concatenate([np.tile(np.arange(n_hidden), n_in), np.full(n_hidden, n_hidden)])
    inhibitory = (rng.random(n_in) < 0.5)[sources[: n_in * n_hidden]]
    lo = np.concatenate([np.where(inhibitory, -5.0, 0.0), np.zeros(n_hidden)])
    hi = np.concatenate([np.where(inhibitory, -0.0, 5.0), np.full(n_hidden, 5.0)])
    graph, w0, _ = build_graph(sources, targets, rng.uniform(lo, hi), lo, hi, n_in + n_hidden + 1, n_hidden + 1)
    assert (graph.row_bound[:n_in] >= 0).all() and len(set(graph.row_bound[:n_in])) == 2
    rules = [MSTDPET(learning_rate=2.0, tau_z=5.0), MSTDPET(learning_rate=2.0, tau_z=5.0)]
    for rule in rules:
        rule.attach(graph, n_inputs=n_in)
        rule.reset()
    ws = [w0.copy(), w0.copy()]
    for t in range(200):
        spikes = rng.random(n_in + n_hidden + 1) < 0.3
        fired = np.flatnonzero(spikes)
        r = 1.0 if t // 50 % 2 == 0 else -1.0
        MSTDPET.kernel(rules[0].kernel_params(), rules[0].state, graph, ws[0], spikes, fired, fired.size, n_in, r)
        MSTDPET.reference(rules[1].kernel_params(), rules[1].state, graph, ws[1], spikes, fired, fired.size, n_in, r)
        assert np.array_equal(ws[0], ws[1]) and np.array_equal(rules[0].state.z, rules[1].state.z), f"step {t}"
    assert ((ws[0] == graph.lo) | (ws[0] == graph.hi)).any() and not np.array_equal(ws[0], w0)
