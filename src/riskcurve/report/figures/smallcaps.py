"""Small caps: the breakout chart and relative-strength ratio chart."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from riskcurve import numbers
from riskcurve.report.figures._base import (
    _DOWNSAMPLED,
    COLORS,
    _check_frame,
    _day,
    _defaults,
    _finish,
    _for_display,
    _merged,
    _parameter_text,
    _runs,
    _shade,
    _span,
    _valid_span,
)
from riskcurve.signals import relative_strength as relative_strength_signal
from riskcurve.signals.breakout import BreakoutParams, all_time_highs


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
                f"breakout {_day(date)}<br>old high {numbers.decimal(r['old_high'])} set {_day(r['base_start'])}"
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
    # A filled step line, not bars: the same shape as one path instead of one shape per session.
    fig.add_trace(
        go.Scatter(
            x=shown.index,
            y=shown["streak"],
            name="sessions ahead in a row",
            mode="lines",
            fill="tozeroy",
            line={"color": COLORS["breakout"], "width": 1, "shape": "hv"},
        ),
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
