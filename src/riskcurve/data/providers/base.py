"""The provider interface, the registry that finds providers by name, and retry with backoff.

A provider turns a riskcurve symbol and a date range into a validated frame. It never writes to
the store: :mod:`riskcurve.data.ingest` does that, so a failing provider cannot corrupt it.
"""

from __future__ import annotations

import importlib
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

import pandas as pd

from riskcurve._typing import DateLike, SeriesKind
from riskcurve.errors import ProviderError

if TYPE_CHECKING:
    from tenacity import RetryCallState

T = TypeVar("T")


@dataclass(frozen=True)
class Fetched:
    """What a provider returns for one symbol.

    Attributes
    ----------
    symbol
        The riskcurve symbol.
    kind
        ``"price"`` or ``"value"``.
    frame
        Validated data. Price series: index ``date`` and columns ``open high low close volume``.
        Value series: index ``date`` and column ``value``, plus ``available_at`` (naive UTC) when
        the provider knows real publication instants (vintages); otherwise the store applies the
        series' release rule.
    provider
        Registry name of the provider.
    source
        Where exactly the data came from (file path, URL, exchange), kept for provenance.
    fetched_at
        When the provider fetched it (naive UTC).
    """

    symbol: str
    kind: SeriesKind
    frame: pd.DataFrame
    provider: str
    source: str
    fetched_at: pd.Timestamp = field(default_factory=lambda: utc_now())


@runtime_checkable
class Provider(Protocol):
    """One data source. Implementations live in ``riskcurve.data.providers.<name>``."""

    name: str

    def symbols(self) -> list[str]:
        """The riskcurve symbols this provider can serve."""
        ...

    def fetch(self, symbol: str, start: DateLike | None = None, end: DateLike | None = None) -> Fetched:
        """Fetch ``symbol`` between ``start`` and ``end`` (inclusive, either open-ended).

        Raises
        ------
        UnknownSymbolError
            If the provider does not serve ``symbol``.
        ProviderError
            If the source fails after retries or answers with something unusable.
        DataError
            If the data it returned is invalid.
        """
        ...


_REGISTRY: dict[str, str] = {
    "snapshot": "riskcurve.data.providers.snapshot:SnapshotProvider",
    "yahoo": "riskcurve.data.providers.yahoo:YahooProvider",
    "fred": "riskcurve.data.providers.fred:FredProvider",
    "ccxt": "riskcurve.data.providers.crypto:CcxtProvider",
    "coingecko": "riskcurve.data.providers.coingecko:CoinGeckoProvider",
    "stablecoins": "riskcurve.data.providers.stablecoins:StablecoinsProvider",
}


def provider_names() -> list[str]:
    """Names accepted by :func:`get_provider`."""
    return sorted(_REGISTRY)


def get_provider(name: str, **options: Any) -> Provider:
    """Instantiate a provider by registry name; its SDK is imported only now.

    Parameters
    ----------
    name
        One of :func:`provider_names`.
    **options
        Passed to the provider's constructor (``root=`` for the snapshot, ``exchange=`` for ccxt...).
    """
    if name not in _REGISTRY:
        raise ValueError(f"unknown provider {name!r}; choose one of {', '.join(provider_names())}")
    module_name, class_name = _REGISTRY[name].split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    provider: Provider = cls(**options)
    return provider


def utc_now() -> pd.Timestamp:
    """The current instant as a naive UTC timestamp (the store's convention)."""
    return pd.Timestamp.now(tz="UTC").tz_localize(None)


def date_bounds(start: DateLike | None, end: DateLike | None) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """Normalise optional range bounds to midnight timestamps and check their order."""
    lo = pd.Timestamp(start).normalize() if start is not None else None
    hi = pd.Timestamp(end).normalize() if end is not None else None
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"start {lo.date()} is after end {hi.date()}")
    return lo, hi


def clip(frame: pd.DataFrame, start: pd.Timestamp | None, end: pd.Timestamp | None) -> pd.DataFrame:
    """Rows of a date-indexed frame inside ``[start, end]``."""
    mask = pd.Series(True, index=frame.index)
    if start is not None:
        mask &= frame.index >= start
    if end is not None:
        mask &= frame.index <= end
    return frame.loc[mask.to_numpy()]


class TransientError(Exception):
    """A failure worth retrying: timeout, connection reset, HTTP 429 or 5xx.

    Parameters
    ----------
    message
        What happened.
    retry_after
        Seconds the server asked us to wait (``Retry-After``), if it said.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class RetryPolicy:
    """How hard a network provider tries before giving up.

    Attributes
    ----------
    attempts
        Total tries, including the first.
    base_delay
        Seconds before the first retry; doubled each time (with jitter), capped at ``max_delay``.
    max_delay
        Longest single wait, also the cap on a server's ``Retry-After``.
    jitter
        Relative spread of each wait (0.25 = ±25%), so concurrent clients do not retry in step.
    sleep
        The sleeping function; tests inject a recorder instead of waiting.
    rng
        Source of the jitter; a private generator so the global RNG is never touched.
    """

    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    jitter: float = 0.25
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def wait(self, state: RetryCallState) -> float:
        """Seconds to wait before the next attempt: the server's word, else exponential backoff."""
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, TransientError) and error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self.max_delay)
        exponent = max(state.attempt_number - 1, 0)
        backoff = min(self.base_delay * 2**exponent, self.max_delay)
        return backoff * (1.0 + self.jitter * self.rng.uniform(-1.0, 1.0))


def with_retry(call: Callable[[], T], *, provider: str, symbol: str | None, policy: RetryPolicy) -> T:
    """Run ``call``, retrying on :class:`TransientError` with backoff.

    Raises
    ------
    ProviderError
        After the last attempt fails, naming the provider, the symbol and the last error.
    """
    # Here, not at the top: the store imports this module for Fetched, and readers never fetch.
    from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

    retrying = Retrying(
        stop=stop_after_attempt(policy.attempts),
        wait=policy.wait,
        retry=retry_if_exception_type(TransientError),
        sleep=policy.sleep,
        reraise=True,
    )
    try:
        return retrying(call)
    except TransientError as exc:
        raise ProviderError(provider, symbol, f"gave up after {policy.attempts} attempts: {exc}") from exc


class Throttle:
    """Keeps at least ``min_interval`` seconds between calls (a provider's rate limit).

    Parameters
    ----------
    min_interval
        Seconds between the starts of two calls.
    clock, sleep
        Injected for tests.
    """

    def __init__(
        self,
        min_interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.min_interval = min_interval
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next call is allowed."""
        with self._lock:
            now = self._clock()
            if self._last is not None:
                remaining = self.min_interval - (now - self._last)
                if remaining > 0:
                    self._sleep(remaining)
                    now += remaining
            self._last = now
