"""The sweep itself: :class:`Sweep` (the spec) reads the data, evaluates the grid and tests the family,
giving a :class:`SweepResult`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numba
import numpy as np
import pandas as pd

from riskcurve import numbers
from riskcurve._typing import DateLike
from riskcurve.backtest.executors import Executor
from riskcurve.backtest.metrics import performance, periods_per_year
from riskcurve.backtest.rules import traded_prices
from riskcurve.backtest.sweep.evaluation import _axis_map, _inline, evaluate
from riskcurve.backtest.sweep.grids import get_grid
from riskcurve.backtest.sweep.inference import _deflated, family_snooping, stats_table
from riskcurve.backtest.sweep.inputs import KernelInputs, _check_lags, ma_cross_inputs, state_inputs
from riskcurve.backtest.sweep.walkforward import WalkForward, WalkForwardResult, _walk_forward
from riskcurve.data.panel import MarketData

if TYPE_CHECKING:
    from riskcurve.stats.multiple_testing import SnoopingResult

__all__ = ["Sweep", "SweepResult"]


def _common_axis(inputs: KernelInputs) -> pd.DatetimeIndex:
    first = max(d[s] for d, s in zip(inputs.dates, inputs.starts, strict=True))
    last = min(d[-1] for d in inputs.dates)
    axis = pd.DatetimeIndex([])
    for d in inputs.dates:
        axis = axis.union(d[(d >= first) & (d <= last)])
    return axis.rename("date")


def _buy_hold(inputs: KernelInputs, asset: int, per_year: float) -> tuple[float, float]:
    """Total return and Sharpe of holding one asset over its evaluated bars, costs included.

    The same account as the backtest's buy-and-hold (:func:`riskcurve.backtest.engine.simulate`
    with the sweep's fee and slippage): bought at the close of the first evaluated bar, the bar
    from which every combination can hold it, and never sold.
    """
    from riskcurve.backtest.engine import simulate

    close = inputs.prices[inputs.offsets[asset] : inputs.offsets[asset + 1]][inputs.starts[asset] :]
    sim = simulate(close, np.ones(len(close)), cost=inputs.cost, slippage=inputs.slippage, capital=1.0)
    previous = np.concatenate([[1.0], sim.equity[:-1]])
    returns = pd.Series(sim.equity / previous - 1.0, index=inputs.dates[asset][inputs.starts[asset] :])
    perf = performance(returns, periods=per_year)
    return float(perf["total_return"]), float(perf["sharpe"])


@dataclass(frozen=True)
class SweepResult:
    """What a :class:`Sweep` produced.

    Attributes
    ----------
    grid, definition
        The grid's name and rule.
    table
        One row per combination: the grid's parameters, ``asset``, ``lag``, ``label``, the
        metrics (``start``, ``end``, ``bars``, ``total_return``, ``cagr``, ``volatility``,
        ``sharpe``, ``sortino``, ``max_drawdown`` and its ``_peak``/``_trough``/``_recovery``
        dates, ``exposure``, ``turnover``, ``trades``), ``buy_hold_total_return`` and
        ``buy_hold_sharpe`` of the asset, ``excess_return`` (annualised mean excess over
        buy-and-hold), ``t_hac``, ``p`` (one-sided: beats buy-and-hold), ``p_holm``,
        ``p_bh``, ``dsr`` (deflated Sharpe ratio with the whole family as trials).
    snooping
        The data-snooping test over the family (``None`` if not asked for).
    walk_forward
        The walk-forward selection's out-of-sample record (``None`` if not asked for or the
        common sample is too short).
    settings
        Costs, lags, assets, warm-up, common sample, executor, timings.
    """

    grid: str
    definition: str
    table: pd.DataFrame
    snooping: SnoopingResult | None
    walk_forward: WalkForwardResult | None
    settings: Mapping[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """The tidy table."""
        return self.table.copy()

    def best(self, n: int = 10, by: str = "sharpe") -> pd.DataFrame:
        """The ``n`` best rows by ``by`` (descending; ties by combination number)."""
        if by not in self.table.columns:
            raise ValueError(f"by must be a column of the table, got {by!r}")
        return self.table.sort_values(by, ascending=False, kind="stable").head(n)

    def summary(self) -> str:
        """A few lines in words."""
        s = self.settings
        best = self.best(1).iloc[0]
        lines = [
            f"sweep {self.grid}: {len(self.table):,} combinations ({s['signals']} definitions x {len(s['lags'])} lags "
            f"x {len(s['assets'])} assets) in {numbers.decimal(s['seconds'], 2)} s on {s['executor']}",
            f"best by Sharpe: {best['label']}: Sharpe {numbers.score(best['sharpe'], 2)}, "
            f"CAGR {numbers.percent(best['cagr'], 1, signed=True)}, max DD {numbers.percent(best['max_drawdown'], 1)}, "
            f"p {numbers.p_value(best['p'])} (Holm {numbers.p_value(best['p_holm'])}), "
            f"DSR {numbers.score(best['dsr'], 2)}",
        ]
        if self.snooping is not None:
            lines.append(self.snooping.summary())
        if self.walk_forward is not None:
            m = self.walk_forward.metrics[["cagr", "sharpe"]].astype(float).to_dict("index")
            wf, bh = m["walk_forward"], m["buy_and_hold"]
            lines.append(
                f"walk-forward out of sample ({len(self.walk_forward.windows)} windows): "
                f"CAGR {numbers.percent(wf['cagr'], 1, signed=True)} Sharpe {numbers.score(wf['sharpe'], 2)} "
                f"vs buy-and-hold CAGR {numbers.percent(bh['cagr'], 1, signed=True)} "
                f"Sharpe {numbers.score(bh['sharpe'], 2)}"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from riskcurve._display import columns, result_html

        wanted = ("label", "sharpe", "cagr", "max_drawdown", "trades", "p", "p_holm", "dsr")
        return result_html(
            f"Sweep {self.grid}: {len(self.table):,} combinations (best 10 by Sharpe)",
            verdict=self.definition,
            table=columns(self.best(10), wanted).reset_index(drop=True),
            summary=self.summary(),
        )

    def to_dict(self, *, top: int = 20) -> dict[str, Any]:
        """JSON-ready fields: the ``riskcurve sweep --json`` schema.

        Keys: ``grid``, ``definition``, ``settings``, ``combinations``, ``top`` (the ``top``
        best rows by Sharpe, every table column), ``family`` (how many rows have p, p_holm and
        p_bh below 0.05), ``snooping`` (``SnoopingResult.to_dict()`` or null) and
        ``walk_forward`` (``settings``, ``windows``, ``metrics``; or null).
        """

        def clean(value: Any) -> Any:
            if isinstance(value, pd.Timestamp):
                return None if pd.isna(value) else value.date().isoformat()
            if value is pd.NaT or value is None:
                return None
            if isinstance(value, np.generic):
                value = value.item()
            if isinstance(value, float) and not math.isfinite(value):
                return None
            if isinstance(value, tuple | list):
                return [clean(v) for v in value]
            return value

        def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [{str(k): clean(v) for k, v in r.items()} for r in frame.to_dict("records")]

        wf = None
        if self.walk_forward is not None:
            metrics = self.walk_forward.metrics.reset_index()
            wf = {
                "settings": {k: clean(v) for k, v in self.walk_forward.settings.items()},
                "windows": rows(self.walk_forward.windows),
                "metrics": {
                    str(r["strategy"]): {k: clean(v) for k, v in r.items() if k != "strategy"}
                    for r in metrics.to_dict("records")
                },
            }
        return {
            "grid": self.grid,
            "definition": self.definition,
            "settings": {k: clean(v) for k, v in self.settings.items()},
            "combinations": len(self.table),
            "top": rows(self.best(top)),
            "family": {
                "size": int(self.table["p"].notna().sum()),
                "p_below_0.05": int((self.table["p"] < 0.05).sum()),
                "p_holm_below_0.05": int((self.table["p_holm"] < 0.05).sum()),
                "p_bh_below_0.05": int((self.table["p_bh"] < 0.05).sum()),
            },
            "snooping": self.snooping.to_dict() if self.snooping is not None else None,
            "walk_forward": wf,
        }


@dataclass(frozen=True)
class Sweep:
    """A parameter sweep: a grid of definitions x lags x assets, with honest statistics.

    Parameters
    ----------
    grid
        A name of :data:`GRIDS`: ``"ma-cross"``, ``"breakout"`` or ``"cascade"``.
    assets
        Traded assets (:func:`~riskcurve.backtest.rules.traded_prices`: symbols, ``"ALTS"``,
        baskets).
    lags
        Execution lags (bars from the signal's bar to the trade's close), each >= 1.
    parameters
        Value lists replacing the grid's defaults, by parameter.
    cost_bp, slippage_bp
        Per side, basis points.
    warmup
        Bars at each asset's start not evaluated; default the grid's longest lookback.
    start
        First date evaluated (with ``warmup``, whichever is later).
    snooping
        ``"spa"`` (default), ``"rc"`` or ``None``.
    reps, block_size, seed
        Of the snooping test's bootstrap; ``seed`` makes it reproducible.
    walk_forward
        Walk-forward settings, or ``None`` to skip.
    executor
        Where the chunks run.
    """

    grid: str = "ma-cross"
    assets: tuple[str, ...] = ("BTC",)
    lags: tuple[int, ...] = (1,)
    parameters: Mapping[str, Sequence[Any]] | None = None
    cost_bp: float = 10.0
    slippage_bp: float = 5.0
    warmup: int | None = None
    start: DateLike | None = None
    snooping: Literal["spa", "rc"] | None = "spa"
    reps: int = 1000
    block_size: int | None = None
    seed: int | np.random.Generator | None = 0
    walk_forward: WalkForward | None = field(default_factory=WalkForward)
    executor: Executor = field(default_factory=Executor)

    def __post_init__(self) -> None:
        spec = get_grid(self.grid)
        if isinstance(self.assets, str) or not self.assets:
            raise ValueError("assets must be a non-empty sequence of asset names, e.g. ('BTC', 'ETH', 'ALTS')")
        _check_lags(self.lags)
        if self.parameters is not None:
            unknown = sorted(set(self.parameters) - set(spec.defaults))
            if unknown:
                raise ValueError(
                    f"grid {spec.name!r} has no parameter(s) {', '.join(unknown)} "
                    f"(it takes: {', '.join(spec.defaults)})"
                )
        if self.snooping not in (None, "spa", "rc"):
            raise ValueError(f"snooping must be 'spa', 'rc' or None, got {self.snooping!r}")
        from riskcurve.backtest.engine import check_basis_points

        check_basis_points("cost_bp", self.cost_bp)
        check_basis_points("slippage_bp", self.slippage_bp)
        if isinstance(self.reps, bool) or not isinstance(self.reps, int) or self.reps < 1:
            raise ValueError(f"reps must be a positive integer, got {self.reps!r}")
        if self.walk_forward is not None and not isinstance(self.walk_forward, WalkForward):
            raise TypeError(f"walk_forward must be a WalkForward or None, got {type(self.walk_forward).__name__}")
        if not isinstance(self.executor, Executor):
            raise TypeError(f"executor must be an Executor, got {type(self.executor).__name__}")
        if self.warmup is not None and (
            isinstance(self.warmup, bool) or not isinstance(self.warmup, int) or self.warmup < 0
        ):
            raise ValueError(f"warmup must be a non-negative integer or None, got {self.warmup!r}")

    def run(self, data: MarketData, *, progress: Callable[[str, int, int], None] | None = None) -> SweepResult:
        """Read the data, evaluate every combination, and test the family.

        Parameters
        ----------
        data
            Point-in-time view of the store.
        progress
            ``progress(stage, done, total)`` for ``"signals"``, ``"sweep"``, ``"snooping"``.
        """
        import time

        spec = get_grid(self.grid)
        values = {k: tuple(v) for k, v in {**spec.defaults, **(self.parameters or {})}.items()}
        prices = {asset.upper(): traded_prices(data, asset) for asset in self.assets}
        if len(prices) != len(self.assets):
            raise ValueError(f"assets has duplicates: {list(self.assets)}")
        if progress:
            progress("signals", 0, 1)
        signals = spec.build(data, prices, values)
        if progress:
            progress("signals", 1, 1)
        warmup = spec.warmup(values) if self.warmup is None else int(self.warmup)
        if signals.pairs is not None:
            inputs = ma_cross_inputs(
                prices,
                signals.pairs,
                lags=self.lags,
                cost_bp=self.cost_bp,
                slippage_bp=self.slippage_bp,
                warmup=warmup,
                start=self.start,
            )
        else:
            inputs = state_inputs(
                prices,
                signals.states or [],
                lags=self.lags,
                cost_bp=self.cost_bp,
                slippage_bp=self.slippage_bp,
                warmup=warmup,
                start=self.start,
            )
        axis = _common_axis(inputs)
        window_ids = np.full(len(axis), -1, dtype=np.int64)
        window_starts = pd.DatetimeIndex([])
        if self.walk_forward is not None and len(axis) > 1:
            window_ids, window_starts = self.walk_forward.windows(axis)
            per_bar = _axis_map(inputs, axis)
            inputs = inputs.with_windows(
                np.where(per_bar >= 0, window_ids[np.maximum(per_bar, 0)], -1), len(window_starts)
            )
        began = time.perf_counter()
        stats, wins = evaluate(
            inputs, self.executor, progress=(lambda d, t: progress("sweep", d, t)) if progress else None
        )
        seconds = time.perf_counter() - began

        combos = inputs.combos
        n_rows = len(signals.parameters)
        definition_row = np.tile(np.repeat(np.arange(n_rows), len(self.lags)), len(inputs.assets))
        table = signals.parameters.iloc[definition_row].reset_index(drop=True)
        table.insert(len(table.columns), "asset", np.asarray(inputs.assets, dtype=object)[combos[:, 0]])
        table.insert(len(table.columns), "lag", combos[:, 3])
        params = list(signals.parameters.columns)
        table.insert(
            len(table.columns),
            "label",
            [
                " ".join(f"{k}={v}" for k, v in zip([*params, "asset", "lag"], row, strict=True))
                for row in table[[*params, "asset", "lag"]].itertuples(index=False)
            ],
        )
        per_year = np.array([periods_per_year(d) for d in inputs.dates])
        metrics = stats_table(inputs, stats, per_year)
        buy_hold = {a: _buy_hold(inputs, i, per_year[i]) for i, a in enumerate(inputs.assets)}
        table = pd.concat([table, metrics], axis=1)
        table["buy_hold_total_return"] = [buy_hold[a][0] for a in table["asset"]]
        table["buy_hold_sharpe"] = [buy_hold[a][1] for a in table["asset"]]
        from riskcurve.stats.multiple_testing import family_table

        table = family_table(table, p_column="p")
        table["dsr"] = _deflated(table)
        table.index.name = "combo"

        snooping = None
        if self.snooping is not None and len(axis) >= 20:
            if progress:
                progress("snooping", 0, 1)
            snooping = family_snooping(
                inputs,
                axis,
                labels=list(table["label"]),
                method=self.snooping,
                reps=self.reps,
                block_size=self.block_size,
                seed=self.seed,
            )
            if progress:
                progress("snooping", 1, 1)
        walk = None
        if self.walk_forward is not None and len(window_starts):
            walk = _walk_forward(inputs, wins, axis, window_ids, window_starts, self.walk_forward, list(table["label"]))
        return SweepResult(
            grid=spec.name,
            definition=spec.definition,
            table=table,
            snooping=snooping,
            walk_forward=walk,
            settings={
                "as_of": data.as_of,
                "assets": list(inputs.assets),
                "lags": list(self.lags),
                "parameters": {k: list(v) for k, v in values.items()},
                "signals": n_rows,
                "signal_columns": params,
                "cost_bp": float(self.cost_bp),
                "slippage_bp": float(self.slippage_bp),
                "warmup": warmup,
                "common_start": axis[0] if len(axis) else pd.NaT,
                "common_end": axis[-1] if len(axis) else pd.NaT,
                "executor": (
                    f"this process ({numba.get_num_threads()} numba threads)"
                    if _inline(self.executor, inputs.work)
                    else self.executor.describe()
                ),
                "seconds": seconds,
                "bar_updates": inputs.work,
            },
        )
