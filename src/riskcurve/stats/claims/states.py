"""States by day, as known at the end of each day: signal columns, series readings, calendar conditions.

A state is 1.0 (holds), 0.0 (does not) or NaN (unknown: the data needed are missing or stale on
that day). Every value uses only what was known by the end of its day: a change compares the
value known that day with the value known ``change_days`` days earlier, a year-to-date change
with the value known at the end of the previous year, a new high with the series' own
observations up to that day, and the first sessions of a year count only sessions so far.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskcurve.stats.claims.context import Context, Reader
from riskcurve.stats.claims.language import ChangeUnit, Events, State
from riskcurve.stats.claims.result import DataMissing

#: The calendar whose sessions ``first_sessions`` counts when the state names no series.
DEFAULT_SESSIONS = "GSPC"


def change_unit(reader: Reader, state: State) -> ChangeUnit:
    """The unit a series state's change is measured in: given, or by the series' kind.

    A series in percent (a rate, a spread) changes by a ``difference`` of percentage points;
    everything else (prices, USD levels, index levels, a ratio of two series) in ``percent``.
    """
    if state.change is not None:
        return state.change
    return "difference" if "percent" in reader.unit(str(state.series)).lower() else "percent"


def changed(now: pd.Series, then: pd.Series, unit: ChangeUnit) -> pd.Series:
    """The change from ``then`` to ``now`` in ``unit`` (NaN where either is unknown or a ratio is undefined)."""
    if unit == "difference":
        return now - then
    ratio = (now / then).where((then > 0) & (now > 0))
    return ratio - 1.0 if unit == "percent" else pd.Series(np.log(ratio.to_numpy()), index=ratio.index)


def _year_start(values: pd.Series) -> pd.Series:
    """For each day, the value known at the end of the previous calendar year (NaN if not on the calendar)."""
    days = pd.DatetimeIndex(values.index)
    year_end = values[(days.month == 12) & (days.day == 31)]
    by_year = pd.Series(year_end.to_numpy(), index=pd.DatetimeIndex(year_end.index).year + 1)
    return pd.Series(by_year.reindex(days.year).to_numpy(), index=values.index)


def _extreme(reader: Reader, name: str, window: int, high: bool, days: pd.DatetimeIndex) -> pd.Series:
    """Whether the series stands at its ``window``-observation high (or low) on each day."""
    from riskcurve.data.calendar import on_days

    if reader.is_price(name):
        own = reader.series(name).dropna().astype(float)
        rolled = own.rolling(window, min_periods=window)
        extreme = rolled.max() if high else rolled.min()
        flags = (own >= extreme) if high else (own <= extreme)
        return on_days(flags.astype(float).where(extreme.notna()), days)
    values = reader.on_days(name, days).astype(float)
    rolled = values.rolling(window, min_periods=window)
    extreme = rolled.max() if high else rolled.min()
    flags = (values >= extreme) if high else (values <= extreme)
    return flags.astype(float).where(extreme.notna() & values.notna())


def _first_sessions(reader: Reader, name: str, count: int, days: pd.DatetimeIndex) -> pd.Series:
    """Days from a year's first session through its ``count``-th (sessions: days ``name`` has a value)."""
    sessions = pd.DatetimeIndex(reader.series(name).dropna().index)
    is_session = pd.Series(days.isin(sessions), index=days)
    so_far = is_session.groupby(days.year).cumsum()
    inside = (so_far >= 1) & ((is_session & (so_far <= count)) | (~is_session & (so_far < count)))
    known = days >= sessions.min() if len(sessions) else np.zeros(len(days), dtype=bool)
    known &= days <= sessions.max() + pd.Timedelta(days=7) if len(sessions) else known
    return inside.astype(float).where(known)


def state_by_day(reader: Reader, state: State, days: pd.DatetimeIndex) -> pd.Series:
    """A state by day: 1.0 where it holds, 0.0 where it does not, NaN where unknown.

    Parameters
    ----------
    reader
        Reads the claim's series as known on its date.
    state
        The state (see :class:`~riskcurve.stats.claims.language.State`).
    days
        The days to read it on (the crypto calendar of the claim's data).

    Returns
    -------
    pandas.Series
        Indexed by ``days``.
    """
    if state.all is not None or state.any is not None:
        parts = pd.concat([state_by_day(reader, s, days) for s in (state.all or state.any or [])], axis=1)
        combined = parts.min(axis=1, skipna=False) if state.all is not None else parts.max(axis=1, skipna=False)
        return combined.rename(state.label())
    if state.month is not None:
        months = [state.month] if isinstance(state.month, int) else list(state.month)
        return pd.Series(days.month.isin(months).astype(float), index=days, name=state.label())
    if state.first_sessions is not None:
        name = state.series or DEFAULT_SESSIONS
        return _first_sessions(reader, name, state.first_sessions, days).rename(state.label())
    if state.signal is not None:
        values = reader.signal_column(state.signal, state.symbol, state.parameters, state.column or "")
        values = values.reindex(days)
    else:
        assert state.series is not None
        if state.new_high is not None or state.new_low is not None:
            high = state.new_high is not None
            window = int(state.new_high if high else state.new_low)  # type: ignore[arg-type]
            return _extreme(reader, state.series, window, high, days).rename(state.label())
        values = reader.on_days(state.series, days).astype(float)
        if state.change_days is not None:
            values = changed(values, values.shift(state.change_days), change_unit(reader, state))
        elif state.ytd:
            values = changed(values, _year_start(values), change_unit(reader, state))
    known = values.notna()
    if state.equals is not None:
        flags = values == state.equals if isinstance(state.equals, str) else values.astype(bool) == state.equals
    elif state.above is not None:
        flags = values.astype(float) > state.above
    else:
        flags = values.astype(float) < float(state.below)  # type: ignore[arg-type]
    return flags.astype(float).where(known).rename(state.label())


def described(reader: Reader, state: State) -> str:
    """The state in words with the unit its change is measured in (defaults resolved)."""
    if state.all is not None or state.any is not None:
        joiner = " and " if state.all is not None else " or "
        return "(" + joiner.join(described(reader, s) for s in (state.all or state.any or [])) + ")"
    if state.series is not None and (state.change_days is not None or state.ytd) and state.change is None:
        return state.model_copy(update={"change": change_unit(reader, state)}).label()
    return state.label()


def event_days(ctx: Context, reader: Reader, events: Events) -> pd.DatetimeIndex:
    """Event dates known on the reader's day: a state's onsets (``cooldown`` days apart), or the context's."""
    from riskcurve.signals.events import onsets

    if events.state is None:
        return ctx.events(reader.data, events)
    days = reader.data.days()
    flags = state_by_day(reader, events.state, days)
    known = flags.dropna()
    if known.empty:
        last = days.max().date()
        raise DataMissing(f"the state {described(reader, events.state)} is never known on or before {last}")
    return onsets(flags.loc[known.index.min() :] == 1.0, cooldown=events.cooldown)
