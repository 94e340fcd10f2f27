"""Plotly figure builders shared by the HTML report, the PNG export and the live dashboard.

Every builder is a pure function from pandas data (signal frames and events from
:data:`riskcurve.signals.registry.SIGNALS`, closes from
:class:`~riskcurve.data.panel.MarketData`, statistics results) to a
:class:`plotly.graph_objects.Figure`. Nothing here reads the store or looks forward: a builder
draws what it is given.

Every figure states, in a caption under the plot, its definition, the first and last date of
the data it shows and the source symbols; the same facts are kept machine-readable in
``fig.layout.meta["riskcurve"]`` (keys ``definition``, ``first``, ``last``, ``sources``,
``note``) so a report can list them elsewhere too.

Daily series longer than :data:`MAX_DAILY_POINTS` rows (decades of history) are thinned to the
rows a chart a thousand pixels wide can show: each stretch's high and low, the first and the
last day, every point a real day with its own values (so the last point is the as-of day and
no extreme is lost); the caption says so, and event markers and shaded periods keep their
exact daily dates. Day-only dates are written as ``YYYY-MM-DD`` text, which keeps the JSON of a
long chart small.

:func:`to_png` renders a figure to PNG with plotly's own renderer (kaleido) driving the system's
Chromium, without downloading a browser and without loading anything from the network.

The builders live in one module per panel family (:mod:`.smallcaps`, :mod:`.liquidity`,
:mod:`.cascade`, :mod:`.crypto`, :mod:`.tables`, :mod:`.statistics`, :mod:`.track_record`,
:mod:`.png`, shared layout in :mod:`._base`). Their names are re-exported here lazily (PEP 562), so
``from riskcurve.report.figures import find_browser`` does not import plotly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from riskcurve.report.figures._base import COLORS, MAX_DAILY_POINTS, SERIES_COLORS, caption_of
    from riskcurve.report.figures.cascade import cascade_chain_chart, cascade_heatmap
    from riskcurve.report.figures.crypto import altseason_chart, cycle_overlay_chart, volatility_chart
    from riskcurve.report.figures.drivers import liquidity_drivers_chart
    from riskcurve.report.figures.liquidity import liquidity_chart
    from riskcurve.report.figures.png import (
        BROWSER_NAMES,
        PNG_HEIGHT,
        PNG_WIDTH,
        find_browser,
        load_renderer,
        to_png,
        write_pngs,
    )
    from riskcurve.report.figures.smallcaps import breakout_chart, ratio_chart
    from riskcurve.report.figures.statistics import fan_chart, leadlag_bars
    from riskcurve.report.figures.tables import frame_table, regime_panel_table
    from riskcurve.report.figures.track_record import reliability_chart, skill_over_time_chart

__all__ = [
    "BROWSER_NAMES",
    "COLORS",
    "MAX_DAILY_POINTS",
    "PNG_HEIGHT",
    "PNG_WIDTH",
    "SERIES_COLORS",
    "altseason_chart",
    "breakout_chart",
    "caption_of",
    "cascade_chain_chart",
    "cascade_heatmap",
    "cycle_overlay_chart",
    "fan_chart",
    "find_browser",
    "load_renderer",
    "frame_table",
    "leadlag_bars",
    "liquidity_chart",
    "liquidity_drivers_chart",
    "ratio_chart",
    "regime_panel_table",
    "reliability_chart",
    "skill_over_time_chart",
    "to_png",
    "volatility_chart",
    "write_pngs",
]

#: Public name -> the submodule that defines it.
_HOMES = {
    "BROWSER_NAMES": "png",
    "COLORS": "_base",
    "MAX_DAILY_POINTS": "_base",
    "PNG_HEIGHT": "png",
    "PNG_WIDTH": "png",
    "SERIES_COLORS": "_base",
    "altseason_chart": "crypto",
    "breakout_chart": "smallcaps",
    "caption_of": "_base",
    "cascade_chain_chart": "cascade",
    "cascade_heatmap": "cascade",
    "cycle_overlay_chart": "crypto",
    "fan_chart": "statistics",
    "find_browser": "png",
    "load_renderer": "png",
    "frame_table": "tables",
    "leadlag_bars": "statistics",
    "liquidity_chart": "liquidity",
    "liquidity_drivers_chart": "drivers",
    "ratio_chart": "smallcaps",
    "regime_panel_table": "tables",
    "reliability_chart": "track_record",
    "skill_over_time_chart": "track_record",
    "to_png": "png",
    "volatility_chart": "crypto",
    "write_pngs": "png",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
