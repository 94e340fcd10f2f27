"""Relative strength and the January table: hand-computed examples and the real snapshot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskcurve.errors import InsufficientDataWarning
from riskcurve.signals.relative_strength import january_effect, january_table, relative_strength


def _series(values: list[float], start: str = "2024-01-01") -> pd.Series:
    return pd.Series(values, index=pd.bdate_range(start, periods=len(values), name="date"), dtype=float)


# --- relative_strength ----------------------------------------------------------------------


def test_relative_strength_by_hand() -> None:
    small = _series([100, 101, 102, 101, 103, 104])
    large = _series([100, 100.5, 101, 101.5, 101, 102])
    result = relative_strength(small, large, trend_window=2, slope_window=2)
    ratio = small / large
    np.testing.assert_allclose(result["ratio"], ratio)
    np.testing.assert_allclose(result["ratio_ma"].iloc[1:], (ratio + ratio.shift(1)).iloc[1:] / 2)
    assert np.isnan(result["ratio_ma"].iloc[0])
    assert result["above_trend"].tolist() == [False] + (ratio > (ratio + ratio.shift(1)) / 2).tolist()[1:]
    np.testing.assert_allclose(result["slope"].iloc[2:], np.log(ratio / ratio.shift(2)).iloc[2:])
    # Returns small: +1.00%, +0.99%, -0.98%, +1.98%, +0.97%; large: +0.50%, +0.50%, +0.50%, -0.49%, +0.99%.
    assert result["small_beat"].tolist() == [False, True, True, False, True, False]
    assert result["streak"].tolist() == [0, 1, 2, 0, 1, 0]


def test_relative_strength_uses_shared_sessions_only() -> None:
    small = _series([100, 110, np.nan, 121, 133.1])
    large = _series([100, 100, 100, 100, 100]).drop(pd.Timestamp("2024-01-05"))
    result = relative_strength(small, large, trend_window=1, slope_window=1)
    # Small has no session on 3 Jan (NaN), large none on 5 Jan: two shared sessions drop out.
    assert list(result.index) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-04")]
    # The return on 4 Jan runs from 2 Jan for both: +10% against 0%.
    assert result["small_beat"].tolist() == [False, True, True]
    assert result["streak"].tolist() == [0, 1, 2]
    assert result["above_trend"].tolist() == [False, False, False]  # the ratio equals its 1-session mean


def test_ratio_high_needs_a_full_year_of_sessions() -> None:
    small = _series([float(v) for v in range(100, 360)])  # 260 sessions, rising ratio
    large = _series([100.0] * 260)
    small.iloc[-1] = small.iloc[-2] - 1  # the last session drops
    high = relative_strength(small, large)["ratio_high_52w"]
    assert not high.iloc[:251].any()
    assert high.iloc[251:259].all()
    assert not high.iloc[259]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"trend_window": 0}, ValueError, "trend_window must be an integer >= 1, got 0"),
        ({"slope_window": 2.0}, TypeError, "slope_window must be an integer"),
    ],
)
def test_windows_are_validated(kwargs: dict[str, object], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        relative_strength(_series([1.0, 2.0]), _series([1.0, 2.0]), **kwargs)  # type: ignore[arg-type]


def test_bad_series_are_rejected() -> None:
    with pytest.raises(TypeError, match="large must be a pandas Series"):
        relative_strength(_series([1.0]), [1.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="small must be positive; first bad date 2024-01-02"):
        relative_strength(_series([1.0, -1.0]), _series([1.0, 1.0]))
    with pytest.raises(ValueError, match="ascending, unique"):
        relative_strength(_series([1.0, 2.0]).iloc[::-1], _series([1.0, 2.0]))


# --- january_table --------------------------------------------------------------------------


def _monthly_steps(levels: dict[str, float], end: str) -> pd.Series:
    """Business-day closes holding each month's level: ``{"2019-12": 100, ...}`` up to ``end``."""
    index = pd.bdate_range("2019-12-02", end, name="date")
    months = index.strftime("%Y-%m")
    return pd.Series([levels[m] for m in months], index=index, dtype=float)


SMALL_LEVELS = {"2019-12": 100, "2020-01": 110, **{f"2020-{m:02d}": 115 for m in range(2, 12)}, "2020-12": 121}
SMALL_LEVELS |= {"2021-01": 125, "2021-02": 126}
LARGE_LEVELS = {"2019-12": 100, "2020-01": 102, **{f"2020-{m:02d}": 105 for m in range(2, 12)}, "2020-12": 110}
LARGE_LEVELS |= {"2021-01": 108, "2021-02": 109}


def test_january_table_by_hand() -> None:
    small = _monthly_steps(SMALL_LEVELS, "2021-02-26")
    large = _monthly_steps(LARGE_LEVELS, "2021-02-26")
    table = january_table(small, large)
    # 2019 has no previous year-end; 2020 is complete; 2021's January is, its year is not.
    assert table.index.tolist() == [2020, 2021]
    y2020 = table.loc[2020]
    assert y2020["jan_small"] == pytest.approx(0.10)
    assert y2020["jan_large"] == pytest.approx(0.02)
    assert y2020["jan_spread_bp"] == pytest.approx(800)
    assert y2020["rest_small"] == pytest.approx(121 / 110 - 1)
    assert y2020["rest_large"] == pytest.approx(110 / 102 - 1)
    assert y2020["full_small"] == pytest.approx(0.21)
    assert y2020["full_large"] == pytest.approx(0.10)
    assert y2020["complete"]
    assert y2020["kept_lead"]
    assert y2020["jan_known_on"] == pd.Timestamp("2020-01-31")
    assert y2020["known_on"] == pd.Timestamp("2020-12-31")
    y2021 = table.loc[2021]
    assert y2021["jan_small"] == pytest.approx(125 / 121 - 1)
    assert y2021["jan_large"] == pytest.approx(108 / 110 - 1)
    assert not y2021["complete"]
    assert pd.isna(y2021["kept_lead"])
    assert pd.isna(y2021["known_on"])
    assert np.isnan(y2021[["rest_small", "rest_large", "full_small", "full_large"]].astype(float)).all()
    assert january_table(small, large, since=2021).index.tolist() == [2021]


def test_january_is_not_complete_until_february_trades() -> None:
    # Fri 29 Jan 2021 was January's last session, but data ending there cannot know it yet.
    small = _monthly_steps(SMALL_LEVELS, "2021-01-29")
    large = _monthly_steps(LARGE_LEVELS, "2021-01-29")
    assert january_table(small, large).index.tolist() == [2020]
    # A year whose last session is not in December (the series stops in November) is no year-end.
    cut = _monthly_steps(SMALL_LEVELS, "2020-11-30")
    assert january_table(cut, large.loc[:"2020-11-30"]).loc[2020, "complete"] == False  # noqa: E712


def test_january_effect_by_hand() -> None:
    small = _monthly_steps(SMALL_LEVELS, "2021-02-26")
    large = _monthly_steps(LARGE_LEVELS, "2021-02-26")
    summary = january_effect(january_table(small, large), threshold_bp=500, claim_since=1979)
    assert summary["years"] == [2020, 2021]
    assert summary["complete_years"] == [2020]
    assert summary["incomplete_years"] == [2021]
    assert summary["kept_lead_years"] == [2020]
    assert summary["exceptions"] == []
    assert summary["mean_full_small"] == pytest.approx(0.21)
    assert summary["first_year"] == 2020
    assert summary["reaches_before_data"] is True
    assert january_effect(january_table(small, large), claim_since=2020)["reaches_before_data"] is False
    assert january_effect(january_table(small, large), threshold_bp=900)["n_selected"] == 0


def test_january_effect_warns_on_an_empty_table() -> None:
    empty = january_table(_series([1.0, 2.0]), _series([1.0, 2.0]))
    with pytest.warns(InsufficientDataWarning, match="no year"):
        summary = january_effect(empty)
    assert summary["first_year"] is None
    assert summary["mean_full_small"] is None


def test_january_effect_rejects_other_tables() -> None:
    with pytest.raises(ValueError, match="table lacks columns"):
        january_effect(pd.DataFrame({"x": [1]}))
    with pytest.raises(ValueError, match="threshold_bp must be a finite"):
        january_effect(january_table(_series([1.0]), _series([1.0])), threshold_bp=float("nan"))


# --- golden: Russell 2000 against the S&P 500 -------------------------------------------------


@pytest.fixture(scope="module")
def closes(snapshot_root: Path) -> tuple[pd.Series, pd.Series]:
    def read(name: str) -> pd.Series:
        frame = pd.read_csv(snapshot_root / "prices" / f"{name}.csv", index_col="date", parse_dates=["date"])
        return frame["close"]

    return read("RUT"), read("GSPC")


def test_rut_january_effect_since_1988(closes: tuple[pd.Series, pd.Series]) -> None:
    rut, gspc = closes
    table = january_table(rut, gspc)
    summary = january_effect(table, threshold_bp=500, claim_since=1979)
    # RUT starts 1987-09-10: 1988 is the first January with a previous year-end close.
    assert summary["first_year"] == 1988
    assert summary["reaches_before_data"] is True
    assert summary["years"] == [1992, 2006, 2021]
    assert summary["kept_lead_years"] == [1992, 2006]
    assert summary["exceptions"] == [2021]
    # 2021 from the raw closes: RUT 1974.86 -> 2073.64 (Jan 29) -> 2245.31; S&P 3756.07 -> 3714.24 -> 4766.18.
    row = table.loc[2021]
    assert row["jan_small"] == pytest.approx(rut["2021-01-29"] / rut["2020-12-31"] - 1)
    assert row["jan_large"] == pytest.approx(gspc["2021-01-29"] / gspc["2020-12-31"] - 1)
    assert row["full_small"] == pytest.approx(rut["2021-12-31"] / rut["2020-12-31"] - 1)
    assert row["full_large"] == pytest.approx(gspc["2021-12-31"] / gspc["2020-12-31"] - 1)
    assert row["known_on"] == pd.Timestamp("2021-12-31")
    year_ends = [("1991-12-31", "1992-12-31"), ("2005-12-30", "2006-12-29"), ("2020-12-31", "2021-12-31")]
    fulls = [rut[end] / rut[start] - 1 for start, end in year_ends]
    assert summary["mean_full_small"] == pytest.approx(np.mean(fulls))
    # RUT data end in February 2026: 2026 has a January but no full year yet.
    assert not table.loc[2026, "complete"]


def test_rut_streak_in_january_2026(closes: tuple[pd.Series, pd.Series]) -> None:
    rut, gspc = closes
    result = relative_strength(rut, gspc)
    # RUT beat the S&P 500 on every session from 2 to 22 January 2026 (14 sessions), after
    # trailing it on 31 December 2025; on 16 January the streak was 11.
    assert result.loc["2025-12-31", "streak"] == 0
    assert result.loc["2026-01-16", "streak"] == 11
    assert result.loc["2026-01-22", "streak"] == 14
    assert result.loc["2026-01-23", "streak"] == 0
