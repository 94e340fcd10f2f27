"""Daily crypto candles from one exchange, through ccxt.

ccxt speaks the public (keyless) API of about a hundred exchanges; riskcurve asks one of them,
Coinbase unless ``RISKCURVE_CCXT_EXCHANGE`` names another, for ``1d`` candles. A daily candle
stamped ``2024-01-01T00:00Z`` covers that UTC day from open to close, so it is stored under the
date 2024-01-01; today's candle is still open and is never returned.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd

from riskcurve import numbers as nf
from riskcurve._typing import PRICE_COLUMNS, DateLike
from riskcurve.data.providers.base import (
    Fetched,
    RetryPolicy,
    TransientError,
    date_bounds,
    utc_now,
    with_retry,
)
from riskcurve.data.symbols import CATALOGUE, lookup
from riskcurve.data.validation import validate_prices
from riskcurve.errors import ProviderError, UnknownSymbolError

DAY_MS = 86_400_000
#: Where a request without ``start`` begins: bitcoin's first traded price (Mt.Gox). Exchanges
#: answer from their own listing date onwards, so nothing older can exist.
EARLIEST = pd.Timestamp("2010-07-17")
#: Markets tried after ``<BASE>/<quote>``, in order: stablecoins are the usual USD stand-in.
FALLBACK_QUOTES: tuple[str, ...] = ("USDT", "USDC")
_ERROR_CHARS = 300  # ccxt errors may carry a whole HTML page


def _default_factory(exchange_id: str) -> Any:
    import ccxt

    # ccxt's own limiter knows each exchange's published rate limit; riskcurve adds none.
    return getattr(ccxt, exchange_id)({"enableRateLimit": True, "timeout": 30000})


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _empty_prices() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype=float) for c in PRICE_COLUMNS},
        index=pd.DatetimeIndex([], dtype="datetime64[ns]", name="date"),
    )


def _ms(day: pd.Timestamp) -> int:
    return int(day.value // 1_000_000)


class CcxtProvider:
    """Daily OHLCV bars of the catalogue's crypto symbols from one exchange.

    Parameters
    ----------
    exchange
        A ccxt exchange id; default ``$RISKCURVE_CCXT_EXCHANGE``, else ``"coinbase"``.
    quote
        Quote currency wanted; when the exchange has no ``<BASE>/<quote>`` market the USDT and
        then the USDC market is used, and ``source`` says so.
    policy
        Retries for network failures and rate limits.
    exchange_factory
        Builds the exchange object from its id; tests inject fakes. The default builds the ccxt
        class with its rate limiter on and a 30 s timeout.
    """

    name = "ccxt"
    #: Candles asked per request. Coinbase's maximum; windowed exchanges return this many days.
    page_size = 300

    def __init__(
        self,
        *,
        exchange: str | None = None,
        quote: str = "USD",
        policy: RetryPolicy | None = None,
        exchange_factory: Callable[[str], Any] | None = None,
    ) -> None:
        import ccxt  # imported here: it is large and only this provider needs it

        self._ccxt = ccxt
        self.exchange_id = (exchange or os.environ.get("RISKCURVE_CCXT_EXCHANGE") or "coinbase").strip().lower()
        self.quote = quote.strip().upper()
        self.policy = policy or RetryPolicy()
        if exchange_factory is None:
            if self.exchange_id not in ccxt.exchanges:
                raise ProviderError(
                    self.name, None, f"ccxt has no exchange {self.exchange_id!r} (e.g. coinbase, kraken, bitstamp)"
                )
            exchange_factory = _default_factory
        self._factory = exchange_factory
        self._exchange: Any = None

    @property
    def exchange(self) -> Any:
        """The ccxt exchange object, built on first use."""
        if self._exchange is None:
            self._exchange = self._factory(self.exchange_id)
        return self._exchange

    def symbols(self) -> list[str]:
        """The catalogue's crypto symbols."""
        return sorted(spec.name for spec in CATALOGUE.values() if spec.ccxt)

    def fetch(self, symbol: str, start: DateLike | None = None, end: DateLike | None = None) -> Fetched:
        """Fetch complete UTC-day candles of ``symbol`` between ``start`` and ``end`` (inclusive).

        Parameters
        ----------
        symbol
            A crypto symbol of the catalogue, e.g. ``"BTC"``.
        start, end
            Date bounds, either open: ``start`` defaults to the oldest data the exchange has,
            ``end`` to yesterday (UTC).

        Returns
        -------
        Fetched
            ``kind="price"``, ``source="ccxt:<exchange>:<market>"``; the frame may be empty when
            the exchange has no complete candle in the range.

        Raises
        ------
        UnknownSymbolError
            If the symbol is not a catalogue crypto symbol, or the exchange lists none of the
            markets tried.
        ProviderError
            If the exchange fails after retries, rejects the request, or sends malformed candles.
        DataError
            If the candles are well-formed but invalid (a zero price, say).
        """
        lo, hi = date_bounds(start, end)
        name, base = self._base(symbol)
        markets = self._call(self.exchange.load_markets, name)
        market = self._market(markets, name, base)
        source = f"{self.name}:{self.exchange_id}:{market}"
        today = utc_now().normalize()
        first = lo if lo is not None else EARLIEST
        stop = today if hi is None else min(hi + pd.Timedelta(days=1), today)
        candles = self._pages(market, name, _ms(first), _ms(stop))
        if not candles:
            return Fetched(name, "price", _empty_prices(), self.name, source)
        index = pd.DatetimeIndex(pd.to_datetime([c[0] for c in candles], unit="ms"), name="date")
        raw = pd.DataFrame([c[1:] for c in candles], index=index, columns=list(PRICE_COLUMNS), dtype=float)
        return Fetched(name, "price", validate_prices(raw, source=source, symbol=name), self.name, source)

    def _base(self, symbol: str) -> tuple[str, str]:
        spec = lookup(symbol)
        if not spec.ccxt:
            raise UnknownSymbolError(f"not a crypto symbol; ccxt serves {', '.join(self.symbols())}", symbol=spec.name)
        return spec.name, spec.ccxt.split("/")[0]

    def _market(self, markets: Any, symbol: str, base: str) -> str:
        if not isinstance(markets, dict):
            raise ProviderError(self.name, symbol, f"{self.exchange_id} listed its markets as {type(markets).__name__}")
        quotes = [self.quote, *(q for q in FALLBACK_QUOTES if q != self.quote)]
        tried = [f"{base}/{quote}" for quote in quotes]
        for market in tried:
            if market in markets:
                return market
        raise UnknownSymbolError(
            f"exchange {self.exchange_id} lists none of the markets {', '.join(tried)}; "
            "try another exchange with RISKCURVE_CCXT_EXCHANGE",
            symbol=symbol,
        )

    def _call(self, call: Callable[[], Any], symbol: str) -> Any:
        """Run one exchange request under the retry policy, translating ccxt's errors."""
        ccxt = self._ccxt

        def attempt() -> Any:
            try:
                return call()
            except ccxt.BadSymbol as exc:  # before ExchangeError: it is one
                raise UnknownSymbolError(
                    f"exchange {self.exchange_id} rejected the market: {str(exc)[:_ERROR_CHARS]}", symbol=symbol
                ) from exc
            except ccxt.NetworkError as exc:  # timeouts, 429, DDoS walls, maintenance: worth a retry
                raise TransientError(f"{type(exc).__name__}: {str(exc)[:_ERROR_CHARS]}") from exc
            except Exception as exc:  # ccxt's other errors, and its parsers choking on a garbage answer
                raise ProviderError(
                    self.name, symbol, f"{self.exchange_id} {type(exc).__name__}: {str(exc)[:_ERROR_CHARS]}"
                ) from exc

        return with_retry(attempt, provider=self.name, symbol=symbol, policy=self.policy)

    def _pages(self, market: str, symbol: str, first_ms: int, stop_ms: int) -> list[list[float]]:
        """Candles with ``first_ms <= time < stop_ms``, one per day, ascending.

        Each request asks from a cursor that only moves forward, so the loop ends even when an
        exchange ignores ``since`` and repeats the same page.
        """
        by_time: dict[int, list[float]] = {}
        cursor = first_ms
        while cursor < stop_ms:
            page = self._call(
                partial(self.exchange.fetch_ohlcv, market, "1d", since=cursor, limit=self.page_size), symbol
            )
            candles = self._checked(page, market, symbol)
            if not candles:
                # Windowed exchanges (Coinbase) answer [since, since + limit days) and send nothing
                # for a window before the listing date: skip the window, this is not the end.
                cursor += self.page_size * DAY_MS
                continue
            newest = max(int(c[0]) for c in candles)
            if newest < cursor:
                break  # nothing at or after the cursor: the exchange has no newer candle
            for candle in candles:
                if first_ms <= candle[0] < stop_ms:
                    by_time[int(candle[0])] = candle  # overlapping page boundary: one row per day
            cursor = newest + DAY_MS
        return [by_time[t] for t in sorted(by_time)]

    def _checked(self, page: Any, market: str, symbol: str) -> list[list[float]]:
        """The page's candles as ``[ms, o, h, l, c, v]`` floats, or ProviderError saying what is wrong."""
        where = f"{self.exchange_id} {market}"
        if not isinstance(page, list | tuple):
            raise ProviderError(self.name, symbol, f"{where}: fetch_ohlcv returned {type(page).__name__}, not candles")
        out = []
        for candle in page:
            if not isinstance(candle, list | tuple) or len(candle) != 6:
                raise ProviderError(
                    self.name, symbol, f"{where}: malformed candle {str(candle)[:80]} (expected [ms, o, h, l, c, v])"
                )
            stamp, *values = candle
            if not _is_number(stamp):
                raise ProviderError(self.name, symbol, f"{where}: candle time {stamp!r} is not a number")
            day = pd.Timestamp(int(stamp), unit="ms")
            if int(stamp) % DAY_MS:
                raise ProviderError(
                    self.name, symbol, f"{where}: candle at {day} UTC does not start at midnight UTC (not a UTC day)"
                )
            for column, value in zip(PRICE_COLUMNS, values, strict=True):
                if value is None and column == "volume":
                    continue  # some exchanges omit volume; validation keeps it blank
                if not _is_number(value):
                    raise ProviderError(
                        self.name, symbol, f"{where}: {column} {value!r} on {day.date()} is not a number"
                    )
                if value < 0:
                    raise ProviderError(
                        self.name, symbol, f"{where}: {column} {nf.significant(value, 6)} on {day.date()} is negative"
                    )
            out.append([float(stamp), *(math.nan if v is None else float(v) for v in values)])
        return out
