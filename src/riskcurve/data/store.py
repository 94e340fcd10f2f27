"""The embedded store: one DuckDB file holding every series, its provenance and its vintages.

Writes go through :meth:`Store.write`, which compares what arrived with what is stored and
writes only new or changed rows, all symbols of a batch in one transaction: a failure or an
interruption leaves the file exactly as it was, and writing the same data twice changes nothing
(not even the update log).

Readers and writers at once
---------------------------
DuckDB lets one process open a file for writing, or any number of processes open it read-only,
never both: it locks the file, and a second opener fails at once with "Could not set lock".
riskcurve turns that into waiting:

* **Short-lived connections.** Readers (the dashboard, ``report``, every read command) open the
  store read-only for one computation and close it. Writers hold it only while they write:
  :func:`~riskcurve.data.ingest.update` releases it (:meth:`Store.release`) while it fetches,
  and alert delivery releases it while a notification is in flight.
* **Retry with backoff.** Opening retries on DuckDB's lock error with exponential backoff and
  jitter, writers polling faster (10 ms, up to 50 ms) than readers (20 ms, up to 250 ms) so a
  writer gets the gap between two dashboard requests.
* **Bounded.** Both wait at most ``lock_timeout`` seconds (argument, else
  ``$RISKCURVE_LOCK_TIMEOUT``, else 30 s). Then :class:`~riskcurve.errors.StoreBusyError` names
  the process that holds the store (its PID and command line) and what to do; the CLI exits 75.

A reader therefore never fails because a write is under way (a write of the whole snapshot
takes a few seconds), and sees the last committed state: DuckDB commits atomically.

A file left without tables (an ``update`` killed in its first second) reads as an empty
store; a truncated or corrupted file raises :class:`~riskcurve.errors.StoreDamagedError`
saying how to rebuild it or keep the imported series.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from riskcurve import numbers
from riskcurve._typing import PRICE_COLUMNS, DateLike, ExportFormat, SeriesKind
from riskcurve.data.catalog import SERIES_SQL, save_listing, series_parameters
from riskcurve.data.connection import damaged_message, open_connection, resolve_lock_timeout
from riskcurve.data.providers.base import Fetched, utc_now
from riskcurve.data.release import available_at, knowledge_cutoff
from riskcurve.data.schema import MIGRATIONS, SCHEMA_VERSION, SeriesMeta
from riskcurve.data.storefile import check_store_file
from riskcurve.errors import DataError, StoreDamagedError, StoreError, UnknownSymbolError

MEMORY = ":memory:"
_TABLES = (
    "series",
    "prices",
    "observations",
    "updates",
    "watch_state",
    "alert_outbox",
    "alert_deliveries",
    "price_revisions",
    "digest_history",
    "digest_forecasts",
)


@dataclass(frozen=True)
class WriteStats:
    """What one symbol's write changed.

    Attributes
    ----------
    symbol, provider, source
        What was written and where it came from.
    rows_new
        Dates (or vintages) the store did not have.
    rows_revised
        Stored rows whose values changed: prices updated in place, macro values added as a
        new vintage known from the fetch time.
    first_date, last_date
        Range of the incoming data (``None`` when it was empty).
    first_revised
        The earliest date whose stored value changed (``None`` when none did): a change far
        back is worth a look (a source correcting its history, or a bad file).
    """

    symbol: str
    provider: str
    source: str
    rows_new: int
    rows_revised: int
    first_date: pd.Timestamp | None
    last_date: pd.Timestamp | None
    first_revised: pd.Timestamp | None = None

    @property
    def changed(self) -> bool:
        """Whether anything was written."""
        return bool(self.rows_new or self.rows_revised)


_META_SQL = "SELECT symbol, kind, unit, description, calendar, release_rule, lag_days, origin FROM series"


class Store:
    """A riskcurve store backed by one DuckDB file (or memory, for tests).

    Parameters
    ----------
    path
        The DuckDB file; created (with its folder) if missing. ``":memory:"`` keeps it in memory.
    read_only
        Open without write access, so several readers (a dashboard, a notebook) can share it.
    lock_timeout
        Seconds to wait while another process holds the file (see the module docstring);
        default ``$RISKCURVE_LOCK_TIMEOUT``, else 30.

    Raises
    ------
    StoreBusyError
        If the file stayed locked by another process for ``lock_timeout`` seconds.
    StoreDamagedError
        If the file is truncated or corrupted.

    Examples
    --------
    >>> with Store(":memory:") as store:
    ...     store.symbols()
    []
    """

    def __init__(
        self, path: str | os.PathLike[str] = MEMORY, *, read_only: bool = False, lock_timeout: float | None = None
    ) -> None:
        self.path = str(path)
        self.read_only = read_only
        self.lock_timeout = resolve_lock_timeout(lock_timeout)
        #: Set when the file holds no tables yet (an update killed in its first second): it is
        #: then read as an empty store.
        self.uninitialised = False
        self._handle: duckdb.DuckDBPyConnection | None = None
        #: Read-only stores: every series' metadata, read once per connection (see :meth:`meta`).
        self._series: dict[str, SeriesMeta] | None = None
        #: The listing after the last write, left beside the file on closing (:mod:`riskcurve.data.catalog`).
        self._listing: list[tuple[Any, ...]] | None = None
        if self.path != MEMORY:
            file = Path(self.path).expanduser()
            check_store_file(str(file))  # a FIFO, a folder or a SQLite file: one line, before DuckDB
            if read_only and not file.exists():
                raise StoreError(f"no store at {file}; run `riskcurve update` first")
            if not read_only:
                file.parent.mkdir(parents=True, exist_ok=True)
                if file.is_file() and file.stat().st_size == 0:
                    # Created and killed before DuckDB wrote its header: nothing to keep.
                    file.unlink()
            self.path = str(file)
        self._handle = self._connect()
        self._migrate()

    # -- lifecycle -------------------------------------------------------------------------

    def _connect(self) -> duckdb.DuckDBPyConnection:
        """Open the file, waiting (with backoff) while another process holds its lock."""
        if self.read_only and self.path != MEMORY and Path(self.path).stat().st_size == 0:
            self.uninitialised = True
            return duckdb.connect(MEMORY)
        if self.path == MEMORY:
            return duckdb.connect(MEMORY)
        return open_connection(self.path, read_only=self.read_only, lock_timeout=self.lock_timeout)

    @property
    def _con(self) -> duckdb.DuckDBPyConnection:
        if self._handle is None:
            self._handle = self._connect()
        return self._handle

    def release(self) -> None:
        """Let other processes at the file until the next call reopens it (waiting if need be).

        Long work that needs no store (fetching from the network) releases it first, so a
        dashboard is never kept waiting by a download. A no-op for an in-memory store.
        """
        if self.path != MEMORY and self._handle is not None and not self.uninitialised:
            self._disconnect()

    def close(self) -> None:
        """Close the connection; the file stays consistent whatever happened before."""
        if self._handle is not None:
            self._disconnect()

    def _disconnect(self) -> None:
        assert self._handle is not None
        self._handle.close()  # DuckDB checkpoints here: the file takes its final size and time
        self._handle = None
        self._series = None  # another process may write while the file is released
        if self._listing is not None and self.path != MEMORY:
            save_listing(self.path, self._listing)
        self._listing = None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _migrate(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path} has schema version {version}, newer than this riskcurve "
                f"({SCHEMA_VERSION}); upgrade riskcurve"
            )
        pending = [m for m in MIGRATIONS if m[0] > version]
        if not pending:
            return
        if self.read_only and version == 0 and self.path != MEMORY:
            # No tables at all (an update killed before its first commit): read it as an empty
            # store, from an empty in-memory copy of the schema, instead of failing on every query.
            self.close()
            self.uninitialised = True
            self._handle = duckdb.connect(MEMORY)
            self._apply(MIGRATIONS)
            return
        if self.read_only:
            # Migrations only add tables; a reader of an older file sees everything it holds.
            return
        self._apply(pending)

    def _apply(self, pending: Sequence[tuple[int, str, tuple[str, ...]]]) -> None:
        with self._transaction():
            self._con.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)"
            )
            for number, description, statements in pending:
                for statement in statements:
                    self._con.execute(statement)
                self._con.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)", [number, description, utc_now().to_pydatetime()]
                )

    def schema_version(self) -> int:
        """The last migration applied to this file (0 for a new file)."""
        exists = self._con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
        ).fetchone()
        if not exists or not exists[0]:
            return 0
        row = self._con.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    class _Transaction:
        def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
            self.con = con

        def __enter__(self) -> None:
            self.con.execute("BEGIN TRANSACTION")

        def __exit__(self, kind: type[BaseException] | None, *_: Any) -> None:
            self.con.execute("ROLLBACK" if kind is not None else "COMMIT")

    def _transaction(self) -> Store._Transaction:
        return Store._Transaction(self._con)

    def transaction(self) -> Store._Transaction:
        """A context manager in which every statement commits together, or none does.

        For modules that keep their own tables in the store (:mod:`riskcurve.alerts`).

        Raises
        ------
        StoreError
            If the store is read-only.
        """
        if self.read_only:
            raise StoreError(f"store {self.path} is open read-only")
        return self._transaction()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection, for modules that keep their own tables in the store."""
        return self._con

    # -- writing ---------------------------------------------------------------------------

    def write(self, batch: Sequence[Fetched], meta: Mapping[str, SeriesMeta]) -> list[WriteStats]:
        """Write a batch of fetched series in one transaction.

        Only new and changed rows are written. Price revisions replace the stored bar, which is
        kept in ``price_revisions`` with a note; value revisions are added as a new vintage known
        from the fetch time, so as-of views before the fetch still see the old value.

        Parameters
        ----------
        batch
            Validated provider output, one item per symbol.
        meta
            Metadata for every symbol in the batch (kind, unit, release rule...).

        Returns
        -------
        list of WriteStats
            One per item of ``batch``, in order.

        Raises
        ------
        DataError
            If an item's kind (what was fetched: price bars or values) contradicts the kind the
            series is registered with, in the store or in ``meta``; nothing is written then.
        StoreError
            If the store is read-only.
        """
        if self.read_only:
            raise StoreError(f"store {self.path} is open read-only")
        for item in batch:
            if item.symbol not in meta:
                raise ValueError(f"meta has no entry for {item.symbol!r}")
            self.check_kind(item, meta[item.symbol])
        stats: list[WriteStats] = []
        with self._transaction():
            for item in batch:
                series = meta[item.symbol]
                self._register(series)
                if item.kind == "price":
                    stats.append(self._write_prices(item))
                else:
                    stats.append(self._write_values(item, series))
            for stat, item in zip(stats, batch, strict=True):
                if not stat.changed:
                    continue  # a no-op update writes nothing, not even a log row
                self._con.execute(
                    "INSERT INTO updates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        stat.symbol,
                        stat.provider,
                        stat.source,
                        item.fetched_at.to_pydatetime(),
                        utc_now().to_pydatetime(),
                        stat.rows_new,
                        stat.rows_revised,
                        _pydate(stat.first_date),
                        _pydate(stat.last_date),
                    ],
                )
        # Read now, while the connection is known to be sound: closing runs on every way out,
        # an interrupted or failed transaction included, and must do nothing that can fail.
        self._listing = self._con.execute(SERIES_SQL, series_parameters(None, None)).fetchall()
        return stats

    def delete_import(self, symbol: str) -> int:
        """Remove an imported series: its values, vintages and registration (the update log stays).

        Parameters
        ----------
        symbol
            A series stored by ``riskcurve import``.

        Returns
        -------
        int
            Rows removed.

        Raises
        ------
        UnknownSymbolError
            If nothing is stored under ``symbol``.
        DataError
            If the series was not imported (a provider's series comes back with the next update;
            it is not deleted here).
        StoreError
            If the store is read-only.
        """
        if self.read_only:
            raise StoreError(f"store {self.path} is open read-only")
        meta = self.meta(symbol)
        if meta.origin != "import":
            raise DataError(
                "is not an imported series (it comes from a provider; only imports can be deleted)", symbol=meta.symbol
            )
        with self._transaction():
            removed = 0
            for table in ("observations", "prices"):
                row = self._con.execute(f"SELECT count(*) FROM {table} WHERE symbol = ?", [meta.symbol]).fetchone()
                removed += int(row[0]) if row else 0
                self._con.execute(f"DELETE FROM {table} WHERE symbol = ?", [meta.symbol])
            self._con.execute("DELETE FROM series WHERE symbol = ?", [meta.symbol])
        self._series = None
        self._listing = self._con.execute(SERIES_SQL, series_parameters(None, None)).fetchall()
        return removed

    def check_kind(self, item: Fetched, series: SeriesMeta) -> None:
        """Refuse ``item`` if what was fetched is not the kind the series is registered as.

        Raises
        ------
        DataError
            Naming the symbol, the source, both kinds and what to do.
        """
        stored = self._kind_or_none(item.symbol)
        registered = stored or series.kind
        if item.kind != registered:
            noun = {"price": "price bars", "value": "values"}.get(item.kind, item.kind)
            how = "stored" if stored else "registered"
            raise DataError(
                f"{item.source} holds {noun} but {item.symbol} is {how} as a {registered} series "
                "(a file in the wrong folder?); nothing was written"
            )

    def _register(self, series: SeriesMeta) -> None:
        row = self._con.execute("SELECT kind, origin FROM series WHERE symbol = ?", [series.symbol]).fetchone()
        if row is None:
            self._con.execute(
                "INSERT INTO series VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    series.symbol,
                    series.kind,
                    series.unit,
                    series.description,
                    series.calendar,
                    series.release,
                    series.lag_days,
                    series.origin,
                    utc_now().to_pydatetime(),
                ],
            )
        elif row[0] != series.kind:
            raise DataError(
                f"stored as a {row[0]} series, cannot write {series.kind} data into it", symbol=series.symbol
            )
        elif row[1] == "provider" and series.origin == "catalogue":
            self._adopt(series)

    def _adopt(self, series: SeriesMeta) -> None:
        """Give a series stored as ``"provider"`` the catalogue's metadata once the catalogue names it.

        Its rows were dated by the end-of-day rule (no rule was known); each row still carrying
        that instant is re-dated by the catalogue's release rule, so nothing reads it early.
        Revisions (rows known from a later fetch) keep their instant. Nothing is deleted.
        """
        stored = self._con.execute(_META_SQL + " WHERE symbol = ?", [series.symbol]).fetchone()
        if stored is None:
            return
        old = SeriesMeta(*stored)
        self._con.execute(
            "UPDATE series SET unit = ?, description = ?, calendar = ?, release_rule = ?, origin = ? WHERE symbol = ?",
            [series.unit, series.description, series.calendar, series.release, series.origin, series.symbol],
        )
        rows = _as_ns(
            self._con.execute("SELECT date, available_at FROM observations WHERE symbol = ?", [series.symbol]).df(),
            "date",
            "available_at",
        )
        if rows.empty:
            return
        dates = pd.DatetimeIndex(rows["date"])
        was = available_at(dates, old.release, lag_days=old.lag_days).as_unit("ns")
        now = available_at(dates, series.release, lag_days=series.lag_days).as_unit("ns")
        redated = pd.DataFrame({"date": rows["date"], "old": rows["available_at"], "new": now})
        redated = redated[(rows["available_at"].to_numpy() == was.to_numpy()) & (was.to_numpy() != now.to_numpy())]
        if redated.empty:
            return
        self._con.register("redated", redated)
        try:
            self._con.execute(
                "UPDATE observations SET available_at = r.new FROM redated AS r WHERE observations.symbol = ? "
                "AND observations.date = r.date AND observations.available_at = r.old",
                [series.symbol],
            )
        finally:
            self._con.unregister("redated")

    def _write_prices(self, item: Fetched) -> WriteStats:
        incoming = item.frame.loc[:, list(PRICE_COLUMNS)]
        if incoming.empty:
            return WriteStats(item.symbol, item.provider, item.source, 0, 0, None, None)
        first, last = incoming.index[0], incoming.index[-1]
        stored = self._con.execute(
            "SELECT date, open, high, low, close, volume FROM prices WHERE symbol = ? AND date BETWEEN ? AND ?",
            [item.symbol, _pydate(first), _pydate(last)],
        ).df()
        stored = stored.set_index(pd.DatetimeIndex(stored["date"]).as_unit("ns")).drop(columns="date")
        known = incoming.index.isin(stored.index)
        fresh = incoming.loc[~known]
        overlap = incoming.loc[known]
        before = stored.reindex(overlap.index)
        same = (overlap.to_numpy() == before.to_numpy()) | (np.isnan(overlap.to_numpy()) & np.isnan(before.to_numpy()))
        revised = overlap.loc[~same.all(axis=1)]
        stamp = item.fetched_at.to_pydatetime()
        for rows, statement in (
            (fresh, "INSERT INTO prices SELECT ?, date, open, high, low, close, volume, ?, ? FROM incoming"),
            (
                revised,
                "UPDATE prices SET open = i.open, high = i.high, low = i.low, close = i.close, volume = i.volume, "
                "provider = ?, fetched_at = ? FROM incoming AS i WHERE prices.symbol = ? AND prices.date = i.date",
            ),
        ):
            if rows.empty:
                continue
            self._con.register("incoming", rows.rename_axis("date").reset_index())
            try:
                if statement.startswith("INSERT"):
                    self._con.execute(statement, [item.symbol, item.provider, stamp])
                else:
                    # The bar being replaced is kept, with what replaced it and why, so a revision
                    # of history is never silent (`Store.price_revisions`).
                    self._con.execute(
                        "INSERT INTO price_revisions SELECT p.symbol, p.date, p.open, p.high, p.low, p.close, "
                        "p.volume, p.provider, p.fetched_at, i.close, ?, ?, ? FROM prices AS p JOIN incoming AS i "
                        "ON p.date = i.date WHERE p.symbol = ?",
                        [item.provider, stamp, f"replaced by {item.source}", item.symbol],
                    )
                    self._con.execute(statement, [item.provider, stamp, item.symbol])
            finally:
                self._con.unregister("incoming")
        return WriteStats(
            item.symbol,
            item.provider,
            item.source,
            len(fresh),
            len(revised),
            first,
            last,
            revised.index.min() if len(revised) else None,
        )

    def _write_values(self, item: Fetched, series: SeriesMeta) -> WriteStats:
        frame = item.frame
        if frame.empty:
            return WriteStats(item.symbol, item.provider, item.source, 0, 0, None, None)
        first, last = frame.index.min(), frame.index.max()
        stamp = item.fetched_at
        if "available_at" in frame.columns:
            incoming = pd.DataFrame(
                {
                    "date": frame.index,
                    "value": frame["value"].to_numpy(),
                    "available_at": frame["available_at"].to_numpy(),
                }
            )
            stored = self._con.execute(
                "SELECT date, available_at, value AS stored FROM observations "
                "WHERE symbol = ? AND date BETWEEN ? AND ?",
                [item.symbol, _pydate(first), _pydate(last)],
            ).df()
            merged = incoming.merge(_as_ns(stored, "date", "available_at"), on=["date", "available_at"], how="left")
            fresh = merged.loc[merged["stored"].isna(), ["date", "value", "available_at"]]
            corrected = merged.loc[merged["stored"].notna() & (merged["stored"] != merged["value"])]
            new_count, revised_count = len(fresh), len(corrected)
            first_revised = corrected["date"].min() if revised_count else None
            if revised_count:
                self._con.register("corrected", corrected[["date", "value", "available_at"]])
                try:
                    self._con.execute(
                        "UPDATE observations SET value = c.value, provider = ?, fetched_at = ? FROM corrected AS c "
                        "WHERE observations.symbol = ? AND observations.date = c.date "
                        "AND observations.available_at = c.available_at",
                        [item.provider, stamp.to_pydatetime(), item.symbol],
                    )
                finally:
                    self._con.unregister("corrected")
        else:
            incoming = pd.DataFrame(
                {
                    "date": frame.index,
                    "value": frame["value"].to_numpy(),
                    "available_at": available_at(
                        pd.DatetimeIndex(frame.index), series.release, lag_days=series.lag_days
                    ),
                }
            )
            latest = self._con.execute(
                "SELECT date, value AS stored FROM observations WHERE symbol = ? AND date BETWEEN ? AND ? "
                "QUALIFY row_number() OVER (PARTITION BY date ORDER BY available_at DESC) = 1",
                [item.symbol, _pydate(first), _pydate(last)],
            ).df()
            merged = incoming.merge(_as_ns(latest, "date"), on="date", how="left")
            fresh = merged.loc[merged["stored"].isna(), ["date", "value", "available_at"]]
            changed = merged.loc[merged["stored"].notna() & (merged["stored"] != merged["value"])].copy()
            # A revision seen without vintages is known only from when we saw it.
            changed["available_at"] = changed["available_at"].where(changed["available_at"] > stamp, stamp)
            new_count, revised_count = len(fresh), len(changed)
            first_revised = changed["date"].min() if revised_count else None
            fresh = pd.concat([fresh, changed[["date", "value", "available_at"]]])
        if len(fresh):
            self._con.register("incoming", fresh)
            try:
                self._con.execute(
                    "INSERT INTO observations SELECT ?, date, value, available_at, ?, ? FROM incoming",
                    [item.symbol, item.provider, stamp.to_pydatetime()],
                )
            finally:
                self._con.unregister("incoming")
        return WriteStats(item.symbol, item.provider, item.source, new_count, revised_count, first, last, first_revised)

    # -- reading ---------------------------------------------------------------------------

    def symbols(self) -> list[str]:
        """Every stored symbol, sorted."""
        return [row[0] for row in self._con.execute("SELECT symbol FROM series ORDER BY symbol").fetchall()]

    def meta(self, symbol: str) -> SeriesMeta:
        """The stored metadata of ``symbol``.

        Raises
        ------
        UnknownSymbolError
            If the store does not hold it; the message lists what it holds.
        """
        name = symbol.strip().upper()
        if self.read_only:
            # No process can write the file while this connection reads it (DuckDB's lock), so
            # the series table is read once: a report asks for metadata hundreds of times.
            if self._series is None:
                self._series = {row[0]: SeriesMeta(*row) for row in self._con.execute(_META_SQL).fetchall()}
            found = self._series.get(name)
        else:
            row = self._con.execute(_META_SQL + " WHERE symbol = ?", [name]).fetchone()
            found = SeriesMeta(*row) if row else None
        if found is None:
            held = ", ".join(self.symbols()) or "nothing yet; run `riskcurve update`"
            raise UnknownSymbolError(f"not in the store (it holds: {held})", symbol=symbol)
        return found

    def kind(self, symbol: str) -> SeriesKind:
        """``"price"`` or ``"value"``."""
        return self.meta(symbol).kind

    def last_date(self, symbol: str) -> pd.Timestamp | None:
        """The newest stored date of ``symbol`` (``None`` if it has no rows or is not stored)."""
        table = "prices" if self._kind_or_none(symbol) == "price" else "observations"
        row = self._con.execute(f"SELECT max(date) FROM {table} WHERE symbol = ?", [symbol.upper()]).fetchone()
        return pd.Timestamp(row[0]) if row and row[0] is not None else None

    def providers(self, symbol: str) -> set[str]:
        """The providers that wrote the stored rows of ``symbol`` (empty if it has none)."""
        name = symbol.strip().upper()
        rows = self._con.execute(
            "SELECT DISTINCT provider FROM prices WHERE symbol = ? "
            "UNION SELECT DISTINCT provider FROM observations WHERE symbol = ?",
            [name, name],
        ).fetchall()
        return {row[0] for row in rows}

    def _kind_or_none(self, symbol: str) -> SeriesKind | None:
        row = self._con.execute("SELECT kind FROM series WHERE symbol = ?", [symbol.upper()]).fetchone()
        return row[0] if row else None

    def prices(
        self,
        symbol: str,
        start: DateLike | None = None,
        end: DateLike | None = None,
        *,
        as_of: DateLike | None = None,
        provenance: bool = False,
    ) -> pd.DataFrame:
        """OHLCV bars of a price series.

        Parameters
        ----------
        symbol
            A stored price series.
        start, end
            Inclusive date range; open-ended when ``None``.
        as_of
            Only bars dated on or before this day (a bar is known at its close).
        provenance
            Add ``provider`` and ``fetched_at`` columns.

        Returns
        -------
        pandas.DataFrame
            Index ``date``; columns ``open high low close volume`` (NaN where the source had none).
        """
        meta = self.meta(symbol)
        if meta.kind != "price":
            raise DataError("is a value series; use observations()", symbol=meta.symbol)
        end = _earliest(end, as_of)
        extra = ", provider, fetched_at" if provenance else ""
        frame = self._con.execute(
            f"SELECT date, open, high, low, close, volume{extra} FROM prices WHERE symbol = ? "
            "AND (? IS NULL OR date >= ?) AND (? IS NULL OR date <= ?) ORDER BY date",
            [meta.symbol, *_range_params(start, end)],
        ).df()
        return _date_indexed(frame)

    def observations(
        self,
        symbol: str,
        start: DateLike | None = None,
        end: DateLike | None = None,
        *,
        as_of: DateLike | None = None,
        vintages: bool = False,
        provenance: bool = False,
    ) -> pd.DataFrame:
        """Values of a value series, as known on ``as_of`` (or as known now).

        Parameters
        ----------
        symbol
            A stored value series.
        start, end
            Inclusive range of observation dates.
        as_of
            Use only rows published by the end of this day (New York); for each date the latest
            such vintage. ``None`` means everything stored.
        vintages
            Return every stored vintage (one row per date and ``available_at``) instead.
        provenance
            Add ``provider`` and ``fetched_at`` columns.

        Returns
        -------
        pandas.DataFrame
            Index ``date``; columns ``value`` and ``available_at`` (naive UTC).
        """
        meta = self.meta(symbol)
        if meta.kind != "value":
            raise DataError("is a price series; use prices()", symbol=meta.symbol)
        cutoff = knowledge_cutoff(as_of).to_pydatetime() if as_of is not None else None
        extra = ", provider, fetched_at" if provenance else ""
        latest = "" if vintages else "QUALIFY row_number() OVER (PARTITION BY date ORDER BY available_at DESC) = 1"
        frame = self._con.execute(
            f"SELECT date, value, available_at{extra} FROM observations WHERE symbol = ? "
            "AND (? IS NULL OR date >= ?) AND (? IS NULL OR date <= ?) "
            f"AND (?::TIMESTAMP IS NULL OR available_at <= ?::TIMESTAMP) {latest} ORDER BY date, available_at",
            [meta.symbol, *_range_params(start, end), cutoff, cutoff],
        ).df()
        return _date_indexed(frame)

    def read(
        self,
        symbol: str,
        start: DateLike | None = None,
        end: DateLike | None = None,
        *,
        as_of: DateLike | None = None,
        provenance: bool = False,
    ) -> pd.DataFrame:
        """:meth:`prices` or :meth:`observations`, whichever fits the series."""
        if self.kind(symbol) == "price":
            return self.prices(symbol, start, end, as_of=as_of, provenance=provenance)
        return self.observations(symbol, start, end, as_of=as_of, provenance=provenance)

    def list_series(self, *, as_of: DateLike | None = None) -> pd.DataFrame:
        """One row per stored series: metadata, date range, row count, providers, last fetch.

        Parameters
        ----------
        as_of
            Count only what was known by the end of this day.

        Returns
        -------
        pandas.DataFrame
            Columns ``symbol kind unit description first_date last_date rows providers last_fetched``
            (``rows`` counts distinct dates).
        """
        day = pd.Timestamp(as_of).date() if as_of is not None else None
        cutoff = knowledge_cutoff(as_of).to_pydatetime() if as_of is not None else None
        return self._con.execute(SERIES_SQL, series_parameters(day, cutoff)).df()

    def check(self) -> tuple[dict[str, int], list[str]]:
        """Read every row of every table, verify every block of the file, and check what the schema cannot enforce.

        Reading every row makes DuckDB verify the checksums of the table blocks; the blocks no
        query reads whole (primary-key indexes, the catalog) are then verified from the raw file
        (:mod:`riskcurve.data.integrity`), so a corrupted block anywhere is found.

        Returns
        -------
        counts, problems
            Rows per table, and one sentence per problem found (empty when the store is sound).

        Raises
        ------
        StoreDamagedError
            If a block cannot be read.
        """
        from riskcurve.data.validation import EARLIEST_DATE, MAX_PRICE, latest_date

        version = self.schema_version()
        tables = [name for name in _TABLES if name in self._tables()]
        counts: dict[str, int] = {}
        problems: list[str] = []
        if version < SCHEMA_VERSION and not self.read_only:
            problems.append(f"schema version {version}, expected {SCHEMA_VERSION}")
        try:
            for table in tables:
                row = self._con.execute(f"SELECT count(*), bit_xor(hash(t)) FROM {table} AS t").fetchone()
                counts[table] = int(row[0]) if row else 0
            checks = {
                "price rows of a series not registered as a price series": "SELECT count(*) FROM prices p "
                "LEFT JOIN series s USING (symbol) WHERE s.kind IS DISTINCT FROM 'price'",
                "value rows of a series not registered as a value series": "SELECT count(*) FROM observations o "
                "LEFT JOIN series s USING (symbol) WHERE s.kind IS DISTINCT FROM 'value'",
                f"dates outside {EARLIEST_DATE} to {latest_date()}": "SELECT (SELECT count(*) FROM prices "
                "WHERE date < ?::DATE OR date > ?::DATE) + (SELECT count(*) FROM observations "
                "WHERE date < ?::DATE OR date > ?::DATE)",
                f"prices not finite, not positive or above {numbers.compact(MAX_PRICE)}": "SELECT count(*) "
                "FROM prices WHERE "
                f"NOT isfinite(close) OR close <= 0 OR close > {MAX_PRICE} OR open > {MAX_PRICE} "
                f"OR high > {MAX_PRICE} OR low > {MAX_PRICE}",
                "values not finite": "SELECT count(*) FROM observations WHERE NOT isfinite(value)",
            }
            bounds = [EARLIEST_DATE, latest_date()] * 2
            for what, query in checks.items():
                params = bounds if "?" in query else []
                row = self._con.execute(query, params).fetchone()
                if row and row[0]:
                    problems.append(f"{int(row[0]):,} {what}")
            block_size = self._con.execute("SELECT block_size FROM pragma_database_size()").fetchone()
        except duckdb.Error as exc:
            raise StoreDamagedError(damaged_message(self.path, str(exc))) from None
        if self.path != MEMORY and not self.uninitialised and block_size is not None:
            problems.extend(self._verify_blocks(int(block_size[0])))
        return counts, problems

    def _verify_blocks(self, block_size: int) -> list[str]:
        """Every block of the file against its checksum: the indexes and catalog too, which no query reads whole."""
        from riskcurve.data.integrity import verify_blocks

        report = verify_blocks(self.path, block_size)
        if report.unchecked:
            return [f"blocks not verified: {report.unchecked}"]
        if report.bad or not report.headers_ok:
            what = (
                f"{len(report.bad)} of {report.blocks} blocks fail their checksum (block "
                f"{', '.join(str(b) for b in report.bad[:5])}{', ...' if len(report.bad) > 5 else ''})"
                if report.bad
                else "its header fails its checksum"
            )
            raise StoreDamagedError(damaged_message(self.path, what))
        return []

    def _tables(self) -> set[str]:
        return {row[0] for row in self._con.execute("SELECT table_name FROM information_schema.tables").fetchall()}

    def price_revisions(self, symbol: str | None = None) -> pd.DataFrame:
        """Every stored bar a later write replaced: the old bar, the new close, when and from where.

        Parameters
        ----------
        symbol
            Only this symbol's revisions; all when ``None``.
        """
        query = "SELECT * FROM price_revisions WHERE ? IS NULL OR symbol = ? ORDER BY replaced_at, symbol, date"
        if "price_revisions" in self._tables():
            return self._con.execute(query, [symbol, symbol]).df()
        # A file from before revisions were kept, opened read-only (readers do not migrate): it
        # holds none. The empty table comes from the migration itself, so its columns are the same.
        with duckdb.connect(MEMORY) as scratch:
            for statement in next(m for m in MIGRATIONS if m[0] == 3)[2]:
                scratch.execute(statement)
            return scratch.execute(query, [symbol, symbol]).df()

    def update_log(self, symbol: str | None = None) -> pd.DataFrame:
        """Every write recorded for provenance: provider, source, fetch time, rows new/revised."""
        return self._con.execute(
            "SELECT * FROM updates WHERE ? IS NULL OR symbol = ? ORDER BY written_at, symbol",
            [symbol, symbol],
        ).df()

    def export(
        self,
        symbol: str,
        path: str | os.PathLike[str],
        *,
        format: ExportFormat | None = None,
        as_of: DateLike | None = None,
        vintages: bool = False,
    ) -> Path:
        """Write a series (with provenance columns) to a CSV or Parquet file, atomically.

        Parquet files carry the series' facts in their schema metadata (keys
        ``riskcurve.symbol``, ``riskcurve.unit``, ``riskcurve.description``, ``riskcurve.kind``,
        ``riskcurve.provider``, ``riskcurve.as_of``, ``riskcurve.exported_at``), so a file read
        back alone still says what it holds; CSV files have the ``provider`` and
        ``fetched_at`` columns only.

        Parameters
        ----------
        symbol
            A stored series.
        path
            The output file, replaced only once the new one is complete (see
            :func:`riskcurve.outputs.write_output`: never the store, a device or FIFO is written
            through), or ``-`` for standard output (CSV unless ``format`` says otherwise).
        format
            ``"csv"`` or ``"parquet"``; by default taken from the file's extension
            (``.csv``, ``.parquet`` or ``.pq``).
        as_of, vintages
            As in :meth:`read` / :meth:`observations`. The metadata's ``as_of`` is this day,
            or the day of the export when none is given.

        Raises
        ------
        ValueError
            If the format is unknown, cannot be told from the extension, or contradicts it.
        OutputError
            If the target is refused (the store itself, a directory...) or could not be written.
        """
        from riskcurve.outputs import check_output, is_stdout, write_output

        target = Path(path).expanduser()
        if is_stdout(path):
            chosen: ExportFormat = "csv" if format is None else export_format(Path("stdout"), format)
        else:
            chosen = export_format(target, format)
        protected = [] if self.path == MEMORY else [self.path]
        check_output(path, protected=protected)  # before reading: a refused target costs nothing
        meta = self.meta(symbol)
        if meta.kind == "price":
            frame = self.prices(meta.symbol, as_of=as_of, provenance=True)
        else:
            frame = self.observations(meta.symbol, as_of=as_of, vintages=vintages, provenance=True)

        def write(temporary: Path) -> None:
            if chosen == "csv":
                from riskcurve.numbers import exact

                # Full precision: each float as the shortest decimal that reads back to it.
                frame.to_csv(temporary, float_format=exact)
                return
            now = utc_now()
            providers = sorted(set(frame["provider"].dropna())) if "provider" in frame else []
            facts = {
                "symbol": meta.symbol,
                "unit": meta.unit,
                "description": meta.description,
                "kind": meta.kind,
                "provider": ",".join(providers),
                "as_of": (pd.Timestamp(as_of) if as_of is not None else now).date().isoformat(),
                "exported_at": now.isoformat(),
            }
            _write_parquet(frame, str(temporary), facts)

        written = write_output(path, write, protected=protected, suffix=f".{chosen}")
        return written if written is not None else Path(STDOUT_NAME)

    def export_parquet(
        self,
        symbol: str,
        path: str | os.PathLike[str],
        *,
        as_of: DateLike | None = None,
        vintages: bool = False,
    ) -> Path:
        """:meth:`export` to Parquet whatever the file's extension (kept for existing callers)."""
        return self.export(symbol, path, format="parquet", as_of=as_of, vintages=vintages)


#: File formats :meth:`Store.export` writes, by extension.
EXPORT_EXTENSIONS: dict[str, ExportFormat] = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


#: What :meth:`Store.export` returns for an export to standard output.
STDOUT_NAME = "-"


def export_format(path: Path, format: str | None) -> ExportFormat:
    """The export format: ``format`` when given (checked against the extension), else the extension's."""
    implied = EXPORT_EXTENSIONS.get(path.suffix.lower())
    if format is None:
        if implied is None:
            raise ValueError(
                f"cannot tell the format of {path} from its extension: name it .csv or .parquet, or give --format"
            )
        return implied
    if format not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet', got {format!r}")
    if implied is not None and implied != format:
        raise ValueError(f"format {format} contradicts the file name {path.name} (a {implied} extension)")
    return "csv" if format == "csv" else "parquet"


def _write_parquet(frame: pd.DataFrame, path: str, facts: Mapping[str, str]) -> None:
    """Write ``frame`` (its index as a ``date`` column) to Parquet with DuckDB, ``facts`` as key-value metadata.

    DuckDB writes Parquet itself (``COPY ... (FORMAT parquet, KV_METADATA {...})``), so the
    export needs no pyarrow; any Parquet reader (DuckDB, pandas with pyarrow, polars) reads it.
    """
    import duckdb

    def literal(text: str) -> str:
        return "'" + str(text).replace("'", "''") + "'"

    metadata = ", ".join(f"{literal('riskcurve.' + key)}: {literal(value)}" for key, value in facts.items())
    table = frame.reset_index()
    with duckdb.connect() as scratch:
        scratch.register("export_frame", table)
        scratch.execute(
            f"COPY (SELECT * FROM export_frame) TO {literal(path)} "
            f"(FORMAT parquet, COMPRESSION zstd, KV_METADATA {{{metadata}}})"
        )


def _pydate(value: pd.Timestamp | None) -> Any:
    return None if value is None else value.date()


def _earliest(end: DateLike | None, as_of: DateLike | None) -> pd.Timestamp | None:
    candidates = [pd.Timestamp(v).normalize() for v in (end, as_of) if v is not None]
    return min(candidates) if candidates else None


def _range_params(start: DateLike | None, end: DateLike | None) -> list[Any]:
    lo = pd.Timestamp(start).date() if start is not None else None
    hi = pd.Timestamp(end).date() if end is not None else None
    return [lo, lo, hi, hi]


def _as_ns(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        out[column] = pd.to_datetime(out[column]).astype("datetime64[ns]")
    return out


def _date_indexed(frame: pd.DataFrame) -> pd.DataFrame:
    index = pd.DatetimeIndex(pd.to_datetime(frame.pop("date")).astype("datetime64[ns]"), name="date")
    frame.index = index
    for column in ("available_at", "fetched_at"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame
