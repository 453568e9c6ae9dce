"""Spikey's discrete leaky neuron."""
from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from spikesim.families import Neurons
from spikesim.params import REQUIRED, Param


class NeuronParams(NamedTuple):
    resting_mv: float
    keep: float  # 1 - potential_decay
    firing_threshold: float
    refractory_period: int
    prob_rand_fire: float
    spike_delay: int


class NeuronState(NamedTuple):
    v: np.ndarray  # (n,) potential
    timer: np.ndarray  # (n,) int64 refractory steps left
    queue: np.ndarray  # (spike_delay + 1, n) bool spikes waiting to be emitted
    clock: np.ndarray  # (1,) int64 steps so far


class Neuron(Neurons):
    """Spikey's discrete leaky neuron (unitless potential, one step per update).

    Each step, with input ``I`` (the weighted spikes of the previous step):

    - a refractory neuron (timer > 0) counts down and stays at rest;
    - otherwise ``v <- resting_mv + (v - resting_mv) * (1 - potential_decay) + I``;
    - it fires when ``v >= firing_threshold`` or, at random, with probability
      ``prob_rand_fire`` (refractory neurons never fire);
    - a neuron that fires resets to ``resting_mv`` and is refractory for
      ``refractory_period`` steps; its spike is emitted ``spike_delay`` steps
      later, with value ``magnitude * polarity``.

    Examples
    --------
    >>> n = Neuron(n_neurons=2, firing_threshold=1.0, potential_decay=0.0, refractory_period=0)
    >>> n.reset(); spikes = np.zeros(2, bool)
    >>> Neuron.reference(n.kernel_params(), n.state, np.array([0.5, 1.0]), n.rng, spikes)
    >>> spikes.tolist()
    [False, True]
    """

    PARAMS = (
        Param("firing_threshold", "float", REQUIRED, "potential at or above which a neuron fires"),
        Param("potential_decay", "float", REQUIRED, "fraction of (v - resting_mv) lost per step", "[0, 1]"),
        Param("refractory_period", "int", REQUIRED, "steps after a spike during which a neuron stays at rest", "[0, inf)"),
        Param("prob_rand_fire", "float", 0.0, "probability per step of a spontaneous spike", "[0, 1]"),
        Param("resting_mv", "float", 0.0, "resting and reset potential"),
        Param("spike_delay", "int", 0, "steps between firing and the spike's emission", "[0, inf)"),
    )

    def make_kernel_params(self) -> NeuronParams:
        return NeuronParams(
            self.resting_mv, 1.0 - self.potential_decay, self.firing_threshold,
            self.refractory_period, self.prob_rand_fire, self.spike_delay,
        )  # fmt: skip

    def reset(self) -> None:
        n = self.n_neurons
        self.state = NeuronState(
            np.full(n, self.resting_mv),
            np.zeros(n, np.int64),
            np.zeros((self.spike_delay + 1, n), np.bool_),
            np.zeros(1, np.int64),
        )

    @staticmethod
    @nb.njit
    def kernel(p, s, current, rng, out):
        v, timer, queue, clock = s.v, s.timer, s.queue, s.clock  # out of the tuple: no reference count per read
        resting, keep, threshold, refractory_period = p.resting_mv, p.keep, p.firing_threshold, p.refractory_period
        size = queue.shape[0]
        now = clock[0] % size
        later = (clock[0] + p.spike_delay) % size
        draws = rng.random(v.size if p.prob_rand_fire > 0.0 else 0)  # one block of draws
        for i in range(v.size):
            refractory = timer[i] > 0
            if refractory:
                timer[i] -= 1
                v[i] = resting
            else:
                v[i] = resting + (v[i] - resting) * keep + current[i]
            fire = v[i] >= threshold
            if p.prob_rand_fire > 0.0 and draws[i] < p.prob_rand_fire:
                fire = True
            if fire and not refractory:
                v[i] = resting
                timer[i] = refractory_period
                queue[later, i] = True
        for i in range(v.size):
            out[i] = queue[now, i]
            queue[now, i] = False
        clock[0] += 1

    @staticmethod
    def reference(p, s, current, rng, out):
        size = s.queue.shape[0]
        now = s.clock[0] % size
        later = (s.clock[0] + p.spike_delay) % size
        refractory = s.timer > 0
        s.timer[refractory] -= 1
        s.v[:] = np.where(refractory, p.resting_mv, p.resting_mv + (s.v - p.resting_mv) * p.keep + current)
        fire = s.v >= p.firing_threshold
        if p.prob_rand_fire > 0.0:
            fire |= rng.random(s.v.size) < p.prob_rand_fire
        fire &= ~refractory
        s.v[fire] = p.resting_mv
        s.timer[fire] = p.refractory_period
        s.queue[later, fire] = True
        out[:] = s.queue[now]
        s.queue[now] = False
        s.clock[0] += 1
