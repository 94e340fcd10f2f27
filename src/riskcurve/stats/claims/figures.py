"""Named figures: thin adapters over signal functions that a measure reads by ``figure`` and ``key``.

Each takes the claim's reader and window and returns a mapping of readings; ``reaches_before_data``
(with ``before_data_keys``) says which readings reach back before the data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

import pandas as pd

from riskcurve.stats.claims.context import Reader
from riskcurve.stats.claims.language import (
    FIGURES,
)
from riskcurve.stats.claims.result import DataMissing, jsonable


def _january_effect(reader: Reader, start: pd.Timestamp | None, end: pd.Timestamp, **params: Any) -> dict[str, Any]:
    from riskcurve.signals import relative_strength

    names = str(params.get("small", "RUT")).upper(), str(params.get("large", "GSPC")).upper()
    small, large = reader.series(names[0]), reader.series(names[1])
    # One table per day and window end: readings that move the window's start or the threshold share it.
    key = ("january-table", reader.data.as_of, *names, end)
    if key not in reader.context.shared:
        reader.context.shared[key] = relative_strength.january_table(small.loc[:end], large.loc[:end])
    table = reader.context.shared[key]
    summary = relative_strength.january_effect(
        table,
        threshold_bp=float(params.get("threshold_bp", 500)),
        claim_since=start.year if start is not None else None,
    )
    return dict(summary)


def _halving_windows(reader: Reader, start: pd.Timestamp | None, end: pd.Timestamp, **params: Any) -> dict[str, Any]:
    from riskcurve.signals import cycle

    table = cycle.halving_window_returns(reader.series("BTC"), as_of=end)
    out: dict[str, Any] = {}
    for day, row in table.iterrows():
        year = pd.Timestamp(day).year  # type: ignore[arg-type]
        out[f"return_{year}"] = row["return"]
        out[f"multiple_{year}"] = row["multiple"]
        out[f"days_{year}"] = row["days"]
    return out


def _breakout_of_high(reader: Reader, start: pd.Timestamp | None, end: pd.Timestamp, **params: Any) -> dict[str, Any]:
    from riskcurve.signals import breakout

    symbol = str(params.get("symbol", "RUT")).upper()
    reader.series(symbol)
    bars = reader.data.bars(symbol).loc[:end]
    events = breakout.breakout_events(bars, breakout.BreakoutParams())
    low = pd.Timestamp(params.get("high_from", "1900-01-01"))
    high = pd.Timestamp(params.get("high_to", end))
    chosen = events[events["base_start"].between(low, high)]
    if chosen.empty:
        return {"found": False}
    event = chosen.iloc[-1]
    close_day, intraday_day = pd.Timestamp(event["close_high_date"]), pd.Timestamp(event["intraday_high_date"])
    base_years = (min(close_day, intraday_day) - pd.Timestamp(event["base_start"])).days / 365.25
    return {
        "found": True,
        "old_high": float(event["old_high"]),
        "old_high_date": pd.Timestamp(event["base_start"]).date().isoformat(),
        "intraday_break": intraday_day.date().isoformat(),
        "close_break": close_day.date().isoformat(),
        "base_sessions": int(event["base_length"]),
        "base_years": base_years,
    }


#: A cycle's previous peak is the highest close up to this many days before its halving.
PRIOR_PEAK_GAP_DAYS = 540


def _prior_high_before_halving(
    reader: Reader, start: pd.Timestamp | None, end: pd.Timestamp, **params: Any
) -> dict[str, Any]:
    from riskcurve.signals import cycle

    close = reader.series("BTC").loc[:end]
    out: dict[str, Any] = {}
    earlier_before = 0
    measurable = 0
    first = close.index.min()
    for halving in cycle.halving_dates():
        if halving > end:
            break
        cutoff = halving - pd.Timedelta(days=PRIOR_PEAK_GAP_DAYS)
        prior = close.loc[:cutoff]
        if prior.empty or first > cutoff - pd.Timedelta(days=365):
            out[f"before_halving_{halving.year}"] = None
            continue
        after = close.loc[cutoff:]
        above = after[after > prior.max()]
        before = bool(len(above) and above.index[0] < halving)
        out[f"before_halving_{halving.year}"] = before
        out[f"first_above_{halving.year}"] = above.index[0].date().isoformat() if len(above) else None
        measurable += 1
        if halving.year < 2024 and before:
            earlier_before += 1
    out["earlier_cycles_before"] = earlier_before
    out["measurable_cycles"] = measurable
    out["reaches_before_data"] = out.get("before_halving_2012", "x") is None
    out["before_data_keys"] = ["earlier_cycles_before", "measurable_cycles"]
    return out


def _most_correlated(reader: Reader, start: pd.Timestamp | None, end: pd.Timestamp, **params: Any) -> dict[str, Any]:
    from riskcurve.stats.leadlag import aligned_returns, cross_correlation

    symbol = str(params.get("symbol", "BTC")).upper()
    freq = str(params.get("freq", "W"))
    own = cast(Any, reader.series(symbol)).loc[start:end]
    corrs: dict[str, float] = {}
    for other in params.get("candidates", []):
        close = cast(Any, reader.series(str(other))).loc[start:end]
        returns = aligned_returns(own, close, freq)  # type: ignore[arg-type]
        table = cross_correlation(returns.iloc[:, 0].to_numpy(), returns.iloc[:, 1].to_numpy(), 0)
        corrs[str(other).upper()] = float(cast(Any, table)["corr"][0])
    if not corrs:
        raise DataMissing("most-correlated needs candidates")
    best = max(corrs, key=lambda k: corrs[k])
    return {"best": best, **{f"corr_{k}": v for k, v in corrs.items()}}


def _etf_absorption(reader: Reader, start: pd.Timestamp | None, end: pd.Timestamp, **params: Any) -> dict[str, Any]:
    """Bitcoin bought by spot ETFs against Bitcoin mined over the window (both in BTC).

    Each day's net flow (``flows``, in USD millions, ``scale`` USD per unit) is turned into
    BTC at that day's BTC close; mined BTC is the growth of the cycle signal's supply (the
    issuance schedule by block height). ``multiple`` is bought over mined: above 1, the funds
    took more than the new supply.
    """
    from riskcurve.data.calendar import on_days

    flows = reader.series(str(params.get("flows", "BTC_SPOT_ETF_NETFLOW")))
    scale = float(params.get("scale", 1e6))
    btc = reader.series("BTC")
    window = flows.loc[start:end].dropna() if start is not None else flows.loc[:end].dropna()
    if window.empty:
        raise DataMissing("no ETF flow in the window")
    price = on_days(btc, pd.DatetimeIndex(window.index))
    bought = float((window * scale / price).sum())
    supply = reader.signal_column("cycle", None, {}, "supply").loc[:end].dropna()
    first = supply.loc[: window.index[0] - pd.Timedelta(days=1)]
    mined = float(supply.iloc[-1] - (first.iloc[-1] if len(first) else supply.iloc[0]))
    return {
        "usd": float(window.sum() * scale),
        "btc_bought": bought,
        "btc_mined": mined,
        "multiple": bought / mined if mined > 0 else float("nan"),
        "first_day": window.index[0].date().isoformat(),
        "last_day": window.index[-1].date().isoformat(),
    }


#: The unit of each figure's readings that count or measure something (a key, or the key's stem
#: before ``_<year>``); shares, returns and multiples say theirs through the number's format.
FIGURE_UNITS: dict[str, dict[str, str]] = {
    "january-effect": {
        **dict.fromkeys(("n_years", "n_selected", "n_complete", "n_kept_lead"), "years"),
        **dict.fromkeys(("threshold_bp", "mean_jan_spread_bp"), "basis points"),
    },
    "halving-windows": {"days": "days"},
    "breakout-of-high": {"base_sessions": "sessions", "base_years": "years"},
    "prior-high-before-halving": {"earlier_cycles_before": "cycles", "measurable_cycles": "cycles"},
    "etf-absorption": {"usd": "USD", "btc_bought": "BTC", "btc_mined": "BTC"},
}


def figure_unit(name: str, key: str) -> str | None:
    """The unit of a named figure's reading ``key`` (``None``: none, or said by its format)."""
    units = FIGURE_UNITS.get(name, {})
    return units.get(key) or units.get(key.rsplit("_", 1)[0])


NAMED_FIGURES: dict[str, Callable[..., dict[str, Any]]] = {
    "january-effect": _january_effect,
    "halving-windows": _halving_windows,
    "breakout-of-high": _breakout_of_high,
    "prior-high-before-halving": _prior_high_before_halving,
    "most-correlated": _most_correlated,
    "etf-absorption": _etf_absorption,
}


assert tuple(NAMED_FIGURES) == FIGURES  # the language validates names against FIGURES
assert set(FIGURE_UNITS) <= set(NAMED_FIGURES)


def named_figure(
    name: str, reader: Reader, start: pd.Timestamp | None, end: pd.Timestamp, parameters: Mapping[str, Any]
) -> dict[str, Any]:
    """A named figure's readings (see :data:`NAMED_FIGURES`)."""
    if name not in NAMED_FIGURES:
        raise DataMissing(f"unknown figure {name!r}; choose one of {', '.join(NAMED_FIGURES)}")
    return {str(k): jsonable(v) for k, v in NAMED_FIGURES[name](reader, start, end, **parameters).items()}
