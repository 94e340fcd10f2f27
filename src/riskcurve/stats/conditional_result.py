"""What a conditional study returns: the verdict codes, the verdict in words, and the immutable result.

:class:`ConditionalResult` carries the per-horizon table; its ``to_dict`` is the stable
``--json`` schema (``SCHEMA``). Part of :mod:`riskcurve.stats.conditional`, which re-exports
the public names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from riskcurve import numbers
from riskcurve.stats._json import plain
from riskcurve.stats.rotation import POWER

if TYPE_CHECKING:
    from riskcurve.stats.conditional import ConditionalStudy


#: Fewer spells than this in or out of the state: "too few events to conclude".
MIN_SPELLS = 5


#: Version of the ``to_dict`` schema.
SCHEMA = "riskcurve.conditional_study/1"


CONVENTION = (
    "Each target bar takes the latest state value dated on or before it (known at the end of that day); its "
    "h-bar return runs from the close of the next target bar to the close h bars after that. Horizons are bars "
    "of the target's own calendar."
)
METHOD = (
    "difference = mean forward return in the state - mean out of it. p: rotation test, the state circularly "
    "shifted against the returns by every offset, Welch statistic, two-sided, count/n; Holm-adjusted across "
    "horizons. CI: the rotation test inverted under a shift model. Block bootstrap (boot_low/boot_high, se): "
    "stationary bootstrap of the (state, return) pairs resampled jointly, mean block max(Politis-White, h, mean "
    "spell length), capped at a third of the sample. MDE: the difference the rotation test detects with 80% "
    "power at alpha/m (Holm's first step over m horizons), from the rotated differences (calibrated by simulation)."
)
VERDICT_CODES: tuple[str, ...] = (
    "no_events",
    "too_few_events",
    "chance",
    "above_baseline",
    "below_baseline",
    "mixed",
)


def _code(row: Mapping[Any, Any], alpha: float) -> str:
    if not (row["n_in"] and row["n_out"]):
        return "no_events"
    if min(row["spells_in"], row["spells_out"]) < MIN_SPELLS or not math.isfinite(row["p_two_sided"]):
        return "too_few_events"
    if not row["p_holm"] < alpha:
        return "chance"
    if row["difference"] > 0 and row["boot_low"] > 0:
        return "above_baseline"
    if row["difference"] < 0 and row["boot_high"] < 0:
        return "below_baseline"
    return "mixed"


def _pct(value: float) -> str:
    return "n/a" if value is None or not math.isfinite(value) else numbers.percent(value, 1, signed=True)


def _row_verdict(row: Mapping[Any, Any], alpha: float) -> str:
    h = int(row["horizon"])
    code = row["verdict_code"]
    if code == "no_events":
        side = "in" if not row["n_in"] else "out of"
        return f"{h} bars: no measured bar {side} the state; nothing to compare"
    text = (
        f"{h} bars: in {_pct(row['mean_in'])} ({row['n_in']} bars, {row['spells_in']} spells) vs out "
        f"{_pct(row['mean_out'])} ({row['n_out']} bars, {row['spells_out']} spells); difference "
        f"{_pct(row['difference'])} ({numbers.percent(1 - alpha, 0)} CI {_pct(row['ci_low'])} to "
        f"{_pct(row['ci_high'])}), "
        f"{numbers.p_equals(row['p_two_sided'])}, Holm {numbers.p_equals(row['p_holm'])}"
    )
    mde = f"±{numbers.percent(row['mde'], 1)}" if math.isfinite(row["mde"]) else "n/a"
    if code == "too_few_events":
        return (
            f"{text}; too few spells to conclude (fewer than {MIN_SPELLS} in or out of the state; "
            f"only a difference beyond {mde} would be detected reliably)"
        )
    if code == "chance":
        return f"{text}; cannot distinguish from chance (smallest reliably detectable difference {mde})"
    if code == "above_baseline":
        return f"{text}; higher while the state holds (significant at {numbers.percent(alpha, 0)}, Holm-adjusted)"
    if code == "below_baseline":
        return f"{text}; lower while the state holds (significant at {numbers.percent(alpha, 0)}, Holm-adjusted)"
    return f"{text}; mixed evidence: the rotation test rejects chance but the block-bootstrap interval includes 0"


def _overall(table: pd.DataFrame, subject: str, alpha: float) -> tuple[str, str]:
    codes = table["verdict_code"].tolist()
    tested = int(table["p_two_sided"].notna().sum())
    significant = [c for c in codes if c in ("above_baseline", "below_baseline")]
    family = f"(Holm-adjusted across {tested} horizons, alpha {numbers.significant(alpha, 3)})"
    if significant:
        parts = [
            f"{h} bars ({'higher' if row['verdict_code'] == 'above_baseline' else 'lower'}, difference "
            f"{_pct(row['difference'])}, Holm {numbers.p_equals(row['p_holm'])})"
            for h, row in table.iterrows()
            if row["verdict_code"] in ("above_baseline", "below_baseline")
        ]
        code = significant[0] if len(set(significant)) == 1 else "mixed"
        lead = "forward returns while the state holds differ from while it does not at"
        if code == "mixed":
            lead = "mixed evidence: the difference changes sign across horizons:"
        return code, f"{subject}: {lead} {'; '.join(parts)} {family}."
    if "mixed" in codes:
        return "mixed", (
            f"{subject}: mixed evidence: the test rejects chance at some horizon but the bootstrap interval "
            f"includes 0 {family}."
        )
    if "chance" in codes:
        few = [str(h) for h, c in zip(table.index, codes, strict=True) if c != "chance"]
        tail = f" Too few spells at {', '.join(few)} bars." if few else ""
        return "chance", f"{subject}: cannot distinguish from chance at any horizon {family}.{tail}"
    if "too_few_events" in codes:
        worst = int(table[["spells_in", "spells_out"]].min(axis=1).max())
        return "too_few_events", (
            f"{subject}: too few spells to conclude: at most {worst} in or out of the state at any horizon "
            f"(at least {MIN_SPELLS} of each needed); the numbers are shown, not evidence."
        )
    return "no_events", f"{subject}: the state never holds (or never fails) on measured bars; nothing to compare."


@dataclass(frozen=True, eq=False)
class ConditionalResult:
    """The outcome of :meth:`ConditionalStudy.run`.

    Attributes
    ----------
    study
        The specification that produced it.
    table
        One row per horizon (see :meth:`to_frame`).
    seed
        The integer seed that reproduces the run (``None`` if a Generator was passed).
    verdict_code
        The overall code (one of the event study's: see the module docstring).
    verdict
        The overall verdict in plain words.
    share_in
        Share of target bars with a known state on which the state holds.
    warnings
        The insufficient-data warnings raised by the run.
    """

    study: ConditionalStudy
    table: pd.DataFrame
    seed: int | None
    verdict_code: str
    verdict: str
    share_in: float
    warnings: tuple[str, ...] = field(default=())

    @property
    def horizons(self) -> tuple[int, ...]:
        return self.study.horizons

    def to_frame(self) -> pd.DataFrame:
        """One row per horizon.

        Columns: ``horizon``, ``n_in``, ``n_out`` (measured bars), ``spells_in``,
        ``spells_out`` (runs of the state: the effective number of independent spells),
        ``mean_in``, ``mean_out``, ``difference``, ``ci_low``, ``ci_high``, ``p_two_sided``,
        ``p_holm``, ``mde``, ``verdict_code``, ``verdict``, then ``median_in``,
        ``median_out``, ``hit_in``, ``hit_out``, ``mean_spell``, ``boot_low``, ``boot_high``
        (block-bootstrap interval), ``se``, ``block_length``. ``ci_low`` / ``ci_high`` are the
        rotation test inverted.
        """
        first = [
            "horizon",
            "n_in",
            "n_out",
            "spells_in",
            "spells_out",
            "mean_in",
            "mean_out",
            "difference",
            "ci_low",
            "ci_high",
            "p_two_sided",
            "p_holm",
            "mde",
            "verdict_code",
            "verdict",
        ]
        frame = self.table.reset_index()
        return frame[first + [c for c in frame.columns if c not in first]]

    def to_dict(self) -> dict[str, Any]:
        """The stable ``--json`` schema (``schema: riskcurve.conditional_study/1``); NaN becomes ``None``."""
        target = self.study.target
        state = self.study.state.dropna()
        return {
            "schema": SCHEMA,
            "state_name": self.study.name,
            "target": self.study.target_name,
            "kind": self.study.kind,
            "timing": self.study.timing,
            "horizons": list(self.horizons),
            "reps": int(self.study.reps),
            "seed": self.seed,
            "alpha": float(self.study.alpha),
            "power": POWER,
            "min_spells": MIN_SPELLS,
            "share_in": plain(self.share_in),
            "target_range": {
                "first": target.index.min().date().isoformat() if len(target) else None,
                "last": target.index.max().date().isoformat() if len(target) else None,
                "bars": len(target),
            },
            "state_range": {
                "first": state.index.min().date().isoformat() if len(state) else None,
                "last": state.index.max().date().isoformat() if len(state) else None,
            },
            "methods": {"convention": CONVENTION, "test": METHOD},
            "results": [{k: plain(v) for k, v in row.items()} for row in self.to_frame().to_dict("records")],
            "verdict_code": self.verdict_code,
            "verdict": self.verdict,
            "warnings": list(self.warnings),
        }

    def summary(self) -> str:
        """A plain-text report: the per-horizon numbers and the verdicts."""
        study = self.study
        lines = [
            f"Conditional study: {study.name} -> {study.target_name} ({study.kind} returns, {study.timing}, "
            "horizons in target bars)",
            f"State holds on {_pct(self.share_in).lstrip('+')} of measured bars; {study.reps} stationary-bootstrap "
            f"resamples per horizon, seed {self.seed}, alpha {numbers.significant(study.alpha, 3)}",
            "",
            f"{'h':>5} {'n in':>6} {'n out':>6} {'sp in':>6} {'sp out':>6} {'in':>8} {'out':>8} {'diff':>8} "
            f"{'CI':>19} {'p':>6} {'Holm':>6}",
        ]
        for h, row in self.table.iterrows():
            ci = f"{_pct(row['ci_low'])}..{_pct(row['ci_high'])}"
            p = numbers.p_value(row["p_two_sided"]) if math.isfinite(row["p_two_sided"]) else ""
            holm = numbers.p_value(row["p_holm"]) if math.isfinite(row["p_holm"]) else ""
            lines.append(
                f"{h:>5} {int(row['n_in']):>6} {int(row['n_out']):>6} {int(row['spells_in']):>6} "
                f"{int(row['spells_out']):>6} {_pct(row['mean_in']):>8} {_pct(row['mean_out']):>8} "
                f"{_pct(row['difference']):>8} {ci:>19} {p:>6} {holm:>6}"
            )
        lines.append("")
        lines.extend(self.table["verdict"].tolist())
        lines.append("")
        lines.append(f"Verdict: {self.verdict}")
        return "\n".join(lines)
