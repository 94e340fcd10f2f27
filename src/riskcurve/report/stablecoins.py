"""The liquidity panel's crypto half: stablecoin supply and its 4- and 13-week change.

Kept apart from :mod:`riskcurve.report.figures` (one module per panel family there); the report
and the dashboard call :func:`stablecoin_panel`, which says plainly when the series is not in
the store (the offline snapshot has no stablecoin file; ``riskcurve update`` fetches it online).
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from riskcurve import numbers
from riskcurve.data.panel import MarketData
from riskcurve.report.figures._base import _DOWNSAMPLED, _check_frame, _finish, _for_display, _valid_span
from riskcurve.signals import stablecoins

SYMBOL = "STABLECOINS"
#: Shown in the liquidity panel when the store has no stablecoin series.
ABSENT = (
    "Stablecoin supply: not in the store. It comes from DefiLlama's public stablecoin API "
    "(no key) when `riskcurve update` runs online; the offline snapshot has no stablecoin file."
)
_SUPPLY_COLOR = "#2a9d8f"
_UP, _DOWN = "#2a9d8f", "#e76f51"


def stablecoin_chart(frame: pd.DataFrame) -> go.Figure:
    """Stablecoin supply (line) over its 13-week change in percent (bars, lower strip).

    Parameters
    ----------
    frame
        :func:`riskcurve.signals.stablecoins.supply_changes` output (any extra columns ignored).
    """
    frame = _check_frame("frame", frame, stablecoins.COLUMNS)
    first, last = _valid_span(frame, "stablecoin_supply", "frame")
    shown, weekly = _for_display(frame.loc[first:last, list(stablecoins.COLUMNS)].astype(float))
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.68, 0.32], vertical_spacing=0.06)
    fig.add_trace(
        go.Scatter(
            x=shown.index,
            y=shown["stablecoin_supply"],
            name="stablecoin supply (bn USD)",
            line={"color": _SUPPLY_COLOR},
        ),
        row=1,
        col=1,
    )
    pct = shown["stablecoin_pct_13w"] * 100.0
    fig.add_trace(
        go.Bar(
            x=pct.index,
            y=pct,
            name="13-week change, %",
            marker={"color": [_UP if v >= 0 else _DOWN for v in pct.fillna(0.0)]},
        ),
        row=2,
        col=1,
    )
    fig.update_yaxes(title_text="USD billions", row=1, col=1)
    fig.update_yaxes(title_text="13-week change, %", row=2, col=1)
    fig.update_xaxes(title_text="date", row=2, col=1)
    latest = frame["stablecoin_supply"].dropna()
    at = latest.index[-1]
    row = frame.loc[at]
    note = (
        f"On {at.date()}: {numbers.decimal(row['stablecoin_supply'], 1)} bn USD, "
        f"{_signed(row['stablecoin_chg_4w'])} bn over 4 weeks ({_percent(row['stablecoin_pct_4w'])}), "
        f"{_signed(row['stablecoin_chg_13w'])} bn over 13 weeks ({_percent(row['stablecoin_pct_13w'])})."
    ) + (" " + _DOWNSAMPLED if weekly else "")
    return _finish(
        fig,
        title="Stablecoin supply: crypto's own liquidity",
        definition=(
            "total supply of all stablecoins in USD (DefiLlama, every peg valued in USD), in USD billions, as known "
            "at the end of each UTC day; 4- and 13-week change = the supply minus the supply 28 and 91 days earlier."
        ),
        first=first,
        last=last,
        sources=[SYMBOL],
        note=note,
    )


def stablecoin_view(data: MarketData) -> go.Figure | str:
    """The stablecoin figure on ``data.as_of``, or one line saying why there is none."""
    if not data.has(SYMBOL):
        return ABSENT
    close = data.close(SYMBOL).dropna()
    if close.empty:
        return f"Stablecoin supply: no value on or before {data.as_of.date()} (DefiLlama's history starts in 2017)."
    days = data.days(close.index[0])
    return stablecoin_chart(stablecoins.supply_changes(data.closes([SYMBOL], days)[SYMBOL]))


def stablecoin_panel(data: MarketData) -> tuple[tuple[go.Figure, ...], tuple[str, ...]]:
    """The figure and notes the liquidity panel shows for stablecoins on ``data.as_of``.

    Returns
    -------
    tuple
        ``((figure,), ())`` when the store has stablecoin supply up to the day, else
        ``((), (html_note,))`` saying why it is missing.
    """
    view = stablecoin_view(data)
    if isinstance(view, str):
        return (), (f"<p class='missing'>{html.escape(view)}</p>",)
    return (view,), ()


def _signed(value: float) -> str:
    return "n/a" if pd.isna(value) else numbers.decimal(value, 1, signed=True)


def _percent(value: float) -> str:
    return "n/a" if pd.isna(value) else numbers.percent(value, signed=True)


def with_stablecoins(data: MarketData, figures: tuple[go.Figure, ...]) -> tuple[tuple[go.Figure, ...], tuple[str, ...]]:
    """The liquidity panel's ``figures`` followed by the stablecoin figure, or by the note saying it is absent."""
    built, notes = stablecoin_panel(data)
    return (*figures, *built), notes
