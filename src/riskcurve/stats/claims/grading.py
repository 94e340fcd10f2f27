"""One grade scale for every kind of claim, and how strong the evidence behind a grade is.

Grades
------
``consistent``
    The data show what the claim says: a figure within its tolerance, or a test significant
    (after adjustment over the family tested) in the claimed direction.
``partly consistent``
    Some parts of a composite claim are consistent and others are not.
``not supported``
    A test had the power to see the claimed effect (its minimum detectable effect at 80%
    power is no larger than the effect claimed) and did not see it.
``inconclusive``
    The test could not have seen the claimed effect: the minimum detectable effect exceeds it,
    or the claim states no effect size to judge power against.
``too few observations``
    Fewer observations than any conclusion needs (fewer than five events, for instance).
``contradicted``
    The data show otherwise: a figure outside its tolerance (a reading of the data, not an
    estimate), or a test significant in the opposite direction.
``before the data``
    The claim reaches back before the data start; what can be measured is shown.
``data missing``
    A series is not in the store (the reason says which, and how to import it), or the
    statistic the claim needs is not available.
``pending``
    A forecast whose window has not closed on the day the check stands on.

Evidence
--------
Evidence comes from the number of observations, the p-value after adjustment over the family
tested and the power against the claimed effect; never from how precisely a descriptive figure
is measured:

``descriptive``
    A figure read off the data: no sampling question is asked, so no strength is claimed.
``strong``
    Significant at 1% after adjustment with at least 20 observations.
``moderate``
    Significant at 5% after adjustment with at least five; or, for ``not supported``, a
    powered null with at least 20 observations.
``weak``
    A powered null with fewer than 20 observations.
``none``
    Inconclusive, too few observations, or nothing measured.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, cast

from riskcurve import numbers

if TYPE_CHECKING:
    from riskcurve.stats.claims.language import Expects

Grade: TypeAlias = Literal[
    "consistent",
    "partly consistent",
    "not supported",
    "inconclusive",
    "too few observations",
    "contradicted",
    "before the data",
    "data missing",
    "pending",
]
GRADES: tuple[str, ...] = (
    "consistent",
    "partly consistent",
    "not supported",
    "inconclusive",
    "too few observations",
    "contradicted",
    "before the data",
    "data missing",
    "pending",
)
Evidence: TypeAlias = Literal["strong", "moderate", "weak", "none", "descriptive"]
EVIDENCE: tuple[str, ...] = ("strong", "moderate", "weak", "none", "descriptive")

#: Test level after adjustment.
ALPHA = 0.05
#: Fewer observations than this: "too few observations", whatever the p-value.
MIN_OBS = 5
#: Observations from which a significant result, or a powered null, counts as strong / moderate.
LARGE_N = 20

#: Grades that say something about the claim (the others say why nothing can be said).
DECIDED: frozenset[str] = frozenset({"consistent", "partly consistent", "not supported", "contradicted"})


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def evidence_for_test(grade: str, n: int, p_adjusted: float | None) -> Evidence:
    """Evidence behind a test's grade, from ``n``, the adjusted p-value and the grade (power)."""
    if grade in ("consistent", "contradicted") and _finite(p_adjusted) and n >= MIN_OBS:
        assert p_adjusted is not None
        if p_adjusted < 0.01 and n >= LARGE_N:
            return "strong"
        if p_adjusted < ALPHA:
            return "moderate"
    if grade == "not supported":
        return "moderate" if n >= LARGE_N else "weak"
    return "none"


def grade_test(
    *,
    n: int,
    significant: bool,
    sign: int,
    claimed_sign: int,
    mde: float | None,
    effect: float | None,
    min_obs: int = MIN_OBS,
) -> tuple[Grade, str]:
    """Grade one test of a directional claim.

    Parameters
    ----------
    n
        Observations behind the test (events, onsets, turning points).
    significant
        Whether the test rejects "no effect" after adjustment over its family.
    sign
        Sign of the measured effect (+1, -1, 0).
    claimed_sign
        Sign the claim expects.
    mde
        Minimum detectable effect of the test at 80% power (same units as ``effect``).
    effect
        The size of the claimed effect, or ``None`` if the claim states none.
    min_obs
        Fewer observations: ``too few observations``.

    Returns
    -------
    tuple
        The grade and the reason in words.
    """
    if n < min_obs:
        return "too few observations", f"{n} observation(s), fewer than the {min_obs} any conclusion needs"
    if significant and sign == claimed_sign:
        return "consistent", "significant in the claimed direction after adjustment"
    if significant and sign == -claimed_sign:
        return "contradicted", "significant in the opposite direction after adjustment"
    if effect is None:
        return "inconclusive", "not significant, and the claim states no effect size to judge the test's power against"
    if not _finite(mde):
        return "inconclusive", "not significant; the test's minimum detectable effect is unknown"
    assert mde is not None
    if mde <= effect:
        return "not supported", (
            f"not significant although the test could detect {numbers.significant(mde, 3)} (80% power), "
            f"no more than the claimed {numbers.significant(effect, 3)}"
        )
    return (
        "inconclusive",
        f"not significant, but the smallest reliably detectable effect {numbers.significant(mde, 3)} "
        f"exceeds the claimed {numbers.significant(effect, 3)}",
    )


def combine(grades: Sequence[str]) -> tuple[Grade, str]:
    """The grade of a composite claim from its parts' grades (each part is shown too)."""
    if not grades:
        return "data missing", "no part could be measured"
    decided = [g for g in grades if g in DECIDED]
    undecided = [g for g in grades if g not in DECIDED]
    tail = f"; {len(undecided)} part(s) undecided ({', '.join(sorted(set(undecided)))})" if undecided else ""
    if "pending" in grades and not decided:
        return "pending", "the window of a part has not closed"
    if decided:
        good = sum(g == "consistent" for g in decided) + 0.5 * sum(g == "partly consistent" for g in decided)
        if good == len(decided) and not undecided:
            return "consistent", f"all {len(decided)} parts consistent"
        if good > 0:
            parts = numbers.significant(good, 3)
            return "partly consistent", f"{parts} of {len(decided)} decided parts consistent{tail}"
        if "contradicted" in decided:
            return "contradicted", f"{decided.count('contradicted')} of {len(decided)} decided parts contradicted{tail}"
        return "not supported", f"no decided part consistent{tail}"
    for grade in ("before the data", "too few observations", "inconclusive", "data missing"):
        if grade in grades:
            return cast(Grade, grade), f"no part could be decided ({', '.join(sorted(set(grades)))})"
    return "data missing", "no part could be measured"


def combine_evidence(evidence: Sequence[str], grades: Sequence[str]) -> Evidence:
    """A composite's evidence: that of its weakest decided test part, else descriptive/none."""
    order = ("none", "weak", "moderate", "strong")
    decided = [e for e, g in zip(evidence, grades, strict=True) if g in DECIDED]
    tests = [e for e in decided if e in order]
    if tests:
        return cast(Evidence, min(tests, key=order.index))
    if decided:
        return "descriptive"
    return "none"


def check_expectation(value: Any, expects: Expects) -> bool | None:
    """Whether a measured figure meets the claim's expectation (``None``: nothing measured)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    checks: list[bool] = []
    if expects.within is not None:
        day = dt.date.fromisoformat(str(value)[:10])
        checks.append(any(low <= day <= high for low, high in expects.within))
    if expects.equals is not None:
        if isinstance(expects.equals, bool):
            checks.append(bool(value) is expects.equals)
        else:
            checks.append(str(value).upper() == expects.equals.upper())
    if expects.value is not None:
        tolerance = (
            expects.tolerance
            if expects.tolerance is not None
            else abs(expects.value) * float(expects.rel_tolerance or 0)
        )
        checks.append(abs(float(value) - expects.value) <= tolerance + 1e-12)
    if expects.at_least is not None:
        checks.append(float(value) >= expects.at_least)
    if expects.at_most is not None:
        checks.append(float(value) <= expects.at_most)
    return all(checks)
