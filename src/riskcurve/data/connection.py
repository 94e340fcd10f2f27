"""Opening the store's DuckDB file: waiting for other processes, and naming a damaged file.

DuckDB lets one process open a file for writing, or any number of processes open it
read-only, never both; a second opener fails at once with "Could not set lock". Here that
becomes a bounded wait with backoff (see :mod:`riskcurve.data.store` for the whole mechanism).
This module needs only DuckDB, so the fast listing (:mod:`riskcurve.data.catalog`) shares it.
"""

from __future__ import annotations

import os
import random
import re
import time
from pathlib import Path

import duckdb

from riskcurve import numbers
from riskcurve.data.storefile import check_store_file, unavailable_message
from riskcurve.errors import StoreBusyError, StoreDamagedError, StoreUnavailableError
from riskcurve.masking import mask_secrets

__all__ = [
    "LOCK_TIMEOUT",
    "LOCK_TIMEOUT_ENV",
    "check_store_file",
    "damaged_message",
    "is_damage",
    "last_opened",
    "opened_files",
    "open_connection",
    "resolve_lock_timeout",
]

#: Seconds a reader or writer waits for another process to let go of the store, by default.
LOCK_TIMEOUT = 30.0
LOCK_TIMEOUT_ENV = "RISKCURVE_LOCK_TIMEOUT"
#: (first, longest) pause between two attempts to open a locked store, for writers and readers.
_WRITER_BACKOFF = (0.01, 0.05)
_READER_BACKOFF = (0.02, 0.25)
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<exe>.*?) \(PID (?P<pid>\d+)\)")


def resolve_lock_timeout(explicit: float | None = None) -> float:
    """Seconds to wait for a locked store: ``explicit``, else ``$RISKCURVE_LOCK_TIMEOUT``, else 30."""
    if explicit is not None:
        value: object = explicit
    else:
        value = os.environ.get(LOCK_TIMEOUT_ENV, "").strip() or LOCK_TIMEOUT
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{LOCK_TIMEOUT_ENV} must be a number of seconds, got {value!r}") from None
    if not 0 <= seconds <= 86_400:
        raise ValueError(f"the lock timeout must be from 0 to 86400 seconds, got {value!r}")
    return seconds


def _is_lock_error(error: duckdb.Error) -> bool:
    return "Could not set lock" in str(error) or "Conflicting lock" in str(error)


def _holder(error: duckdb.Error) -> str:
    """Who holds the lock, as DuckDB reports it, with the command line when this machine can tell."""
    found = _LOCK_HOLDER.search(str(error))
    if not found:
        return "another process"
    pid = found["pid"]
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = [part.decode(errors="replace") for part in handle.read().split(b"\0") if part]
    except OSError:
        return f"process {pid} ({Path(found['exe']).name})"
    shown = " ".join(argv[1:] if len(argv) > 1 and "python" in Path(argv[0]).name else argv)
    # A `watch --notify URL` command line holds a token.
    return f"process {pid} (`{mask_secrets(shown)[:160]}`)"


def damaged_message(path: str, detail: str) -> str:
    """What to say about a store file that cannot be read: what happened and what to do."""
    first = " ".join(detail.strip().splitlines()[0].split()) if detail.strip() else "unreadable"
    return (
        f"store {path} is damaged ({first}). Move it aside and rebuild it with `riskcurve update` "
        "(from the providers, or --snapshot DIR offline), or restore a backup. Imported series live only "
        "in the store: re-import them from their CSV files (keep them with `riskcurve series export NAME "
        "--out NAME.parquet` while a store is healthy)."
    )


#: The store file this process opened last, for messages about failures met after opening it.
_last_opened: str | None = None
#: What DuckDB says when it meets a damaged file in the middle of a query.
_DAMAGE = ("Corrupt database file", "checksum", "Could not read enough bytes", "not a valid DuckDB database")


def last_opened() -> str | None:
    """The store file this process opened last (``None`` before any)."""
    return _last_opened


#: Every store file this process opened (real paths): outputs must never be written over them.
_opened: set[str] = set()


def opened_files() -> frozenset[str]:
    """Real paths of every store file this process opened."""
    return frozenset(_opened)


def is_damage(error: BaseException) -> bool:
    """Whether a DuckDB error says the file itself is damaged (rather than, say, a bad query)."""
    return any(sign in str(error) for sign in _DAMAGE)


#: DuckDB's file header: one main and two database headers of 4 KiB each.
_HEADER_BYTES = 3 * 4096


def open_connection(path: str, *, read_only: bool, lock_timeout: float) -> duckdb.DuckDBPyConnection:
    """Open the store file, waiting with backoff while another process holds its lock.

    Writers poll faster than readers, so a writer gets the gap between two dashboard requests.

    Raises
    ------
    StoreBusyError
        If the file stayed locked for ``lock_timeout`` seconds; names the holder and what to do.
    StoreDamagedError
        If the file is not a readable DuckDB file, or is shorter than its own header says.
    """
    check_store_file(path)
    first, longest = _READER_BACKOFF if read_only else _WRITER_BACKOFF
    deadline = time.monotonic() + lock_timeout
    pause = first
    jitter = random.Random()  # a private generator: the global RNG is never touched
    while True:
        try:
            con = duckdb.connect(path, read_only=read_only)
            break
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                if message := unavailable_message(path, str(exc), read_only=read_only):
                    raise StoreUnavailableError(message) from None
                raise StoreDamagedError(damaged_message(path, str(exc))) from None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                wanted = "read" if read_only else "write to"
                raise StoreBusyError(
                    f"store {path} is busy: {_holder(exc)} has it open, and riskcurve waited "
                    f"{numbers.significant(lock_timeout, 3)} s to {wanted} it. An update or watch run lets go within "
                    "seconds and a dashboard between two requests: try again, or wait longer with "
                    f"{LOCK_TIMEOUT_ENV}=SECONDS."
                ) from None
            time.sleep(min(remaining, pause * jitter.uniform(0.5, 1.5)))
            pause = min(pause * 2, longest)
        except duckdb.Error as exc:
            if message := unavailable_message(path, str(exc), read_only=read_only):
                raise StoreUnavailableError(message) from None
            raise StoreDamagedError(damaged_message(path, str(exc))) from None
    _check_length(con, path)
    global _last_opened
    _last_opened = path
    if path != ":memory:":
        _opened.add(os.path.realpath(path))
    return con


def _check_length(con: duckdb.DuckDBPyConnection, path: str) -> None:
    """A truncated file opens, then fails on the first query that reaches its end: catch it now."""
    try:
        row = con.execute("SELECT block_size, used_blocks FROM pragma_database_size()").fetchone()
    except duckdb.Error as exc:
        con.close()
        raise StoreDamagedError(damaged_message(path, str(exc))) from None
    if row is None:
        return
    # Every block in use has its own slot in the file (free ones at the end may be cut off by a
    # checkpoint, so the total is no bound): a file shorter than its used blocks lost its end.
    block_size, used = int(row[0]), int(row[1])
    size = Path(path).stat().st_size
    if size < _HEADER_BYTES + used * block_size:
        con.close()
        raise StoreDamagedError(
            damaged_message(path, f"the file has {size:,} bytes, too few for the {used:,} blocks it uses")
        )
