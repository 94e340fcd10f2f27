"""The built-in claim pack on the real snapshot: every claim graded with its reason, forecasts followed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from riskcurve.data.ingest import import_csv
from riskcurve.data.store import Store
from riskcurve.stats.claims import GRADES, ClaimResult, builtin_claims, forecast_claims, grading, run_claims

FORECASTS = ("C17", "C45", "C46", "C47")


@pytest.fixture(scope="module")
def results(filled_store_path: Path) -> dict[str, ClaimResult]:
    with Store(filled_store_path, read_only=True) as store:
        return {r.id: r for r in run_claims(store)}


def _part(result: ClaimResult, name: str) -> ClaimResult:
    return next(p for p in result.parts if p.id == f"{result.id}.{name}")


def test_every_claim_has_a_grade_and_a_reason(results: dict[str, ClaimResult]) -> None:
    assert list(results) == [f"C{i:02d}" for i in range(1, 50)]
    for cid, result in results.items():
        entry = result.to_dict()
        assert entry["grade"] in GRADES and entry["reason"], cid
        for key in ("id", "statement", "source", "date", "kind", "definition", "measured", "n", "p", "mde"):
            assert key in entry, (cid, key)
        assert entry["definition"], cid
        for part in entry["parts"]:
            assert part["grade"] in GRADES and part["reason"], part["id"]
        json.dumps(entry, allow_nan=False)


def test_readings_on_the_claims_own_date(results: dict[str, ClaimResult]) -> None:
    breakout = results["C21"]
    assert _part(breakout, "intraday").measured["value"] == "2024-11-25"
    assert _part(breakout, "intraday").grade == "consistent"
    assert _part(breakout, "close").measured["value"] == "2025-09-18"
    assert _part(breakout, "close").grade == "contradicted"  # the close broke in September, not November
    assert breakout.grade == "partly consistent"
    # The streak reached 11 sessions on 2026-01-16, found by searching the window.
    assert results["C02"].measured["value"] == 11 and results["C02"].measured["at"] == "2026-01-16"
    assert results["C04"].measured["value"] == 6 and results["C04"].grade == "consistent"
    # "About 15% year to date" is wrong on the data, and shown as such.
    ytd = _part(results["C35"], "ytd")
    assert ytd.grade == "contradicted" and ytd.measured["value"] == pytest.approx(0.0866, abs=0.001)
    assert _part(results["C35"], "first_2600").measured["value"] == "2026-01-08"
    assert results["C35"].grade == "partly consistent"
    supply = _part(results["C29"], "after")
    assert supply.measured["value"] == pytest.approx(164_250 / 19_687_500, rel=1e-3)
    assert _part(results["C30"], "y2024").grade == "consistent"
    assert _part(results["C30"], "first").grade == "before the data"  # the 2012 cycle predates the data


def test_claims_reaching_before_the_data_say_so(results: dict[str, ClaimResult]) -> None:
    january = results["C11"]
    assert january.grade == "before the data"
    figure = _part(january, "years").measured["figure"]
    assert figure["years"] == [1992, 2006, 2021] and figure["n_selected"] == 3


def test_tests_say_how_much_evidence_there_is(results: dict[str, ClaimResult]) -> None:
    turns = results["C16"]
    assert turns.measured["test"]["k"] == 7 and turns.measured["test"]["n"] == 12
    # Not "inconsistent": the sign test could not have seen the claimed effect.
    assert turns.grade == "inconclusive" and turns.mde is not None and turns.mde > 0.25
    assert results["C22"].grade == "too few observations" and results["C22"].evidence == "none"
    assert results["C34"].grade == "consistent"  # "only two samples: not a trading signal"
    alts = results["C38"]
    assert alts.n is not None and alts.n >= 20 and alts.family == 6 and alts.p is not None
    order = results["C39"]
    assert len(order.parts) == 4 and all(p.family == 4 for p in order.parts)
    for cid in ("C15", "C19", "C23", "C40"):
        tests = results[cid].parts or (results[cid],)
        for test in tests:
            assert test.grade in {"consistent", "not supported", "inconclusive", "contradicted"}, test.id
            assert test.mde is not None, test.id


def test_grades_on_the_snapshot_do_not_depend_on_the_seed(
    filled_store_path: Path, results: dict[str, ClaimResult]
) -> None:
    resampled = ["C15", "C19", "C22", "C23", "C37", "C38", "C40", "C43"]
    with Store(filled_store_path, read_only=True) as store:
        for seed in (1, 2):
            grades = {r.id: r.grade for r in run_claims(store, ids=resampled, seed=seed, reps=500)}
            assert grades == {cid: results[cid].grade for cid in resampled}, seed


def test_forecasts_resolve_on_the_snapshot_with_the_moves_after_the_claim(results: dict[str, ClaimResult]) -> None:
    for cid in FORECASTS:
        forecast = results[cid]
        assert forecast.grade not in ("pending", "data missing"), cid
        assert forecast.window_end is not None and forecast.window_end.isoformat() == "2026-04-21"
        moves = {m["asset"]: m for m in forecast.moves}
        for asset in ("BTC", "ETH", "ALT_BASKET"):
            assert all(moves[asset][f"m{k}"] is not None for k in (1, 2, 3)), (cid, asset)
    eth = next(m for m in results["C45"].moves if m["asset"] == "ETH")
    assert eth["m3"] == pytest.approx(-0.219, abs=0.005)
    assert results["C45"].grade == "contradicted"


def test_as_of_limits_what_is_visible_and_nothing_else(
    filled_store_path: Path, results: dict[str, ClaimResult]
) -> None:
    with Store(filled_store_path, read_only=True) as store:
        early = {r.id: r for r in run_claims(store, as_of="2026-02-01")}
    for cid, result in early.items():
        if cid in FORECASTS:
            assert result.grade == "pending", cid
            assert all(p.grade == "pending" for p in result.parts)
        else:
            # Measured as of its own date (2026-01-21): later data change nothing (a history
            # claim's "now" part is, by design, the same study on everything visible).
            assert _without_now(result.to_dict()) == _without_now(results[cid].to_dict()), cid


def _without_now(entry: dict[str, Any]) -> dict[str, Any]:
    if entry["kind"] != "history":
        return entry
    measured = {k: v for k, v in entry["measured"].items() if k != "now"}
    return {**entry, "parts": [p for p in entry["parts"] if not p["id"].endswith(".now")], "measured": measured}


def test_the_recomputations_findings_are_graded_as_fixed(results: dict[str, ClaimResult]) -> None:
    # C14: net liquidity is in USD billions and so is the bound now: a rise of about $174B.
    assert results["C14"].measured["value"] == pytest.approx(173.7, abs=1.0)
    assert results["C14"].grade == "contradicted"
    # C10: the conjunction was on, and is rare (the OR rule was on 19.7% of days).
    assert _part(results["C10"], "now").grade == "consistent"
    assert _part(results["C10"], "rare").measured["value"] < 0.01
    # C13: the monthly proxy had not caught up with December's hike: it cannot contradict.
    assert results["C13"].grade == "inconclusive" and "not yet published" in results["C13"].reason
    # C20: 2,703.75 intraday on the claim date; C29: 93.75% mined at the halving.
    assert _part(results["C20"], "level").measured["value"] == pytest.approx(2703.75)
    assert _part(results["C20"], "level").grade == "consistent"
    assert _part(results["C29"], "mined").measured["value"] == pytest.approx(0.9375, abs=5e-4)
    # C28: two baselines and the S&P 500 as a control; against the year before the ETFs, up.
    assert {p.id.split(".")[-1] for p in results["C28"].parts} == {
        "since_2018",
        "year_before",
        "control_2018",
        "control_year_before",
    }
    assert _part(results["C28"], "year_before").grade == "contradicted"
    # C17: the path through the window; C01: record and gain on one day.
    assert all(len(p.measured["met"]) == 3 for p in results["C17"].parts)
    assert results["C01"].measured["where"] == "record_high"
    # C19 reads risk-off selling as moving together, with the VIX turning and the VIX high as two
    # states; C15, C23, C40 show both timings.
    assert [p.id.split(".")[-1] for p in results["C19"].parts] == ["turns", "risk_off"]
    assert {p.measured["timing"] for p in results["C19"].parts} == {"contemporaneous"}
    for cid in ("C15", "C23", "C40"):
        assert [p.id.split(".")[-1] for p in results[cid].parts] == ["contemporaneous", "predictive"], cid
    # The new series: C09 on STAR50, C44 on CME open interest (a proxy), C48-C49 on ETF flows.
    for cid in ("C09", "C44", "C48", "C49"):
        assert results[cid].grade in grading.DECIDED, cid
    assert "proxy" in results["C44"].headline
    # Then and now: the breakout claims are graded as of their date and on all data since.
    for cid in ("C22", "C34"):
        now = _part(results[cid], "now")
        assert now.grade in GRADES and results[cid].measured["now"]["grade"] == now.grade


def test_import_dependent_claims_name_the_series_then_use_it(filled_store_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "rc.duckdb"
    shutil.copy(filled_store_path, path)
    with Store(path, read_only=True) as store:
        (before,) = run_claims(store, ids=["C32"])
    assert before.grade == "data missing"
    assert all("RUT_UNPROFITABLE_SHARE" in p.reason for p in before.parts)
    share = tmp_path / "share.csv"
    share.write_text(
        "date,value\n2007-03-31,0.19\n2007-06-30,0.21\n2007-09-30,0.20\n2007-12-31,0.20\n2025-09-30,0.41\n"
    )
    with Store(path) as store:
        import_csv(store, share, "RUT_UNPROFITABLE_SHARE", lag_days=45)
    with Store(path, read_only=True) as store:
        (after,) = run_claims(store, ids=["C32"])
    assert after.grade == "consistent"
    assert _part(after, "share").measured["value"] == pytest.approx(0.41)
    assert _part(after, "double").measured["value"] == pytest.approx(0.41 / 0.20)


USER_FILE = """\
claims:
  - id: STREAK-ETH
    statement: After a 10-session small-cap streak, ETH beats its baseline over 42 days
    source: my newsletter
    date: 2026-01-21
    kind: history
    definition:
      events: {signal: relative-strength, symbol: RUT, parameters: {min_streak: 10}}
      targets: [ETH]
      horizons: [42]
    expects: {direction: above, effect: 0.05}
"""


def test_check_cli_on_the_pack_and_on_a_users_file(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path, tmp_path: Path
) -> None:
    store = str(filled_store_path)
    code, out, _ = cli("check", "C04", "C45", "--store", store, "--json")
    assert code == 0
    document = json.loads(out)
    assert [c["id"] for c in document["claims"]] == ["C04", "C45"]
    assert document["claims"][1]["moves"] and document["claims"][1]["grade"] == "contradicted"
    code, out, _ = cli("check", "C45", "--store", store, "--as-of", "2026-02-01", "--json")
    assert code == 0 and json.loads(out)["claims"][0]["grade"] == "pending"
    code, _, err = cli("check", "nope", "--store", store)
    assert code == 1 and "unknown claim 'nope'" in err

    mine = tmp_path / "mine.yaml"
    mine.write_text(USER_FILE)
    code, out, _ = cli("check", "--file", str(mine), "--store", store, "--json")
    assert code == 0
    (entry,) = json.loads(out)["claims"]
    assert entry["id"] == "STREAK-ETH" and entry["grade"] in GRADES and entry["reason"]
    assert entry["measured"]["events"]  # the streak events were found from the file's definition

    mine.write_text(USER_FILE.replace("horizons: [42]", "horizons: [forty-two]"))
    code, _, err = cli("claims", "validate", str(mine))
    assert code == 1 and f"{mine}, line 10: claims[0].definition.horizons[0]:" in err
    assert len(err.strip().splitlines()) == 1


def test_claims_commands(cli: Callable[..., tuple[int, str, str]], tmp_path: Path) -> None:
    code, out, _ = cli("claims", "list", "--json")
    assert code == 0 and len(json.loads(out)["claims"]) == len(builtin_claims())
    code, out, _ = cli("claims", "show", "C38")
    assert code == 0 and "min_spacing: 63" in out and "ALT_BASKET" in out
    template = tmp_path / "new.yaml"
    code, _, _ = cli("claims", "new", str(template))
    assert code == 0 and template.read_text().startswith("# A riskcurve claim file")
    code, out, _ = cli("claims", "validate", str(template))
    assert code == 0 and "2 valid claim(s)" in out
    code, _, err = cli("claims", "new", str(template))
    assert code == 1 and "exists" in err
    assert {c.id for c in forecast_claims()} == set(FORECASTS)


def test_check_robustness_on_the_snapshot(cli: Callable[..., tuple[int, str, str]], filled_store_path: Path) -> None:
    import jsonschema

    schema = json.loads((Path(__file__).resolve().parents[2] / "docs" / "schema" / "check.json").read_text())
    code, out, _ = cli("check", "C04", "C20", "C19", "--store", str(filled_store_path), "--json", "--robustness")
    assert code == 0
    document = json.loads(out)
    jsonschema.validate(document, schema)
    for entry in document["claims"]:
        found = entry["robustness"]
        assert found["n_readings"] >= 8 and len(found["readings"]) == found["n_readings"]
        agreeing = sum(r["grade"] == entry["grade"] for r in found["readings"]) / found["n_readings"]
        assert found["share_agreeing"] == pytest.approx(agreeing)
        assert found["fragile"] == (found["flipped_by"] is not None)
    code, out, _ = cli("check", "C04", "--store", str(filled_store_path), "--robustness")
    assert code == 0 and "readings agree" in out
