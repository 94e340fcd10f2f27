"""A store cut at a day, for truncation tests: only what the full store knew by that day's end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from riskcurve.data.release import knowledge_cutoff
from riskcurve.data.store import Store


def cut_store(path: Path, day: pd.Timestamp) -> Store:
    """An in-memory store holding only what the store at ``path`` knew by the end of ``day``.

    Prices dated after ``day`` and macro vintages published after its end are left out, so a
    later revision of an early value is absent too.
    """
    store = Store(":memory:")
    con = store.connection
    con.execute(f"ATTACH '{path}' AS full_store (READ_ONLY)")
    try:
        con.execute("INSERT INTO series SELECT * FROM full_store.series")
        con.execute("INSERT INTO prices SELECT * FROM full_store.prices WHERE date <= ?", [day.date()])
        con.execute(
            "INSERT INTO observations SELECT * FROM full_store.observations WHERE available_at <= ?",
            [knowledge_cutoff(day).to_pydatetime()],
        )
    finally:
        con.execute("DETACH full_store")
    return store


def random_days(store: Store, count: int, seed: int) -> pd.DatetimeIndex:
    """``count`` distinct days between the cascade's first readable year and the store's end."""
    end = min(d for d in (store.last_date(s) for s in ("GSPC", "RUT", "BTC")) if d is not None)
    pool = pd.date_range("2012-01-01", end)
    rng = np.random.default_rng(seed)
    return pd.DatetimeIndex(sorted(rng.choice(pool, count, replace=False)))
