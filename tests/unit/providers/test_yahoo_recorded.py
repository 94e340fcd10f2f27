"""YahooProvider through yfinance 1.7's real code path, with Yahoo's answers served by ``responses``.

The provider's session is a ``requests.Session`` (yfinance 1.7 accepts one beside curl_cffi's), so
``Ticker.history`` runs unchanged: cookie and crumb, the timezone look-up
(``/v8/finance/chart/{ticker}?range=1d``), then the bars (``?period1=..&period2=..``). Fixtures under
``tests/fixtures/yahoo`` are shaped like the real v8 chart answers: the bars of ``^RUT`` for the first
week of 2024, the ``range=1d`` answer, Yahoo's 404 "No data found, symbol may be delisted", a JSON
500 and the HTML error page Yahoo serves on a 503.

yfinance's process-wide state (its session singleton, on-disk timezone and cookie caches, answer
cache and config) is reset around each test so tests cannot leak answers into each other.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
import requests
import responses

from riskcurve.data.providers.base import RetryPolicy
from riskcurve.data.providers.yahoo import YahooProvider, recording_session
from riskcurve.errors import ProviderError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "yahoo"
CHART = re.compile(r"https://query2\.finance\.yahoo\.com/v8/finance/chart/.+")
Answer = tuple[int, dict[str, str], str] | BaseException


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def ok(name: str) -> Answer:
    return 200, {"Content-Type": "application/json;charset=utf-8"}, fixture(name)


TZ_OK = ok("RUT_chart_range_1d.json")
BARS_OK = ok("RUT_chart_1d.json")
HTML_503: Answer = (503, {"Content-Type": "text/html;charset=utf-8"}, fixture("error_503.html"))
JSON_500: Answer = (500, {"Content-Type": "application/json;charset=utf-8"}, fixture("chart_500.json"))
DELISTED: Answer = (404, {"Content-Type": "application/json;charset=utf-8"}, fixture("chart_404_delisted.json"))


def refused() -> requests.ConnectionError:
    return requests.ConnectionError(
        "HTTPSConnectionPool(host='query2.finance.yahoo.com', port=443): Max retries exceeded "
        "(Caused by NewConnectionError('Failed to establish a new connection: [Errno 101] Network is unreachable'))"
    )


class Yahoo:
    """Yahoo's chart endpoint: scripted answers for the timezone look-up and for the bars."""

    def __init__(self) -> None:
        self.tz: list[Answer] = []
        self.bars: list[Answer] = []
        self.requests: list[dict[str, str]] = []
        self.mock: responses.RequestsMock | None = None  # the rest of Yahoo (cookie, crumb)

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        params = dict(request.params)  # type: ignore[attr-defined]
        self.requests.append(params)
        script = self.tz if params.get("range") == "1d" else self.bars
        assert script, f"unexpected chart request {params}"
        answer = script.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


@pytest.fixture
def yahoo(monkeypatch: pytest.MonkeyPatch) -> Iterator[Yahoo]:
    import yfinance
    from yfinance import base, cache, data

    monkeypatch.setattr(data.SingletonMeta, "_instances", {})  # a fresh YfData on our session
    monkeypatch.setattr(cache, "get_tz_cache", cache._TzCacheDummy)  # nothing read from or left on disk
    monkeypatch.setattr(cache, "get_cookie_cache", cache._CookieCacheDummy)
    # yfinance falls back to Ticker.info twice per process when the timezone is missing; count
    # those as spent so the recorded conversation is the chart endpoint only.
    monkeypatch.setattr(base, "_tz_info_fetch_ctr", 2)
    config = (yfinance.config.debug.hide_exceptions, yfinance.config.network.retries)
    server = Yahoo()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.get("https://fc.yahoo.com", body="")
        mocked.get("https://query1.finance.yahoo.com/v1/test/getcrumb", body="Xw1Jx0mKqTz")
        mocked.get("https://guce.yahoo.com/consent", body="<html><body>consent</body></html>")
        mocked.get("https://query2.finance.yahoo.com/v1/test/getcrumb", body="Xw1Jx0mKqTz")
        mocked.add_callback(responses.GET, CHART, callback=server)
        server.mock = mocked
        yield server
    data.YfData.cache_get.cache_clear()
    yfinance.config.debug.hide_exceptions, yfinance.config.network.retries = config


def provider(waits: list[float] | None = None, *, attempts: int = 5, library_retries: int = 0) -> YahooProvider:
    sleep: Callable[[float], None] = waits.append if waits is not None else _no_sleep
    return YahooProvider(
        policy=RetryPolicy(attempts=attempts, base_delay=1.0, jitter=0.0, sleep=sleep),
        session=recording_session(requests.Session),
        min_interval=0.0,
        library_retries=library_retries,
    )


def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"unexpected sleep of {seconds}s")


WEEK = {"start": "2024-01-01", "end": "2024-01-08"}


# -- the normal path --------------------------------------------------------------------------


def test_bars_come_through_yfinance_unchanged(yahoo: Yahoo) -> None:
    yahoo.tz, yahoo.bars = [TZ_OK], [BARS_OK]
    got = provider().fetch("RUT", **WEEK)

    assert got.source == "yahoo:^RUT"
    assert list(got.frame.index.strftime("%Y-%m-%d")) == [
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
        "2024-01-05",
        "2024-01-08",
    ]
    assert got.frame.loc["2024-01-02", "close"] == 2022.2099609375
    assert got.frame.loc["2024-01-03", "low"] == 1963.0
    bars = yahoo.requests[-1]
    assert (bars["interval"], bars["crumb"]) == ("1d", "Xw1Jx0mKqTz")
    # 2024-01-01 and 2024-01-09 (our inclusive end plus one day) at New York midnight.
    assert (bars["period1"], bars["period2"]) == ("1704085200", "1704776400")


def test_no_deprecated_argument_reaches_yfinance(yahoo: Yahoo) -> None:
    yahoo.tz, yahoo.bars = [TZ_OK], [BARS_OK]
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        provider().fetch("RUT", **WEEK)
    # yfinance's deprecations of its own arguments point to the yf.config that replaces them
    # (pandas' own deprecations, raised inside yfinance, are not ours to fix).
    ours = [str(w.message) for w in seen if "yf.config" in str(w.message) or "raise_errors" in str(w.message)]
    assert ours == []


def test_provider_configures_yfinance(yahoo: Yahoo) -> None:
    import yfinance

    provider(library_retries=3)
    assert yfinance.config.debug.hide_exceptions is False
    assert yfinance.config.network.retries == 3


# -- the first request (timezone) fails -------------------------------------------------------


def test_network_failure_of_the_first_request_is_retried_not_delisted(yahoo: Yahoo) -> None:
    # Left to its defaults, yfinance logs this failure and raises YFTzMissingError ("possibly delisted").
    waits: list[float] = []
    yahoo.tz, yahoo.bars = [refused(), TZ_OK], [BARS_OK]
    got = provider(waits).fetch("RUT", **WEEK)
    assert waits == [1.0]
    assert len(got.frame) == 5


def test_lasting_network_failure_is_one_line_naming_provider_and_symbol(yahoo: Yahoo) -> None:
    waits: list[float] = []
    yahoo.tz = [refused(), refused(), refused()]
    with pytest.raises(ProviderError) as caught:
        provider(waits, attempts=3).fetch("RUT", **WEEK)
    message = str(caught.value)
    assert message.startswith("yahoo RUT: gave up after 3 attempts: ^RUT: network error (ConnectionError: ")
    assert "Network is unreachable" in message
    assert "delisted" not in message and "\n" not in message
    assert waits == [1.0, 2.0]


def test_a_failure_is_one_line_and_yfinances_own_warnings_show_only_with_verbose(
    yahoo: Yahoo, caplog: pytest.LogCaptureFixture
) -> None:
    # No network: yfinance warns "Cookie/crumb fetch failed ..., continuing without crumb" on
    # every request before the chart request fails too. The user got those five warnings above
    # the provider's one error line; they are riskcurve's INFO lines now (shown with -v).
    assert yahoo.mock is not None
    for url in ("https://fc.yahoo.com", "https://query1.finance.yahoo.com/v1/test/getcrumb"):
        yahoo.mock.replace(responses.GET, url, body=refused())
    yahoo.mock.replace(responses.GET, "https://guce.yahoo.com/consent", body=refused())
    yahoo.mock.replace(responses.GET, "https://query2.finance.yahoo.com/v1/test/getcrumb", body=refused())
    yahoo.tz = [refused(), refused(), refused()]
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ProviderError) as caught:
        provider([], attempts=3).fetch("RUT", **WEEK)
    assert "\n" not in str(caught.value) and str(caught.value).startswith("yahoo RUT: gave up after 3 attempts")
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    passed_on = [r for r in caplog.records if r.name == "riskcurve.data.providers.yahoo"]
    assert any("yfinance: Cookie/crumb fetch failed" in r.getMessage() for r in passed_on)
    assert {r.levelno for r in passed_on} <= {logging.DEBUG, logging.INFO}


def test_yfinance_retries_network_errors_itself_when_configured(yahoo: Yahoo, monkeypatch: pytest.MonkeyPatch) -> None:
    from yfinance import data

    slept: list[float] = []
    monkeypatch.setattr(data._time, "sleep", slept.append)
    yahoo.tz, yahoo.bars = [refused(), TZ_OK], [BARS_OK]
    got = provider(library_retries=2).fetch("RUT", **WEEK)  # _no_sleep: the provider never retried
    assert slept == [1]
    assert len(got.frame) == 5


# -- 5xx and HTML answers ---------------------------------------------------------------------


def test_html_503_is_retried(yahoo: Yahoo) -> None:
    # yfinance asks twice per call on an HTTP error (the second time with a fresh crumb).
    waits: list[float] = []
    yahoo.tz, yahoo.bars = [HTML_503, HTML_503, TZ_OK], [BARS_OK]
    got = provider(waits).fetch("RUT", **WEEK)
    assert waits == [1.0]
    assert got.frame["close"].iloc[-1] == 2000.7099609375


def test_lasting_html_503_gives_up_as_an_outage_not_as_not_json(yahoo: Yahoo) -> None:
    waits: list[float] = []
    yahoo.tz = [HTML_503] * 4
    with pytest.raises(ProviderError) as caught:
        provider(waits, attempts=2).fetch("RUT", **WEEK)
    assert str(caught.value) == (
        "yahoo RUT: gave up after 2 attempts: ^RUT: HTTP 503 from Yahoo (an HTML page titled 'Yahoo! - Error report')"
    )
    assert waits == [1.0]


def test_retry_after_on_a_503_is_honoured(yahoo: Yahoo) -> None:
    waits: list[float] = []
    busy: Answer = (503, {"Content-Type": "text/html", "Retry-After": "7"}, fixture("error_503.html"))
    yahoo.tz, yahoo.bars = [busy, busy, TZ_OK], [BARS_OK]
    provider(waits).fetch("RUT", **WEEK)
    assert waits == [7.0]


def test_json_500_on_the_bars_is_retried_not_delisted(yahoo: Yahoo) -> None:
    waits: list[float] = []
    yahoo.tz = [TZ_OK, TZ_OK]
    yahoo.bars = [JSON_500, JSON_500, BARS_OK]
    got = provider(waits).fetch("RUT", **WEEK)
    assert waits == [1.0]
    assert len(got.frame) == 5


def test_lasting_json_500_names_the_status(yahoo: Yahoo) -> None:
    waits: list[float] = []
    yahoo.tz = [TZ_OK] * 2
    yahoo.bars = [JSON_500] * 4
    with pytest.raises(ProviderError) as caught:
        provider(waits, attempts=2).fetch("RUT", **WEEK)
    message = str(caught.value)
    assert message.startswith("yahoo RUT: gave up after 2 attempts: ^RUT: HTTP 500 from Yahoo (")
    assert "Internal Server Error" in message and "delisted" not in message


def test_html_page_with_status_200_is_retried(yahoo: Yahoo) -> None:
    # A consent or block page served as 200: not JSON, and not the ticker's fault.
    waits: list[float] = []
    page: Answer = (200, {"Content-Type": "text/html"}, "<html><head><title>Yahoo</title></head></html>")
    yahoo.tz, yahoo.bars = [page, TZ_OK], [BARS_OK]
    provider(waits).fetch("RUT", **WEEK)
    assert waits == [1.0]


def test_rate_limit_429_is_retried(yahoo: Yahoo) -> None:
    waits: list[float] = []
    limited: Answer = (429, {"Content-Type": "text/plain"}, "Too Many Requests\r\n")
    yahoo.tz, yahoo.bars = [limited, limited, TZ_OK], [BARS_OK]
    provider(waits).fetch("RUT", **WEEK)
    assert waits == [1.0]


# -- a real "no data" -------------------------------------------------------------------------


def test_yahoos_404_no_data_is_final_and_says_delisted_or_wrong(yahoo: Yahoo) -> None:
    yahoo.tz = [DELISTED, DELISTED]
    with pytest.raises(ProviderError) as caught:
        provider().fetch("RUT", **WEEK)
    assert str(caught.value).startswith(
        "yahoo RUT: no data for ticker ^RUT between 2024-01-01 and 2024-01-08 (delisted or wrong ticker?)"
    )


def test_range_without_bars_is_no_data(yahoo: Yahoo) -> None:
    empty = json.loads(fixture("RUT_chart_1d.json"))
    result = empty["chart"]["result"][0]
    result.pop("timestamp")
    result["indicators"] = {"quote": [{}], "adjclose": [{}]}
    yahoo.tz, yahoo.bars = [TZ_OK], [(200, {"Content-Type": "application/json"}, json.dumps(empty))]
    with pytest.raises(ProviderError, match=r"no data for ticker \^RUT between 2024-01-06 and 2024-01-07"):
        provider().fetch("RUT", start="2024-01-06", end="2024-01-07")


def test_dataframe_shape_is_what_the_fakes_assume(yahoo: Yahoo) -> None:
    """The fake tickers in test_yahoo.py return this shape; check it against the real code."""
    import yfinance

    yahoo.tz, yahoo.bars = [TZ_OK], [BARS_OK]
    yfinance.config.debug.hide_exceptions = False
    frame = yfinance.Ticker("^RUT", session=recording_session(requests.Session)).history(
        start="2024-01-01", end="2024-01-09", interval="1d", auto_adjust=True, actions=False
    )
    assert list(frame.columns) == ["Open", "High", "Low", "Close", "Volume"]
    assert str(frame.index.tz) == "America/New_York"
    assert frame.index[0] == pd.Timestamp("2024-01-02", tz="America/New_York")


def test_yahoos_will_be_right_back_page_is_retried(yahoo: Yahoo) -> None:
    # Yahoo's outage page, served with status 200 on the bars request (yfinance raises
    # YFDataException "YAHOO! FINANCE IS CURRENTLY DOWN" for it).
    waits: list[float] = []
    down: Answer = (
        200,
        {"Content-Type": "text/html"},
        "<!DOCTYPE html><html><head><title>Yahoo</title></head><body><h1>Will be right back...</h1>"
        "<p>Thank you for your patience.</p><p>Our engineers are working quickly to resolve the issue.</p>"
        "</body></html>",
    )
    yahoo.tz, yahoo.bars = [TZ_OK, TZ_OK], [down, BARS_OK]
    got = provider(waits).fetch("RUT", **WEEK)
    assert waits == [1.0]
    assert len(got.frame) == 5
