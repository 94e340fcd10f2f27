"""Truncating the data at any date never changes what was known at or before that date."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcurve.data.calendar import daily_index, known_on, on_days
from riskcurve.data.release import RELEASE_RULES, available_at, knowledge_cutoffs

DAYS = daily_index("2020-01-01", "2020-06-30")


@st.composite
def observations(draw: st.DrawFn) -> pd.DataFrame:
    count = draw(st.integers(1, 40))
    offsets = sorted(draw(st.sets(st.integers(0, 170), min_size=count, max_size=count)))
    dates = pd.DatetimeIndex([DAYS[0] + pd.Timedelta(days=o) for o in offsets], name="date")
    rule = draw(st.sampled_from(sorted(RELEASE_RULES)))
    values = draw(st.lists(st.floats(-1e6, 1e6), min_size=count, max_size=count))
    frame = pd.DataFrame({"value": values, "available_at": available_at(dates, rule)}, index=dates)
    revisions = draw(st.integers(0, min(5, count)))
    if revisions:
        revised = frame.iloc[:revisions].copy()
        revised["value"] += 1.0
        revised["available_at"] += pd.Timedelta(days=draw(st.integers(1, 60)))
        frame = pd.concat([frame, revised])
    return frame


@settings(max_examples=60, deadline=None)
@given(observations(), st.integers(0, len(DAYS) - 1), st.sampled_from([None, 3, 15]))
def test_known_on_ignores_rows_published_after_the_day(frame: pd.DataFrame, cut: int, max_age: int | None) -> None:
    day = DAYS[cut]
    full = known_on(frame, DAYS, max_age_days=max_age).loc[:day]
    truncated_rows = frame[frame["available_at"] <= knowledge_cutoffs(pd.DatetimeIndex([day]))[0]]
    truncated = known_on(truncated_rows, DAYS[: cut + 1], max_age_days=max_age)
    pd.testing.assert_frame_equal(full, truncated, check_freq=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(1, 1e5), min_size=5, max_size=120), st.integers(0, 119))
def test_on_days_ignores_future_bars(values: list[float], cut: int) -> None:
    index = pd.bdate_range("2020-01-01", periods=len(values))
    closes = pd.Series(values, index=index)
    day = DAYS[min(cut, len(DAYS) - 1)]
    full = on_days(closes, DAYS).loc[:day]
    truncated = on_days(closes.loc[:day], DAYS[: DAYS.get_loc(day) + 1])
    pd.testing.assert_series_equal(full, truncated, check_freq=False)
