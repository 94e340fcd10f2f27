"""`riskcurve study --when`: a target's forward returns while a state holds, against while it does not."""

from __future__ import annotations

import math
import warnings
from contextlib import nullcontext
from pathlib import Path

import pandas as pd
import typer
from rich import box
from rich.table import Table

from riskcurve import config, numbers
from riskcurve.cli._common import emit_json, err, jsonable, out, parse_day, parse_horizons


def _pct(value: float) -> str:
    return numbers.percent(value, signed=True)


def _share(value: float) -> str:
    return numbers.percent(value, 0)


def _p(value: float) -> str:
    return numbers.p_value(value)


def conditional_study(
    when: str,
    target: str,
    horizons: str | None,
    reps: int,
    seed: int,
    params: list[str] | None,
    kind: str,
    alpha: float,
    store: Path | None,
    as_of: str | None,
    json_out: bool,
    min_spacing: int | None,
    block_length: float | None,
) -> None:
    """Run and show a conditional study (the ``--when`` branch of ``riskcurve study``)."""
    from riskcurve.data.panel import MarketData
    from riskcurve.data.store import Store
    from riskcurve.errors import InsufficientDataWarning
    from riskcurve.signals.regime import default_as_of
    from riskcurve.signals.registry import SIGNALS
    from riskcurve.signals.states import describe_condition, parse_condition
    from riskcurve.stats.conditional import DEFAULT_HORIZONS, study_condition

    if min_spacing is not None or block_length is not None:
        raise typer.BadParameter("--min-spacing and --block-length apply to --events studies, not --when")
    condition = parse_condition(when)
    raw: dict[str, str] = {}
    for item in params or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"--param {item!r} is not key=value")
        raw[key.strip()] = value.strip()
    parameters = SIGNALS[condition.signal].parse(raw) if condition.signal in SIGNALS else {}
    if raw and condition.signal not in SIGNALS:
        raise typer.BadParameter(f"{condition.signal} takes no --param")
    chosen = parse_horizons(horizons) if horizons is not None else DEFAULT_HORIZONS
    with Store(config.store_path(store), read_only=True) as db:
        note = None
        day_given = parse_day(as_of, "--as-of")
        if day_given is None:
            day, note = default_as_of(db)
        else:
            day = pd.Timestamp(day_given)
        data = MarketData(db, as_of=day)
        with warnings.catch_warnings():
            # The result carries its own insufficient-data notes; they are shown below, not raised.
            warnings.simplefilter("ignore", InsufficientDataWarning)
            resamples = reps
            status = err.status(f"resampling {resamples} times per horizon", spinner="dots")
            with status if not json_out else nullcontext():
                result = study_condition(
                    data,
                    when,
                    target,
                    parameters=parameters,
                    horizons=chosen,
                    reps=resamples,
                    seed=seed,
                    kind=kind,
                    alpha=alpha,
                )
    as_of_text = data.as_of.date().isoformat()
    if json_out:
        header = {
            "command": "study",
            "mode": "conditional",
            "when": condition.label,
            "condition": {
                "signal": condition.signal,
                "symbol": condition.symbol,
                "column": condition.column,
                "op": condition.op,
                "value": condition.value,
                "definition": describe_condition(condition),
            },
            "parameters": {k: jsonable(v) for k, v in parameters.items()},
            "as_of": as_of_text,
            "note": note,
        }
        emit_json({**header, **result.to_dict()})
        return
    study = result.study
    view = Table(
        title=f"Conditional study: {study.name} -> {study.target_name} as of {as_of_text} ({study.kind} returns)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
        caption=(
            "in/out: measured bars while the state holds / does not "
            f"({numbers.percent(result.share_in, 0)} in); mean, median, up (the "
            f"share followed by a rise): in the state / out of it; spells: runs of "
            f"the state (the independent units). Horizons in {study.target_name} bars, entry at the close after the "
            f"state is known. p: rotation test (the state shifted against the returns by every offset), two-sided, "
            f"Holm across horizons; CI: the rotation test inverted; boot CI: stationary bootstrap of (state, return) "
            f"pairs in blocks at least a spell long, {study.reps} resamples, seed {result.seed}; MDE at 80% power."
        ),
    )
    level = numbers.percent(1 - study.alpha, 0)
    columns = ("h", "n in", "n out", "spells", "mean in/out", "median", "up", "diff")
    for column in (*columns, f"{level} CI", "boot CI", "p", "Holm"):
        view.add_column(column, justify="right", no_wrap=True)
    view.add_column("MDE", justify="right", no_wrap=True)
    for h, row in result.table.iterrows():
        view.add_row(
            str(h),
            str(int(row["n_in"])),
            str(int(row["n_out"])),
            f"{int(row['spells_in'])}/{int(row['spells_out'])}",
            f"{_pct(row['mean_in'])}/{_pct(row['mean_out'])}",
            f"{_pct(row['median_in'])}/{_pct(row['median_out'])}",
            f"{_share(row['hit_in'])}/{_share(row['hit_out'])}",
            _pct(row["difference"]),
            f"{_pct(row['ci_low'])}..{_pct(row['ci_high'])}" if math.isfinite(row["ci_low"]) else "",
            f"{_pct(row['boot_low'])}..{_pct(row['boot_high'])}" if math.isfinite(row["boot_low"]) else "",
            _p(row["p_two_sided"]),
            _p(row["p_holm"]),
            "±" + numbers.percent(row["mde"]) if math.isfinite(row["mde"]) else "",
        )
    out.print(view)
    out.print(f"State: {condition.label}: {describe_condition(condition)}")
    for line in result.table["verdict"]:
        out.print(f"  {line}")
    out.print(f"[bold]Verdict ({result.verdict_code}):[/bold] {result.verdict}")
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}")
    if note:
        err.print(f"as of {as_of_text}: {note}")
