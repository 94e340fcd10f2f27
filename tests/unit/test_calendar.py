"""Alignment across calendars and publication lags."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcurve.data.calendar import daily_index, known_on, on_days, resample_last, session_index
from riskcurve.data.release import available_at


def _obs(points: dict[str, float], published: dict[str, str] | None = None) -> pd.DataFrame:
    index = pd.DatetimeIndex(list(points), name="date")
    when = pd.DatetimeIndex([pd.Timestamp(v) for v in published.values()]) if published else available_at(index, "h41")
    return pd.DataFrame({"value": list(points.values()), "available_at": when}, index=index)


def test_known_on_waits_for_publication() -> None:
    walcl = _obs({"2020-03-11": 1.0, "2020-03-18": 2.0})
    days = daily_index("2020-03-12", "2020-03-20")
    known = known_on(walcl, days)
    # 11 March is published Thursday 12 March 4:30 pm ET; 18 March on Thursday 19 March.
    assert known.loc["2020-03-12", "value"] == 1.0
    assert known.loc["2020-03-18", "value"] == 1.0
    assert known.loc["2020-03-19", "value"] == 2.0
    assert known.loc["2020-03-19", "observed"] == pd.Timestamp("2020-03-18")


def test_known_on_is_nan_before_first_publication() -> None:
    known = known_on(_obs({"2020-03-11": 1.0}), daily_index("2020-03-10", "2020-03-12"))
    assert np.isnan(known.loc["2020-03-11", "value"])
    assert known.loc["2020-03-12", "value"] == 1.0


def test_known_on_prefers_latest_vintage_but_not_before_it_exists() -> None:
    rows = pd.DataFrame(
        {
            "value": [100.0, 101.0, 200.0],
            "available_at": pd.to_datetime(["2025-11-25 18:00", "2026-01-10 18:00", "2025-12-23 18:00"]),
        },
        index=pd.DatetimeIndex(["2025-10-01", "2025-10-01", "2025-11-01"], name="date"),
    )
    known = known_on(rows, pd.DatetimeIndex(["2025-11-26", "2025-12-24", "2026-01-11"]))
    # October's first print; then November's print (newer date); the October revision does not
    # displace the newer November observation.
    assert known["value"].tolist() == [100.0, 200.0, 200.0]


def test_on_days_carries_exchange_closes_over_weekends_only_briefly() -> None:
    closes = pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2024-01-05", "2024-01-08"]))  # Fri, Mon
    days = daily_index("2024-01-05", "2024-01-20")
    carried = on_days(closes, days)
    assert carried.loc["2024-01-06"] == 1.0 and carried.loc["2024-01-07"] == 1.0
    assert carried.loc["2024-01-12"] == 2.0
    assert np.isnan(carried.loc["2024-01-13"])  # five days after the last close: stale


def test_session_index_is_union() -> None:
    a = pd.Series(1.0, index=pd.DatetimeIndex(["2024-01-02", "2024-01-04"]))
    b = pd.Series(1.0, index=pd.DatetimeIndex(["2024-01-03"]))
    assert list(session_index(a, b).strftime("%d")) == ["02", "03", "04"]


def test_resample_last_uses_last_known_value_in_period() -> None:
    daily = pd.Series(range(10), index=daily_index("2024-01-01", "2024-01-10"), dtype=float)
    weekly = resample_last(daily, "W")
    assert weekly.loc["2024-01-05"] == 4.0  # Friday 5 January
    assert weekly.loc["2024-01-12"] == 9.0


def test_known_on_goes_unknown_when_the_source_falls_silent() -> None:
    walcl = _obs({"2020-03-11": 1.0, "2020-03-18": 2.0})
    days = daily_index("2020-03-19", "2020-04-10")
    known = known_on(walcl, days, max_age_days=15)
    assert known.loc["2020-04-02", "value"] == 2.0  # published 19 March, 14 days earlier
    assert np.isnan(known.loc["2020-04-05", "value"])  # 17 days without a release
    assert known_on(walcl, days)["value"].notna().all()


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 1, 1)),
    length=st.integers(min_value=0, max_value=400),
    gaps=st.floats(min_value=0.0, max_value=0.9),
    seed=st.integers(min_value=0, max_value=2**31),
    freq=st.sampled_from(["W", "M"]),
    as_frame=st.booleans(),
)
def test_resample_last_equals_pandas_resample(
    start: dt.date, length: int, gaps: float, seed: int, freq: str, as_frame: bool
) -> None:
    rng = np.random.default_rng(seed)
    days = daily_index(start, start + dt.timedelta(days=length))
    kept = days[rng.random(len(days)) >= gaps * 0.5]  # missing days (weekends, holidays, outages)
    values = rng.normal(size=(len(kept), 2))
    values[rng.random(values.shape) < gaps] = np.nan  # and missing values
    frame: pd.Series | pd.DataFrame = pd.DataFrame(values, index=kept, columns=["a", "b"])
    if not as_frame:
        frame = frame["a"]
    rule = {"W": "W-FRI", "M": "ME"}[freq]
    expected = frame.resample(rule).last().dropna(how="all")
    got = resample_last(frame, freq)  # type: ignore[arg-type]
    if as_frame:
        pd.testing.assert_frame_equal(got, expected, check_freq=False)
    else:
        pd.testing.assert_series_equal(got, expected, check_freq=False)
