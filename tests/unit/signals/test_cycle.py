"""The halving cycle: schedule, heights, issuance, overlays and window returns."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from riskcurve.data.store import Store
from riskcurve.errors import InsufficientDataWarning
from riskcurve.signals.cycle import (
    GENESIS,
    HALVING_ANCHORS,
    MAX_SUPPLY_SATS,
    cycle_overlay,
    estimated_height,
    halving_dates,
    halving_window_returns,
    halvings,
    issuance,
    subsidy_at_height,
    supply_at_height,
)


@pytest.mark.parametrize(
    ("height", "subsidy"),
    [
        (0, 50.0),
        (209_999, 50.0),
        (210_000, 25.0),
        (839_999, 6.25),
        (840_000, 3.125),
        (1_050_000, 1.5625),
        (32 * 210_000, 1e-8),  # 5e9 >> 32 == 1 satoshi
        (33 * 210_000, 0.0),
        (64 * 210_000, 0.0),
        (10**9, 0.0),
    ],
)
def test_subsidy_follows_the_right_shift(height: int, subsidy: float) -> None:
    assert subsidy_at_height(height) == subsidy


def test_subsidy_truncates_in_satoshis() -> None:
    # Epoch 10: 5e9 >> 10 = 4,882,812 sat (4,882,812.5 truncated), not 50 / 1024 BTC.
    assert subsidy_at_height(10 * 210_000) == 4_882_812 / 1e8
    assert subsidy_at_height(10 * 210_000) != 50 / 1024


def test_supply_at_height_sums_the_blocks_below() -> None:
    assert supply_at_height(0) == 0.0
    assert supply_at_height(1) == 50.0
    assert supply_at_height(210_000) == 10_500_000.0
    assert supply_at_height(210_001) == 10_500_025.0
    assert supply_at_height(840_000) == 19_687_500.0
    assert supply_at_height(10**9) == MAX_SUPPLY_SATS / 1e8
    assert MAX_SUPPLY_SATS == 2_099_999_997_690_000


@pytest.mark.parametrize("bad", [-1, -210_000])
def test_negative_height_is_rejected(bad: int) -> None:
    with pytest.raises(ValueError, match="height must be >= 0"):
        supply_at_height(bad)
    with pytest.raises(ValueError, match="height"):
        subsidy_at_height(bad)


@pytest.mark.parametrize("bad", [1.5, "840000", True])
def test_non_integer_height_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="height"):
        supply_at_height(bad)  # type: ignore[arg-type]


def test_estimated_height_is_exact_at_the_anchors_and_144_a_day_after() -> None:
    assert estimated_height(GENESIS) == 0
    for height, date in HALVING_ANCHORS:
        assert estimated_height(date) == height
        assert estimated_height(date - pd.Timedelta(days=1)) < height
    last_height, last_date = HALVING_ANCHORS[-1]
    assert estimated_height(last_date + pd.Timedelta(days=10)) == last_height + 1440
    with pytest.raises(ValueError, match="genesis"):
        estimated_height("2008-12-31")


def test_halvings_table() -> None:
    table = halvings()
    assert list(table.columns) == ["height", "date", "subsidy_after", "supply", "estimated"]
    past = table[~table["estimated"]]
    assert list(past["height"]) == [210_000, 420_000, 630_000, 840_000]
    assert list(past["date"]) == [pd.Timestamp(d) for d in ("2012-11-28", "2016-07-09", "2020-05-11", "2024-04-20")]
    assert list(past["subsidy_after"]) == [25.0, 12.5, 6.25, 3.125]
    nxt = table.loc[5]
    assert nxt["height"] == 1_050_000 and bool(nxt["estimated"]) and nxt["date"].year == 2028
    assert table["date"].is_monotonic_increasing
    assert table["subsidy_after"].iloc[-1] == 0.0 and table["subsidy_after"].iloc[-2] > 0
    assert len(halving_dates()) == 4
    assert len(halving_dates(estimated=True)) == len(table)


def test_estimated_halving_dates_agree_with_the_issuance_epochs() -> None:
    estimated = halvings().query("estimated")["date"].iloc[:3]
    before = issuance(pd.DatetimeIndex(estimated) - pd.Timedelta(days=1))
    on = issuance(pd.DatetimeIndex(estimated))
    assert (on["halving_epoch"].to_numpy() == before["halving_epoch"].to_numpy() + 1).all()
    assert (on["days_since_halving"] == 0).all()
    assert (before["days_to_next_halving"] == 1).all()


def test_issuance_around_the_2024_halving() -> None:
    frame = issuance(["2024-04-19", "2024-04-20", "2024-04-21"])
    before, on, after = (frame.iloc[i] for i in range(3))
    assert before["subsidy"] == 6.25 and before["halving_epoch"] == 3
    assert on["subsidy"] == 3.125 and on["halving_epoch"] == 4 and on["days_since_halving"] == 0
    assert on["height_est"] == 840_000 and on["supply"] == 19_687_500.0
    assert after["days_since_halving"] == 1
    assert on["annual_issuance"] == 3.125 * 144 * 365
    assert on["supply_inflation"] == pytest.approx(164_250 / 19_687_500)
    assert on["share_mined"] == pytest.approx(0.9375)
    assert before["supply_inflation"] == pytest.approx(0.0167, abs=5e-4)


def test_issuance_frame_shape_and_ranges() -> None:
    days = pd.date_range(GENESIS, "2040-12-31", freq="D")
    frame = issuance(days)
    assert frame.index.equals(days.rename("date"))
    assert list(frame.columns) == [
        "height_est",
        "subsidy",
        "supply",
        "annual_issuance",
        "supply_inflation",
        "share_mined",
        "halving_epoch",
        "days_since_halving",
        "days_to_next_halving",
        "cycle_progress",
    ]
    assert frame["height_est"].is_monotonic_increasing
    assert frame["supply"].is_monotonic_increasing
    assert frame["cycle_progress"].between(0, 1, inclusive="left").all()
    assert (frame["days_since_halving"] >= 0).all()
    assert math.isnan(frame["supply_inflation"].iloc[0])  # zero supply on the genesis day
    assert frame["supply_inflation"].iloc[1:].is_monotonic_decreasing


def test_days_to_next_halving_is_the_schedule_estimate_of_the_day() -> None:
    # On 2022-01-01 nobody knew the halving would come on 2024-04-20: the column says what
    # 144 blocks a day from that day's height gave.
    row = issuance(["2022-01-01"]).iloc[0]
    expected = math.ceil((840_000 - row["height_est"]) / 144)
    assert row["days_to_next_halving"] == expected
    assert row["days_since_halving"] == (pd.Timestamp("2022-01-01") - pd.Timestamp("2020-05-11")).days


def test_issuance_rejects_dates_before_genesis_and_non_dates() -> None:
    with pytest.raises(ValueError, match="genesis"):
        issuance(["2008-01-01", "2010-01-01"])
    with pytest.raises(TypeError, match="dates"):
        issuance([object()])  # type: ignore[list-item]


def _synthetic_close(start: str, end: str) -> pd.Series:
    index = pd.date_range(start, end, freq="D", name="date")
    return pd.Series(100.0 * np.exp(0.001 * np.arange(len(index))), index=index)


def test_cycle_overlay_values_and_end() -> None:
    close = _synthetic_close("2020-01-01", "2020-12-31")
    anchors = pd.DatetimeIndex(["2020-03-01", "2020-12-01"])
    overlay = cycle_overlay(close, anchors, horizon_days=60)
    assert list(overlay.index) == list(range(61))
    assert overlay.index.name == "days_since_anchor"
    assert overlay.columns.equals(pd.DatetimeIndex(anchors, name="anchor"))
    first = overlay[anchors[0]]
    assert first.iloc[0] == 0.0
    assert first.iloc[30] == pytest.approx(math.exp(0.03) - 1)
    second = overlay[anchors[1]]
    assert second.iloc[:31].notna().all()  # through 2020-12-31, the last close
    assert second.iloc[31:].isna().all()  # never past it


def test_cycle_overlay_uses_last_close_on_or_before() -> None:
    close = _synthetic_close("2020-01-01", "2020-03-31")
    sparse = close[close.index.day_of_week < 5]  # weekdays only
    overlay = cycle_overlay(sparse, pd.DatetimeIndex(["2020-01-03"]), horizon_days=3)  # a Friday
    column = overlay.iloc[:, 0]
    assert column.iloc[1] == 0.0 and column.iloc[2] == 0.0  # weekend: Friday's close
    assert column.iloc[3] == pytest.approx(math.exp(0.003) - 1)


def test_cycle_overlay_warns_for_an_anchor_before_the_data() -> None:
    close = _synthetic_close("2013-04-29", "2014-12-31")
    with pytest.warns(InsufficientDataWarning, match="2012-11-28"):
        overlay = cycle_overlay(close, halving_dates()[:1], horizon_days=10)
    assert overlay.iloc[:, 0].isna().all()


def test_cycle_overlay_rejects_bad_input() -> None:
    close = _synthetic_close("2020-01-01", "2020-02-01")
    with pytest.raises(ValueError, match="horizon_days"):
        cycle_overlay(close, ["2020-01-05"], horizon_days=-1)
    with pytest.raises(TypeError, match="Series"):
        cycle_overlay(close.to_frame(), ["2020-01-05"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive"):
        cycle_overlay(close - 200, ["2020-01-05"])


def test_halving_window_returns_on_synthetic_prices() -> None:
    close = _synthetic_close("2013-04-29", "2026-08-20")
    table = halving_window_returns(close, as_of="2026-01-15")
    assert list(table.index) == list(halving_dates())
    elapsed = (pd.Timestamp("2026-01-15") - pd.Timestamp("2024-04-20")).days
    assert (table["days"] == elapsed).all()
    assert table["end_date"].iloc[-1] == pd.Timestamp("2026-01-15")
    # The 2012 halving predates the data: NaN and a note, not a guess.
    assert math.isnan(table["return"].iloc[0]) and "2012-11-28" in table["note"].iloc[0]
    assert "2013-04-29" in table["note"].iloc[0]
    for _, row in table.iloc[1:].iterrows():
        assert row["return"] == pytest.approx(math.exp(0.001 * elapsed) - 1)
        assert row["multiple"] == pytest.approx(row["return"] + 1)
        assert row["note"] == ""


def test_halving_window_returns_ignores_prices_after_as_of() -> None:
    close = _synthetic_close("2013-04-29", "2026-08-20")
    changed = close.copy()
    changed.loc["2026-01-16":] *= 3
    a = halving_window_returns(close, as_of="2026-01-15")
    b = halving_window_returns(changed, as_of="2026-01-15")
    pd.testing.assert_frame_equal(a, b)
    default = halving_window_returns(close.loc[:"2026-01-15"])
    pd.testing.assert_frame_equal(a, default)


def test_halving_window_returns_before_the_first_halving_is_an_error() -> None:
    with pytest.raises(ValueError, match="before the first halving"):
        halving_window_returns(_synthetic_close("2010-01-01", "2012-01-01"), as_of="2012-01-01")


def test_snapshot_halving_windows_at_2026_01_15(filled_store: Store) -> None:
    close = filled_store.prices("BTC")["close"]
    table = halving_window_returns(close, as_of="2026-01-15")
    assert math.isnan(table.loc["2012-11-28", "return"])
    assert "2013-04-29" in table.loc["2012-11-28", "note"]
    latest = table.loc["2024-04-20"]
    assert 60_000 < latest["start_close"] < 70_000  # "from the April 2024 halving (~63k)"
    assert 0.3 < latest["return"] < 0.6  # "+~50%"
    assert table.loc["2020-05-11", "multiple"] > 4  # "roughly 5x"
    assert table.loc["2016-07-09", "multiple"] > 5
