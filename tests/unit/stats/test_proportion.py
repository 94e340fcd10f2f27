"""The exact binomial test behind order claims: its size under the null and its stated power."""

from __future__ import annotations

import math

import numpy as np
import pytest

from riskcurve.stats.proportion import POWER, binomial_test

DRAWS = 4000


def _p_values(n: int, base: float) -> np.ndarray:
    """The test's p-value for every possible count (draws are looked up, not re-tested)."""
    return np.array([binomial_test(k, n, base).p for k in range(n + 1)])


def test_known_values() -> None:
    result = binomial_test(9, 10)
    assert result.p == pytest.approx(0.021484375)
    assert result.share == 0.9 and result.ci_low < 0.9 < result.ci_high
    empty = binomial_test(0, 0)
    assert math.isnan(empty.p) and math.isnan(empty.mde)
    with pytest.raises(ValueError, match="cannot exceed"):
        binomial_test(5, 4)
    with pytest.raises(ValueError, match="base"):
        binomial_test(1, 4, 1.0)


@pytest.mark.parametrize(("n", "base"), [(12, 0.5), (30, 0.5), (40, 0.3)])
def test_size_under_the_null_is_at_most_nominal(n: int, base: float) -> None:
    rng = np.random.default_rng(n)
    counts = rng.binomial(n, base, DRAWS)
    rejected = np.mean(_p_values(n, base)[counts] < 0.05)
    error = math.sqrt(0.05 * 0.95 / DRAWS)  # Monte Carlo standard error, about 0.0034
    # The exact test is conservative: its size is at most 5% (up to Monte Carlo error).
    assert rejected <= 0.05 + 3 * error


@pytest.mark.parametrize(("n", "base"), [(30, 0.5), (40, 0.3)])
def test_power_at_the_minimum_detectable_share_is_as_stated(n: int, base: float) -> None:
    result = binomial_test(n // 2, n, base)
    rng = np.random.default_rng(7)
    p_values = _p_values(n, base)
    counts = rng.binomial(n, base + result.mde, DRAWS)
    power = np.mean((p_values[counts] < 0.05) & (counts / n > base))
    error = math.sqrt(POWER * (1 - POWER) / DRAWS)  # about 0.0063
    assert power >= POWER - 3 * error
    # And just below it the power is lower: the MDE is the smallest such share.
    smaller = rng.binomial(n, base + 0.6 * result.mde, DRAWS)
    assert np.mean(p_values[smaller] < 0.05) < POWER
