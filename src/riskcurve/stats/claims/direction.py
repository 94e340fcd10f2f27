"""The ``direction`` kind: "higher h later", the share of events followed by a rise against any day's."""

from __future__ import annotations

import math

import pandas as pd

from riskcurve import numbers
from riskcurve.stats.claims import grading
from riskcurve.stats.claims.base import Base, window_bounds
from riskcurve.stats.claims.context import Context, Reader
from riskcurve.stats.claims.language import DirectionClaim
from riskcurve.stats.claims.result import ClaimResult, fmt
from riskcurve.stats.claims.states import event_days


def check(ctx: Context, claim: DirectionClaim, base: Base) -> ClaimResult:
    """Grade a ``direction`` claim: an exact test of the share of rises after events against the base rate."""
    from riskcurve.stats.direction import direction_test

    data = ctx.view(base.date)
    reader = Reader(ctx, data)
    definition = claim.definition
    events = event_days(ctx, reader, definition.events)
    start, end = window_bounds(definition.window, base.date)
    events = events[(events <= end) & ((events >= start) if start is not None else True)]
    target = reader.series(definition.target)
    rows = direction_test(pd.DatetimeIndex(events), target, definition.horizons, min_spacing=definition.min_spacing)
    claimed = -1 if claim.expects.direction == "below" else 1
    tested = [r for r in rows if math.isfinite(r.p_holm)]
    significant = [r for r in tested if r.p_holm < grading.ALPHA]
    signs = {1 if r.share > r.base else -1 for r in significant}
    sign = claimed if claimed in signs else (-claimed if signs else 0)
    n = max((r.n for r in rows), default=0)
    mdes = [r.mde for r in rows if math.isfinite(r.mde)]
    mde = min(mdes) if mdes else None
    grade, reason = grading.grade_test(
        n=n, significant=bool(significant), sign=sign, claimed_sign=claimed, mde=mde, effect=claim.expects.effect
    )
    best = min(tested, key=lambda r: r.p_holm) if tested else None
    p = best.p_holm if best is not None else None
    name = definition.target.upper()
    headline = f"{len(events)} events; " + "; ".join(
        f"{r.horizon} obs: {name} higher after {r.k} of {r.n} events ({fmt(r.share, 'share')}) "
        f"vs {fmt(r.base, 'share')} of all days; return mean {fmt(r.mean, 'percent')}, "
        f"median {fmt(r.median, 'percent')} (any day {fmt(r.base_mean, 'percent')}, "
        f"{fmt(r.base_median, 'percent')}); Holm {numbers.p_equals(r.p_holm)}"
        for r in rows
    )
    if mde is not None:
        headline += f"; detectable share above the base {numbers.points(mde, 0)}"
    return base.result(
        claim,
        grade=grade,
        evidence=grading.evidence_for_test(grade, n, p),
        reason=reason,
        headline=headline,
        measured={
            "events": [d.date().isoformat() for d in events],
            "returns": "simple",
            "tests": [r.to_dict() for r in rows],
        },
        n=n,
        p=p,
        p_raw=best.p if best is not None else None,
        family=len(tested),
        mde=mde,
        effect=claim.expects.effect,
        data_as_of=data.as_of.date(),
        data=reader.used,
    )
