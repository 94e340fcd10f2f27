"""Lead-lag with macro levels: changes by differences or logs, calibrated on persistent series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import signal, stats

from riskcurve.stats.leadlag import LeadLag, _macro_change, aligned_returns, cross_correlation, granger_causality

WEEKS = 520
RUNS = 200
# Monte Carlo error of a 5% rate over 200 runs: sqrt(0.05 * 0.95 / 200) = 1.5 percentage points.
# The bounds are the binomial 99.9% interval at 5% (3..20 of 200).
LOW, HIGH = stats.binom.ppf([0.0005, 0.9995], RUNS, 0.05)


def _pair(seed: int, *, beta: float = 0.0, delay: int = 1) -> tuple[pd.Series, pd.Series]:
    """A rate level (percent) whose weekly changes are AR(1) with phi 0.5, and an index with AR(1) returns.

    Both are persistent; with ``beta`` the index's return ``delay`` weeks later loads on the rate's change.
    """
    rng = np.random.default_rng(seed)
    changes = signal.lfilter([1.0], [1.0, -0.5], rng.normal(0.0, 0.08, WEEKS + 1))
    rate = 2.0 + np.cumsum(changes)  # may go negative: differences, not logs
    noise = signal.lfilter([1.0], [1.0, -0.2], rng.normal(0.0, 0.02, WEEKS + 1))
    loading = np.zeros(WEEKS + 1)
    loading[delay:] = beta * changes[:-delay] / 0.08 * 0.02
    index = pd.date_range("2010-01-08", periods=WEEKS + 1, freq="W-FRI", name="date")
    level = pd.Series(rate, index=index, name="RATE")
    price = pd.Series(100.0 * np.exp(np.cumsum(noise + loading)), index=index, name="IDX")
    return level, price


def _scan(seed: int, **kwargs: float) -> tuple[bool, float]:
    level, price = _pair(seed, **kwargs)  # type: ignore[arg-type]
    returns = aligned_returns(level, price, "W", calendars=("crypto", "crypto"), changes=("diff", "log"))
    x, y = returns["RATE"].to_numpy(), returns["IDX"].to_numpy()
    table = cross_correlation(x, y, 4)
    granger, _, _ = granger_causality(returns, max_lag=4, ic="bic")
    nonzero = table.drop(index=0)
    return bool(nonzero["significant"].any()), float(granger.loc["RATE -> IDX", "p_robust"])


def test_size_is_nominal_on_independent_persistent_series() -> None:
    """No relation: Granger (HC3) rejects ~5%; no non-zero lag is Holm-significant in more than ~5% of runs."""
    lags, granger = 0, 0
    for seed in range(RUNS):
        significant, p = _scan(seed)
        lags += significant
        granger += p < 0.05
    assert LOW <= granger <= HIGH
    assert lags <= HIGH


def test_an_injected_lead_is_found() -> None:
    """The index's return loads on last week's rate change (correlation about 0.3): found nearly always."""
    found_lag, found_granger = 0, 0
    runs = 60
    for seed in range(runs):
        significant, p = _scan(10_000 + seed, beta=0.3)
        found_lag += significant
        found_granger += p < 0.05
    assert found_lag >= 0.9 * runs and found_granger >= 0.9 * runs


def test_differences_and_log_changes_by_hand() -> None:
    index = pd.date_range("2024-01-05", periods=4, freq="W-FRI", name="date")
    rate = pd.Series([4.0, 3.5, -0.25, 0.5], index=index, name="RATE")
    usd = pd.Series([100.0, 110.0, 99.0, 99.0], index=index, name="USD")
    returns = aligned_returns(rate, usd, "D", calendars=("crypto", "crypto"), changes=("diff", "log"))
    assert returns["RATE"].tolist() == pytest.approx([-0.5, -3.75, 0.75])
    assert returns["USD"].tolist() == pytest.approx([np.log(1.1), np.log(0.9), 0.0])
    with pytest.raises(ValueError, match="non-positive close"):
        aligned_returns(rate, usd, "D", changes=("log", "log"))
    with pytest.raises(ValueError, match="each 'log' or 'diff'"):
        aligned_returns(rate, usd, "D", changes=("pct", "log"))  # type: ignore[arg-type]


def test_macro_units_choose_the_change() -> None:
    assert _macro_change("percent") == "diff" and _macro_change("") == "diff"
    assert _macro_change("USD millions") == "log" and _macro_change("index points") == "log"


def test_descriptions_reach_the_definition_and_json() -> None:
    level, price = _pair(3)
    result = LeadLag(
        level,
        price,
        freq="W",
        max_lag=3,
        reps=20,
        seed=1,
        calendars=("crypto", "crypto"),
        changes=("diff", "log"),
        descriptions={"RATE": "a rate, differences of the value known each Friday", "IDX": "closes"},
    ).run()
    payload = result.to_dict()
    assert payload["series"]["RATE"] == {
        "change": "diff",
        "description": "a rate, differences of the value known each Friday",
    }
    assert "Differences of RATE and log changes of IDX" in result.definition
    assert "RATE: a rate, differences of the value known each Friday." in result.definition
