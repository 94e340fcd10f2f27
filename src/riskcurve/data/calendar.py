"""Alignment: putting series with different calendars and publication lags on one set of days.

Three calendars meet on the risk curve: exchange sessions (indices, ETFs, futures), every
calendar day (crypto, UTC days), and release cadences (weekly and monthly macro data that
become known days or weeks after the date they describe). Every function here answers "what
was known at the end of day t" and never looks past t.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from riskcurve._typing import DateLike, Frequency
from riskcurve.data.release import knowledge_cutoffs

#: Longest run of days an exchange close is carried onto crypto days (a long weekend plus a holiday).
MAX_CARRY_DAYS = 4
#: Columns :func:`frame_on_days` aligns at once.
_COLUMN_BLOCK = 64


def daily_index(start: DateLike, end: DateLike) -> pd.DatetimeIndex:
    """Every calendar day from ``start`` to ``end`` (crypto's calendar)."""
    return pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq="D", name="date")


def session_index(*frames: pd.Series | pd.DataFrame) -> pd.DatetimeIndex:
    """The union of the dates of exchange-traded series: the exchange-day calendar they share."""
    index = pd.DatetimeIndex([], name="date")
    for frame in frames:
        index = index.union(pd.DatetimeIndex(frame.index))
    return index.rename("date")


def on_days(series: pd.Series, days: pd.DatetimeIndex, *, carry: int | None = MAX_CARRY_DAYS) -> pd.Series:
    """A price series read on other days: the last value dated on or before each day.

    On exchange days a crypto series gives that UTC day's close (its bar ends at 00:00 UTC,
    i.e. 7-8 pm New York, after the equity close: both are known by the end of the day). On
    crypto days an exchange series carries its last close over weekends and holidays, for at
    most ``carry`` days so a dead or delisted series does not look alive.

    Parameters
    ----------
    series
        Date-indexed values.
    days
        The target days.
    carry
        Longest gap, in calendar days, over which a value is carried; ``None`` for no limit.

    Returns
    -------
    pandas.Series
        Indexed by ``days``; NaN before the series starts or after a gap longer than ``carry``.
    """
    clean = series.dropna().sort_index()
    days = pd.DatetimeIndex(days).rename("date")
    if clean.empty:
        return pd.Series(np.nan, index=days, name=series.name)
    position = clean.index.searchsorted(days, side="right") - 1
    valid = position >= 0
    values = np.full(len(days), np.nan)
    values[valid] = clean.to_numpy(dtype=float)[position[valid]]
    if carry is not None:
        source_dates = np.full(len(days), np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
        source_dates[valid] = clean.index.to_numpy(dtype="datetime64[ns]")[position[valid]]
        stale = valid & ((days.to_numpy(dtype="datetime64[ns]") - source_dates) > np.timedelta64(carry, "D"))
        values[stale] = np.nan
    return pd.Series(values, index=days, name=series.name)


def frame_on_days(frame: pd.DataFrame, days: pd.DatetimeIndex, *, carry: int | None = MAX_CARRY_DAYS) -> pd.DataFrame:
    """:func:`on_days` of every column of ``frame`` at once (many coins on one calendar).

    Equal, column by column, to ``on_days(frame[column], days, carry=carry)``, but one pass over
    an array: an altcoin basket of hundreds of coins costs what its cells cost.

    Parameters
    ----------
    frame
        Date-indexed values, one column per series (NaN where a series has no value).
    days, carry
        As for :func:`on_days`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``days``, with ``frame``'s columns.
    """
    days = pd.DatetimeIndex(days).rename("date")
    clean = frame.sort_index()
    values = clean.to_numpy(dtype=float)
    out = np.full((len(days), values.shape[1]), np.nan)
    if len(clean) and values.shape[1]:
        position = pd.DatetimeIndex(clean.index).searchsorted(days, side="right") - 1
        valid = position >= 0
        dates = pd.DatetimeIndex(clean.index).to_numpy(dtype="datetime64[ns]")
        ends = days.to_numpy(dtype="datetime64[ns]")[valid][:, None]
        rows = np.arange(len(clean))[:, None]
        # A block of columns at a time, so the work arrays stay small whatever the basket's size.
        for first in range(0, values.shape[1], _COLUMN_BLOCK):
            block = values[:, first : first + _COLUMN_BLOCK]
            # The row of each column's newest value on or before each row (-1: none yet).
            last = np.maximum.accumulate(np.where(np.isnan(block), -1, rows), axis=0)
            source = last[position[valid]]
            found = source >= 0
            picked = np.take_along_axis(block, np.maximum(source, 0), axis=0)
            if carry is not None:
                found &= ends - dates[np.maximum(source, 0)] <= np.timedelta64(carry, "D")
            out[valid, first : first + _COLUMN_BLOCK] = np.where(found, picked, np.nan)
    # A fresh array: no copy (pandas would copy it, 0.4 s for 500 coins since 1990).
    return pd.DataFrame(out, index=days, columns=frame.columns, copy=False)


def known_on(observations: pd.DataFrame, days: pd.DatetimeIndex, *, max_age_days: float | None = None) -> pd.DataFrame:
    """Value series read point-in-time: on each day, the newest value published by its end.

    "Newest" means the latest observation date among the rows published by the end of the day
    (New York), and among that date's vintages the latest one published by then.

    Parameters
    ----------
    observations
        Index ``date`` with columns ``value`` and ``available_at`` (naive UTC), every vintage
        or only the latest, as :meth:`Store.observations` returns them.
    days
        The days to read on.
    max_age_days
        If the source has published nothing for longer than this many days, the value is
        unknown (NaN) rather than carried on: a discontinued or no longer updated series must not
        look current. ``None`` carries the last value forever.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``days``: ``value``, ``observed`` (the date the value describes) and
        ``available_at`` (when it was published); NaN/NaT before anything was published or
        once the source has gone quiet for more than ``max_age_days``.
    """
    days = pd.DatetimeIndex(days).rename("date")
    rows = observations.reset_index().sort_values(["available_at", "date"], kind="stable")
    if rows.empty:
        return pd.DataFrame({"value": np.nan, "observed": pd.NaT, "available_at": pd.NaT}, index=days).astype(
            {"observed": "datetime64[ns]", "available_at": "datetime64[ns]"}
        )
    dates = rows["date"].to_numpy(dtype="datetime64[ns]")
    # Walking rows in publication order, the current answer is the row with the latest
    # observation date seen so far; a later vintage of that same date supersedes it.
    newest = np.maximum.accumulate(dates)
    is_current = dates == newest
    current = pd.Series(np.where(is_current, np.arange(len(rows)), -1)).replace(-1, np.nan).ffill()
    published = rows["available_at"].to_numpy(dtype="datetime64[ns]")
    cutoffs = knowledge_cutoffs(days).to_numpy(dtype="datetime64[ns]")
    last_published = np.searchsorted(published, cutoffs, side="right") - 1
    found = last_published >= 0
    if max_age_days is not None:
        quiet = np.full(len(days), False)
        quiet[found] = (cutoffs[found] - published[last_published[found]]) > np.timedelta64(
            int(max_age_days * 86_400), "s"
        )
        found &= ~quiet
    chosen = np.full(len(days), -1)
    chosen[found] = current.to_numpy()[last_published[found]].astype(int)
    value = np.where(chosen >= 0, rows["value"].to_numpy(dtype=float)[chosen], np.nan)
    observed = np.where(chosen >= 0, dates[chosen], np.datetime64("NaT", "ns"))
    when = np.where(chosen >= 0, published[chosen], np.datetime64("NaT", "ns"))
    return pd.DataFrame({"value": value, "observed": observed, "available_at": when}, index=days)


def known_panel(observations: Mapping[str, pd.DataFrame], days: pd.DatetimeIndex) -> pd.DataFrame:
    """:func:`known_on` for several series: one column of values per symbol."""
    return pd.DataFrame({name: known_on(frame, days)["value"] for name, frame in observations.items()}, index=days)


def resample_last(frame: pd.Series | pd.DataFrame, freq: Frequency) -> pd.Series | pd.DataFrame:
    """Sample a daily series at the end of each week (Friday) or month: the last value known then.

    Periods are labelled by their last calendar day, and the value is the one on the period's
    last available day, so nothing from a later period leaks in. ``"D"`` returns the input.
    """
    if freq == "D":
        return frame
    days = pd.DatetimeIndex(frame.index)
    if freq == "W":
        # The Friday on or after each day labels its week: pandas' "W-FRI" bins. Computed here
        # because resample builds the weekly bins one date at a time in Python (decades of them).
        labels = days + pd.to_timedelta((4 - days.day_of_week.to_numpy()) % 7, unit="D")
    elif freq == "M":
        labels = days + pd.offsets.MonthEnd(0)  # the month's last day: pandas' "ME" bins
    else:
        raise ValueError(f"freq must be 'D', 'W' or 'M', got {freq!r}")
    return frame.groupby(labels.as_unit(days.unit).rename(days.name)).last().dropna(how="all")
