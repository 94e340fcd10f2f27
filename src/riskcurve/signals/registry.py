"""The signals by name: how each is fed from a point-in-time view of the store.

Each entry reads what it needs from :class:`~riskcurve.data.panel.MarketData` (which only
sees what was known on its ``as_of``), calls the pure signal function, and returns a
date-indexed frame, plus the signal's de-clustered events. The CLI, the report and the
dashboard go through here, so they all show the same numbers.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

import pandas as pd

from riskcurve.data.panel import MarketData
from riskcurve.data.symbols import ALTCOINS
from riskcurve.signals import (
    altseason,
    breakout,
    cascade,
    cycle,
    divergence,
    freshness,
    liquidity,
    relative_strength,
    stablecoins,
    volatility,
)
from riskcurve.signals import cache as signal_cache
from riskcurve.signals.events import onsets

#: First day of the daily calendar the cross-asset signals are computed on.
HISTORY_START = "1990-01-01"


@dataclass(frozen=True)
class SignalSpec:
    """One named signal.

    Attributes
    ----------
    name
        The CLI name (``riskcurve signal NAME``).
    summary
        One line: what it says.
    definition
        The exact definition shown with every figure.
    default_symbol
        The symbol it applies to when one is asked for (``None``: it spans several).
    sources
        Symbols it reads.
    parameters
        Tunable parameters and their defaults (``--param key=value``).
    compute, events
        ``(data, symbol, **parameters) -> DataFrame``.
    units
        The unit of each column that is a level or a change of one (``USD billions``,
        ``percent``): a claim that compares such a figure with a bound shows it beside both.
    """

    name: str
    summary: str
    definition: str
    default_symbol: str | None
    sources: tuple[str, ...]
    parameters: Mapping[str, Any]
    compute: Callable[..., pd.DataFrame]
    events: Callable[..., pd.DataFrame]
    units: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Every caller goes through the shared cache (riskcurve.signals.cache): the report, the
        # regime, the checks and the dashboard compute each signal once per store, day and arguments.
        object.__setattr__(self, "compute", _through_cache(self.name, "compute", self.compute))
        object.__setattr__(self, "events", _through_cache(self.name, "events", self.events))

    def parse(self, raw: Mapping[str, str]) -> dict[str, Any]:
        """Turn ``key=value`` strings into typed parameters, rejecting unknown keys."""
        parsed: dict[str, Any] = {}
        for key, text in raw.items():
            if key not in self.parameters:
                allowed = ", ".join(sorted(self.parameters)) or "none"
                raise ValueError(f"signal {self.name!r} has no parameter {key!r} (it takes: {allowed})")
            default = self.parameters[key]
            try:
                if isinstance(default, bool):
                    if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError(text)
                    parsed[key] = text.lower() in ("true", "1", "yes")
                elif isinstance(default, int):
                    parsed[key] = int(text)
                    if abs(parsed[key]) > MAX_PARAMETER:  # no window, count or base is that long
                        raise ValueError(text)
                elif isinstance(default, float):
                    parsed[key] = float(text)
                    if not math.isfinite(parsed[key]) or abs(parsed[key]) > MAX_PARAMETER:
                        raise ValueError(text)
                else:
                    parsed[key] = text
            except ValueError:
                raise ValueError(
                    f"parameter {key}={text!r} of signal {self.name!r} must be a {type(default).__name__} "
                    f"(finite, at most {MAX_PARAMETER:,} in size)"
                ) from None
        return {**self.parameters, **parsed}


#: Largest size of a signal parameter given on the command line: a century of sessions.
MAX_PARAMETER = 25_200


def _through_cache(name: str, what: str, function: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
    if getattr(function, "__wrapped__", None) is not None:
        return function  # already wrapped (dataclasses.replace copies the fields)

    @functools.wraps(function)
    def through_cache(data: MarketData, symbol: str | None = None, **parameters: Any) -> pd.DataFrame:
        return signal_cache.cached(
            data, f"{name}.{what}", symbol, parameters, lambda: function(data, symbol, **parameters)
        )

    return through_cache


def _defaults(target: Any, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    if is_dataclass(target):
        return {f.name: f.default for f in fields(target) if f.name not in skip}
    signature = inspect.signature(target)
    return {
        name: p.default
        for name, p in signature.parameters.items()
        if p.default is not inspect.Parameter.empty and p.kind == p.KEYWORD_ONLY and name not in skip
    }


def _doc_head(target: Any) -> str:
    text = inspect.getdoc(target) or ""
    return text.split("\n\nParameters")[0].strip()


# -- breakout --------------------------------------------------------------------------------


def _breakout(data: MarketData, symbol: str, **params: Any) -> pd.DataFrame:
    return breakout.breakout_signal(data.bars(symbol), breakout.BreakoutParams(**params))


def _breakout_events(data: MarketData, symbol: str, **params: Any) -> pd.DataFrame:
    return breakout.breakout_events(data.bars(symbol), breakout.BreakoutParams(**params))


# -- relative strength ------------------------------------------------------------------------


def _rs(data: MarketData, symbol: str, *, large: str = "GSPC", **params: Any) -> pd.DataFrame:
    return relative_strength.relative_strength(data.close(symbol), data.close(large), **params)


def _rs_events(
    data: MarketData, symbol: str, *, large: str = "GSPC", min_streak: int = 10, **params: Any
) -> pd.DataFrame:
    frame = SIGNALS["relative-strength"].compute(data, symbol, large=large, **params)
    starts = onsets(frame["streak"] >= min_streak)
    # An event is dated the day the streak reaches min_streak, when it became known.
    return frame.loc[starts, ["streak", "ratio", "above_trend", "slope"]]


# -- liquidity ---------------------------------------------------------------------------------


def _liquidity(data: MarketData, symbol: str | None = None, **params: Any) -> pd.DataFrame:
    data.require("WALCL", "WTREGEN", "RRPONTSYD")
    days = data.days("2003-01-01")
    net = liquidity.net_liquidity(
        data.known("WALCL", days),
        data.known("WTREGEN", days),
        liquidity.known_rrp(data.vintages("RRPONTSYD"), days),
    )
    net["regime"] = liquidity.liquidity_regime(net, **params)
    net = net.join(_liquidity_drivers(data, net, days))
    net["qt_pace"] = liquidity.qt_pace(data.known("WALCL", days))
    if data.has("WRESBAL"):
        net["reserves"] = liquidity.reserves(data.known("WRESBAL", days))
    rate_inputs = {"dgs10": "DGS10", "dgs2": "DGS2", "hy_spread": "BAMLH0A0HYM2"}
    if all(data.has(s) for s in rate_inputs.values()):
        optional = {k: data.known(s, days) for k, s in (("effr", "EFFR"), ("dff", "DFF")) if data.has(s)}
        rate_frame = liquidity.rates(**{k: data.known(s, days) for k, s in rate_inputs.items()}, **optional)
        net = net.join(rate_frame, how="left")
    if data.has("STABLECOINS"):  # crypto's own liquidity gauge, when DefiLlama's series is stored
        net = net.join(stablecoins.supply_changes(data.closes(["STABLECOINS"], days)["STABLECOINS"]), how="left")
    return net


def _liquidity_drivers(data: MarketData, net: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    """The change decomposition, and Japan's policy rate and central-bank assets where stored."""
    securities = data.known("WSHOSHO", days) if data.has("WSHOSHO") else None
    drivers = liquidity.liquidity_drivers(net, securities)
    if data.has("IRSTCI01JPM156N"):
        drivers["jp_call_rate"] = data.known("IRSTCI01JPM156N", days)
    if data.has("JPNASSETS"):
        drivers["jp_boj_assets"] = data.known("JPNASSETS", days) / 10_000  # 100 million yen -> JPY trillions
    return drivers


def _liquidity_events(data: MarketData, symbol: str | None = None, **params: Any) -> pd.DataFrame:
    frame = SIGNALS["liquidity"].compute(data, symbol, **params)
    regime = frame["regime"]
    changed = regime.ne(regime.shift()) & regime.notna()
    events = frame.loc[changed, ["regime", "net_liquidity", "chg_13w"]]
    # Typed transitions: a turn to expanding and a turn to contracting are different events.
    events.insert(0, "transition", "to_" + events["regime"].astype(str))
    return events


# -- cascade ---------------------------------------------------------------------------------


def cascade_inputs(data: MarketData) -> cascade.CascadeInputs:
    """Everything the cascade reads, aligned on every calendar day up to ``as_of`` (computed once per day)."""
    return signal_cache.cached(data, "cascade.inputs", None, {}, lambda: _cascade_inputs(data))


def freshness_of(data: MarketData, symbol: str, days: pd.DatetimeIndex) -> pd.DataFrame:
    """:func:`riskcurve.signals.freshness.freshness` of a stored series on ``days``, as known on each.

    The rule comes from the series' stored metadata (its calendar and release rule), so a series
    outside the catalogue has one too. Prices are judged from their bar dates, values from their
    vintages (each known from its release instant).

    Parameters
    ----------
    data
        The point-in-time view.
    symbol
        A stored symbol.
    days
        The days to stand on (on or before ``data.as_of``).

    Returns
    -------
    pandas.DataFrame
        ``last_known``, ``age_days``, ``fresh``, ``status`` on ``days``.
    """
    meta = data.store.meta(symbol)
    rule = freshness.rule_for(
        meta.symbol, kind=meta.kind, calendar=meta.calendar, release=meta.release, lag_days=meta.lag_days
    )
    observations = data.bars(symbol)[["close"]] if meta.kind == "price" else data.vintages(symbol)
    return freshness.freshness(rule, observations, days)


def _cascade_inputs(data: MarketData) -> cascade.CascadeInputs:
    data.require("GSPC", "RUT", "BTC", "ETH", "DGS10", "BAMLH0A0HYM2")
    days = data.days(HISTORY_START)
    alts = data.basket_closes()
    inputs = cascade.INPUT_SYMBOLS
    return cascade.CascadeInputs.from_closes(
        days,
        gspc=data.close("GSPC"),
        rut=data.close("RUT"),
        btc=data.close("BTC"),
        eth=data.close("ETH"),
        alts=alts,
        dgs10=data.known("DGS10", days),
        hy_spread=data.known("BAMLH0A0HYM2", days),
        freshness_frames={name: freshness_of(data, inputs[name], days) for name in inputs},
    )


def _cascade(data: MarketData, symbol: str | None = None, **params: Any) -> pd.DataFrame:
    return cascade.cascade(cascade_inputs(data), cascade.CascadeParams(**params))


def _cascade_events(data: MarketData, symbol: str | None = None, **params: Any) -> pd.DataFrame:
    changes = cascade.link_changes(SIGNALS["cascade"].compute(data, symbol, **params)).set_index("date")
    # Typed transitions, e.g. small_caps_to_lit: a link lighting up is not a link going dark.
    changes.insert(0, "transition", changes["link"] + "_to_" + changes["state"])
    return changes


# -- divergence ---------------------------------------------------------------------------------


def _divergence(data: MarketData, symbol: str = "RUT", **params: Any) -> pd.DataFrame:
    data.require(symbol, "GOLD", "SILVER", "BTC")
    days = data.days(HISTORY_START)
    return divergence.anything_but_crypto(
        *(pd.Series(data.closes([s], days)[s]) for s in (symbol, "GOLD", "SILVER", "BTC")), **params
    )


def _divergence_events(data: MarketData, symbol: str = "RUT", **params: Any) -> pd.DataFrame:
    # Episodes starting within a week of the last one are the same episode.
    frame = SIGNALS["divergence"].compute(data, symbol, **params)
    return divergence.divergence_events(frame, cooldown=7).set_index("start")


# -- altseason ---------------------------------------------------------------------------------


def alt_closes(data: MarketData) -> pd.DataFrame:
    """Closes of BTC, ETH and the basket's coins (:meth:`MarketData.basket`) on every day from 2013-04-01.

    Crypto trades every day: nothing is carried, a missing close stays missing. Not kept in the
    signal cache: it is a few reads of arrays the store-history cache holds, and hundreds of
    coins would make it the largest entry of every day kept.
    """
    days = data.days("2013-04-01")
    majors = pd.DataFrame({c: data.close(c).reindex(days) for c in ("BTC", "ETH") if data.has(c)}, index=days)
    return pd.concat([majors, data.basket_closes().reindex(days)], axis=1)


def alt_basket(data: MarketData) -> pd.Series:
    """The equal-weight altcoin basket's index level (coins as they existed each day), named ``ALT_BASKET``."""
    # Forecasts, studies and the derived ALTS series each ask for it: built once per day and store.
    return signal_cache.cached(data, "alt_basket", None, {}, lambda: _alt_basket(data))


def _alt_basket(data: MarketData) -> pd.Series:
    closes = alt_closes(data)[list(data.basket())]
    closes = closes.loc[:, closes.notna().any()]
    if closes.shape[1] == 0:
        raise ValueError(f"no altcoin data on or before {data.as_of.date()}")
    return altseason.basket_index(closes)


def _altseason(data: MarketData, symbol: str | None = None, **params: Any) -> pd.DataFrame:
    data.require("BTC")
    return altseason.altseason(alt_closes(data), **params)


def _altseason_events(data: MarketData, symbol: str | None = None, **params: Any) -> pd.DataFrame:
    frame = SIGNALS["altseason"].compute(data, symbol, **params)
    return frame.loc[onsets(frame["altseason"], cooldown=90), ["share", "members", "beating"]]


# -- cycle and volatility -------------------------------------------------------------------------


def _cycle(data: MarketData, symbol: str | None = None, **params: Any) -> pd.DataFrame:
    return cycle.issuance(data.days("2009-01-03"))


def _cycle_events(data: MarketData, symbol: str | None = None, **params: Any) -> pd.DataFrame:
    table = cycle.halvings().set_index("height")
    happened = table[(table["date"] <= data.as_of) & ~table["estimated"]]
    # The next halving as the schedule put it on as_of, not the date it later came.
    position = cycle.issuance(pd.DatetimeIndex([data.as_of])).iloc[0]
    upcoming = table.loc[[int(happened.index.max()) + 210_000 if len(happened) else 210_000]].copy()
    upcoming["date"] = data.as_of + pd.Timedelta(days=int(position["days_to_next_halving"]))
    upcoming["estimated"] = True
    return pd.concat([happened, upcoming]).reset_index().set_index("date")


def _volatility(data: MarketData, symbol: str, **params: Any) -> pd.DataFrame:
    return volatility.realized_volatility(data.close(symbol), **params)


def _volatility_events(data: MarketData, symbol: str, **params: Any) -> pd.DataFrame:
    frame = SIGNALS["volatility"].compute(data, symbol, **params)
    columns = [c for c in frame.columns if c.startswith("record_low_")]
    state = frame[columns].any(axis=1)
    return frame.loc[onsets(state, cooldown=30)]


#: The liquidity frame's levels and changes (net_liquidity, liquidity_drivers, qt_pace, reserves,
#: rates, stablecoins.supply_changes say each one's unit); its ``*_pct_*`` columns are fractions.
_LIQUIDITY_UNITS: dict[str, str] = {
    **dict.fromkeys(
        ("fed_assets", "tga", "rrp", "net_liquidity", "chg_4w", "chg_13w", "chg_52w", "qt_pace", "reserves"),
        "USD billions",
    ),
    **{
        f"{part}_{window}": "USD billions"
        for part in ("fed_assets", "tga", "rrp", "net", "securities", "other_assets")
        for window in ("4w", "13w", "52w")
    },
    **dict.fromkeys(("stablecoin_supply", "stablecoin_chg_4w", "stablecoin_chg_13w"), "USD billions"),
    **dict.fromkeys(("policy_rate", "dgs2", "dgs10", "spread_10y2y", "hy_spread", "jp_call_rate"), "percent"),
    "jp_boj_assets": "JPY trillions",
}

SIGNALS: dict[str, SignalSpec] = {
    spec.name: spec
    for spec in (
        SignalSpec(
            "breakout",
            "All-time highs on close and intraday, base length, confirmation, price discovery.",
            _doc_head(breakout.breakout_signal),
            "RUT",
            ("RUT",),
            _defaults(breakout.BreakoutParams),
            _breakout,
            _breakout_events,
        ),
        SignalSpec(
            "relative-strength",
            "Small caps against large caps: ratio, trend, streak of sessions ahead.",
            _doc_head(relative_strength.relative_strength),
            "RUT",
            ("RUT", "GSPC"),
            {**_defaults(relative_strength.relative_strength), "large": "GSPC"},
            _rs,
            lambda data, symbol, **p: _rs_events(data, symbol, **p),
            {"streak": "sessions"},
        ),
        SignalSpec(
            "liquidity",
            "Net liquidity (Fed assets - TGA - reverse repo), its changes, regime, reserves, rates, "
            "and stablecoin supply when stored.",
            _doc_head(liquidity.net_liquidity)
            + "\n\n"
            + _doc_head(liquidity.liquidity_regime)
            + "\n\n"
            + _doc_head(stablecoins.supply_changes),
            None,
            (
                # WSHOSHO and JPNASSETS refine the drivers when stored; they are not required inputs.
                *("WALCL", "WTREGEN", "RRPONTSYD", "WRESBAL", "DGS10", "DGS2", "BAMLH0A0HYM2", "EFFR"),
                *("DFF", "IRSTCI01JPM156N", "STABLECOINS"),
            ),
            _defaults(liquidity.liquidity_regime),
            _liquidity,
            _liquidity_events,
            _LIQUIDITY_UNITS,
        ),
        SignalSpec(
            "cascade",
            "How far along the risk curve risk appetite has travelled, link by link.",
            _doc_head(cascade.cascade),
            None,
            ("DGS10", "BAMLH0A0HYM2", "GSPC", "RUT", "BTC", "ETH", *ALTCOINS),
            _defaults(cascade.CascadeParams),
            _cascade,
            _cascade_events,
        ),
        SignalSpec(
            "divergence",
            "'Anything but crypto': small caps or metals at highs while BTC is in drawdown.",
            _doc_head(divergence.anything_but_crypto),
            "RUT",
            ("RUT", "GOLD", "SILVER", "BTC"),
            _defaults(divergence.anything_but_crypto),
            _divergence,
            _divergence_events,
        ),
        SignalSpec(
            "altseason",
            "Share of the altcoin basket beating BTC over 90 days; ETH/BTC trend.",
            _doc_head(altseason.altseason),
            None,
            ("BTC", "ETH", *ALTCOINS),
            # Five days of persistence, as for the cascade's links, so a share hovering at 75% does
            # not switch the state (and `riskcurve watch`'s alerts) day after day.
            {**_defaults(altseason.altseason, skip=("basket",)), "min_days": 5},
            _altseason,
            _altseason_events,
        ),
        SignalSpec(
            "cycle",
            "Bitcoin's halving cycle: height, subsidy, supply inflation, share mined, position.",
            _doc_head(cycle.issuance),
            None,
            (),
            {},
            _cycle,
            _cycle_events,
        ),
        SignalSpec(
            "volatility",
            "Realised volatility (30/90 days, annualised) and its percentile in its own history.",
            _doc_head(volatility.realized_volatility),
            "BTC",
            ("BTC",),
            _defaults(volatility.realized_volatility, skip=("windows",)),
            _volatility,
            _volatility_events,
        ),
    )
}


def get_signal(name: str) -> SignalSpec:
    """The signal called ``name``; the error lists the known ones."""
    key = name.strip().lower().replace("_", "-")
    if key not in SIGNALS:
        raise ValueError(f"unknown signal {name!r}; choose one of {', '.join(SIGNALS)}")
    return SIGNALS[key]
