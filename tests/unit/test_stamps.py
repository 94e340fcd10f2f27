"""A no-op snapshot update skips unchanged files; any change to a file's bytes is read again."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from riskcurve.data import stamps
from riskcurve.data.ingest import update
from riskcurve.data.providers.base import Fetched
from riskcurve.data.providers.snapshot import SnapshotProvider
from riskcurve.data.store import Store


def test_unchanged_files_are_skipped_and_changed_ones_read(
    mini_snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []
    original = SnapshotProvider.fetch

    def counting(self: SnapshotProvider, symbol: str, start: object = None, end: object = None) -> Fetched:
        read.append(symbol)
        return original(self, symbol, start, end)  # type: ignore[arg-type]

    monkeypatch.setattr(SnapshotProvider, "fetch", counting)
    with Store(tmp_path / "rc.duckdb") as store:
        first = update(store, snapshot=mini_snapshot, offline=True)
        assert sorted(read) == ["BTC", "M2SL", "RUT", "WALCL"] and first.rows_new > 0
        before = {s: store.read(s, provenance=True) for s in store.symbols()}
        read.clear()
        second = update(store, snapshot=mini_snapshot, offline=True)
        assert read == [] and second.rows_new == 0 and len(second.written) == 4
        for symbol, frame in before.items():
            pd.testing.assert_frame_equal(frame, store.read(symbol, provenance=True))

        # Touched, same bytes: not re-parsed, and the stamp follows the new time.
        rut = mini_snapshot / "prices" / "RUT.csv"
        os.utime(rut, ns=(rut.stat().st_atime_ns, rut.stat().st_mtime_ns + 10**9))
        update(store, snapshot=mini_snapshot, offline=True)
        assert read == []

        # New bytes (one more row): read, and the row lands.
        lines = rut.read_text().splitlines(keepends=True)
        last = pd.Timestamp(lines[-1].split(",", 1)[0])
        rut.write_text("".join(lines) + f"{(last + pd.Timedelta(days=3)).date()},1,1,1,2700,1\n")
        third = update(store, snapshot=mini_snapshot, offline=True)
        assert read == ["RUT"] and third.rows_new == 1

        # Same bytes at a new path (another snapshot folder): read again, nothing new.
        read.clear()
        copy = tmp_path / "copy"
        shutil.copytree(mini_snapshot, copy)
        assert update(store, snapshot=copy, offline=True).rows_new == 0
        assert sorted(read) == ["BTC", "M2SL", "RUT", "WALCL"]


def test_a_file_that_failed_is_not_stamped(mini_snapshot: Path, tmp_path: Path) -> None:
    btc = mini_snapshot / "prices" / "BTC.csv"
    good = btc.read_text()
    btc.write_text(good + "2999-01-01,,,,not-a-price,\n")
    with Store(tmp_path / "rc.duckdb") as store:
        result = update(store, snapshot=mini_snapshot, offline=True, keep_going=True)
        assert [s for s, _ in result.failures] == ["BTC"]
        seen = {s: stamps.stat_stamp(mini_snapshot / f / f"{s}.csv") for s, f in (("RUT", "prices"), ("BTC", "prices"))}
        skip, _ = stamps.unchanged(store, seen)
        assert skip == {"RUT"}
