"""The risk-curve cascade: link rules, the stage, debouncing, link changes, and the real record."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskcurve.data.calendar import daily_index, known_on, on_days
from riskcurve.data.store import Store
from riskcurve.data.symbols import ALTCOINS
from riskcurve.signals.cascade import (
    LINKS,
    CascadeInputs,
    CascadeParams,
    alt_breadth_share,
    cascade,
    cascade_conditions,
    link_changes,
)
from riskcurve.signals.events import persist

DAYS = daily_index("2020-01-01", "2021-12-31")
FAST = CascadeParams(long_window=60, short_window=10, rs_window=10, ratio_window=10, alt_window=10, min_days=1)


def _trend(growth: float, days: pd.DatetimeIndex = DAYS, start: float = 100.0) -> pd.Series:
    return pd.Series(start * (1 + growth) ** np.arange(len(days)), index=days)


def _inputs(
    *,
    gspc: float = 0.001,
    rut: float = 0.002,
    btc: float = 0.003,
    eth: float = 0.004,
    alts: float = 0.005,
    dgs10: pd.Series | None = None,
    hy_spread: pd.Series | None = None,
) -> CascadeInputs:
    weekdays = DAYS[DAYS.day_of_week < 5]
    return CascadeInputs.from_closes(
        DAYS,
        gspc=_trend(gspc).reindex(weekdays),
        rut=_trend(rut).reindex(weekdays),
        btc=_trend(btc),
        eth=_trend(eth),
        alts=pd.DataFrame({f"ALT{i}": _trend(alts, start=10.0 + i) for i in range(4)}),
        dgs10=dgs10 if dgs10 is not None else pd.Series(2.0, index=DAYS),
        hy_spread=hy_spread if hy_spread is not None else pd.Series(np.linspace(5.0, 3.0, len(DAYS)), index=DAYS),
    )


# -- parameters and inputs -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"long_window": 0}, "long_window"),
        ({"short_window": 200}, "short_window"),
        ({"min_days": 0}, "min_days"),
        ({"alt_breadth_min": 1.5}, "alt_breadth_min"),
        ({"yield_rise_max": -0.1}, "yield_rise_max"),
        ({"credit_mean_days": 2.5}, "credit_mean_days"),
    ],
)
def test_params_name_the_bad_argument(kwargs: dict[str, object], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        CascadeParams(**kwargs)  # type: ignore[arg-type]


def test_inputs_need_one_daily_index() -> None:
    good = _inputs()
    with pytest.raises(ValueError, match="btc must share the index"):
        CascadeInputs(good.gspc, good.rut, good.btc.iloc[1:], good.eth, good.alts, good.dgs10, good.hy_spread)
    weekly = good.gspc.iloc[::7]
    with pytest.raises(ValueError, match="consecutive calendar days"):
        CascadeInputs(weekly, weekly, weekly, weekly, good.alts.iloc[::7], weekly, weekly)


# -- link rules and the stage ----------------------------------------------------------------


def test_everything_rising_lights_every_link() -> None:
    frame = cascade(_inputs(), FAST)
    last = frame.iloc[-1]
    assert all(bool(last[link]) for link in LINKS)
    assert last["stage"] == 5
    assert last["stage_name"] == "eth_alts"
    assert all(last[f"score_{link}"] == 1.0 for link in LINKS)
    # Before the moving averages exist nothing is lit.
    assert frame["stage"].iloc[0] == 0
    assert frame["stage_name"].iloc[0] == "none"


def test_stage_counts_only_the_unbroken_run_from_bonds() -> None:
    frame = cascade(_inputs(btc=-0.002), FAST)
    last = frame.iloc[-1]
    assert not last["btc"]
    assert last["eth_alts"]  # ETH is lit, but the chain broke at BTC
    assert last["stage"] == 3
    assert last["stage_name"] == "small_caps"


def test_rising_yields_break_the_chain_at_its_first_link() -> None:
    # The 10-year yield climbing 1 point a quarter is "rising fast".
    rising = pd.Series(1.0 + np.arange(len(DAYS)) / 91.0, index=DAYS)
    frame = cascade(_inputs(dgs10=rising), FAST)
    assert not frame["bonds_credit"].iloc[-1]
    assert frame["large_caps"].iloc[-1]
    assert frame["stage"].iloc[-1] == 0


def test_credit_lights_when_spread_falls_even_above_its_mean() -> None:
    # Spread high but falling over the last 28 days: "falling" is enough.
    spread = pd.Series(np.r_[np.linspace(3, 9, len(DAYS) - 40), np.linspace(9, 8.5, 40)], index=DAYS)
    conditions = cascade_conditions(_inputs(hy_spread=spread), FAST).iloc[-1]
    assert conditions["bonds_credit:spread_below_mean"] == 0.0
    assert conditions["bonds_credit:spread_falling"] == 1.0
    assert conditions["bonds_credit:raw"]


def test_small_caps_need_relative_strength_against_the_sp500() -> None:
    # RUT rises, but slower than the S&P 500: trend yes, leadership no.
    conditions = cascade_conditions(_inputs(gspc=0.003, rut=0.001), FAST).iloc[-1]
    assert conditions["small_caps:above_long_ma"] == 1.0
    assert conditions["small_caps:rs_above_mean"] == 0.0
    assert not conditions["small_caps:raw"]
    frame = cascade(_inputs(gspc=0.003, rut=0.001), FAST)
    assert frame["score_small_caps"].iloc[-1] == pytest.approx(2 / 3)
    assert frame["stage"].iloc[-1] == 2


def test_equity_averages_count_sessions_not_calendar_days() -> None:
    inputs = _inputs()
    params = CascadeParams(long_window=20, short_window=5, min_days=1)
    sessions = inputs.sessions
    assert sessions is not None and (sessions.day_of_week < 5).all()
    day = pd.Timestamp("2021-06-06")  # a Sunday: reads Friday's close and averages
    session_mean = float(inputs.gspc.loc[sessions[sessions <= day][-20:]].mean())
    calendar_mean = float(inputs.gspc.loc[:day].iloc[-20:].mean())
    assert calendar_mean > session_mean * 1.002  # on a rising series the two differ

    def above_long_ma(close_on_day: float) -> float:
        nudged = inputs.gspc.copy()
        nudged.loc[day] = close_on_day
        moved = CascadeInputs(
            nudged, inputs.rut, inputs.btc, inputs.eth, inputs.alts, inputs.dgs10, inputs.hy_spread, sessions
        )
        return float(cascade_conditions(moved, params).loc[day, "large_caps:above_long_ma"])

    # Just above the 20-session mean (and below a 20-calendar-day one): above.
    assert above_long_ma(session_mean * 1.001) == 1.0
    assert above_long_ma(session_mean * 0.999) == 0.0


def test_alt_breadth_share_counts_coins_with_a_full_window() -> None:
    days = daily_index("2021-01-01", "2021-01-10")
    alts = pd.DataFrame(
        {"UP": np.arange(10.0) + 1, "DOWN": 10.0 - np.arange(10.0), "FLATUP": np.r_[np.ones(9), 2.0], "NEW": np.nan},
        index=days,
    )
    share = alt_breadth_share(alts, window=3, min_alts=3)
    assert np.isnan(share.iloc[1])  # no full window yet
    assert share.iloc[-1] == pytest.approx(2 / 3)  # UP and FLATUP above, DOWN below; NEW not counted
    assert np.isnan(alt_breadth_share(alts, window=3, min_alts=4).iloc[-1])


# -- debouncing and link changes -------------------------------------------------------------


def test_persist_removes_flicker_and_is_point_in_time() -> None:
    raw = pd.Series([False, True, False, True, True, True, False, True, True, True], dtype=bool)
    assert persist(raw, 1).tolist() == raw.tolist()
    assert persist(raw, 3, initial=False).tolist() == [False] * 5 + [True] * 5
    for cut in range(len(raw)):
        assert (
            persist(raw.iloc[: cut + 1], 3, initial=False).tolist()
            == persist(raw, 3, initial=False).iloc[: cut + 1].tolist()
        )


def test_link_changes_lists_each_lit_and_dark_date() -> None:
    days = daily_index("2021-01-01", "2021-01-06")
    frame = pd.DataFrame(
        {
            "bonds_credit": [True, True, False, False, True, True],
            "large_caps": [False, True, True, True, True, False],
        },
        index=days,
    )
    changes = link_changes(frame)
    assert list(changes.columns) == ["date", "link", "state"]
    expected = [
        ("2021-01-01", "bonds_credit", "lit"),
        ("2021-01-02", "large_caps", "lit"),
        ("2021-01-03", "bonds_credit", "dark"),
        ("2021-01-05", "bonds_credit", "lit"),
        ("2021-01-06", "large_caps", "dark"),
    ]
    assert [(str(d.date()), link, state) for d, link, state in changes.itertuples(index=False)] == expected


def test_min_days_delays_lighting_by_that_many_days() -> None:
    raw = cascade(_inputs(), FAST)
    slow = cascade(_inputs(), CascadeParams(**{**FAST.to_dict(), "min_days": 7}))
    lit_raw = link_changes(raw).query("link == 'btc' and state == 'lit'")["date"].iloc[0]
    lit_slow = link_changes(slow).query("link == 'btc' and state == 'lit'")["date"].iloc[0]
    assert lit_slow - lit_raw == pd.Timedelta(days=6)


# -- the real record -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_cascade(filled_store_path: object) -> pd.DataFrame:
    with Store(filled_store_path, read_only=True) as store:  # type: ignore[arg-type]
        days = daily_index("1997-01-01", "2026-03-27")

        def close(symbol: str) -> pd.Series:
            return store.prices(symbol)["close"]

        def known(symbol: str) -> pd.Series:
            return known_on(store.observations(symbol, vintages=True), days)["value"]

        inputs = CascadeInputs.from_closes(
            days,
            gspc=close("GSPC"),
            rut=close("RUT"),
            btc=close("BTC"),
            eth=close("ETH"),
            alts=pd.DataFrame({coin: on_days(close(coin), days) for coin in ALTCOINS}),
            dgs10=known("DGS10"),
            hy_spread=known("BAMLH0A0HYM2"),
        )
        return cascade(inputs)


def test_january_2021_is_risk_on_all_along_the_chain(real_cascade: pd.DataFrame) -> None:
    day = real_cascade.loc["2021-01-15"]
    assert day["stage"] == 5
    assert day["stage_name"] == "eth_alts"


def test_known_stages_on_the_snapshot(real_cascade: pd.DataFrame) -> None:
    # June 2017: RUT trending but lagging the S&P 500, so the chain stops at large caps.
    assert real_cascade.loc["2017-06-01", "stage"] == 2
    assert real_cascade.loc["2017-06-01", "btc"]
    # January 2026: small caps lit, BTC below its 200-day average.
    assert real_cascade.loc["2026-01-15", "stage"] == 3
    assert not real_cascade.loc["2026-01-15", "btc"]
    # The March 2020 crash and the autumn 2008 crisis: nothing lit.
    assert real_cascade.loc["2020-03-23", "stage"] == 0
    assert real_cascade.loc["2008-10-15", "stage"] == 0
