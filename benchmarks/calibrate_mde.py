"""Calibrate the conditional study's minimum detectable effect by simulation (docs/claims.md).

For each setting: a persistent two-state regime (geometric spells) and independent daily
returns; the study's MDE is computed on the null data, the effect MDE is then added to the
in-state h-bar returns (the shift model the MDE is stated under), and the rotation test is run at
``alpha / m`` (Holm's first step over m horizons). Power at the stated MDE should be 80%.
The earlier bootstrap MDE, ``(z(1 - alpha/2) + z(0.8)) * se``, is run on the same data for
comparison.

Run: ``python benchmarks/calibrate_mde.py [runs]`` (default 1000 runs per setting; about a
minute on a shared, loaded machine).
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from scipy.stats import norm

from riskcurve.stats.conditional import _bootstrap_differences, rotation_mde, rotation_p_value
from riskcurve.stats.forward import forward_returns

SETTINGS = (  # (horizon, mean spell in bars, horizons in the family)
    (5, 5.0, 1),
    (5, 60.0, 1),
    (21, 20.0, 1),
    (21, 60.0, 1),
    (21, 60.0, 2),
    (63, 60.0, 1),
    (21, 150.0, 1),
    (21, 150.0, 2),
)


def _simulate(seed: int, mean_spell: float, n: int = 2000) -> tuple[pd.Series, np.ndarray]:
    rng = np.random.default_rng(seed)
    flips = rng.random(n) < 1.0 / mean_spell
    state = ((np.cumsum(flips) + rng.integers(2)) % 2).astype(bool)
    index = pd.date_range("2000-01-01", periods=n, freq="D", name="date")
    return pd.Series(100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n))), index=index), state


def calibrate(h: int, mean_spell: float, family: int, runs: int) -> dict[str, float]:
    """Power at the stated MDE (rotation MDE, and the earlier bootstrap MDE) over ``runs`` runs."""
    alpha = 0.05 / family
    detected = {"rotation": 0, "bootstrap": 0}
    ratio = []
    for seed in range(runs):
        close, state = _simulate(10_000 + seed, mean_spell)
        forward = forward_returns(close, [h])[h].to_numpy()
        ok = np.isfinite(forward)
        values, flags = forward[ok], state[ok]
        mde, se_rotation = rotation_mde(values, flags, alpha)
        block = max(float(h), mean_spell)
        diffs = _bootstrap_differences(values, flags, 200, block, np.random.default_rng(seed))
        se = float(np.nanstd(diffs, ddof=1))
        ratio.append(se / se_rotation)
        old = float((norm.ppf(1 - 0.05 / 2) + norm.ppf(0.8)) * se)
        detected["rotation"] += rotation_p_value(values + mde * flags, flags) < alpha
        detected["bootstrap"] += rotation_p_value(values + old * flags, flags) < alpha
    return {
        "power_rotation": detected["rotation"] / runs,
        "power_bootstrap": detected["bootstrap"] / runs,
        "se_ratio": float(np.mean(ratio)),
    }


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print("| h | mean spell | horizons (Holm) | runs | power at the MDE | power at the old bootstrap MDE |")
    print("|---|---|---|---|---|---|")
    for h, spell, family in SETTINGS:
        found = calibrate(h, spell, family, runs)
        print(
            f"| {h} | {spell:g} | {family} | {runs} | {found['power_rotation']:.1%} | {found['power_bootstrap']:.1%} |"
        )


if __name__ == "__main__":
    main()
