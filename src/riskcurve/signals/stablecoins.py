"""Stablecoin supply: crypto's own liquidity gauge, beside the Fed's net liquidity.

Dollars parked in stablecoins are the money crypto traders count as waiting on the sidelines:
supply growing means fresh dollars have come on chain, supply shrinking means they are leaving.
The signal is the supply itself and its change over 4 and 13 weeks (28 and 91 calendar days),
read from the supply as known on each day, so nothing later is used.
"""

from __future__ import annotations

import pandas as pd

#: Calendar days in the short and long windows (4 and 13 weeks).
SHORT_DAYS = 28
LONG_DAYS = 91
#: Output columns.
COLUMNS = (
    "stablecoin_supply",
    "stablecoin_chg_4w",
    "stablecoin_chg_13w",
    "stablecoin_pct_4w",
    "stablecoin_pct_13w",
)


def supply_changes(supply: pd.Series, *, short_days: int = SHORT_DAYS, long_days: int = LONG_DAYS) -> pd.DataFrame:
    """Stablecoin supply and its change over two windows.

    Parameters
    ----------
    supply
        Total stablecoin supply in USD, indexed by day (as known at the end of each day; NaN
        where nothing was known). The windows are calendar days, looked up by date, so days
        missing from the index count as unknown rather than shifting the window.
    short_days, long_days
        Window lengths in calendar days (default 28 and 91: 4 and 13 weeks).

    Returns
    -------
    pandas.DataFrame
        On ``supply``'s index: ``stablecoin_supply`` (USD billions), ``stablecoin_chg_4w`` and
        ``stablecoin_chg_13w`` (change in USD billions over the short and long window), and
        ``stablecoin_pct_4w``, ``stablecoin_pct_13w`` (the same as fractions of the earlier
        level). The column names keep "4w"/"13w" whatever the windows are.

    Raises
    ------
    TypeError
        If ``supply`` is not a Series on a DatetimeIndex.
    ValueError
        If the index is not strictly increasing, a supply is not positive, or a window is not
        a positive number of days with ``short_days < long_days``.
    """
    if not isinstance(supply, pd.Series) or not isinstance(supply.index, pd.DatetimeIndex):
        raise TypeError(f"supply must be a pandas Series on a DatetimeIndex, got {type(supply).__name__}")
    if not supply.index.is_monotonic_increasing or supply.index.has_duplicates:
        raise ValueError("supply's dates must be strictly increasing")
    if not 0 < short_days < long_days:
        raise ValueError(f"windows must satisfy 0 < short_days < long_days, got {short_days} and {long_days}")
    level = pd.to_numeric(supply, errors="raise").astype(float) / 1e9
    if (level <= 0).any():
        bad = level[level <= 0].index[0]
        raise ValueError(f"supply must be positive, got {supply.loc[bad]} on {bad.date()}")
    out = pd.DataFrame({"stablecoin_supply": level}, index=supply.index)
    dates = pd.DatetimeIndex(supply.index)
    for days, label in ((short_days, "4w"), (long_days, "13w")):
        earlier = pd.Series(level.reindex(dates - pd.Timedelta(days=days)).to_numpy(), index=dates)
        out[f"stablecoin_chg_{label}"] = level - earlier
        out[f"stablecoin_pct_{label}"] = level / earlier - 1.0
    return out[list(COLUMNS)]


def total_supply(*sources: pd.Series | None) -> pd.Series:
    """The total stablecoin supply on each day, from several copies in order of preference.

    The rule of :data:`riskcurve.data.symbols.STABLECOIN_TOTALS`: pass the live ``STABLECOINS``
    series first and the snapshot's ``STABLECOIN_SUPPLY_TOTAL`` second, each already read on the
    same days as known on each day (NaN where unknown or stale). On each day the first copy that
    is known then gives the value; a day no copy knows stays NaN. Both copies are DefiLlama's
    total, so where both are known they agree to the snapshot's six significant digits.

    Parameters
    ----------
    *sources
        Series on one shared DatetimeIndex; ``None`` for a copy the store does not hold.

    Returns
    -------
    pandas.Series
        Named ``"stablecoin_supply_total"``, USD, on the sources' index.

    Raises
    ------
    ValueError
        If no source is given or their indexes differ.
    """
    present = [source for source in sources if source is not None]
    if not present:
        raise ValueError("total_supply needs at least one source series")
    index = present[0].index
    if any(not source.index.equals(index) for source in present[1:]):
        raise ValueError("the stablecoin supply sources must be read on the same days")
    total = present[0].astype(float)
    for source in present[1:]:
        total = total.fillna(source.astype(float))
    return total.rename("stablecoin_supply_total")
