"""FredProvider against mocked FRED endpoints (``responses``), bodies shaped like the real ones.

Fixtures under ``tests/fixtures/fred``: the ``fredgraph.csv`` download in today's header style
and the older ``DATE`` style, API answers for ``series/observations`` with and without ALFRED
vintages, and an HTML maintenance page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests
import responses
from responses import matchers

from riskcurve.data.providers import fred
from riskcurve.data.providers.base import RetryPolicy, get_provider
from riskcurve.data.providers.fred import API_URL, CSV_URL, VINTAGE_DATES_URL, FredProvider
from riskcurve.data.release import available_at
from riskcurve.errors import ProviderError, UnknownSymbolError

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fred"
KEY = "0123456789abcdef0123456789abcdef"  # shaped like a real key: 32 lowercase hex characters


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


@pytest.fixture(autouse=True)
def no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FRED_API_KEY", raising=False)


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def provider(
    waits: list[float] | None = None, *, attempts: int = 5, api_key: str | None = None, **options: Any
) -> FredProvider:
    sleep: Callable[[float], None] = waits.append if waits is not None else _no_sleep
    policy = RetryPolicy(attempts=attempts, base_delay=1.0, jitter=0.0, sleep=sleep)
    return FredProvider(api_key=api_key, policy=policy, min_interval=0.0, **options)


def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"unexpected sleep of {seconds}s")


def vintage_dates(dates: list[str], *, count: int | None = None, offset: int = 0) -> dict[str, Any]:
    """A ``series/vintagedates`` answer, shaped like FRED's."""
    return {
        "realtime_start": "1776-07-04",
        "realtime_end": "9999-12-31",
        "order_by": "vintage_date",
        "sort_order": "asc",
        "count": len(dates) if count is None else count,
        "offset": offset,
        "limit": 10000,
        "vintage_dates": dates,
    }


def few_vintages(mocked: responses.RequestsMock) -> None:
    """Register a vintage-dates answer short enough for one observations request."""
    mocked.get(VINTAGE_DATES_URL, body=fixture("M2SL_vintagedates.json"), content_type="application/json")


def observations(rows: list[tuple[str, str, str]], *, count: int | None = None, offset: int = 0) -> dict[str, Any]:
    """An API answer holding ``(realtime_start, date, value)`` rows."""
    return {
        "realtime_start": "1776-07-04",
        "realtime_end": "9999-12-31",
        "observation_start": "1600-01-01",
        "observation_end": "9999-12-31",
        "units": "lin",
        "output_type": 1,
        "file_type": "json",
        "order_by": "observation_date",
        "sort_order": "asc",
        "count": len(rows) if count is None else count,
        "offset": offset,
        "limit": 100000,
        "observations": [
            {"realtime_start": start, "realtime_end": "9999-12-31", "date": day, "value": value}
            for start, day, value in rows
        ],
    }


def chain(error: BaseException) -> Iterator[BaseException]:
    """The error and everything a traceback could show with it."""
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


# -- CSV download -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["DGS10.csv", "DGS10_legacy.csv"])
def test_csv_both_header_styles_give_exact_values_without_missing_dots(
    mocked: responses.RequestsMock, name: str
) -> None:
    mocked.get(
        CSV_URL,
        body=fixture(name),
        content_type="text/csv",
        match=[matchers.query_param_matcher({"id": "DGS10"})],
    )
    got = provider().fetch("DGS10")

    assert (got.symbol, got.kind, got.provider, got.source) == ("DGS10", "value", "fred", "fred:csv:DGS10")
    assert list(got.frame.columns) == ["value"]
    assert got.frame.index.name == "date"
    assert list(got.frame.index.strftime("%Y-%m-%d")) == [
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
        "2024-01-05",
        "2024-01-08",
    ]
    assert got.frame["value"].tolist() == [3.95, 3.91, 3.99, 4.05, 4.01]
    assert got.frame["value"].dtype == np.float64


def test_csv_blank_values_are_missing_too(mocked: responses.RequestsMock) -> None:
    mocked.get(CSV_URL, body="observation_date,DGS2\n2024-01-01,\n2024-01-02,4.33\n")
    assert provider().fetch("DGS2").frame["value"].tolist() == [4.33]


def test_csv_range_is_sent_and_result_clipped(mocked: responses.RequestsMock) -> None:
    # The server is sent the range; the provider still clips in case it returns more.
    mocked.get(
        CSV_URL,
        body=fixture("DGS10.csv"),
        match=[matchers.query_param_matcher({"id": "DGS10", "cosd": "2024-01-03", "coed": "2024-01-05"})],
    )
    got = provider().fetch("DGS10", start="2024-01-03", end=pd.Timestamp("2024-01-05"))
    assert list(got.frame.index.strftime("%Y-%m-%d")) == ["2024-01-03", "2024-01-04", "2024-01-05"]
    assert got.frame["value"].tolist() == [3.91, 3.99, 4.05]


def test_csv_with_no_observations_in_range_is_an_empty_frame(mocked: responses.RequestsMock) -> None:
    mocked.get(CSV_URL, body="observation_date,M2SL\n")
    got = provider().fetch("M2SL", start="2024-01-02", end="2024-01-03")
    assert got.frame.empty
    assert list(got.frame.columns) == ["value"]
    assert isinstance(got.frame.index, pd.DatetimeIndex)


def test_series_outside_the_catalogue_is_fetched_by_id(mocked: responses.RequestsMock) -> None:
    mocked.get(
        CSV_URL,
        body="observation_date,DGS5\n2024-01-02,3.93\n",
        match=[matchers.query_param_matcher({"id": "DGS5"})],
    )
    got = provider().fetch("dgs5")
    assert (got.symbol, got.source) == ("DGS5", "fred:csv:DGS5")
    assert got.frame["value"].tolist() == [3.93]


# -- retries ----------------------------------------------------------------------------------


def test_timeouts_are_retried_with_growing_waits(mocked: responses.RequestsMock) -> None:
    waits: list[float] = []
    mocked.get(CSV_URL, body=requests.exceptions.ReadTimeout("Read timed out. (read timeout=30.0)"))
    mocked.get(CSV_URL, body=requests.exceptions.ConnectTimeout("Connection to fred.stlouisfed.org timed out"))
    mocked.get(CSV_URL, body=fixture("DGS10.csv"))
    got = provider(waits).fetch("DGS10")

    assert waits == [1.0, 2.0]
    assert len(mocked.calls) == 3
    assert got.frame["value"].iloc[-1] == 4.01


def test_http_429_retry_after_is_honoured(mocked: responses.RequestsMock) -> None:
    waits: list[float] = []
    mocked.get(CSV_URL, status=429, headers={"Retry-After": "7"}, body="Too Many Requests")
    mocked.get(CSV_URL, body=fixture("DGS10.csv"))
    provider(waits).fetch("DGS10")
    assert waits == [7.0]


def test_persistent_5xx_gives_up_naming_provider_and_symbol(mocked: responses.RequestsMock) -> None:
    waits: list[float] = []
    for _ in range(3):
        mocked.get(CSV_URL, status=503, body="<html><body>Service Unavailable</body></html>")
    with pytest.raises(ProviderError) as caught:
        provider(waits, attempts=3).fetch("WALCL")

    assert (caught.value.provider, caught.value.symbol) == ("fred", "WALCL")
    assert str(caught.value) == "fred WALCL: gave up after 3 attempts: HTTP 503 Service Unavailable"
    assert waits == [1.0, 2.0]
    assert len(mocked.calls) == 3


# -- garbage ----------------------------------------------------------------------------------


def test_html_page_instead_of_csv(mocked: responses.RequestsMock) -> None:
    mocked.get(CSV_URL, body=fixture("maintenance.html"), content_type="text/html")
    with pytest.raises(ProviderError) as caught:
        provider().fetch("DGS10")
    assert str(caught.value) == (
        "fred DGS10: unusable answer for series DGS10: "
        "expected CSV but got an HTML page titled 'FRED | Site Maintenance'"
    )


def test_wrong_csv_header(mocked: responses.RequestsMock) -> None:
    mocked.get(CSV_URL, body="observation_date,DGS2\n2024-01-02,4.33\n")
    with pytest.raises(ProviderError, match=r"unexpected CSV header 'observation_date,DGS2'"):
        provider().fetch("DGS10")


def test_non_numeric_csv_value_names_series_and_line(mocked: responses.RequestsMock) -> None:
    mocked.get(CSV_URL, body="observation_date,DGS10\n2024-01-01,.\n2024-01-02,3.95\n2024-01-03,n/a\n")
    with pytest.raises(ProviderError) as caught:
        provider().fetch("DGS10")
    assert str(caught.value) == "fred DGS10: unusable answer for series DGS10: value 'n/a' is not a number at line 4"


def test_bad_csv_date(mocked: responses.RequestsMock) -> None:
    mocked.get(CSV_URL, body="observation_date,DGS10\n01/02/2024,3.95\n")
    with pytest.raises(ProviderError, match=r"cannot parse date '01/02/2024'.* at line 2"):
        provider().fetch("DGS10")


def test_ragged_csv_line(mocked: responses.RequestsMock) -> None:
    mocked.get(CSV_URL, body="observation_date,DGS10\n2024-01-02,3.95,extra\n")
    with pytest.raises(ProviderError, match=r"malformed CSV line 2"):
        provider().fetch("DGS10")


def test_non_numeric_api_value(mocked: responses.RequestsMock) -> None:
    body = observations([("2024-06-01", "2024-01-03", "7713643"), ("2024-06-01", "2024-01-10", "garbage")])
    mocked.get(API_URL, json=body)
    with pytest.raises(ProviderError) as caught:
        provider(api_key=KEY, vintages=False).fetch("WALCL")
    assert str(caught.value) == (
        "fred WALCL: unusable answer for series WALCL: value 'garbage' is not a number at 2024-01-10"
    )


def test_html_page_instead_of_json(mocked: responses.RequestsMock) -> None:
    mocked.get(API_URL, body=fixture("maintenance.html"), content_type="text/html")
    with pytest.raises(ProviderError, match=r"expected JSON from the API but got an HTML page titled 'FRED \| Site"):
        provider(api_key=KEY, vintages=False).fetch("WALCL")


def test_json_without_observations(mocked: responses.RequestsMock) -> None:
    mocked.get(API_URL, json={"seriess": []})
    with pytest.raises(ProviderError, match=r"lacks 'observations' and 'count' \(found: seriess\)"):
        provider(api_key=KEY, vintages=False).fetch("WALCL")


# -- unknown symbols --------------------------------------------------------------------------


@pytest.mark.parametrize("symbol", ["RUT", "BTC_MCAP", "not a series", "DGS-10"])
def test_symbols_that_cannot_be_fred_series(symbol: str) -> None:
    with pytest.raises(UnknownSymbolError):
        provider().fetch(symbol)  # no request is registered: any HTTP call would fail differently


def test_api_says_series_does_not_exist(mocked: responses.RequestsMock) -> None:
    mocked.get(
        API_URL, status=400, json={"error_code": 400, "error_message": "Bad Request.  The series does not exist."}
    )
    with pytest.raises(UnknownSymbolError) as caught:
        provider(api_key=KEY, vintages=False).fetch("NOSUCHSERIES")
    assert str(caught.value) == (
        "NOSUCHSERIES: FRED has no series NOSUCHSERIES (HTTP 400: Bad Request. The series does not exist.)"
    )


def test_csv_404_means_unknown_series(mocked: responses.RequestsMock) -> None:
    mocked.get(CSV_URL, status=404, body="<html><title>Not Found</title></html>")
    with pytest.raises(UnknownSymbolError, match="FRED has no series NOSUCHSERIES"):
        provider().fetch("NOSUCHSERIES")


def test_symbols_are_the_catalogue_fred_series() -> None:
    names = provider().symbols()
    # Every macro series of the SPEC, plus the liquidity components and Japan's rate and assets.
    spec = {"WALCL", "WTREGEN", "RRPONTSYD", "WRESBAL", "DGS10", "DGS2", "DFF", "M2SL", "DTWEXBGS", "VIXCLS"}
    assert spec | {"WSHOSHO", "IRSTCI01JPM156N", "JPNASSETS"} <= set(names)
    assert {"WALCL", "M2SL", "WM2NS", "FEDFUNDS", "DGS10", "BAMLH0A0HYM2"} <= set(names)
    assert not {"RUT", "BTC", "STABLECOINS"} & set(names)


# -- JSON API ---------------------------------------------------------------------------------


def test_api_fetch_gives_exact_values(mocked: responses.RequestsMock) -> None:
    mocked.get(
        API_URL,
        body=fixture("WALCL_observations.json"),
        content_type="application/json",
        match=[
            matchers.query_param_matcher(
                {
                    "series_id": "WALCL",
                    "api_key": KEY,
                    "file_type": "json",
                    "limit": "100000",
                    "offset": "0",
                    "observation_start": "2024-01-01",
                    "observation_end": "2024-01-31",
                }
            )
        ],
    )
    got = provider(api_key=KEY, vintages=False).fetch("WALCL", start="2024-01-01", end="2024-01-31")

    assert got.source == "fred:api:WALCL"
    assert list(got.frame.columns) == ["value"]  # no vintages: the store applies the H.4.1 rule
    assert list(got.frame.index.strftime("%Y-%m-%d")) == [
        "2024-01-03",
        "2024-01-10",
        "2024-01-17",
        "2024-01-24",
        "2024-01-31",
    ]
    assert got.frame["value"].tolist() == [7713643.0, 7708225.0, 7681317.0, 7677462.0, 7631690.0]


def test_api_key_comes_from_the_environment(mocked: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRED_API_KEY", KEY)
    mocked.get(
        API_URL,
        body=fixture("WALCL_observations.json"),
        match=[matchers.query_param_matcher({"api_key": KEY}, strict_match=False)],
    )
    got = FredProvider(vintages=False, policy=RetryPolicy(sleep=_no_sleep), min_interval=0.0).fetch("WALCL")
    assert got.source == "fred:api:WALCL"


def test_api_pagination_follows_offset(mocked: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fred, "PAGE_SIZE", 2)
    pages = [
        [("2024-06-01", "2024-01-03", "7713643"), ("2024-06-01", "2024-01-10", "7708225")],
        [("2024-06-01", "2024-01-17", "7681317"), ("2024-06-01", "2024-01-24", "7677462")],
        [("2024-06-01", "2024-01-31", "7631690")],
    ]
    for number, rows in enumerate(pages):
        mocked.get(
            API_URL,
            json=observations(rows, count=5, offset=2 * number),
            match=[matchers.query_param_matcher({"limit": "2", "offset": str(2 * number)}, strict_match=False)],
        )
    got = provider(api_key=KEY, vintages=False).fetch("WALCL")

    assert len(mocked.calls) == 3
    assert got.frame["value"].tolist() == [7713643.0, 7708225.0, 7681317.0, 7677462.0, 7631690.0]


def test_api_without_observations_is_an_empty_frame(mocked: responses.RequestsMock) -> None:
    mocked.get(API_URL, json=observations([]))
    got = provider(api_key=KEY, vintages=False).fetch("WALCL", start="2024-01-04", end="2024-01-05")
    assert got.frame.empty
    assert list(got.frame.columns) == ["value"]


# -- ALFRED vintages --------------------------------------------------------------------------


def test_vintages_give_one_row_per_date_and_vintage(mocked: responses.RequestsMock) -> None:
    few_vintages(mocked)
    mocked.get(
        API_URL,
        body=fixture("M2SL_vintages.json"),
        match=[
            matchers.query_param_matcher(
                {"series_id": "M2SL", "realtime_start": "1776-07-04", "realtime_end": "9999-12-31"},
                strict_match=False,
            )
        ],
    )
    got = provider(api_key=KEY).fetch("M2SL")  # a revised series: vintages are on by default

    assert got.source == "alfred:M2SL (release dates: 5 from ALFRED vintages, 0 from the h6_monthly rule)"
    frame = got.frame
    assert list(frame.columns) == ["value", "available_at", "released_by"]
    assert (frame.pop("released_by") == "vintage").all()
    assert frame.index.name == "date"
    expected = pd.DataFrame(
        {
            "value": [15434.0, 15441.2, 15410.9, 15491.8, 15462.0],
            # End of the vintage's day in New York, in UTC (EST +5 h, EDT +4 h): each is later than
            # the H.6 rule (2020-02-25 18:00 and 2020-03-24 17:00), so the vintage decides.
            "available_at": [
                ts("2020-02-26 04:59:59.999999"),
                ts("2020-03-27 03:59:59.999999"),
                ts("2021-02-24 04:59:59.999999"),
                ts("2020-03-27 03:59:59.999999"),
                ts("2021-02-24 04:59:59.999999"),
            ],
        },
        index=pd.DatetimeIndex(["2020-01-01"] * 3 + ["2020-02-01"] * 2, name="date"),
    )
    pd.testing.assert_frame_equal(frame, expected, check_index_type=False, check_dtype=False)
    assert frame["available_at"].dtype == "datetime64[ns]"


def test_vintage_published_before_the_rule_is_held_back_to_the_rule(mocked: responses.RequestsMock) -> None:
    few_vintages(mocked)
    # FEDFUNDS for March 2020 under the rule: 1 April 2020, 5 pm EDT = 21:00 UTC. Vintages
    # stamped 30 and 31 March would be look-ahead; both move to the rule's instant, where only
    # the later one (what was known then) is kept.
    rows = [
        ("2020-03-30", "2020-03-01", "0.60"),
        ("2020-03-31", "2020-03-01", "0.65"),
        ("2020-04-01", "2020-03-01", "0.65"),
        ("2020-05-01", "2020-03-01", "0.66"),
    ]
    mocked.get(API_URL, json=observations(rows))
    frame = provider(api_key=KEY).fetch("FEDFUNDS").frame

    assert frame["value"].tolist() == [0.65, 0.65, 0.66]
    assert frame["available_at"].tolist() == [
        ts("2020-04-01 21:00:00"),
        ts("2020-04-02 03:59:59.999999"),
        ts("2020-05-02 03:59:59.999999"),
    ]


def test_vintages_never_precede_the_release_rule(mocked: responses.RequestsMock) -> None:
    few_vintages(mocked)
    # WM2NS under the H.6 weekly rule: the week of 2020-01-06 is first published 28 January
    # 2020 at 1 pm EST (18:00 UTC), the week of 2020-01-13 on 25 February. Vintages stamped
    # earlier than that are moved to the rule's instant.
    rows = [
        ("2020-01-14", "2020-01-06", "15400.0"),
        ("2020-01-28", "2020-01-06", "15401.0"),
        ("2020-02-25", "2020-01-06", "15402.5"),
        ("2020-01-28", "2020-01-13", "15390.0"),
        ("2020-02-25", "2020-01-13", "15391.0"),
    ]
    mocked.get(API_URL, json=observations(rows))
    frame = provider(api_key=KEY, vintages=True).fetch("WM2NS").frame

    assert frame.index.strftime("%Y-%m-%d").tolist() == ["2020-01-06"] * 3 + ["2020-01-13"] * 2
    assert frame["value"].tolist() == [15400.0, 15401.0, 15402.5, 15390.0, 15391.0]
    assert frame["available_at"].tolist() == [
        ts("2020-01-28 18:00:00"),
        ts("2020-01-29 04:59:59.999999"),
        ts("2020-02-26 04:59:59.999999"),
        ts("2020-02-25 18:00:00"),
        ts("2020-02-26 04:59:59.999999"),
    ]
    rule = available_at(pd.DatetimeIndex(frame.index), "h6_weekly")
    assert (frame["available_at"].to_numpy() >= rule.to_numpy()).all()


def test_with_a_key_every_series_is_dated_by_its_real_releases(mocked: responses.RequestsMock) -> None:
    # WALCL is hardly ever revised, yet its real release days matter: a delayed H.4.1 (holiday,
    # shutdown) must not be dated by the Thursday rule. Back-history that ALFRED first shows in
    # its first vintage has no known release day and keeps the rule.
    mocked.get(VINTAGE_DATES_URL, json=vintage_dates(["2009-01-08", "2024-01-04", "2024-01-12", "2024-01-18"]))
    rows = [
        ("2009-01-08", "2008-12-31", "2250000"),  # on record when ALFRED's history begins
        ("2024-01-04", "2024-01-03", "7713643"),  # the Thursday the rule expects: end of that day
        ("2024-01-12", "2024-01-10", "7708225"),  # a day late: the rule would be look-ahead
        ("2024-01-18", "2024-01-10", "7708300"),  # a revision, known only from its vintage
    ]
    mocked.get(
        API_URL,
        json=observations(rows),
        match=[
            matchers.query_param_matcher({"series_id": "WALCL", "realtime_start": "1776-07-04"}, strict_match=False)
        ],
    )
    got = provider(api_key=KEY).fetch("WALCL")

    assert got.source == "alfred:WALCL (release dates: 3 from ALFRED vintages, 1 from the h41 rule)"
    frame = got.frame
    assert frame["released_by"].tolist() == ["rule", "vintage", "vintage", "vintage"]
    rule = available_at(pd.DatetimeIndex(frame.index), "h41")
    # The rule's Thursday, 1 January 2009, was a holiday: H.4.1 came on Friday at 4:30 pm, not on 8 January.
    assert frame["available_at"].iloc[0] == rule[0] == ts("2009-01-02 21:30:00")
    assert frame["available_at"].iloc[1] == ts("2024-01-05 04:59:59.999999")  # end of 4 January, New York
    assert frame["available_at"].iloc[2] == ts("2024-01-13 04:59:59.999999")  # not the rule's 11 January
    assert (frame["available_at"].to_numpy() >= rule.to_numpy()).all()


def test_vintages_can_be_switched_off(mocked: responses.RequestsMock) -> None:
    mocked.get(API_URL, json=observations([("2024-06-01", "2020-01-01", "15410.9")]))
    got = provider(api_key=KEY, vintages=False).fetch("M2SL")
    assert got.source == "fred:api:M2SL"
    assert list(got.frame.columns) == ["value"]


def test_vintages_without_key_is_refused() -> None:
    with pytest.raises(ValueError, match="ALFRED vintages need a FRED API key: set the FRED_API_KEY"):
        provider(vintages=True)


def test_without_key_revised_series_use_the_csv(mocked: responses.RequestsMock) -> None:
    mocked.get(CSV_URL, body="observation_date,M2SL\n2020-01-01,15410.9\n")
    got = provider().fetch("M2SL")
    assert got.source == "fred:csv:M2SL"
    assert list(got.frame.columns) == ["value"]


def test_missing_values_in_vintages_are_dropped(mocked: responses.RequestsMock) -> None:
    few_vintages(mocked)
    mocked.get(API_URL, body=fixture("M2SL_vintages.json"))
    frame = provider(api_key=KEY).fetch("M2SL").frame
    assert frame.loc["2020-02-01", "value"].tolist() == [15491.8, 15462.0]


def test_bad_vintage_date_is_garbage(mocked: responses.RequestsMock) -> None:
    few_vintages(mocked)
    mocked.get(API_URL, json=observations([("yesterday", "2020-01-01", "15410.9")]))
    with pytest.raises(ProviderError, match=r"realtime_start 'yesterday' is not a date"):
        provider(api_key=KEY).fetch("M2SL")


# -- the API key stays secret -----------------------------------------------------------------


def test_key_is_not_in_a_connection_error(mocked: responses.RequestsMock) -> None:
    # requests puts the whole URL, query string included, into connection errors.
    def refuse(request: requests.PreparedRequest) -> Any:
        raise requests.ConnectionError(f"Max retries exceeded with url: {request.url} (Connection refused)")

    for _ in range(2):
        mocked.add_callback(responses.GET, VINTAGE_DATES_URL, callback=refuse)
    with pytest.raises(ProviderError) as caught:
        provider([], attempts=2, api_key=KEY).fetch("M2SL")

    assert "connection failed" in str(caught.value)
    for error in chain(caught.value):
        assert KEY not in str(error)
        assert KEY not in repr(error.args)


def test_key_is_not_in_an_api_error(mocked: responses.RequestsMock) -> None:
    # A made-up echo of the key: FRED's real messages do not quote it, but a future one might.
    message = f"Bad Request.  The value {KEY} for variable api_key is not registered."
    mocked.get(API_URL, status=400, json={"error_code": 400, "error_message": message})
    with pytest.raises(ProviderError) as caught:
        provider(api_key=KEY, vintages=False).fetch("WALCL")

    assert str(caught.value) == (
        "fred WALCL: FRED API, series WALCL: HTTP 400: "
        "Bad Request. The value <FRED_API_KEY> for variable api_key is not registered."
    )
    assert all(KEY not in str(error) for error in chain(caught.value))


def test_key_is_not_in_source_or_repr(mocked: responses.RequestsMock) -> None:
    few_vintages(mocked)
    mocked.get(API_URL, body=fixture("M2SL_vintages.json"))
    built = provider(api_key=KEY)
    got = built.fetch("M2SL")
    assert KEY not in got.source
    assert KEY not in repr(built)
    assert built.has_key


# -- registry ---------------------------------------------------------------------------------


def test_registry_builds_the_provider(mocked: responses.RequestsMock) -> None:
    mocked.get(CSV_URL, body=fixture("DGS10_legacy.csv"))
    built = get_provider("fred", min_interval=0.0, policy=RetryPolicy(sleep=_no_sleep))
    assert built.name == "fred"
    assert built.fetch("DGS10").frame.shape == (5, 1)


def test_api_missing_values_are_dropped(mocked: responses.RequestsMock) -> None:
    rows = [("2024-06-01", "2024-01-01", "."), ("2024-06-01", "2024-01-02", "3.95")]
    mocked.get(API_URL, json=observations(rows))
    got = provider(api_key=KEY, vintages=False).fetch("DGS10")
    assert got.frame.index.tolist() == [pd.Timestamp("2024-01-02")]
    assert got.frame["value"].tolist() == [3.95]


# -- ALFRED's limit of 2,000 vintage dates per request ------------------------------------------


class FakeAlfred:
    """ALFRED's observations endpoint for one series, with FRED's 2,000-vintage-date limit.

    ``truth`` holds the series' maximal real-time rows ``(date, value, first vintage, last day)``;
    a request sees each row clipped to its real-time period, as FRED answers.
    """

    def __init__(self, dates: list[str], truth: list[tuple[str, str, str, str]], limit: int | None = 2000) -> None:
        self.dates, self.truth, self.limit = dates, truth, limit
        self.periods: list[tuple[str, str]] = []

    def __call__(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        import json

        params = request.params  # type: ignore[attr-defined]
        start, end = params["realtime_start"], params["realtime_end"]
        self.periods.append((start, end))
        inside = sum(start <= day <= end for day in self.dates)
        if self.limit is not None and inside > self.limit:
            message = (
                f"Bad Request.  There are {inside} vintage dates in the specified real-time period: "
                f"{start} to {end}.  This exceeds the maximum number of vintage dates allowed ({self.limit})."
            )
            return 400, {}, json.dumps({"error_code": 400, "error_message": message})
        rows = [
            (max(first, start), day, value, min(last, end))
            for day, value, first, last in self.truth
            if first <= end and last >= start
        ]
        body = observations([(first, day, value) for first, day, value, _ in rows])
        for row, (_, _, _, last) in zip(body["observations"], rows, strict=True):
            row["realtime_end"] = last
        return 200, {}, json.dumps(body)


def _daily_vintages(count: int) -> list[str]:
    return [day.date().isoformat() for day in pd.date_range("2010-01-04", periods=count, freq="D")]


def _truth(dates: list[str]) -> list[tuple[str, str, str, str]]:
    """Two observations revised across the places where 2,000-date periods split."""

    def _day_before(i: int) -> str:
        return (pd.Timestamp(dates[i]) - pd.Timedelta(days=1)).date().isoformat()

    return [
        ("2009-12-01", "100.0", dates[0], _day_before(1500)),
        ("2009-12-01", "101.5", dates[1500], _day_before(3000)),  # spans the split at dates[2000]
        ("2009-12-01", "101.0", dates[3000], "9999-12-31"),  # spans the split at dates[4000]
        ("2015-06-01", "7.5", dates[2000], _day_before(4100)),  # first published on a split day
        ("2015-06-01", "7.25", dates[4100], "9999-12-31"),
    ]


def test_the_real_too_many_vintages_answer_is_reported_whole(mocked: responses.RequestsMock) -> None:
    few_vintages(mocked)  # FRED's list said 3 dates, yet the observations request is refused
    mocked.get(API_URL, status=400, body=fixture("too_many_vintage_dates.json"), content_type="application/json")
    with pytest.raises(ProviderError) as caught:
        provider(api_key=KEY).fetch("M2SL")
    assert str(caught.value) == (
        "fred M2SL: FRED API, series M2SL: HTTP 400: Bad Request. There are 2004 vintage dates in the specified "
        "real-time period: 1776-07-04 to 9999-12-31. This exceeds the maximum number of vintage dates allowed (2000)."
    )


def test_long_revision_histories_are_fetched_in_periods_of_at_most_2000_vintage_dates(
    mocked: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    dates = _daily_vintages(4500)
    monkeypatch.setattr(fred, "VINTAGE_PAGE_SIZE", 2000)  # the vintage-date list itself comes in pages
    for offset in (0, 2000, 4000):
        mocked.get(
            VINTAGE_DATES_URL,
            json=vintage_dates(dates[offset : offset + 2000], count=4500, offset=offset),
            match=[matchers.query_param_matcher({"offset": str(offset), "limit": "2000"}, strict_match=False)],
        )
    server = FakeAlfred(dates, _truth(dates))
    mocked.add_callback(responses.GET, API_URL, callback=server)
    got = provider(api_key=KEY, vintages=True).fetch("DFF")

    assert server.periods == [
        ("1776-07-04", (pd.Timestamp(dates[2000]) - pd.Timedelta(days=1)).date().isoformat()),
        (dates[2000], (pd.Timestamp(dates[4000]) - pd.Timedelta(days=1)).date().isoformat()),
        (dates[4000], "9999-12-31"),
    ]
    # The same frame as one request to a FRED without the limit would give: values that were
    # current across a split are one vintage, not two.
    with responses.RequestsMock() as unlimited:
        unlimited.get(VINTAGE_DATES_URL, json=vintage_dates(["2010-01-04"]))
        unlimited.add_callback(responses.GET, API_URL, callback=FakeAlfred(dates, _truth(dates), limit=None))
        whole = provider(api_key=KEY, vintages=True).fetch("DFF")
    pd.testing.assert_frame_equal(got.frame, whole.frame)
    assert got.frame["value"].tolist() == [100.0, 101.5, 101.0, 7.5, 7.25]


def test_refused_period_without_the_split_is_the_error_fred_gives(
    mocked: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same server asked for all of time at once (what the provider did before) refuses.
    dates = _daily_vintages(2004)
    monkeypatch.setattr(fred, "MAX_VINTAGES_PER_REQUEST", 10_000)
    mocked.get(VINTAGE_DATES_URL, json=vintage_dates(dates))
    mocked.add_callback(responses.GET, API_URL, callback=FakeAlfred(dates, _truth(_daily_vintages(4500))))
    with pytest.raises(ProviderError, match=r"There are 2004 vintage dates .* allowed \(2000\)\.$"):
        provider(api_key=KEY, vintages=True).fetch("DFF")


def test_bad_vintage_date_list_is_garbage(mocked: responses.RequestsMock) -> None:
    mocked.get(VINTAGE_DATES_URL, json=vintage_dates(["2020-02-25", "25/03/2020"]))
    with pytest.raises(ProviderError, match=r"vintage date '25/03/2020' is not a YYYY-MM-DD date"):
        provider(api_key=KEY).fetch("M2SL")


def test_vintage_dates_transient_failure_is_retried(mocked: responses.RequestsMock) -> None:
    waits: list[float] = []
    mocked.get(VINTAGE_DATES_URL, status=503, body="<html><title>503 Service Unavailable</title></html>")
    few_vintages(mocked)
    mocked.get(API_URL, body=fixture("M2SL_vintages.json"))
    got = provider(waits, api_key=KEY).fetch("M2SL")
    assert waits == [1.0]
    assert len(got.frame) == 5


def test_release_dated_rows_go_into_the_store_as_fetched(mocked: responses.RequestsMock) -> None:
    from riskcurve.data.schema import SeriesMeta
    from riskcurve.data.store import Store
    from riskcurve.data.symbols import lookup

    mocked.get(VINTAGE_DATES_URL, json=vintage_dates(["2024-01-04", "2024-01-12"]))
    rows = [("2024-01-04", "2024-01-03", "7713643"), ("2024-01-12", "2024-01-10", "7708225")]
    mocked.get(API_URL, json=observations(rows))
    got = provider(api_key=KEY).fetch("WALCL")
    with Store() as store:
        (stats,) = store.write([got], {"WALCL": SeriesMeta.from_spec(lookup("WALCL"))})
        assert stats.source.startswith("alfred:WALCL (release dates: ")
        # Under the Thursday rule the 10 January value would be known on the 11th; it was not.
        assert store.observations("WALCL", as_of="2024-01-11")["value"].tolist() == [7713643.0]
        assert store.observations("WALCL", as_of="2024-01-12")["value"].tolist() == [7713643.0, 7708225.0]
        log = store.update_log("WALCL")
    assert log["source"].iloc[-1] == got.source


def test_unknown_series_is_told_by_the_vintage_dates_request(mocked: responses.RequestsMock) -> None:
    mocked.get(
        VINTAGE_DATES_URL,
        status=400,
        json={"error_code": 400, "error_message": "Bad Request.  The series does not exist."},
    )
    with pytest.raises(UnknownSymbolError) as caught:
        provider(api_key=KEY).fetch("NOSUCHSERIES")
    assert str(caught.value) == (
        "NOSUCHSERIES: FRED has no series NOSUCHSERIES (HTTP 400: Bad Request. The series does not exist.)"
    )
