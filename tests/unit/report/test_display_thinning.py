"""Drawing cheaply: long daily series thinned (real days, ends and extremes kept), short dates, the template."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcurve.report.figures._base import DISPLAY_STRETCHES, MAX_DAILY_POINTS, _finish, _for_display


def _frame(rows: int, columns: int, seed: int, gaps: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    values = np.cumsum(rng.normal(0.0, 1.0, (rows, columns)), axis=0)
    if gaps:
        values[rng.random((rows, columns)) < 0.05] = np.nan
        values[: rows // 10, 0] = np.nan  # a column that starts late
    days = pd.bdate_range("1988-01-04", periods=rows, name="date")
    return pd.DataFrame(values, index=days, columns=[f"c{i}" for i in range(columns)])


def test_a_short_frame_is_drawn_day_by_day() -> None:
    frame = _frame(MAX_DAILY_POINTS, 2, 0, gaps=False)
    shown, thinned = _for_display(frame)
    assert not thinned and shown is frame


@settings(max_examples=30, deadline=None)
@given(
    rows=st.integers(MAX_DAILY_POINTS + 1, 12_000),
    columns=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
    gaps=st.booleans(),
    spike=st.floats(0.0, 1.0),
)
def test_thinning_keeps_real_days_the_ends_and_every_extreme(
    rows: int, columns: int, seed: int, gaps: bool, spike: float
) -> None:
    frame = _frame(rows, columns, seed, gaps)
    at = int(spike * (rows - 1))
    frame.iloc[at, -1] = np.nanmax(frame.to_numpy()) + 100.0  # a one-day spike anywhere
    shown, thinned = _for_display(frame)
    assert thinned and len(shown) <= 2 * DISPLAY_STRETCHES + 2
    # Real rows only, in order, with their own values: nothing interpolated or relabelled.
    assert shown.index.isin(frame.index).all() and shown.index.is_monotonic_increasing
    pd.testing.assert_frame_equal(shown, frame.loc[shown.index])
    # The first and the last day (the as-of day) are drawn.
    assert shown.index[0] == frame.index[0] and shown.index[-1] == frame.index[-1]
    assert frame.index[at] in shown.index
    for column in frame.columns:
        values = frame[column]
        if values.notna().any():
            assert values.idxmax() in shown.index and values.idxmin() in shown.index
    # Every stretch keeps each column's high and low: the thinned line has the same envelope.
    stretches = max(1, DISPLAY_STRETCHES // columns)
    width = -(-rows // stretches)
    positions = frame.index.get_indexer(shown.index)
    for start in range(0, rows, width):
        inside = (positions >= start) & (positions < start + width)
        original = frame.iloc[start : start + width]
        kept = shown[inside]
        assert np.array_equal(original.max().to_numpy(), kept.max().to_numpy(), equal_nan=True)
        assert np.array_equal(original.min().to_numpy(), kept.min().to_numpy(), equal_nan=True)


def test_day_dates_are_written_as_days_and_times_of_day_are_kept() -> None:
    days = pd.date_range("2020-01-01", periods=3, freq="D")
    fig = go.Figure([go.Scatter(x=days, y=[1, 2, 3]), go.Scatter(x=days + pd.Timedelta(hours=6), y=[1, 2, 3])])
    fig = _finish(fig, title="t", definition="d", first="2020-01-01", last="2020-01-03", sources=[])
    assert list(fig.data[0].x) == ["2020-01-01", "2020-01-02", "2020-01-03"]
    assert pd.DatetimeIndex(fig.data[1].x).hour.tolist() == [6, 6, 6]
    assert '"2020-01-01"' in fig.to_json()


def test_every_figure_gets_its_own_copy_of_the_white_template() -> None:
    import plotly.io as pio

    def build() -> go.Figure:
        return _finish(go.Figure(), title="t", definition="d", first="2020-01-01", last="2020-01-02", sources=[])

    fig, other = build(), build()
    assert fig.layout.template.to_plotly_json() == pio.templates["plotly_white"].to_plotly_json()
    fig.layout.template.layout.font.size = 99  # editing one figure's template leaves the others alone
    assert other.layout.template.layout.font.size is None
    assert pio.templates["plotly_white"].layout.font.size is None
    fig.layout.title.text = "still validated"
    with pytest.raises(ValueError):
        fig.layout.title.font.size = "big"  # validation is back on after the template
