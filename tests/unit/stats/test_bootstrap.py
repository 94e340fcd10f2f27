"""Resampling engines, checked against arch and against exact enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from arch.bootstrap import CircularBlockBootstrap, StationaryBootstrap
from arch.bootstrap import optimal_block_length as arch_block_length
from scipy import stats

from riskcurve.stats.bootstrap import (
    as_generator,
    circular_block_bootstrap_indices,
    max_placeable,
    optimal_block_length,
    spaced_placements,
    stationary_bootstrap_event_means,
    stationary_bootstrap_indices,
    stationary_bootstrap_sums,
)


def _ar1(n: int, phi: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.normal(size=n)
    x = np.empty(n)
    x[0] = noise[0]
    for t in range(1, n):
        x[t] = phi * x[t - 1] + noise[t]
    return x


def _continuations(indices: np.ndarray) -> np.ndarray:
    """Per resample, the share of steps that continue the current block (next index, wrapping)."""
    n = indices.shape[1]
    return (indices[:, 1:] == (indices[:, :-1] + 1) % n).mean(axis=1)


def _arch_indices(bootstrap: StationaryBootstrap | CircularBlockBootstrap, reps: int) -> np.ndarray:
    rows = []
    for _ in bootstrap.bootstrap(reps):
        rows.append(np.asarray(bootstrap.index).copy())
    return np.vstack(rows)


def test_stationary_indices_shape_range_and_seed() -> None:
    a = stationary_bootstrap_indices(50, 20, 5.0, seed=7)
    b = stationary_bootstrap_indices(50, 20, 5.0, seed=np.random.default_rng(7))
    c = stationary_bootstrap_indices(50, 20, 5.0, seed=8)
    assert a.shape == (20, 50) and a.dtype == np.int64
    assert a.min() >= 0 and a.max() < 50
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_stationary_block_lengths_match_arch() -> None:
    n, reps, block = 400, 1500, 8.0
    ours = stationary_bootstrap_indices(n, reps, block, seed=1)
    theirs = _arch_indices(StationaryBootstrap(block, np.zeros(n), seed=np.random.default_rng(2)), reps)
    # A step continues the block with probability 1 - 1/b (plus a 1/n chance that a fresh start lands there).
    expected = (1 - 1 / block) + (1 / block) / n
    assert _continuations(ours).mean() == pytest.approx(expected, abs=0.005)
    assert _continuations(theirs).mean() == pytest.approx(expected, abs=0.005)
    # Run lengths: geometric with mean b in both (runs cut by the series' end are left out).
    ours_runs = _run_lengths(ours)
    theirs_runs = _run_lengths(theirs)
    assert ours_runs.mean() == pytest.approx(block, rel=0.05)
    assert stats.ks_2samp(ours_runs, theirs_runs).pvalue > 0.001


def _run_lengths(indices: np.ndarray) -> np.ndarray:
    n = indices.shape[1]
    lengths = []
    for row in indices:
        breaks = np.flatnonzero(row[1:] != (row[:-1] + 1) % n) + 1
        edges = np.concatenate([[0], breaks, [n]])
        lengths.append(np.diff(edges)[1:-1])  # interior runs only: no truncation at either end
    return np.concatenate(lengths)


def test_resampled_means_match_arch() -> None:
    x = _ar1(600, 0.6, seed=11)
    reps = 3000
    ours = x[stationary_bootstrap_indices(len(x), reps, 12.0, seed=3)].mean(axis=1)
    bs = StationaryBootstrap(12, x, seed=np.random.default_rng(4))
    theirs = bs.apply(lambda y: np.array([y.mean()]), reps).ravel()
    # Centred on the sample mean; same spread (a 3000-draw variance has ~3% sampling error).
    assert ours.mean() == pytest.approx(x.mean(), abs=4 * ours.std() / np.sqrt(reps))
    assert ours.var() / theirs.var() == pytest.approx(1.0, abs=0.15)
    # And the block structure matters: the i.i.d. bootstrap is far too narrow for AR(1) with phi=0.6.
    iid = x[stationary_bootstrap_indices(len(x), reps, 1.0, seed=5)].mean(axis=1)
    assert iid.var() < 0.5 * ours.var()


def test_iid_limit() -> None:
    indices = stationary_bootstrap_indices(300, 200, 1.0, seed=9)
    assert _continuations(indices).mean() == pytest.approx(1 / 300, abs=0.002)


def test_circular_blocks_match_arch() -> None:
    n, b = 103, 10
    indices = circular_block_bootstrap_indices(n, 400, b, seed=12)
    assert indices.shape == (400, n)
    # Blocks of exactly b consecutive (wrapping) indices, starting every b positions.
    steps = (indices[:, 1:] - indices[:, :-1]) % n
    within = np.ones(n - 1, dtype=bool)
    within[b - 1 :: b] = False
    assert (steps[:, within] == 1).all()
    x = _ar1(n, 0.5, seed=13)
    ours = x[circular_block_bootstrap_indices(n, 3000, b, seed=14)].mean(axis=1)
    bs = CircularBlockBootstrap(b, x, seed=np.random.default_rng(15))
    theirs = bs.apply(lambda y: np.array([y.mean()]), 3000).ravel()
    assert ours.var() / theirs.var() == pytest.approx(1.0, abs=0.15)


def test_event_means_equal_the_materialised_resamples() -> None:
    x = _ar1(777, 0.4, seed=21)
    positions = np.array([500, 3, 250, 776])
    at_events, means = stationary_bootstrap_event_means(x, positions, 300, 15.0, seed=22)
    indices = stationary_bootstrap_indices(len(x), 300, 15.0, seed=22)
    np.testing.assert_allclose(means, x[indices].mean(axis=1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(at_events, x[indices][:, positions].mean(axis=1), rtol=0, atol=1e-12)
    empty, _ = stationary_bootstrap_event_means(x, np.array([], dtype=int), 5, 15.0, seed=1)
    assert np.isnan(empty).all()


def test_sums_equal_the_materialised_resamples() -> None:
    x = _ar1(641, 0.6, seed=41)
    flags = (_ar1(641, 0.9, seed=42) > 0).astype(float)
    columns = np.vstack([x, flags, x * flags])
    sums = stationary_bootstrap_sums(columns, 250, 12.0, seed=43)
    indices = stationary_bootstrap_indices(641, 250, 12.0, seed=43)
    assert sums.shape == (250, 3)
    np.testing.assert_allclose(sums, columns[:, indices].sum(axis=2).T, rtol=0, atol=1e-9)
    # One column given flat is the (n,) case.
    np.testing.assert_allclose(stationary_bootstrap_sums(x, 250, 12.0, seed=43)[:, 0], sums[:, 0], rtol=0, atol=0)
    # p = 1: the i.i.d. bootstrap, blocks of one.
    iid = stationary_bootstrap_sums(flags, 40, 1.0, seed=44)[:, 0]
    np.testing.assert_allclose(iid, flags[stationary_bootstrap_indices(641, 40, 1.0, seed=44)].sum(axis=1), atol=1e-9)
    with pytest.raises(ValueError, match="finite"):
        stationary_bootstrap_sums(np.array([1.0, np.nan]), 5, 2.0, seed=1)


def test_chunked_engines_still_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Working through resamples in chunks keeps the fused kernel and the index matrix on the same draws."""
    from riskcurve.stats import bootstrap

    monkeypatch.setattr(bootstrap, "_CHUNK_ELEMENTS", 500)  # about 7 resamples per chunk here
    x = _ar1(300, 0.2, seed=31)
    at_events, means = stationary_bootstrap_event_means(x, [10, 20, 299], 50, 3.0, seed=32)
    indices = stationary_bootstrap_indices(300, 50, 3.0, seed=32)
    np.testing.assert_allclose(means, x[indices].mean(axis=1), rtol=0, atol=1e-12)
    sums = stationary_bootstrap_sums(x, 50, 3.0, seed=32)
    np.testing.assert_allclose(sums[:, 0], x[indices].sum(axis=1), rtol=0, atol=1e-9)
    np.testing.assert_allclose(at_events, x[indices][:, [10, 20, 299]].mean(axis=1), rtol=0, atol=1e-12)
    assert len(np.unique(means)) == 50
    rows = spaced_placements(100, 4, 10, 300, seed=33)
    assert rows.shape == (300, 4) and (np.diff(rows, axis=1) >= 10).all()


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: stationary_bootstrap_indices(0, 5, 2.0), ValueError, "n must be"),
        (lambda: stationary_bootstrap_indices(10, 0, 2.0), ValueError, "reps must be"),
        (lambda: stationary_bootstrap_indices(10, 5, 0.5), ValueError, "block_length"),
        (lambda: stationary_bootstrap_indices(10, 5, "2"), TypeError, "block_length"),
        (lambda: stationary_bootstrap_indices(10, 5, 2.0, seed=1.5), TypeError, "seed"),
        (lambda: stationary_bootstrap_event_means(np.array([1.0, np.nan]), [0], 5, 2.0), ValueError, "finite"),
        (lambda: stationary_bootstrap_event_means(np.ones(5), [5], 5, 2.0), ValueError, "positions"),
        (lambda: spaced_placements(10, 5, 3, 4), ValueError, "at most 4 fit"),
        (lambda: spaced_placements(10, 2, 0, 4), ValueError, "min_spacing"),
        (lambda: optimal_block_length(np.ones(5)), ValueError, "at least 10"),
        (lambda: optimal_block_length(np.ones(50), kind="moving"), ValueError, "kind"),
    ],
)
def test_validation(call, error: type, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(
    ("n", "phi", "seed"), [(1000, 0.7, 41), (10, 0.3, 1), (57, -0.5, 2), (400, 0.0, 3), (5000, 0.95, 4), (250, 0.99, 5)]
)
def test_optimal_block_length_equals_arch(n: int, phi: float, seed: int) -> None:
    x = _ar1(n, phi, seed=seed)
    with np.errstate(divide="ignore", invalid="ignore"):  # arch's own warning on lags past a short sample
        theirs = arch_block_length(x)
    for kind in ("stationary", "circular"):
        expected = max(1.0, float(theirs[kind].iloc[0]))
        assert optimal_block_length(x, kind=kind) == pytest.approx(expected, rel=1e-12)  # type: ignore[arg-type]


def test_optimal_block_length_edges() -> None:
    x = _ar1(1000, 0.7, seed=41)
    assert optimal_block_length(np.full(50, 2.0)) == 1.0
    assert optimal_block_length(_ar1(1000, 0.0, seed=42)) < optimal_block_length(x)
    with_gaps = x.copy()
    with_gaps[::7] = np.nan  # NaNs are dropped, not propagated
    assert optimal_block_length(with_gaps) == pytest.approx(
        float(arch_block_length(x[np.isfinite(with_gaps)])["stationary"].iloc[0])
    )
    with pytest.raises(ValueError, match="at least 10"):
        optimal_block_length(x[:9])
    with pytest.raises(ValueError, match="kind"):
        optimal_block_length(x, kind="moving")  # type: ignore[arg-type]


def test_as_generator() -> None:
    rng = np.random.default_rng(1)
    assert as_generator(rng) is rng
    assert as_generator(5).random() == np.random.default_rng(5).random()
    with pytest.raises(TypeError, match="seed"):
        as_generator(True)  # type: ignore[arg-type]


def test_spaced_placements_respect_the_rule() -> None:
    rows = spaced_placements(500, 7, 40, 2000, seed=51)
    assert rows.shape == (2000, 7)
    assert (np.diff(rows, axis=1) >= 40).all()
    assert rows.min() >= 0 and rows.max() < 500
    assert np.array_equal(rows, spaced_placements(500, 7, 40, 2000, seed=51))
    # Tight fit: the only placement of 4 events 3 apart among 10 positions.
    assert (spaced_placements(10, 4, 3, 5, seed=1) == [0, 3, 6, 9]).all()
    assert max_placeable(10, 3) == 4
    assert spaced_placements(10, 0, 3, 4, seed=1).shape == (4, 0)


@pytest.mark.parametrize(("n", "k", "spacing"), [(12, 3, 3), (9, 2, 1), (15, 4, 2)])
def test_spaced_placements_are_uniform_over_valid_configurations(n: int, k: int, spacing: int) -> None:
    valid = [c for c in itertools.combinations(range(n), k) if all(b - a >= spacing for a, b in itertools.pairwise(c))]
    reps = 40 * len(valid)
    rows = spaced_placements(n, k, spacing, reps, seed=61)
    counts = {c: 0 for c in valid}
    for row in map(tuple, rows.tolist()):
        counts[row] += 1  # a KeyError here would be an invalid placement
    observed = np.array(list(counts.values()))
    assert stats.chisquare(observed).pvalue > 0.001


def test_spaced_placements_large_k_uses_the_mask_path() -> None:
    rows = spaced_placements(400, 60, 5, 3000, seed=71)
    assert (np.diff(rows, axis=1) >= 5).all() and rows.max() < 400
    # Uniform over configurations: by symmetry the first and last positions mirror each other.
    assert rows[:, 0].mean() == pytest.approx(399 - rows[:, -1].mean(), abs=0.5)


def test_a_remembered_block_length_is_the_one_estimated_for_those_exact_values() -> None:
    from riskcurve.stats import bootstrap

    x = _ar1(800, 0.6, seed=18)
    first = optimal_block_length(x)
    assert optimal_block_length(x.copy()) == first == bootstrap._politis_white(x)[0]
    # One value changed in its last bit is other values: estimated afresh, not served the first.
    nudged = x.copy()
    nudged[400] = np.nextafter(nudged[400], np.inf)
    assert optimal_block_length(nudged) == bootstrap._politis_white(nudged)[0]
    assert optimal_block_length(x, kind="circular") == bootstrap._politis_white(x)[1]
