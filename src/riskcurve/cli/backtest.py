"""Backtest and sweep commands: ``riskcurve backtest`` and ``riskcurve sweep``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from riskcurve import config, numbers
from riskcurve.backtest.executors import EXECUTORS, Executor
from riskcurve.backtest.rules import RULES, backtest_rule, get_rule
from riskcurve.backtest.sweep import GRIDS, Sweep, WalkForward, get_grid
from riskcurve.cli._common import (
    MAX_BARS,
    MAX_REPS,
    AsOfOpt,
    DayOpt,
    JsonOpt,
    StoreOpt,
    app,
    between,
    cell,
    emit_json,
    err,
    jsonable,
    out,
    parse_day,
    within,
)
from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.signals.regime import default_as_of

_RULE_HELP = f"The rule: {', '.join(RULES)} (defined above)."
_GRID_HELP = f"The grid: {', '.join(GRIDS)} (defined above)."


def _listing(title: str, entries: dict[str, tuple[str, str]]) -> str:
    # One paragraph per entry: typer keeps paragraphs, and rewraps everything else.
    lines = [f"{title}:"]
    for name, (definition, parameters) in entries.items():
        lines.append(f"* {name}: {definition} Parameters (defaults): {parameters}.")
    return "\n\n".join(lines)


_RULES_TEXT = _listing(
    "Rules",
    {n: (s.definition, ", ".join(f"{k}={v}" for k, v in s.parameters.items())) for n, s in RULES.items()},
)
_GRIDS_TEXT = _listing(
    "Grids",
    {
        n: (
            s.definition,
            ", ".join(
                f"{k}={v[0]}..{v[-1]}" if len(v) > 6 else f"{k}={','.join(map(str, v))}" for k, v in s.defaults.items()
            ),
        )
        for n, s in GRIDS.items()
    },
)

RuleParamOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        "-p",
        help="A rule parameter as key=value (repeatable); the rules' parameters are listed "
        "with their defaults in the output's definition.",
    ),
]


def _key_values(items: list[str] | None, option: str = "--param") -> dict[str, str]:
    raw: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{option} {item!r} is not key=value")
        raw[key.strip()] = value.strip()
    return raw


def _open(store: Path | None, as_of: str | None) -> tuple[Store, pd.Timestamp, str | None]:
    db = Store(config.store_path(store), read_only=True)
    if as_of is None:
        day, note = default_as_of(db)
    else:
        day, note = pd.Timestamp(str(parse_day(as_of, "--as-of"))), None
    return db, day, note


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A progress bar per stage on stderr (nothing when stderr is not a terminal)."""
    if not enabled or not err.is_terminal:
        yield None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def _percent(value: Any) -> str:
    return numbers.percent(value, signed=True)


_BACKTEST_HELP = f"""Backtest a long/flat rule against buy-and-hold and the halving-cycle rule.

Positions change at the close of the bar after the signal's bar (--lag 1); fees and slippage are
charged per side; a signal on exchange days is read on crypto's 7-day calendar as of each day
(Friday's value on Saturday and Sunday), so it trades on the first crypto bar after it is known.
The halving-cycle baseline is long for 540 days from each halving.

{_RULES_TEXT}

JSON (--json): as_of, note, rule, parameters, strategy, asset, definition, settings, metrics
(strategy name -> cagr, volatility, sharpe, sortino, max_drawdown and its peak/trough/recovery
dates, exposure, turnover, trades, psr, dsr, ...), trades (round trips), and with --curves equity.
"""

_SWEEP_HELP = f"""Sweep a grid of signal definitions x lags x assets, with multiple-testing adjustments.

Every combination is a long/flat strategy with the costs and next-bar execution of `riskcurve
backtest`. Reports, per combination, whether it beats buy-and-hold of its asset (Newey-West t,
one-sided p, Holm and Benjamini-Hochberg adjusted over the family) and its deflated Sharpe ratio;
over the family, Hansen's SPA (or White's Reality Check); and the out-of-sample record of
choosing the best in-sample combination, walking forward.

{_GRIDS_TEXT}

JSON (--json): as_of, note, grid, definition, settings, combinations, top (best rows by Sharpe),
family (counts below 0.05 raw and adjusted), snooping, walk_forward (settings, windows, metrics).
"""


@app.command("backtest", help=_BACKTEST_HELP)
def backtest_command(
    rule: Annotated[str, typer.Option("--rule", "-r", help=_RULE_HELP)],
    asset: Annotated[
        str,
        typer.Option(
            "--asset",
            "-a",
            help="What to trade: a symbol (BTC), ALTS (equal-weight altcoin basket) or a basket like BTC:0.6,ETH:0.4. "
            "Macro series (NETLIQ, DGS2...) are not assets; use them as a rule's input (--rule state).",
        ),
    ] = "BTC",
    param: RuleParamOpt = None,
    cost_bp: Annotated[float, typer.Option("--cost-bp", help="Fee per side, basis points of traded value.")] = 10.0,
    slippage_bp: Annotated[
        float, typer.Option("--slippage-bp", help="Slippage per side, basis points of price.")
    ] = 5.0,
    lag: Annotated[
        int,
        typer.Option(
            "--lag",
            callback=within(0, MAX_BARS),
            help=f"Bars from the signal's bar to the trade's close ({between(0, MAX_BARS)}; 1: the next bar; 0 warns).",
        ),
    ] = 1,
    start: DayOpt = None,
    trials: Annotated[
        int | None,
        typer.Option(
            "--trials",
            help="Configurations tried before this one, for the deflated Sharpe "
            "ratio (default: the strategies of this run).",
        ),
    ] = None,
    trials_sharpe_var: Annotated[
        float | None,
        typer.Option(
            "--trials-sharpe-var", help="Variance of the tried configurations' per-bar Sharpe ratios (with --trials)."
        ),
    ] = None,
    curves: Annotated[bool, typer.Option("--curves", help="Include the equity curves in --json.")] = False,
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
) -> None:
    spec = get_rule(rule)
    parameters = spec.parse(_key_values(param))
    db, day, note = _open(store, as_of)
    with db:
        result = backtest_rule(
            MarketData(db, as_of=day),
            spec.name,
            asset,
            parameters=parameters,
            cost_bp=cost_bp,
            slippage_bp=slippage_bp,
            lag=lag,
            start=parse_day(start, "--start"),
            n_trials=trials,
            var_trials_sharpe=trials_sharpe_var,
        )
    if json_out:
        emit_json(
            {
                "as_of": day.date().isoformat(),
                "note": note,
                "rule": spec.name,
                "parameters": {k: jsonable(v) for k, v in parameters.items()},
                **result.to_dict(curves=curves),
            }
        )
        return
    s = result.settings
    view = Table(
        title=f"{spec.name} on {result.asset}, {s['start'].date()}..{s['end'].date()} (as of {day.date()})",
        caption=f"{result.definition}\ncosts {numbers.significant(s['cost_bp'])} bp + slippage "
        f"{numbers.significant(s['slippage_bp'])} bp per side, "
        f"executed {s['execution']}; DSR over {s['n_trials']} trials",
    )
    columns = ("cagr", "volatility", "sharpe", "sortino", "max_drawdown", "exposure", "turnover", "trades", "dsr")
    view.add_column("strategy")
    for column in (*columns, "worst drawdown"):
        view.add_column(column, justify="right")
    for name, row in result.metrics.iterrows():
        dd = (
            f"{row['max_drawdown_peak'].date()}..{row['max_drawdown_trough'].date()}"
            if pd.notna(row["max_drawdown_peak"])
            else ""
        )
        view.add_row(
            str(name),
            _percent(row["cagr"]),
            _percent(row["volatility"]),
            cell(row["sharpe"]),
            cell(row["sortino"]),
            _percent(row["max_drawdown"]),
            numbers.percent(row["exposure"], 0),
            cell(row["turnover"]),
            str(int(row["trades"])),
            cell(row["dsr"]),
            dd,
        )
    out.print(view)
    if note:
        err.print(f"as of {day.date()}: {note}")


def _executor(
    kind: str,
    workers: int | None,
    scheduler: str | None,
    scheduler_file: Path | None,
    tls: tuple[Path | None, Path | None, Path | None],
) -> Executor:
    """The sweep's executor from the options; a plain-tcp scheduler off this machine gets a warning."""
    from riskcurve.masking import mask_url

    try:
        chosen = Executor(
            kind=kind,  # type: ignore[arg-type]
            workers=workers,
            scheduler=scheduler,
            scheduler_file=str(scheduler_file) if scheduler_file is not None else None,
            tls_ca_file=str(tls[0]) if tls[0] is not None else None,
            tls_cert=str(tls[1]) if tls[1] is not None else None,
            tls_key=str(tls[2]) if tls[2] is not None else None,
        )
    except ValueError as failure:
        raise typer.BadParameter(str(failure)) from None
    if scheduler and scheduler.startswith("tcp://") and not _on_this_machine(scheduler):
        err.print(
            f"warning: {mask_url(scheduler)} is plain tcp: anyone who reaches the scheduler can run code on the "
            "cluster; use a tls:// address with --tls-ca-file/--tls-cert/--tls-key (docs/sweeps.md)",
            markup=False,
            highlight=False,
        )
    return chosen


def _on_this_machine(address: str) -> bool:
    import ipaddress
    from urllib.parse import urlsplit

    host = urlsplit(address).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command("sweep", help=_SWEEP_HELP)
def sweep_command(
    grid: Annotated[str, typer.Option("--grid", "-g", help=_GRID_HELP)] = "ma-cross",
    assets: Annotated[
        str,
        typer.Option("--assets", help="Comma-separated assets to trade (price symbols, ALTS for the altcoin basket)."),
    ] = "BTC",
    lags: Annotated[str, typer.Option("--lags", help="Comma-separated execution lags in bars (each >= 1).")] = "1",
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="Grid values as key=v1,v2 or key=lo:hi (integers, inclusive); repeatable."),
    ] = None,
    cost_bp: Annotated[float, typer.Option("--cost-bp", help="Fee per side, basis points.")] = 10.0,
    slippage_bp: Annotated[float, typer.Option("--slippage-bp", help="Slippage per side, basis points.")] = 5.0,
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            help="local: processes on this machine (small sweeps run in this process on "
            "numba threads); dask: a dask.distributed cluster.",
        ),
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Dask scheduler address, e.g. tls://10.0.0.5:8786 (default: a LocalCluster started for the run).",
        ),
    ] = None,
    scheduler_file: Annotated[
        Path | None,
        typer.Option(
            "--scheduler-file",
            help="The file `dask scheduler --scheduler-file PATH` wrote: the scheduler's address is read from it.",
        ),
    ] = None,
    tls_ca_file: Annotated[
        Path | None, typer.Option("--tls-ca-file", help="TLS: the CA that signed the cluster's certificates (PEM).")
    ] = None,
    tls_cert: Annotated[Path | None, typer.Option("--tls-cert", help="TLS: this client's certificate (PEM).")] = None,
    tls_key: Annotated[Path | None, typer.Option("--tls-key", help="TLS: this client's private key (PEM).")] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Local processes, or LocalCluster workers (default: CPUs).")
    ] = None,
    snooping: Annotated[
        str, typer.Option("--snooping", help="Data-snooping test over the family: spa, rc or none.")
    ] = "spa",
    reps: Annotated[
        int,
        typer.Option(
            "--reps",
            callback=within(1, MAX_REPS),
            help=f"Bootstrap replications of the snooping test ({between(1, MAX_REPS)}).",
        ),
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the snooping bootstrap.")] = 0,
    walk_forward: Annotated[
        bool, typer.Option("--walk-forward/--no-walk-forward", help="Walk-forward selection out of sample.")
    ] = True,
    train_years: Annotated[float, typer.Option("--train-years", help="Walk-forward: in-sample years.")] = 3.0,
    test_years: Annotated[float, typer.Option("--test-years", help="Walk-forward: out-of-sample window, years.")] = 1.0,
    top: Annotated[int, typer.Option("--top", help="Rows shown (and in --json's top), best Sharpe first.")] = 10,
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    json_out: JsonOpt = False,
) -> None:
    spec = get_grid(grid)
    if executor not in EXECUTORS:
        raise typer.BadParameter(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if snooping not in ("spa", "rc", "none"):
        raise typer.BadParameter(f"--snooping must be spa, rc or none, got {snooping!r}")
    try:
        lag_values = tuple(int(x) for x in lags.split(",") if x.strip())
    except ValueError:
        raise typer.BadParameter(f"--lags {lags!r} must be comma-separated integers") from None
    if any(not 1 <= lag <= MAX_BARS for lag in lag_values):
        raise typer.BadParameter(f"--lags {lags!r}: each lag must be from 1 to {MAX_BARS} bars")
    asset_list = tuple(a.strip().upper() for a in assets.split(",") if a.strip())
    chosen = Sweep(
        grid=spec.name,
        assets=asset_list,
        lags=lag_values,
        parameters=spec.parse(_key_values(param)),
        cost_bp=cost_bp,
        slippage_bp=slippage_bp,
        snooping=None if snooping == "none" else snooping,  # type: ignore[arg-type]
        reps=reps,
        seed=seed,
        walk_forward=WalkForward(train_years=train_years, test_years=test_years) if walk_forward else None,
        executor=_executor(executor, workers, scheduler, scheduler_file, (tls_ca_file, tls_cert, tls_key)),
    )
    db, day, note = _open(store, as_of)
    with db, _progress(True) as progress:
        result = chosen.run(MarketData(db, as_of=day), progress=progress)
    if json_out:
        emit_json({"as_of": day.date().isoformat(), "note": note, **result.to_dict(top=top)})
        return
    s = result.settings
    best = result.best(top)
    params = list(s["signal_columns"])
    view = Table(
        title=f"sweep {result.grid}: {len(result.table):,} combinations, as of {day.date()}",
        caption=f"{result.definition}\ncosts {numbers.significant(s['cost_bp'])} + "
        f"{numbers.significant(s['slippage_bp'])} bp per side; "
        f"{s['bar_updates']:,} bar-updates in {numbers.decimal(s['seconds'])} s on {s['executor']}",
    )
    shown = [
        *params,
        "asset",
        "lag",
        "sharpe",
        "cagr",
        "max_drawdown",
        "trades",
        "excess_return",
        "p",
        "p_holm",
        "p_bh",
        "dsr",
    ]
    for column in shown:
        view.add_column(column, justify="left" if column in (*params, "asset") else "right")
    for _, row in best.iterrows():
        view.add_row(*[cell(row[c]) for c in shown])
    out.print(view)
    if result.snooping is not None:
        out.print(result.snooping.summary())
    if result.walk_forward is not None:
        m = result.walk_forward.metrics[["cagr", "sharpe", "max_drawdown"]].astype(float).to_dict("index")
        wf, bh = m["walk_forward"], m["buy_and_hold"]
        out.print(
            f"Walk-forward ({len(result.walk_forward.windows)} out-of-sample windows of "
            f"{numbers.significant(test_years)} y after {numbers.significant(train_years)} y): "
            f"CAGR {_percent(wf['cagr'])}, Sharpe {numbers.decimal(wf['sharpe'])}, max DD "
            f"{_percent(wf['max_drawdown'])} vs buy-and-hold CAGR {_percent(bh['cagr'])}, "
            f"Sharpe {numbers.decimal(bh['sharpe'])}, "
            f"max DD {_percent(bh['max_drawdown'])}"
        )
    if note:
        err.print(f"as of {day.date()}: {note}")
