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
makes a result reusable by anyone standing on that day. For the same reason a view of a
:class:`~riskcurve.signals.timeline.Timeline` (a back-fill over many days) is served the result
computed once over the whole history and cut at its day.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from riskcurve.data.cache import Memo, store_version

if TYPE_CHECKING:
    from riskcurve.data.panel import MarketData

__all__ = ["MAX_ENTRIES", "cached", "clear", "stats", "store_version"]

#: Results kept (least recently used dropped first); a daily cross-asset frame is a few MB.
MAX_ENTRIES = 96

_T = TypeVar("_T")
_results = Memo(MAX_ENTRIES)


def _frozen(parameters: Mapping[str, Any]) -> Hashable | None:
    try:
        key = tuple(sorted(parameters.items()))
        hash(key)
    except TypeError:
        return None
    return key


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
    timeline = getattr(data, "timeline", None)
    if timeline is not None:
        return timeline.sliced(data.as_of, what, symbol, parameters, compute)
    version = store_version(data.store)
    frozen = _frozen(parameters)
    if version is None or frozen is None:
        return compute()
    return _results.get((version, data.as_of, what, symbol, frozen), compute)


def clear() -> None:
    """Forget every cached result (and the hit counts)."""
    _results.clear()


def stats() -> dict[str, int]:
    """Hits, misses and entries so far: how much work the cache saved."""
    return _results.stats()
