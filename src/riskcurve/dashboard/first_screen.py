"""The dashboard's first screen: the same answers as the report's, for the chosen day.

The digest, the freshness banner, the forecasts, the scorecard and the claims table, built from
:mod:`riskcurve.report.first_screen` so that page and report cannot disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import dcc, html

from riskcurve.dashboard.components import _STYLE
from riskcurve.dashboard.glossary import GLOSS_STYLE, glossed, glossed_markdown, hover
from riskcurve.report.claims import claim_anchor, evidence_text
from riskcurve.report.first_screen import Freshness, claims_by_grade, forecast_lines
from riskcurve.stats.claims import ClaimResult

#: Colours of the grades, as in the report.
_GRADE_COLOURS = {
    "consistent": "#1b7f3b",
    "partly consistent": "#a15c00",
    "not supported": "#b00020",
    "contradicted": "#b00020",
}
_BANNER_STYLE = {
    "background": "#fff3cd",
    "border": "2px solid #b35c00",
    "borderRadius": "6px",
    "color": "#5a2d00",
    "padding": "6px 14px",
    "margin": "10px 0",
    "fontWeight": "bold",
}


def _box(key: str, title: Any, body: Any, **style: Any) -> html.Div:
    return html.Div([html.H2(title, style={"margin": "2px 0 6px", "fontSize": "18px"}), body], id=key,
                    style={**_STYLE["panel"], "margin": "8px 0", **style})  # fmt: skip


def first_screen_panels() -> list[Any]:
    """The dashboard's first screen, top to bottom: the one place its layout is decided.

    The loud banner when the data are stale, "Did the call come true?", then side by side "Which
    claims hold?" and the regime; each is filled for the chosen as-of day by its callback. A new
    panel is one line here.
    """
    return [
        html.Div(id="freshness-banner"),
        # The weekly digest first (riskcurve.monitor): the answer before the detail.
        _box(
            "digest",
            ["This week", html.Span(id="digest-title")],
            dcc.Loading(html.Div(id="digest-panel"), type="default"),
        ),
        _box("call", "Did the call come true?", dcc.Loading(html.Div(id="forecast-lines"), type="default")),
        html.Div(
            [
                _box(
                    "claims-hold",
                    "Which claims hold?",
                    dcc.Loading(html.Div(id="claims-scorecard"), type="default"),
                    flex="3 1 0",
                    minWidth="0",
                ),
                _box(
                    "now",
                    ["Where are we now? ", html.Span(["as of ", html.Span(id="regime-as-of")], style=_STYLE["note"])],
                    html.Div(
                        [
                            html.Div(id="regime-note", style=_STYLE["note"]),
                            dcc.Loading(html.Div(id="regime-panel"), type="default"),
                        ]
                    ),
                    flex="2 1 0",
                    minWidth="0",
                ),
            ],
            style={"display": "flex", "gap": "14px", "alignItems": "flex-start"},
        ),
    ]


def _digest_panel(digest: Any) -> tuple[list[Any], html.Div]:
    """The weekly digest at a glance (the heading's verdict, and a body whose detail is collapsed):
    the words of the report's panel."""
    from riskcurve.monitor.render import DETAILS, glance, render_markdown

    call = digest.verdict.call
    colour = {"advancing": "#1b7f3b", "stalled": "#a15c00", "refuted": "#b00020"}.get(call, "#6b3fa0")
    done: set[str] = set()
    title = [
        f" ({digest.as_of.isoformat()}): the cascade is ",
        html.Span(call, id="digest-call", style={"color": colour}),
    ]
    return title, html.Div(
        [
            html.P(
                [
                    *glossed(digest.stage.text, done),
                    ": ",
                    html.Span(glossed(digest.verdict.reason, done), style={"color": colour}),
                ],
                style={"fontWeight": "bold", "fontSize": "15px", "margin": "0 0 2px"},
            ),
            html.P(glossed(glance(digest), done), style={**_STYLE["note"], "margin": "0 0 2px"}),
            html.Details(
                [
                    html.Summary(DETAILS, style={"cursor": "pointer", "fontSize": "12.5px"}),
                    # The digest's Markdown (what a notification says), with hover text on its terms.
                    html.Div(glossed_markdown(render_markdown(digest)), className="digest-detail"),
                ]
            ),
        ],
        style={"fontSize": "13.5px"},
    )


def _freshness_banner(fresh: Freshness) -> html.Div | None:
    if not fresh.loud:
        return None
    return html.Div(
        [html.Span("Stale data. ", style={"fontSize": "17px"}), *glossed(fresh.sentence())],
        id="freshness",
        role="alert",
        style=_BANNER_STYLE,
    )


def _forecast_block(results: Sequence[ClaimResult]) -> html.Div:
    lines = forecast_lines(results)
    if not lines:
        return html.Div("No dated forecast in the claims pack.", style=_STYLE["note"])
    resolved = [line for line in lines if line.resolved]
    tally: dict[str, int] = {}
    for line in resolved:
        tally[line.outcome.lower()] = tally.get(line.outcome.lower(), 0) + 1
    lead = (
        f"{len(resolved)} of {len(lines)} dated forecasts resolved: "
        + ", ".join(f"{n} {outcome}" for outcome, n in tally.items())
        + "."
        if resolved
        else f"None of the {len(lines)} dated forecasts is resolved on this day."
    )
    done: set[str] = set()  # one block: each term explained at its first use
    items = [
        html.Li(
            [
                html.B(f"{line.outcome}: "),
                "\u201c",
                *glossed(line.statement, done),
                "\u201d ",
                html.Span(
                    f"({line.id}, {line.date.isoformat()} to "
                    f"{line.window_end.isoformat() if line.window_end else 'n/a'}) ",
                    style=_STYLE["note"],
                ),
                *glossed(line.moves, done),
            ],
            className="resolved" if line.resolved else "open",
        )
        for line in lines
    ]
    return html.Div(
        [html.P(lead, style={"fontWeight": "bold", "margin": "0 0 4px"}), html.Ul(items, style={"margin": 0})],
        id="forecast-outcomes",
        style={"fontSize": "13.5px"},
    )


def _claim_anchor(claim_id: str) -> str:
    return "dash-" + claim_anchor(claim_id)


def _scorecard(results: Sequence[ClaimResult]) -> html.Div:
    groups = claims_by_grade(results)
    tally: list[Any] = []
    for number, (grade, lines) in enumerate(groups):
        tally += [" \u00b7 "] if number else []
        tally += [
            html.B(str(len(lines)), style={"color": _GRADE_COLOURS.get(grade, "#333")}),
            " ",
            html.Abbr(grade, title=hover(grade), className="gloss", style=GLOSS_STYLE) if hover(grade) else grade,
        ]
    blocks = []
    done: set[str] = set()  # one block: each term explained at its first use
    for grade, lines in groups:
        colour = _GRADE_COLOURS.get(grade, "#333")
        blocks += [
            html.H3(
                f"{grade} ({len(lines)})",
                title=hover(grade),
                style={"color": colour, "fontSize": "13px", "margin": "6px 0 2px"},
            ),
            html.Ul(
                [
                    html.Li(
                        [
                            html.A(
                                glossed(line.statement, done), href=f"#{_claim_anchor(line.id)}", title=line.headline
                            ),
                            html.Span(f" {line.id}", style={"color": "#777", "fontSize": "11px"}),
                        ]
                    )
                    for line in lines
                ],
                style={"margin": 0, "paddingLeft": "18px"},
            ),
        ]
    return html.Div(
        [
            html.P(tally, style={"fontWeight": "bold", "margin": "0 0 4px"}),
            html.Div(blocks, className="scorecard", style={"maxHeight": "300px", "overflowY": "auto"}),
            html.P(
                f"{len(results)} claims of the January-2026 articles, checked on data known on the day; each "
                "links to its evidence below.",
                style=_STYLE["note"],
            ),  # fmt: skip
        ],
        style={"fontSize": "12.5px"},
    )


def _claims_table(results: Sequence[ClaimResult]) -> html.Table:
    cell = {"borderBottom": "1px solid #e4e7ec", "padding": "4px 8px", "textAlign": "left", "verticalAlign": "top"}
    head = html.Tr([html.Th(h, style=cell) for h in ("claim", "statement", "grade", "measured", "evidence")])
    rows = [
        html.Tr(
            [
                html.Th(result.id, style=cell),
                html.Td(glossed(result.statement), style=cell),
                html.Td(
                    result.grade,
                    title=hover(result.grade),
                    style={**cell, "color": _GRADE_COLOURS.get(result.grade, "#333")},
                ),
                html.Td(
                    [*glossed(result.headline), html.Br(), html.Span(result.reason, style=_STYLE["note"])], style=cell
                ),
                html.Td(evidence_text(result), style=cell),
            ],
            id=_claim_anchor(result.id),
        )
        for result in results
    ]
    return html.Table(
        [html.Thead(head), html.Tbody(rows)],
        id="claims-table",
        style={"borderCollapse": "collapse", "fontSize": "12.5px", "width": "100%"},
    )
