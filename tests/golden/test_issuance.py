"""Golden issuance numbers, computed here independently from Bitcoin's published schedule.

The schedule (Bitcoin Core ``GetBlockSubsidy``): 50 BTC per block, halved every 210,000 blocks
by an integer right-shift of the satoshi amount. The expected values below are recomputed with
exact rational arithmetic, not with the package's code.
"""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest

from riskcurve.signals.cycle import halvings, issuance, supply_at_height

SAT = 100_000_000


def _subsidy_sat(epoch: int) -> int:
    # 50 BTC halved `epoch` times, rounded down to a whole satoshi (what the right-shift does).
    return int(Fraction(50 * SAT, 2**epoch)) if epoch < 64 else 0


def _supply_after_epochs(epochs: int) -> Fraction:
    return Fraction(sum(210_000 * _subsidy_sat(e) for e in range(epochs)), SAT)


@pytest.mark.parametrize("epochs", [1, 2, 3, 4, 5, 10, 20, 32, 33, 40, 64])
def test_supply_at_the_end_of_each_epoch(epochs: int) -> None:
    assert supply_at_height(210_000 * epochs) == float(_supply_after_epochs(epochs))


def test_published_supply_figures() -> None:
    assert supply_at_height(210_000) == 10_500_000
    assert supply_at_height(420_000) == 15_750_000
    assert supply_at_height(630_000) == 18_375_000
    assert supply_at_height(840_000) == 19_687_500
    # The limit is 20,999,999.9769 BTC, short of 21 million because of the satoshi truncation.
    limit = _supply_after_epochs(64)
    assert limit == Fraction(2_099_999_997_690_000, SAT)
    assert supply_at_height(10**8) == float(limit)
    assert round(float(limit), 4) == 20_999_999.9769


def test_halving_table_matches_the_schedule() -> None:
    table = halvings()
    for number, row in table.iterrows():
        assert row["height"] == 210_000 * number
        assert row["subsidy_after"] == _subsidy_sat(int(number)) / SAT
        assert row["supply"] == float(_supply_after_epochs(int(number)))


def test_issuance_claims_of_thesis_item_7() -> None:
    """Thesis item 7: "annual issuance fell from ~1.7% to ~0.85%; ~94% of all BTC already mined"."""
    before, after = issuance(["2024-04-19", "2024-04-20"]).itertuples()
    # Independently: 144 blocks/day x 365 days x subsidy over the supply at height 840,000.
    expected_after = 3.125 * 144 * 365 / 19_687_500
    assert after.supply_inflation == pytest.approx(expected_after, rel=1e-12)
    assert expected_after == pytest.approx(0.00834, abs=1e-5)
    assert after.supply_inflation == pytest.approx(0.0085, abs=3e-4)  # the claim's ~0.85%
    assert before.supply_inflation == pytest.approx(6.25 * 144 * 365 / before.supply, rel=1e-12)
    assert before.supply_inflation == pytest.approx(0.017, abs=5e-4)  # the claim's ~1.7%
    assert after.share_mined == 0.9375
    january_2026 = issuance([pd.Timestamp("2026-01-15")]).iloc[0]
    # 635 days after block 840,000 at 144 blocks a day: height 931,440.
    assert january_2026["height_est"] == 840_000 + 635 * 144
    assert january_2026["supply"] == 19_687_500 + 635 * 144 * 3.125
    assert january_2026["share_mined"] == pytest.approx(19_973_250 / 21_000_000, rel=1e-12)
    assert january_2026["share_mined"] == pytest.approx(0.94, abs=0.015)  # the claim's ~94%
    assert january_2026["subsidy"] == 3.125
