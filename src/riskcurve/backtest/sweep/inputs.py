"""What the kernel reads: assets' closes, running sums, moving averages or signal states, and combinations."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskcurve._typing import DateLike
from riskcurve.backtest.sweep.kernel import KIND_MA, KIND_STATE

__all__ = ["KernelInputs", "ma_cross_inputs", "moving_averages", "state_inputs"]


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
