"""The house style of every number a reader sees: one module, used by every surface.

The HTML report, the dashboard, the command line's rich tables, the notebook cards and the
Markdown digests all format numbers through these functions, so a figure reads the same
wherever it is shown:

* fractions as percentages with a % sign (``0.075127`` -> ``7.5%``), signed when a change;
* prices and levels with thousands separators (``2,442.74``), large amounts and volumes as
  ``k``/``M``/``B``/``T`` (``1.36e10`` -> ``13.6B``);
* p-values to two or three significant digits (``0.62``, ``0.043``, ``0.0012``, ``<0.001``);
* every figure with its unit (:func:`quantity`);
* simple returns where a text says "return"; a log return is converted (:func:`simple_return`)
  or labelled "log return" (:func:`return_label`).

Files keep full precision instead: :func:`exact` writes a float as the shortest decimal that
reads back to the same float (``repr``), which is what CSV exports use.

``tests/unit/test_numbers.py`` fails on a float formatted anywhere else in ``src/``.
"""

from __future__ import annotations

import math
import sys
from typing import Any

__all__ = [
    "compact",
    "count",
    "day",
    "decimal",
    "exact",
    "is_missing",
    "p_equals",
    "p_value",
    "percent",
    "points",
    "quantity",
    "ratio",
    "return_label",
    "score",
    "significant",
    "simple_return",
    "text",
    "value",
]

#: Suffixes of large amounts, largest first.
_SCALES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def is_missing(value: Any) -> bool:
    """Whether ``value`` is None, NaN, NaT or pandas' NA (shown as an empty cell)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, int | str | bytes):
        return False
    # Only a pandas or numpy object can be NaT or NA: no need to load pandas to ask otherwise.
    pd = sys.modules.get("pandas")
    if pd is None:  # a numpy scalar, say: missing only if NaN
        try:
            return math.isnan(float(value))
        except (TypeError, ValueError):
            return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-likes are not missing values
        return False


def _float(value: Any) -> float | None:
    if is_missing(value):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _nonfinite(value: Any) -> str:
    """``inf``/``-inf`` as words; empty for missing."""
    if is_missing(value):
        return ""
    number = float(value)
    return "" if math.isnan(number) else ("+inf" if number > 0 else "-inf")


def percent(value: Any, digits: int = 1, *, signed: bool = False) -> str:
    """A fraction as a percentage: ``0.075127`` -> ``7.5%`` (``+7.5%`` when ``signed``)."""
    number = _float(value)
    if number is None:
        return _nonfinite(value)
    shown = f"{number * 100:{'+' if signed else ''},.{digits}f}"
    if shown.lstrip("+-").strip("0.,") == "" and signed:  # -0.0 and +0.0 read as 0
        shown = f"{0:.{digits}f}"
    return shown + "%"


def points(value: Any, digits: int = 0, *, signed: bool = True) -> str:
    """A difference of two shares in percentage points: ``0.12`` -> ``+12 pp`` (``12 pp`` unsigned)."""
    number = _float(value)
    if number is None:
        return _nonfinite(value)
    return f"{number * 100:{'+' if signed else ''},.{digits}f} pp"


def decimal(value: Any, digits: int = 2, *, signed: bool = False) -> str:
    """A number to ``digits`` decimals with thousands separators: ``2442.73999`` -> ``2,442.74``."""
    number = _float(value)
    if number is None:
        return _nonfinite(value)
    return f"{number:{'+' if signed else ''},.{digits}f}"


def score(value: Any, digits: int = 3, *, signed: bool = False) -> str:
    """A unitless score (Brier, log score, skill, a correlation, a statistic) to ``digits``
    decimals: ``0.18234`` -> ``0.182``; ``signed`` for a skill or a difference (``+0.041``)."""
    return decimal(value, digits, signed=signed)


def count(value: Any) -> str:
    """A count as a whole number with thousands separators: ``1234.0`` -> ``1,234``."""
    number = _float(value)
    if number is None:
        return _nonfinite(value)
    return f"{round(number):,}"


def compact(value: Any, digits: int = 3) -> str:
    """A large amount to ``digits`` significant digits with k/M/B/T: ``13553300000`` -> ``13.6B``.

    Amounts below a thousand are shown with :func:`significant`.
    """
    number = _float(value)
    if number is None:
        return _nonfinite(value)
    for scale, suffix in _SCALES:
        if abs(number) >= scale * (1 - 0.5 * 10 ** (1 - digits)):
            return f"{_sig(number / scale, digits)}{suffix}"
    return significant(number, digits)


def _sig(number: float, digits: int) -> str:
    """``number`` to ``digits`` significant digits, fixed notation, trailing zeros dropped."""
    if number == 0:
        return "0"
    places = max(digits - 1 - math.floor(math.log10(abs(number))), 0)
    shown = f"{number:,.{places}f}"
    if "." in shown:
        shown = shown.rstrip("0").rstrip(".")
    return shown


def significant(value: Any, digits: int = 4) -> str:
    """A number to ``digits`` significant digits, thousands separators, no exponent below 1e15.

    ``0.0677`` -> ``0.0677``; ``1234.567`` -> ``1,235``; ``-2.5`` -> ``-2.5``. Very small
    magnitudes (below 1e-4) use scientific notation (``3.2e-07``).
    """
    number = _float(value)
    if number is None:
        return _nonfinite(value)
    if number != 0 and abs(number) < 1e-4:
        return f"{number:.{max(digits - 1, 0)}e}"
    if abs(number) >= 1e15:  # 1e+308, not a line of digit groups
        return f"{number:.{digits}g}"
    return _sig(number, digits)


def p_value(value: Any) -> str:
    """A p-value: two decimals from 0.1 (``0.62``), two significant digits below (``0.043``,
    ``0.0012``), ``<0.001`` below 0.001."""
    number = _float(value)
    if number is None:
        return _nonfinite(value)
    if number < 0.001:
        return "<0.001"
    if number >= 0.1:
        return f"{number:.2f}"
    return _sig(number, 2)


def p_equals(value: Any, name: str = "p") -> str:
    """A p-value with its name: ``p=0.043``, ``p<0.001`` (never ``p=<0.001``)."""
    shown = p_value(value)
    return f"{name}{shown}" if shown.startswith("<") else f"{name}={shown}"


def ratio(value: Any, digits: int = 2) -> str:
    """A multiple: ``1.0421`` -> ``1.04x``."""
    number = _float(value)
    if number is None:
        return _nonfinite(value)
    return f"{number:,.{digits}f}x"


def quantity(value: Any, unit: str | None = None, *, digits: int = 3) -> str:
    """A level with its unit: ``13553300000, "USD"`` -> ``13.6B USD``; ``2442.74, "index"`` -> ``2,442.74 index``.

    Amounts of a million or more are compact (k/M/B/T); smaller ones keep two decimals (a
    price) or are whole (a count). A ``"%"`` or ``"percent"`` unit takes the value as already in
    percent.
    """
    number = _float(value)
    if number is None:
        return _nonfinite(value)
    if unit in ("%", "percent"):
        return f"{number:,.2f}%"
    if abs(number) >= 1e6:
        shown = compact(number, digits)
    elif number.is_integer() and abs(number) >= 1000:
        shown = count(number)
    else:
        shown = decimal(number, 2) if abs(number) >= 1 else significant(number, digits)
    return f"{shown} {unit}" if unit else shown


def value(item: Any) -> str:
    """Any cell of a table whose column has no declared style.

    Whole numbers with thousands separators; floats of a million or more compact (k/M/B/T);
    other floats to four significant digits; dates as ``YYYY-MM-DD``; the rest as printed.
    """
    if is_missing(item) and not isinstance(item, str | bytes):
        return ""
    if isinstance(item, bool):
        return str(item)
    if hasattr(item, "item") and not hasattr(item, "isoformat"):  # numpy scalars
        return value(item.item())
    if isinstance(item, int):
        return f"{item:,}"
    if isinstance(item, float):
        if not math.isfinite(item):
            return _nonfinite(item)
        return compact(item, 4) if abs(item) >= 1e6 else significant(item, 4)
    if hasattr(item, "isoformat"):
        return day(item)
    return str(item)


def day(item: Any) -> str:
    """A date as ``YYYY-MM-DD`` (a timestamp with a time of day keeps it)."""
    if is_missing(item):
        return ""
    import pandas as pd

    stamp = pd.Timestamp(item)
    return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat(sep=" ")


def text(item: Any) -> str:
    """Anything else, as it prints (empty when missing)."""
    return "" if is_missing(item) and not isinstance(item, str) else str(item)


def exact(item: Any) -> str:
    """A float as the shortest decimal that reads back to the same float (``repr``): for files.

    ``0.1 + 0.2`` -> ``0.30000000000000004``; ``13553300000.0`` -> ``13553300000.0``;
    missing -> empty.
    """
    if is_missing(item):
        return ""
    return repr(float(item))


def simple_return(log_return: Any) -> float:
    """The simple return of a log return: ``exp(r) - 1`` (a +75.8% log return is about +113%)."""
    number = _float(log_return)
    return math.nan if number is None else math.expm1(number)


def return_label(kind: str, what: str = "return") -> str:
    """How returns of ``kind`` ("log" or "simple") are headed: "mean return" -> "mean log return"."""
    if kind != "log":
        return what
    return what.replace("return", "log return", 1) if "return" in what else f"{what} (log)"
