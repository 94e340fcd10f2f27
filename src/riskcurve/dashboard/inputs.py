"""Validating what the browser sends: every control maps to one checked argument.

Anything can be posted to a Dash callback endpoint, so each value is checked against its type
and the bounds in :data:`LIMITS` before any computation sees it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

import pandas as pd

from riskcurve.data.validation import latest_date

#: Bounds on what a request may ask for (anything can be posted to the callback endpoint).
LIMITS = {
    "min_base": (1, 5000),
    "confirm_closes": (1, 250),
    "min_days": (1, 365),
    "horizon": (1, 2520),
    "horizons": (1, 8),
}
FIRST_DAY = dt.date(1990, 1, 1)


def _day(value: object, fallback: dt.date) -> pd.Timestamp:
    if value in (None, ""):
        return pd.Timestamp(fallback)
    if not isinstance(value, str):
        raise ValueError(f"as-of date must be a YYYY-MM-DD string, got {type(value).__name__}")
    try:  # strictly a day (the date picker may send it at midnight): not 20200102, not 2021-01-15<anything>
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(T00:00:00)?", value):
            raise ValueError(value)
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        raise ValueError(f"as-of date {value[:40]!r} is not a YYYY-MM-DD date") from None
    if day < FIRST_DAY:
        raise ValueError(f"as-of date must be on or after {FIRST_DAY.isoformat()}, got {day.isoformat()}")
    if day > latest_date():
        raise ValueError(f"as-of date must be on or before {latest_date()} (tomorrow, UTC), got {day.isoformat()}")
    return pd.Timestamp(day)


def _choice(name: str, value: object, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _integer(name: str, value: object) -> int:
    low, high = LIMITS[name]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    return value


def _fraction(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 < float(value) <= 1.0:
        raise ValueError(f"{name} must be a number in (0, 1], got {value!r}")
    return float(value)


def parse_horizons(text: object) -> tuple[int, ...]:
    """``"21,63,126"`` -> ``(21, 63, 126)``: distinct whole numbers of bars, ascending."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("horizons must be whole numbers of bars separated by commas, e.g. 21,63,126,252")
    try:
        values = sorted({int(part) for part in text.replace(" ", "").split(",") if part})
    except ValueError:
        raise ValueError(f"horizons must be whole numbers separated by commas, got {text!r}") from None
    low, high = LIMITS["horizon"]
    most = LIMITS["horizons"][1]
    if not values or values[0] < low or values[-1] > high or len(values) > most:
        raise ValueError(f"horizons must be 1 to {most} whole numbers from {low} to {high} bars, got {text!r}")
    return tuple(values)
