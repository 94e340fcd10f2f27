"""Data commands: update, series list/show/export, import."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from riskcurve import config, numbers
from riskcurve.cli._common import (
    AsOfOpt,
    DayOpt,
    JsonOpt,
    StoreOpt,
    app,
    between,
    cell,
    emit_json,
    err,
    for_terminal,
    jsonable,
    out,
    parse_day,
    progress_bar,
    records,
    series_app,
    within,
)
from riskcurve.data.limits import JUMP_FACTOR, MAX_LAG_DAYS

if TYPE_CHECKING:
    from riskcurve.data.ingest import UpdateResult


@app.command("update")
def update_command(
    symbols: Annotated[list[str] | None, typer.Argument(help="Symbols to update (default: all).")] = None,
    snapshot: Annotated[
        Path | None, typer.Option(help="Snapshot folder (default: $RISKCURVE_SNAPSHOT); used offline.")
    ] = None,
    offline: Annotated[bool, typer.Option(help="Use the snapshot even if the network is up.")] = False,
    provider: Annotated[str | None, typer.Option(help="Force one provider (yahoo, fred, ccxt, coingecko).")] = None,
    keep_going: Annotated[
        bool, typer.Option(help="Write what fetched cleanly even if some symbols fail (exit code 1 all the same).")
    ] = False,
    allow_jumps: Annotated[
        bool,
        typer.Option(
            help=f"Accept one-bar price moves beyond x{numbers.significant(JUMP_FACTOR)} "
            "(refused as a likely unit change or typo)."
        ),
    ] = False,
    store: StoreOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Fill or refresh the store: live when online, from the snapshot otherwise.

    A snapshot update compares every row of every file with the store and reports changed
    historical rows; a live update re-reads only the last days (prices) or months (macro).
    Exit code 1 if any symbol failed, even with --keep-going.
    """
    from riskcurve.data.ingest import PRICE_OVERLAP_DAYS, VALUE_OVERLAP_DAYS, update
    from riskcurve.data.store import Store

    path = config.store_path(store)
    with progress_bar("fetching", quiet=json_out, verb="fetched") as progress, Store(path) as db:
        result = update(
            db,
            symbols or None,
            snapshot=config.snapshot_dir(snapshot),
            offline=offline,
            provider=provider,
            keep_going=keep_going,
            progress=progress,
            allow_jumps=allow_jumps,
        )
    if json_out:
        emit_json(
            {
                "store": str(path),
                "mode": result.mode,
                "note": result.note,
                "rows_new": result.rows_new,
                "rows_revised": result.rows_revised,
                "series": [
                    {
                        "symbol": s.symbol,
                        "provider": s.provider,
                        "source": s.source,
                        "rows_new": s.rows_new,
                        "rows_revised": s.rows_revised,
                        "first_revised": jsonable(s.first_revised),
                        "first_date": jsonable(s.first_date),
                        "last_date": jsonable(s.last_date),
                    }
                    for s in result.written
                ],
                "failures": [{"symbol": s, "error": m} for s, m in result.failures],
                "snapshot_only": list(result.snapshot_only),
            }
        )
    else:
        if result.note:
            err.print(f"[yellow]{for_terminal(result.note)}[/yellow]")
        if result.snapshot_only:
            err.print(snapshot_only_line(result), soft_wrap=True)
        changed = [s for s in result.written if s.changed]
        err.print(
            f"{result.mode} update of {len(result.written)} series into {path}: "
            f"{result.rows_new} new rows, {result.rows_revised} revised" + ("" if changed else " (already up to date)"),
            soft_wrap=True,
        )
        for stat in result.written:
            if stat.rows_revised:
                err.print(
                    f"[yellow]revised[/yellow] {stat.symbol}: {stat.rows_revised} stored row(s) differ from "
                    f"{for_terminal(stat.source)}, "
                    f"the earliest dated {cell(stat.first_revised)}; the store now follows the source "
                    "(old price bars kept in price_revisions, macro values as a new vintage)",
                    soft_wrap=True,
                )
        if result.mode == "live":
            err.print(
                f"live prices are re-read from {PRICE_OVERLAP_DAYS} days and macro values from {VALUE_OVERLAP_DAYS} "
                "days before the newest stored date; older changes at a source are not seen"
            )
        for symbol, message in result.failures:
            err.print(f"[red]failed[/red] {for_terminal(symbol)}: {for_terminal(message)}", soft_wrap=True)
    if result.failures:
        raise typer.Exit(1)


def snapshot_only_line(result: UpdateResult) -> str:
    """The one line naming the stored series a live update has no source for."""
    refreshed = {s.symbol for s in result.written if s.provider == "snapshot"}
    names = for_terminal(", ".join(result.snapshot_only))
    how = (
        "re-read from the snapshot"
        if refreshed >= set(result.snapshot_only)
        else "kept as stored (give --snapshot DIR to re-read them)"
    )
    return f"[yellow]snapshot only[/yellow] (no live source, {how}): {names}"


@series_app.command("list")
def series_list(store: StoreOpt = None, as_of: AsOfOpt = None, json_out: JsonOpt = False) -> None:
    """Every stored series with its date range, row count and providers."""
    from riskcurve.data.catalog import list_series

    day = parse_day(as_of, "--as-of")
    listed = list_series(config.store_path(store), as_of=day)
    if json_out:
        rows = [{k: jsonable(v) for k, v in record.items()} for record in listed]
        for row in rows:
            row["providers"] = row["providers"].split(",") if row["providers"] else []
        emit_json({"as_of": jsonable(day), "series": rows})
        return
    view = Table(title=f"Stored series{f' as of {day}' if day else ''}", caption="descriptions: --json")
    for column in ("symbol", "kind", "unit", "first", "last", "rows", "providers"):
        view.add_column(column, justify="right" if column == "rows" else "left", no_wrap=True)
    for row in listed:
        view.add_row(
            *(cell(row[c]) for c in ("symbol", "kind", "unit", "first_date", "last_date")),
            f"{row['rows']:,}",
            cell(row["providers"]),
        )
    out.print(view)


@series_app.command("show")
def series_show(
    symbol: Annotated[str, typer.Argument(help="A stored symbol, e.g. RUT or WALCL.")],
    start: DayOpt = None,
    end: DayOpt = None,
    as_of: AsOfOpt = None,
    vintages: Annotated[bool, typer.Option(help="Every stored vintage of a value series.")] = False,
    rows: Annotated[int, typer.Option(help="Rows shown in the terminal (the newest); --json gives all.")] = 20,
    store: StoreOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The data of one series, as known on --as-of."""
    from riskcurve.data.release import describe_rule
    from riskcurve.data.store import Store

    day = parse_day(as_of, "--as-of")
    with Store(config.store_path(store), read_only=True) as db:
        meta = db.meta(symbol)
        if meta.kind == "price":
            if vintages:
                raise typer.BadParameter("--vintages applies to value series only")
            frame = db.prices(meta.symbol, parse_day(start, "--start"), parse_day(end, "--end"), as_of=day)
        else:
            frame = db.observations(
                meta.symbol, parse_day(start, "--start"), parse_day(end, "--end"), as_of=day, vintages=vintages
            )
    known_from = describe_rule(meta.release, lag_days=meta.lag_days) if meta.kind == "value" else "end of its date"
    if json_out:
        emit_json(
            {
                "symbol": meta.symbol,
                "kind": meta.kind,
                "unit": meta.unit,
                "description": meta.description,
                "known_from": known_from,
                "as_of": jsonable(day),
                "rows": len(frame),
                "data": records(frame),
            }
        )
        return
    view = Table(
        title=for_terminal(f"{meta.symbol}: {meta.description} ({meta.unit})") + (f", as of {day}" if day else "")
    )
    shown = frame.tail(rows).reset_index()
    for column in shown.columns:
        view.add_column(str(column), justify="left" if column in ("date", "available_at") else "right")
    for row in shown.itertuples(index=False):
        view.add_row(*[cell(v) for v in row])
    out.print(view)
    out.print(f"{len(frame):,} rows" + (f", newest {len(shown)} shown" if len(frame) > len(shown) else ""))
    out.print(f"known from: {known_from}")


@series_app.command("export")
def series_export(
    symbol: Annotated[str, typer.Argument(help="A stored symbol.")],
    out_file: Annotated[Path, typer.Option("--out", help="File to write: .csv or .parquet (or give --format).")],
    format: Annotated[
        str | None, typer.Option("--format", help="csv or parquet (default: from the file's extension).")
    ] = None,
    as_of: AsOfOpt = None,
    vintages: Annotated[bool, typer.Option(help="Every stored vintage of a value series.")] = False,
    store: StoreOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write one series, with its provenance columns, to CSV or Parquet (with symbol, unit, provider, as-of).

    ``--out -`` writes to standard output (CSV unless --format parquet). The store itself, a
    directory or a block device is refused; a device or FIFO is written through.
    """
    from riskcurve.data.store import Store, export_format
    from riskcurve.outputs import is_stdout

    to_stdout = is_stdout(out_file)
    if to_stdout and json_out:
        raise typer.BadParameter("--out - and --json would both write to standard output; choose one")
    try:
        chosen = "csv" if to_stdout and format is None else export_format(out_file, format)
    except ValueError as bad:
        raise typer.BadParameter(str(bad), param_hint="--format/--out") from None
    with Store(config.store_path(store), read_only=True) as db:
        target = db.export(symbol, out_file, format=chosen, as_of=parse_day(as_of, "--as-of"), vintages=vintages)
    if json_out:
        emit_json({"symbol": symbol.upper(), "path": str(target), "format": chosen})
    elif not to_stdout:
        err.print(f"wrote {target} ({chosen})", markup=False, highlight=False)


def _reserved_names() -> set[str]:
    """Names an import may not take: derived series, the altcoin basket and the snapshot's files."""
    from riskcurve.signals.derived import ALTS_NAMES, DERIVED

    names = set(DERIVED) | set(ALTS_NAMES)
    folder = config.snapshot_dir()
    if folder is not None and folder.is_dir():
        from riskcurve.data.providers.snapshot import SnapshotProvider
        from riskcurve.errors import DataError

        with contextlib.suppress(DataError):  # not a snapshot folder: `update` says so when it is used
            names |= set(SnapshotProvider(folder).symbols())
    return names


@series_app.command("delete")
def series_delete(
    symbol: Annotated[str, typer.Argument(help="An imported series (`riskcurve import`).")],
    store: StoreOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Remove a series you imported (a provider's series comes back with the next update, so only imports)."""
    from riskcurve.data.store import Store

    with Store(config.store_path(store)) as db:
        removed = db.delete_import(symbol)
    name = symbol.strip().upper()
    if json_out:
        emit_json({"symbol": name, "rows_removed": removed})
    else:
        err.print(f"deleted the import {name}: {removed:,} rows", markup=False, highlight=False)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV file with a date column and a value column.")],
    name: Annotated[str, typer.Option(help="Symbol to store it under.")],
    date_col: Annotated[str, typer.Option(help="Name of the date column.")] = "date",
    value_col: Annotated[str, typer.Option(help="Name of the value column.")] = "value",
    lag_days: Annotated[
        int,
        typer.Option(
            callback=within(0, MAX_LAG_DAYS),
            help=f"Days between a value's date and its publication, {between(0, MAX_LAG_DAYS)} "
            "(for point-in-time use).",
        ),
    ] = 0,
    unit: Annotated[str, typer.Option(help="Unit of the values, shown in listings.")] = "",
    description: Annotated[str, typer.Option(help="What the series is.")] = "",
    basket: Annotated[
        bool,
        typer.Option(
            "--basket",
            help="The file holds a coin's daily USD closes (UTC days): store it as a coin and add it to the "
            "altcoin basket (altseason, the cascade's alt breadth, ALT_BASKET), from its own first close.",
        ),
    ] = False,
    allow_jumps: Annotated[
        bool,
        typer.Option(
            help=f"With --basket: accept one-day moves beyond x{numbers.significant(JUMP_FACTOR, 3)} "
            "(refused as a likely unit change or typo)."
        ),
    ] = False,
    store: StoreOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import a series of your own (ETF flows, share of unprofitable companies, ...), or a coin for the basket."""
    from riskcurve.data.ingest import import_csv
    from riskcurve.data.store import Store
    from riskcurve.data.validation import allowing_jumps

    reserved = _reserved_names()
    with Store(config.store_path(store)) as db, allowing_jumps(allow_jumps):
        stats = import_csv(
            db,
            file,
            name,
            date_column=date_col,
            value_column=value_col,
            lag_days=lag_days,
            unit=unit,
            description=description,
            reserved=reserved,
            basket=basket,
        )
    if json_out:
        emit_json(
            {
                "symbol": stats.symbol,
                "source": stats.source,
                "rows_new": stats.rows_new,
                "rows_revised": stats.rows_revised,
                "first_date": jsonable(stats.first_date),
                "last_date": jsonable(stats.last_date),
            }
        )
    else:
        err.print(
            f"imported {stats.symbol}: {stats.rows_new} new rows, {stats.rows_revised} revised",
            markup=False,
            highlight=False,
        )
