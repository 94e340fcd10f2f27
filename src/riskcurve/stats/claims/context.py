"""The run's context: point-in-time views of the store, cached signals, and a reader per claim."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.signals.timeline import Timeline
from riskcurve.stats.claims.language import (
    Events,
)
from riskcurve.stats.claims.result import DataMissing
from riskcurve.stats.defaults import SEED

#: The derived series of the equal-weight altcoin basket.
ALT_BASKET = "ALT_BASKET"
#: Names a claim may give the altcoin basket.
ALT_NAMES = frozenset({ALT_BASKET, "ALTS"})
#: A window may start this many days before a series' first value and still be "in the data".
GRACE_DAYS = 7


@dataclass
class Context:
    """Point-in-time views and caches shared by every claim of one run.

    Parameters
    ----------
    store
        An open store.
    as_of
        What data are visible at most (the run's ``--as-of``).
    seed
        Seed of every resampling (grades must not depend on it).
    reps
        Override of each study's resamples (``None``: the claim's own).
    """

    store: Store
    as_of: pd.Timestamp
    seed: int = SEED
    reps: int | None = None
    _views: dict[pd.Timestamp, MarketData] = field(default_factory=dict)
    #: Every view's signals are cut from one computation over the history known on ``as_of``
    #: (shared with the copies :func:`dataclasses.replace` makes, as the caches are).
    _timeline: dict[pd.Timestamp, Timeline] = field(default_factory=dict)
    #: Signal frames, events, value series and series read, by day and everything else that determines them.
    _signals: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    #: Studies already run in this check, by everything that determines them: claims (and the
    #: robustness readings of a claim) that ask the same question share one run.
    shared: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    def view(self, day: dt.date | pd.Timestamp | None = None) -> MarketData:
        """The store as known at the end of ``day`` (never later than ``as_of``).

        A view of a :class:`~riskcurve.signals.timeline.Timeline` ending on ``as_of``: each
        signal is computed once over that history and cut at the view's day, which equals
        computing it on the day (signals are causal; tests/property/test_timeline_truncation.py).
        Claims dated on many days, and their robustness readings a few days either side, then
        share one computation of each signal instead of one per day.
        """
        stand = self.as_of if day is None else min(pd.Timestamp(day), self.as_of)
        if stand not in self._views:
            if self.as_of not in self._timeline:
                self._timeline[self.as_of] = Timeline(self.store, end=self.as_of)
            self._views[stand] = self._timeline[self.as_of].on(stand)
        return self._views[stand]

    def signal(self, data: MarketData, name: str, symbol: str | None, parameters: Mapping[str, Any]) -> pd.DataFrame:
        """A registered signal's frame (cached per day, symbol and parameters)."""
        from riskcurve.signals.registry import get_signal

        spec = get_signal(name)
        chosen = (symbol or spec.default_symbol or None) and str(symbol or spec.default_symbol).upper()
        merged = {**spec.parameters, **{k: v for k, v in parameters.items() if k in spec.parameters}}
        key = ("signal", data.as_of, spec.name, chosen, json.dumps(merged, sort_keys=True, default=str))
        if key not in self._signals:
            # The signal says what it cannot do without (DataError: the store lacks X).
            if chosen is not None and not data.has(chosen):
                raise DataMissing(f"the store lacks {chosen}; run `riskcurve update` or import it")
            self._signals[key] = spec.compute(data, chosen, **merged)
        return self._signals[key]

    def observations(self, data: MarketData, symbol: str) -> pd.Series:
        """A value series' latest value for each date published by the end of ``data.as_of``.

        What ``store.observations(symbol, as_of=data.as_of)`` returns, taken from the view's
        vintages (the whole stored history is read once per store version and cut at the day's
        knowledge cutoff, :meth:`MarketData.vintages`) rather than one query per claim date:
        vintages come ordered by date and publication, so each date's last row is its latest.
        """
        key = ("observations", data.as_of, symbol)
        if key not in self._signals:
            vintages = data.vintages(symbol)
            self._signals[key] = vintages[~vintages.index.duplicated(keep="last")]
        return self._signals[key]["value"]

    def events(self, data: MarketData, events: Events) -> pd.DatetimeIndex:
        """Event dates known on ``data.as_of``."""
        from riskcurve.signals.events import onsets
        from riskcurve.signals.registry import get_signal

        if events.dates is not None:
            days = pd.DatetimeIndex(pd.to_datetime(events.dates), name="date")
            return days[days <= data.as_of]
        assert events.signal is not None
        if events.column is not None:
            frame = self.signal(data, events.signal, events.symbol, events.parameters)
            if events.column not in frame.columns:
                raise DataMissing(f"signal {events.signal} has no column {events.column!r}")
            state = frame[events.column]
            # Unknown days are off. Not state.fillna(False): on an object column (True, False and
            # None) pandas 2.2 warns that fillna's downcast is deprecated.
            flags = pd.Series(False, index=state.index, name=state.name)
            known = state.notna().to_numpy()
            flags[known] = state[known].astype(bool).to_numpy()
            return onsets(flags, cooldown=events.cooldown)
        spec = get_signal(events.signal)
        symbol = (events.symbol or spec.default_symbol or None) and str(events.symbol or spec.default_symbol).upper()
        key = ("events", data.as_of, spec.name, symbol, json.dumps(events.parameters, sort_keys=True, default=str))
        if key not in self._signals:
            merged = {**spec.parameters, **events.parameters}
            self._signals[key] = spec.events(data, symbol, **merged)
        days = pd.DatetimeIndex(self._signals[key].index, name="date")
        if events.cooldown:
            days = onsets(pd.Series(True, index=days), cooldown=events.cooldown) if len(days) else days
        return days


@dataclass
class Reader:
    """Reads series for one claim and remembers which it read (for the data ranges shown)."""

    context: Context
    data: MarketData
    used: dict[str, dict[str, str | None]] = field(default_factory=dict)

    def _note(self, name: str, series: pd.Series) -> None:
        valid = series.dropna()
        self.used[name] = {
            "first": valid.index.min().date().isoformat() if len(valid) else None,
            "last": valid.index.max().date().isoformat() if len(valid) else None,
        }

    def series(self, name: str, field: str = "close") -> pd.Series:
        """A price series' closes (or another bar field), a value series by observation date, or the alt basket.

        ``A/B`` is one series against another: A's values divided by B's as known on A's days
        (ETH/BTC, RUT/GSPC, ALTS/BTC).
        """
        symbol = name.strip().upper()
        if "/" in symbol:
            return self._ratio(symbol, field)
        # Read once per view, symbol and field: every claim and reading standing on the same day
        # reads the same values (handed out as they are: nothing here or in the studies edits a
        # series in place).
        key = ("series", self.data.as_of, symbol, field)
        found = self.context._signals.get(key)
        if found is None:
            values = self._read(symbol, field)
            self._note(symbol, values)
            found = self.context._signals[key] = (values, self.used[symbol])
        values, note = found
        self.used[symbol] = dict(note)
        return values

    def _read(self, symbol: str, field: str) -> pd.Series:
        if symbol in ALT_NAMES:
            from riskcurve.signals.registry import alt_basket

            try:
                values = alt_basket(self.data)
            except ValueError as missing:
                raise DataMissing(str(missing)) from None
        elif not self.data.has(symbol):
            raise DataMissing(f"the store lacks {symbol}; import it or run `riskcurve update`")
        elif self.data.store.kind(symbol) == "price":
            bars = self.data.bars(symbol)
            if field not in bars.columns or bars[field].dropna().empty:
                raise DataMissing(f"{symbol} has no {field} data")
            values = bars[field].rename(symbol)
        else:
            values = self.context.observations(self.data, symbol).rename(symbol)
        if values.dropna().empty:
            raise DataMissing(f"no {symbol} data on or before {self.data.as_of.date()}")
        return values

    def _ratio(self, name: str, field: str) -> pd.Series:
        from riskcurve.data.calendar import on_days

        top, _, bottom = name.partition("/")
        if not top or not bottom or "/" in bottom:
            raise DataMissing(f"{name!r} is not A/B (one series against one other)")
        numerator = self.series(top, field).dropna().astype(float)
        denominator = on_days(self.series(bottom, field).astype(float), pd.DatetimeIndex(numerator.index))
        ratio = (numerator / denominator.where(denominator > 0)).dropna().rename(name)
        if ratio.empty:
            raise DataMissing(f"{top} and {bottom} have no day in common on or before {self.data.as_of.date()}")
        return ratio

    def is_price(self, name: str) -> bool:
        """Whether ``name`` reads as prices (its own calendar of closes) rather than published values."""
        symbol = name.strip().upper()
        if "/" in symbol:
            return all(self.is_price(part) for part in symbol.split("/"))
        return symbol in ALT_NAMES or not self.data.has(symbol) or self.data.store.kind(symbol) == "price"

    def observations(self, name: str) -> str:
        """What one observation of ``name`` is: ``sessions`` on an exchange's calendar, else ``days``.

        A ratio ``A/B`` is on A's calendar; the alt basket and value series count calendar days.
        """
        symbol = name.strip().upper().partition("/")[0]
        if symbol in ALT_NAMES or not self.data.has(symbol):
            return "days"
        return "sessions" if self.data.store.meta(symbol).calendar in ("exchange", "business") else "days"

    def unit(self, name: str) -> str:
        """The unit of a series as stored (``USD``, ``percent``, ``USD billions``); a ratio's is ``ratio``."""
        symbol = name.strip().upper()
        if "/" in symbol:
            return "ratio"
        if symbol in ALT_NAMES or not self.data.has(symbol):
            return "index"
        try:
            return str(self.data.store.meta(symbol).unit or "number")
        except (KeyError, ValueError, AttributeError):
            return "number"

    def on_days(self, name: str, days: pd.DatetimeIndex) -> pd.Series:
        """A series as known at the end of each of ``days`` (macro values by publication)."""
        symbol = name.strip().upper()
        if "/" not in symbol and symbol not in ALT_NAMES and self.data.has(symbol) and not self.is_price(symbol):
            values = self.data.known(symbol, days)
            self._note(symbol, values)
            return values
        from riskcurve.data.calendar import on_days

        return on_days(self.series(symbol), days)

    def signal_unit(self, name: str, column: str) -> str | None:
        """The unit of a signal's column that is a level or a change of one (``None``: not known)."""
        from riskcurve.signals.registry import SIGNALS

        spec = SIGNALS.get(name)
        return spec.units.get(column) if spec is not None else None

    def signal_column(self, name: str, symbol: str | None, parameters: Mapping[str, Any], column: str) -> pd.Series:
        frame = self.context.signal(self.data, name, symbol, parameters)
        if column not in frame.columns:
            raise DataMissing(f"signal {name} has no column {column!r}; it has {', '.join(map(str, frame.columns))}")
        values = frame[column]
        self._note(f"{name}:{column}", values)
        return values
