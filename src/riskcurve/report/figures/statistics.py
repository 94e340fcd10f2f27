"""Statistics: event-study fan charts and lead-lag bars."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from riskcurve import numbers
from riskcurve.report.figures._base import COLORS, SERIES_COLORS, _check_frame, _day, _finish


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
        name = f"baseline {numbers.percent(low, 0)}-{numbers.percent(high, 0)}"
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
