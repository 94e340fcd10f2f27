"""The DuckDB store: idempotent writes, revisions as vintages, atomic batches, as-of reads."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from riskcurve.data.providers.base import Fetched
from riskcurve.data.schema import SCHEMA_VERSION, SeriesMeta
from riskcurve.data.store import Store
from riskcurve.data.symbols import lookup
from riskcurve.errors import DataError, StoreError, UnknownSymbolError

T0 = pd.Timestamp("2026-01-01 12:00")


def _bars(closes: dict[str, float]) -> pd.DataFrame:
    index = pd.DatetimeIndex(list(closes), name="date")
    close = np.array(list(closes.values()))
    return pd.DataFrame(
        {"open": close, "high": close * 1.01, "low": close * 0.99, "close": close, "volume": np.nan}, index=index
    )


def _values(points: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"value": list(points.values())}, index=pd.DatetimeIndex(list(points), name="date"))


def _price(symbol: str, closes: dict[str, float], at: pd.Timestamp = T0) -> Fetched:
    return Fetched(symbol, "price", _bars(closes), "test", "unit", at)


def _macro(symbol: str, points: dict[str, float], at: pd.Timestamp = T0) -> Fetched:
    return Fetched(symbol, "value", _values(points), "test", "unit", at)


META = {s: SeriesMeta.from_spec(lookup(s)) for s in ("RUT", "BTC", "WALCL", "M2SL")}


def test_write_is_idempotent_and_keeps_fetch_time() -> None:
    with Store() as store:
        first = store.write([_price("RUT", {"2024-01-02": 10.0, "2024-01-03": 11.0})], META)
        assert (first[0].rows_new, first[0].rows_revised) == (2, 0)
        again = store.write([_price("RUT", {"2024-01-02": 10.0, "2024-01-03": 11.0}, T0 + pd.Timedelta(days=1))], META)
        assert (again[0].rows_new, again[0].rows_revised) == (0, 0)
        bars = store.prices("RUT", provenance=True)
        assert (bars["fetched_at"] == T0).all()
        assert bars["close"].tolist() == [10.0, 11.0]


def test_price_revision_updates_in_place() -> None:
    with Store() as store:
        store.write([_price("RUT", {"2024-01-02": 10.0, "2024-01-03": 11.0})], META)
        later = T0 + pd.Timedelta(days=2)
        stats = store.write([_price("RUT", {"2024-01-03": 11.5, "2024-01-04": 12.0}, later)], META)
        assert (stats[0].rows_new, stats[0].rows_revised) == (1, 1)
        bars = store.prices("RUT", provenance=True)
        assert bars["close"].tolist() == [10.0, 11.5, 12.0]
        assert bars.loc["2024-01-02", "fetched_at"] == T0
        assert bars.loc["2024-01-03", "fetched_at"] == later


def test_macro_revision_becomes_a_new_vintage() -> None:
    with Store() as store:
        store.write([_macro("M2SL", {"2025-09-01": 100.0})], META)
        seen = pd.Timestamp("2026-02-01 15:00")
        stats = store.write([_macro("M2SL", {"2025-09-01": 101.0}, seen)], META)
        assert stats[0].rows_revised == 1
        vintages = store.observations("M2SL", vintages=True)
        assert vintages["value"].tolist() == [100.0, 101.0]
        assert vintages["available_at"].iloc[1] == seen
        # Before the revision was seen, the old value is what was known.
        assert store.observations("M2SL", as_of="2026-01-15")["value"].tolist() == [100.0]
        assert store.observations("M2SL")["value"].tolist() == [101.0]


def test_as_of_hides_unpublished_macro_values() -> None:
    with Store() as store:
        store.write([_macro("WALCL", {"2020-03-11": 1.0, "2020-03-18": 2.0})], META)
        assert store.observations("WALCL", as_of="2020-03-18")["value"].tolist() == [1.0]
        assert store.observations("WALCL", as_of="2020-03-19")["value"].tolist() == [1.0, 2.0]


def test_as_of_truncates_prices() -> None:
    with Store() as store:
        store.write([_price("BTC", {"2024-01-01": 1.0, "2024-01-02": 2.0, "2024-01-03": 3.0})], META)
        assert store.prices("BTC", as_of="2024-01-02")["close"].tolist() == [1.0, 2.0]
        assert store.prices("BTC", start="2024-01-02", end="2024-01-03")["close"].tolist() == [2.0, 3.0]


def test_failed_batch_leaves_store_untouched(monkeypatch: pytest.MonkeyPatch) -> None:
    with Store() as store:
        store.write([_price("RUT", {"2024-01-02": 10.0})], META)
        before = store.prices("RUT", provenance=True)
        original = Store._write_values

        def explode(self: Store, item: Fetched, series: SeriesMeta) -> None:
            original(self, item, series)
            raise RuntimeError("disk full")

        monkeypatch.setattr(Store, "_write_values", explode)
        with pytest.raises(RuntimeError, match="disk full"):
            store.write(
                [_price("RUT", {"2024-01-02": 99.0, "2024-01-03": 11.0}), _macro("WALCL", {"2020-03-11": 1.0})], META
            )
        pd.testing.assert_frame_equal(store.prices("RUT", provenance=True), before)
        assert store.symbols() == ["RUT"]
        assert len(store.update_log()) == 1


def test_kind_conflict_is_refused() -> None:
    with Store() as store:
        store.write([_price("RUT", {"2024-01-02": 10.0})], META)
        bogus = {"RUT": SeriesMeta("RUT", "value")}
        with pytest.raises(DataError, match="stored as a price series"):
            store.write([Fetched("RUT", "value", _values({"2024-01-02": 1.0}), "x", "x", T0)], bogus)


def test_unknown_symbol_lists_what_is_held() -> None:
    with Store() as store:
        store.write([_price("RUT", {"2024-01-02": 10.0})], META)
        with pytest.raises(UnknownSymbolError, match=r"FOO: not in the store \(it holds: RUT\)"):
            store.read("FOO")


def test_file_store_persists_and_reopens_read_only(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "rc.duckdb"
    with Store(path) as store:
        store.write([_price("RUT", {"2024-01-02": 10.0})], META)
        assert store.schema_version() == SCHEMA_VERSION
    with Store(path, read_only=True) as store:
        assert store.prices("RUT")["close"].tolist() == [10.0]
        with pytest.raises(StoreError, match="read-only"):
            store.write([_price("RUT", {"2024-01-03": 1.0})], META)


def test_a_released_reader_sees_series_written_meanwhile(tmp_path: Path) -> None:
    # A read-only store reads the series table once per connection; a write by another process
    # can only happen while it is released, and the reopened connection must see it.
    path = tmp_path / "s.duckdb"
    with Store(path) as writer:
        writer.write([_price("RUT", {"2024-01-02": 100.0})], META)
    reader = Store(path, read_only=True)
    assert reader.meta("rut").kind == "price"
    with pytest.raises(UnknownSymbolError, match="RUT"):
        reader.meta("WALCL")
    reader.release()
    with Store(path) as writer:
        writer.write([_macro("WALCL", {"2024-01-03": 7.0})], META)
    assert reader.meta("WALCL").kind == "value"
    assert reader.kind("RUT") == "price"
    reader.close()


def test_missing_store_read_only_says_how_to_fill_it(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="run `riskcurve update` first"):
        Store(tmp_path / "absent.duckdb", read_only=True)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rc.duckdb"
    with Store(path) as store:
        store._con.execute("INSERT INTO schema_migrations VALUES (999, 'future', now())")
    with pytest.raises(StoreError, match="newer than this riskcurve"):
        Store(path)


def test_parquet_export_round_trips(tmp_path: Path) -> None:
    with Store() as store:
        store.write([_macro("WALCL", {"2020-03-11": 1.0, "2020-03-18": 2.0})], META)
        target = store.export_parquet("WALCL", tmp_path / "out" / "walcl.parquet")
        frame = duckdb.sql(f"SELECT * FROM read_parquet('{target}') ORDER BY date").df()
        assert frame["value"].tolist() == [1.0, 2.0]
        assert {"available_at", "provider", "fetched_at"} <= set(frame.columns)
        assert not list((tmp_path / "out").glob("*.part"))


def test_list_series_counts_and_ranges() -> None:
    with Store() as store:
        store.write(
            [_price("RUT", {"2024-01-02": 10.0, "2024-01-03": 11.0}), _macro("WALCL", {"2020-03-18": 2.0})], META
        )
        listing = store.list_series().set_index("symbol")
        assert listing.loc["RUT", "rows"] == 2
        assert str(listing.loc["RUT", "last_date"])[:10] == "2024-01-03"
        assert listing.loc["WALCL", "providers"] == "test"
        as_of = store.list_series(as_of="2020-03-18").set_index("symbol")
        assert as_of.loc["WALCL", "rows"] == 0


def test_an_older_store_read_only_has_no_price_revisions(tmp_path: Path) -> None:
    # A file written before migration 3 and opened read-only is not migrated; it holds no revisions.
    path = tmp_path / "old.duckdb"
    with Store(path) as store:
        store.write([_price("RUT", {"2024-01-02": 10.0})], META)
        current = store.price_revisions()
        store.connection.execute("DROP TABLE price_revisions")
        for later in ("digest_history", "digest_forecasts"):  # migration 4
            store.connection.execute(f"DROP TABLE {later}")
        store.connection.execute("DELETE FROM schema_migrations WHERE version >= 3")
    with Store(path, read_only=True) as store:
        assert store.schema_version() == 2
        old = store.price_revisions("RUT")
        assert store.prices("RUT")["close"].tolist() == [10.0]
    assert old.empty and list(old.columns) == list(current.columns)
    assert list(old.dtypes) == list(current.dtypes)
