"""Where evaluations run: in this process (:class:`SerialBackend`) or on a
Ray cluster (:class:`RayBackend`), with the same results for the same jobs.

A job is ``(genotype, rerun)``; evaluating it calls the metagame's
``get_fitness(genotype, rerun=rerun) -> (fitness, done)`` (or
``get_fitness(genotype)`` when the metagame takes no rerun), which may also
return ``(fitness, done, info)``: ``info`` (any picklable value, the
measurements of a replication run say) comes back in
``Evaluation.info``. An exception
raised by the metagame is caught and recorded as the evaluation's error; the
search gives that genotype the worst fitness and goes on.
"""
from __future__ import annotations

import inspect
import logging
import math
import os
import time
import traceback
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

log = logging.getLogger("spikesim")

Job = tuple[Mapping[str, Any], int]

#: Seconds an ``address`` has to accept a connection and answer before
#: :class:`RayBackend` gives up (ConnectionError) rather than wait in
#: ``ray.init``, which retries an unreachable cluster for many minutes.
ADDRESS_TIMEOUT_S = 10.0
#: The first bytes an HTTP/2 client sends (RFC 9113, 3.4): the preface and an
#: empty SETTINGS frame; Ray's GCS and client servers (gRPC) answer with theirs.
_HTTP2_HELLO = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])


@dataclass
class Evaluation:
    """The result of one job: the fitness (None when it failed), the
    metagame's ``done`` flag, the error (``"Type: message"``), the seconds
    it took, the attempts it needed (more than one when a worker died) and
    the ``info`` the metagame returned beside the fitness (or None)."""

    fitness: float | None
    done: bool = False
    error: str | None = None
    seconds: float = 0.0
    attempts: int = 1
    info: Any = None


def _takes_rerun(game: Any) -> bool:
    try:
        parameters = inspect.signature(game.get_fitness).parameters
    except (TypeError, ValueError):
        return False
    return "rerun" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def evaluate(game: Any, genotype: Mapping[str, Any], rerun: int = 0) -> Evaluation:
    """Run one job in this process; never raises for the metagame's errors."""
    start = time.perf_counter()
    try:
        if _takes_rerun(game):
            result = game.get_fitness(dict(genotype), rerun=rerun)
        else:
            result = game.get_fitness(dict(genotype))
        fitness, done, *info = result if isinstance(result, tuple) else (result, False)
        fitness = float(fitness)
        if math.isnan(fitness):
            raise ValueError("the fitness is NaN")
        return Evaluation(fitness, bool(done), None, time.perf_counter() - start, info=info[0] if info else None)
    except Exception as error:  # noqa: BLE001 - any failure of the experiment is recorded, not raised
        where = traceback.extract_tb(error.__traceback__)[-1]
        message = f"{type(error).__name__}: {error} (at {os.path.basename(where.filename)}:{where.lineno})"
        log.warning("evaluation of %s failed: %s", dict(genotype), message)
        return Evaluation(None, False, message, time.perf_counter() - start)


def tell_evaluations(population: Any, jobs: Sequence[Job], evaluations: Sequence[Evaluation]) -> dict:
    """Give a population the evaluations of ``jobs`` (its pending genotypes
    times its reruns): reruns aggregated, cached genotypes from its cache, a
    failed rerun fails the genotype. Returns the generation's record."""
    from spikesim.meta.population import genotype_key

    runs: dict[str, list[float]] = {}
    errors: dict[str, str] = {}
    done = False
    for (genotype, rerun), ev in zip(jobs, evaluations):
        key = genotype_key(genotype)
        if ev.error is not None:
            errors.setdefault(key, ev.error)
        else:
            runs.setdefault(key, []).append(ev.fitness)
        done = done or ev.done
    fitnesses: list[Any] = []
    failures: list[str | None] = []
    for genotype in population.ask():
        key = genotype_key(genotype)
        if key in errors:
            fitnesses.append(None)
            failures.append(errors[key])
        elif key in runs:
            values = runs[key]
            fitnesses.append(values if population.n_reruns > 1 else values[0])
            failures.append(None)
        else:
            fitnesses.append(None)  # cached
            failures.append(None)
    return population.tell(fitnesses, failures, done)


class SerialBackend:
    """Evaluates every job in this process, one after the other."""

    name = "serial"
    workers = 1
    startup_s = 0.0

    def map(self, game: Any, jobs: Sequence[Job], on_result: Callable[[int, Evaluation], None] | None = None) -> list[Evaluation]:
        """Evaluate ``jobs``; ``on_result(index, evaluation)`` as each ends."""
        results = []
        for i, (genotype, rerun) in enumerate(jobs):
            results.append(evaluate(game, genotype, rerun))
            if on_result is not None:
                on_result(i, results[-1])
        return results

    def close(self) -> None:
        """Nothing to release."""


class _Worker:
    """A Ray actor: keeps one metagame (and the kernels it compiled) warm
    between evaluations."""

    def __init__(self) -> None:
        self.token = None
        self.game = None

    def ready(self) -> str:
        import socket

        return f"{socket.gethostname()}:{os.getpid()}"

    def evaluate(self, token: int, game_box: list, genotype: Mapping[str, Any], rerun: int) -> Evaluation:
        if token != self.token:
            import ray

            self.game = ray.get(game_box[0])
            self.token = token
        return evaluate(self.game, genotype, rerun)


#: The logger of Ray's notice, at every start of a local cluster, that token authentication is on.
RAY_TOKEN_LOGGER = "ray._private.authentication.authentication_token_setup"


def _no_token_notice(record: logging.LogRecord) -> bool:
    """A logging filter: False for Ray's notice that token authentication is on (Ray's default, kept)."""
    return not record.getMessage().startswith("Token authentication is enabled for this Ray cluster")


class RayBackend:
    """Evaluates jobs on a pool of Ray actors, one CPU each.

    ``ray.init()`` with no address starts a local cluster (with Ray's token
    authentication, its default; its notice of that on every start is not
    shown); ``address`` (or the ``RAY_ADDRESS`` environment variable) joins
    an existing one. The actors
    live as long as the backend, so each worker process compiles the
    network's kernels once. A job whose worker dies (its process or its
    node) is retried on another worker, up to ``retries`` times; the dead
    worker is replaced when the cluster has room.

    An address given as ``HOST:PORT`` (the cluster's GCS) or
    ``ray://HOST:PORT`` (a Ray client server) is probed before ``ray.init``
    (:func:`probe_address`): one that does not answer within
    :data:`ADDRESS_TIMEOUT_S` raises ConnectionError naming it.

    Parameters
    ----------
    workers
        Actors to start (default: the cluster's CPUs).
    address
        A cluster to join (None: ``RAY_ADDRESS`` or a new local cluster).
    retries
        Retries of a job whose worker died.
    init_options
        More keyword arguments of ``ray.init`` (e.g. ``runtime_env``).
    """

    name = "ray"

    def __init__(self, workers: int | None = None, address: str | None = None, retries: int = 3,
                 init_options: Mapping[str, Any] | None = None) -> None:  # fmt: skip
        self.requested_workers = workers
        self.address = address
        self.retries = int(retries)
        self.init_options = dict(init_options or {})
        self.started_ray = False
        self.startup_s = 0.0
        self.workers = 0
        self.lost = 0  # jobs whose worker died
        self._actors: list[Any] = []
        self._ready: deque = deque()
        self._pending: dict[Any, Any] = {}  # ready() ref -> actor not yet known to be up
        self._token = 0
        self._game = None
        self._game_box: list | None = None

    def start(self) -> None:
        """Start or join the cluster and the actors (done by the first map)."""
        import ray

        start = time.perf_counter()
        if not ray.is_initialized():
            options = dict(self.init_options)
            address = self.address
            if address is None and not os.environ.get("RAY_ADDRESS"):
                address = "local"  # a new cluster of our own, not another process's that may stop under us
                options.setdefault("include_dashboard", False)
                if self.requested_workers is not None:
                    options.setdefault("num_cpus", self.requested_workers)
            probe_address(address or os.environ["RAY_ADDRESS"])
            notice = logging.getLogger(RAY_TOKEN_LOGGER)
            notice.addFilter(_no_token_notice)
            try:
                ray.init(address=address, **options)
            finally:
                notice.removeFilter(_no_token_notice)
            self.started_ray = True
            log.info("ray: %s", "started a local cluster" if self.address is None else f"joined {self.address}")
        if self.requested_workers is None:
            self.workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        else:
            self.workers = int(self.requested_workers)
        remote = ray.remote(num_cpus=1, max_restarts=0)(_Worker)
        self._remote = remote
        for _ in range(self.workers):
            self._add_actor()
        self.startup_s = time.perf_counter() - start

    def _add_actor(self) -> None:
        actor = self._remote.remote()
        self._actors.append(actor)
        self._pending[actor.ready.remote()] = actor

    def _drop_actor(self, actor: Any) -> None:
        import ray

        if actor in self._actors:
            self._actors.remove(actor)
            try:
                ray.kill(actor, no_restart=True)
            except Exception:  # noqa: BLE001 - already gone
                pass
            self._add_actor()  # replaced when the cluster has room

    def map(self, game: Any, jobs: Sequence[Job], on_result: Callable[[int, Evaluation], None] | None = None) -> list[Evaluation]:
        """Evaluate ``jobs`` on the actors; results in the order of ``jobs``
        whatever worker ran them; ``on_result(index, evaluation)`` as each ends."""
        import ray
        from ray.exceptions import RayActorError, RayError

        if not self._actors:
            self.start()
        if game is not self._game:
            self._game, self._token = game, self._token + 1
            self._game_box = [ray.put(game)]
        queue = deque(range(len(jobs)))
        attempts = [0] * len(jobs)
        results: list[Evaluation | None] = [None] * len(jobs)
        running: dict[Any, tuple[int, Any]] = {}
        waited = 0.0
        while queue or running:
            while queue and self._ready:
                i, actor = queue.popleft(), self._ready.popleft()
                genotype, rerun = jobs[i]
                attempts[i] += 1
                running[actor.evaluate.remote(self._token, self._game_box, dict(genotype), rerun)] = (i, actor)
            refs = list(running) + list(self._pending)
            done, _ = ray.wait(refs, num_returns=1, timeout=30.0)
            if not done:
                if running:
                    continue  # the workers are busy
                waited += 30.0
                log.warning("ray: %d job(s) waiting %.0f s for a worker (%d worker(s) starting; is the cluster full?)",
                            len(queue), waited, len(self._pending))  # fmt: skip
                continue
            waited = 0.0
            ref = done[0]
            if ref in self._pending:
                actor = self._pending.pop(ref)
                try:
                    where = ray.get(ref)
                    log.debug("ray: worker %s ready", where)
                    self._ready.append(actor)
                except RayError as error:
                    log.warning("ray: a worker did not start: %s", _short(error))
                    self._drop_actor(actor)
                continue
            i, actor = running.pop(ref)
            try:
                evaluation = ray.get(ref)
            except RayError as error:
                self.lost += 1
                if isinstance(error, RayActorError):
                    self._drop_actor(actor)
                else:
                    self._ready.append(actor)
                if attempts[i] <= self.retries:
                    log.warning("ray: job %d lost (%s); retrying (attempt %d of %d)",
                                i, _short(error), attempts[i] + 1, self.retries + 1)  # fmt: skip
                    queue.appendleft(i)
                    continue
                evaluation = Evaluation(None, False, f"lost after {attempts[i]} attempts: {_short(error)}")
            else:
                self._ready.append(actor)
            evaluation.attempts = attempts[i]
            results[i] = evaluation
            if on_result is not None:
                on_result(i, evaluation)
        return results  # type: ignore[return-value]

    def close(self) -> None:
        """Stop the actors, and the cluster if this backend started it."""
        import ray

        if ray.is_initialized():
            for actor in self._actors:
                try:
                    ray.kill(actor, no_restart=True)
                except Exception:  # noqa: BLE001 - already gone
                    pass
            if self.started_ray:
                ray.shutdown()
        self._actors, self._ready, self._pending = [], deque(), {}
        self._game = self._game_box = None
        self.started_ray = False


def probe_address(address: str, timeout: float | None = None) -> None:
    """Check that a Ray address answers before ``ray.init`` joins it: a TCP
    connection to ``HOST:PORT`` (``ray://HOST:PORT``; default ports 6379 and
    10001) and an HTTP/2 answer to an HTTP/2 greeting, both within
    ``timeout`` seconds (default :data:`ADDRESS_TIMEOUT_S`). ``auto`` and
    ``local`` are left to Ray. Raises ConnectionError naming the address."""
    import socket

    if address in ("auto", "local"):
        return
    client = address.startswith("ray://")
    hostport = address[len("ray://"):] if client else address
    host, colon, port_text = hostport.rpartition(":")
    if not colon or "]" in port_text:  # no port (or an IPv6 address without one)
        host, port_text = hostport, "10001" if client else "6379"
    host = host.strip("[]")
    if not host or not port_text.isdigit():
        raise ConnectionError(f"{address!r} is not a Ray address; expected HOST:PORT, ray://HOST:PORT or auto")
    limit = ADDRESS_TIMEOUT_S if timeout is None else timeout
    deadline = time.monotonic() + limit
    try:
        with socket.create_connection((host, int(port_text)), timeout=limit) as connection:
            connection.settimeout(max(0.1, deadline - time.monotonic()))
            connection.sendall(_HTTP2_HELLO)
            answer = connection.recv(9)
    except socket.timeout:
        raise ConnectionError(f"the Ray cluster at {address} did not answer within {limit:g} s") from None
    except OSError as error:
        raise ConnectionError(f"cannot reach the Ray cluster at {address} ({error.strerror or error})") from None
    if len(answer) < 4 or answer[3] != 4:  # the frame type of SETTINGS
        raise ConnectionError(f"{address} does not answer as a Ray cluster (no gRPC server there)")


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:300]


def make_backend(backend: Any = "ray", workers: int | None = None, address: str | None = None,
                 retries: int = 3) -> Any:  # fmt: skip
    """A backend from its name (``"ray"`` or ``"serial"``) or as given."""
    if backend == "serial":
        if address is not None:
            raise ValueError("backend 'serial' runs in this process; an address needs backend='ray'")
        return SerialBackend()
    if backend == "ray":
        return RayBackend(workers=workers, address=address, retries=retries)
    if hasattr(backend, "map"):
        return backend
    raise ValueError(f"backend expects 'ray', 'serial' or an object with map(); got {backend!r}")
