"""riskcurve: liquidity along the risk curve, tested honestly.

The public API for notebooks; the CLI calls the same functions.

>>> import riskcurve as rc
>>> with rc.Store("riskcurve.duckdb") as store:            # doctest: +SKIP
...     rc.update(store, snapshot="../shared/data")
...     data = rc.MarketData(store, as_of="2021-01-15")
...     rut = data.bars("RUT")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from riskcurve.stats.claims import CHECKS, run_checks

# Public names are imported on first use (PEP 562), so `import riskcurve` -- and the command
# line's start-up, where Ctrl-C must still give one line -- does not pay for pandas, scipy and arch.
_LAZY = {
    "riskcurve.data.calendar": ("daily_index", "known_on", "on_days", "resample_last", "session_index"),
    "riskcurve.data.ingest": ("UpdateResult", "import_csv", "update"),
    "riskcurve.data.panel": ("MarketData",),
    "riskcurve.data.release": ("available_at", "knowledge_cutoff"),
    "riskcurve.data.store": ("Store", "WriteStats"),
    "riskcurve.data.symbols": ("ALTCOINS", "CATALOGUE", "lookup"),
    "riskcurve.errors": (
        "DataError",
        "InsufficientDataWarning",
        "LookAheadError",
        "ProviderError",
        "RiskcurveError",
        "StoreError",
        "UnknownSymbolError",
    ),
    "riskcurve.signals.regime": ("Regime", "regime"),
    "riskcurve.signals.registry": ("SIGNALS", "get_signal"),
    "riskcurve.stats.claims": ("CHECKS", "run_checks"),
}
_WHERE = {name: module for module, names in _LAZY.items() for name in names}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})


__version__ = "0.1.0"

__all__ = [
    "ALTCOINS",
    "CATALOGUE",
    "CHECKS",
    "SIGNALS",
    "Regime",
    "get_signal",
    "regime",
    "run_checks",
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
