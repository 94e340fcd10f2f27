"""riskcurve: liquidity along the risk curve, tested honestly.

The public API for notebooks; the CLI calls the same functions.

>>> import riskcurve as rc
>>> with rc.Store("riskcurve.duckdb") as store:            # doctest: +SKIP
...     rc.update(store, snapshot="../shared/data")
...     data = rc.MarketData(store, as_of="2021-01-15")
...     rut = data.bars("RUT")
"""

from __future__ import annotations

from riskcurve.data.calendar import daily_index, known_on, on_days, resample_last, session_index
from riskcurve.data.ingest import UpdateResult, import_csv, update
from riskcurve.data.panel import MarketData
from riskcurve.data.release import available_at, knowledge_cutoff
from riskcurve.data.store import Store, WriteStats
from riskcurve.data.symbols import ALTCOINS, CATALOGUE, lookup
from riskcurve.errors import (
    DataError,
    InsufficientDataWarning,
    LookAheadError,
    ProviderError,
    RiskcurveError,
    StoreError,
    UnknownSymbolError,
)
from riskcurve.signals.regime import Regime, regime
from riskcurve.signals.registry import SIGNALS, get_signal
from riskcurve.stats.claims import run_claims

__version__ = "0.1.0"

__all__ = [
    "ALTCOINS",
    "CATALOGUE",
    "SIGNALS",
    "Regime",
    "get_signal",
    "regime",
    "run_claims",
    "DataError",
    "InsufficientDataWarning",
    "LookAheadError",
    "MarketData",
    "ProviderError",
    "RiskcurveError",
    "Store",
    "StoreError",
    "UnknownSymbolError",
    "UpdateResult",
    "WriteStats",
    "available_at",
    "daily_index",
    "import_csv",
    "knowledge_cutoff",
    "known_on",
    "lookup",
    "on_days",
    "resample_last",
    "session_index",
    "update",
]
