"""The dashboard's computations: each a pure function of the store and validated arguments.

They draw the report's figures (:mod:`riskcurve.report.figures`), run the claims and the event
study for the chosen day; the callbacks in :mod:`riskcurve.dashboard.app` cache their results.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from riskcurve.dashboard.reader import StoreReader
from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.report import panels
from riskcurve.report.claims import what_happened_next_figure
from riskcurve.report.first_screen import Freshness, freshness
from riskcurve.report.stablecoins import stablecoin_view
from riskcurve.signals.regime import Regime, regime
from riskcurve.stats.claims import Claim, ClaimResult, builtin_claims, forecast_claims, run_claims
from riskcurve.stats.defaults import REPS, SEED

#: Event-study settings the page does not expose: the resample count and seed the CLI and the
#: report use (riskcurve.stats.defaults), so a page shows the numbers `study` prints.
STUDY_REPS = REPS
STUDY_SEED = SEED


def _offered(store: Store, symbols: Sequence[str]) -> list[str]:
    held = set(store.symbols())
    return [s for s in symbols if s in held and store.kind(s) == "price"]


def _regime(store: Store, day: pd.Timestamp) -> Regime:
    return regime(store, day.date())


def _breakout_figure(store: Store, day: pd.Timestamp, symbol: str, min_base: int, confirm: int) -> go.Figure:
    parameters = {"min_base": min_base, "confirm_closes": confirm}
    return panels.breakout_figure(MarketData(store, as_of=day), symbol, parameters)


def _ratio_figure(store: Store, day: pd.Timestamp) -> go.Figure:
    return panels.ratio_figure(MarketData(store, as_of=day))


def _liquidity_figure(store: Store, day: pd.Timestamp) -> go.Figure:
    return panels.liquidity_figure(MarketData(store, as_of=day))


def _liquidity_drivers_figure(store: Store, day: pd.Timestamp) -> go.Figure:
    return panels.liquidity_drivers_figure(MarketData(store, as_of=day))


def _stablecoin_figure(store: Store, day: pd.Timestamp) -> go.Figure:
    view = stablecoin_view(MarketData(store, as_of=day))
    if isinstance(view, str):  # why there is none (not in the store offline): shown in the panel
        raise ValueError(view)
    return view


def _cascade_figure(store: Store, day: pd.Timestamp, min_days: int) -> go.Figure:
    return panels.cascade_figure(MarketData(store, as_of=day), {"min_days": min_days})


def _altseason_figure(store: Store, day: pd.Timestamp, threshold: float) -> go.Figure:
    return panels.altseason_figure(MarketData(store, as_of=day), {"threshold": threshold})


def _cycle_figure(store: Store, day: pd.Timestamp) -> go.Figure:
    return panels.cycle_figure(MarketData(store, as_of=day))


def _volatility_figure(store: Store, day: pd.Timestamp, symbol: str) -> go.Figure:
    return panels.volatility_figure(MarketData(store, as_of=day), symbol)


@functools.cache
def _all_claims() -> tuple[Claim, ...]:
    """The built-in pack, parsed once per process."""
    return tuple(builtin_claims())


def _claims(store: Store, day: pd.Timestamp) -> tuple[ClaimResult, ...]:
    """Every claim of the built-in pack checked on what was known on ``day``."""
    return tuple(run_claims(store, _all_claims(), as_of=day))


def _freshness(store: Store, day: pd.Timestamp, symbols: frozenset[str], reference: dt.date) -> Freshness:
    return freshness(store.list_series(as_of=day.date()), symbols, reference)


@functools.cache
def _forecast_claims() -> tuple[Claim, ...]:
    """The built-in pack's forecasts, parsed once per process (a package file; 0.2 s a parse)."""
    return tuple(forecast_claims())


def _forecasts_figure(store: Store, day: pd.Timestamp) -> go.Figure:
    """The "what happened next" panel: the built-in forecasts checked on what was known on ``day``."""
    return what_happened_next_figure(run_claims(store, _forecast_claims(), as_of=day))


def _study(
    reader: StoreReader,
    store: Store,
    day: pd.Timestamp,
    symbol: str,
    min_base: int,
    confirm: int,
    target: str,
    horizons: tuple[int, ...],
) -> tuple[pd.DataFrame, go.Figure, str, list[str], str]:
    # One study at a time: warnings are collected per process, not per thread.
    with reader.collecting_warnings():
        panel = panels.study_panel(
            MarketData(store, as_of=day),
            symbol,
            target,
            horizons=horizons,
            parameters={"min_base": min_base, "confirm_closes": confirm},
            reps=STUDY_REPS,
            seed=STUDY_SEED,
        )
    return panel.table, panel.figure, panel.verdict, list(panel.notes), panel.result.study.kind
