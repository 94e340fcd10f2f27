"""The risk-curve cascade: which links of the chain are lit, and how far risk appetite has travelled.

The chain, in the order the thesis says new liquidity travels along it::

    bonds_credit -> large_caps -> small_caps -> btc -> eth_alts

Each link is scored on trend and relative strength (see :func:`cascade_conditions` for the exact
sub-conditions). The *stage* is the number of consecutive links lit starting from
``bonds_credit``: stage 3 means bonds/credit, large caps and small caps are lit, whatever BTC
and ETH are doing. Every value on day ``t`` uses only closes dated on or before ``t`` and macro
values published by the end of ``t``.

Missing data is never a state. Each link needs some inputs (:data:`LINK_INPUTS`); on a day one
of them is stale or has not started (:mod:`riskcurve.signals.freshness`), or its rule cannot be
decided from the conditions known (a moving average still filling), the link is *unknown*, never
dark or lit. The stage is then a range: ``stage_low`` counts unknown links as dark and
``stage_high`` as lit, and :func:`stage_phrase` words it ("stage 0-2/5: bonds & credit unknown
(high-yield spread (BAMLH0A0HYM2): no data since 2026-03-26)").

Calendars: everything sits on one daily (every calendar day) index. Crypto windows count
calendar days (crypto trades every day: the "200-day" BTC average is 200 days). Equity windows
count exchange sessions (a 200-day average of the S&P 500 is 200 sessions, about 290 calendar
days), computed on the session dates and then carried over weekends. Macro windows (yields,
spreads) count calendar days of the known value, i.e. they are time-weighted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from riskcurve.data.calendar import MAX_CARRY_DAYS, frame_on_days, on_days
from riskcurve.signals.events import persist
from riskcurve.signals.freshness import freshness, rule_for

#: The links of the chain, in order.
LINKS: tuple[str, ...] = ("bonds_credit", "large_caps", "small_caps", "btc", "eth_alts")

#: ``stage_name`` of each stage: the furthest link of the unbroken lit run, ``"none"`` at stage 0.
STAGE_NAMES: tuple[str, ...] = ("none", *LINKS)

#: Each link's name for a reader.
LINK_LABELS: Mapping[str, str] = {
    "bonds_credit": "bonds & credit",
    "large_caps": "large caps",
    "small_caps": "small caps",
    "btc": "Bitcoin",
    "eth_alts": "ETH & alts",
}

#: The inputs (fields of :class:`CascadeInputs`) a link cannot be read without: one of them stale
#: or not yet started makes the link unknown. The altcoin basket is not among them: it is one of
#: two alternatives of ``eth_alts`` and its coins come and go (a coin that stops leaves it).
LINK_INPUTS: Mapping[str, tuple[str, ...]] = {
    "bonds_credit": ("dgs10", "hy_spread"),
    "large_caps": ("gspc",),
    "small_caps": ("rut", "gspc"),
    "btc": ("btc",),
    "eth_alts": ("eth", "btc"),
}

#: The store symbol behind each input of :class:`CascadeInputs` (the basket aside).
INPUT_SYMBOLS: Mapping[str, str] = {
    "gspc": "GSPC",
    "rut": "RUT",
    "btc": "BTC",
    "eth": "ETH",
    "dgs10": "DGS10",
    "hy_spread": "BAMLH0A0HYM2",
}

_INPUT_LABELS: Mapping[str, str] = {
    "gspc": "S&P 500",
    "rut": "Russell 2000",
    "btc": "BTC",
    "eth": "ETH",
    "dgs10": "10-year yield (DGS10)",
    "hy_spread": "high-yield spread (BAMLH0A0HYM2)",
}

_CONDITION_WORDS: Mapping[str, str] = {
    "yield_calm": "10-year yield change",
    "spread_below_mean": "spread mean",
    "spread_falling": "spread change",
    "above_long_ma": "long average",
    "short_above_long": "short vs long average",
    "rs_above_mean": "RUT/GSPC mean",
    "eth_btc_above_mean": "ETH/BTC mean",
    "alt_breadth": "alt breadth",
}

#: Each link's rule: every condition of the first group, and at least one of the second (if any).
_LINK_RULES: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "bonds_credit": (("yield_calm",), ("spread_below_mean", "spread_falling")),
    "large_caps": (("above_long_ma", "short_above_long"), ()),
    "small_caps": (("above_long_ma", "short_above_long", "rs_above_mean"), ()),
    "btc": (("above_long_ma", "short_above_long"), ()),
    "eth_alts": (("above_long_ma", "short_above_long"), ("eth_btc_above_mean", "alt_breadth")),
}


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
        Closes of the altcoin basket (USD), one column per coin; may have no columns. Its index
        is the shared index or a tail of it: days before any coin's first close may be left
        out (they would be NaN in every column), so a basket of hundreds of coins does not
        carry decades of empty rows.
    dgs10
        10-year Treasury yield known each day (percent).
    hy_spread
        High-yield option-adjusted spread known each day (BAMLH0A0HYM2, percent).
    sessions
        Exchange session dates, over which equity moving averages are computed; ``None``
        means the weekdays of the index (holidays then count as sessions carrying the
        previous close).
    fresh
        Whether each input (columns named after the fields: ``gspc`` .. ``hy_spread``) is fresh
        on each day, by its own freshness rule (:mod:`riskcurve.signals.freshness`). ``None``:
        an input is fresh where its aligned value is known (not NaN). :meth:`from_closes`
        fills it from each series' own dates.
    last_known
        The date of each input's newest observation known on each day (same columns), named when
        a link is unknown; ``None``: the last day its aligned value was known.

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
    fresh: pd.DataFrame | None = field(default=None)
    last_known: pd.DataFrame | None = field(default=None)

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
        if not self.alts.index.equals(index[len(index) - len(self.alts) :]):
            raise ValueError("alts must be on the index of gspc, or on its last days (one daily index for every input)")
        if self.sessions is not None and not isinstance(self.sessions, pd.DatetimeIndex):
            raise TypeError("sessions must be a DatetimeIndex or None")
        for name in ("fresh", "last_known"):
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, pd.DataFrame) or not value.index.equals(index):
                raise ValueError(f"{name} must be a DataFrame on the index of gspc")
            missing = [column for column in INPUT_SYMBOLS if column not in value.columns]
            if missing:
                raise ValueError(f"{name} lacks the inputs {', '.join(missing)}")

    def input_fresh(self) -> pd.DataFrame:
        """Whether each input is fresh on each day (bool, one column per input field)."""
        if self.fresh is not None:
            return self.fresh[list(INPUT_SYMBOLS)].astype(bool)
        return pd.DataFrame({name: getattr(self, name).notna() for name in INPUT_SYMBOLS}, index=self.index)

    def input_last_known(self) -> pd.DataFrame:
        """The date of each input's newest known observation on each day (datetime64, NaT before it)."""
        if self.last_known is not None:
            return self.last_known[list(INPUT_SYMBOLS)]
        index = self.index
        return pd.DataFrame(
            {
                name: pd.Series(index.where(getattr(self, name).notna().to_numpy()), index=index).ffill()
                for name in INPUT_SYMBOLS
            },
            index=index,
        )

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
        freshness_frames: Mapping[str, pd.DataFrame] | None = None,
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
        freshness_frames
            :func:`~riskcurve.signals.freshness.freshness` frames on ``days`` by input field, for
            inputs whose observation dates the values above do not carry (the macro series,
            read from their vintages). A price input missing here is judged from its own bar
            dates and its catalogue rule; a macro input missing here is fresh where known.
        """
        days = pd.DatetimeIndex(days).rename("date")
        given = dict(freshness_frames or {})
        raw = {"gspc": gspc, "rut": rut, "btc": btc, "eth": eth}
        for name, series in raw.items():
            if name not in given:
                given[name] = freshness(rule_for(INPUT_SYMBOLS[name]), series.dropna(), days)
        fresh = pd.DataFrame(index=days)
        last_known = pd.DataFrame(index=days)
        for name in INPUT_SYMBOLS:
            if name in given:
                fresh[name] = given[name]["fresh"].reindex(days, fill_value=False).astype(bool)
                last_known[name] = given[name]["last_known"].reindex(days)
            else:
                values = dgs10 if name == "dgs10" else hy_spread
                known = on_days(values, days, carry=None) if not values.index.equals(days) else values
                fresh[name] = known.notna()
                last_known[name] = pd.Series(days.where(known.notna().to_numpy()), index=days).ffill()
        sessions = pd.DatetimeIndex(gspc.dropna().index).union(pd.DatetimeIndex(rut.dropna().index))
        sessions = sessions[(sessions >= days.min()) & (sessions <= days.max())] if len(days) else sessions[:0]
        # Before the basket's first close every coin is NaN: those days are left out (see alts).
        first = alts.dropna(how="all").index.min() if len(alts.columns) else None
        alt_frame = frame_on_days(alts, days[days >= first] if first is not None and pd.notna(first) else days[:0])
        return cls(
            gspc=on_days(gspc, days),
            rut=on_days(rut, days),
            btc=on_days(btc, days),
            eth=on_days(eth, days),
            alts=alt_frame,
            dgs10=on_days(dgs10, days, carry=None) if not dgs10.index.equals(days) else dgs10,
            hy_spread=on_days(hy_spread, days, carry=None) if not hy_spread.index.equals(days) else hy_spread,
            sessions=sessions.rename("date"),
            fresh=fresh,
            last_known=last_known,
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
    eth["alt_breadth"] = _alt_breadth(inputs.alts, params, inputs.index)
    add(
        "eth_alts",
        eth,
        _met(eth["above_long_ma"], eth["short_above_long"]) & _any_met(eth["eth_btc_above_mean"], eth["alt_breadth"]),
    )
    return pd.DataFrame(columns, index=inputs.index)


def _alt_breadth(alts: pd.DataFrame, params: CascadeParams, index: pd.DatetimeIndex) -> pd.Series:
    """1.0 when at least ``alt_breadth_min`` of the coins with data close above their mean, on ``index``."""
    if alts.shape[1] == 0:
        return pd.Series(np.nan, index=index)
    share = alt_breadth_share(alts, window=params.alt_window, min_alts=params.min_alts).reindex(index)
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
    # Rows before any coin's first close count nothing: skipping them (decades of days before
    # crypto, times hundreds of coins) changes no number, a rolling mean skipping NaN alike.
    present = alts.notna().to_numpy().any(axis=1)
    if not present.any():
        return pd.Series(np.nan, index=alts.index)
    tail = alts.iloc[int(present.argmax()) :]
    means = tail.rolling(window, min_periods=window).mean()
    comparable = tail.notna() & means.notna()
    counted = comparable.sum(axis=1)
    share = ((tail > means) & comparable).sum(axis=1) / counted.where(counted >= min_alts)
    return share.reindex(alts.index)


def _kleene_all(conditions: list[pd.Series]) -> np.ndarray:
    # 1 when every condition is met, 0 when any is not, NaN otherwise (some unknown, none failed).
    values = np.column_stack([c.to_numpy(dtype=float) for c in conditions])
    failed = (values == 0.0).any(axis=1)
    met = (values == 1.0).all(axis=1)
    return np.where(failed, 0.0, np.where(met, 1.0, np.nan))


def _kleene_any(conditions: list[pd.Series]) -> np.ndarray:
    values = np.column_stack([c.to_numpy(dtype=float) for c in conditions])
    met = (values == 1.0).any(axis=1)
    failed = (values == 0.0).all(axis=1)
    return np.where(met, 1.0, np.where(failed, 0.0, np.nan))


def link_rule(conditions: pd.DataFrame, link: str) -> pd.Series:
    """A link's raw rule in three values: 1.0 met, 0.0 not met, NaN when the known conditions cannot decide.

    Unlike ``<link>:raw`` of :func:`cascade_conditions` (which counts an unknown condition as not
    met), an unknown condition leaves the rule unknown unless the known ones decide it: a failed
    condition of the "every" group makes it 0.0, a met one of the "at least one" group lets it
    pass. On every day where this is not NaN it equals ``<link>:raw``.

    Parameters
    ----------
    conditions
        The output of :func:`cascade_conditions`.
    link
        One of :data:`LINKS`.
    """
    every, some = _LINK_RULES[link]
    result = _kleene_all([conditions[f"{link}:{name}"] for name in every])
    if some:
        either = _kleene_any([conditions[f"{link}:{name}"] for name in some])
        both = np.column_stack([result, either])
        result = np.where((both == 0.0).any(axis=1), 0.0, np.where((both == 1.0).all(axis=1), 1.0, np.nan))
    return pd.Series(result, index=conditions.index, name=link)


def _reasons(
    link: str, unknown: np.ndarray, fresh: pd.DataFrame, last_known: pd.DataFrame, conditions: pd.DataFrame
) -> np.ndarray:
    """Why a link is unknown on each of its unknown days (None on the others)."""
    out = np.full(len(unknown), None, dtype=object)
    undecided = unknown.copy()
    for name in LINK_INPUTS[link]:
        stale = undecided & ~fresh[name].to_numpy()
        if not stale.any():
            continue
        dates = pd.DatetimeIndex(last_known[name])[stale]
        texts = np.where(
            dates.isna(),
            f"{_INPUT_LABELS[name]}: no data yet",
            f"{_INPUT_LABELS[name]}: no data since " + dates.strftime("%Y-%m-%d").fillna(""),
        )
        out[stale] = texts
        undecided &= ~stale
    if undecided.any():
        every, some = _LINK_RULES[link]
        names = [*every, *some]
        missing = conditions[[f"{link}:{n}" for n in names]].isna().to_numpy()
        words = np.array([_CONDITION_WORDS[n] for n in names], dtype=object)
        for position in np.flatnonzero(undecided):
            out[position] = "not enough data yet: " + ", ".join(words[missing[position]])
    return out


def cascade(inputs: CascadeInputs, params: CascadeParams | None = None) -> pd.DataFrame:
    """Which links of the risk curve are lit, dark or unknown each day, and how far along the chain risk has travelled.

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

        ``state_<link>``
            ``"lit"``, ``"dark"`` or ``"unknown"``. Unknown while one of the link's
            :data:`LINK_INPUTS` is stale or has not started, or while the known conditions
            cannot decide its rule (:func:`link_rule`). On the other days the rule is debounced
            with :func:`persist` over those known days only: the state changes after the rule
            held (or failed) on ``params.min_days`` consecutive known days, and an unknown
            stretch neither lights nor darkens it. Dark before that first happens.
        ``bonds_credit``, ``large_caps``, ``small_caps``, ``btc``, ``eth_alts``
            The link is lit: ``True`` (lit), ``False`` (dark), ``None`` (unknown); object dtype.
        ``score_<link>``
            The fraction of the link's sub-conditions met, among those known (NaN when none
            is known): a graded view of the same rule.
        ``stage_low``, ``stage_high``
            int 0..5: consecutive lit links from ``bonds_credit``, counting unknown links as
            dark (low) or as lit (high). Equal when no link that matters is unknown.
        ``stage``
            ``stage_low``: the number of consecutive links known to be lit.
        ``stage_name``
            ``"none"`` at stage 0, otherwise the furthest link of that run.
        ``through_<link>``
            The oldest of the newest observation dates of the link's inputs known on the day
            (NaT while one has not started): the date the link's data run through.
        ``why_<link>``
            On unknown days, why: the input that stopped and since when, the one not started
            yet, or the conditions not known yet; ``None`` on the others.
    """
    if not isinstance(inputs, CascadeInputs):
        raise TypeError(f"inputs must be CascadeInputs, got {type(inputs).__name__}")
    params = params or CascadeParams()
    if not isinstance(params, CascadeParams):
        raise TypeError(f"params must be CascadeParams, got {type(params).__name__}")
    conditions = cascade_conditions(inputs, params)
    fresh = inputs.input_fresh()
    last_known = inputs.input_last_known()
    index = inputs.index
    result = pd.DataFrame(index=index)
    states: dict[str, np.ndarray] = {}
    extra: dict[str, Any] = {}
    for link in LINKS:
        needed = fresh[list(LINK_INPUTS[link])].all(axis=1).to_numpy()
        rule = link_rule(conditions, link).to_numpy()
        known = needed & ~np.isnan(rule)
        state = np.full(len(index), "unknown", dtype=object)
        if known.any():
            settled = persist(pd.Series(rule[known] == 1.0), params.min_days, initial=False).to_numpy(dtype=bool)
            state[known] = np.where(settled, "lit", "dark")
        states[link] = state
        lit = np.full(len(index), None, dtype=object)
        lit[known] = state[known] == "lit"
        result[link] = pd.Series(lit, index=index, dtype=object)
        through = last_known[list(LINK_INPUTS[link])]
        extra[f"through_{link}"] = pd.Series(
            np.where(through.isna().any(axis=1), np.datetime64("NaT", "ns"), through.min(axis=1).to_numpy()),
            index=index,
        ).astype("datetime64[ns]")
        extra[f"why_{link}"] = pd.Series(_reasons(link, ~known, fresh, last_known, conditions), index=index)
    for link in LINKS:
        subs = [c for c in conditions.columns if c.startswith(f"{link}:") and not c.endswith(":raw")]
        result[f"score_{link}"] = conditions[subs].mean(axis=1, skipna=True)
    grid = np.column_stack([states[link] for link in LINKS])
    low = _run_length(grid == "lit")
    high = _run_length(grid != "dark")
    result["stage"] = low
    result["stage_name"] = np.asarray(STAGE_NAMES, dtype=object)[low]
    for link in LINKS:
        result[f"state_{link}"] = pd.Series(states[link], index=index, dtype=object)
    result["stage_low"] = low
    result["stage_high"] = high
    for name, values in extra.items():
        result[name] = values
    return result


def _run_length(on: np.ndarray) -> np.ndarray:
    # Consecutive True from the first column: the position of the first False.
    return np.where(on.all(axis=1), on.shape[1], np.argmin(on, axis=1)).astype(int)


def stage_phrase(row: Mapping[str, Any] | pd.Series) -> str:
    """The stage in words, with the unknown links named and why.

    Parameters
    ----------
    row
        One day of :func:`cascade`'s frame (a row, or the dict of its values).

    Returns
    -------
    str
        ``"stage 3/5 (small caps)"`` when every link is known;
        ``"stage 3/5 (small caps); Bitcoin unknown (BTC: no data since 2026-08-21)"`` when only
        links past the first dark one are unknown; ``"stage 0-2/5: bonds & credit unknown
        (high-yield spread (BAMLH0A0HYM2): no data since 2026-03-26)"`` when the stage itself is
        a range. Never a definite stage because an input stopped.

    Examples
    --------
    >>> row = {"stage_low": 0, "stage_high": 2, "state_bonds_credit": "unknown", "state_large_caps": "lit",
    ...        "state_small_caps": "dark", "state_btc": "lit", "state_eth_alts": "lit",
    ...        "why_bonds_credit": "high-yield spread (BAMLH0A0HYM2): no data since 2026-03-26"}
    >>> stage_phrase(row)
    'stage 0-2/5: bonds & credit unknown (high-yield spread (BAMLH0A0HYM2): no data since 2026-03-26)'
    """
    low, high = int(row["stage_low"]), int(row["stage_high"])
    unknown = [link for link in LINKS if row.get(f"state_{link}") == "unknown"]
    named = "; ".join(
        f"{LINK_LABELS[link]} unknown" + (f" ({row.get(f'why_{link}')})" if row.get(f"why_{link}") else "")
        for link in unknown
    )
    if low == high:
        text = f"stage {low}/5 ({LINK_LABELS.get(STAGE_NAMES[low], 'none')})"
        return f"{text}; {named}" if named else text
    return f"stage {low}-{high}/5: {named}"


def link_changes(cascade_frame: pd.DataFrame) -> pd.DataFrame:
    """Each date a link lit or went dark.

    A change is a known day whose state differs from the link's previous known state: days on
    which the link is unknown (``state_<link>``) are skipped, so a stretch without data is not a
    change, and a link dark before a gap and lit after it lit on the first known lit day. The
    first known day counts as a change to ``"lit"`` if the link is lit there (it lit on or
    before that date; the frame says no more), and is not listed if dark. Frames without state
    columns read the boolean link columns (unknown as dark).

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
    index = pd.DatetimeIndex(cascade_frame.index)
    for order, link in enumerate(links):
        if f"state_{link}" in cascade_frame.columns:
            states = cascade_frame[f"state_{link}"].to_numpy(dtype=object)
            known = states != "unknown"
            state = states[known] == "lit"
            dates = index[known]
        else:
            state = cascade_frame[link].fillna(False).astype(bool).to_numpy()
            dates = index
        previous = np.concatenate([[False], state[:-1]])
        changed = state != previous
        for date, lit in zip(dates[changed], state[changed], strict=True):
            rows.append((date, link, "lit" if lit else "dark", order))
    table = pd.DataFrame(rows, columns=["date", "link", "state", "order"])
    table = table.sort_values(["date", "order"], kind="stable").drop(columns="order").reset_index(drop=True)
    return table.astype({"date": "datetime64[ns]", "link": object, "state": object})
