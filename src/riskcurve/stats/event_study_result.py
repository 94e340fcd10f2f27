"""What an event study returns: the verdict codes and words, the stated methods, and the immutable result.

:class:`EventStudyResult` carries the per-horizon table, the event paths and the baseline; its
``to_dict`` is the stable ``--json`` schema (``SCHEMA``) and states every method in words. Part of
:mod:`riskcurve.stats.event_study`, which re-exports the public names.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskcurve import numbers
from riskcurve.stats._json import plain
from riskcurve.stats.forward import (
    baseline_quantiles,
    cumulative_paths,
)

if TYPE_CHECKING:
    from riskcurve.stats.event_study import EventStudy


#: Fewer events than this with a full horizon: "too few events to conclude", whatever the p-value.
MIN_EVENTS = 5
#: Power at which the minimum detectable effect is stated.
POWER = 0.8


#: Version of the ``to_dict`` schema.
SCHEMA = "riskcurve.event_study/1"

CONVENTION = (
    "Event dated d (known at the end of d) enters at the close of the first target bar strictly after d; "
    "the h-bar return runs from that close to the close h target bars later. Horizons are bars of the "
    "target's own calendar (calendar days for crypto, sessions for exchange-traded series)."
)
CI_METHOD = (
    "Stationary-bootstrap pivot interval under a shift model: the target's overlapping h-bar forward returns "
    "are resampled in blocks (mean length max(Politis-White estimate, h)); D* = mean at the events' positions "
    "minus the resample's mean; CI = [difference - q(1-alpha/2), difference - q(alpha/2)] of D*."
)
P_METHOD = (
    "Permutation: reps random placements of the same number of pseudo-events among bars with a full horizon, "
    "at least min_spacing bars apart; p = (1 + count as extreme) / (1 + reps); two-sided about the placements' "
    "mean; Holm-adjusted across horizons."
)
MDE_METHOD = (
    "The shift of the event returns the permutation test detects with 80% power at alpha/m (Holm's first step "
    "over the m tests of the family): the critical value of the permutation rule at alpha/m minus the 20% "
    "quantile of the placements' centred means (the larger of the rise and fall cases; calibrated by simulation)."
)
HIT_METHOD = "Share of event returns > 0; Wilson score interval (primary) and Clopper-Pearson (exact)."


def _pct(value: float) -> str:
    return "n/a" if value is None or not math.isfinite(value) else numbers.percent(value, 1, signed=True)


def _plural(n: int, word: str = "event") -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _verdict_code(row: pd.Series, alpha: float) -> str:
    n = int(row["n"])
    if n == 0:
        return "no_events"
    if n < MIN_EVENTS:
        return "too_few_events"
    # Each horizon's verdict is one of a family (every horizon tested on the same events):
    # judged on its Holm-adjusted p-value, as the overall line is, so that under no effect no
    # row claims a difference more often than alpha however many horizons are shown.
    if not row["p_holm"] < alpha:
        return "chance"
    if row["ci_low"] > 0:
        return "above_baseline"
    if row["ci_high"] < 0:
        return "below_baseline"
    return "mixed"


def _horizon_verdict(h: int, row: pd.Series, alpha: float) -> str:
    n = int(row["n"])
    recent = int(row["n_too_recent"])
    waiting = f" ({_plural(recent)} too recent for {h} bars)" if recent else ""
    if n == 0:
        return f"{h} bars: no event with a full {h}-bar horizon{waiting}; nothing to conclude"
    level = numbers.percent(1 - alpha, 0)
    text = (
        f"{h} bars: {_plural(n)}{waiting}; effect {_pct(row['mean'])} vs baseline {_pct(row['baseline_mean'])} "
        f"(difference {_pct(row['difference'])}, {level} CI {_pct(row['ci_low'])} to {_pct(row['ci_high'])}); "
        f"{numbers.p_equals(row['p_two_sided'])}, Holm {numbers.p_equals(row['p_holm'])}"
    )
    mde = numbers.percent(row["mde"], 1) if math.isfinite(row["mde"]) else "n/a"
    code = _verdict_code(row, alpha)
    if code == "too_few_events":
        return (
            f"{text}; too few events to conclude (fewer than {MIN_EVENTS}; only a difference beyond ±{mde} "
            f"would be detected reliably with {_plural(n)})"
        )
    if code == "chance":
        return f"{text}; cannot distinguish from chance (smallest reliably detectable difference ±{mde})"
    if code == "above_baseline":
        return f"{text}; higher than after random days (significant at {numbers.percent(alpha, 0)}, Holm-adjusted)"
    if code == "below_baseline":
        return f"{text}; lower than after random days (significant at {numbers.percent(alpha, 0)}, Holm-adjusted)"
    return f"{text}; mixed evidence: the permutation test rejects chance but the bootstrap interval includes 0"


def _overall_verdict(table: pd.DataFrame, name: str, target: str, alpha: float) -> str:
    counts = table["n"].astype(int)
    subject = f"{name} -> {target}"
    if counts.max() < MIN_EVENTS:
        if counts.max() == 0:
            return f"{subject}: no event with a full horizon; nothing to conclude."
        return (
            f"{subject}: too few events to conclude: at most {_plural(int(counts.max()))} with a full horizon "
            f"(at least {MIN_EVENTS} needed at any horizon); the numbers are shown, not evidence."
        )
    studied = table[counts >= MIN_EVENTS]
    tested = int(table["p_two_sided"].notna().sum())
    significant = studied[(studied["p_holm"] < alpha) & ((studied["ci_low"] > 0) | (studied["ci_high"] < 0))]
    few = [str(h) for h in table.index[counts < MIN_EVENTS]]
    tail = f" Too few events at {', '.join(few)} bars." if few else ""
    if significant.empty:
        return (
            f"{subject}: cannot distinguish from chance at any horizon "
            f"(Holm-adjusted across {tested} horizons, alpha {numbers.significant(alpha, 3)}).{tail}"
        )
    parts = [
        f"{h} bars ({'higher' if row['ci_low'] > 0 else 'lower'}, difference {_pct(row['difference'])}, "
        f"Holm {numbers.p_equals(row['p_holm'])})"
        for h, row in significant.iterrows()
    ]
    return (
        f"{subject}: returns after events differ from random days at {'; '.join(parts)} "
        f"(Holm-adjusted across {tested} horizons, alpha {numbers.significant(alpha, 3)}).{tail}"
    )


def _warnings(table: pd.DataFrame, target: str) -> list[str]:
    few = table[table["n"] < MIN_EVENTS]
    if few.empty:
        return []
    listed = ", ".join(f"{int(row['n'])} at {h} bars" for h, row in few.iterrows())
    return [
        f"fewer than {MIN_EVENTS} events with a full horizon on {target} ({listed}): "
        "the results cannot support a conclusion"
    ]


@dataclass(frozen=True, eq=False)
class EventStudyResult:
    """The outcome of :meth:`EventStudy.run`.

    Attributes
    ----------
    study
        The specification that produced it.
    table
        One row per horizon (see :meth:`to_frame`).
    event_table
        One row per given event: ``status`` (``ok``, ``declustered``, ``before_target``,
        ``after_target``, ``no_nearby_bar``), ``bar``, ``entry``, ``entry_close`` and
        ``return_<h>`` per horizon (NaN where not measured or too recent).
    seed
        The integer seed that reproduces the run (``None`` if a Generator was passed).
    verdict
        The overall verdict in plain words.
    warnings
        The insufficient-data warnings raised by the run.
    """

    study: EventStudy
    table: pd.DataFrame
    event_table: pd.DataFrame
    seed: int | None
    verdict: str
    warnings: tuple[str, ...] = field(default=())

    @property
    def horizons(self) -> tuple[int, ...]:
        return self.study.horizons

    @property
    def measured(self) -> pd.DatetimeIndex:
        """Events kept after de-clustering that have an entry bar on the target."""
        return pd.DatetimeIndex(self.event_table.index[self.event_table["status"] == "ok"], name="date")

    def to_frame(self) -> pd.DataFrame:
        """One row per horizon.

        Columns: ``n`` (events with a full horizon), ``n_too_recent``, ``baseline_n``,
        ``mean``, ``median``, ``std``, ``hit_rate``, ``hit_low``/``hit_high`` (Wilson),
        ``hit_low_exact``/``hit_high_exact`` (Clopper-Pearson), ``baseline_mean``,
        ``baseline_median``, ``baseline_std``, ``baseline_hit_rate``, ``difference``,
        ``ci_low``/``ci_high`` (bootstrap), ``se`` (bootstrap standard error of the
        difference), ``block_length``, ``p_two_sided``, ``p_greater``, ``p_less``,
        ``n_eff``, ``mde``, ``p_holm``, ``verdict``, ``verdict_code``.
        """
        return self.table.copy()

    def event_returns(self) -> pd.DataFrame:
        """The per-event table (a copy of :attr:`event_table`)."""
        return self.event_table.copy()

    def paths(self, max_horizon: int | None = None) -> pd.DataFrame:
        """Cumulative return of the target after each measured event, bar by bar from entry.

        Returns
        -------
        pandas.DataFrame
            Index ``bars_after_entry`` 0..``max_horizon`` (default: the longest horizon), one
            column per event date; NaN past the data.
        """
        horizon = self._max_horizon(max_horizon)
        positions = self.event_table.loc[self.measured, "bar"]
        where = self.study.target.index.get_indexer(pd.DatetimeIndex(positions))
        matrix = cumulative_paths(self.study.target, where, horizon, kind=self.study.kind)
        return pd.DataFrame(
            matrix, index=pd.RangeIndex(horizon + 1, name="bars_after_entry"), columns=self.measured.rename("event")
        )

    def baseline_band(
        self, quantiles: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95), max_horizon: int | None = None
    ) -> pd.DataFrame:
        """Quantiles of the cumulative return ``k`` bars after entry from every bar (the fan behind :meth:`paths`)."""
        qs = [float(q) for q in quantiles]
        if not qs or any(not 0 <= q <= 1 for q in qs):
            raise ValueError(f"quantiles must be numbers in [0, 1], got {list(quantiles)!r}")
        return baseline_quantiles(self.study.target, qs, self._max_horizon(max_horizon), kind=self.study.kind)

    def _max_horizon(self, max_horizon: int | None) -> int:
        if max_horizon is None:
            return max(self.horizons)
        if isinstance(max_horizon, bool) or not isinstance(max_horizon, int | np.integer) or max_horizon < 1:
            raise ValueError(f"max_horizon must be a positive integer (bars), got {max_horizon!r}")
        return int(max_horizon)

    def _events_summary(self) -> dict[str, Any]:
        status = self.event_table["status"]

        def dates(which: str) -> list[str]:
            return [d.date().isoformat() for d in self.event_table.index[status == which]]

        return {
            "given": len(self.event_table),
            "measured": int((status == "ok").sum()),
            "declustered": dates("declustered"),
            "before_target": dates("before_target"),
            "after_target": dates("after_target"),
            "no_nearby_bar": dates("no_nearby_bar"),
        }

    def _repr_html_(self) -> str:
        from riskcurve._display import columns, result_html

        wanted = ("n", "mean", "median", "hit_rate", "baseline_mean", "difference", "ci_low", "ci_high")
        return result_html(
            f"Event study: {self.study.name} -> {self.study.target_name} ({self.study.kind} returns)",
            verdict=self.verdict,
            table=columns(self.to_frame(), (*wanted, "p_two_sided", "p_holm")),
            summary=self.summary(),
        )

    def to_dict(self) -> dict[str, Any]:
        """The stable ``--json`` schema (``schema: riskcurve.event_study/1``); NaN becomes ``None``."""
        target = self.study.target
        rows = []
        for h, row in zip(self.table.index, self.table.to_dict("records"), strict=True):
            rows.append({"horizon": int(h), **{str(k): plain(v) for k, v in row.items()}})
        events = []
        for date, row in zip(self.event_table.index, self.event_table.to_dict("records"), strict=True):
            events.append({"date": pd.Timestamp(date).date().isoformat(), **{str(k): plain(v) for k, v in row.items()}})
        return {
            "schema": SCHEMA,
            "events_name": self.study.name,
            "target": self.study.target_name,
            "kind": self.study.kind,
            "horizons": list(self.horizons),
            "reps": int(self.study.reps),
            "seed": self.seed,
            "alpha": float(self.study.alpha),
            "power": POWER,
            "min_events": MIN_EVENTS,
            "min_spacing": self.study.spacing,
            "target_range": {
                "first": target.index.min().date().isoformat() if len(target) else None,
                "last": target.index.max().date().isoformat() if len(target) else None,
                "bars": len(target),
            },
            "methods": {
                "convention": CONVENTION,
                "hit_rate": HIT_METHOD,
                "ci": CI_METHOD,
                "p_value": P_METHOD,
                "mde": MDE_METHOD,
            },
            "events": self._events_summary(),
            "results": rows,
            "event_returns": events,
            "verdict": self.verdict,
            "warnings": list(self.warnings),
        }

    def summary(self) -> str:
        """A plain-text report: what was measured, the per-horizon numbers and the verdicts."""
        study = self.study
        info = self._events_summary()
        lines = [
            f"Event study: {study.name} -> {study.target_name} ({study.kind} returns, horizons in target bars)",
            f"Events: {info['given']} given, {info['measured']} measured"
            + (
                f", {len(info['declustered'])} de-clustered (closer than {study.spacing} bars)"
                if info["declustered"]
                else ""
            )
            + (f", {len(info['before_target'])} before {study.target_name} history" if info["before_target"] else "")
            + (
                f", {len(info['after_target'])} with no {study.target_name} bar after them yet"
                if info["after_target"]
                else ""
            )
            + (
                f", {len(info['no_nearby_bar'])} with no nearby {study.target_name} bar"
                if info["no_nearby_bar"]
                else ""
            ),
            f"Resampling: {study.reps} permutations and stationary-bootstrap resamples, seed {self.seed}, "
            f"min spacing {study.spacing} bars, alpha {numbers.significant(study.alpha, 3)}",
            "",
            f"{'h':>5} {'n':>3} {'mean':>8} {'median':>8} {'hit':>5} {'hit CI':>13} {'base':>8} "
            f"{'diff':>8} {'diff CI':>19} {'p':>6} {'MDE':>7}",
        ]
        for h, row in self.table.iterrows():
            hit = numbers.percent(row["hit_rate"], 0) if row["n"] else "n/a"
            hit_ci = f"{numbers.percent(row['hit_low'], 0)}-{numbers.percent(row['hit_high'], 0)}" if row["n"] else ""
            ci = f"{_pct(row['ci_low'])}..{_pct(row['ci_high'])}" if row["n"] else ""
            p = numbers.p_value(row["p_two_sided"]) if row["n"] else ""
            mde = numbers.percent(row["mde"], 1) if row["n"] else ""
            lines.append(
                f"{h:>5} {int(row['n']):>3} {_pct(row['mean']):>8} {_pct(row['median']):>8} {hit:>5} {hit_ci:>13} "
                f"{_pct(row['baseline_mean']):>8} {_pct(row['difference']):>8} {ci:>19} {p:>6} {mde:>7}"
            )
        lines.append("")
        lines.extend(self.table["verdict"].tolist())
        lines.append("")
        lines.append(f"Verdict: {self.verdict}")
        return "\n".join(lines)
