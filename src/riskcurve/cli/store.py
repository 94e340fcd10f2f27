"""Store commands: check that a store file is sound."""

from __future__ import annotations

import typer

from riskcurve import config
from riskcurve.cli._common import JsonOpt, StoreOpt, app, emit_json, err, for_terminal, out

store_app = typer.Typer(help="The store file itself.", no_args_is_help=True)
app.add_typer(store_app, name="store")


@store_app.command("check")
def store_check(store: StoreOpt = None, json_out: JsonOpt = False) -> None:
    """Read every row of the store and check it; exit code 1 if anything is wrong.

    A damaged file (truncated, corrupted pages) is named with what to do: rebuild it with
    `riskcurve update`, or restore a backup.
    """
    from riskcurve.data.store import Store

    path = config.store_path(store)
    with Store(path, read_only=True) as db:
        counts, problems = db.check()
        empty = db.uninitialised
    if json_out:
        emit_json({"store": str(path), "ok": not problems, "empty": empty, "rows": counts, "problems": problems})
    else:
        for problem in problems:
            err.print(f"[red]problem[/red] {for_terminal(problem)}", soft_wrap=True)
        sizes = ", ".join(f"{table} {rows:,}" for table, rows in counts.items())
        state = "empty (no tables yet: run `riskcurve update`)" if empty else "ok" if not problems else "NOT ok"
        out.print(f"store {for_terminal(path)}: {state}; rows: {sizes}", highlight=False)
    if problems:
        raise typer.Exit(1)
