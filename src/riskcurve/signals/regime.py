"""One day's whole picture: where risk appetite stands along the curve, and why.

:func:`regime` evaluates every signal on a point-in-time view of the store and keeps the
last row of each, with the definition used and the data range behind it. Nothing is computed
here that the named signals do not compute; this module only reads them on one day.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from riskcurve import numbers
from riskcurve.data.panel import MarketData
from riskcurve.data.release import today
from riskcurve.data.store import Store
from riskcurve.errors import DataError
from riskcurve.signals import cycle
from riskcurve.signals.cascade import LINK_LABELS, LINKS, stage_phrase
from riskcurve.signals.registry import SIGNALS, freshness_of

#: Inputs that go stale (no new row) for longer than this are called out as missing. Kept for
#: readers of the old rule; stale now means "not fresh" by each input's own freshness rule
#: (:mod:`riskcurve.signals.freshness`).
STALE_DAYS = 10
#: Series whose common last date is the default as-of when the store ends before today.
CORE_SYMBOLS: tuple[str, ...] = ("RUT", "GSPC", "BTC")

__all__ = ["CORE_SYMBOLS", "LINK_LABELS", "Regime", "RegimeItem", "default_as_of", "regime"]


@dataclass(frozen=True)
class RegimeItem:
    """One panel of the picture.

    Attributes
    ----------
    name
        The signal's name.
    headline
        One line for a human.
    state
        The numbers behind the headline (JSON-ready scalars).
    definition
        The exact definition used.
    sources
        For each input symbol, the first and last date seen (as of the picture's day).
    stale
        Inputs not fresh on the day by their own freshness rule
        (:func:`riskcurve.signals.freshness.rule_for`: stopped, skipped releases, or not
        started yet); what they decide is unknown.
    through
        The oldest newest row among the inputs the signal needs on the day (those ``stale``
        checks): what "data through" means. A basket's members come and go (a coin whose closes
        stop leaves it), so they do not hold it back; ``None`` for a signal of the calendar.
    """

    name: str
    headline: str
    state: Mapping[str, Any]
    definition: str
    sources: Mapping[str, tuple[str | None, str | None]]
    stale: tuple[str, ...] = ()
    through: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` form."""
        return {
            "name": self.name,
            "headline": self.headline,
            "state": dict(self.state),
            "definition": self.definition,
            "sources": {s: {"first": a, "last": b} for s, (a, b) in self.sources.items()},
            "stale": list(self.stale),
            "through": self.through,
        }


@dataclass(frozen=True)
class Regime:
    """The picture on one day.

    Attributes
    ----------
    as_of
        The day it stands on.
    note
        Why that day, when it is not the one asked for.
    items
        One :class:`RegimeItem` per signal that could be computed.
    unavailable
        ``(signal, reason)`` for those that could not (missing series).
    """

    as_of: dt.date
    note: str | None
    items: tuple[RegimeItem, ...]
    unavailable: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def item(self, name: str) -> RegimeItem:
        """The item of signal ``name``."""
        for entry in self.items:
            if entry.name == name:
                return entry
        raise KeyError(name)

    def _repr_html_(self) -> str:
        from riskcurve._display import result_html

        rows = pd.DataFrame(
            [(e.name, e.headline) for e in self.items] + [(n, f"unavailable: {r}") for n, r in self.unavailable],
            columns=["signal", "state"],
        )
        return result_html(
            f"Regime as of {self.as_of.isoformat()}", verdict=self.note, table=rows, max_rows=len(rows) + 1
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` schema of ``riskcurve regime``."""
        return {
            "as_of": self.as_of.isoformat(),
            "note": self.note,
            "items": [entry.to_dict() for entry in self.items],
            "unavailable": [{"signal": s, "reason": r} for s, r in self.unavailable],
        }

    def summary(self) -> str:
        """Plain text, one line per panel."""
        lines = [f"riskcurve regime as of {self.as_of.isoformat()}" + (f" ({self.note})" if self.note else "")]
        lines += [f"  {entry.name:<18} {entry.headline}" for entry in self.items]
        lines += [f"  {name:<18} unavailable: {reason}" for name, reason in self.unavailable]
        return "\n".join(lines)


def _scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT or (isinstance(value, pd.Timestamp) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value


def _row(frame: pd.DataFrame, day: pd.Timestamp) -> dict[str, Any]:
    upto = frame.loc[:day]
    if upto.empty:
        return {}
    return {str(k): _scalar(v) for k, v in upto.iloc[-1].items()}


def _ranges(data: MarketData, symbols: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
    ranges: dict[str, tuple[str | None, str | None]] = {}
    for symbol in symbols:
        if not data.has(symbol):
            continue
        frame = data.bars(symbol) if data.store.kind(symbol) == "price" else data.vintages(symbol)
        if frame.empty:
            ranges[symbol] = (None, None)
        else:
            ranges[symbol] = (frame.index.min().date().isoformat(), frame.index.max().date().isoformat())
    return ranges


def _needed(
    data: MarketData, ranges: Mapping[str, tuple[str | None, str | None]], symbols: Iterable[str]
) -> tuple[tuple[str, ...], str | None]:
    """Of the inputs a signal needs: those not fresh on the day, and the oldest newest row ("data through")."""
    stale = []
    lasts = []
    for symbol in symbols:
        last = ranges.get(symbol, (None, None))[1]
        if last is not None:
            lasts.append(last)
        if last is None or not _fresh(data, symbol):
            stale.append(symbol)
    return tuple(stale), min(lasts, default=None)


def _fresh(data: MarketData, symbol: str) -> bool:
    """Whether ``symbol``'s newest observation known on ``data.as_of`` is fresh by its rule."""
    return bool(freshness_of(data, symbol, pd.DatetimeIndex([data.as_of]))["fresh"].iloc[0])


def _stale_note(stale: Iterable[str], through: str | None) -> str:
    names = ", ".join(stale)
    return f" (stale: no recent data for {names}" + (f"; data through {through})" if through else ")") if names else ""


def _pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if numbers.is_missing(value) else numbers.percent(value, digits, signed=True)


def _require_history(data: MarketData, *symbols: str) -> None:
    data.require(*symbols)
    empty = [s for s in symbols if data.bars(s).empty]
    if empty:
        raise DataError(f"no {', '.join(empty)} data on or before {data.as_of.date()}")


def default_as_of(store: Store, symbols: Iterable[str] = CORE_SYMBOLS) -> tuple[pd.Timestamp, str | None]:
    """Today, or the last day the core series all have data if the store ends earlier.

    Returns
    -------
    (day, note)
        ``note`` says why the day is not today, or is ``None``.
    """
    now = pd.Timestamp(today())
    held = [s for s in symbols if s in store.symbols()]
    lasts = [store.last_date(s) for s in held]
    if not held or any(last is None for last in lasts):
        return now, None
    common = min(last for last in lasts if last is not None)
    if common >= now:
        return now, None
    return common, f"latest day with {', '.join(held)} all in the store; today is {now.date().isoformat()}"


def _unknown_since(frame: pd.DataFrame, link: str, day: pd.Timestamp) -> str | None:
    """The first day of the link's current unknown run (``None`` if it was never known)."""
    states = frame[f"state_{link}"].loc[:day]
    known = states.index[states.to_numpy(dtype=object) != "unknown"]
    if not len(known):
        return None
    after = states.index[states.index > known[-1]]
    return after[0].date().isoformat() if len(after) else None


def _cascade_item(data: MarketData) -> RegimeItem:
    spec = SIGNALS["cascade"]
    frame = spec.compute(data, None, **spec.parameters)
    changes = spec.events(data, None, **spec.parameters)
    row = _row(frame, data.as_of)
    ranges = _ranges(data, spec.sources)
    stale, through = _needed(data, ranges, ("DGS10", "BAMLH0A0HYM2", "GSPC", "RUT", "BTC", "ETH"))
    links: dict[str, Any] = {}
    for link in LINKS:
        state = str(row.get(f"state_{link}") or "unknown")
        if state == "unknown":
            since = _unknown_since(frame, link, data.as_of)
        else:
            # The last change between known states: a stretch without data is not a change.
            history = changes[changes["link"] == link]
            last = history.iloc[-1] if len(history) else None
            since = pd.Timestamp(cast(Any, last.name)).date().isoformat() if last is not None else None
        links[link] = {
            "lit": state == "lit",
            "state": state,
            "score": row.get(f"score_{link}"),
            "since": since,
            "through": row.get(f"through_{link}"),
            "why": row.get(f"why_{link}"),
        }
    phrase = stage_phrase(row) if row else "stage unknown: no data"
    lit_text = ", ".join(
        f"{LINK_LABELS[k]} {v['state']}{' since ' + v['since'] if v['since'] else ''}" for k, v in links.items()
    )
    headline = f"{phrase}. Links: {lit_text}"
    if stale:
        headline += f"; no recent data for {', '.join(stale)}"
    stage_low = int(row.get("stage_low") or 0)
    return RegimeItem(
        "cascade",
        headline,
        {
            "stage": stage_low,
            "stage_low": stage_low,
            "stage_high": int(row.get("stage_high") or 0),
            "stage_name": row.get("stage_name"),
            "phrase": phrase,
            "links": links,
        },
        spec.definition,
        ranges,
        stale,
        through,
    )


def _liquidity_item(data: MarketData) -> RegimeItem:
    spec = SIGNALS["liquidity"]
    frame = spec.compute(data, None, **spec.parameters)
    row = _row(frame, data.as_of)
    changes = spec.events(data, None, **spec.parameters)
    since = changes.index.max().date().isoformat() if len(changes) else None
    ranges = _ranges(data, spec.sources)
    stale, through = _needed(data, ranges, ("WALCL", "WTREGEN", "RRPONTSYD"))
    net = row.get("net_liquidity")
    base = (net - row["chg_13w"]) if net is not None and row.get("chg_13w") is not None else None
    change_13w = row["chg_13w"] / base if base else None
    if net is None:
        headline = "unknown: net liquidity inputs not published recently"
    else:
        parts = [(label, row.get(f"{key}_13w")) for key, label in (("fed_assets", "Fed assets"), ("tga", "TGA"))]
        parts.append(("RRP", row.get("rrp_13w")))
        drivers = ", ".join(
            f"{label} {numbers.decimal(value, 0, signed=True)}" for label, value in parts if value is not None
        )
        headline = (
            f"{row.get('regime')} since {since}: net liquidity {numbers.decimal(net, 0)} bn USD, "
            f"13-week {_pct(change_13w)}" + (f" ({drivers} bn)" if drivers else "") + ", "
            f"reserves {numbers.decimal(row.get('reserves') or float('nan'), 0) or 'n/a'} bn"
        )
    state = {**row, "chg_13w_pct": change_13w, "regime_since": since}
    return RegimeItem("liquidity", headline, state, spec.definition, ranges, stale, through)


def _breakout_item(data: MarketData, symbol: str = "RUT") -> RegimeItem:
    _require_history(data, symbol)
    spec = SIGNALS["breakout"]
    frame = spec.compute(data, symbol, **spec.parameters)
    events = spec.events(data, symbol, **spec.parameters)
    row = _row(frame, data.as_of)
    ranges = _ranges(data, (symbol,))
    last = events.iloc[-1] if len(events) else None
    state: dict[str, Any] = {**row, "symbol": symbol}
    if last is not None:
        state["last_breakout"] = {
            "date": pd.Timestamp(cast(Any, last.name)).date().isoformat(),
            **{str(k): _scalar(v) for k, v in last.items()},
        }
    if last is None:
        headline = f"{symbol}: no breakout after a base of {spec.parameters['min_base']}+ sessions"
    else:
        status = (
            "in price discovery"
            if row.get("in_price_discovery")
            else ("confirmed" if row.get("confirmed") else "not in price discovery")
        )
        headline = (
            f"{symbol} {status}: {_pct(row.get('distance_above_old_high'))} "
            f"vs the old high {numbers.decimal(last['old_high'], 2)} "
            f"(closing break {_scalar(last['close_high_date'])}, intraday break {_scalar(last['intraday_high_date'])}, "
            f"base {int(last['base_length'])} sessions)"
        )
    stale, through = _needed(data, ranges, (symbol,))
    return RegimeItem(
        "breakout", headline + _stale_note(stale, through), state, spec.definition, ranges, stale, through
    )


def _relative_strength_item(data: MarketData) -> RegimeItem:
    _require_history(data, "RUT", "GSPC")
    spec = SIGNALS["relative-strength"]
    frame = spec.compute(data, "RUT", **spec.parameters)
    row = _row(frame, data.as_of)
    ranges = _ranges(data, spec.sources)
    trend = "above" if row.get("above_trend") else "below"
    headline = (
        f"RUT/GSPC {numbers.decimal(row.get('ratio'), 4) or 'n/a'}, "
        f"{trend} its {spec.parameters['trend_window']}-session mean; "
        f"small caps ahead {row.get('streak', 0)} sessions in a row"
    )
    stale, through = _needed(data, ranges, spec.sources)
    return RegimeItem(
        "relative-strength", headline + _stale_note(stale, through), row, spec.definition, ranges, stale, through
    )


def _divergence_item(data: MarketData) -> RegimeItem:
    _require_history(data, "RUT", "BTC")
    spec = SIGNALS["divergence"]
    frame = spec.compute(data, "RUT", **spec.parameters)
    events = spec.events(data, "RUT", **spec.parameters)
    row = _row(frame, data.as_of)
    ranges = _ranges(data, spec.sources)
    open_now = events[events["open"]] if len(events) else events
    state = {**row, "open_since": open_now.index[-1].date().isoformat() if len(open_now) else None}
    stale, through = _needed(data, ranges, spec.sources)
    if "BTC" in stale or row.get("btc_drawdown") is None:
        # BTC's distance from its record is read from its last known close, and said to be old:
        # a close that stopped is never "0% from its record".
        drawdown, last = _last_known_drawdown(data, "BTC")
        state["divergence"] = None
        state["btc_drawdown"] = None
        state["btc_drawdown_last_known"] = drawdown
        state["btc_last_close"] = last
        headline = "unknown: no recent data for " + ", ".join(stale or ["BTC"])
        if drawdown is not None:
            headline += f"; BTC was {_pct(-drawdown)} from its record at its last close ({last})"
    elif len(open_now):
        start = open_now.iloc[-1]
        headline = (
            f"open since {state['open_since']}: {start['near_high_at_start']} near highs while BTC is "
            f"{_pct(-row['btc_drawdown'])} from its record"
        ) + _stale_note(stale, through)
    else:
        headline = f"none open; BTC {_pct(-row['btc_drawdown'])} from its record" + _stale_note(stale, through)
    return RegimeItem("divergence", headline, state, spec.definition, ranges, stale, through)


def _last_known_drawdown(data: MarketData, symbol: str) -> tuple[float | None, str | None]:
    """The fraction below its record at the last close known on the day, and that close's date."""
    closes = data.close(symbol).dropna()
    if closes.empty:
        return None, None
    return float(1.0 - closes.iloc[-1] / closes.max()), closes.index[-1].date().isoformat()


def _altseason_item(data: MarketData) -> RegimeItem:
    _require_history(data, "BTC")
    spec = SIGNALS["altseason"]
    frame = spec.compute(data, None, **spec.parameters)
    row = _row(frame, data.as_of)
    ranges = _ranges(data, spec.sources)
    members = row.get("members") or 0
    stale, through = _needed(data, ranges, ("BTC", "ETH"))
    if stale:
        headline = f"unknown: no recent data for {', '.join(stale)}" + (f" (data through {through})" if through else "")
        state = {**row, "altseason": None}
        return RegimeItem("altseason", headline, state, spec.definition, ranges, stale, through)
    if members < spec.parameters["min_members"]:
        headline = f"unknown: only {members} coins with {spec.parameters['window']} days of closes on this day"
    else:
        headline = (
            f"{'ON' if row.get('altseason') else 'off'}: {row.get('beating')} of {members} coins beat BTC over "
            f"{spec.parameters['window']} days ({_pct(row.get('share'), 0)[1:]}); ETH/BTC "
            f"{'above' if row.get('eth_btc_trend') else 'below'} trend"
        )
    # The basket's coins come and go; BTC and ETH are what the signal cannot do without.
    return RegimeItem("altseason", headline, row, spec.definition, ranges, stale, through)


def _cycle_item(data: MarketData) -> RegimeItem:
    if data.as_of < cycle.GENESIS:
        raise DataError(f"{data.as_of.date()} is before Bitcoin's genesis block ({cycle.GENESIS.date()})")
    spec = SIGNALS["cycle"]
    row = _row(spec.compute(data, None), data.as_of)
    halvings = spec.events(data, None)
    past = halvings[~halvings["estimated"]]
    upcoming = halvings[halvings["estimated"]]
    last_halving = past.index.max().date().isoformat() if len(past) else None
    next_halving = upcoming.index.min().date().isoformat() if len(upcoming) else None
    state = {**row, "last_halving": last_halving, "next_halving_estimate": next_halving}
    headline = (
        f"{int(row['days_since_halving'])} days since the {last_halving} halving "
        f"({numbers.percent(row['cycle_progress'], 0)} of the cycle); "
        f"supply inflation {numbers.percent(row['supply_inflation'], 2)}/yr, "
        f"{numbers.percent(row['share_mined'], 2)} of 21M mined; next halving ~{next_halving}"
        if last_halving
        else f"before the first halving; next ~{next_halving}"
    )
    return RegimeItem("cycle", headline, state, spec.definition, {})


def _volatility_item(data: MarketData, symbol: str = "BTC") -> RegimeItem:
    _require_history(data, symbol)
    spec = SIGNALS["volatility"]
    row = _row(spec.compute(data, symbol, **spec.parameters), data.as_of)
    ranges = _ranges(data, (symbol,))
    record = " (record low)" if row.get("record_low_30d") else ""
    headline = (
        f"{symbol} 30-day {numbers.percent(row.get('vol_30d'), 1) or 'n/a'} annualised, percentile "
        f"{numbers.decimal((row.get('percentile_30d') or float('nan')) * 100, 0) or 'n/a'} of its history{record}; "
        f"90-day {numbers.percent(row.get('vol_90d'), 1) or 'n/a'}"
    )
    stale, through = _needed(data, ranges, (symbol,))
    return RegimeItem(
        "volatility",
        headline + _stale_note(stale, through),
        {**row, "symbol": symbol},
        spec.definition,
        ranges,
        stale,
        through,
    )


_BUILDERS = (
    ("cascade", _cascade_item),
    ("liquidity", _liquidity_item),
    ("breakout", _breakout_item),
    ("relative-strength", _relative_strength_item),
    ("divergence", _divergence_item),
    ("altseason", _altseason_item),
    ("cycle", _cycle_item),
    ("volatility", _volatility_item),
)


def regime(store: Store, as_of: dt.date | str | None = None) -> Regime:
    """The whole picture on ``as_of`` (default: today, or the store's last common day).

    Parameters
    ----------
    store
        An open store.
    as_of
        The day to stand on; only data known by its end is used.

    Returns
    -------
    Regime
        Every panel that could be computed; the others listed in ``unavailable`` with the reason.
    """
    note = None
    if as_of is None:
        day, note = default_as_of(store)
    else:
        day = pd.Timestamp(as_of).normalize()
    data = MarketData(store, as_of=day)
    items: list[RegimeItem] = []
    unavailable: list[tuple[str, str]] = []
    for name, build in _BUILDERS:
        try:
            items.append(build(data))
        except DataError as missing:
            unavailable.append((name, str(missing)))
    return Regime(day.date(), note, tuple(items), tuple(unavailable))
