"""Conditional studies: a target's forward returns while a state holds, against while it does not.

``ConditionalStudy(target, state, ...).run()`` answers questions like "how does BTC do while
net liquidity expands, against while it contracts?". The state is a regime (liquidity
expanding, cascade stage >= 3, policy rates falling, risk-off), given as a date-indexed series
of ``True`` (the state holds), ``False`` (it does not) or NaN (unknown), each value *as known at
the end of its date*. The rotation test lives in :mod:`riskcurve.stats.rotation`, the verdicts and
the result type in :mod:`riskcurve.stats.conditional_result`; both are re-exported here. The
methods, exactly:

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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskcurve.data.panel import MarketData
from riskcurve.errors import InsufficientDataWarning
from riskcurve.stats._validation import check_alpha, check_int, check_seed, check_string
from riskcurve.stats.bootstrap import SeedLike, as_generator, optimal_block_length, stationary_bootstrap_sums
from riskcurve.stats.conditional_result import (  # noqa: F401 - re-exported where they were defined
    CONVENTION,
    METHOD,
    MIN_SPELLS,
    SCHEMA,
    VERDICT_CODES,
    ConditionalResult,
    _code,
    _overall,
    _row_verdict,
)
from riskcurve.stats.forward import MAX_DELAY_DAYS, ReturnKind, check_close, check_horizons, check_kind, forward_returns
from riskcurve.stats.multiple_testing import adjust
from riskcurve.stats.rotation import (  # noqa: F401 - POWER re-exported where it was defined
    POWER,
    _spells,
    rotation_interval,
    rotation_mde,
    rotation_p_value,
)

__all__ = [
    "MIN_SPELLS",
    "ConditionalResult",
    "ConditionalStudy",
    "rotation_interval",
    "rotation_p_value",
    "state_on_bars",
    "study_condition",
]

#: Default horizons in target bars (about one and three months of sessions).
DEFAULT_HORIZONS: tuple[int, ...] = (21, 63)
#: Longest block as a share of the sample: longer blocks leave too few to resample.
_MAX_BLOCK_SHARE = 1.0 / 3.0

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
