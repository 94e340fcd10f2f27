"""Backtests and parameter sweeps of long/flat strategies driven by riskcurve's signals.

* :class:`Backtest` -> :class:`BacktestResult`: one strategy against buy-and-hold and the
  halving-cycle rule, with costs, next-bar execution and explicit calendar alignment
  (:mod:`riskcurve.backtest.engine`); the metrics, with the probabilistic and deflated Sharpe
  ratios, are in :mod:`riskcurve.backtest.metrics`.
* :mod:`riskcurve.backtest.rules`: strategy rules built from the signal registry, their
  combinations, and the named rules of ``riskcurve backtest`` (:func:`backtest_rule`).
* :class:`Sweep` -> :class:`SweepResult`: grids of definitions x lags x assets evaluated by a
  compiled kernel, with multiple-testing adjustments, a data-snooping test over the family and
  walk-forward selection (:mod:`riskcurve.backtest.sweep`), run locally or on Dask
  (:class:`Executor`).
"""

from riskcurve.backtest.engine import (
    Backtest,
    BacktestResult,
    SameBarExecutionWarning,
    align_to_bars,
    basket_prices,
)
from riskcurve.backtest.executors import Executor
from riskcurve.backtest.metrics import (
    deflated_sharpe_ratio,
    expected_max_sharpe,
    performance,
    probabilistic_sharpe_ratio,
)
from riskcurve.backtest.rules import (
    RULES,
    after_events,
    all_of,
    any_of,
    backtest_rule,
    cascade_stage_at_least,
    condition_holds,
    confirmed_breakouts,
    halving_cycle,
    liquidity_not_contracting,
    ma_cross,
    negate,
    traded_prices,
)
from riskcurve.backtest.sweep import GRIDS, Sweep, SweepResult, WalkForward, family_snooping

__all__ = [
    "GRIDS",
    "RULES",
    "Backtest",
    "BacktestResult",
    "Executor",
    "SameBarExecutionWarning",
    "Sweep",
    "SweepResult",
    "WalkForward",
    "after_events",
    "align_to_bars",
    "all_of",
    "any_of",
    "backtest_rule",
    "basket_prices",
    "cascade_stage_at_least",
    "condition_holds",
    "confirmed_breakouts",
    "deflated_sharpe_ratio",
    "expected_max_sharpe",
    "family_snooping",
    "halving_cycle",
    "liquidity_not_contracting",
    "ma_cross",
    "negate",
    "performance",
    "probabilistic_sharpe_ratio",
    "traded_prices",
]
