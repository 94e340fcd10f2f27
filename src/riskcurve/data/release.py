"""When a value became known: publication-lag rules and the as-of cutoff.

A macro value is usable only from the instant it was published. Where a provider gives real
vintages (ALFRED), those instants are used; otherwise the rule of the series' release applies.
Every rule errs late: an instant later than the truth only delays a signal, an earlier one
would be look-ahead.

All instants are naive UTC timestamps. Release times are stated in New York time and converted.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

import numpy as np
import pandas as pd

from riskcurve._typing import DateLike

NEW_YORK = "America/New_York"


@functools.cache
def fed_holidays() -> np.ndarray:
    """US federal holidays 1950-2100 (``datetime64[D]``), the days the Fed's releases skip.

    Built on first use: pandas' holiday rules take a tenth of a second to expand, which every
    command that imports the store would otherwise pay.
    """
    from pandas.tseries.holiday import USFederalHolidayCalendar

    days = USFederalHolidayCalendar().holidays(start="1950-01-01", end="2100-12-31").to_numpy(dtype="datetime64[D]")
    days.flags.writeable = False  # one array shared by every caller
    return days


def _at_new_york(days: pd.DatetimeIndex, hour: int, minute: int = 0) -> pd.DatetimeIndex:
    local = (days.normalize() + pd.Timedelta(hours=hour, minutes=minute)).tz_localize(
        NEW_YORK, nonexistent="shift_forward", ambiguous=False
    )
    return local.tz_convert("UTC").tz_localize(None)


def knowledge_cutoff(as_of: DateLike) -> pd.Timestamp:
    """The last instant of day ``as_of`` in New York, as naive UTC.

    ``as_of=2020-03-19`` means "everything published by the end of 19 March 2020 (New York)".
    A value with ``available_at <= knowledge_cutoff(d)`` is known on day ``d``.
    """
    day = pd.DatetimeIndex([pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)])
    return _at_new_york(day, 0)[0] - pd.Timedelta(microseconds=1)


def knowledge_cutoffs(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Vectorised :func:`knowledge_cutoff` over an index of days."""
    return _at_new_york(pd.DatetimeIndex(days).normalize() + pd.Timedelta(days=1), 0) - pd.Timedelta(microseconds=1)


def _next_weekday_after(days: pd.DatetimeIndex, weekday: int) -> pd.DatetimeIndex:
    remainder = np.asarray((weekday - days.day_of_week) % 7)
    ahead = np.where(remainder == 0, 7, remainder)
    return days + pd.to_timedelta(ahead, unit="D")


def _business_offset(days: pd.DatetimeIndex, offset: int, roll: str) -> pd.DatetimeIndex:
    moved = np.busday_offset(days.to_numpy(dtype="datetime64[D]"), offset, roll=roll, holidays=fed_holidays())  # type: ignore[call-overload]
    return pd.DatetimeIndex(moved.astype("datetime64[ns]"))


def _roll_to_business_day(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    return _business_offset(days, 0, "forward")


def _next_business_day(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    # Rolling back first makes a weekend or holiday's "next" the following business day.
    return _business_offset(days, 1, "backward")


def _fourth_tuesday(month_starts: pd.DatetimeIndex) -> pd.DatetimeIndex:
    first_tuesday = month_starts + pd.to_timedelta((1 - month_starts.day_of_week) % 7, unit="D")
    return first_tuesday + pd.Timedelta(weeks=3)


def _h41(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    # H.4.1: Thursday 4:30 pm for the week ending Wednesday; a holiday Thursday moves it later.
    return _at_new_york(_roll_to_business_day(_next_weekday_after(days, 3)), 16, 30)


def _same_afternoon(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    # Reverse repo results are posted shortly after the 1:15 pm close of the operation.
    return _at_new_york(days, 17)


def _next_business_day_close(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    return _at_new_york(_next_business_day(days), 17)


def _next_business_morning(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    # The NY Fed publishes the effective rate at 9 am the business day after.
    return _at_new_york(_next_business_day(days), 9)


def _next_month(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    month_after = days.to_period("M").to_timestamp() + pd.DateOffset(months=1)
    return _at_new_york(_roll_to_business_day(pd.DatetimeIndex(month_after)), 17)


def _h6_monthly(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    # H.6 comes out around the fourth Tuesday of the month after the observed month.
    month_after = pd.DatetimeIndex(days.to_period("M").to_timestamp() + pd.DateOffset(months=1))
    return _at_new_york(_roll_to_business_day(_fourth_tuesday(month_after)), 13)


def _h6_weekly(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    # A weekly level appears in the first H.6 release at least three weeks after the week ends.
    earliest = days + pd.Timedelta(weeks=3)
    month = pd.DatetimeIndex(earliest.to_period("M").to_timestamp())
    release = _fourth_tuesday(month)
    late = release < earliest
    release = release.where(~late, _fourth_tuesday(pd.DatetimeIndex(month + pd.DateOffset(months=1))))
    return _at_new_york(_roll_to_business_day(pd.DatetimeIndex(release)), 13)


def _h10(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    # H.10: Monday 4:15 pm for the week before; a holiday Monday moves it to Tuesday.
    return _at_new_york(_roll_to_business_day(_next_weekday_after(days + pd.Timedelta(days=0), 0)), 16, 15)


def _end_of_day(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    return knowledge_cutoffs(days)


def _next_day(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    # A daily figure published that evening or the next morning (ETF flows, a supply snapshot):
    # counted from 9 am New York on the next calendar day, so it is known on that day, not before.
    return _at_new_york(days + pd.Timedelta(days=1), 9)


#: Commitments of Traders reports published off their schedule: report (position) date to the
#: day it was actually published, 3:30 pm ET. The 2025 lapse in appropriations: CFTC press
#: release of 18 November 2025, "Commitments of Traders Publication Schedule".
CFTC_DELAYED: dict[str, str] = {
    "2025-09-30": "2025-11-19",
    "2025-10-07": "2025-11-21",
    "2025-10-14": "2025-11-25",
    "2025-10-21": "2025-12-02",
    "2025-10-28": "2025-12-05",
    "2025-11-04": "2025-12-09",
    "2025-11-10": "2025-12-12",
    "2025-11-18": "2025-12-16",
    "2025-11-25": "2025-12-19",
    "2025-12-02": "2025-12-23",
    "2025-12-09": "2025-12-30",
    "2025-12-16": "2026-01-06",
    "2025-12-23": "2026-01-09",
    "2025-12-30": "2026-01-13",
    "2026-01-06": "2026-01-16",
    "2026-01-13": "2026-01-20",
}


def _cftc(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    # Positions as of Tuesday are published on Friday at 3:30 pm ET. A federal holiday in the
    # week of the release (Monday to Friday) moves it to the next business day after that Friday
    # (CFTC: Thanksgiving, Christmas and Independence Day weeks are released on the Monday).
    # That errs late in the weeks where the CFTC still managed Friday.
    friday = _next_weekday_after(days + pd.Timedelta(days=2), 4)
    week = friday.to_numpy(dtype="datetime64[D]")
    holidays = fed_holidays()
    in_week = np.zeros(len(days), dtype=bool)
    for back in range(5):
        in_week |= np.isin(week - np.timedelta64(back, "D"), holidays)
    release = pd.DatetimeIndex(friday.where(~in_week, _next_business_day(friday)))
    delayed = pd.Series(pd.to_datetime(list(CFTC_DELAYED.values())), index=pd.to_datetime(list(CFTC_DELAYED)))
    late = pd.DatetimeIndex(delayed.reindex(days).to_numpy())
    release = pd.DatetimeIndex(np.where(late.notna() & (late > release), late, release))
    return _at_new_york(release, 15, 30)


RELEASE_RULES: dict[str, tuple[Callable[[pd.DatetimeIndex], pd.DatetimeIndex], str]] = {
    "h41": (_h41, "Fed H.4.1: Thursday 4:30 pm ET after the week ending Wednesday (next business day if a holiday)"),
    "same_afternoon": (_same_afternoon, "same day, 5 pm ET (after the operation's results are posted)"),
    "next_business_day": (_next_business_day_close, "next US business day, 5 pm ET (FRED posting lag)"),
    "next_business_morning": (_next_business_morning, "next US business day, 9 am ET (NY Fed publication)"),
    "next_month": (_next_month, "first business day of the following month, 5 pm ET"),
    "h6_monthly": (_h6_monthly, "Fed H.6: fourth Tuesday of the following month, 1 pm ET"),
    "h6_weekly": (_h6_weekly, "Fed H.6: first fourth-Tuesday release at least three weeks after the week"),
    "h10": (_h10, "Fed H.10: Monday 4:15 pm ET after the observation's week"),
    # OECD and Bank of Japan monthly series reach FRED some weeks into the next month; counting
    # them from the fourth Tuesday of that month errs late, never early.
    "monthly_late": (_h6_monthly, "monthly, counted from the fourth Tuesday of the following month (errs late)"),
    "end_of_day": (_end_of_day, "end of the observation day, New York time"),
    "next_day": (_next_day, "next calendar day, 9 am ET (a daily figure published that evening or the next morning)"),
    "cftc": (
        _cftc,
        "CFTC Commitments of Traders: Friday 3:30 pm ET after the Tuesday positions "
        "(next business day if a federal holiday falls in that week; the 2025 shutdown backlog as published)",
    ),
}


#: Days without a new publication after which a series under each rule counts as no longer
#: current (a weekly release missing twice, a monthly one missing once, a daily one for a week).
STALE_AFTER_DAYS: dict[str, int | None] = {
    "h41": 15,
    "same_afternoon": 7,
    "next_business_day": 7,
    "next_business_morning": 7,
    "next_month": 45,
    "h6_monthly": 45,
    "h6_weekly": 45,
    "h10": 15,
    "monthly_late": 45,
    "end_of_day": None,
    "next_day": 7,
    "cftc": 15,
}


def available_at(dates: pd.DatetimeIndex, rule: str | None, *, lag_days: int = 0) -> pd.DatetimeIndex:
    """The instant each observation became known under a release rule.

    Parameters
    ----------
    dates
        Observation dates.
    rule
        A key of :data:`RELEASE_RULES`; ``None`` means ``"end_of_day"``.
    lag_days
        Extra calendar days added after the rule (for user imports published with a delay).

    Returns
    -------
    pandas.DatetimeIndex
        Naive UTC instants, one per date.
    """
    function, _ = RELEASE_RULES[rule or "end_of_day"]
    days = pd.DatetimeIndex(dates).normalize()
    return pd.DatetimeIndex(function(days) + pd.Timedelta(days=lag_days), name="available_at")


def describe_rule(rule: str | None, *, lag_days: int = 0) -> str:
    """One line saying when values under ``rule`` become known."""
    text = RELEASE_RULES[rule or "end_of_day"][1]
    return f"{text}, plus {lag_days} days" if lag_days else text


def today() -> dt.date:
    """Today's date in New York (the calendar that `as_of` dates are read in)."""
    return pd.Timestamp.now(tz=NEW_YORK).date()
