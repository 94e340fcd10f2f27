"""The claims' shared context gives what the store gives, day by day, only computed once."""

from __future__ import annotations

import pandas as pd
import pytest

from riskcurve.data.store import Store
from riskcurve.stats.claims.context import Context


def test_value_series_from_the_vintages_equal_the_stores_point_in_time_reads(filled_store: Store) -> None:
    values = [s for s in filled_store.symbols() if filled_store.kind(s) == "value"]
    assert values, "the snapshot has value series"
    last = max(filled_store.observations(s).index.max() for s in values)
    ctx = Context(filled_store, pd.Timestamp(last))
    # Days across the data: a release day's cutoff, month ends, the claims' month, the last day.
    days = pd.to_datetime(["2008-09-15", "2015-12-31", "2020-03-20", "2026-01-21", "2026-01-22", last])
    for day in days[days <= last]:
        view = ctx.view(day)
        for symbol in values:
            expected = filled_store.observations(symbol, as_of=view.as_of)["value"]
            pd.testing.assert_series_equal(ctx.observations(view, symbol), expected, check_exact=True, obj=symbol)


def test_views_of_one_run_are_cut_from_one_timeline(filled_store: Store) -> None:
    ctx = Context(filled_store, pd.Timestamp("2026-03-02"))
    early, late = ctx.view(pd.Timestamp("2026-01-21")), ctx.view(pd.Timestamp("2026-02-20"))
    assert early.timeline is late.timeline is not None  # type: ignore[attr-defined]
    assert ctx.view(pd.Timestamp("2027-01-01")).as_of == pd.Timestamp("2026-03-02")  # never past the run's day
    frame = ctx.signal(early, "cascade", None, {})
    assert frame.index.max() <= pd.Timestamp("2026-01-21")


@pytest.mark.parametrize("day", ["2021-05-19", "2026-01-21"])
def test_a_signal_on_a_view_equals_the_signal_computed_on_that_day_alone(filled_store: Store, day: str) -> None:
    from riskcurve.data.panel import MarketData
    from riskcurve.signals.registry import get_signal

    ctx = Context(filled_store, pd.Timestamp("2026-03-02"))
    spec = get_signal("cascade")
    alone = spec.compute(MarketData(filled_store, as_of=pd.Timestamp(day)), None, **spec.parameters)
    pd.testing.assert_frame_equal(ctx.signal(ctx.view(pd.Timestamp(day)), "cascade", None, {}), alone, check_exact=True)


@pytest.mark.parametrize("claim_id", ["C21", "C16", "C39"])
def test_readings_that_share_a_run_grade_as_each_would_alone(filled_store: Store, claim_id: str) -> None:
    # Robustness readings reuse the figures, tests and parts of the run that the edit leaves
    # alone; each must still give, field for field, what a fresh run of that reading gives.
    from riskcurve.signals.regime import default_as_of
    from riskcurve.stats.claims import builtin_claims, select
    from riskcurve.stats.claims.kinds import ROBUSTNESS_REPS, evaluate
    from riskcurve.stats.claims.robustness import readings

    (claim,) = select(builtin_claims(), [claim_id])
    day = default_as_of(filled_store)[0]
    shared = Context(filled_store, day, reps=ROBUSTNESS_REPS)
    evaluate(shared, claim)
    changed = readings(claim)
    assert len(changed) >= 8
    for name, reading in changed:
        alone = evaluate(Context(filled_store, day, reps=ROBUSTNESS_REPS), reading).to_dict()
        assert evaluate(shared, reading).to_dict() == alone, name
