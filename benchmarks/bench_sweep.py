"""Sweep throughput: riskcurve's sweep kernel against vectorbt, on the same grids, signals and costs.

Run: ``.venv/bin/python benchmarks/bench_sweep.py [--store PATH] [--vbt-sample 6000] [--vbt-full]``

Everything runs on the real snapshot (BTC to its last close, 2026-08-20; ETH; the equal-weight
altcoin basket of :func:`riskcurve.backtest.rules.traded_prices`), in one run:

1. **Moving-average crossings on BTC, 4,950 combinations**: every pair fast < slow of windows
   2..101, long from a cross above to the next cross below, traded on the next bar, 10 bp fee
   and 5 bp slippage per side.

   * riskcurve: :func:`~riskcurve.backtest.sweep.ma_cross_inputs` (all averages by one cumulative
     sum) + :func:`~riskcurve.backtest.sweep.evaluate` (the numba kernel: crossings, positions,
     costs, returns, drawdown, moments) -> total return, Sharpe, drawdown... of every combination.
   * vectorbt 1.2: ``MA.run_combs`` + ``ma_crossed_above``/``ma_crossed_below``, the signals shifted
     one bar (vectorbt fills an order at the close of its signal bar; riskcurve trades at the close
     of the bar after the signal, so vectorbt gets the signals one bar later), then
     ``Portfolio.from_signals(close, entries, exits, fees=0.001, slippage=0.0005, freq="1D")``
     (all-in, long only: ``size=inf``) and ``total_return()``.

   Both are warmed first (each JIT-compiled kernel loaded and run once on a few combinations).
   Agreement: every combination's total return within 1e-9 relative, and the number of orders.

2. **The 10^5 sweep**: windows 2..151 (11,175 pairs) x BTC, ETH, ALTS x lags 1, 2, 3 = 100,575
   combinations. riskcurve runs all of it (with and without the Newey-West inference it adds
   to every row). vectorbt runs a seeded random sample of the grid (``--vbt-sample``, default
   6,000; ``--vbt-full`` for all of it, which takes a long time), grouped by asset and lag;
   its throughput is measured on that sample and every sampled total return is checked.

3. **Executors**: the 10^5 sweep on this process (numba threads), on 2 local worker processes,
   and on a Dask ``LocalCluster`` with 2 worker processes, in 8 chunks; the results must be
   identical bit for bit.

Throughput is reported as combinations per second and bar-updates per second (one
combination advanced by one bar). The script exits 1 if any agreement check fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pandas as pd
from snapshot_store import snapshot_store

from riskcurve.backtest.executors import Executor
from riskcurve.backtest.rules import traded_prices
from riskcurve.backtest.sweep import STAT_COLUMNS, ma_cross_inputs
from riskcurve.backtest.sweep import evaluate as sweep_evaluate
from riskcurve.data.panel import MarketData

REPO = Path(__file__).resolve().parents[1]
FEE, SLIPPAGE = 0.001, 0.0005
WEALTH = STAT_COLUMNS.index("wealth")
TURNOVER = STAT_COLUMNS.index("turnover")


def _timed(call: Callable[[], Any]) -> tuple[Any, float]:
    began = time.perf_counter()
    value = call()
    return value, time.perf_counter() - began


def _pairs(low: int, high: int) -> list[tuple[int, int]]:
    windows = range(low, high + 1)
    return [(f, s) for i, f in enumerate(windows) for s in windows[i + 1 :]]


def _riskcurve(prices: dict[str, pd.Series], pairs, lags, executor: Executor, *, inference: bool, chunks=None):  # type: ignore[no-untyped-def]
    inputs = ma_cross_inputs(
        prices, pairs, lags=lags, cost_bp=FEE * 1e4, slippage_bp=SLIPPAGE * 1e4, inference=inference
    )
    stats, _ = sweep_evaluate(inputs, executor, chunks=chunks)
    return inputs, stats


def _vbt_all_pairs(close: pd.Series, windows: np.ndarray, lag: int) -> tuple[pd.Series, pd.Series]:
    import vectorbt as vbt

    fast, slow = vbt.MA.run_combs(close, window=windows, r=2, short_names=["fast", "slow"])
    entries = fast.ma_crossed_above(slow).shift(lag, fill_value=False)
    exits = fast.ma_crossed_below(slow).shift(lag, fill_value=False)
    portfolio = vbt.Portfolio.from_signals(close, entries, exits, fees=FEE, slippage=SLIPPAGE, freq="1D")
    return portfolio.total_return(), portfolio.orders.count()


def _vbt_listed_pairs(close: pd.Series, pairs: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray]:
    import vectorbt as vbt

    windows = np.unique(pairs)
    averages = vbt.MA.run(close, window=list(windows)).ma.to_numpy()
    column = {w: i for i, w in enumerate(windows)}
    fast = pd.DataFrame(averages[:, [column[f] for f in pairs[:, 0]]], index=close.index)
    slow = pd.DataFrame(averages[:, [column[s] for s in pairs[:, 1]]], index=close.index)
    entries = fast.vbt.crossed_above(slow).shift(lag, fill_value=False)
    exits = fast.vbt.crossed_below(slow).shift(lag, fill_value=False)
    portfolio = vbt.Portfolio.from_signals(close, entries, exits, fees=FEE, slippage=SLIPPAGE, freq="1D")
    return portfolio.total_return().to_numpy(), portfolio.orders.count().to_numpy()


def _rate(combos: int, bars: int, seconds: float) -> str:
    return f"{combos / seconds:>12,.0f} combinations/s {bars / seconds / 1e6:>9,.1f} M bar-updates/s"


def _agree(ours: np.ndarray, theirs: np.ndarray) -> float:
    return float(np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-12)))


def main() -> int:  # noqa: PLR0915 - a script that reads top to bottom
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", help="a filled store (default: a temporary one filled from the snapshot)")
    parser.add_argument("--vbt-sample", type=int, default=6000, help="combinations of the 10^5 grid vectorbt runs")
    parser.add_argument("--vbt-full", action="store_true", help="vectorbt runs the whole 10^5 grid (slow)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", message=".*fill value.*")
    failures: list[str] = []
    print(f"numba {numba.__version__}, {numba.get_num_threads()} threads; ", end="")
    import vectorbt as vbt

    print(f"vectorbt {vbt.__version__}; CPUs available: {len(os.sched_getaffinity(0))}\n")

    with snapshot_store(args.store) as store:
        btc_last = store.last_date("BTC")
        data = MarketData(store, as_of=btc_last)
        prices = {name: traded_prices(data, name) for name in ("BTC", "ETH", "ALTS")}
    btc = prices["BTC"]
    for name, close in prices.items():
        print(f"{name:5s} {len(close):>5,} daily closes {close.index[0].date()}..{close.index[-1].date()}")

    # -- 1. MA crossings on BTC ----------------------------------------------------------------
    pairs = _pairs(2, 101)
    combos, bars = len(pairs), len(pairs) * len(btc)
    print(f"\n1. Moving-average crossings on BTC: {combos:,} combinations x {len(btc):,} bars = {bars:,} bar-updates")
    # Warm-up: riskcurve's kernels loaded and its thread pool started (on the whole grid, it is
    # cheap); vectorbt's kernels compiled or loaded from its cache (on windows 2..7).
    _riskcurve({"BTC": btc}, pairs, (1,), Executor(), inference=True)
    _vbt_all_pairs(btc, np.arange(2, 8), 1)
    (inputs, stats), rc_time = _timed(lambda: _riskcurve({"BTC": btc}, pairs, (1,), Executor(), inference=False))
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    _, rc_one = _timed(lambda: _riskcurve({"BTC": btc}, pairs, (1,), Executor(), inference=False))
    numba.set_num_threads(threads)
    _, rc_full = _timed(lambda: _riskcurve({"BTC": btc}, pairs, (1,), Executor(), inference=True))
    (vbt_returns, vbt_orders), vbt_time = _timed(lambda: _vbt_all_pairs(btc, np.arange(2, 102), 1))
    ours = stats[:, WEALTH] - 1.0
    order = {pair: i for i, pair in enumerate(pairs)}
    theirs = np.empty(combos)
    their_orders = np.empty(combos)
    for (fast, slow), value in vbt_returns.items():
        theirs[order[(int(fast), int(slow))]] = value
    for (fast, slow), value in vbt_orders.items():
        their_orders[order[(int(fast), int(slow))]] = value
    worst = _agree(ours, theirs)
    same_orders = bool(np.array_equal(stats[:, TURNOVER], their_orders))
    print(f"   riskcurve ({threads} threads)     {rc_time:8.3f} s {_rate(combos, bars, rc_time)}")
    print(f"   riskcurve (1 thread)      {rc_one:8.3f} s {_rate(combos, bars, rc_one)}")
    print(f"   riskcurve (+HAC inference){rc_full:8.3f} s {_rate(combos, bars, rc_full)}")
    print(f"   vectorbt                  {vbt_time:8.3f} s {_rate(combos, bars, vbt_time)}")
    print(f"   ratio riskcurve/vectorbt: {vbt_time / rc_time:6.1f}x ({vbt_time / rc_one:.1f}x on one thread)")
    print(f"   agreement: all {combos:,} total returns within {worst:.1e} relative; orders identical: {same_orders}")
    if worst > 1e-9 or not same_orders:
        failures.append("MA grid: riskcurve and vectorbt disagree")

    # -- 2. the 10^5 sweep ----------------------------------------------------------------------
    big_pairs = _pairs(2, 151)
    lags = (1, 2, 3)
    _riskcurve(prices, big_pairs[:200], lags, Executor(), inference=True)  # warm: new array shapes
    (big_inputs, big_stats), big_time = _timed(lambda: _riskcurve(prices, big_pairs, lags, Executor(), inference=False))
    _, big_full = _timed(lambda: _riskcurve(prices, big_pairs, lags, Executor(), inference=True))
    n_big = big_inputs.n_combos
    lengths = np.diff(big_inputs.offsets)
    big_bars = int(lengths[big_inputs.combos[:, 0]].sum())
    print(
        f"\n2. The 10^5 sweep: {len(big_pairs):,} pairs (windows 2..151) x {len(prices)} assets x {len(lags)} lags = "
        f"{n_big:,} combinations, {big_bars:,} bar-updates"
    )
    rng = np.random.default_rng(args.seed)
    sample = (
        np.arange(n_big)
        if args.vbt_full
        else np.sort(rng.choice(n_big, size=min(args.vbt_sample, n_big), replace=False))
    )
    windows = np.unique(np.asarray(big_pairs))
    sampled_bars = int(lengths[big_inputs.combos[sample, 0]].sum())
    began = time.perf_counter()
    worst_big = 0.0
    orders_ok = True
    for a, name in enumerate(big_inputs.assets):
        for lag in lags:
            chosen = sample[(big_inputs.combos[sample, 0] == a) & (big_inputs.combos[sample, 3] == lag)]
            if not len(chosen):
                continue
            pair_array = np.column_stack([windows[big_inputs.combos[chosen, 1]], windows[big_inputs.combos[chosen, 2]]])
            returns, orders = _vbt_listed_pairs(prices[name], pair_array, lag)
            worst_big = max(worst_big, _agree(big_stats[chosen, WEALTH] - 1.0, returns))
            orders_ok &= bool(np.array_equal(big_stats[chosen, TURNOVER], orders))
    vbt_big = time.perf_counter() - began
    rc_rate = n_big / big_time
    vbt_rate = len(sample) / vbt_big
    print(f"   riskcurve, all {n_big:,}         {big_time:8.3f} s {_rate(n_big, big_bars, big_time)}")
    print(f"   riskcurve, all, +HAC inference  {big_full:8.3f} s {_rate(n_big, big_bars, big_full)}")
    print(f"   vectorbt, {len(sample):,} sampled      {vbt_big:8.3f} s {_rate(len(sample), sampled_bars, vbt_big)}")
    print(
        f"   ratio of throughputs riskcurve/vectorbt: {rc_rate / vbt_rate:6.1f}x "
        f"(vectorbt would need about {n_big / vbt_rate / 60:.1f} min for the whole grid)"
    )
    print(
        f"   agreement on the {len(sample):,} sampled: total returns within {worst_big:.1e}; "
        f"orders identical: {orders_ok}"
    )
    if worst_big > 1e-9 or not orders_ok:
        failures.append("10^5 grid: riskcurve and vectorbt disagree")

    # -- 3. executors ---------------------------------------------------------------------------
    print("\n3. Executors on the 10^5 sweep (8 chunks each, identical results required)")
    runs = {
        "this process, numba threads": (Executor(), None),
        "local, 2 worker processes": (Executor("local", workers=2), 8),
        "dask LocalCluster, 2 worker processes": (Executor("dask", workers=2), 8),
    }
    timings = {}
    for label, (executor, chunks) in runs.items():
        (_, result), seconds = _timed(
            lambda executor=executor, chunks=chunks: _riskcurve(
                prices, big_pairs, lags, executor, inference=False, chunks=chunks
            )
        )
        timings[label] = seconds
        identical = bool(np.array_equal(result, big_stats, equal_nan=True))
        print(f"   {label:40s} {seconds:8.3f} s {_rate(n_big, big_bars, seconds)}  identical: {identical}")
        if not identical:
            failures.append(f"executor {label} differs")
    local, dask = timings["local, 2 worker processes"], timings["dask LocalCluster, 2 worker processes"]
    print(
        f"   ratio local processes / dask LocalCluster: {dask / local:.2f}x (times include starting the workers and "
        f"shipping the arrays; in-process threads: {dask / timings['this process, numba threads']:.2f}x faster "
        "than dask)"
    )
    if failures:
        print("\nFAILED: " + "; ".join(failures))
        return 1
    print("\nAll agreement checks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
