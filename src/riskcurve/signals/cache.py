"""One cache of signal results, shared by everything that computes signals in a process.

The report, the regime, the claims checks and the dashboard each build their own
:class:`~riskcurve.data.panel.MarketData` for the same day and ask the registry for the same
signals; without a shared cache one report computed the cascade's inputs five times. Results
are keyed by (store file and its version, as-of day, signal, what is asked, symbol,
parameters), so:

* a store written since (its file or write-ahead log changed size or time) is read afresh;
* an in-memory store (tests) is never cached: nothing identifies its contents;
* frames are handed out as copies, so a caller that edits one cannot change another's.

Signals are pure functions of what was known on the as-of day (no look-ahead), which is what
makes a result reusable by anyone standing on that day.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

if TYPE_CHECKING:
    from riskcurve.data.panel import MarketData
    from riskcurve.data.store import Store

__all__ = ["MAX_ENTRIES", "cached", "clear", "stats", "store_version"]

#: Results kept (least recently used dropped first); a daily cross-asset frame is a few MB.
MAX_ENTRIES = 96

_T = TypeVar("_T")
_lock = threading.Lock()
_entries: OrderedDict[Hashable, Any] = OrderedDict()
_counts = {"hits": 0, "misses": 0}


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


def _frozen(parameters: Mapping[str, Any]) -> Hashable | None:
    try:
        key = tuple(sorted(parameters.items()))
        hash(key)
    except TypeError:
        return None
    return key


def _copy(value: _T) -> _T:
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy()  # type: ignore[return-value]
    return value


def cached(
    data: MarketData,
    what: str,
    symbol: str | None,
    parameters: Mapping[str, Any],
    compute: Callable[[], _T],
) -> _T:
    """``compute()``, or its result from an earlier call for the same store, day and arguments.

    Parameters
    ----------
    data
        The point-in-time view the result is computed from.
    what
        Names the computation, e.g. ``"cascade.compute"``.
    symbol, parameters
        The rest of the key.
    compute
        Computes the result from ``data`` alone.
    """
    version = store_version(data.store)
    frozen = _frozen(parameters)
    if version is None or frozen is None:
        return compute()
    key = (version, data.as_of, what, symbol, frozen)
    with _lock:
        if key in _entries:
            _entries.move_to_end(key)
            _counts["hits"] += 1
            return _copy(_entries[key])
        _counts["misses"] += 1
    # Computed outside the lock: two threads asking at once may both compute, which is only
    # wasted work, never a wrong answer.
    value = compute()
    with _lock:
        _entries[key] = value
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return _copy(value)


def clear() -> None:
    """Forget every cached result (and the hit counts)."""
    with _lock:
        _entries.clear()
        _counts.update(hits=0, misses=0)


def stats() -> dict[str, int]:
    """Hits, misses and entries so far: how much work the cache saved."""
    with _lock:
        return {**_counts, "entries": len(_entries)}
