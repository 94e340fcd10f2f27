"""Grading a family of tests: Holm-adjusted p-values, the claimed sign, and the smallest detectable effect."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
    best = rows.iloc[int(np.argmin(rows["p_adjusted"].fillna(np.inf).to_numpy()))]
    return grade, reason, float(best["p_adjusted"]), float(best["p"]), mde


def insufficient(grade: Grade, reason: str) -> tuple[Grade, str]:
    """A claim that the history cannot decide: consistent unless a test is significant."""
    if grade in ("inconclusive", "too few observations", "not supported"):
        return "consistent", f"as claimed, the history does not establish an effect ({reason})"
    return "contradicted", f"the history does show a significant effect ({reason})"
