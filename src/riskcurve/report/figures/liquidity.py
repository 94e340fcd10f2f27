"""Liquidity: net liquidity and its regime."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from riskcurve import numbers
from riskcurve.report.figures._base import (
    _DOWNSAMPLED,
    COLORS,
    _check_frame,
    _check_series,
    _defaults,
    _finish,
    _for_display,
    _merged,
    _runs,
    _shade,
    _span,
    _valid_span,
)
from riskcurve.signals import liquidity as liquidity_signal


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
    threshold = numbers.percent(params["threshold_pct"], 0)
    definition = (
        "net liquidity = Fed total assets (WALCL) - Treasury General Account (WTREGEN) - overnight reverse repo "
        "(RRPONTSYD), in USD billions, each as published by that day; regime (shaded) = expanding when the "
        f"{params['change'].removeprefix('chg_')} change exceeds +{threshold} of the level, "
        f"contracting below -{threshold}, flat otherwise, switching only after a new label held "
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
