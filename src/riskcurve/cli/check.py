"""The claims checker: ``riskcurve check [ID ...]`` and ``riskcurve claims list|show|validate|new``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from riskcurve import config
from riskcurve.cli._common import AsOfOpt, JsonOpt, StoreOpt, app, emit_json, out, parse_day

if TYPE_CHECKING:
    from riskcurve.stats.claims import Claim, ClaimResult

claims_app = typer.Typer(help="The claim language: list, show, validate and start claim files.", no_args_is_help=True)
app.add_typer(claims_app, name="claims")

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

FileOpt = Annotated[
    Path | None, typer.Option("--file", "-f", help="A claim file (YAML); default: the built-in January-2026 pack.")
]


def _claims(file: Path | None) -> list[Claim]:
    from riskcurve.stats.claims import builtin_claims, load_claims

    return builtin_claims() if file is None else list(load_claims(file).claims)


def _styled(grade: str) -> str:
    style = _GRADE_STYLE.get(grade, "white")
    return f"[{style}]{grade}[/{style}]"


def _evidence(result: ClaimResult) -> str:
    bits: list[str] = [result.evidence]
    if result.n is not None and result.kind not in ("measure", "episode", "forecast", "needs-data"):
        bits.append(f"n={result.n}")
    if result.p is not None:
        bits.append(
            f"p={result.p:.3f}" + (f" (adj. over {result.family})" if result.family and result.family > 1 else "")
        )
    if result.mde is not None:
        bits.append(f"MDE={result.mde:.3g}")
    return "\n".join(bits)


def _table(results: list[ClaimResult], title: str) -> Table:
    view = Table(title=title, show_lines=True)
    for column in ("id", "claim", "measured", "grade", "evidence"):
        view.add_column(column, no_wrap=column in ("id", "grade"))
    for result in results:
        measured = result.headline if not result.parts else result.reason
        view.add_row(
            f"{result.id}\n[dim]{result.kind}[/dim]",
            result.statement,
            measured + (f"\n[dim]{result.reason}[/dim]" if not result.parts else ""),
            _styled(result.grade),
            _evidence(result),
        )
        for part in result.parts:
            view.add_row(
                f"[dim]{part.id}[/dim]",
                f"[dim]{part.statement}[/dim]",
                part.headline,
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
) -> None:
    """Check claims against the data: definition, measured figures, n, p, power, grade.

    Each claim is measured as of its own date and over the window it describes; --as-of only
    limits what data is visible (forecasts stay pending until their window has closed).
    """
    from riskcurve.data.store import Store
    from riskcurve.stats.claims import run_claims

    claims = _claims(file)
    with Store(config.store_path(store), read_only=True) as db:
        results = run_claims(db, claims, ids or None, as_of=parse_day(as_of))
    grades: dict[str, int] = {}
    for result in results:
        grades[result.grade] = grades.get(result.grade, 0) + 1
    if json_out:
        emit_json(
            {
                "file": str(file) if file is not None else "builtin:thesis-2026-01",
                "as_of": as_of,
                "grades": grades,
                "claims": [r.to_dict() for r in results],
            }
        )
        return
    out.print(_table(results, "riskcurve claims checker"))
    out.print(", ".join(f"{count} {grade}" for grade, count in grades.items()))


def _dump(claim: Claim) -> str:
    import yaml

    document: dict[str, Any] = claim.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump({"claims": [document]}, sort_keys=False, allow_unicode=True, width=110)


@claims_app.command("list")
def list_command(file: FileOpt = None, json_out: JsonOpt = False) -> None:
    """The claims of a file (default: the built-in pack): id, kind, date, source, statement."""
    claims = _claims(file)
    if json_out:
        emit_json(
            {
                "claims": [
                    {
                        "id": c.id,
                        "kind": c.kind,
                        "date": c.date.isoformat() if c.date else None,
                        "source": c.source,
                        "statement": c.statement,
                    }
                    for c in claims
                ]
            }
        )
        return
    view = Table(title=f"claims in {file or 'the built-in pack'}")
    for column in ("id", "kind", "date", "source", "statement"):
        view.add_column(column, no_wrap=column != "statement")
    for claim in claims:
        view.add_row(str(claim.id), claim.kind, str(claim.date), str(claim.source), claim.statement)
    out.print(view)


@claims_app.command("show")
def show_command(claim_id: Annotated[str, typer.Argument(help="The claim's id.")], file: FileOpt = None) -> None:
    """A claim's full definition, as YAML you can copy into your own file."""
    from riskcurve.stats.claims import select

    (claim,) = select(_claims(file), [claim_id])
    out.print(_dump(claim), markup=False, highlight=False)


@claims_app.command("validate")
def validate_command(path: Annotated[Path, typer.Argument(help="The claim file to validate.")]) -> None:
    """Check a claim file against the language; one error line (file, line, field) if it is malformed."""
    from riskcurve.stats.claims import load_claims

    document = load_claims(path)
    kinds: dict[str, int] = {}
    for claim in document.claims:
        kinds[claim.kind] = kinds.get(claim.kind, 0) + 1
    out.print(f"{path}: {len(document.claims)} valid claim(s) ({', '.join(f'{n} {k}' for k, n in kinds.items())})")


@claims_app.command("new")
def new_command(
    path: Annotated[Path | None, typer.Argument(help="Where to write the template (default: print it).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented claim-file template to start your own claims from."""
    from riskcurve.stats.claims import TEMPLATE

    if path is None:
        out.print(TEMPLATE, markup=False, highlight=False, end="")
        return
    if path.exists() and not force:
        raise ValueError(f"{path} exists; pass --force to overwrite it")
    path.write_text(TEMPLATE, encoding="utf-8")
    out.print(f"wrote {path}: edit it, then `riskcurve claims validate {path}` and `riskcurve check --file {path}`")
