"""Every signal computed once over the history, then read on any day: the back-fill's speed layer.

Signals are causal: the frame a signal computes on day ``d`` equals, cell for cell, the frame it
computes on a later day ``e`` cut at ``d`` (tests/property/test_timeline_truncation.py checks
every signal on random days, macro vintages included). A back-fill over 650 Fridays therefore
need not recompute each signal's whole history 650 times: :class:`Timeline` computes each once,
on the history known on its last day, and :meth:`Timeline.on` hands out a point-in-time view of
any earlier day whose signal frames are those frames cut at that day.

What is sliced, and what is not:

* every signal's ``compute`` frame (``SIGNALS[name].compute``), the cascade's aligned inputs and
  the altcoin basket's index: cut at the day;
* macro series as known on each day (:meth:`MarketData.known`): the vintaged panel is read once
  over every calendar day and cut, since the value known at the end of a day depends only on
  what was published by then;
* the events of the signals in :data:`SLICED_EVENTS`, each dated when it became known;
* everything else, above all the other signals' ``events`` (a divergence episode still running
  on the day has a summary that later days change, a breakout's confirmation is filled in
  later, and the next halving is estimated from the day's own position in the schedule), is
  computed on the view itself, from the sliced frames; that is cheap, since the expensive part
  is the frames.

A view behaves as :class:`~riskcurve.data.panel.MarketData` in every other respect (bars,
vintages and closes are cut at its day), so any code that takes a ``MarketData`` runs on it
unchanged and gives the answer it gives on a store cut at that day.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

import pandas as pd

from riskcurve._typing import DateLike
from riskcurve.data.calendar import daily_index
from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.signals.cascade import CascadeInputs

__all__ = ["SLICED_EVENTS", "Timeline", "TimelineView"]

_T = TypeVar("_T")

#: Signals whose events on day ``d`` are the full history's events cut at ``d``: each event is
#: dated when it became known and holds only what was known then. Not breakout's (an episode's
#: confirmation and other-basis dates are filled in later), divergence's (a running episode's
#: summary grows) or the cycle's (the next halving is estimated from the day itself).
SLICED_EVENTS: frozenset[str] = frozenset({"relative-strength", "liquidity", "cascade", "altseason", "volatility"})


def _cut(value: Any, day: pd.Timestamp) -> Any:
    """``value`` as it stood on ``day``: rows dated after it dropped (a copy)."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.loc[:day].copy()
    if isinstance(value, CascadeInputs):
        parts = {f.name: _cut(getattr(value, f.name), day) for f in fields(value) if f.name != "sessions"}
        sessions = value.sessions[value.sessions <= day] if value.sessions is not None else None
        return CascadeInputs(**parts, sessions=sessions)
    raise TypeError(f"cannot cut a {type(value).__name__} at a day")


@dataclass
class Timeline:
    """Signals computed once over the history known on ``end``, read on any day up to it.

    Parameters
    ----------
    store
        An open store.
    end
        The last day of the history (default: today); views are for days on or before it.

    Examples
    --------
    >>> timeline = Timeline(store, end="2026-11-27")  # doctest: +SKIP
    >>> view = timeline.on("2021-01-15")  # doctest: +SKIP
    >>> SIGNALS["cascade"].compute(view, None)  # the full frame cut at 2021-01-15  # doctest: +SKIP
    """

    store: Store
    end: pd.Timestamp | None = None
    _full: dict[Hashable, Any] = field(default_factory=dict, repr=False)
    _data: MarketData = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._data = MarketData(self.store) if self.end is None else MarketData(self.store, as_of=self.end)
        self.end = self._data.as_of

    @property
    def data(self) -> MarketData:
        """The point-in-time view of the last day, on which everything is computed once."""
        return self._data

    def on(self, day: DateLike) -> TimelineView:
        """A point-in-time view of ``day`` that reads every sliced computation from this timeline.

        Raises
        ------
        ValueError
            If ``day`` is after the timeline's end.
        """
        when = pd.Timestamp(day).normalize()
        assert self.end is not None
        if when > self.end:
            raise ValueError(f"day {when.date()} is after the timeline's end {self.end.date()}")
        return TimelineView(self.store, as_of=when, timeline=self)

    def sliced(
        self, day: pd.Timestamp, what: str, symbol: str | None, parameters: Mapping[str, Any], compute: Callable[[], _T]
    ) -> _T:
        """The computation ``what`` as of ``day``: the full history's result cut, or ``compute()``.

        Called by :func:`riskcurve.signals.cache.cached` for a :class:`TimelineView`.
        """
        full = self._compute_full(what, symbol, parameters)
        if full is None:
            return compute()
        return _cut(full, day)

    def _compute_full(self, what: str, symbol: str | None, parameters: Mapping[str, Any]) -> Any:
        from riskcurve.signals import registry

        name, _, kind = what.partition(".")
        if kind == "compute" and name in registry.SIGNALS:
            run: Callable[[], Any] = lambda: registry.SIGNALS[name].compute(self._data, symbol, **parameters)  # noqa: E731
        elif kind == "events" and name in SLICED_EVENTS:
            run = lambda: registry.SIGNALS[name].events(self._data, symbol, **parameters)  # noqa: E731
        elif what == "cascade.inputs":
            run = lambda: registry.cascade_inputs(self._data)  # noqa: E731
        elif what == "alt_basket":
            run = lambda: registry.alt_basket(self._data)  # noqa: E731
        else:
            return None
        try:
            key: Hashable = (what, symbol, tuple(sorted(parameters.items())))
            hash(key)
        except TypeError:
            return None
        if key not in self._full:
            self._full[key] = run()
        return self._full[key]

    def known(self, symbol: str, start: pd.Timestamp) -> pd.Series:
        """``symbol`` as known at the end of every day from ``start`` to the end (computed once)."""
        key = ("known", symbol.upper(), start)
        if key not in self._full:
            assert self.end is not None
            self._full[key] = self._data.known(symbol, daily_index(start, self.end))
        return self._full[key]


@dataclass
class TimelineView(MarketData):
    """A :class:`~riskcurve.data.panel.MarketData` of one day whose signals come from a :class:`Timeline`."""

    timeline: Timeline | None = field(default=None, repr=False)

    def known(self, symbol: str, days: pd.DatetimeIndex) -> pd.Series:
        """As :meth:`MarketData.known`, read from the timeline's panel of known values."""
        if self.timeline is None or len(days) == 0 or days[-1] > self.as_of:
            return super().known(symbol, days)
        full = self.timeline.known(symbol, pd.Timestamp(days[0]))
        return full.reindex(pd.DatetimeIndex(days).rename("date")).rename(symbol.upper())
