"""Dependencies point one way: data -> signals -> stats/backtest -> monitor -> report/dashboard/alerts -> cli.

Every ``from riskcurve.X import`` and ``import riskcurve.X`` in the package is read from the source
(at module level and inside functions alike, since lazy imports are still dependencies), and none
may reach a layer above its own module's.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "riskcurve"

#: Each subpackage's layer; a module may import its own layer and those below.
LAYERS = {
    "data": 1,
    "signals": 2,
    "stats": 3,
    "backtest": 3,
    "monitor": 4,
    "report": 5,
    "dashboard": 5,
    "alerts": 5,
    "cli": 6,
}
#: Top-level modules every layer uses (numbers, errors, config, ...): the floor, layer 0; the
#: output writer checks it never writes over an open store file, so it sits with the data.
TOP_LEVEL = {
    **dict.fromkeys(
        ("config", "errors", "masking", "numbers", "untrusted", "_typing", "extras", "_display", "documents"), 0
    ),
    "__version__": 0,
    "outputs": 1,
}
#: The package's front doors, which may name anything (their imports are lazy or the program itself).
FRONT = ("__init__", "__main__")


def _type_only(tree: ast.Module) -> set[int]:
    """Lines inside ``if TYPE_CHECKING:`` blocks: names for annotations, not dependencies at run time."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_only(tree)
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module == "riskcurve" and node.level == 0:
            # `from riskcurve import numbers`: the names are the modules.
            found.extend((node.lineno, f"riskcurve.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return [(line, name) for line, name in found if name == "riskcurve" or name.startswith("riskcurve.")]


def _layer_of(module: str) -> int | None:
    """The layer a ``riskcurve.X...`` name belongs to (None for a front door or an unknown name)."""
    parts = module.split(".")
    if len(parts) < 2:
        return 0  # the package itself (its __file__, its version)
    top = parts[1]
    if top in LAYERS:
        return LAYERS[top]
    return TOP_LEVEL.get(top)


def _violations(root: Path) -> list[str]:
    said = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        top = relative.parts[0].removesuffix(".py")
        if top in FRONT:
            continue
        own = LAYERS.get(top, TOP_LEVEL.get(top))
        if own is None:
            said.append(f"{relative}: in no layer (add it to LAYERS, TOP_LEVEL or FRONT)")
            continue
        for line, name in _imports(path):
            target = _layer_of(name)
            if target is None or target > own:
                said.append(f"{relative}:{line} imports {name}")
    return said


def test_no_module_imports_a_layer_above_its_own() -> None:
    assert _violations(PACKAGE) == []


def test_an_upward_import_is_caught(tmp_path: Path) -> None:
    """The check can fail: a signal that imports the report, and a number helper that imports data."""
    (tmp_path / "signals").mkdir()
    (tmp_path / "signals" / "x.py").write_text("def f():\n    from riskcurve.report.html import build_report\n")
    (tmp_path / "numbers.py").write_text("import riskcurve.data.store\n")
    (tmp_path / "stats").mkdir()
    (tmp_path / "stats" / "typed.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from riskcurve.report.html import X\n"
    )
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "ok.py").write_text("from riskcurve.errors import RiskcurveError\n")
    assert _violations(tmp_path) == [
        "numbers.py:1 imports riskcurve.data.store",
        "signals/x.py:2 imports riskcurve.report.html",
    ]


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_every_layer_exists(layer: str) -> None:
    assert (PACKAGE / layer / "__init__.py").is_file()
