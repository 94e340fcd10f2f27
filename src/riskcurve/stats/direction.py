"""The direction test: is a series higher ``h`` observations after an event more often than after any day?

For each horizon ``h`` (in observations of the target), every event enters at the first target
close strictly after its date (an event known at the end of its day cannot be traded sooner),
and its move is the simple return to the close ``h`` observations later. Events closer than
``min_spacing`` observations to the last kept one are dropped (de-clustering: with a spacing of
at least ``h`` the moves do not overlap, so they are close to independent draws). The share of
kept events with a positive move is tested against the share of all days followed by a
positive move (the base rate) with an exact binomial test; p-values are Holm-adjusted across
horizons, and the minimum detectable excess share is the one the exact test at the first Holm
step (``alpha / m``) detects with 80% power (``proportion.detectable_carried_share``). The base
includes the events' own windows and those overlapping them, so each event's window carries a
share of it (``carried_shares``, measured on the path by mirroring the window): under no effect
the events are a sample without replacement from about ``1 / carry`` effectively independent
windows (which is also why the test is conservative when events cover much of the sample), and
an effect on the events lifts the base with them.

The test itself uses nothing but counts: it is calibrated when events are placed without
regard to what follows (``tests/unit/stats/test_direction.py`` checks size and power).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskcurve.stats.proportion import binomial_test, detectable_carried_share

#: Test level of the direction test (two-sided).
ALPHA = 0.05


@dataclass(frozen=True)
class DirectionRow:
    """The direction test at one horizon.

    Attributes
    ----------
    horizon
        Observations of the target after entry.
    n, k
        Kept events with a full horizon, and those followed by a positive move.
    share, base
        ``k / n``, and the share of all days followed by a positive move over ``horizon``.
    p, p_holm
        Exact two-sided binomial p-value against ``base``, and Holm-adjusted across horizons.
    ci_low, ci_high
        Clopper-Pearson interval of ``share``.
    mde
        Smallest excess share detected with 80% power at ``alpha / m`` (NaN if none up to 1).
    mean, median, base_mean, base_median
        Mean and median simple return after the events, and after any day.
    """

    horizon: int
    n: int
    k: int
    share: float
    base: float
    p: float
    p_holm: float
    ci_low: float
    ci_high: float
    mde: float
    mean: float
    median: float
    base_mean: float
    base_median: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (NaN as ``None``)."""
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in self.__dict__.items()}


def entries(events: pd.DatetimeIndex, index: pd.DatetimeIndex, min_spacing: int) -> np.ndarray:
    """Positions in ``index`` where events enter (first row strictly after each), de-clustered.

    Parameters
    ----------
    events
        Event dates.
    index
        The target's dates (ascending).
    min_spacing
        Smallest distance, in rows, between kept entries.

    Returns
    -------
    numpy.ndarray
        Ascending positions.
    """
    positions = np.unique(index.searchsorted(pd.DatetimeIndex(events), side="right"))
    positions = positions[positions < len(index)]
    kept: list[int] = []
    for position in positions:
        if not kept or position - kept[-1] >= min_spacing:
            kept.append(int(position))
    return np.asarray(kept, dtype=int)


def carried_shares(values: np.ndarray, starts: np.ndarray, h: int) -> np.ndarray:
    """How much the base (the share of all ``h``-bar windows that rise) moves with each event's window.

    Each event's window (from ``values[p]`` to ``values[p + h]``) is mirrored (the path inside it
    reflected, the path after it shifted so that it joins), turning a fall into a rise or a rise
    into a fall; the change in the base, signed as a fall turned into a rise, is the share of the
    base that window carries: ``1 / W`` for the window itself, plus the overlapping windows whose
    sign follows it. For a random walk its mean is ``sum_{|l| < h} (2/pi) asin(1 - |l|/h) / W``,
    about ``0.73 h / W``: the base has about ``W / (0.73 h)`` effectively independent windows,
    more than ``W / h``.

    Parameters
    ----------
    values
        The closes (the test's ``h``-bar moves are ``values[t + h] / values[t] - 1``).
    starts
        Entry positions with a full horizon (``p + h < len(values)``).
    h
        Horizon in observations.

    Returns
    -------
    numpy.ndarray
        One share per entry.
    """
    windows = len(values) - h
    rises = values[h:] > values[:-h]
    p = np.asarray(starts, dtype=int)[:, None]
    start = p + np.arange(-h + 1, h)[None, :]  # every window overlapping [p, p + h]
    ok = (start >= 0) & (start < windows)
    start = np.clip(start, 0, windows - 1)

    def mirrored(t: np.ndarray) -> np.ndarray:
        inside = (t > p) & (t <= p + h)
        after = t > p + h
        level = values[t]
        return np.where(inside, 2 * values[p] - level, np.where(after, level - 2 * (values[p + h] - values[p]), level))

    change = np.where(ok, (mirrored(start + h) > mirrored(start)).astype(int) - rises[start], 0).sum(axis=1)
    return np.where(rises[p[:, 0]], -change, change) / windows


def direction_test(
    events: pd.DatetimeIndex,
    target: pd.Series,
    horizons: Sequence[int],
    *,
    min_spacing: int | None = None,
    alpha: float = ALPHA,
) -> list[DirectionRow]:
    """Share of de-clustered events followed by a rise, against the share of all days.

    Parameters
    ----------
    events
        Event dates (known at the end of each).
    target
        The target's closes (its own calendar; NaN dropped).
    horizons
        Observations after entry.
    min_spacing
        De-clustering distance in target observations (default: the longest horizon).
    alpha
        Test level.

    Returns
    -------
    list of DirectionRow
        One per horizon, in the order given.

    Examples
    --------
    >>> close = pd.Series(np.arange(1.0, 301.0), index=pd.bdate_range("2020-01-01", periods=300))
    >>> row = direction_test(close.index[[10, 100, 200]], close, [20])[0]
    >>> (row.n, row.k, row.base)
    (3, 3, 1.0)
    """
    if not horizons or any(int(h) < 1 for h in horizons):
        raise ValueError(f"horizons must be positive, got {list(horizons)}")
    close = target.dropna().astype(float).sort_index()
    values = close.to_numpy()
    spacing = int(min_spacing or max(horizons))
    kept = entries(pd.DatetimeIndex(events), pd.DatetimeIndex(close.index), spacing)
    m = len(horizons)
    rows: list[dict[str, Any]] = []
    for h in (int(h) for h in horizons):
        base_moves = values[h:] / values[:-h] - 1.0 if len(values) > h else np.array([])
        usable = kept[kept + h < len(values)]
        moves = values[usable + h] / values[usable] - 1.0 if len(usable) else np.array([])
        base = float(np.mean(base_moves > 0)) if len(base_moves) else math.nan
        k, n = int(np.sum(moves > 0)), len(moves)
        if n and 0 < base < 1:
            test = binomial_test(k, n, base, alpha=alpha)
            p, ci_low, ci_high = test.p, test.ci_low, test.ci_high
            # The base includes the events' windows and those overlapping them: the MDE allows for
            # the share of it each event carries (see carried_shares and proportion).
            carried = carried_shares(values, usable, h)
            spread = float(np.var(carried, ddof=1)) if n > 1 else 0.0
            mde = detectable_carried_share(n, base, alpha / m, carry=float(np.mean(carried)), carry_var=spread)
        else:
            p = ci_low = ci_high = mde = math.nan
        rows.append(
            {
                "horizon": h,
                "n": n,
                "k": k,
                "share": k / n if n else math.nan,
                "base": base,
                "p": p,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "mde": mde,
                "mean": float(np.mean(moves)) if n else math.nan,
                "median": float(np.median(moves)) if n else math.nan,
                "base_mean": float(np.mean(base_moves)) if len(base_moves) else math.nan,
                "base_median": float(np.median(base_moves)) if len(base_moves) else math.nan,
            }
        )
    adjusted = _holm([r["p"] for r in rows])
    return [DirectionRow(p_holm=q, **row) for row, q in zip(rows, adjusted, strict=True)]


def _holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values (NaN stays NaN and does not count towards the family)."""
    finite = [(p, i) for i, p in enumerate(p_values) if math.isfinite(p)]
    out = [math.nan] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(sorted(finite)):
        running = max(running, min(1.0, (len(finite) - rank) * p))
        out[i] = running
    return out
