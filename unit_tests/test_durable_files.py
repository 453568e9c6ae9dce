"""Nothing lost, nothing silently overwritten (issue 11, share B): atomic
writes survive kill -9, logs read up to their last whole line, ``--out`` is
never mixed, ``evolve --resume`` refuses or repairs, an unreachable
``--address`` fails in time, Ctrl-C in ``replicate`` keeps a summary, and
the command's exit codes (2 for files and configuration, 130 interrupted)."""
from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from spikesim import Callback, ConfigError, Network, cli, experiments, files, read_run, train
from spikesim.files import CorruptFileError
from spikesim.meta import NQueens, evolve
from spikesim.meta.backends import Evaluation
from spikesim.meta.search import read_search

HERE = Path(__file__).parent
#: A short schedule of the xor experiment (as in test_cli).
SHORT = ["--episodes", "2", "--eval-episodes", "1", "--len-episode", "5", "--set", "processing_time=20",
         "--no-progress"]  # fmt: skip


def run_main(*argv: str) -> tuple[int, str, str]:
    """``cli.main(argv)``: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def one_line(stderr: str) -> str:
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    return stderr.strip()


def xor_network(seed: int = 1):
    network, _ = experiments.get("xor").build({"processing_time": 20}, seed=seed)
    return network


# --------------------------------------------------------------------------- the files module
def test_an_atomic_write_that_fails_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "config.json"
    files.write_json(path, {"version": 1})
    with pytest.raises(RuntimeError):
        with files.atomic_open(path) as f:
            f.write('{"version": 2, "half')
            raise RuntimeError("killed")
    assert files.read_json(path) == {"version": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]
    files.write_npz(tmp_path / "a.npz", {"x": np.arange(3)})
    assert files.read_npz(tmp_path / "a.npz")["x"].tolist() == [0, 1, 2]


def test_damaged_files_raise_one_line_naming_the_file(tmp_path):
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "cut.json").write_text('{"seed": 3, "par')
    (tmp_path / "cut.npz").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(CorruptFileError, match=r"empty\.json is empty"):
        files.read_json(tmp_path / "empty.json")
    with pytest.raises(CorruptFileError, match=r"cut\.json is not JSON"):
        files.read_json(tmp_path / "cut.json")
    with pytest.raises(CorruptFileError, match=r"cut\.npz is not a readable \.npz archive"):
        files.read_npz(tmp_path / "cut.npz")
    files.write_json(tmp_path / "partial.json", {"a": 1})
    with pytest.raises(CorruptFileError, match="'b' missing"):
        files.read_json(tmp_path / "partial.json", keys=("a", "b"))


def test_a_log_reads_up_to_its_last_whole_line_and_is_repaired(tmp_path):
    log = tmp_path / "log.jsonl"
    for number in range(3):
        files.append_json_line(log, {"n": number})
    with open(log, "a") as f:
        f.write('{"n": 3, "cu')  # killed while appending
    assert files.read_json_lines(log) == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert files.repair_json_lines(log) is True and log.read_text().endswith('{"n": 2}\n')
    files.append_json_line(log, {"n": 3})
    assert files.read_json_lines(log) == [{"n": n} for n in range(4)]
    log.write_text('{"n": 0}\n{"n": 1, "x\n{"n": 2}\n')  # a damaged line that is not the last
    with pytest.raises(CorruptFileError, match=r"log\.jsonl: line 2 is not JSON"):
        files.read_json_lines(log)


# --------------------------------------------------------------------------- kill -9 while writing
def _kill_while_writing(kind: str, directory: str, repeats: int) -> None:
    """Run in a subprocess: fork a writer of ``kind`` that writes in a loop,
    SIGKILL it at a random point of a write, ``repeats`` times; prints one
    line of JSON per kill (what the directory reads back as)."""
    directory = Path(directory)
    rng = random.Random(11)
    network, game = experiments.get("xor").build({"processing_time": 20}, seed=1)
    first_weights = network.w.copy()
    signal_done = [lambda: None]

    def write(attempt: int, number: int, generations: int = 10_000) -> None:
        if kind == "network":
            network.w[:] = first_weights + number  # the weights tell which save wrote them
            network.save(directory / "net")
        elif kind == "run":
            train(network, game, episodes=2, len_episode=3, eval_episodes=1, out=directory / f"run-{attempt}-{number}",
                  save_arrays=True, progress=False)  # fmt: skip
        else:
            evolve(NQueens(), population=6, generations=generations, backend="serial", seed=3,
                   out=directory / f"search-{attempt}", on_generation=lambda record: signal_done[0]())  # fmt: skip

    def check(attempt: int) -> dict:
        if kind == "network":
            loaded = Network.load(directory / "net")
            return {"saves": np.unique(np.round(loaded.w - first_weights, 6)).tolist()}
        if kind == "run":
            runs = sorted(directory.glob(f"run-{attempt}-*"))
            read = [read_run(p) for p in runs if (p / "config.json").exists()]
            return {"runs": len(runs), "read": len(read), "episodes": [len(r.episodes) for r in read],
                    "arrays": [sorted(r.arrays) for r in read]}  # fmt: skip
        search = read_search(directory / f"search-{attempt}")
        generation = search["checkpoint"]["generation"]
        resumed = evolve(NQueens(), resume=directory / f"search-{attempt}", generations=generation + 1,
                         backend="serial")  # fmt: skip
        return {"checkpoint": generation, "logged": [r["generation"] for r in search["generations"]],
                "resumed": [r["generation"] for r in resumed.records]}  # fmt: skip

    write(-1, 0, generations=1)  # compile and warm up, then time one write (one generation)
    start = time.perf_counter()
    write(-2, 1, generations=1)
    seconds = time.perf_counter() - start
    for attempt in range(repeats):
        ready, done = os.pipe()
        pid = os.fork()
        if pid == 0:  # the writer, until killed
            os.close(ready)
            signal_done[0] = lambda: os.write(done, b".")
            for number in range(2, 10**9):
                write(attempt, number)
                signal_done[0]()
        os.close(done)
        os.read(ready, 1)  # one write finished, the next one under way
        time.sleep(rng.uniform(0.0, 1.5 * seconds))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(ready)
        print(json.dumps(check(attempt)), flush=True)


def kill_while_writing(kind: str, directory: Path, repeats: int = 12) -> list[dict]:
    code = f"import test_durable_files as t; t._kill_while_writing({kind!r}, {str(directory)!r}, {repeats})"
    done = subprocess.run([sys.executable, "-c", code], cwd=HERE, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(HERE)})  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_network_save_killed_at_random_points_loads_the_old_or_the_new_save(tmp_path):
    kills = kill_while_writing("network", tmp_path)
    assert len(kills) == 12
    for loaded in kills:
        assert len(loaded["saves"]) == 1 and loaded["saves"][0] >= 1  # one whole save, never half of one
    assert sorted(p.name for p in (tmp_path / "net").iterdir() if not p.name.startswith(".")) == [
        "arrays.npz", "network.json"]  # fmt: skip


def test_network_json_and_arrays_of_two_saves_are_refused(tmp_path):
    # a kill between the two renames of a save leaves the new network.json beside the old arrays.npz
    first, second = xor_network(1), xor_network(2)
    first.save(tmp_path / "a")
    second.save(tmp_path / "b")
    (tmp_path / "b" / "arrays.npz").replace(tmp_path / "a" / "arrays.npz")
    with pytest.raises(ConfigError, match="different saves"):
        Network.load(tmp_path / "a")


def test_a_save_cut_between_its_two_renames_loads_the_previous_save(tmp_path):
    # the state save() leaves when killed after arrays.npz was replaced and before network.json was
    old, new = xor_network(1), xor_network(2)
    old.save(tmp_path / "net")
    files.second_name(tmp_path / "net" / "arrays.npz", tmp_path / "net" / ".arrays.previous.npz")
    new.save(tmp_path / "new")
    (tmp_path / "new" / "arrays.npz").replace(tmp_path / "net" / "arrays.npz")
    np.testing.assert_array_equal(Network.load(tmp_path / "net").w, old.w)
    new.save(tmp_path / "net")  # a whole save: the previous arrays are gone
    np.testing.assert_array_equal(Network.load(tmp_path / "net").w, new.w)
    assert sorted(p.name for p in (tmp_path / "net").iterdir()) == ["arrays.npz", "network.json"]


def test_a_run_killed_at_random_points_reads_back_whole(tmp_path):
    kills = kill_while_writing("run", tmp_path)
    for run in kills:
        assert run["read"] >= 1  # the finished runs of the writer and the one it was in
        assert all(n <= 3 for n in run["episodes"])
        assert all(a in ([], ["actions", "observations", "rewards", "spike_logs", "weights"]) for a in run["arrays"])
    assert any(len(set(r["episodes"])) > 1 or r["runs"] > r["read"] or len(set(map(len, r["arrays"]))) > 1
               for r in kills)  # some kills cut a run short (fewer episodes, no config.json or no arrays.npz yet)


def test_a_search_killed_at_random_points_reads_and_resumes(tmp_path):
    for search in kill_while_writing("search", tmp_path):
        assert search["logged"] == list(range(search["checkpoint"])) or search["logged"] == list(
            range(search["checkpoint"] - 1))  # killed between the checkpoint and its log line
        assert search["resumed"] == list(range(search["checkpoint"] + 1))


# --------------------------------------------------------------------------- run directories
def test_read_run_reads_up_to_the_last_whole_line_and_names_a_damaged_file(tmp_path):
    out = tmp_path / "run"
    train(xor_network(), experiments.get("xor").build(seed=1)[1], episodes=2, len_episode=2, out=out,
          save_arrays=True, progress=False)  # fmt: skip
    with open(out / "episodes.jsonl", "a") as f:
        f.write('{"episode": 2, "pha')
    assert [r["episode"] for r in read_run(out).episodes] == [0, 1]
    data = (out / "arrays.npz").read_bytes()
    (out / "arrays.npz").write_bytes(data[: len(data) // 2])  # not spikesim's doing: another program's
    with pytest.raises(CorruptFileError, match=r"arrays\.npz is not a readable \.npz archive"):
        read_run(out)
    code, _, stderr = run_main("plot", str(out))
    assert code == 2 and "arrays.npz is not a readable .npz archive" in one_line(stderr)
    (out / "config.json").write_text('{"network": "RLN')
    code, _, stderr = run_main("plot", str(out))
    assert code == 2 and one_line(stderr).startswith(f"spikesim: error: {out / 'config.json'} is not JSON")


def test_train_refuses_a_directory_that_is_not_empty_unless_overwrite(tmp_path):
    network, game = experiments.get("xor").build({"processing_time": 20}, seed=1)
    train(network, game, episodes=1, len_episode=2, out=tmp_path, save_arrays=True, progress=False)
    before = (tmp_path / "config.json").read_text()
    with pytest.raises(FileExistsError, match="is not empty .*overwrite=True"):
        train(network, game, episodes=3, len_episode=2, out=tmp_path, progress=False)
    assert (tmp_path / "config.json").read_text() == before and len(read_run(tmp_path).episodes) == 1
    train(network, game, episodes=3, len_episode=2, out=tmp_path, progress=False, overwrite=True)
    run = read_run(tmp_path)
    assert len(run.episodes) == 3 and run.arrays == {}  # the old arrays.npz is gone
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="notes.txt, which spikesim did not write"):
        train(network, game, episodes=1, len_episode=2, out=tmp_path, progress=False, overwrite=True)
    assert (tmp_path / "notes.txt").read_text() == "mine" and len(read_run(tmp_path).episodes) == 3


def test_run_out_refused_then_overwritten_with_nothing_of_the_old_run_left(tmp_path):
    out = tmp_path / "run"
    assert run_main("run", "xor", *SHORT, "--seed", "3", "--out", str(out))[0] == 0
    assert (out / "arrays.npz").is_file() and (out / "plots" / "learning_curve.png").is_file()
    code, _, stderr = run_main("run", "xor", *SHORT, "--seed", "4", "--out", str(out))
    assert code == 2 and "is not empty" in one_line(stderr) and "--overwrite" in stderr
    assert read_run(out).config["seed"] == 3
    code, _, stderr = run_main("run", "xor", *SHORT, "--seed", "4", "--out", str(out), "--overwrite", "--no-arrays",
                               "--no-plots")  # fmt: skip
    assert code == 0, stderr
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "episodes.jsonl", "summary.json"]
    assert read_run(out).config["seed"] == 4


def test_run_out_that_is_a_file_or_cannot_be_created_exits_2(tmp_path):
    (tmp_path / "file").write_text("")
    code, _, stderr = run_main("run", "xor", *SHORT, "--out", str(tmp_path / "file"))
    assert code == 2 and "is a file, not a directory" in one_line(stderr)
    code, _, stderr = run_main("run", "xor", *SHORT, "--out", str(tmp_path / "file" / "run"))
    assert code == 2 and f"{tmp_path / 'file'} is a file, not a directory" in one_line(stderr)


# --------------------------------------------------------------------------- evolve --resume
def small_search(out: Path, generations: int = 3):
    return evolve(NQueens(), population=6, generations=generations, backend="serial", seed=2, out=out)


def test_resume_without_a_checkpoint_refuses_and_keeps_the_log(tmp_path):
    small_search(tmp_path / "s")
    (tmp_path / "s" / "checkpoint.json").unlink()
    log = (tmp_path / "s" / "generations.jsonl").read_text()
    with pytest.raises(FileNotFoundError, match="no checkpoint.json to continue from"):
        evolve(NQueens(), resume=tmp_path / "s", generations=5, backend="serial")
    assert (tmp_path / "s" / "generations.jsonl").read_text() == log


def test_resume_repairs_a_cut_last_line_from_the_checkpoint(tmp_path):
    whole = small_search(tmp_path / "whole", generations=4)
    small_search(tmp_path / "s", generations=3)
    log = tmp_path / "s" / "generations.jsonl"
    text = log.read_text()
    log.write_text(text[: len(text) - 40])  # killed while appending generation 2's line
    resumed = evolve(NQueens(), resume=tmp_path / "s", generations=4, backend="serial")
    assert [r["fitnesses"] for r in resumed.records] == [r["fitnesses"] for r in whole.records]
    assert [r["generation"] for r in read_search(tmp_path / "s")["generations"]] == [0, 1, 2, 3]


def test_resume_with_other_settings_than_the_directory_refuses(tmp_path):
    small_search(tmp_path / "s")
    refusals = [({"population": 8}, "n_agents 6, not 8"), ({"seed": 5}, "seed 2, not 5"),
                ({"experiment": "xor"}, "a search of 'spikesim.meta.metagames:NQueens', not of 'xor'")]
    for given, named in refusals:
        with pytest.raises(ConfigError, match=named):
            evolve(resume=tmp_path / "s", backend="serial", **given)
    with pytest.raises(ConfigError, match="a search of 'spikesim.meta.metagames:NQueens'"):
        evolve(experiments.get("xor"), resume=tmp_path / "s", backend="serial")
    resumed = evolve(NQueens(), resume=tmp_path / "s", population=6, seed=2, backend="serial", generations=4)
    assert len(resumed.records) == 4  # the same settings given again are fine


@pytest.mark.parametrize("name", ["search.json", "checkpoint.json"])
def test_resume_of_a_truncated_file_exits_2_naming_it(tmp_path, name):
    small_search(tmp_path / "s")
    path = tmp_path / "s" / name
    path.write_text(path.read_text()[:50])
    code, _, stderr = run_main("evolve", "--resume", str(tmp_path / "s"), "--backend", "serial", "--no-plot")
    assert code == 2 and f"{path} is not JSON" in one_line(stderr)


# --------------------------------------------------------------------------- unreachable --address
def test_an_unreachable_address_fails_within_30_s_naming_it(tmp_path):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts TCP (the kernel's backlog) but never answers
    try:
        for number, address in enumerate([f"127.0.0.1:{port}", f"127.0.0.1:{silent.getsockname()[1]}"]):
            start = time.monotonic()
            code, _, stderr = run_main("evolve", "xor", "--address", address, "--population", "2", "--generations",
                                       "1", "--out", str(tmp_path / f"s{number}"), "--no-plot")  # fmt: skip
            assert time.monotonic() - start < 30.0
            assert code == 2 and f"the Ray cluster at {address}" in one_line(stderr), stderr
            stderr_silent = stderr
        code, _, stderr = run_main("replicate", "xor", "--runs", "1", "--address", f"127.0.0.1:{port}")
        assert code == 2 and f"cannot reach the Ray cluster at 127.0.0.1:{port}" in one_line(stderr)
        assert f"the Ray cluster at {address} did not answer within 10 s" in stderr_silent
    finally:
        silent.close()


# --------------------------------------------------------------------------- Ctrl-C in replicate
class InterruptedBackend:
    """Finishes the first two jobs (made-up results), then Ctrl-C."""

    name = "fake"
    workers = 1

    def map(self, game, jobs, on_result):
        for index in range(2):
            info = {"seed": index, "frozen": False, "metric": 1.0, "success": index == 0, "wall_s": 0.5,
                    "measures": {}, "config": {"seed": index}, "episodes": [{"episode": 0, "phase": "eval"}],
                    "arrays": {}}  # fmt: skip
            on_result(index, Evaluation(1.0, False, None, 0.5, info=info))
        raise KeyboardInterrupt

    def close(self):
        pass


def test_ctrl_c_in_replicate_writes_the_summary_of_the_finished_runs_and_exits_130(tmp_path, monkeypatch):
    monkeypatch.setattr("spikesim.meta.replicate.make_backend", lambda *a, **k: InterruptedBackend())
    out = tmp_path / "rep"
    code, stdout, stderr = run_main("replicate", "xor", "--runs", "5", "--backend", "serial", "--out", str(out),
                                    "--quiet")  # fmt: skip
    assert code == 130
    assert stderr == f"spikesim replicate: interrupted; 2 of 5 runs finished; their summary: {out / 'summary.json'}\n"
    summary = files.read_json(out / "summary.json")
    assert (summary["completed"], summary["successes"], summary["interrupted"]) == (2, 1, True)
    assert "1/2 = 50.0 %" in stdout
    assert len(files.read_json_lines(out / "results.jsonl")) == 2
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["seed-0000", "seed-0001"]
    code, _, stderr = run_main("replicate", "xor", "--runs", "5", "--backend", "serial", "--out", str(out))
    assert code == 2 and "--overwrite" in one_line(stderr)
    assert run_main("replicate", "xor", "--runs", "5", "--backend", "serial", "--out", str(out), "--overwrite",
                    "--quiet")[0] == 130  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == ["replication.json", "results.jsonl", "runs", "summary.json"]


def test_the_examples_of_the_files_module_run():
    import doctest

    assert doctest.testmod(files).failed == 0


# --------------------------------------------------------------------------- audit: D, G, H, I
def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory``: relative path -> bytes."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


EVOLVE_NETWORK = "spikesim.meta.metagames:EvolveNetwork"


@pytest.mark.parametrize("metagame, message", [
    ({"class": EVOLVE_NETWORK, "config": {"experiment": "nope"}}, "'experiment': no experiment named 'nope'"),
    ({"class": EVOLVE_NETWORK, "config": {"seed": 0}}, "'config' has no 'experiment'"),
    ({"class": EVOLVE_NETWORK, "config": {"experiment": "xor", "foo": 1}}, "unexpected keyword argument 'foo'"),
    ({"class": EVOLVE_NETWORK, "config": [1]}, "'config' expected a JSON object of its arguments; got [1]"),
    ({"class": "spikesim.meta.metagames:NQueens", "config": {"n_queens": "x"}}, "'n_queens' expects an integer"),
])  # fmt: skip
def test_resume_of_a_search_json_naming_a_metagame_that_cannot_be_built_exits_2_naming_it(tmp_path, metagame, message):
    small_search(tmp_path / "s")
    path = tmp_path / "s" / "search.json"
    files.write_json(path, {**files.read_json(path), "metagame": metagame})
    code, _, stderr = run_main("evolve", "--resume", str(tmp_path / "s"), "--backend", "serial", "--no-plot")
    assert code == 2 and one_line(stderr).startswith(f"spikesim: error: evolve: {path}: ") and message in stderr


def test_resume_of_a_search_json_naming_an_unknown_experiment_exits_2_naming_it(tmp_path):
    small_search(tmp_path / "s")
    path = tmp_path / "s" / "search.json"
    files.write_json(path, {**files.read_json(path), "experiment": 3})
    code, _, stderr = run_main("evolve", "--resume", str(tmp_path / "s"), "--backend", "serial", "--no-plot")
    assert code == 2 and f"{path}: 'experiment': an experiment name is a string" in one_line(stderr)


def test_overwrite_with_a_bad_value_keeps_the_old_run_and_replication(tmp_path):
    out = tmp_path / "run"
    assert run_main("run", "xor", *SHORT, "--out", str(out), "--no-plots")[0] == 0
    before = snapshot(out)
    code, _, stderr = run_main("run", "xor", *SHORT, "--out", str(out), "--overwrite", "--set", "tau_m=-5")
    assert code == 2 and "'tau_m' expects a number in (0, inf); got -5" in one_line(stderr)
    assert snapshot(out) == before
    replication = tmp_path / "rep"
    (replication / "runs" / "seed-0000").mkdir(parents=True)
    files.write_json(replication / "summary.json", {"completed": 1})
    files.write_json(replication / "runs" / "seed-0000" / "config.json", {"seed": 0})
    before = snapshot(replication)
    code, _, stderr = run_main("replicate", "xor", "--runs", "1", "--backend", "serial", "--out", str(replication),
                               "--overwrite", "--set", "tau_m=-5", "--quiet")  # fmt: skip
    assert code == 2 and "'tau_m' expects a number" in one_line(stderr)
    assert snapshot(replication) == before


def test_evolve_out_refuses_a_run_directory_and_names_resume_for_a_search(tmp_path):
    out = tmp_path / "run"
    assert run_main("run", "xor", *SHORT, "--out", str(out), "--no-plots")[0] == 0
    before = snapshot(out)
    code, _, stderr = run_main("evolve", "xor", "--out", str(out), "--backend", "serial", "--population", "2",
                               "--generations", "1", "--no-plot")  # fmt: skip
    assert code == 2 and f"{out} is not empty (it holds arrays.npz, config.json" in one_line(stderr)
    assert "is not a search; choose a new --out" in stderr and snapshot(out) == before
    small_search(tmp_path / "s")
    code, _, stderr = run_main("evolve", "xor", "--out", str(tmp_path / "s"), "--backend", "serial", "--no-plot")
    assert code == 2 and f"continue it with --resume {tmp_path / 's'} or choose a new --out" in one_line(stderr)
    assert "resume=" not in stderr
    with pytest.raises(FileExistsError, match=f"continue it with resume='{tmp_path / 's'}' or choose a new out"):
        small_search(tmp_path / "s")


def test_read_run_checks_the_shape_of_its_files_naming_the_entry(tmp_path):
    out = tmp_path / "run"
    train(xor_network(), experiments.get("xor").build(seed=1)[1], episodes=2, len_episode=2, out=out, progress=False)
    config, episodes = (out / "config.json").read_text(), (out / "episodes.jsonl").read_text()
    first = json.loads(episodes.splitlines()[0])
    refusals = [
        ("config.json", {**json.loads(config), "params": "x"}, "config.json: 'params' expected an object; got a str"),
        ("config.json", {**json.loads(config), "game": {"name": 3}}, "config.json: 'game': 'name' expected a string"),
        ("config.json", [1], "config.json: expected a JSON object; got an array [1]"),
        ("episodes.jsonl", {**first, "episode": "x"}, "episodes.jsonl: record 1: 'episode' expected an integer"),
        ("episodes.jsonl", {"phase": "train"}, "episodes.jsonl: record 1: 'episode' missing"),
        ("episodes.jsonl", {**first, "steps": [1]}, "record 1: 'steps' expected a number; got an array [1]"),
        ("episodes.jsonl", {**first, "total_reward": "a"}, "record 1: 'total_reward' expected a number; got a string"),
    ]  # fmt: skip
    for name, content, message in refusals:
        (out / "config.json").write_text(config)
        (out / "episodes.jsonl").write_text(episodes)
        if name == "config.json":
            files.write_json(out / name, content)
        else:
            files.write_json_lines(out / name, [content])
        with pytest.raises(CorruptFileError, match=re.escape(message)):
            read_run(out)
        code, _, stderr = run_main("plot", str(out))
        assert code == 2 and message in one_line(stderr) and str(out) in stderr


def test_records_keep_what_callbacks_add(tmp_path):
    class Notes(Callback):
        def on_episode_end(self, network, game, record):
            record["notes"] = {"actions": [0, 1]}

    out = tmp_path / "run"
    train(xor_network(), experiments.get("xor").build(seed=1)[1], episodes=2, len_episode=2, out=out, progress=False,
          callbacks=[Notes()])  # fmt: skip
    assert [r["notes"] for r in read_run(out).episodes] == [{"actions": [0, 1]}] * 2


def test_plot_of_values_that_cannot_be_drawn_exits_2_naming_the_run_and_the_plot(tmp_path):
    from spikesim import viz

    out = tmp_path / "run"
    assert run_main("run", "xor", *SHORT, "--out", str(out), "--no-plots")[0] == 0
    config = files.read_json(out / "config.json")
    files.write_json(out / "config.json", {**config, "params": {**config["params"], "n_inputs": -4}})
    code, _, stderr = run_main("plot", str(out))
    assert code == 2 and f"{out}: cannot draw spike_raster.png from the values in its files" in one_line(stderr)
    with pytest.raises(viz.PlotError) as error:
        viz.plot_run(out)
    assert isinstance(error.value.__cause__, ValueError)  # the cause is chained, not hidden
    code, _, stderr = run_main("plot", str(out / "config.json"))
    assert code == 2 and one_line(stderr) == f"spikesim: error: {out / 'config.json'} is a file, not a run directory"
