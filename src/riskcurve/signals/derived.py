"""Derived series: net liquidity and its components, usable wherever a symbol is.

``NETLIQ`` (Fed total assets - Treasury General Account - overnight reverse repo) is not a
series any source publishes; it is computed here from what had been published by the end of
each day, exactly as :func:`riskcurve.signals.liquidity.net_liquidity` does, so a derived
series on day ``t`` uses nothing published after ``t``. The lead-lag study, the conditional
study and the charts read derived series by name through :func:`derived_series`.

Every derived series is in **USD billions**, one value per calendar day (the value known at the
end of that day), NaN where an input is unknown or stale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from riskcurve.data.panel import MarketData
from riskcurve.signals import liquidity

__all__ = ["ALTS", "ALTS_NAMES", "DERIVED", "DerivedSpec", "derived_series", "is_derived", "level_series"]

#: The equal-weight altcoin basket's name as a target (``ALT_BASKET`` is accepted too).
ALTS = "ALTS"
#: Every name the altcoin basket answers to.
ALTS_NAMES: tuple[str, ...] = (ALTS, "ALT_BASKET")

#: First day derived liquidity series are computed from (the H.4.1 series start in December 2002).
START = "2003-01-01"

_MILLIONS_PER_BILLION = 1000.0


@dataclass(frozen=True)
class DerivedSpec:
    """One derived series.

    Attributes
    ----------
    name
        The symbol it is used under (``"NETLIQ"``).
    description
        What it is, in words.
    unit
        Its unit (all liquidity series: ``"USD billions"``).
    change
        How a change of it is measured in a lead-lag study: ``"log"`` (log change, for a
        positive USD level) or ``"diff"`` (difference, for a level that can be 0).
    sources
        The stored symbols it is computed from.
    compute
        ``(data, days) -> Series`` of the values known at the end of each of ``days``.
    """

    name: str
    description: str
    unit: str
    change: Literal["log", "diff"]
    sources: tuple[str, ...]
    compute: Callable[[MarketData, pd.DatetimeIndex], pd.Series]


def _scaled(symbol: str) -> Callable[[MarketData, pd.DatetimeIndex], pd.Series]:
    def compute(data: MarketData, days: pd.DatetimeIndex) -> pd.Series:
        return data.known(symbol, days) / _MILLIONS_PER_BILLION

    return compute


def _rrp(data: MarketData, days: pd.DatetimeIndex) -> pd.Series:
    # The zero rule before daily operations began (see net_liquidity) applies here too.
    rrp = liquidity.known_rrp(data.vintages("RRPONTSYD"), days)
    return rrp.where(~(rrp.isna() & (days < liquidity.RRP_DAILY_START)), 0.0)


def _netliq(data: MarketData, days: pd.DatetimeIndex) -> pd.Series:
    net = liquidity.net_liquidity(
        data.known("WALCL", days), data.known("WTREGEN", days), liquidity.known_rrp(data.vintages("RRPONTSYD"), days)
    )
    return net["net_liquidity"]


DERIVED: dict[str, DerivedSpec] = {
    spec.name: spec
    for spec in (
        DerivedSpec(
            "NETLIQ",
            "Net liquidity: Fed total assets (WALCL) - Treasury General Account (WTREGEN) - overnight reverse "
            "repo (RRPONTSYD), as known at the end of each day",
            "USD billions",
            "log",
            ("WALCL", "WTREGEN", "RRPONTSYD"),
            _netliq,
        ),
        DerivedSpec(
            "FED_ASSETS",
            "Fed total assets (WALCL / 1000), as known at the end of each day",
            "USD billions",
            "log",
            ("WALCL",),
            _scaled("WALCL"),
        ),
        DerivedSpec(
            "TGA",
            "Treasury General Account (WTREGEN / 1000), as known at the end of each day",
            "USD billions",
            "log",
            ("WTREGEN",),
            _scaled("WTREGEN"),
        ),
        DerivedSpec(
            "RRP",
            "Overnight reverse repo (RRPONTSYD; 0 before daily operations began in 2013), as known at the end "
            "of each day; it is 0 for years, so its changes are differences, not log changes",
            "USD billions",
            "diff",
            ("RRPONTSYD",),
            _rrp,
        ),
        DerivedSpec(
            "RESERVES",
            "Reserve balances with Federal Reserve Banks (WRESBAL / 1000), as known at the end of each day",
            "USD billions",
            "log",
            ("WRESBAL",),
            _scaled("WRESBAL"),
        ),
    )
}


def is_derived(name: str) -> bool:
    """Whether ``name`` is a derived series (case-insensitive)."""
    return name.strip().upper() in DERIVED


def derived_series(data: MarketData, name: str, *, start: str | pd.Timestamp | None = None) -> pd.Series:
    """A derived series as known at the end of each calendar day up to ``data.as_of``.

    Parameters
    ----------
    data
        The point-in-time view (nothing published after ``data.as_of`` is used).
    name
        A key of :data:`DERIVED` (case-insensitive).
    start
        First day (default :data:`START`).

    Returns
    -------
    pandas.Series
        Daily, named after the series, USD billions; NaN where an input is unknown or stale.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the known ones).
    riskcurve.errors.DataError
        When the store lacks an input.
    """
    key = name.strip().upper()
    if key not in DERIVED:
        raise ValueError(f"unknown derived series {name!r}; choose one of {', '.join(DERIVED)}")
    spec = DERIVED[key]
    data.require(*spec.sources)
    days = data.days(start or START)
    return spec.compute(data, days).rename(key)


def level_series(data: MarketData, name: str) -> pd.Series:
    """Any level a study can measure forward returns of: a stored price, ``ALTS``, or a derived series.

    Parameters
    ----------
    data
        The point-in-time view.
    name
        A price symbol (``"BTC"``), ``"ALTS"`` / ``"ALT_BASKET"`` (the equal-weight altcoin basket,
        :func:`~riskcurve.signals.altseason.basket_index`), a key of :data:`DERIVED`, or ``A/B``:
        one of these against another (``ETH/BTC``, ``RUT/GSPC``, ``ALTS/BTC``), A's level divided
        by B's as known on A's days.

    Returns
    -------
    pandas.Series
        The level on its own calendar, named ``name`` (upper case), without missing values.
    """
    key = name.strip().upper()
    if "/" in key:
        return _ratio(data, key)
    if key in ALTS_NAMES:
        from riskcurve.signals.registry import alt_basket  # the registry imports this module

        return alt_basket(data).rename(key)
    if key in DERIVED:
        return derived_series(data, key).dropna()
    data.require(key)
    if data.store.kind(key) != "price":
        raise ValueError(
            f"{key} is a value series (macro data); pass a price symbol, {ALTS} or one of {', '.join(DERIVED)}"
        )
    return data.close(key)


def _ratio(data: MarketData, name: str) -> pd.Series:
    """``A/B``: A's level over B's as known at the end of each of A's days."""
    from riskcurve.data.calendar import on_days

    top, _, bottom = name.partition("/")
    if not top or not bottom or "/" in bottom:
        raise ValueError(f"{name!r} is not A/B (one series against one other, e.g. ETH/BTC)")
    numerator = level_series(data, top)
    denominator = on_days(level_series(data, bottom), pd.DatetimeIndex(numerator.index))
    ratio = (numerator / denominator.where(denominator > 0)).dropna().rename(name)
    if ratio.empty:
        raise ValueError(f"{top} and {bottom} have no day in common on or before {data.as_of.date()}")
    return ratio
