"""Robustness to the reading: neighbouring readings of a claim, the share agreeing, fragile grades."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from riskcurve.data.ingest import update
from riskcurve.data.store import Store
from riskcurve.stats.claims import builtin_claims, parse_claims, run_claims
from riskcurve.stats.claims.robustness import MIN_READINGS, assess, readings

CLAIM = """
claims:
  - id: R1
    statement: The index rose about 5% in the month
    source: test
    date: 2025-06-30
    kind: measure
    definition: {series: IDX, statistic: return, window: {start: 2025-06-01, end: 2025-06-30}}
    expects: {value: 0.05, tolerance: 0.004}
"""


def _claim(text: str = CLAIM):  # type: ignore[no-untyped-def]
    (claim,) = parse_claims(text, "test.yaml").claims
    return claim


def test_assess_counts_agreement_and_names_the_reading_that_flips() -> None:
    found = assess("consistent", [("a", "consistent"), ("b", "partly consistent"), ("c", "contradicted")])
    assert found.share_agreeing == 1 / 3
    assert found.fragile and found.flipped_by == ("c", "contradicted")
    steady = assess("contradicted", [("a", "contradicted"), ("b", "inconclusive")])
    assert steady.share_agreeing == 0.5 and not steady.fragile  # undecided is not the opposite
    assert assess("inconclusive", [("a", "consistent"), ("b", "contradicted")]).fragile is False
    assert assess("consistent", []).share_agreeing is None


def test_readings_are_named_changes_of_the_definition() -> None:
    claim = _claim()
    found = dict(readings(claim))
    assert len(found) >= MIN_READINGS
    later = found["claim date 3 days later"]
    assert later.date == dt.date(2025, 7, 3)
    assert later.definition.window.end == dt.date(2025, 7, 3)  # the window that ended on it moves too
    assert found["tolerances halved"].expects.tolerance == 0.002
    assert found["windows start a week earlier"].definition.window.start == dt.date(2025, 5, 25)
    assert all(changed != claim for changed in found.values())


def test_every_claim_of_the_pack_has_neighbouring_readings() -> None:
    counts = {claim.id: len(readings(claim)) for claim in builtin_claims()}
    # A claim whose definition has nothing but its date to vary gets the date's readings only.
    assert min(counts.values()) >= 8
    assert sum(n >= MIN_READINGS for n in counts.values()) >= len(counts) - 2


def test_a_borderline_grade_is_fragile_and_a_clear_one_is_not(tmp_path: Path) -> None:
    folder = tmp_path / "snapshot"
    (folder / "prices").mkdir(parents=True)
    (folder / "macro").mkdir()
    days = pd.bdate_range("2025-01-01", "2025-07-31", name="date")
    close = pd.Series(100.0, index=days)
    # +5.3% over June: inside 5% +- 0.4 points, outside +- 0.2 (the tolerance halved).
    close.loc["2025-06-20":] = 105.3  # one jump, well inside every window's shift
    pd.DataFrame({"close": close}).rename_axis("date").to_csv(folder / "prices" / "IDX.csv")
    path = tmp_path / "rc.duckdb"
    with Store(path) as store:
        update(store, snapshot=folder, offline=True)
    clear = _claim(CLAIM.replace("value: 0.05, tolerance: 0.004", "at_least: 0.0"))
    with Store(path, read_only=True) as store:
        borderline, steady = run_claims(store, [_claim(), clear], as_of="2025-07-31", robustness=True)
    assert borderline.grade == "consistent"
    assert borderline.robustness is not None and borderline.robustness["fragile"]
    assert borderline.robustness["flipped_by"]["reading"] == "tolerances halved"
    assert 0 < borderline.robustness["share_agreeing"] < 1
    assert steady.robustness is not None and steady.robustness["share_agreeing"] == 1.0
    assert not steady.robustness["fragile"]
