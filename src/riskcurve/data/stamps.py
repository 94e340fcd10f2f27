"""Snapshot file stamps: a snapshot update skips the files it has already read, unchanged.

Reading a snapshot CSV means validating every cell in Python; a no-op update of the whole
snapshot would re-parse every file only to find nothing new. So each file a snapshot update
has written from is stamped in the store (table ``snapshot_stamps``, created on first use):
its path, size, modification time (ns) and SHA-256, with :data:`STAMP_VERSION`. The next
update skips a file whose stamp still matches:

- same path, size and modification time: unchanged, without reading it;
- otherwise, same size and SHA-256 (a file copied or touched, same bytes): unchanged, and the
  stamp is refreshed;
- anything else (new bytes, a new path, no stamp, an older stamp version): read as before.

A stamp is written after the data it stands for, in its own transaction: a crash in between
leaves a file without a stamp, which is read again next time (never the other way round). A
stamp lives in the store it describes, so a restored or copied store carries its own. Files
that failed validation are never stamped.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from riskcurve.data.store import Store

#: Raised when what a snapshot file yields for the same bytes changes (parsing, validation,
#: release rules): every stamp of an older version is ignored.
STAMP_VERSION = 1

_TABLE = """
CREATE TABLE IF NOT EXISTS snapshot_stamps (
    symbol   VARCHAR PRIMARY KEY,
    path     VARCHAR NOT NULL,
    size     BIGINT NOT NULL,
    mtime_ns BIGINT NOT NULL,
    sha256   VARCHAR NOT NULL,
    version  INTEGER NOT NULL
)
"""


@dataclass(frozen=True)
class Stamp:
    """What identifies one snapshot file's contents."""

    path: str
    size: int
    mtime_ns: int
    sha256: str | None = None

    def hashed(self) -> Stamp:
        """The same stamp with its SHA-256 filled in (reads the file)."""
        if self.sha256 is not None:
            return self
        digest = hashlib.sha256(Path(self.path).read_bytes()).hexdigest()
        return Stamp(self.path, self.size, self.mtime_ns, digest)


def stat_stamp(path: str | os.PathLike[str]) -> Stamp:
    """The stamp of ``path`` from its metadata alone (no hash yet)."""
    info = os.stat(path)
    return Stamp(str(Path(path).resolve()), info.st_size, info.st_mtime_ns)


def _stored(store: Store) -> dict[str, Stamp]:
    tables = {row[0] for row in store.connection.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "snapshot_stamps" not in tables:
        return {}
    rows = store.connection.execute(
        "SELECT symbol, path, size, mtime_ns, sha256 FROM snapshot_stamps WHERE version = ?", [STAMP_VERSION]
    ).fetchall()
    return {row[0]: Stamp(row[1], int(row[2]), int(row[3]), row[4]) for row in rows}


def unchanged(store: Store, files: Mapping[str, Stamp]) -> tuple[set[str], dict[str, Stamp]]:
    """Which symbols' files are the ones last written from, unchanged.

    Parameters
    ----------
    store
        The store about to be updated (open for writing).
    files
        Each candidate symbol's file stamp (:func:`stat_stamp`), taken before reading it.

    Returns
    -------
    (set, dict)
        The symbols to skip, and refreshed stamps (same bytes, new metadata) to save with
        :func:`record`.
    """
    stored = _stored(store)
    held = set(store.symbols())
    skip: set[str] = set()
    refreshed: dict[str, Stamp] = {}
    for symbol, stamp in files.items():
        old = stored.get(symbol)
        if old is None or symbol not in held or old.path != stamp.path:
            continue
        if (old.size, old.mtime_ns) == (stamp.size, stamp.mtime_ns):
            skip.add(symbol)
        elif old.size == stamp.size and stamp.hashed().sha256 == old.sha256:
            skip.add(symbol)
            refreshed[symbol] = stamp.hashed()
    return skip, refreshed


def record(store: Store, stamps: Mapping[str, Stamp]) -> None:
    """Save the stamps of files just written from (one transaction)."""
    if not stamps:
        return
    with store.transaction():
        store.connection.execute(_TABLE)
        for symbol, stamp in stamps.items():
            full = stamp.hashed()
            store.connection.execute(
                "INSERT OR REPLACE INTO snapshot_stamps VALUES (?, ?, ?, ?, ?, ?)",
                [symbol, full.path, full.size, full.mtime_ns, full.sha256, STAMP_VERSION],
            )


def forget(store: Store, symbols: Iterable[str]) -> None:
    """Drop the stamps of ``symbols`` (their next snapshot update reads the files again)."""
    names = list(symbols)
    if not names or not _stored(store):
        return
    with store.transaction():
        for symbol in names:
            store.connection.execute("DELETE FROM snapshot_stamps WHERE symbol = ?", [symbol])


__all__ = ["STAMP_VERSION", "Stamp", "forget", "record", "stat_stamp", "unchanged"]
