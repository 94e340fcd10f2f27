"""The lead-lag command: which of two assets moves first, by how much, and how sure we can be."""

from __future__ import annotations

import math
import warnings
from contextlib import nullcontext
from typing import Annotated, Any

import pandas as pd
import typer
from rich import box
from rich.table import Table

from riskcurve import config, numbers
from riskcurve.cli._common import (
    MAX_BARS,
    MAX_REPS,
    AsOfOpt,
    JsonOpt,
    StoreOpt,
    app,
    between,
    emit_json,
    err,
    jsonable,
    out,
    parse_day,
    within,
)
from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.errors import InsufficientDataWarning
from riskcurve.signals.regime import default_as_of
from riskcurve.stats.defaults import SEED
from riskcurve.stats.leadlag import DEFAULT_MAX_LAG, DEFAULT_WINDOW, LeadLagResult, leadlag


def _num(value: float, spec: str = ".3f") -> str:
    return "" if value is None or not math.isfinite(value) else format(value, spec)


def _p(value: float) -> str:
    return numbers.p_value(value)


def _bar(corr: float, scale: float, width: int = 12) -> str:
    # A sideways bar chart of the CCF: left of the axis for negative correlations.
    cells = round(abs(corr) / scale * width) if scale > 0 else 0
    return (" " * (width - cells) + "█" * cells + "│" + " " * width) if corr < 0 else (" " * width + "│" + "█" * cells)


def _render(result: LeadLagResult, as_of: str, note: str | None) -> None:
    ccf = result.ccf
    scale = float(ccf["corr"].abs().max())
    view = Table(
        title=(
            f"Lead-lag {result.lead} -> {result.lag}, {result.freq} returns "
            f"{result.start.date()}..{result.end.date()} (n={result.n_obs}) as of {as_of}"
        ),
        box=box.SIMPLE_HEAD,
        caption=(
            f"k > 0: {result.lead} moves first, by k {result.unit}s. "
            f"corr(k) = corr({result.lead}_t, {result.lag}_t+k). "
            f"±white: z/sqrt(n) band; ±robust: Newey-West band (bandwidth {result.hac_lags}), allowing for "
            f"autocorrelation and shared volatility; p from the robust band; Holm/BH: adjusted over the "
            f"{len(ccf)} lags scanned. * outside the white-noise band, ** significant after Holm. peak%: share of "
            f"{result.reps} block-bootstrap resamples (mean block {result.block_size}, seed {result.seed}) "
            f"peaking at that lag. Calendar: {result.calendar}."
        ),
    )
    for column in ("k", "corr", "", "n", "±white", "±robust", "p", "Holm", "BH", "peak%", ""):
        view.add_column(column, justify="left" if column == "" else "right", no_wrap=True)
    for k, row in zip(ccf.index.astype(int), ccf.to_dict("records"), strict=True):
        mark = "**" if row["significant"] else "*" if row["outside_white"] else ""
        style = "bold" if row["significant"] else None
        view.add_row(
            f"{int(k):+d}" + (" ◆" if int(k) == result.peak.k else ""),
            _num(row["corr"], "+.3f"),
            _bar(float(row["corr"]), scale),
            str(int(row["n"])),
            _num(row["band_white"]),
            _num(row["band_robust"]),
            _p(row["p"]),
            _p(row["p_holm"]),
            _p(row["p_bh"]),
            numbers.percent(row["peak_share"], 0) if row["peak_share"] > 0 else "",
            mark,
            style=style,
        )
    out.print(view)

    granger = Table(
        title=f"Granger causality ({result.granger_lags} lag{'' if result.granger_lags == 1 else 's'}; orders chosen: "
        + ", ".join(f"{name.upper()} {order}" for name, order in result.granger_orders.items())
        + f"; using {result.ic.upper()})",
        box=box.SIMPLE_HEAD,
    )
    for column in ("direction", "lags", "n", "F", "p", "F (HC3)", "p (HC3)", "Holm (HC3)"):
        granger.add_column(column, justify="left" if column == "direction" else "right", no_wrap=True)
    for direction, row in zip(result.granger.index, result.granger.to_dict("records"), strict=True):
        granger.add_row(
            str(direction),
            str(int(row["lags"])),
            str(int(row["n"])),
            _num(row["f"], ".2f"),
            _p(row["p"]),
            _num(row["f_robust"], ".2f"),
            _p(row["p_robust"]),
            _p(row["p_robust_holm"]),
        )
    out.print(granger)

    rolling = result.rolling
    parts = []
    shown = [("corr_0", "lag 0")] + ([("corr_peak", f"peak lag {result.peak.k:+d}")] if result.peak.k else [])
    for column, label in shown:
        values = rolling[column].dropna()
        if len(values):
            parts.append(
                f"{label}: last {numbers.decimal(values.iloc[-1], signed=True)}, "
                f"mean {numbers.decimal(values.mean(), signed=True)}, "
                f"range {numbers.decimal(values.min(), signed=True)}..{numbers.decimal(values.max(), signed=True)}"
            )
    if parts:
        out.print(f"Rolling {result.window}-{result.unit} correlation — " + "; ".join(parts))
    else:
        out.print(f"Rolling {result.window}-{result.unit} correlation: fewer returns than the window")
    out.print(f"[bold]Verdict ({result.verdict.evidence}):[/bold] {result.verdict.text}")
    if note:
        err.print(f"as of {as_of}: {note}")


@app.command("leadlag")
def leadlag_command(
    lead: Annotated[
        str,
        typer.Option(
            "--lead",
            help="Series suspected to move first: a price (RUT), macro (DGS2), derived (NETLIQ), ALTS, "
            "or A/B (ETH/BTC).",
        ),
    ],
    lag: Annotated[str, typer.Option("--lag", help="Series suspected to follow (e.g. BTC).")],
    freq: Annotated[
        str, typer.Option("--freq", help="Return frequency: D (daily), W (Friday-Friday), M (month-end).")
    ] = "D",
    max_lag: Annotated[
        int | None,
        typer.Option(
            "--max-lag",
            callback=within(1, MAX_BARS),
            help=f"Leads and lags scanned, k = -N..N, N {between(1, MAX_BARS)} (default: "
            + ", ".join(f"{f} {n}" for f, n in DEFAULT_MAX_LAG.items())
            + ").",
        ),
    ] = None,
    window: Annotated[
        int | None,
        typer.Option(
            "--window",
            help="Rolling-correlation window in bars (default: "
            + ", ".join(f"{f} {n}" for f, n in DEFAULT_WINDOW.items())
            + ").",
        ),
    ] = None,
    granger_max_lag: Annotated[
        int | None,
        typer.Option(
            "--granger-max-lag",
            callback=within(1, MAX_BARS),
            help=f"Largest Granger lag order considered, {between(1, MAX_BARS)} (default: --max-lag).",
        ),
    ] = None,
    ic: Annotated[str, typer.Option("--ic", help="Criterion for the Granger lag order: bic or aic.")] = "bic",
    alpha: Annotated[float, typer.Option("--alpha", help="Test level; bands and intervals cover 1 - alpha.")] = 0.05,
    reps: Annotated[
        int,
        typer.Option(
            "--reps",
            callback=within(10, MAX_REPS),
            help=f"Bootstrap resamples for the peak lag's uncertainty ({between(10, MAX_REPS)}).",
        ),
    ] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the bootstrap: the same command gives the same numbers.")
    ] = SEED,
    start: Annotated[str | None, typer.Option("--start", help="Ignore closes before this day, YYYY-MM-DD.")] = None,
    align: Annotated[
        str,
        typer.Option(
            "--align",
            help="Macro series: 'published' (as known each day, point-in-time) or 'observed' (on the date each "
            "value describes, e.g. market rates FRED posts a day later).",
        ),
    ] = "published",
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Cross-correlation at leads and lags (with bands and adjusted p-values), rolling correlation,
    Granger causality both ways, and a verdict on which series leads and by how much.

    Lags are scanned as a family: each lag's p-value is also shown Holm- and
    Benjamini-Hochberg-adjusted, because the best of 2N+1 lags is significant by chance far
    more often than alpha.
    """
    with Store(config.store_path(store), read_only=True) as db:
        note = None
        chosen = parse_day(as_of, "--as-of")
        if chosen is None:
            day, note = default_as_of(db)
        else:
            day = pd.Timestamp(chosen)
        data = MarketData(db, as_of=day)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", InsufficientDataWarning)
            status = err.status(f"resampling {reps} times", spinner="dots") if not json_out else nullcontext()
            with status:
                result = leadlag(
                    data,
                    lead,
                    lag,
                    freq=freq.strip().upper(),  # type: ignore[arg-type]  # validated by the library
                    max_lag=max_lag,
                    start=parse_day(start, "--start"),
                    align=align.strip().lower(),  # type: ignore[arg-type]  # validated by the library
                    window=window,
                    granger_max_lag=granger_max_lag,
                    ic=ic.strip().lower(),
                    alpha=alpha,
                    reps=reps,
                    seed=seed,
                )
        notes = [str(w.message) for w in caught if issubclass(w.category, InsufficientDataWarning)]
        sources: dict[str, Any] = {}
        for symbol in (result.lead, result.lag):
            # Stored prices and macro series report their own range; a derived series its inputs'.
            if not data.has(symbol):
                sources[symbol] = {"first": None, "last": None, "derived": True}
                continue
            kind = data.store.kind(symbol)
            close = data.close(symbol) if kind == "price" else data.vintages(symbol)["value"]
            sources[symbol] = {
                "first": jsonable(close.index.min()) if len(close) else None,
                "last": jsonable(close.index.max()) if len(close) else None,
            }
    as_of_text = data.as_of.date().isoformat()
    if json_out:
        emit_json(
            {
                "command": "leadlag",
                "as_of": as_of_text,
                "note": note,
                "sources": sources,
                "warnings": notes,
                **result.to_dict(),
            }
        )
        return
    _render(result, as_of_text, note)
    for message in notes:
        err.print(f"[yellow]warning:[/yellow] {message}")
