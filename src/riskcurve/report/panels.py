"""The report's and the dashboard's panels: data from a point-in-time view, drawn by :mod:`figures`.

Each function takes a :class:`~riskcurve.data.panel.MarketData` (so it sees only what was known
on its day), computes through the signal registry or the statistics modules, and returns the
figure. The HTML report and the live dashboard both call these, so they draw the same charts
from the same numbers.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from riskcurve import numbers
from riskcurve._typing import Frequency
from riskcurve.data.panel import MarketData
from riskcurve.errors import InsufficientDataWarning
from riskcurve.report import figures
from riskcurve.signals.cycle import cycle_overlay, halving_dates
from riskcurve.signals.registry import SIGNALS, alt_basket
from riskcurve.stats import event_study
from riskcurve.stats.leadlag import LeadLagResult, leadlag

#: Quantiles of the baseline band drawn behind event paths.
BAND_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def require_rows(data: MarketData, symbol: str) -> None:
    """A clear message when ``symbol`` is stored but has no row yet on the chosen day."""
    data.require(symbol)
    if data.bars(symbol).empty:
        raise ValueError(f"no {symbol} data on or before {data.as_of.date().isoformat()}")


def breakout_figure(data: MarketData, symbol: str = "RUT", parameters: Mapping[str, Any] | None = None) -> go.Figure:
    """Closes, running all-time highs, bases and breakouts of ``symbol``."""
    spec = SIGNALS["breakout"]
    require_rows(data, symbol)
    chosen = {**spec.parameters, **(parameters or {})}
    frame = spec.compute(data, symbol, **chosen)
    events = spec.events(data, symbol, **chosen)
    return figures.breakout_chart(data.bars(symbol), frame, events, symbol=symbol, parameters=chosen)


def ratio_figure(data: MarketData) -> go.Figure:
    """Small caps against large caps (RUT/GSPC)."""
    spec = SIGNALS["relative-strength"]
    data.require("RUT", "GSPC")
    frame = spec.compute(data, "RUT", **spec.parameters)
    shown = {k: v for k, v in spec.parameters.items() if k != "large"}
    return figures.ratio_chart(frame, small="RUT", large=str(spec.parameters["large"]), parameters=shown)


def liquidity_figure(data: MarketData) -> go.Figure:
    """Net liquidity against BTC, shaded by liquidity regime."""
    spec = SIGNALS["liquidity"]
    frame = spec.compute(data, None, **spec.parameters)
    btc = data.close("BTC") if data.has("BTC") else pd.Series(dtype=float, index=pd.DatetimeIndex([]))
    return figures.liquidity_chart(frame, btc, parameters=spec.parameters)


def liquidity_drivers_figure(data: MarketData, window: str = "13w") -> go.Figure:
    """What moved net liquidity over ``window``: Fed assets, TGA and RRP, stacked."""
    spec = SIGNALS["liquidity"]
    return figures.liquidity_drivers_chart(spec.compute(data, None, **spec.parameters), window=window)


def cascade_figure(data: MarketData, parameters: Mapping[str, Any] | None = None) -> go.Figure:
    """The cascade as a links-by-time heatmap."""
    spec = SIGNALS["cascade"]
    chosen = {**spec.parameters, **(parameters or {})}
    return figures.cascade_heatmap(spec.compute(data, None, **chosen), parameters=chosen)


def altseason_figure(data: MarketData, parameters: Mapping[str, Any] | None = None) -> go.Figure:
    """The altseason index: share of the basket beating BTC, with its threshold."""
    spec = SIGNALS["altseason"]
    chosen = {**spec.parameters, **(parameters or {})}
    frame = spec.compute(data, None, **chosen)
    return figures.altseason_chart(frame, parameters=chosen, basket=list(data.basket()))


def cycle_figure(
    data: MarketData, anchors: pd.DatetimeIndex | None = None, *, symbol: str = "BTC", anchor_name: str = "halving"
) -> go.Figure:
    """Returns of ``symbol`` aligned on each anchor (the halvings by default, or e.g. breakouts)."""
    require_rows(data, symbol)
    close = data.close(symbol).dropna()
    points = halving_dates() if anchors is None else pd.DatetimeIndex(anchors)
    points = points[points <= data.as_of]
    if not (points >= close.index.min()).any():
        raise ValueError(
            f"no {anchor_name} between the first {symbol} close ({close.index.min().date()}) and "
            f"{data.as_of.date()} to align on"
        )
    # Anchors before the first close get an empty column (the chart names them) instead of
    # cycle_overlay's warning.
    with_data = points[points >= close.index.min()]
    overlay = cycle_overlay(close, with_data)
    for anchor in points[points < close.index.min()]:
        overlay[anchor] = float("nan")
    overlay = overlay[sorted(overlay.columns)]
    overlay.index.name = "days_since_anchor"
    return figures.cycle_overlay_chart(overlay, symbol=symbol, anchor_name=anchor_name)


def volatility_figure(data: MarketData, symbol: str = "BTC") -> go.Figure:
    """Realised volatility of ``symbol`` and its percentile in its own history."""
    spec = SIGNALS["volatility"]
    require_rows(data, symbol)
    # Annualise by the symbol's own calendar: every day for crypto, exchange sessions otherwise.
    per_year = 365 if data.store.meta(symbol).calendar == "crypto" else 252
    parameters = {**spec.parameters, "periods_per_year": per_year}
    return figures.volatility_chart(spec.compute(data, symbol, **parameters), symbol=symbol, parameters=parameters)


@dataclass(frozen=True)
class StudyPanel:
    """An event study drawn: its per-horizon table, fan chart, verdict and warnings."""

    result: event_study.EventStudyResult
    table: pd.DataFrame
    figure: go.Figure
    verdict: str
    notes: tuple[str, ...]


def study_panel(
    data: MarketData,
    symbol: str,
    target: str,
    *,
    horizons: Sequence[int],
    parameters: Mapping[str, Any] | None = None,
    reps: int,
    seed: int,
) -> StudyPanel:
    """Event study of ``symbol``'s breakouts against ``target``, with the fan chart of their paths.

    ``target`` is a stored symbol, or ``"ALT_BASKET"`` for the equal-weight altcoin basket.
    Insufficient-data warnings are collected into ``notes`` (the caller shows them) rather
    than raised.
    """
    require_rows(data, symbol)
    chosen = {**SIGNALS["breakout"].parameters, **(parameters or {})}
    if target == "ALT_BASKET":
        target_close = alt_basket(data)
    else:
        require_rows(data, target)
        target_close = data.close(target)
    events = SIGNALS["breakout"].events(data, symbol, **chosen)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InsufficientDataWarning)
        result = event_study.EventStudy(
            pd.DatetimeIndex(events.index),
            target_close,
            horizons=tuple(horizons),
            reps=reps,
            seed=seed,
            name=f"breakout:{symbol}",
        ).run()
    notes = tuple(str(w.message) for w in caught if issubclass(w.category, InsufficientDataWarning))
    if len(result.measured) == 0:
        raise ValueError(
            f"no {symbol} breakout on or before {data.as_of.date()} has {target} data after it "
            f"({target} starts {target_close.index.min().date()})"
        )
    longest = max(horizons)
    definition = (
        f"{event_study.CONVENTION} Each line: one {symbol} breakout (min_base={chosen['min_base']}, "
        f"confirm_closes={chosen['confirm_closes']}); bands: quantiles of the same cumulative {result.study.kind} "
        f"return from every {target} bar (the unconditional baseline). {len(result.measured)} event(s) measured."
    )
    figure = figures.fan_chart(
        result.paths(longest),
        result.baseline_band(BAND_QUANTILES, longest),
        event=f"{symbol} breakout",
        target=target,
        kind=result.study.kind,
        definition=definition,
        sources=[symbol, target],
        data_range=(target_close.index.min().date().isoformat(), target_close.index.max().date().isoformat()),
    )
    return StudyPanel(result, result.to_frame(), figure, result.verdict, notes)


def leadlag_figure(
    data: MarketData, lead: str, lag: str, *, freq: Frequency = "W", seed: int = 0
) -> tuple[go.Figure, LeadLagResult]:
    """Cross-correlation bars of ``lead`` against ``lag`` with their robust bands."""
    result = leadlag(data, lead, lag, freq=freq, seed=seed)
    ccf = pd.DataFrame(
        {
            "lag": result.ccf.index.to_numpy(),
            "corr": result.ccf["corr"].to_numpy(),
            "band_low": -result.ccf["band_robust"].to_numpy(),
            "band_high": result.ccf["band_robust"].to_numpy(),
        }
    )
    figure = figures.leadlag_bars(
        ccf,
        lead=lead,
        lag=lag,
        freq=freq,
        definition=f"{result.definition} Band: the autocorrelation-robust (Newey-West) "
        f"{numbers.percent(1 - result.alpha, 0)} band. "
        f"Verdict: {result.verdict.text}",
        data_range=(result.start.date().isoformat(), result.end.date().isoformat()),
        sources=[lead, lag],
    )
    return figure, result
