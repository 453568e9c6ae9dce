"""Plots: the data each figure draws (known answers), its axes and labels,
and the PNG files; no pixel comparisons."""
from __future__ import annotations

import json
import struct
import subprocess
import sys

import numpy as np
import pytest

from spikesim import viz


def png_size(path) -> tuple[int, int]:
    """Width and height of a PNG file (from its header), after checking
    it is a non-empty PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) > 1000
    return struct.unpack(">II", data[16:24])


def write_run(directory, episodes, arrays=None, experiment="demo"):
    """A run directory written by hand, as spikesim.train writes one."""
    directory.mkdir(parents=True, exist_ok=True)
    config = {"network": "Net", "params": {"n_inputs": 2, "n_outputs": 1, "dt": 1.0}, "meta": {"experiment": experiment}}
    (directory / "config.json").write_text(json.dumps(config))
    (directory / "episodes.jsonl").write_text("".join(json.dumps(r) + "\n" for r in episodes))
    if arrays is not None:
        np.savez_compressed(directory / "arrays.npz", **arrays)
    return directory


def records(values, phases):
    return [{"episode": i, "phase": p, "total_reward": v, "steps": 10} for i, (v, p) in enumerate(zip(values, phases))]


def test_importing_viz_does_not_import_matplotlib():
    code = "import sys, spikesim.viz; assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --------------------------------------------------------------------------- spikes
def test_spike_raster_draws_each_spike_in_its_group(tmp_path):
    log = np.zeros((10, 5), dtype=bool)  # 2 inputs, 2 body neurons, 1 output
    spikes = {(0, 0), (3, 1), (4, 2), (9, 3), (7, 4), (8, 4)}
    for step, neuron in spikes:
        log[step, neuron] = True
    fig = viz.spike_raster(log, n_inputs=2, n_outputs=1, dt=0.5, path=tmp_path / "raster.png")
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("time (ms)", "neuron", "Spike raster")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["inputs (2)", "body (2)", "outputs (1)"]
    inputs, body, outputs = (sorted(map(tuple, c.get_offsets().tolist())) for c in ax.collections)
    assert inputs == [(0.0, 0.0), (1.5, 1.0)]  # (step * dt, neuron)
    assert body == [(2.0, 2.0), (4.5, 3.0)]
    assert outputs == [(3.5, 4.0), (4.0, 4.0)]
    assert [line.get_ydata()[0] for line in ax.get_lines()] == [1.5, 3.5]  # the group boundaries
    assert png_size(tmp_path / "raster.png") == (700, 400)


def test_spike_raster_checks_its_input():
    with pytest.raises(ValueError, match="2-D"):
        viz.spike_raster(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="must fit"):
        viz.spike_raster(np.zeros((5, 3)), n_inputs=2, n_outputs=2)


def test_firing_rates_are_spikes_per_neuron_per_second_in_each_bin():
    log = np.zeros((20, 5), dtype=bool)  # 2 inputs, 2 body, 1 output; dt = 0.5 ms, bins of 5 steps = 2.5 ms
    log[:10, 0] = True  # inputs: 5 spikes per bin in the first two bins
    log[12, 2] = True  # body: one spike in the third bin
    log[::2, 4] = True  # output: steps 0, 2, 4 | 6, 8 | 10, 12, 14 | 16, 18
    fig = viz.firing_rates(log, n_inputs=2, n_outputs=1, dt=0.5, bin_steps=5)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines) == ["inputs (2)", "body (2)", "outputs (1)"]
    np.testing.assert_allclose(lines["inputs (2)"].get_xdata(), [1.25, 3.75, 6.25, 8.75])
    np.testing.assert_allclose(lines["inputs (2)"].get_ydata(), [1000, 1000, 0, 0])  # 5 / (2 * 2.5 ms)
    np.testing.assert_allclose(lines["body (2)"].get_ydata(), [0, 0, 200, 0])  # 1 / (2 * 2.5 ms)
    np.testing.assert_allclose(lines["outputs (1)"].get_ydata(), [1200, 800, 1200, 800])  # 3 or 2 / 2.5 ms
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("time (ms)", "firing rate (Hz)")
    assert ax.get_title() == "Firing rates (bins of 2.5 ms)"


def test_firing_rates_last_partial_bin_uses_its_own_width():
    log = np.ones((7, 1), dtype=bool)  # one neuron firing every 1 ms step: 1000 Hz
    line = viz.firing_rates(log, bin_steps=5).axes[0].get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), [2.5, 6.0])
    np.testing.assert_allclose(line.get_ydata(), [1000.0, 1000.0])
    with pytest.raises(ValueError, match="bin_steps"):
        viz.firing_rates(log, bin_steps=0)


def test_spike_activity_3d_draws_body_spikes_at_time_neuron_episode():
    logs = np.zeros((3, 4, 5), dtype=bool)
    logs[0, 1, 3] = logs[2, 3, 4] = True
    logs[1, 0, 0] = True  # an input spike: left out with n_inputs=2
    fig = viz.spike_activity_3d(logs, dt=2.0, n_inputs=2)
    ax = fig.axes[0]
    assert ax.name == "3d"
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_zlabel()) == ("time (ms)", "neuron", "episode")
    (points,) = ax.collections
    xs, ys, zs = (np.asarray(a) for a in points._offsets3d)
    assert sorted(zip(xs.tolist(), ys.tolist(), zs.tolist())) == [(2.0, 3.0, 0.0), (6.0, 4.0, 2.0)]
    assert ax.get_zlim() == (0.0, 2.0)
    with pytest.raises(ValueError, match="3-D"):
        viz.spike_activity_3d(np.zeros((4, 5)))


def test_spike_activity_3d_draws_at_most_max_episodes_evenly_spaced_and_says_which():
    logs = np.zeros((1000, 3, 2), dtype=bool)
    logs[:, 1, 1] = True  # one spike per episode
    ax = viz.spike_activity_3d(logs, n_inputs=1).axes[0]
    zs = np.asarray(ax.collections[0]._offsets3d[2])
    assert len(zs) == 20 and zs[0] == 0 and zs[-1] == 999  # 20 episodes (the default), the first and the last
    assert set(np.diff(zs)) == {52, 53}  # evenly spaced: 999 / 19 = 52.6
    assert ax.get_title() == "Spike activity per episode\nepisodes 0, 53, 105, ..., 999 (20 of 1000)"
    assert ax.get_zlim() == (0.0, 999.0)
    few = viz.spike_activity_3d(logs[:20], n_inputs=1).axes[0]
    assert len(few.collections[0]._offsets3d[2]) == 20 and few.get_title() == "Spike activity per episode"
    five = viz.spike_activity_3d(logs[:21], max_episodes=5).axes[0]
    assert np.asarray(five.collections[0]._offsets3d[2]).tolist() == [0, 5, 10, 15, 20]
    with pytest.raises(ValueError, match="max_episodes must be an integer of at least 3; got 2"):
        viz.spike_activity_3d(logs, max_episodes=2)


# --------------------------------------------------------------------------- weights
def test_weight_matrix_is_one_image_on_a_symmetric_scale():
    w = np.array([[0.0, 1.0, 2.0], [-4.0, 0.0, 3.0], [0.5, 0.5, 0.5]])
    fig = viz.weight_matrix(w, n_inputs=2)
    ax = fig.axes[0]
    (image,) = ax.get_images()
    np.testing.assert_array_equal(image.get_array(), w)
    assert image.get_clim() == (-4.0, 4.0)
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "weight"  # the colour bar
    assert [line.get_ydata()[0] for line in ax.get_lines()] == [1.5]  # inputs | body
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("post-synaptic neuron", "pre-synaptic neuron", "Weights")


def test_weight_histogram_counts_the_synapses():
    w = np.array([[0.0, 1.0, 2.0], [-1.0, 0.0, 3.0]])
    ax = viz.weight_histogram(w, bins=4).axes[0]
    assert len(ax.patches) == 4
    assert sum(p.get_height() for p in ax.patches) == 4  # the non-zero weights
    assert [p.get_height() for p in ax.patches] == [1, 0, 1, 2]  # -1 | | 1 | 2, 3 (edges -1, 0, 1, 2, 3)
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("weight", "synapses", "Weight distribution (4 synapses)")
    ax = viz.weight_histogram(w, bins=4, include_zeros=True).axes[0]
    assert [p.get_height() for p in ax.patches] == [1, 2, 1, 2]  # the two zeros in [0, 1)


def test_rewarded_weight_draws_every_run_and_the_median_of_many():
    traces = [np.full(120, float(k)) for k in range(10)]
    means = [np.full(120, 0.5 + k) for k in range(10)]
    ax = viz.rewarded_weight(traces[:2], means[:2], labels=["a", "b"]).axes[0]
    lines = ax.get_lines()
    assert [line.get_label() for line in lines[:4:2]] == ["a", "b"] and lines[1].get_linestyle() == "--"
    assert lines[0].get_xdata()[-1] == 2.0 and lines[3].get_ydata()[0] == 1.5  # minutes; b's mean
    ax = viz.rewarded_weight(traces, means).axes[0]
    named = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert named == ["run 1", "run 2", "run 3", "other runs", "median of 10 runs"]
    median, mean = ax.get_lines()[-3:-1]
    assert median.get_ydata()[0] == 4.5 and mean.get_ydata()[0] == 5.0 and mean.get_linestyle() == "--"
    assert len(ax.get_lines()) == 10 + 2 + 1  # the runs, median and mean, the 3.8 mV line


# --------------------------------------------------------------------------- runs and games
def test_learning_curve_marks_phases_and_draws_a_moving_mean(tmp_path):
    run = write_run(tmp_path / "run", records([1.0, 3.0, 5.0, 7.0, 4.0], ["train"] * 4 + ["eval"]), experiment="xor")
    ax = viz.learning_curve(run, window=2).axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"train", "eval", "moving mean (2)"}
    np.testing.assert_array_equal(lines["train"].get_xdata(), [0, 1, 2, 3])
    np.testing.assert_array_equal(lines["train"].get_ydata(), [1, 3, 5, 7])
    np.testing.assert_array_equal(lines["eval"].get_xdata(), [4])
    np.testing.assert_array_equal(lines["eval"].get_ydata(), [4])
    np.testing.assert_allclose(lines["moving mean (2)"].get_ydata(), [1, 2, 4, 6])
    assert (ax.get_ylabel(), ax.get_title()) == ("total reward", "Learning curve: xor")
    assert ax.get_xlabel() == "episode"  # 5 episodes: a curve, no labelled points


def test_learning_curve_from_records_with_the_default_window():
    rows = records(list(range(20)), ["train"] * 20)
    lines = {line.get_label(): line for line in viz.learning_curve(rows).axes[0].get_lines()}
    mean = lines["moving mean (2)"].get_ydata()  # a tenth of 20 episodes
    np.testing.assert_allclose(mean, [0] + [i - 0.5 for i in range(1, 20)])
    empty = viz.learning_curve([]).axes[0]
    assert empty.get_lines() == [] and empty.texts[0].get_text() == "no episodes"


def test_learning_curve_of_a_run_of_two_episodes_labels_its_two_points(tmp_path):
    # a run of one train episode of 800 steps and one eval episode
    rows = [{"episode": 0, "phase": "train", "total_reward": 781.0, "steps": 800},
            {"episode": 1, "phase": "eval", "total_reward": 800.0, "steps": 800}]  # fmt: skip
    ax = viz.learning_curve(write_run(tmp_path / "xor", rows, experiment="xor")).axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"train", "eval"}  # no moving mean of one episode
    assert sum(len(line.get_xdata()) for line in ax.get_lines()) == 2
    labels = [(t.get_text(), t.xy) for t in ax.texts]
    assert labels == [("781 of 800 steps", (0, 781.0)), ("800 of 800 steps", (1, 800.0))]
    assert ax.get_xlabel() == "episode (one point per episode: 1 train, 1 eval)"
    assert [tick for tick in ax.get_xticks() if 0 <= tick <= 1] == [0, 1]  # no episode 0.2
    many = viz.learning_curve(records(list(range(5)), ["train"] * 5)).axes[0]
    assert len(many.texts) == 0 and many.get_xlabel() == "episode"  # from FEW_EPISODES = 5 on, a curve


def test_game_trajectory_from_arrays_and_from_records():
    obs = np.array([[0.0, 1.0], [0.5, 0.8], [1.0, 0.6]])
    fig = viz.game_trajectory(obs, labels=["x", "v"])
    (ax,) = fig.axes
    assert [line.get_label() for line in ax.get_lines()] == ["x", "v"]
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), [1.0, 0.8, 0.6])
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("step", "observation", "Game trajectory")

    steps = [{"observation": o, "action": a, "reward": r} for o, a, r in zip(obs, [1, 0, 1], [1.0, 1.0, 0.0])]
    top, bottom = viz.game_trajectory(steps).axes
    assert [line.get_label() for line in top.get_lines()] == ["obs[0]", "obs[1]"]
    np.testing.assert_array_equal(top.get_lines()[0].get_ydata(), [0.0, 0.5, 1.0])
    lines = {line.get_label(): line for line in bottom.get_lines()}
    np.testing.assert_array_equal(lines["action"].get_ydata(), [1, 0, 1])
    np.testing.assert_array_equal(lines["reward"].get_ydata(), [1.0, 1.0, 0.0])
    assert bottom.get_xlabel() == "step" and bottom.get_ylabel() == "action / reward"
    with pytest.raises(ValueError, match="'observation', 'obs' or 'state'"):
        viz.game_trajectory([{"x": 1}])
    with pytest.raises(ValueError, match="expected 2 names"):
        viz.game_trajectory(obs, labels=["x"])


def test_game_trajectory_legends_are_right_of_the_axes_off_the_data():
    rng = np.random.default_rng(0)
    fig = viz.game_trajectory(rng.random((50, 4)), rng.integers(0, 2, (50, 1)), np.ones(50))
    fig.canvas.draw()
    for ax in fig.axes:
        legend, box = ax.get_legend().get_window_extent(), ax.get_window_extent()
        assert legend.x0 > box.x1 and box.y0 <= legend.y1 <= box.y1  # beside the axes, top aligned, inside the figure
        assert legend.x1 <= fig.bbox.x1


# --------------------------------------------------------------------------- searches
def write_search(directory):
    directory.mkdir(parents=True, exist_ok=True)
    lines = [
        {"generation": 0, "genotypes": [{}] * 5, "fitnesses": [1, 2, 3, 4, 5], "best": {"genotype": {}, "fitness": 5}},
        {"generation": 1, "genotypes": [{}] * 4, "fitnesses": [2, None, 6, float("nan")],
         "best": {"genotype": {}, "fitness": 7}},  # fmt: skip
        {"generation": 2, "genotypes": [], "fitnesses": [], "best": None},
    ]
    text = "".join(json.dumps(r) + "\n" for r in lines) + '{"generation": 3, "fitn'  # killed while writing
    (directory / "generations.jsonl").write_text(text)
    return directory


def test_fitness_per_generation_draws_best_median_and_spread(tmp_path):
    log = write_search(tmp_path / "search") / "generations.jsonl"
    ax = viz.fitness_per_generation(log).axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["median"].get_xdata(), [0, 1, 2])
    np.testing.assert_array_equal(lines["median"].get_ydata(), [3, 4, np.nan])  # failed evaluations left out
    np.testing.assert_array_equal(lines["best"].get_ydata(), [5, 7, np.nan])
    assert [c.get_label() for c in ax.collections] == ["min-max", "quartiles"]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("generation", "fitness", "Fitness per generation")
    # records work too, and the best defaults to the generation's maximum
    ax = viz.fitness_per_generation([{"generation": 0, "fitnesses": [0.5, 0.25]}]).axes[0]
    assert {line.get_label(): line.get_ydata()[0] for line in ax.get_lines()} == {"median": 0.375, "best": 0.5}
    with pytest.raises(FileNotFoundError, match="generations.jsonl"):
        viz.fitness_per_generation(tmp_path / "nothing")


# --------------------------------------------------------------------------- a run's set
def test_plot_run_writes_the_set_of_a_run_directory(tmp_path, monkeypatch):
    drawn = []

    def trajectory(*args, **kwargs):
        drawn.append(kwargs["title"])
        fig = game_trajectory(*args, **kwargs)
        drawn.extend((line.get_xdata(), line.get_ydata()) for ax in fig.axes for line in ax.get_lines())
        return fig

    game_trajectory = viz.game_trajectory
    monkeypatch.setattr(viz, "game_trajectory", trajectory)
    monkeypatch.setattr(viz, "TRAJECTORY_STEPS", 4)
    rng = np.random.default_rng(3)
    arrays = {"spike_logs": rng.random((4, 10, 5)) < 0.3, "weights": rng.uniform(-1, 1, (5, 3)),
              "observations": rng.random((6, 2)), "actions": rng.integers(0, 2, (6, 1)), "rewards": np.arange(6.0)}
    run = write_run(tmp_path / "full", records([1, 2, 3, 2], ["train"] * 3 + ["eval"]), arrays)
    paths = viz.plot_run(run)
    assert [p.name for p in paths] == ["learning_curve.png", "spike_raster.png", "firing_rates.png",
                                       "spike_activity_3d.png", "weights.png", "weight_histogram.png",
                                       "game_trajectory.png"]  # fmt: skip
    # the last 4 steps (2-5) of the last episode: 2 observation lines, then the action and the rewards
    assert drawn[0] == "Game trajectory, episode 3, its last 4 steps" and len(drawn) == 5
    for (x, y), expected in zip(drawn[1:], [*arrays["observations"].T, arrays["actions"][:, 0], arrays["rewards"]]):
        np.testing.assert_array_equal(x, [2, 3, 4, 5])
        np.testing.assert_array_equal(y, expected[2:])
    assert all(p.parent == run / "plots" for p in paths)
    assert png_size(run / "plots" / "weights.png") == (600, 600)
    for path in paths:
        png_size(path)

    bare = write_run(tmp_path / "bare", records([1, 2], ["train", "eval"]))
    assert [p.name for p in viz.plot_run(bare, out=tmp_path / "elsewhere")] == ["learning_curve.png"]
    png_size(tmp_path / "elsewhere" / "learning_curve.png")

    search = write_search(tmp_path / "search")
    (search / "search.json").write_text(json.dumps({"experiment": "xor"}))
    (fitness,) = viz.plot_run(search)
    png_size(fitness)
    with pytest.raises(FileNotFoundError, match="not a run directory"):
        viz.plot_run(tmp_path / "missing")


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(viz)
    assert result.attempted > 0 and result.failed == 0
