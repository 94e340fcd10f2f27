"""Liquidity drivers: what moved net liquidity, as stacked contributions."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from riskcurve.report.figures._base import COLORS, _check_frame, _finish, _valid_span

#: The windows the drivers are computed over (see :func:`riskcurve.signals.liquidity.liquidity_drivers`).
WINDOWS = ("4w", "13w", "52w")

_PARTS = {
    "securities": ("securities held outright (QT runoff / bill purchases)", "#1f77b4"),
    "other_assets": ("other Fed assets (lending, repo...)", "#aec7e8"),
    "fed_assets": ("Fed total assets", "#1f77b4"),
    "tga": ("Treasury General Account (minus its change)", "#ff7f0e"),
    "rrp": ("overnight reverse repo (minus its change)", "#2ca02c"),
}


def liquidity_drivers_chart(liquidity_frame: pd.DataFrame, *, window: str = "13w") -> go.Figure:
    """The change of net liquidity over ``window``, stacked by what drove it, week by week.

    Parameters
    ----------
    liquidity_frame
        ``SIGNALS["liquidity"].compute(...)``: the driver columns of
        :func:`~riskcurve.signals.liquidity.liquidity_drivers` (``fed_assets_13w``, ``tga_13w``,
        ``rrp_13w``, ``net_13w``, and ``securities_13w`` / ``other_assets_13w`` when stored).
    window
        ``"4w"``, ``"13w"`` (default) or ``"52w"``.
    """
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {', '.join(WINDOWS)}, got {window!r}")
    split = f"securities_{window}" in liquidity_frame.columns
    parts = ["securities", "other_assets"] if split else ["fed_assets"]
    parts += ["tga", "rrp"]
    columns = [f"{p}_{window}" for p in parts] + [f"net_{window}"]
    frame = _check_frame("liquidity_frame", liquidity_frame, columns)
    first, last = _valid_span(frame, f"net_{window}", "liquidity_frame")
    # One value per week, the one known on its last day with data, dated that day (a week's
    # label never runs past the data): a daily chart of two decades is unreadable.
    data = frame[columns].astype(float)
    weeks = pd.DatetimeIndex(data.index).to_period("W-FRI")
    weekly = data[~weeks.duplicated(keep="last")]
    weekly = weekly[weekly[f"net_{window}"].notna()]
    fig = go.Figure()
    # Stacked areas rather than bars: the same picture (positive parts stacked up from zero,
    # negative ones down, as relative bars are) drawn as a few paths instead of a shape per bar
    # and week, which made this chart the slowest of the page to draw.
    labels = []
    for part in parts:
        label, color = _PARTS[part]
        labels.append(label)
        values = weekly[f"{part}_{window}"]
        for side, shown in (("up", values.clip(lower=0.0)), ("down", values.clip(upper=0.0))):
            if side == "down" and not (shown < 0).any():
                continue  # a driver that never drained: no empty area under zero
            fig.add_trace(
                go.Scatter(
                    x=weekly.index,
                    y=shown,
                    name=label,
                    legendgroup=part,
                    showlegend=side == "up",
                    stackgroup=side,
                    mode="lines",
                    line={"width": 0, "shape": "hv", "color": color},
                    fillcolor=color,
                    hoverinfo="skip",  # the net line's hover lists every driver with its sign
                )
            )
    hover = "<br>".join(f"{label}: %{{customdata[{i}]:,.1f}}" for i, label in enumerate(labels))
    fig.add_trace(
        go.Scatter(
            x=weekly.index,
            y=weekly[f"net_{window}"],
            name=f"net liquidity change ({window})",
            line={"color": COLORS["liquidity"], "width": 1.5, "shape": "hv"},
            customdata=weekly[[f"{p}_{window}" for p in parts]].to_numpy(),
            hovertemplate=f"net change: %{{y:,.1f}}<br>{hover}<extra></extra>",
        )
    )
    fig.update_yaxes(title_text=f"change over {window}, USD billions")
    fig.update_xaxes(title_text="week")
    definition = (
        f"change of net liquidity over {window} (line) = change of Fed total assets"
        + (" (split into securities held outright, WSHOSHO, and the rest)" if split else "")
        + " - change of the Treasury General Account - change of the overnight reverse repo (stacked areas; a rising "
        "TGA or RRP drains liquidity and shows below zero). Values as published by the end of each week."
    )
    sources = ["WALCL", *(["WSHOSHO"] if split else []), "WTREGEN", "RRPONTSYD"]
    return _finish(
        fig,
        title=f"What moved net liquidity ({window} changes)",
        definition=definition,
        first=first,
        last=last,
        sources=sources,
        note="Weekly: the value known on the last day of each week with data, dated that day.",
    )
