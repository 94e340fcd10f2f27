"""The dashboard's "Track record" panel: the report's reliability diagram and skill over time, as of any day.

For the chosen as-of day the panel shows what :mod:`riskcurve.report.track_record` shows in the
report: the verdict line, where the weekly digests came from (the stored back-fill when it is
current, else one computed in memory from the read-only store), the pooled scores per horizon,
and the two charts. Only forecasts issued and resolved by that day count. The result is cached
per (day, store version) like every other panel, so moving back to a day already seen is
instant.

:func:`track_record_panel` is the layout; :func:`register` adds its one callback to the app.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, dcc, html

from riskcurve.errors import RiskcurveError
from riskcurve.report import track_record as report

if TYPE_CHECKING:
    import dash

    from riskcurve.data.store import Store
    from riskcurve.monitor.track_record import TrackRecord

__all__ = ["PANEL_ID", "register", "track_record_panel"]

log = logging.getLogger(__name__)

PANEL_ID = "track-record-panel"
_NOTE = {"color": "#555555", "fontSize": "13px"}
_ERROR = {"color": "#b00020", "fontWeight": "bold"}
_PANEL = {"margin": "14px 0", "padding": "10px", "border": "1px solid #d8dde6", "borderRadius": "6px"}
_CELL = {"borderBottom": "1px solid #e4e7ec", "padding": "4px 8px", "verticalAlign": "top"}


class _Reader(Protocol):
    """What the panel needs of :class:`riskcurve.dashboard.app.StoreReader`."""

    def cached(self, key: tuple[Hashable, ...], compute: Callable[[Store], Any]) -> Any:
        """``compute(store)`` for ``key``, cached per store version."""


def _graph(name: str) -> dcc.Loading:
    return dcc.Loading(dcc.Graph(id=f"figure-{name}", config={"displaylogo": False}), type="default")


def track_record_panel() -> html.Div:
    """The panel's layout: a heading, the lead, the summary and the two charts."""
    return html.Div(
        [
            html.H2("Track record: how good the digest's probabilities have been"),
            html.P(report.LEAD, style=_NOTE),
            dcc.Loading(html.Div(id="track-record-summary"), type="default"),
            _graph("reliability"),
            _graph("skill-over-time"),
        ],
        id=PANEL_ID,
        style=_PANEL,
    )


def _table(record: TrackRecord) -> html.Table:
    columns = report.SCORE_COLUMNS
    head = html.Tr([html.Th(column.heading, style=_CELL) for column in columns])
    body = [
        html.Tr(
            [
                html.Td(
                    column.format(row.get(column.field)),
                    style={**_CELL, "textAlign": "right" if column.numeric else "left"},
                )
                for column in columns
            ],
            id=f"track-record-row-{row['horizon']}",
        )
        for row in report.score_rows(record)
    ]
    return html.Table(
        [html.Thead(head), html.Tbody(body)],
        id="track-record-table",
        style={"borderCollapse": "collapse", "fontSize": "12.5px", "width": "100%"},
    )


def _summary(record: TrackRecord) -> html.Div:
    return html.Div(
        [
            html.P(report.verdict_text(record), id="track-record-verdict", style={"fontWeight": "bold"}),
            html.P(report.source_text(record), id="track-record-source", style=_NOTE),
            *([_table(record)] if record.scored else []),
        ]
    )


def _compute(store: Store, day: pd.Timestamp) -> tuple[TrackRecord, tuple[go.Figure, go.Figure] | str]:
    """The record of ``day`` and its two charts, or why there are none."""
    from riskcurve.monitor.track_record import weekly_track_record

    record = weekly_track_record(store, day)
    try:
        return record, report.track_record_figures(record)
    except ValueError as failure:  # nothing closed yet on that day: the summary says so
        return record, " ".join(str(failure).split())


def register(
    app: dash.Dash,
    reader: _Reader,
    day_of: Callable[[object], pd.Timestamp],
    error_figure: Callable[[str], go.Figure],
) -> None:
    """Add the panel's callback: the summary and both charts follow the as-of date.

    Parameters
    ----------
    app
        The dashboard.
    reader
        Its store reader (``reader.cached(key, compute)`` caches per store version).
    day_of
        The validated day of the as-of box's value (raises ``ValueError`` when it is not one).
    error_figure
        A figure that says a message instead of drawing.
    """

    @app.callback(
        Output("track-record-summary", "children"),
        Output("figure-reliability", "figure"),
        Output("figure-skill-over-time", "figure"),
        Input("as-of", "value"),
    )
    def update(as_of: object) -> tuple[Any, go.Figure, go.Figure]:
        try:
            day = day_of(as_of)
            record, drawn = reader.cached(("track-record", day), lambda store: _compute(store, day))
        except (RiskcurveError, ValueError) as failure:
            message = f"The track record could not be computed: {' '.join(str(failure).split())}"
            log.info("dashboard track record failed: %s", message)
            said = html.Div(message, style=_ERROR, id="track-record-error")
            return said, error_figure(message), error_figure(message)
        if isinstance(drawn, str):
            return _summary(record), error_figure(drawn), error_figure(drawn)
        return _summary(record), *drawn
