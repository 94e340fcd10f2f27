"""Walk-forward selection: the combination with the best in-sample Sharpe ratio, run out of sample."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskcurve.backtest.metrics import DAYS_PER_YEAR, performance, periods_per_year
from riskcurve.backtest.sweep.evaluation import _factors, combo_returns
from riskcurve.backtest.sweep.inputs import KernelInputs

__all__ = ["WalkForward", "WalkForwardResult"]


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
        ``buy_hold_return`` (its asset's, same window, with the costs below).
    returns
        Stitched out-of-sample returns (switching costs included) and the chosen assets'
        buy-and-hold returns, columns ``walk_forward`` and ``buy_and_hold``. Buy-and-hold pays
        the same fee and slippage as the strategy: it buys at the close before the first
        window and switches (sells and buys) when the chosen asset changes.
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
    held_asset: str | None = None
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
        hold = asset_returns[asset].to_numpy()[mask].copy()
        # Buy-and-hold of the chosen asset pays the account's costs too: bought at the close
        # before the first window, and sold and re-bought there when the chosen asset changes.
        if held_asset is None:
            hold[0] = (1.0 + hold[0]) / buy - 1.0
        elif held_asset != asset:
            hold[0] = (1.0 + hold[0]) * sell / buy - 1.0
        held_asset = asset
        holding[mask] = hold
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
