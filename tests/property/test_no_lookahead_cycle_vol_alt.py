"""Truncating the inputs at any date never changes cycle, volatility or altseason values at or before it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcurve.data.calendar import daily_index
from riskcurve.signals.altseason import altseason
from riskcurve.signals.cycle import issuance
from riskcurve.signals.volatility import realized_volatility

DAYS = daily_index("2019-01-01", "2019-12-31")


@st.composite
def price_paths(draw: st.DrawFn, columns: int) -> pd.DataFrame:
    """Positive random-walk closes with coins listed on random dates and occasional gaps."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)  # injected, never the global RNG
    steps = rng.normal(0, draw(st.floats(0.005, 0.1)), size=(len(DAYS), columns))
    frame = pd.DataFrame(100 * np.exp(np.cumsum(steps, axis=0)), index=DAYS)
    for column in range(columns):
        listed = draw(st.integers(0, len(DAYS) - 1))
        frame.iloc[:listed, column] = np.nan
        if draw(st.booleans()):
            gap = draw(st.integers(0, len(DAYS) - 1))
            frame.iloc[gap : gap + draw(st.integers(1, 40)), column] = np.nan
    return frame


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 60_000), st.integers(1, 400), st.integers(0, 399))
def test_issuance_rows_depend_only_on_their_date(start: int, length: int, cut: int) -> None:
    dates = pd.date_range(pd.Timestamp("2009-01-03") + pd.Timedelta(days=start), periods=length, freq="D")
    cut = min(cut, length - 1)
    full = issuance(dates).iloc[: cut + 1]
    truncated = issuance(dates[: cut + 1])
    pd.testing.assert_frame_equal(full, truncated, check_freq=False)


@settings(max_examples=40, deadline=None)
@given(price_paths(1), st.integers(0, len(DAYS) - 1), st.sampled_from([(5,), (10, 30), (30, 90)]), st.integers(0, 50))
def test_realized_volatility_ignores_later_prices(
    frame: pd.DataFrame, cut: int, windows: tuple[int, ...], min_history: int
) -> None:
    close = frame.iloc[:, 0]
    day = DAYS[cut]
    full = realized_volatility(close, windows=windows, min_history=min_history).loc[:day]
    truncated = realized_volatility(close.loc[:day], windows=windows, min_history=min_history)
    pd.testing.assert_frame_equal(full, truncated, check_freq=False)


@settings(max_examples=40, deadline=None)
@given(price_paths(7), st.integers(0, len(DAYS) - 1), st.integers(1, 90), st.integers(1, 5))
def test_altseason_ignores_later_prices(frame: pd.DataFrame, cut: int, window: int, min_members: int) -> None:
    closes = frame.set_axis(["BTC", "ETH", "A", "B", "C", "D", "E"], axis=1)
    day = DAYS[cut]
    options = {"window": window, "min_members": min_members, "trend_window": 20}
    full = altseason(closes, **options).loc[:day]
    truncated = altseason(closes.loc[:day], **options)
    pd.testing.assert_frame_equal(full, truncated, check_freq=False)
