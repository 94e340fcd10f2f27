"""The stacked liquidity-drivers chart: areas that add up to the line, one value per week, honest captions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskcurve.report import figures
from riskcurve.signals.liquidity import liquidity_drivers, net_liquidity


def _frame(with_securities: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    days = pd.date_range("2021-01-01", "2023-12-31", freq="D", name="date")
    walcl = pd.Series(8_000_000 + np.cumsum(rng.normal(0, 4_000, len(days))), index=days)
    tga = pd.Series(700_000 + np.cumsum(rng.normal(0, 6_000, len(days))), index=days)
    rrp = pd.Series(1_500 + np.cumsum(rng.normal(0, 15, len(days))), index=days)
    net = net_liquidity(walcl, tga, rrp)
    securities = walcl - 300_000 if with_securities else None
    return net.join(liquidity_drivers(net, securities))


def _stacked(fig) -> list:  # type: ignore[no-untyped-def]
    return [t for t in fig.data if t.stackgroup]


@pytest.mark.parametrize("window", ["4w", "13w", "52w"])
def test_stacked_areas_add_up_to_the_net_change(window: str) -> None:
    # Areas since the speed-up of issue 12 (bars were one SVG shape per week and driver).
    frame = _frame()
    fig = figures.liquidity_drivers_chart(frame, window=window)
    line = next(t for t in fig.data if not t.stackgroup)
    assert [t.name.split(" (")[0] for t in _stacked(fig) if t.showlegend is not False] == [
        "securities held outright",
        "other Fed assets",
        "Treasury General Account",
        "overnight reverse repo",
    ]
    # Positive parts stack up, negative ones down (as relative bars did): together, the net change.
    for trace in _stacked(fig):
        y = np.asarray(trace.y, dtype=float)
        assert (y >= 0).all() if trace.stackgroup == "up" else (y <= 0).all()
    total = np.sum([np.asarray(t.y, dtype=float) for t in _stacked(fig)], axis=0)
    assert np.allclose(total, np.asarray(line.y, dtype=float))
    dates = pd.DatetimeIndex(line.x)
    assert (np.diff(dates.asi8) > 0).all() and len(dates) < 170  # weekly, not daily
    # Each week is dated by its last day with data, never past the data.
    assert dates[-1] == frame.index[-1] and dates.isin(frame.index).all()
    caption = figures.caption_of(fig)
    assert "WSHOSHO" in caption and "Definition:" in caption and window in fig.layout.title.text


def test_without_securities_fed_assets_is_one_part_and_bad_windows_are_named() -> None:
    fig = figures.liquidity_drivers_chart(_frame(with_securities=False))
    assert _stacked(fig)[0].name == "Fed total assets"
    assert "WSHOSHO" not in figures.caption_of(fig)
    with pytest.raises(ValueError, match="window must be one of"):
        figures.liquidity_drivers_chart(_frame(), window="2w")
    with pytest.raises(ValueError, match="lacks column"):
        figures.liquidity_drivers_chart(_frame().drop(columns="tga_13w"))
