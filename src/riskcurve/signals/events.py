"""Turning a boolean state into de-clustered events: one run of the state is one event."""

from __future__ import annotations

import numpy as np
import pandas as pd


def onsets(state: pd.Series, *, cooldown: int = 0) -> pd.DatetimeIndex:
    """Dates on which ``state`` switches on, ignoring switches within ``cooldown`` rows of the last event.

    Parameters
    ----------
    state
        Boolean (NaN counts as off), date-indexed.
    cooldown
        Rows after an event during which a new onset is not a new event (de-clustering).

    Returns
    -------
    pandas.DatetimeIndex
        The event dates, ascending.
    """
    on = state.fillna(False).astype(bool).to_numpy()
    starts = np.flatnonzero(on & ~np.concatenate([[False], on[:-1]]))
    kept: list[int] = []
    for position in starts:
        if not kept or position - kept[-1] > cooldown:
            kept.append(int(position))
    return pd.DatetimeIndex(state.index[kept], name="date")
