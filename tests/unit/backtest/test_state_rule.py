"""The `state` rule: hold an asset while a condition on any series holds, written as for `study --when`."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from riskcurve.backtest.rules import backtest_rule, condition_holds, traded_prices
from riskcurve.data.panel import MarketData
from riskcurve.data.providers.base import Fetched
from riskcurve.data.schema import SeriesMeta
from riskcurve.data.store import Store
from riskcurve.data.symbols import lookup
from riskcurve.signals.states import parse_condition

FETCHED = pd.Timestamp("2024-06-01 12:00")
#: The Wednesday from whose H.4.1 level on Fed assets are USD 100 billion higher.
STEP_WEDNESDAY = pd.Timestamp("2023-03-01")


def _values(symbol: str, values: pd.Series) -> Fetched:
    frame = pd.DataFrame({"value": values.to_numpy(dtype=float)}, index=pd.DatetimeIndex(values.index, name="date"))
    return Fetched(symbol, "value", frame, "test", "unit", FETCHED)


def _prices(symbol: str, closes: pd.Series) -> Fetched:
    close = closes.to_numpy(dtype=float)
    frame = pd.DataFrame(
        {"open": close, "high": close, "low": close, "close": close, "volume": np.nan},
        index=pd.DatetimeIndex(closes.index, name="date"),
    )
    return Fetched(symbol, "price", frame, "test", "unit", FETCHED)


@pytest.fixture
def store() -> Iterator[Store]:
    """Fed assets flat at USD 8,000 bn, then 8,100 bn from the 2023-03-01 level; TGA and RRP constant; BTC +0.1%/day."""
    wednesdays = pd.date_range("2022-01-05", "2023-12-27", freq="W-WED")
    walcl = pd.Series(np.where(wednesdays >= STEP_WEDNESDAY, 8_100_000.0, 8_000_000.0), index=wednesdays)
    tga = pd.Series(500_000.0, index=wednesdays)
    rrp = pd.Series(2_000.0, index=pd.bdate_range("2022-01-03", "2023-12-29"))
    days = pd.date_range("2022-06-01", "2023-12-31")
    btc = pd.Series(100.0 * 1.001 ** np.arange(len(days)), index=days)
    meta = {s: SeriesMeta.from_spec(lookup(s)) for s in ("WALCL", "WTREGEN", "RRPONTSYD", "BTC")}
    with Store() as db:
        db.write(
            [_values("WALCL", walcl), _values("WTREGEN", tga), _values("RRPONTSYD", rrp), _prices("BTC", btc)], meta
        )
        yield db


def test_conditions_on_series_parse_one_way() -> None:
    netliq = parse_condition("NETLIQ.chg_13w>0")
    assert (netliq.signal, netliq.symbol, netliq.column, netliq.label) == (
        "series",
        "NETLIQ",
        "chg_13w",
        "NETLIQ.chg_13w>0",
    )
    assert parse_condition("series:netliq.chg_13w > 0") == netliq
    stored = parse_condition("series:DGS2<4")
    assert (stored.symbol, stored.column, stored.label) == ("DGS2", "level", "series:DGS2<4")
    assert parse_condition("ALTS.pct_4w>0").symbol == "ALTS"
    with pytest.raises(ValueError, match="name the series"):
        parse_condition("series>3")
    with pytest.raises(ValueError, match="NETLIQ is a series"):
        parse_condition("NETLIQ:BTC>0")


def test_the_state_holds_for_13_weeks_from_the_release_day(store: Store) -> None:
    data = MarketData(store, as_of="2023-12-31")
    state = condition_holds(data, "NETLIQ.chg_13w>0")
    # The Wednesday level is published on Thursday 2023-03-02; 13 weeks (91 days) later the change is 0 again.
    release = STEP_WEDNESDAY + pd.Timedelta(days=1)
    held = state.index[state > 0]
    pd.testing.assert_index_equal(held, pd.date_range(release, release + pd.Timedelta(days=90)), check_names=False)
    # NaN until the 13-week change is first known (WALCL's first release + 91 days), 0.0 after, never NaN again.
    first = state.first_valid_index()
    assert first == pd.Timestamp("2022-01-06") + pd.Timedelta(days=91)
    assert state.loc[first:].notna().all()


def test_backtest_of_the_state_rule_by_hand(store: Store) -> None:
    data = MarketData(store, as_of="2023-12-31")
    result = backtest_rule(data, "state", "BTC", parameters={"when": "NETLIQ.chg_13w>0"}, cost_bp=0.0, slippage_bp=0.0)
    trades = result.trades[result.trades["strategy"] == "state"]
    assert len(trades) == 1
    trade = trades.iloc[0]
    # Known at the end of Thursday 2023-03-02, bought at Friday's close; the last day it holds is
    # 2023-05-31, so it is sold at the close of 2023-06-02 (the bar after the first day it fails).
    assert trade["entry_date"] == pd.Timestamp("2023-03-03") and trade["exit_date"] == pd.Timestamp("2023-06-02")
    btc = data.close("BTC")
    assert trade["return"] == pytest.approx(btc["2023-06-02"] / btc["2023-03-03"] - 1.0, rel=1e-12)
    assert result.metrics.loc["state", "total_return"] == pytest.approx(trade["return"], rel=1e-12)
    # The backtest starts where both BTC and the state are known.
    assert result.settings["start"] == pd.Timestamp("2022-06-01")
    assert "when=NETLIQ.chg_13w>0" in result.definition


def test_the_state_has_no_look_ahead(store: Store) -> None:
    # Standing on an earlier day gives the same values up to that day, whatever was published later.
    late = condition_holds(MarketData(store, as_of="2023-12-31"), "NETLIQ.chg_13w>0")
    for day in ("2023-03-01", "2023-03-02", "2023-04-15"):
        early = condition_holds(MarketData(store, as_of=day), "NETLIQ.chg_13w>0")
        assert early.index[-1] == pd.Timestamp(day)
        pd.testing.assert_series_equal(early, late.loc[:day])
    # On the Wednesday itself the new level is not yet published: the state does not hold.
    assert late[STEP_WEDNESDAY] == 0.0


def test_macro_aggregates_are_refused_as_assets(store: Store) -> None:
    data = MarketData(store, as_of="2023-12-31")
    with pytest.raises(ValueError, match=r"asset NETLIQ cannot be traded: it is a macro aggregate") as refused:
        traded_prices(data, "netliq")
    assert "\n" not in str(refused.value)
    with pytest.raises(ValueError, match=r"asset WALCL is a value series, not a tradable price"):
        traded_prices(data, "WALCL")
    with pytest.raises(ValueError, match="cannot be traded"):
        backtest_rule(data, "state", "RESERVES")
