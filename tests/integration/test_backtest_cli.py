"""`riskcurve backtest` and `riskcurve sweep` on the store filled from the snapshot."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from riskcurve.data.store import Store


def test_backtest_json_on_the_snapshot(cli: Callable[..., tuple[int, str, str]], filled_store_path: Path) -> None:
    code, out, err = cli(
        "backtest",
        "--rule",
        "cascade-liquidity",
        "--asset",
        "BTC",
        "--cost-bp",
        "10",
        "--slippage-bp",
        "5",
        "--store",
        str(filled_store_path),
        "--as-of",
        "2026-02-20",
        "--json",
        "--curves",
    )
    assert code == 0, err
    payload = json.loads(out)
    assert payload["rule"] == "cascade-liquidity" and payload["asset"] == "BTC"
    assert payload["parameters"]["stage"] == 3
    assert set(payload["metrics"]) == {"cascade-liquidity", "buy_and_hold", "halving_cycle"}
    settings = payload["settings"]
    assert settings["lag"] == 1 and settings["cost_bp"] == 10 and settings["periods_per_year"] == 365
    # BTC's history starts 2013-04-29; the cascade and liquidity signals are known earlier.
    assert settings["start"] == "2013-04-29" and settings["end"] == "2026-02-20"
    # Buy-and-hold: bought with 15 bp of costs at the close of the bar after the first one (lag 1,
    # the same bar an always-long strategy would enter on), held to the last.
    with Store(filled_store_path, read_only=True) as store:
        btc = store.prices("BTC", as_of=pd.Timestamp("2026-02-20"))["close"]
    expected = btc.iloc[-1] / btc.loc["2013-04-30"] / (1.0005 * 1.001) - 1
    held = payload["metrics"]["buy_and_hold"]
    assert held["total_return"] == pytest.approx(expected, rel=1e-9)
    assert held["trades"] == 1 and held["exposure"] == pytest.approx(1.0 - 2 / held["bars"])
    strategy = payload["metrics"]["cascade-liquidity"]
    assert 0 < strategy["exposure"] < 1 and strategy["trades"] == len(
        [t for t in payload["trades"] if t["strategy"] == "cascade-liquidity"]
    )
    for name in payload["metrics"]:
        assert 0.0 <= payload["metrics"][name]["dsr"] <= 1.0
        assert payload["metrics"][name]["max_drawdown"] < 0
    assert payload["equity"][0]["date"] == "2013-04-29" and len(payload["equity"]) == held["bars"]


def _backtest_json(cli: Callable[..., tuple[int, str, str]], store: Path, *argv: str) -> dict[str, Any]:
    code, out, err = cli("backtest", *argv, "--store", str(store), "--as-of", "2026-02-20", "--json")
    assert code == 0, err
    return dict(json.loads(out))


def test_backtest_rut_breakout_on_the_alt_basket(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path
) -> None:
    payload = _backtest_json(cli, filled_store_path, "--rule", "rut-breakout", "--asset", "ALTS", "-p", "hold_days=90")
    trades = [t for t in payload["trades"] if t["strategy"] == "rut-breakout"]
    # Confirmed RUT breakouts inside the basket's history (2013-2025): entries on the day after
    # each confirmation, each held about 90 days.
    entries = [t["entry_date"] for t in trades]
    assert entries and all(e > "2013-04-29" for e in entries)
    assert any(e.startswith("2020-11") for e in entries)
    for trade in trades:
        if trade["exit_date"]:
            held = (pd.Timestamp(trade["exit_date"]) - pd.Timestamp(trade["entry_date"])).days
            assert 85 <= held <= 95


def test_backtest_errors_are_one_line(cli: Callable[..., tuple[int, str, str]], filled_store_path: Path) -> None:
    code, _, err = cli("backtest", "--rule", "moonshot", "--store", str(filled_store_path))
    assert code == 1 and "unknown rule 'moonshot'" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli("backtest", "--rule", "cascade", "-p", "stage=9", "--store", str(filled_store_path))
    assert code == 1 and "stage must be an integer from 1 to 5" in err


def test_sweep_json_on_the_snapshot(cli: Callable[..., tuple[int, str, str]], filled_store_path: Path) -> None:
    code, out, err = cli(
        "sweep",
        "--grid",
        "breakout",
        "--assets",
        "BTC,ETH",
        "--lags",
        "1,5",
        "-p",
        "min_base=125,250",
        "-p",
        "confirm_closes=1,3",
        "-p",
        "hold_days=90,180",
        "--reps",
        "200",
        "--store",
        str(filled_store_path),
        "--as-of",
        "2026-02-20",
        "--json",
        "--top",
        "5",
    )
    assert code == 0, err
    payload = json.loads(out)
    assert payload["combinations"] == 2 * 2 * 2 * 2 * 2
    assert payload["settings"]["assets"] == ["BTC", "ETH"]
    assert len(payload["top"]) == 5
    sharpes = [row["sharpe"] for row in payload["top"]]
    assert sharpes == sorted(sharpes, reverse=True)
    for row in payload["top"]:
        assert row["p_holm"] >= row["p"] and row["p_bh"] >= row["p"]
        assert {"min_base", "confirm_closes", "hold_days", "asset", "lag", "dsr", "t_hac"} <= set(row)
    snooping = payload["snooping"]
    assert snooping["method"] == "spa" and snooping["n_models"] == 32 and snooping["reps"] == 200
    assert snooping["pvalue_lower"] <= snooping["pvalue_consistent"] <= snooping["pvalue_upper"]
    # The common sample of BTC and ETH starts with ETH (2015-08-08).
    assert payload["settings"]["common_start"] == "2015-08-08"
    walk = payload["walk_forward"]
    assert walk["windows"] and set(walk["metrics"]) == {"walk_forward", "buy_and_hold"}


def test_sweep_rejects_unknown_executor(cli: Callable[..., tuple[int, str, str]], filled_store_path: Path) -> None:
    code, _, err = cli("sweep", "--executor", "spark", "--store", str(filled_store_path))
    assert code != 0 and "--executor" in err


def test_backtest_a_derived_series_state_on_the_snapshot(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path
) -> None:
    payload = _backtest_json(cli, filled_store_path, "--rule", "state", "-p", "when=NETLIQ.chg_13w>0", "--asset", "BTC")
    assert payload["rule"] == "state" and payload["parameters"] == {"when": "NETLIQ.chg_13w>0"}
    assert set(payload["metrics"]) == {"state", "buy_and_hold", "halving_cycle"}
    assert 0.3 < payload["metrics"]["state"]["exposure"] < 0.8
    # Every entry is the bar after a day on which net liquidity's 13-week change was known to be
    # positive, every exit the bar after a day on which it was not: read as of that day, no later.
    from riskcurve.backtest.rules import condition_holds
    from riskcurve.data.panel import MarketData

    with Store(filled_store_path, read_only=True) as store:
        state = condition_holds(MarketData(store, as_of="2026-02-20"), "NETLIQ.chg_13w>0")
    trades = [t for t in payload["trades"] if t["strategy"] == "state"]
    assert len(trades) > 20
    for trade in trades:
        signal_day = pd.Timestamp(trade["entry_date"]) - pd.Timedelta(days=1)
        assert state[signal_day] == 1.0
        # A turn to positive, except when it already held on the first bar of the backtest.
        assert (
            signal_day == pd.Timestamp(payload["settings"]["start"]) or state[signal_day - pd.Timedelta(days=1)] == 0.0
        )
        if trade["exit_date"]:
            assert state[pd.Timestamp(trade["exit_date"]) - pd.Timedelta(days=1)] == 0.0


def test_the_state_rule_has_no_look_ahead_on_the_snapshot(filled_store_path: Path) -> None:
    # Truncation: the positions of a backtest standing on an earlier day are the later run's up to that day.
    from riskcurve.backtest.rules import backtest_rule
    from riskcurve.data.panel import MarketData

    when = {"when": "NETLIQ.chg_13w>0"}
    with Store(filled_store_path, read_only=True) as store:
        late = backtest_rule(MarketData(store, as_of="2026-02-20"), "state", "BTC", parameters=when).positions
        early = backtest_rule(MarketData(store, as_of="2021-06-30"), "state", "BTC", parameters=when).positions
    assert early.index[-1] == pd.Timestamp("2021-06-30")
    pd.testing.assert_series_equal(early["state"], late["state"].loc[:"2021-06-30"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["backtest", "--rule", "state", "--asset", "NETLIQ"],
            "asset NETLIQ cannot be traded: it is a macro aggregate",
        ),
        (["backtest", "--rule", "cascade", "--asset", "DGS2"], "asset DGS2 is a value series, not a tradable price"),
        (["sweep", "--grid", "ma-cross", "--assets", "BTC,TGA"], "asset TGA cannot be traded"),
    ],
)
def test_macro_series_are_refused_as_assets_in_one_line(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path, argv: list[str], message: str
) -> None:
    code, _, err = cli(*argv, "--store", str(filled_store_path), "--as-of", "2026-02-20")
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1
