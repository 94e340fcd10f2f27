"""Breakouts: hand-computed examples and golden dates from the real Russell 2000 snapshot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskcurve.signals.breakout import BreakoutParams, all_time_highs, breakout_events, breakout_signal


def _bars(close: list[float], high: list[float] | None = None, volume: list[float] | None = None) -> pd.DataFrame:
    index = pd.bdate_range("2024-01-01", periods=len(close), name="date")
    return pd.DataFrame(
        {
            "open": np.nan,
            "high": np.nan if high is None else high,
            "low": np.nan,
            "close": close,
            "volume": np.nan if volume is None else volume,
        },
        index=index,
    )


# --- all_time_highs -------------------------------------------------------------------------


def test_all_time_highs_by_hand() -> None:
    # Mon 2024-01-01 .. Wed 2024-01-10 (business days); position 4 only equals the record.
    bars = _bars(
        close=[10, 12, 11, 11.5, 12, 13, 9, 14],
        high=[10.5, np.nan, 12.5, 11.8, 12.2, 13.1, 9.5, 13.0],
    )
    result = all_time_highs(bars)
    assert result["close_ath"].tolist() == [10, 12, 12, 12, 12, 13, 13, 14]
    assert result["new_close_high"].tolist() == [False, True, False, False, False, True, False, True]
    # A missing high falls back to the close (12); a high below the close (13.0 < 14) too.
    assert result["high_ath"].tolist() == [10.5, 12, 12.5, 12.5, 12.5, 13.1, 13.1, 14]
    assert result["new_intraday_high"].tolist() == [False, True, True, False, False, True, False, True]
    # Equalling 12 at position 4 does not reset the base: 13 breaks out of a 4-session base.
    np.testing.assert_array_equal(result["base_length"].to_numpy(), [np.nan, 1, np.nan, np.nan, np.nan, 4, np.nan, 2])
    np.testing.assert_allclose(result["drawdown_close"], [0, 0, 11 / 12 - 1, 11.5 / 12 - 1, 0, 0, 9 / 13 - 1, 0])
    dates = bars.index
    assert result["close_ath_date"].tolist() == [dates[i] for i in (0, 1, 1, 1, 1, 5, 5, 7)]
    assert result["high_ath_date"].tolist() == [dates[i] for i in (0, 1, 2, 2, 2, 5, 5, 7)]
    # Calendar days: the record of Tue 2 Jan is 3 days old on Fri 5 Jan (position 4).
    assert result["days_since_close_high"].tolist() == [0, 0, 1, 2, 3, 0, 1, 0]


def test_all_time_highs_without_high_column_uses_close() -> None:
    bars = _bars([1.0, 3.0, 2.0]).drop(columns=["high"])
    result = all_time_highs(bars)
    assert result["high_ath"].tolist() == [1.0, 3.0, 3.0]


@pytest.mark.parametrize(
    ("bars", "error", "message"),
    [
        ([1, 2, 3], TypeError, "bars must be a pandas DataFrame"),
        (pd.DataFrame({"close": [1.0]}, index=[0]), TypeError, "DatetimeIndex"),
        (pd.DataFrame({"open": [1.0]}, index=pd.DatetimeIndex(["2020-01-01"])), ValueError, "close column"),
        (
            pd.DataFrame({"close": [1.0, 2.0]}, index=pd.DatetimeIndex(["2020-01-02", "2020-01-01"])),
            ValueError,
            "ascending",
        ),
        (
            pd.DataFrame({"close": [1.0, np.nan]}, index=pd.DatetimeIndex(["2020-01-01", "2020-01-02"])),
            ValueError,
            "missing closes; first on 2020-01-02",
        ),
        (pd.DataFrame({"close": [0.0]}, index=pd.DatetimeIndex(["2020-01-01"])), ValueError, "positive"),
    ],
)
def test_bad_bars_are_rejected(bars: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        all_time_highs(bars)  # type: ignore[arg-type]


# --- BreakoutParams -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"min_base": 0}, ValueError, "min_base must be an integer >= 1, got 0"),
        ({"confirm_closes": 0}, ValueError, "confirm_closes must be an integer >= 1"),
        ({"volume_window": -5}, ValueError, "volume_window must be an integer >= 1"),
        ({"min_base": 2.5}, TypeError, "min_base must be an integer"),
        ({"confirm_closes": True}, TypeError, "confirm_closes must be an integer"),
        ({"basis": "open"}, ValueError, "basis must be one of 'close', 'intraday', got 'open'"),
    ],
)
def test_params_are_validated(kwargs: dict[str, object], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        BreakoutParams(**kwargs)  # type: ignore[arg-type]


def test_params_must_be_breakout_params() -> None:
    with pytest.raises(TypeError, match="params must be a BreakoutParams"):
        breakout_signal(_bars([1.0, 2.0]), {"min_base": 3})  # type: ignore[arg-type]


# --- breakout_signal ------------------------------------------------------------------------

# Positions:        0    1   2   3   4    5   6    7    8    9    10     11  12   13
EPISODES = [100, 95, 96, 97, 101, 99, 102, 103, 100, 101, 101.5, 90, 104, 105]


def test_breakout_signal_by_hand() -> None:
    bars = _bars(EPISODES)
    params = BreakoutParams(min_base=4, confirm_closes=2, volume_window=2)
    result = breakout_signal(bars, params)
    # 101 ends a 4-session base (record of 100 at position 0); 102 and 103 have short bases.
    # 103 (position 7) is the last record; at position 11 four sessions have passed without a
    # new high, so the episode is over and 104 at position 12 is a new breakout from a 5-session base.
    assert np.flatnonzero(result["breakout"]).tolist() == [4, 12]
    assert np.flatnonzero(result["in_episode"]).tolist() == [4, 5, 6, 7, 8, 9, 10, 12, 13]
    expected_old = [np.nan] * 4 + [100.0] * 7 + [np.nan, 103.0, 103.0]
    np.testing.assert_array_equal(result["old_high"].to_numpy(), expected_old)
    expected_base = [np.nan] * 4 + [4.0] * 7 + [np.nan, 5.0, 5.0]
    np.testing.assert_array_equal(result["base_length"].to_numpy(), expected_base)
    # Closes above 100: 4 | 6 7 | 9 10 (99 and the tie at 100 break the run). Two in a row first
    # at 7: confirmed there; price discovery ends at the tie (8) and returns with 9-10.
    assert np.flatnonzero(result["confirmed"]).tolist() == [7, 8, 9, 10, 13]
    assert np.flatnonzero(result["in_price_discovery"]).tolist() == [7, 10, 13]
    np.testing.assert_allclose(result["distance_above_old_high"].iloc[4:11], np.array(EPISODES[4:11]) / 100 - 1)
    # Calendar days: position 4 is Fri 5 Jan 2024, 5 is Mon 8 Jan, 12 is Wed 17 Jan.
    since = result["days_since_breakout"].to_numpy()
    np.testing.assert_array_equal(since[:4], [np.nan] * 4)
    assert since[4:].tolist() == [0, 3, 4, 5, 6, 7, 10, 11, 0, 1]


def test_a_new_breakout_restarts_the_count_of_closes() -> None:
    # With min_base=1 every new high is a breakout: 11 breaks 10, then 12 breaks 11. The close
    # of 11 was above the first old high, but 12 opens a new episode whose count starts at 1.
    bars = _bars([10.0, 11.0, 12.0])
    two = breakout_signal(bars, BreakoutParams(min_base=1, confirm_closes=2))
    assert two["breakout"].tolist() == [False, True, True]
    assert two["old_high"].tolist()[1:] == [10.0, 11.0]
    assert not two["confirmed"].any()
    one = breakout_signal(bars, BreakoutParams(min_base=1, confirm_closes=1))
    assert one["confirmed"].tolist() == [False, True, True]
    events = breakout_events(bars, BreakoutParams(min_base=1, confirm_closes=1))
    assert events["confirmed_date"].tolist() == list(bars.index[1:])
    assert events["sessions_to_confirm"].tolist() == [0.0, 0.0]


def test_volume_ratio_excludes_today_and_skips_unreported_volumes() -> None:
    bars = _bars([1.0, 2.0, 3.0, 4.0, 5.0], volume=[10, 20, 30, 0, 40])
    ratio = breakout_signal(bars, BreakoutParams(volume_window=2))["volume_ratio"].to_numpy()
    # Window 2 needs one reported volume; 0 is "not reported", so position 4 divides by 30 alone.
    np.testing.assert_allclose(ratio, [np.nan, 20 / 10, 30 / 15, np.nan, 40 / 30])
    no_volume = breakout_signal(bars.drop(columns=["volume"]))
    assert no_volume["volume_ratio"].isna().all()


# --- intraday versus close ------------------------------------------------------------------

# Position 1 is a one-day intraday spike at the top (like RUT's 2000-03-10); the intraday high
# breaks out of its own base at 5, two sessions before the close does at 7.
SPLIT_CLOSE = [100, 99, 95, 96, 97, 98, 99.5, 101, 102]
SPLIT_HIGH = [101, 103, 96, 97, 98, 103.5, 100, 102, 103]


def test_close_and_intraday_breakouts_are_told_apart() -> None:
    bars = _bars(SPLIT_CLOSE, high=SPLIT_HIGH)
    dates = bars.index
    on_close = breakout_events(bars, BreakoutParams(min_base=4, confirm_closes=2))
    assert on_close.index.tolist() == [dates[7]]
    event = on_close.iloc[0]
    assert event["base_length"] == 7
    assert event["base_start"] == dates[0]
    assert event["old_high"] == 100
    assert event["close_high_date"] == dates[7]
    # Not the spike at position 1 (which only extended the top), but the breakout at 5.
    assert event["intraday_high_date"] == dates[5]
    assert event["confirmed_date"] == dates[8]
    assert event["sessions_to_confirm"] == 1

    intraday = breakout_events(bars, BreakoutParams(min_base=4, confirm_closes=2, basis="intraday"))
    assert intraday.index.tolist() == [dates[5]]
    event = intraday.iloc[0]
    assert (event["base_length"], event["base_start"], event["old_high"]) == (4, dates[1], 103)
    assert event["intraday_high_date"] == dates[5]
    assert event["close_high_date"] == dates[7]
    # No close ever got above the intraday record of 103.
    assert pd.isna(event["confirmed_date"])
    assert np.isnan(event["sessions_to_confirm"])

    # Seen on the day of the intraday breakout, the close has not broken out yet.
    early = breakout_events(bars.iloc[:6], BreakoutParams(min_base=4, confirm_closes=2, basis="intraday"))
    assert pd.isna(early.iloc[0]["close_high_date"])


def test_no_breakout_gives_empty_typed_events() -> None:
    bars = _bars([5.0, 4.0, 3.0])
    events = breakout_events(bars)
    assert events.empty
    assert events.index.name == "date"
    assert str(events["confirmed_date"].dtype).startswith("datetime64")
    assert not breakout_signal(bars)["breakout"].any()


# --- golden: the real Russell 2000 ------------------------------------------------------------


@pytest.fixture(scope="module")
def rut(snapshot_root: Path) -> pd.DataFrame:
    return pd.read_csv(snapshot_root / "prices" / "RUT.csv", index_col="date", parse_dates=["date"])


def _record_dates(levels: pd.Series) -> list[pd.Timestamp]:
    """Plain loop: the dates whose level beat every earlier one."""
    best = levels.iloc[0]
    found = []
    for date, level in levels.iloc[1:].items():
        if level > best:
            found.append(date)
            best = level
    return found


def _breakouts_by_loop(levels: pd.Series, min_base: int) -> list[tuple[pd.Timestamp, int, pd.Timestamp]]:
    best, best_at = levels.iloc[0], 0
    found = []
    for position in range(1, len(levels)):
        if levels.iloc[position] > best:
            if position - best_at >= min_base:
                found.append((levels.index[position], position - best_at, levels.index[best_at]))
            best, best_at = levels.iloc[position], position
    return found


def test_rut_closing_records_match_a_plain_loop(rut: pd.DataFrame) -> None:
    result = all_time_highs(rut)
    assert list(result.index[result["new_close_high"]]) == _record_dates(rut["close"])
    assert list(result.index[result["new_intraday_high"]]) == _record_dates(rut["high"])
    # The late-2021 closing high and the day the close first got past it.
    assert rut.loc["2021-11-08", "close"] == pytest.approx(2442.74, abs=0.005)
    assert result.loc["2025-09-17", "close_ath_date"] == pd.Timestamp("2021-11-08")
    assert result.loc["2025-09-17", "close_ath"] == rut.loc["2021-11-08", "close"]
    assert result.loc["2025-09-18", "new_close_high"]
    assert result.loc["2025-09-18", "base_length"] == 968


def test_rut_breakouts_at_min_base_250(rut: pd.DataFrame) -> None:
    events = breakout_events(rut, BreakoutParams(min_base=250))
    expected = _breakouts_by_loop(rut["close"], 250)
    assert [
        (d, int(b), s) for d, b, s in zip(events.index, events["base_length"], events["base_start"], strict=True)
    ] == expected
    assert [d.strftime("%Y-%m-%d") for d in events.index] == [
        "1989-06-02",
        "1991-10-16",
        "1995-05-16",
        "1999-12-29",
        "2004-04-05",
        "2011-04-27",
        "2013-01-02",
        "2016-11-14",
        "2020-11-13",
        "2025-09-18",
    ]
    # The breakout that ended the 2021-11 base: closing high 2442.74 of 2021-11-08, broken
    # intraday on 2024-11-25 (high 2466.49 > 2458.86) and on close on 2025-09-18 (2467.70).
    last = events.loc["2025-09-18"]
    assert last["base_start"] == pd.Timestamp("2021-11-08")
    assert last["old_high"] == rut.loc["2021-11-08", "close"]
    assert last["close_high_date"] == pd.Timestamp("2025-09-18")
    assert last["intraday_high_date"] == pd.Timestamp("2024-11-25")
    # Closes 2467.70, 2448.77, 2463.33 on 18, 19, 22 September: three above 2442.74.
    assert last["confirmed_date"] == pd.Timestamp("2025-09-22")
    # 2004: the close broke its March 2000 high in April, the intraday high (614.16 of
    # 2000-03-10, the session after the closing record) only in November.
    assert events.loc["2004-04-05", "intraday_high_date"] == pd.Timestamp("2004-11-11")

    intraday = breakout_events(rut, BreakoutParams(min_base=250, basis="intraday"))
    assert [
        (d, int(b), s) for d, b, s in zip(intraday.index, intraday["base_length"], intraday["base_start"], strict=True)
    ] == (_breakouts_by_loop(rut["high"], 250))
    nov = intraday.loc["2024-11-25"]
    assert nov["base_start"] == pd.Timestamp("2021-11-08")
    assert nov["old_high"] == rut.loc["2021-11-08", "high"]
    assert nov["close_high_date"] == pd.Timestamp("2025-09-18")


def test_rut_price_discovery_in_january_2026(rut: pd.DataFrame) -> None:
    signal = breakout_signal(rut, BreakoutParams(min_base=250))
    # 2025-09-24 closed at 2434.98, back below the 2021 high; 2026-01-22 set the closing record.
    assert signal.loc["2025-09-22", "in_price_discovery"]
    assert not signal.loc["2025-09-24", "in_price_discovery"]
    assert signal.loc["2025-09-24", "confirmed"]
    assert signal.loc["2026-01-22", "in_price_discovery"]
    assert signal.loc["2026-01-22", "old_high"] == rut.loc["2021-11-08", "close"]
