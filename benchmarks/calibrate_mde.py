"""Calibrate every minimum detectable effect (MDE) by simulation (docs/claims.md).

The MDE a test reports is the true effect it detects with 80% power at the level grading
applies (Holm's first step, ``alpha / m``, over the ``m`` tests of the family). Each setting here
simulates data with no effect, computes the MDE the code reports on it, injects exactly that
effect and runs the test the grade uses; power at the stated MDE should be 80%.

* ``conditional``: a persistent two-state regime (geometric spells) and independent daily
  returns; the effect is added to the in-state h-bar returns; rotation test at ``alpha / m``.
  The earlier bootstrap MDE, ``(z(1 - alpha/2) + z(0.8)) * se``, is run on the same data.
* ``event``: GARCH(1,1) daily log returns with Student-t(4) shocks; events at random, at least
  ``h`` bars apart; the effect is a drift over each event's window, scaled so that the expected
  difference the study reports (event returns minus all windows' returns, which the drift also
  lifts where they overlap an event's window) is the MDE; ``EventStudy`` at one
  horizon with ``family=m``, rejected when the permutation p is below ``alpha / m``. The earlier
  normal MDE, ``(z(0.975) + z(0.8)) * sd_h / sqrt(n)``, is run on the same data.
* ``leadlag``: GARCH-t returns for the lead, the lag's return ``k`` bars later
  ``rho * lead + sqrt(1 - rho^2) * noise``; the scan over ``-K..K`` lags (``cross_correlation``),
  detected when lag ``k`` is significant after Holm.
* ``direction``: GARCH-t prices, events at random (``direction_test``'s de-clustering); the
  effect turns a falling window after an event into a rising one (its returns mirrored) with
  the probability that raises share - base (the base rises too, through overlapping windows)
  by the MDE; Holm over ``m`` horizons (first step).
* ``order``: independent onsets, each "already lit" with probability ``base + MDE`` (the
  cascade-onsets test), Holm over the pairs.

Run: ``nice -n 10 python benchmarks/calibrate_mde.py [test ...] [--runs N] [--seed S]``
(default every test, 1,000 runs per setting; a few minutes per test on a shared, loaded machine).
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

SEED = 20261206
ALPHA = 0.05
POWER = 0.8


def _garch_t(rng: np.random.Generator, n: int, *, df: float = 4.0, vol: float = 0.01) -> np.ndarray:
    """Daily returns with volatility clustering (GARCH(1,1), persistence 0.98) and fat tails."""
    omega, a, b = vol**2 * 0.02, 0.08, 0.90
    shocks = rng.standard_t(df, n) / math.sqrt(df / (df - 2.0))
    out = np.empty(n)
    variance = vol**2
    for t in range(n):
        out[t] = math.sqrt(variance) * shocks[t]
        variance = omega + a * out[t] ** 2 + b * variance
    return out


def _close(returns: np.ndarray, index: pd.DatetimeIndex) -> pd.Series:
    return pd.Series(100.0 * np.exp(np.cumsum(returns)), index=index, name="X")


@dataclass(frozen=True)
class Row:
    """Power at the stated MDE in one setting: ``hits`` detections in ``runs`` runs."""

    test: str
    setting: str
    runs: int
    hits: int
    note: str = ""

    @property
    def power(self) -> float:
        return self.hits / self.runs if self.runs else math.nan

    @property
    def se(self) -> float:
        """Monte Carlo standard error of ``power`` (binomial)."""
        return math.sqrt(self.power * (1 - self.power) / self.runs) if self.runs else math.nan

    def markdown(self) -> str:
        return f"| {self.test} | {self.setting} | {self.runs} | {self.power:.1%} (± {self.se:.1%}) | {self.note} |"


def _pick(settings: tuple[Any, ...], only: int | None) -> tuple[Any, ...]:
    return settings if only is None else settings[:only]


# -- conditional ----------------------------------------------------------------------------

CONDITIONAL = ((5, 5.0, 1), (5, 60.0, 1), (21, 20.0, 1), (21, 60.0, 1), (21, 60.0, 2), (63, 60.0, 1))
CONDITIONAL += ((21, 150.0, 1), (21, 150.0, 2))


def _regime(seed: int, mean_spell: float, n: int = 2000) -> tuple[pd.Series, np.ndarray]:
    rng = np.random.default_rng(seed)
    flips = rng.random(n) < 1.0 / mean_spell
    state = ((np.cumsum(flips) + rng.integers(2)) % 2).astype(bool)
    index = pd.date_range("2000-01-01", periods=n, freq="D", name="date")
    return pd.Series(100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n))), index=index), state


def conditional(runs: int, seed: int, only: int | None = None) -> Iterator[Row]:
    """Rotation-test power at the conditional study's MDE (and at the earlier bootstrap MDE)."""
    from riskcurve.stats.conditional import _bootstrap_differences, rotation_mde, rotation_p_value
    from riskcurve.stats.forward import forward_returns

    for h, spell, family in _pick(CONDITIONAL, only):
        alpha = ALPHA / family
        hits = old_hits = 0
        for run in range(runs):
            close, state = _regime(seed + run, spell)
            forward = forward_returns(close, [h])[h].to_numpy()
            ok = np.isfinite(forward)
            values, flags = forward[ok], state[ok]
            mde, _ = rotation_mde(values, flags, alpha)
            diffs = _bootstrap_differences(values, flags, 200, max(float(h), spell), np.random.default_rng(run))
            old = float((norm.ppf(1 - ALPHA / 2) + norm.ppf(POWER)) * np.nanstd(diffs, ddof=1))
            hits += rotation_p_value(values + mde * flags, flags) < alpha
            old_hits += rotation_p_value(values + old * flags, flags) < alpha
        yield Row("conditional", f"h {h}, mean spell {spell:g}, m {family}", runs, hits, f"old: {old_hits / runs:.1%}")


# -- event study ----------------------------------------------------------------------------

EVENT = ((21, 30, 1), (63, 15, 2), (21, 30, 4), (5, 60, 1), (21, 8, 2))


def _event_row(returns: np.ndarray, index: pd.DatetimeIndex, dates: pd.DatetimeIndex, **study: Any) -> pd.Series:
    from riskcurve.stats.event_study import EventStudy

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = EventStudy(dates, _close(returns, index), **study).run()
    return result.table.loc[study["horizons"][0]]


def event(runs: int, seed: int, only: int | None = None, reps: int = 999) -> Iterator[Row]:
    """Permutation-test power at the event study's MDE (and at the earlier normal MDE)."""
    from riskcurve.stats.bootstrap import spaced_placements

    n_bars = 2500
    index = pd.bdate_range("2000-01-03", periods=n_bars, name="date")
    for h, events, family in _pick(EVENT, only):
        hits = old_hits = 0
        for run in range(runs):
            rng = np.random.default_rng(seed + run)
            returns = _garch_t(rng, n_bars)
            positions = spaced_placements(n_bars - h - 2, events, h, 1, seed=rng)[0]
            study = {"horizons": (h,), "reps": reps, "seed": run, "family": family}
            null = _event_row(returns, index, index[positions], **study)
            old = (norm.ppf(1 - ALPHA / 2) + norm.ppf(POWER)) * float(null["baseline_std"]) / math.sqrt(events)
            unit = np.zeros(n_bars)
            for p in positions:  # the h-bar return entered at bar p + 1 spans bars p + 2 .. p + 1 + h
                unit[p + 2 : p + 2 + h] += 1.0 / h
            # Windows that overlap an event's rise too: the baseline rises by a share of it, so the
            # drift is scaled until the difference the study reports (events - baseline) is the effect.
            carried = float(np.convolve(unit, np.ones(h), "full")[h + 1 : n_bars].mean())
            for effect, new in ((float(null["mde"]), True), (old, False)):
                row = _event_row(returns + unit * effect / (1.0 - carried), index, index[positions], **study)
                found = int(row["p_two_sided"] < ALPHA / family)
                hits, old_hits = (hits + found, old_hits) if new else (hits, old_hits + found)
        yield Row("event", f"h {h}, {events} events, m {family}", runs, hits, f"old: {old_hits / runs:.1%}")


# -- lead-lag -------------------------------------------------------------------------------

LEADLAG = ((520, 8, 1), (260, 4, 1), (1500, 10, 2), (2500, 10, 5))


def leadlag(runs: int, seed: int, only: int | None = None) -> Iterator[Row]:
    """Power of the lag scan (Holm over its lags) at the detectable correlation."""
    from riskcurve.stats.leadlag import cross_correlation, detectable_correlation

    for n, max_lag, k in _pick(LEADLAG, only):
        hits = stated = 0
        for run in range(runs):
            rng = np.random.default_rng(seed + run)
            lead = _garch_t(rng, n + k)
            noise = _garch_t(rng, n + k)
            rho = detectable_correlation(cross_correlation(lead[:n], noise[:n], max_lag), (k, k))
            if not math.isfinite(rho):  # no correlation reaches 80% power: none is stated
                continue
            stated += 1
            lag = noise.copy()
            lag[k:] = rho * lead[:-k] / lead.std() * noise.std() + math.sqrt(1 - rho**2) * noise[k:]
            hits += bool(cross_correlation(lead[:n], lag[:n], max_lag).loc[k, "significant"])
        yield Row("leadlag", f"{n} obs, lags ±{max_lag}, lag {k}", stated, hits, f"no MDE in {runs - stated} runs")


# -- direction ------------------------------------------------------------------------------

DIRECTION = ((21, 40, (21,)), (21, 15, (21, 63, 126)), (63, 30, (21, 63)), (5, 100, (5,)))


def _mirrored(returns: np.ndarray, entries: list[int], h: int) -> np.ndarray:
    out = returns.copy()
    for p in entries:  # the move entered at close p spans bars p + 1 .. p + h
        out[p + 1 : p + 1 + h] = -out[p + 1 : p + 1 + h]
    return out


def _inject_rises(
    returns: np.ndarray, falling: list[int], h: int, base: float, mde: float, draws: np.ndarray
) -> np.ndarray:
    """Mirror falling windows after events (each when its draw is below ``flip``) so share - base rises by ``mde``.

    The share of rises after events becomes about ``base + flip * (1 - base)``, and the share
    after any day rises too, through windows overlapping the mirrored ones; ``flip`` is found by
    bisection so that the difference the test measures rises by ``mde``.
    """

    def moved(flip: float) -> np.ndarray:
        return _mirrored(returns, [p for p, u in zip(falling, draws, strict=True) if u < flip], h)

    def excess(flip: float) -> float:
        path = np.cumsum(moved(flip))
        return base + flip * (1.0 - base) - float(np.mean(path[h:] > path[:-h]))

    low, high = 0.0, 1.0
    for _ in range(20):
        middle = (low + high) / 2
        low, high = (low, middle) if excess(middle) >= mde else (middle, high)
    return moved(high)


def direction(runs: int, seed: int, only: int | None = None) -> Iterator[Row]:
    """Exact-test power at the direction test's MDE, the effect injected into the price path."""
    from riskcurve.stats.direction import direction_test, entries

    n_bars = 3000
    index = pd.bdate_range("2000-01-03", periods=n_bars, name="date")
    for h, events, horizons in _pick(DIRECTION, only):
        hits = 0
        family = len(horizons)
        for run in range(runs):
            rng = np.random.default_rng(seed + run)
            returns = _garch_t(rng, n_bars)
            days = index[np.sort(rng.choice(n_bars - max(horizons) - 2, events * 3, replace=False))]
            row = {r.horizon: r for r in direction_test(days, _close(returns, index), horizons)}[h]
            kept = entries(days, index, max(horizons))
            falling = [int(p) for p in kept[kept + h < n_bars] if returns[p + 1 : p + 1 + h].sum() < 0]
            shifted = _inject_rises(returns, falling, h, row.base, row.mde, rng.random(len(falling)))
            after = {r.horizon: r for r in direction_test(days, _close(shifted, index), horizons)}[h]
            hits += after.p < ALPHA / family and after.share > after.base
        yield Row("direction", f"h {h}, {events * 3} events before de-clustering, m {family}", runs, hits)


# -- order ----------------------------------------------------------------------------------

ORDER = ((25, 0.3, 4), (12, 0.5, 1), (60, 0.55, 4), (40, 0.15, 2), (200, 0.4, 4))


def order(runs: int, seed: int, only: int | None = None) -> Iterator[Row]:
    """Power of the cascade-onsets test (exact binomial, Holm over the pairs) at its MDE."""
    from riskcurve.stats.multiple_testing import adjust
    from riskcurve.stats.proportion import binomial_test, detectable_share

    rng = np.random.default_rng(seed)
    for n, base, pairs in _pick(ORDER, only):
        mde = detectable_share(n, base, ALPHA / pairs)
        hits = 0
        for _ in range(runs):
            # The first pair carries the effect, the others none.
            shares = [base + mde] + [base] * (pairs - 1)
            p = [binomial_test(int(rng.binomial(n, s)), n, base).p for s in shares]
            hits += bool(adjust(pd.Series(p), methods=("holm",))["p_holm"].iloc[0] < ALPHA)
        yield Row("order", f"{n} onsets, base {base:.0%}, {pairs} pairs", runs, hits, f"MDE +{mde:.1%}")


TESTS: dict[str, Callable[..., Iterator[Row]]] = {
    "conditional": conditional,
    "event": event,
    "leadlag": leadlag,
    "direction": direction,
    "order": order,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tests", nargs="*", help=f"which tests, of {', '.join(TESTS)} (default: all)")
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    unknown = [name for name in args.tests if name not in TESTS]
    if unknown:
        parser.error(f"unknown test {unknown[0]!r}; choose from {', '.join(TESTS)}")
    print("| test | setting | runs | power at the stated MDE (MC se) | note |")
    print("|---|---|---|---|---|")
    for name in args.tests or TESTS:
        started = time.perf_counter()
        for row in TESTS[name](args.runs, args.seed):
            print(row.markdown(), flush=True)
        print(f"<!-- {name}: {time.perf_counter() - started:.0f} s -->", flush=True)


if __name__ == "__main__":
    main()
