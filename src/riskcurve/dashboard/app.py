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

This module holds the layout, the callbacks and the server entry; the parts live beside it:
:mod:`~riskcurve.dashboard.reader` (the store and its cache), :mod:`~riskcurve.dashboard.inputs`
(validation), :mod:`~riskcurve.dashboard.computations` (figures and studies),
:mod:`~riskcurve.dashboard.components` (page building blocks) and
:mod:`~riskcurve.dashboard.first_screen` (the report's first screen).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, dcc, html

from riskcurve.dashboard import track_record
from riskcurve.dashboard.components import (
    _STYLE,
    _control,
    _error_figure,
    _graph,
    _points,
    _preferred,
    _regime_rows,
    _study_table,
    _terms,
)
from riskcurve.dashboard.computations import (
    STUDY_REPS,
    STUDY_SEED,
    _altseason_figure,
    _breakout_figure,
    _cascade_figure,
    _claims,
    _cycle_figure,
    _forecasts_figure,
    _freshness,
    _liquidity_drivers_figure,
    _liquidity_figure,
    _offered,
    _ratio_figure,
    _regime,
    _stablecoin_figure,
    _study,
    _volatility_figure,
)
from riskcurve.dashboard.first_screen import (
    _claims_table,
    _digest_panel,
    _forecast_block,
    _freshness_banner,
    _scorecard,
    first_screen_panels,
)
from riskcurve.dashboard.glossary import glossed
from riskcurve.dashboard.inputs import (  # noqa: F401 - LIMITS re-exported
    FIRST_DAY,
    LIMITS,
    _choice,
    _day,
    _fraction,
    _integer,
    parse_horizons,
)
from riskcurve.dashboard.reader import CACHE_SIZE, StoreReader, _Cache  # noqa: F401 - re-exported
from riskcurve.data.panel import MarketData
from riskcurve.data.release import today
from riskcurve.data.store import Store
from riskcurve.data.symbols import ALTCOINS
from riskcurve.data.validation import latest_date
from riskcurve.errors import RiskcurveError, StoreError
from riskcurve.report import figures
from riskcurve.report.first_screen import used_symbols
from riskcurve.signals.regime import Regime, default_as_of
from riskcurve.signals.registry import SIGNALS

log = logging.getLogger(__name__)

#: Symbols offered for the breakout chart and the event study, when the store holds them.
BREAKOUT_SYMBOLS = ("RUT", "IWM", "GSPC", "IXIC", "BTC", "ETH", "GOLD", "SILVER")
#: Symbols offered for the volatility chart.
VOLATILITY_SYMBOLS = ("BTC", "ETH", "RUT", "IWM", "GSPC", "IXIC", "GOLD", "SILVER")
#: Targets offered to the event study.
STUDY_TARGETS = ("BTC", "ETH", *ALTCOINS, "RUT", "GSPC")
DEFAULT_HORIZONS = "21,63,126,252"


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
