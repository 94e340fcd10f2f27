"""All-time highs, the base before them, and breakouts from long bases, point-in-time.

Thesis item 1 says the Russell 2000 broke its late-2021 high "in November 2024 by one account,
2025 by another". Both can be true: the intraday high and the closing high are two different
records, broken on different days. Everything here is therefore computed on a *basis*:

``close``
    the level is the session's close;
``intraday``
    the level is the session's intraday high (the close where the high is missing or,
    in bad data, below the close).

Definitions shared by every function (``all-time`` means since the first row given):

* the **all-time high** (ATH) at ``t`` is the highest level on or before ``t``; it is *set* on
  the last session whose level was strictly above every earlier one (equalling a record does
  not set a new one);
* a **new high** at ``t`` is a level strictly above the ATH at ``t - 1``;
* the **base length** of a new high is the number of sessions since the previous ATH was set
  (1 when the previous session was itself a record);
* a **breakout** is a new high whose base length is at least ``min_base`` sessions: the first
  new high after a long base. Later new highs of the same run have short bases, so a breakout
  is de-clustered by construction: one base, one breakout.

Rows of every output depend only on rows of the input dated on or before them. The one
exception is :func:`breakout_events`, a table *about* each breakout whose confirmation date and
other-basis date may lie after the breakout; they are filled in only once they have happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

#: Which level a record is measured on: the close, or the intraday high.
BreakoutBasis: TypeAlias = Literal["close", "intraday"]

_BASES: tuple[str, ...] = ("close", "intraday")


def _check_bars(bars: object) -> pd.DataFrame:
    """The bars as a float frame with ``close`` (and ``high``/``volume`` when present), checked."""
    if not isinstance(bars, pd.DataFrame):
        raise TypeError(f"bars must be a pandas DataFrame with a close column, got {type(bars).__name__}")
    if not isinstance(bars.index, pd.DatetimeIndex):
        raise TypeError("bars must be indexed by dates (a DatetimeIndex)")
    if "close" not in bars.columns:
        raise ValueError(f"bars must have a close column; columns: {', '.join(map(str, bars.columns))}")
    if not (bars.index.is_monotonic_increasing and bars.index.is_unique):
        raise ValueError("bars must have ascending, unique dates")
    close = bars["close"].astype(float)
    missing = close.isna()
    if missing.any():
        raise ValueError(f"bars has missing closes; first on {bars.index[missing.to_numpy()][0].date()}")
    not_positive = close <= 0
    if not_positive.any():
        raise ValueError(
            f"bars must have positive closes; first bad date {bars.index[not_positive.to_numpy()][0].date()}"
        )
    return bars


def _levels(bars: pd.DataFrame, basis: str) -> np.ndarray:
    """The level a record is measured on, per session (see the module docstring)."""
    close = bars["close"].to_numpy(dtype=float)
    if basis == "close" or "high" not in bars.columns:
        return close
    # fmax ignores a NaN high (close-only rows) and repairs a high below the close, which
    # would otherwise let a close set a record the "intraday" basis does not see.
    return np.fmax(bars["high"].to_numpy(dtype=float), close)


@dataclass(frozen=True)
class _Records:
    """Running records of one level series, by position (session number)."""

    ath: np.ndarray  # running maximum, including t
    set_at: np.ndarray  # position of the session that set ``ath``
    new_high: np.ndarray  # level strictly above the ATH at t - 1
    previous_ath: np.ndarray  # ATH at t - 1 (NaN on the first session)
    previous_set_at: np.ndarray  # position that set the ATH at t - 1 (-1 on the first session)
    base_length: np.ndarray  # on new-high sessions: t - previous_set_at; NaN otherwise


def _records(level: np.ndarray) -> _Records:
    n = len(level)
    position = np.arange(n)
    ath = np.maximum.accumulate(level) if n else level.copy()
    previous_ath = np.concatenate([[np.nan], ath[:-1]]) if n else level.copy()
    new_high = np.zeros(n, dtype=bool)
    new_high[1:] = level[1:] > ath[:-1]
    # The first session sets the first record; later only strict new highs do.
    sets = new_high.copy()
    if n:
        sets[0] = True
    set_at = np.maximum.accumulate(np.where(sets, position, -1)) if n else position.copy()
    previous_set_at = np.concatenate([[-1], set_at[:-1]]) if n else position.copy()
    base_length = np.where(new_high, position - previous_set_at, np.nan)
    return _Records(ath, set_at, new_high, previous_ath, previous_set_at, base_length)


def _calendar_days(index: pd.Index, since: np.ndarray) -> np.ndarray:
    """Whole calendar days from the session at position ``since[t]`` to session ``t``."""
    stamps = index.to_numpy()
    if not len(stamps):
        return np.array([], dtype=np.int64)
    return (stamps - stamps[np.maximum(since, 0)]) // np.timedelta64(1, "D")


def all_time_highs(bars: pd.DataFrame) -> pd.DataFrame:
    """All-time highs on close and on intraday high, drawdown, and the base before each record.

    Parameters
    ----------
    bars
        Date-indexed sessions with a ``close`` column and optionally ``high`` (NaN where only
        the close is known). Closes must be present and positive.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``bars``. "All-time" means since the first row of ``bars``.

        ``close_ath``
            The highest close on or before ``t`` (``t`` included).
        ``high_ath``
            The highest intraday high on or before ``t``, where a session's intraday high is
            ``max(high, close)`` and the close where the high is NaN.
        ``new_close_high``
            ``close_t > close_ath_{t-1}`` (strictly; ``False`` on the first row).
        ``new_intraday_high``
            The session's intraday high ``> high_ath_{t-1}`` (strictly; ``False`` on the first row).
        ``drawdown_close``
            ``close_t / close_ath_t - 1`` (0 on a record, negative below it).
        ``close_ath_date``, ``high_ath_date``
            The session that set the current record: the last one strictly above every
            earlier session (equalling a record does not move it).
        ``days_since_close_high``
            Calendar days from ``close_ath_date`` to ``t`` (0 on a record day).
        ``base_length``
            On a ``new_close_high`` day, the number of sessions since the previous closing
            record was set, i.e. the length of the base the close broke out of (1 when the
            previous session was itself a record); NaN on other days.

    Raises
    ------
    TypeError
        If ``bars`` is not a date-indexed DataFrame.
    ValueError
        If ``close`` is missing, a close is missing or not positive, or dates repeat or are
        not ascending.
    """
    bars = _check_bars(bars)
    index = bars.index
    close = _records(_levels(bars, "close"))
    intraday = _records(_levels(bars, "intraday"))
    close_values = bars["close"].to_numpy(dtype=float)
    close_ath_date = index[close.set_at] if len(index) else index
    high_ath_date = index[intraday.set_at] if len(index) else index
    days_since = _calendar_days(index, close.set_at)
    return pd.DataFrame(
        {
            "close_ath": close.ath,
            "high_ath": intraday.ath,
            "new_close_high": close.new_high,
            "new_intraday_high": intraday.new_high,
            "drawdown_close": close_values / close.ath - 1.0,
            "close_ath_date": close_ath_date,
            "high_ath_date": high_ath_date,
            "days_since_close_high": days_since.astype(np.int64),
            "base_length": close.base_length,
        },
        index=index,
    )


def _check_int(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")


@dataclass(frozen=True)
class BreakoutParams:
    """How a breakout is defined.

    Parameters
    ----------
    min_base
        Sessions since the previous all-time high (on ``basis``) a new high needs to count as
        a breakout: "the first new high after a long base". 250 sessions is about a year.
        Must be >= 1 (1 makes every new high a breakout).
    confirm_closes
        ``k``: a breakout is confirmed on the first session, within its episode, at which the
        last ``k`` closes (all on or after the breakout day) are all above the old high. With
        ``k`` consecutive closes above from the breakout day on, that is the ``k``-th session
        counting the breakout day as the first. Must be >= 1.
    volume_window
        Sessions in the trailing average volume that ``volume_ratio`` divides by. Must be >= 1.
    basis
        ``"close"`` (records of the close) or ``"intraday"`` (records of the intraday high).
        Confirmation always counts *closes* above the old high of the chosen basis.
    """

    min_base: int = 250
    confirm_closes: int = 3
    volume_window: int = 50
    basis: BreakoutBasis = "close"

    def __post_init__(self) -> None:
        _check_int("min_base", self.min_base, 1)
        _check_int("confirm_closes", self.confirm_closes, 1)
        _check_int("volume_window", self.volume_window, 1)
        if self.basis not in _BASES:
            raise ValueError(f"basis must be one of {', '.join(map(repr, _BASES))}, got {self.basis!r}")


def _check_params(params: object) -> BreakoutParams:
    if params is None:
        return BreakoutParams()
    if not isinstance(params, BreakoutParams):
        raise TypeError(f"params must be a BreakoutParams, got {type(params).__name__}")
    return params


def _volume_ratio(bars: pd.DataFrame, window: int) -> np.ndarray:
    """Volume over its mean in the ``window`` sessions before (today excluded, so a spike
    does not dilute its own yardstick); see :func:`breakout_signal` for the missing-data rule."""
    if "volume" not in bars.columns:
        return np.full(len(bars), np.nan)
    # Index volumes of 0 mean "not reported", not "nothing traded" (the snapshot's RUT has a
    # few scattered zeros since 2023); one of them should not blank out a whole window.
    volume = bars["volume"].astype(float).where(lambda v: v > 0)
    trailing = volume.rolling(window, min_periods=(window + 1) // 2).mean().shift(1)
    return (volume / trailing).to_numpy(dtype=float)


@dataclass(frozen=True)
class _Episodes:
    """Breakouts on one basis and the state of the episode each one opens, by position."""

    records: _Records
    breakout: np.ndarray  # bool
    last_breakout: np.ndarray  # position of the latest breakout on or before t, -1 if none
    live: np.ndarray  # t lies inside the latest breakout's episode
    old_high: np.ndarray  # the episode's old high where live, NaN otherwise
    base_length: np.ndarray  # the episode's base length where live, NaN otherwise
    discovery: np.ndarray  # the last k closes of the episode are all above the old high
    confirmed: np.ndarray  # the episode has been confirmed on or before t


def _episodes(bars: pd.DataFrame, params: BreakoutParams, basis: str) -> _Episodes:
    n = len(bars)
    position = np.arange(n)
    records = _records(_levels(bars, basis))
    breakout = records.new_high & (records.base_length >= params.min_base)
    last_breakout = np.maximum.accumulate(np.where(breakout, position, -1)) if n else position.copy()
    # An episode lasts while records keep coming: it ends once min_base sessions have passed
    # without a new high, because from then on the next new high is a new breakout (a new
    # base has formed). Any new high before that would have reset the count, so the count at
    # t alone tells whether the episode is still live.
    live = (last_breakout >= 0) & (position - records.set_at < params.min_base)
    anchor = np.where(live, last_breakout, 0)
    old_high = np.where(live, records.previous_ath[anchor], np.nan) if n else np.array([])
    base_length = np.where(live, records.base_length[anchor], np.nan) if n else np.array([])
    close = bars["close"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        above = live & (close > old_high)
    # Runs of closes above the old high; a run restarts at a breakout, so the closes of one
    # episode never count towards the next.
    previous_above = np.concatenate([[False], above[:-1]]) if n else above.copy()
    run_start = above & (breakout | ~previous_above)
    start_at = np.maximum.accumulate(np.where(run_start, position, -1)) if n else position.copy()
    run = np.where(above, position - start_at + 1, 0)
    discovery = run >= params.confirm_closes
    last_discovery = np.maximum.accumulate(np.where(discovery, position, -1)) if n else position.copy()
    confirmed = live & (last_discovery >= last_breakout)
    return _Episodes(records, breakout, last_breakout, live, old_high, base_length, discovery, confirmed)


def breakout_signal(bars: pd.DataFrame, params: BreakoutParams | None = None) -> pd.DataFrame:
    """The breakout state of each session: breakouts, confirmation and price discovery.

    A breakout (see the module docstring) opens an **episode**. The episode lasts until the
    next breakout, or until ``min_base`` sessions have passed without a new high on the basis
    (a new base has formed, so the next new high will be a new breakout), whichever is first.
    Episode columns refer to the latest breakout and are NaN/``False`` outside its episode.

    Parameters
    ----------
    bars
        Date-indexed sessions with ``close`` and optionally ``high`` and ``volume``.
    params
        The definition; ``BreakoutParams()`` when omitted.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``bars``:

        ``breakout``
            ``True`` on the session of a breakout on ``params.basis``: a new all-time high
            whose base is at least ``min_base`` sessions long.
        ``in_episode``
            ``t`` lies in the episode of the latest breakout.
        ``old_high``
            The all-time high the breakout broke (the record as it stood the session before
            the breakout), carried through the episode.
        ``base_length``
            The breakout's base length in sessions, carried through the episode.
        ``confirmed``
            ``True`` from the confirmation session to the end of the episode. The breakout is
            confirmed on the first session of its episode at which the last ``confirm_closes``
            closes, all dated on or after the breakout, are above ``old_high``. A close that
            falls back to or below the old high restarts the count; it does not cancel the
            episode (the Russell 2000 closed back below its 2021 high four sessions after its
            September 2025 closing breakout and stood 10% above it by January 2026).
        ``in_price_discovery``
            Inside the episode, the last ``confirm_closes`` closes are all above ``old_high``.
            A close at or below the old high ends price discovery; a new run of
            ``confirm_closes`` closes above restores it while the episode lasts. Implies
            ``confirmed``.
        ``volume_ratio``
            The session's volume divided by the mean reported volume of the ``volume_window``
            sessions before it (today excluded). A volume of 0 or NaN counts as not reported.
            NaN where today's volume is not reported or fewer than half (rounded up) of the
            window's volumes are.
        ``days_since_breakout``
            Calendar days since the latest breakout (0 on its day), whether or not its
            episode is over; NaN before the first breakout.
        ``distance_above_old_high``
            ``close / old_high - 1`` inside the episode; NaN outside.

    Raises
    ------
    TypeError, ValueError
        As :func:`all_time_highs`, and for ``params`` that are not a :class:`BreakoutParams`.
    """
    bars = _check_bars(bars)
    params = _check_params(params)
    state = _episodes(bars, params, params.basis)
    index = bars.index
    close = bars["close"].to_numpy(dtype=float)
    since = np.full(len(index), np.nan)
    happened = state.last_breakout >= 0
    if happened.any():
        since[happened] = _calendar_days(index, state.last_breakout)[happened]
    return pd.DataFrame(
        {
            "breakout": state.breakout,
            "in_episode": state.live,
            "old_high": state.old_high,
            "base_length": state.base_length,
            "confirmed": state.confirmed,
            "in_price_discovery": state.discovery,
            "volume_ratio": _volume_ratio(bars, params.volume_window),
            "days_since_breakout": since,
            "distance_above_old_high": close / state.old_high - 1.0,
        },
        index=index,
    )


def _first_overlapping(other: _Episodes, base_start: int, breakout: int) -> int:
    """Position of the other basis' first breakout whose base overlaps ``(base_start, breakout)``, or -1.

    Matching whole breakouts rather than the first higher level keeps a one-day spike at the
    top of the old high (RUT's intraday record of 2000-03-10 came the session after its closing
    record) from being reported as the other basis' breakout.
    """
    positions = np.flatnonzero(other.breakout)
    j = int(np.searchsorted(positions, base_start, side="right"))
    if j < len(positions) and other.records.previous_set_at[positions[j]] < breakout:
        return int(positions[j])
    return -1


def breakout_events(bars: pd.DataFrame, params: BreakoutParams | None = None) -> pd.DataFrame:
    """One row per breakout on ``params.basis``, with the dates it was seen on close and intraday.

    Forward returns are deliberately absent: what followed a breakout belongs to the
    statistics module, which knows it is looking forward.

    Parameters
    ----------
    bars
        Date-indexed sessions with ``close`` and optionally ``high`` and ``volume``.
    params
        The definition; ``BreakoutParams()`` when omitted.

    Returns
    -------
    pandas.DataFrame
        Indexed by the breakout session (``date``), ascending:

        ``base_length``
            Sessions since the previous all-time high on the basis (the base broken out of).
        ``base_start``
            The session that set that previous all-time high.
        ``old_high``
            That all-time high (on the basis).
        ``close_high_date``, ``intraday_high_date``
            When the close, and the intraday high, broke out of this base. On the chosen basis
            this is the breakout date itself. On the other basis it is the first breakout on
            that basis (same ``min_base``) whose base overlaps this one: it comes after
            ``base_start`` and its own base starts before this breakout. NaT while that has
            not happened; also NaT if the other basis left its base with fewer than
            ``min_base`` sessions. Either date may be later than the breakout (the Russell
            2000 broke its 2021 intraday high on 2024-11-25 and its closing high on
            2025-09-18); such a date is filled in only once it has happened.
        ``confirmed_date``
            The confirmation session (see :func:`breakout_signal`); NaT if the episode ended,
            or has not yet, without confirmation.
        ``sessions_to_confirm``
            Sessions from the breakout to ``confirmed_date`` (0 when confirmed on the breakout
            day); NaN if not confirmed.
        ``volume_ratio``
            ``volume_ratio`` of :func:`breakout_signal` on the breakout day.

    Raises
    ------
    TypeError, ValueError
        As :func:`breakout_signal`.
    """
    bars = _check_bars(bars)
    params = _check_params(params)
    index = bars.index
    chosen = _episodes(bars, params, params.basis)
    other_basis = "intraday" if params.basis == "close" else "close"
    other = _episodes(bars, params, other_basis)
    volume_ratio = _volume_ratio(bars, params.volume_window)
    # A confirmation session is the first confirmed one of its episode; an episode starts at
    # its breakout, which may follow the previous episode's last confirmed session directly.
    previous_confirmed = np.concatenate([[False], chosen.confirmed[:-1]]) if len(index) else chosen.confirmed
    confirmed_at = np.flatnonzero(chosen.confirmed & (~previous_confirmed | chosen.breakout))
    at = np.flatnonzero(chosen.breakout)
    start = chosen.records.previous_set_at[at]
    matched = np.array([_first_overlapping(other, int(s), int(p)) for s, p in zip(start, at, strict=True)], dtype=int)
    # The first confirmed session of each episode, or -1.
    confirm = np.full(len(at), -1)
    episode_of = np.searchsorted(at, chosen.last_breakout[confirmed_at])
    first_per_episode = np.unique(episode_of, return_index=True)
    confirm[first_per_episode[0]] = confirmed_at[first_per_episode[1]]

    def dates_at(positions: np.ndarray) -> pd.Index:
        # Positions of -1 mean "not (yet) happened"; keep the bars' own datetime unit.
        taken = pd.DatetimeIndex(index[np.maximum(positions, 0)] if len(index) else index)
        return taken.where(positions >= 0)

    own = pd.DatetimeIndex(index[at], name="date")
    other_dates = dates_at(matched)
    frame = pd.DataFrame(
        {
            "base_length": chosen.records.base_length[at].astype(np.int64),
            "base_start": index[start] if len(index) else index,
            "old_high": chosen.records.previous_ath[at],
            "close_high_date": own if params.basis == "close" else other_dates,
            "intraday_high_date": own if params.basis == "intraday" else other_dates,
            "confirmed_date": dates_at(confirm),
            "sessions_to_confirm": np.where(confirm >= 0, confirm - at, np.nan).astype(float),
            "volume_ratio": volume_ratio[at],
        },
        index=own,
    )
    return frame
