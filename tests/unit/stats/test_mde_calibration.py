"""Minimum detectable effects hold: power at the stated MDE is about 80% for every test that reports one.

The slow test runs a reduced version of benchmarks/calibrate_mde.py (200 runs, the first two
settings of each test); docs/claims.md has the 1,000-run table. The fast tests pin the MDE
formulas on golden cases.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from scipy import stats

from riskcurve.stats.event_study import permutation_mde
from riskcurve.stats.proportion import binomial_test, detectable_share

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "calibrate_mde.py"


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("calibrate_mde", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize("test", ["conditional", "event", "leadlag", "direction", "order"])
def test_power_at_the_stated_mde_is_80_percent(test: str) -> None:
    bench = _benchmark()
    runs = 200
    for row in bench.TESTS[test](runs, bench.SEED, only=2):
        assert row.runs >= 0.95 * runs, row  # an MDE was stated in (nearly) every run
        # 80% +- 3 points is the claim; 200 runs measure power only to about +-2.8 points (one
        # binomial standard error at 80%), so allow 2.5 of those on top.
        tolerance = 0.03 + 2.5 * math.sqrt(0.8 * 0.2 / row.runs)
        assert abs(row.power - 0.8) <= tolerance, row.markdown()


def test_binomial_mde_is_the_exact_tests_own() -> None:
    """Golden case: 15 of 20 is the smallest count the two-sided exact test rejects at 5%."""
    assert binomial_test(15, 20).p < 0.05 <= binomial_test(14, 20).p
    mde = detectable_share(20, 0.5, 0.05)
    assert stats.binom.sf(14, 20, 0.5 + mde) == pytest.approx(0.8, abs=1e-6)
    assert mde == pytest.approx(0.2987, abs=1e-4)
    # Holm over 4 pairs: the first step's level, a stricter test, a larger MDE.
    assert detectable_share(20, 0.5, 0.05 / 4) > mde
    # The rejection region is scipy's two-sided one, asymmetric around a base away from 1/2.
    for n, base in ((25, 0.3), (40, 0.15), (60, 0.55)):
        share = base + detectable_share(n, base, 0.05)
        region = [k for k in range(n + 1) if binomial_test(k, n, base).p < 0.05]
        assert stats.binom.pmf(region, n, share).sum() == pytest.approx(0.8, abs=1e-6)


def test_event_mde_from_the_permutation_null() -> None:
    """Golden case: a normal null gives the textbook formula at the level asked for."""
    null = np.random.default_rng(0).normal(0.0, 0.01, 99_999)
    for alpha in (0.05, 0.0125):
        expected = (stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(0.8)) * 0.01
        assert permutation_mde(null, alpha) == pytest.approx(expected, rel=0.02)
    # A null too small to reach the level: no MDE.
    assert math.isnan(permutation_mde(null[:10], 0.05))


def test_carried_mde_is_the_binomial_one_when_the_events_carry_nothing() -> None:
    """Golden case: with a negligible carry the events are independent trials (15 of 20 at 5%)."""
    from riskcurve.stats.proportion import detectable_carried_share

    assert detectable_carried_share(20, 0.5, 0.05, carry=1e-9) == pytest.approx(
        detectable_share(20, 0.5, 0.05), abs=1e-6
    )
    assert math.isnan(detectable_carried_share(20, 0.5, 0.05, carry=0.06))  # 20 events carry more than the base


@pytest.mark.parametrize(("n", "base", "alpha", "windows"), [(12, 0.5, 0.05 / 3, 40), (20, 0.45, 0.025, 60)])
def test_carried_mde_has_its_power_by_enumeration(n: int, base: float, alpha: float, windows: int) -> None:
    """Power at the carried MDE, counted outcome by outcome with scipy's own exact test, is 80%.

    Model: ``k0`` rises among ``n`` events drawn from ``windows`` effectively independent ones
    (hypergeometric); each falling one turned into a rise with probability ``f`` (``F`` of them);
    the base rises by ``F / windows``; rejected when the exact test at the moved base rejects
    ``k0 + F`` above it. The excess is ``f (1 - base) (1 - n / windows)``.
    """
    from riskcurve.stats.proportion import detectable_carried_share

    carry = 1.0 / windows
    mde = detectable_carried_share(n, base, alpha, carry=carry)
    flip = mde / ((1 - base) * (1 - n * carry))
    power = 0.0
    for k0 in range(n + 1):
        weight = stats.hypergeom.pmf(k0, windows, round(base * windows), n)
        for turned in range(n - k0 + 1):
            moved = base + turned * carry
            k = k0 + turned
            if weight == 0 or moved >= 1 or k <= n * moved:
                continue
            if stats.binomtest(k, n, moved).pvalue < alpha:
                power += weight * stats.binom.pmf(turned, n - k0, flip)
    assert power == pytest.approx(0.8, abs=0.002)
