"""Lead-lag between two assets: which one moves first, by how much, and how sure we can be.

The risk-curve thesis says moves travel along a chain (small caps -> Bitcoin -> Ethereum).
If that were true at the frequency of returns, the earlier link's return today would be
correlated with the later link's return some bars ahead. This module measures that:

* :func:`aligned_returns` puts two price series on one calendar, explicitly: crypto trades
  every day, stocks on exchange days;
* :func:`cross_correlation` gives corr(lead_t, lag_{t+k}) for k = -K..K with two bands:
  the textbook white-noise band and a heteroskedasticity- and autocorrelation-robust band,
  plus per-lag p-values adjusted for the scan over lags (Holm, Benjamini-Hochberg);
* :func:`granger_causality` runs Granger tests both ways with the lag order chosen by an
  information criterion;
* :class:`LeadLag` ties these together with a rolling correlation and a block bootstrap of
  the peak lag, and states a verdict in words, including "the evidence is too weak".

Everything here is a description of the past: the correlation at lag k pairs a return with one
k bars later, so it is a research statistic, not a signal. The rolling correlation is indexed by
the later of the two dates it pairs, so its value on a date uses nothing after that date.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias, cast

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats
from statsmodels.regression.linear_model import OLS
from statsmodels.stats.sandwich_covariance import S_hac_simple
from statsmodels.tsa.vector_ar.var_model import VAR

from riskcurve import numbers
from riskcurve._typing import DateLike, Frequency
from riskcurve.data.calendar import resample_last
from riskcurve.data.panel import MarketData
from riskcurve.errors import DataError, InsufficientDataWarning
from riskcurve.stats._json import plain
from riskcurve.stats._validation import check_alpha, check_int, check_seed
from riskcurve.stats.bootstrap import as_generator, optimal_block_length, stationary_bootstrap_indices
from riskcurve.stats.multiple_testing import family_table

__all__ = [
    "DEFAULT_MAX_LAG",
    "DEFAULT_WINDOW",
    "LeadLag",
    "LeadLagResult",
    "PeakLag",
    "Verdict",
    "aligned_returns",
    "cross_correlation",
    "detectable_correlation",
    "granger_causality",
    "leadlag",
]

Calendar: TypeAlias = Literal["exchange", "crypto"]
#: How a macro series is placed in time: by publication (point-in-time) or by observation date.
Alignment: TypeAlias = Literal["published", "observed"]
#: How a series' changes are measured: log change (prices, USD levels) or difference (rates, spreads).
Change: TypeAlias = Literal["log", "diff"]
InformationCriterion: TypeAlias = Literal["aic", "bic"]

FREQUENCIES: tuple[Frequency, ...] = ("D", "W", "M")
#: Default number of leads and lags scanned: two trading weeks, two months of weeks, half a year.
DEFAULT_MAX_LAG: dict[str, int] = {"D": 10, "W": 8, "M": 6}
#: Default rolling-correlation window: about half a year of trading days, a year of weeks, three years.
DEFAULT_WINDOW: dict[str, int] = {"D": 126, "W": 52, "M": 36}
#: A series with more than this share of its dates on weekends trades every day (crypto).
CRYPTO_WEEKEND_SHARE = 0.10
#: Fewer aligned returns than this and the bands and tests are too rough to state (a warning).
WARN_BELOW_OBS = 50

_RULES = {"W": "W-FRI", "M": "ME"}
# How many calendar days before its label a period may end and still be complete: a Friday
# holiday ends an exchange week on Thursday; a month can end on a weekend plus a Monday holiday.
_PARTIAL_TOLERANCE = {("W", "exchange"): 1, ("M", "exchange"): 3, ("W", "crypto"): 0, ("M", "crypto"): 0}
_UNITS = {"W": ("week", "weeks"), "M": ("month", "months")}


# -- validation ---------------------------------------------------------------------------


def _check_freq(freq: object) -> Frequency:
    if freq not in FREQUENCIES:
        raise ValueError(f"freq must be one of 'D', 'W', 'M' (daily, weekly, monthly); got {freq!r}")
    return cast(Frequency, freq)


def _check_changes(changes: object) -> tuple[Change, Change]:
    if changes is None:
        return ("log", "log")
    if not isinstance(changes, tuple | list) or len(changes) != 2 or any(c not in ("log", "diff") for c in changes):
        raise ValueError(f"changes must be a pair (lead's, lag's), each 'log' or 'diff'; got {changes!r}")
    return (changes[0], changes[1])


def _check_closes(role: str, series: object, change: Change = "log") -> pd.Series:
    if not isinstance(series, pd.Series):
        raise TypeError(f"{role} must be a pandas Series of closes; got {type(series).__name__}")
    if not isinstance(series.index, pd.DatetimeIndex):
        raise TypeError(f"{role} must have a DatetimeIndex; got {type(series.index).__name__}")
    label = str(series.name) if series.name is not None else role
    if series.index.has_duplicates or not series.index.is_monotonic_increasing:
        raise ValueError(f"{role} ({label}) must have sorted dates without duplicates")
    try:
        clean = series.dropna().astype(float)
    except (TypeError, ValueError):
        raise TypeError(f"{role} ({label}) must hold numbers; got dtype {series.dtype}") from None
    bad = clean[clean <= 0.0] if change == "log" else clean.iloc[:0]
    if len(bad):
        raise ValueError(
            f"{role} ({label}) has a non-positive close {bad.iloc[0]!r} on {bad.index[0].date()}; "
            "log returns need positive prices"
        )
    return clean.rename(label)


def _calendar_of(series: pd.Series) -> Calendar:
    weekend = np.asarray(pd.DatetimeIndex(series.index).day_of_week >= 5)
    return "crypto" if len(series) and weekend.mean() > CRYPTO_WEEKEND_SHARE else "exchange"


def _check_calendars(calendars: object) -> tuple[Calendar | None, Calendar | None]:
    if calendars is None:
        return (None, None)
    if not isinstance(calendars, tuple | list) or len(calendars) != 2:
        raise TypeError("calendars must be a pair (lead's, lag's), each 'exchange', 'crypto' or None")
    for value in calendars:
        if value not in ("exchange", "crypto", None):
            raise ValueError(f"calendars entries must be 'exchange', 'crypto' or None; got {value!r}")
    return (calendars[0], calendars[1])


# -- alignment ----------------------------------------------------------------------------


def _describe_calendar(freq: Frequency, calendars: tuple[Calendar, Calendar]) -> str:
    exchange = "exchange" in calendars
    mixed = exchange and "crypto" in calendars
    if freq == "D":
        if not exchange:
            return "every calendar day both series trade (UTC days)"
        text = "exchange days (sessions common to the exchange-traded series)"
        if mixed:
            text += (
                "; the crypto series is read at its close on those days, so its return over a weekend "
                "or holiday spans the same Friday->Monday interval as the stock's"
            )
        return text
    base = "exchange days" if exchange else "calendar days"
    period = "the last common day of each week ending Friday" if freq == "W" else "the last common day of each month"
    text = f"closes on {period} ({base} on which both series have a close), so both returns span the same interval"
    if mixed:
        text += "; the crypto series is read on the exchange day, not on its own weekend"
    return text


def aligned_returns(
    lead: pd.Series,
    lag: pd.Series,
    freq: Frequency,
    *,
    calendars: tuple[Calendar | None, Calendar | None] | None = None,
    changes: tuple[Change, Change] | None = None,
) -> pd.DataFrame:
    """Log returns of two price series (or changes of two levels) on one explicit calendar.

    Parameters
    ----------
    lead, lag
        Closes indexed by date (named after their symbols; the names label the columns).
    freq
        ``"D"``: daily. When either series is exchange-traded, the days are the exchange
        sessions (those common to every exchange-traded input); a crypto series is read at its
        close on those days, so a crypto return spanning a weekend covers Friday -> Monday just
        like the stock's. (A crypto daily bar closes at 00:00 UTC, i.e. 7-8 pm New York, some
        hours after the US equity close: both are known by the end of the day.) When both
        trade every day, every common calendar day is used.
        ``"W"``: Friday to Friday, ``"M"``: month end to month end: the daily common closes
        above are sampled with :func:`riskcurve.data.calendar.resample_last` (the last common
        day of the period: Thursday when Friday is a holiday), so both series are read on the
        same day, and a crypto week is aligned to the exchange week rather than to its own
        Friday-or-Sunday.
    calendars
        ``(lead's, lag's)`` calendar, each ``"exchange"``, ``"crypto"`` or ``None``; ``None``
        infers it: a series with more than 10% of its dates on weekends trades every day. A macro
        level known every calendar day (as :meth:`MarketData.known` reads it) is ``"crypto"``:
        it is read on the other series' days.
    changes
        ``(lead's, lag's)`` change: ``"log"`` (default; log returns of prices, log changes of USD
        levels) or ``"diff"`` (differences, for rates and spreads in percent or levels that can be 0).

    Returns
    -------
    pandas.DataFrame
        Index ``date``: the day for ``"D"``; otherwise the last day read in each period (the
        Friday or the month's last common day, earlier when a holiday or the as-of day cuts the
        period; an empty period keeps its nominal end), one column of log returns per series. Dates where either
        series has no close are dropped before differencing, so every return of both series
        spans the same interval. A period without any common close makes the return across it
        missing, and it is dropped; an incomplete trailing period (data ending mid-week or
        mid-month) is dropped. ``attrs["calendar"]`` describes the alignment in words and
        ``attrs["calendars"]`` holds the two calendars used.

    Raises
    ------
    TypeError, ValueError
        For inputs that are not dated positive closes, identical names, or an unknown ``freq``.
    """
    freq = _check_freq(freq)
    how = _check_changes(changes)
    lead = _check_closes("lead", lead, how[0])
    lag = _check_closes("lag", lag, how[1])
    if lead.name == lag.name:
        raise ValueError(f"lead and lag must be different series; both are named {lead.name!r}")
    given = _check_calendars(calendars)
    used: tuple[Calendar, Calendar] = (given[0] or _calendar_of(lead), given[1] or _calendar_of(lag))
    exchange = [series for series, calendar in zip((lead, lag), used, strict=True) if calendar == "exchange"]
    if exchange:
        days = exchange[0].index
        for series in exchange[1:]:
            days = days.intersection(series.index)
    else:
        days = lead.index.intersection(lag.index)
    # Reading each series exactly on the common days (no carrying) and dropping days where
    # either lacks a close makes both returns span the same interval.
    closes = pd.DataFrame({lead.name: lead.reindex(days), lag.name: lag.reindex(days)}).dropna(how="any")
    closes.index = pd.DatetimeIndex(closes.index).rename("date")
    if freq != "D" and len(closes):
        sampled = cast(pd.DataFrame, resample_last(closes, freq))
        labels = pd.date_range(sampled.index[0], sampled.index[-1], freq=_RULES[freq], name="date")
        sampled = sampled.reindex(labels)  # an empty period reappears as a gap, not a longer return
        kind = "exchange" if exchange else "crypto"
        if (sampled.index[-1] - closes.index[-1]).days > _PARTIAL_TOLERANCE[(freq, kind)]:
            sampled = sampled.iloc[:-1]
        # Each period is labelled by the last day actually read, not by its nominal end: a week
        # cut at a Thursday as-of day must not carry the Friday after it.
        nominal = sampled.index.to_series()
        last_used = closes.index.to_series().resample(_RULES[freq]).last().reindex(nominal.index)
        sampled.index = pd.DatetimeIndex(last_used.fillna(nominal), name="date")
        closes = sampled
    levels = closes.copy()
    for column, change in zip(closes.columns, how, strict=True):
        if change == "log":
            levels[column] = np.log(closes[column])
    returns = levels.diff().dropna(how="any")
    returns.index = pd.DatetimeIndex(returns.index).rename("date")
    returns.attrs["calendar"] = _describe_calendar(freq, used)
    returns.attrs["calendars"] = used
    return returns


# -- cross-correlation ----------------------------------------------------------------------


def _pairs(x: np.ndarray, y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(x_t, y_{t+k}) over every t where both exist."""
    n = len(x)
    if k >= 0:
        return x[: n - k], y[k:]
    return x[-k:], y[: n + k]


def hac_lags_for(n: int) -> int:
    """Newey-West (1994) rule-of-thumb bandwidth, floor(4 (n/100)^(2/9)) (statsmodels' default)."""
    return int(math.floor(4 * (n / 100.0) ** (2.0 / 9.0)))


def cross_correlation(
    lead: pd.Series | np.ndarray,
    lag: pd.Series | np.ndarray,
    max_lag: int,
    *,
    alpha: float = 0.05,
    hac_lags: int | None = None,
) -> pd.DataFrame:
    """Cross-correlation of two aligned return series at leads and lags, with two bands.

    Parameters
    ----------
    lead, lag
        Returns on a common calendar (as from :func:`aligned_returns`), same length.
    max_lag
        Lags k = -max_lag..max_lag are scanned.
    alpha
        Two-sided level of the bands and of the ``significant`` flags.
    hac_lags
        Bandwidth of the Newey-West estimator in the robust band; ``None``: the rule of thumb
        floor(4 (n/100)^(2/9)) on the full sample length.

    Returns
    -------
    pandas.DataFrame
        Index ``k``; for k > 0 the row is corr(lead_t, lag_{t+k}): the lead's return followed
        by the lag's k bars later (the lead moves first). Columns:

        ``corr``
            Pearson correlation over the ``n`` overlapping pairs.
        ``band_white``
            z_{1-alpha/2} / sqrt(n): the usual band, valid if both series were independent
            white noise.
        ``se_robust``, ``band_robust``
            Standard error of ``corr`` under "no correlation at this lag" that allows for each
            series' own autocorrelation, for volatility clustering, and for volatility shared by
            the two series: the Newey-West long-run variance of the cross-products
            (x_t - x̄)(y_{t+k} - ȳ) (Bartlett kernel, statsmodels' ``S_hac_simple``), divided by
            the product of the sums of squares. Under independence this reduces to Bartlett's
            formula sum_j rho_x(j) rho_y(j) / n; it is the robust test of Dalla, Giraitis and
            Phillips (2022) with a HAC variance. ``band_robust`` = z * ``se_robust``.
        ``stat``, ``p``
            ``corr / se_robust`` and its two-sided normal p-value.
        ``p_holm``, ``p_bh``
            ``p`` adjusted over the family of 2 * max_lag + 1 lags scanned.
        ``outside_white``
            |corr| > ``band_white``.
        ``significant``
            ``p_holm < alpha``: significant after allowing for the scan over lags.
    """
    x = np.asarray(lead, dtype=float)
    y = np.asarray(lag, dtype=float)
    if x.ndim != 1 or y.ndim != 1 or len(x) != len(y):
        raise ValueError(f"lead and lag must be 1-D and of equal length; got shapes {x.shape} and {y.shape}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("lead and lag returns must be finite; align them with aligned_returns first")
    max_lag = check_int("max_lag", max_lag, 0)
    alpha = check_alpha(alpha)
    if len(x) < 2 * max_lag + 10:
        raise ValueError(f"{len(x)} returns are too few for max_lag={max_lag}; need at least {2 * max_lag + 10}")
    if np.ptp(x) == 0.0 or np.ptp(y) == 0.0:
        raise ValueError("a return series is constant; its correlation with anything is undefined")
    bandwidth = hac_lags_for(len(x)) if hac_lags is None else check_int("hac_lags", hac_lags, 0)
    z = float(scipy_stats.norm.ppf(1.0 - alpha / 2.0))
    rows = []
    for k in range(-max_lag, max_lag + 1):
        a, b = _pairs(x, y, k)
        ac, bc = a - a.mean(), b - b.mean()
        scale = math.sqrt(float(ac @ ac) * float(bc @ bc))
        corr = float(ac @ bc) / scale
        products = ac * bc
        # S_hac_simple returns the HAC estimate of Var(sum of products), not of one product.
        variance = float(S_hac_simple(products - products.mean(), nlags=bandwidth)[0, 0])
        se = math.sqrt(max(variance, 0.0)) / scale
        rows.append(
            {
                "k": k,
                "corr": corr,
                "n": len(a),
                "band_white": z / math.sqrt(len(a)),
                "se_robust": se,
                "band_robust": z * se,
                "stat": corr / se if se > 0 else math.copysign(math.inf, corr),
            }
        )
    table = pd.DataFrame(rows).set_index("k")
    table["p"] = 2.0 * scipy_stats.norm.sf(table["stat"].abs().to_numpy())
    table = family_table(table, p_column="p")
    table["outside_white"] = table["corr"].abs() > table["band_white"]
    table["significant"] = table["p_holm"] < alpha
    table.attrs["hac_lags"] = bandwidth
    # How much each series' squared returns vary (HAC variance of their sum over the squared sum):
    # under a true correlation rho the cross-products carry rho times them, which widens the
    # robust band by about rho^2 times this (detectable_correlation allows for it).
    squares = [(x - x.mean()) ** 2, (y - y.mean()) ** 2]
    table.attrs["square_variation"] = tuple(
        float(S_hac_simple(sq - sq.mean(), nlags=bandwidth)[0, 0]) / float(sq.sum()) ** 2 for sq in squares
    )
    return table


# -- Granger causality -----------------------------------------------------------------------


def _granger_one(caused: np.ndarray, causing: np.ndarray, lags: int) -> dict[str, float]:
    n = len(caused)
    target = caused[lags:]
    own = [caused[lags - i : n - i] for i in range(1, lags + 1)]
    other = [causing[lags - i : n - i] for i in range(1, lags + 1)]
    design = np.column_stack([np.ones(n - lags), *own, *other])
    restriction = np.zeros((lags, design.shape[1]))
    restriction[:, 1 + lags :] = np.eye(lags)
    classic = OLS(target, design).fit().f_test(restriction)
    robust = OLS(target, design).fit(cov_type="HC3").f_test(restriction)
    return {
        "n": float(len(target)),
        "f": float(np.squeeze(classic.fvalue)),
        "df_num": float(classic.df_num),
        "df_denom": float(classic.df_denom),
        "p": float(np.squeeze(classic.pvalue)),
        "f_robust": float(np.squeeze(robust.fvalue)),
        "p_robust": float(np.squeeze(robust.pvalue)),
    }


def granger_causality(
    returns: pd.DataFrame,
    *,
    max_lag: int,
    ic: InformationCriterion = "bic",
    lags: int | None = None,
) -> tuple[pd.DataFrame, int, dict[str, int]]:
    """Granger causality both ways between the two columns of ``returns``.

    Parameters
    ----------
    returns
        Two columns of aligned returns: the first is the candidate leader, the second the follower.
    max_lag
        Largest VAR lag order considered by the information criterion.
    ic
        ``"bic"`` (default: consistent, prefers short lags) or ``"aic"``; the order is
        ``statsmodels.tsa.api.VAR(...).select_order(max_lag).selected_orders[ic]``, at least 1
        (a Granger test needs a lag; an order of 0 says the criterion saw no dynamics at all).
    lags
        Use this order instead of selecting one.

    Returns
    -------
    (tests, lags, orders)
        ``tests`` indexed by direction (``"A -> B"``), with ``causing``, ``caused``, ``lags``,
        ``n``, the classical F-test (``f``, ``df_num``, ``df_denom``, ``p``: identical to
        statsmodels' ``grangercausalitytests`` ``ssr_ftest``) and a heteroskedasticity-robust
        Wald F-test with HC3 standard errors (``f_robust``, ``p_robust``): returns have
        volatility clustering, which the classical F ignores. ``p_robust_holm`` adjusts the
        robust p-values for the two directions tested. ``orders`` holds the order each
        criterion chose.
    """
    if not isinstance(returns, pd.DataFrame) or returns.shape[1] != 2:
        raise TypeError("returns must be a DataFrame with exactly two columns (leader, follower)")
    max_lag = check_int("max_lag", max_lag, 1)
    if ic not in ("aic", "bic"):
        raise ValueError(f"ic must be 'aic' or 'bic'; got {ic!r}")
    values = returns.to_numpy(dtype=float)
    if len(values) < 3 * max_lag + 10:
        raise ValueError(
            f"{len(values)} returns are too few for a Granger lag search up to {max_lag}; "
            f"need at least {3 * max_lag + 10} (lower granger_max_lag)"
        )
    # Plain arrays: the exchange-day index has no regular frequency for statsmodels to use.
    selection = VAR(values).select_order(maxlags=max_lag, trend="c")
    orders = {name: int(order) for name, order in selection.selected_orders.items()}
    chosen = max(1, orders[ic]) if lags is None else check_int("lags", lags, 1)
    first, second = (str(c) for c in returns.columns)
    rows = []
    for causing, caused, a, b in ((first, second, 0, 1), (second, first, 1, 0)):
        rows.append(
            {
                "direction": f"{causing} -> {caused}",
                "causing": causing,
                "caused": caused,
                "lags": chosen,
                **_granger_one(values[:, b], values[:, a], chosen),
            }
        )
    tests = pd.DataFrame(rows).set_index("direction")
    tests["n"] = tests["n"].astype(int)
    # Asking "does either series lead?" runs both directions: a family of two.
    tests["p_robust_holm"] = family_table(tests, p_column="p_robust", methods=("holm",))["p_robust_holm"]
    return tests, chosen, orders


# -- the study ------------------------------------------------------------------------------


def _block_length(*columns: np.ndarray) -> int:
    # Politis-White optimal mean block length, the longest over the inputs so the resampling
    # keeps the most persistent dependence among them.
    return int(math.ceil(max(optimal_block_length(column) for column in columns)))


def _bootstrap_peaks(
    x: np.ndarray, y: np.ndarray, max_lag: int, reps: int, block: int, seed: int | np.random.Generator | None
) -> np.ndarray:
    """Peak lag (argmax |corr|) in each stationary-bootstrap resample of the lagged pairs.

    Rows t = max_lag..n-max_lag-1 each hold x_t and y_{t-K..t+K}; resampling whole rows in
    blocks keeps every lagged pair intact while resampling time.
    """
    n = len(x)
    rows = np.arange(max_lag, n - max_lag)
    m = len(rows)
    # Centring on the full-sample means changes no correlation and keeps the moment
    # differences below well conditioned.
    leads = x[rows] - x[rows].mean()
    lagged = np.column_stack([y[rows + k] for k in range(-max_lag, max_lag + 1)])
    lagged = lagged - lagged.mean(axis=0)
    moments = np.column_stack([leads, leads**2, lagged, lagged**2, leads[:, None] * lagged])
    width = lagged.shape[1]
    rng = as_generator(seed)
    peaks = np.empty(reps, dtype=int)
    chunk = 256
    for first in range(0, reps, chunk):
        size = min(chunk, reps - first)
        # A resample's means are the original rows weighted by how often each was drawn.
        drawn = stationary_bootstrap_indices(m, size, float(block), seed=rng)
        counts = np.bincount((drawn + m * np.arange(size)[:, None]).ravel(), minlength=size * m).reshape(size, m)
        means = counts @ moments / m
        mean_x, mean_xx = means[:, 0], means[:, 1]
        mean_y, mean_yy = means[:, 2 : 2 + width], means[:, 2 + width : 2 + 2 * width]
        mean_xy = means[:, 2 + 2 * width :]
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = (mean_xy - mean_x[:, None] * mean_y) / np.sqrt(
                (mean_xx - mean_x**2)[:, None] * (mean_yy - mean_y**2)
            )
        strength = np.where(np.isfinite(corr), np.abs(corr), -1.0)
        peaks[first : first + size] = strength.argmax(axis=1) - max_lag
    return peaks


@dataclass(frozen=True)
class PeakLag:
    """The lag with the largest absolute correlation, and how stable that choice is.

    Attributes
    ----------
    k
        The lag (k > 0: the lead series moves first).
    corr, n, band_white, band_robust, p, p_holm
        Its row of the CCF table.
    outside_white, outside_robust
        |corr| beyond the white-noise band / the robust band (unadjusted for the scan).
    significant
        Robust p-value significant after Holm adjustment over all lags scanned.
    share
        Share of bootstrap resamples whose peak is this same k.
    interval
        Central (1 - alpha) interval of the bootstrap peak lag.
    share_lead_first, share_same, share_lag_first
        Shares of resamples whose peak is at k > 0, k = 0, k < 0.
    """

    k: int
    corr: float
    n: int
    band_white: float
    band_robust: float
    p: float
    p_holm: float
    outside_white: bool
    outside_robust: bool
    significant: bool
    share: float
    interval: tuple[int, int]
    share_lead_first: float
    share_same: float
    share_lag_first: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "corr": self.corr,
            "n": self.n,
            "band_white": self.band_white,
            "band_robust": self.band_robust,
            "p": self.p,
            "p_holm": self.p_holm,
            "outside_white": self.outside_white,
            "outside_robust": self.outside_robust,
            "significant": self.significant,
            "share": self.share,
            "interval": list(self.interval),
            "share_lead_first": self.share_lead_first,
            "share_same": self.share_same,
            "share_lag_first": self.share_lag_first,
        }


@dataclass(frozen=True)
class Verdict:
    """Which series leads, by how much, and how strong the evidence is.

    Attributes
    ----------
    leader, follower
        Symbols, or ``None`` when no lead is established.
    lead_bars
        By how many bars the leader moves first (from the strongest significant non-zero lag),
        or ``None``.
    evidence
        ``"strong"``: a non-zero lag's correlation survives Holm adjustment over the lags and the
        robust Granger test (Holm over its two directions) is significant in that direction only;
        ``"moderate"``: the correlation survives but Granger does not confirm; ``"mixed"``: the
        correlation and Granger point opposite ways (no leader is named); ``"weak"``: only one
        Granger direction is significant, and no single lag stands out; ``"none"``: neither.
        Each route holds its level alpha, so for two unrelated series a leader is named (as
        ``"moderate"`` or ``"weak"``) about 2 * alpha of the time; ``"strong"`` needs both.
    significant_lags
        Every lag whose correlation is significant after Holm adjustment (0 included).
    text
        The verdict in words, with the numbers behind it.
    """

    leader: str | None
    follower: str | None
    lead_bars: int | None
    evidence: Literal["strong", "moderate", "mixed", "weak", "none"]
    significant_lags: tuple[int, ...]
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "leader": self.leader,
            "follower": self.follower,
            "lead_bars": self.lead_bars,
            "evidence": self.evidence,
            "significant_lags": list(self.significant_lags),
            "text": self.text,
        }


def _record(table: pd.DataFrame, key: Any) -> dict[str, Any]:
    """One row of a table as a plain mapping of column -> value."""
    return {str(column): value for column, value in zip(table.columns, table.loc[key].tolist(), strict=True)}


def _fmt_p(p: float) -> str:
    return numbers.p_value(p)


def _bars(k: int, unit: tuple[str, str]) -> str:
    return f"{k} {unit[0] if abs(k) == 1 else unit[1]}"


@dataclass(frozen=True)
class LeadLagResult:
    """Outcome of a :class:`LeadLag` study (see :meth:`to_dict` for the stable JSON schema).

    Attributes
    ----------
    lead, lag
        The two symbols; k > 0 in every table means ``lead`` moves first.
    freq, unit
        Bar frequency and the name of one bar (``"trading day"``, ``"day"``, ``"week"``, ``"month"``).
    calendar
        How the two series were aligned, in words.
    start, end, n_obs
        First and last return date and the number of aligned returns.
    max_lag, alpha, window, ic, reps, block_size, hac_lags, seed
        The settings used (``block_size``: mean block of the peak-lag bootstrap; ``hac_lags``:
        Newey-West bandwidth of the robust band; ``seed``: the bootstrap's integer seed - drawn
        fresh and recorded when none was given - or ``None`` when a Generator was passed).
    ccf
        The cross-correlation table of :func:`cross_correlation`, plus ``peak_share`` (share of
        bootstrap resamples peaking at that lag).
    peak
        The lag of largest |corr| with its bootstrap uncertainty.
    rolling
        Rolling correlation at lag 0 (``corr_0``) and at the peak lag (``corr_peak``), indexed by
        the later of the two dates paired.
    granger, granger_lags, granger_orders
        Granger tests both ways, the lag order used, and the order each criterion chose.
    verdict
        The conclusion in words.
    series
        Per series: ``change`` (``"log"`` or ``"diff"``) and ``description`` (what it is, how it
        was transformed and aligned point-in-time).
    """

    lead: str
    lag: str
    freq: Frequency
    unit: str
    calendar: str
    start: pd.Timestamp
    end: pd.Timestamp
    n_obs: int
    max_lag: int
    alpha: float
    window: int
    ic: InformationCriterion
    reps: int
    block_size: int
    hac_lags: int
    ccf: pd.DataFrame
    peak: PeakLag
    rolling: pd.DataFrame
    granger: pd.DataFrame
    granger_lags: int
    granger_orders: Mapping[str, int]
    verdict: Verdict
    definition: str = field(default="")
    seed: int | None = None
    series: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The cross-correlation table, one row per lag k."""
        return self.ccf.copy()

    def summary(self) -> str:
        """A few lines in words: sample, peak, Granger both ways, verdict."""
        peak = self.peak
        lines = [
            f"Lead-lag {self.lead} -> {self.lag}, {self.freq} returns {self.start.date()}..{self.end.date()} "
            f"(n = {self.n_obs}); calendar: {self.calendar}.",
            f"Peak |corr| at k = {peak.k:+d}: {numbers.score(peak.corr, 3, signed=True)} (white-noise "
            f"band ±{numbers.score(peak.band_white, 3)}, "
            f"robust band ±{numbers.score(peak.band_robust, 3)}, Holm p {_fmt_p(peak.p_holm)}); "
            f"bootstrap peak interval "
            f"[{peak.interval[0]:+d}, {peak.interval[1]:+d}], "
            f"{numbers.percent(peak.share, 0)} of {self.reps} resamples at {peak.k:+d}.",
        ]
        for direction, row in self.granger.iterrows():
            lines.append(
                f"Granger {direction} ({int(row['lags'])} lags by {self.ic.upper()}): F p {_fmt_p(row['p'])}, "
                f"robust p {_fmt_p(row['p_robust'])}."
            )
        lines.append(f"Verdict ({self.verdict.evidence}): {self.verdict.text}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from riskcurve._display import result_html

        return result_html(
            f"Lead-lag: {self.lead} -> {self.lag} ({self.freq}, {self.n_obs} returns "
            f"{self.start.date()} to {self.end.date()})",
            verdict=self.verdict.text,
            facts={"peak lag (bars)": self.peak.k, "correlation at the peak": self.peak.corr},
            table=self.granger,
            summary=self.summary(),
        )

    def to_dict(self) -> dict[str, Any]:
        """The stable ``--json`` schema.

        Keys: ``lead``, ``lag``, ``freq``, ``unit``, ``calendar``, ``definition``, ``series`` (per
        series: ``change`` and ``description``, how it was transformed and aligned), ``sample``
        (``start``, ``end``, ``n``), ``parameters`` (``max_lag``, ``alpha``, ``window``, ``ic``,
        ``reps``, ``block_size``, ``hac_lags``, ``seed``), ``ccf`` (one record per lag, the columns of
        :attr:`ccf` with ``k``), ``peak`` (:meth:`PeakLag.to_dict`), ``granger`` (``lags``,
        ``ic``, ``orders``, ``tests``: one record per direction), ``rolling`` (``window``,
        ``last`` and ``mean`` of each column, ``data``: records with ``date``, ``corr_0``,
        ``corr_peak``), ``verdict`` (:meth:`Verdict.to_dict`). Missing numbers are ``null``.
        """
        ccf = self.ccf.reset_index()
        rolling = self.rolling.dropna(how="all")
        return {
            "lead": self.lead,
            "lag": self.lag,
            "freq": self.freq,
            "unit": self.unit,
            "calendar": self.calendar,
            "definition": self.definition,
            "series": {name: dict(item) for name, item in self.series.items()},
            "sample": {"start": self.start.date().isoformat(), "end": self.end.date().isoformat(), "n": self.n_obs},
            "parameters": {
                "max_lag": self.max_lag,
                "alpha": self.alpha,
                "window": self.window,
                "ic": self.ic,
                "reps": self.reps,
                "block_size": self.block_size,
                "hac_lags": self.hac_lags,
                "seed": self.seed,
            },
            "ccf": [{key: plain(value) for key, value in row.items()} for row in ccf.to_dict("records")],
            "peak": self.peak.to_dict(),
            "granger": {
                "lags": self.granger_lags,
                "ic": self.ic,
                "orders": dict(self.granger_orders),
                "tests": [
                    {key: plain(value) for key, value in row.items()}
                    for row in self.granger.reset_index().to_dict("records")
                ],
            },
            "rolling": {
                "window": self.window,
                "last": {c: plain(rolling[c].dropna().iloc[-1]) if rolling[c].notna().any() else None for c in rolling},
                "mean": {c: plain(rolling[c].mean()) for c in rolling},
                "data": [
                    {"date": date.date().isoformat(), **{str(c): plain(v) for c, v in row.items()}}
                    for date, row in zip(pd.DatetimeIndex(rolling.index), rolling.to_dict("records"), strict=True)
                ],
            },
            "verdict": self.verdict.to_dict(),
        }


@dataclass(frozen=True, eq=False)
class LeadLag:
    """Specification of a lead-lag study between two price series.

    Parameters
    ----------
    lead, lag
        Closes indexed by date, named after their symbols. ``lead`` is the series suspected to
        move first; k > 0 in the results means it does.
    freq
        ``"D"``, ``"W"`` or ``"M"``; see :func:`aligned_returns` for the calendar.
    max_lag
        Leads and lags scanned: k = -max_lag..max_lag (default by frequency: 10 days, 8 weeks,
        6 months).
    alpha
        Level of bands, tests and bootstrap intervals (default 0.05).
    window
        Rolling-correlation window in bars (default 126 days, 52 weeks, 36 months).
    granger_max_lag
        Largest lag order the information criterion may choose (default ``max_lag``).
    ic
        ``"bic"`` (default) or ``"aic"``, for the Granger lag order.
    reps
        Bootstrap resamples for the peak lag's uncertainty.
    seed
        Seed or Generator for the bootstrap (``None``: a fresh seed, recorded in the result).
    calendars
        ``(lead's, lag's)`` calendar (``"exchange"``/``"crypto"``/``None`` to infer).
    changes
        ``(lead's, lag's)`` change, ``"log"`` (default) or ``"diff"``; see :func:`aligned_returns`.
    descriptions
        What each series is and how it was transformed and aligned, by name, in words; shown in
        the definition and under ``series`` in :meth:`LeadLagResult.to_dict`.
    """

    lead: pd.Series
    lag: pd.Series
    freq: Frequency = "D"
    max_lag: int | None = None
    alpha: float = 0.05
    window: int | None = None
    granger_max_lag: int | None = None
    ic: InformationCriterion = "bic"
    reps: int = 1000
    seed: int | np.random.Generator | None = None
    calendars: tuple[Calendar | None, Calendar | None] | None = None
    changes: tuple[Change, Change] | None = None
    descriptions: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        freq = _check_freq(self.freq)
        how = _check_changes(self.changes)
        object.__setattr__(self, "changes", how)
        object.__setattr__(self, "lead", _check_closes("lead", self.lead, how[0]))
        object.__setattr__(self, "lag", _check_closes("lag", self.lag, how[1]))
        object.__setattr__(
            self, "max_lag", DEFAULT_MAX_LAG[freq] if self.max_lag is None else check_int("max_lag", self.max_lag, 1)
        )
        object.__setattr__(self, "alpha", check_alpha(self.alpha))
        object.__setattr__(
            self, "window", DEFAULT_WINDOW[freq] if self.window is None else check_int("window", self.window, 3)
        )
        if self.granger_max_lag is not None:
            object.__setattr__(self, "granger_max_lag", check_int("granger_max_lag", self.granger_max_lag, 1))
        if self.ic not in ("aic", "bic"):
            raise ValueError(f"ic must be 'aic' or 'bic'; got {self.ic!r}")
        object.__setattr__(self, "reps", check_int("reps", self.reps, 1))
        object.__setattr__(self, "seed", check_seed(self.seed))
        object.__setattr__(self, "calendars", _check_calendars(self.calendars))

    def run(self) -> LeadLagResult:
        """Align, scan the lags, bootstrap the peak, test Granger both ways, and conclude."""
        returns = aligned_returns(self.lead, self.lag, self.freq, calendars=self.calendars, changes=self.changes)
        lead_name, lag_name = (str(c) for c in returns.columns)
        max_lag = int(self.max_lag)  # type: ignore[arg-type]  # set in __post_init__
        window = int(self.window)  # type: ignore[arg-type]
        n = len(returns)
        needed = 4 * max_lag + 10
        if n < needed:
            span = f" ({returns.index[0].date()}..{returns.index[-1].date()})" if n else ""
            raise DataError(
                f"only {n} common {self.freq} returns of {lead_name} and {lag_name}{span}; "
                f"max_lag={max_lag} needs at least {needed}",
                symbol=f"{lead_name}/{lag_name}",
            )
        if n < WARN_BELOW_OBS:
            warnings.warn(
                f"{lead_name}/{lag_name}: only {n} {self.freq} returns; bands and tests are rough",
                InsufficientDataWarning,
                stacklevel=2,
            )
        x = returns[lead_name].to_numpy()
        y = returns[lag_name].to_numpy()
        ccf = cross_correlation(x, y, max_lag, alpha=self.alpha)
        hac_lags = int(ccf.attrs["hac_lags"])
        peak_k = int(cast(int, ccf["corr"].abs().idxmax()))

        zero, at_peak = _pairs(x, y, 0), _pairs(x, y, peak_k)
        block = _block_length(x, y, zero[0] * zero[1], at_peak[0] * at_peak[1])
        # A fresh seed is drawn and recorded when none is given, so every result can be reproduced.
        seed = int(np.random.SeedSequence().generate_state(1)[0]) if self.seed is None else self.seed
        peaks = _bootstrap_peaks(x, y, max_lag, self.reps, block, seed)
        shares = pd.Series(peaks).value_counts(normalize=True).reindex(ccf.index, fill_value=0.0)
        ccf["peak_share"] = shares.to_numpy()
        low = int(np.quantile(peaks, self.alpha / 2.0, method="lower"))
        high = int(np.quantile(peaks, 1.0 - self.alpha / 2.0, method="higher"))
        row = _record(ccf, peak_k)
        peak = PeakLag(
            k=peak_k,
            corr=float(row["corr"]),
            n=int(row["n"]),
            band_white=float(row["band_white"]),
            band_robust=float(row["band_robust"]),
            p=float(row["p"]),
            p_holm=float(row["p_holm"]),
            outside_white=bool(row["outside_white"]),
            outside_robust=bool(abs(row["corr"]) > row["band_robust"]),
            significant=bool(row["significant"]),
            share=float(shares.loc[peak_k]),
            interval=(low, high),
            share_lead_first=float((peaks > 0).mean()),
            share_same=float((peaks == 0).mean()),
            share_lag_first=float((peaks < 0).mean()),
        )

        rolling = pd.DataFrame(
            {
                "corr_0": _rolling_corr(returns[lead_name], returns[lag_name], 0, window),
                "corr_peak": _rolling_corr(returns[lead_name], returns[lag_name], peak_k, window),
            }
        )
        granger_max = self.granger_max_lag if self.granger_max_lag is not None else max_lag
        granger, granger_lags, orders = granger_causality(returns, max_lag=granger_max, ic=self.ic)

        daily_unit = ("trading day", "trading days") if "exchange" in returns.attrs["calendars"] else ("day", "days")
        unit = daily_unit if self.freq == "D" else _UNITS[self.freq]
        verdict = _verdict(lead_name, lag_name, ccf, peak, granger, self.alpha, unit, self.reps)
        how = _check_changes(self.changes)
        words = {"log": "log changes", "diff": "differences"}
        measured = (
            f"Log returns of {lead_name} and {lag_name}"
            if how == ("log", "log")
            else f"{words[how[0]].capitalize()} of {lead_name} and {words[how[1]]} of {lag_name}"
        )
        series = {
            name: {
                "change": change,
                "description": (self.descriptions or {}).get(name, "closes" if change == "log" else "levels"),
            }
            for name, change in zip((lead_name, lag_name), how, strict=True)
        }
        described = " ".join(f"{name}: {item['description']}." for name, item in series.items() if self.descriptions)
        definition = (
            f"{measured} at frequency {self.freq} on {returns.attrs['calendar']}. "
            + (f"{described} " if described else "")
            + f"corr(k) = corr({lead_name}_t, {lag_name}_(t+k)) for k = -{max_lag}..{max_lag}: k > 0 means "
            f"{lead_name} moves first. Bands at {numbers.percent(1 - self.alpha, 0)}: white-noise "
            f"z/sqrt(n), and robust "
            f"(Newey-West variance of the cross-products, bandwidth {hac_lags}); per-lag p-values from the robust "
            f"band, Holm and Benjamini-Hochberg adjusted over the {2 * max_lag + 1} lags. Peak uncertainty: stationary "
            f"bootstrap of the lagged pairs (mean block {block}, {self.reps} resamples). Granger: OLS F-tests "
            f"(classical and HC3-robust) with the VAR lag order chosen by {self.ic.upper()} up to {granger_max}."
        )
        return LeadLagResult(
            lead=lead_name,
            lag=lag_name,
            freq=self.freq,
            unit=unit[0],
            calendar=str(returns.attrs["calendar"]),
            start=pd.Timestamp(returns.index[0]),
            end=pd.Timestamp(returns.index[-1]),
            n_obs=n,
            max_lag=max_lag,
            alpha=self.alpha,
            window=window,
            ic=self.ic,
            reps=self.reps,
            block_size=block,
            hac_lags=hac_lags,
            ccf=ccf,
            peak=peak,
            rolling=rolling,
            granger=granger,
            granger_lags=granger_lags,
            granger_orders=orders,
            verdict=verdict,
            definition=definition,
            seed=seed if isinstance(seed, int) else None,
            series=series,
        )


def detectable_correlation(
    ccf: pd.DataFrame, lags: tuple[int, int], *, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Smallest correlation at one of ``lags`` that the lag scan detects with probability ``power``.

    A lag counts as significant after Holm over the ``m`` lags scanned, so at worst at the
    Bonferroni level ``alpha / m``, with ``z_c = z(1 - alpha / (2m))``. The correlation's
    standard error ``se_k`` under no correlation is the robust band over ``z(1 - alpha/2)``.
    Under a true correlation ``rho`` the robust band the test divides by is wider: with the
    follower ``rho`` times the leader plus noise, the cross-products carry ``rho`` times the
    leader's squared returns, whose variation ``q`` (``cross_correlation``'s
    ``square_variation``: the lead series' at ``k >= 0``, the lag series' at ``k < 0``) adds
    ``rho^2 q`` to the variance, while the noise's part shrinks by ``1 - rho^2``, as does the
    correlation's own spread. The MDE solves ``rho = z_c * sqrt((1 - rho^2) se_k^2 + rho^2 q) +
    z(power) * sqrt(1 - rho^2) se_k`` (bisection on ``(0, 1)``). The plain
    ``(z_c + z(power)) * se_k`` it replaces ignored the wider band and promised too much (power
    75-79% at it on GARCH returns with Student-t shocks); now it is 82% there from 520
    observations, 85% at 260 (docs/claims.md): on fat tails the sample ``q`` somewhat overstates
    the widening, so the MDE errs on the side of promising less. The smallest over the lags in range is returned (NaN if
    none of them was scanned, or if no correlation below 1 reaches the power).

    Parameters
    ----------
    ccf
        The table of :func:`cross_correlation` (index k, column ``band_robust``;
        ``attrs["square_variation"]``, taken as 0 when missing).
    lags
        Inclusive range of lags k asked about (k > 0: the lead series moves first).
    alpha, power
        Test level and power.
    """
    m = len(ccf)
    inside = (ccf.index >= min(lags)) & (ccf.index <= max(lags))
    chosen = ccf.loc[inside, "band_robust"].astype(float)
    if chosen.empty or m == 0:
        return math.nan
    se = chosen.to_numpy() / scipy_stats.norm.ppf(1 - alpha / 2)
    z_c = float(scipy_stats.norm.ppf(1 - alpha / (2 * m)))
    z_p = float(scipy_stats.norm.ppf(power))
    # The leader's squared returns: the lead series' at k >= 0, the lag series' at k < 0.
    q_lead, q_lag = ccf.attrs.get("square_variation", (0.0, 0.0))
    q = np.where(ccf.index[inside] >= 0, q_lead, q_lag)

    # The follower is rho times the leader plus sqrt(1 - rho^2) times noise: the noise's share of
    # the cross-products (and of the correlation's spread) shrinks by 1 - rho^2.
    def shortfall(rho: np.ndarray) -> np.ndarray:
        rest = 1.0 - rho**2
        return rho - z_c * np.sqrt(rest * se**2 + rho**2 * q) - z_p * np.sqrt(rest) * se

    low, high = np.zeros_like(se), np.ones_like(se)
    for _ in range(50):  # bisection on (0, 1) for every lag at once
        middle = (low + high) / 2
        short = shortfall(middle) < 0
        low, high = np.where(short, middle, low), np.where(short, high, middle)
    reached = shortfall(np.ones_like(se)) >= 0
    best = float(np.where(reached, high, np.inf).min())
    return best if best < 1.0 else math.nan


def _rolling_corr(lead: pd.Series, lag: pd.Series, k: int, window: int) -> pd.Series:
    # Pair lead_t with lag_{t+k} on the row of the later date, so each value uses nothing after it.
    if k >= 0:
        first, second = lead.shift(k), lag
    else:
        first, second = lead, lag.shift(-k)
    return first.rolling(window, min_periods=window).corr(second)


def _verdict(
    lead: str,
    lag: str,
    ccf: pd.DataFrame,
    peak: PeakLag,
    granger: pd.DataFrame,
    alpha: float,
    unit: tuple[str, str],
    reps: int,
) -> Verdict:
    significant = tuple(int(k) for k in ccf.index[ccf["significant"]])
    forward = _record(granger, granger.index[0])  # lead -> lag
    backward = _record(granger, granger.index[1])  # lag -> lead
    g_forward = bool(forward["p_robust_holm"] < alpha)
    g_backward = bool(backward["p_robust_holm"] < alpha)
    granger_text = (
        f"Granger (HC3-robust F, {_bars(int(forward['lags']), ('lag', 'lags'))}): {lead} -> {lag} "
        f"p {_fmt_p(forward['p_robust'])}, {lag} -> {lead} p {_fmt_p(backward['p_robust'])} "
        f"(Holm over both directions: {_fmt_p(forward['p_robust_holm'])}, {_fmt_p(backward['p_robust_holm'])})."
    )
    parts: list[str] = []
    if 0 in significant:
        row = _record(ccf, 0)
        parts.append(
            f"{lead} and {lag} move together within the same {unit[0]} (corr "
            f"{numbers.score(row['corr'], 2, signed=True)}, "
            f"Holm p {_fmt_p(row['p_holm'])})."
        )
    nonzero = [k for k in significant if k != 0]
    leader: str | None = None
    follower: str | None = None
    bars: int | None = None
    evidence: Literal["strong", "moderate", "mixed", "weak", "none"]
    if nonzero:
        corrs = dict(zip(ccf.index.astype(int), ccf["corr"].astype(float), strict=True))
        best = max(nonzero, key=lambda k: abs(corrs[k]))
        row = _record(ccf, best)
        leader, follower = (lead, lag) if best > 0 else (lag, lead)
        bars = abs(best)
        agrees = g_forward if best > 0 else g_backward
        opposes = g_backward if best > 0 else g_forward
        evidence = "strong" if agrees and not opposes else "mixed" if opposes and not agrees else "moderate"
        others = [k for k in nonzero if k != best]
        others_text = f" Other significant lags: {', '.join(f'{k:+d}' for k in others)}." if others else ""
        parts.append(
            f"{leader} leads {follower} by {_bars(bars, unit)}: corr({lead}_t, {lag}_t{best:+d}) = "
            f"{numbers.score(row['corr'], 2, signed=True)} (robust band "
            f"±{numbers.score(row['band_robust'], 2)}, Holm p {_fmt_p(row['p_holm'])}).{others_text}"
        )
        if evidence == "mixed":
            parts.append("But Granger points the other way, so the direction is unsettled.")
            leader = follower = None
            bars = None
    elif g_forward != g_backward:
        leader, follower = (lead, lag) if g_forward else (lag, lead)
        evidence = "weak"
        parts.append(
            f"No single lag's correlation survives adjustment for the {len(ccf)} lags scanned, but {leader}'s past "
            f"helps predict {follower} (Granger); weak evidence that {leader} leads, by no identifiable number of "
            f"{unit[1]}."
        )
    else:
        evidence = "none"
        both = " Granger is significant both ways (feedback), which shows no order." if g_forward else ""
        parts.append(
            f"No evidence that either leads: no non-zero lag's correlation survives Holm adjustment over the "
            f"{len(ccf)} lags scanned.{both}"
        )
    parts.append(
        f"Bootstrap ({reps} resamples): the largest |corr| falls at k = {peak.k:+d} in "
        f"{numbers.percent(peak.share, 0)} of them, "
        f"{numbers.percent(1 - alpha, 0)} interval [{peak.interval[0]:+d}, {peak.interval[1]:+d}] "
        f"{unit[1]}; {lead} first in "
        f"{numbers.percent(peak.share_lead_first, 0)}, same {unit[0]} in {numbers.percent(peak.share_same, 0)}, "
        f"{lag} first in {numbers.percent(peak.share_lag_first, 0)}."
    )
    parts.append(granger_text)
    return Verdict(
        leader=leader,
        follower=follower,
        lead_bars=bars,
        evidence=evidence,
        significant_lags=significant,
        text=" ".join(parts),
    )


_PERIOD_WORDS = {
    "D": "each day read",
    "W": "the last common day of each week",
    "M": "the last common day of each month",
}
_CHANGE_WORDS = {"log": "log change", "diff": "difference"}


def _macro_change(unit: str) -> Change:
    """Rates and spreads (percent), and series of unknown unit, change by differences; levels by logs."""
    text = (unit or "").strip().lower()
    return "diff" if not text or "percent" in text or text in ("%", "pp") else "log"


def _series_for(
    data: MarketData, symbol: str, freq: Frequency, align: Alignment = "published"
) -> tuple[pd.Series, Calendar | None, Change, str]:
    """The series a lead-lag study reads for ``symbol``, its calendar, its change and a description."""
    from riskcurve.data.release import describe_rule
    from riskcurve.signals.derived import DERIVED, derived_series

    period = _PERIOD_WORDS[freq]
    if symbol in DERIVED:
        spec = DERIVED[symbol]
        values = derived_series(data, symbol)
        text = (
            f"{spec.description} ({spec.unit}); {_CHANGE_WORDS[spec.change]} of the value known at the end of "
            f"{period}, each input counted from its publication"
        )
        return values, "crypto", spec.change, text
    data.require(symbol)
    meta = data.store.meta(symbol)
    if meta.kind == "price":
        calendar = cast(Calendar, meta.calendar) if meta.calendar in ("exchange", "crypto") else None
        return data.close(symbol), calendar, "log", f"{meta.description or symbol} closes; log returns"
    vintages = data.vintages(symbol)
    if vintages.empty:
        raise DataError(f"nothing published by {data.as_of.date()}", symbol=symbol)
    first = pd.DatetimeIndex(vintages.index).min()
    change = _macro_change(meta.unit)
    unit = f"{meta.unit}" if meta.unit else "unit unknown"
    if align == "observed":
        # The latest vintage of each observation, on the date it describes (a market rate is
        # known to the market at that day's close, whatever FRED's posting lag).
        latest = vintages.reset_index().sort_values(["date", "available_at"]).groupby("date")["value"].last()
        observed = pd.Series(latest.to_numpy(dtype=float), index=pd.DatetimeIndex(latest.index, name="date"))
        text = (
            f"{meta.description or symbol} ({unit}); {_CHANGE_WORDS[change]} of the value observed on {period} "
            "(aligned by observation date, latest vintage published by the as-of day; not point-in-time)"
        )
        placed: Calendar = "exchange" if meta.calendar == "business" else "crypto"
        return observed.rename(symbol), placed, change, text
    values = data.known(symbol, data.days(first))
    text = (
        f"{meta.description or symbol} ({unit}); {_CHANGE_WORDS[change]} of the value known at the end of {period}, "
        f"point-in-time by publication ({describe_rule(meta.release, lag_days=meta.lag_days)})"
    )
    return values, "crypto", change, text


def leadlag(
    data: MarketData,
    lead: str,
    lag: str,
    *,
    freq: Frequency = "D",
    max_lag: int | None = None,
    start: DateLike | None = None,
    align: Alignment = "published",
    **kwargs: Any,
) -> LeadLagResult:
    """Run a :class:`LeadLag` study on two stored price series as known on ``data.as_of``.

    Parameters
    ----------
    data
        The point-in-time view of the store.
    lead, lag
        Any series: a price symbol (``RUT``, ``BTC``: log returns), a stored macro series
        (``DGS2``, ``VIXCLS``, ``WALCL``) or a derived one (``NETLIQ``, see
        :mod:`riskcurve.signals.derived`). A macro level enters as its change - a difference for
        rates and spreads in percent (and series of unknown unit), a log change for USD levels and
        indices - of the value *as known* at the end of each day by its publication time, read on
        the same days as the other series: a Wednesday H.4.1 level published on Thursday counts in
        the week it was released, not the week it describes.
    freq, max_lag
        As in :class:`LeadLag`.
    start
        Ignore closes before this day (e.g. to study only the ETF era).
    align
        ``"published"`` (default): a stored macro series is read as known at the end of each day
        (point-in-time). ``"observed"``: on the date each value describes (latest vintage), as
        for market rates that traders saw at the close although FRED posts them a day later;
        publication lags then cannot create a spurious lead of the price series. Derived series
        are always read as published.
    **kwargs
        Other :class:`LeadLag` settings (``alpha``, ``window``, ``granger_max_lag``, ``ic``,
        ``reps``, ``seed``).

    Returns
    -------
    LeadLagResult
    """
    freq = _check_freq(freq)
    if align not in ("published", "observed"):
        raise ValueError(f"align must be 'published' or 'observed'; got {align!r}")
    symbols = (lead.strip().upper(), lag.strip().upper())
    calendars: list[Calendar | None] = []
    changes: list[Change] = []
    descriptions: dict[str, str] = {}
    closes = []
    for symbol in symbols:
        series, calendar, change, description = _series_for(data, symbol, freq, align)
        if start is not None:
            series = series.loc[pd.Timestamp(start) :]
        if series.dropna().empty:
            raise DataError(f"no values between {start or 'the start'} and {data.as_of.date()}", symbol=symbol)
        closes.append(series)
        calendars.append(calendar)
        changes.append(change)
        descriptions[symbol] = description
    spec = LeadLag(
        lead=closes[0],
        lag=closes[1],
        freq=freq,
        max_lag=max_lag,
        calendars=(calendars[0], calendars[1]),
        changes=(changes[0], changes[1]),
        descriptions=descriptions,
        **kwargs,
    )
    return spec.run()
