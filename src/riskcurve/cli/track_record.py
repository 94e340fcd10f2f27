"""``riskcurve track-record`` and ``riskcurve digest --history``: the monitor scored against the base rate."""

from __future__ import annotations

import math
from typing import Annotated

import typer

from riskcurve import config, numbers
from riskcurve.cli._common import AsOfOpt, DayOpt, JsonOpt, StoreOpt, app, emit_json, err, out, parse_day, within

TRACK_RECORD_HELP = (
    "How good the digest's probabilities have been: Brier, log score, skill over the base rate, reliability."
    "\n\nPer link and horizon: skill against the base rate with a block-bootstrap interval, a reliability "
    "table and sharpness. Scores the digests stored by `riskcurve digest --history` whose horizon has "
    "closed by the day (--as-of, default the store's last day); outcomes come from the data after each digest's day. "
    'When the skill\'s interval includes zero the verdict says "no skill shown over the base rate".'
)


def run_history(store: StoreOpt, start: str | None, freq: str, as_of: str | None, json_out: bool) -> None:
    """``riskcurve digest --history``: back-fill the digest and store it (see :func:`backfill`)."""
    from riskcurve.data.store import Store
    from riskcurve.monitor.history import backfill

    if freq not in ("W", "D"):
        raise typer.BadParameter(f"--freq must be W (Fridays) or D (every day), got {freq!r}")
    first = parse_day(start, "--start")
    last = parse_day(as_of, "--as-of")
    with Store(config.store_path(store)) as db:
        done = backfill(db, start=first, end=last, freq=freq)  # type: ignore[arg-type]
    if json_out:
        emit_json(done.to_dict())
    else:
        err.print(done.summary(), soft_wrap=True)


def _interval(low: float, high: float) -> str:
    shown = numbers.decimal(low, 3, signed=True), numbers.decimal(high, 3, signed=True)
    return f"[{shown[0]}, {shown[1]}]" if math.isfinite(low) and math.isfinite(high) else "-"


@app.command("track-record", help=TRACK_RECORD_HELP)
def track_record_command(
    start: DayOpt = None,
    freq: Annotated[
        str | None, typer.Option("--freq", help="W: score only the Friday digests; D: every stored day (default).")
    ] = None,
    reps: Annotated[
        int, typer.Option("--reps", callback=within(100), help="Bootstrap resamples (at least 100).")
    ] = 1000,
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Score every stored next-link probability whose horizon has closed (see ``TRACK_RECORD_HELP``)."""
    from rich.table import Table

    from riskcurve.data.store import Store
    from riskcurve.monitor.track_record import track_record

    if freq not in (None, "W", "D"):
        raise typer.BadParameter(f"--freq must be W (Fridays) or D (every stored day), got {freq!r}")
    first = parse_day(start, "--start")
    day = parse_day(as_of, "--as-of")
    with Store(config.store_path(store), read_only=True) as db:
        record = track_record(db, as_of=day, start=first, freq=freq, reps=reps)
    if json_out:
        emit_json(record.to_dict())
        return
    if record.digests == 0:
        err.print("no stored digests: run `riskcurve digest --history` first")
        raise typer.Exit(1)
    view = Table(
        title=f"Track record as of {record.as_of}: {record.digests} digests {record.first} to {record.last}",
        caption=f"{record.scored} forecasts scored, {record.pending} pending, {record.unresolved} without an "
        "outcome (data missing). Skill = 1 - Brier / Brier of the base rate; 95% block-bootstrap interval.",
    )
    for column in ("link", "horizon", "n", "Brier", "base", "log", "skill", "interval", "verdict"):
        view.add_column(column)
    for (link, horizon), s in record.scores.items():
        view.add_row(
            link,
            str(horizon),
            str(s.n),
            numbers.decimal(s.brier, 3) if s.n else "-",
            numbers.decimal(s.brier_reference, 3) if s.n else "-",
            numbers.decimal(s.log, 3) if s.n else "-",
            numbers.decimal(s.skill, 3, signed=True) if math.isfinite(s.skill) else "-",
            _interval(s.skill_low, s.skill_high),
            s.verdict,
        )
    out.print(view)
    out.print(f"[bold]{record.verdict}[/bold]")
    if record.other_data:
        err.print(f"[yellow]{record.other_data} digests were computed from other data; rerun the back-fill[/yellow]")
