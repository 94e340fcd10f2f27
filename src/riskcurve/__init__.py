"""riskcurve: liquidity along the risk curve, tested honestly.

The public API for notebooks; the CLI calls the same functions.

>>> import riskcurve as rc
>>> with rc.Store("riskcurve.duckdb") as store:            # doctest: +SKIP
...     rc.update(store, snapshot="../shared/data")
...     data = rc.MarketData(store, as_of="2021-01-15")
...     rut = data.bars("RUT")

The studies, backtests, sweeps and the report are here too: :class:`EventStudy` (and
:func:`study_signal`), :class:`LeadLag` (and :func:`leadlag`), :class:`Backtest` (and
:func:`backtest_rule`), :class:`Sweep` with its :class:`Executor`, and :func:`build_report`.
Every name loads on first use, so ``import riskcurve`` stays quick.

``__version__`` below is the package's one version: the build reads it from this file.
"""

# Nothing is imported at run time, not even typing or __future__ (a real import too): this module
# runs first when the ``riskcurve`` command starts, before riskcurve.cli can answer a Ctrl-C with
# one line, so it does as little as it can (mypy reads the constant; the annotation is quoted).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from riskcurve.backtest.engine import Backtest, BacktestResult
    from riskcurve.backtest.executors import Executor
    from riskcurve.backtest.rules import backtest_rule
    from riskcurve.backtest.sweep.run import Sweep, SweepResult
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
    from riskcurve.report.html import ReportResult, build_report
    from riskcurve.signals.regime import Regime, regime
    from riskcurve.signals.registry import SIGNALS, get_signal
    from riskcurve.stats.claims import builtin_claims, load_claims, run_claims
    from riskcurve.stats.event_study import EventStudy, EventStudyResult, study_signal
    from riskcurve.stats.leadlag import LeadLag, LeadLagResult, leadlag

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
    "Backtest",
    "BacktestResult",
    "EventStudy",
    "EventStudyResult",
    "Executor",
    "LeadLag",
    "LeadLagResult",
    "ReportResult",
    "Sweep",
    "SweepResult",
    "backtest_rule",
    "build_report",
    "leadlag",
    "study_signal",
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
    "EventStudy": "riskcurve.stats.event_study",
    "EventStudyResult": "riskcurve.stats.event_study",
    "study_signal": "riskcurve.stats.event_study",
    "LeadLag": "riskcurve.stats.leadlag",
    "LeadLagResult": "riskcurve.stats.leadlag",
    "leadlag": "riskcurve.stats.leadlag",
    "Backtest": "riskcurve.backtest.engine",
    "BacktestResult": "riskcurve.backtest.engine",
    "backtest_rule": "riskcurve.backtest.rules",
    "Sweep": "riskcurve.backtest.sweep.run",
    "SweepResult": "riskcurve.backtest.sweep.run",
    "Executor": "riskcurve.backtest.executors",
    "build_report": "riskcurve.report.html",
    "ReportResult": "riskcurve.report.html",
}


def __getattr__(name: str) -> "Any":
    import importlib

    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
