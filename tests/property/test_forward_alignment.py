"""Forward returns look only forward from the entry bar, and truncation never moves an entry."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcurve.stats.forward import align_events, forward_returns


def _close(seed: int, length: int, irregular: bool) -> pd.Series:
    rng = np.random.default_rng(seed)
    steps = rng.integers(1, 4, length) if irregular else np.ones(length, dtype=int)
    dates = pd.Timestamp("2010-01-01") + pd.to_timedelta(np.cumsum(steps), unit="D")
    values = 100 * np.exp(np.cumsum(rng.normal(0, 0.03, length)))
    return pd.Series(values, index=pd.DatetimeIndex(dates, name="date"), name="T")


horizons_strategy = st.lists(st.integers(1, 30), min_size=1, max_size=4, unique=True)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    length=st.integers(2, 120),
    horizons=horizons_strategy,
    kind=st.sampled_from(["log", "simple"]),
    data=st.data(),
)
def test_forward_return_uses_only_closes_from_the_next_bar_on(
    seed: int, length: int, horizons: list[int], kind: str, data: st.DataObject
) -> None:
    close = _close(seed, length, irregular=True)
    t = data.draw(st.integers(0, length - 1))
    before = forward_returns(close, horizons, kind=kind)  # type: ignore[arg-type]
    # Rewrite every close up to and including the event bar t: its own return (t-1 -> t) and
    # everything before it. Nothing at row t may change.
    changed = close.copy()
    changed.iloc[: t + 1] = changed.iloc[: t + 1] * np.exp(np.random.default_rng(seed + 1).normal(0, 0.5, t + 1))
    after = forward_returns(changed, horizons, kind=kind)  # type: ignore[arg-type]
    np.testing.assert_array_equal(before.iloc[t].to_numpy(), after.iloc[t].to_numpy())
    for h in horizons:
        value = before.iloc[t][h]
        if t + 1 + h < length:
            ratio = close.iloc[t + 1 + h] / close.iloc[t + 1]
            expected = np.log(ratio) if kind == "log" else ratio - 1
            assert np.isclose(value, expected, rtol=1e-12, atol=1e-12)
        else:
            assert np.isnan(value)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    length=st.integers(5, 150),
    horizons=horizons_strategy,
    cut=st.floats(0.05, 1.0),
    event_offsets=st.lists(st.integers(-20, 400), min_size=1, max_size=8),
)
def test_truncation_never_changes_entries_or_measured_returns(
    seed: int, length: int, horizons: list[int], cut: float, event_offsets: list[int]
) -> None:
    close = _close(seed, length, irregular=True)
    events = [close.index[0] + pd.Timedelta(days=o) for o in event_offsets]
    keep = max(1, int(length * cut))
    short = close.iloc[:keep]
    full_fwd = forward_returns(close, horizons)
    short_fwd = forward_returns(short, horizons)
    # A return known in the truncated data is the same return in the full data.
    known = short_fwd.notna().to_numpy()
    np.testing.assert_array_equal(short_fwd.to_numpy()[known], full_fwd.iloc[:keep].to_numpy()[known])
    full = align_events(events, pd.DatetimeIndex(close.index))
    part = align_events(events, pd.DatetimeIndex(short.index))
    for date in part.index[part["status"] == "ok"]:
        # Entries that exist after truncation are the entries of the full data, at the same price.
        assert full.loc[date, "status"] == "ok"
        assert full.loc[date, "entry"] == part.loc[date, "entry"]
        assert close.loc[full.loc[date, "entry"]] == short.loc[part.loc[date, "entry"]]
    for date, row in full[full["status"] == "ok"].iterrows():
        # Entry strictly after the event, the row on or before it, and no target bar in between.
        assert row["bar"] <= date < row["entry"]
        assert close.index.get_loc(row["entry"]) == row["position"] + 1
        if row["entry"] <= short.index[-1]:
            assert part.loc[date, "entry"] == row["entry"]
