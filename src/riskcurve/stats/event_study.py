"""Event studies: what followed a signal's events, compared honestly with what follows any day.

``EventStudy(events, target, ...).run()`` measures, at each horizon, the forward return of a
target after each event (entry at the close of the first target bar after the event, see
:mod:`riskcurve.stats.forward`) and sets it against the *baseline*: the same horizon's forward
return from every bar of the target's history. The methods, exactly:

De-clustering (``min_spacing``)
    Events are placed on the target's bars and thinned greedily in date order: an event less
    than ``min_spacing`` target bars after the last kept one is dropped (listed as
    ``declustered``). The default spacing is the longest horizon, so no two events' windows
    overlap at any horizon and each event is its own observation. The permutation null places
    its pseudo-events under exactly this rule, so real and random events obey the same spacing.

Hit rate
    Share of event returns above zero, with a Wilson score interval (primary: good coverage
    for tiny ``n`` without the Clopper-Pearson conservatism) and the exact Clopper-Pearson
    interval alongside.

Difference from baseline and its confidence interval
    ``difference = mean(event returns) - mean(baseline returns)``. The interval is a
    stationary-bootstrap pivot interval under a shift model: event-window returns are taken to
    behave like any window's return (same dispersion, same autocorrelation) shifted by the
    effect ``delta``, so ``difference - delta`` is distributed like ``D*`` = (mean of the
    resampled series at the events' own positions) - (mean of the whole resampled series),
    where the resampled series is a stationary bootstrap (Politis-Romano) of the target's
    overlapping ``h``-bar forward returns. The interval is ``[difference - q(1-a/2),
    difference - q(a/2)]`` of ``D*``. Resampling the ``h``-bar returns themselves (rather than
    daily returns) keeps their real dispersion, fat tails and variance ratio; using the events'
    own positions keeps whatever overlap they have; subtracting the resample's own mean carries
    the baseline's sampling error (about ``T / h`` independent windows only). The mean block
    length is the Politis-White estimate for that series, but never below ``h``: overlapping
    ``h``-bar returns share bars up to lag ``h - 1`` by construction, and shorter blocks would
    cut through that known dependence. Resampling the ``n`` events themselves would give
    intervals far too narrow for ``n`` of 2-5 (ten distinct means for ``n = 3``).

Permutation p-value
    ``reps`` placements of the same number of pseudo-events, uniformly at random among all
    placements on the admissible bars (those with a full horizon) that satisfy the same
    ``min_spacing``; the statistic is the mean event return. Two-sided: share of placements
    whose mean is at least as far from the placements' average as the observed one;
    ``greater``/``less``: share at least as high/low; each as ``(1 + count) / (1 + reps)``.
    Across horizons the overall verdict uses Holm-adjusted two-sided p-values.

Minimum detectable effect (calibrated to the test that grades)
    The MDE is the true difference the permutation test detects with probability ``power``
    (80%) after the Holm adjustment over the ``m`` horizons (``family``; a claim with several
    targets passes targets x horizons), i.e. at level ``alpha / m``, Holm's first step. It is read
    off the permutation null itself: with ``X`` the placements' means minus their average, a
    shift ``delta`` of the event returns is rejected when ``|X_0 + delta|`` clears the critical
    value ``c`` of the ``(1 + count) / (1 + reps)`` rule at ``alpha / m``, so
    ``MDE = c - q_{1 - power}(X)`` (for a rise; ``c + q_{power}(X)`` for a fall; the larger of
    the two is stated). It carries the returns' real tails, volatility clustering and the
    events' spacing, which the normal formula ``(z(1 - alpha/2) + z(power)) * sd_h /
    sqrt(n_eff)`` it replaces did not, and the adjustment, which that formula ignored: power at
    the old MDE was 58-70% in simulations (docs/claims.md, benchmarks/calibrate_mde.py), at the
    new one about 80%. ``n_eff = n^2 / sum_ij rho_ij`` (``rho_ij = max(0, 1 - |p_i - p_j| / h)``,
    the share of bars two events' windows have in common) is still reported.

Verdict thresholds (per horizon, in this order)
    ``n == 0`` no events; ``n < MIN_EVENTS`` (5) "too few events to conclude"; Holm-adjusted
    permutation ``p_holm >= alpha`` "cannot distinguish from chance"; ``p_holm < alpha`` and the
    interval excludes 0: above / below baseline; ``p_holm < alpha`` but the interval includes 0:
    mixed evidence. The per-horizon verdicts use the Holm-adjusted p-value, like the overall
    line: the horizons are one family, so without the adjustment some row says "above/below
    baseline" far more often than ``alpha`` under no effect (12-14% of runs with four horizons).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from riskcurve import numbers
from riskcurve.data.panel import MarketData
from riskcurve.errors import InsufficientDataWarning
from riskcurve.stats._json import plain
from riskcurve.stats._validation import check_alpha, check_block_length, check_int, check_seed, check_string
from riskcurve.stats.bootstrap import (
    SeedLike,
    optimal_block_length,
    spaced_placements,
    stationary_bootstrap_event_means,
)
from riskcurve.stats.forward import (
    MAX_DELAY_DAYS,
    ReturnKind,
    align_events,
    baseline_quantiles,
    check_close,
    check_horizons,
    check_kind,
    cumulative_paths,
    forward_returns,
)
from riskcurve.stats.multiple_testing import adjust

#: Fewer events than this with a full horizon: "too few events to conclude", whatever the p-value.
MIN_EVENTS = 5
#: Power at which the minimum detectable effect is stated.
POWER = 0.8
#: Default horizons in target bars (about 1, 3, 6 and 12 months of exchange sessions).
DEFAULT_HORIZONS: tuple[int, ...] = (21, 63, 126, 252)
#: Baseline windows needed before a horizon is studied at all.
MIN_BASELINE = 30
#: Version of the ``to_dict`` schema.
SCHEMA = "riskcurve.event_study/1"

CONVENTION = (
    "Event dated d (known at the end of d) enters at the close of the first target bar strictly after d; "
    "the h-bar return runs from that close to the close h target bars later. Horizons are bars of the "
    "target's own calendar (calendar days for crypto, sessions for exchange-traded series)."
)
CI_METHOD = (
    "Stationary-bootstrap pivot interval under a shift model: the target's overlapping h-bar forward returns "
    "are resampled in blocks (mean length max(Politis-White estimate, h)); D* = mean at the events' positions "
    "minus the resample's mean; CI = [difference - q(1-alpha/2), difference - q(alpha/2)] of D*."
)
P_METHOD = (
    "Permutation: reps random placements of the same number of pseudo-events among bars with a full horizon, "
    "at least min_spacing bars apart; p = (1 + count as extreme) / (1 + reps); two-sided about the placements' "
    "mean; Holm-adjusted across horizons."
)
MDE_METHOD = (
    "The shift of the event returns the permutation test detects with 80% power at alpha/m (Holm's first step "
    "over the m tests of the family): the critical value of the permutation rule at alpha/m minus the 20% "
    "quantile of the placements' centred means (the larger of the rise and fall cases; calibrated by simulation)."
)
HIT_METHOD = "Share of event returns > 0; Wilson score interval (primary) and Clopper-Pearson (exact)."


def _check_events(events: object) -> pd.DatetimeIndex:
    if isinstance(events, pd.DataFrame | pd.Series):
        raise TypeError("events must be event dates; for a signal's events frame pass frame.index")
    if isinstance(events, str) or not isinstance(events, Iterable):
        raise TypeError(f"events must be a DatetimeIndex or a sequence of dates, got {type(events).__name__}")
    if isinstance(events, pd.DatetimeIndex):
        return events.rename("date")
    try:
        return pd.DatetimeIndex(pd.to_datetime(list(events)), name="date")
    except (TypeError, ValueError) as exc:
        raise TypeError(f"events must be dates: {exc}") from None


@dataclass(frozen=True, eq=False)
class EventStudy:
    """What followed a set of events in a target, against what follows any bar.

    Parameters
    ----------
    events
        Event dates, each known at the end of its day (e.g. ``signal.events(...).index``).
    target
        The target's closes on its own calendar (``MarketData.close("BTC")``); named after it.
    horizons
        Forward horizons in target bars.
    kind
        ``"log"`` or ``"simple"`` returns.
    reps
        Bootstrap resamples and permutation placements (each).
    seed
        Randomness: an int, a numpy Generator, or None (fresh entropy, recorded in the result).
    min_spacing
        De-clustering distance in target bars (``None``: the longest horizon); see the module docstring.
    alpha
        Test level and ``1 - `` the interval's coverage.
    block_length
        Mean stationary-bootstrap block length for every horizon (``None``: automatic per horizon).
    name
        How the events are called in summaries (``"breakout:RUT"``).
    max_delay_days
        Longest wait from an event to the target's entry bar (see :func:`~riskcurve.stats.forward.align_events`).
    family
        Tests in the Holm family the MDE is stated for (``None``: the horizons; a claim over
        several targets passes targets x horizons).

    Examples
    --------
    >>> result = EventStudy(events, data.close("BTC"), reps=2000, seed=1).run()  # doctest: +SKIP
    >>> print(result.summary())  # doctest: +SKIP
    """

    events: pd.DatetimeIndex
    target: pd.Series
    horizons: tuple[int, ...] = DEFAULT_HORIZONS
    kind: ReturnKind = "log"
    reps: int = 10_000
    seed: SeedLike = None
    min_spacing: int | None = None
    alpha: float = 0.05
    block_length: float | None = None
    name: str = "events"
    max_delay_days: int = MAX_DELAY_DAYS
    family: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "events", _check_events(self.events))
        object.__setattr__(self, "target", check_close(self.target, "target"))
        object.__setattr__(self, "horizons", check_horizons(self.horizons))
        object.__setattr__(self, "kind", check_kind(self.kind))
        check_int("reps", self.reps, 10)
        check_seed(self.seed)
        if self.min_spacing is not None:  # None: the longest horizon
            check_int("min_spacing", self.min_spacing, 1)
        check_alpha(self.alpha)
        if self.block_length is not None:  # None: chosen from the data
            check_block_length(self.block_length)
        check_string("name", self.name)
        if self.family is not None:  # None: the horizons
            check_int("family", self.family, 1)

    @property
    def spacing(self) -> int:
        """The de-clustering distance actually used, in target bars."""
        return int(self.min_spacing) if self.min_spacing is not None else max(self.horizons)

    @property
    def target_name(self) -> str:
        return str(self.target.name) if self.target.name is not None else "target"

    def run(self) -> EventStudyResult:
        """Measure every horizon; warns :class:`InsufficientDataWarning` where ``n < MIN_EVENTS``."""
        if isinstance(self.seed, np.random.Generator):
            seed_used: int | None = None
            root: np.random.SeedSequence | np.random.Generator = self.seed
        else:
            sequence = np.random.SeedSequence(None if self.seed is None else int(self.seed))
            seed_used = int(sequence.entropy)  # type: ignore[arg-type]
            root = sequence
        close = self.target
        values = close.to_numpy()
        fwd = forward_returns(close, self.horizons, kind=self.kind)
        placed = align_events(self.events, pd.DatetimeIndex(close.index), max_delay_days=self.max_delay_days)
        kept, declustered = _decluster(placed, self.spacing)
        status = placed["status"].to_numpy(dtype=object).copy()
        status[placed.index.isin(declustered)] = "declustered"
        positions = placed.loc[kept, "position"].to_numpy(dtype=np.int64)
        waiting = int((placed["status"] == "after_target").sum())

        rows = []
        for h in self.horizons:
            perm_rng, boot_rng = _streams(root, h)
            rows.append(
                _horizon(
                    h,
                    fwd[h].to_numpy(),
                    positions,
                    waiting,
                    spacing=self.spacing,
                    reps=int(self.reps),
                    alpha=float(self.alpha),
                    block_length=self.block_length,
                    perm_rng=perm_rng,
                    boot_rng=boot_rng,
                    family=self.family or len(self.horizons),
                )
            )
        table = pd.DataFrame(rows).set_index("horizon")
        table["p_holm"] = _holm(table["p_two_sided"])
        table["verdict"] = [_horizon_verdict(int(h), row, float(self.alpha)) for h, row in table.iterrows()]  # type: ignore[call-overload]
        table["verdict_code"] = [_verdict_code(row, float(self.alpha)) for _, row in table.iterrows()]

        entry_close = np.full(len(placed), np.nan)
        ok = placed["position"].to_numpy() >= 0
        entry_close[ok] = values[placed["position"].to_numpy()[ok] + 1]
        events_table = pd.DataFrame(
            {"status": status, "bar": placed["bar"], "entry": placed["entry"], "entry_close": entry_close},
            index=placed.index,
        )
        usable = events_table["status"] == "ok"
        for h in self.horizons:
            column = np.full(len(placed), np.nan)
            column[usable.to_numpy()] = fwd[h].to_numpy()[placed["position"].to_numpy()[usable.to_numpy()]]
            events_table[f"return_{h}"] = column

        notes = _warnings(table, self.target_name)
        for note in notes:
            warnings.warn(note, InsufficientDataWarning, stacklevel=2)
        return EventStudyResult(
            study=self,
            table=table,
            event_table=events_table,
            seed=seed_used,
            verdict=_overall_verdict(table, self.name, self.target_name, float(self.alpha)),
            warnings=tuple(notes),
        )


def _streams(root: np.random.SeedSequence | np.random.Generator, horizon: int) -> tuple[Any, Any]:
    """Independent random streams per horizon (permutation, bootstrap).

    Keyed by the horizon itself, so a horizon's numbers do not change when other horizons are
    added or removed.
    """
    if isinstance(root, np.random.Generator):
        return root, root
    children = [
        np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=(horizon, part))) for part in (0, 1)
    ]
    return children[0], children[1]


def _decluster(placed: pd.DataFrame, spacing: int) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    """Greedy, in date order: keep an event unless it is within ``spacing`` bars of the last kept one."""
    ok = placed[placed["status"] == "ok"]
    kept: list[pd.Timestamp] = []
    dropped: list[pd.Timestamp] = []
    last = None
    for date, position in zip(ok.index, ok["position"].to_numpy(), strict=True):
        if last is None or position - last >= spacing:
            kept.append(date)
            last = int(position)
        else:
            dropped.append(date)
    return pd.DatetimeIndex(kept, name="date"), pd.DatetimeIndex(dropped, name="date")


def _n_eff(positions: np.ndarray, horizon: int) -> float:
    """Events' effective count given how much their ``horizon``-bar windows overlap."""
    if len(positions) == 0:
        return 0.0
    gaps = np.abs(positions[:, None] - positions[None, :]).astype(float)
    overlap = np.clip(1.0 - gaps / horizon, 0.0, None)
    return float(len(positions) ** 2 / overlap.sum())


def _p_values(null: np.ndarray, observed: float) -> tuple[float, float, float]:
    """Two-sided, greater and less permutation p-values, ``(1 + count) / (1 + reps)``."""
    # Equal means differ in the last bits depending on summation order: compare with a tolerance.
    tol = 1e-12 * max(1.0, abs(observed))
    center = float(null.mean())
    reps = len(null)
    two = (1 + np.count_nonzero(np.abs(null - center) >= abs(observed - center) - tol)) / (reps + 1)
    greater = (1 + np.count_nonzero(null >= observed - tol)) / (reps + 1)
    less = (1 + np.count_nonzero(null <= observed + tol)) / (reps + 1)
    return float(two), float(greater), float(less)


def permutation_mde(null: np.ndarray, alpha: float, *, power: float = POWER) -> float:
    """The shift of the event returns' mean that the permutation test detects with probability ``power``.

    Parameters
    ----------
    null
        The placements' mean returns (the permutation null of the mean event return).
    alpha
        The level the two-sided p-value ``(1 + count) / (1 + reps)`` must fall below (``alpha / m``
        for the first step of Holm over ``m`` tests).
    power
        The power the MDE is stated at.

    Returns
    -------
    float
        The larger of the rise and the fall that are detected with probability ``power`` (see
        the module docstring); NaN when no shift can reach ``alpha`` with this many placements.

    Examples
    --------
    >>> null = np.random.default_rng(0).normal(0.0, 0.01, 9_999)
    >>> round(permutation_mde(null, 0.05), 4)  # about (1.96 + 0.84) * 0.01
    0.0282
    """
    centred = np.sort(np.abs(null - null.mean()))[::-1]
    reps = len(centred)
    # Rejected when 1 + #{|X_j| >= |x|} < alpha (1 + reps): |x| must exceed the (allowed + 1)-th
    # largest |X_j|.
    allowed = math.ceil(alpha * (reps + 1) - 1.0) - 1
    if allowed < 0 or reps == 0:
        return math.nan
    critical = float(centred[allowed])
    low, high = np.quantile(null - null.mean(), [1.0 - power, power])
    return max(critical - float(low), critical + float(high))


def _interval(count: int, n: int, alpha: float, method: str) -> tuple[float, float]:
    if n == 0:
        return math.nan, math.nan
    low, high = proportion_confint(count, n, alpha=alpha, method=method)
    return float(low), float(high)


def _horizon(
    h: int,
    forward: np.ndarray,
    positions: np.ndarray,
    waiting: int,
    *,
    spacing: int,
    reps: int,
    alpha: float,
    block_length: float | None,
    perm_rng: np.random.Generator,
    boot_rng: np.random.Generator,
    family: int = 1,
) -> dict[str, Any]:
    admissible = max(len(forward) - 1 - h, 0)
    baseline = forward[:admissible]
    full = positions[positions < admissible]
    n = len(full)
    row: dict[str, Any] = {
        "horizon": h,
        "n": n,
        "n_too_recent": int(len(positions) - n + waiting),
        "baseline_n": admissible,
    }
    if admissible < MIN_BASELINE:
        # Not enough target history for this horizon: nothing to compare with.
        full = full[:0]
        n = 0
        row["n"] = 0
    events = baseline[full]
    hits = int(np.count_nonzero(events > 0))
    wilson = _interval(hits, n, alpha, "wilson")
    exact = _interval(hits, n, alpha, "beta")
    base_ok = admissible >= MIN_BASELINE
    base_mean = float(baseline.mean()) if base_ok else math.nan
    base_sd = float(baseline.std(ddof=1)) if base_ok else math.nan
    row.update(
        mean=float(events.mean()) if n else math.nan,
        median=float(np.median(events)) if n else math.nan,
        std=float(events.std(ddof=1)) if n > 1 else math.nan,
        hit_rate=hits / n if n else math.nan,
        hit_low=wilson[0],
        hit_high=wilson[1],
        hit_low_exact=exact[0],
        hit_high_exact=exact[1],
        baseline_mean=base_mean,
        baseline_median=float(np.median(baseline)) if base_ok else math.nan,
        baseline_std=base_sd,
        baseline_hit_rate=float(np.mean(baseline > 0)) if base_ok else math.nan,
    )
    row["difference"] = row["mean"] - base_mean if n else math.nan
    row.update(
        ci_low=math.nan,
        ci_high=math.nan,
        se=math.nan,
        block_length=math.nan,
        p_two_sided=math.nan,
        p_greater=math.nan,
        p_less=math.nan,
    )
    row["n_eff"] = _n_eff(full, h)
    row["mde"] = math.nan
    if n == 0:
        return row
    block = float(block_length) if block_length is not None else max(optimal_block_length(baseline), float(h))
    block = min(block, float(admissible))
    at_events, means = stationary_bootstrap_event_means(baseline, full, reps, block, seed=boot_rng)
    shifted = at_events - means
    q_low, q_high = np.quantile(shifted, [alpha / 2, 1 - alpha / 2])
    placements = spaced_placements(admissible, n, spacing, reps, seed=perm_rng)
    null = baseline[placements].mean(axis=1)
    two, greater, less = _p_values(null, row["mean"])
    row["mde"] = permutation_mde(null, alpha / max(family, 1))
    row.update(
        ci_low=float(row["difference"] - q_high),
        ci_high=float(row["difference"] - q_low),
        se=float(shifted.std(ddof=1)),
        block_length=block,
        p_two_sided=two,
        p_greater=greater,
        p_less=less,
    )
    return row


def _holm(p_values: pd.Series) -> pd.Series:
    """Holm-adjusted p-values over the horizons that were tested (NaN ones are not in the family)."""
    return adjust(p_values, methods=("holm",))["p_holm"]


def _pct(value: float) -> str:
    return "n/a" if value is None or not math.isfinite(value) else numbers.percent(value, 1, signed=True)


def _plural(n: int, word: str = "event") -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _verdict_code(row: pd.Series, alpha: float) -> str:
    n = int(row["n"])
    if n == 0:
        return "no_events"
    if n < MIN_EVENTS:
        return "too_few_events"
    # Each horizon's verdict is one of a family (every horizon tested on the same events):
    # judged on its Holm-adjusted p-value, as the overall line is, so that under no effect no
    # row claims a difference more often than alpha however many horizons are shown.
    if not row["p_holm"] < alpha:
        return "chance"
    if row["ci_low"] > 0:
        return "above_baseline"
    if row["ci_high"] < 0:
        return "below_baseline"
    return "mixed"


def _horizon_verdict(h: int, row: pd.Series, alpha: float) -> str:
    n = int(row["n"])
    recent = int(row["n_too_recent"])
    waiting = f" ({_plural(recent)} too recent for {h} bars)" if recent else ""
    if n == 0:
        return f"{h} bars: no event with a full {h}-bar horizon{waiting}; nothing to conclude"
    level = numbers.percent(1 - alpha, 0)
    text = (
        f"{h} bars: {_plural(n)}{waiting}; effect {_pct(row['mean'])} vs baseline {_pct(row['baseline_mean'])} "
        f"(difference {_pct(row['difference'])}, {level} CI {_pct(row['ci_low'])} to {_pct(row['ci_high'])}); "
        f"{numbers.p_equals(row['p_two_sided'])}, Holm {numbers.p_equals(row['p_holm'])}"
    )
    mde = numbers.percent(row["mde"], 1) if math.isfinite(row["mde"]) else "n/a"
    code = _verdict_code(row, alpha)
    if code == "too_few_events":
        return (
            f"{text}; too few events to conclude (fewer than {MIN_EVENTS}; only a difference beyond ±{mde} "
            f"would be detected reliably with {_plural(n)})"
        )
    if code == "chance":
        return f"{text}; cannot distinguish from chance (smallest reliably detectable difference ±{mde})"
    if code == "above_baseline":
        return f"{text}; higher than after random days (significant at {numbers.percent(alpha, 0)}, Holm-adjusted)"
    if code == "below_baseline":
        return f"{text}; lower than after random days (significant at {numbers.percent(alpha, 0)}, Holm-adjusted)"
    return f"{text}; mixed evidence: the permutation test rejects chance but the bootstrap interval includes 0"


def _overall_verdict(table: pd.DataFrame, name: str, target: str, alpha: float) -> str:
    counts = table["n"].astype(int)
    subject = f"{name} -> {target}"
    if counts.max() < MIN_EVENTS:
        if counts.max() == 0:
            return f"{subject}: no event with a full horizon; nothing to conclude."
        return (
            f"{subject}: too few events to conclude: at most {_plural(int(counts.max()))} with a full horizon "
            f"(at least {MIN_EVENTS} needed at any horizon); the numbers are shown, not evidence."
        )
    studied = table[counts >= MIN_EVENTS]
    tested = int(table["p_two_sided"].notna().sum())
    significant = studied[(studied["p_holm"] < alpha) & ((studied["ci_low"] > 0) | (studied["ci_high"] < 0))]
    few = [str(h) for h in table.index[counts < MIN_EVENTS]]
    tail = f" Too few events at {', '.join(few)} bars." if few else ""
    if significant.empty:
        return (
            f"{subject}: cannot distinguish from chance at any horizon "
            f"(Holm-adjusted across {tested} horizons, alpha {numbers.significant(alpha, 3)}).{tail}"
        )
    parts = [
        f"{h} bars ({'higher' if row['ci_low'] > 0 else 'lower'}, difference {_pct(row['difference'])}, "
        f"Holm {numbers.p_equals(row['p_holm'])})"
        for h, row in significant.iterrows()
    ]
    return (
        f"{subject}: returns after events differ from random days at {'; '.join(parts)} "
        f"(Holm-adjusted across {tested} horizons, alpha {numbers.significant(alpha, 3)}).{tail}"
    )


def _warnings(table: pd.DataFrame, target: str) -> list[str]:
    few = table[table["n"] < MIN_EVENTS]
    if few.empty:
        return []
    listed = ", ".join(f"{int(row['n'])} at {h} bars" for h, row in few.iterrows())
    return [
        f"fewer than {MIN_EVENTS} events with a full horizon on {target} ({listed}): "
        "the results cannot support a conclusion"
    ]


@dataclass(frozen=True, eq=False)
class EventStudyResult:
    """The outcome of :meth:`EventStudy.run`.

    Attributes
    ----------
    study
        The specification that produced it.
    table
        One row per horizon (see :meth:`to_frame`).
    event_table
        One row per given event: ``status`` (``ok``, ``declustered``, ``before_target``,
        ``after_target``, ``no_nearby_bar``), ``bar``, ``entry``, ``entry_close`` and
        ``return_<h>`` per horizon (NaN where not measured or too recent).
    seed
        The integer seed that reproduces the run (``None`` if a Generator was passed).
    verdict
        The overall verdict in plain words.
    warnings
        The insufficient-data warnings raised by the run.
    """

    study: EventStudy
    table: pd.DataFrame
    event_table: pd.DataFrame
    seed: int | None
    verdict: str
    warnings: tuple[str, ...] = field(default=())

    @property
    def horizons(self) -> tuple[int, ...]:
        return self.study.horizons

    @property
    def measured(self) -> pd.DatetimeIndex:
        """Events kept after de-clustering that have an entry bar on the target."""
        return pd.DatetimeIndex(self.event_table.index[self.event_table["status"] == "ok"], name="date")

    def to_frame(self) -> pd.DataFrame:
        """One row per horizon.

        Columns: ``n`` (events with a full horizon), ``n_too_recent``, ``baseline_n``,
        ``mean``, ``median``, ``std``, ``hit_rate``, ``hit_low``/``hit_high`` (Wilson),
        ``hit_low_exact``/``hit_high_exact`` (Clopper-Pearson), ``baseline_mean``,
        ``baseline_median``, ``baseline_std``, ``baseline_hit_rate``, ``difference``,
        ``ci_low``/``ci_high`` (bootstrap), ``se`` (bootstrap standard error of the
        difference), ``block_length``, ``p_two_sided``, ``p_greater``, ``p_less``,
        ``n_eff``, ``mde``, ``p_holm``, ``verdict``, ``verdict_code``.
        """
        return self.table.copy()

    def event_returns(self) -> pd.DataFrame:
        """The per-event table (a copy of :attr:`event_table`)."""
        return self.event_table.copy()

    def paths(self, max_horizon: int | None = None) -> pd.DataFrame:
        """Cumulative return of the target after each measured event, bar by bar from entry.

        Returns
        -------
        pandas.DataFrame
            Index ``bars_after_entry`` 0..``max_horizon`` (default: the longest horizon), one
            column per event date; NaN past the data.
        """
        horizon = self._max_horizon(max_horizon)
        positions = self.event_table.loc[self.measured, "bar"]
        where = self.study.target.index.get_indexer(pd.DatetimeIndex(positions))
        matrix = cumulative_paths(self.study.target, where, horizon, kind=self.study.kind)
        return pd.DataFrame(
            matrix, index=pd.RangeIndex(horizon + 1, name="bars_after_entry"), columns=self.measured.rename("event")
        )

    def baseline_band(
        self, quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95), max_horizon: int | None = None
    ) -> pd.DataFrame:
        """Quantiles of the cumulative return ``k`` bars after entry from every bar (the fan behind :meth:`paths`)."""
        qs = [float(q) for q in quantiles]
        if not qs or any(not 0 <= q <= 1 for q in qs):
            raise ValueError(f"quantiles must be numbers in [0, 1], got {list(quantiles)!r}")
        return baseline_quantiles(self.study.target, qs, self._max_horizon(max_horizon), kind=self.study.kind)

    def _max_horizon(self, max_horizon: int | None) -> int:
        if max_horizon is None:
            return max(self.horizons)
        if isinstance(max_horizon, bool) or not isinstance(max_horizon, int | np.integer) or max_horizon < 1:
            raise ValueError(f"max_horizon must be a positive integer (bars), got {max_horizon!r}")
        return int(max_horizon)

    def _events_summary(self) -> dict[str, Any]:
        status = self.event_table["status"]

        def dates(which: str) -> list[str]:
            return [d.date().isoformat() for d in self.event_table.index[status == which]]

        return {
            "given": len(self.event_table),
            "measured": int((status == "ok").sum()),
            "declustered": dates("declustered"),
            "before_target": dates("before_target"),
            "after_target": dates("after_target"),
            "no_nearby_bar": dates("no_nearby_bar"),
        }

    def _repr_html_(self) -> str:
        from riskcurve._display import columns, result_html

        wanted = ("n", "mean", "median", "hit_rate", "baseline_mean", "difference", "ci_low", "ci_high")
        return result_html(
            f"Event study: {self.study.name} -> {self.study.target_name} ({self.study.kind} returns)",
            verdict=self.verdict,
            table=columns(self.to_frame(), (*wanted, "p_two_sided", "p_holm")),
            summary=self.summary(),
        )

    def to_dict(self) -> dict[str, Any]:
        """The stable ``--json`` schema (``schema: riskcurve.event_study/1``); NaN becomes ``None``."""
        target = self.study.target
        rows = []
        for h, row in zip(self.table.index, self.table.to_dict("records"), strict=True):
            rows.append({"horizon": int(h), **{str(k): plain(v) for k, v in row.items()}})
        events = []
        for date, row in zip(self.event_table.index, self.event_table.to_dict("records"), strict=True):
            events.append({"date": pd.Timestamp(date).date().isoformat(), **{str(k): plain(v) for k, v in row.items()}})
        return {
            "schema": SCHEMA,
            "events_name": self.study.name,
            "target": self.study.target_name,
            "kind": self.study.kind,
            "horizons": list(self.horizons),
            "reps": int(self.study.reps),
            "seed": self.seed,
            "alpha": float(self.study.alpha),
            "power": POWER,
            "min_events": MIN_EVENTS,
            "min_spacing": self.study.spacing,
            "target_range": {
                "first": target.index.min().date().isoformat() if len(target) else None,
                "last": target.index.max().date().isoformat() if len(target) else None,
                "bars": len(target),
            },
            "methods": {
                "convention": CONVENTION,
                "hit_rate": HIT_METHOD,
                "ci": CI_METHOD,
                "p_value": P_METHOD,
                "mde": MDE_METHOD,
            },
            "events": self._events_summary(),
            "results": rows,
            "event_returns": events,
            "verdict": self.verdict,
            "warnings": list(self.warnings),
        }

    def summary(self) -> str:
        """A plain-text report: what was measured, the per-horizon numbers and the verdicts."""
        study = self.study
        info = self._events_summary()
        lines = [
            f"Event study: {study.name} -> {study.target_name} ({study.kind} returns, horizons in target bars)",
            f"Events: {info['given']} given, {info['measured']} measured"
            + (
                f", {len(info['declustered'])} de-clustered (closer than {study.spacing} bars)"
                if info["declustered"]
                else ""
            )
            + (f", {len(info['before_target'])} before {study.target_name} history" if info["before_target"] else "")
            + (
                f", {len(info['after_target'])} with no {study.target_name} bar after them yet"
                if info["after_target"]
                else ""
            )
            + (
                f", {len(info['no_nearby_bar'])} with no nearby {study.target_name} bar"
                if info["no_nearby_bar"]
                else ""
            ),
            f"Resampling: {study.reps} permutations and stationary-bootstrap resamples, seed {self.seed}, "
            f"min spacing {study.spacing} bars, alpha {numbers.significant(study.alpha, 3)}",
            "",
            f"{'h':>5} {'n':>3} {'mean':>8} {'median':>8} {'hit':>5} {'hit CI':>13} {'base':>8} "
            f"{'diff':>8} {'diff CI':>19} {'p':>6} {'MDE':>7}",
        ]
        for h, row in self.table.iterrows():
            hit = numbers.percent(row["hit_rate"], 0) if row["n"] else "n/a"
            hit_ci = f"{numbers.percent(row['hit_low'], 0)}-{numbers.percent(row['hit_high'], 0)}" if row["n"] else ""
            ci = f"{_pct(row['ci_low'])}..{_pct(row['ci_high'])}" if row["n"] else ""
            p = numbers.p_value(row["p_two_sided"]) if row["n"] else ""
            mde = numbers.percent(row["mde"], 1) if row["n"] else ""
            lines.append(
                f"{h:>5} {int(row['n']):>3} {_pct(row['mean']):>8} {_pct(row['median']):>8} {hit:>5} {hit_ci:>13} "
                f"{_pct(row['baseline_mean']):>8} {_pct(row['difference']):>8} {ci:>19} {p:>6} {mde:>7}"
            )
        lines.append("")
        lines.extend(self.table["verdict"].tolist())
        lines.append("")
        lines.append(f"Verdict: {self.verdict}")
        return "\n".join(lines)


def select_transitions(events: pd.DataFrame, name: str, transition: str | None, *, mixed: bool) -> pd.DataFrame:
    """The events of one direction, or all of them when the caller asks for the mix.

    A regime signal's events carry a ``transition`` column (``to_expanding``,
    ``small_caps_to_lit``...). Studying turns to expanding together with turns to contracting
    averages opposite effects into noise, so a set that mixes directions is refused unless
    ``mixed`` is set.

    Parameters
    ----------
    events
        A signal's events frame.
    name
        The signal's name, for messages.
    transition
        The direction to keep (``None``: all, which must then be one direction or ``mixed``).
    mixed
        Accept a set that mixes directions.

    Returns
    -------
    pandas.DataFrame
        The selected rows.

    Raises
    ------
    ValueError
        One line: the unknown transition, or the mix and how to choose.
    """
    if "transition" not in events.columns:
        if transition is not None:
            raise ValueError(f"{name} events have no directions; drop ':{transition}'")
        return events
    counts = events["transition"].value_counts().sort_index()
    listing = ", ".join(f"{kind} ({count})" for kind, count in counts.items())
    if transition is not None:
        key = transition.strip().lower()
        if key not in counts.index:
            raise ValueError(f"{name} has no {transition!r} events; its transitions are {listing or 'none'}")
        return events[events["transition"] == key]
    if len(counts) > 1 and not mixed:
        preferred = [k for k in counts.index if str(k).endswith(("to_expanding", "to_lit"))]
        example = str(preferred[0] if preferred else counts.index[0])
        raise ValueError(
            f"{name} events mix directions: {listing}; study one with --events {name}:{example} "
            "(or pass --mixed to pool them)"
        )
    return events


def study_signal(
    data: MarketData,
    signal: str,
    symbol: str | None,
    target: str,
    *,
    parameters: Mapping[str, Any] | None = None,
    transition: str | None = None,
    mixed: bool = False,
    **study_kwargs: Any,
) -> EventStudyResult:
    """Event study of a registered signal's events against a target, from a point-in-time view.

    Parameters
    ----------
    data
        A :class:`~riskcurve.data.panel.MarketData` (its ``as_of`` bounds both events and target).
    signal
        A name in :data:`riskcurve.signals.registry.SIGNALS` (``"breakout"``).
    symbol
        The symbol the signal applies to (``None``: the signal's default).
    target
        The symbol whose forward returns are measured (``"BTC"``).
    parameters
        Signal parameters (defaults for the rest).
    transition
        For a regime signal, the direction of its events to study (``"to_expanding"``); see
        :func:`select_transitions`.
    mixed
        Study a regime signal's events of every direction together (refused otherwise).
    **study_kwargs
        Passed to :class:`EventStudy` (``horizons``, ``reps``, ``seed``, ...).

    Returns
    -------
    EventStudyResult
    """
    from riskcurve.signals.registry import get_signal

    spec = get_signal(signal)
    chosen = (symbol or spec.default_symbol or "").upper() or None
    from riskcurve.signals.derived import level_series

    target = target.upper()
    close = level_series(data, target)  # a price, ALTS, a derived series, or A/B (ETH/BTC)
    events = select_transitions(spec.events(data, chosen, **dict(parameters or {})), spec.name, transition, mixed=mixed)
    label = f"{spec.name}:{chosen}" if chosen else spec.name
    study_kwargs.setdefault("name", f"{label}:{transition.lower()}" if transition else label)
    return EventStudy(events=pd.DatetimeIndex(events.index), target=close, **study_kwargs).run()
