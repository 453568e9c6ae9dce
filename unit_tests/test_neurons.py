"""Neuron models: known answers (analytic rates, closed-form responses,
independent plain-Python loops of the documented equations), kernel against
reference, both engines in a network, configuration errors."""
from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from engines import compare_networks, compare_steps

import spikesim.neurons.escape
import spikesim.neurons.izhikevich
import spikesim.neurons.lif
from spikesim import ConfigError, Network
from spikesim.inputs import RateMap
from spikesim.neurons import LIF, AlphaLIF, CurrentLIF, EscapeNoise, Izhikevich, Neuron
from spikesim.readouts import Threshold
from spikesim.synapses import Static
from spikesim.weights import Manual


def simulate(part, currents, engine="kernel"):
    """Reset ``part`` and step it through ``currents`` (steps, n_neurons);
    returns the spikes (steps, n) and the potentials after each step."""
    step = type(part).kernel if engine == "kernel" else type(part).reference
    part.reset()
    p = part.kernel_params()
    currents = np.asarray(currents, dtype=np.float64)
    spikes = np.zeros(currents.shape, dtype=np.bool_)
    v = np.zeros(currents.shape)
    for t in range(len(currents)):
        step(p, part.state, currents[t], part.rng, spikes[t])
        v[t] = part.state.v
    return spikes, v


def spike_steps(spikes, i=0):
    return np.flatnonzero(spikes[:, i]).tolist()


# ============================================================ LIF
@pytest.mark.parametrize(
    "keys",
    [
        dict(bias=20.0),  # reset at rest: T = tau ln(bias / (bias - 16))
        dict(bias=25.0, reset_mv=-75.0, refractory_period=50),
    ],
)
def test_lif_constant_input_fires_at_the_analytic_rate(keys):
    dt = 0.01
    neuron = LIF(n_neurons=1, dt=dt, initial_mv=keys.get("reset_mv", -70.0), **keys)
    rest, theta, tau = -70.0, -54.0, 20.0
    reset = keys.get("reset_mv", -70.0)
    bias = keys["bias"]
    period_ms = tau * math.log((bias - (reset - rest)) / (bias - (theta - rest)))  # continuous, reset to threshold
    refractory = keys.get("refractory_period", 0)
    # v after the m-th update from reset: rest + bias + (reset - rest - bias) k^m, k = exp(-dt/tau); it first
    # exceeds theta (strictly) at m = floor(T/dt) + 1; the refractory steps come before the updates.
    steps_to_cross = math.floor(period_ms / dt) + 1
    n_steps = 5 * (refractory + steps_to_cross) + 10
    for engine in ("kernel", "reference"):
        spikes, _ = simulate(neuron, np.zeros((n_steps, 1)), engine)
        times = spike_steps(spikes)
        assert times[0] == steps_to_cross - 1  # from initial_mv = reset, no refractory period before
        assert np.diff(times).tolist() == [refractory + steps_to_cross] * (len(times) - 1)
        rate = 1.0 / (np.mean(np.diff(times)) * dt)  # spikes per ms
        analytic = 1.0 / (period_ms + refractory * dt)
        assert abs(rate - analytic) / analytic < 0.01


def test_lif_discrete_period_at_florians_step_of_1_ms():
    neuron = LIF(n_neurons=1, bias=20.0)  # T = 20 ln 5 = 32.19 ms -> a spike every 33 steps
    spikes, v = simulate(neuron, np.zeros((200, 1)))
    times = spike_steps(spikes)
    assert times == list(range(32, 200, 33))
    # below the spike the potential is the closed form rest + bias (1 - k^(n+1))
    k = math.exp(-1 / 20)
    np.testing.assert_allclose(v[:32, 0], -70 + 20 * (1 - k ** np.arange(1, 33)), rtol=0, atol=1e-12)


def test_lif_subthreshold_bias_never_fires_and_settles_at_rest_plus_bias():
    spikes, v = simulate(LIF(n_neurons=1, bias=15.9), np.zeros((400, 1)))
    assert not spikes.any()
    assert v[-1, 0] == pytest.approx(-70 + 15.9, abs=1e-6)


def test_lif_threshold_is_strict_and_a_spike_moves_the_potential_at_once():
    neuron = LIF(n_neurons=3)
    spikes, v = simulate(neuron, [[16.0, 16.0 + 1e-9, 5.0]])
    assert spikes[0].tolist() == [False, True, False]  # -54 exactly does not fire
    assert v[0].tolist() == [-54.0, -70.0, -65.0]


def lif_loop(currents, dt=1.0, tau_m=20.0, rest=-70.0, theta=-54.0, reset=-70.0, refractory=0, bias=0.0,
             tau_syn=None, alpha=False):  # fmt: skip
    """The documented discrete equations of LIF / CurrentLIF / AlphaLIF,
    one neuron at a time, coefficients from their closed forms."""
    km = math.exp(-dt / tau_m)
    c1 = c2 = ks = rise = 0.0
    if tau_syn is not None:
        ks = math.exp(-dt / tau_syn)
        c1 = dt / tau_m * km if tau_syn == tau_m else tau_syn / (tau_syn - tau_m) * (ks - km)
        a = 1 / tau_syn - 1 / tau_m
        big_j = dt * dt / 2 if a == 0 else (1 - math.exp(-a * dt) * (1 + a * dt)) / a**2
        c2 = math.e / (tau_m * tau_syn) * km * big_j
        rise = math.e * dt / tau_syn * ks
    steps, n = np.shape(currents)
    spikes = np.zeros((steps, n), dtype=bool)
    vs = np.zeros((steps, n))
    for i in range(n):
        v, h, g, timer = rest, 0.0, 0.0, 0
        for t in range(steps):
            current = float(currents[t][i])
            if tau_syn is None:
                x = rest + km * (v - rest) + (1 - km) * bias + current
            elif not alpha:
                x = rest + km * (v - rest) + (1 - km) * bias + c1 * h
                h = ks * h + current
            else:
                x = rest + km * (v - rest) + (1 - km) * bias + c1 * h + c2 * g
                h = ks * h + rise * g
                g = ks * g + current
            if timer > 0:
                timer -= 1
                v = reset
            elif x > theta:
                v = reset
                timer = refractory
                spikes[t, i] = True
            else:
                v = x
            vs[t, i] = v
    return spikes, vs


LEAKY = [
    (LIF, {}, {}),
    (CurrentLIF, {"tau_syn": 5.0}, {"tau_syn": 5.0}),
    (AlphaLIF, {"tau_syn": 3.0}, {"tau_syn": 3.0, "alpha": True}),
]


@pytest.mark.parametrize("cls, keys, loop_keys", LEAKY)
def test_leaky_neurons_follow_a_plain_loop_of_their_equations(cls, keys, loop_keys):
    rng = np.random.default_rng(3)
    currents = rng.uniform(-2.0, 8.0, (300, 4)) * (rng.random((300, 4)) < 0.5)
    common = dict(dt=0.5, reset_mv=-72.0, refractory_period=3, bias=6.0)
    neuron = cls(n_neurons=4, **common, **keys)
    want_spikes, want_v = lif_loop(
        currents, dt=0.5, reset=-72.0, refractory=3, bias=6.0, **loop_keys
    )
    assert 5 < want_spikes.sum() < 300
    for engine in ("kernel", "reference"):
        spikes, v = simulate(neuron, currents, engine)
        np.testing.assert_array_equal(spikes, want_spikes)
        np.testing.assert_allclose(v, want_v, rtol=0, atol=1e-9)


def psp_current(t, tau_m, tau_s):
    """Potential response to a unit exponential current (w = 1 at t = 0)."""
    if tau_s == tau_m:
        return t / tau_m * np.exp(-t / tau_m)
    return tau_s / (tau_s - tau_m) * (np.exp(-t / tau_s) - np.exp(-t / tau_m))


def psp_alpha(t, tau_m, tau_s):
    """Potential response to a unit alpha current (t/tau_s) exp(1 - t/tau_s)."""
    a = 1 / tau_s - 1 / tau_m
    big_j = t**2 / 2 if a == 0 else (1 - np.exp(-a * t) * (1 + a * t)) / a**2
    return math.e / (tau_m * tau_s) * np.exp(-t / tau_m) * big_j


LINEAR = dict(resting_mv=0.0, reset_mv=0.0, firing_threshold=1e6)  # never fires: a linear system


@pytest.mark.parametrize("tau_m, tau_s", [(20.0, 5.0), (10.0, 10.0), (8.0, 12.0)])
def test_current_lif_impulse_response_is_the_difference_of_exponentials(tau_m, tau_s):
    dt, w = 0.5, 2.5
    neuron = CurrentLIF(n_neurons=1, dt=dt, tau_m=tau_m, tau_syn=tau_s, **LINEAR)
    currents = np.zeros((120, 1))
    currents[0] = w
    for step in (CurrentLIF.kernel, CurrentLIF.reference):
        neuron.reset()
        p = neuron.kernel_params()
        i_syn, v = [], []
        for t in range(120):
            step(p, neuron.state, currents[t], neuron.rng, np.zeros(1, bool))
            i_syn.append(neuron.state.i_syn[0])
            v.append(neuron.state.v[0])
        n = np.arange(120)
        np.testing.assert_allclose(i_syn, w * np.exp(-n * dt / tau_s), rtol=1e-12)
        np.testing.assert_allclose(v, w * psp_current(n * dt, tau_m, tau_s), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("tau_m, tau_s", [(20.0, 5.0), (10.0, 10.0), (4.0, 9.0)])
def test_alpha_lif_impulse_response_and_alpha_shape(tau_m, tau_s):
    dt, w = 0.25, 1.5
    steps = 200
    neuron = AlphaLIF(n_neurons=1, dt=dt, tau_m=tau_m, tau_syn=tau_s, **LINEAR)
    currents = np.zeros((steps, 1))
    currents[0] = w
    n = np.arange(steps)
    for step in (AlphaLIF.kernel, AlphaLIF.reference):
        neuron.reset()
        p = neuron.kernel_params()
        i_syn, v = [], []
        for t in range(steps):
            step(p, neuron.state, currents[t], neuron.rng, np.zeros(1, bool))
            i_syn.append(neuron.state.i_syn[0])
            v.append(neuron.state.v[0])
        alpha = w * (n * dt / tau_s) * np.exp(1 - n * dt / tau_s)
        np.testing.assert_allclose(i_syn, alpha, rtol=1e-12, atol=1e-15)
        peak = int(round(tau_s / dt))
        assert int(np.argmax(i_syn)) == peak and i_syn[peak] == pytest.approx(w, rel=1e-12)
        np.testing.assert_allclose(v, w * psp_alpha(n * dt, tau_m, tau_s), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("cls, psp", [(CurrentLIF, psp_current), (AlphaLIF, psp_alpha)])
def test_nearly_equal_time_constants_do_not_lose_precision(cls, psp):
    # tau_syn within 1e-7 of tau_m: the response is the equal-constants one to ~1e-7
    neuron = cls(n_neurons=1, dt=1.0, tau_m=10.0, tau_syn=10.0 * (1 + 1e-9), **LINEAR)
    currents = np.zeros((60, 1))
    currents[0] = 1.0
    _, v = simulate(neuron, currents)
    np.testing.assert_allclose(v[1:, 0], psp(np.arange(1, 60) * 1.0, 10.0, 10.0), rtol=1e-7)


@pytest.mark.parametrize(
    "cls, response",
    [
        (LIF, lambda t: np.exp(-t / 20.0) * (t >= 0)),
        (CurrentLIF, lambda t: psp_current(t, 20.0, 5.0) * (t > 0)),
        (AlphaLIF, lambda t: psp_alpha(np.maximum(t, 0), 20.0, 5.0) * (t > 0)),
    ],
)
def test_subthreshold_potential_is_the_superposition_of_impulse_responses(cls, response):
    rng = np.random.default_rng(8)
    steps, dt, bias = 150, 1.0, 3.0
    currents = rng.normal(0.0, 1.0, (steps, 2)) * (rng.random((steps, 2)) < 0.3)
    neuron = cls(n_neurons=2, dt=dt, bias=bias, resting_mv=-70.0, reset_mv=-80.0, firing_threshold=0.0)
    _, v = simulate(neuron, currents)
    n = np.arange(steps)
    want = np.zeros((steps, 2)) - 70.0 + bias * (1 - np.exp(-(n + 1) * dt / 20.0))[:, None]
    for m in range(steps):
        want += currents[m] * response((n - m) * dt)[:, None]
    np.testing.assert_allclose(v, want, rtol=0, atol=1e-10)


def test_current_lif_refractory_clamps_the_potential_but_not_the_synaptic_current():
    neuron = CurrentLIF(n_neurons=1, tau_syn=5.0, refractory_period=4)
    currents = np.zeros((12, 1))
    currents[0] = 1200.0  # a strong input: fires at step 1
    neuron.reset()
    p = neuron.kernel_params()
    out = np.zeros(1, bool)
    fired, v, i_syn = [], [], []
    for t in range(12):
        CurrentLIF.kernel(p, neuron.state, currents[t], neuron.rng, out)
        fired.append(bool(out[0]))
        v.append(neuron.state.v[0])
        i_syn.append(neuron.state.i_syn[0])
    assert fired.index(True) == 1
    assert v[2:6] == [-70.0] * 4  # refractory: held at reset
    np.testing.assert_allclose(i_syn, 1200.0 * np.exp(-np.arange(12) / 5.0), rtol=1e-12)
    assert fired[6]  # the current still above threshold after the refractory period


def test_uniform_initial_potential_is_drawn_between_reset_and_threshold():
    neuron = LIF(n_neurons=2000, initial_mv="uniform", reset_mv=-75.0, rng=np.random.default_rng(4))
    neuron.reset()
    v = neuron.state.v
    assert v.min() >= -75.0 and v.max() < -54.0
    np.testing.assert_array_equal(v, np.random.default_rng(4).uniform(-75.0, -54.0, 2000))
    assert abs(v.mean() - (-64.5)) < 3 * (21 / math.sqrt(12)) / math.sqrt(2000)
    neuron.reset()  # a new draw at every reset
    assert not np.array_equal(neuron.state.v, v)
    fixed = LIF(n_neurons=3, initial_mv=-60)
    fixed.reset()
    assert fixed.state.v.tolist() == [-60.0] * 3


# ============================================================ Izhikevich
IZHIKEVICH_PRESETS = {  # (a, b, c, d), Izhikevich 2003
    "RS": (0.02, 0.2, -65.0, 8.0),
    "IB": (0.02, 0.2, -55.0, 4.0),
    "CH": (0.02, 0.2, -50.0, 2.0),
    "FS": (0.1, 0.2, -65.0, 2.0),
    "LTS": (0.02, 0.25, -65.0, 2.0),
}


def izhikevich_loop(a, b, c, d, currents, dt=1.0, bias=0.0, noise=0.0, rng=None):
    """Izhikevich (2007)'s scheme (daspnet.m), written out neuron by neuron:
    two Euler half-steps of v, one of u with the new v, then spike and reset."""
    steps, n = np.shape(currents)
    times = [[] for _ in range(n)]
    v = [float(c[i]) for i in range(n)]
    u = [float(b[i]) * v[i] for i in range(n)]
    for t in range(steps):
        for i in range(n):
            current = float(currents[t][i]) + bias
            if noise > 0:
                current = current + noise * (rng.random() - 0.5)
            v[i] = v[i] + dt / 2 * ((0.04 * v[i] + 5) * v[i] + 140 - u[i] + current)
            v[i] = v[i] + dt / 2 * ((0.04 * v[i] + 5) * v[i] + 140 - u[i] + current)
            u[i] = u[i] + dt * (a[i] * (b[i] * v[i] - u[i]))
            if v[i] >= 30:
                times[i].append(t)
                v[i] = float(c[i])
                u[i] = u[i] + d[i]
    return times


@pytest.mark.parametrize("neuron_type", ["RS", "FS", "IB", "CH", "LTS"])
def test_izhikevich_presets_match_a_plain_loop_under_a_step_current(neuron_type):
    steps = 400
    currents = np.zeros((steps, 2))
    currents[50:, 0] = 10.0  # 0 for 50 steps, then 10
    currents[50:, 1] = 4.0
    neuron = Izhikevich(n_neurons=2, neuron_type=neuron_type)
    a, b, c, d = (np.full(2, x) for x in IZHIKEVICH_PRESETS[neuron_type])
    want = izhikevich_loop(a, b, c, d, currents)
    assert len(want[0]) >= 5 and all(t >= 50 for t in want[0])
    for engine in ("kernel", "reference"):
        spikes, _ = simulate(neuron, currents, engine)
        assert [spike_steps(spikes, i) for i in range(2)] == want


def test_izhikevich_regular_and_fast_spiking_differ_as_published():
    currents = np.zeros((1000, 1))
    currents[50:] = 10.0
    rs, _ = simulate(Izhikevich(n_neurons=1, neuron_type="RS"), currents)
    fs, _ = simulate(Izhikevich(n_neurons=1, neuron_type="FS"), currents)
    rs_isi = np.diff(spike_steps(rs))
    assert rs_isi[-1] > rs_isi[0]  # RS adapts: its intervals lengthen
    assert fs.sum() > 2 * rs.sum()  # FS fires much faster


def test_izhikevich_noise_bias_and_half_step_dt_match_the_loop():
    rng = np.random.default_rng(21)
    currents = rng.uniform(0.0, 6.0, (300, 3)) * (rng.random((300, 3)) < 0.2)
    a, b, c, d = [0.02, 0.1, 0.03], [0.2, 0.25, 0.2], [-65.0, -60.0, -50.0], [8.0, 2.0, 3.0]
    neuron = Izhikevich(n_neurons=3, a=a, b=b, c=c, d=d, dt=0.5, bias=2.0, noise=13.0, rng=np.random.default_rng(5))
    want = izhikevich_loop(a, b, c, d, currents, dt=0.5, bias=2.0, noise=13.0, rng=np.random.default_rng(5))
    assert sum(map(len, want)) > 10
    spikes, _ = simulate(neuron, currents, "kernel")
    assert [spike_steps(spikes, i) for i in range(3)] == want
    neuron.rng = np.random.default_rng(5)
    spikes, _ = simulate(neuron, currents, "reference")
    assert [spike_steps(spikes, i) for i in range(3)] == want


def test_izhikevich_mix_makes_inhibitory_neurons_fast_spiking():
    neuron = Izhikevich(n_neurons=50, neuron_type="mix", neuron_pct_inhibitory=0.2, rng=np.random.default_rng(1))
    p = neuron.kernel_params()
    inhibitory = neuron.signs < 0
    assert inhibitory.sum() == 10
    for key, (rs, fs) in zip("abcd", zip(IZHIKEVICH_PRESETS["RS"], IZHIKEVICH_PRESETS["FS"])):
        np.testing.assert_array_equal(getattr(p, key), np.where(inhibitory, fs, rs))
    polarities = np.array([1, -1, 1, -1.0])
    explicit = Izhikevich(n_neurons=4, polarities=polarities)  # "mix" is the default
    assert explicit.kernel_params().a.tolist() == [0.02, 0.1, 0.02, 0.1]
    explicit.reset()
    assert explicit.state.v.tolist() == [-65.0] * 4 and explicit.state.u.tolist() == [-13.0] * 4


def test_izhikevich_given_coefficients_override_the_preset():
    neuron = Izhikevich(n_neurons=3, neuron_type="CH", d=[1.0, 2.0, 3.0], a=0.05)
    p = neuron.kernel_params()
    assert p.a.tolist() == [0.05] * 3 and p.b.tolist() == [0.2] * 3
    assert p.c.tolist() == [-50.0] * 3 and p.d.tolist() == [1.0, 2.0, 3.0]
    neuron.reset()
    assert neuron.state.v.tolist() == [-50.0] * 3 and neuron.state.u.tolist() == [-10.0] * 3


# ============================================================ EscapeNoise
@pytest.mark.parametrize("theta", [-58.0, -62.0])
def test_escape_noise_fires_at_the_analytic_probability(theta):
    # v clamped at -60: rest -70, bias 10 and reset -60 (v = rest + bias is the fixed point)
    n, steps, rate, delta_u = 200, 400, 0.1, 2.0
    keys = dict(bias=10.0, reset_mv=-60.0, initial_mv=-60.0, firing_threshold=theta, escape_rate=rate, delta_u=delta_u)
    prob = 1 - math.exp(-1.0 * rate * math.exp((-60.0 - theta) / delta_u))
    for engine in ("kernel", "reference"):
        neuron = EscapeNoise(n_neurons=n, rng=np.random.default_rng(17), **keys)
        assert neuron.probability(-60.0) == pytest.approx(prob, rel=1e-12)
        spikes, v = simulate(neuron, np.zeros((steps, n)), engine)
        np.testing.assert_allclose(v, -60.0, atol=1e-12)
        trials = n * steps
        sigma = math.sqrt(trials * prob * (1 - prob))
        assert abs(spikes.sum() - trials * prob) < 3 * sigma


def test_escape_noise_refractory_period_adds_to_a_geometric_interval():
    refractory, n, steps = 6, 100, 600
    neuron = EscapeNoise(n_neurons=n, bias=10.0, reset_mv=-60.0, initial_mv=-60.0, firing_threshold=-61.0,
                         escape_rate=0.1, delta_u=2.0, refractory_period=refractory, rng=np.random.default_rng(2))  # fmt: skip
    prob = 1 - math.exp(-0.1 * math.exp(0.5))
    spikes, _ = simulate(neuron, np.zeros((steps, n)))
    isi = np.concatenate([np.diff(spike_steps(spikes, i)) for i in range(n)])
    assert isi.min() >= refractory + 1
    # interval = refractory + Geometric(prob): mean refractory + 1/p, variance (1 - p)/p^2
    sigma = math.sqrt((1 - prob) / prob**2 / isi.size)
    assert abs(isi.mean() - (refractory + 1 / prob)) < 3 * sigma


def test_escape_noise_is_deterministic_lif_in_the_limit_of_small_delta_u():
    rng = np.random.default_rng(9)
    currents = rng.uniform(0, 6, (200, 3))
    lif, v_lif = simulate(LIF(n_neurons=3), currents)
    esc, v_esc = simulate(EscapeNoise(n_neurons=3, delta_u=1e-9, escape_rate=1e9), currents)
    assert lif.sum() > 5
    np.testing.assert_array_equal(esc, lif)
    np.testing.assert_allclose(v_esc, v_lif, atol=1e-9)


# ============================================================ Spikey's Neuron
def spikey_loop(currents, threshold, decay, refractory, prob=0.0, rest=0.0, delay=0, rng=None):
    """Spikey's neuron as documented: refractory neurons stay at rest; others
    leak and integrate; fire at v >= threshold or at random; emit after delay."""
    steps, n = np.shape(currents)
    emitted = np.zeros((steps + delay, n), dtype=bool)
    v = [rest] * n
    timer = [0] * n
    for t in range(steps):
        for i in range(n):
            refractory_now = timer[i] > 0
            if refractory_now:
                timer[i] -= 1
                v[i] = rest
            else:
                v[i] = rest + (v[i] - rest) * (1 - decay) + float(currents[t][i])
            fire = v[i] >= threshold
            if prob > 0 and rng.random() < prob:
                fire = True
            if fire and not refractory_now:
                v[i] = rest
                timer[i] = refractory
                emitted[t + delay, i] = True
    return emitted[:steps]


@pytest.mark.parametrize("prob, delay, refractory", [(0.0, 0, 0), (0.0, 3, 2), (0.1, 2, 1)])
def test_spikey_neuron_matches_a_plain_loop(prob, delay, refractory):
    rng = np.random.default_rng(30)
    currents = rng.uniform(-0.5, 1.5, (200, 5))
    keys = dict(firing_threshold=2.0, potential_decay=0.1, refractory_period=refractory, prob_rand_fire=prob,
                resting_mv=-0.5, spike_delay=delay)  # fmt: skip
    want = spikey_loop(currents, 2.0, 0.1, refractory, prob, -0.5, delay, np.random.default_rng(6))
    assert want.sum() > 20
    for engine in ("kernel", "reference"):
        neuron = Neuron(n_neurons=5, rng=np.random.default_rng(6), **keys)
        spikes, _ = simulate(neuron, currents, engine)
        np.testing.assert_array_equal(spikes, want)


def test_spikey_neuron_threshold_is_inclusive_and_spikes_are_delayed():
    neuron = Neuron(n_neurons=2, firing_threshold=1.0, potential_decay=0.0, refractory_period=0, spike_delay=2)
    currents = np.zeros((6, 2))
    currents[0] = [1.0, 0.5]
    currents[1] = [0.0, 0.5]  # neuron 1 reaches 1.0 (exactly the threshold) at step 1
    spikes, _ = simulate(neuron, currents)
    assert spike_steps(spikes, 0) == [2] and spike_steps(spikes, 1) == [3]


def test_spikey_neuron_random_firing_at_prob_rand_fire():
    n, steps, prob = 100, 500, 0.05
    neuron = Neuron(n_neurons=n, firing_threshold=1e9, potential_decay=0.5, refractory_period=0,
                    prob_rand_fire=prob, rng=np.random.default_rng(12))  # fmt: skip
    spikes, _ = simulate(neuron, np.zeros((steps, n)))
    trials = n * steps
    assert abs(spikes.sum() - trials * prob) < 3 * math.sqrt(trials * prob * (1 - prob))


# ============================================================ kernel against reference
STEP_CASES = [
    (LIF, dict(refractory_period=2, initial_mv="uniform", bias=4.0), 3.0),
    (CurrentLIF, dict(refractory_period=1, initial_mv="uniform", tau_syn=4.0, dt=0.5), 3.0),
    (AlphaLIF, dict(refractory_period=3, initial_mv="uniform", tau_syn=2.0, reset_mv=-80.0), 3.0),
    (Izhikevich, dict(neuron_type="mix", neuron_pct_inhibitory=0.3, noise=13.0, bias=1.0), 4.0),
    (EscapeNoise, dict(refractory_period=2, initial_mv="uniform", delta_u=3.0, escape_rate=0.05), 3.0),
    (Neuron, dict(firing_threshold=5.0, potential_decay=0.1, refractory_period=2, prob_rand_fire=0.05, spike_delay=2), 1.0),
]


@pytest.mark.parametrize("cls, keys, scale", STEP_CASES, ids=lambda x: getattr(x, "__name__", ""))
def test_kernel_and_reference_agree(cls, keys, scale):
    n = 40
    for seed in range(3):
        rng = np.random.default_rng(seed)
        current = rng.uniform(-0.3, 1.0, n) * scale * rng.integers(0, 3, n)

        def make_args():
            neuron = cls(n_neurons=n, rng=np.random.default_rng(100 + seed), **keys)
            neuron.reset()
            return (neuron.kernel_params(), neuron.state, current, neuron.rng, np.zeros(n, dtype=np.bool_))

        compare_steps(cls.kernel, cls.reference, make_args, 60)
        # the run is not trivial: some neurons fire
        args = make_args()
        fired = 0
        for _ in range(60):
            cls.kernel(*args)
            fired += args[-1].sum()
        assert fired > 0


# ============================================================ inside a network, both engines
NETWORK_CASES = [
    (LIF, dict(initial_mv="uniform", refractory_period=1), 10.0),
    (CurrentLIF, dict(tau_syn=3.0), 20.0),
    (AlphaLIF, dict(tau_syn=2.0), 20.0),
    (Izhikevich, dict(noise=5.0), 20.0),
    (EscapeNoise, dict(delta_u=3.0), 10.0),
    (Neuron, dict(firing_threshold=16.0, potential_decay=0.05, refractory_period=1, prob_rand_fire=0.02, spike_delay=1), 10.0),
]
STATES = [np.array(s) for s in ((1, 1), (0, 1), (1, 0), (0, 0), (1, 1))]


@pytest.mark.parametrize("cls, keys, scale", NETWORK_CASES, ids=lambda x: getattr(x, "__name__", ""))
def test_both_engines_give_the_same_spikes_in_a_network(cls, keys, scale):
    n_inputs, n_neurons = 4, 6
    mask = np.random.default_rng(0).random((n_inputs + n_neurons, n_neurons)) < 0.6
    matrix = np.random.default_rng(1).uniform(0.2, scale, mask.shape) * mask

    def make(engine):
        return Network(
            parts={"inputs": RateMap, "neurons": cls, "weights": Manual, "synapses": Static, "readout": Threshold},
            n_inputs=n_inputs, n_neurons=n_neurons, n_outputs=2, processing_time=40, matrix=matrix,
            max_weight=scale, state_rate_map=[0.0, 0.3], neuron_pct_inhibitory=0.3, seed=5, engine=engine, **keys,
        )  # fmt: skip

    fast, _ = compare_networks(make, STATES)
    assert fast.spike_log[:, n_inputs:].any()  # the body neurons fire in the last tick


# ============================================================ configuration errors
def test_out_of_range_time_constants():
    with pytest.raises(ConfigError, match=r"LIF: key 'tau_m' expects a number in \(0, inf\); got 0.0"):
        LIF(n_neurons=2, tau_m=0)
    with pytest.raises(ConfigError, match=r"CurrentLIF: key 'tau_syn' expects a number in \(0, inf\); got -1.0"):
        CurrentLIF(n_neurons=2, tau_syn=-1.0)
    with pytest.raises(ConfigError, match=r"AlphaLIF: key 'dt' expects a number in \(0, inf\); got 0.0"):
        AlphaLIF(n_neurons=2, dt=0.0)
    with pytest.raises(ConfigError, match=r"EscapeNoise: key 'delta_u' expects a number in \(0, inf\); got 0.0"):
        EscapeNoise(n_neurons=2, delta_u=0.0)
    with pytest.raises(ConfigError, match=r"EscapeNoise: key 'escape_rate'"):
        EscapeNoise(n_neurons=2, escape_rate=-0.1)
    with pytest.raises(ConfigError, match=r"LIF: key 'refractory_period' expects an integer in \[0, inf\); got -1"):
        LIF(n_neurons=2, refractory_period=-1)


def test_reset_and_initial_potential_errors():
    with pytest.raises(ConfigError, match=r"LIF: key 'reset_mv' expects a potential below firing_threshold \(-54.0\); got -50.0"):
        LIF(n_neurons=2, reset_mv=-50.0)
    with pytest.raises(ConfigError, match=r"LIF: key 'initial_mv' expects None, a number or 'uniform'; got 'random'"):
        LIF(n_neurons=2, initial_mv="random")
    with pytest.raises(ConfigError, match=r"CurrentLIF: key 'initial_mv'.*got \[1, 2\]"):
        CurrentLIF(n_neurons=2, initial_mv=[1, 2])
    with pytest.raises(ConfigError, match=r"EscapeNoise: key 'initial_mv' expects 'uniform' only with reset_mv below"):
        EscapeNoise(n_neurons=2, initial_mv="uniform", reset_mv=-50.0)


def test_izhikevich_errors():
    with pytest.raises(ConfigError, match=r"Izhikevich: key 'a' expects a number or an array of shape \(3,\); got shape \(2,\)"):
        Izhikevich(n_neurons=3, a=[0.02, 0.1])
    with pytest.raises(ConfigError, match=r"Izhikevich: key 'd' expects a number or an array of shape \(3,\); got shape \(3, 1\)"):
        Izhikevich(n_neurons=3, d=np.ones((3, 1)))
    with pytest.raises(ConfigError, match=r"Izhikevich: key 'neuron_type' expects a string among 'RS', 'FS', 'IB', 'CH', 'LTS', 'mix'; got 'XY'"):
        Izhikevich(n_neurons=3, neuron_type="XY")
    with pytest.raises(ConfigError, match=r"Izhikevich: key 'noise' expects a number in \[0, inf\); got -1.0"):
        Izhikevich(n_neurons=3, noise=-1.0)
    with pytest.raises(ConfigError, match=r"Izhikevich: key 'a' .*element -0.1 at index 1"):
        Izhikevich(n_neurons=3, a=[0.02, -0.1, 0.02])
    neuron = Izhikevich(n_neurons=3)
    with pytest.raises(ConfigError, match=r"Izhikevich: key 'b' expects a number or an array of shape \(3,\)"):
        neuron.set_param("b", [0.2, 0.2])
    assert neuron.params["b"] is None  # the failed change is undone


def test_network_reports_the_neuron_part_and_key():
    with pytest.raises(ConfigError, match=r"unknown key 'tau'; did you mean 'tau_m'\?"):
        Network(parts={"inputs": RateMap, "neurons": LIF, "weights": Manual, "synapses": Static, "readout": Threshold},
                n_inputs=2, n_neurons=2, n_outputs=1, processing_time=5, matrix=np.ones((4, 2)),
                state_rate_map=[0.0, 0.5], tau=3.0)  # fmt: skip


# ============================================================ docstring examples
@pytest.mark.parametrize("module", [spikesim.neurons.lif, spikesim.neurons.izhikevich, spikesim.neurons.escape])
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


# ============================================================ Izhikevich: 32-bit noise draws
def izhikevich_step_by_hand(neuron, current, uniforms):
    """One step of ``neuron``'s equations from its state with the given
    ``U``, in the kernel's order of operations: ``(v, u, spikes)``."""
    p, (v, u) = neuron.kernel_params(), neuron.state
    drive = current + p.bias + p.noise * (uniforms - 0.5)
    for _ in range(2):
        v = v + p.half * ((0.04 * v + 5.0) * v + 140.0 - u + drive)
    u = u + p.dt * (p.a * (p.b * v - u))
    fire = v >= p.v_peak
    return np.where(fire, p.c, v), np.where(fire, u + p.d, u), fire


def halves_by_hand(words):
    """Neuron 2j's U is the low 32 bits of the generator's 64-bit output j over 2^32, neuron 2j + 1's the high."""
    return np.column_stack([words & 0xFFFFFFFF, words >> 32]).ravel() / 2.0**32


@pytest.mark.parametrize("n", [40, 41])
def test_izhikevich_32_bit_noise_kernel_and_reference_agree_bit_for_bit(n):
    rng = np.random.default_rng(3)
    currents = rng.uniform(0.0, 8.0, (200, n)) * (rng.random((200, n)) < 0.2)
    runs = []
    for engine in ("kernel", "reference"):
        neuron = Izhikevich(n_neurons=n, neuron_pct_inhibitory=0.3, noise=13.0, noise_bits=32, bias=1.0,
                            rng=np.random.default_rng(8))  # fmt: skip
        spikes, v = simulate(neuron, currents, engine)
        runs.append((spikes, v, neuron.state.u, neuron.rng.bit_generator.state))
    assert runs[0][0].sum() > 20  # the neurons fire
    for got, want in zip(runs[0], runs[1]):
        assert got == want if isinstance(got, dict) else np.array_equal(got, want)


@pytest.mark.parametrize("bits", [32, 64])
@pytest.mark.parametrize("n", [6, 7])
def test_izhikevich_noise_draws_are_the_generators_outputs(bits, n):
    """Known answer: 32 bits draw (n + 1) // 2 raw 64-bit outputs and split
    each into two neurons' U (low half first); 64 bits (the default, as
    before the option) draw ``rng.random(n)``."""
    keys = {} if bits == 64 else {"noise_bits": 32}
    neuron = Izhikevich(n_neurons=n, noise=13.0, bias=4.0, **keys)
    assert neuron.noise_bits == bits
    current = np.linspace(0.0, 9.0, n)
    for step in (Izhikevich.kernel, Izhikevich.reference):
        neuron.reset()
        neuron.rng, mine = np.random.default_rng(11), np.random.default_rng(11)
        for t in range(30):
            if bits == 32:
                uniforms = halves_by_hand(mine.bit_generator.random_raw((n + 1) // 2))[:n]
            else:
                uniforms = mine.random(n)
            want = izhikevich_step_by_hand(neuron, current, uniforms)
            spikes = np.zeros(n, dtype=np.bool_)
            step(neuron.kernel_params(), neuron.state, current, neuron.rng, spikes)
            for got, expected in zip((neuron.state.v, neuron.state.u, spikes), want):
                np.testing.assert_array_equal(got, expected, err_msg=f"{step.__name__}, step {t}")
        assert neuron.rng.bit_generator.state == mine.bit_generator.state  # as many draws, no more
    assert Izhikevich(n_neurons=2, rng=np.random.default_rng(0)).noise_bits == 64
    first = halves_by_hand(np.random.default_rng(11).bit_generator.random_raw(1))
    np.testing.assert_array_equal(first * 2.0**32, [0x2240CC4E, 0x20E9FA10])  # seed 11: 0x20E9FA10_2240CC4E


@pytest.mark.parametrize("bits", [32, 64])
@pytest.mark.parametrize("n", [6, 7])
def test_izhikevich_splitmix_noise_expands_one_draw_a_step(bits, n):
    """Known answer: with noise_stream "splitmix" each step takes one raw
    64-bit output s of the generator, and U comes from SplitMix64's words
    from s (written out here, with Python's integers) as from the
    generator's words otherwise."""
    mask = 2**64 - 1

    def words(seed, count):  # SplitMix64 (Steele, Lea and Flood 2014), word by word
        out = []
        for j in range(count):
            z = (seed + (j + 1) * 0x9E3779B97F4A7C15) & mask
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
            out.append(z ^ (z >> 31))
        return np.array(out, dtype=np.uint64)

    assert words(0, 1)[0] == 0xE220A8397B1DCDAF  # SplitMix64's first output from 0 (its reference code)
    neuron = Izhikevich(n_neurons=n, noise=13.0, bias=4.0, noise_bits=bits, noise_stream="splitmix")
    current = np.linspace(0.0, 9.0, n)
    for step in (Izhikevich.kernel, Izhikevich.reference):
        neuron.reset()
        neuron.rng, mine = np.random.default_rng(11), np.random.default_rng(11)
        for t in range(30):
            seed = int(mine.bit_generator.random_raw())
            if bits == 32:
                uniforms = halves_by_hand(words(seed, (n + 1) // 2))[:n]
            else:
                uniforms = (words(seed, n) >> np.uint64(11)) * 2.0**-53
            want = izhikevich_step_by_hand(neuron, current, uniforms)
            spikes = np.zeros(n, dtype=np.bool_)
            step(neuron.kernel_params(), neuron.state, current, neuron.rng, spikes)
            for got, expected in zip((neuron.state.v, neuron.state.u, spikes), want):
                np.testing.assert_array_equal(got, expected, err_msg=f"{step.__name__}, step {t}")
        assert neuron.rng.bit_generator.state == mine.bit_generator.state  # one draw a step, no more


@pytest.mark.parametrize("bits, stream", [(32, "generator"), (32, "splitmix"), (64, "splitmix")])
def test_izhikevich_noise_is_uniform(bits, stream):
    """10^6 of the kernel's U, read back from v: a neuron held at v = -125
    (where 0.04 v + 5 = 0), u = 140 and dt = 1 ends the step at
    v = -125 - D/4 + D^2/200 with D = noise (U - 0.5). Mean 1/2 and variance
    1/12 within 5 standard errors (0.0015 and 0.0004), every U in [0, 1)
    and, with 32 bits, a multiple of 2^-32."""
    n, steps = 1001, 1000
    neuron = Izhikevich(n_neurons=n, noise=13.0, noise_bits=bits, noise_stream=stream, rng=np.random.default_rng(4))
    neuron.reset()
    p, spikes = neuron.kernel_params(), np.zeros(n, dtype=np.bool_)
    uniforms = np.empty((steps, n))
    for t in range(steps):
        neuron.state.v[:], neuron.state.u[:] = -125.0, 140.0
        Izhikevich.kernel(p, neuron.state, np.zeros(n), neuron.rng, spikes)
        drive = 25.0 - np.sqrt(625.0 + 200.0 * (neuron.state.v + 125.0))  # D^2 - 50 D - 200 (v + 125) = 0
        uniforms[t] = drive / 13.0 + 0.5
    assert not spikes.any()
    k = uniforms * 2.0**32
    assert k.min() > -1e-3 and k.max() < 2.0**32 - 1 + 1e-3
    if bits == 32:
        assert np.abs(k - np.round(k)).max() < 1e-3
    assert abs(uniforms.mean() - 0.5) < 0.0015
    assert abs(uniforms.var() - 1.0 / 12.0) < 0.0004


def test_izhikevich_noise_bits_errors():
    for bad in (16, 48, 32.5, "32", None):
        with pytest.raises(ConfigError, match=r"Izhikevich: key 'noise_bits' expects an integer among 64, 32; got "):
            Izhikevich(n_neurons=3, noise_bits=bad)
    with pytest.raises(ConfigError, match=r"key 'noise_stream' expects a string among 'generator', 'splitmix'; got 'pcg'"):
        Izhikevich(n_neurons=3, noise_stream="pcg")


@pytest.mark.parametrize("bits, noise, stream", [(32, 13.0, "generator"), (64, 13.0, "generator"), (32, 0.0, "generator"),
                                                 (32, 13.0, "splitmix"), (64, 13.0, "splitmix")])  # fmt: skip
def test_izhikevich_kernel_is_the_reference_bit_for_bit(bits, noise, stream):
    """The compiled kernel, whose loop the compiler vectorises (1003 neurons:
    whole vectors and a remainder), and the NumPy reference give the same v,
    u, spikes and generator state bit for bit, over 300 steps in which the
    neurons fire (both outcomes of the spike test in most vectors)."""
    n = 1003
    draw = np.random.default_rng(6)
    keys = {"a": draw.uniform(0.02, 0.1, n), "b": draw.uniform(0.2, 0.25, n), "c": draw.uniform(-65.0, -50.0, n),
            "d": draw.uniform(2.0, 8.0, n), "bias": 3.0, "noise": noise, "noise_bits": bits, "noise_stream": stream}
    kernel, reference = (Izhikevich(n_neurons=n, rng=np.random.default_rng(9), **keys) for _ in range(2))
    kernel.reset()
    reference.reset()
    fired = 0
    for t in range(300):
        current = draw.normal(0.0, 8.0, n)
        got, want = np.zeros(n, np.bool_), np.zeros(n, np.bool_)
        Izhikevich.kernel(kernel.kernel_params(), kernel.state, current, kernel.rng, got)
        Izhikevich.reference(reference.kernel_params(), reference.state, current, reference.rng, want)
        np.testing.assert_array_equal(got, want, err_msg=f"spikes, step {t}")
        np.testing.assert_array_equal(kernel.state.v, reference.state.v, err_msg=f"v, step {t}")
        np.testing.assert_array_equal(kernel.state.u, reference.state.u, err_msg=f"u, step {t}")
        fired += int(got.sum())
    assert kernel.rng.bit_generator.state == reference.rng.bit_generator.state
    assert 0.02 * n * 300 < fired < 0.5 * n * 300
