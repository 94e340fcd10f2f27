"""The decomposition of net-liquidity changes into Fed assets, TGA and RRP (and Japan's series)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.signals.liquidity import liquidity_drivers, net_liquidity
from riskcurve.signals.registry import get_signal


def _net(days: int = 400, seed: int = 1) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2022-01-01", periods=days, freq="D", name="date")
    walcl = pd.Series(8_000_000 + np.cumsum(rng.normal(0, 5_000, days)), index=index)
    tga = pd.Series(600_000 + np.cumsum(rng.normal(0, 8_000, days)), index=index)
    rrp = pd.Series(2_000 + np.cumsum(rng.normal(0, 20, days)), index=index)
    securities = walcl - 500_000 + rng.normal(0, 1_000, days)
    return net_liquidity(walcl, tga, rrp), securities


def test_contributions_add_up_to_the_change_of_net_liquidity() -> None:
    net, securities = _net()
    drivers = liquidity_drivers(net, securities)
    for w, chg in (("4w", "chg_4w"), ("13w", "chg_13w"), ("52w", "chg_52w")):
        total = drivers[f"fed_assets_{w}"] + drivers[f"tga_{w}"] + drivers[f"rrp_{w}"]
        pd.testing.assert_series_equal(total, net[chg], check_names=False)
        pd.testing.assert_series_equal(drivers[f"net_{w}"], net[chg], check_names=False)
        split = drivers[f"securities_{w}"] + drivers[f"other_assets_{w}"]
        pd.testing.assert_series_equal(split, drivers[f"fed_assets_{w}"], check_names=False)
    # By hand, one day: the TGA rising drains liquidity, so its contribution is minus its change.
    day = net.index[200]
    before = day - pd.Timedelta(days=28)
    assert drivers.loc[day, "tga_4w"] == pytest.approx(-(net.loc[day, "tga"] - net.loc[before, "tga"]))
    assert drivers.loc[day, "rrp_4w"] == pytest.approx(-(net.loc[day, "rrp"] - net.loc[before, "rrp"]))
    assert drivers.loc[day, "securities_4w"] == pytest.approx((securities[day] - securities[before]) / 1000)
    # Unknown where the window starts before the data.
    assert drivers["fed_assets_52w"].iloc[:364].isna().all() and drivers["fed_assets_52w"].iloc[364:].notna().all()


def test_drivers_validate_their_input() -> None:
    net, securities = _net(50)
    with pytest.raises(TypeError, match="net must be the DataFrame"):
        liquidity_drivers(net["fed_assets"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lacks column"):
        liquidity_drivers(net.drop(columns="tga"))
    with pytest.raises(ValueError, match="share the index"):
        liquidity_drivers(net, securities.iloc[1:])
    assert "securities_4w" not in liquidity_drivers(net).columns


def test_signal_liquidity_reports_the_drivers_and_japan(filled_store_path: Path) -> None:
    with Store(filled_store_path, read_only=True) as store:
        data = MarketData(store, as_of="2026-02-20")
        frame = get_signal("liquidity").compute(data, None)
        meta = store.meta("IRSTCI01JPM156N")
        call = store.observations("IRSTCI01JPM156N", as_of=pd.Timestamp("2026-02-20"))["value"]
    last = frame.dropna(subset=["chg_13w"]).iloc[-1]
    assert last["fed_assets_13w"] + last["tga_13w"] + last["rrp_13w"] == pytest.approx(last["chg_13w"])
    assert meta.unit == "percent" and meta.release == "monthly_late"
    # The December 2025 call rate is not known on 31 December; it is by the end of January's fourth Tuesday.
    assert frame.loc["2026-01-31", "jp_call_rate"] == call[pd.Timestamp("2025-12-01")]
    assert frame.loc["2025-12-31", "jp_call_rate"] == call[pd.Timestamp("2025-11-01")]
