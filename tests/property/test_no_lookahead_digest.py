"""A digest read from signals computed on a later day equals the digest computed on the store cut at its day."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.monitor import Monitor, compute_digest
from riskcurve.signals.regime import default_as_of


def _days(store: Store, count: int, seed: int) -> list[pd.Timestamp]:
    """Random days from the first day every link can be read to the store's last common day."""
    last, _ = default_as_of(store)
    firsts = [store.prices(s).index.min() for s in ("ETH", "BTC", "RUT", "GSPC")]
    first = max(firsts) + pd.Timedelta(days=400)  # a year of ETH closes for its 200-day average, and more
    rng = np.random.default_rng(seed)
    span = (last - first).days
    return sorted(first + pd.Timedelta(days=int(d)) for d in rng.choice(span, size=count, replace=False))


@pytest.mark.slow
def test_digest_equals_the_digest_on_data_cut_at_its_day(filled_store: Store) -> None:
    last, _ = default_as_of(filled_store)
    monitor = Monitor.from_data(MarketData(filled_store, as_of=last))
    for day in _days(filled_store, 6, seed=2026):
        read = monitor.digest(day).to_dict()
        cut = compute_digest(MarketData(filled_store, as_of=day)).to_dict()
        assert read == cut, f"the digest of {day.date()} depends on data after it"


def test_a_digest_after_the_monitors_day_is_refused(filled_store: Store) -> None:
    day = pd.Timestamp("2024-03-01")
    monitor = Monitor.from_data(MarketData(filled_store, as_of=day))
    with pytest.raises(ValueError, match="after the monitor's last day"):
        monitor.digest(day + pd.Timedelta(days=1))
