"""`riskcurve study` on the real snapshot: Russell 2000 breakouts against Bitcoin."""

from __future__ import annotations

import contextlib
import io
import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskcurve.cli import main
from riskcurve.data.store import Store

AS_OF = "2026-02-20"  # pinned: the numbers below must not move when the snapshot grows
MEASURED = ["2016-11-14", "2020-11-13", "2025-09-18"]
BEFORE_BTC = ["1989-06-02", "1991-10-16", "1995-05-16", "1999-12-29", "2004-04-05", "2011-04-27", "2013-01-02"]


@pytest.fixture(scope="module")
def payload(filled_store_path: Path) -> dict:
    """The JSON of the study, computed once for the module (the CLI is deterministic given --seed)."""
    # capsys is function-scoped: capture stdout by hand for this module-scoped run.
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        try:
            main(
                [
                    "study",
                    "--events",
                    "breakout:RUT",
                    "--target",
                    "BTC",
                    "--json",
                    "--as-of",
                    AS_OF,
                    "--reps",
                    "2000",
                    "--seed",
                    "1",
                    "--store",
                    str(filled_store_path),
                ]
            )
        except SystemExit as done:  # pragma: no cover - a failure shows up in the assertions
            assert not done.code
    return json.loads(buffer.getvalue())


@pytest.fixture(scope="module")
def btc(filled_store_path: Path) -> pd.Series:
    with Store(filled_store_path, read_only=True) as store:
        return store.prices("BTC", as_of=pd.Timestamp(AS_OF))["close"]


def test_header_and_events(payload: dict) -> None:
    assert payload["as_of"] == AS_OF and payload["signal"] == "breakout" and payload["symbol"] == "RUT"
    assert payload["target"] == "BTC" and payload["schema"] == "riskcurve.event_study/1"
    assert payload["parameters"]["min_base"] == 250 and "base" in payload["definition"]
    assert payload["sources"]["BTC"] == {"first": "2013-04-29", "last": AS_OF}
    assert payload["sources"]["RUT"]["first"] == "1987-09-10"
    assert payload["events"]["given"] == 10 and payload["events"]["measured"] == 3
    assert payload["events"]["before_target"] == BEFORE_BTC
    measured = [e["date"] for e in payload["event_returns"] if e["status"] == "ok"]
    assert measured == MEASURED
    assert payload["seed"] == 1 and payload["reps"] == 2000 and payload["min_spacing"] == 252


def test_per_horizon_numbers_match_an_independent_computation(payload: dict, btc: pd.Series) -> None:
    results = {r["horizon"]: r for r in payload["results"]}
    assert [results[h]["n"] for h in (21, 63, 126, 252)] == [3, 3, 3, 2]
    # The 2025-09-18 breakout is 155 BTC days old on 2026-02-20: too recent for 252 days only.
    assert [results[h]["n_too_recent"] for h in (21, 63, 126, 252)] == [0, 0, 0, 1]
    logs = np.log(btc.to_numpy())
    for h, row in results.items():
        # Entry at the first BTC close strictly after the (New York) breakout day.
        entries = [int(btc.index.searchsorted(pd.Timestamp(d), side="right")) for d in MEASURED]
        event_returns = [logs[e + h] - logs[e] for e in entries if e + h < len(logs)]
        assert row["n"] == len(event_returns)
        assert row["mean"] == pytest.approx(np.mean(event_returns), rel=1e-9)
        assert row["median"] == pytest.approx(np.median(event_returns), rel=1e-9)
        # Baseline: every BTC entry day from the second bar on with a full horizon.
        baseline = logs[1 + h :] - logs[1 : len(logs) - h]
        assert row["baseline_n"] == len(baseline)
        assert row["baseline_mean"] == pytest.approx(baseline.mean(), rel=1e-9)
        assert row["difference"] == pytest.approx(row["mean"] - row["baseline_mean"])
        assert row["ci_low"] < row["difference"] < row["ci_high"]
        assert 0 < row["p_two_sided"] <= 1 and 0 < row["p_greater"] <= 1
        assert row["p_holm"] >= row["p_two_sided"]
        assert row["hit_low"] <= row["hit_rate"] <= row["hit_high"]
        assert math.isfinite(row["mde"]) and row["mde"] > 0
        assert row["verdict_code"] == "too_few_events"
        assert "too few events to conclude" in row["verdict"]
    first = next(e for e in payload["event_returns"] if e["date"] == "2016-11-14")
    assert first["entry"] == "2016-11-15"
    assert first["entry_close"] == pytest.approx(btc.loc["2016-11-15"])


def test_verdict_says_too_few_in_numbers_and_words(payload: dict) -> None:
    assert "too few events to conclude" in payload["verdict"]
    assert "at most 3 events" in payload["verdict"]
    assert payload["warnings"] and "fewer than 5 events" in payload["warnings"][0]
    results = {r["horizon"]: r for r in payload["results"]}
    assert "2 events (1 event too recent for 252 bars)" in results[252]["verdict"]
    # With 3 events the smallest difference detectable at 80% power dwarfs the baseline itself.
    assert results[126]["mde"] > results[126]["baseline_mean"]
    assert all(math.isfinite(r["ci_low"]) and math.isfinite(r["ci_high"]) for r in payload["results"])


def test_same_seed_same_json(cli: Callable[..., tuple[int, str, str]], filled_store_path: Path, payload: dict) -> None:
    argv = ["study", "--events", "breakout:RUT", "--target", "BTC", "--json", "--as-of", AS_OF]
    argv += ["--reps", "2000", "--seed", "1"]
    code, out, _ = cli(*argv, "--store", str(filled_store_path))
    assert code == 0 and json.loads(out) == payload


def test_human_output_and_options(cli: Callable[..., tuple[int, str, str]], filled_store_path: Path) -> None:
    store = str(filled_store_path)
    code, out, err = cli(
        "study",
        "--events",
        "breakout:RUT",
        "--target",
        "RUT",
        "--horizons",
        "21,63",
        "--reps",
        "300",
        "--seed",
        "2",
        "--kind",
        "simple",
        "--as-of",
        "2021-06-30",
        "--store",
        store,
    )
    assert code == 0
    assert "Event study: breakout:RUT -> RUT as of 2021-06-30 (simple returns)" in out
    # Nine breakouts up to 2020-11-13, each at least 63 sessions apart, all with a full horizon.
    assert "Events: 9 given, 9 measured" in out and "Verdict:" in out
    assert "too few" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--events", ":RUT", "--target", "BTC"], "NAME:SYMBOL"),
        (["--events", "nope:RUT", "--target", "BTC"], "unknown signal 'nope'"),
        (["--events", "breakout:RUT", "--target", "NOPE"], "lacks NOPE"),
        (["--events", "breakout:RUT", "--target", "BTC", "--horizons", "21,x"], "whole numbers"),
        (["--events", "breakout:RUT", "--target", "BTC", "--kind", "pct"], "kind must be one of"),
        (["--events", "breakout:RUT", "--target", "BTC", "-p", "min_base=soon"], "must be a int"),
    ],
)
def test_bad_input_exits_with_one_line(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path, argv: list[str], message: str
) -> None:
    code, out, err = cli("study", *argv, "--reps", "10", "--store", str(filled_store_path))
    assert code != 0 and message in err and not out
