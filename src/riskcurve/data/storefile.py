"""What stands at the store path, checked before DuckDB opens it, and one line for each way it cannot be opened.

Needs neither DuckDB nor pandas, so the fast listing (:mod:`riskcurve.data.catalog`) uses it too.
A store that cannot be opened although its data are fine (permission denied, a read-only file
system, another DuckDB storage version) is never called damaged: a rebuild would lose imports.
"""

from __future__ import annotations

import os

from riskcurve.errors import StoreUnavailableError

__all__ = ["check_store_file", "unavailable_message"]

#: What other files start with, to name a file given as the store that is not one.
_FOREIGN = (
    (b"SQLite format 3\x00", "a SQLite database"),
    (b"PAR1", "a Parquet file"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\x1f\x8b", "a gzip file"),
    (b"\x89PNG", "a PNG image"),
    (b"%PDF", "a PDF document"),
    (b"<", "an HTML or XML document"),
)
_NOTHING_LOST = "nothing in it was changed"


def _foreign_kind(head: bytes) -> str:
    for magic, kind in _FOREIGN:
        if head.startswith(magic):
            return kind
    if head and all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return "a text file"
    return "not a DuckDB database"


def check_store_file(path: str) -> None:
    """Refuse, in one line, a store path that is not a DuckDB file, before DuckDB opens it.

    DuckDB would wait forever on a FIFO, and on a file in another format try to load (and
    download) an extension to read it.

    Raises
    ------
    StoreUnavailableError
        A directory, a FIFO, a device or a file of another format.
    """
    import stat

    try:
        info = os.stat(path)
    except FileNotFoundError:
        return  # a new store (writers), or "no store" said by the caller (readers)
    except OSError as failure:
        raise StoreUnavailableError(_cannot_open(path, failure)) from None
    if stat.S_ISDIR(info.st_mode):
        raise StoreUnavailableError(f"store {path} is a directory; give the store file itself (--store FILE)")
    if not stat.S_ISREG(info.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
        raise StoreUnavailableError(f"store {path} is {kind}, not a file: give a riskcurve store file (--store FILE)")
    if info.st_size == 0:
        return  # created and killed before DuckDB wrote its header: the store handles it
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError as failure:
        raise StoreUnavailableError(_cannot_open(path, failure)) from None
    if head[8:12] != b"DUCK":
        raise StoreUnavailableError(
            f"{path} is not a riskcurve store ({_foreign_kind(head)}); point --store or RISKCURVE_STORE at a "
            f"store file, or at a new path to create one; {_NOTHING_LOST}"
        )


def _cannot_open(path: str, failure: OSError) -> str:
    detail = failure.strerror or str(failure)
    return unavailable_message(path, detail, read_only=True) or f"store {path} cannot be opened: {detail}"


def unavailable_message(path: str, detail: str, *, read_only: bool) -> str:
    """One line for a store that cannot be opened although its data are fine."""
    verb = "read" if read_only else "written"
    if "Permission denied" in detail or "Operation not permitted" in detail:
        return (
            f"store {path} cannot be {verb}: permission denied. Its data are not affected: fix the owner or mode "
            f"of the file (and its folder, and {os.path.basename(path)}.wal beside it), or use a copy with --store"
        )
    if "Read-only file system" in detail:
        return (
            f"store {path} is on a read-only file system: commands that only read it work, but it cannot be "
            f"written; copy it somewhere writable and pass --store, {_NOTHING_LOST}"
        )
    if "storage version" in detail or "newer version of DuckDB" in detail or "older version" in detail:
        from importlib.metadata import version

        first = " ".join(detail.strip().splitlines()[0].split())
        return (
            f"store {path} was written by another version of DuckDB than this riskcurve's ({version('duckdb')}): "
            f"{first.removeprefix('IO Error: ')} Open it with the riskcurve (DuckDB) that wrote it, or upgrade; "
            f"the file is not damaged and {_NOTHING_LOST}"
        )
    if "No such file or directory" in detail:
        return f"no store at {path}; run `riskcurve update` first"
    return ""
