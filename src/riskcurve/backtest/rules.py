"""Strategy rules: long/flat signals built from the signal registry, all point-in-time.

A rule returns a boolean (or weight) series dated when each value was known: the value on
day ``d`` uses only data known at the end of ``d``. The engine
(:class:`~riskcurve.backtest.engine.Backtest`) aligns it to the traded instrument's bars and
trades it on the next bar. Nothing here looks forward: events enter a rule on the day they
became known (a breakout on its confirmation day, not on the breakout day before it was
confirmed).

The named rules of ``riskcurve backtest --rule NAME`` are in :data:`RULES`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskcurve._typing import DateLike
from riskcurve.backtest.baselines import HALVING_HOLD_DAYS, after_events, halving_cycle
from riskcurve.backtest.engine import Backtest, BacktestResult, basket_prices
from riskcurve.data.panel import MarketData
from riskcurve.signals.derived import ALTS, ALTS_NAMES, DERIVED
from riskcurve.signals.registry import get_signal
from riskcurve.signals.states import condition_state

__all__ = [
    "ALT_BASKET",
    "RULES",
    "RuleSpec",
    "after_events",
    "all_of",
    "any_of",
    "backtest_rule",
    "cascade_stage_at_least",
    "condition_holds",
    "confirmed_breakouts",
    "get_rule",
    "halving_cycle",
    "liquidity_not_contracting",
    "ma_cross",
    "negate",
    "traded_prices",
]

#: Asset name of the equal-weight altcoin basket (every coin of the store's basket, ``MarketData.basket``).
ALT_BASKET = ALTS

# -- combination helpers -------------------------------------------------------------------------


def _as_bool(name: str, signal: object) -> pd.Series:
    if not isinstance(signal, pd.Series) or not isinstance(signal.index, pd.DatetimeIndex):
        raise TypeError(f"{name} must be a date-indexed pandas Series, got {type(signal).__name__}")
    if signal.index.has_duplicates:
        raise ValueError(f"{name} has duplicate dates")
    # Unknown (NaN) is not a reason to be invested.
    values = signal.astype("float64").fillna(0.0)
    return (values > 0).sort_index()


def _on_union(signals: tuple[pd.Series, ...]) -> list[pd.Series]:
    if not signals:
        raise ValueError("give at least one signal")
    series = [_as_bool(f"signals[{i}]", s) for i, s in enumerate(signals)]
    index = series[0].index
    for s in series[1:]:
        index = index.union(s.index)
    # Each signal keeps its last known value until its next date (as-of); before its first
    # date it is unknown, hence False.
    aligned = []
    for s in series:
        position = s.index.searchsorted(index, side="right") - 1
        values = np.where(position >= 0, s.to_numpy()[np.maximum(position, 0)], False)
        aligned.append(pd.Series(values.astype(bool), index=index))
    return aligned


def all_of(*signals: pd.Series) -> pd.Series:
    """True where every signal is true (each read as of each date of the union of their dates)."""
    aligned = _on_union(signals)
    result = aligned[0]
    for s in aligned[1:]:
        result = result & s
    return result.rename("all_of")


def any_of(*signals: pd.Series) -> pd.Series:
    """True where at least one signal is true (each read as of each date of the union of their dates)."""
    aligned = _on_union(signals)
    result = aligned[0]
    for s in aligned[1:]:
        result = result | s
    return result.rename("any_of")


def negate(signal: pd.Series) -> pd.Series:
    """True where the signal is known and false; an unknown value stays False (not invested)."""
    known = signal.notna()
    return (known & ~_as_bool("signal", signal)).rename(f"not_{signal.name}" if signal.name else "not")


# -- rules ---------------------------------------------------------------------------------------


def cascade_stage_at_least(data: MarketData, stage: int, **params: Any) -> pd.Series:
    """True on days when the cascade has travelled at least ``stage`` links along the risk curve.

    Stage 3 means bonds/credit, large caps and small caps are lit ("the cascade has reached
    small caps"); see :func:`riskcurve.signals.cascade.cascade`. Daily (every calendar day).

    Parameters
    ----------
    data
        Point-in-time view of the store.
    stage
        1..5.
    **params
        Cascade parameters (:class:`~riskcurve.signals.cascade.CascadeParams`).
    """
    if isinstance(stage, bool) or not isinstance(stage, int) or not 1 <= stage <= 5:
        raise ValueError(f"stage must be an integer from 1 to 5, got {stage!r}")
    spec = get_signal("cascade")
    frame = spec.compute(data, None, **{**spec.parameters, **params})
    return (frame["stage"] >= stage).rename(f"cascade_stage>={stage}")


def liquidity_not_contracting(data: MarketData, **params: Any) -> pd.Series:
    """True on days when the net-liquidity regime is known and not ``contracting``.

    See :func:`riskcurve.signals.liquidity.liquidity_regime` (13-week change of Fed assets -
    TGA - reverse repo, 2% band, debounced); the regime uses H.4.1 values only once published.
    Unknown regime (before 2003, or before the first label has held) counts as False.

    Parameters
    ----------
    data
        Point-in-time view of the store.
    **params
        ``threshold_pct``, ``change``, ``min_days`` of the liquidity regime.
    """
    spec = get_signal("liquidity")
    frame = spec.compute(data, None, **{**spec.parameters, **params})
    regime = frame["regime"]
    return (regime.notna() & (regime.astype(object) != "contracting")).rename("liquidity_not_contracting")


def condition_holds(data: MarketData, when: str) -> pd.Series:
    """1.0 on days when a condition holds, 0.0 when it does not: any state ``riskcurve study --when`` takes.

    The condition is parsed and evaluated by :func:`riskcurve.signals.states.condition_state`, so
    a state is written one way everywhere: a signal's column (``liquidity=expanding``,
    ``cascade>=3``, ``risk=on``) or a series' level or change (``NETLIQ.chg_13w>0``,
    ``series:DGS2<4``), each value as known at the end of its day. Signals keep their default
    parameters.

    Parameters
    ----------
    data
        Point-in-time view of the store.
    when
        The condition.

    Returns
    -------
    pandas.Series
        Daily, named after the condition. NaN before the condition is first known (so a backtest
        starts there); after that an unknown value (stale data) is 0.0: not a reason to be invested.
    """
    state = condition_state(data, when)
    seen = state.notna().cummax()
    return state.fillna(0.0).where(seen)


def confirmed_breakouts(data: MarketData, symbol: str = "RUT", **params: Any) -> pd.DatetimeIndex:
    """Dates on which a breakout of ``symbol`` was confirmed: the day it became known.

    A breakout (first all-time high after a base of ``min_base`` sessions) is confirmed once
    ``confirm_closes`` closes stand above the old high (:func:`riskcurve.signals.breakout.breakout_events`);
    breakouts never confirmed are left out.

    Parameters
    ----------
    data
        Point-in-time view of the store.
    symbol
        The index (default the Russell 2000).
    **params
        Breakout parameters: ``min_base``, ``confirm_closes``, ``volume_window``, ``basis``.
    """
    spec = get_signal("breakout")
    events = spec.events(data, symbol, **{**spec.parameters, **params})
    confirmed = pd.DatetimeIndex(events["confirmed_date"].dropna()).sort_values()
    return confirmed.rename("date")


def ma_cross(close: pd.Series, fast: int, slow: int) -> pd.Series:
    """Long from a fast-over-slow moving-average crossover to the next cross back under.

    With ``F`` and ``S`` the simple moving averages of ``fast`` and ``slow`` closes (NaN until
    full), ``F`` *crosses above* ``S`` on bar ``t`` when ``F_t > S_t``, ``F_{t-1} <= S_{t-1}``
    and ``F`` was strictly below ``S`` on some bar since the averages last were missing;
    *crosses below* symmetrically. The rule is long from a cross above until the next cross
    below: in particular it is flat at the start even if ``F > S`` there, until a real cross.
    This is vectorbt's ``crossed_above``/``crossed_below`` convention, so the two agree bar for
    bar.

    Parameters
    ----------
    close
        Closes of the asset, date-indexed.
    fast, slow
        Window lengths in bars, ``1 <= fast < slow``.
    """
    for name, value in (("fast", fast), ("slow", slow)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if fast >= slow:
        raise ValueError(f"fast must be smaller than slow, got fast={fast}, slow={slow}")
    values = close.astype(float)
    f = values.rolling(fast, min_periods=fast).mean().to_numpy()
    s = values.rolling(slow, min_periods=slow).mean().to_numpy()
    valid = ~(np.isnan(f) | np.isnan(s))

    def previous(flags: np.ndarray) -> np.ndarray:
        return np.concatenate([[False], flags[:-1]])

    # Runs of consecutive valid bars; "was below/above" starts afresh after each gap.
    segment = np.cumsum(~valid)
    run = valid & previous(valid)
    above, below = valid & (f > s), valid & (f < s)
    was_below = pd.Series(below).groupby(segment).cummax().to_numpy(dtype=bool)
    was_above = pd.Series(above).groupby(segment).cummax().to_numpy(dtype=bool)
    enter = above & run & ~previous(above) & previous(was_below)
    leave = below & run & ~previous(below) & previous(was_above)
    state = pd.Series(np.where(enter, 1.0, np.where(leave, 0.0, np.nan)), index=close.index).ffill().fillna(0.0)
    return (state > 0).rename(f"ma_cross_{fast}_{slow}")


# -- instruments ---------------------------------------------------------------------------------


def _parse_weights(asset: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for part in asset.split(","):
        name, _, weight = part.strip().partition(":")
        if not name:
            raise ValueError(f"asset {asset!r}: empty member name")
        try:
            weights[name.upper()] = float(weight) if weight else 1.0
        except ValueError:
            raise ValueError(f"asset {asset!r}: weight {weight!r} of {name} is not a number") from None
        if not weights[name.upper()] > 0 or not math.isfinite(weights[name.upper()]):
            raise ValueError(f"asset {asset!r}: weight of {name} must be positive")
    return weights


def traded_prices(data: MarketData, asset: str) -> pd.Series:
    """Closes of what a backtest trades: a symbol, the altcoin basket, or a weighted basket.

    Parameters
    ----------
    data
        Point-in-time view of the store.
    asset
        ``"BTC"`` (any price symbol in the store), ``"ALTS"`` (equal-weight basket of the
        altcoins in the store, :func:`~riskcurve.backtest.engine.basket_prices`), or a basket
        ``"BTC:0.6,ETH:0.4"`` / ``"BTC,ETH"`` (equal weights when none are given).

    Returns
    -------
    pandas.Series
        Closes named after ``asset``.
    """
    if not isinstance(asset, str) or not asset.strip():
        raise ValueError(f"asset must be a symbol, {ALT_BASKET!r} or a basket like 'BTC:0.6,ETH:0.4'; got {asset!r}")
    key = asset.strip().upper()
    if key in DERIVED:
        # A macro aggregate has a level but no price: there is nothing to buy.
        raise ValueError(
            f"asset {key} cannot be traded: it is a macro aggregate ({DERIVED[key].unit}), not a price; use it as "
            f"a rule's input instead, e.g. --rule state -p 'when={key}.chg_13w>0'"
        )
    if key in ALTS_NAMES:
        if not data.basket():
            raise ValueError("the store holds no altcoin for the ALTS basket; run `riskcurve update` first")
        # Every coin's closes side by side on the dates any of them closed (no carry).
        return basket_prices(data.basket_closes()).rename(ALT_BASKET)
    if "," in key or ":" in key:
        weights = _parse_weights(key)
        data.require(*weights)
        closes = pd.DataFrame({a: data.close(a) for a in weights})
        return basket_prices(closes, weights).rename(key)
    data.require(key)
    if data.store.kind(key) != "price":
        raise ValueError(
            f"asset {key} is a value series, not a tradable price series; use it as a rule's input instead, "
            f"e.g. --rule state -p 'when=series:{key}.chg_13w>0'"
        )
    return data.close(key)


# -- named rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    """A named rule of ``riskcurve backtest``.

    Attributes
    ----------
    name
        The CLI name.
    definition
        What it holds and when, exactly.
    parameters
        Parameters and their defaults (``--param key=value``).
    build
        ``(data, prices, **parameters) -> signal``: ``prices`` are the traded instrument's
        closes (for rules on the asset itself); the signal is dated when known.
    """

    name: str
    definition: str
    parameters: Mapping[str, Any]
    build: Callable[..., pd.Series]

    def parse(self, raw: Mapping[str, str]) -> dict[str, Any]:
        """Typed parameters from ``key=value`` strings, defaults filled in; unknown keys are errors."""
        parsed: dict[str, Any] = {}
        for key, text in raw.items():
            if key not in self.parameters:
                allowed = ", ".join(sorted(self.parameters)) or "none"
                raise ValueError(f"rule {self.name!r} has no parameter {key!r} (it takes: {allowed})")
            default = self.parameters[key]
            try:
                parsed[key] = type(default)(text) if not isinstance(default, bool) else text.lower() in ("1", "true")
            except ValueError:
                raise ValueError(
                    f"parameter {key}={text!r} of rule {self.name!r} must be a {type(default).__name__}"
                ) from None
        return {**self.parameters, **parsed}


def _cascade_liquidity(
    data: MarketData,
    prices: pd.Series,
    *,
    stage: int,
    long_window: int,
    short_window: int,
    cascade_min_days: int,
    liquidity_threshold: float,
    liquidity_min_days: int,
) -> pd.Series:
    cascade = cascade_stage_at_least(
        data, stage, long_window=long_window, short_window=short_window, min_days=cascade_min_days
    )
    liquidity = liquidity_not_contracting(data, threshold_pct=liquidity_threshold, min_days=liquidity_min_days)
    return all_of(cascade, liquidity).rename("cascade_and_liquidity")


def _rut_breakout(
    data: MarketData,
    prices: pd.Series,
    *,
    symbol: str,
    min_base: int,
    confirm_closes: int,
    basis: str,
    hold_days: int,
) -> pd.Series:
    events = confirmed_breakouts(data, symbol, min_base=min_base, confirm_closes=confirm_closes, basis=basis)
    days = pd.DatetimeIndex(data.days("1990-01-01"))
    return after_events(events, hold_days, days).rename(f"{hold_days}d_after_{symbol}_breakout")


def _cascade_only(
    data: MarketData, prices: pd.Series, *, stage: int, long_window: int, short_window: int, min_days: int
) -> pd.Series:
    return cascade_stage_at_least(data, stage, long_window=long_window, short_window=short_window, min_days=min_days)


def _ma(data: MarketData, prices: pd.Series, *, fast: int, slow: int) -> pd.Series:
    return ma_cross(prices, fast, slow)


def _halving(data: MarketData, prices: pd.Series, *, hold_days: int, offset_days: int) -> pd.Series:
    return halving_cycle(data.days("2009-01-03"), hold_days=hold_days, offset_days=offset_days)


def _state(data: MarketData, prices: pd.Series, *, when: str) -> pd.Series:
    return condition_holds(data, when)


RULES: dict[str, RuleSpec] = {
    spec.name: spec
    for spec in (
        RuleSpec(
            "cascade-liquidity",
            "Long while the cascade has reached at least `stage` links (3: bonds/credit, large caps and small "
            "caps lit) and the net-liquidity regime is not contracting; flat otherwise.",
            {
                "stage": 3,
                "long_window": 200,
                "short_window": 50,
                "cascade_min_days": 5,
                "liquidity_threshold": 0.02,
                "liquidity_min_days": 10,
            },
            _cascade_liquidity,
        ),
        RuleSpec(
            "rut-breakout",
            "Long for `hold_days` calendar days from the day a breakout of `symbol` (first all-time high after a "
            "base of `min_base` sessions) is confirmed by `confirm_closes` closes above the old high.",
            {"symbol": "RUT", "min_base": 250, "confirm_closes": 3, "basis": "close", "hold_days": 90},
            _rut_breakout,
        ),
        RuleSpec(
            "cascade",
            "Long while the cascade has reached at least `stage` links of the risk curve.",
            {"stage": 3, "long_window": 200, "short_window": 50, "min_days": 5},
            _cascade_only,
        ),
        RuleSpec(
            "ma-cross",
            "Long from a cross of the `fast`-bar moving average above the `slow`-bar one (on the traded asset) "
            "to the next cross back under.",
            {"fast": 50, "slow": 200},
            _ma,
        ),
        RuleSpec(
            "halving",
            "Long from `offset_days` after each Bitcoin halving for `hold_days` days (the baseline rule itself).",
            {"hold_days": HALVING_HOLD_DAYS, "offset_days": 0},
            _halving,
        ),
        RuleSpec(
            "state",
            "Long while the condition `when` holds, flat while it does not or it is unknown: any state of "
            "`riskcurve study --when`, e.g. a series' level or change (NETLIQ.chg_13w>0: net liquidity up over "
            "13 weeks; series:DGS2.chg_13w<0; RESERVES>3000) or a signal's column (liquidity=expanding, "
            "cascade>=3, risk=on), as known at the end of each day.",
            {"when": "NETLIQ.chg_13w>0"},
            _state,
        ),
    )
}


def get_rule(name: str) -> RuleSpec:
    """The rule called ``name``; the error lists the known ones."""
    key = name.strip().lower().replace("_", "-")
    if key not in RULES:
        raise ValueError(f"unknown rule {name!r}; choose one of {', '.join(RULES)}")
    return RULES[key]


def backtest_rule(
    data: MarketData,
    rule: str,
    asset: str = "BTC",
    *,
    parameters: Mapping[str, Any] | None = None,
    cost_bp: float = 10.0,
    slippage_bp: float = 5.0,
    lag: int = 1,
    start: DateLike | None = None,
    n_trials: int | None = None,
    var_trials_sharpe: float | None = None,
) -> BacktestResult:
    """Backtest a named rule on an asset, against buy-and-hold and the halving-cycle rule.

    Parameters
    ----------
    data
        Point-in-time view of the store (everything stops at ``data.as_of``).
    rule
        A name of :data:`RULES`.
    asset
        See :func:`traded_prices`.
    parameters
        The rule's parameters (defaults for the rest).
    cost_bp, slippage_bp, lag, start, n_trials, var_trials_sharpe
        As in :class:`~riskcurve.backtest.engine.Backtest`.

    Returns
    -------
    BacktestResult
    """
    spec = get_rule(rule)
    unknown = sorted(set(parameters or {}) - set(spec.parameters))
    if unknown:
        raise ValueError(
            f"rule {spec.name!r} has no parameter(s) {', '.join(unknown)} (it takes: {', '.join(spec.parameters)})"
        )
    chosen = {**spec.parameters, **(parameters or {})}
    prices = traded_prices(data, asset)
    signal = spec.build(data, prices, **chosen)
    shown = ", ".join(f"{k}={v}" for k, v in chosen.items())
    return Backtest(
        prices=prices,
        signal=signal,
        name=spec.name,
        asset=str(prices.name),
        definition=f"{spec.definition} ({shown})",
        cost_bp=cost_bp,
        slippage_bp=slippage_bp,
        lag=lag,
        start=start,
        n_trials=n_trials,
        var_trials_sharpe=var_trials_sharpe,
    ).run()
