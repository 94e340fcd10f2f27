"""The first screen of the report: the answers a reader wants before any chart.

A reader who scrolls no further learns how fresh the data are, whether the dated forecasts came
true (in words, with the measured moves), which claims hold (each with its statement, grouped by
grade, linked to its evidence) and where the market stands. The pieces are computed here as plain
data (:func:`freshness`, :func:`forecast_lines`, :func:`claims_by_grade`) and drawn twice: as HTML
by :func:`first_screen_html` for the report, and as Dash components by the dashboard, each from
one function that lists the panels in order (:func:`first_screen_panels` here,
``riskcurve.dashboard.app.first_screen_panels`` there). A new panel is one line in each.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from riskcurve import numbers

if TYPE_CHECKING:
    import pandas as pd

    from riskcurve.signals.regime import Regime
    from riskcurve.stats.claims import ClaimResult

__all__ = [
    "STALE_AFTER_DAYS",
    "ClaimLine",
    "ForecastLine",
    "Freshness",
    "Panel",
    "claims_by_grade",
    "first_screen_html",
    "first_screen_panels",
    "forecast_lines",
    "freshness",
    "used_symbols",
]

#: The data are called stale, loudly, when the core series end more than this many days before the day.
STALE_AFTER_DAYS = 7
#: Series whose observations come at most this many days apart on average are judged by the
#: week rule; slower ones (monthly macro) are not called stale for being a week old.
_FAST_SPACING_DAYS = 8.0
#: How many groups of series sharing a last date the banner names before "and N more".
_BANNER_GROUPS = 4
#: Readable names of the synthetic assets the forecasts measure.
ASSET_NAMES = {"ALT_BASKET": "altcoin basket"}
#: What a forecast's grade says in words, once its window has closed.
OUTCOME_WORDS = {
    "consistent": "Came true",
    "partly consistent": "Partly came true",
    "contradicted": "Did not come true",
    "inconclusive": "Could not be told",
}


# --- freshness -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    """How old the data behind the picture are on ``reference`` (today, or the day asked for).

    Attributes
    ----------
    reference
        The day the data are judged against.
    core_last
        The newest last date among the core series (None when none is stored).
    stale
        ``(symbol, last date)`` of every daily or weekly series behind ``reference`` by more than
        :data:`STALE_AFTER_DAYS` days, newest first.
    """

    reference: dt.date
    core_last: dt.date | None
    stale: tuple[tuple[str, dt.date], ...] = field(default_factory=tuple)

    @property
    def days_behind(self) -> int | None:
        """Days between the core series' newest last date and ``reference``."""
        return None if self.core_last is None else (self.reference - self.core_last).days

    @property
    def loud(self) -> bool:
        """Whether the data end more than a week before ``reference`` (the banner shows)."""
        behind = self.days_behind
        return behind is not None and behind > STALE_AFTER_DAYS

    def groups(self) -> list[tuple[dt.date, list[str]]]:
        """The stale series grouped by their last date, newest first."""
        by_day: dict[dt.date, list[str]] = {}
        for symbol, last in self.stale:
            by_day.setdefault(last, []).append(symbol)
        return sorted(by_day.items(), key=lambda item: item[0], reverse=True)

    def sentence(self) -> str:
        """The banner in one sentence, naming the series and their last dates ('' when fresh)."""
        if not self.loud or self.core_last is None:
            return ""
        groups = self.groups()
        named = "; ".join(f"{', '.join(symbols)} on {day.isoformat()}" for day, symbols in groups[:_BANNER_GROUPS])
        rest = sum(len(symbols) for _, symbols in groups[_BANNER_GROUPS:])
        more = f"; and {rest} more series earlier" if rest else ""
        return (
            f"The data end {self.core_last.isoformat()}, {self.days_behind} days before "
            f"{self.reference.isoformat()}: everything below describes that day, not today. "
            f"Last observations: {named}{more}. Run `riskcurve update` to bring them up to date."
        )


def used_symbols(picture: Regime) -> set[str]:
    """Every series the day's picture read."""
    return {symbol for item in picture.items for symbol in item.sources}


def freshness(
    listing: pd.DataFrame, symbols: Iterable[str], reference: dt.date, *, core: Sequence[str] = ("RUT", "GSPC", "BTC")
) -> Freshness:
    """Which of ``symbols`` end more than a week before ``reference``, from a series listing.

    Parameters
    ----------
    listing
        :meth:`riskcurve.data.store.Store.list_series` (as of the picture's day): ``symbol``,
        ``first_date``, ``last_date``, ``rows``.
    symbols
        The series the picture uses.
    reference
        Today (or the day the reader asked for).
    core
        The series whose newest last date says when "the data end".
    """
    import pandas as pd

    wanted = set(symbols) | set(core)
    rows = listing[listing["symbol"].isin(wanted)]
    stale: list[tuple[str, dt.date]] = []
    core_lasts: list[dt.date] = []
    limit = reference - dt.timedelta(days=STALE_AFTER_DAYS)
    for record in rows.to_dict("records"):
        if numbers.is_missing(record.get("last_date")):
            continue
        last = pd.Timestamp(record["last_date"]).date()
        if record["symbol"] in core:
            core_lasts.append(last)
        first = pd.Timestamp(record["first_date"]).date()
        count = int(record.get("rows") or 0)
        spacing = (last - first).days / max(count - 1, 1)
        if spacing <= _FAST_SPACING_DAYS and last < limit:
            stale.append((str(record["symbol"]), last))
    stale.sort(key=lambda item: (-item[1].toordinal(), item[0]))
    return Freshness(reference, max(core_lasts) if core_lasts else None, tuple(stale))


# --- the forecasts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastLine:
    """One dated forecast in words: what it said, whether it came true, and the measured moves."""

    id: str
    statement: str
    date: dt.date
    window_end: dt.date | None
    outcome: str
    resolved: bool
    moves: str
    reason: str

    def sentence(self) -> str:
        """The line as plain text."""
        window = self.date.isoformat() + (f" to {self.window_end.isoformat()}" if self.window_end else "")
        return f"{self.outcome}: \u201c{self.statement}\u201d ({window}). {self.moves}"


def _asset(name: str) -> str:
    return ASSET_NAMES.get(name, name)


def _move(value: Any) -> str:
    """A measured move: whole percent from 10% (``-24%``), one decimal below (``+2.5%``)."""
    if numbers.is_missing(value):
        return ""
    return numbers.percent(value, 0 if abs(float(value)) >= 0.1 else 1, signed=True)


def _moves_text(moves: Sequence[Mapping[str, Any]]) -> str:
    """``After 1 / 3 months: BTC -24% / -15%, ETH -34% / -22%``: the first and last month measured."""
    measured: list[tuple[str, list[int], Mapping[str, Any]]] = []
    for move in moves:
        if "note" in move:
            continue
        months = sorted(int(k[1:]) for k in move if k.startswith("m") and k[1:].isdigit() and move[k] is not None)
        if months:
            measured.append((_asset(str(move["asset"])), months, move))
    if not measured:
        return "No move measured yet."
    spans = sorted({(m[0], m[-1]) for _, m, _ in measured})
    first, last = spans[-1]
    shown = []
    for asset, _months, move in measured:
        values = [_move(move.get(f"m{first}"))] + ([_move(move.get(f"m{last}"))] if last != first else [])
        shown.append(f"{asset} {' / '.join(v or 'n/a' for v in values)}")
    when = f"{first} / {last} months" if last != first else f"{first} month{'s' if first != 1 else ''}"
    return f"After {when}: {', '.join(shown)}."


def forecast_lines(results: Iterable[ClaimResult]) -> list[ForecastLine]:
    """Each dated forecast of ``results`` as one line of words, resolved ones first."""
    lines = []
    for result in results:
        if result.kind != "forecast":
            continue
        resolved = result.grade in OUTCOME_WORDS
        if resolved:
            outcome = OUTCOME_WORDS[result.grade]
        elif result.grade == "pending":
            end = result.window_end.isoformat() if result.window_end else "its window's end"
            outcome = f"Not decided until {end}"
        else:
            outcome = f"Not graded ({result.grade})"
        lines.append(
            ForecastLine(
                result.id,
                result.statement,
                result.date,
                result.window_end,
                outcome,
                resolved,
                _moves_text(result.moves),
                result.reason,
            )
        )
    return sorted(lines, key=lambda line: (not line.resolved, line.date, line.id))


# --- the claims --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimLine:
    """One claim on the scorecard: its id, its short statement and what was measured."""

    id: str
    statement: str
    grade: str
    headline: str


def claims_by_grade(results: Iterable[ClaimResult]) -> list[tuple[str, list[ClaimLine]]]:
    """The claims grouped by grade, strongest support first (the order of :data:`GRADES`)."""
    from riskcurve.stats.claims import GRADES

    groups: dict[str, list[ClaimLine]] = {}
    for result in results:
        line = ClaimLine(result.id, result.statement, str(result.grade), result.headline)
        groups.setdefault(line.grade, []).append(line)
    order = [g for g in GRADES if g in groups] + [g for g in groups if g not in GRADES]
    return [(grade, groups[grade]) for grade in order]


# --- the report's first screen ---------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """One box of the first screen: its id, heading, HTML body, and whether it spans the width."""

    key: str
    title: str
    body: str
    wide: bool = False
    css: str = ""


def grade_class(grade: str) -> str:
    """The CSS class of a grade (``grade-partly-consistent``)."""
    return "grade-" + "-".join(grade.lower().split())


def _banner(fresh: Freshness) -> Panel | None:
    if not fresh.loud:
        return None
    return Panel("freshness", "Stale data", f"<p><b>{html.escape(fresh.sentence())}</b></p>", wide=True, css="banner")


def _forecasts(lines: Sequence[ForecastLine] | None, failure: str | None) -> Panel:
    if lines is None:
        body = f"<p class='missing'>The forecasts could not be checked: {html.escape(failure or 'unknown error')}</p>"
    elif not lines:
        body = "<p class='missing'>No dated forecast in the claims pack.</p>"
    else:
        items = "".join(
            f"<li class='{'resolved' if line.resolved else 'open'}'><b>{html.escape(line.outcome)}:</b> "
            f"\u201c{html.escape(line.statement)}\u201d <span class='small'>({html.escape(line.id)}, "
            f"{line.date.isoformat()} to {line.window_end.isoformat() if line.window_end else 'n/a'})</span> "
            f"{html.escape(line.moves)} <a href='#next' class='small'>moves</a></li>"
            for line in lines
        )
        resolved = [line for line in lines if line.resolved]
        tally: dict[str, int] = {}
        for line in resolved:
            tally[line.outcome.lower()] = tally.get(line.outcome.lower(), 0) + 1
        said = ", ".join(f"{n} {outcome}" for outcome, n in tally.items())
        lead = (
            f"<p class='answer'>{len(resolved)} of {len(lines)} dated forecasts resolved: {html.escape(said)}.</p>"
            if resolved
            else f"<p class='answer'>None of the {len(lines)} dated forecasts is resolved yet.</p>"
        )
        body = f"{lead}<ul class='forecasts'>{items}</ul>"
    return Panel("call", "Did the call come true?", body, wide=True)


def _scorecard(groups: Sequence[tuple[str, Sequence[ClaimLine]]] | None, failure: str | None, total: int) -> Panel:
    from riskcurve.report.claims import claim_anchor

    if groups is None:
        body = f"<p class='missing'>The claims could not be checked: {html.escape(failure or 'unknown error')}</p>"
        return Panel("claims-hold", "Which claims hold?", body)
    blocks = []
    for grade, lines in groups:
        items = "".join(
            f"<li><a href='#{claim_anchor(line.id)}' title='{html.escape(line.headline)}'>"
            f"{html.escape(line.statement)}</a> <span class='item'>{html.escape(line.id)}</span></li>"
            for line in lines
        )
        blocks.append(
            f"<div class='grade-group {grade_class(grade)}'><h3 class='grade'>{html.escape(grade)} "
            f"<span class='small'>({len(lines)})</span></h3><ul>{items}</ul></div>"
        )
    tally = " \u00b7 ".join(
        f"<span class='{grade_class(grade)}'><b class='grade'>{len(lines)}</b> {html.escape(grade)}</span>"
        for grade, lines in groups
    )
    body = (
        f"<p class='answer tally'>{tally}</p><div class='scorecard'>{''.join(blocks)}</div>"
        f"<p class='small'>{total} claims of the January-2026 articles, each checked on data known on the day; "
        "<a href='#claims'>every claim, its definition and the evidence</a>.</p>"
    )
    return Panel("claims-hold", "Which claims hold?", body)


def _regime(picture: Regime, rows: Callable[[Regime], str]) -> Panel:
    body = f"{rows(picture)}<p class='small'><a href='#regime'>the chain drawn, and each definition</a></p>"
    return Panel("now", f"Where are we now? <span class='small'>as of {picture.as_of}</span>", body)


@dataclass(frozen=True)
class FirstScreen:
    """Everything the first screen shows, computed once."""

    picture: Regime
    fresh: Freshness
    checks: Sequence[ClaimResult] | None
    failure: str | None
    regime_rows: Callable[[Regime], str]
    #: The weekly digest's own panel (:func:`riskcurve.monitor.render.render_html`), or empty.
    digest: str = ""


def first_screen_panels(view: FirstScreen) -> list[Panel]:
    """The report's first screen, top to bottom: the one place its layout is decided.

    The loud banner when the data are stale, the weekly digest's verdict (its detail collapsed),
    the forecasts' outcome, then side by side the claims scorecard and the regime. A new panel is
    one line here.
    """
    checks = view.checks
    panels: list[Panel | None] = [
        _banner(view.fresh),
        Panel("this-week", "", view.digest, wide=True, css="bare") if view.digest else None,
        _forecasts(forecast_lines(checks) if checks is not None else None, view.failure),
        _scorecard(claims_by_grade(checks) if checks is not None else None, view.failure, len(checks or ())),
        _regime(view.picture, view.regime_rows),
    ]
    return [panel for panel in panels if panel is not None]


def first_screen_html(view: FirstScreen) -> str:
    """The first screen as HTML: each panel a box, wide ones across the page."""
    boxes = "".join(
        f"<div id='{panel.key}' class='panel{' wide' if panel.wide else ''}{' ' + panel.css if panel.css else ''}'>"
        + (f"<h2>{panel.title}</h2>" if panel.title else "")  # a panel without a title brings its own
        + f"{panel.body}</div>"
        for panel in first_screen_panels(view)
    )
    return f"<div id='summary' class='first-screen'>{boxes}</div>"
