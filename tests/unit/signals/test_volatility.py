"""Realized volatility, its expanding (point-in-time) percentile and record lows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from riskcurve.data.store import Store
from riskcurve.signals.volatility import realized_volatility


def _close_from_returns(returns: np.ndarray, start: str = "2020-01-01") -> pd.Series:
    index = pd.date_range(start, periods=len(returns) + 1, freq="D", name="date")
    return pd.Series(100.0 * np.exp(np.concatenate([[0.0], np.cumsum(returns)])), index=index)


def test_alternating_returns_have_a_known_volatility() -> None:
    a = 0.01
    close = _close_from_returns(np.tile([a, -a], 50))
    frame = realized_volatility(close, windows=(10,), periods_per_year=365, min_history=0)
    # Ten returns alternating +a/-a: mean 0, sample std a*sqrt(10/9).
    expected = a * math.sqrt(10 / 9) * math.sqrt(365)
    assert frame["vol_10d"].iloc[10:].to_numpy() == pytest.approx(expected)
    assert frame["vol_10d"].iloc[:10].isna().all()  # needs all ten returns


def test_matches_a_brute_force_computation() -> None:
    rng = np.random.default_rng(7)
    close = _close_from_returns(rng.normal(0, 0.03, 400) * np.linspace(0.5, 2, 400))
    frame = realized_volatility(close, windows=(20, 60), periods_per_year=252, min_history=50)
    log_returns = np.diff(np.log(close.to_numpy()))
    for window in (20, 60):
        vol = np.full(len(close), np.nan)
        for t in range(window, len(close)):
            vol[t] = np.std(log_returns[t - window : t], ddof=1) * math.sqrt(252)
        np.testing.assert_allclose(frame[f"vol_{window}d"].to_numpy(), vol, rtol=1e-9)
        percentile = np.full(len(close), np.nan)
        record = np.zeros(len(close), dtype=bool)
        for t in range(window, len(close)):
            history = vol[window : t + 1]
            percentile[t] = np.mean(history <= vol[t])
            earlier = vol[window:t]
            record[t] = len(earlier) >= 50 and bool(np.all(vol[t] < earlier))
        np.testing.assert_allclose(frame[f"percentile_{window}d"].to_numpy(), percentile, rtol=1e-12)
        np.testing.assert_array_equal(frame[f"record_low_{window}d"].to_numpy(), record)


def test_percentile_is_not_the_full_sample_rank() -> None:
    # Volatility rises all along: each day is the highest so far (percentile 1), although on
    # the full sample the early days rank lowest.
    rng = np.random.default_rng(3)
    close = _close_from_returns(rng.normal(0, 1, 300) * np.geomspace(0.001, 0.1, 300))
    frame = realized_volatility(close, windows=(5,), min_history=0)
    late = frame["percentile_5d"].iloc[150:]
    assert late.mean() > 0.9
    full_sample = frame["vol_5d"].rank(pct=True)
    assert full_sample.iloc[150:].mean() < late.mean()


def test_record_lows_need_history() -> None:
    returns = np.tile([0.02, -0.02], 100) * np.linspace(1, 0.1, 200)  # volatility falls steadily
    close = _close_from_returns(returns)
    strict = realized_volatility(close, windows=(10,), min_history=150)["record_low_10d"]
    loose = realized_volatility(close, windows=(10,), min_history=5)["record_low_10d"]
    assert loose.sum() > strict.sum() > 0
    first_value = 10  # first row with a volatility
    assert not strict.iloc[: first_value + 150].any()
    assert strict.dtype == bool


def test_gaps_make_nan_not_errors() -> None:
    close = _close_from_returns(np.full(60, 0.01) * np.resize([1, -1], 60))
    close.iloc[30] = np.nan
    frame = realized_volatility(close, windows=(5,), min_history=0)
    assert frame["vol_5d"].iloc[30:36].isna().all()  # every window touching the gap
    assert frame["percentile_5d"].iloc[30:36].isna().all()
    assert frame["vol_5d"].iloc[36:].notna().all()


def test_bad_arguments() -> None:
    close = _close_from_returns(np.zeros(20))
    with pytest.raises(TypeError, match="Series"):
        realized_volatility(close.to_frame())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="windows"):
        realized_volatility(close, windows=(1,))
    with pytest.raises(ValueError, match="windows"):
        realized_volatility(close, windows=(5, 5))
    with pytest.raises(ValueError, match="periods_per_year"):
        realized_volatility(close, periods_per_year=0)
    with pytest.raises(ValueError, match="positive"):
        realized_volatility(close - 100)
    with pytest.raises(ValueError, match="ascending"):
        realized_volatility(close.iloc[::-1])


def test_snapshot_btc_volatility(filled_store: Store) -> None:
    close = filled_store.prices("BTC")["close"]
    frame = realized_volatility(close)
    assert list(frame.columns) == [
        "vol_30d",
        "vol_90d",
        "percentile_30d",
        "percentile_90d",
        "record_low_30d",
        "record_low_90d",
    ]
    percentile = frame["percentile_30d"].dropna()
    assert len(percentile) > 4_000
    assert percentile.between(0, 1).all()
    vol = frame["vol_30d"].dropna()
    assert 0.05 < vol.min() < vol.median() < vol.max() < 5
    # January 2026: calm by BTC's standards (the thesis' "record-low volatility" claim is checked elsewhere).
    assert frame.loc["2026-01-15", "percentile_30d"] < 0.5
