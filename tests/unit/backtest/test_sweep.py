"""The sweep kernel against the engine, executors against each other, the family tests against references."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from arch.bootstrap import SPA, optimal_block_length

from riskcurve.backtest.engine import Backtest
from riskcurve.backtest.executors import Executor
from riskcurve.backtest.rules import after_events, ma_cross
from riskcurve.backtest.sweep import (
    SNOOPING_BLOCK_SIZE_FROM,
    STAT_COLUMNS,
    WalkForward,
    combo_returns,
    evaluate,
    family_snooping,
    ma_cross_inputs,
    moving_averages,
    state_inputs,
    stats_table,
)
from riskcurve.backtest.sweep.run import _common_axis
from riskcurve.backtest.sweep.walkforward import _walk_forward

COST_BP, SLIPPAGE_BP = 10.0, 5.0


def _walk(n: int, seed: int, *, start: str = "2018-01-01", freq: str = "D", drift: float = 0.0005) -> pd.Series:
    rng = np.random.default_rng(seed)
    index = pd.date_range(start, periods=n, freq=freq, name="date")
    return pd.Series(100.0 * np.exp(np.cumsum(rng.normal(drift, 0.03, n))), index=index)


@pytest.fixture(scope="module")
def prices() -> dict[str, pd.Series]:
    # A crypto-like asset (every day) and an exchange-like one (weekdays), different lengths.
    return {"COIN": _walk(1_200, 1), "STOCK": _walk(700, 2, start="2019-03-01", freq="B", drift=0.0003)}


PAIRS = [(f, s) for f in range(2, 30, 3) for s in range(5, 80, 7) if f < s]


@pytest.fixture(scope="module")
def ma_inputs(prices: dict[str, pd.Series]):  # type: ignore[no-untyped-def]
    return ma_cross_inputs(prices, PAIRS, lags=(1, 3), cost_bp=COST_BP, slippage_bp=SLIPPAGE_BP, warmup=80)


def _engine(close: pd.Series, signal: pd.Series, start: pd.Timestamp, lag: int) -> pd.Series:
    result = Backtest(close, signal, cost_bp=COST_BP, slippage_bp=SLIPPAGE_BP, lag=lag, start=start, baselines={}).run()
    return result.metrics.loc["strategy"]


COMPARED = ("total_return", "cagr", "volatility", "sharpe", "sortino", "max_drawdown", "exposure", "turnover")


def _assert_same(row: pd.Series, expected: pd.Series) -> None:
    for column in COMPARED:
        assert row[column] == pytest.approx(expected[column], rel=1e-9, abs=1e-12), column
    assert int(row["trades"]) == int(expected["trades"])
    assert int(row["bars"]) == int(expected["bars"])
    for column in ("max_drawdown_peak", "max_drawdown_trough", "max_drawdown_recovery"):
        assert (pd.isna(row[column]) and pd.isna(expected[column])) or row[column] == expected[column], column


def test_moving_averages_equal_rolling_means() -> None:
    close = _walk(300, 3).to_numpy()
    ma = moving_averages(close, [1, 5, 50])
    for i, w in enumerate([1, 5, 50]):
        expected = pd.Series(close).rolling(w).mean().to_numpy()
        np.testing.assert_allclose(ma[i], expected, rtol=1e-12, equal_nan=True)


def test_kernel_equals_the_engine_for_sampled_crossings(prices: dict[str, pd.Series], ma_inputs) -> None:  # type: ignore[no-untyped-def]
    stats, _ = evaluate(ma_inputs, Executor(workers=1))
    table = stats_table(ma_inputs, stats)
    rng = np.random.default_rng(11)
    for k in rng.choice(ma_inputs.n_combos, size=12, replace=False):
        asset_i, fast_row, slow_row, lag = ma_inputs.combos[k]
        asset = ma_inputs.assets[asset_i]
        windows = np.unique(np.asarray(PAIRS))
        fast, slow = int(windows[fast_row]), int(windows[slow_row])
        close = prices[asset]
        start = close.index[ma_inputs.starts[asset_i]]
        expected = _engine(close, ma_cross(close, fast, slow), start, int(lag))
        _assert_same(table.iloc[k], expected)


def test_kernel_equals_the_engine_for_event_states_across_calendars(prices: dict[str, pd.Series]) -> None:
    # Signals on an exchange calendar and on every day, held after events, traded in both assets.
    days = pd.date_range("2017-06-01", "2022-12-31", freq="D")
    sessions = days[days.day_of_week < 5]
    events = pd.DatetimeIndex(["2018-05-04", "2019-06-07", "2019-06-21", "2020-02-14", "2020-11-13"])
    signals = [
        after_events(events, 30, sessions),
        after_events(events, 90, days),
        pd.Series(np.random.default_rng(4).random(len(sessions)) > 0.5, index=sessions),
    ]
    inputs = state_inputs(prices, signals, lags=(1, 2, 5), cost_bp=COST_BP, slippage_bp=SLIPPAGE_BP, warmup=20)
    stats, _ = evaluate(inputs, Executor(workers=1))
    table = stats_table(inputs, stats)
    for k in range(inputs.n_combos):
        asset_i, row, _, lag = inputs.combos[k]
        close = prices[inputs.assets[asset_i]]
        start = close.index[inputs.starts[asset_i]]
        _assert_same(table.iloc[k], _engine(close, signals[row], start, int(lag)))


def test_paths_agree_with_the_statistics(prices: dict[str, pd.Series], ma_inputs) -> None:  # type: ignore[no-untyped-def]
    stats, _ = evaluate(ma_inputs, Executor(workers=1))
    ids = [0, 7, ma_inputs.n_combos - 1]
    for k in ids:
        asset = ma_inputs.combos[k, 0]
        axis = ma_inputs.dates[asset][ma_inputs.starts[asset] :]
        r = combo_returns(ma_inputs, [k], axis)[k]
        d = combo_returns(ma_inputs, [k], axis, what="excess")[k]
        assert np.prod(1 + r.to_numpy()) == pytest.approx(stats[k, STAT_COLUMNS.index("wealth")], rel=1e-12)
        assert d.sum() == pytest.approx(stats[k, STAT_COLUMNS.index("sum_d")], rel=1e-9, abs=1e-12)
        position = combo_returns(ma_inputs, [k], axis, what="position")[k]
        assert position.diff().clip(lower=0).sum() == stats[k, STAT_COLUMNS.index("trades")]


def test_hac_t_statistic_matches_statsmodels(ma_inputs) -> None:  # type: ignore[no-untyped-def]
    stats, _ = evaluate(ma_inputs, Executor(workers=1))
    table = stats_table(ma_inputs, stats)
    for k in (3, 40):
        asset = ma_inputs.combos[k, 0]
        axis = ma_inputs.dates[asset][ma_inputs.starts[asset] :]
        d = combo_returns(ma_inputs, [k], axis, what="excess")[k].to_numpy()
        lags = int(ma_inputs.hac_lags[asset])
        fit = sm.OLS(d, np.ones(len(d))).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": False})
        assert table["t_hac"].iloc[k] == pytest.approx(float(fit.tvalues[0]), rel=1e-8)


def test_results_do_not_depend_on_chunking_or_executor(ma_inputs) -> None:  # type: ignore[no-untyped-def]
    windows = WalkForward(train_years=1.0, test_years=0.5)
    axis = ma_inputs.dates[0][ma_inputs.starts[0] :]
    window_ids, starts = windows.windows(axis)
    per_bar = np.full(len(ma_inputs.prices), -1)
    per_bar[ma_inputs.offsets[0] + ma_inputs.starts[0] : ma_inputs.offsets[1]] = window_ids
    inputs = ma_inputs.with_windows(per_bar, len(starts))
    reference = evaluate(inputs, Executor(workers=1))
    runs = {
        "one chunk per combination group, in process": evaluate(inputs, Executor(workers=1), chunks=7),
        "dask LocalCluster (threads)": evaluate(inputs, Executor("dask", workers=2, processes=False), chunks=5),
        "local processes": evaluate(inputs, Executor("local", workers=2), chunks=3),
    }
    for name, (stats, wins) in runs.items():
        assert np.array_equal(stats, reference[0], equal_nan=True), name
        assert np.array_equal(wins, reference[1]), name
    # The window sums add up to the whole sample of the combinations on the first asset.
    first_asset = inputs.combos[:, 0] == 0
    totals = reference[1][first_asset].sum(axis=1)
    np.testing.assert_allclose(totals[:, 1], reference[0][first_asset, STAT_COLUMNS.index("sum_r")], rtol=1e-9)


def _arch_pvalues(excess: pd.DataFrame, *, reps: int, block_size: int, seed: int) -> tuple[float, float, float]:
    # arch on losses: zero for the benchmark (holding the asset), minus the excess for each combination.
    reference = SPA(np.zeros(len(excess)), -excess.to_numpy(), block_size=block_size, reps=reps, seed=seed)
    reference.compute()
    return tuple(float(reference.pvalues[name]) for name in ("lower", "consistent", "upper"))  # type: ignore[return-value]


def test_family_snooping_is_arch_spa_on_the_excess_returns(ma_inputs) -> None:  # type: ignore[no-untyped-def]
    # Twelve combinations on one asset: the family's test must give arch's p-values exactly.
    inputs = ma_inputs
    keep = np.flatnonzero(inputs.combos[:, 0] == 0)[:12]
    small = type(inputs)(**{**inputs.__dict__, "combos": inputs.combos[keep]})
    axis = small.dates[0][small.starts[0] :]
    labels = [f"combo{i}" for i in range(small.n_combos)]
    ours = family_snooping(small, axis, labels=labels, method="spa", reps=300, block_size=7, seed=3)
    excess = combo_returns(small, range(small.n_combos), axis, what="excess")
    assert (ours.pvalue_lower, ours.pvalue_consistent, ours.pvalue_upper) == _arch_pvalues(
        excess, reps=300, block_size=7, seed=3
    )
    means = excess.mean()
    assert ours.best == labels[int(np.argmax(means.to_numpy()))]
    assert ours.best_mean == pytest.approx(means.max(), rel=1e-12)
    assert ours.n_models == 12 and ours.n_obs == len(axis)
    rc = family_snooping(small, axis, method="rc", reps=300, block_size=7, seed=3)
    assert rc.pvalue == rc.pvalue_upper == ours.pvalue_upper


def test_family_snooping_recentres_like_arch() -> None:
    # A steadily rising asset: staying out of it is clearly worse than holding it, so arch's
    # consistent p-value recentres those candidates and differs from the upper (Reality Check) one.
    close = _walk(900, 8, drift=0.004)
    rng = np.random.default_rng(9)
    signals = [pd.Series(rng.random(len(close)) < share, index=close.index) for share in (0.0, 0.05, 0.5, 0.9, 0.97)]
    signals.append(pd.Series(True, index=close.index))  # holding it, bar the entry cost: the best
    inputs = state_inputs({"UP": close}, signals, lags=(1, 2), cost_bp=COST_BP, slippage_bp=SLIPPAGE_BP)
    axis = inputs.dates[0]
    ours = family_snooping(inputs, axis, reps=400, block_size=5, seed=21)
    excess = combo_returns(inputs, range(inputs.n_combos), axis, what="excess")
    assert (ours.pvalue_lower, ours.pvalue_consistent, ours.pvalue_upper) == _arch_pvalues(
        excess, reps=400, block_size=5, seed=21
    )
    assert ours.pvalue_consistent < ours.pvalue_upper
    assert ours.best == str(int(np.argmax(excess.mean().to_numpy())))


def test_family_snooping_block_size_comes_from_the_best_combinations(ma_inputs) -> None:  # type: ignore[no-untyped-def]
    axis = _common_axis(ma_inputs)
    result = family_snooping(ma_inputs, axis, reps=20, seed=0)
    excess = combo_returns(ma_inputs, range(ma_inputs.n_combos), axis, what="excess")
    top = excess.iloc[:, np.argsort(-excess.mean().to_numpy(), kind="stable")[:SNOOPING_BLOCK_SIZE_FROM]]
    longest = optimal_block_length(top.to_numpy())["stationary"].max()
    assert ma_inputs.n_combos > SNOOPING_BLOCK_SIZE_FROM
    assert result.block_size == min(math.ceil(longest), len(axis) // 2)


def test_walk_forward_chooses_the_in_sample_best(ma_inputs) -> None:  # type: ignore[no-untyped-def]
    spec = WalkForward(train_years=1.0, test_years=0.5, min_bars=100)
    axis = ma_inputs.dates[0][ma_inputs.starts[0] :]
    window_ids, starts = spec.windows(axis)
    per_bar = np.full(len(ma_inputs.prices), -1)
    per_bar[ma_inputs.offsets[0] + ma_inputs.starts[0] : ma_inputs.offsets[1]] = window_ids
    only_first = np.flatnonzero(ma_inputs.combos[:, 0] == 0)
    inputs = type(ma_inputs)(
        **{**ma_inputs.with_windows(per_bar, len(starts)).__dict__, "combos": ma_inputs.combos[only_first]}
    )
    _, wins = evaluate(inputs, Executor(workers=1))
    labels = [str(k) for k in range(inputs.n_combos)]
    result = _walk_forward(inputs, wins, axis, window_ids, starts, spec, labels)
    assert result is not None
    returns = combo_returns(inputs, range(inputs.n_combos), axis)
    for _, row in result.windows.iterrows():
        before = returns.loc[: row["start"] - pd.Timedelta(days=1)]
        sharpe = before.mean() / before.std(ddof=1)
        assert int(row["combo"]) == int(np.nanargmax(sharpe.to_numpy()))
        assert row["in_sample_sharpe"] == pytest.approx(float(sharpe.max()), rel=1e-9)
    assert set(result.metrics.index) == {"walk_forward", "buy_and_hold"}


def test_state_inputs_read_signals_as_of_each_bar(prices: dict[str, pd.Series]) -> None:
    # A Friday signal is seen on the crypto asset's Saturday and Sunday bars.
    friday = pd.Timestamp("2019-03-08")
    signal = pd.Series([1.0, 0.0], index=pd.DatetimeIndex([friday, friday + pd.Timedelta(days=3)]))
    inputs = state_inputs(prices, [signal])
    coin = inputs.dates[0]
    row = inputs.states[0, inputs.offsets[0] : inputs.offsets[1]]
    on = coin[row.astype(bool)]
    assert list(on) == list(pd.date_range(friday, periods=3, freq="D"))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda p: ma_cross_inputs(p, [(5, 3)]), "fast < slow"),
        (lambda p: ma_cross_inputs(p, [(2, 5)], lags=(0,)), "lags must be integers >= 1"),
        (lambda p: ma_cross_inputs(p, [(2, 5)], warmup=5_000), "fewer than 3 bars"),
    ],
)
def test_bad_sweep_input(prices: dict[str, pd.Series], call, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=match):
        call(prices)


def test_kernel_survives_prices_without_trades(prices: dict[str, pd.Series]) -> None:
    never = pd.Series(False, index=prices["COIN"].index)
    inputs = state_inputs({"COIN": prices["COIN"]}, [never])
    stats, _ = evaluate(inputs)
    table = stats_table(inputs, stats)
    assert table["total_return"].iloc[0] == 0.0
    assert table["trades"].iloc[0] == 0
    assert math.isnan(table["sharpe"].iloc[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert table["max_drawdown"].iloc[0] == 0.0


def test_sweep_buy_and_hold_pays_the_backtests_costs(ma_inputs) -> None:  # type: ignore[no-untyped-def]
    # The sweep's buy-and-hold is the backtest's account holding the asset from the first
    # evaluated bar: one entry at (1 + slippage) * (1 + fee), as in Backtest's own baseline.
    from riskcurve.backtest.metrics import periods_per_year
    from riskcurve.backtest.sweep.run import _buy_hold

    for a in range(len(ma_inputs.assets)):
        close = ma_inputs.prices[ma_inputs.offsets[a] : ma_inputs.offsets[a + 1]]
        start = int(ma_inputs.starts[a])
        dates = ma_inputs.dates[a]
        total, _ = _buy_hold(ma_inputs, a, periods_per_year(dates[start:]))
        entry = (1 + SLIPPAGE_BP / 1e4) * (1 + COST_BP / 1e4)
        assert total == pytest.approx(close[-1] / close[start] / entry - 1, rel=1e-12)
        # The engine's always-long account over the same bars (its signal known a bar before).
        signal = pd.Series(1.0, index=dates)
        engine = Backtest(
            pd.Series(close, index=dates),
            signal,
            cost_bp=COST_BP,
            slippage_bp=SLIPPAGE_BP,
            start=dates[start],
            baselines={},
        ).run()
        assert engine.metrics.loc["buy_and_hold", "total_return"] == pytest.approx(total, rel=1e-12)


def test_walk_forward_buy_and_hold_pays_entry_and_switching_costs(ma_inputs) -> None:  # type: ignore[no-untyped-def]
    spec = WalkForward(train_years=1.0, test_years=0.5)
    axis = _common_axis(ma_inputs)
    window_ids, starts = spec.windows(axis)
    per_bar = np.full(len(ma_inputs.prices), -1)
    for a in range(len(ma_inputs.assets)):
        dates = ma_inputs.dates[a][ma_inputs.starts[a] :]
        at = axis.get_indexer(dates)
        per_bar[ma_inputs.offsets[a] + ma_inputs.starts[a] : ma_inputs.offsets[a + 1]] = np.where(
            at >= 0, window_ids[np.maximum(at, 0)], -1
        )
    inputs = ma_inputs.with_windows(per_bar, len(starts))
    _, wins = evaluate(inputs, Executor(workers=1))
    result = _walk_forward(inputs, wins, axis, window_ids, starts, spec, [str(k) for k in range(inputs.n_combos)])
    assert result is not None
    buy = (1 + SLIPPAGE_BP / 1e4) * (1 + COST_BP / 1e4)
    sell = (1 - SLIPPAGE_BP / 1e4) * (1 - COST_BP / 1e4)
    raw = {}
    for a, name in enumerate(inputs.assets):
        series = pd.Series(inputs.prices[inputs.offsets[a] : inputs.offsets[a + 1]], index=inputs.dates[a])
        raw[name] = (series / series.shift(1) - 1.0).reindex(axis).fillna(0.0)
    previous = None
    for _, row in result.windows.iterrows():
        asset = inputs.assets[inputs.combos[int(row["combo"]), 0]]
        gross = float(np.prod(1.0 + raw[asset].loc[row["start"] : row["end"]].to_numpy()))
        factor = 1 / buy if previous is None else (sell / buy if previous != asset else 1.0)
        assert row["buy_hold_return"] == pytest.approx(gross * factor - 1, rel=1e-9)
        previous = asset
