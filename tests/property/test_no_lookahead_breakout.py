"""Truncating the bars at any date never changes a breakout or relative-strength value at or before it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcurve.signals.breakout import BreakoutParams, all_time_highs, breakout_events, breakout_signal
from riskcurve.signals.relative_strength import relative_strength

# Event fields that describe something after the breakout: filled in only once it happened.
LATER_DATES = ("close_high_date", "intraday_high_date", "confirmed_date")


def _path(seed: int, length: int) -> pd.DataFrame:
    """A random OHLCV path on an irregular calendar, with close-only rows and missing volumes."""
    rng = np.random.default_rng(seed)
    # A drift drawn per path gives some paths long bases and others runs of records.
    returns = rng.normal(rng.uniform(-0.01, 0.01), 0.02, length)
    close = 100 * np.exp(np.cumsum(returns))
    high = close * np.exp(np.abs(rng.normal(0, 0.01, length)))
    high[rng.random(length) < 0.1] = np.nan  # close-only rows
    high[rng.random(length) < 0.05] *= 0.97  # a few highs below the close (bad data)
    volume = rng.integers(1, 1000, length).astype(float)
    volume[rng.random(length) < 0.1] = 0.0
    dates = pd.Timestamp("2001-01-01") + pd.to_timedelta(np.cumsum(rng.integers(1, 4, length)), unit="D")
    return pd.DataFrame(
        {"open": np.nan, "high": high, "low": np.nan, "close": close, "volume": volume},
        index=pd.DatetimeIndex(dates, name="date"),
    )


params_strategy = st.builds(
    BreakoutParams,
    min_base=st.integers(1, 40),
    confirm_closes=st.integers(1, 5),
    volume_window=st.integers(1, 10),
    basis=st.sampled_from(["close", "intraday"]),
)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 250), st.integers(0, 249), params_strategy)
def test_breakout_signals_ignore_future_bars(seed: int, length: int, cut: int, params: BreakoutParams) -> None:
    bars = _path(seed, length)
    day = bars.index[min(cut, length - 1)]
    truncated = bars.loc[:day]
    pd.testing.assert_frame_equal(all_time_highs(bars).loc[:day], all_time_highs(truncated), check_freq=False)
    pd.testing.assert_frame_equal(
        breakout_signal(bars, params).loc[:day], breakout_signal(truncated, params), check_freq=False
    )

    _assert_events_known_by(bars, params, day)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(20, 250), st.integers(0, 6), params_strategy)
def test_breakout_events_seen_just_after_each_breakout(
    seed: int, length: int, offset: int, params: BreakoutParams
) -> None:
    # Random cuts rarely fall between a breakout and its confirmation or other-basis date;
    # cutting a few sessions after each breakout tests exactly those fields.
    bars = _path(seed, length)
    for date in breakout_events(bars, params).index[:5]:
        day = bars.index[min(bars.index.get_loc(date) + offset, length - 1)]
        _assert_events_known_by(bars, params, day)


def _assert_events_known_by(bars: pd.DataFrame, params: BreakoutParams, day: pd.Timestamp) -> None:
    full = breakout_events(bars, params).loc[:day]
    seen = breakout_events(bars.loc[:day], params)
    # The breakouts themselves, and what was known about them on the day, are the same.
    pd.testing.assert_index_equal(full.index, seen.index)
    known = ["base_length", "base_start", "old_high", "volume_ratio"]
    pd.testing.assert_frame_equal(full[known], seen[known])
    # Later dates agree where they had happened by the cut, and are NaT in the truncated
    # table where they had not: never a guess in between.
    for column in LATER_DATES:
        happened = full[column] <= day
        pd.testing.assert_series_equal(full.loc[happened, column], seen.loc[happened, column])
        assert seen.loc[~happened, column].isna().all(), column
    confirmed = (full["confirmed_date"] <= day).to_numpy()
    np.testing.assert_array_equal(full["sessions_to_confirm"][confirmed], seen["sessions_to_confirm"][confirmed])
    assert seen["sessions_to_confirm"][~confirmed].isna().all()


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(2, 300),
    st.integers(0, 299),
    st.integers(1, 60),
    st.integers(1, 30),
)
def test_relative_strength_ignores_future_bars(seed: int, length: int, cut: int, trend: int, slope: int) -> None:
    rng = np.random.default_rng(seed)
    small = _path(seed, length)["close"]
    large = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, length))), index=small.index)
    # Different calendars: each series misses some of the other's sessions.
    small = small[rng.random(length) > 0.1]
    large = large[rng.random(length) > 0.1]
    days = small.index.union(large.index)
    day = days[min(cut, len(days) - 1)]
    full = relative_strength(small, large, trend_window=trend, slope_window=slope).loc[:day]
    truncated = relative_strength(small.loc[:day], large.loc[:day], trend_window=trend, slope_window=slope)
    pd.testing.assert_frame_equal(full, truncated, check_freq=False)
