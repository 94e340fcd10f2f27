"""StablecoinsProvider against DefiLlama's stablecoin API, answers served by ``responses``.

Fixtures under ``tests/fixtures/defillama`` follow the shapes DefiLlama's server writes (see the
README there): ``/stablecoincharts/all`` with string Unix-second dates and totals keyed by peg
type, ``/stablecoin/1`` (Tether) with numeric dates and a last hourly reading, Cloudflare's 502
page and the server's plain-text 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests
import responses

from riskcurve.data.providers.base import RetryPolicy, get_provider
from riskcurve.data.providers.stablecoins import BASE_URL, StablecoinsProvider
from riskcurve.errors import ProviderError, UnknownSymbolError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "defillama"
TOTAL_URL = f"{BASE_URL}/stablecoincharts/all"
USDT_URL = f"{BASE_URL}/stablecoin/1"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def provider(waits: list[float] | None = None, *, attempts: int = 5) -> StablecoinsProvider:
    sleep: Callable[[float], None] = waits.append if waits is not None else _no_sleep
    policy = RetryPolicy(attempts=attempts, base_delay=1.0, jitter=0.0, sleep=sleep)
    return StablecoinsProvider(policy=policy, min_interval=0.0)


def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"unexpected sleep of {seconds}s")


# -- the total ---------------------------------------------------------------------------------


def test_total_is_every_peg_in_usd_by_utc_day(mocked: responses.RequestsMock) -> None:
    mocked.get(TOTAL_URL, body=fixture("stablecoincharts_all.json"), content_type="application/json")
    got = provider().fetch("STABLECOINS")

    raw = json.loads(fixture("stablecoincharts_all.json"))
    assert (got.symbol, got.kind, got.provider) == ("STABLECOINS", "price", "stablecoins")
    assert got.source == "defillama:https://stablecoins.llama.fi/stablecoincharts/all"
    frame = got.frame
    assert frame.index[0] == pd.Timestamp("2023-10-01") and frame.index[-1] == pd.Timestamp("2024-06-30")
    assert len(frame) == len(raw) == 274
    first = raw[0]["totalCirculatingUSD"]
    assert frame["close"].iloc[0] == first["peggedUSD"] + first["peggedEUR"] + first["peggedVAR"]
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"]
    assert frame[["open", "high", "low", "volume"]].isna().all().all()


def test_range_is_clipped(mocked: responses.RequestsMock) -> None:
    mocked.get(TOTAL_URL, body=fixture("stablecoincharts_all.json"))
    frame = provider().fetch("STABLECOINS", start="2024-06-01", end="2024-06-03").frame
    assert frame.index.strftime("%Y-%m-%d").tolist() == ["2024-06-01", "2024-06-02", "2024-06-03"]


def test_day_without_a_usd_total_is_absent_not_zero(mocked: responses.RequestsMock) -> None:
    mocked.get(
        TOTAL_URL,
        json=[
            {"date": "1704067200", "totalCirculatingUSD": {"peggedUSD": 130.5e9}},
            {"date": "1704153600", "totalCirculating": {"peggedUSD": 1.0}},
            {"date": "1704240000", "totalCirculatingUSD": {"peggedUSD": 131.0e9, "peggedEUR": 0.5e9}},
        ],
    )
    frame = provider().fetch("STABLECOINS").frame
    assert frame.index.strftime("%Y-%m-%d").tolist() == ["2024-01-01", "2024-01-03"]
    assert frame["close"].tolist() == [130.5e9, 131.5e9]


# -- one coin ----------------------------------------------------------------------------------


def test_coin_supply_keeps_the_last_reading_of_each_day(mocked: responses.RequestsMock) -> None:
    mocked.get(USDT_URL, body=fixture("stablecoin_1.json"), content_type="application/json")
    got = provider().fetch("USDT_SUPPLY")

    assert got.symbol == "USDT_SUPPLY"
    frame = got.frame
    assert frame.index[0] == pd.Timestamp("2024-05-01") and frame.index[-1] == pd.Timestamp("2024-06-30")
    assert frame.index.is_unique and len(frame) == 61
    assert frame.loc["2024-05-01", "close"] == 110.6e9
    assert frame.loc["2024-06-30", "close"] == 112.43e9  # the hourly reading of that day, not the midnight one


def test_coin_answer_for_another_id_is_refused(mocked: responses.RequestsMock) -> None:
    body = json.loads(fixture("stablecoin_1.json")) | {"id": "2"}
    mocked.get(USDT_URL, json=body)
    with pytest.raises(ProviderError) as caught:
        provider().fetch("USDT_SUPPLY")
    assert str(caught.value) == (
        "stablecoins USDT_SUPPLY: unusable answer from DefiLlama: asked for stablecoin 1 but got '2'"
    )


def test_coin_without_tokens_is_named(mocked: responses.RequestsMock) -> None:
    mocked.get(USDT_URL, json={"id": "1", "name": "Tether", "pegType": "peggedUSD"})
    with pytest.raises(ProviderError, match=r"stablecoin 1 lacks 'pegType' and 'tokens' \(found: id, name, pegType\)"):
        provider().fetch("USDT_SUPPLY")


# -- failures ----------------------------------------------------------------------------------


def test_cloudflare_502_is_retried(mocked: responses.RequestsMock) -> None:
    waits: list[float] = []
    mocked.get(TOTAL_URL, status=502, body=fixture("cloudflare_502.html"), content_type="text/html")
    mocked.get(TOTAL_URL, body=fixture("stablecoincharts_all.json"))
    got = provider(waits).fetch("STABLECOINS")
    assert waits == [1.0]
    assert len(got.frame) == 274


def test_lasting_outage_is_one_line_naming_provider_and_symbol(mocked: responses.RequestsMock) -> None:
    waits: list[float] = []
    for _ in range(3):
        mocked.get(TOTAL_URL, status=502, body=fixture("cloudflare_502.html"), content_type="text/html")
    with pytest.raises(ProviderError) as caught:
        provider(waits, attempts=3).fetch("STABLECOINS")
    assert str(caught.value) == "stablecoins STABLECOINS: gave up after 3 attempts: HTTP 502 Bad Gateway"
    assert waits == [1.0, 2.0]


def test_network_failure_is_retried(mocked: responses.RequestsMock) -> None:
    waits: list[float] = []

    def refuse(request: requests.PreparedRequest) -> Any:
        raise requests.ConnectionError("Connection reset by peer")

    mocked.add_callback(responses.GET, USDT_URL, callback=refuse)
    mocked.get(USDT_URL, body=fixture("stablecoin_1.json"))
    assert len(provider(waits).fetch("USDT_SUPPLY").frame) == 61
    assert waits == [1.0]


def test_unknown_coin_404_is_final(mocked: responses.RequestsMock) -> None:
    mocked.get(USDT_URL, status=404, body="Invalid request")
    with pytest.raises(ProviderError) as caught:
        provider().fetch("USDT_SUPPLY")
    assert str(caught.value) == (
        "stablecoins USDT_SUPPLY: HTTP 404 from https://stablecoins.llama.fi/stablecoin/1: Invalid request"
    )


def test_html_with_status_200_is_reported(mocked: responses.RequestsMock) -> None:
    mocked.get(TOTAL_URL, body="<html><head><title>Just a moment...</title></head></html>", content_type="text/html")
    with pytest.raises(ProviderError) as caught:
        provider().fetch("STABLECOINS")
    assert str(caught.value) == (
        "stablecoins STABLECOINS: unusable answer from DefiLlama: expected JSON from "
        "https://stablecoins.llama.fi/stablecoincharts/all but got an HTML page titled 'Just a moment...'"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"error": "x"}, r"expected a list of daily totals, got an object with error"),
        ([{"totalCirculatingUSD": {"peggedUSD": 1.0}}], r"element 0 is not a dated total"),
        ([{"date": "2024-01-01", "totalCirculatingUSD": {"peggedUSD": 1.0}}], r"date '2024-01-01' is not Unix seconds"),
        ([{"date": "1704067200", "totalCirculatingUSD": {"peggedUSD": "lots"}}], r"is not numbers by peg"),
        ([{"date": "1704067200", "totalCirculatingUSD": {"peggedUSD": -5.0}}], r"close -5 is not positive"),
        ([], r"no supply history in DefiLlama's answer"),
    ],
)
def test_garbage_is_one_clear_line(mocked: responses.RequestsMock, body: Any, message: str) -> None:
    mocked.get(TOTAL_URL, json=body)
    with pytest.raises(ProviderError, match=message) as caught:
        provider().fetch("STABLECOINS")
    assert str(caught.value).startswith("stablecoins STABLECOINS: ") and "\n" not in str(caught.value)


# -- symbols and registry ----------------------------------------------------------------------


@pytest.mark.parametrize("symbol", ["BTC", "WALCL", "NOPE"])
def test_other_symbols_are_refused_before_any_request(symbol: str) -> None:
    with pytest.raises(UnknownSymbolError):
        provider().fetch(symbol)


def test_symbols_are_the_total_and_the_largest_coins() -> None:
    assert provider().symbols() == [
        "DAI_SUPPLY",
        "STABLECOINS",
        "USDC_SUPPLY",
        "USDE_SUPPLY",
        "USDS_SUPPLY",
        "USDT_SUPPLY",
    ]


def test_registry_builds_the_provider(mocked: responses.RequestsMock) -> None:
    mocked.get(TOTAL_URL, body=fixture("stablecoincharts_all.json"))
    built = get_provider("stablecoins", min_interval=0.0, policy=RetryPolicy(sleep=_no_sleep))
    assert built.name == "stablecoins"
    assert np.isfinite(built.fetch("STABLECOINS").frame["close"]).all()


# -- today's largest coins ---------------------------------------------------------------------


def test_largest_coins_are_ranked_by_circulating_usd(mocked: responses.RequestsMock) -> None:
    from responses import matchers

    mocked.get(
        f"{BASE_URL}/stablecoins",
        body=fixture("stablecoins_include_prices.json"),
        match=[matchers.query_param_matcher({"includePrices": "true"})],
    )
    table = provider().largest(6)
    assert table["symbol"].tolist() == ["USDT", "USDC", "DAI", "USDe", "FDUSD", "USDS"]
    assert table["symbol_here"].tolist() == [
        "USDT_SUPPLY",
        "USDC_SUPPLY",
        "DAI_SUPPLY",
        "USDE_SUPPLY",
        None,
        "USDS_SUPPLY",
    ]
    assert table.loc[0, "circulating_usd"] == 112.43e9 and table.loc[0, "price"] == 1.0002


@pytest.mark.parametrize("count", [0, -1, 2.5, True])
def test_largest_count_must_be_positive(count: Any) -> None:
    with pytest.raises(ValueError, match="count must be a positive integer"):
        provider().largest(count)


def test_largest_needs_pegged_assets(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE_URL}/stablecoins", json=[{"id": "1"}])
    with pytest.raises(ProviderError, match=r"expected an object with 'peggedAssets', got list"):
        provider().largest()
