"""YahooProvider against fake tickers whose ``history()`` returns what yfinance 1.7's does (frame shapes).

The fixture frames under ``tests/fixtures/yahoo`` have yfinance's shape: a timezone-aware
``Date`` index at exchange midnight and float ``Open High Low Close`` with integer ``Volume``.
Failures are yfinance's own exception classes and the network errors of its HTTP backends.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests
from curl_cffi.requests import exceptions as curl_errors
from yfinance import exceptions as yf_errors

from riskcurve.data.providers.base import Fetched, RetryPolicy, get_provider
from riskcurve.data.providers.yahoo import YahooProvider
from riskcurve.data.symbols import CATALOGUE
from riskcurve.errors import ProviderError, UnknownSymbolError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "yahoo"


def yahoo_frame(ticker: str, tz: str) -> pd.DataFrame:
    """A recorded-shape ``Ticker.history()`` result: tz-aware ``Date`` index, OHLC floats, int volume."""
    # Read as text and parsed by float(): exactly the recorded floats (pandas 2.2's own parser can
    # be one unit off in the last place; pandas 3 deprecates asking it for round-trip parsing).
    frame = pd.read_csv(FIXTURES / f"{ticker}_1d.csv", dtype=str)
    frame = frame.astype({column: "int64" if column == "Volume" else float for column in frame if column != "Date"})
    index = pd.DatetimeIndex(pd.to_datetime(frame.pop("Date"), utc=True)).tz_convert(tz)
    frame.index = index.rename("Date")
    return frame


def rut() -> pd.DataFrame:
    return yahoo_frame("RUT", "America/New_York")


class FakeTicker:
    """Stands in for ``yfinance.Ticker``: each ``history()`` call takes the next scripted outcome."""

    def __init__(self, ticker: str, outcomes: list[Any]) -> None:
        self.ticker = ticker
        self.outcomes = outcomes
        self.calls: list[dict[str, Any]] = []

    def history(self, **kwargs: Any) -> pd.DataFrame:
        self.calls.append(kwargs)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome.copy()


class Factory:
    """A ``ticker_factory`` that hands out one FakeTicker per ticker and remembers them."""

    def __init__(self, *outcomes: Any) -> None:
        self.outcomes = list(outcomes)
        self.tickers: dict[str, FakeTicker] = {}

    def __call__(self, ticker: str) -> FakeTicker:
        # The provider builds a ticker per attempt; one fake per ticker keeps every call on record.
        if ticker not in self.tickers:
            self.tickers[ticker] = FakeTicker(ticker, self.outcomes)
        return self.tickers[ticker]

    def calls(self, ticker: str) -> list[dict[str, Any]]:
        return self.tickers[ticker].calls


@pytest.fixture(autouse=True)
def _restore_yfinance_config() -> Iterator[None]:
    """Building a provider sets yfinance's process-wide config; put it back for later tests."""
    import yfinance

    saved = (yfinance.config.debug.hide_exceptions, yfinance.config.network.retries)
    yield
    yfinance.config.debug.hide_exceptions, yfinance.config.network.retries = saved


def provider(factory: Factory, waits: list[float] | None = None, attempts: int = 5) -> YahooProvider:
    sleep: Callable[[float], None] = waits.append if waits is not None else _no_sleep
    policy = RetryPolicy(attempts=attempts, base_delay=1.0, jitter=0.0, sleep=sleep)
    return YahooProvider(policy=policy, ticker_factory=factory, min_interval=0.0)


def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"unexpected sleep of {seconds}s")


# -- normal fetches ---------------------------------------------------------------------------


def test_fetch_rut_gives_exact_bars_on_new_york_trading_days() -> None:
    factory = Factory(rut())
    got = provider(factory).fetch("RUT")

    assert isinstance(got, Fetched)
    assert (got.symbol, got.kind, got.provider, got.source) == ("RUT", "price", "yahoo", "yahoo:^RUT")
    assert got.fetched_at.tz is None
    frame = got.frame
    assert frame.index.name == "date"
    assert frame.index.tz is None
    assert list(frame.index.strftime("%Y-%m-%d")) == [
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
        "2024-01-05",
        "2024-01-08",
    ]
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"]
    assert (frame.dtypes == np.float64).all()
    assert frame.loc["2024-01-02", "close"] == 2022.2099609375
    assert frame.loc["2024-01-08", "open"] == 1965.0999755859375
    assert frame.loc["2024-01-03", "low"] == 1963.0
    assert frame["volume"].sum() == 0.0
    assert factory.calls("^RUT") == [{"period": "max", "interval": "1d", "auto_adjust": True, "actions": False}]


def test_fetch_btc_uses_utc_days_and_keeps_volume() -> None:
    factory = Factory(yahoo_frame("BTC-USD", "UTC"))
    got = provider(factory).fetch("btc")

    assert got.symbol == "BTC"
    assert got.source == "yahoo:BTC-USD"
    assert list(factory.tickers) == ["BTC-USD"]
    assert list(got.frame.index.strftime("%Y-%m-%d")) == ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]
    assert got.frame.loc["2024-01-03", "close"] == 42848.17578125
    assert got.frame.loc["2024-01-02", "volume"] == 39335274536.0


def test_exchange_local_date_is_kept_not_the_utc_date() -> None:
    # Midnight in Tokyo is 15:00 UTC the day before: converting to UTC would shift every bar.
    frame = rut()
    frame.index = pd.DatetimeIndex(frame.index.tz_localize(None)).tz_localize("Asia/Tokyo").rename("Date")
    got = provider(Factory(frame)).fetch("RUT")
    assert got.frame.index[0] == pd.Timestamp("2024-01-02")


def test_intraday_stamp_of_the_live_bar_becomes_its_trading_day() -> None:
    frame = rut()
    index = frame.index.to_list()
    index[-1] = pd.Timestamp("2024-01-08 15:59:00", tz="America/New_York")
    frame.index = pd.DatetimeIndex(index, name="Date")
    got = provider(Factory(frame)).fetch("RUT")
    assert got.frame.index[-1] == pd.Timestamp("2024-01-08")


def test_holiday_row_without_close_is_dropped() -> None:
    frame = rut()
    holiday = pd.DataFrame(
        {"Open": [np.nan], "High": [np.nan], "Low": [np.nan], "Close": [np.nan], "Volume": [0]},
        index=pd.DatetimeIndex([pd.Timestamp("2024-01-15", tz="America/New_York")], name="Date"),
    )
    got = provider(Factory(pd.concat([frame, holiday]))).fetch("RUT")
    assert len(got.frame) == 5
    assert got.frame.index[-1] == pd.Timestamp("2024-01-08")


def test_auto_adjust_is_passed_through() -> None:
    factory = Factory(rut())
    policy = RetryPolicy(sleep=_no_sleep)
    YahooProvider(policy=policy, ticker_factory=factory, auto_adjust=False, min_interval=0.0).fetch("RUT")
    assert factory.calls("^RUT")[0]["auto_adjust"] is False


# -- ranges -----------------------------------------------------------------------------------


def test_start_and_end_are_sent_with_exclusive_end_and_result_is_clipped() -> None:
    # Yahoo often appends the latest bar past the requested end; the provider clips it off.
    factory = Factory(rut())
    got = provider(factory).fetch("RUT", start="2024-01-03", end="2024-01-05")

    assert factory.calls("^RUT") == [
        {
            "start": "2024-01-03",
            "end": "2024-01-06",
            "interval": "1d",
            "auto_adjust": True,
            "actions": False,
        }
    ]
    assert list(got.frame.index.strftime("%Y-%m-%d")) == ["2024-01-03", "2024-01-04", "2024-01-05"]
    assert got.frame["close"].tolist() == [1966.3399658203125, 1962.7099609375, 1964.6600341796875]


def test_end_only_asks_for_max_period_up_to_end() -> None:
    factory = Factory(rut())
    got = provider(factory).fetch("RUT", end=pd.Timestamp("2024-01-03"))
    call = factory.calls("^RUT")[0]
    assert (call["period"], call["end"]) == ("max", "2024-01-04")
    assert "start" not in call
    assert list(got.frame.index.strftime("%Y-%m-%d")) == ["2024-01-02", "2024-01-03"]


def test_start_after_end_is_rejected_before_any_request() -> None:
    factory = Factory()
    with pytest.raises(ValueError, match="after end"):
        provider(factory).fetch("RUT", start="2024-02-01", end="2024-01-01")
    assert factory.tickers == {}


# -- retries ----------------------------------------------------------------------------------


def test_timeouts_are_retried_with_growing_waits() -> None:
    waits: list[float] = []
    timeout = curl_errors.Timeout("Failed to perform, curl: (28) Operation timed out after 10001 milliseconds")
    factory = Factory(timeout, requests.ConnectionError("Connection reset by peer"), rut())
    got = provider(factory, waits).fetch("RUT")

    assert waits == [1.0, 2.0]
    assert len(factory.calls("^RUT")) == 3
    assert got.frame["close"].iloc[0] == 2022.2099609375


def test_rate_limit_error_is_retried_with_backoff() -> None:
    waits: list[float] = []
    factory = Factory(yf_errors.YFRateLimitError(), yf_errors.YFRateLimitError(), rut())
    got = provider(factory, waits).fetch("RUT")
    assert waits == [1.0, 2.0]
    assert len(got.frame) == 5


def test_yahoo_down_page_is_retried_then_given_up() -> None:
    waits: list[float] = []
    down = yf_errors.YFDataException("*** YAHOO! FINANCE IS CURRENTLY DOWN! ***")
    with pytest.raises(ProviderError, match="gave up after 2 attempts"):
        provider(Factory(down, down), waits, attempts=2).fetch("GOLD")
    assert waits == [1.0]


# -- no data and garbage ----------------------------------------------------------------------


def test_prices_missing_means_no_data_and_is_not_retried() -> None:
    missing = yf_errors.YFPricesMissingError("^RUT", " (1d 2024-01-06 -> 2024-01-08)")
    with pytest.raises(ProviderError) as caught:
        provider(Factory(missing)).fetch("RUT", start="2024-01-06", end="2024-01-07")
    message = str(caught.value)
    assert message.startswith(
        "yahoo RUT: no data for ticker ^RUT between 2024-01-06 and 2024-01-07 (delisted or wrong ticker?)"
    )
    assert "no price data found" in message


def test_missing_timezone_without_any_answer_is_retried_not_delisted() -> None:
    # No chart answer reached the session: the timezone look-up failed on the way, not at Yahoo.
    waits: list[float] = []
    factory = Factory(yf_errors.YFTzMissingError("SI=F"), yf_errors.YFTzMissingError("SI=F"))
    with pytest.raises(ProviderError) as caught:
        provider(factory, waits, attempts=2).fetch("SILVER")
    assert str(caught.value) == (
        "yahoo SILVER: gave up after 2 attempts: SI=F: Yahoo's first request (timezone) got no answer "
        "($SI=F: possibly delisted; no timezone found)"
    )
    assert waits == [1.0]


def test_empty_frame_means_no_data() -> None:
    empty = pd.DataFrame(columns=["Open", "High", "Low", "Close", "Adj Close", "Volume"])
    empty.index.name = "Date"  # yfinance's utils.empty_df()
    with pytest.raises(ProviderError, match=r"no data for ticker \^RUT"):
        provider(Factory(empty)).fetch("RUT")


def test_range_with_no_bars_after_clipping_means_no_data() -> None:
    with pytest.raises(ProviderError, match="between 2024-01-06 and 2024-01-07"):
        provider(Factory(rut())).fetch("RUT", start="2024-01-06", end="2024-01-07")


def test_frame_without_close_is_reported() -> None:
    frame = rut().rename(columns={"Close": "Adj Close"})
    with pytest.raises(ProviderError) as caught:
        provider(Factory(frame)).fetch("RUT")
    assert str(caught.value) == (
        "yahoo RUT: ^RUT: no Close column in Yahoo's answer (found: Open, High, Low, Adj Close, Volume)"
    )


def test_non_numeric_close_is_reported_with_its_date() -> None:
    frame = rut()
    frame["Close"] = frame["Close"].astype(object)
    frame.iloc[2, frame.columns.get_loc("Close")] = "N/A"
    with pytest.raises(ProviderError) as caught:
        provider(Factory(frame)).fetch("RUT")
    assert str(caught.value) == "yahoo RUT: unusable bars for ^RUT on 2024-01-04: close 'N/A' is not a number"


def test_negative_price_is_reported() -> None:
    frame = rut()
    frame.iloc[1, frame.columns.get_loc("Low")] = -5.0
    with pytest.raises(ProviderError, match=r"unusable bars for \^RUT on 2024-01-03: low -5 is not positive"):
        provider(Factory(frame)).fetch("RUT")


def test_index_that_is_not_dates_is_reported() -> None:
    frame = rut().reset_index(drop=True)
    with pytest.raises(ProviderError, match=r"\^RUT: index is RangeIndex, not dates"):
        provider(Factory(frame)).fetch("RUT")


# -- symbols ----------------------------------------------------------------------------------


def test_symbols_are_the_catalogue_entries_with_a_yahoo_ticker() -> None:
    names = provider(Factory()).symbols()
    # Every exchange-traded price Yahoo quotes, and every coin (each has a -USD pair there).
    traded = {n for n, s in CATALOGUE.items() if s.kind == "price" and s.calendar == "exchange" and s.yahoo}
    coins = {n for n, s in CATALOGUE.items() if s.calendar == "crypto" and s.ccxt}
    assert names == sorted(traded | coins)
    assert {"RUT", "IWM", "GSPC", "IXIC", "NDX", "GOLD", "SILVER", "BTC", "XLM"} <= set(names)
    assert not {"WALCL", "GOLD_LBMA", "BTC_MCAP"} & set(names)


@pytest.mark.parametrize("symbol", ["NOPE", "WALCL", "GOLD_LBMA"])
def test_unknown_or_non_yahoo_symbol_raises_before_any_request(symbol: str) -> None:
    factory = Factory()
    with pytest.raises(UnknownSymbolError):
        provider(factory).fetch(symbol)
    assert factory.tickers == {}


def test_registry_builds_the_provider_with_options() -> None:
    factory = Factory(yahoo_frame("BTC-USD", "UTC"))
    built = get_provider("yahoo", ticker_factory=factory, min_interval=0.0, policy=RetryPolicy(sleep=_no_sleep))
    assert built.name == "yahoo"
    assert built.fetch("BTC").frame.shape == (4, 5)


def test_importing_the_provider_does_not_import_yfinance() -> None:
    code = "import sys, riskcurve.data.providers.yahoo; print('yfinance' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
