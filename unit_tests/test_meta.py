"""The genetic search without Ray: constraints, the population's operators,
its cache and reruns, NQueens, EvolveNetwork, Series, logs, checkpoints,
resume and the ``spikesim evolve`` command (serial backend)."""
from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spikesim import ConfigError, Param, experiments
from spikesim.cli import main
from spikesim.meta import (
    Choice, Continuous, EvolveNetwork, Integer, MetaGame, NQueens, Population, Series, evolve, read_search,
)  # fmt: skip
from spikesim.meta.backends import SerialBackend, evaluate
from spikesim.meta.constraints import from_declaration, parse_text, resolve
from spikesim.meta.population import genotype_key

TINY = {"episodes": 0, "len_episode": 4, "eval_episodes": 1}  # xor runs of 4 ticks


class Bowl(MetaGame):
    """A smooth fitness over three kinds of genes; counts its evaluations."""

    GENOTYPE_CONSTRAINTS = {"x": (-1.0, 1.0), "k": (0, 5), "c": ["a", "b", "c"]}

    def __init__(self):
        self.calls = 0

    def get_fitness(self, genotype, rerun=0):
        self.calls += 1
        x, k, c = genotype["x"], genotype["k"], genotype["c"]
        return -((x - 0.3) ** 2) - abs(k - 2) + (c == "b") + 0.0 * rerun, False


def attacking_pairs(rows):
    """Queens attacking each other, counted square by square on a board."""
    n = len(rows)
    board = {(r, c) for c, r in enumerate(rows)}
    count = 0
    for (r1, c1), (r2, c2) in itertools.combinations(sorted(board, key=lambda q: q[1]), 2):
        same_row = r1 == r2
        diagonal = any((r1 + d * s, c1 + d) == (r2, c2) for d in range(1, n) for s in (1, -1))
        count += same_row or diagonal
    return count


def strip(records):
    return [{k: v for k, v in r.items() if k != "wall_s"} for r in records]


# ------------------------------------------------------------------ constraints
def test_constraints_from_declarations():
    assert from_declaration(Param("p", "float", 0.5, "", range="[0, 1]")) == Continuous(0, 1)
    assert from_declaration(Param("n", "int", 1, "", range="(0, 10)")) == Integer(1, 9)
    assert from_declaration(Param("n", "int", 1, "", range="[0.5, 3.5]")) == Integer(1, 3)
    opened = from_declaration(Param("r", "float", 0.5, "", range="(0, 1]"))
    assert opened.low == math.nextafter(0.0, 1.0) and opened.high == 1.0 and 0.0 not in opened
    assert from_declaration(Param("s", "str", "a", "", choices=("a", "b"))) == Choice(["a", "b"])
    assert from_declaration(Param("b", "bool", True, "")) == Choice([False, True])
    with pytest.raises(ConfigError, match=r"LIF: key 'tau_m' has the infinite range \(0, inf\); give an explicit"):
        from_declaration(Param("tau_m", "float", 20.0, "", range="(0, inf)"), "LIF")
    with pytest.raises(ConfigError, match="declares no range"):
        from_declaration(Param("bias", "float", 0.0, ""))
    with pytest.raises(ConfigError, match="without choices"):
        from_declaration(Param("f", "callable", None, ""))


def test_constraints_of_an_experiment_are_checked_against_its_parameters():
    namespace = experiments.get("xor").namespace()
    found = resolve({"input_pct_inhibitory": None, "engine": None, "learning_rate": (0.01, 2.0),
                     "refractory_period": (0, 3), "action_threshold": ["mean", 0.5]}, namespace, "xor")  # fmt: skip
    assert found == {"input_pct_inhibitory": Continuous(0, 1), "engine": Choice(["numba", "numpy"]),
                     "learning_rate": Continuous(0.01, 2.0), "refractory_period": Integer(0, 3),
                     "action_threshold": Choice(["mean", 0.5])}  # fmt: skip
    assert resolve(["baseline_rate"], namespace) == {"baseline_rate": Continuous(0, 1)}
    with pytest.raises(ConfigError, match="key 'tau_z' has the infinite range .*explicit constraint"):
        resolve(["tau_z"], namespace)
    with pytest.raises(ConfigError, match="unknown key 'learning_rat'; did you mean 'learning_rate'"):
        resolve({"learning_rat": (0, 1)}, namespace)
    with pytest.raises(ConfigError, match=r"constraint Continuous\(-1, 5\) of 'tau_m' allows values that LIF rejects"):
        resolve({"tau_m": (-1.0, 5.0)}, namespace)
    with pytest.raises(ConfigError, match="no parameters to search"):
        resolve({}, namespace)


def test_short_forms_and_command_line_text():
    assert resolve({"a": (0, 5), "b": (0, 5.0), "c": [1, 2], "d": range(3), "e": Continuous(1, 10, log=True),
                    "f": {"type": "integer", "low": 1, "high": 2}}) == {  # fmt: skip
        "a": Integer(0, 5), "b": Continuous(0, 5), "c": Choice([1, 2]), "d": Choice([0, 1, 2]),
        "e": Continuous(1, 10, log=True), "f": Integer(1, 2),
    }  # fmt: skip
    assert parse_text("0.01:2") == Continuous(0.01, 2)
    assert parse_text("0:5") == Integer(0, 5)
    assert parse_text("log:1e-3:1") == Continuous(1e-3, 1, log=True)
    assert parse_text("mean,0.5,true") == Choice(["mean", 0.5, True])
    assert parse_text("") is None
    with pytest.raises(ConfigError, match="expects LOW:HIGH"):
        parse_text("a:b:c")
    with pytest.raises(ConfigError, match="log=True: expects low > 0"):
        Continuous(0, 1, log=True)


constraint_strategy = st.one_of(
    st.tuples(st.floats(-100, 100), st.floats(0, 100)).map(lambda t: Continuous(t[0], t[0] + t[1])),
    st.tuples(st.floats(1e-3, 10), st.floats(1, 1e3)).map(lambda t: Continuous(t[0], t[0] * t[1], log=True)),
    st.tuples(st.integers(-50, 50), st.integers(0, 20)).map(lambda t: Integer(t[0], t[0] + t[1])),
    st.lists(st.one_of(st.integers(-5, 5), st.sampled_from(["a", "b", "c"]), st.booleans()), min_size=1,
             max_size=5, unique_by=lambda v: (type(v), v)).map(Choice),  # fmt: skip
)


@settings(max_examples=60, deadline=None)
@given(constraints=st.lists(constraint_strategy, min_size=1, max_size=4), seed=st.integers(0, 2**32 - 1))
def test_operators_keep_genotypes_within_their_constraints(constraints, seed):
    named = {f"g{i}": c for i, c in enumerate(constraints)}
    population = Population(constraints=named, n_agents=12, n_epoch=4, seed=seed, max_age=2)
    rng = np.random.default_rng(seed)
    for _ in range(4):
        genotypes = population.ask()
        assert len(genotypes) == 12
        for genotype in genotypes:
            assert set(genotype) == set(named)
            for name, value in genotype.items():
                assert value in named[name], (name, value, named[name])
                json.dumps(value)  # plain JSON values
        population.tell(list(rng.normal(size=12)))
    for name, c in named.items():  # a mutation moves a gene when it can
        value = c.sample(rng)
        moved = c.mutate(value, rng)
        assert moved in c
        if isinstance(c, Choice) and len(c.values) > 1 or isinstance(c, Integer) and c.low < c.high:
            assert moved != value or isinstance(value, bool) != isinstance(moved, bool)


def test_crossover_takes_every_gene_from_a_parent_and_mutation_changes_at_least_one():
    constraints = {f"g{i}": Integer(0, 1000) for i in range(6)}
    population = Population(constraints=constraints, seed=4)
    a = {f"g{i}": i for i in range(6)}
    b = {f"g{i}": 100 + i for i in range(6)}
    for _ in range(50):
        child = population._crossover(a, b)
        assert all(child[k] in (a[k], b[k]) for k in a)
        mutant = population._mutate(a)
        assert sum(mutant[k] != a[k] for k in a) >= 1


# ------------------------------------------------------------------ population
def test_spikey_names_and_shares_of_a_generation():
    population = Population(game=NQueens(), n_agents=10, n_epoch=3, n_storing=50, mutate_eligable_pct=0.3,
                            max_age=4, random_rate=0.1, survivor_rate=0.1, mutation_rate=0.3, crossover_rate=0.5,
                            seed=2)  # fmt: skip
    assert population.mutate_eligible_pct == 0.3 and population.target == 28
    assert population.counts() == {"random_rate": 1, "survivor_rate": 1, "mutation_rate": 3, "crossover_rate": 5}
    assert sum(Population(game=NQueens(), n_agents=7).counts().values()) == 7
    with pytest.raises(ConfigError, match="expects 1; got 0.1 \\+ 0.1 \\+ 0.3 \\+ 0.6 = 1.1"):
        Population(game=NQueens(), crossover_rate=0.6)
    with pytest.raises(TypeError, match="'n_process'.*evolve\\(backend=..., workers=...\\)"):
        Population(game=NQueens(), n_process=2)
    with pytest.raises(ConfigError, match="'n_agents' expects an integer in \\[1, inf\\); got 0"):
        Population(game=NQueens(), n_agents=0)


def test_survivors_are_the_best_and_age_out():
    constraints = {"x": Integer(0, 10**6)}
    population = Population(constraints=constraints, n_agents=4, n_epoch=10, seed=0, max_age=2, random_rate=0.0,
                            survivor_rate=0.5, mutation_rate=0.5, crossover_rate=0.0)  # fmt: skip
    first = population.ask()
    record = population.tell([1.0, 4.0, 3.0, 2.0])
    assert record["best"] == {"genotype": first[1], "fitness": 4.0, "generation": 0}
    second = population.ask()
    assert second[:2] == [first[1], first[2]]  # the two best, in order
    population.tell([0.0, 0.0, 5.0, 6.0])  # the survivors are now 2 generations old: max_age
    third = population.ask()
    assert first[1] not in third[:2] and first[2] not in third[:2]
    assert third[:2] == [second[3], second[2]]


def test_nqueens_fitness_is_28_minus_the_attacking_pairs():
    game = NQueens()
    solution = [0, 4, 7, 5, 2, 6, 1, 3]
    assert game.get_fitness({f"queen_{c}": r for c, r in enumerate(solution)}) == (28, True)
    rng = np.random.default_rng(7)
    for _ in range(30):
        rows = list(rng.integers(0, 8, 8))
        fitness, done = game.get_fitness({f"queen_{c}": r for c, r in enumerate(rows)})
        assert fitness == 28 - attacking_pairs(rows) and done == (fitness == 28)
    assert game.get_fitness({f"queen_{c}": c for c in range(8)}) == (0, False)  # one diagonal: all 28 pairs


def test_nqueens_is_solved_within_a_fixed_budget():
    population = Population(game=NQueens(), n_agents=100, n_epoch=60, seed=5)
    best = population.run()
    assert best["fitness"] == 28.0 and population.terminated and population.generation == 9
    rows = [best["genotype"][f"queen_{c}"] for c in range(8)]
    assert attacking_pairs(rows) == 0


def test_cache_hits_skip_evaluations_and_the_cache_is_bounded():
    class Two(Bowl):
        GENOTYPE_CONSTRAINTS = {"x": [0.0, 0.5], "k": [2], "c": ["b"]}

    game = Two()
    population = Population(game=game, n_agents=6, n_epoch=3, seed=1)
    population.run()
    assert game.calls == 2  # two genotypes exist: each evaluated once
    assert population.evaluations == 2 and population.cache_hits > 0
    game = Two()
    Population(game=game, n_agents=6, n_epoch=3, seed=1, n_storing=0).run()
    assert game.calls > 2  # without a cache, each generation evaluates again
    population = Population(constraints={"x": Integer(0, 10**6)}, n_agents=5, n_storing=2, seed=3)
    genotypes = population.ask()
    population.tell([1.0, 2.0, 3.0, 4.0, 5.0])
    assert list(population.cache) == [genotype_key(g) for g in genotypes[-2:]]


def test_reruns_are_aggregated():
    population = Population(constraints={"x": [1]}, n_agents=2, n_reruns=3, seed=0)
    record = population.tell([[1.0, 2.0, 6.0], None])
    assert record["fitnesses"] == [3.0, 3.0] and record["evaluations"] == 1
    population = Population(constraints={"x": [1, 2]}, n_agents=2, n_reruns=2, aggregator="max", seed=0)
    assert population.tell([[1.0, 2.0], [5.0, -1.0]])["fitnesses"] == [2.0, 5.0]
    with pytest.raises(ValueError, match="expects 2 rerun fitnesses"):
        population.tell([[1.0], [2.0]])

    class Seeds(MetaGame):
        GENOTYPE_CONSTRAINTS = {"x": [1]}

        def get_fitness(self, genotype, rerun=0):
            return 10.0 * rerun, False

    search = evolve(Seeds(), population={"n_agents": 2, "n_reruns": 3, "aggregator": "median"}, generations=1,
                    backend="serial")  # fmt: skip
    assert search.records[0]["fitnesses"] == [10.0, 10.0]  # reruns 0, 1, 2 -> median of 0, 10, 20


def test_a_failing_genotype_gets_the_worst_fitness_and_the_search_goes_on(tmp_path):
    search = evolve("xor", {"learning_rate": (0.1, 1.0), "n_neurons": [61, 5]}, population=4, generations=2,
                    backend="serial", seed=2, out=tmp_path / "s", **TINY)  # fmt: skip
    records = search.records
    failed = [(r["genotypes"][e["index"]], r["fitnesses"][e["index"]], e["error"]) for r in records for e in r["errors"]]
    assert failed, "the seed gives genotypes with n_neurons=5"
    for genotype, fitness, error in failed:
        assert genotype["n_neurons"] == 5 and fitness is None
        assert error.startswith("ConfigError: Manual: key 'matrix'") and "n_neurons (5)" in error
    ok = [f for r in records for g, f in zip(r["genotypes"], r["fitnesses"]) if g["n_neurons"] == 61]
    assert ok and all(0.0 <= f <= 1.0 for f in ok)
    assert search.best_genotype["n_neurons"] == 61 and len(records) == 2
    assert read_search(tmp_path / "s")["generations"] == json.loads(json.dumps(records))


def test_evolve_network_runs_the_experiment_with_the_genotype():
    game = EvolveNetwork("xor", {"learning_rate": (0.1, 1.0)}, overrides={"tau_z": 30.0}, seed=4, **TINY)
    direct = experiments.get("xor").run({"tau_z": 30.0, "learning_rate": 0.7}, seed=6, progress=False, **TINY)
    assert game.get_fitness({"learning_rate": 0.7}, rerun=2) == (direct.metric, False)
    assert EvolveNetwork.from_config(json.loads(json.dumps(game.config()))).config() == game.config()
    with pytest.raises(ConfigError, match="unknown key 'tau_zz'"):
        EvolveNetwork("xor", {"learning_rate": (0.1, 1.0)}, overrides={"tau_zz": 3.0})
    failed = evaluate(game, {"learning_rate": -1.0})
    assert failed.fitness is None and "learning_rate" in failed.error


# ------------------------------------------------------------------ logs, checkpoints, resume
def test_log_lines_and_json_checkpoint(tmp_path):
    out = tmp_path / "search"
    search = evolve(Bowl(), population=6, generations=3, backend="serial", seed=11, out=out)
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.json", "generations.jsonl", "search.json"]
    lines = [json.loads(line) for line in (out / "generations.jsonl").read_text().splitlines()]
    assert [r["generation"] for r in lines] == [0, 1, 2]
    for record in lines:
        assert {"generation", "genotypes", "fitnesses", "best", "errors", "wall_s"} <= set(record)
        assert len(record["genotypes"]) == len(record["fitnesses"]) == 6
        assert record["best"]["fitness"] == max(max(r["fitnesses"]) for r in lines[: record["generation"] + 1])
    checkpoint = json.loads((out / "checkpoint.json").read_text())
    assert checkpoint["generation"] == 3 and checkpoint["rng"]["bit_generator"] == "PCG64"
    assert len(checkpoint["cache"]) == search.population.evaluations
    assert json.loads((out / "search.json").read_text())["population"]["constraints"]["k"] == {
        "type": "integer", "low": 0, "high": 5}  # fmt: skip
    with pytest.raises(FileExistsError, match="resume="):
        evolve(Bowl(), population=6, generations=3, backend="serial", out=out)


class Stop(Exception):
    pass


def test_resume_reaches_the_same_result_as_an_uninterrupted_search(tmp_path):
    whole = evolve(Bowl(), population=8, generations=6, backend="serial", seed=5, out=tmp_path / "whole")

    def interrupt(record):
        if record["generation"] == 2:
            raise Stop

    with pytest.raises(Stop):
        evolve(Bowl(), population=8, generations=6, backend="serial", seed=5, out=tmp_path / "cut",
               on_generation=interrupt)  # fmt: skip
    assert len(read_search(tmp_path / "cut")["generations"]) == 3
    resumed = evolve(Bowl(), resume=tmp_path / "cut", backend="serial")
    assert strip(resumed.records) == strip(whole.records)
    a, b = read_search(tmp_path / "whole"), read_search(tmp_path / "cut")
    assert strip(a["generations"]) == strip(b["generations"])
    assert {k: v for k, v in a["checkpoint"].items() if k != "last_record"} == {
        k: v for k, v in b["checkpoint"].items() if k != "last_record"}  # fmt: skip


def test_resume_repairs_a_log_cut_between_checkpoint_and_log_line(tmp_path):
    whole = evolve(Bowl(), population=6, generations=4, backend="serial", seed=8)
    evolve(Bowl(), population=6, generations=2, backend="serial", seed=8, out=tmp_path / "s")
    log = tmp_path / "s" / "generations.jsonl"
    log.write_text(log.read_text().splitlines(keepends=True)[0])  # killed after the checkpoint of generation 1
    resumed = evolve(Bowl(), resume=tmp_path / "s", generations=4, backend="serial")
    assert strip(resumed.records) == strip(whole.records)


# ------------------------------------------------------------------ series
def test_series_runs_every_point_of_the_grid(tmp_path):
    series = Series("xor", {"learning_rate": [0.1, 1.0], "tau_z": [10.0, 40.0]}, seed=2, **TINY)
    assert series.points() == [{"learning_rate": 0.1, "tau_z": 10.0}, {"learning_rate": 0.1, "tau_z": 40.0},
                               {"learning_rate": 1.0, "tau_z": 10.0}, {"learning_rate": 1.0, "tau_z": 40.0}]  # fmt: skip
    records = series.run(backend=SerialBackend(), out=tmp_path)
    direct = experiments.get("xor").run({"learning_rate": 1.0, "tau_z": 40.0}, seed=2, progress=False, **TINY)
    assert records[3]["metrics"] == [direct.metric] and records[3]["metric"] == direct.metric
    assert records[3]["success"] == [direct.success] and records[3]["errors"] == []
    assert [json.loads(line) for line in (tmp_path / "series.jsonl").read_text().splitlines()] == records
    with pytest.raises(ConfigError, match="did you mean 'learning_rate'"):
        Series("xor", {"learning_rat": [0.1]})
    with pytest.raises(ConfigError, match="'tau_z' expects a number in \\(0, inf\\); got -1"):
        Series("xor", {"tau_z": [-1.0]})


# ------------------------------------------------------------------ command line
def test_evolve_command_and_its_resume(tmp_path, capsys):
    common = ["--backend", "serial", "--population", "4", "--len-episode", "4", "--episodes", "0",
              "--param", "learning_rate=0.1:1", "--param", "refractory_period=0:3", "--seed", "2"]  # fmt: skip
    assert main(["evolve", "xor", *common, "--generations", "3", "--out", str(tmp_path / "a"), "--no-plot"]) == 0
    capsys.readouterr()
    assert main(["evolve", "xor", *common, "--generations", "2", "--out", str(tmp_path / "b")]) == 0
    printed = capsys.readouterr().out
    assert "2 generations (numbered from 0)" in printed and (tmp_path / "b" / "plots" / "fitness.png").is_file()
    assert "generation 1 of 0..1: best" in printed and "generation 2" not in printed
    assert main(["evolve", "--resume", str(tmp_path / "b"), "--generations", "3", "--backend", "serial"]) == 0
    resumed = capsys.readouterr().out
    assert "generation 2 of 0..2: best" in resumed and "generation 1 " not in resumed
    a, b = read_search(tmp_path / "a"), read_search(tmp_path / "b")
    assert strip(a["generations"]) == strip(b["generations"]) and len(a["generations"]) == 3


def test_evolve_numbers_generations_from_0_on_screen_in_the_log_and_in_the_plot(tmp_path, capsys):
    from spikesim import viz

    out = tmp_path / "s"
    options = ["--backend", "serial", "--population", "3", "--len-episode", "4", "--episodes", "0",
               "--param", "learning_rate=0.1:1", "--generations", "3", "--out", str(out), "--no-plot"]  # fmt: skip
    assert main(["evolve", "xor", *options]) == 0
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith(("generation ", "best "))]
    on_screen = [int(line.split()[1]) for line in printed if line.startswith("generation ")]
    logged = [record["generation"] for record in read_search(out)["generations"]]
    drawn = {line.get_label(): list(line.get_xdata()) for line in viz.fitness_per_generation(out).axes[0].get_lines()}
    assert on_screen == logged == drawn["best"] == drawn["median"] == [0, 1, 2]
    best = read_search(out)["generations"][-1]["best"]
    assert printed[-1].startswith("best fitness ") and f"(generation {best['generation']}): " in printed[-1]


def test_evolve_command_errors_are_one_line(tmp_path, capsys):
    def error(*argv):
        code = main(["evolve", *argv])
        err = capsys.readouterr().err.strip()
        assert code != 0 and "\n" not in err and err.startswith("spikesim: error: "), err
        return err

    assert "no experiment named 'xr'; did you mean 'xor'" in error("xr")
    assert "key 'tau_z' has the infinite range (0, inf); give an explicit constraint" in error(
        "xor", "--param", "tau_z", "--backend", "serial", "--out", str(tmp_path / "x"))  # fmt: skip
    assert "unknown key 'learning_rat'; did you mean 'learning_rate'" in error(
        "xor", "--param", "learning_rat=0:1", "--backend", "serial", "--out", str(tmp_path / "y"))  # fmt: skip
    assert "drop --population" in error("--resume", str(tmp_path), "--population", "3")
    assert "not a search directory" in error("--resume", str(tmp_path / "nothing"))
    assert "give an EXPERIMENT" in error()


def test_evolve_xor_without_param_searches_the_documented_default_space(tmp_path, capsys):
    import re
    from pathlib import Path

    from spikesim.meta import SEARCH_SPACES

    # what docs/search.md says the README's `spikesim evolve xor` searches
    docs = (Path(__file__).resolve().parents[1] / "docs" / "search.md").read_text()
    stated = re.search(r"For `xor` the\s+default is `learning_rate` in \[([\d.]+), ([\d.]+)\], `tau_z` in "
                       r"\[([\d.]+), ([\d.]+)\] and `tau_m` in \[([\d.]+), ([\d.]+)\]", docs)  # fmt: skip
    assert stated, "docs/search.md no longer states the xor default search space"
    lo_lr, hi_lr, lo_z, hi_z, lo_m, hi_m = map(float, stated.groups())
    documented = {"learning_rate": (lo_lr, hi_lr), "tau_z": (lo_z, hi_z), "tau_m": (lo_m, hi_m)}
    assert documented == {"learning_rate": (0.05, 2.0), "tau_z": (5.0, 100.0), "tau_m": (5.0, 40.0)}
    assert SEARCH_SPACES["xor"] == documented
    # the command as the README gives it (no --param), reduced to 2 genotypes x 1 generation of 4-tick runs
    out = tmp_path / "s"
    options = ["--backend", "serial", "--population", "2", "--generations", "1", "--len-episode", "4",
               "--episodes", "0", "--eval-episodes", "1", "--out", str(out), "--no-plot"]  # fmt: skip
    assert main(["evolve", "xor", *options]) == 0
    capsys.readouterr()
    search = read_search(out)
    genes = search["search"]["metagame"]["config"]["constraints"]
    assert genes == {k: {"type": "continuous", "low": a, "high": b, "log": False} for k, (a, b) in documented.items()}
    [record] = search["generations"]
    assert len(record["genotypes"]) == 2 and record["errors"] == []
    xor = experiments.get("xor")
    for genotype, fitness in zip(record["genotypes"], record["fitnesses"]):
        assert set(genotype) == set(documented)
        assert all(lo <= genotype[k] <= hi for k, (lo, hi) in documented.items())
        # the fitness is the experiment's metric for the genotype on the search's seed (0)
        assert fitness == xor.run(genotype, seed=0, episodes=0, len_episode=4, eval_episodes=1, progress=False).metric
        net, _ = xor.build(genotype, seed=0)
        assert (net.config["tau_m"], net.config["tau_z"], net.config["learning_rate"]) == (
            genotype["tau_m"], genotype["tau_z"], genotype["learning_rate"])  # the genes reach the network
