"""Point-in-time views of the store for signals: what was known on each day up to ``as_of``.

Signals are pure functions of pandas objects; this module is where those objects come from.
Prices are cut at ``as_of``; macro series are read with every stored vintage and then placed
on days by publication time, so a revision published later never reaches an earlier day.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import pandas as pd

from riskcurve._typing import DateLike
from riskcurve.data.cache import Memo, store_version
from riskcurve.data.calendar import daily_index, known_on, on_days
from riskcurve.data.release import STALE_AFTER_DAYS, knowledge_cutoff, today
from riskcurve.data.schema import SeriesMeta
from riskcurve.data.store import Store
from riskcurve.data.symbols import ALTCOINS, CATALOGUE
from riskcurve.errors import DataError

_T = TypeVar("_T")

#: Store versions whose whole histories are kept (the current one and the one before it).
HISTORY_VERSIONS = 2
#: Whole stored histories (every bar, every vintage) by store version, shared by every view.
#: Every series of a kept version stays: a report or a back-fill reads each of them again and
#: again, and a cache bounded by entries would evict them in turn once a store holds more
#: series than entries (every read a miss). A new version evicts the oldest whole.
_HISTORIES: OrderedDict[Hashable, Memo] = OrderedDict()
_HISTORIES_LOCK = threading.Lock()


def _history(version: Hashable, key: Hashable, compute: Callable[[], _T]) -> _T:
    """``compute()`` once per store version and key (a copy on every call, as :class:`Memo` gives)."""
    with _HISTORIES_LOCK:
        memo = _HISTORIES.get(version)
        if memo is None:
            memo = _HISTORIES[version] = Memo(sys.maxsize)
            while len(_HISTORIES) > HISTORY_VERSIONS:
                _HISTORIES.popitem(last=False)
        else:
            _HISTORIES.move_to_end(version)
    return memo.get(key, compute)


def is_imported_coin(meta: SeriesMeta) -> bool:
    """Whether a stored series is a coin a user imported into the altcoin basket.

    ``riskcurve import --basket`` stores a coin as daily closes on the crypto calendar (a price
    series the user imported); nothing else is stored that way, so that is the mark.
    """
    return meta.origin == "import" and meta.kind == "price" and meta.calendar == "crypto"


def basket_coins(store: Store) -> tuple[str, ...]:
    """The altcoin basket's coins in ``store``: the catalogue's, then the imported ones.

    Parameters
    ----------
    store
        An open store.

    Returns
    -------
    tuple of str
        The catalogue's basket coins (:data:`~riskcurve.data.symbols.ALTCOINS`) the store holds,
        in catalogue order, then every coin imported with ``riskcurve import --basket``
        (:func:`is_imported_coin`), by name. Which of them vote on a day is the signal's rule
        (a coin counts from its own first close; see :mod:`riskcurve.signals.altseason`).
    """
    held = store.symbols()
    own = set(held)
    imported = sorted(s for s in held if s not in CATALOGUE and is_imported_coin(store.meta(s)))
    return (*(coin for coin in ALTCOINS if coin in own), *imported)


def _side_by_side(closes: dict[str, pd.Series]) -> pd.DataFrame:
    """Series on their own dates as columns of one frame over the union of their dates (no carry)."""
    stamps = [pd.DatetimeIndex(series.index).as_unit("ns").asi8 for series in closes.values()]
    index = pd.DatetimeIndex(np.unique(np.concatenate(stamps)) if stamps else np.array([], dtype="int64"), name="date")
    values = np.full((len(index), len(closes)), np.nan)
    for column, (series, dates) in enumerate(zip(closes.values(), stamps, strict=True)):
        values[np.searchsorted(index.asi8, dates), column] = series.to_numpy(dtype=float)
    return pd.DataFrame(values, index=index, columns=list(closes), copy=False)


@dataclass
class MarketData:
    """Reads series from a store as they were known on ``as_of`` (default: today).

    Parameters
    ----------
    store
        An open store.
    as_of
        The day to stand on; nothing dated or published later is visible.

    Examples
    --------
    >>> data = MarketData(store, as_of="2021-01-15")  # doctest: +SKIP
    >>> data.close("RUT").index.max() <= pd.Timestamp("2021-01-15")  # doctest: +SKIP
    True
    """

    store: Store
    as_of: pd.Timestamp = field(default_factory=lambda: pd.Timestamp(today()))
    _cache: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.as_of = pd.Timestamp(self.as_of).normalize()

    def has(self, symbol: str) -> bool:
        """Whether the store holds ``symbol``."""
        version = store_version(self.store)
        # Asked hundreds of times per report: one query per store version, not per question.
        held = self.store.symbols() if version is None else _history(version, "symbols", self.store.symbols)
        return symbol.upper() in held

    def basket(self) -> tuple[str, ...]:
        """The altcoin basket's coins held by the store (:func:`basket_coins`), whatever their dates."""
        version = store_version(self.store)
        if version is None:
            return basket_coins(self.store)
        return _history(version, "basket", lambda: basket_coins(self.store))

    def basket_closes(self) -> pd.DataFrame:
        """Closes of the basket's coins (:meth:`basket`) dated on or before ``as_of``, side by side.

        One column per coin, one row per date any of them closed; NaN where a coin has no close
        (before its first, after its last, a gap): nothing is carried. Built once per store
        version from the whole histories and cut here, as :meth:`bars` is, so a basket of
        hundreds of coins costs one array per day asked, not hundreds of series.
        """
        key = ("basket", "closes")
        if key not in self._cache:
            version = store_version(self.store)
            if version is None:
                self._cache[key] = _side_by_side({coin: self.close(coin) for coin in self.basket()})
            else:
                full = _history(version, key, lambda: _side_by_side(self._whole_closes(version, self.basket())))
                self._cache[key] = full.loc[: self.as_of]
        return self._cache[key]

    def _whole_closes(self, version: Hashable, symbols: Iterable[str]) -> dict[str, pd.Series]:
        """Every stored close of ``symbols``, from the store-history cache :meth:`bars` fills."""

        def whole(symbol: str) -> pd.DataFrame:
            return _history(version, ("bars", symbol), lambda: self.store.prices(symbol))

        return {symbol: whole(symbol)["close"] for symbol in symbols}

    def bars(self, symbol: str) -> pd.DataFrame:
        """OHLCV bars dated on or before ``as_of``."""
        key = ("bars", symbol.upper())
        if key not in self._cache:
            version = store_version(self.store)
            if version is None:
                self._cache[key] = self.store.prices(symbol, as_of=self.as_of)
            else:
                # The whole stored history, read once per store version for every day asked
                # (a dashboard moving its date): cutting it here equals the store's own as_of.
                full = _history(version, key, lambda: self.store.prices(symbol))
                self._cache[key] = full.loc[: self.as_of]
        return self._cache[key]

    def close(self, symbol: str) -> pd.Series:
        """Closes dated on or before ``as_of``, named after the symbol."""
        return self.bars(symbol)["close"].rename(symbol.upper())

    def closes(self, symbols: Iterable[str], days: pd.DatetimeIndex) -> pd.DataFrame:
        """Closes of several symbols read on ``days`` (see :func:`~riskcurve.data.calendar.on_days`)."""
        return pd.DataFrame({s.upper(): on_days(self.close(s), days) for s in symbols if self.has(s)}, index=days)

    def vintages(self, symbol: str) -> pd.DataFrame:
        """Every vintage of a value series published by the end of ``as_of``."""
        key = ("vintages", symbol.upper())
        if key not in self._cache:
            version = store_version(self.store)
            if version is None:
                self._cache[key] = self.store.observations(symbol, as_of=self.as_of, vintages=True)
            else:
                full = _history(version, key, lambda: self.store.observations(symbol, vintages=True))
                self._cache[key] = full[full["available_at"] <= self.cutoff()]
        return self._cache[key]

    def known(self, symbol: str, days: pd.DatetimeIndex) -> pd.Series:
        """A value series as known at the end of each of ``days``.

        NaN before its first release, and once the source has published nothing for longer
        than its release cadence allows (:data:`~riskcurve.data.release.STALE_AFTER_DAYS`).
        """
        version = store_version(self.store)
        meta = (
            self.store.meta(symbol)
            if version is None
            else _history(version, ("meta", symbol.upper()), lambda: self.store.meta(symbol))
        )
        rule = meta.release
        max_age = STALE_AFTER_DAYS.get(rule or "end_of_day")
        return known_on(self.vintages(symbol), days, max_age_days=max_age)["value"].rename(symbol.upper())

    def days(self, start: DateLike | None = None) -> pd.DatetimeIndex:
        """Every calendar day from ``start`` (default 2000-01-01) to ``as_of``: the crypto calendar."""
        return daily_index(start or "2000-01-01", self.as_of)

    def require(self, *symbols: str) -> None:
        """Raise a clear error if any of ``symbols`` is missing from the store."""
        missing = [s for s in symbols if not self.has(s)]
        if missing:
            raise DataError(f"the store lacks {', '.join(missing)}; run `riskcurve update` first")

    def cutoff(self) -> pd.Timestamp:
        """The instant (naive UTC) that ends ``as_of``: later publications are invisible."""
        return knowledge_cutoff(self.as_of)
