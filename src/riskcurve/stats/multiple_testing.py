"""Multiple testing: adjusted p-values for a family of tests, and data-snooping tests.

Every sweep riskcurve runs (over signal definitions, lags, assets, horizons) is a family of
tests, and the smallest of many p-values is not evidence by itself. This module is the one
place where families are adjusted:

* :func:`adjust` and :func:`family_table` give Holm (family-wise error) and
  Benjamini-Hochberg (false discovery rate) adjusted p-values, computed as statsmodels'
  :func:`~statsmodels.stats.multitest.multipletests` computes them, in the same array
  arithmetic (equal to the last bit, tests/unit/stats/test_multiple_testing_numpy.py), without
  importing statsmodels' multiple-testing module (which loads scipy.stats: about 1 s);
* :func:`data_snooping` asks whether the *best* of many candidate strategies beats a
  benchmark once the search over candidates is accounted for: Hansen's (2005) test of
  Superior Predictive Ability or White's (2000) Reality Check, exactly as
  :class:`arch.bootstrap.SPA` computes them (arch's own stationary-bootstrap draws for the
  same seed) but in array arithmetic that scales to sweep-sized families (see its Notes).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from riskcurve import numbers as nf
from riskcurve.stats._validation import check_int, check_seed

__all__ = ["METHOD_COLUMNS", "SnoopingResult", "adjust", "data_snooping", "family_table"]

#: statsmodels' method name -> suffix of the adjusted column (``holm`` -> ``p_holm``).
METHOD_COLUMNS: dict[str, str] = {
    "holm": "holm",
    "fdr_bh": "bh",
    "bonferroni": "bonferroni",
    "fdr_by": "by",
}

#: Fewest aligned periods :func:`data_snooping` accepts: below this a block bootstrap of
#: means has nothing to resample.
MIN_SNOOPING_OBS = 20

#: Candidates per block of :func:`data_snooping`'s arithmetic. Bounds its temporaries (the
#: block's differentials, their spectra and bootstrap means: about 6 * block * periods * 8 bytes)
#: whatever the family size.
SNOOPING_BLOCK = 1000


def _check_methods(methods: Sequence[str]) -> tuple[str, ...]:
    if isinstance(methods, str):
        raise TypeError(f"methods must be a sequence of method names, not the string {methods!r}")
    chosen = tuple(methods)
    unknown = [m for m in chosen if m not in METHOD_COLUMNS]
    if unknown or not chosen:
        raise ValueError(
            f"methods must be a non-empty subset of {', '.join(repr(m) for m in METHOD_COLUMNS)}; got {list(chosen)}"
        )
    return chosen


def _multipletests(pvalues: np.ndarray, method: str) -> np.ndarray:
    """Adjusted p-values of ``method``, as :func:`statsmodels.stats.multitest.multipletests` gives them.

    The same operations in the same order as statsmodels 0.14-0.15 (sort, scale by the step-down
    or step-up factors, running maximum or minimum, cap at 1, unsort), so the results are
    equal to the last bit; statsmodels' module is not imported (it loads scipy.stats, about 1 s
    of a ``check``), and its Holm branch's full garbage collection on every call is avoided.
    Tied p-values get the same adjusted value whatever order the sort leaves them in.
    """
    order = np.argsort(pvalues)
    ordered = np.take(np.asarray(pvalues, dtype=float), order)
    n = len(ordered)
    if method == "bonferroni":
        adjusted = ordered * float(n)
    elif method == "holm":
        adjusted = np.maximum.accumulate(ordered * np.arange(n, 0, -1))
    elif method in ("fdr_bh", "fdr_by"):
        ecdf = np.arange(1, n + 1) / float(n)
        if method == "fdr_by":
            ecdf = ecdf / np.sum(1.0 / np.arange(1, n + 1))
        adjusted = np.minimum.accumulate((ordered / ecdf)[::-1])[::-1]
    else:  # pragma: no cover - _check_methods refuses any other name first
        raise ValueError(f"unknown method {method!r}")
    adjusted[adjusted > 1] = 1
    unsorted = np.empty_like(adjusted)
    unsorted[order] = adjusted
    return unsorted


def _as_pvalues(pvalues: Sequence[float] | pd.Series | np.ndarray) -> pd.Series:
    if isinstance(pvalues, pd.DataFrame):
        raise TypeError("pvalues must be one-dimensional (a Series, array or list); got a DataFrame")
    if isinstance(pvalues, pd.Series):
        series = pvalues  # astype below copies it
    else:
        array = np.asarray(pvalues)
        if array.ndim != 1:
            raise TypeError(f"pvalues must be one-dimensional; got an array of shape {array.shape}")
        series = pd.Series(array)
    try:
        values = series.astype(float)
    except (TypeError, ValueError):
        raise TypeError(f"pvalues must be numbers; got dtype {series.dtype}") from None
    array = values.to_numpy()
    outside = np.flatnonzero((array < 0.0) | (array > 1.0))  # NaN is neither
    if len(outside):
        label = values.index[outside[0]]
        raise ValueError(f"pvalues must lie in [0, 1]; the value at {label!r} is {array[outside[0]]!r}")
    return values


def adjust(
    pvalues: Sequence[float] | pd.Series | np.ndarray,
    *,
    methods: Sequence[str] = ("holm", "fdr_bh"),
) -> pd.DataFrame:
    """Adjust a family of p-values for multiple testing.

    Parameters
    ----------
    pvalues
        One p-value per test of the family. A Series keeps its index in the result.
    methods
        statsmodels :func:`~statsmodels.stats.multitest.multipletests` methods, each giving one
        column: ``"holm"`` -> ``p_holm`` (Holm's step-down, controls the family-wise error rate),
        ``"fdr_bh"`` -> ``p_bh`` (Benjamini-Hochberg, controls the false discovery rate under
        independence or positive dependence), ``"bonferroni"`` -> ``p_bonferroni``,
        ``"fdr_by"`` -> ``p_by`` (Benjamini-Yekutieli, any dependence).

    Returns
    -------
    pandas.DataFrame
        Column ``p`` (the input) and one adjusted column per method, in input order. The family
        size (the number of non-missing p-values) is in ``attrs["family_size"]``.

    Notes
    -----
    A missing p-value (NaN: a test that could not be run) stays NaN in every column and is
    **not** counted in the family: the adjustment is over the tests actually carried out. If
    a test was run and failed to produce a p-value for a reason related to its outcome,
    replace the NaN by 1 before calling, which keeps it in the family conservatively.

    Raises
    ------
    TypeError
        If ``pvalues`` is not one-dimensional or not numeric, or ``methods`` is a string.
    ValueError
        If a p-value lies outside [0, 1] or a method is unknown.

    Examples
    --------
    >>> adjust([0.01, 0.04, 0.03]).round(3).to_dict("list")
    {'p': [0.01, 0.04, 0.03], 'p_holm': [0.03, 0.06, 0.06], 'p_bh': [0.03, 0.04, 0.04]}
    """
    chosen = _check_methods(methods)
    values = _as_pvalues(pvalues)
    array = values.to_numpy()
    present = ~np.isnan(array)
    columns = {"p": array}
    for method in chosen:
        adjusted = np.full(len(array), np.nan)
        if present.any():
            adjusted[present] = _multipletests(array[present], method)
        columns[f"p_{METHOD_COLUMNS[method]}"] = adjusted
    # Built in one go: adding columns one by one costs more than the adjustment itself.
    frame = pd.DataFrame(columns, index=values.index)
    frame.attrs["family_size"] = int(present.sum())
    return frame


def family_table(
    results: pd.DataFrame,
    *,
    p_column: str = "p",
    methods: Sequence[str] = ("holm", "fdr_bh"),
) -> pd.DataFrame:
    """Append adjusted p-values to a table with one row per test of a family.

    Parameters
    ----------
    results
        A sweep's result table: one row per definition/lag/asset/horizon tried.
    p_column
        The column holding each row's raw p-value.
    methods
        As in :func:`adjust`.

    Returns
    -------
    pandas.DataFrame
        A copy of ``results`` with columns ``{p_column}_holm`` and ``{p_column}_bh`` (by default
        ``p_holm`` and ``p_bh``) appended, replacing columns of those names if present. Rows
        with a missing p-value are kept and excluded from the family, as in :func:`adjust`.
    """
    if not isinstance(results, pd.DataFrame):
        raise TypeError(f"results must be a pandas DataFrame; got {type(results).__name__}")
    if p_column not in results.columns:
        raise ValueError(f"p_column {p_column!r} is not a column of results (columns: {list(results.columns)})")
    adjusted = adjust(results[p_column], methods=methods)
    table = results.copy()
    for method in _check_methods(methods):
        suffix = METHOD_COLUMNS[method]
        table[f"{p_column}_{suffix}"] = adjusted[f"p_{suffix}"].to_numpy()
    table.attrs["family_size"] = adjusted.attrs["family_size"]
    return table


@dataclass(frozen=True)
class SnoopingResult:
    """Outcome of a data-snooping test: does the best candidate beat the benchmark?

    Attributes
    ----------
    method
        ``"spa"`` (Hansen's Superior Predictive Ability) or ``"rc"`` (White's Reality Check).
    pvalue
        The headline p-value of ``method``: the SPA's consistent p-value, or the Reality Check's
        (arch's "upper") p-value. Small means the best candidate's edge survives the search.
    pvalue_lower, pvalue_consistent, pvalue_upper
        arch's three p-values, which differ in how the bootstrap recentres candidates that
        look worse than the benchmark: never (lower bound, anti-conservative), only those
        clearly worse (consistent: Hansen's SPA), always (upper bound: White's Reality Check,
        conservative when poor candidates are included). Always ``lower <= consistent <= upper``.
    n_models
        Number of candidates given.
    n_obs
        Number of periods used (after alignment and dropping rows with a missing value).
    n_dropped
        Rows dropped because the benchmark or some candidate was missing on them.
    best
        Label of the candidate with the highest mean performance minus the benchmark's.
    best_mean
        That mean per-period performance differential (candidate minus benchmark).
    reps
        Bootstrap replications.
    block_size
        Mean block length of the stationary bootstrap.
    studentized
        Whether each mean differential was divided by its standard error before taking the
        maximum. Always ``False``: the statistic is the largest raw mean differential, as
        arch 8.0.0's :class:`~arch.bootstrap.SPA` computes it (see :func:`data_snooping`).
    seed
        The bootstrap's integer seed (drawn fresh and recorded when none was given), or ``None``
        when a Generator was passed.
    excluded
        Candidates left out of the bootstrap because their performance equals the benchmark's in
        every period (they cannot beat it, and arch's strict ``>`` would count their zero
        differential against the null).
    """

    method: Literal["spa", "rc"]
    pvalue: float
    pvalue_lower: float
    pvalue_consistent: float
    pvalue_upper: float
    n_models: int
    n_obs: int
    best: str
    best_mean: float
    reps: int
    block_size: int
    n_dropped: int = 0
    studentized: bool = False
    excluded: tuple[str, ...] = field(default_factory=tuple)
    seed: int | None = None

    def summary(self) -> str:
        """One paragraph in words."""
        name = "Hansen's SPA" if self.method == "spa" else "White's Reality Check"
        dropped = f", {self.n_dropped} incomplete rows dropped" if self.n_dropped else ""
        excluded = f"; {len(self.excluded)} candidates identical to the benchmark left out" if self.excluded else ""
        return (
            f"{name}: best of {self.n_models} candidates is {self.best} "
            f"(mean edge {nf.significant(self.best_mean, 6)} per period over the benchmark); "
            f"p = {nf.p_value(self.pvalue)} (lower {nf.p_value(self.pvalue_lower)}, "
            f"consistent {nf.p_value(self.pvalue_consistent)}, upper {nf.p_value(self.pvalue_upper)}); "
            f"{self.n_obs} periods{dropped}, stationary bootstrap with mean block "
            f"{self.block_size}, {self.reps} reps{excluded}."
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields (the ``--json`` schema of any command that reports one)."""
        return {
            "method": self.method,
            "pvalue": float(self.pvalue),
            "pvalue_lower": float(self.pvalue_lower),
            "pvalue_consistent": float(self.pvalue_consistent),
            "pvalue_upper": float(self.pvalue_upper),
            "n_models": int(self.n_models),
            "n_obs": int(self.n_obs),
            "n_dropped": int(self.n_dropped),
            "best": str(self.best),
            "best_mean": float(self.best_mean),
            "reps": int(self.reps),
            "block_size": int(self.block_size),
            "studentized": bool(self.studentized),
            "excluded": [str(label) for label in self.excluded],
            "seed": self.seed,
        }


def _numeric(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    try:
        return frame.astype(float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold numbers (per-period returns); got dtypes {list(frame.dtypes)}") from None


def _block_length(differentials: np.ndarray) -> float:
    # Politis-White (2004, with Patton et al.'s 2009 correction) optimal mean block length of
    # the stationary bootstrap, per candidate; the longest keeps every candidate's dependence.
    from arch.bootstrap import optimal_block_length  # arch's import is heavy; only data snooping needs it

    if differentials.shape[1] == 0:
        return 1.0
    lengths = optimal_block_length(differentials)["stationary"].to_numpy(dtype=float)
    lengths = lengths[np.isfinite(lengths)]
    return float(lengths.max()) if len(lengths) else 1.0


def _blocks(k: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + SNOOPING_BLOCK, k)) for lo in range(0, k, SNOOPING_BLOCK)]


def _stationary_counts(t: int, block_size: int, reps: int, seed: int | np.random.Generator) -> np.ndarray:
    """How often each period is drawn in each of arch's stationary-bootstrap samples, ``(reps, t)``.

    The draws are those :class:`arch.bootstrap.SPA` makes for the same seed (its
    :class:`~arch.bootstrap.StationaryBootstrap` draws period indices from the seed, the block size
    and the sample length alone); a bootstrap mean only needs the counts, so it is ``counts @ d / t``.
    """
    from arch.bootstrap import StationaryBootstrap

    bootstrap = StationaryBootstrap(block_size, np.zeros(t), seed=seed)
    counts = np.empty((reps, t))
    for i, _ in enumerate(bootstrap.bootstrap(reps)):
        counts[i] = np.bincount(np.asarray(bootstrap.index), minlength=t)
    return counts


def _spectral_weights(t: int, block_size: int) -> tuple[int, np.ndarray]:
    """Weights that turn a series' periodogram into arch's stationary-bootstrap variance term.

    arch's :class:`~arch.bootstrap.SPA` estimates the variance of each mean differential as
    ``(r_0 + 2 * sum_{i>=1} kappa_i r_i) / t`` with ``r_i = sum_s x_s x_{s+i}`` of the demeaned
    series and ``kappa_i = (1 - i/t)(1 - p)^i + (i/t)(1 - p)^(t - i)``, ``p = 1/block_size``
    (Politis & Romano 1994), by a loop over every lag. With ``P_f = |rfft(x, n)_f|^2`` and
    ``n >= 2t`` (no wrap-around), ``r_i = irfft(P)_i``, so ``sum_i kappa_i r_i = P @ w`` with
    ``w_f = m_f / n * sum_{i>=1} kappa_i cos(2 pi f i / n)`` (``m_f`` = 1 at ``f = 0`` and
    ``n/2``, else 2): one forward FFT per series and a dot product. Returns ``(n, w)``.
    """
    size = 1 << math.ceil(math.log2(2 * t))
    i = np.arange(t, dtype=float)
    p = 1.0 / block_size
    kappa = (1.0 - i / t) * (1.0 - p) ** i + (i / t) * (1.0 - p) ** (t - i)
    kappa[0] = 0.0
    cosine = np.fft.rfft(kappa, n=size).real
    multiplicity = np.full(len(cosine), 2.0)
    multiplicity[0] = multiplicity[-1] = 1.0
    return size, multiplicity * cosine / size


def _simulated_maxima(d: np.ndarray, counts: np.ndarray, fft_size: int, weights: np.ndarray) -> np.ndarray:
    """arch's three recentred bootstrap statistics over one block of candidates, ``(reps, 3)``.

    ``d`` holds the block's differentials ``(t, block)`` (none identically zero). Columns: the
    largest bootstrap mean minus the lower, consistent and upper recentring of
    :class:`arch.bootstrap.SPA`.
    """
    t = d.shape[0]
    m = d.mean(axis=0)
    demeaned = d - m
    spectrum = np.fft.rfft(demeaned, n=fft_size, axis=0)
    power = spectrum.real**2 + spectrum.imag**2
    del spectrum
    variances = ((demeaned**2).sum(axis=0) + 2.0 * (weights @ power)) / t
    # arch's rule for the consistent p-value: recentre only the candidates not clearly worse.
    valid = m >= -np.sqrt((variances / t) * 2.0 * np.log(np.log(t)))
    lower = np.where(m < 0, 0.0, m)
    consistent = np.where(valid, m, 0.0)
    star = counts @ d / t  # (reps, block): each bootstrap sample's means
    return np.column_stack([(star - lower).max(axis=1), (star - consistent).max(axis=1), (star - m).max(axis=1)])


def _aligned(benchmark: pd.Series, candidates: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, int]:
    """Benchmark ``(t,)`` and candidates ``(t, k)`` on their complete rows, and how many rows were dropped.

    Already-aligned float input (a sweep's family) is used as it is, without a copy.
    """
    bench = benchmark if benchmark.dtype == np.float64 else _numeric("benchmark", benchmark.to_frame()).iloc[:, 0]
    models = (
        candidates if all(dtype == np.float64 for dtype in candidates.dtypes) else _numeric("candidates", candidates)
    )
    index = models.index
    if not (index.equals(bench.index) and index.is_unique and index.is_monotonic_increasing):
        joined = pd.concat([bench.rename("__benchmark__"), models], axis=1, join="outer", sort=True)
        bench = joined["__benchmark__"]
        models = joined.drop(columns="__benchmark__")
    bench_values = bench.to_numpy(dtype=float)
    values = models.to_numpy(dtype=float)
    missing = np.isnan(bench_values) | np.isnan(values).any(axis=1)
    n_dropped = int(missing.sum())
    if n_dropped:
        bench_values, values = bench_values[~missing], values[~missing]
    return bench_values, values, n_dropped


def data_snooping(
    benchmark: pd.Series,
    candidates: pd.DataFrame,
    *,
    method: Literal["spa", "rc"] = "spa",
    reps: int = 1000,
    block_size: int | None = None,
    block_size_from: int | None = None,
    seed: int | np.random.Generator | None = None,
) -> SnoopingResult:
    """Test whether the best of many candidates beats a benchmark, allowing for the search.

    Parameters
    ----------
    benchmark
        Per-period performance of the benchmark (returns: higher is better).
    candidates
        Per-period performance of each candidate, one column per candidate, on (or alignable
        to) the benchmark's index.
    method
        ``"spa"``: Hansen's (2005) test of Superior Predictive Ability, headline p-value =
        arch's ``consistent`` p-value. ``"rc"``: White's (2000) Reality Check, headline
        p-value = arch's ``upper`` p-value (every candidate recentred at its sample mean, as
        White does), computed without studentization as in White's paper.
    reps
        Bootstrap replications.
    block_size
        Mean block length of the stationary bootstrap. ``None`` (default): the Politis-White
        optimal length of the performance differentials (the longest over the candidates named
        by ``block_size_from``), from :func:`arch.bootstrap.optimal_block_length`, capped at
        half the sample.
    block_size_from
        Which candidates choose the default block length: ``None`` (default) all of them;
        ``n`` the ``n`` with the highest mean differential, the ones that decide the maximum
        statistic (a sweep's family uses 50: the length is then cheap to estimate and not set
        by some far-from-best candidate's dependence). Ignored when ``block_size`` is given.
    seed
        Seed or Generator for the bootstrap; the same seed gives the same p-values. ``None``
        draws a fresh seed and records it in the result.

    Returns
    -------
    SnoopingResult

    Notes
    -----
    The test is arch's :class:`~arch.bootstrap.SPA` on losses ``-benchmark`` and
    ``-candidate`` (arch's loss differential is then candidate minus benchmark performance,
    and the null is that no candidate's expected differential is positive), and gives its
    p-values: the bootstrap samples are the ones arch's
    :class:`~arch.bootstrap.StationaryBootstrap` draws for the same seed, and the statistic,
    variances and recentring rules are arch's (the tests pin the p-values to arch's). Only
    the arithmetic differs, so that families of thousands of candidates take seconds: each
    bootstrap mean is ``counts @ d / T`` (``counts`` = how often each period was drawn), the
    variances come from FFT autocovariances (arch loops over every lag: O(T^2 * k)), and the
    candidates are processed in blocks of :data:`SNOOPING_BLOCK`, so that beyond the input
    only ``reps * 3`` simulated values and one block's temporaries are held.

    The series are aligned on the union of their indices and every row where any of them is
    missing is dropped (``n_dropped`` says how many). A candidate equal to the benchmark in every
    period is left out (``excluded``); if all are, the p-value is 1 without resampling.

    As in arch 8.0.0, the statistic is the largest *raw* mean differential even for
    ``method="spa"``: the studentizing variances are used only for the consistent p-value's
    recentring threshold (``studentized`` is ``False`` in the result). The ordering
    ``pvalue_lower <= pvalue_consistent <= pvalue_upper`` always holds.

    Raises
    ------
    TypeError
        For inputs of the wrong type or non-numeric data.
    ValueError
        For an unknown ``method``, no candidates, fewer than 20 complete periods, or
        ``reps``/``block_size``/``block_size_from`` below 1.
    """
    if method not in ("spa", "rc"):
        raise ValueError(f"method must be 'spa' or 'rc'; got {method!r}")
    if not isinstance(benchmark, pd.Series):
        raise TypeError(f"benchmark must be a pandas Series of per-period returns; got {type(benchmark).__name__}")
    if isinstance(candidates, pd.Series):
        candidates = candidates.to_frame(name=candidates.name if candidates.name is not None else "candidate")
    if not isinstance(candidates, pd.DataFrame):
        raise TypeError(
            f"candidates must be a pandas DataFrame (one column per candidate); got {type(candidates).__name__}"
        )
    if candidates.shape[1] == 0:
        raise ValueError("candidates has no columns; a data-snooping test needs at least one candidate")
    if candidates.columns.has_duplicates:
        raise ValueError(
            f"candidates has duplicate column labels: {list(candidates.columns[candidates.columns.duplicated()])}"
        )
    reps = check_int("reps", reps, 1)
    if block_size is not None:
        block_size = check_int("block_size", block_size, 1)
    if block_size_from is not None:
        block_size_from = check_int("block_size_from", block_size_from, 1)
    seed = check_seed(seed)
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])

    bench_values, values, n_dropped = _aligned(benchmark, candidates)
    t, k = values.shape
    if t < MIN_SNOOPING_OBS:
        raise ValueError(
            f"benchmark and candidates share only {t} complete periods "
            f"({n_dropped} rows dropped for missing values); at least {MIN_SNOOPING_OBS} are needed"
        )
    labels = [str(label) for label in candidates.columns]
    blocks = _blocks(k)

    def differentials(lo: int, hi: int) -> np.ndarray:
        return values[:, lo:hi] - bench_values[:, None]

    means = np.empty(k)
    active = np.empty(k, dtype=bool)
    for lo, hi in blocks:
        d = differentials(lo, hi)
        means[lo:hi] = d.mean(axis=0)
        active[lo:hi] = np.any(d != 0.0, axis=0)
    best_position = int(np.argmax(means))
    excluded = tuple(label for label, flag in zip(labels, active, strict=True) if not flag)

    def result(pvalues: tuple[float, float, float], size: int) -> SnoopingResult:
        return SnoopingResult(
            method=method,
            pvalue=pvalues[1] if method == "spa" else pvalues[2],
            pvalue_lower=pvalues[0],
            pvalue_consistent=pvalues[1],
            pvalue_upper=pvalues[2],
            n_models=k,
            n_obs=t,
            best=labels[best_position],
            best_mean=float(means[best_position]),
            reps=reps,
            block_size=size,
            n_dropped=n_dropped,
            studentized=False,
            excluded=excluded,
            seed=seed if isinstance(seed, int) else None,
        )

    if not active.any():
        return result((1.0, 1.0, 1.0), block_size or 1)
    columns = np.flatnonzero(active)
    if block_size is None:
        if block_size_from is not None:
            columns_for_length = columns[np.argsort(-means[columns], kind="stable")[:block_size_from]]
            longest = _block_length(values[:, columns_for_length] - bench_values[:, None])
        else:
            longest = max(_block_length(differentials(lo, hi)[:, active[lo:hi]]) for lo, hi in blocks)
        block_size = int(min(max(1, math.ceil(longest)), max(1, t // 2)))

    counts = _stationary_counts(t, block_size, reps, seed)
    fft_size, weights = _spectral_weights(t, block_size)
    simulated = np.full((reps, 3), -np.inf)
    for lo, hi in blocks:
        chosen = active[lo:hi]
        if chosen.any():
            block = _simulated_maxima(differentials(lo, hi)[:, chosen], counts, fft_size, weights)
            np.maximum(simulated, block, out=simulated)
    statistic = means[active].max()
    lower, consistent, upper = (simulated > statistic).mean(axis=0)
    return result((float(lower), float(consistent), float(upper)), block_size)
