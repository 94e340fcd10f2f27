"""The risk-curve cascade: which links of the chain are lit, and how far risk appetite has travelled.

The chain, in the order the thesis says new liquidity travels along it::

    bonds_credit -> large_caps -> small_caps -> btc -> eth_alts

Each link is scored on trend and relative strength (see :func:`cascade_conditions` for the exact
sub-conditions). The *stage* is the number of consecutive links lit starting from
``bonds_credit``: stage 3 means bonds/credit, large caps and small caps are lit, whatever BTC
and ETH are doing. Every value on day ``t`` uses only closes dated on or before ``t`` and macro
values published by the end of ``t``.

Calendars: everything sits on one daily (every calendar day) index. Crypto windows count
calendar days (crypto trades every day: the "200-day" BTC average is 200 days). Equity windows
count exchange sessions (a 200-day average of the S&P 500 is 200 sessions, about 290 calendar
days), computed on the session dates and then carried over weekends. Macro windows (yields,
spreads) count calendar days of the known value, i.e. they are time-weighted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from riskcurve.data.calendar import MAX_CARRY_DAYS, on_days
from riskcurve.signals.events import persist

#: The links of the chain, in order.
LINKS: tuple[str, ...] = ("bonds_credit", "large_caps", "small_caps", "btc", "eth_alts")

#: ``stage_name`` of each stage: the furthest link of the unbroken lit run, ``"none"`` at stage 0.
STAGE_NAMES: tuple[str, ...] = ("none", *LINKS)


@dataclass(frozen=True)
class CascadeParams:
    """Definitions of the cascade's links: windows and thresholds.

    Parameters
    ----------
    long_window, short_window
        Moving-average lengths of the trend rule (default 200 and 50): sessions for equities,
        calendar days for crypto. The trend rule of a close ``c`` is *both*
        ``c > MA_long(c)`` and ``MA_short(c) > MA_long(c)``.
    rs_window
        Small caps' relative strength: the RUT/GSPC ratio is above its mean over this many
        sessions (default 50).
    ratio_window
        ETH/BTC is above its mean over this many days (default 50).
    alt_window, alt_breadth_min, min_alts
        Alt breadth: the share of the altcoin basket closing above its own ``alt_window``-day
        average (default 50) is at least ``alt_breadth_min`` (default 0.5); the share is
        unknown when fewer than ``min_alts`` coins (default 3) have a close and a full average.
    yield_lookback_days, yield_rise_max
        Bonds are "calm" when the 10-year yield (DGS10) rose by at most ``yield_rise_max``
        percentage points (default 0.5) over the last ``yield_lookback_days`` calendar days
        (default 91, a quarter): a rise of more than half a point in a quarter is "rising fast"
        (2013 taper tantrum, 2022, autumn 2023).
    credit_mean_days, credit_lookback_days
        Credit is "easing" when the high-yield spread (BAMLH0A0HYM2) is below its mean over the
        last ``credit_mean_days`` calendar days (default 280, about 200 business days) *or*
        lower than ``credit_lookback_days`` calendar days ago (default 28).
    min_days
        A link changes state only after its raw condition held (or failed) for this many
        consecutive days (default 5: about a trading week; 1 gives the raw conditions).

    Raises
    ------
    ValueError
        If a window is not a positive integer, ``short_window >= long_window``, a share is not
        in (0, 1], or ``yield_rise_max`` is negative; the message names the argument.
    """

    long_window: int = 200
    short_window: int = 50
    rs_window: int = 50
    ratio_window: int = 50
    alt_window: int = 50
    alt_breadth_min: float = 0.5
    min_alts: int = 3
    yield_lookback_days: int = 91
    yield_rise_max: float = 0.5
    credit_mean_days: int = 280
    credit_lookback_days: int = 28
    min_days: int = 5

    def __post_init__(self) -> None:
        integers = (
            "long_window",
            "short_window",
            "rs_window",
            "ratio_window",
            "alt_window",
            "min_alts",
            "yield_lookback_days",
            "credit_mean_days",
            "credit_lookback_days",
            "min_days",
        )
        for name in integers:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.short_window >= self.long_window:
            raise ValueError(
                f"short_window must be smaller than long_window, got {self.short_window} >= {self.long_window}"
            )
        if not 0.0 < self.alt_breadth_min <= 1.0:
            raise ValueError(f"alt_breadth_min must be in (0, 1], got {self.alt_breadth_min}")
        if not self.yield_rise_max >= 0.0:
            raise ValueError(f"yield_rise_max must be >= 0 (percentage points), got {self.yield_rise_max}")

    def to_dict(self) -> dict[str, float | int]:
        """The parameters as a plain dict (for ``--json`` and reports)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _is_daily(index: pd.DatetimeIndex) -> bool:
    if len(index) < 2:
        return True
    steps = np.diff(index.to_numpy(dtype="datetime64[D]").astype(np.int64))
    return bool((steps == 1).all())


@dataclass(frozen=True)
class CascadeInputs:
    """The aligned series the cascade reads, all on one index of consecutive calendar days.

    Exchange closes are carried over weekends and holidays (as
    :func:`~riskcurve.data.calendar.on_days` does, for a few days at most); macro values are
    the values known at the end of each day (:func:`~riskcurve.data.calendar.known_on`).
    :meth:`from_closes` builds this from raw series.

    Parameters
    ----------
    gspc, rut
        S&P 500 and Russell 2000 closes (index points).
    btc, eth
        Bitcoin and Ethereum closes (USD).
    alts
        Closes of the altcoin basket (USD), one column per coin; may have no columns.
    dgs10
        10-year Treasury yield known each day (percent).
    hy_spread
        High-yield option-adjusted spread known each day (BAMLH0A0HYM2, percent).
    sessions
        Exchange session dates, over which equity moving averages are computed; ``None``
        means the weekdays of the index (holidays then count as sessions carrying the
        previous close).

    Raises
    ------
    TypeError, ValueError
        If a field has the wrong type, the index is not consecutive calendar days, or the
        fields do not share it.
    """

    gspc: pd.Series
    rut: pd.Series
    btc: pd.Series
    eth: pd.Series
    alts: pd.DataFrame
    dgs10: pd.Series
    hy_spread: pd.Series
    sessions: pd.DatetimeIndex | None = field(default=None)

    def __post_init__(self) -> None:
        index = self.index
        if not isinstance(index, pd.DatetimeIndex):
            raise TypeError("gspc must have a DatetimeIndex")
        if index.has_duplicates or not index.is_monotonic_increasing or not _is_daily(index):
            raise ValueError("the inputs' index must be consecutive calendar days (use daily_index and on_days)")
        for name in ("gspc", "rut", "btc", "eth", "dgs10", "hy_spread"):
            value = getattr(self, name)
            if not isinstance(value, pd.Series):
                raise TypeError(f"{name} must be a pandas Series, got {type(value).__name__}")
            if not value.index.equals(index):
                raise ValueError(f"{name} must share the index of gspc (one daily index for every input)")
        if not isinstance(self.alts, pd.DataFrame):
            raise TypeError(f"alts must be a pandas DataFrame, got {type(self.alts).__name__}")
        if not self.alts.index.equals(index):
            raise ValueError("alts must share the index of gspc (one daily index for every input)")
        if self.sessions is not None and not isinstance(self.sessions, pd.DatetimeIndex):
            raise TypeError("sessions must be a DatetimeIndex or None")

    @property
    def index(self) -> pd.DatetimeIndex:
        """The shared daily index."""
        return pd.DatetimeIndex(self.gspc.index)

    @classmethod
    def from_closes(
        cls,
        days: pd.DatetimeIndex,
        *,
        gspc: pd.Series,
        rut: pd.Series,
        btc: pd.Series,
        eth: pd.Series,
        alts: pd.DataFrame,
        dgs10: pd.Series,
        hy_spread: pd.Series,
    ) -> CascadeInputs:
        """Align raw closes (each on its own dates) and known macro values on ``days``.

        Parameters
        ----------
        days
            Consecutive calendar days.
        gspc, rut, btc, eth, alts
            Closes on their own calendars; read on ``days`` with
            :func:`~riskcurve.data.calendar.on_days`.
        dgs10, hy_spread
            Known macro values, already on ``days`` or on any dates (read with ``on_days`` and
            no carry limit, so pass values already produced by ``known_on`` for ``days``).
        """
        days = pd.DatetimeIndex(days).rename("date")
        sessions = pd.DatetimeIndex(gspc.dropna().index).union(pd.DatetimeIndex(rut.dropna().index))
        sessions = sessions[(sessions >= days.min()) & (sessions <= days.max())] if len(days) else sessions[:0]
        alt_frame = pd.DataFrame({name: on_days(alts[name], days) for name in alts.columns}, index=days)
        return cls(
            gspc=on_days(gspc, days),
            rut=on_days(rut, days),
            btc=on_days(btc, days),
            eth=on_days(eth, days),
            alts=alt_frame,
            dgs10=on_days(dgs10, days, carry=None) if not dgs10.index.equals(days) else dgs10,
            hy_spread=on_days(hy_spread, days, carry=None) if not hy_spread.index.equals(days) else hy_spread,
            sessions=sessions.rename("date"),
        )


def _on_sessions(values: pd.Series, sessions: pd.DatetimeIndex | None) -> pd.DatetimeIndex:
    index = pd.DatetimeIndex(values.index)
    if sessions is None:
        return index[index.day_of_week < 5]
    return index.intersection(sessions)


def _session_mean(values: pd.Series, window: int, sessions: pd.DatetimeIndex | None) -> pd.Series:
    # The moving average over the last `window` sessions, read back on every day (carried
    # over weekends like the closes themselves).
    days = pd.DatetimeIndex(values.index)
    on_session = values.reindex(_on_sessions(values, sessions))
    mean = on_session.rolling(window, min_periods=window).mean()
    return on_days(mean, days, carry=MAX_CARRY_DAYS)


def _daily_mean(values: pd.Series, window: int) -> pd.Series:
    return values.rolling(window, min_periods=window).mean()


def _greater(left: pd.Series, right: pd.Series) -> pd.Series:
    # 1.0 / 0.0, NaN where either side is unknown: unknown is neither met nor failed.
    result = (left > right).astype(float)
    return result.where(left.notna() & right.notna())


def _trend(close: pd.Series, long: pd.Series, short: pd.Series) -> dict[str, pd.Series]:
    return {"above_long_ma": _greater(close, long), "short_above_long": _greater(short, long)}


def _lagged(values: pd.Series, days: int) -> pd.Series:
    lagged = values.reindex(pd.DatetimeIndex(values.index) - pd.Timedelta(days=days))
    return pd.Series(lagged.to_numpy(), index=values.index)


def _met(*conditions: pd.Series) -> pd.Series:
    # All conditions met; an unknown condition counts as not met.
    result = pd.Series(True, index=conditions[0].index)
    for condition in conditions:
        result &= condition.fillna(0.0).astype(bool)
    return result


def _any_met(*conditions: pd.Series) -> pd.Series:
    result = pd.Series(False, index=conditions[0].index)
    for condition in conditions:
        result |= condition.fillna(0.0).astype(bool)
    return result


def cascade_conditions(inputs: CascadeInputs, params: CascadeParams | None = None) -> pd.DataFrame:
    """Every sub-condition of every link, and each link's raw (un-debounced) state.

    Sub-conditions are 1.0 (met), 0.0 (not met) or NaN (unknown: not enough history or a
    missing input). Column ``<link>:<condition>``; the raw state is ``<link>:raw``.

    ``bonds_credit`` — new liquidity first steadies bonds and credit:
        ``yield_calm``: ``DGS10[t] - DGS10[t - yield_lookback_days] <= yield_rise_max``;
        ``spread_below_mean``: spread below its ``credit_mean_days``-day mean;
        ``spread_falling``: ``spread[t] < spread[t - credit_lookback_days]``.
        Lit when ``yield_calm`` and (``spread_below_mean`` or ``spread_falling``).
    ``large_caps`` — S&P 500 trend:
        ``above_long_ma``: close above its ``long_window``-session mean;
        ``short_above_long``: ``short_window``-session mean above the ``long_window`` one.
        Lit when both.
    ``small_caps`` — Russell 2000 trend and leadership:
        the two trend conditions on RUT, and ``rs_above_mean``: RUT/GSPC above its
        ``rs_window``-session mean. Lit when all three.
    ``btc`` — the two trend conditions on BTC (windows in days). Lit when both.
    ``eth_alts`` — the two trend conditions on ETH, ``eth_btc_above_mean`` (ETH/BTC above its
        ``ratio_window``-day mean) and ``alt_breadth`` (share of alts above their
        ``alt_window``-day mean ``>= alt_breadth_min``). Lit when both trend conditions and
        (``eth_btc_above_mean`` or ``alt_breadth``).

    A link's raw state treats unknown conditions as not met.
    """
    params = params or CascadeParams()
    sessions = inputs.sessions
    columns: dict[str, pd.Series] = {}

    def add(link: str, conditions: dict[str, pd.Series], raw: pd.Series) -> None:
        for name, values in conditions.items():
            columns[f"{link}:{name}"] = values
        columns[f"{link}:raw"] = raw

    # Bonds and credit: known macro values, windows in calendar days.
    yield_rise = inputs.dgs10 - _lagged(inputs.dgs10, params.yield_lookback_days)
    yield_calm = (yield_rise <= params.yield_rise_max).astype(float).where(yield_rise.notna())
    spread = inputs.hy_spread
    bonds = {
        "yield_calm": yield_calm,
        "spread_below_mean": _greater(_daily_mean(spread, params.credit_mean_days), spread),
        "spread_falling": _greater(_lagged(spread, params.credit_lookback_days), spread),
    }
    add(
        "bonds_credit",
        bonds,
        _met(bonds["yield_calm"]) & _any_met(bonds["spread_below_mean"], bonds["spread_falling"]),
    )

    large = _trend(
        inputs.gspc,
        _session_mean(inputs.gspc, params.long_window, sessions),
        _session_mean(inputs.gspc, params.short_window, sessions),
    )
    add("large_caps", large, _met(*large.values()))

    ratio = inputs.rut / inputs.gspc
    small = _trend(
        inputs.rut,
        _session_mean(inputs.rut, params.long_window, sessions),
        _session_mean(inputs.rut, params.short_window, sessions),
    )
    small["rs_above_mean"] = _greater(ratio, _session_mean(ratio, params.rs_window, sessions))
    add("small_caps", small, _met(*small.values()))

    btc = _trend(inputs.btc, _daily_mean(inputs.btc, params.long_window), _daily_mean(inputs.btc, params.short_window))
    add("btc", btc, _met(*btc.values()))

    eth = _trend(inputs.eth, _daily_mean(inputs.eth, params.long_window), _daily_mean(inputs.eth, params.short_window))
    eth_btc = inputs.eth / inputs.btc
    eth["eth_btc_above_mean"] = _greater(eth_btc, _daily_mean(eth_btc, params.ratio_window))
    eth["alt_breadth"] = _alt_breadth(inputs.alts, params)
    add(
        "eth_alts",
        eth,
        _met(eth["above_long_ma"], eth["short_above_long"]) & _any_met(eth["eth_btc_above_mean"], eth["alt_breadth"]),
    )
    return pd.DataFrame(columns, index=inputs.index)


def _alt_breadth(alts: pd.DataFrame, params: CascadeParams) -> pd.Series:
    """1.0 when at least ``alt_breadth_min`` of the coins with data close above their mean."""
    if alts.shape[1] == 0:
        return pd.Series(np.nan, index=alts.index)
    share = alt_breadth_share(alts, window=params.alt_window, min_alts=params.min_alts)
    return (share >= params.alt_breadth_min).astype(float).where(share.notna())


def alt_breadth_share(alts: pd.DataFrame, *, window: int = 50, min_alts: int = 3) -> pd.Series:
    """Share of the altcoin basket closing above its own ``window``-day mean.

    Parameters
    ----------
    alts
        Closes, one column per coin, on a daily index.
    window
        Length of each coin's moving average, in days.
    min_alts
        Fewest coins with a close and a full window for the share to be known.

    Returns
    -------
    pandas.Series
        The share in [0, 1], counted over coins with a close and a full window that day; NaN
        when fewer than ``min_alts`` qualify.
    """
    means = alts.rolling(window, min_periods=window).mean()
    comparable = alts.notna() & means.notna()
    counted = comparable.sum(axis=1)
    return ((alts > means) & comparable).sum(axis=1) / counted.where(counted >= min_alts)


def cascade(inputs: CascadeInputs, params: CascadeParams | None = None) -> pd.DataFrame:
    """Which links of the risk curve are lit each day, and how far along the chain risk has travelled.

    Parameters
    ----------
    inputs
        The aligned series (:class:`CascadeInputs`).
    params
        Definitions (:class:`CascadeParams`); defaults when ``None``.

    Returns
    -------
    pandas.DataFrame
        On the inputs' daily index:

        ``bonds_credit``, ``large_caps``, ``small_caps``, ``btc``, ``eth_alts``
            bool: the link is lit. Its raw rule (see :func:`cascade_conditions`) is debounced
            with :func:`persist`: the state changes only after the raw rule held (or failed)
            for ``params.min_days`` consecutive days. Dark before that first happens.
        ``score_<link>``
            The fraction of the link's sub-conditions met, among those known (NaN when none
            is known): a graded view of the same rule.
        ``stage``
            int 0..5: the number of consecutive lit links starting from ``bonds_credit``.
        ``stage_name``
            ``"none"`` at stage 0, otherwise the furthest link of that run.
    """
    if not isinstance(inputs, CascadeInputs):
        raise TypeError(f"inputs must be CascadeInputs, got {type(inputs).__name__}")
    params = params or CascadeParams()
    if not isinstance(params, CascadeParams):
        raise TypeError(f"params must be CascadeParams, got {type(params).__name__}")
    conditions = cascade_conditions(inputs, params)
    result = pd.DataFrame(index=inputs.index)
    for link in LINKS:
        raw = conditions[f"{link}:raw"].astype(bool)
        result[link] = persist(raw, params.min_days, initial=False).astype(bool)
    for link in LINKS:
        subs = [c for c in conditions.columns if c.startswith(f"{link}:") and not c.endswith(":raw")]
        result[f"score_{link}"] = conditions[subs].mean(axis=1, skipna=True)
    lit = result[list(LINKS)].to_numpy(dtype=bool)
    # Consecutive lit links from the first: the position of the first dark link.
    stage = np.where(lit.all(axis=1), len(LINKS), np.argmin(lit, axis=1))
    result["stage"] = stage.astype(int)
    result["stage_name"] = np.asarray(STAGE_NAMES, dtype=object)[stage]
    return result


def link_changes(cascade_frame: pd.DataFrame) -> pd.DataFrame:
    """Each date a link lit or went dark.

    A change is a row whose state differs from the previous row's. The first row counts as a
    change to ``"lit"`` if the link is lit there (it lit on or before that date; the frame
    says no more), and is not listed if dark.

    Parameters
    ----------
    cascade_frame
        The output of :func:`cascade` (any subset of its link columns is fine).

    Returns
    -------
    pandas.DataFrame
        Columns ``date``, ``link``, ``state`` (``"lit"`` or ``"dark"``), sorted by date and
        then by the link's position in the chain; a default integer index.
    """
    links = [link for link in LINKS if link in cascade_frame.columns]
    if not links:
        raise ValueError(f"cascade_frame has none of the link columns {', '.join(LINKS)}")
    rows: list[tuple[pd.Timestamp, str, str, int]] = []
    for order, link in enumerate(links):
        state = cascade_frame[link].fillna(False).astype(bool)
        previous = state.shift(1, fill_value=False).astype(bool)
        changed = (state != previous).to_numpy()
        dates = pd.DatetimeIndex(cascade_frame.index)[changed]
        for date, lit in zip(dates, state.to_numpy()[changed], strict=True):
            rows.append((date, link, "lit" if lit else "dark", order))
    table = pd.DataFrame(rows, columns=["date", "link", "state", "order"])
    table = table.sort_values(["date", "order"], kind="stable").drop(columns="order").reset_index(drop=True)
    return table.astype({"date": "datetime64[ns]", "link": object, "state": object})
