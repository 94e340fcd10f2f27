"""The Yahoo Finance provider: daily OHLCV bars through :mod:`yfinance` (1.7 and later).

yfinance is imported only when a provider is built or used, so ``import riskcurve`` stays fast
and works where yfinance is broken. Yahoo's daily bars carry a timezone-aware index at midnight
exchange time (New York for ``^RUT``, UTC for ``BTC-USD``); the local calendar date of that
index *is* the trading day, so it is kept as a naive date rather than converted to UTC.

What yfinance 1.x does with a failure, and what this provider makes of it:

- By default yfinance *hides* exceptions: a network failure of a ticker's first request (the
  timezone look-up) becomes ``YFTzMissingError`` ("possibly delisted"), and a JSON error answer
  becomes ``YFPricesMissingError``. The provider turns hiding off (``yf.config.debug.
  hide_exceptions = False``, which replaces the deprecated ``raise_errors=True``) so the real
  exception comes through.
- yfinance never raises on an HTTP status (only 429 becomes ``YFRateLimitError``), so the
  provider gives it a session that remembers the last chart answer; a 5xx or an HTML body there
  means Yahoo failed, not the ticker, and is retried with backoff like a network error.
- yfinance keeps answers in an in-process cache (``YfData.cache_get``), so a retry would read the
  same failed answer again; it is emptied before each retry.
- yfinance's own retry of network errors (``yf.config.network.retries``) is switched on too, for
  the requests it makes that the provider does not see (cookie and crumb).

- yfinance logs warnings of its own on the way ("Cookie/crumb fetch failed (DNSError),
  continuing without crumb", once per request and retry). The provider reports the outcome
  itself, so those lines are passed on as riskcurve's own at INFO: shown with ``-v``, not as
  five warnings above the one error.

After the last attempt the user sees one line naming the provider, the symbol and the failure,
never "delisted" for what was an outage.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

import pandas as pd

from riskcurve._typing import DateLike
from riskcurve.data.providers.base import (
    Fetched,
    RetryPolicy,
    Throttle,
    TransientError,
    clip,
    date_bounds,
    utc_now,
    with_retry,
)
from riskcurve.data.providers.http import TRANSIENT_STATUS
from riskcurve.data.symbols import CATALOGUE, lookup
from riskcurve.data.validation import validate_prices
from riskcurve.errors import DataError, ProviderError, UnknownSymbolError

log = logging.getLogger(__name__)

_RENAME = {"Open": "open", "High": "high", "Low": "low", "Close": "close", "Volume": "volume"}
#: The endpoint behind ``Ticker.history`` and yfinance's timezone look-up.
CHART_PATH = "/v8/finance/chart/"
#: Retries yfinance makes itself on a network error (1 s, 2 s), before the provider's own.
LIBRARY_RETRIES = 2


def _network_errors() -> tuple[type[BaseException], ...]:
    """Exception classes meaning "the network failed", for whichever HTTP backend yfinance uses."""
    import requests

    errors: list[type[BaseException]] = [
        TimeoutError,
        ConnectionError,
        requests.Timeout,
        requests.ConnectionError,
        requests.exceptions.ChunkedEncodingError,
    ]
    try:  # yfinance prefers curl_cffi but falls back to requests when it is missing
        from curl_cffi.requests import exceptions as curl

        errors += [curl.Timeout, curl.ConnectionError, curl.ChunkedEncodingError]
    except ImportError:
        pass
    return tuple(errors)


class _YfinanceAtInfo(logging.Filter):
    """On yfinance's logger: each of its records is logged again as riskcurve's, at INFO at most.

    A logger's filter sees only the records made on that logger, and yfinance makes all of its
    records on ``"yfinance"``. The original is dropped, so what yfinance says about a request
    reaches the terminal only with ``-v`` (the provider's error names the failure once).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        log.log(min(record.levelno, logging.INFO), "yfinance: %s", record.getMessage())
        return False


def _yfinance_at_info() -> None:
    """Put :class:`_YfinanceAtInfo` on yfinance's logger, once per process."""
    logger = logging.getLogger("yfinance")
    if not any(isinstance(existing, _YfinanceAtInfo) for existing in logger.filters):
        logger.addFilter(_YfinanceAtInfo())


def recording_session(base: type | None = None) -> Any:
    """An HTTP session for yfinance that remembers the last chart answer (``.last_chart``).

    Parameters
    ----------
    base
        The session class to extend: ``curl_cffi.requests.Session`` (what yfinance prefers, with
        a browser's TLS fingerprint) when it is installed, else ``requests.Session``. Tests pass
        ``requests.Session`` to serve recorded answers through ``responses``.
    """
    options: dict[str, Any] = {}
    if base is None:
        try:
            from curl_cffi.requests import Session as CurlSession

            base, options = CurlSession, {"impersonate": "chrome"}
        except ImportError:  # pragma: no cover - curl_cffi is a dependency of yfinance
            import requests

            base = requests.Session

    class RecordingSession(base):  # type: ignore[misc, valid-type]
        last_chart: Any = None

        def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
            response = super().request(method, url, *args, **kwargs)
            if CHART_PATH in str(url):
                self.last_chart = response
            return response

    return RecordingSession(**options)


def _retry_after(response: Any) -> float | None:
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None  # an HTTP date: fall back to our own backoff


def _body(response: Any) -> str:
    try:
        return str(response.text or "")
    except Exception:  # noqa: BLE001 - an undecodable body is described, not raised
        return ""


def _describe(text: str) -> str:
    start = text.lstrip()
    if start.startswith("<"):
        found = re.search(r"<title[^>]*>(.*?)</title>", start, flags=re.IGNORECASE | re.DOTALL)
        return f"an HTML page titled {' '.join(found.group(1).split())!r}" if found else "an HTML page"
    return f"{' '.join(start[:80].split())!r}" if start else "an empty body"


def _outage(answer: Any) -> str | None:
    """What was wrong with Yahoo's last chart answer if it was an outage, else ``None``."""
    if answer is None:
        return None
    status = int(getattr(answer, "status_code", 0) or 0)
    text = _body(answer)
    html = text.lstrip().startswith("<")
    if status in TRANSIENT_STATUS or status >= 500 or html:
        return f"HTTP {status} from Yahoo ({_describe(text)})"
    return None


class YahooProvider:
    """Daily bars from Yahoo Finance for every catalogue symbol with a Yahoo ticker.

    Parameters
    ----------
    policy
        Retries and backoff on rate limits, outages and network failures.
    session
        The HTTP session yfinance uses; defaults to :func:`recording_session`. Tests pass one
        built on ``requests.Session`` and serve recorded answers to it.
    ticker_factory
        Builds the object whose ``history()`` is called; defaults to ``yfinance.Ticker`` on
        ``session``. Tests inject fakes here.
    auto_adjust
        Whether Yahoo adjusts OHLC for splits and dividends (what a total-return series needs).
    min_interval
        Seconds between two requests; Yahoo rate-limits bursts.
    library_retries
        yfinance's own retries of network errors (``yf.config.network.retries``).

    Notes
    -----
    Building a provider sets two process-wide yfinance options: exceptions are raised rather
    than logged and swallowed, and network errors are retried ``library_retries`` times. It
    also passes yfinance's own log lines on at INFO (shown with ``-v``), see the module docstring.
    """

    name = "yahoo"

    def __init__(
        self,
        *,
        policy: RetryPolicy | None = None,
        session: Any = None,
        ticker_factory: Callable[[str], Any] | None = None,
        auto_adjust: bool = True,
        min_interval: float = 0.5,
        library_retries: int = LIBRARY_RETRIES,
    ) -> None:
        import yfinance

        # The replacement of raise_errors=True, which yfinance 1.x deprecates: without it a
        # network failure reads as "delisted".
        yfinance.config.debug.hide_exceptions = False
        yfinance.config.network.retries = library_retries
        _yfinance_at_info()
        self.session = session if session is not None else recording_session()
        if ticker_factory is None:
            ticker_factory = self._ticker
        self.policy = policy or RetryPolicy()
        self.ticker_factory = ticker_factory
        self.auto_adjust = auto_adjust
        self.throttle = Throttle(min_interval)

    def _ticker(self, ticker: str) -> Any:
        import yfinance

        return yfinance.Ticker(ticker, session=self.session)

    def symbols(self) -> list[str]:
        """Every catalogue symbol that has a Yahoo ticker."""
        return sorted(name for name, spec in CATALOGUE.items() if spec.yahoo)

    def ticker(self, symbol: str) -> str:
        """The Yahoo ticker of a riskcurve symbol (``RUT`` -> ``^RUT``)."""
        spec = lookup(symbol)
        if spec.yahoo is None:
            raise UnknownSymbolError(
                f"{spec.name} is not available from Yahoo (Yahoo serves: {', '.join(self.symbols())})",
                symbol=symbol,
            )
        return spec.yahoo

    def fetch(self, symbol: str, start: DateLike | None = None, end: DateLike | None = None) -> Fetched:
        """Fetch daily bars between ``start`` and ``end`` inclusive; see :meth:`Provider.fetch`.

        Raises
        ------
        UnknownSymbolError
            If ``symbol`` is not in the catalogue or has no Yahoo ticker.
        ProviderError
            If Yahoo keeps failing, has no data for the range, or answers with unusable bars.
        """
        lo, hi = date_bounds(start, end)
        ticker = self.ticker(symbol)
        name = lookup(symbol).name
        between = f"{lo.date() if lo is not None else 'the start'} and {hi.date() if hi is not None else 'today'}"
        missing = f"no data for ticker {ticker} between {between} (delisted or wrong ticker?)"
        attempts = 0

        def attempt() -> pd.DataFrame:
            nonlocal attempts
            attempts += 1
            if attempts > 1:
                _forget_cached_answers()
            return self._history(self.ticker_factory(ticker), ticker, name, lo, hi, missing)

        raw = with_retry(attempt, provider=self.name, symbol=name, policy=self.policy)
        frame = self._canonical(raw, ticker, name, missing)
        frame = clip(frame, lo, hi)
        if frame.empty:
            raise ProviderError(self.name, name, missing)
        return Fetched(name, "price", frame, self.name, source=f"yahoo:{ticker}", fetched_at=utc_now())

    def _history(
        self,
        client: Any,
        ticker: str,
        name: str,
        lo: pd.Timestamp | None,
        hi: pd.Timestamp | None,
        missing: str,
    ) -> pd.DataFrame:
        """One attempt: call ``history()`` and sort its failures into retryable and final."""
        from yfinance import exceptions as yf_errors

        kwargs: dict[str, Any] = {"interval": "1d", "auto_adjust": self.auto_adjust, "actions": False}
        if lo is None:
            kwargs["period"] = "max"
        else:
            kwargs["start"] = lo.strftime("%Y-%m-%d")
        if hi is not None:
            # yfinance's end is exclusive; ours is inclusive.
            kwargs["end"] = (hi + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
        self.throttle.wait()
        if hasattr(self.session, "last_chart"):
            self.session.last_chart = None
        try:
            return client.history(**kwargs)
        except yf_errors.YFRateLimitError as exc:
            raise TransientError(f"{ticker}: rate limited by Yahoo ({exc})") from exc
        except _network_errors() as exc:
            raise TransientError(f"{ticker}: network error ({type(exc).__name__}: {exc})") from exc
        except Exception as exc:
            answer = getattr(self.session, "last_chart", None)
            outage = _outage(answer)
            if outage is not None:
                raise TransientError(f"{ticker}: {outage}", _retry_after(answer)) from exc
            if isinstance(exc, yf_errors.YFTzMissingError) and answer is None:
                # No chart answer was seen, so the timezone look-up never reached Yahoo.
                raise TransientError(f"{ticker}: Yahoo's first request (timezone) got no answer ({exc})") from exc
            if isinstance(exc, yf_errors.YFDataException) and "currently down" in str(exc).lower():
                raise TransientError(f"{ticker}: {exc}") from exc
            if isinstance(exc, (yf_errors.YFPricesMissingError, yf_errors.YFTzMissingError)):
                # Yahoo answered and had nothing: yfinance cannot tell a delisted ticker from a
                # range without bars, so say both.
                raise ProviderError(self.name, name, f"{missing}: {exc}") from exc
            if isinstance(exc, json.JSONDecodeError):
                seen = f" ({_describe(_body(answer))})" if answer is not None else ""
                raise ProviderError(self.name, name, f"{ticker}: Yahoo's answer is not JSON{seen}") from exc
            # Anything else (a 4xx, a yfinance bug) will not heal by retrying; report it with the
            # ticker so the user knows which request broke.
            raise ProviderError(self.name, name, f"{ticker}: {type(exc).__name__}: {exc}") from exc

    def _canonical(self, raw: Any, ticker: str, name: str, missing: str) -> pd.DataFrame:
        """Turn yfinance's frame into validated bars indexed by trading day."""
        if not isinstance(raw, pd.DataFrame):
            raise ProviderError(self.name, name, f"{ticker}: yfinance returned {type(raw).__name__}, not a DataFrame")
        if raw.empty:
            raise ProviderError(self.name, name, missing)
        if not isinstance(raw.index, pd.DatetimeIndex):
            raise ProviderError(
                self.name, name, f"{ticker}: index is {type(raw.index).__name__}, not dates (first: {raw.index[0]!r})"
            )
        if "Close" not in raw.columns:
            found = ", ".join(map(str, raw.columns)) or "none"
            raise ProviderError(self.name, name, f"{ticker}: no Close column in Yahoo's answer (found: {found})")
        renamed = raw.rename(columns=_RENAME)
        frame = renamed[[c for c in _RENAME.values() if c in renamed.columns]].copy()
        # Dropping the timezone keeps the exchange-local wall clock, whose date is the session.
        index = raw.index.tz_localize(None) if raw.index.tz is not None else raw.index
        frame.index = index.normalize().rename("date")
        # Yahoo sometimes emits a bar with no close on holidays; it is not a trading day. Strings
        # are not dropped here: validation reports them as garbage.
        frame = frame[frame["close"].notna()]
        if frame.empty:
            raise ProviderError(self.name, name, missing)
        try:
            return validate_prices(frame, source=f"yahoo:{ticker}", symbol=name)
        except DataError as exc:
            where = f" on {str(exc.row).removesuffix(' 00:00:00')}" if exc.row is not None else ""
            raise ProviderError(self.name, name, f"unusable bars for {ticker}{where}: {exc.message}") from exc


def _forget_cached_answers() -> None:
    """Empty yfinance's in-process answer cache so a retry asks Yahoo again."""
    from yfinance import data

    cached = getattr(data.YfData, "cache_get", None)
    clear = getattr(cached, "cache_clear", None)
    if clear is not None:
        clear()
