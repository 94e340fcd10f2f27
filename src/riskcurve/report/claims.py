"""The claims in the report and the dashboard: the graded table and "what happened next".

The graded table shows every claim of the built-in pack (or any results) with its parts; the
"what happened next" panel shows each dated forecast, its window, its grade, and the measured
moves of the assets it names and of BTC, ETH and the altcoin basket one, two and three months
after the claim date (moves whose month has not ended on the report's day are left empty).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from riskcurve import numbers
from riskcurve.data.store import Store
from riskcurve.report import tables as fmt
from riskcurve.stats.claims import ClaimResult, forecast_claims, run_claims

#: Grades and the CSS class of their row.


def forecast_results(store: Store, as_of: Any) -> list[ClaimResult]:
    """The built-in pack's forecasts checked on what the store knew on ``as_of``."""
    return run_claims(store, forecast_claims(), as_of=as_of)


def moves_frame(results: Sequence[ClaimResult]) -> pd.DataFrame:
    """One row per forecast and asset: the moves 1, 2, 3... months after the claim date."""
    rows = []
    for result in results:
        for move in result.moves:
            if "note" in move:
                continue
            months = sorted(int(k[1:]) for k in move if k[1:].isdigit() and k.startswith("m"))
            for month in months:
                rows.append(
                    {
                        "claim": result.id,
                        "date": result.date.isoformat(),
                        "asset": move["asset"],
                        "months": month,
                        "move": move.get(f"m{month}"),
                        "through": move.get(f"m{month}_to"),
                        "grade": result.grade,
                    }
                )
    return pd.DataFrame(rows, columns=["claim", "date", "asset", "months", "move", "through", "grade"])


def what_happened_next_figure(results: Sequence[ClaimResult]) -> go.Figure:
    """Bars of each asset's move 1, 2 and 3 months after the forecasts' date, graded forecasts in the caption."""
    frame = moves_frame(results).dropna(subset=["move"]).drop_duplicates(["date", "asset", "months"])
    figure = go.Figure()
    for (date, months), group in frame.groupby(["date", "months"], sort=True):
        figure.add_bar(
            x=group["asset"],
            y=group["move"] * 100,
            name=f"{months} month{'s' if months != 1 else ''} after {date}",
            text=[numbers.percent(v, signed=True) for v in group["move"]],
            textposition="outside",
        )
    grades = "; ".join(f"{r.id} {r.grade}" for r in results)
    last = frame["through"].dropna().max() if len(frame) else "n/a"
    figure.update_layout(
        title="What happened next: moves after the January-2026 forecasts",
        yaxis_title="move from the claim date's close (%)",
        barmode="group",
        template="plotly_white",
        margin={"b": 110},
        annotations=[
            {
                "text": (
                    f"Definition: close on the last day of each month-window over the close on the claim date "
                    f"(ALT_BASKET: equal-weight altcoin basket). Data to {last}; source: the store. Forecasts: "
                    f"{grades or 'none'}."
                ),
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": -0.25,
                "showarrow": False,
                "align": "left",
                "font": {"size": 10},
            }
        ],
    )
    if frame.empty:  # an empty chart says why it is empty
        _say_why_empty(figure, results)
    return figure


def empty_reason(results: Sequence[ClaimResult]) -> str:
    """Why "what happened next" has no bar: no forecast, none made yet, or no month ended yet."""
    if not results:
        return "No dated forecast to follow."
    dates = sorted({r.date for r in results})
    day = max((r.data_as_of for r in results if r.data_as_of is not None), default=None)
    made = ", ".join(d.isoformat() for d in dates)
    if day is not None and day < dates[0]:
        return (
            f"Nothing to draw on {day.isoformat()}: the forecasts were made on {made}, later than this day. "
            "Choose a day after their first month has passed to see the moves."
        )
    on = f" by {day.isoformat()}" if day is not None else ""
    return f"Nothing to draw yet: no full month has passed since the forecasts of {made}{on}."


def _say_why_empty(figure: go.Figure, results: Sequence[ClaimResult]) -> None:
    figure.add_annotation(
        text=empty_reason(results),
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 14, "color": "#a15c00"},
    )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)


def forecasts_figure(store: Store, as_of: Any) -> go.Figure:
    """The dashboard's "what happened next" panel for the built-in forecasts."""
    return what_happened_next_figure(forecast_results(store, as_of))


def _pct(value: Any) -> str:
    return numbers.percent(value, signed=True)


def what_happened_next_html(results: Sequence[ClaimResult]) -> str:
    """One block per forecast: statement, window, grade and reason, and the moves table."""
    blocks = []
    for result in results:
        months = sorted({int(k[1:]) for m in result.moves for k in m if k.startswith("m") and k[1:].isdigit()})
        head = "".join(f"<th>{m} month{'s' if m != 1 else ''}</th>" for m in months)
        rows = "".join(
            f"<tr><th>{html.escape(str(m['asset']))}</th>"
            + "".join(f"<td>{_pct(m.get(f'm{k}')) or html.escape(str(m.get(f'm{k}_to') or ''))}</td>" for k in months)
            + "</tr>"
            for m in result.moves
            if "note" not in m
        )
        blocks.append(
            f"<h3>{html.escape(result.id)}: {html.escape(result.statement)}</h3>"
            f"<p class='verdict'>Window {result.date.isoformat()} to "
            f"{result.window_end.isoformat() if result.window_end else 'n/a'}: <b>{html.escape(result.grade)}</b> "
            f"({html.escape(result.reason)})</p>"
            + "".join(
                f"<p class='note'>{html.escape(part.statement)}: {html.escape(part.headline)} "
                f"({html.escape(part.grade)})</p>"
                for part in result.parts
            )
            + f"<table class='moves'><thead><tr><th>asset</th>{head}</tr></thead><tbody>{rows}</tbody></table>"
        )
    return "".join(blocks)


def claim_anchor(claim_id: str) -> str:
    """The ``id`` of a claim's row in the report, for links to it (the first screen's scorecard)."""
    return "claim-" + "".join(c if c.isalnum() or c in "-_" else "-" for c in claim_id)


#: Claim kinds whose minimum detectable effect is a correlation, or a share above a coin flip;
#: every other kind's is a difference of returns.
_MDE_CORRELATION = ("lead-lag", "leadlag")
_MDE_SHARE = ("order",)


def mde_text(result: ClaimResult) -> str:
    """The minimum detectable effect with its unit: a return difference in %, a correlation, or points."""
    if result.mde is None:
        return ""
    if result.kind in _MDE_CORRELATION:
        return f"correlation {numbers.decimal(result.mde)}"
    if result.kind in _MDE_SHARE:
        return numbers.points(result.mde)
    return numbers.percent(result.mde)


def evidence_text(result: ClaimResult) -> str:
    """The evidence of a grade in a few words: its strength, n, p and the MDE with its unit."""
    parts: list[str] = [result.evidence]
    if result.n is not None and result.kind != "measure":
        parts.append(f"n = {result.n:,}")
    if result.p is not None:
        parts.append(f"p = {fmt.p_value(result.p)}")
    if result.mde is not None:
        parts.append(f"MDE = {mde_text(result)}")
    return ", ".join(parts)


def robustness_text(result: ClaimResult) -> str:
    """The grade's robustness to the reading in a few words, or ``""`` when it was not checked.

    The share of neighbouring readings whose grade agrees (``riskcurve check --robustness``,
    :mod:`riskcurve.stats.claims.robustness`), and for a fragile grade the reading that moves it
    to the other side and the grade it gives.
    """
    found = result.robustness
    if not found:
        return ""
    share = found.get("share_agreeing")
    if share is None:
        return "no neighbouring reading"
    text = f"{numbers.percent(share, digits=0)} of {found.get('n_readings', 0)} readings agree"
    flipped = found.get("flipped_by")
    if found.get("fragile") and flipped:
        text += f"; fragile: {flipped['reading']} gives {flipped['grade']}"
    return text


def _rows(result: ClaimResult, *, part: bool = False, robustness: bool = False) -> str:
    # Two rows per claim: the short facts a reader scans (id, grade, evidence and, when checked,
    # robustness), then the long sentences (statement, what was measured, why this grade)
    # across the whole table.
    css = f"grade-{result.grade.replace(' ', '-')}" + (" part" if part else "")
    anchor = "" if part else f" id='{claim_anchor(result.id)}'"
    found = result.robustness or {}
    fragile = " class='fragile'" if found.get("fragile") else ""
    extra = f"<td{fragile}>{html.escape(robustness_text(result))}</td>" if robustness else ""
    return (
        f"<tr{anchor} class='{css}'><th>{html.escape(result.id)} <span class='item'>{html.escape(result.kind)}</span>"
        f"</th><td class='grade'>{html.escape(result.grade)}</td><td>{html.escape(evidence_text(result))}</td>{extra}"
        f"</tr><tr class='note-row {css}'><td colspan='{4 if robustness else 3}'><b>Claim:</b> "
        f"{html.escape(result.statement)} <b>Measured:</b> {html.escape(result.headline)}<br>"
        f"<span class='note'>{html.escape(result.reason)}</span></td></tr>"
    )


def claims_html(results: Sequence[ClaimResult]) -> str:
    """The graded claims table: per claim a row of facts and a row of words, parts under their claim.

    When the claims were checked with their robustness (``riskcurve report --robustness``), a
    fourth column gives each claim's share of agreeing readings and, for a fragile grade, the
    reading that flips it; the summary counts the fragile grades.
    """
    robustness = any(r.robustness for r in results)
    rows = []
    for result in results:
        rows.append(_rows(result, robustness=robustness))
        rows.extend(_rows(part, part=True, robustness=robustness) for part in result.parts)
    counts: dict[str, int] = {}
    for result in results:
        counts[result.grade] = counts.get(result.grade, 0) + 1
    summary = ", ".join(f"{n} {g}" for g, n in counts.items())
    if robustness:
        fragile = sum(bool((r.robustness or {}).get("fragile")) for r in results)
        checked = sum(r.robustness is not None for r in results)
        summary += f"; {fragile} of {checked} grades fragile to the reading"
    head = "<th>claim</th><th>grade</th><th>evidence</th>" + ("<th>robustness</th>" if robustness else "")
    return (
        f"<p class='summary'>{html.escape(summary)}</p>"
        f"<table class='claims'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


CLAIMS_LEAD = (
    "Every testable claim of the January-2026 commentaries (the built-in claim pack; `riskcurve check`), each "
    "measured as of its own date under its stated definition (`riskcurve claims show ID`). Grades: consistent, "
    "partly consistent, not supported (a test with the power to see the claimed effect did not), inconclusive "
    "(it could not have), too few observations, contradicted, before the data, data missing, pending. "
    "With `riskcurve report --robustness`, each claim is also re-run under ten or more neighbouring readings of "
    "its words (dates, windows, tolerances, thresholds, horizons, close against intraday): the robustness column "
    "gives the share that agree with its grade, and a grade that some reading moves to the other side is fragile, "
    "named with that reading."
)
NEXT_LEAD = (
    "Each dated forecast, its window, its grade once the window has closed, and the measured moves of the assets "
    "it names and of BTC, ETH and the altcoin basket over 1, 2 and 3 months after the claim date."
)
