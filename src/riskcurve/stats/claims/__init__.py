"""Claims as data: a claim language, its kinds compiled to the statistics, one grade scale, packs.

A claim is a YAML document (:mod:`~riskcurve.stats.claims.language`, read by
:mod:`~riskcurve.stats.claims.reading`); each kind compiles to
the existing signals and studies (:mod:`~riskcurve.stats.claims.kinds`, reading the store through
:mod:`~riskcurve.stats.claims.context` and the named figures of
:mod:`~riskcurve.stats.claims.figures`) and is graded on one scale
(:mod:`~riskcurve.stats.claims.grading`) into a :class:`~riskcurve.stats.claims.result.ClaimResult`.
The January-2026 thesis ships as the built-in pack (``packs/thesis-2026-01.yaml``, data inside
the package and its wheel).

>>> from riskcurve.stats.claims import builtin_claims, run_claims
>>> with Store("riskcurve.duckdb", read_only=True) as store:  # doctest: +SKIP
...     results = run_claims(store, builtin_claims(), as_of="2026-08-20")
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

from riskcurve.data.store import Store
from riskcurve.stats.claims.grading import EVIDENCE, GRADES, Evidence, Grade
from riskcurve.stats.claims.kinds import SEED, ClaimResult, run
from riskcurve.stats.claims.language import Claim, ClaimFile
from riskcurve.stats.claims.reading import TEMPLATE, load_claims, parse_claims
from riskcurve.stats.claims.result import results_frame

#: The built-in pack: every testable claim of the January-2026 commentaries (C01-C47).
BUILTIN_PACK = "thesis-2026-01.yaml"

__all__ = [
    "BUILTIN_PACK",
    "EVIDENCE",
    "GRADES",
    "SEED",
    "TEMPLATE",
    "Claim",
    "ClaimFile",
    "ClaimResult",
    "Evidence",
    "Grade",
    "builtin_claims",
    "forecast_claims",
    "load_claims",
    "parse_claims",
    "results_frame",
    "run_claims",
    "select",
]


def builtin_claims() -> list[Claim]:
    """The claims of the built-in pack, validated."""
    text = resources.files("riskcurve.stats.claims").joinpath("packs", BUILTIN_PACK).read_text(encoding="utf-8")
    return list(parse_claims(text, f"riskcurve/stats/claims/packs/{BUILTIN_PACK}").claims)


def forecast_claims(claims: Iterable[Claim] | None = None) -> list[Claim]:
    """The forecasts among ``claims`` (default: the built-in pack)."""
    return [c for c in (builtin_claims() if claims is None else claims) if c.kind == "forecast"]


def select(claims: Sequence[Claim], ids: Sequence[str] | None) -> list[Claim]:
    """The claims named by ``ids`` (all when empty); an unknown id is an error listing the known ones."""
    if not ids:
        return list(claims)
    by_id = {str(c.id).upper(): c for c in claims}
    unknown = [i for i in ids if i.upper() not in by_id]
    if unknown:
        raise ValueError(f"unknown claim {unknown[0]!r}; the file has {', '.join(str(c.id) for c in claims)}")
    return [by_id[i.upper()] for i in ids]


def run_claims(
    store: Store,
    claims: Sequence[Claim] | None = None,
    ids: Sequence[str] | None = None,
    *,
    as_of: Any = None,
    seed: int = SEED,
    reps: int | None = None,
    robustness: bool = False,
) -> list[ClaimResult]:
    """Check claims (default: the built-in pack) on what the store knew on ``as_of``.

    Parameters
    ----------
    store
        An open store.
    claims
        Validated claims (:func:`load_claims`); the built-in pack when ``None``.
    ids
        Only these claims.
    as_of
        What data are visible (default: the store's last common day). Each claim is still
        measured as of its own date; forecasts read the data after it.
    seed, reps
        Resampling seed and an override of each study's resamples.
    robustness
        Also re-run each claim under its neighbouring readings and attach the share that agree
        and whether the grade is fragile (:mod:`~riskcurve.stats.claims.robustness`).

    Returns
    -------
    list of ClaimResult
        One per claim, each with a grade and its reason.
    """
    chosen = select(builtin_claims() if claims is None else claims, ids)
    return run(store, chosen, as_of=as_of, seed=seed, reps=reps, robustness=robustness)
