"""Tables a reader takes in at a glance: formatted numbers, plain column names with units.

The report's tables are built here rather than with ``DataFrame.to_html``: each column says
how its values read (a percentage, a price, a p-value, a count, a day), long sentences go in a
row of their own under the numbers they explain, and the full machine detail stays one click
away under ``<details>``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from riskcurve import numbers

__all__ = ["Column", "count", "day", "html_table", "number", "p_value", "percent", "quantity", "ratio", "text"]


# Every number is formatted by the house style (riskcurve.numbers); these names are kept for the
# report's column declarations.
percent = numbers.percent
number = numbers.decimal
count = numbers.count
p_value = numbers.p_value
ratio = numbers.ratio
day = numbers.day
text = numbers.text
quantity = numbers.quantity


@dataclass(frozen=True)
class Column:
    """One shown column: the source field, its plain heading (with unit) and how values read."""

    field: str
    heading: str
    format: Callable[[Any], str] = text
    numeric: bool = True


def html_table(
    rows: Iterable[Mapping[Any, Any]] | pd.DataFrame,
    columns: Sequence[Column],
    *,
    classes: str = "data",
    note: Callable[[Mapping[Any, Any]], str | None] | None = None,
    row_id: Callable[[Mapping[Any, Any]], str | None] | None = None,
) -> str:
    """An HTML table of ``rows`` showing ``columns``, each cell formatted and escaped.

    Parameters
    ----------
    rows
        Records (dicts) or a frame (its index is ignored: reset it first to show it).
    columns
        What to show, in order.
    classes
        CSS classes of the table.
    note
        A long sentence for a row (a verdict), shown in its own full-width row under it.
    row_id
        An ``id`` for a row, so other parts of the page can link to it.
    """
    records: list[Mapping[Any, Any]] = list(rows.to_dict("records") if isinstance(rows, pd.DataFrame) else rows)
    head = "".join(f"<th class='{'num' if c.numeric else 'txt'}'>{html.escape(c.heading)}</th>" for c in columns)
    body = []
    for record in records:
        anchor = row_id(record) if row_id else None
        attributes = f" id='{html.escape(anchor)}'" if anchor else ""
        cells = "".join(
            f"<td class='{'num' if c.numeric else 'txt'}'>{html.escape(c.format(record.get(c.field)))}</td>"
            for c in columns
        )
        body.append(f"<tr{attributes}>{cells}</tr>")
        sentence = note(record) if note else None
        if sentence:
            body.append(f"<tr class='note-row'><td colspan='{len(columns)}'>{html.escape(sentence)}</td></tr>")
    return f"<table class='{html.escape(classes)}'><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def raw_table(frame: pd.DataFrame) -> str:
    """Every field of a frame as stored, for the collapsed full detail (numbers to 4 significant digits)."""
    shown = frame.map(numbers.value)
    return str(shown.to_html(index=False, escape=True, border=0, classes="raw", na_rep=""))
