"""The compiled kernel: numba loops walking sweep combinations through the bars, keeping only running sums.

Each loop over combinations exists twice on purpose: ``parallel=True`` with ``prange`` over numba's threads
(a sweep run in this process) and a plain ``nogil`` loop (one chunk in a worker, where the executor already
supplies the parallelism); numba compiles them as separate functions.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["STAT_COLUMNS"]

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

MODE_STATS, MODE_RETURNS, MODE_EXCESS, MODE_POSITION = 0, 1, 2, 3
KIND_MA, KIND_STATE = 0, 1


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
