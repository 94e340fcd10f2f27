"""`riskcurve claims new`: the template's example grades as the docs say, as the same claim in the pack."""

from __future__ import annotations

from pathlib import Path

from riskcurve.stats.claims import builtin_claims, load_claims, run_claims, select


def test_the_template_example_grades_like_the_same_claim_in_the_pack(filled_store, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    template = tmp_path / "mine.yaml"
    code, _, err = cli("claims", "new", str(template))
    assert code == 0, err
    (mine,) = run_claims(filled_store, select(list(load_claims(template).claims), ["MY01"]))
    (pack,) = run_claims(filled_store, select(builtin_claims(), ["C02"]))
    assert mine.statement == pack.statement
    assert mine.grade == pack.grade == "consistent", (mine.headline, pack.headline)
