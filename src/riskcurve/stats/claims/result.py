"""What a checked claim is (:class:`ClaimResult`), and its figures in words."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskcurve import numbers
from riskcurve.stats.claims.grading import Evidence, Grade
from riskcurve.stats.claims.language import (
    Expects,
)


class DataMissing(Exception):
    """A claim cannot be measured: the reason is shown as its grade's reason."""


@dataclass(frozen=True)
class ClaimResult:
    """One claim checked: what it says, how it was measured, what was found, and its grade.

    Attributes
    ----------
    id, statement, source, date, kind
        The claim as written.
    definition
        The claim's definition and expectation, as validated (JSON-ready).
    grade, evidence
        See :mod:`riskcurve.stats.claims.grading`.
    reason
        Why this grade, in words (always present).
    headline
        The key figure in words.
    measured
        The figures behind it (JSON-ready).
    n, p, p_raw, family, mde, effect
        Observations; the p-value adjusted over the family tested (``family`` tests) and the
        raw one; the minimum detectable effect where a test ran, and the claimed effect.
    data_as_of
        The day the data were read on (the claim's date, or the run's ``as_of`` if earlier;
        forecasts: the run's ``as_of``).
    data
        Symbols read, with their first and last dates.
    parts
        Sub-claims, each graded.
    moves
        Forecasts: the moves of the named assets and of BTC, ETH and the alt basket over each
        month of the window.
    robustness
        With ``check --robustness``: the share of neighbouring readings that agree with the
        grade, whether it is fragile, and the reading that flips it
        (:mod:`~riskcurve.stats.claims.robustness`).
    """

    id: str
    statement: str
    source: str
    date: dt.date
    kind: str
    definition: Mapping[str, Any]
    grade: Grade
    evidence: Evidence
    reason: str
    headline: str
    measured: Mapping[str, Any] = field(default_factory=dict)
    n: int | None = None
    p: float | None = None
    p_raw: float | None = None
    family: int | None = None
    mde: float | None = None
    effect: float | None = None
    data_as_of: dt.date | None = None
    data: Mapping[str, Mapping[str, str | None]] = field(default_factory=dict)
    parts: tuple[ClaimResult, ...] = ()
    moves: tuple[Mapping[str, Any], ...] = ()
    window_end: dt.date | None = None
    robustness: Mapping[str, Any] | None = None

    def _repr_html_(self) -> str:
        from riskcurve._display import claim_html

        return claim_html(self)

    def summary(self) -> str:
        """The claim, its grade and reason, the key figure, and each part, in plain text."""
        tests = ", ".join(
            bit
            for bit in (
                f"n={self.n}" if self.n is not None and self.kind not in ("measure", "episode", "forecast") else "",
                numbers.p_equals(self.p)
                + (f" (adjusted over {self.family})" if self.family and self.family > 1 else "")
                if self.p is not None
                else "",
                f"MDE={numbers.significant(self.mde, 3)}" if self.mde is not None else "",
            )
            if bit
        )
        lines = [
            f"{self.id} ({self.kind}, {self.source}, {self.date}): {self.statement}",
            f"  {self.grade} [{self.evidence}{', ' + tests if tests else ''}]: {self.reason}",
            f"  measured: {self.headline}",
        ]
        lines.extend(f"  - {part.id}: {part.grade}: {part.headline}" for part in self.parts)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The ``check --json`` entry of this claim."""
        return {
            "id": self.id,
            "statement": self.statement,
            "source": self.source,
            "date": self.date.isoformat(),
            "kind": self.kind,
            "definition": jsonable(self.definition),
            "measured": jsonable(self.measured),
            "headline": self.headline,
            "n": self.n,
            "p": jsonable(self.p),
            "p_raw": jsonable(self.p_raw),
            "family": self.family,
            "mde": jsonable(self.mde),
            "effect": jsonable(self.effect),
            "grade": self.grade,
            "evidence": self.evidence,
            "reason": self.reason,
            "data_as_of": self.data_as_of.isoformat() if self.data_as_of else None,
            "window_end": self.window_end.isoformat() if self.window_end else None,
            "data": {k: dict(v) for k, v in self.data.items()},
            "parts": [part.to_dict() for part in self.parts],
            "moves": [jsonable(m) for m in self.moves],
            **({"robustness": jsonable(self.robustness)} if self.robustness is not None else {}),
        }


def jsonable(value: Any) -> Any:
    """JSON-ready: NaN to None, numpy to Python, dates to ISO text."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date().isoformat()
    if value is pd.NaT:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def fmt(value: Any, unit: str = "number") -> str:
    """A figure for people: percent (signed), share (unsigned percent), multiple, number, date or truth value."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    number = float(value)
    if unit == "percent" and number == 0:
        return "0%"
    if unit == "percent":
        # Small rates (supply inflation, daily moves) need the second decimal to be told apart.
        return numbers.percent(number, 2 if abs(number) < 0.02 else 1, signed=True)
    if unit == "share":
        return numbers.percent(number, 0)
    if unit == "multiple":
        return numbers.ratio(number, 2)
    if number == int(number) and abs(number) < 1e15:
        return f"{int(number):,}"
    if abs(number) >= 100:
        return numbers.decimal(number, 0)
    return numbers.significant(number, 4)


def claimed_text(expects: Expects, unit: str = "number") -> str:
    """What the claim expects, in words."""
    parts = []
    if expects.value is not None:
        tol = (
            fmt(expects.tolerance, unit).lstrip("+")
            if expects.tolerance is not None
            else numbers.percent(expects.rel_tolerance or 0, 0)
        )
        parts.append(f"about {fmt(expects.value, unit)} (±{tol})")
    if expects.at_least is not None:
        parts.append(f"at least {fmt(expects.at_least, unit)}")
    if expects.at_most is not None:
        parts.append(f"at most {fmt(expects.at_most, unit)}")
    if expects.equals is not None:
        parts.append(fmt(expects.equals))
    if expects.within is not None:
        parts.append(" or ".join(f"{a}..{b}" for a, b in expects.within))
    return ", ".join(parts)


def results_frame(results: Sequence[ClaimResult]) -> pd.DataFrame:
    """One row per claim (parts not expanded): the scorecard as a table for notebooks and reports."""
    rows = [
        {
            "id": r.id,
            "kind": r.kind,
            "statement": r.statement,
            "grade": r.grade,
            "evidence": r.evidence,
            "n": r.n,
            "p": r.p,
            "mde": r.mde,
            "measured": r.headline,
            "reason": r.reason,
        }
        for r in results
    ]
    columns = ["id", "kind", "statement", "grade", "evidence", "n", "p", "mde", "measured", "reason"]
    return pd.DataFrame(rows, columns=columns).set_index("id")
