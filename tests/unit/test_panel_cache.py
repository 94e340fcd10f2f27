"""The store-history cache keeps every series of a store version: no cliff past a fixed size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskcurve.data import panel
from riskcurve.data.panel import MarketData
from riskcurve.data.providers.base import Fetched, utc_now
from riskcurve.data.schema import SeriesMeta
from riskcurve.data.store import Store

COINS = 300  # more series than the old 128-entry cache held


def _bars(seed: int) -> pd.DataFrame:
    days = pd.date_range("2024-01-01", periods=30, freq="D", name="date")
    close = 100 * np.exp(np.cumsum(np.random.default_rng(seed).normal(0, 0.01, len(days))))
    return pd.DataFrame({"open": close, "high": close, "low": close, "close": close, "volume": 1.0}, index=days)


def test_each_series_is_read_once_per_store_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [f"C{i:03d}" for i in range(COINS)]
    path = tmp_path / "rc.duckdb"
    with Store(path) as store:
        store.write(
            [Fetched(n, "price", _bars(i), "test", "synthetic", utc_now()) for i, n in enumerate(names)],
            {n: SeriesMeta(n, "price", unit="USD", calendar="crypto", origin="provider") for n in names},
        )
    reads: list[str] = []
    original = Store.prices

    def counting(self: Store, symbol: str, *args: object, **kwargs: object) -> pd.DataFrame:
        reads.append(symbol)
        return original(self, symbol, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "prices", counting)
    with Store(path, read_only=True) as store:
        for day in ("2024-01-10", "2024-01-20", "2024-01-30"):  # three days of a back-fill
            data = MarketData(store, as_of=day)
            for name in names:
                assert data.close(name).index.max() == pd.Timestamp(day)
    assert len(reads) == COINS
    assert len(panel._HISTORIES) <= panel.HISTORY_VERSIONS
