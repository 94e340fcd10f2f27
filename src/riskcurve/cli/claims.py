"""The claim language on the command line: ``riskcurve claims list|show|validate|new``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from riskcurve import config
from riskcurve.cli._common import JsonOpt, StoreOpt, app, emit_json, for_terminal, out

if TYPE_CHECKING:
    from riskcurve.stats.claims import Claim

claims_app = typer.Typer(help="The claim language: list, show, validate and start claim files.", no_args_is_help=True)
app.add_typer(claims_app, name="claims")

FileOpt = Annotated[
    Path | None, typer.Option("--file", "-f", help="A claim file (YAML); default: the built-in January-2026 pack.")
]


def claims_from(file: Path | None) -> list[Claim]:
    """The claims of ``file``, or of the built-in pack."""
    from riskcurve.stats.claims import builtin_claims, load_claims

    return builtin_claims() if file is None else list(load_claims(file).claims)


def _dump(claim: Claim) -> str:
    import yaml

    document: dict[str, Any] = claim.model_dump(mode="json", exclude_none=True)
    return yaml.safe_dump({"claims": [document]}, sort_keys=False, allow_unicode=True, width=110)


@claims_app.command("list")
def list_command(file: FileOpt = None, json_out: JsonOpt = False) -> None:
    """The claims of a file (default: the built-in pack): id, kind, date, source, statement."""
    claims = claims_from(file)
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
        view.add_row(*(for_terminal(v) for v in (claim.id, claim.kind, claim.date, claim.source, claim.statement)))
    out.print(view)


@claims_app.command("show")
def show_command(claim_id: Annotated[str, typer.Argument(help="The claim's id.")], file: FileOpt = None) -> None:
    """A claim's full definition, as YAML you can copy into your own file."""
    from riskcurve.stats.claims import select

    (claim,) = select(claims_from(file), [claim_id])
    out.print(_dump(claim), markup=False, highlight=False)


@claims_app.command("validate")
def validate_command(
    path: Annotated[Path, typer.Argument(help="The claim file to validate.")], store: StoreOpt = None
) -> None:
    """Check a claim file against the language; one error line (file, line, field) if it is malformed.

    Every symbol a claim names must be known to the store (when it exists), the catalogue or
    the derived series; a misspelt one is an error with the nearest names.
    """
    from riskcurve.data.store import Store
    from riskcurve.stats.claims import load_claims
    from riskcurve.stats.claims.symbols import check_symbols

    document = load_claims(path)
    store_file = config.store_path(store)
    if store_file.is_file():
        with Store(store_file, read_only=True) as db:
            check_symbols(document.claims, db)
    else:
        check_symbols(document.claims, None)
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
