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
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numba
import numpy as np
import pandas as pd
from scipy.stats import norm

from riskcurve._typing import DateLike
from riskcurve.backtest.executors import Executor, Progress
from riskcurve.backtest.metrics import DAYS_PER_YEAR, deflated_sharpe_ratio, performance, periods_per_year
from riskcurve.backtest.rules import (
    after_events,
    all_of,
    cascade_stage_at_least,
    confirmed_breakouts,
    liquidity_not_contracting,
    traded_prices,
)
from riskcurve.data.panel import MarketData

if TYPE_CHECKING:
    from riskcurve.stats.multiple_testing import SnoopingResult

__all__ = [
    "GRIDS",
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
    "ma_cross_inputs",
    "moving_averages",
    "state_inputs",
    "stats_table",
]

#: Columns of the kernel's per-combination statistics.
STAT_COLUMNS: tuple[str, ...] = (
    "n",
    "wealth",
    "sum_r",
    "sum_r2",
    "sum_r3",
    "sum_r4",
    "sum_down2",
    "max_dd",
    "dd_peak",
    "dd_trough",
    "dd_recovery",
    "trades",
    "held",
    "turnover",
    "sum_d",
    "sum_d2",
    "lrv_d",
)
_S = {name: i for i, name in enumerate(STAT_COLUMNS)}
_N_STATS = len(STAT_COLUMNS)
#: Per combination and walk-forward window: bars, sum of r, of r^2, of log(1 + r).
_N_WIN = 4

#: Below this many bar-updates (about 15 s of work on one core) the local executor runs the
#: kernel in this process on numba's threads: starting worker processes, importing riskcurve in
#: them and shipping the arrays costs several seconds, and on one machine threads and processes
#: share the same cores anyway.
INLINE_WORK = 2_000_000_000

MODE_STATS, MODE_RETURNS, MODE_EXCESS, MODE_POSITION = 0, 1, 2, 3
KIND_MA, KIND_STATE = 0, 1


# -- the kernel ------------------------------------------------------------------------------------


# How one combination is evaluated: pass 1 (_target_changes) walks the bars once to find the
# bars where the target position changes; pass 2 (_combo_stats) goes from one such bar to the
# next, treating that bar explicitly and summing the plain bars in between from the asset's
# prefix sums of returns (_flush), walking them one by one only for the drawdown while invested.
#
# The accumulator of one combination: slots 0..15 are its statistics in STAT_COLUMNS order (16,
# the Newey-West variance, is computed at the end); 17 the running peak of wealth, 18 the bar
# where it was set, 19 the peak the deepest fall started from.
_N_ACC = 20


@numba.njit(cache=True, nogil=True, inline="always")
def _drawdown_step(acc, wealth, t):  # pragma: no cover - compiled
    # Same rule as riskcurve.backtest.metrics.drawdown: the peak is the last bar at the high,
    # the trough the first bar of the deepest fall, recovery the first later bar back at the peak.
    if wealth >= acc[17]:
        acc[17] = wealth
        acc[18] = t
    fall = wealth / acc[17] - 1.0
    if fall < acc[7]:
        acc[7] = fall
        acc[8] = acc[18]
        acc[9] = t
        acc[19] = acc[17]
        acc[10] = -1.0
    elif acc[10] < 0.0 and acc[9] >= 0.0 and wealth >= acc[19] and t > acc[9]:
        acc[10] = t


@numba.njit(cache=True, nogil=True)
def _flush(acc, prices, cum, lo, u, v, pos, excess, keep):  # pragma: no cover - compiled
    # Bars u..v (no trade among them) with a constant position: sums come from the asset's
    # prefix sums of returns; only the drawdown walks the bars, and only when invested.
    if v < u:
        return
    m = v - u + 1
    a = lo + u - 1
    b = lo + v
    count = int(acc[0])
    if pos == 1:
        acc[2] += cum[b, 0] - cum[a, 0]
        acc[3] += cum[b, 1] - cum[a, 1]
        acc[4] += cum[b, 2] - cum[a, 2]
        acc[5] += cum[b, 3] - cum[a, 3]
        acc[6] += cum[b, 4] - cum[a, 4]
        acc[12] += m
        if keep:
            excess[count : count + m] = 0.0
        anchor = acc[1] / prices[a]
        # The drawdown walk of _drawdown_step, on local copies (kept in registers).
        peak, peak_at, max_dd = acc[17], acc[18], acc[7]
        dd_peak, dd_trough, dd_recovery, dd_value = acc[8], acc[9], acc[10], acc[19]
        # Slightly above the level of a new deepest fall, so rounding cannot hide one.
        floor = peak * (1.0 + max_dd) * (1.0 + 1e-9)
        for t in range(u, v + 1):
            wealth = anchor * prices[lo + t]
            if wealth >= peak:
                # Until it recovers, the peak is the one the deepest fall started from, so the
                # first new peak after the trough is the recovery.
                if dd_recovery < 0.0 and dd_trough >= 0.0:
                    dd_recovery = t
                peak = wealth
                peak_at = t
                floor = peak * (1.0 + max_dd) * (1.0 + 1e-9)
            elif wealth < floor:
                # Possibly a deeper fall: decide with the exact rule (the floor only spares
                # a division on the bars that cannot be one).
                fall = wealth / peak - 1.0
                if fall < max_dd:
                    max_dd = fall
                    dd_peak = peak_at
                    dd_trough = t
                    dd_value = peak
                    dd_recovery = -1.0
                    floor = peak * (1.0 + max_dd) * (1.0 + 1e-9)
        acc[17], acc[18], acc[7] = peak, peak_at, max_dd
        acc[8], acc[9], acc[10], acc[19] = dd_peak, dd_trough, dd_recovery, dd_value
        acc[1] = anchor * prices[b]
    else:
        # Flat: r = 0, the excess over holding the asset is minus its return.
        acc[14] -= cum[b, 0] - cum[a, 0]
        acc[15] += cum[b, 1] - cum[a, 1]
        if keep:
            excess[count : count + m] = -cum[a + 1 : b + 1, 5]
        if acc[1] >= acc[17]:
            acc[18] = v
    acc[0] += m


@numba.njit(cache=True, nogil=True)
def _hac_term(centred, count, lag, lags):  # pragma: no cover - compiled
    # Bartlett-weighted autocovariance of ``centred[:count]`` at ``lag``. Four partial sums: one
    # running sum would wait on each addition in turn (and the order is fixed, so every machine
    # gets the same bits).
    x = centred[lag:count]
    y = centred[: count - lag]
    t0 = 0.0
    t1 = 0.0
    t2 = 0.0
    t3 = 0.0
    m = len(x)
    quads = m - m % 4
    for i in range(0, quads, 4):
        t0 += x[i] * y[i]
        t1 += x[i + 1] * y[i + 1]
        t2 += x[i + 2] * y[i + 2]
        t3 += x[i + 3] * y[i + 3]
    for i in range(quads, m):
        t0 += x[i] * y[i]
    weight = 1.0 if lag == 0 else 2.0 * (1.0 - lag / (lags + 1.0))
    return weight * ((t0 + t1) + (t2 + t3)) / count


@numba.njit(cache=True, nogil=True)
def _target_changes(kind, ma, states, lo, n, row_a, row_b, lag, at, value):  # pragma: no cover - compiled
    # Pass 1: the bars at which the target changes (a change of the desired state at bar t
    # takes effect at bar t + lag) and the new target. Returns how many; sorted by bar.
    count = 0
    desired = 0
    if kind == 0:
        # Crossings, as riskcurve.backtest.rules.ma_cross (vectorbt's crossed_above/below).
        # Only bars where the comparison of the two averages changes can change the state, so
        # the loop classifies every bar (above 1, below -1, equal 0, missing 2) and runs the
        # state machine only where the class changes: a few percent of the bars.
        was_below = False
        was_above = False
        previous = 2
        for t in range(n):
            f = ma[row_a, lo + t]
            s = ma[row_b, lo + t]
            code = 1 if f > s else (-1 if f < s else (0 if f == s else 2))
            if code == previous:
                continue
            if code == 2:
                was_below = False
                was_above = False
            else:
                if previous != 2:
                    if code == 1 and was_below and desired == 0:
                        desired = 1
                        if t + lag < n:
                            at[count] = t + lag
                            value[count] = 1
                            count += 1
                    elif code == -1 and was_above and desired == 1:
                        desired = 0
                        if t + lag < n:
                            at[count] = t + lag
                            value[count] = 0
                            count += 1
                if code == 1:
                    was_above = True
                elif code == -1:
                    was_below = True
            previous = code
    else:
        for t in range(n):
            state = int(states[row_a, lo + t])
            if state != desired:
                desired = state
                if t + lag < n:
                    at[count] = t + lag
                    value[count] = state
                    count += 1
    return count


@numba.njit(cache=True, nogil=True)
def _combo_stats(
    prices,
    cum,
    lo,
    n,
    start,
    kind,
    ma,
    states,
    row_a,
    row_b,
    lag,
    buy_factor,
    sell_factor,
    bounds,
    bound_windows,
    hac_lags,
    inference,
    stats,
    wins,
):  # pragma: no cover - compiled
    at = np.empty(n, dtype=np.int64)
    value = np.empty(n, dtype=np.int64)
    n_changes = _target_changes(kind, ma, states, lo, n, row_a, row_b, lag, at, value)
    acc = np.zeros(_N_ACC)
    acc[1] = 1.0
    acc[8] = -1.0
    acc[9] = -1.0
    acc[10] = -1.0
    acc[17] = 1.0
    acc[18] = start
    acc[19] = 1.0
    keep = inference
    excess = np.empty(n if keep else 1)
    snap = np.zeros(4)
    current_window = -1
    i_change = 0
    i_bound = 0
    n_bounds = len(bounds)
    target = 0
    pos = 0
    seg = start
    t = start
    # Pass 2: walk from one explicit bar (the first, a target change, a window boundary) to the
    # next; the plain bars between them are summed by _flush.
    while True:
        while i_change < n_changes and at[i_change] <= t:
            target = value[i_change]
            i_change += 1
        while i_bound < n_bounds and bounds[i_bound] < t:
            i_bound += 1
        if i_bound < n_bounds and bounds[i_bound] == t:
            if current_window >= 0:
                wins[current_window, 0] += acc[0] - snap[0]
                wins[current_window, 1] += acc[2] - snap[1]
                wins[current_window, 2] += acc[3] - snap[2]
                wins[current_window, 3] += np.log(acc[1] / snap[3])
            current_window = bound_windows[i_bound]
            snap[0] = acc[0]
            snap[1] = acc[2]
            snap[2] = acc[3]
            snap[3] = acc[1]
            i_bound += 1
        g = lo + t
        previous = acc[1]
        wealth = previous
        ratio = prices[g] / prices[g - 1] if t > start else 1.0
        held = pos
        if pos == 1:
            wealth = wealth * ratio
        if target != pos:
            if target == 1:
                wealth = wealth / buy_factor
                acc[11] += 1.0
            else:
                wealth = wealth * sell_factor
            acc[13] += 1.0
            pos = target
        r = wealth / previous - 1.0
        d = r - (ratio - 1.0)
        acc[1] = wealth
        acc[2] += r
        r2 = r * r
        acc[3] += r2
        acc[4] += r2 * r
        acc[5] += r2 * r2
        if r < 0.0:
            acc[6] += r2
        acc[12] += held
        acc[14] += d
        acc[15] += d * d
        if keep:
            excess[int(acc[0])] = d
        acc[0] += 1.0
        _drawdown_step(acc, wealth, t)
        seg = t + 1
        following = n
        if i_change < n_changes and at[i_change] < following:
            following = at[i_change]
        if i_bound < n_bounds and bounds[i_bound] < following:
            following = bounds[i_bound]
        if following >= n:
            break
        _flush(acc, prices, cum, lo, seg, following - 1, pos, excess, keep)
        t = following
    _flush(acc, prices, cum, lo, seg, n - 1, pos, excess, keep)
    if current_window >= 0:
        wins[current_window, 0] += acc[0] - snap[0]
        wins[current_window, 1] += acc[2] - snap[1]
        wins[current_window, 2] += acc[3] - snap[2]
        wins[current_window, 3] += np.log(acc[1] / snap[3])
    for i in range(16):
        stats[i] = acc[i]
    count = int(acc[0])
    lrv = np.nan
    if keep and count > hac_lags + 1:
        # Newey-West long-run variance of d: Bartlett-weighted centred autocovariances.
        m = acc[14] / count
        lrv = 0.0
        for i in range(count):
            excess[i] -= m
        for lag_l in range(hac_lags + 1):
            lrv += _hac_term(excess, count, lag_l, hac_lags)
    stats[16] = lrv


@numba.njit(cache=True, nogil=True)
def _combo_path(
    prices,
    lo,
    n,
    start,
    kind,
    ma,
    states,
    row_a,
    row_b,
    lag,
    buy_factor,
    sell_factor,
    mode,
    axis_map,
    out,
):  # pragma: no cover - compiled
    # Bar by bar, writing the strategy's return (mode 1), its excess over the asset (2) or its
    # position (3) onto a common date axis. The same rules as _combo_stats.
    size = lag + 2
    queue_at = np.empty(size, dtype=np.int64)
    queue_value = np.empty(size, dtype=np.int64)
    queue_head = 0
    queue_size = 0
    was_below = False
    was_above = False
    prev_valid = False
    prev_gt = False
    prev_lt = False
    desired = 0
    last_desired = 0
    target = 0
    pos = 0
    wealth = 1.0
    for t in range(n):
        g = lo + t
        if kind == 0:
            f = ma[row_a, g]
            s = ma[row_b, g]
            if np.isnan(f) or np.isnan(s):
                was_below = False
                was_above = False
                prev_valid = False
            else:
                gt = f > s
                lt = f < s
                if prev_valid:
                    if gt and not prev_gt and was_below:
                        desired = 1
                    elif lt and not prev_lt and was_above:
                        desired = 0
                if gt:
                    was_above = True
                if lt:
                    was_below = True
                prev_gt = gt
                prev_lt = lt
                prev_valid = True
        else:
            desired = int(states[row_a, g])
        if desired != last_desired:
            slot = queue_head + queue_size
            if slot >= size:
                slot -= size
            queue_at[slot] = t + lag
            queue_value[slot] = desired
            queue_size += 1
            last_desired = desired
        if queue_size > 0 and queue_at[queue_head] == t:
            target = queue_value[queue_head]
            queue_head += 1
            if queue_head >= size:
                queue_head = 0
            queue_size -= 1
        if t < start:
            continue
        previous = wealth
        ratio = prices[g] / prices[g - 1] if t > start else 1.0
        if pos == 1:
            wealth = wealth * ratio
        if target != pos:
            wealth = wealth / buy_factor if target == 1 else wealth * sell_factor
            pos = target
        column = axis_map[g]
        if column >= 0:
            r = wealth / previous - 1.0
            if mode == 1:
                out[column] = r
            elif mode == 2:
                out[column] = r - (ratio - 1.0)
            else:
                out[column] = pos


@numba.njit(cache=True, parallel=True)
def _stats_parallel(
    ids,
    prices,
    cum,
    offsets,
    starts,
    kind,
    ma,
    states,
    combos,
    buy_factor,
    sell_factor,
    bounds,
    bound_windows,
    bound_offsets,
    hac_lags,
    inference,
    stats,
    wins,
):  # pragma: no cover - compiled
    for j in numba.prange(len(ids)):
        k = ids[j]
        a = combos[k, 0]
        lo = offsets[a]
        _combo_stats(
            prices,
            cum,
            lo,
            offsets[a + 1] - lo,
            starts[a],
            kind,
            ma,
            states,
            combos[k, 1],
            combos[k, 2],
            combos[k, 3],
            buy_factor,
            sell_factor,
            bounds[bound_offsets[a] : bound_offsets[a + 1]],
            bound_windows[bound_offsets[a] : bound_offsets[a + 1]],
            hac_lags[a],
            inference,
            stats[j],
            wins[j],
        )


@numba.njit(cache=True, nogil=True)
def _stats_serial(
    ids,
    prices,
    cum,
    offsets,
    starts,
    kind,
    ma,
    states,
    combos,
    buy_factor,
    sell_factor,
    bounds,
    bound_windows,
    bound_offsets,
    hac_lags,
    inference,
    stats,
    wins,
):  # pragma: no cover - compiled
    # The same loop single-threaded and without the GIL (worker processes, Dask threads); both
    # call the same per-combination code, so they give the same numbers.
    for j in range(len(ids)):
        k = ids[j]
        a = combos[k, 0]
        lo = offsets[a]
        _combo_stats(
            prices,
            cum,
            lo,
            offsets[a + 1] - lo,
            starts[a],
            kind,
            ma,
            states,
            combos[k, 1],
            combos[k, 2],
            combos[k, 3],
            buy_factor,
            sell_factor,
            bounds[bound_offsets[a] : bound_offsets[a + 1]],
            bound_windows[bound_offsets[a] : bound_offsets[a + 1]],
            hac_lags[a],
            inference,
            stats[j],
            wins[j],
        )


@numba.njit(cache=True, parallel=True)
def _paths_parallel(
    ids, prices, offsets, starts, kind, ma, states, combos, buy_factor, sell_factor, mode, axis_map, out
):  # pragma: no cover - compiled
    for j in numba.prange(len(ids)):
        k = ids[j]
        a = combos[k, 0]
        lo = offsets[a]
        _combo_path(
            prices,
            lo,
            offsets[a + 1] - lo,
            starts[a],
            kind,
            ma,
            states,
            combos[k, 1],
            combos[k, 2],
            combos[k, 3],
            buy_factor,
            sell_factor,
            mode,
            axis_map,
            out[j],
        )


@numba.njit(cache=True, nogil=True)
def _paths_serial(
    ids, prices, offsets, starts, kind, ma, states, combos, buy_factor, sell_factor, mode, axis_map, out
):  # pragma: no cover - compiled
    for j in range(len(ids)):
        k = ids[j]
        a = combos[k, 0]
        lo = offsets[a]
        _combo_path(
            prices,
            lo,
            offsets[a + 1] - lo,
            starts[a],
            kind,
            ma,
            states,
            combos[k, 1],
            combos[k, 2],
            combos[k, 3],
            buy_factor,
            sell_factor,
            mode,
            axis_map,
            out[j],
        )


# -- inputs ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KernelInputs:
    """Everything the kernel reads: what workers receive (arrays, not the store).

    Attributes
    ----------
    assets
        Asset names, in layout order.
    dates
        Each asset's bar dates.
    prices
        All assets' closes, concatenated; ``offsets[a]:offsets[a+1]`` are asset ``a``'s.
    cum
        ``(bars, 6)``: running sums, within each asset, of its bar returns ``x`` (0 on its first
        bar), ``x^2``, ``x^3``, ``x^4`` and ``min(x, 0)^2``, and ``x`` itself; the kernel sums
        returns between trades from them.
    offsets
        Start of each asset's bars in ``prices``, and the total at the end.
    starts
        First evaluated bar of each asset (relative to its own bars).
    kind
        0: moving-average crossings (``ma`` rows are averages); 1: signal states (``states``).
    ma, states
        ``(rows, bars)`` matrices over the concatenated bars (the unused one has shape (1, 1)).
    combos
        ``(K, 4)``: asset, row A (fast average or state), row B (slow average, or -1), lag.
    cost, slippage
        Fee rate and slippage as fractions.
    window_id
        Walk-forward window of each bar (-1: none), ``n_windows`` of them.
    hac_lags
        Newey-West lags per asset.
    inference
        Whether the kernel accumulates the autocovariances for the HAC test.
    """

    assets: tuple[str, ...]
    dates: tuple[pd.DatetimeIndex, ...]
    prices: np.ndarray
    cum: np.ndarray
    offsets: np.ndarray
    starts: np.ndarray
    kind: int
    ma: np.ndarray
    states: np.ndarray
    combos: np.ndarray
    cost: float
    slippage: float
    window_id: np.ndarray
    n_windows: int
    hac_lags: np.ndarray
    inference: bool = True

    @property
    def n_combos(self) -> int:
        """Number of combinations."""
        return int(self.combos.shape[0])

    @property
    def work(self) -> int:
        """Bar-updates of a full evaluation: the sum over combinations of their assets' bars."""
        lengths = np.diff(self.offsets)
        return int(lengths[self.combos[:, 0]].sum())

    def with_windows(self, window_id: np.ndarray, n_windows: int) -> KernelInputs:
        """The same inputs with other walk-forward windows."""
        return _replace(self, window_id=window_id.astype(np.int64), n_windows=int(n_windows))


def _replace(inputs: KernelInputs, **changes: Any) -> KernelInputs:
    values = {f: getattr(inputs, f) for f in KernelInputs.__dataclass_fields__}
    values.update(changes)
    return KernelInputs(**values)


def _hac_lags(n: int) -> int:
    return int(math.floor(4.0 * (max(n, 1) / 100.0) ** (2.0 / 9.0)))


def _layout(
    prices: Mapping[str, pd.Series], warmup: int, start: DateLike | None
) -> tuple[tuple[str, ...], tuple[pd.DatetimeIndex, ...], np.ndarray, np.ndarray, np.ndarray]:
    names = tuple(prices)
    dates, values, starts = [], [], []
    for name in names:
        series = prices[name].astype(float).dropna().sort_index()
        if len(series) < 3:
            raise ValueError(f"asset {name} has fewer than 3 closes")
        if (series <= 0).any():
            raise ValueError(f"asset {name} has non-positive closes")
        first = int(warmup)
        if start is not None:
            first = max(first, int(series.index.searchsorted(pd.Timestamp(start), side="left")))
        if first >= len(series) - 2:
            raise ValueError(f"asset {name}: fewer than 3 bars left after a warm-up of {warmup} bars and start {start}")
        dates.append(pd.DatetimeIndex(series.index))
        values.append(series.to_numpy(dtype=float))
        starts.append(first)
    offsets = np.concatenate([[0], np.cumsum([len(v) for v in values])]).astype(np.int64)
    return names, tuple(dates), np.concatenate(values), offsets, np.asarray(starts, dtype=np.int64)


def _running_sums(prices: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    cum = np.zeros((len(prices), 6))
    for a in range(len(offsets) - 1):
        close = prices[offsets[a] : offsets[a + 1]]
        x = np.zeros(len(close))
        x[1:] = close[1:] / close[:-1] - 1.0
        powers = np.column_stack([x, x**2, x**3, x**4, np.minimum(x, 0.0) ** 2])
        cum[offsets[a] : offsets[a + 1], :5] = np.cumsum(powers, axis=0)
        cum[offsets[a] : offsets[a + 1], 5] = x
    return cum


def moving_averages(close: np.ndarray, windows: Sequence[int] | np.ndarray) -> np.ndarray:
    """Simple moving averages of ``close`` for every window at once, ``(len(windows), len(close))``.

    ``MA_w[i] = (C[i] - C[i - w]) / w`` with ``C`` the running sum (``C[w-1] / w`` at
    ``i = w - 1``), NaN before: one cumulative sum for all windows, and the same arithmetic as
    vectorbt's ``rolling_mean_nb``, so both give identical averages and identical crossings.
    """
    values = np.asarray(close, dtype=float)
    running = np.cumsum(values)
    out = np.full((len(windows), len(values)), np.nan)
    for i, window in enumerate(windows):
        w = int(window)
        if w > len(values):
            continue
        out[i, w - 1] = running[w - 1] / w
        out[i, w:] = (running[w:] - running[:-w]) / w
    return out


def _combos(n_assets: int, rows: np.ndarray, lags: Sequence[int]) -> np.ndarray:
    # Order: asset, then signal row, then lag.
    lag_values = np.asarray(lags, dtype=np.int64)
    a = np.repeat(np.arange(n_assets), len(rows) * len(lag_values))
    r = np.tile(np.repeat(np.arange(len(rows)), len(lag_values)), n_assets)
    lag = np.tile(lag_values, n_assets * len(rows))
    return np.column_stack([a, rows[r, 0], rows[r, 1], lag]).astype(np.int64)


def _check_lags(lags: Sequence[int]) -> tuple[int, ...]:
    values = tuple(lags)
    if not values:
        raise ValueError("lags must not be empty")
    for lag in values:
        if isinstance(lag, bool) or not isinstance(lag, int | np.integer) or lag < 1:
            raise ValueError(f"lags must be integers >= 1 (bars between signal and trade), got {lag!r}")
    return tuple(int(v) for v in values)


def _empty_windows(total: int) -> np.ndarray:
    return np.full(total, -1, dtype=np.int64)


def ma_cross_inputs(
    prices: Mapping[str, pd.Series],
    pairs: Sequence[tuple[int, int]],
    *,
    lags: Sequence[int] = (1,),
    cost_bp: float = 10.0,
    slippage_bp: float = 0.0,
    warmup: int = 0,
    start: DateLike | None = None,
    inference: bool = True,
) -> KernelInputs:
    """Kernel inputs for moving-average crossings (:func:`~riskcurve.backtest.rules.ma_cross`).

    Parameters
    ----------
    prices
        Closes of each traded asset, by name.
    pairs
        ``(fast, slow)`` windows, ``fast < slow``.
    lags
        Execution lags to try (bars from the signal to the trade, >= 1).
    cost_bp, slippage_bp
        Per side, basis points.
    warmup
        Bars of each asset not evaluated (the signal may still trade from the first one after).
    start
        First date evaluated (with ``warmup``, whichever is later).
    inference
        Accumulate what the HAC test needs (a little slower).
    """
    pair_array = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    if not len(pair_array):
        raise ValueError("pairs must not be empty")
    if (pair_array < 1).any() or (pair_array[:, 0] >= pair_array[:, 1]).any():
        raise ValueError("each pair must be (fast, slow) with 1 <= fast < slow")
    lag_values = _check_lags(lags)
    names, dates, values, offsets, starts = _layout(prices, warmup, start)
    windows = np.unique(pair_array)
    ma = np.concatenate(
        [moving_averages(values[offsets[a] : offsets[a + 1]], windows) for a in range(len(names))], axis=1
    )
    rows = np.column_stack([np.searchsorted(windows, pair_array[:, 0]), np.searchsorted(windows, pair_array[:, 1])])
    return KernelInputs(
        assets=names,
        dates=dates,
        prices=values,
        cum=_running_sums(values, offsets),
        offsets=offsets,
        starts=starts,
        kind=KIND_MA,
        ma=np.ascontiguousarray(ma),
        states=np.zeros((1, 1), dtype=np.uint8),
        combos=_combos(len(names), rows, lag_values),
        cost=float(cost_bp) / 1e4,
        slippage=float(slippage_bp) / 1e4,
        window_id=_empty_windows(len(values)),
        n_windows=0,
        hac_lags=np.asarray([_hac_lags(len(d) - s) for d, s in zip(dates, starts, strict=True)], dtype=np.int64),
        inference=inference,
    )


def state_inputs(
    prices: Mapping[str, pd.Series],
    signals: Sequence[pd.Series],
    *,
    lags: Sequence[int] = (1,),
    cost_bp: float = 10.0,
    slippage_bp: float = 0.0,
    warmup: int = 0,
    start: DateLike | None = None,
    inference: bool = True,
) -> KernelInputs:
    """Kernel inputs for long/flat signals given as date-indexed booleans (any calendar).

    Each signal is read on each asset's bars as of each bar
    (:func:`~riskcurve.backtest.engine.align_to_bars`: the latest value dated on or before the
    bar; unknown is flat), exactly as the engine reads it.
    """
    from riskcurve.backtest.engine import align_to_bars

    if not signals:
        raise ValueError("signals must not be empty")
    lag_values = _check_lags(lags)
    names, dates, values, offsets, starts = _layout(prices, warmup, start)
    states = np.zeros((len(signals), len(values)), dtype=np.uint8)
    for i, signal in enumerate(signals):
        numeric = signal.astype(float)
        for a, bars in enumerate(dates):
            aligned = align_to_bars(numeric, bars).fillna(0.0).to_numpy()
            states[i, offsets[a] : offsets[a + 1]] = aligned > 0
    rows = np.column_stack([np.arange(len(signals)), np.full(len(signals), -1)])
    return KernelInputs(
        assets=names,
        dates=dates,
        prices=values,
        cum=_running_sums(values, offsets),
        offsets=offsets,
        starts=starts,
        kind=KIND_STATE,
        ma=np.zeros((1, 1)),
        states=states,
        combos=_combos(len(names), rows, lag_values),
        cost=float(cost_bp) / 1e4,
        slippage=float(slippage_bp) / 1e4,
        window_id=_empty_windows(len(values)),
        n_windows=0,
        hac_lags=np.asarray([_hac_lags(len(d) - s) for d, s in zip(dates, starts, strict=True)], dtype=np.int64),
        inference=inference,
    )


# -- evaluation ----------------------------------------------------------------------------------


def _factors(inputs: KernelInputs) -> tuple[float, float]:
    return (1.0 + inputs.slippage) * (1.0 + inputs.cost), (1.0 - inputs.slippage) * (1.0 - inputs.cost)


def _window_bounds(inputs: KernelInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Per asset, the evaluated bars where the walk-forward window changes (relative bar, new window).
    positions, windows, offsets = [], [], [0]
    for a in range(len(inputs.assets)):
        ids = inputs.window_id[inputs.offsets[a] : inputs.offsets[a + 1]]
        start = int(inputs.starts[a])
        before = np.concatenate([[-1], ids[start:-1]])
        changed = np.flatnonzero(ids[start:] != before) + start
        if inputs.n_windows == 0:
            changed = changed[:0]
        positions.append(changed)
        windows.append(ids[changed])
        offsets.append(offsets[-1] + len(changed))
    return (
        np.concatenate(positions).astype(np.int64),
        np.concatenate(windows).astype(np.int64),
        np.asarray(offsets, dtype=np.int64),
    )


def _run(
    inputs: KernelInputs, ids: np.ndarray, *, mode: int, axis_map: np.ndarray | None, width: int, parallel: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    buy, sell = _factors(inputs)
    n = len(ids)
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    if mode == MODE_STATS:
        stats = np.zeros((n, _N_STATS))
        wins = np.zeros((n, max(inputs.n_windows, 1), _N_WIN))
        loop = _stats_parallel if parallel else _stats_serial
        bounds, bound_windows, bound_offsets = _window_bounds(inputs)
        loop(
            ids,
            inputs.prices,
            inputs.cum,
            inputs.offsets,
            inputs.starts,
            inputs.kind,
            inputs.ma,
            inputs.states,
            inputs.combos,
            buy,
            sell,
            bounds,
            bound_windows,
            bound_offsets,
            inputs.hac_lags,
            inputs.inference,
            stats,
            wins,
        )
        return stats, wins, np.zeros((0, 0))
    out = np.zeros((n, width))
    amap = axis_map if axis_map is not None else np.full(len(inputs.prices), -1, dtype=np.int64)
    paths = _paths_parallel if parallel else _paths_serial
    paths(
        ids,
        inputs.prices,
        inputs.offsets,
        inputs.starts,
        inputs.kind,
        inputs.ma,
        inputs.states,
        inputs.combos,
        buy,
        sell,
        mode,
        amap,
        out,
    )
    return np.zeros((0, 0)), np.zeros((0, 0, 0)), out


def _stats_chunk(inputs: KernelInputs, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    stats, wins, _ = _run(inputs, np.arange(lo, hi), mode=MODE_STATS, axis_map=None, width=1, parallel=False)
    return stats, wins


def _chunks(total: int, parts: int) -> list[tuple[int, int]]:
    parts = max(1, min(parts, total))
    edges = np.linspace(0, total, parts + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


def _inline(executor: Executor, work: int) -> bool:
    return executor.kind == "local" and (executor.n_workers == 1 or work < INLINE_WORK)


def evaluate(
    inputs: KernelInputs,
    executor: Executor | None = None,
    *,
    progress: Progress | None = None,
    chunks: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run every combination: per-combination statistics and walk-forward window sums.

    Parameters
    ----------
    inputs
        From :func:`ma_cross_inputs` or :func:`state_inputs`.
    executor
        Where to run (default: local). Small local sweeps run in this process on numba
        threads (:data:`INLINE_WORK`); the numbers are the same either way.
    progress
        ``progress(done, total)`` as chunks finish.
    chunks
        Number of chunks (default: 4 per worker, or enough to keep chunks near 50 million
        bar-updates).

    Returns
    -------
    (stats, windows)
        ``stats``: ``(K, len(STAT_COLUMNS))``; ``windows``: ``(K, n_windows, 4)`` sums of bars,
        ``r``, ``r^2`` and ``log(1 + r)`` per walk-forward window.
    """
    executor = executor or Executor()
    if inputs.n_combos == 0:
        raise ValueError("the sweep has no combinations")
    if chunks is None and _inline(executor, inputs.work):
        # One call over all combinations, on numba's threads.
        stats, wins, _ = _run(
            inputs, np.arange(inputs.n_combos), mode=MODE_STATS, axis_map=None, width=1, parallel=True
        )
        if progress:
            progress(1, 1)
        return stats, wins
    parts = chunks or max(4 * executor.n_workers, int(math.ceil(inputs.work / 5e7)))
    pieces = executor.map(_stats_chunk, inputs, _chunks(inputs.n_combos, parts), progress=progress)
    return np.concatenate([p[0] for p in pieces]), np.concatenate([p[1] for p in pieces])


def combo_returns(
    inputs: KernelInputs, ids: Sequence[int] | np.ndarray, axis: pd.DatetimeIndex, *, what: str = "returns"
) -> pd.DataFrame:
    """Per-bar series of some combinations on a common date axis (zero where an asset has no bar).

    Parameters
    ----------
    inputs
        The sweep's inputs.
    ids
        Combination numbers (rows of ``inputs.combos``).
    axis
        Dates of the result.
    what
        ``"returns"`` (strategy returns), ``"excess"`` (minus the asset's own return) or
        ``"position"`` (weight held after each close).

    Returns
    -------
    pandas.DataFrame
        Index ``axis``, one column per id.
    """
    modes = {"returns": MODE_RETURNS, "excess": MODE_EXCESS, "position": MODE_POSITION}
    if what not in modes:
        raise ValueError(f"what must be one of {', '.join(modes)}, got {what!r}")
    id_array = np.asarray(list(ids), dtype=np.int64)
    axis_map = _axis_map(inputs, axis)
    _, _, out = _run(inputs, id_array, mode=modes[what], axis_map=axis_map, width=len(axis), parallel=True)
    frame = pd.DataFrame(out.T, index=axis, columns=id_array)
    if what == "position":
        # A position is held on days its asset has no bar (an exchange asset at the weekend).
        for a in range(len(inputs.assets)):
            columns = id_array[inputs.combos[id_array, 0] == a]
            if len(columns):
                traded = axis.isin(inputs.dates[a][inputs.starts[a] :])
                frame.loc[~traded, columns] = np.nan
                frame[columns] = frame[columns].ffill().fillna(0.0)
    return frame


def _axis_map(inputs: KernelInputs, axis: pd.DatetimeIndex) -> np.ndarray:
    mapping = np.full(len(inputs.prices), -1, dtype=np.int64)
    for a, bars in enumerate(inputs.dates):
        position = axis.get_indexer(bars)
        start = inputs.starts[a]
        position[:start] = -1
        mapping[inputs.offsets[a] : inputs.offsets[a + 1]] = position
    return mapping


# -- data snooping over the whole family ------------------------------------------------------------

#: Combinations whose excess returns choose the snooping test's default block length: the ones
#: with the highest mean excess, which decide the maximum statistic.
SNOOPING_BLOCK_SIZE_FROM = 50


def family_snooping(
    inputs: KernelInputs,
    axis: pd.DatetimeIndex,
    *,
    labels: Sequence[str] | None = None,
    method: Literal["spa", "rc"] = "spa",
    reps: int = 1000,
    block_size: int | None = None,
    seed: int | np.random.Generator | None = None,
) -> SnoopingResult:
    """Hansen's SPA / White's Reality Check over every combination of a sweep.

    :func:`riskcurve.stats.multiple_testing.data_snooping` with the excess returns
    ``d_t = r_t - b_t`` of every combination on the common sample as candidates and zero as the
    benchmark ("no combination beats holding its own asset").

    Parameters
    ----------
    inputs
        The sweep's inputs.
    axis
        The common sample (dates on which every asset has a price).
    labels
        Name of each combination (for ``best``); default its number.
    method, reps, seed
        As in ``data_snooping`` (``seed=None`` draws a fresh seed and records it in the result).
    block_size
        Mean block length; default: the Politis-White optimal length, the longest over the
        :data:`SNOOPING_BLOCK_SIZE_FROM` combinations with the highest mean excess return
        (``data_snooping``'s ``block_size_from``), capped at half the sample.

    Notes
    -----
    The family's excess returns are held in memory at once: combinations x periods x 8 bytes
    (180 MB for 5,000 combinations over 4,600 days).
    """
    from riskcurve.stats.multiple_testing import data_snooping

    axis = pd.DatetimeIndex(axis)
    excess = combo_returns(inputs, range(inputs.n_combos), axis, what="excess")
    excess.columns = pd.Index([str(x) for x in (labels if labels is not None else range(inputs.n_combos))])
    return data_snooping(
        pd.Series(0.0, index=axis),
        excess,
        method=method,
        reps=reps,
        block_size=block_size,
        block_size_from=SNOOPING_BLOCK_SIZE_FROM,
        seed=seed,
    )


# -- walk-forward ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WalkForward:
    """Walk-forward selection: choose in-sample, then run out of sample.

    The common sample is cut into consecutive windows of ``test_years``. For each window
    after the first ``train_years``, the combination with the highest in-sample Sharpe ratio
    (over all earlier windows when ``expanding``, else the last ``train_years`` of them) is
    chosen, and its returns in the window are the out-of-sample result. Switching from one
    choice to the next costs what the account would pay: selling the old position and buying
    the new one at the close before the window, when they differ.

    Parameters
    ----------
    train_years
        In-sample length before the first out-of-sample window (and of every in-sample
        window when not ``expanding``).
    test_years
        Length of each out-of-sample window.
    expanding
        Expanding (default) or rolling in-sample windows.
    min_bars
        Fewest in-sample bars a combination needs to be chosen.
    """

    train_years: float = 3.0
    test_years: float = 1.0
    expanding: bool = True
    min_bars: int = 250

    def __post_init__(self) -> None:
        for name in ("train_years", "test_years"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"{name} must be a positive number of years, got {value!r}")
        if isinstance(self.min_bars, bool) or not isinstance(self.min_bars, int) or self.min_bars < 2:
            raise ValueError(f"min_bars must be an integer >= 2, got {self.min_bars!r}")

    def windows(self, axis: pd.DatetimeIndex) -> tuple[np.ndarray, pd.DatetimeIndex]:
        """Window number of each date of ``axis``, and each window's first day."""
        days = int(round(self.test_years * DAYS_PER_YEAR))
        elapsed = (axis - axis[0]).days.to_numpy()
        ids = (elapsed // days).astype(np.int64)
        starts = pd.DatetimeIndex([axis[0] + pd.Timedelta(days=days * i) for i in range(int(ids.max()) + 1)])
        return ids, starts

    @property
    def train_windows(self) -> int:
        """Windows before the first out-of-sample one."""
        return max(1, int(math.ceil(self.train_years / self.test_years - 1e-9)))


@dataclass(frozen=True)
class WalkForwardResult:
    """The out-of-sample record of a walk-forward selection.

    Attributes
    ----------
    windows
        One row per out-of-sample window: ``start``, ``end``, ``combo`` (chosen combination
        number), its ``label``, ``in_sample_sharpe``, ``oos_return``, ``oos_sharpe``,
        ``buy_hold_return`` (its asset's, same window).
    returns
        Stitched out-of-sample returns (switching costs included) and the chosen assets'
        buy-and-hold returns, columns ``walk_forward`` and ``buy_and_hold``.
    metrics
        :func:`~riskcurve.backtest.metrics.performance` of both columns.
    settings
        The :class:`WalkForward` fields.
    """

    windows: pd.DataFrame
    returns: pd.DataFrame
    metrics: pd.DataFrame
    settings: Mapping[str, Any]


def _sharpe_from_sums(n: np.ndarray, s: np.ndarray, s2: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s / n
        var = (s2 - n * mean**2) / (n - 1)
        return np.where((n > 1) & (var > 0), mean / np.sqrt(np.maximum(var, 1e-300)), -np.inf)


def _walk_forward(
    inputs: KernelInputs,
    wins: np.ndarray,
    axis: pd.DatetimeIndex,
    window_ids: np.ndarray,
    window_starts: pd.DatetimeIndex,
    spec: WalkForward,
    labels: Sequence[str],
) -> WalkForwardResult | None:
    n_windows = len(window_starts)
    first_test = spec.train_windows
    if n_windows <= first_test:
        return None
    buy, sell = _factors(inputs)
    chosen: list[int] = []
    in_sample: list[float] = []
    for j in range(first_test, n_windows):
        lo = 0 if spec.expanding else max(0, j - spec.train_windows)
        sums = wins[:, lo:j, :].sum(axis=1)
        sharpe = _sharpe_from_sums(sums[:, 0], sums[:, 1], sums[:, 2])
        sharpe = np.where(sums[:, 0] >= spec.min_bars, sharpe, -np.inf)
        best = int(np.argmax(sharpe))  # ties: the lowest combination number
        chosen.append(best)
        in_sample.append(float(sharpe[best]))
    unique = sorted(set(chosen))
    returns = combo_returns(inputs, unique, axis, what="returns")
    positions = combo_returns(inputs, unique, axis, what="position")
    asset_returns = {}
    for a, name in enumerate(inputs.assets):
        series = pd.Series(inputs.prices[inputs.offsets[a] : inputs.offsets[a + 1]], index=inputs.dates[a])
        asset_returns[name] = (series / series.shift(1) - 1.0).reindex(axis).fillna(0.0)
    stitched = pd.Series(0.0, index=axis)
    holding = pd.Series(0.0, index=axis)
    held = pd.Series(0.0, index=axis)
    rows = []
    previous: int | None = None
    trades, turnover = 0, 0.0
    for offset, (combo, chosen_sharpe) in enumerate(zip(chosen, in_sample, strict=True)):
        j = first_test + offset
        mask = window_ids == j
        dates = axis[mask]
        if not len(dates):
            continue
        r = returns[combo].to_numpy()[mask].copy()
        path = positions[combo].to_numpy()
        first = int(np.flatnonzero(mask)[0])
        # Weight held over each bar: the chosen combination's position after the previous
        # close (at the window's first bar, after the switch at the close before it).
        before_path = np.concatenate([[path[first - 1] if first > 0 else 0.0], path[mask][:-1]])
        held[mask] = before_path
        inside = np.diff(np.concatenate([[before_path[0]], path[mask]]))
        trades += int((inside > 0).sum())
        turnover += float(np.abs(inside).sum())
        asset = inputs.assets[inputs.combos[combo, 0]]
        if previous is not None and first > 0:
            # The switch happens at the close before the window: the old choice's position is
            # sold and the new one's bought when they differ (in asset or in being invested).
            old_pos = positions[previous].to_numpy()[first - 1]
            new_pos = path[first - 1]
            same_asset = inputs.combos[previous, 0] == inputs.combos[combo, 0]
            factor = 1.0
            if old_pos > 0 and (new_pos == 0 or not same_asset):
                factor *= sell
                turnover += 1.0
            if new_pos > 0 and (old_pos == 0 or not same_asset):
                factor /= buy
                turnover += 1.0
                trades += 1
            r[0] = (1.0 + r[0]) * factor - 1.0
        elif previous is None and first > 0 and path[first - 1] > 0:
            # The first choice starts invested: it is bought at the close before the window.
            r[0] = (1.0 + r[0]) / buy - 1.0
            turnover += 1.0
            trades += 1
        stitched[mask] = r
        holding[mask] = asset_returns[asset].to_numpy()[mask]
        sd = float(np.std(r, ddof=1)) if len(r) > 1 else float("nan")
        rows.append(
            {
                "start": dates[0],
                "end": dates[-1],
                "combo": combo,
                "label": labels[combo],
                "in_sample_sharpe": chosen_sharpe,
                "oos_return": float(np.prod(1.0 + r)) - 1.0,
                "oos_sharpe": float(np.mean(r) / sd * math.sqrt(periods_per_year(dates))) if sd > 0 else float("nan"),
                "buy_hold_return": float(np.prod(1.0 + holding[mask].to_numpy()) - 1.0),
            }
        )
        previous = combo
    oos = axis[window_ids >= first_test]
    frame = pd.DataFrame({"walk_forward": stitched.loc[oos], "buy_and_hold": holding.loc[oos]})
    per_year = periods_per_year(oos)
    metrics = pd.DataFrame(
        {
            "walk_forward": performance(
                frame["walk_forward"], held=held.loc[oos], trades=trades, turnover=turnover, periods=per_year
            ),
            "buy_and_hold": performance(frame["buy_and_hold"], periods=per_year),
        }
    ).T
    metrics.index.name = "strategy"
    return WalkForwardResult(
        windows=pd.DataFrame(rows),
        returns=frame,
        metrics=metrics,
        settings={
            "train_years": spec.train_years,
            "test_years": spec.test_years,
            "expanding": spec.expanding,
            "min_bars": spec.min_bars,
            "criterion": "in-sample Sharpe ratio",
        },
    )


# -- grids -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _GridSignals:
    """What a grid produces: parameter rows and either MA pairs or boolean state series."""

    parameters: pd.DataFrame  # one row per signal definition
    pairs: list[tuple[int, int]] | None = None
    states: list[pd.Series] | None = None


@dataclass(frozen=True)
class GridSpec:
    """A named grid of ``riskcurve sweep --grid NAME``.

    Attributes
    ----------
    name
        The CLI name.
    definition
        The rule each combination follows, in words.
    defaults
        Parameter -> the values tried by default (``--param key=v1,v2,...`` replaces them).
    warmup
        ``parameters -> bars`` skipped at each asset's start so every definition has its history.
    build
        ``(data, prices, parameters) -> _GridSignals``.
    """

    name: str
    definition: str
    defaults: Mapping[str, tuple[Any, ...]]
    warmup: Callable[[Mapping[str, tuple[Any, ...]]], int]
    build: Callable[[MarketData, Mapping[str, pd.Series], Mapping[str, tuple[Any, ...]]], _GridSignals]

    def parse(self, raw: Mapping[str, str]) -> dict[str, tuple[Any, ...]]:
        """Value lists from ``key=v1,v2`` or ``key=lo:hi`` (integers lo..hi inclusive) strings."""
        parsed: dict[str, tuple[Any, ...]] = {}
        for key, text in raw.items():
            if key not in self.defaults:
                raise ValueError(f"grid {self.name!r} has no parameter {key!r} (it takes: {', '.join(self.defaults)})")
            kind = type(self.defaults[key][0])
            try:
                if ":" in text and kind is int:
                    lo, hi = (int(x) for x in text.split(":", 1))
                    values: tuple[Any, ...] = tuple(range(lo, hi + 1))
                else:
                    values = tuple(kind(x.strip()) for x in text.split(",") if x.strip())
            except ValueError:
                raise ValueError(f"grid parameter {key}={text!r} must be {kind.__name__} values like 1,2,3") from None
            if not values:
                raise ValueError(f"grid parameter {key} has no values")
            parsed[key] = values
        return {**self.defaults, **parsed}


def _ma_grid(data: MarketData, prices: Mapping[str, pd.Series], p: Mapping[str, tuple[Any, ...]]) -> _GridSignals:
    windows = sorted(set(int(w) for w in p["windows"]))
    if windows[0] < 1 or len(windows) < 2:
        raise ValueError("windows must hold at least two positive integers")
    pairs = [(f, s) for i, f in enumerate(windows) for s in windows[i + 1 :]]
    return _GridSignals(pd.DataFrame(pairs, columns=["fast", "slow"]), pairs=pairs)


def _breakout_grid(data: MarketData, prices: Mapping[str, pd.Series], p: Mapping[str, tuple[Any, ...]]) -> _GridSignals:
    days = data.days("1990-01-01")
    rows, states = [], []
    for symbol in p["symbol"]:
        for min_base in p["min_base"]:
            for confirm in p["confirm_closes"]:
                events = confirmed_breakouts(data, str(symbol), min_base=int(min_base), confirm_closes=int(confirm))
                for hold in p["hold_days"]:
                    rows.append({"symbol": symbol, "min_base": min_base, "confirm_closes": confirm, "hold_days": hold})
                    states.append(after_events(events, int(hold), days))
    return _GridSignals(pd.DataFrame(rows), states=states)


def _cascade_grid(data: MarketData, prices: Mapping[str, pd.Series], p: Mapping[str, tuple[Any, ...]]) -> _GridSignals:
    rows, states = [], []
    liquidity = {
        float(x): liquidity_not_contracting(data, threshold_pct=float(x)) for x in p["liquidity_threshold"] if x > 0
    }
    for long_window in p["long_window"]:
        for min_days in p["min_days"]:
            stages = {
                int(stage): cascade_stage_at_least(
                    data, int(stage), long_window=int(long_window), min_days=int(min_days)
                )
                for stage in p["stage"]
            }
            for stage, lit in stages.items():
                for threshold in p["liquidity_threshold"]:
                    rows.append(
                        {
                            "stage": stage,
                            "long_window": long_window,
                            "min_days": min_days,
                            "liquidity_threshold": threshold,
                        }
                    )
                    if threshold > 0:
                        states.append(all_of(lit, liquidity[float(threshold)]))
                    else:
                        states.append(lit)
    return _GridSignals(pd.DataFrame(rows), states=states)


GRIDS: dict[str, GridSpec] = {
    spec.name: spec
    for spec in (
        GridSpec(
            "ma-cross",
            "Long from a cross of the fast moving average above the slow one to the next cross back under "
            "(every pair fast < slow of `windows`), on each asset's own closes.",
            {"windows": tuple(range(2, 102))},
            lambda p: max(int(w) for w in p["windows"]),
            _ma_grid,
        ),
        GridSpec(
            "breakout",
            "Long for `hold_days` calendar days from each confirmed breakout of `symbol` (first all-time closing "
            "high after `min_base` sessions, confirmed by `confirm_closes` closes above the old high).",
            {
                "symbol": ("RUT",),
                "min_base": (60, 125, 250, 500),
                "confirm_closes": (1, 2, 3, 5, 10),
                "hold_days": (30, 60, 90, 180, 365),
            },
            lambda p: 0,
            _breakout_grid,
        ),
        GridSpec(
            "cascade",
            "Long while the cascade has reached at least `stage` links (trend windows `long_window`/50, "
            "debounced over `min_days`) and, when `liquidity_threshold` > 0, net liquidity is not contracting "
            "by more than that fraction over 13 weeks.",
            {
                "stage": (1, 2, 3, 4, 5),
                "long_window": (100, 200),
                "min_days": (1, 5, 10),
                "liquidity_threshold": (0.0, 0.01, 0.02, 0.05),
            },
            lambda p: 0,
            _cascade_grid,
        ),
    )
}


def get_grid(name: str) -> GridSpec:
    """The grid called ``name``; the error lists the known ones."""
    key = name.strip().lower().replace("_", "-")
    if key not in GRIDS:
        raise ValueError(f"unknown grid {name!r}; choose one of {', '.join(GRIDS)}")
    return GRIDS[key]


# -- the sweep -----------------------------------------------------------------------------------


def stats_table(inputs: KernelInputs, stats: np.ndarray, per_year: np.ndarray | None = None) -> pd.DataFrame:
    """The kernel's running sums turned into the metrics of :mod:`riskcurve.backtest.metrics`.

    Parameters
    ----------
    inputs
        The sweep's inputs.
    stats
        ``evaluate(inputs)[0]``.
    per_year
        Bars per year of each asset; default from each asset's calendar.

    Returns
    -------
    pandas.DataFrame
        One row per combination: ``start``, ``end``, ``bars``, ``total_return``, ``cagr``,
        ``volatility``, ``sharpe``, ``sortino``, ``max_drawdown`` and its dates, ``exposure``,
        ``turnover``, ``trades``, ``excess_return`` (annualised mean excess over buy-and-hold),
        ``t_hac``, ``p``, ``sharpe_per_period``, ``skew``, ``kurtosis``.
    """
    if per_year is None:
        per_year = np.array([periods_per_year(d) for d in inputs.dates])
    s = {name: stats[:, i] for name, i in _S.items()}
    n = s["n"]
    asset = inputs.combos[:, 0]
    starts = np.array([inputs.dates[a][inputs.starts[a]] for a in range(len(inputs.assets))])
    ends = np.array([inputs.dates[a][-1] for a in range(len(inputs.assets))])
    first, last = pd.DatetimeIndex(starts[asset]), pd.DatetimeIndex(ends[asset])
    days = (last - first).days.to_numpy().astype(float)
    ppy = per_year[asset]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s["sum_r"] / n
        m2 = s["sum_r2"] / n - mean**2
        sd = np.sqrt(np.maximum(m2, 0.0) * n / (n - 1))
        m3 = s["sum_r3"] / n - 3 * mean * s["sum_r2"] / n + 2 * mean**3
        m4 = s["sum_r4"] / n - 4 * mean * s["sum_r3"] / n + 6 * mean**2 * s["sum_r2"] / n - 3 * mean**4
        skew = np.where(m2 > 0, m3 / m2**1.5, np.nan)
        kurt = np.where(m2 > 0, m4 / m2**2, np.nan)
        sharpe_pp = np.where(sd > 0, mean / sd, np.nan)
        downside = np.sqrt(s["sum_down2"] / n)
        total = s["wealth"] - 1.0
        cagr = np.where((days > 0) & (s["wealth"] > 0), s["wealth"] ** (DAYS_PER_YEAR / days) - 1.0, np.nan)
        mean_d = s["sum_d"] / n
        t_hac = np.where(s["lrv_d"] > 0, mean_d / np.sqrt(s["lrv_d"] / n), np.nan)
        sortino = np.where(downside > 0, mean / downside * np.sqrt(ppy), np.nan)
        turnover = s["turnover"] / (days / DAYS_PER_YEAR)
    p = np.where(s["sum_d2"] == 0, 1.0, norm.sf(t_hac))

    def date_at(column: str) -> pd.DatetimeIndex:
        where = s[column].astype(np.int64)
        values = [inputs.dates[a][i] if i >= 0 else pd.NaT for a, i in zip(asset, where, strict=True)]
        return pd.DatetimeIndex(values)

    return pd.DataFrame(
        {
            "start": first,
            "end": last,
            "bars": n.astype(np.int64),
            "total_return": total,
            "cagr": cagr,
            "volatility": sd * np.sqrt(ppy),
            "sharpe": sharpe_pp * np.sqrt(ppy),
            "sortino": sortino,
            "max_drawdown": s["max_dd"],
            "max_drawdown_peak": date_at("dd_peak"),
            "max_drawdown_trough": date_at("dd_trough"),
            "max_drawdown_recovery": date_at("dd_recovery"),
            "exposure": s["held"] / n,
            "turnover": turnover,
            "trades": s["trades"].astype(np.int64),
            "excess_return": mean_d * ppy,
            "t_hac": t_hac,
            "p": p if inputs.inference else np.full(len(n), np.nan),
            "sharpe_per_period": sharpe_pp,
            "skew": skew,
            "kurtosis": kurt,
        }
    )


def _deflated(table: pd.DataFrame) -> np.ndarray:
    sharpe = table["sharpe_per_period"].to_numpy(dtype=float)
    skew = table["skew"].to_numpy(dtype=float)
    kurtosis = table["kurtosis"].to_numpy(dtype=float)
    bars = table["bars"].to_numpy()
    finite = np.isfinite(sharpe)
    n_trials = int(finite.sum())
    variance = float(np.var(sharpe[finite], ddof=1)) if n_trials > 1 else 0.0
    out = np.full(len(table), np.nan)
    for i in np.flatnonzero(finite & np.isfinite(skew) & np.isfinite(kurtosis)):
        try:
            out[i] = deflated_sharpe_ratio(
                float(sharpe[i]), max(n_trials, 1), variance, int(bars[i]), float(skew[i]), float(kurtosis[i])
            )
        except ValueError:
            # The non-normality correction is undefined for this series (extreme moments).
            out[i] = np.nan
    return out


def _common_axis(inputs: KernelInputs) -> pd.DatetimeIndex:
    first = max(d[s] for d, s in zip(inputs.dates, inputs.starts, strict=True))
    last = min(d[-1] for d in inputs.dates)
    axis = pd.DatetimeIndex([])
    for d in inputs.dates:
        axis = axis.union(d[(d >= first) & (d <= last)])
    return axis.rename("date")


@dataclass(frozen=True)
class SweepResult:
    """What a :class:`Sweep` produced.

    Attributes
    ----------
    grid, definition
        The grid's name and rule.
    table
        One row per combination: the grid's parameters, ``asset``, ``lag``, ``label``, the
        metrics (``start``, ``end``, ``bars``, ``total_return``, ``cagr``, ``volatility``,
        ``sharpe``, ``sortino``, ``max_drawdown`` and its ``_peak``/``_trough``/``_recovery``
        dates, ``exposure``, ``turnover``, ``trades``), ``buy_hold_total_return`` and
        ``buy_hold_sharpe`` of the asset, ``excess_return`` (annualised mean excess over
        buy-and-hold), ``t_hac``, ``p`` (one-sided: beats buy-and-hold), ``p_holm``,
        ``p_bh``, ``dsr`` (deflated Sharpe ratio with the whole family as trials).
    snooping
        The data-snooping test over the family (``None`` if not asked for).
    walk_forward
        The walk-forward selection's out-of-sample record (``None`` if not asked for or the
        common sample is too short).
    settings
        Costs, lags, assets, warm-up, common sample, executor, timings.
    """

    grid: str
    definition: str
    table: pd.DataFrame
    snooping: SnoopingResult | None
    walk_forward: WalkForwardResult | None
    settings: Mapping[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """The tidy table."""
        return self.table.copy()

    def best(self, n: int = 10, by: str = "sharpe") -> pd.DataFrame:
        """The ``n`` best rows by ``by`` (descending; ties by combination number)."""
        if by not in self.table.columns:
            raise ValueError(f"by must be a column of the table, got {by!r}")
        return self.table.sort_values(by, ascending=False, kind="stable").head(n)

    def summary(self) -> str:
        """A few lines in words."""
        s = self.settings
        best = self.best(1).iloc[0]
        lines = [
            f"sweep {self.grid}: {len(self.table):,} combinations ({s['signals']} definitions x {len(s['lags'])} lags "
            f"x {len(s['assets'])} assets) in {s['seconds']:.2f} s on {s['executor']}",
            f"best by Sharpe: {best['label']}: Sharpe {best['sharpe']:.2f}, CAGR {best['cagr']:+.1%}, "
            f"max DD {best['max_drawdown']:.1%}, p {best['p']:.3g} (Holm {best['p_holm']:.3g}), DSR {best['dsr']:.2f}",
        ]
        if self.snooping is not None:
            lines.append(self.snooping.summary())
        if self.walk_forward is not None:
            m = self.walk_forward.metrics[["cagr", "sharpe"]].astype(float).to_dict("index")
            wf, bh = m["walk_forward"], m["buy_and_hold"]
            lines.append(
                f"walk-forward out of sample ({len(self.walk_forward.windows)} windows): CAGR {wf['cagr']:+.1%} "
                f"Sharpe {wf['sharpe']:.2f} vs buy-and-hold CAGR {bh['cagr']:+.1%} Sharpe {bh['sharpe']:.2f}"
            )
        return "\n".join(lines)

    def to_dict(self, *, top: int = 20) -> dict[str, Any]:
        """JSON-ready fields: the ``riskcurve sweep --json`` schema.

        Keys: ``grid``, ``definition``, ``settings``, ``combinations``, ``top`` (the ``top``
        best rows by Sharpe, every table column), ``family`` (how many rows have p, p_holm and
        p_bh below 0.05), ``snooping`` (``SnoopingResult.to_dict()`` or null) and
        ``walk_forward`` (``settings``, ``windows``, ``metrics``; or null).
        """

        def clean(value: Any) -> Any:
            if isinstance(value, pd.Timestamp):
                return None if pd.isna(value) else value.date().isoformat()
            if value is pd.NaT or value is None:
                return None
            if isinstance(value, np.generic):
                value = value.item()
            if isinstance(value, float) and not math.isfinite(value):
                return None
            if isinstance(value, tuple | list):
                return [clean(v) for v in value]
            return value

        def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [{str(k): clean(v) for k, v in r.items()} for r in frame.to_dict("records")]

        wf = None
        if self.walk_forward is not None:
            metrics = self.walk_forward.metrics.reset_index()
            wf = {
                "settings": {k: clean(v) for k, v in self.walk_forward.settings.items()},
                "windows": rows(self.walk_forward.windows),
                "metrics": {
                    str(r["strategy"]): {k: clean(v) for k, v in r.items() if k != "strategy"}
                    for r in metrics.to_dict("records")
                },
            }
        return {
            "grid": self.grid,
            "definition": self.definition,
            "settings": {k: clean(v) for k, v in self.settings.items()},
            "combinations": len(self.table),
            "top": rows(self.best(top)),
            "family": {
                "size": int(self.table["p"].notna().sum()),
                "p_below_0.05": int((self.table["p"] < 0.05).sum()),
                "p_holm_below_0.05": int((self.table["p_holm"] < 0.05).sum()),
                "p_bh_below_0.05": int((self.table["p_bh"] < 0.05).sum()),
            },
            "snooping": self.snooping.to_dict() if self.snooping is not None else None,
            "walk_forward": wf,
        }


@dataclass(frozen=True)
class Sweep:
    """A parameter sweep: a grid of definitions x lags x assets, with honest statistics.

    Parameters
    ----------
    grid
        A name of :data:`GRIDS`: ``"ma-cross"``, ``"breakout"`` or ``"cascade"``.
    assets
        Traded assets (:func:`~riskcurve.backtest.rules.traded_prices`: symbols, ``"ALTS"``,
        baskets).
    lags
        Execution lags (bars from the signal's bar to the trade's close), each >= 1.
    parameters
        Value lists replacing the grid's defaults, by parameter.
    cost_bp, slippage_bp
        Per side, basis points.
    warmup
        Bars at each asset's start not evaluated; default the grid's longest lookback.
    start
        First date evaluated (with ``warmup``, whichever is later).
    snooping
        ``"spa"`` (default), ``"rc"`` or ``None``.
    reps, block_size, seed
        Of the snooping test's bootstrap; ``seed`` makes it reproducible.
    walk_forward
        Walk-forward settings, or ``None`` to skip.
    executor
        Where the chunks run.
    """

    grid: str = "ma-cross"
    assets: tuple[str, ...] = ("BTC",)
    lags: tuple[int, ...] = (1,)
    parameters: Mapping[str, Sequence[Any]] | None = None
    cost_bp: float = 10.0
    slippage_bp: float = 5.0
    warmup: int | None = None
    start: DateLike | None = None
    snooping: Literal["spa", "rc"] | None = "spa"
    reps: int = 1000
    block_size: int | None = None
    seed: int | np.random.Generator | None = 0
    walk_forward: WalkForward | None = field(default_factory=WalkForward)
    executor: Executor = field(default_factory=Executor)

    def __post_init__(self) -> None:
        spec = get_grid(self.grid)
        if isinstance(self.assets, str) or not self.assets:
            raise ValueError("assets must be a non-empty sequence of asset names, e.g. ('BTC', 'ETH', 'ALTS')")
        _check_lags(self.lags)
        if self.parameters is not None:
            unknown = sorted(set(self.parameters) - set(spec.defaults))
            if unknown:
                raise ValueError(
                    f"grid {spec.name!r} has no parameter(s) {', '.join(unknown)} "
                    f"(it takes: {', '.join(spec.defaults)})"
                )
        if self.snooping not in (None, "spa", "rc"):
            raise ValueError(f"snooping must be 'spa', 'rc' or None, got {self.snooping!r}")
        from riskcurve.backtest.engine import check_basis_points

        check_basis_points("cost_bp", self.cost_bp)
        check_basis_points("slippage_bp", self.slippage_bp)
        if isinstance(self.reps, bool) or not isinstance(self.reps, int) or self.reps < 1:
            raise ValueError(f"reps must be a positive integer, got {self.reps!r}")
        if self.walk_forward is not None and not isinstance(self.walk_forward, WalkForward):
            raise TypeError(f"walk_forward must be a WalkForward or None, got {type(self.walk_forward).__name__}")
        if not isinstance(self.executor, Executor):
            raise TypeError(f"executor must be an Executor, got {type(self.executor).__name__}")
        if self.warmup is not None and (
            isinstance(self.warmup, bool) or not isinstance(self.warmup, int) or self.warmup < 0
        ):
            raise ValueError(f"warmup must be a non-negative integer or None, got {self.warmup!r}")

    def run(self, data: MarketData, *, progress: Callable[[str, int, int], None] | None = None) -> SweepResult:
        """Read the data, evaluate every combination, and test the family.

        Parameters
        ----------
        data
            Point-in-time view of the store.
        progress
            ``progress(stage, done, total)`` for ``"signals"``, ``"sweep"``, ``"snooping"``.
        """
        import time

        spec = get_grid(self.grid)
        values = {k: tuple(v) for k, v in {**spec.defaults, **(self.parameters or {})}.items()}
        prices = {asset.upper(): traded_prices(data, asset) for asset in self.assets}
        if len(prices) != len(self.assets):
            raise ValueError(f"assets has duplicates: {list(self.assets)}")
        if progress:
            progress("signals", 0, 1)
        signals = spec.build(data, prices, values)
        if progress:
            progress("signals", 1, 1)
        warmup = spec.warmup(values) if self.warmup is None else int(self.warmup)
        if signals.pairs is not None:
            inputs = ma_cross_inputs(
                prices,
                signals.pairs,
                lags=self.lags,
                cost_bp=self.cost_bp,
                slippage_bp=self.slippage_bp,
                warmup=warmup,
                start=self.start,
            )
        else:
            inputs = state_inputs(
                prices,
                signals.states or [],
                lags=self.lags,
                cost_bp=self.cost_bp,
                slippage_bp=self.slippage_bp,
                warmup=warmup,
                start=self.start,
            )
        axis = _common_axis(inputs)
        window_ids = np.full(len(axis), -1, dtype=np.int64)
        window_starts = pd.DatetimeIndex([])
        if self.walk_forward is not None and len(axis) > 1:
            window_ids, window_starts = self.walk_forward.windows(axis)
            per_bar = _axis_map(inputs, axis)
            inputs = inputs.with_windows(
                np.where(per_bar >= 0, window_ids[np.maximum(per_bar, 0)], -1), len(window_starts)
            )
        began = time.perf_counter()
        stats, wins = evaluate(
            inputs, self.executor, progress=(lambda d, t: progress("sweep", d, t)) if progress else None
        )
        seconds = time.perf_counter() - began

        combos = inputs.combos
        n_rows = len(signals.parameters)
        definition_row = np.tile(np.repeat(np.arange(n_rows), len(self.lags)), len(inputs.assets))
        table = signals.parameters.iloc[definition_row].reset_index(drop=True)
        table.insert(len(table.columns), "asset", np.asarray(inputs.assets, dtype=object)[combos[:, 0]])
        table.insert(len(table.columns), "lag", combos[:, 3])
        params = list(signals.parameters.columns)
        table.insert(
            len(table.columns),
            "label",
            [
                " ".join(f"{k}={v}" for k, v in zip([*params, "asset", "lag"], row, strict=True))
                for row in table[[*params, "asset", "lag"]].itertuples(index=False)
            ],
        )
        per_year = np.array([periods_per_year(d) for d in inputs.dates])
        metrics = stats_table(inputs, stats, per_year)
        buy_hold = {}
        for a, name in enumerate(inputs.assets):
            close = pd.Series(inputs.prices[inputs.offsets[a] : inputs.offsets[a + 1]], index=inputs.dates[a])
            window = close.iloc[inputs.starts[a] :]
            r = (window / window.shift(1) - 1.0).fillna(0.0)
            perf = performance(r, periods=per_year[a])
            buy_hold[name] = (perf["total_return"], perf["sharpe"])
        table = pd.concat([table, metrics], axis=1)
        table["buy_hold_total_return"] = [buy_hold[a][0] for a in table["asset"]]
        table["buy_hold_sharpe"] = [buy_hold[a][1] for a in table["asset"]]
        from riskcurve.stats.multiple_testing import family_table

        table = family_table(table, p_column="p")
        table["dsr"] = _deflated(table)
        table.index.name = "combo"

        snooping = None
        if self.snooping is not None and len(axis) >= 20:
            if progress:
                progress("snooping", 0, 1)
            snooping = family_snooping(
                inputs,
                axis,
                labels=list(table["label"]),
                method=self.snooping,
                reps=self.reps,
                block_size=self.block_size,
                seed=self.seed,
            )
            if progress:
                progress("snooping", 1, 1)
        walk = None
        if self.walk_forward is not None and len(window_starts):
            walk = _walk_forward(inputs, wins, axis, window_ids, window_starts, self.walk_forward, list(table["label"]))
        return SweepResult(
            grid=spec.name,
            definition=spec.definition,
            table=table,
            snooping=snooping,
            walk_forward=walk,
            settings={
                "as_of": data.as_of,
                "assets": list(inputs.assets),
                "lags": list(self.lags),
                "parameters": {k: list(v) for k, v in values.items()},
                "signals": n_rows,
                "signal_columns": params,
                "cost_bp": float(self.cost_bp),
                "slippage_bp": float(self.slippage_bp),
                "warmup": warmup,
                "common_start": axis[0] if len(axis) else pd.NaT,
                "common_end": axis[-1] if len(axis) else pd.NaT,
                "executor": (
                    f"this process ({numba.get_num_threads()} numba threads)"
                    if _inline(self.executor, inputs.work)
                    else self.executor.describe()
                ),
                "seconds": seconds,
                "bar_updates": inputs.work,
            },
        )
