"""Performance metrics on paths whose answers are known."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from riskcurve.backtest.metrics import (
    deflated_sharpe_ratio,
    drawdown,
    expected_max_sharpe,
    moments,
    performance,
    periods_per_year,
    probabilistic_sharpe_ratio,
)


def _returns(values: list[float], start: str = "2024-01-01") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="D"))


def test_drawdown_dates_of_a_known_path() -> None:
    # Wealth 1.1, 1.21, 0.968 (-20% from 1.21), 1.0648, 1.331 (back above 1.21).
    wealth = pd.Series([1.1, 1.21, 0.968, 1.0648, 1.331], index=pd.date_range("2024-01-01", periods=5))
    dd = drawdown(wealth)
    assert dd["max_drawdown"] == pytest.approx(-0.2)
    assert dd["max_drawdown_peak"] == pd.Timestamp("2024-01-02")
    assert dd["max_drawdown_trough"] == pd.Timestamp("2024-01-03")
    assert dd["max_drawdown_recovery"] == pd.Timestamp("2024-01-05")


def test_drawdown_from_the_starting_capital_never_recovered() -> None:
    wealth = pd.Series([0.9, 0.8, 0.85], index=pd.date_range("2024-01-01", periods=3))
    dd = drawdown(wealth)
    assert dd["max_drawdown"] == pytest.approx(-0.2)
    assert dd["max_drawdown_peak"] == pd.Timestamp("2024-01-01")
    assert pd.isna(dd["max_drawdown_recovery"])


def test_performance_of_a_hand_computed_series() -> None:
    r = _returns([0.01, -0.02, 0.03, 0.0, 0.01])
    m = performance(r, periods=365.0)
    total = 1.01 * 0.98 * 1.03 * 1.0 * 1.01 - 1
    assert m["total_return"] == pytest.approx(total)
    assert m["cagr"] == pytest.approx((1 + total) ** (365.25 / 4) - 1)
    mean, sd = np.mean(r), np.std(r, ddof=1)
    assert m["sharpe"] == pytest.approx(mean / sd * math.sqrt(365))
    downside = math.sqrt(0.02**2 / 5)
    assert m["sortino"] == pytest.approx(mean / downside * math.sqrt(365))
    assert m["volatility"] == pytest.approx(sd * math.sqrt(365))
    assert m["exposure"] == 1.0
    assert 0.0 <= m["psr"] <= 1.0


def test_moments_match_pandas() -> None:
    values = np.random.default_rng(5).standard_t(4, 2_000) * 0.02
    sharpe, skew, kurt = moments(values)
    assert sharpe == pytest.approx(values.mean() / values.std(ddof=1))
    centred = values - values.mean()
    assert skew == pytest.approx(np.mean(centred**3) / np.mean(centred**2) ** 1.5)
    assert kurt == pytest.approx(np.mean(centred**4) / np.mean(centred**2) ** 2)


def test_more_trials_deflate_more() -> None:
    values = [deflated_sharpe_ratio(0.1, n, 0.002, 1_000, 0.0, 3.0) for n in (1, 10, 100, 1_000)]
    assert values == sorted(values, reverse=True)
    assert expected_max_sharpe(1, 0.5) == 0.0
    assert expected_max_sharpe(1_000, 0.0) == 0.0


def test_periods_per_year_follows_the_calendar() -> None:
    assert periods_per_year(pd.date_range("2024-01-01", periods=10, freq="D")) == 365.0
    assert periods_per_year(pd.bdate_range("2024-01-01", periods=10)) == 252.0


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: deflated_sharpe_ratio(0.1, 0, 0.1, 100), "n_trials must be an integer >= 1"),
        (lambda: deflated_sharpe_ratio(0.1, 10, -0.1, 100), "var_trials_sharpe must be >= 0"),
        (lambda: probabilistic_sharpe_ratio(0.1, 0.0, 1), "n_obs must be an integer >= 2"),
        (lambda: probabilistic_sharpe_ratio(3.0, 0.0, 100, 5.0, 3.0), "per period"),
        (lambda: probabilistic_sharpe_ratio(float("nan"), 0.0, 100), "sharpe must be finite"),
    ],
)
def test_bad_arguments_are_named(call, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=match):
        call()


def test_returns_with_gaps_are_rejected() -> None:
    with pytest.raises(ValueError, match="missing values"):
        performance(_returns([0.01, float("nan")]))
