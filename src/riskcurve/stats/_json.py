"""The one conversion of a result's scalar into what ``to_dict()`` (the ``--json`` schema) holds."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plain"]


def plain(value: Any) -> Any:
    """A JSON-ready scalar: NaN, infinities and NaT to None, numpy to Python, timestamps to ISO dates."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
