"""The genetic search on Ray: the Ray backend agrees with the serial one, a
failing genotype is recorded, the workers keep their compiled kernels between
generations, an evaluation whose worker dies is retried, a node lost
mid-generation loses nothing, and GeneticSearch drives the same population
inside Ray Tune.

One small cluster serves the module (``ray.cluster_utils.Cluster``: a head
without CPUs and two worker nodes of one CPU each); the node-removal test
runs last.
"""
from __future__ import annotations

import os
import sys
import threading
import time

import pytest

ray = pytest.importorskip("ray")
tune = pytest.importorskip("ray.tune")

import ray.cloudpickle  # noqa: E402
from ray.cluster_utils import Cluster  # noqa: E402

from spikesim.meta import EvolveNetwork, NQueens, Population, RayBackend, evolve  # noqa: E402
from spikesim.meta.backends import SerialBackend, tell_evaluations  # noqa: E402
from spikesim.meta.tune import GeneticSearch, metagame_trainable  # noqa: E402

# the classes of this module travel to the workers by value
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])

class SlowQueens(NQueens):
    """NQueens whose evaluations take a while (time to lose a node)."""

    def get_fitness(self, genotype, rerun=0):
        time.sleep(0.6)
        return super().get_fitness(genotype, rerun)


class Fragile(NQueens):
    """NQueens whose experiment raises for a queen in the corner."""

    def get_fitness(self, genotype, rerun=0):
        if genotype["queen_0"] == 0:
            raise ValueError("no queen in the corner")
        return super().get_fitness(genotype, rerun)


class Mortal(NQueens):
    """NQueens whose worker process dies at the search's first evaluation
    (once: the marker file remembers it)."""

    def __init__(self, marker):
        super().__init__()
        self.marker = str(marker)

    def get_fitness(self, genotype, rerun=0):
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL))  # one worker only creates it
        except FileExistsError:
            return super().get_fitness(genotype, rerun)
        os._exit(1)


class Compilations(EvolveNetwork):
    """Runs xor; its fitness is the number of tick functions (Numba
    signatures) the run compiled or loaded in its worker process."""

    def get_fitness(self, genotype, rerun=0):
        from spikesim import engine

        def count():
            return sum(len(f.signatures) for ns in engine._compiled.values()
                       for f in (ns.run_tick, ns.apply_reward) if f is not None)  # fmt: skip

        before = count()
        super().get_fitness(genotype, rerun)
        return float(count() - before), False


def strip(records):
    return [{k: v for k, v in r.items() if k != "wall_s"} for r in records]


@pytest.fixture(scope="module")
def cluster():
    if ray.is_initialized():
        ray.shutdown()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False})
    workers = [cluster.add_node(num_cpus=1) for _ in range(2)]
    ray.init(address=cluster.address, log_to_driver=False)
    cluster.wait_for_nodes()
    yield cluster, workers
    ray.shutdown()
    cluster.shutdown()


def test_ray_and_serial_backends_agree_and_a_failing_genotype_is_recorded(cluster):
    on_ray = evolve(Fragile(), population=8, generations=3, backend="ray", seed=8)
    serial = evolve(Fragile(), population=8, generations=3, backend="serial", seed=8)
    assert strip(on_ray.records) == strip(serial.records)
    assert on_ray.info["workers"] == 2 and on_ray.backend == "ray"
    errors = [(r["genotypes"][e["index"]], r["fitnesses"][e["index"]], e["error"]) for r in on_ray.records
              for e in r["errors"]]  # fmt: skip
    assert errors and all(g["queen_0"] == 0 and f is None for g, f, e in errors)
    assert all(e.startswith("ValueError: no queen in the corner (at test_meta_ray.py:") for *_, e in errors)
    assert on_ray.best_genotype["queen_0"] != 0


def test_workers_keep_their_compiled_kernels_between_generations(cluster):
    game = Compilations("xor", {"learning_rate": (0.1, 1.0)}, episodes=0, len_episode=4, eval_episodes=1)
    first, second = ([(g, 0) for g in Population(constraints=game.constraints, n_agents=4, seed=s).ask()]
                     for s in (1, 2))  # fmt: skip
    game.get_fitness(first[0][0])  # compiled here, the workers load the tick from the disk cache
    backend = RayBackend()
    try:
        compiled = [e.fitness for e in backend.map(game, first)]
        again = [e.fitness for e in backend.map(game, second)]
    finally:
        backend.close()
    # each of the (at most two) workers compiles or loads the tick once, at its first evaluation, which
    # may come in the second generation when Ray gave the first one's four to the other worker
    first_in_a_worker = [c for c in compiled + again if c > 0]
    assert 1 <= len(first_in_a_worker) <= 2 and len(set(first_in_a_worker)) == 1


def test_an_evaluation_whose_worker_dies_is_retried(cluster, tmp_path):
    marker = tmp_path / "died"
    backend = RayBackend(retries=1)
    try:
        on_ray = evolve(Mortal(marker), population=8, generations=2, backend=backend, seed=3)
    finally:
        backend.close()
    serial = evolve(NQueens(), population=8, generations=2, backend="serial", seed=3)
    assert marker.exists() and backend.lost == 1  # one worker died; its evaluation ran again elsewhere
    assert strip(on_ray.records) == strip(serial.records)
    assert all(len(r["errors"]) == 0 for r in on_ray.records)


def test_genetic_search_drives_the_population_inside_tune(cluster, tmp_path):
    game = NQueens()
    space = {f"queen_{c}": tune.choice(list(range(8))) for c in range(8)}
    searcher = GeneticSearch(population=3, generations=2, seed=4)
    tuner = tune.Tuner(
        metagame_trainable(game),
        param_space=space,
        tune_config=tune.TuneConfig(search_alg=searcher, metric="fitness", mode="max", num_samples=-1,
                                    reuse_actors=True),
        run_config=tune.RunConfig(storage_path=str(tmp_path), name="queens", verbose=0),
    )
    results = tuner.fit()
    # the same population told by hand, serially
    population = Population(game=game, n_agents=3, n_epoch=2, seed=4)
    reference = []
    while not population.terminated:
        jobs = [(g, 0) for g in population.pending()]
        reference.append(tell_evaluations(population, jobs, SerialBackend().map(game, jobs)))
    assert strip(searcher.records) == strip(reference)
    assert len(results) == sum(r["evaluations"] for r in reference)
    assert results.get_best_result().metrics["fitness"] == searcher.best["fitness"]


def test_genetic_search_without_tune_minimises_and_restores_from_json(tmp_path):
    searcher = GeneticSearch({"x": (0, 20)}, metric="loss", mode="min", population=4, generations=3, seed=1)
    copy = None
    ids = iter(range(10**6))
    configs = {}
    while True:
        trial = str(next(ids))
        config = searcher.suggest(trial)
        if config == "FINISHED":
            break
        if config is None:  # a generation is waiting: finish its trials
            for t, c in list(configs.items()):
                searcher.on_trial_complete(t, {"loss": (c["x"] - 7) ** 2})
                del configs[t]
                if copy is None:  # save and restore mid-generation
                    searcher.save(str(tmp_path / "state.json"))
                    copy = GeneticSearch()
                    copy.restore(str(tmp_path / "state.json"))
                    assert copy.get_state() == searcher.get_state()
            continue
        configs[trial] = config
    assert len(searcher.records) == 3
    population = Population(constraints={"x": (0, 20)}, n_agents=4, n_epoch=3, seed=1)
    for record in searcher.records:
        assert record["genotypes"] == population.ask()
        population.tell([-((g["x"] - 7) ** 2) for g in record["genotypes"]])
    assert searcher.best["fitness"] == -min((g["x"] - 7) ** 2 for r in searcher.records for g in r["genotypes"])


def test_a_node_lost_mid_generation_loses_nothing(cluster):
    cluster_, workers = cluster
    removed = []

    def remove_a_node(done, total, evaluation):
        # after the first result both workers start a new evaluation; 0.2 s later
        # both are running one (0.6 s each): removing a node kills a running one
        if not removed:
            removed.append(threading.Timer(0.2, cluster_.remove_node, (workers[1],)))
            removed[0].start()

    backend = RayBackend(retries=2)
    try:
        on_ray = evolve(SlowQueens(), population=6, generations=2, backend=backend, seed=1,
                        on_evaluation=remove_a_node)  # fmt: skip
    finally:
        backend.close()
        removed[0].join()
    serial = evolve(NQueens(), population=6, generations=2, backend="serial", seed=1)
    assert backend.lost >= 1  # an evaluation was lost with its node, and retried
    assert strip(on_ray.records) == strip(serial.records)
    assert all(len(r["errors"]) == 0 for r in on_ray.records)
