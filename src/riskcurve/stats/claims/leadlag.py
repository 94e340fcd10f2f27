"""The ``lead-lag`` kind: which of two series leads (:func:`~riskcurve.stats.leadlag.leadlag`)."""

from __future__ import annotations

import math

from riskcurve import numbers
from riskcurve.stats.claims import grading
from riskcurve.stats.claims.base import Base, quiet
from riskcurve.stats.claims.context import Context, Reader
from riskcurve.stats.claims.grading import Evidence, Grade
from riskcurve.stats.claims.language import (
    LeadLagClaim,
)
from riskcurve.stats.claims.result import ClaimResult, jsonable


def check(ctx: Context, claim: LeadLagClaim, base: Base) -> ClaimResult:
    """Grade a ``lead-lag`` claim: which series leads, and by how many bars."""
    from riskcurve.stats.leadlag import detectable_correlation, leadlag

    data = ctx.view(base.date)
    reader = Reader(ctx, data)
    definition = claim.definition
    for symbol in (definition.lead, definition.lag):
        reader.series(symbol)
    key = (
        "lead-lag",
        data.as_of,
        definition.lead,
        definition.lag,
        definition.freq,
        definition.max_lag,
        definition.start,
        ctx.reps or definition.reps,
        ctx.seed,
    )
    if key not in ctx.shared:
        ctx.shared[key] = quiet(
            lambda: leadlag(
                data,
                definition.lead,
                definition.lag,
                freq=definition.freq,
                max_lag=definition.max_lag,
                start=definition.start,
                reps=ctx.reps or definition.reps,
                seed=ctx.seed,
            )
        )
    result, notes = ctx.shared[key]
    expects = claim.expects
    verdict = result.verdict
    lags = expects.lags or (1, result.max_lag)
    claimed = (expects.leader or expects.not_leader or "").upper()
    mde = detectable_correlation(result.ccf, lags if claimed == result.lead else (-lags[1], -lags[0]))
    peak_p = float(result.peak.p_holm)
    if verdict.leader is not None and expects.leader is not None:
        if verdict.leader == claimed:
            inside = verdict.lead_bars is not None and lags[0] <= verdict.lead_bars <= lags[1]
            grade: Grade = "consistent" if inside else "partly consistent"
            reason = f"{verdict.leader} leads by {verdict.lead_bars} {result.unit}(s)" + (
                "" if inside else f", outside the claimed {lags[0]}-{lags[1]}"
            )
        else:
            grade, reason = "contradicted", f"{verdict.leader} leads, not {claimed}"
    elif verdict.leader is not None:
        grade, reason = (
            ("contradicted", f"{claimed} leads by {verdict.lead_bars} {result.unit}(s)")
            if verdict.leader == claimed
            else ("consistent", f"{verdict.leader} leads; {claimed} does not")
        )
    else:
        effect = expects.effect
        if effect is not None and math.isfinite(mde) and mde <= effect:
            grade = "not supported" if expects.leader is not None else "consistent"
            reason = (
                f"no lead found although the scan could detect a correlation of {numbers.score(mde, 2)} "
                f"(claimed {numbers.score(effect, 2)})"
            )
        else:
            grade = "inconclusive"
            reason = f"no lead found; the smallest reliably detectable correlation {numbers.score(mde, 2)} " + (
                f"exceeds the claimed {numbers.score(effect, 2)}"
                if effect is not None
                else "cannot be set against a claimed size"
            )
    strength: Evidence = "none"
    if verdict.evidence in ("strong", "moderate", "weak"):
        strength = verdict.evidence
    evidence: Evidence = (
        strength
        if grade in ("consistent", "partly consistent", "contradicted") and verdict.leader
        else grading.evidence_for_test(grade, result.n_obs, None)
    )
    headline = (
        f"{result.n_obs} {result.freq} returns {result.start.date()}..{result.end.date()}; "
        f"leader: {verdict.leader or 'none'}"
        + (f" by {verdict.lead_bars}" if verdict.lead_bars else "")
        + f" ({verdict.evidence}); peak k={result.peak.k:+d} corr {numbers.score(result.peak.corr, 2, signed=True)}, "
        f"Holm {numbers.p_equals(peak_p)}; detectable corr {numbers.score(mde, 2)}"
    )
    return base.result(
        claim,
        grade=grade,
        evidence=evidence,
        reason=reason,
        headline=headline,
        measured={
            "verdict": verdict.to_dict(),
            "peak": result.peak.to_dict(),
            "granger": jsonable(result.granger.reset_index().to_dict("records")),
            "warnings": notes,
        },
        n=result.n_obs,
        p=peak_p,
        p_raw=float(result.peak.p),
        family=len(result.ccf),
        mde=mde if math.isfinite(mde) else None,
        effect=expects.effect,
        data_as_of=data.as_of.date(),
        data=reader.used,
    )
