"""The ``order`` kind: which comes first, tested as a share with an exact binomial test."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from riskcurve import numbers
from riskcurve.stats.claims import grading
from riskcurve.stats.claims.base import Base
from riskcurve.stats.claims.context import Context, Reader
from riskcurve.stats.claims.language import (
    OrderClaim,
)
from riskcurve.stats.claims.result import ClaimResult, DataMissing, fmt, jsonable

if TYPE_CHECKING:
    from riskcurve.stats.proportion import BinomialTest


def _binomial(ctx: Context, k: int, n: int, share: float) -> BinomialTest:
    """The exact binomial test of ``k`` of ``n`` against ``share``, run once per run and arguments."""
    from riskcurve.stats.proportion import binomial_test

    key = ("binomial", k, n, share)
    if key not in ctx.shared:
        ctx.shared[key] = binomial_test(k, n, share)
    return cast("BinomialTest", ctx.shared[key])


def check(ctx: Context, claim: OrderClaim, base: Base) -> ClaimResult:
    """Grade an ``order`` claim: which comes first, as a share against its base rate."""
    from riskcurve.stats.multiple_testing import adjust
    from riskcurve.stats.proportion import detectable_share

    data = ctx.view(base.date)
    reader = Reader(ctx, data)
    definition, expects = claim.definition, claim.expects
    effect = expects.effect
    if definition.method == "turning-points":
        from riskcurve.signals import divergence

        first = (expects.first or "").upper()
        lead = reader.series(first)
        lead_days: list[np.ndarray] = []
        for other in definition.others:
            # Shared by the readings of the claim that leave its day, series and threshold alone.
            key = ("early-warning", data.as_of, first, other.upper(), definition.threshold)
            found = reader.series(other)
            if key not in ctx.shared:
                ctx.shared[key] = divergence.early_warning(lead, found, threshold=definition.threshold)
            lead_days.append(ctx.shared[key]["lead_days"].to_numpy(dtype=float))
        # The matched turning points' leads, however many each pair has (none, early in the data).
        leads = pd.Series(np.concatenate(lead_days) if lead_days else np.array([]), dtype=float).dropna()
        ahead, behind = int((leads > 0).sum()), int((leads < 0).sum())
        test = _binomial(ctx, ahead, ahead + behind, 0.5)
        sign = int(np.sign(test.share - 0.5)) if test.n else 0
        grade, reason = grading.grade_test(
            n=test.n,
            significant=bool(test.n and test.p < grading.ALPHA),
            sign=sign,
            claimed_sign=1,
            mde=test.mde if math.isfinite(test.mde) else None,
            effect=effect,
        )
        headline = (
            f"{first} first at {ahead} of {ahead + behind} matched turning points "
            f"(same day {int((leads == 0).sum())}); {numbers.p_equals(test.p)}; detectable share above a coin flip "
            f"{numbers.points(test.mde, 0)}"
        )
        return base.result(
            claim,
            grade=grade,
            evidence=grading.evidence_for_test(grade, test.n, test.p),
            reason=reason,
            headline=headline,
            measured={"test": test.to_dict(), "lead_days": [float(v) for v in leads]},
            n=test.n,
            p=test.p,
            p_raw=test.p,
            family=1,
            mde=test.mde if math.isfinite(test.mde) else None,
            effect=effect,
            data_as_of=data.as_of.date(),
            data=reader.used,
        )
    from riskcurve.signals.events import onsets

    reader.signal_column("cascade", None, {}, "stage")
    frame = ctx.signal(data, "cascade", None, {})
    links = list(expects.order or [])
    missing = [link for link in links if link not in frame.columns]
    if missing:
        raise DataMissing(f"the cascade has no link {missing[0]!r}; its links are bonds_credit .. eth_alts")
    rows = []
    for earlier, later in zip(links[:-1], links[1:], strict=True):
        known = frame[[earlier, later]].dropna().astype(bool)
        lit = onsets(known[later], cooldown=definition.cooldown)
        already = int(known.loc[lit, earlier].sum())
        rate = float(known[earlier].mean())
        share = min(max(rate, 1e-6), 1 - 1e-6)
        test = _binomial(ctx, already, len(lit), share)
        # Graded after Holm over the pairs: the MDE is stated at its first step.
        mde = detectable_share(len(lit), share, grading.ALPHA / (len(links) - 1))
        rows.append({"earlier": earlier, "later": later, **test.to_dict(), "mde": mde if math.isfinite(mde) else None})
    table = pd.DataFrame(rows)
    table["p_adjusted"] = adjust(table["p"].astype(float), methods=("holm",))["p_holm"].to_numpy()
    parts = []
    for row in (SimpleNamespace(**{str(k): v for k, v in record.items()}) for record in table.to_dict("records")):
        share = float(row.share) if row.share is not None else math.nan
        sign = int(np.sign(share - row.base)) if math.isfinite(share) else 0
        grade, reason = grading.grade_test(
            n=int(row.n),
            significant=bool(row.p_adjusted < grading.ALPHA),
            sign=sign,
            claimed_sign=1,
            mde=row.mde,
            effect=effect,
        )
        part_claim = f"{row.later} lights after {row.earlier}"
        parts.append(
            base.child(f"{row.earlier}>{row.later}", part_claim, "order").result(
                claim,
                grade=grade,
                evidence=grading.evidence_for_test(grade, int(row.n), row.p_adjusted),
                reason=reason,
                headline=f"{row.k}/{row.n} onsets of {row.later} with {row.earlier} already lit "
                f"({fmt(share, 'percent').lstrip('+')} vs base {fmt(row.base, 'percent').lstrip('+')}); "
                f"Holm {numbers.p_equals(row.p_adjusted)}",
                definition={},
                measured={k: getattr(row, k) for k in ("k", "n", "share", "base", "p", "p_adjusted", "mde")},
                n=int(row.n),
                p=row.p_adjusted,
                p_raw=row.p,
                family=len(table),
                mde=row.mde,
                effect=effect,
                data_as_of=data.as_of.date(),
            )
        )
    grade, reason = grading.combine([p.grade for p in parts])
    return base.result(
        claim,
        grade=grade,
        evidence=grading.combine_evidence([p.evidence for p in parts], [p.grade for p in parts]),
        reason=reason,
        headline="; ".join(f"{p.id.split('.')[-1]}: {p.grade}" for p in parts),
        measured={"pairs": jsonable(table.to_dict("records"))},
        n=int(table["n"].sum()),
        p=float(table["p_adjusted"].max()),
        family=len(table),
        data_as_of=data.as_of.date(),
        data=reader.used,
        parts=tuple(parts),
    )
