"""The event-study command: what followed a signal's events in a target, against any day."""

from __future__ import annotations

import re
import warnings
from contextlib import nullcontext
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from riskcurve import numbers
from riskcurve.cli._common import (
    MAX_REPS,
    AsOfOpt,
    JsonOpt,
    ParamOpt,
    StoreOpt,
    app,
    between,
    emit_json,
    err,
    jsonable,
    out,
    parse_horizons,
    signal_context,
    signal_header,
    within,
)
from riskcurve.errors import InsufficientDataWarning
from riskcurve.signals.registry import SIGNALS
from riskcurve.stats.defaults import REPS, SEED
from riskcurve.stats.event_study import DEFAULT_HORIZONS, EventStudyResult, study_signal


def _pct(value: float) -> str:
    return numbers.percent(value, signed=True)


def _p(value: float) -> str:
    return numbers.p_value(value)


def _render(result: EventStudyResult, as_of: str) -> None:
    study = result.study
    view = Table(
        title=f"Event study: {study.name} -> {study.target_name} as of {as_of} ({study.kind} returns)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
        caption=(
            f"n: events with a full horizon (+ too recent). Horizons in {study.target_name} bars; "
            f"entry at the close of the first {study.target_name} bar after "
            f"the event. {study.reps} permutations and bootstrap resamples, seed {result.seed}; events at least "
            f"{study.spacing} bars apart. Hit CI: Wilson; difference CI: stationary bootstrap; "
            "p: permutation, two-sided (Holm across horizons); MDE: minimum detectable difference at 80% power."
        ),
    )
    headers = (
        "h",
        "n",
        "mean",
        "median",
        "hit [Wilson]",
        "base",
        "base hit",
        "diff",
        f"{numbers.percent(1 - study.alpha, 0)} CI",
    )
    for column in (*headers, "p", "Holm", "MDE"):
        view.add_column(column, justify="right", no_wrap=True)
    for h, row in result.table.iterrows():
        measured = int(row["n"]) > 0
        recent = int(row["n_too_recent"])
        view.add_row(
            str(h),
            f"{int(row['n'])}" + (f" (+{recent})" if recent else ""),
            _pct(row["mean"]),
            _pct(row["median"]),
            f"{numbers.percent(row['hit_rate'], 0)} "
            f"[{numbers.percent(row['hit_low'], 0)}-{numbers.percent(row['hit_high'], 0)}]"
            if measured
            else "",
            _pct(row["baseline_mean"]),
            numbers.percent(row["baseline_hit_rate"], 0),
            _pct(row["difference"]),
            f"{_pct(row['ci_low'])}..{_pct(row['ci_high'])}" if measured else "",
            _p(row["p_two_sided"]),
            _p(row["p_holm"]),
            "±" + numbers.percent(row["mde"], 0) if measured else "",
        )
    out.print(view)
    events = result.to_dict()["events"]
    skipped = [
        f"{len(events[key])} {words}: {', '.join(events[key])}"
        for key, words in (
            ("declustered", f"within {study.spacing} bars of an earlier event"),
            ("before_target", f"before {study.target_name} history"),
            ("after_target", f"with no {study.target_name} bar after them yet"),
            ("no_nearby_bar", f"with no {study.target_name} bar within a week"),
        )
        if events[key]
    ]
    out.print(
        f"Events: {events['given']} given, {events['measured']} measured "
        f"({', '.join(result.measured.strftime('%Y-%m-%d')) or 'none'})"
        + (f"; not measured: {'; '.join(skipped)}" if skipped else "")
    )
    for line in result.table["verdict"]:
        out.print(f"  {line}")
    out.print(f"[bold]Verdict:[/bold] {result.verdict}")


@app.command("study")
def study_command(
    target: Annotated[
        str,
        typer.Option(
            "--target",
            help="Symbol whose forward returns are measured (e.g. BTC, ALTS, NETLIQ), or A/B for one against "
            "another (ETH/BTC, RUT/GSPC, ALTS/BTC).",
        ),
    ],
    events: Annotated[
        str | None,
        typer.Option(
            "--events",
            help=f"Events as NAME:SYMBOL (signal name, the symbol it reads): one of {', '.join(SIGNALS)}. A regime "
            "signal's events have directions: NAME:TRANSITION picks one (liquidity:to_expanding, "
            "cascade:small_caps_to_lit).",
        ),
    ] = None,
    when: Annotated[
        str | None,
        typer.Option(
            "--when",
            help="A state instead of events, SIGNAL[:SYMBOL][.COLUMN]<op>VALUE (liquidity=expanding, cascade>=3, "
            "rates=falling, risk=off) or a series' level or 4/13/52-week change (NETLIQ.chg_13w>0, series:DGS2<4, "
            "series:BTC.pct_13w>0.2): forward returns while it holds against while it does not.",
        ),
    ] = None,
    horizons: Annotated[
        str | None,
        typer.Option(
            "--horizons",
            help="Comma-separated horizons in bars of the target's calendar "
            f"(default: {','.join(map(str, DEFAULT_HORIZONS))}; with --when 21,63).",
        ),
    ] = None,
    reps: Annotated[
        int,
        typer.Option(
            "--reps",
            callback=within(10, MAX_REPS),
            help=f"Permutations and bootstrap resamples (each, {between(10, MAX_REPS)}); the report and the "
            "dashboard use the same count.",
        ),
    ] = REPS,
    seed: Annotated[
        int,
        typer.Option(
            "--seed",
            help="Seed of every resampling: the same command gives the same numbers; another seed moves them "
            "in their last digits.",
        ),
    ] = SEED,
    param: ParamOpt = None,
    kind: Annotated[str, typer.Option("--kind", help="Return kind: log or simple.")] = "log",
    min_spacing: Annotated[
        int | None,
        typer.Option("--min-spacing", help="De-clustering distance in target bars (default: the longest horizon)."),
    ] = None,
    alpha: Annotated[float, typer.Option("--alpha", help="Test level; intervals cover 1 - alpha.")] = 0.05,
    block_length: Annotated[
        float | None, typer.Option("--block-length", help="Mean bootstrap block length (default: automatic).")
    ] = None,
    mixed: Annotated[
        bool,
        typer.Option("--mixed", help="Pool a regime signal's events of every direction (refused otherwise)."),
    ] = False,
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """What followed a signal's events in a target, compared with what follows any day.

    Per horizon: events with a full horizon, mean/median, hit rate with a Wilson interval, the
    baseline over every day, the difference with a stationary-bootstrap interval, a permutation
    p-value from randomly placed events (same count, same spacing), the minimum detectable
    effect, and a verdict in words.

    With --when SIGNAL=STATE instead of --events: the target's forward returns while the state
    holds against while it does not (liquidity=expanding, cascade>=3, rates=falling, risk=off),
    with spells counted, a rotation-test p-value and interval, and a block-bootstrap interval.
    """
    either = "give either --events NAME:SYMBOL or --when SIGNAL=STATE (one of them)"
    if when is not None:
        if events is not None:
            raise typer.BadParameter(either)
        from riskcurve.cli._conditional import conditional_study

        conditional_study(
            when, target, horizons, reps, seed, param, kind, alpha, store, as_of, json_out, min_spacing, block_length
        )
        return
    if events is None:
        raise typer.BadParameter(either)
    name, _, qualifier = events.partition(":")
    if not name.strip():
        raise typer.BadParameter(f"--events {events!r} must be NAME:SYMBOL, e.g. breakout:RUT")
    # NAME:to_expanding (or NAME:SYMBOL:small_caps_to_lit) picks a direction of a regime signal's events.
    symbol, _, transition = qualifier.rpartition(":") if ":" in qualifier else ("", "", qualifier)
    if not re.search(r"(^|_)to_", transition.lower()):
        symbol, transition = qualifier, ""
    chosen_horizons = parse_horizons(horizons) if horizons is not None else DEFAULT_HORIZONS
    spec, parameters, db, data, chosen, note = signal_context(name.strip(), symbol.strip() or None, param, store, as_of)
    with db, warnings.catch_warnings():
        # The result carries its own insufficient-data notes; they are shown below, not raised.
        warnings.simplefilter("ignore", InsufficientDataWarning)
        with err.status(f"resampling {reps} times per horizon", spinner="dots") if not json_out else nullcontext():
            result = study_signal(
                data,
                spec.name,
                chosen,
                target,
                parameters=parameters,
                transition=transition or None,
                mixed=mixed,
                horizons=chosen_horizons,
                reps=reps,
                seed=seed,
                kind=kind,
                min_spacing=min_spacing,
                alpha=alpha,
                block_length=block_length,
            )
        header = signal_header(spec, data, chosen, parameters, note)
        target_close = result.study.target
        header["sources"][result.study.target_name] = {
            "first": jsonable(target_close.index.min()) if len(target_close) else None,
            "last": jsonable(target_close.index.max()) if len(target_close) else None,
        }
    if json_out:
        emit_json({**header, **result.to_dict()})
        return
    _render(result, header["as_of"])
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}")
    if note:
        err.print(f"as of {header['as_of']}: {note}")
