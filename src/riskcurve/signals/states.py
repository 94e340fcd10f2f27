"""States for conditional studies: ``liquidity=expanding``, ``cascade>=3``, ``rates=falling``, ``risk=off``.

A *condition* names a column of a signal's frame and a comparison, written
``SIGNAL[:SYMBOL][.COLUMN] OP VALUE`` with ``OP`` one of ``= == != >= <= > <``:

* ``liquidity=expanding``: the liquidity regime (its default column ``regime``) is "expanding";
* ``cascade>=3``: the cascade's ``stage`` is at least 3 (risk has reached small caps);
* ``liquidity.chg_13w<0``: any column of a signal by name;
* ``rates=falling`` / ``rates=rising``: the US policy rate's direction (:func:`policy_direction`);
* ``risk=off`` / ``risk=on``: VIX or the high-yield spread high (:func:`risk_off`);
* ``NETLIQ.chg_13w>0``, ``series:DGS2<4``, ``series:BTC.pct_13w>0.2``: any series' level or its change
  over 4, 13 or 52 weeks (:func:`series_frame`). A derived series (``NETLIQ``, ``FED_ASSETS``, ``TGA``,
  ``RRP``, ``RESERVES``) or ``ALTS`` may be named directly; a stored symbol through ``series:SYMBOL``.

:func:`condition_state` turns a condition into the series
:class:`~riskcurve.stats.conditional.ConditionalStudy` takes: 1.0 while it holds, 0.0 while it
does not, NaN where the column is unknown. Every value is what was known at the end of its day,
because every signal is.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskcurve import numbers as nf
from riskcurve.data.calendar import on_days
from riskcurve.data.panel import MarketData
from riskcurve.signals.derived import ALTS_NAMES, DERIVED, derived_series, level_series
from riskcurve.signals.liquidity import CHANGE_WINDOWS
from riskcurve.signals.registry import HISTORY_START, SIGNALS, get_signal

__all__ = [
    "DEFAULT_COLUMNS",
    "STATE_SIGNALS",
    "Condition",
    "condition_state",
    "parse_condition",
    "policy_direction",
    "risk_off",
    "series_frame",
]

#: The column a condition on a signal reads when none is named.
DEFAULT_COLUMNS: dict[str, str] = {
    "liquidity": "regime",
    "cascade": "stage",
    "altseason": "altseason",
    "divergence": "divergence",
    "rates": "direction",
    "risk": "state",
    "series": "level",
}

#: Series a condition may name without ``series:``: the derived ones and the altcoin basket. Stored
#: symbols need the prefix, because a condition is parsed before the store is opened.
SERIES_NAMES: tuple[str, ...] = (*DERIVED, *ALTS_NAMES)

#: Policy-rate move over 13 weeks that counts as a direction (percentage points): a quarter-point step.
RATE_STEP = 0.25
#: Days over which the policy rate's direction is read.
RATE_WINDOW_DAYS = 91
#: Risk-off thresholds: VIX close and ICE BofA high-yield spread (percent).
VIX_HIGH = 25.0
HY_HIGH = 6.0

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "!=": operator.ne,
    "==": operator.eq,
    "=": operator.eq,
    ">": operator.gt,
    "<": operator.lt,
}
_PATTERN = re.compile(r"^\s*([A-Za-z][\w-]*)(?::([\w^.=-]+?))?(?:\.(\w+))?\s*(>=|<=|!=|==|=|>|<)\s*(\S.*?)\s*$")


def policy_direction(
    policy_rate: pd.Series, *, window_days: int = RATE_WINDOW_DAYS, step: float = RATE_STEP
) -> pd.Series:
    """Whether the policy rate is falling, flat or rising: its change over ``window_days``.

    Parameters
    ----------
    policy_rate
        The policy rate as known at the end of each calendar day (percent), daily index.
    window_days
        Calendar days over which the change is taken (default 91, a quarter).
    step
        A change of at least this much (percentage points) is a direction (default 0.25, one step).

    Returns
    -------
    pandas.Series
        ``"falling"`` / ``"flat"`` / ``"rising"``, NaN where either end is unknown, named ``"direction"``.
    """
    lagged = policy_rate.reindex(pd.DatetimeIndex(policy_rate.index) - pd.Timedelta(days=window_days))
    change = policy_rate - lagged.to_numpy()
    labels = np.where(change <= -step + 1e-9, "falling", np.where(change >= step - 1e-9, "rising", "flat"))
    return pd.Series(labels, index=policy_rate.index, dtype=object).where(change.notna()).rename("direction")


def risk_off(
    vix: pd.Series, hy_spread: pd.Series, *, vix_high: float = VIX_HIGH, hy_high: float = HY_HIGH
) -> pd.Series:
    """Risk-off while VIX is at least ``vix_high`` or the high-yield spread at least ``hy_high``.

    25 on the VIX and 6% on the ICE BofA US high-yield spread are both around the 80th percentile
    of their history since 1997: stress, not the ordinary wobble.

    Returns
    -------
    pandas.Series
        ``"off"`` / ``"on"`` on the inputs' shared index, NaN where both are unknown, named ``"state"``.
    """
    high = (vix >= vix_high) | (hy_spread >= hy_high)
    known = vix.notna() | hy_spread.notna()
    return pd.Series(np.where(high, "off", "on"), index=vix.index, dtype=object).where(known).rename("state")


def _rates(data: MarketData, symbol: str | None = None) -> pd.DataFrame:
    days = data.days("1990-01-01")
    sources = [s for s in ("EFFR", "DFF", "FEDFUNDS") if data.has(s)]
    if not sources:
        data.require("EFFR")
    policy = pd.Series(np.nan, index=days)
    for source in sources:  # EFFR where known, then DFF, then the monthly average
        policy = policy.combine_first(data.known(source, days))
    frame = pd.DataFrame({"policy_rate": policy}, index=days)
    frame["change"] = policy - policy.reindex(days - pd.Timedelta(days=RATE_WINDOW_DAYS)).to_numpy()
    frame["direction"] = policy_direction(policy)
    if data.has("DGS2"):
        frame["dgs2"] = data.known("DGS2", days)
    return frame


def _risk(data: MarketData, symbol: str | None = None) -> pd.DataFrame:
    data.require("VIXCLS", "BAMLH0A0HYM2")
    days = data.days("1990-01-01")
    vix, hy = data.known("VIXCLS", days), data.known("BAMLH0A0HYM2", days)
    return pd.DataFrame({"vix": vix, "hy_spread": hy, "state": risk_off(vix, hy)}, index=days)


def series_frame(data: MarketData, symbol: str | None) -> pd.DataFrame:
    """Any series as known at the end of each calendar day, with its changes over 4, 13 and 52 weeks.

    Parameters
    ----------
    data
        The point-in-time view.
    symbol
        A derived series (``NETLIQ``...), ``ALTS``, a stored price (its last close, carried over
        at most :data:`~riskcurve.data.calendar.MAX_CARRY_DAYS` days) or a stored value series
        (the value published by the end of each day).

    Returns
    -------
    pandas.DataFrame
        Daily: ``level``; ``chg_4w``, ``chg_13w``, ``chg_52w``, its difference over 28, 91 and 364
        calendar days in its own unit; ``pct_4w``, ``pct_13w``, ``pct_52w``, the same as a fraction
        of the earlier level (0.05 = +5%). NaN where either end is unknown.
    """
    if not symbol:
        raise ValueError("series needs a symbol, e.g. series:DGS2<4 or series:BTC.pct_13w>0")
    key = symbol.strip().upper()
    if key in DERIVED:
        level = derived_series(data, key)
    elif key in ALTS_NAMES:
        basket = level_series(data, key)
        level = on_days(basket, data.days(basket.index[0]))
    else:
        data.require(key)
        days = data.days(HISTORY_START)
        level = on_days(data.close(key), days) if data.store.kind(key) == "price" else data.known(key, days)
    frame = pd.DataFrame({"level": level.astype(float)})
    for column, days_back in CHANGE_WINDOWS.items():
        # The value known exactly days_back calendar days earlier: both ends are point-in-time.
        earlier = level.reindex(pd.DatetimeIndex(level.index) - pd.Timedelta(days=days_back)).to_numpy(dtype=float)
        frame[column] = frame["level"] - earlier
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = frame["level"].to_numpy() / earlier - 1.0
        frame[column.replace("chg_", "pct_")] = np.where(np.isfinite(relative), relative, np.nan)
    return frame


#: States that are not registry signals: ``name -> (description, compute(data, symbol))``.
STATE_SIGNALS: dict[str, tuple[str, Callable[[MarketData, str | None], pd.DataFrame]]] = {
    "rates": (
        f"US policy rate (EFFR, else DFF, else FEDFUNDS) falling/flat/rising: its {RATE_WINDOW_DAYS}-day change "
        f"<= -{RATE_STEP} / between / >= +{RATE_STEP} percentage points",
        _rates,
    ),
    "risk": (
        f"risk off while VIX >= {nf.significant(VIX_HIGH, 6)} or the high-yield spread >= "
        f"{nf.significant(HY_HIGH, 6)}%, else on",
        _risk,
    ),
    "series": (
        "a series' level as known at the end of each day (level), or its change over 4/13/52 weeks: "
        "chg_4w/chg_13w/chg_52w in its own unit, pct_4w/pct_13w/pct_52w as a fraction",
        series_frame,
    ),
}


@dataclass(frozen=True)
class Condition:
    """A parsed condition: ``signal[:symbol].column op value``."""

    signal: str
    symbol: str | None
    column: str
    op: str
    value: str

    @property
    def label(self) -> str:
        """The condition as written canonically (``liquidity=expanding``)."""
        if self.signal == "series" and self.symbol in SERIES_NAMES:
            where = self.symbol
        else:
            where = f"{self.signal}:{self.symbol}" if self.symbol else self.signal
        column = "" if DEFAULT_COLUMNS.get(self.signal) == self.column else f".{self.column}"
        op = "=" if self.op == "==" else self.op
        return f"{where}{column}{op}{self.value}"


def parse_condition(text: str) -> Condition:
    """Parse ``SIGNAL[:SYMBOL][.COLUMN] OP VALUE``; one clear line for anything else."""
    match = _PATTERN.match(text or "")
    if not match:
        raise ValueError(
            f"--when {text!r} must be SIGNAL[:SYMBOL][.COLUMN]<op>VALUE with <op> one of = != >= <= > <, "
            "e.g. liquidity=expanding, cascade>=3, rates=falling, risk=off"
        )
    name, symbol, column, op, value = match.groups()
    key = name.strip().lower().replace("_", "-")
    if name.strip().upper() in SERIES_NAMES:
        if symbol:
            raise ValueError(f"--when {text!r}: {name.upper()} is a series; write {name.upper()}[.COLUMN]<op>VALUE")
        key, symbol = "series", name.strip()
    elif key == "series" and not symbol:
        raise ValueError(f"--when {text!r}: name the series, e.g. series:DGS2<4 or series:BTC.pct_13w>0")
    if key not in SIGNALS and key not in STATE_SIGNALS:
        known = ", ".join([*SIGNALS, *STATE_SIGNALS])
        raise ValueError(f"--when {text!r}: unknown signal {name!r}; choose one of {known}")
    if column is None:
        if key not in DEFAULT_COLUMNS:
            raise ValueError(f"--when {text!r}: name the column of {key} to compare, e.g. {key}.COLUMN>=1")
        column = DEFAULT_COLUMNS[key]
    return Condition(key, symbol.upper() if symbol else None, column, op, value.strip())


def _compare(column: pd.Series, condition: Condition) -> pd.Series:
    compare = _OPS[condition.op]
    text = condition.value
    if pd.api.types.is_bool_dtype(column) or (
        column.dtype == object and column.dropna().map(lambda v: isinstance(v, bool | np.bool_)).all()
    ):
        if text.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
            raise ValueError(
                f"--when {condition.label}: column {condition.column} is true/false; compare with true or false"
            )
        if condition.op not in ("=", "==", "!="):
            raise ValueError(f"--when {condition.label}: column {condition.column} is true/false; use = or !=")
        target: Any = text.lower() in ("true", "1", "yes", "on")
        values = column.astype(object)
    elif pd.api.types.is_numeric_dtype(column):
        try:
            target = float(text)
            if not math.isfinite(target):  # nan compares false with everything; inf with nearly all
                raise ValueError(text)
        except ValueError:
            raise ValueError(
                f"--when {condition.label}: column {condition.column} is numeric; {text!r} is not a finite number"
            ) from None
        values = column.astype(float)
    else:
        seen = sorted({str(v) for v in column.dropna().unique()})
        if condition.op not in ("=", "==", "!="):
            raise ValueError(f"--when {condition.label}: column {condition.column} holds labels; use = or !=")
        if text not in seen:
            raise ValueError(
                f"--when {condition.label}: {condition.column} is never {text!r}; it takes {', '.join(seen)}"
            )
        target = text
        values = column.astype(object)
    known = values.notna().to_numpy()
    result = np.full(len(values), np.nan)
    result[known] = np.asarray(compare(values[known].to_numpy(), target), dtype=bool).astype(float)
    return pd.Series(result, index=column.index, name=condition.label)


def condition_state(
    data: MarketData, condition: Condition | str, *, parameters: dict[str, Any] | None = None
) -> pd.Series:
    """The condition as a state series: 1.0 while it holds, 0.0 while not, NaN unknown.

    Parameters
    ----------
    data
        The point-in-time view.
    condition
        A :class:`Condition` or its text (``"liquidity=expanding"``).
    parameters
        Parameters of the signal (defaults otherwise); not taken by ``rates`` and ``risk``.

    Returns
    -------
    pandas.Series
        Date-indexed, named after the condition.
    """
    parsed = parse_condition(condition) if isinstance(condition, str) else condition
    if parsed.signal in STATE_SIGNALS:
        if parameters:
            raise ValueError(f"--when {parsed.label}: {parsed.signal} takes no parameters")
        frame = STATE_SIGNALS[parsed.signal][1](data, parsed.symbol)
    else:
        spec = get_signal(parsed.signal)
        symbol = parsed.symbol or spec.default_symbol
        frame = spec.compute(data, symbol, **{**spec.parameters, **(parameters or {})})
    if parsed.column not in frame.columns:
        raise ValueError(
            f"--when {parsed.label}: {parsed.signal} has no column {parsed.column!r}; "
            f"it has {', '.join(map(str, frame.columns))}"
        )
    return _compare(frame[parsed.column], parsed)


def describe_condition(condition: Condition) -> str:
    """What the condition reads, in words (for the output's header)."""
    if condition.signal == "series":
        what = DERIVED[condition.symbol].description if condition.symbol in DERIVED else condition.symbol
        return f"{condition.column} {condition.op} {condition.value} of {what}; {STATE_SIGNALS['series'][0]}"
    if condition.signal in STATE_SIGNALS:
        return STATE_SIGNALS[condition.signal][0]
    return f"{condition.signal} signal, column {condition.column} {condition.op} {condition.value}"
