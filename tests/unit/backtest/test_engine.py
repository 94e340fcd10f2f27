"""The backtest engine against backtests computed by hand, to the cent."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from riskcurve.backtest.engine import (
    BUY_AND_HOLD,
    Backtest,
    SameBarExecutionWarning,
    align_to_bars,
    basket_prices,
    simulate,
)


def _series(values: list[float], start: str = "2024-01-01", freq: str = "D") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq=freq, name="date"), dtype=float)


def test_hand_computed_backtest_with_costs_and_next_bar_execution() -> None:
    # Six daily closes; the signal says "long" at the close of day 0, "flat" at day 1, "long"
    # again at day 3. With lag 1 the orders execute one bar later: buy at day 1's close, sell
    # at day 2's, buy at day 4's. Fee 10 bp on traded value, slippage 20 bp on the price.
    prices = _series([100, 110, 99, 105, 120, 126])
    signal = _series([1, 0, 0, 1, 1, 0])
    result = Backtest(prices, signal, cost_bp=10, slippage_bp=20, capital=10_000, baselines={}).run()

    # By hand:
    #   day 1: buy with all 10,000 at 110 * 1.002 = 110.22, fee 0.1% of value:
    #          units = 10,000 / (110.22 * 1.001) = 90.636998...; worth 90.636998 * 110 = 9,970.07
    #   day 2: sell at 99 * 0.998 = 98.802, minus 0.1%: 90.636998 * 98.802 * 0.999 = 8,946.16
    #   day 3: flat, cash 8,946.16
    #   day 4: buy at 120 * 1.002 = 120.24: units = 8,946.16 / (120.24 * 1.001) = 74.3282...;
    #          worth 74.3282 * 120 = 8,919.39
    #   day 5: 74.3282 * 126 = 9,365.35 (the day-4 signal says long; the day-5 "flat" would
    #          execute on day 6)
    equity = result.equity["strategy"].round(2).tolist()
    assert equity == [10_000.00, 9_970.07, 8_946.16, 8_946.16, 8_919.39, 9_365.35]
    assert result.positions["strategy"].tolist() == [0.0, 1.0, 0.0, 0.0, 1.0, 1.0]
    trades = result.trades[result.trades["strategy"] == "strategy"].reset_index(drop=True)
    assert trades["entry_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-02", "2024-01-05"]
    assert trades["exit_date"].dt.strftime("%Y-%m-%d").tolist()[:1] == ["2024-01-03"]
    assert bool(trades["open"].iloc[1]) and pd.isna(trades["exit_date"].iloc[1])
    assert trades["entry_price"].round(4).tolist() == [110.22, 120.24]
    assert trades["exit_price"].round(4).tolist()[0] == 98.802
    assert round(trades["return"].iloc[0], 6) == round(8_946.16162280833 / 10_000 - 1, 6)
    metrics = result.metrics.loc["strategy"]
    assert metrics["trades"] == 2
    assert round(metrics["total_return"], 6) == round(9_365.354908513391 / 10_000 - 1, 6)
    # Exposure: invested over the moves into day 2 and into day 5, i.e. 2 of 6 bars.
    assert metrics["exposure"] == pytest.approx(2 / 6)
    # Turnover: three orders of a full position over 5 calendar days, per year.
    assert metrics["turnover"] == pytest.approx(3 / (5 / 365.25))


def test_buy_and_hold_baseline_pays_one_entry_cost() -> None:
    prices = _series([100, 110, 99, 105, 120, 126])
    result = Backtest(prices, _series([0] * 6), cost_bp=10, slippage_bp=20, capital=10_000, baselines={}).run()
    held = result.equity[BUY_AND_HOLD]
    # The signal is known from day 0; with lag 1 an always-long strategy buys at day 1's close:
    # 10,000 / (110 * 1.002 * 1.001) units, then worth units * price.
    units = 10_000 / (110 * 1.002 * 1.001)
    assert held.round(2).tolist() == [10_000.0] + [round(units * p, 2) for p in [110, 99, 105, 120, 126]]
    assert result.equity["strategy"].eq(10_000).all()
    assert result.metrics.loc["strategy", "trades"] == 0
    assert result.metrics.loc[BUY_AND_HOLD, "trades"] == 1


@pytest.mark.parametrize("lag", [1, 2, 3])
def test_buy_and_hold_enters_on_the_same_bar_as_an_always_long_strategy(lag: int) -> None:
    # An always-long signal and buy-and-hold are the same account: same entry bar, same costs,
    # whatever the lag (before the fix buy-and-hold bought `lag` bars earlier).
    prices = _series([100, 110, 99, 105, 120, 126, 118, 130])
    signal = pd.Series(1.0, index=prices.index[2:])  # known from day 2 on
    result = Backtest(prices, signal, lag=lag, cost_bp=10, slippage_bp=20, capital=10_000, baselines={}).run()
    assert result.positions[BUY_AND_HOLD].tolist() == result.positions["strategy"].tolist()
    assert np.allclose(result.equity[BUY_AND_HOLD], result.equity["strategy"])
    assert result.positions[BUY_AND_HOLD].iloc[lag - 1] == 0.0 and result.positions[BUY_AND_HOLD].iloc[lag] == 1.0


def test_buy_and_hold_does_not_leave_the_market_when_the_signal_has_a_gap() -> None:
    prices = _series([100, 110, 99, 105, 120, 126])
    signal = _series([0, 1, np.nan, np.nan, 1, 0])
    result = Backtest(prices, signal, cost_bp=10, capital=10_000, baselines={}).run()
    assert result.positions[BUY_AND_HOLD].tolist() == [0.0, 1.0, 1.0, 1.0, 1.0, 1.0]


def test_exchange_day_signal_trades_on_the_first_crypto_bar_after_it_is_known() -> None:
    # Crypto closes every day, Thursday 4 January to Wednesday 10 January 2024.
    prices = _series([40_000, 41_000, 42_000, 40_500, 43_000, 44_000, 45_000], start="2024-01-04")
    # An exchange-day signal: known at the end of Thursday (off), Friday (on), Monday (off).
    signal = pd.Series(
        [0.0, 1.0, 0.0, 0.0], index=pd.DatetimeIndex(["2024-01-04", "2024-01-05", "2024-01-08", "2024-01-09"])
    )
    aligned = align_to_bars(signal, pd.DatetimeIndex(prices.index))
    # Friday's value holds over Saturday and Sunday.
    assert aligned.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    result = Backtest(prices, signal, cost_bp=10, slippage_bp=5, capital=10_000, baselines={}).run()
    # By hand: buy at Saturday's close (the first bar after Friday): 10,000 / (42,000 * 1.0005 * 1.001)
    # = 0.237738... BTC; worth 9,985.02 at 42,000, 9,628.41 at 40,500 (Sunday), 10,222.76 at
    # 43,000 (Monday); Monday's "off" sells at Tuesday's close: 0.237738 * 44,000 * 0.9995 * 0.999
    # = 10,444.81.
    assert result.equity["strategy"].round(2).tolist() == [
        10_000.00,
        10_000.00,
        9_985.02,
        9_628.41,
        10_222.76,
        10_444.81,
        10_444.81,
    ]
    trade = result.trades[result.trades["strategy"] == "strategy"].iloc[0]
    assert trade["entry_date"] == pd.Timestamp("2024-01-06")  # Saturday
    assert trade["exit_date"] == pd.Timestamp("2024-01-09")  # Tuesday


def test_a_crypto_signal_on_an_exchange_asset_waits_for_the_next_session() -> None:
    # Sessions Friday 5 and Monday 8 January; a crypto signal switches on on Saturday.
    prices = pd.Series([100.0, 101.0, 102.0], index=pd.DatetimeIndex(["2024-01-05", "2024-01-08", "2024-01-09"]))
    signal = _series([0, 1, 1, 1, 1], start="2024-01-05")
    result = Backtest(prices, signal, cost_bp=0, baselines={}).run()
    # Read as of each session: Friday 0, Monday 1 (Saturday's value, known since Saturday);
    # traded one session later, at Tuesday's close.
    assert result.positions["strategy"].tolist() == [0.0, 0.0, 1.0]


def test_fractional_weight_to_the_cent() -> None:
    prices = _series([100, 120, 90])
    signal = _series([0.5, 0.5, 0.5])
    result = Backtest(prices, signal, cost_bp=10, slippage_bp=0, capital=10_000, baselines={}).run()
    # Day 1: hold half of the account: spend X with (X / 1.001) / (10,000 - X + X / 1.001) = 0.5
    # -> X = 5,002.4988...; holding 4,997.5012 at 120, units 41.6458...; equity 9,995.00.
    # Day 2: units worth 41.6458 * 90 = 3,748.13, plus cash 4,997.50 = 8,745.63 (no
    # re-balancing while the target is unchanged).
    spend = 5_000 / (0.5 / 1.001 + 0.5)
    units = spend / 1.001 / 120
    expected = [10_000.0, 10_000 - spend + units * 120, 10_000 - spend + units * 90]
    assert [round(v, 2) for v in expected] == [10_000.00, 9_995.00, 8_745.63]
    assert result.equity["strategy"].round(2).tolist() == [10_000.00, 9_995.00, 8_745.63]
    assert result.positions["strategy"].iloc[1] == pytest.approx(0.5)


def test_same_bar_execution_is_loud() -> None:
    prices = _series([100, 110, 99])
    with pytest.warns(SameBarExecutionWarning, match="look-ahead"):
        result = Backtest(prices, _series([1, 1, 0]), lag=0, cost_bp=0, baselines={}).run()
    assert result.positions["strategy"].tolist() == [1.0, 1.0, 0.0]
    assert "same-bar" in result.settings["execution"]


def test_default_lag_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Backtest(_series([100, 110, 99]), _series([1, 1, 0]), baselines={}).run()


def test_halving_baseline_is_included_by_default() -> None:
    prices = _series(list(np.linspace(100, 200, 60)), start="2024-03-01")
    result = Backtest(prices, _series([1] * 60, start="2024-03-01")).run()
    assert list(result.metrics.index) == ["strategy", BUY_AND_HOLD, "halving_cycle"]
    # The 2024 halving (20 April): long from the next day's close on.
    position = result.positions["halving_cycle"]
    assert position.loc[:"2024-04-20"].eq(0).all()
    assert position.loc["2024-04-21":].eq(1).all()


def test_window_defaults_to_where_the_signal_is_known() -> None:
    prices = _series([100, 101, 102, 103, 104])
    signal = _series([1, 1, 1], start="2024-01-03")
    result = Backtest(prices, signal, baselines={}).run()
    assert result.equity.index[0] == pd.Timestamp("2024-01-03")
    assert result.settings["start"] == pd.Timestamp("2024-01-03")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"signal": _series([0, 2, 0])}, ValueError, r"signal must be a long/flat weight in \[0, 1\]"),
        ({"prices": _series([100, -1, 99])}, ValueError, "positive finite closes"),
        ({"prices": [1, 2, 3]}, TypeError, "prices must be a pandas Series"),
        ({"cost_bp": -1}, ValueError, "cost_bp must be in"),
        ({"lag": -1}, ValueError, "lag must be an integer >= 0"),
        ({"name": "buy_and_hold"}, ValueError, "name must be"),
        ({"n_trials": 5}, ValueError, "together"),
        ({"baselines": {"strategy": _series([1, 1, 1])}}, ValueError, "is taken"),
    ],
)
def test_bad_input_names_the_argument(kwargs: dict, error: type[Exception], match: str) -> None:
    arguments = {"prices": _series([100, 110, 99]), "signal": _series([1, 1, 0]), "baselines": {}, **kwargs}
    with pytest.raises(error, match=match):
        Backtest(**arguments)


def test_basket_prices_reweights_when_members_join() -> None:
    closes = pd.DataFrame(
        {"A": [100.0, 110.0, 121.0, 121.0], "B": [np.nan, 50.0, 45.0, 54.0]},
        index=pd.date_range("2024-01-01", periods=4, freq="D"),
    )
    basket = basket_prices(closes)
    # Day 1: only A has a return (+10%); day 2: A +10%, B -10% -> 0%; day 3: A 0%, B +20% -> +10%.
    assert basket.round(6).tolist() == [100.0, 110.0, 110.0, 121.0]
    weighted = basket_prices(closes, {"A": 3, "B": 1})
    # Day 2 with weights 3:1: 0.75 * 10% + 0.25 * -10% = +5%.
    assert weighted.round(6).tolist()[:3] == [100.0, 110.0, 115.5]
    with pytest.raises(ValueError, match="members without closes"):
        basket_prices(closes, {"C": 1})


def test_simulate_never_goes_below_zero_cash() -> None:
    prices = np.array([100.0, 50.0, 200.0, 10.0])
    sim = simulate(prices, np.array([1.0, 0.0, 1.0, 1.0]), cost=0.01, slippage=0.01, capital=1_000.0)
    assert (sim.equity > 0).all()
    assert sim.weight.tolist()[1] == 0.0


def test_result_serialises_to_json_types() -> None:
    import json

    result = Backtest(_series([100, 110, 99, 105]), _series([1, 0, 1, 1]), baselines={}).run()
    payload = result.to_dict(curves=True)
    text = json.dumps(payload, allow_nan=False)
    assert '"buy_and_hold"' in text
    assert payload["equity"][0]["date"] == "2024-01-01"
    assert set(payload["metrics"]["strategy"]) >= {"cagr", "sharpe", "max_drawdown", "dsr", "exposure", "turnover"}
    assert "strategy" in result.summary()
