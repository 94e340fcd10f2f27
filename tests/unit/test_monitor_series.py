"""The monitor's series from the snapshot: catalogued with units and release rules, stored point-in-time."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from riskcurve.data.ingest import update
from riskcurve.data.panel import MarketData
from riskcurve.data.providers.base import Fetched, utc_now
from riskcurve.data.release import available_at, describe_rule, knowledge_cutoff
from riskcurve.data.schema import SeriesMeta
from riskcurve.data.store import Store
from riskcurve.data.symbols import STABLECOIN_TOTALS, lookup
from riskcurve.data.validation import read_csv_text, validate_values
from riskcurve.signals.stablecoins import total_supply

NEW_VALUES = {"CFTC_BTC_CME_OI": "cftc", "BTC_SPOT_ETF_NETFLOW": "next_day", "STABLECOIN_SUPPLY_TOTAL": "next_day"}
NEW_PRICES = ("NDX", "STAR50")


def _values(snapshot_root: Path, name: str) -> pd.Series:
    path = snapshot_root / "macro" / f"{name}.csv"
    return validate_values(read_csv_text(path, symbol=name), source=str(path), symbol=name)["value"]


@pytest.mark.parametrize("name", [*NEW_VALUES, *NEW_PRICES])
def test_each_new_series_is_catalogued_with_a_unit(name: str) -> None:
    spec = lookup(name)
    assert spec.unit and spec.description
    if name in NEW_VALUES:
        assert (spec.kind, spec.release) == ("value", NEW_VALUES[name])
    else:
        assert spec.kind == "price" and spec.calendar == "exchange"


def test_units_match_the_files(snapshot_root: Path) -> None:
    oi = _values(snapshot_root, "CFTC_BTC_CME_OI")
    assert (oi == oi.round()).all() and (oi > 0).all()  # whole contracts
    assert "contracts" in lookup("CFTC_BTC_CME_OI").unit
    flows = _values(snapshot_root, "BTC_SPOT_ETF_NETFLOW")
    # Daily net flows of all US spot-BTC ETFs are at most a few billion dollars: millions here.
    assert (flows < 0).any() and flows.abs().max() < 10_000
    assert lookup("BTC_SPOT_ETF_NETFLOW").unit == "USD millions"
    supply = _values(snapshot_root, "STABLECOIN_SUPPLY_TOTAL")
    assert supply.iloc[-1] > 1e10  # dollars, not millions or billions
    assert lookup("STABLECOIN_SUPPLY_TOTAL").unit == "USD"
    assert STABLECOIN_TOTALS[0] == "STABLECOINS" and "STABLECOIN_SUPPLY_TOTAL" in STABLECOIN_TOTALS


def test_snapshot_update_stores_them_with_catalogue_metadata(filled_store: Store, snapshot_root: Path) -> None:
    for name, rule in NEW_VALUES.items():
        meta = filled_store.meta(name)
        assert (meta.kind, meta.release, meta.origin) == ("value", rule, "catalogue")
        stored = filled_store.observations(name)
        expected = _values(snapshot_root, name)
        assert len(stored) == len(expected)
        pd.testing.assert_index_equal(
            pd.DatetimeIndex(stored["available_at"]).as_unit("ns"),
            available_at(pd.DatetimeIndex(stored.index), rule).as_unit("ns").rename("available_at"),
            check_names=False,
        )
    for name in NEW_PRICES:
        assert filled_store.meta(name).origin == "catalogue"
        assert filled_store.last_date(name) is not None


def test_cftc_reads_point_in_time_from_the_store(filled_store: Store, snapshot_root: Path) -> None:
    oi = _values(snapshot_root, "CFTC_BTC_CME_OI")
    # The last report in the snapshot that came out on its ordinary Friday, with one before it.
    tuesdays = [d for d in oi.index[1:] if d.day_of_week == 1]
    tuesday = next(
        d
        for d in reversed(tuesdays)
        if available_at(pd.DatetimeIndex([d]), "cftc")[0].date() == (d + pd.Timedelta(days=3)).date()
    )
    previous = oi.index[oi.index.get_loc(tuesday) - 1]
    thursday, friday = tuesday + pd.Timedelta(days=2), tuesday + pd.Timedelta(days=3)
    days = pd.DatetimeIndex([thursday, friday])
    read = MarketData(filled_store, as_of=friday).known("CFTC_BTC_CME_OI", days)
    assert read.iloc[0] == oi[previous] and read.iloc[1] == oi[tuesday]
    # Standing on Thursday, Tuesday's figure does not exist yet.
    thursday_view = MarketData(filled_store, as_of=thursday).vintages("CFTC_BTC_CME_OI")
    assert thursday_view.index.max() == previous
    assert (thursday_view["available_at"] <= knowledge_cutoff(thursday)).all()


def test_a_series_stored_before_the_catalogue_named_it_is_redated(snapshot_root: Path, tmp_path: Path) -> None:
    path = snapshot_root / "macro" / "CFTC_BTC_CME_OI.csv"
    frame = validate_values(read_csv_text(path, symbol="CFTC_BTC_CME_OI"), source=str(path), symbol="CFTC_BTC_CME_OI")
    with Store(tmp_path / "rc.duckdb") as store:
        # What an older riskcurve stored: an extra snapshot file, known at the end of its date.
        store.write(
            [Fetched("CFTC_BTC_CME_OI", "value", frame, "snapshot", str(path), utc_now())],
            {"CFTC_BTC_CME_OI": SeriesMeta("CFTC_BTC_CME_OI", "value", origin="provider")},
        )
        tuesday = frame.index[-1]
        assert MarketData(store, as_of=tuesday).vintages("CFTC_BTC_CME_OI").index.max() == tuesday  # look-ahead
        result = update(store, ["CFTC_BTC_CME_OI"], snapshot=snapshot_root, offline=True)
        assert (result.rows_new, result.rows_revised) == (0, 0)
        meta = store.meta("CFTC_BTC_CME_OI")
        assert (meta.origin, meta.release, meta.unit) == ("catalogue", "cftc", lookup("CFTC_BTC_CME_OI").unit)
        stored = store.observations("CFTC_BTC_CME_OI", vintages=True)
        assert len(stored) == len(frame)  # nothing lost, nothing doubled
        assert MarketData(store, as_of=tuesday).vintages("CFTC_BTC_CME_OI").index.max() < tuesday


def test_total_supply_prefers_the_first_known_copy() -> None:
    days = pd.date_range("2024-01-01", periods=4, freq="D")
    live = pd.Series([None, 2.0, None, 4.0], index=days, dtype=float)
    snapshot = pd.Series([1.5, 2.1, 3.1, None], index=days, dtype=float)
    got = total_supply(live, snapshot)
    assert got.tolist() == [1.5, 2.0, 3.1, 4.0]
    assert total_supply(None, snapshot).tolist()[:3] == [1.5, 2.1, 3.1]
    with pytest.raises(ValueError, match="same days"):
        total_supply(live, snapshot.iloc[:3])


def test_series_list_and_show_give_them_with_unit_and_release(
    filled_store_path: Path, cli: Callable[..., tuple[int, str, str]]
) -> None:
    code, out, _ = cli("series", "list", "--store", str(filled_store_path), "--json")
    assert code == 0
    listed = {row["symbol"]: row for row in json.loads(out)["series"]}
    for name in (*NEW_VALUES, *NEW_PRICES):
        assert listed[name]["unit"] == lookup(name).unit and listed[name]["rows"] > 0
    code, out, _ = cli("series", "show", "CFTC_BTC_CME_OI", "--store", str(filled_store_path), "--json")
    shown = json.loads(out)
    assert code == 0 and shown["known_from"] == describe_rule("cftc")
    assert all(pd.Timestamp(row["available_at"]) > pd.Timestamp(row["date"]) for row in shown["data"])
    code, out, _ = cli("series", "show", "BTC_SPOT_ETF_NETFLOW", "--store", str(filled_store_path))
    assert code == 0 and "known from: next calendar day" in out
