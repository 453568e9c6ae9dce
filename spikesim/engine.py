"""The two engines that run one tick: compiled (Numba) and reference (NumPy).

One network step ``t`` of a tick:

1. propagation: the spikes of step ``t - 1`` (inputs and body) move the
   postsynaptic neurons, ``current_i = sum_j value_j * w_ji * s_j(t-1)``
   (``value_j`` the spike magnitude of neuron j, ``w_ji`` the signed weight);
2. the inputs emit this step's input spikes;
3. the neurons integrate the current and emit this step's body spikes;
4. the step's reward ``r(t)`` is computed from this step's spikes (an active
   network rewards here; otherwise it is 0);
5. plasticity: the synapses update traces and eligibilities with this step's
   spikes, then apply ``r(t)`` (so a reward meets an eligibility that already
   holds this step's pairing);
6. the step's spikes are logged.

Both engines call the parts' steps in this order with the same arguments, and
draw from the network's generator in the same order, so the same seed gives
the same spikes and (to float tolerance) the same weights.

Step signatures (a part's ``kernel`` and its NumPy ``reference`` alike)::

    inputs:    step(p, s, t, rng, out)                       out: bool (n_inputs,)
    neurons:   step(p, s, current, rng, out)                 out: bool (n_neurons,)
    synapses:  step(p, s, graph, w, spikes, fired, n_fired, n_inputs, r)
    synapses:  reward(p, s, graph, w, r)                     once per tick (RLNetwork)
    reward:    step(p, s, t, spikes) -> float                 per step (ActiveRLNetwork)

``spikes`` holds this step's spikes of all neurons (inputs first), ``fired``
the indices of those that spiked, ascending, ``n_fired`` how many.

Synaptic delays. By default a spike reaches its targets at the next step
(a delay of one step, as in 1. above). With delays (``delay_steps`` of the
weights, see :class:`Delays`), synapse ``k`` of delay ``d_k >= 1`` steps
delivers a spike emitted at step ``n`` into the current of step ``n + d_k``
(the current seen by the neurons at 3. of that step); the delivered value is
``value_j * w_k`` with the weight of the step after the emission (when the
spike leaves; plasticity meanwhile does not reach spikes in flight). Pending
deliveries wait in a ring of ``D = max d_k`` future currents.

What the plasticity rules see with delays: the postsynaptic side sees the
step's emitted spikes, as without delays (``spikes``, ``fired``, entries
``>= n_inputs``); the presynaptic side sees each spike on its *arrival*: a
spike of neuron ``j`` emitted at step ``n`` is a presynaptic spike for the
rule at step ``n + d_j - 1``, the step before it reaches the postsynaptic
neuron, which is the step of its emission for ``d_j = 1`` (today's
behaviour, so a rule sees a pre and post spike ``d_j - 1`` steps later than
with no delay). ``d_j`` is the delay of the plastic synapses of neuron ``j``
(they must share it: the presynaptic traces are per neuron). The rule's
``arrival_kernel`` (``arrival_reference``) gets these arrivals::

    synapses:  step(p, s, graph, w, spikes, fired, n_fired, n_inputs, r, arrived, pre_fired, n_pre_fired)

``arrived`` (bool, inputs then body neurons) and ``pre_fired`` (their
indices, ascending, ``n_pre_fired`` of them) replace ``spikes`` and
``fired`` on the presynaptic side. The machinery is compiled in only when
some delay exceeds one step.

Parallel kernels. A part may also give ``parallel_kernel`` (and a rule
``parallel_arrival_kernel``): the same step, with the same signature, on
Numba's threads, giving the same results bit for bit. A network with
``threads >= 2`` compiles its tick with them (see
:class:`~spikesim.network.Network`); a class that overrides ``kernel``
without its own ``parallel_kernel`` runs serially. The tick itself
(propagation, finding the spikes, the log) stays serial.

Neurons with two input channels (``Neurons.input_channels == 2``,
conductance-based ones) take their input into their state: a delivered
``x = value_j * w_ji`` of positive sign adds to the conductance ``s.g_e[i]``,
one of negative sign adds ``|x|`` to ``s.g_i[i]``, right after the neuron
step (3.) instead of before it (1.), so the step integrates the conductances
without the step's input (which acts from the next step on, as it would
through ``current``) and no per-step current is cleared and read. Their
``current`` is empty. With delays, a step's deliveries are summed in the
ring (``2 * n_neurons`` entries, inhibitory ones in the second half) and
join the conductances there, after the step. With one channel (the
default) everything adds to ``current[i]``.
"""
from __future__ import annotations

import hashlib
import importlib.util
import io
import logging
import os
import pickletools
import stat
import sys
import tempfile
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any, NamedTuple

import numba as nb
import numpy as np
from numba.core import types
from numba.extending import overload

from spikesim.graph import row_synapses

log = logging.getLogger("spikesim")


def all_finite(w: np.ndarray, *states: tuple) -> bool:
    """Whether the weights ``w`` and the float arrays of the part states
    ``states`` hold no NaN and no infinity. The compiled tick ends with it
    (its result is ``run_tick``'s), so that a network looks for the culprit
    only when there is one."""
    return _finite(w) and _states_finite(states)


def _finite(x: Any) -> bool:
    return not (isinstance(x, np.ndarray) and x.dtype.kind == "f") or bool(np.isfinite(x).all())


@overload(_finite)
def _finite_compiled(x):
    if isinstance(x, types.Array) and isinstance(x.dtype, types.Float):

        def finite_array(x):
            values = x.ravel()
            bad = 0
            for i in range(values.size):  # v - v is 0 for finite v, else NaN: an OR the compiler vectorises
                v = values[i]
                bad |= np.int64(v - v != 0.0)
            return bad == 0

        return finite_array
    return lambda x: True


def _arrays_finite(state: tuple) -> bool:
    return all(_finite(x) for x in state)


def _states_finite(states: tuple) -> bool:
    return all(_arrays_finite(state) for state in states)


# Compiled, both recurse over a tuple of any types, unrolled at compile time.
@overload(_arrays_finite)
def _arrays_finite_compiled(state):
    if len(state) == 0:
        return lambda state: True
    return lambda state: _finite(state[0]) and _arrays_finite(state[1:])


@overload(_states_finite)
def _states_finite_compiled(states):
    if len(states) == 0:
        return lambda states: True
    return lambda states: _arrays_finite(states[0]) and _states_finite(states[1:])


@overload(all_finite)
def _all_finite_compiled(w, *states):
    return lambda w, *states: _finite(w) and _states_finite(states)


class NoParams(NamedTuple):
    """Kernel parameters of a part that reads none."""


@nb.njit
def no_step_reward(p, s, t, spikes):
    """Step reward of a network that is rewarded once per tick: 0."""
    return 0.0


def no_step_reward_reference(p, s, t, spikes):
    return 0.0


# The compiled tick. Kernels are globals of a module generated for each
# combination of part kernels (see ``compiled``), so Numba can cache it on disk.
_TICK_SOURCE = """
@nb.njit(cache=True)
def run_tick(
    n_steps, learning, rng, n_inputs, in_p, in_s, ne_p, ne_s, sy_p, sy_s, rw_p, rw_s,
    graph, w, spike_value, spikes, fired, n_fired, current, log, rewards,
):
    indptr = graph.indptr
    targets = graph.targets
    n_total = spikes.size
    n_words = n_total // 8
    spike_words = spikes[: 8 * n_words].view(np.uint64)  # the spikes of 8 neurons at a time
    for t in range(n_steps):
        current[:] = 0.0
        deliver(fired, n_fired[0], indptr, targets, w, spike_value, current)
        input_step(in_p, in_s, t, rng, spikes[:n_inputs])
        neuron_step(ne_p, ne_s, current, rng, spikes[n_inputs:])
        count = 0
        for q in range(n_words):  # most words of 8 neurons hold no spike: skipped
            if spike_words[q] != 0:
                for j in range(8 * q, 8 * q + 8):  # branch-free within a word
                    fired[count] = j
                    count += spikes[j]
        for j in range(8 * n_words, n_total):
            fired[count] = j
            count += spikes[j]
        n_fired[0] = count
        r = reward_step(rw_p, rw_s, t, spikes)
        rewards[t] = r
        if learning:
            synapse_step(sy_p, sy_s, graph, w, spikes, fired, count, n_inputs, r)
        row = log[t]
        for j in range(n_total):  # a plain loop: compiles to a block copy, where log[t, :] = spikes does not
            row[j] = spikes[j]
    return all_finite(w, in_s, ne_s, sy_s)
"""

# Two channels: the previous step's spikes join the conductances after the neuron step (see the module doc).
_ONE_CHANNEL = """        current[:] = 0.0
        deliver(fired, n_fired[0], indptr, targets, w, spike_value, current)
        input_step(in_p, in_s, t, rng, spikes[:n_inputs])
        neuron_step(ne_p, ne_s, current, rng, spikes[n_inputs:])
"""
_TWO_CHANNELS = """        input_step(in_p, in_s, t, rng, spikes[:n_inputs])
        neuron_step(ne_p, ne_s, current, rng, spikes[n_inputs:])
        deliver_conductances(fired, n_fired[0], indptr, targets, w, spike_value, ne_s.g_e, ne_s.g_i)
"""


@nb.njit(inline="always")
def deliver(fired, n_fired, indptr, targets, w, spike_value, current):
    """``current[i] += value_j * w_ji`` for each synapse of the ``n_fired`` neurons ``fired``."""
    for a in range(n_fired):
        j = fired[a]
        value = spike_value[j]
        row_targets = targets[indptr[j] : indptr[j + 1]]  # slices: indices known >= 0
        row_w = w[indptr[j] : indptr[j + 1]]
        for q in range(row_w.size):
            current[row_targets[q]] += value * row_w[q]


@nb.njit(inline="always")
def deliver_conductances(fired, n_fired, indptr, targets, w, spike_value, g_e, g_i):
    """``x = value_j * w_ji`` for each synapse of the ``n_fired`` neurons ``fired`` into ``g_e[i]``
    (``x >= 0``) or its magnitude into ``g_i[i]`` (``x < 0``)."""
    for a in range(n_fired):
        j = fired[a]
        value = spike_value[j]
        row_targets = targets[indptr[j] : indptr[j + 1]]
        row_w = w[indptr[j] : indptr[j + 1]]
        for q in range(row_w.size):
            x = value * row_w[q]
            if x < 0.0:
                g_i[row_targets[q]] -= x
            else:
                g_e[row_targets[q]] += x


# The tick with synaptic delays (see the module doc): deliveries go into a ring of future currents,
# and the rule gets each presynaptic spike on its arrival.
_DELAYED_TICK_SOURCE = """
@nb.njit(cache=True)
def run_tick(
    n_steps, learning, rng, n_inputs, in_p, in_s, ne_p, ne_s, sy_p, sy_s, rw_p, rw_s,
    graph, w, spike_value, spikes, fired, n_fired, current, log, rewards, delays,
):
    indptr = graph.indptr
    targets = graph.targets
    n_total = spikes.size
    n_words = n_total // 8
    spike_words = spikes[: 8 * n_words].view(np.uint64)  # the spikes of 8 neurons at a time
    steps, row_delay, pre_delay = delays.steps, delays.row_delay, delays.pre_delay
    pending, sent, arrived, pre_fired, clock = delays.pending, delays.sent, delays.arrived, delays.pre_fired, delays.clock
    n_slots = pending.shape[0]
    n_sent = sent.shape[0]
    for t in range(n_steps):
        now = clock[0]
        origin = (now + n_slots - 1) % n_slots  # the slot of step now - 1: a delay of d lands d slots later
        for a in range(n_fired[0]):
            j = fired[a]
            value = spike_value[j]
            row_targets = targets[indptr[j] : indptr[j + 1]]  # slices: indices known >= 0
            row_w = w[indptr[j] : indptr[j + 1]]
            d = row_delay[j]
            if d >= 0:  # one delay for the whole row: one slot
                slot = origin + d
                if slot >= n_slots:
                    slot -= n_slots
                into = pending[slot]
                for q in range(row_w.size):
                    into[row_targets[q]] += value * row_w[q]
            else:
                row_steps = steps[indptr[j] : indptr[j + 1]]
                for q in range(row_w.size):
                    slot = origin + row_steps[q]
                    if slot >= n_slots:
                        slot -= n_slots
                    pending[slot, row_targets[q]] += value * row_w[q]
        due = pending[now % n_slots]
        for i in range(current.size):
            current[i] = due[i]
            due[i] = 0.0
        input_step(in_p, in_s, t, rng, spikes[:n_inputs])
        neuron_step(ne_p, ne_s, current, rng, spikes[n_inputs:])
        count = 0
        for q in range(n_words):  # most words of 8 neurons hold no spike: skipped
            if spike_words[q] != 0:
                for j in range(8 * q, 8 * q + 8):  # branch-free within a word
                    fired[count] = j
                    count += spikes[j]
        for j in range(8 * n_words, n_total):
            fired[count] = j
            count += spikes[j]
        n_fired[0] = count
        record = sent[now % n_sent]
        for j in range(n_total):
            record[j] = spikes[j]
        r = reward_step(rw_p, rw_s, t, spikes)
        rewards[t] = r
        if learning:
            n_arrived = 0
            for j in range(n_total):  # emitted pre_delay[j] - 1 steps ago
                got = sent[(now + n_sent + 1 - pre_delay[j]) % n_sent, j]
                arrived[j] = got
                pre_fired[n_arrived] = j
                n_arrived += got
            synapse_step(sy_p, sy_s, graph, w, spikes, fired, count, n_inputs, r, arrived, pre_fired, n_arrived)
        row = log[t]
        for j in range(n_total):
            row[j] = spikes[j]
        clock[0] = now + 1
    return all_finite(w, in_s, ne_s, sy_s)
"""
_DELAYED_ONE_CHANNEL = (
    """                for q in range(row_w.size):
                    into[row_targets[q]] += value * row_w[q]
""",
    """                    pending[slot, row_targets[q]] += value * row_w[q]
""",
    """        due = pending[now % n_slots]
        for i in range(current.size):
            current[i] = due[i]
            due[i] = 0.0
        input_step(in_p, in_s, t, rng, spikes[:n_inputs])
        neuron_step(ne_p, ne_s, current, rng, spikes[n_inputs:])
""",
)
_DELAYED_TWO_CHANNELS = (
    """                excitatory, inhibitory = into[:half], into[half:]
                for q in range(row_w.size):
                    x = value * row_w[q]
                    if x < 0.0:
                        inhibitory[row_targets[q]] += x
                    else:
                        excitatory[row_targets[q]] += x
""",
    """                    x = value * row_w[q]
                    if x < 0.0:
                        pending[slot, half + row_targets[q]] += x
                    else:
                        pending[slot, row_targets[q]] += x
""",
    """        due = pending[now % n_slots]
        input_step(in_p, in_s, t, rng, spikes[:n_inputs])
        neuron_step(ne_p, ne_s, current, rng, spikes[n_inputs:])
        g_e, g_i = ne_s.g_e, ne_s.g_i
        for i in range(half):
            g_e[i] += due[i]
            g_i[i] -= due[half + i]
            due[i] = 0.0
            due[half + i] = 0.0
""",
)

_REWARD_SOURCE = """
@nb.njit(cache=True)
def apply_reward(sy_p, sy_s, graph, w, r):
    synapse_reward(sy_p, sy_s, graph, w, r)
"""

#: The kernels a compiled tick calls, by the name the generated code uses.
KERNEL_NAMES = ("input_step", "neuron_step", "synapse_step", "reward_step", "synapse_reward")

_compiled: dict[tuple, SimpleNamespace] = {}
_source_hash: list[str] = []


def tick_source(channels: int = 1, delays: bool = False) -> str:
    """The source of ``run_tick`` for neurons with ``channels`` input channels
    (1 or 2), with the delay machinery when ``delays``."""
    if channels not in (1, 2):
        raise ValueError(f"input channels must be 1 or 2; got {channels!r}")
    if delays:
        source = _DELAYED_TICK_SOURCE
        if channels == 2:
            for one, two in zip(_DELAYED_ONE_CHANNEL, _DELAYED_TWO_CHANNELS):
                assert one in source
                source = source.replace(one, two)
            source = source.replace("    n_sent = sent.shape[0]\n", "    n_sent = sent.shape[0]\n    half = pending.shape[1] // 2\n")
        return source
    if channels == 1:
        return _TICK_SOURCE
    assert _ONE_CHANNEL in _TICK_SOURCE
    return _TICK_SOURCE.replace(_ONE_CHANNEL, _TWO_CHANNELS)


def compiled(kernels: dict[str, Any], channels: int = 1, delays: bool = False) -> SimpleNamespace:
    """The compiled ``run_tick`` (and ``apply_reward``, or None) for one
    combination of kernels (``KERNEL_NAMES`` -> Numba dispatcher or None) and
    of input channels of the neurons (1, or 2: see the module doc).

    ``run_tick(n_steps, learning, rng, n_inputs, in_p, in_s, ne_p, ne_s,
    sy_p, sy_s, rw_p, rw_s, graph, w, spike_value, spikes, fired, n_fired,
    current, log, rewards)`` runs the steps described in the module doc and
    returns :func:`all_finite` of the weights and the three part states;
    with ``delays`` it takes one more argument, a :class:`Delays`, and
    ``synapse_step`` is the rule's ``arrival_kernel``.

    Compiled once per combination per process. When every kernel lives in an
    importable module, the code is written to a module in the cache
    directory (``SPIKESIM_CACHE_DIR``, else ``~/.cache/spikesim``) and Numba
    caches the machine code on disk, so another process starts warm; its name
    carries a hash of all the sources involved, so changed code recompiles.
    A cache directory that others could write to is refused (the code is
    compiled in memory), and a damaged entry is rebuilt (see :func:`_cache_dir`).
    """
    key = tuple(kernels.get(name) for name in KERNEL_NAMES) + ((channels,) if channels != 1 else ())
    key += ("delays",) if delays else ()
    if key in _compiled:
        return _compiled[key]
    source = tick_source(channels, delays) + (_REWARD_SOURCE if kernels.get("synapse_reward") is not None else "")
    references = {name: _reference(k) for name, k in kernels.items() if k is not None}
    module = _write_module(source, references) if all(r is not None for r in references.values()) else None
    if module is not None:
        namespace = SimpleNamespace(run_tick=module.run_tick, apply_reward=getattr(module, "apply_reward", None))
    else:
        glob = {"nb": nb, "np": np, "all_finite": all_finite, "deliver": deliver,
                "deliver_conductances": deliver_conductances, **{name: k for name, k in kernels.items() if k is not None}}
        exec(compile(source.replace("cache=True", "cache=False"), "<spikesim tick>", "exec"), glob)
        namespace = SimpleNamespace(run_tick=glob["run_tick"], apply_reward=glob.get("apply_reward"))
    _compiled[key] = namespace
    return namespace


def _reference(kernel: Any) -> tuple[str, str] | None:
    """``(module, qualname)`` of a kernel importable from a file, else None."""
    func = getattr(kernel, "py_func", kernel)
    module = sys.modules.get(func.__module__)
    if module is None or func.__module__ == "__main__" or "<" in func.__qualname__:
        return None
    if not getattr(module, "__file__", None):
        return None
    return func.__module__, func.__qualname__


def _write_module(source: str, references: dict[str, tuple[str, str]]) -> ModuleType | None:
    """The generated module of one combination of kernels, from the cache directory (None when no
    directory is safe to use). An entry that is not exactly the code it should be (a truncated module, a
    cut Numba index or data file) is deleted and written again, and the rebuild logged."""
    lines = ['"""Generated by spikesim.engine for one combination of kernels; do not edit."""',
             "import importlib", "import numba as nb", "import numpy as np", "",
             "from spikesim.engine import all_finite, deliver, deliver_conductances", ""]
    for name, (module, qualname) in sorted(references.items()):
        lines.append(f"{name} = importlib.import_module({module!r})")
        for attr in qualname.split("."):
            lines[-1] += f".{attr}"
    text = "\n".join(lines) + "\n" + source
    digest = hashlib.sha256()
    digest.update(text.encode())
    digest.update(_package_hash().encode())
    for module in sorted({m for m, _ in references.values()}):
        digest.update(Path(sys.modules[module].__file__).read_bytes())
    name = f"spikesim_tick_{digest.hexdigest()[:20]}"
    directory = _cache_dir()
    if directory is None:
        return None
    path = directory / f"{name}.py"
    numba_files = sorted((directory / "__pycache__").glob(f"{name}.*.nb[ic]"))
    damaged = [f for f in numba_files if not _whole_pickles(f)]
    if path.exists() and path.read_bytes() != text.encode():
        damaged.insert(0, path)
    if damaged:
        log.warning("kernel cache entry %s was damaged (%s); rebuilt it", path, ", ".join(f.name for f in damaged))
        for file in [path, *(directory / "__pycache__").glob(f"{name}.*")]:
            file.unlink(missing_ok=True)
    if not path.exists():
        tmp = directory / f"{name}.{os.getpid()}.tmp"
        tmp.write_text(text)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _whole_pickles(path: Path) -> bool:
    """Whether ``path`` holds one or more complete pickles (Numba's ``.nbi`` holds two, ``.nbc`` one),
    read opcode by opcode: nothing is unpickled."""
    data = path.read_bytes()
    stream = io.BytesIO(data)
    try:
        while True:
            for _ in pickletools.genops(stream):
                pass
            if stream.tell() >= len(data):
                return True
    except ValueError:
        return False


def _package_hash() -> str:
    if not _source_hash:
        digest = hashlib.sha256(f"{nb.__version__} {np.__version__} {sys.version}".encode())
        root = Path(__file__).parent
        for file in sorted(root.rglob("*.py")):
            digest.update(file.read_bytes())
        _source_hash.append(digest.hexdigest())
    return _source_hash[0]


def _cache_dir() -> Path | None:
    """The directory of generated modules: ``SPIKESIM_CACHE_DIR``, else
    ``~/.cache/spikesim``, else (not writable) ``$TMPDIR/spikesim-UID``
    (created 0700). None, with a warning, when the directory is not safe:
    modules in it are executed, so it must be ours and not writable by
    group or others."""
    base = os.environ.get("SPIKESIM_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "spikesim"
    )
    directory = Path(base)
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        probe = directory / f".probe{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError:
        directory = Path(tempfile.gettempdir()) / f"spikesim-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
        try:
            directory.mkdir(mode=0o700, exist_ok=True)
        except OSError as error:
            return _refuse(directory, f"cannot create it ({error.strerror})")
        if directory.is_symlink():
            return _refuse(directory, "it is a symbolic link")
    pycache = directory / "__pycache__"  # where Numba keeps its index and machine code (pickles)
    try:
        pycache.mkdir(mode=0o700, exist_ok=True)
    except OSError as error:
        return _refuse(directory, f"cannot create {pycache.name} in it ({error.strerror})")
    if pycache.is_symlink():
        return _refuse(directory, f"its {pycache.name} is a symbolic link")
    for place in (directory, pycache):
        status = place.stat()
        if hasattr(os, "getuid") and status.st_uid != os.getuid():
            return _refuse(place, f"it is owned by uid {status.st_uid}, not by this user ({os.getuid()})")
        if status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            mode = stat.S_IMODE(status.st_mode)
            return _refuse(place, f"group or others can write to it (mode {mode:04o}; chmod go-w it)")
    return directory


def _refuse(directory: Path, reason: str) -> None:
    """Warn (once per directory and reason) that ``directory`` is not used."""
    if (directory, reason) not in _refused:
        _refused.add((directory, reason))
        log.warning("not using the kernel cache directory %s: %s; compiling in memory instead", directory, reason)
    return None


_refused: set[tuple[Path, str]] = set()


class Delays(NamedTuple):
    """Synaptic delays of a network and their pending deliveries (see the module doc).

    Built by :func:`make_delays` from one delay per synapse (in steps, >= 1);
    the last five arrays are the running state, cleared by :func:`clear_delays`
    (``Network.reset``); ``Network.save`` keeps ``pending``, ``sent`` and ``clock``."""

    steps: np.ndarray  # (n_syn,) uint8 or uint16: delay of each synapse
    row_delay: np.ndarray  # (n_pre,) int64: delay shared by all synapses of the row, -1 if they differ
    pre_delay: np.ndarray  # (n_pre,) int64: delay at which the rules see neuron j's spikes arrive
    pending: np.ndarray  # (max delay, current size) float64: ring of the currents of the coming steps
    sent: np.ndarray  # (max pre_delay, n_pre) bool: ring of the last steps' spikes (for the rules)
    arrived: np.ndarray  # (n_pre,) bool: the presynaptic arrivals of the step (for the rules)
    pre_fired: np.ndarray  # (n_pre,) int64: their indices
    clock: np.ndarray  # (1,) int64: steps run since the last clear (picks the ring slots)


def make_delays(steps: np.ndarray, indptr: np.ndarray, plastic: np.ndarray, current_size: int, owner: str) -> Delays:
    """The :class:`Delays` of synapses with delays ``steps`` (one per synapse,
    integers >= 1, CSR order of ``indptr``); ``plastic`` marks the synapses
    plasticity can move: those of one presynaptic neuron must share their
    delay (else :class:`~spikesim.ConfigError` from ``owner``, naming
    ``delay_steps``). A neuron without plastic synapses is seen by the rules
    after the smallest delay of its row (1 for an empty row)."""
    from spikesim.params import ConfigError

    steps = np.asarray(steps)
    n_pre = indptr.size - 1
    dtype = np.uint8 if steps.size == 0 or steps.max() < 256 else np.uint16
    steps = steps.astype(dtype)
    filled = np.flatnonzero(np.diff(indptr) > 0)
    wide = steps.astype(np.int64)
    row_delay = np.full(n_pre, -1, np.int64)
    pre_delay = np.ones(n_pre, np.int64)
    if filled.size:
        low, high = np.minimum.reduceat(wide, indptr[filled]), np.maximum.reduceat(wide, indptr[filled])
        row_delay[filled] = np.where(low == high, low, -1)
        pre_delay[filled] = low
        big = np.iinfo(np.int64).max
        p_low = np.minimum.reduceat(np.where(plastic, wide, big), indptr[filled])
        p_high = np.maximum.reduceat(np.where(plastic, wide, 0), indptr[filled])
        has = p_high > 0
        bad = has & (p_low != p_high)
        if bad.any():
            j = int(filled[np.argmax(bad)])
            raise ConfigError(
                f"{owner}: key 'delay_steps' gives the plastic synapses of presynaptic neuron {j} different delays "
                f"({int(p_low[np.argmax(bad)])} and {int(p_high[np.argmax(bad)])} steps); plasticity sees a neuron's "
                "spike arrive once, so its plastic synapses must share one delay"
            )
        pre_delay[filled] = np.where(has, p_high, low)
    n_slots = int(max(steps.max(initial=1), 1))
    return Delays(
        steps, row_delay, pre_delay, np.zeros((n_slots, current_size)),
        np.zeros((int(pre_delay.max(initial=1)), n_pre), np.bool_), np.zeros(n_pre, np.bool_),
        np.zeros(n_pre, np.int64), np.zeros(1, np.int64),
    )  # fmt: skip


def clear_delays(delays: Delays) -> None:
    """Drop the deliveries in flight and the spike history (a new episode)."""
    for array in (delays.pending, delays.sent, delays.arrived, delays.pre_fired, delays.clock):
        array[...] = 0


def run_tick_reference(
    n_steps, learning, rng, n_inputs, in_p, in_s, ne_p, ne_s, sy_p, sy_s, rw_p, rw_s,
    graph, w, spike_value, spikes, fired, n_fired, current, log, rewards, kernels, delays=None,
):  # fmt: skip
    """The NumPy engine: the compiled tick's steps, vectorised over neurons,
    with the parts' ``reference`` steps passed in ``kernels`` (input, neuron,
    synapse, step reward). With ``delays`` (a :class:`Delays`) the synapse
    step is the rule's ``arrival_reference``."""
    if delays is not None:
        return _run_delayed_reference(
            n_steps, learning, rng, n_inputs, in_p, in_s, ne_p, ne_s, sy_p, sy_s, rw_p, rw_s,
            graph, w, spike_value, spikes, fired, n_fired, current, log, rewards, kernels, delays,
        )  # fmt: skip
    input_step, neuron_step, synapse_step, reward_step = kernels
    conductances = current.size == 0  # two channels: the input joins g_e and g_i after the step
    for t in range(n_steps):
        ks = row_synapses(graph.indptr, fired[: n_fired[0]])
        delivered = spike_value[graph.sources[ks]] * w[ks]
        if not conductances:
            current[:] = 0.0
            np.add.at(current, graph.targets[ks], delivered)
        input_step(in_p, in_s, t, rng, spikes[:n_inputs])
        neuron_step(ne_p, ne_s, current, rng, spikes[n_inputs:])
        if conductances:  # one addition per synapse, in the compiled engine's order
            inhibitory = delivered < 0.0
            np.add.at(ne_s.g_e, graph.targets[ks][~inhibitory], delivered[~inhibitory])
            np.add.at(ne_s.g_i, graph.targets[ks][inhibitory], -delivered[inhibitory])
        now = np.flatnonzero(spikes)
        fired[: now.size] = now
        n_fired[0] = now.size
        r = reward_step(rw_p, rw_s, t, spikes)
        rewards[t] = r
        if learning:
            synapse_step(sy_p, sy_s, graph, w, spikes, fired, now.size, n_inputs, r)
        log[t, :] = spikes


def _run_delayed_reference(
    n_steps, learning, rng, n_inputs, in_p, in_s, ne_p, ne_s, sy_p, sy_s, rw_p, rw_s,
    graph, w, spike_value, spikes, fired, n_fired, current, log, rewards, kernels, delays,
):  # fmt: skip
    input_step, neuron_step, synapse_step, reward_step = kernels
    pending, sent = delays.pending, delays.sent
    n_slots, n_sent, size = pending.shape[0], sent.shape[0], pending.shape[1]
    flat = pending.reshape(-1)
    n_post = graph.col_ptr.size - 1
    lag = delays.pre_delay - 1
    everyone = np.arange(spikes.size)
    for t in range(n_steps):
        now = int(delays.clock[0])
        ks = row_synapses(graph.indptr, fired[: n_fired[0]])
        delivered = spike_value[graph.sources[ks]] * w[ks]
        slots = (now - 1 + delays.steps[ks].astype(np.int64)) % n_slots
        into = graph.targets[ks].astype(np.int64)
        if size != n_post:  # two channels: negative deliveries into the second half
            into = into + n_post * (delivered < 0.0)
        np.add.at(flat, slots * size + into, delivered)
        due = pending[now % n_slots]
        if size == n_post:
            current[:] = due
        input_step(in_p, in_s, t, rng, spikes[:n_inputs])
        neuron_step(ne_p, ne_s, current, rng, spikes[n_inputs:])
        if size != n_post:  # two channels: the step's input joins the conductances after the step
            ne_s.g_e[:] += due[:n_post]
            ne_s.g_i[:] -= due[n_post:]
        due[:] = 0.0
        fired_now = np.flatnonzero(spikes)
        fired[: fired_now.size] = fired_now
        n_fired[0] = fired_now.size
        sent[now % n_sent] = spikes
        r = reward_step(rw_p, rw_s, t, spikes)
        rewards[t] = r
        if learning:
            arrived = sent[(now - lag) % n_sent, everyone]
            delays.arrived[:] = arrived
            pre = np.flatnonzero(arrived)
            delays.pre_fired[: pre.size] = pre
            synapse_step(sy_p, sy_s, graph, w, spikes, fired, fired_now.size, n_inputs, r,
                         delays.arrived, delays.pre_fired, pre.size)  # fmt: skip
        log[t, :] = spikes
        delays.clock[0] = now + 1


@nb.njit
def output_reward_step(p, s, t, spikes):
    """``r(t) = every_step + sum_o per_spike[o] * s_o(t)`` (ActiveRLNetwork)."""
    r = s.every_step[0]
    for o in range(s.per_spike.size):
        if spikes[p.first_output + o]:
            r += s.per_spike[o]
    return r


def output_reward_step_reference(p, s, t, spikes):
    r = s.every_step[0]
    for o in np.flatnonzero(spikes[p.first_output :]):
        r += s.per_spike[o]
    return r
