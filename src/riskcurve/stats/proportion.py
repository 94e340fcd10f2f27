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
        Smallest excess share ``share - base`` that this two-sided exact test at ``alpha``
        detects with probability :data:`POWER` for this ``n`` (NaN if no share up to 1 does); see
        :func:`detectable_share`.
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


#: Relative tolerance scipy's ``binomtest`` allows when it collects the outcomes "as unlikely
#: as" the observed one for its two-sided p-value.
_RERR = 1.0 + 1e-7


def _rejected(n: int, base: float, alpha: float) -> Any:
    """Counts ``0..n`` whose two-sided exact p-value (scipy's ``binomtest``) is below ``alpha``."""
    import numpy as np
    from scipy import stats

    pmf = stats.binom.pmf(np.arange(n + 1), n, base)
    ordered = np.sort(pmf)
    # The two-sided p of k sums every outcome no more likely than k (the minlike method).
    p = np.cumsum(ordered)[np.searchsorted(ordered, pmf * _RERR, side="right") - 1]
    return np.minimum(p, 1.0) < alpha


@lru_cache(maxsize=1024)
def detectable_share(n: int, base: float, alpha: float, power: float = POWER) -> float:
    """Smallest excess share ``share - base`` the two-sided exact test detects with probability ``power``.

    The rejection region is the test's own (every count whose two-sided exact p-value, as
    :func:`binomial_test` computes it, is below ``alpha``), so the power at the returned share is
    ``power`` exactly for independent trials: ``sum_{k rejected} Binomial(k; n, base + mde)``.
    Pass ``alpha / m`` for a test graded after Holm's adjustment over ``m`` tests (its first
    step).

    For events that are not independent trials (the direction test's, which share the sample
    with the base they are compared with) see :func:`detectable_carried_share`.

    Parameters
    ----------
    n
        Trials.
    base
        The share under the null, strictly between 0 and 1.
    alpha
        The level the p-value must fall below.
    power
        The power the share is stated at.

    Returns
    -------
    float
        The excess share; NaN if no share up to 1 reaches ``power`` (or ``n == 0``).

    Examples
    --------
    >>> round(detectable_share(20, 0.5, 0.05), 3)  # 15 of 20 rejects; P(>= 15 | 0.799) = 0.8
    0.299
    """
    import numpy as np
    from scipy.special import bdtr, bdtrc

    if n <= 0:
        return math.nan
    rejected = _rejected(n, base, alpha)
    counts = np.arange(n + 1)
    if not rejected[counts > n * base].any():
        return math.nan
    upper = int(counts[rejected & (counts > n * base)].min())
    lower = counts[rejected & (counts < n * base)]
    floor = int(lower.max()) if len(lower) else -1

    def power_at(share: float) -> float:
        tail = float(bdtrc(upper - 1, n, share))
        return tail + (float(bdtr(floor, n, share)) if floor >= 0 else 0.0)

    low, high = base, 1.0
    if power_at(high) < power:
        return math.nan
    for _ in range(60):
        mid = (low + high) / 2
        if power_at(mid) >= power:
            high = mid
        else:
            low = mid
    return high - base


#: Gauss-Hermite nodes over the spread of the base's rise (normal, probabilists' weights).
_NODES = 7


@lru_cache(maxsize=1024)
def detectable_carried_share(
    n: int, base: float, alpha: float, power: float = POWER, *, carry: float, carry_var: float = 0.0
) -> float:
    """Smallest excess share ``share - base`` the exact test detects with ``power`` when the base carries the events.

    The direction test compares the share of events followed by a rise with the share of *all*
    windows followed by one (the base), and the base includes the windows after the events and
    those overlapping them. Each event's window carries a share ``carry`` of the base: turning it
    from a fall into a rise lifts the base by about ``carry`` (1/W for the window itself, and
    more through the overlapping windows whose sign it drags along; ``carry_var`` is how much this
    varies from event to event). That share says two things:

    * under no effect the events are a sample without replacement from about ``1 / carry``
      effectively independent windows: the count of rises ``k0`` is hypergeometric (less variable
      than a binomial by about ``1 - n * carry``), and the exact test is conservative;
    * an effect that turns each falling window after an event into a rising one with probability
      ``f`` (``F`` of them, binomial given ``k0``) raises the count to ``k0 + F`` and the base to
      ``base + F * carry`` (plus a normal spread of variance ``F * carry_var``), and the test then
      runs at that base. Its expected excess is ``f (1 - base) (1 - n * carry)``.

    The power at ``f`` sums over ``k0``, ``F`` and the base's spread whether ``k0 + F`` is in the
    test's own rejection region above the base it moved to; the MDE is the excess at the ``f``
    where the power reaches ``power`` (bisection). Pass ``alpha / m`` for Holm's first step.

    Parameters
    ----------
    n
        Events.
    base
        The share of all windows followed by a rise, strictly between 0 and 1.
    alpha
        The level the p-value must fall below.
    power
        The power the share is stated at.
    carry, carry_var
        Mean and variance over the events of the base's rise when an event's window turns from
        a fall into a rise (``carry`` about ``sum_{|l| < h} rho_sign(l) / W`` for ``W`` windows
        of ``h`` bars: 0.73 h / W for a random walk).

    Returns
    -------
    float
        The excess share; NaN if no effect reaches ``power`` (or ``n == 0``, or the events carry
        the whole base, ``n * carry >= 1``).

    Examples
    --------
    >>> round(detectable_carried_share(20, 0.5, 0.05, carry=1e-9), 3)  # independent trials
    0.299
    """
    import numpy as np
    from scipy.special import gammaln, xlogy

    if n <= 0 or not 0.0 < base < 1.0 or not carry > 0.0:
        return math.nan
    share = n * carry
    if share >= 1.0:
        return math.nan
    counts = np.arange(n + 1)
    log_choose = gammaln(n + 1) - gammaln(counts + 1) - gammaln(n - counts + 1)
    population = 1.0 / carry
    if population > n + 1:
        size, rising = round(population), round(base * round(population))
        null = np.exp(
            gammaln(rising + 1)
            - gammaln(counts + 1)
            - gammaln(np.maximum(rising - counts, 0) + 1)
            + gammaln(size - rising + 1)
            - gammaln(np.maximum(n - counts, 0) + 1)
            - gammaln(np.maximum(size - rising - n + counts, 0) + 1)
            - (gammaln(size + 1) - gammaln(n + 1) - gammaln(size - n + 1))
        ) * ((counts <= rising) & (n - counts <= size - rising))
    else:
        null = np.exp(log_choose + counts * math.log(base) + (n - counts) * math.log1p(-base))
    null = np.where(null > 1e-12, null, 0.0)
    null /= null.sum()

    def upper(moved: float) -> int:
        """Smallest count above ``n * moved`` the two-sided exact test rejects (``n + 1``: none)."""
        if not 0.0 < moved < 1.0:
            return n + 1
        pmf = np.exp(log_choose + counts * math.log(moved) + (n - counts) * math.log1p(-moved))
        ordered = np.sort(pmf)  # scipy's two-sided p: every outcome no more likely (see _rejected)
        p = np.cumsum(ordered)[np.searchsorted(ordered, pmf * _RERR, side="right") - 1]
        above = (np.minimum(p, 1.0) < alpha) & (counts > n * moved)
        return int(counts[above].min()) if above.any() else n + 1

    nodes, weights = np.polynomial.hermite_e.hermegauss(_NODES if carry_var > 0 else 1)
    weights = weights / weights.sum()
    # hit[F, k]: probability that k rises are rejected when F windows were turned (the base moved).
    hit = np.zeros((n + 1, n + 1))
    for flips in range(n + 1):
        moved = base + flips * carry + np.sqrt(flips * max(carry_var, 0.0)) * nodes
        for where, weight in zip(moved, weights, strict=True):
            hit[flips, upper(float(where)) :] += weight
    rows = counts[null > 0]
    k0 = rows[:, None]
    turned = counts[None, :]
    valid = turned <= n - k0
    falling = np.maximum(n - k0 - turned, 0)
    reached = null[rows][:, None] * np.where(valid, hit[turned, np.minimum(k0 + turned, n)], 0.0)
    log_turns = np.where(valid, gammaln(n - k0 + 1) - gammaln(turned + 1) - gammaln(falling + 1), -np.inf)

    def power_at(flip: float) -> float:
        return float((reached * np.exp(log_turns + xlogy(turned, flip) + xlogy(falling, 1.0 - flip))).sum())

    if power_at(1.0) < power:
        return math.nan
    low, high = 0.0, 1.0
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (middle, high) if power_at(middle) < power else (low, middle)
    return high * (1.0 - base) * (1.0 - share)


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
        mde=detectable_share(n, float(base), float(alpha)),
    )
