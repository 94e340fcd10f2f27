"""A digest stored by the back-fill equals the digest computed on a store cut at its day.

The back-fill reads every day from one monitor built on the store's last day; the digest of
``riskcurve digest --as-of D`` is computed from what was known on ``D``. On random days (at
least 20), a store physically cut at the day (prices after it and macro vintages published
after its end removed, so later revisions are absent too) gives the same stage, link states,
verdict and next-link probabilities, to the last digit: the back-fill is out of sample.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from store_cut import cut_store, random_days

from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.monitor import compute_digest
from riskcurve.monitor.history import build_monitor, core_records
from riskcurve.signals.regime import default_as_of

DAYS = 24
CORE = ("stage", "links", "verdict", "probabilities")


@pytest.mark.slow
def test_backfilled_digests_equal_digests_on_a_cut_store(filled_store_path: Path) -> None:
    with Store(filled_store_path, read_only=True) as store:
        end, _ = default_as_of(store)
        days = random_days(store, DAYS, seed=2026)
        records = {r["as_of"]: r for r in core_records(build_monitor(store, end), days)}
    assert len(records) == DAYS
    with_probabilities = 0
    for day in days:
        with cut_store(filled_store_path, day) as small:
            direct = compute_digest(MarketData(small, as_of=day), claims=[]).to_dict()
        stored = records[day.date().isoformat()]
        for key in CORE:
            # Through JSON, as the store keeps it.
            assert json.loads(json.dumps(stored[key])) == json.loads(json.dumps(direct[key])), (day.date(), key)
        with_probabilities += bool(stored["probabilities"])
    assert with_probabilities >= DAYS // 2  # the comparison covers probabilities, not only empty lists


def test_a_backfilled_day_uses_no_outcome_after_it(filled_store_path: Path) -> None:
    # The episodes behind a probability on day t all closed by t: the counts on t are the same
    # whether the monitor was built on t or years later.
    with Store(filled_store_path, read_only=True) as store:
        end, _ = default_as_of(store)
        day = pd.Timestamp("2021-06-04")
        late = core_records(build_monitor(store, end), pd.DatetimeIndex([day]))[0]
        early = core_records(build_monitor(store, day), pd.DatetimeIndex([day]))[0]
    assert late["probabilities"] and late["probabilities"] == early["probabilities"]
