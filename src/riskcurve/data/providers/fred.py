"""The FRED provider: macro series from the St. Louis Fed, with ALFRED vintages when it can.

Without an API key it reads the public CSV download, which holds only today's revised values;
the store then dates each value by its series' release rule. With a key it asks ALFRED for every
vintage of every series, so a backtest sees the number that was actually published at the time,
not today's revision, and each value is dated by its real release: the vintage that first showed
it, never earlier than the release rule. Values already on record when ALFRED's history of the
series begins have no known release, and keep the rule (the fallback). Each row says which one
dated it (``released_by``), and the fetch's source string counts them.

The API key is a credential: it never appears in a source string or an error message.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import requests

from riskcurve._typing import DateLike
from riskcurve.data import release
from riskcurve.data.providers import http
from riskcurve.data.providers.base import Fetched, RetryPolicy, Throttle, clip, date_bounds, utc_now
from riskcurve.data.symbols import CATALOGUE
from riskcurve.data.validation import validate_values
from riskcurve.errors import DataError, ProviderError, UnknownSymbolError

CSV_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
API_URL = "https://api.stlouisfed.org/fred/series/observations"
VINTAGE_DATES_URL = "https://api.stlouisfed.org/fred/series/vintagedates"
#: ALFRED's documented "all real-time periods" bounds.
ALL_VINTAGES = ("1776-07-04", "9999-12-31")
PAGE_SIZE = 100_000
#: The most vintage dates FRED accepts in one real-time period; more is refused with HTTP 400
#: ("This exceeds the maximum number of vintage dates allowed (2000)").
MAX_VINTAGES_PER_REQUEST = 2000
#: The documented largest page of ``series/vintagedates``.
VINTAGE_PAGE_SIZE = 10_000

_FRED_ID = re.compile(r"[A-Z0-9]+")
_MISSING = frozenset({".", ""})
_DATE_HEADERS = frozenset({"observation_date", "date"})
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class FredSeries:
    """A riskcurve symbol resolved to its FRED series.

    Attributes
    ----------
    name
        The riskcurve symbol (a catalogue name, or the id itself for series outside it).
    series_id
        The FRED series id.
    release
        The catalogue's release rule, ``None`` for series outside the catalogue.
    """

    name: str
    series_id: str
    release: str | None


class FredProvider:
    """Macro series from FRED (CSV download or JSON API) and ALFRED (vintages).

    Parameters
    ----------
    api_key
        FRED API key; defaults to the ``FRED_API_KEY`` environment variable. Without one the
        public CSV download is used.
    vintages
        Whether to fetch every ALFRED vintage (and with them the real release dates). ``None``
        means yes when a key is available, no otherwise.
    session
        HTTP session to reuse (connection pooling; tests pass their own).
    policy
        Retries and backoff.
    min_interval
        Seconds between requests; FRED allows 120 a minute per key.

    Raises
    ------
    ValueError
        If ``vintages=True`` and there is no API key.
    """

    name = "fred"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        vintages: bool | None = None,
        session: requests.Session | None = None,
        policy: RetryPolicy | None = None,
        min_interval: float = 0.6,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get("FRED_API_KEY")
        self._api_key = key.strip() if key and key.strip() else None
        if vintages and self._api_key is None:
            raise ValueError(
                "ALFRED vintages need a FRED API key: set the FRED_API_KEY environment variable or pass "
                "api_key= (free at https://fred.stlouisfed.org/docs/api/api_key.html)"
            )
        self.vintages = vintages
        self.session = session or requests.Session()
        self.policy = policy or RetryPolicy()
        self.throttle = Throttle(min_interval)

    @property
    def has_key(self) -> bool:
        """Whether an API key is configured (the key itself is not exposed)."""
        return self._api_key is not None

    def symbols(self) -> list[str]:
        """Catalogue symbols served by FRED; :meth:`fetch` also takes any other FRED id."""
        return sorted(name for name, spec in CATALOGUE.items() if spec.fred)

    def series(self, symbol: str) -> FredSeries:
        """Resolve a catalogue symbol or a raw FRED id.

        Raises
        ------
        UnknownSymbolError
            For catalogue symbols FRED does not serve, and for strings that cannot be FRED ids.
        """
        name = symbol.strip().upper()
        spec = CATALOGUE.get(name)
        if spec is not None:
            if spec.fred is None:
                raise UnknownSymbolError(
                    f"{name} is not a FRED series (FRED serves: {', '.join(self.symbols())})", symbol=symbol
                )
            return FredSeries(spec.name, spec.fred, spec.release)
        if _FRED_ID.fullmatch(name):
            return FredSeries(name, name, None)
        raise UnknownSymbolError(
            f"{symbol!r} is neither a catalogue FRED series nor a FRED id (letters and digits, e.g. DGS5)",
            symbol=symbol,
        )

    def uses_vintages(self, series: FredSeries) -> bool:
        """Whether :meth:`fetch` returns ALFRED vintages for ``series``."""
        if self.vintages is not None:
            return self.vintages
        return self._api_key is not None

    def fetch(self, symbol: str, start: DateLike | None = None, end: DateLike | None = None) -> Fetched:
        """Fetch a series between ``start`` and ``end`` inclusive; see :meth:`Provider.fetch`.

        Returns
        -------
        Fetched
            Index ``date`` and column ``value``; with vintages, also ``available_at`` (naive UTC),
            ``released_by`` (``"vintage"`` or ``"rule"``: which one dated the value) and one row
            per (date, vintage). A well-formed answer without observations in the
            range gives an empty frame: monthly series have none in most short windows.

        Raises
        ------
        UnknownSymbolError
            If the symbol is not a FRED series or FRED says the series does not exist.
        ProviderError
            If FRED keeps failing or answers with something that is not the expected data.
        """
        lo, hi = date_bounds(start, end)
        series = self.series(symbol)
        if self._api_key is None:
            frame = self._csv(series, lo, hi)
            source = f"fred:csv:{series.series_id}"
        elif self.uses_vintages(series):
            dates = self.vintage_dates(series.name)
            rows = self._observations(series, lo, hi, vintage_dates=dates)
            frame = self._vintage_frame(series, rows, first_vintage=dates[0] if dates else None)
            source = f"alfred:{series.series_id}{_release_summary(clip(frame, lo, hi), series)}"
        else:
            frame = self._value_frame(series, self._observations(series, lo, hi))
            source = f"fred:api:{series.series_id}"
        return Fetched(series.name, "value", clip(frame, lo, hi), self.name, source=source, fetched_at=utc_now())

    # -- CSV download ---------------------------------------------------------------------------

    def _csv(self, series: FredSeries, lo: pd.Timestamp | None, hi: pd.Timestamp | None) -> pd.DataFrame:
        params = {"id": series.series_id}
        if lo is not None:
            params["cosd"] = lo.date().isoformat()
        if hi is not None:
            params["coed"] = hi.date().isoformat()
        try:
            response = http.get(
                self.session,
                CSV_URL,
                params=params,
                provider=self.name,
                symbol=series.name,
                policy=self.policy,
                throttle=self.throttle,
            )
        except ProviderError as exc:
            if exc.message.startswith("HTTP 404"):
                raise UnknownSymbolError(
                    f"FRED has no series {series.series_id} (HTTP 404)", symbol=series.name
                ) from exc
            raise
        return self._parse_csv(response.text, series)

    def _parse_csv(self, text: str, series: FredSeries) -> pd.DataFrame:
        sid = series.series_id
        body = text.lstrip("\ufeff \t\r\n")
        if body.startswith("<"):
            raise self._garbage(series, f"expected CSV but got an HTML page{_html_title(body)}")
        rows = [row for row in csv.reader(io.StringIO(body)) if row]
        if not rows:
            raise self._garbage(series, "empty response (expected a CSV header)")
        header = [field.strip() for field in rows[0]]
        if len(header) != 2 or header[0].lower() not in _DATE_HEADERS or header[1].upper() != sid:
            raise self._garbage(
                series, f"unexpected CSV header {','.join(header)!r} (expected 'observation_date,{sid}')"
            )
        labels, dates, values = [], [], []
        for line, row in enumerate(rows[1:], start=2):
            if len(row) != 2:
                raise self._garbage(series, f"malformed CSV line {line}: {','.join(row)!r}")
            if row[1].strip() in _MISSING:  # FRED writes "." where no value was published
                continue
            labels.append(f"line {line}")
            dates.append(row[0].strip())
            values.append(row[1].strip())
        raw = pd.DataFrame({"date": dates, "value": values}, index=labels, dtype=object)
        return self._validated(raw, series, f"fred:csv:{sid}")

    # -- JSON API -------------------------------------------------------------------------------

    def _observations(
        self,
        series: FredSeries,
        lo: pd.Timestamp | None,
        hi: pd.Timestamp | None,
        *,
        vintage_dates: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Every observation row of the API answer, following its pagination.

        With vintages, the real-time axis is cut into periods of at most
        :data:`MAX_VINTAGES_PER_REQUEST` vintage dates, since FRED refuses longer ones; a value
        still current where one period ends and the next begins comes back from both, and is
        joined into one row again.
        """
        params: dict[str, Any] = {"series_id": series.series_id}
        if lo is not None:
            params["observation_start"] = lo.date().isoformat()
        if hi is not None:
            params["observation_end"] = hi.date().isoformat()
        if vintage_dates is None:
            return self._pages(API_URL, params, "observations", series)
        rows: list[dict[str, Any]] = []
        latest: dict[str, dict[str, Any]] = {}  # per date, its last row so far
        for number, (first, last) in enumerate(_realtime_periods(vintage_dates)):
            period = {**params, "realtime_start": first, "realtime_end": last}
            for row in self._pages(API_URL, period, "observations", series):
                before = latest.get(str(row.get("date")))
                if (
                    number > 0
                    and before is not None
                    and row.get("realtime_start") == first
                    and before.get("value") == row.get("value")
                    and before.get("realtime_end") == _day_before(first)
                ):
                    before["realtime_end"] = row.get("realtime_end")  # the same vintage, cut by our split
                    continue
                row = dict(row)
                latest[str(row.get("date"))] = row
                rows.append(row)
        return rows

    def vintage_dates(self, symbol: str) -> list[str]:
        """Every ALFRED vintage date of a series (ISO strings, ascending), all pages of the answer.

        Raises
        ------
        ValueError
            Without an API key (the endpoint needs one).
        UnknownSymbolError, ProviderError
            As :meth:`fetch`.
        """
        if self._api_key is None:
            raise ValueError("FRED vintage dates need an API key: set the FRED_API_KEY environment variable")
        series = self.series(symbol)
        params = {"series_id": series.series_id, "realtime_start": ALL_VINTAGES[0], "realtime_end": ALL_VINTAGES[1]}
        dates = self._pages(VINTAGE_DATES_URL, params, "vintage_dates", series, page_size=VINTAGE_PAGE_SIZE)
        if not all(isinstance(day, str) and _ISO_DAY.fullmatch(day) for day in dates):
            bad = next(day for day in dates if not (isinstance(day, str) and _ISO_DAY.fullmatch(day)))
            raise self._garbage(series, f"vintage date {bad!r} is not a YYYY-MM-DD date")
        return sorted(set(dates))

    def _pages(
        self,
        url: str,
        params: dict[str, Any],
        field: str,
        series: FredSeries,
        *,
        page_size: int | None = None,
    ) -> list[Any]:
        """The ``field`` list of an API answer, all pages of it (``limit``/``offset``/``count``)."""
        limit = PAGE_SIZE if page_size is None else page_size
        query = {**params, "api_key": self._api_key, "file_type": "json", "limit": limit, "offset": 0}
        items: list[Any] = []
        while True:
            payload = self._get_json(url, query, series)
            page = payload.get(field)
            count = payload.get("count")
            if not isinstance(page, list) or not isinstance(count, int):
                found = ", ".join(map(str, payload)) or "nothing"
                raise self._garbage(series, f"API answer lacks {field!r} and 'count' (found: {found})")
            if field == "observations" and not all(isinstance(row, dict) for row in page):
                raise self._garbage(series, "API 'observations' are not objects")
            items.extend(page)
            if not page or len(items) >= count:
                return items
            query["offset"] = len(items)

    def _get_json(self, url: str, params: dict[str, Any], series: FredSeries) -> dict[str, Any]:
        """One API page, FRED's error answers read whole. Failures are raised outside ``except``
        so no exception carrying the request URL (and with it the key) is chained to the caller's."""
        failure: Exception | None = None
        try:
            response = http.get(
                self.session,
                url,
                params=params,
                provider=self.name,
                symbol=series.name,
                policy=self.policy,
                throttle=self.throttle,
                final_errors_to_caller=True,
            )
        except ProviderError as exc:
            failure = self._api_failure(exc.message, series)
        if failure is not None:
            raise failure
        try:
            payload = response.json()
        except ValueError:
            payload = None
        status = f"HTTP {response.status_code}: " if response.status_code >= 400 else ""
        if isinstance(payload, dict) and ("error_code" in payload or "error_message" in payload):
            message = payload.get("error_message")
            said = message if isinstance(message, str) and message.strip() else f"error {payload.get('error_code')}"
            raise self._api_failure(f"{status}{said}", series)
        if status:
            raise self._api_failure(f"{status}{_describe(response.text)}", series)
        if not isinstance(payload, dict):
            raise self._garbage(series, f"expected JSON from the API but got {_describe(response.text)}")
        return payload

    def _api_failure(self, message: str, series: FredSeries) -> Exception:
        """The error to raise for a failed API call: FRED's own words, whole, key removed."""
        message = " ".join(self._redact(message).split())
        if "does not exist" in message.lower():
            return UnknownSymbolError(f"FRED has no series {series.series_id} ({message})", symbol=series.name)
        return ProviderError(self.name, series.name, f"FRED API, series {series.series_id}: {message}")

    def _value_frame(self, series: FredSeries, rows: list[dict[str, Any]]) -> pd.DataFrame:
        table = self._table(series, rows)
        return self._validated(table[["date", "value"]], series, f"fred:api:{series.series_id}")

    def _vintage_frame(
        self, series: FredSeries, rows: list[dict[str, Any]], *, first_vintage: str | None = None
    ) -> pd.DataFrame:
        """One row per (date, vintage), ``available_at`` never earlier than the release rule.

        A row first seen in ``first_vintage`` (the start of ALFRED's record of the series) was
        already published then, on a day ALFRED does not know: the release rule dates it.
        """
        sid = series.series_id
        table = self._table(series, rows, vintages=True)
        if table.empty:
            return _empty(vintages=True)
        published = pd.to_datetime(table["realtime_start"], format="%Y-%m-%d", errors="coerce")
        if published.isna().any():
            bad = table.loc[published.isna(), "realtime_start"].iloc[0]
            raise self._garbage(series, f"realtime_start {bad!r} is not a date")
        table = table.assign(published=published).sort_values(["date", "published"], kind="stable")
        # Dates repeat across vintages, so validate in layers: the n-th vintage of every date
        # together, which keeps each layer's dates unique as validation requires.
        layers = []
        for _, layer in table.groupby(table.groupby("date").cumcount(), sort=True):
            frame = self._validated(layer[["date", "value"]], series, f"alfred:{sid}")
            frame["published"] = layer["published"].to_numpy()
            layers.append(frame)
        out = pd.concat(layers)
        by_rule = release.available_at(pd.DatetimeIndex(out.index), series.release).to_numpy(dtype="datetime64[ns]")
        by_vintage = release.knowledge_cutoffs(pd.DatetimeIndex(out["published"])).to_numpy(dtype="datetime64[ns]")
        known = np.ones(len(out), dtype=bool)
        if first_vintage is not None:
            known = out["published"].to_numpy() != np.datetime64(first_vintage, "ns")
        vintage_decides = known & (by_vintage > by_rule)
        out["available_at"] = np.where(vintage_decides, by_vintage, by_rule)
        out["released_by"] = np.where(vintage_decides, "vintage", "rule")
        out = out.sort_values(["date", "available_at", "published"], kind="stable")
        # Two vintages both published before the rule's instant collapse onto it; the later
        # one is what was known then.
        keys = pd.MultiIndex.from_arrays([out.index, out["available_at"]])
        out = out[~keys.duplicated(keep="last")]
        return out[["value", "available_at", "released_by"]]

    def _table(self, series: FredSeries, rows: list[dict[str, Any]], *, vintages: bool = False) -> pd.DataFrame:
        needed = ["date", "value", "realtime_start"] if vintages else ["date", "value"]
        table = pd.DataFrame(rows, columns=needed, dtype=object)
        for column in needed:
            if table[column].isna().any():
                raise self._garbage(series, f"API observation without {column!r}")
        missing = table["value"].map(lambda v: str(v).strip() in _MISSING).to_numpy(dtype=bool)
        table = table.loc[~missing]
        # Row labels name the observation (and vintage) so validation errors point at it.
        labels = table["date"].map(str)
        if vintages:
            labels = labels + " (vintage " + table["realtime_start"].map(str) + ")"
        table.index = list(labels)
        return table

    # -- shared ---------------------------------------------------------------------------------

    def _validated(self, raw: pd.DataFrame, series: FredSeries, source: str) -> pd.DataFrame:
        if raw.empty:
            return _empty(vintages=False)
        try:
            return validate_values(raw, source=source, symbol=series.name)
        except DataError as exc:
            where = f" at {exc.row}" if exc.row is not None else ""
            raise self._garbage(series, f"{exc.message}{where}") from exc

    def _garbage(self, series: FredSeries, what: str) -> ProviderError:
        what = self._redact(what)
        return ProviderError(self.name, series.name, f"unusable answer for series {series.series_id}: {what}")

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "<FRED_API_KEY>") if self._api_key else text


def _empty(*, vintages: bool) -> pd.DataFrame:
    columns: dict[str, Any] = {"value": pd.Series(dtype=float)}
    if vintages:
        columns["available_at"] = pd.Series(dtype="datetime64[ns]")
        columns["released_by"] = pd.Series(dtype=object)
    frame = pd.DataFrame(columns)
    frame.index = pd.DatetimeIndex([], dtype="datetime64[ns]", name="date")
    return frame


def _realtime_periods(dates: list[str]) -> list[tuple[str, str]]:
    """Real-time periods covering all of time, each holding at most the allowed vintage dates."""
    starts = dates[::MAX_VINTAGES_PER_REQUEST][1:]  # where each period after the first begins
    bounds = [ALL_VINTAGES[0], *starts]
    ends = [*(_day_before(day) for day in starts), ALL_VINTAGES[1]]
    return list(zip(bounds, ends, strict=True))


def _release_summary(frame: pd.DataFrame, series: FredSeries) -> str:
    """How the values of a vintage frame were dated, for the fetch's source string."""
    if frame.empty:
        return ""
    counts = frame["released_by"].value_counts()
    rule = series.release or "end_of_day"
    return (
        f" (release dates: {int(counts.get('vintage', 0))} from ALFRED vintages, "
        f"{int(counts.get('rule', 0))} from the {rule} rule)"
    )


def _day_before(day: str) -> str:
    return (pd.Timestamp(day) - pd.Timedelta(days=1)).date().isoformat()


def _html_title(page: str) -> str:
    found = re.search(r"<title[^>]*>(.*?)</title>", page, flags=re.IGNORECASE | re.DOTALL)
    return f" titled {' '.join(found.group(1).split())!r}" if found else ""


def _describe(text: str) -> str:
    start = text.lstrip()
    if start.startswith("<"):
        return f"an HTML page{_html_title(start)}"
    return f"{' '.join(start[:80].split())!r}" if start else "an empty body"
