"""The lag scan: corr(lead_t, lag_{t+k}) for k = -K..K, its bands, and the smallest correlation it detects.

:func:`cross_correlation` gives the textbook white-noise band and a heteroskedasticity- and
autocorrelation-robust band, with per-lag p-values adjusted for the scan over lags (Holm,
Benjamini-Hochberg); :func:`detectable_correlation` is the scan's minimum detectable effect.
Part of :mod:`riskcurve.stats.leadlag`, which re-exports the public names.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats
from statsmodels.stats.sandwich_covariance import S_hac_simple

from riskcurve.stats._validation import check_alpha, check_int
from riskcurve.stats.multiple_testing import family_table


def _pairs(x: np.ndarray, y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(x_t, y_{t+k}) over every t where both exist."""
    n = len(x)
    if k >= 0:
        return x[: n - k], y[k:]
    return x[-k:], y[: n + k]


def _square_terms(leader: np.ndarray, bandwidth: int) -> tuple[float, float]:
    """The leader's squared-return variation ``q`` and the spread ``v`` of the band's cross term.

    With ``u_t`` the centred squares of the centred leader ``a_t``, ``g`` their Bartlett-weighted
    moving sum (the HAC kernel over ``-bandwidth..bandwidth``) and ``S = sum a_t^2``:
    ``q = sum u_t g_t / S^2`` (the HAC variance of the squares' sum over ``S^2``), and
    ``v = sum a_t^2 g_t^2 / (n S^3)``, the variance of the band's cross term (the HAC covariance
    of the squares with the products ``a_t e_t`` of independent noise, over ``S^2``) for noise of
    constant variance. Its part along the correlation ``c`` of leader and noise is
    ``q * c`` (regression coefficient ``sum a_t^2 g_t / S^2``, which equals ``q``).
    """
    a = leader - leader.mean()
    squares = a**2
    total = float(squares.sum())
    u = squares - squares.mean()
    weights = 1.0 - np.abs(np.arange(-bandwidth, bandwidth + 1)) / (bandwidth + 1.0)
    g = np.convolve(u, weights, mode="same")
    return float(u @ g) / total**2, float(squares @ g**2) / (len(a) * total**3)


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
    # robust band by about rho^2 times this (detectable_correlation allows for it). The band's
    # cross term between those squares and the noise's products moves with the correlation's own
    # error; its spread is ``square_cross_spread`` (see _square_terms).
    terms = [_square_terms(series, bandwidth) for series in (x, y)]
    table.attrs["square_variation"] = tuple(term[0] for term in terms)
    table.attrs["square_cross_spread"] = tuple(term[1] for term in terms)
    return table


def _power_at(
    rho: np.ndarray,
    se: np.ndarray,
    q: np.ndarray,
    spread: np.ndarray,
    z_c: float,
    nodes: np.ndarray,
    weights: np.ndarray,
) -> np.ndarray:
    """Power of the scan test at true correlations ``rho``, one per lag (see :func:`detectable_correlation`)."""
    from scipy.special import ndtr

    rho, se, q = rho[:, None], se[:, None], q[:, None]
    s = np.sqrt(np.maximum(1.0 - rho * rho, 0.0))
    residual = np.sqrt(np.maximum(spread[:, None] - q * q * se * se, 0.0)) * nodes[None, :]
    # Rejected when rho + s c > z_c sqrt(rho^2 q + s^2 se^2 + 2 rho s (q c + R)): a quadratic in c.
    a = s * s
    b = 2.0 * rho * s - z_c**2 * 2.0 * rho * s * q
    c = rho * rho - z_c**2 * (rho * rho * q + a * se * se + 2.0 * rho * s * residual)
    with np.errstate(divide="ignore", invalid="ignore"):
        disc = b * b - 4.0 * a * c
        root = np.where(disc > 0, (-b + np.sqrt(np.maximum(disc, 0.0))) / (2.0 * a), -np.inf)
        cut = np.maximum(root, -rho / s)
        power = ndtr(-cut / se) @ weights
    # rho = 1: the follower is the leader, and the statistic is 1 / sqrt(q).
    return np.where(a[:, 0] > 0, power, np.where(z_c**2 * q[:, 0] < 1.0, 1.0, 0.0))


def detectable_correlation(
    ccf: pd.DataFrame, lags: tuple[int, int], *, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Smallest correlation at one of ``lags`` that the lag scan detects with probability ``power``.

    A lag counts as significant after Holm over the ``m`` lags scanned, so at worst at the
    Bonferroni level ``alpha / m``, with ``z_c = z(1 - alpha / (2m))``. The correlation's
    standard error ``se`` under no correlation is the robust band over ``z(1 - alpha/2)``.

    Under a true correlation ``rho`` (the follower ``rho`` times the leader plus ``s =
    sqrt(1 - rho^2)`` times noise), the scan's statistic at that lag is exactly
    ``(rho + s c) / sqrt(rho^2 q + s^2 se^2 + 2 rho s C)``: ``c`` is the correlation of leader
    and noise (about normal, spread ``se``), ``q`` the leader's squared-return variation
    (``cross_correlation``'s ``square_variation``: the lead series' at ``k >= 0``, the lag
    series' at ``k < 0``), and ``C`` the band's cross term between the leader's squares and the
    noise's products. ``C`` moves with ``c``: ``C = q c + R``, ``R`` of variance
    ``square_cross_spread - q^2 se^2``. On fat tails this matters: a sample whose ``c`` falls
    short also has a narrower band. The power at ``rho`` is the probability, over ``c`` and
    ``R`` (Gauss-Hermite nodes over ``R``, the exact normal tail over ``c``), that the
    statistic exceeds ``z_c``; the MDE is the ``rho`` where it reaches ``power`` (bisection).

    The earlier model, ``rho = z_c sqrt((1 - rho^2) se^2 + rho^2 q) + z(power) sqrt(1 - rho^2)
    se``, held the band fixed at its mean and promised less than the test delivers (power
    81.7-82.0% at it from 520 GARCH-t observations, 85.5% at 260; docs/claims.md has the new
    table). Without ``square_cross_spread`` (``R`` = 0) the MDE solves the same equation with
    the band's cross term at ``c = -z(power) se``; without ``square_variation`` (``q`` = 0) it
    is ``(z_c + z(power)) se sqrt(1 - rho^2)``.

    The smallest over the lags in range is returned (NaN if none of them was scanned, or if no
    correlation below 1 reaches the power).

    Parameters
    ----------
    ccf
        The table of :func:`cross_correlation` (index k, column ``band_robust``;
        ``attrs["square_variation"]`` and ``attrs["square_cross_spread"]``, each taken as 0
        when missing).
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
    ses = chosen.to_numpy() / scipy_stats.norm.ppf(1 - alpha / 2)
    z_c = float(scipy_stats.norm.ppf(1 - alpha / (2 * m)))
    # The leader's squared returns: the lead series' at k >= 0, the lag series' at k < 0.
    q_lead, q_lag = ccf.attrs.get("square_variation", (0.0, 0.0))
    v_lead, v_lag = ccf.attrs.get("square_cross_spread", (0.0, 0.0))
    leads = ccf.index[inside] >= 0
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    weights = weights / weights.sum()
    q = np.where(leads, q_lead, q_lag).astype(float)
    spread = np.where(leads, v_lead, v_lag).astype(float)
    ok = (ses > 0) & (_power_at(np.ones_like(ses), ses, q, spread, z_c, nodes, weights) >= power)
    if not ok.any():
        return math.nan
    ses, q, spread = ses[ok], q[ok], spread[ok]
    low, high = np.zeros_like(ses), np.ones_like(ses)
    for _ in range(50):  # bisection on (0, 1) for every lag at once
        middle = (low + high) / 2
        short = _power_at(middle, ses, q, spread, z_c, nodes, weights) < power
        low, high = np.where(short, middle, low), np.where(short, high, middle)
    best = float(high.min())
    return best if best < 1.0 else math.nan
