"""Where a sweep's chunks run: this process, local worker processes, or a Dask cluster.

A sweep is split into chunks of parameter combinations. Every combination is computed by the
same compiled code from the same arrays, independently of the others, and chunk results are
put back in chunk order, so the result does not depend on how the grid was chunked or on
which executor ran it: bit for bit the same numbers.

Workers receive arrays (prices, moving averages or signal states, the list of combinations),
never the store: the driver reads the store once, and the arrays are shipped once per worker
(a process-pool initializer locally; ``Client.scatter(..., broadcast=True)`` on Dask).

On a Dask cluster the grid is cut once the client is connected, into four chunks per worker
thread the cluster has (:meth:`Executor.run`), and nothing is sent before every worker has been
asked for its Python, riskcurve, numba and numpy versions: a worker that differs from the
client is named and the sweep refused (:class:`ClusterMismatchError`). A scheduler is reached
by address (``tcp://`` or ``tls://``) or through a ``--scheduler-file``, with TLS certificates
when given; addresses are masked wherever they are shown.
"""

from __future__ import annotations

import importlib.metadata
import multiprocessing
import os
import platform
import random
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from riskcurve.errors import RiskcurveError
from riskcurve.masking import mask_secrets, mask_url, secret_parts

__all__ = ["EXECUTORS", "ClusterMismatchError", "Executor", "Progress", "Split", "version_mismatches"]

#: Executor kinds of ``riskcurve sweep --executor``.
EXECUTORS: tuple[str, ...] = ("local", "dask")

#: ``progress(done, total)``: called as chunks finish.
Progress: TypeAlias = Callable[[int, int], None]
#: ``split(slots)``: the tasks to run, given how many worker threads will run them.
Split: TypeAlias = Callable[[int], Sequence[tuple[Any, ...]]]

#: Packages whose versions must be the same on the client and every worker: the functions are
#: pickled by reference (riskcurve), compiled by numba and fed numpy arrays.
CHECKED_PACKAGES: tuple[str, ...] = ("riskcurve", "numba", "numpy")
#: How long a sweep waits for a remote cluster to have at least one worker.
WORKER_WAIT_SECONDS = 60


class ClusterMismatchError(RiskcurveError):
    """A Dask worker runs other versions of Python, riskcurve, numba or numpy than the client."""


def _package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _python_version() -> str:
    return ".".join(platform.python_version_tuple()[:2])


def local_versions() -> dict[str, str]:
    """This process's Python minor version and the versions of :data:`CHECKED_PACKAGES`."""
    return {"python": _python_version(), **{name: _package_version(name) for name in CHECKED_PACKAGES}}


def version_mismatches(client: Mapping[str, str], workers: Mapping[str, Mapping[str, str]]) -> list[str]:
    """One line per worker whose versions differ from the client's, naming each difference.

    Parameters
    ----------
    client
        The client's versions (:func:`local_versions`).
    workers
        Worker address -> its versions (the same keys).
    """
    lines = []
    for address, versions in sorted(workers.items()):
        differences = [
            f"{name} {versions.get(name, 'unknown')} (client {wanted})"
            for name, wanted in client.items()
            if versions.get(name) != wanted
        ]
        if differences:
            lines.append(f"{mask_url(address)}: {', '.join(differences)}")
    return lines


_PAYLOAD: Any = None


def _install(payload: Any) -> None:
    # Runs once in each worker process: the arrays stay there for every chunk it computes.
    global _PAYLOAD
    _PAYLOAD = payload


def _call_installed(func: Callable[..., Any], task: tuple[Any, ...]) -> Any:
    return func(_PAYLOAD, *task)


def _process_context(func: Callable[..., Any]) -> multiprocessing.context.BaseContext:
    # Not plain fork: forking a process whose numba or BLAS thread pools are running can
    # deadlock. A forkserver (a clean process that has imported the task's module once and
    # forks workers from there) starts workers in milliseconds instead of re-importing
    # everything in each; spawn where there is no forkserver (Windows).
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([func.__module__])
        return context
    return multiprocessing.get_context("spawn")


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Executor:
    """How to run the chunks of a sweep.

    Parameters
    ----------
    kind
        ``"local"``: processes on this machine (``concurrent.futures.ProcessPoolExecutor``,
        started from a forkserver that has the task's module imported), or this process alone
        when ``workers`` is 1. ``"dask"``: a
        ``dask.distributed`` cluster at ``scheduler``, or a ``LocalCluster`` started (and
        stopped) for the run when no address is given.
    workers
        Local: worker processes (default: the CPUs this process may use). Dask without a
        scheduler: workers of the ``LocalCluster`` (same default). With a running cluster it is
        not used: the work is cut from the threads the cluster's workers have.
    scheduler
        Address of a running Dask scheduler, e.g. ``tls://10.0.0.5:8786`` (``kind="dask"`` only).
    scheduler_file
        The JSON file a scheduler wrote with ``dask scheduler --scheduler-file PATH``: its
        address (and nothing else) is read from there. Not with ``scheduler``.
    tls_ca_file, tls_cert, tls_key
        TLS for a ``tls://`` scheduler: the certificate authority that signed the cluster's
        certificates, and this client's certificate and key (PEM files). Without them, dask's
        own configuration (``distributed.comm.tls``) applies.
    processes
        Whether a ``LocalCluster`` runs its workers as processes (``True``) or as threads in
        this process (``False``: quicker to start, fine for the compiled kernels, which
        release the GIL).
    """

    kind: Literal["local", "dask"] = "local"
    workers: int | None = None
    scheduler: str | None = None
    processes: bool = True
    scheduler_file: str | None = None
    tls_ca_file: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in EXECUTORS:
            raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, got {self.kind!r}")
        if self.workers is not None and (
            isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1
        ):
            raise ValueError(f"workers must be a positive integer or None, got {self.workers!r}")
        if self.scheduler is not None:
            if self.kind != "dask":
                raise ValueError("scheduler is only used with the dask executor (--executor dask)")
            if not isinstance(self.scheduler, str) or not self.scheduler.strip():
                raise ValueError(
                    f"scheduler must be an address like tls://host:8786, got {mask_secrets(repr(self.scheduler))}"
                )
        if self.scheduler_file is not None:
            if self.kind != "dask":
                raise ValueError("a scheduler file is only used with the dask executor (--executor dask)")
            if self.scheduler is not None:
                raise ValueError("give either a scheduler address or a scheduler file, not both")
            if not os.path.isfile(self.scheduler_file):
                raise ValueError(
                    f"scheduler file {self.scheduler_file} does not exist (written by dask scheduler --scheduler-file)"
                )
        tls = {"tls_ca_file": self.tls_ca_file, "tls_cert": self.tls_cert, "tls_key": self.tls_key}
        given = {name: path for name, path in tls.items() if path is not None}
        if given:
            if not self.remote:
                raise ValueError("TLS files are only used with a running cluster (--scheduler or --scheduler-file)")
            if len(given) != len(tls):
                raise ValueError("TLS needs all three files: --tls-ca-file, --tls-cert and --tls-key")
            for name, path in given.items():
                if not os.path.isfile(path):
                    raise ValueError(f"{name.replace('_', '-')} {path} is not a file")

    @property
    def remote(self) -> bool:
        """Whether the executor uses a running cluster (an address or a scheduler file)."""
        return self.scheduler is not None or self.scheduler_file is not None

    @property
    def n_workers(self) -> int:
        """Workers this executor runs chunks on (for a remote cluster: as many as it has)."""
        return self.workers if self.workers is not None else _cpu_count()

    def describe(self) -> str:
        """One line for reports: what ran the sweep."""
        if self.kind == "local":
            return "this process" if self.n_workers == 1 else f"{self.n_workers} local processes"
        if self.scheduler:
            return f"dask cluster at {mask_url(self.scheduler)}"
        if self.scheduler_file:
            return f"dask cluster from the scheduler file {self.scheduler_file}"
        kind = "processes" if self.processes else "threads"
        return f"dask LocalCluster with {self.n_workers} worker {kind}"

    def map(
        self,
        func: Callable[..., Any],
        payload: Any,
        tasks: Sequence[tuple[Any, ...]],
        *,
        progress: Progress | None = None,
    ) -> list[Any]:
        """``[func(payload, *task) for task in tasks]``, computed by this executor, in task order.

        Parameters
        ----------
        func
            A module-level function (it is pickled by reference).
        payload
            The arrays every task reads; shipped once per worker.
        tasks
            Arguments of each call after ``payload``.
        progress
            Called with ``(finished, len(tasks))`` as tasks finish.
        """
        return self.run(func, payload, lambda _slots: tasks, progress=progress)

    def run(
        self,
        func: Callable[..., Any],
        payload: Any,
        split: Split,
        *,
        progress: Progress | None = None,
    ) -> list[Any]:
        """Cut the work for the threads that will run it, then run it as :meth:`map` does.

        Parameters
        ----------
        func, payload, progress
            As in :meth:`map`.
        split
            ``split(slots)`` gives the tasks, where ``slots`` is the number of worker threads:
            the local workers, or the sum of every Dask worker's threads once connected.
        """
        if self.kind == "local":
            tasks = split(self.n_workers)
            return self._map_local(func, payload, tasks, progress) if tasks else []
        return self._map_dask(func, payload, split, progress)

    def _map_local(
        self, func: Callable[..., Any], payload: Any, tasks: Sequence[tuple[Any, ...]], progress: Progress | None
    ) -> list[Any]:
        results: list[Any] = [None] * len(tasks)
        if self.n_workers == 1:
            for i, task in enumerate(tasks):
                results[i] = func(payload, *task)
                if progress:
                    progress(i + 1, len(tasks))
            return results
        context = _process_context(func)
        with ProcessPoolExecutor(
            max_workers=min(self.n_workers, len(tasks)),
            mp_context=context,
            initializer=_install,
            initargs=(payload,),
        ) as pool:
            futures = {pool.submit(_call_installed, func, task): i for i, task in enumerate(tasks)}
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                if progress:
                    progress(done, len(tasks))
        return results

    def _connect(self) -> tuple[Any, Any]:
        """A client (and the LocalCluster it owns, or None) for this executor."""
        from riskcurve.extras import import_extra

        distributed = import_extra("distributed", "dask")
        if not self.remote:
            cluster = distributed.LocalCluster(
                n_workers=self.n_workers,
                threads_per_worker=1,
                processes=self.processes,
                dashboard_address=None,
            )
            return distributed.Client(cluster), cluster
        security = None
        if self.tls_ca_file:
            security = distributed.security.Security(
                tls_ca_file=self.tls_ca_file,
                tls_client_cert=self.tls_cert,
                tls_client_key=self.tls_key,
                require_encryption=True,
            )
        try:
            if self.scheduler_file:
                client = distributed.Client(scheduler_file=self.scheduler_file, security=security)
            else:
                client = distributed.Client(self.scheduler, security=security)
        except (OSError, ValueError) as failure:
            where = mask_url(self.scheduler) if self.scheduler else f"the scheduler in {self.scheduler_file}"
            first = str(failure).strip().splitlines()[0] if str(failure).strip() else type(failure).__name__
            # dask quotes the address without its scheme, where URL masking would not see it.
            first = mask_secrets(first, secret_parts(self.scheduler) if self.scheduler else ())
            raise OSError(f"cannot reach the Dask scheduler at {where}: {first}") from None
        return client, None

    def _checked_workers(self, client: Any) -> dict[str, int]:
        """Every worker's threads, once each has been found to run this client's versions."""
        if self.remote:
            try:
                client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
            except TimeoutError:
                raise OSError(
                    f"the Dask cluster at {self.describe().removeprefix('dask cluster at ')} has no worker "
                    f"(waited {WORKER_WAIT_SECONDS} s)"
                ) from None
        threads = {str(address): int(n) for address, n in client.nthreads().items()}
        reports: dict[str, dict[str, str]] = {address: {} for address in threads}
        for name in ("python", *CHECKED_PACKAGES):
            # Called by reference to the standard library, so that a worker without riskcurve
            # answers too (with "not installed") instead of failing to unpickle the check.
            if name == "python":
                answers = client.run(platform.python_version, workers=list(threads), on_error="return")
            else:
                answers = client.run(importlib.metadata.version, name, workers=list(threads), on_error="return")
            for address, answer in answers.items():
                if address in reports:
                    if isinstance(answer, BaseException):
                        reports[address][name] = "not installed"
                    elif name == "python":
                        reports[address][name] = ".".join(str(answer).split(".")[:2])
                    else:
                        reports[address][name] = str(answer)
        mismatches = version_mismatches(local_versions(), reports)
        if mismatches:
            raise ClusterMismatchError(
                f"{len(mismatches)} of {len(threads)} Dask workers run other versions than this client, so "
                f"nothing was sent: {'; '.join(mismatches)}. Install the same versions on every worker"
            )
        return threads

    def _map_dask(self, func: Callable[..., Any], payload: Any, split: Split, progress: Progress | None) -> list[Any]:
        from distributed import as_completed as dask_completed

        # dask's client and scheduler pick among workers with Python's global random generator
        # (random.choice in gather_from_workers); none of it decides a result. The caller's
        # random stream is put back as it was, so running a sweep has no effect on it.
        caller_random = random.getstate()
        client, cluster = self._connect()
        try:
            threads = self._checked_workers(client)
            tasks = split(max(1, sum(threads.values())))
            if not tasks:
                return []
            # Only the workers just checked get the arrays and the tasks; one that joins later
            # has not been checked.
            checked = list(threads)
            shared = client.scatter(payload, broadcast=True, workers=checked)
            futures = [
                client.submit(func, shared, *task, pure=False, workers=checked, allow_other_workers=False)
                for task in tasks
            ]
            position = {future.key: i for i, future in enumerate(futures)}
            results: list[Any] = [None] * len(tasks)
            for done, future in enumerate(dask_completed(futures), start=1):
                results[position[future.key]] = future.result()
                if progress:
                    progress(done, len(tasks))
            return results
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
            random.setstate(caller_random)
