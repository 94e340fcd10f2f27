"""Everyday claims on the real snapshot: the docs' four YAML claims run, typos stop, numbers repeat."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.stats.claims import GRADES, parse_claims, run_claims

DOCS = Path(__file__).parents[2] / "docs" / "claims.md"


def _everyday_blocks() -> list[str]:
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)
    return [b for b in blocks if "id: EVERYDAY-" in b]


def test_the_docs_hold_the_four_everyday_claims_in_yaml() -> None:
    blocks = _everyday_blocks()
    kinds = [parse_claims(b).claims[0].kind for b in blocks]
    assert kinds == ["history", "history", "lead-lag", "direction"]


def test_each_everyday_claim_runs_on_the_snapshot(filled_store_path: Path) -> None:
    claims = [parse_claims(b, "docs/claims.md").claims[0] for b in _everyday_blocks()]
    with Store(filled_store_path, read_only=True) as store:
        results = {r.id: r for r in run_claims(store, claims)}
        data = MarketData(store, as_of=pd.Timestamp("2026-01-21"))
        btc = data.close("BTC")
    for cid, result in results.items():
        assert result.grade in GRADES and result.grade != "data missing", (cid, result.reason)
        json.dumps(result.to_dict(), allow_nan=False)
    # 1: events are BTC's 200-day highs, at least 63 days apart, known on their day.
    high = results["EVERYDAY-1"]
    events = pd.DatetimeIndex(high.measured["events"])
    rolling = btc.rolling(200, min_periods=200).max()
    assert len(events) > 5 and all(btc.loc[d] >= rolling.loc[d] for d in events)
    assert (events[1:] - events[:-1]).days.min() > 63
    assert {"BTC", "ETH"} <= set(high.data) and "ETH/BTC" in high.headline
    assert "median" in high.headline and "positive" in high.headline
    # 2: the events are January days with the Russell's year-to-date change above 5%.
    january = results["EVERYDAY-2"]
    rut = data.close("RUT")
    for day in pd.DatetimeIndex(january.measured["events"]):
        assert day.month == 1
        base = rut.loc[: f"{day.year - 1}-12-31"].iloc[-1]
        assert rut.loc[:day].iloc[-1] / base - 1 > 0.05
    # 3: gold against Bitcoin, weekly.
    assert results["EVERYDAY-3"].n is not None and results["EVERYDAY-3"].n > 300
    # 4: the direction test's counts agree with the closes.
    direction = results["EVERYDAY-4"]
    (row,) = direction.measured["tests"]
    assert row["horizon"] == 91 and 0 < row["n"] <= len(direction.measured["events"])
    assert row["k"] == round(row["share"] * row["n"]) and 0 < row["base"] < 1


def test_a_misspelt_symbol_stops_check_with_one_line(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path, tmp_path: Path
) -> None:
    block = _everyday_blocks()[3].replace("series: BTC", "series: BTCC")
    path = tmp_path / "typo.yaml"
    path.write_text(block, encoding="utf-8")
    code, out, err = cli("check", "--file", str(path), "--store", str(filled_store_path))
    assert code != 0 and out == ""
    assert err.strip().splitlines() == ["riskcurve: error: claim EVERYDAY-4: unknown symbol 'BTCC'; did you mean BTC?"]
    # `claims validate` says the same before anything runs, with or without a store.
    for store in (filled_store_path, tmp_path / "absent.duckdb"):
        code, _, err = cli("claims", "validate", str(path), "--store", str(store))
        assert code != 0 and "unknown symbol 'BTCC'; did you mean BTC?" in err
    assert not (tmp_path / "absent.duckdb").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ("study", "--events", "breakout:RUT", "--target", "BTC", "--horizons", "21,63", "--reps", "300"),
        ("study", "--when", "risk=off", "--target", "BTC", "--horizons", "21", "--reps", "300"),
    ],
)
def test_study_twice_prints_identical_numbers(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path, argv: tuple[str, ...]
) -> None:
    runs = [cli(*argv, "--store", str(filled_store_path), "--json") for _ in range(2)]
    assert runs[0][0] == 0 and runs[0][1] == runs[1][1]
    assert json.loads(runs[0][1])["seed"] == 20260121
    other = cli(*argv, "--store", str(filled_store_path), "--json", "--seed", "5")
    assert json.loads(other[1])["seed"] == 5 and other[1] != runs[0][1]


def test_study_takes_a_relative_target(cli: Callable[..., tuple[int, str, str]], filled_store_path: Path) -> None:
    code, out, err = cli(
        "study", "--events", "breakout:RUT", "--target", "ETH/BTC", "--horizons", "21", "--reps", "200",
        "--store", str(filled_store_path), "--json",
    )  # fmt: skip
    assert code == 0, err
    payload = json.loads(out)
    assert payload["target"] == "ETH/BTC"
    with Store(filled_store_path, read_only=True) as store:
        first_eth = MarketData(store).close("ETH").index.min().date().isoformat()
    # Breakouts before ETH's history have no ETH/BTC ratio to measure.
    assert payload["target_range"]["first"] >= first_eth
    assert payload["events"]["before_target"] and all(d < first_eth for d in payload["events"]["before_target"])
