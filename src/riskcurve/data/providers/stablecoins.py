"""Stablecoin supply from DefiLlama's public stablecoin API (no key): crypto's own liquidity gauge.

Endpoints (``https://stablecoins.llama.fi``), as the server builds them (DefiLlama's
``peggedassets-server``, ``api2/cron-task``):

- ``/stablecoincharts/all``: every stablecoin together, one element per UTC day,
  ``{"date": "1609459200", "totalCirculating": {...}, "totalCirculatingUSD": {"peggedUSD": ..,
  "peggedEUR": ..}, ...}``; ``date`` is a *string* of Unix seconds and each total is keyed by
  peg type. The riskcurve total is the sum of ``totalCirculatingUSD`` over peg types (all coins,
  valued in USD), the figure DefiLlama shows as the stablecoin market cap.
- ``/stablecoin/{id}``: one coin, with ``pegType`` and ``tokens``: ``[{"date": 1609459200,
  "circulating": {"peggedUSD": ..}, "minted": .., "unreleased": .., "bridgedTo": ..}]`` (here
  ``date`` is a number; the last element can be an hourly reading of the current day). The
  value kept is ``circulating[pegType]``: coins in circulation, which for a dollar coin is
  dollars.

Date convention: DefiLlama stamps a day's reading with the day's start (00:00 UTC); the reading
is taken during that day (its first hourly run). riskcurve stores it under that date, as a
close-only daily bar in USD, so it is visible from the end of that UTC day: never early, and late
by up to a day. Storing it as a bar lets lead-lag and event studies take it like any series.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd
import requests

from riskcurve._typing import DateLike
from riskcurve.data.providers import http
from riskcurve.data.providers.base import Fetched, RetryPolicy, Throttle, clip, date_bounds, utc_now
from riskcurve.data.symbols import CATALOGUE, lookup
from riskcurve.data.validation import allowing_jumps, validate_prices
from riskcurve.errors import DataError, ProviderError, UnknownSymbolError

BASE_URL = "https://stablecoins.llama.fi"
#: The ``defillama`` id of the all-coins total.
TOTAL = "all"


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class StablecoinsProvider:
    """Daily stablecoin supply (the total and the largest coins) from DefiLlama.

    Parameters
    ----------
    session
        HTTP session to reuse (tests pass their own).
    policy
        Retries and backoff on timeouts, 429 and 5xx.
    min_interval
        Seconds between requests; the public API is generous, this only avoids bursts.
    base_url
        The API root.
    """

    name = "stablecoins"

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        policy: RetryPolicy | None = None,
        min_interval: float = 0.5,
        base_url: str = BASE_URL,
    ) -> None:
        self.session = session or requests.Session()
        self.policy = policy or RetryPolicy()
        self.throttle = Throttle(min_interval)
        self.base_url = base_url.rstrip("/")

    def symbols(self) -> list[str]:
        """Catalogue symbols served: ``STABLECOINS`` (all coins) and one per large coin."""
        return sorted(name for name, spec in CATALOGUE.items() if spec.defillama)

    def coin_id(self, symbol: str) -> str:
        """DefiLlama's id of a symbol (``"all"`` for the total).

        Raises
        ------
        UnknownSymbolError
            If the symbol is not a catalogue stablecoin series.
        """
        spec = lookup(symbol)
        if spec.defillama is None:
            raise UnknownSymbolError(
                f"{spec.name} is not a stablecoin series (DefiLlama serves: {', '.join(self.symbols())})",
                symbol=symbol,
            )
        return spec.defillama

    def fetch(self, symbol: str, start: DateLike | None = None, end: DateLike | None = None) -> Fetched:
        """Fetch daily supply between ``start`` and ``end`` inclusive; see :meth:`Provider.fetch`.

        Returns
        -------
        Fetched
            A ``"price"`` series: index ``date`` and ``close`` = supply in USD (``open``,
            ``high``, ``low``, ``volume`` empty).

        Raises
        ------
        UnknownSymbolError
            If the symbol is not a catalogue stablecoin series.
        ProviderError
            If DefiLlama keeps failing or answers with something that is not the expected data.
        """
        lo, hi = date_bounds(start, end)
        coin = self.coin_id(symbol)
        name = lookup(symbol).name
        if coin == TOTAL:
            url = f"{self.base_url}/stablecoincharts/all"
            dates, values = self._total(self._get(url, name), name)
        else:
            url = f"{self.base_url}/stablecoin/{coin}"
            dates, values = self._coin(self._get(url, name), name, coin)
        frame = self._frame(dates, values, name, url)
        return Fetched(name, "price", clip(frame, lo, hi), self.name, source=f"defillama:{url}", fetched_at=utc_now())

    def largest(self, count: int = 5) -> pd.DataFrame:
        """Today's largest stablecoins by circulating value (``/stablecoins?includePrices=true``).

        Useful to check that the catalogue's coins are still the largest ones.

        Parameters
        ----------
        count
            How many to return.

        Returns
        -------
        pandas.DataFrame
            Columns ``id symbol name peg circulating_usd price symbol_here`` (the riskcurve
            symbol, ``None`` for coins outside the catalogue), largest first.

        Raises
        ------
        ValueError
            If ``count`` is not a positive integer.
        ProviderError
            As :meth:`fetch`.
        """
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError(f"count must be a positive integer, got {count!r}")
        url = f"{self.base_url}/stablecoins"
        payload = self._get_with(url, {"includePrices": "true"}, "STABLECOINS")
        assets = payload.get("peggedAssets") if isinstance(payload, dict) else None
        if not isinstance(assets, list):
            raise self._garbage("STABLECOINS", f"expected an object with 'peggedAssets', got {_kind(payload)}")
        here = {spec.defillama: name for name, spec in CATALOGUE.items() if spec.defillama}
        rows = []
        for position, asset in enumerate(assets):
            circulating = asset.get("circulating") if isinstance(asset, dict) else None
            if not isinstance(circulating, dict) or not all(_is_number(v) for v in circulating.values()):
                raise self._garbage("STABLECOINS", f"peggedAssets element {position} has no numeric 'circulating'")
            price = asset.get("price")
            rows.append(
                {
                    "id": str(asset.get("id")),
                    "symbol": asset.get("symbol"),
                    "name": asset.get("name"),
                    "peg": asset.get("pegType"),
                    "circulating_usd": float(sum(circulating.values())),
                    "price": float(price) if _is_number(price) else np.nan,
                    "symbol_here": here.get(str(asset.get("id"))),
                }
            )
        table = pd.DataFrame(rows, columns=["id", "symbol", "name", "peg", "circulating_usd", "price", "symbol_here"])
        table["symbol_here"] = table["symbol_here"].astype(object).where(table["symbol_here"].notna(), None)
        return table.sort_values("circulating_usd", ascending=False, kind="stable").head(count).reset_index(drop=True)

    # -- requests -------------------------------------------------------------------------------

    def _get(self, url: str, name: str) -> Any:
        return self._get_with(url, None, name)

    def _get_with(self, url: str, params: dict[str, str] | None, name: str) -> Any:
        response = http.get(
            self.session,
            url,
            params=params,
            provider=self.name,
            symbol=name,
            policy=self.policy,
            throttle=self.throttle,
        )
        try:
            return response.json()
        except ValueError:
            raise self._garbage(name, f"expected JSON from {url} but got {_describe(response.text)}") from None

    # -- parsing --------------------------------------------------------------------------------

    def _total(self, payload: Any, name: str) -> tuple[list[str], list[float]]:
        if not isinstance(payload, list):
            raise self._garbage(name, f"expected a list of daily totals, got {_kind(payload)}")
        dates: list[str] = []
        values: list[float] = []
        for position, item in enumerate(payload):
            if not isinstance(item, dict) or "date" not in item:
                raise self._garbage(name, f"element {position} is not a dated total: {str(item)[:80]!r}")
            by_peg = item.get("totalCirculatingUSD")
            if not by_peg:  # DefiLlama drops empty totals; a day without one is absent, not zero
                continue
            if not isinstance(by_peg, dict) or not all(_is_number(v) for v in by_peg.values()):
                raise self._garbage(name, f"totalCirculatingUSD of {item['date']!r} is not numbers by peg: {by_peg!r}")
            dates.append(self._day(item["date"], name))
            values.append(float(sum(by_peg.values())))
        return dates, values

    def _coin(self, payload: Any, name: str, coin: str) -> tuple[list[str], list[float]]:
        if not isinstance(payload, dict):
            raise self._garbage(name, f"expected a stablecoin object, got {_kind(payload)}")
        if str(payload.get("id", coin)) != coin:
            raise self._garbage(name, f"asked for stablecoin {coin} but got {payload.get('id')!r}")
        peg = payload.get("pegType")
        tokens = payload.get("tokens")
        if not isinstance(peg, str) or not isinstance(tokens, list):
            found = ", ".join(map(str, payload)) or "nothing"
            raise self._garbage(name, f"stablecoin {coin} lacks 'pegType' and 'tokens' (found: {found})")
        by_day: dict[str, float] = {}
        for position, item in enumerate(tokens):
            circulating = item.get("circulating") if isinstance(item, dict) else None
            if not isinstance(circulating, dict) or "date" not in item:
                raise self._garbage(name, f"tokens element {position} is not a dated supply: {str(item)[:80]!r}")
            amount = circulating.get(peg)
            if amount is None:
                continue
            if not _is_number(amount):
                raise self._garbage(name, f"circulating {peg} of {item['date']!r} is not a number: {amount!r}")
            by_day[self._day(item["date"], name)] = float(amount)  # the day's last reading wins
        return list(by_day), list(by_day.values())

    def _frame(self, dates: list[str], values: list[float], name: str, url: str) -> pd.DataFrame:
        if not dates:
            raise ProviderError(self.name, name, f"no supply history in DefiLlama's answer from {url}")
        raw = pd.DataFrame({"date": dates, "close": values}, index=[f"day {d}" for d in dates])
        raw = raw[~raw["date"].duplicated(keep="last")]
        raw = raw.assign(open=np.nan, high=np.nan, low=np.nan, volume=np.nan)
        try:
            # A supply is not a price: a coin's first days can grow it far beyond the one-bar
            # jump bound (JUMP_FACTOR) that guards prices against unit changes and typos.
            with allowing_jumps():
                return validate_prices(raw, source=f"defillama:{url}", symbol=name)
        except DataError as exc:
            where = f" at {exc.row}" if exc.row is not None else ""
            raise self._garbage(name, f"{exc.message}{where}") from exc

    def _day(self, stamp: object, name: str) -> str:
        """A UTC day (YYYY-MM-DD) from DefiLlama's Unix seconds, given as a number or a string."""
        text = str(stamp).strip()
        if not text.isdigit():
            raise self._garbage(name, f"date {stamp!r} is not Unix seconds")
        return pd.Timestamp(int(text), unit="s").strftime("%Y-%m-%d")

    def _garbage(self, name: str, what: str) -> ProviderError:
        return ProviderError(self.name, name, f"unusable answer from DefiLlama: {what}")


def _kind(payload: object) -> str:
    if isinstance(payload, dict):
        return f"an object with {', '.join(map(str, list(payload)[:5])) or 'no keys'}"
    return type(payload).__name__


def _describe(text: str) -> str:
    start = text.lstrip()
    if start.startswith("<"):
        found = re.search(r"<title[^>]*>(.*?)</title>", start, flags=re.IGNORECASE | re.DOTALL)
        return f"an HTML page titled {' '.join(found.group(1).split())!r}" if found else "an HTML page"
    return f"{' '.join(start[:80].split())!r}" if start else "an empty body"
