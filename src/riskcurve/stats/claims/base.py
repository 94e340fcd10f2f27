"""What every kind shares: the claim's inherited identity, its window, and quiet studies."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from riskcurve.errors import InsufficientDataWarning
from riskcurve.stats.claims.language import Claim, Window
from riskcurve.stats.claims.result import ClaimResult


def window_bounds(window: Window | None, date: dt.date) -> tuple[pd.Timestamp | None, pd.Timestamp]:
    """The window's first and last day (no start: from the data's start; no end: the claim's date)."""
    start = pd.Timestamp(window.start) if window is not None and window.start is not None else None
    end = pd.Timestamp(window.end) if window is not None and window.end is not None else pd.Timestamp(date)
    return start, end


def quiet(run: Callable[[], Any]) -> tuple[Any, list[str]]:
    """Run a study, collecting its small-sample warnings (they are part of the answer)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InsufficientDataWarning)
        result = run()
    return result, [str(w.message) for w in caught if issubclass(w.category, InsufficientDataWarning)]


@dataclass(frozen=True)
class Base:
    """What a claim inherits: its full id, source and date (parts take their parent's)."""

    id: str
    source: str
    date: dt.date
    statement: str | None = None
    kind: str | None = None

    def child(self, suffix: str, statement: str, kind: str, date: dt.date | None = None) -> Base:
        """The identity of a part of this claim (its id suffixed, its own statement and kind).

        A part with its own ``date`` is measured as of that day; otherwise it takes the parent's.
        """
        return Base(f"{self.id}.{suffix}", self.source, date or self.date, statement, kind)

    def definition_of(self, claim: Claim) -> dict[str, Any]:
        """The claim's definition as JSON, without its identity fields."""
        dumped = claim.model_dump(mode="json", exclude_none=True, exclude={"id", "statement", "source", "date", "kind"})
        return dumped

    def result(self, claim: Claim, **fields: Any) -> ClaimResult:
        """A result carrying this identity and ``fields``."""
        fields.setdefault("definition", self.definition_of(claim))
        return ClaimResult(
            id=self.id,
            statement=self.statement if self.statement is not None else claim.statement,
            source=self.source,
            date=self.date,
            kind=self.kind if self.kind is not None else claim.kind,
            **fields,
        )
