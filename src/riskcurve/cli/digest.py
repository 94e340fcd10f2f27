"""The digest command: ``riskcurve digest [--as-of D] [--format text|markdown|html|json]``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from riskcurve import config
from riskcurve.cli._common import AsOfOpt, JsonOpt, StoreOpt, app, emit_json, jsonable, out, parse_day

FORMATS = ("text", "markdown", "html", "json")


def _clean(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return jsonable(value)


@app.command("digest")
def digest_command(
    output: Annotated[
        str,
        typer.Option("--format", "-f", help="text (the terminal), markdown (notifications), html (a panel) or json."),
    ] = "text",
    history: Annotated[
        bool,
        typer.Option(
            "--history",
            help="Back-fill: compute the digest for every Friday (or day) from the first day the chain can be "
            "read, each from data known on its day, and store it (scored by `riskcurve track-record`).",
        ),
    ] = False,
    start: Annotated[str | None, typer.Option("--start", help="With --history: the first day.")] = None,
    freq: Annotated[str, typer.Option("--freq", help="With --history: W (every Friday) or D (every day).")] = "W",
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """One weekly answer: the cascade's stage and clock, what changed, next-link odds, checklist, forecasts."""
    if history:
        from riskcurve.cli.track_record import run_history

        run_history(store, start, freq, as_of, json_out)
        return
    if start is not None:
        raise typer.BadParameter("--start is only for --history")
    if output not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}, got {output!r}")
    import pandas as pd

    from riskcurve.data.panel import MarketData
    from riskcurve.data.store import Store
    from riskcurve.monitor import compute_digest
    from riskcurve.monitor.render import render_html, render_markdown, render_text
    from riskcurve.signals.regime import default_as_of

    with Store(config.store_path(store), read_only=True) as db:
        parsed = parse_day(as_of, "--as-of")
        note = None
        if parsed is None:
            day, note = default_as_of(db)
        else:
            day = pd.Timestamp(parsed)
        digest = compute_digest(MarketData(db, as_of=day), note=note)
    if json_out or output == "json":
        emit_json(_clean(digest.to_dict()))  # type: ignore[arg-type]
    elif output == "markdown":
        sys.stdout.write(render_markdown(digest) + "\n")
    elif output == "html":
        sys.stdout.write(render_html(digest) + "\n")
    else:
        out.print(render_text(digest))
