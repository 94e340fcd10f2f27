"""Forward returns: the one place in riskcurve that looks forward in time.

Signals are functions of what was known at each date; what *followed* a date is measured here
and nowhere else, so a reviewer looking for look-ahead has one module to read.

Convention (used by every function below)
-----------------------------------------
An event dated ``t`` is known at the **end** of bar ``t`` (its close). The earliest price one
could act on is therefore the close of the next bar, ``t + 1``. The ``h``-bar forward return
of ``t`` is

* entry: the close of bar ``t + 1``,
* exit: the close of bar ``t + 1 + h``,
* ``log(close[t+1+h] / close[t+1])`` (``kind="log"``) or ``close[t+1+h] / close[t+1] - 1``
  (``kind="simple"``).

The event bar's own move (close ``t - 1`` to close ``t``) and the move into the entry bar
(close ``t`` to close ``t + 1``) are never part of it: the first return counted is the one
from close ``t + 1`` to close ``t + 2``. This is the same timing as a backtest that acts on
the bar after the signal, and it keeps an event that is *defined* by a big move (a breakout)
from being credited with that move. The return is NaN where ``t + 1 + h`` runs past the data.

Horizons are counted in bars of the target's own calendar: calendar days for crypto,
exchange sessions for indices and ETFs.

Events dated on another calendar (a Russell 2000 breakout read against Bitcoin) enter at the
close of the first target bar *strictly after* the event date (:func:`align_events`). A Bitcoin
daily bar dated ``d`` closes at 00:00 UTC of ``d + 1``, after the New York close of ``d``,
so entering at the bar dated ``d + 1`` is always after the event was known, whichever way the
two calendars meet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

#: How a forward return is measured: log of the price ratio, or the simple (arithmetic) return.
ReturnKind: TypeAlias = Literal["log", "simple"]

_KINDS: tuple[str, ...] = ("log", "simple")

#: Default longest wait, in calendar days, between an event and the target's entry bar. A
#: Friday event before a long weekend enters on Tuesday (4 days); a target with no bar for more
#: than a week after the event (a gap, a halt, a delisting) does not measure that event.
MAX_DELAY_DAYS = 7

#: Why an event has or has not got an entry bar on the target (``status`` of :func:`align_events`).
EVENT_STATUSES: tuple[str, ...] = ("ok", "before_target", "after_target", "no_nearby_bar")


def check_close(close: object, name: str = "close") -> pd.Series:
    """A price series as float, validated: date-indexed, ascending, unique, positive, no gaps in values.

    Parameters
    ----------
    close
        The series to check.
    name
        The argument's name, for error messages.

    Returns
    -------
    pandas.Series
        The same values as ``float``.

    Raises
    ------
    TypeError
        Not a Series, or not indexed by dates.
    ValueError
        Unsorted or duplicate dates, missing or non-positive closes.
    """
    if not isinstance(close, pd.Series):
        raise TypeError(f"{name} must be a pandas Series of closes, got {type(close).__name__}")
    if not isinstance(close.index, pd.DatetimeIndex):
        raise TypeError(f"{name} must be indexed by dates (a DatetimeIndex)")
    if not (close.index.is_monotonic_increasing and close.index.is_unique):
        raise ValueError(f"{name} must have ascending, unique dates")
    values = close.astype(float)
    missing = values.isna().to_numpy()
    label = f"{name} ({close.name})" if close.name is not None else name
    if missing.any():
        raise ValueError(f"{label} has missing closes; first on {close.index[missing][0].date()} (drop them first)")
    bad = (values <= 0).to_numpy() | ~np.isfinite(values.to_numpy())
    if bad.any():
        raise ValueError(f"{label} must have positive, finite closes; first bad date {close.index[bad][0].date()}")
    return values


def check_horizons(horizons: object) -> tuple[int, ...]:
    """Horizons as a sorted tuple of distinct positive integers (bars)."""
    if isinstance(horizons, int | np.integer) and not isinstance(horizons, bool):
        horizons = (horizons,)
    if isinstance(horizons, str) or not isinstance(horizons, Iterable):
        raise TypeError(f"horizons must be a sequence of positive integers (bars), got {horizons!r}")
    checked: list[int] = []
    for h in horizons:
        if isinstance(h, bool) or not isinstance(h, int | np.integer) or h < 1:
            raise ValueError(f"horizons must be positive integers (bars), got {h!r}")
        checked.append(int(h))
    if not checked:
        raise ValueError("horizons must not be empty")
    if len(set(checked)) != len(checked):
        raise ValueError(f"horizons must be distinct, got {checked}")
    return tuple(sorted(checked))


def check_kind(kind: object) -> ReturnKind:
    """``kind`` validated against the allowed return kinds."""
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, _KINDS))}, got {kind!r}")
    return kind  # type: ignore[return-value]


def _ratio(exit_price: np.ndarray, entry_price: np.ndarray, kind: ReturnKind) -> np.ndarray:
    if kind == "log":
        return np.log(exit_price / entry_price)
    return exit_price / entry_price - 1.0


def forward_returns(close: pd.Series, horizons: Sequence[int], *, kind: ReturnKind = "log") -> pd.DataFrame:
    """The ``h``-bar return that follows each date, entered at the next bar's close.

    Parameters
    ----------
    close
        Closes on the target's own calendar (one row per bar), ascending dates.
    horizons
        Holding periods in bars of that calendar.
    kind
        ``"log"`` for ``log(exit / entry)``, ``"simple"`` for ``exit / entry - 1``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``close``; one column per horizon (the integer ``h``). Row ``t`` holds the
        return from the close of bar ``t + 1`` to the close of bar ``t + 1 + h`` (see the
        module docstring), NaN where that runs past the last bar.

    Examples
    --------
    >>> close = pd.Series([100.0, 110.0, 121.0, 133.1], index=pd.date_range("2024-01-01", periods=4))
    >>> forward_returns(close, [1, 2], kind="simple").round(4)  # doctest: +NORMALIZE_WHITESPACE
    horizon       1     2
    date
    2024-01-01  0.1  0.21
    2024-01-02  0.1   NaN
    2024-01-03  NaN   NaN
    2024-01-04  NaN   NaN
    """
    values = check_close(close).to_numpy()
    horizons = check_horizons(horizons)
    kind = check_kind(kind)
    n = len(values)
    columns: dict[int, np.ndarray] = {}
    for h in horizons:
        out = np.full(n, np.nan)
        # Rows 0 .. n-2-h have both an entry (t+1) and an exit (t+1+h) inside the data.
        last = n - 1 - h
        if last > 0:
            out[:last] = _ratio(values[1 + h : n], values[1 : n - h], kind)
        columns[h] = out
    frame = pd.DataFrame(columns, index=close.index.rename("date"))
    frame.columns.name = "horizon"
    return frame


def align_events(
    events: Iterable[object], target_index: pd.DatetimeIndex, *, max_delay_days: int = MAX_DELAY_DAYS
) -> pd.DataFrame:
    """Place events dated on any calendar on the target's bars.

    An event known at the end of day ``d`` enters at the close of the first target bar dated
    strictly after ``d``. Its row in :func:`forward_returns` is the target bar just before that
    entry bar (the last target bar dated on or before ``d``), whose forward return starts at
    the entry bar's close.

    Parameters
    ----------
    events
        Event dates (anything :class:`pandas.DatetimeIndex` accepts); duplicates are merged.
    target_index
        The target's bar dates, ascending and unique.
    max_delay_days
        Longest wait, in calendar days, from the event to the entry bar.

    Returns
    -------
    pandas.DataFrame
        Indexed by event date (``date``), ascending:

        ``status``
            ``ok``; ``before_target`` (no target bar on or before the event: it predates the
            target's history); ``after_target`` (no target bar after it yet); or
            ``no_nearby_bar`` (the target has no bar within ``max_delay_days`` after it).
        ``bar``
            The target bar whose forward return the event takes (NaT unless ``ok``).
        ``entry``
            The entry bar, the first target bar strictly after the event (NaT unless ``ok``).
        ``position``
            ``bar``'s position in ``target_index`` (-1 unless ``ok``).
    """
    if not isinstance(target_index, pd.DatetimeIndex):
        raise TypeError("target_index must be a DatetimeIndex")
    if not (target_index.is_monotonic_increasing and target_index.is_unique):
        raise ValueError("target_index must have ascending, unique dates")
    if isinstance(max_delay_days, bool) or not isinstance(max_delay_days, int | np.integer) or max_delay_days < 1:
        raise ValueError(f"max_delay_days must be an integer >= 1, got {max_delay_days!r}")
    try:
        raw = events if isinstance(events, pd.DatetimeIndex) else pd.to_datetime(list(events))  # type: ignore[arg-type]
        dates = pd.DatetimeIndex(raw).normalize()
    except (TypeError, ValueError) as exc:
        raise TypeError(f"events must be dates: {exc}") from None
    dates = dates.unique().sort_values().rename("date")
    n = len(target_index)
    entry_at = target_index.searchsorted(dates, side="right") if len(dates) else np.array([], dtype=int)
    status = np.full(len(dates), "ok", dtype=object)
    status[entry_at == 0] = "before_target"
    status[entry_at >= n] = "after_target"
    inside = (entry_at > 0) & (entry_at < n)
    delay = np.full(len(dates), np.timedelta64(0, "D"), dtype="timedelta64[ns]")
    if inside.any():
        delay[inside] = (
            target_index.to_numpy(dtype="datetime64[ns]")[entry_at[inside]]
            - dates.to_numpy(dtype="datetime64[ns]")[inside]
        )
    status[inside & (delay > np.timedelta64(int(max_delay_days), "D"))] = "no_nearby_bar"
    ok = status == "ok"
    position = np.where(ok, entry_at - 1, -1).astype(np.int64)
    stamps = target_index.to_numpy(dtype="datetime64[ns]")
    bar = np.full(len(dates), np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
    entry = bar.copy()
    bar[ok] = stamps[position[ok]]
    entry[ok] = stamps[entry_at[ok]]
    return pd.DataFrame({"status": status, "bar": bar, "entry": entry, "position": position}, index=dates)


def cumulative_paths(
    close: pd.Series, positions: Sequence[int] | np.ndarray, max_horizon: int, *, kind: ReturnKind = "log"
) -> np.ndarray:
    """Cumulative return after entry, bar by bar, for events at ``positions``.

    Parameters
    ----------
    close
        The target's closes.
    positions
        Rows of :func:`forward_returns` (the bar before each entry bar).
    max_horizon
        Last bar after entry.
    kind
        As :func:`forward_returns`.

    Returns
    -------
    numpy.ndarray
        Shape ``(max_horizon + 1, len(positions))``; entry ``[k, j]`` is the return from the
        entry close of event ``j`` to the close ``k`` bars later (0 at ``k = 0``), NaN past the data.
    """
    values = check_close(close).to_numpy()
    kind = check_kind(kind)
    n = len(values)
    steps = np.arange(max_horizon + 1)
    entry = np.asarray(positions, dtype=np.int64) + 1
    where = entry[None, :] + steps[:, None]
    inside = (where < n) & (entry[None, :] < n)
    exits = np.where(inside, values[np.clip(where, 0, n - 1)], np.nan)
    entries = values[np.clip(entry, 0, n - 1)]
    return _ratio(exits, entries[None, :], kind)


def baseline_quantiles(
    close: pd.Series, quantiles: Sequence[float], max_horizon: int, *, kind: ReturnKind = "log"
) -> pd.DataFrame:
    """Quantiles of the cumulative return ``k`` bars after entry, over every possible entry date.

    The same population as the baseline of each horizon in an event study: every bar ``t``
    whose entry (``t + 1``) and exit (``t + 1 + k``) are inside the data.

    Returns
    -------
    pandas.DataFrame
        Index ``bars_after_entry`` 0..``max_horizon``, one column per quantile.
    """
    values = check_close(close).to_numpy()
    kind = check_kind(kind)
    n = len(values)
    rows = []
    for k in range(max_horizon + 1):
        entries = values[1 : n - k] if n - k > 1 else np.array([])
        exits = values[1 + k : n] if n - k > 1 else np.array([])
        sample = _ratio(exits, entries, kind)
        rows.append(np.quantile(sample, quantiles) if len(sample) else np.full(len(quantiles), np.nan))
    return pd.DataFrame(
        np.asarray(rows).reshape(max_horizon + 1, len(quantiles)),
        index=pd.RangeIndex(max_horizon + 1, name="bars_after_entry"),
        columns=pd.Index([float(q) for q in quantiles], name="quantile"),
    )
