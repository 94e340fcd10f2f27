"""The monitor's track record: the reliability diagram and the skill over time.

Both draw what :mod:`riskcurve.monitor.track_record` computed (reliability tables and skill
curves); nothing here scores anything. Each chart has one view per horizon (and the reliability
diagram one pooling every horizon), chosen with buttons above the plot, so the self-contained
report needs no server to switch between them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from riskcurve import numbers
from riskcurve.report.figures._base import COLORS, _check_frame, _finish

__all__ = ["reliability_chart", "skill_over_time_chart"]

RELIABILITY_COLUMNS = ("low", "high", "n", "mean_forecast", "observed")
SKILL_COLUMNS = ("n", "skill", "skill_low", "skill_high")


def _label(key: str) -> str:
    return f"{key} sessions" if key.isdigit() else "all horizons"


def _buttons(labels: Sequence[str], visible: Sequence[Sequence[bool]], active: int) -> list[dict[str, object]]:
    return [
        {
            "type": "buttons",
            "direction": "right",
            "active": active,
            "x": 1.0,
            "xanchor": "right",
            "y": 1.0,
            "yanchor": "bottom",
            "pad": {"b": 4},
            "showactive": True,
            "buttons": [
                {"label": label, "method": "restyle", "args": [{"visible": list(shown)}]}
                for label, shown in zip(labels, visible, strict=True)
            ],
        }
    ]


def reliability_chart(
    tables: Mapping[str, pd.DataFrame],
    *,
    default: str | None = None,
    first: str,
    last: str,
    sources: Sequence[str] = ("digest back-fill",),
    note: str | None = None,
) -> go.Figure:
    """Forecast probability against how often the event happened, per bin, with the diagonal.

    Parameters
    ----------
    tables
        ``key -> reliability table`` (columns ``low``, ``high``, ``n``, ``mean_forecast``,
        ``observed``, as :func:`riskcurve.stats.scoring.reliability_table`); a key of digits
        is a horizon in sessions, any other pools every horizon.
    default
        The key shown first (default: the last one).
    first, last
        The first and last day a scored forecast was issued.
    sources
        What the forecasts came from, for the caption.
    note
        An extra caption line.

    Returns
    -------
    plotly.graph_objects.Figure
        Top: the mean forecast of each bin (x) against the observed frequency (y), points sized
        by the number of forecasts, each labelled with it; the diagonal of perfect reliability.
        Bottom: the number of forecasts per bin (the sharpness: how often each probability was
        given).
    """
    if not tables:
        raise ValueError("tables is empty: no forecast has been scored yet, so there is no reliability to draw")
    keys = list(tables)
    chosen = default if default is not None else keys[-1]
    if chosen not in tables:
        raise ValueError(f"default must be one of {', '.join(keys)}, got {chosen!r}")
    frames = {key: _check_frame(f"tables[{key!r}]", tables[key], RELIABILITY_COLUMNS, dated=False) for key in keys}
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.74, 0.26], vertical_spacing=0.06)
    fig.add_trace(
        go.Scatter(
            x=[0, 1],
            y=[0, 1],
            mode="lines",
            name="perfectly reliable",
            line={"color": COLORS["insignificant"], "dash": "dash", "width": 1},
            hoverinfo="skip",
        ),
        row=1,
        col=1,
    )
    visible: list[list[bool]] = []
    for key in keys:
        frame = frames[key]
        shown = key == chosen
        counts = frame["n"].astype(int)
        largest = max(int(counts.max()), 1) if len(counts) else 1
        label = _label(key)
        fig.add_trace(
            go.Scatter(
                x=frame["mean_forecast"],
                y=frame["observed"],
                mode="lines+markers+text",
                name=f"observed ({label})",
                text=[numbers.count(n) for n in counts],
                textposition="top center",
                textfont={"size": 10, "color": "#555555"},
                marker={"size": [8 + 16 * (n / largest) ** 0.5 for n in counts], "color": COLORS["median"]},
                line={"color": COLORS["median"], "width": 1},
                customdata=frame[["low", "high", "n"]].to_numpy(),
                hovertemplate=(
                    "forecasts %{customdata[0]:.0%}-%{customdata[1]:.0%}: %{customdata[2]:,} given<br>"
                    "mean forecast %{x:.1%}, happened %{y:.1%}<extra></extra>"
                ),
                visible=shown,
                meta=key,
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Bar(
                x=(frame["low"] + frame["high"]) / 2,
                y=counts,
                width=(frame["high"] - frame["low"]) * 0.9,
                name=f"forecasts per bin ({label})",
                marker={"color": COLORS["band_inner"]},
                hovertemplate="%{y:,} forecasts<extra></extra>",
                showlegend=False,
                visible=shown,
                meta=key,
            ),
            row=2,
            col=1,
        )
        visible.append([True, *(k == key for k in keys for _ in (0, 1))])
    fig.update_xaxes(range=[0, 1], tickformat=".0%", row=1, col=1)
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title_text="forecast probability", row=2, col=1)
    fig.update_yaxes(range=[-0.02, 1.05], tickformat=".0%", title_text="how often it happened", row=1, col=1)
    fig.update_yaxes(title_text="forecasts", rangemode="tozero", row=2, col=1)
    definition = (
        "every closed next-link probability the digest gave (all links pooled), grouped into tenths of "
        "probability; each point is a bin's mean forecast against the share of those forecasts whose link lit "
        "within the horizon, labelled with the number of forecasts. On the dashed diagonal a forecaster is "
        "reliable; below it, too confident the link lights; above it, not confident enough. The bars show how "
        "often each probability was given. Overlapping windows: neighbouring weeks' forecasts are not independent."
    )
    fig = _finish(
        fig,
        title="Reliability of the digest's probabilities",
        definition=definition,
        first=first,
        last=last,
        sources=sources,
        note=note,
        height=560,
    )
    fig.update_layout(
        hovermode="closest",
        updatemenus=_buttons([_label(k) for k in keys], visible, keys.index(chosen)),
    )
    return fig


def skill_over_time_chart(
    curves: Mapping[int, pd.DataFrame],
    *,
    default: int | None = None,
    first: str,
    last: str,
    sources: Sequence[str] = ("digest back-fill",),
    note: str | None = None,
) -> go.Figure:
    """The Brier skill over the base rate as it stood on each day, with its interval band.

    Parameters
    ----------
    curves
        ``horizon -> frame`` indexed by day with ``n``, ``skill``, ``skill_low`` and
        ``skill_high`` (as :func:`riskcurve.monitor.track_record.skill_curves`).
    default
        The horizon shown first (default: the middle one).
    first, last
        The first and last day a scored forecast was issued.
    sources, note
        For the caption.

    Returns
    -------
    plotly.graph_objects.Figure
        One view per horizon: the skill line, its 95% band (missing where too few forecasts had
        closed for an interval), and zero (no better than the base rate).
    """
    if not curves:
        raise ValueError("curves is empty: no forecast has been scored yet, so there is no skill to draw")
    horizons = sorted(curves)
    chosen = default if default is not None else horizons[len(horizons) // 2]
    if chosen not in curves:
        raise ValueError(f"default must be one of {', '.join(map(str, horizons))}, got {chosen!r}")
    fig = go.Figure()
    visible: list[list[bool]] = []
    for horizon in horizons:
        frame = _check_frame(f"curves[{horizon}]", curves[horizon], SKILL_COLUMNS)
        shown = horizon == chosen
        label = f"{horizon} sessions"
        fig.add_trace(
            go.Scatter(
                x=frame.index,
                y=frame["skill_low"],
                mode="lines",
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
                visible=shown,
                meta=horizon,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=frame.index,
                y=frame["skill_high"],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=COLORS["band_outer"],
                name=f"95% interval ({label})",
                hoverinfo="skip",
                visible=shown,
                meta=horizon,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=frame.index,
                y=frame["skill"],
                mode="lines+markers",
                name=f"Brier skill ({label})",
                line={"color": COLORS["median"], "width": 2},
                marker={"size": 4},
                customdata=frame[["n", "skill_low", "skill_high"]].to_numpy(),
                hovertemplate=(
                    "%{x}: skill %{y:+.3f}, interval %{customdata[1]:+.3f} to %{customdata[2]:+.3f}, "
                    "%{customdata[0]:,} forecasts scored<extra></extra>"
                ),
                visible=shown,
                meta=horizon,
            )
        )
        visible.append([h == horizon for h in horizons for _ in range(3)])
    fig.add_hline(y=0, line={"color": COLORS["significant"], "width": 1, "dash": "dot"})
    fig.update_yaxes(title_text="Brier skill over the base rate", zeroline=False)
    fig.update_xaxes(title_text="as of (the track record known on that day)")
    definition = (
        "Brier skill = 1 - Brier score of the digest's probabilities / Brier score of the base rate known on the "
        "same day, all links pooled, as the track record stood at each quarter's end and on the last day: only "
        "forecasts whose window had closed by then. Above zero: better than the base rate. Band: 95% interval "
        "from a block bootstrap over weeks (blocks at least the horizon long); earlier points use fewer resamples "
        "than the last. When the band covers zero, no skill is shown over the base rate."
    )
    fig = _finish(
        fig,
        title="Skill over the base rate, over time",
        definition=definition,
        first=first,
        last=last,
        sources=sources,
        note=note,
        height=460,
    )
    fig.update_layout(
        hovermode="closest", updatemenus=_buttons([f"{h} sessions" for h in horizons], visible, horizons.index(chosen))
    )
    return fig
