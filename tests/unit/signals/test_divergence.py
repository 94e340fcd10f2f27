"""Divergences: "anything but crypto" days and episodes, zig-zag turning points, BTC's lead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskcurve.data.calendar import daily_index, on_days
from riskcurve.data.store import Store
from riskcurve.signals.divergence import anything_but_crypto, divergence_events, early_warning, turning_points


def _series(values: list[float], start: str = "2024-01-01") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="D", name="date"), dtype=float)


# -- anything but crypto ---------------------------------------------------------------------


def test_near_high_is_within_the_band_below_the_record_to_date() -> None:
    small = _series([100, 98, 97.9, 101])
    flat = _series([1, 0.5, 0.5, 0.5])
    btc = _series([100, 80, 80, 80])
    frame = anything_but_crypto(small, flat, flat, btc, near_high_pct=0.02)
    assert frame["small_near_high"].tolist() == [True, True, False, True]  # 2% below counts, 2.1% not
    assert frame["small_below_high"].iloc[2] == pytest.approx(0.021)
    assert frame["btc_drawdown"].tolist() == pytest.approx([0.0, 0.2, 0.2, 0.2])
    assert frame["divergence"].tolist() == [False, True, False, True]


def test_metals_count_and_btc_must_be_down_enough() -> None:
    small = _series([100, 50, 50, 50])
    gold = _series([10, 10, 10, 9])
    silver = _series([5, 4, 4, 4])
    btc = _series([100, 95, 90, 80])
    frame = anything_but_crypto(small, gold, silver, btc, btc_drawdown=0.10)
    assert frame["metals_near_high"].tolist() == [True, True, True, False]
    assert frame["divergence"].tolist() == [False, False, True, False]  # 5% is not enough; day 4 gold fell


def test_unknown_closes_are_not_near_highs() -> None:
    small = _series([100, np.nan, 100])
    flat = _series([1, 0.5, 0.5])
    btc = _series([100, 50, np.nan])
    frame = anything_but_crypto(small, flat, flat, btc)
    assert frame["divergence"].tolist() == [False, False, False]


def test_the_conjunction_needs_small_caps_and_both_metals_at_highs_together() -> None:
    # The articles' "anything but crypto" is small caps AND metals at records while BTC falls;
    # any one of them near its high (the OR of `divergence`) is a far commoner thing.
    small = _series([100, 101, 90, 102, 103, np.nan])
    gold = _series([10, 11, 12, 9, 13, 14])
    silver = _series([5, 5.5, 6, 6.5, 4, 7])
    btc = _series([100, 80, 80, 80, 80, 80])
    frame = anything_but_crypto(small, gold, silver, btc)
    assert frame["divergence"].tolist() == [False, True, True, True, True, True]
    conjunction = frame["divergence_all"]
    assert conjunction.iloc[:5].tolist() == [False, True, False, False, False]  # day 1: BTC at its record
    assert conjunction.isna().tolist() == [False] * 5 + [True]  # an unknown close is no state


def test_anything_but_crypto_validates() -> None:
    series = _series([1.0, 2.0])
    with pytest.raises(ValueError, match="near_high_pct"):
        anything_but_crypto(series, series, series, series, near_high_pct=0.0)
    with pytest.raises(ValueError, match="btc must share the index"):
        anything_but_crypto(series, series, series, _series([1.0, 2.0], start="2025-01-01"))


def test_divergence_events_give_start_end_duration_and_drawdown() -> None:
    small = _series([100, 101, 102, 90, 90, 103, 104])
    flat = _series([1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    btc = _series([100, 88, 85, 85, 85, 80, 80])
    frame = anything_but_crypto(small, flat, flat, btc)
    events = divergence_events(frame)
    assert events["start"].tolist() == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-06")]
    assert events["end"].iloc[0] == pd.Timestamp("2024-01-03")
    assert pd.isna(events["end"].iloc[1])  # still open on the last row
    assert events["open"].tolist() == [False, True]
    assert events["duration_days"].tolist() == [2, 2]
    assert events["btc_drawdown_at_start"].tolist() == pytest.approx([0.12, 0.20])
    assert events["near_high_at_start"].iloc[0] == "small_caps"
    merged = divergence_events(frame, cooldown=5)
    assert len(merged) == 1
    assert merged["duration_days"].iloc[0] == 6
    assert merged["btc_drawdown_max"].iloc[0] == pytest.approx(0.20)


# -- turning points --------------------------------------------------------------------------


def test_turning_points_record_extreme_and_confirmation_dates() -> None:
    # Up to 120 on day 2 (less than 20% above 105), down to 96 (confirms the peak on day 4),
    # low 80 on day 5, back to 96 on day 7 (confirms the trough), new high 130, no 20% fall.
    close = _series([105, 110, 120, 100, 96, 80, 90, 96, 130, 110])
    points = turning_points(close, threshold=0.2)
    assert points["type"].tolist() == ["peak", "trough"]
    assert points["date"].tolist() == [pd.Timestamp("2024-01-03"), pd.Timestamp("2024-01-06")]
    assert points["confirmed"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-08")]
    assert points["price"].tolist() == [120.0, 80.0]
    assert points["confirm_price"].tolist() == [96.0, 96.0]
    assert points["change"].iloc[1] == pytest.approx(80 / 120 - 1)


def test_turning_points_may_start_with_a_trough() -> None:
    points = turning_points(_series([100, 90, 82, 85, 99, 90]), threshold=0.2)
    assert points["type"].tolist() == ["trough"]
    assert points["date"].iloc[0] == pd.Timestamp("2024-01-03")
    assert points["confirmed"].iloc[0] == pd.Timestamp("2024-01-05")


def test_turning_points_validate() -> None:
    with pytest.raises(ValueError, match="threshold"):
        turning_points(_series([1.0, 2.0]), threshold=1.5)
    with pytest.raises(ValueError, match="positive"):
        turning_points(_series([1.0, -2.0]))
    assert turning_points(_series([])).empty


def test_early_warning_lead_is_positive_when_btc_turns_first() -> None:
    days = pd.date_range("2020-01-01", periods=400, freq="D")
    shape = np.r_[np.linspace(100, 200, 100), np.linspace(200, 100, 100), np.linspace(100, 200, 200)]
    btc = pd.Series(shape, index=days)
    equity = btc.shift(10).iloc[10:]  # the same path, starting 10 days later
    table = early_warning(btc, equity, threshold=0.2)
    assert table["type"].tolist() == ["trough", "peak", "trough"]
    assert table["lead_days"].tolist() == [10.0, 10.0, 10.0]
    assert (table["btc_date"] < table["equity_date"]).all()
    unmatched = early_warning(btc, equity, threshold=0.2, max_gap_days=5)
    assert unmatched["lead_days"].isna().all()


# -- the real record -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def closes(filled_store_path: object) -> dict[str, pd.Series]:
    with Store(filled_store_path, read_only=True) as store:  # type: ignore[arg-type]
        return {symbol: store.prices(symbol)["close"] for symbol in ("RUT", "GOLD", "SILVER", "BTC")}


def test_january_2026_divergence_is_detected(closes: dict[str, pd.Series]) -> None:
    # Records from each series' start (RUT 1987): the days only set the calendar.
    days = daily_index("1987-09-10", "2026-02-20")
    frame = anything_but_crypto(*(on_days(closes[s], days) for s in ("RUT", "GOLD", "SILVER", "BTC")))
    # The Russell 2000's record closes of 21-22 January 2026, gold's record the same days.
    assert frame.loc["2026-01-22", "small_below_high"] == 0.0
    assert frame.loc["2026-01-22", "gold_near_high"]
    # BTC: about 97k on the 14th, about 88k on the 20th; ~28% below its October 2025 record.
    assert closes["BTC"].loc["2026-01-14"] == pytest.approx(96_929, rel=1e-3)
    assert closes["BTC"].loc["2026-01-20"] == pytest.approx(88_311, rel=1e-3)
    assert frame.loc["2026-01-20", "btc_drawdown"] == pytest.approx(0.292, abs=1e-3)
    assert frame.loc["2026-01-20":"2026-01-22", "divergence"].all()
    events = divergence_events(frame)
    episode = events[(events["start"] <= "2026-01-20") & (events["end"] >= "2026-01-22")]
    assert len(episode) == 1
    assert episode["start"].iloc[0] == pd.Timestamp("2026-01-05")
    assert episode["end"].iloc[0] == pd.Timestamp("2026-01-29")
    assert episode["btc_drawdown_at_start"].iloc[0] == pytest.approx(0.247, abs=1e-3)


def test_btc_versus_rut_turning_points_on_the_snapshot(closes: dict[str, pd.Series]) -> None:
    table = early_warning(closes["BTC"], closes["RUT"], threshold=0.2).set_index("equity_date")
    # The COVID low: BTC bottomed on 12 March 2020, the Russell 2000 on 18 March.
    assert table.loc["2020-03-18", "btc_date"] == pd.Timestamp("2020-03-12")
    assert table.loc["2020-03-18", "lead_days"] == 6.0
    # The November 2021 top: the same day.
    assert table.loc["2021-11-08", "lead_days"] == 0.0
    # BTC did not always lead: it topped 57 days after the Russell's November 2024 peak.
    assert table.loc["2024-11-25", "lead_days"] == -57.0
    # A confirmation comes weeks to months after the extreme.
    assert (table["equity_confirmed"] > table.index).all()
