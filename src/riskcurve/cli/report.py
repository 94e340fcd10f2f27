"""The report command: ``riskcurve report [--out FILE.html]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from riskcurve import config
from riskcurve.cli._common import MAX_REPS, AsOfOpt, JsonOpt, StoreOpt, app, emit_json, err, parse_day, progress_bar
from riskcurve.report.background import claims_in_background
from riskcurve.stats.defaults import REPS, SEED


@app.command("report")
def report_command(
    out_file: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path("out/report.html"),
    png: Annotated[
        bool | None,
        typer.Option(
            "--png/--no-png",
            help="Also write a PNG of every chart beside the HTML (default: when a Chromium browser is installed).",
        ),
    ] = None,
    reps: Annotated[
        int, typer.Option(min=10, max=MAX_REPS, help="Resamples for the event studies' p-values and intervals.")
    ] = REPS,
    seed: Annotated[int, typer.Option(help="Seed of every resampling, for reproducible numbers.")] = SEED,
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write the self-contained HTML report (opens without a server or internet)."""
    day = parse_day(as_of, "--as-of")
    path = config.store_path(store)
    # The claims are checked in a second process from now on, while this one imports the report.
    with claims_in_background(path, day) as claims:
        from riskcurve.data.store import Store
        from riskcurve.report.figures import find_browser
        from riskcurve.report.html import build_report

        if png is None:
            try:
                find_browser()
                png = True
            except FileNotFoundError as missing:
                png = False
                if not json_out:
                    err.print(f"[yellow]no PNG charts[/yellow]: {missing}")
        with (
            progress_bar("building the report", quiet=json_out, verb="built") as progress,
            Store(path, read_only=True) as db,
        ):
            result = build_report(
                db,
                out_file,
                as_of=day,
                png_dir=out_file.with_suffix("").parent / f"{out_file.stem}-png" if png else None,
                reps=reps,
                seed=seed,
                progress=progress,
                claims=claims,
            )
    if json_out:
        emit_json(result.to_dict())
        return
    err.print(f"wrote {result.path} (as of {result.as_of}{'; ' + result.note if result.note else ''})")
    for section, reason in result.failed:
        err.print(f"[yellow]section {section} could not be built[/yellow]: {reason}")
    if result.pngs:
        err.print(f"wrote {len(result.pngs)} PNG charts to {result.pngs[0].parent}")
