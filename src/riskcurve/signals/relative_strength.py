"""Small caps against large caps: the relative-strength line and the January statistic.

Thesis item 5 counts "11 straight sessions" of the Russell 2000 beating the S&P 500, and item 6
claims that a January in which small caps beat large caps by 500 bp or more usually means they
keep the lead for the whole year. :func:`relative_strength` is a signal (row ``t`` uses only
closes dated on or before ``t``); :func:`january_table` and :func:`january_effect` are tables of
realised history whose rows become known at stated dates.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskcurve import numbers as nf
from riskcurve.errors import InsufficientDataWarning

#: Sessions in the "52-week" window of ``ratio_high_52w``.
SESSIONS_PER_YEAR = 252


def _check_closes(name: str, series: object) -> pd.Series:
    """The series without NaN (a NaN is a session the series did not report), checked."""
    if not isinstance(series, pd.Series):
        raise TypeError(f"{name} must be a pandas Series of closes, got {type(series).__name__}")
    if not isinstance(series.index, pd.DatetimeIndex):
        raise TypeError(f"{name} must be indexed by dates (a DatetimeIndex)")
    if not (series.index.is_monotonic_increasing and series.index.is_unique):
        raise ValueError(f"{name} must have ascending, unique dates")
    clean = series.astype(float).dropna()
    bad = clean <= 0
    if bad.any():
        raise ValueError(f"{name} must be positive; first bad date {clean.index[bad.to_numpy()][0].date()}")
    return clean


def _check_window(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer number of sessions, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value}")
    return int(value)


def relative_strength(
    small: pd.Series,
    large: pd.Series,
    *,
    trend_window: int = 50,
    slope_window: int = 20,
) -> pd.DataFrame:
    """The small-cap/large-cap ratio, its trend, and streaks of sessions small caps won.

    Both series are read on the sessions they share (an inner join of their non-NaN dates),
    so every return below is measured between the same two sessions for both.

    Parameters
    ----------
    small, large
        Date-indexed closes, e.g. the Russell 2000 and the S&P 500. NaN means "no session".
    trend_window
        Sessions in the moving average of the ratio (>= 1).
    slope_window
        Sessions over which the slope of the ratio is measured (>= 1).

    Returns
    -------
    pandas.DataFrame
        Indexed by the shared sessions:

        ``ratio``
            ``small / large``.
        ``ratio_ma``
            The mean of the last ``trend_window`` ratios (``t`` included); NaN until there
            are ``trend_window`` of them.
        ``above_trend``
            ``ratio > ratio_ma`` (``False`` while ``ratio_ma`` is NaN).
        ``slope``
            ``ln(ratio_t / ratio_{t - slope_window})``, the log change of the ratio over the
            last ``slope_window`` sessions; NaN before that many.
        ``small_beat``
            Small's return since the previous shared session is strictly greater than
            large's (``False`` on the first session).
        ``streak``
            The number of consecutive sessions, ending at ``t``, on which ``small_beat`` held;
            0 when it did not hold at ``t``.
        ``ratio_high_52w``
            The ratio is the highest of the last 252 sessions (``t`` included, ties count);
            ``False`` until 252 sessions exist.

    Raises
    ------
    TypeError
        If an input is not a date-indexed Series or a window is not an integer.
    ValueError
        If a close is not positive, dates repeat or are not ascending, or a window is < 1.
    """
    small_closes = _check_closes("small", small)
    large_closes = _check_closes("large", large)
    trend_window = _check_window("trend_window", trend_window)
    slope_window = _check_window("slope_window", slope_window)
    joined = pd.concat({"small": small_closes, "large": large_closes}, axis=1, join="inner")
    ratio = joined["small"] / joined["large"]
    ratio_ma = ratio.rolling(trend_window, min_periods=trend_window).mean()
    log_ratio = pd.Series(np.log(ratio.to_numpy(dtype=float)), index=ratio.index)
    beat = (joined["small"].pct_change() > joined["large"].pct_change()).to_numpy()
    # Runs of wins: the streak at t counts back to the session after the last loss.
    position = np.arange(len(beat))
    last_loss = np.maximum.accumulate(np.where(beat, -1, position)) if len(beat) else position
    streak = np.where(beat, position - last_loss, 0)
    high_52w = ratio.rolling(SESSIONS_PER_YEAR, min_periods=SESSIONS_PER_YEAR).max()
    return pd.DataFrame(
        {
            "ratio": ratio,
            "ratio_ma": ratio_ma,
            "above_trend": (ratio > ratio_ma).to_numpy(),
            "slope": log_ratio.diff(slope_window),
            "small_beat": beat,
            "streak": streak.astype(np.int64),
            "ratio_high_52w": (ratio >= high_52w).to_numpy(),
        },
        index=joined.index.rename("date"),
    )


@dataclass(frozen=True)
class _YearMarks:
    """One series' closes at the two boundaries of each calendar year, indexed by year."""

    jan_close: pd.Series  # last close of January
    jan_date: pd.Series  # its session
    jan_complete: pd.Series  # bool: the next session is in February of the same year
    year_close: pd.Series  # last close of the year
    year_date: pd.Series  # its session
    year_complete: pd.Series  # bool: that session is in December and the next is in the next year


def _year_marks(closes: pd.Series) -> _YearMarks:
    """The last close of each January and of each year, their dates, and whether each is final.

    A period's last close is final once the series has a session after the period; "complete"
    further asks that the next session comes in the month right after it (and the year's last
    session in December), so a series that stops or has a hole at the boundary does not
    pass off an earlier close as the period's last.
    """
    dates = pd.DatetimeIndex(closes.index)
    frame = pd.DataFrame(
        {
            "close": closes.to_numpy(dtype=float),
            "date": dates,
            "year": dates.year,
            "month": dates.month,
            # The session after each one, to tell whether a period's last close is final;
            # -1 on the final row, which has none.
            "next_year": np.append(dates.year[1:], -1)[: len(dates)],
            "next_month": np.append(dates.month[1:], -1)[: len(dates)],
        }
    )
    year_end = frame.groupby("year").tail(1).set_index("year")
    january = frame[frame["month"] == 1].groupby("year").tail(1).set_index("year")
    return _YearMarks(
        jan_close=january["close"],
        jan_date=january["date"],
        jan_complete=(january["next_month"] == 2) & (january["next_year"] == january.index),
        year_close=year_end["close"],
        year_date=year_end["date"],
        year_complete=(year_end["month"] == 12) & (year_end["next_year"] == year_end.index + 1),
    )


def january_table(small: pd.Series, large: pd.Series, *, since: int | None = None) -> pd.DataFrame:
    """January returns of small and large caps, and what the rest of each year did.

    This is a table of realised history, not a signal: the January columns of year ``Y`` are
    known at the close of January's last session (``jan_known_on``), and the full-year columns
    only after year ``Y`` ends (``known_on``). A point-in-time user must not read a row's
    full-year values before ``known_on``.

    A year has a row when, in both series, the last session of year ``Y - 1`` is in December
    and is followed by January ``Y``, and the last session of January ``Y`` is followed by a
    session in February ``Y`` (so its January is complete and its last close final).

    Parameters
    ----------
    small, large
        Date-indexed closes (e.g. the Russell 2000 and the S&P 500), each on its own calendar.
    since
        First year to include; all years the data allows when omitted.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``year`` (int), ascending:

        ``jan_small``, ``jan_large``
            ``close(last session of January Y) / close(last session of Y - 1) - 1``.
        ``jan_spread_bp``
            ``10_000 * (jan_small - jan_large)``.
        ``jan_known_on``
            The later of the two series' last January sessions.
        ``complete``
            Both series' year ``Y`` ended: its last session is in December and a session of
            ``Y + 1`` follows. The columns below are NaN/NA/NaT when ``False``.
        ``rest_small``, ``rest_large``
            February to December: ``close(last session of Y) / close(last session of January Y) - 1``.
        ``full_small``, ``full_large``
            The calendar year: ``close(last session of Y) / close(last session of Y - 1) - 1``.
        ``kept_lead``
            ``full_small > full_large`` (nullable boolean).
        ``known_on``
            The later of the two series' last sessions of ``Y``: when the full-year values
            were known.

    Raises
    ------
    TypeError, ValueError
        For inputs as :func:`relative_strength`, or ``since`` that is not an integer year.
    """
    small_closes = _check_closes("small", small)
    large_closes = _check_closes("large", large)
    if since is not None and (isinstance(since, bool) or not isinstance(since, int | np.integer)):
        raise TypeError(f"since must be an integer year or None, got {type(since).__name__}")
    sides = {"small": _year_marks(small_closes), "large": _year_marks(large_closes)}
    years = pd.Index(sorted(set(sides["small"].jan_close.index) & set(sides["large"].jan_close.index)), dtype=np.int64)
    if since is not None:
        years = years[years >= since]
    previous = years - 1

    def flag(series: pd.Series, at: pd.Index) -> np.ndarray:
        return series.reindex(at, fill_value=False).to_numpy(dtype=bool)

    usable = np.ones(len(years), dtype=bool)
    complete = np.ones(len(years), dtype=bool)
    for marks in sides.values():
        usable &= flag(marks.year_complete, previous) & flag(marks.jan_complete, years)
        complete &= flag(marks.year_complete, years)
    years, previous, complete = years[usable], previous[usable], complete[usable]
    date_type = small_closes.index.dtype

    def dates(series: pd.Series) -> np.ndarray:
        return pd.DatetimeIndex(series.reindex(years)).astype(date_type).to_numpy()

    columns: dict[str, Any] = {}
    for name, marks in sides.items():
        base = marks.year_close.reindex(previous).to_numpy(dtype=float)
        january = marks.jan_close.reindex(years).to_numpy(dtype=float)
        end = np.where(complete, marks.year_close.reindex(years).to_numpy(dtype=float), np.nan)
        columns[f"jan_{name}"] = january / base - 1.0
        columns[f"rest_{name}"] = end / january - 1.0
        columns[f"full_{name}"] = end / base - 1.0
    # numpy's maximum propagates NaT, so an unknown date stays unknown.
    jan_known_on = np.maximum(dates(sides["small"].jan_date), dates(sides["large"].jan_date))
    known_on = np.maximum(dates(sides["small"].year_date), dates(sides["large"].year_date))
    known_on[~complete] = np.datetime64("NaT", "ns")
    kept_lead = pd.array(columns["full_small"] > columns["full_large"], dtype="boolean")
    kept_lead[~complete] = pd.NA
    return pd.DataFrame(
        {
            "jan_small": columns["jan_small"],
            "jan_large": columns["jan_large"],
            "jan_spread_bp": 10_000.0 * (columns["jan_small"] - columns["jan_large"]),
            "jan_known_on": jan_known_on,
            "complete": complete,
            "rest_small": columns["rest_small"],
            "rest_large": columns["rest_large"],
            "full_small": columns["full_small"],
            "full_large": columns["full_large"],
            "kept_lead": kept_lead,
            "known_on": known_on,
        },
        index=pd.Index(years, name="year", dtype=np.int64),
    )


_REQUIRED = ("jan_spread_bp", "complete", "kept_lead", "full_small", "full_large")


def january_effect(table: pd.DataFrame, *, threshold_bp: float = 500, claim_since: int | None = None) -> dict[str, Any]:
    """How often a strong small-cap January was followed by a small-cap year.

    Selected years are those with ``jan_spread_bp >= threshold_bp``. Among the selected years
    whose calendar year is complete, small caps "kept the lead" when their full-year return
    beat large caps'. Thesis item 6 claims, since 1979 at 500 bp: 5 years, 4 kept the lead
    (2021 the exception), average full-year Russell 2000 gain 22.6%.

    Parameters
    ----------
    table
        The output of :func:`january_table`.
    threshold_bp
        The January spread, in basis points, a year needs to be selected.
    claim_since
        The first year a claim being checked speaks of (1979 for item 6). When it is before
        the table's first year, ``reaches_before_data`` is ``True``: the data cannot check the
        claim's earliest years, and the counts below cover fewer years than the claim.

    Returns
    -------
    dict
        JSON-ready: ``definition`` (the rule in words), ``threshold_bp``, ``first_year`` and
        ``last_year`` (the table's January range; ``None`` when empty), ``n_years`` (years
        with a complete January), ``claim_since``, ``reaches_before_data`` (``None`` without
        ``claim_since``), ``years`` (selected years), ``complete_years``, ``incomplete_years``
        (selected, year not over), ``n_selected``, ``n_complete``, ``n_kept_lead``,
        ``kept_lead_years``, ``exceptions`` (complete selected years small caps did not keep
        the lead), ``mean_full_small`` and ``mean_full_large`` (arithmetic mean full-year
        return over the complete selected years; ``None`` when there are none),
        ``mean_jan_spread_bp``.

    Warns
    -----
    InsufficientDataWarning
        When the table has no year at all.
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be the DataFrame january_table returns, got {type(table).__name__}")
    missing = [column for column in _REQUIRED if column not in table.columns]
    if missing:
        raise ValueError(f"table lacks columns {', '.join(missing)}; pass the output of january_table")
    if isinstance(threshold_bp, bool) or not isinstance(threshold_bp, int | float | np.integer | np.floating):
        raise TypeError(f"threshold_bp must be a number of basis points, got {type(threshold_bp).__name__}")
    if not math.isfinite(threshold_bp):
        raise ValueError(f"threshold_bp must be a finite number of basis points, got {threshold_bp}")
    if claim_since is not None and (isinstance(claim_since, bool) or not isinstance(claim_since, int | np.integer)):
        raise TypeError(f"claim_since must be an integer year or None, got {type(claim_since).__name__}")
    if table.empty:
        warnings.warn(
            "january_effect: the table has no year with a complete January", InsufficientDataWarning, stacklevel=2
        )
    selected = table[table["jan_spread_bp"] >= threshold_bp]
    complete = selected[selected["complete"].astype(bool)]
    kept = complete[complete["kept_lead"].astype(bool)]
    first_year = int(table.index.min()) if len(table) else None
    last_year = int(table.index.max()) if len(table) else None
    reaches_before = None
    if claim_since is not None:
        reaches_before = first_year is None or int(claim_since) < first_year

    def _mean(column: str) -> float | None:
        return float(complete[column].mean()) if len(complete) else None

    return {
        "definition": (
            f"Years whose January small-cap return beat large caps' by at least {nf.significant(threshold_bp, 6)} bp "
            "(returns from the previous year's last close to January's last close); a complete "
            "year 'kept the lead' when the small caps' calendar-year return beat the large caps'."
        ),
        "threshold_bp": float(threshold_bp),
        "first_year": first_year,
        "last_year": last_year,
        "n_years": len(table),
        "claim_since": None if claim_since is None else int(claim_since),
        "reaches_before_data": reaches_before,
        "years": [int(year) for year in selected.index],
        "complete_years": [int(year) for year in complete.index],
        "incomplete_years": [int(year) for year in selected.index.difference(complete.index)],
        "n_selected": len(selected),
        "n_complete": len(complete),
        "n_kept_lead": len(kept),
        "kept_lead_years": [int(year) for year in kept.index],
        "exceptions": [int(year) for year in complete.index.difference(kept.index)],
        "mean_full_small": _mean("full_small"),
        "mean_full_large": _mean("full_large"),
        "mean_jan_spread_bp": float(selected["jan_spread_bp"].mean()) if len(selected) else None,
    }
