"""Grading a family of tests: Holm-adjusted p-values, the claimed sign, and the smallest detectable effect."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskcurve import numbers
from riskcurve.stats.claims import grading
from riskcurve.stats.claims.grading import Grade
from riskcurve.stats.claims.language import Expects


def family_grade(
    rows: pd.DataFrame, expects: Expects, *, n: int
) -> tuple[Grade, str, float | None, float | None, float | None]:
    """Grade a family of (target, horizon) tests: rows with difference, ci_low/high, p, mde."""
    from riskcurve.stats.multiple_testing import adjust

    tested = rows[rows["p"].notna()]
    if tested.empty:
        grade, reason = grading.grade_test(
            n=0, significant=False, sign=0, claimed_sign=1, mde=None, effect=expects.effect
        )
        return grade, reason, None, None, None
    rows = rows.copy()
    rows["p_adjusted"] = adjust(rows["p"], methods=("holm",))["p_holm"].to_numpy()
    claimed = -1 if expects.direction == "below" else 1
    significant = rows[(rows["p_adjusted"] < grading.ALPHA) & ((rows["ci_low"] > 0) | (rows["ci_high"] < 0))]
    signs = {1 if low > 0 else -1 for low in significant["ci_low"]}
    sign = claimed if claimed in signs else (-claimed if signs else 0)
    mde = float(rows["mde"].min()) if rows["mde"].notna().any() else None
    grade, reason = grading.grade_test(
        n=n, significant=bool(len(significant)), sign=sign, claimed_sign=claimed, mde=mde, effect=expects.effect
    )
    if grade == "not supported" and expects.effect is not None:
        # The powered test found nothing, but another of the family measured an effect as large as
        # claimed, in the claimed direction, that its own test could not decide: the evidence
        # does not speak against the claim there, so the family cannot either.
        as_claimed = rows[rows["p"].notna() & (claimed * rows["difference"] >= expects.effect)]
        if len(as_claimed):
            row = as_claimed.iloc[int(np.argmin(as_claimed["p_adjusted"].to_numpy()))]
            where = f" for {row['target']}" if "target" in rows.columns else ""
            reason = (
                f"not significant; at horizon {int(row['horizon'])}{where} the difference "
                f"{numbers.significant(float(row['difference']), 3)} is as large as the claimed "
                f"{numbers.significant(claimed * expects.effect, 3)} but its test cannot decide "
                f"(adjusted p {numbers.p_value(float(row['p_adjusted']))}, MDE "
                f"{numbers.significant(float(row['mde']), 3)}), though another test of the family could "
                f"detect {numbers.significant(mde, 3)} and found less"
            )
            grade = "inconclusive"
    best = rows.iloc[int(np.argmin(rows["p_adjusted"].fillna(np.inf).to_numpy()))]
    return grade, reason, float(best["p_adjusted"]), float(best["p"]), mde


def insufficient(grade: Grade, reason: str) -> tuple[Grade, str]:
    """A claim that the history cannot decide: consistent unless a test is significant."""
    if grade in ("inconclusive", "too few observations", "not supported"):
        return "consistent", f"as claimed, the history does not establish an effect ({reason})"
    return "contradicted", f"the history does show a significant effect ({reason})"
