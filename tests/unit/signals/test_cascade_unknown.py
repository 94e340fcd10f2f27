"""Missing data is never a state: stale or not-started inputs make a cascade link unknown, and the stage a range."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskcurve.data.calendar import daily_index
from riskcurve.signals.cascade import (
    LINK_INPUTS,
    LINKS,
    CascadeInputs,
    CascadeParams,
    cascade,
    link_changes,
    stage_phrase,
)
from riskcurve.signals.freshness import rule_for

DAYS = daily_index("2020-01-01", "2021-12-31")
FAST = CascadeParams(long_window=60, short_window=10, rs_window=10, ratio_window=10, alt_window=10, min_days=3)
STATES = {"lit", "dark", "unknown"}


def _trend(growth: float, days: pd.DatetimeIndex = DAYS, start: float = 100.0) -> pd.Series:
    return pd.Series(start * (1 + growth) ** np.arange(len(days)), index=days)


def _inputs(
    days: pd.DatetimeIndex = DAYS,
    *,
    btc_start: str | None = None,
    hy_end: str | None = None,
    btc_end: str | None = None,
    gspc_gap: tuple[str, str] | None = None,
) -> CascadeInputs:
    """Everything rising on DAYS, with chosen inputs starting late, stopping, or pausing."""
    weekdays = DAYS[DAYS.day_of_week < 5]
    if gspc_gap is not None:  # the exchange is shut: no session for either index
        weekdays = weekdays[(weekdays < pd.Timestamp(gspc_gap[0])) | (weekdays > pd.Timestamp(gspc_gap[1]))]
    gspc = _trend(0.001).reindex(weekdays)
    btc = _trend(0.003)
    if btc_start is not None:
        btc = btc.loc[btc_start:]
    if btc_end is not None:
        btc = btc.loc[:btc_end]
    spread = pd.Series(np.linspace(5.0, 3.0, len(DAYS)), index=DAYS)
    if hy_end is not None:
        spread = spread.where(spread.index <= pd.Timestamp(hy_end))
    cut = days.max()
    return CascadeInputs.from_closes(
        days,
        gspc=gspc.loc[:cut],
        rut=_trend(0.002).reindex(weekdays).loc[:cut],
        btc=btc.loc[:cut],
        eth=_trend(0.004).loc[:cut],
        alts=pd.DataFrame({f"ALT{i}": _trend(0.005, start=10.0 + i) for i in range(4)}).loc[:cut],
        dgs10=pd.Series(2.0, index=DAYS).reindex(days),
        hy_spread=spread.reindex(days),
    )


def test_a_stopped_spread_makes_bonds_unknown_never_a_definite_stage_zero() -> None:
    frame = cascade(_inputs(hy_end="2021-06-30"), FAST)
    last = frame.iloc[-1]
    assert last["state_bonds_credit"] == "unknown"
    assert last["bonds_credit"] is None
    assert all(last[f"state_{link}"] == "lit" for link in LINKS[1:])
    assert (last["stage_low"], last["stage_high"], last["stage"]) == (0, 5, 0)
    assert last["through_bonds_credit"] == pd.Timestamp("2021-06-30")
    phrase = stage_phrase(last)
    assert phrase.startswith("stage 0-5/5: bonds & credit unknown")
    assert "no data since 2021-06-30" in phrase
    # Lit while the spread was known; unknown from the day after it stopped.
    assert frame.loc["2021-06-30", "state_bonds_credit"] == "lit"
    assert frame.loc["2021-07-01", "state_bonds_credit"] == "unknown"
    assert (frame.loc["2021-07-01":, "stage_high"] > frame.loc["2021-07-01":, "stage_low"]).all()


def test_a_stopped_bitcoin_leaves_its_links_unknown_after_its_freshness_rule() -> None:
    frame = cascade(_inputs(btc_end="2021-09-30"), FAST)
    allowed = rule_for("BTC").max_age_days
    last_fresh = pd.Timestamp("2021-09-30") + pd.Timedelta(days=allowed)
    assert frame.loc[last_fresh, "state_btc"] == "lit"
    after = frame.loc[last_fresh + pd.Timedelta(days=1) :]
    assert (after["state_btc"] == "unknown").all() and (after["state_eth_alts"] == "unknown").all()
    assert (after[["stage_low", "stage_high"]] == [3, 5]).all().all()
    assert "BTC: no data since 2021-09-30" in after["why_btc"].iloc[-1]
    # The chain before Bitcoin still reads; the last change of a link is never after its data.
    changes = link_changes(frame)
    assert changes[changes["link"] == "btc"]["date"].max() <= pd.Timestamp("2021-09-30")


def test_before_bitcoin_exists_its_links_are_unknown_not_dark() -> None:
    frame = cascade(_inputs(btc_start="2020-09-01"), FAST)
    before = frame.loc[:"2020-08-31"]
    assert (before["state_btc"] == "unknown").all()
    assert (before["state_eth_alts"] == "unknown").all()
    assert before["btc"].isna().all() and before["eth_alts"].isna().all()
    assert before["why_btc"].eq("BTC: no data yet").all()
    # Then its long average fills: still unknown, for want of history, not of data.
    warmup = frame.loc["2020-09-01":"2020-10-15", "why_btc"]
    assert warmup.str.startswith("not enough data yet").all()
    assert frame["state_btc"].iloc[-1] == "lit"


def test_a_pause_is_not_a_change() -> None:
    # The exchange shuts for two weeks: large and small caps are unknown, then lit again
    # without a new "lit" event (and without going dark in between).
    frame = cascade(_inputs(gspc_gap=("2021-03-01", "2021-03-12")), FAST)
    pause = frame.loc["2021-03-05":"2021-03-12"]
    assert (pause["state_large_caps"] == "unknown").all() and (pause["state_small_caps"] == "unknown").all()
    assert frame.loc["2021-03-15", "state_large_caps"] == "lit"
    lit_dates = link_changes(frame).query("link == 'large_caps'")["date"]
    assert len(lit_dates) == 1 and lit_dates.iloc[0] < pd.Timestamp("2021-03-01")


def test_columns_and_their_meaning() -> None:
    frame = cascade(_inputs(hy_end="2021-06-30", btc_start="2020-09-01"), FAST)
    for link in LINKS:
        assert set(frame[f"state_{link}"].unique()) <= STATES
        lit = frame[link]
        state = frame[f"state_{link}"]
        assert (lit.isna() == (state == "unknown")).all()
        assert (lit[state != "unknown"].astype(bool) == (state[state != "unknown"] == "lit")).all()
    assert (frame["stage_low"] <= frame["stage_high"]).all()
    assert frame["stage"].equals(frame["stage_low"])
    known_everywhere = (frame[[f"state_{link}" for link in LINKS]] != "unknown").all(axis=1)
    assert (frame.loc[known_everywhere, "stage_low"] == frame.loc[known_everywhere, "stage_high"]).all()
    assert set(LINK_INPUTS) == set(LINKS)


@pytest.mark.parametrize("seed", [7, 11])
def test_no_look_ahead_in_states_stage_range_and_reasons(seed: int) -> None:
    rng = np.random.default_rng(seed)
    options = {"hy_end": "2021-06-30", "btc_start": "2020-09-01", "gspc_gap": ("2021-03-01", "2021-03-12")}
    full = cascade(_inputs(**options), FAST)  # type: ignore[arg-type]
    columns = [c for c in full.columns if c.startswith(("state_", "stage", "through_", "why_")) or c in LINKS]
    for cut in rng.choice(DAYS[70:], size=8, replace=False):
        days = DAYS[: int(DAYS.searchsorted(pd.Timestamp(cut), side="right"))]
        part = cascade(_inputs(days, **options), FAST)  # type: ignore[arg-type]
        pd.testing.assert_frame_equal(part[columns], full.loc[days, columns], check_freq=False)


def test_stage_phrase_says_a_definite_stage_only_when_it_is_one() -> None:
    row = {"stage_low": 3, "stage_high": 3, **{f"state_{link}": "lit" for link in LINKS}}
    row["state_btc"] = "dark"
    assert stage_phrase(row) == "stage 3/5 (small caps)"
    row["state_eth_alts"] = "unknown"
    row["why_eth_alts"] = "ETH: no data since 2026-08-21"
    assert stage_phrase(row) == "stage 3/5 (small caps); ETH & alts unknown (ETH: no data since 2026-08-21)"
