"""Readers and writers on one store at once, in separate processes (issue 11).

Writers do what ``update`` and ``watch`` do: open the store for writing, write a batch in one
transaction, close. Readers do what the dashboard and the read commands do: open read-only,
query, close, and come back a moment later. DuckDB lets only one process hold the file for
writing, and no reader meanwhile; the store's open waits with backoff, so nobody fails.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from pathlib import Path
from typing import Any

import pandas as pd

from riskcurve.data.providers.base import Fetched
from riskcurve.data.schema import SeriesMeta
from riskcurve.data.store import Store

WRITERS = 2
WRITES_EACH = 10
READERS = 3
READS_EACH = 30
SYMBOL = "CONC"
START = pd.Timestamp("2001-01-01")


def _bar(day: pd.Timestamp, close: float) -> pd.DataFrame:
    index = pd.DatetimeIndex([day], name="date")
    return pd.DataFrame(
        {"open": [close], "high": [close], "low": [close], "close": [close], "volume": [1.0]}, index=index
    )


def _day(writer: int, step: int) -> pd.Timestamp:
    return START + pd.Timedelta(days=writer * 1000 + step)


def _writer(path: str, writer: int) -> dict[str, Any]:
    done, failures = 0, []
    meta = {SYMBOL: SeriesMeta(SYMBOL, "price", origin="provider")}
    for step in range(WRITES_EACH):
        try:
            with Store(path) as store:
                store.write([Fetched(SYMBOL, "price", _bar(_day(writer, step), 100.0 + step), "test", "test")], meta)
                time.sleep(0.02)  # a write that takes a moment, as a real batch does
            done += 1
        except Exception as failure:  # noqa: BLE001 - every failure is counted and reported
            failures.append(f"writer {writer}: {type(failure).__name__}: {failure}")
    return {"role": "writer", "ops": done, "failures": failures}


def _reader(path: str, reader: int) -> dict[str, Any]:
    pause = random.Random(reader)  # private: the global RNG stays untouched
    done, failures, seen = 0, [], 0
    for _ in range(READS_EACH):
        try:
            with Store(path, read_only=True) as store:
                listed = store.list_series()
                seen = max(seen, len(store.prices(SYMBOL)))
                assert SYMBOL in set(listed["symbol"])
            done += 1
        except Exception as failure:  # noqa: BLE001 - every failure is counted and reported
            failures.append(f"reader {reader}: {type(failure).__name__}: {failure}")
        time.sleep(pause.uniform(0.0, 0.03))  # a dashboard between two requests
    return {"role": "reader", "ops": done, "failures": failures, "seen": seen}


def _dashboard_reader(path: str, reader: int) -> dict[str, Any]:
    """Reads the way the dashboard does: through its StoreReader, one computation per request."""
    from riskcurve.dashboard.app import StoreReader

    pages = StoreReader(path)
    pause = random.Random(100 + reader)
    done, failures, seen = 0, [], 0
    for request in range(READS_EACH):
        try:
            # A new key each time: the dashboard's cache would otherwise answer without reading.
            seen = max(seen, pages.cached(("rows", request), lambda store: len(store.prices(SYMBOL))))
            done += 1
        except Exception as failure:  # noqa: BLE001 - every failure is counted and reported
            failures.append(f"dashboard reader {reader}: {type(failure).__name__}: {failure}")
        time.sleep(pause.uniform(0.0, 0.03))
    return {"role": "reader", "ops": done, "failures": failures, "seen": seen}


def _context() -> Any:
    # fork where there is one: the children start at once instead of importing the package again
    # (no DuckDB connection is open in the parent when it forks).
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _run(job: tuple[str, str, int]) -> dict[str, Any]:
    role, path, number = job
    if role == "writer":
        return _writer(path, number)
    return _dashboard_reader(path, number) if role == "dashboard" else _reader(path, number)


def test_parallel_readers_and_writers_never_fail_and_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.duckdb")
    meta = {SYMBOL: SeriesMeta(SYMBOL, "price", origin="provider")}
    with Store(path) as store:
        store.write([Fetched(SYMBOL, "price", _bar(START - pd.Timedelta(days=1), 99.0), "test", "test")], meta)
    # Dashboard-style reads twice over: the store's read path, and the dashboard's own reader.
    jobs = [("writer", path, n) for n in range(WRITERS)] + [("reader", path, n) for n in range(READERS - 1)]
    jobs.append(("dashboard", path, READERS - 1))
    began = time.monotonic()
    with _context().Pool(len(jobs)) as pool:
        results = pool.map(_run, jobs)
    seconds = time.monotonic() - began
    failures = [f for r in results for f in r["failures"]]
    writes = sum(r["ops"] for r in results if r["role"] == "writer")
    reads = sum(r["ops"] for r in results if r["role"] == "reader")
    print(
        f"\n{len(jobs)} processes ({WRITERS} writers, {READERS} readers), {seconds:.1f} s: "
        f"{reads} reads, {writes} writes, {len(failures)} failures"
    )
    assert failures == []
    assert writes == WRITERS * WRITES_EACH and reads == READERS * READS_EACH
    with Store(path, read_only=True) as store:
        stored = store.prices(SYMBOL)
    expected = {START - pd.Timedelta(days=1)} | {_day(w, s) for w in range(WRITERS) for s in range(WRITES_EACH)}
    assert set(stored.index) == expected  # every row present, none twice
    assert len(store_log(path)) == 1 + WRITERS * WRITES_EACH


def store_log(path: str) -> pd.DataFrame:
    with Store(path, read_only=True) as store:
        return store.update_log(SYMBOL)


def test_a_writer_waits_for_a_reader_then_writes(tmp_path: Path) -> None:
    path = str(tmp_path / "s.duckdb")
    meta = {SYMBOL: SeriesMeta(SYMBOL, "price", origin="provider")}
    with Store(path) as store:
        store.write([Fetched(SYMBOL, "price", _bar(START, 1.0), "test", "test")], meta)
    holding = _context().Process(target=_hold, args=(path, 1.0))
    holding.start()
    try:
        _wait_until_locked(path)
        with Store(path, lock_timeout=30) as store:  # waits for the reader to let go
            store.write([Fetched(SYMBOL, "price", _bar(START + pd.Timedelta(days=1), 1.0), "test", "test")], meta)
            assert len(store.prices(SYMBOL)) == 2
    finally:
        holding.join(30)


def _hold(path: str, seconds: float) -> None:
    with Store(path, read_only=True):
        time.sleep(seconds)


def _wait_until_locked(path: str) -> None:
    import duckdb

    for _ in range(500):
        try:
            duckdb.connect(path).close()
        except duckdb.IOException:
            return
        time.sleep(0.01)
    raise AssertionError("the reader process never opened the store")
