"""Outputs never clobber (issue 20, item 2): the store, links, FIFOs and devices survive an export or a report."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from riskcurve.data.store import Store
from riskcurve.errors import OutputError
from riskcurve.outputs import check_output, write_output

Cli = Callable[..., tuple[int, str, str]]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def store_copy(filled_store_path: Path, tmp_path: Path) -> Path:
    path = tmp_path / "own.duckdb"
    shutil.copy(filled_store_path, path)
    return path


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("command", ["export", "report"])
def test_the_store_is_never_an_output(cli: Cli, store_copy: Path, command: str) -> None:
    before = _sha(store_copy)
    if command == "export":
        argv = ["series", "export", "BTC", "--out", str(store_copy), "--format", "csv", "--store", str(store_copy)]
    else:
        argv = ["report", "--no-png", "--out", str(store_copy), "--store", str(store_copy)]
    code, _, err = cli(*argv)
    assert code == 1
    assert "is the store in use" in _one_error_line(err) and str(store_copy) in err
    assert _sha(store_copy) == before
    with Store(store_copy, read_only=True) as db:
        assert "BTC" in db.symbols()


def test_another_store_file_is_refused_too(cli: Cli, store_copy: Path, filled_store_path: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    shutil.copy(filled_store_path, other)
    before = _sha(other)
    code, _, err = cli("series", "export", "BTC", "--out", str(other), "--format", "csv", "--store", str(store_copy))
    assert code == 1 and "is a DuckDB store" in _one_error_line(err)
    assert _sha(other) == before


def test_a_symbolic_link_is_followed_and_kept(cli: Cli, store_copy: Path, tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    code, _, err = cli("series", "export", "BTC", "--out", str(link), "--store", str(store_copy))
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert pd.read_csv(real)["close"].notna().all()


def test_a_fifo_is_written_through(cli: Cli, store_copy: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    code, _, err = cli("series", "export", "BTC", "--out", str(fifo), "--format", "csv", "--store", str(store_copy))
    reader.join(timeout=30)
    assert code == 0, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still a FIFO, not a regular file
    assert got and got[0].startswith(b"date,")


def test_devices_are_written_through_never_replaced(tmp_path: Path) -> None:
    assert check_output("/dev/null") == "through"
    with pytest.raises(OutputError, match=r"^/dev/full: no space left on the device"):
        write_output("/dev/full", lambda p: p.write_text("x" * 100_000))
    assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)
    with pytest.raises(OutputError, match="is a directory"):
        check_output(tmp_path)


def test_dash_writes_to_standard_output(cli: Cli, store_copy: Path) -> None:
    code, out, err = cli("series", "export", "BTC", "--out", "-", "--store", str(store_copy))
    assert code == 0, err
    assert out.startswith("date,") and len(out.splitlines()) > 1000
    assert not Path("-").exists()


def test_a_failed_write_leaves_no_part_file_and_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.html"
    target.write_text("previous report")

    def fails(path: Path) -> None:
        path.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError) as caught:
        write_output(target, fails)
    assert str(caught.value) == f"{target}: no space left on the device; nothing was written there"
    assert target.read_text() == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.html"]

    def breaks(path: Path) -> None:
        path.write_text("half")
        raise RuntimeError("renderer crashed")

    with pytest.raises(RuntimeError):
        write_output(target, breaks)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.html"]


def test_an_output_is_readable_by_others(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        written = write_output(tmp_path / "x.csv", lambda p: p.write_text("a\n"))
    finally:
        os.umask(previous)
    assert written is not None and stat.S_IMODE(written.stat().st_mode) == 0o644
