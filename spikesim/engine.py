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

Neurons with two input channels (``Neurons.input_channels == 2``, e.g.
conductance-based ones) get ``current`` of ``2 * n_neurons`` entries: a
delivered ``value_j * w_ji`` of positive sign adds to ``current[i]``
(excitatory), one of negative sign to ``current[n_neurons + i]``
(inhibitory, left negative). With one channel (the default) everything
adds to ``current[i]``.
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

from spikesim.graph import row_synapses

log = logging.getLogger("spikesim")


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
        for a in range(n_fired[0]):
            j = fired[a]
            value = spike_value[j]
            row_targets = targets[indptr[j] : indptr[j + 1]]  # slices: indices known >= 0
            row_w = w[indptr[j] : indptr[j + 1]]
            for q in range(row_w.size):
                current[row_targets[q]] += value * row_w[q]
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
"""

# Propagation into two channels: the sign of the delivered value picks the half of ``current``.
_ONE_CHANNEL = """            for q in range(row_w.size):
                current[row_targets[q]] += value * row_w[q]
"""
_TWO_CHANNELS = """            for q in range(row_w.size):
                x = value * row_w[q]
                if x < 0.0:
                    inhibitory[row_targets[q]] += x
                else:
                    excitatory[row_targets[q]] += x
"""
_TWO_CHANNEL_VIEWS = """    n_total = spikes.size
    excitatory = current[: current.size // 2]
    inhibitory = current[current.size // 2 :]
"""

_REWARD_SOURCE = """
@nb.njit(cache=True)
def apply_reward(sy_p, sy_s, graph, w, r):
    synapse_reward(sy_p, sy_s, graph, w, r)
"""

#: The kernels a compiled tick calls, by the name the generated code uses.
KERNEL_NAMES = ("input_step", "neuron_step", "synapse_step", "reward_step", "synapse_reward")

_compiled: dict[tuple, SimpleNamespace] = {}
_source_hash: list[str] = []


def tick_source(channels: int = 1) -> str:
    """The source of ``run_tick`` for neurons with ``channels`` input channels (1 or 2)."""
    if channels == 1:
        return _TICK_SOURCE
    if channels != 2:
        raise ValueError(f"input channels must be 1 or 2; got {channels!r}")
    assert _ONE_CHANNEL in _TICK_SOURCE
    return _TICK_SOURCE.replace(_ONE_CHANNEL, _TWO_CHANNELS).replace("    n_total = spikes.size\n", _TWO_CHANNEL_VIEWS)


def compiled(kernels: dict[str, Any], channels: int = 1) -> SimpleNamespace:
    """The compiled ``run_tick`` (and ``apply_reward``, or None) for one
    combination of kernels (``KERNEL_NAMES`` -> Numba dispatcher or None) and
    of input channels of the neurons (1, or 2: see the module doc).

    ``run_tick(n_steps, learning, rng, n_inputs, in_p, in_s, ne_p, ne_s,
    sy_p, sy_s, rw_p, rw_s, graph, w, spike_value, spikes, fired, n_fired,
    current, log, rewards)`` runs the steps described in the module doc.

    Compiled once per combination per process. When every kernel lives in an
    importable module, the code is written to a module in the cache
    directory (``SPIKESIM_CACHE_DIR``, else ``~/.cache/spikesim``) and Numba
    caches the machine code on disk, so another process starts warm; its name
    carries a hash of all the sources involved, so changed code recompiles.
    A cache directory that others could write to is refused (the code is
    compiled in memory), and a damaged entry is rebuilt (see :func:`_cache_dir`).
    """
    key = tuple(kernels.get(name) for name in KERNEL_NAMES) + ((channels,) if channels != 1 else ())
    if key in _compiled:
        return _compiled[key]
    source = tick_source(channels) + (_REWARD_SOURCE if kernels.get("synapse_reward") is not None else "")
    references = {name: _reference(k) for name, k in kernels.items() if k is not None}
    module = _write_module(source, references) if all(r is not None for r in references.values()) else None
    if module is not None:
        namespace = SimpleNamespace(run_tick=module.run_tick, apply_reward=getattr(module, "apply_reward", None))
    else:
        glob = {"nb": nb, "np": np, **{name: k for name, k in kernels.items() if k is not None}}
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
             "import importlib", "import numba as nb", "import numpy as np", ""]
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


def run_tick_reference(
    n_steps, learning, rng, n_inputs, in_p, in_s, ne_p, ne_s, sy_p, sy_s, rw_p, rw_s,
    graph, w, spike_value, spikes, fired, n_fired, current, log, rewards, kernels,
):  # fmt: skip
    """The NumPy engine: the compiled tick's steps, vectorised over neurons,
    with the parts' ``reference`` steps passed in ``kernels`` (input, neuron,
    synapse, step reward)."""
    input_step, neuron_step, synapse_step, reward_step = kernels
    for t in range(n_steps):
        current[:] = 0.0
        ks = row_synapses(graph.indptr, fired[: n_fired[0]])
        delivered = spike_value[graph.sources[ks]] * w[ks]
        if current.size == graph.col_ptr.size - 1:
            np.add.at(current, graph.targets[ks], delivered)
        else:  # two channels: negative deliveries into the second half
            np.add.at(current, graph.targets[ks] + (graph.col_ptr.size - 1) * (delivered < 0.0), delivered)
        input_step(in_p, in_s, t, rng, spikes[:n_inputs])
        neuron_step(ne_p, ne_s, current, rng, spikes[n_inputs:])
        now = np.flatnonzero(spikes)
        fired[: now.size] = now
        n_fired[0] = now.size
        r = reward_step(rw_p, rw_s, t, spikes)
        rewards[t] = r
        if learning:
            synapse_step(sy_p, sy_s, graph, w, spikes, fired, now.size, n_inputs, r)
        log[t, :] = spikes


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
