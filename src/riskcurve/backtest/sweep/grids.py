"""The named grids of ``riskcurve sweep --grid``: moving-average crossings, breakouts, the cascade."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from riskcurve.backtest.rules import (
    after_events,
    all_of,
    cascade_stage_at_least,
    confirmed_breakouts,
    liquidity_not_contracting,
)
from riskcurve.data.panel import MarketData

__all__ = ["GRIDS", "GridSpec", "get_grid"]


@dataclass(frozen=True)
class _GridSignals:
    """What a grid produces: parameter rows and either MA pairs or boolean state series."""

    parameters: pd.DataFrame  # one row per signal definition
    pairs: list[tuple[int, int]] | None = None
    states: list[pd.Series] | None = None


@dataclass(frozen=True)
class GridSpec:
    """A named grid of ``riskcurve sweep --grid NAME``.

    Attributes
    ----------
    name
        The CLI name.
    definition
        The rule each combination follows, in words.
    defaults
        Parameter -> the values tried by default (``--param key=v1,v2,...`` replaces them).
    warmup
        ``parameters -> bars`` skipped at each asset's start so every definition has its history.
    build
        ``(data, prices, parameters) -> _GridSignals``.
    """

    name: str
    definition: str
    defaults: Mapping[str, tuple[Any, ...]]
    warmup: Callable[[Mapping[str, tuple[Any, ...]]], int]
    build: Callable[[MarketData, Mapping[str, pd.Series], Mapping[str, tuple[Any, ...]]], _GridSignals]

    def parse(self, raw: Mapping[str, str]) -> dict[str, tuple[Any, ...]]:
        """Value lists from ``key=v1,v2`` or ``key=lo:hi`` (integers lo..hi inclusive) strings."""
        parsed: dict[str, tuple[Any, ...]] = {}
        for key, text in raw.items():
            if key not in self.defaults:
                raise ValueError(f"grid {self.name!r} has no parameter {key!r} (it takes: {', '.join(self.defaults)})")
            kind = type(self.defaults[key][0])
            try:
                if ":" in text and kind is int:
                    lo, hi = (int(x) for x in text.split(":", 1))
                    values: tuple[Any, ...] = tuple(range(lo, hi + 1))
                else:
                    values = tuple(kind(x.strip()) for x in text.split(",") if x.strip())
            except ValueError:
                raise ValueError(f"grid parameter {key}={text!r} must be {kind.__name__} values like 1,2,3") from None
            if not values:
                raise ValueError(f"grid parameter {key} has no values")
            parsed[key] = values
        return {**self.defaults, **parsed}


def _ma_grid(data: MarketData, prices: Mapping[str, pd.Series], p: Mapping[str, tuple[Any, ...]]) -> _GridSignals:
    windows = sorted(set(int(w) for w in p["windows"]))
    if windows[0] < 1 or len(windows) < 2:
        raise ValueError("windows must hold at least two positive integers")
    pairs = [(f, s) for i, f in enumerate(windows) for s in windows[i + 1 :]]
    return _GridSignals(pd.DataFrame(pairs, columns=["fast", "slow"]), pairs=pairs)


def _breakout_grid(data: MarketData, prices: Mapping[str, pd.Series], p: Mapping[str, tuple[Any, ...]]) -> _GridSignals:
    days = data.days("1990-01-01")
    rows, states = [], []
    for symbol in p["symbol"]:
        for min_base in p["min_base"]:
            for confirm in p["confirm_closes"]:
                events = confirmed_breakouts(data, str(symbol), min_base=int(min_base), confirm_closes=int(confirm))
                for hold in p["hold_days"]:
                    rows.append({"symbol": symbol, "min_base": min_base, "confirm_closes": confirm, "hold_days": hold})
                    states.append(after_events(events, int(hold), days))
    return _GridSignals(pd.DataFrame(rows), states=states)


def _cascade_grid(data: MarketData, prices: Mapping[str, pd.Series], p: Mapping[str, tuple[Any, ...]]) -> _GridSignals:
    rows, states = [], []
    liquidity = {
        float(x): liquidity_not_contracting(data, threshold_pct=float(x)) for x in p["liquidity_threshold"] if x > 0
    }
    for long_window in p["long_window"]:
        for min_days in p["min_days"]:
            stages = {
                int(stage): cascade_stage_at_least(
                    data, int(stage), long_window=int(long_window), min_days=int(min_days)
                )
                for stage in p["stage"]
            }
            for stage, lit in stages.items():
                for threshold in p["liquidity_threshold"]:
                    rows.append(
                        {
                            "stage": stage,
                            "long_window": long_window,
                            "min_days": min_days,
                            "liquidity_threshold": threshold,
                        }
                    )
                    if threshold > 0:
                        states.append(all_of(lit, liquidity[float(threshold)]))
                    else:
                        states.append(lit)
    return _GridSignals(pd.DataFrame(rows), states=states)


GRIDS: dict[str, GridSpec] = {
    spec.name: spec
    for spec in (
        GridSpec(
            "ma-cross",
            "Long from a cross of the fast moving average above the slow one to the next cross back under "
            "(every pair fast < slow of `windows`), on each asset's own closes.",
            {"windows": tuple(range(2, 102))},
            lambda p: max(int(w) for w in p["windows"]),
            _ma_grid,
        ),
        GridSpec(
            "breakout",
            "Long for `hold_days` calendar days from each confirmed breakout of `symbol` (first all-time closing "
            "high after `min_base` sessions, confirmed by `confirm_closes` closes above the old high).",
            {
                "symbol": ("RUT",),
                "min_base": (60, 125, 250, 500),
                "confirm_closes": (1, 2, 3, 5, 10),
                "hold_days": (30, 60, 90, 180, 365),
            },
            lambda p: 0,
            _breakout_grid,
        ),
        GridSpec(
            "cascade",
            "Long while the cascade has reached at least `stage` links (trend windows `long_window`/50, "
            "debounced over `min_days`) and, when `liquidity_threshold` > 0, net liquidity is not contracting "
            "by more than that fraction over 13 weeks.",
            {
                "stage": (1, 2, 3, 4, 5),
                "long_window": (100, 200),
                "min_days": (1, 5, 10),
                "liquidity_threshold": (0.0, 0.01, 0.02, 0.05),
            },
            lambda p: 0,
            _cascade_grid,
        ),
    )
}


def get_grid(name: str) -> GridSpec:
    """The grid called ``name``; the error lists the known ones."""
    key = name.strip().lower().replace("_", "-")
    if key not in GRIDS:
        raise ValueError(f"unknown grid {name!r}; choose one of {', '.join(GRIDS)}")
    return GRIDS[key]
