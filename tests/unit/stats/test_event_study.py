"""Event studies on synthetic data with known answers: planted effects found, none invented."""

from __future__ import annotations

import json
import math
import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import signal, stats
from statsmodels.stats.proportion import proportion_confint

from riskcurve.errors import InsufficientDataWarning
from riskcurve.stats import event_study
from riskcurve.stats.bootstrap import spaced_placements
from riskcurve.stats.event_study import EventStudy, EventStudyResult, select_transitions, study_signal
from riskcurve.stats.forward import forward_returns


def _ar1_returns(n: int, phi: float, sd: float, rng: np.random.Generator) -> np.ndarray:
    return signal.lfilter([1.0], [1.0, -phi], rng.normal(0.0, sd, n))


def _prices(returns: np.ndarray, name: str = "SYN") -> pd.Series:
    index = pd.date_range("2000-01-01", periods=len(returns), freq="D", name="date")
    return pd.Series(100.0 * np.exp(np.cumsum(returns)), index=index, name=name)


def _planted(seed: int, jump: float, *, n: int = 4000, k: int = 16, spacing: int = 126, window: int = 21):
    """AR(1) returns; after each event, ``jump`` (log) is added evenly over the first ``window`` bars after entry."""
    rng = np.random.default_rng(seed)
    noise = _ar1_returns(n, 0.1, 0.01, rng)
    positions = spaced_placements(n - 1 - spacing, k, spacing, 1, seed=rng)[0]
    drift = np.zeros(n)
    for p in positions:
        # Event row p enters at bar p + 1; the first return counted is bar p + 2's.
        drift[p + 2 : p + 2 + window] += jump / window
    close = _prices(noise + drift)
    return close, close.index[positions], _prices(drift, "DRIFT")


def _run(*args, **kwargs) -> EventStudyResult:  # type: ignore[no-untyped-def]
    return EventStudy(*args, **kwargs).run()


@pytest.mark.parametrize("jump", [0.15, -0.15])
def test_planted_effect_is_recovered(jump: float) -> None:
    close, events, drift = _planted(seed=1, jump=jump)
    result = _run(events, close, horizons=(21, 63), reps=999, seed=2, min_spacing=126)
    table = result.to_frame()
    assert (table["n"] == 16).all()
    # The exact difference the plant creates: events carry the whole jump, and the baseline
    # (every day, events included) carries part of it too.
    plant = forward_returns(drift, [21, 63])
    for h in (21, 63):
        row = table.loc[h]
        rows = [drift.index.get_loc(d) for d in events]
        truth = plant[h].iloc[rows].mean() - plant[h].iloc[: len(close) - 1 - h].mean()
        assert plant[h].iloc[rows].mean() == pytest.approx(jump)
        assert row["ci_low"] < truth < row["ci_high"]
        assert abs(row["difference"] - truth) < 3 * row["se"]
        assert row["p_two_sided"] < 0.01
        if jump > 0:
            assert row["p_greater"] < 0.01 and row["p_less"] > 0.99
            assert row["verdict_code"] == "above_baseline" and "higher than after random days" in row["verdict"]
        else:
            assert row["p_less"] < 0.01 and row["p_greater"] > 0.99
            assert row["verdict_code"] == "below_baseline"
    assert "differ from random days at 21 bars" in result.verdict


def test_no_effect_false_positive_rate_is_nominal() -> None:
    """Over 200 seeds with nothing planted, p < 5% about 5% of the time (binomial 99.9% band)."""
    seeds = 200
    rejections = 0
    misses = 0
    p_values = []
    for seed in range(seeds):
        close, events, _ = _planted(seed=1000 + seed, jump=0.0, n=1200, k=8, spacing=63)
        result = _run(events, close, horizons=(21,), reps=199, seed=seed, min_spacing=63, block_length=30.0)
        row = result.table.loc[21]
        p_values.append(row["p_two_sided"])
        rejections += row["p_two_sided"] < 0.05
        misses += not (row["ci_low"] <= 0 <= row["ci_high"])
    low, high = stats.binom.ppf([0.0005, 0.9995], seeds, 0.05)
    assert low <= rejections <= high
    # The bootstrap interval misses 0 about as often (its shift model is an approximation).
    assert misses <= high
    # p-values roughly uniform: neither piled up near 0 nor near 1.
    assert 0.35 < np.median(p_values) < 0.65
    assert stats.kstest(p_values, "uniform").pvalue > 0.001


def test_per_horizon_verdicts_hold_their_level_across_horizons() -> None:
    """Under no effect, no per-horizon row says "above/below baseline" in more than ~5% of runs.

    Four horizons are tested on the same events; judged on raw p-values some row claims a
    difference in 12-14% of runs. With the Holm adjustment the chance that *any* row claims one
    (the family-wise rate) is at most alpha. 200 runs: Monte Carlo standard error
    sqrt(0.05 * 0.95 / 200) = 1.5 points; the bound is the binomial 99.9% quantile at 5% (20/200).
    """
    seeds, horizons = 200, (10, 21, 42, 63)
    any_claim = 0
    raw_claim = 0
    per_row = np.zeros(len(horizons))
    for seed in range(seeds):
        close, events, _ = _planted(seed=5000 + seed, jump=0.0, n=1500, k=10, spacing=63)
        result = _run(events, close, horizons=horizons, reps=199, seed=seed, min_spacing=63, block_length=30.0)
        table = result.table
        claims = table["verdict_code"].isin(["above_baseline", "below_baseline"]).to_numpy()
        per_row += claims
        any_claim += bool(claims.any())
        raw = (table["p_two_sided"] < 0.05) & ((table["ci_low"] > 0) | (table["ci_high"] < 0))
        raw_claim += bool(raw.any())
        # A row never claims what the overall line does not.
        assert claims.any() == ("differ from random days" in result.verdict)
    high = stats.binom.ppf(0.999, seeds, 0.05)
    assert any_claim <= high
    assert (per_row <= high).all()
    # The unadjusted rows would have claimed more often (the bug this guards against).
    assert raw_claim > any_claim


def _small() -> tuple[pd.Series, pd.DatetimeIndex]:
    rng = np.random.default_rng(7)
    close = _prices(_ar1_returns(900, 0.0, 0.02, rng))
    events = close.index[[100, 110, 400, 880]]
    return close, events


def test_too_few_events_warns_and_says_so_in_numbers_and_words() -> None:
    close, events = _small()
    with pytest.warns(InsufficientDataWarning, match="fewer than 5 events"):
        result = _run(events, close, horizons=(21, 63), reps=199, seed=1)
    table = result.table
    # 110 is within 63 bars of 100 (de-clustered); 880 is too recent for both horizons.
    assert result.event_table.loc[events[1], "status"] == "declustered"
    assert table["n"].tolist() == [2, 2] and table["n_too_recent"].tolist() == [1, 1]
    assert table["verdict_code"].eq("too_few_events").all()
    assert "2 events (1 event too recent for 63 bars)" in table.loc[63, "verdict"]
    assert "too few events to conclude" in table.loc[21, "verdict"]
    assert result.verdict.endswith("the numbers are shown, not evidence.")
    assert "too few events to conclude" in result.verdict
    assert np.isfinite(table[["mean", "ci_low", "ci_high", "p_two_sided", "mde"]].to_numpy()).all()
    assert result.warnings and "2 at 21 bars" in result.warnings[0]
    assert "Verdict: " in result.summary() and "1 de-clustered" in result.summary()


def test_no_events_with_a_full_horizon() -> None:
    close, _ = _small()
    with pytest.warns(InsufficientDataWarning):
        result = _run(close.index[[890]], close, horizons=(21,), reps=50, seed=1)
    row = result.table.loc[21]
    assert row["n"] == 0 and row["n_too_recent"] == 1 and row["verdict_code"] == "no_events"
    assert math.isnan(row["p_two_sided"]) and math.isnan(row["p_holm"])
    assert "no event with a full horizon" in result.verdict


def test_statistics_match_hand_computation() -> None:
    rng = np.random.default_rng(11)
    close = _prices(_ar1_returns(2500, 0.05, 0.015, rng))
    rows = [50, 400, 700, 1000, 1300, 1600, 1900]
    result = _run(close.index[rows], close, horizons=(21, 63), reps=500, seed=3, min_spacing=200, alpha=0.1)
    fwd = np.log(close.shift(-64) / close.shift(-1))
    events = fwd.iloc[rows]
    baseline = fwd.dropna()
    row = result.table.loc[63]
    assert row["n"] == 7 and row["baseline_n"] == len(baseline)
    assert row["mean"] == pytest.approx(events.mean())
    assert row["median"] == pytest.approx(events.median())
    assert row["std"] == pytest.approx(events.std())
    assert row["baseline_mean"] == pytest.approx(baseline.mean())
    assert row["baseline_hit_rate"] == pytest.approx((baseline > 0).mean())
    hits = int((events > 0).sum())
    assert row["hit_rate"] == pytest.approx(hits / 7)
    assert (row["hit_low"], row["hit_high"]) == pytest.approx(proportion_confint(hits, 7, alpha=0.1, method="wilson"))
    exact = proportion_confint(hits, 7, alpha=0.1, method="beta")
    assert (row["hit_low_exact"], row["hit_high_exact"]) == pytest.approx(exact)
    # Windows 300+ bars apart do not overlap: n_eff = n.
    assert row["n_eff"] == pytest.approx(7.0)
    # The MDE is read off the same permutation null the p-value uses, at alpha / 2 (Holm's first
    # step over the two horizons): the same placements, drawn again from the horizon's stream.
    perm_rng, _ = event_study._streams(np.random.SeedSequence(3), 63)
    placements = spaced_placements(len(baseline), 7, 200, 500, seed=perm_rng)
    null = baseline.to_numpy()[placements].mean(axis=1)
    assert row["mde"] == pytest.approx(event_study.permutation_mde(null, 0.1 / 2))
    # Near the normal formula at that level for a mean of 7 nearly normal, independent windows.
    z = stats.norm.ppf(1 - 0.1 / 4) + stats.norm.ppf(0.8)
    assert row["mde"] == pytest.approx(z * baseline.std() / math.sqrt(7), rel=0.15)
    assert row["block_length"] >= 63
    assert row["ci_low"] < row["difference"] < row["ci_high"]
    assert 1 / 501 <= row["p_two_sided"] <= 1
    simple = _run(close.index[rows], close, horizons=(63,), reps=100, seed=3, min_spacing=200, kind="simple")
    assert simple.table.loc[63, "mean"] == pytest.approx((np.exp(events) - 1).mean())


def test_overlapping_windows_reduce_the_effective_count() -> None:
    rng = np.random.default_rng(12)
    close = _prices(_ar1_returns(1500, 0.0, 0.01, rng))
    rows = [100, 110, 120, 600, 610, 1000]
    result = _run(close.index[rows], close, horizons=(20,), reps=200, seed=1, min_spacing=10)
    row = result.table.loc[20]
    assert row["n"] == 6
    # Pairs 10 bars apart share half their 20-bar windows; pairs 20 apart share none.
    expected = 36 / (6 + 2 * (0.5 + 0.5 + 0.5))
    assert row["n_eff"] == pytest.approx(expected)


def test_reproducible_and_seed_recorded() -> None:
    close, events = _small()
    kwargs = {"horizons": (21,), "reps": 200, "min_spacing": 5}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsufficientDataWarning)
        first = _run(events, close, seed=5, **kwargs)
        again = _run(events, close, seed=5, **kwargs)
        other = _run(events, close, seed=6, **kwargs)
        fresh = _run(events, close, seed=None, **kwargs)
        replay = _run(events, close, seed=fresh.seed, **kwargs)
        # A horizon's numbers do not depend on which other horizons are asked for.
        wider = _run(events, close, seed=5, **{**kwargs, "horizons": (5, 21)})
    assert first.to_dict() == again.to_dict()
    assert first.table.loc[21, "ci_low"] != other.table.loc[21, "ci_low"]
    assert isinstance(fresh.seed, int) and replay.to_dict()["results"] == fresh.to_dict()["results"]
    assert wider.table.loc[21, "ci_low"] == first.table.loc[21, "ci_low"]
    assert wider.table.loc[21, "p_two_sided"] == first.table.loc[21, "p_two_sided"]


def test_to_dict_is_json_and_complete() -> None:
    close, events = _small()
    with pytest.warns(InsufficientDataWarning):
        result = _run(events.append(pd.DatetimeIndex(["1990-01-01"])), close, horizons=(21,), reps=100, seed=1)
    payload = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert payload["schema"] == "riskcurve.event_study/1"
    assert payload["events"]["before_target"] == ["1990-01-01"]
    assert payload["events"]["declustered"] == [events[1].date().isoformat()]
    assert payload["min_spacing"] == 21 and payload["seed"] == 1
    keys = {"n", "mean", "median", "hit_rate", "hit_low", "baseline_mean", "difference", "ci_low", "ci_high"}
    assert keys | {"p_two_sided", "p_greater", "p_holm", "mde", "verdict"} <= set(payload["results"][0])
    first = payload["event_returns"][1]
    assert first["date"] == events[0].date().isoformat() and first["status"] == "ok"
    assert first["entry"] == close.index[101].date().isoformat()
    assert first["entry_close"] == pytest.approx(close.iloc[101])
    assert first["return_21"] == pytest.approx(math.log(close.iloc[122] / close.iloc[101]))


def test_paths_and_band() -> None:
    close, events = _small()
    with pytest.warns(InsufficientDataWarning):
        result = _run(events, close, horizons=(21, 63), reps=50, seed=1)
    paths = result.paths()
    assert paths.shape == (64, 3) and list(paths.columns) == list(result.measured)
    assert (paths.iloc[0] == 0).all()
    assert paths.loc[21, events[0]] == pytest.approx(result.event_table.loc[events[0], "return_21"])
    assert paths[events[3]].notna().sum() == len(close) - 881  # entry bar 881 through the last bar
    band = result.baseline_band((0.1, 0.9), max_horizon=30)
    assert band.shape == (31, 2) and (band[0.1] <= band[0.9]).all()
    with pytest.raises(ValueError, match="quantiles"):
        result.baseline_band((1.5,))
    with pytest.raises(ValueError, match="max_horizon"):
        result.paths(0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"reps": 5}, ValueError, "reps must be"),
        ({"alpha": 0.7}, ValueError, "alpha must be"),
        ({"min_spacing": 0}, ValueError, "min_spacing must be"),
        ({"block_length": 0.5}, ValueError, "block_length must be"),
        ({"seed": 1.5}, TypeError, "seed must be"),
        ({"kind": "pct"}, ValueError, "kind must be"),
        ({"horizons": (0,)}, ValueError, "horizons"),
        ({"events": pd.DataFrame(index=pd.DatetimeIndex(["2000-02-01"]))}, TypeError, "frame.index"),
        ({"events": ["yesterday-ish"]}, TypeError, "events must be dates"),
        ({"target": [1.0, 2.0]}, TypeError, "target must be a pandas Series"),
    ],
)
def test_validation(kwargs: dict, error: type, match: str) -> None:
    close, events = _small()
    arguments = {"events": events, "target": close, **kwargs}
    with pytest.raises(error, match=match):
        EventStudy(**arguments)


class _FakeData:
    """The parts of MarketData study_signal uses, over in-memory bars."""

    # Signals are cached per store file; an in-memory store is never cached.
    store = SimpleNamespace(path=":memory:", kind=lambda symbol: "price")
    as_of = pd.Timestamp("2006-12-31")

    def __init__(self, bars: dict[str, pd.DataFrame]) -> None:
        self._bars = bars

    def require(self, *symbols: str) -> None:
        missing = [s for s in symbols if s not in self._bars]
        if missing:
            raise ValueError(f"the store lacks {', '.join(missing)}")

    def bars(self, symbol: str) -> pd.DataFrame:
        return self._bars[symbol]

    def close(self, symbol: str) -> pd.Series:
        return self._bars[symbol]["close"].rename(symbol)


def test_study_signal_takes_events_from_the_registry() -> None:
    sessions = pd.bdate_range("2000-01-03", periods=1400, name="date")
    # Rises to a high at 100, sags for 400 sessions, breaks out at 600, sags again, breaks out at 1100.
    level = np.concatenate([np.linspace(100, 200, 101), np.linspace(199, 150, 499), np.linspace(201, 180, 500)])
    level = np.concatenate([level, np.linspace(202, 260, 300)])
    index_bars = pd.DataFrame({"close": level}, index=sessions)
    rng = np.random.default_rng(3)
    days = pd.date_range("2000-01-01", "2006-12-31", name="date")
    crypto = pd.DataFrame({"close": _prices(_ar1_returns(len(days), 0.0, 0.03, rng)).to_numpy()}, index=days)
    data = _FakeData({"IDX": index_bars, "COIN": crypto})
    with pytest.warns(InsufficientDataWarning):
        result = study_signal(
            data, "breakout", "IDX", "COIN", parameters={"min_base": 300}, horizons=(30,), reps=100, seed=1
        )
    assert list(result.measured) == [sessions[600], sessions[1100]]
    assert result.study.name == "breakout:IDX" and result.study.target_name == "COIN"
    # A Friday/any session event enters at the next calendar day's close on the crypto target.
    entry = result.event_table.loc[sessions[600], "entry"]
    assert entry == sessions[600] + pd.Timedelta(days=1)
    with pytest.raises(ValueError, match="lacks NOPE"):
        study_signal(data, "breakout", "IDX", "NOPE")


def test_a_set_mixing_directions_is_refused_or_split() -> None:
    dates = pd.to_datetime(["2020-01-06", "2020-04-01", "2020-09-01", "2021-02-01"])
    events = pd.DataFrame({"transition": ["to_expanding", "to_contracting", "to_expanding", "to_flat"]}, index=dates)
    with pytest.raises(ValueError, match=r"liquidity events mix directions: to_contracting \(1\), to_expanding \(2\)"):
        select_transitions(events, "liquidity", None, mixed=False)
    kept = select_transitions(events, "liquidity", "TO_EXPANDING", mixed=False)
    assert list(kept.index) == [dates[0], dates[2]]
    assert select_transitions(events, "liquidity", None, mixed=True) is events
    with pytest.raises(ValueError, match="no 'to_nowhere' events; its transitions are to_contracting"):
        select_transitions(events, "liquidity", "to_nowhere", mixed=False)
    one_way = events[events["transition"] == "to_flat"]
    assert select_transitions(one_way, "liquidity", None, mixed=False) is one_way
    undirected = pd.DataFrame({"x": [1]}, index=dates[:1])
    assert select_transitions(undirected, "breakout", None, mixed=False) is undirected
    with pytest.raises(ValueError, match="have no directions"):
        select_transitions(undirected, "breakout", "to_lit", mixed=False)
