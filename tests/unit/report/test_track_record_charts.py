"""The track record's charts on hand-made scores: bins, counts and skill checked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from riskcurve.report.figures import caption_of, reliability_chart, skill_over_time_chart
from riskcurve.stats.scoring import reliability_table, score_forecasts, skill_over_time

# Eight forecasts, binned by hand into tenths:
#   [0.0, 0.1): 0.05, 0.05        -> n 2, mean 0.05, happened 0 of 2
#   [0.2, 0.3): 0.20, 0.25        -> n 2, mean 0.225, happened 1 of 2
#   [0.3, 0.4): 0.30              -> n 1, mean 0.30, happened 1 of 1 (a bin's left edge is closed)
#   [0.9, 1.0]: 0.90, 0.95, 1.00  -> n 3, mean 0.95, happened 2 of 3 (1.0 joins the last bin)
FORECAST = [0.05, 0.05, 0.20, 0.25, 0.30, 0.90, 0.95, 1.00]
OUTCOME = [0, 0, 1, 0, 1, 1, 0, 1]
BINS = pd.DataFrame(
    {
        "low": [0.0, 0.2, 0.3, 0.9],
        "high": [0.1, 0.3, 0.4, 1.0],
        "n": [2, 2, 1, 3],
        "mean_forecast": [0.05, 0.225, 0.30, 0.95],
        "observed": [0.0, 0.5, 1.0, 2 / 3],
    }
)


def _visible(fig, key):  # type: ignore[no-untyped-def]
    return [t for t in fig.data if t.meta == key]


def test_reliability_bins_and_counts_are_those_counted_by_hand() -> None:
    table = reliability_table(FORECAST, OUTCOME)
    pd.testing.assert_frame_equal(table[BINS.columns].reset_index(drop=True), BINS, check_exact=False, rtol=1e-12)


def test_the_reliability_diagram_draws_each_bin_with_its_count_and_the_diagonal() -> None:
    pooled = reliability_table(FORECAST, OUTCOME)
    first_half = reliability_table(FORECAST[:4], OUTCOME[:4])
    fig = reliability_chart({"21": first_half, "all": pooled}, first="2020-01-03", last="2020-06-26")
    diagonal = [t for t in fig.data if t.name == "perfectly reliable"]
    assert len(diagonal) == 1 and list(diagonal[0].x) == [0, 1] and list(diagonal[0].y) == [0, 1]
    points, bars = _visible(fig, "all")
    np.testing.assert_allclose(points.x, BINS["mean_forecast"])
    np.testing.assert_allclose(points.y, BINS["observed"])
    assert list(points.text) == ["2", "2", "1", "3"]  # each point labelled with its number of forecasts
    np.testing.assert_allclose(bars.x, [0.05, 0.25, 0.35, 0.95])  # bars at the bins' centres
    assert list(bars.y) == [2, 2, 1, 3]
    # Bigger bins, bigger points.
    assert points.marker.size[3] > points.marker.size[0] > points.marker.size[2]
    # The pooled view is shown first (the last key); the buttons switch views without a server.
    assert points.visible is True and all(t.visible is False for t in _visible(fig, "21"))
    menu = fig.layout.updatemenus[0]
    assert [b.label for b in menu.buttons] == ["21 sessions", "all horizons"]
    assert menu.buttons[0].args[0]["visible"] == [True, True, True, False, False]
    assert menu.buttons[1].args[0]["visible"] == [True, False, False, True, True]
    caption = caption_of(fig)
    assert "Data: 2020-01-03 to 2020-06-26" in caption and "diagonal" in caption


def test_the_reliability_diagram_refuses_nothing_to_draw() -> None:
    with pytest.raises(ValueError, match="no forecast has been scored"):
        reliability_chart({}, first="2020-01-03", last="2020-06-26")
    with pytest.raises(ValueError, match="default must be one of 21"):
        reliability_chart({"21": BINS}, default="63", first="2020-01-03", last="2020-06-26")
    with pytest.raises(ValueError, match="lacks column"):
        reliability_chart({"21": BINS.drop(columns="n")}, first="2020-01-03", last="2020-06-26")


def _hand_scores() -> pd.DataFrame:
    """Twelve weekly forecasts, each window closing four weeks after it was issued."""
    issued = pd.date_range("2021-01-01", periods=12, freq="W-FRI")
    rng = np.random.default_rng(3)
    forecast = rng.uniform(0.1, 0.9, len(issued))
    outcome = (rng.uniform(0, 1, len(issued)) < forecast).astype(float)
    return pd.DataFrame(
        {"issued": issued, "resolved": issued + pd.Timedelta(weeks=4), "p": forecast, "ref": 0.5, "y": outcome}
    )


def test_the_skill_at_each_day_scores_exactly_the_forecasts_resolved_by_then() -> None:
    rows = _hand_scores()
    at = pd.DatetimeIndex(["2021-01-15", "2021-02-05", "2021-03-05", "2021-04-30"])
    curve = skill_over_time(
        rows["p"], rows["ref"], rows["y"], rows["issued"], rows["resolved"], at, horizon_days=28, reps=50, seed=1
    )
    assert list(curve.index) == list(at)
    for day, point in curve.iterrows():
        done = rows[rows["resolved"] <= day]
        assert point["n"] == len(done)
        if len(done) == 0:
            assert math.isnan(point["skill"])
            continue
        brier = ((done["p"] - done["y"]) ** 2).sum()
        base = ((done["ref"] - done["y"]) ** 2).sum()
        assert point["skill"] == pytest.approx(1 - brier / base, rel=1e-12)
    assert list(curve["n"]) == [0, 2, 6, 12]  # windows close Jan 29, Feb 5, ..., Apr 16
    # The last point is the whole record's score.
    whole = score_forecasts(rows["p"], rows["ref"], rows["y"], rows["issued"], horizon_days=28, reps=50, seed=1)
    assert curve["skill"].iloc[-1] == pytest.approx(whole.skill)


def test_a_later_outcome_never_moves_an_earlier_point() -> None:
    rows = _hand_scores()
    at = pd.DatetimeIndex(["2021-02-26", "2021-03-26"])
    flipped = rows.copy()
    late = flipped["resolved"] > at[0]
    flipped.loc[late, "y"] = 1 - flipped.loc[late, "y"]

    def curve(frame: pd.DataFrame) -> pd.DataFrame:
        columns = (frame[c] for c in ("p", "ref", "y", "issued", "resolved"))
        return skill_over_time(*columns, at, horizon_days=28, reps=200, seed=5)

    before, after = curve(rows), curve(flipped)
    pd.testing.assert_series_equal(before.iloc[0], after.iloc[0])
    assert before["skill"].iloc[1] != after["skill"].iloc[1]


def test_skill_over_time_checks_its_arguments() -> None:
    rows = _hand_scores()
    with pytest.raises(ValueError, match="one entry per forecast"):
        skill_over_time(rows["p"], rows["ref"], rows["y"], rows["issued"], rows["resolved"][:3], [], horizon_days=28)
    with pytest.raises(ValueError, match="ascending"):
        skill_over_time(
            rows["p"], rows["ref"], rows["y"], rows["issued"], rows["resolved"], ["2021-03-01", "2021-02-01"],
            horizon_days=28,
        )  # fmt: skip


def test_the_skill_chart_draws_each_horizon_with_its_band_and_zero() -> None:
    days = pd.DatetimeIndex(["2020-03-31", "2020-06-30", "2020-09-30"], name="date")
    curves = {
        21: pd.DataFrame(
            {"n": [10, 20, 30], "skill": [0.1, 0.05, 0.02], "skill_low": [np.nan, -0.05, -0.01],
             "skill_high": [np.nan, 0.15, 0.05]}, index=days),
        63: pd.DataFrame(
            {"n": [5, 15, 25], "skill": [-0.2, 0.0, 0.04], "skill_low": [np.nan, -0.1, 0.01],
             "skill_high": [np.nan, 0.1, 0.07]}, index=days),
    }  # fmt: skip
    fig = skill_over_time_chart(curves, first="2020-01-03", last="2020-09-30")
    low, high, line = _visible(fig, 63)
    np.testing.assert_allclose(line.y, [-0.2, 0.0, 0.04])
    np.testing.assert_allclose(high.y, [np.nan, 0.1, 0.07])
    np.testing.assert_allclose(low.y, [np.nan, -0.1, 0.01])
    assert high.fill == "tonexty" and list(line.x) == ["2020-03-31", "2020-06-30", "2020-09-30"]
    assert [c[0] for c in line.customdata] == [5, 15, 25]
    # 63 sessions is shown first (the middle of two is the second); 21 behind its button.
    assert line.visible is True and all(t.visible is False for t in _visible(fig, 21))
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["21 sessions", "63 sessions"]
    assert any(shape.y0 == 0 and shape.y1 == 0 for shape in fig.layout.shapes)  # the zero line
    assert "Brier skill = 1 - Brier score" in caption_of(fig)
    with pytest.raises(ValueError, match="no skill to draw"):
        skill_over_time_chart({}, first="2020-01-03", last="2020-09-30")
