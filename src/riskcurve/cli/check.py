"""The claims checker: ``riskcurve check [ID ...] [--file F] [--as-of D] [--json]``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from riskcurve import config, numbers
from riskcurve.cli._common import AsOfOpt, JsonOpt, StoreOpt, app, emit_json, for_terminal, out, parse_day
from riskcurve.cli.claims import FileOpt, claims_from

if TYPE_CHECKING:
    from riskcurve.stats.claims import ClaimResult

_GRADE_STYLE = {
    "consistent": "green",
    "partly consistent": "yellow",
    "not supported": "red",
    "contradicted": "bold red",
    "inconclusive": "magenta",
    "too few observations": "magenta",
    "before the data": "magenta",
    "data missing": "blue",
    "pending": "cyan",
}


def _styled(grade: str) -> str:
    style = _GRADE_STYLE.get(grade, "white")
    return f"[{style}]{grade}[/{style}]"


def _evidence(result: ClaimResult) -> str:
    bits: list[str] = [result.evidence]
    if result.n is not None and result.kind not in ("measure", "episode", "forecast", "needs-data"):
        bits.append(f"n={result.n}")
    if result.p is not None:
        bits.append(
            f"p={numbers.p_value(result.p)}"
            + (f" (adj. over {result.family})" if result.family and result.family > 1 else "")
        )
    if result.mde is not None:
        bits.append(f"MDE={numbers.significant(result.mde, 3)}")
    return "\n".join(bits)


def _robustness(result: ClaimResult) -> str:
    """The grade's robustness in a few words (with --robustness), else nothing."""
    found = result.robustness
    if not found or found.get("share_agreeing") is None:
        return ""
    text = f"\n[dim]{numbers.percent(found['share_agreeing'], 0)} of {found['n_readings']} readings agree[/dim]"
    flipped = found.get("flipped_by")
    if flipped:
        text += f"\n[bold yellow]fragile[/bold yellow]: {flipped['reading']} gives {flipped['grade']}"
    return text


def _table(results: list[ClaimResult], title: str) -> Table:
    view = Table(title=title, show_lines=True)
    for column in ("id", "claim", "measured", "grade", "evidence"):
        view.add_column(column, no_wrap=column == "id")
    for result in results:
        measured = result.headline if not result.parts else result.reason
        view.add_row(  # claim text comes from a file: shown as data (riskcurve.untrusted)
            f"{for_terminal(result.id)}\n[dim]{result.kind}[/dim]",
            for_terminal(result.statement),
            for_terminal(measured) + (f"\n[dim]{for_terminal(result.reason)}[/dim]" if not result.parts else ""),
            _styled(result.grade) + _robustness(result),
            _evidence(result),
        )
        for part in result.parts:
            view.add_row(
                f"[dim]{for_terminal(part.id)}[/dim]",
                f"[dim]{for_terminal(part.statement)}[/dim]",
                for_terminal(part.headline),
                _styled(part.grade),
                _evidence(part),
            )
    return view


@app.command("check")
def check_command(
    ids: Annotated[
        list[str] | None, typer.Argument(help="Claim ids to check (default: every claim of the file).")
    ] = None,
    file: FileOpt = None,
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
    robustness: Annotated[
        bool,
        typer.Option(
            "--robustness",
            help="Also re-run each claim under 10 or more neighbouring readings (dates, windows, tolerances, "
            "thresholds, horizons, close vs intraday): the share that agree, and fragile grades.",
        ),
    ] = False,
) -> None:
    """Check claims against the data: definition, measured figures, n, p, power, grade.

    Each claim is measured as of its own date and over the window it describes; --as-of only
    limits what data is visible (forecasts stay pending until their window has closed).
    """
    from riskcurve.data.store import Store
    from riskcurve.signals.regime import default_as_of
    from riskcurve.stats.claims import run_claims

    claims = claims_from(file)
    with Store(config.store_path(store), read_only=True) as db:
        day = parse_day(as_of, "--as-of") or default_as_of(db)[0].date()
        results = run_claims(db, claims, ids or None, as_of=day, robustness=robustness)
    grades: dict[str, int] = {}
    for result in results:
        grades[result.grade] = grades.get(result.grade, 0) + 1
    if json_out:
        emit_json(
            {
                "file": str(file) if file is not None else "builtin:thesis-2026-01",
                "as_of": day.isoformat(),
                "grades": grades,
                "claims": [r.to_dict() for r in results],
            }
        )
        return
    out.print(_table(results, f"riskcurve claims checker: data visible to {day}, each claim measured as of its date"))
    out.print(", ".join(f"{count} {grade}" for grade, count in grades.items()))
