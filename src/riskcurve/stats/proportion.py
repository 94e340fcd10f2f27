"""An exact binomial test of a share against a base rate, with its minimum detectable share.

Used where a claim counts how often something happens ("Bitcoin turned first at 7 of 12
turning points"; "small caps lit after large caps at 9 of 11 onsets") and the question is
whether that share exceeds what chance (a coin flip, or the base rate of the earlier state)
would give. Counts are assumed independent (the callers de-cluster their events first).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

#: Power at which the minimum detectable share is stated.
POWER = 0.8


@dataclass(frozen=True)
class BinomialTest:
    """Outcome of :func:`binomial_test`.

    Attributes
    ----------
    k, n
        Successes and trials.
    share
        ``k / n`` (NaN when ``n == 0``).
    base
        The share under the null.
    p
        Two-sided exact p-value (scipy's ``binomtest``; NaN when ``n == 0``).
    ci_low, ci_high
        Clopper-Pearson interval of the share at ``1 - alpha``.
    mde
        Smallest excess share ``share - base`` that a two-sided test at ``alpha`` detects with
        probability :data:`POWER` for this ``n`` (NaN if no share up to 1 does).
    """

    k: int
    n: int
    share: float
    base: float
    p: float
    ci_low: float
    ci_high: float
    mde: float

    def to_dict(self) -> dict[str, Any]:
        def plain(value: float) -> float | None:
            return value if math.isfinite(value) else None

        return {
            "k": self.k,
            "n": self.n,
            "share": plain(self.share),
            "base": self.base,
            "p": plain(self.p),
            "ci_low": plain(self.ci_low),
            "ci_high": plain(self.ci_high),
            "mde": plain(self.mde),
        }


def _check(k: object, n: object, base: object, alpha: object) -> None:
    for name, value in (("k", k), ("n", n)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    assert isinstance(k, int) and isinstance(n, int)
    if k > n:
        raise ValueError(f"k ({k}) cannot exceed n ({n})")
    if not isinstance(base, int | float) or not 0 < float(base) < 1:
        raise ValueError(f"base must be a share strictly between 0 and 1, got {base!r}")
    if not isinstance(alpha, int | float) or not 0 < float(alpha) < 0.5:
        raise ValueError(f"alpha must be strictly between 0 and 0.5, got {alpha!r}")


@lru_cache(maxsize=1024)
def _detectable(n: int, base: float, alpha: float, power: float) -> float:
    """Smallest share above ``base`` rejected (two-sided, upper tail) with probability ``power``."""
    from scipy import stats

    # Smallest count whose upper tail under the null is within alpha / 2.
    critical = int(stats.binom.isf(alpha / 2, n, base)) + 1
    if critical > n:
        return math.nan
    low, high = base, 1.0
    if stats.binom.sf(critical - 1, n, high) < power:
        return math.nan
    for _ in range(60):
        mid = (low + high) / 2
        if stats.binom.sf(critical - 1, n, mid) >= power:
            high = mid
        else:
            low = mid
    return high - base


def binomial_test(
    k: int,
    n: int,
    base: float = 0.5,
    *,
    alpha: float = 0.05,
    alternative: Literal["two-sided", "greater", "less"] = "two-sided",
) -> BinomialTest:
    """Exact binomial test of ``k`` successes in ``n`` trials against the share ``base``.

    Parameters
    ----------
    k, n
        Successes and trials.
    base
        The null share (0.5: a coin flip).
    alpha
        Level of the interval and of the minimum detectable share.
    alternative
        Of the p-value.

    Returns
    -------
    BinomialTest

    Examples
    --------
    >>> round(binomial_test(9, 10).p, 4)
    0.0215
    """
    _check(k, n, base, alpha)
    if n == 0:
        nan = math.nan
        return BinomialTest(k, n, nan, float(base), nan, nan, nan, nan)
    from scipy import stats

    result = stats.binomtest(k, n, float(base), alternative=alternative)
    interval = result.proportion_ci(confidence_level=1 - float(alpha), method="exact")
    return BinomialTest(
        k=k,
        n=n,
        share=k / n,
        base=float(base),
        p=float(result.pvalue),
        ci_low=float(interval.low),
        ci_high=float(interval.high),
        mde=_detectable(n, float(base), float(alpha), POWER),
    )
