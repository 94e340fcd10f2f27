"""The claims checker on the real snapshot: every check states its definition, figures and grade."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from riskcurve.data.ingest import import_csv
from riskcurve.data.store import Store
from riskcurve.stats.claims import CHECKS, run_checks

GRADES = {"consistent", "partly consistent", "inconsistent", "too few observations", "data missing", "before the data"}


@pytest.fixture(scope="module")
def checks(filled_store_path: Path) -> dict[str, dict]:
    with Store(filled_store_path, read_only=True) as store:
        return {r.name: r.to_dict() for r in run_checks(store)}


def test_every_check_is_complete(checks: dict[str, dict]) -> None:
    assert set(checks) == set(CHECKS)
    for name, check in checks.items():
        assert check["grade"] in GRADES, name
        assert check["evidence"] in {"strong", "moderate", "weak", "none"}, name
        assert check["claim"] and check["claimed"] and check["measured"] and check["definition"], name
        assert 1 <= check["thesis_item"] <= 7, name
        json.dumps(check, allow_nan=False)


def test_breakout_dates_are_told_apart(checks: dict[str, dict]) -> None:
    details = checks["rut-breakout"]["details"]
    assert details["intraday_break"] == "2024-11-25"
    assert details["close_break"] == "2025-09-18"
    assert details["old_high_date"] == "2021-11-08"
    assert details["first_close_above_2600"] == "2026-01-08"
    assert checks["rut-breakout"]["grade"] == "partly consistent"


def test_january_effect_flags_the_years_before_the_data(checks: dict[str, dict]) -> None:
    check = checks["january-effect"]
    assert check["grade"] == "before the data"
    assert check["details"]["years"] == [1992, 2006, 2021]
    assert check["details"]["exceptions"] == [2021]
    assert check["n"] == 3


def test_halving_windows_and_supply(checks: dict[str, dict]) -> None:
    rows = {r["halving_date"]: r for r in checks["halving-windows"]["details"]}
    assert rows["2016-07-09"]["multiple"] == pytest.approx(10.46, abs=0.01)
    assert rows["2020-05-11"]["multiple"] == pytest.approx(4.82, abs=0.01)
    assert rows["2024-04-20"]["return"] == pytest.approx(0.470, abs=0.001)
    assert rows["2012-11-28"]["multiple"] is None
    supply = checks["supply-inflation"]["details"]
    assert supply["after"]["supply"] == 19_687_500
    assert supply["after"]["supply_inflation"] == pytest.approx(164_250 / 19_687_500)
    assert checks["supply-inflation"]["grade"] == "consistent"


def test_first_break_before_a_halving_was_2024(checks: dict[str, dict]) -> None:
    cycles = checks["btc-high-before-halving"]["details"]["cycles"]
    before = [c["halving"] for c in cycles if c["before_halving"]]
    assert before == ["2024-04-20"]
    assert checks["btc-high-before-halving"]["grade"] == "consistent"


def test_import_dependent_checks_name_the_series_then_use_it(filled_store_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "rc.duckdb"
    shutil.copy(filled_store_path, path)
    with Store(path, read_only=True) as store:
        (before,) = run_checks(store, ["unprofitable-share"])
    assert before.grade == "data missing" and "RUT_UNPROFITABLE_SHARE" in before.note
    share = tmp_path / "share.csv"
    share.write_text(
        "date,value\n2007-03-31,0.19\n2007-06-30,0.21\n2007-09-30,0.20\n2007-12-31,0.20\n2025-09-30,0.41\n"
    )
    with Store(path) as store:
        import_csv(store, share, "RUT_UNPROFITABLE_SHARE", lag_days=45)
    with Store(path, read_only=True) as store:
        (after,) = run_checks(store, ["unprofitable-share"], as_of="2026-01-15")
    assert after.grade == "consistent"
    assert after.details["q3_2025_pct"] == pytest.approx(41.0)
    assert after.details["ratio"] == pytest.approx(41.0 / 20.0)


def test_check_cli(cli: Callable[..., tuple[int, str, str]], filled_store_path: Path) -> None:
    code, out, _ = cli("check", "supply-inflation", "--store", str(filled_store_path), "--json")
    assert code == 0
    (check,) = json.loads(out)["checks"]
    assert check["name"] == "supply-inflation"
    code, _, err = cli("check", "nope", "--store", str(filled_store_path))
    assert code == 1 and "unknown check 'nope'" in err


def test_statistical_checks_say_how_much_evidence_there_is(checks: dict[str, dict]) -> None:
    btc = checks["btc-after-rut-breakouts"]
    assert btc["grade"] == "too few observations" and btc["evidence"] == "none"
    assert btc["n"] == 3
    assert {row["horizon"] for row in btc["details"]["horizons"]} == {126, 252, 504}
    assert "too few events to conclude" in btc["measured"]
    assert "fewer than 5 events" in btc["note"]  # the small-sample warning is part of the answer
    alts = checks["alts-follow-small-caps"]
    assert alts["n"] >= 20 and alts["p_value"] is not None
    order = checks["transmission-order"]
    assert len(order["details"]["pairs"]) == 4
    assert all("p_holm" in pair for pair in order["details"]["pairs"])
