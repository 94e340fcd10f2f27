"""Types shared across riskcurve."""

from __future__ import annotations

import datetime as dt
from typing import Literal, TypeAlias

import pandas as pd

#: ``price`` series carry OHLCV bars; ``value`` series carry one number per date with the
#: instant it became known (macro data, user imports, market caps).
SeriesKind: TypeAlias = Literal["price", "value"]

#: How a series' dates fall: exchange sessions, every calendar day (crypto), or a release cadence.
CalendarName: TypeAlias = Literal["exchange", "crypto", "business", "weekly", "monthly"]

Frequency: TypeAlias = Literal["D", "W", "M"]

DateLike: TypeAlias = str | dt.date | dt.datetime | pd.Timestamp

PRICE_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "volume")

#: File formats a series is exported to.
ExportFormat: TypeAlias = Literal["csv", "parquet"]
