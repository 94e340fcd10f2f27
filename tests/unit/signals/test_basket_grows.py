"""A basket that grows: coins imported with ``--basket`` join the altcoin basket, point-in-time.

The store is the snapshot's plus 100 synthetic random-walk coins, stored as ``riskcurve import
--basket`` stores them; some start late, a third stop early. Expected values are computed here
from the store's rows by the signal functions' own definitions, never pinned.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskcurve.backtest.engine import basket_prices
from riskcurve.backtest.rules import traded_prices
from riskcurve.data.calendar import daily_index, frame_on_days, on_days
from riskcurve.data.ingest import coin_series, import_csv
from riskcurve.data.panel import MarketData, basket_coins
from riskcurve.data.store import Store
from riskcurve.data.symbols import ALTCOINS, CATALOGUE
from riskcurve.errors import DataError
from riskcurve.monitor import compute_digest
from riskcurve.signals import cache
from riskcurve.signals.altseason import altseason, basket_composition, basket_index
from riskcurve.signals.cascade import CascadeParams, alt_breadth_share, cascade
from riskcurve.signals.regime import default_as_of
from riskcurve.signals.registry import SIGNALS, alt_basket, alt_closes, cascade_inputs

COINS = 100


def _random_walks(end: pd.Timestamp, count: int, seed: int) -> dict[str, pd.DataFrame]:
    """``count`` coins: geometric random walks from random starts, a third of them stopping early."""
    rng = np.random.default_rng(seed)
    coins = {}
    for number in range(count):
        start = pd.Timestamp("2015-01-01") + pd.Timedelta(days=int(rng.integers(0, 3400)))
        stop = end if number % 3 else min(end, start + pd.Timedelta(days=int(rng.integers(120, 1500))))
        days = pd.date_range(start, stop, freq="D", name="date")
        closes = float(rng.uniform(0.01, 100.0)) * np.exp(np.cumsum(rng.normal(0.0, 0.05, len(days))))
        coins[f"RW{number:03d}"] = pd.DataFrame({"value": closes}, index=days)
    return coins


def _write_coins(path: Path, coins: dict[str, pd.DataFrame]) -> None:
    batch = [coin_series(frame, name, "synthetic") for name, frame in coins.items()]
    with Store(path) as store:
        store.write([fetched for fetched, _ in batch], {meta.symbol: meta for _, meta in batch})


@pytest.fixture(scope="module")
def grown(filled_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, pd.DataFrame]]:
    """A copy of the snapshot's store with 100 random-walk coins in its basket."""
    path = tmp_path_factory.mktemp("basket") / "grown.duckdb"
    shutil.copy(filled_store_path, path)
    with Store(path, read_only=True) as store:
        end, _ = default_as_of(store)
    coins = _random_walks(end, COINS, seed=8)
    _write_coins(path, coins)
    return path, coins


@pytest.fixture
def grown_store(grown: tuple[Path, dict[str, pd.DataFrame]]) -> Iterator[Store]:
    with Store(grown[0], read_only=True) as store:
        yield store


def _day(store: Store) -> pd.Timestamp:
    return default_as_of(store)[0]


def test_the_catalogue_flags_its_basket() -> None:
    flagged = tuple(spec.name for spec in CATALOGUE.values() if spec.basket)
    assert flagged == ALTCOINS
    crypto = {spec.name for spec in CATALOGUE.values() if spec.group == "crypto"}
    assert set(ALTCOINS) == crypto - {"BTC", "ETH"}


def test_imported_coins_join_the_basket(grown_store: Store, grown: tuple[Path, dict[str, pd.DataFrame]]) -> None:
    coins = grown[1]
    held = [coin for coin in ALTCOINS if coin in grown_store.symbols()]
    assert basket_coins(grown_store) == (*held, *sorted(coins))
    data = MarketData(grown_store, as_of=_day(grown_store))
    assert data.basket() == basket_coins(grown_store)
    closes = data.basket_closes()
    for name, frame in list(coins.items())[:10]:
        expected = frame["value"].loc[: data.as_of]
        got = closes[name].dropna()
        assert got.index.equals(expected.index)
        np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())


def test_a_store_of_catalogue_coins_has_the_catalogue_basket(filled_store: Store) -> None:
    assert basket_coins(filled_store) == tuple(coin for coin in ALTCOINS if coin in filled_store.symbols())


def _closes(store: Store, names: list[str], days: pd.DatetimeIndex) -> pd.DataFrame:
    """Each coin's stored closes on ``days``, read directly from the store (no carry)."""
    return pd.DataFrame({name: store.prices(name)["close"].reindex(days) for name in names}, index=days)


def test_altseason_votes_with_every_coin_from_its_own_first_close(grown_store: Store) -> None:
    data = MarketData(grown_store, as_of=_day(grown_store))
    frame = SIGNALS["altseason"].compute(data, None, **SIGNALS["altseason"].parameters)
    days = data.days("2013-04-01")
    names = ["BTC", "ETH", *basket_coins(grown_store)]
    expected = altseason(_closes(grown_store, names, days), **SIGNALS["altseason"].parameters)
    pd.testing.assert_frame_equal(frame, expected, check_freq=False)
    # Members on a day are the coins with a close on it and 90 days before: the new ones count.
    day = data.as_of - pd.Timedelta(days=30)
    members = basket_composition(alt_closes(data), 90, day)
    assert frame["members"].loc[day] == len(members)
    assert sum(name.startswith("RW") for name in members) > 20


def test_a_coin_votes_from_90_days_after_its_first_close(grown: tuple[Path, dict[str, pd.DataFrame]]) -> None:
    path, coins = grown
    name, frame = max(coins.items(), key=lambda item: item[1].index[0])  # the latest to start
    first = frame.index[0]
    with Store(path, read_only=True) as store:
        data = MarketData(store, as_of=first + pd.Timedelta(days=200))
        panel = alt_closes(data)
    assert name not in basket_composition(panel, 90, first + pd.Timedelta(days=89))
    assert name in basket_composition(panel, 90, first + pd.Timedelta(days=90))


def test_the_alt_basket_index_holds_every_coin(grown_store: Store) -> None:
    data = MarketData(grown_store, as_of=_day(grown_store))
    days = data.days("2013-04-01")
    expected = basket_index(_closes(grown_store, list(basket_coins(grown_store)), days))
    pd.testing.assert_series_equal(alt_basket(data), expected, check_freq=False)


def test_the_backtests_alts_asset_holds_every_coin(grown_store: Store) -> None:
    data = MarketData(grown_store, as_of=_day(grown_store))
    closes = pd.DataFrame({name: grown_store.prices(name)["close"] for name in basket_coins(grown_store)})
    expected = basket_prices(closes)
    pd.testing.assert_series_equal(traded_prices(data, "ALTS"), expected, check_freq=False, check_names=False)


def test_the_cascades_alt_breadth_counts_every_coin(grown_store: Store) -> None:
    data = MarketData(grown_store, as_of=_day(grown_store))
    inputs = cascade_inputs(data)
    days = pd.DatetimeIndex(inputs.alts.index)
    names = list(basket_coins(grown_store))
    expected = pd.DataFrame({name: on_days(grown_store.prices(name)["close"], days) for name in names}, index=days)
    pd.testing.assert_frame_equal(inputs.alts, expected, check_freq=False, check_names=False)
    params = CascadeParams()
    share = alt_breadth_share(inputs.alts, window=params.alt_window, min_alts=params.min_alts)
    catalogue_only = alt_breadth_share(inputs.alts[list(ALTCOINS)], window=params.alt_window, min_alts=3)
    assert not share.dropna().equals(catalogue_only.dropna())  # the new coins move the breadth


def test_frame_on_days_equals_on_days_column_by_column() -> None:
    rng = np.random.default_rng(3)
    dates = pd.DatetimeIndex(sorted(rng.choice(daily_index("2020-01-01", "2021-12-31"), 400, replace=False)))
    # More columns than one block of the array pass, one of them empty.
    frame = pd.DataFrame(rng.normal(size=(400, 70)), index=dates, columns=[f"C{n}" for n in range(70)])
    frame = frame.mask(rng.random(frame.shape) < 0.3)
    frame["C65"] = np.nan
    days = daily_index("2019-11-01", "2022-03-01")
    for carry in (None, 0, 4, 40):
        expected = pd.DataFrame({c: on_days(frame[c], days, carry=carry) for c in frame}, index=days)
        pd.testing.assert_frame_equal(frame_on_days(frame, days, carry=carry), expected)


def _cut_store(base: Path, target: Path, coins: dict[str, pd.DataFrame], day: pd.Timestamp) -> None:
    """The snapshot's store with only each coin's closes dated on or before ``day``."""
    shutil.copy(base, target)
    _write_coins(target, {name: frame.loc[:day] for name, frame in coins.items() if frame.index[0] <= day})


@pytest.mark.slow
def test_no_lookahead_a_grown_basket_on_a_store_cut_at_its_day(
    grown: tuple[Path, dict[str, pd.DataFrame]], filled_store_path: Path, tmp_path: Path
) -> None:
    path, coins = grown
    rng = np.random.default_rng(21)
    with Store(path, read_only=True) as store:
        last = _day(store)
        full = MarketData(store, as_of=last)
        season = SIGNALS["altseason"].compute(full, None)
        level = alt_basket(full)
        breadth = cascade_inputs(full).alts
        days = [last - pd.Timedelta(days=int(d)) for d in rng.choice(np.arange(100, 3000), 3, replace=False)]
        digests = {day: compute_digest(MarketData(store, as_of=day)).to_dict() for day in days}
    for number, day in enumerate(days):
        target = tmp_path / f"cut{number}.duckdb"
        _cut_store(filled_store_path, target, coins, day)
        cache.clear()
        with Store(target, read_only=True) as store:
            cut = MarketData(store, as_of=day)
            pd.testing.assert_frame_equal(SIGNALS["altseason"].compute(cut, None), season.loc[:day], check_freq=False)
            pd.testing.assert_series_equal(alt_basket(cut), level.loc[:day], check_freq=False)
            pd.testing.assert_frame_equal(
                cascade_inputs(cut).alts[breadth.columns.intersection(store.symbols())],
                breadth.loc[:day, breadth.columns.intersection(store.symbols())],
                check_freq=False,
            )
            assert compute_digest(cut).to_dict() == digests[day], f"the digest of {day.date()} read later coins"


def test_catalogue_only_results_are_the_catalogue_definitions(filled_store: Store) -> None:
    """With only the catalogue's coins, the signals are what they were: the 12 coins, ETH voting."""
    data = MarketData(filled_store, as_of=_day(filled_store))
    days = data.days("2013-04-01")
    names = [c for c in ("BTC", "ETH", *ALTCOINS) if c in filled_store.symbols()]
    closes = pd.DataFrame({c: data.close(c).reindex(days) for c in names}, index=days)
    params = SIGNALS["altseason"].parameters
    pd.testing.assert_frame_equal(
        SIGNALS["altseason"].compute(data, None, **params), altseason(closes, **params), check_freq=False
    )
    pd.testing.assert_series_equal(alt_basket(data), basket_index(closes[names[2:]]), check_freq=False)
    inputs = cascade_inputs(data)
    days = pd.DatetimeIndex(inputs.alts.index)
    expected = pd.DataFrame({c: on_days(data.close(c), days) for c in names[2:]}, index=days)
    pd.testing.assert_frame_equal(inputs.alts, expected, check_freq=False, check_names=False)
    # The alts start at the first coin's close, not with the other inputs: the cascade is the one
    # computed with every coin on every day, as before.
    assert days[0] > inputs.index[0] and days[-1] == inputs.index[-1]
    every_day = pd.DataFrame({c: on_days(data.close(c), inputs.index) for c in names[2:]}, index=inputs.index)
    pd.testing.assert_frame_equal(
        cascade(inputs, CascadeParams()), cascade(dataclasses.replace(inputs, alts=every_day), CascadeParams())
    )


def test_importing_a_coin_with_basket(tmp_path: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    store = str(tmp_path / "s.duckdb")
    days = pd.date_range("2022-01-01", periods=200, freq="D")
    rng = np.random.default_rng(5)
    closes = 2.0 * np.exp(np.cumsum(rng.normal(0, 0.03, len(days))))
    csv = tmp_path / "pepe.csv"
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "close": closes}).to_csv(csv, index=False)
    code, _, err = cli("import", str(csv), "--name", "pepe", "--value-col", "close", "--basket", "--store", store)
    assert code == 0, err
    with Store(store, read_only=True) as db:
        assert basket_coins(db) == ("PEPE",)
        meta = db.meta("PEPE")
        assert (meta.kind, meta.calendar, meta.origin) == ("price", "crypto", "import")
        np.testing.assert_allclose(db.prices("PEPE")["close"].to_numpy(), closes)
    # The same file as a plain import is not a coin: the name is taken by the coin.
    code, _, err = cli("import", str(csv), "--name", "pepe", "--value-col", "close", "--store", store)
    assert code != 0 and "--basket" in err and len(err.strip().splitlines()) == 1
    # A late close is not a coin's close.
    code, _, err = cli("import", str(csv), "--name", "doge2", "--value-col", "close", "--basket", "--lag-days", "2")
    assert code != 0 and "lag" in err


def test_a_coin_with_a_non_positive_close_is_refused(tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("date,value\n2022-01-01,1.0\n2022-01-02,0\n")
    with Store(tmp_path / "s.duckdb") as store:
        with pytest.raises(DataError, match="not positive"):
            import_csv(store, csv, "BAD", basket=True)
        assert "BAD" not in store.symbols()


def test_a_value_series_does_not_join_the_basket(tmp_path: Path) -> None:
    csv = tmp_path / "flows.csv"
    csv.write_text("date,value\n2022-01-03,1.5\n2022-01-04,-2.0\n")
    with Store(tmp_path / "s.duckdb") as store:
        import_csv(store, csv, "FLOWS")
        assert basket_coins(store) == ()
