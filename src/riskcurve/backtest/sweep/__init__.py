"""Parameter sweeps: many long/flat strategies evaluated at once by one compiled kernel.

A sweep is a grid of signal definitions (moving-average windows, breakout base lengths and
confirmation closes, holding horizons, cascade stages and trend windows, liquidity
thresholds) times execution lags times traded assets. Each combination is one long/flat
strategy with exactly the timing and cost model of :class:`~riskcurve.backtest.engine.Backtest`
(fully invested or flat, trades at the close ``lag`` bars after the signal's bar, fee and
slippage per side): the two agree to floating-point precision, which the tests check.

How it is fast: signals are computed once per definition, not once per combination (all
moving averages once, by cumulative sums; each breakout or cascade definition once), and a
numba kernel then walks every combination through the bars, keeping only running sums
(returns, their powers, drawdown, trades, exposure, the excess over buy-and-hold and its
autocovariances), so no (combination x bar) matrix is ever built. Combinations are
independent; chunks of them run in parallel on an :class:`~riskcurve.backtest.executors.Executor`.

What comes out (:class:`SweepResult`):

* a tidy table, one row per combination: its parameters, asset and lag, the metrics of
  :mod:`riskcurve.backtest.metrics`, and a test of whether it beats buy-and-hold of its asset:
  the mean per-bar excess return ``d_t = r_t - b_t`` (``b_t`` the asset's own return), its
  Newey-West (Bartlett kernel, ``floor(4 (n/100)^(2/9))`` lags) t statistic and one-sided
  p-value, adjusted over the family with Holm and Benjamini-Hochberg
  (:func:`riskcurve.stats.multiple_testing.family_table`); and the deflated Sharpe ratio with
  the family as the trials;
* a data-snooping test over the whole family (:func:`family_snooping`: Hansen's SPA or White's
  Reality Check by :func:`riskcurve.stats.multiple_testing.data_snooping` on the excess returns);
* a walk-forward check of the selection itself: in each out-of-sample window the combination
  with the best in-sample Sharpe ratio is chosen and run, and the stitched out-of-sample
  result is reported against buy-and-hold.

Samples: each row of the table is measured on its own asset's bars from ``warmup`` bars after
the asset's first close (so every definition has the history it needs) to its last close. The
snooping test and the walk-forward check need one common sample: the dates on which every
asset of the sweep has a price, where an asset without a bar on a date (an exchange asset at
the weekend) has zero excess return.

Modules: :mod:`~riskcurve.backtest.sweep.grids` (the named grids), :mod:`~riskcurve.backtest.sweep.inputs`
(what the kernel reads), :mod:`~riskcurve.backtest.sweep.kernel` (the numba loops),
:mod:`~riskcurve.backtest.sweep.evaluation` (running them on an executor),
:mod:`~riskcurve.backtest.sweep.inference` (the table's metrics, p-values, deflated Sharpe, snooping),
:mod:`~riskcurve.backtest.sweep.walkforward` and :mod:`~riskcurve.backtest.sweep.run` (:class:`Sweep`).
"""

from riskcurve.backtest.sweep.evaluation import INLINE_WORK, combo_returns, evaluate
from riskcurve.backtest.sweep.grids import GRIDS, GridSpec, get_grid
from riskcurve.backtest.sweep.inference import SNOOPING_BLOCK_SIZE_FROM, family_snooping, stats_table
from riskcurve.backtest.sweep.inputs import KernelInputs, ma_cross_inputs, moving_averages, state_inputs
from riskcurve.backtest.sweep.kernel import STAT_COLUMNS
from riskcurve.backtest.sweep.run import Sweep, SweepResult
from riskcurve.backtest.sweep.walkforward import WalkForward, WalkForwardResult

__all__ = [
    "GRIDS",
    "INLINE_WORK",
    "SNOOPING_BLOCK_SIZE_FROM",
    "STAT_COLUMNS",
    "GridSpec",
    "KernelInputs",
    "Sweep",
    "SweepResult",
    "WalkForward",
    "WalkForwardResult",
    "combo_returns",
    "evaluate",
    "family_snooping",
    "get_grid",
    "ma_cross_inputs",
    "moving_averages",
    "state_inputs",
    "stats_table",
]
