"""Each kind of claim compiled to the machinery that exists, and graded on one scale.

This module dispatches a claim to its kind's module and runs the composites made of other
claims (``episode``, ``needs-data``). ``measure`` (:mod:`.measure`) reads a series, a signal
column (through :mod:`riskcurve.signals.registry`) or a named figure over the claim's window;
``history`` (:mod:`.history`) runs :class:`~riskcurve.stats.event_study.EventStudy`;
``lead-lag`` (:mod:`.leadlag`) runs :func:`~riskcurve.stats.leadlag.leadlag`; ``conditional``
(:mod:`.conditional`) runs ``riskcurve.stats.conditional.ConditionalStudy``; ``order``
(:mod:`.order`) counts cascade onsets or turning points and tests the share with
:func:`~riskcurve.stats.proportion.binomial_test`; ``forecast`` (:mod:`.forecast`) reads the
move after the claim date; ``direction`` (:mod:`.direction`) tests how often a rise follows.
p-values of a family are adjusted in :mod:`.family`.

Every claim is measured on a :class:`~riskcurve.data.panel.MarketData` standing on the claim's
own date (or the ``as_of`` of the run, if earlier): adding data after that day cannot change
it. Forecasts are the one exception by design: they stand on ``as_of`` and read the data after
the claim date, and stay ``pending`` until their window has closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, cast

import pandas as pd

from riskcurve.data.store import Store
from riskcurve.errors import DataError
from riskcurve.stats.claims import conditional, direction, forecast, grading, history, leadlag, measure, order
from riskcurve.stats.claims.base import Base
from riskcurve.stats.claims.context import ALT_BASKET, SEED, Context
from riskcurve.stats.claims.language import (
    Claim,
    ConditionalClaim,
    DirectionClaim,
    EpisodeClaim,
    ForecastClaim,
    HistoryClaim,
    LeadLagClaim,
    MeasureClaim,
    NeedsDataClaim,
    OrderClaim,
)
from riskcurve.stats.claims.result import ClaimResult, DataMissing

__all__ = ["ALT_BASKET", "SEED", "ClaimResult", "Context", "DataMissing", "evaluate", "run"]


# -- composites ---------------------------------------------------------------------------------


def _needs_data(ctx: Context, claim: NeedsDataClaim, base: Base) -> ClaimResult:
    then = claim.definition.then
    if then.date is not None:
        # The claim that runs once the data are stored may carry its own day, as a part of an
        # episode may: it is measured (and the data it needs looked for) as of that day.
        base = replace(base, date=then.date)
    data = ctx.view(base.date)
    missing = [s for s in claim.definition.series if not data.has(s.upper())]
    if missing:
        how = claim.definition.how or (
            f"`riskcurve import FILE.csv --name {missing[0].upper()}` (date and value columns)"
        )
        return base.result(
            claim,
            grade="data missing",
            evidence="none",
            reason=f"import {', '.join(s.upper() for s in missing)} first: {how}; then check again",
            headline=f"needs {', '.join(s.upper() for s in missing)}",
            data_as_of=data.as_of.date(),
        )
    inner = evaluate(ctx, then, base)
    return replace(inner, kind="needs-data", statement=claim.statement, definition=base.definition_of(claim))


def _episode(ctx: Context, claim: EpisodeClaim, base: Base) -> ClaimResult:
    # A part dated on its own is measured as of its own day; the others as of the episode's.
    parts = [
        evaluate(ctx, part, base.child(part.id or "", part.statement, part.kind, part.date))
        for part in claim.definition.parts
    ]
    grades = [p.grade for p in parts]
    grade, reason = grading.combine(grades)
    used: dict[str, dict[str, str | None]] = {}
    for part in parts:
        used.update({k: dict(v) for k, v in part.data.items()})
    return base.result(
        claim,
        grade=grade,
        evidence=grading.combine_evidence([p.evidence for p in parts], grades),
        reason=reason,
        headline="; ".join(f"{p.id.split('.')[-1]}: {p.headline} [{p.grade}]" for p in parts),
        measured={},
        n=len(parts),
        data_as_of=parts[0].data_as_of if parts else None,
        data=used,
        parts=tuple(parts),
    )


# -- dispatch -----------------------------------------------------------------------------------


_KINDS: dict[type, Callable[..., ClaimResult]] = {
    MeasureClaim: measure.check,
    HistoryClaim: history.check,
    LeadLagClaim: leadlag.check,
    ConditionalClaim: conditional.check,
    OrderClaim: order.check,
    ForecastClaim: forecast.check,
    DirectionClaim: direction.check,
    NeedsDataClaim: _needs_data,
    EpisodeClaim: _episode,
}


#: Kinds whose result does not depend on the run's resamples or seed (no resampled study).
_UNRESAMPLED = (MeasureClaim, OrderClaim, ForecastClaim, DirectionClaim)


def evaluate(ctx: Context, claim: Claim, base: Base | None = None) -> ClaimResult:
    """Check one claim; a claim that cannot be measured gets ``data missing`` and the reason.

    A claim (or a part of one) is checked once per context for its definition and identity:
    a robustness reading that changes one part of an episode re-checks that part only, and
    reuses the others (the result is a function of the definition, the identity, the context's
    day and, for resampled studies, its resamples and seed).
    """
    if base is None:
        assert claim.id is not None and claim.source is not None and claim.date is not None
        base = Base(claim.id, claim.source, claim.date)
    resampling = None if isinstance(claim, _UNRESAMPLED) else (ctx.reps, ctx.seed)
    key = ("evaluated", type(claim).__name__, claim.model_dump_json(), base, resampling)
    found = ctx.shared.get(key)
    if found is None:
        found = ctx.shared[key] = _evaluate(ctx, claim, base)
    return cast(ClaimResult, found)


def _evaluate(ctx: Context, claim: Claim, base: Base) -> ClaimResult:
    try:
        result = _KINDS[type(claim)](ctx, claim, base)
        if ctx.as_of < pd.Timestamp(base.date) and claim.kind != "forecast":
            # Asked to stand before the claim was made: say that only earlier data were read.
            note = f"only data to {ctx.as_of.date()} were visible, before the claim's date {base.date}"
            result = replace(result, reason=f"{result.reason} ({note})")
        return result
    except (DataMissing, DataError) as missing:
        reason = " ".join(str(missing).split())
    except (ValueError, KeyError) as refused:
        # A definition the machinery refuses (a parameter out of range, a column it lacks):
        # this claim cannot be measured as written; the others still run.
        reason = f"could not be measured as defined: {' '.join(str(refused).split())}"
    return base.result(
        claim,
        grade="data missing",
        evidence="none",
        reason=reason,
        headline="not measured",
        data_as_of=ctx.view(base.date).as_of.date(),
    )


#: Resamples per study in a robustness reading (the claim itself keeps its own count).
ROBUSTNESS_REPS = 300


def run(
    store: Store,
    claims: Iterable[Claim],
    *,
    as_of: Any = None,
    seed: int = SEED,
    reps: int | None = None,
    robustness: bool = False,
) -> list[ClaimResult]:
    """Check ``claims`` on what the store knew on ``as_of`` (default: the store's last common day).


    With ``robustness``, each claim is also re-run under its neighbouring readings
    (:mod:`~riskcurve.stats.claims.robustness`) on the same context, with at most
    :data:`ROBUSTNESS_REPS` resamples per study, and its result carries the assessment.

    Raises
    ------
    UnknownSymbolError
        A claim names a symbol no store, catalogue or derived series knows (nothing is run).
    """
    from riskcurve.signals.regime import default_as_of
    from riskcurve.stats.claims.symbols import check_symbols

    chosen = list(claims)
    check_symbols(chosen, store)
    day = pd.Timestamp(as_of).normalize() if as_of is not None else default_as_of(store)[0]
    ctx = Context(store, day, seed=seed, reps=reps)
    results = [evaluate(ctx, claim) for claim in chosen]
    if not robustness:
        return results
    from riskcurve.stats.claims.robustness import check_robustness

    light = replace(ctx, reps=min(reps or ROBUSTNESS_REPS, ROBUSTNESS_REPS))
    return [
        replace(
            result,
            robustness=check_robustness(lambda c: evaluate(light, c).grade, claim, result.grade).to_dict(),
        )
        for claim, result in zip(chosen, results, strict=True)
    ]
