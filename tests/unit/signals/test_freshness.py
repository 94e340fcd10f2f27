"""Freshness rules: each input's cadence and release lag decide when its newest value is too old."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskcurve.data.calendar import MAX_CARRY_DAYS, daily_index
from riskcurve.data.release import available_at
from riskcurve.signals.freshness import (
    CADENCE_DAYS,
    GRACE_DAYS,
    freshness,
    is_fresh,
    last_known,
    longest_lag_days,
    rule_for,
)


def _values(dates: list[str] | pd.DatetimeIndex, rule: str) -> pd.DataFrame:
    index = pd.DatetimeIndex(dates, name="date")
    return pd.DataFrame(
        {"value": np.arange(len(index), dtype=float), "available_at": available_at(index, rule)}, index=index
    )


def test_daily_closes_stay_fresh_over_the_carry_window_and_no_longer() -> None:
    for symbol in ("BTC", "GSPC", "NDX"):
        assert rule_for(symbol).max_age_days == MAX_CARRY_DAYS
    closes = pd.Series(1.0, index=daily_index("2024-01-01", "2024-01-10"))
    days = daily_index("2023-12-30", "2024-01-20")
    frame = freshness("BTC", closes, days)
    assert frame.loc["2023-12-31", "status"] == "not_started"
    assert frame.loc["2024-01-14", "status"] == "fresh"  # 4 days after the last close
    assert frame.loc["2024-01-15", "status"] == "stale"
    assert frame.loc["2024-01-20", "last_known"] == pd.Timestamp("2024-01-10")
    assert frame.loc["2024-01-20", "age_days"] == 10


def test_a_long_weekend_keeps_an_exchange_close_fresh() -> None:
    # Friday 2024-08-30, then Labor Day: Tuesday's age is 4 days.
    closes = pd.Series(1.0, index=pd.DatetimeIndex(["2024-08-29", "2024-08-30", "2024-09-03"]))
    assert is_fresh("RUT", closes, pd.DatetimeIndex(["2024-09-02"])).all()


def test_weekly_cftc_tuesday_positions_count_from_friday_and_go_stale_after_missed_reports() -> None:
    oi = _values(["2024-03-05", "2024-03-12"], "cftc")
    days = daily_index("2024-03-07", "2024-04-15")
    frame = freshness("CFTC_BTC_CME_OI", oi, days)
    # Thursday 14 March still knows only the 5 March report; Friday 15 March knows the 12th.
    assert frame.loc["2024-03-14", "last_known"] == pd.Timestamp("2024-03-05")
    assert frame.loc["2024-03-15", "last_known"] == pd.Timestamp("2024-03-12")
    limit = rule_for("CFTC_BTC_CME_OI").max_age_days
    assert limit == CADENCE_DAYS["weekly"] + longest_lag_days("cftc", "weekly") + GRACE_DAYS["weekly"]
    last_fresh = pd.Timestamp("2024-03-12") + pd.Timedelta(days=limit)
    assert frame.loc[last_fresh, "fresh"] and not frame.loc[last_fresh + pd.Timedelta(days=1), "fresh"]


def test_the_cftc_shutdown_backlog_is_a_gap_not_fresh_data() -> None:
    # Report dates as the CFTC keeps them: Veterans Day week's report is dated Monday 10 November.
    tuesdays = pd.date_range("2025-08-05", "2026-01-27", freq="W-TUE")
    oi = _values(tuesdays.where(tuesdays != pd.Timestamp("2025-11-11"), pd.Timestamp("2025-11-10")), "cftc")
    frame = freshness("CFTC_BTC_CME_OI", oi, daily_index("2025-09-01", "2026-02-15"))
    stale = frame.index[frame["status"] == "stale"]
    limit = rule_for("CFTC_BTC_CME_OI").max_age_days
    # The 23 September report was the last on time; nothing new came out until 19 November, and
    # the backlog then published weeks-old positions until the CFTC caught up in January.
    assert stale.min() == pd.Timestamp("2025-09-23") + pd.Timedelta(days=limit + 1)
    assert frame.loc["2025-11-18", "status"] == "stale"
    assert stale.max() < pd.Timestamp("2026-01-20")
    assert frame.loc["2026-01-20":, "fresh"].all()


def test_monthly_series_allow_their_release_lag_and_one_missed_release() -> None:
    rule = rule_for("M2SL")
    assert rule.calendar == "monthly" and rule.release == "h6_monthly"
    # Released on the fourth Tuesday of the month after: a value is up to ~2 months old when fresh.
    assert 55 <= longest_lag_days("h6_monthly", "monthly") <= 62
    m2 = _values(pd.date_range("2020-01-01", "2020-06-01", freq="MS"), "h6_monthly")
    frame = freshness(rule, m2, daily_index("2020-01-01", "2020-12-31"))
    assert frame.loc["2020-02-24", "status"] == "not_started"  # January's M2 is out on 25 February
    assert frame.loc["2020-02-25", "fresh"]
    assert frame["fresh"].iloc[-1] == bool(
        (pd.Timestamp("2020-12-31") - pd.Timestamp("2020-06-01")).days <= rule.max_age_days
    )
    assert frame.loc["2020-09-01", "fresh"] and not frame.loc["2020-12-31", "fresh"]


def test_next_day_series_and_a_user_lag() -> None:
    flows = _values(["2024-03-15"], "next_day")
    frame = freshness("BTC_SPOT_ETF_NETFLOW", flows, daily_index("2024-03-15", "2024-03-16"))
    assert frame["status"].tolist() == ["not_started", "fresh"]
    slow = rule_for("MY_SERIES", calendar="business", release="end_of_day", lag_days=10)
    base = rule_for("MY_SERIES", calendar="business", release="end_of_day").max_age_days
    # Ten days in UTC can end after midnight in New York across a change of clocks: up to 11.
    assert base + 10 <= slow.max_age_days <= base + 11
    assert "10 days" in slow.describe()


def test_a_symbol_without_a_calendar_has_no_rule() -> None:
    with pytest.raises(ValueError, match="give its calendar"):
        rule_for("NOT_IN_THE_CATALOGUE")


def test_last_known_uses_publication_order_and_ignores_empty_rows() -> None:
    # A late-published older observation never moves "newest known" backwards.
    frame = pd.DataFrame(
        {
            "value": [1.0, 2.0, np.nan],
            "available_at": pd.to_datetime(["2024-01-10 15:00", "2024-01-05 15:00", "2024-01-06 15:00"]),
        },
        index=pd.DatetimeIndex(["2024-01-03", "2024-01-04", "2024-01-05"], name="date"),
    )
    got = last_known(frame, daily_index("2024-01-04", "2024-01-11"))
    assert pd.isna(got.loc["2024-01-04"])
    assert got.loc["2024-01-05"] == pd.Timestamp("2024-01-04")
    assert got.loc["2024-01-11"] == pd.Timestamp("2024-01-04")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_freshness_on_a_day_uses_only_what_was_known_then(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # A weekly value series with random holes, and a daily price series with random holes.
    tuesdays = pd.date_range("2023-01-03", "2024-12-31", freq="W-TUE")
    weekly = _values(tuesdays[rng.random(len(tuesdays)) > 0.3], "cftc")
    daily = pd.Series(1.0, index=daily_index("2023-01-01", "2024-12-31"))
    daily = daily[rng.random(len(daily)) > 0.2]
    days = daily_index("2023-01-01", "2024-12-31")
    full_weekly = freshness("CFTC_BTC_CME_OI", weekly, days)
    full_daily = freshness("BTC", daily, days)
    for cut in rng.choice(days, size=10, replace=False):
        cut = pd.Timestamp(cut)
        seen = weekly[weekly["available_at"] <= available_at(pd.DatetimeIndex([cut]), None)[0]]
        part = freshness("CFTC_BTC_CME_OI", seen, days[days <= cut])
        pd.testing.assert_frame_equal(part, full_weekly.loc[:cut])
        pd.testing.assert_frame_equal(freshness("BTC", daily.loc[:cut], days[days <= cut]), full_daily.loc[:cut])
