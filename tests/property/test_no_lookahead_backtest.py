"""Backtests never look ahead: positions at t ignore the signal at t, and a peeking signal is caught.

Two checks. (1) The engine and the sweep kernel: changing the signal on bar t never changes a
position held at or before t (with ``lag`` bars of delay, before ``t + lag``). (2) The truncation
test: a point-in-time rule computed on data cut at any date equals the full computation up to
that date; the same rule shifted one bar earlier (so it sees tomorrow's close) changes the
backtest's results and fails the test.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcurve.backtest.engine import Backtest, SameBarExecutionWarning
from riskcurve.backtest.rules import ma_cross
from riskcurve.backtest.sweep import combo_returns, state_inputs

DAYS = pd.date_range("2021-01-01", periods=160, freq="D", name="date")


@st.composite
def paths(draw: st.DrawFn) -> tuple[pd.Series, pd.Series]:
    """Random-walk closes and a random long/flat signal on the same days."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))  # injected, never the global RNG
    close = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.03, len(DAYS)))), index=DAYS)
    signal = pd.Series(rng.random(len(DAYS)) < draw(st.floats(0.2, 0.8)), index=DAYS)
    return close, signal


def _positions(close: pd.Series, signal: pd.Series, lag: int) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SameBarExecutionWarning)
        result = Backtest(close, signal, lag=lag, cost_bp=10, slippage_bp=5, start=DAYS[0], baselines={}).run()
    return result.positions["strategy"]


@settings(max_examples=60, deadline=None)
@given(paths(), st.integers(0, len(DAYS) - 1), st.integers(1, 4))
def test_positions_at_t_never_depend_on_the_signal_at_t(path: tuple[pd.Series, pd.Series], t: int, lag: int) -> None:
    close, signal = path
    flipped = signal.copy()
    flipped.iloc[t] = not flipped.iloc[t]
    before, after = _positions(close, signal, lag), _positions(close, flipped, lag)
    # Bars up to t + lag - 1 are decided before the signal of bar t is read.
    pd.testing.assert_series_equal(before.iloc[: t + lag], after.iloc[: t + lag])


@settings(max_examples=30, deadline=None)
@given(paths(), st.integers(0, len(DAYS) - 1), st.integers(1, 3))
def test_sweep_positions_never_depend_on_the_signal_at_t(path: tuple[pd.Series, pd.Series], t: int, lag: int) -> None:
    close, signal = path
    flipped = signal.copy()
    flipped.iloc[t] = not flipped.iloc[t]
    inputs = state_inputs({"X": close}, [signal, flipped], lags=(lag,))
    positions = combo_returns(inputs, [0, 1], DAYS, what="position")
    np.testing.assert_array_equal(positions[0].to_numpy()[: t + lag], positions[1].to_numpy()[: t + lag])


def test_same_bar_execution_does_depend_on_the_signal_at_t() -> None:
    # The control: with lag=0 the flip shows on bar t itself (and the engine warns).
    rng = np.random.default_rng(0)
    close = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.03, len(DAYS)))), index=DAYS)
    signal = pd.Series(False, index=DAYS)
    flipped = signal.copy()
    flipped.iloc[50] = True
    assert _positions(close, signal, 0).iloc[50] != _positions(close, flipped, 0).iloc[50]


def _honest(close: pd.Series) -> pd.Series:
    # A point-in-time rule: the 5/20-day crossing state from closes up to each day.
    return ma_cross(close, 5, 20)


def _one_bar_early(close: pd.Series) -> pd.Series:
    # The same rule shifted one bar earlier: on day t it says what the rule says on t + 1,
    # i.e. it uses tomorrow's close.
    return _honest(close).shift(-1, fill_value=False)


def _truncation_failures(rule, close: pd.Series, cuts: list[int]) -> int:  # type: ignore[no-untyped-def]
    """Cut dates at which the rule computed on data up to the cut disagrees with the full computation.

    A signal dated t must be computable from data dated up to t; this is what the engine's
    timing assumes (it trades a signal dated t at the close of the next bar).
    """
    full = rule(close)
    failures = 0
    for cut in cuts:
        truncated = rule(close.iloc[: cut + 1])
        if not truncated.equals(full.iloc[: cut + 1]):
            failures += 1
    return failures


def test_shifting_the_signal_one_bar_earlier_is_detected() -> None:
    rng = np.random.default_rng(7)
    days = pd.date_range("2020-01-01", periods=600, freq="D", name="date")
    close = pd.Series(100 * np.exp(np.cumsum(rng.normal(0.001, 0.03, len(days)))), index=days)
    cuts = list(range(60, 600, 9))
    # It changes the results: traded on the next bar, the early signal is the honest one
    # traded on the close it was computed from (same-bar execution).
    honest = Backtest(close, _honest(close), baselines={}, start=days[0]).run()
    peeking = Backtest(close, _one_bar_early(close), baselines={}, start=days[0]).run()
    assert honest.metrics.loc["strategy", "total_return"] != peeking.metrics.loc["strategy", "total_return"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SameBarExecutionWarning)
        same_bar = Backtest(close, _honest(close), baselines={}, start=days[0], lag=0).run()
    pd.testing.assert_series_equal(peeking.equity["strategy"].iloc[1:], same_bar.equity["strategy"].iloc[1:])
    # The truncation test catches it; the point-in-time rule passes at every cut.
    assert _truncation_failures(_honest, close, cuts) == 0
    assert _truncation_failures(_one_bar_early, close, cuts) > len(cuts) // 4
