"""``riskcurve schema`` and ``riskcurve docs``: the documents the other commands point to."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from riskcurve.cli._common import app, out


@app.command("schema")
def schema_command(
    name: Annotated[
        str | None,
        typer.Argument(help="The command whose JSON output the schema describes, e.g. check or series-show."),
    ] = None,
    path: Annotated[bool, typer.Option("--path", help="Print the schema file's path instead of the schema.")] = False,
) -> None:
    """Print the JSON Schema of what a command prints in JSON (draft 2020-12); without a name, list them."""
    from riskcurve.documents import schema_names, schema_path

    if name is None:
        for known in schema_names():
            out.print(known, highlight=False, markup=False)
        return
    file = schema_path(name)
    sys.stdout.write(f"{file}\n" if path else file.read_text(encoding="utf-8"))


@app.command("docs")
def docs_command(
    name: Annotated[str | None, typer.Argument(help="claims (the claim language) or sweeps.")] = None,
    path: Annotated[bool, typer.Option("--path", help="Print the guide's path instead of its text.")] = False,
) -> None:
    """Print a guide (Markdown) that ships with riskcurve; without a name, list them."""
    from riskcurve.documents import GUIDES, guide_path

    if name is None:
        for known, file_name in sorted(GUIDES.items()):
            out.print(f"{known}  ({file_name})", highlight=False, markup=False)
        return
    guide = guide_path(name)
    sys.stdout.write(f"{guide}\n" if path else guide.read_text(encoding="utf-8"))
