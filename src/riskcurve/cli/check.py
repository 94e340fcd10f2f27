"""The claims checker command: ``riskcurve check [NAME]``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from riskcurve import config
from riskcurve.cli._common import AsOfOpt, JsonOpt, StoreOpt, app, emit_json, out, parse_day
from riskcurve.data.store import Store
from riskcurve.stats.claims import CHECKS, run_checks

_GRADE_STYLE = {
    "consistent": "green",
    "partly consistent": "yellow",
    "inconsistent": "red",
    "too few observations": "magenta",
    "data missing": "blue",
    "before the data": "magenta",
}


@app.command("check")
def check_command(
    names: Annotated[
        list[str] | None, typer.Argument(help=f"Checks to run (default: all): {', '.join(CHECKS)}.")
    ] = None,
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Check the thesis claims against the data: definition, claimed vs measured, evidence, grade."""
    with Store(config.store_path(store), read_only=True) as db:
        results = run_checks(db, names or None, as_of=parse_day(as_of))
    if json_out:
        emit_json({"checks": [r.to_dict() for r in results]})
        return
    view = Table(title="riskcurve claims checker", show_lines=True)
    for column in ("check", "claimed", "measured", "grade", "evidence"):
        view.add_column(column, no_wrap=column in ("check", "grade", "evidence"))
    for result in results:
        style = _GRADE_STYLE.get(result.grade, "white")
        measured = result.measured + (f"\n[dim]{result.note}[/dim]" if result.note else "")
        view.add_row(
            f"{result.name}\n[dim]item {result.thesis_item}[/dim]",
            result.claimed,
            measured,
            f"[{style}]{result.grade}[/{style}]",
            result.evidence
            + (f"\nn={result.n}" if result.n is not None else "")
            + (f"\np={result.p_value:.3f}" if result.p_value is not None else ""),
        )
    out.print(view)
