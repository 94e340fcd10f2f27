"""The shared signal cache: one computation per store, day and arguments; never stale, never shared mutably."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.signals import cache
from riskcurve.signals.registry import SIGNALS


@pytest.fixture
def store_copy(filled_store_path: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(filled_store_path, copy)
    return copy


def test_second_view_of_the_same_day_is_served_from_the_cache(store_copy: Path) -> None:
    cache.clear()
    spec = SIGNALS["cascade"]
    with Store(store_copy, read_only=True) as store:
        first = spec.compute(MarketData(store, as_of="2021-01-15"), None, **spec.parameters)
        before = cache.stats()
        second = spec.compute(MarketData(store, as_of="2021-01-15"), None, **spec.parameters)
        assert cache.stats()["hits"] == before["hits"] + 1
        pd.testing.assert_frame_equal(first, second)
        # A copy each time: editing one result cannot change what the next caller gets.
        column = second.select_dtypes("float").columns[0]
        second.loc[:, column] = -12345.0
        third = spec.compute(MarketData(store, as_of="2021-01-15"), None, **spec.parameters)
        pd.testing.assert_frame_equal(first, third)
        # Another day or other parameters are other results.
        other = spec.compute(MarketData(store, as_of="2020-01-15"), None, **spec.parameters)
        assert other.index.max() < first.index.max()
        changed = spec.compute(MarketData(store, as_of="2021-01-15"), None, **{**spec.parameters, "min_days": 5})
        assert cache.stats()["misses"] == before["misses"] + 2
        assert len(changed) == len(first)


def test_a_written_store_is_read_afresh(store_copy: Path, tmp_path: Path) -> None:
    cache.clear()
    spec = SIGNALS["breakout"]
    with Store(store_copy, read_only=True) as store:
        spec.compute(MarketData(store, as_of="2026-02-20"), "RUT", **spec.parameters)
        version = cache.store_version(store)
    flows = tmp_path / "flows.csv"
    flows.write_text("date,value\n2025-01-03,1\n")
    from riskcurve.data.ingest import import_csv

    with Store(store_copy) as store:
        import_csv(store, flows, "FLOWS")
    with Store(store_copy, read_only=True) as store:
        assert cache.store_version(store) != version
        misses = cache.stats()["misses"]
        spec.compute(MarketData(store, as_of="2026-02-20"), "RUT", **spec.parameters)
        assert cache.stats()["misses"] == misses + 1


def test_in_memory_stores_are_never_cached() -> None:
    with Store(":memory:") as store:
        assert cache.store_version(store) is None
        calls = []
        assert cache.cached(MarketData(store, as_of="2020-01-01"), "x", None, {}, lambda: calls.append(1)) is None
        cache.cached(MarketData(store, as_of="2020-01-01"), "x", None, {}, lambda: calls.append(1))
        assert calls == [1, 1]


@pytest.mark.parametrize("day", ["1999-12-31", "2020-03-18", "2020-03-19", "2026-02-20"])
def test_views_cut_from_the_shared_history_equal_the_stores_own_as_of_reads(filled_store_path: Path, day: str) -> None:
    with Store(filled_store_path, read_only=True) as store:
        data = MarketData(store, as_of=day)
        for symbol in ("RUT", "BTC"):
            pd.testing.assert_frame_equal(data.bars(symbol), store.prices(symbol, as_of=day))
        for symbol in ("WALCL", "RRPONTSYD"):  # weekly with a publication lag; daily
            pd.testing.assert_frame_equal(data.vintages(symbol), store.observations(symbol, as_of=day, vintages=True))
