"""Multiple testing: adjusted p-values for a family of tests, and data-snooping tests.

Every sweep riskcurve runs (over signal definitions, lags, assets, horizons) is a family of
tests, and the smallest of many p-values is not evidence by itself. This module is the one
place where families are adjusted:

* :func:`adjust` and :func:`family_table` give Holm (family-wise error) and
  Benjamini-Hochberg (false discovery rate) adjusted p-values, computed by statsmodels'
  :func:`~statsmodels.stats.multitest.multipletests`;
* :func:`data_snooping` asks whether the *best* of many candidate strategies beats a
  benchmark once the search over candidates is accounted for: Hansen's (2005) test of
  Superior Predictive Ability or White's (2000) Reality Check, by the stationary bootstrap
  of :class:`arch.bootstrap.SPA`.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from arch.bootstrap import SPA, optimal_block_length
from statsmodels.stats.multitest import multipletests

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
    """statsmodels' adjusted p-values, without the cost of its full garbage collection.

    statsmodels' Holm branch calls ``gc.collect()`` on every call: a full collection that takes
    0.1-0.2 s in a process holding pandas, statsmodels and arch, which adds up over many
    families. Freezing the existing heap first limits that collection to objects created since;
    the result is the same and nothing is kept alive (the heap is unfrozen afterwards, unless
    someone else had frozen it).
    """
    frozen_here = gc.get_freeze_count() == 0
    if frozen_here:
        gc.freeze()
    try:
        return np.asarray(multipletests(pvalues, method=method)[1], dtype=float)
    finally:
        if frozen_here:
            gc.unfreeze()


def _as_pvalues(pvalues: Sequence[float] | pd.Series | np.ndarray) -> pd.Series:
    if isinstance(pvalues, pd.DataFrame):
        raise TypeError("pvalues must be one-dimensional (a Series, array or list); got a DataFrame")
    if isinstance(pvalues, pd.Series):
        series = pvalues.copy()
    else:
        array = np.asarray(pvalues)
        if array.ndim != 1:
            raise TypeError(f"pvalues must be one-dimensional; got an array of shape {array.shape}")
        series = pd.Series(array)
    try:
        values = series.astype(float)
    except (TypeError, ValueError):
        raise TypeError(f"pvalues must be numbers; got dtype {series.dtype}") from None
    finite = values.dropna()
    outside = finite[(finite < 0.0) | (finite > 1.0)]
    if len(outside):
        label = outside.index[0]
        raise ValueError(f"pvalues must lie in [0, 1]; the value at {label!r} is {outside.iloc[0]!r}")
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
    present = values.notna().to_numpy()
    frame = pd.DataFrame({"p": values.to_numpy()}, index=values.index)
    for method in chosen:
        adjusted = np.full(len(values), np.nan)
        if present.any():
            adjusted[present] = _multipletests(values.to_numpy()[present], method)
        frame[f"p_{METHOD_COLUMNS[method]}"] = adjusted
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
        Whether the installed arch divides each mean differential by its standard error before
        taking the maximum (arch 8.0.0 does not; see :func:`data_snooping`).
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
            f"(mean edge {self.best_mean:+.6g} per period over the benchmark); "
            f"p = {self.pvalue:.3f} (lower {self.pvalue_lower:.3f}, consistent {self.pvalue_consistent:.3f}, "
            f"upper {self.pvalue_upper:.3f}); {self.n_obs} periods{dropped}, stationary bootstrap with mean block "
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


def _check_seed(seed: object) -> int | np.random.Generator | None:
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return int(seed)
    raise TypeError(f"seed must be an int, a numpy Generator or None; got {type(seed).__name__}")


def _check_positive_int(name: str, value: object, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int; got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {value}")
    return int(value)


def _numeric(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    try:
        return frame.astype(float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold numbers (per-period returns); got dtypes {list(frame.dtypes)}") from None


def _default_block_size(differentials: np.ndarray) -> int:
    # Politis-White (2004, with Patton et al.'s 2009 correction) optimal mean block length of
    # the stationary bootstrap, per candidate; the longest keeps every candidate's dependence.
    lengths = optimal_block_length(differentials)["stationary"].to_numpy(dtype=float)
    lengths = lengths[np.isfinite(lengths)]
    longest = float(lengths.max()) if len(lengths) else 1.0
    return int(min(max(1, np.ceil(longest)), max(1, differentials.shape[0] // 2)))


def _studentizes() -> bool:
    # arch 8.0.0 computes the studentizing variances but compares raw mean differentials;
    # later arch versions divide by the standard errors (they define ``_studentized_mean``).
    return hasattr(SPA, "_studentized_mean")


def data_snooping(
    benchmark: pd.Series,
    candidates: pd.DataFrame,
    *,
    method: Literal["spa", "rc"] = "spa",
    reps: int = 1000,
    block_size: int | None = None,
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
        optimal length of the performance differentials (the longest over candidates), from
        :func:`arch.bootstrap.optimal_block_length`.
    seed
        Seed or Generator for the bootstrap; the same seed gives the same p-values. ``None``
        draws a fresh seed and records it in the result.

    Returns
    -------
    SnoopingResult

    Notes
    -----
    arch works with *losses*, so performance is negated: the benchmark's loss is
    ``-benchmark`` and each candidate's is ``-candidate``; arch's loss differential
    (benchmark loss minus candidate loss) is then candidate minus benchmark performance, and
    the null is that no candidate's expected differential is positive.

    The series are aligned on the union of their indices and every row where any of them is
    missing is dropped (``n_dropped`` says how many). A candidate equal to the benchmark in every
    period is left out (``excluded``); if all are, the p-value is 1 without resampling.

    With arch 8.0.0 the statistic is the largest *raw* mean differential even for
    ``method="spa"``: arch uses the studentizing variances only for the consistent
    p-value's recentring threshold. ``studentized`` in the result records what the installed
    arch did. The ordering ``pvalue_lower <= pvalue_consistent <= pvalue_upper`` holds either way.

    Cost: arch 8.0.0 estimates each differential's long-run variance with a loop over every
    lag, O(T^2 * k) for T periods and k candidates, and stores k * reps * 3 simulated values;
    a family of thousands of daily candidates takes minutes and memory accordingly.

    Raises
    ------
    TypeError
        For inputs of the wrong type or non-numeric data.
    ValueError
        For an unknown ``method``, no candidates, fewer than 20 complete periods, or
        ``reps``/``block_size`` below 1.
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
    reps = _check_positive_int("reps", reps)
    if block_size is not None:
        block_size = _check_positive_int("block_size", block_size)
    seed = _check_seed(seed)
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])

    bench = _numeric("benchmark", benchmark.to_frame(name="__benchmark__"))["__benchmark__"]
    models = _numeric("candidates", candidates)
    joined = pd.concat([bench, models], axis=1, join="outer", sort=True)
    complete = joined.dropna(how="any")
    n_dropped = len(joined) - len(complete)
    if len(complete) < MIN_SNOOPING_OBS:
        raise ValueError(
            f"benchmark and candidates share only {len(complete)} complete periods "
            f"({n_dropped} rows dropped for missing values); at least {MIN_SNOOPING_OBS} are needed"
        )
    bench_values = complete["__benchmark__"].to_numpy()
    model_frame = complete.drop(columns="__benchmark__")
    differentials = model_frame.to_numpy() - bench_values[:, None]
    labels = [str(label) for label in model_frame.columns]
    means = differentials.mean(axis=0)
    best_position = int(np.argmax(means))

    same = np.all(differentials == 0.0, axis=0)
    excluded = tuple(label for label, flag in zip(labels, same, strict=True) if flag)
    active = ~same
    if not active.any():
        return SnoopingResult(
            method=method,
            pvalue=1.0,
            pvalue_lower=1.0,
            pvalue_consistent=1.0,
            pvalue_upper=1.0,
            n_models=len(labels),
            n_obs=len(complete),
            best=labels[best_position],
            best_mean=float(means[best_position]),
            reps=reps,
            block_size=block_size or 1,
            n_dropped=n_dropped,
            studentized=False,
            excluded=excluded,
            seed=seed if isinstance(seed, int) else None,
        )
    size = block_size if block_size is not None else _default_block_size(differentials[:, active])
    studentize = method == "spa"
    # arch takes losses: lower is better, so performance is negated.
    test = SPA(
        -bench_values,
        -model_frame.to_numpy()[:, active],
        block_size=size,
        reps=reps,
        bootstrap="stationary",
        studentize=studentize,
        seed=seed,
    )
    test.compute()
    pvalues = test.pvalues
    headline = "consistent" if method == "spa" else "upper"
    return SnoopingResult(
        method=method,
        pvalue=float(pvalues[headline]),
        pvalue_lower=float(pvalues["lower"]),
        pvalue_consistent=float(pvalues["consistent"]),
        pvalue_upper=float(pvalues["upper"]),
        n_models=len(labels),
        n_obs=len(complete),
        best=labels[best_position],
        best_mean=float(means[best_position]),
        reps=reps,
        block_size=size,
        n_dropped=n_dropped,
        studentized=studentize and _studentizes(),
        excluded=excluded,
        seed=seed if isinstance(seed, int) else None,
    )
