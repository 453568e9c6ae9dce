"""Two LIF neurons ticked step by step, every potential and spike computed by hand.

One input and two :class:`~spikesim.neurons.LIF` neurons, n0 and n1, with
Static synapses (signed matrix, rows: input, n0, n1; columns: n0, n1)::

    input -> n0: 12    input -> n1: 3
    n0    -> n1: 15    n1    -> n0: 1

``tau_m = dt / ln 2`` makes the leak factor ``keep = exp(-dt/tau_m) = 1/2``;
``bias = 4`` gives ``drive = (1 - keep) * bias = 2``; rest and reset at
-70 mV, threshold -54 mV, refractory period 1. In ``u = v + 70`` (mV above
rest) the LIF step (see its docstring) is::

    u <- u / 2 + 2 + I,     fire when u > 16, then u = 0 and one step refractory

where ``I`` (engine order: the spikes of the previous step propagate first)
is ``I0(t) = 12 in(t-1) + 1 s1(t-1)`` and ``I1(t) = 3 in(t-1) + 15 s0(t-1)``.
The input spikes at steps 0, 1, 3, 4 (``in = 1 1 0 1 1 0``). From rest::

    t  I0          u0                          I1          u1
    0  0           0/2 + 2 + 0  = 2            0           0/2 + 2 + 0  = 2
    1  12          2/2 + 2 + 12 = 15 (<=16)    3           2/2 + 2 + 3  = 6
    2  12          15/2 + 2 + 12 = 21.5 FIRE->0 3          6/2 + 2 + 3  = 8
    3  0           refractory: 0               0 + 15      8/2 + 2 + 15 = 21 FIRE->0
    4  12 + 1      0/2 + 2 + 13 = 15           3           refractory: 0 (its input 3 is ignored)
    5  12          15/2 + 2 + 12 = 21.5 FIRE->0 3 + 0      0/2 + 2 + 3  = 5

so n0 fires at steps 2 and 5, n1 at step 3, and the potentials (mV) after
each step are n0: -68, -55, -70, -70, -55, -70 and n1: -68, -64, -62, -70,
-70, -65.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from spikesim import Network
from spikesim.inputs import StaticMap
from spikesim.neurons import LIF
from spikesim.readouts import Threshold
from spikesim.synapses import Static
from spikesim.weights import Manual

MATRIX = np.array([[12.0, 3.0], [0.0, 15.0], [1.0, 0.0]])
INPUT = [1, 1, 0, 1, 1, 0]
# the table of the module docstring, in mV and spikes
V_BY_HAND = np.array([[-68.0, -68.0], [-55.0, -64.0], [-70.0, -62.0], [-70.0, -70.0], [-55.0, -70.0], [-70.0, -65.0]])
SPIKES_BY_HAND = np.array([[0, 0], [0, 0], [1, 0], [0, 1], [0, 0], [1, 0]], dtype=bool)


def two_neurons(engine, processing_time, state_spike_map, **keys):
    """The network of the module docstring (``keys`` change it, e.g. for the kernel cache tests)."""
    return Network(
        parts={"inputs": StaticMap, "neurons": LIF, "weights": Manual, "synapses": Static, "readout": Threshold},
        **{"n_inputs": 1, "n_neurons": 2, "n_outputs": 1, "processing_time": processing_time,
           "state_spike_map": state_spike_map, "matrix": MATRIX, "max_weight": 15.0, "dt": 1.0,
           "tau_m": 1.0 / math.log(2.0), "bias": 4.0, "refractory_period": 1, "action_threshold": 0.1, "seed": 0,
           "engine": engine, **keys},
    )  # fmt: skip


def test_the_leak_and_drive_are_the_round_numbers_of_the_hand_computation():
    p = two_neurons("numpy", 1, {0: [0], 1: [1]}).neurons.kernel_params()
    assert p.keep == pytest.approx(0.5, abs=1e-15) and p.drive == pytest.approx(2.0, abs=1e-14)
    assert (p.resting_mv, p.firing_threshold, p.reset_mv, p.refractory_period) == (-70.0, -54.0, -70.0, 1)


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_two_lif_neurons_step_by_step_match_the_hand_computation(engine):
    # one network step per tick (processing_time 1): the potentials are seen after every step; the state and
    # the last step's spikes carry over from tick to tick (no reset in between)
    net = two_neurons(engine, 1, {0: [0], 1: [1]})
    for t, x in enumerate(INPUT):
        action = net.tick(x)
        np.testing.assert_array_equal(net.spike_log[0], [x, *SPIKES_BY_HAND[t]], err_msg=f"spikes at step {t}")
        np.testing.assert_allclose(net.neurons.state.v, V_BY_HAND[t], rtol=0, atol=1e-9, err_msg=f"v at step {t}")
        assert net.neurons.state.timer.tolist() == SPIKES_BY_HAND[t].astype(int).tolist()  # refractory for 1 step
        assert action == int(SPIKES_BY_HAND[t, 1])  # Threshold on n1's rate, 1 or 0 in a one-step tick


@pytest.mark.parametrize("engine", ["numba", "numpy"])
def test_the_same_six_steps_in_one_tick(engine):
    # one tick of six steps from a pattern of shape (processing_time, n_inputs): the whole spike table at once
    net = two_neurons(engine, 6, {0: np.array(INPUT).reshape(6, 1)})
    action = net.tick(0)
    np.testing.assert_array_equal(net.spike_log, np.column_stack([np.array(INPUT, bool), SPIKES_BY_HAND]))
    np.testing.assert_allclose(net.neurons.state.v, V_BY_HAND[-1], rtol=0, atol=1e-9)
    assert action == 1  # n1 fired once in 6 steps: rate 1/6 >= 0.1
