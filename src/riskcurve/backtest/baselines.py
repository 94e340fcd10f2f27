"""Position rules the engine itself needs: holding after events, and the halving-cycle baseline.

They live apart from :mod:`riskcurve.backtest.rules` so that the engine, which adds the
halving-cycle rule as a default baseline, can import them without importing the rules module
that in turn builds on the engine: dependencies point one way (baselines -> engine -> rules).
:mod:`riskcurve.backtest.rules` re-exports both functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskcurve.signals.cycle import HALVING_ANCHORS

__all__ = ["HALVING_HOLD_DAYS", "after_events", "halving_cycle"]

#: Default holding period of the halving-cycle rule, in days from the halving (see :func:`halving_cycle`).
HALVING_HOLD_DAYS = 540


def after_events(events: pd.DatetimeIndex, hold_days: int, index: pd.DatetimeIndex) -> pd.Series:
    """True for ``hold_days`` calendar days from each event: "hold for N days after X".

    Day ``d`` is True when some event ``e`` has ``e <= d < e + hold_days``; a new event inside a
    holding period extends it. The event day itself is True because the event is known at the
    end of it; the engine trades on the bar after.

    Parameters
    ----------
    events
        Dates the events became known.
    hold_days
        Calendar days to hold, >= 1.
    index
        The days to evaluate on (any calendar).
    """
    if isinstance(hold_days, bool) or not isinstance(hold_days, int | np.integer) or hold_days < 1:
        raise ValueError(f"hold_days must be an integer >= 1, got {hold_days!r}")
    index = pd.DatetimeIndex(index)
    starts = pd.DatetimeIndex(events).sort_values().to_numpy(dtype="datetime64[ns]")
    days = index.to_numpy(dtype="datetime64[ns]")
    last = np.searchsorted(starts, days, side="right") - 1
    held = np.zeros(len(index), dtype=bool)
    known = last >= 0
    held[known] = days[known] < starts[last[known]] + np.timedelta64(int(hold_days), "D")
    return pd.Series(held, index=index, name=f"hold_{hold_days}d_after_event")


def halving_cycle(index: pd.DatetimeIndex, *, hold_days: int = HALVING_HOLD_DAYS, offset_days: int = 0) -> pd.Series:
    """The halving-cycle rule: long from ``offset_days`` after each Bitcoin halving for ``hold_days`` days.

    Defaults: long from the halving day for 540 days (about 18 months), flat otherwise. The
    cycle's tops came 12-18 months after the halvings of 2012, 2016 and 2020 (December 2013,
    December 2017, November 2021), so this is a baseline chosen *with* hindsight of those
    cycles: a rule that fails to beat it has not beaten the best-known story of crypto
    returns. Halving dates are the chain's (:data:`~riskcurve.signals.cycle.HALVING_ANCHORS`),
    each known on its own day; future halvings are not used before they happen.

    Parameters
    ----------
    index
        Days to evaluate on.
    hold_days
        Days in the market after each halving (+ offset), >= 1.
    offset_days
        Days from the halving to entering, >= 0.
    """
    if isinstance(offset_days, bool) or not isinstance(offset_days, int | np.integer) or offset_days < 0:
        raise ValueError(f"offset_days must be an integer >= 0, got {offset_days!r}")
    starts = pd.DatetimeIndex([date for _, date in HALVING_ANCHORS]) + pd.Timedelta(days=int(offset_days))
    return after_events(starts, hold_days, index).rename("halving_cycle")
