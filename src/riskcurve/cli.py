"""The ``riskcurve`` command line: parse, call the public API, render.

Commands only parse arguments, call :mod:`riskcurve` and render rich tables or ``--json``.
Domain errors become one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from riskcurve import config
from riskcurve.data.ingest import import_csv, update
from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.errors import RiskcurveError
from riskcurve.signals.regime import default_as_of, regime
from riskcurve.signals.registry import SIGNALS, get_signal

app = typer.Typer(
    name="riskcurve",
    help="Watch liquidity travel out along the risk curve, and test whether early links lead later ones.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
series_app = typer.Typer(help="What is stored, and the data itself.", no_args_is_help=True)
app.add_typer(series_app, name="series")

# Piped output is read by people in logs and CI too: give it room instead of rich's 80 columns.
out = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)


def _parse_day(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; expected YYYY-MM-DD") from None


StoreOpt = Annotated[
    Path | None, typer.Option("--store", help="DuckDB store file [default: $RISKCURVE_STORE or the user data folder]")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout (stable schema).")]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Compute as if this day (YYYY-MM-DD) were today, with only what was known then."),
]
DayOpt = Annotated[str | None, typer.Option(help="Inclusive date bound, YYYY-MM-DD.")]


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            return None
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return _jsonable(value.item())
    if value is pd.NaT:
        return None
    return value


def _emit_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, allow_nan=False) + "\n")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = frame.reset_index()
    return [{k: _jsonable(v) for k, v in zip(rows.columns, row, strict=True)} for row in rows.itertuples(index=False)]


@app.callback()
def _root(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")] = False) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@app.command("update")
def update_command(
    symbols: Annotated[list[str] | None, typer.Argument(help="Symbols to update [default: all].")] = None,
    snapshot: Annotated[
        Path | None, typer.Option(help="Snapshot folder [default: $RISKCURVE_SNAPSHOT]; used offline.")
    ] = None,
    offline: Annotated[bool, typer.Option(help="Use the snapshot even if the network is up.")] = False,
    provider: Annotated[str | None, typer.Option(help="Force one provider (yahoo, fred, ccxt, coingecko).")] = None,
    keep_going: Annotated[bool, typer.Option(help="Write what fetched cleanly even if some symbols fail.")] = False,
    store: StoreOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Fill or refresh the store: live when online, from the snapshot otherwise."""
    path = config.store_path(store)
    with (
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=json_out,
        ) as bar,
        Store(path) as db,
    ):
        task = bar.add_task("fetching", total=None)

        def progress(symbol: str, done: int, total: int) -> None:
            bar.update(task, description=f"fetched {symbol}", completed=done, total=total)

        result = update(
            db,
            symbols or None,
            snapshot=config.snapshot_dir(snapshot),
            offline=offline,
            provider=provider,
            keep_going=keep_going,
            progress=progress,
        )
    if json_out:
        _emit_json(
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
                        "first_date": _jsonable(s.first_date),
                        "last_date": _jsonable(s.last_date),
                    }
                    for s in result.written
                ],
                "failures": [{"symbol": s, "error": m} for s, m in result.failures],
            }
        )
    else:
        if result.note:
            err.print(f"[yellow]{result.note}[/yellow]")
        changed = [s for s in result.written if s.changed]
        err.print(
            f"{result.mode} update of {len(result.written)} series into {path}: "
            f"{result.rows_new} new rows, {result.rows_revised} revised" + ("" if changed else " (already up to date)")
        )
        for symbol, message in result.failures:
            err.print(f"[red]failed[/red] {symbol}: {message}")
    if result.failures:
        raise typer.Exit(1)


@series_app.command("list")
def series_list(store: StoreOpt = None, as_of: AsOfOpt = None, json_out: JsonOpt = False) -> None:
    """Every stored series with its date range, row count and providers."""
    day = _parse_day(as_of)
    with Store(config.store_path(store), read_only=True) as db:
        table = db.list_series(as_of=day)
    if json_out:
        records = _records(table.set_index("symbol"))
        for record in records:
            record["providers"] = record["providers"].split(",") if record["providers"] else []
        _emit_json({"as_of": _jsonable(day), "series": records})
        return
    view = Table(title=f"Stored series{f' as of {day}' if day else ''}", caption="descriptions: --json")
    for column in ("symbol", "kind", "unit", "first", "last", "rows", "providers"):
        view.add_column(column, justify="right" if column == "rows" else "left", no_wrap=True)
    for row in table.itertuples(index=False):
        view.add_row(
            *(_cell(getattr(row, c)) for c in ("symbol", "kind", "unit", "first_date", "last_date")),
            f"{row.rows:,}",
            _cell(row.providers),
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
    day = _parse_day(as_of)
    with Store(config.store_path(store), read_only=True) as db:
        meta = db.meta(symbol)
        if meta.kind == "price":
            if vintages:
                raise typer.BadParameter("--vintages applies to value series only")
            frame = db.prices(meta.symbol, _parse_day(start), _parse_day(end), as_of=day)
        else:
            frame = db.observations(meta.symbol, _parse_day(start), _parse_day(end), as_of=day, vintages=vintages)
    if json_out:
        _emit_json(
            {
                "symbol": meta.symbol,
                "kind": meta.kind,
                "unit": meta.unit,
                "description": meta.description,
                "as_of": _jsonable(day),
                "rows": len(frame),
                "data": _records(frame),
            }
        )
        return
    view = Table(title=f"{meta.symbol}: {meta.description} ({meta.unit}){f', as of {day}' if day else ''}")
    shown = frame.tail(rows).reset_index()
    for column in shown.columns:
        view.add_column(str(column), justify="left" if column in ("date", "available_at") else "right")
    for row in shown.itertuples(index=False):
        view.add_row(*[_cell(v) for v in row])
    out.print(view)
    out.print(f"{len(frame):,} rows" + (f", newest {len(shown)} shown" if len(frame) > len(shown) else ""))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:,.6g}" if abs(value) >= 1e6 else f"{value:,.4f}"
    rendered = _jsonable(value)
    return "" if rendered is None else str(rendered)


@series_app.command("export")
def series_export(
    symbol: Annotated[str, typer.Argument(help="A stored symbol.")],
    out_file: Annotated[Path, typer.Option("--out", help="Parquet file to write.")],
    as_of: AsOfOpt = None,
    vintages: Annotated[bool, typer.Option(help="Every stored vintage of a value series.")] = False,
    store: StoreOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write one series, with its provenance columns, to Parquet."""
    with Store(config.store_path(store), read_only=True) as db:
        target = db.export_parquet(symbol, out_file, as_of=_parse_day(as_of), vintages=vintages)
    if json_out:
        _emit_json({"symbol": symbol.upper(), "path": str(target)})
    else:
        err.print(f"wrote {target}")


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV file with a date column and a value column.")],
    name: Annotated[str, typer.Option(help="Symbol to store it under.")],
    date_col: Annotated[str, typer.Option(help="Name of the date column.")] = "date",
    value_col: Annotated[str, typer.Option(help="Name of the value column.")] = "value",
    lag_days: Annotated[
        int, typer.Option(help="Days between a value's date and its publication (for point-in-time use).")
    ] = 0,
    unit: Annotated[str, typer.Option(help="Unit of the values, shown in listings.")] = "",
    description: Annotated[str, typer.Option(help="What the series is.")] = "",
    store: StoreOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import a series of your own (ETF flows, share of unprofitable companies, ...)."""
    with Store(config.store_path(store)) as db:
        stats = import_csv(
            db,
            file,
            name,
            date_column=date_col,
            value_column=value_col,
            lag_days=lag_days,
            unit=unit,
            description=description,
        )
    if json_out:
        _emit_json(
            {
                "symbol": stats.symbol,
                "source": stats.source,
                "rows_new": stats.rows_new,
                "rows_revised": stats.rows_revised,
                "first_date": _jsonable(stats.first_date),
                "last_date": _jsonable(stats.last_date),
            }
        )
    else:
        err.print(f"imported {stats.symbol}: {stats.rows_new} new rows, {stats.rows_revised} revised")


ParamOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--param", "-p", help="A signal parameter as key=value (repeatable); see `riskcurve signal NAME --help-params`."
    ),
]
SymbolOpt = Annotated[
    str | None, typer.Option("--symbol", "-s", help="Symbol the signal applies to [default: the signal's own].")
]


def _signal_context(name: str, symbol: str | None, params: list[str] | None, store: Path | None, as_of: str | None):  # type: ignore[no-untyped-def]
    spec = get_signal(name)
    raw: dict[str, str] = {}
    for item in params or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"--param {item!r} is not key=value")
        raw[key.strip()] = value.strip()
    parameters = spec.parse(raw)
    db = Store(config.store_path(store), read_only=True)
    note = None
    if as_of is None:
        day, note = default_as_of(db)
    else:
        day = pd.Timestamp(_parse_day(as_of))
    chosen = (symbol or spec.default_symbol or "").upper() or None
    return spec, parameters, db, MarketData(db, as_of=day), chosen, note


def _signal_header(
    spec, data: MarketData, symbol: str | None, parameters: dict[str, Any], note: str | None
) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    sources = {}
    for source in (symbol,) if spec.default_symbol and symbol else spec.sources:
        if data.has(source):
            frame = data.bars(source) if data.store.kind(source) == "price" else data.vintages(source)
            sources[source] = {
                "first": _jsonable(frame.index.min()) if len(frame) else None,
                "last": _jsonable(frame.index.max()) if len(frame) else None,
            }
    return {
        "signal": spec.name,
        "symbol": symbol,
        "as_of": data.as_of.date().isoformat(),
        "note": note,
        "definition": spec.definition,
        "parameters": {k: _jsonable(v) for k, v in parameters.items()},
        "sources": sources,
    }


def _render_frame(title: str, frame: pd.DataFrame, rows: int, caption: str | None = None) -> None:
    shown = frame.tail(rows)
    if len(frame.columns) > 8:
        # Wide signals read better with one column per date and one row per field.
        shown = shown.tail(min(rows, 5)).T
        shown.index.name = "field"
        shown.columns = [_cell(c) for c in shown.columns]
    view = Table(title=title, caption=caption)
    body = shown.reset_index()
    for column in body.columns:
        view.add_column(str(column), justify="left" if column == body.columns[0] else "right", min_width=10)
    for row in body.itertuples(index=False):
        view.add_row(*[_cell(v) for v in row])
    out.print(view)


@app.command("signal")
def signal_command(
    name: Annotated[str, typer.Argument(help=f"One of: {', '.join(SIGNALS)}.")],
    symbol: SymbolOpt = None,
    param: ParamOpt = None,
    start: DayOpt = None,
    rows: Annotated[int, typer.Option(help="Rows shown in the terminal (the newest); --json gives all.")] = 15,
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A signal's daily values, computed only from what was known on each day."""
    spec, parameters, db, data, chosen, note = _signal_context(name, symbol, param, store, as_of)
    with db:
        frame = spec.compute(data, chosen, **parameters)
        header = _signal_header(spec, data, chosen, parameters, note)
    if start is not None:
        frame = frame.loc[pd.Timestamp(_parse_day(start)) :]
    if json_out:
        _emit_json({**header, "rows": len(frame), "data": _records(frame)})
        return
    title = f"{spec.name}{' ' + chosen if chosen else ''} as of {header['as_of']}"
    _render_frame(title, frame, rows, caption=spec.summary)
    if note:
        err.print(f"as of {header['as_of']}: {note}")


@app.command("events")
def events_command(
    name: Annotated[str, typer.Argument(help=f"One of: {', '.join(SIGNALS)}.")],
    symbol: SymbolOpt = None,
    param: ParamOpt = None,
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The de-clustered event dates of a signal (one run of the state is one event)."""
    spec, parameters, db, data, chosen, note = _signal_context(name, symbol, param, store, as_of)
    with db:
        frame = spec.events(data, chosen, **parameters)
        header = _signal_header(spec, data, chosen, parameters, note)
    if json_out:
        _emit_json({**header, "count": len(frame), "events": _records(frame)})
        return
    _render_frame(
        f"{spec.name} events{' for ' + chosen if chosen else ''} as of {header['as_of']}",
        frame,
        len(frame),
        caption=f"{len(frame)} events",
    )


@app.command("regime")
def regime_command(store: StoreOpt = None, as_of: AsOfOpt = None, json_out: JsonOpt = False) -> None:
    """The whole picture for one day: cascade, liquidity, breakout, divergences, altseason, cycle, volatility."""
    with Store(config.store_path(store), read_only=True) as db:
        picture = regime(db, _parse_day(as_of))
    if json_out:
        _emit_json(picture.to_dict())
        return
    view = Table(
        title=f"riskcurve regime as of {picture.as_of.isoformat()}",
        caption=picture.note,
        show_lines=True,
    )
    view.add_column("signal", no_wrap=True)
    view.add_column("state")
    view.add_column("data through", no_wrap=True)
    for entry in picture.items:
        through = min((last for _, last in entry.sources.values() if last), default="")
        stale = f"\n[yellow]stale: {', '.join(entry.stale)}[/yellow]" if entry.stale else ""
        view.add_row(entry.name, entry.headline, f"{through}{stale}")
    for name, reason in picture.unavailable:
        view.add_row(name, f"[red]unavailable[/red]: {reason}", "")
    out.print(view)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the app, turning domain errors into one stderr line and exit code 1."""
    command = typer.main.get_command(app)
    try:
        command.main(args=list(argv) if argv is not None else None, standalone_mode=False, prog_name="riskcurve")
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.TyperException as usage:
        show = getattr(usage, "show", None)
        if show is not None:
            show()
        else:
            print(f"riskcurve: {usage.format_message()}", file=sys.stderr)
        sys.exit(usage.exit_code)
    except typer.Abort:
        print("riskcurve: aborted", file=sys.stderr)
        sys.exit(130)
    except (RiskcurveError, ValueError, OSError) as failure:
        message = " ".join(str(failure).split())
        print(f"riskcurve: error: {message}", file=sys.stderr)
        sys.exit(1)
