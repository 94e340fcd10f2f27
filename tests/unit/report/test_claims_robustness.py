"""The report's claims table shows each grade's robustness to the reading when it was checked."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from riskcurve.report import background
from riskcurve.report.claims import claims_html, robustness_text
from riskcurve.stats.claims import ClaimResult
from riskcurve.stats.claims.robustness import assess


def _result(cid: str, grade: Any, robustness: dict[str, Any] | None = None) -> ClaimResult:
    return ClaimResult(
        cid, f"statement of {cid}", "thesis", dt.date(2026, 1, 21), "measure", {}, grade, "descriptive",
        "the figure read off the data meets the claim", "+1.2%", robustness=robustness,
    )  # fmt: skip


# Each reading's grade, as check_robustness gives them: one of five readings flips C01 to the
# other side; C02's readings all agree.
FLIPPING = assess(
    "consistent",
    [
        ("claim date 1 day earlier", "consistent"),
        ("claim date 1 day later", "consistent"),
        ("tolerances halved", "contradicted"),
        ("tolerances 1.5x", "consistent"),
        ("bounds 5% looser", "partly consistent"),
    ],
).to_dict()
STEADY = assess("contradicted", [("claim date 1 day earlier", "contradicted"), ("bounds 5% looser", "contradicted")])


def _cells(document: str, cid: str) -> list[str]:
    row = re.search(rf"<tr id='claim-{cid}'[^>]*>(.*?)</tr>", document, re.S)
    assert row is not None
    return re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)


def test_a_fragile_grade_names_the_reading_that_flips_it() -> None:
    document = claims_html([_result("C01", "consistent", FLIPPING), _result("C02", "contradicted", STEADY.to_dict())])
    assert "<th>robustness</th>" in document
    # 3 of 5 readings give "consistent"; "tolerances halved" crosses to the other side.
    assert _cells(document, "C01")[3] == "60% of 5 readings agree; fragile: tolerances halved gives contradicted"
    assert _cells(document, "C02")[3] == "100% of 2 readings agree"
    assert "<td class='fragile'>60% of 5" in document
    assert "1 of 2 grades fragile to the reading" in document
    # The sentences' row spans every column.
    assert document.count("colspan='4'") == 2


def test_without_robustness_the_table_keeps_its_three_columns() -> None:
    document = claims_html([_result("C01", "consistent"), _result("C02", "contradicted")])
    assert "robustness" not in document
    assert len(_cells(document, "C01")) == 3
    assert robustness_text(_result("C01", "consistent")) == ""


def test_a_claim_with_nothing_to_vary_says_so() -> None:
    nothing = assess("consistent", []).to_dict()
    assert robustness_text(_result("C03", "consistent", nothing)) == "no neighbouring reading"


def test_robustness_crosses_from_the_background_process_unchanged() -> None:
    results = [_result("C01", "consistent", FLIPPING)]
    (decoded, reason), stamp = background.decode_outcome(background.encode_outcome(((results, None), [1, 2])))
    assert reason is None and stamp == [1, 2]
    assert decoded is not None and decoded[0].robustness == FLIPPING


@pytest.mark.parametrize(("flags", "expected"), [([], False), (["--robustness"], True)])
def test_the_background_process_checks_robustness_only_when_asked(
    flags: list[str], expected: bool, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    asked: dict[str, Any] = {}

    def check_claims(store_path: str, as_of: dt.date | None, *, robustness: bool = False) -> Any:
        asked.update(store_path=store_path, as_of=as_of, robustness=robustness)
        return (None, "no RUT"), None

    monkeypatch.setattr(background, "check_claims", check_claims)
    monkeypatch.setattr(background.gc, "freeze", lambda: None)
    background._main(["store.duckdb", "2026-08-20", *flags])
    assert asked == {"store_path": "store.duckdb", "as_of": dt.date(2026, 8, 20), "robustness": expected}
    assert background.decode_outcome(capsysbinary.readouterr().out) == ((None, "no RUT"), None)
