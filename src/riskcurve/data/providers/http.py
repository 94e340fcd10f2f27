"""HTTP for the network providers: one GET with timeouts, retries on the failures worth retrying.

Timeouts, dropped connections, HTTP 429 and 5xx are transient and retried with backoff (a
server's ``Retry-After`` is honoured). Any other 4xx is final and reported at once with the
start of the body, since retrying a bad request only wastes the rate limit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import requests

from riskcurve import numbers as nf
from riskcurve.data.providers.base import RetryPolicy, Throttle, TransientError, with_retry
from riskcurve.errors import ProviderError

TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
USER_AGENT = "riskcurve (+https://pypi.org/project/riskcurve/)"
# Query strings can carry API keys; exception texts from requests quote the full URL.
_QUERY = re.compile(r"\?[^\s'\")]*")


def _redacted(text: str) -> str:
    return _QUERY.sub("?…", text)


def _retry_after(response: requests.Response) -> float | None:
    header = response.headers.get("Retry-After")
    if header is None:
        return None
    try:
        return float(header)
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def get(
    session: requests.Session,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    provider: str,
    symbol: str | None,
    policy: RetryPolicy,
    throttle: Throttle | None = None,
    timeout: float = 30.0,
    final_errors_to_caller: bool = False,
) -> requests.Response:
    """GET ``url`` and return a 2xx response, retrying transient failures.

    ``final_errors_to_caller=True`` returns final 4xx answers too, for an API whose error bodies
    the caller parses whole (FRED's JSON ``error_message``) rather than quoted in part here.

    Raises
    ------
    ProviderError
        On a final HTTP error, or when retries are exhausted; the message names the provider,
        the symbol, and the status or exception.
    """

    def attempt() -> requests.Response:
        if throttle is not None:
            throttle.wait()
        try:
            response = session.get(
                url, params=params, headers={"User-Agent": USER_AGENT, **(headers or {})}, timeout=timeout
            )
        except requests.Timeout as exc:
            raise TransientError(f"timed out after {nf.significant(timeout, 6)}s ({type(exc).__name__})") from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise TransientError(f"connection failed: {_redacted(str(exc))}") from None
        except requests.RequestException as exc:
            raise ProviderError(provider, symbol, f"request failed: {_redacted(str(exc))}") from None
        if response.status_code in TRANSIENT_STATUS:
            raise TransientError(f"HTTP {response.status_code} {response.reason or ''}".strip(), _retry_after(response))
        if response.status_code >= 500 or (response.status_code >= 400 and not final_errors_to_caller):
            body = " ".join(response.text[:200].split())
            raise ProviderError(provider, symbol, f"HTTP {response.status_code} from {url}: {body}")
        return response

    return with_retry(attempt, provider=provider, symbol=symbol, policy=policy)
