"""The cascade: the link heatmap and today's chain."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from riskcurve import numbers
from riskcurve.report.figures._base import (
    _DOWNSAMPLED,
    COLORS,
    _check_frame,
    _finish,
    _for_display,
    _merged,
    _parameter_text,
    _span,
)
from riskcurve.signals.cascade import LINKS, CascadeParams
from riskcurve.signals.regime import LINK_LABELS, Regime


def cascade_heatmap(cascade_frame: pd.DataFrame, *, parameters: Mapping[str, Any] | None = None) -> go.Figure:
    """The cascade as a timeline: one row per link of the chain, lit / dark / unknown over time.

    Parameters
    ----------
    cascade_frame
        ``SIGNALS["cascade"].compute(...)``: the link columns, ``score_<link>`` and ``stage``.
        A link is *unknown* where its ``state_<link>`` says so (an input stale or not started,
        or its rule undecided); frames without state columns: where no sub-condition is known.
    parameters
        The cascade parameters used (defaults of :class:`~riskcurve.signals.cascade.CascadeParams`).
    """
    frame = _check_frame("cascade_frame", cascade_frame, [*LINKS, *(f"score_{link}" for link in LINKS), "stage"])
    params = _merged(asdict(CascadeParams()), parameters)
    first, last = _span(frame.index, "cascade_frame")
    # 0 unknown, 1 dark, 2 lit; drawn with a three-colour discrete scale.
    codes = pd.DataFrame(
        {
            link: (
                frame[f"state_{link}"].map({"unknown": 0, "dark": 1, "lit": 2}).to_numpy()
                if f"state_{link}" in frame.columns
                else np.where(frame[f"score_{link}"].isna(), 0, np.where(frame[link].fillna(False).astype(bool), 2, 1))
            )
            for link in LINKS
        },
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
        f"{params['min_days']} days in a row; unknown = an input stale or not started, or the rule undecided."
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
    states = [str(links[link].get("state") or ("lit" if links[link]["lit"] else "dark")) for link in LINKS]
    labels = [
        f"<b>{LINK_LABELS[link]}</b><br>{state}" + (f" since {links[link]['since']}" if links[link]["since"] else "")
        for link, state in zip(LINKS, states, strict=True)
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
                "color": [COLORS.get(state, COLORS["unknown"]) for state in states],
                "line": {"width": 2, "color": "#ffffff"},
            },
            text=labels,
            textposition="bottom center",
            cliponaxis=False,
            hovertext=[
                f"{LINK_LABELS[link]}: score {numbers.decimal(links[link]['score'])}"
                if links[link]["score"] is not None
                else ""
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
        title=f"Cascade on {regime.as_of.isoformat()}: {_stage_text(item.state)}",
        definition="stage = the number of consecutive lit links counted from bonds & credit (a range when a "
        "link is unknown); amber = lit, dark = not lit, grey = unknown; the date is the last time the link "
        "changed state. " + _first_line(item.definition),
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


def _stage_text(state: Mapping[str, Any]) -> str:
    low = int(state.get("stage_low", state.get("stage", 0)) or 0)
    high = int(state.get("stage_high", low) or low)
    return f"stage {low}/5" if low == high else f"stage {low}-{high}/5"
