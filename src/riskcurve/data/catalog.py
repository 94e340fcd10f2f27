"""What the store holds, read without pandas: the listing behind ``riskcurve series list``.

:meth:`riskcurve.data.store.Store.list_series` returns the same listing as a DataFrame; this
module needs no pandas, so the command that lists a store starts as fast as the command line
itself (pandas alone takes longer to import than the whole listing takes to run).

The process that last wrote the store leaves the listing beside it (``<store>.series.json``),
stamped with the store file's size, modification time and inode once it is closed. A listing
whose stamp still matches the file, with no write-ahead log pending, is what the store holds:
any later write changes the file (DuckDB checkpoints when the writer closes) and so the stamp.
Reading it spares importing DuckDB and querying every row; anything else (no listing, another
stamp, an unreadable file) falls back to the query, which then saves the listing for next time.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from riskcurve.errors import StoreError

log = logging.getLogger(__name__)

__all__ = [
    "LISTING_SUFFIX",
    "SERIES_COLUMNS",
    "SERIES_SQL",
    "file_stamp",
    "list_series",
    "save_listing",
    "series_parameters",
]

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
    from riskcurve.data.storefile import check_store_file

    file = Path(path).expanduser()
    check_store_file(str(file))
    if not file.exists():
        raise StoreError(f"no store at {file}; run `riskcurve update` first")
    cutoff = None
    if as_of is not None:
        from riskcurve.data.release import knowledge_cutoff  # pandas: only for a point-in-time listing

        cutoff = knowledge_cutoff(as_of).to_pydatetime()
    elif (saved := _saved_listing(file)) is not None:
        return saved
    if file.stat().st_size == 0:
        return []  # created by an update killed before DuckDB wrote anything: an empty store
    import duckdb

    from riskcurve.data.connection import damaged_message, open_connection, resolve_lock_timeout
    from riskcurve.errors import StoreDamagedError

    before = file_stamp(file)
    # The same waiting open as the store's: a listing never fails because a write is under way.
    with open_connection(str(file), read_only=True, lock_timeout=resolve_lock_timeout()) as con:
        tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "series" not in tables:
            return []  # no tables yet (an update killed in its first second): an empty store
        try:
            rows = con.execute(SERIES_SQL, series_parameters(as_of, cutoff)).fetchall()
        except duckdb.Error as exc:
            raise StoreDamagedError(damaged_message(str(file), str(exc))) from None
    if as_of is None and before is not None and before == file_stamp(file):
        # Nothing was written while we read, so the rows are the file's as stamped.
        save_listing(file, rows, stamp=before)
    return [dict(zip(SERIES_COLUMNS, row, strict=True)) for row in rows]


# -- the listing saved beside the store ---------------------------------------------------------

#: Appended to the store file's name for its saved listing.
LISTING_SUFFIX = ".series.json"
_LISTING_FORMAT = 1


def _listing_file(store_file: Path) -> Path:
    return store_file.with_name(store_file.name + LISTING_SUFFIX)


def file_stamp(store_file: str | os.PathLike[str]) -> list[int] | None:
    """The store file's size, modification time and inode; ``None`` while a write-ahead log is pending.

    Two reads of a store under the same stamp read the same data: every write changes the file
    once its writer closes it (DuckDB checkpoints then), and until then leaves a log beside it.
    """
    store_file = Path(store_file)
    if store_file.with_name(store_file.name + ".wal").exists():
        return None
    info = store_file.stat()
    return [info.st_size, info.st_mtime_ns, info.st_ino]


def save_listing(
    path: str | os.PathLike[str], rows: Sequence[Sequence[Any]], *, stamp: list[int] | None = None
) -> None:
    """Leave the listing ``rows`` (:data:`SERIES_SQL` for everything) beside the closed store file.

    Parameters
    ----------
    path
        The store file, closed: its stamp is taken now unless ``stamp`` is given.
    rows
        The listing, columns :data:`SERIES_COLUMNS`.
    stamp
        The stamp the rows were read under (a reader that checked nothing changed meanwhile).

    A best effort: a listing that cannot be written (a read-only folder) is left out, and the
    next listing queries the store.
    """
    file = Path(path)
    try:
        stamp = stamp if stamp is not None else file_stamp(file)
        if stamp is None:
            return
        document = {
            "format": _LISTING_FORMAT,
            "stamp": stamp,
            "series": [[value.isoformat() if isinstance(value, dt.date) else value for value in row] for row in rows],
        }
        target = _listing_file(file)
        partial = target.with_name(f"{target.name}.{os.getpid()}.part")
        partial.write_text(json.dumps(document), encoding="utf-8")
        os.replace(partial, target)
    except OSError:
        return


#: A saved listing larger than this is not one riskcurve wrote (a few hundred series take tens of KB).
_LISTING_MAX_BYTES = 8 * 1024 * 1024
_KINDS = ("price", "value")


def _text_or_none(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _listed_row(row: Any) -> dict[str, Any]:
    """One saved row as :func:`list_series` returns it; ``ValueError`` unless it is one save_listing wrote."""
    if not isinstance(row, list) or len(row) != len(SERIES_COLUMNS):
        raise ValueError("not a row of the listing")
    record = dict(zip(SERIES_COLUMNS, row, strict=True))
    if not isinstance(record["symbol"], str) or not record["symbol"] or record["kind"] not in _KINDS:
        raise ValueError("not a symbol and kind")
    if not all(_text_or_none(record[column]) for column in ("unit", "description", "providers")):
        raise ValueError("unit, description and providers are text")
    count = record["rows"]
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count < 2**63:
        raise ValueError("rows is a count")
    for column in ("first_date", "last_date"):
        value = record[column]
        if value is not None:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError(f"{column} is a day")
            record[column] = dt.date.fromisoformat(value)
    if record["last_fetched"] is not None:
        if not isinstance(record["last_fetched"], str):
            raise ValueError("last_fetched is a time")
        record["last_fetched"] = dt.datetime.fromisoformat(record["last_fetched"])
    return record


def _saved_listing(store_file: Path) -> list[dict[str, Any]] | None:
    """The saved listing if its stamp is the store file's and it is one :func:`save_listing` wrote, else ``None``.

    The file beside the store is read as untrusted data: anything but the exact shape written
    (another type in a column, a duplicate symbol, nesting deep enough to exhaust the parser,
    a file far larger than any listing) is ignored, and the listing comes from the store.
    """
    listing = _listing_file(store_file)
    try:
        if listing.stat().st_size > _LISTING_MAX_BYTES:
            raise ValueError(f"larger than {_LISTING_MAX_BYTES} bytes")
        document = json.loads(listing.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or document.get("format") != _LISTING_FORMAT:
            return None  # another format: written by another version, replaced on the next listing
        if document.get("stamp") != file_stamp(store_file):
            return None  # stale: the store was written since
        if not isinstance(document.get("series"), list):
            raise ValueError("no list of series")
        listed = [_listed_row(row) for row in document["series"]]
        if len({record["symbol"] for record in listed}) != len(listed):
            raise ValueError("a symbol listed twice")
        return listed
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as unusable:
        # Not what save_listing writes (damaged, or crafted): the store itself is the truth, and
        # the query that answers instead writes a good listing over it.
        log.info("ignored the saved listing %s (%s); reading the store", listing, unusable)
        return None
