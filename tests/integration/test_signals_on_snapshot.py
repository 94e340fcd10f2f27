"""Signals, events and the regime through the public entry points, on the real snapshot."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from riskcurve.data.panel import MarketData
from riskcurve.data.release import knowledge_cutoff
from riskcurve.data.store import Store
from riskcurve.signals.regime import regime
from riskcurve.signals.registry import ALTCOINS, SIGNALS, get_signal


def test_breakout_events_json_lists_close_and_intraday_dates(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path
) -> None:
    code, out, _ = cli("events", "breakout", "--symbol", "RUT", "--store", str(filled_store_path), "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["parameters"]["min_base"] == 250
    assert "base" in payload["definition"]
    events = {e["date"]: e for e in payload["events"]}
    # The break of the 2021-11-08 closing high: intraday first (2024-11-25), on close later.
    latest = events["2025-09-18"]
    assert latest["base_start"] == "2021-11-08"
    assert latest["old_high"] == pytest.approx(2442.74, abs=0.01)
    assert latest["intraday_high_date"] == "2024-11-25"
    assert latest["close_high_date"] == "2025-09-18"
    assert latest["base_length"] == 968
    assert {"2016-11-14", "2020-11-13"} <= set(events)


def test_events_respect_parameters(cli: Callable[..., tuple[int, str, str]], filled_store_path: Path) -> None:
    code, out, _ = cli("events", "breakout", "-p", "basis=intraday", "--store", str(filled_store_path), "--json")
    assert code == 0
    dates = [e["date"] for e in json.loads(out)["events"]]
    assert "2024-11-25" in dates and "2025-09-18" not in dates
    code, _, err = cli("events", "breakout", "-p", "min_base=soon", "--store", str(filled_store_path))
    assert code == 1 and "must be a int" in err


@pytest.mark.parametrize("day", ["2021-01-15", "2017-06-01"])
def test_regime_json_is_explained(cli: Callable[..., tuple[int, str, str]], filled_store_path: Path, day: str) -> None:
    code, out, _ = cli("regime", "--as-of", day, "--store", str(filled_store_path), "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["as_of"] == day
    items = {item["name"]: item for item in payload["items"]}
    assert set(items) == set(SIGNALS)
    for item in items.values():
        assert item["definition"] and item["headline"]
        for dates in item["sources"].values():
            assert dates["last"] is None or dates["last"] <= day
    if day == "2021-01-15":
        assert items["cascade"]["state"]["stage"] == 5
        assert items["liquidity"]["state"]["regime"] == "expanding"
        assert items["breakout"]["state"]["in_price_discovery"] is True
        assert items["breakout"]["state"]["last_breakout"]["date"] == "2020-11-13"
        assert items["cycle"]["state"]["last_halving"] == "2020-05-11"
    else:
        # Mid-2017: small caps lagging the S&P 500, so the chain is broken after large caps.
        assert items["cascade"]["state"]["stage"] == 2
        assert items["cascade"]["state"]["links"]["small_caps"]["lit"] is False
        assert items["cycle"]["state"]["last_halving"] == "2016-07-09"
        assert "unknown" in items["altseason"]["headline"]  # too few coins with 90 days of history


def test_default_as_of_is_the_last_common_day(filled_store: Store) -> None:
    picture = regime(filled_store)
    # Read from the data, so a longer snapshot never breaks it: the last day RUT, GSPC and BTC share.
    last = [filled_store.prices(symbol)["close"].dropna().index.max() for symbol in ("RUT", "GSPC", "BTC")]
    assert picture.as_of.isoformat() == min(last).date().isoformat()
    assert picture.note is not None and "today is" in picture.note


def _truncated_copy(source: Path, day: str, target: Path) -> Path:
    """The store as it would have been on ``day``: later bars and later publications removed."""
    cutoff = knowledge_cutoff(day).to_pydatetime()
    with Store(target):
        pass
    con = duckdb.connect(str(target))
    con.execute(f"ATTACH '{source}' AS original (READ_ONLY)")
    con.execute("INSERT INTO series SELECT * FROM original.series")
    con.execute("INSERT INTO prices SELECT * FROM original.prices WHERE date <= ?", [pd.Timestamp(day).date()])
    con.execute("INSERT INTO observations SELECT * FROM original.observations WHERE available_at <= ?", [cutoff])
    con.close()
    return target


@pytest.mark.parametrize("day", ["2020-03-18", "2024-11-26"])
def test_every_signal_is_unchanged_by_truncating_the_store(filled_store_path: Path, tmp_path: Path, day: str) -> None:
    """No look-ahead end to end: a store cut at ``day`` gives the same values up to ``day``."""
    cut_path = _truncated_copy(filled_store_path, day, tmp_path / "cut.duckdb")
    with Store(filled_store_path, read_only=True) as full, Store(cut_path, read_only=True) as cut:
        later = MarketData(full, as_of=pd.Timestamp(day) + pd.Timedelta(days=400))
        then = MarketData(cut, as_of=day)
        for name, spec in SIGNALS.items():
            symbol = spec.default_symbol
            seen_later = spec.compute(later, symbol, **spec.parameters).loc[:day]
            seen_then = spec.compute(then, symbol, **spec.parameters)
            pd.testing.assert_frame_equal(seen_later, seen_then, check_freq=False, obj=name)


def test_unknown_signal_and_missing_series(cli: Callable[..., tuple[int, str, str]], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown signal 'nope'; choose one of breakout"):
        get_signal("nope")
    store = tmp_path / "empty.duckdb"
    Store(store).close()
    code, _, err = cli("signal", "cascade", "--store", str(store), "--as-of", "2021-01-15")
    assert code == 1 and "the store lacks GSPC, RUT, BTC, ETH, DGS10, BAMLH0A0HYM2" in err
    code, out, _ = cli("regime", "--store", str(store), "--as-of", "2021-01-15", "--json")
    assert code == 0
    unavailable = {u["signal"] for u in json.loads(out)["unavailable"]}
    assert {"cascade", "liquidity", "divergence"} <= unavailable


def test_regime_before_bitcoin_lists_crypto_panels_as_unavailable(filled_store: Store) -> None:
    picture = regime(filled_store, "2005-06-01")
    unavailable = dict(picture.unavailable)
    assert set(unavailable) == {"divergence", "altseason", "cycle", "volatility"}
    assert "genesis block" in unavailable["cycle"]
    assert picture.item("liquidity").state["regime"] in {"expanding", "flat", "contracting"}
    assert "no recent data for BTC, ETH" in picture.item("cascade").headline


def test_data_through_is_held_back_by_needed_inputs_only(filled_store: Store) -> None:
    # A coin whose closes stop leaves the alt basket; it must not make the cascade or altseason
    # look as old as its last close. The day is read from the data: 50 days after the basket's
    # earliest-ending coin stopped (in the snapshot, BCH and XLM stop long before BTC does).
    lasts = {s: filled_store.last_date(s) for s in ALTCOINS if s in filled_store.symbols()}
    first_to_stop = min(lasts, key=lambda s: lasts[s])  # type: ignore[arg-type, return-value]
    stopped = lasts[first_to_stop]
    assert stopped is not None
    day = stopped + pd.Timedelta(days=50)
    assert day <= filled_store.last_date("BTC"), "the snapshot has a coin whose closes stop well before BTC's"
    picture = regime(filled_store, day.strftime("%Y-%m-%d"))
    items = {item.name: item for item in picture.items}
    needed = {
        "cascade": ("DGS10", "BAMLH0A0HYM2", "GSPC", "RUT", "BTC", "ETH"),
        "altseason": ("BTC", "ETH"),
        "liquidity": ("WALCL", "WTREGEN", "RRPONTSYD"),
        "volatility": ("BTC",),
    }
    for name, symbols in needed.items():
        item = items[name]
        assert item.through == min(item.sources[s][1] for s in symbols), name  # type: ignore[type-var]
    basket_lasts = {s: last for s, (_, last) in items["altseason"].sources.items() if s not in ("BTC", "ETH")}
    assert basket_lasts[first_to_stop] == stopped.strftime("%Y-%m-%d")
    assert items["altseason"].through is not None and items["altseason"].through > basket_lasts[first_to_stop]
    assert items["cycle"].through is None  # a signal of the calendar reads no series
    assert picture.to_dict()["items"][0]["through"] == items["cascade"].through


def test_every_liquidity_level_says_its_unit(filled_store: Store) -> None:
    """Each column of the liquidity frame that is a level or a change of one has a unit, and none is invented.

    A claim comparing such a figure with a bound prints the unit beside both (C14: USD billions).
    """
    spec = SIGNALS["liquidity"]
    frame = spec.compute(MarketData(filled_store), None)
    levels = {c for c in frame.columns if c != "regime" and "_pct_" not in c}
    assert levels - set(spec.units) == set()
    # Columns that need an optional input (WSHOSHO, JPNASSETS, the live STABLECOINS) are the only
    # ones the snapshot may lack.
    optional = {"jp_boj_assets", "stablecoin_supply", "stablecoin_chg_4w", "stablecoin_chg_13w"}
    optional |= {f"{p}_{w}" for p in ("securities", "other_assets") for w in ("4w", "13w", "52w")}
    assert set(spec.units) - set(frame.columns) <= optional
    assert spec.units["net_liquidity"] == "USD billions" and spec.units["hy_spread"] == "percent"
