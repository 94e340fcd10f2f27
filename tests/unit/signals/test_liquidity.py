"""Net liquidity, its regime, QT pace, reserves and rates: units, the RRP rule, point-in-time reads."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskcurve.data.calendar import daily_index, known_on
from riskcurve.data.release import available_at
from riskcurve.data.store import Store
from riskcurve.signals.liquidity import (
    RRP_DAILY_START,
    known_rrp,
    liquidity_regime,
    net_liquidity,
    qt_pace,
    rates,
    reserves,
)


def _constant(value: float, days: pd.DatetimeIndex) -> pd.Series:
    return pd.Series(value, index=days, dtype=float)


def _observations(values: dict[str, float], rule: str) -> pd.DataFrame:
    dates = pd.DatetimeIndex(pd.to_datetime(list(values)), name="date")
    return pd.DataFrame({"value": list(values.values()), "available_at": available_at(dates, rule)}, index=dates)


# -- units and arithmetic --------------------------------------------------------------------


def test_net_liquidity_converts_millions_to_billions() -> None:
    days = daily_index("2022-01-01", "2022-01-03")
    net = net_liquidity(_constant(8_000_000, days), _constant(500_000, days), _constant(2_000, days))
    assert list(net.columns) == ["fed_assets", "tga", "rrp", "net_liquidity", "chg_4w", "chg_13w", "chg_52w"]
    assert net["fed_assets"].iloc[0] == 8_000.0
    assert net["tga"].iloc[0] == 500.0
    assert net["rrp"].iloc[0] == 2_000.0
    assert net["net_liquidity"].iloc[0] == 5_500.0


def test_changes_are_over_28_91_364_calendar_days() -> None:
    days = daily_index("2020-01-01", "2021-06-30")
    # Fed assets growing by USD 1 billion a day: each change equals its window in days.
    walcl = pd.Series(1_000_000 + 1_000 * np.arange(len(days)), index=days, dtype=float)
    net = net_liquidity(walcl, _constant(0, days), _constant(0, days))
    assert net["chg_4w"].iloc[:28].isna().all()
    assert net["chg_4w"].iloc[28] == pytest.approx(28.0)
    assert net["chg_13w"].dropna().eq(91.0).all()
    assert net["chg_13w"].first_valid_index() == days[91]
    assert net["chg_52w"].dropna().eq(364.0).all()


def test_missing_rrp_is_zero_only_before_daily_operations() -> None:
    days = pd.DatetimeIndex([RRP_DAILY_START - pd.Timedelta(days=1), RRP_DAILY_START], name="date")
    net = net_liquidity(_constant(3_000_000, days), _constant(100_000, days), pd.Series(np.nan, index=days))
    assert net["rrp"].iloc[0] == 0.0
    assert net["net_liquidity"].iloc[0] == 2_900.0
    assert np.isnan(net["rrp"].iloc[1])
    assert np.isnan(net["net_liquidity"].iloc[1])


def test_net_liquidity_rejects_misaligned_inputs() -> None:
    days = daily_index("2022-01-01", "2022-01-10")
    with pytest.raises(ValueError, match="tga must share the index"):
        net_liquidity(_constant(1, days), _constant(1, days[1:]), _constant(1, days))
    with pytest.raises(TypeError, match="rrp must be a pandas Series"):
        net_liquidity(_constant(1, days), _constant(1, days), [1.0] * 10)  # type: ignore[arg-type]


# -- the reverse repo rule -------------------------------------------------------------------


def test_known_rrp_before_2013_counts_an_operation_until_it_matures() -> None:
    # Friday 2008-10-10 before Columbus Day: the overnight operation matures on Tuesday 14th.
    observations = _observations({"2008-10-08": 20.0, "2008-10-10": 25.0}, "same_afternoon")
    days = daily_index("2008-10-07", "2008-10-15")
    rrp = known_rrp(observations, days)
    expected = [0.0, 20.0, 0.0, 25.0, 25.0, 25.0, 25.0, 0.0, 0.0]
    assert rrp.tolist() == expected


def test_known_rrp_after_2013_carries_a_few_days_then_is_unknown() -> None:
    observations = _observations({"2020-01-03": 10.0}, "same_afternoon")  # a Friday
    days = daily_index("2020-01-02", "2020-01-09")
    rrp = known_rrp(observations, days)
    assert rrp.loc["2020-01-02"] != rrp.loc["2020-01-02"]  # NaN: nothing published yet
    assert rrp.loc["2020-01-03":"2020-01-07"].eq(10.0).all()  # carried 4 days
    assert rrp.loc["2020-01-08":].isna().all()  # stale: missing data, not zero


# -- regime ----------------------------------------------------------------------------------


def _net_with_growth(daily_growth: list[tuple[int, float]]) -> pd.DataFrame:
    """Net liquidity from segments of (days, daily growth factor)."""
    factors = np.concatenate([np.full(n, g) for n, g in daily_growth])
    level = 5_000_000 * np.cumprod(factors)
    days = pd.date_range("2021-01-01", periods=len(level), freq="D", name="date")
    return net_liquidity(pd.Series(level, index=days), _constant(0, days), _constant(0, days))


def test_regime_follows_the_13_week_change_against_the_band() -> None:
    # 13 weeks of +0.1%/day is +9.5%; flat is 0%; -0.1%/day is -8.7%.
    net = _net_with_growth([(200, 1.001), (200, 1.0), (200, 0.999)])
    regime = liquidity_regime(net, min_days=1)
    assert regime.iloc[:91].isna().all()
    assert regime.iloc[150] == "expanding"
    assert regime.iloc[380] == "flat"
    assert regime.iloc[580] == "contracting"
    assert list(regime.cat.categories) == ["contracting", "flat", "expanding"]


def test_regime_band_is_a_fraction_of_the_starting_level() -> None:
    # +0.01%/day over 91 days is +0.91%: flat at a 2% band, expanding at a 0.5% band.
    net = _net_with_growth([(200, 1.0001)])
    assert liquidity_regime(net, min_days=1).iloc[-1] == "flat"
    assert liquidity_regime(net, threshold_pct=0.005, min_days=1).iloc[-1] == "expanding"


def test_regime_waits_min_days_before_switching() -> None:
    net = _net_with_growth([(200, 1.001), (200, 1.0)])
    raw = liquidity_regime(net, min_days=1)
    slow = liquidity_regime(net, min_days=10)
    first_flat = raw[raw == "flat"].index[0]
    assert slow.loc[first_flat] == "expanding"
    assert slow[slow == "flat"].index[0] == first_flat + pd.Timedelta(days=9)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"threshold_pct": 0.0}, "threshold_pct"),
        ({"threshold_pct": 2.0}, "threshold_pct"),
        ({"change": "chg_2w"}, "change must be one of"),
        ({"min_days": 0}, "min_days"),
    ],
)
def test_regime_validates_arguments(kwargs: dict[str, object], message: str) -> None:
    net = _net_with_growth([(120, 1.0)])
    with pytest.raises(ValueError, match=message):
        liquidity_regime(net, **kwargs)  # type: ignore[arg-type]


# -- QT pace, reserves, rates ----------------------------------------------------------------


def test_qt_pace_and_reserves_are_in_billions() -> None:
    days = daily_index("2023-01-01", "2023-03-01")
    walcl = pd.Series(8_000_000 - 2_000 * np.arange(len(days)), index=days, dtype=float)  # -2 bn/day
    pace = qt_pace(walcl)
    assert pace.iloc[:28].isna().all()
    assert pace.dropna().eq(-56.0).all()
    assert reserves(_constant(3_017_889, days)).iloc[0] == pytest.approx(3_017.889)


def test_rates_prefers_effr_and_fills_with_dff() -> None:
    days = daily_index("2024-01-01", "2024-01-03")
    effr = pd.Series([5.33, np.nan, 5.33], index=days)
    dff = pd.Series([5.30, 5.31, 5.32], index=days)
    frame = rates(
        dgs10=_constant(4.0, days), dgs2=_constant(4.4, days), hy_spread=_constant(3.2, days), effr=effr, dff=dff
    )
    assert frame["policy_rate"].tolist() == [5.33, 5.31, 5.33]
    assert frame["spread_10y2y"].iloc[0] == pytest.approx(-0.4)
    assert list(frame.columns) == ["policy_rate", "dgs2", "dgs10", "spread_10y2y", "hy_spread"]
    with pytest.raises(ValueError, match="effr or dff"):
        rates(dgs10=_constant(4.0, days), dgs2=_constant(4.4, days), hy_spread=_constant(3.2, days))


# -- golden: the real snapshot ---------------------------------------------------------------


def _raw_value(snapshot_root: Path, series: str, date: str) -> float:
    with open(snapshot_root / "macro" / f"{series}.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["date"] == date:
                return float(row["value"])
    raise AssertionError(f"{series} has no row dated {date}")


def _store_net(store: Store, days: pd.DatetimeIndex) -> pd.DataFrame:
    walcl = known_on(store.observations("WALCL", vintages=True), days)["value"]
    tga = known_on(store.observations("WTREGEN", vintages=True), days)["value"]
    rrp = known_rrp(store.observations("RRPONTSYD", vintages=True), days)
    return net_liquidity(walcl, tga, rrp)


def test_golden_net_liquidity_week_of_2022_12_28(snapshot_root: Path, filled_store: Store) -> None:
    # The Wednesday 2022-12-28 H.4.1 levels are published Thursday 29th at 4:30 pm ET; the
    # reverse repo of the 29th that same afternoon. Computed here from the raw CSV text.
    walcl = _raw_value(snapshot_root, "WALCL", "2022-12-28")
    tga = _raw_value(snapshot_root, "WTREGEN", "2022-12-28")
    rrp = _raw_value(snapshot_root, "RRPONTSYD", "2022-12-29")
    assert walcl == 8_551_169.0  # USD millions: 8.55 trillion
    expected = walcl / 1000 - tga / 1000 - rrp
    net = _store_net(filled_store, daily_index("2022-12-27", "2022-12-29"))
    assert net.loc["2022-12-29", "net_liquidity"] == pytest.approx(expected, abs=1e-9)
    assert net.loc["2022-12-29", "net_liquidity"] == pytest.approx(5_814.924, abs=1e-3)
    assert net.loc["2022-12-29", "fed_assets"] == pytest.approx(8_551.169)
    # On the 28th itself the Wednesday level is not out yet: the previous week's is used.
    previous = _raw_value(snapshot_root, "WALCL", "2022-12-21")
    assert net.loc["2022-12-28", "fed_assets"] == pytest.approx(previous / 1000)


def test_regimes_on_the_snapshot(filled_store: Store) -> None:
    net = _store_net(filled_store, daily_index("2002-12-01", "2026-03-27"))
    regime = liquidity_regime(net)
    assert regime.loc["2020-06-30"] == "expanding"  # pandemic QE
    assert regime.loc["2022-06-30"] == "contracting"  # QT begins, RRP swells
    assert regime.loc["2026-01-15"] == "flat"
    assert net.loc["2026-01-15", "net_liquidity"] == pytest.approx(5_800.5, abs=0.1)
    # Before the daily facility the gaps between operations are zero, not last year's value.
    assert net.loc["2006-06-15", "rrp"] == 0.0
    assert net.loc["2013-09-23":"2026-03-27", "rrp"].notna().all()
