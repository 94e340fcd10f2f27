"""Reading the store safely from many browser requests at once.

:class:`StoreReader` opens the store read-only for one computation at a time and keeps a small
cache of results keyed by the store's version, so a write (an ``update`` under way) is seen on the
next request and concurrent requests for the same result compute it once.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from riskcurve.data.store import Store
from riskcurve.errors import InsufficientDataWarning, StoreError

CACHE_SIZE = 64


class _Flight:
    """One computation in progress: done once it has a value or an error."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None


class _Cache:
    """A small thread-safe LRU of computed results, each computed once.

    A key asked for while another thread computes it waits for that computation instead of
    starting its own: the callbacks of one as-of change all start by asking for the day's
    regime, and the signals it computes are the ones their charts need. A failure is shared
    with those waiting (not retried by each in turn: a store held busy by a writer would make
    them wait one after the other) and not kept, so the next request computes afresh.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._pending: dict[Hashable, _Flight] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            flight = self._pending.get(key)
            mine = flight is None
            if flight is None:
                flight = self._pending[key] = _Flight()
        if not mine:
            flight.done.wait()
            with self._lock:
                if key in self._items:
                    return self._items[key]
            if flight.error is not None:
                raise flight.error
            return self.get(key, compute)  # computed and already dropped again: compute it now
        try:
            value = compute()
        except BaseException as failure:
            flight.error = failure
            raise
        else:
            with self._lock:
                self._items[key] = value
                self._items.move_to_end(key)
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
        finally:
            with self._lock:
                self._pending.pop(key, None)
            flight.done.set()
        return value


class StoreReader:
    """Opens one fixed store read-only for each computation.

    Parameters
    ----------
    path
        The store file. It must exist: the dashboard never creates or fills a store.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser().resolve()
        if not self.path.is_file():
            raise StoreError(f"no store at {self.path}; run `riskcurve update` first")
        self._cache = _Cache(CACHE_SIZE)
        # warnings.catch_warnings changes process-wide state: one study at a time.
        self._warnings_lock = threading.Lock()
        self._local = threading.local()

    def version(self) -> tuple[int, int]:
        """Changes whenever the file is rewritten, so cached results of an older store are not reused."""
        stat = self.path.stat()
        return stat.st_mtime_ns, stat.st_size

    @contextmanager
    def open(self) -> Iterator[Store]:
        """This thread's store for one computation, released (file closed) when it is done.

        Each worker thread keeps one :class:`Store` per version of the file: opening one costs
        tens of milliseconds (connection, length and schema checks), and most computations of
        an as-of change find what they read in the shared caches and never touch the file. A
        released store reconnects only when a query needs it, so between two computations the
        file is free for ``riskcurve update``; a rewritten file gets a new store.
        """
        version = self.version()
        held: tuple[tuple[int, int], Store] | None = getattr(self._local, "store", None)
        if held is None or held[0] != version:
            if held is not None:
                held[1].close()
            held = (version, Store(self.path, read_only=True))
            self._local.store = held
        try:
            yield held[1]
        finally:
            held[1].release()

    def cached(self, key: tuple[Hashable, ...], compute: Callable[[Store], Any]) -> Any:
        """``compute(store)`` for ``key``, from the cache when this version of the store was seen."""

        def run() -> Any:
            with self.open() as store:
                return compute(store)

        return self._cache.get((*key, self.version()), run)

    @contextmanager
    def collecting_warnings(self) -> Iterator[list[warnings.WarningMessage]]:
        """Record (rather than raise or print) insufficient-data warnings, one caller at a time."""
        with self._warnings_lock, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", InsufficientDataWarning)
            yield caught
