"""Print a pip constraints file pinning every dependency of riskcurve to its declared lower bound.

Reads pyproject.toml's core dependencies and the runtime extras (not dev or bench, whose tools
are used at their newest), and turns each ``name>=X`` into ``name==X``, so that CI can test the
versions the package claims to support. Usage: ``python .ci/lower_bounds.py > constraints.txt``.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

#: Extras that are tools for developing riskcurve, not part of what it promises to run with.
TOOL_EXTRAS = {"dev", "bench", "all"}
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*>=\s*([0-9][0-9A-Za-z.]*)\s*$")


def _numeric(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def lower_bounds(pyproject: Path) -> list[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra, listed in project.get("optional-dependencies", {}).items():
        if extra not in TOOL_EXTRAS:
            requirements += listed
    pins: dict[str, str] = {}
    for requirement in requirements:
        match = REQUIREMENT.match(requirement)
        if match is None:
            raise SystemExit(f"{pyproject}: {requirement!r} has no plain >= lower bound to pin")
        name, _, version = match.groups()
        # A package named twice (plotly in the core and in [png]) is pinned at the higher bound.
        earlier = pins.get(name.lower())
        if earlier is None or _numeric(version) > _numeric(earlier):
            pins[name.lower()] = version
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1]
    sys.stdout.write("\n".join(lower_bounds(root / "pyproject.toml")) + "\n")
