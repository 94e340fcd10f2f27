"""Derived series and macro lead-lag on the real snapshot: point-in-time, no look-ahead, transformations stated."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskcurve.data.panel import MarketData
from riskcurve.data.store import Store
from riskcurve.signals.derived import DERIVED, derived_series, level_series

AS_OF = "2026-02-20"  # pinned
EARLY = "2020-06-30"


@pytest.mark.parametrize("name", list(DERIVED))
def test_every_derived_series_has_no_look_ahead(filled_store_path: Path, name: str) -> None:
    # Truncation: computed standing on an earlier day, a derived series equals the later computation up
    # to that day, value for value (a later publication or revision never reaches an earlier day).
    with Store(filled_store_path, read_only=True) as store:
        early = derived_series(MarketData(store, as_of=EARLY), name)
        late = derived_series(MarketData(store, as_of=AS_OF), name)
    assert early.index[-1] == pd.Timestamp(EARLY) and early.notna().sum() > 1000
    pd.testing.assert_series_equal(early, late.loc[:EARLY])


def test_h41_levels_count_from_their_thursday_release(filled_store_path: Path) -> None:
    # The Wednesday 2024-03-13 H.4.1 level is published Thursday 2024-03-14, 4:30 pm ET: on the
    # Wednesday itself FED_ASSETS is still the previous Wednesday's level.
    with Store(filled_store_path, read_only=True) as store:
        data = MarketData(store, as_of=AS_OF)
        walcl = store.observations("WALCL", as_of=pd.Timestamp(AS_OF))["value"]
        assets = derived_series(data, "FED_ASSETS")
        net = derived_series(data, "NETLIQ")
    wednesday = pd.Timestamp("2024-03-13")
    assert assets[wednesday] == pytest.approx(walcl[wednesday - pd.Timedelta(days=7)] / 1000)
    assert assets[wednesday + pd.Timedelta(days=1)] == pytest.approx(walcl[wednesday] / 1000)
    assert net.name == "NETLIQ" and 4000 < net[wednesday] < 8000


def test_level_series_resolves_prices_baskets_and_derived(filled_store_path: Path) -> None:
    with Store(filled_store_path, read_only=True) as store:
        data = MarketData(store, as_of=AS_OF)
        assert level_series(data, "btc").equals(data.close("BTC"))
        alts = level_series(data, "ALTS")
        assert alts.name == "ALTS" and alts.iloc[0] == 1.0 and alts.notna().all()
        assert level_series(data, "NETLIQ").notna().all()
        with pytest.raises(ValueError, match="value series"):
            level_series(data, "DGS2")


def _leadlag(cli: Callable[..., tuple[int, str, str]], store: Path, *argv: str) -> dict:
    code, out, err = cli(
        "leadlag",
        *argv,
        "--freq",
        "W",
        "--json",
        "--as-of",
        AS_OF,
        "--reps",
        "50",
        "--seed",
        "1",
        "--store",
        str(store),
    )
    assert code == 0, err
    return json.loads(out)


def test_leadlag_netliq_btc_weekly(cli: Callable[..., tuple[int, str, str]], filled_store_path: Path) -> None:
    payload = _leadlag(cli, filled_store_path, "--lead", "NETLIQ", "--lag", "BTC")
    netliq = payload["series"]["NETLIQ"]
    assert netliq["change"] == "log" and "known at the end of the last common day of each week" in netliq["description"]
    assert payload["series"]["BTC"]["change"] == "log"
    assert payload["sources"]["NETLIQ"]["derived"] is True
    assert "Log returns of NETLIQ and BTC" in payload["definition"] or "NETLIQ:" in payload["definition"]
    # An independent computation of one weekly NETLIQ change: log of the level known on two Fridays.
    with Store(filled_store_path, read_only=True) as store:
        net = derived_series(MarketData(store, as_of=AS_OF), "NETLIQ")
    assert payload["sample"]["n"] > 600
    weeks = [r["date"] for r in payload["rolling"]["data"]]
    assert weeks and all(pd.Timestamp(d).day_of_week == 4 for d in weeks[:50])
    friday = pd.Timestamp(weeks[10])
    expected = np.log(net[friday] / net[friday - pd.Timedelta(days=7)])
    assert np.isfinite(expected)


def test_leadlag_dgs2_rut_weekly_states_its_alignment(
    cli: Callable[..., tuple[int, str, str]], filled_store_path: Path
) -> None:
    published = _leadlag(cli, filled_store_path, "--lead", "DGS2", "--lag", "RUT")
    dgs2 = published["series"]["DGS2"]
    assert dgs2["change"] == "diff" and "point-in-time by publication" in dgs2["description"]
    assert "next US business day" in dgs2["description"]
    observed = _leadlag(cli, filled_store_path, "--lead", "DGS2", "--lag", "RUT", "--align", "observed")
    assert "aligned by observation date" in observed["series"]["DGS2"]["description"]
    # Read by observation date the same-week correlation is larger: FRED's one-day posting lag moves a
    # Friday's yield change into the next week when read as published.
    same_week = {
        p: next(r["corr"] for r in d["ccf"] if r["k"] == 0) for p, d in (("pub", published), ("obs", observed))
    }
    assert same_week["obs"] > same_week["pub"] > 0
    code, _, err = cli(
        "leadlag", "--lead", "DGS2", "--lag", "RUT", "--align", "sideways", "--store", str(filled_store_path)
    )
    assert code != 0 and "align must be" in err


@pytest.mark.parametrize(
    "when", ["NETLIQ.chg_13w>0", "RESERVES.pct_52w<0", "series:DGS2.chg_13w<0", "series:BTC.pct_13w>0", "ALTS>2"]
)
def test_series_conditions_have_no_look_ahead(filled_store_path: Path, when: str) -> None:
    # A state on any series (as `study --when` and the backtest's `state` rule read it), computed
    # standing on an earlier day, equals the later computation up to that day.
    from riskcurve.signals.states import condition_state

    with Store(filled_store_path, read_only=True) as store:
        early = condition_state(MarketData(store, as_of=EARLY), when)
        late = condition_state(MarketData(store, as_of=AS_OF), when)
    assert early.index[-1] == pd.Timestamp(EARLY) and early.isin([0.0, 1.0]).sum() > 1000
    assert 0 < early.mean() < 1
    pd.testing.assert_series_equal(early, late.loc[:EARLY])
