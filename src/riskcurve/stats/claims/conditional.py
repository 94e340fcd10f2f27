"""The ``conditional`` kind: the target's forward moves while a state holds against while it does not."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskcurve.stats.claims import grading
from riskcurve.stats.claims.base import Base, quiet
from riskcurve.stats.claims.context import Context, Reader
from riskcurve.stats.claims.family import family_grade
from riskcurve.stats.claims.language import (
    ConditionalClaim,
    State,
)
from riskcurve.stats.claims.result import ClaimResult, fmt, jsonable


def _state(ctx: Context, reader: Reader, state: State, days: pd.DatetimeIndex) -> pd.Series:
    """A true/false state by day (NaN where unknown), as known on each day."""
    if state.signal is not None:
        values = reader.signal_column(state.signal, state.symbol, state.parameters, state.column or "")
        values = values.reindex(days)
    else:
        assert state.series is not None
        values = reader.on_days(state.series, days).astype(float)
        if state.change_days is not None:
            values = values - values.shift(state.change_days)
    known = values.notna()
    if state.equals is not None:
        flags = values == state.equals if isinstance(state.equals, str) else values.astype(bool) == state.equals
    elif state.above is not None:
        flags = values.astype(float) > state.above
    else:
        flags = values.astype(float) < float(state.below)  # type: ignore[arg-type]
    return flags.astype(float).where(known)


def check(ctx: Context, claim: ConditionalClaim, base: Base) -> ClaimResult:
    """Grade a ``conditional`` claim: the target's moves in the state against out of it."""
    from riskcurve.stats.conditional import ConditionalStudy

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
    state = _state(ctx, reader, definition.state, days)
    result, notes = quiet(
        lambda: ConditionalStudy(
            target=target,
            state=state,
            horizons=tuple(definition.horizons),
            reps=ctx.reps or definition.reps,
            seed=ctx.seed,
            kind=definition.returns,
            name=claim.id or "state",
        ).run()
    )
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
    headline = "; ".join(
        f"{int(r['horizon'])}: while in state {fmt(r['mean_in'], 'percent')} vs not {fmt(r['mean_out'], 'percent')}"
        for _, r in frame.iterrows()
    ) + (f"; adjusted p {p:.2f}" if p is not None else "")
    if mde is not None:
        headline += f"; MDE {fmt(mde, 'percent').lstrip('+')}"
    return base.result(
        claim,
        grade=grade,
        evidence=evidence,
        reason=reason,
        headline=headline,
        measured={"tests": jsonable(frame.to_dict("records")), "verdict": result.verdict, "warnings": notes},
        n=n,
        p=p,
        p_raw=p_raw,
        family=int(rows["p"].notna().sum()),
        mde=mde,
        effect=claim.expects.effect,
        data_as_of=data.as_of.date(),
        data=reader.used,
    )
