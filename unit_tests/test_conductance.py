"""The conductance-based LIF (ConductanceLIF), its two input channels, the delta-synapse LIF with a
refractory clamp (DeltaLIF), and Bernoulli connectivity."""
from __future__ import annotations

import math

import numpy as np
import pytest
from engines import compare_networks, compare_steps

from spikesim import ConfigError, Network
from spikesim.games import Logic
from spikesim.inputs import RateMap
from spikesim.neurons import LIF, ConductanceLIF, DeltaLIF
from spikesim.readouts import Threshold, TopAction
from spikesim.synapses import STDP, Static
from spikesim.weights import Bernoulli, Random
from spikesim.weights.bernoulli import bernoulli_positions

STATES = [np.array(s, dtype=np.int8) for s in ((0, 0), (0, 1), (1, 0), (1, 1))]


def step(neuron: ConductanceLIF, exc: float = 0.0, inh: float = 0.0, engine: str = "reference") -> bool:
    """One step of a one-neuron ConductanceLIF, then this excitatory and inhibitory input (the
    inhibitory one as a synapse delivers it, negative) into its conductances, as the engine adds
    it; whether it fired."""
    out = np.zeros(1, dtype=bool)
    step_fn = ConductanceLIF.reference if engine == "reference" else ConductanceLIF.kernel
    step_fn(neuron.kernel_params(), neuron.state, np.zeros(0), neuron.rng, out)
    neuron.state.g_e[0] += exc
    neuron.state.g_i[0] -= inh
    return bool(out[0])


def neuron(**keys) -> ConductanceLIF:
    n = ConductanceLIF(n_neurons=1, **keys)
    n.reset()
    return n


# ---------------------------------------------------------------------------------------------- dynamics
@pytest.mark.parametrize("engine", ["reference", "kernel"])
def test_one_euler_step_by_hand(engine):
    # v = -60, g_e = 0.4, g_i = 0.2, E_L = -60, I = 20, dt/tau_m = 0.1/20:
    # dv = 0.005 ((-60 + 60) + 0.4 (0 + 60) + 0.2 (-80 + 60) + 20) = 0.005 * 40 = 0.2
    n = neuron(dt=0.1, resting_mv=-60.0, reset_mv=-60.0, firing_threshold=-50.0, bias=20.0)
    n.state.g_e[0], n.state.g_i[0] = 0.4, 0.2
    assert not step(n, exc=0.1, inh=-0.5, engine=engine)
    assert n.state.v[0] == pytest.approx(-59.8, abs=1e-12)
    assert n.state.g_e[0] == pytest.approx(0.4 * (1 - 0.1 / 5) + 0.1, abs=1e-15)  # decayed, then the input
    assert n.state.g_i[0] == pytest.approx(0.2 * (1 - 0.1 / 10) + 0.5, abs=1e-15)


@pytest.mark.parametrize("engine", ["reference", "kernel"])
def test_exponential_integration_is_exact_for_constant_conductances(engine):
    # Conductances held (tau 1e12 ms), g_e = 0.5, g_i = 0.25, E_L = -70, E_e = 0, E_i = -80, no bias:
    # G = 1.75, v_inf = (-70 + 0.25 * -80) / 1.75 = -90 / 1.75, v(t) = v_inf + (v0 - v_inf) exp(-G t / tau_m).
    n = neuron(dt=0.1, tau_e=1e12, tau_i=1e12, integration="exponential", firing_threshold=100.0)
    n.state.g_e[0], n.state.g_i[0] = 0.5, 0.25
    v_inf = -90.0 / 1.75
    for k in range(1, 201):
        step(n, engine=engine)
        exact = v_inf + (-70.0 - v_inf) * math.exp(-1.75 * 0.1 * k / 20.0)
        assert n.state.v[0] == pytest.approx(exact, abs=1e-9), k
    assert n.state.v[0] == pytest.approx(-51.4285714 + (-70.0 + 51.4285714) * math.exp(-1.75), abs=1e-6)  # t = 20 ms


@pytest.mark.parametrize("engine", ["reference", "kernel"])
def test_euler_for_constant_conductances_is_the_geometric_sequence(engine):
    # v_k = v_inf + (v0 - v_inf) (1 - G dt / tau_m)^k, and close to the exact solution at dt = 0.01 ms
    n = neuron(dt=0.01, tau_e=1e12, tau_i=1e12, firing_threshold=100.0)
    n.state.g_e[0], n.state.g_i[0] = 0.5, 0.25
    v_inf = -90.0 / 1.75
    for k in range(1, 1001):
        step(n, engine=engine)
    assert n.state.v[0] == pytest.approx(v_inf + (-70.0 - v_inf) * (1 - 1.75 * 0.01 / 20.0) ** 1000, abs=1e-9)
    assert n.state.v[0] == pytest.approx(v_inf + (-70.0 - v_inf) * math.exp(-1.75 * 10.0 / 20.0), abs=5e-3)  # Euler: O(dt)


@pytest.mark.parametrize("integration", ["euler", "exponential"])
def test_conductances_decay_with_their_time_constants(integration):
    n = neuron(dt=0.1, integration=integration, firing_threshold=100.0)
    n.state.g_e[0], n.state.g_i[0] = 2.0, 3.0
    for _ in range(50):
        step(n)
    if integration == "euler":
        keep_e, keep_i = (1 - 0.1 / 5.0) ** 50, (1 - 0.1 / 10.0) ** 50
    else:
        keep_e, keep_i = math.exp(-5.0 / 5.0), math.exp(-5.0 / 10.0)
    assert n.state.g_e[0] == pytest.approx(2.0 * keep_e, rel=1e-12)
    assert n.state.g_i[0] == pytest.approx(3.0 * keep_i, rel=1e-12)


def test_first_spike_of_the_coba_neuron_from_rest():
    # v_inf = -40 under I = 20 mV; Euler crosses -50 when 0.995^k < 1/2: k = 139 steps (13.9 ms; the step
    # that starts at 13.8 ms), against tau_m ln 2 = 13.86 ms in continuous time
    n = neuron(dt=0.1, resting_mv=-60.0, reset_mv=-60.0, firing_threshold=-50.0, bias=20.0, refractory_ms=5.0)
    fired = [step(n) for _ in range(200)]
    assert fired.index(True) + 1 == math.ceil(math.log(0.5) / math.log(0.995)) == 139


@pytest.mark.parametrize("engine", ["reference", "kernel"])
def test_refractory_clamp_holds_the_potential_and_lets_conductances_integrate(engine):
    # R = 0.5 ms / 0.1 ms = 5 steps: a spike at step n, v = reset through n + 4, integrating again at n + 5
    n = neuron(dt=0.1, resting_mv=-60.0, reset_mv=-65.0, firing_threshold=-50.0, bias=20.0, refractory_ms=0.5)
    fired, v, g_e = [], [], []
    for k in range(400):
        fired.append(step(n, exc=0.05 if k % 3 == 0 else 0.0, engine=engine))
        v.append(float(n.state.v[0]))
        g_e.append(float(n.state.g_e[0]))
    spikes = [k for k, f in enumerate(fired) if f]
    assert len(spikes) >= 3
    for s in spikes:
        assert v[s : s + 5] == [-65.0] * 5, "held at reset for R steps, the spike step included"
        assert v[s + 5] > -65.0, "integrating again R steps after the spike"
        assert g_e[s + 1] != g_e[s], "conductances go on during the refractory period"
    assert min(np.diff(spikes)) > 5


def test_refractory_of_zero_or_one_step_is_none():
    runs = []
    for refractory in (0.0, 0.1):
        n = neuron(dt=0.1, resting_mv=-60.0, reset_mv=-60.0, firing_threshold=-50.0, bias=20.0, refractory_ms=refractory)
        runs.append([step(n) for _ in range(1000)])
    assert runs[0] == runs[1] and sum(runs[0]) > 3


@pytest.mark.parametrize("integration", ["euler", "exponential"])
@pytest.mark.parametrize("channel", ["exc", "inh"])
def test_potential_stays_between_the_reversal_potentials(integration, channel):
    # A strong conductance pulls v to its reversal potential, never past it (Euler while dt G / tau_m <= 1:
    # g = 150 at dt = 0.1, tau_m = 20 gives 0.755)
    g = 1e6 if integration == "exponential" else 150.0
    n = neuron(dt=0.1, integration=integration, firing_threshold=100.0, tau_e=1e12, tau_i=1e12)
    lowest = []
    for k in range(100):
        if k == 0:
            n.state.g_e[0] = g if channel == "exc" else 0.0
            n.state.g_i[0] = g if channel == "inh" else 0.0
        step(n)
        lowest.append(float(n.state.v[0]))
    v = np.array(lowest)
    reversal = 0.0 if channel == "exc" else -80.0
    v_inf = (-70.0 + g * reversal) / (1.0 + g)  # the leak (E_L = -70) still pulls a little
    assert v[-1] == pytest.approx(v_inf, abs=1e-6)
    if channel == "exc":
        assert v.max() <= 0.0 and np.all(np.diff(v) >= -1e-12)
    else:
        assert v.min() >= -80.0 and np.all(np.diff(v) <= 1e-12)


def test_inputs_reach_the_channel_of_their_sign_through_the_network():
    # one excitatory and one inhibitory input, both firing every step, onto one neuron
    def net(polarities):
        return Network(parts={"inputs": RateMap, "neurons": ConductanceLIF, "weights": Random, "synapses": Static,
                              "readout": Threshold},
                       n_inputs=2, n_neurons=1, n_outputs=1, processing_time=3, state_rate_map=[1.0, 1.0],
                       input_polarities=polarities, connection_probability=1.0, max_weight=0.5,
                       weight_generator=lambda rng, n: np.full(n, 0.5), firing_threshold=100.0, integration="exponential",
                       seed=0)  # fmt: skip

    for polarities, (ge, gi) in (([1.0, 1.0], (1.0, 0.0)), ([1.0, -1.0], (0.5, 0.5)), ([-1.0, -1.0], (0.0, 1.0))):
        n = net(np.array(polarities))
        n.tick(STATES[3])
        assert n._current.shape == (0,)  # the input goes into g_e and g_i
        # spikes of steps 0 and 1 arrived at steps 1 and 2: g = 0.5 * (exp(-dt/tau) + 1) per input
        assert n.neurons.state.g_e[0] == pytest.approx(ge * (math.exp(-1 / 5.0) + 1.0))
        assert n.neurons.state.g_i[0] == pytest.approx(gi * (math.exp(-1 / 10.0) + 1.0))


# ---------------------------------------------------------------------------------------------- DeltaLIF
def delta_trace(inputs, engine="reference", **keys):
    """(spikes, potentials) of one DeltaLIF fed ``inputs`` (mV per step)."""
    n = DeltaLIF(n_neurons=1, **keys)
    n.reset()
    step_fn = DeltaLIF.reference if engine == "reference" else DeltaLIF.kernel
    fired, v = [], []
    for x in inputs:
        out = np.zeros(1, dtype=bool)
        step_fn(n.kernel_params(), n.state, np.array([float(x)]), n.rng, out)
        fired.append(bool(out[0]))
        v.append(float(n.state.v[0]))
    return fired, v


@pytest.mark.parametrize("engine", ["reference", "kernel"])
def test_delta_lif_trace_by_hand(engine):
    # W5's neuron: E_L = reset = 0, threshold 20, tau_m 20 ms, dt 0.1 ms (k = 0.995), refractory 2 ms = 20 steps.
    # 25 mV at step 0 joins v after the threshold test; step 1: 25 * 0.995 > 20 fires; steps 1..20 held at 0
    # (the 3 mV inputs of steps 5 and 20 are lost), step 21 integrates again and takes the 3 mV of step 21.
    inputs = [0.0] * 40
    inputs[0], inputs[5], inputs[20], inputs[21] = 25.0, 3.0, 3.0, 3.0
    fired, v = delta_trace(inputs, engine, dt=0.1, resting_mv=0.0, reset_mv=0.0, firing_threshold=20.0,
                           refractory_ms=2.0)  # fmt: skip
    assert v[0] == 25.0 and fired.index(True) == 1 and sum(fired) == 1
    assert v[1:21] == [0.0] * 20
    assert v[21] == 3.0 and v[22] == pytest.approx(3.0 * 0.995, abs=1e-15)


def test_delta_lif_exponential_decay_and_bias():
    fired, v = delta_trace([10.0] + [0.0] * 9, resting_mv=0.0, reset_mv=-5.0, firing_threshold=20.0,
                           integration="exponential", dt=0.5)  # fmt: skip
    assert v[-1] == pytest.approx(10.0 * math.exp(-9 * 0.5 / 20.0), rel=1e-12)
    fired, v = delta_trace([0.0] * 2000, resting_mv=-70.0, reset_mv=-70.0, firing_threshold=-54.0, bias=10.0)
    assert not any(fired) and v[-1] == pytest.approx(-60.0, abs=1e-6)


def test_delta_lif_background_and_engines_agree():
    def make_args():
        rng = np.random.default_rng(3)
        n = DeltaLIF(n_neurons=40, dt=0.1, resting_mv=0.0, reset_mv=10.0, firing_threshold=20.0, refractory_ms=2.0,
                     background_sources=1000, background_rate=0.002, background_mv=0.1, initial_mv="uniform", rng=rng)  # fmt: skip
        n.reset()
        return n.kernel_params(), n.state, rng.random(40) * 0.5, rng, np.zeros(40, dtype=bool)

    compare_steps(DeltaLIF.kernel, DeltaLIF.reference, make_args, steps=400)
    # the background alone (0.2 mV per step on average: a stationary mean of 0.2 / (dt / tau_m) = 40 mV) fires them
    p, s, current, rng, out = make_args()
    total = 0
    for _ in range(400):
        DeltaLIF.kernel(p, s, np.zeros(40), rng, out)
        total += int(out.sum())
    assert total > 40


def test_delta_lif_refuses_bad_parameters():
    with pytest.raises(ConfigError, match=r"DeltaLIF: key 'refractory_ms' expects a whole number of steps of dt = 0.1 ms"):
        DeltaLIF(n_neurons=1, dt=0.1, refractory_ms=0.05)
    with pytest.raises(ConfigError, match=r"DeltaLIF: key 'reset_mv' expects a potential below firing_threshold"):
        DeltaLIF(n_neurons=1, reset_mv=0.0, firing_threshold=-1.0)


# ---------------------------------------------------------------------------------------------- engines
@pytest.mark.parametrize("integration", ["euler", "exponential"])
def test_kernel_and_reference_steps_agree(integration):
    def make_args():
        rng = np.random.default_rng(5)
        n = ConductanceLIF(n_neurons=50, dt=0.1, resting_mv=-60.0, reset_mv=-60.0, firing_threshold=-50.0,
                           bias=20.0, refractory_ms=0.3, integration=integration, initial_mv="uniform", rng=rng)  # fmt: skip
        n.reset()
        n.state.g_e[:], n.state.g_i[:] = rng.random(50) * 0.5, rng.random(50) * 2.0
        return n.kernel_params(), n.state, np.zeros(0), rng, np.zeros(50, dtype=bool)

    compare_steps(ConductanceLIF.kernel, ConductanceLIF.reference, make_args, steps=300)


@pytest.mark.parametrize("integration", ["euler", "exponential"])
@pytest.mark.parametrize("synapses", [Static, STDP], ids=lambda c: c.__name__)
@pytest.mark.parametrize("seed", [0, 1])
def test_both_engines_agree_on_conductance_networks(integration, synapses, seed):
    def make(engine):
        return Network(
            parts={"inputs": RateMap, "neurons": ConductanceLIF, "weights": Bernoulli, "synapses": synapses,
                   "readout": TopAction},
            game=Logic(preset="XOR"), engine=engine, n_inputs=4, n_neurons=30, n_outputs=2, processing_time=200,
            state_rate_map=[0.02, 0.3], input_pct_inhibitory=0.5, neuron_pct_inhibitory=0.25,
            connection_probability=0.3, autapses=bool(seed), max_weight=3.0, dt=0.1, refractory_ms=1.0,
            resting_mv=-60.0, reset_mv=-60.0, firing_threshold=-50.0, bias=8.0, integration=integration,
            seed=seed, **({"learning_rate": 0.5} if synapses is STDP else {}),
        )  # fmt: skip

    a, b = compare_networks(make, [STATES[i] for i in (3, 1, 2, 0, 3)])
    assert a.neurons.input_channels == 2 and a.graph.targets.size > 0
    for x, y in zip(a.neurons.state, b.neurons.state):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12)
    assert a.neurons.state.g_i.max() > 0 and a.neurons.state.g_e.max() > 0


def test_both_engines_agree_on_delta_lif_networks():
    def make(engine):
        return Network(
            parts={"inputs": RateMap, "neurons": DeltaLIF, "weights": Bernoulli, "synapses": STDP, "readout": TopAction},
            game=Logic(preset="XOR"), engine=engine, n_inputs=4, n_neurons=30, n_outputs=2, processing_time=200,
            state_rate_map=[0.02, 0.3], input_pct_inhibitory=0.5, neuron_pct_inhibitory=0.2,
            connection_probability=0.2, max_weight=3.0, dt=0.1, refractory_ms=0.5, resting_mv=0.0, reset_mv=0.0,
            firing_threshold=5.0, background_sources=100, background_rate=0.02, background_mv=0.5, learning_rate=0.5,
            seed=4,
        )  # fmt: skip

    a, b = compare_networks(make, [STATES[i] for i in (3, 1, 2, 0)])
    for x, y in zip(a.neurons.state, b.neurons.state):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12)


def test_two_channel_neurons_need_conductances_to_take_their_input():
    class TwoChannelLIF(LIF):
        input_channels = 2

    class ThreeChannelLIF(LIF):
        input_channels = 3

    parts = {"inputs": RateMap, "weights": Random, "synapses": Static, "readout": Threshold}
    keys = {"n_inputs": 2, "n_neurons": 3, "n_outputs": 1, "processing_time": 2, "state_rate_map": [0.0, 1.0]}
    with pytest.raises(ConfigError, match=r"Network: neurons TwoChannelLIF declare input_channels = 2, so the engine "
                                          r"adds their input into state.g_e and state.g_i; their state has v"):
        Network(parts={**parts, "neurons": TwoChannelLIF}, **keys)
    with pytest.raises(ConfigError, match=r"neurons ThreeChannelLIF declare input_channels = 3; expected 1 or 2"):
        Network(parts={**parts, "neurons": ThreeChannelLIF}, **keys)


def test_one_channel_neurons_keep_one_current():
    net = Network(parts={"inputs": RateMap, "neurons": LIF, "weights": Random, "synapses": Static, "readout": Threshold},
                  n_inputs=2, n_neurons=3, n_outputs=1, processing_time=2, state_rate_map=[0.0, 1.0], seed=0)  # fmt: skip
    assert LIF.input_channels == 1 and net._current.shape == (3,)


# ---------------------------------------------------------------------------------------------- connectivity
def test_bernoulli_positions_reproduce_a_known_draw():
    # geometric skipping over the row-major index: the four projections of the seeded COBA graph
    # (ee, ei, ie, ii with numpy.random.default_rng((20050101, k))) have these synapse counts
    sizes = [(3200, 3200), (3200, 800), (800, 3200), (800, 800)]
    counts = [bernoulli_positions(np.random.default_rng((20050101, k)), a * b, 0.02).size for k, (a, b) in enumerate(sizes)]
    assert counts == [205285, 51194, 51065, 12839]


def test_bernoulli_positions_edges():
    rng = np.random.default_rng(0)
    assert bernoulli_positions(rng, 100, 0.0).size == 0
    assert bernoulli_positions(rng, 0, 0.5).size == 0
    assert bernoulli_positions(rng, 5, 1.0).tolist() == [0, 1, 2, 3, 4]
    drawn = bernoulli_positions(rng, 10**6, 0.3)
    assert np.all(np.diff(drawn) > 0) and drawn[0] >= 0 and drawn[-1] < 10**6


def test_bernoulli_pair_probability():
    # 40 seeds of a 30 x 30 body: each of the 900 pairs (autapses allowed) is present in Binomial(40, 0.2)
    # networks; the total within 4 sigma, every pair's count within what 900 such draws give, no pattern by
    # row or column
    hits = np.zeros((30, 30))
    for seed in range(40):
        w = Bernoulli(n_inputs=0, n_neurons=30, connection_probability=0.2, autapses=True, initial_weight=0.5,
                      rng=np.random.default_rng(seed))  # fmt: skip
        sources, targets, *_ = w.build(np.ones(30))
        hits[sources, targets] += 1
    total, mean, sd = hits.sum(), 40 * 900 * 0.2, math.sqrt(40 * 900 * 0.2 * 0.8)
    assert abs(total - mean) < 4 * sd
    assert hits.max() <= 20 and hits.min() >= 0
    assert hits.diagonal().mean() == pytest.approx(8.0, abs=4 * math.sqrt(40 * 0.16 / 30))
    for axis in (0, 1):  # row and column means: 30 pairs x 40 seeds each, sd sqrt(1200 * 0.16) / 30
        assert np.abs(hits.mean(axis=axis) - 8.0).max() < 4.5 * math.sqrt(1200 * 0.16) / 30


def test_bernoulli_without_autapses_and_with_inputs():
    w = Bernoulli(n_inputs=3, n_neurons=20, connection_probability=1.0, initial_weight=0.5, rng=np.random.default_rng(0))
    sources, targets, weights, lo, hi = w.build(np.ones(23))
    assert sources.size == 3 * 20 + 20 * 19  # every pair but the 20 autapses; input j -> body j is not one
    assert not np.any(sources - 3 == targets)
    assert np.all(np.diff(sources * 20 + targets) > 0), "sorted by source, then target"
    w = Bernoulli(n_inputs=0, n_neurons=2000, connection_probability=0.05, rng=np.random.default_rng(1))
    sources, targets, *_ = w.build(np.ones(2000))
    assert not np.any(sources == targets)
    assert abs(sources.size - 2000 * 1999 * 0.05) < 4 * math.sqrt(2000 * 1999 * 0.05 * 0.95)


def test_bernoulli_weights_by_presynaptic_polarity():
    signs = np.ones(10)
    signs[8:] = -1.0
    w = Bernoulli(n_inputs=0, n_neurons=10, connection_probability=1.0, autapses=True, initial_weight=0.4,
                  inhibitory_weight=5.1, max_weight=6.0, rng=np.random.default_rng(0))  # fmt: skip
    sources, targets, weights, lo, hi = w.build(signs)
    assert set(weights[sources < 8].tolist()) == {0.4} and set(weights[sources >= 8].tolist()) == {5.1}
    w = Bernoulli(n_inputs=0, n_neurons=10, connection_probability=1.0, min_weight=1.0, max_weight=2.0,
                  rng=np.random.default_rng(0))  # fmt: skip
    weights = w.build(np.ones(10))[2]
    assert weights.min() >= 1.0 and weights.max() <= 2.0 and np.unique(weights).size == weights.size


def test_bernoulli_is_determined_by_the_seed():
    def graph(seed):
        net = Network(parts={"inputs": RateMap, "neurons": ConductanceLIF, "weights": Bernoulli, "synapses": Static,
                             "readout": Threshold},
                      n_inputs=2, n_neurons=300, n_outputs=1, processing_time=1, state_rate_map=[0.0, 0.5],
                      connection_probability=0.05, seed=seed)  # fmt: skip
        return net.graph.sources, net.graph.targets, net.w

    a, b, c = graph(7), graph(7), graph(8)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not (a[0].size == c[0].size and np.array_equal(a[1], c[1]))


def test_coba_network_fires_together_first_then_settles():
    # The W4 network at a tenth of its size (400 neurons, p = 0.2, the same in-degree): all neurons start at
    # -60 mV and fire together at the 139th step, then inhibition silences them
    polarities = np.ones(400)
    polarities[320:] = -1.0
    net = Network(parts={"inputs": RateMap, "neurons": ConductanceLIF, "weights": Bernoulli, "synapses": Static,
                         "readout": Threshold},
                  n_inputs=0, n_neurons=400, n_outputs=1, processing_time=300, state_rate_map=[0.0],
                  polarities=polarities, dt=0.1, resting_mv=-60.0, reset_mv=-60.0, firing_threshold=-50.0,
                  bias=20.0, refractory_ms=5.0, connection_probability=0.2, autapses=True, initial_weight=0.4,
                  inhibitory_weight=5.1, max_weight=5.1, seed=0)  # fmt: skip
    net.tick(np.zeros(1, dtype=np.int8))
    per_step = net.spike_log.sum(axis=1)
    assert per_step[138] == 400 and per_step[:138].sum() == 0
    assert per_step[139:250].sum() == 0


# ---------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "keys, message",
    [
        ({"refractory_ms": 0.25, "dt": 0.1}, r"ConductanceLIF: key 'refractory_ms' expects a whole number of steps of dt = 0.1 ms; got 0.25"),
        ({"refractory_ms": -1.0}, r"ConductanceLIF: key 'refractory_ms' expects a number in \[0, inf\)"),
        ({"refractory_ms": 1e9, "dt": 0.1}, r"ConductanceLIF: key 'refractory_ms' expects at most 2,147,483,647 steps of dt; got 10,000,000,000 steps"),
        ({"reset_mv": -50.0, "firing_threshold": -50.0}, r"ConductanceLIF: key 'reset_mv' expects a potential below firing_threshold"),
        ({"integration": "rk4"}, r"ConductanceLIF: key 'integration' expects .*'euler', 'exponential'"),
        ({"tau_e": 0.0}, r"ConductanceLIF: key 'tau_e' expects a number in \(0, inf\); got 0.0"),
        ({"tau_i": -2.0}, r"ConductanceLIF: key 'tau_i' expects a number in \(0, inf\)"),
        ({"dt": 0.0}, r"ConductanceLIF: key 'dt' expects a number in \(0, inf\)"),
        ({"exc_reversal_mv": float("nan")}, r"ConductanceLIF: key 'exc_reversal_mv'"),
    ],
)  # fmt: skip
def test_conductance_lif_refuses_bad_parameters(keys, message):
    with pytest.raises(ConfigError, match=message):
        ConductanceLIF(n_neurons=3, **keys)


@pytest.mark.parametrize(
    "keys, message",
    [
        ({"connection_probability": 1.5}, r"Bernoulli: key 'connection_probability' expects a number in \[0, 1\]"),
        ({"autapses": "yes"}, r"Bernoulli: key 'autapses'"),
        ({"initial_weight": 0.5, "weight_generator": lambda rng, n: np.ones(n)},
         r"Bernoulli: key 'initial_weight' expects None when weight_generator is given"),
    ],
)  # fmt: skip
def test_bernoulli_refuses_bad_parameters(keys, message):
    with pytest.raises(ConfigError, match=message):
        Bernoulli(n_inputs=0, n_neurons=5, **keys)


def test_weights_outside_their_bounds_are_refused_by_name():
    with pytest.raises(ConfigError, match=r"Bernoulli: initial weights must lie within their bounds"):
        Network(parts={"inputs": RateMap, "neurons": ConductanceLIF, "weights": Bernoulli, "synapses": Static,
                       "readout": Threshold},
                n_inputs=0, n_neurons=20, n_outputs=1, processing_time=1, state_rate_map=[0.0],
                connection_probability=0.5, initial_weight=5.1, seed=0)  # fmt: skip
