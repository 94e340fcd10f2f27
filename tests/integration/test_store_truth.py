"""The store tells the truth about itself (issue 20, item 5)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from riskcurve.data import connection
from riskcurve.data.integrity import _checksum, verify_blocks
from riskcurve.data.store import Store
from riskcurve.errors import StoreUnavailableError

Cli = Callable[..., tuple[int, str, str]]
HEADERS = 3 * 4096


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def _blocks_no_query_reads_whole(path: Path) -> tuple[int, list[int]]:
    """Block size, and the blocks that hold no table data (indexes, catalog)."""
    with duckdb.connect(str(path), read_only=True) as con:
        size, total = con.execute("SELECT block_size, total_blocks FROM pragma_database_size()").fetchone()
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        data: set[int] = set()
        for table in tables:
            rows = con.execute(f"SELECT DISTINCT block_id FROM pragma_storage_info('{table}') WHERE block_id >= 0")
            data |= {r[0] for r in rows.fetchall()}
    return int(size), [b for b in range(int(total)) if b not in data]


def test_store_check_finds_a_corrupted_index_block(cli: Cli, filled_store_path: Path, tmp_path: Path) -> None:
    size, others = _blocks_no_query_reads_whole(filled_store_path)
    assert others, "expected index and catalog blocks"
    assert verify_blocks(filled_store_path, size).bad == ()
    missed = []
    for block in others:
        damaged = tmp_path / f"b{block}.duckdb"
        shutil.copy(filled_store_path, damaged)
        with open(damaged, "r+b") as handle:
            handle.seek(HEADERS + block * size + 4000)
            byte = handle.read(1)
            handle.seek(-1, os.SEEK_CUR)
            handle.write(bytes([byte[0] ^ 0xFF]))
        code, _, err = cli("store", "check", "--store", str(damaged))
        if code != 1 or "damaged" not in err:
            missed.append(block)
        damaged.unlink()
    assert missed == []


def test_a_sqlite_file_is_named_and_no_extension_is_loaded(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "x.duckdb"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (x)")
    before = path.read_bytes()
    for argv in (("series", "list"), ("update", "--offline", "--snapshot", str(tmp_path))):
        code, _, err = cli(*argv, "--store", str(path))
        line = _one_line(err)
        assert code == 1 and "is not a riskcurve store (a SQLite database)" in line
        assert "rebuild" not in line and "download" not in line
    assert path.read_bytes() == before


def test_a_newer_duckdb_storage_version_is_a_version_mismatch_not_damage(
    cli: Cli, filled_store_path: Path, tmp_path: Path
) -> None:
    path = tmp_path / "newer.duckdb"
    shutil.copy(filled_store_path, path)
    with open(path, "r+b") as handle:
        header = bytearray(handle.read(4096))
        header[12:20] = (10_000).to_bytes(8, "little")  # the main header's storage version
        header[0:8] = _checksum(bytes(header[8:])).to_bytes(8, "little")
        handle.seek(0)
        handle.write(header)
    code, _, err = cli("series", "list", "--store", str(path))
    line = _one_line(err)
    assert code == 1 and "was written by another version of DuckDB" in line and "not damaged" in line
    assert "rebuild" not in line


@pytest.mark.parametrize(
    ("detail", "expected"),
    [
        ('IO Error: Cannot open file "S": Permission denied', "cannot be written: permission denied"),
        ('IO Error: Cannot open file "S": Read-only file system', "is on a read-only file system"),
    ],
)
def test_permission_and_read_only_are_not_called_damage(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, detail: str, expected: str
) -> None:
    # Run as root in CI, a file mode cannot refuse: DuckDB's own words for it are played instead.
    def refuse(path: str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        raise duckdb.IOException(detail.replace("S", path))

    monkeypatch.setattr(connection.duckdb, "connect", refuse)
    code, _, err = cli("import", str(tmp_path / "f.csv"), "--name", "X", "--store", str(tmp_path / "s.duckdb"))
    line = _one_line(err)
    assert code == 1 and expected in line and "rebuild" not in line and "damaged" not in line


def test_a_missing_store_is_one_line(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("series", "show", "BTC", "--store", str(tmp_path / "none.duckdb"))
    assert code == 1 and "no store at" in _one_line(err) and "rebuild" not in err


def test_a_fifo_store_is_refused_at_once(cli: Cli, mini_snapshot: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "store.fifo"
    os.mkfifo(fifo)
    result: list[tuple[int, str, str]] = []
    worker = threading.Thread(
        target=lambda: result.append(
            cli("update", "--offline", "--snapshot", str(mini_snapshot), "--store", str(fifo))
        ),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "update blocked on a FIFO store"
    code, _, err = result[0]
    assert code == 1 and "is a FIFO, not a file" in _one_line(err)


def test_an_import_can_be_deleted_and_cannot_shadow_riskcurve_series(
    cli: Cli, mini_snapshot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "s.duckdb"
    data = tmp_path / "x.csv"
    data.write_text("date,value\n2024-01-02,1\n2024-01-03,2\n")
    for name in ("NETLIQ", "ALTS", "RESERVES", "BTC", "WALCL", "NDX"):
        code, _, err = cli("import", str(data), "--name", name, "--store", str(store))
        assert code == 1 and "name is taken by a riskcurve series" in _one_line(err), name
    monkeypatch.setenv("RISKCURVE_SNAPSHOT", str(mini_snapshot))
    (mini_snapshot / "prices" / "MY_EXTRA.csv").write_bytes((mini_snapshot / "prices" / "RUT.csv").read_bytes())
    code, _, err = cli("import", str(data), "--name", "MY_EXTRA", "--store", str(store))
    assert code == 1 and "name is taken" in err
    monkeypatch.delenv("RISKCURVE_SNAPSHOT")
    # Imported before the snapshot was known: a later snapshot update goes on, and names the skipped file.
    code, _, err = cli("import", str(data), "--name", "MY_EXTRA", "--store", str(store))
    assert code == 0, err
    code, _, err = cli("update", "--offline", "--snapshot", str(mini_snapshot), "--store", str(store))
    assert code == 0 and "not read because an import has the name: MY_EXTRA" in err
    with Store(store, read_only=True) as db:
        assert db.meta("MY_EXTRA").origin == "import" and "RUT" in db.symbols()
    code, _, err = cli("series", "delete", "RUT", "--store", str(store))
    assert code == 1 and "is not an imported series" in _one_line(err)
    code, _, err = cli("series", "delete", "MY_EXTRA", "--store", str(store))
    assert code == 0 and "deleted the import MY_EXTRA: 2 rows" in err
    code, _, err = cli("update", "--offline", "--snapshot", str(mini_snapshot), "--store", str(store))
    assert code == 0, err
    with Store(store, read_only=True) as db:
        assert db.meta("MY_EXTRA").origin != "import" and len(db.prices("MY_EXTRA")) > 1000


def test_import_of_an_endless_stream_is_bounded(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli("import", "/dev/zero", "--name", "ZEROS", "--store", str(tmp_path / "s.duckdb"))
    assert code == 1 and "a line longer than 65,536 characters" in _one_line(err)


def test_a_store_that_is_not_a_file_is_refused() -> None:
    with pytest.raises(StoreUnavailableError, match="is a directory"):
        Store("/", read_only=True)
