"""Florian's (2007) experiments: ``florian-rate-xor``, ``florian-temporal-xor``
and ``florian-fig1`` (one synapse's traces, at the end of this module).

The XOR tasks train a feed-forward network of deterministic LIF neurons (Florian's:
rest and reset -70 mV, threshold -54 mV, tau_m 20 ms, no refractory period,
a presynaptic spike moves the potential by ``w`` on the next step) with MSTDP
or MSTDPET (the ``rule`` key). One run is 200 epochs; an epoch presents the
four input patterns once each, in random order, for 500 ms each. Nothing is
reset between patterns. Every output spike is rewarded at once: ``+1`` when
the pattern's XOR is 1 (01, 10), ``-1`` when it is 0 (00, 11).

The success test (Florian's), on the output rates of the last epoch:
``rate(11) < rate(01)`` and ``rate(11) < rate(10)``. A frozen twin (same
seed: same initial weights, same inputs; plasticity off) shows what the test
gives without learning (``Experiment.run(frozen=True)``).

- rate-coded XOR (Sec. 4.2): 60 inputs (two groups of 30, one per input
  bit: Poisson 40 Hz for a 1, silent for a 0), 60 hidden neurons, 1 output.
  In each group 15 inputs have weights in [0, 5] mV and 15 in [-5, 0] mV
  (signed bounds); hidden -> output in [0, 5] mV; initial weights uniform
  within the bounds. gamma: MSTDP 0.1 mV, MSTDPET 0.625 mV.
  Paper: 99.1 % (MSTDP) and 98.2 % (MSTDPET) of 1000 runs succeed.
- temporally coded XOR (Sec. 4.3): 2 inputs, 20 hidden, 1 output. Each run
  draws two spike trains of 500 ms with 50 spikes each, one per symbol (0
  and 1); input ``i`` replays the train of bit ``i`` of the pattern. Weights
  input -> hidden in [-10, 10] mV, hidden -> output in [0, 10] mV.
  gamma: MSTDP 0.01 mV, MSTDPET 0.25 mV.
  Paper: 89.7 % (MSTDP) and 99.5 % (MSTDPET) of 1000 runs succeed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
from gymnasium import spaces

from spikesim import ActiveRLNetwork, every_step_reward, files
from spikesim.experiments.registry import Experiment, Outcome, register
from spikesim.families import Inputs
from spikesim.games import Game, Logic
from spikesim.inputs import RateMap
from spikesim.inputs.static import StaticMap, StaticParams, StaticState
from spikesim.neurons import LIF
from spikesim.params import PROCESSING_TIME, ConfigError, Param
from spikesim.readouts import Threshold
from spikesim.rewards import Function, MatchExpected
from spikesim.synapses import MSTDP, MSTDPET
from spikesim.training import Callback, Results
from spikesim.weights import Manual

#: The learning rules of the ``rule`` key.
RULES = {"mstdp": MSTDP, "mstdpet": MSTDPET}
PATTERN_NAMES = ("00", "01", "10", "11")


class LogicEpochs(Logic):
    """A logic gate whose states come in epochs: every 4 steps present the 4
    states once each, in an order drawn at random (``np_random``) for each
    epoch, starting at :meth:`reset`."""

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        self._queue: list[int] = []
        return super().reset(seed=seed, options=options)

    def _draw(self) -> np.ndarray:
        if not self._queue:
            self._queue = [int(i) for i in self.np_random.permutation(4)]
        self._state = self.states()[self._queue.pop(0)]
        return self._state.copy()


class SymbolTrains(Inputs):
    """Florian's temporal code: one fixed spike train per symbol.

    At construction two trains of ``processing_time`` steps are drawn from
    the network's generator, each with exactly ``train_spikes`` spikes at
    distinct steps chosen uniformly: ``trains[0]`` for the symbol 0 and
    ``trains[1]`` for 1. A tick on state ``(s_0, ..., s_{m-1})`` makes input
    ``i`` replay ``trains[s_{i mod m}]``. The trains stay the same for the
    network's life (resets included).
    """

    PARAMS = (
        PROCESSING_TIME,
        Param("train_spikes", "int", 50, "spikes in each symbol's train (at distinct steps)", "[0, inf)"),
    )

    kernel = staticmethod(StaticMap.kernel)
    reference = staticmethod(StaticMap.reference)

    def __init__(self, rng: np.random.Generator | None = None, **params: Any) -> None:
        super().__init__(rng, **params)
        self.trains = np.zeros((2, self.processing_time), dtype=np.bool_)
        for symbol in range(2):
            self.trains[symbol, self.rng.choice(self.processing_time, self.train_spikes, replace=False)] = True

    def check(self) -> None:
        if self.train_spikes > self.processing_time:
            raise self.error("train_spikes", f"at most processing_time ({self.processing_time})", self.train_spikes)

    def symbols(self, state: Any) -> np.ndarray:
        values = np.ravel(state)
        if values.size == 0 or not np.isin(values, (0, 1)).all():
            raise ConfigError(f"SymbolTrains: expects a state of bits 0 and 1; got {state!r}")
        return values.astype(np.int64)

    def encode(self, state: Any) -> None:
        bits = self.symbols(state)
        self.state.pattern[:] = self.trains[bits[np.arange(self.n_inputs) % bits.size]].T

    def check_states(self, states: list) -> None:
        for state in states:
            self.symbols(state)

    def make_kernel_params(self) -> StaticParams:
        return StaticParams(self.input_firing_steps)

    def reset(self) -> None:
        self.state = StaticState(np.zeros((self.processing_time, self.n_inputs), dtype=np.bool_))


RULE = Param("rule", "str", "mstdpet", "the learning rule: Florian's MSTDP or MSTDPET", choices=tuple(RULES))


class FlorianXOR(ActiveRLNetwork):
    """A Florian XOR network whose synapses follow the ``rule`` key (MSTDP
    or MSTDPET); ``learning_rate`` defaults to Florian's value for the rule
    (``LEARNING_RATES``)."""

    PARAMS = (RULE,)
    LEARNING_RATES: dict[str, float] = {}

    def __init__(self, parts: Mapping[str, Any] | None = None, game: Any = None, modifiers: Any = (),
                 **keys: Any) -> None:  # fmt: skip
        rule = keys.get("rule", type(self).keys.get("rule", RULE.default))
        if rule not in RULES:
            choices = ", ".join(map(repr, RULES))
            raise ConfigError(f"{type(self).__name__}: key 'rule' expects one of {choices}; got {rule!r}")
        keys.setdefault("learning_rate", self.LEARNING_RATES[rule])
        super().__init__({"synapses": RULES[rule], **(parts or {})}, game, modifiers, **keys)


# ---------------------------------------------------------------------------- rate-coded XOR
#: Signs of the input -> hidden weights: inputs alternate between the two bits
#: (RateMap), so [+, +, -, -] repeated gives each bit 15 inputs in [0, 5] mV
#: and 15 in [-5, 0] mV.
RATE_SIGNS = np.tile([1.0, 1.0, -1.0, -1.0], 15)


def rate_bounds() -> tuple[np.ndarray, np.ndarray]:
    """``(min_weight, max_weight)`` of the rate-coded network (121 x 61)."""
    low, high = np.zeros((121, 61)), np.zeros((121, 61))
    low[:60, :60] = np.where(RATE_SIGNS[:, None] > 0, 0.0, -5.0)
    high[:60, :60] = np.where(RATE_SIGNS[:, None] > 0, 5.0, 0.0)
    high[60:120, 60] = 5.0
    return low, high


def rate_weights(rng: np.random.Generator, shape: tuple) -> list:
    """Initial weights uniform within the bounds: inputs -> hidden (60 x 60),
    hidden -> output (60 x 1)."""
    return [rng.uniform(0.0, 5.0, (60, 60)) * RATE_SIGNS[:, None], rng.uniform(0.0, 5.0, (60, 1))]


class FlorianRateXOR(FlorianXOR):
    """Florian's (2007, Sec. 4.2) rate-coded XOR network."""

    parts = {"inputs": RateMap, "neurons": LIF, "weights": Manual, "synapses": MSTDPET,
             "readout": Threshold, "rewarder": MatchExpected}  # fmt: skip
    keys = {
        "n_inputs": 60, "n_neurons": 61, "n_outputs": 1, "processing_time": 500,
        "state_rate_map": [0.0, 0.04],  # input i follows bit i % 2: 40 Hz (1 ms steps) or silent
        "matrix": rate_weights, "min_weight": rate_bounds()[0], "max_weight": rate_bounds()[1],
        "tau_plus": 20.0, "tau_minus": 20.0, "a_plus": 1.0, "a_minus": -1.0,
        "action_threshold": 0.02,  # the game's action (not used by the rule): output at 20 Hz or more
    }  # fmt: skip
    LEARNING_RATES = {"mstdp": 0.1, "mstdpet": 0.625}


# ---------------------------------------------------------------------------- temporally coded XOR
def temporal_bounds() -> tuple[np.ndarray, np.ndarray]:
    """``(min_weight, max_weight)`` of the temporal network (23 x 21):
    inputs -> hidden in [-10, 10] mV, hidden -> output in [0, 10] mV."""
    low, high = np.zeros((23, 21)), np.zeros((23, 21))
    low[:2, :20], high[:2, :20] = -10.0, 10.0
    high[2:22, 20] = 10.0
    return low, high


def temporal_weights(rng: np.random.Generator, shape: tuple) -> list:
    """Initial weights uniform within the bounds."""
    return [rng.uniform(-10.0, 10.0, (2, 20)), rng.uniform(0.0, 10.0, (20, 1))]


class FlorianTemporalXOR(FlorianXOR):
    """Florian's (2007, Sec. 4.3) temporally coded XOR network."""

    parts = {"inputs": SymbolTrains, "neurons": LIF, "weights": Manual, "synapses": MSTDPET,
             "readout": Threshold, "rewarder": MatchExpected}  # fmt: skip
    keys = {
        "n_inputs": 2, "n_neurons": 21, "n_outputs": 1, "processing_time": 500, "train_spikes": 50,
        "matrix": temporal_weights, "min_weight": temporal_bounds()[0], "max_weight": temporal_bounds()[1],
        "tau_plus": 20.0, "tau_minus": 20.0, "a_plus": 1.0, "a_minus": -1.0,
        "action_threshold": 0.02,
    }  # fmt: skip
    LEARNING_RATES = {"mstdp": 0.01, "mstdpet": 0.25}


# ---------------------------------------------------------------------------- measuring
def xor_success(rates: np.ndarray) -> bool:
    """Florian's test on one epoch's output rates (00, 01, 10, 11):
    ``rate(11) < rate(01)`` and ``rate(11) < rate(10)``."""
    return bool(rates[3] < rates[1] and rates[3] < rates[2])


def xor_success_strict(rates: np.ndarray) -> bool:
    """Both patterns of XOR 1 above both of XOR 0: ``max(rate(00),
    rate(11)) < min(rate(01), rate(10))`` (not the paper's test; reported
    beside it because 00 is not silent in the temporal task)."""
    return bool(max(rates[0], rates[3]) < min(rates[1], rates[2]))


class PatternRates(Callback):
    """The output rate (Hz) of every presentation, by epoch and pattern.

    At the end of an episode ``rates`` is an array (epochs, 4) (columns 00,
    01, 10, 11; an epoch is 4 ticks from the episode's start), and the
    record gets the last epoch's rates (``rate_00`` ...), ``success``
    (:func:`xor_success`, 1 or 0) and ``success_strict``."""

    def on_episode_start(self, network, game, phase, episode):
        self._counts: list[tuple[int, int]] = []

    def on_tick(self, network, game, state, action):
        pattern = 2 * int(state[0]) + int(state[1])
        self._counts.append((pattern, int(network.spike_log[:, -1].sum())))

    def on_episode_end(self, network, game, record):
        seconds = network.processing_time * network.config.get("dt", 1.0) / 1000.0
        epochs = len(self._counts) // 4
        rates = np.full((epochs, 4), np.nan)
        for tick, (pattern, count) in enumerate(self._counts[: 4 * epochs]):
            rates[tick // 4, pattern] = count / seconds
        self.rates = rates
        last = rates[-1] if epochs else np.full(4, np.nan)
        record.update({f"rate_{name}": float(r) for name, r in zip(PATTERN_NAMES, last)})
        record["success"] = int(xor_success(last))
        record["success_strict"] = int(xor_success_strict(last))


def last_epoch_success(results: Results) -> float:
    """1 when the last episode passed Florian's test on its last epoch, else 0."""
    return float(results.episodes[-1]["success"]) if results.episodes else 0.0


@dataclass(frozen=True)
class TwinExperiment(Experiment):
    """An experiment run as Florian's: trained, or as a frozen twin
    (``frozen=True``: the same seed, so the same initial weights and inputs,
    with plasticity off for the whole schedule). The epoch rates of the
    patterns go to ``Outcome.results.arrays["pattern_rates"]`` (and the run
    directory's ``arrays.npz``).

    ``paper`` holds the paper's success rate by rule; ``measures(outcome)``
    the numbers of one run a replication reports."""

    paper: Mapping[str, float] = field(default_factory=dict)
    twins: tuple[str, ...] = ("frozen",)

    def run(self, overrides: Mapping[str, Any] | None = None, seed: int | None = None, episodes: int | None = None,
            len_episode: int | None = None, eval_episodes: int | None = None, out: Any = None,
            progress: bool | None = None, callbacks: tuple = (), save_arrays: bool = False,
            frozen: bool = False) -> Outcome:  # fmt: skip
        """Build, train (or, ``frozen``, only run) and measure."""
        rates = PatternRates()
        episodes = self.episodes if episodes is None else episodes
        eval_episodes = self.eval_episodes if eval_episodes is None else eval_episodes
        if frozen:  # the same schedule, every episode an evaluation one
            episodes, eval_episodes = 0, episodes + eval_episodes
        outcome = super().run(overrides, seed, episodes, len_episode, eval_episodes, out, progress,
                              (rates, *callbacks), save_arrays)  # fmt: skip
        outcome.results.arrays["pattern_rates"] = rates.rates
        if out is not None:
            files.write_npz(outcome.results.out / "arrays.npz", outcome.results.arrays)
        return outcome

    def run_twin(self, twin: str, overrides: Mapping[str, Any] | None = None, seed: int | None = None,
                 **schedule: Any) -> Outcome:  # fmt: skip
        """``"frozen"``: :meth:`run` with ``frozen=True``."""
        if twin != "frozen":
            return super().run_twin(twin, overrides, seed, **schedule)
        return self.run(overrides, seed, frozen=True, **schedule)

    def paper_value(self, overrides: Mapping[str, Any]) -> float | None:
        """The paper's success rate for the rule of ``overrides``."""
        rule = overrides.get("rule", self.network.keys.get("rule", RULE.default))
        return self.paper.get(rule)

    def measures(self, outcome: Outcome) -> dict:
        """Last-epoch rates and test results of one run."""
        record = outcome.results.episodes[-1]
        keys = [f"rate_{name}" for name in PATTERN_NAMES] + ["success", "success_strict"]
        return {k: record[k] for k in keys}


SCHEDULE = {"game": LogicEpochs, "game_params": {"preset": "XOR"}, "episodes": 1, "len_episode": 800,
            "eval_episodes": 0, "metric": last_epoch_success, "target": 1.0,
            "metric_name": "Florian's test on the last epoch (1: rate(11) below rate(01) and rate(10))"}  # fmt: skip

RATE_XOR = register(
    TwinExperiment(
        name="florian-rate-xor",
        description="Florian 2007 Sec. 4.2: rate-coded XOR, 60-60-1 LIF, MSTDP or MSTDPET (key 'rule'), 200 epochs",
        network=FlorianRateXOR, paper={"mstdp": 0.991, "mstdpet": 0.982}, **SCHEDULE,
    )  # fmt: skip
)

TEMPORAL_XOR = register(
    TwinExperiment(
        name="florian-temporal-xor",
        description="Florian 2007 Sec. 4.3: temporal XOR, 2-20-1 LIF, MSTDP or MSTDPET (key 'rule'), 200 epochs",
        network=FlorianTemporalXOR, paper={"mstdp": 0.897, "mstdpet": 0.995}, **SCHEDULE,
    )  # fmt: skip
)


# ---------------------------------------------------------------------------- one synapse (Fig. 1)
class Clock(Game):
    """A game whose state is the time: 0 at reset, one more at every step
    (one tick of a 1-step network: milliseconds). Never ends, rewards 0."""

    metadata = {"render_modes": []}

    def __init__(self, preset: str | None = None, **params: Any) -> None:
        super().__init__(preset, **params)
        self.observation_space = spaces.Box(0, np.inf, (), dtype=np.float64)
        self.action_space = spaces.Discrete(2)

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[int, dict]:
        super().reset(seed=seed)
        self._t = 0
        return self._t, {}

    def step(self, action: Any) -> tuple[int, float, bool, bool, dict]:
        self._t += 1
        return self._t, 0.0, False, False, {}


class SpikeTimes(Inputs):
    """Inputs that spike at given times: input ``i`` spikes in the tick whose
    state (a :class:`Clock` time, in ticks) is in ``spike_times[i]``; one
    network step per tick (``processing_time`` 1)."""

    PARAMS = (
        PROCESSING_TIME,
        Param("spike_times", "any", ((5, 80, 115, 135),), "per input, the ticks (ms) at which it spikes"),
    )
    kernel = staticmethod(StaticMap.kernel)
    reference = staticmethod(StaticMap.reference)

    def check(self) -> None:
        if len(self.spike_times) != self.n_inputs:
            raise self.error("spike_times", f"one list of times per input ({self.n_inputs})", repr(self.spike_times))
        if self.processing_time != 1:
            raise self.error("processing_time", "1 (one step per tick)", self.processing_time)

    def encode(self, state: Any) -> None:
        self.state.pattern[0] = [int(state) in set(times) for times in self.spike_times]

    def make_kernel_params(self) -> StaticParams:
        return StaticParams(self.input_firing_steps)

    def reset(self) -> None:
        self.state = StaticState(np.zeros((1, self.n_inputs), dtype=np.bool_))


#: The toy protocol of docs/replications.md (Florian's own spike times are not known).
FIG1_PRE = (5, 80, 115, 135)
FIG1_POST = (10, 70, 110, 140)


def fig1_reward(state: Any, action: Any, state_next: Any) -> float:
    """+1 before 100 ms, -1 from 100 ms on."""
    return 1.0 if int(state) < 100 else -1.0


def fig1_weights(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Input 0 (pre) -> the neuron at 0.2 mV; input 1 -> the neuron at 100 mV
    (it forces the postsynaptic spikes); no other synapse."""
    matrix = np.zeros((3, 1))
    matrix[0, 0], matrix[1, 0] = 0.2, 100.0
    return matrix


class FlorianSynapse(FlorianXOR):
    """One plastic synapse (input 0 -> the neuron) under MSTDP or MSTDPET:
    the presynaptic spikes at ``FIG1_PRE``; a second input with a fixed
    100 mV synapse fires one step before each of ``FIG1_POST``, so the
    neuron spikes exactly then; reward +1 every step before 100 ms, -1
    after (:func:`fig1_reward`); gamma 0.2 mV."""

    parts = {"inputs": SpikeTimes, "neurons": LIF, "weights": Manual, "synapses": MSTDPET,
             "readout": Threshold, "rewarder": Function}  # fmt: skip
    keys = {
        "n_inputs": 2, "n_neurons": 1, "n_outputs": 1, "processing_time": 1,
        "spike_times": (FIG1_PRE, tuple(t - 1 for t in FIG1_POST)),
        "matrix": fig1_weights, "min_weight": np.array([[0.0], [100.0], [0.0]]),
        "max_weight": np.array([[5.0], [100.0], [0.0]]),
        "reward_function": fig1_reward, "continuous_rwd_action": every_step_reward,
        "tau_plus": 20.0, "tau_minus": 20.0, "a_plus": 1.0, "a_minus": -1.0, "action_threshold": 0.5,
    }  # fmt: skip
    LEARNING_RATES = {"mstdp": 0.2, "mstdpet": 0.2}


class SynapseTrace(Callback):
    """Every step of a :class:`FlorianSynapse` run: pre and post spikes,
    ``P+`` (pre), ``P-`` (post), the eligibility (``zeta`` for MSTDP, ``z``
    for MSTDPET), the reward and the weight; in ``arrays`` at the end."""

    def on_episode_start(self, network, game, phase, episode):
        self.rows: list[tuple] = []

    def on_tick(self, network, game, state, action):
        s = network.synapses.state
        pre, post = bool(network.spike_log[0, 0]), bool(network.spike_log[0, 2])
        p_plus, p_minus = float(s.p_plus[0]), float(s.p_minus[0])
        eligibility = float(s.z[0]) if hasattr(s, "z") else p_plus * post + p_minus * pre
        reward, weight = float(network._rewards[0]), float(network.w[0])
        self.rows.append((int(state), pre, post, p_plus, p_minus, eligibility, reward, weight))

    def on_episode_end(self, network, game, record):
        columns = ("t", "pre", "post", "p_plus", "p_minus", "eligibility", "reward", "weight")
        table = np.array(self.rows, dtype=np.float64).reshape(-1, len(columns))
        self.arrays = {name: table[:, c] for c, name in enumerate(columns)}
        record["final_weight"] = float(table[-1, -1]) if len(table) else math.nan


def final_weight(results: Results) -> float:
    """The plastic synapse's weight at the end (mV)."""
    return float(results.episodes[-1]["final_weight"])


@dataclass(frozen=True)
class TraceExperiment(Experiment):
    """:class:`Experiment` whose run records :class:`SynapseTrace` into the
    outcome's (and run directory's) arrays."""

    def run(self, overrides: Mapping[str, Any] | None = None, seed: int | None = None, episodes: int | None = None,
            len_episode: int | None = None, eval_episodes: int | None = None, out: Any = None,
            progress: bool | None = None, callbacks: tuple = (), save_arrays: bool = False) -> Outcome:  # fmt: skip
        trace = SynapseTrace()
        outcome = super().run(overrides, seed, episodes, len_episode, eval_episodes, out, progress,
                              (trace, *callbacks), save_arrays)  # fmt: skip
        outcome.results.arrays.update(trace.arrays)
        if out is not None:
            files.write_npz(outcome.results.out / "arrays.npz", outcome.results.arrays)
        return outcome


FIG1 = register(
    TraceExperiment(
        name="florian-fig1",
        description="Florian 2007 Fig. 1: one synapse's traces, eligibility, reward and weight (toy protocol), 200 ms",
        network=FlorianSynapse, game=Clock, episodes=1, len_episode=200, eval_episodes=0,
        metric=final_weight, metric_name="the synapse's weight at 200 ms (mV)",
    )  # fmt: skip
)
