"""Plotly figure builders shared by the HTML report, the PNG export and the live dashboard.

Every builder is a pure function from pandas data (signal frames and events from
:data:`riskcurve.signals.registry.SIGNALS`, closes from
:class:`~riskcurve.data.panel.MarketData`, statistics results) to a
:class:`plotly.graph_objects.Figure`. Nothing here reads the store or looks forward: a builder
draws what it is given.

Every figure states, in a caption under the plot, its definition, the first and last date of
the data it shows and the source symbols; the same facts are kept machine-readable in
``fig.layout.meta["riskcurve"]`` (keys ``definition``, ``first``, ``last``, ``sources``,
``note``) so a report can list them elsewhere too.

Daily series longer than :data:`MAX_DAILY_POINTS` rows (decades of history) are drawn weekly,
the last value of each week, which is what a chart a thousand pixels wide shows anyway; the
caption says so, and event markers and shaded periods keep their exact daily dates.

:func:`to_png` renders a figure to PNG with plotly's own renderer (kaleido) driving the system's
Chromium, without downloading a browser and without loading anything from the network.
"""

from __future__ import annotations

import asyncio
import html
import inspect
import math
import os
import shutil
import textwrap
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from riskcurve.data.calendar import resample_last
from riskcurve.signals import altseason as altseason_signal
from riskcurve.signals import liquidity as liquidity_signal
from riskcurve.signals import relative_strength as relative_strength_signal
from riskcurve.signals import volatility as volatility_signal
from riskcurve.signals.breakout import BreakoutParams, all_time_highs
from riskcurve.signals.cascade import LINKS, CascadeParams
from riskcurve.signals.regime import LINK_LABELS, Regime

__all__ = [
    "MAX_DAILY_POINTS",
    "altseason_chart",
    "breakout_chart",
    "cascade_chain_chart",
    "cascade_heatmap",
    "cycle_overlay_chart",
    "fan_chart",
    "frame_table",
    "leadlag_bars",
    "liquidity_chart",
    "ratio_chart",
    "regime_panel_table",
    "to_png",
    "volatility_chart",
    "write_pngs",
]

#: Daily frames longer than this are drawn weekly (last value of each week).
MAX_DAILY_POINTS = 3000
#: Caption lines are wrapped at this many characters.
CAPTION_WIDTH = 150
#: The pixel size PNGs are rendered at unless told otherwise.
PNG_WIDTH = 1200
PNG_HEIGHT = 600

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
    "Long daily series are drawn weekly (last value of each week) for display; "
    "markers and shaded periods keep their daily dates."
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


def _for_display(frame: _F) -> tuple[_F, bool]:
    """``frame`` itself, or its weekly last values when it is too long to draw day by day."""
    if len(frame) <= MAX_DAILY_POINTS or not isinstance(frame.index, pd.DatetimeIndex):
        return frame, False
    return resample_last(frame, "W"), True  # type: ignore[return-value]


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
        template=TEMPLATE,
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


# --- small caps: breakout and relative strength ---------------------------------------------------


def breakout_chart(
    bars: pd.DataFrame,
    signal_frame: pd.DataFrame,
    events: pd.DataFrame,
    *,
    symbol: str = "RUT",
    parameters: Mapping[str, Any] | None = None,
) -> go.Figure:
    """Closes with the running all-time highs, the bases (shaded) and the breakouts (marked).

    Parameters
    ----------
    bars
        The symbol's sessions (``close``, optionally ``high``), as given to the breakout signal.
    signal_frame
        ``SIGNALS["breakout"].compute(...)`` on the same bars (needs ``in_price_discovery``).
    events
        ``SIGNALS["breakout"].events(...)``: one row per breakout, indexed by its date, with
        ``base_start``, ``base_length``, ``old_high``, ``close_high_date``,
        ``intraday_high_date`` and ``confirmed_date``.
    symbol
        The symbol, for the title and the source line.
    parameters
        The breakout parameters used (defaults of :class:`BreakoutParams` when omitted).

    Returns
    -------
    plotly.graph_objects.Figure
        Close and all-time highs on a log axis; grey = the base each breakout left, green =
        price discovery; triangles = breakouts (hover: closing and intraday break dates),
        open triangles = the other basis' break, diamonds = confirmation.
    """
    bars = _check_frame("bars", bars, ["close"])
    signal_frame = _check_frame("signal_frame", signal_frame, ["in_price_discovery"])
    events = _check_frame(
        "events", events, ["base_start", "base_length", "old_high", "close_high_date", "intraday_high_date"]
    )
    params = _merged(asdict(BreakoutParams()), parameters)
    first, last = _span(bars.index, "bars")
    highs = all_time_highs(bars[[c for c in ("close", "high") if c in bars.columns]])
    shown, weekly = _for_display(
        pd.DataFrame({"close": bars["close"], "close_ath": highs["close_ath"], "high_ath": highs["high_ath"]})
    )
    fig = go.Figure()
    bases = list(zip(pd.DatetimeIndex(events["base_start"]), pd.DatetimeIndex(events.index), strict=True))
    _shade(fig, bases, COLORS["base"], "base")
    _shade(fig, _runs(signal_frame["in_price_discovery"]), COLORS["discovery"], "price discovery", strip=True)
    fig.add_trace(go.Scatter(x=shown.index, y=shown["close"], name=f"{symbol} close", line={"color": COLORS["price"]}))
    fig.add_trace(
        go.Scatter(
            x=shown.index,
            y=shown["close_ath"],
            name="all-time high (close)",
            line={"color": COLORS["ath"], "width": 1.2, "shape": "hv"},
        )
    )
    if "high" in bars.columns and bars["high"].notna().any():
        fig.add_trace(
            go.Scatter(
                x=shown.index,
                y=shown["high_ath"],
                name="all-time high (intraday)",
                line={"color": COLORS["ath_intraday"], "width": 1, "dash": "dot", "shape": "hv"},
            )
        )
    if len(events):
        close = bars["close"]

        def level(day: Any) -> float:
            return float(close.asof(pd.Timestamp(day))) if pd.notna(day) else float("nan")  # type: ignore[arg-type]

        def when(value: Any) -> str:
            return _day(value) if pd.notna(value) else "not yet"

        hover = [
            (
                f"breakout {_day(date)}<br>old high {r['old_high']:,.2f} set {_day(r['base_start'])}"
                f"<br>base {int(r['base_length'])} sessions"
                f"<br>closing break {when(r['close_high_date'])}"
                f"<br>intraday break {when(r['intraday_high_date'])}"
                + (
                    f"<br>confirmed {_day(r['confirmed_date'])}"
                    if "confirmed_date" in events.columns and pd.notna(r["confirmed_date"])
                    else "<br>not confirmed"
                )
            )
            for date, r in events.iterrows()
        ]
        fig.add_trace(
            go.Scatter(
                x=events.index,
                y=[level(d) for d in events.index],
                mode="markers",
                name=f"breakout ({params['basis']} basis)",
                marker={"symbol": "triangle-up", "size": 13, "color": COLORS["breakout"], "line": {"width": 1}},
                hovertext=hover,
                hoverinfo="text",
            )
        )
        other = "intraday_high_date" if params["basis"] == "close" else "close_high_date"
        other_dates = events[other][events[other].notna() & (events[other] != events.index.to_series())]
        if len(other_dates):
            fig.add_trace(
                go.Scatter(
                    x=list(other_dates),
                    y=[level(d) for d in other_dates],
                    mode="markers",
                    name=f"{'intraday' if other == 'intraday_high_date' else 'closing'} break of the same base",
                    marker={"symbol": "triangle-up-open", "size": 12, "color": COLORS["breakout"]},
                    hovertext=[
                        f"{other.split('_')[0]} high broke the base's old high on {_day(d)}" for d in other_dates
                    ],
                    hoverinfo="text",
                )
            )
        if "confirmed_date" in events.columns:
            confirmed = events["confirmed_date"].dropna()
            if len(confirmed):
                fig.add_trace(
                    go.Scatter(
                        x=list(confirmed),
                        y=[level(d) for d in confirmed],
                        mode="markers",
                        name=f"confirmed ({params['confirm_closes']} closes above)",
                        marker={"symbol": "diamond", "size": 8, "color": COLORS["confirm"]},
                        hovertext=[f"confirmed {_day(d)}" for d in confirmed],
                        hoverinfo="text",
                    )
                )
    fig.update_yaxes(type="log", title_text=f"{symbol} (log scale)")
    fig.update_xaxes(title_text="date")
    definition = (
        f"a breakout is the first new all-time high on the {params['basis']} after a base of at least "
        f"{params['min_base']} sessions without one (all-time = since {first}); the base (grey) runs from the "
        f"previous record to the breakout; confirmed once {params['confirm_closes']} consecutive closes stand above "
        f"the old high; green strip = price discovery (the last {params['confirm_closes']} closes above the old high). "
        f"{len(events)} breakout(s)."
    )
    return _finish(
        fig,
        title=f"{symbol}: all-time highs, bases and breakouts",
        definition=definition,
        first=first,
        last=last,
        sources=[symbol],
        note=" ".join(filter(None, [_parameter_text(params), _DOWNSAMPLED if weekly else ""])),
        height=560,
    )


def ratio_chart(
    rs_frame: pd.DataFrame,
    *,
    small: str = "RUT",
    large: str = "GSPC",
    parameters: Mapping[str, Any] | None = None,
) -> go.Figure:
    """The small-cap / large-cap ratio with its trend, and the streak of sessions small caps won.

    Parameters
    ----------
    rs_frame
        ``SIGNALS["relative-strength"].compute(...)``: ``ratio``, ``ratio_ma``, ``streak``.
    small, large
        The two symbols.
    parameters
        The parameters used (defaults of :func:`~riskcurve.signals.relative_strength.relative_strength`).
    """
    rs_frame = _check_frame("rs_frame", rs_frame, ["ratio", "ratio_ma", "streak"])
    params = _merged(_defaults(relative_strength_signal.relative_strength), parameters)
    first, last = _valid_span(rs_frame, "ratio", "rs_frame")
    shown, weekly = _for_display(rs_frame[["ratio", "ratio_ma", "streak"]].astype(float))
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.72, 0.28], vertical_spacing=0.05)
    fig.add_trace(
        go.Scatter(x=shown.index, y=shown["ratio"], name=f"{small}/{large}", line={"color": COLORS["price"]}),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(
            x=shown.index,
            y=shown["ratio_ma"],
            name=f"{params['trend_window']}-session mean",
            line={"color": COLORS["ath"], "width": 1},
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Bar(x=shown.index, y=shown["streak"], name="sessions ahead in a row", marker_color=COLORS["breakout"]),
        row=2,
        col=1,
    )
    fig.update_yaxes(title_text=f"{small} / {large}", row=1, col=1)
    fig.update_yaxes(title_text="streak", row=2, col=1)
    fig.update_xaxes(title_text="date", row=2, col=1)
    definition = (
        f"ratio = {small} close / {large} close on the sessions both traded; trend = its "
        f"{params['trend_window']}-session mean; streak = consecutive sessions on which {small}'s return beat "
        f"{large}'s."
    )
    return _finish(
        fig,
        title=f"Small caps against large caps: {small}/{large}",
        definition=definition,
        first=first,
        last=last,
        sources=[small, large],
        note=_DOWNSAMPLED if weekly else None,
    )


# --- liquidity ---------------------------------------------------------------------------------------


def liquidity_chart(
    liquidity_frame: pd.DataFrame,
    btc_close: pd.Series,
    *,
    parameters: Mapping[str, Any] | None = None,
    btc_symbol: str = "BTC",
) -> go.Figure:
    """Net liquidity against Bitcoin, on two axes, with the liquidity regime shaded.

    Parameters
    ----------
    liquidity_frame
        ``SIGNALS["liquidity"].compute(...)``: ``net_liquidity`` (USD billions) and ``regime``.
    btc_close
        Bitcoin's closes (any date index); drawn on a log axis on the right.
    parameters
        The regime parameters used (defaults of :func:`~riskcurve.signals.liquidity.liquidity_regime`).
    btc_symbol
        The symbol of ``btc_close``, for the legend and the source line.
    """
    frame = _check_frame("liquidity_frame", liquidity_frame, ["net_liquidity", "regime"])
    btc = _check_series("btc_close", btc_close).dropna()
    params = _merged(_defaults(liquidity_signal.liquidity_regime), parameters)
    first, last = _valid_span(frame, "net_liquidity", "liquidity_frame")
    btc_first, btc_last = _span(btc.index) if len(btc) else ("none", "none")
    regime = frame["regime"].astype(object)
    net, weekly = _for_display(frame["net_liquidity"].astype(float))
    btc_shown, btc_weekly = _for_display(btc.astype(float))
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    _shade(fig, _runs(regime == "expanding"), COLORS["expanding"], "expanding")
    _shade(fig, _runs(regime == "contracting"), COLORS["contracting"], "contracting")
    fig.add_trace(
        go.Scatter(x=net.index, y=net, name="net liquidity (bn USD)", line={"color": COLORS["liquidity"]}),
        secondary_y=False,
    )
    if len(btc_shown):
        fig.add_trace(
            go.Scatter(x=btc_shown.index, y=btc_shown, name=f"{btc_symbol} close", line={"color": COLORS["btc"]}),
            secondary_y=True,
        )
    fig.update_yaxes(title_text="net liquidity, USD billions", secondary_y=False)
    # tickmode "auto": a secondary axis otherwise syncs its ticks to the primary grid, which on a
    # log axis puts them at odd values.
    fig.update_yaxes(
        title_text=f"{btc_symbol}, USD (log scale)", type="log", secondary_y=True, showgrid=False, tickmode="auto"
    )
    fig.update_xaxes(title_text="date")
    definition = (
        "net liquidity = Fed total assets (WALCL) - Treasury General Account (WTREGEN) - overnight reverse repo "
        "(RRPONTSYD), in USD billions, each as published by that day; regime (shaded) = expanding when the "
        f"{params['change'].removeprefix('chg_')} change exceeds +{params['threshold_pct']:.0%} of the level, "
        f"contracting below -{params['threshold_pct']:.0%}, flat otherwise, switching only after a new label held "
        f"{params['min_days']} days."
    )
    return _finish(
        fig,
        title=f"Net liquidity and {btc_symbol}",
        definition=definition,
        first=min(first, btc_first) if len(btc) else first,
        last=max(last, btc_last) if len(btc) else last,
        sources=["WALCL", "WTREGEN", "RRPONTSYD", btc_symbol],
        note=f"Net liquidity {first} to {last}; {btc_symbol} {btc_first} to {btc_last}."
        + (" " + _DOWNSAMPLED if weekly or btc_weekly else ""),
    )


# --- the cascade ---------------------------------------------------------------------------------------


def cascade_heatmap(cascade_frame: pd.DataFrame, *, parameters: Mapping[str, Any] | None = None) -> go.Figure:
    """The cascade as a timeline: one row per link of the chain, lit / dark / unknown over time.

    Parameters
    ----------
    cascade_frame
        ``SIGNALS["cascade"].compute(...)``: the link columns, ``score_<link>`` and ``stage``.
        A link is *unknown* on a day none of its sub-conditions is known (its score is NaN).
    parameters
        The cascade parameters used (defaults of :class:`~riskcurve.signals.cascade.CascadeParams`).
    """
    frame = _check_frame("cascade_frame", cascade_frame, [*LINKS, *(f"score_{link}" for link in LINKS), "stage"])
    params = _merged(asdict(CascadeParams()), parameters)
    first, last = _span(frame.index, "cascade_frame")
    # 0 unknown, 1 dark, 2 lit; drawn with a three-colour discrete scale.
    codes = pd.DataFrame(
        {link: np.where(frame[f"score_{link}"].isna(), 0, np.where(frame[link].astype(bool), 2, 1)) for link in LINKS},
        index=frame.index,
    )
    codes["stage"] = frame["stage"]
    shown, weekly = _for_display(codes.astype(float))
    labels = [LINK_LABELS[link] for link in LINKS]
    state_names = np.array(["unknown", "dark", "lit"])
    text = [[state_names[int(v)] for v in shown[link]] for link in LINKS]
    scale = [
        [0.0, COLORS["unknown"]],
        [1 / 3, COLORS["unknown"]],
        [1 / 3, COLORS["dark"]],
        [2 / 3, COLORS["dark"]],
        [2 / 3, COLORS["lit"]],
        [1.0, COLORS["lit"]],
    ]
    fig = go.Figure(
        go.Heatmap(
            x=shown.index,
            y=labels,
            z=[shown[link].to_numpy() for link in LINKS],
            zmin=-0.5,
            zmax=2.5,
            colorscale=scale,
            text=text,
            customdata=np.tile(shown["stage"].to_numpy(), (len(LINKS), 1)),
            hovertemplate="%{x|%Y-%m-%d}<br>%{y}: %{text}<br>stage %{customdata:.0f}/5<extra></extra>",
            colorbar={"tickvals": [0, 1, 2], "ticktext": ["unknown", "dark", "lit"], "title": {"text": "link"}},
            xgap=0,
            ygap=2,
        )
    )
    fig.update_yaxes(autorange="reversed", title_text="link of the chain (earliest at top)")
    fig.update_xaxes(title_text="date")
    fig.update_layout(hovermode="closest")
    definition = (
        "each link is scored on trend and relative strength: bonds & credit (10-year yield calm, high-yield spread "
        "below its mean or falling), large caps (S&P 500 above its long mean, short mean above long), small caps "
        "(the same on the Russell 2000, plus RUT/GSPC above its mean), Bitcoin (trend), ETH & alts (ETH trend, plus "
        "ETH/BTC above its mean or alt breadth); a link is lit once its rule held "
        f"{params['min_days']} days in a row; unknown = none of its inputs known that day."
    )
    fig = _finish(
        fig,
        title="The cascade along the risk curve: which links are lit",
        definition=definition,
        first=first,
        last=last,
        sources=["DGS10", "BAMLH0A0HYM2", "GSPC", "RUT", "BTC", "ETH", "altcoin basket"],
        note=" ".join(filter(None, [_parameter_text(params), _DOWNSAMPLED if weekly else ""])),
        height=420,
    )
    fig.update_layout(hovermode="closest")
    return fig


def cascade_chain_chart(regime: Regime) -> go.Figure:
    """Today's chain at a glance: the five links left to right, lit or dark, with the date of the change."""
    if not isinstance(regime, Regime):
        raise TypeError(f"regime must be a riskcurve Regime, got {type(regime).__name__}")
    try:
        item = regime.item("cascade")
    except KeyError:
        raise ValueError(
            f"the regime of {regime.as_of} has no cascade item: "
            + "; ".join(f"{name}: {reason}" for name, reason in regime.unavailable if name == "cascade")
        ) from None
    links = item.state["links"]
    xs = list(range(len(LINKS)))
    lit = [bool(links[link]["lit"]) for link in LINKS]
    labels = [
        f"<b>{LINK_LABELS[link]}</b><br>{'lit' if on else 'dark'}"
        + (f" since {links[link]['since']}" if links[link]["since"] else "")
        for link, on in zip(LINKS, lit, strict=True)
    ]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=xs, y=[0] * len(xs), mode="lines", line={"color": "#aaaaaa", "width": 3}, hoverinfo="skip")
    )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=[0] * len(xs),
            mode="markers+text",
            marker={
                "size": 44,
                "color": [COLORS["lit"] if on else COLORS["dark"] for on in lit],
                "line": {"width": 2, "color": "#ffffff"},
            },
            text=labels,
            textposition="bottom center",
            cliponaxis=False,
            hovertext=[
                f"{LINK_LABELS[link]}: score {links[link]['score']:.2f}" if links[link]["score"] is not None else ""
                for link in LINKS
            ],
            hoverinfo="text",
            showlegend=False,
        )
    )
    fig.update_xaxes(visible=False, range=[-0.6, len(LINKS) - 0.4])
    fig.update_yaxes(visible=False, range=[-1.2, 0.5])
    dates = [d for source in item.sources.values() for d in source if d]
    fig = _finish(
        fig,
        title=f"Cascade on {regime.as_of.isoformat()}: stage {item.state['stage']}/5",
        definition="stage = the number of consecutive lit links counted from bonds & credit; "
        "amber = lit, dark = not lit; the date is the last time the link changed state. "
        + _first_line(item.definition),
        first=min(dates) if dates else regime.as_of.isoformat(),
        last=max(dates) if dates else regime.as_of.isoformat(),
        sources=list(item.sources),
        note=("Stale inputs: " + ", ".join(item.stale)) if item.stale else None,
        height=290,
    )
    fig.update_layout(showlegend=False, hovermode="closest")
    return fig


def _first_line(text: str) -> str:
    return " ".join(text.split("\n\n")[0].split())


# --- crypto: halving cycle, altseason, volatility -----------------------------------------------------


def cycle_overlay_chart(overlay_frame: pd.DataFrame, *, symbol: str = "BTC", anchor_name: str = "halving") -> go.Figure:
    """Every cycle from its anchor, on one axis: the multiple of the anchor-day close.

    Parameters
    ----------
    overlay_frame
        :func:`riskcurve.signals.cycle.cycle_overlay`: index ``days_since_anchor``, one column
        per anchor date, values ``close(anchor + d) / close(anchor) - 1``.
    symbol
        The symbol overlaid.
    anchor_name
        What the anchors are (``"halving"``, ``"RUT breakout"``...), for the legend and caption.
    """
    frame = _check_frame("overlay_frame", overlay_frame, dated=False)
    if not pd.api.types.is_integer_dtype(frame.index):
        raise TypeError("overlay_frame must be indexed by whole days since the anchor (cycle_overlay's output)")
    anchors = pd.DatetimeIndex(pd.to_datetime(list(frame.columns)))
    empty = [a for a, c in zip(anchors, frame.columns, strict=True) if frame[c].isna().all()]
    drawn = [(a, c) for a, c in zip(anchors, frame.columns, strict=True) if frame[c].notna().any()]
    if not drawn:
        raise ValueError("overlay_frame has no anchor with data to draw")
    fig = go.Figure()
    ends = []
    for number, (anchor, column) in enumerate(drawn):
        path = frame[column].dropna()
        ends.append(anchor + pd.Timedelta(days=int(path.index.max())))
        fig.add_trace(
            go.Scatter(
                x=path.index,
                y=1.0 + path.to_numpy(),
                name=f"{anchor_name} {_day(anchor)}",
                line={"color": SERIES_COLORS[number % len(SERIES_COLORS)]},
                hovertemplate=f"{anchor_name} {_day(anchor)}<br>day %{{x}}: %{{y:.2f}}x<extra></extra>",
            )
        )
    fig.add_hline(y=1.0, line={"color": "#888888", "width": 1, "dash": "dot"})
    fig.update_yaxes(type="log", title_text=f"{symbol} close / close on the {anchor_name} day (log scale)")
    fig.update_xaxes(title_text=f"calendar days since the {anchor_name}")
    fig.update_layout(hovermode="closest")
    note = f"No {symbol} data on: {', '.join(_day(a) for a in empty)}." if empty else None
    fig = _finish(
        fig,
        title=f"{symbol} cycles aligned on each {anchor_name}",
        definition=f"value on day d = {symbol} close on ({anchor_name} date + d) / close on the {anchor_name} date "
        f"(last close on or before the day, carried at most 4 days); {anchor_name} dates "
        + ("from Bitcoin's block schedule." if anchor_name == "halving" else "as given.")
        + " A historical overlay that looks forward from each anchor, not a signal.",
        first=_day(drawn[0][0]),
        last=_day(max(ends)),
        sources=[symbol],
        note=note,
    )
    fig.update_layout(hovermode="closest")
    return fig


def altseason_chart(
    altseason_frame: pd.DataFrame,
    *,
    parameters: Mapping[str, Any] | None = None,
    basket: Sequence[str] | None = None,
) -> go.Figure:
    """Share of the altcoin basket beating BTC over the window, with the threshold, and ETH/BTC.

    Parameters
    ----------
    altseason_frame
        ``SIGNALS["altseason"].compute(...)``: ``share``, ``members``, ``beating``,
        ``altseason``, ``eth_btc``.
    parameters
        The parameters used (defaults of :func:`~riskcurve.signals.altseason.altseason`): the
        share is drawn only where at least ``min_members`` coins had a full window.
    basket
        The coins, for the source line (default: "altcoin basket").
    """
    frame = _check_frame("altseason_frame", altseason_frame, ["share", "members", "beating", "altseason", "eth_btc"])
    params = _merged(_defaults(altseason_signal.altseason), parameters)
    params.pop("basket", None)
    threshold = float(params["threshold"])
    known = frame["members"] >= int(params["min_members"])
    share = (frame["share"] * 100.0).where(known)
    if share.notna().any():
        first, last = _valid_span(share, what="altseason_frame share")
        scarce = None
    else:
        # Early history: the chart still shows ETH/BTC, and says why the share is missing.
        first, last = (
            _valid_span(frame, "eth_btc") if frame["eth_btc"].notna().any() else _span(frame.index, "altseason_frame")
        )
        scarce = f"No day yet with at least {params['min_members']} coins with a full {params['window']}-day window."
    shown, weekly = _for_display(
        pd.DataFrame({"share": share, "members": frame["members"].astype(float), "eth_btc": frame["eth_btc"]})
    )
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3], vertical_spacing=0.05)
    fig.add_trace(
        go.Scatter(
            x=shown.index,
            y=shown["share"],
            name=f"share beating {params['base']}",
            line={"color": COLORS["eth"]},
            customdata=shown["members"],
            hovertemplate="%{y:.0f}% of %{customdata:.0f} coins<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_hline(
        y=threshold * 100,
        line={"color": COLORS["ath"], "dash": "dash", "width": 1},
        annotation_text=f"{threshold:.0%} threshold",
        annotation_position="top left",
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Scatter(x=shown.index, y=shown["eth_btc"], name="ETH/BTC", line={"color": COLORS["dark"], "width": 1}),
        row=2,
        col=1,
    )
    _shade(fig, _runs(frame["altseason"]), COLORS["expanding"], "altseason")
    fig.update_yaxes(title_text=f"% of coins beating {params['base']}", range=[0, 100], row=1, col=1)
    fig.update_yaxes(title_text="ETH / BTC", row=2, col=1)
    fig.update_xaxes(title_text="date", row=2, col=1)
    coins = list(basket) if basket else ["altcoin basket"]
    definition = (
        f"share = coins of the basket whose {params['window']}-day return beat {params['base']}'s, among those with "
        f"a full window; altseason (shaded) when the share is at least {threshold:.0%} with at least "
        f"{params['min_members']} coins; not drawn where fewer coins have data. ETH/BTC below."
    )
    return _finish(
        fig,
        title="Altcoin season",
        definition=definition,
        first=first,
        last=last,
        sources=[str(params["base"]), "ETH", *coins],
        note=" ".join(filter(None, [scarce, _DOWNSAMPLED if weekly else ""])) or None,
    )


def volatility_chart(
    vol_frame: pd.DataFrame, *, symbol: str = "BTC", parameters: Mapping[str, Any] | None = None
) -> go.Figure:
    """Realized volatility, its percentile in its own history, and record lows.

    Parameters
    ----------
    vol_frame
        ``SIGNALS["volatility"].compute(...)``: ``vol_<w>d``, ``percentile_<w>d`` and
        ``record_low_<w>d`` for each window ``w``.
    symbol
        The symbol.
    parameters
        The parameters used (defaults of :func:`~riskcurve.signals.volatility.realized_volatility`).
    """
    frame = _check_frame("vol_frame", vol_frame)
    windows = sorted(int(c[4:-1]) for c in frame.columns if c.startswith("vol_") and c.endswith("d"))
    if not windows:
        raise ValueError(f"vol_frame has no vol_<w>d column; it has: {', '.join(map(str, frame.columns))}")
    _check_frame("vol_frame", frame, [f"percentile_{w}d" for w in windows])
    params = _merged(_defaults(volatility_signal.realized_volatility), parameters)
    params.pop("windows", None)
    first, last = _valid_span(frame, f"vol_{windows[0]}d", "vol_frame")
    numeric = frame[[f"vol_{w}d" for w in windows] + [f"percentile_{w}d" for w in windows]].astype(float) * 100.0
    shown, weekly = _for_display(numeric)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.62, 0.38], vertical_spacing=0.05)
    for number, w in enumerate(windows):
        color = SERIES_COLORS[number % len(SERIES_COLORS)]
        fig.add_trace(
            go.Scatter(x=shown.index, y=shown[f"vol_{w}d"], name=f"{w}-day", line={"color": color, "width": 1.2}),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=shown.index,
                y=shown[f"percentile_{w}d"],
                name=f"{w}-day percentile",
                line={"color": color, "width": 1},
            ),
            row=2,
            col=1,
        )
        lows = f"record_low_{w}d"
        if lows in frame.columns and frame[lows].any():
            days = frame.index[frame[lows].astype(bool).to_numpy()]
            fig.add_trace(
                go.Scatter(
                    x=days,
                    y=frame.loc[days, f"vol_{w}d"] * 100.0,
                    mode="markers",
                    name=f"{w}-day record low",
                    marker={"symbol": "triangle-down", "size": 8, "color": color, "line": {"width": 1}},
                ),
                row=1,
                col=1,
            )
    fig.update_yaxes(title_text="annualised volatility, %", row=1, col=1)
    fig.update_yaxes(title_text="percentile, %", range=[0, 100], row=2, col=1)
    fig.update_xaxes(title_text="date", row=2, col=1)
    definition = (
        f"volatility = sqrt({params['periods_per_year']}) x the standard deviation of the last w daily log returns "
        f"of {symbol} (w = {', '.join(map(str, windows))}); percentile = share of all earlier values (the day "
        f"included) at or below today's, never the full-sample rank; record low = below every earlier value, with "
        f"at least {params['min_history']} of them."
    )
    return _finish(
        fig,
        title=f"{symbol} realized volatility",
        definition=definition,
        first=first,
        last=last,
        sources=[symbol],
        note=_DOWNSAMPLED if weekly else None,
    )


# --- the regime at a glance, and tables ---------------------------------------------------------------


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
        return f"{value:,.4g}"
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
        through = min((b for _, b in known), default="")
        rows.append(
            {
                "signal": item.name,
                "state": item.headline,
                "data through": through,
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
        "the row's inputs.",
        first=min(firsts) if firsts else day,
        last=max(lasts) if lasts else day,
        sources=sources,
        column_widths=[1.3, 7.0, 1.3, 1.3],
    )


# --- statistics: event-study fan charts and lead-lag bars --------------------------------------------


def _quantile_columns(band: pd.DataFrame) -> dict[float, Any]:
    out: dict[float, Any] = {}
    for column in band.columns:
        try:
            q = float(column)
        except (TypeError, ValueError):
            raise ValueError(f"band columns must be quantiles between 0 and 1, got {column!r}") from None
        if not 0.0 < q < 1.0:
            raise ValueError(f"band columns must be quantiles strictly between 0 and 1, got {column!r}")
        out[q] = column
    return out


def fan_chart(
    paths: pd.DataFrame,
    band: pd.DataFrame,
    *,
    event: str = "RUT breakout",
    target: str = "BTC",
    kind: str = "simple",
    definition: str | None = None,
    sources: Sequence[str] | None = None,
    data_range: tuple[str, str] | None = None,
) -> go.Figure:
    """Forward paths of ``target`` after each event, against the band of all-days baseline paths.

    Parameters
    ----------
    paths
        Index = bars after the event (0..H); one column per event (its date), values = the
        cumulative return of ``target`` from the event bar.
    band
        Index as ``paths``; columns = quantiles (e.g. 0.05, 0.25, 0.5, 0.75, 0.95) of the
        baseline cumulative return at each horizon.
    event, target
        What the events are and what is measured, for the title and the caption.
    kind
        ``"simple"`` or ``"log"``: which cumulative return ``paths`` and ``band`` hold.
    definition
        Overrides the default definition text (the statistics module knows the exact baseline).
    sources
        Source symbols (default: ``target`` and the event's first word).
    data_range
        ``(first, last)`` of the data behind the figure; default: the first and last event date
        when the columns are dates (the paths then reach ``H`` bars beyond the last one).
    """
    paths = _check_frame("paths", paths, dated=False)
    band = _check_frame("band", band, dated=False)
    if paths.shape[1] == 0:
        raise ValueError("paths has no event column: there is nothing to draw")
    if not pd.api.types.is_integer_dtype(paths.index) or (len(paths.index) and paths.index.min() < 0):
        raise ValueError("paths must be indexed by whole bars after the event (0, 1, ..., H)")
    if not band.index.isin(paths.index).all():
        raise ValueError("band must be indexed by the same bars after the event as paths")
    if kind not in ("simple", "log"):
        raise ValueError(f"kind must be 'simple' or 'log', got {kind!r}")
    returns = "cumulative log return" if kind == "log" else "cumulative return"
    quantiles = _quantile_columns(band)
    fig = go.Figure()
    pairs = sorted((q, 1.0 - q) for q in quantiles if q < 0.5 and any(math.isclose(1.0 - q, p) for p in quantiles))
    for number, (low, high) in enumerate(pairs):
        high_column = next(quantiles[p] for p in quantiles if math.isclose(p, high))
        name = f"baseline {low:.0%}-{high:.0%}"
        fill = COLORS["band_outer"] if number == 0 else COLORS["band_inner"]
        fig.add_trace(
            go.Scatter(
                x=band.index,
                y=band[quantiles[low]] * 100,
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
                legendgroup=name,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=band.index,
                y=band[high_column] * 100,
                line={"width": 0},
                fill="tonexty",
                fillcolor=fill,
                name=name,
                legendgroup=name,
                hovertemplate=f"{name}: %{{y:.1f}}%<extra></extra>",
            )
        )
    median = next((quantiles[q] for q in quantiles if math.isclose(q, 0.5)), None)
    if median is not None:
        fig.add_trace(
            go.Scatter(
                x=band.index,
                y=band[median] * 100,
                name="baseline median",
                line={"color": COLORS["median"], "dash": "dash"},
            )
        )
    for number, column in enumerate(paths.columns):
        label = _day(column) if isinstance(column, pd.Timestamp) else str(column)
        fig.add_trace(
            go.Scatter(
                x=paths.index,
                y=paths[column] * 100,
                name=f"after {label}",
                line={"color": SERIES_COLORS[number % len(SERIES_COLORS)], "width": 1.5},
                hovertemplate=f"{label}: %{{y:.1f}}%<extra></extra>",
            )
        )
    if paths.shape[1] > 1:
        fig.add_trace(
            go.Scatter(
                x=paths.index,
                # Only where every event has a value: past the shortest path the "mean" would
                # silently become the mean of fewer events.
                y=paths.mean(axis=1, skipna=False) * 100,
                name="mean of the events",
                line={"color": "#000000", "width": 3},
            )
        )
    fig.add_hline(y=0, line={"color": "#888888", "width": 1})
    fig.update_xaxes(title_text="bars after the event")
    fig.update_yaxes(title_text=f"{target} {returns}, %")
    dated = [c for c in paths.columns if isinstance(c, pd.Timestamp)]
    if data_range is None:
        if not dated:
            raise ValueError("pass data_range=(first, last) when the paths' columns are not event dates")
        data_range = (_day(min(dated)), _day(max(dated)))
    text = definition or (
        f"each line is {target}'s {returns} from its entry close after an event ({event}) to each later bar; "
        f"the bands are quantiles of the same forward return from every day (the unconditional baseline). "
        f"{paths.shape[1]} event(s): with so few, the lines show what happened, not what to expect."
    )
    return _finish(
        fig,
        title=f"{target} after each {event}, against any day",
        definition=text,
        first=data_range[0],
        last=data_range[1],
        sources=list(sources) if sources else [target, event.split()[0]],
        note=(
            f"Events: {', '.join(_day(d) for d in sorted(dated))}; each path runs up to {int(paths.index.max())} "
            "bars after entry (less where the data ends)."
        )
        if dated
        else None,
    )


def leadlag_bars(
    ccf: pd.DataFrame,
    *,
    lead: str,
    lag: str,
    freq: str = "D",
    definition: str | None = None,
    data_range: tuple[str, str],
    sources: Sequence[str] | None = None,
) -> go.Figure:
    """Cross-correlation at each lag as bars, with the confidence band; bars outside it stand out.

    Parameters
    ----------
    ccf
        Columns ``lag``, ``corr``, ``band_low``, ``band_high`` (one row per lag).
    lead, lag
        The two symbols.
    freq
        The return frequency (``D``, ``W`` or ``M``), for the axis title.
    definition
        The exact definition (lag sign convention, band method) from the statistics module;
        a generic one is used when omitted.
    data_range
        ``(first, last)`` date of the returns behind the correlations.
    sources
        Source symbols (default: ``lead`` and ``lag``).
    """
    frame = _check_frame("ccf", ccf, ["lag", "corr", "band_low", "band_high"], dated=False)
    if len(frame) == 0:
        raise ValueError("ccf has no rows: there is nothing to draw")
    if not (isinstance(data_range, tuple) and len(data_range) == 2):
        raise TypeError("data_range must be a (first, last) tuple of dates")
    frame = frame.sort_values("lag")
    outside = (frame["corr"] < frame["band_low"]) | (frame["corr"] > frame["band_high"])
    unit = {"D": "days", "W": "weeks", "M": "months"}.get(freq, freq)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=frame["lag"], y=frame["band_low"], line={"width": 0, "shape": "hvh"}, showlegend=False, hoverinfo="skip"
        )
    )
    fig.add_trace(
        go.Scatter(
            x=frame["lag"],
            y=frame["band_high"],
            line={"width": 0, "shape": "hvh"},
            fill="tonexty",
            fillcolor=COLORS["band_outer"],
            name="band",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Bar(
            x=frame["lag"],
            y=frame["corr"],
            name="correlation",
            marker_color=[COLORS["significant"] if o else COLORS["insignificant"] for o in outside],
            customdata=np.column_stack([frame["band_low"], frame["band_high"]]),
            hovertemplate="lag %{x}: %{y:.3f} (band %{customdata[0]:.3f} to %{customdata[1]:.3f})<extra></extra>",
        )
    )
    fig.add_hline(y=0, line={"color": "#888888", "width": 1})
    fig.update_xaxes(title_text=f"lag, {unit}")
    fig.update_yaxes(title_text="correlation")
    text = definition or (
        f"bar at lag k = correlation of {lead}'s return at t with {lag}'s return at t + k (k > 0: {lead} moves "
        f"first); shaded = the band given with the correlations (no correlation at that lag); red bars lie outside "
        f"it. {int(outside.sum())} of {len(frame)} lags outside."
    )
    fig = _finish(
        fig,
        title=f"Lead-lag: {lead} against {lag} ({unit})",
        definition=text,
        first=str(data_range[0]),
        last=str(data_range[1]),
        sources=list(sources) if sources else [lead, lag],
    )
    fig.update_layout(hovermode="closest", bargap=0.2)
    return fig


# --- PNG export -----------------------------------------------------------------------------------------

#: Executable names of Chromium-based browsers, tried in order on ``PATH``.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def find_browser(browser: str | os.PathLike[str] | None = None) -> str:
    """The Chromium-based browser PNG export drives.

    ``browser`` when given, else ``$BROWSER_PATH`` (the variable kaleido's browser driver,
    choreographer, reads itself), else the first of :data:`BROWSER_NAMES` found on ``PATH``.

    Raises
    ------
    FileNotFoundError
        If none is found; the message says how to install one.
    """
    if browser is not None:
        if not Path(browser).is_file():
            raise FileNotFoundError(f"browser {browser} does not exist")
        return str(browser)
    candidates = [os.environ.get("BROWSER_PATH"), *(shutil.which(name) for name in BROWSER_NAMES)]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    raise FileNotFoundError(
        "PNG export needs a Chromium-based browser and none was found: install one "
        "(Debian/Ubuntu: apt-get install chromium) or set BROWSER_PATH to its executable"
    )


async def _render(figures: Sequence[go.Figure], options: Sequence[dict[str, Any]], browser: str) -> list[bytes]:
    import kaleido  # imported here: only PNG export needs it (an optional dependency of plotly)

    # mathjax=False: nothing here uses LaTeX, and kaleido would otherwise load MathJax from a CDN.
    # plotly.js itself comes from the plotly package on disk, so rendering needs no network.
    async with kaleido.Kaleido(n=1, mathjax=False, path=browser) as renderer:
        return [await renderer.calc_fig(fig.to_dict(), opts=opts) for fig, opts in zip(figures, options, strict=True)]


def _run_in_thread(work: Callable[[], Any]) -> Any:
    # asyncio.run cannot run inside a running event loop (Jupyter, Dash under an async server):
    # a fresh thread always has none.
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed back to the caller's thread below
            outcome["error"] = error

    thread = threading.Thread(target=target, name="riskcurve-png", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def write_pngs(
    figures: Mapping[str | os.PathLike[str], go.Figure],
    *,
    width: int = PNG_WIDTH,
    height: int | None = None,
    scale: float = 1.0,
    browser: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Render several figures to PNG files with one browser session.

    Parameters
    ----------
    figures
        ``{path: figure}``; parent folders are created.
    width, height
        Size in layout pixels; ``height`` defaults to each figure's own height (or :data:`PNG_HEIGHT`).
    scale
        Pixel density (2 for sharp images on high-DPI screens).
    browser
        The Chromium-based browser to drive (see :func:`find_browser`).

    Returns
    -------
    list of pathlib.Path
        The files written, in the order given.
    """
    if not isinstance(figures, Mapping):
        raise TypeError(f"figures must be a mapping of path -> Figure, got {type(figures).__name__}")
    for path, fig in figures.items():
        if not isinstance(fig, go.Figure):
            raise TypeError(f"figures[{str(path)!r}] must be a plotly Figure, got {type(fig).__name__}")
    for name, value in (("width", width), ("height", height)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 50):
            raise ValueError(f"{name} must be an integer number of pixels >= 50, got {value!r}")
    if not (isinstance(scale, int | float) and 0 < scale <= 8):
        raise ValueError(f"scale must be a number in (0, 8], got {scale!r}")
    try:
        import kaleido  # noqa: F401 - checked here so the error comes before any work
    except ImportError:
        raise ImportError(
            "PNG export needs the kaleido package (pip install 'kaleido>=1'), which drives the system Chromium"
        ) from None
    executable = find_browser(browser)
    paths = [Path(p) for p in figures]
    figs = list(figures.values())
    options = [
        {"format": "png", "width": width, "height": height or fig.layout.height or PNG_HEIGHT, "scale": scale}
        for fig in figs
    ]
    images = _run_in_thread(lambda: asyncio.run(_render(figs, options, executable)))
    for path, image in zip(paths, images, strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(image)
    return paths


def to_png(
    fig: go.Figure,
    path: str | os.PathLike[str],
    *,
    width: int = PNG_WIDTH,
    height: int | None = None,
    scale: float = 1.0,
    browser: str | os.PathLike[str] | None = None,
) -> Path:
    """Render one figure to a PNG file, exactly as plotly draws it, using the system's Chromium.

    plotly's renderer (kaleido) drives a Chromium-based browser found by :func:`find_browser`
    (``/usr/bin/chromium`` on Debian), headless and without its sandbox (so it also runs as root
    in containers); plotly.js is loaded from the installed plotly package and MathJax is off,
    so nothing is fetched from the network and no browser is downloaded.

    Parameters
    ----------
    fig
        The figure.
    path
        The PNG file to write (its folder is created).
    width, height, scale, browser
        See :func:`write_pngs`.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    FileNotFoundError
        If no Chromium-based browser is found.
    """
    return write_pngs({path: fig}, width=width, height=height, scale=scale, browser=browser)[0]
