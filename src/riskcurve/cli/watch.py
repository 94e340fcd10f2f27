"""The watch command: one notification per change of the regime, through apprise."""

from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from riskcurve import config
from riskcurve.alerts import (
    MAX_ATTEMPTS,
    NOTIFY_ENV,
    REPORT_TARGET,
    WatchReport,
    check_notify_urls,
    notify_urls,
    run_once,
)
from riskcurve.cli._common import AsOfOpt, JsonOpt, StoreOpt, app, emit_json, err, out, parse_day, within
from riskcurve.data.ingest import update
from riskcurve.data.store import Store
from riskcurve.errors import RiskcurveError
from riskcurve.masking import mask_secrets
from riskcurve.untrusted import for_terminal

#: Environment defaults of ``--digest`` and ``--digest-day`` (a cron line then needs no option).
DIGEST_ENV = "RISKCURVE_DIGEST"
DIGEST_DAY_ENV = "RISKCURVE_DIGEST_DAY"


def _digest_weekday(digest: str | None, day: str | None) -> int | None:
    """The weekday of the weekly digest, or ``None`` when no digest is asked for."""
    import os

    from riskcurve.alerts.weekly import parse_weekday

    digest = digest if digest is not None else os.environ.get(DIGEST_ENV) or None
    if digest is None:
        if day is not None:
            raise typer.BadParameter("--digest-day needs --digest weekly")
        return None
    if digest.strip().lower() != "weekly":
        raise typer.BadParameter(f"--digest takes 'weekly' (the only schedule), got {digest!r}")
    try:
        return parse_weekday(day if day is not None else os.environ.get(DIGEST_DAY_ENV) or "fri")
    except ValueError as bad:
        raise typer.BadParameter(str(bad)) from None


def _pause(seconds: float) -> None:
    time.sleep(seconds)


def _render(report: WatchReport) -> None:
    if report.update_error:
        err.print(
            f"[red]update failed, watching the stored data:[/red] {for_terminal(report.update_error)}", soft_wrap=True
        )
    if report.update is not None:
        if report.update.snapshot_only:
            from riskcurve.cli.data import snapshot_only_line

            err.print(snapshot_only_line(report.update), soft_wrap=True)
        for symbol, message in report.update.failures:
            err.print(f"[red]update failed[/red] for {for_terminal(symbol)}: {for_terminal(message)}", soft_wrap=True)
    if report.skipped:
        err.print(f"[yellow]skipped:[/yellow] {for_terminal(report.skipped)}")
    to_terminal = report.targets == (REPORT_TARGET,)
    if to_terminal:
        # No notify URL: the terminal is where the alerts go.
        for entry in report.delivered:
            out.print(f"[bold]{entry.alert.title}[/bold]  [dim]({entry.alert.kind}, as of {entry.alert.as_of})[/dim]")
            out.print(entry.alert.body, highlight=False)
            out.print()
    else:
        touched = report.to_frame()
        if len(touched):
            view = Table(title=f"riskcurve watch as of {report.as_of.isoformat()}")
            for column in ("id", "kind", "title", "status", "attempts"):
                view.add_column(column)
            for ident, row in touched.iterrows():
                view.add_row(str(ident), row["kind"], row["title"], row["status"], str(row["attempts"]))
            out.print(view)
    what = (
        "first run: baseline stored"
        if report.baseline
        else f"{len(report.alerts)} change(s) since {report.previous_as_of}"
        if report.previous_as_of
        else "nothing compared"
    )
    err.print(
        f"watch as of {report.as_of.isoformat()}{' (' + report.note + ')' if report.note else ''}: {what}; "
        f"{len(report.delivered)} delivered to {', '.join(report.targets)}, {len(report.pending)} pending, "
        f"{len(report.failed)} failed",
        soft_wrap=True,
    )
    if report.digest is not None:
        weekly = report.digest
        err.print(
            f"weekly digest of the week of {weekly.week}: "
            + (
                "already sent (or queued) before, not sent again"
                if weekly.sent_before
                else f"queued as of {weekly.as_of}"
            ),
            soft_wrap=True,
        )
    for entry in report.pending:
        err.print(
            f"[yellow]pending[/yellow] #{entry.id} {for_terminal(entry.alert.title)}: {for_terminal(entry.last_error)}",
            soft_wrap=True,
        )
    for entry in report.failed:
        err.print(
            f"[red]gave up[/red] after {entry.attempts} runs on #{entry.id} {for_terminal(entry.alert.title)}: "
            f"{for_terminal(entry.last_error)}",
            soft_wrap=True,
        )


def _update_failed(report: WatchReport) -> bool:
    """Whether the update before a run failed, whole or for some series."""
    return bool(report.update_error) or (report.update is not None and bool(report.update.failures))


WATCH_HELP = (
    "Notify once per change: cascade links lit/dark, a confirmed RUT breakout, divergences, altseason, liquidity."
    "\n\nEach run updates the store (not with --no-update or --as-of: a past day is replayed from the store as "
    "it is), computes the regime, compares it with the state stored by the last run and sends one notification "
    "per change. The state and undelivered alerts live in the store: a restart neither repeats nor loses an "
    "alert, and a failed notification is retried on the next run. The first run stores a baseline and sends one "
    '"watch started" summary. A gap in the data is reported as "no recent data", never as a change.'
    "\n\nWith --digest weekly each run also checks whether this week's digest is due (after the US close on "
    "--digest-day) and not yet sent, and sends it in Markdown; a week's digest goes out once, never twice."
    "\n\n--json prints each run's report: one document with --once, one line per run in loop mode."
)


@app.command("watch", help=WATCH_HELP)
def watch_command(
    notify: Annotated[
        list[str] | None,
        typer.Option(
            "--notify",
            "-n",
            help=f"Apprise URL to notify (repeatable; default: ${NOTIFY_ENV}, split on spaces or commas). "
            "Without any, alerts are printed here and count as delivered.",
        ),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Run once and exit (for cron); otherwise run every --interval.")
    ] = False,
    interval: Annotated[
        float,
        typer.Option("--interval", callback=within(0.01), help="Seconds between runs in loop mode (at least 0.01)."),
    ] = 3600.0,
    max_runs: Annotated[
        int | None,
        typer.Option("--max-runs", callback=within(1), help="Stop after this many runs (default: until Ctrl-C)."),
    ] = None,
    snapshot: Annotated[
        Path | None, typer.Option(help="Snapshot folder for the update (default: $RISKCURVE_SNAPSHOT).")
    ] = None,
    offline: Annotated[bool, typer.Option(help="Update from the snapshot even if the network is up.")] = False,
    no_update: Annotated[
        bool, typer.Option("--no-update", help="Watch the stored data as it is (no update before each run).")
    ] = False,
    max_attempts: Annotated[
        int,
        typer.Option(
            callback=within(1), help="Runs (at least 1) in which an alert's delivery is tried before it is given up."
        ),
    ] = MAX_ATTEMPTS,
    digest: Annotated[
        str | None,
        typer.Option(
            "--digest",
            help="weekly: also send the digest (Markdown) once a week, after the US close (16:00 New York) on "
            f"--digest-day; never twice for one week. Default: ${DIGEST_ENV}.",
        ),
    ] = None,
    digest_day: Annotated[
        str | None,
        typer.Option(
            "--digest-day", help=f"Weekday of the digest: mon ... sun (default: ${DIGEST_DAY_ENV}, else fri)."
        ),
    ] = None,
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Notify once per change of the regime (see ``WATCH_HELP``)."""
    weekday = _digest_weekday(digest, digest_day)
    urls = notify_urls(notify)
    check_notify_urls(urls)
    path = config.store_path(store)
    day = parse_day(as_of, "--as-of")
    refresh = None
    if not no_update and day is None:
        refresh = functools.partial(update, snapshot=config.snapshot_dir(snapshot), offline=offline, keep_going=True)

    def one_run() -> WatchReport:
        with Store(path) as db:
            return run_once(
                db, notify_urls=urls, as_of=day, update=refresh, max_attempts=max_attempts, digest_weekday=weekday
            )

    if once:
        report = one_run()
        if json_out:
            emit_json(report.to_dict())
        else:
            _render(report)
        if report.failed or _update_failed(report):
            raise typer.Exit(1)
        return

    runs = 0
    last: WatchReport | None = None
    try:
        while True:
            try:
                report = last = one_run()
            except RiskcurveError as failure:
                last = None
                # A locked store or a bad day must not end a long-running watch: say so, go on.
                err.print(
                    f"[red]watch run failed:[/red] {for_terminal(mask_secrets(' '.join(str(failure).split())))}",
                    soft_wrap=True,
                )
            else:
                if json_out:
                    sys.stdout.write(json.dumps(report.to_dict(), allow_nan=False) + "\n")
                    sys.stdout.flush()
                else:
                    _render(report)
            runs += 1
            if max_runs is not None and runs >= max_runs:
                # The last run's outcome is the exit code: a supervisor sees a failed update.
                if last is None or _update_failed(last):
                    raise typer.Exit(1)
                return
            _pause(interval)
    except KeyboardInterrupt:
        # Ctrl-C is how a loop ends, but a supervisor must still see that it was interrupted.
        err.print(f"watch stopped after {runs} run(s)")
        raise typer.Exit(130) from None
