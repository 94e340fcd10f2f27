"""Two series on one calendar: the returns a lead-lag study compares.

Crypto trades every day, stocks on exchange days, and macro series are known on the day they are
published. :func:`aligned_returns` says explicitly which closes it pairs, so that both returns of a
row span the same interval; the checks here validate the closes and calendars a study is given.
Part of :mod:`riskcurve.stats.leadlag`, which re-exports the public names.
"""

from __future__ import annotations

from typing import Literal, TypeAlias, cast

import numpy as np
import pandas as pd

from riskcurve._typing import Frequency
from riskcurve.data.calendar import resample_last

Calendar: TypeAlias = Literal["exchange", "crypto"]
#: How a macro series is placed in time: by publication (point-in-time) or by observation date.
Alignment: TypeAlias = Literal["published", "observed"]
#: How a series' changes are measured: log change (prices, USD levels) or difference (rates, spreads).
Change: TypeAlias = Literal["log", "diff"]


FREQUENCIES: tuple[Frequency, ...] = ("D", "W", "M")


#: A series with more than this share of its dates on weekends trades every day (crypto).
CRYPTO_WEEKEND_SHARE = 0.10


_RULES = {"W": "W-FRI", "M": "ME"}
# How many calendar days before its label a period may end and still be complete: a Friday
# holiday ends an exchange week on Thursday; a month can end on a weekend plus a Monday holiday.
_PARTIAL_TOLERANCE = {("W", "exchange"): 1, ("M", "exchange"): 3, ("W", "crypto"): 0, ("M", "crypto"): 0}


# -- validation ---------------------------------------------------------------------------


def _check_freq(freq: object) -> Frequency:
    if freq not in FREQUENCIES:
        raise ValueError(f"freq must be one of 'D', 'W', 'M' (daily, weekly, monthly); got {freq!r}")
    return cast(Frequency, freq)


def _check_changes(changes: object) -> tuple[Change, Change]:
    if changes is None:
        return ("log", "log")
    if not isinstance(changes, tuple | list) or len(changes) != 2 or any(c not in ("log", "diff") for c in changes):
        raise ValueError(f"changes must be a pair (lead's, lag's), each 'log' or 'diff'; got {changes!r}")
    return (changes[0], changes[1])


def _check_closes(role: str, series: object, change: Change = "log") -> pd.Series:
    if not isinstance(series, pd.Series):
        raise TypeError(f"{role} must be a pandas Series of closes; got {type(series).__name__}")
    if not isinstance(series.index, pd.DatetimeIndex):
        raise TypeError(f"{role} must have a DatetimeIndex; got {type(series.index).__name__}")
    label = str(series.name) if series.name is not None else role
    if series.index.has_duplicates or not series.index.is_monotonic_increasing:
        raise ValueError(f"{role} ({label}) must have sorted dates without duplicates")
    try:
        clean = series.dropna().astype(float)
    except (TypeError, ValueError):
        raise TypeError(f"{role} ({label}) must hold numbers; got dtype {series.dtype}") from None
    bad = clean[clean <= 0.0] if change == "log" else clean.iloc[:0]
    if len(bad):
        raise ValueError(
            f"{role} ({label}) has a non-positive close {bad.iloc[0]!r} on {bad.index[0].date()}; "
            "log returns need positive prices"
        )
    return clean.rename(label)


def _calendar_of(series: pd.Series) -> Calendar:
    weekend = np.asarray(pd.DatetimeIndex(series.index).day_of_week >= 5)
    return "crypto" if len(series) and weekend.mean() > CRYPTO_WEEKEND_SHARE else "exchange"


def _check_calendars(calendars: object) -> tuple[Calendar | None, Calendar | None]:
    if calendars is None:
        return (None, None)
    if not isinstance(calendars, tuple | list) or len(calendars) != 2:
        raise TypeError("calendars must be a pair (lead's, lag's), each 'exchange', 'crypto' or None")
    for value in calendars:
        if value not in ("exchange", "crypto", None):
            raise ValueError(f"calendars entries must be 'exchange', 'crypto' or None; got {value!r}")
    return (calendars[0], calendars[1])


# -- alignment ----------------------------------------------------------------------------


def _describe_calendar(freq: Frequency, calendars: tuple[Calendar, Calendar]) -> str:
    exchange = "exchange" in calendars
    mixed = exchange and "crypto" in calendars
    if freq == "D":
        if not exchange:
            return "every calendar day both series trade (UTC days)"
        text = "exchange days (sessions common to the exchange-traded series)"
        if mixed:
            text += (
                "; the crypto series is read at its close on those days, so its return over a weekend "
                "or holiday spans the same Friday->Monday interval as the stock's"
            )
        return text
    base = "exchange days" if exchange else "calendar days"
    period = "the last common day of each week ending Friday" if freq == "W" else "the last common day of each month"
    text = f"closes on {period} ({base} on which both series have a close), so both returns span the same interval"
    if mixed:
        text += "; the crypto series is read on the exchange day, not on its own weekend"
    return text


def aligned_returns(
    lead: pd.Series,
    lag: pd.Series,
    freq: Frequency,
    *,
    calendars: tuple[Calendar | None, Calendar | None] | None = None,
    changes: tuple[Change, Change] | None = None,
) -> pd.DataFrame:
    """Log returns of two price series (or changes of two levels) on one explicit calendar.

    Parameters
    ----------
    lead, lag
        Closes indexed by date (named after their symbols; the names label the columns).
    freq
        ``"D"``: daily. When either series is exchange-traded, the days are the exchange
        sessions (those common to every exchange-traded input); a crypto series is read at its
        close on those days, so a crypto return spanning a weekend covers Friday -> Monday just
        like the stock's. (A crypto daily bar closes at 00:00 UTC, i.e. 7-8 pm New York, some
        hours after the US equity close: both are known by the end of the day.) When both
        trade every day, every common calendar day is used.
        ``"W"``: Friday to Friday, ``"M"``: month end to month end: the daily common closes
        above are sampled with :func:`riskcurve.data.calendar.resample_last` (the last common
        day of the period: Thursday when Friday is a holiday), so both series are read on the
        same day, and a crypto week is aligned to the exchange week rather than to its own
        Friday-or-Sunday.
    calendars
        ``(lead's, lag's)`` calendar, each ``"exchange"``, ``"crypto"`` or ``None``; ``None``
        infers it: a series with more than 10% of its dates on weekends trades every day. A macro
        level known every calendar day (as :meth:`MarketData.known` reads it) is ``"crypto"``:
        it is read on the other series' days.
    changes
        ``(lead's, lag's)`` change: ``"log"`` (default; log returns of prices, log changes of USD
        levels) or ``"diff"`` (differences, for rates and spreads in percent or levels that can be 0).

    Returns
    -------
    pandas.DataFrame
        Index ``date``: the day for ``"D"``; otherwise the last day read in each period (the
        Friday or the month's last common day, earlier when a holiday or the as-of day cuts the
        period; an empty period keeps its nominal end), one column of log returns per series. Dates where either
        series has no close are dropped before differencing, so every return of both series
        spans the same interval. A period without any common close makes the return across it
        missing, and it is dropped; an incomplete trailing period (data ending mid-week or
        mid-month) is dropped. ``attrs["calendar"]`` describes the alignment in words and
        ``attrs["calendars"]`` holds the two calendars used.

    Raises
    ------
    TypeError, ValueError
        For inputs that are not dated positive closes, identical names, or an unknown ``freq``.
    """
    freq = _check_freq(freq)
    how = _check_changes(changes)
    lead = _check_closes("lead", lead, how[0])
    lag = _check_closes("lag", lag, how[1])
    if lead.name == lag.name:
        raise ValueError(f"lead and lag must be different series; both are named {lead.name!r}")
    given = _check_calendars(calendars)
    used: tuple[Calendar, Calendar] = (given[0] or _calendar_of(lead), given[1] or _calendar_of(lag))
    exchange = [series for series, calendar in zip((lead, lag), used, strict=True) if calendar == "exchange"]
    if exchange:
        days = exchange[0].index
        for series in exchange[1:]:
            days = days.intersection(series.index)
    else:
        days = lead.index.intersection(lag.index)
    # Reading each series exactly on the common days (no carrying) and dropping days where
    # either lacks a close makes both returns span the same interval.
    closes = pd.DataFrame({lead.name: lead.reindex(days), lag.name: lag.reindex(days)}).dropna(how="any")
    closes.index = pd.DatetimeIndex(closes.index).rename("date")
    if freq != "D" and len(closes):
        sampled = cast(pd.DataFrame, resample_last(closes, freq))
        labels = pd.date_range(sampled.index[0], sampled.index[-1], freq=_RULES[freq], name="date")
        sampled = sampled.reindex(labels)  # an empty period reappears as a gap, not a longer return
        kind = "exchange" if exchange else "crypto"
        if (sampled.index[-1] - closes.index[-1]).days > _PARTIAL_TOLERANCE[(freq, kind)]:
            sampled = sampled.iloc[:-1]
        # Each period is labelled by the last day actually read, not by its nominal end: a week
        # cut at a Thursday as-of day must not carry the Friday after it.
        nominal = sampled.index.to_series()
        last_used = closes.index.to_series().resample(_RULES[freq]).last().reindex(nominal.index)
        sampled.index = pd.DatetimeIndex(last_used.fillna(nominal), name="date")
        closes = sampled
    levels = closes.copy()
    for column, change in zip(closes.columns, how, strict=True):
        if change == "log":
            levels[column] = np.log(closes[column])
    returns = levels.diff().dropna(how="any")
    returns.index = pd.DatetimeIndex(returns.index).rename("date")
    returns.attrs["calendar"] = _describe_calendar(freq, used)
    returns.attrs["calendars"] = used
    return returns
