"""Stablecoin supply and its 4- and 13-week change: hand-computed values, gaps, no look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskcurve.signals.stablecoins import COLUMNS, supply_changes


def _supply(start: str, values: list[float]) -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="D"), name="STABLECOINS")


def test_changes_are_taken_28_and_91_calendar_days_back() -> None:
    # Supply rises by 0.1 bn a day from 100 bn: after 91 days the 13-week change is 9.1 bn.
    supply = _supply("2024-01-01", [100e9 + 0.1e9 * i for i in range(120)])
    out = supply_changes(supply)

    assert list(out.columns) == list(COLUMNS)
    last = out.iloc[-1]  # day 119
    assert last["stablecoin_supply"] == pytest.approx(111.9)
    assert last["stablecoin_chg_4w"] == pytest.approx(2.8)
    assert last["stablecoin_chg_13w"] == pytest.approx(9.1)
    assert last["stablecoin_pct_4w"] == pytest.approx(111.9 / 109.1 - 1)
    assert last["stablecoin_pct_13w"] == pytest.approx(111.9 / 102.8 - 1)
    # Not enough history yet: NaN, not a change from zero.
    assert out["stablecoin_chg_4w"].iloc[:28].isna().all() and pd.notna(out["stablecoin_chg_4w"].iloc[28])
    assert out["stablecoin_chg_13w"].iloc[:91].isna().all() and pd.notna(out["stablecoin_chg_13w"].iloc[91])


def test_missing_days_are_unknown_not_shifted() -> None:
    supply = _supply("2024-01-01", [100e9 + 1e9 * i for i in range(40)]).drop(pd.Timestamp("2024-01-03"))
    out = supply_changes(supply)
    # 2024-01-31 looks 28 days back to 2024-01-03, which is missing: unknown.
    assert np.isnan(out.loc["2024-01-31", "stablecoin_chg_4w"])
    # 2024-02-01 (131 bn) looks back to 2024-01-04 (103 bn), present: +28 bn.
    assert out.loc["2024-02-01", "stablecoin_chg_4w"] == pytest.approx(28.0)


def test_a_later_value_never_changes_an_earlier_row() -> None:
    rng = np.random.default_rng(7)
    supply = _supply("2023-01-01", list(150e9 * np.exp(np.cumsum(rng.normal(0, 0.002, 400)))))
    full = supply_changes(supply)
    cut = supply_changes(supply.iloc[:250])
    pd.testing.assert_frame_equal(full.iloc[:250], cut)


@pytest.mark.parametrize(
    ("supply", "error", "message"),
    [
        ([1.0, 2.0], TypeError, "supply must be a pandas Series on a DatetimeIndex"),
        (pd.Series([1e9], index=[0]), TypeError, "on a DatetimeIndex"),
        (_supply("2024-01-01", [1e9, 2e9]).iloc[::-1], ValueError, "strictly increasing"),
        (_supply("2024-01-01", [1e9, 0.0]), ValueError, "supply must be positive, got 0.0 on 2024-01-02"),
    ],
)
def test_bad_input_is_named(supply: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        supply_changes(supply)  # type: ignore[arg-type]


def test_windows_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="0 < short_days < long_days, got 91 and 28"):
        supply_changes(_supply("2024-01-01", [1e9] * 5), short_days=91, long_days=28)
