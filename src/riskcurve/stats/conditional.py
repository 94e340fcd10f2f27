"""Conditional studies: a target's forward returns while a state holds, against while it does not.

``ConditionalStudy(target, state, ...).run()`` answers questions like "how does BTC do while
net liquidity expands, against while it contracts?". The state is a regime (liquidity
expanding, cascade stage >= 3, policy rates falling, risk-off), given as a date-indexed series
of ``True`` (the state holds), ``False`` (it does not) or NaN (unknown), each value *as known at
the end of its date*. The methods, exactly:

Placement (no look-ahead)
    Each target bar ``t`` takes the latest state value dated on or before ``t``'s date (NaN if
    that value is more than ``max_delay_days`` older), and the ``h``-bar forward return of ``t``
    (:func:`riskcurve.stats.forward.forward_returns`: entry at the close of bar ``t + 1``, the
    first target bar after the state was known). Bars with an unknown state or without a full
    horizon are left out. ``n_in`` / ``n_out`` count the remaining bars in / out of the state.

Timing: predictive or contemporaneous
    ``timing="predictive"`` (the default) pairs the state known at the end of bar ``t`` with
    the return *after* it, as above: can the state be traded? ``timing="contemporaneous"``
    pairs it with the ``h``-bar return over the same span that ends at bar ``t``, from the close
    of bar ``t - h`` to the close of bar ``t``: do the two move together? ("BTC is sold while
    risk is off.") Both are known at the end of ``t``; nothing later is read. A state defined as
    a change over ``h`` days (the 2-year yield up over 63 days) then spans the same bars as the
    target's move. Everything below (spells, rotation test, bootstrap, MDE) is the same for both.

Difference
    ``difference = mean_in - mean_out``, the mean ``h``-bar forward return of the bars in the
    state minus that of the bars out of it ("above" means in-state returns are higher).

Spells
    A spell is a maximal run of consecutive measured bars with the same state. ``spells_in`` and
    ``spells_out`` count them: regimes persist, so the independent information is closer to the
    number of spells than to the number of bars (a 200-day regime is one observation of "what
    happens in that regime", not 200), and the verdict needs at least ``MIN_SPELLS`` (5) of each.

P-value: a rotation test
    The state sequence is rotated (circularly shifted) against the returns by every offset
    ``k = 0 .. n - 1`` of the ``n`` measured bars, and each rotation's Welch statistic
    ``(mean_in - mean_out) / sqrt(var_in / n_in + var_out / n_out)`` is computed (all ``n`` at
    once, by FFT). The two-sided p-value is the share of rotations whose statistic is at least as
    far from 0 as the unrotated one's, ``count / n`` (the unrotated one counts). A rotation keeps
    everything that makes regimes hard to test: the state's spell lengths and the returns'
    autocorrelation, overlap and volatility clustering, and breaks only their alignment, which is
    what "no effect" means; it is exact when the state's spells look alike wherever the sample is
    cut. The statistic is studentised, so a state that merely coincides with turbulent markets
    (higher variance in the state) does not make the test over-confident. Holm-adjusted across
    horizons.

Interval: the test inverted
    Under a shift model (in-state returns are out-of-state returns plus ``delta``) the returns
    minus ``delta`` on in-state bars are unrelated to the state, so the ``delta`` the rotation
    test does not reject at ``alpha`` form the interval (:func:`rotation_interval`, bisection on
    the same FFT sums). It covers the true difference as often as the test holds its level, and it
    excludes 0 exactly when the unadjusted p-value is below ``alpha``.

Block bootstrap (a second opinion, and the scale of the MDE)
    The measured bars' ``(state, forward return)`` pairs are resampled jointly with a stationary
    bootstrap (Politis-Romano) whose mean block length is the largest of the Politis-White
    estimate for the forward returns, the horizon ``h`` (overlapping ``h``-bar returns share bars
    up to lag ``h - 1``), and the mean spell length (so a block carries a whole typical spell);
    it is capped at a third of the sample. Joint resampling keeps whatever ties the state to the
    returns' volatility. ``se`` is the standard deviation of the resampled differences and
    ``boot_low`` / ``boot_high`` the basic (pivot) interval ``[2 d - q(1 - a/2), 2 d - q(a/2)]``.
    With few spells it is somewhat narrow: in simulations with about 30 spells of 60 bars per
    sample a 95% bootstrap interval missed a zero difference in 8-11% of runs, which is why the
    verdict rests on the rotation test; when the two disagree the verdict says mixed evidence, as
    the event study does when its permutation test and bootstrap interval disagree.

Minimum detectable effect (calibrated to the test that grades)
    The MDE is the true difference the rotation test detects with probability ``power`` (80%)
    at level ``alpha / m``, the first step of Holm's adjustment over the ``m`` horizons tested
    (:func:`rotation_mde`). The noise is read off the rotations themselves: with the observed
    difference removed (``values - d * flags``), the rotated differences ``D_k`` are draws of
    what the difference looks like without an effect; the MDE solves
    ``delta = q_{1 - alpha/m}(|D_k + delta * r_k / 2|) - q_{0.2}(D_k)``, where ``r_k`` is the
    difference the state itself makes under rotation ``k`` (1 at ``k = 0``, near 1 for the
    rotations that barely move a long spell); the half weight on ``r_k`` is calibrated. The
    ``D_k`` carry only about as much information as there are spells, so the noise scale is
    itself estimated, and power at an estimated MDE falls short (power is concave near 80%):
    with 13 spells in a sample, 70-73% instead of 80%. As a t-test would, the MDE is widened by
    ``(t_df(1 - alpha/2m) + t_df(power)) / (z(1 - alpha/2m) + z(power))`` with ``df`` the number
    of spells minus 2. Power at the stated MDE, by simulation (docs/claims.md,
    benchmarks/calibrate_mde.py), is about 80% on persistent regimes of 5 to 150 bars' mean
    spell at horizons of 5 to 63 bars.
    The earlier MDE, ``(z(1 - alpha/2) + z(0.8)) * se`` from the block bootstrap, promised too
    much: the bootstrap ``se`` is 7-14% too small on such regimes and ignored the adjustment,
    and power at it was 49-74%. ``se`` is still reported, beside ``se_rotation`` (the spread of
    the ``D_k``), so the two can be compared.

Verdicts (per horizon, in this order; the event study's codes)
    ``no_events``: no measured bar in the state, or none out of it; ``too_few_events``: fewer
    than ``MIN_SPELLS`` spells in or out; ``chance``: Holm ``p >= alpha``; ``above_baseline`` /
    ``below_baseline``: Holm ``p < alpha`` and the block-bootstrap interval excludes 0 on the
    same side; ``mixed``: Holm ``p < alpha`` but the block-bootstrap interval includes 0. The overall code is
    ``above_baseline`` or ``below_baseline`` when every significant horizon agrees, ``mixed``
    when they disagree (or only mixed rows exist), else the most informative of ``chance``,
    ``too_few_events``, ``no_events``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from riskcurve import numbers
from riskcurve.data.panel import MarketData
from riskcurve.errors import InsufficientDataWarning
from riskcurve.stats._json import plain
from riskcurve.stats._validation import check_alpha, check_int, check_seed, check_string
from riskcurve.stats.bootstrap import SeedLike, as_generator, optimal_block_length, stationary_bootstrap_sums
from riskcurve.stats.forward import MAX_DELAY_DAYS, ReturnKind, check_close, check_horizons, check_kind, forward_returns
from riskcurve.stats.multiple_testing import adjust

__all__ = [
    "MIN_SPELLS",
    "ConditionalResult",
    "ConditionalStudy",
    "rotation_interval",
    "rotation_p_value",
    "state_on_bars",
    "study_condition",
]

#: Fewer spells than this in or out of the state: "too few events to conclude".
MIN_SPELLS = 5
#: Power at which the minimum detectable effect is stated.
POWER = 0.8
#: Default horizons in target bars (about one and three months of sessions).
DEFAULT_HORIZONS: tuple[int, ...] = (21, 63)
#: Version of the ``to_dict`` schema.
SCHEMA = "riskcurve.conditional_study/1"
#: Longest block as a share of the sample: longer blocks leave too few to resample.
_MAX_BLOCK_SHARE = 1.0 / 3.0

CONVENTION = (
    "Each target bar takes the latest state value dated on or before it (known at the end of that day); its "
    "h-bar return runs from the close of the next target bar to the close h bars after that. Horizons are bars "
    "of the target's own calendar."
)
METHOD = (
    "difference = mean forward return in the state - mean out of it. p: rotation test, the state circularly "
    "shifted against the returns by every offset, Welch statistic, two-sided, count/n; Holm-adjusted across "
    "horizons. CI: the rotation test inverted under a shift model. Block bootstrap (boot_low/boot_high, se): "
    "stationary bootstrap of the (state, return) pairs resampled jointly, mean block max(Politis-White, h, mean "
    "spell length), capped at a third of the sample. MDE: the difference the rotation test detects with 80% "
    "power at alpha/m (Holm's first step over m horizons), from the rotated differences (calibrated by simulation)."
)
VERDICT_CODES: tuple[str, ...] = (
    "no_events",
    "too_few_events",
    "chance",
    "above_baseline",
    "below_baseline",
    "mixed",
)
#: How the state and the target's move are paired (see the module docstring).
TIMINGS: tuple[str, ...] = ("predictive", "contemporaneous")


def _check_state(state: object) -> pd.Series:
    if not isinstance(state, pd.Series):
        raise TypeError(f"state must be a pandas Series of True/False/NaN, got {type(state).__name__}")
    if not isinstance(state.index, pd.DatetimeIndex):
        raise TypeError("state must be indexed by dates (a DatetimeIndex)")
    if not (state.index.is_monotonic_increasing and state.index.is_unique):
        raise ValueError("state must have ascending, unique dates")
    values = state.astype(object).where(state.notna(), None)
    bad = [v for v in values.dropna().unique() if not isinstance(v, bool | np.bool_) and v not in (0, 1)]
    if bad:
        raise ValueError(f"state must hold True, False or NaN (unknown); found {bad[0]!r}")
    numeric = pd.Series(np.nan, index=state.index, name=state.name)
    known = state.notna().to_numpy()
    numeric[known] = state[known].astype(bool).astype(float).to_numpy()
    return numeric


def state_on_bars(state: pd.Series, bars: pd.DatetimeIndex, *, max_delay_days: int = MAX_DELAY_DAYS) -> np.ndarray:
    """The state as known at the end of each bar's date: 1.0, 0.0 or NaN.

    Parameters
    ----------
    state
        1.0 / 0.0 / NaN by date (the output of the study's validation).
    bars
        The target's bar dates.
    max_delay_days
        A state value older than this many calendar days at a bar counts as unknown there.

    Returns
    -------
    numpy.ndarray
        One value per bar.
    """
    dates = pd.DatetimeIndex(state.index).normalize()
    where = dates.searchsorted(pd.DatetimeIndex(bars).normalize(), side="right") - 1
    out = np.full(len(bars), np.nan)
    ok = where >= 0
    if ok.any():
        age = (pd.DatetimeIndex(bars).normalize()[ok] - dates[where[ok]]).days.to_numpy()
        values = state.to_numpy(dtype=float)[where[ok]]
        out[ok] = np.where(age <= max_delay_days, values, np.nan)
    return out


def past_returns(close: pd.Series, horizons: tuple[int, ...], *, kind: ReturnKind = "log") -> pd.DataFrame:
    """The ``h``-bar return that *ends* on each bar: from the close of ``t - h`` to that of ``t``.

    Parameters
    ----------
    close
        Closes on the target's own calendar.
    horizons
        Spans in bars.
    kind
        ``"log"`` or ``"simple"``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``close``, one column per horizon; NaN on the first ``h`` bars.
    """
    values = close.to_numpy(dtype=float)
    columns: dict[int, np.ndarray] = {}
    for h in horizons:
        out = np.full(len(values), np.nan)
        if len(values) > h:
            ratio = values[h:] / values[:-h]
            out[h:] = np.log(ratio) if kind == "log" else ratio - 1.0
        columns[h] = out
    return pd.DataFrame(columns, index=close.index.rename("date"))


def _spells(flags: np.ndarray) -> tuple[int, int, float]:
    """Runs of equal values: (runs of 1, runs of 0, mean run length)."""
    if len(flags) == 0:
        return 0, 0, math.nan
    starts = np.concatenate([[True], flags[1:] != flags[:-1]])
    first_values = flags[starts]
    runs = int(starts.sum())
    return int((first_values == 1).sum()), int((first_values == 0).sum()), len(flags) / runs


def _bootstrap_differences(
    values: np.ndarray, flags: np.ndarray, reps: int, block: float, rng: np.random.Generator
) -> np.ndarray:
    """Differences of means (in - out) over stationary-bootstrap resamples of the pairs."""
    n = len(values)
    # Three sums per resample are all a difference of means needs: bars in the state, their
    # values, and all values.
    count_in, sum_in, sum_all = stationary_bootstrap_sums(
        np.vstack([flags.astype(float), np.where(flags, values, 0.0), values]), reps, block, seed=rng
    ).T
    # Bar counts are integers, which prefix sums in floating point can leave a hair off.
    count_in = np.rint(count_in)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sum_in / count_in - (sum_all - sum_in) / (n - count_in)


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


def _horizon(
    h: int,
    forward: np.ndarray,
    on_bars: np.ndarray,
    *,
    reps: int,
    alpha: float,
    rng: np.random.Generator,
    family: int = 1,
) -> dict[str, Any]:
    measured = np.isfinite(forward) & np.isfinite(on_bars)
    values = forward[measured]
    flags = on_bars[measured] == 1.0
    spells_in, spells_out, mean_spell = _spells(flags.astype(np.int8))
    n_in, n_out = int(flags.sum()), int((~flags).sum())
    row: dict[str, Any] = {
        "horizon": h,
        "n_in": n_in,
        "n_out": n_out,
        "spells_in": spells_in,
        "spells_out": spells_out,
        "mean_spell": mean_spell,
        "mean_in": float(values[flags].mean()) if n_in else math.nan,
        "mean_out": float(values[~flags].mean()) if n_out else math.nan,
        "median_in": float(np.median(values[flags])) if n_in else math.nan,
        "median_out": float(np.median(values[~flags])) if n_out else math.nan,
        "hit_in": float(np.mean(values[flags] > 0)) if n_in else math.nan,
        "hit_out": float(np.mean(values[~flags] > 0)) if n_out else math.nan,
    }
    row["difference"] = row["mean_in"] - row["mean_out"] if n_in and n_out else math.nan
    row.update(
        ci_low=math.nan,
        ci_high=math.nan,
        boot_low=math.nan,
        boot_high=math.nan,
        se=math.nan,
        se_rotation=math.nan,
        block_length=math.nan,
        p_two_sided=math.nan,
    )
    row["mde"] = math.nan
    if n_in < 2 or n_out < 2 or len(values) < 10:
        return row
    row["p_two_sided"] = rotation_p_value(values, flags)
    block = max(optimal_block_length(values), float(h), mean_spell)
    block = max(1.0, min(block, len(values) * _MAX_BLOCK_SHARE))
    diffs = _bootstrap_differences(values, flags, reps, block, rng)
    diffs = diffs[np.isfinite(diffs)]  # a resample with no bar in (or out of) the state says nothing
    if len(diffs) < 10:
        return row
    se = float(diffs.std(ddof=1))
    q_low, q_high = np.quantile(diffs, [alpha / 2, 1 - alpha / 2])
    d = float(row["difference"])
    low, high = rotation_interval(values, flags, alpha, scale=se)
    mde, se_rotation = rotation_mde(values, flags, alpha / max(family, 1))
    row.update(
        ci_low=low,
        ci_high=high,
        boot_low=float(2 * d - q_high),
        boot_high=float(2 * d - q_low),
        se=se,
        block_length=block,
        se_rotation=se_rotation,
        mde=mde,
    )
    return row


def _code(row: Mapping[Any, Any], alpha: float) -> str:
    if not (row["n_in"] and row["n_out"]):
        return "no_events"
    if min(row["spells_in"], row["spells_out"]) < MIN_SPELLS or not math.isfinite(row["p_two_sided"]):
        return "too_few_events"
    if not row["p_holm"] < alpha:
        return "chance"
    if row["difference"] > 0 and row["boot_low"] > 0:
        return "above_baseline"
    if row["difference"] < 0 and row["boot_high"] < 0:
        return "below_baseline"
    return "mixed"


def _pct(value: float) -> str:
    return "n/a" if value is None or not math.isfinite(value) else numbers.percent(value, 1, signed=True)


def _row_verdict(row: Mapping[Any, Any], alpha: float) -> str:
    h = int(row["horizon"])
    code = row["verdict_code"]
    if code == "no_events":
        side = "in" if not row["n_in"] else "out of"
        return f"{h} bars: no measured bar {side} the state; nothing to compare"
    text = (
        f"{h} bars: in {_pct(row['mean_in'])} ({row['n_in']} bars, {row['spells_in']} spells) vs out "
        f"{_pct(row['mean_out'])} ({row['n_out']} bars, {row['spells_out']} spells); difference "
        f"{_pct(row['difference'])} ({numbers.percent(1 - alpha, 0)} CI {_pct(row['ci_low'])} to "
        f"{_pct(row['ci_high'])}), "
        f"{numbers.p_equals(row['p_two_sided'])}, Holm {numbers.p_equals(row['p_holm'])}"
    )
    mde = f"±{numbers.percent(row['mde'], 1)}" if math.isfinite(row["mde"]) else "n/a"
    if code == "too_few_events":
        return (
            f"{text}; too few spells to conclude (fewer than {MIN_SPELLS} in or out of the state; "
            f"only a difference beyond {mde} would be detected reliably)"
        )
    if code == "chance":
        return f"{text}; cannot distinguish from chance (smallest reliably detectable difference {mde})"
    if code == "above_baseline":
        return f"{text}; higher while the state holds (significant at {numbers.percent(alpha, 0)}, Holm-adjusted)"
    if code == "below_baseline":
        return f"{text}; lower while the state holds (significant at {numbers.percent(alpha, 0)}, Holm-adjusted)"
    return f"{text}; mixed evidence: the rotation test rejects chance but the block-bootstrap interval includes 0"


def _overall(table: pd.DataFrame, subject: str, alpha: float) -> tuple[str, str]:
    codes = table["verdict_code"].tolist()
    tested = int(table["p_two_sided"].notna().sum())
    significant = [c for c in codes if c in ("above_baseline", "below_baseline")]
    family = f"(Holm-adjusted across {tested} horizons, alpha {numbers.significant(alpha, 3)})"
    if significant:
        parts = [
            f"{h} bars ({'higher' if row['verdict_code'] == 'above_baseline' else 'lower'}, difference "
            f"{_pct(row['difference'])}, Holm {numbers.p_equals(row['p_holm'])})"
            for h, row in table.iterrows()
            if row["verdict_code"] in ("above_baseline", "below_baseline")
        ]
        code = significant[0] if len(set(significant)) == 1 else "mixed"
        lead = "forward returns while the state holds differ from while it does not at"
        if code == "mixed":
            lead = "mixed evidence: the difference changes sign across horizons:"
        return code, f"{subject}: {lead} {'; '.join(parts)} {family}."
    if "mixed" in codes:
        return "mixed", (
            f"{subject}: mixed evidence: the test rejects chance at some horizon but the bootstrap interval "
            f"includes 0 {family}."
        )
    if "chance" in codes:
        few = [str(h) for h, c in zip(table.index, codes, strict=True) if c != "chance"]
        tail = f" Too few spells at {', '.join(few)} bars." if few else ""
        return "chance", f"{subject}: cannot distinguish from chance at any horizon {family}.{tail}"
    if "too_few_events" in codes:
        worst = int(table[["spells_in", "spells_out"]].min(axis=1).max())
        return "too_few_events", (
            f"{subject}: too few spells to conclude: at most {worst} in or out of the state at any horizon "
            f"(at least {MIN_SPELLS} of each needed); the numbers are shown, not evidence."
        )
    return "no_events", f"{subject}: the state never holds (or never fails) on measured bars; nothing to compare."


@dataclass(frozen=True, eq=False)
class ConditionalStudy:
    """A target's forward returns while a state holds, against while it does not.

    Parameters
    ----------
    target
        The target's closes on its own calendar, named after it (``MarketData.close("BTC")``).
    state
        ``True`` while the state holds, ``False`` while it does not, NaN unknown; each value as
        known at the end of its date (a signal's output). Any calendar.
    horizons
        Forward horizons in target bars.
    reps
        Bootstrap resamples per horizon.
    seed
        Randomness: an int, a numpy Generator, or None (fresh entropy, recorded in the result).
    alpha
        Test level and ``1 -`` the interval's coverage.
    kind
        ``"log"`` or ``"simple"`` returns.
    name
        How the state is called in summaries (``"liquidity=expanding"``).
    max_delay_days
        A state value older than this (calendar days) at a target bar is unknown there.
    timing
        ``"predictive"``: the return after the state is known; ``"contemporaneous"``: the
        return over the ``h`` bars ending on the state's bar (see the module docstring).

    Examples
    --------
    >>> result = ConditionalStudy(data.close("BTC"), regime == "expanding", seed=1).run()  # doctest: +SKIP
    >>> result.to_frame()[["mean_in", "mean_out", "p_holm", "verdict_code"]]  # doctest: +SKIP
    """

    target: pd.Series
    state: pd.Series
    horizons: tuple[int, ...] = DEFAULT_HORIZONS
    reps: int = 2000
    seed: SeedLike = None
    alpha: float = 0.05
    kind: ReturnKind = "log"
    name: str = "state"
    max_delay_days: int = MAX_DELAY_DAYS
    timing: str = "predictive"

    def __post_init__(self) -> None:
        object.__setattr__(self, "target", check_close(self.target, "target"))
        object.__setattr__(self, "state", _check_state(self.state))
        object.__setattr__(self, "horizons", check_horizons(self.horizons))
        object.__setattr__(self, "kind", check_kind(self.kind))
        check_int("reps", self.reps, 50)
        check_seed(self.seed)
        check_alpha(self.alpha)
        check_string("name", self.name)
        check_int("max_delay_days", self.max_delay_days, 0)
        if self.timing not in TIMINGS:
            raise ValueError(f"timing must be one of {', '.join(TIMINGS)}, got {self.timing!r}")

    @property
    def target_name(self) -> str:
        return str(self.target.name) if self.target.name is not None else "target"

    def run(self) -> ConditionalResult:
        """Measure every horizon; warns :class:`InsufficientDataWarning` where spells are too few."""
        if isinstance(self.seed, np.random.Generator):
            seed_used: int | None = None
            rngs = [self.seed] * len(self.horizons)
        else:
            sequence = np.random.SeedSequence(None if self.seed is None else int(self.seed))
            seed_used = int(sequence.entropy)  # type: ignore[arg-type]
            # Keyed by the horizon, so a horizon's numbers do not change when others are added.
            rngs = [
                as_generator(np.random.default_rng(np.random.SeedSequence(sequence.entropy, spawn_key=(h,))))
                for h in self.horizons
            ]
        on_bars = state_on_bars(self.state, pd.DatetimeIndex(self.target.index), max_delay_days=self.max_delay_days)
        if self.timing == "contemporaneous":
            fwd = past_returns(self.target, self.horizons, kind=self.kind)
        else:
            fwd = forward_returns(self.target, self.horizons, kind=self.kind)
        rows = [
            _horizon(
                h,
                fwd[h].to_numpy(),
                on_bars,
                reps=int(self.reps),
                alpha=float(self.alpha),
                rng=rng,
                family=len(self.horizons),
            )
            for h, rng in zip(self.horizons, rngs, strict=True)
        ]
        table = pd.DataFrame(rows).set_index("horizon")
        table["p_holm"] = adjust(table["p_two_sided"], methods=("holm",))["p_holm"]
        table["verdict_code"] = [_code(row, float(self.alpha)) for row in table.reset_index().to_dict("records")]
        table["verdict"] = [_row_verdict(row, float(self.alpha)) for row in table.reset_index().to_dict("records")]
        subject = f"{self.name} -> {self.target_name}"
        code, verdict = _overall(table, subject, float(self.alpha))
        notes = []
        few = table[table["verdict_code"] == "too_few_events"]
        if len(few):
            listed = ", ".join(
                f"{int(r['spells_in'])} in / {int(r['spells_out'])} out at {h} bars" for h, r in few.iterrows()
            )
            notes.append(
                f"fewer than {MIN_SPELLS} spells in or out of {self.name} on {self.target_name} ({listed}): "
                "the results cannot support a conclusion"
            )
        for note in notes:
            warnings.warn(note, InsufficientDataWarning, stacklevel=2)
        measured = np.isfinite(on_bars)
        return ConditionalResult(
            study=self,
            table=table,
            seed=seed_used,
            verdict_code=code,
            verdict=verdict,
            share_in=float(np.mean(on_bars[measured] == 1.0)) if measured.any() else math.nan,
            warnings=tuple(notes),
        )


@dataclass(frozen=True, eq=False)
class ConditionalResult:
    """The outcome of :meth:`ConditionalStudy.run`.

    Attributes
    ----------
    study
        The specification that produced it.
    table
        One row per horizon (see :meth:`to_frame`).
    seed
        The integer seed that reproduces the run (``None`` if a Generator was passed).
    verdict_code
        The overall code (one of the event study's: see the module docstring).
    verdict
        The overall verdict in plain words.
    share_in
        Share of target bars with a known state on which the state holds.
    warnings
        The insufficient-data warnings raised by the run.
    """

    study: ConditionalStudy
    table: pd.DataFrame
    seed: int | None
    verdict_code: str
    verdict: str
    share_in: float
    warnings: tuple[str, ...] = field(default=())

    @property
    def horizons(self) -> tuple[int, ...]:
        return self.study.horizons

    def to_frame(self) -> pd.DataFrame:
        """One row per horizon.

        Columns: ``horizon``, ``n_in``, ``n_out`` (measured bars), ``spells_in``,
        ``spells_out`` (runs of the state: the effective number of independent spells),
        ``mean_in``, ``mean_out``, ``difference``, ``ci_low``, ``ci_high``, ``p_two_sided``,
        ``p_holm``, ``mde``, ``verdict_code``, ``verdict``, then ``median_in``,
        ``median_out``, ``hit_in``, ``hit_out``, ``mean_spell``, ``boot_low``, ``boot_high``
        (block-bootstrap interval), ``se``, ``block_length``. ``ci_low`` / ``ci_high`` are the
        rotation test inverted.
        """
        first = [
            "horizon",
            "n_in",
            "n_out",
            "spells_in",
            "spells_out",
            "mean_in",
            "mean_out",
            "difference",
            "ci_low",
            "ci_high",
            "p_two_sided",
            "p_holm",
            "mde",
            "verdict_code",
            "verdict",
        ]
        frame = self.table.reset_index()
        return frame[first + [c for c in frame.columns if c not in first]]

    def to_dict(self) -> dict[str, Any]:
        """The stable ``--json`` schema (``schema: riskcurve.conditional_study/1``); NaN becomes ``None``."""
        target = self.study.target
        state = self.study.state.dropna()
        return {
            "schema": SCHEMA,
            "state_name": self.study.name,
            "target": self.study.target_name,
            "kind": self.study.kind,
            "timing": self.study.timing,
            "horizons": list(self.horizons),
            "reps": int(self.study.reps),
            "seed": self.seed,
            "alpha": float(self.study.alpha),
            "power": POWER,
            "min_spells": MIN_SPELLS,
            "share_in": plain(self.share_in),
            "target_range": {
                "first": target.index.min().date().isoformat() if len(target) else None,
                "last": target.index.max().date().isoformat() if len(target) else None,
                "bars": len(target),
            },
            "state_range": {
                "first": state.index.min().date().isoformat() if len(state) else None,
                "last": state.index.max().date().isoformat() if len(state) else None,
            },
            "methods": {"convention": CONVENTION, "test": METHOD},
            "results": [{k: plain(v) for k, v in row.items()} for row in self.to_frame().to_dict("records")],
            "verdict_code": self.verdict_code,
            "verdict": self.verdict,
            "warnings": list(self.warnings),
        }

    def summary(self) -> str:
        """A plain-text report: the per-horizon numbers and the verdicts."""
        study = self.study
        lines = [
            f"Conditional study: {study.name} -> {study.target_name} ({study.kind} returns, {study.timing}, "
            "horizons in target bars)",
            f"State holds on {_pct(self.share_in).lstrip('+')} of measured bars; {study.reps} stationary-bootstrap "
            f"resamples per horizon, seed {self.seed}, alpha {numbers.significant(study.alpha, 3)}",
            "",
            f"{'h':>5} {'n in':>6} {'n out':>6} {'sp in':>6} {'sp out':>6} {'in':>8} {'out':>8} {'diff':>8} "
            f"{'CI':>19} {'p':>6} {'Holm':>6}",
        ]
        for h, row in self.table.iterrows():
            ci = f"{_pct(row['ci_low'])}..{_pct(row['ci_high'])}"
            p = numbers.p_value(row["p_two_sided"]) if math.isfinite(row["p_two_sided"]) else ""
            holm = numbers.p_value(row["p_holm"]) if math.isfinite(row["p_holm"]) else ""
            lines.append(
                f"{h:>5} {int(row['n_in']):>6} {int(row['n_out']):>6} {int(row['spells_in']):>6} "
                f"{int(row['spells_out']):>6} {_pct(row['mean_in']):>8} {_pct(row['mean_out']):>8} "
                f"{_pct(row['difference']):>8} {ci:>19} {p:>6} {holm:>6}"
            )
        lines.append("")
        lines.extend(self.table["verdict"].tolist())
        lines.append("")
        lines.append(f"Verdict: {self.verdict}")
        return "\n".join(lines)


def study_condition(
    data: MarketData,
    when: str,
    target: str,
    *,
    parameters: Mapping[str, Any] | None = None,
    **study_kwargs: Any,
) -> ConditionalResult:
    """Conditional study of a target while a signal's condition holds, from a point-in-time view.

    Parameters
    ----------
    data
        A :class:`~riskcurve.data.panel.MarketData` (its ``as_of`` bounds state and target).
    when
        A condition (:func:`riskcurve.signals.states.parse_condition`): ``"liquidity=expanding"``,
        ``"cascade>=3"``, ``"rates=falling"``, ``"risk=off"``.
    target
        A price symbol, ``"ALTS"`` or a derived series (:func:`riskcurve.signals.derived.level_series`).
    parameters
        Parameters of the condition's signal.
    **study_kwargs
        Passed to :class:`ConditionalStudy` (``horizons``, ``reps``, ``seed``, ...).

    Returns
    -------
    ConditionalResult
    """
    from riskcurve.signals.derived import level_series
    from riskcurve.signals.states import condition_state, parse_condition

    condition = parse_condition(when)
    state = condition_state(data, condition, parameters=dict(parameters or {}))
    study_kwargs.setdefault("name", condition.label)
    return ConditionalStudy(target=level_series(data, target), state=state, **study_kwargs).run()
