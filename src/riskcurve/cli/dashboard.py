"""The dashboard command: serve the live dashboard over one store, on this machine by default."""

from __future__ import annotations

from typing import Annotated

import typer

from riskcurve import config
from riskcurve.cli._common import StoreOpt, app, err, within
from riskcurve.errors import StoreError


@app.command("dashboard")
def dashboard_command(
    host: Annotated[
        str, typer.Option(help="Interface to bind. Only loopback addresses unless --allow-remote is given.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(callback=within(0, 65535), help="TCP port, 0 to 65535 (0: any free port).")
    ] = 8050,
    store: StoreOpt = None,
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote",
            help="Allow a non-loopback --host. The dashboard has no authentication: anyone who reaches the port "
            "sees everything in the store.",
        ),
    ] = False,
    debug: Annotated[
        bool, typer.Option(help="Dash debug mode (reloader, tracebacks in the browser); development only.")
    ] = False,
) -> None:
    """A live dashboard in the browser: the regime panel and the report's charts, as of any day."""
    # Imported here: Dash and Flask load only for this command.
    from riskcurve.dashboard.app import is_loopback, run

    if not is_loopback(host):
        if not allow_remote:
            raise typer.BadParameter(
                f"{host!r} is not a loopback address and the dashboard has no authentication; "
                "pass --allow-remote to serve it to other machines anyway",
                param_hint="--host",
            )
        err.print(
            f"[yellow]warning:[/yellow] serving on {host}:{port} without authentication: anyone who can reach "
            "this port can read everything in the store."
        )
    path = config.store_path(store)
    if not path.is_file():
        # Checked before announcing an address that would never answer.
        raise StoreError(f"no store at {path}; run `riskcurve update` first")

    def announce(url: str) -> None:
        err.print(f"riskcurve dashboard on {url} (store {path}, read-only); Ctrl-C stops it", markup=False)

    if debug:
        announce(f"http://{'[' + host + ']' if ':' in host else host}:{port}/")
    run(path, host=host, port=port, debug=debug, allow_remote=allow_remote, announce=None if debug else announce)
    # waitress ends its loop quietly on Ctrl-C; the command line noted the signal: exit as interrupted.
    from riskcurve import cli

    if cli.interrupted():
        err.print("dashboard stopped")
        raise typer.Exit(130)
