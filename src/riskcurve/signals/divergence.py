"""Divergences: "anything but crypto", and Bitcoin as the early-warning asset.

Two views of the same question — does Bitcoin part ways with other risk assets, and does it
turn first?

* :func:`anything_but_crypto` marks days when small caps or precious metals trade at (or near)
  their all-time highs while Bitcoin is in a drawdown; :func:`divergence_events` turns those
  days into de-clustered episodes.
* :func:`turning_points` finds peaks and troughs with a zig-zag rule, and
  :func:`early_warning` measures by how many days Bitcoin's turning points precede (or follow)
  an equity index's.

All-time highs and drawdowns are "to date": computed from the closes passed in, up to and
including each day, so pass the whole history to get true records.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskcurve import numbers as nf
from riskcurve.signals.events import onsets

_TURNING_COLUMNS = ["type", "date", "price", "confirmed", "confirm_price", "change"]


def _check_series(name: str, series: object) -> pd.Series:
    if not isinstance(series, pd.Series):
        raise TypeError(f"{name} must be a pandas Series, got {type(series).__name__}")
    if not isinstance(series.index, pd.DatetimeIndex):
        raise TypeError(f"{name} must have a DatetimeIndex")
    if not series.index.is_monotonic_increasing or series.index.has_duplicates:
        raise ValueError(f"{name} must have a sorted index without duplicate dates")
    return series.astype(float)


def _fraction(name: str, value: float, *, upper: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not 0.0 < float(value) < upper:
        raise ValueError(f"{name} must be strictly between 0 and {nf.significant(upper, 6)} (a fraction), got {value}")
    return float(value)


def _below_high(close: pd.Series) -> pd.Series:
    """Fraction below the highest close to date: ``1 - close / max(close[:t])`` (0 at a record)."""
    return 1.0 - close / close.cummax()


def anything_but_crypto(
    small: pd.Series,
    gold: pd.Series,
    silver: pd.Series,
    btc: pd.Series,
    *,
    near_high_pct: float = 0.02,
    btc_drawdown: float = 0.10,
) -> pd.DataFrame:
    """Small caps or precious metals at their highs while Bitcoin is in a drawdown.

    Definitions, for a close ``c`` and its all-time high to date ``H_t = max(c[s], s <= t)``
    (the highest close passed in, up to and including day ``t``):

    * **near its high**: ``c_t >= (1 - near_high_pct) * H_t``, i.e. within ``near_high_pct``
      (default 2%) below the record close; a new record is near its high.
    * **BTC drawdown**: ``1 - BTC_t / H_t(BTC)``, the fraction below Bitcoin's record close.
    * **divergence**: (small caps near their high *or* gold or silver near its high) *and*
      BTC drawdown ``>= btc_drawdown`` (default 10%).
    * **divergence_all**: the articles' picture, a conjunction: small caps *and* gold *and*
      silver all near their highs *and* BTC drawdown ``>= btc_drawdown``. Unknown (``<NA>``)
      on a day where any of the four closes is unknown: a missing close is no state.

    An unknown close (NaN, e.g. a closed market beyond the carry limit or before a series
    starts) is not near its high; an unknown BTC close makes the day no divergence.

    Parameters
    ----------
    small, gold, silver, btc
        Closes on one daily index (Russell 2000, gold and silver in USD/oz, Bitcoin in USD).
        Exchange series carried over weekends with :func:`~riskcurve.data.calendar.on_days`.
    near_high_pct
        How close to the record counts as "near", as a fraction in (0, 1).
    btc_drawdown
        Minimum Bitcoin drawdown, as a fraction in (0, 1).

    Returns
    -------
    pandas.DataFrame
        On the shared index: ``small_below_high``, ``gold_below_high``, ``silver_below_high``
        (fractions below the record), ``small_near_high``, ``gold_near_high``,
        ``silver_near_high``, ``metals_near_high`` (gold or silver), ``btc_drawdown``
        (fraction), ``divergence`` (bool) and ``divergence_all`` (nullable boolean: the
        conjunction, ``<NA>`` where a close is unknown).
    """
    near = _fraction("near_high_pct", near_high_pct)
    floor = _fraction("btc_drawdown", btc_drawdown)
    series = {
        "small": _check_series("small", small),
        "gold": _check_series("gold", gold),
        "silver": _check_series("silver", silver),
        "btc": _check_series("btc", btc),
    }
    index = series["small"].index
    for name, values in series.items():
        if not values.index.equals(index):
            raise ValueError(f"{name} must share the index of small (align all four on one daily index)")
    frame = pd.DataFrame(index=pd.DatetimeIndex(index, name="date"))
    for name in ("small", "gold", "silver"):
        frame[f"{name}_below_high"] = _below_high(series[name])
    for name in ("small", "gold", "silver"):
        # Compared as prices, exactly as defined (1 - c/H would round 2% to 2.0000000000000018%);
        # a NaN compares False: unknown is not near.
        close = series[name]
        frame[f"{name}_near_high"] = (close >= (1.0 - near) * close.cummax()).to_numpy()
    frame["metals_near_high"] = frame["gold_near_high"] | frame["silver_near_high"]
    frame["btc_drawdown"] = _below_high(series["btc"])
    btc_down = series["btc"] <= (1.0 - floor) * series["btc"].cummax()
    frame["divergence"] = (frame["small_near_high"] | frame["metals_near_high"]) & btc_down
    together = frame["small_near_high"] & frame["gold_near_high"] & frame["silver_near_high"] & btc_down
    known = pd.concat(series, axis=1).notna().all(axis=1)
    frame["divergence_all"] = pd.array(
        [bool(hit) if ok else pd.NA for hit, ok in zip(together, known, strict=True)], dtype="boolean"
    )
    return frame


def divergence_events(frame: pd.DataFrame, *, cooldown: int = 0) -> pd.DataFrame:
    """The divergence episodes of :func:`anything_but_crypto`, one row each.

    An episode starts on a day ``divergence`` switches on (via
    :func:`~riskcurve.signals.events.onsets`); runs starting within ``cooldown`` rows of an
    episode's start are merged into it (de-clustering).

    Parameters
    ----------
    frame
        The output of :func:`anything_but_crypto`.
    cooldown
        Rows after an episode's start during which a new onset belongs to the same episode.

    Returns
    -------
    pandas.DataFrame
        One row per episode, columns:

        ``start``
            The first day of the episode (known at the end of that day).
        ``end``
            Its last divergence day; NaT while the episode is still open on the frame's last
            row. A closed episode's end becomes known the day after it.
        ``duration_days``
            Calendar days from ``start`` to ``end`` inclusive (to the last row if open).
        ``open``
            Whether the episode is still running on the last row.
        ``btc_drawdown_at_start``, ``btc_drawdown_max``
            Bitcoin's drawdown (fraction) on the start day and its largest value in the episode.
        ``near_high_at_start``
            Which of ``small_caps``, ``gold``, ``silver`` were near their highs on the start day.
    """
    needed = {"divergence", "btc_drawdown", "small_near_high", "gold_near_high", "silver_near_high"}
    missing = needed - set(frame.columns)
    if missing:
        raise ValueError(f"frame lacks column(s) {', '.join(sorted(missing))}; pass anything_but_crypto()'s output")
    if isinstance(cooldown, bool) or not isinstance(cooldown, int | np.integer) or cooldown < 0:
        raise ValueError(f"cooldown must be an integer >= 0, got {cooldown!r}")
    state = frame["divergence"].fillna(False).astype(bool)
    on = state.to_numpy()
    columns = [
        "start",
        "end",
        "duration_days",
        "open",
        "btc_drawdown_at_start",
        "btc_drawdown_max",
        "near_high_at_start",
    ]
    if not on.any():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns}).astype(
            {"start": "datetime64[ns]", "end": "datetime64[ns]", "duration_days": int, "open": bool}
        )
    starts = np.flatnonzero(on & ~np.concatenate([[False], on[:-1]]))
    ends = np.flatnonzero(on & ~np.concatenate([on[1:], [False]]))
    events = onsets(state, cooldown=cooldown)
    positions = frame.index.get_indexer(events)
    index = pd.DatetimeIndex(frame.index)
    rows = []
    for number, first in enumerate(positions.tolist()):
        following = positions[number + 1] if number + 1 < len(positions) else len(on)
        # The episode absorbs every run that starts before the next episode does.
        last = int(ends[(starts >= first) & (starts < following)].max())
        is_open = last == len(on) - 1
        near = [
            label
            for label, column in (
                ("small_caps", "small_near_high"),
                ("gold", "gold_near_high"),
                ("silver", "silver_near_high"),
            )
            if bool(frame[column].iloc[first])
        ]
        rows.append(
            {
                "start": index[first],
                "end": pd.NaT if is_open else index[last],
                "duration_days": int((index[last] - index[first]).days) + 1,
                "open": is_open,
                "btc_drawdown_at_start": float(frame["btc_drawdown"].iloc[first]),
                "btc_drawdown_max": float(frame["btc_drawdown"].iloc[first : last + 1].max()),
                "near_high_at_start": ",".join(near),
            }
        )
    return pd.DataFrame(rows, columns=columns).astype({"start": "datetime64[ns]", "end": "datetime64[ns]"})


def turning_points(close: pd.Series, *, threshold: float = 0.2) -> pd.DataFrame:
    """Peaks and troughs by a zig-zag rule, each with the date it became known.

    The rule, walking the closes forward: while looking for a peak, track the highest close
    since the last trough; the peak is **confirmed** on the first later day whose close is at
    least ``threshold`` below it (``close <= peak * (1 - threshold)``). Then look for a trough
    the same way: the lowest close since the peak, confirmed on the first day the close is at
    least ``threshold`` above it (``close >= trough * (1 + threshold)``). At the start, the first
    of the two confirmations to happen decides which comes first. The extreme's date is
    known only on the confirmation date: a point-in-time consumer (a backtest, an alert) must
    use ``confirmed``, never ``date``. The last, unconfirmed swing is not listed.

    Parameters
    ----------
    close
        Positive closes, date-indexed (NaN rows are dropped).
    threshold
        Reversal that confirms an extreme, as a fraction in (0, 1); default 0.2 (20%, the usual
        bear/bull-market line for indices).

    Returns
    -------
    pandas.DataFrame
        One row per turning point in time order: ``type`` (``"peak"`` or ``"trough"``),
        ``date`` (of the extreme close), ``price`` (that close), ``confirmed`` (date of the
        confirming close), ``confirm_price`` and ``change`` (``price`` over the previous
        turning point's price, minus 1; NaN for the first).
    """
    level = _fraction("threshold", threshold)
    values = _check_series("close", close).dropna()
    if (values <= 0).any():
        raise ValueError("close must be positive prices (the zig-zag thresholds are relative)")
    prices = values.to_numpy()
    dates = values.index
    rows: list[tuple[str, int, int]] = []
    if len(prices):
        direction = 0  # 0: undecided, 1: looking for a peak, -1: looking for a trough
        high = low = prices[0]
        high_at = low_at = 0
        for i in range(1, len(prices)):
            price = prices[i]
            if direction >= 0 and price > high:
                high, high_at = price, i
            if direction <= 0 and price < low:
                low, low_at = price, i
            if direction >= 0 and price <= high * (1.0 - level):
                rows.append(("peak", high_at, i))
                # No close since the peak was this low yet, so the trough search starts here.
                direction, low, low_at = -1, price, i
            elif direction <= 0 and price >= low * (1.0 + level):
                rows.append(("trough", low_at, i))
                direction, high, high_at = 1, price, i
    table = pd.DataFrame(
        {
            "type": [kind for kind, _, _ in rows],
            "date": pd.DatetimeIndex([dates[at] for _, at, _ in rows]),
            "price": [float(prices[at]) for _, at, _ in rows],
            "confirmed": pd.DatetimeIndex([dates[on] for _, _, on in rows]),
            "confirm_price": [float(prices[on]) for _, _, on in rows],
        },
        columns=_TURNING_COLUMNS[:-1],
    )
    table["change"] = table["price"] / table["price"].shift(1) - 1.0
    return table.astype({"type": object, "date": "datetime64[ns]", "confirmed": "datetime64[ns]"})


def early_warning(
    btc_close: pd.Series,
    equity_close: pd.Series,
    *,
    threshold: float = 0.2,
    max_gap_days: int = 365,
    btc_threshold: float | None = None,
) -> pd.DataFrame:
    """Does Bitcoin top and bottom before equities? The lead of BTC turning points over an index's.

    Historical analysis on *confirmed* turning points (:func:`turning_points`), dated by their
    extremes: it looks back at the whole record and is not a point-in-time signal. Each equity
    peak (trough) dated within Bitcoin's data range is matched with the Bitcoin peak (trough)
    whose date is nearest to it, before or after, within ``max_gap_days`` calendar days (ties go
    to the earlier Bitcoin point). A Bitcoin point may match more than one equity point.

    Parameters
    ----------
    btc_close, equity_close
        Closes on their own calendars.
    threshold
        Zig-zag reversal for the equity index (fraction, default 0.2).
    max_gap_days
        Largest distance, in calendar days, between matched extremes (default 365).
    btc_threshold
        Zig-zag reversal for Bitcoin; ``None`` uses ``threshold``. Bitcoin moves several times
        as much as an index, so a larger value (e.g. 0.35) keeps only its major swings.

    Returns
    -------
    pandas.DataFrame
        One row per equity turning point: ``type``, ``equity_date``, ``equity_confirmed``,
        ``equity_price``, ``btc_date``, ``btc_confirmed``, ``btc_price`` (NaT/NaN when
        unmatched) and ``lead_days`` = ``equity_date - btc_date`` in days: **positive means
        Bitcoin turned first**.
    """
    if isinstance(max_gap_days, bool) or not isinstance(max_gap_days, int | np.integer) or max_gap_days < 0:
        raise ValueError(f"max_gap_days must be an integer >= 0, got {max_gap_days!r}")
    btc_points = turning_points(btc_close, threshold=threshold if btc_threshold is None else btc_threshold)
    equity_points = turning_points(equity_close, threshold=threshold)
    btc_dates = _check_series("btc_close", btc_close).dropna().index
    columns = [
        "type",
        "equity_date",
        "equity_confirmed",
        "equity_price",
        "btc_date",
        "btc_confirmed",
        "btc_price",
        "lead_days",
    ]
    if btc_dates.empty:
        return pd.DataFrame(columns=columns)
    inside = equity_points[(equity_points["date"] >= btc_dates[0]) & (equity_points["date"] <= btc_dates[-1])]
    rows = []
    for point in inside.itertuples(index=False):
        candidates = btc_points[btc_points["type"] == point.type]
        gaps = (candidates["date"] - point.date).dt.days.abs()
        near = candidates[gaps <= max_gap_days]
        match = None
        if not near.empty:
            ranked = near.assign(gap=gaps[near.index]).sort_values(["gap", "date"], kind="stable")
            match = ranked.iloc[0]
        rows.append(
            {
                "type": point.type,
                "equity_date": point.date,
                "equity_confirmed": point.confirmed,
                "equity_price": point.price,
                "btc_date": match["date"] if match is not None else pd.NaT,
                "btc_confirmed": match["confirmed"] if match is not None else pd.NaT,
                "btc_price": float(match["price"]) if match is not None else np.nan,
                "lead_days": float((point.date - match["date"]).days) if match is not None else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=columns).astype(
        {
            "equity_date": "datetime64[ns]",
            "equity_confirmed": "datetime64[ns]",
            "btc_date": "datetime64[ns]",
            "btc_confirmed": "datetime64[ns]",
            "lead_days": float,
        }
    )
