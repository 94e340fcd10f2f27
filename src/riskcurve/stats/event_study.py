"""Event studies: what followed a signal's events, compared honestly with what follows any day.

``EventStudy(events, target, ...).run()`` measures, at each horizon, the forward return of a
target after each event (entry at the close of the first target bar after the event, see
:mod:`riskcurve.stats.forward`) and sets it against the *baseline*: the same horizon's forward
return from every bar of the target's history. The result type, its verdicts and the methods as
stated in ``--json`` live in :mod:`riskcurve.stats.event_study_result` (re-exported here). The
methods, exactly:

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from riskcurve.data.panel import MarketData
from riskcurve.errors import InsufficientDataWarning
from riskcurve.stats._validation import check_alpha, check_block_length, check_int, check_seed, check_string
from riskcurve.stats.bootstrap import (
    SeedLike,
    optimal_block_length,
    spaced_placements,
    stationary_bootstrap_event_means,
)
from riskcurve.stats.event_study_result import (  # noqa: F401 - re-exported where they were defined
    CI_METHOD,
    CONVENTION,
    HIT_METHOD,
    MDE_METHOD,
    MIN_EVENTS,
    P_METHOD,
    POWER,
    SCHEMA,
    EventStudyResult,
    _horizon_verdict,
    _overall_verdict,
    _pct,
    _plural,
    _verdict_code,
    _warnings,
)
from riskcurve.stats.forward import (
    MAX_DELAY_DAYS,
    ReturnKind,
    align_events,
    check_close,
    check_horizons,
    check_kind,
    forward_returns,
)
from riskcurve.stats.multiple_testing import adjust

#: Default horizons in target bars (about 1, 3, 6 and 12 months of exchange sessions).
DEFAULT_HORIZONS: tuple[int, ...] = (21, 63, 126, 252)
#: Baseline windows needed before a horizon is studied at all.
MIN_BASELINE = 30


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
