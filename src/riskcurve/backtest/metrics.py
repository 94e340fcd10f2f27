"""Performance metrics of a return series, and the probabilistic and deflated Sharpe ratios.

Every metric here is computed from per-bar simple returns ``r_t`` of a strategy (the change
of its equity from one close to the next, costs included) and, where it needs them, the
weights it held. Definitions (the same in the engine and in the sweep kernel):

``total_return``
    ``prod(1 + r_t) - 1``.
``cagr``
    ``(1 + total_return) ** (365.25 / days) - 1``, ``days`` the calendar days from the first
    to the last bar (a year is 365.25 calendar days whatever the trading calendar).
``volatility``
    ``std(r_t, ddof=1) * sqrt(periods_per_year)``.
``sharpe``
    ``mean(r_t) / std(r_t, ddof=1) * sqrt(periods_per_year)``: no risk-free rate is
    subtracted (cash earns nothing in the simulation either, so strategies and baselines are
    compared on the same footing).
``sortino``
    ``mean(r_t) / sqrt(mean(min(r_t, 0) ** 2)) * sqrt(periods_per_year)``: downside deviation
    below 0 over all bars.
``max_drawdown``
    The largest fall of equity from a running peak, as a negative fraction (-0.5 is a
    halving), with the dates of the peak, the trough and the recovery (the first close back
    at or above the peak; missing if it never recovered). The starting capital counts as
    the first peak.
``exposure``
    Mean weight held over a bar (the weight after the previous close's trades): 1.0 is always
    fully invested, 0.25 a quarter of the time.
``turnover``
    Sum over trades of the absolute change of weight, per year (a round trip in and out of a
    fully invested position is 2.0).
``trades``
    Number of round trips (a position opened from flat, counted when opened).
``sharpe_per_period``, ``skew``, ``kurtosis``
    The non-annualised Sharpe ratio and the sample skewness and (non-excess, normal = 3)
    kurtosis of ``r_t``, the inputs of the probabilistic and deflated Sharpe ratios.
``psr``
    :func:`probabilistic_sharpe_ratio` against a Sharpe ratio of zero.
``dsr``
    :func:`deflated_sharpe_ratio` for the given number of trials.

The probabilistic and deflated Sharpe ratios follow Bailey and López de Prado, "The Sharpe
Ratio Efficient Frontier" (Journal of Risk, 2012) and "The Deflated Sharpe Ratio: Correcting
for Selection Bias, Backtest Overfitting and Non-Normality" (Journal of Portfolio Management,
2014).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from riskcurve import numbers as nf

#: Euler-Mascheroni constant, in the expected maximum of many Sharpe ratios.
EULER_GAMMA = 0.5772156649015329

#: Calendar days in a year, for CAGR and turnover per year.
DAYS_PER_YEAR = 365.25

#: Metric columns, in the order of every metrics table.
METRIC_COLUMNS: tuple[str, ...] = (
    "start",
    "end",
    "bars",
    "total_return",
    "cagr",
    "volatility",
    "sharpe",
    "sortino",
    "max_drawdown",
    "max_drawdown_peak",
    "max_drawdown_trough",
    "max_drawdown_recovery",
    "exposure",
    "turnover",
    "trades",
    "sharpe_per_period",
    "skew",
    "kurtosis",
    "psr",
    "dsr",
    "n_trials",
)


def _check_number(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return number


def _check_count(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def _sharpe_z(sharpe: float, reference: float, n_obs: int, skew: float, kurtosis: float) -> float:
    # The standard error of an estimated Sharpe ratio under non-normal returns (Mertens 2002,
    # as used by Bailey & López de Prado): sqrt((1 - skew*SR + (kurt - 1)/4 * SR^2) / (T - 1)).
    spread = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe**2
    if spread <= 0.0:
        raise ValueError(
            f"1 - skew*sharpe + (kurtosis-1)/4*sharpe^2 = {nf.significant(spread, 4)} is not positive: "
            f"sharpe={sharpe}, "
            f"skew={skew}, kurtosis={kurtosis} are inconsistent (is sharpe annualised? it must be per period)"
        )
    return (sharpe - reference) * math.sqrt(n_obs - 1) / math.sqrt(spread)


def probabilistic_sharpe_ratio(
    sharpe: float, benchmark_sharpe: float, n_obs: int, skew: float = 0.0, kurtosis: float = 3.0
) -> float:
    """Probability that the true Sharpe ratio exceeds ``benchmark_sharpe`` (Bailey & López de Prado 2012).

    ``PSR = Phi((SR - SR*) * sqrt(T - 1) / sqrt(1 - g3 * SR + (g4 - 1) / 4 * SR^2))``.

    Parameters
    ----------
    sharpe
        The estimated Sharpe ratio **per period** (not annualised).
    benchmark_sharpe
        ``SR*``, per period.
    n_obs
        ``T``, the number of returns the estimate used (at least 2).
    skew, kurtosis
        Sample skewness ``g3`` and kurtosis ``g4`` of the returns (non-excess: 3 for normal).

    Returns
    -------
    float
        In [0, 1].
    """
    z = _sharpe_z(
        _check_number("sharpe", sharpe),
        _check_number("benchmark_sharpe", benchmark_sharpe),
        _check_count("n_obs", n_obs, 2),
        _check_number("skew", skew),
        _check_number("kurtosis", kurtosis),
    )
    return float(norm.cdf(z))


def expected_max_sharpe(n_trials: int, var_trials_sharpe: float) -> float:
    """Expected maximum Sharpe ratio of ``n_trials`` unskilled trials (Bailey & López de Prado 2014).

    ``SR0 = sqrt(V) * ((1 - gamma) * Z^-1(1 - 1/N) + gamma * Z^-1(1 - 1/(N e)))`` with ``gamma``
    the Euler-Mascheroni constant and ``V`` the variance of the trials' Sharpe ratios across
    trials. With one trial there is no selection: ``SR0 = 0``.

    Parameters
    ----------
    n_trials
        ``N``, the number of (independent) configurations tried, at least 1.
    var_trials_sharpe
        ``V``, the variance of the trials' Sharpe ratios (per period, squared), at least 0.
    """
    n = _check_count("n_trials", n_trials, 1)
    variance = _check_number("var_trials_sharpe", var_trials_sharpe)
    if variance < 0:
        raise ValueError(f"var_trials_sharpe must be >= 0, got {variance}")
    if n == 1:
        return 0.0
    return math.sqrt(variance) * (
        (1.0 - EULER_GAMMA) * float(norm.ppf(1.0 - 1.0 / n)) + EULER_GAMMA * float(norm.ppf(1.0 - 1.0 / (n * math.e)))
    )


def deflated_sharpe_ratio(
    sharpe: float,
    n_trials: int,
    var_trials_sharpe: float,
    n_obs: int,
    skew: float = 0.0,
    kurtosis: float = 3.0,
) -> float:
    """The deflated Sharpe ratio (Bailey & López de Prado 2014).

    The probability that the true Sharpe ratio is positive once the selection of the best of
    ``n_trials`` configurations, the sample length and non-normal returns are accounted for:
    :func:`probabilistic_sharpe_ratio` against :func:`expected_max_sharpe`.

    Parameters
    ----------
    sharpe
        The selected strategy's estimated Sharpe ratio **per period** (not annualised).
    n_trials
        Number of configurations tried (1: no selection, the DSR equals the PSR against 0).
    var_trials_sharpe
        Variance across the trials of their per-period Sharpe ratios.
    n_obs
        Number of returns behind ``sharpe``.
    skew, kurtosis
        Skewness and non-excess kurtosis of the strategy's returns.

    Returns
    -------
    float
        In [0, 1]; above 0.95 is the usual bar for "the Sharpe ratio survives the search".

    Examples
    --------
    The paper's example: an annualised Sharpe ratio of 2.5 over 1,250 daily returns (250 a
    year), 100 trials whose annualised Sharpe ratios have variance 0.5, skew -3, kurtosis 10:

    >>> round(deflated_sharpe_ratio(2.5 / 250**0.5, 100, 0.5 / 250, 1250, -3.0, 10.0), 3)
    0.9
    """
    reference = expected_max_sharpe(n_trials, var_trials_sharpe)
    return probabilistic_sharpe_ratio(sharpe, reference, n_obs, skew, kurtosis)


def periods_per_year(index: pd.DatetimeIndex) -> float:
    """Bars per year of a calendar: 365 when it trades at weekends (crypto), else 252.

    Parameters
    ----------
    index
        The bars' dates.
    """
    index = pd.DatetimeIndex(index)
    return 365.0 if bool((index.day_of_week >= 5).any()) else 252.0


def drawdown(wealth: pd.Series) -> dict[str, Any]:
    """The largest peak-to-trough fall of a wealth curve that starts from 1.0.

    Parameters
    ----------
    wealth
        ``prod(1 + r)`` up to each bar; the implicit starting value 1.0 is the first peak
        and is dated on the first bar.

    Returns
    -------
    dict
        ``max_drawdown`` (<= 0), ``max_drawdown_peak``, ``max_drawdown_trough`` and
        ``max_drawdown_recovery`` (``NaT`` if the peak was not regained).
    """
    values = wealth.to_numpy(dtype=float)
    index = pd.DatetimeIndex(wealth.index)
    if not len(values):
        return {
            "max_drawdown": float("nan"),
            "max_drawdown_peak": pd.NaT,
            "max_drawdown_trough": pd.NaT,
            "max_drawdown_recovery": pd.NaT,
        }
    peaks = np.maximum.accumulate(np.maximum(values, 1.0))
    falls = values / peaks - 1.0
    trough = int(np.argmin(falls))
    if falls[trough] >= 0.0:
        return {
            "max_drawdown": 0.0,
            "max_drawdown_peak": pd.NaT,
            "max_drawdown_trough": pd.NaT,
            "max_drawdown_recovery": pd.NaT,
        }
    peak_value = peaks[trough]
    # The peak bar: the last bar at or before the trough where wealth stood at that peak (the
    # first bar when the peak is the starting capital).
    at_peak = np.flatnonzero(values[: trough + 1] >= peak_value)
    peak = int(at_peak[-1]) if len(at_peak) else 0
    later = np.flatnonzero(values[trough + 1 :] >= peak_value)
    recovery = index[trough + 1 + int(later[0])] if len(later) else pd.NaT
    return {
        "max_drawdown": float(falls[trough]),
        "max_drawdown_peak": index[peak],
        "max_drawdown_trough": index[trough],
        "max_drawdown_recovery": recovery,
    }


def moments(returns: np.ndarray) -> tuple[float, float, float]:
    """Per-period Sharpe ratio, skewness and non-excess kurtosis (population moments).

    The Sharpe ratio uses the ``ddof=1`` standard deviation; skewness and kurtosis are the
    plain moment ratios ``m3 / m2^1.5`` and ``m4 / m2^2`` that the deflated Sharpe ratio's
    standard error formula takes. NaN when fewer than 2 returns or no variation.
    """
    values = np.asarray(returns, dtype=float)
    n = len(values)
    if n < 2:
        return float("nan"), float("nan"), float("nan")
    mean = values.mean()
    centred = values - mean
    m2 = float(np.mean(centred**2))
    if m2 <= 0.0:
        return float("nan"), float("nan"), float("nan")
    sd = math.sqrt(m2 * n / (n - 1))
    return float(mean / sd), float(np.mean(centred**3) / m2**1.5), float(np.mean(centred**4) / m2**2)


def performance(
    returns: pd.Series,
    *,
    held: pd.Series | None = None,
    trades: int = 0,
    turnover: float = 0.0,
    periods: float | None = None,
    n_trials: int = 1,
    var_trials_sharpe: float = 0.0,
) -> dict[str, Any]:
    """Every metric of :data:`METRIC_COLUMNS` for one strategy.

    Parameters
    ----------
    returns
        Per-bar simple returns, date-indexed (the first is the first bar's, trading costs of
        that bar's close included).
    held
        Weight held over each bar (for ``exposure``); ``None`` counts as fully invested.
    trades
        Round trips opened.
    turnover
        Total absolute weight traded over the whole period (annualised here).
    periods
        Bars per year; default :func:`periods_per_year` of the index.
    n_trials, var_trials_sharpe
        For the deflated Sharpe ratio (see :func:`deflated_sharpe_ratio`).

    Returns
    -------
    dict
        Metric name -> value (dates as ``Timestamp``, ``NaT`` when undefined).
    """
    if not isinstance(returns, pd.Series) or not isinstance(returns.index, pd.DatetimeIndex):
        raise TypeError("returns must be a pandas Series with a DatetimeIndex")
    values = returns.to_numpy(dtype=float)
    if np.isnan(values).any():
        raise ValueError("returns has missing values; a strategy's return is defined on every bar")
    index = pd.DatetimeIndex(returns.index)
    per_year = float(periods) if periods is not None else periods_per_year(index)
    n = len(values)
    days = float((index[-1] - index[0]).days) if n else 0.0
    wealth = np.cumprod(1.0 + values)
    total = float(wealth[-1] - 1.0) if n else float("nan")
    cagr = float((1.0 + total) ** (DAYS_PER_YEAR / days) - 1.0) if days > 0 and total > -1.0 else float("nan")
    sd = float(values.std(ddof=1)) if n > 1 else float("nan")
    mean = float(values.mean()) if n else float("nan")
    downside = math.sqrt(float(np.mean(np.minimum(values, 0.0) ** 2))) if n else float("nan")
    sharpe_pp, skew, kurt = moments(values)
    result: dict[str, Any] = {
        "start": index[0] if n else pd.NaT,
        "end": index[-1] if n else pd.NaT,
        "bars": n,
        "total_return": total,
        "cagr": cagr,
        "volatility": sd * math.sqrt(per_year),
        "sharpe": mean / sd * math.sqrt(per_year) if sd > 0 else float("nan"),
        "sortino": mean / downside * math.sqrt(per_year) if downside > 0 else float("nan"),
    }
    result.update(drawdown(pd.Series(wealth, index=index)))
    exposure = float(np.mean(held.to_numpy(dtype=float))) if held is not None and n else 1.0
    result["exposure"] = exposure
    result["turnover"] = float(turnover) / (days / DAYS_PER_YEAR) if days > 0 else float("nan")
    result["trades"] = int(trades)
    result["sharpe_per_period"] = sharpe_pp
    result["skew"] = skew
    result["kurtosis"] = kurt
    finite = all(math.isfinite(v) for v in (sharpe_pp, skew, kurt))
    result["psr"] = probabilistic_sharpe_ratio(sharpe_pp, 0.0, n, skew, kurt) if finite and n > 1 else float("nan")
    result["dsr"] = (
        deflated_sharpe_ratio(sharpe_pp, n_trials, var_trials_sharpe, n, skew, kurt)
        if finite and n > 1
        else float("nan")
    )
    result["n_trials"] = int(n_trials)
    return result


def metrics_table(rows: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Metrics of several strategies as one table: index ``strategy``, :data:`METRIC_COLUMNS`."""
    table = pd.DataFrame.from_dict({k: dict(v) for k, v in rows.items()}, orient="index")
    table = table.reindex(columns=list(METRIC_COLUMNS))
    table.index.name = "strategy"
    return table
