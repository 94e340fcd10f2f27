"""What every command shares: the app, consoles, option types, JSON and table rendering."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from riskcurve import config, numbers
from riskcurve.cli._lazy import LazyGroup
from riskcurve.masking import MaskingFilter
from riskcurve.untrusted import for_terminal

# Only type names here: pandas and the store load inside the commands that use them, so that
# `riskcurve --help` starts as fast as typer and rich allow (benchmarks/bench_startup.py).
if TYPE_CHECKING:
    import pandas as pd

    from riskcurve.data.panel import MarketData
    from riskcurve.data.store import Store
    from riskcurve.signals.registry import SignalSpec

app = typer.Typer(
    name="riskcurve",
    cls=LazyGroup,
    help="Watch liquidity travel out along the risk curve, and test whether early links lead later ones.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,  # --install-completion, --show-completion (answered in riskcurve.cli)
)
series_app = typer.Typer(help="What is stored, and the data itself.", no_args_is_help=True)
app.add_typer(series_app, name="series")


class _OutConsole(Console):
    """stdout's console: a reader that went away (``| head``) ends the command quietly.

    rich's own answer is ``SystemExit(1)``; the error goes up instead, and the entry point
    (:func:`riskcurve.cli.main`) exits 141 without a word, as a program ended by SIGPIPE.
    """

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError("stdout was closed by its reader")


# Piped output is read by people in logs and CI too: give it room instead of rich's 80 columns.
out = _OutConsole(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)


def parse_horizons(text: str) -> tuple[int, ...]:
    """``--horizons``: 1 to 12 comma-separated whole numbers of bars, each from 1 to ``MAX_BARS``."""
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise typer.BadParameter(f"--horizons {text!r} must be comma-separated whole numbers of bars") from None
    if not values or any(v < 1 or v > MAX_BARS for v in values) or len(values) > 12:
        raise typer.BadParameter(
            f"--horizons {text!r} must list 1 to 12 whole numbers of bars from 1 to {MAX_BARS}, e.g. 21,63,126,252"
        )
    return values


def parse_day(value: str | None, what: str = "date") -> dt.date | None:
    """A date option, parsed strictly (YYYY-MM-DD) and checked against the accepted range."""
    if value is None:
        return None
    from riskcurve.data.validation import parse_day_text

    try:
        return parse_day_text(value, what=what)
    except ValueError as failure:
        raise typer.BadParameter(str(failure)) from None


StoreOpt = Annotated[
    Path | None, typer.Option("--store", help="DuckDB store file (default: $RISKCURVE_STORE or the user data folder)")
]
JsonOpt = Annotated[
    bool,
    typer.Option("--json", help="Machine-readable output on stdout (its JSON Schema: `riskcurve schema <command>`)."),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Compute as if this day (YYYY-MM-DD) were today, with only what was known then."),
]
#: Bounds on counts a command line may ask for: resamples, and bars (horizons, lags): ten years
#: of sessions is longer than any question the data can answer.
MAX_REPS = 1_000_000
MAX_BARS = 2520


def within(low: float, high: float | None = None) -> Callable[[Any], Any]:
    """An option's callback refusing values outside ``[low, high]`` (a usage error, exit 2).

    Used instead of typer's ``min=``/``max=``, whose ``[10<=x<=1000000]`` fills the type
    column of the help and leaves too little room for the option's own text at 80 columns;
    the help text states the range in words instead (:func:`between`).
    """

    def check(value: Any) -> Any:
        if value is not None and (value < low or (high is not None and value > high)):
            raise typer.BadParameter(f"must be {between(low, high)}, not {numbers.value(value)}")
        return value

    return check


def between(low: float, high: float | None = None) -> str:
    """A range in words for help texts and errors: ``from 10 to 1,000,000`` or ``at least 1``."""
    if high is None:
        return f"at least {numbers.value(low)}"
    return f"from {numbers.value(low)} to {numbers.value(high)}"


DayOpt = Annotated[str | None, typer.Option(help="Inclusive date bound, YYYY-MM-DD.")]


def jsonable(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    # A value can only be a pandas object if pandas is loaded: no need to import it to ask.
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(value, pandas.Timestamp):
        if pandas.isna(value):
            return None
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return jsonable(value.item())
    if pandas is not None and value is pandas.NaT:
        return None
    return value


#: Version of every ``--json`` output's schema (docs/schema/<command>.json): raised when a
#: documented field is removed or changes meaning; new fields may appear without it.
JSON_SCHEMA_VERSION = 1


def emit_json(payload: Mapping[str, Any]) -> None:
    """Write a command's ``--json`` output: ``schema_version`` first, then the payload."""
    document = {"schema_version": JSON_SCHEMA_VERSION, **payload}
    sys.stdout.write(json.dumps(document, indent=2, allow_nan=False) + "\n")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = frame.reset_index()
    return [{k: jsonable(v) for k, v in zip(rows.columns, row, strict=True)} for row in rows.itertuples(index=False)]


def _show_version(value: bool) -> None:
    if value:
        from riskcurve import __version__

        out.print(f"riskcurve {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what happens.")] = False,
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_show_version, is_eager=True)
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    # Libraries log the notify URLs they were given (apprise does): never unmasked.
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())


ParamOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        "-p",
        help="A signal parameter as key=value (repeatable); `riskcurve signal NAME --json` lists each with its "
        'default under "parameters".',
    ),
]
SymbolOpt = Annotated[
    str | None, typer.Option("--symbol", "-s", help="Symbol the signal applies to (default: the signal's own).")
]


def cell(value: Any) -> str:
    """A table cell: numbers in the house style (:mod:`riskcurve.numbers`, ``1.35533e10`` -> ``13.55B``),
    text shown as data (no markup, no escapes)."""
    if isinstance(value, float):
        return numbers.value(value)
    rendered = jsonable(value)
    return "" if rendered is None else for_terminal(rendered)


def render_frame(title: str, frame: pd.DataFrame, rows: int, caption: str | None = None) -> None:
    from rich.table import Table

    shown = frame.tail(rows)
    if len(frame.columns) > 8:
        # Wide signals read better with one column per date and one row per field.
        shown = shown.tail(min(rows, 5)).T
        shown.index.name = "field"
        shown.columns = [cell(c) for c in shown.columns]
    view = Table(title=title, caption=caption)
    body = shown.reset_index()
    for column in body.columns:
        view.add_column(str(column), justify="left" if column == body.columns[0] else "right", min_width=10)
    for row in body.itertuples(index=False):
        view.add_row(*[cell(v) for v in row])
    out.print(view)


def signal_context(
    name: str, symbol: str | None, params: list[str] | None, store: Path | None, as_of: str | None
) -> tuple[SignalSpec, dict[str, Any], Store, MarketData, str | None, str | None]:
    """Parse a signal command's arguments: the spec, its parameters, an open store and the point-in-time view."""
    import pandas as pd

    from riskcurve.data.panel import MarketData
    from riskcurve.data.store import Store
    from riskcurve.signals.regime import default_as_of
    from riskcurve.signals.registry import get_signal

    spec = get_signal(name)
    raw: dict[str, str] = {}
    for item in params or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"--param {item!r} is not key=value")
        raw[key.strip()] = value.strip()
    parameters = spec.parse(raw)
    db = Store(config.store_path(store), read_only=True)
    note = None
    if as_of is None:
        day, note = default_as_of(db)
    else:
        parsed = parse_day(as_of, "--as-of")
        day = pd.Timestamp(parsed) if parsed is not None else pd.Timestamp(as_of)
    chosen = (symbol or spec.default_symbol or "").upper() or None
    return spec, parameters, db, MarketData(db, as_of=day), chosen, note


def signal_header(  # the JSON header every signal-based command starts with
    spec: SignalSpec, data: MarketData, symbol: str | None, parameters: dict[str, Any], note: str | None
) -> dict[str, Any]:
    sources = {}
    for source in (symbol,) if spec.default_symbol and symbol else spec.sources:
        if data.has(source):
            frame = data.bars(source) if data.store.kind(source) == "price" else data.vintages(source)
            sources[source] = {
                "first": jsonable(frame.index.min()) if len(frame) else None,
                "last": jsonable(frame.index.max()) if len(frame) else None,
            }
    return {
        "signal": spec.name,
        "symbol": symbol,
        "as_of": data.as_of.date().isoformat(),
        "note": note,
        "definition": spec.definition,
        "parameters": {k: jsonable(v) for k, v in parameters.items()},
        "sources": sources,
    }


@contextmanager
def progress_bar(description: str, *, quiet: bool, verb: str = "done") -> Iterator[Callable[[str, int, int], None]]:
    """A transient progress bar on stderr; yields the ``progress(item, done, total)`` callback the library takes.

    ``quiet`` (e.g. under ``--json``) shows nothing, and so does a stderr that is not a terminal:
    no bar is made at all (rich 13.8's disabled bar still ends with an empty line on stderr).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if quiet or not err.is_terminal:
        yield lambda item, done, total: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)

        def progress(item: str, done: int, total: int) -> None:
            bar.update(task, description=f"{verb}: {item}", completed=done, total=total)

        yield progress
