"""Shared layout, captions and argument checks for every figure builder."""

from __future__ import annotations

import datetime as dt
import functools
import html
import inspect
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import plotly.graph_objects as go

#: Daily frames longer than this are thinned for display (see :func:`_for_display`).
MAX_DAILY_POINTS = 1500
#: Stretches a thinned frame is cut into, shared by its columns (a frame of two columns gets
#: half as many): each stretch keeps each column's high and low, so a frame keeps at most about
#: twice this many rows, and a line the envelope a chart about a thousand pixels wide can show.
DISPLAY_STRETCHES = 800
#: Caption lines are wrapped at this many characters.
CAPTION_WIDTH = 150

TEMPLATE = "plotly_white"
FONT = {"family": "DejaVu Sans, Arial, sans-serif", "size": 12}
COLORS = {
    "price": "#1f3b73",
    "ath": "#d62728",
    "ath_intraday": "#ff9896",
    "base": "rgba(127, 127, 127, 0.18)",
    "discovery": "rgba(44, 160, 44, 0.75)",
    "breakout": "#2ca02c",
    "confirm": "#17becf",
    "expanding": "rgba(44, 160, 44, 0.13)",
    "contracting": "rgba(214, 39, 40, 0.12)",
    "btc": "#f7931a",
    "eth": "#627eea",
    "liquidity": "#1f3b73",
    "lit": "#f2a900",
    "dark": "#34495e",
    "unknown": "#d9d9d9",
    "band_outer": "rgba(31, 59, 115, 0.12)",
    "band_inner": "rgba(31, 59, 115, 0.25)",
    "median": "#1f3b73",
    "significant": "#d62728",
    "insignificant": "#7f7f7f",
}
#: Line colours for one line per event or anchor (cycle overlays, fan charts).
SERIES_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
_DOWNSAMPLED = (
    "Long daily series are thinned for display to the high and the low of each of a few hundred equal "
    "stretches (every point drawn is a real day, the first and last days included); "
    "markers and shaded periods keep every daily date."
)

# --- shared helpers ---------------------------------------------------------------------------------

_F = TypeVar("_F", pd.DataFrame, pd.Series)


def _check_frame(name: str, frame: object, columns: Iterable[str] = (), *, dated: bool = True) -> pd.DataFrame:
    """Validate a frame argument once: type, a date index when ``dated``, required columns."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    if dated and not isinstance(frame.index, pd.DatetimeIndex):
        raise TypeError(f"{name} must be indexed by dates (a DatetimeIndex)")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{name} lacks column(s) {', '.join(missing)}; it has: {', '.join(map(str, frame.columns)) or 'none'}"
        )
    if dated and not frame.index.is_monotonic_increasing:
        raise ValueError(f"{name} must have ascending dates")
    return frame


def _check_series(name: str, series: object) -> pd.Series:
    if not isinstance(series, pd.Series):
        raise TypeError(f"{name} must be a pandas Series, got {type(series).__name__}")
    if not isinstance(series.index, pd.DatetimeIndex):
        raise TypeError(f"{name} must be indexed by dates (a DatetimeIndex)")
    return series


def _day(value: Any) -> str:
    return pd.Timestamp(value).date().isoformat()


def _span(index: pd.Index, what: str = "the frame") -> tuple[str, str]:
    """First and last date of a date index, as ISO strings."""
    if len(index) == 0:
        raise ValueError(f"there is no data to draw: {what} is empty")
    return _day(index.min()), _day(index.max())


def _valid_span(frame: pd.DataFrame | pd.Series, column: str | None = None, what: str = "the frame") -> tuple[str, str]:
    """The span of rows with a value in ``column`` (any column when ``None``)."""
    values = frame[column] if column is not None and isinstance(frame, pd.DataFrame) else frame
    mask = values.notna() if isinstance(values, pd.Series) else values.notna().any(axis=1)
    return _span(values.index[mask.to_numpy()], f"{what}{f' column {column}' if column else ''}")


def _thinned_positions(values: np.ndarray, stretches: int) -> np.ndarray:
    """Row positions that keep each column's highest and lowest row in every stretch, plus the ends.

    ``values`` is 2-D (rows by columns). Rows are cut into at most ``stretches`` runs of equal
    length; a run where a column has no value keeps its first row, so a gap stays a gap.
    """
    rows = len(values)
    width = -(-rows // stretches)  # ceil: at most `stretches` runs
    runs = -(-rows // width)
    padded = np.full((runs * width, values.shape[1]), np.nan)
    padded[:rows] = values
    blocks = padded.reshape(runs, width, values.shape[1])
    offsets = np.arange(runs)[:, None] * width
    # NaN never wins: -inf for the highs, +inf for the lows (a run of NaN gives its first row).
    highs = np.where(np.isnan(blocks), -np.inf, blocks).argmax(axis=1) + offsets
    lows = np.where(np.isnan(blocks), np.inf, blocks).argmin(axis=1) + offsets
    keep = np.unique(np.concatenate([[0, rows - 1], highs.ravel(), lows.ravel()]))
    return keep[keep < rows]


def _for_display(frame: _F) -> tuple[_F, bool]:
    """``frame`` itself, or the rows a chart can show when it is too long to draw day by day.

    A long frame of ``k`` columns keeps, from each of ``DISPLAY_STRETCHES // k`` equal stretches
    of rows, the row of each column's high and of its low (the envelope a line shows), and always
    its first and last rows. Every row kept is a real row with its own date and values, so the
    last point drawn is the last day given and no extreme (an all-time high, a record low, a
    one-day spike) is lost. Returns the frame and whether it was thinned.
    """
    if len(frame) <= MAX_DAILY_POINTS or not isinstance(frame.index, pd.DatetimeIndex):
        return frame, False
    values = np.asarray(frame, dtype=float).reshape(len(frame), -1)
    stretches = max(1, DISPLAY_STRETCHES // values.shape[1])
    return frame.iloc[_thinned_positions(values, stretches)], True


def _runs(mask: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """(first, last) date of each run of ``True`` in a date-indexed boolean series."""
    flags = mask.fillna(False).astype(bool).to_numpy()
    if not flags.any():
        return []
    edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    index = pd.DatetimeIndex(mask.index)
    return [(index[int(s)], index[int(e)]) for s, e in zip(starts, ends, strict=True)]


def _wrap(text: str) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += textwrap.wrap(" ".join(paragraph.split()), CAPTION_WIDTH) or [""]
    return lines


def _parameter_text(parameters: Mapping[str, Any] | None) -> str:
    if not parameters:
        return ""
    return "Parameters: " + ", ".join(f"{k}={v}" for k, v in parameters.items()) + "."


def _finish(
    fig: go.Figure,
    *,
    title: str,
    definition: str,
    first: str,
    last: str,
    sources: Sequence[str],
    note: str | None = None,
    height: int = 520,
) -> go.Figure:
    """Title, caption (definition, data range, sources, note) and the common layout."""
    _short_dates(fig)
    _use_template(fig)
    caption = f"Definition: {definition}\nData: {first} to {last}. Source: {', '.join(sources) or 'none'}."
    if note:
        caption += f"\n{note}"
    lines = _wrap(caption)
    fig.add_annotation(
        text="<br>".join(html.escape(line, quote=False) for line in lines),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        xanchor="left",
        yanchor="top",
        yshift=-62,
        align="left",
        showarrow=False,
        font={"size": 11, "color": "#444444"},
        name="caption",
    )
    fig.update_layout(
        # The title sits at the top of the canvas and the legend just above the plot area, so a
        # legend that wraps to two or three rows grows into the margin between them.
        title={
            "text": html.escape(title, quote=False),
            "x": 0.01,
            "xanchor": "left",
            "yref": "container",
            "y": 1.0,
            "yanchor": "top",
            "pad": {"t": 14},
        },
        font=FONT,
        height=height + 16 * len(lines),
        margin={"l": 70, "r": 70, "t": 110, "b": 80 + 16 * len(lines)},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0.0},
        meta={
            "riskcurve": {
                "definition": definition,
                "first": first,
                "last": last,
                "sources": list(sources),
                "note": note,
                "caption": caption,
            }
        },
        hovermode="x unified",
    )
    return fig


def _short_dates(fig: go.Figure) -> None:
    """Day-only date arrays as ``YYYY-MM-DD`` text.

    Plotly writes a datetime array as ``1987-09-11T00:00:00.000000000`` per point, so dates
    were most of a long chart's JSON; the day alone is 2.5 times shorter and reads the same.
    """
    for trace in fig.data:
        for axis in ("x", "y"):
            values = getattr(trace, axis, None)
            if (
                isinstance(values, np.ndarray)
                and values.dtype == object
                and len(values)
                and all(isinstance(v, dt.datetime) and v.tzinfo is None for v in values)
            ):
                values = values.astype("datetime64[us]")  # plotly 5 keeps dates as datetime objects
            if not isinstance(values, np.ndarray) or not np.issubdtype(values.dtype, np.datetime64):
                continue
            days = values.astype("datetime64[D]")
            if (days == values).all():  # only when no point has a time of day
                setattr(trace, axis, np.datetime_as_string(days, unit="D"))


def _use_template(fig: go.Figure) -> None:
    """Give ``fig`` the :data:`TEMPLATE` look, without validating the template again.

    Assigning a template object re-validates every one of its trace and layout defaults, about
    13 ms a figure: more than building most charts here, eleven times per dashboard change and
    twenty per report. The template is plotly's own, valid by construction, so it is assigned
    the way plotly assigns its default template to every new figure: with validation paused for
    that one assignment (the figure still holds its own copy).
    """
    layout = fig.layout
    validate = layout._validate
    layout._validate = False
    try:
        layout.template = _template()
    finally:
        layout._validate = validate


@functools.cache
def _template() -> go.layout.Template:
    # The template object, looked up once: a template given by name is resolved and copied
    # again for every figure, which cost more than drawing the figure itself.
    import plotly.io as pio

    return pio.templates[TEMPLATE]


def caption_of(fig: go.Figure) -> str:
    """The plain-text caption of a figure built here (definition, data range, sources, note)."""
    meta = fig.layout.meta
    if not isinstance(meta, Mapping) or "riskcurve" not in meta:
        raise ValueError("fig was not built by riskcurve.report.figures (no caption metadata)")
    return str(meta["riskcurve"]["caption"])


def _shade(
    fig: go.Figure,
    periods: Iterable[tuple[pd.Timestamp, pd.Timestamp]],
    color: str,
    name: str,
    *,
    xaxis: str = "x",
    yaxis: str = "y",
    strip: bool = False,
) -> None:
    """Shade each period over the full height of the ``xaxis``/``yaxis`` subplot (or a strip
    along its bottom); one legend entry for all of them."""
    shapes = [
        {
            "type": "rect",
            "xref": xaxis,
            "yref": f"{yaxis} domain",
            "x0": start,
            # A one-day period would be invisible: widen it to the end of its last day.
            "x1": end + pd.Timedelta(days=1),
            "y0": 0.0,
            "y1": 0.035 if strip else 1.0,
            "fillcolor": color,
            "line": {"width": 0},
            "layer": "below",
            "name": name,
            "legendgroup": name,
            "showlegend": number == 0,
        }
        for number, (start, end) in enumerate(periods)
    ]
    # One assignment: plotly re-validates every shape on each add_vrect/add_shape call.
    if shapes:
        fig.layout.shapes = (*fig.layout.shapes, *shapes)


def _defaults(function: Callable[..., Any]) -> dict[str, Any]:
    return {
        name: p.default
        for name, p in inspect.signature(function).parameters.items()
        if p.default is not inspect.Parameter.empty and p.kind == p.KEYWORD_ONLY
    }


def _merged(defaults: Mapping[str, Any], given: Mapping[str, Any] | None, name: str = "parameters") -> dict[str, Any]:
    if given is not None and not isinstance(given, Mapping):
        raise TypeError(f"{name} must be a mapping of parameter names to values, got {type(given).__name__}")
    return {**defaults, **(given or {})}
