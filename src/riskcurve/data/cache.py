"""A small process-wide memo keyed by a store file's contents: reads and results computed once.

:func:`store_version` names what a store file holds right now (its path, and the size and
modification time of the file and of DuckDB's write-ahead log), so a key that includes it is
never served after a write. In-memory stores (tests) have no version and are never memoised.
:class:`Memo` is a thread-safe least-recently-used map that hands out copies of pandas
objects, so a caller editing what it got cannot change what the next caller gets.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

if TYPE_CHECKING:
    from riskcurve.data.store import Store

__all__ = ["Memo", "store_version"]

_T = TypeVar("_T")


def store_version(store: Store) -> tuple[Any, ...] | None:
    """What identifies a store file's contents now, or ``None`` for an in-memory store."""
    path = str(store.path)
    if path == ":memory:":
        return None
    parts: list[Any] = [os.path.realpath(path)]
    for file in (path, path + ".wal"):
        try:
            stat = os.stat(file)
        except FileNotFoundError:
            parts.append(None)
            continue
        parts.append((stat.st_mtime_ns, stat.st_size))
    return tuple(parts)


def _copy(value: _T) -> _T:
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy()  # type: ignore[return-value]
    return value


class Memo:
    """A thread-safe LRU map of computed values.

    Parameters
    ----------
    size
        Entries kept; the least recently used goes first.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._counts = {"hits": 0, "misses": 0}

    def get(self, key: Hashable, compute: Callable[[], _T]) -> _T:
        """The value for ``key`` (a copy), computing and keeping it on a miss."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self._counts["hits"] += 1
                return _copy(self._entries[key])
            self._counts["misses"] += 1
        # Computed outside the lock: two threads asking at once may both compute, which is only
        # wasted work, never a wrong answer.
        value = compute()
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return _copy(value)

    def clear(self) -> None:
        """Forget every value and the counts."""
        with self._lock:
            self._entries.clear()
            self._counts.update(hits=0, misses=0)

    def stats(self) -> dict[str, int]:
        """Hits, misses and entries so far."""
        with self._lock:
            return {**self._counts, "entries": len(self._entries)}
