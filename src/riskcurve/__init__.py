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
    from riskcurve.stats.claims import builtin_claims, load_claims, run_claims

__version__ = "0.1.0"

__all__ = [
    "ALTCOINS",
    "CATALOGUE",
    "SIGNALS",
    "Regime",
    "get_signal",
    "regime",
    "builtin_claims",
    "load_claims",
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

#: Public name -> the module that defines it. Names load on first use (PEP 562), so
#: ``import riskcurve`` (and the CLI's ``--help``) does not pay for pandas, scipy or arch.
_HOMES = {
    "ALTCOINS": "riskcurve.data.symbols",
    "CATALOGUE": "riskcurve.data.symbols",
    "lookup": "riskcurve.data.symbols",
    "builtin_claims": "riskcurve.stats.claims",
    "load_claims": "riskcurve.stats.claims",
    "run_claims": "riskcurve.stats.claims",
    "SIGNALS": "riskcurve.signals.registry",
    "get_signal": "riskcurve.signals.registry",
    "Regime": "riskcurve.signals.regime",
    "regime": "riskcurve.signals.regime",
    "DataError": "riskcurve.errors",
    "InsufficientDataWarning": "riskcurve.errors",
    "LookAheadError": "riskcurve.errors",
    "ProviderError": "riskcurve.errors",
    "RiskcurveError": "riskcurve.errors",
    "StoreError": "riskcurve.errors",
    "UnknownSymbolError": "riskcurve.errors",
    "MarketData": "riskcurve.data.panel",
    "Store": "riskcurve.data.store",
    "WriteStats": "riskcurve.data.store",
    "UpdateResult": "riskcurve.data.ingest",
    "import_csv": "riskcurve.data.ingest",
    "update": "riskcurve.data.ingest",
    "available_at": "riskcurve.data.release",
    "knowledge_cutoff": "riskcurve.data.release",
    "daily_index": "riskcurve.data.calendar",
    "known_on": "riskcurve.data.calendar",
    "on_days": "riskcurve.data.calendar",
    "resample_last": "riskcurve.data.calendar",
    "session_index": "riskcurve.data.calendar",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
