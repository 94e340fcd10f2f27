"""Freshness: whether an input's newest known observation is recent enough to stand for today.

Every input has a rule from its own cadence and release lag. On each day ``t`` the input's
*age* is ``t`` minus the date of its newest observation known by the end of ``t`` (for a price,
its newest bar dated on or before ``t``; for a published value, its newest observation whose
release instant is on or before the end of ``t``). The input is

``fresh``
    when its age is at most the rule's ``max_age_days``;
``stale``
    when it is older: the source stopped, skipped releases, or a market was shut;
``not_started``
    before its first observation is known.

Only a fresh input may decide a state; a stale or not-yet-started one is *unknown*, never
"off", "dark" or "0%". The rule (:func:`rule_for`) is::

    max_age_days = cadence + longest ordinary release lag + grace

where the cadence is 1 day for daily series (every day, exchange days, business days), 7 for
weekly and 31 for monthly ones; the longest ordinary lag is read off the series' release rule
(:data:`riskcurve.data.release.RELEASE_RULES`, holidays included, publication backlogs such as
the 2025 CFTC shutdown excluded, so they count as stale); and the grace is 3 days for daily
series (a long weekend) and one missed release for weekly and monthly ones. Exchange and crypto
closes thus stay fresh for :data:`~riskcurve.data.calendar.MAX_CARRY_DAYS` days, the span over
which their closes are carried onto other days. A few markets have longer regular closures and
their own grace (:data:`GRACE_OVERRIDES`).

Everything here is pure: it reads dates and release instants, never the store.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from riskcurve._typing import CalendarName, SeriesKind
from riskcurve.data.release import CFTC_DELAYED, available_at, describe_rule, knowledge_cutoffs
from riskcurve.data.symbols import is_known, lookup

Status: TypeAlias = Literal["fresh", "stale", "not_started"]

#: Days between two observations, by calendar.
CADENCE_DAYS: Mapping[str, int] = {"crypto": 1, "exchange": 1, "business": 1, "weekly": 7, "monthly": 31}
#: Grace beyond cadence and lag, by calendar: a long weekend for daily series, one missed
#: release for weekly and monthly ones.
GRACE_DAYS: Mapping[str, int] = {"crypto": 3, "exchange": 3, "business": 3, "weekly": 7, "monthly": 31}
#: Symbols whose markets close for longer than a long weekend as a rule, and the grace they get:
#: Shanghai shuts for the Spring Festival and National Day weeks (up to 9 days in a row).
GRACE_OVERRIDES: Mapping[str, int] = {"STAR50": 10}

_CADENCE_WORDS = {
    "crypto": "daily",
    "exchange": "exchange days",
    "business": "business days",
    "weekly": "weekly",
    "monthly": "monthly",
}


@dataclass(frozen=True)
class FreshnessRule:
    """How old an input's newest known observation may be and still count as current.

    Attributes
    ----------
    calendar
        The input's cadence (:data:`~riskcurve._typing.CalendarName`).
    release
        Its release rule (``None``: known at the end of its date, as prices are).
    lag_days
        Extra publication delay in days (user imports).
    max_age_days
        The oldest a fresh input's newest known observation may be, in calendar days.
    """

    calendar: CalendarName
    release: str | None
    lag_days: int
    max_age_days: int

    def describe(self) -> str:
        """One line: the cadence, when a value becomes known, and when it goes stale."""
        known = describe_rule(self.release, lag_days=self.lag_days)
        return (
            f"{_CADENCE_WORDS.get(self.calendar, self.calendar)}; known {known}; stale once its newest known "
            f"observation is more than {self.max_age_days} days old"
        )


@functools.cache
def longest_lag_days(release: str | None, calendar: str, lag_days: int = 0) -> int:
    """The longest ordinary delay, in whole days, between an observation's date and the day it is known.

    Measured over 2000-2030 on the dates the calendar has (weekdays for exchange and business
    series, month starts for monthly ones, every day for crypto), with the backlog of
    :data:`~riskcurve.data.release.CFTC_DELAYED` left out: an extraordinary delay is a gap. A
    weekly series is observed on the weekday its release is built for (Wednesday for the H.4.1,
    Tuesday for the CFTC report), so the lag is that of the weekday whose longest lag is shortest.
    """
    if calendar == "monthly":
        dates = pd.date_range("2000-01-01", "2030-12-01", freq="MS")
    elif calendar == "crypto":
        dates = pd.date_range("2000-01-01", "2030-12-31", freq="D")
    else:
        dates = pd.bdate_range("2000-01-01", "2030-12-31")
    if release == "cftc":
        dates = dates[~dates.isin(pd.to_datetime(list(CFTC_DELAYED)))]
    instants = available_at(dates, release, lag_days=lag_days)
    # The New York day on which each becomes known: the first day whose cutoff is not before it.
    cutoff_days = pd.date_range(dates.min(), dates.max() + pd.Timedelta(days=120), freq="D")
    cutoffs = knowledge_cutoffs(cutoff_days)
    known_day = cutoff_days[np.searchsorted(cutoffs.to_numpy(), instants.to_numpy(), side="left")]
    lags = pd.Series((known_day - dates).days, index=dates)
    if calendar == "weekly":
        return int(lags.groupby(dates.day_of_week).max().min())
    return int(lags.max())


def rule_for(
    symbol: str,
    *,
    kind: SeriesKind | None = None,
    calendar: CalendarName | None = None,
    release: str | None = None,
    lag_days: int = 0,
) -> FreshnessRule:
    """The freshness rule of ``symbol``.

    Catalogue symbols take their calendar and release rule from
    :mod:`riskcurve.data.symbols`; any of them can be given instead (a series outside the
    catalogue, whose store metadata says them).

    Parameters
    ----------
    symbol
        The riskcurve symbol (also selects :data:`GRACE_OVERRIDES`).
    kind, calendar, release, lag_days
        Override or supply the series' metadata. A price series is known at the end of its date.

    Returns
    -------
    FreshnessRule

    Raises
    ------
    ValueError
        If the calendar is neither given nor known from the catalogue.
    """
    name = symbol.strip().upper()
    spec = lookup(name) if is_known(name) else None
    kind = kind or (spec.kind if spec else "value")
    calendar = calendar or (spec.calendar if spec else None)
    if calendar is None or calendar not in CADENCE_DAYS:
        raise ValueError(f"no freshness rule for {symbol!r}: give its calendar (one of {', '.join(CADENCE_DAYS)})")
    if kind == "price":
        release = None
    elif release is None and spec is not None:
        release = spec.release
    grace = GRACE_OVERRIDES.get(name, GRACE_DAYS[calendar])
    lag = longest_lag_days(release, calendar, lag_days)
    return FreshnessRule(calendar, release, lag_days, CADENCE_DAYS[calendar] + lag + grace)


def last_known(observations: pd.Series | pd.DataFrame | pd.DatetimeIndex, days: pd.DatetimeIndex) -> pd.Series:
    """The date of the newest observation known by the end of each of ``days``.

    Parameters
    ----------
    observations
        A price series or frame (index: bar dates, each known at the end of its date), or a value
        frame with an ``available_at`` column (naive UTC instants, one row per vintage, as
        :meth:`riskcurve.data.store.Store.observations` returns), or a DatetimeIndex of dates
        known at the end of each date. Rows whose values are all NaN do not count.
    days
        The days to stand on.

    Returns
    -------
    pandas.Series
        datetime64 on ``days``; NaT before anything is known.
    """
    days = pd.DatetimeIndex(days).rename("date")
    if isinstance(observations, pd.DatetimeIndex):
        dates = observations.normalize()
        instants = None
    else:
        frame = observations.to_frame() if isinstance(observations, pd.Series) else observations
        values = frame.drop(columns=["available_at"], errors="ignore")
        if values.shape[1]:
            frame = frame[values.notna().any(axis=1).to_numpy()]
        dates = pd.DatetimeIndex(frame.index).normalize()
        instants = pd.DatetimeIndex(frame["available_at"]) if "available_at" in frame.columns else None
    if len(dates) == 0:
        return pd.Series(pd.NaT, index=days, dtype="datetime64[ns]", name="last_known")
    date_values = dates.to_numpy(dtype="datetime64[ns]")
    if instants is None:
        # Known at the end of its own date: the newest date on or before each day.
        order = np.sort(date_values)
        position = np.searchsorted(order, days.to_numpy(dtype="datetime64[ns]"), side="right") - 1
        newest = np.where(position >= 0, order[np.maximum(position, 0)], np.datetime64("NaT", "ns"))
    else:
        # Walk publications in time order; the newest observation date known so far at each one.
        by_time = np.argsort(instants.to_numpy(dtype="datetime64[ns]"), kind="stable")
        published = instants.to_numpy(dtype="datetime64[ns]")[by_time]
        running = np.maximum.accumulate(date_values[by_time])
        cutoffs = knowledge_cutoffs(days).to_numpy(dtype="datetime64[ns]")
        position = np.searchsorted(published, cutoffs, side="right") - 1
        newest = np.where(position >= 0, running[np.maximum(position, 0)], np.datetime64("NaT", "ns"))
    return pd.Series(newest.astype("datetime64[ns]"), index=days, name="last_known")


def freshness(
    rule: FreshnessRule | str,
    observations: pd.Series | pd.DataFrame | pd.DatetimeIndex,
    days: pd.DatetimeIndex,
) -> pd.DataFrame:
    """On each day: the newest known observation's date, its age, and whether it is fresh.

    Parameters
    ----------
    rule
        A :class:`FreshnessRule`, or a catalogue symbol whose rule :func:`rule_for` gives.
    observations
        As for :func:`last_known`.
    days
        The days to stand on.

    Returns
    -------
    pandas.DataFrame
        On ``days``: ``last_known`` (datetime64, NaT before the first known observation),
        ``age_days`` (float, NaN before it), ``fresh`` (bool) and ``status`` (``"fresh"``,
        ``"stale"`` or ``"not_started"``).

    Examples
    --------
    >>> days = pd.date_range("2024-03-14", "2024-03-16")
    >>> oi = pd.DataFrame({"value": [1.0]}, index=pd.DatetimeIndex(["2024-03-12"]))
    >>> oi["available_at"] = available_at(oi.index, "cftc")
    >>> freshness("CFTC_BTC_CME_OI", oi, days)["status"].tolist()
    ['not_started', 'fresh', 'fresh']
    """
    resolved = rule_for(rule) if isinstance(rule, str) else rule
    newest = last_known(observations, days)
    age = (pd.DatetimeIndex(newest.index) - pd.DatetimeIndex(newest)).days.to_numpy(dtype=float)
    started = newest.notna().to_numpy()
    fresh = started & (np.nan_to_num(age, nan=math.inf) <= resolved.max_age_days)
    status = np.where(fresh, "fresh", np.where(started, "stale", "not_started"))
    return pd.DataFrame(
        {"last_known": newest.to_numpy(), "age_days": age, "fresh": fresh, "status": status.astype(object)},
        index=newest.index,
    )


def is_fresh(
    symbol: str | FreshnessRule, observations: pd.Series | pd.DataFrame | pd.DatetimeIndex, days: pd.DatetimeIndex
) -> pd.Series:
    """Whether the value of ``symbol`` known on each of ``days`` is fresh (bool, named after it).

    Parameters
    ----------
    symbol
        A catalogue symbol (its rule from :func:`rule_for`) or a :class:`FreshnessRule`.
    observations
        As for :func:`last_known`: the series' bars, or its vintages with ``available_at``.
    days
        The days to stand on.

    Returns
    -------
    pandas.Series
        bool on ``days``: False while stale and before the series starts.
    """
    name = symbol if isinstance(symbol, str) else "fresh"
    return freshness(symbol, observations, days)["fresh"].rename(name)


__all__ = [
    "CADENCE_DAYS",
    "GRACE_DAYS",
    "GRACE_OVERRIDES",
    "FreshnessRule",
    "Status",
    "freshness",
    "is_fresh",
    "last_known",
    "longest_lag_days",
    "rule_for",
]
