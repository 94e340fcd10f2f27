"""Robust to the reading: each claim re-run under neighbouring readings of its words.

A claim's definition turns words into numbers ("about", "the week to", "sharply", "near").
Other reasonable numbers exist, and a grade that holds only under one of them says less than it
seems to. :func:`readings` derives the neighbouring readings of a claim from its definition,
each a small, named change:

* the claim date one, two, three and five days earlier and later (windows that end on it move
  with it);
* every window's start a week earlier and later, and every given end three days earlier and
  later; a forecast's window a month shorter and longer;
* tolerances halved and one and a half times as wide; bounds 5% and 10% looser and tighter;
* thresholds, bounds of ``between`` and state thresholds 10% lower and higher;
* horizons a quarter shorter and longer (history, conditional), the lead-lag scan shorter and
  longer, cascade cool-downs and turning-point thresholds changed by a quarter;
* close against intraday: a maximum read off the highs and a minimum off the lows;
* the claimed effect size two thirds and one and a half times as large (tests).

Only the changes that touch something the claim defines are made, and a reading the language
refuses (a window that would end before it starts) is left out. :func:`check_robustness` grades
every reading exactly as the claim itself is graded, on the same context (signals and studies
already computed are shared), and reports the share of readings whose grade agrees with the
claim's grade. A grade is *fragile* when some reading moves it across the line between support
(consistent, partly consistent) and the opposite (contradicted, not supported); the first such
reading is named.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from riskcurve import numbers
from riskcurve.stats.claims.language import Claim

#: Grades on the side of the claim, and against it; the others decide nothing.
SUPPORTS = frozenset({"consistent", "partly consistent"})
AGAINST = frozenset({"contradicted", "not supported"})
#: Fewest readings a robustness check runs (when the claim defines enough to vary).
MIN_READINGS = 10

Edit = Callable[[dict[str, Any], dt.date], bool]


def _side(grade: str) -> int:
    return 1 if grade in SUPPORTS else -1 if grade in AGAINST else 0


def _walk(node: Any, visit: Callable[[dict[str, Any]], bool]) -> bool:
    """Apply ``visit`` to every mapping in ``node``; whether any of them changed."""
    changed = False
    if isinstance(node, dict):
        changed = visit(node) or changed
        for value in node.values():
            changed = _walk(value, visit) or changed
    elif isinstance(node, list):
        for value in node:
            changed = _walk(value, visit) or changed
    return changed


def _move_date(days: int) -> Edit:
    def edit(doc: dict[str, Any], day: dt.date) -> bool:
        doc["date"] = day + dt.timedelta(days=days)

        def visit(node: dict[str, Any]) -> bool:
            window = node.get("window")
            if isinstance(window, dict) and window.get("end") == day:
                window["end"] = day + dt.timedelta(days=days)
            return False

        _walk(doc, visit)
        return True

    return edit


def _move_start(days: int) -> Edit:
    def edit(doc: dict[str, Any], day: dt.date) -> bool:
        def visit(node: dict[str, Any]) -> bool:
            window = node.get("window")
            if isinstance(window, dict) and isinstance(window.get("start"), dt.date):
                window["start"] = window["start"] + dt.timedelta(days=days)
                return True
            return False

        return _walk(doc, visit)

    return edit


def _move_end(days: int) -> Edit:
    def edit(doc: dict[str, Any], day: dt.date) -> bool:
        def visit(node: dict[str, Any]) -> bool:
            window = node.get("window")
            if isinstance(window, dict) and isinstance(window.get("end"), dt.date):
                window["end"] = window["end"] + dt.timedelta(days=days)
                return True
            return False

        return _walk(doc, visit)

    return edit


def _months(step: int) -> Edit:
    def edit(doc: dict[str, Any], day: dt.date) -> bool:
        def visit(node: dict[str, Any]) -> bool:
            months = node.get("months")
            if not (isinstance(months, list) and months and "assets" in node):
                return False
            last = max(months) + step
            if last < 1:
                return False
            node["months"] = sorted({m for m in months if m < last} | {last})
            return True

        return _walk(doc, visit)

    return edit


def _tolerance(factor: float) -> Edit:
    def edit(doc: dict[str, Any], day: dt.date) -> bool:
        def visit(node: dict[str, Any]) -> bool:
            changed = False
            for key in ("tolerance", "rel_tolerance"):
                if isinstance(node.get(key), int | float) and node[key] > 0:
                    node[key] = node[key] * factor
                    changed = True
            return changed

        return _walk(doc, visit)

    return edit


def _bounds(looser: bool, share: float = 0.1) -> Edit:
    def edit(doc: dict[str, Any], day: dt.date) -> bool:
        def visit(node: dict[str, Any]) -> bool:
            changed = False
            for key, sign in (("at_least", -1.0), ("at_most", 1.0)):
                bound = node.get(key)
                if isinstance(bound, int | float) and not isinstance(bound, bool) and bound != 0:
                    step = share * abs(bound) * (sign if looser else -sign)
                    node[key] = bound + step
                    changed = True
            return changed

        return _walk(doc, visit)

    return edit


def _thresholds(factor: float) -> Edit:
    def edit(doc: dict[str, Any], day: dt.date) -> bool:
        def visit(node: dict[str, Any]) -> bool:
            changed = False
            for key in ("threshold", "above", "below"):
                value = node.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool) and value != 0:
                    node[key] = node[key] * factor
                    changed = True
            if isinstance(node.get("bounds"), list | tuple) and len(node["bounds"]) == 2:
                low, high = node["bounds"]
                middle, half = (low + high) / 2, (high - low) / 2 * factor
                node["bounds"] = [middle - half, middle + half]
                changed = True
            return changed

        return _walk(doc, visit)

    return edit


def _horizons(factor: float) -> Edit:
    def edit(doc: dict[str, Any], day: dt.date) -> bool:
        def visit(node: dict[str, Any]) -> bool:
            changed = False
            if isinstance(node.get("horizons"), list) and node["horizons"]:
                node["horizons"] = sorted({max(1, round(h * factor)) for h in node["horizons"]})
                changed = True
            for key in ("max_lag", "cooldown", "change_days", "min_spacing"):
                if isinstance(node.get(key), int) and not isinstance(node[key], bool) and node[key] > 1:
                    node[key] = max(1, round(node[key] * factor))
                    changed = True
            return changed

        return _walk(doc, visit)

    return edit


def _intraday(doc: dict[str, Any], day: dt.date) -> bool:
    def visit(node: dict[str, Any]) -> bool:
        if node.get("series") is None or node.get("field", "close") != "close":
            return False
        statistic = node.get("statistic")
        if statistic in ("max", "min"):
            node["field"] = "high" if statistic == "max" else "low"
            return True
        return False

    return _walk(doc, visit)


def _effect(factor: float) -> Edit:
    def edit(doc: dict[str, Any], day: dt.date) -> bool:
        def visit(node: dict[str, Any]) -> bool:
            # Only an expectation carries "effect": the claimed size a test is powered against.
            if isinstance(node.get("effect"), int | float) and not isinstance(node["effect"], bool):
                node["effect"] = node["effect"] * factor
                return True
            return False

        return _walk(doc, visit)

    return edit


#: The neighbouring readings, by name.
EDITS: tuple[tuple[str, Edit], ...] = (
    ("claim date 1 day earlier", _move_date(-1)),
    ("claim date 1 day later", _move_date(1)),
    ("claim date 2 days earlier", _move_date(-2)),
    ("claim date 2 days later", _move_date(2)),
    ("claim date 3 days earlier", _move_date(-3)),
    ("claim date 3 days later", _move_date(3)),
    ("claim date 5 days earlier", _move_date(-5)),
    ("claim date 5 days later", _move_date(5)),
    ("windows end 3 days earlier", _move_end(-3)),
    ("windows end 3 days later", _move_end(3)),
    ("windows start a week earlier", _move_start(-7)),
    ("windows start a week later", _move_start(7)),
    ("tolerances halved", _tolerance(0.5)),
    ("tolerances 1.5x", _tolerance(1.5)),
    ("bounds 5% looser", _bounds(True, 0.05)),
    ("bounds 5% tighter", _bounds(False, 0.05)),
    ("bounds 10% looser", _bounds(True)),
    ("bounds 10% tighter", _bounds(False)),
    ("thresholds 10% lower", _thresholds(0.9)),
    ("thresholds 10% higher", _thresholds(1.1)),
    ("horizons and spans a quarter shorter", _horizons(0.75)),
    ("horizons and spans a quarter longer", _horizons(1.25)),
    ("intraday highs and lows instead of closes", _intraday),
    ("forecast window a month shorter", _months(-1)),
    ("forecast window a month longer", _months(1)),
    ("claimed effect two thirds as large", _effect(2 / 3)),
    ("claimed effect 1.5x as large", _effect(1.5)),
)


def readings(claim: Claim) -> list[tuple[str, Claim]]:
    """The neighbouring readings of ``claim`` (see the module docstring), each named.

    Parameters
    ----------
    claim
        A validated claim with its date.

    Returns
    -------
    list of (str, Claim)
        The name of each change and the claim as changed; changes that touch nothing the claim
        defines, or that the language refuses, are left out.
    """
    assert claim.date is not None
    out: list[tuple[str, Claim]] = []
    for name, edit in EDITS:
        doc = claim.model_dump(mode="python", exclude_none=True)
        if not edit(doc, claim.date):
            continue
        try:
            changed = type(claim).model_validate(doc)
        except (ValidationError, ValueError):
            continue
        if changed != claim:
            out.append((name, changed))
    return out


@dataclass(frozen=True)
class Robustness:
    """How a claim's grade fares under its neighbouring readings.

    Attributes
    ----------
    grade
        The claim's grade under its own reading.
    readings
        Each reading's name and grade.
    share_agreeing
        Share of readings with the same grade (``None`` when there is no reading).
    fragile
        Whether a reading moves the grade across the line between support and the opposite.
    flipped_by
        The first reading that does, and the grade it gives.
    """

    grade: str
    readings: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    share_agreeing: float | None = None
    fragile: bool = False
    flipped_by: tuple[str, str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the share, the fragility, the flipping reading and every reading's grade."""
        return {
            "n_readings": len(self.readings),
            "share_agreeing": self.share_agreeing,
            "fragile": self.fragile,
            "flipped_by": {"reading": self.flipped_by[0], "grade": self.flipped_by[1]} if self.flipped_by else None,
            "readings": [{"reading": name, "grade": grade} for name, grade in self.readings],
        }

    def summary(self) -> str:
        """One line: the share agreeing, and what flips the grade if anything."""
        if self.share_agreeing is None:
            return "no neighbouring reading"
        text = f"{numbers.percent(self.share_agreeing, 0)} of {len(self.readings)} readings agree"
        if self.flipped_by is not None:
            text += f"; fragile: {self.flipped_by[0]} gives {self.flipped_by[1]}"
        return text


def assess(grade: str, graded: Iterable[tuple[str, str]]) -> Robustness:
    """The robustness of ``grade`` given each reading's grade (pure: no data read).

    Parameters
    ----------
    grade
        The claim's own grade.
    graded
        ``(reading, grade)`` pairs.

    Returns
    -------
    Robustness
    """
    pairs = tuple(graded)
    if not pairs:
        return Robustness(grade)
    agreeing = sum(g == grade for _, g in pairs) / len(pairs)
    side = _side(grade)
    flipped = next(((name, g) for name, g in pairs if side and _side(g) == -side), None)
    return Robustness(grade, pairs, agreeing, flipped is not None, flipped)


def check_robustness(evaluate: Callable[[Claim], str], claim: Claim, grade: str) -> Robustness:
    """Grade every neighbouring reading of ``claim`` with ``evaluate`` and assess ``grade``.

    Parameters
    ----------
    evaluate
        Grades one claim (the same checker, on the same context, as the claim itself).
    claim
        The claim as written.
    grade
        Its grade.

    Returns
    -------
    Robustness
    """
    return assess(grade, [(name, evaluate(changed)) for name, changed in readings(claim)])
