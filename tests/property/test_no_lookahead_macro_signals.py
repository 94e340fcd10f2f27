"""Truncating the inputs at any date never changes a macro or cross-asset signal at or before it."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from riskcurve.data.calendar import daily_index
from riskcurve.data.release import available_at, knowledge_cutoffs
from riskcurve.signals.cascade import CascadeInputs, CascadeParams, cascade
from riskcurve.signals.divergence import anything_but_crypto, turning_points
from riskcurve.signals.liquidity import known_rrp, liquidity_regime, net_liquidity

# Crosses 2013-09-23, where the reverse repo rule changes.
DAYS = daily_index("2013-03-01", "2014-06-30")
seeds = st.integers(0, 2**32 - 1)
cuts = st.integers(0, len(DAYS) - 1)


def _walk(rng: np.random.Generator, start: float, scale: float, size: int = len(DAYS)) -> np.ndarray:
    return start * np.exp(np.cumsum(rng.normal(0.0, scale, size)))


def _with_gaps(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    values = values.copy()
    values[rng.random(len(values)) < share] = np.nan
    return values


def _liquidity_inputs(seed: int) -> tuple[pd.Series, pd.Series, pd.Series]:
    rng = np.random.default_rng(seed)
    walcl = pd.Series(_with_gaps(rng, _walk(rng, 3_500_000, 0.002), 0.05), index=DAYS)
    tga = pd.Series(_with_gaps(rng, _walk(rng, 100_000, 0.02), 0.05), index=DAYS)
    rrp = pd.Series(_with_gaps(rng, _walk(rng, 50, 0.05), 0.3), index=DAYS)
    return walcl, tga, rrp


@settings(max_examples=40, deadline=None)
@given(seeds, cuts)
def test_net_liquidity_ignores_the_future(seed: int, cut: int) -> None:
    walcl, tga, rrp = _liquidity_inputs(seed)
    day = DAYS[cut]
    full = net_liquidity(walcl, tga, rrp).loc[:day]
    truncated = net_liquidity(walcl.loc[:day], tga.loc[:day], rrp.loc[:day])
    pd.testing.assert_frame_equal(full, truncated, check_freq=False)


@settings(max_examples=40, deadline=None)
@given(seeds, cuts, st.integers(1, 15), st.sampled_from(["chg_4w", "chg_13w", "chg_52w"]))
def test_liquidity_regime_ignores_the_future(seed: int, cut: int, min_days: int, change: str) -> None:
    walcl, tga, rrp = _liquidity_inputs(seed)
    day = DAYS[cut]
    full = liquidity_regime(net_liquidity(walcl, tga, rrp), change=change, min_days=min_days).loc[:day]
    net = net_liquidity(walcl.loc[:day], tga.loc[:day], rrp.loc[:day])
    truncated = liquidity_regime(net, change=change, min_days=min_days)
    pd.testing.assert_series_equal(full, truncated, check_freq=False)


@settings(max_examples=40, deadline=None)
@given(seeds, cuts)
def test_known_rrp_ignores_later_publications(seed: int, cut: int) -> None:
    rng = np.random.default_rng(seed)
    dates = DAYS[(DAYS.day_of_week < 5) & (rng.random(len(DAYS)) < 0.6)]
    observations = pd.DataFrame(
        {"value": rng.uniform(0, 300, len(dates)), "available_at": available_at(dates, "same_afternoon")},
        index=dates.rename("date"),
    )
    day = DAYS[cut]
    full = known_rrp(observations, DAYS).loc[:day]
    published = observations[observations["available_at"] <= knowledge_cutoffs(pd.DatetimeIndex([day]))[0]]
    truncated = known_rrp(published, DAYS[: cut + 1])
    pd.testing.assert_series_equal(full, truncated, check_freq=False)


def _cascade_inputs(seed: int) -> CascadeInputs:
    rng = np.random.default_rng(seed)
    sessions = DAYS[(DAYS.day_of_week < 5) & (rng.random(len(DAYS)) < 0.97)]

    def exchange(start: float) -> pd.Series:
        # Closes on sessions, carried over the other days as on_days would.
        closes = pd.Series(_walk(rng, start, 0.01, len(sessions)), index=sessions)
        return closes.reindex(DAYS).ffill(limit=4)

    alts = pd.DataFrame({f"ALT{i}": _with_gaps(rng, _walk(rng, 1.0, 0.05), 0.02) for i in range(4)}, index=DAYS)
    return CascadeInputs(
        gspc=exchange(3000),
        rut=exchange(1500),
        btc=pd.Series(_walk(rng, 10_000, 0.03), index=DAYS),
        eth=pd.Series(_walk(rng, 500, 0.04), index=DAYS),
        alts=alts,
        dgs10=pd.Series(2.0 + np.cumsum(rng.normal(0, 0.03, len(DAYS))), index=DAYS),
        hy_spread=pd.Series(_walk(rng, 4.0, 0.02), index=DAYS),
        sessions=sessions,
    )


@settings(max_examples=30, deadline=None)
@given(seeds, cuts, st.integers(1, 8))
def test_cascade_ignores_the_future(seed: int, cut: int, min_days: int) -> None:
    inputs = _cascade_inputs(seed)
    params = CascadeParams(
        long_window=40,
        short_window=10,
        rs_window=10,
        ratio_window=10,
        alt_window=10,
        yield_lookback_days=30,
        yield_rise_max=0.2,
        credit_mean_days=60,
        credit_lookback_days=10,
        min_days=min_days,
    )
    day = DAYS[cut]
    full = cascade(inputs, params).loc[:day]
    sessions = inputs.sessions
    assert sessions is not None
    truncated_inputs = CascadeInputs(
        gspc=inputs.gspc.loc[:day],
        rut=inputs.rut.loc[:day],
        btc=inputs.btc.loc[:day],
        eth=inputs.eth.loc[:day],
        alts=inputs.alts.loc[:day],
        dgs10=inputs.dgs10.loc[:day],
        hy_spread=inputs.hy_spread.loc[:day],
        sessions=sessions[sessions <= day],
    )
    truncated = cascade(truncated_inputs, params)
    pd.testing.assert_frame_equal(full, truncated, check_freq=False)


@settings(max_examples=40, deadline=None)
@given(seeds, cuts)
def test_anything_but_crypto_ignores_the_future(seed: int, cut: int) -> None:
    rng = np.random.default_rng(seed)
    closes = [pd.Series(_with_gaps(rng, _walk(rng, 100, 0.02), 0.05), index=DAYS) for _ in range(4)]
    day = DAYS[cut]
    full = anything_but_crypto(*closes).loc[:day]
    truncated = anything_but_crypto(*(c.loc[:day] for c in closes))
    pd.testing.assert_frame_equal(full, truncated, check_freq=False)


@settings(max_examples=60, deadline=None)
@given(seeds, cuts, st.floats(0.05, 0.5))
def test_turning_points_confirmed_by_a_date_ignore_the_future(seed: int, cut: int, threshold: float) -> None:
    rng = np.random.default_rng(seed)
    close = pd.Series(_walk(rng, 100, 0.04), index=DAYS)
    day = DAYS[cut]
    full = turning_points(close, threshold=threshold)
    known = full[full["confirmed"] <= day].reset_index(drop=True)
    truncated = turning_points(close.loc[:day], threshold=threshold)
    pd.testing.assert_frame_equal(known, truncated)
