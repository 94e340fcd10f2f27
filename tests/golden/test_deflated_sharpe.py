"""The deflated Sharpe ratio against Bailey & López de Prado (2014), "The Deflated Sharpe Ratio".

The paper's numerical example: a strategy with an annualised Sharpe ratio of 2.5 estimated on
five years of daily returns (T = 1,250, 250 a year), selected as the best of N = 100 trials
whose annualised Sharpe ratios have variance 0.5, with skewness -3 and kurtosis 10. The paper
reports an expected maximum Sharpe ratio of 0.1132 (per day) and a DSR of 0.9004.
"""

from __future__ import annotations

import math

import pytest
from scipy.stats import norm

from riskcurve.backtest.metrics import deflated_sharpe_ratio, expected_max_sharpe, probabilistic_sharpe_ratio

SR = 2.5 / math.sqrt(250)
V = 0.5 / 250
N, T, SKEW, KURT = 100, 1250, -3.0, 10.0


def _published_formula() -> tuple[float, float]:
    # Written out from the paper, independently of riskcurve's code:
    #   SR0 = sqrt(V) * ((1 - g) * Z^-1[1 - 1/N] + g * Z^-1[1 - 1/(N e)]),  g = 0.5772156649...
    #   DSR = Z[(SR - SR0) * sqrt(T - 1) / sqrt(1 - skew * SR + (kurt - 1) / 4 * SR^2)]
    gamma = 0.5772156649015329
    sr0 = math.sqrt(V) * ((1 - gamma) * norm.ppf(1 - 1 / N) + gamma * norm.ppf(1 - 1 / (N * math.e)))
    z = (SR - sr0) * math.sqrt(T - 1) / math.sqrt(1 - SKEW * SR + (KURT - 1) / 4 * SR**2)
    return float(sr0), float(norm.cdf(z))


def test_expected_maximum_sharpe_of_the_paper() -> None:
    sr0, _ = _published_formula()
    assert expected_max_sharpe(N, V) == pytest.approx(sr0, rel=1e-12)
    assert round(expected_max_sharpe(N, V), 4) == 0.1132  # the paper's number


def test_deflated_sharpe_ratio_of_the_paper() -> None:
    _, dsr = _published_formula()
    value = deflated_sharpe_ratio(SR, N, V, T, SKEW, KURT)
    assert value == pytest.approx(dsr, rel=1e-12)
    assert round(value, 4) == 0.9004  # the paper's number


def test_one_trial_is_the_probabilistic_sharpe_ratio_against_zero() -> None:
    assert deflated_sharpe_ratio(SR, 1, V, T, SKEW, KURT) == pytest.approx(
        probabilistic_sharpe_ratio(SR, 0.0, T, SKEW, KURT), rel=1e-15
    )
    # With normal returns the PSR against zero is Z(SR * sqrt(T - 1) / sqrt(1 + SR^2 / 2)).
    normal = norm.cdf(SR * math.sqrt(T - 1) / math.sqrt(1 + SR**2 / 2))
    assert probabilistic_sharpe_ratio(SR, 0.0, T) == pytest.approx(normal, rel=1e-12)
