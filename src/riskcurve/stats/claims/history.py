"""The ``history`` kind: an event study (:class:`~riskcurve.stats.event_study.EventStudy`) of what followed events."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from riskcurve import numbers
from riskcurve.stats.claims import grading
from riskcurve.stats.claims.base import Base, quiet, window_bounds
from riskcurve.stats.claims.context import Context, Reader
from riskcurve.stats.claims.family import family_grade, insufficient
from riskcurve.stats.claims.language import (
    HistoryClaim,
)
from riskcurve.stats.claims.result import ClaimResult, fmt
from riskcurve.stats.claims.states import event_days

if TYPE_CHECKING:
    from riskcurve.data.panel import MarketData


def check(ctx: Context, claim: HistoryClaim, base: Base) -> ClaimResult:
    """Grade a ``history`` claim as of its date, and again on all the data to the as-of day.

    The grade is the claim's, as of its date. When later data are visible, the same study is
    run on everything to the as-of day (a window given in the claim is kept; a window left open
    runs to the as-of day) and shown beside it as the part ``now``: its grade, its numbers and
    the events added since the claim was made.
    """
    then = _graded(ctx, claim, base, ctx.view(base.date), base.date)
    latest = ctx.view(None)
    if latest.as_of.normalize() <= pd.Timestamp(base.date):
        return then
    now = _graded(
        ctx,
        claim,
        base.child("now", f"{claim.statement} (on all data to {latest.as_of.date()})", "history"),
        latest,
        latest.as_of.date(),
    )
    before = set(then.measured.get("events", []))
    added = [day for day in now.measured.get("events", []) if day not in before]
    since = (
        f"{len(added)} event(s) since the claim ({', '.join(added[:5])}{', ...' if len(added) > 5 else ''})"
        if added
        else "no event since the claim"
    )
    changed = (
        "the grade is unchanged" if now.grade == then.grade else f"the grade moves from {then.grade} to {now.grade}"
    )
    now = replace(now, reason=f"{now.reason}; {since}; {changed}", definition={})
    return replace(
        then,
        measured={**then.measured, "now": {"grade": now.grade, "events_added": added, "headline": now.headline}},
        parts=(now,),
    )


def _graded(ctx: Context, claim: HistoryClaim, base: Base, data: MarketData, day: dt.date) -> ClaimResult:
    """The event study of ``claim`` on ``data``, with open windows ending on ``day``."""
    from riskcurve.stats.event_study import EventStudy

    reader = Reader(ctx, data)
    definition = claim.definition
    events = event_days(ctx, reader, definition.events)
    start, end = window_bounds(definition.window, day)
    events = events[(events <= end) & ((events >= start) if start is not None else True)]
    rows, notes, per_event, verdicts = [], [], {}, {}
    for target in definition.targets:
        close = reader.series(target)
        # A reading that changes only how the study is graded (the claimed effect, say) reuses it.
        key = (
            "history",
            data.as_of,
            tuple(events),
            target,
            tuple(definition.horizons),
            definition.returns,
            ctx.reps or definition.reps,
            ctx.seed,
            definition.min_spacing,
            claim.id or "events",
            len(definition.targets) * len(definition.horizons),
        )
        if key not in ctx.shared:
            study = EventStudy(
                events,
                close,
                horizons=tuple(definition.horizons),
                kind=definition.returns,
                reps=ctx.reps or definition.reps,
                seed=ctx.seed,
                min_spacing=definition.min_spacing,
                name=claim.id or "events",
                family=len(definition.targets) * len(definition.horizons),  # Holm runs over all of them
            )
            ctx.shared[key] = quiet(study.run)
        result, said = ctx.shared[key]
        notes.extend(said)
        verdicts[target] = result.verdict
        for h, row in result.to_frame().iterrows():
            rows.append(
                {
                    "target": target,
                    "horizon": int(cast(Any, h)),
                    "n": int(row["n"]),
                    "mean": row["mean"],
                    "median": row["median"],
                    "share_positive": row["hit_rate"],
                    "baseline_mean": row["baseline_mean"],
                    "baseline_median": row["baseline_median"],
                    "baseline_share_positive": row["baseline_hit_rate"],
                    "difference": row["difference"],
                    "ci_low": row["ci_low"],
                    "ci_high": row["ci_high"],
                    "p": row["p_two_sided"],
                    "mde": row["mde"],
                }
            )
        returns = result.event_returns()
        measured_events = returns[returns["status"] == "ok"]
        per_event[target] = {
            pd.Timestamp(cast(Any, day)).date().isoformat(): {
                f"return_{h}": row.get(f"return_{h}") for h in definition.horizons
            }
            for day, row in measured_events.iterrows()
        }
    table = pd.DataFrame(rows)
    n = int(table["n"].max()) if len(table) else 0
    grade, reason, p, p_raw, mde = family_grade(table, claim.expects, n=n)
    if claim.expects.evidence == "insufficient":
        grade, reason = insufficient(grade, reason)
    evidence = grading.evidence_for_test(grade, n, p) if claim.expects.evidence is None else "none"
    if claim.expects.evidence is not None and n >= grading.MIN_OBS:
        evidence = grading.evidence_for_test("not supported" if grade == "consistent" else "consistent", n, p)
    best = table.iloc[int(np.argmin(table["p"].fillna(np.inf).to_numpy()))] if table["p"].notna().any() else None
    kind = "log return" if definition.returns == "log" else "return"
    headline = f"{len(events)} events, up to {n} with a full horizon ({kind}s)" + (
        f"; best {best['target']} {best['horizon']}: after events mean {fmt(best['mean'], 'percent')}, "
        f"median {fmt(best['median'], 'percent')}, {fmt(best['share_positive'], 'share')} positive; "
        f"any day mean {fmt(best['baseline_mean'], 'percent')}, median {fmt(best['baseline_median'], 'percent')}, "
        f"{fmt(best['baseline_share_positive'], 'share')} positive; "
        f"difference of means {fmt(best['difference'], 'percent')} ({kind}), adjusted {numbers.p_equals(p)}"
        if best is not None and p is not None
        else ""
    )
    if mde is not None:
        headline += f"; MDE {fmt(mde, 'percent').lstrip('+')}" + (
            f" vs claimed {fmt(claim.expects.effect, 'percent').lstrip('+')}" if claim.expects.effect else ""
        )
    return base.result(
        claim,
        grade=grade,
        evidence=evidence,
        reason=reason,
        headline=headline,
        measured={
            "events": [d.date().isoformat() for d in events],
            "tests": table.to_dict("records"),
            "event_returns": per_event,
            "verdicts": verdicts,
            "warnings": sorted(set(notes)),
        },
        n=n,
        p=p,
        p_raw=p_raw,
        family=int(table["p"].notna().sum()),
        mde=mde,
        effect=claim.expects.effect,
        data_as_of=data.as_of.date(),
        data=reader.used,
    )
