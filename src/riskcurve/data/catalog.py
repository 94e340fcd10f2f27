"""What the store holds, read without pandas: the listing behind ``riskcurve series list``.

:meth:`riskcurve.data.store.Store.list_series` returns the same listing as a DataFrame; this
module needs only DuckDB, so the command that lists a store starts as fast as the command line
itself (pandas alone takes longer to import than the whole listing takes to run).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import duckdb

from riskcurve.data.connection import damaged_message, open_connection, resolve_lock_timeout
from riskcurve.errors import StoreDamagedError, StoreError

__all__ = ["SERIES_COLUMNS", "SERIES_SQL", "list_series", "series_parameters"]

#: One row per stored series. Parameters: the as-of day twice (prices dated up to it), then the
#: knowledge cutoff twice (observations published by it); ``NULL`` for everything. Prices are
#: unique per (symbol, date), so only observations (one row per vintage) need a distinct count.
SERIES_SQL = """
WITH p AS (
    SELECT symbol, min(date) AS first_date, max(date) AS last_date, count(*) AS rows,
           string_agg(DISTINCT provider, ',' ORDER BY provider) AS providers, max(fetched_at) AS last_fetched
    FROM prices WHERE ?::DATE IS NULL OR date <= ?::DATE GROUP BY symbol
), o AS (
    SELECT symbol, min(date) AS first_date, max(date) AS last_date, count(DISTINCT date) AS rows,
           string_agg(DISTINCT provider, ',' ORDER BY provider) AS providers, max(fetched_at) AS last_fetched
    FROM observations WHERE ?::TIMESTAMP IS NULL OR available_at <= ?::TIMESTAMP GROUP BY symbol
), r AS (SELECT * FROM p UNION ALL SELECT * FROM o)
SELECT s.symbol, s.kind, s.unit, s.description, r.first_date, r.last_date,
       coalesce(r.rows, 0) AS rows, r.providers, r.last_fetched
FROM series s LEFT JOIN r USING (symbol)
ORDER BY s.symbol
"""
SERIES_COLUMNS = (
    "symbol",
    "kind",
    "unit",
    "description",
    "first_date",
    "last_date",
    "rows",
    "providers",
    "last_fetched",
)


def series_parameters(day: dt.date | None, cutoff: dt.datetime | None) -> list[Any]:
    """The parameters of :data:`SERIES_SQL` for an as-of day and its knowledge cutoff."""
    return [day, day, cutoff, cutoff]


def list_series(path: str | os.PathLike[str], *, as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """Every stored series of the store file at ``path``, as plain Python values.

    Parameters
    ----------
    path
        The store file, opened read-only.
    as_of
        Count only what was known by the end of this day.

    Returns
    -------
    list of dict
        One per series, keys :data:`SERIES_COLUMNS`, dates as :class:`datetime.date`.

    Raises
    ------
    StoreError
        If there is no store at ``path``, it is damaged (:class:`~riskcurve.errors.StoreDamagedError`)
        or another process held it for the whole lock wait (:class:`~riskcurve.errors.StoreBusyError`).
    """
    file = Path(path).expanduser()
    if not file.exists():
        raise StoreError(f"no store at {file}; run `riskcurve update` first")
    cutoff = None
    if as_of is not None:
        from riskcurve.data.release import knowledge_cutoff  # pandas: only for a point-in-time listing

        cutoff = knowledge_cutoff(as_of).to_pydatetime()
    if file.stat().st_size == 0:
        return []  # created by an update killed before DuckDB wrote anything: an empty store
    # The same waiting open as the store's: a listing never fails because a write is under way.
    with open_connection(str(file), read_only=True, lock_timeout=resolve_lock_timeout()) as con:
        tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "series" not in tables:
            return []  # no tables yet (an update killed in its first second): an empty store
        try:
            rows = con.execute(SERIES_SQL, series_parameters(as_of, cutoff)).fetchall()
        except duckdb.Error as exc:
            raise StoreDamagedError(damaged_message(str(file), str(exc))) from None
    return [dict(zip(SERIES_COLUMNS, row, strict=True)) for row in rows]
