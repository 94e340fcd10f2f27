"""Lead-lag on synthetic data with known answers, and calendar alignment on hand examples."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.api import VAR
from statsmodels.tsa.stattools import grangercausalitytests

from riskcurve.errors import DataError, InsufficientDataWarning
from riskcurve.stats.leadlag import LeadLag, aligned_returns, cross_correlation, granger_causality

# -- synthetic data ------------------------------------------------------------------------


def _prices(returns: np.ndarray, index: pd.DatetimeIndex, name: str) -> pd.Series:
    return pd.Series(100.0 * np.exp(np.concatenate([[0.0], np.cumsum(returns)])), index=index, name=name)


def _planted(seed: int, periods: int = 600, delay: int = 3, beta: float = 0.6) -> tuple[pd.Series, pd.Series]:
    """Y's return is beta times X's return ``delay`` exchange days earlier, plus noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 0.01, periods + delay)
    y = beta * x[:-delay] + rng.normal(0.0, 0.01, periods)
    index = pd.bdate_range("2016-01-04", periods=periods + 1, name="date")
    return _prices(x[delay:], index, "X"), _prices(y, index, "Y")


@pytest.fixture(scope="module")
def planted() -> LeadLag:
    lead, lag = _planted(7)
    return LeadLag(lead, lag, freq="D", max_lag=6, reps=200, seed=1)


def test_planted_lead_is_found_with_its_delay(planted: LeadLag) -> None:
    result = planted.run()
    assert result.peak.k == 3
    assert result.peak.corr > 0.4
    assert result.peak.outside_white and result.peak.outside_robust and result.peak.significant
    assert result.ccf.loc[3, "p_holm"] < 1e-6
    # Every other lag is noise: none survives the adjustment for the 13 lags scanned.
    assert result.verdict.significant_lags == (3,)
    assert result.peak.interval == (3, 3) and result.peak.share > 0.95
    granger = result.granger
    assert granger.loc["X -> Y", "p_robust"] < 1e-6 and granger.loc["X -> Y", "p"] < 1e-6
    assert granger.loc["Y -> X", "p_robust"] > 0.05 and granger.loc["Y -> X", "p"] > 0.05
    assert result.granger_lags == 3  # BIC finds the planted order
    verdict = result.verdict
    assert (verdict.leader, verdict.follower, verdict.lead_bars, verdict.evidence) == ("X", "Y", 3, "strong")
    assert "X leads Y by 3 trading days" in verdict.text


def test_swapping_roles_flips_the_sign_but_not_the_verdict() -> None:
    lead, lag = _planted(7)
    result = LeadLag(lag, lead, freq="D", max_lag=6, reps=200, seed=1).run()
    assert result.peak.k == -3
    assert result.peak.share_lag_first > 0.95
    assert (result.verdict.leader, result.verdict.lead_bars) == ("X", 3)
    assert result.granger.loc["X -> Y", "p_robust"] < 1e-6


def test_no_relation_gives_no_significant_peak_at_the_nominal_rate() -> None:
    scans, any_outside_white, any_significant = 60, 0, 0
    for seed in range(scans):
        rng = np.random.default_rng(seed)
        table = cross_correlation(rng.standard_normal(300), rng.standard_normal(300), 5, alpha=0.05)
        any_outside_white += bool(table["outside_white"].any())
        any_significant += bool(table["significant"].any())
    # Scanning 11 lags, the best one beats the unadjusted band far more often than 5%
    # (1 - 0.95**11 = 43%); after Holm adjustment the family-wise rate is back near 5%.
    assert any_outside_white / scans > 0.25
    assert any_significant / scans <= 0.10


def test_robust_band_holds_its_level_under_shared_volatility() -> None:
    trials, white_rejects, robust_rejects = 60, 0, 0
    for seed in range(trials):
        rng = np.random.default_rng(1000 + seed)
        n = 400
        # Both series share one persistent volatility and a same-day correlation, with no lead at all.
        log_vol = np.zeros(n)
        shocks = rng.standard_normal(n)
        for t in range(1, n):
            log_vol[t] = 0.97 * log_vol[t - 1] + 0.25 * shocks[t]
        common = rng.standard_normal(n)
        x = np.exp(log_vol) * common
        y = np.exp(log_vol) * (0.7 * common + math.sqrt(1 - 0.49) * rng.standard_normal(n))
        row = cross_correlation(x, y, 1).loc[1]
        white_rejects += bool(row["outside_white"])
        robust_rejects += bool(row["p"] < 0.05)
    assert white_rejects / trials > 0.2  # the textbook band is far too narrow here
    assert robust_rejects / trials <= 0.12


def test_noise_pairs_mostly_get_a_no_evidence_verdict() -> None:
    verdicts = []
    for seed in range(12):
        rng = np.random.default_rng(200 + seed)
        index = pd.bdate_range("2018-01-01", periods=401, name="date")
        lead = _prices(rng.normal(0, 0.01, 400), index, "A")
        lag = _prices(rng.normal(0, 0.01, 400), index, "B")
        verdicts.append(LeadLag(lead, lag, max_lag=5, reps=30, seed=seed).run().verdict)
    # Each noise pair names a leader with probability about alpha (Holm over 11 lags, or Granger alone).
    named = [v for v in verdicts if v.leader is not None]
    assert len(named) <= 3
    assert not any(v.evidence == "strong" for v in verdicts)
    quiet = [v for v in verdicts if v.evidence == "none"]
    assert quiet and all(v.lead_bars is None and "No evidence that either leads" in v.text for v in quiet)


def test_cross_correlation_definition_and_bands() -> None:
    rng = np.random.default_rng(9)
    x, y = rng.standard_normal(120), rng.standard_normal(120)
    table = cross_correlation(x, y, 3, alpha=0.05, hac_lags=0)
    assert list(table.index) == [-3, -2, -1, 0, 1, 2, 3]
    for k in (-2, 0, 3):
        a, b = (x[: 120 - k], y[k:]) if k >= 0 else (x[-k:], y[: 120 + k])
        assert table.loc[k, "corr"] == pytest.approx(np.corrcoef(a, b)[0, 1], abs=1e-12)
        assert table.loc[k, "n"] == 120 - abs(k)
        assert table.loc[k, "band_white"] == pytest.approx(1.959963985 / math.sqrt(120 - abs(k)))
        # With no kernel lags the robust variance is the plain sum of squared cross-products.
        ac, bc = a - a.mean(), b - b.mean()
        products = ac * bc - (ac * bc).mean()
        expected = math.sqrt((products**2).sum()) / math.sqrt((ac**2).sum() * (bc**2).sum())
        assert table.loc[k, "se_robust"] == pytest.approx(expected, rel=1e-12)
    assert set(table.columns) >= {"p", "p_holm", "p_bh", "significant", "outside_white", "band_robust"}


def test_classical_granger_equals_statsmodels_and_lag_order_follows_the_criterion() -> None:
    lead, lag = _planted(13, periods=400, delay=2, beta=0.5)
    returns = aligned_returns(lead, lag, "D")
    tests, lags, orders = granger_causality(returns, max_lag=6, ic="bic")
    expected_orders = VAR(returns.to_numpy()).select_order(maxlags=6).selected_orders
    assert orders == {k: int(v) for k, v in expected_orders.items()}
    assert lags == max(1, orders["bic"]) == 2
    # statsmodels tests whether the second column Granger-causes the first.
    reference = grangercausalitytests(returns[["Y", "X"]].to_numpy(), maxlag=[lags])[lags][0]["ssr_ftest"]
    assert tests.loc["X -> Y", "f"] == pytest.approx(reference[0], rel=1e-10)
    assert tests.loc["X -> Y", "p"] == pytest.approx(reference[1], rel=1e-8, abs=1e-300)
    reverse = grangercausalitytests(returns[["X", "Y"]].to_numpy(), maxlag=[lags])[lags][0]["ssr_ftest"]
    assert tests.loc["Y -> X", "p"] == pytest.approx(reverse[1], rel=1e-8)
    fixed, used, _ = granger_causality(returns, max_lag=6, lags=4)
    assert used == 4 and (fixed["lags"] == 4).all()


def test_same_seed_same_bootstrap_and_a_fresh_seed_is_recorded(planted: LeadLag) -> None:
    first, again = planted.run(), planted.run()
    pd.testing.assert_series_equal(first.ccf["peak_share"], again.ccf["peak_share"])
    assert first.seed == 1
    lead, lag = _planted(7)
    fresh = LeadLag(lead, lag, max_lag=6, reps=50).run()
    assert isinstance(fresh.seed, int)
    replay = LeadLag(lead, lag, max_lag=6, reps=50, seed=fresh.seed).run()
    pd.testing.assert_series_equal(fresh.ccf["peak_share"], replay.ccf["peak_share"])


def test_rolling_correlation_uses_nothing_after_its_date(planted: LeadLag) -> None:
    full = planted.run()
    cut = full.rolling.index[-80]
    truncated = LeadLag(
        planted.lead.loc[:cut], planted.lag.loc[:cut], max_lag=6, reps=20, seed=1, window=planted.window
    ).run()
    assert truncated.peak.k == full.peak.k
    pd.testing.assert_frame_equal(truncated.rolling, full.rolling.loc[:cut])


def test_to_dict_is_strict_json_with_the_documented_keys(planted: LeadLag) -> None:
    payload = planted.run().to_dict()
    assert json.loads(json.dumps(payload, allow_nan=False))["peak"]["k"] == 3
    assert set(payload) == {
        "lead", "lag", "freq", "unit", "calendar", "definition", "series", "sample", "parameters",
        "ccf", "peak", "granger", "rolling", "verdict",
    }  # fmt: skip
    assert [row["k"] for row in payload["ccf"]] == list(range(-6, 7))
    assert {"corr", "band_white", "band_robust", "p", "p_holm", "p_bh", "peak_share"} <= set(payload["ccf"][0])
    assert [t["direction"] for t in payload["granger"]["tests"]] == ["X -> Y", "Y -> X"]


# -- calendars -----------------------------------------------------------------------------


def _hand_calendar() -> tuple[pd.Series, pd.Series]:
    """An exchange series without Good Friday 2024-03-29, and a crypto series on every day.

    Values encode their date so every expected return can be written down by hand.
    """
    crypto_days = pd.date_range("2024-01-27", "2024-04-30", freq="D", name="date")
    crypto = pd.Series(1000.0 + np.arange(len(crypto_days)), index=crypto_days, name="BTC")
    sessions = pd.bdate_range("2024-01-29", "2024-04-30", name="date").drop(pd.Timestamp("2024-03-29"))
    stock = pd.Series(50.0 + 2.0 * np.arange(len(sessions)), index=sessions, name="RUT")
    return stock, crypto


def _log(series: pd.Series, later: str, earlier: str) -> float:
    return math.log(series[pd.Timestamp(later)] / series[pd.Timestamp(earlier)])


def test_daily_returns_use_exchange_days_and_span_weekends_and_holidays() -> None:
    stock, crypto = _hand_calendar()
    returns = aligned_returns(stock, crypto, "D")
    assert returns.attrs["calendars"] == ("exchange", "crypto")
    assert list(returns.columns) == ["RUT", "BTC"]
    assert returns.index.equals(stock.index[1:])
    # Easter Monday's return spans Thursday -> Monday (Good Friday closed) for both series.
    monday = returns.loc["2024-04-01"]
    assert monday["BTC"] == pytest.approx(_log(crypto, "2024-04-01", "2024-03-28"))
    assert monday["RUT"] == pytest.approx(_log(stock, "2024-04-01", "2024-03-28"))
    assert returns.loc["2024-02-05", "BTC"] == pytest.approx(_log(crypto, "2024-02-05", "2024-02-02"))
    assert "Friday->Monday" in returns.attrs["calendar"]


def test_a_missing_crypto_day_is_dropped_for_both_series() -> None:
    stock, crypto = _hand_calendar()
    gappy = crypto.drop(pd.Timestamp("2024-04-02"))
    returns = aligned_returns(stock, gappy, "D")
    assert pd.Timestamp("2024-04-02") not in returns.index
    assert returns.loc["2024-04-03", "RUT"] == pytest.approx(_log(stock, "2024-04-03", "2024-04-01"))
    assert returns.loc["2024-04-03", "BTC"] == pytest.approx(_log(crypto, "2024-04-03", "2024-04-01"))


def test_weekly_returns_run_friday_to_friday_on_exchange_days() -> None:
    stock, crypto = _hand_calendar()
    returns = aligned_returns(stock, crypto, "W")
    # Each week is labelled by the last exchange day read: Friday, or Thursday before Good Friday.
    assert all(day.day_of_week == 4 for day in returns.index if day != pd.Timestamp("2024-03-28"))
    # The Good Friday week is read on Thursday for BOTH series: crypto's own Friday close is not used.
    assert returns.loc["2024-03-28", "BTC"] == pytest.approx(_log(crypto, "2024-03-28", "2024-03-22"))
    assert returns.loc["2024-04-05", "BTC"] == pytest.approx(_log(crypto, "2024-04-05", "2024-03-28"))
    assert returns.loc["2024-04-05", "RUT"] == pytest.approx(_log(stock, "2024-04-05", "2024-03-28"))
    # The data end on Tuesday 2024-04-30: that week is incomplete and dropped.
    assert returns.index[-1] == pd.Timestamp("2024-04-26")
    assert returns.index[0] == pd.Timestamp("2024-02-09")  # the first week (to 02-02) is the base


def test_monthly_returns_run_month_end_to_month_end() -> None:
    stock, crypto = _hand_calendar()
    returns = aligned_returns(stock, crypto, "M")
    # Each month is labelled by its last common close: March ends on a Sunday after Good Friday,
    # so it is read, and labelled, on Thursday 03-28.
    assert list(returns.index) == [pd.Timestamp("2024-02-29"), pd.Timestamp("2024-03-28"), pd.Timestamp("2024-04-30")]
    assert returns.loc["2024-03-28", "BTC"] == pytest.approx(_log(crypto, "2024-03-28", "2024-02-29"))
    assert returns.loc["2024-04-30", "BTC"] == pytest.approx(_log(crypto, "2024-04-30", "2024-03-28"))
    assert returns.loc["2024-02-29", "RUT"] == pytest.approx(_log(stock, "2024-02-29", "2024-01-31"))


def test_two_crypto_series_use_every_calendar_day() -> None:
    _, crypto = _hand_calendar()
    other = (crypto * 0.05).rename("ETH")
    daily = aligned_returns(crypto, other, "D")
    assert daily.attrs["calendars"] == ("crypto", "crypto")
    assert len(daily) == len(crypto) - 1
    weekly = aligned_returns(crypto, other, "W")
    # Crypto weeks end on the Friday itself; the Good Friday close counts.
    assert weekly.loc["2024-03-29", "BTC"] == pytest.approx(_log(crypto, "2024-03-29", "2024-03-22"))


def test_explicit_calendars_override_inference() -> None:
    stock, crypto = _hand_calendar()
    weekdays_only = crypto[crypto.index.day_of_week < 5]
    inferred = aligned_returns(weekdays_only, stock, "D")
    assert inferred.attrs["calendars"] == ("exchange", "exchange")
    told = aligned_returns(weekdays_only, stock, "D", calendars=("crypto", None))
    assert told.attrs["calendars"] == ("crypto", "exchange")


# -- validation ----------------------------------------------------------------------------


def test_bad_inputs_are_named() -> None:
    stock, crypto = _hand_calendar()
    with pytest.raises(ValueError, match="freq must be one of 'D', 'W', 'M'"):
        aligned_returns(stock, crypto, "Q")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"lag \(BTC\) has a non-positive close"):
        aligned_returns(stock, crypto.where(crypto.index != "2024-02-10", 0.0), "D")
    with pytest.raises(ValueError, match="both are named 'RUT'"):
        aligned_returns(stock, crypto.rename("RUT"), "D")
    with pytest.raises(TypeError, match="lead must be a pandas Series"):
        aligned_returns(stock.to_numpy(), crypto, "D")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_lag must be at least 1"):
        LeadLag(stock, crypto, max_lag=0)
    with pytest.raises(ValueError, match="ic must be 'aic' or 'bic'"):
        LeadLag(stock, crypto, ic="hqic")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="seed must be"):
        LeadLag(stock, crypto, seed="7")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="alpha must be strictly between 0 and 0.5"):
        LeadLag(stock, crypto, alpha=0.9)
    with pytest.raises(DataError, match="only 3 common M returns of RUT and BTC"):
        LeadLag(stock, crypto, freq="M", max_lag=2).run()


def test_short_samples_warn() -> None:
    lead, lag = _planted(3, periods=45, delay=1)
    with pytest.warns(InsufficientDataWarning, match="only 45 D returns"):
        LeadLag(lead, lag, max_lag=2, reps=20, seed=0, granger_max_lag=2).run()


def test_detectable_correlation_has_the_power_it_states() -> None:
    """A lag-1 correlation of the size stated on a sample is found (Holm over the scan) in about 80% of samples."""
    from riskcurve.stats.leadlag import cross_correlation, detectable_correlation

    rng = np.random.default_rng(3)
    n, max_lag, draws = 400, 4, 300
    found = 0
    for _ in range(draws):
        lead, noise = rng.normal(size=n + 1), rng.normal(size=n + 1)
        mde = detectable_correlation(cross_correlation(lead[1:], noise[1:], max_lag), (1, 1))
        assert 0.12 < mde < 0.3  # about (z(1-0.05/18) + z(0.8)) / sqrt(400) = 0.19
        lag = mde * lead[:-1] + np.sqrt(1 - mde**2) * noise[1:]
        found += bool(cross_correlation(lead[1:], lag, max_lag).loc[1, "significant"])
    power = found / draws
    error = (0.8 * 0.2 / draws) ** 0.5  # Monte Carlo standard error, about 0.023
    assert abs(power - 0.8) <= 3 * error


def test_detectable_correlation_golden_case() -> None:
    """Without the cross term's own spread, the MDE solves the closed form at c = -z_p se, by hand.

    rho - z_p sqrt(1 - rho^2) se = z_c sqrt((1 - rho^2) se^2 + rho^2 q - 2 rho sqrt(1 - rho^2) q z_p se):
    the statistic's band moves with the correlation's own error c (its cross term is q c), so at
    the 20% quantile of c the band is narrower than its mean; the earlier model (no cross term)
    gave a larger MDE.
    """
    from scipy import optimize, stats

    from riskcurve.stats.leadlag import detectable_correlation

    z = stats.norm.ppf(0.975)
    ccf = pd.DataFrame({"band_robust": [0.1 * z, 0.05 * z, 0.2 * z]}, index=pd.Index([-1, 0, 1], name="k"))
    ccf.attrs["square_variation"] = (0.01, 0.04)
    z_c, z_p = stats.norm.ppf(1 - 0.05 / 6), stats.norm.ppf(0.8)

    def solve(se: float, q: float, cross: bool = True) -> float:
        def gap(rho: float) -> float:
            s = np.sqrt(1 - rho**2)
            band = s**2 * se**2 + rho**2 * q - (2 * rho * s * q * z_p * se if cross else 0.0)
            return rho - z_p * s * se - z_c * np.sqrt(band)

        return float(optimize.brentq(gap, 0.0, 1.0))

    assert detectable_correlation(ccf, (1, 1)) == pytest.approx(solve(0.2, 0.01), abs=1e-6)  # lead's squares, k > 0
    assert detectable_correlation(ccf, (-1, -1)) == pytest.approx(solve(0.1, 0.04), abs=1e-6)  # lag's at k < 0
    assert detectable_correlation(ccf, (-1, 1)) == pytest.approx(solve(0.05, 0.01), abs=1e-6)  # the smallest in range
    assert solve(0.2, 0.01) < solve(0.2, 0.01, cross=False) - 0.005  # the old, fixed-band MDE promised less
    ccf.attrs.pop("square_variation")
    plain = (z_c + z_p) * 0.05  # no squares known: rho = plain * sqrt(1 - rho^2)
    assert detectable_correlation(ccf, (0, 0)) == pytest.approx(plain / np.sqrt(1 + plain**2), abs=1e-6)
    ccf.attrs["square_variation"] = (1.0, 1.0)  # the band grows faster than rho: no MDE
    assert np.isnan(detectable_correlation(ccf, (0, 0)))


def test_detectable_correlation_integrates_the_cross_terms_spread() -> None:
    """With the cross term's residual spread v, power at the MDE is 80% by brute-force integration."""
    from scipy import stats

    from riskcurve.stats.leadlag import detectable_correlation

    z = stats.norm.ppf(0.975)
    se, q, v = 0.06, 0.02, 4e-5  # v > q^2 se^2 = 1.44e-6: the residual R has variance v - q^2 se^2
    ccf = pd.DataFrame({"band_robust": [se * z] * 9}, index=pd.Index(range(-4, 5), name="k"))
    ccf.attrs["square_variation"] = (q, q)
    ccf.attrs["square_cross_spread"] = (v, v)
    rho = detectable_correlation(ccf, (1, 1))
    z_c = stats.norm.ppf(1 - 0.05 / 18)
    s = np.sqrt(1 - rho**2)
    c = np.linspace(-8, 8, 1601)[:, None] * se
    r = np.linspace(-8, 8, 1601)[None, :] * np.sqrt(v - q**2 * se**2)
    statistic = (rho + s * c) / np.sqrt(np.maximum(rho**2 * q + s**2 * se**2 + 2 * rho * s * (q * c + r), 1e-300))
    density = stats.norm.pdf(c / se) * stats.norm.pdf(r / np.sqrt(v - q**2 * se**2))
    power = float((density * (statistic > z_c)).sum() / density.sum())
    assert power == pytest.approx(0.8, abs=0.005)
    # The spread makes a sample whose band happens to be narrow more likely: a larger MDE than R = 0.
    ccf.attrs["square_cross_spread"] = (0.0, 0.0)
    assert detectable_correlation(ccf, (1, 1)) < rho
