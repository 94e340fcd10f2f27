"""Daily market capitalisations from CoinGecko's ``/coins/{id}/market_chart/range``.

Date convention
---------------
CoinGecko's daily points are snapshots stamped at 00:00 UTC, and its documentation says "the
last completed UTC day (00:00) is available 35 minutes after midnight on the next UTC day": the
snapshot stamped ``2024-04-01T00:00Z`` is the close of UTC day 2024-03-31. riskcurve stores it
under **2024-03-31**, the day it closes, the same convention as a daily candle's close, so a
coin's price and market cap of one date describe the same instant. Ranges of 90 days or less
come back hourly (and the last day five-minutely); then the first snapshot in the hour after
midnight stands for the close of the day before and the other intraday points are dropped, as is
the live point CoinGecko appends for the current moment.

Limits
------
The public API (keyless or with a free "demo" key) serves only the last 365 days and about 30
calls a minute; older ``start`` dates are refused with HTTP 401 (error 10012). A Pro key
(``COINGECKO_API_KEY`` with ``COINGECKO_PRO=1``) lifts both limits.
"""

from __future__ import annotations

import math
import os
from typing import Any

import pandas as pd
import requests

from riskcurve._typing import DateLike
from riskcurve.data.providers import http
from riskcurve.data.providers.base import Fetched, RetryPolicy, Throttle, clip, date_bounds, utc_now
from riskcurve.data.symbols import CATALOGUE, MARKET_CAP_SUFFIX, SymbolSpec, lookup
from riskcurve.data.validation import validate_values
from riskcurve.errors import ProviderError, UnknownSymbolError

PUBLIC_URL = "https://api.coingecko.com/api/v3"
PRO_URL = "https://pro-api.coingecko.com/api/v3"
#: Seconds between calls: the public tier allows ~30 calls a minute, Pro several hundred.
PUBLIC_INTERVAL = 2.1
PRO_INTERVAL = 0.2
#: How far back the public API reaches.
PUBLIC_HISTORY_DAYS = 365
#: Where a Pro request without ``start`` begins: CoinGecko's history starts in April 2013.
PRO_EARLIEST = pd.Timestamp("2013-04-28")
#: A snapshot this soon after midnight UTC stands for the close of the day before.
CLOSE_TOLERANCE = pd.Timedelta(hours=1)
_RANGE_ERROR_CODE = "10012"


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _empty_values() -> pd.DataFrame:
    return pd.DataFrame(
        {"value": pd.Series(dtype=float)}, index=pd.DatetimeIndex([], dtype="datetime64[ns]", name="date")
    )


class CoinGeckoProvider:
    """Market capitalisation (USD) of every catalogue coin, as the value series ``<COIN>_MCAP``.

    Parameters
    ----------
    api_key
        A CoinGecko key; default ``$COINGECKO_API_KEY``. Without one the keyless public API is used.
        The key travels in a header only and never appears in errors or ``source``.
    pro
        Use the Pro API (needs a Pro key); default ``$COINGECKO_PRO`` (``1``/``true``/``yes``).
    session
        The ``requests`` session to use.
    policy
        Retries for timeouts, 429 and 5xx.
    min_interval
        Seconds between calls; default 2.1 (public and demo) or 0.2 (Pro).
    """

    name = "coingecko"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        pro: bool | None = None,
        session: requests.Session | None = None,
        policy: RetryPolicy | None = None,
        min_interval: float | None = None,
    ) -> None:
        self._api_key = (api_key or os.environ.get("COINGECKO_API_KEY") or "").strip() or None
        env_pro = os.environ.get("COINGECKO_PRO", "").strip().lower() in {"1", "true", "yes"}
        self.pro = env_pro if pro is None else pro
        if self.pro and self._api_key is None:
            raise ProviderError(self.name, None, "the Pro API needs a key: set COINGECKO_API_KEY or pass api_key=")
        self.base_url = PRO_URL if self.pro else PUBLIC_URL
        self.session = session or requests.Session()
        self.policy = policy or RetryPolicy()
        default_interval = PRO_INTERVAL if self.pro else PUBLIC_INTERVAL
        self.throttle = Throttle(default_interval if min_interval is None else min_interval)

    def symbols(self) -> list[str]:
        """``<COIN>_MCAP`` for every catalogue coin with a CoinGecko id."""
        return sorted(f"{spec.name}{MARKET_CAP_SUFFIX}" for spec in CATALOGUE.values() if spec.coingecko)

    def fetch(self, symbol: str, start: DateLike | None = None, end: DateLike | None = None) -> Fetched:
        """Fetch daily market caps of ``symbol`` (``<COIN>_MCAP``) between ``start`` and ``end``.

        Parameters
        ----------
        symbol
            A market-cap series such as ``"BTC_MCAP"``.
        start, end
            Inclusive date bounds. Without ``start`` the public API's last 365 days are fetched
            (Pro: all history); without ``end``, up to yesterday, the last closed UTC day.

        Returns
        -------
        Fetched
            ``kind="value"``, ``source="coingecko:<coin id>"``, index ``date`` (the UTC day each
            cap closes, see the module notes) and column ``value`` in USD, without
            ``available_at`` (the store applies the catalogue's ``end_of_day`` rule). Days whose
            cap CoinGecko reports as 0 or null (unknown supply) are left out.

        Raises
        ------
        UnknownSymbolError
            If ``symbol`` is not a ``<COIN>_MCAP`` series of the catalogue.
        ProviderError
            On HTTP errors, exhausted retries, a ``start`` beyond the public 365-day window, or
            an answer that is not the expected JSON.
        """
        lo, hi = date_bounds(start, end)
        spec = self._spec(symbol)
        coin = str(spec.coingecko)
        now = utc_now()
        if lo is None:
            lo = PRO_EARLIEST if self.pro else now.normalize() - pd.Timedelta(days=PUBLIC_HISTORY_DAYS - 1)
        # The close of day D is the snapshot at D+1 00:00, so ask a little past the last day.
        until = now if hi is None else min(now, hi + pd.Timedelta(days=1) + CLOSE_TOLERANCE)
        if until <= lo:  # a start in the future: nothing to ask for
            return Fetched(spec.name, "value", _empty_values(), self.name, f"{self.name}:{coin}")
        payload = self._get(spec.name, coin, lo, until)
        source = f"{self.name}:{coin}"
        caps = clip(self._daily_caps(payload, spec.name, coin).to_frame("value"), lo, hi)
        if caps.empty:
            return Fetched(spec.name, "value", _empty_values(), self.name, source)
        return Fetched(spec.name, "value", validate_values(caps, source=source, symbol=spec.name), self.name, source)

    def _spec(self, symbol: str) -> SymbolSpec:
        spec = lookup(symbol)
        if not (spec.kind == "value" and spec.name.endswith(MARKET_CAP_SUFFIX) and spec.coingecko):
            raise UnknownSymbolError(
                f"coingecko serves market caps only, as <COIN>{MARKET_CAP_SUFFIX} (e.g. BTC{MARKET_CAP_SUFFIX})",
                symbol=spec.name,
            )
        return spec

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self._api_key is not None:
            headers["x-cg-pro-api-key" if self.pro else "x-cg-demo-api-key"] = self._api_key
        return headers

    def _scrub(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    def _get(self, symbol: str, coin: str, lo: pd.Timestamp, until: pd.Timestamp) -> Any:
        params = {"vs_currency": "usd", "from": int(lo.timestamp()), "to": int(until.timestamp())}
        try:
            response = http.get(
                self.session,
                f"{self.base_url}/coins/{coin}/market_chart/range",
                params=params,
                headers=self._headers(),
                provider=self.name,
                symbol=symbol,
                policy=self.policy,
                throttle=self.throttle,
            )
        except ProviderError as exc:
            if _RANGE_ERROR_CODE in exc.message or "allowed time range" in exc.message:
                raise ProviderError(
                    self.name,
                    symbol,
                    f"start {lo.date()} is outside the public API's window: CoinGecko serves only the last "
                    f"{PUBLIC_HISTORY_DAYS} days without a Pro plan. Use a later start, or set "
                    "COINGECKO_API_KEY to a Pro key and COINGECKO_PRO=1",
                ) from None
            if self._api_key and self._api_key in str(exc):
                # `from None`: the original error, with the key in it, must not ride along.
                raise ProviderError(self.name, symbol, self._scrub(exc.message)) from None
            raise
        except requests.RequestException as exc:  # e.g. a malformed header, whose message quotes the key
            raise ProviderError(self.name, symbol, self._scrub(f"request failed: {exc}")) from None
        try:
            return response.json()
        except ValueError:
            start = " ".join(response.text[:80].split())
            raise ProviderError(self.name, symbol, f"answer for coin {coin!r} is not JSON: {start!r}") from None

    def _daily_caps(self, payload: Any, symbol: str, coin: str) -> pd.Series:
        """One cap per closed UTC day from ``market_caps``, labelled with the day it closes."""

        def bad(what: str) -> ProviderError:
            return ProviderError(self.name, symbol, f"answer for coin {coin!r}: {what}")

        if not isinstance(payload, dict) or not isinstance(payload.get("market_caps"), list):
            keys = ", ".join(map(str, payload)) if isinstance(payload, dict) else type(payload).__name__
            raise bad(f"no 'market_caps' list (got {keys or 'nothing'})")
        stamps: list[int] = []
        values: list[float] = []
        for position, pair in enumerate(payload["market_caps"]):
            if not isinstance(pair, list) or len(pair) != 2:
                raise bad(f"market_caps[{position}] is {str(pair)[:60]}, not a [ms, value] pair")
            stamp, value = pair
            if not _is_number(stamp):
                raise bad(f"market_caps[{position}] time {stamp!r} is not a number")
            if value is None or value == 0:
                continue  # CoinGecko's way of saying the supply, hence the cap, is unknown
            if not _is_number(value) or value < 0:
                raise bad(f"market_caps[{position}] value {value!r} is not a positive number")
            stamps.append(int(stamp))
            values.append(float(value))
        instants = pd.DatetimeIndex(pd.to_datetime(stamps, unit="ms"))
        midnights = instants.floor("D")
        closes = pd.Series(values, index=instants)[(instants - midnights) < CLOSE_TOLERANCE].sort_index()
        labels = pd.DatetimeIndex(closes.index).floor("D") - pd.Timedelta(days=1)
        daily = pd.Series(closes.to_numpy(), index=pd.DatetimeIndex(labels, name="date"))
        return daily[~daily.index.duplicated(keep="first")]  # the earliest snapshot after midnight
