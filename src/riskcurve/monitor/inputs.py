"""Everything a digest reads, computed once over the history and then read on any day.

Every signal in :mod:`riskcurve.signals` is causal: its frame computed as of a late day and cut
at an earlier day ``d`` equals the frame computed as of ``d`` (the truncation tests prove it,
``tests/property/test_no_lookahead_digest.py`` for the digest). So the monitor computes each
signal once, as of the last day asked for, and a digest of any earlier day only *reads* rows
dated on or before that day. This is what makes a digest instant and a back-fill of every
Friday cheap (:meth:`riskcurve.monitor.digest.Monitor.digest`).

The link states (lit, dark or unknown), their data-through dates and why a link is unknown come
from the cascade's ``state_<link>``, ``through_<link>`` and ``why_<link>`` columns (the
freshness rules of :mod:`riskcurve.signals.freshness`). Other series (the checklist's) are read
with the same rules (:func:`~riskcurve.signals.registry.freshness_of`): a stale value is
unknown, never carried as if current.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskcurve.data.calendar import known_on
from riskcurve.data.panel import MarketData
from riskcurve.signals.cascade import INPUT_SYMBOLS, LINK_INPUTS, LINKS

if TYPE_CHECKING:
    from riskcurve.stats.claims import Claim

#: State codes in :attr:`MonitorInputs.states`.
LIT, DARK, UNKNOWN = 1, 0, -1
STATE_NAMES = {LIT: "lit", DARK: "dark", UNKNOWN: "unknown"}

#: Series of the skeptic's checklist items, read when the store holds them.
EXTRA_SERIES: tuple[str, ...] = ("BTC_SPOT_ETF_NETFLOW", "CFTC_BTC_CME_OI", "STABLECOIN_SUPPLY_TOTAL", "STABLECOINS")

#: Net liquidity's inputs, whose last observations say how far the liquidity item runs.
LIQUIDITY_INPUTS: tuple[str, ...] = ("WALCL", "WTREGEN", "RRPONTSYD")

#: Assets whose forward returns the digest shows.
RETURN_ASSETS: tuple[str, ...] = ("BTC", "ETH", "ALT_BASKET")


@dataclass(frozen=True)
class Known:
    """A series as known on each calendar day: the value and the date it describes.

    Attributes
    ----------
    value
        The value known at the end of each day; NaN before the first one, and on days the
        series is stale by its freshness rule.
    observed
        The date of the newest observation known ("data through"); NaT when nothing is known.
    unit
        The series' unit, as stored.
    """

    value: pd.Series
    observed: pd.Series
    unit: str


def known_series(data: MarketData, symbol: str, days: pd.DatetimeIndex) -> Known:
    """``symbol`` as known on each of ``days``, NaN where stale (:func:`~riskcurve.signals.registry.freshness_of`)."""
    from riskcurve.signals.registry import freshness_of

    meta = data.store.meta(symbol)
    fresh = freshness_of(data, symbol, days)
    if meta.kind == "value":
        value = known_on(data.vintages(symbol), days, max_age_days=None)["value"]
    else:
        bars = data.bars(symbol)["close"].dropna()
        both = days.union(pd.DatetimeIndex(bars.index))
        value = bars.reindex(both).ffill().reindex(days)
    observed = pd.Series(pd.DatetimeIndex(fresh["last_known"]), index=days)
    return Known(value.where(fresh["fresh"].astype(bool)), observed, meta.unit)


def link_states(cascade_frame: pd.DataFrame, inputs: Mapping[str, Known]) -> tuple[pd.DataFrame, ...]:
    """Each link lit (1), dark (0) or unknown (-1) each day, its data-through date and why unknown.

    Parameters
    ----------
    cascade_frame
        The cascade signal's frame. Its ``state_<link>`` (``"lit"``, ``"dark"``, ``"unknown"``),
        ``through_<link>`` and ``why_<link>`` columns are used where present; otherwise the
        link's boolean column, made unknown on days an input of
        :data:`~riskcurve.signals.cascade.LINK_INPUTS` is stale in ``inputs``.
    inputs
        Each input's :class:`Known`, by store symbol.

    Returns
    -------
    (states, through, stale)
        Frames on the cascade's index, one column per link; ``stale`` says why a link is unknown
        ('' when it is known).
    """
    days = pd.DatetimeIndex(cascade_frame.index)
    states: dict[str, np.ndarray] = {}
    through: dict[str, pd.Series] = {}
    stale: dict[str, pd.Series] = {}
    for link in LINKS:
        symbols = [INPUT_SYMBOLS[field] for field in LINK_INPUTS[link]]
        needed = [inputs[s] for s in symbols if s in inputs]
        fresh = np.ones(len(days), dtype=bool)
        names = pd.Series("", index=days, dtype=object)
        for symbol in symbols:
            known = inputs.get(symbol)
            ok = known.value.notna().to_numpy() if known is not None else np.zeros(len(days), dtype=bool)
            fresh &= ok
            names = names.where(ok, names + symbol + ", ")
        column = f"state_{link}"
        if column in cascade_frame.columns:
            text = cascade_frame[column].astype(object).to_numpy()
            code = np.where(text == "lit", LIT, np.where(text == "dark", DARK, UNKNOWN))
        else:
            lit = cascade_frame[link].fillna(False).astype(bool).to_numpy()
            code = np.where(fresh, np.where(lit, LIT, DARK), UNKNOWN)
        states[link] = code.astype(np.int8)
        if f"through_{link}" in cascade_frame.columns:
            through[link] = pd.Series(pd.DatetimeIndex(cascade_frame[f"through_{link}"]), index=days)
        else:
            observed = pd.DataFrame({i: k.observed for i, k in enumerate(needed)}, index=days)
            through[link] = observed.min(axis=1) if needed else pd.Series(pd.NaT, index=days)
        if f"why_{link}" in cascade_frame.columns:
            why = cascade_frame[f"why_{link}"].astype(object)
            stale[link] = why.where(why.notna() & (code == UNKNOWN), "").astype(str)
        else:
            stale[link] = names.str.rstrip(", ").where(code == UNKNOWN, "")
    return (
        pd.DataFrame(states, index=days),
        pd.DataFrame(through, index=days),
        pd.DataFrame(stale, index=days),
    )


def stage_bounds(states: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The stage as far as the data allow: ``(low, high)`` per day.

    ``low`` counts the links lit from the first before the first link that is not lit;
    ``high`` counts those lit *or unknown*. They are equal when every link up to the front is
    known; ``low < high`` reads "stage low-high of 5: <the unknown link> unknown".
    """
    codes = states[list(LINKS)].to_numpy()
    n = len(LINKS)
    lit = codes == LIT
    maybe = codes != DARK
    low = np.where(lit.all(axis=1), n, np.argmin(lit, axis=1))
    high = np.where(maybe.all(axis=1), n, np.argmin(maybe, axis=1))
    return low.astype(np.int64), high.astype(np.int64)


class Rows:
    """A frame's rows read by day cheaply: the last row dated on or before a day, as a dict.

    A back-fill reads the same frames on hundreds of days; indexing a pandas frame row by row
    costs far more than the numbers in it.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.dates = pd.DatetimeIndex(frame.index).to_numpy(dtype="datetime64[ns]")
        self.columns = {str(c): frame[c].to_numpy() for c in frame.columns}

    def last(self, day: pd.Timestamp) -> tuple[dict[str, Any] | None, pd.Timestamp | None]:
        """The last row dated on or before ``day`` and its date (``None, None`` when there is none)."""
        at = int(np.searchsorted(self.dates, day.to_datetime64(), side="right")) - 1
        if at < 0:
            return None, None
        return {c: v[at] for c, v in self.columns.items()}, pd.Timestamp(self.dates[at])

    def at(self, day: pd.Timestamp, column: str) -> Any:
        """``column`` on exactly ``day`` (``None`` when the frame has no such row)."""
        at = int(np.searchsorted(self.dates, day.to_datetime64(), side="left"))
        if at >= len(self.dates) or self.dates[at] != day.to_datetime64():
            return None
        return self.columns[column][at]


@dataclass(frozen=True)
class MonitorInputs:
    """The frames a digest reads, on one daily index up to :attr:`as_of`.

    Build with :func:`load_inputs`; read any day with :meth:`riskcurve.monitor.digest.Monitor.digest`.

    Attributes
    ----------
    as_of
        The last day computed; any day up to it can be read.
    cascade
        The cascade signal's frame (``riskcurve signal cascade``).
    states
        One int8 column per link: 1 lit, 0 dark, -1 unknown.
    through
        One column per link: the oldest last date among the link's inputs (``data through``).
    stale
        One column per link: the inputs that are stale that day, comma-separated ('' if none).
    inputs
        Each cascade input's :class:`Known` (last observation on each day).
    liquidity, relative_strength, breakout, altseason
        The registry's signal frames (see ``riskcurve signal NAME``); empty when not computable.
    closes
        Closes on each asset's own calendar (BTC, ETH, the alt basket), for forward returns.
    extra
        The skeptic's series (ETF flows, CME open interest, stablecoin supply) when stored.
    definitions
        Each signal's definition, for the checklist.
    """

    as_of: pd.Timestamp
    cascade: pd.DataFrame
    states: pd.DataFrame
    through: pd.DataFrame
    stale: pd.DataFrame
    inputs: Mapping[str, Known]
    liquidity: pd.DataFrame
    relative_strength: pd.DataFrame
    breakout: pd.DataFrame
    altseason: pd.DataFrame
    closes: Mapping[str, pd.Series]
    extra: Mapping[str, Known]
    definitions: Mapping[str, str]

    @functools.cached_property
    def rows(self) -> dict[str, Rows]:
        """Each signal frame (and each input's last value and date) as :class:`Rows`."""
        frames = {
            "liquidity": self.liquidity,
            "relative_strength": self.relative_strength,
            "breakout": self.breakout,
            "altseason": self.altseason,
        }
        tables = {name: Rows(frame) for name, frame in frames.items()}
        for symbol, known in {**self.inputs, **self.extra}.items():
            tables[symbol] = Rows(pd.DataFrame({"value": known.value, "observed": known.observed}))
        return tables

    @functools.cached_property
    def observations(self) -> dict[str, tuple[np.ndarray, pd.Series]]:
        """Each extra series' observations as first known: (day first known, values by observation date)."""
        found = {}
        for symbol, known in self.extra.items():
            frame = pd.DataFrame({"value": known.value, "observed": known.observed}).dropna()
            frame = frame.drop_duplicates("observed", keep="first")
            values = pd.Series(frame["value"].to_numpy(), index=pd.DatetimeIndex(frame["observed"]))
            found[symbol] = (pd.DatetimeIndex(frame.index).to_numpy(dtype="datetime64[ns]"), values)
        return found


def _frame(compute: Any) -> pd.DataFrame:
    from riskcurve.errors import DataError

    try:
        return compute()
    except (DataError, ValueError, KeyError):
        return pd.DataFrame()


def load_inputs(data: MarketData, claims: Sequence[Claim] | None = None) -> MonitorInputs:
    """Compute every signal the digest reads, once, as of ``data.as_of``.

    Parameters
    ----------
    data
        The point-in-time view of the last day to be read.
    claims
        Claims whose forecasts are marked to market (default: the built-in pack); their
        assets' closes are read.

    Returns
    -------
    MonitorInputs
        Frames any day up to ``data.as_of`` can be read from.

    Raises
    ------
    riskcurve.errors.DataError
        If the store lacks the cascade's inputs (GSPC, RUT, BTC, ETH, DGS10, BAMLH0A0HYM2).
    """
    from riskcurve.monitor.forecasts import forecast_assets
    from riskcurve.signals.registry import SIGNALS, alt_basket

    spec = SIGNALS["cascade"]
    cascade_frame = spec.compute(data, None, **spec.parameters)
    days = pd.DatetimeIndex(cascade_frame.index)
    symbols = set(INPUT_SYMBOLS.values()) | set(LIQUIDITY_INPUTS)
    inputs = {s: known_series(data, s, days) for s in sorted(symbols) if data.has(s)}
    states, through, stale = link_states(cascade_frame, inputs)

    def signal(name: str, symbol: str | None) -> pd.DataFrame:
        entry = SIGNALS[name]
        return _frame(lambda: entry.compute(data, symbol, **entry.parameters))

    closes: dict[str, pd.Series] = {}
    for asset in sorted({*RETURN_ASSETS, *forecast_assets(claims)}):
        if asset == "ALT_BASKET":
            with contextlib.suppress(ValueError):
                closes[asset] = alt_basket(data).dropna()
        elif data.has(asset) and data.store.kind(asset) == "price":
            closes[asset] = data.close(asset).dropna()
    imported = sorted(s for s in data.store.symbols() if "BREADTH" in s)
    extra = {s: known_series(data, s, days) for s in (*EXTRA_SERIES, *imported) if data.has(s)}
    return MonitorInputs(
        as_of=data.as_of,
        cascade=cascade_frame,
        states=states,
        through=through,
        stale=stale,
        inputs=inputs,
        liquidity=signal("liquidity", None),
        relative_strength=signal("relative-strength", "RUT"),
        breakout=signal("breakout", "RUT"),
        altseason=signal("altseason", None),
        closes=closes,
        extra=extra,
        definitions={name: SIGNALS[name].definition for name in SIGNALS},
    )
