"""Bitcoin's halving cycle, derived from the protocol's issuance schedule.

Everything here follows from a few consensus constants and four facts of the chain:

* the block subsidy starts at 50 BTC and halves every 210,000 blocks, by an integer
  right-shift of its value in satoshis (``(50 * 10**8) >> epoch``), so it reaches zero in
  epoch 33 and the total converges to 20,999,999.9769 BTC, not 21 million;
* blocks are targeted at one per 10 minutes, i.e. 144 a day;
* the blocks 210,000, 420,000, 630,000 and 840,000 (the halvings so far) were mined on the UTC
  dates in :data:`HALVING_ANCHORS`.

Past halving dates are those anchors; future ones are *estimated* from the last anchor at the
10-minute target spacing and flagged ``estimated=True``. No price enters any of it.

Two kinds of function live here. :func:`halvings`, :func:`issuance` and the height/supply
helpers are point-in-time: a row for day ``t`` uses only the chain schedule and the block height
reached by ``t`` (which was public on ``t``). :func:`cycle_overlay` and
:func:`halving_window_returns` are *historical analyses*: they look forward from each anchor by
construction and must never feed a point-in-time signal.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from riskcurve._typing import DateLike
from riskcurve.data.calendar import on_days
from riskcurve.errors import InsufficientDataWarning

#: Blocks between two halvings (consensus ``nSubsidyHalvingInterval``).
BLOCKS_PER_EPOCH = 210_000
#: Satoshis per bitcoin.
SATOSHIS_PER_BTC = 10**8
#: Subsidy of the blocks of epoch 0, in satoshis (50 BTC).
INITIAL_SUBSIDY_SATS = 50 * SATOSHIS_PER_BTC
#: Consensus caps the shift: right-shifting a 64-bit integer by 64 or more is undefined in C++,
#: so Bitcoin Core returns a zero subsidy from the 64th halving on.
MAX_HALVINGS = 64
#: Target spacing between blocks, in minutes.
TARGET_SPACING_MINUTES = 10
#: Blocks per day at the target spacing.
BLOCKS_PER_DAY = 24 * 60 // TARGET_SPACING_MINUTES
#: Nominal supply used for "share mined" (the schedule's true limit is :data:`MAX_SUPPLY_SATS`).
NOMINAL_SUPPLY_BTC = 21_000_000
#: UTC date of the genesis block (height 0).
GENESIS = pd.Timestamp("2009-01-03")

#: (height, UTC date) of the blocks at which past halvings activated: facts of the chain.
HALVING_ANCHORS: tuple[tuple[int, pd.Timestamp], ...] = (
    (210_000, pd.Timestamp("2012-11-28")),
    (420_000, pd.Timestamp("2016-07-09")),
    (630_000, pd.Timestamp("2020-05-11")),
    (840_000, pd.Timestamp("2024-04-20")),
)


def _subsidy_sats_of_epoch(epoch: int) -> int:
    """Block subsidy in satoshis during ``epoch``, exactly as consensus computes it."""
    if epoch >= MAX_HALVINGS:
        return 0
    return INITIAL_SUBSIDY_SATS >> epoch


#: Subsidy in satoshis for epochs 0..64 (the last entry is the permanent zero).
_EPOCH_SUBSIDY_SATS = np.array([_subsidy_sats_of_epoch(e) for e in range(MAX_HALVINGS + 1)], dtype=np.int64)
#: Satoshis issued before the first block of each epoch 0..64 (fits int64: at most ~2.1e15).
_EPOCH_START_SUPPLY_SATS = np.concatenate([[0], np.cumsum(_EPOCH_SUBSIDY_SATS[:-1] * BLOCKS_PER_EPOCH)])
#: The schedule's limit: every satoshi that will ever be issued (2,099,999,997,690,000 sat).
MAX_SUPPLY_SATS = int(_EPOCH_START_SUPPLY_SATS[-1])
#: The epoch from which the subsidy is zero (the first with ``(50e8 >> epoch) == 0``).
LAST_HALVING = int(np.flatnonzero(_EPOCH_SUBSIDY_SATS == 0)[0])


def _check_height(height: int) -> int:
    if isinstance(height, bool) or not isinstance(height, int | np.integer):
        raise TypeError(f"height must be an integer block height, got {type(height).__name__}")
    if height < 0:
        raise ValueError(f"height must be >= 0, got {height}")
    return int(height)


def subsidy_at_height(height: int) -> float:
    """Block subsidy of the block at ``height``, in BTC.

    Defined as ``(50 * 10**8) >> (height // 210000)`` satoshis (zero from the 64th epoch on),
    divided by ``10**8``.

    Parameters
    ----------
    height
        Block height, ``>= 0``.

    Returns
    -------
    float
        The subsidy in BTC (e.g. 3.125 for heights 840,000..1,049,999).
    """
    height = _check_height(height)
    return _subsidy_sats_of_epoch(height // BLOCKS_PER_EPOCH) / SATOSHIS_PER_BTC


def supply_at_height(height: int) -> float:
    """Bitcoin issued by the schedule before block ``height``, in BTC.

    The exact sum, in integer satoshis, of the subsidies of blocks ``0 .. height - 1``:
    ``sum over epochs e of (blocks of epoch e below height) * ((50 * 10**8) >> e)``, then
    divided by ``10**8``. So ``supply_at_height(840_000)`` is 19,687,500 BTC and the limit is
    20,999,999.9769 BTC. This is the *scheduled* supply: it counts the unspendable genesis
    reward and ignores the few blocks whose miners claimed less than allowed.

    Parameters
    ----------
    height
        Block height, ``>= 0``.

    Returns
    -------
    float
        Supply in BTC.
    """
    return _supply_sats(np.array([_check_height(height)], dtype=np.int64))[0] / SATOSHIS_PER_BTC


def _supply_sats(heights: np.ndarray) -> np.ndarray:
    """Vectorised :func:`supply_at_height` in integer satoshis."""
    epoch = np.minimum(heights // BLOCKS_PER_EPOCH, MAX_HALVINGS)
    into_epoch = heights - epoch * BLOCKS_PER_EPOCH
    # Past the 64th epoch the subsidy is zero, so blocks there add nothing.
    return _EPOCH_START_SUPPLY_SATS[epoch] + into_epoch * _EPOCH_SUBSIDY_SATS[epoch]


def _day_numbers(dates: pd.DatetimeIndex) -> np.ndarray:
    """Whole days since the genesis date (dates are normalised to midnight)."""
    return ((dates.normalize() - GENESIS) // pd.Timedelta(days=1)).to_numpy(dtype=np.int64)


_ANCHOR_HEIGHTS = np.array([0] + [h for h, _ in HALVING_ANCHORS], dtype=np.int64)
_ANCHOR_DAYS = _day_numbers(pd.DatetimeIndex([GENESIS] + [d for _, d in HALVING_ANCHORS]))


def _estimated_heights(days: np.ndarray) -> np.ndarray:
    """Estimated block height on each day number (days since genesis, all ``>= 0``)."""
    last_day, last_height = _ANCHOR_DAYS[-1], _ANCHOR_HEIGHTS[-1]
    # Between anchors the real chain ran faster or slower than 144 a day; a straight line
    # through the known points is exact at the anchors and never off by much between them.
    inside = np.floor(np.interp(days, _ANCHOR_DAYS, _ANCHOR_HEIGHTS)).astype(np.int64)
    beyond = last_height + BLOCKS_PER_DAY * (days - last_day)
    return np.where(days > last_day, beyond, inside)


def _as_dates(dates: DateLike | Sequence[DateLike] | pd.DatetimeIndex | pd.Series, name: str) -> pd.DatetimeIndex:
    if isinstance(dates, str | dt.date | pd.Timestamp):
        dates = [dates]
    try:
        index = pd.DatetimeIndex(pd.to_datetime(dates))  # type: ignore[arg-type]
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be dates, got {dates!r}") from error
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    if index.hasnans:
        raise ValueError(f"{name} contains missing dates (NaT)")
    index = index.normalize()
    if len(index) and index.min() < GENESIS:
        raise ValueError(
            f"{name} must be on or after the genesis block date {GENESIS.date()}, got {index.min().date()}"
        )
    return index.rename("date")


def estimated_height(date: DateLike) -> int:
    """Estimated block height reached on a UTC date.

    Linear interpolation, by calendar day, between the anchors (genesis at height 0 on
    2009-01-03 and the halving blocks of :data:`HALVING_ANCHORS`), rounded down; after the last
    anchor, 144 blocks a day (the 10-minute target) from it. Exact on the anchor dates.

    Parameters
    ----------
    date
        A date on or after 2009-01-03.

    Returns
    -------
    int
        The estimated height.
    """
    days = _day_numbers(_as_dates(date, "date"))
    return int(_estimated_heights(days)[0])


def _epoch_start_dates() -> pd.DatetimeIndex:
    """First day of each epoch 0..LAST_HALVING: genesis, the anchors, then estimated halvings.

    An estimated halving is the first day whose estimated height reaches the halving height, so
    it agrees by construction with :func:`estimated_height` and :func:`issuance`.
    """
    last_height, last_date = HALVING_ANCHORS[-1]
    dates = [GENESIS] + [d for _, d in HALVING_ANCHORS]
    for epoch in range(len(HALVING_ANCHORS) + 1, LAST_HALVING + 1):
        blocks_ahead = epoch * BLOCKS_PER_EPOCH - last_height
        dates.append(last_date + pd.Timedelta(days=math.ceil(blocks_ahead / BLOCKS_PER_DAY)))
    return pd.DatetimeIndex(dates)


def halvings() -> pd.DataFrame:
    """Every halving, past (chain facts) and future (estimated), until the subsidy reaches zero.

    Past halvings come from :data:`HALVING_ANCHORS`. A future halving at height ``h`` is dated
    ``last_anchor_date + ceil((h - last_anchor_height) / 144)`` days (the 10-minute target
    spacing), e.g. block 1,050,000 on 2028-04-18; the real date will differ by days to weeks.
    The list stops at halving 33 (block 6,930,000), after which ``(50e8 >> epoch)`` is zero.

    Returns
    -------
    pandas.DataFrame
        Index ``halving`` (1, 2, ...); columns ``height``, ``date``, ``subsidy_after`` (BTC per
        block from that height on), ``supply`` (BTC issued before that height) and
        ``estimated`` (``False`` for the known past halvings).
    """
    starts = _epoch_start_dates()
    numbers = np.arange(1, LAST_HALVING + 1)
    heights = numbers * BLOCKS_PER_EPOCH
    return pd.DataFrame(
        {
            "height": heights.astype(np.int64),
            "date": starts[1:],
            "subsidy_after": _EPOCH_SUBSIDY_SATS[numbers] / SATOSHIS_PER_BTC,
            "supply": _supply_sats(heights.astype(np.int64)) / SATOSHIS_PER_BTC,
            "estimated": numbers > len(HALVING_ANCHORS),
        },
        index=pd.Index(numbers, name="halving"),
    )


def halving_dates(*, estimated: bool = False) -> pd.DatetimeIndex:
    """Dates of the halvings: the known past ones, plus the estimated future ones if asked.

    Parameters
    ----------
    estimated
        Include future halvings estimated at the 10-minute target spacing.
    """
    table = halvings()
    if not estimated:
        table = table[~table["estimated"]]
    return pd.DatetimeIndex(table["date"], name="halving_date")


def issuance(dates: Sequence[DateLike] | pd.DatetimeIndex | pd.Series) -> pd.DataFrame:
    """Bitcoin's issuance schedule read on each date.

    Parameters
    ----------
    dates
        UTC dates on or after 2009-01-03 (times are dropped).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``date``, one row per input date:

        ``height_est``
            Estimated block height reached that day (see :func:`estimated_height`).
        ``subsidy``
            BTC per block at that height, ``(50e8 >> epoch) / 1e8``.
        ``supply``
            BTC issued by the blocks below ``height_est`` (:func:`supply_at_height`).
        ``annual_issuance``
            BTC a year at the current subsidy and target spacing: ``subsidy * 144 * 365``.
        ``supply_inflation``
            ``annual_issuance / supply`` (NaN while the supply is zero).
        ``share_mined``
            ``supply / 21,000,000`` (the nominal cap; the true limit is 20,999,999.9769).
        ``halving_epoch``
            ``height_est // 210000``: 0 before the first halving, 4 after April 2024.
        ``days_since_halving``
            Calendar days since the epoch's first day (the genesis date in epoch 0).
        ``days_to_next_halving``
            ``ceil((next halving height - height_est) / 144)``: what the 10-minute schedule
            said on that day. For past dates it is the estimate of the time, not the date the
            halving actually came (which nobody knew then).
        ``cycle_progress``
            ``days_since_halving / (days_since_halving + days_to_next_halving)``: 0 on a
            halving day, approaching 1 just before the next.

    Notes
    -----
    Between anchors the height is interpolated, so it can be a few hundred blocks off the real
    chain; the real height was public every day, so no row uses information from its future
    beyond that approximation. Past the last halving (heights >= 6,930,000) the subsidy, the
    inflation and the days to the next halving are zero, zero and NaN.
    """
    index = _as_dates(dates, "dates")
    days = _day_numbers(index)
    height = _estimated_heights(days)
    epoch = height // BLOCKS_PER_EPOCH
    capped = np.minimum(epoch, MAX_HALVINGS)
    subsidy = _EPOCH_SUBSIDY_SATS[capped] / SATOSHIS_PER_BTC
    supply = _supply_sats(height) / SATOSHIS_PER_BTC
    annual = subsidy * BLOCKS_PER_DAY * 365
    with np.errstate(divide="ignore", invalid="ignore"):
        inflation = np.where(supply > 0, annual / np.where(supply > 0, supply, 1.0), np.nan)

    starts = _epoch_start_dates()
    start_days = _day_numbers(starts)
    last_epoch = len(starts) - 1
    since = days - start_days[np.minimum(epoch, last_epoch)]
    has_next = epoch < last_epoch
    # Ceiling division in integers: the first day whose estimated height reaches the next halving.
    blocks_left = (epoch + 1) * BLOCKS_PER_EPOCH - height
    to_next = np.where(has_next, -(-blocks_left // BLOCKS_PER_DAY), 0).astype(float)
    to_next[~has_next] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        progress = np.where(since + to_next > 0, since / (since + to_next), 0.0)
    progress[~has_next] = np.nan

    return pd.DataFrame(
        {
            "height_est": height,
            "subsidy": subsidy,
            "supply": supply,
            "annual_issuance": annual,
            "supply_inflation": inflation,
            "share_mined": supply / NOMINAL_SUPPLY_BTC,
            "halving_epoch": epoch,
            "days_since_halving": since,
            "days_to_next_halving": to_next,
            "cycle_progress": progress,
        },
        index=index,
    )


def _check_close(close: pd.Series) -> pd.Series:
    if not isinstance(close, pd.Series):
        raise TypeError(f"close must be a pandas Series of prices, got {type(close).__name__}")
    if not isinstance(close.index, pd.DatetimeIndex):
        raise TypeError("close must be indexed by dates (a DatetimeIndex)")
    clean = close.dropna().sort_index()
    if (clean <= 0).any():
        raise ValueError(f"close must be positive; first bad date {clean.index[clean <= 0][0].date()}")
    return clean


def cycle_overlay(
    close: pd.Series, anchors: pd.DatetimeIndex | Sequence[DateLike], *, horizon_days: int = 1460
) -> pd.DataFrame:
    """Cycle-aligned returns: the path of ``close`` after each anchor date, side by side.

    A *historical analysis*, not a signal: each column looks forward from its anchor by
    construction, so it must never be used inside a point-in-time signal or a backtest rule.

    Parameters
    ----------
    close
        Date-indexed closing prices.
    anchors
        The dates to align on (e.g. :func:`halving_dates`, or small-cap breakout dates).
    horizon_days
        Last calendar day after the anchor to show.

    Returns
    -------
    pandas.DataFrame
        Index ``days_since_anchor`` = 0..``horizon_days`` (calendar days); one column per anchor
        (the anchor date). The value at ``d`` is ``close(anchor + d) / close(anchor) - 1``,
        where ``close(x)`` is the last close on or before ``x`` (carried at most 4 days, as
        :func:`riskcurve.data.calendar.on_days` does). Days after the last available close are
        NaN. An anchor without a close on or just before it gives a NaN column, with a warning.

    Warns
    -----
    InsufficientDataWarning
        For each anchor without a close on its date (e.g. the 2012 halving, before the BTC data).
    """
    clean = _check_close(close)
    if isinstance(horizon_days, bool) or not isinstance(horizon_days, int | np.integer) or horizon_days < 0:
        raise ValueError(f"horizon_days must be a non-negative integer, got {horizon_days!r}")
    anchor_index = pd.DatetimeIndex(pd.to_datetime(anchors)).normalize()  # type: ignore[arg-type]
    offsets = pd.RangeIndex(0, int(horizon_days) + 1, name="days_since_anchor")
    last = clean.index.max() if len(clean) else None
    columns: dict[pd.Timestamp, np.ndarray] = {}
    for anchor in anchor_index:
        days = anchor + pd.to_timedelta(np.asarray(offsets), unit="D")
        path = on_days(clean, pd.DatetimeIndex(days)).to_numpy(dtype=float, copy=True)
        if last is not None:
            # on_days would carry the last close a few days past the end; the overlay stops there.
            path[days > last] = np.nan
        start = path[0]
        if np.isnan(start):
            first = clean.index.min().date() if len(clean) else "never"
            warnings.warn(
                f"no close on or just before anchor {anchor.date()} (the series starts {first}); "
                "its overlay column is NaN",
                InsufficientDataWarning,
                stacklevel=2,
            )
        columns[anchor] = path / start - 1.0
    frame = pd.DataFrame(columns, index=offsets)
    frame.columns = pd.DatetimeIndex(list(columns), name="anchor")
    return frame


def halving_window_returns(close: pd.Series, *, as_of: DateLike | None = None) -> pd.DataFrame:
    """Each cycle's return over the same number of days after its halving as have elapsed now.

    With ``n`` = calendar days from the latest halving on or before ``as_of`` to ``as_of``,
    each halving ``H`` (on or before ``as_of``) gets ``close(H + n) / close(H) - 1``, where
    ``close(x)`` is the last close on or before ``x`` (carried at most 4 days) among closes
    dated on or before ``as_of``. This is the comparison of thesis item 3 ("+~50% since the 2024
    halving versus ~5x and ~27x over the same windows of earlier cycles").

    A *historical analysis*: the earlier cycles' windows end before ``as_of``, and the latest
    one ends on it, so every number was known on ``as_of``; still, do not use it as a signal.

    Parameters
    ----------
    close
        Date-indexed closing prices of BTC.
    as_of
        The day to measure on; the last close's date when ``None``.

    Returns
    -------
    pandas.DataFrame
        Index ``halving_date``; columns ``height``, ``end_date``, ``days``, ``start_close``,
        ``end_close``, ``return`` (``end_close / start_close - 1``), ``multiple``
        (``end_close / start_close``) and ``note`` (empty, or why a value is NaN: e.g. the 2012
        halving predates the BTC data, which start on 2013-04-29).

    Raises
    ------
    ValueError
        If ``as_of`` is before the first halving.
    """
    clean = _check_close(close)
    if as_of is None:
        if clean.empty:
            raise ValueError("close has no prices and as_of was not given")
        as_of_day = clean.index.max().normalize()
    else:
        as_of_day = _as_dates(as_of, "as_of")[0]
    # Only what was known on as_of.
    known = clean.loc[:as_of_day]
    table = halvings()
    past = table[(~table["estimated"]) & (table["date"] <= as_of_day)]
    if past.empty:
        raise ValueError(f"as_of {as_of_day.date()} is before the first halving ({table['date'].iloc[0].date()})")
    elapsed = int((as_of_day - past["date"].iloc[-1]).days)
    starts = pd.DatetimeIndex(past["date"], name="halving_date")
    ends = starts + pd.Timedelta(days=elapsed)
    start_close = on_days(known, starts).to_numpy(dtype=float)
    end_close = on_days(known, ends).to_numpy(dtype=float)
    first = known.index.min().date() if len(known) else None
    notes = []
    for start, end, a, b in zip(starts, ends, start_close, end_close, strict=True):
        missing = []
        if np.isnan(a):
            missing.append(f"no close on or just before the halving date {start.date()}")
        if np.isnan(b):
            missing.append(f"no close on or just before the window's end {end.date()}")
        if missing and first is not None:
            missing.append(f"the series runs {first}..{known.index.max().date()}")
        notes.append("; ".join(missing))
    return pd.DataFrame(
        {
            "height": past["height"].to_numpy(),
            "end_date": ends,
            "days": elapsed,
            "start_close": start_close,
            "end_close": end_close,
            "return": end_close / start_close - 1.0,
            "multiple": end_close / start_close,
            "note": notes,
        },
        index=starts,
    )
