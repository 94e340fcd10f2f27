"""Where a sweep's chunks run: this process, local worker processes, or a Dask cluster.

A sweep is split into chunks of parameter combinations. Every combination is computed by the
same compiled code from the same arrays, independently of the others, and chunk results are
put back in chunk order, so the result does not depend on how the grid was chunked or on
which executor ran it: bit for bit the same numbers.

Workers receive arrays (prices, moving averages or signal states, the list of combinations),
never the store: the driver reads the store once, and the arrays are shipped once per worker
(a process-pool initializer locally; ``Client.scatter(..., broadcast=True)`` on Dask).
"""

from __future__ import annotations

import multiprocessing
import os
import random
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from riskcurve.masking import mask_secrets

__all__ = ["EXECUTORS", "Executor", "Progress"]

#: Executor kinds of ``riskcurve sweep --executor``.
EXECUTORS: tuple[str, ...] = ("local", "dask")

#: ``progress(done, total)``: called as chunks finish.
Progress: TypeAlias = Callable[[int, int], None]

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
        scheduler: workers of the ``LocalCluster`` (same default). With a scheduler address:
        the worker threads the cluster has, used only to cut the work into enough chunks
        (four per worker); the cluster runs them on whatever workers it has.
    scheduler
        Address of a running Dask scheduler, e.g. ``tcp://10.0.0.5:8786`` (``kind="dask"`` only).
    processes
        Whether a ``LocalCluster`` runs its workers as processes (``True``) or as threads in
        this process (``False``: quicker to start, fine for the compiled kernels, which
        release the GIL).
    """

    kind: Literal["local", "dask"] = "local"
    workers: int | None = None
    scheduler: str | None = None
    processes: bool = True

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
                    f"scheduler must be an address like tcp://host:8786, got {mask_secrets(repr(self.scheduler))}"
                )

    @property
    def n_workers(self) -> int:
        """Workers this executor runs chunks on (for a remote cluster: as many as it has)."""
        return self.workers if self.workers is not None else _cpu_count()

    def describe(self) -> str:
        """One line for reports: what ran the sweep."""
        if self.kind == "local":
            return "this process" if self.n_workers == 1 else f"{self.n_workers} local processes"
        if self.scheduler:
            return f"dask cluster at {mask_secrets(self.scheduler)}"  # tcp://user:password@host: never shown
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
        if not tasks:
            return []
        if self.kind == "local":
            return self._map_local(func, payload, tasks, progress)
        return self._map_dask(func, payload, tasks, progress)

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

    def _map_dask(
        self, func: Callable[..., Any], payload: Any, tasks: Sequence[tuple[Any, ...]], progress: Progress | None
    ) -> list[Any]:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed

        # dask's client and scheduler pick among workers with Python's global random generator
        # (random.choice in gather_from_workers); none of it decides a result. The caller's
        # random stream is put back as it was, so running a sweep has no effect on it.
        caller_random = random.getstate()
        cluster = None
        if self.scheduler:
            client = Client(self.scheduler)
        else:
            cluster = LocalCluster(
                n_workers=self.n_workers,
                threads_per_worker=1,
                processes=self.processes,
                dashboard_address=None,
            )
            client = Client(cluster)
        try:
            shared = client.scatter(payload, broadcast=True)
            futures = [client.submit(func, shared, *task, pure=False) for task in tasks]
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
