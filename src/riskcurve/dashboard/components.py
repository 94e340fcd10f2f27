"""Building blocks of the dashboard page: its style, controls, graphs, error figures and tables."""

from __future__ import annotations

import html as html_text
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from riskcurve import numbers
from riskcurve.dashboard.glossary import GLOSS_STYLE, glossed, hover, terms_line
from riskcurve.signals.regime import Regime

_STYLE = {
    "page": {
        "fontFamily": "DejaVu Sans, Arial, sans-serif",
        "maxWidth": "1280px",
        "margin": "0 auto",
        "padding": "12px",
    },
    "controls": {
        "display": "flex",
        "flexWrap": "wrap",
        "gap": "18px",
        "alignItems": "flex-end",
        "padding": "10px",
        "background": "#f4f6fa",
        "border": "1px solid #d8dde6",
        "borderRadius": "6px",
    },
    "control": {"display": "flex", "flexDirection": "column", "fontSize": "13px", "minWidth": "120px"},
    "panel": {"margin": "14px 0", "padding": "10px", "border": "1px solid #d8dde6", "borderRadius": "6px"},
    "row": {
        "display": "grid",
        "gridTemplateColumns": "130px 1fr",
        "gap": "8px",
        "padding": "3px 0",
        "fontSize": "13px",
    },
    "name": {"fontWeight": "bold", "color": "#1f3b73"},
    "error": {"color": "#b00020", "fontWeight": "bold"},
    "note": {"color": "#555555", "fontSize": "13px"},
}


def _preferred(choice: str, options: Sequence[str]) -> str | None:
    """``choice`` if offered, else the first option (``None`` when there is none)."""
    return choice if choice in options else (options[0] if options else None)


def _control(label: str, component: Any) -> html.Label:
    return html.Label([html.Span(label), component], style=_STYLE["control"])


def _graph(name: str) -> html.Div:
    return html.Div(
        [
            dcc.Loading(
                # Not "responsive": each figure sets its own height (caption included); the width follows the page.
                dcc.Graph(id=f"figure-{name}", config={"displaylogo": False}),
                type="default",
            ),
            html.Div(id=f"chart-terms-{name}"),  # the title's terms, with hover text (see _terms)
        ]
    )


def _terms(name: str, figure: go.Figure) -> Any:
    """The glossary terms of a chart's title and axis titles, each with hover text."""
    layout = figure.layout
    texts = [layout.title.text, layout.xaxis.title.text, layout.yaxis.title.text]
    return terms_line([t for t in texts if isinstance(t, str)], name)


def _error_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(
        text=html_text.escape(message, quote=False),
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"color": "#b00020", "size": 14},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(template="plotly_white", height=160, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig


def _points(figure: go.Figure) -> int:
    """How many values the figure's traces draw."""
    total = 0
    for trace in figure.data:
        values = next((getattr(trace, axis, None) for axis in ("y", "z", "values", "x") if hasattr(trace, axis)), None)
        total += 0 if values is None else len(values)
    return total


def _regime_rows(picture: Regime) -> list[html.Div]:
    rows = []
    for item in picture.items:
        stale = (
            f" (no recent data for {', '.join(item.stale)})"
            if item.stale and "no recent data" not in item.headline
            else ""
        )
        rows.append(
            html.Div(
                [
                    html.Span(
                        item.name, style={**_STYLE["name"], **GLOSS_STYLE}, title=hover(item.name, item.definition)
                    ),
                    html.Span(glossed(item.headline + stale), id=f"regime-{item.name}", title=item.definition),
                ],
                style=_STYLE["row"],
            )
        )
    for name, reason in picture.unavailable:
        rows.append(
            html.Div(
                [html.Span(name, style=_STYLE["name"]), html.Span(f"unavailable: {reason}", id=f"regime-{name}")],
                style=_STYLE["row"],
            )
        )
    return rows


def _study_table(table: pd.DataFrame, kind: str = "log") -> html.Table:
    def pct(value: float) -> str:
        return numbers.percent(value, signed=True)

    def num(value: float) -> str:
        return numbers.p_value(value)

    header = [
        "horizon (bars)",
        "n",
        numbers.return_label(kind, "mean return"),
        f"baseline {numbers.return_label(kind, 'mean return')}",
        "difference",
        "95% CI",
        "hit rate",
        "p (perm.)",
        "p (Holm)",
        "verdict",
    ]
    body = []
    for horizon, row in table.iterrows():
        hit = (
            ""
            if not row["n"]
            else f"{numbers.percent(row['hit_rate'], 0)} "
            f"({numbers.percent(row['hit_low'], 0)}-{numbers.percent(row['hit_high'], 0)})"
        )
        body.append(
            html.Tr(
                [
                    html.Td(str(horizon)),
                    html.Td(str(int(row["n"]))),
                    html.Td(pct(row["mean"])),
                    html.Td(pct(row["baseline_mean"])),
                    html.Td(pct(row["difference"])),
                    html.Td(f"{pct(row['ci_low'])} to {pct(row['ci_high'])}" if row["n"] else ""),
                    html.Td(hit),
                    html.Td(num(row["p_two_sided"])),
                    html.Td(num(row["p_holm"])),
                    html.Td(str(row["verdict_code"]).replace("_", " ")),
                ],
                id=f"study-row-{horizon}",
            )
        )
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in header])), html.Tbody(body)],
        id="study-table",
        style={"borderCollapse": "collapse", "fontSize": "13px", "width": "100%"},
    )
