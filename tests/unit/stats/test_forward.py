"""Forward returns: entry at the next bar's close, exact values, calendars, validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskcurve.stats.forward import (
    align_events,
    baseline_quantiles,
    cumulative_paths,
    forward_returns,
)


def _close(values: list[float], start: str = "2024-01-01", freq: str = "D") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq=freq, name="date"), name="X")


def test_forward_returns_enter_at_the_next_close() -> None:
    close = _close([100.0, 50.0, 110.0, 121.0, 99.0])
    frame = forward_returns(close, [1, 2], kind="simple")
    # Row 0: entry at bar 1 (50), exits at bar 2 (110) and bar 3 (121); the 100 -> 50 move is not counted.
    assert frame.loc["2024-01-01", 1] == pytest.approx(110 / 50 - 1)
    assert frame.loc["2024-01-01", 2] == pytest.approx(121 / 50 - 1)
    assert frame.loc["2024-01-02", 2] == pytest.approx(99 / 110 - 1)
    # h + 1 rows at the end have no exit inside the data.
    assert frame[1].isna().sum() == 2 and frame[2].isna().sum() == 3
    assert list(frame.columns) == [1, 2]
    assert frame.index.equals(close.index)


def test_log_and_simple_agree() -> None:
    rng = np.random.default_rng(3)
    close = _close(list(100 * np.exp(np.cumsum(rng.normal(0, 0.02, 300)))))
    log = forward_returns(close, [5, 21])
    simple = forward_returns(close, (21, 5), kind="simple")
    assert np.allclose(np.exp(log.to_numpy()) - 1, simple[[5, 21]].to_numpy(), equal_nan=True)
    expected = np.log(close.shift(-22) / close.shift(-1))
    pd.testing.assert_series_equal(log[21], expected, check_names=False)


def test_short_series_is_all_nan() -> None:
    frame = forward_returns(_close([1.0, 2.0, 3.0]), [2])
    assert frame[2].isna().all()


@pytest.mark.parametrize(
    ("close", "horizons", "kind", "error", "match"),
    [
        ([1.0, 2.0], [1], "log", TypeError, "pandas Series"),
        (pd.Series([1.0, 2.0]), [1], "log", TypeError, "DatetimeIndex"),
        (_close([1.0, np.nan, 2.0]), [1], "log", ValueError, "missing closes; first on 2024-01-02"),
        (_close([1.0, 0.0, 2.0]), [1], "log", ValueError, "positive"),
        (_close([1.0, 2.0]), [0], "log", ValueError, "positive integers"),
        (_close([1.0, 2.0]), [True], "log", ValueError, "positive integers"),
        (_close([1.0, 2.0]), [3, 3], "log", ValueError, "distinct"),
        (_close([1.0, 2.0]), [], "log", ValueError, "empty"),
        (_close([1.0, 2.0]), "21", "log", TypeError, "sequence"),
        (_close([1.0, 2.0]), [1], "pct", ValueError, "'log', 'simple'"),
    ],
)
def test_bad_input_is_named(close: object, horizons: object, kind: str, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        forward_returns(close, horizons, kind=kind)  # type: ignore[arg-type]


def test_unsorted_dates_are_rejected() -> None:
    close = _close([1.0, 2.0, 3.0]).iloc[::-1]
    with pytest.raises(ValueError, match="ascending"):
        forward_returns(close, [1])


def test_align_events_same_calendar() -> None:
    index = pd.bdate_range("2024-01-01", "2024-03-29", name="date")
    placed = align_events(["2024-01-10", "2024-01-10", "2024-01-01"], index)
    assert list(placed.index) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-10")]
    row = placed.loc["2024-01-10"]
    assert row["status"] == "ok"
    assert row["bar"] == pd.Timestamp("2024-01-10") and row["entry"] == pd.Timestamp("2024-01-11")
    assert row["position"] == index.get_loc(pd.Timestamp("2024-01-10"))
    # An event on the target's first bar is measurable.
    assert placed.loc["2024-01-01", "status"] == "ok"


def test_align_events_across_calendars() -> None:
    sessions = pd.bdate_range("2024-01-01", "2024-03-29", name="date")
    days = pd.date_range("2024-01-01", "2024-03-31", name="date")
    # A Saturday (crypto) event on an exchange target: the row is Friday, entry on Monday.
    weekend = align_events(["2024-01-13"], sessions).iloc[0]
    assert weekend["bar"] == pd.Timestamp("2024-01-12") and weekend["entry"] == pd.Timestamp("2024-01-15")
    # A Friday exchange event on a crypto target enters at Saturday's close.
    friday = align_events(["2024-01-12"], days).iloc[0]
    assert friday["bar"] == pd.Timestamp("2024-01-12") and friday["entry"] == pd.Timestamp("2024-01-13")


def test_align_events_statuses() -> None:
    index = pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-02-01", "2024-02-02"], name="date")
    placed = align_events(["2023-12-31", "2024-01-02", "2024-01-03", "2024-01-30", "2024-02-02"], index)
    assert placed["status"].tolist() == ["before_target", "ok", "no_nearby_bar", "ok", "after_target"]
    assert placed.loc["2024-01-30", "bar"] == pd.Timestamp("2024-01-03")
    assert placed.loc["2024-01-30", "entry"] == pd.Timestamp("2024-02-01")
    assert (placed.loc[placed["status"] != "ok", "position"] == -1).all()
    assert placed.loc[placed["status"] != "ok", ["bar", "entry"]].isna().all().all()
    wider = align_events(["2024-01-03"], index, max_delay_days=31)
    assert wider["status"].iloc[0] == "ok"


def test_align_events_validation() -> None:
    index = pd.date_range("2024-01-01", periods=5, name="date")
    with pytest.raises(TypeError, match="target_index"):
        align_events([], list(index))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_delay_days"):
        align_events([], index, max_delay_days=0)
    with pytest.raises(TypeError, match="dates"):
        align_events(["not a date"], index)
    assert align_events([], index).empty


def test_paths_and_band_match_forward_returns() -> None:
    rng = np.random.default_rng(5)
    close = _close(list(100 * np.exp(np.cumsum(rng.normal(0, 0.01, 400)))))
    fwd = forward_returns(close, [10, 30])
    paths = cumulative_paths(close, np.array([3, 250, 380]), 30)
    assert paths.shape == (31, 3)
    assert (paths[0, :2] == 0).all()
    assert paths[10, 0] == pytest.approx(fwd[10].iloc[3]) and paths[30, 1] == pytest.approx(fwd[30].iloc[250])
    # Event at row 380 enters at 381; bars past 399 are missing.
    assert np.isfinite(paths[18, 2]) and np.isnan(paths[19, 2])
    band = baseline_quantiles(close, [0.1, 0.5, 0.9], 30)
    assert band.shape == (31, 3) and (band.loc[0] == 0).all()
    assert band.loc[30, 0.5] == pytest.approx(fwd[30].median())
    assert band.loc[10, 0.9] == pytest.approx(fwd[10].quantile(0.9))
