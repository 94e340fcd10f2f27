"""States over time: de-clustered onsets (one run is one event) and persistence against flicker."""

from __future__ import annotations

from collections.abc import Hashable

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


def persist(state: pd.Series, min_days: int, *, initial: Hashable = None) -> pd.Series:
    """A state that changes only after the new raw value held for ``min_days`` consecutive rows.

    Row ``t`` of the result takes the raw value of row ``t`` when the raw series has had that
    same value on rows ``t - min_days + 1 .. t``, and otherwise keeps the result of row
    ``t - 1``. Before the first such run the result is ``initial``. This removes flicker and is
    still point-in-time: row ``t`` uses raw rows up to ``t`` only.

    Parameters
    ----------
    state
        Raw labels or booleans (NaN is a value of its own: "unknown").
    min_days
        Consecutive rows required, at least 1 (1 returns the raw state).
    initial
        The value before the first run of ``min_days`` (``None`` gives NaN).

    Returns
    -------
    pandas.Series
        On ``state``'s index, with ``state``'s dtype where possible.
    """
    if isinstance(min_days, bool) or not isinstance(min_days, int | np.integer) or min_days < 1:
        raise ValueError(f"min_days must be an integer >= 1, got {min_days!r}")
    if min_days == 1 or state.empty:
        return state.copy()
    codes, uniques = pd.factorize(state, use_na_sentinel=True)  # NaN gets code -1
    new_run = np.concatenate([[True], codes[1:] != codes[:-1]])
    run_id = np.cumsum(new_run)
    run_length = pd.Series(1, index=state.index).groupby(run_id).cumsum().to_numpy()
    settled = pd.Series(np.where(run_length >= min_days, codes, np.nan)).ffill().to_numpy()
    values = np.empty(len(state), dtype=object)
    values[:] = initial if initial is not None else np.nan
    known = ~np.isnan(settled)
    # Code -1 ("unknown") picks the NaN appended at the end.
    lookup = np.append(np.asarray(uniques, dtype=object), np.nan)
    values[known] = lookup[settled[known].astype(int)]
    result = pd.Series(values, index=state.index, name=state.name)
    if state.dtype == bool:
        # Filled in numpy: Series.fillna on an object array downcasts, which pandas 2.2 warns about.
        fill = bool(initial) if initial is not None else False
        return pd.Series(np.where(pd.isna(values), fill, values).astype(bool), index=state.index, name=state.name)
    try:
        return result.astype(state.dtype)
    except (TypeError, ValueError):
        return result
