"""Altcoin season: basket membership, share beating BTC, ETH/BTC trend, events."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskcurve.data.calendar import daily_index
from riskcurve.data.store import Store
from riskcurve.data.symbols import ALTCOINS
from riskcurve.signals.altseason import altseason, altseason_events, basket_composition, basket_index

DAYS = daily_index("2020-01-01", "2020-12-31")


def _growth(rate: float, days: pd.DatetimeIndex = DAYS) -> np.ndarray:
    return 100.0 * np.exp(rate * np.arange(len(days)))


def _panel(rates: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({name: _growth(rate) for name, rate in rates.items()}, index=DAYS)


def test_all_alts_beating_btc_is_altseason() -> None:
    closes = _panel({"BTC": 0.001, "ETH": 0.003, "A": 0.002, "B": 0.002, "C": 0.002, "D": 0.002})
    frame = altseason(closes, window=30)
    assert list(frame.columns) == ["members", "beating", "share", "altseason", "eth_btc", "eth_btc_trend"]
    assert (frame["members"].iloc[:30] == 0).all()
    assert frame["share"].iloc[:30].isna().all()
    assert not frame["altseason"].iloc[:30].any()
    assert (frame["members"].iloc[30:] == 5).all()
    assert (frame["share"].iloc[30:] == 1.0).all()
    assert frame["altseason"].iloc[30:].all()


def test_threshold_is_inclusive_and_min_members_applies() -> None:
    rates = {"BTC": 0.001, "A": 0.002, "B": 0.002, "C": 0.002, "D": 0.0}
    closes = _panel(rates)
    frame = altseason(closes, window=30, threshold=0.75, min_members=4)
    assert (frame["share"].iloc[30:] == 0.75).all()
    assert frame["altseason"].iloc[30:].all()
    assert not altseason(closes, window=30, min_members=5)["altseason"].any()
    assert not altseason(closes, window=30, threshold=0.8, min_members=4)["altseason"].any()


def test_coins_join_only_after_a_full_window() -> None:
    closes = _panel({"BTC": 0.001, "OLD": 0.002, "NEW": 0.002})
    closes.loc[:"2020-03-31", "NEW"] = np.nan  # listed on 2020-04-01
    frame = altseason(closes, window=30, min_members=1)
    assert frame.loc["2020-04-30", "members"] == 1
    assert frame.loc["2020-05-01", "members"] == 2
    assert basket_composition(closes, 30, "2020-04-30") == ["OLD"]
    assert basket_composition(closes, 30, "2020-05-01") == ["OLD", "NEW"]


def test_a_gap_removes_the_coin_without_filling() -> None:
    closes = _panel({"BTC": 0.001, "A": 0.002})
    closes.loc["2020-06-10":"2020-06-20", "A"] = np.nan
    frame = altseason(closes, window=30, min_members=1)
    assert frame.loc["2020-06-15", "members"] == 0  # no close today
    assert frame.loc["2020-07-15", "members"] == 0  # no close 30 days ago
    assert frame.loc["2020-07-21", "members"] == 1


def test_missing_calendar_rows_are_not_shifted_over() -> None:
    closes = _panel({"BTC": 0.001, "A": 0.002})
    dropped = closes.drop(pd.Timestamp("2020-05-01"))
    frame = altseason(dropped, window=30, min_members=1)
    assert frame.loc["2020-05-31", "members"] == 0  # its 30-days-ago row is absent
    assert frame.loc["2020-06-01", "members"] == 1


def test_missing_base_return_gives_no_share() -> None:
    closes = _panel({"BTC": 0.001, "A": 0.002})
    closes.loc["2020-06-01", "BTC"] = np.nan
    row = altseason(closes, window=30, min_members=1).loc["2020-06-01"]
    assert row["members"] == 1 and row["beating"] == 0
    assert np.isnan(row["share"]) and not row["altseason"]


def test_eth_btc_ratio_and_trend() -> None:
    closes = _panel({"BTC": 0.001, "ETH": 0.002, "A": 0.0})
    frame = altseason(closes, window=30, trend_window=50)
    assert frame["eth_btc"].to_numpy() == pytest.approx(np.exp(0.001 * np.arange(len(DAYS))))
    assert not frame["eth_btc_trend"].iloc[:49].any()  # mean needs 50 days
    assert frame["eth_btc_trend"].iloc[49:].all()  # a rising ratio is above its mean
    falling = altseason(_panel({"BTC": 0.002, "ETH": 0.001, "A": 0.0}), window=30)
    assert not falling["eth_btc_trend"].any()
    no_eth = altseason(_panel({"BTC": 0.001, "A": 0.0}), window=30)
    assert no_eth["eth_btc"].isna().all() and not no_eth["eth_btc_trend"].any()


def test_basket_argument() -> None:
    closes = _panel({"BTC": 0.001, "ETH": 0.0, "A": 0.002})
    assert altseason(closes, window=30)["members"].iloc[-1] == 2
    only_alts = altseason(closes, window=30, basket=["A"], min_members=1)
    assert only_alts["members"].iloc[-1] == 1 and only_alts["altseason"].iloc[-1]
    with pytest.raises(ValueError, match="missing"):
        altseason(closes, basket=["ZZZ"])
    with pytest.raises(ValueError, match="base"):
        altseason(closes, basket=["BTC", "A"])


def test_bad_input() -> None:
    closes = _panel({"BTC": 0.001, "A": 0.002})
    with pytest.raises(ValueError, match="base 'XBT'"):
        altseason(closes, base="XBT")
    with pytest.raises(ValueError, match="threshold"):
        altseason(closes, threshold=1.5)
    with pytest.raises(ValueError, match="window"):
        altseason(closes, window=0)
    with pytest.raises(ValueError, match="positive"):
        altseason(closes - 1_000)
    with pytest.raises(TypeError, match="DataFrame"):
        altseason(closes["BTC"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not in closes"):
        basket_composition(closes, 30, "2031-01-01")


def test_events_are_declustered_onsets() -> None:
    rates = {"BTC": 0.0, "A": 0.0, "B": 0.0, "C": 0.0, "D": 0.0, "E": 0.0}
    closes = _panel(rates)
    # Alts jump above BTC on two nearby occasions, then once much later.
    for start, end in (("2020-03-01", "2020-03-05"), ("2020-03-20", "2020-03-25"), ("2020-09-01", "2020-09-05")):
        closes.loc[start:end, ["A", "B", "C", "D", "E"]] *= 2
    events = altseason_events(closes, window=10, cooldown=60)
    assert list(events) == [pd.Timestamp("2020-03-01"), pd.Timestamp("2020-09-01")]
    assert len(altseason_events(closes, window=10, cooldown=0)) == 3


def _snapshot_closes(store: Store) -> pd.DataFrame:
    names = ["BTC", "ETH", *ALTCOINS]
    closes = pd.DataFrame({name: store.prices(name)["close"] for name in names})
    return closes.reindex(daily_index(closes.index.min(), closes.index.max()))


def test_snapshot_basket_on_2018_01_01(filled_store: Store) -> None:
    closes = _snapshot_closes(filled_store)
    basket = basket_composition(closes, 90, "2018-01-01")
    for absent in ("SOL", "AVAX", "DOT"):  # did not exist yet
        assert absent not in basket
    for present in ("ETH", "XRP", "LTC", "DOGE"):
        assert present in basket
    frame = altseason(closes)
    assert frame.loc["2018-01-01", "members"] == len(basket)
    assert frame["share"].dropna().between(0, 1).all()
    # The 2021 season: every coin with data beat BTC over 90 days in spring 2021.
    assert frame.loc["2021-04-01":"2021-05-31", "altseason"].any()


def test_basket_index_is_equal_weight_and_point_in_time() -> None:
    days = pd.date_range("2024-01-01", periods=4, freq="D")
    closes = pd.DataFrame({"A": [1.0, 1.1, 1.21, 1.331], "B": [np.nan, 2.0, 1.0, 1.0]}, index=days)
    level = basket_index(closes)
    # Day 2: only A has a return (+10%); day 3: mean of +10% and -50%; day 4: mean of +10% and 0%.
    expected = [1.0, 1.1, 1.1 * (1 + (0.1 - 0.5) / 2), 1.1 * 0.8 * 1.05]
    np.testing.assert_allclose(level.to_numpy(), expected)
    truncated = basket_index(closes.iloc[:3])
    pd.testing.assert_series_equal(level.iloc[:3], truncated)


def test_min_days_holds_the_state_until_the_rule_persists() -> None:
    days = pd.date_range("2024-01-01", periods=40, freq="D")
    base = pd.Series(100.0, index=days)
    # Five alts that beat BTC over 10 days except on alternate days around day 25.
    coins = {f"C{i}": pd.Series(np.linspace(1.0, 2.0, 40), index=days) for i in range(5)}
    closes = pd.DataFrame({"BTC": base, **coins})
    closes.iloc[24::2, 1:] = closes.iloc[14:30:2, 1:].to_numpy()[: len(closes.iloc[24::2])] * 0.5
    raw = altseason(closes, window=10)["altseason"]
    held = altseason(closes, window=10, min_days=3)["altseason"]
    assert raw.diff().abs().sum() > held.diff().abs().sum()  # fewer switches
    truncated = altseason(closes.iloc[:30], window=10, min_days=3)["altseason"]
    pd.testing.assert_series_equal(held.iloc[:30], truncated, check_freq=False)
