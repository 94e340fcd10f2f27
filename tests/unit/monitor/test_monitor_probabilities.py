"""The next-link estimator on hand-made link states: counts, closure, base rates, shrinkage, calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import betainc

from riskcurve.monitor.probabilities import (
    EpisodeHistory,
    jeffreys_interval,
    next_link_probabilities,
    shrink,
)
from riskcurve.signals.cascade import LINKS


def _states(days: pd.DatetimeIndex, **columns: np.ndarray | int) -> pd.DataFrame:
    """Link states: every link lit unless given (1 lit, 0 dark, -1 unknown)."""
    frame = pd.DataFrame({link: np.ones(len(days), dtype=np.int8) for link in LINKS}, index=days)
    for link, values in columns.items():
        frame[link] = values
    return frame


@pytest.fixture
def four_weeks() -> pd.DataFrame:
    # 2024-01-01 is a Monday. Bonds, large and small caps lit throughout (stage 3 whenever BTC is
    # dark); BTC dark except on Friday 2024-01-12; ETH & alts dark throughout.
    days = pd.date_range("2024-01-01", "2024-01-28", freq="D", name="date")
    btc = np.zeros(len(days), dtype=np.int8)
    btc[days.get_loc(pd.Timestamp("2024-01-12"))] = 1
    return _states(days, btc=btc, eth_alts=np.zeros(len(days), dtype=np.int8))


def test_episode_counts_by_hand(four_weeks: pd.DataFrame) -> None:
    # Windows of 5 weekdays: episodes open on Jan 1 (window to Mon Jan 8), Jan 9 (to Tue Jan 16,
    # holding the lit Jan 12) and Jan 17 (to Wed Jan 24); the next, Jan 25, closes after Jan 28.
    history = EpisodeHistory(four_weeks, horizons=(5,))
    (p,) = history.estimate("2024-01-28", "btc", stage=3)
    assert (p.episodes, p.lit, p.raw) == (3, 1, pytest.approx(1 / 3))
    # Base rate: dark days with windows closed by Jan 28 are Jan 1-21 without Jan 12 (20 days);
    # those whose window holds Jan 12 are Jan 5-11 (7 days).
    assert (p.base_days, p.base_lit, p.base_rate) == (20, 7, pytest.approx(0.35))


def test_open_windows_are_not_counted(four_weeks: pd.DataFrame) -> None:
    history = EpisodeHistory(four_weeks, horizons=(5,))
    # On Jan 15 the second episode's window (to Jan 16) is open: its success on Jan 12 is not
    # counted yet, nor is its failure; only the first (closed Jan 8, no light) counts.
    (p,) = history.estimate("2024-01-15", "btc", stage=3)
    assert (p.episodes, p.lit) == (1, 0)
    (p,) = history.estimate("2024-01-20", "btc", stage=3)
    assert (p.episodes, p.lit) == (2, 1)


def test_a_link_with_no_episodes_takes_the_base_rate(four_weeks: pd.DataFrame) -> None:
    history = EpisodeHistory(four_weeks, horizons=(5,))
    (p,) = history.estimate("2024-01-28", "btc", stage=2)  # never at stage 2
    assert p.episodes == 0 and p.raw is None and p.raw_low is None
    assert p.shrunk == pytest.approx(0.35)
    assert p.shrunk_low is not None and p.shrunk_low < 0.35 < p.shrunk_high  # type: ignore[operator]


def test_a_link_that_never_lit(four_weeks: pd.DataFrame) -> None:
    history = EpisodeHistory(four_weeks, horizons=(5,))
    (p,) = history.estimate("2024-01-28", "eth_alts", stage=3)
    assert (p.episodes, p.lit, p.base_lit, p.base_days) == (3, 0, 0, 21)
    assert p.shrunk == 0.0 and p.raw_low == 0.0


def test_next_link_probabilities_lists_dark_links_only(four_weeks: pd.DataFrame) -> None:
    found = next_link_probabilities(four_weeks, "2024-01-28", horizons=(5, 10))
    assert [(p.link, p.horizon) for p in found] == [("btc", 5), ("btc", 10), ("eth_alts", 5), ("eth_alts", 10)]
    assert {p.stage for p in found} == {3}
    # Rows after the day are ignored: the same answer from a longer frame.
    longer = pd.concat([four_weeks, _states(pd.date_range("2024-01-29", periods=40, name="date"))])
    assert next_link_probabilities(longer, "2024-01-28", horizons=(5, 10)) == found


def test_unknown_days_are_no_state(four_weeks: pd.DataFrame) -> None:
    states = four_weeks.copy()
    states.loc["2024-01-09":"2024-01-11", "small_caps"] = -1
    history = EpisodeHistory(states, horizons=(5,))
    assert history.stage_on("2024-01-10") is None
    # Jan 9-11 cannot open a stage-3 episode: the second one opens on Saturday Jan 13 (window to
    # Friday Jan 19), after the only lit day, and the third on Jan 20 (to Jan 26): none sees BTC light.
    (p,) = history.estimate("2024-01-28", "btc", stage=3)
    assert (p.episodes, p.lit) == (3, 0)
    # A window where the link never lit but was unknown has no outcome.
    states = four_weeks.copy()
    states.loc["2024-01-03", "eth_alts"] = -1
    (p,) = EpisodeHistory(states, horizons=(5,)).estimate("2024-01-28", "eth_alts", stage=3)
    assert p.episodes == 2


def test_shrinkage_golden_numbers() -> None:
    # 3 of 10 with base rate 0.2 and a prior of 10 episodes: (3 + 2) / (10 + 10) = 0.25; the
    # posterior is Beta(5, 15), whose 5% and 95% quantiles the interval must be.
    mean, low, high = shrink(3, 10, 0.2, prior_strength=10, level=0.9)  # type: ignore[misc]
    assert mean == pytest.approx(0.25)
    assert betainc(5, 15, low) == pytest.approx(0.05, abs=1e-9)
    assert betainc(5, 15, high) == pytest.approx(0.95, abs=1e-9)
    # Stronger priors pull harder; no episodes give the base rate; no base rate, no shrinkage.
    assert shrink(3, 10, 0.2, prior_strength=40)[0] == pytest.approx((3 + 8) / 50)  # type: ignore[index]
    assert shrink(0, 0, 0.42)[0] == pytest.approx(0.42)  # type: ignore[index]
    assert shrink(3, 10, None) is None
    with pytest.raises(ValueError, match="prior_strength"):
        shrink(3, 10, 0.2, prior_strength=0)


def test_jeffreys_golden_numbers() -> None:
    low, high = jeffreys_interval(2, 10, 0.9)  # type: ignore[misc]
    assert betainc(2.5, 8.5, low) == pytest.approx(0.05, abs=1e-9)
    assert betainc(2.5, 8.5, high) == pytest.approx(0.95, abs=1e-9)
    assert jeffreys_interval(0, 5)[0] == 0.0  # type: ignore[index]
    assert jeffreys_interval(5, 5)[1] == 1.0  # type: ignore[index]
    assert jeffreys_interval(0, 0) is None


def _chain(rng: np.random.Generator, days: pd.DatetimeIndex, hazard: np.ndarray) -> pd.DataFrame:
    """BTC lights on a weekday with probability ``hazard`` (per day) and is dark otherwise."""
    weekday = days.day_of_week < 5
    btc = (weekday & (rng.random(len(days)) < hazard)).astype(np.int8)
    return _states(days, btc=btc, eth_alts=np.zeros(len(days), dtype=np.int8))


def test_jeffreys_interval_covers_the_true_probability_at_about_its_level() -> None:
    # BTC lights on each weekday with probability q, independently: an episode of 21 weekdays
    # succeeds with probability 1 - (1 - q) ** 21 exactly, and episodes never overlap.
    rng = np.random.default_rng(17)
    days = pd.date_range("2015-01-01", "2019-12-31", freq="D", name="date")
    q = 0.02
    truth = 1 - (1 - q) ** 21
    covered = []
    for _ in range(300):
        history = EpisodeHistory(_chain(rng, days, np.full(len(days), q)), horizons=(21,))
        (p,) = history.estimate(days[-1], "btc", stage=3)
        assert p.episodes > 40
        covered.append(p.raw_low <= truth <= p.raw_high)  # type: ignore[operator]
    assert 0.85 <= np.mean(covered) <= 0.95


def test_a_lead_moves_the_estimate_and_no_lead_does_not() -> None:
    # Small caps lit and dark in alternating 90-day blocks. With a lead, BTC lights far more often
    # while small caps are lit (stage 3) than while they are dark (stage 2); without, at one rate.
    rng = np.random.default_rng(5)
    days = pd.date_range("2012-01-01", "2021-12-31", freq="D", name="date")
    small = ((np.arange(len(days)) // 90) % 2 == 0).astype(np.int8)
    detected, false_alarms = 0, 0
    reps = 40
    for _ in range(reps):
        for lead in (True, False):
            hazard = np.where(small == 1, 0.04, 0.003) if lead else np.full(len(days), 0.015)
            states = _chain(rng, days, hazard)
            states["small_caps"] = small
            history = EpisodeHistory(states, horizons=(21,))
            (lit,) = history.estimate(days[-1], "btc", stage=3)
            (dark,) = history.estimate(days[-1], "btc", stage=2)
            apart = lit.raw_low > dark.raw_high  # type: ignore[operator]
            if lead:
                detected += apart
                assert lit.shrunk > lit.base_rate > dark.shrunk  # type: ignore[operator]
            else:
                false_alarms += apart
    assert detected / reps >= 0.9
    assert false_alarms / reps <= 0.1


def test_bad_states_are_refused() -> None:
    days = pd.date_range("2024-01-01", periods=10, name="date")
    with pytest.raises(ValueError, match="lacks the link columns"):
        EpisodeHistory(_states(days).drop(columns="btc"))
    with pytest.raises(ValueError, match="consecutive calendar days"):
        EpisodeHistory(_states(days[::2]))
    with pytest.raises(ValueError, match="outside"):
        EpisodeHistory(_states(days)).estimate("2025-01-01", "btc", 3)
    with pytest.raises(ValueError, match="unknown link"):
        EpisodeHistory(_states(days)).estimate("2024-01-05", "gold", 3)
