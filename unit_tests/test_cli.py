"""The ``spikesim`` command, through ``spikesim.cli.main(argv)`` (its exit
code, standard output and error) and once through ``python -m spikesim``."""
from __future__ import annotations

import contextlib
import doctest
import importlib.machinery
import io
import json
import re
import shutil
import subprocess
import sys
import types

import numpy as np
import pytest

from spikesim import cli, experiments, read_run
from spikesim.commands import common
from spikesim.experiments.registry import Experiment

#: A short schedule of the xor experiment: 3 episodes of 5 ticks of 20 ms.
SHORT = ["--episodes", "2", "--eval-episodes", "1", "--len-episode", "5", "--set", "processing_time=20", "--no-progress"]


def run_main(*argv: str) -> tuple[int, str, str]:
    """``cli.main(argv)``: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def xor_run(tmp_path_factory):
    """One short xor run (learning_rate and preset overridden) with its plots."""
    out = tmp_path_factory.mktemp("cli") / "xor-run"
    result = run_main("run", "xor", *SHORT, "--seed", "3", "--set", "learning_rate=0.1", "--set", "preset=AND",
                      "--out", str(out))  # fmt: skip
    return out, result


# --------------------------------------------------------------------------- run
def test_run_writes_a_run_directory_with_plots_and_reports_the_metric(xor_run):
    out, (code, stdout, stderr) = xor_run
    assert code == 0, stderr
    summary = json.loads((out / "summary.json").read_text())
    lines = stdout.splitlines()
    verdict = "reached" if summary["success"] else "not reached"
    assert lines[0] == f"xor: fraction of correct actions in evaluation = {summary['metric']:.4g} (target 0.9: {verdict})"
    assert lines[1] == f"run directory: {out} (seed 3)"
    assert lines[2] == f"plots: {out / 'plots'} (7 files)"
    run = read_run(out)
    assert [r["phase"] for r in run.episodes] == ["train", "train", "eval"]
    assert [r["steps"] for r in run.episodes] == [5, 5, 5]
    params = run.config["params"]
    assert (params["processing_time"], params["learning_rate"], params["seed"]) == (20, 0.1, 3)
    assert params["expected_value"] == "spikesim.games.logic:logic_and"  # --set preset=AND reached the game
    assert run.config["meta"]["overrides"] == {"processing_time": 20, "learning_rate": 0.1, "preset": "AND"}
    assert run.arrays["spike_logs"].shape == (3, 20, 121)
    # the eval episode's trajectory: 5 states of 2 bits, the actions, and Logic's reward 1 for a correct (AND) action
    observations, actions, rewards = (run.arrays[k] for k in ("observations", "actions", "rewards"))
    assert observations.shape == (5, 2) and actions.shape == (5, 1)
    np.testing.assert_array_equal(rewards, actions[:, 0] == observations.min(axis=1))
    assert rewards.sum() == run.episodes[-1]["total_reward"]
    # the metric is the eval episode's reward per step
    assert summary["metric"] == run.episodes[-1]["total_reward"] / 5
    assert sorted(p.name for p in (out / "plots").iterdir()) == [
        "firing_rates.png", "game_trajectory.png", "learning_curve.png", "spike_activity_3d.png", "spike_raster.png",
        "weight_histogram.png", "weights.png",
    ]  # fmt: skip
    assert all((out / "plots" / name).stat().st_size > 1000 for name in ("learning_curve.png", "weights.png"))


def test_run_numpy_engine_plays_the_same_episodes(xor_run, tmp_path):
    out, _ = xor_run
    code, stdout, stderr = run_main("run", "xor", *SHORT, "--seed", "3", "--set", "learning_rate=0.1",
                                    "--set", "preset=AND", "--engine", "numpy", "--out", str(tmp_path / "np"),
                                    "--no-plots", "--no-arrays")  # fmt: skip
    assert code == 0, stderr
    assert "plots:" not in stdout and not (tmp_path / "np" / "arrays.npz").exists()
    numba_run, numpy_run = read_run(out), read_run(tmp_path / "np")
    assert numpy_run.config["params"]["engine"] == "numpy"
    keys = ("total_reward", "network_reward", "spikes_per_tick")
    assert [[r[k] for k in keys] for r in numpy_run.episodes] == [[r[k] for k in keys] for r in numba_run.episodes]


def test_run_default_directory_is_named_after_the_experiment_and_time(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = run_main("run", "xor", *SHORT, "--no-plots", "--no-arrays")  # the experiment's seed, 1
    assert code == 0, stderr
    (directory,) = (tmp_path / "runs").iterdir()
    assert re.fullmatch(r"xor-\d{8}-\d{6}", directory.name)
    assert f"run directory: {directory.relative_to(tmp_path)} (seed 1)" in stdout
    assert common.default_out("gym:CartPole-v1").name.startswith("gym-CartPole-v1-")
    assert common.default_out("xor", prefix="evolve-").name.startswith("evolve-xor-")


def test_default_directories_of_the_same_second_differ(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(common, "_claimed", [])
    monkeypatch.setattr(common.time, "strftime", lambda pattern: "20261203-190000")
    first, second = common.default_out("xor"), common.default_out("xor")
    assert (first.name, second.name) == ("xor-20261203-190000", "xor-20261203-190000-2")
    assert first.is_dir() and second.is_dir() and not any(first.iterdir())  # claimed, empty
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "runs").write_text("a file where the runs directory would go")
    monkeypatch.chdir(elsewhere)
    assert common.default_out("xor").name == "xor-20261203-190000"  # not creatable: named, for the check to report
    common.release_unused_outs()  # the two empty ones go, and runs/ with them
    assert not (tmp_path / "runs").exists()


def test_interrupted_run_exits_130_and_names_the_directory(tmp_path, monkeypatch):
    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Experiment, "run", interrupted)
    code, stdout, stderr = run_main("run", "xor", "--out", str(tmp_path / "x"), "--no-progress")
    assert code == 130 and stderr == f"spikesim: interrupted; {tmp_path / 'x'} keeps the finished episodes\n"


# --------------------------------------------------------------------------- plot, list, keys
def test_plot_writes_the_plots_of_a_run_directory(xor_run, tmp_path):
    out, _ = xor_run
    copy = tmp_path / "run"  # the xor run without its arrays: the learning curve only (the full set: test_viz)
    shutil.copytree(out, copy, ignore=shutil.ignore_patterns("arrays.npz", "plots"))
    code, stdout, stderr = run_main("plot", str(copy))
    assert code == 0, stderr
    assert stdout.splitlines() == [str(copy / "plots" / "learning_curve.png")]
    assert (copy / "plots" / "learning_curve.png").stat().st_size > 1000
    code, stdout, stderr = run_main("plot", str(copy), "--out", str(tmp_path / "elsewhere"))
    assert code == 0 and stdout.splitlines() == [str(tmp_path / "elsewhere" / "learning_curve.png")]


def test_list_shows_each_experiment_with_its_metric_and_target():
    code, stdout, stderr = run_main("list")
    assert code == 0 and stderr == ""
    header, rule, *rows = stdout.splitlines()
    assert header.split() == ["experiment", "target", "metric", "description"] and set(rule) == {"-"}
    for name in experiments.names():
        e = experiments.get(name)
        (row,) = [r for r in rows if r.split()[0] == name]
        assert e.metric_name in row and e.description in row
    (xor,) = [r for r in rows if r.startswith("xor ")]
    assert xor.split()[1] == "0.9"


def test_keys_lists_every_parameter_with_the_experiments_values():
    code, stdout, stderr = run_main("keys", "xor")
    assert code == 0 and stderr == ""
    lines = stdout.splitlines()
    assert lines[0].split() == ["key", "type", "value", "range", "/", "choices", "part", "doc"]
    assert lines[-1] == "* differs from the declared default: set by the experiment 'xor', its game or its network"
    names = [line.split()[0] for line in lines[2:-1]]
    assert sorted(names) == sorted(experiments.get("xor").namespace())  # every key, once
    row = {line.split()[0]: line for line in lines[2:-1]}
    columns = [m.start() for m in re.finditer(r"(?<=  )\S", lines[0])]  # where value, range, part, doc start

    def cells(key):
        line = row[key]
        return [line[a:b].strip() for a, b in zip([0, *columns], [*columns, None])]

    assert cells("learning_rate") == ["learning_rate", "float", "0.625 *", "[0, inf)", "MSTDPET",
                                      "learning rate (gamma): scale of every weight change"]  # fmt: skip
    assert cells("reward_mult")[2:5] == ["1", "", "MatchExpected"]  # a default: no star
    assert cells("input_polarities")[2] == "[1, 1, -1, -1, ...] (60) *"
    assert cells("expected_value")[2] == "logic_xor *"  # from the game's preset
    assert cells("preset")[2:5] == ["'XOR'", "'AND', 'OR', 'XOR', 'NAND', 'NOR'", "Logic"]  # the experiment's preset
    assert cells("seed")[2] == "1 *" and cells("engine")[2:4] == ["'numba'", "'numba', 'numpy'"]


def test_help_and_version_exit_zero():
    code, stdout, _ = run_main("--help")
    assert code == 0 and all(c in stdout for c in ("list", "keys", "run", "plot", "evolve"))
    code, stdout, _ = run_main("--version")
    assert code == 0 and stdout.strip().startswith("spikesim ")
    code, _, stderr = run_main()
    assert code == 2 and stderr.startswith("usage: spikesim")


# --------------------------------------------------------------------------- errors
ERRORS = [
    (("run", "xr"), 2, r"no experiment named 'xr'; did you mean 'xor'\?"),
    (("keys", "xr"), 2, r"no experiment named 'xr'; did you mean 'xor'\?"),
    (("run", "XOR"), 2, r"no experiment named 'XOR'; did you mean 'xor'\?"),  # names are matched without case
    (("run", "xor", "--set", "learnig_rate=0.1"), 2, r"unknown key 'learnig_rate'; did you mean 'learning_rate'\?"),
    (("run", "xor", "--set", "learning_rate=abc"), 2, r"MSTDPET: key 'learning_rate' expects a number in \[0, inf\); got 'abc'"),
    (("run", "xor", "--set", "learning_rate=-1"), 2, r"key 'learning_rate' expects a number in \[0, inf\); got -1"),
    (("run", "xor", "--set", "preset=AN"), 2, r"Logic: unknown preset 'AN'; did you mean 'AND'\?"),
    (("run", "xor", "--set", "learning_rate"), 2, r"--set expects KEY=VALUE; got 'learning_rate'"),
    (("run", "xor", "--set", "=1"), 2, r"--set expects KEY=VALUE; got '=1'"),
    (("run", "xor", "--set", "expected_value=nowhere:f"), 2, r"--set expected_value: cannot import 'nowhere:f'"),
    (("run", "xor", "--episodes", "-1"), 2, r"^spikesim run: error: argument --episodes: expected an integer >= 0; got -1"),
    (("run", "xor", "--engine", "jit"), 2, r"argument --engine: invalid choice: 'jit'"),
    (("run",), 2, r"^spikesim run: error: the following arguments are required: experiment"),
    (("frobnicate",), 2, r"invalid choice: 'frobnicate'"),
    (("plot", "no/such/run"), 2, r"^spikesim: error: no/such/run: no such run directory$"),
    (("run", "gym:"), 2, r"gym: expects an environment id"),
    (("run", "gym:Blackjack-v1", "--set", "inputs_per_value=0"), 2, r"key 'inputs_per_value' expects an integer in \[1, inf\); got 0"),
]


@pytest.mark.parametrize("argv, code, message", ERRORS, ids=[" ".join(a) for a, _, _ in ERRORS])
def test_errors_exit_non_zero_with_one_line(argv, code, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    got, stdout, stderr = run_main(*argv)
    assert got == code
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    assert re.search(message, stderr), stderr
    assert not (tmp_path / "runs").exists()  # nothing written


def test_plot_of_a_directory_that_is_not_a_run(tmp_path):
    code, _, stderr = run_main("plot", str(tmp_path))
    assert code == 2 and stderr == f"spikesim: error: {tmp_path}: not a run directory (no config.json)\n"


def test_experiment_by_name_finds_registered_and_gym_experiments():
    assert common.experiment_by_name("xor") is experiments.get("xor")
    assert common.experiment_by_name("xor").build()[0].seed == 1  # the experiment's own seed
    assert common.experiment_by_name("gym:FrozenLake-v1").name == "gym:FrozenLake-v1"
    with pytest.raises(common.CLIError, match="no experiment named 'xr'; did you mean 'xor'"):
        common.experiment_by_name("xr")


# --------------------------------------------------------------------------- overrides
def test_overrides_parse_json_else_strings_and_import_callables():
    namespace = experiments.get("xor").namespace()
    got = common.parse_overrides(
        ["learning_rate=0.1", "preset=AND", "state_rate_map=[0, 0.04]", "initial_mv=uniform", "seed=null",
         "max_weight=inf", "storage=\"dense\"", "expected_value=spikesim.games.logic:logic_or",
         "matrix=spikesim.experiments.xor:feed_forward", "action_threshold=mean"],
        namespace,
    )  # fmt: skip
    from spikesim.experiments.xor import feed_forward
    from spikesim.games.logic import logic_or

    assert got == {"learning_rate": 0.1, "preset": "AND", "state_rate_map": [0, 0.04], "initial_mv": "uniform",
                   "seed": None, "max_weight": float("inf"), "storage": "dense", "expected_value": logic_or,
                   "matrix": feed_forward, "action_threshold": "mean"}  # fmt: skip
    assert common.parse_overrides(["a=b=c"]) == {"a": "b=c"}  # split at the first '='
    result = doctest.testmod(common)
    assert result.attempted > 0 and result.failed == 0


# --------------------------------------------------------------------------- evolve and gym
def test_evolve_errors_are_one_line_and_other_commands_leave_meta_unimported():
    code, _, stderr = run_main("evolve", "xor", "--generations", "many")
    assert code == 2 and stderr.startswith("spikesim evolve: error: argument --generations") and stderr.count("\n") == 1
    script = ("import sys; from spikesim.cli import main; main(['list']); "
              "print(sorted(m for m in sys.modules if m.startswith('spikesim.meta')))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[]"


def test_gym_experiments_come_from_experiments_gym(monkeypatch):
    """``gym:ENV_ID`` asks spikesim.experiments.gym.experiment_for(ENV_ID)."""
    asked = []

    def experiment_for(env_id, trusted=False):
        asked.append((env_id, trusted))
        if env_id != "Fake-v0":
            raise KeyError(f"no gymnasium environment {env_id!r}")
        return experiments.get("xor")

    module = types.ModuleType("spikesim.experiments.gym")
    module.__spec__ = importlib.machinery.ModuleSpec("spikesim.experiments.gym", None)
    module.experiment_for = experiment_for
    monkeypatch.setitem(sys.modules, "spikesim.experiments.gym", module)
    code, stdout, _ = run_main("keys", "gym:Fake-v0")
    assert code == 0 and "learning_rate" in stdout and asked == [("Fake-v0", True)]  # typed: trusted
    code, _, stderr = run_main("run", "gym:Nope-v9")
    assert code == 2 and stderr == "spikesim: error: gym:Nope-v9: no gymnasium environment 'Nope-v9'\n"
    assert "gym:ENV_ID" in run_main("list")[1]


def test_evolve_help_comes_from_the_real_meta_cli():
    code, stdout, _ = run_main("evolve", "--help")
    assert code == 0 and stdout.startswith("usage: spikesim evolve")


def test_run_gym_cartpole_plays_the_environment(tmp_path):
    code, stdout, stderr = run_main("run", "gym:CartPole-v1", "--episodes", "1", "--eval-episodes", "1",
                                    "--len-episode", "10", "--seed", "0", "--out", str(tmp_path / "cp"),
                                    "--no-progress", "--no-plots", "--no-arrays")  # fmt: skip
    assert code == 0, stderr
    run = read_run(tmp_path / "cp")
    assert run.config["meta"]["experiment"] == "gym:CartPole-v1" and len(run.episodes) == 2
    assert run.config["params"]["n_inputs"] == 81  # the order-2 Fourier basis of 4 observation dimensions
    assert (run.config["game"]["name"], run.config["game"]["env_id"]) == ("CartPole-v1", "CartPole-v1")  # the spec's id
    # CartPole gives 1 per step it stays up: the metric is the eval episode's length
    assert stdout.splitlines()[:2] == [
        f"gym:CartPole-v1: mean return of the greedy evaluation episodes of CartPole-v1 = {run.episodes[1]['steps']:.4g} "
        "(target 475: not reached)",
        f"training: not solved (no 100 consecutive episodes averaged >= 475); 1 episodes in {run.episodes[0]['wall_s']:.1f} s",
    ]
    code, _, stderr = run_main("keys", "gym:CartPol-v1")
    assert code == 2 and stderr == (
        "spikesim: error: GymWrapper: cannot make the environment 'CartPol-v1': "
        "Environment `CartPol` doesn't exist. Did you mean: `CartPole`?\n"
    )


# --------------------------------------------------------------------------- python -m spikesim
def test_python_dash_m_spikesim_lists_the_experiments():
    done = subprocess.run([sys.executable, "-m", "spikesim", "list"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].split()[0] == "experiment"
    assert any(line.startswith("xor ") for line in done.stdout.splitlines())
