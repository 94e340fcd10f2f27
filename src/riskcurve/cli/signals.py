"""Signal commands: signal, events, regime."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from riskcurve import config
from riskcurve.cli._common import (
    AsOfOpt,
    DayOpt,
    JsonOpt,
    ParamOpt,
    StoreOpt,
    SymbolOpt,
    app,
    emit_json,
    err,
    jsonable,
    out,
    parse_day,
    records,
    render_frame,
)
from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.signals.regime import default_as_of, regime
from riskcurve.signals.registry import SIGNALS, get_signal


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
        day = pd.Timestamp(parse_day(as_of))
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
                "first": jsonable(frame.index.min()) if len(frame) else None,
                "last": jsonable(frame.index.max()) if len(frame) else None,
            }
    return {
        "signal": spec.name,
        "symbol": symbol,
        "as_of": data.as_of.date().isoformat(),
        "note": note,
        "definition": spec.definition,
        "parameters": {k: jsonable(v) for k, v in parameters.items()},
        "sources": sources,
    }


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
        frame = frame.loc[pd.Timestamp(parse_day(start)) :]
    if json_out:
        emit_json({**header, "rows": len(frame), "data": records(frame)})
        return
    title = f"{spec.name}{' ' + chosen if chosen else ''} as of {header['as_of']}"
    render_frame(title, frame, rows, caption=spec.summary)
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
        emit_json({**header, "count": len(frame), "events": records(frame)})
        return
    render_frame(
        f"{spec.name} events{' for ' + chosen if chosen else ''} as of {header['as_of']}",
        frame,
        len(frame),
        caption=f"{len(frame)} events",
    )


@app.command("regime")
def regime_command(store: StoreOpt = None, as_of: AsOfOpt = None, json_out: JsonOpt = False) -> None:
    """The whole picture for one day: cascade, liquidity, breakout, divergences, altseason, cycle, volatility."""
    with Store(config.store_path(store), read_only=True) as db:
        picture = regime(db, parse_day(as_of))
    if json_out:
        emit_json(picture.to_dict())
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
