"""Data providers: one small class per source behind :class:`Provider`, found by name."""

from riskcurve.data.providers.base import (
    Fetched,
    Provider,
    RetryPolicy,
    Throttle,
    TransientError,
    get_provider,
    provider_names,
    with_retry,
)

__all__ = [
    "Fetched",
    "Provider",
    "RetryPolicy",
    "Throttle",
    "TransientError",
    "get_provider",
    "provider_names",
    "with_retry",
]
