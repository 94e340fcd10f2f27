"""The Yahoo Finance provider: daily OHLCV bars through :mod:`yfinance`.

yfinance is imported only when a provider is built or used, so ``import riskcurve`` stays fast
and works where yfinance is broken. Yahoo's daily bars carry a timezone-aware index at midnight
exchange time (New York for ``^RUT``, UTC for ``BTC-USD``); the local calendar date of that
index *is* the trading day, so it is kept as a naive date rather than converted to UTC.
"""

from __future__ import annotations

import json
import warnings
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

_RENAME = {"Open": "open", "High": "high", "Low": "low", "Close": "close", "Volume": "volume"}


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


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None  # an HTTP date: fall back to our own backoff


class YahooProvider:
    """Daily bars from Yahoo Finance for every catalogue symbol with a Yahoo ticker.

    Parameters
    ----------
    policy
        Retries and backoff on rate limits and network failures.
    ticker_factory
        Builds the object whose ``history()`` is called; defaults to ``yfinance.Ticker``.
        Tests inject fakes here.
    auto_adjust
        Whether Yahoo adjusts OHLC for splits and dividends (what a total-return series needs).
    min_interval
        Seconds between two requests; Yahoo rate-limits bursts.
    """

    name = "yahoo"

    def __init__(
        self,
        *,
        policy: RetryPolicy | None = None,
        ticker_factory: Callable[[str], Any] | None = None,
        auto_adjust: bool = True,
        min_interval: float = 0.5,
    ) -> None:
        if ticker_factory is None:
            import yfinance

            ticker_factory = yfinance.Ticker
        self.policy = policy or RetryPolicy()
        self.ticker_factory = ticker_factory
        self.auto_adjust = auto_adjust
        self.throttle = Throttle(min_interval)

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
        client = self.ticker_factory(ticker)
        raw = with_retry(
            lambda: self._history(client, ticker, name, lo, hi, missing),
            provider=self.name,
            symbol=name,
            policy=self.policy,
        )
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

        kwargs: dict[str, Any] = {
            "interval": "1d",
            "auto_adjust": self.auto_adjust,
            "actions": False,
            "raise_errors": True,
        }
        if lo is None:
            kwargs["period"] = "max"
        else:
            kwargs["start"] = lo.strftime("%Y-%m-%d")
        if hi is not None:
            # yfinance's end is exclusive; ours is inclusive.
            kwargs["end"] = (hi + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
        self.throttle.wait()
        try:
            with warnings.catch_warnings():
                # yfinance 1.x deprecates raise_errors in favour of a global switch; flipping that
                # switch would change yfinance for the whole process, so keep the argument quietly.
                warnings.filterwarnings("ignore", message=".*raise_errors.*", category=DeprecationWarning)
                return client.history(**kwargs)
        except yf_errors.YFRateLimitError as exc:
            raise TransientError(f"{ticker}: rate limited by Yahoo ({exc})") from exc
        except (yf_errors.YFPricesMissingError, yf_errors.YFTzMissingError) as exc:
            # yfinance cannot tell a delisted ticker from a range without bars, so say both. (It
            # also swallows a network failure of its first, timezone, request into YFTzMissingError
            # for tickers it has not cached yet; that case cannot be told apart here.)
            raise ProviderError(self.name, name, f"{missing}: {exc}") from exc
        except yf_errors.YFDataException as exc:
            if "currently down" in str(exc).lower():  # Yahoo's maintenance page
                raise TransientError(f"{ticker}: {exc}") from exc
            raise ProviderError(self.name, name, f"{ticker}: {exc}") from exc
        except _network_errors() as exc:
            raise TransientError(f"{ticker}: network failure ({type(exc).__name__}: {exc})") from exc
        except json.JSONDecodeError as exc:
            # Not retried: an error page (consent wall, block) usually stays for hours.
            raise ProviderError(
                self.name, name, f"{ticker}: Yahoo's answer is not JSON (an HTML page?): {exc}"
            ) from exc
        except Exception as exc:
            status = getattr(getattr(exc, "response", None), "status_code", None)
            if status in TRANSIENT_STATUS:
                raise TransientError(f"{ticker}: HTTP {status}", _retry_after(exc)) from exc
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
