"""Issue 11, "nothing runs from data": the one resolver of ``module:qualname``
references (spikesim.names), Network.load and evolve --resume on crafted
files, --set references, and the kernel cache (unsafe directories, damaged
entries)."""
from __future__ import annotations

import doctest
import json
import logging
import os
import sys

import numpy as np
import pytest

from spikesim import ConfigError, Network, engine, experiments, names
from spikesim.cli import main
from spikesim.commands.common import parse_overrides
from spikesim.families import Modifier, Synapses
from spikesim.meta import NQueens, evolve
from spikesim.meta.metagames import MetaGame, from_description
from spikesim.names import UntrustedReference

SHELL = "touch {marker}"  # what a crafted file would run


@pytest.fixture
def marker(tmp_path):
    return tmp_path / "MARKER"


@pytest.fixture
def evil_module(tmp_path, monkeypatch, marker):
    """A module on sys.path that writes the marker when imported."""
    (tmp_path / "evil_module.py").write_text(f"open({str(marker)!r}, 'w').close()\ndef reward(state):\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "evil_module", raising=False)
    return "evil_module"


@pytest.fixture
def saved(tmp_path):
    """A saved network of a registered experiment: (directory, its network.json as a dict)."""
    net, _ = experiments.get("xor").build(seed=3)
    net.save(tmp_path / "net")
    return tmp_path / "net", json.loads((tmp_path / "net" / "network.json").read_text())


def rewrite(directory, meta):
    (directory / "network.json").write_text(json.dumps(meta))


# ------------------------------------------------------------------ the resolver
def test_names_docstring_runs():
    assert doctest.testmod(names).failed == 0


@pytest.mark.parametrize("ref", ["spikesim.engine:os.system", "spikesim.network:np.load", "spikesim.cli:sys.exit",
                                 "spikesim.meta.backends:os.system"])  # fmt: skip
def test_objects_imported_into_spikesim_modules_are_refused(ref):
    with pytest.raises(UntrustedReference, match=f"file.json: refused '{ref}': it reaches into the module"):
        names.resolve(ref, "callable", what="file.json")


def test_an_object_must_be_defined_where_the_reference_says():
    # spikesim.synapses re-exports MSTDPET: the file must name where it is defined
    with pytest.raises(UntrustedReference, match="not defined there .*spikesim.synapses.florian:MSTDPET"):
        names.resolve("spikesim.synapses:MSTDPET", Synapses, what="f")
    assert names.resolve("spikesim.synapses.florian:MSTDPET", Synapses, what="f").__name__ == "MSTDPET"


def test_outside_modules_are_refused_before_import_and_allowed_on_request(evil_module, marker):
    refused = r"f: refused 'evil_module:reward'.*trusted=True or allow=\('evil_module',\)"
    with pytest.raises(UntrustedReference, match=refused):
        names.resolve("evil_module:reward", "callable", what="f")
    assert not marker.exists() and "evil_module" not in sys.modules
    assert names.resolve("evil_module:reward", "callable", what="f", allow=("evil_module",))(None) == 1
    assert marker.exists()  # the user opted in: the module was imported


def test_private_names_and_kinds():
    with pytest.raises(UntrustedReference, match="a private name; pass trusted=True"):
        names.resolve("spikesim.network:_game_params", "callable", what="f")
    assert names.resolve("spikesim.network:_game_params", "callable", what="f", trusted=True)(None) == {}
    with pytest.raises(ConfigError, match="'spikesim.network:Network' expected a function; got the class"):
        names.resolve("spikesim.network:Network", "callable", what="f")
    with pytest.raises(ConfigError, match="'spikesim.network:Network' expected a subclass of Modifier; got the class"):
        names.resolve("spikesim.network:Network", Modifier, what="f")
    with pytest.raises(ConfigError, match="expected a subclass of MetaGame; got the function"):
        names.resolve("subprocess:run", MetaGame, what="f", trusted=True)
    with pytest.raises(ConfigError, match="f: expected a reference 'module:qualname'; got 3"):
        names.resolve(3, "callable", what="f")


def test_registered_objects_resolve_everywhere(monkeypatch):
    monkeypatch.setattr(names, "_registered", {})

    def local():
        pass

    with pytest.raises(ConfigError, match="not a module-level class or function"):
        names.register(local)
    monkeypatch.setattr(local, "__qualname__", "my_local")
    assert names.register(local) is local
    assert names.resolve(f"{__name__}:my_local", "callable", what="f") is local


# ------------------------------------------------------------------ Network.load
CRAFTED = {
    "modifier": lambda meta, marker: meta["modifiers"].append(
        {"class": "subprocess:run", "params": {"args": {"tuple": [SHELL.format(marker=marker)]}, "shell": True}}),
    "part class": lambda meta, marker: meta["parts"].update(synapses="subprocess:Popen"),
    "network class": lambda meta, marker: meta.update({"class": "subprocess:Popen"}),
    "callable parameter": lambda meta, marker: meta["config"].update(expected_value={"callable": "subprocess:run"}),
    "modifier parameter": lambda meta, marker: meta["modifiers"].append(
        {"class": "spikesim.modifiers.schedules:DropOff",
         "params": {"param": "learning_rate", "value_start": {"callable": "os:system"}}}),
}  # fmt: skip


@pytest.mark.parametrize("where", CRAFTED)
def test_a_crafted_network_json_runs_nothing(saved, marker, where):
    directory, meta = saved
    CRAFTED[where](meta, marker)
    rewrite(directory, meta)
    with pytest.raises(UntrustedReference) as error:
        Network.load(directory)
    message = str(error.value)
    assert not marker.exists()
    assert message.startswith(f"{directory / 'network.json'}: ") and "trusted=True" in message and "\n" not in message
    assert "'subprocess:" in message or "'os:system'" in message


def test_a_module_named_by_a_network_json_is_not_imported(saved, evil_module, marker):
    directory, meta = saved
    meta["config"]["expected_value"] = {"callable": "evil_module:reward"}
    rewrite(directory, meta)
    with pytest.raises(UntrustedReference, match=r"config key 'expected_value': refused 'evil_module:reward'.*allow="):
        Network.load(directory)
    assert not marker.exists() and "evil_module" not in sys.modules


def test_kinds_are_checked_before_anything_is_built(saved, monkeypatch):
    directory, meta = saved
    built = []
    monkeypatch.setattr(Network, "__init__", lambda self, *a, **k: built.append(self))
    for change, message in [
        (lambda m: m["parts"].update(synapses="spikesim.neurons.lif:LIF"),
         "part 'synapses': 'spikesim.neurons.lif:LIF' expected a subclass of Synapses"),
        (lambda m: m["modifiers"].append({"class": "spikesim.synapses.florian:MSTDPET", "params": {}}),
         "modifiers\\[0\\]: .* expected a subclass of Modifier"),
        (lambda m: m.update({"class": "spikesim.meta.metagames:NQueens"}), "class: .* expected a subclass of Network"),
        (lambda m: m["config"].update(expected_value={"callable": "spikesim.network:Network"}),
         "config key 'expected_value': 'spikesim.network:Network' expected a function; got the class"),
    ]:  # fmt: skip
        crafted = json.loads(json.dumps(meta))
        change(crafted)
        rewrite(directory, crafted)
        with pytest.raises(ConfigError, match=message):
            Network.load(directory)
    assert built == []


def test_a_users_own_function_loads_when_trusted(tmp_path, monkeypatch, saved):
    (tmp_path / "my_rewards.py").write_text("def always_one(state):\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import my_rewards

    net, _ = experiments.get("xor").build({"expected_value": my_rewards.always_one}, seed=3)
    net.save(tmp_path / "mine")
    with pytest.raises(UntrustedReference, match="refused 'my_rewards:always_one'"):
        Network.load(tmp_path / "mine")
    for options in ({"allow": ("my_rewards",)}, {"trusted": True}):
        loaded = Network.load(tmp_path / "mine", **options)
        assert loaded.config["expected_value"] is my_rewards.always_one
        np.testing.assert_array_equal(loaded.w, net.w)
    monkeypatch.setattr(names, "_registered", {})
    names.register(my_rewards.always_one)
    assert Network.load(tmp_path / "mine").config["expected_value"] is my_rewards.always_one


@pytest.mark.parametrize("name", experiments.names())
def test_every_experiments_network_loads_untrusted(tmp_path, name):
    net, _ = experiments.get(name).build(seed=1)
    net.save(tmp_path / "net")
    loaded = Network.load(tmp_path / "net")
    assert type(loaded) is type(net) and loaded.config.keys() == net.config.keys()
    np.testing.assert_array_equal(loaded.w, net.w)


MALFORMED = [
    (lambda m: m.pop("rng"), "missing key 'rng'"),
    (lambda m: m.update(n_ticks="3"), "key 'n_ticks' expected a JSON integer; got '3'"),
    (lambda m: m.update(parts=[]), "key 'parts' expected a JSON object"),
    (lambda m: m.update(format="other"), "not a saved spikesim network"),
    (lambda m: m["parts"].update(neuron="spikesim.neurons.lif:LIF"), "unknown part family 'neuron'; did you mean"),
    (lambda m: m["modifiers"].append("spikesim.modifiers.schedules:DropOff"), "modifiers\\[0\\] expected \\{'class'"),
    (lambda m: m["states"].clear(), "'states' expected"),
    (lambda m: m.update(rng={"bit_generator": "MT19937"}), "'rng' is not a state of the network's generator"),
    (lambda m: m["config"].update(state_rate_map={"dict": 5}), "config key 'state_rate_map' is not a saved value"),
]  # fmt: skip


@pytest.mark.parametrize("change, message", MALFORMED, ids=[m for _, m in MALFORMED])
def test_a_malformed_network_json_is_a_config_error_naming_it(saved, change, message):
    directory, meta = saved
    change(meta)
    rewrite(directory, meta)
    with pytest.raises(ConfigError, match=message) as error:
        Network.load(directory)
    assert str(error.value).startswith(str(directory / "network.json"))


@pytest.mark.parametrize("meta", [
    {"format": "spikesim-network-2"},  # a later version of the format
    {"format": "spikesim-network-0"},
    {"format": None},
    {},  # no format at all (pop'd below)
], ids=["version 2", "version 0", "null", "missing"])
def test_load_refuses_another_format_or_version_before_anything_is_imported(saved, evil_module, marker, meta):
    directory, saved_meta = saved
    net = Network.load(directory)  # the current format loads (the guard is not refusing everything)
    assert net.config["seed"] == 3
    changed = {**saved_meta, "class": "evil_module:Net", **meta}
    if not meta:
        del changed["format"]
    rewrite(directory, changed)
    expected = f"{directory / 'network.json'}: not a saved spikesim network (expected 'format': 'spikesim-network-1')"
    for options in ({}, {"trusted": True}):  # trusting the file does not make another format readable
        with pytest.raises(ConfigError) as error:
            Network.load(directory, **options)
        assert str(error.value) == expected
    assert not marker.exists() and "evil_module" not in sys.modules  # refused before any reference was resolved


def test_load_refuses_a_network_json_that_is_not_an_object(saved):
    directory, saved_meta = saved
    (directory / "network.json").write_text(json.dumps([saved_meta]))
    with pytest.raises(ConfigError, match="not a saved spikesim network"):
        Network.load(directory)


@pytest.mark.parametrize("name, value, message", [
    ("graph.targets", lambda a: a + 10_000, "'graph.targets' holds indices out of range"),
    ("graph.indptr", lambda a: a[::-1].copy(), "'graph.indptr' holds indices out of range"),
    ("w", lambda a: a[:-1], "array 'w' expected float64 of shape"),
    ("state.synapses.z", None, "missing array 'state.synapses.z'"),
])  # fmt: skip
def test_arrays_that_do_not_fit_the_network_are_refused(saved, name, value, message):
    directory, _ = saved
    with np.load(directory / "arrays.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    assert name in arrays
    if value is None:
        del arrays[name]
    else:
        arrays[name] = value(arrays[name])
    np.savez(directory / "arrays.npz", **arrays)
    with pytest.raises(ConfigError, match=message) as error:
        Network.load(directory)
    assert str(error.value).startswith(str(directory / "arrays.npz"))


# ------------------------------------------------------------------ search.json and --set
@pytest.fixture
def search(tmp_path):
    out = tmp_path / "search"
    evolve(NQueens(4), population={"n_agents": 4, "seed": 1}, generations=1, out=out, backend="serial")
    return out


def test_a_crafted_search_json_runs_nothing_and_exits_2(search, marker, capsys):
    spec = json.loads((search / "search.json").read_text())
    spec["metagame"] = {"class": "subprocess:Popen", "config": {"args": SHELL.format(marker=marker), "shell": True}}
    (search / "search.json").write_text(json.dumps(spec))
    capsys.readouterr()
    assert main(["evolve", "--resume", str(search), "--generations", "2", "--backend", "serial"]) == 2
    err = capsys.readouterr().err
    assert not marker.exists()
    assert err.count("\n") == 1 and err.startswith("spikesim: error: evolve: ")
    assert "refused 'subprocess:Popen'" in err and "trusted=True" in err


def test_a_spikesim_metagame_resumes_from_its_description(search, capsys):
    assert json.loads((search / "search.json").read_text())["metagame"]["class"] == "spikesim.meta.metagames:NQueens"
    assert main(["evolve", "--resume", str(search), "--generations", "2", "--backend", "serial"]) == 0
    assert "generation 1 of 0..1" in capsys.readouterr().out


def test_from_description_checks_the_class_and_its_arguments():
    assert from_description({"class": "spikesim.meta.metagames:NQueens", "config": {"n_queens": 5}}).n_queens == 5
    with pytest.raises(ConfigError, match="s.json: 'config' does not fit the arguments of .*:NQueens: .*'queens'"):
        from_description({"class": "spikesim.meta.metagames:NQueens", "config": {"queens": 5}}, what="s.json")
    with pytest.raises(ConfigError, match="expected a subclass of MetaGame"):
        from_description({"class": "spikesim.network:Network", "config": {}})


def test_set_references_are_trusted_but_must_exist(evil_module, marker):
    namespace = experiments.get("xor").namespace()
    with pytest.raises(ConfigError, match=r"--set expected_value: cannot import 'nowhere:f': No module named"):
        parse_overrides(["expected_value=nowhere:f"], namespace)
    with pytest.raises(ConfigError, match=r"--set expected_value: 'os:nothing' names nothing: the module os has no"):
        parse_overrides(["expected_value=os:nothing"], namespace)
    assert parse_overrides(["matrix=os:nothing"], namespace) == {"matrix": "os:nothing"}  # "any": stays a string
    assert parse_overrides(["expected_value=evil_module:reward"], namespace)["expected_value"](None) == 1
    assert marker.exists()  # the command line is the user's own: their module is imported


# ------------------------------------------------------------------ kernel cache
def tick_spikes(ticks=3):
    """The spikes of a fresh numba XOR network over a few rewarded ticks (compiles on first use)."""
    engine._compiled.clear()
    net, game = experiments.get("xor").build(seed=4)
    logs = []
    for t in range(ticks):
        state = game.states()[t % 4] if hasattr(game, "states") else game.reset()
        net.reward(state, net.tick(state))
        logs.append(net.spike_log.copy())
    return np.array(logs)


@pytest.fixture
def cache(tmp_path, monkeypatch, caplog):
    directory = tmp_path / "cache"
    monkeypatch.setenv("SPIKESIM_CACHE_DIR", str(directory))
    monkeypatch.setattr(engine, "_compiled", {})
    monkeypatch.setattr(engine, "_refused", set())
    caplog.set_level(logging.WARNING, logger="spikesim")
    return directory


def warnings_of(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "spikesim" and r.levelno == logging.WARNING]


def test_the_cache_directory_is_created_private(cache, caplog):
    tick_spikes(1)
    assert oct(cache.stat().st_mode & 0o777) == oct(0o700)
    assert len(list(cache.glob("spikesim_tick_*.py"))) == 1 and warnings_of(caplog) == []


def test_a_module_planted_in_an_unsafe_directory_never_runs(cache, caplog, marker):
    fresh = tick_spikes()
    [module] = cache.glob("spikesim_tick_*.py")
    module.write_text(f"open({str(marker)!r}, 'w').close()\n")
    cache.chmod(0o777)
    np.testing.assert_array_equal(tick_spikes(), fresh)  # compiled in memory
    assert not marker.exists()
    assert warnings_of(caplog) == [f"not using the kernel cache directory {cache}: group or others can write to it "
                                   "(mode 0777; chmod go-w it); compiling in memory instead"]  # fmt: skip


def test_a_directory_of_another_user_is_refused(cache, caplog, marker, monkeypatch):
    fresh = tick_spikes()
    [module] = cache.glob("spikesim_tick_*.py")
    module.write_text(f"open({str(marker)!r}, 'w').close()\n")
    owner = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: owner + 1)
    np.testing.assert_array_equal(tick_spikes(), fresh)
    assert not marker.exists()
    assert f"it is owned by uid {owner}, not by this user ({owner + 1})" in warnings_of(caplog)[0]


def test_the_fallback_directory_is_private_and_checked(tmp_path, monkeypatch, caplog, marker):
    import tempfile

    (tmp_path / "file").write_text("")
    monkeypatch.setenv("SPIKESIM_CACHE_DIR", str(tmp_path / "file" / "cache"))  # not a directory: not writable
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(engine, "_refused", set())
    caplog.set_level(logging.WARNING, logger="spikesim")
    fallback = tmp_path / "tmp" / f"spikesim-{os.getuid()}"
    assert engine._cache_dir() == fallback and oct(fallback.stat().st_mode & 0o777) == oct(0o700)
    fallback.chmod(0o733)  # planted by someone else, writable by all
    assert engine._cache_dir() is None
    fallback.chmod(0o700)
    fallback.rename(tmp_path / "elsewhere")
    fallback.symlink_to(tmp_path / "elsewhere")
    assert engine._cache_dir() is None
    assert [m.split(": ", 1)[1] for m in warnings_of(caplog)] == [
        "group or others can write to it (mode 0733; chmod go-w it); compiling in memory instead",
        "it is a symbolic link; compiling in memory instead",
    ]


@pytest.mark.parametrize("damage", ["module", "index", "data", "empty index"])
def test_a_damaged_cache_entry_is_rebuilt(cache, caplog, damage):
    fresh = tick_spikes()
    [module] = cache.glob("spikesim_tick_*.py")
    index = sorted((cache / "__pycache__").glob(f"{module.stem}.run_tick-*.nbi"))[0]
    target = {"module": module, "index": index, "empty index": index,
              "data": sorted((cache / "__pycache__").glob(f"{module.stem}.run_tick-*.nbc"))[0]}[damage]  # fmt: skip
    os.truncate(target, 0 if damage == "empty index" else target.stat().st_size // 2)
    np.testing.assert_array_equal(tick_spikes(), fresh)
    assert warnings_of(caplog) == [f"kernel cache entry {module} was damaged ({target.name}); rebuilt it"]
    assert module.read_text().startswith('"""Generated by spikesim.engine')
    caplog.clear()
    np.testing.assert_array_equal(tick_spikes(), fresh)  # the rebuilt entry is whole
    assert warnings_of(caplog) == []


def test_a_second_build_of_the_same_network_class_reuses_the_cached_kernel(cache, caplog, monkeypatch):
    from spikesim.neurons import Neuron
    from test_two_neurons_by_hand import INPUT, SPIKES_BY_HAND, two_neurons

    def build_and_tick(processing_time=6, state_spike_map=None, **keys):
        engine._compiled.clear()  # as in a new process: nothing compiled in memory
        net = two_neurons("numba", processing_time, state_spike_map or {0: np.array(INPUT).reshape(6, 1)}, **keys)
        net.tick(0)
        return net, net._compiled().run_tick.stats

    def files():
        return {p.relative_to(cache): (p.stat().st_mtime_ns, p.stat().st_ino, p.stat().st_size)
                for p in cache.rglob("*") if p.is_file()}  # fmt: skip

    net, stats = build_and_tick()
    [module] = cache.glob("spikesim_tick_*.py")
    assert len(list(cache.glob("__pycache__/*.nbi"))) == 1 and list(cache.glob("__pycache__/*.nbc"))
    assert sum(stats.cache_misses.values()) == 1 and not stats.cache_hits  # compiled, and written to the cache
    written = files()
    # the same parts with other parameters, seed and tick length: the same kernels, so the same cache entry
    other, stats = build_and_tick(bias=0.0, seed=9, processing_time=8, state_spike_map={0: [1]})
    assert sum(stats.cache_hits.values()) == 1 and not stats.cache_misses  # loaded from disk, not compiled
    assert files() == written  # nothing written or rewritten (same names, times, inodes and sizes)
    assert other.spike_log[:, 1:].any()  # and it runs: n0 fires under the input every step
    net, _ = build_and_tick()
    np.testing.assert_array_equal(net.spike_log[:, 1:], SPIKES_BY_HAND)  # the cached kernel gives the known answer
    # the key: another combination of kernels is another module (written, compiled when first called)
    kernels = {"input_step": net.inputs.kernel, "neuron_step": Neuron.kernel, "synapse_step": net.synapses.kernel,
               "reward_step": engine.no_step_reward, "synapse_reward": None}  # fmt: skip
    engine.compiled(kernels)
    assert len(list(cache.glob("spikesim_tick_*.py"))) == 2 and files()[module.relative_to(cache)] == written[
        module.relative_to(cache)]  # fmt: skip
    # and changed spikesim sources (their hash is in the name) never reuse an old entry
    monkeypatch.setattr(engine, "_source_hash", ["spikesim sources edited"])
    engine._compiled.clear()
    engine.compiled(kernels)
    assert len(list(cache.glob("spikesim_tick_*.py"))) == 3
    assert warnings_of(caplog) == []


# ------------------------------------------------------------------ gym ids
def test_a_gym_id_naming_a_module_imports_it_only_when_trusted(evil_module, marker):
    from spikesim.experiments.gym import experiment_for

    refused = r"gym:evil_module:Nothing-v0: refused to import 'evil_module'.*trusted=True"
    with pytest.raises(UntrustedReference, match=refused):
        experiment_for("evil_module:Nothing-v0")
    assert not marker.exists() and "evil_module" not in sys.modules
    with pytest.raises(ConfigError, match="cannot make the environment 'evil_module:Nothing-v0'"):
        experiment_for("evil_module:Nothing-v0", allow=("evil_module",))
    assert marker.exists()  # allowed: gymnasium imported it (it registers no environment)


def test_numba_files_in_an_unsafe_pycache_are_never_read(cache, caplog, marker):
    # Numba unpickles the index files of __pycache__: it must be as private as the cache directory
    fresh = tick_spikes()
    pycache = cache / "__pycache__"
    for index in pycache.glob("*.nbi"):
        index.write_bytes(b"cos\nsystem\n(" + repr(SHELL.format(marker=marker)).encode() + b"\ntR.")
    pycache.chmod(0o777)
    np.testing.assert_array_equal(tick_spikes(), fresh)  # compiled in memory
    assert not marker.exists()
    assert warnings_of(caplog) == [f"not using the kernel cache directory {pycache}: group or others can write to "
                                   "it (mode 0777; chmod go-w it); compiling in memory instead"]  # fmt: skip


@pytest.mark.parametrize("ref", ["spikesim.__main__:main", "spikesim._private:thing"])
def test_private_modules_are_not_imported_from_a_file(ref, capsys):
    # importing spikesim.__main__ would run the command line with the caller's arguments
    with pytest.raises(UntrustedReference, match="is private; pass trusted=True"):
        names.resolve(ref, "callable", what="f")
    assert "spikesim.__main__" not in sys.modules and capsys.readouterr().out == ""


def test_a_saved_network_state_out_of_range_is_refused(saved):
    directory, _ = saved
    with np.load(directory / "arrays.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    for name, value in (("network.n_fired", [10**8]), ("network.fired", None)):
        changed = dict(arrays)
        if value is None:
            changed["network.n_fired"] = np.array([1])
            changed["network.fired"] = np.full_like(arrays["network.fired"], -7)
        else:
            changed[name] = np.array(value)
        np.savez(directory / "arrays.npz", **changed)
        with pytest.raises(ConfigError, match="'network.n_fired' and 'network.fired' must count and name neurons"):
            Network.load(directory)
