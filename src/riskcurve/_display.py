"""How result objects show themselves in Jupyter: one small HTML card per result.

Each result class's ``_repr_html_`` calls :func:`result_html` with its title, its verdict in
words, a few facts and its main table; the plain-text ``summary()`` follows under a collapsed
``<details>``. Numbers follow the house style of :mod:`riskcurve.numbers` and dates are shown as days; everything is
escaped, and nothing is loaded from anywhere (a notebook mailed around shows the same).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from riskcurve import numbers

if TYPE_CHECKING:
    from riskcurve.stats.claims import ClaimResult

__all__ = ["COLUMN_STYLES", "MAX_ROWS", "claim_html", "frame_html", "result_html"]

#: Rows shown of a long table (the rest are counted, and ``to_frame()`` has them all).
MAX_ROWS = 12

_STYLE = (
    "font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:13px;"
    "border:1px solid #dde1e8;border-radius:6px;padding:8px 12px;max-width:1100px"
)


def _signed_percent(value: Any) -> str:
    return numbers.percent(value, signed=True)


def _ratio_number(value: Any) -> str:
    return numbers.decimal(value, 2)


#: How the columns the result cards show read (fractions as percentages, p-values, counts).
#: Any other column reads by :func:`riskcurve.numbers.value`.
COLUMN_STYLES: dict[str, Callable[[Any], str]] = {
    **dict.fromkeys(
        ("mean", "median", "baseline_mean", "difference", "ci_low", "ci_high", "total_return", "cagr", "max_drawdown"),
        _signed_percent,
    ),
    **dict.fromkeys(("hit_rate", "hit_low", "hit_high", "volatility", "exposure", "share"), numbers.percent),
    **dict.fromkeys(("p", "p_two_sided", "p_holm", "p_adjusted", "p_robust", "p_robust_holm"), numbers.p_value),
    **dict.fromkeys(("sharpe", "dsr", "corr", "correlation at the peak"), _ratio_number),
    **dict.fromkeys(("n", "trades", "events"), numbers.count),
}


def _cell(value: Any) -> str:
    # The house style (riskcurve.numbers): a fraction column is shown as a percentage by the
    # result's own table; unlabelled floats read to four significant digits, large ones k/M/B.
    return numbers.value(value)


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
        texts = [
            COLUMN_STYLES.get(str(name), _cell)(v) if not isinstance(v, str) else v
            for name, v in zip(headers, values, strict=True)
        ]
        cells = "".join(f"<td style='padding:2px 8px'>{html.escape(v)}</td>" for v in texts)
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
        f"<li><b>{html.escape(str(k))}</b>: {html.escape(COLUMN_STYLES.get(str(k), _cell)(v))}</li>"
        for k, v in items
        if _cell(v) != ""
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
