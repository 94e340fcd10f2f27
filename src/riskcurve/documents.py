"""The documents the program points to: the ``--json`` schemas and the guides.

An installed wheel carries them in ``riskcurve/_docs/`` (pyproject.toml copies ``docs/schema``,
``docs/claims.md`` and ``docs/sweeps.md`` there); a source checkout reads ``docs/`` at the top
of the repository. ``riskcurve schema NAME`` and ``riskcurve docs NAME`` print them, so what a
help text or a claim template cites exists wherever riskcurve is installed.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["GUIDES", "docs_root", "guide_path", "schema_names", "schema_path"]

#: Guide name -> file, for ``riskcurve docs NAME``.
GUIDES: dict[str, str] = {
    "claims": "claims.md",
    "sweeps": "sweeps.md",
}

_PACKAGE = Path(__file__).resolve().parent


def docs_root() -> Path:
    """The folder holding ``schema/`` and the guides: the wheel's copy, else the checkout's ``docs/``.

    Raises
    ------
    FileNotFoundError
        If neither exists (a broken install).
    """
    for candidate in (_PACKAGE / "_docs", _PACKAGE.parents[1] / "docs"):
        if (candidate / "schema").is_dir():
            return candidate
    raise FileNotFoundError(f"riskcurve's documents are missing (looked in {_PACKAGE / '_docs'}): reinstall riskcurve")


def schema_names() -> list[str]:
    """Names of the ``--json`` schemas (``series-show``, ``check``, ...), sorted."""
    return sorted(path.stem for path in (docs_root() / "schema").glob("*.json"))


def schema_path(name: str) -> Path:
    """The JSON Schema file of a command's ``--json`` output.

    Parameters
    ----------
    name
        A schema name: the command, with spaces as hyphens (``series show`` -> ``series-show``).

    Raises
    ------
    ValueError
        If there is no such schema (the message lists those there are).
    """
    wanted = "-".join(str(name).strip().lower().split())
    names = schema_names()
    if wanted not in names:
        raise ValueError(f"no JSON Schema named {name!r}; there are: {', '.join(names)}")
    return docs_root() / "schema" / f"{wanted}.json"


def guide_path(name: str) -> Path:
    """A guide's Markdown file (``claims``: the claim language; ``sweeps``: sweeps and Dask).

    Raises
    ------
    ValueError
        If there is no such guide.
    """
    wanted = str(name).strip().lower().removesuffix(".md")
    if wanted not in GUIDES:
        raise ValueError(f"no guide named {name!r}; there are: {', '.join(sorted(GUIDES))}")
    path = docs_root() / GUIDES[wanted]
    if not path.is_file():
        raise FileNotFoundError(f"the {wanted} guide is missing ({path}): reinstall riskcurve")
    return path
