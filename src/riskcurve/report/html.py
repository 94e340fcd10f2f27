"""The self-contained HTML report: every panel, plotly.js inlined, no server, no network.

:func:`build_report` stands on one day (``as_of``, default: today or the store's last common
day), builds every section from :mod:`riskcurve.report.panels`, and writes one HTML file whose
only script is the plotly.js bundle embedded in it, plus, optionally, a PNG of each chart.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from riskcurve import __version__, numbers
from riskcurve._typing import Frequency
from riskcurve.data.panel import MarketData
from riskcurve.data.providers.base import utc_now
from riskcurve.data.release import today
from riskcurve.data.store import Store
from riskcurve.errors import RiskcurveError
from riskcurve.outputs import STDOUT, write_output
from riskcurve.report import figures, glossary, panels, track_record
from riskcurve.report import tables as fmt
from riskcurve.report.background import ClaimsOutcome, PendingClaims, claims_outcome
from riskcurve.report.first_screen import FirstScreen, first_screen_html, freshness, used_symbols
from riskcurve.report.stablecoins import with_stablecoins
from riskcurve.report.tables import Column
from riskcurve.signals.regime import Regime, default_as_of, regime
from riskcurve.signals.registry import SIGNALS
from riskcurve.stats.claims import ClaimResult
from riskcurve.stats.defaults import REPS, SEED

#: Event-study targets drawn in the report: the risk curve's last links.
STUDY_TARGETS = ("BTC", "ETH", "ALT_BASKET")
STUDY_HORIZONS = (21, 63, 126, 252)
#: Lead-lag pairs drawn in the report: (lead, lag, frequency).
LEADLAG_PAIRS: tuple[tuple[str, str, Frequency], ...] = (("RUT", "BTC", "W"), ("BTC", "ETH", "D"))

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Section:
    """One section of the report: a heading, a lead paragraph, and figures or HTML blocks."""

    key: str
    title: str
    lead: str
    figures: tuple[go.Figure, ...] = ()
    blocks: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class ReportResult:
    """What :func:`build_report` wrote.

    Attributes
    ----------
    path
        The HTML file.
    as_of, note
        The day it stands on, and why that day when it is not today.
    sections
        Section keys in order, and the ones that could not be built with the reason.
    pngs
        PNG files written (empty when PNGs were not asked for).
    """

    path: Path
    as_of: dt.date
    note: str | None
    sections: tuple[str, ...]
    failed: tuple[tuple[str, str], ...] = ()
    pngs: tuple[Path, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` schema of ``riskcurve report``."""
        return {
            "path": str(self.path),
            "as_of": self.as_of.isoformat(),
            "note": self.note,
            "sections": list(self.sections),
            "failed": [{"section": s, "reason": r} for s, r in self.failed],
            "pngs": [str(p) for p in self.pngs],
        }


def _regime_rows(picture: Regime) -> str:
    rows = []
    for item in picture.items:
        through = item.through or ""
        stale = f" <span class='stale'>(no recent {html.escape(', '.join(item.stale))})</span>" if item.stale else ""
        rows.append(
            f"<tr><th>{html.escape(item.name)}</th><td>{html.escape(item.headline)}{stale}</td>"
            f"<td class='date'>{html.escape(through)}</td></tr>"
        )
    for name, reason in picture.unavailable:
        rows.append(
            f"<tr><th>{html.escape(name)}</th><td class='missing'>unavailable: {html.escape(reason)}</td><td></td></tr>"
        )
    return (
        "<table class='regime'><thead><tr><th>signal</th><th>state</th><th class='date'>data through</th></tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _regime_block(picture: Regime) -> str:
    definitions = "".join(
        f"<dt>{html.escape(item.name)}</dt><dd>{html.escape(item.definition)}</dd>" for item in picture.items
    )
    return f"<details><summary>How each line is defined</summary><dl>{definitions}</dl></details>"


BREAKOUT_COLUMNS = (
    Column("date", "breakout day", fmt.day, numeric=False),
    Column("base_length", "base (sessions)", fmt.count),
    Column("base_start", "base start", fmt.day, numeric=False),
    Column("old_high", "old high (index points)", fmt.number),
    Column("close_high_date", "first close above", fmt.day, numeric=False),
    Column("intraday_high_date", "first intraday above", fmt.day, numeric=False),
    Column("confirmed_date", "confirmed", fmt.day, numeric=False),
    Column("sessions_to_confirm", "sessions to confirm", fmt.count),
    Column("volume_ratio", "volume vs its average", fmt.ratio),
)


def study_columns(kind: str) -> tuple[Column, ...]:
    """The event-study table's columns; returns headed "log return" when the study used log returns."""

    def signed(v: Any) -> str:
        return fmt.percent(v, signed=True)

    def label(what: str) -> str:
        return numbers.return_label(kind, what)

    return (
        Column("horizon", "horizon (bars)", fmt.count),
        Column("n", "events", fmt.count),
        Column("mean", label("mean return"), signed),
        Column("median", label("median return"), signed),
        Column("hit_rate", "share up", lambda v: fmt.percent(v, 0)),
        Column("baseline_mean", f"any day: {label('mean return')}", signed),
        Column("difference", "difference", signed),
        Column("interval", "95% interval of difference", numeric=False),
        Column("p_two_sided", "p", fmt.p_value),
        Column("p_holm", "p (Holm)", fmt.p_value),
    )


GRANGER_COLUMNS = (
    Column("direction", "direction", numeric=False),
    Column("lags", "lags", fmt.count),
    Column("n", "observations", fmt.count),
    Column("f", "F", lambda v: fmt.number(v, 2)),
    Column("p", "p", fmt.p_value),
    Column("f_robust", "F (robust)", lambda v: fmt.number(v, 2)),
    Column("p_robust", "p (robust)", fmt.p_value),
    Column("p_robust_holm", "p (robust, Holm)", fmt.p_value),
)
PROVENANCE_COLUMNS = (
    Column("symbol", "symbol", numeric=False),
    Column("description", "description", numeric=False),
    Column("unit", "unit", numeric=False),
    Column("first_date", "first", fmt.day, numeric=False),
    Column("last_date", "last", fmt.day, numeric=False),
    Column("rows", "rows", fmt.count),
    Column("providers", "providers", numeric=False),
    Column("last_fetched", "last fetched (UTC)", lambda v: "" if pd.isna(v) else f"{pd.Timestamp(v):%Y-%m-%d %H:%M}"),
)


def _study_rows(table: pd.DataFrame) -> list[dict[Any, Any]]:
    records = table.reset_index().to_dict("records")
    for record in records:
        low, high = record.get("ci_low"), record.get("ci_high")
        shown = fmt.percent(low, signed=True), fmt.percent(high, signed=True)
        record["interval"] = f"{shown[0]} to {shown[1]}" if all(shown) else ""
    return records


def _full_detail(summary: str, frame: pd.DataFrame) -> str:
    return f"<details class='detail'><summary>{html.escape(summary)}</summary>{fmt.raw_table(frame)}</details>"


def _sections(
    store: Store,
    picture: Regime,
    checked: Callable[[], ClaimsOutcome],
    *,
    reps: int,
    seed: int,
    progress: Progress | None,
) -> list[Section]:
    data = MarketData(store, as_of=pd.Timestamp(picture.as_of))
    breakout = SIGNALS["breakout"]
    builders: list[tuple[str, str, str, Callable[[], tuple[tuple[go.Figure, ...], tuple[str, ...]]]]] = [
        (
            "regime",
            "The regime at a glance",
            "Where risk appetite stands along the curve on this day, and why: each line is one signal read on "
            "the day with only what was known by its end.",
            lambda: ((figures.cascade_chain_chart(picture),), (_regime_block(picture),)),
        ),
        (
            "breakout",
            "Russell 2000: all-time highs, bases and breakouts",
            "A breakout is the first new all-time high after a base of at least "
            f"{breakout.parameters['min_base']} sessions; closing and intraday highs are told apart.",
            lambda: (
                (panels.breakout_figure(data, "RUT"),),
                (
                    "<h3>Every breakout</h3>"
                    + fmt.html_table(
                        breakout.events(data, "RUT", **breakout.parameters).reset_index(), BREAKOUT_COLUMNS
                    ),
                ),
            ),
        ),
        (
            "ratio",
            "Small caps against large caps",
            "The Russell 2000 / S&P 500 ratio, its trend, and the streak of sessions small caps beat large caps.",
            lambda: ((panels.ratio_figure(data),), ()),
        ),
        (
            "liquidity",
            "Net liquidity against Bitcoin",
            "Fed total assets minus the Treasury General Account minus overnight reverse repo, as published "
            "(weekly H.4.1 values known the Thursday after), against BTC; beside it, stablecoin supply, crypto's "
            "own liquidity gauge.",
            lambda: with_stablecoins(data, (panels.liquidity_figure(data),)),
        ),
        (
            "liquidity-drivers",
            "What moved net liquidity",
            "The 13-week change of net liquidity split into Fed assets (securities held outright and the rest), the "
            "Treasury General Account and the reverse repo.",
            lambda: ((panels.liquidity_drivers_figure(data),), ()),
        ),
        (
            "cascade",
            "The cascade along the risk curve",
            "Which links were lit on each day: bonds & credit, large caps, small caps, Bitcoin, ETH & alts.",
            lambda: ((panels.cascade_figure(data),), ()),
        ),
        (
            "track-record",
            "Track record: how good the digest's probabilities have been",
            track_record.LEAD,
            lambda: track_record.track_record_section(store, picture.as_of, seed=seed),
        ),
        ("study", "What followed each breakout", "", lambda: _study_section(data, reps=reps, seed=seed)),
        ("leadlag", "Who leads whom", "", lambda: _leadlag_section(data, seed=seed)),
        (
            "cycle",
            "Halving-cycle overlays",
            "Bitcoin's return from each halving, and from each Russell 2000 breakout, day by day.",
            lambda: (
                (
                    panels.cycle_figure(data),
                    panels.cycle_figure(
                        data,
                        pd.DatetimeIndex(breakout.events(data, "RUT", **breakout.parameters).index),
                        anchor_name="RUT breakout",
                    ),
                ),
                (),
            ),
        ),
        (
            "altseason",
            "Altcoin season",
            "Share of the altcoin basket beating BTC over 90 days (75% is the usual threshold), and ETH/BTC.",
            lambda: ((panels.altseason_figure(data),), ()),
        ),
        (
            "volatility",
            "Bitcoin volatility",
            "Realised volatility over 30 and 90 days, annualised, and its percentile in its own history so far.",
            lambda: ((panels.volatility_figure(data, "BTC"),), ()),
        ),
        # Last: the claims may still be being checked in another process (see build_report).
        ("claims", "The claims checker", "", lambda: _claims_section(*checked())),
        ("next", "What happened next", "", lambda: _next_section(store, picture, checked()[0])),
        ("provenance", "Data provenance", "", lambda: _provenance_section(store, picture)),
    ]
    sections = []
    for done, (key, title, lead, build) in enumerate(builders, start=1):
        try:
            built, blocks = build()
            lead_text = lead
            if key in ("study", "leadlag", "claims", "next", "provenance"):
                lead_text, blocks = blocks[0], blocks[1:]
            sections.append(Section(key, title, lead_text, built, blocks))
        except (RiskcurveError, ValueError, KeyError) as failure:
            sections.append(Section(key, title, lead, error=" ".join(str(failure).split())))
        if progress is not None:
            progress(title, done, len(builders))
    return sections


def _checked(store: Store, picture: Regime, pending: PendingClaims | None, robustness: bool) -> ClaimsOutcome:
    """The claims pack's results on the report's day (with their robustness if asked), or why there are none."""
    if pending is not None and pending.robustness == robustness and (outcome := pending.result(store.path)) is not None:
        return outcome
    return claims_outcome(store, picture.as_of, robustness=robustness)


def _study_section(data: MarketData, *, reps: int, seed: int) -> tuple[tuple[go.Figure, ...], tuple[str, ...]]:
    built: list[go.Figure] = []
    blocks: list[str] = []
    for target in STUDY_TARGETS:
        try:
            panel = panels.study_panel(data, "RUT", target, horizons=STUDY_HORIZONS, reps=reps, seed=seed)
        except (RiskcurveError, ValueError) as failure:
            blocks.append(f"<p class='missing'>{html.escape(target)}: {html.escape(str(failure))}</p>")
            continue
        built.append(panel.figure)
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in panel.notes)
        blocks.append(
            f"<h3>RUT breakouts → {html.escape(target)}</h3><p class='verdict'>{html.escape(panel.verdict)}</p>"
            + fmt.html_table(
                _study_rows(panel.table), study_columns(panel.result.study.kind), note=lambda r: r.get("verdict")
            )
            + (f"<ul class='notes'>{notes}</ul>" if notes else "")
            + _full_detail("Every field of this study", panel.table.drop(columns=["verdict"]).reset_index())
        )
    lead = (
        "Forward returns of BTC, ETH and an equal-weight altcoin basket after each Russell 2000 breakout, "
        "entered on the first bar after the breakout, against the same horizon from every day (the baseline). "
        f"p-values from {reps:,} random placements of the same number of events with the same spacing; "
        f"intervals from a stationary bootstrap; seed {seed}."
    )
    return tuple(built), (lead, *blocks)


def _leadlag_section(data: MarketData, *, seed: int) -> tuple[tuple[go.Figure, ...], tuple[str, ...]]:
    built: list[go.Figure] = []
    blocks: list[str] = []
    for lead, lag, freq in LEADLAG_PAIRS:
        try:
            figure, result = panels.leadlag_figure(data, lead, lag, freq=freq, seed=seed)
        except (RiskcurveError, ValueError) as failure:
            blocks.append(
                f"<p class='missing'>{html.escape(lead)} → {html.escape(lag)}: {html.escape(str(failure))}</p>"
            )
            continue
        built.append(figure)
        granger = result.granger.reset_index()
        blocks.append(
            f"<h3>{html.escape(lead)} → {html.escape(lag)} ({freq})</h3>"
            f"<p class='verdict'>{html.escape(result.verdict.text)} "
            f"(evidence: {html.escape(result.verdict.evidence)})</p>"
            "<p class='small'>Granger causality both ways:</p>"
            + fmt.html_table(granger, GRANGER_COLUMNS)
            + _full_detail("Cross-correlation at every lag", result.ccf.reset_index())
        )
    lead_text = (
        "Cross-correlation of returns at leads and lags with autocorrelation-robust bands (p-values adjusted over "
        "the lags scanned), and Granger causality both ways."
    )
    return tuple(built), (lead_text, *blocks)


def _claims_section(
    checks: Sequence[ClaimResult] | None, failure: str | None
) -> tuple[tuple[go.Figure, ...], tuple[str, ...]]:
    from riskcurve.report import claims

    if checks is None:
        raise ValueError(failure or "the claims could not be checked")
    return (), (claims.CLAIMS_LEAD, claims.claims_html(checks))


def _next_section(
    store: Store, picture: Regime, checks: Sequence[ClaimResult] | None
) -> tuple[tuple[go.Figure, ...], tuple[str, ...]]:
    from riskcurve.report import claims

    # The forecasts were checked with every other claim of the pack for this day: reuse them.
    forecasts = [r for r in checks if r.kind == "forecast"] if checks is not None else None
    results = forecasts if forecasts else claims.forecast_results(store, picture.as_of)
    return (claims.what_happened_next_figure(results),), (claims.NEXT_LEAD, claims.what_happened_next_html(results))


def _glossary_section(sections: Sequence[Section], first_screen: str) -> Section:
    """The terms and series ids the report uses, each explained (from report/glossary.yaml)."""
    text = " ".join([first_screen, *(s.title + " " + s.lead + " " + " ".join(s.blocks) for s in sections)])
    used = glossary.used_in(text)
    lead = (
        f"The {len(used)} terms and series ids this report uses, in plain words; hover over a term where it first "
        "appears in a section for the same text."
    )
    return Section("glossary", "Glossary", lead, blocks=(glossary.glossary_html(used),))


def _provenance_section(store: Store, picture: Regime) -> tuple[tuple[go.Figure, ...], tuple[str, ...]]:
    listing = store.list_series(as_of=picture.as_of)
    sources = (
        store.update_log()
        .groupby(["provider", "source"], as_index=False)
        .agg(symbols=("symbol", lambda s: ", ".join(sorted(set(s)))), last_fetch=("fetched_at", "max"))
    )
    lead = (
        f"Every series used, as the store knew it on {picture.as_of}: its range, provider and fetch time "
        "(macro values count only once published). Sources of each write follow."
    )
    return (), (
        lead,
        fmt.html_table(listing, PROVENANCE_COLUMNS),
        _full_detail("Sources of each write", sources),
    )


_STYLE = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#14213d;color:#fff;padding:18px 28px}header h1{margin:0 0 6px;font-size:24px}
header p{margin:2px 0;color:#d8dde8}nav{padding:8px 28px;background:#e9ecf2;font-size:14px}
nav a{margin-right:14px;color:#14213d}main{padding:10px 28px 40px}
section{background:#fff;border:1px solid #dde1e8;border-radius:6px;margin:18px 0;padding:14px 18px}
h2{margin:4px 0 8px;font-size:20px}h3{font-size:16px;margin:16px 0 6px}p.lead{color:#444;margin:0 0 10px}
table{border-collapse:collapse;font-size:13px;margin:8px 0;width:100%}th,td{border-bottom:1px solid #e4e7ec;
padding:5px 8px;text-align:left;vertical-align:top}thead th{background:#f0f2f6}td.date{white-space:nowrap}
.stale,.missing{color:#a15c00}.note{color:#666;font-size:12px}.verdict{font-weight:600}
.grade-consistent .grade{color:#1b7f3b}
.grade-inconsistent .grade,.grade-contradicted .grade,.grade-not-supported .grade{color:#b00020}
.grade-partly-consistent .grade{color:#a15c00}details{font-size:12px;color:#555}
footer{color:#666;font-size:12px;padding:0 28px 30px}
th.num,td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
tr.note-row td{color:#333;font-size:12.5px;background:#fafbfc;border-bottom:1px solid #d5d9e0}
td.fragile{color:#a15c00;font-weight:600}
.small{color:#555;font-size:12.5px;font-weight:normal}.item{color:#777;font-size:11px;font-weight:normal}
.first-screen{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:10px 16px;margin:10px 0}
.first-screen>.panel{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:8px 14px}
.first-screen>.wide{grid-column:1/-1}.first-screen>.bare{background:none;border:0;padding:0}
.first-screen>.bare .digest{margin:0}.first-screen h2{font-size:17px;margin:2px 0 6px}
.first-screen>.banner{background:#fff3cd;border:2px solid #b35c00;color:#5a2d00;font-size:15px}
.first-screen>.banner h2{color:#8a3b00}.first-screen>.banner p{margin:2px 0}
p.answer{margin:0 0 4px;font-weight:600;font-size:14px}.tally .grade-consistent b{color:#1b7f3b}
.tally .grade-contradicted b,.tally .grade-not-supported b{color:#b00020}
.tally .grade-partly-consistent b{color:#a15c00}
ul.forecasts{margin:0;padding-left:18px;font-size:13.5px}ul.forecasts li{margin:2px 0}
.scorecard{max-height:330px;overflow-y:auto;font-size:12.5px}.scorecard h3{font-size:13px;margin:6px 0 2px}
.scorecard ul{margin:0;padding-left:18px}.scorecard a{color:#14213d}
.grade-group.grade-consistent h3{color:#1b7f3b}.grade-group.grade-partly-consistent h3{color:#a15c00}
.grade-group.grade-contradicted h3,.grade-group.grade-not-supported h3{color:#b00020}
.first-screen table.regime tbody th,table.regime .date{white-space:nowrap;width:1%}.first-screen table{font-size:12.5px}
abbr.gloss{text-decoration:none;border-bottom:1px dotted #8a94a6;cursor:help}
dl.glossary{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;font-size:13px;margin:4px 0}
dl.glossary dt{font-weight:600}dl.glossary dd{margin:0;color:#333}
table.raw{font-size:11px}details.detail{margin:6px 0 12px;overflow-x:auto}
header{padding:12px 28px}header h1{font-size:21px}header p{font-size:13px}
@media (max-width:900px){.first-screen{grid-template-columns:1fr}}
"""


def render(sections: Sequence[Section], picture: Regime, *, store_path: str, first_screen: str = "") -> str:
    """The report as one HTML document with plotly.js embedded; no external resource is referenced.

    ``first_screen`` (the regime and the claims scorecard) comes before the sections.
    """
    parts = []
    for section in sections:
        # Hover text on the first use of each glossary term in a block (not in the glossary itself).
        explain = glossary.annotate if section.key != "glossary" else (lambda text: text)
        body = [explain(f"<p class='lead'>{html.escape(section.lead)}</p>")] if section.lead else []
        if section.error:
            body.append(f"<p class='missing'>This section could not be built: {html.escape(section.error)}</p>")
        body += [
            figure.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False, "responsive": True})
            for figure in section.figures
        ]
        body += [explain(block) for block in section.blocks]
        parts.append(f"<section id='{section.key}'><h2>{html.escape(section.title)}</h2>{''.join(body)}</section>")
    nav = "".join(f"<a href='#{s.key}'>{html.escape(s.title)}</a>" for s in sections)
    note = f" ({html.escape(picture.note)})" if picture.note else ""
    generated = utc_now().strftime("%Y-%m-%d %H:%M UTC")
    # A report is mailed: it names the store file, not where that lives on the author's machine.
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>riskcurve report, as of {picture.as_of}</title><style>{_STYLE}</style>"
        f"<script type='text/javascript'>{get_plotlyjs()}</script></head><body>"
        f"<header><h1>riskcurve: liquidity along the risk curve</h1><p>As of {picture.as_of}{note}. "
        "Every figure is computed only from what was known on its date, and states its definition and data range."
        f"</p><p>Generated {generated} by riskcurve {__version__} from the store {html.escape(Path(store_path).name)}."
        "</p></header>"
        f"<nav>{nav}</nav><main>{glossary.annotate(first_screen)}{''.join(parts)}</main>"
        "<footer>Statistics describe history; few events make weak evidence, and the checks say so.</footer>"
        "</body></html>"
    )


def _digest_panel(store: Store, picture: Regime) -> str:
    """The digest of the report's day as an HTML panel, or one line saying why there is none."""
    from riskcurve.monitor import compute_digest
    from riskcurve.monitor.render import render_html

    try:
        return render_html(compute_digest(MarketData(store, as_of=pd.Timestamp(picture.as_of))))
    except (RiskcurveError, ValueError) as failure:
        return f"<p class='missing'>The weekly digest could not be computed: {html.escape(str(failure))}</p>"


def build_report(
    store: Store,
    out: str | os.PathLike[str],
    *,
    as_of: dt.date | str | None = None,
    png_dir: str | os.PathLike[str] | None = None,
    reps: int = REPS,
    seed: int = SEED,
    progress: Progress | None = None,
    claims: PendingClaims | None = None,
    robustness: bool = False,
) -> ReportResult:
    """Build the report and write it atomically to ``out``.

    Parameters
    ----------
    store
        An open store (read-only is enough).
    out
        The HTML file to write (replaced only once complete).
    as_of
        The day to stand on (default: today, or the store's last common day, said in the report).
    png_dir
        If given, a PNG of every chart is written there (rendered by the system Chromium).
    reps, seed
        Resamples and seed of the event studies and bootstraps, for reproducible numbers.
    progress
        Called as ``progress(section_title, done, total)``.
    claims
        The built-in claims pack being checked on the same day by another process
        (:func:`riskcurve.report.background.claims_in_background`, as the command line does);
        by default, or if that process fails, they are checked here.
    robustness
        Also re-run each claim under its neighbouring readings and show the share that agree
        with its grade, and fragile grades, in the claims table (``report --robustness``: about
        ten times the claims' work, so not done by default).
    """
    if as_of is None:
        day, note = default_as_of(store)
    else:
        day, note = pd.Timestamp(as_of), None
    picture = regime(store, day.date())
    if note and not picture.note:
        picture = Regime(picture.as_of, note, picture.items, picture.unavailable)
    # Once per report: the first screen's scorecard and the claims sections share the results.
    checked = functools.cache(lambda: _checked(store, picture, claims, robustness))
    sections = _sections(store, picture, checked, reps=reps, seed=seed, progress=progress)
    checks, failure = checked()
    # Stale is judged against today, or against the day the reader asked for.
    reference = today() if as_of is None else day.date()
    fresh = freshness(store.list_series(as_of=picture.as_of), used_symbols(picture), reference)
    screen = FirstScreen(picture, fresh, checks, failure, _regime_rows, digest=_digest_panel(store, picture))
    # PNGs render in the system browser (another process) while the HTML is assembled here.
    pending: Future[list[Path]] | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="riskcurve-png") as pool:
        if png_dir is not None:
            folder = Path(png_dir).expanduser()
            charts: dict[str | os.PathLike[str], go.Figure] = {
                folder / f"{s.key}-{i + 1}.png": figure for s in sections for i, figure in enumerate(s.figures)
            }
            figures.load_renderer()
            pending = pool.submit(figures.write_pngs, charts)
        first = first_screen_html(screen)
        sections.append(_glossary_section(sections, first))
        document = render(sections, picture, store_path=store.path, first_screen=first)
        # Never over the store, a device or a FIFO; a .part file is removed whatever fails.
        written = write_output(
            out,
            lambda temporary: temporary.write_text(document, encoding="utf-8"),
            protected=[store.path],
            suffix=".html",
        )
        target = written if written is not None else Path(STDOUT)
        pngs = pending.result() if pending is not None else []
    return ReportResult(
        target,
        picture.as_of,
        picture.note,
        tuple(s.key for s in sections),
        tuple((s.key, s.error) for s in sections if s.error),
        tuple(pngs),
    )
