"""Plots of spike logs, weights, runs, searches and the paper replications.

Every function returns a :class:`matplotlib.figure.Figure` and, given
``path``, also saves it as a PNG (atomically: a kill while saving leaves
the old plot). Figures are drawn on the Agg canvas
without pyplot, so plotting needs no display and leaves no global state;
matplotlib is imported only when a function is called, so ``import
spikesim.viz`` stays light.

The plots only read results (a run directory, its ``arrays.npz``, a
search's ``generations.jsonl``) and arrays; they never run a network.

Examples
--------
>>> import numpy as np
>>> from spikesim import viz
>>> rng = np.random.default_rng(0)
>>> log = rng.random((200, 12)) < 0.05          # 200 steps, 4 inputs + 8 body neurons
>>> fig = viz.spike_raster(log, n_inputs=4, n_outputs=2)
>>> fig.axes[0].get_xlabel()
'time (ms)'
"""
from __future__ import annotations

import contextlib
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from spikesim import files

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "PlotError", "conditioning", "firing_rates", "fitness_per_generation", "game_trajectory", "learning_curve",
    "learning_curves",
    "pattern_rates", "plot_run", "read_generations", "rewarded_weight", "spike_activity_3d", "spike_raster",
    "synapse_traces", "weight_histogram", "weight_histogram_end", "weight_matrix",
]  # fmt: skip

#: Steps of the last episode that :func:`plot_run` draws in its game trajectory.
TRAJECTORY_STEPS = 200
#: Runs of fewer episodes get a :func:`learning_curve` of labelled points.
FEW_EPISODES = 5
#: Colours of the three groups of neurons.
GROUP_COLORS = {"inputs": "tab:gray", "body": "tab:blue", "outputs": "tab:red"}



class PlotError(ValueError):
    """A plot of a run directory that cannot be drawn from the values in its
    files (the message names the directory and the plot; the cause is chained)."""


# --------------------------------------------------------------------------- helpers
def _figure(figsize: tuple[float, float] = (7.0, 4.0)) -> "Figure":
    """A figure on an Agg canvas (no pyplot, no display)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _finish(fig: "Figure", path: "str | os.PathLike[str] | None") -> "Figure":
    if path is not None:
        files.save_figure(fig, path, format="png", dpi=100)
    return fig


def _groups(n_total: int, n_inputs: int, n_outputs: int) -> list[tuple[str, int, int]]:
    """(name, first, stop) of the inputs, the body neurons that are not
    outputs, and the outputs; empty groups left out."""
    if not 0 <= n_inputs <= n_total or not 0 <= n_outputs <= n_total - n_inputs:
        raise ValueError(
            f"n_inputs ({n_inputs}) and n_outputs ({n_outputs}) must fit in the {n_total} neurons of the log"
        )
    bounds = [("inputs", 0, n_inputs), ("body", n_inputs, n_total - n_outputs), ("outputs", n_total - n_outputs, n_total)]
    return [(name, a, b) for name, a, b in bounds if b > a]


def _spike_log(spike_log: Any) -> np.ndarray:
    log = np.asarray(spike_log)
    if log.ndim != 2:
        raise ValueError(f"a spike log must be 2-D (steps, neurons); got shape {log.shape}")
    return log != 0


def _moving_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Mean of the last ``window`` values at every index (fewer at the start)."""
    sums = np.cumsum(np.concatenate([[0.0], values]))
    idx = np.arange(1, len(values) + 1)
    start = np.maximum(idx - window, 0)
    return (sums[idx] - sums[start]) / (idx - start)


def _run(run: Any):
    """A :class:`spikesim.Run` from a run directory or a Run."""
    from spikesim.training import Run, read_run

    return run if isinstance(run, Run) else read_run(run)


# --------------------------------------------------------------------------- spikes
def spike_raster(
    spike_log: Any,
    n_inputs: int = 0,
    n_outputs: int = 0,
    dt: float = 1.0,
    title: str = "Spike raster",
    path: "str | os.PathLike[str] | None" = None,
) -> "Figure":
    """A raster of a spike log: one dot per spike, time across, neuron up.

    Parameters
    ----------
    spike_log
        Array (steps, neurons), non-zero where a neuron spiked: the network's
        ``spike_log`` (inputs first, the outputs last).
    n_inputs, n_outputs
        The sizes of the first and last groups, drawn in their own colours
        (inputs grey, body blue, outputs red) and separated by lines.
    dt
        Milliseconds per step.
    """
    log = _spike_log(spike_log)
    fig = _figure()
    ax = fig.add_subplot()
    groups = _groups(log.shape[1], n_inputs, n_outputs)
    for name, first, stop in groups:
        steps, neurons = np.nonzero(log[:, first:stop])
        ax.scatter(steps * dt, neurons + first, s=4, marker="|" if log.shape[0] > 300 else "o",
                   color=GROUP_COLORS[name], label=f"{name} ({stop - first})")  # fmt: skip
    for _, first, _ in groups[1:]:
        ax.axhline(first - 0.5, color="black", linewidth=0.5)
    ax.set_xlim(-0.5 * dt, log.shape[0] * dt)
    ax.set_ylim(-0.5, log.shape[1] - 0.5)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize="small")
    return _finish(fig, path)


def firing_rates(
    spike_log: Any,
    n_inputs: int = 0,
    n_outputs: int = 0,
    dt: float = 1.0,
    bin_steps: int | None = None,
    title: str = "Firing rates",
    path: "str | os.PathLike[str] | None" = None,
) -> "Figure":
    """Mean firing rate of each group of neurons (inputs, body, outputs)
    over time, in bins of ``bin_steps`` steps (default: about 50 bins).

    The rate of a group in a bin is its number of spikes divided by its
    number of neurons and by the bin's duration, in Hz.
    """
    log = _spike_log(spike_log)
    n_steps = log.shape[0]
    if bin_steps is None:
        bin_steps = max(1, n_steps // 50)
    if bin_steps < 1:
        raise ValueError(f"bin_steps must be >= 1; got {bin_steps}")
    n_bins = max(1, math.ceil(n_steps / bin_steps))
    edges = np.minimum(np.arange(n_bins + 1) * bin_steps, n_steps)
    widths_s = np.diff(edges) * dt / 1000.0
    centres = (edges[:-1] + edges[1:]) / 2 * dt
    fig = _figure()
    ax = fig.add_subplot()
    for name, first, stop in _groups(log.shape[1], n_inputs, n_outputs):
        counts = np.add.reduceat(log[:, first:stop].sum(axis=1), edges[:-1]) if n_steps else np.zeros(n_bins)
        rates = counts / ((stop - first) * np.where(widths_s > 0, widths_s, np.inf))
        ax.plot(centres, rates, color=GROUP_COLORS[name], label=f"{name} ({stop - first})")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("firing rate (Hz)")
    ax.set_title(f"{title} (bins of {bin_steps * dt:g} ms)")
    ax.legend(loc="upper right", fontsize="small")
    return _finish(fig, path)


def spike_activity_3d(
    spike_logs: Any,
    dt: float = 1.0,
    n_inputs: int = 0,
    max_episodes: int = 20,
    title: str = "Spike activity per episode",
    path: "str | os.PathLike[str] | None" = None,
) -> "Figure":
    """Spikes of a stack of spike logs in 3-D: time, neuron and episode.

    Parameters
    ----------
    spike_logs
        Array (episodes, steps, neurons), e.g. ``run.arrays["spike_logs"]``
        (the last tick of every episode).
    n_inputs
        Leave out the first ``n_inputs`` neurons (the inputs): only the
        body neurons are drawn, numbered as in the log.
    max_episodes
        Draw at most this many episodes, evenly spaced from the first to the
        last (the title then says which).

    Examples
    --------
    >>> fig = spike_activity_3d(np.ones((1000, 5, 3)), max_episodes=5)
    >>> print(fig.axes[0].get_title())
    Spike activity per episode
    episodes 0, 250, 500, ..., 999 (5 of 1000)
    """
    logs = np.asarray(spike_logs)
    if logs.ndim != 3:
        raise ValueError(f"spike_logs must be 3-D (episodes, steps, neurons); got shape {logs.shape}")
    if isinstance(max_episodes, bool) or not isinstance(max_episodes, int) or max_episodes < 3:
        raise ValueError(f"max_episodes must be an integer of at least 3; got {max_episodes!r}")
    n = logs.shape[0]
    drawn = np.arange(n)
    if n > max_episodes:
        drawn = np.unique(np.linspace(0, n - 1, max_episodes).round().astype(int))
        title = f"{title}\nepisodes {drawn[0]}, {drawn[1]}, {drawn[2]}, ..., {drawn[-1]} ({len(drawn)} of {n})"
    logs = logs[drawn, :, n_inputs:] != 0
    fig = _figure((7.0, 5.5))
    ax = fig.add_subplot(projection="3d")
    rows, steps, neurons = np.nonzero(logs)
    episodes = drawn[rows]
    ax.scatter(steps * dt, neurons + n_inputs, episodes, c=episodes, cmap="viridis", s=3, depthshade=False,
               vmin=0, vmax=max(1, n - 1))  # fmt: skip
    ax.set_xlim(0, max(1, logs.shape[1]) * dt)
    ax.set_ylim(n_inputs, n_inputs + max(1, logs.shape[2]))
    ax.set_zlim(0, max(1, n - 1))
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron")
    ax.set_zlabel("episode")
    ax.set_title(title)
    return _finish(fig, path)


# --------------------------------------------------------------------------- weights
def weight_matrix(
    weights: Any,
    n_inputs: int = 0,
    title: str = "Weights",
    path: "str | os.PathLike[str] | None" = None,
) -> "Figure":
    """The weight matrix (pre-synaptic neuron down, post-synaptic across) as
    an image, on a colour scale symmetric around 0 (negative weights are the
    signed weights of inhibitory neurons). A line separates the inputs' rows
    from the body's."""
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2:
        raise ValueError(f"weights must be 2-D (pre, post); got shape {w.shape}")
    fig = _figure((6.0, 6.0))
    ax = fig.add_subplot()
    limit = float(np.nanmax(np.abs(w))) if w.size else 1.0
    limit = limit if limit > 0 else 1.0
    image = ax.imshow(w, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest")
    fig.colorbar(image, ax=ax, label="weight")
    if 0 < n_inputs < w.shape[0]:
        ax.axhline(n_inputs - 0.5, color="black", linewidth=0.8)
    ax.set_xlabel("post-synaptic neuron")
    ax.set_ylabel("pre-synaptic neuron")
    ax.set_title(title)
    return _finish(fig, path)


def weight_histogram(
    weights: Any,
    bins: int = 40,
    include_zeros: bool = False,
    title: str = "Weight distribution",
    path: "str | os.PathLike[str] | None" = None,
) -> "Figure":
    """A histogram of the weights: ``bins`` bars, of the non-zero entries
    only (absent synapses are 0 in a matrix) unless ``include_zeros``."""
    w = np.asarray(weights, dtype=float).ravel()
    w = w[np.isfinite(w)]
    if not include_zeros:
        w = w[w != 0]
    fig = _figure()
    ax = fig.add_subplot()
    ax.hist(w, bins=bins, color="tab:blue", edgecolor="white", linewidth=0.3)
    ax.set_xlabel("weight")
    ax.set_ylabel("synapses")
    ax.set_title(f"{title} ({w.size} synapses)")
    return _finish(fig, path)


# --------------------------------------------------------------------------- runs
def learning_curve(
    run: Any,
    key: str = "total_reward",
    window: int | None = None,
    title: str | None = None,
    path: "str | os.PathLike[str] | None" = None,
) -> "Figure":
    """``key`` (the game's total reward by default) per episode of a run,
    train and eval episodes marked apart, with a moving mean over the train
    episodes (when it spans more than one). Fewer than
    :data:`FEW_EPISODES` episodes are drawn as labelled points (a total
    reward with its episode's steps: ``781 of 800 steps``) and the x label
    says how many of each phase there are.

    Parameters
    ----------
    run
        A run directory (see :func:`spikesim.read_run`), a
        :class:`spikesim.Run`, or a sequence of episode records.
    window
        Episodes in the moving mean (default: a tenth of the train episodes,
        at least 1).

    Examples
    --------
    >>> rows = [{"episode": 0, "phase": "train", "total_reward": 781.0, "steps": 800},
    ...         {"episode": 1, "phase": "eval", "total_reward": 800.0, "steps": 800}]
    >>> ax = learning_curve(rows).axes[0]
    >>> [t.get_text() for t in ax.texts], ax.get_xlabel()
    (['781 of 800 steps', '800 of 800 steps'], 'episode (one point per episode: 1 train, 1 eval)')
    """
    if isinstance(run, (str, os.PathLike)) or hasattr(run, "episodes"):
        loaded = _run(run)
        records, config = loaded.episodes, loaded.config
    else:
        records, config = list(run), {}
    shown = [r for r in records if r.get("phase") in ("train", "eval") and key in r]
    few = 0 < len(shown) < FEW_EPISODES
    fig = _figure()
    ax = fig.add_subplot()
    counts = []
    for phase, style in (("train", dict(color="tab:blue", marker=".", linewidth=0.8)),
                         ("eval", dict(color="tab:orange", marker="s", linestyle="none"))):  # fmt: skip
        rows = [r for r in shown if r["phase"] == phase]
        if not rows:
            continue
        counts.append(f"{len(rows)} {phase}")
        episodes = np.array([r["episode"] for r in rows])
        values = np.array([float(r[key]) for r in rows])
        ax.plot(episodes, values, label=phase, **style)
        size = window or max(1, len(values) // 10) if phase == "train" else 1
        if size > 1:
            ax.plot(episodes, _moving_mean(values, size), color="black", linewidth=1.5, label=f"moving mean ({size})")
        if few:
            for row, episode, value in zip(rows, episodes, values):
                steps = f" of {row['steps']} steps" if key == "total_reward" and "steps" in row else ""
                ax.annotate(f"{value:g}{steps}", (episode, value), textcoords="offset points", xytext=(0, 7),
                            ha="center", fontsize="small")  # fmt: skip
    if not records:
        ax.text(0.5, 0.5, "no episodes", ha="center", va="center", transform=ax.transAxes)
    name = (config.get("meta") or {}).get("experiment") or config.get("network") or "run"
    ax.set_xlabel(f"episode (one point per episode: {', '.join(counts)})" if few else "episode")
    if few:
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.margins(x=0.15, y=0.2)
    ax.set_ylabel(key.replace("_", " "))
    ax.set_title(title or f"Learning curve: {name}")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize="small")
    return _finish(fig, path)


def learning_curves(
    curves: Mapping[str, Sequence[Sequence[float]]],
    window: int = 100,
    threshold: float | None = None,
    title: str = "Learning curves",
    path: "str | os.PathLike[str] | None" = None,
) -> "Figure":
    """The training returns of many seeds, one colour per label: at every
    episode the median over the seeds of the moving mean of the last
    ``window`` returns (fewer at the start), the band between the quartiles,
    and each seed's curve in a thin line; ``threshold`` (a solve threshold)
    as a dashed line.

    Parameters
    ----------
    curves
        label -> one sequence of training returns per seed (seeds that
        trained fewer episodes end their part of the band early).

    Examples
    --------
    >>> fig = learning_curves({"spiking": [[10, 20, 30], [10, 10, 40]]}, window=2, threshold=35.0)
    >>> [line.get_label() for line in fig.axes[0].get_lines() if not line.get_label().startswith("_")]
    ['spiking (median of 2 seeds)', 'solved (35)']
    """
    fig = _figure()
    ax = fig.add_subplot()
    for label, runs in curves.items():
        means = [_moving_mean(np.asarray(run, dtype=np.float64), window) for run in runs if len(run)]
        if not means:
            continue
        length = max(len(m) for m in means)
        table = np.full((len(means), length), np.nan)
        for row, m in zip(table, means):
            row[: len(m)] = m
        episodes = np.arange(length)
        with np.errstate(all="ignore"):
            median = np.nanmedian(table, axis=0)
        (line,) = ax.plot(episodes, median, linewidth=2.0, label=f"{label} (median of {len(means)} seeds)")
        with np.errstate(all="ignore"):
            low, high = np.nanpercentile(table, [25, 75], axis=0)
        ax.fill_between(episodes, low, high, color=line.get_color(), alpha=0.25, linewidth=0)
        for m in means:
            ax.plot(np.arange(len(m)), m, color=line.get_color(), linewidth=0.5, alpha=0.35)
    if threshold is not None:
        ax.axhline(threshold, color="black", linestyle="--", linewidth=1, label=f"solved ({threshold:g})")
    ax.set_xlabel("training episode")
    ax.set_ylabel(f"mean return of the last {window} episodes")
    ax.set_title(title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize="small")
    return _finish(fig, path)


def game_trajectory(
    observations: Any,
    actions: Any = None,
    rewards: Any = None,
    labels: Sequence[str] | None = None,
    first_step: int = 0,
    title: str = "Game trajectory",
    path: "str | os.PathLike[str] | None" = None,
) -> "Figure":
    """The observations of a game over its steps (one line per dimension),
    and below them the actions and rewards when given; the legends are
    right of the axes, off the data.

    Parameters
    ----------
    observations
        Array (steps, dims) or (steps,), or a sequence of records (dicts)
        holding the observation under ``"observation"``, ``"obs"`` or
        ``"state"`` and optionally ``"action"`` and ``"reward"`` (used when
        ``actions``/``rewards`` are not given).
    labels
        A name per dimension (default ``obs[i]``).
    first_step
        The number of the first step on the x axis.
    """
    items = list(observations) if not isinstance(observations, np.ndarray) else None
    if items and isinstance(items[0], Mapping):
        key = next((k for k in ("observation", "obs", "state") if k in items[0]), None)
        if key is None:
            raise ValueError(f"records must hold 'observation', 'obs' or 'state'; got keys {sorted(items[0])}")
        obs = np.array([np.ravel(r[key]) for r in items], dtype=float)
        if actions is None and "action" in items[0]:
            actions = [np.ravel(r["action"]) for r in items]
        if rewards is None and "reward" in items[0]:
            rewards = [r["reward"] for r in items]
    else:
        obs = np.asarray(observations, dtype=float)
        obs = obs.reshape(len(obs), -1)
    n_steps, n_dims = obs.shape
    if labels is not None and len(labels) != n_dims:
        raise ValueError(f"labels: expected {n_dims} names; got {len(labels)}")
    labels = list(labels) if labels is not None else [f"obs[{i}]" for i in range(n_dims)]
    extra = actions is not None or rewards is not None
    fig = _figure((7.0, 5.5 if extra else 4.0))
    axes = fig.subplots(2 if extra else 1, 1, sharex=True, squeeze=False)[:, 0]
    steps = first_step + np.arange(n_steps)
    for i in range(n_dims):
        axes[0].plot(steps, obs[:, i], label=labels[i])
    axes[0].set_ylabel("observation")
    axes[0].set_title(title)
    outside = dict(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, fontsize="small")
    if n_dims <= 10:
        axes[0].legend(**outside)
    if extra:
        ax = axes[1]
        if actions is not None:
            acts = np.array([np.ravel(a) for a in actions], dtype=float).reshape(len(actions), -1)
            for i in range(acts.shape[1]):
                label = "action" if acts.shape[1] == 1 else f"action[{i}]"
                ax.step(first_step + np.arange(len(acts)), acts[:, i], where="post", label=label)
        if rewards is not None:
            ax.plot(first_step + np.arange(len(rewards)), np.asarray(rewards, dtype=float), color="tab:green",
                    marker=".", linestyle="none", label="reward")  # fmt: skip
        ax.set_ylabel("action / reward")
        ax.legend(**outside)
    axes[-1].set_xlabel("step")
    return _finish(fig, path)


# --------------------------------------------------------------------------- searches
def read_generations(log: Any) -> list[dict]:
    """The records of a search log: a ``generations.jsonl`` file (or a
    directory holding one), one JSON object per line; a cut last line is
    skipped (see :func:`spikesim.files.read_json_lines`). A sequence of
    records is returned as a list."""
    if not isinstance(log, (str, os.PathLike)):
        return list(log)
    path = Path(log)
    if path.is_dir():
        path = path / "generations.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no search log (generations.jsonl)")
    return files.read_json_lines(path)


def fitness_per_generation(
    log: Any,
    title: str = "Fitness per generation",
    path: "str | os.PathLike[str] | None" = None,
) -> "Figure":
    """The fitness of a search over its generations: the best fitness
    (the record's ``best``, else the generation's maximum), the median, the
    quartiles and the min-max range of the generation's fitnesses (failed
    evaluations, None or NaN, left out).

    Parameters
    ----------
    log
        A ``generations.jsonl`` path, a directory holding one, or its
        records: ``{"generation": g, "fitnesses": [...], "best": {"fitness":
        f, ...}, ...}`` per generation.
    """
    records = read_generations(log)
    generations, best, stats = [], [], []
    for number, record in enumerate(records):
        values = np.array([f for f in record.get("fitnesses", ()) if f is not None], dtype=float)
        values = values[np.isfinite(values)]
        generations.append(record.get("generation", number))
        if values.size:
            stats.append(np.percentile(values, [0, 25, 50, 75, 100]))
        else:
            stats.append(np.full(5, np.nan))
        record_best = (record.get("best") or {}).get("fitness")
        best.append(float(record_best) if record_best is not None else (values.max() if values.size else np.nan))
    fig = _figure()
    ax = fig.add_subplot()
    g = np.array(generations, dtype=float)
    s = np.array(stats).reshape(-1, 5)
    ax.fill_between(g, s[:, 0], s[:, 4], color="tab:blue", alpha=0.15, label="min-max")
    ax.fill_between(g, s[:, 1], s[:, 3], color="tab:blue", alpha=0.35, label="quartiles")
    ax.plot(g, s[:, 2], color="tab:blue", marker=".", label="median")
    ax.plot(g, best, color="tab:red", marker=".", label="best")
    if not records:
        ax.text(0.5, 0.5, "no generations", ha="center", va="center", transform=ax.transAxes)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("generation")
    ax.set_ylabel("fitness")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize="small")
    return _finish(fig, path)


# --------------------------------------------------------------------------- a run's set
@contextlib.contextmanager
def _drawing(run_dir: Path, name: str):
    """Raise what fails on the values of ``run_dir``'s files as a :class:`PlotError` naming ``name``."""
    try:
        yield
    except files.CorruptFileError:
        raise
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise PlotError(f"{run_dir}: cannot draw {name} from the values in its files "
                        f"({type(error).__name__}: {error})") from error  # fmt: skip


def plot_run(run_dir: "str | os.PathLike[str]", out: "str | os.PathLike[str] | None" = None) -> list[Path]:
    """Write the plots of a run directory into ``out`` (default
    ``run_dir/plots``) and return their paths.

    Always the learning curve; with ``arrays.npz``, the raster and the
    firing rates of the last episode's spike log, the 3-D activity of the
    episodes (at most 20 of them), the weight matrix and the weight
    histogram, and the game's trajectory in the last
    :data:`TRAJECTORY_STEPS` steps of the last episode (observations,
    actions, rewards); with a search log
    (``generations.jsonl``), the fitness per generation (a search directory
    needs no ``config.json``). A plot that cannot be drawn from the values in
    the files raises :class:`PlotError`.
    """
    run_dir = Path(run_dir)
    out = run_dir / "plots" if out is None else Path(out)
    paths: list[Path] = []

    def save(name: str, draw: Any, *args: Any, **kwargs: Any) -> None:
        target = out / name
        with _drawing(run_dir, name):
            draw(*args, path=target, **kwargs)
        paths.append(target)

    search = (run_dir / "generations.jsonl").is_file()
    if search:
        name = None
        if (run_dir / "search.json").is_file():
            search_json = files.read_json(run_dir / "search.json")
            name = search_json.get("experiment") if isinstance(search_json, dict) else None
        fitness_title = "Fitness per generation" + (f": {name}" if name else "")
        if not (run_dir / "config.json").is_file():
            save("fitness.png", fitness_per_generation, run_dir, title=fitness_title)
            return paths
    run = _run(run_dir)
    with _drawing(run_dir, "its plots (config.json's n_inputs, n_outputs or dt)"):
        params = run.config.get("params", {})
        n_inputs, n_outputs = int(params.get("n_inputs", 0)), int(params.get("n_outputs", 0))
        dt = float(params.get("dt", 1.0))
    save("learning_curve.png", learning_curve, run)
    logs = run.arrays.get("spike_logs")
    if logs is not None and logs.ndim == 3 and logs.shape[0] > 0:
        last = logs[-1]
        n_outputs = n_outputs if n_inputs + n_outputs <= last.shape[1] else 0
        n_inputs = n_inputs if n_inputs <= last.shape[1] else 0
        label = f"episode {run.episodes[-1]['episode']}" if len(run.episodes) == logs.shape[0] else "last episode"
        save("spike_raster.png", spike_raster, last, n_inputs=n_inputs, n_outputs=n_outputs, dt=dt,
             title=f"Spike raster, last tick of {label}")  # fmt: skip
        save("firing_rates.png", firing_rates, last, n_inputs=n_inputs, n_outputs=n_outputs, dt=dt,
             title=f"Firing rates, last tick of {label}")  # fmt: skip
        save("spike_activity_3d.png", spike_activity_3d, logs, dt=dt, n_inputs=n_inputs,
             title="Spike activity, last tick of every episode")  # fmt: skip
    weights = run.arrays.get("weights")
    if weights is not None and weights.ndim == 2:
        save("weights.png", weight_matrix, weights, n_inputs=n_inputs, title="Weights at the end of the run")
        save("weight_histogram.png", weight_histogram, weights)
    observations = run.arrays.get("observations")
    if observations is not None and observations.ndim == 2 and observations.shape[0] > 0:
        first = max(0, observations.shape[0] - TRAJECTORY_STEPS)
        actions, rewards = (run.arrays.get(k) for k in ("actions", "rewards"))
        last = f"episode {run.episodes[-1]['episode']}" if run.episodes else "the last episode"
        shown = f", its last {TRAJECTORY_STEPS} steps" if first else ""
        save("game_trajectory.png", game_trajectory, observations[first:],
             None if actions is None else actions[first:], None if rewards is None else rewards[first:],
             first_step=first, title=f"Game trajectory, {last}{shown}")  # fmt: skip
    if search:
        save("fitness.png", fitness_per_generation, run_dir, title=fitness_title)
    return paths


# --------------------------------------------------------------------------- the paper replications
PATTERN_COLORS = {"00": "tab:gray", "01": "tab:blue", "10": "tab:green", "11": "tab:red"}


def synapse_traces(arrays: Mapping[str, np.ndarray], title: str = "One synapse under reward-modulated STDP",
                   path: "str | os.PathLike[str] | None" = None) -> "Figure":  # fmt: skip
    """Florian's Fig. 1: the pre and post spikes, the traces ``P+`` and
    ``P-``, the eligibility, the reward and the weight over time, from the
    arrays of a ``florian-fig1`` run (``t``, ``pre``, ``post``, ``p_plus``,
    ``p_minus``, ``eligibility``, ``reward``, ``weight``)."""
    t = np.asarray(arrays["t"])
    fig = _figure((7.0, 8.0))
    axes = fig.subplots(5, 1, sharex=True)
    for row, (name, color) in enumerate((("pre", "tab:blue"), ("post", "tab:red"))):
        times = t[np.asarray(arrays[name]) > 0]
        axes[0].vlines(times, row + 0.1, row + 0.9, color=color, label=name)
    axes[0].set_yticks([0.5, 1.5], ["pre", "post"])
    axes[0].set_ylabel("spikes")
    axes[1].plot(t, arrays["p_plus"], color="tab:blue", label="P+ (pre)")
    axes[1].plot(t, arrays["p_minus"], color="tab:red", label="P- (post)")
    axes[1].legend(loc="upper right", fontsize="small")
    axes[1].set_ylabel("traces")
    axes[2].plot(t, arrays["eligibility"], color="tab:purple")
    axes[2].set_ylabel("eligibility")
    axes[3].plot(t, arrays["reward"], color="tab:orange", drawstyle="steps-post")
    axes[3].set_ylabel("reward")
    axes[4].plot(t, arrays["weight"], color="black")
    axes[4].set_ylabel("weight (mV)")
    axes[4].set_xlabel("time (ms)")
    axes[0].set_title(title)
    return _finish(fig, path)


def pattern_rates(trained: Any, frozen: Any = None, title: str | None = None,
                  path: "str | os.PathLike[str] | None" = None) -> "Figure":  # fmt: skip
    """The output rate for each input pattern over the epochs: the mean over
    runs (a band between the 25th and 75th percentiles), trained beside
    frozen. ``trained`` and ``frozen``: arrays (runs, epochs, 4) or
    (epochs, 4) of rates in Hz, columns 00, 01, 10, 11."""
    panels = [("trained", trained)] + ([("frozen twins", frozen)] if frozen is not None else [])
    fig = _figure((4.5 * len(panels), 3.8))
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    for ax, (name, rates) in zip(axes, panels):
        rates = np.asarray(rates, dtype=float)
        rates = rates[None] if rates.ndim == 2 else rates
        epochs = np.arange(1, rates.shape[1] + 1)
        for c, pattern in enumerate(PATTERN_COLORS):
            color = PATTERN_COLORS[pattern]
            ax.plot(epochs, np.nanmean(rates[:, :, c], axis=0), color=color, label=pattern)
            if rates.shape[0] > 1:
                low, high = np.nanpercentile(rates[:, :, c], [25, 75], axis=0)
                ax.fill_between(epochs, low, high, color=color, alpha=0.15, linewidth=0)
        ax.set_title(f"{name} ({rates.shape[0]} run{'s' if rates.shape[0] > 1 else ''})")
        ax.set_xlabel("epoch")
    axes[0].set_ylabel("output rate (Hz)")
    axes[-1].legend(title="pattern", loc="upper left", fontsize="small")
    if title:
        fig.suptitle(title)
    return _finish(fig, path)


def rewarded_weight(traces: Sequence[np.ndarray], means: Sequence[np.ndarray] | None = None,
                    labels: Sequence[str] | None = None, title: str = "Rewarded synapse",
                    path: "str | os.PathLike[str] | None" = None, named: int = 8) -> "Figure":  # fmt: skip
    """The rewarded synapse's weight over time (one line per run, per
    second, named by ``labels``), and the mean excitatory weight (dashed)
    when given. With more than ``named`` runs, the first three are drawn
    in colour and named, the others thin and grey, with the median of all
    the runs' weights (black) and the mean of their excitatory means."""
    fig = _figure()
    ax = fig.add_subplot()
    many = len(traces) > named
    for k, trace in enumerate(traces):
        minutes = np.arange(1, len(trace) + 1) / 60.0
        label = labels[k] if labels is not None else f"run {k + 1}" if len(traces) > 1 else "rewarded synapse"
        if many and k >= 3:
            ax.plot(minutes, trace, color="gray", linewidth=0.5, alpha=0.4, label="other runs" if k == 3 else None)
            continue
        ax.plot(minutes, trace, color=f"C{k}", linewidth=1.2, label=label)
        if means is not None and not many:
            ax.plot(minutes, means[k], color=f"C{k}", linestyle="--", linewidth=0.8)
    if many:
        length = min(len(trace) for trace in traces)
        minutes = np.arange(1, length + 1) / 60.0
        median = np.median([trace[:length] for trace in traces], axis=0)
        ax.plot(minutes, median, color="black", linewidth=1.5, label=f"median of {len(traces)} runs")
        if means is not None:
            ax.plot(minutes, np.mean([m[:length] for m in means], axis=0), color="black", linestyle="--", linewidth=1.0)
    ax.axhline(3.8, color="gray", linewidth=0.5, linestyle=":")
    ax.set_xlabel("time (min)")
    ax.set_ylabel("weight (mV)")
    ax.set_title(title + (" (dashed: mean excitatory weight)" if means is not None else ""))
    ax.legend(loc="center right", fontsize="x-small", ncol=1 if many else 1 + len(traces) // 8)
    return _finish(fig, path)


def weight_histogram_end(weights: np.ndarray, marked: float | None = None, bins: int = 40,
                         title: str = "Excitatory weights at the end of the hour",
                         path: "str | os.PathLike[str] | None" = None) -> "Figure":  # fmt: skip
    """A histogram of the excitatory weights (log count), the rewarded
    synapse's weight ``marked`` as a vertical line."""
    fig = _figure()
    ax = fig.add_subplot()
    ax.hist(np.asarray(weights, dtype=float), bins=bins, range=(0.0, 4.0), color="tab:blue", edgecolor="white",
            linewidth=0.3, log=True)  # fmt: skip
    if marked is not None:
        ax.axvline(marked, color="tab:red", label=f"rewarded synapse ({marked:.2f} mV)")
        ax.legend(loc="upper right", fontsize="small")
    ax.set_xlabel("weight (mV)")
    ax.set_ylabel("synapses")
    ax.set_title(f"{title} ({np.size(weights)} synapses)")
    return _finish(fig, path)


def conditioning(events: np.ndarray, set_weights_over_time: np.ndarray, bin_s: float = 300.0, snapshot_s: float = 60.0,
                 title: str = "Classical conditioning",
                 path: "str | os.PathLike[str] | None" = None) -> "Figure":  # fmt: skip
    """Left: the response (spikes in the 20 ms after a pulse) to S1 and to
    the other sets, mean per ``bin_s`` seconds. Right: the mean outgoing
    excitatory weight of S1 and of the other sets (the band from their
    minimum to their maximum), per snapshot. ``events``: rows (set, step,
    response); ``set_weights_over_time``: (snapshots, sets)."""
    events = np.asarray(events)
    fig = _figure((9.0, 3.8))
    left, right = fig.subplots(1, 2)
    bins = (events[:, 1] // (bin_s * 1000.0)).astype(int) if events.size else np.zeros(0, int)
    for name, mask, color in (("S1", events[:, 0] == 0, "tab:red"), ("other sets", events[:, 0] != 0, "tab:gray")):
        used = np.unique(bins[mask])
        means = [events[mask & (bins == b), 2].mean() for b in used]
        left.plot((used + 0.5) * bin_s / 60.0, means, marker="o", color=color, label=name)
    left.set_xlabel("time (min)")
    left.set_ylabel("response (spikes in 20 ms)")
    left.legend(loc="upper left", fontsize="small")
    weights = np.asarray(set_weights_over_time, dtype=float)
    if weights.size:
        minutes = np.arange(1, weights.shape[0] + 1) * snapshot_s / 60.0
        right.fill_between(minutes, weights[:, 1:].min(axis=1), weights[:, 1:].max(axis=1), color="tab:gray",
                           alpha=0.3, linewidth=0, label="other sets (min-max)")  # fmt: skip
        right.plot(minutes, weights[:, 1:].mean(axis=1), color="tab:gray", label="other sets (mean)")
        right.plot(minutes, weights[:, 0], color="tab:red", label="S1")
        right.legend(loc="upper right", fontsize="small")
    right.set_xlabel("time (min)")
    right.set_ylabel("mean outgoing weight (mV)")
    fig.suptitle(title)
    return _finish(fig, path)
