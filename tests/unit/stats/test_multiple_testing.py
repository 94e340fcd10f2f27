"""Adjusted p-values pinned to statsmodels, and data-snooping tests pinned to arch and to known answers."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from arch.bootstrap import SPA, optimal_block_length
from statsmodels.stats.multitest import multipletests

from riskcurve.stats import multiple_testing
from riskcurve.stats.multiple_testing import SnoopingResult, adjust, data_snooping, family_table

# -- adjusted p-values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "column"),
    [("holm", "p_holm"), ("fdr_bh", "p_bh"), ("bonferroni", "p_bonferroni"), ("fdr_by", "p_by")],
)
def test_adjusted_pvalues_equal_statsmodels(method: str, column: str) -> None:
    rng = np.random.default_rng(3)
    # A realistic family: a few real effects among many nulls, with ties and exact 0 and 1.
    pvalues = np.concatenate([rng.uniform(0, 0.01, 5), rng.uniform(0, 1, 40), [0.0, 1.0, 0.02, 0.02]])
    frame = adjust(pvalues, methods=(method,))
    assert list(frame.columns) == ["p", column]
    np.testing.assert_array_equal(frame["p"].to_numpy(), pvalues)
    np.testing.assert_array_equal(frame[column].to_numpy(), multipletests(pvalues, method=method)[1])
    assert frame.attrs["family_size"] == len(pvalues)


@pytest.mark.parametrize("method", ["holm", "fdr_bh", "bonferroni", "fdr_by"])
def test_adjusted_pvalues_equal_statsmodels_to_the_bit_for_many_families(method: str) -> None:
    # The adjustment is riskcurve's own numpy (statsmodels' module loads scipy.stats): every
    # family size from 1 to 60, with rounded p-values so that ties are common, must give
    # statsmodels' values exactly.
    rng = np.random.default_rng(18)
    for size in range(1, 61):
        pvalues = np.round(rng.uniform(0, 1, size) ** 3, int(rng.integers(1, 4)))
        ours = adjust(pvalues, methods=(method,)).iloc[:, 1].to_numpy()
        np.testing.assert_array_equal(ours, multipletests(pvalues, method=method)[1], err_msg=f"{size} p-values")


def test_adjusting_imports_neither_statsmodels_nor_scipy_stats() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from riskcurve.stats.multiple_testing import adjust; adjust([0.01, 0.2, 0.03]); "
        "print(sorted(m for m in ('statsmodels', 'scipy.stats') if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


def test_default_methods_are_holm_and_bh_and_keep_the_series_index() -> None:
    pvalues = pd.Series([0.01, 0.04, 0.03, 0.5], index=["lag-1", "lag0", "lag+1", "lag+2"], name="p")
    frame = adjust(pvalues)
    assert list(frame.columns) == ["p", "p_holm", "p_bh"]
    assert list(frame.index) == list(pvalues.index)
    # Hand-computed: Holm multiplies the i-th smallest by (m - i + 1) and takes running maxima.
    np.testing.assert_allclose(frame["p_holm"], [0.04, 0.09, 0.09, 0.5])
    np.testing.assert_allclose(frame["p_bh"], [0.04, 0.05333333333, 0.05333333333, 0.5])


def test_missing_pvalues_pass_through_and_leave_the_family() -> None:
    pvalues = pd.Series([0.01, np.nan, 0.04, 0.2, np.nan], index=list("abcde"))
    frame = adjust(pvalues)
    assert frame.attrs["family_size"] == 3
    assert frame.loc[["b", "e"]].isna().all().all()
    present = [0.01, 0.04, 0.2]
    np.testing.assert_array_equal(frame.loc[["a", "c", "d"], "p_holm"], multipletests(present, method="holm")[1])
    np.testing.assert_array_equal(frame.loc[["a", "c", "d"], "p_bh"], multipletests(present, method="fdr_bh")[1])
    all_missing = adjust([np.nan, np.nan])
    assert all_missing.attrs["family_size"] == 0 and all_missing.isna().all().all()


@pytest.mark.parametrize("bad", [[0.2, 1.5], [-0.01, 0.3]])
def test_pvalues_outside_unit_interval_are_rejected(bad: list[float]) -> None:
    with pytest.raises(ValueError, match=r"pvalues must lie in \[0, 1\]"):
        adjust(bad)


def test_bad_arguments_name_what_is_wrong() -> None:
    with pytest.raises(TypeError, match="one-dimensional"):
        adjust(np.full((2, 2), 0.5))
    with pytest.raises(TypeError, match="numbers"):
        adjust(["a", "b"])
    with pytest.raises(ValueError, match="'holm', 'fdr_bh'"):
        adjust([0.1], methods=("hochberg",))
    with pytest.raises(TypeError, match="sequence of method names"):
        adjust([0.1], methods="holm")


def test_family_table_appends_adjusted_columns_to_a_sweep() -> None:
    sweep = pd.DataFrame(
        {"asset": ["BTC", "ETH", "SOL", "ADA"], "horizon": [21, 63, 21, 63], "p_value": [0.001, 0.03, np.nan, 0.5]}
    )
    table = family_table(sweep, p_column="p_value")
    assert list(table.columns) == ["asset", "horizon", "p_value", "p_value_holm", "p_value_bh"]
    pd.testing.assert_frame_equal(table[sweep.columns], sweep)
    present = sweep["p_value"].dropna().to_numpy()
    np.testing.assert_array_equal(table["p_value_holm"].dropna().to_numpy(), multipletests(present, method="holm")[1])
    assert np.isnan(table.loc[2, "p_value_bh"])
    assert "p_holm" in family_table(sweep.rename(columns={"p_value": "p"})).columns
    with pytest.raises(ValueError, match="'pval' is not a column"):
        family_table(sweep, p_column="pval")
    with pytest.raises(TypeError, match="DataFrame"):
        family_table(sweep["p_value"])  # type: ignore[arg-type]


# -- data snooping -------------------------------------------------------------------------


def _noise(seed: int, periods: int, models: int) -> tuple[pd.Series, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2020-01-01", periods=periods, name="date")
    benchmark = pd.Series(rng.normal(0.0, 0.01, periods), index=index, name="buy_and_hold")
    candidates = pd.DataFrame(
        rng.normal(0.0, 0.01, (periods, models)), index=index, columns=[f"rule{i}" for i in range(models)]
    )
    return benchmark, candidates


def test_a_candidate_with_a_real_edge_gets_a_small_pvalue() -> None:
    benchmark, candidates = _noise(11, 300, 8)
    rng = np.random.default_rng(12)
    # The edge: the benchmark plus 0.3% a day with modest tracking noise.
    candidates["edge"] = benchmark + rng.normal(0.003, 0.005, len(benchmark))
    result = data_snooping(benchmark, candidates, reps=300, seed=5)
    assert result.best == "edge"
    assert result.best_mean == pytest.approx((candidates["edge"] - benchmark).mean())
    assert result.pvalue < 0.01
    assert result.n_models == 9 and result.n_obs == 300


def test_pure_noise_candidates_are_rejected_at_about_the_nominal_rate() -> None:
    pvalues = []
    for seed in range(25):
        benchmark, candidates = _noise(100 + seed, 200, 5)
        pvalues.append(data_snooping(benchmark, candidates, reps=100, seed=seed).pvalue)
    rejections = np.mean(np.asarray(pvalues) < 0.05)
    # 5% nominal; 25 draws: more than 5 rejections would have probability < 0.001 if the test were exact.
    assert rejections <= 0.2
    assert np.mean(pvalues) > 0.3


def test_worse_candidates_cannot_look_better() -> None:
    benchmark, candidates = _noise(21, 250, 4)
    worse = candidates.sub(0.004)  # every rule loses 0.4% a day against a benchmark with the same noise
    result = data_snooping(benchmark, worse, reps=200, seed=1)
    assert result.best_mean < 0
    assert result.pvalue > 0.5


def test_pvalues_equal_arch_on_negated_returns() -> None:
    benchmark, candidates = _noise(31, 240, 6)
    result = data_snooping(benchmark, candidates, reps=150, block_size=4, seed=9)
    reference = SPA(-benchmark.to_numpy(), -candidates.to_numpy(), block_size=4, reps=150, seed=9)
    reference.compute()
    assert result.pvalue_lower == reference.pvalues["lower"]
    assert result.pvalue_consistent == reference.pvalues["consistent"]
    assert result.pvalue_upper == reference.pvalues["upper"]
    assert result.pvalue == result.pvalue_consistent
    assert result.block_size == 4 and result.reps == 150


def test_pvalues_equal_arch_when_recentring_matters_across_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    # Clearly worse candidates make arch's consistent p-value recentre some and differ from the
    # upper one; blocks of 4 candidates make the family's maximum span several blocks.
    benchmark, candidates = _noise(33, 300, 10)
    candidates.iloc[:, :5] -= 0.003
    candidates["edge"] = benchmark + np.random.default_rng(34).normal(0.0012, 0.01, len(benchmark))
    monkeypatch.setattr(multiple_testing, "SNOOPING_BLOCK", 4)
    result = data_snooping(benchmark, candidates, reps=250, block_size=6, seed=17)
    rc = data_snooping(benchmark, candidates, method="rc", reps=250, block_size=6, seed=17)
    reference = SPA(-benchmark.to_numpy(), -candidates.to_numpy(), block_size=6, reps=250, seed=17)
    reference.compute()
    assert (result.pvalue_lower, result.pvalue_consistent, result.pvalue_upper) == tuple(
        reference.pvalues[["lower", "consistent", "upper"]]
    )
    assert result.pvalue_consistent < result.pvalue_upper
    assert rc.pvalue == reference.pvalues["upper"]
    assert not result.studentized and result.best == candidates.sub(benchmark, axis=0).mean().idxmax()


def test_default_block_size_is_politis_white_over_the_chosen_candidates() -> None:
    benchmark, candidates = _noise(35, 400, 6)
    # Three persistent (AR(1) 0.9) but poor candidates: they alone set the all-candidate length.
    rng = np.random.default_rng(36)
    for i in range(3):
        shocks = rng.normal(0.0, 0.004, len(benchmark))
        persistent = np.zeros(len(benchmark))
        for t in range(1, len(benchmark)):
            persistent[t] = 0.9 * persistent[t - 1] + shocks[t]
        candidates[f"slow{i}"] = benchmark.to_numpy() + persistent - 0.002
    differentials = candidates.sub(benchmark, axis=0)

    def expected(frame: pd.DataFrame) -> int:
        return min(math.ceil(optimal_block_length(frame.to_numpy())["stationary"].max()), len(frame) // 2)

    every = data_snooping(benchmark, candidates, reps=20, seed=0)
    assert every.block_size == expected(differentials)
    best_three = differentials.mean().sort_values(ascending=False, kind="stable").index[:3]
    top = data_snooping(benchmark, candidates, reps=20, seed=0, block_size_from=3)
    assert top.block_size == expected(differentials[best_three])
    assert top.block_size < every.block_size
    # An explicit block size wins.
    assert data_snooping(benchmark, candidates, reps=20, seed=0, block_size=4, block_size_from=3).block_size == 4


def test_row_order_follows_the_dates_not_the_input() -> None:
    benchmark, candidates = _noise(37, 200, 4)
    order = np.random.default_rng(38).permutation(len(benchmark))
    shuffled = data_snooping(benchmark.iloc[order], candidates.iloc[order], reps=80, block_size=5, seed=2)
    assert shuffled == data_snooping(benchmark, candidates, reps=80, block_size=5, seed=2)


def test_reality_check_is_the_upper_pvalue_and_never_below_the_spa() -> None:
    benchmark, candidates = _noise(41, 250, 12)
    # Poor candidates make the difference between recentring choices visible.
    candidates.iloc[:, :6] -= 0.002
    spa = data_snooping(benchmark, candidates, reps=200, seed=3)
    rc = data_snooping(benchmark, candidates, method="rc", reps=200, seed=3)
    assert rc.method == "rc" and rc.pvalue == rc.pvalue_upper and not rc.studentized
    for result in (spa, rc):
        assert result.pvalue_lower <= result.pvalue_consistent <= result.pvalue_upper
    assert rc.pvalue >= spa.pvalue


def test_same_seed_same_result_and_generators_are_accepted() -> None:
    benchmark, candidates = _noise(51, 200, 5)
    first = data_snooping(benchmark, candidates, reps=100, seed=42)
    again = data_snooping(benchmark, candidates, reps=100, seed=42)
    assert first == again
    from_generator = data_snooping(benchmark, candidates, reps=100, seed=np.random.default_rng(42))
    assert from_generator.pvalue == first.pvalue and from_generator.seed is None
    fresh = data_snooping(benchmark, candidates, reps=100)
    assert isinstance(fresh.seed, int)
    assert data_snooping(benchmark, candidates, reps=100, seed=fresh.seed) == fresh


def test_misaligned_and_missing_rows_are_dropped_and_counted() -> None:
    benchmark, candidates = _noise(61, 220, 3)
    candidates.iloc[50, 1] = np.nan
    shifted = candidates.iloc[10:]  # the first 10 benchmark days have no candidate returns
    result = data_snooping(benchmark, shifted, reps=50, seed=0)
    assert result.n_obs == 220 - 10 - 1
    assert result.n_dropped == 11
    assert "11 incomplete rows dropped" in result.summary()
    payload = result.to_dict()
    assert json.loads(json.dumps(payload, allow_nan=False)) == payload
    assert isinstance(result, SnoopingResult)


def test_candidates_identical_to_the_benchmark_are_left_out() -> None:
    benchmark, candidates = _noise(71, 200, 3)
    candidates["always_long"] = benchmark
    result = data_snooping(benchmark, candidates, reps=50, seed=0)
    assert result.excluded == ("always_long",)
    assert result.n_models == 4
    only_twins = data_snooping(benchmark, pd.DataFrame({"a": benchmark, "b": benchmark}), reps=50, seed=0)
    assert only_twins.pvalue == 1.0 and only_twins.excluded == ("a", "b")


def test_snooping_arguments_are_validated() -> None:
    benchmark, candidates = _noise(81, 100, 2)
    with pytest.raises(ValueError, match="method must be 'spa' or 'rc'"):
        data_snooping(benchmark, candidates, method="white")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="benchmark must be a pandas Series"):
        data_snooping(benchmark.to_numpy(), candidates)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one candidate"):
        data_snooping(benchmark, candidates.iloc[:, :0])
    with pytest.raises(ValueError, match="reps must be at least 1"):
        data_snooping(benchmark, candidates, reps=0)
    with pytest.raises(ValueError, match="block_size_from must be at least 1"):
        data_snooping(benchmark, candidates, block_size_from=0)
    with pytest.raises(TypeError, match="seed must be"):
        data_snooping(benchmark, candidates, seed=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="only 15 complete periods"):
        data_snooping(benchmark.iloc[:15], candidates)
