"""Signal commands: signal, events, regime."""

from __future__ import annotations

from typing import Annotated

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
    out,
    parse_day,
    records,
    render_frame,
    signal_context,
    signal_header,
)
from riskcurve.data.store import Store
from riskcurve.signals.regime import regime
from riskcurve.signals.registry import SIGNALS


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
    spec, parameters, db, data, chosen, note = signal_context(name, symbol, param, store, as_of)
    with db:
        frame = spec.compute(data, chosen, **parameters)
        header = signal_header(spec, data, chosen, parameters, note)
    if start is not None:
        frame = frame.loc[pd.Timestamp(str(parse_day(start, "--start"))) :]
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
    spec, parameters, db, data, chosen, note = signal_context(name, symbol, param, store, as_of)
    with db:
        frame = spec.events(data, chosen, **parameters)
        header = signal_header(spec, data, chosen, parameters, note)
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
        picture = regime(db, parse_day(as_of, "--as-of"))
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
        stale = f"\n[yellow]stale: {', '.join(entry.stale)}[/yellow]" if entry.stale else ""
        view.add_row(entry.name, entry.headline, f"{entry.through or ''}{stale}")
    for name, reason in picture.unavailable:
        view.add_row(name, f"[red]unavailable[/red]: {reason}", "")
    out.print(view)
