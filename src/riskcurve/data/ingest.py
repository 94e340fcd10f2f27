"""Ingest: provider → validation → store, for updates and for user imports.

An update fetches every requested symbol first and writes them together in one transaction,
so either the whole update lands or none of it does (with ``keep_going`` the symbols that
fetched cleanly land and the failures are reported). The store is released while fetching, so
readers (a dashboard) are not kept waiting by a download.

What is re-read: a snapshot file the store was last written from, unchanged (same stamp, see
:mod:`riskcurve.data.stamps`), is skipped without being parsed. Any other snapshot file is
compared row by row with the store (for series only
the snapshot ever wrote; others from their newest stored date, since the snapshot is older than
live data), so a changed historical row is found and reported (``rows_revised``, with the earliest
revised date): a price bar is replaced by the source's value, a macro value is added as a new
vintage known from the fetch. A live update re-reads only the last
:data:`PRICE_OVERLAP_DAYS` of prices and :data:`VALUE_OVERLAP_DAYS` of macro values, because
providers rate-limit full histories; older changes at a live source are not seen, and the
update's output says so.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from riskcurve.data import stamps
from riskcurve.data.limits import MAX_LAG_DAYS
from riskcurve.data.providers.base import Fetched, Provider, get_provider, utc_now
from riskcurve.data.providers.snapshot import SnapshotProvider
from riskcurve.data.schema import SeriesMeta
from riskcurve.data.store import Store, WriteStats
from riskcurve.data.symbols import CATALOGUE, is_known, lookup
from riskcurve.data.validation import allowing_jumps, read_csv_text, validate_prices, validate_values
from riskcurve.errors import DataError, RiskcurveError, UnknownSymbolError

Mode = Literal["live", "snapshot"]

#: Bars re-read before the newest stored one on a live update: the last days of a source can be
#: provisional (the snapshot README saw a 1% change in a final day).
PRICE_OVERLAP_DAYS = 7
#: Macro values re-read on a live update, so revisions are seen (and stored as new vintages).
VALUE_OVERLAP_DAYS = 120

#: Hosts a live update needs; if none answers, the update falls back to the snapshot.
PROBE_HOSTS: tuple[tuple[str, int], ...] = (("query1.finance.yahoo.com", 443), ("fred.stlouisfed.org", 443))

Progress = Callable[[str, int, int], None]


def network_available(hosts: Iterable[tuple[str, int]] = PROBE_HOSTS, timeout: float = 3.0) -> bool:
    """Whether any of ``hosts`` accepts a TCP connection within ``timeout`` seconds."""
    for host, port in hosts:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return True
        except OSError:
            continue
    return False


@dataclass(frozen=True)
class UpdateResult:
    """What an update did.

    Attributes
    ----------
    mode
        ``"live"`` or ``"snapshot"``.
    note
        Why the mode was chosen when it was not the one asked for (e.g. no network).
    written
        Per-symbol write statistics.
    failures
        ``(symbol, message)`` for symbols that failed (only with ``keep_going``).
    snapshot_only
        Stored series a live update has no source for (``GOLD_LBMA``, extra snapshot files):
        re-read from the snapshot when one was given, else kept as stored. Empty in snapshot mode.
    """

    mode: Mode
    note: str | None
    written: tuple[WriteStats, ...]
    failures: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    snapshot_only: tuple[str, ...] = field(default_factory=tuple)

    @property
    def rows_new(self) -> int:
        """New rows over all symbols."""
        return sum(s.rows_new for s in self.written)

    @property
    def rows_revised(self) -> int:
        """Revised rows over all symbols."""
        return sum(s.rows_revised for s in self.written)


def _meta_for(store: Store, fetched: Fetched) -> SeriesMeta:
    if fetched.symbol in store.symbols():
        stored = store.meta(fetched.symbol)
        if stored.origin == "provider" and is_known(fetched.symbol):
            # Stored before the catalogue named it (an extra snapshot file): the catalogue's unit
            # and release rule take over, and the store re-dates its rows (Store.write).
            return SeriesMeta.from_spec(lookup(fetched.symbol))
        return stored
    if is_known(fetched.symbol):
        return SeriesMeta.from_spec(lookup(fetched.symbol))
    # A series outside the catalogue (an extra snapshot file, another FRED id): with no release
    # rule known, the observation day's end is the assumption, and the listing says so.
    return SeriesMeta(fetched.symbol, fetched.kind, description=f"from {fetched.source}", origin="provider")


def _start_for(store: Store, symbol: str, mode: Mode) -> pd.Timestamp | None:
    if symbol not in store.symbols():
        return None
    last = store.last_date(symbol)
    if last is None:
        return None
    if mode == "snapshot":
        # A series the snapshot alone filled is compared whole, so a changed old row is seen.
        # One a live provider wrote to is compared from its newest date only: the snapshot is
        # older than the live data, and must not "revise" it back.
        return None if store.providers(symbol) <= {"snapshot"} else last
    overlap = PRICE_OVERLAP_DAYS if store.kind(symbol) == "price" else VALUE_OVERLAP_DAYS
    return last - pd.Timedelta(days=overlap)


def _live_provider_name(symbol: str, override: str | None, written_by: set[str] | None = None) -> str | None:
    """The live provider for ``symbol``, or ``None`` when it has none.

    ``written_by`` is the set of providers that wrote the stored series (``None`` when it is not
    stored): a series outside the catalogue that only the snapshot ever wrote (``NDX``,
    ``STAR50``...) has no live source, whatever its name looks like.
    """
    if is_known(symbol):
        live = lookup(symbol).live
        if not live:
            return None
        return override or live[0]
    if written_by is not None and written_by <= {"snapshot"}:
        return None
    if override:
        return override
    return "fred" if re.fullmatch(r"[A-Z0-9]+", symbol) else None


def plan_update(
    store: Store,
    wanted: Sequence[str],
    mode: Mode,
    instances: dict[str, Provider],
    *,
    provider: str | None = None,
    requested: bool = False,
    stored: Sequence[str] | None = None,
) -> tuple[list[tuple[str, Provider]], list[str], list[tuple[str, str]]]:
    """Which provider fetches each wanted symbol; no network call is made.

    Parameters
    ----------
    store
        The store being updated (read for what is stored and who wrote it).
    wanted
        Symbols to update.
    mode
        ``"live"`` or ``"snapshot"``.
    instances
        Provider instances by name; live providers are created here as needed.
    provider
        A provider forced for every symbol that has a live source.
    requested
        Whether ``wanted`` was named by the user (a named series without any source is an
        error then; a default one is only listed).
    stored
        ``store.symbols()``, when the caller has it.

    Returns
    -------
    plan
        ``(symbol, provider)`` pairs to fetch.
    snapshot_only
        Stored series without a live source (live mode): fetched from the snapshot when one is
        in ``instances`` and has them, otherwise kept as stored. They never block the others.
    unplanned
        ``(symbol, reason)`` for named symbols that have no source at all.
    """
    on_disk = set(store.symbols() if stored is None else stored)
    snapshot = instances.get("snapshot")
    in_snapshot = set(snapshot.symbols()) if snapshot is not None else set()
    plan: list[tuple[str, Provider]] = []
    snapshot_only: list[str] = []
    unplanned: list[tuple[str, str]] = []
    for name in wanted:
        if mode == "snapshot":
            assert snapshot is not None  # update() refuses snapshot mode without a snapshot folder
            plan.append((name, snapshot))
            continue
        written_by = store.providers(name) if name in on_disk else None
        live_name = _live_provider_name(name, provider, written_by)
        if live_name is None:
            if snapshot is not None and name in in_snapshot:
                plan.append((name, snapshot))
            if name in on_disk:
                snapshot_only.append(name)
            elif (snapshot is None or name not in in_snapshot) and requested:
                unplanned.append((name, "has no live source and is not in a snapshot folder (use --snapshot DIR)"))
            continue
        if live_name not in instances:
            instances[live_name] = get_provider(live_name)
        plan.append((name, instances[live_name]))
    return plan, snapshot_only, unplanned


def update(
    store: Store,
    symbols: Sequence[str] | None = None,
    *,
    snapshot: str | os.PathLike[str] | None = None,
    offline: bool = False,
    provider: str | None = None,
    keep_going: bool = False,
    progress: Progress | None = None,
    probe: Callable[[], bool] = network_available,
    providers: dict[str, Provider] | None = None,
    allow_jumps: bool = False,
) -> UpdateResult:
    """Fill or refresh the store, fetching only what it is missing.

    Parameters
    ----------
    store
        The store to write to.
    symbols
        What to update; by default every snapshot series (snapshot mode) or every catalogue
        series with a live source plus everything already stored (live mode). Imported series
        are never refreshed (they have no provider).
    snapshot
        Snapshot folder used offline, and for series that have no live source.
    offline
        Use the snapshot even if the network is up.
    provider
        Force one live provider for every symbol (e.g. ``"ccxt"`` for crypto).
    keep_going
        Write what fetched cleanly even if some symbols failed (their errors are returned).
    progress
        Called as ``progress(symbol, done, total)`` after each symbol is fetched.
    probe
        Returns whether the network is reachable; injected in tests.
    providers
        Provider instances by name, to reuse or to inject in tests.
    allow_jumps
        Accept one-bar price moves beyond :data:`~riskcurve.data.validation.JUMP_FACTOR`
        (refused by default as a likely unit change or typo).

    Returns
    -------
    UpdateResult

    Raises
    ------
    RiskcurveError
        The first failure, when ``keep_going`` is false; the store is then untouched.
    """
    instances: dict[str, Provider] = dict(providers or {})
    snapshot_root = Path(snapshot).expanduser() if snapshot else None
    if snapshot_root is not None and "snapshot" not in instances:
        instances["snapshot"] = SnapshotProvider(snapshot_root)

    mode: Mode
    note = None
    if offline or provider == "snapshot":
        mode = "snapshot"
    elif probe():
        mode = "live"
    else:
        mode = "snapshot"
        note = "network unreachable"
    if mode == "snapshot" and "snapshot" not in instances:
        reason = "offline mode" if offline or provider == "snapshot" else "no network"
        raise DataError(f"{reason} and no snapshot folder given (use --snapshot DIR or set RISKCURVE_SNAPSHOT)")
    if note:
        note = f"{note}: using the snapshot at {instances['snapshot'].root}"  # type: ignore[attr-defined]
    snapshot_source = instances.get("snapshot")
    if mode == "snapshot" and isinstance(snapshot_source, SnapshotProvider) and (odd := snapshot_source.ignored()):
        from riskcurve.untrusted import clean

        shown = ", ".join(repr(clean(name, one_line=False)) for name in odd[:5]) + (", ..." if len(odd) > 5 else "")
        skipped = f"ignored {len(odd)} snapshot file(s) whose names are not symbols: {shown}"
        note = f"{note}; {skipped}" if note else skipped

    stored = store.symbols()
    imported = {s for s in stored if store.meta(s).origin == "import"}
    if symbols:
        wanted = [s.strip().upper() for s in symbols]
        for name in wanted:
            if name in imported:
                raise DataError("is an imported series; re-run `riskcurve import` to refresh it", symbol=name)
    elif mode == "snapshot":
        # A snapshot file named like an import (the user chose NDX) is not read: the import stays,
        # and the rest of the snapshot is not blocked by it.
        shadowed = sorted(set(instances["snapshot"].symbols()) & imported)
        wanted = [s for s in instances["snapshot"].symbols() if s not in imported]
        if shadowed:
            skipped = (
                f"snapshot file(s) not read because an import has the name: {', '.join(shadowed)} "
                "(`riskcurve series delete NAME` lets the snapshot fill them)"
            )
            note = f"{note}; {skipped}" if note else skipped
    else:
        wanted = sorted({s for s in CATALOGUE if lookup(s).live} | (set(stored) - imported))

    plan, snapshot_only, unplanned = plan_update(
        store, wanted, mode, instances, provider=provider, requested=bool(symbols), stored=stored
    )
    failures: list[tuple[str, str]] = []
    for name, message in unplanned:
        if not keep_going:
            raise UnknownSymbolError(message, symbol=name)
        failures.append((name, f"{name}: {message}"))

    seen = {name: stamps.stat_stamp(source.path(name)) for name, source in plan if isinstance(source, SnapshotProvider)}
    # A series stored before the catalogue named it is re-read, so the store re-dates it.
    adopting = {n for n in seen if n in stored and is_known(n) and store.meta(n).origin == "provider"}
    skip, refreshed = stamps.unchanged(store, {n: f for n, f in seen.items() if n not in adopting})
    # Hashed before reading: a file that changes while it is read keeps an old stamp, so it is read again.
    files = {name: stamp.hashed() for name, stamp in seen.items() if name not in skip}
    starts = {name: _start_for(store, name, mode) for name, _ in plan if name not in skip}
    store.release()  # nothing below needs the store until the write
    fetched: list[Fetched] = []
    unchanged: list[WriteStats] = []
    with allowing_jumps(allow_jumps):
        for done, (name, source) in enumerate(plan, start=1):
            if name in skip:
                # The file last written from, byte for byte: nothing in it can be new.
                unchanged.append(WriteStats(name, source.name, seen[name].path, 0, 0, None, None))
                if progress is not None:
                    progress(name, done, len(plan))
                continue
            try:
                fetched.append(source.fetch(name, start=starts[name]))
            except (RiskcurveError, ValueError) as exc:
                if not keep_going:
                    raise
                failures.append((name, str(exc)))
            if progress is not None:
                progress(name, done, len(plan))

    meta = {}
    accepted = []
    for item in fetched:
        meta[item.symbol] = _meta_for(store, item)
        try:
            store.check_kind(item, meta[item.symbol])
        except DataError as exc:
            if not keep_going:
                raise
            failures.append((item.symbol, str(exc)))
            continue
        accepted.append(item)
    written = store.write(accepted, meta) if accepted else []
    stamps.record(store, {**refreshed, **{i.symbol: files[i.symbol] for i in accepted if i.symbol in files}})
    return UpdateResult(mode, note, (*written, *unchanged), tuple(failures), tuple(snapshot_only))


_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,39}")


def import_csv(
    store: Store,
    path: str | os.PathLike[str],
    name: str,
    *,
    date_column: str = "date",
    value_column: str = "value",
    lag_days: int = 0,
    unit: str = "",
    description: str = "",
    reserved: Iterable[str] = (),
    basket: bool = False,
) -> WriteStats:
    """Bring a user's own series (ETF flows, share of unprofitable companies...) into the store.

    Values become known at the end of their date plus ``lag_days``; say how late the source
    publishes, since an early date here is look-ahead in every signal that uses the series.

    With ``basket``, the file holds a coin's daily closes in USD on UTC days: it is stored as a
    close-only price series on the crypto calendar (each close known at the end of its day, like
    the catalogue's coins) and joins the altcoin basket
    (:func:`riskcurve.data.panel.basket_coins`) from its own first close.

    Parameters
    ----------
    store
        The store to write to.
    path
        A CSV file with a date column and a value column.
    name
        The symbol to store it under (letters, digits, underscores).
    date_column, value_column
        Which columns to read (case-insensitive).
    lag_days
        Days between a value's date and its publication.
    unit, description
        Shown in listings and reports.
    reserved
        More names an import may not take, besides the catalogue's and the stored provider
        series': the derived series (``NETLIQ``, ``ALTS``...) and the snapshot's files, which the
        caller knows (this layer does not import the signals).
    basket
        Store the file as a coin of the altcoin basket (closes must be positive; ``lag_days``
        must be 0, a close being known at the end of its UTC day).

    Raises
    ------
    DataError
        On any problem with the file, naming the line, or if ``name`` is taken by a
        non-imported series. Nothing is written then.
    """
    symbol = name.strip().upper()
    if not _NAME.fullmatch(symbol):
        raise DataError(f"invalid series name {name!r}: use letters, digits and underscores, starting with a letter")
    if isinstance(lag_days, bool) or not isinstance(lag_days, int) or not 0 <= lag_days <= MAX_LAG_DAYS:
        raise ValueError(f"lag_days must be a whole number of days from 0 to {MAX_LAG_DAYS}, got {lag_days!r}")
    if is_known(symbol) or symbol in {name.strip().upper() for name in reserved}:
        raise DataError("name is taken by a riskcurve series; choose another --name", symbol=symbol)
    if basket and lag_days:
        raise DataError("a basket coin's close is known at the end of its UTC day: drop --lag-days", symbol=symbol)
    source = Path(path).expanduser()
    # The file is read and checked with the store released, so readers are not kept waiting.
    store.release()
    frame = validate_values(
        read_csv_text(source, symbol=symbol),
        source=str(source),
        symbol=symbol,
        date_column=date_column,
        value_column=value_column,
    )
    if symbol in store.symbols() and store.meta(symbol).origin != "import":
        raise DataError("name is taken by a riskcurve series; choose another --name", symbol=symbol)
    if basket:
        return _import_coin(store, frame, symbol, source, unit=unit, description=description)
    if symbol in store.symbols() and store.kind(symbol) == "price":
        raise DataError("was imported as a coin of the basket; re-import it with --basket", symbol=symbol)
    meta = SeriesMeta(
        symbol,
        "value",
        unit=unit,
        description=description or f"imported from {source.name}",
        calendar="business",
        release="end_of_day",
        lag_days=lag_days,
        origin="import",
    )
    if symbol in store.symbols() and store.meta(symbol).lag_days != lag_days:
        raise DataError(
            f"was imported with --lag-days {store.meta(symbol).lag_days}; re-import with the same lag", symbol=symbol
        )
    (stats,) = store.write([Fetched(symbol, "value", frame, "import", str(source), utc_now())], {symbol: meta})
    return stats


def coin_series(
    values: pd.DataFrame, symbol: str, source: str, *, unit: str = "", description: str = ""
) -> tuple[Fetched, SeriesMeta]:
    """A coin's closes as ``riskcurve import --basket`` stores them, ready for :meth:`Store.write`.

    Parameters
    ----------
    values
        A coin's daily closes in a ``value`` column, indexed by date (as :func:`validate_values`
        returns them).
    symbol, source
        The name to store it under and where it came from.
    unit, description
        Shown in listings; USD and "coin of the altcoin basket" when empty.

    Returns
    -------
    tuple of Fetched and SeriesMeta
        Close-only bars on the crypto calendar, imported (what marks a basket coin,
        :func:`riskcurve.data.panel.is_imported_coin`).

    Raises
    ------
    DataError
        If a close is not positive, too large, or jumps beyond the limit (see
        :func:`~riskcurve.data.validation.validate_prices`).
    """
    bars = validate_prices(values.rename(columns={"value": "close"}), source=source, symbol=symbol)
    meta = SeriesMeta(
        symbol,
        "price",
        unit=unit or "USD",
        description=description or f"coin of the altcoin basket, imported from {Path(source).name}",
        calendar="crypto",
        origin="import",
    )
    return Fetched(symbol, "price", bars, "import", source, utc_now()), meta


def _import_coin(
    store: Store, values: pd.DataFrame, symbol: str, source: Path, *, unit: str, description: str
) -> WriteStats:
    """Store validated ``values`` as a basket coin's close-only daily bars (see :func:`import_csv`)."""
    fetched, meta = coin_series(values, symbol, str(source), unit=unit, description=description)
    if symbol in store.symbols() and store.kind(symbol) != "price":
        raise DataError("was imported as a value series; delete it (`riskcurve series delete`) first", symbol=symbol)
    (stats,) = store.write([fetched], {symbol: meta})
    return stats


__all__ = ["UpdateResult", "coin_series", "import_csv", "network_available", "plan_update", "update"]
