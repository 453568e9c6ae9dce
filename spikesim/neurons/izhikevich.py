"""Izhikevich's simple model neurons, integrated as in Izhikevich (2007)."""
from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from spikesim.families import Neurons
from spikesim.params import DT, Param
from spikesim.parts import per_neuron

#: ``neuron_type -> (a, b, c, d)`` (Izhikevich 2003, 2007).
PRESETS = {
    "RS": (0.02, 0.2, -65.0, 8.0),  # regular spiking (excitatory)
    "IB": (0.02, 0.2, -55.0, 4.0),  # intrinsically bursting
    "CH": (0.02, 0.2, -50.0, 2.0),  # chattering
    "FS": (0.1, 0.2, -65.0, 2.0),  # fast spiking (inhibitory)
    "LTS": (0.02, 0.25, -65.0, 2.0),  # low-threshold spiking
}

#: The longest step (ms) the Euler scheme integrates stably: measured for every preset under constant inputs from
#: -100 to 10^4 (with and without noise) over 5 s, 1 ms stays finite; 1.5 ms and above overflow for some of them.
MAX_DT = 1.0


class IzhikevichParams(NamedTuple):
    a: np.ndarray  # (n,)
    b: np.ndarray  # (n,)
    c: np.ndarray  # (n,)
    d: np.ndarray  # (n,)
    half: float  # dt / 2
    dt: float
    v_peak: float
    bias: float
    noise: float
    noise_bits: int  # 64: U from rng.random; 32: U from the 32-bit halves of 64-bit integers
    splitmix: bool  # noise_stream "splitmix": the step's words expanded from one draw


class IzhikevichState(NamedTuple):
    v: np.ndarray  # (n,) membrane potential (mV)
    u: np.ndarray  # (n,) recovery variable


class Izhikevich(Neurons):
    r"""Izhikevich's simple model, as simulated in Izhikevich (2007).

    .. math::

        \frac{dv}{dt} &= 0.04 v^2 + 5 v + 140 - u + I
        \frac{du}{dt} &= a (b v - u)
        \text{if } v \ge v_{peak}&: \quad v \leftarrow c, \quad u \leftarrow u + d

    (v in mV, t in ms). Each step of ``dt`` integrates ``v`` with two Euler
    half-steps of ``dt/2`` using the step's input, then ``u`` with one Euler
    step using the new ``v``; then the spike test and reset:

    .. math::

        v &\leftarrow v + \tfrac{\Delta t}{2} \left((0.04 v + 5) v + 140 - u + I\right) \quad \text{(twice)}
        u &\leftarrow u + \Delta t\, a (b v - u)
        \text{fire when } v \ge v_{peak}&: \quad v \leftarrow c, \quad u \leftarrow u + d

    ``dt`` is at most 1 ms (:data:`MAX_DT`): longer steps make ``v``
    overflow within a few spikes.

    The input of a step is ``I = current + bias + noise * (U - 0.5)``:
    ``current`` the weighted spikes of the previous step, ``bias`` a
    constant current, and ``U`` a uniform draw per neuron per step (drawn
    only when ``noise > 0``; the 2007 network uses ``noise = 13``).

    ``noise_bits = 64`` (the default) draws ``U = rng.random(n)``: 53
    random bits per neuron, one 64-bit output of the generator each.
    ``noise_bits = 32`` takes half as many of the generator's 64-bit
    outputs ``w_j`` (uniform in 0 to 2^64 - 1) and gives each neuron 32
    bits, neurons ``2j`` and ``2j + 1`` the low and the high half of ``w_j``
    (the last high half unused when ``n`` is odd):

    .. math::

        U_{2j} &= (w_j \bmod 2^{32}) / 2^{32}
        U_{2j+1} &= \lfloor w_j / 2^{32} \rfloor / 2^{32}

    (``rng.integers(0, 2**64 - 1, (n + 1) // 2, np.uint64,
    endpoint=True).view(np.uint32)[:n] / 2**32`` on a little-endian
    machine). It is faster (W3, 1000 neurons: 26.0 s of CPU per simulated
    hour instead of 31.5 s, bench/README.md), with a resolution of
    ``2^-32`` (``noise * 2^-32``, 3 x 10^-9 at ``noise = 13``) instead of
    ``2^-53``, and other random numbers than the default's.

    ``noise_stream = "splitmix"`` takes one 64-bit output ``s`` of the
    generator per step instead of one per word, and expands it into the
    step's words with SplitMix64 (:func:`splitmix64`): ``w_j`` is the
    stream's word ``j`` from ``s``. ``U`` comes from the words as above
    (``noise_bits = 32``: halves; 64: ``U_i = \lfloor w_i / 2^{11} \rfloor / 2^{53}``).
    It is faster still, with either resolution (1000 neurons: about 1.6 us
    a step against 2.3 us with 32 bits from the generator and 3.4-4.0 us
    with 64, bench/README.md), and gives the network's statistics: over
    W3's network, seeds 0-19, 30 s each, a rate of 1.2611 +- 0.0078 Hz
    against 1.2635 +- 0.0068 Hz with the default (mean +- sd over seeds).
    SplitMix64 passes the BigCrush battery of statistical tests; each step
    starts it from a fresh output of the network's generator, so the same
    seed still gives the same run.

    A neuron spikes in the step in which ``v`` reaches ``v_peak``, and its
    synaptic effect reaches its targets' ``I`` in the next step. The
    author's code (daspnet.m) tests ``v >= 30`` at the start of each
    millisecond, on the ``v`` integrated in the previous one, records the
    spike at the new millisecond and adds the weights to that
    millisecond's ``I``: the same dynamics with a 1 ms synaptic delay; its
    spike times are this model's plus one step. A spike of weight ``w``
    adds ``w`` to its targets' ``I`` for one step. As in that code, ``u``
    is updated with the ``v`` of the spiking step, past ``v_peak`` by
    however far the Euler steps overshot it (this makes, for example, the
    intervals of a fast-spiking neuron under a constant input vary).

    Each neuron has its own ``a, b, c, d``: from the preset ``neuron_type``
    unless given (a number for all neurons or an array of ``n_neurons``).
    ``"mix"`` (the default) makes inhibitory neurons (polarity -1) fast
    spiking and the others regular spiking, as in the 2007 network; with no
    inhibitory neuron it is ``"RS"``. Presets ``(a, b, c, d)``: RS (0.02,
    0.2, -65, 8), IB (0.02, 0.2, -55, 4), CH (0.02, 0.2, -50, 2), FS (0.1,
    0.2, -65, 2), LTS (0.02, 0.25, -65, 2). At reset ``v = c`` and
    ``u = b v``.

    Examples
    --------
    >>> n = Izhikevich(n_neurons=1, neuron_type="RS", bias=10.0)
    >>> n.reset(); spikes = np.zeros(1, bool)
    >>> times = []
    >>> for t in range(100):
    ...     Izhikevich.reference(n.kernel_params(), n.state, np.zeros(1), n.rng, spikes)
    ...     if spikes[0]: times.append(t)
    >>> times
    [3, 30, 78]
    """

    PARAMS = (
        DT,
        Param(
            "neuron_type", "str", "mix", "preset of (a, b, c, d); 'mix': FS for inhibitory neurons, RS for the others",
            choices=("RS", "FS", "IB", "CH", "LTS", "mix"),
        ),
        Param("a", "float|array", None, "time scale of u (1/ms), per neuron or one number (None: preset)", "[0, inf)"),
        Param("b", "float|array", None, "sensitivity of u to sub-threshold v, per neuron or one number (None: preset)"),
        Param("c", "float|array", None, "after-spike reset of v (mV), per neuron or one number (None: preset)"),
        Param("d", "float|array", None, "after-spike increment of u, per neuron or one number (None: preset)"),
        Param("v_peak", "float", 30.0, "potential (mV) at which a spike is cut off and v is reset"),
        Param("bias", "float", 0.0, "constant input current added to every neuron's I"),
        Param("noise", "float", 0.0, "amplitude of a uniform noise current: noise * (U - 0.5) per neuron per step",
              "[0, inf)"),
        Param("noise_bits", "int", 64, "random bits of each neuron's U: 64 (rng.random) or 32 (two neurons per "
              "64-bit draw, faster)", choices=(64, 32)),
        Param("noise_stream", "str", "generator", "where the 64-bit words of U come from: 'generator' (the network's, "
              "one per word) or 'splitmix' (one of the generator's per step, expanded by SplitMix64; faster)",
              choices=("generator", "splitmix")),
    )

    def check(self) -> None:
        if self.dt > MAX_DT:
            raise self.error("dt", f"at most {MAX_DT:g} ms (Euler steps diverge from about 1.5 ms)", repr(self.dt))
        for key in "abcd":
            if self.params[key] is not None:
                per_neuron(self, key, self.n_neurons)

    def coefficients(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Each neuron's ``(a, b, c, d)``: the preset, overridden by any given."""
        n = self.n_neurons
        if self.neuron_type == "mix":
            inhibitory = self.signs < 0
            preset = [np.where(inhibitory, fs, rs) for rs, fs in zip(PRESETS["RS"], PRESETS["FS"])]
        else:
            preset = [np.full(n, x) for x in PRESETS[self.neuron_type]]
        return tuple(
            preset[k].astype(np.float64) if self.params[key] is None else per_neuron(self, key, n)
            for k, key in enumerate("abcd")
        )

    def make_kernel_params(self) -> IzhikevichParams:
        a, b, c, d = self.coefficients()
        return IzhikevichParams(
            a, b, c, d, 0.5 * self.dt, float(self.dt), float(self.v_peak), float(self.bias), float(self.noise),
            int(self.noise_bits), self.noise_stream == "splitmix",
        )

    def reset(self) -> None:
        _, b, c, _ = self.coefficients()
        v = c.copy()
        self.state = IzhikevichState(v, b * v)

    @staticmethod
    @nb.njit
    def kernel(p, s, current, rng, out):
        a = p.a
        b = p.b
        c = p.c
        d = p.d
        half = p.half
        dt = p.dt
        v_peak = p.v_peak
        bias = p.bias
        noise = p.noise
        v = s.v
        u = s.u
        if noise > 0.0 and p.splitmix:
            seed = rng.integers(0, 2**64 - 1, 1, np.uint64, endpoint=True)[0]
            shift = 1 if p.noise_bits == 32 else 0  # 32 bits: neurons 2j and 2j + 1 share word j
            for i in range(v.size):
                word = splitmix64(seed, np.uint64(i >> shift))
                if shift:
                    uniform = ((word >> np.uint64(32 * (i & 1))) & np.uint64(0xFFFFFFFF)) * 2.0**-32
                else:
                    uniform = (word >> np.uint64(11)) * 2.0**-53
                drive = current[i] + bias + noise * (uniform - 0.5)
                out[i] = _advance(v, u, i, drive, a[i], b[i], c[i], d[i], half, dt, v_peak)
            return
        if noise > 0.0 and p.noise_bits == 32:
            # one block of draws; each neuron's half turned into U in the loop (no array of U per step)
            halves = rng.integers(0, 2**64 - 1, (v.size + 1) // 2, np.uint64, endpoint=True).view(np.uint32)
            for i in range(v.size):
                drive = current[i] + bias + noise * (halves[i] * 2.0**-32 - 0.5)
                out[i] = _advance(v, u, i, drive, a[i], b[i], c[i], d[i], half, dt, v_peak)
            return
        draws = rng.random(v.size if noise > 0.0 else 0)
        for i in range(v.size):
            drive = current[i] + bias
            if noise > 0.0:
                drive = drive + noise * (draws[i] - 0.5)
            out[i] = _advance(v, u, i, drive, a[i], b[i], c[i], d[i], half, dt, v_peak)

    @staticmethod
    def reference(p, s, current, rng, out):
        drive = current + p.bias
        if p.noise > 0.0:
            n = drive.size
            if p.splitmix:
                seed = rng.integers(0, 2**64 - 1, 1, np.uint64, endpoint=True)[0]
                if p.noise_bits == 32:
                    halves = splitmix64.py_func(seed, np.arange((n + 1) // 2, dtype=np.uint64)).view(np.uint32)[:n]
                    draws = halves * 2.0**-32
                else:
                    draws = (splitmix64.py_func(seed, np.arange(n, dtype=np.uint64)) >> np.uint64(11)) * 2.0**-53
            elif p.noise_bits == 32:
                halves = rng.integers(0, 2**64 - 1, (n + 1) // 2, np.uint64, endpoint=True).view(np.uint32)[:n]
                draws = halves * 2.0**-32
            else:
                draws = rng.random(n)
            drive = drive + p.noise * (draws - 0.5)
        v, u = s.v, s.u
        for _ in range(2):
            v += p.half * ((0.04 * v + 5.0) * v + 140.0 - u + drive)
        u += p.dt * (p.a * (p.b * v - u))
        fire = v >= p.v_peak
        v[fire] = p.c[fire]
        u[fire] += p.d[fire]
        out[:] = fire


#: SplitMix64's increment (2^64 / golden ratio) and the two multipliers of its output mix.
SPLITMIX_GAMMA, SPLITMIX_M1, SPLITMIX_M2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


@nb.njit(inline="always")
def splitmix64(seed, j):
    """Word ``j`` (0, 1, ...) of the SplitMix64 stream that starts from
    ``seed`` (all uint64, wrapping): ``z = seed + (j + 1) * gamma``, then
    ``z ^= z >> 30; z *= m1; z ^= z >> 27; z *= m2; z ^= z >> 31``. Numbers
    or NumPy arrays of ``j`` alike (``splitmix64.py_func``).

    >>> [hex(w) for w in splitmix64.py_func(np.uint64(0), np.arange(2, dtype=np.uint64))]  # SplitMix64 from 0
    ['0xe220a8397b1dcdaf', '0x6e789e6aa1b965f4']
    """
    z = seed + (j + np.uint64(1)) * SPLITMIX_GAMMA
    z = (z ^ (z >> np.uint64(30))) * SPLITMIX_M1
    z = (z ^ (z >> np.uint64(27))) * SPLITMIX_M2
    return z ^ (z >> np.uint64(31))


@nb.njit(inline="always")
def _advance(v, u, i, drive, a, b, c, d, half, dt, v_peak):
    """Neuron ``i``'s step with input ``drive`` (:func:`_integrate`, then the
    spike test and reset, in place); whether it fired."""
    x, y = _integrate(v[i], u[i], drive, a, b, half, dt)
    fire = x >= v_peak
    v[i] = c if fire else x
    u[i] = y + d if fire else y
    return fire


@nb.njit(inline="always")
def _integrate(x, y, drive, a, b, half, dt):
    """One step of ``(v, u) = (x, y)`` before the spike test: two half steps of ``v``, then ``u``."""
    x = x + half * ((0.04 * x + 5.0) * x + 140.0 - y + drive)
    x = x + half * ((0.04 * x + 5.0) * x + 140.0 - y + drive)
    return x, y + dt * (a * (b * x - y))
