"""CoinGeckoProvider over mocked HTTP, with bodies shaped like CoinGecko's real answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
import requests
import responses

from riskcurve.data.providers import coingecko, get_provider
from riskcurve.data.providers.base import RetryPolicy
from riskcurve.data.providers.coingecko import PRO_URL, PUBLIC_URL, CoinGeckoProvider
from riskcurve.errors import ProviderError, UnknownSymbolError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "coingecko"
BITCOIN = f"{PUBLIC_URL}/coins/bitcoin/market_chart/range"
NOW = pd.Timestamp("2024-01-05 14:30")  # unix 1704465000
KEY = "CG-s3cr3tK3yV4lue"


def ms(instant: str) -> int:
    return int(pd.Timestamp(instant).value // 1_000_000)


def unix(instant: str) -> int:
    return int(pd.Timestamp(instant).value // 1_000_000_000)


def daily_fixture() -> dict[str, Any]:
    return json.loads((FIXTURES / "bitcoin_range_daily.json").read_text())


def chart(caps: list[list[Any]]) -> dict[str, Any]:
    """A market_chart/range body whose ``market_caps`` are ``caps`` (prices and volumes alongside)."""
    return {"prices": [[t, 1.0] for t, _ in caps], "market_caps": caps, "total_volumes": [[t, 2.0] for t, _ in caps]}


def caps_frame(rows: dict[str, float]) -> pd.DataFrame:
    index = pd.DatetimeIndex(list(rows), name="date").as_unit("ns")
    return pd.DataFrame({"value": list(rows.values())}, index=index)


@pytest.fixture(autouse=True)
def _frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COINGECKO_API_KEY", raising=False)
    monkeypatch.delenv("COINGECKO_PRO", raising=False)
    monkeypatch.setattr(coingecko, "utc_now", lambda: NOW)


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def policy(waits: list[float]) -> RetryPolicy:
    return RetryPolicy(attempts=3, base_delay=1.0, jitter=0.0, sleep=waits.append)


def make(policy: RetryPolicy, **options: Any) -> CoinGeckoProvider:
    return CoinGeckoProvider(policy=policy, min_interval=0.0, **options)


def query(mock: responses.RequestsMock, number: int = 0) -> dict[str, list[str]]:
    return parse_qs(urlparse(str(mock.calls[number].request.url)).query)


# --- configuration -------------------------------------------------------------------------------------


def test_symbols_are_market_caps_of_every_catalogue_coin() -> None:
    assert CoinGeckoProvider().symbols() == [
        "ADA_MCAP", "AVAX_MCAP", "BCH_MCAP", "BNB_MCAP", "BTC_MCAP", "DOGE_MCAP", "DOT_MCAP",
        "ETH_MCAP", "LINK_MCAP", "LTC_MCAP", "SOL_MCAP", "TRX_MCAP", "XLM_MCAP", "XRP_MCAP",
    ]  # fmt: skip


def test_throttle_follows_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    assert CoinGeckoProvider().throttle.min_interval == 2.1
    assert CoinGeckoProvider(api_key=KEY).throttle.min_interval == 2.1  # a demo key has the public limit
    assert CoinGeckoProvider(api_key=KEY, pro=True).throttle.min_interval == 0.2
    assert CoinGeckoProvider(min_interval=5.0).throttle.min_interval == 5.0
    monkeypatch.setenv("COINGECKO_API_KEY", KEY)
    monkeypatch.setenv("COINGECKO_PRO", "1")
    from_env = CoinGeckoProvider()
    assert (from_env.pro, from_env.base_url, from_env.throttle.min_interval) == (True, PRO_URL, 0.2)


def test_pro_without_a_key_is_refused() -> None:
    with pytest.raises(ProviderError, match="the Pro API needs a key"):
        CoinGeckoProvider(pro=True)


def test_registry_builds_it() -> None:
    provider = get_provider("coingecko", min_interval=0.0)
    assert isinstance(provider, CoinGeckoProvider)


# --- normal fetches --------------------------------------------------------------------------------------


def test_fetch_labels_each_midnight_snapshot_with_the_day_it_closes(
    api: responses.RequestsMock, policy: RetryPolicy
) -> None:
    api.get(BITCOIN, json=daily_fixture())
    fetched = make(policy).fetch("btc_mcap", "2023-12-31", "2024-01-03")

    expected = caps_frame(
        {
            "2023-12-31": 827596236151.196,  # the snapshot at 2024-01-01 00:00 UTC
            "2024-01-01": 865335049506.745,
            "2024-01-02": 880408963013.511,
            "2024-01-03": 839261862413.932,
        }
    )
    pd.testing.assert_frame_equal(fetched.frame, expected)
    assert (fetched.symbol, fetched.kind, fetched.provider) == ("BTC_MCAP", "value", "coingecko")
    assert fetched.source == "coingecko:bitcoin"
    assert "available_at" not in fetched.frame.columns
    # To the snapshot that closes 2024-01-03 (plus an hour's slack), not to "now".
    assert query(api) == {"vs_currency": ["usd"], "from": ["1703980800"], "to": [str(unix("2024-01-04 01:00"))]}
    assert "x-cg-demo-api-key" not in api.calls[0].request.headers


def test_without_start_the_public_api_is_asked_for_its_last_365_days_and_the_live_point_dropped(
    api: responses.RequestsMock, policy: RetryPolicy
) -> None:
    api.get(BITCOIN, json=daily_fixture())
    fetched = make(policy).fetch("BTC_MCAP")

    assert query(api) == {"vs_currency": ["usd"], "from": [str(unix("2023-01-06"))], "to": ["1704465000"]}
    assert pd.DatetimeIndex(fetched.frame.index).strftime("%Y-%m-%d").tolist() == [
        "2023-12-31", "2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04",
    ]  # fmt: skip
    assert fetched.frame["value"].iloc[-1] == 864889126355.248  # the 2024-01-05 00:00 snapshot, not the 14:23 one


def test_hourly_answers_keep_the_first_snapshot_after_each_midnight(
    api: responses.RequestsMock, policy: RetryPolicy
) -> None:
    # Ranges up to 90 days come back hourly, stamped a few seconds past the hour.
    start = pd.Timestamp("2024-01-02 00:00:41")
    caps = [[ms(str(start + pd.Timedelta(hours=h))), 800e9 + h] for h in range(72)]  # to 2024-01-04 23:00:41
    api.get(BITCOIN, json=chart(caps))
    fetched = make(policy).fetch("BTC_MCAP", "2024-01-01", "2024-01-04")

    pd.testing.assert_frame_equal(
        fetched.frame, caps_frame({"2024-01-01": 800e9, "2024-01-02": 800e9 + 24, "2024-01-03": 800e9 + 48})
    )


def test_a_day_without_a_snapshot_near_its_close_is_left_out(api: responses.RequestsMock, policy: RetryPolicy) -> None:
    caps = [
        [ms("2024-01-02 00:00:41"), 8.0e11],
        [ms("2024-01-02 12:00:41"), 8.1e11],
        [ms("2024-01-03 02:00:41"), 8.2e11],  # the snapshots around 2024-01-03 00:00 are missing
        [ms("2024-01-04 00:00:41"), 8.3e11],
    ]
    api.get(BITCOIN, json=chart(caps))
    fetched = make(policy).fetch("BTC_MCAP", "2024-01-01", "2024-01-03")
    pd.testing.assert_frame_equal(fetched.frame, caps_frame({"2024-01-01": 8.0e11, "2024-01-03": 8.3e11}))


def test_zero_and_null_caps_are_left_out(api: responses.RequestsMock, policy: RetryPolicy) -> None:
    caps: list[list[Any]] = [
        [ms("2024-01-01"), 0],
        [ms("2024-01-02"), None],
        [ms("2024-01-03"), 0.0],
        [ms("2024-01-04"), 5.5e9],
        [ms("2024-01-05"), 6.25e9],
    ]
    api.get(BITCOIN, json=chart(caps))
    fetched = make(policy).fetch("BTC_MCAP", "2023-12-31", "2024-01-04")
    pd.testing.assert_frame_equal(fetched.frame, caps_frame({"2024-01-03": 5.5e9, "2024-01-04": 6.25e9}))


def test_no_closed_day_in_range_gives_an_empty_canonical_frame(
    api: responses.RequestsMock, policy: RetryPolicy
) -> None:
    # Only the live point CoinGecko appends for "now": it closes no day, not even 2024-01-04.
    api.get(BITCOIN, json=chart([[ms("2024-01-05 14:23:11"), 8e11]]))
    fetched = make(policy).fetch("BTC_MCAP", "2024-01-04")
    assert fetched.frame.empty
    assert fetched.frame.columns.tolist() == ["value"]
    assert fetched.frame.index.dtype == "datetime64[ns]"


def test_a_start_in_the_future_asks_nothing(api: responses.RequestsMock, policy: RetryPolicy) -> None:
    fetched = make(policy).fetch("BTC_MCAP", "2024-02-01")
    assert fetched.frame.empty
    assert len(api.calls) == 0


def test_other_coins_use_their_coingecko_id(api: responses.RequestsMock, policy: RetryPolicy) -> None:
    api.get(f"{PUBLIC_URL}/coins/avalanche-2/market_chart/range", json=chart([[ms("2024-01-02"), 1.25e10]]))
    fetched = make(policy).fetch("AVAX_MCAP", "2024-01-01", "2024-01-01")
    assert fetched.source == "coingecko:avalanche-2"
    assert fetched.frame["value"].tolist() == [1.25e10]


# --- symbols -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "fragment"),
    [
        ("BTC", "coingecko serves market caps only"),
        ("WALCL", "coingecko serves market caps only"),
        ("GOLD_MCAP", "no market capitalisation source"),
        ("NOPE_MCAP", "unknown symbol"),
    ],
)
def test_unknown_symbols_never_reach_the_api(
    symbol: str, fragment: str, api: responses.RequestsMock, policy: RetryPolicy
) -> None:
    with pytest.raises(UnknownSymbolError, match=fragment):
        make(policy).fetch(symbol)
    assert len(api.calls) == 0


# --- failures, retries, backoff -----------------------------------------------------------------------------


def test_timeout_then_success(api: responses.RequestsMock, policy: RetryPolicy, waits: list[float]) -> None:
    api.get(BITCOIN, body=requests.exceptions.ReadTimeout("read timed out"))
    api.get(BITCOIN, json=daily_fixture())
    fetched = make(policy).fetch("BTC_MCAP", "2024-01-01", "2024-01-02")

    assert fetched.frame["value"].tolist() == [865335049506.745, 880408963013.511]
    assert waits == [1.0]
    assert len(api.calls) == 2


@pytest.mark.parametrize(("headers", "expected"), [({"Retry-After": "7"}, [7.0]), ({}, [1.0])])
def test_429_waits_as_told_or_backs_off(
    headers: dict[str, str],
    expected: list[float],
    api: responses.RequestsMock,
    policy: RetryPolicy,
    waits: list[float],
) -> None:
    throttled = {"status": {"error_code": 429, "error_message": "You've exceeded the Rate Limit."}}
    api.get(BITCOIN, status=429, json=throttled, headers=headers)
    api.get(BITCOIN, json=daily_fixture())
    fetched = make(policy).fetch("BTC_MCAP", "2024-01-01", "2024-01-01")
    assert fetched.frame["value"].tolist() == [865335049506.745]
    assert waits == expected


def test_gives_up_naming_provider_and_symbol(
    api: responses.RequestsMock, policy: RetryPolicy, waits: list[float]
) -> None:
    api.get(BITCOIN, status=503, body="<html><body>503 Service Temporarily Unavailable</body></html>")
    with pytest.raises(ProviderError) as info:
        make(policy).fetch("BTC_MCAP", "2024-01-01")
    assert (info.value.provider, info.value.symbol) == ("coingecko", "BTC_MCAP")
    assert str(info.value) == "coingecko BTC_MCAP: gave up after 3 attempts: HTTP 503 Service Unavailable"
    assert waits == [1.0, 2.0]
    assert len(api.calls) == 3


def test_start_beyond_the_public_window_explains_the_365_day_limit(
    api: responses.RequestsMock, policy: RetryPolicy, waits: list[float]
) -> None:
    body = json.loads((FIXTURES / "error_10012_time_range.json").read_text())
    api.get(BITCOIN, status=401, json=body)
    with pytest.raises(ProviderError) as info:
        make(policy).fetch("BTC_MCAP", "2020-01-01")
    message = str(info.value)
    assert message.startswith("coingecko BTC_MCAP: start 2020-01-01 is outside the public API's window")
    assert "only the last 365 days" in message
    assert "COINGECKO_PRO=1" in message
    assert waits == []  # final: retrying cannot help


def test_unknown_coin_id_is_a_final_http_error(
    api: responses.RequestsMock, policy: RetryPolicy, waits: list[float]
) -> None:
    api.get(BITCOIN, status=404, json={"error": "coin not found"})
    with pytest.raises(ProviderError, match=r"^coingecko BTC_MCAP: HTTP 404 from .*coin not found"):
        make(policy).fetch("BTC_MCAP", "2024-01-01")
    assert waits == []


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("<!DOCTYPE html><html><head><title>Just a moment...</title>", "is not JSON: '<!DOCTYPE html><html>"),
        (json.dumps({"prices": [[1704153600000, 42261.0]]}), "no 'market_caps' list (got prices)"),
        (json.dumps({"market_caps": {"1704153600000": 8e11}}), "no 'market_caps' list (got market_caps)"),
        (json.dumps([[1704153600000, 8e11]]), "no 'market_caps' list (got list)"),
        (json.dumps(chart([[1704153600000, "8e11"]])), "market_caps[0] value '8e11' is not a positive number"),
        (json.dumps(chart([[1704153600000, -5.0]])), "market_caps[0] value -5.0 is not a positive number"),
        (json.dumps(chart([["2024-01-02", 8e11]])), "market_caps[0] time '2024-01-02' is not a number"),
        (json.dumps({"market_caps": [[1704153600000, 8e11, 1.0]]}), "market_caps[0] is [1704153600000"),
        (json.dumps({"market_caps": [[1704153600000, 8e11], 8e11]}), "market_caps[1] is 800000000000.0, not a"),
    ],
)
def test_garbage_answers_name_the_coin_and_the_problem(
    body: str, fragment: str, api: responses.RequestsMock, policy: RetryPolicy, waits: list[float]
) -> None:
    api.get(BITCOIN, body=body)
    with pytest.raises(ProviderError) as info:
        make(policy).fetch("BTC_MCAP", "2024-01-01")
    message = str(info.value)
    assert message.startswith("coingecko BTC_MCAP: answer for coin 'bitcoin'")
    assert fragment in message
    assert waits == []


# --- API keys ------------------------------------------------------------------------------------------------


def test_demo_key_travels_in_its_header_only(api: responses.RequestsMock, policy: RetryPolicy) -> None:
    api.get(BITCOIN, json=daily_fixture())
    fetched = make(policy, api_key=KEY).fetch("BTC_MCAP", "2024-01-01", "2024-01-01")
    request = api.calls[0].request
    assert request.headers["x-cg-demo-api-key"] == KEY
    assert "x-cg-pro-api-key" not in request.headers
    assert KEY not in str(request.url)
    assert KEY not in fetched.source


def test_pro_key_uses_the_pro_host_and_full_history(api: responses.RequestsMock, policy: RetryPolicy) -> None:
    api.get(f"{PRO_URL}/coins/bitcoin/market_chart/range", json=daily_fixture())
    fetched = make(policy, api_key=KEY, pro=True).fetch("BTC_MCAP")
    request = api.calls[0].request
    assert str(request.url).startswith("https://pro-api.coingecko.com/api/v3/coins/bitcoin/market_chart/range?")
    assert request.headers["x-cg-pro-api-key"] == KEY
    assert "x-cg-demo-api-key" not in request.headers
    assert query(api)["from"] == [str(unix("2013-04-28"))]
    assert len(fetched.frame) == 5


def test_key_from_the_environment(
    api: responses.RequestsMock, policy: RetryPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COINGECKO_API_KEY", KEY)
    api.get(BITCOIN, json=daily_fixture())
    make(policy).fetch("BTC_MCAP", "2024-01-01", "2024-01-01")
    assert api.calls[0].request.headers["x-cg-demo-api-key"] == KEY


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"error": f"invalid api key {KEY} for this endpoint"}),  # a server echoing the key back
        (401, {"status": {"error_code": 10002, "error_message": "API Key Missing"}}),
        (401, json.loads((FIXTURES / "error_10012_time_range.json").read_text())),
        (429, {"status": {"error_code": 429, "error_message": "You've exceeded the Rate Limit."}}),
        (200, "<html>not json</html>"),
    ],
)
def test_the_key_never_appears_in_errors(
    status: int, body: Any, api: responses.RequestsMock, policy: RetryPolicy
) -> None:
    if isinstance(body, str):
        api.get(BITCOIN, status=status, body=body)
    else:
        api.get(BITCOIN, status=status, json=body)
    with pytest.raises(ProviderError) as info:
        make(policy, api_key=KEY).fetch("BTC_MCAP", "2023-01-01")
    error: BaseException | None = info.value
    while error is not None:  # nor in anything chained to it
        assert KEY not in str(error)
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    assert KEY not in repr(info.value)


def test_echoed_key_is_masked(api: responses.RequestsMock, policy: RetryPolicy) -> None:
    api.get(BITCOIN, status=400, json={"error": f"invalid api key {KEY}"})
    with pytest.raises(ProviderError, match=r"invalid api key \*\*\*"):
        make(policy, api_key=KEY).fetch("BTC_MCAP", "2024-01-01")


def test_a_key_the_http_layer_rejects_is_not_quoted(api: responses.RequestsMock, policy: RetryPolicy) -> None:
    bad_key = "CG-abc\ndef"  # requests refuses header values with a newline, quoting them
    with pytest.raises(ProviderError, match="^coingecko BTC_MCAP: request failed: ") as info:
        make(policy, api_key=bad_key).fetch("BTC_MCAP", "2024-01-01")
    assert bad_key not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__
