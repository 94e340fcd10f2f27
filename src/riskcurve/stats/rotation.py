"""The rotation test of a state against returns: p-value, the test inverted into an interval, and its MDE.

The state sequence is rotated (circularly shifted) against the returns by every offset and each
rotation's Welch statistic computed at once by FFT; see :mod:`riskcurve.stats.conditional` for
the method in full and why it keeps what makes regimes hard to test. Part of the conditional
study, which re-exports the public names.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist

import numpy as np

#: Power at which the minimum detectable effect is stated.
POWER = 0.8


def _spells(flags: np.ndarray) -> tuple[int, int, float]:
    """Runs of equal values: (runs of 1, runs of 0, mean run length)."""
    if len(flags) == 0:
        return 0, 0, math.nan
    starts = np.concatenate([[True], flags[1:] != flags[:-1]])
    first_values = flags[starts]
    runs = int(starts.sum())
    return int((first_values == 1).sum()), int((first_values == 0).sum()), len(flags) / runs


def _rotation_statistics(values: np.ndarray, flags: np.ndarray) -> Callable[[float], np.ndarray] | None:
    """``delta -> |Welch statistic|`` of ``values - delta * flags`` against every rotation of ``flags``.

    All rotations at once: the in-state sums of ``w = v - delta * f`` and ``w**2`` over rotation
    ``k`` are circular cross-correlations of ``v``, ``v**2``, ``v * f`` and ``f`` with ``f``,
    computed once by FFT; any ``delta`` then costs O(n). ``None`` when either side has fewer
    than 2 bars.
    """
    v = np.asarray(values, dtype=float)
    f = np.asarray(flags, dtype=float)
    n = len(v)
    n_in = float(f.sum())
    n_out = n - n_in
    if n_in < 2 or n_out < 2:
        return None
    centred = v - v.mean()  # the statistic does not change; centring keeps the FFT sums accurate
    spectrum = np.conj(np.fft.rfft(f))

    def xcorr(x: np.ndarray) -> np.ndarray:
        return np.fft.irfft(np.fft.rfft(x) * spectrum, n)

    a, b, c, d = xcorr(centred), xcorr(centred * centred), xcorr(centred * f), xcorr(f)
    total_vf = float((centred * f).sum())
    total_v2 = float((centred * centred).sum())

    def statistic(delta: float) -> np.ndarray:
        s1 = a - delta * d
        s2 = b - 2.0 * delta * c + delta * delta * d
        total1 = -delta * n_in
        total2 = total_v2 - 2.0 * delta * total_vf + delta * delta * n_in
        mean_in = s1 / n_in
        mean_out = (total1 - s1) / n_out
        var_in = np.maximum(s2 - n_in * mean_in**2, 0.0) / (n_in - 1)
        var_out = np.maximum((total2 - s2) - n_out * mean_out**2, 0.0) / (n_out - 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.abs(mean_in - mean_out) / np.sqrt(var_in / n_in + var_out / n_out)

    return statistic


def _p_from(stat: np.ndarray) -> float:
    observed = stat[0]
    if not math.isfinite(observed):
        return math.nan
    tol = 1e-9 * max(1.0, observed)
    return float(np.count_nonzero(stat >= observed - tol) / len(stat))


def rotation_p_value(values: np.ndarray, flags: np.ndarray) -> float:
    """Two-sided rotation-test p-value of the Welch statistic (see the module docstring).

    Parameters
    ----------
    values
        The measured forward returns, in time order.
    flags
        The state on the same bars (bool).

    Returns
    -------
    float
        ``count / n`` over the ``n`` circular shifts, NaN when either side has fewer than 2 bars.
    """
    statistic = _rotation_statistics(values, flags)
    return math.nan if statistic is None else _p_from(statistic(0.0))


def rotation_interval(
    values: np.ndarray, flags: np.ndarray, alpha: float, *, scale: float, iterations: int = 40
) -> tuple[float, float]:
    """The differences ``delta`` the rotation test does not reject: the test inverted.

    Under a shift model (returns in the state are those out of it plus ``delta``),
    ``values - delta * flags`` is unrelated to the state, so the set of ``delta`` whose rotation
    p-value is at least ``alpha`` covers the true difference as often as the test holds its
    level. Each bound is found by bisection between the observed difference (p = 1 there) and a
    point found by stepping out in multiples of ``scale``.

    Parameters
    ----------
    values, flags
        As :func:`rotation_p_value`.
    alpha
        One minus the coverage.
    scale
        A first step (e.g. a bootstrap standard error of the difference); positive.
    iterations
        Bisection steps per bound.

    Returns
    -------
    tuple of float
        ``(low, high)``; NaN where it cannot be computed.
    """
    statistic = _rotation_statistics(values, flags)
    if statistic is None or not (math.isfinite(scale) and scale > 0):
        return math.nan, math.nan
    f = np.asarray(flags, dtype=bool)
    v = np.asarray(values, dtype=float)
    observed = float(v[f].mean() - v[~f].mean())

    def accepted(delta: float) -> bool:
        return _p_from(statistic(delta)) >= alpha

    bounds = []
    for sign in (-1.0, 1.0):
        inner, outer = observed, observed + sign * scale
        steps = 0
        while accepted(outer) and steps < 60:
            inner, outer = outer, observed + sign * scale * 2.0 ** (steps + 1)
            steps += 1
        if steps >= 60:
            bounds.append(math.nan)
            continue
        for _ in range(iterations):
            middle = 0.5 * (inner + outer)
            inner, outer = (middle, outer) if accepted(middle) else (inner, middle)
        bounds.append(0.5 * (inner + outer))
    return bounds[0], bounds[1]


#: Weight of the state's own rotated difference in the MDE's critical value (calibrated; see
#: the module docstring).
_MDE_OVERLAP_WEIGHT = 0.5


def rotation_mde(values: np.ndarray, flags: np.ndarray, alpha: float, *, power: float = POWER) -> tuple[float, float]:
    """The difference the rotation test detects with probability ``power`` at level ``alpha``.

    Parameters
    ----------
    values, flags
        As :func:`rotation_p_value`.
    alpha
        The level the test must reach (``alpha / m`` for the first step of Holm over ``m``).
    power
        The power the MDE is stated at.

    Returns
    -------
    tuple of float
        ``(mde, se_rotation)``: the MDE and the standard deviation of the rotated differences
        (the noise of the difference under no effect); NaN when either side has fewer than 2 bars.
    """
    f = np.asarray(flags, dtype=float)
    v = np.asarray(values, dtype=float)
    n = len(v)
    n_in = float(f.sum())
    n_out = n - n_in
    if n_in < 2 or n_out < 2:
        return math.nan, math.nan
    observed = float(v[f == 1].mean() - v[f == 0].mean())
    w = v - observed * f
    w = w - w.mean()
    spectrum = np.conj(np.fft.rfft(f))
    in_sums = np.fft.irfft(np.fft.rfft(w) * spectrum, n)
    noise = in_sums / n_in - (float(w.sum()) - in_sums) / n_out
    overlap = np.fft.irfft(np.fft.rfft(f) * spectrum, n)
    own = overlap / n_in - (n_in - overlap) / n_out
    low = float(np.quantile(noise, 1.0 - power))
    delta = float(np.quantile(np.abs(noise), 1.0 - alpha)) - low
    for _ in range(30):
        updated = float(np.quantile(np.abs(noise + _MDE_OVERLAP_WEIGHT * delta * own), 1.0 - alpha)) - low
        if abs(updated - delta) <= 1e-9 * max(abs(delta), 1e-12):
            break
        delta = updated
    # The noise is read off about as many independent pieces as there are spells, so the MDE is
    # itself uncertain, and power at an uncertain MDE falls short of ``power`` (power is concave
    # there). Student-t quantiles on the spells' degrees of freedom widen it as a t-test's would.
    spells_in, spells_out, _ = _spells(f.astype(np.int8))
    df = max(spells_in + spells_out - 2, 1)
    z = NormalDist().inv_cdf
    widen = (_t_quantile(1.0 - alpha / 2, df) + _t_quantile(power, df)) / (z(1.0 - alpha / 2) + z(power))
    return float(delta * widen), float(noise.std(ddof=1))


def _t_quantile(p: float, df: int) -> float:
    """Student-t quantile from the normal one (Cornish-Fisher; Abramowitz-Stegun 26.7.5).

    Within 0.2% of the exact quantile for ``df >= 5`` at the levels used here, without importing
    scipy.stats (slow to import).
    """
    x = NormalDist().inv_cdf(p)
    terms = (
        (x**3 + x) / 4,
        (5 * x**5 + 16 * x**3 + 3 * x) / 96,
        (3 * x**7 + 19 * x**5 + 17 * x**3 - 15 * x) / 384,
        (79 * x**9 + 776 * x**7 + 1482 * x**5 - 1920 * x**3 - 945 * x) / 92160,
    )
    return x + sum(term / df ** (i + 1) for i, term in enumerate(terms))
