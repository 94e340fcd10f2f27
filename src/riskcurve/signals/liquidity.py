"""Liquidity: net liquidity, its changes and regime, QT pace, reserves and rates, as known each day.

Net liquidity is the usual one-number summary of what the Fed's balance sheet leaves for markets:
Fed total assets minus the Treasury General Account (cash the Treasury holds at the Fed, out of
the banking system) minus the overnight reverse repo facility (cash money funds park at the Fed).
Every function here takes *point-in-time known* values — what had been published by the end of
each day, as :func:`riskcurve.data.calendar.known_on` produces them — on a common daily index,
so row ``t`` depends only on what was known at the end of day ``t``.

Units: the Fed's H.4.1 series (WALCL, WTREGEN, WRESBAL) are published in USD millions, the
reverse repo series RRPONTSYD in USD billions. Every output here is in **USD billions**.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskcurve.data.calendar import MAX_CARRY_DAYS, known_on
from riskcurve.data.release import fed_holidays
from riskcurve.signals.events import persist

#: First day of the Fed's daily fixed-rate overnight reverse repo operations (the ON RRP
#: "exercise" announced by the FOMC in September 2013). From then on an operation runs every
#: business day, so a missing business day is missing data. Before it, reverse repos were
#: occasional temporary operations (at most USD 26 billion, in late 2008): a day without an
#: operation had nothing outstanding, i.e. zero.
RRP_DAILY_START = pd.Timestamp("2013-09-23")

#: Calendar-day lags of the change columns of :func:`net_liquidity` (4, 13 and 52 weeks).
CHANGE_WINDOWS: dict[str, int] = {"chg_4w": 28, "chg_13w": 91, "chg_52w": 364}

#: The regime labels of :func:`liquidity_regime`, from tight to loose.
REGIMES: tuple[str, ...] = ("contracting", "flat", "expanding")

_MILLIONS_PER_BILLION = 1000.0


def _check_series(name: str, series: object) -> pd.Series:
    if not isinstance(series, pd.Series):
        raise TypeError(f"{name} must be a pandas Series, got {type(series).__name__}")
    if not isinstance(series.index, pd.DatetimeIndex):
        raise TypeError(f"{name} must have a DatetimeIndex")
    if not series.index.is_monotonic_increasing or series.index.has_duplicates:
        raise ValueError(f"{name} must have a sorted index without duplicate dates")
    return series.astype(float)


def _common_index(**series: pd.Series) -> pd.DatetimeIndex:
    items = list(series.items())
    first_name, first = items[0]
    for name, other in items[1:]:
        if not other.index.equals(first.index):
            raise ValueError(f"{name} must share the index of {first_name} (align both with known_on on the same days)")
    return pd.DatetimeIndex(first.index, name="date")


def _lagged(series: pd.Series, days: int) -> pd.Series:
    # The value at exactly t - days (NaN when that day is not in the index): with a daily
    # index this is the known value on that calendar day, never a later one.
    lagged = series.reindex(pd.DatetimeIndex(series.index) - pd.Timedelta(days=days))
    return pd.Series(lagged.to_numpy(), index=series.index, name=series.name)


def known_rrp(observations: pd.DataFrame, days: pd.DatetimeIndex) -> pd.Series:
    """Overnight reverse repo outstanding (RRPONTSYD) as known at the end of each day, USD billions.

    FRED has a value only on days with an operation, so a plain "last value published"
    reading would carry a 2008 operation across years. The rule applied instead:

    * From :data:`RRP_DAILY_START` (2013-09-23) operations run every business day: the last
      published value is carried over weekends and holidays for at most
      :data:`~riskcurve.data.calendar.MAX_CARRY_DAYS` days (an overnight operation matures on
      the next business day); beyond that the value is unknown (NaN), e.g. after the data ends.
    * Before it a day without an operation had nothing outstanding: the value of an operation
      on day ``d`` counts from ``d`` up to the day before the next US federal business day
      (it matures then), and every other day is 0.

    Parameters
    ----------
    observations
        RRPONTSYD rows as :meth:`Store.observations` returns them (index ``date``; columns
        ``value`` in USD billions and ``available_at``), any or all vintages.
    days
        The days to read on.

    Returns
    -------
    pandas.Series
        Indexed by ``days``, USD billions, named ``"rrp"``.
    """
    days = pd.DatetimeIndex(days).rename("date")
    known = known_on(observations, days)
    value = known["value"].to_numpy(dtype=float).copy()
    observed = pd.DatetimeIndex(known["observed"])
    age = (days - observed).days.to_numpy(dtype=float)  # NaN where nothing was published yet
    day_values = days.to_numpy(dtype="datetime64[ns]")
    daily_era = day_values >= np.datetime64(RRP_DAILY_START)
    value[daily_era & ~(age <= MAX_CARRY_DAYS)] = np.nan
    # The next US federal business day after the operation, when an overnight operation matures.
    matures = np.busday_offset(
        observed.to_numpy(dtype="datetime64[D]"), 1, roll="backward", holidays=fed_holidays()
    ).astype("datetime64[ns]")
    # NaT comparisons are False, so "nothing published yet" also counts as not outstanding.
    outstanding = day_values < matures
    value[~daily_era & ~outstanding] = 0.0
    return pd.Series(value, index=days, name="rrp")


def net_liquidity(walcl: pd.Series, tga: pd.Series, rrp: pd.Series) -> pd.DataFrame:
    """Net liquidity = Fed total assets − Treasury General Account − overnight reverse repo.

    All three inputs are the values *known* at the end of each day (from
    :func:`~riskcurve.data.calendar.known_on`; for RRP preferably :func:`known_rrp`) on one
    daily index, in their source units.

    Parameters
    ----------
    walcl
        Fed total assets (WALCL, Wednesday level), **USD millions**.
    tga
        Treasury General Account (WTREGEN, week average), **USD millions**.
    rrp
        Overnight reverse repurchase agreements (RRPONTSYD), **USD billions**. A missing value
        dated before :data:`RRP_DAILY_START` (2013-09-23) counts as 0 — no operation, nothing
        outstanding (the facility was used only occasionally, at most USD 26 billion, before
        then). A missing value from that date on stays missing and makes net liquidity NaN:
        with daily operations a gap is missing data, not zero. No value is forward-filled here.

    Returns
    -------
    pandas.DataFrame
        On the inputs' index, all in **USD billions**:

        ``fed_assets``
            WALCL / 1000.
        ``tga``
            WTREGEN / 1000.
        ``rrp``
            RRPONTSYD, with the zero rule above.
        ``net_liquidity``
            ``fed_assets - tga - rrp``.
        ``chg_4w``, ``chg_13w``, ``chg_52w``
            ``net_liquidity[t] - net_liquidity[t - k days]`` for k = 28, 91, 364 calendar days:
            the change of the *known* series (NaN when ``t - k`` is not in the index, so pass
            every calendar day).

    Raises
    ------
    TypeError
        If an input is not a date-indexed Series.
    ValueError
        If the inputs do not share one sorted index without duplicates.

    Examples
    --------
    >>> days = pd.date_range("2022-12-29", periods=1)
    >>> net = net_liquidity(pd.Series([8_551_169.0], days), pd.Series([427_926.0], days),
    ...                     pd.Series([2_308.319], days))
    >>> round(float(net["net_liquidity"].iloc[0]), 3)
    5814.924
    """
    walcl = _check_series("walcl", walcl)
    tga = _check_series("tga", tga)
    rrp = _check_series("rrp", rrp)
    index = _common_index(walcl=walcl, tga=tga, rrp=rrp)
    before_daily = index < RRP_DAILY_START
    rrp_billions = rrp.where(~(rrp.isna() & before_daily), 0.0)
    frame = pd.DataFrame(
        {
            "fed_assets": walcl.to_numpy() / _MILLIONS_PER_BILLION,
            "tga": tga.to_numpy() / _MILLIONS_PER_BILLION,
            "rrp": rrp_billions.to_numpy(),
        },
        index=index,
    )
    frame["net_liquidity"] = frame["fed_assets"] - frame["tga"] - frame["rrp"]
    for column, days in CHANGE_WINDOWS.items():
        frame[column] = frame["net_liquidity"] - _lagged(frame["net_liquidity"], days)
    return frame


def liquidity_regime(
    net: pd.DataFrame,
    *,
    threshold_pct: float = 0.02,
    change: str = "chg_13w",
    min_days: int = 10,
) -> pd.Series:
    """Expanding / flat / contracting, from the percentage change of net liquidity.

    The rule: ``pct = net[change] / (net_liquidity - net[change])``, the change of the known net
    liquidity over the window as a fraction of its level at the window's start. The regime is
    ``"expanding"`` when ``pct > threshold_pct``, ``"contracting"`` when ``pct < -threshold_pct``,
    and ``"flat"`` otherwise; missing (NaN) where the change is unknown. The regime then changes
    only once the new label held for ``min_days`` consecutive days (see
    :func:`~riskcurve.signals.cascade.persist`): the daily reverse repo and the weekly TGA make
    the raw label flip about 20 times a year around the band's edges; requiring 10 days (two
    weekly H.4.1 releases) cuts that to about 4, at the cost of a later switch. Before the first
    label has held that long, and whenever "unknown" has, the regime is missing.

    Why 13 weeks and 2%: a quarter is long enough to look through the TGA's tax-date and
    month-end swings (a few hundred billion in a week, but mean-reverting) and short enough to
    catch a turn within months. On the snapshot (2003-2026) the 13-week change has a median
    of +0.9% and an interquartile range of -1.2% to +3.3% (extremes -16% and, in autumn 2008,
    +139%); with a 2% band about 45% of days read "flat" before debouncing. 2% of a USD 6 trillion level is about
    USD 120 billion a quarter, well under what the 2022-24 runoff alone removed (up to USD 95
    billion a month), so a quarter of QT that nothing offsets reads "contracting".

    Parameters
    ----------
    net
        The output of :func:`net_liquidity`.
    threshold_pct
        The band, as a fraction (0.02 = 2%), strictly between 0 and 1.
    change
        Which change column to use: ``"chg_4w"``, ``"chg_13w"`` (default) or ``"chg_52w"``.
    min_days
        Consecutive days a new label must hold before the regime switches (1 = the raw rule).

    Returns
    -------
    pandas.Series
        Categorical with categories ``contracting``, ``flat``, ``expanding`` (ordered), on
        ``net``'s index, named ``"regime"``.
    """
    if not isinstance(net, pd.DataFrame):
        raise TypeError(f"net must be the DataFrame of net_liquidity(), got {type(net).__name__}")
    if change not in CHANGE_WINDOWS:
        raise ValueError(f"change must be one of {', '.join(CHANGE_WINDOWS)}, got {change!r}")
    missing = {"net_liquidity", change} - set(net.columns)
    if missing:
        raise ValueError(f"net lacks column(s) {', '.join(sorted(missing))}; pass the output of net_liquidity()")
    if not 0.0 < threshold_pct < 1.0:
        raise ValueError(f"threshold_pct must be strictly between 0 and 1 (a fraction), got {threshold_pct}")
    start_level = net["net_liquidity"] - net[change]
    pct = (net[change] / start_level).where(start_level > 0)
    labels = np.where(pct > threshold_pct, "expanding", np.where(pct < -threshold_pct, "contracting", "flat"))
    raw = pd.Series(labels, index=net.index, name="regime", dtype=object).where(pct.notna())
    regime = persist(raw, min_days)
    return regime.astype(pd.CategoricalDtype(list(REGIMES), ordered=True))


def qt_pace(walcl_known: pd.Series) -> pd.Series:
    """Pace of the Fed's balance sheet: change of total assets over 4 weeks, USD billions.

    ``(WALCL[t] - WALCL[t - 28 days]) / 1000`` on the known series, i.e. USD billions per
    4-week "month". Negative values are runoff (quantitative tightening), positive values are
    asset purchases (QE, reserve-management bill purchases, emergency lending).

    Parameters
    ----------
    walcl_known
        WALCL as known each day (USD millions), on a daily index.

    Returns
    -------
    pandas.Series
        USD billions per 4 weeks, named ``"qt_pace"``; NaN where ``t - 28`` days is unknown.
    """
    walcl = _check_series("walcl_known", walcl_known) / _MILLIONS_PER_BILLION
    return (walcl - _lagged(walcl, 28)).rename("qt_pace")


def reserves(wresbal_known: pd.Series) -> pd.Series:
    """Reserve balances with Federal Reserve Banks (WRESBAL, week average) in USD billions.

    Parameters
    ----------
    wresbal_known
        WRESBAL as known each day, in its source unit (USD millions).

    Returns
    -------
    pandas.Series
        ``WRESBAL / 1000``, USD billions, named ``"reserves"``.
    """
    return (_check_series("wresbal_known", wresbal_known) / _MILLIONS_PER_BILLION).rename("reserves")


def rates(
    *,
    dgs10: pd.Series,
    dgs2: pd.Series,
    hy_spread: pd.Series,
    effr: pd.Series | None = None,
    dff: pd.Series | None = None,
) -> pd.DataFrame:
    """Policy rate, Treasury yields, the curve and the high-yield spread, as known each day.

    Parameters
    ----------
    dgs10, dgs2
        10- and 2-year Treasury constant-maturity yields (DGS10, DGS2), percent, known values.
    hy_spread
        ICE BofA US high-yield option-adjusted spread (BAMLH0A0HYM2), percent, known values.
    effr, dff
        Effective federal funds rate from the NY Fed (EFFR) and FRED's daily series (DFF),
        percent, known values. They measure the same rate; EFFR is used where known and DFF
        fills the days EFFR lacks. At least one is required.

    Returns
    -------
    pandas.DataFrame
        On the inputs' shared index, in percent: ``policy_rate``, ``dgs2``, ``dgs10``,
        ``spread_10y2y`` (``dgs10 - dgs2``, percentage points; negative = inverted curve) and
        ``hy_spread``.

    Raises
    ------
    ValueError
        If neither ``effr`` nor ``dff`` is given, or the inputs do not share one index.
    """
    if effr is None and dff is None:
        raise ValueError("rates needs effr or dff (or both) for the policy rate")
    series = {"dgs10": dgs10, "dgs2": dgs2, "hy_spread": hy_spread}
    if effr is not None:
        series["effr"] = effr
    if dff is not None:
        series["dff"] = dff
    checked = {name: _check_series(name, values) for name, values in series.items()}
    index = _common_index(**checked)
    policy = checked["effr"] if "effr" in checked else pd.Series(np.nan, index=index)
    if "dff" in checked:
        policy = policy.combine_first(checked["dff"])
    frame = pd.DataFrame(
        {
            "policy_rate": policy.to_numpy(),
            "dgs2": checked["dgs2"].to_numpy(),
            "dgs10": checked["dgs10"].to_numpy(),
            "spread_10y2y": (checked["dgs10"] - checked["dgs2"]).to_numpy(),
            "hy_spread": checked["hy_spread"].to_numpy(),
        },
        index=index,
    )
    return frame


#: Windows of :func:`liquidity_drivers`, by suffix (the same 4, 13 and 52 weeks as the changes).
DRIVER_WINDOWS: dict[str, int] = {key.removeprefix("chg_"): days for key, days in CHANGE_WINDOWS.items()}


def liquidity_drivers(net: pd.DataFrame, securities: pd.Series | None = None) -> pd.DataFrame:
    """What moved net liquidity: its change over 4, 13 and 52 weeks split into Fed assets, TGA and RRP.

    Net liquidity is ``fed_assets - tga - rrp``, so over any window its change is exactly the
    sum of three contributions: the change of Fed assets, minus the change of the TGA (cash the
    Treasury pulls into its account drains markets), minus the change of the reverse repo
    (cash money funds park at the Fed). Fed assets split further into securities held outright
    (QT runoff, reserve-management bill purchases) and everything else (lending facilities,
    repo, the remittance account...) when ``securities`` is given.

    Parameters
    ----------
    net
        The output of :func:`net_liquidity` (columns ``fed_assets``, ``tga``, ``rrp``,
        ``net_liquidity``; USD billions, known values on every calendar day).
    securities
        Securities held outright (WSHOSHO) as known each day, **USD millions**, on ``net``'s
        index; optional.

    Returns
    -------
    pandas.DataFrame
        On ``net``'s index, USD billions, for each window ``w`` in ``4w``, ``13w``, ``52w``:
        ``fed_assets_w`` (change of Fed assets), ``tga_w`` (minus the change of the TGA),
        ``rrp_w`` (minus the change of the RRP) - these three sum to the change of net
        liquidity ``net_w`` - and, with ``securities``, ``securities_w`` and ``other_assets_w``
        (which sum to ``fed_assets_w``). NaN where either end of the window is unknown.
    """
    if not isinstance(net, pd.DataFrame):
        raise TypeError(f"net must be the DataFrame of net_liquidity(), got {type(net).__name__}")
    missing = {"fed_assets", "tga", "rrp", "net_liquidity"} - set(net.columns)
    if missing:
        raise ValueError(f"net lacks column(s) {', '.join(sorted(missing))}; pass the output of net_liquidity()")
    held = None
    if securities is not None:
        held = _check_series("securities", securities) / _MILLIONS_PER_BILLION
        _common_index(net=net["fed_assets"], securities=held)
    out = pd.DataFrame(index=net.index)
    for suffix, days in DRIVER_WINDOWS.items():

        def change(series: pd.Series, days: int = days) -> pd.Series:
            return series - _lagged(series, days)

        out[f"fed_assets_{suffix}"] = change(net["fed_assets"])
        out[f"tga_{suffix}"] = -change(net["tga"])
        out[f"rrp_{suffix}"] = -change(net["rrp"])
        out[f"net_{suffix}"] = change(net["net_liquidity"])
        if held is not None:
            out[f"securities_{suffix}"] = change(held)
            out[f"other_assets_{suffix}"] = out[f"fed_assets_{suffix}"] - out[f"securities_{suffix}"]
    return out
