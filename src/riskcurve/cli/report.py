"""The report command: ``riskcurve report [--out FILE.html]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from riskcurve import config
from riskcurve.cli._common import (
    MAX_REPS,
    AsOfOpt,
    JsonOpt,
    StoreOpt,
    app,
    between,
    emit_json,
    err,
    parse_day,
    progress_bar,
    within,
)
from riskcurve.report.background import claims_in_background
from riskcurve.stats.defaults import REPS, SEED
from riskcurve.untrusted import for_terminal


@app.command("report")
def report_command(
    out_file: Annotated[
        Path, typer.Option("--out", help="HTML file to write ('-': standard output, without PNG charts).")
    ] = Path("out/report.html"),
    png: Annotated[
        bool | None,
        typer.Option(
            "--png/--no-png",
            help="Also write a PNG of every chart beside the HTML (default: when a Chromium browser is installed).",
        ),
    ] = None,
    reps: Annotated[
        int,
        typer.Option(
            callback=within(10, MAX_REPS),
            help=f"Resamples for the event studies' p-values and intervals ({between(10, MAX_REPS)}).",
        ),
    ] = REPS,
    seed: Annotated[int, typer.Option(help="Seed of every resampling, for reproducible numbers.")] = SEED,
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
    robustness: Annotated[
        bool,
        typer.Option(
            "--robustness",
            help="Also re-run each claim under 10 or more neighbouring readings and add a robustness column to "
            "the claims table (share agreeing, fragile grades); about 10 CPU-seconds more.",
        ),
    ] = False,
) -> None:
    """Write the self-contained HTML report (opens without a server or internet).

    Exit code 1 if any section could not be built (each is named), or the store is empty.
    """
    from riskcurve.outputs import check_output, is_stdout

    day = parse_day(as_of, "--as-of")
    path = config.store_path(store)
    to_stdout = is_stdout(out_file)
    if to_stdout and json_out:
        raise typer.BadParameter("--out - and --json would both write to standard output; choose one")
    # Refused at once, not after building the report: the store, a directory, a block device.
    check_output(out_file, protected=[path])
    if to_stdout:
        png = False
    _refuse_empty(path)
    # The claims are checked in a second process from now on, while this one imports the report.
    with claims_in_background(path, day, robustness=robustness) as claims:
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
                    err.print(f"[yellow]no PNG charts[/yellow]: {for_terminal(missing)}")
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
                robustness=robustness,
            )
    if json_out:
        emit_json(result.to_dict())
    else:
        where = "the report to standard output" if to_stdout else str(result.path)
        err.print(
            f"wrote {where} (as of {result.as_of}{'; ' + result.note if result.note else ''})",
            markup=False,
            highlight=False,
        )
        for section, reason in result.failed:
            err.print(f"[red]section {section} could not be built[/red]: {for_terminal(reason)}", soft_wrap=True)
        if result.pngs:
            err.print(f"wrote {len(result.pngs)} PNG charts to {result.pngs[0].parent}", markup=False)
    if result.failed:
        if not json_out:
            err.print(
                f"report incomplete: {len(result.failed)} section(s) failed: {', '.join(s for s, _ in result.failed)}",
                markup=False,
            )
        raise typer.Exit(1)


def _refuse_empty(path: Path) -> None:
    """One line for a store with no series: a report of nothing helps no one."""
    from riskcurve.data.catalog import list_series
    from riskcurve.errors import DataError

    if not list_series(path):
        raise DataError(
            f"store {path} holds no series: fill it with `riskcurve update` (or `--snapshot DIR` offline) first"
        )
