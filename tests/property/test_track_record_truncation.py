"""The track record shown as of day D uses only forecasts issued and resolved by D.

The report and the dashboard draw :func:`riskcurve.monitor.track_record.weekly_track_record` of
their day. On random days, the record computed from the full store equals the record computed
from a store physically cut at that day (prices after it and macro vintages published after its
end removed): the same forecasts scored, the same scores and intervals, the same reliability
tables and the same skill curve. Nothing known after D moves anything shown as of D.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from store_cut import cut_store

from riskcurve.data.store import Store
from riskcurve.monitor.track_record import COMPUTED, reliability_tables, skill_curves, weekly_track_record
from riskcurve.signals.regime import default_as_of

DAYS = 3
REPS = 100


def _days(store: Store) -> pd.DatetimeIndex:
    end, _ = default_as_of(store)
    # From a year after the chain can first be read (2015), so that every day has closed forecasts.
    pool = pd.date_range("2016-10-01", end - pd.Timedelta(days=30))
    rng = np.random.default_rng(1717)
    return pd.DatetimeIndex(sorted(rng.choice(pool, DAYS, replace=False)))


@pytest.mark.slow
def test_the_track_record_as_of_a_day_equals_the_one_on_a_store_cut_there(filled_store_path: Path) -> None:
    with Store(filled_store_path, read_only=True) as store:
        days = _days(store)
        whole = weekly_track_record(store, reps=REPS)
        full = {day: weekly_track_record(store, day, reps=REPS) for day in days}
    for day in days:
        with cut_store(filled_store_path, day) as small:
            cut = weekly_track_record(small, day, reps=REPS)
        seen = full[day]
        assert seen.source == cut.source == COMPUTED
        assert seen.scored > 0 and seen.scored < whole.scored, day.date()
        # Only forecasts issued by the day, and only those whose window had closed by it.
        scored = seen.scored_forecasts
        assert (scored["as_of"] <= day).all() and (scored["resolved"] <= day).all()
        pd.testing.assert_frame_equal(seen.scored_forecasts, cut.scored_forecasts)
        pd.testing.assert_frame_equal(seen.to_frame(), cut.to_frame())
        assert (seen.scored, seen.pending, seen.unresolved, seen.verdict) == (
            cut.scored,
            cut.pending,
            cut.unresolved,
            cut.verdict,
        )
        for key, table in reliability_tables(seen).items():
            pd.testing.assert_frame_equal(table, reliability_tables(cut)[key])
        cut_curves = skill_curves(cut, reps=REPS)
        for horizon, curve in skill_curves(seen, reps=REPS).items():
            pd.testing.assert_frame_equal(curve, cut_curves[horizon])
            assert curve.index.max() == day
