"""Realized volatility and where today's level stands in its own history, point-in-time.

Thesis item 5 speaks of Bitcoin's "record-low volatility" and item 7 of ETF-era institutions
damping it. Both are statements about today's level relative to the past, so the percentile
and the record here use only values dated on or before each day: the full-sample rank would
know the future's calm and wild days.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def _check_windows(windows: Sequence[int]) -> tuple[int, ...]:
    if isinstance(windows, int | np.integer):
        windows = (int(windows),)
    checked = []
    for window in windows:
        if isinstance(window, bool) or not isinstance(window, int | np.integer) or window < 2:
            raise ValueError(f"windows must be integers >= 2 (returns per window), got {window!r}")
        checked.append(int(window))
    if not checked:
        raise ValueError("windows must name at least one window")
    if len(set(checked)) != len(checked):
        raise ValueError(f"windows must be distinct, got {tuple(checked)}")
    return tuple(checked)


def realized_volatility(
    close: pd.Series,
    *,
    windows: Sequence[int] = (30, 90),
    periods_per_year: float = 365,
    min_history: int = 365,
) -> pd.DataFrame:
    """Annualised realized volatility, its point-in-time percentile and record lows.

    Parameters
    ----------
    close
        Closing prices, indexed by date, one row per period (every day for crypto, every
        session for exchange series). NaN closes are gaps: the returns touching them are NaN.
    windows
        Window lengths, in returns (rows).
    periods_per_year
        Rows per year for annualisation: 365 for crypto's calendar, 252 for exchange sessions.
    min_history
        Earlier non-NaN values of a column required before a value can count as a record low.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``close``; for each window ``w``:

        ``vol_<w>d``
            ``sqrt(periods_per_year) * std(r)``, the sample standard deviation (ddof=1) of the
            last ``w`` daily log returns ``r_t = ln(close_t / close_{t-1})``; NaN unless all
            ``w`` returns exist.
        ``percentile_<w>d``
            The share of the column's non-NaN values dated on or before ``t`` that are
            ``<= vol_<w>d`` on ``t`` (an expanding percentile rank in ``(0, 1]``; 1 is the
            highest so far). Never the full-sample rank. NaN where the volatility is NaN.
        ``record_low_<w>d``
            ``True`` when ``vol_<w>d`` is strictly below every earlier value of the column and
            at least ``min_history`` earlier values exist.

    Raises
    ------
    TypeError
        If ``close`` is not a date-indexed Series.
    ValueError
        If a close is not positive or an argument is out of range.
    """
    if not isinstance(close, pd.Series):
        raise TypeError(f"close must be a pandas Series of prices, got {type(close).__name__}")
    if not isinstance(close.index, pd.DatetimeIndex):
        raise TypeError("close must be indexed by dates (a DatetimeIndex)")
    if not close.index.is_monotonic_increasing or close.index.has_duplicates:
        raise ValueError("close must have ascending, unique dates")
    checked = _check_windows(windows)
    if not periods_per_year > 0:
        raise ValueError(f"periods_per_year must be positive, got {periods_per_year!r}")
    if isinstance(min_history, bool) or not isinstance(min_history, int | np.integer) or min_history < 0:
        raise ValueError(f"min_history must be a non-negative integer, got {min_history!r}")
    values = close.astype(float)
    if (values <= 0).any():
        raise ValueError(f"close must be positive; first bad date {values.index[values <= 0][0].date()}")

    returns = pd.Series(np.log(values.to_numpy()), index=values.index).diff()
    columns: dict[str, pd.Series] = {}
    for window in checked:
        vol = returns.rolling(window, min_periods=window).std(ddof=1) * np.sqrt(periods_per_year)
        # pandas' expanding rank ignores NaN and uses only rows up to t: exactly the
        # point-in-time percentile, in O(n log n). method="max" counts ties as <= today.
        percentile = vol.expanding().rank(method="max", pct=True)
        # ffill: cummin leaves NaN on NaN rows, and the record after a gap must still compare.
        earlier_min = vol.cummin().ffill().shift(1)
        earlier_count = vol.notna().cumsum().shift(1, fill_value=0)
        record = (vol < earlier_min) & (earlier_count >= min_history)
        columns[f"vol_{window}d"] = vol
        columns[f"percentile_{window}d"] = percentile
        columns[f"record_low_{window}d"] = record.fillna(False).astype(bool)
    frame = pd.DataFrame(columns, index=close.index)
    order = (
        [f"vol_{w}d" for w in checked] + [f"percentile_{w}d" for w in checked] + [f"record_low_{w}d" for w in checked]
    )
    return frame[order]
