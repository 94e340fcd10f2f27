"""Tables: any small frame as a captioned table, and the regime at a glance."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from riskcurve import numbers
from riskcurve.report.figures._base import _check_frame, _day, _finish
from riskcurve.signals.regime import Regime


def frame_table(
    frame: pd.DataFrame,
    *,
    title: str,
    definition: str,
    first: str,
    last: str,
    sources: Sequence[str],
    note: str | None = None,
    column_widths: Sequence[float] | None = None,
) -> go.Figure:
    """Any small frame as a plotly table with the same caption as every other figure.

    Parameters
    ----------
    frame
        The rows to show (the index is shown as the first column when it is named).
    title, definition, first, last, sources, note
        The caption: what the table is, the data range behind it, where it comes from.
    column_widths
        Relative widths of the columns shown.
    """
    frame = _check_frame("frame", frame, dated=False)
    body = frame.reset_index() if frame.index.name is not None else frame
    cells = [[_cell(v) for v in body[c]] for c in body.columns]
    fig = go.Figure(
        go.Table(
            columnwidth=list(column_widths) if column_widths else None,
            header={
                "values": [f"<b>{html.escape(str(c), quote=False)}</b>" for c in body.columns],
                "fill_color": "#1f3b73",
                "font": {"color": "white"},
                "align": "left",
            },
            cells={"values": cells, "align": "left", "fill_color": "#f7f7f7", "height": 26},
        )
    )
    widths = np.asarray(column_widths if column_widths else [1.0] * len(body.columns), dtype=float)
    # Rough wrapping estimate (about 1,000 px of table, 7 px a character) so rows are not cut off.
    chars = np.maximum(widths / widths.sum() * 1000 / 7, 8)
    lines = [max(math.ceil(len(cells[j][i]) / chars[j]) for j in range(len(cells))) for i in range(len(body))]
    # Header plus rows, plus the top and bottom margins _finish reserves around the plot area.
    rows_height = 30 + sum(9 + 17 * n for n in lines) + 190
    return _finish(
        fig,
        title=title,
        definition=definition,
        first=first,
        last=last,
        sources=sources,
        note=note,
        height=min(max(rows_height, 300), 1600),
    )


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return "" if pd.isna(value) else _day(value)
    if isinstance(value, float):
        return numbers.value(value)
    return html.escape(str(value), quote=False)


def regime_panel_table(regime: Regime) -> go.Figure:
    """Today's regime at a glance: one row per signal, its headline and the data behind it."""
    if not isinstance(regime, Regime):
        raise TypeError(f"regime must be a riskcurve Regime, got {type(regime).__name__}")
    rows = []
    firsts: list[str] = []
    lasts: list[str] = []
    sources: list[str] = []
    for item in regime.items:
        known = [(a, b) for a, b in item.sources.values() if a and b]
        firsts += [a for a, _ in known]
        lasts += [b for _, b in known]
        sources += [s for s in item.sources if s not in sources]
        rows.append(
            {
                "signal": item.name,
                "state": item.headline,
                "data through": item.through or "",
                "stale inputs": ", ".join(item.stale),
            }
        )
    for name, reason in regime.unavailable:
        rows.append({"signal": name, "state": f"unavailable: {reason}", "data through": "", "stale inputs": ""})
    table = pd.DataFrame(rows, columns=["signal", "state", "data through", "stale inputs"])
    day = regime.as_of.isoformat()
    return frame_table(
        table,
        title=f"Regime at a glance on {day}" + (f" ({regime.note})" if regime.note else ""),
        definition="each row is the last value on the day of the named signal, computed only from data known by "
        "its end (`riskcurve signal NAME` prints each definition); 'data through' is the oldest last date among "
        "the inputs the row's signal needs (a basket's members come and go and do not count).",
        first=min(firsts) if firsts else day,
        last=max(lasts) if lasts else day,
        sources=sources,
        column_widths=[1.3, 7.0, 1.3, 1.3],
    )
