"""A digest in words: rich text for the terminal, Markdown for notifications, an HTML panel.

Every renderer shows the same things in the same order, so the report, the dashboard, a
notification and the terminal never disagree: the verdict, the stage and each link's clock,
what changed in a week, the next-link probabilities (shrunk, raw, base rate, episodes), the
checklist, the forecasts marked to market, and the forward returns in the stage against all days.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from riskcurve import numbers
from riskcurve.monitor.checklist import MARKS

if TYPE_CHECKING:
    from riskcurve.monitor.digest import Digest
    from riskcurve.monitor.probabilities import LinkProbability

_LABELS = {
    "bonds_credit": "bonds & credit",
    "large_caps": "large caps",
    "small_caps": "small caps",
    "btc": "Bitcoin",
    "eth_alts": "ETH & alts",
    "ALT_BASKET": "alt basket",
}
_STATE_MARK = {"lit": "●", "dark": "○", "unknown": "?"}


def _pct(value: float | None, digits: int = 0, sign: bool = False) -> str:
    """A share or a simple return in the house style (:func:`riskcurve.numbers.percent`)."""
    if numbers.is_missing(value):
        return "n/a"
    return numbers.percent(value, digits, signed=sign)


def headline(digest: Digest) -> str:
    """One line: the verdict, the stage and the most likely next link."""
    front = next((p for p in digest.probabilities if p.horizon == 63), None)
    odds = ""
    if front is not None and front.shrunk is not None:
        odds = (
            f"; P({_LABELS[front.link]} lights within 63 sessions) {_pct(front.shrunk)} "
            f"(base rate {_pct(front.base_rate)}, {front.episodes} episodes)"
        )
    return f"{digest.verdict.call.upper()}: {digest.stage.text}{odds}"


def _probability_cells(p: LinkProbability) -> tuple[str, str, str, str]:
    shrunk = f"{_pct(p.shrunk)} [{_pct(p.shrunk_low)}-{_pct(p.shrunk_high)}]" if p.shrunk is not None else "n/a"
    raw = (
        f"{p.lit}/{p.episodes} = {_pct(p.raw)} [{_pct(p.raw_low)}-{_pct(p.raw_high)}]" if p.episodes else "no episodes"
    )
    base = f"{_pct(p.base_rate)} ({p.base_days} days)" if p.base_rate is not None else "n/a"
    return f"{_LABELS[p.link]} within {p.horizon}", shrunk, raw, base


def _forecast_lines(digest: Digest) -> Iterable[tuple[str, str]]:
    for mark in digest.forecasts:
        if mark.status == "pending":
            when = f"pending: {mark.days_left} days ({mark.sessions_left} sessions) left, window ends {mark.window_end}"
        else:
            when = f"{mark.status} (window ended {mark.window_end})"
        what = {"max_drawdown": " deepest fall", "return": ""}.get(mark.statistic, " " + mark.statistic)
        assets = "; ".join(
            f"{_LABELS.get(a.asset, a.asset)}{what} {_pct(a.so_far, 1, sign=True)} since the {a.start_date} close"
            + (f", {a.needs}" if a.needs else "")
            for a in mark.assets
        )
        yield f"{mark.id} {mark.statement} (expects {mark.expects})", f"{when}. {assets}"


def _return_rows(digest: Digest) -> Iterable[tuple[str, str, str]]:
    for r in digest.returns:

        def cell(d: Any) -> str:
            if not d.n:
                return "n/a"
            spells = f", {d.spells} spells" if d.spells is not None else ""
            return (
                f"median {_pct(d.median, 1, True)} [{_pct(d.q25, 1, True)}, {_pct(d.q75, 1, True)}], "
                f"{_pct(d.share_positive)} up, n={d.n}{spells}"
            )

        yield f"{_LABELS.get(r.asset, r.asset)} {r.days}d", cell(r.in_stage), cell(r.all_days)


def render_markdown(digest: Digest) -> str:
    """The digest as Markdown (what ``watch --digest`` sends through apprise)."""
    lines = [f"**riskcurve digest, {digest.as_of.isoformat()}**" + (f" ({digest.note})" if digest.note else ""), ""]
    lines += [f"**{digest.verdict.call.upper()}**: {digest.verdict.reason}", "", f"**{digest.stage.text}**"]
    for link in digest.links:
        stale = f"; stale: {link.stale}" if link.stale else ""
        mark = _STATE_MARK[link.state]
        lines.append(f"- {mark} {link.label}: {link.state} since {link.since}, data through {link.through}{stale}")
    lines += ["", f"**Since {digest.previous_as_of}**"]
    lines += [f"- {c.what}: {c.before} → {c.after}" for c in digest.changes] or ["- nothing changed"]
    lines += ["", "**Next links** (shrunk [90% interval]; raw lit/episodes; base rate)"]
    lines += [f"- {w}: {s}; raw {r}; base {b}" for w, s, r, b in map(_probability_cells, digest.probabilities)] or [
        "- no dark link"
    ]
    lines += ["", "**Checklist**"]
    lines += [
        f"- {MARKS[i.status]} {i.label}: {i.figure}" + (f" (through {i.through})" if i.through else "")
        for i in digest.checklist
    ]
    lines += ["", "**Forecasts**"]
    lines += [f"- {what}: {state}" for what, state in _forecast_lines(digest)] or ["- none"]
    lines += ["", f"**Forward simple returns, stage {digest.stage.text.split(' ')[1]} vs all days**"]
    lines += [f"- {what}: in stage {mine}; all days {every}" for what, mine, every in _return_rows(digest)]
    return "\n".join(lines)


def render_text(digest: Digest) -> Any:
    """A rich renderable for the terminal."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    colour = {"advancing": "green", "stalled": "yellow", "refuted": "red", "unknown": "magenta"}[digest.verdict.call]
    title = Text.assemble(
        (f"riskcurve digest as of {digest.as_of.isoformat()}", "bold"),
        (f" ({digest.note})" if digest.note else "", "dim"),
    )
    call = Text.assemble((digest.verdict.call.upper(), f"bold {colour}"), f": {digest.verdict.reason}")
    links = Table(title=digest.stage.text, title_justify="left", show_edge=False)
    for column in ("link", "state", "since", "data through", "stale inputs"):
        links.add_column(column)
    for link in digest.links:
        style = {"lit": "green", "dark": "", "unknown": "magenta"}[link.state]
        links.add_row(link.label, Text(link.state, style=style), link.since or "", link.through or "", link.stale)
    changes = Table(title=f"Since {digest.previous_as_of}", title_justify="left", show_edge=False)
    changes.add_column("what")
    changes.add_column("before")
    changes.add_column("now")
    for change in digest.changes:
        changes.add_row(change.what, change.before, change.after)
    if not digest.changes:
        changes.add_row("nothing changed", "", "")
    odds = Table(title="Next links: P(lights within h sessions)", title_justify="left", show_edge=False)
    for column in ("link, h", "shrunk [90%]", "raw: lit/episodes [90%]", "base rate"):
        odds.add_column(column)
    for row in map(_probability_cells, digest.probabilities):
        odds.add_row(*row)
    items = Table(title="Checklist", title_justify="left", show_edge=False)
    for column in ("", "item", "figure", "through"):
        items.add_column(column)
    for item in digest.checklist:
        mark_style = {"yes": "green", "no": "red", "unknown": "magenta"}[item.status]
        items.add_row(Text(MARKS[item.status], style=mark_style), item.label, item.figure, item.through or "")
    forecasts = Table(title="Forecasts marked to market", title_justify="left", show_edge=False)
    forecasts.add_column("forecast")
    forecasts.add_column("where it stands")
    for what, state in _forecast_lines(digest):
        forecasts.add_row(what, state)
    returns = Table(title="Forward simple returns", title_justify="left", show_edge=False)
    for column in ("asset, window", "in the current stage", "all days"):
        returns.add_column(column)
    for line in _return_rows(digest):
        returns.add_row(*line)
    return Group(title, call, links, changes, odds, items, forecasts, returns)


_STYLE = (
    ".digest{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:8px 14px;margin:10px 0}"
    ".digest h2{margin:2px 0 4px;font-size:18px}.digest h3{font-size:14px;margin:12px 0 4px}"
    ".digest p.small{margin:2px 0}"
    ".digest .call{font-size:15px;font-weight:600;margin:4px 0}.digest summary{cursor:pointer;font-size:12.5px}"
    ".digest .advancing{color:#1b7f3b}.digest .stalled{color:#a15c00}"
    ".digest .refuted{color:#b00020}.digest .unknown{color:#6b3fa0}.digest table{font-size:12.5px}"
    ".digest .yes{color:#1b7f3b}.digest .no{color:#b00020}.digest td.mark{width:1%;font-weight:600}"
    ".digest .cols{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:16px}"
    "@media (max-width:900px){.digest .cols{grid-template-columns:1fr}}"
)


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = ["<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows]
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


#: What the collapsed part of the digest panel holds (the report's and the dashboard's).
DETAILS = "The whole digest: links, changes, odds, checklist, forecasts, forward returns"


def glance(digest: Digest) -> str:
    """The digest panel's one small line under the verdict: the next link's odds, the checklist's
    tally, the pending forecasts and the week's changes (the same words in the report and the dashboard)."""
    front = next((p for p in digest.probabilities if p.horizon == 63), None)
    odds = (
        f"P({_LABELS[front.link]} lights within 63 sessions) {_pct(front.shrunk)} "
        f"[{_pct(front.shrunk_low)}-{_pct(front.shrunk_high)}] against a base rate of {_pct(front.base_rate)} "
        f"({front.episodes} episodes)"
        if front is not None and front.shrunk is not None
        else "no dark link with a known stage"
    )
    tally = " ".join(
        f"{MARKS[status]}{sum(i.status == status for i in digest.checklist)}" for status in ("yes", "no", "unknown")
    )
    pending = ", ".join(f"{m.id} {m.days_left} days left" for m in digest.forecasts if m.status == "pending")
    return (
        f"{odds}. Checklist {tally}."
        + (f" Forecasts pending: {pending}." if pending else "")
        + f" Compared with {digest.previous_as_of}: {len(digest.changes)} change(s)."
    )


def render_html(digest: Digest) -> str:
    """A self-contained HTML panel (its own styles) for the report's and dashboard's first screen."""
    e = html.escape
    call = digest.verdict.call
    links = _table(
        ("link", "state", "since", "data through"),
        (
            (
                f"{_STATE_MARK[k.state]} {k.label}",
                k.state + (f" (stale: {k.stale})" if k.stale else ""),
                k.since or "",
                k.through or "",
            )
            for k in digest.links
        ),
    )
    changes = (
        "".join(f"<li>{e(c.what)}: {e(c.before)} → {e(c.after)}</li>" for c in digest.changes) or "<li>nothing</li>"
    )
    odds_table = _table(
        ("link, within h sessions", "shrunk [90%]", "raw", "base rate"), map(_probability_cells, digest.probabilities)
    )
    checks = "".join(
        f"<tr><td class='mark {i.status}'>{MARKS[i.status]}</td><td title='{e(i.definition)}'>{e(i.label)}</td>"
        f"<td>{e(i.figure)}</td><td>{e(i.through or '')}</td></tr>"
        for i in digest.checklist
    )
    forecasts = (
        "".join(f"<li><b>{e(what)}</b>: {e(state)}</li>" for what, state in _forecast_lines(digest)) or "<li>none</li>"
    )
    returns = _table(("asset, window", "in the current stage", "all days"), _return_rows(digest))
    return (
        f"<div class='digest' id='digest'><style>{_STYLE}</style>"
        f"<h2>This week ({digest.as_of.isoformat()}): the cascade is <span class='{call}'>{e(call)}</span></h2>"
        f"<p class='call'>{e(digest.stage.text)}: <span class='{call}'>{e(digest.verdict.reason)}</span></p>"
        f"<p class='small'>{e(glance(digest))}</p>"
        f"<details><summary>{e(DETAILS)}</summary>"
        f"<div class='cols'><div><h3>Links</h3>{links}<h3>Since last week</h3><ul>{changes}</ul></div>"
        f"<div><h3>Next links</h3>{odds_table}<p class='small'>Shrunk toward the base rate with a Beta prior worth 10 "
        "episodes; raw = lit/episodes with a Jeffreys interval (docs/monitor.md).</p></div></div>"
        f"<h3>Checklist</h3><table><tbody>{checks}</tbody></table>"
        f"<h3>Forecasts marked to market</h3><ul>{forecasts}</ul>"
        f"<h3>Forward simple returns in the current stage against all days</h3>{returns}"
        "</details></div>"
    )
