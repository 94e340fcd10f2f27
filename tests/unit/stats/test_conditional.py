"""Conditional studies on synthetic regimes with known answers: size near nominal, effects found."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from riskcurve.errors import InsufficientDataWarning
from riskcurve.stats.bootstrap import stationary_bootstrap_indices
from riskcurve.stats.conditional import (
    MIN_SPELLS,
    VERDICT_CODES,
    ConditionalResult,
    ConditionalStudy,
    _bootstrap_differences,
    rotation_p_value,
    state_on_bars,
)
from riskcurve.stats.event_study import EventStudy
from riskcurve.stats.forward import forward_returns


def _regimes(n: int, mean_spell: float, rng: np.random.Generator) -> np.ndarray:
    """A two-state Markov chain with geometric spells of mean ``mean_spell`` bars."""
    flips = rng.random(n) < 1.0 / mean_spell
    return ((np.cumsum(flips) + rng.integers(2)) % 2).astype(bool)


def _simulate(
    seed: int, *, n: int = 2000, mean_spell: float = 60, drift: float = 0.0, vol_ratio: float = 1.0
) -> tuple[pd.Series, pd.Series]:
    """Closes and a persistent state; ``drift`` per bar is earned while the state (known a bar earlier) holds.

    With ``vol_ratio`` != 1 the returns are ``vol_ratio`` times more volatile in the state, with
    the same (zero) mean: shared volatility, no effect.
    """
    rng = np.random.default_rng(seed)
    state = _regimes(n, mean_spell, rng)
    sd = np.where(state, 0.01 * vol_ratio, 0.01)
    returns = rng.normal(0.0, 1.0, n) * sd
    # Bar t's state is known at its close; the trade enters at t + 1, earning from bar t + 2 on.
    returns[2:] += drift * state[:-2]
    index = pd.date_range("2000-01-01", periods=n, freq="D", name="date")
    close = pd.Series(100.0 * np.exp(np.cumsum(returns)), index=index, name="SYN")
    return close, pd.Series(state, index=index, name="state")


def _rotation_rejections(seeds: range, h: int, **kwargs: float) -> int:
    rejections = 0
    for seed in seeds:
        close, state = _simulate(seed, **kwargs)  # type: ignore[arg-type]
        forward = forward_returns(close, [h])[h].to_numpy()
        ok = np.isfinite(forward)
        rejections += rotation_p_value(forward[ok], state.to_numpy()[ok]) < 0.05
    return rejections


# 600 independent runs: the Monte Carlo standard error of a 5% rate is sqrt(0.05 * 0.95 / 600) =
# 0.9 percentage points; the bounds are the binomial 99.9% interval at 5% (14..47 of 600).
RUNS = 600
LOW, HIGH = stats.binom.ppf([0.0005, 0.9995], RUNS, 0.05)


def test_size_is_nominal_on_independent_persistent_regimes() -> None:
    """State and returns independent, spells of 60 bars (about 33 per run): rejects ~5% (MC error 0.9 pt)."""
    rejections = _rotation_rejections(range(50_000, 50_000 + RUNS), 21)
    assert LOW <= rejections <= HIGH


def test_shared_volatility_does_not_inflate_the_test() -> None:
    """Three times the volatility in the state and no difference in mean: still ~5% (MC error 0.9 pt)."""
    rejections = _rotation_rejections(range(70_000, 70_000 + RUNS), 5, vol_ratio=3.0)
    assert LOW <= rejections <= HIGH


def test_naive_iid_test_would_over_reject_on_the_same_data() -> None:
    # The reason for the rotation test: Welch's t on overlapping 21-bar returns, as if every bar
    # were independent, rejects far more often than 5% on the same null data.
    naive = 0
    for seed in range(50_000, 50_200):
        close, state = _simulate(seed)
        forward = forward_returns(close, [21])[21].to_numpy()
        ok = np.isfinite(forward)
        flags = state.to_numpy()[ok]
        naive += stats.ttest_ind(forward[ok][flags], forward[ok][~flags], equal_var=False).pvalue < 0.05
    assert naive > 0.3 * 200


def test_injected_effect_is_detected() -> None:
    """+0.3% a bar while the state holds: found at both horizons in nearly every run, with the right sign."""
    detected = 0
    runs = 40
    for seed in range(runs):
        close, state = _simulate(90_000 + seed, drift=0.003)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InsufficientDataWarning)
            result = ConditionalStudy(close, state, horizons=(5, 21), reps=100, seed=seed).run()
        frame = result.to_frame()
        assert (frame["difference"] > 0).all()
        detected += result.verdict_code == "above_baseline"
    assert detected >= 0.9 * runs


def test_negative_effect_reads_below_and_the_interval_covers_it() -> None:
    close, state = _simulate(3, n=4000, drift=-0.004)
    result = ConditionalStudy(close, state, horizons=(21,), reps=400, seed=1).run()
    row = result.to_frame().iloc[0]
    assert row["verdict_code"] == "below_baseline" and result.verdict_code == "below_baseline"
    assert row["ci_low"] < row["difference"] < row["ci_high"] < 0
    assert "lower while the state holds" in row["verdict"]


def test_numbers_match_a_hand_computation() -> None:
    index = pd.date_range("2024-01-01", periods=12, freq="D", name="date")
    close = pd.Series([100, 101, 103, 102, 105, 107, 106, 104, 108, 110, 109, 111], index=index, name="X", dtype=float)
    # Known at the end of each day; unknown on the first two.
    state = pd.Series([np.nan, np.nan, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0], index=index, dtype=object)
    with pytest.warns(InsufficientDataWarning):
        result = ConditionalStudy(close, state, horizons=(2,), reps=50, seed=0).run()
    row = result.to_frame().iloc[0]
    forward = np.log(close.shift(-3) / close.shift(-1)).to_numpy()  # entry t+1, exit t+3
    on = state.to_numpy()
    measured = [t for t in range(12) if not pd.isna(on[t]) and np.isfinite(forward[t])]
    inside = [forward[t] for t in measured if on[t] == 1]
    outside = [forward[t] for t in measured if on[t] == 0]
    assert (row["n_in"], row["n_out"]) == (len(inside), len(outside)) == (5, 2)
    assert row["mean_in"] == pytest.approx(np.mean(inside))
    assert row["mean_out"] == pytest.approx(np.mean(outside))
    assert row["difference"] == pytest.approx(np.mean(inside) - np.mean(outside))
    # Measured bars 2..8: states 1 1 1 0 0 1 1 -> spells in 2, out 1.
    assert (row["spells_in"], row["spells_out"]) == (2, 1)
    assert row["verdict_code"] == "too_few_events" and result.verdict_code == "too_few_events"


def test_state_is_read_as_known_and_not_carried_forever() -> None:
    state = pd.Series([1.0, 0.0], index=pd.DatetimeIndex(["2024-01-05", "2024-01-08"]))  # Friday, Monday
    bars = pd.date_range("2024-01-04", "2024-01-20", freq="D")
    values = state_on_bars(state, bars, max_delay_days=7)
    # Thursday before anything is known: NaN; the weekend takes Friday's value; Monday's from Monday on;
    # more than 7 days after the last value: unknown.
    assert math.isnan(values[0])
    assert values[1:4].tolist() == [1.0, 1.0, 1.0]
    assert values[4] == 0.0
    assert values[bars.get_loc(pd.Timestamp("2024-01-15"))] == 0.0
    assert math.isnan(values[bars.get_loc(pd.Timestamp("2024-01-16"))])


def test_no_look_ahead_truncating_the_future_does_not_change_the_past() -> None:
    # A bar's measured forward return depends only on its state as known then: cutting the state
    # after day d leaves every bar up to d with the same state.
    close, state = _simulate(11, n=600)
    full = state_on_bars(state.astype(float), pd.DatetimeIndex(close.index))
    cut = state.astype(float).iloc[:300]
    partial = state_on_bars(cut, pd.DatetimeIndex(close.index))
    assert np.array_equal(full[:300], partial[:300])


def test_codes_are_the_event_studys() -> None:
    assert set(VERDICT_CODES) == {"no_events", "too_few_events", "chance", "above_baseline", "below_baseline", "mixed"}
    close, _ = _simulate(5, n=400)
    never = pd.Series(False, index=close.index)
    result = ConditionalStudy(close, never, horizons=(5,), reps=50, seed=1).run()
    assert result.verdict_code == "no_events" and result.to_frame()["verdict_code"].tolist() == ["no_events"]
    # A state with 2 spells: too few.
    two = pd.Series(np.arange(400) // 100 % 2 == 0, index=close.index)
    with pytest.warns(InsufficientDataWarning, match=f"fewer than {MIN_SPELLS} spells"):
        few = ConditionalStudy(close, two, horizons=(5,), reps=50, seed=1).run()
    assert few.verdict_code == "too_few_events"
    # The event study reports the same code vocabulary for its verdicts.
    events = close.index[[50, 150, 250]]
    with pytest.warns(InsufficientDataWarning):
        study = EventStudy(events, close, horizons=(5,), reps=50, seed=1).run()
    assert set(study.table["verdict_code"]) <= set(VERDICT_CODES)


def test_reproducible_frame_and_json_schema() -> None:
    close, state = _simulate(8, n=1500)
    first = ConditionalStudy(close, state, horizons=(21, 63), reps=100, seed=4, name="demo").run()
    second = ConditionalStudy(close, state, horizons=(21, 63), reps=100, seed=4, name="demo").run()
    pd.testing.assert_frame_equal(first.to_frame(), second.to_frame())
    assert isinstance(first, ConditionalResult)
    frame = first.to_frame()
    assert list(frame.columns[:15]) == [
        "horizon",
        "n_in",
        "n_out",
        "spells_in",
        "spells_out",
        "mean_in",
        "mean_out",
        "difference",
        "ci_low",
        "ci_high",
        "p_two_sided",
        "p_holm",
        "mde",
        "verdict_code",
        "verdict",
    ]
    payload = json.loads(json.dumps(first.to_dict(), allow_nan=False))
    assert payload["schema"] == "riskcurve.conditional_study/1" and payload["seed"] == 4
    assert payload["verdict_code"] in VERDICT_CODES and payload["results"][0]["horizon"] == 21
    assert "rotation test" in payload["methods"]["test"]
    assert "Verdict: demo -> SYN" in first.summary()
    # Holm across the two horizons.
    p = frame["p_two_sided"].to_numpy()
    assert frame["p_holm"].to_numpy() == pytest.approx(
        np.minimum(1, np.maximum.accumulate(np.sort(p) * [2, 1]))[np.argsort(np.argsort(p))]
    )


def test_rotation_p_value_matches_a_loop() -> None:
    rng = np.random.default_rng(2)
    values = rng.normal(size=60)
    flags = _regimes(60, 6, rng)
    stats_ = []
    for k in range(60):
        rolled = np.roll(flags, k)
        a, b = values[rolled], values[~rolled]
        stats_.append(abs(a.mean() - b.mean()) / math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)))
    expected = np.mean(np.asarray(stats_) >= stats_[0] - 1e-9)
    assert rotation_p_value(values, flags) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"state": "x"}, TypeError, "state must be a pandas Series"),
        ({"state": pd.Series([1.0, 2.0], index=pd.date_range("2024-01-01", periods=2))}, ValueError, "True, False"),
        ({"reps": 5}, ValueError, "reps must be"),
        ({"alpha": 0.7}, ValueError, "alpha must be"),
        ({"horizons": (0,)}, ValueError, "horizons"),
    ],
)
def test_validation(kwargs: dict, error: type, match: str) -> None:  # type: ignore[type-arg]
    close, state = _simulate(1, n=100)
    arguments = {"target": close, "state": state, **kwargs}
    with pytest.raises(error, match=match):
        ConditionalStudy(**arguments)


def test_interval_is_the_rotation_test_inverted() -> None:
    close, state = _simulate(21, n=1500, drift=0.001)
    result = ConditionalStudy(close, state, horizons=(5, 21), reps=100, seed=2).run()
    forward = forward_returns(close, [5, 21])
    for h, row in result.table.iterrows():
        values = forward[h].to_numpy()
        ok = np.isfinite(values)
        flags = state.to_numpy()[ok]
        v = values[ok]
        # Inside the interval the shifted returns are not rejected; just outside they are.
        width = row["ci_high"] - row["ci_low"]
        assert rotation_p_value(v - row["difference"] * flags, flags) == 1.0
        for bound, outward in ((row["ci_low"], -1), (row["ci_high"], 1)):
            assert rotation_p_value(v - (bound - outward * 1e-3 * width) * flags, flags) >= 0.05
            assert rotation_p_value(v - (bound + outward * 1e-3 * width) * flags, flags) < 0.05
        # The interval excludes 0 exactly when the (unadjusted) p-value is below alpha.
        assert (row["ci_low"] > 0 or row["ci_high"] < 0) == (row["p_two_sided"] < 0.05)
        assert row["boot_low"] < row["difference"] < row["boot_high"]


def test_bootstrap_differences_match_the_plain_reading() -> None:
    # The resampled differences come from prefix sums block by block; materialising each resample
    # and masking it (the plain reading of the statistic) must agree to rounding for the same seed.
    rng = np.random.default_rng(3)
    n, reps, block = 700, 300, 9.0
    values = rng.standard_normal(n)
    flags = np.sin(np.arange(n) / 25.0) > 0.2
    idx = stationary_bootstrap_indices(n, reps, block, seed=np.random.default_rng(11))
    inside, drawn = flags[idx], values[idx]
    sum_in = np.where(inside, drawn, 0.0).sum(axis=1)
    count_in = inside.sum(axis=1)
    expected = sum_in / count_in - (drawn.sum(axis=1) - sum_in) / (n - count_in)
    got = _bootstrap_differences(values, flags, reps, block, np.random.default_rng(11))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


# -- contemporaneous timing: the target's move over the same span as the state ------------------


def _rotation_rejections_contemporaneous(seeds: range, h: int) -> int:
    rejections = 0
    for seed in seeds:
        close, state = _simulate(seed)
        log_close = np.log(close.to_numpy())
        past = np.full(len(log_close), np.nan)
        past[h:] = log_close[h:] - log_close[:-h]
        ok = np.isfinite(past)
        rejections += rotation_p_value(past[ok], state.to_numpy()[ok]) < 0.05
    return rejections


def test_contemporaneous_returns_end_on_the_states_bar() -> None:
    index = pd.date_range("2024-01-01", periods=80, freq="D", name="date")
    close = pd.Series(100.0 * np.exp(np.arange(80) * 0.01), index=index, name="SYN")
    close.iloc[20:] *= 1.5
    state = pd.Series(np.arange(80) % 10 < 5, index=index)
    result = ConditionalStudy(close, state, horizons=(3,), reps=50, seed=1, timing="contemporaneous").run()
    past = np.log(close / close.shift(3)).to_numpy()
    flags = state.to_numpy()
    ok = np.isfinite(past)
    row = result.to_frame().iloc[0]
    assert row["mean_in"] == pytest.approx(past[ok & flags].mean())
    assert row["mean_out"] == pytest.approx(past[ok & ~flags].mean())
    assert result.to_dict()["timing"] == "contemporaneous"
    with pytest.raises(ValueError, match="timing"):
        ConditionalStudy(close, state, timing="later")


def test_contemporaneous_size_is_nominal_on_independent_regimes() -> None:
    """The same null as the predictive test, paired over the same span: rejects ~5% (MC error 0.9 pt)."""
    rejections = _rotation_rejections_contemporaneous(range(110_000, 110_000 + RUNS), 21)
    assert LOW <= rejections <= HIGH


def test_contemporaneous_reading_finds_a_same_day_move_the_predictive_one_cannot() -> None:
    """The target falls on the days the state holds (sold while risk is off): seen at once, not after."""
    found = {"contemporaneous": 0, "predictive": 0}
    runs = 30
    for seed in range(runs):
        rng = np.random.default_rng(130_000 + seed)
        n = 1500
        state = _regimes(n, 3.0, rng)  # short spells: today's state says little about next week
        returns = rng.normal(0.0, 0.01, n) - 0.004 * state
        index = pd.date_range("2000-01-01", periods=n, freq="D", name="date")
        close = pd.Series(100.0 * np.exp(np.cumsum(returns)), index=index, name="SYN")
        flags = pd.Series(state, index=index)
        for timing in found:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", InsufficientDataWarning)
                result = ConditionalStudy(close, flags, horizons=(1,), reps=100, seed=seed, timing=timing).run()
            found[timing] += result.verdict_code == "below_baseline"
    assert found["contemporaneous"] >= 0.9 * runs
    assert found["predictive"] <= 0.2 * runs


def test_power_at_the_stated_mde_is_about_80_percent() -> None:
    """The MDE is the effect the rotation test sees 80% of the time (400 runs; the 1,000-run table is
    benchmarks/calibrate_mde.py and docs/claims.md). The bootstrap MDE it replaces saw it ~70%."""
    from riskcurve.stats.conditional import rotation_mde

    runs, detected = 400, 0
    for seed in range(runs):
        close, state = _simulate(140_000 + seed)
        forward = forward_returns(close, [21])[21].to_numpy()
        ok = np.isfinite(forward)
        values, flags = forward[ok], state.to_numpy()[ok]
        mde, se_rotation = rotation_mde(values, flags, 0.05)
        assert mde > 0 and se_rotation > 0
        detected += rotation_p_value(values + mde * flags, flags) < 0.05
    # Binomial 99.9% band around 80% at 400 runs: about +-6.5 points.
    assert 0.735 <= detected / runs <= 0.865
