"""From the kernel's sums to the tidy table's metrics and tests: HAC p-values, deflated Sharpe ratios, and
the data-snooping test over the whole family.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy.stats import norm

from riskcurve.backtest.metrics import DAYS_PER_YEAR, deflated_sharpe_ratio, periods_per_year
from riskcurve.backtest.sweep.evaluation import combo_returns
from riskcurve.backtest.sweep.inputs import KernelInputs
from riskcurve.backtest.sweep.kernel import _S

if TYPE_CHECKING:
    from riskcurve.stats.multiple_testing import SnoopingResult

__all__ = ["SNOOPING_BLOCK_SIZE_FROM", "family_snooping", "stats_table"]


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
