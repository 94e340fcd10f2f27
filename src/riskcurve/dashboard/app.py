"""A Dash app over one store: the regime panel and the report's charts, recomputed as of any day.

Design rules:

* **The store is the only input.** Its path is fixed when the app is created; nothing the
  browser sends is ever used as a path. Every value a callback receives (a date, a symbol, a
  number) is validated here, because anyone who can reach the port can post any JSON to Dash's
  callback endpoint, whatever the controls allow.
* **Read-only, one connection per thread, released between computations.** Each worker
  thread reads through its own read-only store, so callbacks running in parallel never share a
  DuckDB connection; its file is closed after each computation (and reopened only by one that
  queries it), so ``riskcurve update`` can write between two requests.
* **Same numbers, same charts.** Values come from :data:`riskcurve.signals.registry.SIGNALS`
  and :func:`riskcurve.signals.regime.regime` on a :class:`~riskcurve.data.panel.MarketData`
  as of the chosen day; charts are :mod:`riskcurve.report.figures`.
* Results are cached per (computation, arguments, store file version), so moving back to a day
  already seen is instant and a store updated on disk is read afresh.
"""

from __future__ import annotations

import datetime as dt
import functools
import html as html_text
import ipaddress
import logging
import re
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, dcc, html

from riskcurve import numbers
from riskcurve.dashboard import track_record
from riskcurve.dashboard.glossary import GLOSS_STYLE, glossed, glossed_markdown, hover, terms_line
from riskcurve.data.panel import MarketData
from riskcurve.data.release import today
from riskcurve.data.store import Store
from riskcurve.data.symbols import ALTCOINS
from riskcurve.data.validation import latest_date
from riskcurve.errors import InsufficientDataWarning, RiskcurveError, StoreError
from riskcurve.report import figures, panels
from riskcurve.report.claims import claim_anchor, evidence_text, what_happened_next_figure
from riskcurve.report.first_screen import Freshness, claims_by_grade, forecast_lines, freshness, used_symbols
from riskcurve.report.stablecoins import stablecoin_view
from riskcurve.signals.regime import Regime, default_as_of, regime
from riskcurve.signals.registry import SIGNALS
from riskcurve.stats.claims import Claim, ClaimResult, builtin_claims, forecast_claims, run_claims
from riskcurve.stats.defaults import REPS, SEED

log = logging.getLogger(__name__)

#: Symbols offered for the breakout chart and the event study, when the store holds them.
BREAKOUT_SYMBOLS = ("RUT", "IWM", "GSPC", "IXIC", "BTC", "ETH", "GOLD", "SILVER")
#: Symbols offered for the volatility chart.
VOLATILITY_SYMBOLS = ("BTC", "ETH", "RUT", "IWM", "GSPC", "IXIC", "GOLD", "SILVER")
#: Targets offered to the event study.
STUDY_TARGETS = ("BTC", "ETH", *ALTCOINS, "RUT", "GSPC")
#: Event-study settings the page does not expose: the resample count and seed the CLI and the
#: report use (riskcurve.stats.defaults), so a page shows the numbers `study` prints.
STUDY_REPS = REPS
STUDY_SEED = SEED
DEFAULT_HORIZONS = "21,63,126,252"
#: Bounds on what a request may ask for (anything can be posted to the callback endpoint).
LIMITS = {
    "min_base": (1, 5000),
    "confirm_closes": (1, 250),
    "min_days": (1, 365),
    "horizon": (1, 2520),
    "horizons": (1, 8),
}
FIRST_DAY = dt.date(1990, 1, 1)
CACHE_SIZE = 64

_STYLE = {
    "page": {
        "fontFamily": "DejaVu Sans, Arial, sans-serif",
        "maxWidth": "1280px",
        "margin": "0 auto",
        "padding": "12px",
    },
    "controls": {
        "display": "flex",
        "flexWrap": "wrap",
        "gap": "18px",
        "alignItems": "flex-end",
        "padding": "10px",
        "background": "#f4f6fa",
        "border": "1px solid #d8dde6",
        "borderRadius": "6px",
    },
    "control": {"display": "flex", "flexDirection": "column", "fontSize": "13px", "minWidth": "120px"},
    "panel": {"margin": "14px 0", "padding": "10px", "border": "1px solid #d8dde6", "borderRadius": "6px"},
    "row": {
        "display": "grid",
        "gridTemplateColumns": "130px 1fr",
        "gap": "8px",
        "padding": "3px 0",
        "fontSize": "13px",
    },
    "name": {"fontWeight": "bold", "color": "#1f3b73"},
    "error": {"color": "#b00020", "fontWeight": "bold"},
    "note": {"color": "#555555", "fontSize": "13px"},
}


# --- reading the store safely ---------------------------------------------------------------------


class _Flight:
    """One computation in progress: done once it has a value or an error."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None


class _Cache:
    """A small thread-safe LRU of computed results, each computed once.

    A key asked for while another thread computes it waits for that computation instead of
    starting its own: the callbacks of one as-of change all start by asking for the day's
    regime, and the signals it computes are the ones their charts need. A failure is shared
    with those waiting (not retried by each in turn: a store held busy by a writer would make
    them wait one after the other) and not kept, so the next request computes afresh.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._pending: dict[Hashable, _Flight] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            flight = self._pending.get(key)
            mine = flight is None
            if flight is None:
                flight = self._pending[key] = _Flight()
        if not mine:
            flight.done.wait()
            with self._lock:
                if key in self._items:
                    return self._items[key]
            if flight.error is not None:
                raise flight.error
            return self.get(key, compute)  # computed and already dropped again: compute it now
        try:
            value = compute()
        except BaseException as failure:
            flight.error = failure
            raise
        else:
            with self._lock:
                self._items[key] = value
                self._items.move_to_end(key)
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
        finally:
            with self._lock:
                self._pending.pop(key, None)
            flight.done.set()
        return value


class StoreReader:
    """Opens one fixed store read-only for each computation.

    Parameters
    ----------
    path
        The store file. It must exist: the dashboard never creates or fills a store.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser().resolve()
        if not self.path.is_file():
            raise StoreError(f"no store at {self.path}; run `riskcurve update` first")
        self._cache = _Cache(CACHE_SIZE)
        # warnings.catch_warnings changes process-wide state: one study at a time.
        self._warnings_lock = threading.Lock()
        self._local = threading.local()

    def version(self) -> tuple[int, int]:
        """Changes whenever the file is rewritten, so cached results of an older store are not reused."""
        stat = self.path.stat()
        return stat.st_mtime_ns, stat.st_size

    @contextmanager
    def open(self) -> Iterator[Store]:
        """This thread's store for one computation, released (file closed) when it is done.

        Each worker thread keeps one :class:`Store` per version of the file: opening one costs
        tens of milliseconds (connection, length and schema checks), and most computations of
        an as-of change find what they read in the shared caches and never touch the file. A
        released store reconnects only when a query needs it, so between two computations the
        file is free for ``riskcurve update``; a rewritten file gets a new store.
        """
        version = self.version()
        held: tuple[tuple[int, int], Store] | None = getattr(self._local, "store", None)
        if held is None or held[0] != version:
            if held is not None:
                held[1].close()
            held = (version, Store(self.path, read_only=True))
            self._local.store = held
        try:
            yield held[1]
        finally:
            held[1].release()

    def cached(self, key: tuple[Hashable, ...], compute: Callable[[Store], Any]) -> Any:
        """``compute(store)`` for ``key``, from the cache when this version of the store was seen."""

        def run() -> Any:
            with self.open() as store:
                return compute(store)

        return self._cache.get((*key, self.version()), run)

    @contextmanager
    def collecting_warnings(self) -> Iterator[list[warnings.WarningMessage]]:
        """Record (rather than raise or print) insufficient-data warnings, one caller at a time."""
        with self._warnings_lock, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", InsufficientDataWarning)
            yield caught


# --- validating what the browser sends ------------------------------------------------------------


def _day(value: object, fallback: dt.date) -> pd.Timestamp:
    if value in (None, ""):
        return pd.Timestamp(fallback)
    if not isinstance(value, str):
        raise ValueError(f"as-of date must be a YYYY-MM-DD string, got {type(value).__name__}")
    try:  # strictly a day (the date picker may send it at midnight): not 20200102, not 2021-01-15<anything>
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(T00:00:00)?", value):
            raise ValueError(value)
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        raise ValueError(f"as-of date {value[:40]!r} is not a YYYY-MM-DD date") from None
    if day < FIRST_DAY:
        raise ValueError(f"as-of date must be on or after {FIRST_DAY.isoformat()}, got {day.isoformat()}")
    if day > latest_date():
        raise ValueError(f"as-of date must be on or before {latest_date()} (tomorrow, UTC), got {day.isoformat()}")
    return pd.Timestamp(day)


def _choice(name: str, value: object, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _integer(name: str, value: object) -> int:
    low, high = LIMITS[name]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    return value


def _fraction(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 < float(value) <= 1.0:
        raise ValueError(f"{name} must be a number in (0, 1], got {value!r}")
    return float(value)


def parse_horizons(text: object) -> tuple[int, ...]:
    """``"21,63,126"`` -> ``(21, 63, 126)``: distinct whole numbers of bars, ascending."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("horizons must be whole numbers of bars separated by commas, e.g. 21,63,126,252")
    try:
        values = sorted({int(part) for part in text.replace(" ", "").split(",") if part})
    except ValueError:
        raise ValueError(f"horizons must be whole numbers separated by commas, got {text!r}") from None
    low, high = LIMITS["horizon"]
    most = LIMITS["horizons"][1]
    if not values or values[0] < low or values[-1] > high or len(values) > most:
        raise ValueError(f"horizons must be 1 to {most} whole numbers from {low} to {high} bars, got {text!r}")
    return tuple(values)


# --- computations (each a pure function of the store and validated arguments) ---------------------


def _offered(store: Store, symbols: Sequence[str]) -> list[str]:
    held = set(store.symbols())
    return [s for s in symbols if s in held and store.kind(s) == "price"]


def _regime(store: Store, day: pd.Timestamp) -> Regime:
    return regime(store, day.date())


def _breakout_figure(store: Store, day: pd.Timestamp, symbol: str, min_base: int, confirm: int) -> go.Figure:
    parameters = {"min_base": min_base, "confirm_closes": confirm}
    return panels.breakout_figure(MarketData(store, as_of=day), symbol, parameters)


def _ratio_figure(store: Store, day: pd.Timestamp) -> go.Figure:
    return panels.ratio_figure(MarketData(store, as_of=day))


def _liquidity_figure(store: Store, day: pd.Timestamp) -> go.Figure:
    return panels.liquidity_figure(MarketData(store, as_of=day))


def _liquidity_drivers_figure(store: Store, day: pd.Timestamp) -> go.Figure:
    return panels.liquidity_drivers_figure(MarketData(store, as_of=day))


def _stablecoin_figure(store: Store, day: pd.Timestamp) -> go.Figure:
    view = stablecoin_view(MarketData(store, as_of=day))
    if isinstance(view, str):  # why there is none (not in the store offline): shown in the panel
        raise ValueError(view)
    return view


def _cascade_figure(store: Store, day: pd.Timestamp, min_days: int) -> go.Figure:
    return panels.cascade_figure(MarketData(store, as_of=day), {"min_days": min_days})


def _altseason_figure(store: Store, day: pd.Timestamp, threshold: float) -> go.Figure:
    return panels.altseason_figure(MarketData(store, as_of=day), {"threshold": threshold})


def _cycle_figure(store: Store, day: pd.Timestamp) -> go.Figure:
    return panels.cycle_figure(MarketData(store, as_of=day))


def _volatility_figure(store: Store, day: pd.Timestamp, symbol: str) -> go.Figure:
    return panels.volatility_figure(MarketData(store, as_of=day), symbol)


@functools.cache
def _all_claims() -> tuple[Claim, ...]:
    """The built-in pack, parsed once per process."""
    return tuple(builtin_claims())


def _claims(store: Store, day: pd.Timestamp) -> tuple[ClaimResult, ...]:
    """Every claim of the built-in pack checked on what was known on ``day``."""
    return tuple(run_claims(store, _all_claims(), as_of=day))


def _freshness(store: Store, day: pd.Timestamp, symbols: frozenset[str], reference: dt.date) -> Freshness:
    return freshness(store.list_series(as_of=day.date()), symbols, reference)


@functools.cache
def _forecast_claims() -> tuple[Claim, ...]:
    """The built-in pack's forecasts, parsed once per process (a package file; 0.2 s a parse)."""
    return tuple(forecast_claims())


def _forecasts_figure(store: Store, day: pd.Timestamp) -> go.Figure:
    """The "what happened next" panel: the built-in forecasts checked on what was known on ``day``."""
    return what_happened_next_figure(run_claims(store, _forecast_claims(), as_of=day))


def _study(
    reader: StoreReader,
    store: Store,
    day: pd.Timestamp,
    symbol: str,
    min_base: int,
    confirm: int,
    target: str,
    horizons: tuple[int, ...],
) -> tuple[pd.DataFrame, go.Figure, str, list[str], str]:
    # One study at a time: warnings are collected per process, not per thread.
    with reader.collecting_warnings():
        panel = panels.study_panel(
            MarketData(store, as_of=day),
            symbol,
            target,
            horizons=horizons,
            parameters={"min_base": min_base, "confirm_closes": confirm},
            reps=STUDY_REPS,
            seed=STUDY_SEED,
        )
    return panel.table, panel.figure, panel.verdict, list(panel.notes), panel.result.study.kind


# --- page ----------------------------------------------------------------------------------------------


def _preferred(choice: str, options: Sequence[str]) -> str | None:
    """``choice`` if offered, else the first option (``None`` when there is none)."""
    return choice if choice in options else (options[0] if options else None)


def _control(label: str, component: Any) -> html.Label:
    return html.Label([html.Span(label), component], style=_STYLE["control"])


def _graph(name: str) -> html.Div:
    return html.Div(
        [
            dcc.Loading(
                # Not "responsive": each figure sets its own height (caption included); the width follows the page.
                dcc.Graph(id=f"figure-{name}", config={"displaylogo": False}),
                type="default",
            ),
            html.Div(id=f"chart-terms-{name}"),  # the title's terms, with hover text (see _terms)
        ]
    )


def _terms(name: str, figure: go.Figure) -> Any:
    """The glossary terms of a chart's title and axis titles, each with hover text."""
    layout = figure.layout
    texts = [layout.title.text, layout.xaxis.title.text, layout.yaxis.title.text]
    return terms_line([t for t in texts if isinstance(t, str)], name)


def _error_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(
        text=html_text.escape(message, quote=False),
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"color": "#b00020", "size": 14},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(template="plotly_white", height=160, margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig


def _points(figure: go.Figure) -> int:
    """How many values the figure's traces draw."""
    total = 0
    for trace in figure.data:
        values = next((getattr(trace, axis, None) for axis in ("y", "z", "values", "x") if hasattr(trace, axis)), None)
        total += 0 if values is None else len(values)
    return total


def _figure_or_error(build: Callable[[], go.Figure]) -> go.Figure:
    try:
        figure = build()
    except (RiskcurveError, ValueError, KeyError) as failure:
        log.info("dashboard figure failed: %s", failure)
        return _error_figure(f"cannot draw this chart: {' '.join(str(failure).split())}")
    if _points(figure) == 0 and not any(
        "Nothing to draw" in str(a.text or "") for a in figure.layout.annotations or ()
    ):
        # An empty chart says why it is empty (charts that know better say so themselves).
        figure.add_annotation(
            text="Nothing to draw on this day: none of this chart's series has a value on or before it.",
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
            showarrow=False,
            font={"size": 14, "color": "#a15c00"},
        )
    return figure


def _regime_rows(picture: Regime) -> list[html.Div]:
    rows = []
    for item in picture.items:
        stale = (
            f" (no recent data for {', '.join(item.stale)})"
            if item.stale and "no recent data" not in item.headline
            else ""
        )
        rows.append(
            html.Div(
                [
                    html.Span(
                        item.name, style={**_STYLE["name"], **GLOSS_STYLE}, title=hover(item.name, item.definition)
                    ),
                    html.Span(glossed(item.headline + stale), id=f"regime-{item.name}", title=item.definition),
                ],
                style=_STYLE["row"],
            )
        )
    for name, reason in picture.unavailable:
        rows.append(
            html.Div(
                [html.Span(name, style=_STYLE["name"]), html.Span(f"unavailable: {reason}", id=f"regime-{name}")],
                style=_STYLE["row"],
            )
        )
    return rows


# --- the first screen: the same answers as the report's, for the chosen day --------------------------

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


def _study_table(table: pd.DataFrame, kind: str = "log") -> html.Table:
    def pct(value: float) -> str:
        return numbers.percent(value, signed=True)

    def num(value: float) -> str:
        return numbers.p_value(value)

    header = [
        "horizon (bars)",
        "n",
        numbers.return_label(kind, "mean return"),
        f"baseline {numbers.return_label(kind, 'mean return')}",
        "difference",
        "95% CI",
        "hit rate",
        "p (perm.)",
        "p (Holm)",
        "verdict",
    ]
    body = []
    for horizon, row in table.iterrows():
        hit = (
            ""
            if not row["n"]
            else f"{numbers.percent(row['hit_rate'], 0)} "
            f"({numbers.percent(row['hit_low'], 0)}-{numbers.percent(row['hit_high'], 0)})"
        )
        body.append(
            html.Tr(
                [
                    html.Td(str(horizon)),
                    html.Td(str(int(row["n"]))),
                    html.Td(pct(row["mean"])),
                    html.Td(pct(row["baseline_mean"])),
                    html.Td(pct(row["difference"])),
                    html.Td(f"{pct(row['ci_low'])} to {pct(row['ci_high'])}" if row["n"] else ""),
                    html.Td(hit),
                    html.Td(num(row["p_two_sided"])),
                    html.Td(num(row["p_holm"])),
                    html.Td(str(row["verdict_code"]).replace("_", " ")),
                ],
                id=f"study-row-{horizon}",
            )
        )
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in header])), html.Tbody(body)],
        id="study-table",
        style={"borderCollapse": "collapse", "fontSize": "13px", "width": "100%"},
    )


def create_app(store_path: str | Path) -> dash.Dash:
    """The dashboard app over the store at ``store_path`` (opened read-only, per request).

    Parameters
    ----------
    store_path
        An existing store file. The browser can never choose another one.

    Returns
    -------
    dash.Dash
        Serve it with :func:`run`, or its Flask ``app.server`` with any WSGI server.

    Raises
    ------
    StoreError
        If there is no store at ``store_path``.
    """
    reader = StoreReader(store_path)
    app = dash.Dash(
        __name__,
        title="riskcurve dashboard",
        update_title="",  # keep the tab title while callbacks run
        serve_locally=True,  # every script from this server: the page works offline and leaks nothing
    )

    def defaults() -> tuple[pd.Timestamp, str | None, list[str], list[str], list[str]]:
        def read(store: Store) -> tuple[pd.Timestamp, str | None, list[str], list[str], list[str]]:
            day, note = default_as_of(store)
            return (
                day,
                note,
                _offered(store, BREAKOUT_SYMBOLS),
                _offered(store, VOLATILITY_SYMBOLS),
                _offered(store, STUDY_TARGETS),
            )

        return reader.cached(("defaults", today()), read)

    def layout() -> html.Div:
        # A function, so each page load reads the store's current last day.
        try:
            day, note, breakout_symbols, vol_symbols, targets = defaults()
        except StoreError as failure:
            # E.g. `riskcurve update` holds the write lock right now: say so instead of a bare 500.
            return html.Div(
                [html.H1("riskcurve dashboard"), html.P(str(failure), id="store-error", style=_STYLE["error"])],
                style=_STYLE["page"],
            )
        as_of_control = html.Div(
            [
                html.Label(
                    [
                        html.Span("as of (YYYY-MM-DD, Enter)"),
                        dcc.Input(
                            id="as-of",
                            type="text",
                            value=day.date().isoformat(),
                            placeholder="YYYY-MM-DD",
                            debounce=True,  # on Enter or leaving the box, not at every keystroke
                            maxLength=10,
                            style={"width": "120px", "fontSize": "15px"},
                        ),
                    ],
                    style={**_STYLE["control"], "flexDirection": "row", "alignItems": "center", "gap": "8px"},
                ),
                html.Div(id="as-of-message", role="alert", style=_STYLE["error"]),
            ],
            style={**_STYLE["controls"], "alignItems": "center", "padding": "4px 10px"},
            id="as-of-controls",
        )
        controls = [
            _control(
                "breakout symbol",
                dcc.Dropdown(
                    id="breakout-symbol",
                    options=breakout_symbols,
                    value=_preferred("RUT", breakout_symbols),
                    clearable=False,
                ),
            ),
            _control(
                "min base (sessions)",
                dcc.Input(
                    id="min-base",
                    type="number",
                    min=1,
                    max=5000,
                    step=1,
                    value=SIGNALS["breakout"].parameters["min_base"],
                    debounce=True,
                ),
            ),
            _control(
                "confirm closes",
                dcc.Input(
                    id="confirm-closes",
                    type="number",
                    min=1,
                    max=250,
                    step=1,
                    value=SIGNALS["breakout"].parameters["confirm_closes"],
                    debounce=True,
                ),
            ),
            _control(
                "cascade min days",
                dcc.Input(
                    id="cascade-min-days",
                    type="number",
                    min=1,
                    max=365,
                    step=1,
                    value=SIGNALS["cascade"].parameters["min_days"],
                    debounce=True,
                ),
            ),
            _control(
                "altseason threshold",
                dcc.Input(
                    id="altseason-threshold",
                    type="number",
                    min=0.05,
                    max=1.0,
                    step=0.05,
                    value=SIGNALS["altseason"].parameters["threshold"],
                    debounce=True,
                ),
            ),
            _control(
                "volatility symbol",
                dcc.Dropdown(
                    id="volatility-symbol",
                    options=vol_symbols,
                    value=_preferred("BTC", vol_symbols),
                    clearable=False,
                ),
            ),
        ]
        study_panel: list[Any] = []
        controls += [
            _control(
                "study target",
                dcc.Dropdown(
                    id="study-target",
                    options=targets,
                    value=_preferred("BTC", targets),
                    clearable=False,
                ),
            ),
            _control(
                "study horizons (bars)",
                dcc.Input(id="study-horizons", type="text", value=DEFAULT_HORIZONS, debounce=True),
            ),
        ]
        study_panel = [
            html.Div(
                [
                    html.H2("Event study: what followed each breakout"),
                    html.P(
                        f"Forward returns of the target after each breakout of the chosen symbol, against every "
                        f"day's (the baseline); {STUDY_REPS} permutations and bootstrap resamples, "
                        f"seed {STUDY_SEED}.",
                        style=_STYLE["note"],
                    ),
                    dcc.Loading(html.Div(id="study-result"), type="default"),
                    _graph("study"),
                ],
                id="study-panel",
                style=_STYLE["panel"],
            )
        ]
        return html.Div(
            [
                html.H1("riskcurve: liquidity along the risk curve", style={"margin": "0", "fontSize": "22px"}),
                html.P(
                    [
                        f"Store: {reader.path.name} (read-only). Latest common day of RUT, GSPC and BTC: "
                        f"{day.date().isoformat()}.",
                        html.Br(),
                        "Everything below is computed as of the chosen day, from data known by its end: the "
                        "forecasts, the claims, the regime and every chart. The regime uses each signal's standard "
                        "definition; the parameters change the charts.",
                    ],
                    style={**_STYLE["note"], "fontSize": "12px", "margin": "2px 0 6px"},
                    id="store-note",
                ),
                as_of_control,
                *first_screen_panels(),
                html.Div(controls, style=_STYLE["controls"], id="controls"),
                html.Div(_graph("cascade-chain"), style=_STYLE["panel"]),
                *(
                    html.Div(_graph(name), style=_STYLE["panel"])
                    for name in (
                        "breakout",
                        "ratio",
                        "liquidity",
                        "liquidity-drivers",
                        "stablecoins",
                        "cascade",
                        "altseason",
                        "cycle",
                        "volatility",
                        "forecasts",
                    )
                ),
                track_record.track_record_panel(),
                html.Div(
                    [
                        html.H2("Every claim, its grade and the evidence"),
                        dcc.Loading(html.Div(id="claims-detail"), type="default"),
                    ],
                    id="claims-panel",
                    style=_STYLE["panel"],
                ),
                *study_panel,
            ],
            style=_STYLE["page"],
        )

    app.layout = layout

    def fallback_day() -> dt.date:
        return defaults()[0].date()

    def day_regime(day: pd.Timestamp) -> Regime:
        return reader.cached(("regime", day), lambda store: _regime(store, day))

    def warmed(as_of: object) -> pd.Timestamp:
        """The validated day, once its regime is computed (by this thread or another).

        Every callback of an as-of change starts here, so they all fire at once (no round trip
        through the browser between the regime panel and the charts) and still compute the
        shared signals once: the regime computes them, the charts then find them cached.
        """
        day = _day(as_of, fallback_day())
        # If it fails, the regime panel shows why and each chart says what it lacks itself.
        with suppress(RiskcurveError, ValueError):
            day_regime(day)
        return day

    @app.callback(Output("as-of-message", "children"), Input("as-of", "value"))
    def check_as_of(as_of: object) -> str:
        try:
            _day(as_of, fallback_day())
        except ValueError as failure:
            return (
                f"Not a day riskcurve can show: {failure}. Type a date as YYYY-MM-DD, from {FIRST_DAY.isoformat()} "
                f"to {latest_date().isoformat()}; every panel says the same until it is fixed."
            )
        return ""

    @app.callback(Output("freshness-banner", "children"), Input("as-of", "value"))
    def update_freshness(as_of: object) -> Any:
        try:
            day = warmed(as_of)
            picture = day_regime(day)
            # The latest day is judged against today; a day in the past against itself.
            reference = today() if day.date() >= fallback_day() else day.date()
            symbols = frozenset(used_symbols(picture))
            fresh = reader.cached(
                ("freshness", day, symbols, reference), lambda store: _freshness(store, day, symbols, reference)
            )
        except (RiskcurveError, ValueError):
            return None  # the as-of message and the panels say what is wrong
        return _freshness_banner(fresh)

    @app.callback(
        Output("forecast-lines", "children"),
        Output("claims-scorecard", "children"),
        Output("claims-detail", "children"),
        Input("as-of", "value"),
    )
    def update_claims(as_of: object) -> tuple[Any, Any, Any]:
        try:
            day = warmed(as_of)
            results = reader.cached(("claims", day), lambda store: _claims(store, day))
        except (RiskcurveError, ValueError) as failure:
            message = f"The claims could not be checked: {' '.join(str(failure).split())}"
            said = html.Div(message, style=_STYLE["error"], className="claims-error")
            return said, said, said
        return _forecast_block(results), _scorecard(results), _claims_table(results)

    @app.callback(
        Output("regime-as-of", "children"),
        Output("regime-note", "children"),
        Output("regime-panel", "children"),
        Output("figure-cascade-chain", "figure"),
        Input("as-of", "value"),
    )
    def update_regime(as_of: object) -> tuple[Any, ...]:
        try:
            picture = day_regime(_day(as_of, fallback_day()))
        except (RiskcurveError, ValueError) as failure:
            message = " ".join(str(failure).split())
            # The charts get the same bad value and show their own error.
            return "", "", html.Div(message, style=_STYLE["error"], id="regime-error"), _error_figure(message)
        chain = _figure_or_error(lambda: figures.cascade_chain_chart(picture))
        note = picture.note or ""
        return picture.as_of.isoformat(), note, _regime_rows(picture), chain

    @app.callback(Output("chart-terms-cascade-chain", "children"), Input("as-of", "value"))
    def cascade_chain_terms(as_of: object) -> Any:
        try:
            picture = day_regime(_day(as_of, fallback_day()))
        except (RiskcurveError, ValueError):
            return None  # the regime panel says what is wrong
        return _terms("cascade-chain", _figure_or_error(lambda: figures.cascade_chain_chart(picture)))

    @app.callback(Output("digest-title", "children"), Output("digest-panel", "children"), Input("as-of", "value"))
    def update_digest(as_of: object) -> tuple[Any, Any]:
        from riskcurve.monitor import compute_digest

        try:
            day = warmed(as_of)
            digest = reader.cached(("digest", day), lambda store: compute_digest(MarketData(store, as_of=day)))
        except (RiskcurveError, ValueError) as failure:
            return "", f"The weekly digest could not be computed: {' '.join(str(failure).split())}"
        return _digest_panel(digest)

    def figure_callback(name: str, inputs: list[Input], build: Callable[..., go.Figure]) -> None:
        @app.callback(Output(f"figure-{name}", "figure"), Output(f"chart-terms-{name}", "children"), *inputs)
        def update(*values: object) -> tuple[go.Figure, Any]:
            figure = _figure_or_error(lambda: build(*values))
            return figure, _terms(name, figure)

    def breakout(as_of: object, symbol: object, min_base: object, confirm: object) -> go.Figure:
        day = warmed(as_of)
        args = (
            _choice("breakout symbol", symbol, BREAKOUT_SYMBOLS),
            _integer("min_base", min_base),
            _integer("confirm_closes", confirm),
        )
        return reader.cached(("breakout", day, *args), lambda store: _breakout_figure(store, day, *args))

    def simple(name: str, compute: Callable[[Store, pd.Timestamp], go.Figure]) -> Callable[[object], go.Figure]:
        def build(as_of: object) -> go.Figure:
            day = warmed(as_of)
            return reader.cached((name, day), lambda store: compute(store, day))

        return build

    def cascade(as_of: object, min_days: object) -> go.Figure:
        day = warmed(as_of)
        days = _integer("min_days", min_days)
        return reader.cached(("cascade", day, days), lambda store: _cascade_figure(store, day, days))

    def altseason(as_of: object, threshold: object) -> go.Figure:
        day = warmed(as_of)
        share = _fraction("altseason threshold", threshold)
        return reader.cached(("altseason", day, share), lambda store: _altseason_figure(store, day, share))

    def volatility(as_of: object, symbol: object) -> go.Figure:
        day = warmed(as_of)
        chosen = _choice("volatility symbol", symbol, VOLATILITY_SYMBOLS)
        return reader.cached(("volatility", day, chosen), lambda store: _volatility_figure(store, day, chosen))

    as_of_input = Input("as-of", "value")
    figure_callback(
        "breakout",
        [as_of_input, Input("breakout-symbol", "value"), Input("min-base", "value"), Input("confirm-closes", "value")],
        breakout,
    )
    figure_callback("ratio", [as_of_input], simple("ratio", _ratio_figure))
    figure_callback("liquidity", [as_of_input], simple("liquidity", _liquidity_figure))
    figure_callback("liquidity-drivers", [as_of_input], simple("liquidity-drivers", _liquidity_drivers_figure))
    figure_callback("stablecoins", [as_of_input], simple("stablecoins", _stablecoin_figure))
    figure_callback("cascade", [as_of_input, Input("cascade-min-days", "value")], cascade)
    figure_callback("altseason", [as_of_input, Input("altseason-threshold", "value")], altseason)
    figure_callback("cycle", [as_of_input], simple("cycle", _cycle_figure))
    figure_callback("volatility", [as_of_input, Input("volatility-symbol", "value")], volatility)
    figure_callback("forecasts", [as_of_input], simple("forecasts", _forecasts_figure))
    track_record.register(app, reader, warmed, _error_figure)

    @app.callback(
        Output("study-result", "children"),
        Output("figure-study", "figure"),
        Output("chart-terms-study", "children"),
        Input("as-of", "value"),
        Input("breakout-symbol", "value"),
        Input("min-base", "value"),
        Input("confirm-closes", "value"),
        Input("study-target", "value"),
        Input("study-horizons", "value"),
    )
    def update_study(
        as_of: object, symbol: object, min_base: object, confirm: object, target: object, horizons: object
    ) -> tuple[Any, go.Figure, Any]:
        try:
            day = warmed(as_of)
            args = (
                _choice("breakout symbol", symbol, BREAKOUT_SYMBOLS),
                _integer("min_base", min_base),
                _integer("confirm_closes", confirm),
                _choice("study target", target, STUDY_TARGETS),
                parse_horizons(horizons),
            )
            table, fig, verdict, notes, kind = reader.cached(
                ("study", day, *args), lambda store: _study(reader, store, day, *args)
            )
        except (RiskcurveError, ValueError) as failure:
            message = " ".join(str(failure).split())
            return html.Div(message, style=_STYLE["error"], id="study-error"), _error_figure(message), None
        return (
            html.Div(
                [
                    html.P(glossed(verdict), id="study-verdict", style={"fontWeight": "bold"}),
                    _study_table(table, kind),
                    *(html.P(glossed(note), style=_STYLE["note"]) for note in notes),
                ]
            ),
            fig,
            _terms("study", fig),
        )

    return app


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def run(
    store_path: str | Path,
    host: str = "127.0.0.1",
    port: int = 8050,
    debug: bool = False,
    *,
    allow_remote: bool = False,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve the dashboard until interrupted.

    Parameters
    ----------
    store_path
        The store to read.
    host
        Interface to bind; loopback only unless ``allow_remote`` (the dashboard has no
        authentication: anyone who can reach the port sees the data).
    port
        TCP port (0 lets the system choose).
    debug
        Dash's debug mode (reloader and in-browser tracebacks) on Flask's development
        server; otherwise the app is served by waitress (:mod:`riskcurve.dashboard.server`).
    allow_remote
        Permit a non-loopback ``host``. A loopback server refuses requests whose Host header
        is another name (DNS rebinding).
    announce
        Called with the URL once the socket is bound (the real port when ``port`` is 0).

    Raises
    ------
    ValueError
        For a non-loopback host without ``allow_remote``, or a port outside 0..65535.
    StoreError
        If there is no store at ``store_path``.
    """
    if not is_loopback(host) and not allow_remote:
        raise ValueError(
            f"host {host!r} is not a loopback address; the dashboard has no authentication, so binding it to "
            "other machines needs allow_remote=True (--allow-remote)"
        )
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port must be an integer from 0 to 65535, got {port!r}")
    from riskcurve.dashboard.server import guard_host, log_errors_in_one_line, make_server, server_url

    app = create_app(store_path)
    log_errors_in_one_line(app.server, debug=debug)
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    server = make_server(guard_host(app.server, host) if is_loopback(host) else app.server, host, port)
    if announce is not None:
        announce(server_url(server))  # once bound: the real port when 0 was asked
    try:
        server.run()
    finally:
        server.close()
