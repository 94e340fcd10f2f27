"""How result objects show themselves in Jupyter: one small HTML card per result.

Each result class's ``_repr_html_`` calls :func:`result_html` with its title, its verdict in
words, a few facts and its main table; the plain-text ``summary()`` follows under a collapsed
``<details>``. Numbers are shown to four significant digits and dates as days; everything is
escaped, and nothing is loaded from anywhere (a notebook mailed around shows the same).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from riskcurve.stats.claims import ClaimResult

__all__ = ["MAX_ROWS", "claim_html", "frame_html", "result_html"]

#: Rows shown of a long table (the rest are counted, and ``to_frame()`` has them all).
MAX_ROWS = 12

_STYLE = (
    "font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:13px;"
    "border:1px solid #dde1e8;border-radius:6px;padding:8px 12px;max-width:1100px"
)


def _cell(value: Any) -> str:
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return "" if pd.isna(value) else value.date().isoformat() if value == value.normalize() else str(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float | int) and not isinstance(value, bool):
        if isinstance(value, float) and math.isnan(value):
            return ""
        return f"{value:,.4g}" if isinstance(value, float) else f"{value:,}"
    if hasattr(value, "item"):
        return _cell(value.item())
    return str(value)


def frame_html(frame: pd.DataFrame, *, max_rows: int = MAX_ROWS) -> str:
    """A compact, escaped HTML table of ``frame`` (index included), at most ``max_rows`` rows."""
    shown = frame.head(max_rows)
    index_name = shown.index.name if shown.index.name is not None else ""
    keep_index = not isinstance(shown.index, pd.RangeIndex)
    headers = ([str(index_name)] if keep_index else []) + [str(c) for c in shown.columns]
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{html.escape(h)}</th>" for h in headers)
    rows = []
    for label, row in zip(shown.index, shown.itertuples(index=False), strict=True):
        values = ([label] if keep_index else []) + list(row)
        cells = "".join(f"<td style='padding:2px 8px'>{html.escape(_cell(v))}</td>" for v in values)
        rows.append(f"<tr>{cells}</tr>")
    more = len(frame) - len(shown)
    tail = f"<div style='color:#666'>… {more:,} more rows (to_frame() has them all)</div>" if more > 0 else ""
    return (
        f"<table style='border-collapse:collapse'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{tail}"
    )


def result_html(
    title: str,
    *,
    verdict: str | None = None,
    facts: Mapping[str, Any] | Iterable[tuple[str, Any]] = (),
    table: pd.DataFrame | None = None,
    summary: str | None = None,
    max_rows: int = MAX_ROWS,
) -> str:
    """The HTML card of one result.

    Parameters
    ----------
    title
        What the result is (first line, bold).
    verdict
        The conclusion in words, shown under the title.
    facts
        ``label -> value`` pairs shown as a short list (n, p, the window...).
    table
        The main table (at most ``max_rows`` rows shown).
    summary
        The plain-text summary, collapsed under ``<details>``.
    """
    items = facts.items() if isinstance(facts, Mapping) else facts
    listed = "".join(
        f"<li><b>{html.escape(str(k))}</b>: {html.escape(_cell(v))}</li>" for k, v in items if _cell(v) != ""
    )
    parts = [f"<div class='riskcurve-result' style='{_STYLE}'><div><b>{html.escape(title)}</b></div>"]
    if verdict:
        parts.append(f"<p style='margin:4px 0'>{html.escape(verdict)}</p>")
    if listed:
        parts.append(f"<ul style='margin:4px 0'>{listed}</ul>")
    if table is not None and len(table.columns):
        parts.append(frame_html(table, max_rows=max_rows))
    if summary:
        parts.append(
            f"<details><summary>summary()</summary><pre style='white-space:pre-wrap'>{html.escape(summary)}</pre>"
            "</details>"
        )
    parts.append("</div>")
    return "".join(parts)


def claim_html(result: ClaimResult) -> str:
    """The card of one checked claim: statement, what was measured, evidence, n, p and the reason."""
    facts: Sequence[tuple[str, Any]] = [
        ("claim", result.statement),
        ("measured", result.headline),
        ("evidence", result.evidence),
        ("n", result.n),
        ("p", result.p),
        ("why this grade", result.reason),
    ]
    return result_html(f"{result.id}: {result.grade}", facts=facts)


def columns(frame: pd.DataFrame, wanted: Sequence[str]) -> pd.DataFrame:
    """The columns of ``wanted`` that ``frame`` has, in that order."""
    return frame[[c for c in wanted if c in frame.columns]]
