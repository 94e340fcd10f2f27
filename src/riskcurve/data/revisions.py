"""Merging a fetched series into the store: new rows are inserted, changed rows kept as revisions.

The write path of :meth:`riskcurve.data.store.Store.write`, on the store's DuckDB connection and
inside its transaction: a revised price bar replaces the stored one, which is kept in
``price_revisions``; a revised value is added as a new vintage known from the fetch time, so
as-of views before the fetch still see the old value. :class:`WriteStats` says what each write
changed. :class:`~riskcurve.data.store.Store` re-exports :class:`WriteStats`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from riskcurve._typing import PRICE_COLUMNS
from riskcurve.data.providers.base import Fetched, utc_now
from riskcurve.data.release import available_at
from riskcurve.data.schema import SeriesMeta
from riskcurve.errors import DataError

__all__ = ["WriteStats", "register_series", "write_prices", "write_values"]


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


def register_series(con: duckdb.DuckDBPyConnection, series: SeriesMeta) -> None:
    """Register ``series``, or check it against its registration (adopting the catalogue's metadata)."""
    row = con.execute("SELECT kind, origin FROM series WHERE symbol = ?", [series.symbol]).fetchone()
    if row is None:
        con.execute(
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
        raise DataError(f"stored as a {row[0]} series, cannot write {series.kind} data into it", symbol=series.symbol)
    elif row[1] == "provider" and series.origin == "catalogue":
        _adopt(con, series)


def _adopt(con: duckdb.DuckDBPyConnection, series: SeriesMeta) -> None:
    """Give a series stored as ``"provider"`` the catalogue's metadata once the catalogue names it.

    Its rows were dated by the end-of-day rule (no rule was known); each row still carrying
    that instant is re-dated by the catalogue's release rule, so nothing reads it early.
    Revisions (rows known from a later fetch) keep their instant. Nothing is deleted.
    """
    stored = con.execute(_META_SQL + " WHERE symbol = ?", [series.symbol]).fetchone()
    if stored is None:
        return
    old = SeriesMeta(*stored)
    con.execute(
        "UPDATE series SET unit = ?, description = ?, calendar = ?, release_rule = ?, origin = ? WHERE symbol = ?",
        [series.unit, series.description, series.calendar, series.release, series.origin, series.symbol],
    )
    rows = _as_ns(
        con.execute("SELECT date, available_at FROM observations WHERE symbol = ?", [series.symbol]).df(),
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
    con.register("redated", redated)
    try:
        con.execute(
            "UPDATE observations SET available_at = r.new FROM redated AS r WHERE observations.symbol = ? "
            "AND observations.date = r.date AND observations.available_at = r.old",
            [series.symbol],
        )
    finally:
        con.unregister("redated")


def write_prices(con: duckdb.DuckDBPyConnection, item: Fetched) -> WriteStats:
    """Merge price bars: insert new dates, replace revised bars, keep the replaced ones in ``price_revisions``."""
    incoming = item.frame.loc[:, list(PRICE_COLUMNS)]
    if incoming.empty:
        return WriteStats(item.symbol, item.provider, item.source, 0, 0, None, None)
    first, last = incoming.index[0], incoming.index[-1]
    stored = con.execute(
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
        con.register("incoming", rows.rename_axis("date").reset_index())
        try:
            if statement.startswith("INSERT"):
                con.execute(statement, [item.symbol, item.provider, stamp])
            else:
                # The bar being replaced is kept, with what replaced it and why, so a revision
                # of history is never silent (`Store.price_revisions`).
                con.execute(
                    "INSERT INTO price_revisions SELECT p.symbol, p.date, p.open, p.high, p.low, p.close, "
                    "p.volume, p.provider, p.fetched_at, i.close, ?, ?, ? FROM prices AS p JOIN incoming AS i "
                    "ON p.date = i.date WHERE p.symbol = ?",
                    [item.provider, stamp, f"replaced by {item.source}", item.symbol],
                )
                con.execute(statement, [item.provider, stamp, item.symbol])
        finally:
            con.unregister("incoming")
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


def write_values(con: duckdb.DuckDBPyConnection, item: Fetched, series: SeriesMeta) -> WriteStats:
    """Merge values: insert new observations; a changed value is a new vintage (or corrects its own)."""
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
        stored = con.execute(
            "SELECT date, available_at, value AS stored FROM observations WHERE symbol = ? AND date BETWEEN ? AND ?",
            [item.symbol, _pydate(first), _pydate(last)],
        ).df()
        merged = incoming.merge(_as_ns(stored, "date", "available_at"), on=["date", "available_at"], how="left")
        fresh = merged.loc[merged["stored"].isna(), ["date", "value", "available_at"]]
        corrected = merged.loc[merged["stored"].notna() & (merged["stored"] != merged["value"])]
        new_count, revised_count = len(fresh), len(corrected)
        first_revised = corrected["date"].min() if revised_count else None
        if revised_count:
            con.register("corrected", corrected[["date", "value", "available_at"]])
            try:
                con.execute(
                    "UPDATE observations SET value = c.value, provider = ?, fetched_at = ? FROM corrected AS c "
                    "WHERE observations.symbol = ? AND observations.date = c.date "
                    "AND observations.available_at = c.available_at",
                    [item.provider, stamp.to_pydatetime(), item.symbol],
                )
            finally:
                con.unregister("corrected")
    else:
        incoming = pd.DataFrame(
            {
                "date": frame.index,
                "value": frame["value"].to_numpy(),
                "available_at": available_at(pd.DatetimeIndex(frame.index), series.release, lag_days=series.lag_days),
            }
        )
        latest = con.execute(
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
        con.register("incoming", fresh)
        try:
            con.execute(
                "INSERT INTO observations SELECT ?, date, value, available_at, ?, ? FROM incoming",
                [item.symbol, item.provider, stamp.to_pydatetime()],
            )
        finally:
            con.unregister("incoming")
    return WriteStats(item.symbol, item.provider, item.source, new_count, revised_count, first, last, first_revised)


def _pydate(value: pd.Timestamp | None) -> Any:
    return None if value is None else value.date()


def _as_ns(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        out[column] = pd.to_datetime(out[column]).astype("datetime64[ns]")
    return out
