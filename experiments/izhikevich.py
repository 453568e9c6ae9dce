"""Izhikevich's (2007) distal-reward experiments: ``izhikevich-distal-reward``
and ``izhikevich-conditioning``.

The network is the paper's (and daspnet.m's): 800 regular-spiking and 200
fast-spiking Izhikevich neurons, 100 synapses out of each (excitatory ones
onto any other neuron, inhibitory ones onto excitatory neurons only), a 1 ms
delay, noise ``13 (U - 0.5)`` per neuron per ms; excitatory weights start at
1 mV and are plastic in [0, 4] mV under dopamine-modulated STDP (DASTDP with
daspnet.m's per-step factors), inhibitory ones fixed at -1 mV. One tick is
one second; a run is ``len_episode`` seconds (one hour).

Rewards are scheduled inside the network, at the millisecond
(:class:`PairingReward`): when neuron ``post`` fires and ``pre`` fired
``lag`` steps before with ``reward_lag[0] <= lag < reward_lag[1]``, a reward
of 1 (dopamine ``+0.5``) is due after a delay drawn uniformly from the
integers ``reward_delay[0] + 1 .. reward_delay[1]`` ms.

- distal reward (Fig. 1): one excitatory -> excitatory synapse ``n1 -> n2``
  (``n1 = rewarded_pre``, ``n2`` its excitatory target of lowest index)
  starts at 0 mV; each time ``n2`` fires 1-19 ms after ``n1``, dopamine comes
  1-3 s later. Expected: the synapse climbs to 4 mV and stays while the
  other excitatory weights drift down (mean about 0.66 mV after the hour).
- classical conditioning: 100 random sets of 50 neurons; every 100-300 ms
  (uniform) one set drawn at random gets a 1 ms pulse of I = 40 (an input
  neuron per set, synapses of 40 mV onto its members, fixed); each
  stimulation of set S1 (set 0) is followed by dopamine 1-1000 ms later.
  Expected: the response to S1 (spikes of the other neurons in the 20 ms
  after the pulse) and S1's outgoing weights grow above the other sets'.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, NamedTuple

import numba as nb
import numpy as np
from gymnasium import spaces

from spikesim import RLNetwork, files
from spikesim.experiments.registry import Experiment, Outcome, register
from spikesim.families import Inputs
from spikesim.games.game import Game
from spikesim.inputs import RateMap
from spikesim.inputs.static import StaticMap, StaticParams, StaticState
from spikesim.neurons import Izhikevich
from spikesim.params import PROCESSING_TIME, ConfigError, Param
from spikesim.readouts import Threshold
from spikesim.synapses import DASTDP
from spikesim.training import Callback, Results
from spikesim.weights import Manual

N, N_EXC = 1000, 800
#: Per-tick capacity of pre-drawn reward delays, and of rewards waiting.
DELAYS_PER_TICK = 256
MAX_PENDING = 256


class Idle(Game):
    """A game with one state (0) and nothing to do: every step returns the
    state 0 and reward 0, and it never ends. For networks that run on their
    own (the Izhikevich experiments)."""

    metadata = {"render_modes": []}

    def __init__(self, preset: str | None = None, **params: Any) -> None:
        super().__init__(preset, **params)
        self.observation_space = spaces.Discrete(1)
        self.action_space = spaces.Discrete(2)

    def states(self) -> list[int]:
        return [0]

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[int, dict]:
        super().reset(seed=seed)
        return 0, {}

    def step(self, action: Any) -> tuple[int, float, bool, bool, dict]:
        return 0, 0.0, False, False, {}


# ---------------------------------------------------------------------------- network
def izhikevich_matrix(rng: np.random.Generator, shape: tuple) -> np.ma.MaskedArray:
    """Izhikevich (2007): 100 synapses out of each body neuron, excitatory
    ones (the first 800) onto any other neuron, inhibitory ones onto
    excitatory neurons only; weight 1. Rows above the body's (``shape[0] -
    shape[1]`` inputs) are left to :func:`stimulus_matrix`."""
    n_pre, n = shape
    n_in = n_pre - n
    excitatory = int(0.8 * n)
    present = np.zeros(shape, dtype=bool)
    for j in range(n):
        pool = np.delete(np.arange(n), j) if j < excitatory else np.arange(excitatory)
        present[n_in + j, rng.choice(pool, 100, replace=False)] = True
    return np.ma.MaskedArray(np.ones(shape), mask=~present)


def izhikevich_bounds(n_inputs: int = 0, input_weight: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Excitatory weights plastic in [0, 4] mV, inhibitory ones fixed at 1
    (sign -1); input rows fixed at ``input_weight``."""
    low = np.zeros((n_inputs + N, N))
    high = np.full((n_inputs + N, N), 4.0)
    low[:n_inputs] = high[:n_inputs] = input_weight
    low[n_inputs + N_EXC :] = high[n_inputs + N_EXC :] = 1.0
    return low, high


class PairingParams(NamedTuple):
    pre: int  # index of the pre neuron in the spike vector (inputs first)
    post: int
    lag_min: int
    lag_max: int  # exclusive


class PairingState(NamedTuple):
    clock: np.ndarray  # (1,) int64 steps since reset
    last_pre: np.ndarray  # (1,) int64 step of pre's last spike
    due: np.ndarray  # (MAX_PENDING,) int64 steps at which a reward is due (-1: free)
    delays: np.ndarray  # (DELAYS_PER_TICK,) int64 delays drawn for this tick
    used: np.ndarray  # (1,) int64 delays used this tick
    pairings: np.ndarray  # (1,) int64 pairings since reset
    delivered: np.ndarray  # (1,) int64 rewards delivered since reset


@nb.njit
def pairing_reward_step(p, s, t, spikes):
    """The reward of one step (1 per reward due now); schedules a reward
    when ``post`` fires ``lag_min <= lag < lag_max`` steps after ``pre``."""
    now = s.clock[0]
    s.clock[0] = now + 1
    if spikes[p.pre]:
        s.last_pre[0] = now
    if spikes[p.post]:
        lag = now - s.last_pre[0]
        if p.lag_min <= lag < p.lag_max:
            if s.used[0] >= s.delays.size:
                raise ValueError("PairingReward: more pairings in one tick than delays drawn")
            when = now + s.delays[s.used[0]]
            s.used[0] += 1
            s.pairings[0] += 1
            placed = False
            for q in range(s.due.size):
                if s.due[q] < 0:
                    s.due[q] = when
                    placed = True
                    break
            if not placed:
                raise ValueError("PairingReward: too many rewards pending")
    r = 0.0
    for q in range(s.due.size):
        if s.due[q] == now:
            s.due[q] = -1
            s.delivered[0] += 1
            r += 1.0
    return r


def pairing_reward_step_reference(p, s, t, spikes):
    return pairing_reward_step.py_func(p, s, t, spikes)


PAIRING_PARAMS = (
    Param("reward_lag", "any", (1, 20), "(min, max): a reward is due when post fires min <= lag < max ms after pre"),
    Param("reward_delay", "any", (1000, 3000), "(low, high): the reward comes low + 1 .. high ms after the pairing"),
)  # fmt: skip


class PairingReward(RLNetwork):
    """An RL network rewarded from inside, at the millisecond: rewards fall
    due after pairings of two neurons (see the module doc). Subclasses say
    which neurons in :meth:`pairing_neurons`."""

    PARAMS = PAIRING_PARAMS

    def pairing_neurons(self) -> tuple[int, int]:
        """``(pre, post)`` as indices of the spike vector (inputs first)."""
        raise NotImplementedError

    def _pair(self, key: str) -> tuple[int, int]:
        value = self.config[key]
        good = np.ndim(value) == 1 and len(value) == 2 and all(float(x).is_integer() for x in value)
        if not good or value[0] > value[1]:
            raise ConfigError(
                f"{type(self).__name__}: key {key!r} expects two integers (low, high), low <= high; got {value!r}"
            )
        return int(value[0]), int(value[1])

    def reset(self) -> None:
        super().reset()
        self._pairing = PairingState(
            np.zeros(1, np.int64), np.full(1, -(10**12), np.int64), np.full(MAX_PENDING, -1, np.int64),
            np.zeros(DELAYS_PER_TICK, np.int64), np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros(1, np.int64),
        )  # fmt: skip

    def step_reward(self) -> tuple:
        pre, post = self.pairing_neurons()
        lag_min, lag_max = self._pair("reward_lag")
        params = PairingParams(pre, post, lag_min, lag_max)
        return pairing_reward_step, pairing_reward_step_reference, params, self._pairing

    def prepare_step_reward(self, state: Any) -> None:
        low, high = self._pair("reward_delay")
        draws = 1.0 - self.rng.random(DELAYS_PER_TICK)  # in (0, 1]
        self._pairing.delays[:] = low + np.maximum(1, np.ceil((high - low) * draws)).astype(np.int64)
        self._pairing.used[0] = 0

    @property
    def rewards_delivered(self) -> int:
        return int(self._pairing.delivered[0])

    @property
    def pairings(self) -> int:
        return int(self._pairing.pairings[0])

    def reward(self, state: Any = None, action: Any = None, state_next: Any = None,
               reward: float | None = None) -> float:  # fmt: skip
        """The rewards delivered during the last tick (given step by step)."""
        return float(self._rewards.sum())


IZHIKEVICH_KEYS = {
    "n_neurons": N, "n_outputs": 1, "processing_time": 1000,
    "neuron_type": "mix", "polarities": np.r_[np.ones(N_EXC), -np.ones(N - N_EXC)], "noise": 13.0,
    "learning_rate": 1.0, "tau_plus": -1.0 / math.log(0.95), "tau_d": -1.0 / math.log(0.995),
    "tau_c": -10.0 / math.log(0.99), "a_minus": -1.5, "action_threshold": 0.0,
}  # fmt: skip


class DistalReward(PairingReward):
    """Izhikevich's (2007) network with one rewarded synapse ``n1 -> n2``:
    ``n1 = rewarded_pre`` (excitatory), ``n2`` its excitatory target of
    lowest index; the synapse starts at ``rewarded_weight``."""

    parts = {"inputs": RateMap, "neurons": Izhikevich, "weights": Manual, "synapses": DASTDP, "readout": Threshold}
    keys = {**IZHIKEVICH_KEYS, "n_inputs": 0, "state_rate_map": [0.0], "matrix": izhikevich_matrix,
            "min_weight": izhikevich_bounds()[0], "max_weight": izhikevich_bounds()[1]}  # fmt: skip
    PARAMS = (
        Param("rewarded_pre", "int", 0, "n1, the excitatory neuron whose synapse onto n2 is rewarded", "[0, 799]"),
        Param("rewarded_weight", "float", 0.0, "initial weight of the rewarded synapse (mV)", "[0, 4]"),
    )

    def __init__(self, *args: Any, **keys: Any) -> None:
        super().__init__(*args, **keys)
        n1 = self.config["rewarded_pre"]
        ks = np.arange(self.graph.indptr[n1], self.graph.indptr[n1 + 1])
        ks = ks[self.graph.targets[ks] < N_EXC]
        self.rewarded_synapse = int(ks[np.argmin(self.graph.targets[ks])])
        self.n1, self.n2 = n1, int(self.graph.targets[self.rewarded_synapse])
        self.w[self.rewarded_synapse] = self.config["rewarded_weight"]

    def pairing_neurons(self) -> tuple[int, int]:
        return self.n_inputs + self.n1, self.n_inputs + self.n2


N_SETS, SET_SIZE = 100, 50


def stimulus_matrix(rng: np.random.Generator, shape: tuple) -> np.ma.MaskedArray:
    """:func:`izhikevich_matrix` with one input per stimulus set: input
    ``k`` has synapses of 40 mV onto the 50 neurons of set ``k`` (drawn at
    random from all 1000)."""
    matrix = izhikevich_matrix(rng, shape)
    for k in range(shape[0] - shape[1]):
        members = rng.choice(N, SET_SIZE, replace=False)
        matrix[k, members] = 40.0
    return matrix


class Stimuli(Inputs):
    """Stimulation of one set at a time: every ``stimulus_interval`` ms
    (uniform integers ``low .. high``) one input, drawn uniformly, spikes
    once. The schedule runs across ticks (reset restarts it)."""

    PARAMS = (
        PROCESSING_TIME,
        Param("stimulus_interval", "any", (100, 300), "(low, high): ms between stimuli, uniform integers"),
    )
    kernel = staticmethod(StaticMap.kernel)
    reference = staticmethod(StaticMap.reference)

    def check(self) -> None:
        low, high = self.stimulus_interval
        if not (1 <= low <= high):
            raise self.error("stimulus_interval", "two integers 1 <= low <= high", repr(self.stimulus_interval))

    def make_kernel_params(self) -> StaticParams:
        return StaticParams(self.input_firing_steps)

    def reset(self) -> None:
        self.state = StaticState(np.zeros((self.processing_time, self.n_inputs), dtype=np.bool_))
        self._next = 0  # step of the next stimulus, from the tick's start

    def encode(self, state: Any) -> None:
        pattern = self.state.pattern
        pattern[:] = False
        low, high = self.stimulus_interval
        while self._next < self.processing_time:
            pattern[self._next, self.rng.integers(self.n_inputs)] = True
            self._next += int(self.rng.integers(low, high + 1))
        self._next -= self.processing_time


class Conditioning(PairingReward):
    """Izhikevich's (2007) classical conditioning: 100 stimulus inputs, one
    per set; every stimulation of set 0 (S1) is rewarded 1-1000 ms later."""

    parts = {"inputs": Stimuli, "neurons": Izhikevich, "weights": Manual, "synapses": DASTDP, "readout": Threshold}
    keys = {**IZHIKEVICH_KEYS, "n_inputs": N_SETS, "matrix": stimulus_matrix,
            "min_weight": izhikevich_bounds(N_SETS, 40.0)[0], "max_weight": izhikevich_bounds(N_SETS, 40.0)[1],
            "reward_lag": (0, 1), "reward_delay": (0, 1000)}  # fmt: skip

    def __init__(self, *args: Any, **keys: Any) -> None:
        super().__init__(*args, **keys)
        self.sets = np.zeros((self.n_inputs, N), dtype=bool)
        for k in range(self.n_inputs):
            self.sets[k, self.graph.targets[self.graph.indptr[k] : self.graph.indptr[k + 1]]] = True

    def pairing_neurons(self) -> tuple[int, int]:
        return 0, 0  # input 0 stimulates S1: each of its spikes is a "pairing"


# ---------------------------------------------------------------------------- measuring
class WeightTrace(Callback):
    """Per tick: the rewarded synapse's weight, the mean excitatory weight,
    body spikes and rewards. At the end of an episode ``arrays`` holds the
    traces and the final excitatory weights, and the record the numbers the
    experiment reports."""

    def on_episode_start(self, network, game, phase, episode):
        self.rewarded, self.mean, self.spikes, self.rewards = [], [], [], []
        self._excitatory = network.graph.lo < network.graph.hi

    def on_tick(self, network, game, state, action):
        self.rewarded.append(float(network.w[network.rewarded_synapse]))
        self.mean.append(float(network.w[self._excitatory].mean()))
        self.spikes.append(int(network.spike_log[:, network.n_inputs :].sum()))

    def on_reward(self, network, game, reward, game_reward):
        self.rewards.append(float(reward))

    def on_episode_end(self, network, game, record):
        rewarded = np.array(self.rewarded)
        seconds = len(rewarded) * network.processing_time / 1000.0
        excitatory = network.w[self._excitatory]
        others = self._excitatory.copy()
        others[network.rewarded_synapse] = False
        self.arrays = {"rewarded_weight": rewarded, "mean_excitatory_weight": np.array(self.mean),
                       "spikes_per_s": np.array(self.spikes), "rewards_per_s": np.array(self.rewards),
                       "excitatory_weights": excitatory}  # fmt: skip
        record.update(
            n1=network.n1, n2=network.n2,
            rewarded_weight=float(rewarded[-1]) if rewarded.size else math.nan,
            rewards=network.rewards_delivered, pairings=network.pairings,
            mean_excitatory_weight=float(excitatory.mean()),
            saturated_others=float(np.mean(network.w[others] >= 3.8)),
            firing_rate_hz=float(np.sum(self.spikes) / (N * seconds)) if seconds else 0.0,
            **hold_measures(rewarded, np.array(self.rewards)),
        )  # fmt: skip


def hold_measures(weight: np.ndarray, rewards: np.ndarray) -> dict:
    """How the rewarded synapse reached and held the bound, from its weight
    at the end of every second and the rewards of every second: when it
    first reached 3.8 mV (s) and after how many rewards, the fraction of the
    seconds from then on at 3.8 mV or more, its mean over the last 600 s,
    and its drops (falls of more than 0.2 mV within one second), in all and
    in a second with a reward in it or in the second before."""
    weight, rewards = np.asarray(weight, dtype=float), np.asarray(rewards)
    if weight.ndim != 1 or weight.shape != rewards.shape:
        raise ValueError(
            f"hold_measures: expected two 1-d arrays of the same length (one value per second); "
            f"got shapes {weight.shape} and {rewards.shape}"
        )
    reached = np.flatnonzero(weight >= 3.8)
    first = int(reached[0]) if reached.size else None
    drops = np.diff(weight) < -0.2
    pulses = (rewards[1:] > 0) | (rewards[:-1] > 0)
    return {
        "first_reached_3_8_s": None if first is None else first + 1,
        "rewards_to_3_8": None if first is None else int(np.sum(rewards[: first + 1])),
        "time_at_3_8_after": None if first is None else float(np.mean(weight[first:] >= 3.8)),
        "last_10_min_mean": float(weight[-600:].mean()) if weight.size else math.nan,
        "drops": int(drops.sum()), "drops_at_pulses": int(np.sum(drops & pulses)),
    }  # fmt: skip


class Responses(Callback):
    """Per stimulation: its set, its step, and the response, the spikes of
    the body neurons outside the set in the ``window`` steps after the
    pulse (the pulse reaches the set one step after the input spike). At the
    end: the responses by set and the mean outgoing excitatory weight of
    every set, in ``arrays``, and S1's numbers against the other sets' in
    the record."""

    def __init__(self, window: int = 20, snapshot_every: int = 60) -> None:
        self.window, self.snapshot_every = window, snapshot_every

    def on_episode_start(self, network, game, phase, episode):
        self.events: list[tuple[int, int, int]] = []  # (set, step, response)
        self._open: list[list[int]] = []  # [set, step, steps left, count]
        self._tick = 0
        self._outside = ~network.sets  # (sets, N)
        self._excitatory = network.graph.lo < network.graph.hi
        self.snapshots = []

    def on_tick(self, network, game, state, action):
        log = network.spike_log
        body = log[:, network.n_inputs :]
        steps = log.shape[0]
        for item in self._open:  # responses begun in the previous tick
            take = min(item[2], steps)
            item[3] += int(body[:take][:, self._outside[item[0]]].sum())
            item[2] -= take
        for t, k in zip(*np.nonzero(log[:, : network.n_inputs])):
            first = t + 1
            take = min(self.window, steps - first)
            count = int(body[first : first + take][:, self._outside[k]].sum())
            self._open.append([int(k), self._tick * steps + int(t), self.window - take, count])
        self.events += [(k, step, count) for k, step, left, count in self._open if left == 0]
        self._open = [item for item in self._open if item[2] > 0]
        self._tick += 1
        if self._tick % self.snapshot_every == 0:
            self.snapshots.append(self.set_weights(network))

    def set_weights(self, network) -> np.ndarray:
        """Mean outgoing excitatory weight of each set's excitatory members."""
        graph, n_in = network.graph, network.n_inputs
        out = np.zeros(network.n_inputs)
        for k in range(network.n_inputs):
            members = np.flatnonzero(network.sets[k, :N_EXC]) + n_in
            ks = np.concatenate([np.arange(graph.indptr[j], graph.indptr[j + 1]) for j in members])
            out[k] = network.w[ks].mean()
        return out

    def on_episode_end(self, network, game, record):
        events = np.array(self.events, dtype=np.int64).reshape(-1, 3)
        weights = self.set_weights(network)
        self.arrays = {"events": events, "set_weights": weights, "set_weights_over_time": np.array(self.snapshots)}
        late = events[:, 1] >= 0.9 * self._tick * network.processing_time
        early = events[:, 1] < 0.1 * self._tick * network.processing_time

        def mean_response(mask):
            return float(events[mask, 2].mean()) if mask.any() else math.nan

        s1, others = events[:, 0] == 0, events[:, 0] != 0
        by_set = np.array([mean_response(late & (events[:, 0] == k)) for k in range(network.n_inputs)])
        record.update(
            s1_presentations=int(s1.sum()),
            s1_response_early=mean_response(early & s1), s1_response_late=mean_response(late & s1),
            others_response_early=mean_response(early & others), others_response_late=mean_response(late & others),
            s1_response_rank=int(1 + np.sum(by_set[1:] > by_set[0])),
            s1_weight=float(weights[0]), others_weight=float(weights[1:].mean()),
            others_weight_max=float(weights[1:].max()),
            s1_weight_rank=int(1 + np.sum(weights[1:] > weights[0])),
            mean_excitatory_weight=float(network.w[self._excitatory].mean()),
            rewards=network.rewards_delivered,
        )  # fmt: skip


@dataclass(frozen=True)
class IzhikevichExperiment(Experiment):
    """An Izhikevich experiment: ``recorder()`` makes the callback whose
    ``arrays`` go to the outcome's (and run directory's) arrays and whose
    record entries ``measured`` names; ``success(record)`` is the test."""

    recorder: Callable[[], Callback] = WeightTrace
    measured: tuple = ()
    success_test: Callable[[Mapping[str, Any]], bool] | None = None

    def run(self, overrides: Mapping[str, Any] | None = None, seed: int | None = None, episodes: int | None = None,
            len_episode: int | None = None, eval_episodes: int | None = None, out: Any = None,
            progress: bool | None = None, callbacks: tuple = (), save_arrays: bool = False) -> Outcome:  # fmt: skip
        recorder = self.recorder()
        outcome = super().run(overrides, seed, episodes, len_episode, eval_episodes, out, progress,
                              (recorder, *callbacks), save_arrays)  # fmt: skip
        outcome.results.arrays.update(recorder.arrays)
        if out is not None:
            files.write_npz(outcome.results.out / "arrays.npz", outcome.results.arrays)
        success = bool(self.success_test(outcome.results.episodes[-1])) if self.success_test else outcome.success
        return Outcome(outcome.results, outcome.metric, success)

    def measures(self, outcome: Outcome) -> dict:
        record = outcome.results.episodes[-1]
        return {k: record[k] for k in self.measured}


def rewarded_weight(results: Results) -> float:
    """The rewarded synapse's weight at the end (mV)."""
    return float(results.episodes[-1]["rewarded_weight"])


def distal_success(record: Mapping[str, Any]) -> bool:
    """The issue's test: the rewarded synapse ends at 3.8 mV or more and the
    mean excitatory weight below 1 mV."""
    return record["rewarded_weight"] >= 3.8 and record["mean_excitatory_weight"] < 1.0


def conditioning_margin(results: Results) -> float:
    """S1's late response over the other sets' mean late response (0 when
    S1 was not stimulated in the last tenth of the run)."""
    record = results.episodes[-1]
    ratio = record["s1_response_late"] / max(record["others_response_late"], 1e-12)
    return 0.0 if math.isnan(ratio) else float(ratio)


def conditioning_success(record: Mapping[str, Any]) -> bool:
    """S1's late response and its outgoing weights above the other sets' means."""
    response = record["s1_response_late"] > record["others_response_late"]
    return bool(response and record["s1_weight"] > record["others_weight"])


DISTAL_REWARD = register(
    IzhikevichExperiment(
        name="izhikevich-distal-reward",
        description="Izhikevich 2007 Fig. 1: 1000 neurons, 100,000 synapses, one rewarded 1-3 s after pairings, 1 h",
        network=DistalReward, game=Idle, episodes=1, len_episode=3600, eval_episodes=0,
        metric=rewarded_weight, metric_name="rewarded synapse's final weight (mV)", target=3.8,
        recorder=WeightTrace, success_test=distal_success,
        measured=("n1", "n2", "rewarded_weight", "first_reached_3_8_s", "rewards", "pairings", "rewards_to_3_8",
                  "time_at_3_8_after", "last_10_min_mean", "drops", "drops_at_pulses", "mean_excitatory_weight",
                  "saturated_others", "firing_rate_hz"),
    )  # fmt: skip
)

CONDITIONING = register(
    IzhikevichExperiment(
        name="izhikevich-conditioning",
        description="Izhikevich 2007: classical conditioning, 100 sets of 50 neurons, S1 followed by dopamine, 1 h",
        network=Conditioning, game=Idle, episodes=1, len_episode=3600, eval_episodes=0,
        metric=conditioning_margin, metric_name="S1's late response / other sets' late response", target=1.0,
        recorder=Responses, success_test=conditioning_success,
        measured=("s1_presentations", "s1_response_early", "s1_response_late", "others_response_early",
                  "others_response_late", "s1_response_rank", "s1_weight", "others_weight", "others_weight_max",
                  "s1_weight_rank", "mean_excitatory_weight", "rewards"),
    )  # fmt: skip
)
