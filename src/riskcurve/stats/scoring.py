"""Scoring probability forecasts of events: proper scores, skill over a reference, reliability.

A forecast here is a probability ``p`` that an event happens within a horizon, issued on a day
``t``; its outcome ``y`` (1 or 0) is known once the horizon has closed. The reference forecast
is what anyone could have said on the same day without the model: the base rate known on ``t``.

Scores (lower is better for both):

* **Brier score** ``BS = mean((p - y)^2)``, from 0 (perfect) to 1;
* **log score** ``LS = mean(-ln p)`` over events and ``mean(-ln(1 - p))`` over non-events, the
  probability first clipped to ``[eps, 1 - eps]`` with ``eps =`` :data:`LOG_EPS`, so a forecast
  of 0 or 1 that misses costs ``-ln(0.001) = 6.9`` instead of infinity.

Skill: ``BSS = 1 - BS / BS_ref`` (and the same for the log score), positive when the forecasts
beat the reference, 0 when they tie, negative when they lose.

Overlapping windows are dependent: a forecast of "within 63 sessions" issued every Friday shares
most of its window with the next twelve, so the outcomes come in runs. The interval of the
skill therefore comes from a circular block bootstrap over *weeks* (every forecast issued in one
calendar week stays together), with blocks at least as long as the horizon in weeks, and longer
when the weekly Brier differential stays correlated longer (Politis and White's automatic block
length). The skill of each resample is ``1 - sum(BS) / sum(BS_ref)`` over the weeks drawn, and
the interval is ``skill +/- t * sd`` with ``sd`` the resamples' standard deviation and ``t`` the
Student quantile on ``blocks - 1`` degrees of freedom: with 20-odd blocks a percentile interval
is too short (it covered zero 87-90% of the time at a nominal 95% in the simulations of
tests/unit/stats/test_scoring.py; this one covers 93-95%). Those tests check on simulated
overlapping outcomes that a forecaster exactly as good as its reference gets an interval covering
zero about as often as the nominal level, and that injected skill is found.

When the interval includes zero the verdict says "no skill shown over the base rate": a
legitimate answer, never dressed up as anything else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskcurve.stats._json import plain
from riskcurve.stats._validation import check_alpha, check_int
from riskcurve.stats.bootstrap import SeedLike, circular_block_bootstrap_indices, optimal_block_length

__all__ = [
    "LOG_EPS",
    "ForecastScore",
    "brier_score",
    "log_score",
    "reliability_table",
    "score_forecasts",
    "skill_over_time",
    "skill_verdict",
]

#: Probabilities are clipped to ``[LOG_EPS, 1 - LOG_EPS]`` before the log score.
LOG_EPS = 1e-3
#: Default bins of the reliability table: tenths of probability.
BINS = 10
#: Fewest blocks of the bootstrap for an interval to be given at all.
MIN_BLOCKS = 8


def _arrays(forecast: Any, outcome: Any) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(forecast, dtype=float)
    y = np.asarray(outcome, dtype=float)
    if p.shape != y.shape or p.ndim != 1:
        raise ValueError(f"forecast and outcome must be 1-d and of equal length; got {p.shape} and {y.shape}")
    if np.isnan(p).any() or np.isnan(y).any():
        raise ValueError("forecast and outcome must not hold NaN (score only closed forecasts)")
    if ((p < 0) | (p > 1)).any():
        raise ValueError("forecast must be probabilities in [0, 1]")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("outcome must be 0 or 1")
    return p, y


def _brier_terms(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (p - y) ** 2


def _log_terms(p: np.ndarray, y: np.ndarray, eps: float = LOG_EPS) -> np.ndarray:
    clipped = np.clip(p, eps, 1.0 - eps)
    return -(y * np.log(clipped) + (1.0 - y) * np.log1p(-clipped))


def brier_score(forecast: Any, outcome: Any) -> float:
    """The mean squared difference between the probability and the 0/1 outcome.

    Parameters
    ----------
    forecast
        Probabilities in [0, 1].
    outcome
        1 when the event happened within the horizon, else 0.

    Returns
    -------
    float
        In [0, 1]; lower is better. NaN for no forecasts.

    Examples
    --------
    >>> brier_score([0.8, 0.3], [1, 0])
    0.065
    """
    p, y = _arrays(forecast, outcome)
    return float(_brier_terms(p, y).mean()) if len(p) else math.nan


def log_score(forecast: Any, outcome: Any, *, eps: float = LOG_EPS) -> float:
    """The mean negative log-likelihood of the outcomes (natural log), probabilities clipped.

    Parameters
    ----------
    forecast
        Probabilities in [0, 1], clipped to ``[eps, 1 - eps]`` first.
    outcome
        1 or 0.
    eps
        The clip (default :data:`LOG_EPS`): the most a single forecast can cost is ``-ln(eps)``.

    Returns
    -------
    float
        At least 0; lower is better. NaN for no forecasts.
    """
    if not 0.0 < eps < 0.5:
        raise ValueError(f"eps must be strictly between 0 and 0.5, got {eps}")
    p, y = _arrays(forecast, outcome)
    return float(_log_terms(p, y, eps).mean()) if len(p) else math.nan


def reliability_table(forecast: Any, outcome: Any, *, bins: int = BINS) -> pd.DataFrame:
    """Forecasts grouped by probability bin against how often the event happened.

    Parameters
    ----------
    forecast, outcome
        Probabilities and 0/1 outcomes.
    bins
        Equal-width bins over [0, 1] (the last one closed on the right).

    Returns
    -------
    pandas.DataFrame
        One row per bin with at least one forecast: ``low``, ``high`` (the bin's edges), ``n``,
        ``mean_forecast`` and ``observed`` (the share of events). A reliable forecaster has
        ``observed`` close to ``mean_forecast`` in every well-filled bin.
    """
    bins = check_int("bins", bins, 1)
    p, y = _arrays(forecast, outcome)
    # i / bins is the float nearest each edge (linspace gives 0.30000000000000004 for 3/10, which
    # put a forecast of exactly 0.3 into the bin below).
    edges = np.arange(bins + 1) / bins
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    rows = []
    for b in np.unique(which):
        mask = which == b
        rows.append((edges[b], edges[b + 1], int(mask.sum()), float(p[mask].mean()), float(y[mask].mean())))
    return pd.DataFrame(rows, columns=["low", "high", "n", "mean_forecast", "observed"])


def skill_verdict(skill: float, low: float, high: float, *, reference: str = "the base rate") -> str:
    """The verdict on a skill score and its interval, in words that claim no more than the interval.

    Returns
    -------
    str
        ``"skill shown over the base rate"`` when the whole interval is above zero,
        ``"worse than the base rate"`` when it is all below, ``"no skill shown over the base
        rate"`` when it includes zero, and ``"too few closed forecasts to judge"`` when there
        is no interval.
    """
    if not (math.isfinite(low) and math.isfinite(high) and math.isfinite(skill)):
        return "too few closed forecasts to judge"
    if low > 0:
        return f"skill shown over {reference}"
    if high < 0:
        return f"worse than {reference}"
    return f"no skill shown over {reference}"


@dataclass(frozen=True)
class ForecastScore:
    """The scores of one set of closed forecasts (one link and horizon, say).

    Attributes
    ----------
    n
        Closed forecasts scored.
    weeks
        Calendar weeks they were issued in (the bootstrap's units).
    events
        Forecasts whose event happened; ``events / n`` is the observed frequency.
    brier, brier_reference
        Brier score of the forecasts and of the reference forecasts.
    log, log_reference
        Log score (clipped, see :data:`LOG_EPS`) of both.
    skill, skill_low, skill_high
        Brier skill ``1 - brier / brier_reference`` and its bootstrap interval at ``1 - alpha``
        (NaN when there are fewer than :data:`MIN_BLOCKS` blocks of weeks, or no variation).
    log_skill, log_skill_low, log_skill_high
        The same with the log score.
    sharpness
        Standard deviation of the forecasts: how far they move from day to day (0: always
        the same number).
    departure
        Mean absolute difference between forecast and reference: how much the forecasts say
        beyond the base rate.
    reliability
        :func:`reliability_table` of the forecasts.
    block_weeks, reps, alpha
        The bootstrap: block length in weeks, resamples, level.
    verdict
        :func:`skill_verdict` of the Brier skill.
    """

    n: int
    weeks: int
    events: int
    brier: float
    brier_reference: float
    log: float
    log_reference: float
    skill: float
    skill_low: float
    skill_high: float
    log_skill: float
    log_skill_low: float
    log_skill_high: float
    sharpness: float
    departure: float
    reliability: pd.DataFrame
    block_weeks: int
    reps: int
    alpha: float
    verdict: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (NaN as ``None``)."""
        return {
            "n": self.n,
            "weeks": self.weeks,
            "events": self.events,
            "observed_frequency": plain(self.events / self.n) if self.n else None,
            "brier": plain(self.brier),
            "brier_reference": plain(self.brier_reference),
            "log_score": plain(self.log),
            "log_score_reference": plain(self.log_reference),
            "skill": plain(self.skill),
            "skill_interval": [plain(self.skill_low), plain(self.skill_high)],
            "log_skill": plain(self.log_skill),
            "log_skill_interval": [plain(self.log_skill_low), plain(self.log_skill_high)],
            "sharpness": plain(self.sharpness),
            "departure": plain(self.departure),
            "reliability": [
                {k: plain(v) for k, v in row.items()} for row in self.reliability.to_dict(orient="records")
            ],
            "bootstrap": {"unit": "week", "block_weeks": self.block_weeks, "reps": self.reps, "alpha": self.alpha},
            "verdict": self.verdict,
        }


def _ratio_skill(model: np.ndarray, reference: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(reference > 0, 1.0 - model / reference, np.nan)


def score_forecasts(
    forecast: Any,
    reference: Any,
    outcome: Any,
    dates: Any,
    *,
    horizon_days: int,
    reps: int = 1000,
    alpha: float = 0.05,
    bins: int = BINS,
    seed: SeedLike = None,
) -> ForecastScore:
    """Score closed forecasts against a reference, with block-bootstrap intervals over weeks.

    Parameters
    ----------
    forecast
        The probabilities given.
    reference
        The reference probabilities known on the same days (the base rate).
    outcome
        1 when the event happened within the horizon after the forecast's day, else 0.
    dates
        The days the forecasts were issued (anything :class:`pandas.DatetimeIndex` takes).
    horizon_days
        The horizon in calendar days: blocks are at least ``ceil(horizon_days / 7)`` weeks
        long, so each block spans at least one whole window of overlap (longer when the data
        ask for it, see the module docstring).
    reps
        Bootstrap resamples.
    alpha
        The intervals are at ``1 - alpha``.
    bins
        Bins of the reliability table.
    seed
        Randomness of the bootstrap.

    Returns
    -------
    ForecastScore
    """
    p, y = _arrays(forecast, outcome)
    ref, _ = _arrays(reference, outcome)
    horizon_days = check_int("horizon_days", horizon_days, 1)
    reps = check_int("reps", reps, 1)
    alpha = check_alpha(alpha)
    days = pd.DatetimeIndex(pd.to_datetime(dates))
    if len(days) != len(p):
        raise ValueError(f"dates must have one entry per forecast; got {len(days)} for {len(p)}")
    block = max(1, math.ceil(horizon_days / 7))
    nan = math.nan
    if len(p) == 0:
        empty = reliability_table(p, y, bins=bins)
        verdict = skill_verdict(nan, nan, nan)
        return ForecastScore(0, 0, 0, *(nan,) * 12, empty, block, reps, alpha, verdict)

    # Per-week sums: the units the bootstrap draws (forecasts of one week stay together).
    week = (days.to_numpy(dtype="datetime64[D]").astype(np.int64) + 3) // 7  # weeks start on Monday
    frame = pd.DataFrame(
        {"week": week, "bs": _brier_terms(p, y), "bs_ref": _brier_terms(ref, y)}
        | {"ls": _log_terms(p, y), "ls_ref": _log_terms(ref, y)}
    )
    sums = frame.groupby("week", sort=True).sum()
    weeks = len(sums)
    totals = sums.to_numpy().sum(axis=0)
    skill = float(_ratio_skill(totals[0:1], totals[1:2])[0])
    log_skill = float(_ratio_skill(totals[2:3], totals[3:4])[0])

    low = high = log_low = log_high = nan
    values = sums.to_numpy()
    if y.min() == y.max():
        # The event always (or never) happened: both forecasts near-perfect makes the ratio of two
        # tiny Brier scores meaningless, and nothing tells a skilled forecaster from the base rate.
        verdict = f"the event {'always' if y[0] else 'never'} happened: skill cannot be judged"
        return _score(p, y, ref, weeks, totals, nan, nan, nan, nan, block, reps, alpha, bins, verdict)
    differential = values[:, 0] - values[:, 1]
    if weeks >= 10 and np.ptp(differential) > 0:
        # At least the horizon, longer when the weekly loss differential stays correlated longer.
        automatic = optimal_block_length(differential)
        if math.isfinite(automatic):
            block = max(block, math.ceil(automatic))
    if weeks >= MIN_BLOCKS * block and totals[1] > 0:
        idx = circular_block_bootstrap_indices(weeks, reps, block, seed=seed)
        # How often each resample drew each week, times the weekly sums: one matrix product
        # instead of a (reps, weeks, 4) gather, twice as fast and equal to the last bits.
        counts = np.bincount((np.arange(reps)[:, None] * weeks + idx).ravel(), minlength=reps * weeks)
        drawn = counts.reshape(reps, weeks) @ values  # (reps, 4)
        from scipy import stats

        # Student t on the number of blocks: a percentile interval from ~20 blocks is too short.
        quantile = float(stats.t.ppf(1 - alpha / 2, weeks / block - 1))
        boot = _ratio_skill(drawn[:, 0], drawn[:, 1])
        if np.isfinite(boot).all():
            spread = quantile * float(boot.std(ddof=1))
            low, high = skill - spread, skill + spread
        log_boot = _ratio_skill(drawn[:, 2], drawn[:, 3])
        if np.isfinite(log_boot).all() and totals[3] > 0:
            spread = quantile * float(log_boot.std(ddof=1))
            log_low, log_high = log_skill - spread, log_skill + spread

    return _score(p, y, ref, weeks, totals, low, high, log_low, log_high, block, reps, alpha, bins, None)


def _score(
    p: np.ndarray,
    y: np.ndarray,
    ref: np.ndarray,
    weeks: int,
    totals: np.ndarray,
    low: float,
    high: float,
    log_low: float,
    log_high: float,
    block: int,
    reps: int,
    alpha: float,
    bins: int,
    verdict: str | None,
) -> ForecastScore:
    skill = float(_ratio_skill(totals[0:1], totals[1:2])[0])
    log_skill = float(_ratio_skill(totals[2:3], totals[3:4])[0])
    return ForecastScore(
        n=len(p),
        weeks=weeks,
        events=int(y.sum()),
        brier=float(totals[0] / len(p)),
        brier_reference=float(totals[1] / len(p)),
        log=float(totals[2] / len(p)),
        log_reference=float(totals[3] / len(p)),
        skill=skill,
        skill_low=low,
        skill_high=high,
        log_skill=log_skill,
        log_skill_low=log_low,
        log_skill_high=log_high,
        sharpness=float(p.std()),
        departure=float(np.abs(p - ref).mean()),
        reliability=reliability_table(p, y, bins=bins),
        block_weeks=block,
        reps=reps,
        alpha=alpha,
        verdict=verdict if verdict is not None else skill_verdict(skill, low, high),
    )


def skill_over_time(
    forecast: Any,
    reference: Any,
    outcome: Any,
    issued: Any,
    resolved: Any,
    at: Any,
    *,
    horizon_days: int,
    reps: int = 1000,
    alpha: float = 0.05,
    seed: SeedLike = None,
) -> pd.DataFrame:
    """The skill as it stood on each day of ``at``: every forecast whose window had closed by then.

    The curve a reader would have seen had the track record been printed on each of those days:
    on day ``d`` it scores exactly the forecasts resolved by ``d`` (cumulative, from the first),
    with the same block-bootstrap interval as :func:`score_forecasts`. No forecast resolved
    after ``d`` moves the point at ``d``.

    Parameters
    ----------
    forecast, reference, outcome
        As :func:`score_forecasts`.
    issued
        The days the forecasts were issued.
    resolved
        The days their windows closed (the outcome is known from then on).
    at
        The days to evaluate on (ascending).
    horizon_days, reps, alpha, seed
        As :func:`score_forecasts` (the same seed is used on every day).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``at`` (name ``date``): ``n`` (forecasts scored by then), ``skill``,
        ``skill_low``, ``skill_high`` (NaN where :func:`score_forecasts` gives none).
    """
    p, y = _arrays(forecast, outcome)
    ref, _ = _arrays(reference, outcome)
    issued_days = pd.DatetimeIndex(pd.to_datetime(issued))
    resolved_days = pd.DatetimeIndex(pd.to_datetime(resolved))
    if not len(issued_days) == len(resolved_days) == len(p):
        raise ValueError(
            f"issued and resolved must have one entry per forecast; got {len(issued_days)} and "
            f"{len(resolved_days)} for {len(p)}"
        )
    days = pd.DatetimeIndex(pd.to_datetime(at), name="date")
    if not days.is_monotonic_increasing:
        raise ValueError("at must be ascending days")
    rows = []
    for day in days:
        mask = np.asarray(resolved_days <= day)
        score = score_forecasts(
            p[mask], ref[mask], y[mask], issued_days[mask], horizon_days=horizon_days, reps=reps, alpha=alpha, seed=seed
        )
        rows.append((score.n, score.skill, score.skill_low, score.skill_high))
    return pd.DataFrame(rows, index=days, columns=["n", "skill", "skill_low", "skill_high"])
