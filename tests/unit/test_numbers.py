"""The house number style: the formatters, full precision in files, and no float formatted elsewhere."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from riskcurve import numbers

SRC = Path(__file__).resolve().parents[2] / "src" / "riskcurve"

#: Modules allowed to format a float themselves, each with a one-line reason: only text that is
#: not a number for a reader may be here. Empty: every surface and every library message uses
#: riskcurve.numbers.
ALLOWED: dict[str, str] = {}

_FLOAT_SPEC = re.compile(r"(\.\d+|^[^d]*)[eEfFgG%]$")
_PERCENT_FORMAT = re.compile(r"%[-+ #0]*\d*(\.\d+)?[eEfFgG]")
_BRACE_FORMAT = re.compile(r"\{[^{}]*:[^{}]*[eEfFgG%]\}")


def _literal(node: ast.expr) -> str | None:
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def float_formats(source: str) -> list[tuple[int, str]]:
    """Every place ``source`` formats a float for display: ``f"{x:.2f}"``, ``"%.2f" % x``,
    ``"{:.1%}".format(x)``, ``format(x, ".3g")`` and ``round(x, n)``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = _literal(node.format_spec)
            if spec is not None and _FLOAT_SPEC.search(spec):
                found.append((node.lineno, f"f-string spec {spec!r}"))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            text = _literal(node.left)
            if text is not None and _PERCENT_FORMAT.search(text):
                found.append((node.lineno, "%-formatting"))
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "format":
                text = _literal(func.value)
                if text is not None and _BRACE_FORMAT.search(text):
                    found.append((node.lineno, "str.format spec"))
            elif isinstance(func, ast.Name) and func.id == "format" and len(node.args) == 2:
                spec = _literal(node.args[1])
                if spec is not None and _FLOAT_SPEC.search(spec):
                    found.append((node.lineno, f"format(x, {spec!r})"))
            elif isinstance(func, ast.Name) and func.id == "round" and len(node.args) == 2:
                found.append((node.lineno, "round(x, n)"))
    return found


def test_the_scan_finds_each_way_of_formatting_a_float() -> None:
    source = (
        "a = f'{x:.2f}'\nb = f'{x:+.1%}'\nc = '%.3f' % x\nd = '{:.1%}'.format(x)\ne = format(x, '.3g')\n"
        "f = round(x, 2)\ng = f'{n:,}'\nh = f'{n:d}'\ni = f'{s!r}'\nj = f'{w:>8}'\n"
    )
    assert sorted(line for line, _ in float_formats(source)) == [1, 2, 3, 4, 5, 6]


def test_no_float_is_formatted_outside_the_number_module() -> None:
    offenders: list[str] = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative == "numbers.py" or relative in ALLOWED:
            continue
        found = float_formats(path.read_text(encoding="utf-8"))
        offenders += [f"src/riskcurve/{relative}:{line}: {what}" for line, what in found]
    assert not offenders, "format floats with riskcurve.numbers instead:\n" + "\n".join(offenders)
    stale = [m for m in ALLOWED if not float_formats((SRC / m).read_text(encoding="utf-8"))]
    assert not stale, f"no float formatted in {stale} any more: remove them from ALLOWED"


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (0.075127, {}, "7.5%"),
        (0.075127, {"signed": True}, "+7.5%"),
        (-0.34, {"signed": True, "digits": 0}, "-34%"),
        (-0.0001, {"signed": True}, "0.0%"),
        (12.3456, {}, "1,234.6%"),
        (None, {}, ""),
        (float("nan"), {}, ""),
    ],
)
def test_percentages_carry_a_sign_and_sensible_digits(value: float | None, kwargs: dict, expected: str) -> None:
    assert numbers.percent(value, **kwargs) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.62, "0.62"), (0.1, "0.10"), (0.0432, "0.043"), (0.0012, "0.0012"), (0.00099, "<0.001"), (1.0, "1.00")],
)
def test_p_values_have_two_or_three_significant_digits(value: float, expected: str) -> None:
    assert numbers.p_value(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1.35533e10, "13.6B"), (2_442_739.99, "2.44M"), (999_999.0, "1M"), (15_300.0, "15.3k"), (512.0, "512")],
)
def test_large_amounts_are_compact(value: float, expected: str) -> None:
    assert numbers.compact(value) == expected


def test_scores_points_and_named_p_values() -> None:
    assert numbers.score(0.18234) == "0.182"
    assert numbers.score(0.0412, signed=True) == "+0.041"
    assert numbers.score(-0.5, 2, signed=True) == "-0.50"
    assert numbers.points(0.12) == "+12 pp"
    assert numbers.points(0.034, 1, signed=False) == "3.4 pp"
    assert numbers.p_equals(0.0432) == "p=0.043"
    assert numbers.p_equals(0.0004, "Holm p") == "Holm p<0.001"
    assert numbers.p_equals(0.62) == "p=0.62"


def test_every_quantity_carries_its_unit() -> None:
    assert numbers.quantity(1.35533e10, "USD") == "13.6B USD"
    assert numbers.quantity(2442.73999, "index points") == "2,442.74 index points"
    assert numbers.quantity(3.25, "%") == "3.25%"
    assert numbers.quantity(float("nan"), "USD") == ""


def test_unstyled_cells_never_show_an_exponent_or_float_noise() -> None:
    assert numbers.value(1.35533e10) == "13.55B"
    assert numbers.value(0.1 + 0.2) == "0.3"
    assert numbers.value(0.0677) == "0.0677"
    assert numbers.value(12345) == "12,345"
    assert numbers.value(pd.Timestamp("2026-01-21")) == "2026-01-21"
    assert "e+" not in numbers.value(123456789.0)


def test_log_returns_are_converted_or_labelled() -> None:
    # The example: a +75.8% log median is about +113% simple.
    assert numbers.percent(numbers.simple_return(0.758), 0, signed=True) == "+113%"
    assert math.isnan(numbers.simple_return(None))
    assert numbers.return_label("log", "median return") == "median log return"
    assert numbers.return_label("simple", "median return") == "median return"


def test_files_keep_the_shortest_exact_decimal() -> None:
    for value in (0.1 + 0.2, 1 / 3, 13553300000.0, 1e-20, 75.8, -2.5e300):
        assert float(numbers.exact(value)) == value
        assert numbers.exact(value) == repr(value)
    assert numbers.exact(float("nan")) == ""


def test_a_csv_export_reads_back_to_the_same_floats(filled_store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    target = filled_store.export("BTC", tmp_path / "btc.csv")
    stored = filled_store.prices("BTC", provenance=True)
    back = pd.read_csv(target, index_col=0, dtype=str)  # parsed below by float(): exact, whatever the pandas
    compared = [c for c in ("open", "high", "low", "close", "volume") if c in stored]
    assert compared
    for column in compared:
        expected = stored[column].astype(float).to_numpy()
        assert np.array_equal(back[column].astype(float).to_numpy(), expected, equal_nan=True), column
