"""Altcoin season: how much of the altcoin basket is beating Bitcoin, and ETH/BTC's trend.

The usual definition (Blockchain Center's "altcoin season index"): it is altcoin season when at
least 75% of the basket outperformed Bitcoin over the last 90 days. Coins enter the basket only
once they have existed for the whole window, so a coin listed last month cannot vote, and
survivorship is avoided: a coin counts on the days it traded, whether or not it lived on.

Which coins make the basket is the store's business, not this module's: the signal registry
passes the catalogue's basket coins and every coin imported with ``riskcurve import --basket``
(:meth:`riskcurve.data.panel.MarketData.basket`), hundreds of them if need be; the functions here
take whatever columns they are given and apply the same rule to each.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from riskcurve._typing import DateLike
from riskcurve.signals.events import onsets, persist


def _check_closes(closes: pd.DataFrame, base: str, basket: Sequence[str] | None, window: int) -> list[str]:
    """Validate the panel and arguments; return the basket's columns."""
    if not isinstance(closes, pd.DataFrame):
        raise TypeError(f"closes must be a pandas DataFrame with one column per coin, got {type(closes).__name__}")
    if not isinstance(closes.index, pd.DatetimeIndex):
        raise TypeError("closes must be indexed by dates (a DatetimeIndex)")
    if not closes.index.is_monotonic_increasing or closes.index.has_duplicates:
        raise ValueError("closes must have ascending, unique dates")
    if base not in closes.columns:
        raise ValueError(f"base {base!r} is not a column of closes; columns: {', '.join(map(str, closes.columns))}")
    if isinstance(window, bool) or not isinstance(window, int | np.integer) or window < 1:
        raise ValueError(f"window must be a positive number of days, got {window!r}")
    if basket is None:
        members = [c for c in closes.columns if c != base]
    else:
        missing = [c for c in basket if c not in closes.columns]
        if missing:
            raise ValueError(f"basket coins missing from closes: {', '.join(missing)}")
        if base in basket:
            raise ValueError(f"basket must not contain the base {base!r}")
        members = list(dict.fromkeys(basket))
    bad = closes[[base, *members]].le(0).any()
    if bad.any():
        raise ValueError(f"closes must be positive; non-positive values in {', '.join(map(str, bad.index[bad]))}")
    return members


def _window_returns(closes: pd.DataFrame, window: int) -> pd.DataFrame:
    """``close_t / close_{t - window days} - 1``, NaN unless both closes exist (no carrying)."""
    # Looked up by calendar date, so a row missing from the calendar is a missing close, not a shift.
    past = closes.reindex(pd.DatetimeIndex(closes.index) - pd.Timedelta(days=window))
    past.index = closes.index
    return closes / past - 1.0


def altseason(
    closes: pd.DataFrame,
    *,
    base: str = "BTC",
    window: int = 90,
    threshold: float = 0.75,
    min_members: int = 5,
    basket: Sequence[str] | None = None,
    eth: str = "ETH",
    trend_window: int = 50,
    min_days: int = 1,
) -> pd.DataFrame:
    """The altcoin-season state on each date.

    Parameters
    ----------
    closes
        Closing prices, one column per coin, indexed by date on a daily (UTC) calendar. NaN or
        absent means the coin had no close that day; nothing is forward-filled.
    base
        The coin the basket is measured against.
    window
        Lookback in calendar days.
    threshold
        Share of members that must beat the base for altcoin season.
    min_members
        Fewest members for the state to be on at all (a basket of two is no season).
    basket
        The coins that may vote; every column but ``base`` when ``None`` (ETH included, as in
        the usual index; pass :data:`riskcurve.data.symbols.ALTCOINS` to leave it out).
    eth
        The column used for ``eth_btc``.
    trend_window
        Days in the ETH/BTC moving average.
    min_days
        Consecutive days the raw rule must hold (or fail) before ``altseason`` changes state;
        1 reads the rule day by day.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``closes``:

        ``members``
            Basket coins with a close on ``t`` and on ``t - window`` days (coins that did not
            exist ``window`` days ago are not members).
        ``beating``
            Members whose return over the window, ``close_t / close_{t-window} - 1``, is
            strictly greater than the base's; 0 when the base's return is undefined.
        ``share``
            ``beating / members``; NaN when there are no members or the base's return is undefined.
        ``altseason``
            ``share >= threshold`` and ``members >= min_members``.
        ``eth_btc``
            ``close[eth] / close[base]``; NaN when either is missing or ``eth`` is not a column.
        ``eth_btc_trend``
            ``eth_btc`` above its mean over the last ``trend_window`` calendar days (all of them
            present, today included); ``False`` where that mean is undefined.
    """
    members_list = _check_closes(closes, base, basket, window)
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    if isinstance(min_members, bool) or not isinstance(min_members, int | np.integer) or min_members < 1:
        raise ValueError(f"min_members must be a positive integer, got {min_members!r}")
    if isinstance(trend_window, bool) or not isinstance(trend_window, int | np.integer) or trend_window < 1:
        raise ValueError(f"trend_window must be a positive integer, got {trend_window!r}")

    prices = closes[[base, *members_list]].astype(float)
    returns = _window_returns(prices, window)
    base_return = returns[base]
    coin_returns = returns[members_list]
    eligible = coin_returns.notna()
    members = eligible.sum(axis=1).astype(int)
    base_known = base_return.notna()
    beating = coin_returns.gt(base_return, axis=0).sum(axis=1).where(base_known, 0).astype(int)
    share = (beating / members.where(members > 0)).where(base_known)
    season = (share >= threshold) & (members >= min_members)
    # Hysteresis against a share hovering at the threshold: the state changes only after the
    # raw rule held (or failed) on min_days consecutive days; still point-in-time.
    season = persist(season.astype(bool), min_days, initial=False).astype(bool)

    if eth in closes.columns and eth != base:
        eth_btc = closes[eth].astype(float) / closes[base].astype(float)
    else:
        eth_btc = pd.Series(np.nan, index=closes.index)
    # A calendar-day window: a missing day leaves the mean undefined instead of silently
    # stretching it over more than trend_window days.
    mean = eth_btc.rolling(f"{int(trend_window)}D", min_periods=int(trend_window)).mean()
    trend = (eth_btc > mean).fillna(False).astype(bool)

    return pd.DataFrame(
        {
            "members": members,
            "beating": beating,
            "share": share,
            "altseason": season.fillna(False).astype(bool),
            "eth_btc": eth_btc,
            "eth_btc_trend": trend,
        },
        index=closes.index,
    )


def basket_composition(
    closes: pd.DataFrame,
    window: int,
    date: DateLike,
    *,
    base: str = "BTC",
    basket: Sequence[str] | None = None,
) -> list[str]:
    """The coins that were members of the basket on ``date``.

    Parameters
    ----------
    closes, window, base, basket
        As for :func:`altseason`.
    date
        A date of ``closes``' index.

    Returns
    -------
    list of str
        Basket coins with a close on ``date`` and on ``date - window`` days, in column order.

    Raises
    ------
    ValueError
        If ``date`` is not in ``closes``' index.
    """
    members_list = _check_closes(closes, base, basket, window)
    day = pd.Timestamp(date).normalize()
    if day not in closes.index:
        raise ValueError(
            f"date {day.date()} is not in closes (which run {closes.index.min().date()}..{closes.index.max().date()})"
        )
    returns = _window_returns(closes[members_list].astype(float), window)
    row = returns.loc[day]
    return [str(coin) for coin in members_list if pd.notna(row[coin])]


def altseason_events(closes: pd.DataFrame, *, cooldown: int = 90, **options: object) -> pd.DatetimeIndex:
    """Onsets of altcoin season, de-clustered: one run of the state is one event.

    Parameters
    ----------
    closes
        As for :func:`altseason`.
    cooldown
        Rows (days) after an event during which a new onset is not a new event, so a share
        flickering around the threshold does not make several seasons.
    **options
        Passed to :func:`altseason` (``base``, ``window``, ``threshold``, ``min_members``...).

    Returns
    -------
    pandas.DatetimeIndex
        The event dates, ascending.
    """
    state = altseason(closes, **options)["altseason"]  # type: ignore[arg-type]
    return onsets(state, cooldown=cooldown)


def basket_index(closes: pd.DataFrame, *, name: str = "ALT_BASKET") -> pd.Series:
    """An equal-weight, daily rebalanced index of the coins in ``closes``, starting at 1.

    Each day's return is the mean of the simple daily returns of the coins that have a close on
    that day and the day before (a coin joins the day after its first close and leaves when its
    closes stop), so the index uses only what existed on each day.

    Parameters
    ----------
    closes
        One column per coin on a daily calendar (missing closes stay missing).
    name
        The name of the returned series.

    Returns
    -------
    pandas.Series
        The index level, from the first day with at least one daily return (1.0 the day before);
        days with no coin are dropped.
    """
    if not isinstance(closes, pd.DataFrame) or closes.shape[1] == 0:
        raise ValueError("closes must be a DataFrame with at least one coin column")
    daily = closes.astype(float).pct_change(fill_method=None)
    mean = daily.mean(axis=1, skipna=True).dropna()
    if mean.empty:
        raise ValueError("no two consecutive closes for any coin: the basket has no return")
    start = closes.index[int(closes.index.searchsorted(mean.index[0])) - 1]
    level = pd.concat([pd.Series([1.0], index=[start]), (1.0 + mean).cumprod()])
    level.index.name = closes.index.name
    return level.rename(name)
