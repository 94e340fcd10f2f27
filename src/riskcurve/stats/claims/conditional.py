"""The ``conditional`` kind: the target's forward moves while a state holds against while it does not."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskcurve import numbers
from riskcurve.stats.claims import grading
from riskcurve.stats.claims.base import Base, quiet
from riskcurve.stats.claims.context import Context, Reader
from riskcurve.stats.claims.family import family_grade
from riskcurve.stats.claims.language import (
    ConditionalClaim,
)
from riskcurve.stats.claims.result import ClaimResult, fmt, jsonable
from riskcurve.stats.claims.states import described, state_by_day


def check(ctx: Context, claim: ConditionalClaim, base: Base) -> ClaimResult:
    """Grade a ``conditional`` claim: the target's moves in the state against out of it.

    ``timing: both`` grades the contemporaneous and the predictive reading as two parts and
    combines them; otherwise the one reading the claim states is graded.
    """
    data = ctx.view(base.date)
    reader = Reader(ctx, data)
    definition = claim.definition
    target = reader.series(definition.target)
    if definition.relative_to is not None:
        other = reader.series(definition.relative_to).reindex(target.index)
        target = (target / other).dropna().rename(f"{definition.target}/{definition.relative_to}")
    if definition.start is not None:
        target = target.loc[pd.Timestamp(definition.start) :]
    days = data.days(pd.Timestamp(target.index.min()).date().isoformat())
    state = state_by_day(reader, definition.state, days)
    if definition.timing != "both":
        return _reading(ctx, claim, base, target, state, definition.timing, reader, top=True)
    parts = tuple(
        _reading(
            ctx,
            claim,
            base.child(timing, f"{claim.statement} ({_WORDS[timing]})", "conditional"),
            target,
            state,
            timing,
            reader,
            top=False,
        )
        for timing in ("contemporaneous", "predictive")
    )
    grades = [p.grade for p in parts]
    grade, reason = grading.combine(grades)
    return base.result(
        claim,
        grade=grade,
        evidence=grading.combine_evidence([p.evidence for p in parts], grades),
        reason=reason,
        headline="; ".join(f"{p.headline} [{p.grade}]" for p in parts),
        measured={"readings": {p.id.split(".")[-1]: p.grade for p in parts}},
        n=max(p.n or 0 for p in parts),
        data_as_of=data.as_of.date(),
        data=reader.used,
        parts=parts,
    )


_WORDS = {
    "contemporaneous": "read as moving together: the move over the same span as the state",
    "predictive": "read as a forecast: the move after the state is known",
}


def _reading(
    ctx: Context,
    claim: ConditionalClaim,
    base: Base,
    target: pd.Series,
    state: pd.Series,
    timing: str,
    reader: Reader,
    *,
    top: bool,
) -> ClaimResult:
    """One reading (contemporaneous or predictive) of a conditional claim, graded."""
    from riskcurve.stats.conditional import ConditionalStudy

    definition = claim.definition
    data = ctx.view(base.date)
    key = (
        "conditional",
        data.as_of,
        str(target.name),
        definition.model_dump_json(exclude={"timing"}),
        timing,
        ctx.seed,
        ctx.reps,
    )
    cached = ctx.shared.get(key)
    if cached is None:
        cached = quiet(
            lambda: ConditionalStudy(
                target=target,
                state=state,
                horizons=tuple(definition.horizons),
                reps=ctx.reps or definition.reps,
                seed=ctx.seed,
                kind=definition.returns,
                name=claim.id or "state",
                timing=timing,
            ).run()
        )
        ctx.shared[key] = cached
    result, notes = cached
    frame = result.to_frame()
    frame = frame.reset_index() if "horizon" not in frame.columns else frame
    rows = pd.DataFrame(
        {
            "horizon": frame["horizon"],
            "n": np.minimum(frame["spells_in"], frame["spells_out"]),
            "difference": frame["difference"],
            "ci_low": frame["ci_low"],
            "ci_high": frame["ci_high"],
            "p": frame["p_two_sided"],
            "mde": frame["mde"],
        }
    )
    few = set(frame["verdict_code"]) <= {"no_events", "too_few_events"}
    n = int(rows["n"].max()) if len(rows) else 0
    grade, reason, p, p_raw, mde = family_grade(rows, claim.expects, n=0 if few else max(n, grading.MIN_OBS))
    evidence = grading.evidence_for_test(grade, n, p)
    span = "over the same span" if timing == "contemporaneous" else "after"
    kind = "log return" if definition.returns == "log" else "return"
    headline = (
        f"{timing}; state: {described(reader, definition.state)}; {kind}s; "
        + "; ".join(
            f"{int(r['horizon'])} {span}: in the state mean {fmt(r['mean_in'], 'percent')}, "
            f"median {fmt(r.get('median_in'), 'percent')}, {fmt(r.get('hit_in'), 'share')} positive; "
            f"out of it mean {fmt(r['mean_out'], 'percent')}, median {fmt(r.get('median_out'), 'percent')}, "
            f"{fmt(r.get('hit_out'), 'share')} positive"
            for _, r in frame.iterrows()
        )
        + (f"; adjusted {numbers.p_equals(p)}" if p is not None else "")
    )
    if mde is not None:
        headline += f"; MDE {fmt(mde, 'percent').lstrip('+')}"
    return base.result(
        claim,
        grade=grade,
        evidence=evidence,
        reason=f"{reason} ({_WORDS[timing]})",
        headline=headline,
        measured={
            "timing": timing,
            "state": described(reader, definition.state),
            "returns": definition.returns,
            "tests": jsonable(frame.to_dict("records")),
            "verdict": result.verdict,
            "warnings": notes,
        },
        n=n,
        p=p,
        p_raw=p_raw,
        family=int(rows["p"].notna().sum()),
        mde=mde,
        effect=claim.expects.effect,
        data_as_of=data.as_of.date(),
        data=reader.used if top else {},
        **({} if top else {"definition": {}}),
    )
