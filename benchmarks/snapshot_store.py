"""The store every benchmark runs on: a given file, or a temporary one filled from the snapshot."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from riskcurve.data.ingest import update
from riskcurve.data.store import Store

REPO = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def snapshot_store(explicit: str | None) -> Iterator[Store]:
    """A read-only store: ``explicit`` if given, else filled from ``$RISKCURVE_SNAPSHOT`` or ../shared/data."""
    if explicit:
        with Store(Path(explicit), read_only=True) as store:
            yield store
        return
    snapshot = Path(os.environ.get("RISKCURVE_SNAPSHOT") or REPO.parent / "shared" / "data")
    if not (snapshot / "prices").is_dir():
        sys.exit(f"no snapshot at {snapshot}: set RISKCURVE_SNAPSHOT or pass --store")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.duckdb"
        with Store(path) as store:
            update(store, snapshot=snapshot, offline=True)
        with Store(path, read_only=True) as store:
            yield store
