"""Publication-lag rules, pinned to real release dates."""

from __future__ import annotations

import pandas as pd
import pytest

from riskcurve.data.release import RELEASE_RULES, available_at, knowledge_cutoff


def _local(rule: str, day: str) -> pd.Timestamp:
    instant = available_at(pd.DatetimeIndex([day]), rule)[0]
    return instant.tz_localize("UTC").tz_convert("America/New_York")


def test_h41_wednesday_level_is_known_thursday_afternoon() -> None:
    # H.4.1 of 19 March 2020 reported the week ending Wednesday 18 March.
    assert _local("h41", "2020-03-18") == pd.Timestamp("2020-03-19 16:30", tz="America/New_York")


def test_h41_thanksgiving_moves_to_friday() -> None:
    assert _local("h41", "2020-11-25").date() == pd.Timestamp("2020-11-27").date()


def test_h6_monthly_fourth_tuesday_of_next_month() -> None:
    # October 2025 M2 was released on Tuesday 25 November 2025.
    assert _local("h6_monthly", "2025-10-01").date() == pd.Timestamp("2025-11-25").date()


def test_next_business_day_skips_weekend_and_holiday() -> None:
    assert _local("next_business_day", "2024-07-03").date() == pd.Timestamp("2024-07-05").date()
    assert _local("next_business_day", "2024-08-02").date() == pd.Timestamp("2024-08-05").date()


def test_h10_is_the_monday_after_the_week() -> None:
    assert _local("h10", "2025-11-07").date() == pd.Timestamp("2025-11-10").date()
    assert _local("h10", "2025-11-10").date() == pd.Timestamp("2025-11-17").date()


@pytest.mark.parametrize("rule", sorted(RELEASE_RULES))
def test_no_rule_publishes_before_the_observation_day_ends_or_never(rule: str) -> None:
    days = pd.date_range("1990-01-01", "2030-12-31", freq="D")
    published = available_at(days, rule)
    # Published no earlier than the observation day itself, and within ~two months.
    assert (published >= days).all()
    assert ((published - days) < pd.Timedelta(days=70)).all()


def test_cutoff_is_end_of_new_york_day() -> None:
    cutoff = knowledge_cutoff("2020-03-19").tz_localize("UTC").tz_convert("America/New_York")
    assert cutoff.date() == pd.Timestamp("2020-03-19").date()
    assert cutoff.hour == 23 and cutoff.minute == 59


def test_lag_days_shift() -> None:
    days = pd.DatetimeIndex(["2024-01-05"])
    assert available_at(days, None, lag_days=3)[0] - available_at(days, None)[0] == pd.Timedelta(days=3)


def _known_on(rule: str, observed: str, day: str) -> bool:
    return bool(available_at(pd.DatetimeIndex([observed]), rule)[0] <= knowledge_cutoff(day))


def test_cftc_tuesday_positions_are_unknown_thursday_and_known_friday_after_1530() -> None:
    # Positions of Tuesday 2024-03-12 were published Friday 2024-03-15 at 3:30 pm ET.
    assert not _known_on("cftc", "2024-03-12", "2024-03-14")
    assert _known_on("cftc", "2024-03-12", "2024-03-15")
    assert _local("cftc", "2024-03-12") == pd.Timestamp("2024-03-15 15:30", tz="America/New_York")


def test_cftc_holiday_week_moves_to_the_monday() -> None:
    # Thanksgiving 2024 (Thursday 28 Nov): the report of Tuesday 26 Nov came out Monday 2 Dec.
    assert _local("cftc", "2024-11-26") == pd.Timestamp("2024-12-02 15:30", tz="America/New_York")
    assert not _known_on("cftc", "2024-11-26", "2024-11-29")


def test_cftc_shutdown_backlog_is_known_only_when_it_was_published() -> None:
    # 2025 lapse in appropriations: the 30 September report was published on 19 November.
    assert _local("cftc", "2025-09-30").date() == pd.Timestamp("2025-11-19").date()
    assert not _known_on("cftc", "2025-09-30", "2025-11-18")
    assert _known_on("cftc", "2025-09-30", "2025-11-19")


def test_next_day_flow_of_a_friday_is_unknown_that_friday_and_known_saturday() -> None:
    assert not _known_on("next_day", "2024-03-15", "2024-03-15")
    assert _known_on("next_day", "2024-03-15", "2024-03-16")
    assert _local("next_day", "2024-03-15") == pd.Timestamp("2024-03-16 09:00", tz="America/New_York")
