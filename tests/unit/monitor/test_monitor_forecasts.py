"""Forecasts marked to market on hand-made closes; link states from stale inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskcurve.monitor.forecasts import mark_forecast, mark_forecasts
from riskcurve.monitor.inputs import DARK, LIT, UNKNOWN, Known, link_states, stage_bounds
from riskcurve.signals.cascade import LINKS
from riskcurve.stats.claims import parse_claims

PACK = """
claims:
  - id: UP
    statement: ETH ends three months higher
    date: 2026-01-21
    source: test
    kind: forecast
    definition: {assets: [ETH], months: [1, 2, 3]}
    expects: {at_least: 0.10}
  - id: CALM
    statement: stocks stall
    date: 2026-01-21
    source: test
    kind: forecast
    definition: {assets: [RUT], months: [3]}
    expects: {at_most: 0.02}
  - id: DIPS
    statement: dips get absorbed
    date: 2026-01-21
    source: test
    kind: forecast
    definition: {assets: [BTC], months: [3], statistic: max_drawdown}
    expects: {at_least: -0.20}
  - id: ALTS
    statement: alts beat BTC
    date: 2026-01-21
    source: test
    kind: forecast
    definition: {assets: [ALT_BASKET], months: [3], relative_to: BTC}
    expects: {at_least: 0}
"""


@pytest.fixture
def claims() -> dict[str, object]:
    return {str(c.id): c for c in parse_claims(PACK, "test.yaml").claims}


def _closes(values: dict[str, list[float]], start: str = "2026-01-19") -> dict[str, pd.Series]:
    return {k: pd.Series(v, index=pd.date_range(start, periods=len(v), name="date")) for k, v in values.items()}


def test_pending_forecast_move_days_left_and_what_it_needs(claims: dict[str, object]) -> None:
    # ETH closes 100 on the claim's date (Jan 21) and 80 on Feb 1: -20% so far; to end >= +10%
    # the rest of the window needs 110 / 80 - 1 = +37.5%.
    eth = [90.0, 95.0, 100.0] + [100.0] * 10 + [80.0]  # Jan 19 .. Feb 1
    mark = mark_forecast(claims["UP"], _closes({"ETH": eth}), pd.Timestamp("2026-02-01"))  # type: ignore[arg-type]
    assert mark is not None and mark.status == "pending"
    assert mark.window_end == "2026-04-21"
    assert mark.days_left == (pd.Timestamp("2026-04-21") - pd.Timestamp("2026-02-01")).days
    assert mark.sessions_left == int(np.busday_count("2026-02-02", "2026-04-22"))
    (eth_mark,) = mark.assets
    assert (eth_mark.start_date, eth_mark.start_close, eth_mark.last_close) == ("2026-01-21", 100.0, 80.0)
    assert eth_mark.so_far == pytest.approx(-0.2)
    assert eth_mark.needed == pytest.approx(110 / 80 - 1)
    assert eth_mark.on_track is False


def test_nothing_before_the_forecast_and_resolved_after(claims: dict[str, object]) -> None:
    closes = _closes({"RUT": list(np.linspace(100, 110, 120))})
    assert mark_forecast(claims["CALM"], closes, pd.Timestamp("2026-01-20")) is None  # type: ignore[arg-type]
    done = mark_forecast(claims["CALM"], closes, pd.Timestamp("2026-05-10"))  # type: ignore[arg-type]
    assert done is not None and done.status == "did not" and done.days_left == 0
    (rut,) = done.assets
    assert rut.last_date == "2026-04-21"  # the move is read at the window's end, not later
    assert rut.so_far == pytest.approx(closes["RUT"]["2026-04-21"] / closes["RUT"]["2026-01-21"] - 1)


def test_drawdown_floor_and_broken(claims: dict[str, object]) -> None:
    btc = [100.0, 100.0, 100.0, 120.0, 110.0]  # Jan 19 .. Jan 23; the high since Jan 21 is 120
    mark = mark_forecast(claims["DIPS"], _closes({"BTC": btc}), pd.Timestamp("2026-01-23"))  # type: ignore[arg-type]
    (asset,) = mark.assets  # type: ignore[union-attr]
    assert asset.so_far == pytest.approx(110 / 120 - 1)
    assert asset.needed == pytest.approx(120 * 0.8 / 110 - 1) and "96" in asset.needs
    crash = [100.0, 100.0, 100.0, 120.0, 90.0, 130.0]
    mark = mark_forecast(claims["DIPS"], _closes({"BTC": crash}), pd.Timestamp("2026-01-24"))  # type: ignore[arg-type]
    (asset,) = mark.assets  # type: ignore[union-attr]
    assert asset.on_track is False and asset.needs.startswith("broken")


def test_relative_forecast_needs_the_ratio_back(claims: dict[str, object]) -> None:
    closes = _closes({"ALT_BASKET": [10.0, 10.0, 10.0, 9.0], "BTC": [100.0, 100.0, 100.0, 100.0]})
    mark = mark_forecast(claims["ALTS"], closes, pd.Timestamp("2026-01-22"))  # type: ignore[arg-type]
    (asset,) = mark.assets  # type: ignore[union-attr]
    assert asset.so_far == pytest.approx(-0.1)
    assert asset.needed == pytest.approx(10 / 9 - 1)


def test_missing_asset_is_said(claims: dict[str, object]) -> None:
    marks = mark_forecasts(list(claims.values()), {}, pd.Timestamp("2026-02-01"))  # type: ignore[arg-type]
    assert len(marks) == 4
    assert all(a.so_far is None and a.needs.startswith("no ") for m in marks for a in m.assets)


def _known(days: pd.DatetimeIndex, last: str | None) -> Known:
    observed = pd.Series(days, index=days)
    value = pd.Series(1.0, index=days)
    if last is not None:
        stop = pd.Timestamp(last)
        observed = observed.where(observed <= stop, stop)
        value = value.where((days - stop).days <= 7)
    return Known(value, observed, "")


def test_a_stale_input_makes_its_link_unknown_never_dark() -> None:
    days = pd.date_range("2026-01-01", periods=30, name="date")
    frame = pd.DataFrame({link: True for link in LINKS}, index=days)
    frame["btc"] = False
    inputs = {s: _known(days, None) for s in ("DGS10", "BAMLH0A0HYM2", "GSPC", "RUT", "BTC", "ETH")}
    inputs["BAMLH0A0HYM2"] = _known(days, "2026-01-10")  # the spread stops
    states, through, stale = link_states(frame, inputs)
    assert states.loc["2026-01-17", "bonds_credit"] == LIT
    assert (states.loc["2026-01-18":, "bonds_credit"] == UNKNOWN).all()
    assert states.loc["2026-01-30", "btc"] == DARK
    assert stale.loc["2026-01-30", "bonds_credit"] == "BAMLH0A0HYM2"
    assert through.loc["2026-01-30", "bonds_credit"] == pd.Timestamp("2026-01-10")
    low, high = stage_bounds(states)
    assert (low[-1], high[-1]) == (0, 3)  # "stage 0-3": never a definite stage 0
    # The cascade's own states win when it carries them.
    frame["state_btc"] = "unknown"
    assert (link_states(frame, inputs)[0]["btc"] == UNKNOWN).all()
