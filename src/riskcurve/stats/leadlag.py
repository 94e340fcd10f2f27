"""Lead-lag between two assets: which one moves first, by how much, and how sure we can be.

The risk-curve thesis says moves travel along a chain (small caps -> Bitcoin -> Ethereum).
If that were true at the frequency of returns, the earlier link's return today would be
correlated with the later link's return some bars ahead. This module measures that:

* :func:`aligned_returns` puts two price series on one calendar, explicitly: crypto trades
  every day, stocks on exchange days;
* :func:`cross_correlation` gives corr(lead_t, lag_{t+k}) for k = -K..K with two bands:
  the textbook white-noise band and a heteroskedasticity- and autocorrelation-robust band,
  plus per-lag p-values adjusted for the scan over lags (Holm, Benjamini-Hochberg);
* :func:`granger_causality` runs Granger tests both ways with the lag order chosen by an
  information criterion;
* :class:`LeadLag` ties these together with a rolling correlation and a block bootstrap of
  the peak lag, and states a verdict in words, including "the evidence is too weak".

The parts live in their own modules and are re-exported here: :mod:`~riskcurve.stats.alignment`
(the calendar), :mod:`~riskcurve.stats.cross_correlation` (the lag scan and its detectable
correlation), :mod:`~riskcurve.stats.granger` and :mod:`~riskcurve.stats.leadlag_result` (the
result types); this module holds the study itself and :func:`leadlag`, which reads series by name.

Everything here is a description of the past: the correlation at lag k pairs a return with one
k bars later, so it is a research statistic, not a signal. The rolling correlation is indexed by
the later of the two dates it pairs, so its value on a date uses nothing after that date.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from riskcurve import numbers
from riskcurve._typing import DateLike, Frequency
from riskcurve.data.panel import MarketData
from riskcurve.errors import DataError, InsufficientDataWarning
from riskcurve.stats._validation import check_alpha, check_int, check_seed
from riskcurve.stats.alignment import (
    Alignment,
    Calendar,
    Change,
    _check_calendars,
    _check_changes,
    _check_closes,
    _check_freq,
    aligned_returns,
)
from riskcurve.stats.bootstrap import as_generator, optimal_block_length, stationary_bootstrap_indices
from riskcurve.stats.cross_correlation import _pairs, cross_correlation, detectable_correlation
from riskcurve.stats.granger import InformationCriterion, granger_causality
from riskcurve.stats.leadlag_result import LeadLagResult, PeakLag, Verdict, _bars, _fmt_p, _record

__all__ = [
    "DEFAULT_MAX_LAG",
    "DEFAULT_WINDOW",
    "LeadLag",
    "LeadLagResult",
    "PeakLag",
    "Verdict",
    "aligned_returns",
    "cross_correlation",
    "detectable_correlation",
    "granger_causality",
    "leadlag",
]


#: Default number of leads and lags scanned: two trading weeks, two months of weeks, half a year.
DEFAULT_MAX_LAG: dict[str, int] = {"D": 10, "W": 8, "M": 6}
#: Default rolling-correlation window: about half a year of trading days, a year of weeks, three years.
DEFAULT_WINDOW: dict[str, int] = {"D": 126, "W": 52, "M": 36}
#: Fewer aligned returns than this and the bands and tests are too rough to state (a warning).
WARN_BELOW_OBS = 50

_UNITS = {"W": ("week", "weeks"), "M": ("month", "months")}


# -- the study ------------------------------------------------------------------------------


def _block_length(*columns: np.ndarray) -> int:
    # Politis-White optimal mean block length, the longest over the inputs so the resampling
    # keeps the most persistent dependence among them.
    return int(math.ceil(max(optimal_block_length(column) for column in columns)))


def _bootstrap_peaks(
    x: np.ndarray, y: np.ndarray, max_lag: int, reps: int, block: int, seed: int | np.random.Generator | None
) -> np.ndarray:
    """Peak lag (argmax |corr|) in each stationary-bootstrap resample of the lagged pairs.

    Rows t = max_lag..n-max_lag-1 each hold x_t and y_{t-K..t+K}; resampling whole rows in
    blocks keeps every lagged pair intact while resampling time.
    """
    n = len(x)
    rows = np.arange(max_lag, n - max_lag)
    m = len(rows)
    # Centring on the full-sample means changes no correlation and keeps the moment
    # differences below well conditioned.
    leads = x[rows] - x[rows].mean()
    lagged = np.column_stack([y[rows + k] for k in range(-max_lag, max_lag + 1)])
    lagged = lagged - lagged.mean(axis=0)
    moments = np.column_stack([leads, leads**2, lagged, lagged**2, leads[:, None] * lagged])
    width = lagged.shape[1]
    rng = as_generator(seed)
    peaks = np.empty(reps, dtype=int)
    chunk = 256
    for first in range(0, reps, chunk):
        size = min(chunk, reps - first)
        # A resample's means are the original rows weighted by how often each was drawn.
        drawn = stationary_bootstrap_indices(m, size, float(block), seed=rng)
        counts = np.bincount((drawn + m * np.arange(size)[:, None]).ravel(), minlength=size * m).reshape(size, m)
        means = counts @ moments / m
        mean_x, mean_xx = means[:, 0], means[:, 1]
        mean_y, mean_yy = means[:, 2 : 2 + width], means[:, 2 + width : 2 + 2 * width]
        mean_xy = means[:, 2 + 2 * width :]
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = (mean_xy - mean_x[:, None] * mean_y) / np.sqrt(
                (mean_xx - mean_x**2)[:, None] * (mean_yy - mean_y**2)
            )
        strength = np.where(np.isfinite(corr), np.abs(corr), -1.0)
        peaks[first : first + size] = strength.argmax(axis=1) - max_lag
    return peaks


@dataclass(frozen=True, eq=False)
class LeadLag:
    """Specification of a lead-lag study between two price series.

    Parameters
    ----------
    lead, lag
        Closes indexed by date, named after their symbols. ``lead`` is the series suspected to
        move first; k > 0 in the results means it does.
    freq
        ``"D"``, ``"W"`` or ``"M"``; see :func:`aligned_returns` for the calendar.
    max_lag
        Leads and lags scanned: k = -max_lag..max_lag (default by frequency: 10 days, 8 weeks,
        6 months).
    alpha
        Level of bands, tests and bootstrap intervals (default 0.05).
    window
        Rolling-correlation window in bars (default 126 days, 52 weeks, 36 months).
    granger_max_lag
        Largest lag order the information criterion may choose (default ``max_lag``).
    ic
        ``"bic"`` (default) or ``"aic"``, for the Granger lag order.
    reps
        Bootstrap resamples for the peak lag's uncertainty.
    seed
        Seed or Generator for the bootstrap (``None``: a fresh seed, recorded in the result).
    calendars
        ``(lead's, lag's)`` calendar (``"exchange"``/``"crypto"``/``None`` to infer).
    changes
        ``(lead's, lag's)`` change, ``"log"`` (default) or ``"diff"``; see :func:`aligned_returns`.
    descriptions
        What each series is and how it was transformed and aligned, by name, in words; shown in
        the definition and under ``series`` in :meth:`LeadLagResult.to_dict`.
    """

    lead: pd.Series
    lag: pd.Series
    freq: Frequency = "D"
    max_lag: int | None = None
    alpha: float = 0.05
    window: int | None = None
    granger_max_lag: int | None = None
    ic: InformationCriterion = "bic"
    reps: int = 1000
    seed: int | np.random.Generator | None = None
    calendars: tuple[Calendar | None, Calendar | None] | None = None
    changes: tuple[Change, Change] | None = None
    descriptions: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        freq = _check_freq(self.freq)
        how = _check_changes(self.changes)
        object.__setattr__(self, "changes", how)
        object.__setattr__(self, "lead", _check_closes("lead", self.lead, how[0]))
        object.__setattr__(self, "lag", _check_closes("lag", self.lag, how[1]))
        object.__setattr__(
            self, "max_lag", DEFAULT_MAX_LAG[freq] if self.max_lag is None else check_int("max_lag", self.max_lag, 1)
        )
        object.__setattr__(self, "alpha", check_alpha(self.alpha))
        object.__setattr__(
            self, "window", DEFAULT_WINDOW[freq] if self.window is None else check_int("window", self.window, 3)
        )
        if self.granger_max_lag is not None:
            object.__setattr__(self, "granger_max_lag", check_int("granger_max_lag", self.granger_max_lag, 1))
        if self.ic not in ("aic", "bic"):
            raise ValueError(f"ic must be 'aic' or 'bic'; got {self.ic!r}")
        object.__setattr__(self, "reps", check_int("reps", self.reps, 1))
        object.__setattr__(self, "seed", check_seed(self.seed))
        object.__setattr__(self, "calendars", _check_calendars(self.calendars))

    def run(self) -> LeadLagResult:
        """Align, scan the lags, bootstrap the peak, test Granger both ways, and conclude."""
        returns = aligned_returns(self.lead, self.lag, self.freq, calendars=self.calendars, changes=self.changes)
        lead_name, lag_name = (str(c) for c in returns.columns)
        max_lag = int(self.max_lag)  # type: ignore[arg-type]  # set in __post_init__
        window = int(self.window)  # type: ignore[arg-type]
        n = len(returns)
        needed = 4 * max_lag + 10
        if n < needed:
            span = f" ({returns.index[0].date()}..{returns.index[-1].date()})" if n else ""
            raise DataError(
                f"only {n} common {self.freq} returns of {lead_name} and {lag_name}{span}; "
                f"max_lag={max_lag} needs at least {needed}",
                symbol=f"{lead_name}/{lag_name}",
            )
        if n < WARN_BELOW_OBS:
            warnings.warn(
                f"{lead_name}/{lag_name}: only {n} {self.freq} returns; bands and tests are rough",
                InsufficientDataWarning,
                stacklevel=2,
            )
        x = returns[lead_name].to_numpy()
        y = returns[lag_name].to_numpy()
        ccf = cross_correlation(x, y, max_lag, alpha=self.alpha)
        hac_lags = int(ccf.attrs["hac_lags"])
        peak_k = int(cast(int, ccf["corr"].abs().idxmax()))

        zero, at_peak = _pairs(x, y, 0), _pairs(x, y, peak_k)
        block = _block_length(x, y, zero[0] * zero[1], at_peak[0] * at_peak[1])
        # A fresh seed is drawn and recorded when none is given, so every result can be reproduced.
        seed = int(np.random.SeedSequence().generate_state(1)[0]) if self.seed is None else self.seed
        peaks = _bootstrap_peaks(x, y, max_lag, self.reps, block, seed)
        shares = pd.Series(peaks).value_counts(normalize=True).reindex(ccf.index, fill_value=0.0)
        ccf["peak_share"] = shares.to_numpy()
        low = int(np.quantile(peaks, self.alpha / 2.0, method="lower"))
        high = int(np.quantile(peaks, 1.0 - self.alpha / 2.0, method="higher"))
        row = _record(ccf, peak_k)
        peak = PeakLag(
            k=peak_k,
            corr=float(row["corr"]),
            n=int(row["n"]),
            band_white=float(row["band_white"]),
            band_robust=float(row["band_robust"]),
            p=float(row["p"]),
            p_holm=float(row["p_holm"]),
            outside_white=bool(row["outside_white"]),
            outside_robust=bool(abs(row["corr"]) > row["band_robust"]),
            significant=bool(row["significant"]),
            share=float(shares.loc[peak_k]),
            interval=(low, high),
            share_lead_first=float((peaks > 0).mean()),
            share_same=float((peaks == 0).mean()),
            share_lag_first=float((peaks < 0).mean()),
        )

        rolling = pd.DataFrame(
            {
                "corr_0": _rolling_corr(returns[lead_name], returns[lag_name], 0, window),
                "corr_peak": _rolling_corr(returns[lead_name], returns[lag_name], peak_k, window),
            }
        )
        granger_max = self.granger_max_lag if self.granger_max_lag is not None else max_lag
        granger, granger_lags, orders = granger_causality(returns, max_lag=granger_max, ic=self.ic)

        daily_unit = ("trading day", "trading days") if "exchange" in returns.attrs["calendars"] else ("day", "days")
        unit = daily_unit if self.freq == "D" else _UNITS[self.freq]
        verdict = _verdict(lead_name, lag_name, ccf, peak, granger, self.alpha, unit, self.reps)
        how = _check_changes(self.changes)
        words = {"log": "log changes", "diff": "differences"}
        measured = (
            f"Log returns of {lead_name} and {lag_name}"
            if how == ("log", "log")
            else f"{words[how[0]].capitalize()} of {lead_name} and {words[how[1]]} of {lag_name}"
        )
        series = {
            name: {
                "change": change,
                "description": (self.descriptions or {}).get(name, "closes" if change == "log" else "levels"),
            }
            for name, change in zip((lead_name, lag_name), how, strict=True)
        }
        described = " ".join(f"{name}: {item['description']}." for name, item in series.items() if self.descriptions)
        definition = (
            f"{measured} at frequency {self.freq} on {returns.attrs['calendar']}. "
            + (f"{described} " if described else "")
            + f"corr(k) = corr({lead_name}_t, {lag_name}_(t+k)) for k = -{max_lag}..{max_lag}: k > 0 means "
            f"{lead_name} moves first. Bands at {numbers.percent(1 - self.alpha, 0)}: white-noise "
            f"z/sqrt(n), and robust "
            f"(Newey-West variance of the cross-products, bandwidth {hac_lags}); per-lag p-values from the robust "
            f"band, Holm and Benjamini-Hochberg adjusted over the {2 * max_lag + 1} lags. Peak uncertainty: stationary "
            f"bootstrap of the lagged pairs (mean block {block}, {self.reps} resamples). Granger: OLS F-tests "
            f"(classical and HC3-robust) with the VAR lag order chosen by {self.ic.upper()} up to {granger_max}."
        )
        return LeadLagResult(
            lead=lead_name,
            lag=lag_name,
            freq=self.freq,
            unit=unit[0],
            calendar=str(returns.attrs["calendar"]),
            start=pd.Timestamp(returns.index[0]),
            end=pd.Timestamp(returns.index[-1]),
            n_obs=n,
            max_lag=max_lag,
            alpha=self.alpha,
            window=window,
            ic=self.ic,
            reps=self.reps,
            block_size=block,
            hac_lags=hac_lags,
            ccf=ccf,
            peak=peak,
            rolling=rolling,
            granger=granger,
            granger_lags=granger_lags,
            granger_orders=orders,
            verdict=verdict,
            definition=definition,
            seed=seed if isinstance(seed, int) else None,
            series=series,
        )


def _rolling_corr(lead: pd.Series, lag: pd.Series, k: int, window: int) -> pd.Series:
    # Pair lead_t with lag_{t+k} on the row of the later date, so each value uses nothing after it.
    if k >= 0:
        first, second = lead.shift(k), lag
    else:
        first, second = lead, lag.shift(-k)
    return first.rolling(window, min_periods=window).corr(second)


def _verdict(
    lead: str,
    lag: str,
    ccf: pd.DataFrame,
    peak: PeakLag,
    granger: pd.DataFrame,
    alpha: float,
    unit: tuple[str, str],
    reps: int,
) -> Verdict:
    significant = tuple(int(k) for k in ccf.index[ccf["significant"]])
    forward = _record(granger, granger.index[0])  # lead -> lag
    backward = _record(granger, granger.index[1])  # lag -> lead
    g_forward = bool(forward["p_robust_holm"] < alpha)
    g_backward = bool(backward["p_robust_holm"] < alpha)
    granger_text = (
        f"Granger (HC3-robust F, {_bars(int(forward['lags']), ('lag', 'lags'))}): {lead} -> {lag} "
        f"p {_fmt_p(forward['p_robust'])}, {lag} -> {lead} p {_fmt_p(backward['p_robust'])} "
        f"(Holm over both directions: {_fmt_p(forward['p_robust_holm'])}, {_fmt_p(backward['p_robust_holm'])})."
    )
    parts: list[str] = []
    if 0 in significant:
        row = _record(ccf, 0)
        parts.append(
            f"{lead} and {lag} move together within the same {unit[0]} (corr "
            f"{numbers.score(row['corr'], 2, signed=True)}, "
            f"Holm p {_fmt_p(row['p_holm'])})."
        )
    nonzero = [k for k in significant if k != 0]
    leader: str | None = None
    follower: str | None = None
    bars: int | None = None
    evidence: Literal["strong", "moderate", "mixed", "weak", "none"]
    if nonzero:
        corrs = dict(zip(ccf.index.astype(int), ccf["corr"].astype(float), strict=True))
        best = max(nonzero, key=lambda k: abs(corrs[k]))
        row = _record(ccf, best)
        leader, follower = (lead, lag) if best > 0 else (lag, lead)
        bars = abs(best)
        agrees = g_forward if best > 0 else g_backward
        opposes = g_backward if best > 0 else g_forward
        evidence = "strong" if agrees and not opposes else "mixed" if opposes and not agrees else "moderate"
        others = [k for k in nonzero if k != best]
        others_text = f" Other significant lags: {', '.join(f'{k:+d}' for k in others)}." if others else ""
        parts.append(
            f"{leader} leads {follower} by {_bars(bars, unit)}: corr({lead}_t, {lag}_t{best:+d}) = "
            f"{numbers.score(row['corr'], 2, signed=True)} (robust band "
            f"±{numbers.score(row['band_robust'], 2)}, Holm p {_fmt_p(row['p_holm'])}).{others_text}"
        )
        if evidence == "mixed":
            parts.append("But Granger points the other way, so the direction is unsettled.")
            leader = follower = None
            bars = None
    elif g_forward != g_backward:
        leader, follower = (lead, lag) if g_forward else (lag, lead)
        evidence = "weak"
        parts.append(
            f"No single lag's correlation survives adjustment for the {len(ccf)} lags scanned, but {leader}'s past "
            f"helps predict {follower} (Granger); weak evidence that {leader} leads, by no identifiable number of "
            f"{unit[1]}."
        )
    else:
        evidence = "none"
        both = " Granger is significant both ways (feedback), which shows no order." if g_forward else ""
        parts.append(
            f"No evidence that either leads: no non-zero lag's correlation survives Holm adjustment over the "
            f"{len(ccf)} lags scanned.{both}"
        )
    parts.append(
        f"Bootstrap ({reps} resamples): the largest |corr| falls at k = {peak.k:+d} in "
        f"{numbers.percent(peak.share, 0)} of them, "
        f"{numbers.percent(1 - alpha, 0)} interval [{peak.interval[0]:+d}, {peak.interval[1]:+d}] "
        f"{unit[1]}; {lead} first in "
        f"{numbers.percent(peak.share_lead_first, 0)}, same {unit[0]} in {numbers.percent(peak.share_same, 0)}, "
        f"{lag} first in {numbers.percent(peak.share_lag_first, 0)}."
    )
    parts.append(granger_text)
    return Verdict(
        leader=leader,
        follower=follower,
        lead_bars=bars,
        evidence=evidence,
        significant_lags=significant,
        text=" ".join(parts),
    )


_PERIOD_WORDS = {
    "D": "each day read",
    "W": "the last common day of each week",
    "M": "the last common day of each month",
}
_CHANGE_WORDS = {"log": "log change", "diff": "difference"}


def _macro_change(unit: str) -> Change:
    """Rates and spreads (percent), and series of unknown unit, change by differences; levels by logs."""
    text = (unit or "").strip().lower()
    return "diff" if not text or "percent" in text or text in ("%", "pp") else "log"


def _series_for(
    data: MarketData, symbol: str, freq: Frequency, align: Alignment = "published"
) -> tuple[pd.Series, Calendar | None, Change, str]:
    """The series a lead-lag study reads for ``symbol``, its calendar, its change and a description."""
    from riskcurve.data.release import describe_rule
    from riskcurve.signals.derived import ALTS_NAMES, DERIVED, derived_series, level_series

    period = _PERIOD_WORDS[freq]
    if "/" in symbol or symbol in ALTS_NAMES:
        # A against B (ETH/BTC, RUT/GSPC, ALTS/BTC) and the alt basket are levels on their first
        # part's calendar: A's closes over B's as known at the end of each of A's days.
        values = level_series(data, symbol)
        top, _, bottom = symbol.partition("/")
        text = (
            f"{top} against {bottom} ({top}'s level over {bottom}'s as known on {top}'s days)"
            if bottom
            else "the equal-weight altcoin basket"
        )
        return values, _calendar_of(data, top), "log", f"{text}; log returns"
    if symbol in DERIVED:
        spec = DERIVED[symbol]
        values = derived_series(data, symbol)
        text = (
            f"{spec.description} ({spec.unit}); {_CHANGE_WORDS[spec.change]} of the value known at the end of "
            f"{period}, each input counted from its publication"
        )
        return values, "crypto", spec.change, text
    data.require(symbol)
    meta = data.store.meta(symbol)
    if meta.kind == "price":
        calendar = cast(Calendar, meta.calendar) if meta.calendar in ("exchange", "crypto") else None
        return data.close(symbol), calendar, "log", f"{meta.description or symbol} closes; log returns"
    vintages = data.vintages(symbol)
    if vintages.empty:
        raise DataError(f"nothing published by {data.as_of.date()}", symbol=symbol)
    first = pd.DatetimeIndex(vintages.index).min()
    change = _macro_change(meta.unit)
    unit = f"{meta.unit}" if meta.unit else "unit unknown"
    if align == "observed":
        # The latest vintage of each observation, on the date it describes (a market rate is
        # known to the market at that day's close, whatever FRED's posting lag).
        latest = vintages.reset_index().sort_values(["date", "available_at"]).groupby("date")["value"].last()
        observed = pd.Series(latest.to_numpy(dtype=float), index=pd.DatetimeIndex(latest.index, name="date"))
        text = (
            f"{meta.description or symbol} ({unit}); {_CHANGE_WORDS[change]} of the value observed on {period} "
            "(aligned by observation date, latest vintage published by the as-of day; not point-in-time)"
        )
        placed: Calendar = "exchange" if meta.calendar == "business" else "crypto"
        return observed.rename(symbol), placed, change, text
    values = data.known(symbol, data.days(first))
    text = (
        f"{meta.description or symbol} ({unit}); {_CHANGE_WORDS[change]} of the value known at the end of {period}, "
        f"point-in-time by publication ({describe_rule(meta.release, lag_days=meta.lag_days)})"
    )
    return values, "crypto", change, text


def _calendar_of(data: MarketData, symbol: str) -> Calendar | None:
    """The calendar a level series trades on: a stored price's own, crypto for the basket and derived series."""
    from riskcurve.signals.derived import ALTS_NAMES, DERIVED

    if symbol in ALTS_NAMES or symbol in DERIVED:
        return "crypto"
    data.require(symbol)
    calendar = data.store.meta(symbol).calendar
    return cast(Calendar, calendar) if calendar in ("exchange", "crypto") else None


def leadlag(
    data: MarketData,
    lead: str,
    lag: str,
    *,
    freq: Frequency = "D",
    max_lag: int | None = None,
    start: DateLike | None = None,
    align: Alignment = "published",
    **kwargs: Any,
) -> LeadLagResult:
    """Run a :class:`LeadLag` study on two stored price series as known on ``data.as_of``.

    Parameters
    ----------
    data
        The point-in-time view of the store.
    lead, lag
        Any series: a price symbol (``RUT``, ``BTC``: log returns), a stored macro series
        (``DGS2``, ``VIXCLS``, ``WALCL``), a derived one (``NETLIQ``, see
        :mod:`riskcurve.signals.derived`), the alt basket (``ALTS``), or one price against
        another (``ETH/BTC``, ``RUT/GSPC``, ``ALTS/BTC``: A's level over B's as known on A's days,
        in log returns). A macro level enters as its change - a difference for
        rates and spreads in percent (and series of unknown unit), a log change for USD levels and
        indices - of the value *as known* at the end of each day by its publication time, read on
        the same days as the other series: a Wednesday H.4.1 level published on Thursday counts in
        the week it was released, not the week it describes.
    freq, max_lag
        As in :class:`LeadLag`.
    start
        Ignore closes before this day (e.g. to study only the ETF era).
    align
        ``"published"`` (default): a stored macro series is read as known at the end of each day
        (point-in-time). ``"observed"``: on the date each value describes (latest vintage), as
        for market rates that traders saw at the close although FRED posts them a day later;
        publication lags then cannot create a spurious lead of the price series. Derived series
        are always read as published.
    **kwargs
        Other :class:`LeadLag` settings (``alpha``, ``window``, ``granger_max_lag``, ``ic``,
        ``reps``, ``seed``).

    Returns
    -------
    LeadLagResult
    """
    freq = _check_freq(freq)
    if align not in ("published", "observed"):
        raise ValueError(f"align must be 'published' or 'observed'; got {align!r}")
    symbols = (lead.strip().upper(), lag.strip().upper())
    calendars: list[Calendar | None] = []
    changes: list[Change] = []
    descriptions: dict[str, str] = {}
    closes = []
    for symbol in symbols:
        series, calendar, change, description = _series_for(data, symbol, freq, align)
        if start is not None:
            series = series.loc[pd.Timestamp(start) :]
        if series.dropna().empty:
            raise DataError(f"no values between {start or 'the start'} and {data.as_of.date()}", symbol=symbol)
        closes.append(series)
        calendars.append(calendar)
        changes.append(change)
        descriptions[symbol] = description
    spec = LeadLag(
        lead=closes[0],
        lag=closes[1],
        freq=freq,
        max_lag=max_lag,
        calendars=(calendars[0], calendars[1]),
        changes=(changes[0], changes[1]),
        descriptions=descriptions,
        **kwargs,
    )
    return spec.run()
