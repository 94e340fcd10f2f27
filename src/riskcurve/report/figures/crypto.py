"""Crypto: the halving-cycle overlay, altcoin season and volatility."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from riskcurve import numbers
from riskcurve.report.figures._base import (
    _DOWNSAMPLED,
    COLORS,
    SERIES_COLORS,
    _check_frame,
    _day,
    _defaults,
    _finish,
    _for_display,
    _merged,
    _runs,
    _shade,
    _span,
    _valid_span,
)
from riskcurve.signals import altseason as altseason_signal
from riskcurve.signals import volatility as volatility_signal


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
        annotation_text=f"{numbers.percent(threshold, 0)} threshold",
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
        f"a full window; altseason (shaded) when the share is at least {numbers.percent(threshold, 0)} with at least "
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
