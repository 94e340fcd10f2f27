"""CcxtProvider against a scripted fake exchange and against ccxt's real Coinbase class over mocked HTTP."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import ccxt
import pandas as pd
import pytest
import requests
import responses
from responses import matchers

from riskcurve.data.providers import crypto, get_provider
from riskcurve.data.providers.base import RetryPolicy
from riskcurve.data.providers.crypto import CcxtProvider
from riskcurve.errors import DataError, ProviderError, UnknownSymbolError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ccxt"
DAY = 86_400_000
COLUMNS = ["open", "high", "low", "close", "volume"]


def ms(day: str) -> int:
    return int(pd.Timestamp(day).value // 1_000_000)


def candle(day: str, close: float) -> list[float]:
    """A ccxt candle ``[ms, open, high, low, close, volume]`` with numbers derived from ``close``."""
    return [ms(day), close - 10.0, close + 20.0, close - 30.0, close, close / 1000.0]


def history(first: str, days: int, base: float = 40_000.0) -> list[list[float]]:
    return [candle(str((pd.Timestamp(first) + pd.Timedelta(days=i)).date()), base + 100.0 * i) for i in range(days)]


def bars(candles: list[list[float]]) -> pd.DataFrame:
    """The frame the provider should return for ``candles``."""
    index = pd.DatetimeIndex(pd.to_datetime([c[0] for c in candles], unit="ms"), name="date").as_unit("ns")
    return pd.DataFrame([c[1:] for c in candles], index=index, columns=COLUMNS, dtype=float)


class FakeExchange:
    """Answers like a ccxt exchange: ``load_markets`` and ``fetch_ohlcv`` over a candle history.

    Parameters
    ----------
    candles
        The exchange's whole daily history, ascending.
    markets
        Unified market symbols it lists.
    cap
        Most candles per answer (the exchange's own maximum).
    overlap
        Candles before ``since`` repeated at the start of each answer, as some exchanges do.
    windowed
        Answer ``[since, since + limit days)`` like Coinbase instead of ``limit`` candles from ``since``.
    ignore_since
        Always answer the latest ``cap`` candles, like an exchange that ignores ``since``.
    script
        Answers (candle lists) or exceptions served, in order, before the history is consulted.
    market_errors
        Exceptions ``load_markets`` raises, in order, before it succeeds.
    """

    def __init__(
        self,
        candles: list[list[float]] | None = None,
        *,
        markets: tuple[str, ...] = ("BTC/USD", "ETH/USD"),
        cap: int | None = None,
        overlap: int = 0,
        windowed: bool = False,
        ignore_since: bool = False,
        script: list[Any] | None = None,
        market_errors: list[Exception] | None = None,
    ) -> None:
        self.candles = candles or []
        self.markets = {m: {"symbol": m, "spot": True} for m in markets}
        self.cap = cap
        self.overlap = overlap
        self.windowed = windowed
        self.ignore_since = ignore_since
        self.script = list(script or [])
        self.market_errors = list(market_errors or [])
        self.ohlcv_calls: list[tuple[str, str, int | None, int | None]] = []
        self.market_calls = 0

    def load_markets(self) -> dict[str, Any]:
        self.market_calls += 1
        if self.market_errors:
            raise self.market_errors.pop(0)
        return self.markets

    def fetch_ohlcv(
        self, symbol: str, timeframe: str = "1m", since: int | None = None, limit: int | None = None
    ) -> Any:
        self.ohlcv_calls.append((symbol, timeframe, since, limit))
        if self.script:
            item = self.script.pop(0)
            if isinstance(item, Exception):
                raise item
            return item
        assert since is not None and limit is not None
        cap = min(limit, self.cap or limit)
        if self.ignore_since:
            return [list(c) for c in self.candles[-cap:]]
        if self.windowed:
            return [list(c) for c in self.candles if since <= c[0] < since + cap * DAY]
        first = next((i for i, c in enumerate(self.candles) if c[0] >= since), len(self.candles))
        return [list(c) for c in self.candles[max(0, first - self.overlap) : first + cap]]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RISKCURVE_CCXT_EXCHANGE", raising=False)


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> pd.Timestamp:
    """Freeze "now" at 2024-01-06 13:45 UTC, so 2024-01-06's candle is the open one."""
    now = pd.Timestamp("2024-01-06 13:45")
    monkeypatch.setattr(crypto, "utc_now", lambda: now)
    return now


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def policy(waits: list[float]) -> RetryPolicy:
    return RetryPolicy(attempts=3, base_delay=1.0, jitter=0.0, sleep=waits.append)


def provider_for(exchange: FakeExchange, policy: RetryPolicy, **options: Any) -> CcxtProvider:
    built: list[str] = []

    def factory(name: str) -> FakeExchange:
        built.append(name)
        return exchange

    provider = CcxtProvider(exchange="fakeex", policy=policy, exchange_factory=factory, **options)
    provider.built = built  # type: ignore[attr-defined]
    return provider


# --- catalogue and construction ---------------------------------------------------------------


def test_symbols_are_the_catalogue_crypto_symbols() -> None:
    provider = CcxtProvider(exchange_factory=lambda name: None)
    assert provider.symbols() == [
        "ADA", "AVAX", "BCH", "BNB", "BTC", "DOGE", "DOT", "ETH", "LINK", "LTC", "SOL", "TRX", "XLM", "XRP",
    ]  # fmt: skip


def test_exchange_defaults_to_coinbase_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert CcxtProvider().exchange_id == "coinbase"
    monkeypatch.setenv("RISKCURVE_CCXT_EXCHANGE", "Kraken")
    assert CcxtProvider().exchange_id == "kraken"
    assert CcxtProvider(exchange="bitstamp").exchange_id == "bitstamp"


def test_default_factory_builds_the_real_ccxt_class_with_its_rate_limiter() -> None:
    exchange = CcxtProvider(exchange="kraken").exchange
    assert isinstance(exchange, ccxt.kraken)
    assert exchange.enableRateLimit is True
    assert exchange.timeout == 30000


def test_unknown_exchange_is_refused_at_construction() -> None:
    with pytest.raises(ProviderError, match="ccxt has no exchange 'nosuchex'"):
        CcxtProvider(exchange="nosuchex")


def test_registry_builds_it_with_options(policy: RetryPolicy) -> None:
    fake = FakeExchange()
    provider = get_provider("ccxt", exchange="fakeex", policy=policy, exchange_factory=lambda name: fake)
    assert isinstance(provider, CcxtProvider)
    assert provider.exchange is fake


def test_exchange_is_built_once_and_only_when_needed(policy: RetryPolicy, today: pd.Timestamp) -> None:
    provider = provider_for(FakeExchange(history("2024-01-01", 3)), policy)
    assert provider.built == []  # type: ignore[attr-defined]
    provider.fetch("BTC", "2024-01-01", "2024-01-02")
    provider.fetch("BTC", "2024-01-02", "2024-01-03")
    assert provider.built == ["fakeex"]  # type: ignore[attr-defined]


# --- normal fetches, pagination, clipping ---------------------------------------------------------


def test_fetch_returns_exact_bars_and_provenance(policy: RetryPolicy, today: pd.Timestamp) -> None:
    candles = [
        [1704067200000, 42283.58, 44187.14, 42196.86, 44179.55, 27174.29903],
        [1704153600000, 44179.55, 45899.0, 44176.95, 44946.91, 65146.40661],
        [1704240000000, 44946.91, 45500.0, 40750.0, 42845.23, 81194.55173],
    ]
    fake = FakeExchange(candles)
    fetched = provider_for(fake, policy).fetch("btc", "2024-01-01", "2024-01-03")

    expected = pd.DataFrame(
        {
            "open": [42283.58, 44179.55, 44946.91],
            "high": [44187.14, 45899.0, 45500.0],
            "low": [42196.86, 44176.95, 40750.0],
            "close": [44179.55, 44946.91, 42845.23],
            "volume": [27174.29903, 65146.40661, 81194.55173],
        },
        index=pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-03"], name="date").as_unit("ns"),
    )
    pd.testing.assert_frame_equal(fetched.frame, expected)
    assert (fetched.symbol, fetched.kind, fetched.provider) == ("BTC", "price", "ccxt")
    assert fetched.source == "ccxt:fakeex:BTC/USD"
    assert fake.ohlcv_calls == [("BTC/USD", "1d", 1704067200000, 300)]


def test_pages_until_end_and_dedupes_the_overlapping_boundary_candle(policy: RetryPolicy, today: pd.Timestamp) -> None:
    candles = history("2024-01-01", 5)
    fake = FakeExchange(candles, cap=2, overlap=1)  # every page repeats the last candle of the page before
    fetched = provider_for(fake, policy).fetch("BTC", "2024-01-01", "2024-01-05")

    pd.testing.assert_frame_equal(fetched.frame, bars(candles))
    assert fetched.frame["close"].tolist() == [40_000.0, 40_100.0, 40_200.0, 40_300.0, 40_400.0]
    assert [call[2] for call in fake.ohlcv_calls] == [ms("2024-01-01"), ms("2024-01-03"), ms("2024-01-05")]


def test_pages_stop_when_the_exchange_has_no_newer_candle(policy: RetryPolicy, today: pd.Timestamp) -> None:
    candles = history("2023-12-30", 5)  # last candle 2024-01-03, three days before "today"
    fake = FakeExchange(candles, cap=3)
    fetched = provider_for(fake, policy).fetch("BTC", "2023-12-30")

    assert pd.DatetimeIndex(fetched.frame.index).strftime("%Y-%m-%d").tolist() == [
        "2023-12-30", "2023-12-31", "2024-01-01", "2024-01-02", "2024-01-03",
    ]  # fmt: skip
    # 2023-12-30 -> 3 candles; 2024-01-02 -> 2 candles; 2024-01-04 -> nothing, skip a window to "today": done.
    assert [call[2] for call in fake.ohlcv_calls] == [ms("2023-12-30"), ms("2024-01-02"), ms("2024-01-04")]


def test_start_and_end_clip_what_the_exchange_sends_around_them(policy: RetryPolicy, today: pd.Timestamp) -> None:
    candles = history("2024-01-01", 5)
    fake = FakeExchange(candles, overlap=1)  # answers 2024-01-01..05 for since=2024-01-02
    fetched = provider_for(fake, policy).fetch("BTC", "2024-01-02", "2024-01-03")

    pd.testing.assert_frame_equal(fetched.frame, bars(candles[1:3]))
    assert len(fake.ohlcv_calls) == 1


def test_todays_open_candle_is_dropped(policy: RetryPolicy, today: pd.Timestamp) -> None:
    candles = history("2024-01-03", 4)  # 2024-01-03 .. 2024-01-06, the last one still open
    provider = provider_for(FakeExchange(candles), policy)

    open_ended = provider.fetch("BTC", "2024-01-03")
    asked_for_today = provider.fetch("BTC", "2024-01-03", "2024-01-06")

    for fetched in (open_ended, asked_for_today):
        assert fetched.frame.index.max() == pd.Timestamp("2024-01-05")
        pd.testing.assert_frame_equal(fetched.frame, bars(candles[:3]))


def test_windowed_exchange_skips_empty_windows_before_the_listing(policy: RetryPolicy, today: pd.Timestamp) -> None:
    candles = history("2024-01-01", 5)
    fake = FakeExchange(candles, windowed=True)
    fetched = provider_for(fake, policy).fetch("BTC", "2023-01-01")

    pd.testing.assert_frame_equal(fetched.frame, bars(candles))
    # [2023-01-01, +300 days) is empty; the next window starts 2023-10-28 and holds everything.
    assert [call[2] for call in fake.ohlcv_calls] == [ms("2023-01-01"), ms("2023-10-28")]


def test_without_start_it_asks_from_the_first_bitcoin_price(policy: RetryPolicy, today: pd.Timestamp) -> None:
    candles = history("2024-01-01", 2)
    fake = FakeExchange(candles)
    fetched = provider_for(fake, policy).fetch("BTC")
    assert fake.ohlcv_calls[0][2] == ms("2010-07-17")
    pd.testing.assert_frame_equal(fetched.frame, bars(candles))


def test_an_exchange_repeating_the_same_page_does_not_loop_forever(policy: RetryPolicy, today: pd.Timestamp) -> None:
    candles = history("2023-12-28", 5)
    fake = FakeExchange(candles, cap=2, ignore_since=True)  # always answers 2023-12-31 and 2024-01-01
    fetched = provider_for(fake, policy).fetch("BTC", "2023-12-28")

    pd.testing.assert_frame_equal(fetched.frame, bars(candles[3:]))
    assert len(fake.ohlcv_calls) == 2


def test_no_candle_in_range_gives_an_empty_canonical_frame(policy: RetryPolicy, today: pd.Timestamp) -> None:
    fetched = provider_for(FakeExchange([]), policy).fetch("BTC", "2024-01-01", "2024-01-04")
    assert fetched.frame.empty
    assert fetched.frame.columns.tolist() == COLUMNS
    assert fetched.frame.index.name == "date"
    assert fetched.frame.index.dtype == "datetime64[ns]"  # the same as validated frames
    assert (fetched.frame.dtypes == "float64").all()


def test_missing_volume_is_kept_blank(policy: RetryPolicy, today: pd.Timestamp) -> None:
    fake = FakeExchange(script=[[[ms("2024-01-02"), 1.5, 2.0, 1.0, 1.75, None]]])
    fetched = provider_for(fake, policy).fetch("BTC", "2024-01-02", "2024-01-02")
    assert fetched.frame["close"].tolist() == [1.75]
    assert math.isnan(fetched.frame["volume"].iloc[0])


# --- markets ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("listed", "used"),
    [(("BTC/USDT", "BTC/USDC"), "BTC/USDT"), (("BTC/USDC", "BTC/EUR"), "BTC/USDC")],
)
def test_falls_back_to_stablecoin_markets_and_says_so(
    listed: tuple[str, ...], used: str, policy: RetryPolicy, today: pd.Timestamp
) -> None:
    fake = FakeExchange(history("2024-01-01", 2), markets=listed)
    fetched = provider_for(fake, policy).fetch("BTC", "2024-01-01", "2024-01-02")
    assert fetched.source == f"ccxt:fakeex:{used}"
    assert fake.ohlcv_calls[0][0] == used
    assert len(fetched.frame) == 2


def test_quote_option_changes_the_market_tried_first(policy: RetryPolicy, today: pd.Timestamp) -> None:
    fake = FakeExchange(history("2024-01-01", 1), markets=("BTC/EUR", "BTC/USDT"))
    fetched = provider_for(fake, policy, quote="eur").fetch("BTC", "2024-01-01", "2024-01-01")
    assert fetched.source == "ccxt:fakeex:BTC/EUR"


def test_no_market_names_the_exchange_and_every_market_tried(policy: RetryPolicy) -> None:
    fake = FakeExchange(markets=("ETH/USD",))
    with pytest.raises(UnknownSymbolError) as info:
        provider_for(fake, policy).fetch("BTC")
    assert "exchange fakeex lists none of the markets BTC/USD, BTC/USDT, BTC/USDC" in str(info.value)
    assert info.value.symbol == "BTC"
    assert fake.ohlcv_calls == []


@pytest.mark.parametrize("symbol", ["NOPE", "WALCL", "RUT", "BTC_MCAP"])
def test_symbols_ccxt_does_not_serve_are_unknown_without_touching_the_exchange(
    symbol: str, policy: RetryPolicy
) -> None:
    provider = provider_for(FakeExchange(), policy)
    with pytest.raises(UnknownSymbolError):
        provider.fetch(symbol)
    assert provider.built == []  # type: ignore[attr-defined]


def test_bad_symbol_from_the_exchange_is_an_unknown_symbol_and_not_retried(
    policy: RetryPolicy, waits: list[float], today: pd.Timestamp
) -> None:
    fake = FakeExchange(script=[ccxt.BadSymbol("fakeex does not have market symbol BTC/USD")])
    with pytest.raises(UnknownSymbolError, match="fakeex rejected the market: fakeex does not have market symbol"):
        provider_for(fake, policy).fetch("BTC", "2024-01-01")
    assert waits == []
    assert len(fake.ohlcv_calls) == 1


# --- failures, retries, backoff --------------------------------------------------------------------


def test_timeout_then_success_backs_off_and_returns_the_data(
    policy: RetryPolicy, waits: list[float], today: pd.Timestamp
) -> None:
    candles = history("2024-01-01", 3)
    timeout = ccxt.RequestTimeout("fakeex GET https://api.fake.example/ohlcv request timeout (30000 ms)")
    fake = FakeExchange(candles, script=[timeout, timeout])
    fetched = provider_for(fake, policy).fetch("BTC", "2024-01-01", "2024-01-03")

    pd.testing.assert_frame_equal(fetched.frame, bars(candles))
    assert waits == [1.0, 2.0]
    assert len(fake.ohlcv_calls) == 3


@pytest.mark.parametrize(
    "error",
    [
        ccxt.RateLimitExceeded('fakeex {"code":-1003,"msg":"Too many requests"}'),
        ccxt.DDoSProtection("fakeex GET https://api.fake.example 403 Forbidden <html>cloudflare</html>"),
        ccxt.ExchangeNotAvailable("fakeex GET https://api.fake.example 503 Service Unavailable"),
        ccxt.NetworkError("fakeex GET https://api.fake.example connection reset"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_network_errors_while_loading_markets_are_retried_with_backoff(
    error: Exception, policy: RetryPolicy, waits: list[float], today: pd.Timestamp
) -> None:
    fake = FakeExchange(history("2024-01-01", 2), market_errors=[error])
    fetched = provider_for(fake, policy).fetch("BTC", "2024-01-01", "2024-01-02")
    assert len(fetched.frame) == 2
    assert waits == [1.0]
    assert fake.market_calls == 2


def test_gives_up_after_the_last_attempt_naming_provider_and_symbol(
    policy: RetryPolicy, waits: list[float], today: pd.Timestamp
) -> None:
    limited = ccxt.RateLimitExceeded("fakeex 429 Too Many Requests")
    fake = FakeExchange(history("2024-01-01", 2), script=[limited, limited, limited])
    with pytest.raises(ProviderError) as info:
        provider_for(fake, policy).fetch("ETH", "2024-01-01")
    error = info.value
    assert (error.provider, error.symbol) == ("ccxt", "ETH")
    assert str(error) == "ccxt ETH: gave up after 3 attempts: RateLimitExceeded: fakeex 429 Too Many Requests"
    assert waits == [1.0, 2.0]


@pytest.mark.parametrize(
    ("error", "name"),
    [
        (ccxt.ExchangeError('fakeex {"error":["EGeneral:Internal error"]}'), "ExchangeError"),
        (ccxt.AuthenticationError("fakeex requires apiKey credential"), "AuthenticationError"),
        (ccxt.NotSupported("fakeex fetchOHLCV() is not supported yet"), "NotSupported"),
    ],
)
def test_other_exchange_errors_are_final(
    error: Exception, name: str, policy: RetryPolicy, waits: list[float], today: pd.Timestamp
) -> None:
    fake = FakeExchange(script=[error])
    with pytest.raises(ProviderError, match=rf"^ccxt BTC: fakeex {name}: ") as info:
        provider_for(fake, policy).fetch("BTC", "2024-01-01")
    assert info.value.__cause__ is error
    assert waits == []


def test_ccxt_choking_on_a_garbage_answer_is_a_provider_error(policy: RetryPolicy, today: pd.Timestamp) -> None:
    fake = FakeExchange(script=[TypeError("'NoneType' object is not subscriptable")])
    with pytest.raises(ProviderError, match=r"^ccxt BTC: fakeex TypeError: 'NoneType' object is not subscriptable$"):
        provider_for(fake, policy).fetch("BTC", "2024-01-01")


def test_long_error_pages_are_cut(policy: RetryPolicy, today: pd.Timestamp) -> None:
    fake = FakeExchange(script=[ccxt.ExchangeError("fakeex " + "<html>" * 500)])
    with pytest.raises(ProviderError) as info:
        provider_for(fake, policy).fetch("BTC", "2024-01-01")
    assert len(str(info.value)) < 400


# --- malformed answers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "fragment"),
    [
        (None, "fetch_ohlcv returned NoneType, not candles"),
        ([[ms("2024-01-02"), 1.0, 2.0, 0.5, 1.5]], "malformed candle [1704153600000, 1.0, 2.0, 0.5, 1.5]"),
        ([{"time": ms("2024-01-02")}], "malformed candle {'time': 1704153600000}"),
        ([[ms("2024-01-02"), 1.0, 2.0, 0.5, "1.5", 3.0]], "close '1.5' on 2024-01-02 is not a number"),
        ([[ms("2024-01-02"), 1.0, 2.0, 0.5, None, 3.0]], "close None on 2024-01-02 is not a number"),
        ([[ms("2024-01-02"), 1.0, 2.0, float("nan"), 1.5, 3.0]], "low nan on 2024-01-02 is not a number"),
        ([[ms("2024-01-02"), 1.0, 2.0, -0.5, 1.5, 3.0]], "low -0.5 on 2024-01-02 is negative"),
        ([[ms("2024-01-02"), 1.0, 2.0, 0.5, 1.5, -3.0]], "volume -3 on 2024-01-02 is negative"),
        ([["2024-01-02", 1.0, 2.0, 0.5, 1.5, 3.0]], "candle time '2024-01-02' is not a number"),
        ([[ms("2024-01-02") + 16 * 3_600_000, 1.0, 2.0, 0.5, 1.5, 3.0]], "2024-01-02 16:00:00 UTC does not start"),
    ],
)
def test_malformed_candles_name_exchange_market_and_problem(
    page: Any, fragment: str, policy: RetryPolicy, waits: list[float], today: pd.Timestamp
) -> None:
    fake = FakeExchange(script=[page])
    with pytest.raises(ProviderError) as info:
        provider_for(fake, policy).fetch("BTC", "2024-01-01")
    message = str(info.value)
    assert message.startswith("ccxt BTC: fakeex BTC/USD: ")
    assert fragment in message
    assert waits == []


def test_well_formed_but_impossible_prices_fail_validation(policy: RetryPolicy, today: pd.Timestamp) -> None:
    fake = FakeExchange(script=[[[ms("2024-01-02"), 1.0, 2.0, 0.5, 0.0, 3.0]]])
    with pytest.raises(DataError, match="close 0 is not positive") as info:
        provider_for(fake, policy).fetch("BTC", "2024-01-02", "2024-01-02")
    assert info.value.source == "ccxt:fakeex:BTC/USD"


# --- the real ccxt Coinbase class, HTTP mocked ---------------------------------------------------------

COINBASE = "https://api.coinbase.com"
CANDLES_URL = re.compile(rf"{re.escape(COINBASE)}/api/v3/brokerage/market/products/(?P<product>[A-Z]+-[A-Z]+)/candles")


def _fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def coinbase_candles(candles: list[list[float]]) -> Any:
    """A callback answering Coinbase's candles endpoint from ``candles``, newest first as Coinbase does."""

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        query = parse_qs(urlparse(str(request.url)).query)
        start, end = int(query["start"][0]) * 1000, int(query["end"][0]) * 1000
        inside = [c for c in reversed(candles) if start <= c[0] < end]
        body = [
            {"start": str(c[0] // 1000), "low": str(c[3]), "high": str(c[2]), "open": str(c[1]),
             "close": str(c[4]), "volume": str(c[5])}
            for c in inside
        ]  # fmt: skip
        return 200, {}, json.dumps({"candles": body})

    return answer


@pytest.fixture
def coinbase() -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{COINBASE}/v2/currencies", json=_fixture("coinbase_v2_currencies.json"))
        mock.get(f"{COINBASE}/v2/currencies/crypto", json=_fixture("coinbase_v2_currencies_crypto.json"))
        mock.get(f"{COINBASE}/v2/exchange-rates", json=_fixture("coinbase_v2_exchange_rates.json"))
        products = f"{COINBASE}/api/v3/brokerage/market/products"
        future = matchers.query_param_matcher({"product_type": "FUTURE"})
        mock.get(products, json=_fixture("coinbase_v3_products_future.json"), match=[future])
        mock.get(products, json=_fixture("coinbase_v3_products_spot.json"), match=[matchers.query_param_matcher({})])
        yield mock


def real_coinbase(policy: RetryPolicy) -> CcxtProvider:
    # The real class, only without its limiter's pauses so the test stays fast.
    return CcxtProvider(
        exchange="coinbase", policy=policy, exchange_factory=lambda name: ccxt.coinbase({"enableRateLimit": False})
    )


def candle_requests(mock: Any) -> list[dict[str, list[str]]]:
    return [parse_qs(urlparse(str(c.request.url)).query) for c in mock.calls if "/candles" in str(c.request.url)]


def test_real_coinbase_fetch(coinbase: Any, policy: RetryPolicy, today: pd.Timestamp) -> None:
    candles = history("2024-01-01", 6)  # up to 2024-01-06, today's open candle
    coinbase.add_callback(responses.GET, CANDLES_URL, callback=coinbase_candles(candles))
    fetched = real_coinbase(policy).fetch("BTC", "2024-01-01")

    pd.testing.assert_frame_equal(fetched.frame, bars(candles[:5]))
    assert fetched.source == "ccxt:coinbase:BTC/USD"
    assert candle_requests(coinbase) == [
        {"granularity": ["ONE_DAY"], "start": ["1704067200"], "end": [str(1704067200 + 300 * 86400)]}
    ]


def test_real_coinbase_pages_through_windows(coinbase: Any, policy: RetryPolicy, today: pd.Timestamp) -> None:
    candles = history("2023-01-01", 370)  # 2023-01-01 .. 2024-01-05
    coinbase.add_callback(responses.GET, CANDLES_URL, callback=coinbase_candles(candles))
    fetched = real_coinbase(policy).fetch("BTC", "2023-01-01")

    pd.testing.assert_frame_equal(fetched.frame, bars(candles))
    assert [q["start"][0] for q in candle_requests(coinbase)] == [
        str(ms("2023-01-01") // 1000),
        str(ms("2023-10-28") // 1000),  # the day after the first window's last candle
    ]


def test_real_coinbase_stablecoin_fallback(coinbase: Any, policy: RetryPolicy, today: pd.Timestamp) -> None:
    coinbase.add_callback(responses.GET, CANDLES_URL, callback=coinbase_candles(history("2024-01-01", 2)))
    fetched = real_coinbase(policy).fetch("ETH", "2024-01-01", "2024-01-02")
    assert fetched.source == "ccxt:coinbase:ETH/USDC"
    assert "/products/ETH-USDC/candles" in coinbase.calls[-1].request.url


def test_real_coinbase_unknown_market(coinbase: Any, policy: RetryPolicy) -> None:
    with pytest.raises(UnknownSymbolError, match="exchange coinbase lists none of the markets SOL/USD, SOL/USDT"):
        real_coinbase(policy).fetch("SOL")


def test_real_coinbase_429_then_success(
    coinbase: Any, policy: RetryPolicy, waits: list[float], today: pd.Timestamp
) -> None:
    candles = history("2024-01-01", 3)
    coinbase.get(CANDLES_URL, status=429, json={"errors": [{"id": "rate_limit_exceeded", "message": "Too many"}]})
    coinbase.add_callback(responses.GET, CANDLES_URL, callback=coinbase_candles(candles))
    fetched = real_coinbase(policy).fetch("BTC", "2024-01-01", "2024-01-03")

    pd.testing.assert_frame_equal(fetched.frame, bars(candles))
    assert waits == [1.0]


def test_real_coinbase_timeouts_until_give_up(coinbase: Any, policy: RetryPolicy, waits: list[float]) -> None:
    coinbase.get(CANDLES_URL, body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(ProviderError, match=r"^ccxt BTC: gave up after 3 attempts: RequestTimeout: coinbase GET "):
        real_coinbase(policy).fetch("BTC", "2024-01-01")
    assert waits == [1.0, 2.0]
    assert len(candle_requests(coinbase)) == 3
