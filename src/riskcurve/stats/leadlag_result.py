"""What a lead-lag study returns: the peak lag, the verdict in words, and the immutable result.

:class:`LeadLagResult` carries the tables and its ``to_dict`` is the stable ``--json`` schema.
Part of :mod:`riskcurve.stats.leadlag`, which re-exports the public names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from riskcurve import numbers
from riskcurve._typing import Frequency
from riskcurve.stats._json import plain
from riskcurve.stats.granger import InformationCriterion


@dataclass(frozen=True)
class PeakLag:
    """The lag with the largest absolute correlation, and how stable that choice is.

    Attributes
    ----------
    k
        The lag (k > 0: the lead series moves first).
    corr, n, band_white, band_robust, p, p_holm
        Its row of the CCF table.
    outside_white, outside_robust
        |corr| beyond the white-noise band / the robust band (unadjusted for the scan).
    significant
        Robust p-value significant after Holm adjustment over all lags scanned.
    share
        Share of bootstrap resamples whose peak is this same k.
    interval
        Central (1 - alpha) interval of the bootstrap peak lag.
    share_lead_first, share_same, share_lag_first
        Shares of resamples whose peak is at k > 0, k = 0, k < 0.
    """

    k: int
    corr: float
    n: int
    band_white: float
    band_robust: float
    p: float
    p_holm: float
    outside_white: bool
    outside_robust: bool
    significant: bool
    share: float
    interval: tuple[int, int]
    share_lead_first: float
    share_same: float
    share_lag_first: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "corr": self.corr,
            "n": self.n,
            "band_white": self.band_white,
            "band_robust": self.band_robust,
            "p": self.p,
            "p_holm": self.p_holm,
            "outside_white": self.outside_white,
            "outside_robust": self.outside_robust,
            "significant": self.significant,
            "share": self.share,
            "interval": list(self.interval),
            "share_lead_first": self.share_lead_first,
            "share_same": self.share_same,
            "share_lag_first": self.share_lag_first,
        }


@dataclass(frozen=True)
class Verdict:
    """Which series leads, by how much, and how strong the evidence is.

    Attributes
    ----------
    leader, follower
        Symbols, or ``None`` when no lead is established.
    lead_bars
        By how many bars the leader moves first (from the strongest significant non-zero lag),
        or ``None``.
    evidence
        ``"strong"``: a non-zero lag's correlation survives Holm adjustment over the lags and the
        robust Granger test (Holm over its two directions) is significant in that direction only;
        ``"moderate"``: the correlation survives but Granger does not confirm; ``"mixed"``: the
        correlation and Granger point opposite ways (no leader is named); ``"weak"``: only one
        Granger direction is significant, and no single lag stands out; ``"none"``: neither.
        Each route holds its level alpha, so for two unrelated series a leader is named (as
        ``"moderate"`` or ``"weak"``) about 2 * alpha of the time; ``"strong"`` needs both.
    significant_lags
        Every lag whose correlation is significant after Holm adjustment (0 included).
    text
        The verdict in words, with the numbers behind it.
    """

    leader: str | None
    follower: str | None
    lead_bars: int | None
    evidence: Literal["strong", "moderate", "mixed", "weak", "none"]
    significant_lags: tuple[int, ...]
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "leader": self.leader,
            "follower": self.follower,
            "lead_bars": self.lead_bars,
            "evidence": self.evidence,
            "significant_lags": list(self.significant_lags),
            "text": self.text,
        }


def _record(table: pd.DataFrame, key: Any) -> dict[str, Any]:
    """One row of a table as a plain mapping of column -> value."""
    return {str(column): value for column, value in zip(table.columns, table.loc[key].tolist(), strict=True)}


def _fmt_p(p: float) -> str:
    return numbers.p_value(p)


def _bars(k: int, unit: tuple[str, str]) -> str:
    return f"{k} {unit[0] if abs(k) == 1 else unit[1]}"


@dataclass(frozen=True)
class LeadLagResult:
    """Outcome of a :class:`LeadLag` study (see :meth:`to_dict` for the stable JSON schema).

    Attributes
    ----------
    lead, lag
        The two symbols; k > 0 in every table means ``lead`` moves first.
    freq, unit
        Bar frequency and the name of one bar (``"trading day"``, ``"day"``, ``"week"``, ``"month"``).
    calendar
        How the two series were aligned, in words.
    start, end, n_obs
        First and last return date and the number of aligned returns.
    max_lag, alpha, window, ic, reps, block_size, hac_lags, seed
        The settings used (``block_size``: mean block of the peak-lag bootstrap; ``hac_lags``:
        Newey-West bandwidth of the robust band; ``seed``: the bootstrap's integer seed - drawn
        fresh and recorded when none was given - or ``None`` when a Generator was passed).
    ccf
        The cross-correlation table of :func:`cross_correlation`, plus ``peak_share`` (share of
        bootstrap resamples peaking at that lag).
    peak
        The lag of largest |corr| with its bootstrap uncertainty.
    rolling
        Rolling correlation at lag 0 (``corr_0``) and at the peak lag (``corr_peak``), indexed by
        the later of the two dates paired.
    granger, granger_lags, granger_orders
        Granger tests both ways, the lag order used, and the order each criterion chose.
    verdict
        The conclusion in words.
    series
        Per series: ``change`` (``"log"`` or ``"diff"``) and ``description`` (what it is, how it
        was transformed and aligned point-in-time).
    """

    lead: str
    lag: str
    freq: Frequency
    unit: str
    calendar: str
    start: pd.Timestamp
    end: pd.Timestamp
    n_obs: int
    max_lag: int
    alpha: float
    window: int
    ic: InformationCriterion
    reps: int
    block_size: int
    hac_lags: int
    ccf: pd.DataFrame
    peak: PeakLag
    rolling: pd.DataFrame
    granger: pd.DataFrame
    granger_lags: int
    granger_orders: Mapping[str, int]
    verdict: Verdict
    definition: str = field(default="")
    seed: int | None = None
    series: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The cross-correlation table, one row per lag k."""
        return self.ccf.copy()

    def summary(self) -> str:
        """A few lines in words: sample, peak, Granger both ways, verdict."""
        peak = self.peak
        lines = [
            f"Lead-lag {self.lead} -> {self.lag}, {self.freq} returns {self.start.date()}..{self.end.date()} "
            f"(n = {self.n_obs}); calendar: {self.calendar}.",
            f"Peak |corr| at k = {peak.k:+d}: {numbers.score(peak.corr, 3, signed=True)} (white-noise "
            f"band ±{numbers.score(peak.band_white, 3)}, "
            f"robust band ±{numbers.score(peak.band_robust, 3)}, Holm p {_fmt_p(peak.p_holm)}); "
            f"bootstrap peak interval "
            f"[{peak.interval[0]:+d}, {peak.interval[1]:+d}], "
            f"{numbers.percent(peak.share, 0)} of {self.reps} resamples at {peak.k:+d}.",
        ]
        for direction, row in self.granger.iterrows():
            lines.append(
                f"Granger {direction} ({int(row['lags'])} lags by {self.ic.upper()}): F p {_fmt_p(row['p'])}, "
                f"robust p {_fmt_p(row['p_robust'])}."
            )
        lines.append(f"Verdict ({self.verdict.evidence}): {self.verdict.text}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from riskcurve._display import result_html

        return result_html(
            f"Lead-lag: {self.lead} -> {self.lag} ({self.freq}, {self.n_obs} returns "
            f"{self.start.date()} to {self.end.date()})",
            verdict=self.verdict.text,
            facts={"peak lag (bars)": self.peak.k, "correlation at the peak": self.peak.corr},
            table=self.granger,
            summary=self.summary(),
        )

    def to_dict(self) -> dict[str, Any]:
        """The stable ``--json`` schema.

        Keys: ``lead``, ``lag``, ``freq``, ``unit``, ``calendar``, ``definition``, ``series`` (per
        series: ``change`` and ``description``, how it was transformed and aligned), ``sample``
        (``start``, ``end``, ``n``), ``parameters`` (``max_lag``, ``alpha``, ``window``, ``ic``,
        ``reps``, ``block_size``, ``hac_lags``, ``seed``), ``ccf`` (one record per lag, the columns of
        :attr:`ccf` with ``k``), ``peak`` (:meth:`PeakLag.to_dict`), ``granger`` (``lags``,
        ``ic``, ``orders``, ``tests``: one record per direction), ``rolling`` (``window``,
        ``last`` and ``mean`` of each column, ``data``: records with ``date``, ``corr_0``,
        ``corr_peak``), ``verdict`` (:meth:`Verdict.to_dict`). Missing numbers are ``null``.
        """
        ccf = self.ccf.reset_index()
        rolling = self.rolling.dropna(how="all")
        return {
            "lead": self.lead,
            "lag": self.lag,
            "freq": self.freq,
            "unit": self.unit,
            "calendar": self.calendar,
            "definition": self.definition,
            "series": {name: dict(item) for name, item in self.series.items()},
            "sample": {"start": self.start.date().isoformat(), "end": self.end.date().isoformat(), "n": self.n_obs},
            "parameters": {
                "max_lag": self.max_lag,
                "alpha": self.alpha,
                "window": self.window,
                "ic": self.ic,
                "reps": self.reps,
                "block_size": self.block_size,
                "hac_lags": self.hac_lags,
                "seed": self.seed,
            },
            "ccf": [{key: plain(value) for key, value in row.items()} for row in ccf.to_dict("records")],
            "peak": self.peak.to_dict(),
            "granger": {
                "lags": self.granger_lags,
                "ic": self.ic,
                "orders": dict(self.granger_orders),
                "tests": [
                    {key: plain(value) for key, value in row.items()}
                    for row in self.granger.reset_index().to_dict("records")
                ],
            },
            "rolling": {
                "window": self.window,
                "last": {c: plain(rolling[c].dropna().iloc[-1]) if rolling[c].notna().any() else None for c in rolling},
                "mean": {c: plain(rolling[c].mean()) for c in rolling},
                "data": [
                    {"date": date.date().isoformat(), **{str(c): plain(v) for c, v in row.items()}}
                    for date, row in zip(pd.DatetimeIndex(rolling.index), rolling.to_dict("records"), strict=True)
                ],
            },
            "verdict": self.verdict.to_dict(),
        }
